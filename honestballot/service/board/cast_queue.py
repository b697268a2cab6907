"""Group commit for casting (and for registering credentials): what arrives together
shares one transaction.

Every cast of an election appends under the election's lock and waits for a durable
commit (an fsync).  Done one ballot at a time, the lock and the flush cap an election
at a few hundred casts a second however many cores verify.  Here, request threads hand
their (already verified) ballots to one appender thread per process; it takes whatever
has queued up while the previous commit was flushing and appends it as one batch (the
``append`` function, e.g. :meth:`ElectionService.cast_batch`).  Each request gets its own
receipt, or its own refusal, only after the batch's commit: a receipt still means the
ballot is on disk.  Credentials, which also append to the board under the election's
lock, go through a queue of their own in the same way.

One item never costs another its answer.  The ``append`` function answers each item on
its own: a refusal, or a failure in preparing that item, is that item's error (the one it
would have had alone), and the rest of the batch is appended.  Only what concerns the
whole batch raises: a phase error (the election is not open), which refuses every item
alike, and a database error (in the append or its commit), after which the items are
tried again one at a time.  That retry is safe even when the commit did happen and only
its answer was lost: an item already on the board is answered with what it was given
(a ballot with its original receipt, a credential as registered) and appends nothing.

A batch's commit costs about the same whatever its size, so bigger batches are cheaper
per ballot; but ballots arrive one verification (a few milliseconds of CPU) apart, so
a batch taken as soon as the first ballot is there holds one or two.  Like PostgreSQL's
``commit_delay`` with ``commit_siblings``, the appender therefore waits a little (at
most ``linger_s``) for more ballots, but only while requests are *announced*: verifying
a ballot that will be queued here (:meth:`BatchQueue.announce`).  With nothing on the
way it commits at once, so an idle server adds no delay.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from honestballot.errors import HonestBallotError, StorageUnavailable

log = logging.getLogger(__name__)

#: what an item queued after :meth:`BatchQueue.stop` gets (the server is stopping; the web
#: answers it 503, and the voter's retry reaches a server that runs)
STOPPED = "QueueStopped"

Item = TypeVar("Item")
Result = TypeVar("Result")
Item_contra = TypeVar("Item_contra", contravariant=True)
#: appends one election's items in one transaction; one answer per item, in order: its
#: result, or the error that refuses it (an item that failed alone, however it failed)
Append = Callable[[str, Sequence[Item]], Sequence[Result | Exception]]


@dataclass
class _Pending(Generic[Item, Result]):
    election_id: str
    item: Item
    done: Future[Result] = field(default_factory=Future)


class Announcement:
    """A ballot on its way to a :class:`BatchQueue` (see :meth:`BatchQueue.announce`)."""

    def __init__(self, casts: BatchQueue[Any, Any]) -> None:
        self._casts: BatchQueue[Any, Any] | None = casts

    def end(self) -> None:
        casts, self._casts = self._casts, None
        if casts is not None:
            casts._unannounce()


class Queue(Protocol[Item_contra, Result]):
    """What the voting desk queues casts and credentials on: a :class:`BatchQueue` in this
    process, or the appender process's (:class:`~.appender.RemoteQueue`)."""

    def announce(self) -> AbstractContextManager[Announcement | None]: ...

    def submit(
        self, election_id: str, item: Item_contra, announced: Announcement | None = None
    ) -> Future[Result]: ...

    def cast(self, election_id: str, item: Item_contra, timeout_s: float = 120) -> Result: ...

    def stop(self) -> None: ...


class BatchQueue(Generic[Item, Result]):
    """Items (ballots, credentials) queued by request threads and appended in batches by
    one thread per process; each request gets its own answer after its batch's commit."""

    def __init__(
        self, append: Append[Item, Result], *, max_batch: int = 200, linger_s: float = 0.02
    ) -> None:
        self.append = append
        self.max_batch = max_batch
        self.linger_s = linger_s
        self._queue: queue.Queue[_Pending[Item, Result] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        #: requests verifying a ballot they will queue here
        self._announced = 0
        self._stopped = False
        self.batches = 0
        self.ballots = 0

    @contextmanager
    def announce(self) -> Iterator[Announcement]:
        """Around the verification of a ballot about to be cast: until the ballot is
        queued (pass the announcement to :meth:`cast`) or the block ends, the appender
        waits for it, up to ``linger_s``, before committing a batch."""
        announcement = Announcement(self)
        with self._lock:
            self._announced += 1
        try:
            yield announcement
        finally:
            announcement.end()

    def cast(self, election_id: str, item: Item, timeout_s: float = 120) -> Result:
        """Queue an item and wait for its answer (a ballot's receipt, or its refusal)."""
        return self.submit(election_id, item).result(timeout=timeout_s)

    def submit(
        self, election_id: str, item: Item, announced: Announcement | None = None
    ) -> Future[Result]:
        """Queue an item; the future gets its answer (or its refusal) after the batch's
        commit.  (An asynchronous caller awaits it without holding a thread.)  After
        :meth:`stop` the future fails at once with StorageUnavailable."""
        pending: _Pending[Item, Result] = _Pending(election_id, item)
        if not self._enqueue(pending):
            pending.done.set_exception(StorageUnavailable(STOPPED))
        if announced is not None:
            announced.end()
        return pending.done

    def _more_coming(self) -> bool:
        """Whether announced ballots are still being verified."""
        with self._lock:
            return self._announced > 0

    def _unannounce(self) -> None:
        with self._lock:
            self._announced -= 1

    def _enqueue(self, pending: _Pending[Item, Result]) -> bool:
        """Queue ``pending``, starting the batch thread unless it runs; False once the
        queue is stopped (an item arriving then would start a thread that :meth:`stop`
        no longer ends, or land behind the thread's end)."""
        with self._lock:
            if self._stopped:
                return False
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="honestballot-cast-queue", daemon=True
                )
                self._thread.start()
            self._queue.put(pending)
            return True

    def stop(self) -> None:
        """Append what is queued, then end the batch thread; later items are refused."""
        with self._lock:
            self._stopped = True
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(30)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            deadline = time.monotonic() + self.linger_s
            while len(batch) < self.max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    wait = deadline - time.monotonic()
                    if wait <= 0 or not self._more_coming():
                        break
                    try:
                        nxt = self._queue.get(timeout=min(wait, 0.002))
                    except queue.Empty:
                        continue
                if nxt is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(nxt)
            by_election: dict[str, list[_Pending[Item, Result]]] = {}
            for pending in batch:
                # a request that gave up (its client went away) before its batch began is
                # dropped; from here on its future can no longer be cancelled
                if pending.done.set_running_or_notify_cancel():
                    by_election.setdefault(pending.election_id, []).append(pending)
            for election_id, casts in by_election.items():
                self._append(election_id, casts)

    def _append(self, election_id: str, casts: list[_Pending[Item, Result]]) -> None:
        try:
            results = self.append(election_id, [c.item for c in casts])
        except HonestBallotError as exc:  # refused whole (the election is not open): an
            # item's own refusal, or its own failure in preparing it, is its answer instead
            for c in casts:
                c.done.set_exception(exc)
            return
        except BaseException as exc:  # a database error: nothing committed, or (a commit
            # whose answer was lost) all of it; tried again one by one, each item finds
            # itself on the board if it was committed and gets the answer it got then
            if len(casts) == 1:
                casts[0].done.set_exception(exc)
                return
            # one item must not sink the others: each is tried again on its own
            log.warning(
                "a batch of %d casts failed (%s); retrying one by one",
                len(casts),
                type(exc).__name__,
            )
            for c in casts:
                self._append(election_id, [c])
            return
        self.batches += 1
        self.ballots += len(casts)
        for c, result in zip(casts, results, strict=True):
            if isinstance(result, Exception):
                c.done.set_exception(result)
            else:
                c.done.set_result(result)
