"""The batches of an election with re-voting protection (docs/coercion.md §4).

Registrations and cast rows the service accepts wait in a first-in, first-out queue
(store/revoting.py); nothing goes on the board between batches.  Batch ``j`` is due
``(j + 1)·interval`` after the ``open`` (protocol/schedule.py) and holds exactly the
schedule's numbers of cast rows and registrations for its hour: as many waiting items as
fit, first in first out, and **cover** for the rest (protocol/cover.py), in a uniformly
random order, every item with the batch's time.  A batch's size is therefore a function
of time alone.

:class:`BatchPoster` posts every batch that is due; each server process runs it in a
background thread (service/runtime.py), which hands each election to a posting thread
(:data:`POSTING_THREADS` at once, one election each at a time), so that while no more
elections are posting an election's batch waits for nothing of another election's (its
cover, its wait for the post time, its transaction, its failure); beyond, an election
waits for a thread, and the cover workers are shared (docs/architecture.md, "Several
elections"); the election's lock makes one process post
each batch: the one that made its cover ahead, while it is alive, as the others try only
:data:`TAKEOVER_MS` past the batch's due time (:meth:`BatchPoster._may_post`). The close
(:meth:`BatchPoster.close`) posts, in one transaction, the batches due by then, then as
many further batches as the queue needs (the close's block: each of the schedule's
sizes, before it is due, with the close's time), the audits of ballots version 2 in the
order of their tracking hashes, and the ``close``.

Cover is made before the lock where it can be (the rows' cover indices are read without
the lock and checked under it), so that casts do not wait behind it.  With worker
processes (``cover_workers``, by default one a core) it is made **ahead of its batch**
and **in several processes**: while batch ``j`` waits for its time, the workers make the
next batch's whole cover (its schedule's numbers of rows and registrations, whatever
the queue holds), the rows by ranges of cover indices after those batch ``j`` reserved.
A row depends only on the election and its cover index, and the batches consume the
indices in order, so the rows a batch leaves unused (the queue took their slots) are
kept for the next one.  The work stays the schedule's, not the queue's: with voters in
the batches the workers make more than the board takes, and rows past the next batch's
reach are dropped (their indices made again in their turn), as a batch's unused cover
always was; no index is posted twice or skipped.  What is
made ahead lives in this process's memory only (nothing of it is stored: a crash loses
only cover, which the next poster makes again); after a worker's failure, or if the
cover is not all made ahead, the batch's whole cover is made now (in the posting thread
after a failure), never only what is missing, so that the work does not follow what the
last batch left unused (:meth:`BatchPoster._take_cover`).  A seeded ``rng`` (tests)
keeps everything in the posting thread, as without workers, so that seeded runs stay
reproducible.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final

from honestballot.crypto.group import Point
from honestballot.crypto.merkle import leaf_hash
from honestballot.crypto.randomness import Randomness, random_below, random_permutation
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.errors import ProtocolError
from honestballot.protocol.ballot_v2 import (
    CAP,
    CastRow,
    ballot_alphas,
    cast_row_alphas,
    counter_start,
    next_counter,
)
from honestballot.protocol.board import (
    AuditEvent,
    BatchEvent,
    BoardRules,
    CastRowEvent,
    CloseEvent,
    CloseObjectEvent,
    PaddingEvent,
    Phase,
    RegistrationEvent,
    check_phase,
)
from honestballot.protocol.close_a import FIRST_ROUND
from honestballot.protocol.cover import (
    CoverReplacement,
    draw_cover_voter,
    draw_replacement_count,
    make_cover_registration,
    make_cover_row,
    make_replacement_row,
)
from honestballot.protocol.credential_seed import generate_seed
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.padding import PaddedCredential, Padding, make_padding
from honestballot.protocol.registration import (
    Commitment,
    Registration,
    make_commitment,
    registration_alphas,
)
from honestballot.protocol.schedule import Schedule
from honestballot.record.close import close_round_body
from honestballot.record.codec import canonical_bytes, parse_json
from honestballot.record.events import event_line
from honestballot.record.revoting import (
    ballot_v2_from_json,
    cast_row_from_json,
    cast_row_to_json,
    load_registration,
    padding_to_json,
    registration_to_json,
)
from honestballot.store.sql import RowBuffer, Tx

if TYPE_CHECKING:
    from honestballot.service.board.election import ElectionService

log = logging.getLogger(__name__)

#: an event to write: (seq, kind, time, line, leaf hash, tracking hash)
_Planned = tuple[int, str, int, bytes, bytes, bytes | None]

#: how often the background thread looks for due batches
POLL_S: Final = 1.0
#: elections one process posts at once, each in a posting thread of its own (their
#: cover, their wait for the post time, their transaction); a posting holds its thread
#: at least the post delay, so with batches 10 s apart (the least interval) four threads
#: serve about eight elections whose due times interleave, four whose due times coincide
#: (docs/architecture.md, "Several elections").  On PostgreSQL each posting thread holds
#: two pooled connections at most: its posting claim's (idle while it waits for the post
#: time) and its reads' and transaction's, so eight at most, out of the server's pool
#: (``HONESTBALLOT_POOL_SIZE``, 40 by default, and 10 more, store/engine.py)
POSTING_THREADS: Final = 4
#: a cover replacement's first credential casts one ballot until the voters have this
#: many credentials; then as many as a voter's credential drawn at random
REAL_CREDENTIALS_FOR_COUNTS: Final = 1000
#: the longest pause before posting an election's batches again after failures
MAX_BACKOFF_S: Final = 300.0
#: a batch is appended this long after its due time, once its cover (made before) is
#: ready: about three times what the largest batch's cover costs on one core (1.7 s at
#: 250 rows and 200 registrations, docs/performance.md)
POST_DELAY_MS: Final = 5000
#: with several server processes, one that did not make a batch's cover ahead (another
#: process posted the batch before) tries to post it only this long after its due time
#: (at most the post delay), so that the process holding the cover made ahead posts it
#: whenever it is alive: more than :data:`POLL_S` (it polls that often), and short of the
#: post delay by more than the largest batch's cover on one core (1.7 s)
TAKEOVER_MS: Final = 2000
#: the workers' work counts as failed (made in the poster) if it takes longer than this
#: plus :data:`WORKER_S_AN_ITEM` an item: the pool's start (a fork server, the package
#: imported) and five times the 3.8 ms an item of the largest demo batch on one core
WORKER_START_S: Final = 10.0
WORKER_S_AN_ITEM: Final = 0.02


@dataclass(frozen=True, slots=True)
class _Item:
    """One item of a batch: its event kind, the event's canonical body, its tracking
    hash, the rules' view of it, and for a waiting object its queue id and age."""

    kind: str
    body: bytes
    tracking: bytes
    nonce: bytes | None
    alphas: frozenset[bytes]
    #: the alphas the service records for it (cover only: a voter's were recorded when
    #: it was accepted)
    recorded: frozenset[bytes] = frozenset()
    item_id: int | None = None
    created_ms: int = 0
    #: a cover replacement's step: (its id, "first", "ballot" or "second", and for the
    #: first its ballot count and counter start)
    step: tuple[int, str, int, int] | None = None

    def event(self, time_ms: int) -> RegistrationEvent | CastRowEvent:
        if self.kind == "registration":
            assert self.nonce is not None
            return RegistrationEvent(self.tracking, self.nonce, self.alphas, time_ms)
        return CastRowEvent(self.tracking, self.alphas, time_ms)


def _registration_of(ctx: ElectionContext, reg: Registration, text: bytes, **kw: Any) -> _Item:
    """The batch item of ``reg``, whose canonical JSON is ``text``."""
    # the board's alphas include the service's revokes (record/events.py)
    alphas = registration_alphas(reg) | {reg.commitment.revokes.alpha.data}
    return _Item(
        "registration",
        b'{"registration":%s}' % text,
        reg.tracking_hash(ctx.public_key),
        reg.commitment.nonce,
        alphas,
        **kw,
    )


def _row_of(ctx: ElectionContext, row: CastRow, text: bytes, **kw: Any) -> _Item:
    """The batch item of ``row``, whose canonical JSON is ``text``."""
    return _Item(
        "cast-row",
        b'{"row":%s}' % text,
        row.ballot.tracking_hash(ctx.public_key),
        None,
        cast_row_alphas(row),
        **kw,
    )


def _registration_item(ctx: ElectionContext, body: str, **kw: Any) -> _Item:
    """A waiting registration's item, from its stored JSON."""
    return _registration_of(ctx, load_registration(body), body.encode(), **kw)


def _row_item(ctx: ElectionContext, body: str, **kw: Any) -> _Item:
    """A waiting cast row's item, from its stored JSON."""
    text = body.encode()
    return _row_of(ctx, cast_row_from_json(parse_json(text)), text, **kw)


def _new_registration(ctx: ElectionContext, reg: Registration, **kw: Any) -> _Item:
    """The item of a registration the service made (cover), its alphas to be recorded."""
    text = canonical_bytes(registration_to_json(reg))
    return _registration_of(ctx, reg, text, recorded=registration_alphas(reg), **kw)


def _new_row(ctx: ElectionContext, row: CastRow, **kw: Any) -> _Item:
    """The item of a cast row the service made (cover), its alphas to be recorded."""
    text = canonical_bytes(cast_row_to_json(row))
    return _row_of(ctx, row, text, recorded=ballot_alphas(row.ballot), **kw)


def make_cover_rows(ctx: ElectionContext, start: int, count: int, rng: Randomness) -> list[_Item]:
    """The cover rows with cover indices ``start`` to ``start + count - 1``, as items."""
    return [_new_row(ctx, make_cover_row(ctx, i, rng)) for i in range(start, start + count)]


def make_cover_registrations(ctx: ElectionContext, count: int, rng: Randomness) -> list[_Item]:
    """``count`` cover registrations, each for a fresh cover voter, as items."""
    base, key = ctx.base_hash, ctx.public_key
    items = []
    for _ in range(count):
        voter = draw_cover_voter(rng)
        commitment = make_commitment(base, key, voter.none_point(base), rng)
        seed = generate_seed(rng, base)
        reg = make_cover_registration(base, key, commitment, voter, seed, rng)
        items.append(_new_registration(ctx, reg))
    return items


def _worker_rows(ctx: ElectionContext, start: int, count: int) -> list[_Item]:
    """In a worker process: cover rows with the operating system's randomness."""
    return make_cover_rows(ctx, start, count, SYSTEM_RANDOMNESS)


def _worker_registrations(ctx: ElectionContext, count: int) -> list[_Item]:
    """In a worker process: cover registrations with the operating system's randomness."""
    return make_cover_registrations(ctx, count, SYSTEM_RANDOMNESS)


def _start_method() -> str:
    """The workers' start method: a fork server, so that they are not forked from this
    threaded process; where there is none, spawn."""
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def default_cover_workers() -> int:
    """The cover's worker processes by default: one a core."""
    return os.cpu_count() or 1


def _chunks(start: int, count: int, parts: int) -> list[tuple[int, int]]:
    """``[start, start + count)`` cut into at most ``parts`` ranges (start, count) of
    nearly equal length."""
    parts = max(1, min(parts, count))
    size, extra = divmod(count, parts)
    out, at = [], start
    for k in range(parts):
        n = size + (1 if k < extra else 0)
        if n:
            out.append((at, n))
        at += n
    return out


@dataclass(frozen=True, slots=True)
class _Pending:
    """Work given to the workers ahead: ``count`` rows from cover index ``start`` (None:
    registrations), its future, and the pool it runs in."""

    start: int | None
    count: int
    future: Future[list[_Item]]
    pool: ProcessPoolExecutor


@dataclass
class _Stock:
    """One election's cover made and not posted, in this process: rows by cover index,
    registrations, and the workers' unfinished work for the next batch."""

    rows: dict[int, _Item] = field(default_factory=dict)
    registrations: list[_Item] = field(default_factory=list)
    #: one past the highest cover index made (or being made) ahead
    top: int = 0
    #: rows at or above this index are not kept (more than the next batch can use)
    limit: int = 0
    pending: list[_Pending] = field(default_factory=list)
    #: the batch the cover is made ahead for (-1: none yet)
    batch: int = -1


def _stop(pool: ProcessPoolExecutor) -> None:
    """A failed pool stopped: its processes terminated (a hung worker would otherwise
    keep running, ``shutdown(wait=False)`` does not stop it), then shut down.  Python
    3.11's executor has no public way to terminate its workers (3.14 adds
    ``terminate_workers``): its private ``_processes`` (pid -> process) is read."""
    processes: Mapping[int, Any] = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        with contextlib.suppress(Exception):  # already gone
            process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def _cancel(stock: _Stock) -> None:
    """The stock's work not started yet, cancelled."""
    for p in stock.pending:
        p.future.cancel()


def _state(unfinished: Sequence[Mapping[str, Any]]) -> tuple[tuple[int, bool, int], ...]:
    """The cover replacements' progress steps are made for: (id, first posted, ballots
    posted) of each unfinished one."""
    return tuple(
        (int(r["cover_id"]), r["first_seq"] is not None, int(r["ballots_posted"]))
        for r in unfinished
    )


def _fits(steps: Sequence[_Item], rows: int, registrations: int) -> bool:
    """Whether ``steps`` fit in ``rows`` and ``registrations`` free slots."""
    taken = sum(1 for i in steps if i.kind == "cast-row")
    return taken <= rows and len(steps) - taken <= registrations


def _shuffled(items: list[_Item], rng: Randomness) -> list[_Item]:
    """A uniformly random order (:func:`random_permutation`, the service's randomness)."""
    return [items[i] for i in random_permutation(rng, len(items))]


@dataclass
class _Cover:
    """What a batch needs, made before the lock: cover rows from cover index ``start``
    on, cover registrations, the waiting objects parsed (by queue id), and the cover
    replacements' steps made for the replacements' state ``state``."""

    start: int
    rows: list[_Item]
    registrations: list[_Item]
    parsed: dict[int, _Item] = field(default_factory=dict)
    state: tuple[tuple[int, bool, int], ...] = ()
    steps: list[_Item] = field(default_factory=list)
    #: the rows (from ``start`` on) and registrations the batch left unused, set by
    #: :meth:`BatchPoster._post`: the stock takes them back once the batch commits
    unused_rows: list[_Item] = field(default_factory=list)
    unused_from: int = 0
    unused_registrations: list[_Item] = field(default_factory=list)


class _PostingThreads:
    """The posting threads: daemon threads (a process exiting does not wait for one),
    started as work is handed over, at most ``limit`` at once, each gone once no work
    waits; work handed over while ``limit`` are busy waits for one of them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._queue: deque[tuple[Callable[[], int], Future[int]]] = deque()
        self._threads: set[threading.Thread] = set()
        self._names = itertools.count()

    def submit(self, call: Callable[[], int]) -> Future[int]:
        """``call()`` in a posting thread; its future."""
        future: Future[int] = Future()
        with self._lock:
            self._queue.append((call, future))
            if len(self._threads) < self.limit:
                name = f"honestballot-posting-{next(self._names)}"
                thread = threading.Thread(target=self._work, name=name, daemon=True)
                self._threads.add(thread)
                thread.start()
        return future

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._threads.discard(threading.current_thread())
                    return
                call, future = self._queue.popleft()
            if not future.set_running_or_notify_cancel():
                continue  # cancelled while it waited
            try:
                future.set_result(call())
            except BaseException as exc:
                future.set_exception(exc)

    def alive(self) -> int:
        """The posting threads running."""
        with self._lock:
            return len(self._threads)

    def stop(self) -> None:
        """The work not started cancelled, and every thread running waited for (each
        one's halt set before, so that it finishes only what it is doing)."""
        with self._lock:
            queued, self._queue = list(self._queue), deque()
            threads = list(self._threads)
        for _, future in queued:
            future.cancel()
        for thread in threads:
            thread.join()


class BatchPoster:
    """Posts the batches of elections with re-voting protection."""

    def __init__(
        self,
        elections: ElectionService,
        rng: Randomness | None = None,
        *,
        cover_workers: int = 0,
    ) -> None:
        self.elections = elections
        self.store = elections.store
        #: the service's randomness (cover, the order of a batch); never kept
        self.rng = rng if rng is not None else elections.rng
        #: worker processes making cover ahead of its batch (0: the posting thread makes
        #: each batch's cover right before it); only with the system's randomness
        self.cover_workers = cover_workers
        self._pool: ProcessPoolExecutor | None = None
        self._stocks: dict[str, _Stock] = {}
        #: elections seen not open any more: no stock is kept for them
        self._ended: set[str] = set()
        self._stock_lock = threading.Lock()
        self._pool_lock = threading.Lock()
        self._made_lock = threading.Lock()
        #: the posting threads (:meth:`_start_due`) and each election's posting in progress
        self._posting_threads = _PostingThreads(POSTING_THREADS)
        self._posting: dict[str, Future[int]] = {}
        self._posting_lock = threading.Lock()
        #: the halt of the posting threads started since the last start: set to stop them
        #: (one waiting for its batch's post time returns, one posting stops after its
        #: batch); never cleared, so that a thread still in its transaction when a stop
        #: returns does not post again: the next start makes a new one
        self._halt = threading.Event()
        #: a pool failed since the last :meth:`_make_ahead`: no new pool till then, the
        #: cover made in the posting thread
        self._failed = False
        #: what this poster made: rows and registrations in the posting thread, rows and
        #: registrations given to the workers (at once or ahead), and the workers' failures
        self.made = {"rows": 0, "registrations": 0, "worker rows": 0,
                     "worker registrations": 0, "failures": 0}  # fmt: skip
        self._open_ms: dict[str, int] = {}
        #: election -> (failures in a row, when to try again)
        self._failures: dict[str, tuple[int, int]] = {}
        #: how long after its due time a batch is appended (its work is done before)
        self.post_delay_ms = POST_DELAY_MS
        #: how long after its due time a process without the batch's cover made ahead
        #: may post it (capped at the post delay)
        self.takeover_ms = TAKEOVER_MS
        #: the workers' time limits (:meth:`_timeout_s`)
        self.worker_start_s = WORKER_START_S
        self.worker_s_an_item = WORKER_S_AN_ITEM

    def _count(self, what: str, n: int) -> None:
        """``n`` more of ``what`` in :attr:`made` (the posting threads count at once)."""
        with self._made_lock:
            self.made[what] += n

    def _schedule(self, election_id: str) -> Schedule:
        schedule = self.elections.board_keys(election_id).schedule
        if schedule is None:
            raise ProtocolError(  # English only: callers check the election first
                f"election {election_id!r} has no batch schedule (no re-voting protection)"
            )
        return schedule

    def open_ms(self, election_id: str) -> int | None:
        """The ``open`` event's time (None before the open)."""
        if election_id not in self._open_ms:
            for ev in self.store.iter_events(election_id, kinds=("open",)):
                self._open_ms[election_id] = ev.time_ms
                break
        return self._open_ms.get(election_id)

    # -- cover ---------------------------------------------------------------------------

    def _cover_rows(self, ctx: ElectionContext, start: int, count: int) -> list[_Item]:
        """Cover rows ``start`` to ``start + count - 1``, made now: by the workers where
        there are any, else (or if they fail, or failed since the last
        :meth:`_make_ahead`) in this thread."""
        if count <= 0:
            return []
        pool = self._workers()
        if pool is not None:
            parts = _chunks(start, count, self.cover_workers)
            made = self._run(pool, [(_worker_rows, (ctx, a, n)) for a, n in parts], count)
            if made is not None:
                self._count("worker rows", count)
                return made
        self._count("rows", count)
        return make_cover_rows(ctx, start, count, self.rng)

    def _cover_registrations(self, ctx: ElectionContext, count: int) -> list[_Item]:
        """``count`` cover registrations made now (as :meth:`_cover_rows`)."""
        if count <= 0:
            return []
        pool = self._workers()
        if pool is not None:
            parts = _chunks(0, count, self.cover_workers)
            made = self._run(pool, [(_worker_registrations, (ctx, n)) for _, n in parts], count)
            if made is not None:
                self._count("worker registrations", count)
                return made
        self._count("registrations", count)
        return make_cover_registrations(ctx, count, self.rng)

    # -- the workers and the cover made ahead ------------------------------------------------

    def _uses_workers(self) -> bool:
        return self.cover_workers > 0 and self.rng is SYSTEM_RANDOMNESS

    def _workers(self) -> ProcessPoolExecutor | None:
        """The worker processes (started on first use, or by :meth:`start_workers`),
        or None: none configured, a seeded ``rng`` (the workers draw the system's
        randomness), or a pool failed since the last :meth:`_make_ahead`."""
        if not self._uses_workers():
            return None
        with self._pool_lock:
            if self._failed:
                return None  # the rest made in the thread until the next _make_ahead
            if self._pool is None:
                context = multiprocessing.get_context(_start_method())
                if context.get_start_method() == "forkserver":
                    # the fork server imports the package once; each worker forks from
                    # it instead of importing it again (seconds under load)
                    context.set_forkserver_preload([__name__])
                self._pool = ProcessPoolExecutor(self.cover_workers, mp_context=context)
            return self._pool

    def start_workers(self) -> None:
        """Start the worker processes now (the posting thread does, as it starts), so
        that a batch this process takes over does not wait for their start."""
        self._workers()

    def _timeout_s(self, items: int) -> float:
        """How long the workers' work on ``items`` items may take before it counts as a
        failure: many times what it takes (:data:`WORKER_START_S`,
        :data:`WORKER_S_AN_ITEM`)."""
        return self.worker_start_s + self.worker_s_an_item * items

    def _run(
        self, pool: ProcessPoolExecutor, calls: Sequence[tuple[Any, tuple[Any, ...]]], items: int
    ) -> list[_Item] | None:
        """The calls' items, made by the workers, in order; or None if the pool is broken,
        a worker fails, or they take longer than :meth:`_timeout_s` (the pool is then
        stopped, and another started by the next :meth:`_make_ahead`)."""
        try:
            futures = [pool.submit(fn, *args) for fn, args in calls]
            _, late = wait(futures, timeout=self._timeout_s(items))
            if late:
                raise TimeoutError(f"the workers took over {self._timeout_s(items):.1f} s")
            return [item for f in futures for item in f.result()]
        except Exception as exc:
            self._worker_failed(pool, exc)
            return None

    def _worker_failed(self, pool: ProcessPoolExecutor, exc: BaseException) -> None:
        """``pool`` failed (a worker died or hung, or the pool is broken): it is dropped,
        its queued work cancelled, and the next use starts another.  Counted and logged
        once a pool, however many of its futures fail."""
        with self._pool_lock:
            self._failed = True
            if self._pool is not pool:
                return  # already dropped: counted when its first failure was seen
            self._pool = None
        self._count("failures", 1)
        log.warning("a cover worker failed (%s: %s); the poster makes the cover itself",
                    type(exc).__name__, exc)  # fmt: skip
        _stop(pool)

    def shutdown(self) -> None:
        """Stop the posting threads (one waiting for its post time returns at once, one
        posting finishes its batch and posts no other; every one waited for, also those
        of a :meth:`run_forever` whose thread is still stopping) and the worker processes
        (the cover they made ahead is dropped)."""
        self._stop_posting(self._halt)
        with self._stock_lock:
            stocks = list(self._stocks.values())
            self._stocks.clear()
        for stock in stocks:
            _cancel(stock)
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _stock(self, election_id: str) -> _Stock:
        """The election's stock (under ``_stock_lock``): a new one kept, unless the
        election is known not to be open any more (then one that is not kept)."""
        if election_id in self._ended:
            return _Stock()
        return self._stocks.setdefault(election_id, _Stock())

    def _drop_stock(self, election_id: str) -> None:
        """The election is not open (closed here or by another process): its stock is
        dropped, its workers' work cancelled, and no stock is kept for it again."""
        with self._stock_lock:
            self._ended.add(election_id)
            stock = self._stocks.pop(election_id, None)
        if stock is not None:
            _cancel(stock)

    def _holds_stock(self, election_id: str, index: int) -> bool:
        """Whether this process made batch ``index``'s cover ahead (it posted the batch
        before): a stock for an earlier batch (another process posted since) is dropped."""
        with self._stock_lock:
            stock = self._stocks.get(election_id)
            if stock is None or stock.batch >= index:
                # (a later batch's: this process started it while posting batch
                # ``index``, whose transaction then failed; it still posts it)
                return stock is not None
            del self._stocks[election_id]
        _cancel(stock)
        return False

    def _collect(self, stock: _Stock) -> bool:
        """The workers' finished work put into the stock (rows under its limit), under
        ``_stock_lock``; whether a piece of it failed (its pool is then dropped)."""
        failed = False
        pending, stock.pending = stock.pending, []
        for p in pending:
            if p.pool is not self._pool and not p.future.done():
                p.future.cancel()  # a dropped pool's
                failed = True
                continue
            if not p.future.done():
                stock.pending.append(p)
                continue
            try:
                items_made = p.future.result()
            except Exception as exc:
                self._worker_failed(p.pool, exc)
                failed = True
                continue
            if p.start is None:
                stock.registrations += items_made
                continue
            for i, item in enumerate(items_made, start=p.start):
                if i < stock.limit:
                    stock.rows[i] = item
        stock.top = min(stock.top, stock.limit)
        return failed

    def _take_cover(
        self, ctx: ElectionContext, election_id: str, start: int, rows: int, registrations: int
    ) -> tuple[list[_Item], list[_Item]]:
        """Cover rows ``start`` to ``start + rows - 1`` and ``registrations`` cover
        registrations for a batch (``rows`` and ``registrations`` the schedule's sizes,
        or the close's block's needs): all from the stock made ahead, or else all made
        now.

        Neither the wait nor the work may follow the queue (how many real items the
        last batch held, so how much it gave back): the poster waits for **every** piece
        of work pending (whether this batch needs it or its predecessor's leftovers
        stand in), outside ``_stock_lock`` (a close in this process takes it inside its
        transaction), for :meth:`_timeout_s` of the batch's sizes; after any failure or
        timeout, or if the cover is not all there (nothing made ahead), what the stock
        holds for the batch is dropped and the whole cover is made now, as without
        workers (in this thread after a failure)."""
        if rows <= 0 and registrations <= 0:
            return [], []
        wanted = range(start, start + rows)

        def complete(stock: _Stock) -> bool:
            return len(stock.registrations) >= registrations and all(
                i in stock.rows for i in wanted
            )

        with self._stock_lock:
            stock = self._stock(election_id)
            failed = self._collect(stock)
            futures = [p.future for p in stock.pending]
        if futures and not failed:
            _, late = wait(futures, timeout=self._timeout_s(rows + registrations))
            with self._stock_lock:
                stock = self._stock(election_id)
                late_pools = [p.pool for p in stock.pending if p.future in late]
            for pool in late_pools:
                self._worker_failed(pool, TimeoutError("the cover made ahead is late"))
                failed = True
        with self._stock_lock:
            stock = self._stock(election_id)
            failed = self._collect(stock) or failed
            for i in [i for i in stock.rows if i < start]:
                del stock.rows[i]  # posted by another process, or a stock from before
            whole = complete(stock) and not failed
            kept = [stock.rows.pop(i) for i in wanted if i in stock.rows]
            regs = stock.registrations[:registrations]
            del stock.registrations[:registrations]
        if whole:
            return kept, regs
        # dropped: the batch's whole cover made now, whatever was given back
        return self._cover_rows(ctx, start, rows), self._cover_registrations(ctx, registrations)

    def _make_ahead(
        self,
        ctx: ElectionContext,
        election_id: str,
        index: int,
        after: int,
        rows: int,
        registrations: int,
    ) -> None:
        """Start the workers on batch ``index``'s whole cover (``rows`` and
        ``registrations``, its schedule's numbers, whatever the queue holds), the rows
        from cover index ``after`` (past the current batch's) or past those made ahead;
        nothing without workers, or once the election is known not to be open.  A pool
        that failed before is replaced here (not during the batch that saw it fail)."""
        with self._pool_lock:
            self._failed = False
        pool = self._workers()
        if pool is None:
            return
        with self._stock_lock:
            if election_id in self._ended:
                return
            stock = self._stock(election_id)
            stock.batch = index
            # the next batch uses at most ``rows`` rows from at most ``after`` on and
            # ``registrations`` registrations: what is kept beyond is dropped
            stock.limit = after + rows
            del stock.registrations[registrations:]
            first = max(stock.top, after)
            stock.top = first + rows
            try:
                for a, n in _chunks(first, rows, self.cover_workers):
                    future = pool.submit(_worker_rows, ctx, a, n)
                    stock.pending.append(_Pending(a, n, future, pool))
                    self._count("worker rows", n)
                for _, n in _chunks(0, registrations, self.cover_workers):
                    future = pool.submit(_worker_registrations, ctx, n)
                    stock.pending.append(_Pending(None, n, future, pool))
                    self._count("worker registrations", n)
            except Exception as exc:  # a broken pool: the next batch makes its own
                self._worker_failed(pool, exc)

    def _give_back(self, election_id: str, cover: _Cover) -> None:
        """The cover a committed batch left unused, kept for the next batch (only with
        workers: without them each batch makes its whole cover itself and drops what it
        does not use, as the work must not follow the queue)."""
        if not self._uses_workers():
            return
        with self._stock_lock:
            stock = self._stock(election_id)
            for i, item in enumerate(cover.unused_rows, start=cover.unused_from):
                if i < stock.limit:
                    stock.rows.setdefault(i, item)
            stock.registrations = cover.unused_registrations + stock.registrations

    def _cover_for(
        self, ctx: ElectionContext, election_id: str, index: int, time_ms: int, *, closing: bool
    ) -> _Cover:
        """What batch ``index`` needs, made before the lock: cover for the whole batch,
        whatever the queue holds (the work, and so when the batch appears, must not
        follow the queue; what the batch does not use is dropped, or with workers kept
        for the next batch), taken from what the workers made ahead and the rest made
        now, and the next batch's set going; the waiting objects it would take, parsed;
        and the cover replacements' steps due.  Under the lock only what changed in
        between is made again (:meth:`_post`)."""
        rows, registrations = self._schedule(election_id).sizes(index)
        limit = None if closing else time_ms
        with self.store.connect() as conn:
            _, start = self.store.batch_state(conn, election_id)
            waiting_rows = self.store.waiting(conn, election_id, "cast-row", rows, limit)
            waiting_regs = self.store.waiting(
                conn, election_id, "registration", registrations, limit
            )
            unfinished = self.store.unfinished_cover_replacements(conn, election_id)
            parsed = self._parse(ctx, waiting_rows, waiting_regs, {})
            slots = (rows - len(waiting_rows), registrations - len(waiting_regs))
            steps = self._replacement_steps(conn, ctx, unfinished, index, *slots, closing=closing)
        cover_rows, cover_regs = self._take_cover(ctx, election_id, start, rows, registrations)
        if not closing:  # the next batch's cover, made while this one waits for its time
            following = self._schedule(election_id).sizes(index + 1)
            self._make_ahead(ctx, election_id, index + 1, start + rows, *following)
        return _Cover(start, cover_rows, cover_regs, parsed, _state(unfinished), steps)

    @staticmethod
    def _parse(
        ctx: ElectionContext,
        rows: list[tuple[int, bytes, str, int]],
        registrations: list[tuple[int, bytes, str, int]],
        known: dict[int, _Item],
    ) -> dict[int, _Item]:
        """The waiting objects as batch items, by queue id (those in ``known`` as they
        are)."""
        out = {}
        for waiting, make in ((rows, _row_item), (registrations, _registration_item)):
            for item_id, _, body, created in waiting:
                out[item_id] = known.get(item_id) or make(
                    ctx, body, item_id=item_id, created_ms=created
                )
        return out

    # -- posting ---------------------------------------------------------------------------

    def post_due(self, election_id: str, halt: threading.Event | None = None) -> int:
        """Post every batch due by now, each in a transaction of its own; the number
        posted (0 unless the election is open and a batch is due, or while another
        process is posting the election's batches, or while this one waits for the
        process that made the batch's cover ahead: :meth:`_may_post`).  ``halt`` set
        stops it: waiting for a batch's post time, it returns at once; posting, after
        that batch."""
        if not self.elections.takes_revoting(election_id) or not self._may_post(election_id):
            return 0
        with self.store.posting_claim(election_id) as mine:
            return self._post_due(election_id, self.post_delay_ms, halt) if mine else 0

    def _may_post(self, election_id: str) -> bool:
        """Whether to try for the posting claim now: the election is open, a batch is
        due, and either this process made that batch's cover ahead (it posted the batch
        before) or the batch has been due for :attr:`takeover_ms` (at most the post
        delay).  With several server processes the one holding the cover made ahead
        thus posts every batch while it is alive (it polls well within that time), and
        the others make no cover; if it is gone, another takes over after that grace,
        and the batch still appears the post delay after its due time as long as its
        cover takes less than the rest of the delay.  An election seen closed has its
        stock dropped."""
        phase = self.elections.phase(election_id)
        if phase != "open":
            if phase not in ("empty", "setup"):
                self._drop_stock(election_id)  # closed, here or by another process
            return False
        open_ms = self.open_ms(election_id)
        if open_ms is None:
            return False
        schedule = self._schedule(election_id)
        with self.store.connect() as conn:
            index, _ = self.store.batch_state(conn, election_id)
        now = self.elections.clock()
        if index >= schedule.due_by(open_ms, now):
            return False
        if not self._uses_workers() or self._holds_stock(election_id, index):
            return True  # (without workers no process makes cover ahead)
        return now >= schedule.due_ms(open_ms, index) + min(self.takeover_ms, self.post_delay_ms)

    def _post_due(
        self, election_id: str, delay_ms: int, halt: threading.Event | None = None
    ) -> int:
        halt = halt or threading.Event()
        if self.elections.phase(election_id) != "open":
            return 0
        open_ms = self.open_ms(election_id)
        if open_ms is None:
            return 0
        schedule = self._schedule(election_id)
        ctx = self.elections.context(election_id)
        posted = 0
        while not halt.is_set():
            with self.store.connect() as conn:
                index, _ = self.store.batch_state(conn, election_id)
            if index >= schedule.due_by(open_ms, self.elections.clock()):
                return posted
            due = schedule.due_ms(open_ms, index)
            cover = self._cover_for(ctx, election_id, index, due, closing=False)
            # appended at a fixed delay after its due time, whatever its work took: a
            # live observer polling the board sees every batch appear alike
            wait_ms = due + delay_ms - self.elections.clock()
            if wait_ms > 0 and halt.wait(wait_ms / 1000):
                break  # stopping: the batch is posted after the restart or by another process
            with self.store.transaction(election_id) as conn:
                row = self.store.election_row(conn, election_id)
                if row is None or row["phase"] != "open":
                    self._drop_stock(election_id)  # another process closed it
                    return posted
                board = self._board(election_id, open_ms)
                board.batches, _ = self.store.batch_state(conn, election_id)
                if board.batches != index:
                    continue  # another process posted it
                # the batch carries its due time (or the last event's, if later): not
                # the time its cover took, which would tell how much of it was real
                now = max(due, int(row["last_time_ms"]))
                seq = self._post(conn, ctx, board, index, now, int(row["next_seq"]), cover)
                self.store.set_next_seq(conn, election_id, seq, now)
            self._give_back(election_id, cover)
            # no tree head here: the heads are signed on their own cadence
            # (service/runtime.py), so that a head's time does not tell how long a
            # batch took to post
            posted += 1
        return posted

    def post_all_due(self) -> int:
        """:meth:`post_due` for every election, each in a posting thread
        (:meth:`_start_due`), waited for; the batches posted (an election already being
        posted by :meth:`run_forever` is left to it).  After a stop it starts afresh."""
        return sum(f.result() for f in self._start_due(self._restart()))

    def _restart(self) -> threading.Event:
        """The halt for the posting threads started now: the current one, or after a
        stop a new one (the stopped threads keep theirs, set)."""
        with self._posting_lock:
            if self._halt.is_set():
                self._halt = threading.Event()
            return self._halt

    def _start_due(self, halt: threading.Event) -> list[Future[int]]:
        """Every election given to a posting thread (:data:`POSTING_THREADS` of them at
        once), unless one is posting it already, with ``halt`` to stop it: an election's
        batch does not wait for another's cover, wait for its post time, transaction or
        failure while no more than :data:`POSTING_THREADS` elections are posting;
        beyond, an election waits for a thread (docs/architecture.md, "Several
        elections").  Those without re-voting protection, or not open, or with nothing
        due, cost a cached look or a read each."""
        started = []
        for election_id in self.store.list_elections():
            with self._posting_lock:
                running = self._posting.get(election_id)
                if running is not None and not running.done():
                    continue  # one thread at a time posts an election
                call = functools.partial(self._post_guarded, election_id, halt)
                future = self._posting_threads.submit(call)
                self._posting[election_id] = future
            started.append(future)
        return started

    def _post_guarded(self, election_id: str, halt: threading.Event) -> int:
        """:meth:`post_due`, in a posting thread: an election whose posting failed is
        tried again only after a pause that doubles with each failure (up to
        :data:`MAX_BACKOFF_S`), and the failure is logged with its message; the other
        elections' threads go on meanwhile."""
        failures, retry_at = self._failures.get(election_id, (0, 0))
        now = self.elections.clock()
        if now < retry_at:
            return 0
        try:
            posted = self.post_due(election_id, halt)
        except Exception as exc:  # one election's failure must not stop the others
            pause = min(MAX_BACKOFF_S, POLL_S * 2 ** (failures + 1))
            self._failures[election_id] = (failures + 1, now + int(pause * 1000))
            log.error(
                "posting batches of %s failed (%d in a row; next try in %.0f s): %s: %s",
                election_id, failures + 1, pause, type(exc).__name__, exc,
            )  # fmt: skip
            return 0
        self._failures.pop(election_id, None)
        return posted

    def _stop_posting(self, halt: threading.Event) -> None:
        """``halt`` set (for good) and the posting threads stopped: a thread waiting for
        its post time returns, one posting finishes its batch and posts no other, the
        work not started is cancelled; every posting thread is waited for, those of a
        :meth:`run_forever` stopped before included (a stop that returns leaves none)."""
        halt.set()
        self._posting_threads.stop()
        with self._posting_lock:
            self._posting = {e: f for e, f in self._posting.items() if not f.done()}

    def run_forever(self, stop: threading.Event) -> None:
        """Give every election to the posting threads every :data:`POLL_S` until
        ``stop`` is set; then stop them (:meth:`_stop_posting`) before returning."""
        halt = self._restart()
        self.start_workers()  # a batch taken over does not wait for the pool's start
        try:
            while not stop.wait(POLL_S):
                try:
                    self._start_due(halt)
                except Exception as exc:  # the database down: try again at the next poll
                    log.error("looking for due batches failed: %s: %s", type(exc).__name__, exc)
        finally:
            self._stop_posting(halt)

    def _board(self, election_id: str, open_ms: int) -> BoardRules:
        return BoardRules(
            phase=Phase.OPEN,
            unit_ids=frozenset(self.elections.context(election_id).manifest.unit_ids()),
            schedule=self._schedule(election_id),
            open_ms=open_ms,
        )

    def _post(
        self,
        conn: Tx,
        ctx: ElectionContext,
        board: BoardRules,
        index: int,
        now: int,
        seq: int,
        cover: _Cover | None,
        *,
        closing: bool = False,
    ) -> int:
        """Post batch ``index`` at ``now`` from event ``seq`` on, under the election's
        lock, with ``board`` holding the batches so far (``closing``: in the close's
        block); the next sequence number."""
        election_id = ctx.manifest.election_id
        rows_n, regs_n = self._schedule(election_id).sizes(index)
        # a late batch takes only what was waiting when it was due; the close's block
        # takes everything
        limit = None if closing else now
        waiting_rows = self.store.waiting(conn, election_id, "cast-row", rows_n, limit)
        waiting_regs = self.store.waiting(conn, election_id, "registration", regs_n, limit)
        known = {} if cover is None else cover.parsed
        parsed = self._parse(ctx, waiting_rows, waiting_regs, known)
        real = [parsed[item_id] for item_id, _, _, _ in waiting_rows + waiting_regs]
        _, start = self.store.batch_state(conn, election_id)
        need_rows, need_regs = rows_n - len(waiting_rows), regs_n - len(waiting_regs)
        unfinished = self.store.unfinished_cover_replacements(conn, election_id)
        if (
            cover is not None
            and cover.state == _state(unfinished)
            and _fits(cover.steps, need_rows, need_regs)
        ):
            steps = cover.steps
        else:  # another process moved a replacement on, or the queue took the slots
            steps = self._replacement_steps(
                conn, ctx, unfinished, index, need_rows, need_regs, closing=closing
            )
        step_rows = [i for i in steps if i.kind == "cast-row"]
        step_regs = [i for i in steps if i.kind == "registration"]
        need_rows -= len(step_rows)
        need_regs -= len(step_regs)
        if cover is None or cover.start != start or len(cover.rows) < need_rows:
            # another process posted (or the close's block): the stock's, or made now
            cover_rows, cover_regs = self._take_cover(ctx, election_id, start, need_rows, 0)
        else:
            cover_rows = cover.rows[:need_rows]
            cover.unused_rows, cover.unused_from = cover.rows[need_rows:], start + need_rows
        cover_regs = [] if cover is None else cover.registrations[:need_regs]
        if cover is not None:
            cover.unused_registrations = cover.registrations[need_regs:]
        cover_regs += self._take_cover(ctx, election_id, start, 0, need_regs - len(cover_regs))[1]
        items = _shuffled(real + steps + cover_rows + cover_regs, self.rng)
        self._hold_alphas(conn, election_id, board, items)
        batch = BatchEvent(index, now, rows_n, regs_n)
        board.apply(batch)
        planned: list[_Planned] = []
        body = canonical_bytes({"index": index, "rows": rows_n, "registrations": regs_n})
        line = event_line(seq, now, "batch", body)
        planned.append((seq, "batch", now, line, leaf_hash(line), None))
        posted: dict[int, int] = {}
        for offset, item in enumerate(items, start=1):
            board.apply(item.event(now))
            line = event_line(seq + offset, now, item.kind, item.body)
            planned.append((seq + offset, item.kind, now, line, leaf_hash(line), item.tracking))
            if item.item_id is not None:
                posted[item.item_id] = seq + offset
            if item.step is not None:
                self._step_done(conn, election_id, item.step, seq + offset)
        for _, kind, _, line, _, _ in planned:
            self.elections.check_line(kind, line)
        rows = RowBuffer()
        self.store.plan_events(rows, election_id, planned)
        rows.flush(conn)
        self.store.mark_posted(conn, election_id, posted)
        self.store.add_cover_alphas(
            conn, election_id, [(item.tracking, item.recorded) for item in items if item.recorded]
        )
        self.store.add_batch(
            conn,
            election_id,
            {
                "batch_index": index,
                "seq": seq,
                "time_ms": now,
                "real_rows": len(waiting_rows),
                "real_registrations": len(waiting_regs),
                "cover_rows": len(cover_rows),
                "cover_registrations": len(cover_regs),
                "longest_wait_ms": max((now - i.created_ms for i in real), default=0),
            },
        )
        return seq + len(planned)

    # -- cover replacements (docs/coercion.md §4) --------------------------------------------

    def plan(self, conn: Tx, election_id: str) -> int:
        """At the open: draw the number of cover replacements ``K = K0 + Z`` (``K0`` and
        ``ε`` the setup's, from its schedule's ``cover``) and plan
        each one's first registration in a uniform batch of the schedule's listed hours
        and its second in a uniform later one; ``K``, kept only as the rows."""
        schedule = self._schedule(election_id)
        planned = len(schedule.hours) * schedule.slots_per_hour()
        rows = []
        for cover_id in range(draw_replacement_count(self.rng, schedule.cover)):
            first = random_below(self.rng, planned)
            later = max(1, planned - first - 1)
            rows.append(
                {
                    "cover_id": cover_id,
                    "secret": self.rng.random_bytes(32),
                    "first_batch": first,
                    "second_batch": first + 1 + random_below(self.rng, later),
                }
            )
        self.store.add_cover_replacements(conn, election_id, rows)
        return len(rows)

    def _replacement_steps(
        self,
        conn: Tx,
        ctx: ElectionContext,
        unfinished: Sequence[Mapping[str, Any]],
        index: int,
        rows: int,
        registrations: int,
        *,
        closing: bool,
    ) -> list[_Item]:
        """The cover replacements' items batch ``index`` takes, in its cover slots (at
        most ``rows`` rows and ``registrations`` registrations): a replacement's first
        registration once its batch comes (its ballot count and counter start drawn
        then); its ballots, one a batch, from the next batch on; its second registration
        once its batch comes and every ballot is on the board.  In the close's block
        every step is due, and a replacement's remaining steps go in one batch when
        they fit, so that the block stays as short as the queue makes it."""
        election_id = ctx.manifest.election_id
        base, key = ctx.base_hash, ctx.public_key
        items: list[_Item] = []
        for rep in unfinished:
            cover = CoverReplacement(bytes(rep["secret"]))
            cid = int(rep["cover_id"])
            if rep["first_seq"] is None:
                if not registrations or not (closing or int(rep["first_batch"]) <= index):
                    continue
                ballots, start = self._draw_ballots(conn, election_id), counter_start(self.rng)
                if closing and (ballots > rows or registrations < 2) and items:
                    continue  # the whole of it in a later batch of the block, if it fits
                commitment = make_commitment(base, key, cover.voter().none_point(base), self.rng)
                first = self._replacement_registration(ctx, cover, 1, commitment, cid)
                items.append(replace(first, step=(cid, "first", ballots, start)))
                registrations -= 1
                if not closing:
                    continue
                posted = 0
            else:
                ballots, posted = int(rep["ballots"]), int(rep["ballots_posted"])
                start = int(rep["counter_start"])
            room = ballots - posted if closing else min(1, ballots - posted)
            if room > rows or (not closing and rep["first_seq"] is None):
                continue
            seed = cover.seed(1, base)
            for k in range(posted, posted + room):
                row = make_replacement_row(ctx, seed, next_counter(start, k), self.rng)
                items.append(_new_row(ctx, row, step=(cid, "ballot", 0, 0)))
            rows -= room
            if posted + room < ballots or not registrations:
                continue
            if closing or int(rep["second_batch"]) <= index:
                revoked = cover.seed(1, base).tag_point(base)
                commitment = make_commitment(base, key, revoked, self.rng)
                second = self._replacement_registration(ctx, cover, 2, commitment, cid)
                items.append(replace(second, step=(cid, "second", 0, 0)))
                registrations -= 1
        return items

    def _draw_ballots(self, conn: Tx, election_id: str) -> int:
        """A cover replacement's ballot count: one until the voters have
        :data:`REAL_CREDENTIALS_FOR_COUNTS` credentials that cast, then that of one of
        them drawn at random (a replacement always casts: the counts it moves are those
        a voter's replacement with a ballot moves, docs/coercion.md §8.1)."""
        count = self.store.credential_count(conn, election_id, cast=True)
        if count < REAL_CREDENTIALS_FOR_COUNTS:
            return 1
        drawn = random_below(self.rng, count)
        return min(CAP, self.store.credential_ballots_at(conn, election_id, drawn, cast=True))

    def _replacement_registration(
        self,
        ctx: ElectionContext,
        cover: CoverReplacement,
        which: int,
        commitment: Commitment,
        cover_id: int,
    ) -> _Item:
        base = ctx.base_hash
        seed = cover.seed(which, base)
        reg = make_cover_registration(
            base, ctx.public_key, commitment, cover.voter(), seed, self.rng
        )
        return _new_registration(ctx, reg)

    def _step_done(
        self, conn: Tx, election_id: str, step: tuple[int, str, int, int], seq: int
    ) -> None:
        cover_id, what, ballots, start = step
        if what == "second":
            self.store.update_cover_replacement(conn, election_id, cover_id, {"second_seq": seq})
        elif what == "ballot":
            self.store.count_replacement_ballot(conn, election_id, cover_id)
        else:
            values = {"first_seq": seq, "ballots": ballots, "counter_start": start}
            self.store.update_cover_replacement(conn, election_id, cover_id, values)

    def _padding(self, conn: Tx, ctx: ElectionContext) -> Padding:
        """The padding of every credential that cast a ballot, the voters' (current or
        revoked) and the cover replacements' first ones, and the number of cover rows."""
        election_id, base = ctx.manifest.election_id, ctx.base_hash
        credentials = [
            PaddedCredential(Point.decode(t), Point.decode(v), n0, ballots)
            for t, v, n0, ballots in self.store.cast_credentials(conn, election_id)
        ]
        for rep in self.store.cover_replacements_of(conn, election_id):
            if rep["ballots"]:
                seed = CoverReplacement(bytes(rep["secret"])).seed(1, base)
                credentials.append(
                    PaddedCredential(
                        seed.tag_point(base), seed.voting_point(base),
                        int(rep["counter_start"]), int(rep["ballots"]),
                    )
                )  # fmt: skip
        _, cover_rows = self.store.batch_state(conn, election_id)
        return make_padding(ctx, credentials, cover_rows, self.rng)

    def _left(self, conn: Tx, election_id: str) -> tuple[int, int, int, int]:
        """What still waits for the board, as a value that changes whenever a batch
        posts any of it: the rows and registrations in the queue, the cover
        replacements not finished, and the steps those have done."""
        unfinished = self.store.unfinished_cover_replacements(conn, election_id)
        done = sum(int(r["first_seq"] is not None) + int(r["ballots_posted"]) for r in unfinished)
        return (
            self.store.waiting_count(conn, election_id, "cast-row"),
            self.store.waiting_count(conn, election_id, "registration"),
            len(unfinished),
            done,
        )

    def _hold_alphas(
        self, conn: Tx, election_id: str, board: BoardRules, items: Sequence[_Item]
    ) -> None:
        """What the rules need of the board for these items: every other object the
        service recorded that holds one of their alphas (a voter's were checked when it
        was accepted, cover's are fresh: this finds none unless something is wrong)."""
        own = {item.tracking for item in items}
        wanted = {a for item in items for a in item.alphas}
        for alpha, tracking, audited in self.store.revoting_alpha_owners(conn, election_id, wanted):
            if tracking not in own:
                (board.audited_alphas if audited else board.cast_alphas).add(alpha)

    # -- the close ---------------------------------------------------------------------------

    def close(self, election_id: str) -> None:
        """Close an election with re-voting protection, in one transaction: the batches
        due by now, then as many more as the queue needs (the close's block), the audits
        of ballots version 2 in the order of their tracking hashes, ``close``, and the
        padding, all but the due batches with the close's time."""
        ctx = self.elections.context(election_id)
        schedule = self._schedule(election_id)
        # the batches due by now first, each with its cover made before the lock (and
        # without the delay: the close appends the rest at once anyway)
        with self.store.posting_claim(election_id) as mine:
            if mine:
                self._post_due(election_id, 0)
        with self.store.transaction(election_id) as conn:
            row = self.store.election_row(conn, election_id)
            if row is None:
                raise ProtocolError(f"there is no election {election_id!r}")
            check_phase(BoardRules(phase=Phase(str(row["phase"]))), "close")
            open_ms = self.open_ms(election_id)
            assert open_ms is not None  # the election is open
            board = self._board(election_id, open_ms)
            board.batches, _ = self.store.batch_state(conn, election_id)
            now = self.elections.now_of(row)
            seq = int(row["next_seq"])
            while board.batches < schedule.due_by(open_ms, now):  # due since post_due
                due = max(schedule.due_ms(open_ms, board.batches), int(row["last_time_ms"]))
                seq = self._post(conn, ctx, board, board.batches, due, seq, None)
            # the close's block: at least one batch (so that it does not tell whether
            # anything waited), then as many as what still waits needs, the voters'
            # items and the cover replacements' steps; every hour of a schedule has room
            # for one of each, so each batch takes some of it
            block = 0
            while block == 0 or (left := self._left(conn, election_id)) != (0, 0, 0, 0):
                seq = self._post(conn, ctx, board, board.batches, now, seq, None, closing=True)
                if block and self._left(conn, election_id) == left:
                    raise ProtocolError(  # English only: a schedule has room in every hour
                        f"the close's batch {board.batches - 1} took nothing of what waits"
                    )
                block += 1
            audits = sorted(self.store.waiting(conn, election_id, "audit"), key=lambda a: a[1])
            posted: dict[int, int] = {}
            rows = RowBuffer()
            planned: list[_Planned] = []
            held = [
                _Item(
                    "audit", b"", tracking, None,
                    ballot_alphas(ballot_v2_from_json(parse_json(body)["ballot"])),
                )
                for _, tracking, body, _ in audits
            ]  # fmt: skip
            self._hold_alphas(conn, election_id, board, held)
            for (item_id, tracking, body, _), audit in zip(audits, held, strict=True):
                board.apply(AuditEvent(tracking, audit.alphas, now, 2))
                line = event_line(seq, now, "audit", body.encode())
                self.elections.check_line("audit", line)
                planned.append((seq, "audit", now, line, leaf_hash(line), tracking))
                posted[item_id] = seq
                seq += 1
            board.apply(CloseEvent(now))
            line = event_line(seq, now, "close", b"{}")
            planned.append((seq, "close", now, line, leaf_hash(line), None))
            seq += 1
            # the padding, right after (docs/coercion.md §5.3, A0)
            padding = self._padding(conn, ctx)
            board.apply(PaddingEvent(padding.cover_rows, len(padding.rows)))
            padded = canonical_bytes({"padding": padding_to_json(ctx.base_hash, padding)})
            line = event_line(seq, now, "padding", padded)
            self.elections.check_line("padding", line)
            planned.append((seq, "padding", now, line, leaf_hash(line), None))
            seq += 1
            # the close's first round opens: its deadline (docs/coercion.md §5.2)
            opened = close_round_body(FIRST_ROUND, now + self.elections.close_deadline_ms)
            board.apply(CloseObjectEvent("close-round"))
            line = event_line(seq, now, "close-round", canonical_bytes(opened))
            planned.append((seq, "close-round", now, line, leaf_hash(line), None))
            seq += 1
            # the cover replacements are whole on the board and padded: their secrets,
            # and their number K, are forgotten (docs/coercion.md §9)
            self.store.forget_cover_replacements(conn, election_id)
            self.store.plan_events(rows, election_id, planned)
            rows.flush(conn)
            self.store.mark_posted(conn, election_id, posted)
            self.store.set_next_seq(conn, election_id, seq, now)
            self.store.set_phase(conn, election_id, "closed")
        self._drop_stock(election_id)  # the cover made ahead is not needed any more
        self.elections.publish_tree_head(election_id)
