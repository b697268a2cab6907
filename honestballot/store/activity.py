"""The operator's activity log: sign-in steps and casts, with the signals (address,
device, user agent) that the audit reads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from honestballot.store.engine import StoreBase
from honestballot.store.schema import activity

#: the longest text each column of the log takes (longer values are cut by the service)
ACTIVITY_LENGTHS: dict[str, int] = {
    column.name: int(length)
    for column in activity.columns
    if (length := getattr(column.type, "length", None))
}

#: log rows per yielded chunk of an export
_EXPORT_CHUNK = 5000


def record_activity(conn: Connection, row: dict[str, Any]) -> None:
    """Add one row to the log inside the caller's transaction."""
    # the values as parameters of the one INSERT, not built into a statement of their own
    # (SQLAlchemy then compiles it once per set of columns)
    conn.execute(activity.insert(), row)


class ActivityStore(StoreBase):
    """The activity log (a part of :class:`~honestballot.store.sql.SqlStore`)."""

    def activity_for_export(
        self, conn: Connection, election_id: str
    ) -> Iterator[tuple[int, str, str, str, str, str, str | None, str | None]]:
        """(time, event, voter, address, device, user agent, contact, session) of each row
        of the election's log, by time, read in chunks."""
        q = (
            select(
                activity.c.time_ms,
                activity.c.event,
                activity.c.voter,
                activity.c.address,
                activity.c.device,
                activity.c.user_agent,
                activity.c.contact,
                activity.c.session,
            )
            .where(activity.c.election_id == election_id)
            .order_by(activity.c.time_ms, activity.c.activity_id)
        )
        yield from conn.execution_options(yield_per=_EXPORT_CHUNK).execute(q)
