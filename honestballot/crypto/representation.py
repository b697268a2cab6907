"""Voting points, and the proof of knowledge of an encrypted voting point's credential.

docs/coercion.md §2--§3.  Notation: ``G`` the generator, ``H = x*G`` the election key and
``P`` the **credential base** of one election::

    P = hash_to_point("credential-base", base hash)

whose discrete logarithm (to ``G``, ``H`` or anything else) nobody knows.  A credential's
**signing scalar** is a secret non-zero ``c``, derived on the voter's device from the
credential's seed; its **voting point** is ``sigma = c*P``.
Ballots and registrations carry ``Enc(sigma) = (s*G, s*H + c*P)`` and prove, in
zero knowledge, that whoever made it knows both ``s`` and ``c``::

    PoK(s, c : alpha = s*G, beta = s*H + c*P)

**Proof** (a Schnorr proof of a representation; compact (challenge, responses) form)::

    prover:   w_s, w_c random;  A_1 = w_s*G,  A_2 = w_s*H + w_c*P
              e = H("credential-proof", ctx..., H, P, alpha, beta, A_1, A_2)
              z_s = w_s + e*s,  z_c = w_c + e*c
    verifier: A_1 = z_s*G - e*alpha,  A_2 = z_s*H + z_c*P - e*beta;  accept iff the hash
              of those is e

Special soundness: two accepting transcripts with one commitment and ``e != e'`` give
``s = (z_s - z_s')/(e - e')`` and ``c = (z_c - z_c')/(e - e')``.  The challenge hashes the
whole statement (``H``, ``P``, the ciphertext) after the caller's context, which starts
with the election's base hash and the purpose (``ballot``, ``registration``) and goes on
with the *other* parts of the statement the proof belongs to -- a ballot's ``Enc(tau)``
and contest ciphertexts, a registration's ``Enc(tau)``, ``Enc(V)`` and ``Enc(R)``.  A
proof therefore cannot be lifted into another ballot or registration, nor moved to
another election.

Why the service, which learns ``sigma`` (docs/coercion.md §3), cannot cast for a voter:
producing this proof for ``Enc(sigma)`` needs ``c`` (up to the soundness above), and
``c = log_P(sigma)`` is a discrete logarithm.  Voting points are never tagged: all are
known multiples of the one base ``P``, so their tags would keep those relations, and a
coercer holding two credentials could map one tag onto the other (docs/coercion.md §12,
finding 1).  The close tags hash-derived tag points instead, and compares ``sigma`` only
by an equivalence test (:mod:`honestballot.crypto.tagging`).

A ciphertext whose ``alpha`` is the identity (randomness zero) would publish ``sigma``
as its ``beta``; the prover refuses it and the verifier rejects it.

The proof works for any base: :func:`prove_ciphertext_representation` and
:func:`verify_ciphertext_representation` take the Fiat--Shamir tag as well, and a
trustee's counter offset ``Enc(delta) = (r*G, r*H + delta*G)`` is proved with them under
its own tag and the base ``G`` (:mod:`honestballot.crypto.offsets`).

Cost: proving 1 fixed-base and 2 variable-base multiplications (plus 1 + 2 for the
ciphertext itself); verifying 1 fixed-base and 4 variable-base multiplications.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from honestballot.crypto.elgamal import Ciphertext
from honestballot.crypto.group import Point, Scalar, base_mul
from honestballot.crypto.hashing import Part, hash_to_point, hash_to_scalar
from honestballot.crypto.randomness import Randomness, random_scalar
from honestballot.errors import InvalidProof

CREDENTIAL_BASE_TAG: Final = "credential-base"
CREDENTIAL_PROOF_TAG: Final = "credential-proof"


def credential_base(base_hash: bytes) -> Point:
    """``P = hash_to_point("credential-base", base hash)``: one election's credential base."""
    return hash_to_point(CREDENTIAL_BASE_TAG, base_hash)


def voting_point(credential: Scalar, base_hash: bytes) -> Point:
    """``sigma = c*P`` for the signing scalar ``c`` (non-zero) in the election ``base_hash``."""
    if credential.is_zero():
        raise ValueError("a credential is a non-zero scalar")
    return credential_base(base_hash) * credential


@dataclass(frozen=True, slots=True)
class RepresentationProof:
    """``(e, z_s, z_c)``: challenge, response for the randomness, response for the
    credential."""

    challenge: Scalar
    response_randomness: Scalar
    response_credential: Scalar


def _challenge(
    tag: str,
    context: tuple[Part, ...],
    public_key: Point,
    base: Point,
    ct: Ciphertext,
    a1: Point,
    a2: Point,
) -> Scalar:
    return hash_to_scalar(tag, *context, public_key, base, ct.alpha, ct.beta, a1, a2)


def prove_ciphertext_representation(
    tag: str,
    context: tuple[Part, ...],
    public_key: Point,
    base: Point,
    ct: Ciphertext,
    randomness: Scalar,
    exponent: Scalar,
    rng: Randomness,
) -> RepresentationProof:
    """Prove knowledge of ``(s, c)`` with ``ct = (s*G, s*H + c*base)`` under the
    Fiat--Shamir tag ``tag`` (the proof above, for any base: the credential proof uses
    ``P``, a counter offset ``G``).  ``randomness`` must be non-zero."""
    if randomness.is_zero():
        raise ValueError("a ciphertext with a proof of representation needs non-zero randomness")
    w_s = random_scalar(rng)
    w_c = random_scalar(rng)
    a1 = base_mul(w_s)
    a2 = public_key * w_s + base * w_c
    e = _challenge(tag, context, public_key, base, ct, a1, a2)
    return RepresentationProof(e, w_s + e * randomness, w_c + e * exponent)


def verify_ciphertext_representation(
    tag: str,
    context: tuple[Part, ...],
    public_key: Point,
    base: Point,
    ct: Ciphertext,
    proof: RepresentationProof,
    what: str,
    proof_name: str,
) -> None:
    """Raise :class:`InvalidProof` naming ``what`` (``"{what}: {proof_name} does not
    verify"``) unless ``proof`` shows knowledge of ``(s, c)`` with ``ct = (s*G, s*H +
    c*base)`` under ``tag`` and ``context``.  A ciphertext with randomness zero is
    rejected; the caller checks ``base`` (it is never the identity)."""
    if ct.alpha.is_identity():
        raise InvalidProof(f"{what}: the ciphertext has randomness zero")
    e = proof.challenge
    a1 = base_mul(proof.response_randomness) - ct.alpha * e
    a2 = public_key * proof.response_randomness + base * proof.response_credential - ct.beta * e
    if _challenge(tag, context, public_key, base, ct, a1, a2) != e:
        raise InvalidProof(f"{what}: {proof_name} does not verify")


def prove_representation(
    context: tuple[Part, ...],
    public_key: Point,
    base: Point,
    ct: Ciphertext,
    randomness: Scalar,
    credential: Scalar,
    rng: Randomness,
) -> RepresentationProof:
    """Prove knowledge of ``(s, c)`` with ``ct = (s*G, s*H + c*P)``, where ``H`` is
    ``public_key`` and ``P`` is ``base``.  ``context``: base hash, purpose, and the other
    parts of the statement (see the module docstring)."""
    return prove_ciphertext_representation(
        CREDENTIAL_PROOF_TAG, context, public_key, base, ct, randomness, credential, rng
    )


def verify_representation(
    context: tuple[Part, ...],
    public_key: Point,
    base: Point,
    ct: Ciphertext,
    proof: RepresentationProof,
    what: str,
) -> None:
    """Raise :class:`InvalidProof` naming ``what`` unless ``proof`` shows knowledge of
    ``(s, c)`` with ``ct = (s*G, s*H + c*P)`` under this context."""
    if base.is_identity():
        raise InvalidProof(f"{what}: the credential base is the identity")
    verify_ciphertext_representation(
        CREDENTIAL_PROOF_TAG, context, public_key, base, ct, proof, what, "credential proof"
    )
