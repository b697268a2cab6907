"""A trustee's decryption share as the board holds it: ``share-part`` events (only when
the tally has contests counted by mixing), then the ``decryption-share`` event that
closes it (docs/record-format.md §7; protocol/share_parts.py).

A ``share-part`` body::

    {"trustee": l, "tally": hex, "part": i, "contest": id, "offset": o,
     "rows": [[{"share": point, "proof": {"c": scalar, "s": scalar}}, ... w], ... m],
     "signature": {"c": hex, "s": hex}}

The ``decryption-share`` object (the event's ``share``)::

    {"type": "decryption-share", "version": 1, "election": hex, "trustee": l,
     "tally": hex, "entries": [{"id": entry id, "share": point, "proof": {...}}, ...],
     "parts": [digest hex, ...]}          # "parts" only when the tally has "mixes"

Version 1's decryption shares: the service no longer makes these events (its share file
and upload commands are gone); they are read and verified in old records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

from honestballot.crypto.chaum_pedersen import EqualityProof
from honestballot.crypto.hashing import Encoded
from honestballot.crypto.schnorr import SchnorrProof
from honestballot.errors import RecordFormatError
from honestballot.protocol.decryption import ShareEntry
from honestballot.protocol.share_parts import (
    MAX_PART_CELLS,
    Cell,
    EncodedSharePart,
    ShareHead,
    SharePart,
)
from honestballot.record.ballot import schnorr_from_json
from honestballot.record.codec import JsonObject, Reader, read_version
from honestballot.record.mix import MAX_PARTS, MAX_ROW_WIDTH, digest_from_json, encoded_from_json
from honestballot.record.shuffle import MAX_SHUFFLE_ROWS
from honestballot.record.witness import signature_to_json

#: the most entries a ``decryption-share`` object lists (as the tally does)
MAX_ENTRIES: Final = 100_000
_ID_LEN: Final = 256
SHARE_FILE_KINDS: Final = ("share-part", "decryption-share")


def _proof(p: EqualityProof) -> JsonObject:
    return {"c": p.challenge.hex(), "s": p.response.hex()}


def _read_proof(r: Reader, key: str) -> EqualityProof:
    pr = Reader(r.raw(key), f"{r.path}.{key}")
    out = EqualityProof(pr.scalar("c"), pr.scalar("s"))
    pr.done()
    return out


def share_part_to_json(part: SharePart) -> JsonObject:
    return {
        "trustee": part.trustee,
        "tally": part.tally_hash.hex(),
        "part": part.index,
        "contest": part.contest,
        "offset": part.offset,
        "rows": [[{"share": d.hex(), "proof": _proof(p)} for d, p in row] for row in part.rows],
        "signature": signature_to_json(part.signature),
    }


def _place(r: Reader) -> tuple[int, bytes, int, str, int]:
    return (
        r.integer("trustee", minimum=1, maximum=1000),
        r.hexbytes("tally", 32),
        r.integer("part", minimum=0, maximum=MAX_PARTS - 1),
        r.text("contest", max_len=64),
        r.integer("offset", minimum=0, maximum=MAX_SHUFFLE_ROWS - 1),
    )


def _rows(r: Reader, path: str) -> list[list[Any]]:
    rows = r.array("rows", max_items=MAX_PART_CELLS)
    for i, row in enumerate(rows):
        if not isinstance(row, list) or not 1 <= len(row) <= MAX_ROW_WIDTH:
            raise RecordFormatError(
                f"{path}.rows[{i}]: expected a row of 1 to {MAX_ROW_WIDTH} shares"
            )
    return rows


def share_part_place(value: Any, path: str) -> tuple[int, int, str, int, int]:
    """Of a ``share-part`` body, what the board's rule 7 reads: the trustee, the part's
    index, its contest, its first row and its number of rows (nothing decoded)."""
    r = Reader(value, path)
    trustee, _, index, contest, offset = _place(r)
    rows = _rows(r, path)
    r.raw("signature")
    r.done()
    return trustee, index, contest, offset, len(rows)


def _cell(value: Any, path: str) -> Cell:
    r = Reader(value, path)
    out = (r.point("share", allow_identity=True), _read_proof(r, "proof"))
    r.done()
    return out


C = TypeVar("C")


def _read_part(
    value: Any, path: str, cell: Callable[[Any, str], C]
) -> tuple[tuple[int, bytes, int, str, int], tuple[tuple[C, ...], ...], SchnorrProof]:
    r = Reader(value, path)
    place = _place(r)
    rows = tuple(
        tuple(cell(c, f"{path}.rows[{i}][{k}]") for k, c in enumerate(row))
        for i, row in enumerate(_rows(r, path))
    )
    signature = schnorr_from_json(r.raw("signature"), f"{path}.signature")
    r.done()
    return place, rows, signature


def share_part_from_json(value: Any, path: str) -> SharePart:
    place, rows, signature = _read_part(value, path, _cell)
    return SharePart(*place, rows, signature)


def _encoded_cell(value: Any, path: str) -> tuple[Encoded, Encoded, Encoded]:
    r = Reader(value, path)
    share = encoded_from_json("P", r.raw("share"), f"{path}.share")
    pr = Reader(r.raw("proof"), f"{path}.proof")
    out = (
        share,
        encoded_from_json("S", pr.raw("c"), f"{path}.proof.c"),
        encoded_from_json("S", pr.raw("s"), f"{path}.proof.s"),
    )
    pr.done()
    r.done()
    return out


def encoded_share_part_from_json(value: Any, path: str) -> EncodedSharePart:
    """A ``share-part`` body with its points and scalars read as encodings only (no
    decoding): what the service checks before :func:`share_part_from_json`."""
    place, rows, signature = _read_part(value, path, _encoded_cell)
    return EncodedSharePart(*place, rows, signature)


def share_head_to_json(head: ShareHead) -> JsonObject:
    obj: JsonObject = {
        "type": "decryption-share",
        "version": 1,
        "election": head.election.hex(),
        "trustee": head.trustee,
        "tally": head.tally_hash.hex(),
        "entries": [
            {"id": e.id, "share": e.share.hex(), "proof": _proof(e.proof)} for e in head.entries
        ],
    }
    if head.parts is not None:
        obj["parts"] = [d.hex() for d in head.parts]
    return obj


def share_head_from_json(value: Any, path: str = "decryption_share") -> ShareHead:
    r = Reader(value, path)
    read_version(r, "decryption-share", 1)
    election = r.hexbytes("election", 32)
    trustee = r.integer("trustee", minimum=1, maximum=1000)
    tally_hash = r.hexbytes("tally", 32)

    def entry(item: Any, p: str) -> ShareEntry:
        er = Reader(item, p)
        out = ShareEntry(
            er.text("id", max_len=_ID_LEN),
            er.point("share", allow_identity=True),
            _read_proof(er, "proof"),
        )
        er.done()
        return out

    entries = tuple(r.items("entries", entry, max_items=MAX_ENTRIES))
    parts = None
    if r.has("parts"):
        parts = tuple(r.items("parts", digest_from_json, max_items=MAX_PARTS))
        if not parts:
            raise RecordFormatError(f"{path}.parts: a share names at least one part")
    r.done()
    return ShareHead(election, trustee, tally_hash, entries, parts)
