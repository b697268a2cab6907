"""The distributed plaintext-equivalence test: do two point ciphertexts hold one point?

docs/coercion.md §5, "Test equality"; the close uses it to compare each winner's
``Enc(sigma)`` with its registration's (step 6, ``close.credential``).  For a pair of
ciphertexts ``A``, ``B`` under the election key ``H``, of the points ``M_A``, ``M_B``, let
``D = A - B = (alpha, beta)``, an encryption of ``M_A - M_B``.

**1. Blinding shares.**  Each participating trustee ``j`` draws a fresh secret
``z_j != 0`` for the pair and publishes ``Z_j = z_j*G`` and ``(z_j*alpha, z_j*beta)``
with the three-base Chaum--Pedersen proof of
:func:`~honestballot.crypto.chaum_pedersen.prove_equal_powers` (the proof of a tag share)
that one exponent, ``log_G(Z_j)``, links all three pairs::

    e = H("equivalence-share", ctx..., j, i, A, B, Z_j, alpha, beta, z_j*alpha, z_j*beta,
          R_0, R_1, R_2)

The caller's context starts with the election's base hash and names the list of pairs
(e.g. the hashes of the two mixed lists it compares); the challenge adds the trustee, the
pair's row and both ciphertexts of the pair, not only their difference.  Anyone computes
``D`` from the pair, so the share is not a ciphertext its maker chose.

**2. Combination: a sum.**  The verified shares of the participating trustees ``S`` are
**added**, not Lagrange-combined: each ``z_j`` is an independent secret, not a share of
one, so::

    sum_{j in S} (z_j*alpha, z_j*beta) = (z*alpha, z*beta) = Enc(z*(M_A - M_B)),
    z = sum_{j in S} z_j

(:func:`combine_equivalence_shares`).  ``S`` must hold at least ``k`` distinct trustees:
under the threshold assumption (fewer than ``k`` dishonest) one of them is honest, its
``z_j`` is uniform and unknown to the others, and so is ``z``.  The proof is a proof of
knowledge, so a trustee who publishes after the others cannot choose its share to cancel
theirs: that would need ``z_j = -(sum of the others)``, which it does not know.

**3. Decryption.**  ``k`` trustees decrypt the sum as any list is decrypted
(:mod:`honestballot.crypto.partial_decryption`), giving ``z*(M_A - M_B)``:

* equal plaintexts: the identity, whatever ``z`` (:func:`plaintexts_equal`);
* different ones: ``z*(M_A - M_B)`` for a uniform ``z``, which is the identity only when
  ``z = 0`` (probability ``1/L``), and otherwise a uniform point that says nothing of
  ``M_A - M_B``.  Without the blinding, decrypting ``D`` would publish ``M_A - M_B``, and
  for two voting points ``(c_A - c_B)*P``: a relation between credentials.

Blinding needs all of ``S`` (a share left out of the sum is a trustee that did not take
part); the decryption needs ``k`` of the ``n`` key holders, who may be other trustees.

**Reusing ``z_j``.**  A trustee that uses one exponent for two pairs (the same ``Z_j``
appears in both entries) makes valid shares, and the verifier does not refuse them: the
test stays correct.  It gives away only its own contribution to the blinding: two pairs
whose differences have a known relation, say the same two points compared twice, then get
results with that relation only if *every* trustee in ``S`` reused its exponent.  One
honest trustee drawing a fresh ``z_j`` per pair, which :func:`create_equivalence_share`
does, keeps the results of different pairs independent.

**Cost, per pair and per trustee** (counted by benchmarks/bench_tagging.py):

==========================  ======================================  =====================
step                        make                                    verify
==========================  ======================================  =====================
equivalence share           1 fixed (``Z_j``) + 2 var + 1 fixed +   1 fixed + 5 var = 6
                            2 var (3 commitments) = 6
combination (everyone)      --                                      additions only
decryption factor           1 fixed + 2 var = 3                     1 fixed + 3 var = 4
decryption combination      --                                      ``k`` var
==========================  ======================================  =====================

So a test costs each trustee 6 + 3 = 9 multiplications per pair, and a verifier
``6k + 4k + k = 11k`` (33 for ``k = 3``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from honestballot.crypto.chaum_pedersen import (
    EqualityProof,
    prove_equal_powers,
    verify_equal_powers,
)
from honestballot.crypto.elgamal import Ciphertext, aggregate
from honestballot.crypto.group import Point, Scalar, base_mul
from honestballot.crypto.hashing import Part
from honestballot.crypto.polynomial import check_indices, check_share_shape
from honestballot.crypto.randomness import Randomness, random_nonzero_scalar
from honestballot.errors import InvalidProof, ProtocolError

EQUIVALENCE_SHARE_TAG: Final = "equivalence-share"

#: ``(A, B)``: the two point ciphertexts a test compares.
Pair = tuple[Ciphertext, Ciphertext]


@dataclass(frozen=True, slots=True)
class EquivalenceEntry:
    """One trustee's blinding of one pair: ``Z_j = z_j*G``, ``z_j*(A - B)`` and its proof."""

    commitment: Point
    share: Ciphertext
    proof: EqualityProof


@dataclass(frozen=True, slots=True)
class EquivalenceShare:
    """Trustee ``trustee``'s blinding of a list of pairs: one entry per pair, in order."""

    trustee: int
    entries: tuple[EquivalenceEntry, ...]


def difference(pair: Pair) -> Ciphertext:
    """``A - B``: an encryption of ``M_A - M_B`` (2 point subtractions)."""
    a, b = pair
    return a - b


def _context(context: tuple[Part, ...], trustee: int, row: int, pair: Pair) -> tuple[Part, ...]:
    a, b = pair
    return (*context, trustee, row, a.alpha, a.beta, b.alpha, b.beta)


def prove_equivalence_entry(
    context: tuple[Part, ...],
    trustee: int,
    row: int,
    pair: Pair,
    exponent: Scalar,
    rng: Randomness,
) -> EquivalenceEntry:
    """Trustee ``trustee``'s blinding of the pair in row ``row`` with the secret
    ``exponent`` (``z_j``, non-zero; draw a fresh one per pair, see the module docstring)."""
    if exponent.is_zero():
        raise ProtocolError(f"row {row}: a blinding exponent of zero blinds nothing")
    commitment = base_mul(exponent)
    share, proof = prove_equal_powers(
        EQUIVALENCE_SHARE_TAG,
        _context(context, trustee, row, pair),
        exponent,
        commitment,
        difference(pair),
        rng,
    )
    return EquivalenceEntry(commitment, share, proof)


def verify_equivalence_entry(
    context: tuple[Part, ...],
    trustee: int,
    row: int,
    pair: Pair,
    entry: EquivalenceEntry,
    what: str,
) -> None:
    """Raise :class:`InvalidProof` naming ``what`` unless ``entry.share`` is proven to be
    ``z_j*(A - B)`` for the ``z_j`` of ``entry.commitment`` (which is not the identity)."""
    if entry.commitment.is_identity():
        raise InvalidProof(f"{what}: the blinding commitment is the identity")
    verify_equal_powers(
        EQUIVALENCE_SHARE_TAG,
        _context(context, trustee, row, pair),
        entry.commitment,
        difference(pair),
        entry.share,
        entry.proof,
        what,
        "equivalence share",
    )


def create_equivalence_share(
    context: tuple[Part, ...],
    trustee: int,
    pairs: Sequence[Pair],
    rng: Randomness,
) -> EquivalenceShare:
    """Trustee ``trustee``'s blinding of every pair, each with a fresh exponent (6
    multiplications a pair)."""
    check_indices([trustee])
    return EquivalenceShare(
        trustee,
        tuple(
            prove_equivalence_entry(context, trustee, i, pair, random_nonzero_scalar(rng), rng)
            for i, pair in enumerate(pairs)
        ),
    )


def verify_equivalence_share(
    context: tuple[Part, ...], pairs: Sequence[Pair], share: EquivalenceShare
) -> None:
    """Raise :class:`InvalidProof` naming the trustee and the first bad pair unless every
    entry of ``share`` is proven for its pair (6 multiplications a pair)."""
    who = f"equivalence share of trustee {share.trustee}"
    check_share_shape(who, share.trustee, len(share.entries), len(pairs), "pairs")
    for i, (pair, entry) in enumerate(zip(pairs, share.entries, strict=True)):
        verify_equivalence_entry(context, share.trustee, i, pair, entry, f"{who}, pair {i}")


def sum_equivalence_entries(entries: Sequence[EquivalenceEntry]) -> Ciphertext:
    """``(z*alpha, z*beta)`` for one pair: the sum of its verified entries, one per
    participating trustee (the caller checks who they are; see
    :func:`combine_equivalence_shares`)."""
    if not entries:
        raise ProtocolError("no equivalence entries to sum")
    return aggregate(e.share for e in entries)


def combine_equivalence_shares(
    shares: Sequence[EquivalenceShare], threshold: int, trustees: int | None = None
) -> tuple[Ciphertext, ...]:
    """``Enc(z_i*(M_A - M_B))`` for every pair ``i``: the **sum** of the shares of at least
    ``threshold`` distinct trustees (all given shares are used), ready for decryption.

    The shares must already have passed :func:`verify_equivalence_share`; this function
    only checks their number, indices (``1..trustees`` when given, no duplicates) and
    lengths, raising :class:`ProtocolError`.  No multiplications.
    """
    if threshold < 1:
        raise ProtocolError(f"the threshold must be at least 1, got {threshold}")
    if len(shares) < threshold:
        raise ProtocolError(
            f"{len(shares)} equivalence share(s) given, the threshold is {threshold}"
        )
    check_indices([s.trustee for s in shares], trustees)
    rows = {len(s.entries) for s in shares}
    if len(rows) != 1:
        raise ProtocolError(f"equivalence shares of different lengths: {sorted(rows)}")
    return tuple(sum_equivalence_entries([s.entries[i] for s in shares]) for i in range(rows.pop()))


def plaintexts_equal(decrypted: Point) -> bool:
    """The test's answer from the decrypted sum ``z*(M_A - M_B)``: equal iff the identity."""
    return decrypted.is_identity()
