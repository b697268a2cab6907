"""Voting points and the credential proof PoK(s, c : Enc(sigma) = (s*G, s*H + c*P)).

The proof verifies for the statement it was made for and raises :class:`InvalidProof`
for any other: another context (election, purpose, the ballot's other ciphertexts), key,
base, ciphertext, or any altered field of the transcript.
"""

from __future__ import annotations

import hashlib
from dataclasses import FrozenInstanceError, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honestballot.crypto.elgamal import (
    Ciphertext,
    decrypt_to_point,
    encrypt,
    encrypt_point,
    reencrypt,
)
from honestballot.crypto.group import GENERATOR, IDENTITY, L, Point, Scalar, base_mul
from honestballot.crypto.hashing import PROTOCOL_PREFIX, Part, hash_bytes, hash_to_scalar
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.crypto.representation import (
    CREDENTIAL_PROOF_TAG,
    RepresentationProof,
    credential_base,
    prove_representation,
    verify_representation,
    voting_point,
)
from honestballot.errors import InvalidProof

FAST = settings(max_examples=25, deadline=None)
ONE = Scalar(1)

BASE_HASH = hash_bytes("test/election", b"election-1")
OTHER_BASE_HASH = hash_bytes("test/election", b"election-2")


def scalar(seed: str) -> Scalar:
    return random_nonzero_scalar(SeededRandomness(seed))


def rng(seed: str | bytes = "proof") -> SeededRandomness:
    return SeededRandomness(seed)


SECRET = scalar("election-key")
PUBLIC = base_mul(SECRET)
OTHER_PUBLIC = base_mul(scalar("another-key"))
P = credential_base(BASE_HASH)
CREDENTIAL = scalar("credential")
S = scalar("credential-randomness")
SIGMA = voting_point(CREDENTIAL, BASE_HASH)
ENC_SIGMA = encrypt_point(PUBLIC, SIGMA, S)
# a ballot's other ciphertexts, which the caller binds into the context
CONTESTS = (encrypt(PUBLIC, 1, scalar("c1")), encrypt(PUBLIC, 0, scalar("c2")))


def ballot_context(
    base_hash: bytes = BASE_HASH, contests: tuple[Ciphertext, ...] = CONTESTS
) -> tuple[Part, ...]:
    return (base_hash, "ballot", [[ct.alpha, ct.beta] for ct in contests])


CONTEXT = ballot_context()
PROOF = prove_representation(CONTEXT, PUBLIC, P, ENC_SIGMA, S, CREDENTIAL, rng())


def rejects(
    proof: RepresentationProof,
    *,
    context: tuple[Part, ...] = CONTEXT,
    public: Point = PUBLIC,
    base: Point = P,
    ct: Ciphertext = ENC_SIGMA,
    match: str = "credential proof does not verify",
) -> None:
    with pytest.raises(InvalidProof, match="the-credential: " + match):
        verify_representation(context, public, base, ct, proof, "the-credential")


# --- voting points -------------------------------------------------------------------


def test_credential_base_is_the_documented_hash_to_point() -> None:
    """``hash_to_point("credential-base", B base hash)`` by docs/record-format.md §2,
    derived here byte by byte, and a pinned answer for the all-zero base hash."""
    tag = PROTOCOL_PREFIX + b"/credential-base"
    raw = len(tag).to_bytes(8, "big") + tag + b"B" + (32).to_bytes(8, "big") + BASE_HASH
    assert Point.from_uniform_bytes(hashlib.sha512(raw).digest()) == P
    assert credential_base(bytes(32)).hex() == (
        "64657f2c3d5f32c5799059773e4b67673b05a9901d945e8a3ec5829d87b10e7e"
    )


def test_credential_base_is_per_election_and_unrelated_to_the_generator() -> None:
    assert credential_base(BASE_HASH) == P
    assert credential_base(OTHER_BASE_HASH) != P
    assert P not in (IDENTITY, GENERATOR, PUBLIC)


def test_voting_point_is_c_times_p() -> None:
    assert SIGMA == P * CREDENTIAL
    assert voting_point(CREDENTIAL, OTHER_BASE_HASH) != SIGMA
    assert voting_point(CREDENTIAL + ONE, BASE_HASH) == SIGMA + P
    with pytest.raises(ValueError, match="non-zero"):
        voting_point(Scalar(0), BASE_HASH)


def test_encrypted_voting_point_decrypts_to_it() -> None:
    assert Ciphertext(base_mul(S), PUBLIC * S + SIGMA) == ENC_SIGMA
    assert decrypt_to_point(SECRET, ENC_SIGMA) == SIGMA


# --- completeness --------------------------------------------------------------------


@FAST
@given(
    st.integers(min_value=1, max_value=L - 1).map(Scalar),
    st.integers(min_value=1, max_value=L - 1).map(Scalar),
    st.binary(min_size=1, max_size=16),
)
def test_roundtrip(c: Scalar, s: Scalar, seed: bytes) -> None:
    ct = encrypt_point(PUBLIC, voting_point(c, BASE_HASH), s)
    proof = prove_representation(CONTEXT, PUBLIC, P, ct, s, c, rng(seed))
    verify_representation(CONTEXT, PUBLIC, P, ct, proof, "credential")


def test_the_fixed_proof_verifies() -> None:
    verify_representation(CONTEXT, PUBLIC, P, ENC_SIGMA, PROOF, "credential")
    with pytest.raises(FrozenInstanceError):
        PROOF.challenge = ONE  # type: ignore[misc]


# --- every field altered -------------------------------------------------------------


@pytest.mark.parametrize("field", ["challenge", "response_randomness", "response_credential"])
def test_every_proof_field_is_checked(field: str) -> None:
    value: Scalar = getattr(PROOF, field)
    for altered in (value + ONE, -value, Scalar(0)):
        rejects(replace(PROOF, **{field: altered}))


def test_responses_swapped_or_zero_are_rejected() -> None:
    rejects(
        replace(
            PROOF,
            response_randomness=PROOF.response_credential,
            response_credential=PROOF.response_randomness,
        )
    )
    rejects(RepresentationProof(Scalar(0), Scalar(0), Scalar(0)))


def test_every_statement_part_is_bound() -> None:
    g = GENERATOR
    rejects(PROOF, public=OTHER_PUBLIC)
    rejects(PROOF, base=credential_base(OTHER_BASE_HASH))
    rejects(PROOF, base=GENERATOR)
    for ct in (
        Ciphertext(ENC_SIGMA.alpha + g, ENC_SIGMA.beta),
        Ciphertext(ENC_SIGMA.alpha, ENC_SIGMA.beta + g),
        Ciphertext(ENC_SIGMA.alpha, ENC_SIGMA.beta + P),  # the voting point of c + 1
        Ciphertext(ENC_SIGMA.beta, ENC_SIGMA.alpha),
        reencrypt(PUBLIC, ENC_SIGMA, scalar("rerandomise")),  # same sigma, other randomness
        encrypt_point(PUBLIC, SIGMA, S + ONE),
    ):
        rejects(PROOF, ct=ct)


def test_context_is_bound() -> None:
    """A proof for one ballot does not carry over to another (Haines-style: the challenge
    binds the whole statement, including what the caller passes)."""
    other_contests = (CONTESTS[1], CONTESTS[0])
    contexts: list[tuple[Part, ...]] = [
        ballot_context(OTHER_BASE_HASH),  # another election
        ballot_context(contests=other_contests),  # the credential lifted into another ballot
        ballot_context(contests=CONTESTS[:1]),
        ballot_context(contests=(*CONTESTS, CONTESTS[0])),
        (BASE_HASH, "registration", [[ct.alpha, ct.beta] for ct in CONTESTS]),  # purpose
        CONTEXT[:-1],
        (*CONTEXT, b""),
        (),
    ]
    for context in contexts:
        rejects(PROOF, context=context)


# --- soundness: the right c and s are both needed --------------------------------------


def test_a_prover_without_the_credential_fails() -> None:
    """The service learns sigma and s (docs/coercion.md §3), not c: a proof made with any
    other c does not verify, and neither does one made with the wrong randomness."""
    for wrong_c in (CREDENTIAL + ONE, scalar("guess"), Scalar(0)):
        proof = prove_representation(CONTEXT, PUBLIC, P, ENC_SIGMA, S, wrong_c, rng("liar"))
        rejects(proof)
    proof = prove_representation(CONTEXT, PUBLIC, P, ENC_SIGMA, S + ONE, CREDENTIAL, rng())
    rejects(proof)


def test_a_ciphertext_of_another_base_cannot_be_proved() -> None:
    """Enc(c*G) (the first design's point) with the right c and s is not Enc(c*P)."""
    ct = encrypt_point(PUBLIC, base_mul(CREDENTIAL), S)
    proof = prove_representation(CONTEXT, PUBLIC, P, ct, S, CREDENTIAL, rng())
    rejects(proof, ct=ct)


# --- degenerate statements ------------------------------------------------------------


def test_randomness_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="non-zero randomness"):
        prove_representation(CONTEXT, PUBLIC, P, ENC_SIGMA, Scalar(0), CREDENTIAL, rng())
    clear = Ciphertext(IDENTITY, SIGMA)  # would publish sigma
    rejects(PROOF, ct=clear, match="the ciphertext has randomness zero")


def test_identity_base_is_rejected() -> None:
    rejects(PROOF, base=IDENTITY, match="the credential base is the identity")


# --- the challenge binds the whole statement (weak Fiat--Shamir) ---------------------------


def test_weak_fiat_shamir_forgeries_are_rejected() -> None:
    """A verifier that left a part of the statement out of the hash would accept a proof
    for a part chosen *after* the challenge (Bernhard, Pereira, Warinschi 2012; Haines et
    al. 2020).  Forged here for beta, the base P and the key H, each left out of a weak
    hash: honestballot's verifier, which hashes them all, rejects them."""
    s, w_s, a = scalar("forger-s"), scalar("forger-w"), scalar("forger-a")
    alpha, a1, a2 = base_mul(s), base_mul(w_s), base_mul(a)
    # beta chosen after the challenge: the plaintext beta - s*H is no known multiple of P
    e = hash_to_scalar(CREDENTIAL_PROOF_TAG, *CONTEXT, PUBLIC, P, alpha, a1, a2)
    z_s, z_c = w_s + e * s, scalar("forger-z")
    beta = (PUBLIC * z_s + P * z_c - a2) * e.inverse()
    forged = RepresentationProof(e, z_s, z_c)
    assert base_mul(z_s) - alpha * e == a1  # the forgery satisfies both equations ...
    assert PUBLIC * z_s + P * z_c - beta * e == a2
    rejects(forged, ct=Ciphertext(alpha, beta))  # ... but not the full hash
    # the base chosen after the challenge
    beta = PUBLIC * s + SIGMA
    e = hash_to_scalar(CREDENTIAL_PROOF_TAG, *CONTEXT, PUBLIC, alpha, beta, a1, a2)
    z_s = w_s + e * s
    base = a2 - PUBLIC * z_s + beta * e  # with z_c = 1
    assert PUBLIC * z_s + base - beta * e == a2
    rejects(RepresentationProof(e, z_s, ONE), ct=Ciphertext(alpha, beta), base=base)
    # the election key chosen after the challenge
    e = hash_to_scalar(CREDENTIAL_PROOF_TAG, *CONTEXT, P, alpha, beta, a1, a2)
    z_s = w_s + e * s
    key = (a2 - P + beta * e) * z_s.inverse()  # with z_c = 1
    assert key * z_s + P - beta * e == a2
    rejects(RepresentationProof(e, z_s, ONE), ct=Ciphertext(alpha, beta), public=key)
