"""The checks ``stations.commissions``: every polling station's commission key carries the
commission's proof that it holds the key, for that unit of this election
(protocol/stations.py); and ``stations.signature``: when the setup names the organiser's
key, every ``station`` event carries the organiser's signature over the rest of its body,
and when it names none, none does.  That a station was published before the election opened, and
kept its key and paper voting afterwards, is a board rule (``board.rules``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from honestballot.errors import HonestBallotError, ProtocolError
from honestballot.protocol.election import ElectionContext, manifest_hash
from honestballot.protocol.stations import check_station_signature, verify_commission_key
from honestballot.protocol.witnesses import BoardKeys
from honestballot.record.events import EventLine
from honestballot.record.stations import station_from_json, station_message


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


def check_station_signatures(
    events: Iterable[EventLine], ctx: ElectionContext, keys: BoardKeys
) -> str:
    """``stations.signature``: what the check found, or :class:`ProtocolError` naming
    every ``station`` event whose signature is missing, invalid or (without an organiser's
    key in the setup) present.  The message signed is the body as it is in the record
    without ``organiser_signature`` (docs/record-format.md §6)."""
    problems: list[str] = []
    signed = 0
    for ev in events:
        if ev.kind != "station":
            continue
        try:
            station = station_from_json(ev.body, f"event {ev.seq}")
            check_station_signature(
                keys.organiser_key,
                ctx.base_hash,
                station.unit,
                station_message(ev.body),
                station.organiser_signature,
            )
        except HonestBallotError as exc:
            problems.append(f"event {ev.seq}: {exc}")
            continue
        signed += 1
    if problems:
        raise ProtocolError("; ".join(problems))
    if not signed:
        return "no polling station is published"
    if keys.organiser_key is None:
        return f"the setup names no organiser key; the {signed} station events are unsigned"
    return f"every one of the {signed} station events is signed by the organiser's key"


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
