"""Domain-separated hashing: every hash in honestballot goes through here.

Each hash starts from one versioned prefix (``honestballot/v1``) and a tag naming
its purpose, then absorbs a sequence of typed, length-prefixed parts, so two
different statements can never serialise to the same bytes.  Fiat--Shamir
challenges use :func:`hash_to_scalar` with the election's base hash and the
*whole* statement (keys, ciphertexts, commitments, voter credential) as parts;
hashing only the commitments is the "weak Fiat--Shamir" flaw this prevents.

Encoding of one part: a one-byte type code, an 8-byte big-endian length, the bytes.
Type codes: P point, S scalar, B bytes, T text (UTF-8), I integer (signed, decimal
ASCII), L list (its length is the number of items, followed by the items).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal, Union

from honestballot.crypto.group import Point, Scalar

PROTOCOL_PREFIX: Final = b"honestballot/v1"

@dataclass(frozen=True, slots=True)
class Encoded:
    """A point (``code`` "P") or a scalar ("S") given by its 32-byte encoding, not yet
    decoded: it hashes exactly as the decoded value would, so that a signature over a
    large statement can be checked before its (far dearer) decoding."""

    code: Literal["P", "S"]
    data: bytes

    def __post_init__(self) -> None:
        if len(self.data) != 32:
            raise ValueError("an encoded point or scalar is 32 bytes")


Part = Union[Point, Scalar, Encoded, bytes, str, int, "list[Part]", "tuple[Part, ...]"]


def _absorb(h: hashlib._Hash, part: Part) -> None:
    if isinstance(part, Point):
        h.update(b"P" + (32).to_bytes(8, "big") + part.data)
    elif isinstance(part, Scalar):
        h.update(b"S" + (32).to_bytes(8, "big") + part.encode())
    elif isinstance(part, Encoded):
        h.update(part.code.encode("ascii") + (32).to_bytes(8, "big") + part.data)
    elif isinstance(part, bytes | bytearray):
        h.update(b"B" + len(part).to_bytes(8, "big") + bytes(part))
    elif isinstance(part, str):
        raw = part.encode("utf-8")
        h.update(b"T" + len(raw).to_bytes(8, "big") + raw)
    elif isinstance(part, bool):
        raise TypeError("booleans are not hashed; use an integer")
    elif isinstance(part, int):
        raw = str(part).encode("ascii")
        h.update(b"I" + len(raw).to_bytes(8, "big") + raw)
    elif isinstance(part, list | tuple):
        h.update(b"L" + len(part).to_bytes(8, "big"))
        for item in part:
            _absorb(h, item)
    else:
        raise TypeError(f"cannot hash a {type(part).__name__}")


def _tagged(tag: str, parts: Iterable[Part], algorithm: str) -> hashlib._Hash:
    h = hashlib.new(algorithm)
    raw_tag = PROTOCOL_PREFIX + b"/" + tag.encode("ascii")
    h.update(len(raw_tag).to_bytes(8, "big") + raw_tag)
    for part in parts:
        _absorb(h, part)
    return h


def canonical_json(obj: object) -> bytes:
    """Canonical bytes of a JSON value (sorted keys, no spaces, UTF-8; RFC 8785 for the
    float-free subset records use).  Hashes of record objects are taken over these."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def hash_bytes(tag: str, *parts: Part) -> bytes:
    """A 32-byte SHA-256 digest of ``parts`` under ``tag``."""
    return _tagged(tag, parts, "sha256").digest()


def hash_to_scalar(tag: str, *parts: Part) -> Scalar:
    """A uniform scalar: SHA-512 of the tagged parts, reduced modulo L."""
    return Scalar.from_uniform_bytes(_tagged(tag, parts, "sha512").digest())


def hash_to_point(tag: str, *parts: Part) -> Point:
    """A group element with unknown discrete log: SHA-512 then the RFC 9496 one-way map."""
    return Point.from_uniform_bytes(_tagged(tag, parts, "sha512").digest())
