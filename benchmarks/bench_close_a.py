"""Stage A of the close at ``N`` voters (docs/coercion.md §5.3, §10 "Costs", §14 item 5):
the trustees' work and one reading of it, timed against §10's estimate.

**The scenario** is §10's scaled to ``--voters`` (default 10,000): 90 % cast one ballot,
5 % two under one credential, 5 % replace the credential and cast one ballot under each
(two registrations, two groups); one contest of 5 candidates, choose 1 (``W = 5``, rows of
width 9); ``k = 3`` of ``n = 4`` trustees, their shares of ``x``, ``y1``, ``y2`` dealt with
crypto/polynomial as tests/protocol/test_close_a.py deals them.  Cover as a schedule adds
it (§10, "Slots, now computed"): cover rows are ``--cover-fraction`` of ``A.rows``
(0.44), cover registrations ``--cover-registrations`` of the registrations (0.335),
and ``--cover-replacements`` cover replacements (300 per 100,000 voters: a ``C1`` with
one or two ballots, as many as a voter's drawn credential cast, and a ``C2`` revoking
it).  The padding is protocol/padding.py's ``make_padding`` of every credential with
ballots; in this scenario no credential casts more than 2, so it has no rows.
Registrations are made as the service makes cover registrations (the device's
registration without its private proofs, which stage A never reads).

**Timed** (CPU: ``time.process_time``, one process, one core; wall: ``perf_counter``):

* the board objects (cast rows, registrations, cover, padding): not stage A, reported;
* **prove**: each trustee's :func:`act` per step (mixes of ``A.rows`` and
  ``A.registrations``, tag shares, cover point tags, offsets, decryptions, equivalence),
  in :func:`run_to_end` with ``check=False``; what the run spends besides acting is its
  re-reading of the record each round (combinations and list hashes, no proofs);
* **verify**: one :func:`run_stage_a` over every object (each proof checked once), with
  its time split by the functions it calls (shuffle verification, share verification,
  combinations, list hashes; the rest is grouping and bookkeeping);
* **record**: record/close.py's ``publish`` of every object (signed parts and step), its
  canonical JSON (the size), and the reading back (``json.loads``,
  ``close_part_from_json``, ``close_step_from_json`` with their signatures, ``assemble``),
  checked equal to the object.

``m`` is a variable-base multiplication, timed around each phase (the load moves it).
With ``--count`` the group operations are counted too (benchmarks/bench_ballot.py's
wrapper, a few per cent slower).  The §10 comparison takes its per-row costs in ``m`` at
this run's counts.

Run from the repository root (under the benchmark lock)::

    python benchmarks/bench_close_a.py [--voters 10000] [--cover-fraction 0.44]
        [--cover-registrations 0.335] [--cover-replacements R] [--seed S] [--count]
        [--json OUT]

This is a benchmark, not a test (STYLE.md habit 9).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ballot import count_group_operations

from honestballot.crypto.group import Point, base_mul
from honestballot.crypto.hashing import canonical_json
from honestballot.crypto.polynomial import evaluate, random_polynomial
from honestballot.crypto.randomness import (
    SeededRandomness,
    random_below,
    random_nonzero_scalar,
)
from honestballot.crypto.shuffle import verify_shuffle
from honestballot.protocol import close_a
from honestballot.protocol.ballot_v2 import CastRow, counter_start, encrypt_under, make_cast_row
from honestballot.protocol.close_a import (
    A_COVER,
    CloseItem,
    CloseKeys,
    StageAInputs,
    TrusteeKeys,
    item_step,
    item_trustee,
    run_stage_a,
    run_to_end,
    stage_a_inputs,
)
from honestballot.protocol.cover import (
    CoverReplacement,
    CoverVoter,
    draw_cover_voter,
    make_cover_registration,
    make_cover_row,
    make_replacement_row,
)
from honestballot.protocol.credential_seed import CredentialSeed, generate_seed
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.letters import LetterSecret, activation_base
from honestballot.protocol.manifest import Contest, Label, Manifest, Option, Unit
from honestballot.protocol.padding import PaddedCredential, make_padding
from honestballot.protocol.registration import Registration, make_commitment
from honestballot.protocol.registration import register as make_registration
from honestballot.record.close import (
    assemble,
    close_part_from_json,
    close_step_from_json,
    publish,
)

THRESHOLD, TRUSTEES = 3, 4
CANDIDATES = 5
#: docs/coercion.md §10 at 100,000 voters, CPU-minutes: stage A, and its lines
SECTION_10 = {
    "A.rows mix": (15.6, 18.0),
    "A.registrations mix": (6.3, 7.3),
    "y1 tags": (4.4, 8.5),
    "cover point tags": (0.2, 0.4),
    "offsets, counter and flag decryptions": (2.2, 3.7),
    "credential tests": (1.9, 3.0),
}
SECTION_10_TOTAL = (31.0, 41.0)
#: which §10 line a list's work belongs to
LINE_OF_LIST = {
    "A.rows": "A.rows mix",
    "A.registrations": "A.registrations mix",
    "A.tags": "y1 tags",
    "A.cover": "cover point tags",
    "A.groups": "offsets, counter and flag decryptions",
    "A.counters": "offsets, counter and flag decryptions",
    "A.flags": "offsets, counter and flag decryptions",
    "A.pets": "credential tests",
}


def _label(text: str) -> Label:
    return Label(text, text, text)


# -- measuring --------------------------------------------------------------------------


@dataclass
class Span:
    cpu: float = 0.0
    wall: float = 0.0
    calls: int = 0
    items: int = 0
    ops: Counter[str] = field(default_factory=Counter)


class Meter:
    """CPU and wall seconds (and group operations, when counted) per named span."""

    def __init__(self, counts: Counter[str] | None = None) -> None:
        self.spans: dict[str, Span] = {}
        self.counts = counts

    @contextmanager
    def span(self, name: str, items: int = 0) -> Iterator[None]:
        before = Counter(self.counts) if self.counts is not None else None
        w, c = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            s = self.spans.setdefault(name, Span())
            s.cpu += time.process_time() - c
            s.wall += time.perf_counter() - w
            s.calls += 1
            s.items += items
            if before is not None and self.counts is not None:
                s.ops.update(self.counts - before)

    def cpu(self, prefix: str = "") -> float:
        return sum(s.cpu for n, s in self.spans.items() if n.startswith(prefix))


@contextmanager
def patched(
    target: Any, name: str, label: Callable[..., tuple[str, int]], meter: Meter
) -> Iterator[None]:
    """``target.name`` timed in ``meter`` under ``label(*args)`` (a name, items) while
    the block runs (the module's own calls look it up at call time)."""
    original = getattr(target, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        what, items = label(*args, **kwargs)
        with meter.span(what, items):
            return original(*args, **kwargs)

    setattr(target, name, timed)
    try:
        yield
    finally:
        setattr(target, name, original)


def time_m(rng: SeededRandomness, calls: int = 400) -> float:
    """A variable-base multiplication's CPU seconds: the median of 5 batches."""
    point = base_mul(random_nonzero_scalar(rng)) + base_mul(random_nonzero_scalar(rng))
    scalar = random_nonzero_scalar(rng)
    times = []
    for _ in range(5):
        t0 = time.process_time()
        for _ in range(calls):
            point * scalar
        times.append((time.process_time() - t0) / calls)
    return statistics.median(times)


# -- the election and the board ---------------------------------------------------------


def make_election(
    rng: SeededRandomness, units: Sequence[str] = ("u",)
) -> tuple[ElectionContext, CloseKeys, dict[int, TrusteeKeys]]:
    """The election (one contest, the manifest's ``units``) and the trustees' keys."""
    contest = Contest(
        "chair", _label("Chair"),
        tuple(Option(f"c{i}", _label(f"C{i}")) for i in range(CANDIDATES)), 1, 1, False,
    )  # fmt: skip
    manifest = Manifest(
        "bench-close-a", _label("Bench"), (contest,), tuple(Unit(u, _label(u)) for u in units), 1
    )

    def shared() -> tuple[Point, dict[int, Any]]:
        poly = random_polynomial(THRESHOLD - 1, rng)
        return base_mul(poly[0]), {j: evaluate(poly, j) for j in range(1, TRUSTEES + 1)}

    h, xs = shared()
    _, y1 = shared()
    _, y2 = shared()
    ctx = ElectionContext(manifest, h, rng.random_bytes(32), base_mul(random_nonzero_scalar(rng)))
    keys = CloseKeys(
        THRESHOLD,
        tuple(base_mul(xs[j]) for j in range(1, TRUSTEES + 1)),
        tuple(base_mul(y1[j]) for j in range(1, TRUSTEES + 1)),
        tuple(base_mul(y2[j]) for j in range(1, TRUSTEES + 1)),
    )
    trustees = {j: TrusteeKeys(j, xs[j], y1[j], y2[j]) for j in range(1, TRUSTEES + 1)}
    return ctx, keys, trustees


@dataclass
class Board:
    cast: list[CastRow] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)
    padded: list[PaddedCredential] = field(default_factory=list)
    ballot_counts: list[int] = field(default_factory=list)
    cover_rows: int = 0
    counts: Counter[str] = field(default_factory=Counter)


def build_board(
    ctx: ElectionContext, args: argparse.Namespace, rng: SeededRandomness, meter: Meter,
    letters: Sequence[LetterSecret] = (),
) -> tuple[Board, StageAInputs]:  # fmt: skip
    """The board of ``args.voters`` voters, cover and padding.  With ``letters`` (one a
    voter, from the encrypted roll: benchmarks/bench_close.py) voter ``i`` registers with
    ``letters[i]``'s handle and activation, as a device does; without them each voter is a
    made-up one (stage A never reads a registration's voter)."""
    base, h = ctx.base_hash, ctx.public_key
    board = Board()

    def choice() -> dict[str, frozenset[str]]:
        return {"chair": frozenset({f"c{random_below(rng, CANDIDATES)}"})}

    def register(voter: CoverVoter | LetterSecret, seed: CredentialSeed, revokes: Point) -> None:
        commitment = make_commitment(base, h, revokes, rng)
        if isinstance(voter, CoverVoter):
            reg = make_cover_registration(base, h, commitment, voter, seed, rng)
        else:  # as make_cover_registration, with the letter's handle and activation
            a = voter.activation_scalar(base)
            reg, _ = make_registration(
                base, h, commitment, seed.signing_scalar(base), seed.voting_point(base),
                seed.tag_point(base), voter.handle(base), (a, activation_base(base) * a), rng,
            )  # fmt: skip
        board.registrations.append(reg)

    def cast(seed: CredentialSeed, ballots: int) -> None:
        start = counter_start(rng)
        for n in range(1, ballots + 1):
            ballot, _, _ = encrypt_under(
                ctx, seed.signing_scalar(base), seed.voting_point(base), seed.tag_point(base),
                choice(), rng,
            )  # fmt: skip
            board.cast.append(make_cast_row(ctx, ballot, start + n, rng))
        board.padded.append(
            PaddedCredential(seed.tag_point(base), seed.voting_point(base), start, ballots)
        )
        board.ballot_counts.append(ballots)

    voters = args.voters
    singles, doubles = round(voters * 0.90), round(voters * 0.05)
    replacers = voters - singles - doubles
    with meter.span("voters' registrations and cast rows", voters):
        for i in range(voters):
            voter: CoverVoter | LetterSecret = letters[i] if letters else draw_cover_voter(rng)
            seed = generate_seed(rng, base)
            register(voter, seed, voter.none_point(base))
            if i < singles + doubles:
                cast(seed, 1 if i < singles else 2)
                continue
            cast(seed, 1)
            second = generate_seed(rng, base)
            register(voter, second, seed.tag_point(base))  # the replacement revokes seed
            cast(second, 1)
    board.counts.update(
        {"voters": voters, "one ballot": singles, "two ballots": doubles,
         "replaced": replacers},
    )  # fmt: skip
    replacements = args.cover_replacements
    if replacements is None:
        replacements = round(300 * voters / 100_000)
    with meter.span("cover replacements (C1 with ballots, C2)", replacements):
        real_counts = list(board.ballot_counts)
        for _ in range(replacements):
            cr = CoverReplacement(rng.random_bytes(32))
            voter, c1, c2 = cr.voter(), cr.seed(1, base), cr.seed(2, base)
            register(voter, c1, voter.none_point(base))
            ballots = real_counts[random_below(rng, len(real_counts))]
            start = counter_start(rng)
            for n in range(1, ballots + 1):
                board.cast.append(make_replacement_row(ctx, c1, start + n, rng))
            board.padded.append(
                PaddedCredential(c1.tag_point(base), c1.voting_point(base), start, ballots)
            )
            register(voter, c2, c1.tag_point(base))
    board.counts["cover replacements"] = replacements
    cover_regs = round(
        len(board.registrations) * args.cover_registrations / (1 - args.cover_registrations)
    )
    with meter.span("cover registrations", cover_regs):
        for _ in range(cover_regs):
            voter = draw_cover_voter(rng)
            register(voter, generate_seed(rng, base), voter.none_point(base))
    board.counts["cover registrations"] = cover_regs
    board.cover_rows = round(len(board.cast) * args.cover_fraction / (1 - args.cover_fraction))
    with meter.span("cover rows", board.cover_rows):
        board.cast.extend(make_cover_row(ctx, i, rng) for i in range(board.cover_rows))
    board.counts["cover rows"] = board.cover_rows
    with meter.span("padding (make_padding)", len(board.padded)):
        padding = make_padding(ctx, board.padded, board.cover_rows, rng)
    with meter.span("A.rows and A.registrations (stage_a_inputs)"):
        inputs = stage_a_inputs(ctx, board.cast, board.registrations, padding)
    board.counts.update(
        {"padding rows": len(padding.rows), "A.rows": len(inputs.rows),
         "A.registrations": len(inputs.registrations), "groups": len(board.padded)},
    )  # fmt: skip
    return board, inputs


# -- stage A ----------------------------------------------------------------------------


def prove(
    ctx: ElectionContext, keys: CloseKeys, inputs: StageAInputs,
    trustees: dict[int, TrusteeKeys], rng: SeededRandomness, meter: Meter,
) -> tuple[close_a.StageA, list[CloseItem]]:  # fmt: skip
    """The honest trustees' run, each action timed under ``act <kind> <list>``."""

    def label(_ctx: Any, step: close_a.Step, *_: Any) -> tuple[str, int]:
        return f"act {step.kind} {step.list}", step.count or len(step.inputs)

    with patched(close_a, "act", label, meter), meter.span("run_to_end (check=False)"):
        return run_to_end(ctx, keys, inputs, trustees, rng, check=False)


def verify(
    ctx: ElectionContext, keys: CloseKeys, inputs: StageAInputs, items: list[CloseItem],
    meter: Meter,
) -> close_a.StageA:  # fmt: skip
    """One reading of every object, its time split by the functions it calls."""
    with verify_timed(meter) as timed_shuffle, meter.span("run_stage_a (every proof)"):
        return run_stage_a(ctx, keys, inputs, items, timed_shuffle)


@contextmanager
def verify_timed(meter: Meter) -> Iterator[Callable[..., None]]:
    """While the block runs, close_a's checks and combinations (which stage B's reading
    calls too) are timed in ``meter``; the shuffle verifier to pass the reading."""

    def at(index: int, what: str, items_at: int | None = None) -> Callable[..., tuple[str, int]]:
        def label(*args: Any) -> tuple[str, int]:
            n = len(args[items_at]) if items_at is not None else 0
            return f"{what} {args[0][index]}", n

        return label

    def fixed(what: str, items_at: int | None = None) -> Callable[..., tuple[str, int]]:
        def label(*args: Any) -> tuple[str, int]:
            return what, len(args[items_at]) if items_at is not None else 0

        return label

    def mix(context: Any, _key: Any, rows: Any, *_: Any) -> tuple[str, int]:
        return f"verify mix {context[2]}", len(rows)

    def timed_shuffle(*args: Any) -> None:
        with meter.span(*mix(*args)):
            verify_shuffle(*args)

    def decrypted(collector: Any) -> tuple[str, int]:
        return f"combine decryptions {collector.step.list}", len(collector.step.inputs)

    wraps: list[tuple[str, Callable[..., tuple[str, int]]]] = [
        ("verify_tag_share", at(1, "verify tag", 2)),
        ("verify_point_tag_share", fixed(f"verify point-tag {A_COVER}", 2)),
        ("cover_points", lambda _b, n: (f"cover points (hash to point) {A_COVER}", n)),
        (
            "combine_point_tags",
            lambda s, _n: (f"combine point-tags {A_COVER}", len(s[0].entries) if s else 0),
        ),
        ("_combine_tags", lambda s, *_: ("combine tags A.tags", len(s[0].entries))),
        ("verify_offset_share", lambda c, _h, count, _s: (f"verify offset {c[2]}", count)),
        ("combine_offsets", lambda s, *_: ("combine offsets A.groups", len(s[0].offsets))),
        ("apply_offsets", lambda g, _t: ("apply offsets A.groups", sum(map(len, g)))),
        ("consecutive_order", lambda walk: ("walk counters A.counters", len(walk))),
        ("verify_equivalence_share", at(1, "verify equivalence", 1)),
        (
            "combine_equivalence_shares",
            lambda s, *_: ("combine equivalence A.pets", len(s[0].entries)),
        ),
        ("verify_partial_decryption_list", at(2, "verify decrypt", 2)),
        ("list_hash", lambda _b, name, rows: (f"list hash {name}", len(rows))),
        ("_groups", fixed("group and join (A4)")),
    ]
    with ExitStack() as stack:
        for name, label in wraps:
            stack.enter_context(patched(close_a, name, label, meter))
        stack.enter_context(patched(close_a._ShareCollector, "decrypted", decrypted, meter))
        yield timed_shuffle


def record(
    ctx: ElectionContext, keys: CloseKeys, trustees: dict[int, TrusteeKeys],
    items: list[CloseItem], rng: SeededRandomness, meter: Meter,
) -> dict[str, dict[str, int]]:  # fmt: skip
    """Every object published, written as canonical JSON, read back and assembled."""
    base = ctx.base_hash
    sizes: dict[str, dict[str, int]] = {}
    for n, item in enumerate(items):
        kind, name = item_step(item)
        with meter.span("publish (parts, digests, signatures)"):
            parts, head = publish(base, item, trustees[item_trustee(item)].x, rng)
        with meter.span("canonical JSON"):
            lines = [canonical_json(p) for p in parts] + [canonical_json(head)]
        size = sizes.setdefault(f"{kind} {name}", {"objects": 0, "events": 0, "bytes": 0})
        size["objects"] += 1
        size["events"] += len(lines)
        size["bytes"] += sum(len(b) for b in lines)
        with meter.span("json.loads"):
            values = [json.loads(b) for b in lines]
        with meter.span("close_part_from_json, close_step_from_json (signatures)"):
            read = {}
            for i, v in enumerate(values[:-1]):
                part = close_part_from_json(base, keys.election, v, f"object {n} part {i}")
                read[part.digest] = part
            step = close_step_from_json(base, keys.election, values[-1], f"object {n}")
        with meter.span("assemble"):
            again = assemble(step, read, f"object {n}")
        if again != item:
            raise SystemExit(f"object {n} ({kind} {name}) did not read back as published")
    return sizes


# -- the report -------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = SeededRandomness(f"bench close A {args.seed}")
    m_at = [time_m(rng)]  # before and after each phase: the load moves it
    ctx, keys, trustees = make_election(rng)
    with ExitStack() as stack:
        counts = stack.enter_context(count_group_operations()) if args.count else None
        build, prover, verifier, writer = (Meter(counts) for _ in range(4))
        t0 = time.perf_counter()
        board, inputs = build_board(ctx, args, rng, build)
        m_at.append(time_m(rng))
        print(f"board made in {time.perf_counter() - t0:.0f} s: {dict(board.counts)}", flush=True)
        state, items = prove(ctx, keys, inputs, trustees, rng, prover)
        m_at.append(time_m(rng))
        print(f"proved: {len(items)} objects, {prover.cpu():.0f} s CPU", flush=True)
        again = verify(ctx, keys, inputs, items, verifier)
        m_at.append(time_m(rng))
        print(f"verified: {verifier.cpu('run_stage_a'):.0f} s CPU", flush=True)
        if again.winners != state.winners or again.failures or not again.done:
            raise SystemExit("the reading did not reach the run's outcome")
        voters = args.voters
        wanted = board.counts["groups"]  # every credential with ballots wins once
        if len(state.winners) != wanted:
            raise SystemExit(f"{len(state.winners)} winners, not {wanted}")
        sizes = record(ctx, keys, trustees, items, rng, writer)
    m_at.append(time_m(rng))
    phases = ("build", "prove", "verify", "record")

    def spans(meter: Meter) -> dict[str, Any]:
        return {
            name: {
                "cpu_s": s.cpu,
                "wall_s": s.wall,
                "calls": s.calls,
                "items": s.items,
                **({"ops": dict(s.ops)} if args.count else {}),
            }
            for name, s in meter.spans.items()
        }

    return {
        "voters": voters,
        "threshold": THRESHOLD,
        "trustees": TRUSTEES,
        "width": 4 + CANDIDATES,
        "board": dict(board.counts),
        "winners": len(state.winners),
        "objects": len(items),
        #: a variable-base multiplication's CPU µs before and after each phase
        "m_us": {p: (m_at[i] * 1e6, m_at[i + 1] * 1e6) for i, p in enumerate(phases)},
        "load": os.getloadavg(),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "build": spans(build),
        "prove": spans(prover),
        "verify": spans(verifier),
        "record": spans(writer),
        "sizes": sizes,
    }


def _line(name: str) -> str:
    return LINE_OF_LIST.get(name.rsplit(" ", 1)[-1], "reading (grouping, bookkeeping)")


def section_10_at(r: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """§10's per-row costs (in ``m``, its table's sources) at this run's counts, in
    millions of ``m``: prove (all ``k`` trustees) and verify (one reader)."""
    b, k, w = r["board"], r["threshold"], r["width"]
    rows, regs, cover = b["A.rows"], b["A.registrations"], b["cover rows"]
    groups, counters = b["groups"], b["A.rows"] - b["cover rows"]
    per_point = 60 / 45e-6 / 40_000  # §10: 0.2 and 0.4 CPU-minutes for 40,000 points
    m = {
        "A.rows mix": (k * rows * (5.2 + 4.5 * w), k * rows * (6.1 + 5.2 * w)),
        "A.registrations mix": (k * regs * (5.2 + 4.5 * 4), k * regs * (6.1 + 5.2 * 4)),
        "y1 tags": (k * (rows + regs) * 7.3, (rows + regs) * 42),
        "cover point tags": (cover * 0.2 * per_point, cover * 0.4 * per_point),
        "offsets, counter and flag decryptions": (
            k * (3.9 * groups + 2.6 * (counters + groups)),
            13.7 * groups + 16 * (counters + groups),
        ),
        "credential tests": (k * 7.9 * groups, 38 * groups),
        "reading (grouping, bookkeeping)": (0.0, 0.0),
    }
    return {line: (p / 1e6, v / 1e6) for line, (p, v) in m.items()}


def report(r: dict[str, Any]) -> None:
    n = r["voters"]
    m = statistics.mean(x for pair in r["m_us"].values() for x in pair) * 1e-6
    print(
        f"\n{n:,} voters, k = {r['threshold']} of n = {r['trustees']}, rows of width "
        f"{r['width']}; m = {m * 1e6:.1f} µs (mean of "
        f"{', '.join(f'{a:.0f}–{b:.0f}' for a, b in r['m_us'].values())} around the phases); "
        f"load {', '.join(f'{x:.2f}' for x in r['load'])}; peak RSS {r['peak_rss_mib']:.0f} MiB"
    )
    print("board:", ", ".join(f"{k} {v:,}" for k, v in r["board"].items()))

    def table(title: str, spans: dict[str, Any], phase: str) -> None:
        m = statistics.mean(r["m_us"][phase]) * 1e-6  # this phase's
        counted = any("ops" in s for s in spans.values())
        extra = f" {'var':>6} {'base':>6} {'add':>6} {'m cnt':>6}" if counted else ""
        print(f"\n{title:58} {'calls':>6} {'items':>8} {'CPU s':>8} {'wall s':>8} "
              f"{'CPU m':>7}{extra}")  # fmt: skip
        for name, s in spans.items():
            per = s["items"] or float("nan")
            line = (f"{name:58} {s['calls']:6d} {s['items']:8d} {s['cpu_s']:8.2f} "
                    f"{s['wall_s']:8.2f} {s['cpu_s'] / m / per:7.1f}")  # fmt: skip
            if counted:
                o = s["ops"]
                var, fixed, add = o.get("mul_var", 0), o.get("mul_base", 0), sum(
                    o.get(k, 0) for k in ("add", "sub", "neg")
                )  # fmt: skip
                line += (f" {var / per:6.1f} {fixed / per:6.1f} {add / per:6.1f} "
                         f"{(var + fixed / 3 + 0.3 * add) / per:6.1f}")  # fmt: skip
            print(line)

    print(
        "\nper item (a row, ciphertext, pair, group or cover point) and per trustee's "
        "object: CPU in m (at the phase's m); with --count, the group operations "
        "counted and m counted (fixed-base 1/3, an addition 0.3)"
    )
    table("board objects (not stage A)", r["build"], "build")
    table("prove: the trustees' actions", r["prove"], "prove")
    table("verify: one reading, every proof once", r["verify"], "verify")
    table("record: publish and parse every object", r["record"], "record")

    acts = {k: v for k, v in r["prove"].items() if k.startswith("act ")}
    prove_cpu = sum(s["cpu_s"] for s in acts.values())
    rerun = r["prove"]["run_to_end (check=False)"]["cpu_s"] - prove_cpu
    verify_cpu = r["verify"]["run_stage_a (every proof)"]["cpu_s"]
    parts = {k: v for k, v in r["verify"].items() if not k.startswith("run_stage_a")}
    by_line_prove: Counter[str] = Counter()
    by_line_verify: Counter[str] = Counter()
    for k, s in acts.items():
        by_line_prove[_line(k)] += s["cpu_s"]
    for k, s in parts.items():
        by_line_verify[_line(k)] += s["cpu_s"]
    by_line_verify["reading (grouping, bookkeeping)"] += verify_cpu - sum(
        s["cpu_s"] for s in parts.values()
    )
    scale = n / 100_000
    m_of = {side: statistics.mean(r["m_us"][side]) * 1e-6 for side in ("prove", "verify")}
    estimate = section_10_at(r)
    print(
        f"\nagainst docs/coercion.md §10: its CPU-minutes scaled by N/100,000 = {scale:g}; "
        "its per-row costs at this run's counts, in millions of m (§10 Mm); measured: CPU, "
        "and CPU / m in millions (CPU/m; m moves with the load: --count gives exact counts)"
    )
    print(
        f"{'line':38} {'§10 ×N':>7} {'CPU-min':>8} {'§10 Mm':>7} {'CPU/m':>6} {'ratio':>6}   "
        f"{'§10 ×N':>7} {'CPU-min':>8} {'§10 Mm':>7} {'CPU/m':>6} {'ratio':>6}"
    )
    print(f"{'':38} {'prove':^38}   {'verify':^38}")
    rows = [(line, *SECTION_10[line]) for line in SECTION_10]
    rows.append(("reading (grouping, bookkeeping)", 0.0, 0.0))
    totals = [0.0] * 6
    for line, p10, v10 in rows:
        cells = []
        for side, at10, cpu in (
            ("prove", p10, by_line_prove[line]),
            ("verify", v10, by_line_verify[line]),
        ):
            est = estimate[line][0 if side == "prove" else 1]
            mm = cpu / m_of[side] / 1e6
            ratio = mm / est if est else float("nan")
            cells.append(f"{at10 * scale:7.2f} {cpu / 60:8.2f} {est:7.2f} {mm:6.2f} {ratio:6.2f}")
        print(f"{line:38} {cells[0]}   {cells[1]}")
        for i, x in enumerate(
            (p10 * scale, by_line_prove[line] / 60, estimate[line][0],
             v10 * scale, by_line_verify[line] / 60, estimate[line][1])
        ):  # fmt: skip
            totals[i] += x
    mp, mv = prove_cpu / m_of["prove"] / 1e6, verify_cpu / m_of["verify"] / 1e6
    print(
        f"{'stage A':38} {totals[0]:7.2f} {prove_cpu / 60:8.2f} {totals[2]:7.2f} {mp:6.2f} "
        f"{mp / totals[2]:6.2f}   {totals[3]:7.2f} {verify_cpu / 60:8.2f} {totals[5]:7.2f} "
        f"{mv:6.2f} {mv / totals[5]:6.2f}"
    )
    print(
        f"m: prove {m_of['prove'] * 1e6:.1f} µs, verify {m_of['verify'] * 1e6:.1f} µs "
        f"(§10 takes 45 µs)"
    )
    print(f"run_to_end's re-reading of the record each round (not a trustee's work): "
          f"{rerun:.1f} s CPU")  # fmt: skip
    total = sum(s["bytes"] for s in r["sizes"].values())
    print(f"\nclose objects as canonical JSON: {total / 1e6:.1f} MB, {total / n / 1e3:.1f} KB "
          f"per voter")  # fmt: skip
    for k, s in r["sizes"].items():
        print(f"  {k:32} {s['objects']:3d} objects {s['events']:4d} events "
              f"{s['bytes'] / n / 1e3:7.2f} KB/voter")  # fmt: skip


def bench_main(
    voters: int, run: Callable[[argparse.Namespace], dict[str, Any]],
    report: Callable[[dict[str, Any]], None], *, units: bool = False,
) -> None:  # fmt: skip
    """The command line of this benchmark and of bench_close.py (``units``: its option of
    reporting units)."""
    parser = argparse.ArgumentParser(
        description=(sys.modules["__main__"].__doc__ or "x").split("\n")[0]
    )
    parser.add_argument("--voters", type=int, default=voters)
    if units:
        parser.add_argument("--units", type=int, default=10, help="reporting units")
        parser.add_argument("--paper-share", type=float, default=0.0,
                            help="the share of voters listed by a paper station")  # fmt: skip
    parser.add_argument("--cover-fraction", type=float, default=0.44,
                        help="the share of A.rows that are cover rows")  # fmt: skip
    parser.add_argument("--cover-registrations", type=float, default=0.335,
                        help="the share of registrations that are cover")  # fmt: skip
    parser.add_argument("--cover-replacements", type=int, default=None,
                        help="default: 300 per 100,000 voters")  # fmt: skip
    parser.add_argument("--seed", default="1")
    parser.add_argument("--count", action="store_true", help="count group operations")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--report", type=Path, help="print the report of saved results")
    args = parser.parse_args()
    if args.report:
        report(json.loads(args.report.read_text("utf-8")))
        return
    fractions = (args.cover_fraction, args.cover_registrations)
    if args.voters < 20 or not all(0 <= f < 1 for f in fractions):
        parser.error("at least 20 voters; cover fractions in [0, 1)")
    if units and not 1 <= args.units <= args.voters // 2:
        parser.error("between 1 reporting unit and one per 2 voters")
    if units and not 0 <= args.paper_share < 1:
        parser.error("a paper share in [0, 1)")
    results = run(args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", "utf-8")
    report(results)


def main() -> None:
    bench_main(10_000, run, report)


if __name__ == "__main__":
    main()
