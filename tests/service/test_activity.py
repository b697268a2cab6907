"""The activity log and the two exports the integrity audit reads.

Every test that touches the store runs on SQLite and on PostgreSQL (``database_url``).
The audit is run on the exports exactly as an organiser would run it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from honestballot.audit.config import AuditConfig, ClosedWindow
from honestballot.audit.engine import run_audit
from honestballot.audit.findings import AuditResult
from honestballot.audit.ids import iin_birth_date
from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.errors import InvalidInput
from honestballot.service.activity import (
    ACTIVITY_COLUMNS,
    ROLL_COLUMNS,
    Origin,
    activity_row,
    device_fingerprint,
    export_activity_csv,
    export_roll_csv,
    log_first_ballot,
    record_activity,
)
from honestballot.service.board.election import ElectionService
from honestballot.service.voters.roll import Roll
from honestballot.store.schema import activity
from honestballot.store.sql import SqlStore
from tests.factories import REVOTING_SCHEDULE, DemoCeremonies, make_iin

ELECTION = "activity-test"
T0 = 1_700_000_000_000  # 2023-11-14 22:13:20 UTC
MINUTE = 60_000


IDS = [make_iin(dt.date(1950, 3, 1) + dt.timedelta(days=401 * i), 7 * i) for i in range(8)]
NOT_ON_ROLL = make_iin(dt.date(1999, 9, 9), 4242)
UA = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"


@pytest.fixture
def store(demo_ceremony: DemoCeremonies, database_url: str) -> Iterator[SqlStore]:
    ceremony = demo_ceremony(ELECTION)
    store = SqlStore(database_url)
    organiser = base_mul(random_nonzero_scalar(SeededRandomness("the organiser")))
    ElectionService(store, SeededRandomness("activity")).create(
        ceremony.manifest, ceremony.key, organiser_key=organiser, schedule=REVOTING_SCHEDULE
    )
    yield store
    store.close()


def event(store: SqlStore, minute: int, kind: str, voter: str, **extra: str | None) -> None:
    fields: dict[str, str | None] = {
        "address": "10.0.0.1",
        "device": device_fingerprint(UA, "ru-RU"),
        "user_agent": UA,
    }
    fields.update(extra)
    with store.transaction(ELECTION) as conn:
        record_activity(
            conn,
            activity_row(
                ELECTION,
                time_ms=T0 + minute * MINUTE,
                event=kind,
                voter=voter,
                address=str(fields["address"]),
                device=str(fields["device"]),
                user_agent=str(fields["user_agent"]),
                contact=fields.get("contact"),
                session=fields.get("session"),
            ),
        )


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# -- the log ---------------------------------------------------------------------------------



def test_device_fingerprint() -> None:
    fp = device_fingerprint(UA, "ru-RU,ru;q=0.9")
    assert fp == device_fingerprint(UA, "ru-RU,ru;q=0.9")
    assert len(fp) == 16 and int(fp, 16) >= 0
    assert fp != device_fingerprint(UA, "kk-KZ")
    assert fp != device_fingerprint(UA, "ru-RU,ru;q=0.9", "1920x1080")
    # Parts are length-prefixed: moving text from one part to the next changes the hash.
    assert device_fingerprint("ab", "c") != device_fingerprint("a", "bc")


def test_unknown_event_is_refused(store: SqlStore) -> None:
    with pytest.raises(ValueError, match="unknown activity event 'voted'"):
        event(store, 0, "voted", IDS[0])
    out = io.StringIO()
    assert export_activity_csv(store, ELECTION, out) == 0
    assert out.getvalue() == ",".join(ACTIVITY_COLUMNS) + "\n"


def test_activity_round_trip(store: SqlStore) -> None:
    # Recorded out of order: the export is ordered by time.
    event(store, 5, "ballot-cast", IDS[0], session="s-1")
    event(store, 0, "code-requested", f"{IDS[0][:6]}-{IDS[0][6:]}", contact="8 701 123 45 67")
    event(store, 1, "sign-in-failed", "not an id", user_agent='=HYPERLINK("x")')
    event(store, 2, "signed-in", IDS[0], session="s-1", user_agent="u" * 600, address="a" * 80)
    event(store, 3, "code-requested", IDS[1], contact="Anna+x@Mail.Example")
    with store.engine.connect() as conn:
        stored = conn.execute(activity.select().order_by(activity.c.time_ms)).mappings().all()
    assert [len(r["user_agent"]) for r in stored][2] == 512
    out = io.StringIO()
    assert export_activity_csv(store, ELECTION, out) == 5
    rows = read_csv(out.getvalue())
    assert list(rows[0]) == list(ACTIVITY_COLUMNS)
    assert [(r["time"], r["event"], r["voter"], r["contact"], r["session"]) for r in rows] == [
        ("2023-11-14 22:13:20", "code-requested", IDS[0], "77011234567", ""),
        ("2023-11-14 22:14:20", "sign-in-failed", "NOTANID", "", ""),
        ("2023-11-14 22:15:20", "signed-in", IDS[0], "", "s-1"),
        ("2023-11-14 22:16:20", "code-requested", IDS[1], "anna@mail.example", ""),
        ("2023-11-14 22:18:20", "ballot-cast", IDS[0], "", "s-1"),
    ]
    # the election has re-voting protection: every row says so, for the audit (§9)
    assert {r["revoting"] for r in rows} == {"yes"}
    assert rows[1]["user_agent"] == '\'=HYPERLINK("x")'  # no formula in a spreadsheet
    assert rows[2]["user_agent"] == "u" * 512 and rows[2]["address"] == "a" * 64
    assert rows[0]["device"] == device_fingerprint(UA, "ru-RU")
    with pytest.raises(InvalidInput, match="no election"):
        export_activity_csv(store, "nowhere", io.StringIO())


def test_a_protected_log_keeps_each_voters_first_ballot(store: SqlStore) -> None:
    """Every cast of an election with re-voting protection runs the one statement; the
    log gets the voter's first ballot, under whichever credential, and no later one; a
    ballot of the voter's in another election is not one of this election's
    (docs/coercion.md §9)."""
    roll = Roll(store)
    roll.import_csv(
        ELECTION,
        roll_csv(
            [f"{IDS[0]},Anna,8 701 000 00 01,,station-1", f"{IDS[1]},Bolat,,b@x.example,station-1"]
        ),
    )
    voter_ids = {}
    for national_id in IDS[:2]:
        voter = roll.voter_by_national_id(ELECTION, national_id)
        assert voter is not None
        voter_ids[national_id] = voter.voter_id
    phone = Origin("10.0.0.1", "a-phone", UA, "s-1")
    laptop = Origin("10.0.0.2", "a-laptop", "=cmd", "s-2")
    # Bolat's ballot in another election, before any here: not a first ballot of this one
    with store.transaction(ELECTION) as conn:
        record_activity(
            conn,
            activity_row("another-election", time_ms=T0, event="ballot-cast", voter=IDS[1],
                         address="10.9.9.9", device="elsewhere", user_agent=UA),
        )  # fmt: skip
    for minute, national_id, client in (
        (1, IDS[0], phone), (2, IDS[0], laptop), (3, IDS[1], laptop), (4, IDS[1], phone),
    ):  # fmt: skip
        with store.transaction(ELECTION, shared=True) as conn:
            log_first_ballot(conn, ELECTION, voter_ids[national_id], T0 + minute * MINUTE, client)
    with store.engine.connect() as conn:
        logged = conn.execute(
            select(activity.c.voter, activity.c.device).where(activity.c.election_id == ELECTION)
        ).all()
    assert sorted(map(tuple, logged)) == sorted([(IDS[0], "a-phone"), (IDS[1], "a-laptop")])
    # two casts of a voter in flight at once (on PostgreSQL) both find no first ballot
    # logged and both insert: the export writes the first
    event(store, 5, "ballot-cast", IDS[0], device="a-tablet")
    out = io.StringIO()
    assert export_activity_csv(store, ELECTION, out) == 2
    rows = read_csv(out.getvalue())
    assert [(r["time"], r["voter"], r["address"], r["device"], r["user_agent"], r["session"])
            for r in rows] == [
        ("2023-11-14 22:14:20", IDS[0], "10.0.0.1", "a-phone", UA, "s-1"),
        ("2023-11-14 22:16:20", IDS[1], "10.0.0.2", "a-laptop", "'=cmd", "s-2"),
    ]  # fmt: skip
    assert {(r["event"], r["revoting"]) for r in rows} == {("ballot-cast", "yes")}


# -- the roll export -------------------------------------------------------------------------


def roll_csv(rows: list[str]) -> bytes:
    return ("national_id,name,phone,email,unit\n" + "".join(r + "\n" for r in rows)).encode()


def test_roll_export(store: SqlStore) -> None:
    roll = Roll(store)
    roll.import_csv(
        ELECTION,
        roll_csv(
            [
                f"{IDS[0]},Anna,8 701 000 00 01,,station-1",
                f"{IDS[1]},=Bolat,,b@x.example,station-small",
            ]
        ),
    )
    out = io.StringIO()
    assert export_roll_csv(store, ELECTION, out) == 2
    rows = read_csv(out.getvalue())
    assert list(rows[0]) == list(ROLL_COLUMNS)
    # No invented facts: birth date, operator and enrolment time are unknown to the
    # service and stay empty; the organisation is the voter's unit.
    unknown = {"birth_date": "", "operator": "", "enrolled_at": ""}
    assert rows == [
        {
            "national_id": IDS[0],
            "name": "Anna",
            "phone": "77010000001",
            "email": "",
            "unit": "station-1",
            "organisation": "station-1",
            "confirmed": "yes",
            **unknown,
        },
        {
            "national_id": IDS[1],
            "name": "'=Bolat",
            "phone": "",
            "email": "b@x.example",
            "unit": "station-small",
            "organisation": "station-small",
            "confirmed": "yes",
            **unknown,
        },
    ]


# -- the audit on the exports ----------------------------------------------------------------


def counts(result: AuditResult) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in result.findings:
        out[f.check] = out.get(f.check, 0) + f.count
    return out


def write_exports(store: SqlStore, directory: Path) -> tuple[Path, Path]:
    roll = Roll(store)
    roll.add_exception(ELECTION, "87010000001", "married couple")
    roll.import_csv(
        ELECTION,
        roll_csv(
            [f"{IDS[0]},Husband,8 701 000 00 01,,station-1"]
            + [f"{IDS[1]},Wife,+7 701 000 00 01,,station-1"]
            + [f"{IDS[i]},Voter {i},,v{i}@x.example,station-{i % 4 + 1}" for i in range(2, 8)]
        ),
    )
    boss = device_fingerprint("Boss phone", "ru-RU")
    for i in range(8):
        event(store, i, "code-requested", IDS[i], contact=f"v{i}@x.example")
        event(store, i, "signed-in", IDS[i], device=boss if i in (2, 3) else f"dev-{i}")
        event(store, 60 + 40 * i, "ballot-cast", IDS[i], address=f"10.0.{i}.1")
    event(store, 400, "sign-in-failed", NOT_ON_ROLL)
    roll_path, activity_path = directory / "roll.csv", directory / "activity.csv"
    with roll_path.open("w", encoding="utf-8", newline="") as out:
        assert export_roll_csv(store, ELECTION, out) == 8
    with activity_path.open("w", encoding="utf-8", newline="") as out:
        assert export_activity_csv(store, ELECTION, out) == EXPORTED_EVENTS
    return roll_path, activity_path


#: the events write_exports logs and exports (three for each voter, one not on the roll)
EXPORTED_EVENTS = 25


def events_read(roll_path: Path, activity_path: Path) -> int:
    """How many of the log's rows the audit reads, said of the same log unmarked (for a
    log of an election with re-voting protection the audit does not say it)."""
    with activity_path.open(encoding="utf-8", newline="") as fh:
        rows = [{**r, "revoting": "no"} for r in csv.DictReader(fh)]
    unmarked = activity_path.with_name("activity-unmarked.csv")
    with unmarked.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(ACTIVITY_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    result = run_audit(roll_path, unmarked)
    assert not result.revoting
    return result.rows_read["activity"]


def test_audit_reads_the_exports(store: SqlStore, tmp_path: Path) -> None:
    roll_path, activity_path = write_exports(store, tmp_path)
    # The command line accepts both files (2 would mean "could not be audited") and says
    # what the roll does not know.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "honestballot",
            "audit",
            str(roll_path),
            "--activity",
            str(activity_path),
            "--json",
            str(tmp_path / "audit.json"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    assert "8 of 8 roll rows without a birth date" in done.stdout
    written = json.loads((tmp_path / "audit.json").read_text("utf-8"))
    assert written["roll_rows_without"] == {"birth_date": 8, "enrolled_at": 8, "organisation": 0}

    # Every row of both files is audited: an unknown birth date or enrolment time is no
    # malformed row, and every voter's events are matched to the roll.
    result = run_audit(roll_path, activity_path)
    assert result.bad_rows == []
    # the log's size is not said for an election with re-voting protection (docs/audit.md);
    # unmarked, the audit reads every row exported
    assert result.rows_read == {"roll": 8} and result.revoting
    assert events_read(roll_path, activity_path) == EXPORTED_EVENTS
    assert result.roll_rows_without == {"birth_date": 8, "enrolled_at": 8, "organisation": 0}
    found = counts(result)
    assert found["contact.shared_phone"] == 2  # the couple, allowed by the exception
    assert found["device.many_voters"] == 2  # the boss's phone signed in two voters
    unknown = next(f for f in result.findings if f.check == "activity.unknown_voter")
    assert [r["voter"] for r in unknown.records] == [NOT_ON_ROLL]
    for clean in (
        "input.bad_row",
        "id.duplicate",
        "id.birth_date_mismatch",
        "roll.impossible_birth_date",
        "roll.implausible_age",
        "enrol.closed_window",
        "enrol.unconfirmed",
        "enrol.operator_burst",
        "contact.shared_email",
        "session.many_voters",
    ):
        assert found.get(clean, 0) == 0, clean
    # A 0 from a check that could not look is never an all-clear: its rule says so.
    for f in result.findings:
        if f.check in ("roll.impossible_birth_date", "roll.implausible_age"):
            assert "not applied to 8 row(s) without a birth date" in f.rule, f.rule


def test_a_closed_window_finds_nothing_the_service_did_not_say(
    store: SqlStore, tmp_path: Path
) -> None:
    """A closed window around the export (the only time the service could have written
    as "enrolled at") flags no voter: the service's roll leaves ``enrolled_at`` empty."""
    roll_path, activity_path = write_exports(store, tmp_path)
    start = (dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=T0 - 60 * MINUTE)).isoformat()
    end = (dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=1)).isoformat()
    config = AuditConfig(closed_windows=(ClosedWindow.parse(f"{start}/{end}"),))
    result = run_audit(roll_path, activity_path, config)
    assert counts(result)["enrol.closed_window"] == 0
    window = [f for f in result.findings if f.check == "enrol.closed_window"]
    assert window and all("without an enrolment time" in f.rule for f in window)


def test_audit_with_birth_dates_added(store: SqlStore, tmp_path: Path) -> None:
    """What the roll export lacks is exactly the birth date: supplied from outside the
    service (here from the IINs, in the test only), every row is audited and the planted
    patterns are found."""
    roll_path, activity_path = write_exports(store, tmp_path)
    with roll_path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        born = iin_birth_date(r["national_id"])
        assert born is not None
        r["birth_date"] = born.isoformat()
    completed = tmp_path / "roll-with-birth-dates.csv"
    with completed.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(ROLL_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    result = run_audit(completed, activity_path)
    assert result.bad_rows == []
    # the log's size is not said for an election with re-voting protection (docs/audit.md);
    # unmarked, the audit reads every row exported
    assert result.rows_read == {"roll": 8} and result.revoting
    assert events_read(completed, activity_path) == EXPORTED_EVENTS
    assert result.roll_rows_without == {"birth_date": 0, "enrolled_at": 8, "organisation": 0}
    found = counts(result)
    assert found["contact.shared_phone"] == 2  # the couple, allowed by the exception
    assert found["device.many_voters"] == 2  # the boss's phone signed in two voters
    assert found["activity.unknown_voter"] == 1
    for clean in (
        "id.check_digit",
        "id.duplicate",
        "id.birth_date_mismatch",
        "roll.impossible_birth_date",
        "roll.implausible_age",
        "enrol.unconfirmed",
        "enrol.operator_burst",
        "contact.shared_email",
        "session.many_voters",
    ):
        assert found.get(clean, 0) == 0, clean


@pytest.mark.parametrize("old_sqlite", [False, True])
def test_a_row_buffer_inserts_thousands_of_rows_and_refuses_mixed_columns(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch, old_sqlite: bool
) -> None:
    """A batch's rows go in with multi-row INSERTs of at most a thousand rows each (bound
    parameters stay under SQLite's limit, 999 before SQLite 3.32: there the statements are
    smaller; on PostgreSQL the patch changes nothing); every row arrives intact, None
    included."""
    import sqlite3

    from sqlalchemy import select

    from honestballot.store.sql import RowBuffer

    rows = RowBuffer()
    for i in range(2_345):
        rows.add(
            activity,
            activity_row(
                ELECTION,
                time_ms=T0 + i,
                event="ballot-cast",
                voter=IDS[i % len(IDS)],
                address=f"10.0.{i // 256}.{i % 256}",
                device="d",
                user_agent=UA,
                session=None if i % 2 else f"s{i}",
            ),
        )
    with store.transaction(ELECTION) as conn:
        if old_sqlite:
            monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
            if store.is_sqlite:
                raw = conn.connection.dbapi_connection
                assert isinstance(raw, sqlite3.Connection)
                raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
        rows.flush(conn)
    assert len(rows) == 0
    with store.engine.connect() as conn:
        got = conn.execute(
            select(activity.c.time_ms, activity.c.address, activity.c.session).order_by(
                activity.c.time_ms
            )
        ).all()
    assert len(got) == 2_345
    assert got[1_500] == (T0 + 1_500, "10.0.5.220", "s1500")
    assert got[1_501][2] is None

    mixed = RowBuffer()
    mixed.add(activity, {"election_id": ELECTION, "time_ms": 1})
    mixed.add(activity, {"election_id": ELECTION, "event": "x"})
    with pytest.raises(ValueError, match="same columns"), store.transaction(ELECTION) as conn:
        mixed.flush(conn)
