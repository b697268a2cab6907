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

The election has re-voting protection (every election has; ``--revoting`` is still
accepted, and version 1's ``credential`` and ``ballots`` steps, described above as the
first runs took them, are gone with its flow, docs/coercion.md §14 item 8): a batch
schedule, an organiser's key and
an encrypted roll with activation letters (service/encrypted_roll.py), so each voter,
after ``csrf``, ``signin``, ``session`` and ``context``, calls ``POST
revoting/registration-start`` (the service draws Enc(R) and proves it), ``POST
revoting/registrations`` (the device's registration with its letter: the service checks
its proofs and the designated-verifier proofs) and ``POST revoting/ballots`` (a ballot
version 2), instead of ``credential`` and ``ballots``.  The device's work (the
registration, made on the service's commitment, and the ballot version 2) is done in a
process pool between the ``registration-start`` and ``registrations`` steps, outside
every measured window.  The schedule's interval is an hour (``--batch-rows`` rows and
``--batch-registrations`` registrations per batch, 2 cover replacements without noise),
so that the service's own batch posters (one thread per worker, service/runtime.py) find
no batch due during the run; after the last step the benchmark posts the batches that
empty the queue itself, with a :class:`BatchPoster` of the same code on the same
database whose clock it sets to each batch's due time, and reports that process's CPU
and PostgreSQL's per posted item (a voter's registration or cast row, or cover) and per
voter; then it reads every measured voter's receipt (``included`` expected).

With ``--lock-probe`` the server runs with ``lock_probe/sitecustomize.py`` (as
``bench_primary.py`` does), which times every transaction that takes the election's lock,
and each step's locks are reported by kind: the election's lock taken exclusively, taken
in shared mode (a protected voter's request), and the row lock such a request takes
(``voter``: the voter's row for a registration, the credential's for a cast or audit;
their number, the wait for the lock and the hold, wall clock: on a shared machine
the hold includes waits for a core).  The probe writes a line per lock: take the CPU
figures from a run without it.

With ``--py-spy DIR``, py-spy records every worker process during each step (``py-spy
record --pid WORKER``, Python frames only, idle threads left out, so a sample is a thread
on a CPU or waiting for the GIL's release), one raw file per step and worker in DIR;
collapsed stacks for ``flamegraph.pl`` or for counting by frame.  py-spy slows the
workers a little: take the CPU figures from a run without it.

Run from the repository root (PostgreSQL at 127.0.0.1:5432 with a database ``test``)::

    python benchmarks/bench_request_cpu.py --voters 3000 --concurrency 50
    python benchmarks/bench_request_cpu.py --voters 2000 --py-spy /tmp/spy
    python benchmarks/bench_request_cpu.py --voters 1000 --warm 100 --revoting

aiohttp is not a dependency of the project: ``pip install aiohttp`` first; py-spy from
PyPI for ``--py-spy``.  Figures are in docs/performance.md ("Service CPU per voter", and with
``--revoting`` "Service CPU per voter with re-voting protection").
This is a benchmark, not a test: it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import asyncio
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
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

# the benchmarks folder is not a package: bench_serve is found through sys.path above
import aiohttp
from bench_serve import (
    CANDIDATES,
    CONTEST,
    ELECTION,
    LANGUAGES,
    UNITS,
    VOTE_SHARES,
    CpuMeter,
    OutboxTail,
    Server,
    Voter,
    _descendants,
    bench_manifest,
    free_port,
    fresh_database,
    make_voters,
    roll_csv,
    voter_headers,
    voter_session,
)
from bench_serve import _context as device_context
from bench_serve import _init_context as init_device_context

from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import random_nonzero_scalar
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.protocol.ballot_v2 import encrypt_ballot_v2
from honestballot.protocol.credential_seed import generate_seed
from honestballot.protocol.letters import LetterSecret
from honestballot.protocol.registration import Commitment, make_registration
from honestballot.protocol.schedule import Cover, Schedule
from honestballot.record.ballot import ciphertext_from_json
from honestballot.record.revoting import (
    ballot_private_to_json,
    ballot_v2_to_json,
    randomness_from_json,
    registration_private_to_json,
    registration_to_json,
)
from honestballot.record.roll import upload_to_json
from honestballot.service.board.batches import BatchPoster
from honestballot.service.board.election import ElectionService
from honestballot.service.demo import run_key_ceremony
from honestballot.service.encrypted_roll import Voter as RollVoter
from honestballot.service.encrypted_roll import build_roll_upload, keep_encrypted_roll
from honestballot.service.voters.roll import Roll
from honestballot.store.sql import SqlStore

PG_ADMIN_URL = os.environ.get("HONESTBALLOT_TEST_PG", "postgresql://127.0.0.1:5432/test")
_CLK_TCK = os.sysconf("SC_CLK_TCK")
API = f"/api/e/{ELECTION}"
PROBE = Path(__file__).resolve().parent / "lock_probe"
STEPS = ("csrf", "signin", "session", "context", "credential", "cast")
#: with re-voting protection: the device's registration and ballot version 2
REVOTING_STEPS = ("csrf", "signin", "session", "context", "reg_start", "register", "cast_v2")
#: an hour between batches: none falls due while the benchmark runs (it posts them itself)
INTERVAL_S = 3600
#: 2 cover replacements without noise (epsilon 100: noise 0 but with odds below 1e-40)
BENCH_COVER = Cover(2, 100_000)


# -- an election with re-voting protection ----------------------------------------------


def setup_revoting_election(
    url: str, voters: list[Voter], directory: Path, schedule: Schedule
) -> tuple[tuple[str], dict[int, str]]:
    """Create and open the election with an organiser's key, ``schedule`` and the roll's
    encrypted roll (made as ``honestballot organiser make-roll`` makes it); (the setup
    event's body as JSON,) and each voter's activation code by index."""
    manifest = bench_manifest()
    key, _secrets = run_key_ceremony(manifest, directory, SYSTEM_RANDOMNESS)
    organiser = random_nonzero_scalar(SYSTEM_RANDOMNESS)
    store = SqlStore(url)
    try:
        service = ElectionService(store)
        ctx = service.create(manifest, key, organiser_key=base_mul(organiser), schedule=schedule)
        roll = Roll(store)
        roll.import_csv(ELECTION, roll_csv(voters))
        people = [RollVoter(v.national_id, f"Voter {v.index}", f"unit-{v.index % UNITS + 1}")
                  for v in voters]  # fmt: skip
        made = build_roll_upload(
            ELECTION, ctx, roll.summary_body(ELECTION), people, organiser, SYSTEM_RANDOMNESS
        )
        keep_encrypted_roll(service, roll, ELECTION, upload_to_json(made.upload))
        service.open(ELECTION, roll=lambda conn: roll.summary_body(ELECTION, conn))
        setup = next(iter(store.iter_events(ELECTION, kinds=("setup",))))
    finally:
        store.close()
    index = {v.national_id: v.index for v in voters}
    letters = {index[nid]: code for nid, _, _, code in made.letters}
    return (json.dumps(json.loads(setup.line)["body"]),), letters


def _device_chunk(
    items: list[tuple[int, bytes, str, str]],
) -> list[tuple[int, bytes, bytes, str]]:
    """The devices' work after ``registration-start``: (index, the service's answer,
    the letter's code, the choice) -> (index, registration body, ballot body, the
    ballot's tracking hash)."""
    ctx = device_context()
    assert ctx.verifier_key is not None
    out = []
    for i, answer, code, choice in items:
        body = json.loads(answer)
        commitment = Commitment(
            bytes.fromhex(body["nonce"]),
            ciphertext_from_json(body["revokes"], "revokes"),
            randomness_from_json(body["revokes_proof"], "revokes_proof"),
        )
        seed = generate_seed(SYSTEM_RANDOMNESS, ctx.base_hash)
        reg, private = make_registration(
            ctx.base_hash, ctx.public_key, ctx.verifier_key, commitment, seed,
            LetterSecret.from_code(code), SYSTEM_RANDOMNESS,
        )  # fmt: skip
        registration = {
            "registration": registration_to_json(reg),
            "private": registration_private_to_json(private),
        }
        ballot, _opening, bprivate = encrypt_ballot_v2(
            ctx, seed, ctx.verifier_key, {CONTEST: {choice}}, SYSTEM_RANDOMNESS
        )
        cast = {"ballot": ballot_v2_to_json(ballot), "private": ballot_private_to_json(bprivate)}
        out.append((
            i, json.dumps(registration).encode(), json.dumps(cast).encode(),
            ballot.tracking_hash(ctx.public_key).hex(),
        ))  # fmt: skip
    return out


def make_devices(
    voters: list[Voter], answers: dict[int, bytes], letters: dict[int, str],
    setup: tuple[str], procs: int,
) -> float:  # fmt: skip
    """Every voter's registration (on its commitment) and ballot version 2, in a pool;
    the wall seconds taken."""
    t0 = time.perf_counter()
    pick = random.Random(1)
    items = [
        (v.index, answers[v.index], letters[v.index], pick.choices(CANDIDATES, VOTE_SHARES)[0])
        for v in voters
    ]
    size = max(1, min(100, len(items) // (procs * 4) or 1))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    by_index = {v.index: v for v in voters}
    with ProcessPoolExecutor(procs, initializer=init_device_context, initargs=setup) as pool:
        for part in pool.map(_device_chunk, chunks):
            for i, registration, ballot, tracking in part:
                v = by_index[i]
                v.registration, v.ballot, v.tracking_hash = registration, ballot, tracking
    return time.perf_counter() - t0


def post_batches(url: str, schedule: Schedule, queued: int, meter: CpuMeter) -> dict[str, Any]:
    """Post the batches that take ``queued`` registrations and cast rows off the queue
    (a :class:`BatchPoster` in this process, its clock set to each batch's due time);
    this process's and PostgreSQL's CPU per posted item."""
    store = SqlStore(url)
    clock = [0]
    try:
        poster = BatchPoster(ElectionService(store, clock=lambda: clock[0]))
        poster.post_delay_ms = 0
        open_ms = poster.open_ms(ELECTION)
        assert open_ms is not None
        rows, registrations = schedule.sizes(0)
        batches = -(-queued // min(rows, registrations))
        before_events = sum(1 for _ in store.iter_events(ELECTION))
        a = meter.sample()
        for index in range(batches):
            clock[0] = schedule.due_ms(open_ms, index)
            # the server's own posters (a thread in each worker, their clocks an hour
            # short of any batch) take the election's posting claim for a moment every
            # second; a post_due that meets one of them passes and posts nothing
            for _ in range(100):
                if poster.post_due(ELECTION):
                    break
                time.sleep(0.05)
            else:
                raise AssertionError(f"batch {index} was not posted")
        b = meter.sample()
        events = sum(1 for _ in store.iter_events(ELECTION)) - before_events
    finally:
        store.close()
    cpu = CpuMeter.between(a, b)
    items = batches * (rows + registrations)
    return {
        "batches": batches,
        "items": items,
        "events": events,
        "wall_s": cpu["wall_s"],
        "poster_ms_per_item": 1000 * cpu["generator_cpu_s"] / items,
        "postgres_ms_per_item": 1000 * cpu["postgres_cpu_s"] / items,
        "poster_ms_per_voter": 1000 * cpu["generator_cpu_s"] / queued,
        "postgres_ms_per_voter": 1000 * cpu["postgres_cpu_s"] / queued,
        "service_ms_per_voter": 1000 * cpu["server_cpu_s"] / queued,
    }


class Steps:
    """The voters' requests, one kind at a time."""

    def __init__(self, base: str, tail: OutboxTail, concurrency: int) -> None:
        self.base = base
        self.tail = tail
        self.concurrency = concurrency
        self.statuses: Counter[str] = Counter()
        #: each measured step's (start, end) on the wall clock, for the lock probe's lines
        self.windows: dict[str, tuple[float, float]] = {}
        self.codes: dict[int, str] = {}
        #: the service's answers to registration-start, by voter
        self.commitments: dict[int, bytes] = {}

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

    async def reg_start(self, http: aiohttp.ClientSession, v: Voter) -> None:
        path = f"{API}/revoting/registration-start"
        self.commitments[v.index] = await self.call(http, v, "reg_start", "POST", path, b"")

    async def register(self, http: aiohttp.ClientSession, v: Voter) -> None:
        path = f"{API}/revoting/registrations"
        await self.call(http, v, "register", "POST", path, v.registration)

    async def cast_v2(self, http: aiohttp.ClientSession, v: Voter) -> None:
        raw = await self.call(http, v, "cast_v2", "POST", f"{API}/revoting/ballots", v.ballot)
        v.accepted = json.loads(raw).get("tracking_hash") == v.tracking_hash

    async def receipt_v2(self, http: aiohttp.ClientSession, v: Voter) -> str:
        path = f"{API}/revoting/ballots/{v.tracking_hash}"
        status: str = json.loads(await self.call(http, v, "receipt", "GET", path))["status"]
        return status

    async def run(self, http: aiohttp.ClientSession, voters: list[Voter], name: str) -> None:
        work = {
            "reg_start": self.reg_start,
            "register": self.register,
            "cast_v2": self.cast_v2,
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


def lock_by_step(
    directory: Path, windows: dict[str, tuple[float, float]]
) -> dict[str, dict[str, float]]:
    """The lock probe's locks (lock_probe/sitecustomize.py) by the step during which
    their transaction committed and by kind (``exclusive``: the election's lock taken
    exclusively, whatever the transaction's label; ``shared``: taken in shared mode by a
    protected voter's request; ``voter``: that request's row lock, the voter's row for a
    registration, the credential's for a cast or audit): how
    many, and the wait and hold in ms (median, p90 of the wait; median, mean, p90 of the
    hold).  Keys ``step`` for the exclusive lock (as before the kinds), ``step/shared``
    and ``step/voter``."""
    rows = []
    for path in directory.glob("lock-*.tsv"):
        for line in path.read_text().splitlines():
            at, label, _items, wait, hold = line.split("\t")
            kind = label if label in ("shared", "voter") else "exclusive"
            rows.append((float(at), kind, float(wait), float(hold)))
    out = {}
    for name, (start, end) in windows.items():
        for kind in ("exclusive", "shared", "voter"):
            mine = [r for r in rows if start <= r[0] <= end and r[1] == kind]
            if not mine:
                continue
            waits = sorted(r[2] for r in mine)
            holds = sorted(r[3] for r in mine)
            out[name if kind == "exclusive" else f"{name}/{kind}"] = {
                "transactions": len(mine),
                "wait_ms_p50": statistics.median(waits),
                "wait_ms_p90": waits[int(0.9 * (len(waits) - 1))],
                "hold_ms_p50": statistics.median(holds),
                "hold_ms_mean": statistics.fmean(holds),
                "hold_ms_p90": holds[int(0.9 * (len(holds) - 1))],
            }
    return out


@dataclass
class Protected:
    """What the ``--revoting`` mode needs besides the voters."""

    url: str
    schedule: Schedule
    setup: tuple[str]
    letters: dict[int, str]
    procs: int


async def measure(
    args: argparse.Namespace,
    server: Server,
    voters: list[Voter],
    meter: CpuMeter,
    protected: Protected | None,
) -> dict[str, Any]:
    base = f"http://127.0.0.1:{server.port}"
    tail = OutboxTail(server.outbox)
    stop_tail = asyncio.Event()
    follower = asyncio.create_task(tail.follow(stop_tail))
    steps = Steps(base, tail, args.concurrency)
    names = REVOTING_STEPS if protected else STEPS
    out: dict[str, Any] = {}

    async def devices(http: aiohttp.ClientSession, group: list[Voter]) -> aiohttp.ClientSession:
        """The devices' work on the service's commitments, outside the measured windows;
        then a new client whose connections are open (the work blocks the event loop, which
        then misses the server closing the connections idle for 5 s, and reusing one that
        is closed fails)."""
        assert protected is not None
        await http.close()
        wall = make_devices(
            group, steps.commitments, protected.letters, protected.setup, protected.procs
        )
        print(f"devices: {len(group)} registrations and ballots in {wall:.1f} s", flush=True)
        fresh = steps.session()

        async def health() -> None:
            async with fresh.get("/healthz") as response:
                await response.read()

        await asyncio.gather(*(health() for _ in range(steps.concurrency)))
        return fresh

    http = steps.session()
    try:
        # open the connections and warm each worker (imports, caches) before measuring
        warm = voters[: args.warm]
        for name in names:
            if name == "register":
                http = await devices(http, warm)
            await steps.run(http, warm, name)
        before = meter.sample()
        await asyncio.sleep(args.idle)
        idle = CpuMeter.between(before, meter.sample())
        out["idle"] = {
            "server_cores": idle["server_cores"],
            "postgres_cores": idle["postgres_cores"],
        }
        measured = voters[args.warm :]
        for name in names:
            if name == "register":
                http = await devices(http, measured)
            spies = start_spies(args.py_spy, name, server, args.gil) if args.py_spy else []
            a, split_a, started = meter.sample(), user_sys(server.pid), time.time()
            await steps.run(http, measured, name)
            b, split_b = meter.sample(), user_sys(server.pid)
            steps.windows[name] = (started, time.time())
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
        if protected is not None:
            queued = len(voters)  # the warm voters' registrations and rows wait too
            out["batches"] = post_batches(protected.url, protected.schedule, queued, meter)
            print("batches", json.dumps(out["batches"]), flush=True)
            await http.close()  # idle while the batches were posted: new connections
            http = steps.session()
            receipts: Counter[str] = Counter()
            for v in measured:
                receipts[await steps.receipt_v2(http, v)] += 1
            out["receipts"] = dict(receipts)
    finally:
        await http.close()
        stop_tail.set()
        await follower
    if args.lock_probe:
        out["lock"] = lock_by_step(server.outbox.parent / "lock-probe", steps.windows)
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
    parser.add_argument(
        "--revoting",
        action="store_true",
        help="accepted for the commands of earlier runs: every election has re-voting "
        "protection",
    )
    parser.add_argument(
        "--lock-probe", action="store_true", help="time the election lock's holds by step"
    )
    parser.add_argument("--batch-rows", type=int, default=250, help="--revoting: F_rows")
    parser.add_argument("--batch-registrations", type=int, default=250, help="--revoting: F_reg")
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
        protected = None
        schedule = Schedule(
            INTERVAL_S, ((args.batch_rows, args.batch_registrations),), cover=BENCH_COVER
        )
        setup, letters = setup_revoting_election(url, voters, directory, schedule)
        protected = Protected(url, schedule, setup, letters, args.encrypt_procs)
        if args.lock_probe:
            (directory / "lock-probe").mkdir()
            os.environ["HB_LOCK_PROBE"] = str(directory / "lock-probe")
            os.environ["PYTHONPATH"] = os.pathsep.join(
                [str(PROBE), *filter(None, [os.environ.get("PYTHONPATH")])]
            )
        server = Server(url, args.workers, free_port(), directory)
        server.start()
        try:
            meter = CpuMeter(server.pid, database)
            results["steps"] = asyncio.run(measure(args, server, voters, meter, protected))
        finally:
            server.stop()
    results["load_average_at_end"] = os.getloadavg()
    steps = results["steps"]
    print(json.dumps(results, indent=1))
    print(f"\n{args.voters} voters, C = {args.concurrency}; CPU ms per request")
    print(f"{'step':<12}{'service':>9}{'(system)':>10}{'postgres':>10}{'wall s':>8}")
    total = [0.0, 0.0, 0.0]
    for name in REVOTING_STEPS:
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
    b = steps["batches"]
    print(
        f"batches: {b['batches']} of {b['items'] // b['batches']} items; poster "
        f"{b['poster_ms_per_item']:.2f} ms + postgres {b['postgres_ms_per_item']:.2f} ms "
        f"per item, {b['poster_ms_per_voter']:.2f} + {b['postgres_ms_per_voter']:.2f} ms "
        f"per voter; receipts {steps['receipts']}"
    )
    for name, lock in steps.get("lock", {}).items():
        print(
            f"lock, {name}: {lock['transactions']} transactions, wait {lock['wait_ms_p50']:.2f} "
            f"(p90 {lock['wait_ms_p90']:.2f}) ms, hold {lock['hold_ms_p50']:.2f} "
            f"(mean {lock['hold_ms_mean']:.2f}, p90 {lock['hold_ms_p90']:.2f}) ms"
        )
    print(f"idle: service {steps['idle']['server_cores']:.3f} cores; statuses {steps['statuses']}")
    print(
        f"load average {results['machine']['load_average_at_start']} -> "
        f"{results['load_average_at_end']}"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
