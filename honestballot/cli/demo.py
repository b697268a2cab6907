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

from honestballot.cli.demo_revoting import PAPER_UNIT, Run, expected_moves, run_coercion_demo
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
    help="Instead: an election with re-voting protection in which a boss watches two voters "
    "vote and keeps their credentials; run twice (one voter votes again later and the "
    "other on paper at their polling station, or both do nothing) and compare what the "
    "boss sees.",
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
        "\n[bold]The boss watched two voters vote and kept their credentials and the "
        f"tracking codes {a.boss.receipt_when_cast['tracking_code']} (the coerced voter) and "
        f"{a.boss.paper_receipt_when_cast['tracking_code']} (the paper voter, of "
        f"{PAPER_UNIT}).[/bold]"
    )
    console.print(
        "  Run A: later, the coerced voter voted again online with their letter, and the "
        f"paper voter voted on paper at the polling station of {PAPER_UNIT}. Run B: both did "
        f"nothing more, and another voter of {PAPER_UNIT} voted on paper there instead."
    )
    for who, cast, after in (
        ("coerced voter", a.boss.receipt_when_cast, a.boss.receipt_after_close),
        ("paper voter", a.boss.paper_receipt_when_cast, a.boss.paper_receipt_after_close),
    ):
        console.print(
            f"  The {who}'s watched ballot's receipt: '{cast['status']}' when cast, "
            f"'{after['status']}' after the close, in both runs."
        )
    if demo.differences:
        console.print(
            f"  [red]The boss's view differs between the runs in: "
            f"{', '.join(demo.differences)}[/red]"
        )
    else:
        console.print(
            f"  The public record up to the close ({len(a.boss.record)} events and batches, "
            f"the paper results of {PAPER_UNIT} among them) is the same in both runs in every "
            "event's kind, time and size, and so are the receipts: from them the boss cannot "
            "tell whether the voter voted again, nor whether the paper voter voted on paper."
        )
    table = Table(title="The public totals (docs/coercion.md §8.1)")
    table.add_column("total")
    table.add_column("run A", justify="right")
    table.add_column("run B", justify="right")
    for key, value in a.result["close"].items():
        table.add_row(key.replace("_", " "), str(value), str(b.result["close"][key]))
    for key in ("listed", "cancelled_rows", "cancelled_e_votes"):
        table.add_row(f"paper: {key.replace('_', ' ')}", *(_paper_total(r, key) for r in (a, b)))
    console.print(table)
    console.print(
        "  After the close, these totals differ, and with them the sizes of the close's "
        "lists that follow from them, as docs/coercion.md §8.1 says; and the result, by the "
        "voters' ballots. In this small demo, with 2 cover replacements and no noise, "
        "one more revoked credential gives the re-vote away; a real election makes about "
        "300 cover replacements, with noise, which hide it (docs/coercion.md §4), among its "
        "other voters' replacements. The paper totals are the same in both runs: one voter "
        f"listed at {PAPER_UNIT}, one e-vote cancelled, whoever it was. Not compared here: "
        "the close's objects' contents, snapshots and the results page (docs/coercion.md §14)."
    )
    combined = {c["id"]: c["count"] for c in a.result["paper"]["combined"]}
    console.print(_result_table("Result of run A (e-votes and paper ballots combined)", combined))
    moved = demo.e_votes_moved()
    against = ", ".join(f"{i} {n:+d}" for i, n in moved.items())
    console.print("  E-votes counted, against run B (where the watched ballots count): " + against)
    paper = {c["id"]: c["count"] for c in a.result["paper"]["counts"] if "@" not in c["id"]}
    on_paper = ", ".join(i for i, n in paper.items() if n)
    if moved == expected_moves():
        console.print(
            "  [green]The coerced voter's own later ballot counts, not the watched one; the "
            "paper voter's watched e-vote was cancelled by their paper vote, and their paper "
            f"ballot ({on_paper}) counts.[/green]"
        )
    else:
        console.print(
            "  [red]The e-votes counted are not those of the voters' own choices (expected: "
            + ", ".join(f"{i} {n:+d}" for i, n in expected_moves().items())
            + ")[/red]"
        )
    counted = ", ".join(f"{u['unit']}: {u['ballots']}" for u in a.result["counted_per_unit"])
    console.print(f"  E-votes counted per reporting unit: {counted}")
    _verify(console, a.record_path)


def _paper_total(run: Run, key: str) -> str:
    """A total of the result's ``paper`` member: election-wide where the result gives it
    so (the e-votes cancelled), else the sum over the reporting units."""
    paper = run.result["paper"]
    if key in paper:
        return str(paper[key])
    return str(sum(u[key] for u in paper["units"]))
