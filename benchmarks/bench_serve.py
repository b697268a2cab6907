"""The voting service under load: ``honestballot serve`` driven over HTTP by virtual voters
and observers, against the core's own ballot-verification rate on the same cores.

No longer run: it measured version 1's voter flow, which is gone (docs/coercion.md §14
item 8; docs/performance.md, "Voting service under load", keeps its figures as history).
Its helpers (the server, the CPU meter, the outbox, the voters' sessions) serve
bench_request_cpu.py.  What a run did:

1. creates a fresh PostgreSQL database (``CREATE DATABASE`` through the admin URL; dropped
   at the end), and sets up through the service layer an open election with one contest
   of 5 candidates (vote for 1), 10 units and a roll of ``--voters`` voters, each with a
   phone number of its own;
2. pre-computes, in a process pool and *before* anything is timed, every voter's
   credential and encrypted ballot (that is the voter's device's work, not the server's);
3. measures the core's verification rate on the same ballots: ``load_ballot`` +
   ``verify_ballot`` in one process, then in a pool of ``--core-procs`` processes
   (default: every core), with no server running;
4. starts ``honestballot serve --workers W`` as a subprocess on a free port with a file
   sender, ``--trusted-proxy 127.0.0.1`` and ``--log-level warning``;
5. **sign-in phase**: every virtual voter gets a CSRF token, asks for a code, reads it from
   the sender's outbox, opens a session, fetches the election context and registers its
   credential (the same calls as the ballot page);
6. **cast phase**: every signed-in voter posts its pre-encrypted ballot; accepted ballots
   per second are counted over this phase alone, from the first request sent to the last
   response received, and the latency of the cast request is reported (p50/p90/p99/max);
7. with ``--observers M``, M virtual observers fetch the static turnout snapshot
   ``/snapshots/<election>/turnout.json`` over and over; when there are voters as well, the
   voters are split in two halves, the first half casts alone and the second half casts
   while the observers run, so the two cast rates can be compared within one run.

What "concurrent" means here: ``--concurrency C`` virtual voters are in flight at any
moment, each over a keep-alive connection of its own (C connections in all); a voter that
finishes hands its connection to the next one, until all ``--voters`` N are done.  Every
virtual voter has its own cookies (visitor, session), its own CSRF token and its own client
address (sent as ``X-Forwarded-For`` from the 198.18.0.0/15 benchmarking range, which is
why the server runs with ``--trusted-proxy 127.0.0.1``: the per-address limits would otherwise
stop the 31st voter from 127.0.0.1).  Observers: M virtual observers each refresh the
snapshot every ``--observer-interval`` seconds (default 10; 0 = as soon as the last read
returned, which measures capacity but lets the fastest observers keep the connections) over
at most ``--observer-connections`` connections; the reported latency includes the time an
observer waits for a free connection, and the "once connected" latency leaves it out.
With ``--observer-client wrk`` the reads come from Debian's ``wrk`` instead (``apt install
wrk``): each of the connections waits ``connections / rate`` seconds after each answer, so
it offers the same ``observers / interval`` reads per second for a few percent of a core,
where one Python client process needs a whole core and becomes the limit.

The machine is shared: the server's W processes, PostgreSQL and this load generator run on
the same cores.  The CPU time each used during each phase is read from ``/proc`` (server:
the ``serve`` process and its workers; PostgreSQL: the backends connected to the bench
database; generator: this process) and reported next to the rates, together with the
whole machine's busy time, so the comparison with the core's rate can be made honestly:

* ``cast rate / core rate on P processes`` -- the end-to-end figure the requirement names
  (at least 80 % of the core's verification throughput on the same cores);
* ``server efficiency`` -- ballots per CPU-second of the server and PostgreSQL together,
  against ballots per CPU-second of the core's one-process verification.

HTTP client: aiohttp (the pure-Python httpx pool spent about 2 ms of CPU per request here,
more than the server; aiohttp about 0.15 ms).  The sender's outbox is followed by one
reader that tails ``outbox.jsonl`` (``senders.read_outbox`` re-reads the whole file, which
is quadratic over 10,000 sign-ins).

Run from the repository root (PostgreSQL at 127.0.0.1:5432 with a database ``test``)::

    python benchmarks/bench_serve.py --voters 1000 --workers 2 --concurrency 200
    python benchmarks/bench_serve.py --voters 10000 --workers 2 --concurrency 500
    python benchmarks/bench_serve.py --voters 0 --observers 50000 --observer-duration 30 \
        --observer-client wrk
    python benchmarks/bench_serve.py --voters 4000 --observers 50000 --observer-client wrk \
        --json /tmp/serve.json

aiohttp is not a dependency of the project: ``pip install aiohttp`` first.  Figures and
their analysis are in docs/performance.md ("Voting service under load").

This is a benchmark, not a test (STYLE.md habit 9): it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import create_engine, func, select, text

from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.protocol.ballot import encrypt_ballot, verify_ballot
from honestballot.protocol.credential import generate_credential
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.manifest import Contest, Label, Manifest, Option, Unit
from honestballot.record.ballot import ballot_to_json, load_ballot
from honestballot.record.setup import context_from_setup
from honestballot.service.board.election import ElectionService
from honestballot.service.demo import run_key_ceremony
from honestballot.service.messages.senders import OUTBOX_NAME
from honestballot.service.voters.roll import Roll
from honestballot.service.voters.roll_csv import normalize_phone
from honestballot.store.schema import events
from honestballot.store.sql import SqlStore, engine_url

PG_ADMIN_URL = os.environ.get("HONESTBALLOT_TEST_PG", "postgresql://127.0.0.1:5432/test")
ELECTION = "bench-serve"
CONTEST = "chair"
CANDIDATES = tuple(f"cand-{i}" for i in range(1, 6))
VOTE_SHARES = (0.35, 0.25, 0.20, 0.15, 0.05)
UNITS = 10
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
LANGUAGES = ("ru", "kk", "en")


def voter_session(base: str, concurrency: int) -> aiohttp.ClientSession:
    """The load generator's HTTP client: at most ``concurrency`` connections, no shared
    cookie jar (every voter keeps its own cookies)."""
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=0)
    return aiohttp.ClientSession(
        base,
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=300),
    )


def voter_headers(voter: Voter, method: str, language: str) -> dict[str, str]:
    """A voter's browser's headers: its address (behind the proxy), its cookies, and for
    a POST the CSRF token and the JSON body's type."""
    headers = {
        "User-Agent": USER_AGENT,
        "Accept-Language": language,
        "X-Forwarded-For": voter.address,
    }
    if voter.cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in voter.cookies.items())
    if method == "POST":
        headers["X-CSRF-Token"] = voter.csrf
        headers["Content-Type"] = "application/json"
    return headers


_CODE = re.compile(rb"(?<![0-9])[0-9]{6}(?![0-9])")
_CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- the election ----------------------------------------------------------------------


def _label(text_: str) -> Label:
    return Label(ru=text_, kk=text_, en=text_)


def bench_manifest() -> Manifest:
    contest = Contest(
        CONTEST,
        _label("Chair"),
        tuple(Option(c, _label(f"Candidate {c[-1]}")) for c in CANDIDATES),
        1,
        1,
        False,
    )
    units = tuple(Unit(f"unit-{i}", _label(f"Unit {i}")) for i in range(1, UNITS + 1))
    return Manifest(ELECTION, _label("Load benchmark"), (contest,), units, 10)


@dataclass
class Voter:
    index: int
    national_id: str
    phone: str  # as the roll stores it, which is how the outbox names the destination
    address: str
    credential: str = ""
    ballot: bytes = b""
    tracking_hash: str = ""
    #: with re-voting protection (bench_request_cpu.py --revoting): the registration's body
    registration: bytes = b""
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""
    signed_in: bool = False
    accepted: bool = False


def make_voters(n: int) -> list[Voter]:
    if n > 1 << 17:
        raise SystemExit("at most 131,072 voters (one 198.18.0.0/15 address each)")
    voters = []
    for i in range(n):
        phone = normalize_phone(f"+7 7{i:09d}")
        assert phone is not None
        address = f"198.{18 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}"
        voters.append(Voter(i, f"{880000000000 + i}", phone, address))
    return voters


def roll_csv(voters: list[Voter]) -> bytes:
    lines = ["national_id,name,phone,email,unit"]
    lines += [
        f"{v.national_id},Voter {v.index},+{v.phone},,unit-{v.index % UNITS + 1}" for v in voters
    ]
    return ("\n".join(lines) + "\n").encode()


def setup_election(url: str, voters: list[Voter], directory: Path) -> tuple[str]:
    """Create and open the election; (the setup event's body as JSON,)."""
    manifest = bench_manifest()
    key, _secrets = run_key_ceremony(manifest, directory, SYSTEM_RANDOMNESS)
    store = SqlStore(url)
    try:
        service = ElectionService(store)
        service.create(manifest, key, unprotected=True)
        roll = Roll(store)
        if voters:
            roll.import_csv(ELECTION, roll_csv(voters))
        service.open(ELECTION, roll=lambda conn: roll.summary_body(ELECTION, conn))
        setup = next(iter(store.iter_events(ELECTION, kinds=("setup",))))
    finally:
        store.close()
    return (json.dumps(json.loads(setup.line)["body"]),)


# -- the voters' devices (process pool, before anything is timed) ------------------------

_CTX: ElectionContext | None = None


def _init_context(setup_json: str) -> None:
    global _CTX
    _CTX = context_from_setup(json.loads(setup_json), check_ceremony=False)[0]


def _context() -> ElectionContext:
    assert _CTX is not None, "the worker was not initialised"
    return _CTX


def _encrypt_chunk(indices: list[int]) -> list[tuple[int, str, bytes, str]]:
    ctx = _context()
    pick = random.Random(indices[0] if indices else 0)
    out = []
    for i in indices:
        credential = generate_credential(SYSTEM_RANDOMNESS)
        choice = pick.choices(CANDIDATES, VOTE_SHARES)[0]
        ballot, _opening = encrypt_ballot(
            ctx, credential, {CONTEST: frozenset({choice})}, SYSTEM_RANDOMNESS
        )
        body = json.dumps(ballot_to_json(ballot), separators=(",", ":")).encode()
        out.append((i, credential.public.hex(), body, ballot.tracking_hash().hex()))
    return out


def _verify_chunk(ballots: list[bytes]) -> int:
    ctx = _context()
    for body in ballots:
        verify_ballot(ctx, load_ballot(body))
    return len(ballots)


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def encrypt_all(voters: list[Voter], setup: tuple[str, str, bytes], procs: int) -> float:
    t0 = time.perf_counter()
    indices = [v.index for v in voters]
    size = max(1, min(200, len(indices) // (procs * 4) or 1))
    with ProcessPoolExecutor(procs, initializer=_init_context, initargs=setup) as pool:
        for part in pool.map(_encrypt_chunk, _chunks(indices, size)):
            for i, credential, body, tracking in part:
                v = voters[i]
                v.credential, v.ballot, v.tracking_hash = credential, body, tracking
    return time.perf_counter() - t0


def core_verification_rate(
    ballots: list[bytes], setup: tuple[str, str, bytes], procs: int
) -> float:
    """Ballots per second that load_ballot + verify_ballot reach on ``procs`` processes."""
    if procs <= 1:
        _init_context(*setup)
        _verify_chunk(ballots[:5])  # warm caches
        t0 = time.perf_counter()
        _verify_chunk(ballots)
        return len(ballots) / (time.perf_counter() - t0)
    size = max(1, len(ballots) // (procs * 8))
    with ProcessPoolExecutor(procs, initializer=_init_context, initargs=setup) as pool:
        list(pool.map(_verify_chunk, [ballots[:2]] * (procs * 2)))  # start every process
        t0 = time.perf_counter()
        done = sum(pool.map(_verify_chunk, _chunks(ballots, size)))
        return done / (time.perf_counter() - t0)


# -- the server and the CPU it uses ------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (0 if it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


def _descendants(pid: int) -> list[int]:
    found = [pid]
    for parent in found:
        for task in Path(f"/proc/{parent}/task").glob("*"):
            with contextlib.suppress(OSError):
                found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _postgres_backends(database: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            title = (entry / "cmdline").read_bytes()
            if title.startswith(b"postgres: ") and f" {database} ".encode() in title:
                pids.append(int(entry.name))
    return pids


def _machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, all cores."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    total = sum(values[:8])  # user nice system idle iowait irq softirq steal
    return total - values[3] - values[4], total


@dataclass
class CpuSample:
    wall: float
    generator: float
    server: dict[int, float]
    postgres: dict[int, float]
    busy: int
    total: int


class CpuMeter:
    def __init__(self, server_pid: int, database: str) -> None:
        self.server_pid = server_pid
        self.database = database
        #: other processes of the load generator (wrk), counted with it
        self.generator_pids: list[int] = []

    def sample(self) -> CpuSample:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        busy, total = _machine_jiffies()
        return CpuSample(
            time.perf_counter(),
            usage.ru_utime + usage.ru_stime + sum(_proc_cpu(p) for p in self.generator_pids),
            {p: _proc_cpu(p) for p in _descendants(self.server_pid)},
            {p: _proc_cpu(p) for p in _postgres_backends(self.database)},
            busy,
            total,
        )

    @staticmethod
    def between(a: CpuSample, b: CpuSample) -> dict[str, float]:
        """CPU seconds used in [a, b] by each party, and the cores each kept busy on average."""
        wall = b.wall - a.wall

        def used(before: dict[int, float], after: dict[int, float]) -> float:
            return sum(max(0.0, t - before.get(p, 0.0)) for p, t in after.items())

        server = used(a.server, b.server)
        postgres = used(a.postgres, b.postgres)
        generator = b.generator - a.generator
        cores = os.cpu_count() or 1
        machine = (b.busy - a.busy) / max(1, b.total - a.total) * cores * wall
        return {
            "wall_s": wall,
            "server_cpu_s": server,
            "postgres_cpu_s": postgres,
            "generator_cpu_s": generator,
            "machine_busy_cpu_s": machine,
            "other_cpu_s": max(0.0, machine - server - postgres - generator),
            "server_cores": server / wall,
            "postgres_cores": postgres / wall,
            "generator_cores": generator / wall,
            "machine_busy_cores": machine / wall,
        }


class Server:
    """``honestballot serve`` in its own process group (so a stop reaches every worker)."""

    def __init__(self, url: str, workers: int, port: int, directory: Path) -> None:
        self.port = port
        self.outbox = directory / "outbox"
        self.log_path = directory / "serve.log"
        self.command = [
            sys.executable,
            "-m",
            "honestballot",
            "serve",
            "--database",
            url,
            "--workers",
            str(workers),
            "--port",
            str(port),
            "--sender",
            f"file:{self.outbox}",
            "--snapshots",
            str(directory / "snapshots"),
            "--trusted-proxy",
            "127.0.0.1",
            "--log-level",
            "warning",
        ]
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout_s: float = 60.0) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
                    if s.recv(64).startswith(b"HTTP/1.1 200"):
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"the server did not answer within {timeout_s:.0f} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


# -- the sender's outbox ---------------------------------------------------------------


class OutboxTail:
    """Follows ``outbox.jsonl`` and hands each voter the code sent to its phone."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / OUTBOX_NAME
        self.offset = 0
        self.partial = b""
        self.codes: dict[str, str] = {}
        self.waiting: dict[str, asyncio.Future[str]] = {}

    def poll(self) -> None:
        try:
            with self.path.open("rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return
        self.offset += len(data)
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()  # a line still being written
        for line in lines:
            if b'"secret":true' not in line:
                continue  # a cast notice
            record = json.loads(line)
            match = _CODE.search(record["body"].encode())
            if match is None:
                continue
            destination = str(record["destination"])
            future = self.waiting.pop(destination, None)
            if future is not None and not future.done():
                future.set_result(match.group().decode())
            else:
                self.codes[destination] = match.group().decode()

    async def follow(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.poll()
            await asyncio.sleep(0.005)

    async def code_for(self, destination: str, timeout_s: float = 60.0) -> str:
        code = self.codes.pop(destination, None)
        if code is not None:
            return code
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.waiting[destination] = future
        return await asyncio.wait_for(future, timeout_s)


# -- statistics ----------------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


@dataclass
class Step:
    expect: int
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)

    def add(self, seconds: float, status: int | str) -> None:
        self.statuses[str(status)] += 1
        if status == self.expect:
            self.latencies.append(seconds)

    def summary(self) -> dict[str, Any]:
        ms = sorted(x * 1000 for x in self.latencies)
        return {
            "ok": len(ms),
            "statuses": dict(sorted(self.statuses.items())),
            "p50_ms": percentile(ms, 50),
            "p90_ms": percentile(ms, 90),
            "p99_ms": percentile(ms, 99),
            "max_ms": ms[-1] if ms else float("nan"),
        }


# -- the virtual voters ------------------------------------------------------------------


class Voting:
    def __init__(self, base: str, tail: OutboxTail, concurrency: int) -> None:
        self.base = base
        self.tail = tail
        self.concurrency = concurrency
        self.steps: dict[str, Step] = {
            "csrf": Step(200),
            "signin": Step(202),
            "code": Step(0),
            "session": Step(200),
            "context": Step(200),
            "credential": Step(201),
        }
        self.errors: Counter[str] = Counter()
        self.receipt_mismatches = 0

    def session(self) -> aiohttp.ClientSession:
        return voter_session(self.base, self.concurrency)

    async def call(
        self,
        http: aiohttp.ClientSession,
        voter: Voter,
        method: str,
        path: str,
        step: Step,
        body: bytes | None = None,
    ) -> tuple[int, bytes]:
        headers = voter_headers(voter, method, "en")
        t0 = time.perf_counter()
        async with http.request(method, path, headers=headers, data=body) as response:
            raw = await response.read()
            for name, morsel in response.cookies.items():
                voter.cookies[name] = morsel.value
        step.add(time.perf_counter() - t0, response.status)
        return response.status, raw

    async def sign_in(self, http: aiohttp.ClientSession, v: Voter) -> None:
        s = self.steps
        api = f"/api/e/{ELECTION}"
        status, raw = await self.call(http, v, "GET", "/api/csrf", s["csrf"])
        if status != 200:
            return
        v.csrf = json.loads(raw)["csrf"]
        ask = json.dumps({"national_id": v.national_id}).encode()
        if (await self.call(http, v, "POST", f"{api}/signin", s["signin"], ask))[0] != 202:
            return
        t0 = time.perf_counter()
        code = await self.tail.code_for(v.phone)
        s["code"].add(time.perf_counter() - t0, 0)
        answer = json.dumps({"national_id": v.national_id, "code": code}).encode()
        if (await self.call(http, v, "POST", f"{api}/session", s["session"], answer))[0] != 200:
            return
        if (await self.call(http, v, "GET", f"{api}/context", s["context"]))[0] != 200:
            return
        credential = json.dumps({"credential": v.credential}).encode()
        status, _ = await self.call(
            http, v, "POST", f"{api}/credential", s["credential"], credential
        )
        v.signed_in = status == 201

    async def cast(self, http: aiohttp.ClientSession, v: Voter, step: Step) -> None:
        status, raw = await self.call(http, v, "POST", f"/api/e/{ELECTION}/ballots", step, v.ballot)
        if status == 201:
            v.accepted = True
            if json.loads(raw)["receipt"]["tracking_hash"] != v.tracking_hash:
                self.receipt_mismatches += 1

    async def run(
        self, voters: list[Voter], work: Callable[[aiohttp.ClientSession, Voter], Awaitable[None]]
    ) -> tuple[float, float]:
        """Run ``work`` for every voter, ``concurrency`` at a time; (start, end) times."""
        queue = iter(voters)
        async with self.session() as http:
            # open the connections before the clock starts
            await asyncio.gather(
                *(self._warm(http) for _ in range(min(self.concurrency, len(voters))))
            )

            async def worker() -> None:
                for v in queue:
                    try:
                        await work(http, v)
                    except Exception as exc:  # counted and reported, the run goes on
                        self.errors[type(exc).__name__] += 1

            t0 = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(min(self.concurrency, len(voters)))))
            return t0, time.perf_counter()

    @staticmethod
    async def _warm(http: aiohttp.ClientSession) -> None:
        async with http.get("/healthz") as r:
            await r.read()


# -- the observers -----------------------------------------------------------------------


def make_observers(
    args: argparse.Namespace, base: str, meter: CpuMeter
) -> Observers | WrkObservers:
    count, connections = args.observers, args.observer_connections
    if args.observer_client == "wrk":
        return WrkObservers(base, count, connections, args.observer_interval, meter)
    return Observers(base, count, connections, args.observer_interval)


class Observers:
    def __init__(self, base: str, count: int, connections: int, interval_s: float) -> None:
        self.base = base
        self.count = count
        self.connections = connections
        self.interval_s = interval_s
        self.path = f"/snapshots/{ELECTION}/turnout.json"
        self.step = Step(200)  # what an observer waits: for a free connection, then the read
        self.on_connection = Step(200)  # the read alone, once it has a connection
        self.window: tuple[float, float] = (0.0, 0.0)
        self._stop = asyncio.Event()
        self._counting = False
        self._tasks: list[asyncio.Task[None]] = []
        self._http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=self.connections, limit_per_host=0)
        trace = aiohttp.TraceConfig()
        trace.on_connection_queued_start.append(_queued_start)
        trace.on_connection_queued_end.append(_queued_end)
        self._http = aiohttp.ClientSession(
            self.base,
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=600),
            trace_configs=[trace],
        )
        self._tasks = [asyncio.create_task(self._observe(i)) for i in range(self.count)]

    def count_from_now(self) -> None:
        self._counting = True
        self.window = (time.perf_counter(), 0.0)

    async def stop(self) -> None:
        self.window = (self.window[0], time.perf_counter())
        self._counting = False
        self._stop.set()
        _, pending = await asyncio.wait(self._tasks, timeout=10)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if self._http is not None:
            await self._http.close()

    async def _observe(self, i: int) -> None:
        assert self._http is not None
        pick = random.Random(i)
        if self.interval_s > 0:  # observers arrive spread over one refresh interval
            await asyncio.sleep(pick.uniform(0, self.interval_s))
        headers = {"User-Agent": USER_AGENT}
        while not self._stop.is_set():
            t0 = time.perf_counter()
            status: int | str
            queue = _Queued()
            try:
                async with self._http.get(
                    self.path, headers=headers, trace_request_ctx=queue
                ) as response:
                    await response.read()
                    status = response.status
            except Exception as exc:
                status = type(exc).__name__
            if self._counting:
                elapsed = time.perf_counter() - t0
                self.step.add(elapsed, status)
                self.on_connection.add(elapsed - queue.waited, status)
            if self.interval_s > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._stop.wait(), max(0.0, t0 + self.interval_s - time.perf_counter())
                    )

    def summary(self) -> dict[str, Any]:
        start, end = self.window
        s = self.step.summary()
        s.update(
            observers=self.count,
            connections=self.connections,
            refresh_interval_s=self.interval_s,
            offered_reads_per_s=(self.count / self.interval_s) if self.interval_s else None,
            window_s=end - start,
            reads_per_s=s["ok"] / (end - start) if end > start else float("nan"),
            once_connected=self.on_connection.summary(),
        )
        return s


class WrkObservers:
    """The observers' reads made by wrk (``--observer-client wrk``) rather than by Python
    tasks: one Python client process cannot offer 5,000 reads/s without taking a whole
    core from the server it measures.  Each of the ``connections`` connections stands for
    ``count / connections`` observers: after each answer it waits ``connections / rate``
    seconds (wrk's ``delay()``), so the offered rate is ``count / interval_s``.  wrk counts
    from its start, so its figures include the warm-up."""

    def __init__(
        self, base: str, count: int, connections: int, interval_s: float, meter: CpuMeter
    ) -> None:
        self.url = f"{base}/snapshots/{ELECTION}/turnout.json"
        self.count, self.connections, self.interval_s = count, connections, interval_s
        self.meter = meter
        self.rate = count / interval_s if interval_s else float("inf")
        self.delay_ms = connections / self.rate * 1000 if interval_s else 0.0
        self.window: tuple[float, float] = (0.0, 0.0)
        self.output = ""
        self._process: asyncio.subprocess.Process | None = None
        self._script = Path(tempfile.mkstemp(prefix="hb-wrk-", suffix=".lua")[1])

    async def start(self) -> None:
        self._script.write_text(
            f'wrk.headers["User-Agent"] = "{USER_AGENT}"\n'
            f"delay = function() return {self.delay_ms:.3f} end\n"
        )
        self._process = await asyncio.create_subprocess_exec(
            "wrk", "-t", "1", "-c", str(self.connections), "-d", "3600s", "--timeout", "30s",
            "--latency", "-s", str(self._script), self.url,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        self.meter.generator_pids.append(self._process.pid)
        self.window = (time.perf_counter(), 0.0)

    def count_from_now(self) -> None:
        """Nothing to start: wrk reports over its whole run, warm-up included."""

    async def stop(self) -> None:
        assert self._process is not None
        self.window = (self.window[0], time.perf_counter())
        self._process.send_signal(signal.SIGINT)  # wrk prints its report and exits
        out, _ = await self._process.communicate()
        self.output = out.decode()
        self.meter.generator_pids.remove(self._process.pid)
        self._script.unlink(missing_ok=True)

    def summary(self) -> dict[str, Any]:
        def ms(text: str) -> float:
            value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
            return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

        found = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", self.output, re.M))
        total = re.search(r"^\s+(\d+) requests in", self.output, re.M)
        rate = re.search(r"^Requests/sec:\s+([\d.]+)", self.output, re.M)
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", self.output)
        errors = re.search(r"Socket errors: (.*)$", self.output, re.M)
        if not (found and total and rate):
            raise SystemExit(f"could not read wrk's report:\n{self.output}")
        ok = int(total.group(1)) - (int(bad.group(1)) if bad else 0)
        latency = {
            "ok": ok,
            "statuses": {"2xx/3xx": ok, "other": int(bad.group(1)) if bad else 0},
            "p50_ms": ms(found["50"]),
            "p90_ms": ms(found["90"]),
            "p99_ms": ms(found["99"]),
            "max_ms": float("nan"),
        }
        start, end = self.window
        return latency | {
            "client": "wrk",
            "observers": self.count,
            "connections": self.connections,
            "refresh_interval_s": self.interval_s,
            "offered_reads_per_s": self.rate,
            "window_s": end - start,
            "reads_per_s": float(rate.group(1)),
            "once_connected": latency,
            "socket_errors": errors.group(1) if errors else "none",
        }


@dataclass
class _Queued:
    """How long one request waited for a free connection (filled in by the trace hooks)."""

    since: float = 0.0
    waited: float = 0.0


async def _queued_start(
    _session: aiohttp.ClientSession, context: Any, _params: aiohttp.TraceConnectionQueuedStartParams
) -> None:
    context.trace_request_ctx.since = time.perf_counter()


async def _queued_end(
    _session: aiohttp.ClientSession, context: Any, _params: aiohttp.TraceConnectionQueuedEndParams
) -> None:
    queued: _Queued = context.trace_request_ctx
    queued.waited += time.perf_counter() - queued.since


# -- the run ---------------------------------------------------------------------------------


def cast_summary(
    voting: Voting, step: Step, window: tuple[float, float], cpu: dict[str, float]
) -> dict[str, Any]:
    start, end = window
    s = step.summary()
    rate = s["ok"] / (end - start) if end > start else float("nan")
    server_and_db = cpu["server_cpu_s"] + cpu["postgres_cpu_s"]
    s.update(
        wall_s=end - start,
        ballots_per_s=rate,
        server_cpu_ms_per_ballot=1000 * cpu["server_cpu_s"] / max(1, s["ok"]),
        postgres_cpu_ms_per_ballot=1000 * cpu["postgres_cpu_s"] / max(1, s["ok"]),
        ballots_per_server_cpu_s=s["ok"] / server_and_db if server_and_db else float("nan"),
        cpu=cpu,
    )
    return s


async def drive(
    args: argparse.Namespace,
    server: Server,
    voters: list[Voter],
    meter: CpuMeter,
    results: dict[str, Any],
) -> None:
    base = f"http://127.0.0.1:{server.port}"
    tail = OutboxTail(server.outbox)
    stop_tail = asyncio.Event()
    follower = asyncio.create_task(tail.follow(stop_tail))
    voting = Voting(base, tail, args.concurrency)
    try:
        if voters:
            async with voting.session() as http, http.get(f"/api/e/{ELECTION}/context") as r:
                served = await r.json()
            results["served_base_hash"] = served["base_hash"]

            a = meter.sample()
            t0, t1 = await voting.run(voters, voting.sign_in)
            b = meter.sample()
            signed = [v for v in voters if v.signed_in]
            results["sign_in"] = {
                "voters": len(voters),
                "signed_in": len(signed),
                "wall_s": t1 - t0,
                "voters_per_s": len(signed) / (t1 - t0),
                "steps": {name: step.summary() for name, step in voting.steps.items()},
                "errors": dict(voting.errors),
                "cpu": CpuMeter.between(a, b),
            }
            voting.errors.clear()

            halves = [signed]
            if args.observers:
                halves = [signed[: len(signed) // 2], signed[len(signed) // 2 :]]
            results["cast"] = []
            for n, group in enumerate(halves):
                observers: Observers | WrkObservers | None = None
                if n == 1:
                    observers = make_observers(args, base, meter)
                    await observers.start()
                    await asyncio.sleep(args.observer_warmup)
                    observers.count_from_now()
                profiler = start_py_spy(args, server) if n == 0 else None
                step = Step(201)
                a = meter.sample()

                async def cast(http: aiohttp.ClientSession, v: Voter, s: Step = step) -> None:
                    await voting.cast(http, v, s)

                window = await voting.run(group, cast)
                b = meter.sample()
                stop_py_spy(profiler)
                if observers is not None:
                    await observers.stop()
                summary = cast_summary(voting, step, window, CpuMeter.between(a, b))
                summary["with_observers"] = observers.summary() if observers else None
                summary["errors"] = dict(voting.errors)
                summary["receipt_mismatches"] = voting.receipt_mismatches
                results["cast"].append(summary)
                voting.errors.clear()
        if args.observers and not voters:
            observers = make_observers(args, base, meter)
            await observers.start()
            await asyncio.sleep(args.observer_warmup)
            a = meter.sample()
            observers.count_from_now()
            await asyncio.sleep(args.observer_duration)
            b = meter.sample()
            await observers.stop()
            results["observers"] = observers.summary() | {"cpu": CpuMeter.between(a, b)}
    finally:
        stop_tail.set()
        await follower


def start_py_spy(args: argparse.Namespace, server: Server) -> subprocess.Popen[bytes] | None:
    if not args.py_spy:
        return None
    py_spy = Path(sys.executable).with_name("py-spy")
    command = [
        str(py_spy) if py_spy.exists() else "py-spy",
        "record",
        "--pid",
        str(server.pid),
        "--subprocesses",
        "--gil",
        "--rate",
        "200",
        "--format",
        "raw",
        "--output",
        str(args.py_spy),
        "--nonblocking",
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_py_spy(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None:
        process.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(60)


@contextlib.contextmanager
def fresh_database(admin_url: str, keep: bool) -> Iterator[tuple[str, str]]:
    name = "hb_bench_" + uuid.uuid4().hex[:12]
    admin = create_engine(engine_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield admin_url.rsplit("/", 1)[0] + "/" + name, name
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def ballots_on_board(url: str) -> int:
    store = SqlStore(url)
    try:
        with store.engine.connect() as conn:
            q = select(func.count()).where(
                events.c.election_id == ELECTION, events.c.kind == "ballot"
            )
            return int(conn.execute(q).scalar_one())
    finally:
        store.close()


def main() -> None:
    """Version 1's voter flow, whose casts this benchmark's load phases measured, is gone
    (docs/coercion.md §14 item 8); its helpers serve bench_request_cpu.py, which measures
    re-voting protection's flow."""
    raise SystemExit(
        "bench_serve.py measured version 1's voter flow (POST credential, POST ballots), "
        "which is gone; run bench_request_cpu.py (re-voting protection) instead"
    )



def compare(results: dict[str, Any]) -> None:
    core = results.get("core")
    if not core or not results.get("cast"):
        return
    procs = core["procs"]
    core_rate = core[f"ballots_per_s_{procs}_processes"]
    for phase in results["cast"]:
        phase["vs_core"] = {
            f"cast_rate_over_core_rate_{procs}_processes": phase["ballots_per_s"] / core_rate,
            "server_efficiency_over_core_1_process": phase["ballots_per_server_cpu_s"]
            / core["ballots_per_s_1_process"],
        }


def print_table(r: dict[str, Any]) -> None:
    def row(*cells: object) -> None:
        print("  ".join(f"{c:>14}" if i else f"{c:<30}" for i, c in enumerate(cells)))

    print(f"concurrency: {r['concurrency_means']}")
    if "core" in r:
        c = r["core"]
        many = c[f"ballots_per_s_{c['procs']}_processes"]
        print(
            f"core verify (load_ballot + verify_ballot, {c['sample']} ballots): "
            f"{c['ballots_per_s_1_process']:.0f}/s on 1 process, {many:.0f}/s on {c['procs']}"
        )
    if "sign_in" in r:
        s = r["sign_in"]
        print(
            f"sign-in phase: {s['signed_in']}/{s['voters']} voters in {s['wall_s']:.1f} s "
            f"= {s['voters_per_s']:.0f} voters/s; errors {s['errors'] or 'none'}"
        )
        row("step", "ok", "p50 ms", "p99 ms", "max ms")
        for name, st in s["steps"].items():
            row(name, st["ok"], f"{st['p50_ms']:.1f}", f"{st['p99_ms']:.1f}", f"{st['max_ms']:.1f}")
        cpu = s["cpu"]
        print(
            f"  cores busy: server {cpu['server_cores']:.2f}, postgres {cpu['postgres_cores']:.2f}"
            f", generator {cpu['generator_cores']:.2f}, machine {cpu['machine_busy_cores']:.2f}"
        )
    for phase in r.get("cast", []):
        obs = phase["with_observers"]
        title = "cast" + (f" + {obs['observers']} observers" if obs else "")
        print(
            f"{title}: {phase['ok']} accepted in {phase['wall_s']:.1f} s, statuses "
            f"{phase['statuses']}, errors {phase['errors'] or 'none'}"
        )
        row("ballots/s", "p50 ms", "p90 ms", "p99 ms", "max ms")
        row(
            f"{phase['ballots_per_s']:.0f}",
            f"{phase['p50_ms']:.1f}",
            f"{phase['p90_ms']:.1f}",
            f"{phase['p99_ms']:.1f}",
            f"{phase['max_ms']:.1f}",
        )
        cpu = phase["cpu"]
        print(
            f"  cores busy: server {cpu['server_cores']:.2f}, postgres {cpu['postgres_cores']:.2f}"
            f", generator {cpu['generator_cores']:.2f}, machine {cpu['machine_busy_cores']:.2f}; "
            f"server {phase['server_cpu_ms_per_ballot']:.2f} ms + postgres "
            f"{phase['postgres_cpu_ms_per_ballot']:.2f} ms CPU per ballot"
        )
        for k, v in phase.get("vs_core", {}).items():
            print(f"  {k}: {v:.2f}")
        if obs:
            print(
                f"  observers: {obs['reads_per_s']:.0f} reads/s, p50 {obs['p50_ms']:.1f} ms, "
                f"p99 {obs['p99_ms']:.1f} ms (once connected: p50 "
                f"{obs['once_connected']['p50_ms']:.1f} ms, p99 "
                f"{obs['once_connected']['p99_ms']:.1f} ms), statuses {obs['statuses']}"
            )
    if "observers" in r:
        o = r["observers"]
        cpu = o["cpu"]
        print(
            f"observers only: {o['observers']} over {o['connections']} connections: "
            f"{o['reads_per_s']:.0f} reads/s, p50 {o['p50_ms']:.1f} ms, p99 {o['p99_ms']:.1f} ms"
            f" (once connected: p50 {o['once_connected']['p50_ms']:.1f} ms, p99 "
            f"{o['once_connected']['p99_ms']:.1f} ms), statuses {o['statuses']}; "
            f"cores busy: server {cpu['server_cores']:.2f}, "
            f"generator {cpu['generator_cores']:.2f}, machine {cpu['machine_busy_cores']:.2f}"
        )
    if "accepted" in r:
        print(f"accepted {r['accepted']}, ballot events on the board {r['ballots_on_board']}")


if __name__ == "__main__":
    main()
