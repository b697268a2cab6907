"""``honestballot demo``: a whole election on the embedded store, with progress bars."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from honestballot.cli.observer import print_report
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.service.demo import demo_manifest, run_demo
from honestballot.verify.verifier import verify_record_file


@click.command("demo")
@click.option(
    "--dir",
    "directory",
    default="demo-election",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Where the store, trustee files and record go.",
)
@click.option("--voters", default=1000, show_default=True, type=click.IntRange(10, 1_000_000))
@click.option(
    "--seed", default=2026, show_default=True, help="Seed of the simulated voters' choices."
)
def demo_command(directory: str, voters: int, seed: int) -> None:
    """Run a whole election: ceremony, voting, re-votes, audits, attacks, tally, verification."""
    console = Console(highlight=False)
    tasks: dict[str, TaskID] = {}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bars:

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(stage, total=total)
            bars.update(tasks[stage], completed=done)

        outcome = run_demo(
            Path(directory), SYSTEM_RANDOMNESS, voters=voters, seed=seed, progress=progress
        )

    console.print(
        f"\n[bold]{outcome.cast} ballots cast, {outcome.revotes} re-votes, "
        f"{outcome.audited} audited (not counted)[/bold]"
    )
    for line in outcome.rejected:
        console.print(f"  [yellow]refused[/yellow] {line}")
    manifest = demo_manifest()
    table = Table(title="Result")
    table.add_column("contest")
    table.add_column("option")
    table.add_column("votes", justify="right")
    for contest in manifest.contests:
        for option in contest.options:
            table.add_row(
                contest.title.en, option.label.en, str(outcome.counts[f"{contest.id}/{option.id}"])
            )
    console.print(table)
    console.print(f"\nRecord exported to {outcome.record_path}; verifying it independently…\n")
    report = verify_record_file(str(outcome.record_path))
    print_report(report, console)
    console.print(f"\nCheck it yourself: honestballot verify {outcome.record_path}")
    if not report.passed:
        sys.exit(1)
