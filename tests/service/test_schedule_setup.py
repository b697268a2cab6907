"""The batch schedule in the setup (docs/coercion.md §4, record-format §3): an election
created with one names it in its setup, the base hash binds it, and reading it back gives
the same context; a bad schedule in a setup is refused by name.  The schedule's cover
(K0 and epsilon in thousandths) is part of it: bound, parsed strictly, and what the
service draws the cover replacements with."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.errors import InvalidInput, RecordFormatError, Text
from honestballot.protocol.schedule import Cover, Schedule
from honestballot.protocol.witnesses import board_keys_hash
from honestballot.record.codec import canonical_bytes, parse_json
from honestballot.record.setup import context_from_setup
from honestballot.service.board.batches import BatchPoster
from honestballot.service.board.election import ElectionService
from honestballot.store.sql import SqlStore
from tests.factories import DemoCeremony

SCHEDULE = Schedule(60, ((40, 20), (120, 60), (10, 5)), cover=Cover(250, 50))
#: the cover as the setup holds it: K0 and epsilon in thousandths, integers only
COVER = {"k0": 250, "epsilon_milli": 50}


def test_an_election_with_a_schedule_names_it_and_its_base_hash_binds_it(
    ceremony: DemoCeremony, tmp_path: Path, database_url: str
) -> None:
    service = ElectionService(SqlStore(database_url), SeededRandomness("schedule"))
    organiser = base_mul(random_nonzero_scalar(SeededRandomness("organiser")))
    ctx = service.create(
        ceremony.manifest, ceremony.key, organiser_key=organiser, schedule=SCHEDULE
    )
    eid = ctx.manifest.election_id
    assert ctx.revoting and ctx.schedule == SCHEDULE
    setup = service.setup_body(eid)
    assert setup["schedule"] == {
        "interval": 60,
        "hours": [[40, 20], [120, 60], [10, 5]],
        "cover": COVER,
    }
    parsed, _, keys = context_from_setup(setup)
    assert parsed == ctx and keys.schedule == SCHEDULE
    assert parse_json(canonical_bytes(setup)) == setup  # strict JSON: no floats
    assert service.context(eid).revoting
    # another schedule is another election: the base hash binds it (W's proof, made over
    # the base hash, then fails too)
    hours = [[41, 20], [120, 60], [10, 5]]
    altered = {**setup, "schedule": {"interval": 60, "hours": hours, "cover": COVER}}
    with pytest.raises(Exception, match="verifier"):
        context_from_setup(altered)
    # and so is another cover: K0 or epsilon (what observers rely on, docs/coercion.md §8.1)
    for cover in ({"k0": 251, "epsilon_milli": 50}, {"k0": 250, "epsilon_milli": 51}):
        altered = {**setup, "schedule": {**setup["schedule"], "cover": cover}}
        with pytest.raises(Exception, match="verifier"):
            context_from_setup(altered)
    hashes = set()
    for other in (
        SCHEDULE,
        Schedule(60, ((41, 20), (120, 60), (10, 5)), cover=Cover(250, 50)),
        replace(SCHEDULE, cover=Cover(251, 50)),
        replace(SCHEDULE, cover=Cover(250, 51)),
    ):
        hashes.add(board_keys_hash(replace(keys, schedule=other)))
    assert len(hashes) == 4
    # without one, the setup has no schedule and the election none
    without = {k: v for k, v in setup.items() if k != "schedule"}
    with pytest.raises(Exception, match="verifier"):
        context_from_setup(without)  # the base hash differs: W's proof no longer verifies
    service.store.close()


def test_the_service_draws_the_cover_replacements_with_the_setups_k0_and_epsilon(
    ceremony: DemoCeremony, tmp_path: Path
) -> None:
    """K0 = 5 and the largest epsilon: exactly 5 cover replacements (the noise's odds of
    not being 0 are e^-1000); the service has no K0 or epsilon of its own."""
    service = ElectionService(
        SqlStore(f"sqlite:///{tmp_path / 'k.sqlite'}"), SeededRandomness("cover k0")
    )
    organiser = base_mul(random_nonzero_scalar(SeededRandomness("organiser")))
    schedule = replace(SCHEDULE, cover=Cover(5, 1_000_000))
    ctx = service.create(
        ceremony.manifest, ceremony.key, organiser_key=organiser, schedule=schedule
    )
    eid = ctx.manifest.election_id
    poster = BatchPoster(service)
    for _ in range(3):
        with service.store.transaction() as conn:
            assert poster.plan(conn, eid) == 5
            service.store.forget_cover_replacements(conn, eid)
    service.store.close()


#: a cover that fits the one-hour schedules below (60 row and registration slots)
SMALL = {"k0": 30, "epsilon_milli": 100}


@pytest.mark.parametrize(
    ("schedule", "named"),
    [
        ({"interval": 70, "hours": [[1, 1]], "cover": SMALL}, "divides the hour"),
        ({"interval": 5, "hours": [[1, 1]], "cover": SMALL}, "interval"),
        ({"interval": 60, "hours": [], "cover": SMALL}, "1 to 744 hours"),
        ({"interval": 60, "hours": [[1]], "cover": SMALL}, "rows, registrations"),
        ({"interval": 60, "hours": [[1, -1]], "cover": SMALL}, "hour 0"),
        ({"interval": 60, "hours": [[1, True]], "cover": SMALL}, "rows, registrations"),
        ({"interval": 60, "hours": [[1, 1]], "cover": SMALL, "extra": 1}, "extra"),
        # the cover: there, integers only, within bounds, K0 fitting the listed hours
        ({"interval": 60, "hours": [[1, 1]]}, "missing field 'cover'"),
        ({"interval": 60, "hours": [[1, 1]], "cover": {"k0": 30}}, "epsilon_milli"),
        ({"interval": 60, "hours": [[1, 1]], "cover": {**SMALL, "epsilon_milli": 0.1}}, "integer"),
        ({"interval": 60, "hours": [[1, 1]], "cover": {**SMALL, "k0": 30.0}}, "integer"),
        ({"interval": 60, "hours": [[1, 1]], "cover": {**SMALL, "k0": -1}}, "k0"),
        ({"interval": 60, "hours": [[1, 1]], "cover": {**SMALL, "k0": 100_001}}, "k0"),
        ({"interval": 60, "hours": [[1, 1]], "cover": {**SMALL, "epsilon_milli": 9}}, "epsilon"),
        (
            {"interval": 60, "hours": [[1, 1]], "cover": {**SMALL, "epsilon_milli": 1_000_001}},
            "epsilon",
        ),
        ({"interval": 60, "hours": [[1, 1]], "cover": {**SMALL, "k0": 31}}, "does not fit"),
        ({"interval": 60, "hours": [[1, 1]], "cover": {**SMALL, "extra": 1}}, "extra"),
    ],
)
def test_a_bad_schedule_in_a_setup_is_refused_by_name(
    ceremony: DemoCeremony, tmp_path: Path, schedule: dict[str, object], named: str
) -> None:
    service = ElectionService(
        SqlStore(f"sqlite:///{tmp_path / 's.sqlite'}"), SeededRandomness("bad schedule")
    )
    organiser = base_mul(random_nonzero_scalar(SeededRandomness("organiser")))
    ctx = service.create(
        ceremony.manifest, ceremony.key, organiser_key=organiser, schedule=SCHEDULE
    )
    setup = service.setup_body(ctx.manifest.election_id)
    assert "schedule" in setup and ctx.revoting
    assert context_from_setup(setup)[0] == ctx  # its own schedule is read back
    with pytest.raises(RecordFormatError, match=named):
        context_from_setup({**setup, "schedule": schedule})
    service.store.close()


def test_the_service_refuses_an_election_without_a_schedule(
    ceremony: DemoCeremony, database_url: str
) -> None:
    """Every election has re-voting protection: one without a schedule is refused, with
    or without the organiser's key, before anything is stored."""
    service = ElectionService(SqlStore(database_url), SeededRandomness("unprotected"))
    organiser = base_mul(random_nonzero_scalar(SeededRandomness("organiser")))
    eid = ceremony.manifest.election_id
    for kw in ({}, {"organiser_key": organiser}):
        with pytest.raises(InvalidInput) as refused:
            service.create(ceremony.manifest, ceremony.key, **kw)
        said = refused.value.args[0]
        assert isinstance(said, Text) and said.key == "organiser.revoting_needs_schedule"
        assert not service.exists(eid)
    service.store.close()
