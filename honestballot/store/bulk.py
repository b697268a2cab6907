"""Many rows in few statements: the batch's hot path (a cast batch, a credential batch).

A SQLAlchemy executemany costs a pipeline step per row on psycopg, and a multi-row
``insert()`` construct recomputes its cache key from every value; these helpers write
the statements' text once per shape and send the values as plain parameters.
"""

from __future__ import annotations

import functools
import sqlite3
from typing import Any

from sqlalchemy import String, Table, update
from sqlalchemy.engine import Connection, Dialect

from honestballot.store.schema import activity, notices

#: the placeholder of each DB-API parameter style this store's drivers use
PARAM = {"qmark": "?", "format": "%s", "pyformat": "%s"}
#: rows per multi-row statement
_ROWS_PER_INSERT = 1000


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
    table, mark = quote(table_name), PARAM[dialect.paramstyle]
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
    (…), (…)`` statement per thousand rows, its text built once per shape.

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


class RowBuffer:
    """Rows for other tables that a batch of writes collects as it goes and inserts
    together, one multi-row statement a table, just before its transaction commits.

    :meth:`mark` and :meth:`undo` drop what one item of the batch added if that item is
    refused half-way, so a refused item leaves no row behind."""

    def __init__(self) -> None:
        self._rows: list[tuple[Table, dict[str, Any]]] = []

    def add(self, table: Table, row: dict[str, Any]) -> None:
        self._rows.append((table, row))

    def add_notice(self, row: dict[str, Any]) -> None:
        """A row of the notice outbox (``service.messages.notices.notice_row``)."""
        self.add(notices, row)

    def add_activity(self, row: dict[str, Any]) -> None:
        """A row of the activity log (``service.activity.activity_row``)."""
        self.add(activity, row)

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
