"""Fresh databases for tests: a SQLite file, or a new PostgreSQL database per test.

PostgreSQL is the one at 127.0.0.1:5432 (``HONESTBALLOT_TEST_PG`` overrides the admin
URL); ``.ci/run`` starts it when it is down.  Each test gets a database of its own, so
tests running in parallel never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

PG_ADMIN_URL = os.environ.get("HONESTBALLOT_TEST_PG", "postgresql+psycopg://127.0.0.1:5432/test")
KINDS = ("sqlite", "postgresql")


@contextmanager
def fresh_database(kind: str, directory: Path) -> Iterator[str]:
    if kind == "sqlite":
        directory.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{directory / 'store.sqlite'}"
        return
    name = "hb_test_" + uuid.uuid4().hex[:16]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        yield f"{base}/{name}"
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
