"""The independent verifier of the proof of shuffle, written from docs/shuffle.md alone
(``hbcheck.verify_shuffle``, with hbcheck.py's pure-Python ristretto255 and the hashing of
docs/record-format.md §2), against proofs made by honestballot: it reads the statement
and proof as JSON hex strings.  ``honestballot`` is imported only to *make* the proofs
it checks; tests/independent/test_mix_independent.py checks whole mix chains with it.
"""

from __future__ import annotations

import copy
import functools
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
    assert hb.hash_to_point("shuffle/chain-base", ctx).hex() == (
        "fe0e54033bf5575c854631b1419791d1004000c27c663051bf997d810ea0610e"
    )
    assert hb.hash_to_point("shuffle/generator", ctx, hb.In(0)).hex() == (
        "f208e4b44fc220a22c9b70cd68250cf17db1a92119d8f3d49e6facdfafa2b269"
    )
    assert hb.hash_to_point("shuffle/generator", ctx, hb.In(1)).hex() == (
        "2a64deaef4f1cf71dae9dc61776eeacd915298c415d511e5f130cf9b30fac937"
    )


@pytest.mark.parametrize(("n", "w"), [(1, 1), (3, 2)])
def test_independent_verifier_accepts_honestballot_proofs(n: int, w: int) -> None:
    key, inputs, outputs, proof = made(n, w)
    assert hb.verify_shuffle(CONTEXT, key, inputs, outputs, proof)


def test_independent_verifier_rejects_changes() -> None:
    key, inputs, outputs, proof = made(3, 2)
    assert not hb.verify_shuffle([hb.By(BASE_HASH), hb.In(MIXER + 1)], key, inputs, outputs, proof)
    swapped = [outputs[1], outputs[0], outputs[2]]
    assert not hb.verify_shuffle(CONTEXT, key, inputs, swapped, proof)
    for field in ("s2", "c"):
        altered = copy.deepcopy(proof)
        altered[field] = hb.scalar_hex(hb.decode_scalar(proof[field]) + 1)
        assert not hb.verify_shuffle(CONTEXT, key, inputs, outputs, altered)
