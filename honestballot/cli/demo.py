"""``honestballot demo``: a whole election with re-voting protection on the embedded store, with
progress bars (cli/demo_election.py; ``--coerced-voter``: cli/demo_revoting.py)."""

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

from honestballot.cli.demo_election import (
    DEFAULT_VOTERS,
    MAX_VOTERS,
    MIN_VOTERS,
    DemoElection,
    expected_counts,
    run_demo_election,
)
from honestballot.cli.demo_revoting import (
    DEMO_COVER,
    PAPER_UNIT,
    Run,
    expected_moves,
    run_coercion_demo,
)
from honestballot.cli.observer import print_report
from honestballot.service.demo import demo_manifest
from honestballot.verify.verifier import verify_record_file

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
    type=click.IntRange(MIN_VOTERS, MAX_VOTERS),
    help=f"The voters on the roll ({DEFAULT_VOTERS} by default, {COERCION_VOTERS} with "
    "--coerced-voter).",
)
@click.option(
    "--seed",
    default=2026,
    show_default=True,
    help="Seed of all the demo's randomness: the simulated voters' choices, keys and "
    "ciphertexts (with --coerced-voter, so that the two runs compare).",
)
@click.option(
    "--coerced-voter",
    is_flag=True,
    help="Instead: a boss watches two voters vote and keeps their credentials; run twice "
    "(one voter votes again later and the other on paper at their polling station, or "
    "both do nothing) and compare what the boss sees.",
)
def demo_command(directory: str, voters: int | None, seed: int, coerced_voter: bool) -> None:
    """Run a whole election with re-voting protection: ceremony, encrypted roll, voting in
    batches, re-votes, audits, refused cheats, the trustees' close, verification."""
    console = Console(highlight=False)
    if coerced_voter:
        _coerced_voter(console, Path(directory), voters or COERCION_VOTERS, seed)
        return
    with _bars(console) as progress:
        demo = run_demo_election(
            Path(directory), voters=voters or DEFAULT_VOTERS, seed=seed, progress=progress
        )
    _report(console, demo)
    _verify(console, demo.record_path)


def _report(console: Console, demo: DemoElection) -> None:
    """What ``honestballot demo`` shows of its election (cli/demo_election.py)."""
    voted = sum(p.first is not None for p in demo.plans)
    same, new = demo.revotes
    console.print(
        f"\n[bold]{voted} of {len(demo.plans)} voters voted; {len(demo.cast)} ballots cast: "
        f"{same + new} voters voted again, {same} with the same credential and {new} with a "
        "new one registered with their letter (which revoked the old one); "
        f"{demo.audited} ballots audited (never cast).[/bold]"
    )
    for what, answer in demo.refused:
        console.print(f"  [yellow]refused[/yellow] {what}: {answer}")
    console.print(
        "  (A ballot's proofs name its encrypted credential: copied under another "
        "credential, they fail.)"
    )
    board = demo.board
    marks = board["superseded"] + board["credential"]
    included = demo.receipts["included"]
    console.print(
        f"\n[bold]What the board shows[/bold]: {board['registration']} registrations and "
        f"{board['cast-row']} cast rows in {board['batch']} batches, each of the size the "
        "schedule fixed before the open (cover fills them), shuffled within the batch; "
        f"{board['audit']} audited ballots. A cast row names no voter and no unit."
    )
    if marks or included != len(demo.cast):
        console.print(
            f"  [red]The board marks re-votes: {marks} superseded or replaced-credential "
            f"events; {included} of {len(demo.cast)} receipts say 'included'.[/red]"
        )
    else:
        console.print(
            "  No event says that a voter voted again or replaced a credential (no "
            "'superseded', no 'replaces'), and the receipt of every ballot cast, counted or "
            f"not, says the same: 'included' ({included} of {len(demo.cast)})."
        )
    totals = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in demo.result["close"].items())
    console.print(
        f"  The close's public totals (docs/coercion.md §8.1): {totals}. The revoked "
        f"credentials are the {new} replaced by voters and the service's "
        f"{DEMO_COVER.k0} cover replacements, which a real election makes about 300 of, "
        "with noise, so that this total does not tell how many voters replaced a "
        "credential (docs/coercion.md §4); the demo makes them without noise."
    )
    console.print(_result_table("Result", demo.counted()))
    counted = demo.counted_per_unit()
    console.print(
        "  Ballots counted per reporting unit (one per voter who voted, in the unit of "
        "their roll row; ballots carry no unit): "
        + ", ".join(f"{unit}: {n}" for unit, n in counted.items())
    )
    expected = expected_counts(demo.plans)
    if demo.counted() == {k: expected[k] for k in demo.counted()} and counted == (
        demo.voted_per_unit()
    ):
        console.print(
            "  [green]The count equals the voters' last choices, unit by unit: each voter's "
            "last ballot counts, not the earlier ones nor those under a revoked "
            "credential.[/green]"
        )
    else:
        console.print("  [red]The count differs from the voters' last choices.[/red]")


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
