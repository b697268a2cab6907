"""Transactions and durability of the election service: a failure rolls everything
back (a batch of an election with re-voting protection), a receipted ballot survives the
process being killed with its first-ballot log row, a cast whose log row fails is not
receipted and leaves nothing, a lost connection and a
database error surface as themselves (without the statement's values), and two
organisers creating one election get one election and a refusal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.errors import (
    ProtocolError,
)
from honestballot.protocol.election import ElectionContext
from honestballot.record.revoting import (
    cast_row_from_json,
)
from honestballot.service import activity as activity_service
from honestballot.service.activity import IN_PROCESS
from honestballot.service.board.election import ElectionService
from honestballot.service.clock import now_ms
from honestballot.service.voters.revoting import RevotingDesk
from honestballot.store.schema import activity, revoting_alphas, revoting_credentials
from honestballot.store.sql import SqlStore
from honestballot.store.sql import log_first_ballot as store_log_first_ballot
from tests.factories import (
    REVOTING_SCHEDULE,
    DemoCeremony,
    RevotingElection,
    cast_body,
)


def test_a_failure_inside_the_transaction_rolls_everything_back(
    protected: RevotingElection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch's rows are appended before its held ballots are marked posted: if the
    database refuses that later write, none of the batch's rows may stay on the board,
    and its ballot waits for the next try."""
    from honestballot.store.sql import StorageError

    services = protected.web.services
    store = services.elections.store
    device = protected.device("900101300001", "a device")
    seed, answer = device.register()
    assert answer.status_code == 201, answer.text
    ballot, _, private = device.ballot(seed)
    assert device.cast(ballot, private).status_code == 201
    before = [ev.line for ev in store.iter_events(protected.id)]
    with store.connect() as conn:
        waiting = store.waiting_count(conn, protected.id, "cast-row")
    assert waiting == 1
    mark_posted = store.mark_posted

    def broken(conn: Any, election_id: str, seqs: Any) -> None:
        mark_posted(conn, election_id, seqs)
        conn.exec_driver_sql("UPDATE no_such_table SET x = 1")

    monkeypatch.setattr(store, "mark_posted", broken)
    with pytest.raises(StorageError):
        protected.post_batch()
    assert [ev.line for ev in store.iter_events(protected.id)] == before
    with store.connect() as conn:
        assert store.waiting_count(conn, protected.id, "cast-row") == waiting
        assert store.batch_state(conn, protected.id)[0] == 0
    monkeypatch.undo()
    protected.batch_times -= 1  # the same batch, now posted
    assert len(protected.post_batch()) > 0
    with store.connect() as conn:
        assert store.waiting_count(conn, protected.id, "cast-row") == 0


_CAST_AND_HANG = textwrap.dedent(
    """
    import json, sys, time
    from honestballot.service.activity import IN_PROCESS
    from honestballot.service.board.election import ElectionService
    from honestballot.service.clock import now_ms
    from honestballot.service.voters.revoting import RevotingDesk
    from honestballot.store.sql import SqlStore

    url, election_id, voter_id, ballot_path = sys.argv[1:5]
    desk = RevotingDesk(ElectionService(SqlStore(url)), now_ms)
    answer = desk.cast(election_id, int(voter_id), open(ballot_path, "rb").read(), IN_PROCESS)
    print(json.dumps({"tracking_hash": answer.tracking_hash.hex(), "new": answer.new}), flush=True)
    time.sleep(120)
    """
)


def test_a_receipted_ballot_survives_the_process_being_killed(
    protected: RevotingElection, tmp_path: Path
) -> None:
    """A process queues a voter's ballot for the board, answers with its tracking code, and
    is killed: the ballot waits for its batch, the same ballot sent again is the same
    ballot (the voter API's 201 comes from this answer), and the batch puts its cast row
    on the board."""
    services, eid = protected.web.services, protected.id
    device = protected.device("900101300003", "a device")
    seed, answer = device.register()
    assert answer.status_code == 201, answer.text
    ballot, _, private = device.ballot(seed)
    payload = json.dumps(cast_body(ballot, private))
    ballot_path = tmp_path / "ballot.json"
    ballot_path.write_text(payload)
    voter = services.roll.voter_by_national_id(eid, "900101300003")
    assert voter is not None
    url = protected.web.database_url
    before = [ev.line for ev in services.elections.store.iter_events(eid)]
    services.elections.store.close()
    child = subprocess.Popen(
        [sys.executable, "-c", _CAST_AND_HANG, url, eid, str(voter.voter_id), str(ballot_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        _, err = child.communicate(timeout=30)
    assert line, f"the child printed no receipt: {err}"
    assert child.returncode == -signal.SIGKILL
    receipt = json.loads(line)
    tracking = ballot.tracking_hash(protected.ctx.public_key)
    assert receipt == {"tracking_hash": tracking.hex(), "new": True}

    reopened = SqlStore(url)
    try:
        assert [ev.line for ev in reopened.iter_events(eid)] == before  # it waits its batch
        with reopened.connect() as conn:
            queued = reopened.queued(conn, eid, tracking)
            assert queued is not None and queued[0] == "cast-row"
            assert reopened.waiting_count(conn, eid, "cast-row") == 1
        # the acknowledged ballot, the voter's first, has its log row (docs/coercion.md §9,
        # "A crash"): written in the ballot's transaction, before the answer
        assert [v for v, _ in _ballot_rows(reopened, eid)] == ["900101300003"]
        # the service on the reopened store treats a retry as the same ballot
        desk = RevotingDesk(ElectionService(reopened), now_ms)
        again = desk.cast(eid, voter.voter_id, payload.encode(), IN_PROCESS)
        assert (again.tracking_hash, again.new) == (tracking, False)
        # and its batch puts it on the board, once
        posted = protected.post_batch()
        public_key = protected.ctx.public_key
        rows = [
            ev.seq
            for ev in reopened.iter_events(eid, kinds=("cast-row",))
            if cast_row_from_json(json.loads(ev.line)["body"]["row"]).ballot.tracking_hash(
                public_key
            )
            == tracking
        ]
        assert len(rows) == 1 and rows[0] in posted, (rows, posted)
        with reopened.connect() as conn:
            assert reopened.waiting_count(conn, eid, "cast-row") == 0
    finally:
        reopened.close()


def _ballot_rows(store: SqlStore, election_id: str) -> list[tuple[Any, ...]]:
    """The activity log's ``ballot-cast`` rows of the election: (voter, time)."""
    with store.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(activity.c.voter, activity.c.time_ms).where(
                    activity.c.election_id == election_id, activity.c.event == "ballot-cast"
                )
            )
        ]


def test_a_cast_whose_log_row_fails_is_not_acknowledged_and_leaves_nothing(
    protected: RevotingElection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first ballot's log row is written in the cast's transaction (docs/coercion.md
    §9, "A crash"): if the database refuses it, the cast is not answered and its ballot
    is not queued, counted or recorded; the same ballot sent again then is a new ballot,
    acknowledged with its log row."""
    from honestballot.store.sql import StorageError

    services, eid = protected.web.services, protected.id
    store = services.elections.store
    device = protected.device("900101300002", "a device")
    seed, answer = device.register()
    assert answer.status_code == 201, answer.text
    ballot, _, private = device.ballot(seed)
    payload = json.dumps(cast_body(ballot, private)).encode()
    voter = services.roll.voter_by_national_id(eid, "900101300002")
    assert voter is not None

    def state() -> tuple[Any, ...]:
        with store.connect() as conn:
            return (
                store.waiting_count(conn, eid, "cast-row"),
                conn.execute(select(revoting_credentials.c.ballots)).all(),
                conn.execute(select(revoting_alphas.c.alpha)).all(),
                _ballot_rows(store, eid),
            )

    before = state()
    insert = store_log_first_ballot  # what service/activity.py runs as its statement

    def broken(conn: Any, voter_id: int, row: dict[str, Any]) -> None:
        insert(conn, voter_id, row)
        conn.exec_driver_sql("UPDATE no_such_table SET x = 1")

    monkeypatch.setattr(activity_service, "_insert_first_ballot", broken)
    with pytest.raises(StorageError):
        services.revoting.cast(eid, voter.voter_id, payload, IN_PROCESS)
    assert state() == before
    monkeypatch.undo()
    answer_again = services.revoting.cast(eid, voter.voter_id, payload, IN_PROCESS)
    assert answer_again.new
    assert [v for v, _ in _ballot_rows(store, eid)] == ["900101300002"]


def test_a_lost_connection_raises_its_own_error_out_of_a_transaction(
    protected: RevotingElection,
) -> None:
    """When the connection is lost inside ``transaction(election_id)``, the caller (and the
    log) sees the error that happened, not SQLAlchemy's complaint about the dead
    connection's pending rollback."""
    election = protected
    store = election.web.services.elections.store
    real = pytest.raises(RuntimeError, match="the real error")
    with real, store.transaction(election.id) as conn:
        conn.invalidate()
        raise RuntimeError("the real error")
    with store.engine.connect() as conn:  # the pool goes on working
        assert store.election_row(conn, election.id) is not None


_ORGANISER = random_nonzero_scalar(SeededRandomness("the organiser"))


def test_two_organisers_creating_the_same_election_at_once_get_one_election_and_a_409(
    ceremony: DemoCeremony,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each organiser has a store of their own; exactly one creation succeeds, the other
    is told the election already exists (never a database error), on both databases."""
    eid = ceremony.manifest.election_id
    stores = [SqlStore(database_url) for _ in range(2)]
    start = threading.Barrier(2)
    if not stores[0].is_sqlite:
        # On PostgreSQL the existence check takes no lock: make both organisers pass it
        # before either inserts, so the loser meets the unique key, not the check.
        checked = threading.Barrier(2)
        for store in stores:
            first_call = [True]

            def after_check(
                conn: Any, election_id: str, real: Any = store.election_row, first: Any = first_call
            ) -> Any:
                row = real(conn, election_id)
                if first[0]:
                    first[0] = False
                    checked.wait(timeout=60)
                return row

            monkeypatch.setattr(store, "election_row", after_check)
    outcomes: list[Any] = [None, None]

    def create(i: int) -> None:
        service = ElectionService(stores[i], SeededRandomness(f"organiser-{i}"))
        start.wait(timeout=60)
        try:
            outcomes[i] = service.create(
                ceremony.manifest,
                ceremony.key,
                organiser_key=base_mul(_ORGANISER),
                schedule=REVOTING_SCHEDULE,
            )
        except Exception as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=create, args=(i,)) for i in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads)
        created = [o for o in outcomes if isinstance(o, ElectionContext)]
        refused = [o for o in outcomes if not isinstance(o, ElectionContext)]
        assert len(created) == 1 and len(refused) == 1, outcomes
        assert isinstance(refused[0], ProtocolError), repr(refused[0])
        assert str(refused[0]) == f"election {eid!r} already exists"
        assert [ev.kind for ev in stores[0].iter_events(eid)] == ["setup"]
        assert stores[0].list_elections() == [eid]
    finally:
        for store in stores:
            store.close()


def test_a_database_error_does_not_carry_the_statements_values(database_url: str) -> None:
    """The engine hides SQL parameters (and PostgreSQL's DETAIL, which repeats them), so
    that voters' data never reaches a log or a traceback through a database error."""
    import traceback

    from sqlalchemy.exc import IntegrityError

    store = SqlStore(database_url)
    values = (
        "dup-election-4711",
        "manifest-900101300099",
        "context-Anna",
        "secret-z@x.org",
        "verifier-secret-Boris",
    )
    try:
        with store.transaction() as conn:
            store.insert_election(conn, *values)
        with pytest.raises(IntegrityError) as info, store.transaction() as conn:
            store.insert_election(conn, *values)
        text = "".join(traceback.format_exception(info.value))
        assert "hidden due to hide_parameters" in str(info.value)
        for value in values:
            assert value not in str(info.value)
            assert value not in text
        with store.engine.connect() as conn:  # the store goes on working
            assert store.election_row(conn, values[0]) is not None
    finally:
        store.close()


def _election(store: SqlStore, election_id: str, phase: str = "setup") -> None:
    with store.transaction() as conn:
        store.insert_election(conn, election_id, "{}", "{}", "00", "00")
    if phase != "setup":
        with store.transaction(election_id) as conn:
            store.set_phase(conn, election_id, phase)


def test_only_an_exclusive_transaction_writes_the_board_or_the_phase(database_url: str) -> None:
    """Every store method that writes the board or the phase refuses a transaction that
    holds the election's lock in shared mode (a voter's request), holds no lock of it, or
    holds another election's: nothing is written; the exclusive transaction writes."""
    from honestballot.store.sql import LockNotHeld

    store = SqlStore(database_url)
    try:
        _election(store, "spring")
        _election(store, "autumn")
        batch = {
            "batch_index": 0, "seq": 1, "time_ms": 5, "real_rows": 0, "real_registrations": 0,
            "cover_rows": 0, "cover_registrations": 0, "longest_wait_ms": 0,
        }  # fmt: skip
        writes: dict[str, Any] = {
            "set_phase": lambda c: store.set_phase(c, "spring", "open"),
            "set_next_seq": lambda c: store.set_next_seq(c, "spring", 7, 5),
            "append_event": lambda c: store.append_event(
                c, "spring", 0, "setup", 5, b"{}", bytes(32)
            ),
            "insert_tree_head": lambda c: store.insert_tree_head(c, "spring", 1, "{}"),
            "insert_cosignature": lambda c: store.insert_cosignature(
                c, "spring", 1, bytes(32), "{}"
            ),
            "mark_posted": lambda c: store.mark_posted(c, "spring", {1: 1}),
            "add_batch": lambda c: store.add_batch(c, "spring", batch),
        }
        for name, write in writes.items():
            with (
                pytest.raises(LockNotHeld, match="its shared lock"),
                store.transaction("spring", shared=True) as conn,
            ):
                write(conn)
            with pytest.raises(LockNotHeld, match="no lock"), store.transaction() as conn:
                write(conn)
            with pytest.raises(LockNotHeld, match="no lock"), store.transaction("autumn") as conn:
                write(conn)
            with store.connect() as conn:
                row = store.election_row(conn, "spring")
                assert row is not None and (row["phase"], row["next_seq"]) == ("setup", 0), name
                assert store.event_at(conn, "spring", 0) is None, name
                assert store.batch_state(conn, "spring") == (0, 0), name
            assert store.tree_head_lines("spring") == [], name
        with store.transaction("spring") as conn:
            store.append_event(conn, "spring", 0, "setup", 5, b"{}", bytes(32))
            store.set_phase(conn, "spring", "open")
        with store.connect() as conn:
            row = store.election_row(conn, "spring")
            assert row is not None and (row["phase"], row["next_seq"]) == ("open", 1)
    finally:
        store.close()


def test_only_a_unique_keys_conflict_runs_a_voters_request_again(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The store tells a unique key's conflict (PostgreSQL's SQLSTATE 23505, SQLite's
    UNIQUE constraint) from another broken constraint; the desk runs a request's locked
    part once more only for the first, logging the key (no value), and raises at once
    for a NOT NULL."""
    import logging
    from types import SimpleNamespace

    from sqlalchemy import insert

    from honestballot.store.schema import elections
    from honestballot.store.sql import KeyConflict, Tx, unique_key_conflict

    store = SqlStore(database_url)
    try:
        _election(store, "spring", "open")
        row = {
            "election_id": "spring", "phase": "open", "manifest": "{}", "context": "{}",
            "board_secret": "900101300099", "next_seq": 0,
        }  # fmt: skip
        with pytest.raises(KeyConflict) as dup, store.transaction() as conn:
            conn.execute(insert(elections).values(**row))
        assert unique_key_conflict(dup.value) in {"elections_pkey", "elections.election_id"}
        with pytest.raises(KeyConflict) as null, store.transaction() as conn:
            conn.execute(insert(elections).values(**{**row, "election_id": "x", "phase": None}))
        assert unique_key_conflict(null.value) is None

        desk = RevotingDesk(
            SimpleNamespace(store=store, rng=None),  # type: ignore[arg-type]
            clock=lambda: 0,
            rng=SeededRandomness("retries"),
        )
        calls: list[int] = []

        def conflict_once(conn: Tx, _voter: object) -> str:
            calls.append(1)
            if len(calls) == 1:
                conn.execute(insert(elections).values(**row))
            return "second run"

        caplog.set_level(logging.INFO, logger="honestballot.service.voters.revoting")
        assert desk._locked("spring", lambda _conn: None, conflict_once) == "second run"
        assert len(calls) == 2
        [record] = [r for r in caplog.records if "once more" in r.getMessage()]
        assert "spring" in record.getMessage() and "900101300099" not in record.getMessage()

        def always(statement: dict[str, Any]) -> Any:
            def step(conn: Tx, _voter: object) -> str:
                calls.append(1)
                conn.execute(insert(elections).values(**statement))
                return "never"

            return step

        calls.clear()
        with pytest.raises(KeyConflict):
            desk._locked("spring", lambda _conn: None, always(row))
        assert len(calls) == 2  # once more, then raised
        calls.clear()
        with pytest.raises(KeyConflict) as raised:
            desk._locked(
                "spring", lambda _conn: None, always({**row, "election_id": "x", "phase": None})
            )
        assert unique_key_conflict(raised.value) is None
        assert len(calls) == 1  # a NOT NULL is not run again
    finally:
        store.close()


def test_a_lock_recorded_outside_a_transaction_does_not_reach_the_next_checkout(
    database_url: str,
) -> None:
    """The lock's mode lives in the pooled connection's info: an election inserted on a
    plain connection (not through ``transaction()``) records it there, and the pool
    forgets it when the connection comes back, so the next user holds nothing."""
    from honestballot.store.sql import LockNotHeld

    store = SqlStore(database_url)
    try:
        with store.engine.connect() as conn:
            store.insert_election(conn, "spring", "{}", "{}", "00", "00")
            conn.commit()
            first = conn.connection.dbapi_connection
        with store.engine.connect() as conn:
            assert conn.connection.dbapi_connection is first  # the same pooled connection
            with pytest.raises(LockNotHeld, match="no lock"):
                store.set_phase(conn, "spring", "open")
    finally:
        store.close()
