"""The published result, as JSON and as a page: election-wide counts, per-unit counts
for the units large enough to be broken out, and the ballots counted per unit.  Before
the result is published the page shows which trustees have sent their decryption share.
"""

from __future__ import annotations

import weakref
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from honestballot.errors import ProtocolError
from honestballot.protocol.manifest import Manifest
from honestballot.record.codec import parse_json
from honestballot.store.sql import SqlStore, StoredEvent
from honestballot.web.i18n import language_of
from honestballot.web.observer_common import LINE_LIMIT, page
from honestballot.web.state import Services
from honestballot.web.trustee import election_row, trustee_status

router = APIRouter()

# A published result never changes: its summary is kept per process.
_summaries: weakref.WeakKeyDictionary[Services, dict[str, dict[str, Any]]] = (
    weakref.WeakKeyDictionary()
)


def _event_body(ev: StoredEvent) -> dict[str, Any]:
    body: dict[str, Any] = parse_json(ev.line, limit=LINE_LIMIT)["body"]
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
    cache = _summaries.setdefault(found, {})
    cached = cache.get(election_id)
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
    cache[election_id] = summary
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
    return page(request, "observer_results.html", found, row, **context)
