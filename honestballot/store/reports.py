"""Anonymous reports of irregularities: kept private until an organiser publishes an
edited text (or rejects the report, keeping the reason)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from honestballot.store.engine import StoreBase
from honestballot.store.schema import reports


class ReportStore(StoreBase):
    """Reports (a part of :class:`~honestballot.store.sql.SqlStore`)."""

    def insert_report(self, conn: Connection, row: dict[str, Any]) -> int:
        """Insert a row of ``reports`` in the caller's transaction; its number."""
        result = conn.execute(reports.insert().values(**row))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def pending_reports(
        self, election_id: str
    ) -> list[tuple[int, str, str, str, str, int, str | None, int]]:
        """(number, election, what, where, when, created, attachment type, attachment
        size) of each report awaiting a decision, oldest first."""
        q = (
            select(
                reports.c.report_id,
                reports.c.election_id,
                reports.c.what,
                reports.c.place,
                reports.c.happened,
                reports.c.created_ms,
                reports.c.attachment_type,
                func.coalesce(func.length(reports.c.attachment), 0),
            )
            .where(reports.c.election_id == election_id, reports.c.status == "pending")
            .order_by(reports.c.report_id)
        )
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(q)]

    def lock_report(
        self, conn: Connection, election_id: str, report_id: int
    ) -> dict[str, Any] | None:
        """The report's status and attachment type, its row locked until the caller's
        transaction ends (FOR UPDATE on PostgreSQL; SQLite's write transaction already
        serialises)."""
        row = (
            conn.execute(
                select(reports.c.status, reports.c.attachment_type)
                .where(reports.c.election_id == election_id, reports.c.report_id == report_id)
                .with_for_update()
            )
            .mappings()
            .first()
        )
        return None if row is None else dict(row)

    def decide_report(self, conn: Connection, report_id: int, **values: Any) -> None:
        """Set the decision's columns (status, published text, …) of a report."""
        conn.execute(update(reports).where(reports.c.report_id == report_id).values(**values))

    def published_reports(self, election_id: str) -> list[tuple[int, str, int, bool]]:
        """(number, published text, when, attachment public) of each published report,
        oldest first."""
        q = (
            select(
                reports.c.report_id,
                reports.c.published_text,
                reports.c.published_ms,
                reports.c.attachment_public,
            )
            .where(reports.c.election_id == election_id, reports.c.status == "published")
            .order_by(reports.c.report_id)
        )
        with self.engine.connect() as conn:
            return [(int(r[0]), str(r[1]), int(r[2]), bool(r[3])) for r in conn.execute(q)]

    def report_counts(self, election_id: str) -> dict[str, int]:
        """status → number of the election's reports with it (statuses with any)."""
        q = (
            select(reports.c.status, func.count())
            .where(reports.c.election_id == election_id)
            .group_by(reports.c.status)
        )
        with self.engine.connect() as conn:
            return {str(status): int(n) for status, n in conn.execute(q)}

    def report_attachment(
        self, election_id: str, report_id: int
    ) -> tuple[bytes | None, str | None, str, bool] | None:
        """(attachment, its type, status, attachment public) of a report."""
        q = select(
            reports.c.attachment,
            reports.c.attachment_type,
            reports.c.status,
            reports.c.attachment_public,
        ).where(reports.c.election_id == election_id, reports.c.report_id == report_id)
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        if row is None:
            return None
        return row[0], row[1], str(row[2]), bool(row[3])
