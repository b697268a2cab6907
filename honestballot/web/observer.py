"""Observer pages and their JSON: the board, turnout, results, the record, tree heads and
anonymous reports of pressure.  No sign-in anywhere.

Every route here is a read path and only reads: primary-key lookups, index range scans
and static files.  None of them takes the election's row lock the cast path serialises
on: the record download stops at the latest signed tree head (the server signs one
every few seconds while the board grows), so every downloaded record ends with a head
covering all of it.  Turnout is a static snapshot (``/snapshots``)
that ``observer.js`` fetches; it is never computed on request.

Nothing here says who cast a ballot: the board shows tracking codes and whether each
ballot counts, and reports are published only after the organiser removes personal
data.  The reporter's address, device and cookies are neither stored nor logged.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from honestballot.errors import InvalidInput, LogError, ProtocolError
from honestballot.protocol.ballot import tracking_code
from honestballot.protocol.manifest import Manifest
from honestballot.record.codec import parse_json
from honestballot.service.reports import MAX_ATTACHMENT
from honestballot.store.sql import SqlStore, StoredEvent
from honestballot.web.deps import require_csrf
from honestballot.web.errors import ApiError
from honestballot.web.i18n import language_of
from honestballot.web.pages import render
from honestballot.web.state import Services
from honestballot.web.trustee import election_row, trustee_status

router = APIRouter()

BOARD_LIMIT: Final = 50
MAX_BOARD_LIMIT: Final = 200
#: a voter who votes again many times: how far back a supersession chain is followed
MAX_REVOTES: Final = 1000
_HEX: Final = re.compile(r"^[0-9a-f]{8,64}$")
_CODE: Final = re.compile(r"^[A-Z2-7]{16}$")
_SIZE: Final = re.compile(r"^[0-9]{1,12}$")
_LINE_LIMIT: Final = 1 << 28
_ATTACHMENT_SUFFIX: Final = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
}

# Values that never change once on the board (board key, published result), per process.
_immutable: weakref.WeakKeyDictionary[Services, dict[tuple[str, str], Any]] = (
    weakref.WeakKeyDictionary()
)


# -- shared helpers ----------------------------------------------------------------------


def _utc(time_ms: int) -> str:
    return datetime.fromtimestamp(time_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _page_election(found: Services, row: dict[str, Any], lang: str) -> dict[str, Any]:
    ctx = found.elections.context(str(row["election_id"]))
    return {
        "id": ctx.manifest.election_id,
        "title": ctx.manifest.title.get(lang),
        "phase": str(row["phase"]),
        "fingerprint": ctx.base_hash.hex()[:16],
    }


def _page(
    request: Request,
    template: str,
    found: Services,
    row: dict[str, Any],
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    election = _page_election(found, row, language_of(request))
    return render(request, template, status, election=election, **extra)


def board_key(found: Services, election_id: str) -> str:
    """The board key from the setup event (the first event of every board)."""
    cache = _immutable.setdefault(found, {})
    key = cache.get((election_id, "board_key"))
    if key is None:
        with found.store.engine.connect() as conn:
            setup = found.store.event_at(conn, election_id, 0)
        if setup is None or setup.kind != "setup":
            raise ProtocolError("the board has no setup event")
        key = cache[(election_id, "board_key")] = str(
            parse_json(setup.line, limit=_LINE_LIMIT)["body"]["board_key"]
        )
    return str(key)


# -- the board ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BoardQuery:
    """What a board search looks for: a byte prefix, and the hex every match starts with."""

    prefix: bytes
    hex_prefix: str


def parse_board_query(text: str) -> BoardQuery:
    """A tracking code (``ABCD-EFGH-IJKL-MNOP``, any case, dashes or spaces optional) or
    the first 8 to 64 hex digits of a tracking hash."""
    if len(text) > 200:
        raise InvalidInput("the search is too long: give a tracking code or a hex prefix")
    compact = re.sub(r"[\s-]", "", text)
    if _HEX.match(compact.lower()) and "-" not in text:  # a dash means a tracking code
        low = compact.lower()
        return BoardQuery(bytes.fromhex(low[: len(low) // 2 * 2]), low)
    if _CODE.match(compact.upper()):
        raw = base64.b32decode(compact.upper())
        return BoardQuery(raw, raw.hex())
    raise InvalidInput(
        "give a tracking code like ABCD-EFGH-IJKL-MNOP (16 letters A-Z and digits 2-7) "
        "or at least 8 hex digits of a tracking hash"
    )


def _credential_of(ev: StoredEvent) -> bytes:
    return bytes.fromhex(parse_json(ev.line, limit=_LINE_LIMIT)["body"]["ballot"]["credential"])


def _successor(
    store: SqlStore, conn: Connection, election_id: str, latest: bytes, target: bytes
) -> bytes | None:
    """The tracking hash of the ballot that replaced ``target``, walking the credential's
    supersession chain back from its latest ballot (each cast that replaces a ballot is
    followed at once by its ``superseded`` event)."""
    current = latest
    for _ in range(MAX_REVOTES):
        ev = store.event_by_tracking(conn, election_id, current)
        after = store.event_at(conn, election_id, ev.seq + 1) if ev is not None else None
        if after is None or after.kind != "superseded":
            return None
        old = bytes.fromhex(parse_json(after.line)["body"]["old"])
        if old == target:
            return current
        current = old
    return None


def _board_entry(
    store: SqlStore, conn: Connection, election_id: str, ev: StoredEvent
) -> dict[str, Any]:
    tracking = ev.tracking_hash or b""
    entry: dict[str, Any] = {
        "seq": ev.seq,
        "kind": ev.kind,
        "tracking_code": tracking_code(tracking),
        "tracking_hash": tracking.hex(),
        "time_ms": ev.time_ms,
    }
    if ev.kind == "audit":
        entry["status"] = "audited"
        return entry
    row = store.credential_row(conn, election_id, _credential_of(ev))
    latest = row["latest_tracking"] if row is not None else None
    if row is None or row["revoked"] or latest is None:
        entry["status"] = "revoked"
    elif bytes(latest) == tracking:
        entry["status"] = "counts"
    else:
        entry["status"] = "superseded"
        successor = _successor(store, conn, election_id, bytes(latest), tracking)
        if successor is not None:
            entry["superseded_by"] = successor.hex()
    return entry


def board_entries(
    found: Services, election_id: str, query: BoardQuery, limit: int = BOARD_LIMIT
) -> list[dict[str, Any]]:
    """The ballots and audited ballots whose tracking hash starts with the query."""
    events = [
        ev
        for ev in found.store.events_by_tracking_prefix(election_id, query.prefix)
        if ev.tracking_hash is not None and ev.tracking_hash.hex().startswith(query.hex_prefix)
    ]
    events.sort(key=lambda ev: ev.seq)
    with found.store.engine.connect() as conn:
        return [_board_entry(found.store, conn, election_id, ev) for ev in events[:limit]]


def _limit(value: str | None) -> int:
    if value is None:
        return BOARD_LIMIT
    if not value.isdigit() or not 1 <= int(value) <= MAX_BOARD_LIMIT:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_BOARD_LIMIT}")
    return int(value)


@router.get("/api/e/{election_id}/board", summary="Find ballots by tracking code or hex prefix")
def api_board(
    request: Request, election_id: str, q: str = "", limit: str | None = None
) -> dict[str, Any]:
    found, _ = election_row(request, election_id)
    query = parse_board_query(q)
    return {"entries": board_entries(found, election_id, query, _limit(limit))}


@router.get("/e/{election_id}/board", response_class=HTMLResponse, include_in_schema=False)
def board_page(request: Request, election_id: str, q: str = "") -> HTMLResponse:
    found, row = election_row(request, election_id)
    entries: list[dict[str, Any]] | None = None
    error = ""
    if q.strip():
        try:
            entries = board_entries(found, election_id, parse_board_query(q))
        except InvalidInput as exc:
            error = str(exc)
    for entry in entries or []:
        entry["time"] = _utc(entry["time_ms"])
        if "superseded_by" in entry:
            entry["superseded_by_code"] = tracking_code(bytes.fromhex(entry["superseded_by"]))
    return _page(
        request,
        "observer_board.html",
        found,
        row,
        400 if error else 200,
        q=q,
        entries=entries,
        error=error,
    )


# -- turnout -----------------------------------------------------------------------------


@router.get("/e/{election_id}/turnout", response_class=HTMLResponse, include_in_schema=False)
def turnout_page(request: Request, election_id: str) -> HTMLResponse:
    found, row = election_row(request, election_id)
    lang = language_of(request)
    units = [
        {"id": u.id, "name": u.name.get(lang)}
        for u in found.elections.context(election_id).manifest.units
    ]
    return _page(
        request,
        "observer_turnout.html",
        found,
        row,
        units=units,
        snapshot=f"/snapshots/{election_id}/turnout.json",
    )


# -- results -----------------------------------------------------------------------------


def _event_body(ev: StoredEvent) -> dict[str, Any]:
    body: dict[str, Any] = parse_json(ev.line, limit=_LINE_LIMIT)["body"]
    return body


def _result_events(
    store: SqlStore, election_id: str, next_seq: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(tally body, result body).  The result is the board's last event and only
    decryption shares stand between it and the tally, so a few key lookups find both."""
    with store.engine.connect() as conn:
        seq = next_seq - 1
        last = store.event_at(conn, election_id, seq)
        if last is not None and last.kind == "result":
            for back in range(seq - 1, -1, -1):
                ev = store.event_at(conn, election_id, back)
                if ev is None or ev.kind not in ("decryption-share", "tally"):
                    break
                if ev.kind == "tally":
                    return _event_body(ev), _event_body(last)
    found = {ev.kind: ev for ev in store.iter_events(election_id, kinds=("tally", "result"))}
    if "tally" not in found or "result" not in found:
        raise ProtocolError("the board has no published result")
    return _event_body(found["tally"]), _event_body(found["result"])


def result_summary(found: Services, election_id: str, row: dict[str, Any]) -> dict[str, Any]:
    """The published result: election-wide counts, per-unit counts for the units broken
    out (at least ``min_unit_size`` counted ballots) and ballots counted per unit."""
    if row["phase"] != "done":
        raise ProtocolError(
            "there are no results yet: they exist only after the polls close and enough "
            "trustees decrypt the sum of the ballots"
        )
    cache = _immutable.setdefault(found, {})
    cached = cache.get((election_id, "result"))
    if cached is not None:
        return dict(cached)
    manifest = found.elections.context(election_id).manifest
    tally, result = _result_events(found.store, election_id, int(row["next_seq"]))
    totals: list[dict[str, Any]] = []
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for item in result["counts"]:
        entry, _, unit = str(item["id"]).partition("@")
        if unit:
            by_unit.setdefault(unit, []).append({"id": entry, "count": int(item["count"])})
        else:
            totals.append({"id": entry, "count": int(item["count"])})
    counted = [{"unit": c["unit"], "ballots": int(c["ballots"])} for c in tally["counted_per_unit"]]
    summary = {
        "election_id": election_id,
        "counts": totals,
        "per_unit": [
            {"unit": u.id, "counts": by_unit[u.id]} for u in manifest.units if u.id in by_unit
        ],
        "counted_per_unit": counted,
        "ballots_counted": sum(c["ballots"] for c in counted),
        "min_unit_size": manifest.min_unit_size,
        "units_not_broken_out": [u.id for u in manifest.units if u.id not in by_unit],
        "trustees": list(result["trustees"]),
        "rejected_shares": list(result["rejected_shares"]),
    }
    cache[(election_id, "result")] = summary
    return dict(summary)


def _contest_tables(
    manifest: Manifest, counts: list[dict[str, Any]], lang: str
) -> list[dict[str, Any]]:
    by_id = {c["id"]: c["count"] for c in counts}
    return [
        {
            "title": contest.title.get(lang),
            "rows": [
                {"label": o.label.get(lang), "count": by_id.get(f"{contest.id}/{o.id}", 0)}
                for o in contest.options
            ],
        }
        for contest in manifest.contests
    ]


@router.get("/api/e/{election_id}/results", summary="The published result (409 before it exists)")
def api_results(request: Request, election_id: str) -> dict[str, Any]:
    found, row = election_row(request, election_id)
    return result_summary(found, election_id, row)


@router.get("/e/{election_id}/results", response_class=HTMLResponse, include_in_schema=False)
def results_page(request: Request, election_id: str) -> HTMLResponse:
    found, row = election_row(request, election_id)
    lang = language_of(request)
    manifest = found.elections.context(election_id).manifest
    names = {u.id: u.name.get(lang) for u in manifest.units}
    context: dict[str, Any] = {
        "trustees": trustee_status(found, election_id, str(row["phase"])),
        "result": None,
    }
    if row["phase"] == "done":
        summary = result_summary(found, election_id, row)
        context["result"] = {
            "ballots_counted": summary["ballots_counted"],
            "contests": _contest_tables(manifest, summary["counts"], lang),
            "units": [
                {"name": names[u["unit"]], "contests": _contest_tables(manifest, u["counts"], lang)}
                for u in summary["per_unit"]
            ],
            "counted": [
                {"name": names[c["unit"]], "ballots": c["ballots"]}
                for c in summary["counted_per_unit"]
            ],
            "small_units": ", ".join(names[u] for u in summary["units_not_broken_out"]),
            "min_unit_size": summary["min_unit_size"],
        }
    return _page(request, "observer_results.html", found, row, **context)


# -- the record and its tree heads -------------------------------------------------------


@router.get(
    "/e/{election_id}/record.jsonl",
    summary="The election record (JSON Lines): check it with `honestballot verify FILE`",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The record, one JSON value per line (docs/record-format.md)",
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
        }
    },
)
def record(request: Request, election_id: str) -> StreamingResponse:
    found, _ = election_row(request, election_id)
    lines = found.elections.record_lines(election_id, fresh=False)
    first = next(lines)  # reads the covering tree head now, so a failure is a clean error
    return StreamingResponse(
        itertools.chain([first], lines),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="{election_id}-record.jsonl"'},
    )


@router.get("/api/e/{election_id}/tree-heads", summary="Every signed tree head and the board key")
def api_tree_heads(request: Request, election_id: str) -> dict[str, Any]:
    found, _ = election_row(request, election_id)
    return {
        "election_id": election_id,
        "board_key": board_key(found, election_id),
        "tree_heads": [json.loads(line) for _, line in found.store.tree_head_lines(election_id)],
    }


@router.get("/api/e/{election_id}/tree-heads/latest", summary="The latest signed tree head")
def api_latest_tree_head(request: Request, election_id: str) -> dict[str, object]:
    found, _ = election_row(request, election_id)
    return found.elections.latest_tree_head(election_id)


def _size(value: str | None, name: str) -> int:
    if value is None or not _SIZE.match(value):
        raise InvalidInput(f"{name} must be a tree size (a whole number)")
    return int(value)


@router.get("/api/e/{election_id}/consistency", summary="RFC 9162 consistency proof old -> new")
def api_consistency(
    request: Request, election_id: str, old: str | None = None, new: str | None = None
) -> dict[str, Any]:
    found, _ = election_row(request, election_id)
    old_size, new_size = _size(old, "old"), _size(new, "new")
    if old_size < 1:
        raise InvalidInput("old must be at least 1: every log extends the empty one")
    try:
        proof = found.elections.consistency_proof(election_id, old_size, new_size)
    except LogError as exc:
        raise InvalidInput(f"no consistency proof for these sizes: {exc}") from None
    return {"old_size": old_size, "new_size": new_size, "proof": [p.hex() for p in proof]}


@router.get("/e/{election_id}/tree-heads", response_class=HTMLResponse, include_in_schema=False)
def tree_heads_page(request: Request, election_id: str) -> HTMLResponse:
    found, row = election_row(request, election_id)
    key = board_key(found, election_id)
    return _page(request, "observer_tree_heads.html", found, row, board_key=key)


# -- the election's home -----------------------------------------------------------------


@router.get("/e/{election_id}", response_class=HTMLResponse, include_in_schema=False)
def home_page(request: Request, election_id: str) -> HTMLResponse:
    found, row = election_row(request, election_id)
    return _page(request, "observer_home.html", found, row)


# -- anonymous reports -------------------------------------------------------------------


@router.get("/e/{election_id}/report", response_class=HTMLResponse, include_in_schema=False)
def report_form(request: Request, election_id: str) -> HTMLResponse:
    found, row = election_row(request, election_id)
    return _page(request, "observer_report.html", found, row, form={}, error="")


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def _attachment(form: FormData) -> tuple[bytes | None, str | None]:
    upload = form.get("attachment")
    if not isinstance(upload, UploadFile) or (not upload.filename and not upload.size):
        return None, None
    data = await upload.read(MAX_ATTACHMENT + 1)
    if not data and not upload.filename:
        return None, None
    declared = (upload.content_type or "").split(";", 1)[0].strip().lower()
    if declared in ("", "application/octet-stream"):
        declared = _sniff(data, upload.filename or "")
    return data, declared


def _sniff(data: bytes, filename: str) -> str:
    """A type for an upload the browser did not label (the service checks it anyway)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return "text/plain" if filename.lower().endswith(".txt") else "application/octet-stream"


@router.post("/e/{election_id}/report", response_class=HTMLResponse, include_in_schema=False)
async def report_submit(request: Request, election_id: str) -> HTMLResponse:
    found, row = election_row(request, election_id)
    async with request.form(max_files=1, max_fields=10, max_part_size=64 * 1024) as form:
        require_csrf(request, _field(form, "csrf"))
        fields = {name: _field(form, name) for name in ("what", "place", "happened")}
        data, kind = await _attachment(form)
    try:
        number = await run_in_threadpool(
            found.reports.submit,
            election_id,
            fields["what"],
            fields["place"],
            fields["happened"],
            data,
            kind,
        )
    except InvalidInput as exc:
        if not _wants_html(request):
            raise
        return _page(request, "observer_report.html", found, row, 400, form=fields, error=str(exc))
    return _page(request, "observer_report_thanks.html", found, row, number=number)


def _public_reports(found: Services, election_id: str) -> list[dict[str, Any]]:
    return [r.to_json() for r in found.reports.published(election_id)]


@router.get("/api/e/{election_id}/reports", summary="Published reports of pressure")
def api_reports(request: Request, election_id: str) -> dict[str, Any]:
    found, _ = election_row(request, election_id)
    return {
        "reports": _public_reports(found, election_id),
        "counts": found.reports.counts(election_id),
    }


@router.get("/e/{election_id}/reports", response_class=HTMLResponse, include_in_schema=False)
def reports_page(request: Request, election_id: str) -> HTMLResponse:
    found, row = election_row(request, election_id)
    reports = _public_reports(found, election_id)
    for report in reports:
        report["published"] = _utc(report["published_ms"])
    return _page(
        request,
        "observer_reports.html",
        found,
        row,
        reports=reports,
        counts=found.reports.counts(election_id),
    )


@router.get("/e/{election_id}/reports/{report_id}/attachment", include_in_schema=False)
def report_attachment(request: Request, election_id: str, report_id: int) -> Response:
    found, _ = election_row(request, election_id)
    try:
        if not 0 < report_id < 2**31:  # report ids are SQL integers
            raise InvalidInput(f"there is no report {report_id}")
        data, kind = found.reports.attachment(election_id, report_id, public_only=True)
    except InvalidInput as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    name = f"report-{report_id}{_ATTACHMENT_SUFFIX.get(kind, '')}"
    return Response(
        data,
        media_type=kind,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
