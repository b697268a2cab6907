"""Pedersen vector commitments over independent generators (for the proof of a shuffle).

**Bases.**  The blinding base is the group generator ``G``.  The message bases
``h_0 .. h_{N-1}`` and the base ``h`` that anchors the shuffle proof's commitment chain
are hashed to the group under the caller's context (a sequence of hash parts: the
election's base hash, the mixer's position...)::

    h   = hash_to_point("shuffle/chain-base", [context...])
    h_i = hash_to_point("shuffle/generator",  [context...], i)      i = 0 .. N-1

The context is absorbed as *one* list part, so contexts of different lengths cannot run
into the index.  :func:`~honestballot.crypto.hashing.hash_to_point` is SHA-512 of the
tagged parts followed by the one-way map of RFC 9496 section 4.3.4 (libsodium's
``crypto_core_ristretto255_from_hash``): nobody knows a discrete log of any of these
points with respect to ``G`` or to each other.  ``h_i`` does not depend on ``N``, so the
bases for ``N`` rows are a prefix of those for more rows.

**Commitments.**  The commitment to the vector ``(m_0 .. m_{N-1})`` with blinding ``r``
is ``r*G + sum_i m_i*h_i``.  It is perfectly hiding, and binding as long as no one knows
a non-trivial relation among ``G, h_0 .. h_{N-1}`` -- the discrete-log assumption, once
the bases come from the hash.

A **permutation commitment** commits to the permutation matrix column by column.  For
a permutation ``pi`` of ``0 .. N-1`` (row ``i`` of the shuffle's output comes from row
``pi(i)`` of its input), column ``j = pi(i)`` of the matrix is the unit vector ``e_i``,
so with one blinding ``rho_j`` per column::

    c_{pi(i)} = rho_{pi(i)}*G + h_i                                   i = 0 .. N-1
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from honestballot.crypto.group import Point, Scalar, base_mul
from honestballot.crypto.hashing import Part, hash_to_point
from honestballot.errors import EncodingError

GENERATOR_TAG = "shuffle/generator"
CHAIN_BASE_TAG = "shuffle/chain-base"


@dataclass(frozen=True, slots=True)
class CommitmentKey:
    """The bases of a Pedersen vector commitment of length ``len(bases)``: blinding base
    ``G`` (implicit), message bases ``h_0 .. h_{N-1}``, and the chain base ``h``."""

    chain_base: Point
    bases: tuple[Point, ...]

    def __post_init__(self) -> None:
        if not self.bases:
            raise EncodingError("a commitment key needs at least one base")
        if self.chain_base.is_identity() or any(h.is_identity() for h in self.bases):
            raise EncodingError("a commitment base is the identity")

    def __len__(self) -> int:
        return len(self.bases)


def derive_commitment_key(context: Sequence[Part], n: int) -> CommitmentKey:
    """The bases ``h`` and ``h_0 .. h_{n-1}`` for ``context`` (see the module docstring)."""
    if n < 1:
        raise ValueError(f"a commitment key needs at least one base, asked for {n}")
    ctx = tuple(context)
    return CommitmentKey(
        chain_base=hash_to_point(CHAIN_BASE_TAG, ctx),
        bases=tuple(hash_to_point(GENERATOR_TAG, ctx, i) for i in range(n)),
    )


def commit(key: CommitmentKey, values: Sequence[Scalar], blinding: Scalar) -> Point:
    """``blinding*G + sum_i values[i]*h_i`` (``len(values)`` must equal ``len(key)``)."""
    if len(values) != len(key.bases):
        raise ValueError(f"committing to {len(values)} values with {len(key.bases)} bases")
    acc = base_mul(blinding)
    for h, m in zip(key.bases, values, strict=True):
        acc = acc + h * m
    return acc


def commit_permutation(
    key: CommitmentKey, permutation: Sequence[int], blindings: Sequence[Scalar]
) -> tuple[Point, ...]:
    """The column commitments ``c_j`` of the permutation matrix of ``permutation``.

    ``c_{pi(i)} = blindings[pi(i)]*G + h_i``: commitment ``j`` (indexed like the input
    rows) hides the output position ``pi^{-1}(j)`` that input row ``j`` is sent to.  (For
    a map that is not a permutation this commits to its 0/1 matrix all the same: column
    ``j`` holds a 1 in every row ``i`` with ``map(i) = j``; the proof then fails.)
    """
    n = len(key.bases)
    if len(permutation) != n or len(blindings) != n:
        raise ValueError(f"a permutation of {len(permutation)} for {n} bases")
    out = [base_mul(b) for b in blindings]
    for i, j in enumerate(permutation):
        out[j] = out[j] + key.bases[i]
    return tuple(out)
