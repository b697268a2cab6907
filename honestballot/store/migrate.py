"""Bring a database to the newest schema with the packaged Alembic migrations.

Every server process calls :func:`upgrade` at start, and concurrent starts take turns,
so two processes never run the same migration at once: on PostgreSQL a session-level
advisory lock, on SQLite one ``BEGIN IMMEDIATE`` transaction that holds the write lock
from the read of the current revision to the commit of the last migration.  (Alembic on
its own runs SQLite's migrations one transaction each, having read the revision before
the first: another process could take the lock between two of them and run again a
migration already done.)
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
        # on SQLite the transaction takes the write lock at BEGIN (BEGIN IMMEDIATE): a
        # deferred one that reads and then writes fails at once ("database is locked")
        # when another process starts at the same moment, instead of waiting its turn
        conn = plain if postgres else plain.execution_options(write=True)
        if postgres:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_ID})
            conn.commit()
        try:
            # One transaction for the revision's read, the refusals and every migration:
            # Alembic, handed a connection already in a transaction, begins and commits
            # none of its own, so no other process can migrate in between.
            with conn.begin():
                current = _refuse_unknown_revision(conn, cfg)
                if current == "0001":
                    _refuse_version_1_ballots(conn)
                if current is not None and current < "0006":
                    _refuse_version_2_elections(conn)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        finally:
            if postgres:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_ID})
                conn.commit()


def _refuse_version_1_ballots(conn: Connection) -> None:
    """Schema 0001 stored elections of record version 1, whose tracking hashes and audit
    events differ from version 2's (docs/record-format.md §9): a version-2 service would
    append to such an election a record no verifier accepts.  Elections still in setup
    (no ballot, no audit yet) carry nothing of the old format and are upgraded."""
    found = conn.execute(
        text("SELECT DISTINCT election_id FROM events WHERE kind IN ('ballot', 'audit')")
    ).all()
    if found:
        names = ", ".join(sorted(str(r[0]) for r in found)[:5])
        raise ProtocolError(
            f"the database holds ballots of record version 1 (elections: {names}): finish "
            "and export those elections with the release that took them, and give this "
            "release a new database (nothing was changed)"
        )


def _refuse_version_2_elections(conn: Connection) -> None:
    """Schemas before 0006 stored elections of record version 2, whose setup names no
    witnesses and whose base hash does not bind the board's keys (docs/record-format.md
    §9): every proof on such a board is bound to a base hash version 3 does not derive,
    so nothing of it can be carried over."""
    found = conn.execute(
        text("SELECT election_id FROM elections UNION SELECT election_id FROM events")
    ).all()
    if found:
        names = ", ".join(sorted(str(r[0]) for r in found)[:5])
        raise ProtocolError(
            f"the database holds elections of record version 1 or 2 (elections: {names}): "
            "finish and export those elections with the release that took them, and give "
            "this release a new database (nothing was changed)"
        )


def _refuse_unknown_revision(conn: Connection, cfg: Config) -> str | None:
    current = MigrationContext.configure(conn).get_current_revision()
    known = {r.revision for r in ScriptDirectory.from_config(cfg).walk_revisions()}
    if current is not None and current not in known:
        raise ProtocolError(
            f"the database's schema is at revision {current!r}, which this release of "
            "honestballot does not know: a newer release has migrated it; upgrade "
            "honestballot (the data is left as it is)"
        )
    return current
