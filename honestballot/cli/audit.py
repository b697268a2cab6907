"""``honestballot audit`` and ``honestballot synth-roll``: thin adapters over the engine.

Exit codes of ``audit``: 0 when nothing at or above ``--fail-on`` was found, 1 when
something was, 2 when the input could not be audited.

``audit`` says everything it prints, errors included, in the language of ``--lang``
(default: the environment's, ``LC_ALL``, ``LC_MESSAGES`` or ``LANG``, else English), from
the project's catalogue (``honestballot/web/strings_audit.py``); check ids, severities,
column names and ``exit N`` stay as they are for scripts, numbers are written as the
language writes them (``honestballot/audit/numbers.py``; a finding line's count in digits
only in Russian and Kazakh).  The audit package
itself may not import the web layer (an import contract), so this command lives here.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Literal, NoReturn

import click
import duckdb

from honestballot.audit.config import AuditConfig, ClosedWindow
from honestballot.audit.engine import run_audit
from honestballot.audit.findings import (
    AuditInputError,
    AuditResult,
    BadRow,
    BadRowsError,
    Finding,
    Severity,
    observer_summary,
    to_json,
    write_csv,
    write_json,
)
from honestballot.audit.numbers import number
from honestballot.audit.report_html import render
from honestballot.audit.schema import engine_detail
from honestballot.audit.scoring import score
from honestballot.audit.synth import SynthPaths, generate
from honestballot.audit.synth_field import MIXES, FieldPaths, generate_field
from honestballot.errors import HonestBallotError, Text
from honestballot.web.i18n import LANGUAGES, STRINGS, translator
from honestballot.web.messages import finding_texts, say

_SEVERITIES = [s.label for s in Severity]
#: the roll's columns that may be unknown, each with its sentence (docs/audit.md)
_UNKNOWN = ("birth_date", "enrolled_at", "organisation")
#: why a row is malformed, as the audit writes it after "column: ", -> its catalogue key
_REASONS = {STRINGS[key][2]: key for key in STRINGS if key.startswith("audit.bad.")}


def language_from_environment() -> str:
    """``ru``, ``kk`` or ``en`` from the first of ``LC_ALL``, ``LC_MESSAGES`` and ``LANG``
    that is set (POSIX's order: ``ru_RU.UTF-8`` is ``ru``); English otherwise (``C``,
    ``POSIX``, another language, nothing set)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            code = value[:2].lower()
            return code if code in LANGUAGES and value[2:3] in ("", "_", ".", "@") else "en"
    return "en"


def _reason(reason: str, lang: str) -> str:
    """A bad row's reason (``"email: no @; confirmed: empty"``) in ``lang``; the column
    names stay, a reason the catalogue does not know stays as written."""
    t = translator(lang)
    parts = []
    for part in reason.split("; "):
        column, sep, why = part.partition(": ")
        phrases = [_REASONS.get(w) for w in why.split(", ")] if sep else [None]
        if all(phrases):
            parts.append(column + sep + ", ".join(t(str(k)) for k in phrases))
        else:
            parts.append(part)
    return "; ".join(parts)


def _say(lang: str, key: str, **values: object) -> str:
    """The catalogue's text ``key`` in ``lang``, its fields filled (a value that is itself
    a ``Text`` is said in ``lang`` too)."""
    return say(Text(key, STRINGS[key][2], **values), lang)


def _ungrouped(n: int, lang: str) -> str:
    """A count English prints without grouping (as it always did), in ``lang``."""
    return str(n) if lang == "en" else number(n, lang)


def _bad_rows(rows: list[BadRow], lang: str) -> str:
    shown = "; ".join(f"{b.where}: {_reason(b.reason, lang)}" for b in rows[:5])
    more = (
        _say(lang, "audit.input.bad_rows.more", count=_ungrouped(len(rows) - 5, lang))
        if len(rows) > 5
        else ""
    )
    return _say(
        lang, "audit.input.bad_rows", count=_ungrouped(len(rows), lang), rows=shown, more=more
    )


def _error(lang: str, exc: BaseException, message: str) -> NoReturn:
    click.echo(_say(lang, "audit.cli.error", kind=type(exc).__name__, message=message), err=True)
    raise click.exceptions.Exit(2)


def _os_error(exc: OSError, key: str, lang: str) -> str:
    """A system error with its code (``ENOENT``), naming the file when the system did."""
    code = errno.errorcode.get(exc.errno or 0, type(exc).__name__)
    if exc.filename is None:
        return _say(lang, "audit.cli.cannot_read_input", code=code)
    return _say(lang, key, path=str(exc.filename), code=code)


def _summary(result: AuditResult, threshold: Severity, code: int, lang: str) -> list[str]:
    t = translator(lang)
    rows = ", ".join(
        f"{t('audit.file.' + k) if 'audit.file.' + k in STRINGS else k} {number(v, lang)}"
        for k, v in result.rows_read.items()
    )
    seconds = result.elapsed_seconds
    elapsed = f"{seconds:.1f}" if lang == "en" else number(seconds, lang, 1)
    bad = _ungrouped(len(result.bad_rows), lang)
    lines = [_say(lang, "audit.cli.summary", rows=rows, elapsed=elapsed, bad=bad)]
    total = number(result.rows_read.get("roll", 0), lang)
    for column, n in result.roll_rows_without.items():
        if n and column in _UNKNOWN:
            said_n = number(n, lang)
            lines.append("  " + _say(lang, f"audit.cli.without.{column}", n=said_n, total=total))
    for f in result.findings:
        if f.count:
            said = _finding_texts(f, lang)
            # the count's column is for scripts too: in English grouped by commas as it
            # always was, in Russian and Kazakh digits only (no comma, their decimal mark)
            count = f"{f.count:>9,}" if lang == "en" else f"{f.count:>9}"
            lines.append(
                f"  {f.severity.label:<8} {f.check:<26} {count} {said['unit']}  {said['title']}"
            )
    verdict = "audit.cli.exit.found" if code else "audit.cli.exit.none"
    lines.append(f"exit {code}: " + _say(lang, verdict, severity=threshold.label))
    return lines


def _finding_texts(f: Finding, lang: str) -> dict[str, str]:
    """The finding's title, rule and unit in ``lang``: in English the finding's own (as
    the command printed before it had languages), else the catalogue's."""
    if lang == "en":
        return {"title": f.title, "rule": f.rule, "unit": f.unit}
    finding = {"check": f.check, "title": f.title, "rule": f.rule, "unit": f.unit}
    return finding_texts({**finding, "params": f.params, "count": f.count}, lang)


def _render(result: AuditResult, observer: bool, threshold: Severity, lang: str) -> str:
    def words(key: str, english: str, /, **values: object) -> str:
        return english.format(**values) if lang == "en" else _say(lang, key, **values)

    return render(
        result,
        observer,
        threshold,
        lang,
        lambda f: _finding_texts(f, lang),
        words,
        lambda reason: _reason(reason, lang),
    )


def _score_table(result: AuditResult, truth: Path, lang: str) -> str:
    lines = [translator(lang)("audit.cli.score.header"), "|---|---:|---:|---:|---:|"]
    for s in score(result, truth, Severity.MEDIUM).values():
        lines.append(
            f"| `{s.check}` | {_ungrouped(s.truth, lang)} | {_ungrouped(s.predicted, lang)} | "
            f"{number(s.precision, lang, 3)} | {number(s.recall, lang, 3)} |"
        )
    return "\n".join(lines)


def _check_truth(path: Path, lang: str) -> None:
    """A ``--score-against`` file that cannot be read, or is not a synth-roll truth.json
    (JSON with a ``checks`` object of ``{"key": …, "values": […]}``), ends the command
    before the audit runs (exit 2)."""
    try:
        checks = json.loads(path.read_text("utf-8"))["checks"]
        for spec in checks.values():
            str(spec["key"])
            list(spec["values"])
    except OSError as exc:
        _error(lang, exc, _os_error(exc, "audit.cli.cannot_read", lang))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        detail = f"{type(exc).__name__}: {exc}"
        _error(lang, exc, _say(lang, "audit.cli.score.not_truth", path=str(path), detail=detail))


def _write(outputs: list[tuple[Path | None, Callable[[Path], object]]]) -> None:
    for path, write in outputs:
        if path:
            write(path)


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
    metavar="YYYY-MM-DD",
    help="Reference day for birth dates (default: latest enrolment).",
)
@click.option("--min-age", type=click.IntRange(min=0), default=16, show_default=True)
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
    help="Skip malformed rows (listed) or stop the run (the roll's rows are checked "
    "before the activity log is read).",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=language_from_environment,
    show_default="LC_ALL, LC_MESSAGES or LANG if ru, kk or en, else en",
    help="Language of everything the command prints (summary, findings, errors) and of "
    "the HTML reports; check ids, severities and 'exit N' stay the same. "
    "Without it, the environment's language.",
)
@click.option("--threads", type=click.IntRange(min=1), help="DuckDB threads (default: all cores).")
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
    as_of: str | None,
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
    if score_against:
        _check_truth(score_against, lang)
    try:
        config = AuditConfig(
            closed_windows=tuple(ClosedWindow.parse(w) for w in closed_windows),
            as_of=_day(as_of) if as_of else None,
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
    except BadRowsError as exc:
        _error(lang, exc, _bad_rows(exc.bad_rows, lang))
    except HonestBallotError as exc:
        _error(lang, exc, say(exc.args[0], lang) if exc.args else str(exc))
    except OSError as exc:
        _error(lang, exc, _os_error(exc, "audit.cli.cannot_read", lang))
    except duckdb.Error as exc:
        # DuckDB's own errors (out of memory under --memory-limit, a temporary directory
        # that fills up, an internal error): the first line of its English message (the
        # rest suggests SQL settings), as the detail
        detail = engine_detail(exc)
        if isinstance(exc, duckdb.OutOfMemoryException):
            _error(lang, exc, _say(lang, "audit.cli.out_of_memory", detail=detail))
        _error(lang, exc, _say(lang, "audit.cli.engine", detail=detail))
    try:
        _write(
            [
                (
                    html_out,
                    lambda p: p.write_text(_render(result, False, threshold, lang), "utf-8"),
                ),
                (
                    observer_html,
                    lambda p: p.write_text(_render(result, True, threshold, lang), "utf-8"),
                ),
                (json_out, lambda p: write_json(to_json(result), p)),
                (csv_out, lambda p: write_csv(result, p)),
                (observer_json, lambda p: write_json(observer_summary(result), p)),
            ]
        )
    except OSError as exc:
        _error(lang, exc, _os_error(exc, "audit.cli.cannot_write", lang))
    code = result.exit_code(threshold)
    if score_against:
        try:
            table = _score_table(result, score_against, lang)
        except AuditInputError as exc:  # a finding whose records were capped
            _error(lang, exc, say(exc.args[0], lang))
        click.echo(table)
    if not quiet:
        for line in _summary(result, threshold, code, lang):
            click.echo(line)
    return code


def _day(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise AuditInputError(
            Text("audit.input.as_of", f"--as-of {text}: expected a date as YYYY-MM-DD", value=text)
        ) from None


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
