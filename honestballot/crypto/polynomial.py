"""Polynomials over Z/LZ, Feldman commitments, and Lagrange interpolation at zero.

A trustee's secret polynomial of degree ``k-1`` is ``f(z) = a_0 + a_1*z + ... +
a_{k-1}*z^{k-1}`` (mod L).  Its Feldman commitments are ``C_j = a_j*G``, so anyone
can check a share ``y = f(l)`` with::

    y*G == sum_j C_j * l^j

Any ``k`` values ``f(l)`` for distinct non-zero ``l`` determine ``f(0)``::

    f(0) = sum_{l in S} lambda_l * f(l),   lambda_l = prod_{m in S, m != l} m / (m - l)

and the same coefficients recombine decryption shares ``x_l*A`` into ``x*A``.
Trustee indices are the integers ``1..n``; index 0 is never a share (it *is* the secret).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from honestballot.crypto.group import IDENTITY, Point, Scalar, base_mul
from honestballot.crypto.randomness import Randomness, random_scalar
from honestballot.errors import InvalidProof, ProtocolError


def random_polynomial(degree: int, rng: Randomness) -> tuple[Scalar, ...]:
    """``degree + 1`` uniform coefficients ``(a_0, ..., a_degree)``; ``a_0`` is never zero."""
    if degree < 0:
        raise ProtocolError(f"a polynomial degree must be >= 0, got {degree}")
    a0 = random_scalar(rng)
    while a0.is_zero():
        a0 = random_scalar(rng)
    return (a0, *(random_scalar(rng) for _ in range(degree)))


def evaluate(coefficients: Sequence[Scalar], x: int) -> Scalar:
    """``f(x) = sum_j a_j * x^j mod L`` by Horner's rule."""
    if not coefficients:
        raise ProtocolError("a polynomial needs at least one coefficient")
    point = Scalar.of(x)
    acc = Scalar(0)
    for a in reversed(coefficients):
        acc = acc * point + a
    return acc


def commit(coefficients: Sequence[Scalar]) -> tuple[Point, ...]:
    """The Feldman commitments ``C_j = a_j*G``."""
    return tuple(base_mul(a) for a in coefficients)


def evaluate_commitments(commitments: Sequence[Point], x: int) -> Point:
    """``sum_j C_j * x^j`` (= ``f(x)*G`` when ``C_j = a_j*G``), by Horner's rule on points."""
    if not commitments:
        raise ProtocolError("a commitment vector needs at least one point")
    point = Scalar.of(x)
    acc = IDENTITY
    for c in reversed(commitments):
        acc = acc * point + c
    return acc


def check_indices(indices: Iterable[int], n: int | None = None) -> tuple[int, ...]:
    """The indices as a tuple, after rejecting duplicates, zero/negatives and values > ``n``."""
    out = tuple(indices)
    seen: set[int] = set()
    for i in out:
        if isinstance(i, bool) or not isinstance(i, int):
            raise ProtocolError(f"trustee index {i!r} is not an integer")
        if i <= 0:
            raise ProtocolError(f"trustee index {i} is not positive (0 is the secret itself)")
        if n is not None and i > n:
            raise ProtocolError(f"trustee index {i} is above the number of trustees {n}")
        if i in seen:
            raise ProtocolError(f"trustee index {i} appears twice")
        seen.add(i)
    return out


def lagrange_at_zero(indices: Iterable[int], n: int | None = None) -> dict[int, Scalar]:
    """``lambda_l = prod_{m != l} m / (m - l) mod L`` for each ``l`` in ``indices``.

    With these, ``f(0) = sum_l lambda_l * f(l)`` for any polynomial of degree below
    ``len(indices)``.  Duplicate, non-positive or (given ``n``) out-of-range indices
    raise :class:`ProtocolError`: a duplicate would make a denominator zero.
    """
    s = check_indices(indices, n)
    if not s:
        raise ProtocolError("Lagrange interpolation needs at least one index")
    out: dict[int, Scalar] = {}
    for l_idx in s:
        num = 1
        den = 1
        for m in s:
            if m != l_idx:
                num = num * m
                den = den * (m - l_idx)
        out[l_idx] = Scalar.of(num) * Scalar.of(den).inverse()
    return out


def check_share_shape(
    who: str, trustee: int, entries: int, items: int, what: str, key: Point | None = None
) -> None:
    """Raise :class:`InvalidProof` naming ``who`` unless a trustee's list share has a valid
    trustee index, a verification ``key`` that is not the identity (when there is one) and
    one entry per item (``what``: "rows", "pairs", ...).  The checks every per-trustee list
    of proofs (decryption factors, tag shares, equivalence shares, offsets) starts with."""
    try:
        check_indices([trustee])
    except ProtocolError as exc:
        raise InvalidProof(f"{who}: {exc}") from None
    if key is not None and key.is_identity():
        raise InvalidProof(f"{who}: the verification key is the identity")
    if entries != items:
        raise InvalidProof(f"{who}: {entries} entries for {items} {what}")
