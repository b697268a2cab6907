"""The voter's JSON API (``/api/e/{eid}/…``; every POST needs the ``X-CSRF-Token`` header):

- ``POST signin`` → 202, the same body whether or not the national ID is on the roll, and
  the ``hb_signin`` cookie naming this sign-in request: the code works only with it;
- ``POST session`` → the voter and the ``hb_session`` cookie (the ``hb_signin`` cookie of
  the request the code was sent for is needed); ``POST signout`` → 204;
- ``GET context`` (public) → what the page encrypts against; ``GET me`` → the voter;
- ``POST credential`` → 201 (again 201, changing nothing, for the credential the voter
  already has: a retry); ``POST ballots`` → 201 with the receipt when this request
  appended the ballot, or 200 with the same receipt when the very same ballot was already
  on the board (an idempotent retry; of two identical requests racing, exactly one gets 201);
- ``POST audits`` → the choices the server found in an opened ballot;
- ``GET ballots/{tracking_hash}`` (public) → the event line, its inclusion proof and the
  signed tree head, which the receipt page checks in the browser;
- ``GET audits/{tracking_hash}`` (public) → an audited ballot as the board shows it (or
  will, at the close) and its opening, so that a second device checks an audit at once.

The sign-in steps, shared with the pages, are in :mod:`voter_common`.
"""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from honestballot.errors import Text
from honestballot.protocol.ballot import tracking_code
from honestballot.record.ballot import ballot_from_json
from honestballot.record.codec import parse_json
from honestballot.service.voters.roll import VoterRow
from honestballot.web.deps import (
    client_of,
    require_csrf,
    services_of,
    voter_session,
)
from honestballot.web.errors import ApiError
from honestballot.web.i18n import language_of, translator
from honestballot.web.openapi import json_body
from honestballot.web.voter_common import (
    MAX_ID_TEXT,
    ballot_event,
    end_session,
    public_context,
    request_code,
    set_pending,
    set_session,
    verify_code,
)

router = APIRouter()

#: how long a cast or credential request waits for its batch's commit
CAST_TIMEOUT_S = 120


# -- request bodies ---------------------------------------------------------------------


class SignInBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    national_id: str = Field(max_length=MAX_ID_TEXT)
    #: accepted for compatibility; the code goes to the phone if the roll has one, else e-mail
    channel: Literal["sms", "email"] | None = None


class SessionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    national_id: str = Field(max_length=MAX_ID_TEXT)
    code: str = Field(max_length=32)


class CredentialBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    credential: str = Field(max_length=128)
    replaces: str | None = Field(default=None, max_length=128)


async def _raw_body(request: Request) -> bytes:
    """The request body, read on the event loop so the endpoint can run in a worker thread."""
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]


def _voter_json(voter: VoterRow) -> dict[str, Any]:
    return {"unit": voter.unit, "credential": voter.credential.hex() if voter.credential else None}


# -- the JSON API -----------------------------------------------------------------------


@router.post("/api/e/{election_id}/signin", status_code=202, summary="Ask for a sign-in code")
async def api_signin(election_id: str, body: SignInBody, request: Request) -> JSONResponse:
    require_csrf(request)
    token = await request_code(request, election_id, body.national_id)
    message = translator(language_of(request))("voter.signin.sent")
    response = JSONResponse({"status": "sent-if-registered", "message": message}, status_code=202)
    set_pending(request, response, token)
    return response


@router.post("/api/e/{election_id}/session", summary="Sign in with the code")
def api_session(election_id: str, body: SessionBody, request: Request) -> JSONResponse:
    require_csrf(request)
    session, voter = verify_code(request, election_id, body.national_id, body.code)
    response = JSONResponse({"voter": _voter_json(voter), "expires_ms": session.expires_ms})
    set_session(request, response, session)
    set_pending(request, response, "")
    return response


@router.post("/api/e/{election_id}/signout", status_code=204, summary="Sign out")
def api_signout(election_id: str, request: Request) -> Response:
    require_csrf(request)
    response = Response(status_code=204)
    end_session(request, response, election_id)
    return response


@router.get("/api/e/{election_id}/context", summary="The election as the ballot page needs it")
def api_context(election_id: str, request: Request) -> JSONResponse:
    services = services_of(request)
    public = public_context(services, election_id)
    return JSONResponse({**public, "phase": services.elections.phase(election_id)})


@router.get("/api/e/{election_id}/me", summary="The signed-in voter")
def api_me(election_id: str, request: Request) -> JSONResponse:
    session = voter_session(request, election_id)
    voter = services_of(request).desk.voter(election_id, session.voter_id)
    return JSONResponse({**_voter_json(voter), "name": voter.name})


@router.post("/api/e/{election_id}/credential", status_code=201, summary="Register a credential")
async def api_credential(election_id: str, body: CredentialBody, request: Request) -> JSONResponse:
    """The registration shares a transaction with those arriving at the same time; it is
    awaited without holding a thread."""
    require_csrf(request)
    session = voter_session(request, election_id)
    desk = services_of(request).desk
    queued = await run_in_threadpool(
        desk.submit_credential, election_id, session.voter_id, body.credential, body.replaces
    )
    await asyncio.wait_for(asyncio.wrap_future(queued), CAST_TIMEOUT_S)
    # the service accepted only the canonical (lowercase) spelling
    return JSONResponse({"credential": body.credential}, status_code=201)


@router.post(
    "/api/e/{election_id}/ballots",
    status_code=201,
    summary="Cast a ballot",
    openapi_extra=json_body("the encrypted ballot (docs/record-format.md)"),
)
async def api_cast(election_id: str, request: Request) -> JSONResponse:
    """Verifying the ballot is CPU work and runs in a worker thread; the receipt, which
    comes after the batch's commit, is awaited without holding one.  (The body is read
    here rather than through a dependency: this is the hot path.)"""
    require_csrf(request)
    session = voter_session(request, election_id)
    services = services_of(request)
    body = await request.body()
    client = client_of(request, session.session_id)
    queued = await asyncio.get_running_loop().run_in_executor(
        services.verifiers, services.desk.submit_json, election_id, session.voter_id, body, client
    )
    receipt = await asyncio.wait_for(asyncio.wrap_future(queued), CAST_TIMEOUT_S)
    return JSONResponse(
        {
            "receipt": receipt.to_json(),
            "tracking_code": receipt.tracking_code,
            "check_url": f"/e/{election_id}/receipt/{receipt.tracking_hash}",
        },
        status_code=201 if receipt.new else 200,
    )


@router.post(
    "/api/e/{election_id}/audits",
    summary="Open (audit) an encrypted ballot",
    openapi_extra=json_body('{"ballot": ballot, "opening": opening}'),
)
def api_audit(election_id: str, body: RawBody, request: Request) -> JSONResponse:
    require_csrf(request)
    session = voter_session(request, election_id)
    choices = services_of(request).desk.audit(election_id, session.voter_id, body)
    ballot = ballot_from_json(parse_json(body, limit=1 << 20)["ballot"])
    return JSONResponse({"choices": choices, "tracking_code": ballot.tracking_code()})


@router.get(
    "/api/e/{election_id}/audits/{tracking_hash}", summary="An audited ballot and its opening"
)
def api_audit_entry(election_id: str, tracking_hash: str, request: Request) -> dict[str, Any]:
    """The spoiled ballot (ciphertexts and seal, which give its tracking hash) and its
    opening: ``held`` while voting is open (no place or time on the board yet),
    ``published`` with its place once the close has put it on the board.  Found by the
    whole tracking hash only."""
    services = services_of(request)
    public_context(services, election_id)
    if not re.fullmatch(r"[0-9a-f]{64}", tracking_hash):
        raise ApiError(
            404,
            "not_found",
            Text("ballot.hash_shape", "a tracking hash is 64 lower-case hex characters"),
        )
    tracking = bytes.fromhex(tracking_hash)
    answer: dict[str, Any] = {"tracking_code": tracking_code(tracking)}
    held = services.elections.held_audit(election_id, tracking)
    if held is not None:
        return {**answer, "status": "held", **held["body"]}
    found = services.board.event_by_tracking(election_id, tracking)
    if found is None or found.kind != "audit":
        raise ApiError(
            404,
            "not_found",
            Text("ballot.no_audit", "no audited ballot with this tracking hash"),
        )
    body = parse_json(found.line)["body"]
    return {**answer, "status": "published", "seq": found.seq, **body}


@router.get("/api/e/{election_id}/ballots/{tracking_hash}", summary="A ballot's inclusion proof")
def api_ballot_proof(election_id: str, tracking_hash: str, request: Request) -> JSONResponse:
    services = services_of(request)
    public = public_context(services, election_id)
    found = ballot_event(services, election_id, tracking_hash)
    interval_ms = int(services.config.tree_head_interval_s * 1000)
    included = services.elections.inclusion_proof(election_id, found.seq, sign_after_ms=interval_ms)
    if included is None:
        # the next periodic tree head (or, with witnesses, the next one they co-sign)
        # will cover it; the page asks again
        return JSONResponse(
            {
                "status": "pending",
                "seq": found.seq,
                "tracking_code": tracking_code(bytes.fromhex(tracking_hash)),
                "retry_after_s": max(1, round(services.config.tree_head_interval_s)),
            },
            status_code=202,
        )
    head, proof = included.witnessed.head, included.proof
    return JSONResponse(
        {
            "status": "included",
            "seq": found.seq,
            "kind": found.kind,
            "tracking_code": tracking_code(bytes.fromhex(tracking_hash)),
            "event_line": found.line.decode("utf-8"),
            "leaf_hash": found.leaf_hash.hex(),
            "inclusion_proof": [p.hex() for p in proof],
            "tree_head": head.to_json(),
            "cosignatures": [c.to_json() for c in included.witnessed.cosignatures],
            "board_key": public["board_key"],
        }
    )
