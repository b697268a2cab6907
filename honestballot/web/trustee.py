"""Trustees' API: the close of an election with re-voting protection, and who the
trustees are.

Each trustee runs ``honestballot trustee close-round`` on the record downloaded after the
close (and after the close's last step) and uploads the file it wrote, one line per
request, to ``POST /api/e/{eid}/close`` (``honestballot trustee upload-close`` does it).
No sign-in is needed: a line is stored only if stage A, read from the board with it,
accepts it (an open step, a trustee who has not acted in it, every proof verified against
that trustee's keys), so nobody can act in a trustee's name.

:func:`election_row` (the election or 404) and :func:`trustee_status` are shared with
the observer pages.
"""

from __future__ import annotations

import re
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from honestballot.errors import InvalidInput, Text
from honestballot.service.runtime import Services
from honestballot.web.deps import services_of
from honestballot.web.errors import ApiError
from honestballot.web.openapi import json_body

router = APIRouter()

ELECTION_ID: Final = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}\Z")


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


def trustee_status(services: Services, election_id: str) -> dict[str, Any]:
    """``{"threshold", "trustees": [{"index", "name"}]}``."""
    key = services.elections.election_key(election_id)
    return {
        "threshold": key.ceremony.threshold,
        "trustees": [
            {"index": p.index, "name": p.name} for p in sorted(key.publics, key=lambda p: p.index)
        ],
    }


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


@router.get("/api/e/{election_id}/trustees", summary="The trustees and the threshold")
def get_trustees(request: Request, election_id: str) -> dict[str, Any]:
    services, _ = election_row(request, election_id)
    return trustee_status(services, election_id)
