"""Polling stations on the web: observers' page and API, the organiser's page and API.

- ``GET /e/{id}/stations`` and ``GET /api/e/{id}/stations``: every unit's station, its
  commission (members by role) and key, and whether the details shown hash to the
  ``details_hash`` on the board; on the page, in an election with re-voting protection,
  each paper station's results and reconciliation (web/paper_pages.py, where the
  commission's own page is).
- ``POST /api/organiser/e/{id}/stations``: in setup or open, when the setup names the
  organiser's key, the signed station file of ``honestballot organiser sign-station``
  (``{"type": "signed-station", …}``); without one, ``{"details": …, "commission": …}``
  (the details without ``salt``; the commission's public key file).
- ``POST /api/e/{id}/stations/{unit}/paper``: a commission's paper results (the upload
  of ``honestballot commission paper``), authenticated by its signature alone
  (service/paper.py).
- ``/organiser/e/{id}/stations``: the same as a form -- with the organiser's key, the
  signed station file; without, the address in three languages, the hours, paper voting,
  the members one per line (``name; role; nominated by``, the role in any of the three
  languages), and the commission's key file.

The use cases are in :mod:`honestballot.service.stations`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from honestballot.errors import HonestBallotError, InvalidInput, Text
from honestballot.record.codec import parse_json
from honestballot.service.organiser_cases import phase_of
from honestballot.service.paper import roll_voters, submit_paper
from honestballot.service.runtime import Services
from honestballot.service.security.organisers import Organiser
from honestballot.service.stations import (
    STATION_PHASES,
    publish_signed_station,
    station_listing,
)
from honestballot.web.deps import organiser, services_of
from honestballot.web.i18n import language_of
from honestballot.web.observer_common import page
from honestballot.web.openapi import json_body
from honestballot.web.organiser_pages import (
    FormFile,
    FormText,
    _election_form_guard,
    _failure,
    _page_organiser,
    _read,
    _see_other,
)
from honestballot.web.pages import render
from honestballot.web.paper_pages import MAX_PAPER_BYTES, paper_view
from honestballot.web.trustee import election_row

router = APIRouter()

SignedIn = Annotated[Organiser, Depends(organiser)]


# -- observers -----------------------------------------------------------------------------


@router.get("/api/e/{election_id}/stations", summary="The polling stations and commissions")
def api_stations(request: Request, election_id: str) -> dict[str, Any]:
    services, _ = election_row(request, election_id)
    return {"stations": station_listing(services, election_id)}


@router.post(
    "/api/e/{election_id}/stations/{unit}/paper",
    status_code=201,
    summary="A polling station's paper results, signed by its commission",
    openapi_extra=json_body(
        '{"unit", "protocol": {"received", "issued", "spoiled", "unused", "in_box", '
        '"contests": [{"id", "invalid", "counts": [{"option", "count"}]}]}, "voters": '
        '[{"handle": {"alpha", "beta"}, "proof": {"e", "z"}}], "signature": {"c", "s"}} '
        "(the file of 'honestballot commission paper')"
    ),
)
async def api_paper(request: Request, election_id: str, unit: str) -> dict[str, Any]:
    services, _ = election_row(request, election_id)
    given = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if given != "application/json":
        raise InvalidInput(Text("paper.json", "send the paper results as application/json"))
    body = parse_json(await request.body(), limit=MAX_PAPER_BYTES, what="the request body")
    # the proofs take some 0.2 ms a listed voter: off the event loop
    seq, upload = await run_in_threadpool(submit_paper, services.elections, election_id, unit, body)
    return {
        "unit": upload.unit,
        "seq": seq,
        "voters": len(upload.voters),
        "in_box": upload.protocol.in_box,
    }


def _shown(request: Request, election_id: str, *, with_paper: bool = False) -> list[dict[str, Any]]:
    """The stations with the unit's name in the reader's language (and with
    ``with_paper``, each paper station's results as the page shows them, or None)."""
    services = services_of(request)
    lang = language_of(request)
    manifest = services.elections.context(election_id).manifest
    names = {u.id: u.name.get(lang) for u in manifest.units}
    on_roll = roll_voters(services.elections, election_id) if with_paper else {}
    shown = []
    for s in station_listing(services, election_id, with_paper=with_paper):
        details = s["details"]
        results = s["paper_results"]
        shown.append(
            {
                **s,
                "name": names[s["unit"]],
                "address": details["address"][lang] if details else "",
                "key_short": s["commission_key"][:16],
                "counting": (
                    paper_view(manifest, lang, results, on_roll.get(s["unit"])) if results else None
                ),
            }
        )
    return shown


@router.get("/e/{election_id}/stations", response_class=HTMLResponse, include_in_schema=False)
def stations_page(request: Request, election_id: str) -> HTMLResponse:
    services, row = election_row(request, election_id)
    return page(
        request,
        "observer_stations.html",
        services,
        row,
        stations=_shown(request, election_id, with_paper=True),
        # paper results are taken only with re-voting protection (service/paper.py)
        paper_taken=services.elections.context(election_id).revoting,
    )


def voter_station(
    services: Services, election_id: str, unit: str, lang: str
) -> dict[str, Any] | None:
    """The voter's own polling station, for the ballot page (None if none is published):
    where and when, and whether the voter may vote there on paper."""
    for s in station_listing(services, election_id, with_paper=False):
        if s["unit"] == unit and s["details"] is not None:
            return {
                "address": s["details"]["address"][lang],
                "hours": s["details"]["hours"],
                "paper": s["paper"],
            }
    return None


# -- organisers: the API -------------------------------------------------------------------


@router.post(
    "/api/organiser/e/{election_id}/stations",
    status_code=201,
    summary="Publish or correct a unit's polling station and commission",
    openapi_extra=json_body(
        "the file of 'honestballot organiser sign-station' ({\"type\": \"signed-station\", "
        '"version": 2, "sequence", "details", "commission", "organiser_signature": '
        '{"c", "s"}})'
    ),
)
async def api_publish_station(request: Request, election_id: str, who: SignedIn) -> dict[str, Any]:
    services = services_of(request)
    phase_of(services, who, election_id)  # 404 before the body is looked at
    given = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if given != "application/json":
        raise InvalidInput(Text("station.json", "send the station as application/json"))
    body = parse_json(await request.body(), limit=1 << 20, what="the request body")
    return publish_signed_station(services, who, election_id, body)


# -- organisers: the page ------------------------------------------------------------------


def _stations_page(
    request: Request, who: Organiser, election_id: str, status: int = 200, **extra: Any
) -> Response:
    services = services_of(request)
    lang = language_of(request)
    phase = phase_of(services, who, election_id)
    manifest = services.elections.context(election_id).manifest
    return render(
        request,
        "organiser_stations.html",
        status,
        election_id=election_id,
        title=manifest.title.get(lang),
        phase=phase,
        may_publish=phase in STATION_PHASES,
        stations=_shown(request, election_id),
        **extra,
    )


@router.get("/organiser/e/{election_id}/stations", include_in_schema=False)
def organiser_stations(request: Request, election_id: str, done: str = "") -> Response:
    who = _page_organiser(request)
    if who is None:
        return _see_other("/organiser")
    return _stations_page(request, who, election_id, done=done == "station")


@router.post("/organiser/e/{election_id}/stations", include_in_schema=False)
def organiser_publish_station(
    request: Request,
    election_id: str,
    signed: FormFile = None,
    csrf: FormText = "",
) -> Response:
    who = _election_form_guard(request, csrf, election_id)
    try:
        signed_file = parse_json(_read(signed, "signed station"), limit=1 << 20)
        publish_signed_station(services_of(request), who, election_id, signed_file)
    except HonestBallotError as exc:
        status, error, detail = _failure(request, exc)
        return _stations_page(request, who, election_id, status, error=error, error_detail=detail)
    return _see_other(f"/organiser/e/{election_id}/stations?done=station")
