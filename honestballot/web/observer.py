"""Observer pages and their JSON: the board, turnout, the record and its tree heads.
No sign-in anywhere.  The results are in :mod:`results`, anonymous reports of pressure
in :mod:`reports`.

Every route here is a read path and only reads: primary-key lookups, index range scans
and static files.  None of them takes the election's row lock the cast path serialises
on: the record download stops at the latest signed tree head (the server signs one
every few seconds while the board grows), so every downloaded record ends with a head
covering all of it.  Turnout is a static snapshot (``/snapshots``)
that ``observer.js`` fetches; it is never computed on request (with re-voting protection
the page starts from the last snapshot written, and after the result shows the counted
ballots from the published result's summary, kept per process, as the results page does).

Nothing here says who cast a ballot: the board shows tracking codes and whether each
ballot counts.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse

from honestballot.errors import InvalidInput, LogError, NotFound, Text
from honestballot.protocol.ballot import tracking_code
from honestballot.protocol.witnesses import split_tolerance
from honestballot.record.codec import parse_json
from honestballot.service.board.board_views import BoardQuery, parse_board_query
from honestballot.service.runtime import Services
from honestballot.service.snapshots import read_snapshot
from honestballot.web.i18n import language_of, translator
from honestballot.web.messages import message_of, say
from honestballot.web.observer_common import page, utc
from honestballot.web.results import unit_names
from honestballot.web.trustee import election_row

router = APIRouter()

BOARD_LIMIT: Final = 50
MAX_BOARD_LIMIT: Final = 200
_SIZE: Final = re.compile(r"^[0-9]{1,12}\Z")
_LIMIT: Final = re.compile(r"[0-9]{1,3}")

# -- the board ---------------------------------------------------------------------------


def board_entries(
    services: Services, election_id: str, query: BoardQuery, limit: int = BOARD_LIMIT
) -> list[dict[str, Any]]:
    """The ballots and audited ballots whose tracking hash starts with the query."""
    return services.board.entries(election_id, query, limit)


def _limit(value: str | None) -> int:
    if value is None:
        return BOARD_LIMIT
    # ASCII digits only: str.isdigit() also takes "²" and other digits int() refuses
    if not _LIMIT.fullmatch(value) or not 1 <= int(value) <= MAX_BOARD_LIMIT:
        raise InvalidInput(
            Text(
                "board.limit",
                f"limit must be a whole number from 1 to {MAX_BOARD_LIMIT}",
                most=MAX_BOARD_LIMIT,
            )
        )
    return int(value)


def _after(value: str | None) -> int:
    """The board position a page starts after (``?after=``; -1: from the start)."""
    if value is None or value == "":
        return -1
    if not _SIZE.fullmatch(value):
        raise InvalidInput(
            Text("board.after", f"after must be a board position (a whole number), not {value!r}")
        )
    return int(value)


@router.get(
    "/api/e/{election_id}/board",
    summary="Find ballots by tracking code or hex prefix, or browse the board page by page",
)
def api_board(
    request: Request,
    election_id: str,
    q: str = "",
    limit: str | None = None,
    after: str | None = None,
) -> dict[str, Any]:
    """With ``q``: the entries whose tracking hash starts with it.  Without: a page of
    the board in order, ``limit`` entries after position ``after`` (``next_after`` is the
    ``after`` of the next page, null on the last one)."""
    services, _ = election_row(request, election_id)
    if not q.strip():
        size = _limit(limit)
        entries = services.board.page(election_id, _after(after), size)
        last = entries[-1]["seq"] if len(entries) == size else None
        return {"entries": entries, "next_after": last}
    query = parse_board_query(q)
    return {"entries": board_entries(services, election_id, query, _limit(limit))}


@router.get("/e/{election_id}/board", response_class=HTMLResponse, include_in_schema=False)
def board_page(
    request: Request, election_id: str, q: str = "", after: str | None = None
) -> HTMLResponse:
    """A search by tracking code, or (without one) the board page by page, oldest first;
    in an election with re-voting protection its words say that ballots and registrations
    reach the board in batches and that nothing on it says whether a ballot counts."""
    services, row = election_row(request, election_id)
    entries: list[dict[str, Any]] | None = None
    error = ""
    next_after: int | None = None
    browsing = not q.strip()
    try:
        if browsing:
            start = _after(after)
            entries = services.board.page(election_id, start, BOARD_LIMIT)
            if len(entries) == BOARD_LIMIT:
                next_after = int(entries[-1]["seq"])
        else:
            entries = board_entries(services, election_id, parse_board_query(q))
    except InvalidInput as exc:
        error = say(message_of(exc), language_of(request))
        entries = None
    for entry in entries or []:
        entry["time"] = utc(entry["time_ms"]) if entry["time_ms"] is not None else ""
        if "superseded_by" in entry:
            entry["superseded_by_code"] = tracking_code(bytes.fromhex(entry["superseded_by"]))
    return page(
        request,
        "observer_board.html",
        services,
        row,
        400 if error else 200,
        q=q,
        entries=entries,
        error=error,
        browsing=browsing,
        after=after or "",
        next_after=next_after,
        # with re-voting protection the board fills in batches and says nothing of counting
        protected=services.elections.context(election_id).revoting,
    )


# -- turnout -----------------------------------------------------------------------------


@router.get("/e/{election_id}/turnout", response_class=HTMLResponse, include_in_schema=False)
def turnout_page(request: Request, election_id: str) -> HTMLResponse:
    """The turnout table, filled from the snapshot by ``observer.js``.  With re-voting
    protection: no voted counts during the vote, but the batches posted against the
    schedule (as the last snapshot written says, then refreshed by the script) and why;
    after the result the ballots counted per reporting unit, as the results page gives
    them (docs/coercion.md §4, §8.1)."""
    services, row = election_row(request, election_id)
    lang = language_of(request)
    election = services.elections.context(election_id)
    manifest = election.manifest
    units = [{"id": u.id, "name": u.name.get(lang)} for u in manifest.units]
    protected = election.revoting
    extra: dict[str, Any] = {"protected": protected, "batches": None, "counted": None}
    if protected:
        closed = row["phase"] in _AFTER_THE_VOTE
        extra["closed"] = closed
        snapshot = read_snapshot(services.config.snapshot_dir, election_id)
        if snapshot is not None and isinstance(snapshot.get("batches"), dict):
            extra["batches"] = _batches_view(
                snapshot["batches"], closed, lang, services.elections.clock()
            )
            # without the script: the roll cells and the status from the same snapshot
            extra["roll"] = _roll_cells(snapshot, lang)
            extra["generated"] = utc(int(snapshot.get("generated_ms", 0)))
        if row["phase"] == "done":
            summary = services.results.summary(election_id, row)
            names = unit_names(manifest, summary, lang)
            # as the results page: with paper stations these are the online ballots, and
            # each reporting unit's paper ballots in the boxes go beside them
            in_box = (
                {str(u["unit"]): int(u["in_box"]) for u in summary["paper"]["units"]}
                if "paper" in summary
                else None
            )
            extra["counted"] = {
                "units": [
                    {
                        "name": names[c["unit"]],
                        "ballots": c["ballots"],
                        "paper": None if in_box is None else in_box.get(c["unit"], 0),
                    }
                    for c in summary["counted_per_unit"]
                ],
                "total": summary["ballots_counted"],
                "paper": None if in_box is None else sum(in_box.values()),
            }
    return page(
        request,
        "observer_turnout.html",
        services,
        row,
        units=units,
        snapshot=f"/snapshots/{election_id}/turnout.json",
        **extra,
    )


def _grouped(n: int, lang: str) -> str:
    """A whole number with its thousands grouped as the language writes them."""
    return f"{n:,}" if lang == "en" else f"{n:,}".replace(",", "\u00a0")


#: the phases from the close on: no batch is due, the close posted the last one
_AFTER_THE_VOTE = frozenset({"closed", "tallied", "done"})


def _batches_view(batches: dict[str, Any], closed: bool, lang: str, now: int) -> dict[str, str]:
    """The snapshot's batches as the page says them: posted of scheduled while the vote
    is open and within the schedule's listed hours' batches, otherwise posted alone (from
    the close on, with the close's last batch among them, said so); the next's time, or
    that it is late once that time is a whole interval past."""
    say = translator(lang)
    posted_n, scheduled_n = int(batches["posted"]), int(batches["scheduled"])
    key = "observer.batches.posted"
    if closed or posted_n > scheduled_n:
        key = "observer.batches.posted_only"
    posted = (
        say(key)
        .replace("{posted}", _grouped(posted_n, lang))
        .replace("{scheduled}", _grouped(scheduled_n, lang))
    )
    next_ms = batches.get("next_ms")
    upcoming = ""
    if closed:
        upcoming = say("observer.batches.closed")
    elif next_ms:
        # late once a whole interval past its time: not in the seconds before the batch
        # is written and the snapshot next rewritten
        late = int(next_ms) + 1000 * int(batches.get("interval_s", 0)) < now
        upcoming = say("observer.batches.late" if late else "observer.batches.next").replace(
            "{time}", utc(int(next_ms))
        )
    return {"posted": posted, "next": upcoming}


def _roll_cells(snapshot: dict[str, Any], lang: str) -> dict[str, str]:
    """Each unit's voters on the roll as the snapshot gives them, and ``total``."""
    cells = {
        str(u["unit"]): _grouped(int(u["voters_on_roll"]), lang)
        for u in snapshot.get("units", [])
        if isinstance(u, dict) and "unit" in u and "voters_on_roll" in u
    }
    total = snapshot.get("total")
    if isinstance(total, dict) and "voters_on_roll" in total:
        cells["total"] = _grouped(int(total["voters_on_roll"]), lang)
    return cells


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
def record(request: Request, election_id: str, unwitnessed: str | None = None) -> StreamingResponse:
    """``?unwitnessed=1``: to the latest signed head even if the witnesses' quorum has not
    co-signed it (for when witnesses stopped; see docs/deployment.md "Witnesses")."""
    services, _ = election_row(request, election_id)
    lines = services.elections.record_lines(
        election_id, fresh=False, witnessed_only=unwitnessed != "1"
    )
    first = next(lines)  # reads the covering tree head now, so a failure is a clean error
    return StreamingResponse(
        itertools.chain([first], lines),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="{election_id}-record.jsonl"'},
    )


@router.get(
    "/api/e/{election_id}/tree-heads",
    summary="Every signed tree head, the witnesses' co-signatures and the keys that vouch",
)
def api_tree_heads(request: Request, election_id: str) -> dict[str, Any]:
    services, _ = election_row(request, election_id)
    keys = services.elections.board_keys(election_id)
    return {
        "election_id": election_id,
        "board_key": services.board.board_key(election_id),
        "witnesses": [{"name": w.name, "key": w.key.hex()} for w in keys.witnesses],
        "witness_quorum": keys.quorum,
        "tree_heads": [json.loads(line) for line in services.board.tree_head_lines(election_id)],
        "cosignatures": [c.to_json() for c in services.elections.cosignatures(election_id)],
    }


@router.get(
    "/api/e/{election_id}/tree-heads/witnessed",
    summary="The latest tree head co-signed by the witnesses' quorum, with its co-signatures",
)
def api_witnessed_tree_head(request: Request, election_id: str) -> dict[str, Any]:
    services, _ = election_row(request, election_id)
    found = services.elections.witnessed_head(election_id)
    if found is None:
        raise NotFound(
            Text("log.not_witnessed", "no tree head is co-signed by the witnesses' quorum yet")
        )
    return {
        "tree_head": found.head.to_json(),
        "cosignatures": [c.to_json() for c in found.cosignatures],
    }


@router.post(
    "/api/e/{election_id}/cosignatures",
    summary="Publish a witness's co-signature of a tree head (the signature is the credential)",
)
async def api_add_cosignature(request: Request, election_id: str) -> dict[str, Any]:
    services, _ = election_row(request, election_id)
    body = parse_json(await request.body(), limit=4096, what="co-signature")
    return {"added": services.elections.add_cosignature(election_id, body)}


@router.get("/api/e/{election_id}/tree-heads/latest", summary="The latest signed tree head")
def api_latest_tree_head(request: Request, election_id: str) -> dict[str, object]:
    services, _ = election_row(request, election_id)
    return services.elections.latest_tree_head(election_id)


def _size(value: str | None, name: str) -> int:
    if value is None or not _SIZE.match(value):
        raise InvalidInput(
            Text("log.size", f"{name} must be a tree size (a whole number)", name=name)
        )
    return int(value)


@router.get("/api/e/{election_id}/consistency", summary="RFC 9162 consistency proof old -> new")
def api_consistency(
    request: Request, election_id: str, old: str | None = None, new: str | None = None
) -> dict[str, Any]:
    services, _ = election_row(request, election_id)
    old_size, new_size = _size(old, "old"), _size(new, "new")
    if old_size < 1:
        raise InvalidInput(
            Text("log.old_zero", "old must be at least 1: every log extends the empty one")
        )
    try:
        proof = services.elections.consistency_proof(election_id, old_size, new_size)
    except LogError as exc:
        raise InvalidInput(
            Text(
                "log.no_proof",
                f"no consistency proof for these sizes: {exc}",
                detail=str(exc),
            )
        ) from None
    return {"old_size": old_size, "new_size": new_size, "proof": [p.hex() for p in proof]}


# -- any event of the board, with its inclusion proof ------------------------------------


@router.get(
    "/api/e/{election_id}/events",
    summary="The board positions of the events of one kind (setup, roll, station, open, "
    "paper, close, result), with unit= a station's or paper upload's of one unit; or, with "
    "from= and to=, the lines of the events at those positions (JSON Lines, a page)",
    response_model=None,
)
def api_events(
    request: Request,
    election_id: str,
    kind: str = "",
    unit: str | None = None,
    first: str | None = Query(None, alias="from"),
    last: str | None = Query(None, alias="to"),
) -> dict[str, Any] | Response:
    """``?from=A&to=B``: the event lines at positions A to B, one per line, as the record
    holds them (a page: at most 1000 lines and about 16 MiB; ask again from the position
    after the last line given), for a client that checks them against a witnessed tree
    head itself (``honestballot commission check-station``)."""
    services, _ = election_row(request, election_id)
    if first is not None or last is not None:
        if (
            kind
            or unit is not None
            or first is None
            or last is None
            or not _SIZE.fullmatch(first)
            or not _SIZE.fullmatch(last)
            or int(last) < int(first)
        ):
            raise InvalidInput(
                Text(
                    "board.range",
                    "a range of board positions: from= and to= whole numbers, to not below "
                    "from, without kind=",
                )
            )
        lines = services.board.event_range(election_id, int(first), int(last))
        return Response(b"".join(line + b"\n" for line in lines), media_type="application/x-ndjson")
    return {
        "kind": kind,
        "unit": unit,
        "events": services.board.event_positions(election_id, kind, unit),
    }


@router.get(
    "/api/e/{election_id}/events/{seq}/proof",
    summary="One event of the board with its inclusion proof under the latest witnessed "
    "tree head and that head's co-signatures",
    response_model=None,
)
def api_event_proof(request: Request, election_id: str, seq: str) -> JSONResponse:
    """202 ``pending`` while no tree head co-signed by the witnesses' quorum (with no
    witnesses: no signed head) reaches the event yet; the answer says when to ask again."""
    services, _ = election_row(request, election_id)
    if not _SIZE.fullmatch(seq):
        raise InvalidInput(
            Text("board.seq", f"a board position is a whole number, not {seq[:20]!r}")
        )
    interval_ms = int(services.config.tree_head_interval_s * 1000)
    found, included = services.board.event_proof(election_id, int(seq), sign_after_ms=interval_ms)
    if included is None:
        return JSONResponse(
            {
                "status": "pending",
                "seq": found.seq,
                "retry_after_s": max(1, round(services.config.tree_head_interval_s)),
            },
            status_code=202,
        )
    return JSONResponse(
        {
            "status": "included",
            "seq": found.seq,
            "kind": found.kind,
            "event_line": found.line.decode("utf-8"),
            "inclusion_proof": [p.hex() for p in included.proof],
            "tree_head": included.witnessed.head.to_json(),
            "cosignatures": [c.to_json() for c in included.witnessed.cosignatures],
        }
    )


@router.get("/e/{election_id}/tree-heads", response_class=HTMLResponse, include_in_schema=False)
def tree_heads_page(request: Request, election_id: str) -> HTMLResponse:
    services, row = election_row(request, election_id)
    key = services.board.board_key(election_id)
    keys = services.elections.board_keys(election_id)
    witnessed = services.elections.witnessed_head(election_id) if keys.quorum else None
    names = {w.key: w.name for w in keys.witnesses}
    return page(
        request,
        "observer_tree_heads.html",
        services,
        row,
        board_key=key,
        witnesses=[{"name": w.name, "key": w.key.hex()} for w in keys.witnesses],
        quorum=keys.quorum,
        tolerance=split_tolerance(keys),
        witnessed=None
        if witnessed is None
        else {
            "size": witnessed.head.head.size,
            "time": utc(witnessed.head.head.timestamp_ms),
            "root": witnessed.head.head.root.hex(),
            "signers": [names.get(c.witness, c.witness.hex()) for c in witnessed.cosignatures],
            # inside <script type="application/json">: no entity is decoded there, and no
            # "<", ">" or "&" may appear (only hex and numbers do; escaped all the same)
            "json": json.dumps(
                {
                    "tree_head": witnessed.head.to_json(),
                    "cosignatures": [c.to_json() for c in witnessed.cosignatures],
                }
            )
            .replace("<", "\\u003c")
            .replace(">", "\\u003e")
            .replace("&", "\\u0026"),
        },
    )


# -- the election's home -----------------------------------------------------------------


@router.get("/e/{election_id}", response_class=HTMLResponse, include_in_schema=False)
def home_page(request: Request, election_id: str) -> HTMLResponse:
    services, row = election_row(request, election_id)
    return page(request, "observer_home.html", services, row)
