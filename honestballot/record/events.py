"""Board events and signed tree heads as they appear in the election record.

An event line is ``{"type": "event", "seq": i, "time_ms": t, "kind": K, "body": {...}}``
and the Merkle leaf for event ``i`` is ``leaf_hash(canonical_bytes(line))``.  A
tree head line is ``{"type": "tree-head", "size", "root", "timestamp_ms",
"signature": {"c", "s"}}``, signed with the board key over
``TreeHead.signing_bytes(log_id)`` where ``log_id = b"honestballot:" + election_id``.

The body of each kind is documented in docs/record-format.md; :func:`board_event`
turns a parsed line into the typed event the board rules replay.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from honestballot.crypto.group import Point, Scalar
from honestballot.crypto.merkle import TreeHead
from honestballot.crypto.randomness import Randomness
from honestballot.crypto.schnorr import SchnorrProof, sign, verify_signature
from honestballot.errors import RecordFormatError
from honestballot.protocol import board
from honestballot.protocol.ballot import alphas
from honestballot.protocol.ballot_v2 import ballot_alphas, cast_row_alphas
from honestballot.protocol.manifest import MAX_UNITS
from honestballot.protocol.mix_parts import MAX_PART_CELLS
from honestballot.protocol.paper import paper_digest
from honestballot.protocol.registration import registration_alphas
from honestballot.protocol.schedule import MAX_BATCH_ITEMS
from honestballot.record.ballot import ballot_from_json, schnorr_from_json, spoiled_from_json
from honestballot.record.codec import JsonObject, Reader, canonical_bytes, decode_hex
from honestballot.record.manifest import manifest_from_json
from honestballot.record.paper import unsigned_body, upload_from_json
from honestballot.record.revoting import (
    ballot_v2_from_json,
    cast_row_from_json,
    padding_from_json,
    registration_from_json,
)
from honestballot.record.roll import encrypted_from_json, part_digest, part_shape
from honestballot.record.stations import station_from_json

#: The election record's format (docs/record-format.md §9): 3 since the setup names the
#: board's witnesses and the base hash binds the board's keys.
RECORD_VERSION: Final = 3

EVENT_KINDS: Final = (
    "setup",
    "credential",
    "roll",
    "roll-part",
    "station",
    "open",
    "paper",
    "batch",
    "registration",
    "cast-row",
    "ballot",
    "superseded",
    "audit",
    "close",
    "padding",
    "close-round",
    "close-part",
    "close-step",
    "mix-part",
    "mix",
    "tally",
    "share-part",
    "decryption-share",
    "result",
)
TREE_HEAD_TAG: Final = "board/tree-head"
#: the longest line of a record (docs/record-format.md §6): the verifier refuses longer
#: ones, so the service never appends an event whose line would be longer
MAX_LINE_BYTES: Final = 64 << 20

_MIX_PART_KEYS: Final = (
    "permutation_commitment",
    "chain",
    "s_hat",
    "s_prime",
    "signature",
)
_MIX_KEYS: Final = ("parts", "proof", "signature")


@dataclass(frozen=True, slots=True)
class EventLine:
    seq: int
    time_ms: int
    kind: str
    body: Mapping[str, Any]

    def to_json(self) -> JsonObject:
        return {
            "type": "event",
            "seq": self.seq,
            "time_ms": self.time_ms,
            "kind": self.kind,
            "body": self.body,
        }

    def canonical(self) -> bytes:
        return canonical_bytes(self.to_json())


def event_line(seq: int, time_ms: int, kind: str, canonical_body: bytes) -> bytes:
    """``EventLine(seq, time_ms, kind, body).canonical()`` from the body's canonical bytes
    made beforehand: the keys in their sorted order around it (a service appending under
    a lock serialises a ballot before it takes the lock)."""
    head = canonical_bytes(kind)
    return b'{"body":%s,"kind":%s,"seq":%d,"time_ms":%d,"type":"event"}' % (
        canonical_body,
        head,
        seq,
        time_ms,
    )


def event_from_json(value: Any, path: str) -> EventLine:
    r = Reader(value, path)
    t = r.text("type", max_len=16)
    if t != "event":
        raise RecordFormatError(f"{path}: expected an event, got {t!r}")
    seq = r.integer("seq", minimum=0)
    time_ms = r.integer("time_ms", minimum=0)
    kind = r.text("kind", max_len=32)
    if kind not in EVENT_KINDS:
        raise RecordFormatError(f"{path}.kind: unknown event kind {kind!r}")
    body = r.raw("body")
    if not isinstance(body, dict):
        raise RecordFormatError(f"{path}.body: expected an object")
    r.done()
    return EventLine(seq, time_ms, kind, body)


def log_id(election_id: str) -> bytes:
    return b"honestballot:" + election_id.encode()


@dataclass(frozen=True, slots=True)
class SignedTreeHead:
    head: TreeHead
    signature_c: Scalar
    signature_s: Scalar

    def to_json(self) -> JsonObject:
        return {
            "type": "tree-head",
            "size": self.head.size,
            "root": self.head.root.hex(),
            "timestamp_ms": self.head.timestamp_ms,
            "signature": {"c": self.signature_c.hex(), "s": self.signature_s.hex()},
        }

    def verify(self, election_id: str, board_key: Point) -> None:
        verify_signature(
            TREE_HEAD_TAG,
            (board_key,),
            self.head.signing_bytes(log_id(election_id)),
            board_key,
            SchnorrProof(self.signature_c, self.signature_s),
            f"tree head of size {self.head.size}",
        )


def sign_tree_head(
    head: TreeHead, election_id: str, board_secret: Scalar, board_key: Point, rng: Randomness
) -> SignedTreeHead:
    sig = sign(
        TREE_HEAD_TAG, (board_key,), head.signing_bytes(log_id(election_id)), board_secret, rng
    )
    return SignedTreeHead(head, sig.challenge, sig.response)


def read_tree_head(r: Reader) -> TreeHead:
    """The ``size``, ``root`` and ``timestamp_ms`` members of a tree-head or co-signature
    line."""
    return TreeHead(
        size=r.integer("size", minimum=0),
        root=r.hexbytes("root", 32),
        timestamp_ms=r.integer("timestamp_ms", minimum=0),
    )


def tree_head_from_json(value: Any, path: str) -> SignedTreeHead:
    r = Reader(value, path)
    if r.text("type", max_len=16) != "tree-head":
        raise RecordFormatError(f"{path}: expected a tree-head")
    head = read_tree_head(r)
    sig = schnorr_from_json(r.raw("signature"), f"{path}.signature")
    r.done()
    return SignedTreeHead(head, sig.challenge, sig.response)


def _hash32(value: Any, path: str) -> bytes:
    return decode_hex(value, path, 32)


def _unit_voters(value: Any, path: str) -> tuple[str, int]:
    r = Reader(value, path)
    item = (r.text("unit", max_len=64), r.integer("voters", minimum=0))
    r.done()
    return item


def _needs_key(public_key: Point | None, kind: str) -> Point:
    if public_key is None:
        raise ValueError(f"a {kind} event's tracking hash needs the election key")
    return public_key


def board_event(
    line: EventLine,
    path: str,
    public_key: Point | None = None,
    base_hash: bytes | None = None,
) -> board.Event:
    """The typed event the board rules replay (only the fields the rules need).

    The ballot, tally and share bodies are checked in full elsewhere; this reads
    just enough of them to order the board.  A ``cast-row`` event, and an ``audit`` of a
    ballot version 2, need the election key ``public_key`` for their tracking hash; a
    ``paper`` event, the election's ``base_hash`` for what its signature signs."""
    b = line.body
    p = f"{path}.body"
    match line.kind:
        case "setup":
            # imported here: record/witness.py reads tree heads through this module
            from honestballot.record.witness import schedule_from_json

            r = Reader(b, p)
            m = manifest_from_json(r.raw("manifest"), f"{p}.manifest")
            schedule = None
            if "schedule" in b:
                schedule = schedule_from_json(b["schedule"], f"{p}.schedule")
            return board.SetupEvent(m.election_id, m.unit_ids(), schedule)
        case "batch":
            r = Reader(b, p)
            index = r.integer("index", minimum=0)
            rows = r.integer("rows", minimum=0, maximum=MAX_BATCH_ITEMS)
            registrations = r.integer("registrations", minimum=0, maximum=MAX_BATCH_ITEMS)
            r.done()
            return board.BatchEvent(index, line.time_ms, rows, registrations)
        case "registration":
            r = Reader(b, p)
            reg = registration_from_json(r.raw("registration"), f"{p}.registration")
            r.done()
            # registration_alphas refuses a registration whose ciphertexts share an alpha;
            # the service's revokes is on the board too, so its alpha is the board's once
            return board.RegistrationEvent(
                reg.tracking_hash(_needs_key(public_key, "registration")),
                reg.commitment.nonce,
                registration_alphas(reg) | {reg.commitment.revokes.alpha.data},
                line.time_ms,
            )
        case "cast-row":
            r = Reader(b, p)
            row = cast_row_from_json(r.raw("row"), f"{p}.row")
            r.done()
            return board.CastRowEvent(
                row.ballot.tracking_hash(_needs_key(public_key, "cast-row")),
                cast_row_alphas(row),
                line.time_ms,
            )
        case "credential":
            r = Reader(b, p)
            credential = r.point("credential")
            unit = r.text("unit", max_len=64)
            replaces = r.point("replaces") if "replaces" in b else None
            r.done()
            return board.CredentialEvent(credential, unit, replaces)
        case "roll":
            r = Reader(b, p)
            per_unit = tuple(r.items("voters_per_unit", _unit_voters, max_items=MAX_UNITS))
            exceptions = r.integer("contact_exceptions", minimum=0)
            if r.has("signature"):  # the organiser's (record/witness.py checks it)
                schnorr_from_json(r.raw("signature"), f"{p}.signature")
            encrypted = None
            if r.has("encrypted"):  # its rows' proofs: the check roll.encrypted
                e = encrypted_from_json(r.raw("encrypted"), f"{p}.encrypted")
                encrypted = (e.rows, e.parts)
            r.done()
            return board.RollEvent(per_unit, exceptions, encrypted)
        case "roll-part":
            offset, rows = part_shape(b, p)
            return board.RollPartEvent(offset, rows, part_digest(b))
        case "open":
            Reader(b, p).done()
            return board.OpenEvent(line.time_ms)
        case "ballot":
            r = Reader(b, p)
            ballot = ballot_from_json(r.raw("ballot"), f"{p}.ballot")
            r.done()
            return board.BallotEvent(ballot.credential, ballot.tracking_hash(), alphas(ballot))
        case "superseded":
            r = Reader(b, p)
            ev2 = board.SupersededEvent(
                _hash32(r.raw("old"), f"{p}.old"), _hash32(r.raw("new"), f"{p}.new")
            )
            r.done()
            return ev2
        case "audit":
            r = Reader(b, p)
            if "ballot" in b:  # a ballot version 2 (re-voting protection), whole
                v2 = ballot_v2_from_json(r.raw("ballot"), f"{p}.ballot")
                r.raw("opening")
                r.done()
                return board.AuditEvent(
                    v2.tracking_hash(_needs_key(public_key, "audit")),
                    ballot_alphas(v2),
                    line.time_ms,
                    2,
                )
            spoiled = spoiled_from_json(r.raw("spoiled"), f"{p}.spoiled")
            r.raw("opening")
            r.done()
            return board.AuditEvent(spoiled.tracking_hash(), alphas(spoiled), line.time_ms)
        case "close":
            Reader(b, p).done()
            return board.CloseEvent(line.time_ms)
        case "padding":
            r = Reader(b, p)
            _, padding = padding_from_json(r.raw("padding"), f"{p}.padding")
            r.done()
            return board.PaddingEvent(padding.cover_rows, len(padding.rows))
        case "station":
            station = station_from_json(b, p)  # its proof: protocol/stations.py
            return board.StationEvent(
                station.unit, station.paper, station.commission_key, station.sequence
            )
        case "paper":
            # its arithmetic and proofs: the checks paper.protocol and paper.voters
            if base_hash is None:
                raise ValueError("a paper event's signature needs the election's base hash")
            upload = upload_from_json(b, p)
            digest = paper_digest(base_hash, unsigned_body(upload))
            return board.PaperEvent(
                upload.unit,
                upload.sequence,
                upload.previous,
                base_hash,
                digest,
                upload.signature,
                upload.final,
            )
        case "close-round":
            # its round and deadline: the check close.rounds reads them
            r = Reader(b, p)
            r.text("round", max_len=32)
            r.integer("deadline_ms", minimum=0)
            r.done()
            return board.CloseObjectEvent(line.kind)
        case "close-part" | "close-step":
            # the trustee only: shape and signature are record/close.py's, the place among
            # the steps and the proofs protocol/close_a.py's, checked once
            r = Reader(b, p)
            trustee = r.integer("trustee", minimum=1, maximum=1000)
            return board.CloseObjectEvent(line.kind, trustee, line.time_ms)
        case "mix-part" | "mix":
            # the place only: the rest is parsed (record/mix.py) and checked by the check
            # mix.proofs (protocol/mix_parts.py), once
            r = Reader(b, p)
            contest = r.text("contest", max_len=64)
            position = r.integer("position", minimum=1, maximum=1000)
            trustee = r.integer("trustee", minimum=1, maximum=1000)
            if line.kind == "mix-part":
                # the place only: bounds and shape are record/mix.py's (mix.proofs)
                index = r.integer("part", minimum=0)
                offset = r.integer("offset", minimum=0)
                rows = len(r.array("rows", max_items=MAX_PART_CELLS))
                for key in _MIX_PART_KEYS:
                    r.raw(key)
                r.done()
                return board.MixPartEvent(contest, position, trustee, index, offset, rows)
            for key in _MIX_KEYS:
                r.raw(key)
            r.done()
            return board.MixEvent(contest, position, trustee)
        case "tally":
            r = Reader(b, p)
            r.raw("tally")
            r.raw("counted_per_unit")
            r.done()
            return board.TallyEvent()
        case "share-part":
            # imported here: record/share_parts.py reads signatures through this module
            from honestballot.record.share_parts import share_part_place

            return board.SharePartEvent(*share_part_place(b, p))
        case "decryption-share":
            r = Reader(b, p)
            share = Reader(r.raw("share"), f"{p}.share")
            r.done()
            return board.DecryptionShareEvent(share.integer("trustee", minimum=1))
        case "result":
            r = Reader(b, p)
            # an election with re-voting protection: its close's result (record-format §7)
            close = ("counted_per_unit", "close") if r.has("close") else ("rejected_shares",)
            for key in ("counts", "trustees", *close):
                r.raw(key)
            # "paper" (paper ballots, record-format §7) only in the close's result
            for key in ("mixed", "ranked", *(("paper",) if r.has("close") else ())):
                if r.has(key):
                    r.raw(key)
            r.done()
            return board.ResultEvent()
    raise RecordFormatError(f"{p}: unknown event kind {line.kind!r}")
