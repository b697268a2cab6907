"""``honestballot demo``: a whole election on the embedded store, with progress bars."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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

from honestballot.cli.demo_revoting import run_coercion_demo
from honestballot.cli.observer import print_report
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.service.demo import demo_manifest, run_demo
from honestballot.verify.verifier import verify_record_file

DEFAULT_VOTERS = 1000
COERCION_VOTERS = 20


@click.command("demo")
@click.option(
    "--dir",
    "directory",
    default="demo-election",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Where the store, trustee files and record go.",
)
@click.option(
    "--voters",
    type=click.IntRange(10, 1_000_000),
    help=f"The voters ({DEFAULT_VOTERS} by default; with --coerced-voter 10 to 200, "
    f"{COERCION_VOTERS} by default).",
)
@click.option(
    "--seed",
    default=2026,
    show_default=True,
    help="Seed of the simulated voters' choices (with --coerced-voter, of all the demo's "
    "randomness: keys and ciphertexts too, so that the two runs compare).",
)
@click.option(
    "--coerced-voter",
    is_flag=True,
    help="Instead: an election with re-voting protection in which a boss watches a voter "
    "vote and keeps the credential; run twice (the voter votes again later, or does "
    "nothing) and compare what the boss sees.",
)
def demo_command(directory: str, voters: int | None, seed: int, coerced_voter: bool) -> None:
    """Run a whole election: ceremony, voting, re-votes, audits, attacks, tally, verification."""
    console = Console(highlight=False)
    if coerced_voter:
        _coerced_voter(console, Path(directory), voters or COERCION_VOTERS, seed)
        return
    with _bars(console) as progress:
        outcome = run_demo(
            Path(directory),
            SYSTEM_RANDOMNESS,
            voters=voters or DEFAULT_VOTERS,
            seed=seed,
            progress=progress,
        )

    console.print(
        f"\n[bold]{outcome.cast} ballots cast, {outcome.revotes} re-votes, "
        f"{outcome.audited} audited (not counted)[/bold]"
    )
    for line in outcome.rejected:
        console.print(f"  [yellow]refused[/yellow] {line}")
    console.print(_result_table("Result", outcome.counts))
    _verify(console, outcome.record_path)


def _result_table(title: str, counts: dict[str, int]) -> Table:
    """The demo manifest's counts per option, election-wide."""
    table = Table(title=title)
    table.add_column("contest")
    table.add_column("option")
    table.add_column("votes", justify="right")
    for contest in demo_manifest().contests:
        for option in contest.options:
            table.add_row(
                contest.title.en, option.label.en, str(counts[f"{contest.id}/{option.id}"])
            )
    return table


def _verify(console: Console, record: Path) -> None:
    console.print(f"\nRecord exported to {record}; verifying it independently…\n")
    report = verify_record_file(str(record))
    print_report(report, console)
    console.print(f"\nCheck it yourself: honestballot verify {record}")
    if not report.passed:
        sys.exit(1)


@contextmanager
def _bars(console: Console) -> Iterator[Callable[[str, int, int], None]]:
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
            bars.update(tasks[stage], completed=done, total=total)

        yield progress


def _coerced_voter(console: Console, directory: Path, voters: int, seed: int) -> None:
    """honestballot demo --coerced-voter (cli/demo_revoting.py)."""
    if voters > 200:
        raise click.BadParameter("at most 200 voters with --coerced-voter", param_hint="--voters")
    with _bars(console) as progress:
        demo = run_coercion_demo(directory, voters=voters, seed=seed, progress=progress)
    a, b = demo.voted_again, demo.did_nothing
    console.print(
        "\n[bold]The boss watched the voter vote and kept the credential and the tracking "
        f"code {a.boss.receipt_when_cast['tracking_code']}.[/bold]"
    )
    console.print(
        f"  The watched ballot's receipt: '{a.boss.receipt_when_cast['status']}' when cast, "
        f"'{a.boss.receipt_after_close['status']}' after the close, in both runs."
    )
    if demo.differences:
        console.print(
            f"  [red]The boss's view differs between the runs in: "
            f"{', '.join(demo.differences)}[/red]"
        )
    else:
        console.print(
            f"  The public record up to the close ({len(a.boss.record)} events and batches) "
            "is the same in both runs in every event's kind, time and size, and so are the "
            "receipts: from them the boss cannot tell whether the voter voted again."
        )
    table = Table(title="The public totals (docs/coercion.md §8.1)")
    table.add_column("total")
    table.add_column("voted again", justify="right")
    table.add_column("did nothing", justify="right")
    for key, value in a.result["close"].items():
        table.add_row(key.replace("_", " "), str(value), str(b.result["close"][key]))
    console.print(table)
    console.print(
        "  After the close, these totals differ, and with them the sizes of the close's "
        "lists that follow from them, as docs/coercion.md §8.1 says; and the result, by the "
        "voter's one ballot. In this small demo, with 2 cover replacements and no noise, "
        "one more revoked credential gives the re-vote away; a real election makes about "
        "300 cover replacements, with noise, which hide it (docs/coercion.md §4), among its "
        "other voters' replacements. Not compared here: the close's objects' contents, "
        "snapshots and the results page (docs/coercion.md §14)."
    )
    counts = {c["id"]: c["count"] for c in a.result["counts"]}
    console.print(_result_table("Result (the voter voted again: the own vote counts)", counts))
    other = {c["id"]: c["count"] for c in b.result["counts"]}
    moved = [
        f"{i} {counts[i] - other[i]:+d}" for i in counts if "@" not in i and counts[i] != other[i]
    ]
    console.print(
        "  Against the run in which the voter did nothing (where the watched ballot counts): "
        + ", ".join(moved)
    )
    counted = ", ".join(f"{u['unit']}: {u['ballots']}" for u in a.result["counted_per_unit"])
    console.print(f"  Ballots counted per reporting unit: {counted}")
    _verify(console, a.record_path)
