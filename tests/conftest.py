from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import KINDS, fresh_database


@pytest.fixture(params=KINDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database: the test runs once on SQLite, once on PostgreSQL."""
    with fresh_database(request.param, tmp_path / "db") as url:
        yield url
