"""Many rows in few statements: the hot path of a batch posted to the board
(service/board/batches.py).

A SQLAlchemy executemany costs a pipeline step per row on psycopg, and a multi-row
``insert()`` construct recomputes its cache key from every value; these helpers write
the statements' text once per shape and send the values as plain parameters.

A batch holds the election's lock while it writes, and under CPU starvation every round
trip to PostgreSQL costs the posting thread a wait for the GIL and for a core
(docs/performance.md, "Primary day").  :class:`RowBuffer` therefore gathers a batch's
writes, to any number of tables, and on PostgreSQL sends them as **one** statement: each
write a data-modifying ``WITH`` member of the last one, every row in arrays (``unnest``).
The members of one such statement all see the database as it was when the statement
began and none sees another's rows, so a batch never writes one row twice in it (its
callers plan their writes in memory first).  On SQLite, in-process, each write is a
statement of its own, in the order it was added.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from typing import Any

from sqlalchemy import String, Table
from sqlalchemy.engine import Connection, Dialect

#: the placeholder of each DB-API parameter style this store's drivers use
PARAM = {"qmark": "?", "format": "%s", "pyformat": "%s"}
#: rows per multi-row statement
_ROWS_PER_INSERT = 1000

#: a statement's text in the connection's parameter style, and its parameters
Statement = tuple[str, tuple[Any, ...]]
#: the statements of one write, for a database's dialect
Write = Callable[[Dialect], list[Statement]]


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
    mark = PARAM[dialect.paramstyle]
    one = "(" + ", ".join([mark] * len(columns)) + ")"
    names = ", ".join(quote(c) for c in columns)
    return f"INSERT INTO {quote(table)} ({names}) VALUES " + ", ".join([one] * rows)


@functools.lru_cache(maxsize=256)
def _unnest_sql(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> str:
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    # one array parameter per column (see array_type)
    arrays = ", ".join(f"%s::{array_type(dialect, table, c)}" for c in columns)
    return f"INSERT INTO {quote(table.name)} ({names}) SELECT * FROM unnest({arrays})"


def array_type(dialect: Dialect, table: Table, column: str) -> str:
    """The PostgreSQL array type of an array parameter holding ``column``'s values: of its
    base type (text, not varchar(n), which an explicit cast would silently truncate: the
    column itself then refuses a value too long)."""
    column_type = table.c[column].type
    base = "TEXT" if isinstance(column_type, String) else str(column_type.compile(dialect=dialect))
    return base + "[]"


def insert_statements(
    dialect: Dialect, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> list[Statement]:
    """The statements inserting ``rows`` (values in ``columns`` order): on PostgreSQL one
    ``INSERT … SELECT … FROM unnest(…)`` whatever the number of rows (psycopg re-parses a
    long statement's placeholders at every execution, which cost more than the insert);
    elsewhere one multi-row ``INSERT … VALUES (…), (…)`` per thousand rows."""
    if not rows:
        return []
    if dialect.name == "postgresql":
        arrays = tuple(list(column) for column in zip(*rows, strict=True))
        return [(_unnest_sql(dialect, table, columns), arrays)]
    per = _rows_per_statement(dialect, len(columns))
    return [
        (
            _insert_sql(dialect, table.name, columns, len(rows[start : start + per])),
            tuple(x for row in rows[start : start + per] for x in row),
        )
        for start in range(0, len(rows), per)
    ]


def update_statements(
    dialect: Dialect, table: Table, key: str, column: str, election_id: str, values: dict[Any, Any]
) -> list[Statement]:
    """The statements setting ``column`` of the election's rows of ``table`` whose ``key``
    is each key of ``values`` to its value: on PostgreSQL one ``UPDATE … FROM unnest(…)``;
    on SQLite one ``UPDATE … FROM (VALUES …)`` per thousand rows, or one ``UPDATE`` a row
    before 3.33, which has no ``UPDATE … FROM``."""
    items = list(values.items())
    if not items:
        return []
    quote = dialect.identifier_preparer.quote
    name = quote(table.name)
    if dialect.name == "postgresql":
        keys = array_type(dialect, table, key)
        news = array_type(dialect, table, column)
        sql = (
            f"UPDATE {name} SET {quote(column)} = v.new FROM unnest(%s::{keys}, %s::{news})"
            f" AS v(k, new) WHERE {name}.election_id = %s AND {name}.{quote(key)} = v.k"
        )
        return [(sql, ([k for k, _ in items], [v for _, v in items], election_id))]
    if sqlite3.sqlite_version_info < (3, 33, 0):
        sql = f"UPDATE {name} SET {quote(column)} = ? WHERE election_id = ? AND {quote(key)} = ?"
        return [(sql, (v, election_id, k)) for k, v in items]
    per = _rows_per_statement(dialect, 2)
    out: list[Statement] = []
    for start in range(0, len(items), per):
        part = items[start : start + per]
        sql = _update_many_sql(dialect, table.name, key, column, len(part))
        out.append((sql, (*(x for pair in part for x in pair), election_id)))
    return out


@functools.lru_cache(maxsize=256)
def _update_many_sql(dialect: Dialect, table_name: str, key: str, column: str, rows: int) -> str:
    quote = dialect.identifier_preparer.quote
    table, mark = quote(table_name), PARAM[dialect.paramstyle]
    pairs = ", ".join([f"({mark}, {mark})"] * rows)
    # VALUES' columns are column1, column2 in SQLite (3.33+)
    return (
        f"UPDATE {table} SET {quote(column)} = v.column2 FROM (VALUES {pairs}) AS v"
        f" WHERE {table}.election_id = {mark} AND {table}.{quote(key)} = v.column1"
    )


def execute(conn: Connection, statements: list[Statement]) -> None:
    """Run ``statements`` one after the other."""
    for sql, params in statements:
        conn.exec_driver_sql(sql, params)


def update_many(
    conn: Connection, table: Table, key: str, column: str, election_id: str, values: dict[Any, Any]
) -> None:
    """Run :func:`update_statements` now."""
    execute(conn, update_statements(conn.dialect, table, key, column, election_id, values))


def insert_rows(
    conn: Connection, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Run :func:`insert_statements` now."""
    execute(conn, insert_statements(conn.dialect, table, columns, rows))


def one_statement(statements: list[Statement]) -> Statement:
    """PostgreSQL: ``statements`` as one, each but the last a data-modifying member of a
    ``WITH`` (run once, whether or not the last reads it; all of them see the snapshot
    the statement began with, and none sees the others' rows)."""
    *members, (last, last_params) = statements
    if not members:
        return last, last_params
    heads = ", ".join(f"w{i} AS ({sql})" for i, (sql, _) in enumerate(members))
    params = tuple(p for _, ps in members for p in ps) + last_params
    return f"WITH {heads} {last}", params


class RowBuffer:
    """A batch's writes, gathered as it goes and sent together just before its
    transaction commits: on PostgreSQL as one statement, on SQLite as one statement a
    write (see the module's docstring).

    Rows added with :meth:`add` (the cast notices, the activity rows: one dict a row) can
    be dropped with :meth:`mark` and :meth:`undo` when the item that added them is
    refused half-way, so a refused item leaves no row behind; they are inserted after
    the writes added with :meth:`write`, one statement a table."""

    def __init__(self) -> None:
        self._rows: list[tuple[Table, dict[str, Any]]] = []
        self._writes: list[Write] = []

    def add(self, table: Table, row: dict[str, Any]) -> None:
        self._rows.append((table, row))

    def write(self, write: Write) -> None:
        """A write of the store's (its statements made for the connection's dialect at
        :meth:`flush`), e.g. :func:`insert_statements` with its arguments bound."""
        self._writes.append(write)

    def mark(self) -> int:
        return len(self._rows)

    def undo(self, mark: int) -> None:
        del self._rows[mark:]

    def __len__(self) -> int:
        return len(self._rows) + len(self._writes)

    def statements(self, dialect: Dialect) -> list[Statement]:
        """Every write's statements, in order, then the added rows'."""
        out = [s for write in self._writes for s in write(dialect)]
        by_table: dict[Table, list[dict[str, Any]]] = {}
        for table, row in self._rows:
            by_table.setdefault(table, []).append(row)
        for table, rows in by_table.items():
            columns = tuple(rows[0])
            if any(tuple(row) != columns for row in rows):
                raise ValueError(f"rows for {table.name} must all have the same columns")
            out += insert_statements(dialect, table, columns, [tuple(r.values()) for r in rows])
        return out

    def flush(self, conn: Connection) -> None:
        statements = self.statements(conn.dialect)
        if conn.dialect.name == "postgresql" and len(statements) > 1:
            statements = [one_statement(statements)]
        execute(conn, statements)
        self._rows.clear()
        self._writes.clear()
