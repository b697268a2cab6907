"""The findings over the sign-ins of an election with re-voting protection (docs/audit.md,
"Elections with re-voting protection"; docs/coercion.md §9): the audit reads each voter's
first sign-in and first code request only and lists no line of the log, so that nothing it
outputs depends on whether a voter signed in again (a replacement needs a sign-in); the
ballot checks, over each voter's first ballot, list no line either. The same log without
the mark is audited as before."""

from __future__ import annotations

import csv
import datetime as dt
import json
from html import escape
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from honestballot.audit.engine import run_audit
from honestballot.audit.findings import (
    AuditResult,
    BadRowsError,
    Severity,
    to_json,
    write_csv,
)
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


def _run(
    tmp_path: Path,
    roll: list[dict[str, Any]],
    events: list[dict[str, Any]],
    protected: str | None,
) -> AuditResult:
    """The audit of ``roll`` and the log of ``events``, marked ``protected`` on every row
    (``None``: a log with no ``revoting`` column)."""
    header: tuple[str, ...] = ACTIVITY_HEADER
    if protected is not None:
        header = (*ACTIVITY_HEADER, "revoting")
        events = [{**e, "revoting": protected} for e in events]
    roll_path = write_rows(tmp_path / "roll.csv", tuple(roll[0]), roll)
    log_path = write_rows(tmp_path / "activity.csv", header, events)
    return run_audit(roll_path, log_path)


def _audit(tmp_path: Path, protected: str | None) -> tuple[AuditResult, list[dict[str, Any]]]:
    roll, events = _log()
    return _run(tmp_path, roll, events, protected), roll


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
    # seven voters, each once; both devices found, each cluster of the voters whose first
    # sign-in was there: dev-b's of three, without voter 0's second sign-in
    assert medium.count == 7 and medium.groups == 2
    assert {r["voter"] for r in medium.records} == {str(v["national_id"]) for v in roll[:7]}
    sizes = {(r["group"], str(r["detail"]).split(";")[0]) for r in medium.records}
    assert sizes == {("dev-a", "cluster of 4"), ("dev-b", "cluster of 3")}
    assert result.series["clusters"]["device"] == [[3, 1], [4, 1]]
    for f in result.findings:
        if f.check in SIGN_IN_CHECKS:
            voters = [r["voter"] for r in f.records]
            assert len(voters) == len(set(voters)) == f.count
            assert all(r["line"] is None for r in f.records)
    # the malformed row of the log is listed by file and reason, without its line or text
    assert [(b.line, b.reason, b.text) for b in result.bad_rows] == [(None, "time: empty", "")]

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


# The reviewer's cases (issue 15 §9): each is a log, and the later events of voters who
# already signed in (a replacement needs a sign-in). Marked, the audit's outputs must be
# the same with them and without them: what a finding lists, its counts and groups, a
# cluster's size and grade, the chart of device clusters, the lines and the HTML report.


def _case_bands(roll: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A: a coercer's phone dev-c signs in voters 0-2; later voter 0 signs in on dev-b,
    shared by six others (a cluster of 6 with six names would be listed as of 7)."""
    events = [e for i in range(3) for e in _sign_in(i, roll[i], "dev-c")]
    events += [e for i in range(3, 9) for e in _sign_in(20 + i, roll[i], "dev-b")]
    events += [e for i in range(9, 30) for e in _sign_in(60 + i, roll[i], f"own-{i}")]
    return events, _sign_in(200, roll[0], "dev-b")


def _case_pair(roll: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """B: dev-c signs in voters 0-3; later voter 0 signs in on a tablet used by voter 20
    alone (a pair found only with the second sign-in)."""
    events = [e for i in range(4) for e in _sign_in(i, roll[i], "dev-c")]
    events += [e for i in range(4, 30)
               for e in _sign_in(60 + i, roll[i], "tab" if i == 20 else f"own-{i}")]  # fmt: skip
    return events, _sign_in(200, roll[0], "tab")


def _case_session(
    roll: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """C: voter 0 signs in on dev-a with voters 1-3; later on dev-b (voters 4 and 5) in
    session S, voter 5's (the session's check would place voter 0 at dev-b, the device's
    at dev-a)."""
    events = [e for i in range(4) for e in _sign_in(i, roll[i], "dev-a")]
    events += _sign_in(30, roll[4], "dev-b") + _sign_in(31, roll[5], "dev-b", session="S")
    events += [e for i in range(6, 30) for e in _sign_in(60 + i, roll[i], f"own-{i}")]
    return events, _sign_in(200, roll[0], "dev-b", session="S")


def _case_contact(
    roll: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Codes: three strangers' codes go to voter 0's phone, two to a number K1 on no roll
    line; later voter 0's own code goes to K1 (code.shared_contact would place voter 0 at
    the own phone, code.foreign_contact at K1)."""
    own, k1 = str(roll[0]["phone"]), "+77770000001"
    events = _sign_in(0, roll[0], "d0", contact=own)
    events += [e for i in (1, 2, 3) for e in _sign_in(i, roll[i], f"d{i}", contact=own)]
    events += [e for i in (4, 5) for e in _sign_in(10 + i, roll[i], f"d{i}", contact=k1)]
    events += [e for i in range(6, 30) for e in _sign_in(30 + i, roll[i], f"d{i}")]
    return events, _sign_in(100, roll[0], "d0b", contact=k1)


def _case_lines(roll: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """D: voters 0-9 sign in again on their own devices before a voter not on the roll
    first appears and before a malformed row (their lines would count the sign-ins)."""
    events = [e for i in range(30) for e in _sign_in(i, roll[i], f"own-{i}")]
    later = [e for i in range(10) for e in _sign_in(100 + i, roll[i], f"own-{i}")]
    tail = _sign_in(300, roll_row(41), "x")
    tail.append({**tail[-1], "time": ""})
    return events + tail, later + tail


CASES = {
    "bands": _case_bands,
    "pair": _case_pair,
    "session": _case_session,
    "contact": _case_contact,
    "lines": _case_lines,
}


def _logs(case: str, roll: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], ...]:
    """The case's log without the later events, and with them."""
    before, later = CASES[case](roll)
    # case D's later sign-ins come before the unknown voter's events and the malformed row
    return before, (before[:60] if case == "lines" else before) + later


def _seen(result: AuditResult) -> tuple[Any, ...]:
    """Everything the organiser is given: the JSON, the charts' series, the HTML report."""
    return to_json(result), result.series, render(result)


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_later_sign_in_changes_nothing_in_a_protected_log(tmp_path: Path, case: str) -> None:
    roll = [roll_row(i) for i in range(30)]
    before, after = _logs(case, roll)
    # unmarked, the later events show (the case is a real one) ...
    assert _seen(_run(tmp_path, roll, after, "no")) != _seen(_run(tmp_path, roll, before, "no"))
    # ... marked, nothing tells the two logs apart
    assert _seen(_run(tmp_path, roll, after, "yes")) == _seen(_run(tmp_path, roll, before, "yes"))


def _listed(result: AuditResult, voter: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(check, group, cluster size)`` of each record of ``voter``."""
    x = str(voter["national_id"])
    return [(f.check, str(r["group"]), str(r["detail"]).split(";")[0])
            for f in result.findings for r in f.records if r["voter"] == x]  # fmt: skip


def test_a_protected_log_places_a_voter_at_the_first_sign_in(tmp_path: Path) -> None:
    """What the marked audit says in each case: every check of the sign-ins and code
    requests places voter 0 where the first sign-in and first code request were, and
    every cluster counts the voters it lists."""
    roll = [roll_row(i) for i in range(30)]
    seen = {case: _run(tmp_path, roll, _logs(case, roll)[1], "yes") for case in CASES}
    bands = seen["bands"]
    assert _listed(bands, roll[0]) == [("device.many_voters", "dev-c", "cluster of 3")]
    dev_b = [r for f in bands.findings for r in f.records if r["group"] == "dev-b"]
    assert len(dev_b) == 6 and all("cluster of 6" in str(r["detail"]) for r in dev_b)
    assert bands.series["clusters"]["device"] == [[3, 1], [6, 1]]
    assert _listed(seen["pair"], roll[0]) == [("device.many_voters", "dev-c", "cluster of 4")]
    assert not [r for f in seen["pair"].findings for r in f.records if r["group"] == "tab"]
    assert _listed(seen["session"], roll[0]) == [("device.many_voters", "dev-a", "cluster of 4")]
    assert not [f for f in seen["session"].findings
                if f.check == "session.many_voters" and f.count]  # fmt: skip
    own = str(roll[0]["phone"]).lstrip("+")
    assert _listed(seen["contact"], roll[0]) == [("code.shared_contact", own, "cluster of 4")]
    lines = seen["lines"]
    unknown = next(f for f in lines.findings if f.check == "activity.unknown_voter")
    assert unknown.count == 1 and unknown.records[0]["line"] is None
    assert [(b.line, b.reason) for b in lines.bad_rows] == [(None, "time: empty")]
    # unmarked, the same logs list voter 0 at the later sign-ins too, and the lines
    seen = {case: _run(tmp_path, roll, _logs(case, roll)[1], "no") for case in CASES}
    assert ("device.many_voters", "dev-b", "cluster of 7") in _listed(seen["bands"], roll[0])
    assert ("device.many_voters", "tab", "cluster of 2") in _listed(seen["pair"], roll[0])
    assert ("session.many_voters", "S", "cluster of 2") in _listed(seen["session"], roll[0])
    k1 = ("code.foreign_contact", "77770000001", "code sent to 77770000001 (on no roll line)")
    assert k1 in _listed(seen["contact"], roll[0])
    unknown = next(f for f in seen["lines"].findings if f.check == "activity.unknown_voter")
    assert unknown.records[0]["line"] == 82


def test_a_protected_log_that_stops_the_run_names_no_line(tmp_path: Path) -> None:
    """Under ``--on-bad-row fail`` a malformed row of a marked log is named by file and
    reason, as in the report; unmarked, by its line too."""
    roll, events = _log()
    roll_path = write_rows(tmp_path / "roll.csv", tuple(roll[0]), roll)
    for mark, where in (("yes", "activity.csv: time: empty"), ("no", "activity.csv:46: ")):
        log = write_rows(tmp_path / "activity.csv", (*ACTIVITY_HEADER, "revoting"),
                         [{**e, "revoting": mark} for e in events])  # fmt: skip
        with pytest.raises(BadRowsError) as stopped:
            run_audit(roll_path, log, on_bad_row="fail")
        assert [b.line for b in stopped.value.bad_rows] == [None if mark == "yes" else 46]
        assert where in str(stopped.value)


#: the checks that list ballots (the log of a protected election holds each voter's first)
BALLOT_CHECKS = ("cast.device_burst", "cast.address_burst", "cast.organisation_burst")


def _ballot(minute: float, voter: dict[str, Any], address: str, device: str) -> dict[str, Any]:
    t = DAY + dt.timedelta(minutes=minute)
    return {"time": f"{t:%Y-%m-%d %H:%M:%S}", "event": "ballot-cast",
            "voter": str(voter["national_id"]), "address": address, "device": device,
            "user_agent": "ua", "contact": "", "session": f"s-{voter['national_id']}"}  # fmt: skip


def test_a_protected_logs_ballot_findings_list_no_line(tmp_path: Path) -> None:
    """Each ballot check's records carry no line of a protected log, as the sign-in
    checks' do (docs/audit.md, "Elections with re-voting protection"): a boss's phone
    casting for seven voters (``cast.device_burst``), a workplace's 25 voters casting
    from one address within 12 minutes (``cast.address_burst`` and, as a wave of one
    organisation, ``cast.organisation_burst``), and a shop's eight from an address
    others use too (``cast.address_burst``'s shared variant), amid a day of everyone
    else's ballots. Unmarked, the same log lists each record at its line."""
    spread = [roll_row(i, organisation=f"org-{i % 8}") for i in range(160)]
    workers = [roll_row(200 + i, organisation="org-works") for i in range(25)]
    events = [
        _ballot((i * 4.5) % 720, v, "100.64.0.1" if i % 2 else f"10.0.0.{i}", f"dev-{i}")
        for i, v in enumerate(spread[7:], start=7)
    ]
    events += [_ballot(60 + i * 0.5, v, "203.0.113.10", f"dev-w{i}") for i, v in enumerate(workers)]
    events += [_ballot(600 + i, v, "10.9.9.9", "dev-boss") for i, v in enumerate(spread[:7])]
    # a shop's eight voters from one address amid four strangers' ballots there: a burst
    # shared with other traffic (score 8 x 8/12, the medium variant)
    shop = [roll_row(300 + i, organisation="org-shop") for i in range(8)]
    strangers = [roll_row(320 + i, organisation=f"org-x{i}") for i in range(4)]
    events += [_ballot(400 + i * 1.5, v, "198.51.100.7", f"dev-s{i}") for i, v in enumerate(shop)]
    events += [
        _ballot(401 + i * 3, v, "198.51.100.7", f"dev-x{i}") for i, v in enumerate(strangers)
    ]
    roll = spread + workers + shop + strangers
    for mark in ("no", "yes"):
        result = _run(tmp_path, roll, events, mark)
        variants = {str(f.params.get("variant")) for f in result.findings
                    if f.check == "cast.address_burst" and f.records}  # fmt: skip
        assert variants == {"dominated", "shared"}
        for check in BALLOT_CHECKS:
            records = [r for f in result.findings if f.check == check for r in f.records]
            assert records, (mark, check)
            lines = [r["line"] for r in records]
            if mark == "yes":
                assert lines == [None] * len(records), check
                voters = [r["voter"] for r in records]
                assert len(voters) == len(set(voters)), check  # each voter once
            else:
                assert all(isinstance(line, int) for line in lines), (check, lines)
