"""A mix as the board holds it: the body of a ``mix`` event (docs/record-format.md §7).

::

    {"contest": id, "position": p, "trustee": t,
     "rows": [[{"alpha": hex, "beta": hex}, ... w], ... N],
     "proof": {... docs/shuffle.md §6 ...},
     "signature": {"c": hex, "s": hex}}

The trustee's signature covers :func:`honestballot.protocol.mix.mix_digest`.
"""

from __future__ import annotations

from typing import Any

from honestballot.errors import RecordFormatError
from honestballot.protocol.mix import Mix, Rows
from honestballot.record.ballot import ciphertext_from_json, ciphertext_to_json, schnorr_from_json
from honestballot.record.codec import JsonObject, Reader
from honestballot.record.shuffle import (
    MAX_SHUFFLE_ROWS,
    shuffle_proof_from_json,
    shuffle_proof_to_json,
)
from honestballot.record.witness import signature_to_json

#: the widest row: a contest's options (protocol/manifest.MAX_OPTIONS plus two exclusive)
MAX_ROW_WIDTH = 202


def rows_to_json(rows: Rows) -> list[list[JsonObject]]:
    return [[ciphertext_to_json(ct) for ct in row] for row in rows]


def rows_from_json(value: Any, path: str) -> Rows:
    if not isinstance(value, list) or len(value) > MAX_SHUFFLE_ROWS:
        raise RecordFormatError(f"{path}: expected a list of at most {MAX_SHUFFLE_ROWS} rows")
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


def mix_to_json(mix: Mix) -> JsonObject:
    return {
        "contest": mix.contest,
        "position": mix.position,
        "trustee": mix.trustee,
        "rows": rows_to_json(mix.rows),
        "proof": shuffle_proof_to_json(mix.proof),
        "signature": signature_to_json(mix.signature),
    }


def mix_from_json(value: Any, path: str) -> Mix:
    r = Reader(value, path)
    mix = Mix(
        contest=r.text("contest", max_len=64),
        position=r.integer("position", minimum=1, maximum=1000),
        trustee=r.integer("trustee", minimum=1, maximum=1000),
        rows=rows_from_json(r.raw("rows"), f"{path}.rows"),
        proof=shuffle_proof_from_json(r.raw("proof"), f"{path}.proof"),
        signature=schnorr_from_json(r.raw("signature"), f"{path}.signature"),
    )
    r.done()
    return mix
