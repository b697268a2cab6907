"""Observer pages and their JSON: the board, turnout, the record and its tree heads.
No sign-in anywhere.  The results are in :mod:`results`, anonymous reports of pressure
in :mod:`reports`.

Every route here is a read path and only reads: primary-key lookups, index range scans
and static files.  None of them takes the election's row lock the cast path serialises
on: the record download stops at the latest signed tree head (the server signs one
every few seconds while the board grows), so every downloaded record ends with a head
covering all of it.  Turnout is a static snapshot (``/snapshots``)
that ``observer.js`` fetches; it is never computed on request.

Nothing here says who cast a ballot: the board shows tracking codes and whether each
ballot counts.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import weakref
from dataclasses import dataclass
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy.engine import Connection

from honestballot.errors import InvalidInput, LogError, ProtocolError
from honestballot.protocol.ballot import tracking_code
from honestballot.record.codec import parse_json
from honestballot.store.sql import SqlStore, StoredEvent
from honestballot.web.i18n import language_of
from honestballot.web.observer_common import LINE_LIMIT, page, utc
from honestballot.web.state import Services
from honestballot.web.trustee import election_row

router = APIRouter()

BOARD_LIMIT: Final = 50
MAX_BOARD_LIMIT: Final = 200
#: a voter who votes again many times: how far back a supersession chain is followed
MAX_REVOTES: Final = 1000
_HEX: Final = re.compile(r"^[0-9a-f]{8,64}\Z")
_CODE: Final = re.compile(r"^[A-Z2-7]{16}\Z")
_SIZE: Final = re.compile(r"^[0-9]{1,12}\Z")

# The board key never changes once on the board: kept per process.
_board_keys: weakref.WeakKeyDictionary[Services, dict[str, str]] = weakref.WeakKeyDictionary()


def board_key(found: Services, election_id: str) -> str:
    """The board key from the setup event (the first event of every board)."""
    cache = _board_keys.setdefault(found, {})
    key = cache.get(election_id)
    if key is None:
        with found.store.engine.connect() as conn:
            setup = found.store.event_at(conn, election_id, 0)
        if setup is None or setup.kind != "setup":
            raise ProtocolError("the board has no setup event")
        key = cache[election_id] = str(
            parse_json(setup.line, limit=LINE_LIMIT)["body"]["board_key"]
        )
    return key


# -- the board ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BoardQuery:
    """What a board search looks for: a byte prefix, and the hex every match starts with."""

    prefix: bytes
    hex_prefix: str


def parse_board_query(text: str) -> BoardQuery:
    """A tracking code (``ABCD-EFGH-IJKL-MNOP``, any case, dashes or spaces optional) or
    the first 8 to 64 hex digits of a tracking hash (16 characters that read as a
    tracking code are taken as one)."""
    if len(text) > 200:
        raise InvalidInput("the search is too long: give a tracking code or a hex prefix")
    compact = re.sub(r"[\s-]", "", text)
    # a dash, or exactly 16 characters that read as one, mean a tracking code (a hash
    # prefix of that shape is found with a 17th hex digit)
    as_code = "-" in text or (len(compact) == 16 and bool(_CODE.match(compact.upper())))
    if _HEX.match(compact.lower()) and not as_code:
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
    return bytes.fromhex(parse_json(ev.line, limit=LINE_LIMIT)["body"]["ballot"]["credential"])


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
        entries = [_board_entry(found.store, conn, election_id, ev) for ev in events[:limit]]
    if len(query.prefix) >= HELD_AUDIT_PREFIX_BYTES:
        entries += [
            _held_entry(t)
            for t, _ in found.store.held_audits_by_prefix(election_id, query.prefix)
            if t.hex().startswith(query.hex_prefix)
        ]
    return entries[:limit]


#: Audits held until the close are found only by a whole tracking code (80 bits), so that
#: no one lists them by short prefixes while voting is open.
HELD_AUDIT_PREFIX_BYTES = 10


def _held_entry(tracking: bytes) -> dict[str, Any]:
    """An audit not yet on the board: no place in it, and no time (the board shows its
    audits only at the close, all together, so that none is tied to a voter by time)."""
    return {
        "seq": None,
        "kind": "audit",
        "tracking_code": tracking_code(tracking),
        "tracking_hash": tracking.hex(),
        "time_ms": None,
        "status": "held",
    }


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
        entry["time"] = utc(entry["time_ms"]) if entry["time_ms"] is not None else ""
        if "superseded_by" in entry:
            entry["superseded_by_code"] = tracking_code(bytes.fromhex(entry["superseded_by"]))
    return page(
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
    return page(
        request,
        "observer_turnout.html",
        found,
        row,
        units=units,
        snapshot=f"/snapshots/{election_id}/turnout.json",
    )


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
    return page(request, "observer_tree_heads.html", found, row, board_key=key)


# -- the election's home -----------------------------------------------------------------


@router.get("/e/{election_id}", response_class=HTMLResponse, include_in_schema=False)
def home_page(request: Request, election_id: str) -> HTMLResponse:
    found, row = election_row(request, election_id)
    return page(request, "observer_home.html", found, row)
