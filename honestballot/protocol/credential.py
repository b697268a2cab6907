"""The voter's credential: a signing key made on the voter's own device.

The election holds only the public part.  The secret never leaves the voter:
it signs each ballot, and every proof in the ballot binds the public part, so a
ballot copied from the board cannot be re-cast under another credential.

To carry the credential to another device the voter can print it as a code:
``HB1-`` followed by the base32 of the 32-byte secret and a 4-byte checksum, in
groups of five characters.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

from honestballot.crypto.group import Point, Scalar, base_mul
from honestballot.crypto.randomness import Randomness, random_nonzero_scalar
from honestballot.errors import EncodingError

_CODE_PREFIX = "HB1"


@dataclass(frozen=True, slots=True)
class VoterCredential:
    """A voter's secret signing key.  Its repr never shows the secret."""

    secret: Scalar = field(repr=False)
    public: Point

    def __repr__(self) -> str:
        return f"VoterCredential(public={self.public.hex()[:16]}…, secret=<hidden>)"

    def to_code(self) -> str:
        raw = self.secret.encode()
        check = hashlib.sha256(b"honestballot/v1/credential-code" + raw).digest()[:4]
        text = base64.b32encode(raw + check).decode().rstrip("=")
        groups = [text[i : i + 5] for i in range(0, len(text), 5)]
        return "-".join([_CODE_PREFIX, *groups])

    @classmethod
    def from_code(cls, code: str) -> VoterCredential:
        parts = code.strip().upper().replace(" ", "").split("-")
        if not parts or parts[0] != _CODE_PREFIX:
            raise EncodingError("a credential code starts with HB1-")
        text = "".join(parts[1:])
        try:
            raw = base64.b32decode(text + "=" * (-len(text) % 8))
        except ValueError:
            raise EncodingError("the credential code has characters outside base32") from None
        if len(raw) != 36:
            raise EncodingError("the credential code has the wrong length")
        secret, check = raw[:32], raw[32:]
        if hashlib.sha256(b"honestballot/v1/credential-code" + secret).digest()[:4] != check:
            raise EncodingError("the credential code's checksum is wrong (a typo?)")
        return cls.from_secret(Scalar.decode(secret))

    @classmethod
    def from_secret(cls, secret: Scalar) -> VoterCredential:
        if secret.is_zero():
            raise EncodingError("a credential secret cannot be zero")
        return cls(secret, base_mul(secret))


def generate_credential(rng: Randomness) -> VoterCredential:
    """Make a new credential (on the voter's device)."""
    return VoterCredential.from_secret(random_nonzero_scalar(rng))
