"""The public board: elections, their events in order, and the signed tree heads.

Rows of ``events`` are inserted, never updated or deleted; ``elections.next_seq``
keeps the next sequence number, written under the election's lock (see
:meth:`~honestballot.store.engine.StoreBase.transaction`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import IntegrityError

from honestballot.store.bulk import PARAM, RowBuffer, Statement, insert_statements
from honestballot.store.engine import LOCKED, StoreBase, hold_exclusive, require_exclusive
from honestballot.store.schema import cosignatures, elections, events, station_details, tree_heads


@dataclass(frozen=True, slots=True)
class StoredEvent:
    seq: int
    kind: str
    time_ms: int
    line: bytes
    leaf_hash: bytes
    tracking_hash: bytes | None


#: an election's phase: built once, then only bound (every ballot page asks it)
_PHASE = select(elections.c.phase).where(elections.c.election_id == bindparam("election_id"))


class BoardStore(StoreBase):
    """Elections, events and tree heads (a part of :class:`~honestballot.store.sql.SqlStore`)."""

    # -- elections -------------------------------------------------------------------------

    def insert_election(
        self,
        conn: Connection,
        election_id: str,
        manifest: str,
        context: str,
        board_secret: str,
        verifier_secret: str,
    ) -> None:
        """``board_secret`` signs the tree heads; ``verifier_secret`` is ``w`` of the
        designated-verifier key ``W`` (docs/coercion.md §7).  Both stay in this row only:
        never on the board, never logged.  The transaction then holds the election
        exclusively (:func:`~honestballot.store.engine.hold_exclusive`): it may append
        the setup."""
        hold_exclusive(conn, election_id)
        conn.execute(
            elections.insert().values(
                election_id=election_id,
                phase="setup",
                manifest=manifest,
                context=context,
                board_secret=board_secret,
                verifier_secret=verifier_secret,
                next_seq=0,
            )
        )

    def election_row(self, conn: Connection, election_id: str) -> dict[str, Any] | None:
        """The election's row; inside :meth:`transaction` for that election, as its lock
        read it, until :meth:`set_phase` or :meth:`set_next_seq` changes it."""
        locked = conn.info.get(LOCKED)
        if locked is not None and locked[0] == election_id:
            return dict(locked[1]) if locked[1] is not None else None
        row = (
            conn.execute(select(elections).where(elections.c.election_id == election_id))
            .mappings()
            .first()
        )
        return dict(row) if row is not None else None

    def set_phase(self, conn: Connection, election_id: str, phase: str) -> None:
        require_exclusive(conn, election_id)
        conn.info.pop(LOCKED, None)
        conn.execute(
            update(elections).where(elections.c.election_id == election_id).values(phase=phase)
        )

    def election_exists(self, conn: Connection, election_id: str) -> bool:
        """Whether the election exists (one look-up of its key, no lock)."""
        known = conn.execute(
            select(elections.c.election_id).where(elections.c.election_id == election_id)
        ).first()
        return known is not None

    def election_phase(self, conn: Connection, election_id: str) -> str | None:
        """The election's phase, ``None`` if there is no such election."""
        phase = conn.execute(_PHASE, {"election_id": election_id}).scalar()
        return None if phase is None else str(phase)

    def election_manifest(self, conn: Connection, election_id: str) -> str:
        """The manifest's JSON text of an election that exists."""
        return str(
            conn.execute(
                select(elections.c.manifest).where(elections.c.election_id == election_id)
            ).scalar_one()
        )

    def list_elections(self) -> list[str]:
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(select(elections.c.election_id))]

    # -- events ----------------------------------------------------------------------------

    def append_event(
        self,
        conn: Connection,
        election_id: str,
        seq: int,
        kind: str,
        time_ms: int,
        line: bytes,
        leaf_hash: bytes,
        tracking_hash: bytes | None = None,
        *,
        advance: bool = True,
    ) -> None:
        """Insert event ``seq``; ``advance=False`` leaves ``next_seq`` to the caller (a batch
        writes it once with :meth:`set_next_seq`)."""
        require_exclusive(conn, election_id)
        conn.execute(
            events.insert().values(
                election_id=election_id,
                seq=seq,
                kind=kind,
                time_ms=time_ms,
                line=line,
                leaf_hash=leaf_hash,
                tracking_hash=tracking_hash,
            )
        )
        if advance:
            self.set_next_seq(conn, election_id, seq + 1, time_ms)

    def plan_events(
        self,
        rows: RowBuffer,
        election_id: str,
        planned: list[tuple[int, str, int, bytes, bytes, bytes | None]],
    ) -> None:
        """Add to a batch's writes the insert of several events: (seq, kind, time_ms, line,
        leaf hash, tracking hash) each; ``next_seq`` is :meth:`write_batch`'s."""
        rows.write(
            functools.partial(
                insert_statements,
                table=events,
                columns=_EVENT_COLUMNS,
                rows=[(election_id, *row) for row in planned],
            )
        )

    def write_batch(
        self,
        conn: Connection,
        election_id: str,
        rows: RowBuffer,
        next_seq: int,
        last_time_ms: int,
    ) -> None:
        """Send a batch's writes with the update of the election's next sequence number
        and last event time: one statement on PostgreSQL (see :class:`RowBuffer`)."""
        require_exclusive(conn, election_id)
        conn.info.pop(LOCKED, None)
        args = (next_seq, last_time_ms, election_id)
        rows.write(functools.partial(_next_seq_statements, args=args))
        rows.flush(conn)

    def set_next_seq(
        self, conn: Connection, election_id: str, next_seq: int, last_time_ms: int
    ) -> None:
        """The next event's number, and the time of the last event appended."""
        require_exclusive(conn, election_id)
        conn.info.pop(LOCKED, None)
        conn.execute(
            update(elections)
            .where(elections.c.election_id == election_id)
            .values(next_seq=next_seq, last_time_ms=last_time_ms)
        )

    def events_by_trackings(
        self, conn: Connection, election_id: str, trackings: Iterable[bytes]
    ) -> dict[bytes, StoredEvent]:
        wanted = list(set(trackings))
        if not wanted:
            return {}
        rows = conn.execute(
            select(events).where(
                events.c.election_id == election_id,
                events.c.tracking_hash.in_(wanted),
                events.c.kind.in_(_TRACKED),
            )
        ).mappings()
        return {bytes(r["tracking_hash"]): _stored(r) for r in rows}

    def event_at(self, conn: Connection, election_id: str, seq: int) -> StoredEvent | None:
        row = (
            conn.execute(
                select(events).where(events.c.election_id == election_id, events.c.seq == seq)
            )
            .mappings()
            .first()
        )
        return _stored(row) if row is not None else None

    def next_position(self, conn: Connection, election_id: str) -> tuple[int, int]:
        """The next event's number and the time of the last event."""
        row = conn.execute(
            select(elections.c.next_seq, elections.c.last_time_ms).where(
                elections.c.election_id == election_id
            )
        ).one()
        return int(row[0]), int(row[1])

    def event_by_tracking(
        self, conn: Connection, election_id: str, tracking_hash: bytes
    ) -> StoredEvent | None:
        row = (
            conn.execute(
                select(events).where(
                    events.c.election_id == election_id,
                    events.c.tracking_hash == tracking_hash,
                    events.c.kind.in_(_TRACKED),
                )
            )
            .mappings()
            .first()
        )
        return _stored(row) if row is not None else None

    def has_part(self, conn: Connection, election_id: str, kind: str, digest: bytes) -> bool:
        """Whether a part (``mix-part`` or ``share-part``: ``kind``) with this digest is on
        the board (a part's digest is kept in the ``tracking_hash`` column, whose index
        keeps it unique)."""
        row = conn.execute(
            select(events.c.seq).where(
                events.c.election_id == election_id,
                events.c.tracking_hash == digest,
                events.c.kind == kind,
            )
        ).first()
        return row is not None

    def has_event(self, conn: Connection, election_id: str, kinds: tuple[str, ...]) -> bool:
        """Whether an event of one of ``kinds`` is on the board."""
        row = conn.execute(
            select(events.c.seq)
            .where(events.c.election_id == election_id, events.c.kind.in_(kinds))
            .limit(1)
        ).first()
        return row is not None

    def put_station_details(
        self, conn: Connection, election_id: str, unit: str, details: str
    ) -> None:
        """Store a unit's station details (canonical JSON), replacing the earlier ones."""
        conn.execute(
            station_details.delete().where(
                station_details.c.election_id == election_id, station_details.c.unit == unit
            )
        )
        conn.execute(
            station_details.insert().values(election_id=election_id, unit=unit, details=details)
        )

    def station_details(self, election_id: str) -> dict[str, str]:
        """unit -> its station's details (canonical JSON), for the units that have one."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(station_details.c.unit, station_details.c.details).where(
                    station_details.c.election_id == election_id
                )
            )
            return {str(unit): str(details) for unit, details in rows}

    def parts_by_digest(
        self, election_id: str, kind: str, digests: Iterable[bytes]
    ) -> dict[bytes, StoredEvent]:
        """The part events (``mix-part`` or ``share-part``: ``kind``) with these digests
        (those on the board)."""
        wanted = list(set(digests))
        found: dict[bytes, StoredEvent] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                rows = conn.execute(
                    select(events).where(
                        events.c.election_id == election_id,
                        events.c.tracking_hash.in_(wanted[start : start + 500]),
                        events.c.kind == kind,
                    )
                ).mappings()
                found.update((bytes(r["tracking_hash"]), _stored(r)) for r in rows)
        return found

    def part_digests(
        self, election_id: str, kind: str, conn: Connection | None = None
    ) -> list[bytes]:
        """The digests of every part event of ``kind`` on the board, in the board's order
        (their lines are not read)."""
        query = (
            select(events.c.tracking_hash)
            .where(events.c.election_id == election_id, events.c.kind == kind)
            .order_by(events.c.seq)
        )
        if conn is not None:
            return [bytes(d) for (d,) in conn.execute(query)]
        with self.engine.connect() as own:
            return [bytes(d) for (d,) in own.execute(query)]

    def events_by_tracking_prefix(
        self, election_id: str, prefix: bytes, kinds: tuple[str, ...] = ()
    ) -> list[StoredEvent]:
        """The ballots, audits and cast rows (and the events of ``kinds``) whose tracking
        hash starts with ``prefix``."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(events).where(
                    events.c.election_id == election_id,
                    events.c.tracking_hash >= prefix,
                    events.c.tracking_hash < prefix + b"\xff" * (32 - len(prefix)) + b"\xff",
                    events.c.kind.in_(_TRACKED + kinds),
                )
            ).mappings()
            return [_stored(r) for r in rows if bytes(r["tracking_hash"]).startswith(prefix)]

    def events_after(
        self, election_id: str, after_seq: int, limit: int, kinds: tuple[str, ...]
    ) -> list[StoredEvent]:
        """Up to ``limit`` events of these kinds after position ``after_seq``, in order (a
        page of the board: the primary key's range, not a scan)."""
        q = (
            select(events)
            .where(
                events.c.election_id == election_id,
                events.c.seq > after_seq,
                events.c.kind.in_(kinds),
            )
            .order_by(events.c.seq)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_stored(r) for r in conn.execute(q).mappings()]

    def iter_events(
        self, election_id: str, *, kinds: tuple[str, ...] = (), conn: Connection | None = None
    ) -> Iterator[StoredEvent]:
        """Events in order; pass ``conn`` to read inside an open transaction."""
        q = select(events).where(events.c.election_id == election_id)
        if kinds:
            q = q.where(events.c.kind.in_(kinds))
        q = q.order_by(events.c.seq)
        if conn is not None:
            for row in conn.execute(q).mappings():
                yield _stored(row)
            return
        with self.engine.connect() as own:
            for row in own.execution_options(yield_per=2000).execute(q).mappings():
                yield _stored(row)

    def event_lines(
        self, election_id: str, first: int, last: int, max_bytes: int
    ) -> list[tuple[int, bytes]]:
        """The lines of events ``first`` to ``last`` in order (the primary key's range),
        stopping before the line that would pass ``max_bytes`` in all (the first always
        given)."""
        q = (
            select(events.c.seq, events.c.line)
            .where(
                events.c.election_id == election_id,
                events.c.seq >= first,
                events.c.seq <= last,
            )
            .order_by(events.c.seq)
        )
        out: list[tuple[int, bytes]] = []
        total = 0
        with self.engine.connect() as conn:
            for seq, line in conn.execution_options(yield_per=100).execute(q):
                total += len(line)
                if out and total > max_bytes:
                    break
                out.append((int(seq), bytes(line)))
        return out

    def leaf_hashes(self, election_id: str, start: int = 0) -> list[bytes]:
        """Leaf hashes of entries ``start``, ``start + 1``, … in order."""
        with self.engine.connect() as conn:
            q = (
                select(events.c.leaf_hash)
                .where(events.c.election_id == election_id, events.c.seq >= start)
                .order_by(events.c.seq)
            )
            return [bytes(r[0]) for r in conn.execute(q)]

    def roll_event_line(self, conn: Connection, election_id: str) -> bytes | None:
        """The board's ``roll`` event, if one was posted (at open)."""
        q = select(events.c.line).where(
            events.c.election_id == election_id, events.c.kind == "roll"
        )
        found = conn.execute(q).scalar()
        return bytes(found) if found is not None else None

    # -- tree heads ------------------------------------------------------------------------

    def insert_tree_head(self, conn: Connection, election_id: str, size: int, line: str) -> None:
        require_exclusive(conn, election_id)
        conn.execute(tree_heads.insert().values(election_id=election_id, size=size, line=line))

    def latest_tree_head_line(self, election_id: str) -> tuple[int, str] | None:
        with self.engine.connect() as conn:
            return self.latest_tree_head_line_in(conn, election_id)

    def latest_tree_head_line_in(
        self, conn: Connection, election_id: str
    ) -> tuple[int, str] | None:
        q = (
            select(tree_heads.c.size, tree_heads.c.line)
            .where(tree_heads.c.election_id == election_id)
            .order_by(tree_heads.c.size.desc())
            .limit(1)
        )
        row = conn.execute(q).first()
        return (int(row[0]), str(row[1])) if row is not None else None

    def tree_head_line(self, election_id: str, size: int) -> str | None:
        with self.engine.connect() as conn:
            return self.tree_head_line_in(conn, election_id, size)

    def tree_head_line_in(self, conn: Connection, election_id: str, size: int) -> str | None:
        q = select(tree_heads.c.line).where(
            tree_heads.c.election_id == election_id, tree_heads.c.size == size
        )
        value = conn.execute(q).scalar()
        return str(value) if value is not None else None

    def tree_head_lines(self, election_id: str) -> list[tuple[int, str]]:
        with self.engine.connect() as conn:
            q = (
                select(tree_heads.c.size, tree_heads.c.line)
                .where(tree_heads.c.election_id == election_id)
                .order_by(tree_heads.c.size)
            )
            return [(int(s), str(line)) for s, line in conn.execute(q)]

    def times_around(
        self, conn: Connection, election_id: str, size: int, exempt: Iterable[str]
    ) -> tuple[int | None, int | None, str | None]:
        """What the time rule reads of the board around its head of ``size``, in the
        caller's transaction (under the election's lock, so no append races it): the latest
        time of an event at seq < ``size``, the earliest of one at seq >= ``size`` whose
        kind is not in ``exempt``, and the line of the smallest head larger than ``size``
        (None where there is none)."""
        of = events.c.election_id == election_id
        before = conn.execute(select(func.max(events.c.time_ms)).where(of, events.c.seq < size))
        after = conn.execute(
            select(func.min(events.c.time_ms)).where(
                of, events.c.seq >= size, events.c.kind.not_in(list(exempt))
            )
        )
        head = conn.execute(
            select(tree_heads.c.line)
            .where(tree_heads.c.election_id == election_id, tree_heads.c.size > size)
            .order_by(tree_heads.c.size)
            .limit(1)
        )
        latest, earliest, line = before.scalar(), after.scalar(), head.scalar()
        return (
            int(latest) if latest is not None else None,
            int(earliest) if earliest is not None else None,
            str(line) if line is not None else None,
        )

    # -- witnesses' co-signatures --------------------------------------------------------

    def has_cosignature(
        self, conn: Connection, election_id: str, size: int, witness: bytes
    ) -> bool:
        """Whether this witness's co-signature of this size is stored."""
        q = select(cosignatures.c.size).where(
            cosignatures.c.election_id == election_id,
            cosignatures.c.size == size,
            cosignatures.c.witness == witness,
        )
        return conn.execute(q).first() is not None

    def insert_cosignature(
        self, conn: Connection, election_id: str, size: int, witness: bytes, line: str
    ) -> bool:
        """Store a co-signature in the caller's transaction; False if this witness already
        co-signed this size."""
        require_exclusive(conn, election_id)
        if self.has_cosignature(conn, election_id, size, witness):
            return False
        try:
            with conn.begin_nested():
                conn.execute(
                    cosignatures.insert().values(
                        election_id=election_id, size=size, witness=witness, line=line
                    )
                )
        except IntegrityError:  # the same co-signature posted twice at once
            return False
        return True

    def cosignature_lines(self, election_id: str, size: int | None = None) -> list[tuple[int, str]]:
        """(size, line) of every co-signature, or of one head's, by size then witness."""
        q = select(cosignatures.c.size, cosignatures.c.line).where(
            cosignatures.c.election_id == election_id
        )
        if size is not None:
            q = q.where(cosignatures.c.size == size)
        q = q.order_by(cosignatures.c.size, cosignatures.c.witness)
        with self.engine.connect() as conn:
            return [(int(s), str(line)) for s, line in conn.execute(q)]

    def witnessed_size(self, election_id: str, quorum: int) -> int | None:
        """The largest head size co-signed by at least ``quorum`` witnesses."""
        q = (
            select(cosignatures.c.size)
            .where(cosignatures.c.election_id == election_id)
            .group_by(cosignatures.c.size)
            .having(func.count() >= quorum)
            .order_by(cosignatures.c.size.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            value = conn.execute(q).scalar()
        return int(value) if value is not None else None


_EVENT_COLUMNS: Final = (
    "election_id",
    "seq",
    "kind",
    "time_ms",
    "line",
    "leaf_hash",
    "tracking_hash",
)


def _next_seq_statements(dialect: Dialect, args: tuple[int, int, str]) -> list[Statement]:
    mark = PARAM[dialect.paramstyle]
    sql = (
        f"UPDATE elections SET next_seq = {mark}, last_time_ms = {mark} WHERE election_id = {mark}"
    )
    return [(sql, args)]


#: the events whose ``tracking_hash`` is a ballot's tracking hash: the lookups by hash
#: look at these only (a ``mix-part``'s is its digest; a ``registration``'s is the
#: registration's tracking hash, which the board search asks for besides these:
#: ``events_by_tracking_prefix``'s ``kinds``)
_TRACKED: Final = ("ballot", "audit", "cast-row")


def _stored(row: Any) -> StoredEvent:
    th = row["tracking_hash"]
    return StoredEvent(
        seq=int(row["seq"]),
        kind=str(row["kind"]),
        time_ms=int(row["time_ms"]),
        line=bytes(row["line"]),
        leaf_hash=bytes(row["leaf_hash"]),
        tracking_hash=bytes(th) if th is not None else None,
    )
