"""Hybrid encryption of one DKG share to one trustee's communication key.

Shares travel inside *public* deal files, so each is encrypted to the recipient's
communication key ``X = x*G`` (ristretto255 DH + ChaCha20-Poly1305)::

    e random;  E = e*G;  K = e*X  (= x*E)
    key = H("dkg-share-key", ceremony, dealer, recipient, E, X, K)
    ad  = H("dkg-share-ad",  ceremony, dealer, recipient, E, X)
    ciphertext = ChaCha20-Poly1305(key, nonce = 0^12, plaintext = share (32 bytes LE), ad)

The key is fresh for every ``E``, so the fixed nonce is never reused under one key.
Binding the ceremony, dealer and recipient into both the key and the associated data
means a ciphertext cannot be moved to another ceremony, dealer or recipient.

For a complaint, the recipient reveals ``K`` (with a Chaum--Pedersen proof that
``log_G(X) = log_E(K)``); :func:`open_with_dh_point` then lets *anyone* decrypt that
one share and see whether it matches the dealer's commitments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from honestballot.crypto.group import Point, Scalar, base_mul
from honestballot.crypto.hashing import hash_bytes
from honestballot.crypto.randomness import Randomness, random_nonzero_scalar
from honestballot.errors import EncodingError, InvalidShare

_NONCE: Final = bytes(12)
#: 32 bytes of scalar plus the 16-byte Poly1305 tag.
CIPHERTEXT_LEN: Final = 48


@dataclass(frozen=True, slots=True)
class ShareContext:
    """Who sent which share to whom, in which ceremony (bound into key and AD)."""

    ceremony_hash: bytes
    dealer: int
    recipient: int


@dataclass(frozen=True, slots=True)
class EncryptedShare:
    """``E = e*G`` and the AEAD ciphertext of the 32-byte share."""

    ephemeral: Point
    ciphertext: bytes


def _key(ctx: ShareContext, ephemeral: Point, recipient_key: Point, dh: Point) -> bytes:
    return hash_bytes(
        "dkg-share-key",
        ctx.ceremony_hash,
        ctx.dealer,
        ctx.recipient,
        ephemeral,
        recipient_key,
        dh,
    )


def _ad(ctx: ShareContext, ephemeral: Point, recipient_key: Point) -> bytes:
    return hash_bytes(
        "dkg-share-ad", ctx.ceremony_hash, ctx.dealer, ctx.recipient, ephemeral, recipient_key
    )


def encrypt_share(
    share: Scalar, recipient_key: Point, ctx: ShareContext, rng: Randomness
) -> EncryptedShare:
    """Encrypt ``share`` so that only the holder of ``log_G(recipient_key)`` can read it."""
    if recipient_key.is_identity():
        raise InvalidShare(f"trustee {ctx.recipient}: the communication key is the identity")
    e = random_nonzero_scalar(rng)
    ephemeral = base_mul(e)
    dh = recipient_key * e
    aead = ChaCha20Poly1305(_key(ctx, ephemeral, recipient_key, dh))
    ct = aead.encrypt(_NONCE, share.encode(), _ad(ctx, ephemeral, recipient_key))
    return EncryptedShare(ephemeral, ct)


def dh_point(recipient_secret: Scalar, encrypted: EncryptedShare) -> Point:
    """``K = x*E``: what the recipient reveals in a complaint."""
    return encrypted.ephemeral * recipient_secret


def open_with_dh_point(
    dh: Point, encrypted: EncryptedShare, recipient_key: Point, ctx: ShareContext
) -> Scalar:
    """Decrypt with a (proven) DH point; :class:`InvalidShare` if it does not decrypt
    to a canonical scalar."""
    what = f"share from dealer {ctx.dealer} to trustee {ctx.recipient}"
    if len(encrypted.ciphertext) != CIPHERTEXT_LEN:
        raise InvalidShare(f"{what}: ciphertext is {len(encrypted.ciphertext)} bytes")
    aead = ChaCha20Poly1305(_key(ctx, encrypted.ephemeral, recipient_key, dh))
    try:
        raw = aead.decrypt(
            _NONCE, encrypted.ciphertext, _ad(ctx, encrypted.ephemeral, recipient_key)
        )
    except InvalidTag:
        raise InvalidShare(f"{what}: does not decrypt (authentication failed)") from None
    try:
        return Scalar.decode(raw)
    except EncodingError as exc:
        raise InvalidShare(f"{what}: not a canonical scalar ({exc})") from None


def decrypt_share(recipient_secret: Scalar, encrypted: EncryptedShare, ctx: ShareContext) -> Scalar:
    """The recipient's own decryption: ``K = x*E``, then :func:`open_with_dh_point`."""
    return open_with_dh_point(
        dh_point(recipient_secret, encrypted), encrypted, base_mul(recipient_secret), ctx
    )
