"""The closed record both whole-record modules read (the tamper suite, the Dask tests)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.factories import DemoCeremony, Record, closed_protected_record


@pytest.fixture(scope="session")
def closed_record(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Record, DemoCeremony]]:
    """One closed record of an election with re-voting protection for the session
    (tests/factories.py ``closed_protected_record``: its defaults), and its ceremony;
    each test changes only copies of its lines."""
    with closed_protected_record(tmp_path_factory.mktemp("closed"), "closed") as (rec, _, c):
        yield rec, c
