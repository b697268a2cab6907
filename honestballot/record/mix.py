"""A mix as the board holds it: ``mix-part`` events, then the ``mix`` event that closes
it (docs/record-format.md §6, "Mixes"; protocol/mix_parts.py).

A ``mix-part`` body::

    {"contest": id, "position": p, "trustee": t, "part": i, "offset": o,
     "rows": [[{"alpha": hex, "beta": hex}, ... w], ... m],
     "permutation_commitment": [point, ... m], "chain": [point, ... m],
     "s_hat": [scalar, ... m], "s_prime": [scalar, ... m],
     "signature": {"c": hex, "s": hex}}

A ``mix`` body::

    {"contest": id, "position": p, "trustee": t, "parts": [digest hex, ...],
     "proof": {"c": scalar, "s1": scalar, "s2": scalar, "s3": scalar, "s4": [scalar, ... w]},
     "signature": {"c": hex, "s": hex}}

Version 1's mix chain: the service no longer makes these events (its mix file and
upload commands are gone); they are read and verified in old records.
"""

from __future__ import annotations

import re
from typing import Any, Final, Literal

from honestballot.crypto.hashing import Encoded
from honestballot.errors import EncodingError, RecordFormatError
from honestballot.protocol.mix import Rows
from honestballot.protocol.mix_parts import MAX_PART_CELLS, EncodedPart, MixHead, MixPart
from honestballot.record.ballot import ciphertext_from_json, ciphertext_to_json, schnorr_from_json
from honestballot.record.codec import (
    JsonObject,
    Reader,
    decode_hex,
    decode_point,
    decode_scalar,
)
from honestballot.record.shuffle import MAX_SHUFFLE_ROWS, MAX_SHUFFLE_WIDTH
from honestballot.record.witness import signature_to_json

#: the widest row: a contest's options (protocol/manifest.MAX_OPTIONS plus two exclusive)
MAX_ROW_WIDTH: Final = 202
#: the most parts a mix names (every part holds at least one row)
MAX_PARTS: Final = MAX_SHUFFLE_ROWS
MIX_FILE_KINDS: Final = ("mix-part", "mix")


def rows_to_json(rows: Rows) -> list[list[JsonObject]]:
    return [[ciphertext_to_json(ct) for ct in row] for row in rows]


def rows_from_json(value: Any, path: str, *, max_rows: int = MAX_SHUFFLE_ROWS) -> Rows:
    if not isinstance(value, list) or len(value) > max_rows:
        raise RecordFormatError(f"{path}: expected a list of at most {max_rows} rows")
    rows = []
    for i, row in enumerate(value):
        if not isinstance(row, list) or not 1 <= len(row) <= MAX_ROW_WIDTH:
            raise RecordFormatError(f"{path}[{i}]: expected a row of 1 to {MAX_ROW_WIDTH}")
        rows.append(
            tuple(
                ciphertext_from_json(ct, f"{path}[{i}][{k}]", allow_identity_alpha=True)
                for k, ct in enumerate(row)
            )
        )
    return tuple(rows)


def _place(r: Reader) -> tuple[str, int, int]:
    return (
        r.text("contest", max_len=64),
        r.integer("position", minimum=1, maximum=1000),
        r.integer("trustee", minimum=1, maximum=1000),
    )


def mix_part_to_json(part: MixPart) -> JsonObject:
    return {
        "contest": part.contest,
        "position": part.position,
        "trustee": part.trustee,
        "part": part.index,
        "offset": part.offset,
        "rows": rows_to_json(part.rows),
        "permutation_commitment": [p.hex() for p in part.permutation_commitment],
        "chain": [p.hex() for p in part.chain],
        "s_hat": [s.hex() for s in part.s_hat],
        "s_prime": [s.hex() for s in part.s_prime],
        "signature": signature_to_json(part.signature),
    }


def mix_part_from_json(value: Any, path: str) -> MixPart:
    """Parse strictly: exact keys, at most :data:`MAX_PART_CELLS` rows, canonical
    non-identity points in the proof's lists, and lists as long as the rows."""
    r = Reader(value, path)
    contest, position, trustee = _place(r)
    index = r.integer("part", minimum=0, maximum=MAX_PARTS - 1)
    offset = r.integer("offset", minimum=0, maximum=MAX_SHUFFLE_ROWS - 1)
    rows = rows_from_json(r.raw("rows"), f"{path}.rows", max_rows=MAX_PART_CELLS)
    commitment = r.items("permutation_commitment", decode_point, max_items=MAX_PART_CELLS)
    chain = r.items("chain", decode_point, max_items=MAX_PART_CELLS)
    s_hat = r.items("s_hat", decode_scalar, max_items=MAX_PART_CELLS)
    s_prime = r.items("s_prime", decode_scalar, max_items=MAX_PART_CELLS)
    signature = schnorr_from_json(r.raw("signature"), f"{path}.signature")
    r.done()
    try:
        return MixPart(
            contest,
            position,
            trustee,
            index,
            offset,
            rows,
            tuple(commitment),
            tuple(chain),
            tuple(s_hat),
            tuple(s_prime),
            signature,
        )
    except EncodingError as exc:
        raise RecordFormatError(f"{path}: {exc}") from None


_HEX32 = re.compile(r"[0-9a-f]{64}")
_LISTS: Final = ("permutation_commitment", "chain", "s_hat", "s_prime")


def encoded_from_json(code: Literal["P", "S"], value: Any, path: str) -> Encoded:
    if not isinstance(value, str) or not _HEX32.fullmatch(value):
        raise RecordFormatError(f"{path}: expected 64 lowercase hex digits")
    return Encoded(code, bytes.fromhex(value))


def _encoded_ciphertext(value: Any, path: str) -> tuple[Encoded, Encoded]:
    r = Reader(value, path)
    ct = (
        encoded_from_json("P", r.raw("alpha"), f"{path}.alpha"),
        encoded_from_json("P", r.raw("beta"), f"{path}.beta"),
    )
    r.done()
    return ct


def encoded_part_from_json(value: Any, path: str) -> EncodedPart:
    """A ``mix-part`` body with its points and scalars read as encodings only (no
    decoding): what the service checks before :func:`mix_part_from_json`."""
    r = Reader(value, path)
    contest, position, trustee = _place(r)
    index = r.integer("part", minimum=0, maximum=MAX_PARTS - 1)
    offset = r.integer("offset", minimum=0, maximum=MAX_SHUFFLE_ROWS - 1)
    raw_rows = r.array("rows", max_items=MAX_PART_CELLS)
    rows = []
    for i, row in enumerate(raw_rows):
        if not isinstance(row, list) or not 1 <= len(row) <= MAX_ROW_WIDTH:
            raise RecordFormatError(f"{path}.rows[{i}]: expected a row of 1 to {MAX_ROW_WIDTH}")
        rows.append(
            tuple(_encoded_ciphertext(ct, f"{path}.rows[{i}][{k}]") for k, ct in enumerate(row))
        )
    lists = tuple(
        tuple(
            encoded_from_json(
                "P" if key in ("permutation_commitment", "chain") else "S", v, f"{path}.{key}[{j}]"
            )
            for j, v in enumerate(r.array(key, max_items=MAX_PART_CELLS))
        )
        for key in _LISTS
    )
    signature = schnorr_from_json(r.raw("signature"), f"{path}.signature")
    r.done()
    return EncodedPart(contest, position, trustee, index, offset, tuple(rows), lists, signature)


def mix_head_to_json(head: MixHead) -> JsonObject:
    return {
        "contest": head.contest,
        "position": head.position,
        "trustee": head.trustee,
        "parts": [d.hex() for d in head.parts],
        "proof": {
            "c": head.challenge.hex(),
            "s1": head.s1.hex(),
            "s2": head.s2.hex(),
            "s3": head.s3.hex(),
            "s4": [s.hex() for s in head.s4],
        },
        "signature": signature_to_json(head.signature),
    }


def digest_from_json(value: Any, path: str) -> bytes:
    return decode_hex(value, path, 32)


def mix_head_from_json(value: Any, path: str) -> MixHead:
    r = Reader(value, path)
    contest, position, trustee = _place(r)
    parts = r.items("parts", digest_from_json, max_items=MAX_PARTS)
    if not parts:
        raise RecordFormatError(f"{path}.parts: a mix names at least one part")
    proof = r.child("proof")
    challenge, s1, s2, s3 = (proof.scalar(k) for k in ("c", "s1", "s2", "s3"))
    s4 = proof.items("s4", decode_scalar, max_items=MAX_SHUFFLE_WIDTH)
    if not s4:
        raise RecordFormatError(f"{path}.proof.s4: expected at least one response")
    proof.done()
    signature = schnorr_from_json(r.raw("signature"), f"{path}.signature")
    r.done()
    return MixHead(
        contest, position, trustee, tuple(parts), challenge, s1, s2, s3, tuple(s4), signature
    )
