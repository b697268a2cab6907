"""The board's log: its Merkle tree, signed tree heads, proofs, and the record export.

Every event is a leaf of an RFC 9162 Merkle tree (docs/record-format.md §6).  Each
process keeps its own copy of an election's tree, extended from the store's leaf hashes
on use, so nothing here is shared between processes but the store.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator

from honestballot.crypto.group import Scalar, base_mul
from honestballot.crypto.merkle import MerkleTree
from honestballot.crypto.randomness import Randomness
from honestballot.errors import ProtocolError
from honestballot.record.codec import canonical_bytes
from honestballot.record.events import (
    RECORD_VERSION,
    SignedTreeHead,
    sign_tree_head,
    tree_head_from_json,
)
from honestballot.store.sql import SqlStore


class BoardLog:
    """The tree heads and proofs of the boards in one store."""

    def __init__(self, store: SqlStore, rng: Randomness, clock: Callable[[], int]) -> None:
        self.store = store
        self.rng = rng
        self.clock = clock
        self._trees: dict[str, MerkleTree] = {}
        self._tree_lock = threading.Lock()

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
            raise ProtocolError(f"no election {election_id!r} in this store")
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

    def inclusion_proof(
        self, election_id: str, seq: int, *, sign_after_ms: int | None = 0
    ) -> tuple[SignedTreeHead, list[bytes]] | None:
        """A signed tree head covering entry ``seq`` and the entry's inclusion proof.

        If the latest head does not reach the entry yet, a new head is signed when the
        latest is at least ``sign_after_ms`` old (0: always); otherwise, or with
        ``None``, the answer is None: the entry will be in the next periodic head.  This
        bounds how often voters' receipt checks can make the board sign."""
        latest = self.store.latest_tree_head_line(election_id)
        sth = tree_head_from_json(json.loads(latest[1]), "tree head") if latest else None
        if sth is None or sth.head.size <= seq:
            old_enough = sth is None or (
                sign_after_ms is not None and self.clock() - sth.head.timestamp_ms >= sign_after_ms
            )
            if not old_enough:
                return None
            sth = self.publish_tree_head(election_id)
        tree = self.tree(election_id)
        return sth, tree.inclusion_proof(seq, sth.head.size)

    def consistency_proof(self, election_id: str, old_size: int, new_size: int) -> list[bytes]:
        return self.tree(election_id).consistency_proof(old_size, new_size)

    def latest_tree_head(self, election_id: str) -> dict[str, object]:
        latest = self.store.latest_tree_head_line(election_id)
        if latest is None:
            raise ProtocolError("no tree head published yet")
        return dict(json.loads(latest[1]))

    def export_record(self, election_id: str, path: str) -> int:
        """Write the election record (JSON Lines): header, events, tree heads in order."""
        with open(path, "wb") as out:
            out.writelines(self.record_lines(election_id))
        return self.tree(election_id).size

    def record_lines(self, election_id: str, *, fresh: bool = True) -> Iterator[bytes]:
        """The election record line by line, ending with a signed tree head that covers
        everything in it.  ``fresh`` signs a head now (an export); otherwise the record
        stops at the latest head already signed (the web service signs one every few
        seconds, so a download never takes the election's lock)."""
        latest = None if fresh else self.store.latest_tree_head_line(election_id)
        final = latest[0] if latest is not None else self.publish_tree_head(election_id).head.size
        heads = dict(self.store.tree_head_lines(election_id))
        header = {"type": "election-record", "version": RECORD_VERSION, "election_id": election_id}
        yield canonical_bytes(header) + b"\n"
        for ev in self.store.iter_events(election_id):
            if ev.seq >= final:
                break
            yield ev.line + b"\n"
            if ev.seq + 1 in heads:
                yield canonical_bytes(json.loads(heads[ev.seq + 1])) + b"\n"
