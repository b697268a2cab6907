"""Proofs of knowledge of a ciphertext's randomness, bound to its place on the board.

docs/coercion.md §1: every ciphertext that anyone other than a trustee puts on the board
carries one.  For ``(alpha, beta)`` under the election key ``H`` the statement is "the
prover knows ``r`` with ``alpha = r*G``" -- a Schnorr proof on ``alpha`` whose challenge
also hashes ``H`` and ``beta``, so it speaks for the whole ciphertext::

    prover:   w random, R = w*G, e = H("randomness-proof", ctx..., H, alpha, beta, R),
              z = w + e*r
    verifier: R = z*G - e*alpha; accept iff e == H("randomness-proof", ctx..., H, alpha,
              beta, R)

Knowing ``r`` means knowing the plaintext (``beta - r*H``).  ElGamal with such a proof
(in this strong Fiat--Shamir form) is non-malleable (Bernhard, Pereira, Warinschi,
ASIACRYPT 2012): whoever posts a ciphertext cannot have derived it from someone else's,
so the trustees' tag and decryption rounds are never an oracle for a ciphertext someone
else made (docs/coercion.md §11, finding 2).

**The place.**  The caller's context starts with the election's base hash and names the
ciphertext's place: the event (its kind and identity), the field, the row.  A proof is
therefore good for one place only; a copy of a ciphertext and its proof elsewhere fails.
:func:`prove_randomness_many` / :func:`verify_randomness_many` do a list with one call,
still one proof per ciphertext: item ``i`` is proved under ``(*context, i)``, exactly as a
single proof made with that context.  Each proof binds its own row, not the list: what
fixes the list's length and its other items is the event that holds it.

A ciphertext with ``alpha`` the identity (randomness zero) is refused: its plaintext is
public, and tagging it would tag a chosen point.  The trivial ``E0 = (O, O)`` and
``E1 = (O, G)`` of the design carry no proof; they are checked by equality.

Cost per ciphertext: proving 1 fixed-base multiplication; verifying 1 fixed-base and 1
variable-base.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from honestballot.crypto.elgamal import Ciphertext
from honestballot.crypto.group import Point, Scalar, base_mul
from honestballot.crypto.hashing import Part, hash_to_scalar
from honestballot.crypto.randomness import Randomness, random_scalar
from honestballot.errors import InvalidProof

RANDOMNESS_PROOF_TAG: Final = "randomness-proof"


@dataclass(frozen=True, slots=True)
class RandomnessProof:
    challenge: Scalar
    response: Scalar


def _challenge(
    context: tuple[Part, ...], public_key: Point, ct: Ciphertext, commitment: Point
) -> Scalar:
    return hash_to_scalar(RANDOMNESS_PROOF_TAG, *context, public_key, ct.alpha, ct.beta, commitment)


def prove_randomness(
    context: tuple[Part, ...],
    public_key: Point,
    ct: Ciphertext,
    randomness: Scalar,
    rng: Randomness,
) -> RandomnessProof:
    """Prove knowledge of ``r`` with ``ct.alpha = r*G``, for ``ct`` under ``public_key``
    at the place ``context`` names."""
    if randomness.is_zero():
        raise ValueError("a ciphertext with randomness zero gets no proof of randomness")
    w = random_scalar(rng)
    e = _challenge(context, public_key, ct, base_mul(w))
    return RandomnessProof(e, w + e * randomness)


def verify_randomness(
    context: tuple[Part, ...],
    public_key: Point,
    ct: Ciphertext,
    proof: RandomnessProof,
    what: str,
) -> None:
    """Raise :class:`InvalidProof` naming ``what`` unless ``proof`` shows knowledge of the
    randomness of ``ct`` at the place ``context`` names."""
    if ct.alpha.is_identity():
        raise InvalidProof(f"{what}: the ciphertext has randomness zero")
    commitment = base_mul(proof.response) - ct.alpha * proof.challenge
    if _challenge(context, public_key, ct, commitment) != proof.challenge:
        raise InvalidProof(f"{what}: proof of randomness does not verify")


def prove_randomness_many(
    context: tuple[Part, ...],
    public_key: Point,
    cts: Sequence[Ciphertext],
    randomness: Sequence[Scalar],
    rng: Randomness,
) -> tuple[RandomnessProof, ...]:
    """One proof per ciphertext, item ``i`` under the context ``(*context, i)``."""
    if len(cts) != len(randomness):
        raise ValueError(f"{len(cts)} ciphertexts but {len(randomness)} randomnesses")
    return tuple(
        prove_randomness((*context, i), public_key, ct, r, rng)
        for i, (ct, r) in enumerate(zip(cts, randomness, strict=True))
    )


def verify_randomness_many(
    context: tuple[Part, ...],
    public_key: Point,
    cts: Sequence[Ciphertext],
    proofs: Sequence[RandomnessProof],
    what: str,
) -> None:
    """Raise :class:`InvalidProof` naming ``what`` and the first failing item (``what[i]``)
    unless every ``proofs[i]`` verifies for ``cts[i]`` under ``(*context, i)``."""
    if len(cts) != len(proofs):
        raise InvalidProof(f"{what}: {len(proofs)} proofs for {len(cts)} ciphertexts")
    for i, (ct, proof) in enumerate(zip(cts, proofs, strict=True)):
        verify_randomness((*context, i), public_key, ct, proof, f"{what}[{i}]")
