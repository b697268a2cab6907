"""Batches of an election with re-voting protection (docs/coercion.md §4;
service/board/batches.py), on SQLite and PostgreSQL: nothing goes on the board before
its batch is due; each batch holds the schedule's numbers of cast rows and registrations,
the waiting ones first in first out and cover for the rest; the receipt says "included"
once its row is on the board; the close posts the batches due, the close's block for what
still waits, the audits, then ``close``; and the board the rules replay holds it all."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from honestballot.crypto.elgamal import decrypt_to_point
from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.board import BoardRules
from honestballot.protocol.cover import CoverReplacement
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


def test_the_background_thread_posts_due_batches_and_backs_off_after_a_failure(
    election: RevotingElection, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    services = election.web.services
    clock, open_ms = _clock(election)
    clock.now = open_ms + INTERVAL_MS
    stop = threading.Event()
    thread = threading.Thread(target=services.batches.run_forever, args=(stop,))
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not services.store.batches(election.id) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(10)
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
