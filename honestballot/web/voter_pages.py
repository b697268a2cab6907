"""The voter's pages (``/e/{eid}/…``): ``signin`` → ``code`` → ``vote``, and
``receipt/{tracking_hash}``.

The national ID typed on the sign-in page travels to the code page, with the sign-in
request the code belongs to, in a short-lived signed cookie, never in a URL.  All page
behaviour is in ``static/voter.js``.  The sign-in steps, shared with the JSON API, are
in :mod:`voter_common`.
"""

from __future__ import annotations

import re
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from honestballot.errors import (
    DeliveryFailed,
    InvalidInput,
    NotFound,
    NotSignedIn,
    RateLimited,
    Text,
)
from honestballot.errors import SignInFailed as SignInFailedError
from honestballot.web.deps import require_csrf, services_of, voter_session
from honestballot.web.i18n import language_of
from honestballot.web.messages import message_of, say
from honestballot.web.pages import render
from honestballot.web.stations import voter_station
from honestballot.web.voter_common import (
    MAX_ID_TEXT,
    PENDING,
    election_context,
    end_session,
    pending_request,
    public_context,
    request_code,
    set_pending,
    set_session,
    verify_code,
)

router = APIRouter()

# -- the pages --------------------------------------------------------------------------


def _page(
    request: Request, election_id: str, template: str, status: int = 200, **ctx: Any
) -> HTMLResponse:
    services = services_of(request)
    election = election_context(services, election_id)
    return render(
        request,
        template,
        status,
        election_id=election_id,
        title=election.manifest.title.get(language_of(request)),
        phase=services.elections.phase(election_id),
        **ctx,
    )


def _field(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _back_to_signin(request: Request, election_id: str) -> RedirectResponse:
    """To the sign-in page; saying that the sign-in timed out if this browser had begun
    one (its cookie is there but no longer valid)."""
    why = "?timed_out=1" if request.cookies.get(PENDING) else ""
    return _see_other(f"/e/{election_id}/signin{why}")


#: the sign-in failures after which the code page offers a new code at once
_NEW_CODE_AFTER: Final = frozenset({"signin.code_expired", "signin.code_used_up", "signin.no_code"})


def _limited(
    request: Request, election_id: str, template: str, exc: RateLimited | DeliveryFailed
) -> HTMLResponse:
    """The page again, saying in the voter's language what was refused and when to try
    again (the Retry-After header says it to machines)."""
    status = 429 if isinstance(exc, RateLimited) else 502
    page = _page(
        request,
        election_id,
        template,
        status,
        error=None,
        error_text=say(message_of(exc), language_of(request)),
    )
    if isinstance(exc, RateLimited):
        page.headers["Retry-After"] = str(exc.retry_after)
    return page


@router.get("/e/{election_id}/signin", response_class=HTMLResponse, include_in_schema=False)
def signin_page(election_id: str, request: Request, timed_out: str = "") -> HTMLResponse:
    error = "voter.code.timed_out" if timed_out else None
    return _page(request, election_id, "voter_signin.html", error=error)


@router.post("/e/{election_id}/signin", include_in_schema=False)
async def signin_form(election_id: str, request: Request) -> Response:
    form = await request.form()
    require_csrf(request, _field(form, "csrf"))
    services = services_of(request)
    await run_in_threadpool(election_context, services, election_id)
    national_id = _field(form, "national_id")[:MAX_ID_TEXT]
    try:
        token = await request_code(request, election_id, national_id)
    except (RateLimited, DeliveryFailed) as exc:
        return await run_in_threadpool(_limited, request, election_id, "voter_signin.html", exc)
    except InvalidInput:
        phase = await run_in_threadpool(services.elections.phase, election_id)
        error = "voter.signin.bad_id" if phase == "open" else "voter.signin.not_open"
        return await run_in_threadpool(
            _page, request, election_id, "voter_signin.html", 400, error=error
        )
    response = _see_other(f"/e/{election_id}/code")
    set_pending(request, response, token)
    return response


@router.get("/e/{election_id}/code", response_class=HTMLResponse, include_in_schema=False)
def code_page(election_id: str, request: Request) -> Response:
    election_context(services_of(request), election_id)
    if pending_request(request, election_id) is None:
        return _back_to_signin(request, election_id)
    resent = request.query_params.get("resent") == "1"
    return _page(request, election_id, "voter_code.html", error=None, resent=resent)


@router.post("/e/{election_id}/code/new", include_in_schema=False)
async def new_code_form(election_id: str, request: Request) -> Response:
    """Another code for the ID this browser is signing in with (after an expired or
    used-up code), without typing the ID again."""
    form = await request.form()
    require_csrf(request, _field(form, "csrf"))
    await run_in_threadpool(election_context, services_of(request), election_id)
    held = await run_in_threadpool(pending_request, request, election_id)
    if held is None:
        return _back_to_signin(request, election_id)
    try:
        token = await request_code(request, election_id, held[0])
    except (RateLimited, DeliveryFailed) as exc:
        return await run_in_threadpool(_limited, request, election_id, "voter_code.html", exc)
    except InvalidInput:
        return _see_other(f"/e/{election_id}/signin")
    response = _see_other(f"/e/{election_id}/code?resent=1")
    set_pending(request, response, token)
    return response


@router.post("/e/{election_id}/code", include_in_schema=False)
async def code_form(election_id: str, request: Request) -> Response:
    form = await request.form()
    require_csrf(request, _field(form, "csrf"))
    await run_in_threadpool(election_context, services_of(request), election_id)
    held = await run_in_threadpool(pending_request, request, election_id)
    if held is None:
        return _back_to_signin(request, election_id)
    national_id = held[0]
    code = _field(form, "code")
    try:
        session, _ = await run_in_threadpool(verify_code, request, election_id, national_id, code)
    except RateLimited as exc:
        return await run_in_threadpool(_limited, request, election_id, "voter_code.html", exc)
    except (SignInFailedError, InvalidInput) as exc:
        wrong = isinstance(exc, SignInFailedError)
        message = message_of(exc)
        said = say(message, language_of(request))
        return await run_in_threadpool(
            _page,
            request,
            election_id,
            "voter_code.html",
            401 if wrong else 400,
            error="voter.code.wrong" if wrong else "voter.code.format",
            error_text=said if isinstance(message, Text) else "",
            new_code=isinstance(message, Text) and message.key in _NEW_CODE_AFTER,
        )

    response = _see_other(f"/e/{election_id}/vote")
    set_session(request, response, session)
    set_pending(request, response, "")
    return response


@router.get("/e/{election_id}/vote", response_class=HTMLResponse, include_in_schema=False)
def vote_page(election_id: str, request: Request) -> Response:
    services = services_of(request)
    election_context(services, election_id)
    try:
        session = voter_session(request, election_id)
    except NotSignedIn:
        return _see_other(f"/e/{election_id}/signin")
    voter = services.desk.voter(election_id, session.voter_id)
    fingerprint = public_context(services, election_id)["base_hash"][:16]
    return _page(
        request,
        election_id,
        "voter_vote.html",
        name=voter.name,
        fingerprint=fingerprint,
        station=voter_station(services, election_id, voter.unit, language_of(request)),
    )


@router.post("/e/{election_id}/signout", include_in_schema=False)
async def signout_form(election_id: str, request: Request) -> Response:
    form = await request.form()
    require_csrf(request, _field(form, "csrf"))
    response = _see_other(f"/e/{election_id}/signin")
    await run_in_threadpool(end_session, request, response, election_id)
    return response


_HASH: Final = re.compile(r"[0-9a-f]{64}")


@router.get(
    "/e/{election_id}/receipt/{tracking_hash}", response_class=HTMLResponse, include_in_schema=False
)
def receipt_page(election_id: str, tracking_hash: str, request: Request) -> Response:
    """The receipt of a ballot (docs/coercion.md §3): ``recorded`` while its cast row
    waits for its batch, ``included`` (with the row's board entry) once the row is on the
    board, or ``audited``; what ``GET /api/e/ID/revoting/ballots/…`` answers, by the same
    two lookups whatever the hash.  Nothing says whether it counts."""
    election_context(services_of(request), election_id)
    if not _HASH.fullmatch(tracking_hash):
        raise NotFound(Text("board.hash_shape", "a tracking hash is 64 lower-case hex characters"))
    found = services_of(request).revoting.receipt(election_id, bytes.fromhex(tracking_hash))
    return _page(
        request,
        election_id,
        "voter_receipt.html",
        tracking_hash=tracking_hash,
        tracking_code=found["tracking_code"],
        receipt_status=found["status"],
        seq=found.get("seq"),
    )
