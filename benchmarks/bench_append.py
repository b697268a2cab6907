"""The cast path without HTTP: what verifying and appending a ballot cost in one process.

``bench_serve.py`` measures the whole service; this one takes HTTP, the client and the
second worker away to show what is left of a cast once the request has been parsed:

1. the core's rate: ``VotingDesk.parse_ballot`` (``load_ballot`` + ``verify_ballot``);
2. the credential appender's rate: ``VotingDesk.register_credential_batch`` (the board's
   checks, the voters' rows, the credentials, their events, one commit);
3. the cast appender's rate: ``VotingDesk.cast_batch`` (the voters' roll rows, the board's
   checks, the events, the credentials' latest ballot, a cast notice and an activity
   row per ballot, one commit) at several batch sizes, on a fresh PostgreSQL database.

CPU seconds are this process's own (``time.process_time``) and, separately, those of the
PostgreSQL backend serving it.  For each batch size it also gives how long a batch held
the election's lock (from the return of its ``SELECT … FOR UPDATE`` to the return of its
commit: median and 90th percentile) and how many statements it sent in that time.

``--busy-threads N`` starts N threads that only compute in Python, as a server's request
threads do: the appender must then win the GIL back after each round trip to PostgreSQL,
which is what stretched the lock's hold under load (docs/performance.md, "Primary
day").

``--appender-process`` sends the credentials and casts to an appender process
(service/board/appender.py, what ``serve --workers N`` runs on PostgreSQL) over its Unix
socket instead, each batch's items one after the other as request processes send them;
the lock's figures are then the appender's (timed there), with its batches as it formed
them (their mean size is printed), and the busy threads compete with the sender only.
Usage::

    python benchmarks/bench_append.py --voters 2000 --batches 1,10,50,200
    python benchmarks/bench_append.py --voters 1000 --batches 1,10,50 --busy-threads 40
    python benchmarks/bench_append.py --voters 300 --batches 1,10,50 --busy-threads 8 \\
        --appender-process
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

sys.path.insert(0, str(Path(__file__).resolve().parent))

# the benchmarks folder is not a package: bench_serve is found through sys.path above
from bench_serve import (
    ELECTION,
    encrypt_all,
    fresh_database,
    make_voters,
    setup_election,
)
from sqlalchemy import event, text

from honestballot.service.board.appender import (
    CASTS,
    CREDENTIALS,
    AppenderClient,
    AppenderServer,
)
from honestballot.service.board.election import ElectionService
from honestballot.service.clock import now_ms
from honestballot.service.voters.roll import Roll
from honestballot.service.voters.voting import Client, CredentialItem, VotingDesk
from honestballot.store.sql import SqlStore


def _backend_cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class LockTimer:
    """Times each transaction of ``store`` that locks an election, and counts the
    statements it sends while it holds the lock (an instrument of this benchmark: it
    wraps the store object's ``transaction``)."""

    def __init__(self, store: SqlStore) -> None:
        self.held_ms: list[float] = []
        #: the appender thread's own CPU time while it held the lock (its Python work and
        #: the driver's), which the other threads do not stretch
        self.cpu_ms: list[float] = []
        self.statements: list[int] = []
        self._counting: list[int] | None = None
        original = store.transaction

        def count(*_args: Any) -> None:
            if self._counting is not None:
                self._counting[0] += 1

        event.listen(store.engine, "before_cursor_execute", count)

        @contextmanager
        def transaction(election_id: str | None = None) -> Iterator[Any]:
            if election_id is None:
                with original(election_id) as conn:
                    yield conn
                return
            with original(election_id) as conn:
                t1, c1, self._counting = time.perf_counter(), time.thread_time(), [0]
                yield conn
            self.held_ms.append((time.perf_counter() - t1) * 1e3)
            self.cpu_ms.append((time.thread_time() - c1) * 1e3)
            self.statements.append(self._counting[0])
            self._counting = None

        store.transaction = transaction  # type: ignore[method-assign]

    def summary(self) -> str:
        held = sorted(self.held_ms)
        p90 = held[min(len(held) - 1, int(len(held) * 0.9))]
        counts = sorted(set(self.statements))
        return (
            f"lock held {statistics.median(held):.2f} ms median, {p90:.2f} ms p90"
            f" (CPU of the holder meanwhile {statistics.median(self.cpu_ms):.2f} ms);"
            f" statements under it {'/'.join(str(c) for c in counts)}"
        )

    def clear(self) -> None:
        self.held_ms.clear()
        self.cpu_ms.clear()
        self.statements.clear()


class Timer(Protocol):
    def summary(self) -> str: ...

    def clear(self) -> None: ...


def appender_child(url: str, address: str, key: bytes, control: Connection) -> None:
    """The appender process of ``--appender-process``: an :class:`AppenderServer` over a
    store of one connection, its lock timed; answers ``clear`` and ``summary`` on
    ``control``."""
    store = SqlStore(url, pool_size=1)
    timer = LockTimer(store)
    server = AppenderServer(store, address, key)
    with store.engine.connect() as conn:
        backend = int(conn.execute(text("select pg_backend_pid()")).scalar_one())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    control.send(backend)
    cpu0 = time.process_time()
    while True:
        command = control.recv()
        if command == "clear":
            timer.clear()
            cpu0 = time.process_time()
            control.send(None)
        elif command == "summary":
            control.send((timer.summary(), len(timer.held_ms), time.process_time() - cpu0))
        else:
            break
    server.close()
    store.close()


class RemoteTimer:
    """The appender process's :class:`LockTimer`, read over ``control``; ``items`` is set
    by the caller to the items of the batch size being measured."""

    def __init__(self, control: Connection) -> None:
        self.control = control
        self.items = 0

    def clear(self) -> None:
        self.control.send("clear")
        self.control.recv()

    def summary(self) -> str:
        self.control.send("summary")
        summary, transactions, cpu_s = self.control.recv()
        mean = self.items / max(1, transactions)
        return (
            f"{summary}; {transactions} transactions, mean batch {mean:.1f};"
            f" appender CPU per item {cpu_s / max(1, self.items) * 1e3:.2f} ms"
        )


def busy(stop: threading.Event) -> None:
    """Compute in Python until ``stop`` is set (a request thread's competition for the
    GIL)."""
    x = 0
    while not stop.is_set():
        for i in range(10_000):
            x ^= i


def timed_batches(
    what: str,
    sizes: list[int],
    total: int,
    backend: int,
    timer: Timer,
    run: Callable[[int, int], None],
    per_size: int | None = None,
) -> int:
    """Run ``run(start, size)`` over consecutive slices of ``total`` items, for each batch
    size, and print the rate, CPU and lock figures; how many items were used."""
    start = 0
    for size in sizes:
        wanted = max(size * 5, 200 // size * size) if per_size is None else per_size
        n = min(total - start, wanted // size * size)
        if n < size:
            print(f"{what}, batch {size}: not enough voters left (use more --voters)")
            continue
        timer.clear()
        if isinstance(timer, RemoteTimer):
            timer.items = n
        t0, c0, p0 = time.perf_counter(), time.process_time(), _backend_cpu_s(backend)
        for i in range(start, start + n, size):
            run(i, size)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        pg = _backend_cpu_s(backend) - p0
        print(
            f"{what}, batch {size:>4}: {n / wall:7.0f} /s;"
            f" CPU per item {cpu / n * 1e3:.2f} ms here + {pg / n * 1e3:.2f} ms PostgreSQL;"
            f" {timer.summary()}"
        )
        start += n
    return start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voters", type=int, default=2000)
    parser.add_argument("--batches", default="1,10,50,200", help="batch sizes to measure")
    parser.add_argument("--admin-url", default="postgresql://root@127.0.0.1:5432/test")
    parser.add_argument(
        "--busy-threads", type=int, default=0, help="threads computing in Python meanwhile"
    )
    parser.add_argument(
        "--per-size", type=int, help="items per batch size (default: 200, at least 5 batches)"
    )
    parser.add_argument(
        "--appender-process",
        action="store_true",
        help="append through an appender process over its Unix socket",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.batches.split(",")]
    voters = make_voters(args.voters)
    with tempfile.TemporaryDirectory() as tmp, fresh_database(args.admin_url, False) as (url, _):
        setup = setup_election(url, voters, Path(tmp))
        encrypt_all(voters, setup, os.cpu_count() or 1)
        store = SqlStore(url)
        elections = ElectionService(store)
        roll = Roll(store)
        desk = VotingDesk(elections, roll, now_ms)
        voter_ids = [roll.voter_by_national_id(ELECTION, v.national_id) for v in voters]
        rows = [row for row in voter_ids if row is not None]
        assert len(rows) == len(voters)

        t0, c0 = time.perf_counter(), time.process_time()
        ballots = [desk.parse_ballot(ELECTION, v.ballot) for v in voters]
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        each_ms = cpu / len(ballots) * 1e3
        print(f"parse + verify: {len(ballots) / wall:.0f} ballots/s, {each_ms:.2f} ms CPU each")

        client = Client("198.18.0.1", "dev", "Firefox on Linux", "Mozilla/5.0", "en", "s")
        # a pool of one connection, so one backend serves every batch
        store_one = SqlStore(url, pool_size=1)
        timer: Timer = LockTimer(store_one)
        desk = VotingDesk(ElectionService(store_one), Roll(store_one), desk.clock)
        desk.elections.context(ELECTION)  # read once, before the batches
        with store_one.engine.connect() as conn:
            backend = int(conn.execute(text("select pg_backend_pid()")).scalar_one())
        remote: AppenderClient | None = None
        if args.appender_process:
            address, key = str(Path(tmp) / "appender.sock"), os.urandom(32)
            control, child_end = multiprocessing.Pipe()
            child = multiprocessing.get_context("spawn").Process(
                target=appender_child, args=(url, address, key, child_end)
            )
            child.start()
            backend = control.recv()
            timer = RemoteTimer(control)
            remote = AppenderClient(address, key)
        stop = threading.Event()
        competitors = [
            threading.Thread(target=busy, args=(stop,)) for _ in range(args.busy_threads)
        ]
        for thread in competitors:
            thread.start()

        def register(start: int, size: int) -> None:
            items = [
                CredentialItem(row.voter_id, row.unit, ballots[j].credential, None, None)
                for j, row in enumerate(rows[start : start + size], start)
            ]
            if remote is not None:
                sent = [remote.submit(CREDENTIALS, ELECTION, item) for item in items]
                assert [f.result(timeout=600) for f in sent] == [None] * len(items)
                return
            results = desk.register_credential_batch(ELECTION, items)
            assert not any(isinstance(r, Exception) for r in results), results

        def cast(start: int, size: int) -> None:
            items = [
                (row.voter_id, ballots[j], client)
                for j, row in enumerate(rows[start : start + size], start)
            ]
            if remote is not None:
                for f in [remote.submit(CASTS, ELECTION, item) for item in items]:
                    f.result(timeout=600)  # a receipt, or the refusal raised here
                return
            results = desk.cast_batch(ELECTION, items)
            assert not any(isinstance(r, Exception) for r in results), results

        try:
            # every voter gets a credential (in the measured batches, then the rest)
            done = timed_batches(
                "credentials", sizes, len(rows), backend, timer, register, args.per_size
            )
            for start in range(done, len(rows), 200):
                register(start, min(200, len(rows) - start))
            timed_batches("casts", sizes, len(rows), backend, timer, cast, args.per_size)
        finally:
            stop.set()
            for thread in competitors:
                thread.join()
            if remote is not None:
                remote.close()
                control.send("stop")
                child.join(30)
        store_one.close()
        store.close()


if __name__ == "__main__":
    main()
