"""Turning a SQL query over flagged rows into a :class:`Finding`.

Every check writes one query whose rows are the records involved, with at least the
columns ``grp`` (the cluster, burst or group key, or NULL), ``line``, ``voter``,
``name`` and ``detail``. The query runs once into a temporary table so that the
count stays exact while the listed records are capped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb

from honestballot.audit.findings import Finding, Severity


def collect(
    con: duckdb.DuckDBPyConnection,
    *,
    check: str,
    severity: Severity,
    title: str,
    rule: str,
    sql: str,
    cap: int,
    unit: str = "records",
    order: str = "grp, line",
    params: Mapping[str, Any] | None = None,
    listed: str = "*",
    per_voter: bool = False,
) -> Finding:
    """Run ``sql`` and package its rows as one finding (possibly with count 0).

    ``listed`` is the select list that makes a record of a row of ``sql`` (by default
    the row as it is): it is computed only for the ``cap`` records listed, so that a
    record's text is not built for every row counted.

    ``per_voter``: the rows are events of the log of an election with re-voting
    protection, one per voter (its first sign-in, code request, ballot or event: see
    :func:`~honestballot.audit.checks_activity.cut_log`), and no record carries its line,
    whose place among everyone's would tell the events between (docs/coercion.md §9).
    """
    if per_voter:
        sql = f"SELECT * REPLACE (CAST(NULL AS BIGINT) AS line) FROM ({sql})"
        order += ", voter"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _finding AS {sql}")
    stats = con.execute("SELECT count(*), count(DISTINCT grp) FROM _finding").fetchone()
    count, groups = (int(stats[0]), int(stats[1])) if stats else (0, 0)
    first = f"SELECT * FROM _finding ORDER BY {order} LIMIT {int(cap)}"
    cursor = con.execute(
        first if listed == "*" else f"SELECT {listed} FROM ({first}) f ORDER BY {order}"
    )
    described = cursor.description or []
    keys = ["group" if d[0] == "grp" else d[0] for d in described]
    if all(str(d[1]) in _COLUMNAR for d in described):
        # Column by column: a finding can list 100,000 records, and DuckDB makes Python
        # values of a whole column far faster than row by row.
        columns = cursor.fetchnumpy()
        values = [columns[d[0]].tolist() for d in described]
        records = tuple(dict(zip(keys, row, strict=True)) for row in zip(*values, strict=True))
    else:
        rows = _plain_rows(cursor.fetchall())
        records = tuple(dict(zip(keys, row, strict=True)) for row in rows)
    con.execute("DROP TABLE _finding")
    return Finding(
        check=check,
        severity=severity,
        title=title,
        count=count,
        unit=unit,
        records=records,
        groups=groups,
        rule=rule,
        params=dict(params or {}),
    )


#: column types whose values come out of a column as the row-wise fetch gives them (a NULL
#: as None), and need no conversion for JSON
_COLUMNAR = frozenset({"VARCHAR", "BIGINT", "INTEGER", "DOUBLE", "BOOLEAN", '"NULL"'})


def _plain_rows(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """``rows`` with JSON-friendly values (see :func:`_plain`).

    Every value of a column has the column's type, so only the columns whose first
    non-NULL value needs it are converted (a finding can list 100,000 records).
    """
    width = len(rows[0]) if rows else 0
    odd = [
        i
        for i in range(width)
        if _plain(first := next((r[i] for r in rows if r[i] is not None), None)) is not first
    ]
    if not odd:
        return rows
    fixed = []
    for row in rows:
        values = list(row)
        for i in odd:
            values[i] = _plain(values[i])
        fixed.append(tuple(values))
    return fixed


def _plain(value: object) -> object:
    """JSON-friendly values: dates and times become ISO strings."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    iso = getattr(value, "isoformat", None)
    return iso() if callable(iso) else str(value)


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = con.execute(sql).fetchone()
    return row[0] if row else None
