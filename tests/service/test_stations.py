"""Polling stations published before the vote: the commission's key on the board with its
proof, the details (address, hours, members) on the observer side with their hash on the
board, corrections as new events, and what may change once the election is open."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from honestballot.cli.commission import commission_group
from honestballot.errors import InvalidInput, InvalidProof, ProtocolError, RecordFormatError
from honestballot.protocol.stations import details_hash
from honestballot.record.codec import canonical_bytes
from honestballot.record.manifest import manifest_to_json
from honestballot.record.stations import station_to_json
from tests.factories import (
    DemoCeremonies,
    Election,
    board_secret_of,
    make_election,
    renumber,
    resign,
)
from tests.helpers import describe, failed, verify

ELECTION = "stations-test"


def details(unit: str = "station-1", **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "unit": unit,
        "address": {
            "ru": "Алматы, ул. Абая 10, школа № 5",
            "kk": "Алматы, Абай көшесі 10, № 5 мектеп",
            "en": "Almaty, 10 Abay St, School No. 5",
        },
        "hours": "7 June 2027, 08:00-20:00",
        "paper": True,
        "members": [
            {"name": "Айгерим Садыкова", "role": "chair", "nominated_by": "Party A"},
            {"name": "Иван Петров", "role": "secretary", "nominated_by": "Party B"},
            {"name": "Ерлан Омаров", "role": "member", "nominated_by": ""},
        ],
    }
    return {**base, **over}


class Commissions:
    """Commission key files made with ``honestballot commission keygen``."""

    def __init__(self, election: Election, directory: Path) -> None:
        self.directory = directory
        self.manifest = directory / "manifest.json"
        self.manifest.write_bytes(canonical_bytes(manifest_to_json(election.ctx.manifest)))

    def keygen(self, unit: str, name: str | None = None) -> Any:
        name = name or unit
        public = self.directory / f"{name}.json"
        result = CliRunner().invoke(
            commission_group,
            ["keygen", "--manifest", str(self.manifest), "--unit", unit,
             "--out", str(self.directory / f"{name}.secret.json"), "--public", str(public)],
        )  # fmt: skip
        assert result.exit_code == 0, (result.output, result.exception)
        assert f"the commission key of unit {unit!r}" in result.output
        return json.loads(public.read_bytes())


@pytest.fixture
def election(demo_ceremony: DemoCeremonies, database_url: str, tmp_path: Path) -> Election:
    return make_election(
        demo_ceremony(ELECTION), tmp_path / "board", "stations", open_=False, url=database_url
    )


def test_stations_before_the_vote_corrections_and_what_open_freezes(
    election: Election, tmp_path: Path
) -> None:
    service, eid = election.service, election.id
    keys = Commissions(election, tmp_path)
    one, two = keys.keygen("station-1"), keys.keygen("station-2")
    first, parsed = service.publish_station_files(eid, details(), one)
    service.publish_station_files(eid, details("station-2", paper=False), two)
    # the hash on the board is the hash of the details shown, salt included
    [(station, published, shown), (_, _, shown_2)] = service.stations(eid)
    assert shown == parsed and station == first and published == 1
    assert details_hash(election.ctx.base_hash, parsed) == first.details_hash
    assert shown_2 is not None and not shown_2.paper

    # a correction before the vote: a new event, the old details (and their salt) gone
    corrected = details(members=[*details()["members"][:2]])
    second, _ = service.publish_station_files(eid, corrected, one)
    [(station, published, shown), _] = service.stations(eid)
    assert (station, published) == (second, 2)
    # without the organiser's key the service numbers each unit's station events itself
    assert (first.sequence, second.sequence, first.organiser_signature) == (1, 2, None)
    assert shown is not None and len(shown.members) == 2
    assert shown.salt != parsed.salt and second.details_hash != first.details_hash
    stored = service.store.station_details(eid)["station-1"]
    assert "Ерлан" not in stored and parsed.salt.hex() not in stored

    service.open(eid)
    # open: a station keeps its key and its paper voting; none is added
    service.publish_station_files(eid, details(hours="7 June 2027, 07:00-20:00"), one)
    other = keys.keygen("station-1", "station-1-new")
    with pytest.raises(ProtocolError, match="keeps the commission key and the paper voting"):
        service.publish_station_files(eid, details(), other)
    with pytest.raises(ProtocolError, match="keeps the commission key and the paper voting"):
        service.publish_station_files(eid, details(paper=False), one)
    with pytest.raises(ProtocolError, match="no polling station from before the election opened"):
        service.publish_station_files(eid, details("station-3"), keys.keygen("station-3"))
    assert [p for _, p, _ in service.stations(eid)] == [3, 1]
    assert [s.sequence for s, _, _ in service.stations(eid)] == [3, 1]

    report = election.record_report(tmp_path)
    assert report.passed, describe(report)
    check = next(c for c in report.checks if c.name == "stations.commissions")
    assert "2 of 5 units have a polling station (1 with paper voting), in 4 station events" in (
        check.detail
    )


def test_wrong_station_files_are_refused_and_change_nothing(
    election: Election, tmp_path: Path
) -> None:
    service, eid = election.service, election.id
    keys = Commissions(election, tmp_path)
    one = keys.keygen("station-1")
    refusals: list[tuple[dict[str, Any], Any, type[Exception], str]] = [
        (details("station-2"), one, InvalidInput, "for unit 'station-1', the details for"),
        (details(unit="nowhere"), one, InvalidInput, "for unit 'station-1'"),
        (details(salt="00" * 32), one, InvalidInput, "salt is drawn by the service"),
        (
            details(members=[{"name": "A", "role": "chair", "nominated_by": ""}] * 2),
            one,
            InvalidInput,
            "exactly one chair, not 2",
        ),
        (
            details(members=[{"name": "A", "role": "boss", "nominated_by": ""}]),
            one,
            InvalidInput,
            "role must be one of chair, deputy, secretary, member",
        ),
        (
            details(address={"ru": "", "kk": "x", "en": "x"}),
            one,
            RecordFormatError,
            "details.address.ru: a label cannot be empty",
        ),
        (details(hours=" "), one, InvalidInput, "the opening hours"),
        ({**details(), "extra": 1}, one, RecordFormatError, "unexpected field(s) extra"),
        (
            details(),
            {**one, "proof": {**one["proof"], "s": one["proof"]["c"]}},
            InvalidProof,
            "the commission key of unit 'station-1'",
        ),
        (details(), {**one, "manifest_hash": "00" * 32}, InvalidInput, "another election"),
    ]
    for body, commission, error, words in refusals:
        with pytest.raises(error) as raised:
            service.publish_station_files(eid, body, commission)
        assert words in str(raised.value), (words, str(raised.value))
    assert service.stations(eid) == [] and service.store.station_details(eid) == {}
    # the commission's keygen names a unit the manifest does not have
    result = CliRunner().invoke(
        commission_group,
        ["keygen", "--manifest", str(keys.manifest), "--unit", "nowhere",
         "--out", str(tmp_path / "x.secret"), "--public", str(tmp_path / "x.json")],
    )  # fmt: skip
    assert "'nowhere' is not a unit of election" in str(result.exception)
    assert not (tmp_path / "x.secret").exists()


def test_a_forged_or_late_station_in_the_record_fails_verification(
    election: Election, tmp_path: Path
) -> None:
    service, eid = election.service, election.id
    keys = Commissions(election, tmp_path)
    station, _ = service.publish_station_files(eid, details(), keys.keygen("station-1"))
    service.open(eid)
    path = tmp_path / "record.jsonl"
    service.export_record(eid, str(path))
    lines = path.read_bytes().splitlines()
    secret = board_secret_of(election.url, eid)
    i = next(n for n, raw in enumerate(lines) if json.loads(raw).get("kind") == "station")
    event = json.loads(lines[i])

    # a key named without its commission's proof (the proof of another key)
    other = keys.keygen("station-1", "other")
    event["body"]["commission_key"] = other["key"]
    forged = [*lines[:i], canonical_bytes(event), *lines[i + 1 :]]
    report = verify(resign(forged, eid, secret))
    assert "stations.commissions" in failed(report), describe(report)
    assert f"event {event['seq']}: the commission key of unit 'station-1'" in describe(report)

    # a station whose key changes after the open (the board rules refuse it), inserted
    # before the record's last tree head
    last_event = json.loads(next(r for r in reversed(lines) if b'"type":"event"' in r))
    late = json.loads(lines[i])
    late["time_ms"] = last_event["time_ms"]
    body = station_to_json(station)
    body["commission_key"], body["commission_proof"] = other["key"], other["proof"]
    body["sequence"] = 2  # the unit's next: only the key breaks a rule
    late["body"] = body
    appended = renumber([*lines[:-1], canonical_bytes(late), lines[-1]])
    report = verify(resign(appended, eid, secret))
    assert "board.rules" in failed(report), describe(report)
    assert "keeps the commission key" in describe(report)
