"""Trustees' API: mixes in, the encrypted tally out, decryption shares in, the result
when k are in.

The service holds no trustee secret and decrypts nothing itself.  A trustee downloads
the election record (``/e/{eid}/record.jsonl``) and, optionally, ``GET
/api/e/{eid}/tally`` (byte for byte the file ``honestballot trustee decrypt --tally``
reads); the command verifies the record and decrypts only the tally the record yields
after the close (equal to the file, when one is given), and the trustee uploads the file
it wrote to ``POST /api/e/{eid}/decryption-shares``.  No sign-in is needed: a share
is stored only if every one of its proofs verifies against that trustee's verification
key, so nobody can upload a wrong share, and a correct one can only help.  When the
board holds ``k`` shares the result is combined and published at once.

Before the tally, each contest counted by mixing is shuffled by at least ``k`` trustees:
each runs ``honestballot trustee mix`` on the record downloaded after the close (and after
the contest's last mix) and uploads the file it wrote, one line per request, to ``POST
/api/e/{eid}/mixes`` (``honestballot trustee upload-mix`` does it): its parts, then the
mix that names them.  No sign-in here either: a part or a mix is stored only at the next
place of its contest's chain, by a trustee who has not mixed that contest, with that
trustee's signature (made with its key share), and a mix only with a proof of shuffle of
the previous rows, so nobody can mix in a trustee's name.  The phase and the manifest
are checked before the body, which may be large, is read.

:func:`election_row` (the election or 404) and :func:`trustee_status` are shared with
the observer pages.
"""

from __future__ import annotations

import logging
import re
import weakref
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from honestballot.errors import HonestBallotError, InvalidInput, ProtocolError, Text
from honestballot.protocol.mix import mixed_contests
from honestballot.protocol.mix_parts import EncodedPart, MixPart
from honestballot.protocol.share_parts import EncodedSharePart, ShareHead, SharePart
from honestballot.record.codec import parse_json
from honestballot.record.events import MAX_LINE_BYTES
from honestballot.record.share_parts import share_head_from_json
from honestballot.record.trustee import (
    encode_encrypted_tally,
    to_bytes,
)
from honestballot.service.runtime import Services
from honestballot.web.deps import services_of
from honestballot.web.errors import ApiError
from honestballot.web.openapi import json_body

log = logging.getLogger("honestballot.web")

router = APIRouter()

ELECTION_ID: Final = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}\Z")

# An election's encrypted tally never changes once published: keep its file per process.
_tally_files: weakref.WeakKeyDictionary[Services, dict[str, bytes]] = weakref.WeakKeyDictionary()


def election_row(request: Request, election_id: str) -> tuple[Services, dict[str, Any]]:
    """The services and the election's row (one primary-key read), or 404 not_found."""
    services = services_of(request)
    row = services.board.election_row(election_id) if ELECTION_ID.match(election_id) else None
    if row is None:
        raise ApiError(
            404,
            "not_found",
            Text(
                "election.unknown",
                f"there is no election {election_id[:64]!r}",
                election=election_id[:64],
            ),
        )
    return services, row


def published_trustees(services: Services, election_id: str, phase: str) -> list[int]:
    """Indices of the trustees whose decryption share is on the board, in board order."""
    return services.board.published_trustees(election_id, phase)


def trustee_status(services: Services, election_id: str, phase: str) -> dict[str, Any]:
    """``{"threshold", "trustees": [{"index", "name", "share_published"}]}``."""
    key = services.elections.election_key(election_id)
    published = set(published_trustees(services, election_id, phase))
    return {
        "threshold": key.ceremony.threshold,
        "trustees": [
            {"index": p.index, "name": p.name, "share_published": p.index in published}
            for p in sorted(key.publics, key=lambda p: p.index)
        ],
    }


def tally_file(services: Services, election_id: str) -> bytes:
    """The encrypted tally as ``honestballot trustee decrypt --tally`` reads it (the
    command checks it against the tally the verified record yields)."""
    cache = _tally_files.setdefault(services, {})
    data = cache.get(election_id)
    if data is None:
        tally, _ = services.elections.published_tally(election_id)
        data = cache[election_id] = to_bytes(encode_encrypted_tally(tally))
    return data


def accept_share(services: Services, election_id: str, body: bytes) -> tuple[dict[str, Any], bool]:
    """Check and store a decryption share file of a tally without mixed contests, or one
    line of a share file in parts (a part, or the share that names the parts); publish the
    result once ``k`` shares are stored.  Whether anything was stored."""
    if not body.strip():
        raise InvalidInput(
            Text("share.empty", "the request body must be a decryption share file (JSON)")
        )
    phase = services.elections.phase(election_id)
    head = _share_head(body)
    if head is not None and head.trustee in published_trustees(services, election_id, phase):
        raise ApiError(
            409,
            "duplicate_share",
            Text(
                "share.duplicate",
                f"trustee {head.trustee} has already published a decryption share",
                trustee=head.trustee,
            ),
        )
    if phase != "tallied":
        raise ProtocolError(
            Text(
                "share.wrong_phase",
                "decryption shares are accepted only after the encrypted tally is published "
                f"and before the result is: the election is in phase {phase}",
                phase=Text(f"phase.{phase}", phase),
            )
        )
    item, stored = services.elections.submit_decryption_share(election_id, body)
    if isinstance(item, SharePart | EncodedSharePart):
        part = {"trustee": item.trustee, "part": item.index, "accepted": True, "stored": stored}
        return part, stored
    threshold = services.elections.election_key(election_id).ceremony.threshold
    shares = len(published_trustees(services, election_id, "tallied"))
    outcome: dict[str, Any] = {
        "trustee": item.trustee,
        "accepted": True,
        "shares": shares,
        "threshold": threshold,
        "result_published": False,
    }
    if shares >= threshold:
        try:
            services.elections.publish_result(election_id)
        except HonestBallotError as exc:
            # Another upload may have published it a moment ago; anything else is reported
            # (the share itself is stored and stays valid).
            if services.elections.phase(election_id) != "done":
                log.error("publishing the result of %s failed: %s", election_id, exc)
                outcome["result_error"] = str(exc)
        outcome["result_published"] = services.elections.phase(election_id) == "done"
    return outcome, True


def _share_head(body: bytes) -> ShareHead | None:
    """The share a request carries (the file, or a ``decryption-share`` line), or None
    for a part."""
    obj = parse_json(body, limit=MAX_LINE_BYTES, what="decryption share")
    if isinstance(obj, dict) and "kind" in obj:
        if obj["kind"] != "decryption-share" or not isinstance(obj.get("body"), dict):
            return None
        obj = obj["body"].get("share")
    return share_head_from_json(obj, "decryption share")


def check_mix_wanted(services: Services, election_id: str, phase: str) -> None:
    """Refuse a mix before its body is read: the election must be closed and not yet
    tallied, and have a contest counted by mixing."""
    if phase != "closed":
        raise ProtocolError(
            "mixes are accepted only after the close and before the encrypted tally: the "
            f"election is in phase {phase}"
        )
    if not mixed_contests(services.elections.context(election_id).manifest):
        raise ProtocolError(f"election {election_id!r} has no contest counted by mixing")


def accept_mix(services: Services, election_id: str, body: bytes) -> tuple[dict[str, Any], bool]:
    """Check and store one line of a trustee's mix file: a part (its place, shape and
    signature) or the mix that names the parts (its place in the chain, its proof of
    shuffle and the trustee's signature); whether it was stored."""
    if not body.strip():
        raise InvalidInput(
            "the request body must be one line of a mix file from 'honestballot trustee mix'"
        )
    item, stored = services.elections.submit_mix_line(election_id, body)
    outcome: dict[str, Any] = {
        "kind": "mix-part" if isinstance(item, MixPart | EncodedPart) else "mix",
        "contest": item.contest,
        "position": item.position,
        "trustee": item.trustee,
        "accepted": True,
        "stored": stored,
    }
    if isinstance(item, MixPart | EncodedPart):
        outcome["part"] = item.index
    else:
        outcome["threshold"] = services.elections.election_key(election_id).ceremony.threshold
    return outcome, stored


@router.get(
    "/api/e/{election_id}/tally",
    summary="The encrypted tally, in the file format `honestballot trustee decrypt --tally` "
    "reads (checked there against the verified record)",
)
def get_tally(request: Request, election_id: str) -> Response:
    services, _ = election_row(request, election_id)
    return Response(
        tally_file(services, election_id),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{election_id}-tally.json"'},
    )


@router.post(
    "/api/e/{election_id}/decryption-shares",
    status_code=201,
    summary="Upload a trustee's decryption share (stored only if every proof verifies)",
    openapi_extra=json_body("a decryption-share file from 'honestballot trustee decrypt'"),
)
async def post_decryption_share(request: Request, election_id: str) -> JSONResponse:
    services, _ = election_row(request, election_id)
    body = await request.body()
    outcome, stored = await run_in_threadpool(accept_share, services, election_id, body)
    return JSONResponse(outcome, status_code=201 if stored else 200)


@router.post(
    "/api/e/{election_id}/mixes",
    status_code=201,
    summary="Upload one line of a trustee's mix file: a part of a mix, or the mix that names "
    "its parts (stored only at the next place of the contest's chain, with the trustee's "
    "signature, and a mix only if its proof of shuffle verifies); 200 for a part already "
    "on the board",
    openapi_extra=json_body("one line of a mix file from 'honestballot trustee mix'"),
)
async def post_mix(request: Request, election_id: str) -> JSONResponse:
    services, row = election_row(request, election_id)
    await run_in_threadpool(check_mix_wanted, services, election_id, str(row["phase"]))
    body = await request.body()
    outcome, stored = await run_in_threadpool(accept_mix, services, election_id, body)
    return JSONResponse(outcome, status_code=201 if stored else 200)


def accept_close(services: Services, election_id: str, body: bytes) -> tuple[dict[str, Any], bool]:
    """Check and store one line of a trustee's close file (service/board/close.py)."""
    if not body.strip():
        raise InvalidInput(
            "the request body must be one line of a close file from 'honestballot trustee "
            "close-round'"
        )
    a = services.close.submit_line(election_id, body)
    outcome: dict[str, Any] = {
        "kind": a.kind,
        "step": a.step,
        "list": a.list,
        "trustee": a.trustee,
        "stored": a.stored,
    }
    if a.kind == "close-step":
        outcome["round"] = a.round
    return outcome, a.stored


@router.post(
    "/api/e/{election_id}/close",
    status_code=201,
    summary="Upload one line of a trustee's close file (an election with re-voting "
    "protection): a part of an object of the close, or the step that names its parts (stored "
    "only if stage A, read from the board with it, accepts it: an open step, a trustee who "
    "has not acted in it, every proof verified); 200 for a part already on the board",
    openapi_extra=json_body("one line of a close file from 'honestballot trustee close-round'"),
)
async def post_close(request: Request, election_id: str) -> JSONResponse:
    services, _ = election_row(request, election_id)
    body = await request.body()
    outcome, stored = await run_in_threadpool(accept_close, services, election_id, body)
    return JSONResponse(outcome, status_code=201 if stored else 200)


@router.get("/api/e/{election_id}/trustees", summary="The trustees and whose share is in")
def get_trustees(request: Request, election_id: str) -> dict[str, Any]:
    services, row = election_row(request, election_id)
    return trustee_status(services, election_id, str(row["phase"]))
