"""The operator's activity log: sign-in steps and casts, with the signals (address,
device, user agent) that the audit reads; with re-voting protection, each voter's first
ballot only (:func:`log_first_ballot`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import cast, literal, select
from sqlalchemy.engine import Connection

from honestballot.store.engine import StoreBase
from honestballot.store.schema import activity, voters

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


def log_first_ballot(conn: Connection, voter_id: int, row: dict[str, Any]) -> None:
    """Add a ``ballot-cast`` row for the voter ``voter_id`` (the voter's national ID from
    the roll) unless the election's log holds one of the voter's already, inside the
    caller's transaction: one statement, the same whatever the log holds, that takes no
    lock and waits for no other transaction (the lookup reads committed rows only, by
    the index ``activity_election_voter``).  ``row`` is the row's other columns
    (``election_id``, ``time_ms``, ``address``, ``device``, ``user_agent``,
    ``session``).  Two casts of one voter in flight at once on PostgreSQL both find
    none and both insert; the export keeps the voter's first (docs/coercion.md §9)."""
    election_id = row["election_id"]
    logged = (
        select(activity.c.activity_id)
        .where(
            activity.c.election_id == election_id,
            activity.c.voter == voters.c.national_id,
            activity.c.event == "ballot-cast",
        )
        .exists()
    )
    given = ("election_id", "time_ms", "address", "device", "user_agent", "session")
    values = [cast(literal(row[c]), activity.c[c].type).label(c) for c in given]
    first = select(
        *values, cast(literal("ballot-cast"), activity.c.event.type).label("event"),
        voters.c.national_id.label("voter"),
    ).where(
        voters.c.election_id == election_id, voters.c.voter_id == voter_id, ~logged
    )  # fmt: skip
    conn.execute(activity.insert().from_select([*given, "event", "voter"], first))


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
