"""The service's CPU per voter, request type by request type.

``bench_primary.py`` replays the primary day and reports the service's CPU per voter as
one figure; this benchmark splits it by the voter's requests, which a mixed day cannot:
it takes ``--voters`` N voters through the ballot page's steps *one step at a time*, all
N voters doing ``GET /api/csrf``, then all N ``POST signin`` (and the wait for the
codes in the sender's outbox), then ``POST session``, ``GET context``, ``POST
credential`` and ``POST ballots``, ``--concurrency`` C requests in flight, and reads the
CPU seconds of the service's processes (``honestballot serve --workers W``: the parent
and its workers, from ``/proc/PID/stat``) and of PostgreSQL's backends of the benchmark's
database before and after each step.  CPU seconds, not wall time: the machine may be
shared, and other processes' load stretches wall time far more than the CPU a request
costs (it stretches that too, a little: caches, frequency).

Before the first step the service is left idle for ``--idle`` seconds to measure its
background work (tree heads, snapshots), which is reported and *not* subtracted.

With ``--py-spy DIR``, py-spy records every worker process during each step (``py-spy
record --pid WORKER``, Python frames only, idle threads left out, so a sample is a thread
on a CPU or waiting for the GIL's release), one raw file per step and worker in DIR;
collapsed stacks for ``flamegraph.pl`` or for counting by frame.  py-spy slows the
workers a little: take the CPU figures from a run without it.

Run from the repository root (PostgreSQL at 127.0.0.1:5432 with a database ``test``)::

    python benchmarks/bench_request_cpu.py --voters 3000 --concurrency 50
    python benchmarks/bench_request_cpu.py --voters 2000 --py-spy /tmp/spy

aiohttp is not a dependency of the project: ``pip install aiohttp`` first; py-spy from
PyPI for ``--py-spy``.  Figures are in docs/performance.md ("Service CPU per voter").
This is a benchmark, not a test: it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

# the benchmarks folder is not a package: bench_serve is found through sys.path above
import aiohttp
from bench_serve import (
    ELECTION,
    LANGUAGES,
    CpuMeter,
    OutboxTail,
    Server,
    Voter,
    _descendants,
    encrypt_all,
    free_port,
    fresh_database,
    make_voters,
    setup_election,
    voter_headers,
    voter_session,
)

PG_ADMIN_URL = os.environ.get("HONESTBALLOT_TEST_PG", "postgresql://127.0.0.1:5432/test")
_CLK_TCK = os.sysconf("SC_CLK_TCK")
API = f"/api/e/{ELECTION}"


class Steps:
    """The voters' requests, one kind at a time."""

    def __init__(self, base: str, tail: OutboxTail, concurrency: int) -> None:
        self.base = base
        self.tail = tail
        self.concurrency = concurrency
        self.statuses: Counter[str] = Counter()
        self.codes: dict[int, str] = {}

    def session(self) -> aiohttp.ClientSession:
        return voter_session(self.base, self.concurrency)

    async def call(
        self,
        http: aiohttp.ClientSession,
        v: Voter,
        name: str,
        method: str,
        path: str,
        body: bytes | None = None,
    ) -> bytes:
        headers = voter_headers(v, method, LANGUAGES[v.index % 3])
        async with http.request(method, path, headers=headers, data=body) as response:
            raw = await response.read()
            for cookie, morsel in response.cookies.items():
                v.cookies[cookie] = morsel.value
        self.statuses[f"{name} {response.status}"] += 1
        return raw

    async def csrf(self, http: aiohttp.ClientSession, v: Voter) -> None:
        v.csrf = json.loads(await self.call(http, v, "csrf", "GET", "/api/csrf"))["csrf"]

    async def signin(self, http: aiohttp.ClientSession, v: Voter) -> None:
        ask = json.dumps({"national_id": v.national_id}).encode()
        await self.call(http, v, "signin", "POST", f"{API}/signin", ask)
        self.codes[v.index] = await self.tail.code_for(v.phone, 120)

    async def session_(self, http: aiohttp.ClientSession, v: Voter) -> None:
        answer = json.dumps({"national_id": v.national_id, "code": self.codes[v.index]})
        await self.call(http, v, "session", "POST", f"{API}/session", answer.encode())

    async def context(self, http: aiohttp.ClientSession, v: Voter) -> None:
        await self.call(http, v, "context", "GET", f"{API}/context")

    async def credential(self, http: aiohttp.ClientSession, v: Voter) -> None:
        body = json.dumps({"credential": v.credential}).encode()
        await self.call(http, v, "credential", "POST", f"{API}/credential", body)

    async def cast(self, http: aiohttp.ClientSession, v: Voter) -> None:
        raw = await self.call(http, v, "cast", "POST", f"{API}/ballots", v.ballot)
        v.accepted = json.loads(raw).get("receipt", {}).get("tracking_hash") == v.tracking_hash

    async def run(self, http: aiohttp.ClientSession, voters: list[Voter], name: str) -> None:
        work = {
            "csrf": self.csrf,
            "signin": self.signin,
            "session": self.session_,
            "context": self.context,
            "credential": self.credential,
            "cast": self.cast,
        }[name]
        queue = iter(voters)

        async def worker() -> None:
            for v in queue:
                await work(http, v)

        await asyncio.gather(*(worker() for _ in range(min(self.concurrency, len(voters)))))


def user_sys(pid: int) -> tuple[float, float]:
    """User and system CPU seconds of a process and its descendants."""
    user = system = 0.0
    for p in _descendants(pid):
        try:
            stat = Path(f"/proc/{p}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        user += int(fields[11]) / _CLK_TCK
        system += int(fields[12]) / _CLK_TCK
    return user, system


def start_spies(
    directory: Path, step: str, server: Server, gil: bool
) -> list[subprocess.Popen[bytes]]:
    workers = [p for p in _descendants(server.pid) if p != server.pid]
    spies = []
    for pid in workers:
        command = [
            "py-spy", "record", "--pid", str(pid), "--rate", "200", "--format", "raw",
            "--output", str(directory / f"{step}-{pid}.txt"), "--nonblocking",
            *(["--gil"] if gil else []),
        ]  # fmt: skip
        spies.append(
            subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
    time.sleep(1.0)  # py-spy attaches
    return spies


def stop_spies(spies: list[subprocess.Popen[bytes]]) -> None:
    for spy in spies:
        spy.send_signal(2)  # SIGINT: py-spy writes its file and exits
    for spy in spies:
        spy.wait(60)


async def measure(
    args: argparse.Namespace, server: Server, voters: list[Voter], meter: CpuMeter
) -> dict[str, Any]:
    base = f"http://127.0.0.1:{server.port}"
    tail = OutboxTail(server.outbox)
    stop_tail = asyncio.Event()
    follower = asyncio.create_task(tail.follow(stop_tail))
    steps = Steps(base, tail, args.concurrency)
    out: dict[str, Any] = {}
    try:
        async with steps.session() as http:
            # open the connections and warm each worker (imports, caches) before measuring
            warm = voters[: args.warm]
            for name in ("csrf", "signin", "session", "context", "credential", "cast"):
                await steps.run(http, warm, name)
            before = meter.sample()
            await asyncio.sleep(args.idle)
            idle = CpuMeter.between(before, meter.sample())
            out["idle"] = {
                "server_cores": idle["server_cores"],
                "postgres_cores": idle["postgres_cores"],
            }
            measured = voters[args.warm :]
            for name in ("csrf", "signin", "session", "context", "credential", "cast"):
                spies = start_spies(args.py_spy, name, server, args.gil) if args.py_spy else []
                a, split_a = meter.sample(), user_sys(server.pid)
                await steps.run(http, measured, name)
                b, split_b = meter.sample(), user_sys(server.pid)
                stop_spies(spies)
                cpu = CpuMeter.between(a, b)
                n = len(measured)
                out[name] = {
                    "requests": n,
                    "wall_s": cpu["wall_s"],
                    "server_ms_per_request": 1000 * cpu["server_cpu_s"] / n,
                    "server_system_ms_per_request": 1000 * (split_b[1] - split_a[1]) / n,
                    "postgres_ms_per_request": 1000 * cpu["postgres_cpu_s"] / n,
                    "generator_ms_per_request": 1000 * cpu["generator_cpu_s"] / n,
                    "other_cores": cpu["other_cpu_s"] / cpu["wall_s"],
                }
                print(name, json.dumps(out[name]), flush=True)
    finally:
        stop_tail.set()
        await follower
    out["statuses"] = dict(sorted(steps.statuses.items()))
    out["accepted"] = sum(v.accepted for v in voters[args.warm :])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--voters", type=int, default=3000)
    parser.add_argument("--warm", type=int, default=200, help="voters before measuring")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="honestballot serve --workers")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle measured")
    parser.add_argument("--encrypt-procs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--py-spy", type=Path, help="a directory for py-spy's raw stacks")
    parser.add_argument(
        "--gil", action="store_true", help="py-spy samples only the thread holding the GIL"
    )
    parser.add_argument("--json", type=Path, help="write the summary here too")
    args = parser.parse_args()
    if args.py_spy:
        args.py_spy.mkdir(parents=True, exist_ok=True)

    results: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_start": os.getloadavg(),
        },
        "arguments": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
    }
    voters = make_voters(args.voters + args.warm)
    with (
        tempfile.TemporaryDirectory(prefix="hb-bench-cpu-") as tmp,
        fresh_database(args.admin_url, False) as (url, database),
    ):
        directory = Path(tmp)
        setup = setup_election(url, voters, directory)
        encrypt_all(voters, setup, args.encrypt_procs)
        server = Server(url, args.workers, free_port(), directory)
        server.start()
        try:
            meter = CpuMeter(server.pid, database)
            results["steps"] = asyncio.run(measure(args, server, voters, meter))
        finally:
            server.stop()
    results["load_average_at_end"] = os.getloadavg()
    steps = results["steps"]
    print(json.dumps(results, indent=1))
    print(f"\n{args.voters} voters, C = {args.concurrency}; CPU ms per request")
    print(f"{'step':<12}{'service':>9}{'(system)':>10}{'postgres':>10}{'wall s':>8}")
    total = [0.0, 0.0, 0.0]
    for name in ("csrf", "signin", "session", "context", "credential", "cast"):
        s = steps[name]
        total[0] += s["server_ms_per_request"]
        total[1] += s["server_system_ms_per_request"]
        total[2] += s["postgres_ms_per_request"]
        print(
            f"{name:<12}{s['server_ms_per_request']:>9.2f}"
            f"{s['server_system_ms_per_request']:>10.2f}{s['postgres_ms_per_request']:>10.2f}"
            f"{s['wall_s']:>8.1f}"
        )
    print(f"{'voter':<12}{total[0]:>9.2f}{total[1]:>10.2f}{total[2]:>10.2f}")
    print(f"idle: service {steps['idle']['server_cores']:.3f} cores; statuses {steps['statuses']}")
    print(
        f"load average {results['machine']['load_average_at_start']} -> "
        f"{results['load_average_at_end']}"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
