"""Group commit for casting: ballots arriving together share one transaction.

Every cast of an election appends under the election's lock and waits for a durable
commit (an fsync).  Done one ballot at a time, the lock and the flush cap an election
at a few hundred casts a second however many cores verify.  Here, request threads hand
their (already verified) ballots to one appender thread per process; it takes whatever
has queued up while the previous commit was flushing and appends it as one batch
(:meth:`ElectionService.cast_batch`).  Each request gets its own receipt, or its own
refusal, only after the batch's commit: a receipt still means the ballot is on disk.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field

from honestballot.errors import HonestBallotError
from honestballot.protocol.ballot import EncryptedBallot
from honestballot.service.election import ElectionService, Receipt, Within


@dataclass
class _Cast:
    election_id: str
    ballot: EncryptedBallot
    within: Within
    done: Future[Receipt] = field(default_factory=Future)


class CastQueue:
    def __init__(self, elections: ElectionService, *, max_batch: int = 100) -> None:
        self.elections = elections
        self.max_batch = max_batch
        self._queue: queue.Queue[_Cast | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.batches = 0
        self.ballots = 0

    def cast(
        self, election_id: str, ballot: EncryptedBallot, within: Within, timeout_s: float = 120
    ) -> Receipt:
        """Queue a verified ballot and wait for its receipt (or its refusal)."""
        self._start()
        item = _Cast(election_id, ballot, within)
        self._queue.put(item)
        return item.done.result(timeout=timeout_s)

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
            by_election: dict[str, list[_Cast]] = {}
            for item in batch:
                by_election.setdefault(item.election_id, []).append(item)
            for election_id, items in by_election.items():
                self._append(election_id, items)

    def _append(self, election_id: str, items: list[_Cast]) -> None:
        try:
            results = self.elections.cast_batch(
                election_id, [(item.ballot, item.within) for item in items]
            )
        except BaseException as exc:  # the whole batch failed: nothing was committed
            for item in items:
                item.done.set_exception(exc)
            return
        self.batches += 1
        self.ballots += len(items)
        for item, result in zip(items, results, strict=True):
            if isinstance(result, HonestBallotError):
                item.done.set_exception(result)
            else:
                item.done.set_result(result)
