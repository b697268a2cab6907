"""The voter's JSON API (``/api/e/{eid}/…``; every POST needs the ``X-CSRF-Token`` header):

- ``POST signin`` → 202, the same body whether or not the national ID is on the roll, and
  the ``hb_signin`` cookie naming this sign-in request: the code works only with it;
- ``POST session`` → the voter and the ``hb_session`` cookie (the ``hb_signin`` cookie of
  the request the code was sent for is needed); ``POST signout`` → 204;
- ``GET context`` (public) → what the page encrypts against; ``GET me`` → the voter;
- ``GET ballots/{tracking_hash}`` (public) → the event line, its inclusion proof and the
  signed tree head, which the receipt page checks in the browser;

The sign-in steps, shared with the pages, are in :mod:`voter_common`.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from honestballot.protocol.ballot import tracking_code
from honestballot.service.voters.roll import VoterRow
from honestballot.web.deps import (
    require_csrf,
    services_of,
    voter_session,
)
from honestballot.web.i18n import language_of, translator
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


def _voter_json(voter: VoterRow) -> dict[str, Any]:
    return {"unit": voter.unit}


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
