"""The two input formats (voter roll, activity log) and their loading into DuckDB.

Every file is read with all columns as text, so that no value is lost to a failed
type guess; each row then gets its line number (CSV header = line 1, first data row =
line 2; for Parquet, the 1-based row number) and is validated in SQL. A row that
cannot be used becomes a :class:`BadRow` naming file, line and reason; with
``on_bad_row="fail"`` any such row aborts the run, with ``"skip"`` it is left out of
the audit and listed in the report. Nothing is dropped without being listed.

Line numbers count records as DuckDB's CSV reader does: a quoted field that spans
several physical lines makes its record count as one line.

Some roll columns may be unknown (``birth_date``, ``enrolled_at``): the column may be
absent or a value empty, and the row is still audited; the checks that need the value
skip it, and the report says how many rows they skipped. A value that is present but
unusable is a malformed row, as for every other column.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb

from honestballot.audit.findings import AuditInputError, BadRow, BadRowsError
from honestballot.errors import EncodingError

OnBadRow = Literal["skip", "fail"]

_BOOL_TRUE = "('true','t','yes','y','1')"
_BOOL_FALSE = "('false','f','no','n','0')"
EVENT_TYPES = ("code-requested", "signed-in", "sign-in-failed", "ballot-cast")


Sql = Callable[[str], str]  # builds SQL over the trimmed text of one column (NULL if empty)


@dataclass(frozen=True)
class Column:
    """One input column: its SQL conversion from text and its validity test."""

    name: str
    sql_type: str
    convert: Sql
    problem: Sql  # SQL yielding a reason string when the value is unusable, else NULL
    required: bool = True  # False: the column may be absent (every value unknown)
    keep_text: bool = False  # the table also keeps the trimmed text as ``<name>_text``


def _same(v: str) -> str:
    return v


def _no_problem(v: str) -> str:
    return "NULL"


def _nonempty(name: str) -> Sql:
    return lambda v: f"CASE WHEN {v} IS NULL THEN '{name}: empty' END"


def normal_id_sql(v: str) -> str:
    """National ID without the usual dashes and spaces."""
    return f"replace(replace({v}, '-', ''), ' ', '')"


def normal_phone_sql(v: str) -> str:
    """Digits only; a national 8XXXXXXXXXX or 10-digit number becomes 7XXXXXXXXXX."""
    d = f"regexp_replace({v}, '[^0-9]', '', 'g')"
    return (
        f"CASE WHEN length({d}) = 11 AND {d} LIKE '8%' THEN '7' || substr({d}, 2) "
        f"WHEN length({d}) = 10 THEN '7' || {d} ELSE nullif({d}, '') END"
    )


def normal_email_sql(v: str) -> str:
    """Lower case, without a ``+tag`` (``a+x@b`` reaches the same inbox as ``a@b``)."""
    return f"regexp_replace(lower({v}), '\\+[^@]*@', '@')"


def _date(v: str) -> str:
    return (
        f"coalesce(try_cast({v} AS DATE), CASE WHEN "
        f"regexp_full_match({v}, '[0-9]{{2}}\\.[0-9]{{2}}\\.[0-9]{{4}}') "
        f"THEN try_strptime({v}, '%d.%m.%Y')::DATE END)"
    )


def _date_problem(v: str) -> str:
    # Empty is "unknown", not a problem. A well-shaped date that is no calendar day
    # (2001-02-30) loads as NULL with its text kept, and becomes an impossible-birth-date
    # finding; anything else unparseable is a malformed row.
    shape = "[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{2}\\.[0-9]{2}\\.[0-9]{4}"
    return (
        f"CASE WHEN {v} IS NOT NULL AND try_cast({v} AS DATE) IS NULL "
        f"AND NOT regexp_full_match({v}, '{shape}') "
        f"THEN 'birth_date: not YYYY-MM-DD or DD.MM.YYYY' END"
    )


def _timestamp(name: str, *, optional: bool = False) -> Column:
    """A time column; ``optional``: the column may be absent and a value empty (unknown)."""
    empty = "NULL" if optional else f"'{name}: empty'"

    def problem(v: str) -> str:
        # One time zone, written without an offset: an explicit offset would be silently
        # dropped by the cast, so it is refused instead.
        return (
            f"CASE WHEN {v} IS NULL THEN {empty} "
            f"WHEN try_cast({v} AS TIMESTAMP) IS NULL OR contains({v}, '+') "
            f"OR substr({v}, 11) LIKE '%-%' OR upper({v}) LIKE '%Z' OR length({v}) < 16 "
            f"THEN '{name}: not YYYY-MM-DD HH:MM[:SS] without an offset' END"
        )

    return Column(
        name,
        "TIMESTAMP",
        lambda v: f"try_cast({v} AS TIMESTAMP)",
        problem,
        required=not optional,
    )


def _id_kind_problem(v: str) -> str:
    return (
        f"CASE WHEN {v} IS NOT NULL AND lower({v}) NOT IN ('iin','snils') "
        "THEN 'id_kind: not iin or snils' END"
    )


def _email_problem(v: str) -> str:
    return f"CASE WHEN {v} IS NOT NULL AND NOT contains({v}, '@') THEN 'email: no @' END"


def _confirmed_problem(v: str) -> str:
    return (
        f"CASE WHEN {v} IS NULL THEN 'confirmed: empty' "
        f"WHEN lower({v}) NOT IN {_BOOL_TRUE} AND lower({v}) NOT IN {_BOOL_FALSE} "
        "THEN 'confirmed: not a yes/no value' END"
    )


def _lower(v: str) -> str:
    return f"lower({v})"


ROLL_COLUMNS: tuple[Column, ...] = (
    Column("national_id", "VARCHAR", normal_id_sql, _nonempty("national_id")),
    Column("id_kind", "VARCHAR", _lower, _id_kind_problem, required=False),
    Column("name", "VARCHAR", _same, _no_problem),
    Column("birth_date", "DATE", _date, _date_problem, required=False, keep_text=True),
    Column("phone", "VARCHAR", normal_phone_sql, _no_problem),
    Column("email", "VARCHAR", normal_email_sql, _email_problem),
    Column("unit", "VARCHAR", _same, _no_problem),
    Column("organisation", "VARCHAR", _same, _no_problem),
    Column("operator", "VARCHAR", _same, _no_problem),
    _timestamp("enrolled_at", optional=True),
    Column("confirmed", "BOOLEAN", lambda v: f"lower({v}) IN {_BOOL_TRUE}", _confirmed_problem),
)


def _event_problem(v: str) -> str:
    listed = ", ".join(f"'{e}'" for e in EVENT_TYPES)
    return (
        f"CASE WHEN {v} IS NULL THEN 'event: empty' WHEN lower({v}) NOT IN ({listed}) "
        "THEN 'event: unknown event type' END"
    )


def _contact(v: str) -> str:
    return f"CASE WHEN contains({v}, '@') THEN {normal_email_sql(v)} ELSE {normal_phone_sql(v)} END"


ACTIVITY_COLUMNS: tuple[Column, ...] = (
    _timestamp("time"),
    Column("event", "VARCHAR", _lower, _event_problem),
    Column("voter", "VARCHAR", normal_id_sql, _nonempty("voter")),
    Column("address", "VARCHAR", _same, _no_problem),
    Column("device", "VARCHAR", _same, _no_problem),
    Column("user_agent", "VARCHAR", _same, _no_problem),
    Column("contact", "VARCHAR", _contact, _no_problem),
    Column("session", "VARCHAR", _same, _no_problem, required=False),
)


def _read_header(path: Path) -> tuple[list[str], str]:
    """The CSV header's column names (lower-cased) and the delimiter (',' or ';')."""
    with path.open("rb") as fh:
        raw = fh.readline()
    try:
        first = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EncodingError(f"{path}:1: header is not UTF-8 ({exc.reason})") from exc
    if not first.strip():
        raise AuditInputError(f"{path}:1: no header line")
    delim = ";" if first.count(";") > first.count(",") else ","
    names = [n.strip().lower() for n in next(csv.reader([first], delimiter=delim))]
    return names, delim


def _blank_lines(path: Path) -> list[int]:
    """Physical line numbers of empty lines (DuckDB skips them; we list them).

    A fast byte scan decides whether any exist; only then are lines counted one by one.
    """
    tail = b""
    any_blank = False
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 24):
            data = tail + chunk
            if b"\n\n" in data or b"\n\r\n" in data:
                any_blank = True
                break
            tail = data[-2:]
    if not any_blank:
        return []
    with path.open("rb") as fh:
        return [n for n, raw in enumerate(fh, start=1) if n > 1 and raw.strip(b"\r\n") == b""]


def _check_columns(path: Path, names: list[str], spec: tuple[Column, ...]) -> None:
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise AuditInputError(f"{path}: column(s) appear twice: {', '.join(dupes)}")
    missing = [c.name for c in spec if c.required and c.name not in names]
    if missing:
        raise AuditInputError(
            f"{path}: missing required column(s): {', '.join(missing)} "
            f"(found: {', '.join(names) or 'none'})"
        )


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _trimmed(names: list[str]) -> str:
    """Each column trimmed, empty as NULL: done once, while staging (DuckDB would
    otherwise repeat the trim at every later reference to the column)."""
    return ", ".join(f'nullif(trim("{n}"), \'\') AS "{n}"' for n in names)


def _stage_csv(
    con: duckdb.DuckDBPyConnection, path: Path, spec: tuple[Column, ...], table: str
) -> tuple[list[str], list[BadRow]]:
    names, delim = _read_header(path)
    _check_columns(path, names, spec)
    cols = "{" + ", ".join(f"{_sql_str(n)}: 'VARCHAR'" for n in names) + "}"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table}_raw AS SELECT {_trimmed(names)} FROM read_csv("
        f"{_sql_str(str(path))}, header=true, auto_detect=false, delim={_sql_str(delim)}, "
        f"quote='\"', escape='\"', columns={cols}, store_rejects=true, "
        f"rejects_table='{table}_rej', rejects_scan='{table}_rejscan')"
    )
    rejected = con.execute(
        f"SELECT line, string_agg(DISTINCT error_type, ', '), any_value(csv_line) "
        f"FROM {table}_rej GROUP BY line ORDER BY line"
    ).fetchall()
    bad = [
        BadRow(str(path), int(ln), f"csv: {kind.lower()}", str(text or ""))
        for ln, kind, text in rejected
    ]
    bad += [BadRow(str(path), ln, "csv: empty line") for ln in _blank_lines(path)]
    return names, bad


def _line_source(
    con: duckdb.DuckDBPyConnection, table: str, bad: list[BadRow], header: bool
) -> tuple[str, str]:
    """SQL for each staged row's line number, and the FROM clause it needs.

    Row ``k`` (1-based, in file order) of the staged table is on line ``k + 1`` of a CSV
    with a header, pushed down by every rejected or empty line before it.
    """
    skipped = sorted(b.line for b in bad)
    if not skipped:
        return f"(r.k + {int(header)})", f"(SELECT rowid + 1 AS k, * FROM {table}_raw) r"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table}_skips (threshold BIGINT, cum BIGINT)")
    con.executemany(
        f"INSERT INTO {table}_skips VALUES (?, ?)",
        [(s - j, j) for j, s in enumerate(skipped, start=1)],
    )
    return (
        "(r.k + 1 + coalesce(s.cum, 0))",
        f"(SELECT rowid + 1 AS k, * FROM {table}_raw) r "
        f"ASOF LEFT JOIN {table}_skips s ON r.k >= s.threshold",
    )


def _stage_parquet(
    con: duckdb.DuckDBPyConnection, path: Path, spec: tuple[Column, ...], table: str
) -> list[str]:
    try:
        described = con.execute(
            f"DESCRIBE SELECT * FROM read_parquet({_sql_str(str(path))})"
        ).fetchall()
    except duckdb.Error as exc:
        raise AuditInputError(f"{path}: not a readable Parquet file ({exc})") from exc
    names = [str(r[0]).lower() for r in described]
    _check_columns(path, names, spec)
    casts = ", ".join(
        f'nullif(trim(CAST("{r[0]}" AS VARCHAR)), \'\') AS "{str(r[0]).lower()}"' for r in described
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table}_raw AS SELECT {casts} "
        f"FROM read_parquet({_sql_str(str(path))})"
    )
    return names


def load_table(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    spec: tuple[Column, ...],
    table: str,
    on_bad_row: OnBadRow,
) -> tuple[int, list[BadRow]]:
    """Load ``path`` into typed table ``table`` (with a ``line`` column).

    Returns the number of rows loaded and the malformed rows found. Raises
    :class:`AuditInputError` for a missing file or column, :class:`EncodingError` for
    a header that is not UTF-8, :class:`BadRowsError` for malformed rows under ``fail``.
    """
    if not path.is_file():
        raise AuditInputError(f"{path}: no such file")
    parquet = path.suffix.lower() in (".parquet", ".pq")
    if parquet:
        names = _stage_parquet(con, path, spec, table)
        bad: list[BadRow] = []
    else:
        try:
            names, bad = _stage_csv(con, path, spec, table)
        except duckdb.Error as exc:
            raise AuditInputError(f"{path}: cannot read as CSV ({exc})") from exc
    line_sql, source = _line_source(con, table, bad, header=not parquet)
    problems = [c.problem(f'"{c.name}"') for c in spec if c.name in names]
    converts = [
        f"CAST({c.convert(chr(34) + c.name + chr(34))} AS {c.sql_type}) AS {c.name}"
        if c.name in names
        else f"CAST(NULL AS {c.sql_type}) AS {c.name}"
        for c in spec
    ]
    converts += [
        f'"{c.name}" AS {c.name}_text' if c.name in names else f"NULL::VARCHAR AS {c.name}_text"
        for c in spec
        if c.keep_text
    ]
    raw_text = " || ',' || ".join(f"coalesce(\"{n}\", '')" for n in names)
    problem = f"nullif(concat_ws('; ', {', '.join(problems)}), '')"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table}_checked AS SELECT line, problem, "
        f"CASE WHEN problem IS NOT NULL THEN {raw_text} END AS raw_text, "
        f"{', '.join(converts)} FROM (SELECT *, {problem} AS problem FROM "
        f"(SELECT {line_sql} AS line, r.* FROM {source}))"
    )
    con.execute(f"DROP TABLE IF EXISTS {table}_raw")
    field_bad = con.execute(
        f"SELECT line, problem, raw_text FROM {table}_checked WHERE problem IS NOT NULL "
        f"ORDER BY line"
    ).fetchall()
    bad += [BadRow(str(path), int(ln), str(reason), str(text)) for ln, reason, text in field_bad]
    bad.sort(key=lambda b: b.line)
    if bad and on_bad_row == "fail":
        raise BadRowsError(bad)
    cols = ", ".join([c.name for c in spec] + [f"{c.name}_text" for c in spec if c.keep_text])
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT line, {cols} FROM {table}_checked "
        f"WHERE problem IS NULL"
    )
    con.execute(f"DROP TABLE IF EXISTS {table}_skips")
    loaded = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return (int(loaded[0]) if loaded else 0), bad
