"""Tags for the coercion close: tag shares, their verification and combination, per row.

The input is N point ciphertexts of random points under an election key, as the tagged
``Enc(tau)`` are (not timed); the tag key is shared k-of-n (docs/coercion.md §5, "Tag with
y"; honestballot/crypto/tagging.py).  Each round first times the group operations
(batches of one variable-base multiplication ``Point * Scalar``, one fixed-base
``base_mul`` and one addition), then runs every step below once on all N rows:

* ``tag share``: one trustee's ``(y_j*alpha, y_j*beta)`` and proof for every row;
* ``tag share verify``: checking one trustee's share;
* ``combine tag shares``: Lagrange over k trustees' shares into ``Enc(y*M)``;
* ``decryption share`` / ``... verify``: one trustee's ``x_l*alpha`` of ``Enc(y*M)`` with
  its Chaum--Pedersen proof, as protocol/decryption.py makes and checks it per entry;
* ``combine decryption``: Lagrange over k decryption shares, then ``beta - x*alpha``;
* ``randomness proofs`` / ``credential proofs`` and their verification: the proofs every
  ciphertext (plaintext_awareness.py) and every ``Enc(sigma)`` (representation.py) carry;
  here the inputs are made as ``Enc(c*P)`` so that both apply to them;
* ``equivalence share`` / ``... verify`` / ``combine``: one trustee's blinding of N pairs
  for a plaintext-equivalence test (crypto/equivalence.py), each row against another
  encryption of its point, its check, and the sum of k trustees' shares; the decryption
  of the sums costs what the decryption rows above say;
* ``offset`` / ``offset verify``: one trustee's counter offsets for N groups, and their
  check (crypto/offsets.py), so "per row" is per group here;
* ``combine offsets + apply``: k trustees' offsets summed for N/4 groups of 4 rows and
  added to the N rows' counters; ``consecutive order``: the walk over N decrypted
  counters (points made directly here) in groups of 4.

The group operations of one call of each step are *counted*, not worked out by hand, by
wrapping ``Point``'s arithmetic (``count_group_operations`` of benchmarks/bench_ballot.py).

Run from the repository root::

    python benchmarks/bench_tagging.py [--rows 1000] [--trustees 3] [--threshold 3]
                                       [--rounds 5] [--json OUT]

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
from importlib import metadata
from typing import Any

from bench_ballot import count_group_operations, libsodium_version, per_op

from honestballot.crypto.chaum_pedersen import EqualityProof, prove_equality, verify_equality
from honestballot.crypto.elgamal import decrypt_with_factor, encrypt, encrypt_point
from honestballot.crypto.equivalence import (
    combine_equivalence_shares,
    create_equivalence_share,
    verify_equivalence_share,
)
from honestballot.crypto.group import Point, Scalar, base_mul, sum_points
from honestballot.crypto.hashing import Part, hash_bytes
from honestballot.crypto.offsets import (
    apply_offsets,
    combine_offsets,
    consecutive_order,
    create_offset_share,
    verify_offset_share,
)
from honestballot.crypto.plaintext_awareness import (
    prove_randomness_many,
    verify_randomness_many,
)
from honestballot.crypto.polynomial import evaluate, lagrange_at_zero, random_polynomial
from honestballot.crypto.randomness import random_nonzero_scalar, random_scalar
from honestballot.crypto.representation import (
    credential_base,
    prove_representation,
    verify_representation,
)
from honestballot.crypto.tagging import combine_tag_shares, create_tag_share, verify_tag_share
from honestballot.entropy import SYSTEM_RANDOMNESS

BASE_HASH = hash_bytes("bench/election", b"bench-tagging")
CONTEXT: tuple[Part, ...] = (BASE_HASH, "y1", hash_bytes("bench/list", b"rows"))


def steps(n: int, k: int, trustees: int) -> dict[str, Callable[[], object]]:
    """The steps, each a callable over all ``n`` rows (inputs made here, not timed)."""
    rng = SYSTEM_RANDOMNESS
    x = random_nonzero_scalar(rng)
    h = base_mul(x)
    y_poly = random_polynomial(k - 1, rng)
    y_shares = {j: evaluate(y_poly, j) for j in range(1, trustees + 1)}
    y_keys = {j: base_mul(s) for j, s in y_shares.items()}
    x_shares = {j: x for j in range(1, k + 1)}  # the exponent does not change the cost
    p = credential_base(BASE_HASH)
    creds = [random_nonzero_scalar(rng) for _ in range(n)]
    rs = [random_nonzero_scalar(rng) for _ in range(n)]
    inputs = [encrypt_point(h, p * c, r) for c, r in zip(creds, rs, strict=True)]
    shares = [create_tag_share(CONTEXT, j, y_shares[j], inputs, rng) for j in range(1, k + 1)]
    tagged = combine_tag_shares(shares, k, trustees)
    x_pub = base_mul(x_shares[1])

    def dec_share() -> list[tuple[Point, EqualityProof]]:
        out = []
        for i, ct in enumerate(tagged):
            d = ct.alpha * x_shares[1]
            ctx = (BASE_HASH, "tally", 1, i)
            out.append((d, prove_equality("bench/dec", ctx, x_shares[1], x_pub, ct.alpha, d, rng)))
        return out

    dec = dec_share()

    def dec_verify() -> None:
        for i, (ct, (d, proof)) in enumerate(zip(tagged, dec, strict=True)):
            ctx = (BASE_HASH, "tally", 1, i)
            verify_equality("bench/dec", ctx, x_pub, ct.alpha, d, proof, "dec")

    ds = [[ct.alpha * x_shares[j] for ct in tagged] for j in range(1, k + 1)]

    def dec_combine() -> list[Point]:
        lambdas = lagrange_at_zero(range(1, k + 1), trustees)
        return [
            decrypt_with_factor(ct, sum_points([ds[j - 1][i] * lambdas[j] for j in lambdas]))
            for i, ct in enumerate(tagged)
        ]

    rp = prove_randomness_many(CONTEXT, h, inputs, rs, rng)
    cp = [
        prove_representation((*CONTEXT, i), h, p, ct, r, c, rng)
        for i, (ct, r, c) in enumerate(zip(inputs, rs, creds, strict=True))
    ]

    def cred_verify() -> None:
        for i, (ct, proof) in enumerate(zip(inputs, cp, strict=True)):
            verify_representation((*CONTEXT, i), h, p, ct, proof, "credential")

    pairs = [
        (ct, encrypt_point(h, p * c, random_nonzero_scalar(rng)))
        for ct, c in zip(inputs, creds, strict=True)
    ]
    pet_shares = [create_equivalence_share(CONTEXT, j, pairs, rng) for j in range(1, k + 1)]
    offset_shares = [create_offset_share(CONTEXT, j, h, n, rng) for j in range(1, k + 1)]
    group_size = 4
    groups = n // group_size
    counters = [
        [encrypt(h, 1000 + i, random_nonzero_scalar(rng)) for i in range(group_size)]
        for _ in range(groups)
    ]
    group_offsets = [create_offset_share(CONTEXT, j, h, groups, rng) for j in range(1, k + 1)]
    decrypted = []
    for _ in range(groups):
        delta = random_scalar(rng)
        decrypted.append([base_mul(Scalar(1000 + i) + delta) for i in (2, 0, 3, 1)])

    def offsets_apply() -> object:
        return apply_offsets(counters, combine_offsets(group_offsets, k, trustees))

    out: dict[str, Callable[[], object]] = {
        "tag share": lambda: create_tag_share(CONTEXT, 1, y_shares[1], inputs, rng),
        "tag share verify": lambda: verify_tag_share(CONTEXT, y_keys[1], inputs, shares[0]),
        f"combine {k} tag shares": lambda: combine_tag_shares(shares, k, trustees),
        "decryption share": dec_share,
        "decryption share verify": dec_verify,
        f"combine {k} decryption shares": dec_combine,
        "randomness proofs": lambda: prove_randomness_many(CONTEXT, h, inputs, rs, rng),
        "randomness proofs verify": lambda: verify_randomness_many(CONTEXT, h, inputs, rp, "r"),
        "credential proofs": lambda: [
            prove_representation((*CONTEXT, i), h, p, ct, r, c, rng)
            for i, (ct, r, c) in enumerate(zip(inputs, rs, creds, strict=True))
        ],
        "credential proofs verify": cred_verify,
        "equivalence share": lambda: create_equivalence_share(CONTEXT, 1, pairs, rng),
        "equivalence share verify": lambda: verify_equivalence_share(CONTEXT, pairs, pet_shares[0]),
        f"combine {k} equivalence shares": lambda: combine_equivalence_shares(
            pet_shares, k, trustees
        ),
        "offset (per group)": lambda: create_offset_share(CONTEXT, 1, h, n, rng),
        "offset verify (per group)": lambda: verify_offset_share(CONTEXT, h, n, offset_shares[0]),
        f"combine {k} offsets + apply": offsets_apply,
        "consecutive order": lambda: [consecutive_order(w) for w in decrypted],
    }
    return out


def counted(fn: Callable[[], object]) -> dict[str, int]:
    with count_group_operations() as c:
        fn()
    return {"var": c["mul_var"], "base": c["mul_base"], "add": c["add"] + c["sub"] + c["neg"]}


def ratio(value: float | None, width: int) -> str:
    return f"{value:{width}.2f}" if value is not None else f"{'-':>{width}}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--rows", type=int, default=1000, help="rows N (default 1000)")
    ap.add_argument("--trustees", type=int, default=3, help="trustees n (default 3)")
    ap.add_argument("--threshold", type=int, default=3, help="threshold k (default 3)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
    ap.add_argument("--batch", type=int, default=200, help="group operations per batch")
    ap.add_argument("--json", metavar="OUT", help="also write the results as JSON")
    args = ap.parse_args(argv)
    n, k = args.rows, args.threshold

    work = steps(n, k, args.trustees)
    counts = {name: counted(fn) for name, fn in work.items()}
    b = args.batch
    pts = [Point.from_uniform_bytes(os.urandom(64)) for _ in range(b)]
    pts2 = [Point.from_uniform_bytes(os.urandom(64)) for _ in range(b)]
    scs: list[Scalar] = [random_scalar(SYSTEM_RANDOMNESS) for _ in range(b)]
    prims: dict[str, Callable[[int], object]] = {
        "var": lambda i: pts[i] * scs[i],
        "base": lambda i: base_mul(scs[i]),
        "add": lambda i: pts[i] + pts2[i],
    }
    prim_samples: dict[str, list[float]] = {p: [] for p in prims}
    samples: dict[str, list[float]] = {name: [] for name in work}
    t_start = time.perf_counter()
    for _ in range(args.rounds):
        for p, fn in prims.items():
            prim_samples[p].append(per_op(fn, b))
        for name, step in work.items():
            t0 = time.perf_counter()
            step()
            samples[name].append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - t_start
    tp = {p: statistics.median(v) for p, v in prim_samples.items()}

    results: dict[str, Any] = {
        "date": datetime.date.today().isoformat(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg(),
        "rbcl": metadata.version("rbcl"),
        "libsodium": libsodium_version(),
        "rows": n,
        "trustees": args.trustees,
        "threshold": k,
        "rounds": args.rounds,
        "wall_seconds": round(elapsed, 1),
        "primitives_us": {p: v * 1e6 for p, v in tp.items()},
        "steps": {},
    }
    print(
        f"honestballot tagging benchmark  ({results['date']}, Python {results['python']}, "
        f"{results['cpu_count']} CPUs, rbcl {results['rbcl']} / libsodium "
        f"{results['libsodium']}; load {results['load_average'][0]:.2f})"
    )
    print(f"N = {n} rows, k = {k} of n = {args.trustees}; {args.rounds} rounds; medians\n")
    print(f"  variable-base  Point * Scalar     {tp['var'] * 1e6:8.1f} us")
    print(f"  fixed-base     base_mul(Scalar)   {tp['base'] * 1e6:8.1f} us")
    print(f"  addition       Point + Point      {tp['add'] * 1e6:8.1f} us\n")
    print(
        f"{'step':<31} {'total ms':>9} {'per row ms':>10} {'muls/row':>14} {'adds/row':>8} "
        f"{'/floor':>6} {'/strict':>7}"
    )
    for name in work:
        c = counts[name]
        total = statistics.median(samples[name])
        floor = (c["var"] + c["base"]) * tp["var"]
        strict = c["var"] * tp["var"] + c["base"] * tp["base"] + c["add"] * tp["add"]
        # a step without multiplications (a sum of shares, the walk) has no floor
        floor_ratio = total / floor if floor else None
        strict_ratio = total / strict if strict else None
        muls = f"{(c['var'] + c['base']) / n:g} ({c['var'] / n:g}+{c['base'] / n:g})"
        print(
            f"{name:<31} {total * 1e3:9.1f} {total * 1e3 / n:10.3f} {muls:>14} "
            f"{c['add'] / n:8.2f} {ratio(floor_ratio, 6)} {ratio(strict_ratio, 7)}"
        )
        results["steps"][name] = {
            "ms": total * 1e3,
            "ms_per_row": total * 1e3 / n,
            "mul_var": c["var"],
            "mul_base": c["base"],
            "add_sub": c["add"],
            "floor_ratio": floor_ratio,
            "strict_ratio": strict_ratio,
        }
    print(
        "\nmuls/row = (variable-base + fixed-base) multiplications per row, counted;\n"
        "/floor = time / (muls x t(variable-base)); "
        "/strict = time / (n_var t_var + n_base t_base + n_add t_add)."
    )
    print(f"({elapsed:.0f} s)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)
            fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
