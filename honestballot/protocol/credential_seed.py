"""The credential of an election with re-voting protection: a seed, and what derives
from it (docs/coercion.md §2.1).

A credential is 32 random bytes drawn on the voter's device; each value derives from
them under its own tag::

    c   = hash_to_scalar("credential-scalar", B base hash, B seed)     signing scalar
    sigma = c*P                                                        voting point
    t   = hash_bytes("tag-secret", B seed)                             tag secret
    tau = hash_to_point("tag-point", B base hash, B t)                 tag point

with ``P = hash_to_point("credential-base", B base hash)``.  ``t`` (which the device
shows the service) and ``c`` are independent outputs of the seed under different tags,
so the service, which learns ``t``, learns nothing of ``c`` and cannot cast.  A seed
whose ``c`` is zero (probability 2^-252) is never used: the device draws another.

The **credential code** carries the seed to another device::

    "HB2-" + base32(seed || hash_bytes("credential-code", B seed)[0:4])

upper case, without padding, in groups of five characters joined by ``-``.  ``HB1-``
codes (protocol/credential.py) encode a signing scalar of an election without re-voting
protection and are refused here.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Final

from honestballot.crypto.group import Point, Scalar
from honestballot.crypto.hashing import hash_bytes, hash_to_scalar
from honestballot.crypto.randomness import Randomness
from honestballot.crypto.representation import credential_base
from honestballot.crypto.tagging import tag_point, tag_secret
from honestballot.errors import EncodingError

SIGNING_SCALAR_TAG: Final = "credential-scalar"
CODE_TAG: Final = "credential-code"
CODE_PREFIX: Final = "HB2"
SEED_BYTES: Final = 32


def _group(text: str) -> str:
    return "-".join(text[i : i + 5] for i in range(0, len(text), 5))


def encode_code(prefix: str, secret: bytes, checksum_tag: str) -> str:
    """``prefix-`` and the base32 of ``secret`` and its 4-byte checksum, in groups of five."""
    check = hash_bytes(checksum_tag, secret)[:4]
    return f"{prefix}-" + _group(base64.b32encode(secret + check).decode().rstrip("="))


#: Cyrillic capitals that look like Latin ones, read as their Latin twins in a typed code
#: (docs/coercion.md §2.1); lower case is upper-cased first.  web/js/src/revoting.js reads
#: the same.
LOOKALIKES: Final = str.maketrans("АВЕКМНОРСТХ", "ABEKMHOPCTX")


def decode_code(code: str, prefix: str, length: int, checksum_tag: str, what: str) -> bytes:
    """The secret of a code made by :func:`encode_code`, or :class:`EncodingError` saying
    what is wrong (spaces, dashes and case do not matter, and the Cyrillic letters
    А В Е К М Н О Р С Т Х of either case are read as their Latin twins)."""
    text = code.strip().upper().translate(LOOKALIKES).replace(" ", "").replace("-", "")
    if not text.startswith(prefix):
        raise EncodingError(f"{what} starts with {prefix}-")
    body = text[len(prefix) :]
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
    except ValueError:
        raise EncodingError(f"{what} has characters outside base32") from None
    if len(raw) != length + 4:
        raise EncodingError(f"{what} has the wrong length")
    secret, check = raw[:length], raw[length:]
    if hash_bytes(checksum_tag, secret)[:4] != check:
        raise EncodingError(f"{what}'s checksum is wrong (a typo?)")
    return secret


@dataclass(frozen=True, slots=True)
class CredentialSeed:
    """A voter's credential seed; its repr never shows it."""

    seed: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.seed) != SEED_BYTES:
            raise EncodingError(f"a credential seed is {SEED_BYTES} bytes")

    def __repr__(self) -> str:
        return "CredentialSeed(<secret>)"

    def signing_scalar(self, base_hash: bytes) -> Scalar:
        """``c``; :class:`EncodingError` in the 2^-252 case where it is zero."""
        c = hash_to_scalar(SIGNING_SCALAR_TAG, base_hash, self.seed)
        if c.is_zero():
            raise EncodingError("this seed's signing scalar is zero: draw another seed")
        return c

    def voting_point(self, base_hash: bytes) -> Point:
        return credential_base(base_hash) * self.signing_scalar(base_hash)

    def tag_secret(self) -> bytes:
        return tag_secret(self.seed)

    def tag_point(self, base_hash: bytes) -> Point:
        return tag_point(base_hash, self.tag_secret())

    def to_code(self) -> str:
        return encode_code(CODE_PREFIX, self.seed, CODE_TAG)

    @classmethod
    def from_code(cls, code: str) -> CredentialSeed:
        if code.strip().upper().startswith("HB1"):
            raise EncodingError(
                "an HB1- code is a credential of an election without re-voting protection"
            )
        return cls(decode_code(code, CODE_PREFIX, SEED_BYTES, CODE_TAG, "a credential code"))


def generate_seed(rng: Randomness, base_hash: bytes) -> CredentialSeed:
    """A fresh seed whose signing scalar is not zero."""
    while True:
        seed = CredentialSeed(rng.random_bytes(SEED_BYTES))
        try:
            seed.signing_scalar(base_hash)
        except EncodingError:
            continue
        return seed
