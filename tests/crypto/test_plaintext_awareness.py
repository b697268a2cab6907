"""Proofs of knowledge of a ciphertext's randomness, bound to its place.

A proof verifies for its ciphertext at its place (event, field, row) and nowhere else:
not for a malleated or re-randomised copy, not at another place, not under another key,
not with any field altered.  The list variant is one such proof per item.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honestballot.crypto.elgamal import Ciphertext, encrypt, encrypt_point, reencrypt
from honestballot.crypto.group import GENERATOR, IDENTITY, L, Point, Scalar, base_mul
from honestballot.crypto.hashing import Part, hash_bytes
from honestballot.crypto.plaintext_awareness import (
    RandomnessProof,
    prove_randomness,
    prove_randomness_many,
    verify_randomness,
    verify_randomness_many,
)
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.errors import InvalidProof

FAST = settings(max_examples=25, deadline=None)
ONE = Scalar(1)

BASE_HASH = hash_bytes("test/election", b"election-1")
OTHER_BASE_HASH = hash_bytes("test/election", b"election-2")
EVENT = hash_bytes("test/event", b"batch-7")


def scalar(seed: str) -> Scalar:
    return random_nonzero_scalar(SeededRandomness(seed))


def rng(seed: str | bytes = "proof") -> SeededRandomness:
    return SeededRandomness(seed)


PUBLIC = base_mul(scalar("election-key"))
OTHER_PUBLIC = base_mul(scalar("another-key"))
PLACE: tuple[Part, ...] = (BASE_HASH, "batch", EVENT, "counter", 3)  # event, field, row
R = scalar("randomness")
CT = encrypt(PUBLIC, 12345, R)  # a counter
PROOF = prove_randomness(PLACE, PUBLIC, CT, R, rng())


def rejects(
    proof: RandomnessProof,
    *,
    context: tuple[Part, ...] = PLACE,
    public: Point = PUBLIC,
    ct: Ciphertext = CT,
    match: str = "proof of randomness does not verify",
) -> None:
    with pytest.raises(InvalidProof, match="the-counter: " + match):
        verify_randomness(context, public, ct, proof, "the-counter")


# --- completeness --------------------------------------------------------------------


@FAST
@given(
    st.integers(min_value=0, max_value=2**20),
    st.integers(min_value=1, max_value=L - 1).map(Scalar),
    st.binary(min_size=1, max_size=16),
)
def test_roundtrip(m: int, r: Scalar, seed: bytes) -> None:
    ct = encrypt(PUBLIC, m, r)
    verify_randomness(PLACE, PUBLIC, ct, prove_randomness(PLACE, PUBLIC, ct, r, rng(seed)), "x")


def test_point_ciphertexts_too() -> None:
    point = base_mul(scalar("a handle"))
    ct = encrypt_point(PUBLIC, point, R)
    verify_randomness(PLACE, PUBLIC, ct, prove_randomness(PLACE, PUBLIC, ct, R, rng()), "x")


def test_the_fixed_proof_verifies() -> None:
    verify_randomness(PLACE, PUBLIC, CT, PROOF, "the-counter")
    with pytest.raises(FrozenInstanceError):
        PROOF.response = ONE  # type: ignore[misc]


# --- every field altered -------------------------------------------------------------


@pytest.mark.parametrize("field", ["challenge", "response"])
def test_every_proof_field_is_checked(field: str) -> None:
    value: Scalar = getattr(PROOF, field)
    for altered in (value + ONE, -value, Scalar(0)):
        rejects(replace(PROOF, **{field: altered}))
    rejects(RandomnessProof(PROOF.response, PROOF.challenge))


def test_the_whole_ciphertext_and_key_are_bound() -> None:
    """The proof is on alpha, but beta and H are hashed: a malleated copy fails."""
    g = GENERATOR
    for ct in (
        Ciphertext(CT.alpha, CT.beta + g),  # the counter plus one, same alpha
        Ciphertext(CT.alpha, CT.beta - g),
        Ciphertext(CT.alpha + g, CT.beta),
        Ciphertext(CT.beta, CT.alpha),
        reencrypt(PUBLIC, CT, scalar("rerandomise")),  # someone else's ciphertext, re-randomised
        CT.scale(Scalar(2)),
    ):
        rejects(PROOF, ct=ct)
    rejects(PROOF, public=OTHER_PUBLIC)


def test_the_place_is_bound() -> None:
    for context in (
        (OTHER_BASE_HASH, *PLACE[1:]),  # another election
        (BASE_HASH, "padding", EVENT, "counter", 3),  # another event kind
        (BASE_HASH, "batch", hash_bytes("test/event", b"batch-8"), "counter", 3),  # event
        (BASE_HASH, "batch", EVENT, "flag", 3),  # another field
        (BASE_HASH, "batch", EVENT, "counter", 4),  # another row
        PLACE[:-1],
        (*PLACE, 0),
        (),
    ):
        rejects(PROOF, context=context)


# --- soundness ------------------------------------------------------------------------


def test_the_wrong_randomness_fails() -> None:
    for wrong in (R + ONE, -R, scalar("guess")):
        rejects(prove_randomness(PLACE, PUBLIC, CT, wrong, rng("liar")))


def test_a_combination_of_someone_elses_ciphertext_cannot_be_proved() -> None:
    """The decryption-oracle attack of docs/coercion.md §11, finding 2: ``a*target +
    (O, b*G)`` with a, b known but the target's randomness unknown.  Its randomness is
    ``a*r``; a prover without r, trying its own a, fails."""
    a = Scalar(5)
    forged = Ciphertext(CT.alpha * a, CT.beta * a + base_mul(Scalar(7)))
    rejects(prove_randomness(PLACE, PUBLIC, forged, a, rng()), ct=forged)


# --- degenerate ciphertexts ------------------------------------------------------------


def test_randomness_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="randomness zero"):
        prove_randomness(PLACE, PUBLIC, encrypt(PUBLIC, 1, Scalar(0)), Scalar(0), rng())
    trivial = Ciphertext(IDENTITY, GENERATOR)  # E1: checked by equality, never proved
    rejects(PROOF, ct=trivial, match="the ciphertext has randomness zero")


# --- lists -----------------------------------------------------------------------------

ROW: tuple[Part, ...] = (BASE_HASH, "padding", EVENT, "counter")
RS = tuple(scalar(f"r{i}") for i in range(4))
CTS = tuple(encrypt(PUBLIC, 100 - i, r) for i, r in enumerate(RS))
PROOFS = prove_randomness_many(ROW, PUBLIC, CTS, RS, rng("many"))


def test_many_roundtrip_is_one_proof_per_item_at_its_row() -> None:
    verify_randomness_many(ROW, PUBLIC, CTS, PROOFS, "padding")
    assert len(PROOFS) == len(CTS)
    for i, (ct, proof) in enumerate(zip(CTS, PROOFS, strict=True)):
        verify_randomness((*ROW, i), PUBLIC, ct, proof, "padding")
    single = prove_randomness((*ROW, 2), PUBLIC, CTS[2], RS[2], rng())
    verify_randomness_many(ROW, PUBLIC, CTS, (*PROOFS[:2], single, PROOFS[3]), "padding")
    verify_randomness_many(ROW, PUBLIC, (), (), "nothing")


def test_many_names_the_first_bad_item() -> None:
    bad = (*PROOFS[:2], replace(PROOFS[2], response=PROOFS[2].response + ONE), PROOFS[3])
    with pytest.raises(InvalidProof, match=r"padding\[2\]: proof of randomness"):
        verify_randomness_many(ROW, PUBLIC, CTS, bad, "padding")


def test_many_binds_each_proof_to_its_row() -> None:
    swapped_proofs = (PROOFS[1], PROOFS[0], *PROOFS[2:])
    with pytest.raises(InvalidProof, match=r"padding\[0\]"):
        verify_randomness_many(ROW, PUBLIC, CTS, swapped_proofs, "padding")
    # rows and proofs swapped together: each proof is now at another row
    rows = (CTS[1], CTS[0], *CTS[2:])
    with pytest.raises(InvalidProof, match=r"padding\[0\]"):
        verify_randomness_many(ROW, PUBLIC, rows, swapped_proofs, "padding")
    # each proof is bound to its row, not to the list: a prefix still verifies (the event
    # holding the list fixes its length) ...
    verify_randomness_many(ROW, PUBLIC, CTS[:2], PROOFS[:2], "padding")
    # ... but a shifted list does not
    with pytest.raises(InvalidProof, match=r"padding\[0\]"):
        verify_randomness_many(ROW, PUBLIC, CTS[1:], PROOFS[1:], "padding")
    with pytest.raises(InvalidProof):
        verify_randomness_many((*ROW[:-1], "flag"), PUBLIC, CTS, PROOFS, "padding")


def test_many_length_mismatches() -> None:
    with pytest.raises(InvalidProof, match="padding: 3 proofs for 4 ciphertexts"):
        verify_randomness_many(ROW, PUBLIC, CTS, PROOFS[:3], "padding")
    with pytest.raises(ValueError, match="4 ciphertexts but 3"):
        prove_randomness_many(ROW, PUBLIC, CTS, RS[:3], rng())
