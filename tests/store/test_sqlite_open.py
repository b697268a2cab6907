"""Opening a store on SQLite while other processes open or write the same file: the
migration is one write transaction, and the switch to WAL waits for another's lock."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, text

from honestballot.store.sql import SqlStore


@pytest.fixture
def transaction_log() -> Iterator[list[str]]:
    """The BEGIN statements and the commits and rollbacks of every engine, in order."""
    log: list[str] = []

    def statement(_conn: Connection, _cursor: Any, sql: str, *_args: Any) -> None:
        if sql.upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "END")):
            log.append(sql.upper())

    def commit(_conn: Connection) -> None:
        log.append("commit")

    def rollback(_conn: Connection) -> None:
        log.append("rollback")

    listeners: list[tuple[str, Callable[..., None]]] = [
        ("before_cursor_execute", statement),
        ("commit", commit),
        ("rollback", rollback),
    ]
    for name, fn in listeners:
        event.listen(Engine, name, fn)
    try:
        yield log
    finally:
        for name, fn in listeners:
            event.remove(Engine, name, fn)


def test_a_new_sqlite_database_is_migrated_in_one_immediate_transaction(
    tmp_path: Path, transaction_log: list[str]
) -> None:
    """The write lock is taken before the current revision is read and held until every
    migration is done: Alembic alone commits after each migration on SQLite, and another
    process starting then would read the old revision and run a migration again."""
    url = f"sqlite:///{tmp_path / 'new.sqlite'}"
    store = SqlStore(url)
    try:
        assert transaction_log == ["BEGIN IMMEDIATE", "commit"]
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        store.close()
    transaction_log.clear()
    SqlStore(url).close()  # at head: the same one transaction, which changes nothing
    assert transaction_log == ["BEGIN IMMEDIATE", "commit"]


def test_a_store_opened_while_the_new_file_is_written_waits_to_switch_it_to_wal(
    tmp_path: Path,
) -> None:
    """While another connection writes a file still in the rollback-journal mode (as when
    processes create the database at the same moment), SQLite refuses the switch to WAL at
    once, whatever the busy timeout: the store retries it until the writer is done."""
    path = tmp_path / "new.sqlite"
    writing = threading.Event()

    def writer() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("CREATE TABLE other (a INTEGER)")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO other VALUES (1)")
        writing.set()
        time.sleep(0.5)
        conn.execute("COMMIT")
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert writing.wait(10)
        started = time.monotonic()
        store = SqlStore(f"sqlite:///{path}")
        waited = time.monotonic() - started
    finally:
        thread.join()
    try:
        assert waited > 0.2  # it did wait for the writer
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("SELECT a FROM other")).scalar() == 1
    finally:
        store.close()
