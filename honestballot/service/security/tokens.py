"""Signed tokens: a payload and its MAC under a server key and a domain, in one format.

A token is ``base64url(payload) + "." + base64url(tag)`` where ``tag`` is
:func:`~honestballot.service.security.keys.mac` of ``(domain, payload)`` under the key
(HMAC-SHA256 over length-prefixed parts).  The domain names the token's purpose and
version (``"honestballot/voter-session/v2"``), so a token made for one purpose is refused
for every other even under the same key.  The payload is signed, not encrypted: anyone
holding the token can read it.

Every token the services hand out — the voter's session, the national ID between the two
sign-in pages, the CSRF token — is made by :func:`sign` and read by :func:`verify`, which
returns the payload or raises :class:`~honestballot.errors.InvalidToken`.  Expiry and the
payload's meaning are the caller's.

The base64url here is strict, so one payload has exactly one token: no ``=`` padding, only
the 64 URL-safe characters, no unused bits set in the last character, and at most
:data:`MAX_TOKEN` characters in all.
"""

from __future__ import annotations

import base64
import hmac
import re
from typing import Final

from honestballot.errors import InvalidToken
from honestballot.service.security.keys import mac

#: the longest token :func:`verify` reads (and :func:`sign` makes), in characters
MAX_TOKEN: Final = 1024
_TAG_BYTES: Final = 32
_ALPHABET: Final = re.compile(r"[A-Za-z0-9_-]*")
_MAX_DOMAIN: Final = 128


def sign(key: bytes, domain: str, payload: bytes) -> str:
    """The token carrying ``payload``, signed under ``key`` for ``domain``.

    ValueError when the token would be longer than :data:`MAX_TOKEN` (so nothing is ever
    handed out that :func:`verify` would refuse).
    """
    _check_domain(domain)
    token = b64encode(payload) + "." + b64encode(mac(key, domain, payload))
    if len(token) > MAX_TOKEN:
        raise ValueError(f"a signed token is at most {MAX_TOKEN} characters")
    return token


def verify(key: bytes, domain: str, token: str) -> bytes:
    """The payload of ``token`` if it was signed under ``key`` for ``domain``.

    InvalidToken otherwise: too long, not two strict base64url parts, or a wrong tag (a
    changed payload, another key or another domain).
    """
    _check_domain(domain)
    if len(token) > MAX_TOKEN:
        raise InvalidToken(f"the token is malformed: longer than {MAX_TOKEN} characters")
    payload_text, dot, tag_text = token.partition(".")
    if not dot:
        raise InvalidToken("the token is malformed: it has no '.'")
    payload = b64decode(payload_text)
    tag = b64decode(tag_text)
    if len(tag) != _TAG_BYTES:
        raise InvalidToken(f"the token is malformed: its tag is not {_TAG_BYTES} bytes")
    if not hmac.compare_digest(tag, mac(key, domain, payload)):
        raise InvalidToken("the token is not valid: its tag does not match")
    return payload


def b64encode(data: bytes) -> str:
    """Unpadded base64url, the one encoding :func:`b64decode` accepts."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    """The bytes of unpadded, canonical base64url ``text``; InvalidToken otherwise."""
    if len(text) > MAX_TOKEN or not _ALPHABET.fullmatch(text) or len(text) % 4 == 1:
        raise InvalidToken("the token is malformed: not unpadded base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64encode(data) != text:  # unused low bits set: one value, one encoding
        raise InvalidToken("the token is malformed: not canonical base64url")
    return data


def _check_domain(domain: str) -> None:
    if not domain or len(domain) > _MAX_DOMAIN or not domain.isascii():
        raise ValueError(f"a token domain is 1 to {_MAX_DOMAIN} ASCII characters")
