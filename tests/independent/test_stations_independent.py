"""Polling stations in a record made by honestballot's election service, checked by
hbcheck.py (standard library only, written from docs/record-format.md §6, "Polling
stations", board rule 10 and §8): every commission key's proof, the phase rules, and the
details shown by ``GET /api/e/{id}/stations`` against the board's hash.

``honestballot`` is imported only to *make* the election and its stations.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.protocol.election import manifest_hash
from honestballot.protocol.stations import prove_commission_key
from honestballot.record.manifest import manifest_to_json
from honestballot.record.stations import commission_key_to_json, details_to_json
from tests.factories import DemoCeremonies, protected_election, publish_signed_station
from tests.independent import hbcheck

ELECTION = "stations-independent"


def _commission(manifest_digest: bytes, unit: str, rng: SeededRandomness) -> dict[str, Any]:
    secret = random_nonzero_scalar(rng)
    key = base_mul(secret)
    proof = prove_commission_key(manifest_digest, unit, secret, key, rng)
    return dict(commission_key_to_json(unit, manifest_digest, key, proof))


def _details(unit: str, paper: bool, chair: str) -> dict[str, Any]:
    return {
        "unit": unit,
        "address": {"ru": f"{unit}, школа", "kk": f"{unit}, мектеп", "en": f"{unit}, school"},
        "hours": "08:00-20:00",
        "paper": paper,
        "members": [
            {"name": "Member One", "role": "member", "nominated_by": "Party A"},
            {"name": chair, "role": "chair", "nominated_by": ""},
        ],
    }


@pytest.fixture(scope="module")
def record(
    demo_ceremony: DemoCeremonies, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """(manifest JSON, the record's events, unit -> details shown) of an election with
    re-voting protection and two stations, signed by the organiser, one corrected before
    and one after the open."""
    directory = tmp_path_factory.mktemp("stations-independent")
    with protected_election(demo_ceremony(ELECTION), directory, "stations", open_=False) as e:
        service, rng = e.web.services.elections, SeededRandomness("commissions")
        digest = manifest_hash(e.ctx.manifest)
        one = _commission(digest, "station-1", rng)
        two = _commission(digest, "station-2", rng)

        def publish(details: dict[str, Any], commission: dict[str, Any]) -> None:
            publish_signed_station(service, ELECTION, e.organiser, details, commission, rng)

        publish(_details("station-1", True, "A. Chair"), one)
        publish(_details("station-2", False, "B. Chair"), two)
        publish(_details("station-1", True, "A. Chairwoman"), one)
        e.open()
        publish(_details("station-2", False, "C. Chair"), two)
        path = Path(directory) / "record.jsonl"
        service.export_record(ELECTION, str(path))
        lines = [hbcheck.strict_loads(line) for line in path.read_bytes().splitlines()]
        events = [obj for obj in lines if isinstance(obj, dict) and obj.get("type") == "event"]
        shown = {
            s.unit: details_to_json(d) for s, _, d in service.stations(ELECTION) if d is not None
        }
        return manifest_to_json(e.ctx.manifest), events, shown


def test_hbcheck_accepts_the_stations_and_their_details(
    record: tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]],
) -> None:
    manifest, events, shown = record
    setup = events[0]["body"]
    base = hbcheck.setup_base_hash(setup)
    latest = hbcheck.check_stations(manifest, events)
    assert sorted(latest) == ["station-1", "station-2"]
    assert sum(ev["kind"] == "station" for ev in events) == 4
    assert hbcheck.check_station_signatures(base, setup, events) == 4  # the organiser's
    assert [ev["body"]["sequence"] for ev in events if ev["kind"] == "station"] == [1, 1, 2, 2]
    for unit, body in latest.items():
        details = shown[unit]
        hbcheck.check_station_details(details)
        assert hbcheck.station_details_hash(base, details).hex() == body["details_hash"]
    # the corrected names are the ones shown; the old ones are gone
    assert [m["name"] for m in shown["station-2"]["members"]] == ["Member One", "C. Chair"]


def _events_with(events: list[dict[str, Any]], change: Any) -> list[dict[str, Any]]:
    changed = copy.deepcopy(events)
    change(changed)
    return changed


def test_hbcheck_refuses_what_the_spec_refuses(
    record: tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]],
) -> None:
    manifest, events, shown = record
    stations = [i for i, ev in enumerate(events) if ev["kind"] == "station"]
    other = _commission(hbcheck.manifest_hash(manifest), "station-1", SeededRandomness("x"))

    def key_without_proof(evs: list[dict[str, Any]]) -> None:
        evs[stations[0]]["body"]["commission_key"] = other["key"]

    def key_changed_after_open(evs: list[dict[str, Any]]) -> None:
        evs[stations[-1]]["body"]["commission_key"] = other["key"]
        evs[stations[-1]]["body"]["commission_proof"] = other["proof"]

    def paper_changed_after_open(evs: list[dict[str, Any]]) -> None:
        evs[stations[-1]]["body"]["paper"] = True

    def proof_for_another_unit(evs: list[dict[str, Any]]) -> None:
        evs[stations[1]]["body"]["unit"] = "station-3"

    def new_station_after_open(evs: list[dict[str, Any]]) -> None:
        evs[stations[-1]]["body"]["unit"] = "station-3"
        evs[stations[-1]]["body"]["sequence"] = 1

    def older_station_again(evs: list[dict[str, Any]]) -> None:
        # station-1's first station in place of its correction: replayed before the open
        evs[stations[2]]["body"] = copy.deepcopy(evs[stations[0]]["body"])

    def sequence_skipped(evs: list[dict[str, Any]]) -> None:
        evs[stations[-1]]["body"]["sequence"] = 3

    for change, words in (
        (key_without_proof, "its proof does not verify"),
        (key_changed_after_open, "changed after the open"),
        (paper_changed_after_open, "changed after the open"),
        (proof_for_another_unit, "unit 'station-3': its proof does not verify"),
        (new_station_after_open, "a new station after the open"),
        (older_station_again, r"station sequence 1, not the unit's next \(2\)"),
        (sequence_skipped, r"station sequence 3, not the unit's next \(2\)"),
    ):
        with pytest.raises(ValueError, match=words):
            hbcheck.check_stations(manifest, _events_with(events, change))
    base = hbcheck.setup_base_hash(events[0]["body"])
    latest = hbcheck.check_stations(manifest, events)
    altered = copy.deepcopy(shown["station-1"])
    altered["members"][0]["name"] = "Someone Else"
    assert hbcheck.station_details_hash(base, altered).hex() != latest["station-1"]["details_hash"]
    two_chairs = copy.deepcopy(shown["station-1"])
    two_chairs["members"][0]["role"] = "chair"
    with pytest.raises(ValueError, match="not exactly one chair"):
        hbcheck.check_station_details(two_chairs)
    assert json.dumps(shown)  # the details are plain JSON, as the API serves them
