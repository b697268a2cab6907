"""The batch schedule in the setup (docs/coercion.md §4, record-format §3): an election
created with one names it in its setup, the base hash binds it, and reading it back gives
the same context; a bad schedule in a setup is refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.errors import RecordFormatError
from honestballot.protocol.schedule import Schedule
from honestballot.protocol.witnesses import board_keys_hash
from honestballot.record.setup import context_from_setup
from honestballot.service.board.election import ElectionService
from honestballot.store.sql import SqlStore
from tests.factories import DemoCeremony

SCHEDULE = Schedule(60, ((40, 20), (120, 60), (10, 5)))


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
    assert setup["schedule"] == {"interval": 60, "hours": [[40, 20], [120, 60], [10, 5]]}
    parsed, _, keys = context_from_setup(setup)
    assert parsed == ctx and keys.schedule == SCHEDULE
    assert service.context(eid).revoting
    # another schedule is another election: the base hash binds it (W's proof, made over
    # the base hash, then fails too)
    altered = {**setup, "schedule": {"interval": 60, "hours": [[41, 20], [120, 60], [10, 5]]}}
    with pytest.raises(Exception, match="verifier"):
        context_from_setup(altered)
    other = Schedule(60, ((41, 20), (120, 60), (10, 5)))
    assert board_keys_hash(keys) != board_keys_hash(
        type(keys)(
            keys.board_key,
            keys.witnesses,
            keys.quorum,
            organiser,
            verifier_key=keys.verifier_key,
            schedule=other,
        )
    )
    # without one, the setup has no schedule and the election none
    without = {k: v for k, v in setup.items() if k != "schedule"}
    with pytest.raises(Exception, match="verifier"):
        context_from_setup(without)  # the base hash differs: W's proof no longer verifies
    service.store.close()


@pytest.mark.parametrize(
    ("schedule", "named"),
    [
        ({"interval": 70, "hours": [[1, 1]]}, "divides the hour"),
        ({"interval": 5, "hours": [[1, 1]]}, "interval"),
        ({"interval": 60, "hours": []}, "1 to 744 hours"),
        ({"interval": 60, "hours": [[1]]}, "rows, registrations"),
        ({"interval": 60, "hours": [[1, -1]]}, "hour 0"),
        ({"interval": 60, "hours": [[1, True]]}, "rows, registrations"),
        ({"interval": 60, "hours": [[1, 1]], "extra": 1}, "extra"),
    ],
)
def test_a_bad_schedule_in_a_setup_is_refused_by_name(
    ceremony: DemoCeremony, tmp_path: Path, schedule: dict[str, object], named: str
) -> None:
    service = ElectionService(
        SqlStore(f"sqlite:///{tmp_path / 's.sqlite'}"), SeededRandomness("bad schedule")
    )
    ctx = service.create(ceremony.manifest, ceremony.key)
    setup = service.setup_body(ctx.manifest.election_id)
    assert "schedule" not in setup and not ctx.revoting
    with pytest.raises(RecordFormatError, match=named):
        context_from_setup({**setup, "schedule": schedule})
    service.store.close()
