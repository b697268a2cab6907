"""The voter's side of the site: sign-in, credential, ballot, audit and receipt.

JSON API (``/api/e/{eid}/…``; every POST needs the ``X-CSRF-Token`` header):

- ``POST signin`` → 202, the same body whether or not the national ID is on the roll;
- ``POST session`` → the voter and the ``hb_session`` cookie; ``POST signout`` → 204;
- ``GET context`` (public) → what the page encrypts against; ``GET me`` → the voter;
- ``POST credential`` → 201; ``POST ballots`` → 201 with the receipt, or 200 with the same
  receipt when the very same ballot was already on the board before this request began
  (an idempotent retry; two identical requests racing each other may both get 201);
- ``POST audits`` → the choices the server found in an opened ballot;
- ``GET ballots/{tracking_hash}`` (public) → the event line, its inclusion proof and the
  signed tree head, which the receipt page checks in the browser.

Pages (``/e/{eid}/…``): ``signin`` → ``code`` → ``vote``, and ``receipt/{tracking_hash}``.
The national ID typed on the sign-in page travels to the code page in a short-lived
signed cookie, never in a URL.  All page behaviour is in ``static/voter.js``.

Probing the roll: the sign-in answer is the same for every ID, and an unknown ID's
answer is delayed to about as long as sending a real code takes in this process (see
:class:`_SendTiming`), so neither the body nor the time tells who is on the roll.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import logging
import random
import re
import threading
import time
import weakref
from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from honestballot.errors import DeliveryFailed, InvalidInput, NotSignedIn, ProtocolError
from honestballot.errors import SignInFailed as SignInFailedError
from honestballot.protocol.ballot import tracking_code
from honestballot.protocol.election import ElectionContext
from honestballot.record.ballot import ballot_from_json
from honestballot.record.codec import parse_json
from honestballot.record.manifest import manifest_to_json
from honestballot.record.setup import election_key_hash
from honestballot.service.activity import record_activity
from honestballot.service.keys import mac, server_key
from honestballot.service.roll import VoterRow
from honestballot.service.signin import VoterSession, normalise_national_id
from honestballot.service.voting import Client
from honestballot.store.sql import StoredEvent
from honestballot.web.deps import SESSION, client_of, cookie, require_csrf, services, voter_session
from honestballot.web.errors import ApiError
from honestballot.web.i18n import language_of, translator
from honestballot.web.openapi import json_body
from honestballot.web.pages import render
from honestballot.web.state import Services

log = logging.getLogger("honestballot.web.voter")

router = APIRouter()

PENDING: Final = "hb_signin"  # the national ID between the sign-in and the code page
PENDING_TTL_S: Final = 600
_PENDING_KEY: Final = "voter-signin-form"
_PENDING_DOMAIN: Final = "honestballot/voter-signin-form/v1"
_HASH = re.compile(r"^[0-9a-f]{64}$")
_MAX_ID_TEXT: Final = 128


# -- request bodies ---------------------------------------------------------------------


class SignInBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    national_id: str = Field(max_length=_MAX_ID_TEXT)
    #: accepted for compatibility; the code goes to the phone if the roll has one, else e-mail
    channel: Literal["sms", "email"] | None = None


class SessionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    national_id: str = Field(max_length=_MAX_ID_TEXT)
    code: str = Field(max_length=32)


class CredentialBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    credential: str = Field(max_length=128)
    replaces: str | None = Field(default=None, max_length=128)


async def _raw_body(request: Request) -> bytes:
    """The request body, read on the event loop so the endpoint can run in a worker thread."""
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]


# -- the election -----------------------------------------------------------------------

_PUBLIC: weakref.WeakKeyDictionary[Services, dict[str, dict[str, Any]]] = (
    weakref.WeakKeyDictionary()
)
_PUBLIC_LOCK = threading.Lock()


def _context(svc: Services, election_id: str) -> ElectionContext:
    try:
        return svc.elections.context(election_id)
    except ProtocolError:
        raise ApiError(404, "not_found", f"there is no election {election_id!r}") from None


def _public_context(svc: Services, election_id: str) -> dict[str, Any]:
    """The election's public setup as the page needs it (it never changes: cached)."""
    with _PUBLIC_LOCK:
        found = _PUBLIC.setdefault(svc, {}).get(election_id)
    if found is None:
        ctx = _context(svc, election_id)
        with svc.store.engine.connect() as conn:
            setup = svc.store.event_at(conn, election_id, 0)
        if setup is None or setup.kind != "setup":
            raise ApiError(404, "not_found", f"election {election_id!r} has no setup event")
        found = {
            "election_id": election_id,
            "base_hash": ctx.base_hash.hex(),
            "public_key": ctx.public_key.hex(),
            "election_key_hash": election_key_hash(svc.elections.election_key(election_id)).hex(),
            "board_key": str(parse_json(setup.line, limit=1 << 26)["body"]["board_key"]),
            "manifest": manifest_to_json(ctx.manifest),
        }
        with _PUBLIC_LOCK:
            _PUBLIC.setdefault(svc, {})[election_id] = found
    return found


def _event(svc: Services, election_id: str, tracking_hash: str) -> StoredEvent:
    if not _HASH.match(tracking_hash):
        raise ApiError(404, "not_found", "a tracking hash is 64 lower-case hex characters")
    with svc.store.engine.connect() as conn:
        found = svc.store.event_by_tracking(conn, election_id, bytes.fromhex(tracking_hash))
    if found is None:
        raise ApiError(404, "not_found", "no ballot with this tracking hash is on the board")
    return found


def _voter_json(voter: VoterRow) -> dict[str, Any]:
    return {"unit": voter.unit, "credential": voter.credential.hex() if voter.credential else None}


# -- sign-in ----------------------------------------------------------------------------


class _SendTiming:
    """How long sending a real code takes in this process (a moving average), so that an
    unknown ID's answer can be made to take about as long (with some jitter)."""

    def __init__(self, initial_s: float = 0.1, cap_s: float = 5.0) -> None:
        self._typical = initial_s
        self._cap = cap_s
        self._lock = threading.Lock()
        self._jitter = random.SystemRandom()

    def observe(self, seconds: float) -> None:
        with self._lock:
            self._typical = 0.8 * self._typical + 0.2 * min(seconds, self._cap)

    def padding(self, elapsed_s: float) -> float:
        with self._lock:
            target = self._typical * self._jitter.uniform(0.85, 1.15)
        return max(0.0, target - elapsed_s)


_CODE_TIMING = _SendTiming()


def _log_activity(
    svc: Services,
    election_id: str,
    event: str,
    voter: str,
    client: Client,
    *,
    contact: str | None = None,
    session: str | None = None,
) -> None:
    # no election lock: an activity row orders nothing on the board, and casts need that lock
    with svc.store.transaction() as conn:
        record_activity(
            conn,
            election_id,
            time_ms=svc.signin.clock(),
            event=event,
            voter=voter,
            address=client.address,
            device=client.device,
            user_agent=client.user_agent,
            contact=contact,
            session=session,
        )


def _contact(voter: VoterRow | None) -> str | None:
    """Where the sign-in code goes (the same rule as the sign-in service)."""
    return (voter.phone or voter.email or None) if voter is not None else None


def _send_code(svc: Services, election_id: str, national_id: str, client: Client) -> bool:
    """Request a code; True when one was (or failed to be) sent to a voter on the roll."""
    try:
        masked = svc.signin.request_code(
            election_id, national_id, client.address, language=client.language
        )
        sent = masked is not None
    except DeliveryFailed as exc:
        log.warning("a sign-in code was not delivered (%s)", type(exc).__name__)
        sent = True
    # looked up for known and unknown IDs alike, so both answers take the same steps
    voter = svc.roll.voter_by_national_id(election_id, normalise_national_id(national_id))
    _log_activity(
        svc,
        election_id,
        "code-requested",
        national_id,
        client,
        contact=_contact(voter) if sent else None,
    )
    return sent


async def _request_code(request: Request, election_id: str, national_id: str) -> None:
    """Send a code if the ID is on the roll; take about as long either way."""
    svc = services(request)
    client = client_of(request)
    started = time.monotonic()
    sent = await run_in_threadpool(_send_code, svc, election_id, national_id, client)
    elapsed = time.monotonic() - started
    if sent:
        _CODE_TIMING.observe(elapsed)
    else:
        await asyncio.sleep(_CODE_TIMING.padding(elapsed))


def _verify(
    request: Request, election_id: str, national_id: str, code: str
) -> tuple[VoterSession, VoterRow]:
    svc = services(request)
    client = client_of(request)
    try:
        session = svc.signin.verify_code(election_id, national_id, code, client.address)
    except SignInFailedError:
        _log_activity(svc, election_id, "sign-in-failed", national_id, client)
        raise
    voter = svc.desk.voter(election_id, session.voter_id)
    _log_activity(
        svc,
        election_id,
        "signed-in",
        voter.national_id,
        client,
        contact=_contact(voter),
        session=session.session_id,
    )
    return session, voter


def _set_session(request: Request, response: Response, session: VoterSession) -> None:
    svc = services(request)
    token = svc.signin.session_token(session)
    cookie(response, request, SESSION, str(token), svc.signin.session_ttl_s)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _pending_token(svc: Services, election_id: str, national_id: str) -> str:
    expires = svc.signin.clock() + PENDING_TTL_S * 1000
    payload = json.dumps([election_id, national_id, expires], separators=(",", ":")).encode()
    tag = mac(server_key(svc.store, _PENDING_KEY), _PENDING_DOMAIN, payload)
    return _b64(payload) + "." + _b64(tag)


def _pending_national_id(request: Request, election_id: str) -> str | None:
    """The national ID typed on this election's sign-in page, if the cookie is valid."""
    svc = services(request)
    token = request.cookies.get(PENDING, "")
    payload_text, _, tag_text = token.partition(".")
    try:
        payload = base64.urlsafe_b64decode(payload_text + "=" * (-len(payload_text) % 4))
        tag = base64.urlsafe_b64decode(tag_text + "=" * (-len(tag_text) % 4))
    except (binascii.Error, ValueError):
        return None
    expected = mac(server_key(svc.store, _PENDING_KEY), _PENDING_DOMAIN, payload)
    if not token or not hmac.compare_digest(tag, expected):
        return None
    eid, national_id, expires = json.loads(payload)
    if eid != election_id or svc.signin.clock() >= int(expires):
        return None
    return str(national_id)


# -- the JSON API -----------------------------------------------------------------------


@router.post("/api/e/{election_id}/signin", status_code=202, summary="Ask for a sign-in code")
async def api_signin(election_id: str, body: SignInBody, request: Request) -> JSONResponse:
    require_csrf(request)
    await _request_code(request, election_id, body.national_id)
    message = translator(language_of(request))("voter.signin.sent")
    return JSONResponse({"status": "sent-if-registered", "message": message}, status_code=202)


@router.post("/api/e/{election_id}/session", summary="Sign in with the code")
def api_session(election_id: str, body: SessionBody, request: Request) -> JSONResponse:
    require_csrf(request)
    session, voter = _verify(request, election_id, body.national_id, body.code)
    response = JSONResponse({"voter": _voter_json(voter), "expires_ms": session.expires_ms})
    _set_session(request, response, session)
    return response


@router.post("/api/e/{election_id}/signout", status_code=204, summary="Sign out")
def api_signout(election_id: str, request: Request) -> Response:
    require_csrf(request)
    response = Response(status_code=204)
    cookie(response, request, SESSION, "", 0)
    return response


@router.get("/api/e/{election_id}/context", summary="The election as the ballot page needs it")
def api_context(election_id: str, request: Request) -> JSONResponse:
    svc = services(request)
    public = _public_context(svc, election_id)
    return JSONResponse({**public, "phase": svc.elections.phase(election_id)})


@router.get("/api/e/{election_id}/me", summary="The signed-in voter")
def api_me(election_id: str, request: Request) -> JSONResponse:
    session = voter_session(request, election_id)
    voter = services(request).desk.voter(election_id, session.voter_id)
    return JSONResponse({**_voter_json(voter), "name": voter.name})


@router.post("/api/e/{election_id}/credential", status_code=201, summary="Register a credential")
def api_credential(election_id: str, body: CredentialBody, request: Request) -> JSONResponse:
    require_csrf(request)
    session = voter_session(request, election_id)
    services(request).desk.register_credential(
        election_id, session.voter_id, body.credential, body.replaces
    )
    return JSONResponse({"credential": body.credential.lower()}, status_code=201)


@router.post(
    "/api/e/{election_id}/ballots",
    status_code=201,
    summary="Cast a ballot",
    openapi_extra=json_body("the encrypted ballot (docs/record-format.md)"),
)
def api_cast(election_id: str, body: RawBody, request: Request) -> JSONResponse:
    """Runs in a worker thread: verifying the ballot is CPU work."""
    require_csrf(request)
    session = voter_session(request, election_id)
    svc = services(request)
    ballot = svc.desk.parse_ballot(election_id, body)
    with svc.store.engine.connect() as conn:
        retried = svc.store.event_by_tracking(conn, election_id, ballot.tracking_hash())
    receipt = svc.desk.cast(
        election_id, session.voter_id, ballot, client_of(request, session.session_id)
    )
    return JSONResponse(
        {
            "receipt": receipt.to_json(),
            "tracking_code": receipt.tracking_code,
            "check_url": f"/e/{election_id}/receipt/{receipt.tracking_hash}",
        },
        status_code=200 if retried is not None else 201,
    )


@router.post(
    "/api/e/{election_id}/audits",
    summary="Open (audit) an encrypted ballot",
    openapi_extra=json_body('{"ballot": ballot, "opening": opening}'),
)
def api_audit(election_id: str, body: RawBody, request: Request) -> JSONResponse:
    require_csrf(request)
    session = voter_session(request, election_id)
    choices = services(request).desk.audit(election_id, session.voter_id, body)
    ballot = ballot_from_json(parse_json(body, limit=1 << 20)["ballot"])
    return JSONResponse({"choices": choices, "tracking_code": ballot.tracking_code()})


@router.get("/api/e/{election_id}/ballots/{tracking_hash}", summary="A ballot's inclusion proof")
def api_ballot_proof(election_id: str, tracking_hash: str, request: Request) -> JSONResponse:
    svc = services(request)
    public = _public_context(svc, election_id)
    found = _event(svc, election_id, tracking_hash)
    interval_ms = int(svc.config.tree_head_interval_s * 1000)
    included = svc.elections.inclusion_proof(election_id, found.seq, sign_after_ms=interval_ms)
    if included is None:
        # the next periodic tree head will cover it; the page asks again
        return JSONResponse(
            {
                "status": "pending",
                "seq": found.seq,
                "tracking_code": tracking_code(bytes.fromhex(tracking_hash)),
                "retry_after_s": max(1, round(svc.config.tree_head_interval_s)),
            },
            status_code=202,
        )
    head, proof = included
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
            "board_key": public["board_key"],
        }
    )


# -- the pages --------------------------------------------------------------------------


def _page(
    request: Request, election_id: str, template: str, status: int = 200, **ctx: Any
) -> HTMLResponse:
    svc = services(request)
    election = _context(svc, election_id)
    return render(
        request,
        template,
        status,
        election_id=election_id,
        title=election.manifest.title.get(language_of(request)),
        phase=svc.elections.phase(election_id),
        **ctx,
    )


def _field(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/e/{election_id}/signin", response_class=HTMLResponse, include_in_schema=False)
def signin_page(election_id: str, request: Request) -> HTMLResponse:
    return _page(request, election_id, "voter_signin.html", error=None)


@router.post("/e/{election_id}/signin", include_in_schema=False)
async def signin_form(election_id: str, request: Request) -> Response:
    form = await request.form()
    require_csrf(request, _field(form, "csrf"))
    svc = services(request)
    await run_in_threadpool(_context, svc, election_id)
    national_id = _field(form, "national_id")[:_MAX_ID_TEXT]
    try:
        await _request_code(request, election_id, national_id)
        normal = normalise_national_id(national_id)
    except InvalidInput:
        phase = await run_in_threadpool(svc.elections.phase, election_id)
        error = "voter.signin.bad_id" if phase == "open" else "voter.signin.not_open"
        return await run_in_threadpool(
            _page, request, election_id, "voter_signin.html", 400, error=error
        )
    response = _see_other(f"/e/{election_id}/code")
    token = await run_in_threadpool(_pending_token, svc, election_id, normal)
    cookie(response, request, PENDING, token, PENDING_TTL_S)
    return response


@router.get("/e/{election_id}/code", response_class=HTMLResponse, include_in_schema=False)
def code_page(election_id: str, request: Request) -> Response:
    _context(services(request), election_id)
    if _pending_national_id(request, election_id) is None:
        return _see_other(f"/e/{election_id}/signin")
    return _page(request, election_id, "voter_code.html", error=None)


@router.post("/e/{election_id}/code", include_in_schema=False)
async def code_form(election_id: str, request: Request) -> Response:
    form = await request.form()
    require_csrf(request, _field(form, "csrf"))
    await run_in_threadpool(_context, services(request), election_id)
    national_id = await run_in_threadpool(_pending_national_id, request, election_id)
    if national_id is None:
        return _see_other(f"/e/{election_id}/signin")
    code = _field(form, "code")
    try:
        session, _ = await run_in_threadpool(_verify, request, election_id, national_id, code)
    except (SignInFailedError, InvalidInput) as exc:
        wrong = isinstance(exc, SignInFailedError)
        return await run_in_threadpool(
            _page,
            request,
            election_id,
            "voter_code.html",
            401 if wrong else 400,
            error="voter.code.wrong" if wrong else "voter.code.format",
        )
    response = _see_other(f"/e/{election_id}/vote")
    _set_session(request, response, session)
    cookie(response, request, PENDING, "", 0)
    return response


@router.get("/e/{election_id}/vote", response_class=HTMLResponse, include_in_schema=False)
def vote_page(election_id: str, request: Request) -> Response:
    svc = services(request)
    _context(svc, election_id)
    try:
        session = voter_session(request, election_id)
    except NotSignedIn:
        return _see_other(f"/e/{election_id}/signin")
    voter = svc.desk.voter(election_id, session.voter_id)
    fingerprint = _public_context(svc, election_id)["base_hash"][:16]
    return _page(request, election_id, "voter_vote.html", name=voter.name, fingerprint=fingerprint)


@router.post("/e/{election_id}/signout", include_in_schema=False)
async def signout_form(election_id: str, request: Request) -> Response:
    form = await request.form()
    require_csrf(request, _field(form, "csrf"))
    response = _see_other(f"/e/{election_id}/signin")
    cookie(response, request, SESSION, "", 0)
    return response


@router.get(
    "/e/{election_id}/receipt/{tracking_hash}", response_class=HTMLResponse, include_in_schema=False
)
def receipt_page(election_id: str, tracking_hash: str, request: Request) -> Response:
    svc = services(request)
    _context(svc, election_id)
    found = _event(svc, election_id, tracking_hash)
    when = datetime.fromtimestamp(found.time_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")
    return _page(
        request,
        election_id,
        "voter_receipt.html",
        tracking_hash=tracking_hash,
        tracking_code=tracking_code(bytes.fromhex(tracking_hash)),
        seq=found.seq,
        kind=found.kind,
        time_utc=when,
    )
