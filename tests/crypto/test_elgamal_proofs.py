"""Exponential ElGamal, Schnorr proofs/signatures and Chaum--Pedersen proofs.

Every proof is checked in both directions: it verifies for the statement it was made
for, and raises :class:`InvalidProof` for any other tag, context, key, ciphertext,
value list or tampered transcript.  The last section replays the idea of the Helios
"weak Fiat--Shamir" forgeries against a commitments-only verifier written here, and
shows honestballot's verifier (which hashes the whole statement) rejects them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import FrozenInstanceError, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honestballot.crypto.chaum_pedersen import (
    DisjunctiveProof,
    EqualityProof,
    prove_encrypts_one_of,
    prove_equality,
    verify_encrypts_one_of,
    verify_equality,
)
from honestballot.crypto.dlog import DiscreteLogTable
from honestballot.crypto.elgamal import (
    ZERO_CIPHERTEXT,
    Ciphertext,
    aggregate,
    decrypt_to_point,
    encrypt,
    plaintext_point_from_randomness,
)
from honestballot.crypto.group import (
    GENERATOR,
    IDENTITY,
    L,
    Point,
    Scalar,
    base_mul,
    small_multiple,
)
from honestballot.crypto.hashing import Part, hash_bytes, hash_to_scalar
from honestballot.crypto.randomness import (
    SeededRandomness,
    random_nonzero_scalar,
    random_scalar,
)
from honestballot.crypto.schnorr import (
    SchnorrProof,
    prove_dlog,
    sign,
    verify_dlog,
    verify_signature,
)
from honestballot.errors import InvalidProof

FAST = settings(max_examples=25, deadline=None)

TAG = "test/ballot-range"
BASE_HASH = hash_bytes("test/election", b"election-1")
CREDENTIAL_A = bytes.fromhex("aa" * 32)
CREDENTIAL_B = bytes.fromhex("bb" * 32)
CONTEXT_A: tuple[Part, ...] = (BASE_HASH, CREDENTIAL_A, 0, 1)
CONTEXT_B: tuple[Part, ...] = (BASE_HASH, CREDENTIAL_B, 0, 1)

VALUE_SETS = [[0, 1], [1, 2, 3], [0, 1, 2, 3, 4, 5]]

scalars = st.integers(min_value=0, max_value=L - 1).map(Scalar)
nonzero_scalars = st.integers(min_value=1, max_value=L - 1).map(Scalar)
seeds = st.binary(min_size=1, max_size=16)
ONE = Scalar(1)


def keypair(seed: str) -> tuple[Scalar, Point]:
    x = random_nonzero_scalar(SeededRandomness(seed))
    return x, base_mul(x)


SECRET, PUBLIC = keypair("trustee-key")
OTHER_SECRET, OTHER_PUBLIC = keypair("another-key")


def rng(seed: str | bytes = "proof") -> SeededRandomness:
    return SeededRandomness(seed)


def ballot(
    m: int, values: Sequence[int], context: tuple[Part, ...] = CONTEXT_A, seed: str = "v"
) -> tuple[Ciphertext, DisjunctiveProof, Scalar]:
    r = random_scalar(rng(seed + "/r"))
    ct = encrypt(PUBLIC, m, r)
    proof = prove_encrypts_one_of(TAG, context, PUBLIC, ct, values, m, r, rng(seed + "/p"))
    return ct, proof, r


def rejects(
    ct: Ciphertext,
    values: Sequence[int],
    proof: DisjunctiveProof,
    *,
    context: tuple[Part, ...] = CONTEXT_A,
    public: Point = PUBLIC,
    tag: str = TAG,
) -> None:
    with pytest.raises(InvalidProof, match="the-option"):
        verify_encrypts_one_of(tag, context, public, ct, values, proof, "the-option")


# --- ElGamal -------------------------------------------------------------------------


@FAST
@given(st.integers(min_value=0, max_value=20), scalars)
def test_encrypt_decrypt_roundtrip(m: int, r: Scalar) -> None:
    ct = encrypt(PUBLIC, m, r)
    assert ct.alpha == base_mul(r)
    assert decrypt_to_point(SECRET, ct) == small_multiple(m)
    assert plaintext_point_from_randomness(PUBLIC, ct, r) == small_multiple(m)
    assert DiscreteLogTable(20).solve(decrypt_to_point(SECRET, ct)) == m


@FAST
@given(st.integers(min_value=0, max_value=20), nonzero_scalars)
def test_wrong_key_or_randomness_does_not_decrypt(m: int, r: Scalar) -> None:
    ct = encrypt(PUBLIC, m, r)
    assert decrypt_to_point(OTHER_SECRET, ct) != small_multiple(m)
    assert plaintext_point_from_randomness(PUBLIC, ct, r + ONE) != small_multiple(m)


@FAST
@given(st.integers(0, 10), st.integers(0, 10), scalars, scalars)
def test_homomorphic_addition(m1: int, m2: int, r1: Scalar, r2: Scalar) -> None:
    c1, c2 = encrypt(PUBLIC, m1, r1), encrypt(PUBLIC, m2, r2)
    total = c1 + c2
    assert total == encrypt(PUBLIC, m1 + m2, r1 + r2)
    assert aggregate([c1, c2]) == total
    assert aggregate([c1, ZERO_CIPHERTEXT, c2]) == total
    assert decrypt_to_point(SECRET, total) == small_multiple(m1 + m2)
    assert decrypt_to_point(SECRET, c1 - c2) == small_multiple(m1 - m2)
    assert decrypt_to_point(SECRET, c1.scale(Scalar(3))) == small_multiple(3 * m1)
    assert decrypt_to_point(SECRET, c1.minus_plaintext(m1)) == IDENTITY
    assert c1.minus_plaintext(0) == c1


def test_aggregate_of_nothing_is_zero_ciphertext() -> None:
    assert aggregate([]) == ZERO_CIPHERTEXT
    assert decrypt_to_point(SECRET, ZERO_CIPHERTEXT) == IDENTITY


def test_tally_of_many_ballots() -> None:
    votes = [1, 0, 1, 1, 0, 1, 0, 0, 1, 1]
    cts = [encrypt(PUBLIC, v, random_scalar(rng(f"t{i}"))) for i, v in enumerate(votes)]
    assert DiscreteLogTable(len(votes)).solve(decrypt_to_point(SECRET, aggregate(cts))) == 6


def test_ciphertext_is_frozen() -> None:
    ct = encrypt(PUBLIC, 1, Scalar(5))
    with pytest.raises(FrozenInstanceError):
        ct.alpha = IDENTITY  # type: ignore[misc]


# --- Schnorr proofs of knowledge and signatures --------------------------------------


@FAST
@given(nonzero_scalars, seeds)
def test_schnorr_roundtrip(x: Scalar, seed: bytes) -> None:
    proof = prove_dlog(TAG, CONTEXT_A, x, base_mul(x), rng(seed))
    verify_dlog(TAG, CONTEXT_A, base_mul(x), proof, "trustee 1")


def test_schnorr_rejections() -> None:
    proof = prove_dlog("test/pok", CONTEXT_A, SECRET, PUBLIC, rng())
    verify_dlog("test/pok", CONTEXT_A, PUBLIC, proof, "pok")
    bad: list[tuple[str, tuple[Part, ...], Point, SchnorrProof]] = [
        ("test/pok2", CONTEXT_A, PUBLIC, proof),  # another tag
        ("test/pok", CONTEXT_B, PUBLIC, proof),  # another voter / trustee context
        ("test/pok", (*CONTEXT_A, b""), PUBLIC, proof),  # extended context
        ("test/pok", CONTEXT_A[:-1], PUBLIC, proof),  # truncated context
        ("test/pok", CONTEXT_A, OTHER_PUBLIC, proof),  # another public key
        ("test/pok", CONTEXT_A, -PUBLIC, proof),
        ("test/pok", CONTEXT_A, PUBLIC, replace(proof, challenge=proof.challenge + ONE)),
        ("test/pok", CONTEXT_A, PUBLIC, replace(proof, response=proof.response + ONE)),
        ("test/pok", CONTEXT_A, PUBLIC, replace(proof, response=-proof.response)),
        ("test/pok", CONTEXT_A, PUBLIC, SchnorrProof(proof.response, proof.challenge)),
        ("test/pok", CONTEXT_A, PUBLIC, SchnorrProof(Scalar(0), Scalar(0))),
    ]
    for tag, context, public, p in bad:
        with pytest.raises(InvalidProof, match="pok"):
            verify_dlog(tag, context, public, p, "pok")


def test_schnorr_proof_for_another_secret_fails() -> None:
    proof = prove_dlog(TAG, CONTEXT_A, OTHER_SECRET, PUBLIC, rng())  # lies about the key
    with pytest.raises(InvalidProof):
        verify_dlog(TAG, CONTEXT_A, PUBLIC, proof, "liar")


def test_schnorr_rejects_identity_key() -> None:
    proof = prove_dlog(TAG, CONTEXT_A, Scalar(0), IDENTITY, rng())
    with pytest.raises(InvalidProof, match="identity"):
        verify_dlog(TAG, CONTEXT_A, IDENTITY, proof, "zero key")


@FAST
@given(st.binary(max_size=64), st.binary(max_size=64))
def test_signature_roundtrip_and_message_binding(message: bytes, other: bytes) -> None:
    sig = sign("test/sig", CONTEXT_A, message, SECRET, rng(message))
    verify_signature("test/sig", CONTEXT_A, message, PUBLIC, sig, "board entry")
    if other != message:
        with pytest.raises(InvalidProof):
            verify_signature("test/sig", CONTEXT_A, other, PUBLIC, sig, "board entry")


def test_signature_rejections() -> None:
    msg = b"tree head 17"
    sig = sign("test/sig", CONTEXT_A, msg, SECRET, rng())
    cases: list[tuple[str, tuple[Part, ...], bytes, Point, SchnorrProof]] = [
        ("test/sig2", CONTEXT_A, msg, PUBLIC, sig),
        ("test/sig", CONTEXT_B, msg, PUBLIC, sig),
        ("test/sig", CONTEXT_A, msg + b"!", PUBLIC, sig),
        ("test/sig", CONTEXT_A, msg, OTHER_PUBLIC, sig),
        ("test/sig", CONTEXT_A, msg, PUBLIC, replace(sig, challenge=sig.challenge - ONE)),
        ("test/sig", CONTEXT_A, msg, PUBLIC, replace(sig, response=sig.response + ONE)),
    ]
    for tag, context, m, public, s in cases:
        with pytest.raises(InvalidProof):
            verify_signature(tag, context, m, public, s, "sig")
    # a signature is not a proof of knowledge under the same context (the message is bound)
    with pytest.raises(InvalidProof):
        verify_dlog("test/sig", CONTEXT_A, PUBLIC, sig, "sig")


# --- Chaum--Pedersen equality (decryption shares) ------------------------------------


def _share(seed: str = "share") -> tuple[Point, Point, EqualityProof]:
    ct = encrypt(PUBLIC, 3, random_scalar(rng(seed + "/r")))
    image = ct.alpha * SECRET
    proof = prove_equality("test/share", CONTEXT_A, SECRET, PUBLIC, ct.alpha, image, rng(seed))
    return ct.alpha, image, proof


@FAST
@given(nonzero_scalars, nonzero_scalars, seeds)
def test_equality_roundtrip(x: Scalar, a: Scalar, seed: bytes) -> None:
    base = base_mul(a)
    proof = prove_equality(TAG, CONTEXT_A, x, base_mul(x), base, base * x, rng(seed))
    verify_equality(TAG, CONTEXT_A, base_mul(x), base, base * x, proof, "share")


def test_equality_rejections() -> None:
    base, image, proof = _share()
    verify_equality("test/share", CONTEXT_A, PUBLIC, base, image, proof, "share")
    g = GENERATOR
    cases: list[tuple[str, tuple[Part, ...], Point, Point, Point, EqualityProof]] = [
        ("test/other", CONTEXT_A, PUBLIC, base, image, proof),
        ("test/share", CONTEXT_B, PUBLIC, base, image, proof),
        ("test/share", CONTEXT_A, OTHER_PUBLIC, base, image, proof),
        ("test/share", CONTEXT_A, PUBLIC, base + g, image, proof),
        ("test/share", CONTEXT_A, PUBLIC, base, image + g, proof),  # a wrong decryption share
        ("test/share", CONTEXT_A, PUBLIC, image, base, proof),
        ("test/share", CONTEXT_A, PUBLIC, base, image, replace(proof, challenge=ONE)),
        ("test/share", CONTEXT_A, PUBLIC, base, image, replace(proof, response=ONE)),
        (
            "test/share",
            CONTEXT_A,
            PUBLIC,
            base,
            image,
            EqualityProof(proof.response, proof.challenge),
        ),
    ]
    for tag, context, public, b, d, p in cases:
        with pytest.raises(InvalidProof, match="share"):
            verify_equality(tag, context, public, b, d, p, "share")


def test_equality_proof_of_a_false_share_fails() -> None:
    base, _, _ = _share()
    wrong_image = base * OTHER_SECRET
    proof = prove_equality("test/share", CONTEXT_A, SECRET, PUBLIC, base, wrong_image, rng())
    with pytest.raises(InvalidProof):
        verify_equality("test/share", CONTEXT_A, PUBLIC, base, wrong_image, proof, "share")


# --- disjunctive proofs (ballot ranges) ----------------------------------------------


@pytest.mark.parametrize("values", VALUE_SETS, ids=str)
def test_disjunctive_proof_verifies_for_every_admissible_value(values: list[int]) -> None:
    for m in values:
        ct, proof, _ = ballot(m, values, seed=f"all/{m}")
        assert len(proof.challenges) == len(values) == len(proof.responses)
        verify_encrypts_one_of(TAG, CONTEXT_A, PUBLIC, ct, values, proof, "option")


@FAST
@given(
    st.sampled_from(VALUE_SETS).flatmap(lambda vs: st.tuples(st.just(vs), st.sampled_from(vs))),
    seeds,
)
def test_disjunctive_roundtrip_random(case: tuple[list[int], int], seed: bytes) -> None:
    values, m = case
    r = random_scalar(rng(seed))
    ct = encrypt(PUBLIC, m, r)
    proof = prove_encrypts_one_of(TAG, CONTEXT_A, PUBLIC, ct, values, m, r, rng(seed + b"p"))
    verify_encrypts_one_of(TAG, CONTEXT_A, PUBLIC, ct, values, proof, "option")
    # the proof hides which branch is real: every challenge is a full-size scalar
    assert all(not c.is_zero() for c in proof.challenges)


def test_prover_refuses_value_outside_the_set() -> None:
    ct = encrypt(PUBLIC, 2, Scalar(77))
    with pytest.raises(ValueError):
        prove_encrypts_one_of(TAG, CONTEXT_A, PUBLIC, ct, [0, 1], 2, Scalar(77), rng())


@pytest.mark.parametrize("claimed", [0, 1])
def test_lying_prover_cannot_prove_out_of_range_value(claimed: int) -> None:
    r = Scalar(1234567)
    ct = encrypt(PUBLIC, 2, r)  # a ballot that votes twice
    proof = prove_encrypts_one_of(TAG, CONTEXT_A, PUBLIC, ct, [0, 1], claimed, r, rng())
    rejects(ct, [0, 1], proof)


def test_proof_for_another_ciphertext_does_not_transfer() -> None:
    good_ct, proof, _ = ballot(1, [0, 1])
    for other in (
        encrypt(PUBLIC, 2, Scalar(99)),  # votes twice
        encrypt(PUBLIC, 1, Scalar(99)),  # same vote, other randomness
        good_ct + encrypt(PUBLIC, 0, Scalar(5)),  # re-randomised copy of the same ballot
        good_ct + encrypt(PUBLIC, 1, Scalar(0)),  # shifted by one vote
        Ciphertext(good_ct.alpha, good_ct.beta + GENERATOR),
        Ciphertext(good_ct.beta, good_ct.alpha),
    ):
        rejects(other, [0, 1], proof)


def test_copied_ballot_is_rejected_under_another_credential() -> None:
    ct, proof, _ = ballot(1, [0, 1], context=CONTEXT_A)
    verify_encrypts_one_of(TAG, CONTEXT_A, PUBLIC, ct, [0, 1], proof, "the-option")
    rejects(ct, [0, 1], proof, context=CONTEXT_B)
    rejects(ct, [0, 1], proof, context=(BASE_HASH, CREDENTIAL_A, 0, 2))  # other option slot
    rejects(ct, [0, 1], proof, context=(hash_bytes("test/election", b"e2"), CREDENTIAL_A, 0, 1))
    rejects(ct, [0, 1], proof, context=())
    rejects(ct, [0, 1], proof, tag=TAG + "/v2")
    rejects(ct, [0, 1], proof, public=OTHER_PUBLIC)


@pytest.mark.parametrize(
    "other_values",
    [[1, 0], [0, 2], [1, 2], [0, 1, 2], [0], [1], [-1, 1], [0, 1, 1]],
    ids=str,
)
def test_values_list_is_bound(other_values: list[int]) -> None:
    ct, proof, _ = ballot(1, [0, 1])
    rejects(ct, other_values, proof)


def test_permuted_or_tampered_branches_are_rejected() -> None:
    values = [0, 1, 2, 3]
    ct, proof, _ = ballot(2, values)
    cs, ss = list(proof.challenges), list(proof.responses)
    d = Scalar(12345)
    tampered = [
        DisjunctiveProof(tuple(reversed(cs)), tuple(reversed(ss))),  # whole branches permuted
        DisjunctiveProof(tuple(reversed(cs)), tuple(ss)),  # challenges only
        DisjunctiveProof(tuple(cs), tuple(reversed(ss))),  # responses only
        DisjunctiveProof((cs[1], cs[0], *cs[2:]), (ss[1], ss[0], *ss[2:])),
        # challenges shifted but their sum (the Fiat--Shamir total) unchanged
        DisjunctiveProof((cs[0] + d, cs[1] - d, *cs[2:]), tuple(ss)),
        DisjunctiveProof((cs[0] + ONE, *cs[1:]), tuple(ss)),
        DisjunctiveProof(tuple(cs), (ss[0], ss[1], ss[2] + ONE, ss[3])),
        DisjunctiveProof(tuple(ss), tuple(cs)),
        DisjunctiveProof(tuple(cs[:-1]), tuple(ss[:-1])),  # a branch dropped
        DisjunctiveProof((*cs, Scalar(0)), (*ss, Scalar(0))),  # a branch added
        DisjunctiveProof(tuple(cs), tuple(ss[:-1])),
    ]
    for p in tampered:
        rejects(ct, values, p)
    with pytest.raises(InvalidProof, match="branches"):
        verify_encrypts_one_of(TAG, CONTEXT_A, PUBLIC, ct, values, tampered[-2], "x")


def test_simulated_branches_cannot_carry_an_out_of_range_ciphertext() -> None:
    """Splice: keep a true proof's real branch, swap in the ciphertext of 2."""
    ct1, proof1, _ = ballot(1, [0, 1], seed="splice-1")
    ct2 = encrypt(PUBLIC, 2, Scalar(31337))
    ct0, proof0, _ = ballot(0, [0, 1], seed="splice-0")
    mixed = DisjunctiveProof(
        (proof0.challenges[0], proof1.challenges[1]), (proof0.responses[0], proof1.responses[1])
    )
    for ct in (ct2, ct1, ct0):
        rejects(ct, [0, 1], mixed)


# --- weak Fiat--Shamir (Helios) ------------------------------------------------------


def _weak_commitments_only_total(
    public: Point, ct: Ciphertext, values: Sequence[int], proof: DisjunctiveProof
) -> tuple[Scalar, Scalar]:
    """What a Helios-style verifier checks: sum c_i == H(commitments) -- no statement."""
    commitments: list[Point] = []
    total = Scalar(0)
    for v, c, s in zip(values, proof.challenges, proof.responses, strict=True):
        commitments += [base_mul(s) - ct.alpha * c, public * s - (ct.beta - small_multiple(v)) * c]
        total = total + c
    return total, hash_to_scalar(TAG, tuple(commitments))


def test_weak_fiat_shamir_forgery_with_key_chosen_after_the_fact() -> None:
    """A dishonest key holder picks the commitments first, hashes them, and only then
    solves for a public key under which a ciphertext of 2 passes as "0 or 1".  The forgery
    passes the commitments-only check and fails honestballot's, which hashes the key,
    the ciphertext, the values and the context as well."""
    r = rng("attacker")
    a0, a1, b0, b1 = (random_nonzero_scalar(r) for _ in range(4))
    commitments = (base_mul(a0), base_mul(b0), base_mul(a1), base_mul(b1))
    c = hash_to_scalar(TAG, commitments)  # weak: commitments only
    half = Scalar(2).inverse()
    h = (c + b0 * half + b1) * (a0 * half + a1).inverse()  # the key's secret, found last
    c0 = (h * a0 - b0) * half
    c1 = h * a1 - b1
    assert c0 + c1 == c
    rho = random_nonzero_scalar(r)
    forged_key = base_mul(h)
    ct = Ciphertext(base_mul(rho), forged_key * rho + small_multiple(2))
    proof = DisjunctiveProof((c0, c1), (a0 + c0 * rho, a1 + c1 * rho))

    assert decrypt_to_point(h, ct) == small_multiple(2)  # it really is a double vote
    total, weak_hash = _weak_commitments_only_total(forged_key, ct, [0, 1], proof)
    assert total == weak_hash  # the weak verifier is fooled
    rejects(ct, [0, 1], proof, public=forged_key)
    rejects(ct, [0, 1], proof, public=forged_key, context=())


def test_weak_fiat_shamir_false_decryption_share() -> None:
    """After-the-fact statement for a decryption share: commitments fixed, then the key
    and a *wrong* share D != x*A are derived so a commitments-only check passes."""
    r = rng("attacker-share")
    base = encrypt(PUBLIC, 1, random_scalar(r)).alpha  # A: a ciphertext under attack
    a, b, s = (random_nonzero_scalar(r) for _ in range(3))
    r1, r2 = base_mul(a), base_mul(b)
    c = hash_to_scalar("test/share", (r1, r2))
    c_inv = c.inverse()
    x = (s - a) * c_inv
    public = base_mul(x)
    image = (base * s - r2) * c_inv
    assert image != base * x  # the share is false
    proof = EqualityProof(c, s)
    # a commitments-only verifier accepts it ...
    assert base_mul(s) - public * c == r1
    assert base * s - image * c == r2
    # ... honestballot's does not
    with pytest.raises(InvalidProof):
        verify_equality("test/share", (), public, base, image, proof, "share")


def test_valid_proof_cannot_be_repointed_at_a_statement_chosen_later() -> None:
    """Keep a valid proof; pick a new key or ciphertext afterwards: always rejected."""
    ct, proof, _ = ballot(1, [0, 1], seed="repoint")
    verify_encrypts_one_of(TAG, CONTEXT_A, PUBLIC, ct, [0, 1], proof, "the-option")
    for k in (2, 3, 1000):
        rejects(ct, [0, 1], proof, public=PUBLIC * Scalar(k))
        rejects(ct, [0, 1], proof, public=PUBLIC + small_multiple(k))
        rejects(Ciphertext(ct.alpha, ct.beta + small_multiple(k)), [0, 1], proof)
        rejects(Ciphertext(ct.alpha * Scalar(k), ct.beta), [0, 1], proof)
