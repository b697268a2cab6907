"""Polling stations as organisers publish them and observers read them (the use cases of
the pages, the API and ``honestballot election add-station``; protocol/stations.py).

An organiser publishes a unit's station, or corrects it, in the setup phase, and
corrects it while voting is open (its commission key and paper voting stay what they
were at the open: the board rules).  Observers see, per unit, the details with the
check that their hash is the one on the board."""

from __future__ import annotations

import logging
from typing import Any

from honestballot.errors import ProtocolError, Text
from honestballot.protocol.stations import ROLES, Station, StationDetails, details_hash
from honestballot.record.stations import details_to_json
from honestballot.service.organiser_cases import phase_of
from honestballot.service.paper import paper_listing
from honestballot.service.runtime import Services
from honestballot.service.security.organisers import Organiser

log = logging.getLogger("honestballot.web.organiser")

#: the phases in which an organiser may publish or correct a station
STATION_PHASES = ("setup", "open")


def publish_signed_station(
    services: Services, who: Organiser, election_id: str, signed: Any
) -> dict[str, Any]:
    """Publish or correct a unit's station from the organiser's signed station file
    (``honestballot organiser sign-station``): what was published.  A station's details
    and commission file sent without the signature (what an election without the
    organiser's key took) are refused as unsigned."""
    _check_phase(services, who, election_id)
    if isinstance(signed, dict) and "details" in signed and signed.get("type") != "signed-station":
        details = signed["details"]
        unit = str(details.get("unit", ""))[:64] if isinstance(details, dict) else ""
        message = (
            f"the station of unit {unit!r} carries no signature of the organiser's key: "
            "sign it with 'honestballot organiser sign-station'"
        )
        raise ProtocolError(Text("station.signature_missing", message, unit=unit))
    station, parsed = services.elections.publish_signed_station(election_id, signed)
    return _published(who, election_id, station, parsed)


def _check_phase(services: Services, who: Organiser, election_id: str) -> None:
    phase = phase_of(services, who, election_id)
    if phase not in STATION_PHASES:
        message = (
            "polling stations are published before the vote and corrected until the close; "
            f"the election is {phase}"
        )
        raise ProtocolError(Text("station.phase", message, phase=Text(f"phase.{phase}", phase)))


def _published(
    who: Organiser, election_id: str, station: Station, parsed: StationDetails
) -> dict[str, Any]:
    log.info("organiser %r published the station of %s in %s", who.label, station.unit, election_id)
    return {
        "unit": station.unit,
        "paper": station.paper,
        "members": len(parsed.members),
        "details_hash": station.details_hash.hex(),
        "signed": station.organiser_signature is not None,
    }


def station_listing(
    services: Services, election_id: str, *, with_paper: bool = True
) -> list[dict[str, Any]]:
    """Per unit with a station, in manifest order: what is on the board (key, paper
    voting, details hash, how many station events), the details shown (None if the
    service lost them), whether the details' hash is the one on the board, and for a
    station with paper voting its paper results (None before any: service/paper.py; not
    read without ``with_paper``)."""
    ctx = services.elections.context(election_id)
    paper = paper_listing(services.elections, election_id) if with_paper and ctx.revoting else {}
    out = []
    for station, events, details in services.elections.stations(election_id):
        shown: dict[str, Any] | None = None
        if details is not None:
            shown = dict(details_to_json(details))
            shown["members"] = sorted(shown["members"], key=lambda m: ROLES.index(m["role"]))
        matches = details is not None and (
            details_hash(ctx.base_hash, details) == station.details_hash
        )
        out.append(
            {
                "unit": station.unit,
                "paper": station.paper,
                "commission_key": station.commission_key.hex(),
                "details_hash": station.details_hash.hex(),
                "station_events": events,
                "details": shown,
                "details_match": matches,
                "paper_results": paper.get(station.unit) if station.paper else None,
            }
        )
    return out
