"""Credentials on the election service: replacement, the roll summary posted before
the opening, and the roll rule (no unit holds more active credentials than voters), with
each unit's count of active credentials kept exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from honestballot.crypto.randomness import SeededRandomness
from honestballot.errors import (
    BallotRejected,
    ProtocolError,
)
from honestballot.protocol.credential import generate_credential
from tests.factories import (
    DemoCeremony,
    Election,
    assert_refused,
    ballot_json,
    make_election,
)


def test_a_replaced_credential_stops_counting_and_cannot_cast(
    election: Election, tmp_path: Path
) -> None:
    old = election.voters[0]
    election.cast(election.ballot(0, {"chair": {"cand-1"}, "council": {"member-1"}}))
    new = generate_credential(election.rng)
    election.service.register_credential(election.id, new.public, "station-1", replaces=old.public)
    assert_refused(election, ballot_json(election.ballot(0)), BallotRejected)
    election.voters[0] = new
    election.cast(election.ballot(0, {"chair": {"cand-2"}, "council": {"member-2"}}))
    election.service.close(election.id)
    counts = election.decrypt_and_publish()
    assert counts["chair/cand-1"] == 0
    assert counts["chair/cand-2"] == 1
    report = election.record_report(tmp_path)
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    assert report.stats["credentials_replaced"] == 1
    assert report.stats["ballots_counted"] == 1


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
    e = make_election(ceremony, tmp_path, "roll", open_=False, url=database_url)
    try:
        units = [u for u in e.ctx.manifest.unit_ids() if u != "station-small"]
        body = {
            "voters_per_unit": [
                {"unit": u, "voters": 0 if u == "station-small" else 2}
                for u in [*units, "station-small"]
            ],
            "contact_exceptions": 3,
        }
        e.service.open(e.id, roll=lambda _conn: body)
        assert e.kinds()[-2:] == ["roll", "open"]
        e.cast(e.ballot(1))
        report = e.record_report(tmp_path)
        assert report.passed, [(c.name, c.detail) for c in report.failures]
        rules = next(c for c in report.checks if c.name == "board.rules")
        assert "3 shared-contact exceptions" in rules.detail
    finally:
        e.service.store.close()


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
