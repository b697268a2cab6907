"""``honestballot organiser sign-station``: the organiser's machine signs a polling station
(docs/record-format.md §6, "Polling stations"; protocol/stations.py).

In an election whose setup names the organiser's key, every ``station`` event carries the
organiser's signature, so the commission key that will sign a station's paper results is
the organiser's word and not only the service's.  The tool reads the station's details
(without ``salt``), the commission's public file (``honestballot commission keygen``) and
the election's public setup; it checks that the setup is the one the organiser pinned
(``--fingerprint``), that the commission file is for that unit of that election and
carries the commission's proof, draws the details' salt, and signs the ``station`` event's
body the service will append.  It writes one file -- the details with their salt, the
commission's file and the signature -- which the organiser publishes (``honestballot
election add-station --signed``, the organiser's stations page, or ``POST
/api/organiser/e/{id}/stations``); a correction is signed the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from honestballot.cli.commission import _election, _election_source
from honestballot.cli.common import check_fingerprint, read_bytes
from honestballot.cli.keys import ORGANISER_KEY, load_key_file
from honestballot.crypto.group import Scalar
from honestballot.crypto.randomness import Randomness
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.errors import InvalidInput
from honestballot.protocol.election import manifest_hash
from honestballot.protocol.manifest import Manifest
from honestballot.protocol.stations import (
    SALT_BYTES,
    Station,
    details_hash,
    sign_station,
    verify_commission_key,
)
from honestballot.record.codec import JsonObject, canonical_bytes, parse_json
from honestballot.record.stations import (
    commission_key_from_json,
    details_from_json,
    signed_station_to_json,
    station_message,
    station_to_json,
)


def signed_station(
    base_hash: bytes,
    manifest: Manifest,
    details: Any,
    commission: Any,
    secret: Scalar,
    rng: Randomness,
) -> tuple[JsonObject, Station]:
    """The signed station file for ``details`` (without ``salt``: drawn here from
    ``rng``) and the commission's public file, with the ``station`` body it signs, after
    checking both against the election (``base_hash``, ``manifest``)."""
    if not isinstance(details, dict):
        raise InvalidInput("a station's details are a JSON object")
    if "salt" in details:
        raise InvalidInput("a station's salt is drawn by this tool: leave it out")
    salted = {**details, "salt": rng.random_bytes(SALT_BYTES).hex()}
    parsed = details_from_json(salted, "details")
    if parsed.unit not in manifest.unit_ids():
        raise InvalidInput(
            f"unit {parsed.unit!r} is not a unit of election {manifest.election_id!r}"
        )
    unit, digest, key, proof = commission_key_from_json(commission, "commission key file")
    if unit != parsed.unit:
        raise InvalidInput(
            f"the commission key file is for unit {unit!r}, the details for {parsed.unit!r}"
        )
    if digest != manifest_hash(manifest):
        raise InvalidInput("the commission key file was made for another election's manifest")
    verify_commission_key(digest, unit, key, proof)
    station = Station(unit, parsed.paper, key, proof, details_hash(base_hash, parsed))
    signature = sign_station(base_hash, station_message(station_to_json(station)), secret, rng)
    signed = Station(unit, parsed.paper, key, proof, station.details_hash, signature)
    return signed_station_to_json(parsed, commission, signature), signed


@click.command("sign-station")
@click.argument("details_path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--commission",
    "commission_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The commission's public file ('honestballot commission keygen --public').",
)
@click.option(
    "--key",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The organiser's secret key file ('honestballot organiser keygen').",
)
@_election_source
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The signed file.")
def sign_station_command(
    details_path: str,
    commission_path: str,
    key: str,
    setup: str | None,
    server: str | None,
    election_id: str | None,
    fingerprint: str | None,
    out: str,
) -> None:
    """Sign a polling station (its details as JSON without salt: unit, address, hours,
    paper, members) with the organiser's key, after checking the commission's file; publish
    the file it writes ('election add-station --signed', the stations page, or the API)."""
    if fingerprint is None:
        # the organiser signs only for the election it created, even from a setup file
        raise click.UsageError(
            "give --fingerprint: the election's fingerprint as 'election create' printed it "
            "(a server cannot get a signature for another setup)"
        )
    base_hash, _, manifest = _election(setup, server, election_id, fingerprint)
    check_fingerprint(base_hash, fingerprint, "the setup")
    if Path(out).exists():
        raise click.ClickException(f"{out} exists: refusing to overwrite it")
    details = parse_json(read_bytes(details_path), limit=1 << 20, what="station details")
    commission = parse_json(read_bytes(commission_path), limit=1 << 16, what="commission file")
    signed, station = signed_station(
        base_hash, manifest, details, commission, load_key_file(key, ORGANISER_KEY),
        SYSTEM_RANDOMNESS,
    )  # fmt: skip
    Path(out).write_bytes(canonical_bytes(signed) + b"\n")
    kind = "with paper voting" if station.paper else "online only"
    click.echo(
        f"signed the station of unit {station.unit!r} ({kind}, commission key "
        f"{station.commission_key.hex()[:16]}) of election {manifest.election_id!r}; "
        f"wrote {out}"
    )
