"""The findings over the sign-ins of an election with re-voting protection (docs/audit.md,
"Elections with re-voting protection"; docs/coercion.md §9): a voter who signed in
again (a replacement needs a sign-in) is listed at most once per check, without the
log's line, so that no output counts the voter's sign-ins or places the second one.
The same log without the mark is audited as before."""

from __future__ import annotations

import csv
import datetime as dt
import json
from html import escape
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from honestballot.audit.engine import run_audit
from honestballot.audit.findings import AuditResult, Severity, to_json, write_csv
from honestballot.audit.report_html import render
from honestballot.cli.audit import audit_command
from honestballot.web.i18n import STRINGS
from tests.factories import ACTIVITY_HEADER, roll_row
from tests.factories import write_csv as write_rows

DAY = dt.datetime(2024, 2, 1, 9, 0)
#: the checks that list sign-ins and code requests
SIGN_IN_CHECKS = (
    "device.many_voters",
    "session.many_voters",
    "code.shared_contact",
    "code.foreign_contact",
)


def _sign_in(minute: int, voter: dict[str, Any], device: str, **over: str) -> list[dict[str, Any]]:
    """A code request and the sign-in after it (the voting service logs no ballot of an
    election with re-voting protection)."""
    base = {"voter": voter["national_id"], "address": f"10.0.{minute}.1", "device": device,
            "user_agent": "ua", "session": f"s-{minute}"}  # fmt: skip
    t = DAY + dt.timedelta(minutes=minute)
    return [
        {**base, "time": f"{t:%Y-%m-%d %H:%M:%S}", "event": "code-requested",
         "contact": str(voter["phone"]), **over},
        {**base, "time": f"{t + dt.timedelta(seconds=40):%Y-%m-%d %H:%M:%S}",
         "event": "signed-in", **over},
    ]  # fmt: skip


def _log() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The roll, and a log in which voter 0 signs in three times: on a device shared with
    three strangers, again on another such device (a replacement), and on a device of
    the voter's own. A malformed row (a sign-in with no time) names voter 0 too."""
    roll = [roll_row(i) for i in range(20)]
    events: list[dict[str, Any]] = []
    for i in range(4):
        events += _sign_in(i, roll[i], "dev-a")
    for i in range(4, 7):
        events += _sign_in(100 + i, roll[i], "dev-b")
    for i in range(7, 20):
        events += _sign_in(20 + i, roll[i], f"dev-{i}")
    events += _sign_in(180, roll[0], "dev-b")  # the second sign-in: a replacement
    events += _sign_in(240, roll[0], "dev-own")
    events.append({**events[-1], "time": ""})
    return roll, events


def _audit(tmp_path: Path, protected: str | None) -> tuple[AuditResult, list[dict[str, Any]]]:
    roll, events = _log()
    header: tuple[str, ...] = ACTIVITY_HEADER
    if protected is not None:
        header = (*ACTIVITY_HEADER, "revoting")
        events = [{**e, "revoting": protected} for e in events]
    roll_path = write_rows(tmp_path / "roll.csv", tuple(roll[0]), roll)
    log_path = write_rows(tmp_path / "activity.csv", header, events)
    return run_audit(roll_path, log_path), roll


def _records(result: AuditResult, check: str, voter: str) -> list[dict[str, Any]]:
    return [dict(r) for f in result.findings if f.check == check for r in f.records
            if r["voter"] == voter]  # fmt: skip


def _outputs(result: AuditResult, tmp_path: Path) -> tuple[str, list[dict[str, str]], str]:
    """The organiser's JSON, CSV rows and HTML report."""
    write_csv(result, tmp_path / "out.csv")
    with (tmp_path / "out.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return json.dumps(to_json(result), ensure_ascii=False), rows, render(result)


def test_unprotected_log_lists_each_sign_in_cluster(tmp_path: Path) -> None:
    for mark in (None, "no"):
        result, roll = _audit(tmp_path, mark)
        x = str(roll[0]["national_id"])
        assert not result.revoting and "revoting" not in to_json(result)
        assert result.rows_read == {"roll": 20, "activity": 44}  # and one malformed
        records = _records(result, "device.many_voters", x)
        # voter 0 in both shared devices' clusters, at the line of each sign-in there
        assert sorted(r["group"] for r in records) == ["dev-a", "dev-b"]
        assert sorted(r["line"] for r in records) == [3, 43]
        medium = next(
            f
            for f in result.findings
            if f.check == "device.many_voters" and f.severity == Severity.MEDIUM
        )
        assert medium.count == 8 and medium.groups == 2
        assert x in result.bad_rows[0].text


def test_protected_log_lists_a_voter_once_without_lines(tmp_path: Path) -> None:
    result, roll = _audit(tmp_path, "yes")
    x = str(roll[0]["national_id"])
    assert result.revoting
    assert result.rows_read == {"roll": 20}  # the log's size would count the sign-ins
    records = _records(result, "device.many_voters", x)
    assert len(records) == 1 and records[0]["group"] == "dev-a" and records[0]["line"] is None
    medium = next(
        f
        for f in result.findings
        if f.check == "device.many_voters" and f.severity == Severity.MEDIUM
    )
    # seven voters, each once; both devices still found, and dev-b's cluster still of four
    assert medium.count == 7 and medium.groups == 2
    assert {r["voter"] for r in medium.records} == {str(v["national_id"]) for v in roll[:7]}
    assert all("cluster of 4" in str(r["detail"]) for r in medium.records)
    for f in result.findings:
        if f.check in SIGN_IN_CHECKS:
            voters = [r["voter"] for r in f.records]
            assert len(voters) == len(set(voters)) == f.count
            assert all(r["line"] is None for r in f.records)
    # the malformed row of the log is listed by file, line and reason, without its text
    assert [(b.line, b.reason, b.text) for b in result.bad_rows] == [(46, "time: empty", "")]

    findings, rows, html = _outputs(result, tmp_path)
    assert json.loads(findings)["revoting"] is True
    assert findings.count(x) == 1 and html.count(x) == 1
    mine = [r for r in rows if r["voter"] == x]
    assert [(r["check"], r["group"], r["line"]) for r in mine] == [
        ("device.many_voters", "dev-a", "")
    ]


def test_outputs_of_the_unprotected_log_show_both_sign_ins(tmp_path: Path) -> None:
    """What the restriction takes away: without the mark every output names voter 0 at
    both shared devices (and the malformed row's text)."""
    result, roll = _audit(tmp_path, None)
    x = str(roll[0]["national_id"])
    findings, rows, html = _outputs(result, tmp_path)
    assert findings.count(x) == 3  # two sign-ins listed, and the malformed row's text
    assert sorted(r["line"] for r in rows if r["voter"] == x) == ["3", "43"]
    assert html.count(x) >= 2


def test_codes_collected_on_two_contacts(tmp_path: Path) -> None:
    """Voter 0's codes went to two numbers on no roll line, each collecting the codes of
    three strangers besides: unprotected, voter 0 is listed at both (two code requests,
    two sign-ins); protected, once in each check, and both numbers are still found."""
    roll = [roll_row(i) for i in range(12)]
    events: list[dict[str, Any]] = []
    for n, (first, contact) in enumerate(((1, "+77770000001"), (4, "+77770000002"))):
        for i in range(first, first + 3):
            events += _sign_in(10 * n + i, roll[i], f"dev-{i}", contact=contact)
        events += _sign_in(60 + 60 * n, roll[0], f"dev-0-{n}", contact=contact)
    for i in range(7, 12):
        events += _sign_in(30 + i, roll[i], f"dev-{i}")
    roll_path = write_rows(tmp_path / "roll.csv", tuple(roll[0]), roll)
    x = str(roll[0]["national_id"])
    for protected, listed in (("no", 2), ("yes", 1)):
        header = (*ACTIVITY_HEADER, "revoting")
        log = write_rows(tmp_path / "activity.csv", header,
                         [{**e, "revoting": protected} for e in events])  # fmt: skip
        result = run_audit(roll_path, log)
        for check in ("code.shared_contact", "code.foreign_contact"):
            high = next(f for f in result.findings
                        if f.check == check and f.severity == Severity.HIGH)  # fmt: skip
            assert high.groups == 2
            assert high.count == 6 + listed
            assert len(_records(result, check, x)) == listed


def test_the_html_report_says_why_in_each_language(tmp_path: Path) -> None:
    roll, events = _log()
    roll_path = write_rows(tmp_path / "roll.csv", tuple(roll[0]), roll)
    for mark in ("yes", "no"):
        log = write_rows(tmp_path / "activity.csv", (*ACTIVITY_HEADER, "revoting"),
                         [{**e, "revoting": mark} for e in events])  # fmt: skip
        for lang in ("ru", "kk", "en"):
            out = tmp_path / f"{mark}-{lang}.html"
            args = [str(roll_path), "--activity", str(log), "--html", str(out), "--lang", lang]
            done = CliRunner().invoke(audit_command, args, standalone_mode=False)
            assert done.exception is None, done.output
            note = escape(STRINGS["audit.html.revoting"][("ru", "kk", "en").index(lang)])
            assert (note in out.read_text("utf-8")) == (mark == "yes")
