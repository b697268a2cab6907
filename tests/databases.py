"""Fresh databases for tests: a SQLite file, or an empty PostgreSQL database per test.

PostgreSQL is the one at 127.0.0.1:5432 (``HONESTBALLOT_TEST_PG`` overrides the admin
URL); ``.ci/run`` starts it when it is down.  Each test gets a database of its own, so
tests running in parallel never see each other's rows.

Creating and dropping a PostgreSQL database costs about a second each, so each test
process keeps the databases it made: when a test is done with one, every connection to it
is ended and its ``public`` schema dropped and made again (everything the store makes
lives there: tables, indexes, sequences and Alembic's version table), and the next test
gets it back as empty as a new one.  The databases are dropped when the session ends
(:func:`drop_spare_databases`).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

PG_ADMIN_URL = os.environ.get("HONESTBALLOT_TEST_PG", "postgresql+psycopg://127.0.0.1:5432/test")
KINDS = ("sqlite", "postgresql")

#: empty PostgreSQL databases this process made and no test is using
_spare: list[str] = []


def _admin() -> Engine:
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def _url(name: str) -> str:
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"


def _empty(admin: Engine, name: str) -> None:
    """End every connection to ``name`` (a server a test started, an engine it left open)
    and drop everything in it: what a new database holds again."""
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
    engine = create_engine(_url(name), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
            left = conn.execute(
                text(
                    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') "
                    "AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'"
                )
            ).scalar_one()
            assert left == 0, f"{left} relations outside the public schema of {name}"
    finally:
        engine.dispose()


def _drop(admin: Engine, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def fresh_database(kind: str, directory: Path) -> Iterator[str]:
    if kind == "sqlite":
        directory.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{directory / 'store.sqlite'}"
        return
    admin = _admin()
    try:
        if _spare:
            name = _spare.pop()
        else:
            name = "hb_test_" + uuid.uuid4().hex[:16]
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield _url(name)
        finally:
            try:
                _empty(admin, name)
            except Exception:
                _drop(admin, name)
                raise
            _spare.append(name)
    finally:
        admin.dispose()


def drop_spare_databases() -> None:
    """Drop the databases this process kept for reuse (at the end of the session)."""
    if not _spare:
        return
    admin = _admin()
    try:
        while _spare:
            _drop(admin, _spare.pop())
    finally:
        admin.dispose()
