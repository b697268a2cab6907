"""Group commit: ballots and credential registrations appended in batches (one
transaction, a fixed handful of statements), each item refused or accepted on its own,
and the queue that gathers the batches (service/cast_queue.py)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from honestballot.errors import (
    BallotRejected,
    ProtocolError,
)
from honestballot.protocol.ballot import EncryptedBallot, encrypt_ballot
from honestballot.protocol.credential import generate_credential
from honestballot.service.board.election import Receipt
from tests.factories import (
    CHOICE,
    OTHER_CHOICE,
    Election,
)
from tests.helpers import one_batch, statements_under_lock


def _outcomes(futures: list[Any]) -> list[Any]:
    """Each future's result, or the exception it raised."""
    outcomes: list[Any] = []
    for f in futures:
        try:
            outcomes.append(f.result())
        except BaseException as exc:
            outcomes.append(exc)
    return outcomes


def test_a_batch_commits_good_ballots_and_refuses_bad_ones_alone(election: Election) -> None:
    first = election.ballot(0)
    stranger = encrypt_ballot(
        election.ctx, generate_credential(election.rng), CHOICE, election.rng
    )[0]
    second = election.ballot(1)
    revote = election.ballot(1, {"chair": {"cand-2"}, "council": {"member-2"}})
    results = election.service.cast_batch(
        election.id,
        [(first, None), (stranger, None), (second, None), (first, None), (revote, None)],
    )
    assert isinstance(results[1], BallotRejected)
    receipts = [r for r in results if isinstance(r, Receipt)]
    assert len(receipts) == 4
    assert results[3] == results[0]  # the same ballot twice in one batch: one entry
    assert isinstance(results[0], Receipt) and results[0].new
    assert isinstance(results[3], Receipt) and not results[3].new
    assert isinstance(results[4], Receipt) and results[4].superseded == second.tracking_hash().hex()
    assert election.kinds()[-4:] == ["ballot", "ballot", "ballot", "superseded"]
    assert election.service.store.is_latest(election.id, revote.tracking_hash())


def test_a_queue_of_concurrent_casts_shares_commits_and_answers_each(election: Election) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from honestballot.service.board.cast_queue import BatchQueue

    queue = BatchQueue(election.service.cast_batch)
    ballots = [election.ballot(i % 4, CHOICE) for i in range(24)]
    ballots.append(ballots[0])  # an identical retry
    try:
        with ThreadPoolExecutor(12) as pool:
            futures = [pool.submit(queue.cast, election.id, (b, None)) for b in ballots]
            outcomes = _outcomes(futures)
    finally:
        queue.stop()
    receipts = [o for o in outcomes if isinstance(o, Receipt)]
    # every ballot has its own answer; a ballot queued after its own later re-vote is a replay
    assert len(receipts) + sum(isinstance(o, BallotRejected) for o in outcomes) == len(ballots)
    assert queue.ballots == len(ballots) and queue.batches <= len(ballots)
    on_board = {ev.tracking_hash for ev in election.service.store.iter_events(election.id)}
    assert all(bytes.fromhex(r.tracking_hash) in on_board for r in receipts)


def test_a_batch_in_the_wrong_phase_is_refused_whole(election: Election) -> None:
    election.service.close(election.id)
    before = election.events()
    with pytest.raises(ProtocolError):
        election.service.cast_batch(election.id, [(election.ballot(0), None)])
    assert election.events() == before


def test_a_refusal_from_within_drops_only_that_ballots_rows(election: Election) -> None:
    """``within`` adds rows to the batch; one that raises half-way leaves none of its rows
    and no event, and the other ballots of the batch keep theirs."""
    from sqlalchemy import func, select

    from honestballot.service.messages.notices import notice_row
    from honestballot.store.schema import notices

    def notify(rows: Any, _ballot: EncryptedBallot, receipt: Receipt) -> None:
        rows.add(
            notices, notice_row(election.id, "sms", "+77010000001", "", receipt.tracking_code, 1)
        )

    def half_way(rows: Any, ballot: EncryptedBallot, receipt: Receipt) -> None:
        notify(rows, ballot, receipt)
        raise BallotRejected("refused by the caller")

    good, refused, also_good = election.ballot(0), election.ballot(1), election.ballot(2)
    before = election.events()
    results = election.service.cast_batch(
        election.id, [(good, notify), (refused, half_way), (also_good, notify)]
    )
    assert isinstance(results[1], BallotRejected)
    assert isinstance(results[0], Receipt) and isinstance(results[2], Receipt)
    assert election.events() == before + 2
    on_board = {ev.tracking_hash for ev in election.service.store.iter_events(election.id)}
    assert refused.tracking_hash() not in on_board
    with election.service.store.engine.connect() as conn:
        bodies = set(conn.execute(select(notices.c.body)).scalars())
        assert conn.execute(select(func.count()).select_from(notices)).scalar_one() == 2
    assert bodies == {results[0].tracking_code, results[2].tracking_code}


def test_a_batch_holds_the_lock_for_a_fixed_number_of_statements(election: Election) -> None:
    """Group commit only pays if a batch's statements do not grow with its size; and a
    batch holds the election's lock for its round trips to the database, each a wait for
    the GIL and a core on a busy machine: on PostgreSQL one read and one write between
    the lock and the commit, whatever the batch's size (a re-vote included)."""
    counts = []
    with statements_under_lock(election.service.store.engine) as locked:
        for voters, choice in (((0,), CHOICE), ((1, 2, 3, 0), OTHER_CHOICE)):
            locked.clear()
            results = election.service.cast_batch(
                election.id, [(election.ballot(i, choice), None) for i in voters]
            )
            assert all(isinstance(r, Receipt) for r in results)
            assert len(locked) == 1, locked  # one transaction took the lock
            counts.append(len(locked[0]))
    assert election.kinds()[-2:] == ["ballot", "superseded"]
    if election.url.startswith("postgresql"):
        assert counts == [2, 2], locked
    else:  # in-process: a statement a table, but not one a ballot
        assert counts[0] == counts[1] <= 8, locked


def test_a_failed_batch_is_retried_one_by_one_so_one_bad_item_sinks_only_itself(
    election: Election,
) -> None:
    """If a batch's transaction fails (a database error, not a refusal), the queue tries
    each item alone: the good ones are committed, the bad one gets the error."""
    from concurrent.futures import ThreadPoolExecutor

    from honestballot.service.board.cast_queue import BatchQueue

    poisoned = election.ballot(1)
    calls: list[int] = []
    entered = threading.Event()

    def append(election_id: str, items: Any) -> list[Receipt | Any]:
        if not calls:  # hold the first batch until the other three casts have queued up
            entered.set()
            deadline = time.monotonic() + 10
            while queue._queue.qsize() < 3 and time.monotonic() < deadline:
                time.sleep(0.01)
        calls.append(len(items))
        if any(ballot is poisoned for ballot, _ in items):
            raise RuntimeError("disk full")
        return election.service.cast_batch(election_id, items)

    queue = BatchQueue(append)
    ballots = [election.ballot(0), poisoned, election.ballot(2), election.ballot(3)]
    try:
        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(queue.cast, election.id, (ballots[0], None))]
            assert entered.wait(10)
            futures += [pool.submit(queue.cast, election.id, (b, None)) for b in ballots[1:]]
            outcomes = _outcomes(futures)
    finally:
        queue.stop()
    assert calls == [1, 3, 1, 1, 1], calls  # the batch of three failed, then one by one
    assert isinstance(outcomes[1], RuntimeError)
    assert all(isinstance(o, Receipt) for i, o in enumerate(outcomes) if i != 1)
    store = election.service.store
    assert poisoned.tracking_hash() not in {
        ev.tracking_hash for ev in store.iter_events(election.id)
    }
    for b in (ballots[0], ballots[2], ballots[3]):
        assert store.is_latest(election.id, b.tracking_hash())


def test_the_appender_waits_for_announced_ballots_and_only_for_them(election: Election) -> None:
    """A batch waits (up to ``linger_s``) for ballots whose verification was announced,
    so they share its commit; with nothing announced it commits at once."""
    from honestballot.service.board.cast_queue import BatchQueue

    sizes: list[int] = []

    def append(election_id: str, items: Any) -> Any:
        sizes.append(len(items))
        return election.service.cast_batch(election_id, items)

    queue = BatchQueue(append, linger_s=5.0)
    try:
        started = time.monotonic()
        assert isinstance(queue.cast(election.id, (election.ballot(0), None)), Receipt)
        assert time.monotonic() - started < 2.0, "an unannounced cast waited for the linger"
        assert sizes == [1]

        second_verified = threading.Event()
        with queue.announce() as first, queue.announce() as second:
            done = queue.submit(election.id, (election.ballot(1), None), first)

            def verify_then_cast() -> None:
                time.sleep(0.3)  # the second ballot is still being verified meanwhile
                queue.submit(election.id, (election.ballot(2), None), second)
                second_verified.set()

            worker = threading.Thread(target=verify_then_cast)
            worker.start()
            assert isinstance(done.result(timeout=10), Receipt)
            worker.join()
        assert second_verified.is_set()
        assert sizes == [1, 2], sizes  # the first ballot waited for the second

        # an announced ballot that fails verification is no longer waited for
        with queue.announce():
            pass
        started = time.monotonic()
        queue.cast(election.id, (election.ballot(3), None))
        assert time.monotonic() - started < 2.0
    finally:
        queue.stop()


def test_a_credential_batch_checks_each_item_against_the_board_and_the_batch(
    election: Election, tmp_path: Path
) -> None:
    """One transaction for many registrations: each item is refused or accepted on its
    own, as if registered one after the other, and the record still verifies."""
    from honestballot.errors import InvalidInput

    def refuse(_conn: Any) -> None:
        raise InvalidInput("the caller's own check failed")

    fresh = [generate_credential(election.rng).public for _ in range(5)]
    old = election.voters[0].public  # station-1
    before = election.events()
    results = election.service.register_credential_batch(
        election.id,
        [
            (fresh[0], "station-1", None, None),  # accepted
            (fresh[0], "station-2", None, None),  # the same credential again in the batch
            (election.voters[1].public, "station-2", None, None),  # already registered
            (fresh[1], "station-1", old, None),  # replaces voter 0's credential
            (fresh[2], "station-1", old, None),  # ... which is no longer active
            (fresh[3], "station-3", election.voters[1].public, None),  # from another unit
            (fresh[4], "station-1", None, refuse),  # refused by the caller
            (generate_credential(election.rng).public, "nowhere", None, None),  # no such unit
        ],
    )
    assert results[0] is None and results[3] is None, results
    assert all(
        isinstance(r, (ProtocolError, InvalidInput))
        for i, r in enumerate(results)
        if i not in (0, 3)
    ), results
    assert isinstance(results[6], InvalidInput)
    assert election.events() == before + 2
    store = election.service.store
    with store.engine.connect() as conn:
        assert store.credential_row(conn, election.id, old.data)["revoked"]
        assert not store.credential_row(conn, election.id, fresh[1].data)["revoked"]
        for refused in (fresh[2], fresh[3], fresh[4]):
            assert store.credential_row(conn, election.id, refused.data) is None
    report = election.record_report(tmp_path)
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    assert report.stats["credentials_replaced"] == 1


def test_a_credential_registered_and_replaced_in_one_batch_ends_revoked(
    election: Election, tmp_path: Path
) -> None:
    """The batch inserts its new credentials before it revokes the replaced ones, so one
    replaced within its own batch is revoked in the store as on the board."""
    first, second = (generate_credential(election.rng).public for _ in range(2))
    results = election.service.register_credential_batch(
        election.id, [(first, "station-1", None, None), (second, "station-1", first, None)]
    )
    assert results == [None, None]
    store = election.service.store
    with store.engine.connect() as conn:
        first_row = store.credential_row(conn, election.id, first.data)
        second_row = store.credential_row(conn, election.id, second.data)
    assert first_row is not None and first_row["revoked"]
    assert second_row is not None and not second_row["revoked"]
    report = election.record_report(tmp_path)
    assert report.passed, [(c.name, c.detail) for c in report.failures]


def test_concurrent_credential_registrations_share_commits(election: Election) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from honestballot.service.board.cast_queue import BatchQueue

    queue: BatchQueue[Any, None] = BatchQueue(election.service.register_credential_batch)
    fresh = [generate_credential(election.rng).public for _ in range(30)]
    try:
        with ThreadPoolExecutor(10) as pool:
            futures = [
                pool.submit(queue.cast, election.id, (c, "station-2", None, None)) for c in fresh
            ]
            assert [f.result() for f in futures] == [None] * len(fresh)
    finally:
        queue.stop()
    assert queue.ballots == len(fresh) and queue.batches < len(fresh)
    store = election.service.store
    with store.engine.connect() as conn:
        assert all(store.credential_row(conn, election.id, c.data) is not None for c in fresh)


def test_a_cast_given_up_before_its_batch_is_dropped_and_the_queue_goes_on(
    election: Election,
) -> None:
    """A request whose client went away cancels its future; the appender must neither
    append that ballot nor fail on the cancelled future, and later casts still work."""
    from honestballot.service.board.cast_queue import BatchQueue

    release = threading.Event()
    calls: list[int] = []

    def append(election_id: str, items: Any) -> Any:
        calls.append(len(items))
        release.wait(10)
        return election.service.cast_batch(election_id, items)

    queue = BatchQueue(append)
    try:
        first = queue.submit(election.id, (election.ballot(0), None))
        time.sleep(0.2)  # the appender is now inside the first batch, held by ``release``
        gone = election.ballot(1)
        abandoned = queue.submit(election.id, (gone, None))
        assert abandoned.cancel()  # still queued: it can be cancelled
        release.set()
        assert isinstance(first.result(timeout=10), Receipt)
        assert isinstance(queue.cast(election.id, (election.ballot(2), None)), Receipt)
    finally:
        queue.stop()
    assert calls == [1, 1]
    on_board = {ev.tracking_hash for ev in election.service.store.iter_events(election.id)}
    assert gone.tracking_hash() not in on_board


def test_latest_ballots_are_recorded_on_sqlite_without_update_from(
    election: Election, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite before 3.33 has no UPDATE … FROM: the store falls back to one UPDATE per
    credential, with the same outcome (on PostgreSQL the patch changes nothing)."""
    import sqlite3

    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
    first, other = election.ballot(0), election.ballot(1)
    revote = election.ballot(0, OTHER_CHOICE)
    results = election.service.cast_batch(
        election.id, [(first, None), (other, None), (revote, None)]
    )
    assert all(isinstance(r, Receipt) for r in results)
    store = election.service.store
    assert store.is_latest(election.id, revote.tracking_hash())
    assert store.is_latest(election.id, other.tracking_hash())
    assert not store.is_latest(election.id, first.tracking_hash())


# -- one item never costs another its answer (issue 17, L4 and L6) -------------------------


def _on_board(election: Election) -> list[bytes | None]:
    return [ev.tracking_hash for ev in election.service.store.iter_events(election.id)]


def test_a_ballot_failing_its_preparation_costs_only_its_own_cast(
    election: Election, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure preparing one ballot of a batch for the append (here writing its event
    body) refuses that ballot's cast alone, with the error it gets when cast alone; the
    other voters of the batch get their receipts."""
    from honestballot.errors import RecordFormatError
    from honestballot.record.ballot import ballot_to_json as real

    bad = election.ballot(2)

    def to_json(ballot: EncryptedBallot) -> Any:
        if ballot is bad:
            raise RecordFormatError("ballot: this one cannot be written")
        return real(ballot)

    monkeypatch.setattr("honestballot.service.board.election.ballot_to_json", to_json)
    good = [election.ballot(1), election.ballot(3)]
    outcomes, sizes = one_batch(
        election.service.cast_batch,
        election.id,
        (election.ballot(0), None),
        [(good[0], None), (bad, None), (good[1], None)],
    )
    assert sizes == [1, 3], sizes
    assert isinstance(outcomes[2], RecordFormatError), outcomes
    assert all(isinstance(o, Receipt) for i, o in enumerate(outcomes) if i != 2), outcomes
    board = _on_board(election)
    assert bad.tracking_hash() not in board
    assert all(b.tracking_hash() in board for b in good)
    events = election.events()
    with pytest.raises(RecordFormatError) as alone:
        election.service.cast_verified(election.id, bad)
    assert str(alone.value) == str(outcomes[2])
    assert election.events() == events


@pytest.mark.parametrize("error", ["RecordFormatError", "ValueError"])
def test_a_ballot_whose_event_cannot_be_made_leaves_the_batch_as_if_never_sent(
    election: Election, monkeypatch: pytest.MonkeyPatch, error: str
) -> None:
    """A failure making one ballot's event line refuses that ballot alone, whether it is
    one of the service's errors or not, and leaves nothing of it in the batch: the same
    voter's re-vote later in the batch is that voter's first ballot (it supersedes
    nothing), and the board still obeys every rule."""
    from honestballot.errors import RecordFormatError
    from honestballot.protocol.board import BoardRules
    from honestballot.record.codec import parse_json
    from honestballot.record.events import board_event, event_from_json, event_line

    broken, revote = election.ballot(1, CHOICE), election.ballot(1, OTHER_CHOICE)
    raised = {"RecordFormatError": RecordFormatError, "ValueError": ValueError}[error]
    broken_body = _body_of(broken)

    def line(seq: int, time_ms: int, kind: str, body: bytes) -> bytes:
        if body == broken_body:
            raise raised("this event line cannot be made")
        return event_line(seq, time_ms, kind, body)

    monkeypatch.setattr("honestballot.service.board.election.event_line", line)
    good = election.ballot(0)
    before = election.events()
    results = election.service.cast_batch(
        election.id, [(good, None), (broken, None), (revote, None)]
    )
    assert isinstance(results[1], raised), results
    assert isinstance(results[0], Receipt) and isinstance(results[2], Receipt), results
    assert results[2].superseded is None
    assert election.kinds()[before:] == ["ballot", "ballot"]
    assert broken.tracking_hash() not in _on_board(election)
    rules = BoardRules()
    for ev in election.service.store.iter_events(election.id):
        parsed = event_from_json(parse_json(ev.line, limit=1 << 26), f"event {ev.seq}")
        rules.apply(board_event(parsed, f"event {ev.seq}"))
    assert rules.latest(election.voters[1].public) == revote.tracking_hash()


def _body_of(ballot: EncryptedBallot) -> bytes:
    from honestballot.record.ballot import ballot_to_json
    from honestballot.record.codec import canonical_bytes

    return canonical_bytes({"ballot": ballot_to_json(ballot)})


def test_a_credential_whose_event_cannot_be_made_is_refused_alone(
    election: Election, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Likewise for the credential queue's batch: the item whose event fails gets that
    error, the others are registered."""
    from honestballot.errors import RecordFormatError
    from honestballot.record.events import EventLine

    fresh = [generate_credential(election.rng).public for _ in range(3)]

    def line(seq: int, time_ms: int, kind: str, body: Any) -> Any:
        if kind == "credential" and body["credential"] == fresh[1].hex():
            raise RecordFormatError("credential: this one cannot be written")
        return EventLine(seq, time_ms, kind, body)

    monkeypatch.setattr("honestballot.service.board.election.EventLine", line)
    before = election.events()
    results = election.service.register_credential_batch(
        election.id, [(c, "station-2", None, None) for c in fresh]
    )
    assert results[0] is None and results[2] is None, results
    assert isinstance(results[1], RecordFormatError)
    assert election.events() == before + 2
    store = election.service.store
    with store.engine.connect() as conn:
        assert store.credential_row(conn, election.id, fresh[1].data) is None
        assert store.credential_row(conn, election.id, fresh[2].data) is not None


def test_a_batch_whose_commit_answer_was_lost_answers_each_cast_as_committed(
    election: Election,
) -> None:
    """The database committed a batch but its answer was lost (the connection dropped at
    the commit): the queue tries each cast again alone, and each gets the receipt the
    batch gave it, a ballot that a re-vote of the same batch superseded included;
    nothing is appended twice."""
    from sqlalchemy.exc import OperationalError

    given: list[Any] = []

    def append(election_id: str, items: Any) -> Any:
        results = election.service.cast_batch(election_id, items)
        if len(items) > 1 and not given:
            given.extend(results)
            raise OperationalError("COMMIT", {}, ConnectionError("server closed the connection"))
        return results

    first, revote, other = (
        election.ballot(1, CHOICE),
        election.ballot(1, OTHER_CHOICE),
        election.ballot(2),
    )
    outcomes, sizes = one_batch(
        append,
        election.id,
        (election.ballot(0), None),
        [(first, None), (revote, None), (other, None)],
    )
    assert sizes == [1, 3, 1, 1, 1], sizes
    assert all(isinstance(r, Receipt) for r in given), given
    assert given[1].superseded == first.tracking_hash().hex()
    assert outcomes[1:] == given, (outcomes, given)
    board = _on_board(election)
    for b in (first, revote, other):
        assert board.count(b.tracking_hash()) == 1
    assert election.service.store.is_latest(election.id, revote.tracking_hash())
