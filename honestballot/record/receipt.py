"""One board event with its inclusion proof under a witnessed tree head, and a
commission's receipt of its paper upload (docs/record-format.md §6, "A commission's
receipt"; docs/paper.md).

``GET /api/e/{id}/events/{seq}/proof`` answers (``"status": "included"``)::

    {"seq": n, "kind": K, "event_line": text (the event's line as the record holds it),
     "inclusion_proof": [hex, ...], "tree_head": tree-head line,
     "cosignatures": [cosignature line, ...]}

A commission's receipt (``honestballot commission upload`` and ``receipt``) is that
proof of its ``paper`` event, kept::

    {"type": "paper-receipt", "version": 1, "election_id": id, "base_hash": hex,
     "unit": id, "sequence": n, "digest": hex (the upload's paper_digest),
     "seq": n, "event_line": text, "inclusion_proof": [hex, ...],
     "tree_head": tree-head line, "cosignatures": [cosignature line, ...]}

:func:`check_event_proof` checks such a proof against the setup's board keys: the line
is the event at that position, the head is signed by the board key and co-signed by the
witnesses' quorum (with quorum 0 the board key's word only), the proof leads from the
line's leaf hash to the head's root.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from honestballot.crypto.merkle import leaf_hash, verify_consistency, verify_inclusion
from honestballot.errors import HonestBallotError, ProtocolError
from honestballot.protocol.witnesses import BoardKeys, check_quorum
from honestballot.record.codec import (
    JsonObject,
    Reader,
    canonical_bytes,
    decode_hex,
    parse_json,
    read_version,
)
from honestballot.record.events import (
    MAX_LINE_BYTES,
    EventLine,
    SignedTreeHead,
    event_from_json,
    tree_head_from_json,
)
from honestballot.record.witness import Cosignature, cosignature_from_json

RECEIPT_VERSION: Final = 1
#: an inclusion proof has at most one hash per level of a tree of 2^64 leaves
MAX_PROOF_HASHES: Final = 64


@dataclass(frozen=True, slots=True)
class EventProof:
    """Event ``seq``'s line, and its inclusion proof under a head and its co-signatures."""

    seq: int
    line: bytes
    head: SignedTreeHead
    cosignatures: tuple[Cosignature, ...]
    proof: tuple[bytes, ...]

    def to_json(self) -> JsonObject:
        return {
            "seq": self.seq,
            "event_line": self.line.decode("utf-8"),
            "inclusion_proof": [p.hex() for p in self.proof],
            "tree_head": self.head.to_json(),
            "cosignatures": [c.to_json() for c in self.cosignatures],
        }


def _read_proof(r: Reader) -> EventProof:
    seq = r.integer("seq", minimum=0)
    line = r.text("event_line", max_len=MAX_LINE_BYTES).encode("utf-8")
    proof = tuple(
        decode_hex(p, f"{r.path}.inclusion_proof[{i}]", 32)
        for i, p in enumerate(r.array("inclusion_proof", max_items=MAX_PROOF_HASHES))
    )
    head = tree_head_from_json(r.raw("tree_head"), f"{r.path}.tree_head")
    cosignatures = tuple(r.items("cosignatures", cosignature_from_json, max_items=1000))
    return EventProof(seq, line, head, cosignatures, proof)


def event_proof_from_json(value: Any, path: str = "the board's answer") -> EventProof:
    """An event's proof as ``GET /api/e/{id}/events/{seq}/proof`` answers it (members it
    does not read, such as ``status`` and ``kind``, are left alone: ``kind`` is read from
    the line itself)."""
    return _read_proof(Reader(value, path))


def check_event_proof(
    found: EventProof, election_id: str, base_hash: bytes, keys: BoardKeys
) -> EventLine:
    """The event ``found`` proves on the board of ``election_id``; :class:`ProtocolError`
    saying what does not hold: a line that is not the event at that position, a head not
    signed by the board key or not co-signed by the quorum of the setup's witnesses, a
    proof that does not lead to the head's root."""
    size = found.head.head.size
    where = f"event {found.seq} of the board"
    try:
        value = parse_json(found.line, limit=MAX_LINE_BYTES, what="event line")
        event = event_from_json(value, "event line")
    except HonestBallotError as exc:
        raise ProtocolError(f"the board's line for {where} is not an event line: {exc}") from None
    if canonical_bytes(value) != found.line:
        raise ProtocolError(f"the board's line for {where} is not in canonical form")
    if event.seq != found.seq:
        raise ProtocolError(f"the board answered with event {event.seq} ({event.kind}) for {where}")
    if found.seq >= size:
        raise ProtocolError(f"the tree head of size {size} does not reach {where}")
    try:
        found.head.verify(election_id, keys.board_key)
    except HonestBallotError as exc:
        raise ProtocolError(f"the tree head is not signed by the board's key: {exc}") from None
    try:
        for cosig in found.cosignatures:
            if cosig.head != found.head.head:
                raise ProtocolError(
                    f"a co-signature is of another tree head (size {cosig.head.size}) than "
                    f"the one of size {size}"
                )
            cosig.verify(base_hash, election_id, keys)
        check_quorum(keys, [c.witness for c in found.cosignatures], f"the tree head of size {size}")
    except HonestBallotError as exc:
        raise ProtocolError(
            f"the tree head of size {size} is not witnessed as the setup asks: {exc}"
        ) from None
    try:
        verify_inclusion(leaf_hash(found.line), found.seq, size, found.proof, found.head.head.root)
    except HonestBallotError as exc:
        raise ProtocolError(
            f"the inclusion proof of {where} does not lead to the root of the tree head of "
            f"size {size}: {exc}"
        ) from None
    return event


def check_extends(old: SignedTreeHead, new: SignedTreeHead, proof: Sequence[bytes]) -> None:
    """:class:`ProtocolError` unless the tree of ``new`` extends the tree of ``old`` (an
    RFC 9162 consistency proof; both heads checked by the caller)."""
    try:
        verify_consistency(old.head.size, new.head.size, old.head.root, new.head.root, proof)
    except HonestBallotError as exc:
        raise ProtocolError(
            f"the board's tree head of size {new.head.size} does not extend the one of size "
            f"{old.head.size}: {exc}"
        ) from None


@dataclass(frozen=True, slots=True)
class PaperReceipt:
    """A commission's receipt: its ``paper`` event proved under a witnessed head."""

    election_id: str
    base_hash: bytes
    unit: str
    sequence: int
    digest: bytes
    proof: EventProof

    def to_json(self) -> JsonObject:
        return {
            "type": "paper-receipt",
            "version": RECEIPT_VERSION,
            "election_id": self.election_id,
            "base_hash": self.base_hash.hex(),
            "unit": self.unit,
            "sequence": self.sequence,
            "digest": self.digest.hex(),
            **self.proof.to_json(),
        }


def receipt_from_json(value: Any, path: str = "receipt") -> PaperReceipt:
    r = Reader(value, path)
    read_version(r, "paper-receipt", RECEIPT_VERSION)
    receipt = PaperReceipt(
        election_id=r.text("election_id", max_len=64),
        base_hash=r.hexbytes("base_hash", 32),
        unit=r.text("unit", max_len=64),
        sequence=r.integer("sequence", minimum=1),
        digest=r.hexbytes("digest", 32),
        proof=_read_proof(r),
    )
    r.done()
    return receipt
