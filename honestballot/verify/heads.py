"""Compare the tree heads several observers saw: two signed heads of one size with
different roots are proof that the board showed different boards (a split view).

The board key signs every head, so a pair of validly signed heads ``(n, root1)`` and
``(n, root2)`` with ``root1 != root2`` is evidence anyone can check with the board key
alone.  Only board-signed heads count: anyone could write a co-signature line, and a
head the board did not sign proves nothing about the board.

A board can also sign its two views' heads at sizes the other view never uses.  Given
whole records, the comparison therefore also rebuilds each record's Merkle tree and checks
every board-signed head of a size the record reaches against it: a head that is not a
prefix of a record is the same evidence.  Co-signature lines in the inputs are matched
against the conflicting heads, so a witness that co-signed both views is named.

Inputs are what observers already hold (docs/record-format.md §6): the
``/api/e/{id}/tree-heads`` listing, a saved tree head, an election record, or a witness's
evidence file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from honestballot.crypto.group import Point
from honestballot.crypto.merkle import MerkleTree, leaf_hash
from honestballot.errors import HonestBallotError
from honestballot.record.codec import canonical_bytes, decode_point
from honestballot.record.events import tree_head_from_json
from honestballot.record.witness import cosignature_from_json


@dataclass(frozen=True, slots=True)
class SeenHead:
    """A board-signed head as one source showed it."""

    source: str
    json: dict[str, Any]
    size: int
    root: bytes


@dataclass
class HeadComparison:
    election_id: str
    board_keys: dict[str, list[str]] = field(default_factory=dict)  # key hex -> sources
    heads: list[SeenHead] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    #: (source, the Merkle tree of its events) for every input that is a whole record
    records: list[tuple[str, MerkleTree]] = field(default_factory=list)
    #: (witness key hex, size, root) of every co-signature line in the inputs
    cosigned: set[tuple[str, int, bytes]] = field(default_factory=set)

    def not_in_records(self) -> list[tuple[SeenHead, str]]:
        """Board-signed heads that contradict a record: (head, record source)."""
        out = []
        for name, tree in self.records:
            for seen in self.heads:
                if seen.size <= tree.size and tree.root(seen.size) != seen.root:
                    out.append((seen, name))
        return out

    def witnesses_of(self, size: int, root: bytes) -> list[str]:
        return sorted(w for w, n, r in self.cosigned if n == size and r == root)

    def conflicts(self) -> list[tuple[SeenHead, SeenHead]]:
        """Pairs of heads of one size with different roots (one pair per root pair)."""
        by_size: dict[int, dict[bytes, SeenHead]] = {}
        for seen in self.heads:
            by_size.setdefault(seen.size, {}).setdefault(seen.root, seen)
        out: list[tuple[SeenHead, SeenHead]] = []
        for size in sorted(by_size):
            roots = list(by_size[size].values())
            out.extend((roots[0], other) for other in roots[1:])
        return out


def _heads(obj: Any) -> Iterable[Any]:
    """The tree-head values in one input."""
    if isinstance(obj, list):  # an election record's lines
        for line in obj:
            if isinstance(line, dict) and line.get("type") == "tree-head":
                yield line
        return
    if not isinstance(obj, dict):
        return
    if obj.get("type") == "tree-head":
        yield obj
    heads = obj.get("tree_heads")
    if isinstance(heads, list):
        yield from heads
    for key in ("tree_head", "cosigned_head", "conflicting_head", "head"):
        if isinstance(obj.get(key), dict):
            yield obj[key]


def _cosignatures(obj: Any) -> Iterable[Any]:
    if isinstance(obj, list):
        yield from (x for x in obj if isinstance(x, dict) and x.get("type") == "cosignature")
    elif isinstance(obj, dict) and isinstance(obj.get("cosignatures"), list):
        yield from obj["cosignatures"]


def compare_heads(
    election_id: str, board_key: Point, sources: list[tuple[str, Any]]
) -> HeadComparison:
    """Check every head in ``sources`` (name, parsed JSON) against ``board_key`` and
    collect them; :meth:`HeadComparison.conflicts` then names any split view."""
    result = HeadComparison(election_id)
    for name, obj in sources:
        if isinstance(obj, list):  # an election record: its events make the tree
            events = [
                canonical_bytes(line)
                for line in obj
                if isinstance(line, dict) and line.get("type") == "event"
            ]
            result.records.append((name, MerkleTree(leaf_hash(e) for e in events)))
        for line in _cosignatures(obj):
            try:
                c = cosignature_from_json(line, name)
            except HonestBallotError:
                continue
            result.cosigned.add((c.witness.hex(), c.head.size, c.head.root))
        if isinstance(obj, dict) and "board_key" in obj:
            result.board_keys.setdefault(str(obj["board_key"]), []).append(name)
        for value in _heads(obj):
            try:
                sth = tree_head_from_json(value, name)
                sth.verify(election_id, board_key)
            except HonestBallotError as exc:
                result.invalid.append(f"{name}: {exc}")
                continue
            result.heads.append(SeenHead(name, sth.to_json(), sth.head.size, sth.head.root))
    return result


def board_key_of(sources: list[tuple[str, Any]]) -> Point | None:
    """The board key the sources state, if they all state the same one."""
    keys: set[str] = set()
    for _, obj in sources:
        if isinstance(obj, dict) and "board_key" in obj:
            keys.add(str(obj["board_key"]))
        elif isinstance(obj, list):  # a record: its setup event names the board key
            for line in obj:
                if isinstance(line, dict) and line.get("kind") == "setup":
                    body = line.get("body")
                    if isinstance(body, dict) and "board_key" in body:
                        keys.add(str(body["board_key"]))
    if len(keys) != 1:
        return None
    return decode_point(keys.pop(), "board_key")
