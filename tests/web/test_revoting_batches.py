"""Batches of an election with re-voting protection (docs/coercion.md §4;
service/board/batches.py), on SQLite and PostgreSQL: nothing goes on the board before
its batch is due; each batch holds the schedule's numbers of cast rows and registrations,
the waiting ones first in first out and cover for the rest; the receipt says "included"
once its row is on the board; the close posts the batches due, the close's block for what
still waits, the audits, then ``close``; and the board the rules replay holds it all."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent import futures
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from honestballot.crypto.elgamal import decrypt_to_point
from honestballot.crypto.randomness import SeededRandomness
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.protocol.board import BoardRules
from honestballot.protocol.cover import CoverReplacement, cover_tag_point
from honestballot.record.codec import parse_json
from honestballot.record.events import board_event, event_from_json
from honestballot.record.revoting import (
    ballot_v2_to_json,
    cast_row_from_json,
    registration_from_json,
)
from honestballot.service.board import batches
from honestballot.store.schema import cover_replacements
from tests.factories import (
    REVOTING_ELECTION,
    REVOTING_SCHEDULE,
    DemoCeremonies,
    RevotingElection,
    WebElection,
    election_secret,
    open_revoting_election,
)

ROLL = ["900101300001", "900101300002", "900101300003"]
ROWS, REGISTRATIONS = REVOTING_SCHEDULE.hours[0]
INTERVAL_MS = REVOTING_SCHEDULE.interval * 1000


@pytest.fixture
def election(web: WebElection, demo_ceremony: DemoCeremonies) -> Iterator[RevotingElection]:
    ceremony = demo_ceremony(REVOTING_ELECTION)
    yield open_revoting_election(web, ceremony, SeededRandomness("revoting batches"))


class Clock:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def _clock(election: RevotingElection) -> tuple[Clock, int]:
    """The election service's clock, set by the test, and the open's time."""
    services = election.web.services
    open_ms = services.batches.open_ms(election.id)
    assert open_ms is not None
    clock = Clock(open_ms)
    services.elections.clock = clock
    return clock, open_ms


def _events(election: RevotingElection) -> list[dict]:
    store = election.web.services.store
    return [parse_json(ev.line, limit=1 << 26) for ev in store.iter_events(election.id)]


def _replay(election: RevotingElection) -> BoardRules:
    rules = BoardRules()
    for line in _events(election):
        ev = event_from_json(line, f"event {line['seq']}")
        rules.apply(board_event(ev, f"event {ev.seq}", election.ctx.public_key))
    return rules


def test_batches_hold_the_schedules_sizes_with_cover_first_in_first_out(
    election: RevotingElection,
) -> None:
    services = election.web.services
    clock, open_ms = _clock(election)
    voter = election.device(ROLL[0], "device 1")
    seed, answer = voter.register()
    assert answer.status_code == 201, answer.text
    ballot, _, private = voter.ballot(seed)
    cast = voter.cast(ballot, private)
    assert cast.status_code == 201, cast.text
    tracking = cast.json()["tracking_hash"]
    before = len(_events(election))
    # not yet due: nothing goes on the board
    clock.now = open_ms + INTERVAL_MS - 1
    assert services.batches.post_due(election.id) == 0
    assert len(_events(election)) == before
    assert voter.receipt(tracking).json()["status"] == "recorded"
    # due: batch 0, the voter's registration and row among the cover
    clock.now = open_ms + INTERVAL_MS
    assert services.batches.post_due(election.id) == 1
    events = _events(election)[before:]
    assert events[0]["kind"] == "batch" and events[0]["body"] == {
        "index": 0,
        "rows": ROWS,
        "registrations": REGISTRATIONS,
    }
    items = events[1:]
    assert Counter(e["kind"] for e in items) == {"cast-row": ROWS, "registration": REGISTRATIONS}
    assert {e["time_ms"] for e in events} == {open_ms + INTERVAL_MS}
    looked = voter.receipt(tracking).json()
    assert looked["status"] == "included"
    posted = next(e for e in items if e["seq"] == looked["seq"])
    assert posted["kind"] == "cast-row"
    assert posted["body"]["row"]["ballot"] == ballot_v2_to_json(ballot)
    # the board finds it by its tracking code, browses it, and proves its inclusion, with
    # no status but "included"
    client = election.web.client
    found = client.get(f"/api/e/{election.id}/board", params={"q": cast.json()["tracking_code"]})
    assert [(e["seq"], e["status"]) for e in found.json()["entries"]] == [
        (looked["seq"], "included")
    ]
    page = client.get(f"/api/e/{election.id}/board", params={"limit": "200"}).json()["entries"]
    assert len(page) == ROWS and {e["status"] for e in page} == {"included"}
    proof = client.get(f"/api/e/{election.id}/ballots/{tracking}")
    assert proof.status_code in (200, 202), proof.text
    assert proof.json()["seq"] == looked["seq"]
    # every row on the board, cover or the voter's, is answered alike by the receipt
    # route: "included" at its place; a registration's tracking hash has no receipt
    key = election.ctx.public_key
    for e in items:
        if e["kind"] == "cast-row":
            th = cast_row_from_json(e["body"]["row"]).ballot.tracking_hash(key).hex()
            assert voter.receipt(th).json()["seq"] == e["seq"]
        else:
            th = registration_from_json(e["body"]["registration"]).tracking_hash(key).hex()
            assert voter.receipt(th).status_code == 404
    # the order is random: the voter's items are not first
    kinds = [e["kind"] for e in items]
    assert kinds != sorted(kinds)
    # the same time again posts nothing more; the rules accept the board as it is
    assert services.batches.post_due(election.id) == 0
    rules = _replay(election)
    assert (rules.batches, rules.rows, rules.registrations) == (1, ROWS, REGISTRATIONS)
    stats = services.store.batches(election.id)
    assert [(b["real_rows"], b["cover_rows"], b["real_registrations"]) for b in stats] == [
        (1, ROWS - 1, 1)
    ]


def test_a_late_service_posts_each_missed_batch_and_the_close_empties_the_queue(
    election: RevotingElection,
) -> None:
    services = election.web.services
    clock, open_ms = _clock(election)
    voters = [election.device(nid, f"device {nid}") for nid in ROLL]
    seeds = []
    for voter in voters:
        seed, answer = voter.register()
        assert answer.status_code == 201, answer.text
        seeds.append(seed)
    # the service was down for three intervals: three batches, each of its own size
    clock.now = open_ms + 3 * INTERVAL_MS + 5
    assert services.batches.post_due(election.id) == 3
    assert [b["real_registrations"] for b in services.store.batches(election.id)] == [3, 0, 0]
    # ballots and an audit after the last batch: the close posts them in its block
    receipts = []
    for voter, seed in zip(voters, seeds, strict=True):
        ballot, _, private = voter.ballot(seed)
        answer = voter.cast(ballot, private)
        assert answer.status_code == 201, answer.text
        receipts.append(answer.json()["tracking_hash"])
    b2, o2, p2 = voters[0].ballot(seeds[0], {"chair": {"cand-2"}, "council": {"blank"}})
    audited = voters[0].audit(b2, o2, p2)
    assert audited.status_code == 200, audited.text
    clock.now += 10
    services.elections.close(election.id)
    events = _events(election)
    assert [e["kind"] for e in events[-4:]] == ["audit", "close", "padding", "close-round"]
    assert events[-4]["body"]["ballot"]["version"] == 2
    # the close's block: a batch before it was due, with the close's time
    block = [e for e in events if e["kind"] == "batch" and e["body"]["index"] == 3]
    assert block and block[0]["time_ms"] == events[-3]["time_ms"] == clock.now
    for tracking in receipts:
        assert voters[0].receipt(tracking).json()["status"] == "included"
    rules = _replay(election)
    assert rules.batches == 4 and rules.audits == 1 and rules.padded
    assert rules.phase.value == "closed"
    # the queue is empty
    with services.store.connect() as conn:
        for kind in ("cast-row", "registration", "audit"):
            assert services.store.waiting_count(conn, election.id, kind) == 0


def test_cover_replacements_register_vote_and_are_replaced_before_the_close(
    web: WebElection, demo_ceremony: DemoCeremonies
) -> None:
    ceremony = demo_ceremony(REVOTING_ELECTION)
    election = open_revoting_election(
        web, ceremony, SeededRandomness("cover replacements"), cover_replacements=3
    )
    services = election.web.services
    clock, open_ms = _clock(election)
    clock.now = open_ms + 2 * INTERVAL_MS
    assert services.batches.post_due(election.id) == 2

    def replacements() -> list[Any]:
        with services.store.connect() as conn:
            q = select(cover_replacements).where(cover_replacements.c.election_id == election.id)
            return list(conn.execute(q).mappings().all())

    planned = replacements()
    assert len(planned) == 3
    clock.now += 1
    services.elections.close(election.id)
    # whole on the board and padded by the close: their secrets and number forgotten
    assert replacements() == []
    secret = election_secret(ceremony)
    base = election.ctx.base_hash
    events = _events(election)
    regs = [
        (e["seq"], registration_from_json(e["body"]["registration"]))
        for e in events
        if e["kind"] == "registration"
    ]
    rows = [
        (e["seq"], cast_row_from_json(e["body"]["row"])) for e in events if e["kind"] == "cast-row"
    ]
    starts = [e["seq"] for e in events if e["kind"] == "batch"]

    def batch_of(seq: int) -> int:
        return sum(1 for start in starts if start < seq) - 1

    for rep in planned:
        cover = CoverReplacement(bytes(rep["secret"]))
        voter, c1, c2 = cover.voter(), cover.seed(1, base), cover.seed(2, base)
        [(first_seq, first)] = [
            (q, r) for q, r in regs if decrypt_to_point(secret, r.tag) == c1.tag_point(base)
        ]
        [(second_seq, second)] = [
            (q, r) for q, r in regs if decrypt_to_point(secret, r.tag) == c2.tag_point(base)
        ]
        # C1 revokes the made-up voter's none point, C2 revokes C1; one voter, one letter
        assert decrypt_to_point(secret, first.commitment.revokes) == voter.none_point(base)
        assert decrypt_to_point(secret, second.commitment.revokes) == c1.tag_point(base)
        for reg in (first, second):
            assert decrypt_to_point(secret, reg.handle) == voter.handle(base)
        assert decrypt_to_point(secret, first.activation) == decrypt_to_point(
            secret, second.activation
        )
        # C1's one ballot (fewer than 1,000 voters' credentials), in no earlier batch than
        # C1 and no later than C2 (in the close's block all three may share a batch)
        [(ballot_seq, _)] = [
            (q, r) for q, r in rows
            if decrypt_to_point(secret, r.ballot.tag) == c1.tag_point(base)
        ]  # fmt: skip
        assert batch_of(first_seq) <= batch_of(ballot_seq) <= batch_of(second_seq)
    # the board the rules replay: every batch of the schedule's sizes
    rules = _replay(election)
    assert rules.phase.value == "closed" and rules.padded
    assert rules.rows == ROWS * rules.batches
    assert rules.registrations == REGISTRATIONS * rules.batches


#: a second election with protection on the same app (elections posted together)
OTHER_ELECTION = "web-revoting-other"


def _until(done: Any, what: str) -> None:
    """Wait (30 s at most) until ``done()`` is true."""
    deadline = time.monotonic() + 30
    while not done():
        assert time.monotonic() < deadline, f"30 s passed and still not {what}"
        time.sleep(0.05)


def _posting_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("honestballot-posting")]


@contextmanager
def _background(poster: batches.BatchPoster) -> Iterator[None]:
    """The poster's background thread running; then stopped, and checked gone with its
    posting threads."""
    before = _posting_threads()  # another poster's
    stop = threading.Event()
    thread = threading.Thread(target=poster.run_forever, args=(stop,))
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive() and poster._posting_threads.alive() == 0
    assert [t for t in _posting_threads() if t not in before] == []


def _before_cover(
    monkeypatch: pytest.MonkeyPatch, poster: batches.BatchPoster, hook: Callable[[str], None]
) -> None:
    """``hook(election_id)`` called as each batch's cover is made, before it."""
    cover_for = poster._cover_for

    def hooked(ctx: Any, election_id: str, *args: Any, **kw: Any) -> Any:
        hook(election_id)
        return cover_for(ctx, election_id, *args, **kw)

    monkeypatch.setattr(poster, "_cover_for", hooked)


def _two_elections(
    web: WebElection, demo_ceremony: DemoCeremonies
) -> tuple[RevotingElection, RevotingElection, Clock]:
    """Two elections with protection on one app, the service's clock set past both
    first batches' due times (the opens a moment apart: due together)."""
    first = open_revoting_election(
        web, demo_ceremony(REVOTING_ELECTION), SeededRandomness("posting first")
    )
    other = open_revoting_election(
        web, demo_ceremony(OTHER_ELECTION), SeededRandomness("posting other")
    )
    poster = web.services.batches
    opens = [poster.open_ms(e.id) for e in (first, other)]
    assert None not in opens
    clock = Clock(max(o for o in opens if o is not None) + INTERVAL_MS)
    web.services.elections.clock = clock
    return first, other, clock


def test_the_background_thread_posts_due_batches_and_backs_off_after_a_failure(
    election: RevotingElection, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    services = election.web.services
    clock, open_ms = _clock(election)
    clock.now = open_ms + INTERVAL_MS
    with _background(services.batches):
        _until(lambda: services.store.batches(election.id), "the batch posted")
    assert [b["batch_index"] for b in services.store.batches(election.id)] == [0]
    # a failure is logged with its message, and the election is not tried again before
    # its pause is over
    calls = []

    def broken(*args: object, **kwargs: object) -> int:
        calls.append(1)
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(services.batches, "_post", broken)
    clock.now = open_ms + 2 * INTERVAL_MS
    with caplog.at_level(logging.ERROR):
        assert services.batches.post_all_due() == 0
    assert "the disk is full" in caplog.text and len(calls) == 1
    assert services.batches.post_all_due() == 0 and len(calls) == 1  # pausing
    clock.now += INTERVAL_MS  # past the pause: the missed batch and the one due since
    monkeypatch.undo()
    assert services.batches.post_all_due() == 2


@pytest.mark.parametrize("how", ["slow", "failing"])
def test_an_elections_batch_is_posted_at_its_time_whatever_another_elections_posting_does(
    web: WebElection,
    demo_ceremony: DemoCeremonies,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    how: str,
) -> None:
    """Two elections due together: whichever's cover the poster starts first is held
    there (then goes on, or fails); the other's batch is posted meanwhile, by another
    posting thread. Stopping the background thread stops the posting threads."""
    elections = _two_elections(web, demo_ceremony)[:2]
    services = web.services
    poster = services.batches
    held, release = threading.Event(), threading.Event()
    first: list[str] = []  # the election held
    lock = threading.Lock()

    def hold_first(election_id: str) -> None:
        with lock:
            if not first:
                first.append(election_id)
        if election_id == first[0]:
            held.set()
            assert release.wait(30)
            if how == "failing":
                raise RuntimeError("the first election's cover broke")

    _before_cover(monkeypatch, poster, hold_first)
    with _background(poster):
        try:
            assert held.wait(30)
            (other,) = [e.id for e in elections if e.id != first[0]]
            _until(lambda: services.store.batches(other), "the other election's batch posted")
            assert services.store.batches(first[0]) == []  # still held
            with caplog.at_level(logging.ERROR):
                release.set()
                if how == "slow":
                    _until(lambda: services.store.batches(first[0]), "the first's batch posted")
                else:
                    _until(lambda: first[0] in poster._failures, "the first's failure seen")
        finally:
            release.set()
    for election_id, posted in ((first[0], how == "slow"), (other, True)):
        indices = [b["batch_index"] for b in services.store.batches(election_id)]
        assert indices == ([0] if posted else [])
    if how == "failing":
        assert "the first election's cover broke" in caplog.text
        assert poster._failures[first[0]][0] == 1


def test_one_election_is_never_posted_by_two_posting_threads_at_once(
    election: RevotingElection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While an election's posting is held in its cover, the background thread's polls
    (every 50 ms here) do not hand it to another posting thread; once it is released, it
    is posted once."""
    services = election.web.services
    poster = services.batches
    clock, open_ms = _clock(election)
    clock.now = open_ms + INTERVAL_MS
    monkeypatch.setattr(batches, "POLL_S", 0.05)
    held, release = threading.Event(), threading.Event()
    entered, polls = [], []

    def hold(election_id: str) -> None:
        held.set()
        assert release.wait(30)

    post_guarded, start_due = poster._post_guarded, poster._start_due

    def counted(election_id: str, halt: threading.Event) -> int:
        entered.append(election_id)
        return post_guarded(election_id, halt)

    def polled(halt: threading.Event) -> Any:
        polls.append(held.is_set())
        return start_due(halt)

    _before_cover(monkeypatch, poster, hold)
    monkeypatch.setattr(poster, "_post_guarded", counted)
    monkeypatch.setattr(poster, "_start_due", polled)
    with _background(poster):
        try:
            assert held.wait(30)
            _until(lambda: polls.count(True) >= 5, "five polls while the posting is held")
            assert entered.count(election.id) == 1
        finally:
            release.set()
        _until(lambda: services.store.batches(election.id), "the batch posted")
    assert [b["batch_index"] for b in services.store.batches(election.id)] == [0]


def test_more_elections_than_posting_threads_wait_for_a_thread(
    election: RevotingElection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five elections to post at once and four posting threads: four are posted at once,
    the fifth only once one of the four is done; no thread is left after."""
    poster = election.web.services.batches
    names = [f"election-{k}" for k in range(5)]
    monkeypatch.setattr(poster.store, "list_elections", lambda: names)
    running: list[str] = []
    releases = {name: threading.Event() for name in names}

    def posting(election_id: str, halt: threading.Event) -> int:
        running.append(election_id)
        assert releases[election_id].wait(30)
        return 1

    monkeypatch.setattr(poster, "_post_guarded", posting)
    started = poster._start_due(threading.Event())
    _until(lambda: len(running) == batches.POSTING_THREADS, "four elections posting")
    assert batches.POSTING_THREADS == 4 and len(_posting_threads()) == 4
    assert running == names[:4] and not started[4].running()
    releases[names[1]].set()
    _until(lambda: len(running) == 5, "the fifth election posting")
    assert running[4] == names[4]
    for release in releases.values():
        release.set()
    assert [f.result(30) for f in started] == [1] * 5
    _until(lambda: poster._posting_threads.alive() == 0, "the posting threads gone")


def test_a_posting_thread_whose_transaction_outlives_the_stop_posts_nothing_after_it(
    election: RevotingElection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two batches due (catching up): the first's transaction is held while the
    background thread is stopped and its join gives up (as the runtime's does after
    10 s); ``shutdown`` then waits for the posting thread, which finishes that batch
    and posts no other; no posting thread is left, and it was a daemon thread."""
    services = election.web.services
    poster = services.batches
    poster.post_delay_ms = 0
    clock, open_ms = _clock(election)
    clock.now = open_ms + 2 * INTERVAL_MS
    in_tx, release = threading.Event(), threading.Event()
    daemon: list[bool] = []
    post = poster._post

    def held(conn: Any, ctx: Any, board: Any, index: int, *args: Any, **kw: Any) -> int:
        if index == 0:
            daemon.append(threading.current_thread().daemon)
            in_tx.set()
            assert release.wait(30)
        return post(conn, ctx, board, index, *args, **kw)

    monkeypatch.setattr(poster, "_post", held)
    stop = threading.Event()
    background = threading.Thread(target=poster.run_forever, args=(stop,))
    background.start()
    shutdown = threading.Thread(target=poster.shutdown)
    try:
        assert in_tx.wait(30)
        stop.set()
        background.join(0.2)
        assert background.is_alive()  # the join gave up: the batch's transaction is held
        shutdown.start()
    finally:
        release.set()
    shutdown.join(30)
    background.join(30)
    assert not shutdown.is_alive() and not background.is_alive()
    assert _posting_threads() == [] and daemon == [True]
    assert [b["batch_index"] for b in services.store.batches(election.id)] == [0]


def test_stopping_the_background_thread_stops_posting_threads_waiting_for_their_time(
    web: WebElection, demo_ceremony: DemoCeremonies, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both elections' batches made and waiting for their post time (a minute away):
    stopping returns without waiting for it, nothing posted; the poster posts both
    after (as a restarted one would)."""
    first, other, _ = _two_elections(web, demo_ceremony)
    services = web.services
    poster = services.batches
    poster.post_delay_ms = 60_000
    made: list[str] = []
    _before_cover(monkeypatch, poster, made.append)
    with _background(poster):
        _until(lambda: sorted(made) == sorted([first.id, other.id]), "both batches made")
    assert services.store.batches(first.id) == services.store.batches(other.id) == []
    poster.post_delay_ms = 0
    assert poster.post_all_due() == 2


def test_a_cover_replacement_casts_as_many_ballots_as_a_voters_credential_that_cast(
    web: WebElection, demo_ceremony: DemoCeremonies, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once there are enough voters' credentials (one here, instead of 1,000), each cover
    replacement's first credential casts as many ballots as one of those that cast,
    drawn at random: never one that cast nothing, which would move none of the counts
    a replacement moves (docs/coercion.md §8.1).  The padding pads them as a voter's."""
    monkeypatch.setattr(batches, "REAL_CREDENTIALS_FOR_COUNTS", 1)
    ceremony = demo_ceremony(REVOTING_ELECTION)
    election = open_revoting_election(
        web, ceremony, SeededRandomness("replacement ballots"), cover_replacements=2
    )
    services = election.web.services
    clock, open_ms = _clock(election)
    voter = election.device(ROLL[0], "device 1")
    seed, _ = voter.register()
    for _ in range(5):
        assert voter.cast(*voter.ballot(seed)[::2]).status_code == 201
    assert election.device(ROLL[1], "device 2").register()[1].status_code == 201  # none cast
    clock.now = open_ms + INTERVAL_MS
    assert services.batches.post_due(election.id) == 1
    clock.now += 1
    services.elections.close(election.id)
    events = _events(election)
    padding = next(e for e in events if e["kind"] == "padding")["body"]["padding"]
    # 5 ballots pad to 6: one padding row for the voter and one for each replacement
    assert len(padding["rows"]) == 3
    assert _replay(election).padded


def test_one_process_at_a_time_posts_an_elections_batches(election: RevotingElection) -> None:
    """On PostgreSQL every process runs the posting thread: while one holds the
    election's claim, another passes (and makes no cover); on SQLite one process serves."""
    services = election.web.services
    store = services.store
    clock, open_ms = _clock(election)
    clock.now = open_ms + INTERVAL_MS
    with store.posting_claim(election.id) as first, store.posting_claim(election.id) as second:
        assert first and second == store.is_sqlite
        if not store.is_sqlite:
            assert services.batches.post_due(election.id) == 0
    assert services.batches.post_due(election.id) == 1


def test_a_batch_is_appended_a_fixed_delay_after_it_is_due(election: RevotingElection) -> None:
    """Its work is done first, then it waits until ``post_delay_ms`` after its due time,
    so that when it appears does not follow what it holds; it still carries its due
    time."""
    services = election.web.services
    start = time.monotonic()
    now = [0]

    def clock() -> int:  # the due time when asked first, then the time passing
        return now[0] + int((time.monotonic() - start) * 1000)

    _, open_ms = _clock(election)
    now[0] = open_ms + INTERVAL_MS
    services.elections.clock = clock
    services.batches.post_delay_ms = 400
    assert services.batches.post_due(election.id) == 1
    assert time.monotonic() - start >= 0.4
    [batch] = [e for e in _events(election) if e["kind"] == "batch"]
    assert batch["time_ms"] == open_ms + INTERVAL_MS


def _assert_two_batches_of_cover(
    election: RevotingElection, demo_ceremony: DemoCeremonies, *, registrations: bool = True
) -> None:
    """The board holds two batches of cover rows, their cover indices 0 … 2·ROWS − 1 in
    order, each once (and, unless told not to look, two batches of registrations)."""
    indices = _cover_indices(election, demo_ceremony)
    assert [sorted(b) for b in indices] == [list(range(ROWS)), list(range(ROWS, 2 * ROWS))]
    if registrations:
        assert _replay(election).registrations == 2 * REGISTRATIONS


def _cover_indices(election: RevotingElection, demo_ceremony: DemoCeremonies) -> list[list[int]]:
    """Each batch's cover rows' cover indices, in board order (the tag of a cover row
    decrypts to its ``Q_i``, a voter's row to no ``Q_i``)."""
    secret = election_secret(demo_ceremony(REVOTING_ELECTION))
    base, store = election.ctx.base_hash, election.web.services.store
    with store.connect() as conn:
        _, cover_rows = store.batch_state(conn, election.id)
    index_of = {cover_tag_point(base, i): i for i in range(cover_rows + ROWS)}
    batches: list[list[int]] = []
    for e in _events(election):
        if e["kind"] == "batch":
            batches.append([])
        elif e["kind"] == "cast-row":
            row = cast_row_from_json(e["body"]["row"])
            tag = decrypt_to_point(secret, row.ballot.tag)
            if tag in index_of:
                batches[-1].append(index_of[tag])
    return batches


def _vote(election: RevotingElection, national_id: str) -> None:
    voter = election.device(national_id, f"device of {national_id}")
    seed, answer = voter.register()
    assert answer.status_code == 201, answer.text
    ballot, _, private = voter.ballot(seed)
    assert voter.cast(ballot, private).status_code == 201


def test_the_workers_make_the_next_batchs_cover_ahead_and_it_is_used_once(
    election: RevotingElection, demo_ceremony: DemoCeremonies
) -> None:
    """With worker processes, the first batch's cover is made by them at once and each
    next batch's whole cover while the batch before waits: a batch takes the rows made
    ahead and those its predecessor left unused (a voter took their slot), so that
    nothing is made in the posting thread and every cover index goes on the board once,
    in order, none skipped."""
    services = election.web.services
    poster = services.batches
    poster.cover_workers = 2
    clock, open_ms = _clock(election)
    clock.now = open_ms + INTERVAL_MS
    assert poster.post_due(election.id) == 1
    # batch 0's own cover, made by the workers at once, and batch 1's, under way
    assert poster.made == {"rows": 0, "registrations": 0, "worker rows": 2 * ROWS,
                           "worker registrations": 2 * REGISTRATIONS, "failures": 0}  # fmt: skip
    _vote(election, ROLL[0])  # batch 1 holds a voter's row and registration
    for j in (1, 2):
        clock.now = open_ms + (j + 1) * INTERVAL_MS
        assert poster.post_due(election.id) == 1
        # batch j took what was made ahead, nothing more; batch j + 1's whole size is
        # under way (whatever the queue holds)
        assert poster.made == {"rows": 0, "registrations": 0, "worker rows": (j + 2) * ROWS,
                               "worker registrations": (j + 2) * REGISTRATIONS,
                               "failures": 0}  # fmt: skip
    # the close (the process's poster's) takes batch 3's cover made ahead for its block
    # and drops the rest
    clock.now = open_ms + 3 * INTERVAL_MS + 1
    services.elections.close(election.id)
    assert poster.made["rows"] == 0 and poster.made["registrations"] == 0
    assert poster.made["worker rows"] == 4 * ROWS
    assert election.id not in poster._stocks
    indices = _cover_indices(election, demo_ceremony)
    assert [len(b) for b in indices] == [ROWS, ROWS - 1, ROWS, ROWS]
    assert sorted(i for b in indices for i in b) == list(range(4 * ROWS - 1))
    # each batch's indices follow the last batch's (its own order is random)
    assert [min(b) for b in indices] == [0, ROWS, 2 * ROWS - 1, 3 * ROWS - 1]
    rules = _replay(election)
    assert (rules.phase.value, rules.batches, rules.rows) == ("closed", 4, 4 * ROWS)
    assert rules.registrations == 4 * REGISTRATIONS


def _worker_made(poster: batches.BatchPoster) -> tuple[int, int]:
    """The cover rows and registrations the poster has made so far, itself or by its
    workers."""
    made = poster.made
    return (
        made["rows"] + made["worker rows"],
        made["registrations"] + made["worker registrations"],
    )


def _ahead_done(poster: batches.BatchPoster, election_id: str) -> list[batches._Pending]:
    """The work the poster gave its workers ahead, once every piece has ended."""
    pending = list(poster._stocks[election_id].pending)
    futures.wait([p.future for p in pending], timeout=120)
    assert all(p.future.done() for p in pending)
    return pending


def test_a_cover_workers_crash_leaves_the_poster_posting(
    election: RevotingElection, demo_ceremony: DemoCeremonies
) -> None:
    """A worker process dies while the workers make the next batch's cover (or just
    after): the poster counts and logs it once for the pool, makes the batch's whole
    cover in its thread (not only what was lost, which would follow the queue), starts
    new workers on the next batch's, and posts the batch whole, its cover indices
    following the last batch's."""
    services = election.web.services
    poster = services.batches
    poster.cover_workers = 2
    poster.worker_start_s = 120  # fresh pools: no load makes them count as late
    clock, open_ms = _clock(election)
    clock.now = open_ms + INTERVAL_MS
    assert poster.post_due(election.id) == 1
    pool = poster._pool  # the workers making batch 1's cover ahead
    assert pool is not None
    rows_before, _ = _worker_made(poster)
    killed = pool.submit(os._exit, 1)  # a worker dies
    with pytest.raises(BrokenProcessPool):
        killed.result(timeout=120)
    pending = _ahead_done(poster, election.id)
    broken = any(p.future.exception() for p in pending)
    before = dict(poster.made)
    clock.now = open_ms + 2 * INTERVAL_MS
    assert poster.post_due(election.id) == 1
    assert poster.made["failures"] == 1  # once for the pool, however many futures failed
    assert poster._pool is not pool
    rows_after, _ = _worker_made(poster)
    if broken:  # the batch's whole cover made in the thread (not only what was lost),
        # and batch 2's ahead by new workers
        assert poster.made["rows"] == before["rows"] + ROWS
        assert poster.made["registrations"] == before["registrations"] + REGISTRATIONS
        assert rows_after - rows_before == 2 * ROWS
    else:  # the crash came after the work ahead: the poster sees it only when it gives
        # the workers batch 2's (that batch will make its own)
        assert rows_after == rows_before
    _assert_two_batches_of_cover(election, demo_ceremony)


def test_a_pool_broken_while_idle_is_replaced(
    election: RevotingElection, demo_ceremony: DemoCeremonies
) -> None:
    """A worker dies while the pool idles (the work ahead done): the next batch with
    nothing made ahead (a restarted process, or one taking over) finds the pool broken
    when it gives it the batch's cover, makes that cover itself, and starts new workers
    for what follows."""
    services = election.web.services
    poster = services.batches
    poster.cover_workers = 2
    poster.worker_start_s = 120  # fresh pools: no load makes them count as late
    clock, open_ms = _clock(election)
    clock.now = open_ms + INTERVAL_MS
    assert poster.post_due(election.id) == 1
    _ahead_done(poster, election.id)
    pool = poster._pool
    assert pool is not None
    with pytest.raises(BrokenProcessPool):
        pool.submit(os._exit, 1).result(timeout=120)
    poster._stocks.clear()  # nothing made ahead for batch 1
    before = dict(poster.made)
    clock.now = open_ms + 2 * INTERVAL_MS
    assert poster.post_due(election.id) == 1
    assert poster.made["failures"] == before["failures"] + 1
    assert poster._pool is not None and poster._pool is not pool
    # made here: the pool was broken, and after a failure no new pool until the next
    # batch's cover is given ahead (to the new workers)
    assert poster.made["rows"] == before["rows"] + ROWS
    assert poster.made["registrations"] == before["registrations"] + REGISTRATIONS
    assert poster.made["worker rows"] == before["worker rows"] + ROWS
    assert poster.made["worker registrations"] == before["worker registrations"] + REGISTRATIONS
    _assert_two_batches_of_cover(election, demo_ceremony, registrations=False)


def test_late_workers_count_as_failed_and_the_poster_makes_the_cover(
    election: RevotingElection, demo_ceremony: DemoCeremonies
) -> None:
    """The workers' results are waited for only so long (here no time at all): late,
    they count as a failure of their pool and the poster makes the batch's whole cover
    itself, with no new pool until the next batch's cover is given ahead, for a batch's
    own cover and for the cover made ahead alike."""
    services = election.web.services
    poster = services.batches
    poster.cover_workers = 2
    poster.worker_start_s, poster.worker_s_an_item = 0.0, 0.0
    clock, open_ms = _clock(election)
    clock.now = open_ms + INTERVAL_MS
    assert poster.post_due(election.id) == 1
    # the rows late (one failure), then the rest in the thread: no new pool
    assert poster.made["failures"] == 1
    assert (poster.made["rows"], poster.made["registrations"]) == (ROWS, REGISTRATIONS)
    # batch 1's cover made ahead is forced late: its workers never finish
    stock = poster._stocks[election.id]
    for p in stock.pending:
        p.future.cancel()
    stock.pending = [replace(p, future=futures.Future()) for p in stock.pending]
    assert stock.pending
    clock.now = open_ms + 2 * INTERVAL_MS
    assert poster.post_due(election.id) == 1
    assert poster.made["failures"] == 2
    assert (poster.made["rows"], poster.made["registrations"]) == (2 * ROWS, 2 * REGISTRATIONS)
    _assert_two_batches_of_cover(election, demo_ceremony)


def test_the_process_with_the_cover_made_ahead_posts_each_batch(
    election: RevotingElection, demo_ceremony: DemoCeremonies
) -> None:
    """Two processes' posters polling one election in turn: the one that made the
    next batch's cover ahead posts it, the other waits for the takeover grace and
    makes nothing, so that what is made is what is posted (and one batch ahead); once
    the holder is gone the other takes over after the grace and holds the cover
    from then on.  Every cover index goes on the board once, in order."""
    services = election.web.services
    a = services.batches
    b = batches.BatchPoster(services.elections, cover_workers=2)
    for poster in (a, b):
        poster.cover_workers = 2
        poster.worker_start_s = 120  # fresh pools: no load makes them count as late
        poster.post_delay_ms, poster.takeover_ms = 300, 150
    clock, open_ms = _clock(election)

    def due(j: int) -> int:
        return open_ms + (j + 1) * INTERVAL_MS

    try:
        clock.now = due(0) + 1  # neither made batch 0's cover: both wait the grace
        assert (b.post_due(election.id), a.post_due(election.id)) == (0, 0)
        clock.now = due(0) + 150
        assert a.post_due(election.id) == 1
        for j in (1, 2, 3):
            clock.now = due(j) + 1  # b polls first
            assert b.post_due(election.id) == 0
            assert a.post_due(election.id) == 1
        assert _worker_made(b) == (0, 0)
        # batches 0 to 3 and batch 4's ahead, nothing twice
        assert _worker_made(a) == (5 * ROWS, 5 * REGISTRATIONS)
        a.shutdown()  # a's process is gone (its cover made ahead with it)
        clock.now = due(4) + 149
        assert b.post_due(election.id) == 0
        clock.now = due(4) + 150
        assert b.post_due(election.id) == 1
        clock.now = due(5) + 1  # b made batch 5's cover ahead; a (back, empty) waits
        assert a.post_due(election.id) == 0
        assert b.post_due(election.id) == 1
        assert _worker_made(b) == (3 * ROWS, 3 * REGISTRATIONS)
    finally:
        b.shutdown()
    indices = _cover_indices(election, demo_ceremony)
    assert [sorted(x) for x in indices] == [list(range(j * ROWS, (j + 1) * ROWS)) for j in range(6)]


def test_a_stock_is_dropped_once_the_election_is_closed_elsewhere(
    election: RevotingElection,
) -> None:
    """Another process closes the election while this one holds the next batch's cover
    made ahead: the next poll drops it and cancels its work, and nothing made ahead or
    given back later keeps a stock for the election again."""
    services = election.web.services
    poster = services.batches
    poster.cover_workers = 2
    clock, open_ms = _clock(election)
    clock.now = open_ms + INTERVAL_MS
    assert poster.post_due(election.id) == 1
    pending = poster._stocks[election.id].pending
    assert pending
    clock.now = open_ms + INTERVAL_MS + 1
    batches.BatchPoster(services.elections).close(election.id)  # another process's
    assert poster.post_due(election.id) == 0
    assert election.id not in poster._stocks
    assert all(p.future.done() for p in pending if not p.future.running())
    made = dict(poster.made)
    rng = SeededRandomness("given back")
    cover = batches._Cover(0, [], [], unused_from=2 * ROWS)
    cover.unused_rows = batches.make_cover_rows(election.ctx, 2 * ROWS, 1, rng)
    cover.unused_registrations = batches.make_cover_registrations(election.ctx, 1, rng)
    poster._make_ahead(election.ctx, election.id, 2, 2 * ROWS, ROWS, REGISTRATIONS)
    poster._give_back(election.id, cover)  # a batch committed just before the close
    assert election.id not in poster._stocks
    assert poster.made == made


def test_a_seeded_poster_makes_its_cover_itself(election: RevotingElection) -> None:
    """Worker processes draw the system's randomness: a poster given a seeded ``rng``
    (tests, known-answer runs) starts none and makes every batch's cover in its thread."""
    services = election.web.services
    poster = batches.BatchPoster(
        services.elections, SeededRandomness("a seeded poster"), cover_workers=2
    )
    clock, open_ms = _clock(election)
    clock.now = open_ms + INTERVAL_MS
    assert poster.post_due(election.id) == 1
    assert poster._pool is None
    assert poster.made["rows"] == ROWS and poster.made["worker rows"] == 0


class _HungPool:
    """A pool whose workers never finish: what it was given, by piece."""

    def __init__(self) -> None:
        self.submitted: list[int] = []
        self._processes: dict[int, Any] = {}
        self.shut = False

    def submit(self, fn: Any, *args: Any) -> futures.Future[Any]:
        self.submitted.append(args[-1])
        return futures.Future()

    def shutdown(self, **_: Any) -> None:
        self.shut = True


@pytest.mark.parametrize("given_back", [(0, 0), (130, 0), (130, 100), (ROWS, REGISTRATIONS)])
def test_hung_workers_cost_the_same_whatever_the_last_batch_held(
    monkeypatch: pytest.MonkeyPatch, given_back: tuple[int, int]
) -> None:
    """Workers that never finish the next batch's cover: the poster waits on every
    piece pending, for a time fixed by the batch's sizes, and then makes the batch's
    whole cover in its thread, whether the batch before held no real item (gave back
    nothing) or many (gave back rows and registrations it did not use): the wait and
    the work do not tell how full the queue was."""
    waits: list[tuple[int, float]] = []

    def hung_wait(fs: Any, timeout: float) -> tuple[set[Any], set[Any]]:
        waits.append((len(fs), timeout))
        return set(), set(fs)

    made: list[tuple[str, int, int]] = []

    def rows(ctx: Any, start: int, count: int, rng: Any) -> list[Any]:
        made.append(("rows", start, count))
        return [("row", i) for i in range(start, start + count)]

    def registrations(ctx: Any, count: int, rng: Any) -> list[Any]:
        made.append(("registrations", 0, count))
        return [("registration", i) for i in range(count)]

    monkeypatch.setattr(batches, "wait", hung_wait)
    monkeypatch.setattr(batches, "make_cover_rows", rows)
    monkeypatch.setattr(batches, "make_cover_registrations", registrations)
    poster = batches.BatchPoster(
        SimpleNamespace(store=None, rng=SYSTEM_RANDOMNESS),  # type: ignore[arg-type]
        cover_workers=2,
    )
    pool = _HungPool()
    poster._pool = pool  # type: ignore[assignment]
    after = 1000  # one past the cover indices batch 0 reserved
    poster._make_ahead(None, "e", 1, after, ROWS, REGISTRATIONS)  # type: ignore[arg-type]
    assert sum(pool.submitted) == ROWS + REGISTRATIONS  # the schedule's, not the queue's
    # batch 0 held k real rows and m real registrations: it gives back what it left
    k, m = given_back
    cover = batches._Cover(after - k, [], [], unused_from=after - k)
    cover.unused_rows = rows(None, after - k, k, None)
    cover.unused_registrations = registrations(None, m, None)
    made.clear()
    poster._give_back("e", cover)
    out_rows, out_regs = poster._take_cover(
        None,
        "e",
        after - k,
        ROWS,
        REGISTRATIONS,  # type: ignore[arg-type]
    )
    pieces = len(batches._chunks(after, ROWS, 2)) + len(batches._chunks(0, REGISTRATIONS, 2))
    assert waits == [(pieces, poster._timeout_s(ROWS + REGISTRATIONS))]
    assert made == [("rows", after - k, ROWS), ("registrations", 0, REGISTRATIONS)]
    assert out_rows == [("row", i) for i in range(after - k, after - k + ROWS)]
    assert len(out_regs) == REGISTRATIONS
    assert poster.made["failures"] == 1 and pool.shut and poster._pool is None


def test_the_posting_thread_starts_the_workers_and_a_failed_batch_is_held(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The posting thread starts the pool as it starts (a batch it takes over does not
    wait for it), through a fork server that imports the package once; a stock made
    ahead for a later batch (its predecessor's transaction failed after) still counts as
    this process's, so that it posts that batch first."""
    started: list[Any] = []

    class Pool(_HungPool):
        def __init__(self, workers: int, mp_context: Any) -> None:
            super().__init__()
            started.append((workers, mp_context.get_start_method()))

    monkeypatch.setattr(batches, "ProcessPoolExecutor", Pool)
    poster = batches.BatchPoster(
        SimpleNamespace(store=None, rng=SYSTEM_RANDOMNESS),  # type: ignore[arg-type]
        cover_workers=2,
    )
    stop = threading.Event()
    stop.set()
    poster.run_forever(stop)
    assert started == [(2, batches._start_method())]
    poster._make_ahead(None, "e", 4, 0, 1, 1)  # type: ignore[arg-type]
    assert len(started) == 1  # the same pool
    assert [poster._holds_stock("e", j) for j in (3, 4)] == [True, True]
    assert poster._holds_stock("e", 5) is False and "e" not in poster._stocks
