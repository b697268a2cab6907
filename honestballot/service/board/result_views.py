"""The published result as its readers see it: election-wide counts, per-unit counts for
the units large enough to be broken out, and the ballots counted per unit.  A published
result never changes: its summary is kept per process.

An election is counted by its close (version 1's count by a ``tally`` event and
decryption shares is gone from the service), per *reporting unit* (docs/coercion.md
§2.3), and the service posts the ``result`` with the close's last step
(docs/record-format.md §7, "The result of an election with re-voting protection").
Its summary is read from that ``result`` and the ``roll`` event (which manifest units each
reporting unit holds), and adds the close's public aggregates
(docs/coercion.md §8.1): cast, cover and padding rows, registrations, selected, revoked and
surviving credentials, as totals only.  When the election has paper stations the
summary also carries the result's ``paper`` member (docs/paper.md), its counts split like
the rest into election-wide counts and counts per reporting unit: :func:`paper_summary`.
"""

from __future__ import annotations

import threading
from typing import Any

from honestballot.errors import ProtocolError, Text
from honestballot.protocol.manifest import Manifest
from honestballot.record.codec import parse_json
from honestballot.record.roll import encrypted_from_json
from honestballot.service.board.board_views import LINE_LIMIT
from honestballot.service.board.election import ElectionService
from honestballot.store.sql import SqlStore, StoredEvent


def _event_body(ev: StoredEvent) -> dict[str, Any]:
    body: dict[str, Any] = parse_json(ev.line, limit=LINE_LIMIT)["body"]
    return body


def _no_result() -> ProtocolError:
    return ProtocolError(Text("result.none", "the board has no published result"))


def _counts(
    manifest: Manifest, result: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """The result's election-wide counts (summed and mixed contests, in manifest order)
    and its counts per unit broken out (``contest/option@unit``)."""
    totals: list[dict[str, Any]] = []
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for item in result["counts"]:
        if "#" in str(item["id"]):
            continue  # one ciphertext of a mixed ballot: its contest's totals are below
        entry, _, unit = str(item["id"]).partition("@")
        if unit:
            by_unit.setdefault(unit, []).append({"id": entry, "count": int(item["count"])})
        else:
            totals.append({"id": entry, "count": int(item["count"])})
    for mixed in result.get("mixed", []):
        totals += [{"id": str(c["id"]), "count": int(c["count"])} for c in mixed["counts"]]
    order = {
        f"{c.id}/{o.id}": i
        for i, (c, o) in enumerate((c, o) for c in manifest.contests for o in c.options)
    }
    totals.sort(key=lambda t: order.get(t["id"], len(order)))
    return totals, by_unit


def _split(
    manifest: Manifest, items: list[dict[str, Any]], order: list[str]
) -> tuple[list[Any], list[Any]]:
    """A result's count list (``contest/option`` and ``contest/option@unit`` ids) as the
    summary gives counts: the election-wide ones in manifest order, and ``{"unit",
    "counts"}`` for each unit of ``order`` it breaks out."""
    totals, by_unit = _counts(manifest, {"counts": items})
    return totals, [{"unit": u, "counts": by_unit[u]} for u in order if u in by_unit]


def paper_summary(manifest: Manifest, paper: dict[str, Any], order: list[str]) -> dict[str, Any]:
    """The result's ``paper`` member (docs/record-format.md §7) as the summary gives it:
    ``stations`` (each paper station: its manifest unit, reporting unit, whether a protocol
    counts, its uploads, voters listed, ballots in the box, roll rows it cancelled and the
    close's ``close.paper`` failures naming it), ``units`` (per reporting unit: voters
    listed, roll rows cancelled, paper ballots in the boxes), ``cancelled_e_votes`` (one
    election-wide number, docs/coercion.md §8.1), and the paper ballots' counts and the
    combined counts (paper + e-votes), each as ``counts`` and ``per_unit`` are (reporting
    units in ``order``, the roll's)."""
    ints = ("uploads", "voters", "in_box", "cancelled", "failures")
    paper_counts, paper_units = _split(manifest, paper["counts"], order)
    combined, combined_units = _split(manifest, paper["combined"], order)
    return {
        "stations": [
            {
                "unit": str(s["unit"]),
                "reporting_unit": str(s["reporting_unit"]),
                "protocol": bool(s["protocol"]),
                **{k: int(s[k]) for k in ints},
            }
            for s in paper["stations"]
        ],
        "units": [
            {
                "unit": str(u["unit"]),
                **{k: int(u[k]) for k in ("listed", "cancelled_rows", "in_box")},
            }
            for u in paper["units"]
        ],
        "cancelled_e_votes": int(paper["cancelled_e_votes"]),
        "counts": paper_counts,
        "per_unit": paper_units,
        "combined": combined,
        "combined_per_unit": combined_units,
    }


class ResultViews:
    def __init__(self, store: SqlStore, elections: ElectionService) -> None:
        self.store = store
        self.elections = elections
        self._summaries: dict[str, dict[str, Any]] = {}
        #: election -> (the last event read for its close's rounds, the last round announced)
        self._rounds: dict[str, tuple[int, str | None]] = {}
        self._lock = threading.Lock()

    def summary(self, election_id: str, row: dict[str, Any]) -> dict[str, Any]:
        """The published result of the election whose row is ``row``: election-wide
        counts, per-unit counts for the units broken out (at least ``min_unit_size``
        counted ballots) and ballots counted per unit; for an election with re-voting
        protection, per reporting unit, with ``reporting_units`` and ``close``."""
        if row["phase"] != "done":
            raise ProtocolError(
                Text(
                    "result.not_yet",
                    "there are no results yet: they exist only after the polls close and "
                    "enough trustees decrypt the sum of the ballots",
                )
            )
        with self._lock:
            cached = self._summaries.get(election_id)
        if cached is not None:
            return dict(cached)
        manifest = self.elections.context(election_id).manifest
        summary = self._close_summary(election_id, int(row["next_seq"]), manifest)
        with self._lock:
            self._summaries[election_id] = summary
        return dict(summary)

    def close_events(
        self, election_id: str, next_seq: int
    ) -> tuple[dict[str, Any], list[tuple[str, list[str]]]]:
        """(result body, reporting units) of an election with re-voting protection: the
        ``result`` the close's last step ends with (the board's last event), and each
        reporting unit of the ``roll`` with the manifest units it holds, in the roll's
        order."""
        store = self.store
        result = None
        with store.engine.connect() as conn:
            last = store.event_at(conn, election_id, next_seq - 1)
        if last is not None and last.kind == "result":
            result = _event_body(last)
        if result is None:
            for ev in store.iter_events(election_id, kinds=("result",)):
                result = _event_body(ev)
        with store.engine.connect() as conn:
            roll = store.roll_event_line(conn, election_id)
        if result is None or roll is None:
            raise _no_result()
        body = parse_json(roll, limit=LINE_LIMIT)["body"]
        encrypted = encrypted_from_json(body["encrypted"], "roll.encrypted")
        return result, [(rid, list(members)) for rid, members in encrypted.reporting_units]

    def close_round(self, election_id: str) -> str | None:
        """The round the close of an election with re-voting protection is in: the one
        its last ``close-round`` event announced (docs/record-format.md §6, "Rounds and
        deadlines"); None before the padding.  The board is read from where this process
        last stopped, so a page asking it costs a few rows."""
        with self._lock:
            seen, current = self._rounds.get(election_id, (-1, None))
        while page := self.store.events_after(election_id, seen, 64, ("close-round",)):
            seen, current = page[-1].seq, str(_event_body(page[-1])["round"])
        with self._lock:
            self._rounds[election_id] = (seen, current)
        return current

    def _close_summary(self, election_id: str, next_seq: int, manifest: Manifest) -> dict[str, Any]:
        """The summary of an election with re-voting protection, counted by its close: the
        same members as a tally's, per *reporting unit* (a manifest unit's id or ``pool``)
        in the roll's order, with ``reporting_units`` (the manifest units each holds) and
        ``close`` (the close's public aggregates, totals only: docs/coercion.md §8.1), and
        ``paper`` when the result has it (:func:`paper_summary`)."""
        result, units = self.close_events(election_id, next_seq)
        totals, by_unit = _counts(manifest, result)
        counted = [
            {"unit": str(c["unit"]), "ballots": int(c["ballots"])}
            for c in result["counted_per_unit"]
        ]
        order = [str(c["unit"]) for c in counted]  # every reporting unit, in the roll's order
        summary: dict[str, Any] = {
            "election_id": election_id,
            "counts": totals,
            "per_unit": [{"unit": u, "counts": by_unit[u]} for u in order if u in by_unit],
            "counted_per_unit": counted,
            "ballots_counted": sum(c["ballots"] for c in counted),
            "min_unit_size": manifest.min_unit_size,
            "units_not_broken_out": [u for u in order if u not in by_unit]
            if any(c.count == "sum" for c in manifest.contests)
            else [],
            "trustees": list(result["trustees"]),
            # the close takes no decryption share: it refuses none
            "rejected_shares": [],
            "ranked": list(result.get("ranked", [])),
            "reporting_units": [{"id": rid, "units": members} for rid, members in units],
            "close": {str(k): int(v) for k, v in result["close"].items()},
        }
        if "paper" in result:  # the election has paper stations
            summary["paper"] = paper_summary(manifest, result["paper"], order)
        return summary
