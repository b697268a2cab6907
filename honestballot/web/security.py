"""Request size limits and security headers, as plain ASGI middleware.

Size: a request whose ``Content-Length`` is over the limit for its path is refused
with 413 before the body is read; a chunked body is counted as it streams and cut
off at the limit, also with 413 (see :class:`_TooLarge`).  Errors: an exception that
escapes the app is logged by type and path only, never re-raised to the server (whose
traceback would carry SQL parameters and request data); a client that disconnects
mid-body is not an error (a debug line).  Headers: a strict
Content-Security-Policy (scripts, styles and connections only from this origin; no
inline script, no framing), no MIME sniffing, no referrer, and ``no-store`` on API
responses and pages that show personal data.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from honestballot.service.voters.revoting import MAX_AUDIT_REQUEST_BYTES, MAX_CAST_REQUEST_BYTES
from honestballot.web.i18n import language_of
from honestballot.web.messages import describe

log = logging.getLogger("honestballot.web")

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)

DEFAULT_LIMIT = 64 * 1024

#: (path pattern, limit in bytes); the first pattern that matches wins
LIMITS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"/roll$"), 64 * 1024 * 1024),  # organiser roll import (CSV)
    # the organiser's encrypted roll: about 1.3 KB a voter, so about 150,000 voters
    (re.compile(r"/encrypted-roll$"), 192 * 1024 * 1024),
    (re.compile(r"^(/api)?/organiser/elections$"), 16 * 1024 * 1024),  # manifest + ceremony
    (re.compile(r"/report$"), 6 * 1024 * 1024),  # anonymous report with an attachment
    # a part of a trustee's close object: no larger than one line of the election record
    # may be (record.events.MAX_LINE_BYTES)
    (re.compile(r"^/api/e/[^/]+/close$"), 64 * 1024 * 1024),
    # a commission's paper results (web/paper_pages.MAX_PAPER_BYTES, about 300 bytes a
    # listed voter), sent as JSON or through the commission's page (multipart)
    (re.compile(r"/stations/[^/]+/paper$"), 33 * 1024 * 1024),
    # a ballot version 2 with its private part, and an audit of one: the desk's own limits
    (re.compile(r"/revoting/ballots$"), MAX_CAST_REQUEST_BYTES),
    (re.compile(r"/revoting/audits$"), MAX_AUDIT_REQUEST_BYTES),
)


def limit_for(path: str, limits: Sequence[tuple[re.Pattern[str], int]] = LIMITS) -> int:
    for pattern, limit in limits:
        if pattern.search(path):
            return limit
    return DEFAULT_LIMIT


class _TooLarge(HTTPException):
    """Raised from ``receive`` inside the app when a chunked body passes the limit.

    It is an HTTPException(413) rather than a private exception, so that it travels
    the same way as the app's own 404s: FastAPI re-raises an HTTPException met while
    parsing a body (any other exception becomes 400 "error parsing the body"),
    Starlette's multipart parser lets it through, endpoints that ``await
    request.body()`` let it through, and the app's HTTPException handler
    (:func:`honestballot.web.errors.install`) answers 413 ``too_large`` in the
    project's error format, as for the ``Content-Length`` case.  (The alternative,
    buffering a body without ``Content-Length`` here and replaying it, would hold up
    to 64 MiB in memory per request for any path ending in ``/roll``, signed in or
    not, where the app streams a multipart upload to a temporary file.)  Should it
    still escape the app, the middleware answers 413 itself if nothing was sent yet.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, _too_large_message(limit))


def _too_large_message(limit: int) -> str:
    return f"the request body is over {limit} bytes"


def _body(scope: Scope, code: str, message: str) -> bytes:
    """The one error format (web/errors.py), ``text`` in the request's language: these
    answers leave before the app's handlers could give them."""
    lang = language_of(Request(scope))
    text = describe(code, message, lang)[0]
    body = {"error": {"code": code, "message": message, "text": text, "lang": lang}}
    return json.dumps(body, ensure_ascii=False).encode()


def _too_large(limit: int, scope: Scope) -> bytes:
    return _body(scope, "too_large", _too_large_message(limit))


def _internal_error(scope: Scope) -> bytes:
    return _body(scope, "internal_error", "an internal error occurred")


class SecurityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = limit_for(path)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = True
            if too_big:
                await _send_json(send, 413, _too_large(limit, scope))
                return
        no_store = (
            path.startswith("/api/") or path.startswith("/e/") or path.startswith("/organiser")
        )
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge(limit)
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                raw = list(message.get("headers", []))
                names = {k.lower() for k, _ in raw}
                raw.extend(h for h in SECURITY_HEADERS if h[0] not in names)
                if no_store and b"cache-control" not in names:
                    raw.append((b"cache-control", b"no-store"))
                message = {**message, "headers": raw}
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except _TooLarge:
            if not response_started:
                await _send_json(send, 413, _too_large(limit, scope))
        except ClientDisconnect:
            # the client went away mid-body (the app's handler answers this one; a bare
            # app lets it out): nobody to answer, and no fault of the server
            log.debug("client disconnected during %s %s", scope.get("method", ""), path)
        except Exception as exc:
            # Starlette answers 500 through the app's handler and then re-raises "so
            # that servers can log it": uvicorn would log the whole traceback, whose
            # frames and messages hold SQL parameters (names, national IDs, e-mails)
            # and request data.  The exception ends here: its type and the path are
            # logged (docs/api.md), and the server sees a request that was answered.
            log.error(
                "internal error on %s %s: %s", scope.get("method", ""), path, type(exc).__name__
            )
            if not response_started:
                await _send_json(send, 500, _internal_error(scope))


async def _send_json(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers.extend(SECURITY_HEADERS)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
