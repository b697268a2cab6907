"""Primary day: voters arriving on a schedule, each signing in and casting, while observers
refresh the turnout, against ``honestballot serve`` on PostgreSQL.

``bench_serve.py`` keeps a fixed number of voters in flight and measures rates; this one
replays the day the issue describes and measures what the voters meet:

* ``--voters`` N voters (50,000 by default) *arrive* at random moments: half of them in
  the first ``--rush-minutes`` (10), the rest over the next ``--rest-minutes`` (20), each
  half spread uniformly (a Poisson arrival process given its count).  A voter who has
  arrived does the whole ballot page's work at once: ``GET /api/csrf``, ``POST signin``
  (asking for a code), the code read from the sender's outbox (the SMS), ``POST session``
  (signing in), ``GET context``, ``POST credential`` and ``POST ballots``.  Nobody waits
  for anybody: if the server falls behind, voters pile up, as on the day;
* ``--observers`` M observers (50,000) each refresh ``/snapshots/<id>/turnout.json`` every
  ``--observer-interval`` s (10) for the whole run, from Debian's ``wrk`` (``apt install
  wrk``; one Python process cannot offer 5,000 reads/s on two cores without becoming the
  limit itself): ``--observer-connections`` connections, each waiting
  ``connections / rate`` after each answer;
* every request, and the wait for the code, is given 30 s (``--timeout``); a slower answer
  is an error, and so is any answer but the expected one;
* ballots and credentials are made *before* the run in a process pool (the voter's
  device's work), so the generator measures the server.

``--time-scale S`` multiplies both periods (0.1: 1 and 2 minutes) for a quick run during
development; with ``--voters`` scaled by the same S the arrival rates are the full run's.

What is reported: voters who finished and ballots accepted (and the board's own count of
ballot events), p50/p99/max of each step and of the whole visit, errors by step and kind,
the most voters in flight, and a timeline per ``--tick`` seconds of arrivals, completions
and the cores used by the server, PostgreSQL, the generator (with wrk) and the rest of
the machine.  Two instruments are optional:

* ``--py-spy FILE``: py-spy's collapsed stacks of every server process for
  ``--py-spy-seconds`` starting ``--py-spy-at`` seconds into the run (py-spy from PyPI;
  put its folder on ``PATH``);
* the **lock probe** (on unless ``--no-lock-probe``): ``lock_probe/sitecustomize.py``
  beside this file is loaded by every server process and records, for each transaction
  that locks the election's row, its label (cast batch, credential batch, other), its
  batch size, the wait for the lock and how long the lock was held.  The lock is what
  does not scale out: one election's casts and credentials all take it in turn.

Run from the repository root (PostgreSQL at 127.0.0.1:5432 with a database ``test``)::

    python benchmarks/bench_primary.py --voters 5000 --time-scale 0.1       # 3 minutes
    python benchmarks/bench_primary.py --front nginx --json primary.json    # the day, 35 min

aiohttp is not a dependency of the project: ``pip install aiohttp`` first.  Figures are
in docs/performance.md ("Primary day"). This is a benchmark, not a test: it asserts
nothing about speed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import platform
import random
import statistics
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
    CpuSample,
    OutboxTail,
    Server,
    Step,
    Voter,
    WrkObservers,
    _descendants,
    _proc_cpu,
    ballots_on_board,
    encrypt_all,
    free_port,
    fresh_database,
    make_voters,
    percentile,
    setup_election,
    voter_headers,
)

PG_ADMIN_URL = os.environ.get("HONESTBALLOT_TEST_PG", "postgresql://127.0.0.1:5432/test")
PROBE = Path(__file__).resolve().parent / "lock_probe"
STEPS = (
    ("csrf", 200),
    ("signin", 202),
    ("code", 0),
    ("session", 200),
    ("context", 200),
    ("credential", 201),
    ("cast", 201),
)


def arrivals(n: int, rush_s: float, rest_s: float, seed: int = 17) -> list[float]:
    """Arrival times (seconds from the start): half of ``n`` uniform over the rush, the
    rest uniform over the period after it; sorted."""
    pick = random.Random(seed)
    first = n // 2
    times = [pick.uniform(0, rush_s) for _ in range(first)]
    times += [rush_s + pick.uniform(0, rest_s) for _ in range(n - first)]
    return sorted(times)


class Day:
    """The virtual voters of one run: their requests, their latencies, their errors."""

    def __init__(self, base: str, tail: OutboxTail, timeout_s: float, connections: int) -> None:
        self.base = base
        self.tail = tail
        self.timeout_s = timeout_s
        self.connections = connections
        self.steps = {name: Step(expect) for name, expect in STEPS}
        self.visit = Step(0)  # arrival to receipt
        self.errors: Counter[str] = Counter()  # "step: kind"
        self.in_flight = 0
        self.most_in_flight = 0
        self.arrived = 0
        self.finished = 0
        self.accepted = 0
        self.receipt_mismatches = 0

    def session(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(limit=self.connections, limit_per_host=0)
        return aiohttp.ClientSession(
            self.base,
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),  # every voter keeps its own cookies
            timeout=aiohttp.ClientTimeout(total=self.timeout_s),
        )

    async def call(
        self,
        http: aiohttp.ClientSession,
        v: Voter,
        method: str,
        path: str,
        name: str,
        body: bytes | None = None,
    ) -> bytes | None:
        """One request; its body if it got the expected answer in time, else None (an
        error is counted)."""
        step = self.steps[name]
        headers = voter_headers(v, method, LANGUAGES[v.index % 3])
        t0 = time.perf_counter()
        try:
            async with http.request(method, path, headers=headers, data=body) as response:
                raw = await response.read()
                for cookie, morsel in response.cookies.items():
                    v.cookies[cookie] = morsel.value
                status = response.status
        except TimeoutError:
            step.add(time.perf_counter() - t0, "timeout")
            self.errors[f"{name}: no answer within {self.timeout_s:.0f} s"] += 1
            return None
        except aiohttp.ClientError as exc:
            step.add(time.perf_counter() - t0, type(exc).__name__)
            self.errors[f"{name}: {type(exc).__name__}"] += 1
            return None
        step.add(time.perf_counter() - t0, status)
        if status != step.expect:
            self.errors[f"{name}: HTTP {status}"] += 1
            return None
        return raw

    async def voter(self, http: aiohttp.ClientSession, v: Voter, at: float, start: float) -> None:
        await asyncio.sleep(max(0.0, start + at - time.perf_counter()))
        self.arrived += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        t0 = time.perf_counter()
        try:
            if await self._visit(http, v):
                self.visit.add(time.perf_counter() - t0, 0)
        finally:
            self.in_flight -= 1
            self.finished += 1

    async def _visit(self, http: aiohttp.ClientSession, v: Voter) -> bool:
        api = f"/api/e/{ELECTION}"
        raw = await self.call(http, v, "GET", "/api/csrf", "csrf")
        if raw is None:
            return False
        v.csrf = json.loads(raw)["csrf"]
        ask = json.dumps({"national_id": v.national_id}).encode()
        if await self.call(http, v, "POST", f"{api}/signin", "signin", ask) is None:
            return False
        t0 = time.perf_counter()
        try:
            code = await self.tail.code_for(v.phone, self.timeout_s)
        except TimeoutError:
            self.steps["code"].add(time.perf_counter() - t0, "timeout")
            self.errors[f"code: not sent within {self.timeout_s:.0f} s"] += 1
            return False
        self.steps["code"].add(time.perf_counter() - t0, 0)
        answer = json.dumps({"national_id": v.national_id, "code": code}).encode()
        if await self.call(http, v, "POST", f"{api}/session", "session", answer) is None:
            return False
        if await self.call(http, v, "GET", f"{api}/context", "context") is None:
            return False
        credential = json.dumps({"credential": v.credential}).encode()
        if await self.call(http, v, "POST", f"{api}/credential", "credential", credential) is None:
            return False
        raw = await self.call(http, v, "POST", f"{api}/ballots", "cast", v.ballot)
        if raw is None:
            return False
        v.accepted = True
        self.accepted += 1
        if json.loads(raw)["receipt"]["tracking_hash"] != v.tracking_hash:
            self.receipt_mismatches += 1
        return True


class Nginx:
    """``--front nginx``: nginx on this machine in front of the service, as
    docs/deployment.md deploys it: the snapshots served from their directory, everything
    else proxied over keep-alive connections.  Its ``X-Forwarded-For`` appends the peer to
    what the virtual voter sent (``$proxy_add_x_forwarded_for``), so the service still
    sees each voter's own address; a real deployment overwrites it with ``$remote_addr``."""

    def __init__(self, directory: Path, upstream_port: int) -> None:
        self.port = free_port()
        self.directory = directory / "nginx"
        self.directory.mkdir()
        self.conf = self.directory / "nginx.conf"
        self.conf.write_text(
            f"""
worker_processes 1;
daemon off;
{"user root;" if os.geteuid() == 0 else ""}
pid {self.directory}/nginx.pid;
error_log {self.directory}/error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    include /etc/nginx/mime.types;
    client_body_temp_path {self.directory}/body;
    proxy_temp_path {self.directory}/proxy;
    upstream honestballot {{ server 127.0.0.1:{upstream_port}; keepalive 512; }}
    server {{
        listen 127.0.0.1:{self.port} backlog=8192;
        keepalive_requests 1000000;
        location /snapshots/ {{
            alias {directory}/snapshots/;
            add_header Cache-Control "max-age=2";
        }}
        location / {{
            proxy_pass http://honestballot;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 120s;
            client_max_body_size 64m;
        }}
    }}
}}
"""
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["nginx", "-c", str(self.conf), "-p", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        time.sleep(1.0)
        if self.process.poll() is not None:
            raise SystemExit((self.directory / "error.log").read_text()[-2000:])

    def pids(self) -> list[int]:
        return _descendants(self.process.pid) if self.process is not None else []

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)


class FrontMeter(CpuMeter):
    """The server's CPU with nginx's counted in it (``--front nginx``)."""

    def __init__(self, server_pid: int, database: str, front: Nginx | None) -> None:
        super().__init__(server_pid, database)
        self.front = front
        self.front_cpu_s = 0.0

    def sample(self) -> CpuSample:
        s = super().sample()
        if self.front is not None:
            front = {p: _proc_cpu(p) for p in self.front.pids()}
            self.front_cpu_s = sum(front.values())
            s.server.update(front)
        return s


async def run_day(
    args: argparse.Namespace,
    server: Server,
    voters: list[Voter],
    meter: FrontMeter,
    results: dict[str, Any],
) -> None:
    port = meter.front.port if meter.front is not None else server.port
    base = f"http://127.0.0.1:{port}"
    tail = OutboxTail(server.outbox)
    stop_tail = asyncio.Event()
    follower = asyncio.create_task(tail.follow(stop_tail))
    day = Day(base, tail, args.timeout, args.connections)
    rush_s, rest_s = (
        args.rush_minutes * 60 * args.time_scale,
        args.rest_minutes * 60 * args.time_scale,
    )
    times = arrivals(len(voters), rush_s, rest_s)
    observers: WrkObservers | None = None
    profiler: subprocess.Popen[bytes] | None = None
    timeline: list[dict[str, Any]] = []
    try:
        if args.observers:
            observers = WrkObservers(
                base, args.observers, args.observer_connections, args.observer_interval, meter
            )
            await observers.start()
            await asyncio.sleep(args.observer_warmup)
        async with day.session() as http:
            first = meter.sample()
            start = time.perf_counter()
            tasks = [
                asyncio.create_task(day.voter(http, v, at, start))
                for v, at in zip(voters, times, strict=True)
            ]
            done = asyncio.gather(*tasks)
            previous, previous_counts = first, (0, 0)
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(done), args.tick)
                now = meter.sample()
                if profiler is None and args.py_spy and now.wall - start >= args.py_spy_at:
                    profiler = start_profiler(args, server)
                cpu = CpuMeter.between(previous, now)
                timeline.append(
                    {
                        "t_s": round(now.wall - start, 1),
                        "arrived": day.arrived - previous_counts[0],
                        "accepted": day.accepted - previous_counts[1],
                        "in_flight": day.in_flight,
                        "server_cores": round(cpu["server_cores"], 2),
                        "postgres_cores": round(cpu["postgres_cores"], 2),
                        "generator_cores": round(cpu["generator_cores"], 2),
                        "other_cores": round(cpu["other_cpu_s"] / cpu["wall_s"], 2),
                        "load_average": os.getloadavg()[0],
                    }
                )
                print(json.dumps(timeline[-1]), flush=True)
                previous, previous_counts = now, (day.arrived, day.accepted)
                if done.done():
                    break
            await done
            end = meter.sample()
        if observers is not None:
            await observers.stop()
    finally:
        stop_tail.set()
        await follower
        if profiler is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                profiler.wait(args.py_spy_seconds + 60)
    wall = end.wall - first.wall
    cpu = CpuMeter.between(first, end)
    results["day"] = {
        "voters": len(voters),
        "rush_s": rush_s,
        "rest_s": rest_s,
        "arrived": day.arrived,
        "accepted": day.accepted,
        "receipt_mismatches": day.receipt_mismatches,
        "errors": dict(day.errors),
        "most_in_flight": day.most_in_flight,
        "wall_s": wall,
        "steps": {name: step.summary() for name, step in day.steps.items()},
        "visit": day.visit.summary(),
        "cpu": cpu,
        "cpu_ms_per_voter": {
            party: 1000 * cpu[f"{party}_cpu_s"] / max(1, day.accepted)
            for party in ("server", "postgres", "generator")
        },
        "timeline": timeline,
    }
    if meter.front is not None:
        results["front"] = {"nginx_cpu_s": meter.front_cpu_s}
    if observers is not None:
        try:
            results["observers"] = observers.summary() | {"wrk_output": observers.output}
        except (KeyError, AttributeError, SystemExit):  # a report wrk did not finish
            results["observers"] = {"wrk_output": observers.output}


def start_profiler(args: argparse.Namespace, server: Server) -> subprocess.Popen[bytes]:
    command = [
        "py-spy", "record", "--pid", str(server.pid), "--subprocesses",
        "--gil", "--rate", str(args.py_spy_rate), "--duration", str(int(args.py_spy_seconds)),
        "--format", "raw", "--output", str(args.py_spy), "--nonblocking",
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def lock_figures(directory: Path) -> dict[str, Any]:
    """What the lock probe recorded, by label: transactions, items, wait and hold times,
    and the share of the run during which some transaction held the lock."""
    rows: list[tuple[float, str, int, float, float]] = []
    for path in directory.glob("lock-*.tsv"):
        for line in path.read_text().splitlines():
            at, label, items, wait, hold = line.split("\t")
            rows.append((float(at), label, int(items), float(wait), float(hold)))
    if not rows:
        return {}
    out: dict[str, Any] = {}
    for label in sorted({r[1] for r in rows}):
        mine = [r for r in rows if r[1] == label]
        holds = sorted(r[4] for r in mine)
        waits = sorted(r[3] for r in mine)
        items = sum(r[2] for r in mine)
        out[label] = {
            "transactions": len(mine),
            "items": items,
            "mean_batch": items / len(mine),
            "hold_ms_p50": percentile(holds, 50),
            "hold_ms_p99": percentile(holds, 99),
            "hold_ms_mean": statistics.fmean(holds),
            "hold_ms_total": sum(holds),
            "wait_ms_p50": percentile(waits, 50),
            "wait_ms_p99": percentile(waits, 99),
            "hold_ms_per_item": sum(holds) / items if items else None,
            "by_batch": _by_batch(mine),
        }
    span = max(r[0] for r in rows) - min(r[0] for r in rows)
    out["lock_held_share_of_run"] = sum(r[4] for r in rows) / 1000 / span if span else None
    return out


def _by_batch(rows: list[tuple[float, str, int, float, float]]) -> list[dict[str, Any]]:
    """Hold times by batch size: what one more item costs under the lock, hence the
    most items a second the lock lets through (``items / hold`` of the largest batches)."""
    out = []
    for low, high in ((0, 1), (2, 4), (5, 9), (10, 19), (20, 49), (50, 10**9)):
        mine = [r for r in rows if low <= r[2] <= high]
        if not mine:
            continue
        items = sum(r[2] for r in mine)
        held_s = sum(r[4] for r in mine) / 1000
        out.append(
            {
                "batch": f"{low}-{high}" if high < 10**9 else f"{low}+",
                "transactions": len(mine),
                "mean_items": items / len(mine),
                "hold_ms_mean": 1000 * held_s / len(mine),
                "hold_ms_p99": percentile(sorted(r[4] for r in mine), 99),
                "items_per_held_s": items / held_s if held_s else None,
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--voters", type=int, default=50_000)
    parser.add_argument("--rush-minutes", type=float, default=10.0)
    parser.add_argument("--rest-minutes", type=float, default=20.0)
    parser.add_argument("--time-scale", type=float, default=1.0, help="multiplies both periods")
    parser.add_argument("--timeout", type=float, default=30.0, help="slower counts as an error")
    parser.add_argument("--connections", type=int, default=4000, help="the voters' client pool")
    parser.add_argument("--workers", type=int, default=2, help="honestballot serve --workers")
    parser.add_argument(
        "--front",
        choices=("none", "nginx"),
        default="none",
        help="nginx in front, serving the snapshots itself (docs/deployment.md)",
    )
    parser.add_argument("--observers", type=int, default=50_000)
    parser.add_argument("--observer-connections", type=int, default=500)
    parser.add_argument("--observer-interval", type=float, default=10.0)
    parser.add_argument("--observer-warmup", type=float, default=3.0)
    parser.add_argument("--tick", type=float, default=60.0, help="seconds per timeline row")
    parser.add_argument("--encrypt-procs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--no-lock-probe", action="store_true")
    parser.add_argument("--py-spy", type=Path, help="collapsed stacks of the server here")
    parser.add_argument("--py-spy-at", type=float, default=120.0, help="seconds into the run")
    parser.add_argument("--py-spy-seconds", type=float, default=120.0)
    parser.add_argument("--py-spy-rate", type=int, default=50, help="samples per second")
    parser.add_argument("--json", type=Path, help="write the summary here too")
    args = parser.parse_args()

    results: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_at_start": os.getloadavg(),
        },
        "arguments": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
    }
    voters = make_voters(args.voters)
    with (
        tempfile.TemporaryDirectory(prefix="hb-bench-primary-") as tmp,
        fresh_database(args.admin_url, False) as (url, database),
    ):
        directory = Path(tmp)
        t0 = time.perf_counter()
        setup = setup_election(url, voters, directory)
        results["setup_s"] = time.perf_counter() - t0
        results["encrypt_s"] = encrypt_all(voters, setup, args.encrypt_procs)
        print(f"set up in {results['setup_s']:.0f} s, ballots made in {results['encrypt_s']:.0f} s")
        probe = directory / "lock-probe"
        if not args.no_lock_probe:
            probe.mkdir()
            os.environ["HB_LOCK_PROBE"] = str(probe)
            os.environ["PYTHONPATH"] = os.pathsep.join(
                [str(PROBE), *filter(None, [os.environ.get("PYTHONPATH")])]
            )
        server = Server(url, args.workers, free_port(), directory)
        server.start()
        front = Nginx(directory, server.port) if args.front == "nginx" else None
        try:
            if front is not None:
                front.start()
            meter = FrontMeter(server.pid, database, front)
            asyncio.run(run_day(args, server, voters, meter, results))
        finally:
            if front is not None:
                front.stop()
            server.stop()
        results["ballots_on_board"] = ballots_on_board(url)
        if not args.no_lock_probe:
            results["lock"] = lock_figures(probe)
        results["load_average_at_end"] = os.getloadavg()
    print(json.dumps(results, indent=1, default=str))
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str) + "\n")


def print_table(r: dict[str, Any]) -> None:
    d = r["day"]
    print(
        f"\n{d['voters']} voters over {d['rush_s']:.0f} + {d['rest_s']:.0f} s: "
        f"{d['accepted']} ballots accepted, {r['ballots_on_board']} on the board, "
        f"receipt mismatches {d['receipt_mismatches']}, most in flight {d['most_in_flight']}"
    )
    print(f"errors: {d['errors'] or 'none'}")
    print(f"{'step':<12}{'ok':>8}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for name, s in [*d["steps"].items(), ("visit", d["visit"])]:
        print(f"{name:<12}{s['ok']:>8}{s['p50_ms']:>10.1f}{s['p99_ms']:>10.1f}{s['max_ms']:>10.1f}")
    cpu = d["cpu"]
    print(
        f"cores busy over {d['wall_s']:.0f} s: server {cpu['server_cores']:.2f}, postgres "
        f"{cpu['postgres_cores']:.2f}, generator {cpu['generator_cores']:.2f}, machine "
        f"{cpu['machine_busy_cores']:.2f}; CPU per voter: "
        + ", ".join(f"{k} {v:.1f} ms" for k, v in d["cpu_ms_per_voter"].items())
    )
    if "reads_per_s" in r.get("observers", {}):
        o = r["observers"]
        print(
            f"observers: {o['reads_per_s']:.0f} reads/s of {o['offered_reads_per_s']:.0f} "
            f"offered, p50 {o['p50_ms']:.1f} ms, p99 {o['p99_ms']:.1f} ms, non-2xx "
            f"{o['statuses']['other']}, socket errors {o['socket_errors']}"
        )
    for label, f in r.get("lock", {}).items():
        if isinstance(f, dict):
            print(
                f"lock, {label}: {f['transactions']} transactions, mean batch "
                f"{f['mean_batch']:.1f}, hold p50/p99 {f['hold_ms_p50']:.1f}/"
                f"{f['hold_ms_p99']:.1f} ms, wait p50/p99 {f['wait_ms_p50']:.1f}/"
                f"{f['wait_ms_p99']:.1f} ms"
            )
            for row in f["by_batch"]:
                print(
                    f"  batch {row['batch']:>6}: {row['transactions']:>6} transactions, mean "
                    f"{row['mean_items']:.1f} items, hold {row['hold_ms_mean']:.1f} ms (p99 "
                    f"{row['hold_ms_p99']:.1f}), {row['items_per_held_s'] or 0:.0f} items per "
                    "second of lock held"
                )
    if r.get("lock"):
        print(f"lock held {100 * (r['lock']['lock_held_share_of_run'] or 0):.1f} % of the run")


if __name__ == "__main__":
    main()
