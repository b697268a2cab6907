"""The setup's board keys and the witnesses' co-signatures as the record holds them.

In the setup body (docs/record-format.md §3)::

    "board_key": hex, "witnesses": [{"name": text, "key": hex}, ...],
    "witness_quorum": int, "organiser_key": hex   (only if there is one),
    "verifier_key": hex   (the service's designated-verifier key W),
    "schedule": {"interval": seconds, "hours": [[rows, registrations], ...],
                 "cover": {"k0": K0, "epsilon_milli": epsilon in thousandths}}
                          (only for an election with re-voting protection)

(the setup's ``verifier_key_proof`` is read and checked by :mod:`honestballot.record.setup`).

A co-signature line follows the tree-head line it co-signs::

    {"type": "cosignature", "size": n, "root": hex, "timestamp_ms": t,
     "witness": hex key, "witnessed_ms": w, "signature": {"c": hex, "s": hex}}

It repeats the head's size, root and time so that it stands on its own: two
co-signatures, or a co-signature and a board-signed head, with the same size and
different roots are evidence of a split view whichever board they came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from honestballot.crypto.group import Point
from honestballot.crypto.merkle import TreeHead
from honestballot.crypto.schnorr import SchnorrProof
from honestballot.errors import ProtocolError, RecordFormatError
from honestballot.protocol.manifest import MAX_UNITS
from honestballot.protocol.schedule import (
    MAX_EPSILON_MILLI,
    MAX_HOURS,
    MAX_INTERVAL_S,
    MAX_K0,
    MIN_EPSILON_MILLI,
    MIN_INTERVAL_S,
    Cover,
    Schedule,
)
from honestballot.protocol.witnesses import (
    MAX_WITNESS_NAME,
    MAX_WITNESSES,
    BoardKeys,
    Witness,
    verify_cosignature,
)
from honestballot.record.ballot import schnorr_from_json
from honestballot.record.codec import JsonObject, Reader, canonical_bytes, parse_json
from honestballot.record.events import log_id, read_tree_head


def board_keys_to_json(keys: BoardKeys) -> JsonObject:
    """The members of the setup body that name the board's keys."""
    out: JsonObject = {
        "board_key": keys.board_key.hex(),
        "witnesses": [{"name": w.name, "key": w.key.hex()} for w in keys.witnesses],
        "witness_quorum": keys.quorum,
    }
    if keys.organiser_key is not None:
        out["organiser_key"] = keys.organiser_key.hex()
    out["verifier_key"] = keys.verifier_key.hex()
    if keys.schedule is not None:
        out["schedule"] = schedule_to_json(keys.schedule)
    return out


def schedule_to_json(schedule: Schedule) -> JsonObject:
    cover = schedule.cover
    return {
        "interval": schedule.interval,
        "hours": [list(hour) for hour in schedule.hours],
        "cover": {"k0": cover.k0, "epsilon_milli": cover.epsilon_milli},
    }


def cover_from_json(value: Any, path: str) -> Cover:
    """The schedule's ``cover``: integers only (the record holds no floats)."""
    r = Reader(value, path)
    k0 = r.integer("k0", minimum=0, maximum=MAX_K0)
    epsilon_milli = r.integer("epsilon_milli", minimum=MIN_EPSILON_MILLI, maximum=MAX_EPSILON_MILLI)
    r.done()
    return Cover(k0, epsilon_milli)


def _hour_from_json(value: Any, path: str) -> tuple[int, int]:
    if not isinstance(value, list) or len(value) != 2 or not all(type(v) is int for v in value):
        raise RecordFormatError(f"{path}: an hour of the schedule is [rows, registrations]")
    return value[0], value[1]


def schedule_from_json(value: Any, path: str) -> Schedule:
    r = Reader(value, path)
    interval = r.integer("interval", minimum=MIN_INTERVAL_S, maximum=MAX_INTERVAL_S)
    hours = tuple(r.items("hours", _hour_from_json, max_items=MAX_HOURS))
    cover = cover_from_json(r.raw("cover"), f"{path}.cover")
    r.done()
    try:
        return Schedule(interval, hours, cover=cover)
    except ProtocolError as exc:
        raise RecordFormatError(f"{path}: {exc}") from None


def witness_from_json(value: Any, path: str) -> Witness:
    r = Reader(value, path)
    w = Witness(r.text("name", max_len=MAX_WITNESS_NAME), r.point("key"))
    r.done()
    return w


def board_keys_from_setup(r: Reader) -> BoardKeys:
    """Read the board's keys from a setup body's reader (the caller calls ``done``)."""
    board_key = r.point("board_key")
    witnesses = tuple(r.items("witnesses", witness_from_json, max_items=MAX_WITNESSES))
    quorum = r.integer("witness_quorum", minimum=0, maximum=MAX_WITNESSES)
    organiser = r.point("organiser_key") if r.has("organiser_key") else None
    verifier_key = r.point("verifier_key")
    schedule = (
        schedule_from_json(r.raw("schedule"), f"{r.path}.schedule") if r.has("schedule") else None
    )
    try:
        return BoardKeys(
            board_key, witnesses, quorum, organiser, verifier_key=verifier_key, schedule=schedule
        )
    except ProtocolError as exc:
        raise RecordFormatError(f"{r.path}: {exc}") from None


def roll_summary_bytes(body: Mapping[str, Any]) -> bytes:
    """What the organiser's key signs of a roll event's body: its canonical bytes without
    the ``signature`` member."""
    return canonical_bytes({k: v for k, v in body.items() if k != "signature"})


def roll_signature(body: Mapping[str, Any], path: str) -> SchnorrProof | None:
    if "signature" not in body:
        return None
    return schnorr_from_json(body["signature"], f"{path}.signature")


@dataclass(frozen=True, slots=True)
class RollSummaryToSign:
    """What the organiser's machine signs: the summary ``open`` will post."""

    election_id: str
    base_hash: bytes
    per_unit: tuple[tuple[str, int], ...]
    contact_exceptions: int
    message: bytes
    #: the election's setup body, for the organiser's tool of an encrypted roll
    setup: Any = None


def read_roll_summary(data: bytes) -> RollSummaryToSign:
    r = Reader(parse_json(data, limit=1 << 28, what="roll summary"), "roll summary")
    if r.text("type", max_len=32) != "roll-summary":
        raise RecordFormatError("roll summary: expected a roll-summary object")
    election_id = r.text("election_id", max_len=64)
    base_hash = r.hexbytes("base_hash", 32)
    summary = r.raw("summary")
    setup = r.raw("setup") if r.has("setup") else None
    r.done()
    s = Reader(summary, "roll summary.summary")
    per_unit = tuple(s.items("voters_per_unit", _unit_voters, max_items=MAX_UNITS))
    exceptions = s.integer("contact_exceptions", minimum=0)
    s.done()  # a summary already carrying a signature is refused here
    return RollSummaryToSign(
        election_id, base_hash, per_unit, exceptions, roll_summary_bytes(summary), setup
    )


def _unit_voters(value: Any, path: str) -> tuple[str, int]:
    r = Reader(value, path)
    item = (r.text("unit", max_len=64), r.integer("voters", minimum=0))
    r.done()
    return item


def signature_to_json(signature: SchnorrProof) -> JsonObject:
    return {"c": signature.challenge.hex(), "s": signature.response.hex()}


@dataclass(frozen=True, slots=True)
class Cosignature:
    head: TreeHead
    witness: Point
    witnessed_ms: int
    signature: SchnorrProof

    def to_json(self) -> JsonObject:
        return {
            "type": "cosignature",
            "size": self.head.size,
            "root": self.head.root.hex(),
            "timestamp_ms": self.head.timestamp_ms,
            "witness": self.witness.hex(),
            "witnessed_ms": self.witnessed_ms,
            "signature": signature_to_json(self.signature),
        }

    def verify(self, base_hash: bytes, election_id: str, keys: BoardKeys) -> None:
        """Check that a witness the setup names made this co-signature."""
        keys.witness(self.witness)
        verify_cosignature(
            base_hash,
            self.head,
            log_id(election_id),
            self.witnessed_ms,
            self.witness,
            self.signature,
        )


def cosignature_from_json(value: Any, path: str) -> Cosignature:
    r = Reader(value, path)
    if r.text("type", max_len=16) != "cosignature":
        raise RecordFormatError(f"{path}: expected a cosignature")
    head = read_tree_head(r)
    witness = r.point("witness")
    witnessed_ms = r.integer("witnessed_ms", minimum=0)
    signature = schnorr_from_json(r.raw("signature"), f"{path}.signature")
    r.done()
    return Cosignature(head, witness, witnessed_ms, signature)
