"""The board's log: its Merkle tree, signed tree heads, the witnesses' co-signatures,
proofs, and the record export.

Every event is a leaf of an RFC 9162 Merkle tree (docs/record-format.md §6).  Each
process keeps its own copy of an election's tree, extended from the store's leaf hashes
on use, so nothing here is shared between processes but the store.

When the setup names witnesses, what the board shows voters and observers as final is
the latest *witnessed* head (co-signed by the quorum): inclusion proofs are given
against it and the record stops at it, so nobody is asked to trust a head that only the
server has signed.
"""

from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from honestballot.crypto.group import Scalar, base_mul
from honestballot.crypto.merkle import MerkleTree
from honestballot.crypto.randomness import Randomness
from honestballot.errors import ProtocolError, Text
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.witnesses import (
    SCHEDULED_KINDS,
    BoardKeys,
    BoardTimes,
    WitnessedTime,
    receipt_time_problem,
)
from honestballot.record.codec import canonical_bytes, parse_json
from honestballot.record.events import (
    RECORD_VERSION,
    SignedTreeHead,
    sign_tree_head,
    tree_head_from_json,
)
from honestballot.record.witness import Cosignature, cosignature_from_json
from honestballot.store.sql import SqlStore, Tx


def no_election(election_id: str) -> Text:
    """What a request naming an election this server does not hold is told."""
    return Text(
        "election.unknown", f"no election {election_id!r} in this store", election=election_id[:64]
    )


def setup_body(store: SqlStore, conn: Tx, election_id: str) -> Any:
    """The body of the election's ``setup`` event (its first); a ``ProtocolError`` saying
    :func:`no_election` if the store holds none."""
    setup = store.event_at(conn, election_id, 0)
    if setup is None or setup.kind != "setup":
        raise ProtocolError(no_election(election_id))
    return parse_json(setup.line, limit=1 << 28)["body"]


@dataclass(frozen=True, slots=True)
class WitnessedHead:
    """A signed tree head and the co-signatures it carries (none if the setup names no
    witnesses)."""

    head: SignedTreeHead
    cosignatures: tuple[Cosignature, ...]


@dataclass(frozen=True, slots=True)
class Inclusion:
    """An entry's inclusion proof against a head the board shows as final."""

    witnessed: WitnessedHead
    proof: list[bytes]


class BoardLog(ABC):
    """The tree heads and proofs of the boards in one store (the base of
    :class:`~honestballot.service.board.election.ElectionService`)."""

    def __init__(self, store: SqlStore, rng: Randomness, clock: Callable[[], int]) -> None:
        self.store = store
        self.rng = rng
        self.clock = clock
        self._trees: dict[str, MerkleTree] = {}
        self._tree_lock = threading.Lock()

    # the election service provides these, reading them from the setup event
    @abstractmethod
    def context(self, election_id: str) -> ElectionContext: ...

    @abstractmethod
    def board_keys(self, election_id: str) -> BoardKeys: ...

    def tree(self, election_id: str) -> MerkleTree:
        """The board's Merkle tree as far as the store has it, extended incrementally."""
        with self._tree_lock:
            tree = self._trees.get(election_id)
            if tree is None:
                tree = self._trees[election_id] = MerkleTree()
            for leaf in self.store.leaf_hashes(election_id, start=tree.size):
                tree.append_hash(leaf)
            return tree

    def publish_tree_head(self, election_id: str) -> SignedTreeHead:
        """Sign the current tree head with the board key and store it.

        Several processes (and the signer thread beside request threads) may do this at
        once, so the decision is taken under the election's lock: a head is stored only
        if it is larger than every stored one, and never with an earlier time than the
        latest (otherwise that latest head, at least as large, is returned).  Heads thus
        never go back in size or time, and a size is signed once."""
        tree = self.tree(election_id)
        size = tree.size
        with self.store.connect() as conn:
            row = self.store.election_row(conn, election_id)
        if row is None:
            raise ProtocolError(no_election(election_id))
        existing = self.store.tree_head_line(election_id, size)
        if existing is not None:
            return tree_head_from_json(json.loads(existing), "tree head")
        secret = Scalar.decode(bytes.fromhex(row["board_secret"]))
        with self.store.transaction(election_id) as conn:
            latest = self.store.latest_tree_head_line_in(conn, election_id)
            floor_ms = 0
            if latest is not None:
                stored = tree_head_from_json(json.loads(latest[1]), "tree head")
                if latest[0] >= size:
                    return stored
                floor_ms = stored.head.timestamp_ms
            with self._tree_lock:
                head = tree.tree_head(size, max(self.clock(), floor_ms))
            sth = sign_tree_head(head, election_id, secret, base_mul(secret), self.rng)
            self.store.insert_tree_head(conn, election_id, size, json.dumps(sth.to_json()))
        return sth

    def add_cosignature(self, election_id: str, value: Any) -> bool:
        """Publish a witness's co-signature of one of the board's heads; False if that
        witness had already co-signed that head.  Refused (nothing stored): a key the
        setup does not name, a head the board never signed, a head that differs from
        the board's of that size, a signature that does not verify, and a new one whose
        ``witnessed_ms`` is far from this service's clock or contradicts the board's times
        (:meth:`receipt_problem`): one witness's wrong clock, or lie, would otherwise make
        the record fail ``log.witness-times`` for good."""
        cosig = cosignature_from_json(value, "co-signature")
        keys = self.board_keys(election_id)
        witness = keys.witness(cosig.witness)
        stored = self.store.tree_head_line(election_id, cosig.head.size)
        if stored is None:
            raise ProtocolError(  # English only: a co-signature, sent by honestballot witness
                f"the board has signed no tree head of size {cosig.head.size}"
            )
        if tree_head_from_json(json.loads(stored), "tree head").head != cosig.head:
            raise ProtocolError(  # English only: a co-signature, sent by honestballot witness
                f"witness {witness.name!r} co-signed another head of size {cosig.head.size} "
                "than the one this board signed"
            )
        cosig.verify(self.context(election_id).base_hash, election_id, keys)
        line = json.dumps(cosig.to_json())
        size, witness_key = cosig.head.size, cosig.witness.data
        with self.store.connect() as conn:  # each witness posts its last one at every poll:
            if self.store.has_cosignature(conn, election_id, size, witness_key):
                return False  # answered without the election's lock, which casts take
        # under the election's lock, as every append: an append's transaction stamps its
        # events with the time it began, so a co-signature checked outside the lock could
        # be stored while an append stamped earlier than the witness saw the head commits
        with self.store.transaction(election_id) as conn:
            if self.store.has_cosignature(conn, election_id, size, witness_key):
                return False  # posted again (the witness does, while the head stays the same)
            problem = self.receipt_problem(conn, election_id, witness.name, cosig)
            if problem:
                raise ProtocolError(  # English only: a co-signature, sent by honestballot witness
                    f"co-signature of witness {witness.name!r} refused: {problem}"
                )
            return self.store.insert_cosignature(conn, election_id, size, witness_key, line)

    def receipt_problem(self, conn: Tx, election_id: str, name: str, cosig: Cosignature) -> str:
        """Why ``cosig``, arriving now, must be refused ("" if not): protocol/witnesses.py's
        :func:`~honestballot.protocol.witnesses.receipt_time_problem`, which argues why the
        record then never fails ``log.witness-times`` on the co-signatures stored (read in
        ``conn``, under the election's lock)."""
        before, after, head_line = self.store.times_around(
            conn, election_id, cosig.head.size, SCHEDULED_KINDS
        )
        head_after = (
            tree_head_from_json(json.loads(head_line), "tree head").head.timestamp_ms
            if head_line is not None
            else None
        )
        seen = WitnessedTime(name, cosig.head.size, cosig.head.timestamp_ms, cosig.witnessed_ms)
        return receipt_time_problem(seen, self.clock(), BoardTimes(before, after, head_after))

    def cosignatures(self, election_id: str, size: int | None = None) -> list[Cosignature]:
        return [
            cosignature_from_json(json.loads(line), "co-signature")
            for _, line in self.store.cosignature_lines(election_id, size)
        ]

    def witnessed_head(self, election_id: str) -> WitnessedHead | None:
        """The latest head co-signed by the quorum with its co-signatures (with no
        witnesses named: the latest head); None if there is none yet."""
        quorum = self.board_keys(election_id).quorum
        if quorum == 0:
            latest = self.store.latest_tree_head_line(election_id)
            if latest is None:
                return None
            return WitnessedHead(tree_head_from_json(json.loads(latest[1]), "tree head"), ())
        size = self.store.witnessed_size(election_id, quorum)
        if size is None:
            return None
        line = self.store.tree_head_line(election_id, size)
        assert line is not None  # a co-signature is stored only for a head the board signed
        head = tree_head_from_json(json.loads(line), "tree head")
        return WitnessedHead(head, tuple(self.cosignatures(election_id, size)))

    def inclusion_proof(
        self, election_id: str, seq: int, *, sign_after_ms: int | None = 0
    ) -> Inclusion | None:
        """Entry ``seq``'s inclusion proof against the latest witnessed head.

        With no witnesses named, if the latest head does not reach the entry yet, a new
        head is signed when the latest is at least ``sign_after_ms`` old (0: always);
        otherwise, or with ``None``, the answer is None: the entry will be in the next
        periodic head.  This bounds how often voters' receipt checks can make the board
        sign.  With witnesses, the answer is None until the quorum has co-signed a head
        that reaches the entry."""
        found = self.witnessed_head(election_id)
        if self.board_keys(election_id).quorum:
            if found is None or found.head.head.size <= seq:
                return None
        elif found is None or found.head.head.size <= seq:
            sth = found.head if found is not None else None
            old_enough = sth is None or (
                sign_after_ms is not None and self.clock() - sth.head.timestamp_ms >= sign_after_ms
            )
            if not old_enough:
                return None
            found = WitnessedHead(self.publish_tree_head(election_id), ())
        tree = self.tree(election_id)
        return Inclusion(found, tree.inclusion_proof(seq, found.head.head.size))

    def consistency_proof(self, election_id: str, old_size: int, new_size: int) -> list[bytes]:
        return self.tree(election_id).consistency_proof(old_size, new_size)

    def latest_tree_head(self, election_id: str) -> dict[str, object]:
        latest = self.store.latest_tree_head_line(election_id)
        if latest is None:
            raise ProtocolError(Text("log.no_head", "no tree head published yet"))
        return dict(json.loads(latest[1]))

    def export_record(self, election_id: str, path: str) -> int:
        """Write the election record (JSON Lines): header, events, tree heads in order."""
        with open(path, "wb") as out:
            out.writelines(self.record_lines(election_id))
        return self.tree(election_id).size

    def record_lines(
        self, election_id: str, *, fresh: bool = True, witnessed_only: bool = True
    ) -> Iterator[bytes]:
        """The election record line by line, ending with the latest witnessed head (with
        no witnesses named: the latest head) and its co-signatures.  ``fresh`` first signs
        a head of the whole board (an export; witnesses co-sign it on their next poll);
        otherwise nothing is signed, so a download never takes the election's lock.
        Without ``witnessed_only`` the record runs to the latest signed head even when the
        witnesses have not co-signed it (when witnesses stopped: such a record verifies
        only with ``verify --without-witness-quorum``, which says so)."""
        if fresh:
            self.publish_tree_head(election_id)
        witnessed = self.witnessed_head(election_id) if witnessed_only else None
        if witnessed is None:  # none co-signed yet, or not asked for: the latest head
            latest = self.store.latest_tree_head_line(election_id)
            final = (
                latest[0] if latest is not None else self.publish_tree_head(election_id).head.size
            )
        else:
            final = witnessed.head.head.size
        heads = dict(self.store.tree_head_lines(election_id))
        cosigs: dict[int, list[bytes]] = {}
        for size, line in self.store.cosignature_lines(election_id):
            if size <= final:
                cosigs.setdefault(size, []).append(canonical_bytes(json.loads(line)) + b"\n")
        header = {"type": "election-record", "version": RECORD_VERSION, "election_id": election_id}
        yield canonical_bytes(header) + b"\n"
        for ev in self.store.iter_events(election_id):
            if ev.seq >= final:
                break
            yield ev.line + b"\n"
            if ev.seq + 1 in heads:
                yield canonical_bytes(json.loads(heads[ev.seq + 1])) + b"\n"
                yield from cosigs.get(ev.seq + 1, [])
