"""The published result, as JSON and as a page: election-wide counts, per-unit counts
for the units large enough to be broken out, and the ballots counted per unit.  Before
the result is published the page shows the trustees and which round the close is in.

A contest counted by mixing (protocol/mix.py) has election-wide counts only: its ballots
were shuffled before they were decrypted, so the page leaves it out of every unit's
tables and says so.  A ranked contest (docs/ranked.md) is shown as its count is
published: the instant-runoff rounds, or Schulze's pairwise preferences, strongest paths
and order, each with its winner.

An election with re-voting protection is counted by its close, per *reporting unit*
(docs/coercion.md §2.3): a manifest unit, by its name, or ``pool``, the small units
together, named by theirs.  Its page adds the close's totals, with why only the counted
ballots are shown per unit (docs/coercion.md §8.1); before the result it says which round
the close is in (it has no decryption shares).

With paper stations (docs/paper.md) the headline counts are the combined ones (paper
ballots + e-votes), each beside its e-votes and paper ballots, in total and per reporting
unit broken out; then per reporting unit with a paper station its paper ballots, voters
listed and roll rows cancelled, the e-votes cancelled by paper as one election-wide number
with why (docs/coercion.md §8.1), and each paper station with a link to its protocol on the
stations page, or "no paper results", marked when the close named its commission
(``close.paper``): :func:`_paper_view`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from honestballot.protocol.close_b import LAST_ROUND
from honestballot.protocol.encrypted_roll import POOL
from honestballot.protocol.manifest import Contest, Manifest
from honestballot.protocol.schedule_plan import epsilon_text, ratio_text
from honestballot.service.runtime import Services
from honestballot.web.i18n import language_of, translator
from honestballot.web.observer_common import page
from honestballot.web.trustee import election_row, trustee_status

router = APIRouter()

#: the close's public aggregates (the result's ``close``), in the order the page lists them
CLOSE_TOTALS = (
    "cast_rows",
    "cover_rows",
    "padding_rows",
    "registrations",
    "selected",
    "revoked",
    "survivors",
)


def result_summary(services: Services, election_id: str, row: dict[str, Any]) -> dict[str, Any]:
    """The published result (see :meth:`ResultViews.summary`); 409 before it exists."""
    return services.results.summary(election_id, row)


def _contest_tables(
    contests: Sequence[Contest], counts: list[dict[str, Any]], lang: str
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
        for contest in contests
    ]


def _split_tables(
    contests: Sequence[Contest],
    combined: list[dict[str, Any]],
    online: list[dict[str, Any]],
    paper: list[dict[str, Any]],
    lang: str,
) -> list[dict[str, Any]]:
    """:func:`_contest_tables` of the combined counts, each row with its e-votes
    (``online``) and paper ballots beside it."""
    tables = _contest_tables(contests, combined, lang)
    for parts, name in ((online, "online"), (paper, "paper")):
        for table, part in zip(tables, _contest_tables(contests, parts, lang), strict=True):
            for row, cell in zip(table["rows"], part["rows"], strict=True):
                row[name] = cell["count"]
    return tables


def _paper_view(
    manifest: Manifest, summary: dict[str, Any], names: dict[str, str], lang: str
) -> dict[str, Any]:
    """The summary's ``paper`` (service/board/result_views.paper_summary) as the page
    shows it: the combined counts with the e-votes and paper ballots beside them, in total
    and per reporting unit broken out; the paper numbers of each reporting unit holding a
    paper station; the e-votes cancelled; and each paper station."""
    paper = summary["paper"]
    summed = [c for c in manifest.contests if c.count == "sum" and not c.ranked]
    online_units = {u["unit"]: u["counts"] for u in summary["per_unit"]}
    paper_units = {u["unit"]: u["counts"] for u in paper["per_unit"]}
    with_station = {s["reporting_unit"] for s in paper["stations"]}
    return {
        "ballots_paper": sum(u["in_box"] for u in paper["units"]),
        "contests": _split_tables(
            summed, paper["combined"], summary["counts"], paper["counts"], lang
        ),
        "units": [
            {
                "name": names[u["unit"]],
                "contests": _split_tables(
                    summed,
                    u["counts"],
                    online_units.get(u["unit"], []),
                    paper_units.get(u["unit"], []),
                    lang,
                ),
            }
            for u in paper["combined_per_unit"]
        ],
        "unit_numbers": [
            {"name": names[u["unit"]], **u} for u in paper["units"] if u["unit"] in with_station
        ],
        "cancelled_e_votes": paper["cancelled_e_votes"],
        "stations": [{"name": names[s["unit"]], **s} for s in paper["stations"]],
    }


def _ranked_view(contest: Contest, item: dict[str, Any], lang: str) -> dict[str, Any]:
    """One ranked contest's published count, with the names in the page's language."""
    names = {o.id: o.label.get(lang) for o in contest.options}
    candidates = [o.id for o in contest.candidates]
    view: dict[str, Any] = {
        "title": contest.title.get(lang),
        "method": item["method"],
        "rankings": item["rankings"],
        "exclusive": [{"label": names[e["id"]], "count": e["count"]} for e in item["exclusive"]],
        "winner": names[item["winner"]] if item["winner"] is not None else None,
    }
    if item["method"] == "irv":
        view["rounds"] = [
            {
                "rows": [{"label": names[c["id"]], "count": c["count"]} for c in r["counts"]],
                "exhausted": r["exhausted"],
                "eliminated": names[r["eliminated"]] if r["eliminated"] is not None else None,
                "why": r.get("tie_break"),
            }
            for r in item["rounds"]
        ]
        return view
    d, p = item["d"], item["p"]
    n = len(candidates)

    def matrix(m: list[list[int]], beats: list[list[bool]]) -> list[dict[str, Any]]:
        return [
            {
                "label": names[candidates[a]],
                "cells": [
                    {"value": None if a == b else m[a][b], "win": beats[a][b]} for b in range(n)
                ],
            }
            for a in range(n)
        ]

    view["d"] = matrix(d, [[d[a][b] > d[b][a] for b in range(n)] for a in range(n)])
    view["p"] = matrix(p, [[p[a][b] > p[b][a] for b in range(n)] for a in range(n)])
    view["order"] = [names[c] for c in item["ranking"]]
    tie = item["tie_breaking"]
    view["tie_breaking"] = ", ".join(names[c] for c in tie) if tie is not None else ""
    return view


def _ranked_views(
    manifest: Manifest, items: list[dict[str, Any]], lang: str
) -> list[dict[str, Any]]:
    return [_ranked_view(manifest.contest(i["contest"]), i, lang) for i in items]


def unit_names(manifest: Manifest, summary: dict[str, Any], lang: str) -> dict[str, str]:
    """Each unit's name in ``lang`` by id, and ``pool`` (with re-voting protection) as
    the catalogue's "other units together", naming the manifest units it holds."""
    names = {u.id: u.name.get(lang) for u in manifest.units}
    for unit in summary.get("reporting_units", []):
        if unit["id"] == POOL:
            held = ", ".join(names[u] for u in unit["units"])
            names[POOL] = translator(lang)("observer.pool").replace("{units}", held)
    return names


@router.get("/api/e/{election_id}/results", summary="The published result (409 before it exists)")
def api_results(request: Request, election_id: str) -> dict[str, Any]:
    services, row = election_row(request, election_id)
    return result_summary(services, election_id, row)


@router.get("/e/{election_id}/results", response_class=HTMLResponse, include_in_schema=False)
def results_page(request: Request, election_id: str) -> HTMLResponse:
    services, row = election_row(request, election_id)
    lang = language_of(request)
    election = services.elections.context(election_id)
    manifest = election.manifest
    # with re-voting protection the close counts the ballots: no tally, no shares
    revoting = election.revoting
    schedule = election.schedule
    phase = str(row["phase"])
    context: dict[str, Any] = {
        "trustees": trustee_status(services, election_id),
        "result": None,
        "revoting": revoting,
        # the setup's cover replacements' K0 and epsilon (docs/coercion.md §4)
        "cover": {
            "k0": schedule.cover.k0,
            "epsilon": epsilon_text(schedule.cover.epsilon_milli),
            "ratio": ratio_text(schedule.cover.epsilon_milli),
            "hides": schedule.cover.hides,
        }
        if schedule is not None
        else None,
        # once the padding is on the board and until the result: the close's round
        "close_round": services.results.close_round(election_id)
        if revoting and phase == "closed"
        else None,
        "close_over": False,
    }
    if context["close_round"] == LAST_ROUND:
        # a close whose last round is done has its result, but when its decryption gives
        # none (a ballot on the board whose proofs fail, which verify names): say so,
        # not "under way" for ever
        context["close_over"] = services.close.stage(election_id).done
    if row["phase"] == "done":
        summary = result_summary(services, election_id, row)
        names = unit_names(manifest, summary, lang)
        summed = [c for c in manifest.contests if c.count == "sum"]
        mixed = [c for c in manifest.contests if c.count == "mix"]
        context["result"] = {
            "ballots_counted": summary["ballots_counted"],
            # a ranked contest has no count per option (its count is summary["ranked"])
            "contests": _contest_tables(
                [c for c in manifest.contests if not c.ranked], summary["counts"], lang
            ),
            # a mixed contest has no counts by unit: only the summed contests are broken out
            "units": [
                {"name": names[u["unit"]], "contests": _contest_tables(summed, u["counts"], lang)}
                for u in summary["per_unit"]
            ]
            if summed
            else [],
            "counted": [
                {"name": names[c["unit"]], "ballots": c["ballots"]}
                for c in summary["counted_per_unit"]
            ],
            "small_units": ", ".join(names[u] for u in summary["units_not_broken_out"])
            if summed
            else "",
            "min_unit_size": summary["min_unit_size"],
            "mixed_contests": ", ".join(c.title.get(lang) for c in mixed),
            "ranked": _ranked_views(manifest, summary["ranked"], lang),
            # the close's aggregates, totals only (docs/coercion.md §8.1)
            "close": [{"key": k, "count": summary["close"][k]} for k in CLOSE_TOTALS]
            if "close" in summary
            else [],
            # with paper stations: the combined counts and the paper numbers (docs/paper.md)
            "paper": _paper_view(manifest, summary, names, lang) if "paper" in summary else None,
        }
    return page(request, "observer_results.html", services, row, **context)
