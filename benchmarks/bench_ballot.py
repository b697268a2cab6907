"""Per-ballot encryption and verification time, against the cost of the group operations.

Two ballot shapes, one contest each:

* ``vote-for-1``: 5 candidates, min = max = 1, no "against all" (5 encrypted options);
* ``up-to-3``: 10 candidates, min = 1, max = 3, no "against all" (10 encrypted options);
* ``ranked-10`` (with ``--ranked``): a ranked contest (docs/ranked.md) of 10 candidates,
  all 10 ranked, no "against all": 10 ciphertexts of a choice number with range proofs.

In the same run, interleaved round by round with the ballot timings (so that load from
other processes on a shared machine hits both alike), it times one libsodium
variable-base scalar multiplication (``Point * Scalar`` on a random point), one
fixed-base multiplication (:func:`base_mul`) and one point addition.

The number of group operations one :func:`verify_ballot` performs is *counted*, not
worked out by hand: ``Point.__mul__`` (split into generator / other base),
``Point.__add__``, ``Point.__sub__`` and ``Point.__neg__`` are wrapped during one call.

Reported:

* ``floor`` = (scalar multiplications in one verification) x (time of one variable-base
  multiplication) -- the definition used in the performance requirement -- and the ratio
  ``verify / floor``, which must be <= 1.25 (printed PASS/FAIL);
* ``strict floor`` = n_var*t_var + n_base*t_base (+ n_add*t_add in the last column), for
  transparency: fixed-base multiplications are about 3x cheaper than variable-base ones,
  and a ristretto255 addition is not free (libsodium decodes and re-encodes both points).

Run from the repository root::

    python benchmarks/bench_ballot.py [--rounds 100] [--per-round 10] [--json OUT]

Figures are medians over all samples; this is a benchmark, not a test (STYLE.md habit 9).
"""

from __future__ import annotations

import argparse
import datetime
import functools
import itertools
import json
import os
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import rbcl

from honestballot.crypto.group import GENERATOR, Point, Scalar, base_mul
from honestballot.crypto.hashing import hash_bytes
from honestballot.crypto.randomness import random_nonzero_scalar, random_scalar
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.protocol.ballot import EncryptedBallot, encrypt_ballot, verify_ballot
from honestballot.protocol.credential import VoterCredential, generate_credential
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.manifest import Contest, Label, Manifest, Option, Unit
from honestballot.protocol.witnesses import BoardKeys

RATIO_LIMIT = 1.25


# -- the ballots ---------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    ctx: ElectionContext
    credential: VoterCredential
    selections: dict[str, frozenset[str] | tuple[str, ...]]


def _label(text: str) -> Label:
    return Label(ru=text, kk=text, en=text)


def make_scenario(
    name: str,
    description: str,
    candidates: int,
    min_sel: int,
    max_sel: int,
    chosen: int,
    method: str | None = None,
) -> Scenario:
    contest = Contest(
        id="contest",
        title=_label(description),
        candidates=tuple(Option(f"cand-{i}", _label(f"Candidate {i}")) for i in range(candidates)),
        min_selections=min_sel,
        max_selections=max_sel,
        against_all=False,
        count="mix" if method else "sum",
        method=method,
    )
    manifest = Manifest(
        election_id=f"bench-{name}",
        title=_label("Benchmark election"),
        contests=(contest,),
        units=(Unit("unit-1", _label("Unit 1")),),
        min_unit_size=1,
    )
    secret = random_nonzero_scalar(SYSTEM_RANDOMNESS)
    ctx = ElectionContext.create(
        manifest,
        base_mul(secret),
        hash_bytes("bench/election-key", manifest.election_id),
        BoardKeys(base_mul(Scalar.of(7)), verifier_key=base_mul(Scalar.of(11))),
    )
    ids = [f"cand-{i}" for i in range(chosen)]
    selections: dict[str, frozenset[str] | tuple[str, ...]] = {
        "contest": tuple(reversed(ids)) if method else frozenset(ids)
    }
    return Scenario(name, description, ctx, generate_credential(SYSTEM_RANDOMNESS), selections)


def encrypt(s: Scenario) -> EncryptedBallot:
    ballot, _opening = encrypt_ballot(s.ctx, s.credential, s.selections, SYSTEM_RANDOMNESS)
    return ballot


# -- counting the group operations ---------------------------------------------------


@contextmanager
def count_group_operations() -> Iterator[Counter[str]]:
    """Wrap Point's arithmetic; count calls by kind while the block runs."""
    counts: Counter[str] = Counter()
    orig_mul = Point.__mul__
    orig_add = Point.__add__
    orig_sub = Point.__sub__
    orig_neg = Point.__neg__

    def mul(self: Point, scalar: Scalar) -> Point:
        if self.is_identity() or scalar.is_zero():
            counts["mul_trivial"] += 1  # answered without calling libsodium
        elif self is GENERATOR:
            counts["mul_base"] += 1
        else:
            counts["mul_var"] += 1
        return orig_mul(self, scalar)

    def add(self: Point, other: Point) -> Point:
        counts["add_trivial" if self.is_identity() or other.is_identity() else "add"] += 1
        return orig_add(self, other)

    def sub(self: Point, other: Point) -> Point:
        counts["sub_trivial" if self.is_identity() or other.is_identity() else "sub"] += 1
        return orig_sub(self, other)

    def neg(self: Point) -> Point:
        counts["neg"] += 1
        return orig_neg(self)

    setattr(Point, "__mul__", mul)  # noqa: B010 (assigning a dunder needs setattr for mypy)
    setattr(Point, "__add__", add)  # noqa: B010
    setattr(Point, "__sub__", sub)  # noqa: B010
    setattr(Point, "__neg__", neg)  # noqa: B010
    try:
        yield counts
    finally:
        setattr(Point, "__mul__", orig_mul)  # noqa: B010
        setattr(Point, "__add__", orig_add)  # noqa: B010
        setattr(Point, "__sub__", orig_sub)  # noqa: B010
        setattr(Point, "__neg__", orig_neg)  # noqa: B010


@dataclass(frozen=True)
class OpCounts:
    mul_var: int
    mul_base: int
    mul_trivial: int
    add_sub: int  # additions and subtractions that reach libsodium (incl. negations)
    add_sub_trivial: int

    @property
    def mul(self) -> int:
        """Scalar multiplications that reach libsodium."""
        return self.mul_var + self.mul_base


def count_verification(ctx: ElectionContext, ballot: EncryptedBallot) -> OpCounts:
    verify_ballot(ctx, ballot)  # warm small_multiple's cache first, as in steady state
    with count_group_operations() as c:
        verify_ballot(ctx, ballot)
    return OpCounts(
        mul_var=c["mul_var"],
        mul_base=c["mul_base"],
        mul_trivial=c["mul_trivial"],
        add_sub=c["add"] + c["sub"] + c["neg"],
        add_sub_trivial=c["add_trivial"] + c["sub_trivial"],
    )


# -- timing --------------------------------------------------------------------------


def per_op(fn: Callable[[int], object], n: int) -> float:
    """Seconds per call of ``fn(i)`` for i in range(n), timed as one batch."""
    t0 = time.perf_counter()
    for i in range(n):
        fn(i)
    return (time.perf_counter() - t0) / n


def each(fn: Callable[[], object], n: int) -> list[float]:
    """``n`` individually timed calls of ``fn``."""
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def verifier(s: Scenario, ballots: list[EncryptedBallot]) -> Callable[[], None]:
    """A callable verifying the given ballots in turn, cycling."""
    it = itertools.cycle(ballots)
    return lambda: verify_ballot(s.ctx, next(it))


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def libsodium_version() -> str:
    try:
        import ctypes

        from rbcl import _sodium

        fn = _sodium.sodium_version_string
        fn.restype = ctypes.c_char_p
        return str(fn().decode())
    except Exception:  # the version is informative only
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--rounds", type=int, default=100, help="measurement rounds (default 100)")
    ap.add_argument(
        "--per-round", type=int, default=10, help="ballots encrypted/verified per round"
    )
    ap.add_argument("--batch", type=int, default=200, help="group operations per batch")
    ap.add_argument("--warmup", type=int, default=3, help="rounds discarded (default 3)")
    ap.add_argument("--json", metavar="OUT", help="also write the results as JSON")
    ap.add_argument(
        "--ranked", action="store_true", help="also a ranked contest of 10, all 10 ranked"
    )
    args = ap.parse_args(argv)

    scenarios = [
        make_scenario("vote-for-1", "5 options, vote for 1 (min=max=1)", 5, 1, 1, 1),
        make_scenario("up-to-3", "10 options, vote for 1 to 3 (min=1, max=3)", 10, 1, 3, 2),
    ]
    if args.ranked:
        scenarios.append(
            make_scenario("ranked-10", "ranked, 10 of 10 candidates (IRV)", 10, 1, 10, 10, "irv")
        )
    ballots = {s.name: [encrypt(s) for _ in range(8)] for s in scenarios}
    counts = {s.name: count_verification(s.ctx, ballots[s.name][0]) for s in scenarios}

    # Fresh random inputs for the primitive timings (a random point is the usual case).
    b = args.batch
    pts = [Point.from_uniform_bytes(os.urandom(64)) for _ in range(b)]
    pts2 = [Point.from_uniform_bytes(os.urandom(64)) for _ in range(b)]
    scs = [random_scalar(SYSTEM_RANDOMNESS) for _ in range(b)]
    raw_scs = [s.encode() for s in scs]
    raw_pts = [p.data for p in pts]

    prims: dict[str, Callable[[int], object]] = {
        "var": lambda i: pts[i] * scs[i],
        "base": lambda i: base_mul(scs[i]),
        "add": lambda i: pts[i] + pts2[i],
        "raw_var": lambda i: rbcl.crypto_scalarmult_ristretto255_allow_scalar_zero(
            raw_scs[i], raw_pts[i]
        ),
    }
    prim_samples: dict[str, list[float]] = {k: [] for k in prims}
    verify_samples: dict[str, list[float]] = {s.name: [] for s in scenarios}
    encrypt_samples: dict[str, list[float]] = {s.name: [] for s in scenarios}
    round_ratio: dict[str, list[float]] = {s.name: [] for s in scenarios}

    t_start = time.perf_counter()
    for rnd in range(args.warmup + args.rounds):
        this_round: dict[str, float] = {}
        for k, fn in prims.items():
            this_round[k] = per_op(fn, b)
        round_verify: dict[str, list[float]] = {}
        for s in scenarios:
            round_verify[s.name] = each(verifier(s, ballots[s.name]), args.per_round)
            enc = each(functools.partial(encrypt, s), args.per_round)
            if rnd >= args.warmup:
                verify_samples[s.name] += round_verify[s.name]
                encrypt_samples[s.name] += enc
        if rnd < args.warmup:
            continue
        for k, v in this_round.items():
            prim_samples[k].append(v)
        for s in scenarios:
            floor = counts[s.name].mul * this_round["var"]
            round_ratio[s.name].append(median(round_verify[s.name]) / floor)
    elapsed = time.perf_counter() - t_start

    t = {k: median(v) for k, v in prim_samples.items()}
    results: dict[str, Any] = {
        "date": datetime.date.today().isoformat(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "rbcl": metadata.version("rbcl"),
        "libsodium": libsodium_version(),
        "rounds": args.rounds,
        "per_round": args.per_round,
        "batch": b,
        "wall_seconds": round(elapsed, 1),
        "primitives_us": {k: v * 1e6 for k, v in t.items()},
        "ballots": {},
    }

    us = 1e6
    ms = 1e3
    print(
        f"honestballot ballot benchmark  ({results['date']}, Python {results['python']}, "
        f"{results['cpu_count']} CPUs, rbcl {results['rbcl']} / libsodium "
        f"{results['libsodium']})"
    )
    print(
        f"{args.rounds} rounds x {args.per_round} ballots (after {args.warmup} warm-up rounds),"
        f" group operations in batches of {b}; medians\n"
    )
    print("group operation (median per call)")
    print(f"  variable-base  Point * Scalar     {t['var'] * us:8.1f} us")
    print(f"    (raw rbcl call, no wrapper)     {t['raw_var'] * us:8.1f} us")
    print(f"  fixed-base     base_mul(Scalar)   {t['base'] * us:8.1f} us")
    print(f"  addition       Point + Point      {t['add'] * us:8.1f} us\n")

    header = (
        f"{'ballot':<11} {'encrypt':>8} {'verify':>8} {'muls':>10} {'add/sub':>7} "
        f"{'floor':>7} {'ratio':>6} {'rnd-med':>7} {'':4} "
        f"{'strict':>7} {'ratio':>6} {'+adds':>7} {'ratio':>6}"
    )
    print(header)
    print(
        f"{'':11} {'ms':>8} {'ms':>8} {'var+base':>10} {'':>7} {'ms':>7} {'':>6} {'':>7} "
        f"{'':4} {'ms':>7} {'':>6} {'ms':>7}"
    )
    verdict_ok = True
    for s in scenarios:
        c = counts[s.name]
        v = median(verify_samples[s.name])
        e = median(encrypt_samples[s.name])
        floor = c.mul * t["var"]
        strict = c.mul_var * t["var"] + c.mul_base * t["base"]
        strict_add = strict + c.add_sub * t["add"]
        ratio = v / floor
        rnd_ratio = median(round_ratio[s.name])
        ok = ratio <= RATIO_LIMIT
        verdict_ok &= ok
        print(
            f"{s.name:<11} {e * ms:8.2f} {v * ms:8.2f} {f'{c.mul_var}+{c.mul_base}':>10} "
            f"{c.add_sub:7d} {floor * ms:7.2f} {ratio:6.2f} {rnd_ratio:7.2f} "
            f"{'PASS' if ok else 'FAIL':4} {strict * ms:7.2f} {v / strict:6.2f} "
            f"{strict_add * ms:7.2f} {v / strict_add:6.2f}"
        )
        results["ballots"][s.name] = {
            "description": s.description,
            "options": len(s.ctx.manifest.contests[0].options),
            "encrypt_ms": e * ms,
            "verify_ms": v * ms,
            "encrypt_samples": len(encrypt_samples[s.name]),
            "verify_samples": len(verify_samples[s.name]),
            "verify_p10_ms": statistics.quantiles(verify_samples[s.name], n=10)[0] * ms,
            "verify_p90_ms": statistics.quantiles(verify_samples[s.name], n=10)[-1] * ms,
            "mul_var": c.mul_var,
            "mul_base": c.mul_base,
            "mul_trivial": c.mul_trivial,
            "add_sub": c.add_sub,
            "add_sub_trivial": c.add_sub_trivial,
            "floor_ms": floor * ms,
            "ratio": ratio,
            "ratio_median_of_rounds": rnd_ratio,
            "limit": RATIO_LIMIT,
            "pass": ok,
            "strict_floor_ms": strict * ms,
            "strict_ratio": v / strict,
            "strict_floor_with_adds_ms": strict_add * ms,
            "strict_with_adds_ratio": v / strict_add,
        }
    print(
        "\nfloor = (var + base multiplications) x t(variable-base); ratio = verify / floor "
        f"(limit {RATIO_LIMIT}); rnd-med = median of per-round ratios.\n"
        "strict = n_var x t(var) + n_base x t(base); +adds = strict + n_add/sub x t(add)."
    )
    for s in scenarios:
        c = counts[s.name]
        if c.mul_trivial or c.add_sub_trivial:
            print(
                f"({s.name}: also {c.mul_trivial} trivial multiplications and "
                f"{c.add_sub_trivial} additions with the identity, answered without libsodium)"
            )
    print(f"\noverall: {'PASS' if verdict_ok else 'FAIL'}   ({elapsed:.0f} s)")

    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)
            fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
