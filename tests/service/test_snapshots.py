"""Turnout snapshots: counts per unit after registering, casting and re-casting (version
1's credentials, whose counts go with it: docs/coercion.md §14 item 8); files written
atomically, readable while rewritten, and free of anything about results (an election
with re-voting protection)."""

from __future__ import annotations

import json
import logging
import stat
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from honestballot.service import snapshots
from honestballot.service.snapshots import LOCK_NAME, SnapshotWriter, turnout, write_snapshots
from honestballot.store.schema import elections
from honestballot.store.sql import SqlStore
from tests.factories import (
    SMALL_SCHEDULE,
    WEB_ROLL,
    DemoCeremonies,
    RevotingElection,
    protected_election,
)

ELECTION = "snapshot-test"
T0 = 1_709_296_440_000
UNITS = ["station-1", "station-2", "station-3", "station-4", "station-small"]
CHOICE = {"chair": {"cand-1"}, "council": {"member-1"}}
RESULT_WORDS = ("result", "tally", "count", "choice", "cand-", "member-", "chair", "council")




@dataclass
class Protected:
    """The election with re-voting protection (the web roll's six voters) under test."""

    election: RevotingElection

    @property
    def store(self) -> SqlStore:
        return self.election.web.services.elections.store

    def cast(self, national_id: str = "900101300001") -> None:
        """The voter registers and casts on a device; the batch with its row is posted."""
        device = self.election.device(national_id, f"device {national_id}")
        seed, answer = device.register()
        assert answer.status_code == 201, answer.text
        ballot, _, private = device.ballot(seed, CHOICE)
        assert device.cast(ballot, private).status_code == 201
        self.election.post_batch()

    def close(self) -> None:
        self.election.web.services.elections.close(ELECTION)


@pytest.fixture
def election(
    demo_ceremony: DemoCeremonies, database_url: str, tmp_path: Path
) -> Iterator[Protected]:
    ceremony = demo_ceremony(ELECTION)
    with protected_election(
        ceremony, tmp_path / "board", "snapshot", url=database_url, schedule=SMALL_SCHEDULE
    ) as e:
        yield Protected(e)



def keys_of(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_of(v)}
    return set()



def test_turnout_holds_nothing_about_results(election: Protected) -> None:
    # the cast stays though the turnout reads nothing of it today (with protection it
    # counts version 1's credentials only, docs/coercion.md §14 item 8.1): it puts a
    # ballot and its cast row on the board, so a turnout that ever counts this election's
    # voters (not decided) is checked with something to leak
    election.cast()
    snapshot = turnout(election.store, ELECTION)
    assert keys_of(snapshot) == {
        "election_id",
        "phase",
        "generated_ms",
        "protected",
        "units",
        "total",
        "unit",
        "voters_on_roll",
        "batches",
        "posted",
        "scheduled",
        "interval_s",
        "next_ms",
    }
    text = json.dumps(snapshot).lower()
    for word in RESULT_WORDS:
        assert word not in text, word


def test_a_protected_election_shows_its_batches_and_no_voted_counts(
    election: Protected,
) -> None:
    """During the vote: the roll per unit and the batches posted against the schedule,
    the next one's due time; no count of credentials or voters (cover hides them)."""
    open_ms = election.election.web.services.batches.open_ms(ELECTION)
    assert open_ms is not None
    scheduled = len(SMALL_SCHEDULE.hours) * 3600 // SMALL_SCHEDULE.interval  # 60 a minute
    before = turnout(election.store, ELECTION, clock=lambda: T0)
    assert before["protected"] is True and before["phase"] == "open"
    assert before["batches"] == {
        "posted": 0,
        "scheduled": scheduled,
        "interval_s": 60,
        "next_ms": open_ms + 60_000,
    }
    roll = {unit: 0 for unit in UNITS}
    for row in WEB_ROLL:
        roll[row[4]] += 1
    assert {u["unit"]: u["voters_on_roll"] for u in before["units"]} == roll
    assert [u["unit"] for u in before["units"]] == UNITS
    assert before["total"] == {"voters_on_roll": len(WEB_ROLL)}

    election.cast("900101300001")  # a batch: one real row (the rest cover)
    election.cast("900101300002")
    after = turnout(election.store, ELECTION)
    assert after["batches"]["posted"] == 2
    assert after["batches"]["next_ms"] == open_ms + 3 * 60_000
    assert not {"credentials", "voted", "reporting_units"} & keys_of(after)
    assert after["units"] == before["units"] and after["total"] == before["total"]

    election.close()
    closed = turnout(election.store, ELECTION)
    assert closed["phase"] == "closed"
    assert closed["batches"]["next_ms"] is None  # no batch is due after the close
    # the close's block (at least one batch) is among the batches posted
    assert closed["batches"]["posted"] == election.store.batches_posted(ELECTION) > 2
    assert closed["batches"]["scheduled"] == scheduled
    assert "reporting_units" not in closed  # until the result


def test_write_snapshots_writes_parseable_files_atomically(
    election: Protected, tmp_path: Path
) -> None:
    directory = tmp_path / "public"
    written = write_snapshots(election.store, directory, lambda: T0)
    assert written == [directory / ELECTION / "turnout.json", directory / "elections.json"]
    data = json.loads((directory / ELECTION / "turnout.json").read_text())
    assert data == turnout(election.store, ELECTION, clock=lambda: T0)
    assert data["total"]["voters_on_roll"] == len(WEB_ROLL) and data["phase"] == "open"
    index = json.loads((directory / "elections.json").read_text())
    assert index == [
        {
            "election_id": ELECTION,
            "title": {
                "en": "Demo primary",
                "ru": "Демонстрационные праймериз",
                "kk": "Демонстрациялық праймериз",
            },
            "phase": "open",
        }
    ]
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    leftovers = [p.name for p in directory.rglob("*") if p.name.startswith(".")]
    assert leftovers == [LOCK_NAME]  # the writers' lock file; no temporary file is left


def test_a_writer_that_read_earlier_never_writes_last(
    election: Protected, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes' writers: one reads its snapshot and stalls; the election closes and
    the other writer runs.  The file ends with the newer snapshot, never the stalled one."""
    directory = tmp_path / "public"
    stalled, go_on = threading.Event(), threading.Event()
    real = snapshots.turnout

    def slow_once(*args: Any, **kwargs: Any) -> dict[str, Any]:
        found = real(*args, **kwargs)
        if threading.current_thread().name == "first-writer":
            stalled.set()
            assert go_on.wait(10)
        return found

    monkeypatch.setattr(snapshots, "turnout", slow_once)
    first = threading.Thread(
        target=write_snapshots, args=(election.store, directory), name="first-writer"
    )
    first.start()
    assert stalled.wait(10)
    election.close()  # the first writer's snapshot is now out of date
    second = threading.Thread(
        target=write_snapshots, args=(election.store, directory), name="second-writer"
    )
    second.start()
    time.sleep(0.2)  # the second writer is waiting for its turn
    go_on.set()
    first.join(10)
    second.join(10)
    data = json.loads((directory / ELECTION / "turnout.json").read_text())
    assert data["phase"] == "closed"
    index = json.loads((directory / "elections.json").read_text())
    assert [e["phase"] for e in index] == ["closed"]


def test_a_broken_election_does_not_stop_the_others(
    election: Protected, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with election.store.transaction() as conn:
        conn.execute(
            elections.insert().values(
                election_id="broken",
                phase="open",
                manifest="{not json",
                context="{}",
                board_secret="00",
                next_seq=0,
            )
        )
    with caplog.at_level(logging.ERROR):
        written = write_snapshots(election.store, tmp_path, lambda: T0)
    assert tmp_path / ELECTION / "turnout.json" in written
    assert not (tmp_path / "broken" / "turnout.json").exists()
    index = json.loads((tmp_path / "elections.json").read_text())
    assert [e["election_id"] for e in index] == [ELECTION]
    assert "turnout snapshot of broken failed" in caplog.text


def test_readers_never_see_a_partial_file_while_writers_race(
    election: Protected, database_url: str, tmp_path: Path
) -> None:
    target = tmp_path / ELECTION / "turnout.json"
    write_snapshots(election.store, tmp_path)
    stores = [SqlStore(database_url) for _ in range(3)]  # one per "server process"
    stop = threading.Event()
    problems: list[str] = []
    reads = 0

    def writer(store: SqlStore) -> None:
        try:
            for _ in range(15):
                write_snapshots(store, tmp_path)
        except Exception as exc:
            problems.append(repr(exc))

    def reader() -> None:
        nonlocal reads
        while not stop.is_set():
            try:
                assert json.loads(target.read_bytes())["election_id"] == ELECTION
                assert json.loads((tmp_path / "elections.json").read_bytes())
                reads += 1
            except Exception as exc:
                problems.append(repr(exc))

    readers = [threading.Thread(target=reader) for _ in range(2)]
    writers = [threading.Thread(target=writer, args=(s,)) for s in stores]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    for s in stores:
        s.close()
    assert problems == []
    assert reads > 0
    assert [p.name for p in tmp_path.rglob(".*")] == [LOCK_NAME]  # no temporary file left


def test_snapshot_writer_runs_in_the_background_and_survives_errors(
    election: Protected, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    writer = SnapshotWriter(election.store, tmp_path / "public", interval_s=0.05)
    writer.start()
    deadline = time.monotonic() + 20
    target = tmp_path / "public" / ELECTION / "turnout.json"
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert target.exists()
    election.close()
    while json.loads(target.read_text())["phase"] == "open":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    writer.stop()
    assert not writer.running

    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the snapshot directory should be")
    failing = SnapshotWriter(election.store, blocked, interval_s=0.05)
    with caplog.at_level(logging.ERROR):
        failing.start()
        while failing.rounds < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert failing.running  # a failed round never ends the thread
        failing.stop()
    assert failing.rounds >= 3
    assert "writing the turnout snapshots failed (FileExistsError" in caplog.text
