"""The board's credentials: who may cast, which ballot counts, and each unit's count of
active credentials (the roll rule's numbers, kept as counts rather than counted)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.engine import Connection

from honestballot.store.bulk import insert_rows, update_many
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

    def insert_credentials(
        self, conn: Connection, election_id: str, added: list[tuple[bytes, str]]
    ) -> None:
        """Several (credential, unit) at once."""
        insert_rows(
            conn,
            credentials,
            ("election_id", "credential", "unit", "revoked"),
            [(election_id, credential, unit, False) for credential, unit in added],
        )
        self._count_active(conn, election_id, Counter(unit for _, unit in added))

    def revoke_credentials(
        self, conn: Connection, election_id: str, revoked: list[tuple[bytes, str]]
    ) -> None:
        """Replaced (credential, unit): their ballots stop counting and they cannot cast
        again."""
        if revoked:
            conn.execute(
                update(credentials)
                .where(
                    credentials.c.election_id == election_id,
                    credentials.c.credential.in_([c for c, _ in revoked]),
                )
                .values(revoked=True, latest_tracking=None)
            )
            gone: Counter[str] = Counter()
            for _, unit in revoked:
                gone[unit] -= 1
            self._count_active(conn, election_id, gone)

    @staticmethod
    def _count_active(conn: Connection, election_id: str, change: Counter[str]) -> None:
        """Keep ``unit_credentials`` equal to the active credentials of each unit."""
        rows = [{"e": election_id, "u": unit, "n": n} for unit, n in sorted(change.items()) if n]
        if rows:
            conn.execute(_COUNT_ACTIVE, rows)

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

    def set_latest_many(
        self, conn: Connection, election_id: str, latest: dict[bytes, bytes]
    ) -> None:
        """Record each credential's latest ballot (credential → tracking hash), in one
        statement for the lot."""
        update_many(conn, credentials, "credential", "latest_tracking", election_id, latest)

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


#: add to a unit's count of active credentials (a row per unit, made on its first)
_COUNT_ACTIVE = text(
    f"INSERT INTO {unit_credentials.name} (election_id, unit, active) VALUES (:e, :u, :n) "
    "ON CONFLICT (election_id, unit) DO UPDATE "
    f"SET active = {unit_credentials.name}.active + excluded.active"
)
