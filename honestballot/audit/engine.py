"""One audit run: load the inputs into an embedded DuckDB, run every check, gather charts.

The engine reads files and returns an :class:`AuditResult`; it never writes election
state. Writing reports is the caller's business (see :mod:`report_html`, :mod:`findings`).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from pathlib import Path

import duckdb

from honestballot.audit.checks_activity import (
    cut_log,
    device_cluster_sizes,
    prepare,
    run_activity_checks,
    turnout_series,
)
from honestballot.audit.checks_roll import (
    cluster_sizes,
    enrolment_series,
    run_roll_checks,
    unknown_counts,
)
from honestballot.audit.config import AuditConfig
from honestballot.audit.findings import (
    AuditInputError,
    AuditResult,
    BadRow,
    BadRowsError,
    Finding,
    Severity,
)
from honestballot.audit.schema import (
    ACTIVITY_COLUMNS,
    ROLL_COLUMNS,
    OnBadRow,
    check_source,
    drop_loaded,
    engine_detail,
    load_table,
)
from honestballot.errors import EncodingError, Text


def _bad_row_finding(bad: list[BadRow], cap: int) -> Finding:
    return Finding(
        check="input.bad_row",
        severity=Severity.MEDIUM,
        title="Malformed input rows skipped (not audited)",
        count=len(bad),
        unit="rows",
        records=tuple(
            {"group": b.file, "line": b.line, "voter": None, "name": None, "detail": b.reason}
            for b in bad[:cap]
        ),
        groups=len({b.file for b in bad}),
        rule="rows that fail the format in docs/audit.md; listed, never silently dropped",
    )


def _drop_log(con: duckdb.DuckDBPyConnection) -> None:
    """Free what a failed load or cut of the log left, before the roll is loaded (its
    error is raised after the roll's); a connection that cannot even do that is left
    to the roll's load to report."""
    try:
        drop_loaded(con, "activity")
        for table in ("signins_log", "codes_log", "casts_log", "log_voters"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
    except duckdb.Error:
        pass


def run_audit(
    roll: Path,
    activity: Path | None = None,
    config: AuditConfig | None = None,
    on_bad_row: OnBadRow = "skip",
    threads: int | None = None,
    memory_limit: str | None = None,
) -> AuditResult:
    """Audit ``roll`` (and ``activity`` if given) under ``config``.

    ``memory_limit`` (DuckDB's notation, e.g. ``6GB``) caps what the tables and the
    queries hold in memory (default: DuckDB's, 80 % of the machine's); beyond it DuckDB
    writes to a private temporary directory, removed after the run.
    """
    cfg = config or AuditConfig()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hb-audit-") as spill:
        settings: dict[str, str | bool | int | float | list[str]] = {"temp_directory": spill}
        if memory_limit:
            settings["memory_limit"] = memory_limit
        try:
            con = duckdb.connect(":memory:", config=settings)
        except duckdb.Error as exc:
            raise AuditInputError(
                Text(
                    "audit.input.memory_limit",
                    f"memory limit {memory_limit!r}: {engine_detail(exc)}",
                    limit=repr(memory_limit),
                    detail=engine_detail(exc),
                )
            ) from exc
        return _run(con, roll, activity, cfg, on_bad_row, threads, started)


def _run(
    con: duckdb.DuckDBPyConnection,
    roll: Path,
    activity: Path | None,
    cfg: AuditConfig,
    on_bad_row: OnBadRow,
    threads: int | None,
    started: float,
) -> AuditResult:
    try:
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        # DuckDB's blocks come from a pool it keeps until the connection closes, up to the
        # memory limit, instead of being given back to the system and asked for again
        # between queries (page faults: system CPU time); the peak is the same.
        con.execute("SET block_allocator_memory = '100%'")
        con.execute("SET preserve_insertion_order = true")
        rows: dict[str, int] = {}
        # The log is loaded first and cut down to what the checks read (cut_log) before
        # the roll is loaded: the two loaded files are never in memory at once. The roll's
        # errors still come first, as if it had been loaded first: the roll's file and
        # columns are checked before the log is read (a mistyped path or a missing column
        # is reported at once, not after the whole log was loaded and cut), and whatever
        # loading or cutting the log raised is held until the roll has loaded. Under
        # ``fail`` the roll's rows are checked before the log is read too: the roll is
        # loaded (which raises on its malformed rows) and dropped again, so that a bad line
        # of the roll stops the run before a long log is read; the roll is then loaded a
        # second time after the log, as under ``skip`` (one more pass over the roll, and
        # the two files still never in memory at once).
        if activity is not None:
            check_source(con, roll, ROLL_COLUMNS)
            if on_bad_row == "fail":
                load_table(con, roll, ROLL_COLUMNS, "roll", "fail")
                drop_loaded(con, "roll")
        events, bad_act = 0, list[BadRow]()
        log_error: Exception | None = None
        if activity is not None:
            try:
                events, bad_act = load_table(con, activity, ACTIVITY_COLUMNS, "activity", "skip")
                if cut_log(con):
                    cfg = replace(cfg, revoting=True)
            except (AuditInputError, EncodingError, OSError, duckdb.Error) as exc:
                log_error = exc
                _drop_log(con)
        rows["roll"], bad = load_table(con, roll, ROLL_COLUMNS, "roll", on_bad_row)
        if log_error is not None:
            raise log_error
        if activity is not None:
            if cfg.revoting:
                # a malformed row of the log is listed without its text and its line: the
                # text is one event of a voter's, outside every finding's window, and the
                # line its place among everyone's (docs/coercion.md §9); and the log's size
                # is not said: beside the voters who signed in, it would count the sign-ins
                # after a voter's first, replacements among them
                bad_act = [replace(b, line=None, text="") for b in bad_act]
            else:
                rows["activity"] = events
            if bad_act and on_bad_row == "fail":
                raise BadRowsError(bad_act)
            bad += bad_act
        findings: list[Finding] = [_bad_row_finding(bad, cfg.max_records)] if bad else []
        unknown = unknown_counts(con)
        if activity is not None:
            prepare(con)
        findings += run_roll_checks(con, cfg, with_activity=activity is not None)
        series: dict[str, object] = {
            "enrolments": enrolment_series(con),
            "closed_windows": [
                [w.start.isoformat(), w.end.isoformat()] for w in cfg.closed_windows
            ],
            "clusters": {
                "phone": cluster_sizes(con, "roll", "phone"),
                "e-mail": cluster_sizes(con, "roll", "email"),
            },
        }
        if activity is not None:
            findings += run_activity_checks(con, cfg)
            clusters = series["clusters"]
            assert isinstance(clusters, dict)
            clusters["device"] = device_cluster_sizes(con)
            flagged = sorted(
                {
                    str(r["group"])
                    for f in findings
                    if f.check == "turnout.abnormal_curve" and f.severity >= Severity.MEDIUM
                    for r in f.records
                }
            )
            series["turnout"] = turnout_series(con, flagged)
    finally:
        con.close()
    findings.sort(key=lambda f: (-f.severity, f.check))
    return AuditResult(
        findings=findings,
        bad_rows=bad,
        rows_read=rows,
        roll_rows_without=unknown,
        series=series,
        elapsed_seconds=time.perf_counter() - started,
        revoting=cfg.revoting,
    )
