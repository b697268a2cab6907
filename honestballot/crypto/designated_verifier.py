"""Designated-verifier proofs that a ciphertext encrypts a named point.

docs/coercion.md §2.6.  The voter's device must convince the service that ``(alpha,
beta)``, an ElGamal encryption under the election key ``H``, encrypts a point ``M`` it
names (its tag point, its voting point, its handle, its activation point), **without**
handing the service anything it could show a third party: an opening, or an ordinary
proof, would be a receipt the service (or whoever breaks into it) could sell to a
coercer.  So the device proves an OR-statement, as JCJ's registrars do::

    "I know r with alpha = r*G and beta - M = r*H"   OR   "I know w = log_G W"

where ``W = w*G`` is the service's designated-verifier key.  The device knows ``r`` and
simulates the second branch; the service, which knows ``w``, can simulate the first
branch for any ``M`` it likes (:func:`simulate_designated_plaintext`), so a transcript
convinces nobody but the service.

::

    device:   u random;  R1 = u*G,  R2 = u*H;   e2, z2 random;  R3 = z2*G - e2*W
              e  = hash_to_scalar("designated-plaintext", B base hash, T purpose, B nonce,
                                  P H, P W, P M, P alpha, P beta, P R1, P R2, P R3)
              e1 = e - e2;  z1 = u + e1*r;   proof (e1, e2, z1, z2)
    service:  R1 = z1*G - e1*alpha,  R2 = z1*H - e1*(beta - M),  R3 = z2*G - e2*W;
              accept iff e1 + e2 == the hash

``purpose`` names the field (``"registration/tag"``, ...), ``nonce`` the object (the
statement hash of the registration or ballot), so a proof made for one field of
one object is good for no other.  The service must check these proofs only with its own
``W``; it never stores or forwards them (they would prove nothing, and it keeps nothing
it does not need).

Cost: proving 2 fixed-base and 2 variable-base multiplications (``u*H``, ``e2*W``);
verifying 2 fixed-base (``z1*G``, ``z2*G``) and 4 variable-base (``e1*alpha``, ``z1*H``,
``e1*(beta - M)``, ``e2*W``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from honestballot.crypto.elgamal import Ciphertext
from honestballot.crypto.group import Point, Scalar, base_mul
from honestballot.crypto.hashing import hash_to_scalar
from honestballot.crypto.randomness import Randomness, random_scalar
from honestballot.errors import InvalidProof

DESIGNATED_PLAINTEXT_TAG: Final = "designated-plaintext"


@dataclass(frozen=True, slots=True)
class DesignatedProof:
    e1: Scalar
    e2: Scalar
    z1: Scalar
    z2: Scalar


def _challenge(
    base_hash: bytes,
    purpose: str,
    nonce: bytes,
    public_key: Point,
    verifier_key: Point,
    message: Point,
    ct: Ciphertext,
    r1: Point,
    r2: Point,
    r3: Point,
) -> Scalar:
    return hash_to_scalar(
        DESIGNATED_PLAINTEXT_TAG,
        base_hash,
        purpose,
        nonce,
        public_key,
        verifier_key,
        message,
        ct.alpha,
        ct.beta,
        r1,
        r2,
        r3,
    )


def _statement_commitments(
    public_key: Point, message: Point, ct: Ciphertext, e1: Scalar, z1: Scalar
) -> tuple[Point, Point]:
    """``R1 = z1*G - e1*alpha``, ``R2 = z1*H - e1*(beta - M)``: the first branch's
    commitments from its challenge and response (verifier; the service's simulation)."""
    return base_mul(z1) - ct.alpha * e1, public_key * z1 - (ct.beta - message) * e1


def prove_designated_plaintext(
    base_hash: bytes,
    purpose: str,
    nonce: bytes,
    public_key: Point,
    verifier_key: Point,
    message: Point,
    ct: Ciphertext,
    randomness: Scalar,
    rng: Randomness,
) -> DesignatedProof:
    """The device's proof that ``ct = (r*G, r*H + message)`` for the ``randomness`` r it
    used, for the holder of ``verifier_key`` only."""
    u = random_scalar(rng)
    r1, r2 = base_mul(u), public_key * u
    e2, z2 = random_scalar(rng), random_scalar(rng)
    r3 = base_mul(z2) - verifier_key * e2
    e = _challenge(base_hash, purpose, nonce, public_key, verifier_key, message, ct, r1, r2, r3)
    e1 = e - e2
    return DesignatedProof(e1, e2, u + e1 * randomness, z2)


def simulate_designated_plaintext(
    base_hash: bytes,
    purpose: str,
    nonce: bytes,
    public_key: Point,
    verifier_key_secret: Scalar,
    message: Point,
    ct: Ciphertext,
    rng: Randomness,
) -> DesignatedProof:
    """What the service could make itself, for any ``message`` and any ``ct``, with its
    key ``w``: a proof that verifies exactly like the device's.  This is why the device's
    proofs are no receipt (and what the tests show)."""
    verifier_key = base_mul(verifier_key_secret)
    e1, z1 = random_scalar(rng), random_scalar(rng)
    r1, r2 = _statement_commitments(public_key, message, ct, e1, z1)
    v = random_scalar(rng)
    r3 = base_mul(v)
    e = _challenge(base_hash, purpose, nonce, public_key, verifier_key, message, ct, r1, r2, r3)
    e2 = e - e1
    return DesignatedProof(e1, e2, z1, v + e2 * verifier_key_secret)


def verify_designated_plaintext(
    base_hash: bytes,
    purpose: str,
    nonce: bytes,
    public_key: Point,
    verifier_key: Point,
    message: Point,
    ct: Ciphertext,
    proof: DesignatedProof,
) -> None:
    """Raise :class:`InvalidProof` naming ``purpose`` unless ``proof`` verifies."""
    r1, r2 = _statement_commitments(public_key, message, ct, proof.e1, proof.z1)
    r3 = base_mul(proof.z2) - verifier_key * proof.e2
    e = _challenge(base_hash, purpose, nonce, public_key, verifier_key, message, ct, r1, r2, r3)
    if proof.e1 + proof.e2 != e:
        raise InvalidProof(f"{purpose}: the ciphertext does not encrypt the point named")
