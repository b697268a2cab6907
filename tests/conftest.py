from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import KINDS, drop_spare_databases, fresh_database
from tests.factories import DemoCeremonies, DemoCeremony, demo_key_ceremony


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests marked slow first (in their order), then the rest.  Under
    ``pytest -n 2`` each worker collects the same order, and xdist hands the first tests
    out alternately: the long runs start early on both workers, and the many short tests
    fill the end, instead of one long run left for the last minutes on one worker."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop the PostgreSQL databases the tests of this process emptied and kept."""
    drop_spare_databases()


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
            directory = tmp_path_factory.mktemp(f"ceremony-{election_id}")
            made[election_id] = demo_key_ceremony(election_id, directory)
        return made[election_id]

    return ceremony
