"""Schnorr proofs of knowledge of a discrete log, and Schnorr signatures.

Statement: the prover knows ``x`` with ``X = x*G``.  Compact (challenge, response)
form::

    prover:   w random, R = w*G, c = H(tag, context, X, R), s = w + c*x
    verifier: R' = s*G - c*X, accept iff c == H(tag, context, X, R')

A signature is the same proof with the message in the context.  The context
always starts with whatever binds the proof to one election and one purpose
(base hash, trustee index, voter credential), so a proof cannot be replayed
elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from honestballot.crypto.group import Point, Scalar, base_mul
from honestballot.crypto.hashing import Part, hash_to_scalar
from honestballot.crypto.randomness import Randomness, random_nonzero_scalar
from honestballot.errors import InvalidProof


@dataclass(frozen=True, slots=True)
class SchnorrProof:
    challenge: Scalar
    response: Scalar


def prove_dlog(
    tag: str, context: tuple[Part, ...], secret: Scalar, public: Point, rng: Randomness
) -> SchnorrProof:
    w = random_nonzero_scalar(rng)
    commitment = base_mul(w)
    c = hash_to_scalar(tag, *context, public, commitment)
    return SchnorrProof(c, w + c * secret)


def verify_dlog(
    tag: str, context: tuple[Part, ...], public: Point, proof: SchnorrProof, what: str
) -> None:
    """Raise :class:`InvalidProof` naming ``what`` unless ``proof`` verifies."""
    if public.is_identity():
        raise InvalidProof(f"{what}: the public key is the identity")
    commitment = base_mul(proof.response) - public * proof.challenge
    if hash_to_scalar(tag, *context, public, commitment) != proof.challenge:
        raise InvalidProof(f"{what}: Schnorr proof does not verify")


def sign(
    tag: str, context: tuple[Part, ...], message: bytes, secret: Scalar, rng: Randomness
) -> SchnorrProof:
    """A Schnorr signature on ``message`` by the key ``secret``."""
    return prove_dlog(tag, (*context, message), secret, base_mul(secret), rng)


def verify_signature(
    tag: str,
    context: tuple[Part, ...],
    message: bytes,
    public: Point,
    signature: SchnorrProof,
    what: str,
) -> None:
    verify_dlog(tag, (*context, message), public, signature, what)
