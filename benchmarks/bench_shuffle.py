"""Proof of shuffle: shuffle, prove and verify time per row, against the group operations.

For each size N and width w (rows of w ciphertexts), the input is N rows of fresh
encryptions (not timed).  Each round shuffles them, proves the shuffle and verifies the
proof, timing each step once; in the same round, before the shuffle, it times the group
operations (batches of one variable-base multiplication ``Point * Scalar`` on random
points, one fixed-base ``base_mul`` and one addition), so that load from other processes
on a shared machine hits both alike.  It also times the derivation of the N commitment
bases (``derive_commitment_key``: N + 1 hashes to the group), which both prove and verify
include.

The group operations one ``prove_shuffle`` and one ``verify_shuffle`` perform are
*counted*, not worked out by hand: ``Point.__mul__`` (split into generator / other base),
``__add__``, ``__sub__`` and ``__neg__`` are wrapped during one call (the wrapper of
benchmarks/bench_ballot.py).

Reported per (N, w): medians of shuffle / prove / verify, the same per row, the time per
row divided by the time of one variable-base multiplication, the counted multiplications
(variable-base + fixed-base) per row, and ``ratio`` = time / (number of multiplications x
time of one variable-base multiplication), plus the strict floor n_var*t_var +
n_base*t_base + n_add*t_add.

Run from the repository root::

    python benchmarks/bench_shuffle.py [--sizes 100,1000] [--widths 1,3] [--rounds 5]
                                       [--json OUT]

This is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from bench_ballot import count_group_operations, libsodium_version, per_op

from honestballot.crypto.elgamal import encrypt
from honestballot.crypto.group import Point, base_mul
from honestballot.crypto.hashing import Part, hash_bytes
from honestballot.crypto.pedersen import derive_commitment_key
from honestballot.crypto.randomness import random_nonzero_scalar, random_scalar
from honestballot.crypto.shuffle import Rows, prove_shuffle, shuffle, verify_shuffle
from honestballot.entropy import SYSTEM_RANDOMNESS

CONTEXT: tuple[Part, ...] = (hash_bytes("bench/election", b"bench-shuffle"), 0)


@dataclass(frozen=True)
class Counts:
    mul_var: int
    mul_base: int
    add_sub: int

    @property
    def mul(self) -> int:
        return self.mul_var + self.mul_base


def counted(fn: Callable[[], object]) -> Counts:
    with count_group_operations() as c:
        fn()
    return Counts(c["mul_var"], c["mul_base"], c["add"] + c["sub"] + c["neg"])


def make_inputs(public_key: Point, n: int, w: int) -> Rows:
    return tuple(
        tuple(encrypt(public_key, (i + k) % 3, random_scalar(SYSTEM_RANDOMNESS)) for k in range(w))
        for i in range(n)
    )


def run_case(
    public_key: Point,
    n: int,
    w: int,
    rounds: int,
    prims: dict[str, Callable[[int], object]],
    batch: int,
    prim_samples: dict[str, list[float]],
) -> dict[str, Any]:
    """Count the operations of one shuffle, proof and verification of N rows of w, then
    time ``rounds`` of each (group operations timed first in every round)."""
    rng = SYSTEM_RANDOMNESS
    inputs = make_inputs(public_key, n, w)
    outputs, witness = shuffle(public_key, inputs, rng)
    proof = prove_shuffle(CONTEXT, public_key, inputs, outputs, witness, rng)
    verify_shuffle(CONTEXT, public_key, inputs, outputs, proof)
    counts = {
        "shuffle": counted(lambda: shuffle(public_key, inputs, rng)),
        "prove": counted(lambda: prove_shuffle(CONTEXT, public_key, inputs, outputs, witness, rng)),
        "verify": counted(lambda: verify_shuffle(CONTEXT, public_key, inputs, outputs, proof)),
    }
    samples: dict[str, list[float]] = {"shuffle": [], "prove": [], "verify": [], "key": []}
    ratios: dict[str, list[float]] = {"prove": [], "verify": []}
    for _ in range(rounds):
        t = {k: per_op(fn, batch) for k, fn in prims.items()}
        for k, v in t.items():
            prim_samples[k].append(v)
        t0 = time.perf_counter()
        outs, wit = shuffle(public_key, inputs, rng)
        t1 = time.perf_counter()
        pf = prove_shuffle(CONTEXT, public_key, inputs, outs, wit, rng)
        t2 = time.perf_counter()
        verify_shuffle(CONTEXT, public_key, inputs, outs, pf)
        t3 = time.perf_counter()
        derive_commitment_key(CONTEXT, n)
        t4 = time.perf_counter()
        samples["shuffle"].append(t1 - t0)
        samples["prove"].append(t2 - t1)
        samples["verify"].append(t3 - t2)
        samples["key"].append(t4 - t3)
        ratios["prove"].append((t2 - t1) / (counts["prove"].mul * t["var"]))
        ratios["verify"].append((t3 - t2) / (counts["verify"].mul * t["var"]))
    return {
        "n": n,
        "w": w,
        "counts": counts,
        "median": {k: statistics.median(v) for k, v in samples.items()},
        "ratio_median_of_rounds": {k: statistics.median(v) for k, v in ratios.items()},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--sizes", default="100,1000", help="numbers of rows N (default 100,1000)")
    ap.add_argument("--widths", default="1,3", help="ciphertexts per row w (default 1,3)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds per (N, w) (default 5)")
    ap.add_argument("--batch", type=int, default=200, help="group operations per batch")
    ap.add_argument("--json", metavar="OUT", help="also write the results as JSON")
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",")]
    widths = [int(x) for x in args.widths.split(",")]

    public_key = base_mul(random_nonzero_scalar(SYSTEM_RANDOMNESS))
    b = args.batch
    pts = [Point.from_uniform_bytes(os.urandom(64)) for _ in range(b)]
    pts2 = [Point.from_uniform_bytes(os.urandom(64)) for _ in range(b)]
    scs = [random_scalar(SYSTEM_RANDOMNESS) for _ in range(b)]
    prims: dict[str, Callable[[int], object]] = {
        "var": lambda i: pts[i] * scs[i],
        "base": lambda i: base_mul(scs[i]),
        "add": lambda i: pts[i] + pts2[i],
    }
    prim_samples: dict[str, list[float]] = {k: [] for k in prims}
    results: dict[str, Any] = {
        "date": datetime.date.today().isoformat(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "rbcl": metadata.version("rbcl"),
        "libsodium": libsodium_version(),
        "rounds": args.rounds,
        "cases": [],
    }

    t_start = time.perf_counter()
    rows_out = [
        run_case(public_key, n, w, args.rounds, prims, b, prim_samples)
        for n in sizes
        for w in widths
    ]
    elapsed = time.perf_counter() - t_start
    tp = {k: statistics.median(v) for k, v in prim_samples.items()}
    results["wall_seconds"] = round(elapsed, 1)
    results["primitives_us"] = {k: v * 1e6 for k, v in tp.items()}

    print(
        f"honestballot shuffle benchmark  ({results['date']}, Python {results['python']}, "
        f"{results['cpu_count']} CPUs, rbcl {results['rbcl']} / libsodium "
        f"{results['libsodium']})"
    )
    print(f"{args.rounds} rounds per case; medians\n")
    print(f"  variable-base  Point * Scalar     {tp['var'] * 1e6:8.1f} us")
    print(f"  fixed-base     base_mul(Scalar)   {tp['base'] * 1e6:8.1f} us")
    print(f"  addition       Point + Point      {tp['add'] * 1e6:8.1f} us\n")
    print(
        f"{'N':>6} {'w':>2} {'step':<8} {'total':>9} {'per row':>8} {'row/t':>6} {'muls/row':>14} "
        f"{'adds/row':>8} {'floor':>9} {'ratio':>6} {'strict':>9} {'ratio':>6}"
    )
    print(
        f"{'':>6} {'':>2} {'':<8} {'ms':>9} {'ms':>8} {'var':>6} {'(var+base)':>14} {'':>8} "
        f"{'ms':>9} {'':>6} {'ms':>9} {'':>6}"
    )
    for r in rows_out:
        n, w = r["n"], r["w"]
        case_json: dict[str, Any] = {"n": n, "w": w, "bases_ms": r["median"]["key"] * 1e3}
        for step in ("shuffle", "prove", "verify"):
            c: Counts = r["counts"][step]
            total = r["median"][step]
            floor = c.mul * tp["var"]
            strict = c.mul_var * tp["var"] + c.mul_base * tp["base"] + c.add_sub * tp["add"]
            per_row_muls = f"{c.mul / n:.2f} ({c.mul_var / n:.2f}+{c.mul_base / n:.2f})"
            print(
                f"{n:6d} {w:2d} {step:<8} {total * 1e3:9.1f} {total * 1e3 / n:8.3f} "
                f"{total / n / tp['var']:6.1f} {per_row_muls:>14} {c.add_sub / n:8.2f} "
                f"{floor * 1e3:9.1f} {total / floor:6.2f} {strict * 1e3:9.1f} "
                f"{total / strict:6.2f}"
            )
            case_json[step] = {
                "ms": total * 1e3,
                "ms_per_row": total * 1e3 / n,
                "per_row_in_var_mults": total / n / tp["var"],
                "mul_var": c.mul_var,
                "mul_base": c.mul_base,
                "add_sub": c.add_sub,
                "floor_ms": floor * 1e3,
                "ratio": total / floor,
                "strict_floor_ms": strict * 1e3,
                "strict_ratio": total / strict,
            }
            if step in r["ratio_median_of_rounds"]:
                case_json[step]["ratio_median_of_rounds"] = r["ratio_median_of_rounds"][step]
        print(
            f"{'':>9} bases (N+1 hashes to the group, in prove and verify): "
            f"{r['median']['key'] * 1e3:.1f} ms"
        )
        results["cases"].append(case_json)
    print(
        "\nrow/t var = time per row / t(variable-base multiplication).\n"
        "floor = (var + base multiplications) x t(variable-base); ratio = time / floor.\n"
        "strict = n_var x t(var) + n_base x t(base) + n_add/sub x t(add)."
    )
    print(f"({elapsed:.0f} s)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)
            fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
