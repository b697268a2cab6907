"""The store's database: engine, transactions, and the types the service sees.

The board is append-only: rows of ``events`` are inserted, never updated or
deleted.  Every append happens inside one transaction that first takes the
election's exclusive lock (``BEGIN IMMEDIATE`` on SQLite, ``SELECT ... FOR UPDATE``
of its row with its advisory lock on PostgreSQL), so sequence numbers are dense and two
casts never interleave; a voter's request in an election with re-voting protection
appends nothing and takes the lock in shared mode (:meth:`StoreBase.transaction`).  A
transaction commits before the caller hands a receipt to a voter; SQLite runs
with ``synchronous=FULL`` so a committed ballot survives a crash.

The service holds a transaction as a :data:`Tx` and passes it back to the store's
methods; it never executes a statement itself.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeAlias

from sqlalchemy import Engine, create_engine, event, func, literal, select
from sqlalchemy.engine import Connection, ExceptionContext
from sqlalchemy.exc import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout

from honestballot.store.migrate import upgrade
from honestballot.store.schema import elections

#: an open connection of the store, inside or outside a transaction: what the service
#: passes back to the store's methods
Tx: TypeAlias = Connection

#: a statement broke an integrity constraint of the database: a unique key (which
#: :func:`unique_key_conflict` tells) or another one (NOT NULL, CHECK, a foreign key)
KeyConflict: TypeAlias = IntegrityError

#: any failure of the database or its driver (unreachable, locked, a statement refused)
StorageError: TypeAlias = SQLAlchemyError

#: the kinds of :data:`StorageError` that mean the database cannot be used now and a
#: retry later may succeed: unreachable or restarting, a connection lost, its disk full,
#: locked too long, no pooled connection free.  A statement the database refuses
#: (a broken constraint, a missing table) is a fault of the server and not among them.
UNAVAILABLE_ERRORS: tuple[type[StorageError], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeout,
)

#: ``Connection.info`` key of the election row a transaction locked
LOCKED = "honestballot.locked_election"

#: ``Connection.info`` key of the election whose lock a transaction holds and the
#: lock's mode: ``(election_id, "exclusive")`` or ``(election_id, "shared")``
LOCK_MODE = "honestballot.lock_mode"

#: PostgreSQL's SQLSTATE of a unique key broken (``unique_violation``)
_PG_UNIQUE_VIOLATION = "23505"

#: seconds a SQLite connection waits for another's lock before "database is locked"
SQLITE_TIMEOUT = 60.0


def default_url(path: str = "honestballot.sqlite") -> str:
    return f"sqlite:///{path}"


def engine_url(url: str) -> str:
    """``postgresql://`` means the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_postgresql(url: str) -> bool:
    """Whether ``url`` names a PostgreSQL database (any spelling :func:`engine_url` takes)."""
    return engine_url(url).startswith("postgresql")


class StoreBase:
    """The engine and its transactions; each part of the store is a mixin over this."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = engine_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        # hide_parameters: a database error's text (in a log, a traceback) must never
        # carry a statement's values: voters' names, national IDs, contacts, secrets.
        if self.is_sqlite:
            self.engine: Engine = create_engine(
                self.url, connect_args={"timeout": SQLITE_TIMEOUT}, hide_parameters=True
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
                # a batch's one read after the election's lock must see what the lock's
                # previous holder committed (a batch posted by service/board/batches.py),
                # whatever the server's default isolation level
                isolation_level="READ COMMITTED",
            )
            event.listen(self.engine, "handle_error", _without_pg_detail)
        # a pooled connection's info outlives the checkout: no lock recorded may reach the
        # next one (transaction() forgets its own; this covers any other writer of them)
        event.listen(self.engine, "checkin", _forget_locks)
        upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def ping(self) -> None:
        """One ``SELECT 1``: raises a :data:`StorageError` unless the database answers."""
        with self.engine.connect() as conn:
            conn.execute(select(literal(1))).scalar_one()

    def connect(self) -> Tx:
        """A connection for reads (use it as a context manager)."""
        return self.engine.connect()

    @contextmanager
    def single_read(self) -> Iterator[Tx]:
        """A connection for one read statement.  On PostgreSQL it runs in autocommit, so
        the read is one round trip rather than three (``BEGIN``, the read, and the
        ``ROLLBACK`` the pool sends when the connection comes back); at READ COMMITTED a
        single statement sees the same either way.  Not for several reads that must be
        one transaction, nor for streamed results (a server-side cursor needs one)."""
        with self.engine.connect() as conn:
            if not self.is_sqlite:
                conn.execution_options(isolation_level="AUTOCOMMIT")
            yield conn

    @contextmanager
    def transaction(self, election_id: str | None = None, *, shared: bool = False) -> Iterator[Tx]:
        """A write transaction; with ``election_id``, the election's lock is taken first.

        The lock is exclusive unless ``shared``: the election's row ``FOR UPDATE`` and
        the election's transaction-scoped advisory lock in exclusive mode, which every
        transaction that changes the board or the election takes.  A ``shared``
        transaction (a voter's request in an election with re-voting protection) takes
        that advisory lock in shared mode and then reads the row without locking it: such
        transactions run together, and none of them runs while an exclusive one does
        (docs/architecture.md, "The election's lock").  The advisory lock, not ``FOR
        SHARE`` of the row: a row locked by many transactions in share mode costs a new
        multixact (its members copied) and a write of the row for each locker, and a
        ``FOR UPDATE`` waiting behind share lockers can be overtaken by new ones for as
        long as they keep coming; PostgreSQL's lock manager queues a new shared request
        behind a waiting exclusive one.  On SQLite every write transaction holds the
        database's one write lock (``BEGIN IMMEDIATE``), shared or not.  On both, the
        mode is kept in ``conn.info`` (:data:`LOCK_MODE`) for :func:`require_exclusive`,
        which the writers of the board and the phase call."""
        with self.engine.connect() as conn, conn.execution_options(write=True).begin():
            if election_id is not None and not self.is_sqlite:
                key = election_lock_key(election_id)
                if shared:
                    # the lock first, then the read: a statement reads what was committed
                    # when it started, and the row must be read after the lock is held
                    conn.execute(select(func.pg_advisory_xact_lock_shared(key)))
                    query = select(elections)
                else:
                    # one statement: the advisory lock is a column of the row, evaluated
                    # as the index scan returns the row and before LockRows locks it
                    # (EXPLAIN VERBOSE: the call is in the scan's output, under LockRows),
                    # so the advisory lock is held first and the row's lock then waits
                    # only for another exclusive holder, never for a shared one
                    query = select(elections, func.pg_advisory_xact_lock(key)).with_for_update()
                # the lock's read is kept: election_row() in this transaction needs no query
                found = conn.execute(query.where(elections.c.election_id == election_id))
                row = found.mappings().first()
                if row is None and not shared:
                    # no row, no column evaluated: the advisory lock is taken on its own,
                    # so an exclusive transaction holds it whether or not the row exists
                    conn.execute(select(func.pg_advisory_xact_lock(key)))
                conn.info[LOCKED] = (
                    election_id,
                    {c.name: row[c.name] for c in elections.c} if row is not None else None,
                )
            if election_id is not None:
                conn.info[LOCK_MODE] = (election_id, "shared" if shared else "exclusive")
            try:
                yield conn
            finally:
                if not conn.invalidated:  # a lost connection's info would raise, hiding why
                    conn.info.pop(LOCKED, None)
                    conn.info.pop(LOCK_MODE, None)


class LockNotHeld(RuntimeError):
    """A write of the board or of the election's phase in a transaction that does not
    hold the election's lock exclusively: a fault of the code, never of a request."""


def require_exclusive(conn: Connection, election_id: str) -> None:
    """Raise :class:`LockNotHeld` unless ``conn``'s transaction holds ``election_id``'s lock
    exclusively (``transaction(election_id)`` without ``shared``, or the transaction that
    inserted the election's row).  Every store method that writes the board (events,
    ``next_seq``, tree heads, what the queue's rows became) or the phase calls it first:
    a shared transaction (a voter's request) runs together with others and must never
    write them.  On SQLite too, where the database's write lock makes both modes the
    same: the mode is the one the transaction was asked for."""
    held = conn.info.get(LOCK_MODE)
    if held != (election_id, "exclusive"):
        mode = "no lock" if held is None or held[0] != election_id else f"its {held[1]} lock"
        raise LockNotHeld(
            f"a write of election {election_id!r}'s board or phase in a transaction "
            f"holding {mode} of that election, not its exclusive lock"
        )


def hold_exclusive(conn: Connection, election_id: str) -> None:
    """Record that ``conn``'s transaction holds ``election_id`` exclusively without its
    lock: it inserted the election's row, which no other transaction sees (or can
    insert: PostgreSQL makes a second insert of the key wait) until it commits."""
    conn.info[LOCK_MODE] = (election_id, "exclusive")


def unique_key_conflict(exc: KeyConflict) -> str | None:
    """The unique key (or primary key) ``exc`` broke, named as the database names it (a
    constraint or index on PostgreSQL, the table's columns on SQLite, never a value),
    or ``None`` if it broke another constraint (NOT NULL, CHECK, a foreign key).

    PostgreSQL's SQLSTATE ``23505`` (psycopg's ``sqlstate``); SQLite's extended result
    codes ``SQLITE_CONSTRAINT_UNIQUE`` and ``SQLITE_CONSTRAINT_PRIMARYKEY``, whose
    message starts "UNIQUE constraint failed: "."""
    orig = exc.orig
    if isinstance(orig, sqlite3.IntegrityError):
        unique = (sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
        message = str(orig)
        if getattr(orig, "sqlite_errorcode", None) not in unique:
            return None
        prefix = "UNIQUE constraint failed: "
        return message[len(prefix) :] if message.startswith(prefix) else "a unique key"
    if getattr(orig, "sqlstate", None) != _PG_UNIQUE_VIOLATION:
        return None
    name = getattr(getattr(orig, "diag", None), "constraint_name", None)
    return name if isinstance(name, str) else "a unique key"


def election_lock_key(election_id: str) -> int:
    """The key of an election's advisory lock on PostgreSQL (a signed 64-bit integer)."""
    digest = hashlib.sha256(b"election:" + election_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") - (1 << 63)


def _forget_locks(_dbapi_conn: Any, record: Any) -> None:
    if record is not None:
        record.info.pop(LOCKED, None)
        record.info.pop(LOCK_MODE, None)


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
    _sqlite_wal(cur)
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_wal(cur: sqlite3.Cursor) -> None:
    """Switch the database to WAL, waiting as long as for any other lock.

    Processes that open a new database file at the same moment all switch it from the
    rollback journal to WAL; SQLite may answer one of them "database is locked" at once,
    without waiting its busy timeout (waiting could deadlock), so the switch is retried
    here.  Once the file is in WAL mode (it stays so) the statement changes nothing."""
    deadline = time.monotonic() + SQLITE_TIMEOUT
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if e.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _sqlite_begin(conn: Connection) -> None:
    # Writers take SQLite's write lock at BEGIN, so two appends never race for a
    # sequence number; readers start a deferred transaction and never block them (WAL).
    immediate = conn.get_execution_options().get("write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
