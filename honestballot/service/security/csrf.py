"""CSRF tokens: the visitor's id, signed (the signed double-submit pattern).

The web layer gives every visitor a random id (:func:`new_visitor_id`) in a
``SameSite=Strict``, ``HttpOnly`` cookie and puts :func:`csrf_token` of that id in every
form and in a header for scripts.  A state-changing request passes only when the token
it carries is a signed token (:mod:`~honestballot.service.security.tokens`) of the id in
its cookie (:func:`check_csrf`).  Another site can neither read the cookie nor sign an id,
so it cannot forge the pair.  Use the server key ``csrf``
(``server_key(store, CSRF_KEY_NAME)``).
"""

from __future__ import annotations

import hmac
import secrets
from typing import Final

from honestballot.errors import Forbidden, InvalidToken, Text
from honestballot.service.security import tokens

CSRF_KEY_NAME: Final = "csrf"
_DOMAIN: Final = "honestballot/csrf/v2"  # v2: the one signed-token format
_MAX_ID: Final = 128


def new_visitor_id() -> str:
    """A fresh random visitor id (32 hex characters) for the CSRF cookie."""
    return secrets.token_hex(16)


def csrf_token(key: bytes, session_id: str) -> str:
    """The token that goes with ``session_id`` (a visitor or session id)."""
    _check_id(session_id)
    return tokens.sign(key, _DOMAIN, session_id.encode("utf-8"))


def check_csrf(key: bytes, session_id: str, token: str) -> None:
    """Raise Forbidden unless ``token`` is the token of ``session_id``."""
    _check_id(session_id)
    try:
        signed_id = tokens.verify(key, _DOMAIN, token)
    except InvalidToken:
        signed_id = None
    if signed_id is None or not hmac.compare_digest(signed_id, session_id.encode("utf-8")):
        raise Forbidden(
            Text(
                "csrf.mismatch",
                "the form's CSRF token does not match this visitor; reload the page",
            )
        )


def _check_id(session_id: str) -> None:
    if not session_id or len(session_id) > _MAX_ID:
        raise Forbidden(
            Text("csrf.no_visitor", "no visitor id for the CSRF check; reload the page")
        )
