"""The verifiable shuffle: completeness, and rejection of every false or altered statement.

Each proof is checked both ways: it verifies for the statement it was made for, and
raises :class:`InvalidProof` for a shuffle that drops, duplicates or changes a row, for
rows swapped after proving, for another key, context or input list, for any altered
proof element and for a permutation commitment taken from another proof.  Cheating
provers that know the protocol (a non-permutation matrix, weak Fiat--Shamir, rows chosen
after the challenges) are in test_shuffle_soundness.py.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honestballot.crypto.elgamal import Ciphertext, decrypt_to_point, encrypt, reencrypt
from honestballot.crypto.group import GENERATOR, IDENTITY, Point, Scalar, base_mul
from honestballot.crypto.hashing import Part, hash_bytes
from honestballot.crypto.pedersen import (
    CommitmentKey,
    commit,
    commit_permutation,
    derive_commitment_key,
)
from honestballot.crypto.randomness import (
    SeededRandomness,
    random_below,
    random_nonzero_scalar,
    random_permutation,
    random_scalar,
)
from honestballot.crypto.shuffle import (
    Rows,
    ShuffleProof,
    ShuffleWitness,
    prove_shuffle,
    shuffle,
    verify_shuffle,
)
from honestballot.errors import EncodingError, InvalidProof

BASE_HASH = hash_bytes("test/election", b"election-1")
CONTEXT: tuple[Part, ...] = (BASE_HASH, 0)  # election, mixer 0
SIZES = [1, 2, 5, 17]
WIDTHS = [1, 3]


def keypair(seed: str) -> tuple[Scalar, Point]:
    x = random_nonzero_scalar(SeededRandomness(seed))
    return x, base_mul(x)


SECRET, PUBLIC = keypair("trustee-key")
_, OTHER_PUBLIC = keypair("another-key")


def plaintext(i: int, k: int) -> int:
    """Distinct plaintext rows, so a dropped or duplicated row changes the multiset."""
    return 10 * i + k


def make_rows(n: int, w: int, seed: str = "inputs") -> Rows:
    rng = SeededRandomness(seed)
    return tuple(
        tuple(encrypt(PUBLIC, plaintext(i, k), random_scalar(rng)) for k in range(w))
        for i in range(n)
    )


@dataclasses.dataclass(frozen=True)
class Case:
    inputs: Rows
    outputs: Rows
    witness: ShuffleWitness
    proof: ShuffleProof


@functools.cache
def case(n: int, w: int, seed: str = "mix") -> Case:
    inputs = make_rows(n, w)
    outputs, witness = shuffle(PUBLIC, inputs, SeededRandomness(seed + "/shuffle"))
    proof = prove_shuffle(
        CONTEXT, PUBLIC, inputs, outputs, witness, SeededRandomness(seed + "/proof")
    )
    return Case(inputs, outputs, witness, proof)


def decrypt_rows(rows: Sequence[Sequence[Ciphertext]]) -> Counter[tuple[Point, ...]]:
    """The multiset of decrypted rows (plaintext points ``m*G``)."""
    return Counter(tuple(decrypt_to_point(SECRET, ct) for ct in row) for row in rows)


def replace_row(rows: Rows, i: int, row: tuple[Ciphertext, ...]) -> Rows:
    return (*rows[:i], row, *rows[i + 1 :])


def rejects(
    inputs: Sequence[Sequence[Ciphertext]],
    outputs: Sequence[Sequence[Ciphertext]],
    proof: ShuffleProof,
    *,
    context: tuple[Part, ...] = CONTEXT,
    public: Point = PUBLIC,
    match: str = "does not verify",
) -> None:
    with pytest.raises(InvalidProof, match=match):
        verify_shuffle(context, public, inputs, outputs, proof)


# --- completeness ------------------------------------------------------------------


@pytest.mark.parametrize("w", WIDTHS)
@pytest.mark.parametrize("n", SIZES)
def test_honest_shuffle_verifies_and_keeps_the_plaintexts(n: int, w: int) -> None:
    c = case(n, w)
    verify_shuffle(CONTEXT, PUBLIC, c.inputs, c.outputs, c.proof)
    assert (c.proof.rows, c.proof.width) == (n, w)
    # the same multiset of plaintext rows, each row kept together...
    assert decrypt_rows(c.outputs) == decrypt_rows(c.inputs)
    # ...output row i is input row pi(i), and every ciphertext is fresh
    inputs_seen = {ct for row in c.inputs for ct in row}
    for i, row in enumerate(c.outputs):
        source = c.inputs[c.witness.permutation[i]]
        for k, ct in enumerate(row):
            assert ct not in inputs_seen
            assert ct == reencrypt(PUBLIC, source[k], c.witness.randomness[i][k])
            assert decrypt_to_point(SECRET, ct) == decrypt_to_point(SECRET, source[k])


def test_the_shuffle_moves_rows() -> None:
    c = case(17, 1)
    assert c.witness.permutation != tuple(range(17))
    assert [decrypt_to_point(SECRET, r[0]) for r in c.outputs] != [
        decrypt_to_point(SECRET, r[0]) for r in c.inputs
    ]


def test_proofs_of_the_same_shuffle_differ_with_the_randomness_but_both_verify() -> None:
    c = case(5, 1)
    other = prove_shuffle(
        CONTEXT, PUBLIC, c.inputs, c.outputs, c.witness, SeededRandomness("other")
    )
    assert other.permutation_commitment != c.proof.permutation_commitment
    verify_shuffle(CONTEXT, PUBLIC, c.inputs, c.outputs, other)


def test_a_shuffle_of_a_shuffle_verifies_link_by_link() -> None:
    first = case(5, 3)
    second_ctx: tuple[Part, ...] = (BASE_HASH, 1)
    outputs, witness = shuffle(PUBLIC, first.outputs, SeededRandomness("mixer-1"))
    proof = prove_shuffle(
        second_ctx, PUBLIC, first.outputs, outputs, witness, SeededRandomness("p1")
    )
    verify_shuffle(second_ctx, PUBLIC, first.outputs, outputs, proof)
    assert decrypt_rows(outputs) == decrypt_rows(first.inputs)
    rejects(first.outputs, outputs, proof)  # mixer 1's proof is not mixer 0's


FAST = settings(max_examples=12, deadline=None)


@FAST
@given(
    n=st.integers(1, 6),
    w=st.integers(1, 3),
    messages=st.lists(st.integers(0, 3), min_size=18, max_size=18),
    seed=st.binary(min_size=1, max_size=8),
    data=st.data(),
)
def test_property_complete_and_bound_to_the_output(
    n: int, w: int, messages: list[int], seed: bytes, data: st.DataObject
) -> None:
    rng = SeededRandomness(seed)
    inputs = tuple(
        tuple(encrypt(PUBLIC, messages[i * w + k], random_scalar(rng)) for k in range(w))
        for i in range(n)
    )
    outputs, witness = shuffle(PUBLIC, inputs, rng)
    proof = prove_shuffle(CONTEXT, PUBLIC, inputs, outputs, witness, rng)
    verify_shuffle(CONTEXT, PUBLIC, inputs, outputs, proof)
    assert decrypt_rows(outputs) == decrypt_rows(inputs)
    # another encryption of the very same plaintext in one place is another statement
    i = data.draw(st.integers(0, n - 1))
    k = data.draw(st.integers(0, w - 1))
    row = list(outputs[i])
    row[k] = reencrypt(PUBLIC, row[k], random_nonzero_scalar(rng))
    tampered = replace_row(outputs, i, tuple(row))
    assert decrypt_rows(tampered) == decrypt_rows(inputs)
    rejects(inputs, tampered, proof)


# --- false statements ---------------------------------------------------------------


@pytest.mark.parametrize("w", WIDTHS)
def test_dropping_a_row_and_duplicating_another_is_rejected(w: int) -> None:
    c = case(5, w)
    perm = c.witness.permutation
    # output row 0 becomes a re-encryption of another input row: input perm[0] is dropped
    # and input perm[1] appears twice
    rng = SeededRandomness("dup")
    dup = tuple(reencrypt(PUBLIC, ct, random_scalar(rng)) for ct in c.inputs[perm[1]])
    cheat = replace_row(c.outputs, 0, dup)
    assert decrypt_rows(cheat) != decrypt_rows(c.inputs)
    rejects(c.inputs, cheat, c.proof)
    # nor does a fresh proof made with the honest witness verify for it
    fresh = prove_shuffle(CONTEXT, PUBLIC, c.inputs, cheat, c.witness, rng)
    rejects(c.inputs, cheat, fresh)


@pytest.mark.parametrize("w", WIDTHS)
def test_a_cheating_map_that_is_no_permutation_is_caught(w: int) -> None:
    """A mixer runs the honest prover on a map that sends two outputs to one input, each
    output a correct re-encryption of its source (the matrix argument of a cheater who
    also fixes up the linear relation is in test_shuffle_soundness.py)."""
    n = 5
    inputs = make_rows(n, w)
    cheat_map = (1, 1, 2, 3, 4)  # input 0 dropped, input 1 duplicated
    rng = SeededRandomness("cheat")
    randomness = tuple(tuple(random_scalar(rng) for _ in range(w)) for _ in range(n))
    outputs = tuple(
        tuple(reencrypt(PUBLIC, ct, r) for ct, r in zip(inputs[j], randomness[i], strict=True))
        for i, j in enumerate(cheat_map)
    )
    with pytest.raises(ValueError, match="not a permutation"):
        ShuffleWitness(cheat_map, randomness)
    forged = object.__new__(ShuffleWitness)  # bypass the witness's own check
    object.__setattr__(forged, "permutation", cheat_map)
    object.__setattr__(forged, "randomness", randomness)
    proof = prove_shuffle(CONTEXT, PUBLIC, inputs, outputs, forged, rng)
    rejects(inputs, outputs, proof)


@pytest.mark.parametrize("w", WIDTHS)
def test_a_row_encrypting_another_plaintext_is_rejected(w: int) -> None:
    c = case(5, w)
    rng = SeededRandomness("other-plaintext")
    other = tuple(encrypt(PUBLIC, 999 + k, random_scalar(rng)) for k in range(w))
    cheat = replace_row(c.outputs, 2, other)
    rejects(c.inputs, cheat, c.proof)
    rejects(c.inputs, cheat, prove_shuffle(CONTEXT, PUBLIC, c.inputs, cheat, c.witness, rng))
    # one ciphertext of a wide row is enough
    if w > 1:
        row = list(c.outputs[2])
        row[1] = Ciphertext(row[1].alpha, row[1].beta + GENERATOR)  # plaintext + 1
        rejects(c.inputs, replace_row(c.outputs, 2, tuple(row)), c.proof)


@pytest.mark.parametrize("w", WIDTHS)
def test_rows_swapped_after_proving_are_rejected(w: int) -> None:
    c = case(5, w)
    out = list(c.outputs)
    out[1], out[3] = out[3], out[1]
    rejects(c.inputs, out, c.proof)
    inp = list(c.inputs)
    inp[0], inp[4] = inp[4], inp[0]
    rejects(inp, c.outputs, c.proof)
    if w > 1:  # columns swapped inside a row
        row = c.outputs[0]
        rejects(c.inputs, replace_row(c.outputs, 0, (row[1], row[0], *row[2:])), c.proof)


def test_another_key_context_or_input_list_is_rejected() -> None:
    c = case(5, 3)
    rejects(c.inputs, c.outputs, c.proof, public=OTHER_PUBLIC)
    rejects(c.inputs, c.outputs, c.proof, context=(hash_bytes("test/election", b"e2"), 0))
    rejects(c.inputs, c.outputs, c.proof, context=(BASE_HASH, 1))  # another mixer
    rejects(c.inputs, c.outputs, c.proof, context=(BASE_HASH,))
    rejects(c.inputs, c.outputs, c.proof, context=(BASE_HASH, 0, 0))
    other_inputs = make_rows(5, 3, seed="other-inputs")  # same plaintexts, other ciphertexts
    assert decrypt_rows(other_inputs) == decrypt_rows(c.inputs)
    rejects(other_inputs, c.outputs, c.proof)


def _altered(value: Any) -> Any:
    if isinstance(value, Scalar):
        return value + Scalar(1)
    assert isinstance(value, Point)
    return value + GENERATOR


def _alterations(proof: ShuffleProof) -> list[tuple[str, ShuffleProof]]:
    out = []
    for f in dataclasses.fields(ShuffleProof):
        value = getattr(proof, f.name)
        if isinstance(value, tuple):
            for index in sorted({0, len(value) - 1}):
                items = list(value)
                items[index] = _altered(items[index])
                changes: dict[str, Any] = {f.name: tuple(items)}
                out.append((f"{f.name}[{index}]", dataclasses.replace(proof, **changes)))
        else:
            out.append((f.name, dataclasses.replace(proof, **{f.name: _altered(value)})))
    return out


@pytest.mark.parametrize("w", WIDTHS)
@pytest.mark.parametrize("n", [1, 5])
def test_every_altered_proof_element_is_rejected(n: int, w: int) -> None:
    c = case(n, w)
    alterations = _alterations(c.proof)
    assert {name.split("[")[0] for name, _ in alterations} == {
        f.name for f in dataclasses.fields(ShuffleProof)
    }
    for _name, altered in alterations:
        rejects(c.inputs, c.outputs, altered)


def test_a_permutation_commitment_from_another_proof_is_rejected() -> None:
    c = case(5, 3)
    other_outputs, other_witness = shuffle(PUBLIC, c.inputs, SeededRandomness("second"))
    other = prove_shuffle(
        CONTEXT, PUBLIC, c.inputs, other_outputs, other_witness, SeededRandomness("p2")
    )
    verify_shuffle(CONTEXT, PUBLIC, c.inputs, other_outputs, other)
    assert other_witness.permutation != c.witness.permutation
    swapped = dataclasses.replace(c.proof, permutation_commitment=other.permutation_commitment)
    rejects(c.inputs, c.outputs, swapped)
    rejects(c.inputs, other_outputs, swapped)
    # and the whole of the other proof, on this shuffle
    rejects(c.inputs, c.outputs, other)


# --- malformed statements and values --------------------------------------------------


def test_malformed_statements_are_rejected() -> None:
    c = case(5, 3)
    with pytest.raises(InvalidProof, match="no rows"):
        verify_shuffle(CONTEXT, PUBLIC, (), (), c.proof)
    with pytest.raises(InvalidProof, match="4 output rows"):
        verify_shuffle(CONTEXT, PUBLIC, c.inputs, c.outputs[:4], c.proof)
    with pytest.raises(InvalidProof, match="output row 2 has 2 ciphertexts"):
        verify_shuffle(
            CONTEXT, PUBLIC, c.inputs, replace_row(c.outputs, 2, c.outputs[2][:2]), c.proof
        )
    with pytest.raises(InvalidProof, match="input rows have 3 ciphertexts, output rows 2"):
        verify_shuffle(CONTEXT, PUBLIC, c.inputs, [r[:2] for r in c.outputs], c.proof)
    with pytest.raises(InvalidProof, match="row 0 is empty"):
        verify_shuffle(CONTEXT, PUBLIC, [()] * 5, [()] * 5, c.proof)
    with pytest.raises(InvalidProof, match="public key is the identity"):
        verify_shuffle(CONTEXT, IDENTITY, c.inputs, c.outputs, c.proof)
    # a proof for 5 rows of 3, checked against 4 rows, or against 5 rows of 1
    with pytest.raises(InvalidProof, match="5 rows of 3, the statement has 4 rows of 3"):
        verify_shuffle(CONTEXT, PUBLIC, c.inputs[:4], c.outputs[:4], c.proof)
    with pytest.raises(InvalidProof, match="5 rows of 3, the statement has 5 rows of 1"):
        verify_shuffle(
            CONTEXT, PUBLIC, [r[:1] for r in c.inputs], [r[:1] for r in c.outputs], c.proof
        )


def test_malformed_prover_inputs_are_refused() -> None:
    c = case(5, 3)
    rng = SeededRandomness("x")
    with pytest.raises(ValueError, match="no rows"):
        shuffle(PUBLIC, (), rng)
    with pytest.raises(ValueError, match="row 1 has 2"):
        shuffle(PUBLIC, (c.inputs[0], c.inputs[1][:2]), rng)
    with pytest.raises(ValueError, match="identity"):
        shuffle(IDENTITY, c.inputs, rng)
    with pytest.raises(ValueError, match="witness is for 5 rows of 3, the statement has 4"):
        prove_shuffle(CONTEXT, PUBLIC, c.inputs[:4], c.outputs[:4], c.witness, rng)
    with pytest.raises(ValueError, match="5 input rows but 4 output rows"):
        prove_shuffle(CONTEXT, PUBLIC, c.inputs, c.outputs[:4], c.witness, rng)


def test_proof_and_witness_values_are_validated() -> None:
    p = case(5, 3).proof
    with pytest.raises(EncodingError, match="4 chain items for 5 rows"):
        dataclasses.replace(p, chain=p.chain[:4])
    with pytest.raises(EncodingError, match="s_prime"):
        dataclasses.replace(p, s_prime=(*p.s_prime, Scalar(1)))
    with pytest.raises(EncodingError, match="width 0"):
        dataclasses.replace(p, s4=())
    with pytest.raises(EncodingError, match="at least one row"):
        ShuffleProof((), (), p.challenge, p.s1, p.s2, p.s3, p.s4, (), ())
    with pytest.raises(EncodingError, match="permutation_commitment is the identity"):
        dataclasses.replace(p, permutation_commitment=(IDENTITY, *p.permutation_commitment[1:]))
    with pytest.raises(EncodingError, match="chain is the identity"):
        dataclasses.replace(p, chain=(*p.chain[:4], IDENTITY))
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.s1 = Scalar(0)  # type: ignore[misc]
    r = (Scalar(1),)
    for bad in [(), (0, 0), (1, 2), (0, 2)]:
        with pytest.raises(ValueError, match="not a permutation"):
            ShuffleWitness(bad, tuple(r for _ in bad))
    with pytest.raises(ValueError, match="one width"):
        ShuffleWitness((1, 0), ((Scalar(1),), (Scalar(1), Scalar(2))))
    with pytest.raises(ValueError, match="empty"):
        ShuffleWitness((0,), ((),))


def test_the_witness_repr_shows_no_secret() -> None:
    w = case(17, 3).witness
    for text in (repr(w), str(w), f"{w}", f"{[w]}"):
        assert "ShuffleWitness(rows=17, width=3, <secret>)" in text
        for row in w.randomness:
            for r in row:
                assert r.hex() not in text
                assert str(r.value) not in text
        assert str(w.permutation) not in text
        assert str(list(w.permutation)) not in text


# --- the bases ------------------------------------------------------------------------


def test_commitment_bases_are_independent_of_g_and_of_each_other() -> None:
    key = derive_commitment_key(CONTEXT, 17)
    everything = [GENERATOR, key.chain_base, *key.bases]
    assert len(set(everything)) == len(everything)
    assert derive_commitment_key(CONTEXT, 5).bases == key.bases[:5]  # a prefix
    assert derive_commitment_key(CONTEXT, 5).chain_base == key.chain_base
    other = derive_commitment_key((BASE_HASH, 1), 5)
    assert not set(other.bases) & set(key.bases)
    # the context is one part: (a, b) and (a,) followed by index b do not collide
    assert derive_commitment_key((BASE_HASH,), 1).bases[0] != key.bases[0]
    with pytest.raises(ValueError):
        derive_commitment_key(CONTEXT, 0)
    with pytest.raises(EncodingError):
        CommitmentKey(key.chain_base, (IDENTITY,))


def test_permutation_commitment_opens_to_the_permutation_matrix() -> None:
    key = derive_commitment_key(CONTEXT, 4)
    perm = (2, 0, 3, 1)
    rho = [Scalar(7 + j) for j in range(4)]
    cs = commit_permutation(key, perm, rho)
    for i, j in enumerate(perm):
        unit = [Scalar(1) if m == i else Scalar(0) for m in range(4)]
        assert cs[j] == commit(key, unit, rho[j])


def test_random_permutation_and_random_below_are_uniform_enough() -> None:
    rng = SeededRandomness("perm")
    counts = Counter(random_permutation(rng, 3) for _ in range(6000))
    assert len(counts) == 6 and all(850 < v < 1150 for v in counts.values())
    assert Counter(random_below(rng, 3) for _ in range(3000)).keys() == {0, 1, 2}
    assert random_permutation(rng, 1) == (0,)
    with pytest.raises(ValueError):
        random_below(rng, 0)
