"""The pages of the polling stations' paper results (docs/paper.md).

- :func:`paper_view`: a station's counting protocol as the pages show it -- the ballots'
  numbers, per contest the invalid ballots and each option's count (named from the
  manifest in the reader's language), the voters listed, the uploads sent, whether the
  last is declared final, and the reconciliation lines, each with whether it holds. The
  observers' stations page (web/stations.py) shows it for every paper station.
- ``GET /e/{id}/stations/{unit}/paper``: the commission's page -- what the board holds of
  the station (the protocol that counts, and each upload with its board position and
  time) and, unless its last upload is final, a form for the upload file of
  ``honestballot commission paper`` (chosen as a file, or pasted);
- ``POST /e/{id}/stations/{unit}/paper``: that form, handed to the service's
  :func:`~honestballot.service.paper.submit_paper` (authenticated by the commission's
  signature alone, like the API); a refusal is said in the page's language and appends
  nothing, an accepted upload leads back to the page with its board position.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from honestballot.errors import HonestBallotError, InvalidInput, NotFound, Text
from honestballot.protocol.board import PAPER_HOURS
from honestballot.protocol.manifest import Contest, Manifest
from honestballot.protocol.paper import mark_bounds
from honestballot.record.codec import parse_json
from honestballot.record.paper import protocol_to_json
from honestballot.service.paper import (
    NOT_REVOTING,
    reconciliation,
    roll_voters,
    station_uploads,
    submit_paper,
)
from honestballot.service.runtime import Services
from honestballot.service.stations import station_listing
from honestballot.web.deps import require_csrf
from honestballot.web.i18n import language_of, translator
from honestballot.web.observer_common import page, utc
from honestballot.web.organiser_pages import _failure
from honestballot.web.trustee import election_row

router = APIRouter()

#: the largest paper upload taken (some 300 bytes a listed voter)
MAX_PAPER_BYTES: Final = 32 << 20

#: the protocol's numbers in the order the pages show them (protocol_to_json's keys)
NUMBERS: Final = ("received", "issued", "spoiled", "unused", "in_box")

#: what the form's file, or its pasted text, is called in a refusal of its JSON
WHAT: Final = Text("paper.what", "paper results file")


def _contest_lines(
    contest: Contest, in_box: int, counted: dict[str, Any], t: Callable[[str], str]
) -> list[tuple[str, str, bool]]:
    """A contest's reconciliation lines (docs/paper.md, "What is public"): the invalid
    ballots at most those in the box, and protocol/paper.py's :class:`MarkBounds`."""
    invalid = int(counted["invalid"])
    b = mark_bounds(
        contest, [(str(c["option"]), int(c["count"])) for c in counted["counts"]],
        in_box - invalid,
    )  # fmt: skip
    values = {
        "in_box": in_box, "invalid": invalid, "valid": b.valid, "exclusive": b.exclusive,
        "marks": b.marks, "least": b.least, "most": b.most, "rest": b.rest,
        "largest": b.largest,
    }  # fmt: skip
    lines = [
        ("invalid", invalid <= in_box),
        ("option_max", b.options_hold),
        *([("exclusive", b.exclusive_holds)] if contest.has_exclusive else []),
        ("marks", b.marks_hold),
    ]
    return [(key, t(f"paper.check.{key}").format_map(values), holds) for key, holds in lines]


def paper_view(
    manifest: Manifest, lang: str, results: dict[str, Any], roll_voters: int | None
) -> dict[str, Any]:
    """``results`` (one unit of :func:`~honestballot.service.paper.paper_listing`: the
    protocol as JSON, ``voters``, ``paper_events``, ``final``, ``reconciliation``) as the pages show
    it in ``lang``, with the unit's ``roll_voters`` (None if no roll is on the board)."""
    t = translator(lang)
    p = results["protocol"]
    rec = results["reconciliation"]
    values = {key: p[key] for key in NUMBERS}
    values["voters"] = results["voters"]
    values["taken_away"] = rec["taken_away"]
    values["roll"] = roll_voters
    contests = []
    for contest, counted in zip(manifest.contests, p["contests"], strict=True):
        names = {o.id: o.label.get(lang) for o in contest.options}
        checks = _contest_lines(contest, p["in_box"], counted, t)
        contests.append(
            {
                "id": contest.id,
                "title": contest.title.get(lang),
                "invalid": counted["invalid"],
                "valid": p["in_box"] - counted["invalid"],
                "counts": [
                    (names.get(c["option"], c["option"]), c["count"]) for c in counted["counts"]
                ],
                "lines": checks,
                "holds": all(holds for _, _, holds in checks),
            }
        )
    checked = [(key, bool(rec[key])) for key in ("received", "in_box", "issued_listed")]
    if roll_voters is not None:
        checked.append(("issued_roll", p["issued"] <= roll_voters))
    lines = [(key, t(f"paper.check.{key}").format_map(values), holds) for key, holds in checked]
    return {
        "numbers": [(key, p[key]) for key in NUMBERS] + [("taken_away", rec["taken_away"])],
        "voters": results["voters"],
        "uploads": results["paper_events"],
        "final": bool(results["final"]),
        "hours": PAPER_HOURS,
        "contests": contests,
        "lines": lines,
        "holds": all(holds for _, _, holds in lines) and all(c["holds"] for c in contests),
    }


def _paper_station(services: Services, election_id: str, unit: str) -> dict[str, Any]:
    """The unit's station (from the listing, without its paper results), or 404 if the
    election takes no paper results or the unit has no station with paper voting."""
    if not services.elections.context(election_id).revoting:
        raise NotFound(NOT_REVOTING)
    for s in station_listing(services, election_id, with_paper=False):
        if s["unit"] == unit and s["paper"]:
            return s
    message = f"unit {unit[:64]!r} has no polling station with paper voting"
    raise NotFound(Text("paper.no_station", message, unit=unit[:64]))


def _commission_page(
    request: Request, election_id: str, unit: str, status: int = 200, **extra: Any
) -> HTMLResponse:
    services, row = election_row(request, election_id)
    lang = language_of(request)
    station = _paper_station(services, election_id, unit)
    manifest = services.elections.context(election_id).manifest
    uploads = station_uploads(services.elections, election_id, unit)
    counting = None
    if uploads:
        _, _, last = uploads[-1]
        counting = paper_view(
            manifest,
            lang,
            {
                "protocol": protocol_to_json(last.protocol),
                "voters": len(last.voters),
                "paper_events": len(uploads),
                "final": last.final,
                "reconciliation": reconciliation(last),
            },
            roll_voters(services.elections, election_id).get(unit),
        )
    names = {u.id: u.name.get(lang) for u in manifest.units}
    return page(
        request,
        "observer_paper.html",
        services,
        row,
        status,
        unit=unit,
        name=names.get(unit, unit),
        address=station["details"]["address"][lang] if station["details"] else "",
        key=station["commission_key"],
        counting=counting,
        uploads=[{"seq": seq, "time": utc(ms), "voters": len(u.voters)} for seq, ms, u in uploads],
        **extra,
    )


@router.get(
    "/e/{election_id}/stations/{unit}/paper", response_class=HTMLResponse, include_in_schema=False
)
def commission_page(request: Request, election_id: str, unit: str, done: int = 0) -> HTMLResponse:
    return _commission_page(request, election_id, unit, done=done, text="")


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def _file(form: FormData) -> bytes:
    upload = form.get("upload")
    if not isinstance(upload, UploadFile):
        return b""
    return await upload.read(MAX_PAPER_BYTES + 1)


@router.post(
    "/e/{election_id}/stations/{unit}/paper", response_class=HTMLResponse, include_in_schema=False
)
async def commission_send(request: Request, election_id: str, unit: str) -> Response:
    services, _ = election_row(request, election_id)
    async with request.form(max_files=1, max_fields=4, max_part_size=MAX_PAPER_BYTES) as form:
        require_csrf(request, _field(form, "csrf"))
        text = _field(form, "text")
        data = await _file(form)
    try:
        if not data.strip():
            data = text.encode("utf-8", "surrogatepass")
        if not data.strip():
            message = "choose the upload file of 'honestballot commission paper', or paste it"
            raise InvalidInput(Text("paper.choose", message))
        body = parse_json(data, limit=MAX_PAPER_BYTES, what=WHAT)
        # the proofs take some 0.2 ms a listed voter: off the event loop
        seq, _ = await run_in_threadpool(submit_paper, services.elections, election_id, unit, body)
    except HonestBallotError as exc:
        status, error, detail = _failure(request, exc)
        # the page reads the board: off the event loop too
        return await run_in_threadpool(
            _commission_page,
            request,
            election_id,
            unit,
            status,
            error=error,
            error_detail=detail,
            text=text if len(text) <= 1 << 20 else "",
            done=0,
        )
    return RedirectResponse(f"/e/{election_id}/stations/{unit}/paper?done={seq}", status_code=303)
