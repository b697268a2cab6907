"""Voters' requests in an election with re-voting protection run together on PostgreSQL
(store/engine.py, ``transaction(…, shared=True)``; service/voters/revoting.py): two
voters' requests are inside their transactions at once; one voter's registrations take
turns on the voter's row and the second gets the answer it gets after the first; casts,
retries and audits under a credential do not wait for a registration of its voter, nor
does a resend of the voter's earlier registration or one rebuilt on its commitment, and
two casts under one credential take turns on its row; a race of two
voters over one ciphertext ends as if they had come one after the other; the batch poster
and the close wait for a request in flight and then put it on the board, once.

Each test holds a request inside its transaction (a hook in a store method the request
calls there) and looks at what the others do meanwhile: whether they reach the same point
(a barrier that times out otherwise), or wait for a lock (``pg_stat_activity``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.credential_seed import generate_seed
from honestballot.service.voters import revoting
from honestballot.store.schema import board_queue, revoting_credentials
from tests.databases import fresh_database
from tests.factories import (
    REVOTING_ELECTION,
    REVOTING_SCHEDULE,
    DemoCeremonies,
    DemoCeremony,
    RevotingElection,
    open_revoting_election,
    open_web_app,
)

ROLL = ["900101300001", "900101300002", "900101300003"]
#: how long a test waits for something that should happen at once
PATIENCE_S = 30.0


@pytest.fixture
def election(
    web_ceremony: DemoCeremony, demo_ceremony: DemoCeremonies, tmp_path: Path
) -> Iterator[RevotingElection]:
    """An open election with re-voting protection on PostgreSQL (SQLite runs one write
    transaction at a time: there is nothing to race)."""
    with (
        fresh_database("postgresql", tmp_path / "db") as url,
        open_web_app(web_ceremony, tmp_path, url) as web,
    ):
        ceremony = demo_ceremony(REVOTING_ELECTION)
        yield open_revoting_election(web, ceremony, SeededRandomness("revoting concurrency"))


class Run:
    """A call in a thread of its own; :meth:`result` its value (or raises its error)."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self.value: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self.thread.start()

    def _run(self, call: Callable[[], Any]) -> None:
        try:
            self.value = call()
        except BaseException as exc:  # handed to the test's thread
            self.error = exc

    def result(self) -> Any:
        self.thread.join(PATIENCE_S)
        assert not self.thread.is_alive(), "the call did not finish"
        if self.error is not None:
            raise self.error
        return self.value


def _hook(
    monkeypatch: pytest.MonkeyPatch,
    election: RevotingElection,
    name: str,
    before: Callable[[int], None] = lambda _n: None,
    after: Callable[[int], None] = lambda _n: None,
) -> list[int]:
    """Wrap the store's method ``name``: ``before(n)`` and ``after(n)`` run around its
    ``n``-th call (from 0); the calls' numbers are returned as they happen."""
    store = election.web.services.store
    original = getattr(store, name)
    calls: list[int] = []
    count = threading.Lock()

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with count:
            n = len(calls)
            calls.append(n)
        before(n)
        out = original(*args, **kwargs)
        after(n)
        return out

    monkeypatch.setattr(store, name, wrapped)
    return calls


def _hold_first(
    monkeypatch: pytest.MonkeyPatch,
    election: RevotingElection,
    send: Callable[[], Any],
    *,
    after: bool,
) -> tuple[Run, threading.Event]:
    """``send`` run in a thread whose first ``queue_for_board`` is held (before the
    insert, or ``after`` it) inside its transaction until the returned event is set;
    returned once the hold has begun."""
    inside, release = threading.Event(), threading.Event()

    def hold(n: int) -> None:
        if n == 0:
            inside.set()
            assert release.wait(PATIENCE_S)

    if after:
        _hook(monkeypatch, election, "queue_for_board", after=hold)
    else:
        _hook(monkeypatch, election, "queue_for_board", before=hold)
    held = Run(send)
    assert inside.wait(PATIENCE_S)
    return held, release


def _waiting(election: RevotingElection, wait_event: str, query: str) -> None:
    """Until a session of the election's database waits for a heavyweight lock
    (``wait_event`` ``tuple``, ``transactionid`` or ``advisory``) running a statement
    that holds ``query``."""
    engine = election.web.services.store.engine
    watcher = create_engine(engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        deadline = time.monotonic() + PATIENCE_S
        with watcher.connect() as conn:
            while time.monotonic() < deadline:
                rows = conn.execute(
                    text(
                        "SELECT query FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND wait_event = :event"
                    ),
                    {"event": wait_event},
                ).all()
                if any(query in q for (q,) in rows):
                    return
                time.sleep(0.05)
    finally:
        watcher.dispose()
    raise AssertionError(f"no session waited for a {wait_event} lock in {query!r}")


def _queue(election: RevotingElection) -> list[tuple[str, bytes, int | None]]:
    with election.web.services.store.connect() as conn:
        q = select(board_queue.c.kind, board_queue.c.tracking_hash, board_queue.c.posted_seq)
        return [
            (str(k), bytes(t), s) for k, t, s in conn.execute(q.order_by(board_queue.c.item_id))
        ]


def test_two_voters_registrations_are_inside_their_transactions_at_once(
    election: RevotingElection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each registration waits inside its transaction (after the election's shared lock,
    its voter's row lock, and every check) until the other is there too: under an
    exclusive lock the barrier would break."""
    first = election.device(ROLL[0], "device 1")
    second = election.device(ROLL[1], "device 2")
    base = election.ctx.base_hash
    regs = [d.registration(generate_seed(d.rng, base)) for d in (first, second)]
    barrier = threading.Barrier(2, timeout=PATIENCE_S)
    _hook(monkeypatch, election, "queue_for_board", before=lambda _n: barrier.wait())
    runs = [
        Run(lambda d=d, r=r: d.send_registration(*r))
        for d, r in zip((first, second), regs, strict=True)
    ]
    answers = [run.result() for run in runs]
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    assert sorted(kind for kind, _, _ in _queue(election)) == ["registration", "registration"]


def test_one_voters_registrations_take_turns_and_the_second_gets_its_answer(
    election: RevotingElection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two registrations of one voter, each started on the voter's revocation point of
    then: the second waits for the voter's row while the first is in its transaction,
    then is refused as it is after the first (its ``Enc(R)`` is no longer current), and
    the voter's revocation point is the first's credential."""
    voter = election.device(ROLL[0], "device 1")
    base = election.ctx.base_hash
    seeds = [generate_seed(voter.rng, base) for _ in range(2)]
    regs = [voter.registration(seed) for seed in seeds]
    first, release = _hold_first(
        monkeypatch, election, lambda: voter.send_registration(*regs[0]), after=False
    )
    second = Run(lambda: voter.send_registration(*regs[1]))
    _waiting(election, "transactionid", "FROM voters")  # the row the first holds
    release.set()
    assert first.result().status_code == 201
    refused = second.result()
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["message"]) == ("invalid_input", str(revoting.NONCE))
    store = election.web.services.store
    voter_id = store.voter_by_national_id(election.id, ROLL[0])["voter_id"]
    with store.connect() as conn:
        point = store.revoting_voter(conn, election.id, int(voter_id))
    assert point is not None and point[2] == seeds[0].tag_point(base).data
    assert [kind for kind, _, _ in _queue(election)] == ["registration"]


def test_a_ballot_and_its_copy_at_once_end_as_one_accepted_one_refused(
    election: RevotingElection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two voters' ballots made with the same draws (the same alphas: a copy of one's
    ciphertexts under another credential), sent at once: both read that no ballot has
    their alphas (the barrier holds each until both have), both insert them, and the
    unique key makes the later one run its transaction again, which then refuses it as
    reusing a ciphertext, as it is refused when sent after the first."""
    devices = [election.device(ROLL[0], "device 1"), election.device(ROLL[1], "device 2")]
    seeds = []
    for device in devices:
        seed, answer = device.register()
        assert answer.status_code == 201, answer.text
        seeds.append(seed)
    ballots = []
    for device, seed in zip(devices, seeds, strict=True):
        device.rng = SeededRandomness("the same draws")
        ballot, _, private = device.ballot(seed)
        ballots.append((ballot, private))
    barrier = threading.Barrier(2, timeout=PATIENCE_S)
    calls = _hook(
        monkeypatch, election, "revoting_alphas", after=lambda n: n < 2 and barrier.wait()
    )
    runs = [Run(lambda d=d, b=b: d.cast(*b)) for d, b in zip(devices, ballots, strict=True)]
    answers = sorted((run.result() for run in runs), key=lambda a: a.status_code)
    assert [a.status_code for a in answers] == [201, 409], [a.text for a in answers]
    error = answers[1].json()["error"]
    assert (error["code"], error["message"]) == ("ballot_rejected", str(revoting.REUSED))
    assert len(calls) == 3  # the refused one read the alphas again
    accepted = bytes.fromhex(answers[0].json()["tracking_hash"])
    assert [(k, t) for k, t, _ in _queue(election)][-1:] == [("cast-row", accepted)]
    assert sum(kind == "cast-row" for kind, _, _ in _queue(election)) == 1
    with election.web.services.store.connect() as conn:
        counts = conn.execute(select(revoting_credentials.c.ballots)).scalars().all()
    assert sorted(counts) == [0, 1]


def _two_casts_one_held(
    election: RevotingElection, monkeypatch: pytest.MonkeyPatch
) -> tuple[Run, threading.Event, list[bytes]]:
    """Two voters registered; the first voter's ballot held in its transaction after it
    is queued (so its queue item's id is the smaller), the second's then cast and
    committed.  (the held cast, its release, both ballots' tracking hashes)"""
    devices = [election.device(ROLL[0], "device 1"), election.device(ROLL[1], "device 2")]
    ballots = []
    for device in devices:
        seed, answer = device.register()
        assert answer.status_code == 201, answer.text
        ballot, _, private = device.ballot(seed)
        ballots.append((ballot, private))
    held, release = _hold_first(
        monkeypatch, election, lambda: devices[0].cast(*ballots[0]), after=True
    )
    later = devices[1].cast(*ballots[1])
    assert later.status_code == 201, later.text
    tracking = [ballots[0][0].tracking_hash(election.ctx.public_key)]
    tracking.append(bytes.fromhex(later.json()["tracking_hash"]))
    return held, release, tracking


def test_the_batch_poster_waits_for_a_request_in_flight_then_posts_it_once(
    election: RevotingElection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ballot queued but not committed (an id below one committed after it): the
    poster waits for the election's lock until it commits, then posts both, each once;
    the next run of the poster posts nothing."""
    services = election.web.services
    open_ms = services.batches.open_ms(election.id)
    assert open_ms is not None
    now = open_ms + REVOTING_SCHEDULE.interval * 1000
    services.elections.clock = lambda: now
    held, release, tracking = _two_casts_one_held(election, monkeypatch)
    poster = Run(lambda: services.batches.post_due(election.id))
    _waiting(election, "advisory", "pg_advisory_xact_lock")
    release.set()
    assert held.result().status_code == 201
    assert poster.result() == 1
    queue = {t: seq for kind, t, seq in _queue(election) if kind == "cast-row"}
    assert set(queue) == set(tracking) and None not in queue.values()
    store = services.store
    with store.connect() as conn:
        for t in tracking:
            event = store.event_by_tracking(conn, election.id, t)
            assert event is not None and event.seq == queue[t]
    assert services.batches.post_due(election.id) == 0


def test_the_close_waits_for_a_request_in_flight_and_puts_it_on_the_board(
    election: RevotingElection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The close cannot come between a ballot's checks and its commit: it waits for the
    election's lock, and its block then posts the ballot."""
    services = election.web.services
    held, release, tracking = _two_casts_one_held(election, monkeypatch)
    close = Run(lambda: services.elections.close(election.id))
    _waiting(election, "advisory", "pg_advisory_xact_lock")
    assert services.elections.phase(election.id) == "open"
    release.set()
    assert held.result().status_code == 201
    close.result()
    assert services.elections.phase(election.id) == "closed"
    queue = {t: seq for kind, t, seq in _queue(election) if kind == "cast-row"}
    assert set(queue) == set(tracking) and None not in queue.values()


def _same_draw_ballots(
    election: RevotingElection, n: int
) -> list[tuple[Any, tuple[Any, Any, Any]]]:
    """``n`` voters, each registered, each with a ballot made with the same draws (the
    same alphas under ``n`` credentials): (device, (ballot, opening, private)) each."""
    made = []
    for i in range(n):
        device = election.device(ROLL[i], f"device {i + 1}")
        seed, answer = device.register()
        assert answer.status_code == 201, answer.text
        device.rng = SeededRandomness("the same draws")
        made.append((device, device.ballot(seed)))
    return made


def test_three_voters_casting_one_ballots_alphas_at_once_end_as_one_accepted_two_refused(
    election: RevotingElection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three copies of one ballot's ciphertexts under three credentials, sent at once: all
    three read that the alphas are new (the barrier holds each until all have), the two
    later inserts wait for the first's and fail when it commits, and each of those two
    runs once more and is refused as reusing a ciphertext, as when sent after it."""
    made = _same_draw_ballots(election, 3)
    barrier = threading.Barrier(3, timeout=PATIENCE_S)
    calls = _hook(
        monkeypatch, election, "revoting_alphas", after=lambda n: n < 3 and barrier.wait()
    )
    runs = [Run(lambda d=d, b=b: d.cast(b[0], b[2])) for d, b in made]
    answers = sorted((run.result() for run in runs), key=lambda a: a.status_code)
    assert [a.status_code for a in answers] == [201, 409, 409], [a.text for a in answers]
    for refused in answers[1:]:
        error = refused.json()["error"]
        assert (error["code"], error["message"]) == ("ballot_rejected", str(revoting.REUSED))
    assert len(calls) == 5  # each refused one read the alphas again, once
    accepted = bytes.fromhex(answers[0].json()["tracking_hash"])
    assert [t for k, t, _ in _queue(election) if k == "cast-row"] == [accepted]
    with election.web.services.store.connect() as conn:
        counts = conn.execute(select(revoting_credentials.c.ballots)).scalars().all()
    assert sorted(counts) == [0, 0, 1]


def test_a_cast_and_an_audit_of_one_ballots_alphas_at_once_end_as_one_after_the_other(
    election: RevotingElection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One voter casts and another audits a ballot with the same alphas, at once: whichever
    commits first is accepted, and the other gets the answer it gets when sent after it
    (an audit of a cast ciphertext: "cast"; a cast of an audited one: "audited")."""
    (caster, cast_ballot), (auditor, audit_ballot) = _same_draw_ballots(election, 2)
    barrier = threading.Barrier(2, timeout=PATIENCE_S)
    _hook(monkeypatch, election, "revoting_alphas", after=lambda n: n < 2 and barrier.wait())
    cast_run = Run(lambda: caster.cast(cast_ballot[0], cast_ballot[2]))
    audit_run = Run(lambda: auditor.audit(*audit_ballot))
    cast, audit = cast_run.result(), audit_run.result()
    if cast.status_code == 201:
        assert audit.status_code == 409, audit.text
        refused, message, kinds = audit, revoting.CAST, ["cast-row"]
    else:
        assert (cast.status_code, audit.status_code) == (409, 200), (cast.text, audit.text)
        refused, message, kinds = cast, revoting.AUDITED, ["audit"]
    error = refused.json()["error"]
    assert (error["code"], error["message"]) == ("ballot_rejected", str(message))
    assert [k for k, _, _ in _queue(election) if k != "registration"] == kinds


def test_two_voters_registrations_with_one_registrations_alphas_end_as_one_accepted(
    election: RevotingElection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two voters' registrations of two credentials made with the same draws (the same
    alphas), sent at once: one is accepted, the other refused as reusing a ciphertext
    (as when sent after it), and that voter has no credential."""
    devices = [election.device(ROLL[i], f"device {i + 1}") for i in range(2)]
    base = election.ctx.base_hash
    regs = []
    for device in devices:
        seed = generate_seed(device.rng, base)
        made = device.commitment(device.start())
        device.rng = SeededRandomness("the same registration draws")
        regs.append(device.registration(seed, commitment=made))
    barrier = threading.Barrier(2, timeout=PATIENCE_S)
    # held inside the transaction, past the alphas' check made there (that made before the
    # voter's lock is of committed rows only); use_nonce is called under the lock only
    _hook(monkeypatch, election, "use_nonce", after=lambda n: n < 2 and barrier.wait())
    runs = [
        Run(lambda d=d, r=r: d.send_registration(*r)) for d, r in zip(devices, regs, strict=True)
    ]
    answers = [run.result() for run in runs]
    assert sorted(a.status_code for a in answers) == [201, 400], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 400)
    error = refused.json()["error"]
    assert (error["code"], error["message"]) == (
        "invalid_input",
        str(revoting.REGISTRATION_REUSED),
    )
    assert [k for k, _, _ in _queue(election)] == ["registration"]
    with election.web.services.store.connect() as conn:
        owners = conn.execute(select(revoting_credentials.c.voter_id)).scalars().all()
    assert len(owners) == 1


def test_casts_retries_and_audits_under_an_old_credential_do_not_wait_for_a_registration(
    election: RevotingElection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A voter's registration held inside its transaction (its nonce used, its credential
    inserted, the voter's revocation point set, its alphas and queue item written: all it
    writes, under the voter's row lock): a new ballot, a retry of a ballot cast before and
    an audit, each under the voter's old credential, are answered meanwhile, as when no
    registration is in flight; they lock the credential's row, which the registration does
    not write (docs/coercion.md §2.6, "Timing: what a cast or audit waits for").  Under
    the voter's row lock each would wait and the call would not finish."""
    voter = election.device(ROLL[0], "device 1")
    old, answer = voter.register()
    assert answer.status_code == 201, answer.text
    cast_before = voter.ballot(old)
    first = voter.cast(cast_before[0], cast_before[2])
    assert first.status_code == 201, first.text
    new_ballot, audited = voter.ballot(old), voter.ballot(old)
    replacement = voter.registration(generate_seed(voter.rng, election.ctx.base_hash))
    held, release = _hold_first(
        monkeypatch, election, lambda: voter.send_registration(*replacement), after=True
    )
    try:
        cast = Run(lambda: voter.cast(new_ballot[0], new_ballot[2])).result()
        retry = Run(lambda: voter.cast(cast_before[0], cast_before[2])).result()
        audit = Run(lambda: voter.audit(*audited)).result()
        assert held.thread.is_alive() and not release.is_set()  # still in its transaction
    finally:
        release.set()
    assert cast.status_code == 201, cast.text
    assert (retry.status_code, retry.json()) == (200, first.json())
    assert audit.status_code == 200, audit.text
    assert held.result().status_code == 201
    kinds = [kind for kind, _, _ in _queue(election)]
    # held after its insert, the second registration's queue row comes before those of
    # the requests answered while it was held (after the first registration and cast)
    assert kinds == ["registration", "cast-row", "registration", "cast-row", "audit"]
    with election.web.services.store.connect() as conn:
        counts = conn.execute(
            select(revoting_credentials.c.ballots, revoting_credentials.c.audits)
        ).all()
    assert sorted(tuple(c) for c in counts) == [(0, 0), (2, 1)]


def test_a_resent_or_rebuilt_registration_is_answered_while_a_new_one_of_its_voter_is_held(
    election: RevotingElection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A voter's second registration held inside its transaction, after all its writes
    (under the voter's row lock): from another signed-in session of the voter, an exact
    resend of the voter's first registration is answered meanwhile as a retry, with the
    first's receipt, and a registration of the same credential rebuilt on the first's
    commitment (as whoever watched it made could send at any time) is refused meanwhile
    as registered already; neither takes the voter's lock (docs/coercion.md §2.6).
    Under the voter's row lock each would wait and the call would not finish."""
    voter = election.device(ROLL[0], "device 1")
    other = election.device(ROLL[0], "device 2")
    seed = generate_seed(voter.rng, election.ctx.base_hash)
    made = voter.commitment(voter.start())
    first = voter.registration(seed, commitment=made)
    answer = voter.send_registration(*first)
    assert answer.status_code == 201, answer.text
    rebuilt = other.registration(seed, commitment=made)
    replacement = voter.registration(generate_seed(voter.rng, election.ctx.base_hash))
    held, release = _hold_first(
        monkeypatch, election, lambda: voter.send_registration(*replacement), after=True
    )
    try:
        resent = Run(lambda: other.send_registration(*first)).result()
        refused = Run(lambda: other.send_registration(*rebuilt)).result()
        assert held.thread.is_alive() and not release.is_set()  # still in its transaction
    finally:
        release.set()
    assert (resent.status_code, resent.json()) == (200, answer.json())
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["message"] == str(revoting.TAKEN)
    assert held.result().status_code == 201
    assert [kind for kind, _, _ in _queue(election)] == ["registration", "registration"]


def test_two_casts_under_one_credential_take_turns_with_consecutive_counters(
    election: RevotingElection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two ballots under one credential: the second waits for the credential's row while
    the first is in its transaction, then reads the first's count, so the two counters
    are the credential's first two, distinct and consecutive."""
    voter = election.device(ROLL[0], "device 1")
    seed, answer = voter.register()
    assert answer.status_code == 201, answer.text
    ballots = [voter.ballot(seed) for _ in range(2)]
    counters: list[int] = []
    original = revoting.next_counter

    def recorded(start: int, cast: int) -> int:
        counters.append(original(start, cast))
        return counters[-1]

    monkeypatch.setattr(revoting, "next_counter", recorded)
    first, release = _hold_first(
        monkeypatch, election, lambda: voter.cast(ballots[0][0], ballots[0][2]), after=True
    )
    second = Run(lambda: voter.cast(ballots[1][0], ballots[1][2]))
    _waiting(election, "transactionid", "FROM revoting_credentials")  # the row the first holds
    assert len(counters) == 1  # the second has not read the count
    release.set()
    assert first.result().status_code == 201
    assert second.result().status_code == 201
    with election.web.services.store.connect() as conn:
        start, cast = conn.execute(
            select(revoting_credentials.c.counter_start, revoting_credentials.c.ballots)
        ).one()
    assert cast == 2
    assert counters == [int(start) + 1, int(start) + 2]
