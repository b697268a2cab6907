"""The store's bulk statements refuse what a plain insert refuses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import DataError

from honestballot.store.schema import credentials
from honestballot.store.sql import SqlStore, insert_rows
from tests.databases import fresh_database


@pytest.fixture
def postgresql_store(tmp_path: Path) -> Iterator[SqlStore]:
    """SQLite does not enforce a column's length; PostgreSQL does, and must here too."""
    with fresh_database("postgresql", tmp_path) as url:
        store = SqlStore(url)
        yield store
        store.close()


def test_a_value_too_long_for_its_column_is_refused_not_cut(postgresql_store: SqlStore) -> None:
    """Rows go to PostgreSQL as one array per column (``unnest``); an array of
    ``varchar(64)`` would cut a longer value silently, an array of text lets the column
    refuse it."""
    store, columns = postgresql_store, ("election_id", "credential", "unit", "revoked")
    with pytest.raises(DataError, match="too long"), store.transaction() as tx:
        insert_rows(tx, credentials, columns, [("e", b"\x01" * 32, "u" * 65, False)])
    with store.transaction() as tx:
        rows = [("e", b"\x01" * 32, "u" * 64, False), ("e", b"\x02" * 32, "v", True)]
        insert_rows(tx, credentials, columns, rows)
        found = store.credential_rows(tx, "e", [b"\x01" * 32, b"\x02" * 32])
    assert {k: (r["unit"], r["revoked"]) for k, r in found.items()} == {
        b"\x01" * 32: ("u" * 64, False),
        b"\x02" * 32: ("v", True),
    }
