"""What the voter's API (:mod:`voter_api`) and pages (:mod:`voter_pages`) share: the
election as the ballot page sees it, a ballot's board event, and the sign-in steps
(request a code, check it, set the session cookie), each written to the activity log.

Probing the roll: the sign-in answer is the same for every ID, and an unknown ID's
answer is delayed to about as long as sending a real code takes in this process (see
:mod:`honestballot.service.voters.signin_pacing`), so neither the body nor the time tells who
is on the roll.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from honestballot.errors import ProtocolError
from honestballot.protocol.election import ElectionContext
from honestballot.service.board.board_views import BoardEvent
from honestballot.service.runtime import Services
from honestballot.service.voters.roll import VoterRow
from honestballot.service.voters.signin import VoterSession
from honestballot.web.deps import SESSION, client_of, cookie, services_of
from honestballot.web.errors import ApiError

#: the longest national ID text a form or request body may carry
MAX_ID_TEXT: Final = 128


# -- the election -----------------------------------------------------------------------


def election_context(services: Services, election_id: str) -> ElectionContext:
    """The election's context; 404 ``not_found`` if there is no such election."""
    try:
        return services.elections.context(election_id)
    except ProtocolError:
        raise ApiError(404, "not_found", f"there is no election {election_id!r}") from None


def public_context(services: Services, election_id: str) -> dict[str, Any]:
    """The election's public setup as the page needs it (it never changes: kept);
    404 ``not_found`` if there is no such election."""
    return services.board.public_context(election_id)


def ballot_event(services: Services, election_id: str, tracking_hash: str) -> BoardEvent:
    """The board event of the ballot with this tracking hash (hex); 404 if there is none."""
    return services.board.ballot_event(election_id, tracking_hash)


# -- sign-in ----------------------------------------------------------------------------


async def request_code(request: Request, election_id: str, national_id: str) -> None:
    """Send a code if the ID is on the roll; take about as long either way."""
    services = services_of(request)
    client = client_of(request)
    wait = await run_in_threadpool(services.code_requests.request, election_id, national_id, client)
    if wait > 0:
        await asyncio.sleep(wait)


def verify_code(
    request: Request, election_id: str, national_id: str, code: str
) -> tuple[VoterSession, VoterRow]:
    """Exchange a sign-in code for a session (:class:`SignInFailed` if it is wrong); the
    sign-in service writes the step's activity row."""
    return services_of(request).signin.verify_code(
        election_id, national_id, code, client_of(request)
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
