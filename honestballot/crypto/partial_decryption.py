"""Threshold decryption of a list of ciphertexts by k of n trustees: the generic parts.

The close of docs/coercion.md §5 decrypts lists that are not a tally: combined tag
shares (the tags), combined equivalence shares (the result of each test), offset counters.
It decrypts them as protocol/decryption.py decrypts a tally.  For each row ``i`` with
``(alpha_i, beta_i)`` under the election key ``H = x*G``, trustee ``l``, holding
``x_l = f(l)`` with verification key ``X_l = x_l*G``, publishes the **decryption factor**
``D_{l,i} = x_l*alpha_i`` with a Chaum--Pedersen proof
(:func:`~honestballot.crypto.chaum_pedersen.prove_equality`) that
``log_G(X_l) = log_{alpha_i}(D_{l,i})``::

    e = H("partial-decryption", ctx..., l, i, beta_i, X_l, alpha_i, D_{l,i}, R_1, R_2)

The caller's context starts with the election's base hash and names the list (its
purpose and, say, the hash of the combined shares it decrypts); the challenge adds the
trustee, the row and ``beta_i``, so that with ``alpha_i`` the whole ciphertext is bound.
For a set ``S`` of at least ``k`` distinct trustees with verified factors, ``lambda_l``
the Lagrange coefficients at zero (:mod:`honestballot.crypto.polynomial`)::

    x*alpha_i = sum_{l in S} lambda_l * D_{l,i},   plaintext_i = beta_i - x*alpha_i

(:func:`combine_partial_decryptions`).  The plaintext is a point: ``M`` for a point
encryption, ``m*G`` for an exponential one.  protocol/decryption.py does the same for a
tally, with its own record objects (entry ids, the tally's hash) and tag.

Cost, per row: a factor costs its maker 1 fixed-base and 2 variable-base multiplications;
verifying it 1 fixed-base and 3 variable-base; the combination ``k`` variable-base.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from honestballot.crypto.chaum_pedersen import EqualityProof, prove_equality, verify_equality
from honestballot.crypto.elgamal import Ciphertext, decrypt_with_factor
from honestballot.crypto.group import Point, Scalar, base_mul, sum_points
from honestballot.crypto.hashing import Part
from honestballot.crypto.polynomial import check_indices, check_share_shape, lagrange_at_zero
from honestballot.crypto.randomness import Randomness
from honestballot.errors import ProtocolError

PARTIAL_DECRYPTION_TAG: Final = "partial-decryption"


@dataclass(frozen=True, slots=True)
class PartialDecryptionEntry:
    """``D = x_l*alpha`` for one row, and its proof."""

    factor: Point
    proof: EqualityProof


@dataclass(frozen=True, slots=True)
class PartialDecryption:
    """Trustee ``trustee``'s decryption factors of a list: one entry per row, in order."""

    trustee: int
    entries: tuple[PartialDecryptionEntry, ...]


def _context(context: tuple[Part, ...], trustee: int, row: int, ct: Ciphertext) -> tuple[Part, ...]:
    return (*context, trustee, row, ct.beta)


def prove_partial_decryption(
    context: tuple[Part, ...],
    trustee: int,
    row: int,
    key_share: Scalar,
    verification_key: Point,
    ct: Ciphertext,
    rng: Randomness,
) -> PartialDecryptionEntry:
    """``x_l*alpha`` for the ciphertext in row ``row``, with its proof
    (``verification_key`` is ``x_l*G``; the caller computes it once per list)."""
    factor = ct.alpha * key_share
    proof = prove_equality(
        PARTIAL_DECRYPTION_TAG,
        _context(context, trustee, row, ct),
        key_share,
        verification_key,
        ct.alpha,
        factor,
        rng,
    )
    return PartialDecryptionEntry(factor, proof)


def verify_partial_decryption(
    context: tuple[Part, ...],
    trustee: int,
    row: int,
    verification_key: Point,
    ct: Ciphertext,
    entry: PartialDecryptionEntry,
    what: str,
) -> None:
    """Raise :class:`InvalidProof` naming ``what`` unless ``entry.factor`` is proven to be
    ``x_l*alpha`` for the ``x_l`` of ``verification_key``."""
    verify_equality(
        PARTIAL_DECRYPTION_TAG,
        _context(context, trustee, row, ct),
        verification_key,
        ct.alpha,
        entry.factor,
        entry.proof,
        what,
    )


def create_partial_decryption(
    context: tuple[Part, ...],
    trustee: int,
    key_share: Scalar,
    inputs: Sequence[Ciphertext],
    rng: Randomness,
) -> PartialDecryption:
    """Trustee ``trustee``'s decryption factors of every row of ``inputs`` (3
    multiplications a row, and 1 per list for ``X_l``)."""
    check_indices([trustee])
    if key_share.is_zero():
        raise ProtocolError(f"trustee {trustee}: the key share is zero")
    verification_key = base_mul(key_share)
    return PartialDecryption(
        trustee,
        tuple(
            prove_partial_decryption(context, trustee, i, key_share, verification_key, ct, rng)
            for i, ct in enumerate(inputs)
        ),
    )


def verify_partial_decryption_list(
    context: tuple[Part, ...],
    verification_key: Point,
    inputs: Sequence[Ciphertext],
    share: PartialDecryption,
) -> None:
    """Raise :class:`InvalidProof` naming the trustee and the first bad row unless every
    factor of ``share`` is proven for its row of ``inputs`` (4 multiplications a row).
    ``verification_key`` is ``X_l`` of ``share.trustee``, from the key ceremony."""
    who = f"decryption factors of trustee {share.trustee}"
    check_share_shape(
        who, share.trustee, len(share.entries), len(inputs), "rows", verification_key
    )
    for i, (ct, entry) in enumerate(zip(inputs, share.entries, strict=True)):
        verify_partial_decryption(
            context, share.trustee, i, verification_key, ct, entry, f"{who}, row {i}"
        )


def combine_partial_decryptions(
    inputs: Sequence[Ciphertext],
    shares: Sequence[PartialDecryption],
    threshold: int,
    trustees: int | None = None,
) -> tuple[Point, ...]:
    """The plaintext point ``beta_i - x*alpha_i`` of every row of ``inputs``, by Lagrange
    from the factors of at least ``threshold`` distinct trustees (all given are used).

    The shares must already have passed :func:`verify_partial_decryption_list`; this
    function only checks their number, indices (``1..trustees`` when given, no
    duplicates) and lengths, raising :class:`ProtocolError`.  Costs ``len(shares)``
    variable-base multiplications a row.
    """
    if threshold < 1:
        raise ProtocolError(f"the threshold must be at least 1, got {threshold}")
    if len(shares) < threshold:
        raise ProtocolError(
            f"{len(shares)} partial decryption(s) given, the threshold is {threshold}"
        )
    lambdas = lagrange_at_zero([s.trustee for s in shares], trustees)
    for s in shares:
        if len(s.entries) != len(inputs):
            raise ProtocolError(
                f"trustee {s.trustee}: {len(s.entries)} decryption factors for {len(inputs)} rows"
            )
    return tuple(
        decrypt_with_factor(
            ct, sum_points([s.entries[i].factor * lambdas[s.trustee] for s in shares])
        )
        for i, ct in enumerate(inputs)
    )
