"""Organiser commands: ``honestballot election ...``.

The organiser creates the election from a manifest and the trustees' finished
key ceremony, registers voters' public credentials, opens and closes it; the trustees
count it in its close (``honestballot trustee close-round``).
None of these commands can see a vote or a credential's secret.

``activity`` and ``roll-audit`` are the operator's: whoever holds the database writes the
two files ``honestballot audit`` reads (docs/audit.md).  The activity log is not given to
organisers over the web (it shows who voted again); the files hold personal data, so they
are new files only their owner can read.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from honestballot.cli.common import (
    database_option,
    open_service,
    private_text_file,
    read_bytes,
)
from honestballot.protocol.election import manifest_hash
from honestballot.protocol.schedule import (
    DEFAULT_INTERVAL_S,
    DEFAULT_K0,
    Schedule,
)
from honestballot.protocol.schedule_plan import (
    Plan,
    epsilon_text,
    hour_runs,
    parse_epsilon,
    ratio_text,
    slots,
)
from honestballot.protocol.witnesses import Witness
from honestballot.record.codec import decode_point, parse_json
from honestballot.record.manifest import load_manifest
from honestballot.record.trustee import decode_election_key
from honestballot.service.organiser_cases import create_election
from honestballot.service.paper import write_paper_roll
from honestballot.service.runtime import export_activity, export_roll, open_board_views
from honestballot.service.security.organisers import Organiser


@click.group("election")
def election_group() -> None:
    """Organiser: create, open and close an election (the trustees then count it: 'trustee
    close-round'), its polling stations, paper roll and record; operator: the integrity
    audit's files."""


@election_group.command("manifest-hash")
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False))
def manifest_hash_command(manifest: str) -> None:
    """Print the manifest hash the trustees' key ceremony must be run for."""
    click.echo(manifest_hash(load_manifest(read_bytes(manifest))).hex())


@election_group.command("create")
@click.option(
    "--manifest",
    type=click.Path(exists=True, dir_okay=False),
    help="The manifest file (required unless --dry-run).",
)
@click.option(
    "--election-key",
    type=click.Path(exists=True, dir_okay=False),
    help="The election-key.json produced by 'honestballot trustee finalize' (required "
    "unless --dry-run).",
)
@click.option(
    "--witness",
    "witnesses",
    multiple=True,
    metavar="NAME=KEY",
    help="A witness who co-signs the board's tree heads: its name and the public key its "
    "'honestballot witness keygen' printed (repeat for each witness).",
)
@click.option(
    "--witness-quorum",
    type=int,
    default=None,
    help="How many witnesses must co-sign a tree head before voters and the record rely on "
    "it: more than half of them (default: the smallest majority).",
)
@click.option(
    "--organiser-key",
    default=None,
    help="The public key (hex) that must sign the roll summary posted at open and the "
    "encrypted roll (re-voting protection needs it).",
)
@click.option(
    "--expected-voters",
    type=int,
    default=None,
    help="How many voters you expect to vote (required).",
)
@click.option(
    "--opens-at",
    type=int,
    default=8,
    show_default=True,
    help="The hour of the day (0-23, voters' local time) you will open (for the batch "
    "schedule).",
)
@click.option(
    "--hours",
    type=int,
    default=12,
    show_default=True,
    help="How many hours voting lasts (for the batch schedule).",
)
@click.option(
    "--batch-interval",
    type=int,
    default=DEFAULT_INTERVAL_S,
    show_default=True,
    help="Seconds between batches (10 to 3600, dividing the hour).",
)
@click.option(
    "--cover-k0",
    type=int,
    default=DEFAULT_K0,
    show_default=True,
    help="K0, the cover replacements' number before noise (docs/coercion.md §4; at most "
    "what the schedule's listed hours have room for).",
)
@click.option(
    "--cover-epsilon",
    default="0.1",
    show_default=True,
    help="Epsilon of the cover replacements' noise, 0.01 to 1 (at most three decimals; "
    "above 1 the close's counts would show how many voters replaced a credential).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print the proposed schedule and create nothing.",
)
@database_option
def create(
    manifest: str | None,
    election_key: str | None,
    witnesses: tuple[str, ...],
    witness_quorum: int | None,
    organiser_key: str | None,
    expected_voters: int | None,
    opens_at: int,
    hours: int,
    batch_interval: int,
    cover_k0: int,
    cover_epsilon: str,
    dry_run: bool,
    database: str,
) -> None:
    """Create an election from its manifest and the trustees' key ceremony, naming the
    witnesses of its board, with re-voting protection on the batch schedule printed first
    (the one the organiser's page proposes), which needs --organiser-key. Every usage
    error comes before the database is opened; the election is then made as the
    organiser's API and form make it (organiser_cases.create_election)."""
    if expected_voters is None:
        raise click.UsageError(
            "an election has re-voting protection: give --expected-voters (and "
            "--organiser-key) for its batch schedule"
        )
    epsilon_milli = parse_epsilon(cover_epsilon)
    plan = Plan(expected_voters, opens_at, hours, batch_interval, cover_k0, epsilon_milli)
    schedule = plan.schedule()
    if not dry_run:
        _files_given(manifest, election_key)
        if organiser_key is None:
            # refused before anything is touched: it would never open, since it opens
            # with the encrypted roll the organiser signs
            raise click.UsageError(
                "re-voting protection needs --organiser-key: the election opens with "
                "the encrypted roll the organiser signs"
            )
    _echo_schedule(plan, schedule)
    if dry_run:
        return
    manifest_file, key_file = _files_given(manifest, election_key)
    m = load_manifest(read_bytes(manifest_file))
    key = decode_election_key(parse_json(read_bytes(key_file), limit=64 << 20), "election-key")
    named = [_witness_option(w) for w in witnesses]
    organiser = decode_point(organiser_key, "--organiser-key") if organiser_key else None
    created = create_election(
        open_service(database),
        Organiser("election create"),
        m,
        key,
        witnesses=named,
        quorum=witness_quorum,
        organiser_key=organiser,
        schedule=schedule,
        expected_voters=expected_voters,
    )
    base_hash = created["base_hash"]
    click.echo(f"created election {m.election_id}; base hash {base_hash}")
    click.echo(f"its fingerprint, to give voters, witnesses and observers: {base_hash[:16]}")
    for warning in created["warnings"]:
        # a contest counted by mixing and the roll it needs (docs/ranked.md)
        click.echo(f"warning: {warning}")
    click.echo(
        "re-voting protection: import the roll, then make the encrypted roll and the "
        "letters ('honestballot organiser make-roll') and upload it before opening"
    )


def _files_given(manifest: str | None, election_key: str | None) -> tuple[str, str]:
    if manifest is None or election_key is None:
        raise click.UsageError("creating an election needs --manifest and --election-key")
    return manifest, election_key


def _echo_schedule(plan: Plan, schedule: Schedule) -> None:
    """The proposed schedule as the organiser's page shows it: hours of equal batch
    sizes, by the clock from --opens-at (day 1 being the day voting opens)."""
    total = slots(schedule)
    click.echo(
        f"proposed batch schedule for {plan.voters} voters over {plan.hours} hours: a batch "
        f"every {schedule.interval} s, {total.batches} batches with room for {total.rows} "
        f"rows (votes) and {total.registrations} registrations; cover replacements "
        f"K0 = {schedule.cover.k0}, epsilon = {epsilon_text(schedule.cover.epsilon_milli)} "
        f"(any one replacement makes the published counts at most e^epsilon = "
        f"{ratio_text(schedule.cover.epsilon_milli)} times more or less likely)"
    )
    click.echo(
        f"{'day':>4}  {'clock':<11}  {'voters/hour':>11}  {'rows':>5}  {'registrations':>13}"
    )
    for run in hour_runs(plan, schedule):
        start, end = plan.opens_at + run.first, plan.opens_at + run.last + 1
        clock = f"{start % 24:02d}:00-{end % 24:02d}:00"
        click.echo(
            f"{start // 24 + 1:>4}  {clock:<11}  {run.expected:>11}  {run.rows:>5}  "
            f"{run.registrations:>13}"
        )
    click.echo("(rows and registrations per batch; past the last hour its sizes hold)")


def _witness_option(value: str) -> Witness:
    name, sep, key = value.rpartition("=")
    if not sep or not name.strip():
        raise click.BadParameter(f"{value!r}: expected NAME=KEY", param_hint="--witness")
    return Witness(name.strip(), decode_point(key.strip(), f"--witness {name}"))


@election_group.command("info")
@click.argument("election_id")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the public setup to this file.")
@database_option
def info(election_id: str, out: str | None, database: str) -> None:
    """Show (or write) the public setup a voter's device encrypts against."""
    board = open_board_views(database)
    body = board.setup_body(election_id)
    if body is None:
        raise click.ClickException(f"no election {election_id!r}")
    if out:
        Path(out).write_text(json.dumps(body, ensure_ascii=False, indent=1))
        click.echo(f"wrote {out}")
    else:
        service = board.elections
        click.echo(
            f"election {election_id}: phase {service.phase(election_id)}, "
            f"base hash {service.context(election_id).base_hash.hex()}"
        )


@election_group.command("open")
@click.argument("election_id")
@database_option
def open_(election_id: str, database: str) -> None:
    """Open the election for voting."""
    open_service(database).open(election_id)
    click.echo(f"election {election_id} is open")


@election_group.command("close")
@click.argument("election_id")
@database_option
def close(election_id: str, database: str) -> None:
    """Close the election: no ballot is accepted afterwards."""
    open_service(database).close(election_id)
    click.echo(f"election {election_id} is closed")


@election_group.command("add-station")
@click.argument("election_id")
@click.option(
    "--signed",
    type=click.Path(exists=True, dir_okay=False),
    required=True,
    help="The organiser's signed station file ('honestballot organiser sign-station').",
)
@database_option
def add_station(election_id: str, signed: str, database: str) -> None:
    """Publish (or correct) a unit's polling station before the vote: its commission's
    key on the board, its details on the observer pages (docs/record-format.md §6)."""
    station, parsed = open_service(database).publish_signed_station(
        election_id, parse_json(read_bytes(signed), limit=1 << 20, what="signed station")
    )
    kind = "with paper voting" if station.paper else "online only"
    click.echo(
        f"station of unit {station.unit!r} published ({kind}, {len(parsed.members)} "
        f"commission members, signed by the organiser's key); details hash "
        f"{station.details_hash.hex()}"
    )


@election_group.command("paper-roll")
@click.option("--election", "election_id", required=True, help="The election's id.")
@click.option("--unit", required=True, help="The unit whose station votes on paper.")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="A new CSV file, readable by its owner only (it holds voters' national IDs).",
)
@database_option
def paper_roll(election_id: str, unit: str, out: str, database: str) -> None:
    """Write a station's paper roll (line,national_id,handle) to print for the voters to
    sign and to hand to its commission for 'honestballot commission paper'."""
    with private_text_file(out, "the paper roll") as f:
        n = write_paper_roll(open_service(database), election_id, unit, f)
    click.echo(f"wrote {out}: the paper roll of unit {unit!r}, {n} voters")


@election_group.command("export")
@click.argument("election_id")
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@database_option
def export(election_id: str, out: str, database: str) -> None:
    """Write the public election record (JSON Lines) for anyone to verify."""
    service = open_service(database)
    service.publish_tree_head(election_id)
    n = service.export_record(election_id, out)
    click.echo(f"wrote {n} events to {out}")


_PRIVATE_OUT = click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="A new file, readable by its owner only (mode 0600); an existing file is refused.",
)


@election_group.command("activity")
@click.argument("election_id")
@_PRIVATE_OUT
@database_option
def activity(election_id: str, out: str, database: str) -> None:
    """Operator: write the activity log (sign-ins and casts, UTC) for
    'honestballot audit ROLL --activity LOG'.

    Personal data, and it shows who voted again: keep it from organisers."""
    with private_text_file(out, "the activity log") as f:
        n = export_activity(database, election_id, f)
    click.echo(f"wrote {n} events to {out}")


@election_group.command("roll-audit")
@click.argument("election_id")
@_PRIVATE_OUT
@database_option
def roll_audit(election_id: str, out: str, database: str) -> None:
    """Operator: write the roll in the audit's format for 'honestballot audit ROLL'."""
    with private_text_file(out, "the roll") as f:
        n = export_roll(database, election_id, f)
    click.echo(f"wrote {n} voters to {out}")
