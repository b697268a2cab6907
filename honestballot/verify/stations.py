"""The check ``stations.commissions``: every polling station's commission key carries the
commission's proof that it holds the key, for that unit of this election
(protocol/stations.py).  That a station was published before the election opened, and
kept its key and paper voting afterwards, is a board rule (``board.rules``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from honestballot.errors import HonestBallotError, ProtocolError
from honestballot.protocol.election import ElectionContext, manifest_hash
from honestballot.protocol.stations import verify_commission_key
from honestballot.record.events import EventLine
from honestballot.record.stations import station_from_json


def check_stations(events: Iterable[EventLine], ctx: ElectionContext) -> str:
    """What the check found, or :class:`ProtocolError` naming every station that fails."""
    digest = manifest_hash(ctx.manifest)
    problems: list[str] = []
    latest: dict[str, bool] = {}
    published = 0
    for ev in events:
        if ev.kind != "station":
            continue
        published += 1
        try:
            station = station_from_json(ev.body, f"event {ev.seq}")
            verify_commission_key(
                digest, station.unit, station.commission_key, station.commission_proof
            )
        except HonestBallotError as exc:
            problems.append(f"event {ev.seq}: {exc}")
            continue
        latest[station.unit] = station.paper
    if problems:
        raise ProtocolError("; ".join(problems))
    if not published:
        return "no polling station is published"
    paper = sum(latest.values())
    return (
        f"{len(latest)} of {len(ctx.manifest.units)} units have a polling station ({paper} "
        f"with paper voting), in {published} station events; every commission key is "
        "proven by its commission"
    )


def paper_stations(events: Iterable[EventLine], unit_order: Sequence[str]) -> tuple[str, ...]:
    """The units whose polling station takes paper ballots (their last readable
    ``station`` event says ``paper``), in manifest order (``unit_order``): what the close
    and its result list (docs/record-format.md §7).  A station event that cannot be read
    is skipped here; ``stations.commissions`` names it."""
    latest: dict[str, bool] = {}
    for ev in events:
        if ev.kind != "station":
            continue
        try:
            station = station_from_json(ev.body, f"event {ev.seq}")
        except HonestBallotError:
            continue
        latest[station.unit] = station.paper
    return tuple(u for u in unit_order if latest.get(u))
