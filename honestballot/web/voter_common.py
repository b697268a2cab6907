"""What the voter's API (:mod:`voter_api`) and pages (:mod:`voter_pages`) share: the
election as the ballot page sees it, a ballot's board event, and the sign-in steps
(request a code, check it, set the session cookie), each written to the activity log.

Probing the roll: the sign-in answer is the same for every ID, and an unknown ID's
answer is delayed to about as long as sending a real code takes in this process (see
:class:`_SendTiming`), so neither the body nor the time tells who is on the roll.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import threading
import time
import weakref
from typing import Any, Final

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from honestballot.errors import DeliveryFailed, ProtocolError
from honestballot.protocol.election import ElectionContext
from honestballot.record.codec import parse_json
from honestballot.record.manifest import manifest_to_json
from honestballot.record.setup import election_key_hash
from honestballot.service.roll import VoterRow
from honestballot.service.signin import VoterSession
from honestballot.service.voting import Client
from honestballot.store.sql import StoredEvent
from honestballot.web.deps import SESSION, client_of, cookie, services
from honestballot.web.errors import ApiError
from honestballot.web.state import Services

log = logging.getLogger("honestballot.web.voter")

#: the longest national ID text a form or request body may carry
MAX_ID_TEXT: Final = 128
_HASH = re.compile(r"^[0-9a-f]{64}\Z")


# -- the election -----------------------------------------------------------------------


_PUBLIC: weakref.WeakKeyDictionary[Services, dict[str, dict[str, Any]]] = (
    weakref.WeakKeyDictionary()
)
_PUBLIC_LOCK = threading.Lock()


def election_context(svc: Services, election_id: str) -> ElectionContext:
    """The election's context; 404 ``not_found`` if there is no such election."""
    try:
        return svc.elections.context(election_id)
    except ProtocolError:
        raise ApiError(404, "not_found", f"there is no election {election_id!r}") from None


def public_context(svc: Services, election_id: str) -> dict[str, Any]:
    """The election's public setup as the page needs it (it never changes: cached)."""
    with _PUBLIC_LOCK:
        found = _PUBLIC.setdefault(svc, {}).get(election_id)
    if found is None:
        ctx = election_context(svc, election_id)
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


def ballot_event(svc: Services, election_id: str, tracking_hash: str) -> StoredEvent:
    """The board event of the ballot with this tracking hash (hex); 404 if there is none."""
    if not _HASH.match(tracking_hash):
        raise ApiError(404, "not_found", "a tracking hash is 64 lower-case hex characters")
    tracking = bytes.fromhex(tracking_hash)
    with svc.store.engine.connect() as conn:
        found = svc.store.event_by_tracking(conn, election_id, tracking)
        held = found is None and svc.store.held_audit(conn, election_id, tracking) is not None
    if held:
        raise ApiError(
            404, "not_found", "this ballot was audited: audits go on the board when voting closes"
        )
    if found is None:
        raise ApiError(404, "not_found", "no ballot with this tracking hash is on the board")
    return found


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


def _send_code(svc: Services, election_id: str, national_id: str, client: Client) -> bool:
    """Request a code; True when one was (or failed to be) sent to a voter on the roll.

    Known and unknown IDs take the same database steps (the sign-in service stores a
    decoy code and the activity row for both); only the sending differs."""
    try:
        return svc.signin.request_code(election_id, national_id, client) is not None
    except DeliveryFailed as exc:
        log.warning("a sign-in code was not delivered (%s)", type(exc).__name__)
        return True


async def request_code(request: Request, election_id: str, national_id: str) -> None:
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


def verify_code(
    request: Request, election_id: str, national_id: str, code: str
) -> tuple[VoterSession, VoterRow]:
    """Exchange a sign-in code for a session (:class:`SignInFailed` if it is wrong); the
    sign-in service writes the step's activity row."""
    return services(request).signin.verify_code(election_id, national_id, code, client_of(request))


def set_session(request: Request, response: Response, session: VoterSession) -> None:
    """Set the ``hb_session`` cookie on ``response``."""
    svc = services(request)
    token = svc.signin.session_token(session)
    cookie(response, request, SESSION, str(token), svc.signin.session_ttl_s)
