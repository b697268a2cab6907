"""Fixtures for the election service's tests, on a fresh database (SQLite and PostgreSQL):
``protected``, the demo election with re-voting protection on an app of its own, open,
nobody registered yet. The builders are in tests/factories.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories import (
    SMALL_SCHEDULE,
    DemoCeremonies,
    DemoCeremony,
    RevotingElection,
    protected_election,
)


@pytest.fixture
def ceremony(demo_ceremony: DemoCeremonies) -> DemoCeremony:
    """The key ceremony of the election under test (run once per session)."""
    return demo_ceremony("service-test")


@pytest.fixture
def other_ceremony(demo_ceremony: DemoCeremonies) -> DemoCeremony:
    """The key ceremony of another election."""
    return demo_ceremony("other-election")


@pytest.fixture
def protected(
    ceremony: DemoCeremony, tmp_path: Path, database_url: str
) -> Iterator[RevotingElection]:
    """The ceremony's election with re-voting protection, open (the web roll's voters,
    their letters, the organiser's key: factories.open_revoting_election)."""
    with protected_election(
        ceremony, tmp_path, "service", url=database_url, schedule=SMALL_SCHEDULE
    ) as e:
        yield e
