"""The Alembic migrations build exactly the tables the code uses, on both databases."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from honestballot.store.migrate import alembic_config
from honestballot.store.schema import metadata
from honestballot.store.sql import SqlStore


def test_the_migrations_match_the_schema(database_url: str) -> None:
    store = SqlStore(database_url)
    try:
        with store.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
        assert set(inspect(store.engine).get_table_names()) >= set(metadata.tables)
    finally:
        store.close()


def test_opening_a_store_twice_upgrades_once_and_downgrade_removes_everything(
    database_url: str,
) -> None:
    SqlStore(database_url).close()
    store = SqlStore(database_url)  # already at head: nothing to do, no error
    try:
        with store.engine.connect() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
            conn.commit()
        assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
    finally:
        store.close()
