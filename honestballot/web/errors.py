"""Every error the HTTP API returns, in one place: a stable code, a status, a message.

The body is always ``{"error": {"code": …, "message": …}}`` (plus ``problems`` for a
rejected roll).  Codes are part of the API: clients and tests match on them, so they
never change meaning.  A database that cannot be used now (down, disk full, locked)
is 503 ``storage_unavailable`` with ``Retry-After``.  An unexpected exception becomes
``internal_error`` with no
detail; Starlette then re-raises it, and :class:`~honestballot.web.security.SecurityMiddleware`
logs its type and the path, nothing more (its message and traceback may hold SQL
parameters, request bodies, ballots or codes).
"""

from __future__ import annotations

import logging
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from honestballot import errors
from honestballot.errors import Text
from honestballot.service.runtime import STORAGE_UNAVAILABLE
from honestballot.web.i18n import language_of
from honestballot.web.messages import describe, message_of, say_all

log = logging.getLogger("honestballot.web")

#: seconds a client waits before retrying while the database cannot be used
STORAGE_RETRY_AFTER_S: Final = 5
STORAGE_MESSAGE: Final = Text(
    "error.storage_unavailable", "the service's database is unavailable; try again shortly"
)

#: exception class -> (HTTP status, stable code); the first match in order wins
ERROR_CODES: tuple[tuple[type[BaseException], int, str], ...] = (
    (errors.RollRejected, 400, "roll_rejected"),
    (errors.RecordFormatError, 400, "malformed_input"),
    (errors.EncodingError, 400, "malformed_input"),
    (errors.InvalidBallot, 422, "invalid_ballot"),
    (errors.InvalidProof, 422, "invalid_proof"),
    (errors.InvalidShare, 422, "invalid_share"),
    (errors.NotRegistered, 409, "not_registered"),
    (errors.BallotRejected, 409, "ballot_rejected"),
    (errors.ProtocolError, 409, "not_allowed_now"),
    (errors.LogError, 400, "invalid_input"),
    (errors.InvalidInput, 400, "invalid_input"),
    (errors.RateLimited, 429, "rate_limited"),
    (errors.SignInFailed, 401, "sign_in_failed"),
    (errors.NotSignedIn, 401, "not_signed_in"),
    (errors.Forbidden, 403, "forbidden"),
    (errors.DeliveryFailed, 502, "delivery_failed"),
    (errors.NotFound, 404, "not_found"),
    (errors.AuditFailed, 500, "audit_failed"),
    (errors.StorageUnavailable, 503, "storage_unavailable"),
)

HTTP_CODES = {
    400: "bad_request",
    401: "not_signed_in",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    411: "length_required",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


class ApiError(Exception):
    """An error the web layer raises itself (not found, too large, wrong content type)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def classify(exc: BaseException) -> tuple[int, str]:
    for cls, status, code in ERROR_CODES:
        if isinstance(exc, cls):
            return status, code
    return 500, "internal_error"


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": str(message), **extra}}


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


def error_response(
    request: Request, status: int, code: str, message: str, **extra: Any
) -> Response:
    """The error as JSON (``message`` in English, as clients have matched on it; ``text``
    in the request's language: ``?lang``, the language cookie, ``Accept-Language``) or,
    for a browser asking for a page, as the error page in that language."""
    headers = {}
    if "retry_after" in extra:
        headers["Retry-After"] = str(extra.pop("retry_after"))
    lang = language_of(request)
    text, detail = describe(code, message, lang)
    if _wants_html(request):
        from honestballot.web.pages import render_error

        page: Response = render_error(request, status, code, text, detail, headers)
        return page
    if "problems" in extra:
        extra["problem_texts"] = say_all(extra["problems"], lang)
    body = error_body(code, message, text=text, lang=lang, **extra)
    return JSONResponse(body, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Turn every exception into the one error format."""

    @app.exception_handler(errors.HonestBallotError)
    async def _domain(request: Request, exc: errors.HonestBallotError) -> Response:
        status, code = classify(exc)
        extra: dict[str, Any] = {}
        if isinstance(exc, errors.RollRejected):
            extra["problems"] = exc.problems[:1000]
        if isinstance(exc, errors.RateLimited):
            extra["retry_after"] = exc.retry_after
        if isinstance(exc, errors.StorageUnavailable):
            return _storage_unavailable(request, exc.kind)
        return error_response(request, status, code, message_of(exc), **extra)

    async def _storage(request: Request, exc: Exception) -> Response:
        return _storage_unavailable(request, type(exc).__name__)

    for storage_error in STORAGE_UNAVAILABLE:
        app.add_exception_handler(storage_error, _storage)

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> Response:
        return error_response(request, exc.status, exc.code, exc.message)

    @app.exception_handler(ClientDisconnect)
    async def _disconnected(request: Request, exc: ClientDisconnect) -> Response:
        # the client went away before its body was complete: no fault of the server, and
        # nobody is left to read this answer
        log.debug("client disconnected during %s %s", request.method, request.url.path)
        return error_response(
            request, 400, "bad_request", "the connection closed before the body was complete"
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        # the framework's own detail ("Not Found") says no more than the code's sentence
        return error_response(
            request, exc.status_code, code, Text(f"error.{code}", str(exc.detail))
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        english = f"{where}: {first.get('msg', 'invalid request')}" if where else "invalid request"
        # the framework's sentence is English: the reader is told which field, in words
        message = (
            Text("request.field", english, field=where[:120])
            if where
            else Text("error.invalid_request", english)
        )
        return error_response(request, 422, "invalid_request", message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # not logged here: Starlette re-raises after this answer, and SecurityMiddleware
        # logs the type once (it also sees exceptions from outside this app)
        return error_response(
            request,
            500,
            "internal_error",
            Text("error.internal_error", "an internal error occurred"),
        )


def _storage_unavailable(request: Request, kind: str) -> Response:
    """503 ``storage_unavailable`` with ``Retry-After``: the database is down, its disk is
    full or it is locked; the request may succeed later.  Logged by the error's type only
    (its text may hold statement parameters), as a warning: the operator's monitoring of
    ``/healthz`` is what pages someone."""
    log.warning("storage unavailable on %s %s: %s", request.method, request.url.path, kind)
    return error_response(
        request, 503, "storage_unavailable", STORAGE_MESSAGE, retry_after=STORAGE_RETRY_AFTER_S
    )
