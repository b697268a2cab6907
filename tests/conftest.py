from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest

from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.dkg import TrusteeSecret
from honestballot.service.demo import demo_manifest, run_key_ceremony
from tests.databases import KINDS, fresh_database
from tests.helpers import DemoCeremonies, DemoCeremony


@pytest.fixture(params=KINDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database: the test runs once on SQLite, once on PostgreSQL."""
    with fresh_database(request.param, tmp_path / "db") as url:
        yield url


@pytest.fixture(scope="session")
def demo_ceremony(tmp_path_factory: pytest.TempPathFactory) -> DemoCeremonies:
    """``demo_ceremony(election_id)``: the demo manifest with that id and a key ceremony
    for it, seeded by the id; each id's ceremony runs once per session (it takes a while)."""
    made: dict[str, DemoCeremony] = {}

    def ceremony(election_id: str) -> DemoCeremony:
        if election_id not in made:
            manifest = demo_manifest(election_id)
            directory = tmp_path_factory.mktemp(f"ceremony-{election_id}")
            key, secrets = run_key_ceremony(manifest, directory, SeededRandomness(election_id))
            made[election_id] = DemoCeremony(manifest, key, cast(list[TrusteeSecret], secrets))
        return made[election_id]

    return ceremony
