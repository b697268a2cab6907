"""The voter's JSON API for elections with re-voting protection (docs/api.md, "Re-voting
protection"; service/voters/revoting.py).  Under ``/api/e/{eid}/revoting/``; every POST
needs the ``X-CSRF-Token`` header and a signed-in session, as version 1's:

- ``POST registration-start`` → 201, the service's commitment for this session;
- ``POST registrations`` → 201 with the registration's tracking code (200 with the same
  body for the very same registration sent again);
- ``POST ballots`` → 201 with the ballot's receipt, status ``recorded`` (200 with the
  same body for the very same ballot sent again);
- ``POST audits`` → the choices an opened ballot version 2 encrypts;
- ``GET ballots/{tracking_hash}`` (public) → the ballot's status, ``recorded``,
  ``included`` (with the ``seq`` of its cast row on the board) or ``audited`` (with the
  ``seq`` of its audit once the close has posted it).

An election with re-voting protection (its setup names a batch schedule; it opens only
with its encrypted roll) takes only these; these refuse any other.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from honestballot.errors import Text
from honestballot.record.ballot import ciphertext_to_json
from honestballot.record.revoting import randomness_to_json
from honestballot.service.voters.revoting import Answer
from honestballot.web.deps import client_of, require_csrf, services_of, voter_session
from honestballot.web.errors import ApiError
from honestballot.web.openapi import json_body

router = APIRouter()
PREFIX = "/api/e/{election_id}/revoting"


async def _raw_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]


def _answer(answer: Answer, **more: str) -> JSONResponse:
    return JSONResponse({**answer.to_json(), **more}, status_code=201 if answer.new else 200)


@router.post(
    f"{PREFIX}/registration-start", status_code=201, summary="Start a registration (re-voting)"
)
def api_registration_start(election_id: str, request: Request) -> JSONResponse:
    require_csrf(request)
    session = voter_session(request, election_id)
    made = services_of(request).revoting.start_registration(
        election_id, session.voter_id, session.session_id
    )
    body = {
        "nonce": made.nonce.hex(),
        "revokes": ciphertext_to_json(made.revokes),
        "revokes_proof": randomness_to_json(made.proof),
    }
    return JSONResponse(body, status_code=201)


@router.post(
    f"{PREFIX}/registrations",
    status_code=201,
    summary="Register a credential (re-voting)",
    openapi_extra=json_body('{"registration": registration, "private": its private part}'),
)
def api_register(election_id: str, body: RawBody, request: Request) -> JSONResponse:
    require_csrf(request)
    session = voter_session(request, election_id)
    answer = services_of(request).revoting.register(
        election_id, session.voter_id, session.session_id, body
    )
    return _answer(answer)


@router.post(
    f"{PREFIX}/ballots",
    status_code=201,
    summary="Cast a ballot version 2",
    openapi_extra=json_body('{"ballot": ballot version 2, "private": its private part}'),
)
def api_cast_v2(election_id: str, body: RawBody, request: Request) -> JSONResponse:
    require_csrf(request)
    session = voter_session(request, election_id)
    answer = services_of(request).revoting.cast(
        election_id, session.voter_id, body, client_of(request, session.session_id)
    )
    check = f"/api/e/{election_id}/revoting/ballots/{answer.tracking_hash.hex()}"
    return _answer(answer, status="recorded", check_url=check)


@router.post(
    f"{PREFIX}/audits",
    summary="Open (audit) a ballot version 2",
    openapi_extra=json_body('{"ballot": …, "opening": …, "private": …}'),
)
def api_audit_v2(election_id: str, body: RawBody, request: Request) -> JSONResponse:
    require_csrf(request)
    session = voter_session(request, election_id)
    choices, answer = services_of(request).revoting.audit(election_id, session.voter_id, body)
    return JSONResponse({"choices": choices, **answer.to_json()})


@router.get(f"{PREFIX}/ballots/{{tracking_hash}}", summary="A ballot version 2's status")
def api_receipt_v2(election_id: str, tracking_hash: str, request: Request) -> JSONResponse:
    if not re.fullmatch(r"[0-9a-f]{64}", tracking_hash):
        raise ApiError(
            404,
            "not_found",
            Text("ballot.hash_shape", "a tracking hash is 64 lower-case hex characters"),
        )
    found = services_of(request).revoting.receipt(election_id, bytes.fromhex(tracking_hash))
    return JSONResponse(found)
