"""The notice outbox: messages to voters' phones and e-mail, queued in the transaction
that causes them and delivered at least once by whoever claims them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.engine import Connection

from honestballot.store.engine import StoreBase
from honestballot.store.schema import notices

#: ``claimed_until_ms`` of a notice not scheduled yet (``service.messages.notices``)
UNSCHEDULED: Final = -1

#: (notice id, channel, destination, subject, body, attempts) of a claimed notice
ClaimedRow = tuple[int, str, str, str, str, int]


def insert_notice(conn: Connection, row: dict[str, Any]) -> int:
    """Insert a row of ``notices`` in the caller's transaction; its id."""
    key = conn.execute(notices.insert().values(**row)).inserted_primary_key
    assert key is not None
    return int(key[0])


class NoticeStore(StoreBase):
    """The notice outbox (a part of :class:`~honestballot.store.sql.SqlStore`)."""

    def count_unsent_notices(self, election_id: str, min_attempts: int | None = None) -> int:
        """Notices of ``election_id`` not sent yet (with ``min_attempts``, those of them
        tried that many times or more)."""
        with self.engine.connect() as conn:
            q = select(func.count()).where(
                notices.c.election_id == election_id, notices.c.sent_ms.is_(None)
            )
            if min_attempts is not None:
                q = q.where(notices.c.attempts >= min_attempts)
            return int(conn.execute(q).scalar_one())

    def claim_notices(
        self,
        batch: int,
        claim: int,
        due: int,
        max_attempts: int,
        release: Callable[[int], int],
        schedule_limit: int = 5_000,
    ) -> list[ClaimedRow]:
        """In one transaction: give up to ``schedule_limit`` unscheduled notices (oldest
        first) their release time, ``release(created_ms)``; then claim up to ``batch``
        unsent, scheduled notices released (or whose claims lapsed) before ``due``, in
        order of release, marking them held until ``claim``.  On PostgreSQL rows another
        deliverer is scheduling or claiming are skipped."""
        unscheduled = (
            select(notices.c.notice_id, notices.c.created_ms)
            .where(notices.c.sent_ms.is_(None), notices.c.claimed_until_ms == UNSCHEDULED)
            .order_by(notices.c.notice_id)
            .limit(schedule_limit)
        )
        q = (
            select(
                notices.c.notice_id,
                notices.c.channel,
                notices.c.destination,
                notices.c.subject,
                notices.c.body,
                notices.c.attempts,
            )
            .where(
                notices.c.sent_ms.is_(None),
                notices.c.claimed_until_ms >= 0,
                notices.c.claimed_until_ms < due,
                notices.c.attempts < max_attempts,
            )
            .order_by(notices.c.claimed_until_ms, notices.c.notice_id)
            .limit(batch)
        )
        if not self.is_sqlite:
            unscheduled = unscheduled.with_for_update(skip_locked=True)
            q = q.with_for_update(skip_locked=True)
        with self.transaction() as conn:
            new = [(int(n), int(created)) for n, created in conn.execute(unscheduled)]
            if new:
                conn.execute(
                    update(notices)
                    .where(
                        notices.c.notice_id == bindparam("b_notice_id"),
                        notices.c.claimed_until_ms == UNSCHEDULED,
                    )
                    .values(claimed_until_ms=bindparam("b_at")),
                    [{"b_notice_id": n, "b_at": release(created)} for n, created in new],
                )
            rows: list[ClaimedRow] = [tuple(row) for row in conn.execute(q)]
            if rows:
                conn.execute(
                    update(notices)
                    .where(notices.c.notice_id.in_([r[0] for r in rows]))
                    .values(claimed_until_ms=claim)
                )
        return rows

    def record_notice_outcomes(
        self,
        claim: int,
        sent: list[tuple[int, int]],
        failed: list[tuple[int, int]],
        untried: list[int],
    ) -> None:
        """Write a round's outcomes in one transaction of at most three statements.

        ``sent`` (notice id, time) get their ``sent_ms``; ``failed`` (notice id, retry
        time) get ``attempts + 1`` and their retry time in ``claimed_until_ms``;
        ``untried`` are released (``claimed_until_ms = 0``).  Each row is touched only
        while it still carries ``claim`` and is unsent."""
        guard = (notices.c.claimed_until_ms == claim, notices.c.sent_ms.is_(None))
        mine = update(notices).where(notices.c.notice_id == bindparam("b_notice_id"), *guard)
        with self.transaction() as conn:
            if sent:
                conn.execute(
                    mine.values(sent_ms=bindparam("b_at")),
                    [{"b_notice_id": n, "b_at": at} for n, at in sent],
                )
            if failed:
                conn.execute(
                    mine.values(
                        attempts=notices.c.attempts + 1, claimed_until_ms=bindparam("b_at")
                    ),
                    [{"b_notice_id": n, "b_at": at} for n, at in failed],
                )
            if untried:
                conn.execute(
                    update(notices)
                    .where(notices.c.notice_id.in_(untried), *guard)
                    .values(claimed_until_ms=0)
                )
