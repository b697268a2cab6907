"""The ``honestballot`` command: one group, with a sub-group per role."""

from __future__ import annotations

import sys

import click

from honestballot import __version__
from honestballot.errors import HonestBallotError, StorageUnavailable
from honestballot.service.runtime import storage_errors


@click.group()
@click.version_option(__version__, prog_name="honestballot")
def cli() -> None:
    """Verifiable, coercion-resistant online elections."""


def _register() -> None:
    from honestballot.cli.audit import audit_command, synth_roll_command
    from honestballot.cli.commission import commission_group
    from honestballot.cli.demo import demo_command
    from honestballot.cli.election import election_group
    from honestballot.cli.observer import log_group, verify_command
    from honestballot.cli.serve import organiser_group, serve_command
    from honestballot.cli.trustee import trustee_group
    from honestballot.cli.voter import voter_group
    from honestballot.cli.witness import witness_group
    from honestballot.forensics.cli import forensics_command

    for command in (
        demo_command,
        election_group,
        trustee_group,
        voter_group,
        verify_command,
        log_group,
        audit_command,
        synth_roll_command,
        serve_command,
        organiser_group,
        witness_group,
        commission_group,
        forensics_command,
    ):
        cli.add_command(command)


def main() -> None:
    _register()
    try:
        with storage_errors():
            rv = cli(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except StorageUnavailable as exc:
        # a database that cannot be opened or reached; the driver's text may carry
        # statement parameters, so only its kind is named
        click.echo(f"error: the database cannot be used ({exc.kind})", err=True)
        sys.exit(2)
    except HonestBallotError as exc:
        click.echo(f"error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(2)
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        click.echo(f"error: {exc.strerror or type(exc).__name__}{where}", err=True)
        sys.exit(2)
    if isinstance(rv, int) and rv:
        sys.exit(rv)
