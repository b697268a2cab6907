"""Every check on small hand-built rolls and logs where the answer is known."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from honestballot.audit.config import AuditConfig, ClosedWindow
from honestballot.audit.engine import run_audit
from honestballot.audit.findings import AuditResult, Severity
from tests.factories import make_iin, make_snils, roll_row

MakeFile = Callable[[Sequence[dict[str, Any]]], Path]
WINDOW = ClosedWindow.parse("2023-07-01T00:00/2023-07-15T00:00")


def lines(result: AuditResult, check: str, severity: Severity | None = None) -> set[int]:
    return {int(r["line"]) for f in result.findings if f.check == check
            and (severity is None or f.severity == severity) for r in f.records}


def voters(result: AuditResult, check: str, severity: Severity | None = None) -> set[str]:
    return {str(r["voter"]) for f in result.findings if f.check == check
            and (severity is None or f.severity == severity) for r in f.records}


def test_roll_checks(roll_file: MakeFile) -> None:
    rows = [roll_row(i) for i in range(40)]                       # lines 2..41, all clean
    good = make_iin("1975-05-05", 500)
    rows.append(roll_row(40, national_id=good[:-1] + str((int(good[-1]) + 1) % 10)))   # 42
    rows.append(roll_row(41, national_id=rows[0]["national_id"]))                        # 43
    rows.append(roll_row(42, national_id=make_iin("1980-01-01", 600),
                         birth_date="1980-01-02"))                                       # 44
    rows.append(roll_row(43, national_id=make_snils(123456789), birth_date="2001-02-30"))  # 45
    rows.append(roll_row(44, national_id=make_snils(123456790), birth_date="2099-01-01"))  # 46
    rows.append(roll_row(45, national_id=make_iin("2015-06-01", 700, 5),
                         birth_date="2015-06-01"))                                       # 47
    rows += [roll_row(50 + i, phone="+7 705 000 00 00") for i in range(12)]              # 48-59
    rows += [roll_row(70 + i, phone="87050000001") for i in range(3)]                    # 60-62
    rows += [roll_row(80 + i, email=f"Family+{i}@mail.example") for i in range(2)]       # 63-64
    rows += [roll_row(90 + i, enrolled_at=f"2023-07-0{2 + i} 10:00:00",
                      confirmed="no" if i < 2 else "yes") for i in range(3)]             # 65-67
    rows += [roll_row(100 + i, operator="op-bulk",
                      enrolled_at=f"2023-03-03 12:{i // 6:02d}:{(i * 10) % 60:02d}")
             for i in range(30)]                                                         # 68-97
    rows += [roll_row(140 + i, operator="op-slow",
                      enrolled_at=f"2023-03-04 12:{i // 2:02d}:{(i * 30) % 60:02d}")
             for i in range(20)]                                                         # 98-117
    cfg = AuditConfig(closed_windows=(WINDOW,), as_of=dt.date(2024, 1, 1))
    result = run_audit(roll_file(rows), config=cfg)

    assert lines(result, "id.check_digit") == {42}
    assert lines(result, "id.duplicate") == {2, 43}
    # Line 43 reuses person 0's IIN with its own birth date, so it mismatches too.
    assert lines(result, "id.birth_date_mismatch") == {43, 44}
    assert lines(result, "roll.impossible_birth_date") == {45, 46}
    assert lines(result, "roll.implausible_age") == {47}
    assert lines(result, "contact.shared_phone", Severity.HIGH) == set(range(48, 60))
    assert lines(result, "contact.shared_phone", Severity.MEDIUM) == {60, 61, 62}
    assert lines(result, "contact.shared_email", Severity.LOW) == {63, 64}
    assert lines(result, "enrol.closed_window", Severity.CRITICAL) == {65, 66}
    assert lines(result, "enrol.closed_window", Severity.HIGH) == {67}
    assert lines(result, "enrol.unconfirmed") == {65, 66}
    assert lines(result, "enrol.operator_burst") == set(range(68, 98))
    burst = next(f for f in result.findings if f.check == "enrol.operator_burst")
    assert burst.groups == 1 and burst.count == 30
    cluster = next(f for f in result.findings
                   if f.check == "contact.shared_phone" and f.severity == Severity.HIGH)
    assert "cluster of 12" in str(cluster.records[0]["detail"])
    assert result.exit_code(Severity.CRITICAL) == 1


def test_clean_roll_has_no_findings_at_medium_or_above(roll_file: MakeFile) -> None:
    result = run_audit(roll_file([roll_row(i) for i in range(50)]),
                       config=AuditConfig(closed_windows=(WINDOW,)))
    assert result.at_or_above(Severity.LOW) == []
    assert result.exit_code(Severity.INFO) == 0


def _event(t: dt.datetime, event: str, voter: str, address: str, device: str,
           session: str, contact: str = "") -> dict[str, Any]:
    return {"time": t.strftime("%Y-%m-%d %H:%M:%S"), "event": event, "voter": voter,
            "address": address, "device": device, "user_agent": "ua", "contact": contact,
            "session": session}


def _vote(t: dt.datetime, voter: dict[str, Any], address: str, device: str, session: str,
          contact: str | None = None) -> list[dict[str, Any]]:
    vid = str(voter["national_id"])
    return [
        _event(t - dt.timedelta(minutes=2), "code-requested", vid, address, device, session,
               contact if contact is not None else str(voter["phone"])),
        _event(t - dt.timedelta(minutes=1), "signed-in", vid, address, device, session),
        _event(t, "ballot-cast", vid, address, device, session),
    ]


def test_activity_checks(roll_file: MakeFile, activity_file: MakeFile) -> None:
    day = dt.datetime(2024, 2, 1, 8, 0)
    spread = [roll_row(i, organisation=f"org-{i % 8}") for i in range(160)]
    workers = [roll_row(200 + i, organisation="org-works") for i in range(25)]
    nat_org = [roll_row(300 + i, organisation="org-nat") for i in range(10)]
    roll = roll_file(spread + workers + nat_org)
    events: list[dict[str, Any]] = []
    for i, v in enumerate(spread):                      # background: all day, own devices
        if i < 7:                                       # these seven vote on the boss's device
            continue
        t = day + dt.timedelta(minutes=(i * 4.5) % 720)
        address = "100.64.0.1" if i % 2 else f"10.0.0.{i}"
        events += _vote(t, v, address, f"dev-{i}", f"s-{i}")
    for i, v in enumerate(workers):                     # workplace batch 09:00-09:12
        events += _vote(day + dt.timedelta(minutes=60 + i * 0.5), v, "203.0.113.10",
                        f"dev-w{i}", f"s-w{i}")
    # One organisation's 10 voters in 15 minutes behind the busy carrier address, amid
    # everyone else's traffic there: a weighted score of 10*10/(10+others) stays low.
    for i, v in enumerate(nat_org):
        events += _vote(day + dt.timedelta(minutes=300 + i), v, "100.64.0.1",
                        f"dev-n{i}", f"s-n{i}")
    filler = [roll_row(400 + i, organisation=f"org-f{i}") for i in range(60)]
    roll = roll_file(spread + workers + nat_org + filler)
    for i, v in enumerate(filler):
        events += _vote(day + dt.timedelta(minutes=296 + i * 0.3), v, "100.64.0.1",
                        f"dev-f{i}", f"s-f{i}")
    # A boss's device signs in and casts for seven subordinates within ten minutes.
    for i, v in enumerate(spread[:7]):
        events += _vote(day + dt.timedelta(minutes=600 + i), v, "10.9.9.9", "dev-boss",
                        f"s-b{i}")
    # Two voters on one session; four voters' codes sent to one phone; a family tablet.
    events += _vote(day + dt.timedelta(minutes=400), spread[20], "10.1.1.1", "dev-s1", "sess-x")
    events += _vote(day + dt.timedelta(minutes=402), spread[21], "10.1.1.1", "dev-s2", "sess-x")
    for i in range(4):
        events += _vote(day + dt.timedelta(minutes=450 + 40 * i), spread[30 + i], "10.2.2.2",
                        f"dev-c{i}", f"s-c{i}", contact="+7 747 555 00 00")
    events += _vote(day + dt.timedelta(minutes=500), spread[40], "10.3.3.3", "dev-fam", "s-fam1")
    events += _vote(day + dt.timedelta(minutes=530), spread[41], "10.3.3.3", "dev-fam", "s-fam2")
    events.append(_event(day + dt.timedelta(minutes=5), "ballot-cast", "000000000042",
                         "10.4.4.4", "dev-ghost", "s-ghost"))
    # Only org-works is large enough to compare (the eight background organisations have
    # twenty voters each), so the curve check sees one batch against everyone else.
    cfg = AuditConfig(curve_min_voters=21)
    result = run_audit(roll, activity_file(events), cfg)

    ids = [str(v["national_id"]) for v in spread]
    worker_ids = {str(v["national_id"]) for v in workers}
    assert voters(result, "device.many_voters", Severity.HIGH) == set(ids[:7])
    assert voters(result, "device.many_voters", Severity.LOW) == {ids[40], ids[41]}
    assert voters(result, "cast.device_burst") == set(ids[:7])
    assert voters(result, "session.many_voters", Severity.HIGH) == {ids[20], ids[21]}
    # Four unrelated voters' codes went to one phone that is on no roll line: collected.
    assert voters(result, "code.shared_contact", Severity.HIGH) == set(ids[30:34])
    assert voters(result, "code.foreign_contact", Severity.HIGH) == set(ids[30:34])
    assert voters(result, "cast.address_burst", Severity.HIGH) == worker_ids
    assert voters(result, "cast.address_burst", Severity.MEDIUM) == set()
    assert worker_ids <= voters(result, "cast.organisation_burst")
    assert voters(result, "activity.unknown_voter") == {"000000000042"}
    curves = {str(r["group"]) for f in result.findings
              if f.check == "turnout.abnormal_curve" for r in f.records}
    assert curves == {"org-works"}
    assert result.series["turnout"]["flagged"] == ["org-works"]
