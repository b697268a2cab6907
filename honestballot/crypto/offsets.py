"""Jointly random offsets for a group's counters, and the order of the decrypted counters.

docs/coercion.md §5, step 6.  After the join, each group ``g`` (the rows of one
credential) holds exponential-ElGamal counters ``Enc(n_i)`` under the election key ``H``:
consecutive integers whose start ``n0`` the service drew and nobody may learn, since a
known counter could be recognised.  The trustees add one random offset per group and
decrypt; the decrypted values show the order of the group's rows, that they are distinct
and consecutive, and nothing of ``n0``.

**1. Offsets.**  For each group ``g``, each participating trustee ``j`` draws a fresh
``delta_{g,j}`` and randomness ``r``, and publishes **one** ciphertext per group::

    O_{g,j} = Enc(delta_{g,j}) = (r*G, r*H + delta_{g,j}*G)

with a proof of knowledge of ``(r, delta_{g,j})``: the representation proof of
:func:`~honestballot.crypto.representation.prove_ciphertext_representation` with the
base ``G``, under its own tag, bound to the caller's context, the group and the trustee::

    e = H("counter-offset", ctx..., g, j, H, G, O.alpha, O.beta, A_1, A_2)

The context starts with the election's base hash and names the grouped list (e.g. the
hash of the joined rows and of their grouping).  The verifier adds ``sum_j O_{g,j}`` to
every row of group ``g`` itself (:func:`combine_offsets`, :func:`apply_offsets`), so
every row of a group gets the same offset by construction and no per-row proof is needed.
The offsets of at least ``k`` distinct trustees are summed (not Lagrange: each
``delta_{g,j}`` is independent), so one of them is honest and ``Delta_g = sum_j
delta_{g,j}`` is uniform and unknown to anyone.  The proof is a proof of knowledge: a
trustee who publishes last cannot make its offset cancel the others' (it would need to
know them), and cannot copy or negate another trustee's offset (the challenge names the
trustee).  A trustee that reused one ``delta`` for two groups would be undetectable; if
*every* trustee did, the two groups' decrypted counters would share ``Delta`` and their
difference would show the difference of the two starts.  :func:`create_offset_share`
draws fresh values for every group.

**2. Decryption.**  ``k`` trustees decrypt every offset counter
(:mod:`honestballot.crypto.partial_decryption`), giving the **points**
``W_i = (n_i + Delta_g)*G``.

**3. Order, without a discrete logarithm** (:func:`consecutive_order`).  The counters of
a group are distinct and consecutive exactly when the ``W_i`` are distinct, exactly one of
them (the bottom) has ``W_i - G`` outside the set, and adding ``G`` to the bottom again and
again reaches every other.  That walk is the order: its last point is the group's highest
counter (the winner), and the fallback of step 6 walks down from it.  It costs about two
point additions per row, and no ``W_i`` is ever turned into an integer.

**Why the offsets are not bounded.**  Bounding ``delta_{g,j}`` to ``[0, 2^20)``, so that
a discrete-logarithm table could turn ``W_i`` into ``n_i + Delta_g``, was considered and
refused:

* it would not hide the start.  ``Delta_g`` would be a sum of ``k`` values in
  ``[0, 2^20)``, no wider than the range ``[CAP, 2^20)`` of ``n0`` itself; a decrypted
  value below ``2^20`` says that ``n0`` is below it, one near ``(k + 1)*2^20`` that ``n0``
  is near the top, and in between the distribution of ``n0 + Delta_g`` still depends on
  ``n0``.  Hiding it to a statistical distance of ``2^-40`` needs an offset range
  ``2^40`` times wider than that of ``n0`` (``2^60``), and then no table is cheap;
* it would need a range proof per group and trustee: 20 encrypted bits, each with a 0-or-1
  disjunctive proof (about 8 multiplications to make and 8 to verify), and their
  weighted sum tied to the offset, some 160 multiplications to make and as many to
  verify, against the 6 and 5 below;
* it is not needed: ``close.counters`` only compares a group's counters with each other,
  which the walk above does on the points.

A counter that is not in range, or not a small integer at all, simply breaks the walk,
and the check fails naming the service, as for any counters that are not consecutive.

An alternative that needs no offsets at all would decrypt, for each group, the
differences ``Enc(n_i) - Enc(n_ref)`` to one reference row (say the group's first in
mixed order): small integers below the group size, which reveal the same order and
nothing more (offsets would cancel out of them).  It would save this round; the design
specifies offsets, and the decrypted offset counters reveal no more than those
differences do.

**Cost, per group and per trustee** (counted by benchmarks/bench_tagging.py): an offset
costs 4 fixed-base and 2 variable-base multiplications to make (3 for the ciphertext, 3
for the proof) and 2 fixed-base and 3 variable-base to verify.  Summing the offsets and
adding them to the rows costs additions only (``k - 1`` ciphertext additions per group,
one per row), the walk about 2 point additions per row; the decryption of the rows costs what
:mod:`honestballot.crypto.partial_decryption` says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from honestballot.crypto.elgamal import Ciphertext, aggregate, encrypt_point
from honestballot.crypto.group import GENERATOR, Point, Scalar, base_mul
from honestballot.crypto.hashing import Part
from honestballot.crypto.polynomial import check_indices
from honestballot.crypto.randomness import Randomness, random_nonzero_scalar, random_scalar
from honestballot.crypto.representation import (
    RepresentationProof,
    prove_ciphertext_representation,
    verify_ciphertext_representation,
)
from honestballot.errors import InvalidProof, ProtocolError

COUNTER_OFFSET_TAG: Final = "counter-offset"


@dataclass(frozen=True, slots=True)
class GroupOffset:
    """One trustee's offset for one group: ``Enc(delta)`` and the proof of ``(r, delta)``."""

    ciphertext: Ciphertext
    proof: RepresentationProof


@dataclass(frozen=True, slots=True)
class OffsetShare:
    """Trustee ``trustee``'s offsets: one per group, in the groups' order."""

    trustee: int
    offsets: tuple[GroupOffset, ...]


def encrypt_offset(public_key: Point, delta: Scalar, randomness: Scalar) -> Ciphertext:
    """``Enc(delta) = (r*G, r*H + delta*G)`` for any scalar ``delta`` (exponential ElGamal;
    ``delta`` is never small, so it is not recovered by a table)."""
    return encrypt_point(public_key, base_mul(delta), randomness)


def _context(context: tuple[Part, ...], group: int, trustee: int) -> tuple[Part, ...]:
    return (*context, group, trustee)


def prove_offset(
    context: tuple[Part, ...],
    trustee: int,
    group: int,
    public_key: Point,
    delta: Scalar,
    randomness: Scalar,
    rng: Randomness,
) -> GroupOffset:
    """Trustee ``trustee``'s offset ``Enc(delta)`` for group ``group``, with its proof.
    ``randomness`` must be non-zero (an offset in the clear would hide nothing)."""
    ct = encrypt_offset(public_key, delta, randomness)
    proof = prove_ciphertext_representation(
        COUNTER_OFFSET_TAG,
        _context(context, group, trustee),
        public_key,
        GENERATOR,
        ct,
        randomness,
        delta,
        rng,
    )
    return GroupOffset(ct, proof)


def verify_offset(
    context: tuple[Part, ...],
    trustee: int,
    group: int,
    public_key: Point,
    offset: GroupOffset,
    what: str,
) -> None:
    """Raise :class:`InvalidProof` naming ``what`` unless ``offset`` carries a proof of
    knowledge of its randomness and plaintext, made by ``trustee`` for ``group``."""
    verify_ciphertext_representation(
        COUNTER_OFFSET_TAG,
        _context(context, group, trustee),
        public_key,
        GENERATOR,
        offset.ciphertext,
        offset.proof,
        what,
        "offset proof",
    )


def create_offset_share(
    context: tuple[Part, ...],
    trustee: int,
    public_key: Point,
    groups: int,
    rng: Randomness,
) -> OffsetShare:
    """Trustee ``trustee``'s offsets for ``groups`` groups, each with a fresh uniform
    ``delta`` and fresh randomness (6 multiplications a group)."""
    check_indices([trustee])
    if groups < 0:
        raise ProtocolError(f"a number of groups is not negative, got {groups}")
    return OffsetShare(
        trustee,
        tuple(
            prove_offset(
                context,
                trustee,
                g,
                public_key,
                random_scalar(rng),
                random_nonzero_scalar(rng),
                rng,
            )
            for g in range(groups)
        ),
    )


def verify_offset_share(
    context: tuple[Part, ...], public_key: Point, groups: int, share: OffsetShare
) -> None:
    """Raise :class:`InvalidProof` naming the trustee and the first bad group unless
    ``share`` holds one proven offset per group (5 multiplications a group)."""
    who = f"offsets of trustee {share.trustee}"
    try:
        check_indices([share.trustee])
    except ProtocolError as exc:
        raise InvalidProof(f"{who}: {exc}") from None
    if len(share.offsets) != groups:
        raise InvalidProof(f"{who}: {len(share.offsets)} offsets for {groups} groups")
    for g, offset in enumerate(share.offsets):
        verify_offset(context, share.trustee, g, public_key, offset, f"{who}, group {g}")


def combine_offsets(
    shares: Sequence[OffsetShare], threshold: int, trustees: int | None = None
) -> tuple[Ciphertext, ...]:
    """``Enc(Delta_g)`` for every group: the **sum** of the offsets of at least
    ``threshold`` distinct trustees (all given shares are used).

    The shares must already have passed :func:`verify_offset_share`; this function only
    checks their number, indices (``1..trustees`` when given, no duplicates) and lengths,
    raising :class:`ProtocolError`.  No multiplications.
    """
    if threshold < 1:
        raise ProtocolError(f"the threshold must be at least 1, got {threshold}")
    if len(shares) < threshold:
        raise ProtocolError(f"{len(shares)} offset share(s) given, the threshold is {threshold}")
    check_indices([s.trustee for s in shares], trustees)
    groups = {len(s.offsets) for s in shares}
    if len(groups) != 1:
        raise ProtocolError(f"offset shares of different lengths: {sorted(groups)}")
    return tuple(aggregate(s.offsets[g].ciphertext for s in shares) for g in range(groups.pop()))


def apply_offsets(
    counters: Sequence[Sequence[Ciphertext]], offsets: Sequence[Ciphertext]
) -> tuple[tuple[Ciphertext, ...], ...]:
    """``Enc(n_i + Delta_g)``: group ``g``'s offset added to every counter of the group
    (``counters[g]`` are the group's counters, ``offsets[g]`` its combined offset)."""
    if len(counters) != len(offsets):
        raise ProtocolError(f"{len(offsets)} offsets for {len(counters)} groups")
    return tuple(
        tuple(ct + offset for ct in group) for group, offset in zip(counters, offsets, strict=True)
    )


def consecutive_order(points: Sequence[Point]) -> tuple[int, ...]:
    """The indices of ``points`` (one group's decrypted ``(n_i + Delta)*G``) from the lowest
    counter to the highest; the last is the group's winner.

    Raise :class:`ProtocolError` unless the counters are distinct and consecutive: two
    equal points, several bottoms (a gap) or a walk that misses a point.
    """
    if not points:
        raise ProtocolError("a group without counters")
    index: dict[Point, int] = {}
    for i, p in enumerate(points):
        if p in index:
            raise ProtocolError(f"rows {index[p]} and {i} have the same counter")
        index[p] = i
    bottoms = [i for i, p in enumerate(points) if p - GENERATOR not in index]
    if len(bottoms) != 1:
        raise ProtocolError(
            f"the counters are not consecutive: {len(bottoms)} runs in a group of {len(points)}"
        )
    order = [bottoms[0]]
    p = points[bottoms[0]]
    for _ in range(len(points) - 1):
        p = p + GENERATOR
        nxt = index.get(p)
        if nxt is None:  # unreachable with one bottom and distinct points; kept as a guard
            raise ProtocolError("the counters are not consecutive")
        order.append(nxt)
    return tuple(order)
