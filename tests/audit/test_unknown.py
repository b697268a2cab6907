"""Roll values that may be unknown: an empty or absent birth date or enrolment time is
audited, skipped only by the checks that need it, and counted in every report."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from honestballot.audit.config import AuditConfig, ClosedWindow
from honestballot.audit.engine import run_audit
from honestballot.audit.findings import AuditResult, Severity, observer_summary, to_json
from honestballot.audit.report_html import render
from honestballot.cli.audit import audit_command
from tests.factories import ROLL_HEADER, make_iin, make_snils, roll_row, write_csv

MakeFile = Callable[[Sequence[dict[str, Any]]], Path]
WINDOW = ClosedWindow.parse("2023-01-01T00:00/2024-01-01T00:00")


def found(result: AuditResult, check: str) -> list[dict[str, Any]]:
    return [dict(r) for f in result.findings if f.check == check for r in f.records]


def rules(result: AuditResult, check: str) -> list[str]:
    return [f.rule for f in result.findings if f.check == check]


def test_absent_columns_mean_unknown(tmp_path: Path) -> None:
    header = [h for h in ROLL_HEADER if h not in ("birth_date", "enrolled_at")]
    path = write_csv(tmp_path / "roll.csv", header, [roll_row(i) for i in range(5)])
    result = run_audit(path, config=AuditConfig(closed_windows=(WINDOW,)))
    assert result.bad_rows == [] and result.rows_read == {"roll": 5}
    assert result.roll_rows_without == {"birth_date": 5, "enrolled_at": 5, "organisation": 0}
    assert result.at_or_above(Severity.LOW) == []


def test_empty_values_are_unknown_and_bad_text_is_still_bad(roll_file: MakeFile) -> None:
    rows = [roll_row(i, birth_date="", enrolled_at="") for i in range(4)]       # lines 2-5
    rows.append(roll_row(4, national_id=make_snils(123456789),
                         birth_date="2001-02-30"))                              # 6: no such day
    rows.append(roll_row(5, birth_date="last spring"))                          # 7: malformed
    rows.append(roll_row(6, enrolled_at="yesterday"))                           # 8: malformed
    rows.append(roll_row(7, national_id=make_iin("1980-01-01", 600),
                         birth_date=""))                                        # 9: unknown
    rows.append(roll_row(8, national_id=make_iin("2015-06-01", 700, 5),
                         birth_date="", confirmed="no", enrolled_at=""))        # 10
    cfg = AuditConfig(closed_windows=(WINDOW,), as_of=dt.date(2024, 1, 1))
    result = run_audit(roll_file(rows), config=cfg)

    assert [(b.line, b.reason) for b in result.bad_rows] == [
        (7, "birth_date: not YYYY-MM-DD or DD.MM.YYYY"),
        (8, "enrolled_at: not YYYY-MM-DD HH:MM[:SS] without an offset"),
    ]
    assert result.rows_read == {"roll": 7}
    assert result.roll_rows_without == {"birth_date": 6, "enrolled_at": 5, "organisation": 0}
    # "No such calendar day" is still told apart from "unknown".
    impossible = found(result, "roll.impossible_birth_date")
    assert [(r["line"], r["detail"]) for r in impossible] == [
        (6, "no such calendar date: 2001-02-30")
    ]
    # An unknown birth date is neither a mismatch with the IIN nor an implausible age.
    assert found(result, "id.birth_date_mismatch") == []
    assert found(result, "roll.implausible_age") == []
    skipped = "not applied to 6 row(s) without a birth date"
    for check in ("id.birth_date_mismatch", "roll.impossible_birth_date", "roll.implausible_age"):
        assert all(skipped in r for r in rules(result, check))
    # The dated rows fall in the closed window; the undated ones cannot, and say so.
    assert {r["line"] for r in found(result, "enrol.closed_window")} == {6, 9}
    assert all("not applied to 5 row(s) without an enrolment time" in r
               for r in rules(result, "enrol.closed_window"))
    unconfirmed = found(result, "enrol.unconfirmed")
    assert [(r["line"], r["detail"]) for r in unconfirmed] == [
        (10, "unconfirmed; enrolled at an unknown time")
    ]


def test_undated_enrolments_are_no_operator_burst(roll_file: MakeFile) -> None:
    # Thirty undated rows by one operator share no time at all: not a burst.
    rows = [roll_row(i, operator="op-registry", enrolled_at="") for i in range(30)]
    rows += [roll_row(100 + i) for i in range(5)]
    result = run_audit(roll_file(rows))
    assert found(result, "enrol.operator_burst") == []
    assert result.series["enrolments"]["points"] and all(
        t is not None for t, _ in result.series["enrolments"]["points"]
    )
    assert "not applied to 30 row(s) without an enrolment time" in rules(
        result, "enrol.operator_burst"
    )[0]


def test_every_report_counts_the_unknown_rows(roll_file: MakeFile, tmp_path: Path) -> None:
    rows = [roll_row(i, birth_date="") for i in range(3)] + [roll_row(3)]
    path = roll_file(rows)
    result = run_audit(path)
    without = {"birth_date": 3, "enrolled_at": 0, "organisation": 0}
    assert to_json(result)["roll_rows_without"] == without
    assert observer_summary(result)["roll_rows_without"] == without
    for observer in (False, True):
        html = render(result, observer=observer)
        assert "3 of 4 roll rows without a birth date" in html
        assert "not an all-clear" in html
    # A roll that knows everything says nothing about it.
    known = write_csv(tmp_path / "known.csv", ROLL_HEADER, [roll_row(9)])
    assert "roll rows without" not in render(run_audit(known))

    args = [str(path), "--json", str(tmp_path / "a.json"), "--lang", "en"]
    out = CliRunner().invoke(audit_command, args, standalone_mode=False)
    assert out.exception is None, out.output
    assert "3 of 4 roll rows without a birth date" in out.output
    written = json.loads((tmp_path / "a.json").read_text("utf-8"))
    assert written["roll_rows_without"] == without
