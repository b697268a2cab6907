"""The service's private roll: voters (with the credential each one registered), the
contacts several voters may share, and the counts that turnout snapshots publish.

Nothing here is public; the board shows the roll only as counts per unit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import ColumnElement, bindparam, false, func, select, update
from sqlalchemy.engine import Connection

from honestballot.store.bulk import update_many
from honestballot.store.engine import StoreBase
from honestballot.store.schema import (
    contact_exceptions,
    credentials,
    elections,
    encrypted_roll,
    voters,
)

#: voter rows per yielded chunk of an export
_EXPORT_CHUNK = 5000

#: the election's phase and the voter with a national ID, if the roll has one: built once,
#: so that SQLAlchemy only binds it (see :meth:`RollStore.phase_and_voter`)
_PHASE_AND_VOTER = (
    select(elections.c.phase, *voters.c)
    .select_from(
        elections.outerjoin(
            voters,
            (voters.c.election_id == elections.c.election_id)
            & (voters.c.national_id == bindparam("national_id")),
        )
    )
    .where(elections.c.election_id == bindparam("election_id"))
)


class RollStore(StoreBase):
    """Voters and contact exceptions (a part of :class:`~honestballot.store.sql.SqlStore`)."""

    # -- voters ----------------------------------------------------------------------------

    def max_voter_id(self, conn: Connection, election_id: str) -> int:
        """The largest voter id of the election's roll (0 when it is empty)."""
        first = conn.execute(
            select(func.coalesce(func.max(voters.c.voter_id), 0)).where(
                voters.c.election_id == election_id
            )
        ).scalar_one()
        return int(first)

    def insert_voters(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """Rows of ``voters`` (all their columns but ``credential``), one executemany."""
        conn.execute(voters.insert(), rows)

    def roll_identities(
        self, conn: Connection, election_id: str
    ) -> Iterator[tuple[str, str | None, str | None]]:
        """(national ID, phone, e-mail) of every voter on the roll."""
        q = select(voters.c.national_id, voters.c.phone, voters.c.email).where(
            voters.c.election_id == election_id
        )
        for national_id, phone, email in conn.execute(q):
            yield str(national_id), phone, email

    def phase_and_voter(
        self, conn: Connection, election_id: str, national_id: str
    ) -> tuple[str | None, dict[str, Any] | None]:
        """The election's phase (``None``: no such election) and the row of the voter with
        this (normalised) national ID (``None``: not on the roll), with one query: the
        first read of both sign-in steps."""
        params = {"election_id": election_id, "national_id": national_id}
        row = conn.execute(_PHASE_AND_VOTER, params).mappings().first()
        if row is None:
            return None, None
        voter = {c.name: row[c.name] for c in voters.c} if row["voter_id"] is not None else None
        return str(row["phase"]), voter

    def voter_by_id(
        self, election_id: str, voter_id: int, conn: Connection | None = None
    ) -> dict[str, Any] | None:
        """The voter's row; with ``conn``, read in the caller's transaction."""
        return self._one_voter(election_id, voters.c.voter_id == voter_id, conn)

    def voter_by_national_id(
        self, election_id: str, national_id: str, conn: Connection | None = None
    ) -> dict[str, Any] | None:
        """The row of the voter with this (normalised) national ID."""
        return self._one_voter(election_id, voters.c.national_id == national_id, conn)

    def _one_voter(
        self, election_id: str, where: ColumnElement[bool], conn: Connection | None
    ) -> dict[str, Any] | None:
        q = select(voters).where(voters.c.election_id == election_id, where)
        if conn is None:
            with self.single_read() as own:
                row = own.execute(q).mappings().first()
        else:
            row = conn.execute(q).mappings().first()
        return None if row is None else dict(row)

    def voter_rows(self, election_id: str, voter_ids: list[int]) -> list[dict[str, Any]]:
        """The rows of several voters by id, with one query; absent ids are left out."""
        q = select(voters).where(
            voters.c.election_id == election_id, voters.c.voter_id.in_(voter_ids)
        )
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(q).mappings()]

    def voter_credentials(
        self, conn: Connection, election_id: str, voter_ids: list[int]
    ) -> dict[int, bytes | None]:
        """voter id → the credential the voter's row holds (``None``: none yet)."""
        rows = conn.execute(
            select(voters.c.voter_id, voters.c.credential).where(
                voters.c.election_id == election_id, voters.c.voter_id.in_(voter_ids)
            )
        )
        return {int(vid): bytes(cred) if cred is not None else None for vid, cred in rows}

    # -- the encrypted roll (re-voting protection) -------------------------------------------

    def put_encrypted_roll(
        self, conn: Connection, election_id: str, events: list[tuple[str, str]]
    ) -> None:
        """Keep the organiser's encrypted roll, (kind, canonical body) in board order,
        replacing any earlier one."""
        conn.execute(encrypted_roll.delete().where(encrypted_roll.c.election_id == election_id))
        conn.execute(
            encrypted_roll.insert(),
            [
                {"election_id": election_id, "position": i, "kind": kind, "body": body}
                for i, (kind, body) in enumerate(events)
            ],
        )

    def encrypted_roll(self, conn: Connection, election_id: str) -> list[tuple[str, str]]:
        """(kind, canonical body) of the kept encrypted roll, in board order ([] if none)."""
        q = (
            select(encrypted_roll.c.kind, encrypted_roll.c.body)
            .where(encrypted_roll.c.election_id == election_id)
            .order_by(encrypted_roll.c.position)
        )
        return [(str(k), str(b)) for k, b in conn.execute(q)]

    def encrypted_roll_body(self, conn: Connection, election_id: str) -> str | None:
        """The kept encrypted roll's last body (its signed roll body), or None if none is
        kept: what tells whether it is still the roll's, without reading its parts."""
        q = (
            select(encrypted_roll.c.body)
            .where(encrypted_roll.c.election_id == election_id)
            .order_by(encrypted_roll.c.position.desc())
            .limit(1)
        )
        body = conn.execute(q).scalar()
        return None if body is None else str(body)

    def voter_units_by_national_id(
        self, conn: Connection, election_id: str
    ) -> dict[str, tuple[int, str]]:
        """national ID -> (voter id, unit) of every voter on the roll, in one query."""
        q = select(voters.c.national_id, voters.c.voter_id, voters.c.unit).where(
            voters.c.election_id == election_id
        )
        return {str(n): (int(v), str(u)) for n, v, u in conn.execute(q)}

    def set_letter_entries(
        self,
        conn: Connection,
        election_id: str,
        entries: dict[int, tuple[bytes, bytes, str]],
    ) -> None:
        """Each voter's (handle, activation point, reporting unit), by voter id."""
        for i, column in enumerate(("handle", "activation", "reporting_unit")):
            values = {voter: entry[i] for voter, entry in entries.items()}
            update_many(conn, voters, "voter_id", column, election_id, values)

    def count_voters(self, election_id: str) -> int:
        return self._count(voters.c.election_id, election_id)

    def voters_per_unit(self, conn: Connection, election_id: str) -> dict[str, int]:
        """unit → voters on the roll, for the units that have any."""
        q = (
            select(voters.c.unit, func.count())
            .where(voters.c.election_id == election_id)
            .group_by(voters.c.unit)
        )
        return {str(u): int(n) for u, n in conn.execute(q)}

    def roll_for_export(
        self, conn: Connection, election_id: str
    ) -> Iterator[tuple[str, str, str | None, str | None, str]]:
        """(national ID, name, phone, e-mail, unit) of every voter, by voter id, read in
        chunks."""
        q = (
            select(
                voters.c.national_id, voters.c.name, voters.c.phone, voters.c.email, voters.c.unit
            )
            .where(voters.c.election_id == election_id)
            .order_by(voters.c.voter_id)
        )
        yield from conn.execution_options(yield_per=_EXPORT_CHUNK).execute(q)

    def paper_roll(
        self, conn: Connection, election_id: str, unit: str
    ) -> Iterator[tuple[str, bytes | None]]:
        """(national ID, handle) of every voter of ``unit``, by voter id, read in chunks
        (the handle is None before the encrypted roll's upload)."""
        q = (
            select(voters.c.national_id, voters.c.handle)
            .where(voters.c.election_id == election_id, voters.c.unit == unit)
            .order_by(voters.c.voter_id)
        )
        for nid, handle in conn.execution_options(yield_per=_EXPORT_CHUNK).execute(q):
            yield str(nid), None if handle is None else bytes(handle)

    # -- contacts several voters share -----------------------------------------------------

    def set_contact_exception(
        self, conn: Connection, election_id: str, contact: str, reason: str, created_ms: int
    ) -> None:
        """Record (or give a new reason for) an exception for ``contact``."""
        key = (contact_exceptions.c.election_id == election_id) & (
            contact_exceptions.c.contact == contact
        )
        if conn.execute(select(contact_exceptions.c.contact).where(key)).first():
            conn.execute(update(contact_exceptions).where(key).values(reason=reason))
        else:
            conn.execute(
                contact_exceptions.insert().values(
                    election_id=election_id,
                    contact=contact,
                    reason=reason,
                    created_ms=created_ms,
                )
            )

    def contact_exceptions(self, conn: Connection, election_id: str) -> dict[str, str]:
        """contact → reason of every recorded exception, by contact."""
        q = (
            select(contact_exceptions.c.contact, contact_exceptions.c.reason)
            .where(contact_exceptions.c.election_id == election_id)
            .order_by(contact_exceptions.c.contact)
        )
        return {str(c): str(r) for c, r in conn.execute(q)}

    def count_contact_exceptions(self, election_id: str) -> int:
        return self._count(contact_exceptions.c.election_id, election_id)

    def _count(self, column: Any, election_id: str) -> int:
        q = select(func.count()).where(column == election_id)
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    # -- turnout ---------------------------------------------------------------------------

    def turnout_counts(
        self, election_id: str
    ) -> tuple[str, list[tuple[str, int]], list[tuple[str, int, int]]]:
        """The election's phase; (unit, voters on the roll); (unit, active credentials,
        those of them with a ballot on the board), read with one connection."""
        with self.engine.connect() as conn:
            phase = conn.execute(
                select(elections.c.phase).where(elections.c.election_id == election_id)
            ).scalar_one()
            on_roll = conn.execute(
                select(voters.c.unit, func.count())
                .where(voters.c.election_id == election_id)
                .group_by(voters.c.unit)
            ).all()
            registered = conn.execute(
                select(credentials.c.unit, func.count(), func.count(credentials.c.latest_tracking))
                .where(credentials.c.election_id == election_id, credentials.c.revoked == false())
                .group_by(credentials.c.unit)
            ).all()
        return (
            str(phase),
            [(str(u), int(n)) for u, n in on_roll],
            [(str(u), int(n), int(v)) for u, n, v in registered],
        )
