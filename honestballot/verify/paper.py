"""The checks of the stations' paper results (docs/record-format.md §6, "Paper results";
protocol/paper.py), over every ``paper`` event of the record:

- ``paper.signatures``: the unit has a station with paper voting, and the results are
  signed with its commission key (the key of the unit's last ``station`` event before);
- ``paper.protocol``: the body's shape and the protocol's arithmetic (and no contest
  counted by mixing in the election);
- ``paper.voters``: every listed voter's proof of randomness at its place.

Each failure names the event and its unit.  Where a ``paper`` event may stand is a board
rule (``board.rules``, which checks the signature too).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from honestballot.errors import HonestBallotError
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.paper import (
    check_countable,
    check_protocol,
    paper_digest,
    verify_paper_signature,
    verify_paper_voters,
)
from honestballot.protocol.stations import Station
from honestballot.record.events import EventLine
from honestballot.record.paper import unsigned_body, upload_from_json
from honestballot.record.stations import station_from_json

CHECKS: Final = ("paper.signatures", "paper.protocol", "paper.voters")


def check_paper(
    events: Iterable[EventLine], ctx: ElectionContext
) -> dict[str, tuple[bool, str]] | None:
    """check -> (passed, what it found or the failures), or None if the record holds no
    ``paper`` event."""
    stations: dict[str, Station] = {}
    problems: dict[str, list[str]] = {name: [] for name in CHECKS}
    uploads = 0
    units: set[str] = set()
    voters = 0
    for ev in events:
        if ev.kind == "station":
            try:
                station = station_from_json(ev.body, f"event {ev.seq}")
            except HonestBallotError:
                continue  # stations.commissions names it
            stations[station.unit] = station
            continue
        if ev.kind != "paper":
            continue
        uploads += 1
        try:
            upload = upload_from_json(ev.body, f"event {ev.seq}.body")
        except HonestBallotError as exc:
            problems["paper.protocol"].append(f"event {ev.seq}: {exc}")
            continue
        where = f"event {ev.seq} (unit {upload.unit})"
        units.add(upload.unit)
        voters += len(upload.voters)
        found = stations.get(upload.unit)
        if found is None or not found.paper:
            problems["paper.signatures"].append(f"{where}: no polling station with paper voting")
        else:
            digest = paper_digest(ctx.base_hash, unsigned_body(upload))
            try:
                verify_paper_signature(
                    ctx.base_hash, found.commission_key, digest, upload.signature, upload.unit
                )
            except HonestBallotError as exc:
                problems["paper.signatures"].append(f"{where}: {exc}")
        try:
            check_countable(ctx.manifest)
            check_protocol(ctx.manifest, upload.protocol, len(upload.voters))
        except HonestBallotError as exc:
            problems["paper.protocol"].append(f"{where}: {exc}")
        try:
            verify_paper_voters(ctx.base_hash, ctx.public_key, upload)
        except HonestBallotError as exc:
            problems["paper.voters"].append(f"{where}: {exc}")
    if not uploads:
        return None
    found_ok = {
        "paper.signatures": (
            f"{uploads} paper events of {len(units)} units, each signed by its station's commission"
        ),
        "paper.protocol": f"{uploads} counting protocols add up",
        "paper.voters": f"{voters} listed voters, every proof of randomness at its place",
    }
    return {
        name: (False, "; ".join(problems[name])) if problems[name] else (True, found_ok[name])
        for name in CHECKS
    }
