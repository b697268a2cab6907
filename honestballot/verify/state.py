"""What a verifier checked in full on an earlier download of a board, so that it need not
check it again (``honestballot trustee close-round``'s verified-state file,
docs/trustees.md, docs/coercion.md §5.2).

A record whose first ``size`` events hash to ``root`` (the Merkle root of RFC 9162 that
the board's tree heads sign, crypto/merkle.py) holds, byte for byte, the events that were
verified: their proofs verified then and verify now.  So :func:`verify_record
<honestballot.verify.verifier.verify_record>` given a :class:`VerifiedState` first checks
that the record is that election and that its first ``size`` events hash to ``root``
(else it refuses the record: another election, or a board that rewrote its history or
shows this verifier another one than before, a split view), and then checks only the
proofs of the events after them: the registrations', cast rows', padding's and audited
ballots' proofs, and those of the close's objects it did not take before.  Everything
else (the log, the witnesses, the board's rules, the close's lists, combinations and
decryptions, the result) is checked over the whole record again, as without a state.
"""

from __future__ import annotations

from dataclasses import dataclass

from honestballot.crypto.merkle import MerkleTree


@dataclass(frozen=True, slots=True)
class VerifiedState:
    """A record checked in full, and every check passed: its election, its size and root,
    and how far its close was read."""

    election_id: str
    base_hash: bytes
    #: the number of events, and the Merkle root over them (the last tree head's)
    size: int
    root: bytes
    #: the close's objects read (positions ``0 … close_read - 1``, in board order), and
    #: of those the ones not taken (each named as a failure with a remedy): the proofs of
    #: the others were checked
    close_read: int = 0
    close_ignored: tuple[int, ...] = ()

    @property
    def proven(self) -> frozenset[int]:
        """The positions of the close's objects whose proofs were checked, and passed."""
        return frozenset(range(self.close_read)) - frozenset(self.close_ignored)


def inconsistency(
    known: VerifiedState, election_id: str, base_hash: bytes, tree: MerkleTree
) -> str | None:
    """Why a record (its election, and the Merkle tree of its events) cannot extend the
    record ``known`` describes, or None if it does."""
    if known.base_hash != base_hash or known.election_id != election_id:
        return (
            f"the verified state is of election {known.election_id!r} (base hash "
            f"{known.base_hash.hex()[:16]}…), this record of election {election_id!r} (base "
            f"hash {base_hash.hex()[:16]}…): another election's state"
        )
    if tree.size < known.size:
        return (
            f"the record holds {tree.size} events, fewer than the {known.size} verified before: "
            "an older download, or a board that dropped events it had signed"
        )
    if tree.root(known.size) != known.root:
        return (
            f"the record's first {known.size} events do not hash to the root verified before "
            f"({known.root.hex()[:16]}…): the board rewrote its history, or shows this "
            "verifier another board than before (a split view)"
        )
    return None
