"""Fixtures for the election service's tests: the demo election on a fresh database
(SQLite and PostgreSQL), open, four voters registered (the builders are in
tests/factories.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories import DemoCeremonies, DemoCeremony, Election, make_election


@pytest.fixture
def ceremony(demo_ceremony: DemoCeremonies) -> DemoCeremony:
    """The key ceremony of the election under test (run once per session)."""
    return demo_ceremony("service-test")


@pytest.fixture
def other_ceremony(demo_ceremony: DemoCeremonies) -> DemoCeremony:
    """The key ceremony of another election."""
    return demo_ceremony("other-election")


@pytest.fixture
def election(ceremony: DemoCeremony, tmp_path: Path, database_url: str) -> Iterator[Election]:
    e = make_election(ceremony, tmp_path, "service", url=database_url)
    yield e
    e.service.store.close()
