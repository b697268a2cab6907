"""Credentials on the election service: replacement, the roll summary posted before
the opening (an election with re-voting protection: its encrypted roll), and the roll
rule (no unit holds more active credentials than voters), with each unit's count of
active credentials kept exactly."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from honestballot.cli.organiser_roll import Voter as RollVoter
from honestballot.crypto.randomness import SeededRandomness
from honestballot.errors import (
    ProtocolError,
)
from honestballot.protocol.credential import generate_credential
from honestballot.verify.verifier import verify_record
from tests.factories import (
    SMALL_SCHEDULE,
    WEB_ROLL,
    DemoCeremony,
    Election,
    make_election,
    make_encrypted_roll,
    protected_election,
)


@pytest.mark.parametrize("case", ["unregistered", "other-unit", "twice"])
def test_a_replacement_must_name_an_active_credential_of_the_same_unit(
    election: Election, case: str
) -> None:
    old = election.voters[0].public
    if case == "unregistered":
        old = generate_credential(election.rng).public
    if case == "twice":
        first = generate_credential(election.rng).public
        election.service.register_credential(election.id, first, "station-1", replaces=old)
    unit = "station-2" if case == "other-unit" else "station-1"
    before = election.events()
    with pytest.raises(ProtocolError):
        election.service.register_credential(
            election.id, generate_credential(election.rng).public, unit, replaces=old
        )
    assert election.events() == before


def test_the_roll_summary_is_posted_before_opening_and_verified(
    ceremony: DemoCeremony, tmp_path: Path, database_url: str
) -> None:
    """In an election with re-voting protection: the organiser's encrypted roll, made
    after the shared-contact exceptions, goes on the board before the open, and the
    record verifies with the exceptions counted."""
    with protected_election(
        ceremony, tmp_path, "roll", url=database_url, open_=False, keep_roll=False,
        schedule=SMALL_SCHEDULE,
    ) as e:  # fmt: skip
        services = e.web.services
        for contact in ("+7 701 000 0001", "a1@example.org", "c3@example.org"):
            services.roll.add_exception(e.id, contact, "a family's shared contact")
        voters = [RollVoter(nid, name, unit) for nid, name, _, _, unit in WEB_ROLL]
        letters = make_encrypted_roll(
            services.elections, services.roll, e.id, e.organiser, voters,
            SeededRandomness("make-roll"), open_=True,
        )  # fmt: skip
        kinds = [ev.kind for ev in services.elections.store.iter_events(e.id)]
        assert kinds[-2:] == ["roll", "open"]
        e = replace(e, letters=letters)
        device = e.device("900101300002", "a device")
        seed, answer = device.register()
        assert answer.status_code == 201, answer.text
        ballot, _, private = device.ballot(seed)
        assert device.cast(ballot, private).status_code == 201
        e.post_batch()
        path = tmp_path / "record.jsonl"
        services.elections.export_record(e.id, str(path))
        report = verify_record(path.read_bytes().splitlines(keepends=True), workers=1)
        assert report.passed, [(c.name, c.detail) for c in report.failures]
        # the signed summary on the board counts the exceptions, and the verifier names
        # the roll and them
        roll = next(ev for ev in services.elections.store.iter_events(e.id) if ev.kind == "roll")
        body = json.loads(roll.line)["body"]
        assert body["contact_exceptions"] == 3
        voters = sum(u["voters"] for u in body["voters_per_unit"])
        assert voters == len(WEB_ROLL)
        parts = kinds.count("roll-part")
        assert parts >= 1
        rules = next(c for c in report.checks if c.name == "board.rules")
        assert rules.detail.endswith(
            f"; roll of {voters} voters (3 shared-contact exceptions), its {voters} encrypted "
            f"rows exactly the {parts} roll parts before it"
        ), rules.detail
        assert {"roll.signature", "roll.encrypted"} <= {c.name for c in report.checks}


def test_the_service_keeps_the_roll_limit_as_the_verifier_does(
    ceremony: DemoCeremony, tmp_path: Path, database_url: str
) -> None:
    """Once the roll is posted no unit may hold more active credentials than voters on it:
    the service refuses what the verifier would (one credential per unit is registered
    in setup by the fixture)."""
    e = make_election(ceremony, tmp_path, "roll-limit", open_=False, url=database_url)
    try:
        units = e.ctx.manifest.unit_ids()

        def roll(station_1: int) -> dict[str, Any]:
            counts = [{"unit": u, "voters": station_1 if u == "station-1" else 1} for u in units]
            return {"voters_per_unit": counts, "contact_exceptions": 0}

        before = e.events()
        with pytest.raises(ProtocolError, match="active credentials but only 0 voters"):
            e.service.open(e.id, roll=lambda _conn: roll(0))
        assert e.events() == before and e.service.phase(e.id) == "setup"
        e.service.open(e.id, roll=lambda _conn: roll(2))
        second = generate_credential(e.rng).public
        e.service.register_credential(e.id, second, "station-1")  # 2 of 2
        before = e.events()
        with pytest.raises(ProtocolError, match="as many active credentials"):
            e.service.register_credential(e.id, generate_credential(e.rng).public, "station-1")
        assert e.events() == before
        # a replacement keeps the count, so it is still allowed
        e.service.register_credential(
            e.id, generate_credential(e.rng).public, "station-1", replaces=second
        )
        report = e.record_report(tmp_path)
        assert report.passed, [(c.name, c.detail) for c in report.failures]
    finally:
        e.service.store.close()


def test_each_units_count_of_active_credentials_is_kept_exactly(election: Election) -> None:
    """The roll rule reads a count per unit kept with every registration and replacement;
    it must always equal the credentials registered and not replaced."""
    store, eid = election.service.store, election.id
    rng = SeededRandomness("counts")
    fresh = [generate_credential(rng) for _ in range(5)]
    election.service.register_credential(eid, fresh[0].public, "station-1")
    election.service.register_credential(eid, fresh[1].public, "station-2")
    # a replacement keeps its unit's count; a batch may register and replace at once
    election.service.register_credential(
        eid, fresh[2].public, "station-1", replaces=election.voters[0].public
    )
    results = election.service.register_credential_batch(
        eid,
        [
            (fresh[3].public, "station-3", None, None),
            (fresh[4].public, "station-3", fresh[3].public, None),
            (fresh[0].public, "station-1", None, None),  # already registered: refused
        ],
    )
    assert [r is None for r in results] == [True, True, False]
    with store.engine.connect() as conn:
        counted = dict(
            conn.execute(
                text(
                    "SELECT unit, COUNT(*) FROM credentials "
                    "WHERE election_id = :e AND NOT revoked GROUP BY unit"
                ),
                {"e": eid},
            ).all()
        )
    with store.transaction() as conn:
        kept = store.active_credentials_per_unit(conn, eid)
    assert kept == counted
    assert kept == {"station-1": 2, "station-2": 2, "station-3": 2, "station-4": 1}
