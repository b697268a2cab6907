"""The batches of re-voting protection and their cover (docs/coercion.md §4, §10): what
the service pays for a batch schedule, measured, not a test (STYLE.md habit 9).

Four parts, on the demo manifest (service/demo.py: a contest of 5 candidates and
"against all", choose 1, and one of 6, choose up to 3), an election with an encrypted roll
on a fresh SQLite file (or ``--database URL``), opened with a schedule of 40 rows and 20
registrations a batch every 60 s, the service's clock set by the benchmark to make each
batch due:

1. **one cover row and one cover registration**, made as :class:`BatchPoster` makes them
   (the protocol object, its canonical JSON, its tracking hash and alphas): CPU time, the
   median of ``--items``, and the group operations of one, counted with
   benchmarks/bench_ballot.py's wrapper; ``m`` (a variable-base multiplication) timed in
   the same run;
2. **one batch** of the schedule posted by :meth:`BatchPoster.post_due` with 0 real
   items, with half a batch of real items and with a batch full of them (the voters'
   registrations and casts queued first through :class:`RevotingDesk`, as
   bench_revoting_answers.py makes them), ``--rounds`` each: the cover made before the
   lock (always for the whole batch, with the waiting objects parsed), the locked
   transaction (the rules, the events, the commit) and the tree head the signing thread
   makes once the batch is in (on its own cadence); this election draws no cover
   replacements (``K0 = 0``);
3. **the close** with ``--close-queue`` items waiting (registrations and rows, 2:3) in a
   second election with ``--k0`` cover replacements (``epsilon`` 100, so ``K = K0``) not
   yet on the board, and, for comparison, with the same queue and none (the first
   election): how many batches its block holds, and how long the close holds the lock.

4. **a day's projection**: the schedule :func:`propose` makes for a one-day (24-hour)
   vote of 100,000 voters from the expected rates of :data:`DAY` (a peak hour of 7,500
   ballots and 6,000 registrations, so that the schedule holds 15,000 and 12,000 then;
   less at night), its slots, and the posting's CPU for the day from part 2's figures:
   cover for every slot (made for the whole batch whatever the queue holds), the locked
   part per slot, and what each real item adds under the lock, for the scenario's real
   items (docs/coercion.md §10: 110,000 rows and 105,000 registrations).

5. **the cover's throughput with worker processes** (``--workers 0,1,2``): a poster with
   the system's randomness and that many ``cover_workers`` (0: its own thread, as a
   seeded poster) makes ``--slots`` slots of cover (half rows by cover-index ranges,
   half registrations, cut into one chunk a worker, as a batch's cover is made), after
   one warm-up round that starts the workers; ``--slot-rounds`` rounds each: the wall
   clock, the slots a second, the posting process's own CPU a slot (what it spends
   handing the work out and taking the items back) and the workers' (from /proc).

6. **the locked transaction by batch size** (``--batch-slots 100,1000,10000``): in a
   third election whose schedule has one batch an hour (a first one of 100 slots to warm
   the caches, then ``--size-rounds`` batches of each size, half rows and half
   registrations, no real item), each batch posted by :meth:`BatchPoster.post_due`: the
   wall clock and CPU of its locked transaction (what holds the election's lock
   exclusively), in all and a slot.  ``--only-sizes`` runs this part alone.

Run from the repository root::

    python benchmarks/bench_batches.py [--items 20] [--rounds 5] [--close-queue 100]
        [--k0 20] [--database URL] [--json OUT] [--workers 0,1,2] [--slots 200]
        [--slot-rounds 3] [--only-workers] [--batch-slots 100,1000,10000]
        [--size-rounds 2] [--only-sizes]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ballot import count_group_operations

from honestballot.cli.organiser_roll import Voter, build_roll_upload
from honestballot.crypto.group import Point, base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.protocol.ballot_v2 import encrypt_ballot_v2
from honestballot.protocol.credential_seed import CredentialSeed, generate_seed
from honestballot.protocol.letters import LetterSecret
from honestballot.protocol.registration import make_registration
from honestballot.protocol.schedule import HOUR_S, MAX_BATCH_ITEMS, Cover, Schedule, propose
from honestballot.protocol.schedule_plan import DAY_SHAPE
from honestballot.record.codec import canonical_bytes
from honestballot.record.revoting import (
    ballot_private_to_json,
    ballot_v2_to_json,
    registration_private_to_json,
    registration_to_json,
)
from honestballot.record.roll import upload_to_json
from honestballot.service.activity import IN_PROCESS
from honestballot.service.board.batches import BatchPoster
from honestballot.service.board.election import ElectionService
from honestballot.service.clock import now_ms
from honestballot.service.demo import demo_manifest, run_key_ceremony
from honestballot.service.encrypted_roll import keep_encrypted_roll
from honestballot.service.voters.revoting import RevotingDesk, verifier_key
from honestballot.service.voters.roll import Roll
from honestballot.store.sql import SqlStore

CHOICE = {"chair": {"cand-1"}, "council": {"member-1"}}
UNITS = ("station-1", "station-2", "station-3", "station-4")
ROWS, REGISTRATIONS = 40, 20
INTERVAL_S = 60
SCHEDULE = Schedule(INTERVAL_S, ((ROWS, REGISTRATIONS),), cover=Cover(300, 100))
#: the day's expected rates, as shares of the peak hour, from 00:00 to 24:00: the shape
#: the organiser's page and ``election create`` propose by
#: (protocol/schedule_plan.py)
DAY = tuple(share / 100 for share in DAY_SHAPE)
PEAK_BALLOTS, PEAK_REGISTRATIONS = 7500, 6000
#: the scenario's real items (docs/coercion.md §10)
REAL_ROWS, REAL_REGISTRATIONS = 110_000, 105_000


class Clock:
    """The election service's clock, set by the benchmark (None: the real one)."""

    def __init__(self) -> None:
        self.now: int | None = None

    def __call__(self) -> int:
        return now_ms() if self.now is None else self.now


class Meter:
    """Wall and CPU seconds spent in named spans, summed until read."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @contextmanager
    def span(self, name: str) -> Iterator[None]:
        w, c = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - w
            self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - c

    def take(self) -> dict[str, dict[str, float]]:
        out = {k: {"wall_ms": self.wall[k] * 1e3, "cpu_ms": self.cpu[k] * 1e3} for k in self.wall}
        self.wall, self.cpu = {}, {}
        return out


class Election:
    """An election of the demo manifest with an encrypted roll of ``voters``, opened."""

    def __init__(
        self,
        store: SqlStore,
        name: str,
        voters: int,
        directory: Path,
        k0: int,
        epsilon_milli: int,
        schedule: Schedule = SCHEDULE,
    ) -> None:
        self.rng = SeededRandomness(f"bench batches {name}")
        manifest = demo_manifest(name)
        (directory / name).mkdir()
        key, _ = run_key_ceremony(manifest, directory / name, self.rng)
        self.store = store
        self.clock = Clock()
        self.elections = ElectionService(store, self.rng, self.clock)
        roll = Roll(store, now_ms)
        organiser = random_nonzero_scalar(self.rng)
        self.ctx = self.elections.create(
            manifest,
            key,
            organiser_key=base_mul(organiser),
            schedule=replace(schedule, cover=Cover(k0, epsilon_milli)),
        )
        eid = self.eid = manifest.election_id
        rows = [
            (f"9001{name[-2:]}{i:06d}", f"Voter {i}", f"+7 701 {i:03d} 0000", UNITS[i % 4])
            for i in range(voters)
        ]
        csv = "national_id,name,phone,email,unit\n" + "".join(
            f"{n},{nm},{phone},,{unit}\n" for n, nm, phone, unit in rows
        )
        roll.import_csv(eid, csv.encode())
        made = build_roll_upload(
            eid,
            self.ctx,
            roll.summary_body(eid),
            [Voter(n, nm, unit) for n, nm, _, unit in rows],
            organiser,
            self.rng,
        )
        keep_encrypted_roll(self.elections, roll, eid, upload_to_json(made.upload))
        self.elections.open(eid, roll=lambda conn: roll.summary_body(eid, conn))
        self.desk = RevotingDesk(self.elections, now_ms)
        self.letters = [LetterSecret.from_code(code) for _, _, _, code in made.letters]
        self.ids = []
        for n, *_ in rows:
            found = store.voter_by_national_id(eid, n)
            assert found is not None
            self.ids.append(int(found["voter_id"]))
        self.next_voter = 0
        self.poster = BatchPoster(self.elections)
        self.poster.post_delay_ms = 0  # the clock is set to each due time
        open_ms = self.poster.open_ms(eid)
        assert open_ms is not None
        self.open_ms = open_ms

    def register(self) -> tuple[int, CredentialSeed]:
        """A fresh voter's first registration, queued."""
        voter = self.next_voter
        self.next_voter += 1
        base, h = self.ctx.base_hash, self.ctx.public_key
        session = f"bench-{voter}"
        commitment = self.desk.start_registration(self.eid, self.ids[voter], session)
        seed = generate_seed(self.rng, base)
        reg, private = make_registration(
            base, h, verifier_key(self.ctx), commitment, seed, self.letters[voter], self.rng
        )
        payload = canonical_bytes(
            {
                "registration": registration_to_json(reg),
                "private": registration_private_to_json(private),
            }
        )
        self.desk.register(self.eid, self.ids[voter], session, payload)
        return voter, seed

    def cast(self, voter: int, seed: CredentialSeed) -> None:
        ballot, _, private = encrypt_ballot_v2(
            self.ctx, seed, verifier_key(self.ctx), CHOICE, self.rng
        )
        payload = canonical_bytes(
            {"ballot": ballot_v2_to_json(ballot), "private": ballot_private_to_json(private)}
        )
        self.desk.cast(self.eid, self.ids[voter], payload, IN_PROCESS)

    def queue(self, registrations: int, rows: int) -> None:
        """Queue ``registrations`` first registrations and ``rows`` casts under them."""
        made = [self.register() for _ in range(registrations)]
        for i in range(rows):
            self.cast(*made[i % len(made)])

    def batches_posted(self) -> int:
        with self.store.connect() as conn:
            return self.store.batch_state(conn, self.eid)[0]


def instrument(elections: list[Election], meter: Meter) -> None:
    """Time the posters' cover made before the lock, their locked transactions and the
    tree heads signed after them (a tree head's own transaction is counted as its)."""
    in_head = [False]

    def wrap(obj: object, name: str, span: str) -> None:
        orig = getattr(obj, name)

        def call(*args: Any, **kw: Any) -> Any:
            with meter.span(span):
                return orig(*args, **kw)

        setattr(obj, name, call)

    for election in elections:
        poster = election.poster
        wrap(poster, "_cover_for", "cover before the lock")
        wrap(poster, "_cover_rows", "cover rows made")
        wrap(poster, "_cover_registrations", "cover registrations made")
        wrap(poster, "_replacement_steps", "cover replacements' steps made")
        wrap(poster, "_post", "one batch planned under the lock")
        orig_head = election.elections.publish_tree_head

        def head(election_id: str, orig: Callable[[str], Any] = orig_head) -> Any:
            in_head[0] = True
            try:
                with meter.span("tree head"):
                    return orig(election_id)
            finally:
                in_head[0] = False

        setattr(election.elections, "publish_tree_head", head)  # noqa: B010
    store = elections[0].store  # one store for all
    orig_tx = store.transaction

    @contextmanager
    def transaction(election_id: str | None = None) -> Iterator[Any]:
        if in_head[0]:
            with orig_tx(election_id) as conn:
                yield conn
            return
        with meter.span("locked transaction"), orig_tx(election_id) as conn:
            yield conn

    setattr(store, "transaction", transaction)  # noqa: B010


def _cpu_ms(fn: Callable[[], object]) -> float:
    t0 = time.process_time()
    fn()
    return (time.process_time() - t0) * 1e3


def _counted(fn: Callable[[], object]) -> dict[str, Any]:
    with count_group_operations() as c:
        fn()
    counts = {
        "mul_var": c["mul_var"],
        "mul_base": c["mul_base"],
        "add_sub": c["add"] + c["sub"] + c["neg"],
    }
    m = counts["mul_var"] + counts["mul_base"] / 3 + 0.3 * counts["add_sub"]
    return {**counts, "m_counted": round(m, 1)}


def part_items(election: Election, items: int) -> dict[str, Any]:
    """Part 1: one cover row and one cover registration, as the poster makes them."""
    poster, ctx = election.poster, election.ctx
    start = 10**6  # cover indices nobody posts (these items are never posted)
    steps: dict[str, Callable[[], object]] = {
        "cover row": lambda: poster._cover_rows(ctx, start, 1),
        "cover registration": lambda: poster._cover_registrations(ctx, 1),
    }
    for fn in steps.values():  # warm caches
        fn()
    counts = {name: _counted(fn) for name, fn in steps.items()}
    rng = SeededRandomness("bench batches m")
    point = base_mul(random_nonzero_scalar(rng)) + Point.decode(ctx.public_key.data)
    scalar = random_nonzero_scalar(rng)
    times: dict[str, list[float]] = {name: [] for name in steps}
    m_times = []
    for _ in range(items):
        m_times.append(_cpu_ms(lambda: [point * scalar for _ in range(200)]) / 200)
        for name, fn in steps.items():
            times[name].append(_cpu_ms(fn))
    m_ms = statistics.median(m_times)
    row_bytes = len(poster._cover_rows(ctx, start, 1)[0].body)
    reg_bytes = len(poster._cover_registrations(ctx, 1)[0].body)
    return {
        "m_us": m_ms * 1e3,
        "items": items,
        "steps": {
            name: {
                **counts[name],
                "cpu_ms": statistics.median(times[name]),
                "cpu_m": statistics.median(times[name]) / m_ms,
            }
            for name in steps
        },
        "event_body_bytes": {"cover row": row_bytes, "cover registration": reg_bytes},
    }


def post_one(election: Election, meter: Meter) -> dict[str, Any]:
    """Make the next batch due and post it; its spans."""
    index = election.batches_posted()
    election.clock.now = SCHEDULE.due_ms(election.open_ms, index)
    meter.take()
    with meter.span("post_due, all"):
        posted = election.poster.post_due(election.eid)
    assert posted == 1, posted
    # the tree head the signing thread makes on its own cadence once the batch is in
    # (service/runtime.py), one a batch at this interval
    election.elections.publish_tree_head(election.eid)
    spans = meter.take()
    stats = election.store.batches(election.eid)[-1]
    assert stats["batch_index"] == index
    spans["real items"] = {
        "rows": stats["real_rows"],
        "registrations": stats["real_registrations"],
    }
    return spans


def part_batches(election: Election, meter: Meter, rounds: int) -> dict[str, Any]:
    """Part 2: a batch with 0, half and a full batch of real items, ``rounds`` each."""
    cases = {
        "0 real items": (0, 0),
        "half real (20 rows, 10 registrations)": (ROWS // 2, REGISTRATIONS // 2),
        "full real (40 rows, 20 registrations)": (ROWS, REGISTRATIONS),
    }
    post_one(election, meter)  # warm: caches of the context, the rules, the first head
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, (rows, regs) in cases.items():
            if regs:
                election.queue(regs, rows)
            samples[name].append(post_one(election, meter))
    out: dict[str, Any] = {}
    for name, runs in samples.items():
        spans = [k for k in runs[0] if k != "real items"]
        out[name] = {
            "real items": runs[0]["real items"],
            **{
                span: {
                    unit: round(statistics.median(r[span][unit] for r in runs), 2)
                    for unit in ("wall_ms", "cpu_ms")
                }
                for span in spans
            },
        }
    return out


def part_close(election: Election, meter: Meter, queue: int) -> dict[str, Any]:
    """Part 3: close with ``queue`` items waiting (2 registrations to 3 rows)."""
    regs = max(1, 2 * queue // 5)
    rows = queue - regs
    election.queue(regs, rows)
    before = election.batches_posted()
    # the close at the time the last posted batch was due: nothing else due, the block
    # holds the queue and whatever cover replacements have not finished
    election.clock.now = SCHEDULE.due_ms(election.open_ms, before - 1) + 1000
    with election.store.connect() as conn:
        left = election.poster._left(conn, election.eid)
    meter.take()
    with meter.span("close, all"):
        election.poster.close(election.eid)
    spans = meter.take()
    stats = election.store.batches(election.eid)[before:]
    return {
        "queued": {"rows": rows, "registrations": regs},
        "cover replacements unfinished": left[2],
        "block batches": len(stats),
        "block": [
            {k: b[k] for k in b if k not in ("seq", "time_ms", "longest_wait_ms")} for b in stats
        ],
        **{k: {u: round(v, 2) for u, v in s.items()} for k, s in spans.items()},
    }


def project(batches: dict[str, Any]) -> dict[str, Any]:
    """Part 4: the day's schedule and the posting's CPU for it, from part 2's medians."""
    expected = [(round(PEAK_BALLOTS * f), round(PEAK_REGISTRATIONS * f)) for f in DAY]
    schedule = propose(expected, INTERVAL_S, Cover(300, 100))
    per_hour = schedule.slots_per_hour()
    row_slots = sum(r for r, _ in schedule.hours) * per_hour
    reg_slots = sum(g for _, g in schedule.hours) * per_hour
    n_batches = len(schedule.hours) * per_hour
    empty = batches["0 real items"]
    full = batches[f"full real ({ROWS} rows, {REGISTRATIONS} registrations)"]
    per_row = empty["cover rows made"]["cpu_ms"] / ROWS
    per_reg = empty["cover registrations made"]["cpu_ms"] / REGISTRATIONS
    locked_per_slot = empty["locked transaction"]["cpu_ms"] / (ROWS + REGISTRATIONS)
    per_real = (full["locked transaction"]["cpu_ms"] - empty["locked transaction"]["cpu_ms"]) / (
        ROWS + REGISTRATIONS
    )
    head = empty["tree head"]["cpu_ms"]
    cover_s = (row_slots * per_row + reg_slots * per_reg) / 1e3
    locked_s = ((row_slots + reg_slots) * locked_per_slot + n_batches * head) / 1e3
    real_s = (REAL_ROWS + REAL_REGISTRATIONS) * per_real / 1e3
    return {
        "expected per hour (ballots, registrations)": expected,
        "expected in the day": [sum(b for b, _ in expected), sum(g for _, g in expected)],
        "schedule per batch (rows, registrations)": schedule.hours,
        "batches": n_batches,
        "row slots": row_slots,
        "registration slots": reg_slots,
        "cover rows if the scenario's rows come": row_slots - REAL_ROWS,
        "cover registrations if the scenario's come": reg_slots - REAL_REGISTRATIONS,
        "per slot, ms CPU": {
            "cover row": round(per_row, 3),
            "cover registration": round(per_reg, 3),
            "locked, per slot": round(locked_per_slot, 3),
            "locked, more per real item": round(per_real, 3),
            "tree head, per batch": round(head, 3),
        },
        "CPU-minutes in the day": {
            "cover (one process making it)": round(cover_s / 60, 1),
            "locked part and tree heads": round(locked_s / 60, 1),
            "real items under the lock": round(real_s / 60, 1),
            "total": round((cover_s + locked_s + real_s) / 60, 1),
        },
        "peak batch CPU, s": round(
            (
                max(r for r, _ in schedule.hours) * per_row
                + max(g for _, g in schedule.hours) * per_reg
            )
            / 1e3,
            2,
        ),
    }


def _workers_cpu_s() -> float:
    """The CPU seconds this process's descendants have used (Linux's /proc): the poster's
    worker processes, and their fork server.  Read from the process tree, as Python
    3.11 has no public way to list an executor's processes."""
    procs: dict[int, tuple[int, int]] = {}  # pid -> (parent, CPU ticks)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        procs[int(stat.parent.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    mine, total, grew = {os.getpid()}, 0, True
    while grew:
        grew = False
        for pid, (parent, ticks) in procs.items():
            if parent in mine and pid not in mine:
                mine.add(pid)
                total += ticks
                grew = True
    return total / os.sysconf("SC_CLK_TCK")


def part_workers(election: Election, workers: list[int], slots: int, rounds: int) -> dict[str, Any]:
    """Part 5: the cover's slots a second with ``workers`` worker processes."""
    ctx = election.ctx
    rows, regs = slots // 2, slots - slots // 2
    out: dict[str, Any] = {"slots a round": slots, "cpu_count": os.cpu_count()}
    start = 10**6  # cover indices nobody posts (these items are never posted)
    for n in workers:
        poster = BatchPoster(election.elections, SYSTEM_RANDOMNESS, cover_workers=n)
        poster._cover_rows(ctx, start, max(1, n))  # warm-up: the workers start
        poster._cover_registrations(ctx, max(1, n))
        walls, cpus = [], []
        workers_cpu = _workers_cpu_s()
        for _ in range(rounds):
            t0, c0 = time.perf_counter(), time.process_time()
            made = poster._cover_rows(ctx, start, rows) + poster._cover_registrations(ctx, regs)
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
            assert len(made) == slots
        workers_cpu = _workers_cpu_s() - workers_cpu
        poster.shutdown()
        wall = statistics.median(walls)
        out[f"{n} workers"] = {
            "wall s (median)": round(wall, 3),
            "wall s (all)": [round(w, 3) for w in walls],
            "slots a second": round(slots / wall, 1),
            "poster's own CPU a slot, ms": round(statistics.median(cpus) / slots * 1e3, 3),
            "workers' CPU a slot, ms": round(workers_cpu / (rounds * slots) * 1e3, 3),
            "failures": poster.made["failures"],
        }
    return out


def part_sizes(store: SqlStore, directory: Path, sizes: list[int], rounds: int) -> dict[str, Any]:
    """Part 6: the locked transaction of a batch of ``sizes`` slots (half rows, half
    registrations), ``rounds`` batches each with no real item, in one election whose
    schedule has a batch an hour: a first batch of 100 slots to warm the caches, then
    ``rounds`` hours of each size."""
    shapes = [(size // 2, size - size // 2) for size in sizes]
    for rows, regs in shapes:
        if not (1 <= rows <= MAX_BATCH_ITEMS and 1 <= regs <= MAX_BATCH_ITEMS):
            raise SystemExit(f"a batch holds 1 to {MAX_BATCH_ITEMS} of each: not {rows + regs}")
    hours = ((50, 50), *(shape for shape in shapes for _ in range(rounds)))
    schedule = Schedule(HOUR_S, hours, cover=Cover(0, 100_000))
    election = Election(store, "bench-batches-03", 1, directory, 0, 100_000, schedule)
    meter = Meter()
    instrument([election], meter)

    def post() -> dict[str, dict[str, float]]:
        index = election.batches_posted()
        election.clock.now = schedule.due_ms(election.open_ms, index)
        meter.take()
        assert election.poster.post_due(election.eid) == 1
        return meter.take()

    post()  # warm: the context's caches, the rules, the first batch
    out: dict[str, Any] = {}
    for size in sizes:
        runs = [post()["locked transaction"] for _ in range(rounds)]
        out[f"{size} slots"] = {
            "locked transaction, wall ms": [round(r["wall_ms"], 1) for r in runs],
            "locked transaction, CPU ms": [round(r["cpu_ms"], 1) for r in runs],
            "wall ms a slot": [round(r["wall_ms"] / size, 3) for r in runs],
            "CPU ms a slot": [round(r["cpu_ms"] / size, 3) for r in runs],
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=20, help="part 1: items timed")
    parser.add_argument("--rounds", type=int, default=5, help="part 2: batches per case")
    parser.add_argument("--close-queue", type=int, default=100, help="part 3: items waiting")
    parser.add_argument("--k0", type=int, default=20, help="part 3: cover replacements")
    parser.add_argument("--database", default=None, help="a database URL (default SQLite)")
    parser.add_argument("--json", default=None)
    parser.add_argument("--workers", default="0,1,2", help="part 5: worker counts")
    parser.add_argument("--slots", type=int, default=200, help="part 5: slots a round")
    parser.add_argument("--slot-rounds", type=int, default=3, help="part 5: rounds each")
    parser.add_argument("--only-workers", action="store_true", help="part 5 alone")
    parser.add_argument(
        "--batch-slots", default="100,1000,10000", help="part 6: slots a batch (half rows)"
    )
    parser.add_argument("--size-rounds", type=int, default=2, help="part 6: batches each")
    parser.add_argument("--only-sizes", action="store_true", help="part 6 alone")
    args = parser.parse_args()
    workers = [int(w) for w in args.workers.split(",")]
    sizes = [int(n) for n in args.batch_slots.split(",")]
    regs_close = max(1, 2 * args.close_queue // 5)
    out: dict[str, Any] = {"load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        store = SqlStore(url)
        if args.only_sizes:
            out["part 6: the locked transaction by batch size"] = part_sizes(
                store, Path(tmp), sizes, args.size_rounds
            )
            store.close()
            out["load_after"] = os.getloadavg()
            print(json.dumps(out, indent=1))
            if args.json:
                Path(args.json).write_text(json.dumps(out, indent=1) + "\n", "utf-8")
            return
        t0 = time.perf_counter()
        first = Election(
            store,
            "bench-batches-01",
            args.rounds * (REGISTRATIONS + REGISTRATIONS // 2) + regs_close,
            Path(tmp),
            k0=0,
            epsilon_milli=100_000,
        )
        second = Election(
            store, "bench-batches-02", regs_close, Path(tmp), k0=args.k0, epsilon_milli=100_000
        )
        out["setup_s"] = round(time.perf_counter() - t0, 1)
        if args.only_workers:
            out["part 5: cover with workers"] = part_workers(
                first, workers, args.slots, args.slot_rounds
            )
            out["load_after"] = os.getloadavg()
            print(json.dumps(out, indent=1))
            if args.json:
                Path(args.json).write_text(json.dumps(out, indent=1) + "\n", "utf-8")
            return
        meter = Meter()
        instrument([first, second], meter)
        out["part 1: one item"] = part_items(first, args.items)
        out["part 2: one batch"] = part_batches(first, meter, args.rounds)
        # the second election: one batch due posted (its cover replacements' first
        # registrations are planned over the hour's 60 batches: most wait for the close)
        post_one(second, meter)
        out["part 3: close, no cover replacements"] = part_close(first, meter, args.close_queue)
        out["part 3: close, cover replacements"] = part_close(second, meter, args.close_queue)
        out["part 6: the locked transaction by batch size"] = part_sizes(
            store, Path(tmp), sizes, args.size_rounds
        )
        store.close()
        out["part 5: cover with workers"] = part_workers(
            first, workers, args.slots, args.slot_rounds
        )
    out["part 4: a day's projection"] = project(out["part 2: one batch"])
    out["load_after"] = os.getloadavg()
    print(json.dumps(out, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    main()
