"""``honestballot forensics``: a thin adapter over the methods and the report.

Exit codes: 0 when the analysis ran (whatever it found: a statistical sign is for a
person to read, not a verdict), 2 (from the main CLI) when the input could not be read.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress, TaskID

from honestballot.forensics.analysis import run, to_json
from honestballot.forensics.exitpoll import compare, load_exit_poll
from honestballot.forensics.loaders import load
from honestballot.forensics.report import render
from honestballot.forensics.strings import LANGUAGES, text


@click.command("forensics")
@click.argument("results", type=click.Path(path_type=Path))
@click.option(
    "--mapping",
    type=click.Path(path_type=Path),
    help="Column-mapping file (JSON) for a CSV layout.",
)
@click.option("--exit-poll", type=click.Path(path_type=Path), help="Exit-poll file (JSON).")
@click.option(
    "--turnout",
    type=click.Path(path_type=Path),
    help="An honestballot election's turnout.json (registered voters per unit).",
)
@click.option("--contest", help="The contest of an honestballot result (default: the first).")
@click.option("--encoding", default="utf-8", show_default=True, help="The CSV file's encoding.")
@click.option("--html", "html_out", type=click.Path(path_type=Path), help="Write the HTML report.")
@click.option("--json", "json_out", type=click.Path(path_type=Path), help="Write the JSON report.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="ru", show_default=True)
@click.option("--repetitions", type=click.IntRange(10), default=1000, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option(
    "--null",
    type=click.Choice(["binomial", "normal"]),
    default="binomial",
    show_default=True,
    help="Monte-Carlo counts: exact binomial (as the papers), or the rounded normal "
    "approximation for large stations (about 3x faster; docs/forensics.md).",
)
@click.option(
    "--no-fingerprint", is_flag=True, help="Skip the Klimek fits (national and per region)."
)
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
def forensics_command(
    results: Path,
    mapping: Path | None,
    exit_poll: Path | None,
    turnout: Path | None,
    contest: str | None,
    encoding: str,
    html_out: Path | None,
    json_out: Path | None,
    lang: str,
    repetitions: int,
    seed: int,
    null: str,
    no_fingerprint: bool,
    quiet: bool,
) -> int:
    """Statistical forensics of per-station RESULTS (CSV, or an honestballot result JSON)."""
    stations = load(results, mapping, encoding=encoding, turnout=turnout, contest=contest)
    if not quiet:
        click.echo(text("cli.read", lang, stations=stations.size, bad=len(stations.bad_rows)))
        for b in stations.bad_rows[:20]:
            click.echo(f"  {results}:{b.line}: {text(b.reason, lang)} {b.detail}")
    console = Console(stderr=True)
    with Progress(console=console, disable=quiet or not console.is_terminal) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(task: str, advance: int, total: int) -> None:
            if task not in tasks:
                tasks[task] = bar.add_task(task, total=total)
            bar.advance(tasks[task], advance)

        analysis = run(
            stations,
            repetitions,
            seed,
            fingerprint=not no_fingerprint,
            null=null,
            progress=progress,
        )
    if exit_poll is not None:
        analysis.exit_poll = compare(load_exit_poll(exit_poll), stations)
    doc = to_json(analysis)
    if json_out:
        json_out.write_text(json.dumps(doc, ensure_ascii=False, indent=1), "utf-8")
    if html_out:
        html_out.write_text(render(analysis, lang), "utf-8")
    if not quiet:
        _summary(doc, lang)
    return 0


def _summary(doc: dict[str, object], lang: str) -> None:
    integer = doc.get("integer")
    if isinstance(integer, dict):
        e = integer["either"]["stations"]
        click.echo(
            f"{text('integer.title', lang)}: {e['excess']:+.1f} "
            f"({text('col.sd', lang)} {e['mc_sd']:.1f}, p = {e['p_value']:.3g})"
        )
    shp = doc.get("shpilkin")
    if isinstance(shp, dict):
        click.echo(
            f"{text('shpilkin.title', lang)}: {shp['excess_votes']:,.0f} (p = {shp['p_value']:.3g})"
        )
    kl = doc.get("klimek")
    if isinstance(kl, dict):
        click.echo(
            f"{text('klimek.title', lang)}: f_i = {kl['f_incremental']}, f_e = {kl['f_extreme']}"
        )
    poll = doc.get("exit_poll")
    if isinstance(poll, dict):
        flagged = [r for r in poll["rows"] if r["flagged"]]
        click.echo(f"{text('exit.title', lang)}: {len(flagged)} / {len(poll['rows'])}")
    sys.stdout.flush()
