"""Bring a database to the newest schema with the packaged Alembic migrations.

Every server process calls :func:`upgrade` at start; on PostgreSQL a session-level
advisory lock makes concurrent starts take turns, so two processes never run the same
migration at once.
"""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from honestballot.errors import ProtocolError

_MIGRATIONS = Path(__file__).with_name("migrations")
_LOCK_ID = 0x486F6E6573744231  # "HonestB1"
# Alembic's command API keeps module-level state: one upgrade at a time per process.
_PROCESS_LOCK = threading.Lock()


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


def upgrade(engine: Engine) -> None:
    """Migrate to the newest schema; ProtocolError for a database that a newer release
    of honestballot has migrated further (nothing is changed then)."""
    cfg = alembic_config()
    with _PROCESS_LOCK, engine.connect() as plain:
        postgres = plain.dialect.name == "postgresql"
        # on SQLite the migration takes the write lock at BEGIN: a deferred transaction
        # that reads and then writes fails at once ("database is locked") when another
        # process starts at the same moment, instead of waiting its turn
        conn = plain if postgres else plain.execution_options(write=True)
        if postgres:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_ID})
            conn.commit()
        try:
            _refuse_unknown_revision(conn, cfg)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            conn.commit()
        finally:
            if postgres:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_ID})
                conn.commit()


def _refuse_unknown_revision(conn: Connection, cfg: Config) -> None:
    current = MigrationContext.configure(conn).get_current_revision()
    conn.commit()  # the read ends its transaction; the migration begins its own
    known = {r.revision for r in ScriptDirectory.from_config(cfg).walk_revisions()}
    if current is not None and current not in known:
        raise ProtocolError(
            f"the database's schema is at revision {current!r}, which this release of "
            "honestballot does not know: a newer release has migrated it; upgrade "
            "honestballot (the data is left as it is)"
        )
