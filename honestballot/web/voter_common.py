"""What the voter's API (:mod:`voter_api`) and pages (:mod:`voter_pages`) share: the
election as the ballot page sees it, a ballot's board event, and the sign-in steps
(request a code, check it, set the session cookie), each written to the activity log.

A code belongs to the browser that asked for it: the sign-in request's id travels with
the national ID in a short-lived signed cookie (``hb_signin``, for the pages and the JSON
API alike), and a code is checked only against the request in that cookie.  So a
stranger's requests and wrong guesses for somebody's national ID touch only the
stranger's own requests (see :mod:`honestballot.service.voters.signin`).

Probing the roll: the sign-in answer is the same for every ID, and an unknown ID's
answer is delayed to about as long as sending a real code takes in this process (see
:mod:`honestballot.service.voters.signin_pacing`), so neither the body nor the time tells who
is on the roll.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Final

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from honestballot.errors import InvalidToken, ProtocolError, SignInFailed, Text
from honestballot.protocol.election import ElectionContext
from honestballot.service.board.board_views import BoardEvent
from honestballot.service.runtime import Services
from honestballot.service.security import tokens
from honestballot.service.voters.roll import VoterRow
from honestballot.service.voters.signin import VoterSession, new_request_id, normalise_national_id
from honestballot.service.voters.voting import Client
from honestballot.web.deps import SESSION, client_of, cookie, services_of
from honestballot.web.errors import ApiError

#: the longest national ID text a form or request body may carry
MAX_ID_TEXT: Final = 128

PENDING: Final = "hb_signin"  # the national ID and sign-in request between the two steps
PENDING_TTL_S: Final = 30 * 60  # longer than a code lives: an expired code is then named as such
_PENDING_KEY: Final = "voter-signin-form"
_PENDING_DOMAIN: Final = "honestballot/voter-signin-form/v3"  # v3: the request id


# -- the election -----------------------------------------------------------------------


def election_context(services: Services, election_id: str) -> ElectionContext:
    """The election's context; 404 ``not_found`` if there is no such election."""
    try:
        return services.elections.context(election_id)
    except ProtocolError:
        raise ApiError(
            404,
            "not_found",
            Text(
                "election.unknown",
                f"there is no election {election_id!r}",
                election=election_id[:64],
            ),
        ) from None


def public_context(services: Services, election_id: str) -> dict[str, Any]:
    """The election's public setup as the page needs it (it never changes: kept);
    404 ``not_found`` if there is no such election."""
    return services.board.public_context(election_id)


def ballot_event(services: Services, election_id: str, tracking_hash: str) -> BoardEvent:
    """The board event of the ballot with this tracking hash (hex); 404 if there is none."""
    return services.board.ballot_event(election_id, tracking_hash)


# -- sign-in ----------------------------------------------------------------------------


def _pending_token(services: Services, election_id: str, national_id: str, request_id: str) -> str:
    expires = services.signin.clock() + PENDING_TTL_S * 1000
    payload = [election_id, national_id, request_id, expires]
    data = json.dumps(payload, separators=(",", ":")).encode()
    return tokens.sign(services.server_key(_PENDING_KEY), _PENDING_DOMAIN, data)


def pending_request(request: Request, election_id: str) -> tuple[str, str] | None:
    """The national ID (as the roll stores it) and the sign-in request id this browser
    asked a code for in this election, if its ``hb_signin`` cookie is valid."""
    services = services_of(request)
    token = request.cookies.get(PENDING, "")
    try:
        payload = tokens.verify(services.server_key(_PENDING_KEY), _PENDING_DOMAIN, token)
    except InvalidToken:
        return None
    eid, national_id, request_id, expires = json.loads(payload)
    if eid != election_id or services.signin.clock() >= int(expires):
        return None
    return str(national_id), str(request_id)


async def request_code(request: Request, election_id: str, national_id: str) -> str:
    """Send a code if the ID is on the roll, taking about as long either way; the token
    for the ``hb_signin`` cookie (:func:`set_pending`) that binds the code to this browser.

    A browser asking again for the same ID keeps its request (the new code replaces its
    own earlier one); InvalidInput for a malformed ID or an election not open.
    """
    normal = normalise_national_id(national_id)
    client = client_of(request)
    # one hand-off to a worker thread for the whole step (each costs the service more
    # CPU than the cookie's MACs it carries: docs/performance.md, "Service CPU per voter")
    wait, token = await run_in_threadpool(_request_code, request, election_id, normal, client)
    if wait > 0:
        await asyncio.sleep(wait)
    return token


def _request_code(
    request: Request, election_id: str, normal: str, client: Client
) -> tuple[float, str]:
    """:func:`request_code`'s work in a worker thread: (seconds still to wait, token)."""
    services = services_of(request)
    held = pending_request(request, election_id)
    request_id = held[1] if held is not None and held[0] == normal else new_request_id()
    wait = services.code_requests.request(election_id, normal, client, request_id)
    return wait, _pending_token(services, election_id, normal, request_id)


def set_pending(request: Request, response: Response, token: str) -> None:
    """Set (or, with ``""``, clear) the ``hb_signin`` cookie on ``response``."""
    cookie(response, request, PENDING, token, PENDING_TTL_S if token else 0)


def verify_code(
    request: Request, election_id: str, national_id: str, code: str
) -> tuple[VoterSession, VoterRow]:
    """Exchange a sign-in code for a session (:class:`SignInFailed` if it is wrong, or if
    this browser asked no code for this ID); the sign-in service writes the step's
    activity row."""
    held = pending_request(request, election_id)
    if held is None or held[0] != normalise_national_id(national_id):
        raise SignInFailed(
            Text("signin.no_code", "no code was asked for this national ID from this browser")
        )

    return services_of(request).signin.verify_code(
        election_id, held[0], code, client_of(request), held[1]
    )


def set_session(request: Request, response: Response, session: VoterSession) -> None:
    """Set the ``hb_session`` cookie on ``response``."""
    services = services_of(request)
    token = services.signin.session_token(session)
    cookie(response, request, SESSION, str(token), services.signin.session_ttl_s)


def end_session(request: Request, response: Response, election_id: str) -> None:
    """Sign out: end the session on the server (a kept cookie no longer works) and clear
    the ``hb_session`` cookie on ``response``."""
    token = request.cookies.get(SESSION, "")
    if token:
        services_of(request).signin.end_session(token, election_id=election_id)
    cookie(response, request, SESSION, "", 0)
