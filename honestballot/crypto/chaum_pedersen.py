"""Chaum--Pedersen proofs: equality of discrete logs, and their disjunctions.

**Equality** (used for decryption shares): the prover knows ``x`` with
``X = x*G`` and ``D = x*A``::

    w random; R1 = w*G, R2 = w*A; c = H(tag, ctx, X, A, D, R1, R2); s = w + c*x
    verify: R1 = s*G - c*X, R2 = s*A - c*D, c == H(tag, ctx, X, A, D, R1, R2)

**Equal powers of a ciphertext** (three bases; used for tag shares and the shares of a
plaintext-equivalence test): the prover knows ``y`` with ``Y = y*G`` and publishes
``(A, B) = (y*alpha, y*beta)`` for a ciphertext ``(alpha, beta)``::

    w random; R0 = w*G, R1 = w*alpha, R2 = w*beta
    c = H(tag, ctx, Y, alpha, beta, A, B, R0, R1, R2); s = w + c*y
    verify: R0 = s*G - c*Y, R1 = s*alpha - c*A, R2 = s*beta - c*B

One exponent links all three pairs, so ``(A, B)`` is the ciphertext raised to the
exponent of ``Y``: a ``B`` made with another exponent than ``A`` would encrypt another
point.  The callers name what the exponent is (a tag key share, a fresh blinding
exponent) by their tag and context.

**Disjunction** (used for ballots, after Cramer--Damgard--Schoenmakers): a
ciphertext ``(alpha, beta)`` under key ``H`` encrypts one of the integers
``values``.  For each branch ``i`` the statement is "``(alpha, beta - v_i*G)`` is
``(r*G, r*H)`` for some r".  The prover simulates every branch but the true one,
and the challenges must add up to the hash of the whole statement::

    sum_i c_i == H(tag, ctx, H, alpha, beta, values, A_0, B_0, ..., A_k, B_k)
    A_i = s_i*G - c_i*alpha,   B_i = s_i*H - c_i*(beta - v_i*G)

The hash binds the public key, the ciphertext, the list of admissible values and
the caller's context (the election's base hash, the voter's credential, the
position in the ballot), which is what defeats the "weak Fiat--Shamir" forgeries
found in Helios.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from honestballot.crypto.elgamal import Ciphertext
from honestballot.crypto.group import Point, Scalar, base_mul, small_multiple
from honestballot.crypto.hashing import Part, hash_to_scalar
from honestballot.crypto.randomness import Randomness, random_scalar
from honestballot.errors import InvalidProof


@dataclass(frozen=True, slots=True)
class EqualityProof:
    challenge: Scalar
    response: Scalar


def prove_equality(
    tag: str,
    context: tuple[Part, ...],
    secret: Scalar,
    public: Point,
    base: Point,
    image: Point,
    rng: Randomness,
) -> EqualityProof:
    """Prove ``public = secret*G`` and ``image = secret*base``."""
    w = random_scalar(rng)
    r1 = base_mul(w)
    r2 = base * w
    c = hash_to_scalar(tag, *context, public, base, image, r1, r2)
    return EqualityProof(c, w + c * secret)


def verify_equality(
    tag: str,
    context: tuple[Part, ...],
    public: Point,
    base: Point,
    image: Point,
    proof: EqualityProof,
    what: str,
) -> None:
    r1 = base_mul(proof.response) - public * proof.challenge
    r2 = base * proof.response - image * proof.challenge
    if hash_to_scalar(tag, *context, public, base, image, r1, r2) != proof.challenge:
        raise InvalidProof(f"{what}: Chaum-Pedersen equality proof does not verify")


def _powers_challenge(
    tag: str,
    context: tuple[Part, ...],
    public: Point,
    ct: Ciphertext,
    image: Ciphertext,
    r0: Point,
    r1: Point,
    r2: Point,
) -> Scalar:
    return hash_to_scalar(
        tag, *context, public, ct.alpha, ct.beta, image.alpha, image.beta, r0, r1, r2
    )


def prove_equal_powers(
    tag: str,
    context: tuple[Part, ...],
    secret: Scalar,
    public: Point,
    ct: Ciphertext,
    rng: Randomness,
) -> tuple[Ciphertext, EqualityProof]:
    """``(secret*alpha, secret*beta)`` and the proof that its exponent is ``log_G(public)``
    (``public`` is ``secret*G``; the caller computes it once).  Costs 2 variable-base
    multiplications for the image and 1 fixed-base + 2 variable-base for the proof."""
    image = Ciphertext(ct.alpha * secret, ct.beta * secret)
    w = random_scalar(rng)
    c = _powers_challenge(tag, context, public, ct, image, base_mul(w), ct.alpha * w, ct.beta * w)
    return image, EqualityProof(c, w + c * secret)


def verify_equal_powers(
    tag: str,
    context: tuple[Part, ...],
    public: Point,
    ct: Ciphertext,
    image: Ciphertext,
    proof: EqualityProof,
    what: str,
    proof_name: str = "Chaum-Pedersen",
) -> None:
    """Raise :class:`InvalidProof` (``"{what}: {proof_name} proof does not verify"``)
    unless ``proof`` shows ``image = (y*alpha, y*beta)`` for ``public = y*G``.  Costs 1
    fixed-base and 5 variable-base multiplications."""
    c, s = proof.challenge, proof.response
    r0 = base_mul(s) - public * c
    r1 = ct.alpha * s - image.alpha * c
    r2 = ct.beta * s - image.beta * c
    if _powers_challenge(tag, context, public, ct, image, r0, r1, r2) != c:
        raise InvalidProof(f"{what}: {proof_name} proof does not verify")


@dataclass(frozen=True, slots=True)
class DisjunctiveProof:
    """One (challenge, response) pair per admissible value, in the order of ``values``."""

    challenges: tuple[Scalar, ...]
    responses: tuple[Scalar, ...]


def prove_encrypts_one_of(
    tag: str,
    context: tuple[Part, ...],
    public_key: Point,
    ct: Ciphertext,
    values: Sequence[int],
    plaintext: int,
    randomness: Scalar,
    rng: Randomness,
) -> DisjunctiveProof:
    """Prove ``ct`` encrypts one of ``values`` (the true one is ``plaintext``)."""
    if plaintext not in values:
        raise ValueError("the plaintext is not among the admissible values")
    real = list(values).index(plaintext)
    commitments: list[Point] = []
    challenges: list[Scalar] = []
    responses: list[Scalar] = []
    w = random_scalar(rng)
    for i, v in enumerate(values):
        if i == real:
            commitments += [base_mul(w), public_key * w]
            challenges.append(Scalar(0))
            responses.append(Scalar(0))
        else:
            c_i, s_i = random_scalar(rng), random_scalar(rng)
            shifted = ct.beta - small_multiple(v) if v else ct.beta
            commitments += [
                base_mul(s_i) - ct.alpha * c_i,
                public_key * s_i - shifted * c_i,
            ]
            challenges.append(c_i)
            responses.append(s_i)
    total = hash_to_scalar(
        tag, *context, public_key, ct.alpha, ct.beta, tuple(values), tuple(commitments)
    )
    c_real = total
    for i, c_i in enumerate(challenges):
        if i != real:
            c_real = c_real - c_i
    challenges[real] = c_real
    responses[real] = w + c_real * randomness
    return DisjunctiveProof(tuple(challenges), tuple(responses))


def verify_encrypts_one_of(
    tag: str,
    context: tuple[Part, ...],
    public_key: Point,
    ct: Ciphertext,
    values: Sequence[int],
    proof: DisjunctiveProof,
    what: str,
) -> None:
    """Raise :class:`InvalidProof` naming ``what`` unless ``proof`` shows ``ct`` encrypts
    one of ``values``."""
    if len(proof.challenges) != len(values) or len(proof.responses) != len(values):
        raise InvalidProof(
            f"{what}: proof has {len(proof.challenges)} branches, expected {len(values)}"
        )
    commitments: list[Point] = []
    total = Scalar(0)
    for v, c_i, s_i in zip(values, proof.challenges, proof.responses, strict=True):
        shifted = ct.beta - small_multiple(v) if v else ct.beta
        commitments += [
            base_mul(s_i) - ct.alpha * c_i,
            public_key * s_i - shifted * c_i,
        ]
        total = total + c_i
    expected = hash_to_scalar(
        tag, *context, public_key, ct.alpha, ct.beta, tuple(values), tuple(commitments)
    )
    if expected != total:
        raise InvalidProof(f"{what}: disjunctive Chaum-Pedersen proof does not verify")
