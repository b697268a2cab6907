"""Activation letters (docs/coercion.md §2.2): what the organiser mails each voter before
an election with re-voting protection, and what derives from it.

The organiser's tool draws, for each voter, a **letter secret** of 16 random bytes and
derives::

    V = hash_to_point("voter-handle", B base hash, B secret)     the voter's handle
    a = hash_to_scalar("activation", B base hash, B secret)      activation scalar
    A = a*P_act                                                  activation point

with ``P_act = hash_to_point("activation-base", B base hash)``.  The letter carries the
**activation code** ``HBL-`` + base32(secret || hash_bytes("letter-code", B secret)[0:4])
(32 characters in groups of five).  Every counted credential proves knowledge of its
voter's ``a``; the service holds ``V`` and ``A`` only, so it can register nobody.  A
voter's **none point** ``R0 = hash_to_point("none", B base hash, P V)`` is what a first
registration revokes (:func:`honestballot.crypto.tagging.none_point`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from honestballot.crypto.group import Point, Scalar
from honestballot.crypto.hashing import hash_to_point, hash_to_scalar
from honestballot.crypto.randomness import Randomness
from honestballot.crypto.tagging import none_point
from honestballot.errors import EncodingError
from honestballot.protocol.credential_seed import decode_code, encode_code

HANDLE_TAG: Final = "voter-handle"
ACTIVATION_TAG: Final = "activation"
ACTIVATION_BASE_TAG: Final = "activation-base"
LETTER_CODE_TAG: Final = "letter-code"
LETTER_PREFIX: Final = "HBL"
LETTER_BYTES: Final = 16


def activation_base(base_hash: bytes) -> Point:
    """``P_act``: the election's activation base."""
    return hash_to_point(ACTIVATION_BASE_TAG, base_hash)


@dataclass(frozen=True, slots=True)
class LetterSecret:
    """The secret on one voter's activation letter; its repr never shows it."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) != LETTER_BYTES:
            raise EncodingError(f"a letter secret is {LETTER_BYTES} bytes")

    def __repr__(self) -> str:
        return "LetterSecret(<secret>)"

    def handle(self, base_hash: bytes) -> Point:
        return hash_to_point(HANDLE_TAG, base_hash, self.secret)

    def activation_scalar(self, base_hash: bytes) -> Scalar:
        a = hash_to_scalar(ACTIVATION_TAG, base_hash, self.secret)
        if a.is_zero():
            raise EncodingError("this letter's activation scalar is zero: draw another letter")
        return a

    def activation_point(self, base_hash: bytes) -> Point:
        return activation_base(base_hash) * self.activation_scalar(base_hash)

    def none_point(self, base_hash: bytes) -> Point:
        return none_point(base_hash, self.handle(base_hash))

    def to_code(self) -> str:
        return encode_code(LETTER_PREFIX, self.secret, LETTER_CODE_TAG)

    @classmethod
    def from_code(cls, code: str) -> LetterSecret:
        return cls(
            decode_code(code, LETTER_PREFIX, LETTER_BYTES, LETTER_CODE_TAG, "an activation code")
        )


def draw_letter(rng: Randomness, base_hash: bytes) -> LetterSecret:
    """A fresh letter secret whose activation scalar is not zero."""
    while True:
        letter = LetterSecret(rng.random_bytes(LETTER_BYTES))
        try:
            letter.activation_scalar(base_hash)
        except EncodingError:
            continue
        return letter
