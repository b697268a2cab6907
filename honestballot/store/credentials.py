"""The board's credentials: who may cast, which ballot counts, and each unit's count of
active credentials (the roll rule's numbers, kept as counts rather than counted)."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Dialect

from honestballot.store.bulk import RowBuffer, Statement, insert_statements, update_statements
from honestballot.store.engine import StoreBase
from honestballot.store.schema import credentials, events, unit_credentials


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

    def plan_credentials(
        self,
        rows: RowBuffer,
        election_id: str,
        added: list[tuple[bytes, str, bool]],
        revoked: list[tuple[bytes, str]],
    ) -> None:
        """Add to a batch's writes the credentials it registers, (credential, unit,
        revoked) each, one it registers and replaces too inserted already revoked, and
        the revocation of those it replaces that were registered before it, (credential,
        unit) each: their ballots stop counting and they cannot cast again.  The units'
        counts of active credentials change by the difference, in one statement."""
        rows.write(
            functools.partial(
                insert_statements,
                table=credentials,
                columns=("election_id", "credential", "unit", "revoked"),
                rows=[(election_id, c, unit, gone) for c, unit, gone in added],
            )
        )
        change: Counter[str] = Counter(unit for _, unit, gone in added if not gone)
        change.subtract(unit for _, unit in revoked)
        if revoked:
            gone = [c for c, _ in revoked]
            rows.write(functools.partial(_revoke_statements, args=(election_id, gone)))
        counts = [(election_id, unit, n) for unit, n in sorted(change.items()) if n]
        if counts:
            rows.write(functools.partial(_count_active_statements, rows=counts))

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

    def plan_latest(self, rows: RowBuffer, election_id: str, latest: dict[bytes, bytes]) -> None:
        """Add to a batch's writes each credential's latest ballot (credential → tracking
        hash)."""
        rows.write(
            functools.partial(
                update_statements,
                table=credentials,
                key="credential",
                column="latest_tracking",
                election_id=election_id,
                values=latest,
            )
        )

    def is_latest(self, election_id: str, tracking: bytes) -> bool:
        with self.engine.connect() as conn:
            q = select(credentials.c.credential).where(
                credentials.c.election_id == election_id,
                credentials.c.latest_tracking == tracking,
            )
            return conn.execute(q).first() is not None

    def counted_ballots(self, election_id: str) -> Iterator[tuple[str, bytes]]:
        """(unit, event line) of the ballot that counts for each credential."""
        with self.engine.connect() as conn:
            q = (
                select(credentials.c.unit, events.c.line)
                .join(
                    events,
                    (events.c.election_id == credentials.c.election_id)
                    & (events.c.tracking_hash == credentials.c.latest_tracking),
                )
                .where(credentials.c.election_id == election_id)
                .order_by(events.c.seq)
            )
            for unit, line in conn.execution_options(yield_per=2000).execute(q):
                yield unit, bytes(line)

    def counted_count(self, election_id: str) -> int:
        """How many ballots count: one per credential with a counted ballot (the rows of
        :meth:`counted_ballots`, counted without reading them)."""
        with self.engine.connect() as conn:
            q = (
                select(func.count())
                .select_from(credentials)
                .join(
                    events,
                    (events.c.election_id == credentials.c.election_id)
                    & (events.c.tracking_hash == credentials.c.latest_tracking),
                )
                .where(credentials.c.election_id == election_id)
            )
            return int(conn.execute(q).scalar_one())

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
