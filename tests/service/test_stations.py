"""Polling stations published before the vote, in an election with re-voting protection
(whose stations the organiser signs: ``honestballot organiser sign-station``): the
commission's key on the board with its proof, the details (address, hours, members) on
the observer side with their hash on the board, corrections as new events, and what may
change once the election is open."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from honestballot.cli.commission import commission_group
from honestballot.cli.organiser_station import signed_station
from honestballot.crypto.randomness import SeededRandomness
from honestballot.errors import InvalidInput, InvalidProof, ProtocolError, RecordFormatError
from honestballot.protocol.manifest import Manifest
from honestballot.protocol.stations import details_hash
from honestballot.record.codec import canonical_bytes
from honestballot.record.manifest import manifest_to_json
from honestballot.record.stations import station_to_json
from honestballot.service.board.election import ElectionService
from honestballot.verify.verifier import Report, verify_record
from tests.factories import (
    DemoCeremonies,
    RevotingElection,
    board_secret_of,
    protected_election,
    publish_signed_station,
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

    def __init__(self, manifest: Manifest, directory: Path) -> None:
        self.directory = directory
        self.manifest = directory / "manifest.json"
        self.manifest.write_bytes(canonical_bytes(manifest_to_json(manifest)))

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
def election(
    demo_ceremony: DemoCeremonies, database_url: str, tmp_path: Path
) -> Iterator[RevotingElection]:
    """The election with re-voting protection, in setup (its roll kept, not open)."""
    ceremony = demo_ceremony(ELECTION)
    with protected_election(
        ceremony, tmp_path / "board", "stations", url=database_url, open_=False
    ) as e:
        yield e


class Organiser:
    """The organiser's side: station files signed with its key, its salts and signatures
    drawn from one stream, each published as the unit's next station event."""

    def __init__(self, election: RevotingElection) -> None:
        self.election = election
        self.service: ElectionService = election.web.services.elections
        self.rng = SeededRandomness("the organiser signs the stations")

    def publish(self, body: dict[str, Any], commission: Any) -> Any:
        e = self.election
        return publish_signed_station(self.service, e.id, e.organiser, body, commission, self.rng)

    def signed(self, body: dict[str, Any], commission: Any) -> Any:
        """A good signed file for ``body`` and ``commission``, as the organiser's tool
        makes it (the unit's first station event)."""
        e = self.election
        made, _ = signed_station(
            e.ctx.base_hash, e.ctx.manifest, body, commission, e.organiser, self.rng, sequence=1
        )
        return made


def _report(election: RevotingElection, directory: Path) -> Report:
    path = directory / "record.jsonl"
    election.web.services.elections.export_record(election.id, str(path))
    return verify_record(path.read_bytes().splitlines(keepends=True), workers=1)


def test_stations_before_the_vote_corrections_and_what_open_freezes(
    election: RevotingElection, tmp_path: Path
) -> None:
    organiser = Organiser(election)
    service, eid = organiser.service, election.id
    keys = Commissions(election.ctx.manifest, tmp_path)
    one, two = keys.keygen("station-1"), keys.keygen("station-2")
    first, parsed = organiser.publish(details(), one)
    organiser.publish(details("station-2", paper=False), two)
    # the hash on the board is the hash of the details shown, salt included
    [(station, published, shown), (_, _, shown_2)] = service.stations(eid)
    assert shown == parsed and station == first and published == 1
    assert details_hash(election.ctx.base_hash, parsed) == first.details_hash
    assert shown_2 is not None and not shown_2.paper

    # a correction before the vote: a new event, the old details (and their salt) gone
    corrected = details(members=[*details()["members"][:2]])
    second, _ = organiser.publish(corrected, one)
    [(station, published, shown), _] = service.stations(eid)
    assert (station, published) == (second, 2)
    # the organiser numbers each unit's station events and signs each
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.organiser_signature is not None and second.organiser_signature is not None
    assert shown is not None and len(shown.members) == 2
    assert shown.salt != parsed.salt and second.details_hash != first.details_hash
    stored = service.store.station_details(eid)["station-1"]
    assert "Ерлан" not in stored and parsed.salt.hex() not in stored

    election.open()
    # open: a station keeps its key and its paper voting; none is added
    organiser.publish(details(hours="7 June 2027, 07:00-20:00"), one)
    other = keys.keygen("station-1", "station-1-new")
    with pytest.raises(ProtocolError, match="keeps the commission key and the paper voting"):
        organiser.publish(details(), other)
    with pytest.raises(ProtocolError, match="keeps the commission key and the paper voting"):
        organiser.publish(details(paper=False), one)
    with pytest.raises(ProtocolError, match="no polling station from before the election opened"):
        organiser.publish(details("station-3"), keys.keygen("station-3"))
    assert [p for _, p, _ in service.stations(eid)] == [3, 1]
    assert [s.sequence for s, _, _ in service.stations(eid)] == [3, 1]

    report = _report(election, tmp_path)
    assert report.passed, describe(report)
    check = next(c for c in report.checks if c.name == "stations.commissions")
    assert "2 of 5 units have a polling station (1 with paper voting), in 4 station events" in (
        check.detail
    )


def test_wrong_station_files_are_refused_and_change_nothing(
    election: RevotingElection, tmp_path: Path
) -> None:
    organiser = Organiser(election)
    service, eid = organiser.service, election.id
    keys = Commissions(election.ctx.manifest, tmp_path)
    one = keys.keygen("station-1")
    good = organiser.signed(details(), one)
    # each a signed file whose details (their salt kept) or commission file were changed
    # after the organiser's tool had checked them: the service finds the fault first, the
    # signature (which no longer verifies) is checked last
    refusals: list[tuple[dict[str, Any], Any, type[Exception], str]] = [
        (details("station-2"), one, InvalidInput, "for unit 'station-1', the details for"),
        (details(unit="nowhere"), one, InvalidInput, "for unit 'station-1'"),
        (
            details(salt="00" * 31),
            one,
            RecordFormatError,
            "signed station.details.salt: expected 32 bytes, got 31",
        ),
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
        changed = copy.deepcopy(good)
        changed["details"] = {"salt": good["details"]["salt"], **body}
        changed["commission"] = commission
        with pytest.raises(error) as raised:
            service.publish_signed_station(eid, changed)
        assert words in str(raised.value), (words, str(raised.value))
    # the good file's signature is checked: made with another key, or for another body
    forged = copy.deepcopy(good)
    forged["organiser_signature"] = organiser.signed(details(hours="09:00-18:00"), one)[
        "organiser_signature"
    ]
    with pytest.raises(InvalidProof):
        service.publish_signed_station(eid, forged)
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
    election: RevotingElection, tmp_path: Path
) -> None:
    organiser = Organiser(election)
    service, eid = organiser.service, election.id
    keys = Commissions(election.ctx.manifest, tmp_path)
    station, _ = organiser.publish(details(), keys.keygen("station-1"))
    election.open()
    path = tmp_path / "record.jsonl"
    service.export_record(eid, str(path))
    lines = path.read_bytes().splitlines()
    secret = board_secret_of(election.web.database_url, eid)
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
