"""Operator pacing, organisation waves and turnout curves against their legitimate twins."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from honestballot.audit.config import AuditConfig
from honestballot.audit.engine import run_audit
from honestballot.audit.findings import AuditResult, Severity
from honestballot.audit.stats import chi2_sf
from honestballot.audit.waves import pooled_chi2_p
from tests.factories import roll_row

MakeFile = Callable[[Sequence[dict[str, Any]]], Path]


def _flagged(result: AuditResult, check: str, key: str = "line") -> set[Any]:
    return {
        r[key]
        for f in result.findings
        if f.check == check and f.severity >= Severity.MEDIUM
        for r in f.records
    }


def test_machine_paced_operator_is_flagged_and_rally_registrar_is_not(
    roll_file: MakeFile,
) -> None:
    rng = random.Random(3)
    rows = []
    # Everyone's ordinary history: office hours, a few a day, spread over a year.
    for i in range(400):
        day = dt.datetime(2023, 1, 2) + dt.timedelta(days=rng.randint(0, 300))
        t = day + dt.timedelta(hours=9, seconds=rng.randint(0, 9 * 3600))
        rows.append(roll_row(i, operator=f"op-{i % 8}", enrolled_at=f"{t:%Y-%m-%d %H:%M:%S}"))
    # An honest registrar at a Saturday rally: 150 in four hours, people come when they come.
    t = dt.datetime(2023, 6, 17, 11, 0)
    for i in range(150):
        t += dt.timedelta(seconds=-96 * math.log(1 - rng.random()))
        rows.append(roll_row(1000 + i, operator="op-rally", enrolled_at=f"{t:%Y-%m-%d %H:%M:%S}"))
    # op-3, late on a Saturday: one every 45 seconds (+- 5) for half an hour.
    t0 = dt.datetime(2023, 10, 7, 22, 30)
    for i in range(40):
        t = t0 + dt.timedelta(seconds=45 * i + rng.uniform(-5, 5))
        rows.append(roll_row(2000 + i, operator="op-3", enrolled_at=f"{t:%Y-%m-%d %H:%M:%S}"))
    result = run_audit(roll_file(rows))
    flagged = _flagged(result, "enrol.operator_burst")
    machine = set(range(2 + 550, 2 + 590))
    assert flagged == machine
    why = {
        r["why"] for f in result.findings if f.check == "enrol.operator_burst" for r in f.records
    }
    assert why == {"pace_odd_hour"}


def test_a_queue_served_at_a_desk_is_not_a_list_typed_in(roll_file: MakeFile) -> None:
    rng = random.Random(5)
    rows = []
    for i in range(400):
        day = dt.datetime(2023, 1, 2) + dt.timedelta(days=rng.randint(0, 300))
        t = day + dt.timedelta(hours=9, seconds=rng.randint(0, 9 * 3600))
        rows.append(roll_row(i, operator=f"op-{i % 8}", enrolled_at=f"{t:%Y-%m-%d %H:%M:%S}"))
    # op-1's queue day: 24 people served one after another, 3-6 minutes each, a third of
    # them to confirm later. Regular, with thin identities, at the pace of a desk.
    t = dt.datetime(2023, 8, 17, 13, 50)
    for i in range(24):
        t += dt.timedelta(seconds=rng.uniform(180, 360))
        rows.append(
            roll_row(1000 + i, operator="op-1", enrolled_at=f"{t:%Y-%m-%d %H:%M:%S}",
                     confirmed="no" if i % 3 == 0 else "yes")
        )  # fmt: skip
    # op-2 types in a list in office hours: one every two minutes (+- 10 s), a third
    # unconfirmed. Regular, faster than anyone takes a member's details, thin.
    t0 = dt.datetime(2023, 9, 12, 10, 0)
    for i in range(24):
        t = t0 + dt.timedelta(seconds=120 * i + rng.uniform(-10, 10))
        rows.append(
            roll_row(2000 + i, operator="op-2", enrolled_at=f"{t:%Y-%m-%d %H:%M:%S}",
                     confirmed="no" if i % 3 == 0 else "yes")
        )  # fmt: skip
    result = run_audit(roll_file(rows))
    assert _flagged(result, "enrol.operator_burst") == set(range(2 + 424, 2 + 448))


def _cast(t: dt.datetime, voter: dict[str, Any], address: str, device: str) -> list[dict[str, Any]]:
    vid = str(voter["national_id"])
    base = {
        "voter": vid,
        "address": address,
        "device": device,
        "user_agent": "ua",
        "session": f"s-{vid}-{t:%H%M%S}",
    }
    return [
        {
            **base,
            "time": f"{t - dt.timedelta(minutes=1):%Y-%m-%d %H:%M:%S}",
            "event": "code-requested",
            "contact": str(voter["phone"]),
        },
        {**base, "time": f"{t:%Y-%m-%d %H:%M:%S}", "event": "signed-in", "contact": ""},
        {**base, "time": f"{t:%Y-%m-%d %H:%M:%S}", "event": "ballot-cast", "contact": ""},
    ]


def test_waves_are_flagged_and_a_meeting_or_a_shift_is_a_schedule(
    roll_file: MakeFile, activity_file: MakeFile
) -> None:
    rng = random.Random(7)
    day = dt.datetime(2024, 3, 5, 6, 0)
    rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []

    def org(name: str, n: int, start: int) -> list[dict[str, Any]]:
        members = [roll_row(start + i, organisation=name) for i in range(n)]
        rows.extend(members)
        return members

    everyone = [v for j in range(30) for v in org(f"org-{j}", 50, 50 * j)]
    for k, v in enumerate(everyone):  # the electorate, all day
        minute = rng.choice(
            [rng.uniform(60, 180), rng.gauss(420, 60), rng.gauss(780, 90), rng.uniform(0, 1020)]
        )
        t = day + dt.timedelta(minutes=min(max(minute, 0), 1019))
        events += _cast(t, v, f"100.64.0.{k % 4}", f"d{k}")
    for k, v in enumerate(org("village", 80, 5000)):  # after the 19:00 meeting
        t = day + dt.timedelta(minutes=785 + rng.uniform(0, 85))
        events += _cast(t, v, f"100.64.0.{k % 4}", f"v{k}")
    for k, v in enumerate(org("depot", 90, 6000)):  # the 06:00 shift
        t = day + dt.timedelta(minutes=rng.uniform(0, 75))
        events += _cast(t, v, f"100.64.0.{k % 4}", f"s{k}")
    office = org("office", 150, 7000)  # hourly waves from 08:30
    for k, v in enumerate(office):
        if k < 135:
            t = day + dt.timedelta(minutes=150 + 60 * (k % 9) + rng.uniform(0, 8))
            events += _cast(t, v, "212.154.0.1", f"o{k}")
        else:
            events += _cast(
                day + dt.timedelta(minutes=rng.uniform(720, 1000)), v, "100.64.0.1", f"o{k}"
            )  # after work, from home
    result = run_audit(roll_file(rows), activity_file(events), AuditConfig())
    office_ids = {str(v["national_id"]) for v in office[:135]}
    assert _flagged(result, "cast.organisation_burst", "voter") == office_ids
    assert _flagged(result, "turnout.abnormal_curve", "group") == {"office"}
    low = {
        r["group"]
        for f in result.findings
        if f.check == "turnout.abnormal_curve" and f.severity == Severity.LOW
        for r in f.records
    }
    assert low == {"village", "depot"}


def test_a_second_ballot_is_never_shown(roll_file: MakeFile, activity_file: MakeFile) -> None:
    """Three voters vote at home, then again later on one device: nothing lists a voter
    twice, and no cast record bears the time of a later ballot."""
    day = dt.datetime(2024, 3, 5, 9, 0)
    voters = [roll_row(i) for i in range(3)]
    events: list[dict[str, Any]] = []
    for k, v in enumerate(voters):
        events += _cast(day + dt.timedelta(hours=k), v, f"10.0.0.{k}", f"own{k}")
        events += _cast(day + dt.timedelta(hours=8, minutes=k), v, "10.9.9.9", "boss")
    result = run_audit(roll_file(voters), activity_file(events))
    for f in result.findings:
        seen = [r["voter"] for r in f.records if r.get("voter")]
        assert len(seen) == len(set(seen)), f.check
        for r in f.records:
            assert "17:0" not in str(r.get("detail")), (f.check, r)
    assert _flagged(result, "cast.device_burst", "voter") == set()


def test_waves_spread_over_twenty_minutes_and_a_small_staff_in_one_lunch_break(
    roll_file: MakeFile, activity_file: MakeFile
) -> None:
    """An office sends 13 of its staff every hour, each taking a few minutes to sign in
    and vote on their own phone (no 10-minute window holds eight of a wave); a
    kindergarten's 21 teachers vote in one lunch break (too small for the old 40-voter
    curve test). A shop of 24 voting when everyone does, with one ballot at 03:00, is
    nothing: its quiet hours are pooled, not weighed one by one."""
    rng = random.Random(11)
    day = dt.datetime(2024, 3, 5, 0, 0)
    rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []

    def org(name: str, n: int, start: int) -> list[dict[str, Any]]:
        members = [roll_row(start + i, organisation=name) for i in range(n)]
        rows.extend(members)
        return members

    def anytime() -> dt.datetime:
        minute = rng.choice([rng.gauss(600, 90), rng.gauss(1140, 100), rng.uniform(420, 1380)])
        return day + dt.timedelta(minutes=min(max(minute, 360), 1400))

    everyone = [v for j in range(30) for v in org(f"org-{j}", 50, 50 * j)]
    for k, v in enumerate(everyone):
        events += _cast(anytime(), v, f"100.64.0.{k % 4}", f"d{k}")
    ministry = org("ministry", 60, 5000)
    for k, v in enumerate(ministry):
        if k < 52:  # waves at 08:30, 09:30, 10:30 and 11:30, each over 18 minutes
            t = day + dt.timedelta(minutes=510 + 60 * (k // 13) + rng.uniform(0, 18))
        else:
            t = day + dt.timedelta(minutes=rng.uniform(1140, 1300))
        events += _cast(t, v, f"100.64.0.{k % 4}", f"m{k}")
    school = org("kindergarten", 24, 6000)
    for k, v in enumerate(school):
        if k < 21:  # the lunch break, 13:00-13:45
            t = day + dt.timedelta(minutes=780 + rng.uniform(0, 45))
        else:
            t = day + dt.timedelta(minutes=1200 + 20 * k)
        events += _cast(t, v, f"100.64.0.{k % 4}", f"k{k}")
    shop = org("shop", 24, 7000)
    for k, v in enumerate(shop):
        t = day + dt.timedelta(minutes=180) if k == 0 else anytime()
        events += _cast(t, v, f"100.64.0.{k % 4}", f"s{k}")
    result = run_audit(roll_file(rows), activity_file(events), AuditConfig())
    waves = {str(v["national_id"]) for v in ministry[:52] + school[:21]}
    assert _flagged(result, "cast.organisation_burst", "voter") == waves
    assert _flagged(result, "turnout.abnormal_curve", "group") == {"ministry", "kindergarten"}
    listed = {
        r["group"]
        for f in result.findings
        if f.check == "turnout.abnormal_curve"
        for r in f.records
    }
    assert "shop" not in listed


def test_pooled_chi_square_weighs_quiet_hours_together() -> None:
    """24 voters who vote when everyone does, two of them at 03:00 and 04:00, where the rest
    of the electorate expects a fortieth of a ballot an hour: hour by hour that is far
    beyond chance; pooled into blocks that expect five ballots, it is nothing."""
    expected = [24 * 0.001] * 6 + [24 * (1 - 0.006) / 18] * 18
    seen = [0, 0, 0, 1, 1, 0] + [2, 1, 1] * 4 + [1] * 6
    assert sum(seen) == 24
    one_by_one = sum((o - e) ** 2 / e for o, e in zip(seen, expected, strict=True))
    assert chi2_sf(one_by_one, 23) < 1e-6
    assert pooled_chi2_p(seen, expected) > 0.1
    lunch = [0] * 13 + [21] + [0] * 7 + [1, 1, 1]
    assert pooled_chi2_p(lunch, [1.0] * 24) < 1e-12
