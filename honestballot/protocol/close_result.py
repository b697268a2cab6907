"""The result of an election with re-voting protection, read from its close
(docs/coercion.md §5.4, B6; docs/record-format.md §7, "The result of an election with
re-voting protection").

The close's last round decrypts ``B.tally`` (the counted ballots' sums per reporting unit
and in total) and each mixed contest's column; this module turns those plaintexts into
the ``result`` body the service posts right after the close's last step and ``verify``
recomputes: the counts, the ballots counted per reporting unit, the mixed and ranked
contests' counts, the close's public aggregates (docs/coercion.md §8.1), and, when the
election has paper stations, the paper ballots: each station's list, protocol and roll
rows cancelled, the rows cancelled per reporting unit, the e-votes cancelled in all (one
number, no unit), and the counts of paper and e-votes combined (``paper``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from honestballot.crypto.dlog import DiscreteLogTable
from honestballot.crypto.hashing import canonical_json
from honestballot.errors import ProtocolError
from honestballot.protocol.close_a import StageAInputs
from honestballot.protocol.close_b import Close, StageBInputs
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.mix import mixed_result
from honestballot.protocol.ranked import plaintext_bound, ranked_result


def close_aggregates(inputs: StageAInputs, close: Close) -> dict[str, int]:
    """What the close publishes in numbers (docs/coercion.md §8.1), for the results page:
    the voters' cast rows, the cover rows stage A found, the padding rows, the
    registrations, the credentials whose last ballot stage A selected, the winners
    revoked, and those left."""
    return {
        "cast_rows": inputs.cast_rows - close.a.cover,
        "cover_rows": close.a.cover,
        "padding_rows": len(inputs.rows) - inputs.cast_rows,
        "registrations": len(inputs.registrations),
        "selected": len(close.a.winners),
        "revoked": close.revoked,
        "survivors": close.survivors,
    }


def paper_result(
    b: StageBInputs,
    close: Close,
    counts: Sequence[tuple[str, int]],
    uploads: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The result's ``paper`` member (record-format §7, "The result of an election with
    re-voting protection"), from the e-tally's ``counts`` (its ids and values, in order):
    every paper station with its protocol's numbers (``protocol`` false while it has none
    on the board), its paper events (``uploads``: per station, the number on the board;
    one for a station with a list when not given), the roll rows it validly cancelled and
    the ``close.paper`` failures naming it; every reporting unit's voters listed, roll rows
    cancelled and ballots in the boxes; the e-votes cancelled, **one election-wide
    number** (docs/coercion.md §8.1); and per count id the paper protocols' sum and that
    sum plus the e-votes' (a unit the e-tally does not break out is not broken out here
    either)."""
    ids = [u for u, _ in b.units]
    where = dict(b.unit_of)
    lists = {p.station: p for p in b.paper}
    rows = dict(close.paper_rows)
    by_station = {s: (n, f) for s, n, f in close.paper_stations}
    stations = []
    for station in b.paper_stations:
        p = lists.get(station)
        cancelled, failures = by_station.get(station, (0, 0))
        stations.append(
            {
                "unit": station,
                "reporting_unit": ids[where[station]],
                "protocol": p is not None,
                "uploads": int(p is not None) if uploads is None else uploads.get(station, 0),
                "voters": len(p.handles) if p else 0,
                "in_box": p.in_box if p else 0,
                "cancelled": cancelled,
                "failures": failures,
            }
        )
    units = [
        {
            "unit": uid,
            "listed": sum(len(p.handles) for p in b.paper if p.unit == u),
            "cancelled_rows": rows.get(uid, 0),
            "in_box": sum(p.in_box for p in b.paper if p.unit == u),
        }
        for u, uid in enumerate(ids)
    ]
    per_list = [(ids[p.unit], dict(p.counts)) for p in b.paper]
    paper: list[dict[str, Any]] = []
    combined: list[dict[str, Any]] = []
    for entry, e_count in counts:
        option, _, unit = entry.partition("@")
        n = sum(c.get(option, 0) for uid, c in per_list if not unit or uid == unit)
        paper.append({"id": entry, "count": n})
        combined.append({"id": entry, "count": e_count + n})
    return {
        "stations": stations,
        "units": units,
        "cancelled_e_votes": close.paper_cancelled,
        "counts": paper,
        "combined": combined,
    }


def close_result(
    ctx: ElectionContext,
    inputs: StageAInputs,
    close: Close,
    b: StageBInputs | None = None,
    *,
    uploads: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The ``result`` body of a close that is done (with a ``paper`` member when ``b``,
    stage B's inputs, has paper stations; ``uploads``: each paper station's number of paper
    events on the board); :class:`ProtocolError` if a decrypted value is
    out of range or a mixed row is not an admissible selection (no result can be computed:
    the proofs of every counted ballot rule it out)."""
    tally = close.tally
    if tally is None:
        raise ProtocolError(  # English only: the service posts the result only when done
            f"the close is not done (round {close.round}): it has no result yet"
        )
    manifest = ctx.manifest
    ballots = tally.ballots
    table = DiscreteLogTable(plaintext_bound(manifest, ballots))
    counts = {entry: table.solve(point) for entry, point in tally.plaintexts}
    result = {
        "counted_per_unit": [{"unit": u, "ballots": n} for u, n in tally.counted_per_unit],
        "counts": [{"id": e.id, "count": counts[e.id]} for e in tally.entries],
        **mixed_result(manifest, ballots, counts),
        **ranked_result(manifest, ctx.base_hash, ballots, counts),
        "trustees": list(tally.trustees),
        "close": close_aggregates(inputs, close),
    }
    if b is not None and b.paper_stations:
        result["paper"] = paper_result(
            b, close, [(e.id, counts[e.id]) for e in tally.entries], uploads
        )
    return result


def differing_members(published: Mapping[str, Any], expected: Mapping[str, Any]) -> list[str]:
    """The members of a published ``result`` that are not the expected one's, compared by
    their canonical JSON (so ``true`` is not ``1``), missing and extra members included."""

    def canonical(body: Mapping[str, Any], key: str) -> bytes:
        return canonical_json({"value": body.get(key)})

    members = set(published) | set(expected)
    return sorted(k for k in members if canonical(published, k) != canonical(expected, k))
