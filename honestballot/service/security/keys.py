"""Server keys and the MACs made with them (one-time codes, session and CSRF tokens).

Each key is 32 random bytes kept hex-encoded in the ``settings`` table under
``key:<name>``, so every server process sharing the database uses the same key.  The
first process to need a key creates it with ``INSERT … ON CONFLICT DO NOTHING`` and
then reads the row back: when two processes race, both read the one that won.  A key
never changes once stored, so a process may cache it after reading it.

:func:`mac` is HMAC-SHA256 over length-prefixed parts, so ``("ab", "c")`` and
``("a", "bc")`` never collide; by convention the first part is a domain tag naming the
purpose and its version (``"honestballot/signin-code/v1"``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import weakref
from typing import Final

from honestballot.errors import InvalidInput
from honestballot.store.sql import SqlStore

KEY_BYTES: Final = 32
_PREFIX: Final = "key:"
_MAX_NAME: Final = 64 - len(_PREFIX)


class ServerKey(bytes):
    """A server key: plain ``bytes`` whose repr and str never show the value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ServerKey('**********')"

    __str__ = __repr__


class SecretStr(str):
    """A bearer secret handed to a person once (a token): its repr never shows it.

    ``str(secret)`` and formatting give the value, since that is how it is shown or sent;
    only ``repr`` (what logs and tracebacks use) hides it.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "SecretStr('**********')"


# Keys already read, per store (the store's engine is one database).
_cache: weakref.WeakKeyDictionary[SqlStore, dict[str, ServerKey]] = weakref.WeakKeyDictionary()


def server_key(store: SqlStore, name: str) -> ServerKey:
    """The 32-byte key called ``name``, created on first use; the same in every process."""
    if not name or len(name) > _MAX_NAME or not name.isascii():
        raise InvalidInput(f"a server key name is 1 to {_MAX_NAME} ASCII characters")
    per_store = _cache.setdefault(store, {})
    cached = per_store.get(name)
    if cached is not None:
        return cached
    setting = _PREFIX + name
    with store.connect() as conn:
        stored = store.setting(conn, setting)
    if stored is None:
        with store.transaction() as conn:
            fresh = secrets.token_bytes(KEY_BYTES).hex()
            store.add_setting(conn, setting, fresh)
            stored = store.setting(conn, setting)
    if stored is None:  # pragma: no cover - the row was inserted or already there
        raise RuntimeError(f"the server key {name!r} could not be stored")
    key = ServerKey(_decode(name, stored))
    per_store[name] = key
    return key


def mac(key: bytes, *parts: bytes | str) -> bytes:
    """HMAC-SHA256 under ``key`` of the parts, each prefixed with its 8-byte length."""
    h = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.digest()


def _decode(name: str, stored: str) -> bytes:
    try:
        key = bytes.fromhex(stored)
    except ValueError:
        raise RuntimeError(f"the stored server key {name!r} is not hex") from None
    if len(key) != KEY_BYTES:
        raise RuntimeError(f"the stored server key {name!r} is not {KEY_BYTES} bytes")
    return key
