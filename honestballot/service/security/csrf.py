"""CSRF tokens: a MAC of the visitor's id (the signed double-submit pattern).

The web layer gives every visitor a random id (:func:`new_visitor_id`) in a
``SameSite=Strict``, ``HttpOnly`` cookie and puts :func:`csrf_token` of that id in every
form and in a header for scripts.  A state-changing request passes only when the token
it carries is the MAC of the id in its cookie (:func:`check_csrf`).  Another site can
neither read the cookie nor compute the MAC, so it cannot forge the pair.  Use the
server key ``csrf`` (``server_key(store, CSRF_KEY_NAME)``).
"""

from __future__ import annotations

import base64
import hmac
import secrets
from typing import Final

from honestballot.errors import Forbidden
from honestballot.service.security.keys import mac

CSRF_KEY_NAME: Final = "csrf"
_DOMAIN: Final = "honestballot/csrf/v1"
_MAX_ID: Final = 128


def new_visitor_id() -> str:
    """A fresh random visitor id (32 hex characters) for the CSRF cookie."""
    return secrets.token_hex(16)


def csrf_token(key: bytes, session_id: str) -> str:
    """The token that goes with ``session_id`` (a visitor or session id)."""
    _check_id(session_id)
    return base64.urlsafe_b64encode(mac(key, _DOMAIN, session_id)).rstrip(b"=").decode("ascii")


def check_csrf(key: bytes, session_id: str, token: str) -> None:
    """Raise Forbidden unless ``token`` is the token of ``session_id``."""
    expected = csrf_token(key, session_id).encode("ascii")
    if not hmac.compare_digest(expected, token.encode("utf-8", "replace")):
        raise Forbidden("the form's CSRF token does not match this visitor; reload the page")


def _check_id(session_id: str) -> None:
    if not session_id or len(session_id) > _MAX_ID:
        raise Forbidden("no visitor id for the CSRF check; reload the page")
