"""A polling station's commission, on its own machine: ``honestballot commission keygen``
makes the commission's signing key (kept in a file only its owner can read) and the public
file the organiser publishes with the station (docs/record-format.md §6, "Polling
stations"): the key and the commission's proof that it holds it, for that unit of that
election, so nobody can name a key as the commission's without its consent.

After the count, ``honestballot commission paper`` makes the station's paper results
(docs/record-format.md §6, "Paper results"; protocol/paper.py): from the paper roll the
organiser handed over (``line,national_id,handle``), the paper roll's line numbers of the
voters issued a ballot and the counting protocol, it encrypts each such voter's handle
(in an order drawn at random, with its proof) and signs the whole with the commission's
key; ``--post`` (or ``honestballot commission upload``) sends it to the board.  With
``--server`` it first reads the station from the board and refuses unless the station's
key is the commission's own, numbers the upload (``sequence``) after the unit's
uploads there and names the last one's digest (``previous``, the upload it corrects);
without the board (``--setup``) both are given (``--sequence``, ``--previous``).
Beside the upload it writes the sealed opening (``--opening``: per upload row, the paper
roll's line and the encryption's randomness), which ``honestballot commission
check-opening`` checks against the paper roll and the upload."""

from __future__ import annotations

import csv
import io
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from honestballot.cli.common import read_bytes, write_secret
from honestballot.cli.keys import COMMISSION_KEY, load_key_file, make_key_file
from honestballot.cli.witness import urllib_fetch
from honestballot.crypto.group import Point, base_mul
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.errors import HonestBallotError, ProtocolError
from honestballot.protocol.election import manifest_hash
from honestballot.protocol.manifest import Manifest
from honestballot.protocol.paper import MAX_PAPER_VOTERS, check_opening, make_paper_upload
from honestballot.protocol.stations import prove_commission_key
from honestballot.record.codec import (
    Reader,
    canonical_bytes,
    decode_hex,
    decode_point,
    parse_json,
)
from honestballot.record.manifest import load_manifest, manifest_from_json
from honestballot.record.paper import (
    ROLL_COLUMNS,
    opening_from_json,
    opening_to_json,
    protocol_from_json,
    unsigned_body,
    upload_digest,
    upload_from_json,
    upload_to_json,
)
from honestballot.record.setup import context_from_setup
from honestballot.record.stations import commission_key_to_json

F = TypeVar("F", bound=Callable[..., Any])


def _input_file(option: str, dest: str, text: str) -> Callable[[F], F]:
    """A required option naming an existing file."""
    return click.option(
        option, dest, required=True, type=click.Path(exists=True, dir_okay=False), help=text
    )


def _election_source(command: F) -> F:
    """``--setup FILE``, or ``--server URL --election ID``: where the election's public
    setup comes from (:func:`_election`)."""
    command = click.option(
        "--election", "election_id", default=None, help="The election's id (with --server)."
    )(command)
    command = click.option(
        "--server", default=None, help="Or the board's address (https://...), with --election."
    )(command)
    return click.option(
        "--setup",
        type=click.Path(exists=True, dir_okay=False),
        default=None,
        help="The election's public setup ('honestballot election info --out').",
    )(command)


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


# -- paper results -------------------------------------------------------------------------


def _election(
    setup: str | None, server: str | None, election_id: str | None
) -> tuple[bytes, Point, Manifest]:
    """(base hash, election key, manifest): from the setup file (``honestballot election
    info --out``, checked in full) or from the server's public context."""
    if setup is not None:
        ctx, _, _ = context_from_setup(parse_json(read_bytes(setup), limit=64 << 20))
        return ctx.base_hash, ctx.public_key, ctx.manifest
    if server is None or election_id is None:
        raise click.UsageError("give --setup, or --server and --election")
    url = f"{_base(server, election_id)}/context"
    r = Reader(parse_json(urllib_fetch(url, None), limit=64 << 20, what="context"), "context")
    manifest = manifest_from_json(r.raw("manifest"), "context.manifest")
    base_hash = r.hexbytes("base_hash", 32)
    key = r.point("public_key")
    if manifest.election_id != election_id:
        raise ProtocolError(f"{server} answered with election {manifest.election_id!r}")
    return base_hash, key, manifest


def _base(server: str, election_id: str) -> str:
    return f"{server.rstrip('/')}/api/e/{urllib.parse.quote(election_id, safe='')}"


def read_paper_roll(data: bytes, path: str) -> dict[int, tuple[str, Point]]:
    """line -> (national ID, handle) of a paper roll (``honestballot election
    paper-roll``)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProtocolError(f"{path}: not UTF-8 text") from None
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if header is None or tuple(h.strip() for h in header) != ROLL_COLUMNS:
        raise ProtocolError(f"{path}: the first line must be {','.join(ROLL_COLUMNS)}")
    roll: dict[int, tuple[str, Point]] = {}
    for number, row in enumerate(rows, 2):
        if not row:
            continue
        if len(row) != len(ROLL_COLUMNS):
            raise ProtocolError(f"{path} line {number}: expected {len(ROLL_COLUMNS)} columns")
        try:
            line = int(row[0])
            handle = decode_point(row[2].strip(), f"{path} line {number}: handle")
        except ValueError:
            raise ProtocolError(f"{path} line {number}: the line number is not a number") from None
        if line in roll:
            raise ProtocolError(f"{path} line {number}: line {line} is there twice")
        roll[line] = (row[1].strip(), handle)
    return roll


def read_voted(data: bytes, path: str, roll: dict[int, tuple[str, Point]]) -> list[Point]:
    """The handles of the voters issued a ballot: the paper roll's line numbers, one per
    line of ``data``."""
    return [roll[line][1] for line in read_voted_lines(data, path, roll)]


def read_voted_lines(data: bytes, path: str, roll: dict[int, tuple[str, Point]]) -> list[int]:
    """The paper roll's lines of the voters issued a ballot, one per line of ``data``."""
    handles: list[int] = []
    seen: set[int] = set()
    for number, raw in enumerate(data.decode("utf-8-sig", "replace").splitlines(), 1):
        word = raw.strip()
        if not word:
            continue
        if not word.isdigit():
            raise ProtocolError(f"{path} line {number}: {word!r} is not a line of the paper roll")
        line = int(word)
        if line not in roll:
            raise ProtocolError(f"{path} line {number}: the paper roll has no line {line}")
        if line in seen:
            raise ProtocolError(
                f"{path} line {number}: line {line} (voter {roll[line][0]}) is listed twice"
            )
        seen.add(line)
        handles.append(line)
    if len(handles) > MAX_PAPER_VOTERS:
        raise ProtocolError(f"{path}: more than {MAX_PAPER_VOTERS} voters")
    return handles


def board_station(server: str, election_id: str, unit: str, key: Point) -> tuple[int, bytes | None]:
    """Read ``unit``'s station from the board: :class:`ProtocolError` unless it has paper
    voting and its commission key is ``key`` (the commission's own); the number of paper
    uploads of the unit on the board and the last one's digest (None if there is none)."""
    answer = parse_json(urllib_fetch(f"{_base(server, election_id)}/stations", None))
    for item in Reader(answer, "stations").items("stations", lambda v, p: v):
        if item.get("unit") != unit:
            continue
        if item.get("commission_key") != key.hex():
            raise ProtocolError(
                f"the board's station of unit {unit!r} has the commission key "
                f"{str(item.get('commission_key'))[:16]}..., not this commission's "
                f"{key.hex()[:16]}...: refusing to sign"
            )
        if not item.get("paper"):
            raise ProtocolError(f"the board's station of unit {unit!r} has no paper voting")
        results = Reader(item.get("paper_results") or {}, "paper_results")
        if not results.has("paper_events"):
            return 0, None
        sent = results.integer("paper_events", minimum=1)
        return sent, results.hexbytes("last_digest", 32)
    raise ProtocolError(f"the board has no polling station of unit {unit!r}")


def _post(server: str, election_id: str, unit: str, upload: Any) -> None:
    url = f"{_base(server, election_id)}/stations/{urllib.parse.quote(unit, safe='')}/paper"
    answer = Reader(parse_json(urllib_fetch(url, canonical_bytes(upload))), "answer")
    click.echo(
        f"the paper results of unit {answer.text('unit')!r} are on the board (event "
        f"{answer.integer('seq')}, {answer.integer('voters')} voters listed)"
    )


@commission_group.command("paper")
@_input_file("--key", "key_path", "The commission's secret key file ('commission keygen --out').")
@click.option("--unit", required=True, help="The unit whose station this commission runs.")
@_input_file(
    "--roll",
    "roll_path",
    "The station's paper roll from the organiser (line,national_id,handle).",
)
@_input_file(
    "--voted",
    "voted_path",
    "The paper roll's line numbers of the voters issued a ballot, one per line.",
)
@_input_file(
    "--protocol",
    "protocol_path",
    "The counting protocol (JSON: received, issued, spoiled, unused, in_box, contests).",
)
@_election_source
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False), help="The upload file (new)."
)
@click.option(
    "--opening",
    "opening_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="The sealed opening (new, secret): keep it sealed with the signed paper roll.",
)
@click.option(
    "--sequence",
    type=click.IntRange(1),
    default=None,
    help="The upload's number for this unit (1, then 2 for a correction, ...); with "
    "--server, read from the board.",
)
@click.option(
    "--previous",
    "previous_hex",
    default=None,
    help="The digest (hex) of this unit's upload this one corrects, as the board shows it "
    "(with --sequence 2 or more, without --server); with --server, read from the board.",
)
@click.option(
    "--final",
    is_flag=True,
    help="Declare these results final: the board then takes no correction of them, and "
    "the close need not wait for this station. Without it a correction can still follow, "
    "and the close waits until 24 hours after voting closed unless every paper station "
    "declares its results final.",
)
@click.option("--post", is_flag=True, help="Send it to --server at once.")
def paper(
    key_path: str, unit: str, roll_path: str, voted_path: str, protocol_path: str,
    setup: str | None, server: str | None, election_id: str | None, out: str,
    opening_path: str, sequence: int | None, previous_hex: str | None, final: bool,
    post: bool,
) -> None:  # fmt: skip
    """Make the station's paper results: the counting protocol and the encrypted list of
    the voters issued a paper ballot, signed with the commission's key; and the sealed
    opening of the list."""
    if post and (server is None or election_id is None):
        raise click.UsageError("--post needs --server and --election")
    for path in (out, opening_path):
        if Path(path).exists():
            raise ProtocolError(f"{path} exists: refusing to overwrite it")
    secret = load_key_file(key_path, COMMISSION_KEY)
    base_hash, election_key, manifest = _election(setup, server, election_id)
    key = base_mul(secret)
    if server is not None and election_id is not None:
        sent, previous = board_station(server, election_id, unit, key)
        if sequence is not None and sequence != sent + 1:
            raise ProtocolError(
                f"the board holds {sent} paper uploads of unit {unit!r}: this one is number "
                f"{sent + 1}, not {sequence}"
            )
        if previous_hex is not None and (previous is None or previous_hex != previous.hex()):
            raise ProtocolError(
                f"the board's last paper upload of unit {unit!r} has the digest "
                f"{previous.hex() if previous else 'none'}, not {previous_hex}"
            )
        sequence = sent + 1
    elif sequence is None:
        raise click.UsageError("give --sequence, or --server and --election to read it")
    else:
        if (sequence == 1) != (previous_hex is None):
            raise click.UsageError(
                "give --previous (the digest of the upload this one corrects) with "
                "--sequence 2 or more, and not with --sequence 1"
            )
        previous = None if previous_hex is None else decode_hex(previous_hex, "--previous", 32)
    roll = read_paper_roll(read_bytes(roll_path), roll_path)
    lines = read_voted_lines(read_bytes(voted_path), voted_path, roll)
    handles = [roll[line][1] for line in lines]
    protocol = protocol_from_json(
        parse_json(read_bytes(protocol_path), limit=1 << 20, what="protocol"), protocol_path
    )
    upload, opening = make_paper_upload(
        base_hash, election_key, manifest, unit, sequence, protocol, handles, secret,
        unsigned_body, SYSTEM_RANDOMNESS, previous=previous, final=final,
    )  # fmt: skip
    body = upload_to_json(upload)
    sealed = opening_to_json(unit, sequence, [(lines[index], r) for index, r in opening])
    write_secret(opening_path, canonical_bytes(sealed).decode() + "\n")
    Path(out).write_bytes(canonical_bytes(body) + b"\n")
    click.echo(
        f"wrote {out}: the paper results of unit {unit!r} of election "
        f"{manifest.election_id!r} (fingerprint {base_hash.hex()[:16]}), upload {sequence}"
        f"{' (final: no correction can follow)' if final else ' (not final)'}, "
        f"{len(handles)} voters listed, signed with the commission's key "
        f"{key.hex()[:16]}... (its digest, which a correction names: "
        f"{upload_digest(base_hash, upload).hex()}); and the sealed opening {opening_path}"
    )
    if post:
        assert server is not None and election_id is not None
        _post(server, election_id, unit, body)


@commission_group.command("upload")
@click.option("--server", required=True, help="The board's address (https://...).")
@click.option("--election", "election_id", required=True, help="The election's id.")
@click.argument("upload_path", type=click.Path(exists=True, dir_okay=False))
def upload(server: str, election_id: str, upload_path: str) -> None:
    """Send the paper results 'commission paper' wrote to the board."""
    body = parse_json(read_bytes(upload_path), limit=64 << 20, what="paper results")
    try:
        unit = upload_from_json(body, upload_path).unit
    except HonestBallotError as exc:
        raise ProtocolError(f"{upload_path}: {exc}") from None
    _post(server, election_id, unit, body)


@commission_group.command("check-opening")
@_input_file("--roll", "roll_path", "The station's paper roll (line,national_id,handle).")
@_input_file("--opening", "opening_path", "The sealed opening ('commission paper --opening').")
@_input_file(
    "--upload",
    "upload_path",
    "The paper results ('commission paper --out', or the paper event's body).",
)
@_election_source
def check_opening_command(
    roll_path: str, opening_path: str, upload_path: str, setup: str | None,
    server: str | None, election_id: str | None,
) -> None:  # fmt: skip
    """Check a sealed opening: every row of the upload encrypts the handle of the paper
    roll's line the opening names, each line at most once; print the lines (the voters the
    commission listed, to compare with the signatures on the paper roll)."""
    _, election_key, _ = _election(setup, server, election_id)
    roll = read_paper_roll(read_bytes(roll_path), roll_path)
    try:
        upload = upload_from_json(
            parse_json(read_bytes(upload_path), limit=64 << 20, what="paper results"),
            upload_path,
        )
        unit, sequence, rows = opening_from_json(
            parse_json(read_bytes(opening_path), limit=64 << 20, what="opening"), opening_path
        )
    except HonestBallotError as exc:
        raise ProtocolError(str(exc)) from None
    if (unit, sequence) != (upload.unit, upload.sequence):
        raise ProtocolError(
            f"the opening is of upload {sequence} of unit {unit!r}, the upload is upload "
            f"{upload.sequence} of unit {upload.unit!r}"
        )
    lines = sorted({line for line, _ in rows})
    for line in lines:
        if line not in roll:
            raise ProtocolError(f"the opening names line {line}, which the paper roll has not")
    index = {line: i for i, line in enumerate(lines)}
    check_opening(
        election_key,
        upload,
        tuple((index[line], r) for line, r in rows),
        [roll[line][1] for line in lines],
    )
    click.echo(
        f"the opening holds: upload {upload.sequence} of unit {upload.unit!r} lists the "
        f"{len(rows)} voters of paper roll lines {', '.join(str(n) for n in sorted(lines))}"
    )
