"""The checks of the stations' paper results (docs/record-format.md §6, "Paper results";
protocol/paper.py), over every ``paper`` event of the record:

- ``paper.signatures``: the unit has a station with paper voting, and the results are
  signed with its commission key (the key of the unit's last ``station`` event before);
- ``paper.protocol``: the body's shape and the protocol's arithmetic (and no contest
  counted by mixing in the election; ``issued`` at most the unit's voters on the roll);
- ``paper.voters``: the listed ciphertexts' alphas pairwise distinct, and every listed
  voter's proof of randomness at its place;
- ``paper.missing``: the close began (a trustee's first ``close-part`` or ``close-step``)
  only once every paper station's last ``paper`` event was declared final, or 24 hours
  after the ``close`` (the events' times); when it passes, it names the paper stations
  without results and those counted with results not declared final.

Each failure names the event and its unit.  Where a ``paper`` event may stand, and its
``sequence``, are board rules (``board.rules``, which checks the signature, that no upload
follows its unit's final one, and the paper deadline too).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from honestballot.errors import HonestBallotError
from honestballot.protocol.board import CLOSE_BEGINS, PAPER_DEADLINE_MS, PAPER_HOURS
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

CHECKS: Final = ("paper.signatures", "paper.protocol", "paper.voters", "paper.missing")


def check_paper(
    events: Iterable[EventLine], ctx: ElectionContext
) -> dict[str, tuple[bool, str]] | None:
    """check -> (passed, what it found or the failures), or None if the record holds no
    polling station with paper voting and no ``paper`` event."""
    stations: dict[str, Station] = {}
    problems: dict[str, list[str]] = {name: [] for name in CHECKS}
    uploads = 0
    units: set[str] = set()
    #: the units whose last ``paper`` event is declared final
    final: set[str] = set()
    voters = 0
    on_roll: dict[str, int] | None = None
    close_ms: int | None = None
    #: the paper stations without results declared final when the close began (None: not
    #: begun), and those of them with results
    missing_at_close: list[str] | None = None
    not_final: list[str] = []
    for ev in events:
        if ev.kind == "roll":
            try:
                on_roll = {str(u["unit"]): int(u["voters"]) for u in ev.body["voters_per_unit"]}
            except (KeyError, TypeError, ValueError):
                on_roll = None  # roll.summary names it
            continue
        if ev.kind == "close":
            close_ms = ev.time_ms
            continue
        if ev.kind in CLOSE_BEGINS and missing_at_close is None:
            missing_at_close = _waiting(stations, final)
            not_final = [unit for unit in missing_at_close if unit in units]
            if missing_at_close and (close_ms is None or ev.time_ms < close_ms + PAPER_DEADLINE_MS):
                problems["paper.missing"].append(
                    f"event {ev.seq}: the close began {_hours(ev.time_ms, close_ms)} after "
                    f"voting closed, before the paper stations of "
                    f"{', '.join(missing_at_close)} declared their results final and before "
                    f"the {PAPER_HOURS} hours passed"
                )
            continue
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
        if upload.final:
            final.add(upload.unit)
        else:
            final.discard(upload.unit)
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
            check_protocol(
                ctx.manifest,
                upload.protocol,
                len(upload.voters),
                None if on_roll is None else on_roll.get(upload.unit, 0),
            )
        except HonestBallotError as exc:
            problems["paper.protocol"].append(f"{where}: {exc}")
        try:
            verify_paper_voters(ctx.base_hash, ctx.public_key, upload)
        except HonestBallotError as exc:
            problems["paper.voters"].append(f"{where}: {exc}")
    if not uploads and not _waiting(stations, set()):
        return None
    if missing_at_close is None:
        missing = "the close has not begun"
    elif missing_at_close:
        missing = f"the close began after the {PAPER_HOURS} hours"
        none = [unit for unit in missing_at_close if unit not in not_final]
        if none:
            missing += (
                f"; the paper stations of {', '.join(none)} sent no results (their paper "
                "ballots are not counted, their voters' e-votes not cancelled)"
            )
        if not_final:
            missing += (
                f"; the paper stations of {', '.join(not_final)} count with their last "
                "results, not declared final"
            )
    else:
        missing = "every paper station's results were declared final when the close began"
    found_ok = {
        "paper.signatures": (
            f"{uploads} paper events of {len(units)} units, each signed by its station's commission"
        ),
        "paper.protocol": f"{uploads} counting protocols add up",
        "paper.voters": f"{voters} listed voters, every proof of randomness at its place",
        "paper.missing": missing,
    }
    return {
        name: (False, "; ".join(problems[name])) if problems[name] else (True, found_ok[name])
        for name in CHECKS
    }


def _waiting(stations: dict[str, Station], final: set[str]) -> list[str]:
    """The units whose station has paper voting and no results declared final, sorted."""
    return sorted(unit for unit, st in stations.items() if st.paper and unit not in final)


def _hours(time_ms: int, close_ms: int | None) -> str:
    if close_ms is None:
        return "with no close"
    return f"{(time_ms - close_ms) / 3_600_000:.1f} hours"
