"""``honestballot audit`` and ``honestballot synth-roll``: thin adapters over the engine.

Exit codes of ``audit``: 0 when nothing at or above ``--fail-on`` was found, 1 when
something was, 2 (from the main CLI) when the input could not be audited.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Literal

import click

from honestballot.audit.config import AuditConfig, ClosedWindow
from honestballot.audit.engine import run_audit
from honestballot.audit.findings import (
    Severity,
    observer_summary,
    to_json,
    write_csv,
    write_json,
)
from honestballot.audit.report_html import render, unknown_lines
from honestballot.audit.scoring import format_table, score
from honestballot.audit.synth import SynthPaths, generate
from honestballot.audit.synth_field import MIXES, FieldPaths, generate_field

_SEVERITIES = [s.label for s in Severity]


@click.command("audit")
@click.argument("roll", type=click.Path(path_type=Path))
@click.option(
    "--activity",
    type=click.Path(path_type=Path),
    help="Sign-in and cast log (CSV or Parquet), see docs/audit.md.",
)
@click.option(
    "--closed-window",
    "closed_windows",
    multiple=True,
    metavar="START/END",
    help="Period when enrolment was closed, ISO 8601 in the files' time zone (UTC for "
    "the voting service's exports); repeatable.",
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Reference day for birth dates (default: latest enrolment).",
)
@click.option("--min-age", type=int, default=16, show_default=True)
@click.option(
    "--html",
    "html_out",
    type=click.Path(path_type=Path),
    help="Organiser's HTML report (names records).",
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(path_type=Path),
    help="Organiser's findings as JSON (with records).",
)
@click.option(
    "--csv", "csv_out", type=click.Path(path_type=Path), help="One line per (finding, record)."
)
@click.option(
    "--observer-json", type=click.Path(path_type=Path), help="Counts only, safe to publish."
)
@click.option(
    "--observer-html",
    type=click.Path(path_type=Path),
    help="HTML report with counts and charts only, safe to publish.",
)
@click.option(
    "--fail-on",
    type=click.Choice(_SEVERITIES),
    default="high",
    show_default=True,
    help="Exit 1 if any finding is at or above this severity.",
)
@click.option(
    "--on-bad-row",
    type=click.Choice(["skip", "fail"]),
    default="skip",
    show_default=True,
    help="Skip malformed rows (listed) or stop the run.",
)
@click.option(
    "--lang",
    type=click.Choice(["ru", "kk", "en"]),
    default="en",
    show_default=True,
    help="Language of the reasons given in the HTML report.",
)
@click.option("--threads", type=int, help="DuckDB threads (default: all cores).")
@click.option(
    "--memory-limit",
    help="Memory the audit's tables may hold, e.g. 6GB (default: 80% of the machine's); "
    "beyond it they are written to a temporary directory.",
)
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
@click.option(
    "--score-against",
    type=click.Path(path_type=Path),
    help="A synth-roll truth.json: print each check's precision and recall.",
)
def audit_command(
    roll: Path,
    activity: Path | None,
    closed_windows: tuple[str, ...],
    as_of: dt.datetime | None,
    min_age: int,
    html_out: Path | None,
    json_out: Path | None,
    csv_out: Path | None,
    observer_json: Path | None,
    observer_html: Path | None,
    fail_on: str,
    on_bad_row: str,
    lang: str,
    threads: int | None,
    memory_limit: str | None,
    quiet: bool,
    score_against: Path | None,
) -> int:
    """Audit a voter ROLL (CSV or Parquet) and, optionally, an activity log."""
    threshold = Severity.parse(fail_on)
    config = AuditConfig(
        closed_windows=tuple(ClosedWindow.parse(w) for w in closed_windows),
        as_of=as_of.date() if as_of else None,
        min_age=min_age,
    )
    result = run_audit(
        roll,
        activity,
        config,
        "fail" if on_bad_row == "fail" else "skip",
        threads,
        memory_limit,
    )
    if html_out:
        html_out.write_text(render(result, observer=False, fail_on=threshold, lang=lang), "utf-8")
    if observer_html:
        observer_html.write_text(render(result, observer=True, fail_on=threshold), "utf-8")
    if json_out:
        write_json(to_json(result), json_out)
    if csv_out:
        write_csv(result, csv_out)
    if observer_json:
        write_json(observer_summary(result), observer_json)
    code = result.exit_code(threshold)
    if score_against:
        click.echo(format_table(score(result, score_against, Severity.MEDIUM)))
    if not quiet:
        rows = ", ".join(f"{k} {v:,}" for k, v in result.rows_read.items())
        click.echo(
            f"audited {rows} rows in {result.elapsed_seconds:.1f} s; "
            f"{len(result.bad_rows)} malformed row(s) skipped"
        )
        for line in unknown_lines(result):
            click.echo(f"  {line}")
        for f in result.findings:
            if f.count:
                click.echo(
                    f"  {f.severity.label:<8} {f.check:<26} {f.count:>9,} {f.unit}  {f.title}"
                )
        click.echo(
            f"exit {code}: "
            + ("findings at or above " if code else "nothing at or above ")
            + threshold.label
        )
    return code


@click.command("synth-roll")
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option("--rows", type=int, default=20000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet"]),
    default="csv",
    show_default=True,
    help="Format of the roll (the activity log is CSV).",
)
@click.option("--no-activity", is_flag=True, help="Write the roll and truth only.")
@click.option(
    "--generator",
    type=click.Choice(["patterns", "field"]),
    default="patterns",
    show_default=True,
    help="patterns: the injected patterns the checks were first written against; field: "
    "households and honest look-alikes at researched rates, fraud in less textbook shapes "
    "(docs/audit.md).",
)
@click.option(
    "--mix",
    type=click.Choice(sorted(MIXES)),
    default="A",
    show_default=True,
    help="The field generator's honest background (A tunes, B reports).",
)
def synth_roll_command(
    out_dir: Path, rows: int, seed: int, fmt: str, no_activity: bool, generator: str, mix: str
) -> int:
    """Write a synthetic roll, activity log and ground truth into OUT_DIR."""
    form: Literal["csv", "parquet"] = "parquet" if fmt == "parquet" else "csv"
    if generator == "field":
        paths: SynthPaths | FieldPaths = generate_field(
            out_dir, rows, seed, mix, with_activity=not no_activity, fmt=form
        )
    else:
        paths = generate(out_dir, rows, seed, with_activity=not no_activity, fmt=form)
    truth = json.loads(paths.truth.read_text("utf-8"))
    click.echo(f"roll: {paths.roll}")
    if paths.activity:
        click.echo(f"activity: {paths.activity}")
    click.echo(f"truth: {paths.truth}")
    windows = " ".join(f"--closed-window {w}" for w in truth["closed_windows"])
    activity = f" --activity {paths.activity}" if paths.activity else ""
    click.echo(f"try: honestballot audit {paths.roll}{activity} {windows} --html report.html")
    return 0
