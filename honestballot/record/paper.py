"""Paper results in the record (docs/record-format.md §6, "Paper results";
protocol/paper.py).

The ``paper`` event's body, which is also what the commission uploads::

    {"unit": id, "sequence": n (1, 2, ... per unit),
     "previous": hex digest of the unit's upload n - 1 (which this one corrects) or null,
     "final": true if the commission declares these results final (no correction follows),
              else false,
     "protocol": {"received": n, "issued": n, "spoiled": n, "unused": n, "in_box": n,
                  "contests": [{"id": contest id, "invalid": n,
                                "counts": [{"option": option id, "count": n}, ...]}, ...]},
     "voters": [{"handle": ct, "proof": {"c": scalar, "s": scalar}}, ...],
     "signature": {"c": scalar, "s": scalar}}

The signature covers ``hash_bytes("paper/digest", B, canonical body without
"signature")`` (:func:`upload_digest`), which the unit's next upload names as its
``previous``.  A station's paper roll (``honestballot election paper-roll``) is the CSV
``line,national_id,handle``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from honestballot.crypto.group import Scalar
from honestballot.crypto.plaintext_awareness import RandomnessProof
from honestballot.protocol.manifest import MAX_CONTESTS, MAX_OPTIONS
from honestballot.protocol.paper import (
    MAX_NUMBER,
    MAX_PAPER_VOTERS,
    ContestCount,
    PaperProtocol,
    PaperUpload,
    PaperVoter,
    last_per_unit,
    paper_digest,
)
from honestballot.record.ballot import (
    ciphertext_from_json,
    ciphertext_to_json,
    schnorr_from_json,
    schnorr_to_json,
)
from honestballot.record.codec import JsonObject, Reader, canonical_bytes

#: the paper roll's columns
ROLL_COLUMNS: Final = ("line", "national_id", "handle")


def protocol_to_json(p: PaperProtocol) -> JsonObject:
    return {
        "received": p.received,
        "issued": p.issued,
        "spoiled": p.spoiled,
        "unused": p.unused,
        "in_box": p.in_box,
        "contests": [
            {
                "id": c.id,
                "invalid": c.invalid,
                "counts": [{"option": o, "count": n} for o, n in c.counts],
            }
            for c in p.contests
        ],
    }


def _count(value: Any, path: str) -> tuple[str, int]:
    r = Reader(value, path)
    item = (r.text("option", max_len=64), r.integer("count", minimum=0, maximum=MAX_NUMBER))
    r.done()
    return item


def _contest(value: Any, path: str) -> ContestCount:
    r = Reader(value, path)
    contest = ContestCount(
        r.text("id", max_len=64),
        r.integer("invalid", minimum=0, maximum=MAX_NUMBER),
        tuple(r.items("counts", _count, max_items=MAX_OPTIONS + 2)),
    )
    r.done()
    return contest


def protocol_from_json(value: Any, path: str = "protocol") -> PaperProtocol:
    r = Reader(value, path)

    def number(key: str) -> int:
        return r.integer(key, minimum=0, maximum=MAX_NUMBER)

    protocol = PaperProtocol(
        received=number("received"),
        issued=number("issued"),
        spoiled=number("spoiled"),
        unused=number("unused"),
        in_box=number("in_box"),
        contests=tuple(r.items("contests", _contest, max_items=MAX_CONTESTS)),
    )
    r.done()
    return protocol


def _voter(value: Any, path: str) -> PaperVoter:
    r = Reader(value, path)
    handle = ciphertext_from_json(r.raw("handle"), f"{path}.handle")
    proof = Reader(r.raw("proof"), f"{path}.proof")
    voter = PaperVoter(handle, RandomnessProof(proof.scalar("c"), proof.scalar("s")))
    proof.done()
    r.done()
    return voter


def _unsigned_json(upload: PaperUpload) -> JsonObject:
    return {
        "unit": upload.unit,
        "sequence": upload.sequence,
        "previous": None if upload.previous is None else upload.previous.hex(),
        "final": upload.final,
        "protocol": protocol_to_json(upload.protocol),
        "voters": [
            {
                "handle": ciphertext_to_json(v.handle),
                "proof": {"c": v.proof.challenge.hex(), "s": v.proof.response.hex()},
            }
            for v in upload.voters
        ],
    }


def unsigned_body(upload: PaperUpload) -> bytes:
    """The canonical body without ``signature``: what the signature's digest covers."""
    return canonical_bytes(_unsigned_json(upload))


def upload_digest(base_hash: bytes, upload: PaperUpload) -> bytes:
    """The upload's :func:`~honestballot.protocol.paper.paper_digest`: what its signature
    is on, and what the unit's next upload names as ``previous``."""
    return paper_digest(base_hash, unsigned_body(upload))


def body_digest(base_hash: bytes, body: Mapping[str, Any]) -> bytes:
    """The digest of a ``paper`` event's body as the board holds it (its canonical form
    without ``signature``), without decoding its points: the same as
    :func:`upload_digest` of the upload it encodes."""
    return paper_digest(
        base_hash, canonical_bytes({k: v for k, v in body.items() if k != "signature"})
    )


def upload_to_json(upload: PaperUpload) -> JsonObject:
    """The ``paper`` event's body (and the commission's upload file)."""
    return {**_unsigned_json(upload), "signature": schnorr_to_json(upload.signature)}


def upload_from_json(value: Any, path: str = "paper results") -> PaperUpload:
    r = Reader(value, path)
    upload = PaperUpload(
        unit=r.text("unit", max_len=64),
        sequence=r.integer("sequence", minimum=1, maximum=MAX_NUMBER),
        previous=None if r.raw("previous") is None else r.hexbytes("previous", 32),
        final=r.boolean("final"),
        protocol=protocol_from_json(r.raw("protocol"), f"{path}.protocol"),
        voters=tuple(r.items("voters", _voter, max_items=MAX_PAPER_VOTERS)),
        signature=schnorr_from_json(r.raw("signature"), f"{path}.signature"),
    )
    r.done()
    return upload


def paper_lists(events: Iterable[Any], unit_order: Sequence[str]) -> list[tuple[str, PaperUpload]]:
    """The paper results that count: per unit its ``paper`` event with the highest
    ``sequence`` (the board takes them in sequence, so its last), in manifest
    unit order (``unit_order``), from the record's events in board order (each with
    ``seq``, ``kind`` and ``body``, as :class:`~honestballot.record.events.EventLine`).
    What the close (stage B) and the result read; a body that does not parse is
    :class:`RecordFormatError` (the board's replay refuses such a record first)."""
    uploads = [
        (ev.seq, upload_from_json(ev.body, f"event {ev.seq}.body"))
        for ev in events
        if ev.kind == "paper"
    ]
    return last_per_unit(uploads, unit_order)


def opening_to_json(unit: str, sequence: int, lines: Sequence[tuple[int, Scalar]]) -> JsonObject:
    """The sealed opening of an upload: per upload row, the paper roll's line of the voter
    it encrypts and the encryption's randomness (secret: kept sealed with the signed paper
    roll)::

        {"unit": id, "sequence": n, "rows": [{"line": n, "r": scalar}, ...]}
    """
    return {
        "unit": unit,
        "sequence": sequence,
        "rows": [{"line": line, "r": r.hex()} for line, r in lines],
    }


def _opening_row(value: Any, path: str) -> tuple[int, Scalar]:
    r = Reader(value, path)
    row = (r.integer("line", minimum=1, maximum=MAX_NUMBER), r.scalar("r"))
    r.done()
    return row


def opening_from_json(
    value: Any, path: str = "opening"
) -> tuple[str, int, list[tuple[int, Scalar]]]:
    """(unit, sequence, per upload row its (line, randomness)) of a sealed opening."""
    r = Reader(value, path)
    opening = (
        r.text("unit", max_len=64),
        r.integer("sequence", minimum=1, maximum=MAX_NUMBER),
        r.items("rows", _opening_row, max_items=MAX_PAPER_VOTERS),
    )
    r.done()
    return opening
