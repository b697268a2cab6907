"""``honestballot organiser sign-station``: the organiser's machine signs a polling station
(docs/record-format.md §6, "Polling stations"; protocol/stations.py).

In an election whose setup names the organiser's key, every ``station`` event carries the
organiser's signature, so the commission key that will sign a station's paper results is
the organiser's word and not only the service's.  The tool reads the station's details
(without ``salt``), the commission's public file (``honestballot commission keygen``) and
the election's public setup; it checks that the setup is the one the organiser pinned
(``--fingerprint``), that the commission file is for that unit of that election and
carries the commission's proof, draws the details' salt, and signs the ``station`` event's
body the service will append, with its ``sequence``: the unit's station event number
(``--sequence N``: 1 for the first, one more for each correction; with ``--server`` and no
``--sequence``, one more than the unit's station events the board lists -- the service's
word, which is enough: the board refuses a number that is not the unit's next).  It
writes one file -- the details with their salt, the sequence, the commission's file and
the signature -- which the organiser publishes (``honestballot election add-station
--signed``, the organiser's stations page, or ``POST /api/organiser/e/{id}/stations``); a
correction is signed the same way.  The number stops the service from posting an older
signed station again (the commission or paper voting the organiser replaced)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from honestballot.cli.board_proof import DEFAULT_WAIT_S, ProvenBoard
from honestballot.cli.commission import _board, _election_source, _setup_file
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
    *,
    sequence: int,
) -> tuple[JsonObject, Station]:
    """The signed station file for ``details`` (without ``salt``: drawn here from
    ``rng``) and the commission's public file, as the unit's station event number
    ``sequence``, with the ``station`` body it signs, after checking both against the
    election (``base_hash``, ``manifest``)."""
    if sequence < 1:
        raise InvalidInput(f"a station's sequence is 1 or more, not {sequence}")
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
    digest = details_hash(base_hash, parsed)
    station = Station(unit, parsed.paper, key, proof, digest, sequence)
    signature = sign_station(base_hash, station_message(station_to_json(station)), secret, rng)
    signed = Station(unit, parsed.paper, key, proof, digest, sequence, signature)
    return signed_station_to_json(parsed, commission, sequence, signature), signed


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
@click.option(
    "--sequence",
    type=click.IntRange(min=1),
    default=None,
    help="The unit's station event number: 1 for its first station, one more for each "
    "correction (with --server: read from the board when not given).",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The signed file.")
def sign_station_command(
    details_path: str,
    commission_path: str,
    key: str,
    setup: str | None,
    server: str | None,
    election_id: str | None,
    fingerprint: str | None,
    sequence: int | None,
    out: str,
) -> None:
    """Sign a polling station (its details as JSON without salt: unit, address, hours,
    paper, members) with the organiser's key, after checking the commission's file, as the
    unit's station event number --sequence; publish the file it writes ('election
    add-station --signed', the stations page, or the API)."""
    if fingerprint is None:
        # the organiser signs only for the election it created, even from a setup file
        raise click.UsageError(
            "give --fingerprint: the election's fingerprint as 'election create' printed it "
            "(a server cannot get a signature for another setup)"
        )
    if Path(out).exists():
        raise click.ClickException(f"{out} exists: refusing to overwrite it")
    details = parse_json(read_bytes(details_path), limit=1 << 20, what="station details")
    commission = parse_json(read_bytes(commission_path), limit=1 << 16, what="commission file")
    board: ProvenBoard | None = None
    if setup is not None:
        ctx, _ = _setup_file(setup)
    elif server is not None and election_id is not None:
        board = _board(server, election_id, DEFAULT_WAIT_S, fingerprint)
        ctx = board.ctx
    else:
        raise click.UsageError("give --setup, or --server and --election with --fingerprint")
    base_hash, manifest = ctx.base_hash, ctx.manifest
    check_fingerprint(base_hash, fingerprint, "the setup")
    if sequence is None:
        unit = details.get("unit") if isinstance(details, dict) else None
        if board is None or not isinstance(unit, str):
            raise click.UsageError(
                "give --sequence: 1 for the unit's first station, one more for each "
                "correction (or --server, to read the unit's station events from the board)"
            )
        # the service's word: a wrong number is refused when the station is published
        sequence = len(board.positions("station", unit)) + 1
    signed, station = signed_station(
        base_hash, manifest, details, commission, load_key_file(key, ORGANISER_KEY),
        SYSTEM_RANDOMNESS, sequence=sequence,
    )  # fmt: skip
    Path(out).write_bytes(canonical_bytes(signed) + b"\n")
    kind = "with paper voting" if station.paper else "online only"
    click.echo(
        f"signed the station of unit {station.unit!r} as its station event number "
        f"{station.sequence} ({kind}, commission key "
        f"{station.commission_key.hex()[:16]}) of election {manifest.election_id!r}; "
        f"wrote {out}"
    )
