"""Gatherings against rushes: the address burst and the organisation waves on a campus,
a depot and an office, each beside the fraud it could be mistaken for."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from honestballot.audit.config import AuditConfig
from honestballot.audit.engine import run_audit
from honestballot.audit.findings import AuditResult, Severity
from tests.factories import roll_row

MakeFile = Callable[[Sequence[dict[str, Any]]], Path]
DAY = dt.datetime(2024, 3, 1)


def _flagged(result: AuditResult, check: str) -> set[str]:
    return {
        str(r["voter"])
        for f in result.findings
        if f.check == check and f.severity >= Severity.MEDIUM
        for r in f.records
    }


def _cast(t: dt.datetime, voter: dict[str, Any], address: str) -> list[dict[str, Any]]:
    vid = str(voter["national_id"])
    row = {
        "voter": vid,
        "address": address,
        "device": f"dev-{vid}",
        "user_agent": "ua",
        "contact": "",
        "session": f"s-{vid}",
    }
    return [
        {**row, "time": f"{t - dt.timedelta(minutes=1):%Y-%m-%d %H:%M:%S}", "event": "signed-in"},
        {**row, "time": f"{t:%Y-%m-%d %H:%M:%S}", "event": "ballot-cast"},
    ]


def _lectures(
    rng: random.Random, students: list[dict[str, Any]], address: str
) -> list[dict[str, Any]]:
    """A campus's Friday on its own network: a third of the students vote in the four
    breaks between lectures, the rest at any time from 09:00 to 17:00."""
    breaks = [(10, 20), (11, 55), (13, 30), (15, 5)]
    events: list[dict[str, Any]] = []
    for i, v in enumerate(students):
        if i % 3 == 0:
            h, m = breaks[i % 4]
            t = DAY + dt.timedelta(hours=h, minutes=m + rng.uniform(0, 15))
        else:
            t = DAY + dt.timedelta(hours=rng.uniform(9, 17))
        events += _cast(t, v, address)
    return events


def _background(
    rng: random.Random, start: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """300 voters of 30 small organisations, over three days, behind two carrier NATs."""
    rows = [roll_row(start + i, organisation=f"org-{i % 30}") for i in range(300)]
    events = []
    for i, v in enumerate(rows):
        t = DAY + dt.timedelta(days=rng.randint(0, 2), hours=rng.uniform(7, 23))
        events += _cast(t, v, f"100.64.0.{i % 2}")
    return rows, events


def test_a_campus_rush_is_not_a_gathering_and_an_office_voting_in_waves_is(
    roll_file: MakeFile, activity_file: MakeFile
) -> None:
    rng = random.Random(19)
    rows, events = _background(rng, 0)
    # A college of 120 on its own network all Friday: most through the day, a third in the
    # four breaks between lectures (up to 15 in a break, busy either side).
    college = [roll_row(1000 + i, organisation="college") for i in range(120)]
    events += _lectures(rng, college, "46.30.0.1")
    # A district office sends its staff to vote from the office network in waves of ten,
    # each hour from 08:30, with nothing between; two honest colleagues vote there later.
    office = [roll_row(2000 + i, organisation="office") for i in range(42)]
    for i, v in enumerate(office[:40]):
        t = DAY + dt.timedelta(hours=8.5 + i // 10, minutes=rng.uniform(0, 10))
        events += _cast(t, v, "31.40.0.1")
    for k, v in enumerate(office[40:]):
        events += _cast(DAY + dt.timedelta(hours=15 + k), v, "31.40.0.1")
    result = run_audit(roll_file(rows + college + office), activity_file(events), AuditConfig())
    flagged = _flagged(result, "cast.address_burst")
    assert flagged == {str(v["national_id"]) for v in office[:40]}


def test_a_depot_shift_on_its_wifi_is_not_a_gathering_and_a_batch_is(
    roll_file: MakeFile, activity_file: MakeFile
) -> None:
    rng = random.Random(7)
    rows, events = _background(rng, 0)
    # Depot workers: most of them on the depot's Wi-Fi at each day's 06:00 shift
    # change, the rest of its use spread through the days.
    depot = [roll_row(1000 + i, organisation="depot") for i in range(45)]
    for i, v in enumerate(depot):
        day = DAY + dt.timedelta(days=i % 3)
        if i < 36:
            t = day + dt.timedelta(hours=5, minutes=50 + rng.uniform(0, 40))
        else:
            t = day + dt.timedelta(hours=rng.uniform(7, 20))
        events += _cast(t, v, "46.31.0.1")
    # A factory's 90 sent to vote from its network over forty minutes from 09:00: no
    # quiet either side of any quarter hour inside the batch, but all of it in one hour.
    factory = [roll_row(2000 + i, organisation="factory") for i in range(90)]
    for v in factory:
        t = DAY + dt.timedelta(hours=9, minutes=rng.uniform(0, 40))
        events += _cast(t, v, "31.41.0.1")
    # A plant of 90 whose staff vote from its network all Friday, and 30 of them sent to
    # vote there at 10:00 within ten minutes: not half of the plant's ballots from that
    # network, but out of quiet and ten times its everyday rate there.
    plant = [roll_row(3000 + i, organisation="plant") for i in range(90)]
    for i, v in enumerate(plant):
        if i < 30:
            t = DAY + dt.timedelta(hours=10, minutes=rng.uniform(0, 10))
        else:
            t = DAY + dt.timedelta(hours=rng.choice([rng.uniform(8, 9.4), rng.uniform(10.9, 17)]))
        events += _cast(t, v, "31.42.0.1")
    result = run_audit(
        roll_file(rows + depot + factory + plant), activity_file(events), AuditConfig()
    )
    assert _flagged(result, "cast.address_burst") == {
        str(v["national_id"]) for v in factory + plant[:30]
    }


def test_lecture_breaks_are_not_waves_and_an_office_sent_in_hourly_waves_is(
    roll_file: MakeFile, activity_file: MakeFile
) -> None:
    rng = random.Random(23)
    rows, events = _background(rng, 0)
    # A university of 300 on its own network all Friday, a third of them in the four
    # breaks between lectures: each break is dense against the hours around it, but most
    # students vote outside the breaks.
    uni = [roll_row(1000 + i, organisation="university") for i in range(300)]
    events += _lectures(rng, uni, "46.30.0.1")
    # An office of 60 sent to vote on their own phones (behind the carriers' NAT) in
    # waves of twelve within ten minutes, each hour from 08:30.
    office = [roll_row(2000 + i, organisation="office") for i in range(60)]
    for i, v in enumerate(office):
        t = DAY + dt.timedelta(hours=8.5 + i // 12, minutes=rng.uniform(0, 10))
        events += _cast(t, v, f"100.64.0.{i % 2}")
    result = run_audit(roll_file(rows + uni + office), activity_file(events), AuditConfig())
    flagged = _flagged(result, "cast.organisation_burst")
    assert flagged == {str(v["national_id"]) for v in office}


def test_a_staff_voting_in_one_lunch_break_is_a_wave_and_a_village_evening_is_not(
    roll_file: MakeFile, activity_file: MakeFile
) -> None:
    rng = random.Random(31)
    rows, events = _background(rng, 0)
    # A village of 60: two in three vote on their phones over the two hours after the
    # 19:00 meeting, the rest whenever they like.
    village = [roll_row(1000 + i, organisation="village") for i in range(60)]
    for i, v in enumerate(village):
        if i % 3:
            t = DAY + dt.timedelta(hours=19.3 + rng.uniform(0, 2))
        else:
            t = DAY + dt.timedelta(days=rng.randint(0, 2), hours=rng.uniform(8, 22))
        events += _cast(t, v, f"100.64.0.{i % 2}")
    # A school's 30 teachers, 26 of them made to vote in one 40-minute lunch break on
    # their own phones; the other four vote on other days.
    school = [roll_row(2000 + i, organisation="school") for i in range(30)]
    for i, v in enumerate(school):
        if i < 26:
            t = DAY + dt.timedelta(hours=13, minutes=rng.uniform(0, 40))
        else:
            t = DAY + dt.timedelta(days=1 + i % 2, hours=rng.uniform(8, 22))
        events += _cast(t, v, f"100.64.0.{i % 2}")
    result = run_audit(roll_file(rows + village + school), activity_file(events), AuditConfig())
    assert _flagged(result, "cast.organisation_burst") == {
        str(v["national_id"]) for v in school[:26]
    }


def test_the_last_partial_wave_of_an_office_is_a_wave(
    roll_file: MakeFile, activity_file: MakeFile
) -> None:
    rng = random.Random(41)
    rows, events = _background(rng, 0)
    # An office of 70 sent to vote on their own phones in waves of twelve within ten
    # minutes, each hour from 08:30; the last wave is the four left at 13:30, too few for
    # a window of its own; six colleagues vote on the other days.
    office = [roll_row(2000 + i, organisation="office") for i in range(70)]
    for i, v in enumerate(office[:64]):
        t = DAY + dt.timedelta(hours=8.5 + i // 12, minutes=rng.uniform(0, 10))
        events += _cast(t, v, f"100.64.0.{i % 2}")
    for i, v in enumerate(office[64:]):
        t = DAY + dt.timedelta(days=1 + i % 2, hours=rng.uniform(8, 22))
        events += _cast(t, v, f"100.64.0.{i % 2}")
    result = run_audit(roll_file(rows + office), activity_file(events), AuditConfig())
    assert _flagged(result, "cast.organisation_burst") == {
        str(v["national_id"]) for v in office[:64]
    }


def test_bursts_inside_an_office_s_waves_count_with_colleagues_between_them(
    roll_file: MakeFile, activity_file: MakeFile
) -> None:
    rng = random.Random(47)
    rows, events = _background(rng, 0)
    # An office sends eight at a time to vote from its network, each hour from 08:30;
    # between the waves two colleagues vote there of their own accord, 20-40 minutes
    # after each. A fifth of a wave of eight is 1.6: no wave is "out of quiet" by that
    # count, but each is far denser than the office's own half hour either side.
    office = [roll_row(2000 + i, organisation="office") for i in range(60)]
    for i, v in enumerate(office[:48]):
        t = DAY + dt.timedelta(hours=8.5 + i // 8, minutes=rng.uniform(0, 10))
        events += _cast(t, v, "31.44.0.1")
    for i, v in enumerate(office[48:]):
        t = DAY + dt.timedelta(hours=8.5 + i // 2, minutes=20 + rng.uniform(0, 20))
        events += _cast(t, v, "31.44.0.1")
    result = run_audit(roll_file(rows + office), activity_file(events), AuditConfig())
    waves = {str(v["national_id"]) for v in office[:48]}
    assert _flagged(result, "cast.organisation_burst") == waves
    assert _flagged(result, "cast.address_burst") == waves
