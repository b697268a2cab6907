"""A polling station's commission, on its own machine: ``honestballot commission keygen``
makes the commission's signing key (kept in a file only its owner can read) and the public
file the organiser publishes with the station (docs/record-format.md §6, "Polling
stations"): the key and the commission's proof that it holds it, for that unit of that
election, so nobody can name a key as the commission's without its consent."""

from __future__ import annotations

from pathlib import Path

import click

from honestballot.cli.common import read_bytes
from honestballot.cli.keys import COMMISSION_KEY, load_key_file, make_key_file
from honestballot.crypto.group import base_mul
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.errors import ProtocolError
from honestballot.protocol.election import manifest_hash
from honestballot.protocol.stations import prove_commission_key
from honestballot.record.codec import canonical_bytes
from honestballot.record.manifest import load_manifest
from honestballot.record.stations import commission_key_to_json


@click.group("commission")
def commission_group() -> None:
    """A polling station's commission: its signing key."""


@commission_group.command("keygen")
@click.option(
    "--manifest",
    "manifest_path",
    type=click.Path(exists=True, dir_okay=False),
    required=True,
    help="The election's manifest (public).",
)
@click.option("--unit", required=True, help="The unit whose station this commission runs.")
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False), help="The secret key file (new)."
)
@click.option(
    "--public",
    "public_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="The public file to give the organiser.",
)
def keygen(manifest_path: str, unit: str, out: str, public_path: str) -> None:
    """Make the commission's key for one unit of one election, and the public file (the
    key and the commission's proof that it holds it) for the organiser to publish with
    the station before the vote."""
    manifest = load_manifest(read_bytes(manifest_path))
    if unit not in manifest.unit_ids():
        raise ProtocolError(
            f"unit {unit!r} is not a unit of election {manifest.election_id!r} "
            f"(its units: {', '.join(manifest.unit_ids())})"
        )
    if Path(public_path).exists():
        raise ProtocolError(f"{public_path} exists: refusing to overwrite it")
    make_key_file(out, COMMISSION_KEY)
    secret = load_key_file(out, COMMISSION_KEY)
    digest = manifest_hash(manifest)
    key = base_mul(secret)
    proof = prove_commission_key(digest, unit, secret, key, SYSTEM_RANDOMNESS)
    Path(public_path).write_bytes(
        canonical_bytes(commission_key_to_json(unit, digest, key, proof)) + b"\n"
    )
    click.echo(
        f"wrote {public_path}: the commission key of unit {unit!r} of election "
        f"{manifest.election_id!r}, for the organiser to publish with the station"
    )
