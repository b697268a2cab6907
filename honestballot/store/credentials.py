"""The board's credentials: who may cast, which ballot counts, and each unit's count of
active credentials (the roll rule's numbers, kept as counts rather than counted)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Dialect

from honestballot.store.bulk import Statement
from honestballot.store.engine import StoreBase
from honestballot.store.schema import credentials, unit_credentials


class CredentialStore(StoreBase):
    """Credentials and unit counts (a part of :class:`~honestballot.store.sql.SqlStore`)."""

    def credential_rows(
        self, conn: Connection, election_id: str, credentials_: Iterable[bytes]
    ) -> dict[bytes, dict[str, Any]]:
        wanted = list(set(credentials_))
        if not wanted:
            return {}
        rows = conn.execute(
            select(credentials).where(
                credentials.c.election_id == election_id, credentials.c.credential.in_(wanted)
            )
        ).mappings()
        return {bytes(r["credential"]): dict(r) for r in rows}

    def credential_row(
        self, conn: Connection, election_id: str, credential: bytes
    ) -> dict[str, Any] | None:
        row = (
            conn.execute(
                select(credentials).where(
                    credentials.c.election_id == election_id, credentials.c.credential == credential
                )
            )
            .mappings()
            .first()
        )
        return dict(row) if row is not None else None

    def is_latest(self, election_id: str, tracking: bytes) -> bool:
        with self.engine.connect() as conn:
            q = select(credentials.c.credential).where(
                credentials.c.election_id == election_id,
                credentials.c.latest_tracking == tracking,
            )
            return conn.execute(q).first() is not None

    def active_credentials_per_unit(
        self, conn: Connection, election_id: str, units: Iterable[str] | None = None
    ) -> dict[str, int]:
        """unit → credentials registered and not replaced (the board's roll rule), for
        ``units`` only when given; kept as a count per unit, not counted row by row."""
        q = select(unit_credentials.c.unit, unit_credentials.c.active).where(
            unit_credentials.c.election_id == election_id
        )
        if units is not None:
            q = q.where(unit_credentials.c.unit.in_(sorted(set(units))))
        return {str(unit): int(n) for unit, n in conn.execute(q) if n}


def _revoke_statements(dialect: Dialect, args: tuple[str, list[bytes]]) -> list[Statement]:
    election_id, gone = args
    set_revoked = f"UPDATE {credentials.name} SET revoked = TRUE, latest_tracking = NULL"
    if dialect.name == "postgresql":
        return [(f"{set_revoked} WHERE election_id = %s AND credential = ANY(%s)", args)]
    out: list[Statement] = []
    for start in range(0, len(gone), 500):
        part = gone[start : start + 500]
        marks = ", ".join("?" * len(part))
        sql = f"{set_revoked} WHERE election_id = ? AND credential IN ({marks})"
        out.append((sql, (election_id, *part)))
    return out


def _count_active_statements(dialect: Dialect, rows: list[tuple[str, str, int]]) -> list[Statement]:
    """Add to each unit's count of active credentials (a row per unit, made on its first):
    (election, unit, change) each, one row a unit."""
    upsert = (
        f" ON CONFLICT (election_id, unit) DO UPDATE"
        f" SET active = {unit_credentials.name}.active + excluded.active"
    )
    if dialect.name == "postgresql":
        election_ids, units, changes = (list(column) for column in zip(*rows, strict=True))
        sql = (
            f"INSERT INTO {unit_credentials.name} (election_id, unit, active)"
            " SELECT * FROM unnest(%s::TEXT[], %s::TEXT[], %s::INTEGER[])" + upsert
        )
        return [(sql, (election_ids, units, changes))]
    values = ", ".join(["(?, ?, ?)"] * len(rows))
    sql = f"INSERT INTO {unit_credentials.name} (election_id, unit, active) VALUES {values}"
    return [(sql + upsert, tuple(x for row in rows for x in row))]
