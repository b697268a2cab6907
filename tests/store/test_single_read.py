"""``StoreBase.single_read``: one read in one round trip, without touching the
transactions of the pool's other users."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select

from honestballot.store.schema import settings
from honestballot.store.sql import SqlStore
from tests.databases import fresh_database


@pytest.fixture
def postgresql_store(tmp_path: Path) -> Iterator[SqlStore]:
    with fresh_database("postgresql", tmp_path) as url:
        store = SqlStore(url, pool_size=1)  # one connection: the same one comes back
        yield store
        store.close()


def _driver(conn: object) -> psycopg.Connection[object]:
    driver = conn.connection.driver_connection  # type: ignore[attr-defined]
    assert isinstance(driver, psycopg.Connection)
    return driver


def test_a_single_read_opens_no_transaction_and_leaves_none_behind(
    postgresql_store: SqlStore,
) -> None:
    """The read needs no BEGIN before it and no ROLLBACK after it (a transaction left
    open would show as INTRANS); the connection goes back to the pool transactional, so a
    write transaction through it still rolls back as a whole."""
    store = postgresql_store
    with store.transaction() as tx:
        store.add_setting(tx, "a", "1")
    with store.single_read() as conn:
        assert store.setting(conn, "a") == "1"
        assert _driver(conn).info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    with store.connect() as conn:
        assert store.setting(conn, "a") == "1"
        assert _driver(conn).info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    with pytest.raises(RuntimeError), store.transaction() as tx:
        store.add_setting(tx, "b", "2")
        raise RuntimeError("the step fails after its write")
    with store.single_read() as conn:
        assert conn.execute(select(settings.c.name)).scalars().all() == ["a"]


def test_a_single_read_reads_on_sqlite_too(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        store = SqlStore(url)
        try:
            with store.transaction() as tx:
                store.add_setting(tx, "a", "1")
            with store.single_read() as conn:
                assert store.setting(conn, "a") == "1"
        finally:
            store.close()
