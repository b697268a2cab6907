"""Who is asking: the client, the signed-in voter or organiser, the CSRF check.

Cookies: ``hb_visitor`` (a random id for the CSRF double-submit check), ``hb_session``
(the voter's signed session token, bound to one election), ``hb_organiser`` (the
organiser's token after signing in on the organiser page), ``hb_lang``.  All are
HttpOnly and SameSite=Strict.
"""

from __future__ import annotations

from fastapi import Request, Response

from honestballot.errors import Forbidden, NotSignedIn, Text
from honestballot.service.activity import device_fingerprint
from honestballot.service.messages.notices import describe_device
from honestballot.service.runtime import Services
from honestballot.service.security.csrf import check_csrf, csrf_token, new_visitor_id
from honestballot.service.security.organisers import Organiser
from honestballot.service.security.proxies import UNKNOWN
from honestballot.service.voters.signin import VoterSession
from honestballot.service.voters.voting import Client
from honestballot.web.i18n import language_of

VISITOR = "hb_visitor"
SESSION = "hb_session"
ORGANISER = "hb_organiser"
CSRF_HEADER = "x-csrf-token"


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def client_address(request: Request) -> str:
    """The client's address, as :class:`~honestballot.web.client_address.ClientAddress`
    found it from the socket peer and the trusted proxies' X-Forwarded-For."""
    return request.client.host if request.client else UNKNOWN


def client_of(request: Request, session: str = "") -> Client:
    ua = request.headers.get("user-agent", "")[:512]
    return Client(
        address=client_address(request),
        device=device_fingerprint(ua, request.headers.get("accept-language", "")),
        device_description=describe_device(ua),
        user_agent=ua,
        language=language_of(request),
        session=session,
    )


def visitor_id(request: Request) -> str:
    """The visitor id from the cookie, or a new one (set by :func:`set_cookies`)."""
    existing = request.cookies.get(VISITOR, "")
    if 16 <= len(existing) <= 64 and existing.isalnum():
        return existing
    fresh: str | None = getattr(request.state, "new_visitor", None)
    if fresh is None:
        fresh = new_visitor_id()
        request.state.new_visitor = fresh
    return fresh


def csrf_for(request: Request) -> str:
    return csrf_token(services_of(request).csrf_key, visitor_id(request))


def require_csrf(request: Request, form_token: str | None = None) -> None:
    """Forms send the token as a field, scripts as the X-CSRF-Token header."""
    token = form_token or request.headers.get(CSRF_HEADER, "")
    visitor = request.cookies.get(VISITOR, "")
    if not visitor or not token:
        raise Forbidden(
            Text("csrf.missing", "the request has no CSRF token: reload the page and try again")
        )
    check_csrf(services_of(request).csrf_key, visitor, token)


def cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=services_of(request).config.secure_cookies,
        path="/",
    )


def set_cookies(request: Request, response: Response) -> None:
    """Persist a visitor id made during this request."""
    fresh = getattr(request.state, "new_visitor", None)
    if fresh is not None and request.cookies.get(VISITOR) != fresh:
        cookie(response, request, VISITOR, fresh, 60 * 60 * 24 * 30)


def voter_session(request: Request, election_id: str) -> VoterSession:
    token = request.cookies.get(SESSION, "")
    if not token:
        raise NotSignedIn(
            Text("session.none", "sign in with the code sent to your phone or e-mail first")
        )
    return services_of(request).signin.session_from_token(token, election_id=election_id)


def organiser(request: Request) -> Organiser:
    """The signed-in organiser (its label and the election its token is scoped to, if
    any), from ``Authorization: Bearer`` (API) or the page cookie."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return services_of(request).organisers.check(auth[7:].strip())
    token = request.cookies.get(ORGANISER, "")
    if not token:
        raise NotSignedIn(
            Text("organiser.not_signed_in", "organisers sign in with their organiser token")
        )

    who = services_of(request).organisers.check(token)
    if request.method not in ("GET", "HEAD"):
        require_csrf(request)
    return who
