"""An independent verifier of the proof of shuffle, written from docs/shuffle.md alone.

It uses only hbcheck.py (pure-Python ristretto255 and the hashing of
docs/record-format.md §2) and reads the statement and proof as JSON hex strings.
``honestballot`` is imported only to *make* the proofs it checks.
"""

from __future__ import annotations

import copy
import functools
import hashlib
from typing import Any

import pytest

from honestballot.crypto.elgamal import encrypt
from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_scalar
from honestballot.crypto.shuffle import prove_shuffle, shuffle
from honestballot.record.shuffle import shuffle_proof_to_json

from . import hbcheck as hb

BASE_HASH = bytes(range(32))
MIXER = 2


def h2p(tag: str, *parts: hb.Part) -> hb.Point:
    return hb.from_uniform_bytes(hashlib.sha512(hb.preimage(tag, parts)).digest())


def rows_part(rows: list[list[dict[str, str]]]) -> hb.Part:
    return hb.Li(
        hb.Li(hb.Li([hb.Pt(ct["alpha"]), hb.Pt(ct["beta"])]) for ct in row) for row in rows
    )


def points(pts: list[hb.Point]) -> hb.Part:
    return hb.Li(hb.Pt(p) for p in pts)


def independent_verify(
    context: list[hb.Part], key: str, inputs: list[Any], outputs: list[Any], proof: dict[str, Any]
) -> bool:
    """docs/shuffle.md §5, step by step."""
    n, w = len(inputs), len(inputs[0])
    assert n >= 1 and w >= 1 and len(outputs) == n
    assert all(len(row) == w for row in inputs + outputs)
    ctx = hb.Li(context)
    h = h2p("shuffle/chain-base", ctx)
    hs = [h2p("shuffle/generator", ctx, hb.In(i)) for i in range(n)]
    pk = hb.decode_point(key, allow_identity=False)

    def ct(x: dict[str, str]) -> tuple[hb.Point, hb.Point]:
        return hb.decode_point(x["alpha"]), hb.decode_point(x["beta"])

    ins = [[ct(x) for x in row] for row in inputs]
    outs = [[ct(x) for x in row] for row in outputs]
    com = [hb.decode_point(x, allow_identity=False) for x in proof["permutation_commitment"]]
    chain = [hb.decode_point(x, allow_identity=False) for x in proof["chain"]]
    c = hb.decode_scalar(proof["c"])
    s1, s2, s3 = (hb.decode_scalar(proof[k]) for k in ("s1", "s2", "s3"))
    s4 = [hb.decode_scalar(x) for x in proof["s4"]]
    s_hat = [hb.decode_scalar(x) for x in proof["s_hat"]]
    s_prime = [hb.decode_scalar(x) for x in proof["s_prime"]]
    assert len(com) == len(chain) == len(s_hat) == len(s_prime) == n and len(s4) == w

    seed = hb.hash_bytes(
        "shuffle/statement",
        ctx,
        hb.In(n),
        hb.In(w),
        hb.Pt(h),
        points(hs),
        hb.Pt(pk),
        rows_part(inputs),
        rows_part(outputs),
        points(com),
    )
    u = [hb.hash_to_scalar("shuffle/vector-challenge", hb.By(seed), hb.In(j)) for j in range(n)]

    def total(ps: list[hb.Point]) -> hb.Point:
        return functools.reduce(lambda a, b: a + b, ps, hb.IDENTITY)

    u_product = functools.reduce(lambda a, b: a * b % hb.L, u, 1)
    t1 = hb.B * s1 - (total(com) - total(hs)) * c
    t2 = hb.B * s2 - (chain[-1] - h * u_product) * c
    t3 = (
        hb.B * s3
        + total([hi * s for hi, s in zip(hs, s_prime, strict=True)])
        - total([cj * uj for cj, uj in zip(com, u, strict=True)]) * c
    )
    t4 = []
    for k in range(w):
        alpha = (
            total([outs[i][k][0] * s_prime[i] for i in range(n)])
            - hb.B * s4[k]
            - total([ins[j][k][0] * u[j] for j in range(n)]) * c
        )
        beta = (
            total([outs[i][k][1] * s_prime[i] for i in range(n)])
            - pk * s4[k]
            - total([ins[j][k][1] * u[j] for j in range(n)]) * c
        )
        t4.append(hb.Li([hb.Pt(alpha), hb.Pt(beta)]))
    previous = [h, *chain[:-1]]
    t_hat = [hb.B * s_hat[i] + previous[i] * s_prime[i] - chain[i] * c for i in range(n)]
    again = hb.hash_to_scalar(
        "shuffle/challenge",
        hb.By(seed),
        points(chain),
        hb.Pt(t1),
        hb.Pt(t2),
        hb.Pt(t3),
        hb.Li(t4),
        points(t_hat),
    )
    return again == c


@functools.cache
def made(n: int, w: int) -> tuple[str, list[Any], list[Any], dict[str, Any]]:
    """A statement and proof made by honestballot, as JSON-like hex."""
    rng = SeededRandomness(f"independent-{n}-{w}")
    key = base_mul(random_scalar(rng))
    inputs = [[encrypt(key, i + k, random_scalar(rng)) for k in range(w)] for i in range(n)]
    outputs, witness = shuffle(key, inputs, rng)
    proof = prove_shuffle((BASE_HASH, MIXER), key, inputs, outputs, witness, rng)

    def js(rows: Any) -> list[Any]:
        return [[{"alpha": ct.alpha.hex(), "beta": ct.beta.hex()} for ct in row] for row in rows]

    return key.hex(), js(inputs), js(outputs), shuffle_proof_to_json(proof)


CONTEXT = [hb.By(BASE_HASH), hb.In(MIXER)]


def test_the_documented_bases_match() -> None:
    ctx = hb.Li([hb.By(bytes(32)), hb.In(0)])
    assert h2p("shuffle/chain-base", ctx).hex() == (
        "fe0e54033bf5575c854631b1419791d1004000c27c663051bf997d810ea0610e"
    )
    assert h2p("shuffle/generator", ctx, hb.In(0)).hex() == (
        "f208e4b44fc220a22c9b70cd68250cf17db1a92119d8f3d49e6facdfafa2b269"
    )
    assert h2p("shuffle/generator", ctx, hb.In(1)).hex() == (
        "2a64deaef4f1cf71dae9dc61776eeacd915298c415d511e5f130cf9b30fac937"
    )


@pytest.mark.parametrize(("n", "w"), [(1, 1), (3, 2)])
def test_independent_verifier_accepts_honestballot_proofs(n: int, w: int) -> None:
    key, inputs, outputs, proof = made(n, w)
    assert independent_verify(CONTEXT, key, inputs, outputs, proof)


def test_independent_verifier_rejects_changes() -> None:
    key, inputs, outputs, proof = made(3, 2)
    assert not independent_verify([hb.By(BASE_HASH), hb.In(MIXER + 1)], key, inputs, outputs, proof)
    swapped = [outputs[1], outputs[0], outputs[2]]
    assert not independent_verify(CONTEXT, key, inputs, swapped, proof)
    for field in ("s2", "c"):
        altered = copy.deepcopy(proof)
        altered[field] = hb.scalar_hex(hb.decode_scalar(proof[field]) + 1)
        assert not independent_verify(CONTEXT, key, inputs, outputs, altered)
