"""The cast path without HTTP: what verifying and appending a ballot cost in one process.

``bench_serve.py`` measures the whole service; this one takes HTTP, the client and the
second worker away to show what is left of a cast once the request has been parsed:

1. the core's rate: ``VotingDesk.parse_ballot`` (``load_ballot`` + ``verify_ballot``);
2. the appender's rate: ``VotingDesk.cast_batch`` (the voters' roll rows, the board's
   checks, the events, the credentials' latest ballot, a cast notice and an activity
   row per ballot, one commit) at several batch sizes, on a fresh PostgreSQL database.

CPU seconds are this process's own (``time.process_time``) and, separately, those of the
PostgreSQL backend serving it.  Usage::

    python benchmarks/bench_append.py --voters 2000 --batches 1,10,50,200
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# the benchmarks folder is not a package: bench_serve is found through sys.path above
from bench_serve import (
    ELECTION,
    encrypt_all,
    fresh_database,
    make_voters,
    setup_election,
)
from sqlalchemy import text

from honestballot.service.board.election import ElectionService
from honestballot.service.clock import now_ms
from honestballot.service.voters.roll import Roll
from honestballot.service.voters.voting import Client, VotingDesk
from honestballot.store.sql import SqlStore


def _backend_cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voters", type=int, default=2000)
    parser.add_argument("--batches", default="1,10,50,200", help="batch sizes to measure")
    parser.add_argument("--admin-url", default="postgresql://root@127.0.0.1:5432/test")
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
        ids = {v.national_id: v for v in voters}
        for row in (roll.voter_by_national_id(ELECTION, nid) for nid in ids):
            assert row is not None
            desk.register_credential(ELECTION, row.voter_id, ids[row.national_id].credential, None)
        voter_ids = [roll.voter_by_national_id(ELECTION, v.national_id) for v in voters]

        t0, c0 = time.perf_counter(), time.process_time()
        ballots = [desk.parse_ballot(ELECTION, v.ballot) for v in voters]
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        each_ms = cpu / len(ballots) * 1e3
        print(f"parse + verify: {len(ballots) / wall:.0f} ballots/s, {each_ms:.2f} ms CPU each")

        client = Client("198.18.0.1", "dev", "Firefox on Linux", "Mozilla/5.0", "en", "s")
        # a pool of one connection, so one backend serves every batch
        store_one = SqlStore(url, pool_size=1)
        desk = VotingDesk(ElectionService(store_one), Roll(store_one), desk.clock)
        with store_one.engine.connect() as conn:
            backend = int(conn.execute(text("select pg_backend_pid()")).scalar_one())
        start = 0
        for size in sizes:
            n = min(len(ballots) - start, max(size * 5, 200 // size * size))
            if n < size:
                print(f"batch {size}: not enough ballots left (use more --voters)")
                continue
            t0, c0, p0 = time.perf_counter(), time.process_time(), _backend_cpu_s(backend)
            for i in range(start, start + n, size):
                items = [
                    (row.voter_id, ballots[j], client)
                    for j, row in enumerate(voter_ids[i : i + size], i)
                    if row is not None
                ]
                results = desk.cast_batch(ELECTION, items)
                assert not any(isinstance(r, Exception) for r in results), results
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            pg = _backend_cpu_s(backend) - p0
            print(
                f"append, batch {size:>4}: {n / wall:7.0f} ballots/s;"
                f" CPU per ballot {cpu / n * 1e3:.2f} ms here + {pg / n * 1e3:.2f} ms PostgreSQL"
            )
            start += n
        store_one.close()
        store.close()


if __name__ == "__main__":
    main()
