"""Persistence of elections and their boards in SQL (SQLite by default, PostgreSQL).

The board is append-only: rows of ``events`` are inserted, never updated or
deleted.  Every append happens inside one transaction that first locks the
election's row (``BEGIN IMMEDIATE`` on SQLite, ``SELECT ... FOR UPDATE`` on
PostgreSQL), so sequence numbers are dense and two casts never interleave.  A
transaction commits before the caller hands a receipt to a voter; SQLite runs
with ``synchronous=FULL`` so a committed ballot survives a crash.
"""

from __future__ import annotations

import functools
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Engine,
    String,
    Table,
    create_engine,
    delete,
    event,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Dialect, ExceptionContext

from honestballot.store.migrate import upgrade
from honestballot.store.schema import (
    ballot_alphas,
    credentials,
    elections,
    events,
    held_audit_alphas,
    held_audits,
    tree_heads,
    unit_credentials,
)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    seq: int
    kind: str
    time_ms: int
    line: bytes
    leaf_hash: bytes
    tracking_hash: bytes | None


def default_url(path: str = "honestballot.sqlite") -> str:
    return f"sqlite:///{path}"


def engine_url(url: str) -> str:
    """``postgresql://`` means the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class SqlStore:
    """All reads and writes of election state go through this class."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = engine_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        # hide_parameters: a database error's text (in a log, a traceback) must never
        # carry a statement's values: voters' names, national IDs, contacts, secrets.
        if self.is_sqlite:
            self.engine: Engine = create_engine(
                self.url, connect_args={"timeout": 60}, hide_parameters=True
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        else:
            # No pre-ping: it costs a round trip on every checkout (several per cast).
            # A connection broken by a database restart fails its request once and is
            # dropped from the pool; casting is idempotent, so the client's retry is safe.
            # The pool is as large as a worker's thread pool, so connections are reused
            # rather than opened and closed under load.
            self.engine = create_engine(
                self.url,
                pool_size=pool_size,
                max_overflow=10,
                pool_recycle=3600,
                hide_parameters=True,
            )
            event.listen(self.engine, "handle_error", _without_pg_detail)
        upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self, election_id: str | None = None) -> Iterator[Connection]:
        """A write transaction; with ``election_id``, the election's row is locked first."""
        with self.engine.connect() as conn, conn.execution_options(write=True).begin():
            if election_id is not None and not self.is_sqlite:
                # the lock's read is kept: election_row() in this transaction needs no query
                row = (
                    conn.execute(
                        select(elections)
                        .where(elections.c.election_id == election_id)
                        .with_for_update()
                    )
                    .mappings()
                    .first()
                )
                conn.info[_LOCKED] = (election_id, dict(row) if row is not None else None)
            try:
                yield conn
            finally:
                if not conn.invalidated:  # a lost connection's info would raise, hiding why
                    conn.info.pop(_LOCKED, None)

    # -- elections -------------------------------------------------------------------------

    def insert_election(
        self, conn: Connection, election_id: str, manifest: str, context: str, board_secret: str
    ) -> None:
        conn.execute(
            elections.insert().values(
                election_id=election_id,
                phase="setup",
                manifest=manifest,
                context=context,
                board_secret=board_secret,
                next_seq=0,
            )
        )

    def election_row(self, conn: Connection, election_id: str) -> dict[str, Any] | None:
        """The election's row; inside :meth:`transaction` for that election, as its lock
        read it, until :meth:`set_phase` or :meth:`set_next_seq` changes it."""
        locked = conn.info.get(_LOCKED)
        if locked is not None and locked[0] == election_id:
            return dict(locked[1]) if locked[1] is not None else None
        row = (
            conn.execute(select(elections).where(elections.c.election_id == election_id))
            .mappings()
            .first()
        )
        return dict(row) if row is not None else None

    def set_phase(self, conn: Connection, election_id: str, phase: str) -> None:
        conn.info.pop(_LOCKED, None)
        conn.execute(
            update(elections).where(elections.c.election_id == election_id).values(phase=phase)
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

    def append_events(
        self,
        conn: Connection,
        election_id: str,
        rows: list[tuple[int, str, int, bytes, bytes, bytes | None]],
    ) -> None:
        """Insert several events in one statement: (seq, kind, time_ms, line, leaf hash,
        tracking hash) each; ``next_seq`` is left to the caller."""
        insert_rows(
            conn,
            events,
            ("election_id", "seq", "kind", "time_ms", "line", "leaf_hash", "tracking_hash"),
            [(election_id, *row) for row in rows],
        )

    def set_next_seq(
        self, conn: Connection, election_id: str, next_seq: int, last_time_ms: int
    ) -> None:
        """The next event's number, and the time of the last event appended."""
        conn.info.pop(_LOCKED, None)
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
                events.c.election_id == election_id, events.c.tracking_hash.in_(wanted)
            )
        ).mappings()
        return {bytes(r["tracking_hash"]): _stored(r) for r in rows}

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

    def insert_ballot_alphas(
        self, conn: Connection, election_id: str, rows: list[tuple[bytes, bytes]]
    ) -> None:
        """(alpha, tracking hash) of ballots cast."""
        insert_rows(
            conn,
            ballot_alphas,
            ("election_id", "alpha", "tracking_hash"),
            [(election_id, alpha, tracking) for alpha, tracking in rows],
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
                    events.c.election_id == election_id, events.c.tracking_hash == tracking_hash
                )
            )
            .mappings()
            .first()
        )
        return _stored(row) if row is not None else None

    def events_by_tracking_prefix(self, election_id: str, prefix: bytes) -> list[StoredEvent]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(events).where(
                    events.c.election_id == election_id,
                    events.c.tracking_hash >= prefix,
                    events.c.tracking_hash < prefix + b"\xff" * (32 - len(prefix)) + b"\xff",
                )
            ).mappings()
            return [_stored(r) for r in rows if bytes(r["tracking_hash"]).startswith(prefix)]

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

    def leaf_hashes(self, election_id: str, start: int = 0) -> list[bytes]:
        """Leaf hashes of entries ``start``, ``start + 1``, … in order."""
        with self.engine.connect() as conn:
            q = (
                select(events.c.leaf_hash)
                .where(events.c.election_id == election_id, events.c.seq >= start)
                .order_by(events.c.seq)
            )
            return [bytes(r[0]) for r in conn.execute(q)]

    # -- credentials -----------------------------------------------------------------------

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

    def roll_event_line(self, conn: Connection, election_id: str) -> bytes | None:
        """The board's ``roll`` event, if one was posted (at open)."""
        q = select(events.c.line).where(
            events.c.election_id == election_id, events.c.kind == "roll"
        )
        found = conn.execute(q).scalar()
        return bytes(found) if found is not None else None

    # -- tree heads ------------------------------------------------------------------------

    def insert_tree_head(self, conn: Connection, election_id: str, size: int, line: str) -> None:
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


#: the placeholder of each DB-API parameter style this store's drivers use
_PARAM = {"qmark": "?", "format": "%s", "pyformat": "%s"}
#: rows per multi-row statement
_ROWS_PER_INSERT = 1000


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


def _rows_per_statement(dialect: Dialect, per_row: int) -> int:
    """Rows per multi-row statement of ``per_row`` parameters each (plus one more for the
    election), under the database's limit on bound parameters: 32,766 on SQLite since
    3.32 and 999 before it, 65,535 on PostgreSQL."""
    if dialect.name == "sqlite" and sqlite3.sqlite_version_info < (3, 32, 0):
        return max(1, min(_ROWS_PER_INSERT, (999 - 1) // per_row))
    return _ROWS_PER_INSERT


@functools.lru_cache(maxsize=512)
def _insert_sql(dialect: Dialect, table: str, columns: tuple[str, ...], rows: int) -> str:
    quote = dialect.identifier_preparer.quote
    mark = _PARAM[dialect.paramstyle]
    one = "(" + ", ".join([mark] * len(columns)) + ")"
    names = ", ".join(quote(c) for c in columns)
    return f"INSERT INTO {quote(table)} ({names}) VALUES " + ", ".join([one] * rows)


@functools.lru_cache(maxsize=8)
def _any_alpha_sql(dialect: Dialect, table: Table) -> str:
    quote = dialect.identifier_preparer.quote
    return f"SELECT alpha FROM {quote(table.name)} WHERE election_id = %s AND alpha = ANY(%s)"


@functools.lru_cache(maxsize=256)
def _unnest_sql(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> str:
    quote = dialect.identifier_preparer.quote
    # each array of the column's base type (text, not varchar(n), which an explicit cast
    # would silently truncate): the column itself then refuses a value too long
    arrays = ", ".join(f"%s::{_base_type(table.c[c].type, dialect)}[]" for c in columns)
    names = ", ".join(quote(c) for c in columns)
    return f"INSERT INTO {quote(table.name)} ({names}) SELECT * FROM unnest({arrays})"


def _base_type(column_type: Any, dialect: Dialect) -> str:
    return "TEXT" if isinstance(column_type, String) else str(column_type.compile(dialect=dialect))


def update_many(
    conn: Connection, table: Table, key: str, column: str, election_id: str, values: dict[Any, Any]
) -> None:
    """Set ``column`` of the election's rows of ``table`` whose ``key`` is each key of
    ``values`` to its value: one ``UPDATE … FROM (VALUES …)`` per thousand rows (one
    ``UPDATE`` a row on SQLite older than 3.33, which has no ``UPDATE … FROM``)."""
    items = list(values.items())
    if conn.dialect.name == "sqlite" and sqlite3.sqlite_version_info < (3, 33, 0):
        for k, v in items:  # in-process, cheap
            conn.execute(
                update(table)
                .where(table.c.election_id == election_id, table.c[key] == k)
                .values({column: v})
            )
        return
    per = _rows_per_statement(conn.dialect, 2)
    for start in range(0, len(items), per):
        part = items[start : start + per]
        sql = _update_many_sql(conn.dialect, table.name, key, column, len(part))
        conn.exec_driver_sql(sql, (*(x for pair in part for x in pair), election_id))


@functools.lru_cache(maxsize=256)
def _update_many_sql(dialect: Dialect, table_name: str, key: str, column: str, rows: int) -> str:
    quote = dialect.identifier_preparer.quote
    table, mark = quote(table_name), _PARAM[dialect.paramstyle]
    pairs = ", ".join([f"({mark}, {mark})"] * rows)
    # VALUES' columns are column1, column2 in both SQLite (3.33+) and PostgreSQL
    return (
        f"UPDATE {table} SET {quote(column)} = v.column2 FROM (VALUES {pairs}) AS v"
        f" WHERE {table}.election_id = {mark} AND {table}.{quote(key)} = v.column1"
    )


def insert_rows(
    conn: Connection, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (values in ``columns`` order) with one multi-row ``INSERT … VALUES
    (…), (…)`` statement per thousand rows, its text built once per shape.  A SQLAlchemy
    executemany costs a pipeline step per row on psycopg, and a multi-row ``insert()``
    construct recomputes its cache key from every value; this is the batch's hot path.

    On PostgreSQL the rows go as one array per column into ``INSERT … SELECT … FROM
    unnest(…)``: one short statement whatever the number of rows (psycopg re-parses a
    long statement's placeholders at every execution, which cost more than the insert)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        sql = _unnest_sql(conn.dialect, table, columns)
        conn.exec_driver_sql(sql, tuple(list(column) for column in zip(*rows, strict=True)))
        return
    per = _rows_per_statement(conn.dialect, len(columns))
    for start in range(0, len(rows), per):
        part = rows[start : start + per]
        sql = _insert_sql(conn.dialect, table.name, columns, len(part))
        conn.exec_driver_sql(sql, tuple(x for row in part for x in row))


#: ``Connection.info`` key of the election row a transaction locked
_LOCKED = "honestballot.locked_election"


class RowBuffer:
    """Rows for other tables that a batch of writes collects as it goes and inserts
    together, one multi-row statement a table, just before its transaction commits.

    :meth:`mark` and :meth:`undo` drop what one item of the batch added if that item is
    refused half-way, so a refused item leaves no row behind."""

    def __init__(self) -> None:
        self._rows: list[tuple[Table, dict[str, Any]]] = []

    def add(self, table: Table, row: dict[str, Any]) -> None:
        self._rows.append((table, row))

    def mark(self) -> int:
        return len(self._rows)

    def undo(self, mark: int) -> None:
        del self._rows[mark:]

    def __len__(self) -> int:
        return len(self._rows)

    def flush(self, conn: Connection) -> None:
        by_table: dict[Table, list[dict[str, Any]]] = {}
        for table, row in self._rows:
            by_table.setdefault(table, []).append(row)
        for table, rows in by_table.items():
            columns = tuple(rows[0])
            if any(tuple(row) != columns for row in rows):
                raise ValueError(f"rows for {table.name} must all have the same columns")
            insert_rows(conn, table, columns, [tuple(row.values()) for row in rows])
        self._rows.clear()


#: add to a unit's count of active credentials (a row per unit, made on its first)
_COUNT_ACTIVE = text(
    f"INSERT INTO {unit_credentials.name} (election_id, unit, active) VALUES (:e, :u, :n) "
    "ON CONFLICT (election_id, unit) DO UPDATE "
    f"SET active = {unit_credentials.name}.active + excluded.active"
)


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


def _without_pg_detail(context: ExceptionContext) -> None:
    """Drop PostgreSQL's DETAIL from an error's text, keeping its primary message.

    The DETAIL repeats values of the statement, which ``hide_parameters`` cannot hide:
    ``Key (election_id, national_id)=(e, 900101300099) already exists``, or a whole
    row (``Failing row contains (...)``).  The driver's exception keeps the full
    diagnostics in ``.diag`` for code that needs them; only its text changes.
    """
    orig = context.original_exception
    wrapped = context.sqlalchemy_exception
    primary = getattr(getattr(orig, "diag", None), "message_primary", None)
    if not isinstance(primary, str) or wrapped is None or str(orig) == primary:
        return
    orig.args = (primary,)
    wrapped.args = (f"({type(orig).__module__}.{type(orig).__name__}) {primary}",)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # let the "begin" listener issue BEGIN IMMEDIATE
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # Writers take SQLite's write lock at BEGIN, so two appends never race for a
    # sequence number; readers start a deferred transaction and never block them (WAL).
    immediate = conn.get_execution_options().get("write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
