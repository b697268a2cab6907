"""The two input formats (voter roll, activity log) and their loading into DuckDB.

Every file is read with all columns as text, so that no value is lost to a failed
type guess, and validated and converted in SQL in the same pass (:func:`load_table`).
Each row has its line number (CSV header = line 1, first data row = line 2; for
Parquet, the 1-based row number). A row that cannot be used becomes a :class:`BadRow`
naming file, line and reason; with ``on_bad_row="fail"`` any such row aborts the run,
with ``"skip"`` it is left out of the audit and listed in the report. Nothing is
dropped without being listed.

Line numbers count records as DuckDB's CSV reader does: a quoted field that spans
several physical lines makes its record count as one line.

Some roll columns may be unknown (``birth_date``, ``enrolled_at``): the column may be
absent or a value empty, and the row is still audited; the checks that need the value
skip it, and the report says how many rows they skipped. A value that is present but
unusable is a malformed row, as for every other column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb

from honestballot.audit.csv_lines import blank_lines, read_header
from honestballot.audit.findings import AuditInputError, BadRow, BadRowsError
from honestballot.errors import Text


def engine_detail(exc: BaseException) -> str:
    """The first line of a DuckDB error's message: what went wrong; the lines after it
    quote the query or suggest SQL settings, nothing a reader of the audit's one-line
    error can act on."""
    return (str(exc).strip().splitlines() or [""])[0]


def no_such_file(path: Path) -> Text:
    return Text("audit.input.no_such_file", f"{path}: no such file", path=str(path))


OnBadRow = Literal["skip", "fail"]

_BOOL_TRUE = ("true", "t", "yes", "y", "1")
_BOOL_FALSE = ("false", "f", "no", "n", "0")
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
    # The table also keeps, as ``<name>_text``, the trimmed text of a value that gave
    # no result (NULL where the value converted or was empty).
    keep_text: bool = False
    # False: read and validated (and kept in a bad row's text) but not loaded, for a
    # column no check reads (the log's user agent, the longest text of every event)
    stored: bool = True


def _same(v: str) -> str:
    return v


def _no_problem(v: str) -> str:
    return "NULL"


def _nonempty(name: str) -> Sql:
    return lambda v: f"CASE WHEN {v} IS NULL THEN '{name}: empty' END"


def normal_id_sql(v: str) -> str:
    """National ID without the usual dashes and spaces (most IDs have none: no copy)."""
    return (
        f"CASE WHEN contains({v}, '-') OR contains({v}, ' ') "
        f"THEN replace(replace({v}, '-', ''), ' ', '') ELSE {v} END"
    )


def normal_phone_sql(v: str) -> str:
    """Digits only, without a leading ``00`` (international prefix, as ``+``); then a
    national 8XXXXXXXXXX or 10-digit number becomes 7XXXXXXXXXX (``normalize_phone``).

    Each step is bound once by a lambda over a one-element list: written as nested
    expressions, DuckDB would evaluate the regular expressions once per reference
    (fifteen times a value)."""
    # Digits after at most one "+" (the usual shape) skip the slower regexp_replace.
    digits = (
        f"CASE WHEN regexp_full_match({v}, '\\+?[0-9]+') THEN replace({v}, '+', '') "
        f"ELSE regexp_replace({v}, '[^0-9]', '', 'g') END"
    )
    national = (
        "CASE WHEN length(d) = 11 AND d LIKE '8%' THEN '7' || substr(d, 2) "
        "WHEN length(d) = 10 THEN '7' || d ELSE nullif(d, '') END"
    )
    without_00 = (
        "list_transform([CASE WHEN prefix(dg, '00') THEN substr(dg, 3) ELSE dg END], "
        f"lambda d: {national})[1]"
    )
    return f"list_transform([{digits}], lambda dg: {without_00})[1]"


def normal_email_sql(v: str) -> str:
    """Lower case, without a ``+tag`` (``a+x@b`` reaches the same inbox as ``a@b``) and
    one trailing dot (``a@b.`` is ``a@b``), as ``normalize_email``."""
    e = (
        f"(CASE WHEN contains({v}, '+') THEN regexp_replace(lower({v}), '\\+[^@]*@', '@') "
        f"ELSE lower({v}) END)"
    )
    return f"CASE WHEN suffix({v}, '.') THEN left({e}, -1) ELSE {e} END"


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
            f"OR contains(substr({v}, 11), '-') OR suffix({v}, 'Z') OR suffix({v}, 'z') "
            f"OR length({v}) < 16 "
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


def _yes_no(v: str) -> str:
    """TRUE, FALSE, or NULL for text that is no yes/no value.

    A CASE, not ``IN (...)``: DuckDB turns an IN list of five or more values into a
    join, about a third of a CPU-second per use on ten million rows.
    """
    yes = " ".join(f"WHEN '{t}' THEN TRUE" for t in _BOOL_TRUE)
    no = " ".join(f"WHEN '{t}' THEN FALSE" for t in _BOOL_FALSE)
    return f"CASE lower({v}) {yes} {no} END"


def _confirmed_problem(v: str) -> str:
    return (
        f"CASE WHEN {v} IS NULL THEN 'confirmed: empty' "
        f"WHEN {_yes_no(v)} IS NULL "
        "THEN 'confirmed: not a yes/no value' END"
    )


def _revoting_problem(v: str) -> str:
    return (
        f"CASE WHEN {v} IS NOT NULL AND {_yes_no(v)} IS NULL "
        "THEN 'revoting: not a yes/no value' END"
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
    # read and kept in a malformed row's text, but no check reads a voter's unit
    Column("unit", "VARCHAR", _same, _no_problem, stored=False),
    Column("organisation", "VARCHAR", _same, _no_problem),
    # Optional: what tells a household from a cluster of strangers (audit/household.py).
    Column("surname", "VARCHAR", _same, _no_problem, required=False),
    Column("home_address", "VARCHAR", _same, _no_problem, required=False),
    Column("operator", "VARCHAR", _same, _no_problem),
    _timestamp("enrolled_at", optional=True),
    Column("confirmed", "BOOLEAN", _yes_no, _confirmed_problem),
)


def _event_problem(v: str) -> str:
    # A CASE, as in _yes_no, not a list of values: DuckDB plans ``IN`` with five or more
    # values as a join, the mechanism under which the trim's character test lost the
    # loaded rows' file order (docs/performance.md). (With DuckDB 2.0.1 ``NOT IN`` over
    # the four event types was no join; the CASE does not depend on either.)
    known = " ".join(f"WHEN '{e}' THEN NULL" for e in EVENT_TYPES)
    return (
        f"CASE WHEN {v} IS NULL THEN 'event: empty' "
        f"ELSE CASE lower({v}) {known} ELSE 'event: unknown event type' END END"
    )


def _contact(v: str) -> str:
    return f"CASE WHEN contains({v}, '@') THEN {normal_email_sql(v)} ELSE {normal_phone_sql(v)} END"


#: the event column's type: one byte a row instead of a string (four values, 21.7 million
#: rows at ten million voters), compared with a text constant as cheaply as a number
EVENT_TYPE = "ENUM(" + ", ".join(f"'{e}'" for e in EVENT_TYPES) + ")"


def _event(v: str) -> str:
    # NULL for an unknown event type: that row is malformed (_event_problem) and not loaded
    return f"try_cast(lower({v}) AS {EVENT_TYPE})"


ACTIVITY_COLUMNS: tuple[Column, ...] = (
    _timestamp("time"),
    Column("event", EVENT_TYPE, _event, _event_problem),
    Column("voter", "VARCHAR", normal_id_sql, _nonempty("voter")),
    Column("address", "VARCHAR", _same, _no_problem),
    Column("device", "VARCHAR", _same, _no_problem),
    Column("user_agent", "VARCHAR", _same, _no_problem, stored=False),
    Column("contact", "VARCHAR", _contact, _no_problem),
    Column("session", "VARCHAR", _same, _no_problem, required=False),
    # Optional: yes on the rows of an election with re-voting protection (the voting
    # service writes it on every row): its findings are restricted (docs/audit.md,
    # "Elections with re-voting protection"; docs/coercion.md §9).
    Column("revoting", "BOOLEAN", _yes_no, _revoting_problem, required=False),
)


def _check_columns(path: Path, names: list[str], spec: tuple[Column, ...]) -> None:
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise AuditInputError(
            Text(
                "audit.input.columns_twice",
                f"{path}: column(s) appear twice: {', '.join(dupes)}",
                path=str(path),
                columns=", ".join(dupes),
            )
        )
    missing = [c.name for c in spec if c.required and c.name not in names]
    if missing:
        found = ", ".join(names) or Text("audit.input.no_columns", "none")
        raise AuditInputError(
            Text(
                "audit.input.missing_columns",
                f"{path}: missing required column(s): {', '.join(missing)} (found: {found})",
                path=str(path),
                columns=", ".join(missing),
                found=found,
            )
        )


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _csv_source(path: Path, spec: tuple[Column, ...], table: str) -> tuple[list[str], str]:
    """The CSV's column names and a ``read_csv`` call giving every column as text.

    Rows the reader cannot split into the header's columns (or not UTF-8) go to the
    rejects table ``<table>_rej`` instead (see :func:`_rejected_rows`).
    """
    names, delim = read_header(path)
    _check_columns(path, names, spec)
    cols = "{" + ", ".join(f"{_sql_str(n)}: 'VARCHAR'" for n in names) + "}"
    return names, (
        f"read_csv({_sql_str(str(path))}, header=true, auto_detect=false, "
        f"delim={_sql_str(delim)}, quote='\"', escape='\"', columns={cols}, store_rejects=true, "
        f"rejects_table='{table}_rej', rejects_scan='{table}_rejscan')"
    )


def _rejected_rows(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> list[BadRow]:
    """The rows the CSV reader rejected, and the empty lines it skipped without a word."""
    rejected = con.execute(
        f"SELECT line, string_agg(DISTINCT error_type, ', '), any_value(csv_line) "
        f"FROM {table}_rej GROUP BY line ORDER BY line"
    ).fetchall()
    bad = [
        BadRow(str(path), int(ln), f"csv: {kind.lower()}", str(text or ""))
        for ln, kind, text in rejected
    ]
    bad += [BadRow(str(path), ln, "csv: empty line") for ln in blank_lines(path)]
    return bad


def _parquet_source(
    con: duckdb.DuckDBPyConnection, path: Path, spec: tuple[Column, ...]
) -> tuple[list[str], str]:
    """The Parquet file's column names (lower-cased) and a query giving each as text."""
    reader = f"read_parquet({_sql_str(str(path))})"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
    except duckdb.Error as exc:
        raise AuditInputError(
            Text(
                "audit.input.not_parquet",
                f"{path}: not a readable Parquet file ({engine_detail(exc)})",
                path=str(path),
                detail=engine_detail(exc),
            )
        ) from exc
    names = [str(r[0]).lower() for r in described]
    _check_columns(path, names, spec)
    as_text = ", ".join(f'CAST("{r[0]}" AS VARCHAR) AS "{str(r[0]).lower()}"' for r in described)
    return names, f"(SELECT {as_text} FROM {reader})"


def check_source(con: duckdb.DuckDBPyConnection, path: Path, spec: tuple[Column, ...]) -> None:
    """Raise what :func:`load_table` would raise for ``path`` before reading a row: a
    missing file, a header that is not UTF-8, a missing or repeated column (for a CSV its
    header line, for Parquet its schema). Cheap: no row is read."""
    if not path.is_file():
        raise AuditInputError(no_such_file(path))
    if path.suffix.lower() in (".parquet", ".pq"):
        _parquet_source(con, path, spec)
    else:
        _check_columns(path, read_header(path)[0], spec)


def _trim_sql(v: str) -> str:
    """``trim`` (spaces and other Unicode space separators), empty as NULL.

    ``trim`` copies every string, which costs seconds on ten million rows; a value that
    is pure ASCII and has no space at either end is returned as it is.
    """
    return (
        f"nullif(CASE WHEN prefix({v}, ' ') OR suffix({v}, ' ') OR strlen({v}) <> length({v}) "
        f"THEN trim({v}) ELSE {v} END, '')"
    )


def _number_lines(
    con: duckdb.DuckDBPyConnection, table: str, bad: list[BadRow], header: bool
) -> None:
    """``<table>_checked``: the typed rows with their line numbers.

    Row ``k`` (1-based, in file order; ``rowid + 1`` of the table loaded with insertion
    order preserved) is on line ``k + 1`` of a CSV with a header, ``k`` of a Parquet file.
    Without rejected or empty lines that is a view over the loaded table, at no cost; with
    them each row is pushed down by every skipped line before it, which takes one more
    pass over the rows (an ASOF join), written once into a table.
    """
    skipped = sorted(b.line for b in bad if b.line is not None)  # every row read has one
    if not skipped:
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {table}_checked AS "
            f"SELECT rowid + {1 + int(header)} AS line, * FROM {table}_typed"
        )
        return
    # The j-th skipped line s (1-based) comes after s - j - header loaded rows, so it
    # pushes down every row k >= s - j. Skipped lines next to each other (an empty line
    # beside a rejected row, two empty lines) share that threshold: it takes the most
    # lines they skip, as an ASOF join matches one row of equal thresholds, any of them.
    pushed: dict[int, int] = {}
    for j, s in enumerate(skipped, start=1):
        pushed[s - j] = j
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table}_skips (threshold BIGINT, cum BIGINT)")
    con.executemany(f"INSERT INTO {table}_skips VALUES (?, ?)", sorted(pushed.items()))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table}_checked AS "
        f"SELECT r.k + {int(header)} + coalesce(s.cum, 0) AS line, r.* EXCLUDE (k) "
        f"FROM (SELECT rowid + 1 AS k, * FROM {table}_typed) r "
        f"ASOF LEFT JOIN {table}_skips s ON r.k >= s.threshold"
    )
    con.execute(f"DROP TABLE {table}_typed")
    con.execute(f"DROP TABLE {table}_skips")


def load_table(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    spec: tuple[Column, ...],
    table: str,
    on_bad_row: OnBadRow,
) -> tuple[int, list[BadRow]]:
    """Load ``path`` into typed table ``table`` (with a ``line`` column).

    One pass over the file: every value is read as text, trimmed (empty becomes NULL),
    validated and converted in the same ``CREATE TABLE ... AS SELECT``. Text is kept
    only where it is needed later: a row's whole text when the row is malformed, and a
    ``keep_text`` column's text where it gave no value.

    Returns the number of rows loaded and the malformed rows found. Raises
    :class:`AuditInputError` for a missing file or column, :class:`EncodingError` for
    a header that is not UTF-8, :class:`BadRowsError` for malformed rows under ``fail``.
    """
    if not path.is_file():
        raise AuditInputError(no_such_file(path))
    # Line numbers are row positions in the loaded table (see _number_lines).
    con.execute("SET preserve_insertion_order = true")
    parquet = path.suffix.lower() in (".parquet", ".pq")
    if parquet:
        names, source = _parquet_source(con, path, spec)
    else:
        names, source = _csv_source(path, spec, table)
    # Trimmed once, in an inner projection: DuckDB would otherwise repeat the trim at
    # every reference to the column in the checks and conversions below.
    # A column that is not stored is trimmed only in a bad row's text.
    unstored = {c.name for c in spec if not c.stored}
    trimmed = ", ".join(
        f'"{n}"' if n in unstored else f'{_trim_sql(chr(34) + n + chr(34))} AS "{n}"' for n in names
    )
    problems = [c.problem(f'"{c.name}"') for c in spec if c.name in names]
    converts = [
        f"CAST({c.convert(chr(34) + c.name + chr(34))} AS {c.sql_type}) AS {c.name}"
        if c.name in names
        else f"CAST(NULL AS {c.sql_type}) AS {c.name}"
        for c in spec
        if c.stored
    ]
    converts += [
        f'CASE WHEN ({c.convert(chr(34) + c.name + chr(34))}) IS NULL THEN "{c.name}" END '
        f"AS {c.name}_text"
        if c.name in names
        else f"NULL::VARCHAR AS {c.name}_text"
        for c in spec
        if c.keep_text
    ]
    raw_text = " || ',' || ".join(
        f"coalesce({_trim_sql(chr(34) + n + chr(34)) if n in unstored else chr(34) + n + chr(34)}"
        ", '')"
        for n in names
    )
    problem = f"nullif(concat_ws('; ', {', '.join(problems)}), '')"
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table}_typed AS SELECT problem, "
            f"CASE WHEN problem IS NOT NULL THEN {raw_text} END AS raw_text, "
            f"{', '.join(converts)} FROM (SELECT *, {problem} AS problem FROM "
            f"(SELECT {trimmed} FROM {source}))"
        )
    except duckdb.Error as exc:
        raise AuditInputError(
            Text(
                "audit.input.not_parquet",
                f"{path}: not a readable Parquet file ({engine_detail(exc)})",
                path=str(path),
                detail=engine_detail(exc),
            )
            if parquet
            else Text(
                "audit.input.not_csv",
                f"{path}: cannot read as CSV ({engine_detail(exc)})",
                path=str(path),
                detail=engine_detail(exc),
            )
        ) from exc
    bad = [] if parquet else _rejected_rows(con, path, table)
    _number_lines(con, table, bad, header=not parquet)
    field_bad = con.execute(
        f"SELECT line, problem, raw_text FROM {table}_checked WHERE problem IS NOT NULL "
        f"ORDER BY line"
    ).fetchall()
    bad += [BadRow(str(path), int(ln), str(reason), str(text)) for ln, reason, text in field_bad]
    bad.sort(key=lambda b: b.line or 0)  # every row read here has its line
    if bad and on_bad_row == "fail":
        raise BadRowsError(bad)
    cols = ", ".join(
        [c.name for c in spec if c.stored] + [f"{c.name}_text" for c in spec if c.keep_text]
    )
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT line, {cols} FROM {table}_checked "
        f"WHERE problem IS NULL"
    )
    loaded = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return (int(loaded[0]) if loaded else 0), bad


def drop_loaded(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Free the memory of a table :func:`load_table` loaded (its rows, their numbering and
    the view over them), once no check will read it again."""
    kinds = dict(
        con.execute(
            "SELECT table_name, table_type FROM information_schema.tables "
            "WHERE table_name IN (?, ?, ?)",
            [table, f"{table}_checked", f"{table}_typed"],
        ).fetchall()
    )
    for name in (table, f"{table}_checked", f"{table}_typed"):
        if name in kinds:
            kind = "VIEW" if kinds[name] == "VIEW" else "TABLE"
            con.execute(f"DROP {kind} {name}")
