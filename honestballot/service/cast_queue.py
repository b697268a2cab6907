"""Group commit for casting: ballots arriving together share one transaction.

Every cast of an election appends under the election's lock and waits for a durable
commit (an fsync).  Done one ballot at a time, the lock and the flush cap an election
at a few hundred casts a second however many cores verify.  Here, request threads hand
their (already verified) ballots to one appender thread per process; it takes whatever
has queued up while the previous commit was flushing and appends it as one batch (the
``append`` function, e.g. :meth:`ElectionService.cast_batch`).  Each request gets its own
receipt, or its own refusal, only after the batch's commit: a receipt still means the
ballot is on disk.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from honestballot.errors import HonestBallotError
from honestballot.service.election import Receipt

log = logging.getLogger(__name__)

Item = TypeVar("Item")
#: appends one election's items in one transaction; one answer per item, in order
Append = Callable[[str, Sequence[Item]], Sequence[Receipt | HonestBallotError]]


@dataclass
class _Cast(Generic[Item]):
    election_id: str
    item: Item
    done: Future[Receipt] = field(default_factory=Future)


class CastQueue(Generic[Item]):
    def __init__(self, append: Append[Item], *, max_batch: int = 200) -> None:
        self.append = append
        self.max_batch = max_batch
        self._queue: queue.Queue[_Cast[Item] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.batches = 0
        self.ballots = 0

    def cast(self, election_id: str, item: Item, timeout_s: float = 120) -> Receipt:
        """Queue a verified ballot and wait for its receipt (or its refusal)."""
        self._start()
        pending: _Cast[Item] = _Cast(election_id, item)
        self._queue.put(pending)
        return pending.done.result(timeout=timeout_s)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="honestballot-cast-queue", daemon=True
                )
                self._thread.start()

    def stop(self) -> None:
        with self._lock:
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
            while len(batch) < self.max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(nxt)
            by_election: dict[str, list[_Cast[Item]]] = {}
            for pending in batch:
                by_election.setdefault(pending.election_id, []).append(pending)
            for election_id, casts in by_election.items():
                self._append(election_id, casts)

    def _append(self, election_id: str, casts: list[_Cast[Item]]) -> None:
        try:
            results = self.append(election_id, [c.item for c in casts])
        except HonestBallotError as exc:  # refused whole (the election is not open)
            for c in casts:
                c.done.set_exception(exc)
            return
        except BaseException as exc:  # nothing of the batch was committed
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
            if isinstance(result, HonestBallotError):
                c.done.set_exception(result)
            else:
                c.done.set_result(result)
