"""The encrypted roll in the record, and the organiser's upload (docs/record-format.md §6,
"The encrypted roll"; protocol/encrypted_roll.py).

A ``roll-part`` event's body (rows ``offset``, ``offset + 1``, … of the roll)::

    {"offset": n, "rows": [row, ...]}            at most 5,000 rows
    row = {"handle": ct, "handle_proof": {"c", "s"},
           "unit": ct, "unit_proof": {"c", "s"},
           "activation": ct, "activation_proof": {"c", "s_randomness", "s_activation"}}

Its **digest** is ``hash_bytes("roll/part", B canonical bytes of the body)``.  The
``roll`` event of an election with an encrypted roll has, beside the summary's members
and the organiser's ``signature``::

    "encrypted": {"rows": n, "parts": [digest hex, ...],
                  "reporting_units": [{"id": id, "units": [unit id, ...]}, ...]}

The organiser's tool uploads (``honestballot organiser make-roll`` writes it)::

    {"type": "encrypted-roll", "version": 1, "election_id": id, "base_hash": hex,
     "parts": [roll-part body, ...], "roll": roll body with "signature",
     "voters": [{"national_id": text, "handle": point, "activation": point,
                 "reporting_unit": id}, ...]}

``voters`` is private (the service's roll); ``parts`` and ``roll`` go on the board.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from honestballot.crypto.group import Point
from honestballot.crypto.hashing import hash_bytes
from honestballot.errors import RecordFormatError
from honestballot.protocol.encrypted_roll import ROLL_PART_ROWS, RollRow
from honestballot.protocol.manifest import MAX_UNITS
from honestballot.record.ballot import ciphertext_from_json, ciphertext_to_json
from honestballot.record.codec import (
    JsonObject,
    Reader,
    canonical_bytes,
    decode_hex,
    read_version,
)
from honestballot.record.revoting import (
    randomness_from_json,
    randomness_to_json,
    representation_from_json,
    representation_to_json,
)

PART_DIGEST_TAG: Final = "roll/part"
UPLOAD_VERSION: Final = 1
#: the most voters one encrypted roll holds (the service's roll holds at most as many)
MAX_ROLL_ROWS: Final = 10_000_000


def row_to_json(row: RollRow) -> JsonObject:
    return {
        "handle": ciphertext_to_json(row.handle),
        "handle_proof": randomness_to_json(row.handle_proof),
        "unit": ciphertext_to_json(row.unit),
        "unit_proof": randomness_to_json(row.unit_proof),
        "activation": ciphertext_to_json(row.activation),
        "activation_proof": representation_to_json(row.activation_proof, "activation"),
    }


def row_from_json(value: Any, path: str) -> RollRow:
    r = Reader(value, path)
    row = RollRow(
        handle=ciphertext_from_json(r.raw("handle"), f"{path}.handle"),
        handle_proof=randomness_from_json(r.raw("handle_proof"), f"{path}.handle_proof"),
        unit=ciphertext_from_json(r.raw("unit"), f"{path}.unit"),
        unit_proof=randomness_from_json(r.raw("unit_proof"), f"{path}.unit_proof"),
        activation=ciphertext_from_json(r.raw("activation"), f"{path}.activation"),
        activation_proof=representation_from_json(
            r.raw("activation_proof"), f"{path}.activation_proof", "activation"
        ),
    )
    r.done()
    return row


def part_to_json(offset: int, rows: Sequence[RollRow]) -> JsonObject:
    return {"offset": offset, "rows": [row_to_json(row) for row in rows]}


def part_from_json(value: Any, path: str) -> tuple[int, list[RollRow]]:
    """(offset, rows) of a ``roll-part`` body, parsed strictly."""
    r = Reader(value, path)
    offset = r.integer("offset", minimum=0, maximum=MAX_ROLL_ROWS)
    rows = r.items("rows", row_from_json, max_items=ROLL_PART_ROWS)
    r.done()
    if not rows:
        raise RecordFormatError(f"{path}.rows: a roll part holds at least one row")
    return offset, rows


def part_shape(value: Any, path: str) -> tuple[int, int]:
    """(offset, number of rows) of a ``roll-part`` body, without decoding a point (the
    board's rules need only these; ``roll.encrypted`` parses the rows)."""
    r = Reader(value, path)
    offset = r.integer("offset", minimum=0, maximum=MAX_ROLL_ROWS)
    rows = r.array("rows", max_items=ROLL_PART_ROWS)
    r.done()
    if not rows:
        raise RecordFormatError(f"{path}.rows: a roll part holds at least one row")
    return offset, len(rows)


def part_digest(body: Any) -> bytes:
    """The digest the ``roll`` event names a part by: over its body's canonical bytes."""
    return hash_bytes(PART_DIGEST_TAG, canonical_bytes(body))


@dataclass(frozen=True, slots=True)
class EncryptedRollSummary:
    """The ``encrypted`` member of a ``roll`` body."""

    rows: int
    parts: tuple[bytes, ...]
    reporting_units: tuple[tuple[str, tuple[str, ...]], ...]


def encrypted_to_json(e: EncryptedRollSummary) -> JsonObject:
    return {
        "rows": e.rows,
        "parts": [d.hex() for d in e.parts],
        "reporting_units": [{"id": rid, "units": list(units)} for rid, units in e.reporting_units],
    }


def _reporting_unit(value: Any, path: str) -> tuple[str, tuple[str, ...]]:
    r = Reader(value, path)
    rid = r.text("id", max_len=64)
    units = r.array("units", max_items=MAX_UNITS)
    r.done()
    for i, u in enumerate(units):
        if not isinstance(u, str) or not 0 < len(u) <= 64:
            raise RecordFormatError(f"{path}.units[{i}]: expected a unit id")
    return rid, tuple(units)


def encrypted_from_json(value: Any, path: str) -> EncryptedRollSummary:
    r = Reader(value, path)
    rows = r.integer("rows", minimum=1, maximum=MAX_ROLL_ROWS)
    parts = r.array("parts", max_items=MAX_ROLL_ROWS // ROLL_PART_ROWS + 1)
    digests = tuple(_hex32(d, f"{path}.parts[{i}]") for i, d in enumerate(parts))
    units = r.items("reporting_units", _reporting_unit, max_items=MAX_UNITS + 1)
    r.done()
    return EncryptedRollSummary(rows, digests, tuple(units))


def _hex32(value: Any, path: str) -> bytes:
    return decode_hex(value, path, 32)


@dataclass(frozen=True, slots=True)
class VoterLetterEntry:
    """What the service keeps of one voter's letter (never the letter's secret)."""

    national_id: str
    handle: Point
    activation: Point
    reporting_unit: str


@dataclass(frozen=True, slots=True)
class RollUpload:
    election_id: str
    base_hash: bytes
    parts: tuple[Any, ...]
    roll: dict[str, Any]
    voters: tuple[VoterLetterEntry, ...]


def upload_to_json(upload: RollUpload) -> JsonObject:
    return {
        "type": "encrypted-roll",
        "version": UPLOAD_VERSION,
        "election_id": upload.election_id,
        "base_hash": upload.base_hash.hex(),
        "parts": list(upload.parts),
        "roll": upload.roll,
        "voters": [
            {
                "national_id": v.national_id,
                "handle": v.handle.hex(),
                "activation": v.activation.hex(),
                "reporting_unit": v.reporting_unit,
            }
            for v in upload.voters
        ],
    }


def _voter(value: Any, path: str) -> VoterLetterEntry:
    r = Reader(value, path)
    entry = VoterLetterEntry(
        r.text("national_id", max_len=64),
        r.point("handle"),
        r.point("activation"),
        r.text("reporting_unit", max_len=64),
    )
    r.done()
    return entry


def upload_from_json(value: Any, path: str = "encrypted roll") -> RollUpload:
    """Parse the organiser's upload; the parts stay JSON (the board's bodies), the roll
    body a JSON object: the service checks both before posting them."""
    r = Reader(value, path)
    read_version(r, "encrypted-roll", UPLOAD_VERSION)
    election_id = r.text("election_id", max_len=64)
    base_hash = r.hexbytes("base_hash", 32)
    parts = tuple(r.array("parts", max_items=MAX_ROLL_ROWS // ROLL_PART_ROWS + 1))
    roll = r.raw("roll")
    if not isinstance(roll, dict):
        raise RecordFormatError(f"{path}.roll: expected an object")
    voters = tuple(r.items("voters", _voter, max_items=MAX_ROLL_ROWS))
    r.done()
    return RollUpload(election_id, base_hash, parts, roll, voters)
