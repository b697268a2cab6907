"""Polling stations in the record and on the observer pages (docs/record-format.md §6,
"Polling stations"; protocol/stations.py).

The ``station`` event's body (on the board)::

    {"unit": id, "sequence": n, "paper": true|false, "commission_key": point,
     "commission_proof": {"c": scalar, "s": scalar}, "details_hash": hex,
     "organiser_signature": {"c": scalar, "s": scalar}}   (only when the setup names
                                                        the organiser's key)

The organiser's signature is over :func:`station_message`: the body's canonical bytes
without ``organiser_signature``.  ``sequence`` is 1 for the unit's first ``station``
event and one more than the unit's station events before it for a correction (board
rule 10).

A station's details (on the observer pages and ``GET /api/e/{id}/stations``, not on the
board)::

    {"unit": id, "address": {"ru": text, "kk": text, "en": text}, "hours": text,
     "paper": true|false,
     "members": [{"name": text, "role": "chair"|"deputy"|"secretary"|"member",
                  "nominated_by": text}, ...],
     "salt": hex}

A commission's public file (``honestballot commission keygen``)::

    {"type": "commission-key", "version": 1, "unit": id, "manifest_hash": hex,
     "key": point, "proof": {"c": scalar, "s": scalar}}

A station signed by the organiser (``honestballot organiser sign-station``), what the
organiser publishes in an election whose setup names the organiser's key::

    {"type": "signed-station", "version": 2, "sequence": n,
     "details": details (with its salt), "commission": the commission's public file,
     "organiser_signature": {"c", "s"}}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from honestballot.crypto.group import Point
from honestballot.crypto.schnorr import SchnorrProof
from honestballot.protocol.stations import (
    MAX_MEMBERS,
    SALT_BYTES,
    Member,
    Station,
    StationDetails,
)
from honestballot.record.ballot import schnorr_from_json, schnorr_to_json
from honestballot.record.codec import JsonObject, Reader, canonical_bytes, read_version
from honestballot.record.manifest import label_from_json, label_to_json

COMMISSION_KEY_VERSION: Final = 1
#: the largest ``sequence`` a station event's body may carry (a bound for the reader only)
MAX_STATION_EVENTS: Final = 1 << 31
SIGNED_STATION_VERSION: Final = 2


def station_to_json(station: Station) -> JsonObject:
    out: JsonObject = {
        "unit": station.unit,
        "sequence": station.sequence,
        "paper": station.paper,
        "commission_key": station.commission_key.hex(),
        "commission_proof": schnorr_to_json(station.commission_proof),
        "details_hash": station.details_hash.hex(),
    }
    if station.organiser_signature is not None:
        out["organiser_signature"] = schnorr_to_json(station.organiser_signature)
    return out


def station_message(body: Mapping[str, Any]) -> bytes:
    """What the organiser's key signs of a ``station`` event's body: its canonical bytes
    without the ``organiser_signature`` member."""
    return canonical_bytes({k: v for k, v in body.items() if k != "organiser_signature"})


def station_from_json(value: Any, path: str) -> Station:
    r = Reader(value, path)
    station = Station(
        unit=r.text("unit", max_len=64),
        paper=r.boolean("paper"),
        commission_key=r.point("commission_key"),
        commission_proof=schnorr_from_json(r.raw("commission_proof"), f"{path}.commission_proof"),
        details_hash=r.hexbytes("details_hash", 32),
        sequence=r.integer("sequence", minimum=1, maximum=MAX_STATION_EVENTS),
        organiser_signature=(
            schnorr_from_json(r.raw("organiser_signature"), f"{path}.organiser_signature")
            if r.has("organiser_signature")
            else None
        ),
    )
    r.done()
    return station


def details_to_json(details: StationDetails) -> JsonObject:
    return {
        "unit": details.unit,
        "address": label_to_json(details.address),
        "hours": details.hours,
        "paper": details.paper,
        "members": [
            {"name": m.name, "role": m.role, "nominated_by": m.nominated_by}
            for m in details.members
        ],
        "salt": details.salt.hex(),
    }


def _member(value: Any, path: str) -> Member:
    r = Reader(value, path)
    member = Member(
        r.text("name", max_len=1000),
        r.text("role", max_len=32),
        r.text("nominated_by", max_len=1000),
    )
    r.done()
    return member


def details_from_json(value: Any, path: str) -> StationDetails:
    """Parse strictly (:class:`RecordFormatError` naming the path); a value the rules of
    protocol/stations.py refuse is their :class:`InvalidInput`."""
    r = Reader(value, path)
    unit = r.text("unit", max_len=64)
    address = label_from_json(r.raw("address"), f"{path}.address")
    hours = r.text("hours", max_len=1000)
    paper = r.boolean("paper")
    members = r.items("members", _member, max_items=MAX_MEMBERS)
    salt = r.hexbytes("salt", SALT_BYTES)
    r.done()
    # a rule of protocol/stations.py broken: its InvalidInput, which says it in three
    # languages (errors.Text)
    return StationDetails(unit, address, hours, paper, tuple(members), salt)


def commission_key_to_json(
    unit: str, manifest_hash: bytes, key: Point, proof: SchnorrProof
) -> JsonObject:
    return {
        "type": "commission-key",
        "version": COMMISSION_KEY_VERSION,
        "unit": unit,
        "manifest_hash": manifest_hash.hex(),
        "key": key.hex(),
        "proof": schnorr_to_json(proof),
    }


def commission_key_from_json(value: Any, path: str) -> tuple[str, bytes, Point, SchnorrProof]:
    """(unit, manifest hash, key, proof of possession) of a commission's public file."""
    r = Reader(value, path)
    read_version(r, "commission-key", COMMISSION_KEY_VERSION)
    unit = r.text("unit", max_len=64)
    manifest_hash = r.hexbytes("manifest_hash", 32)
    key = r.point("key")
    proof = schnorr_from_json(r.raw("proof"), f"{path}.proof")
    r.done()
    return unit, manifest_hash, key, proof


def signed_station_to_json(
    details: StationDetails, commission: Any, sequence: int, signature: SchnorrProof
) -> JsonObject:
    """The organiser's signed station file: ``commission`` is the commission's public
    file as the organiser received it, ``sequence`` the station event's (signed)."""
    return {
        "type": "signed-station",
        "version": SIGNED_STATION_VERSION,
        "sequence": sequence,
        "details": details_to_json(details),
        "commission": commission,
        "organiser_signature": schnorr_to_json(signature),
    }


def signed_station_from_json(value: Any, path: str) -> tuple[Any, Any, int, SchnorrProof]:
    """(the details with their salt, the commission's public file, the station event's
    sequence, the organiser's signature) of a signed station file; the caller parses the
    first two (as for an unsigned station)."""
    r = Reader(value, path)
    read_version(r, "signed-station", SIGNED_STATION_VERSION)
    sequence = r.integer("sequence", minimum=1, maximum=MAX_STATION_EVENTS)
    details = r.raw("details")
    commission = r.raw("commission")
    signature = schnorr_from_json(r.raw("organiser_signature"), f"{path}.organiser_signature")
    r.done()
    return details, commission, sequence, signature
