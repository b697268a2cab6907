"""Audited ballots held until the close, and the ElGamal alphas of cast and audited
ballots (an alpha seen in one may never appear in the other)."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.engine import Connection, Dialect

from honestballot.store.bulk import RowBuffer, insert_rows, insert_statements
from honestballot.store.engine import StoreBase
from honestballot.store.schema import ballot_alphas, held_audit_alphas, held_audits


class AuditStore(StoreBase):
    """Held audits and ballot alphas (a part of :class:`~honestballot.store.sql.SqlStore`)."""

    # -- audits held until the close ----------------------------------------------------------

    def hold_audit(
        self,
        conn: Connection,
        election_id: str,
        tracking: bytes,
        body: bytes,
        time_ms: int,
        alphas: Iterable[bytes],
    ) -> None:
        conn.execute(
            insert(held_audits).values(
                election_id=election_id, tracking_hash=tracking, body=body, time_ms=time_ms
            )
        )
        insert_rows(
            conn,
            held_audit_alphas,
            ("election_id", "alpha", "tracking_hash"),
            [(election_id, alpha, tracking) for alpha in alphas],
        )

    def audited_alphas(
        self, conn: Connection, election_id: str, alphas: Iterable[bytes]
    ) -> set[bytes]:
        """Those of ``alphas`` that a held audit has made public."""
        return _alphas_in(conn, held_audit_alphas, election_id, alphas)

    def cast_alphas(
        self, conn: Connection, election_id: str, alphas: Iterable[bytes]
    ) -> set[bytes]:
        """Those of ``alphas`` that a ballot cast in the election has."""
        return _alphas_in(conn, ballot_alphas, election_id, alphas)

    def plan_ballot_alphas(
        self, rows: RowBuffer, election_id: str, alphas: list[tuple[bytes, bytes]]
    ) -> None:
        """Add to a batch's writes the (alpha, tracking hash) of the ballots it casts."""
        rows.write(
            functools.partial(
                insert_statements,
                table=ballot_alphas,
                columns=("election_id", "alpha", "tracking_hash"),
                rows=[(election_id, alpha, tracking) for alpha, tracking in alphas],
            )
        )

    def held_audit(
        self, conn: Connection, election_id: str, tracking: bytes
    ) -> tuple[bytes, int] | None:
        """(body, time) of a held audit."""
        row = conn.execute(
            select(held_audits.c.body, held_audits.c.time_ms).where(
                held_audits.c.election_id == election_id, held_audits.c.tracking_hash == tracking
            )
        ).first()
        return (bytes(row[0]), int(row[1])) if row is not None else None

    def held_audits_by_prefix(self, election_id: str, prefix: bytes) -> list[tuple[bytes, int]]:
        """(tracking hash, time) of the held audits whose tracking hash starts with ``prefix``."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(held_audits.c.tracking_hash, held_audits.c.time_ms).where(
                    held_audits.c.election_id == election_id,
                    held_audits.c.tracking_hash >= prefix,
                    held_audits.c.tracking_hash < prefix + b"\xff" * (32 - len(prefix)) + b"\xff",
                )
            )
            return [(bytes(t), int(ms)) for t, ms in rows if bytes(t).startswith(prefix)]

    def take_held_audits(self, conn: Connection, election_id: str) -> list[tuple[bytes, bytes]]:
        """(tracking hash, body) of every held audit, in tracking-hash order, removed from
        the held table (the caller appends them to the board in the same transaction)."""
        rows = conn.execute(
            select(held_audits.c.tracking_hash, held_audits.c.body)
            .where(held_audits.c.election_id == election_id)
            .order_by(held_audits.c.tracking_hash)
        ).all()
        conn.execute(delete(held_audits).where(held_audits.c.election_id == election_id))
        conn.execute(
            delete(held_audit_alphas).where(held_audit_alphas.c.election_id == election_id)
        )
        return [(bytes(t), bytes(b)) for t, b in rows]


def _alphas_in(
    conn: Connection, table: Table, election_id: str, alphas: Iterable[bytes]
) -> set[bytes]:
    wanted = list(set(alphas))
    found: set[bytes] = set()
    if conn.dialect.name == "postgresql" and wanted:
        # one array parameter: psycopg re-parses a statement of hundreds of placeholders
        # at every execution
        rows = conn.exec_driver_sql(_any_alpha_sql(conn.dialect, table), (election_id, wanted))
        return {bytes(r[0]) for r in rows}
    for start in range(0, len(wanted), 500):
        rows = conn.execute(
            select(table.c.alpha).where(
                table.c.election_id == election_id,
                table.c.alpha.in_(wanted[start : start + 500]),
            )
        )
        found.update(bytes(r[0]) for r in rows)
    return found


@functools.lru_cache(maxsize=8)
def _any_alpha_sql(dialect: Dialect, table: Table) -> str:
    quote = dialect.identifier_preparer.quote
    return f"SELECT alpha FROM {quote(table.name)} WHERE election_id = %s AND alpha = ANY(%s)"
