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
``--server`` the election must be pinned (``--fingerprint``, or ``--setup``: the board's
setup is refused unless its base hash starts with it, before anything is encrypted or
sent); the tool first checks the station on the board (:func:`check_station`: from the
board's events up to ``open``, checked against a witnessed head, the unit's last station
has the commission's own key and paper voting, and the election is open), numbers the
upload (``sequence``) after the unit's uploads there and names the last one's digest
(``previous``, the upload it corrects), read through inclusion proofs under witnessed
tree heads (cli/board_proof.py); without the board (``--setup``) both are given
(``--sequence``, ``--previous``).  Beside the upload it writes the sealed opening
(``--opening``: per upload row, the paper roll's line and the encryption's randomness),
which ``honestballot commission check-opening`` checks against the paper roll and the
upload.

After posting, the tool waits for the upload's inclusion proof under a witnessed head,
checks that the event there is exactly the signed upload, and writes it as the
commission's receipt (record/receipt.py); ``commission receipt`` finds an upload sent
earlier and writes its receipt, ``commission check-receipt`` proves the upload still on
the board (or, with ``--setup`` alone, checks the receipt offline), and ``commission
check-station`` checks the station before the vote (docs/paper.md)."""

from __future__ import annotations

import csv
import io
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from honestballot.cli.board_proof import (
    DEFAULT_WAIT_S,
    BoardPrefix,
    ProvenBoard,
    api_base,
    pinned_fingerprint,
    utc,
)
from honestballot.cli.common import read_bytes, write_secret
from honestballot.cli.keys import COMMISSION_KEY, load_key_file, make_key_file
from honestballot.cli.witness import urllib_fetch
from honestballot.crypto.group import Point, base_mul
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.errors import HonestBallotError, ProtocolError
from honestballot.protocol.board import MAX_PAPER_UPLOADS
from honestballot.protocol.election import ElectionContext, manifest_hash
from honestballot.protocol.manifest import Manifest
from honestballot.protocol.paper import (
    MAX_PAPER_VOTERS,
    PaperUpload,
    check_opening,
    make_paper_upload,
    verify_paper_signature,
)
from honestballot.protocol.stations import Station, prove_commission_key
from honestballot.protocol.witnesses import BoardKeys
from honestballot.record.codec import (
    Reader,
    canonical_bytes,
    decode_hex,
    decode_point,
    parse_json,
)
from honestballot.record.events import EventLine
from honestballot.record.manifest import load_manifest
from honestballot.record.paper import (
    ROLL_COLUMNS,
    body_digest,
    opening_from_json,
    opening_to_json,
    protocol_from_json,
    unsigned_body,
    upload_digest,
    upload_from_json,
    upload_to_json,
)
from honestballot.record.receipt import (
    EventProof,
    PaperReceipt,
    check_event_proof,
    check_extends,
    receipt_from_json,
)
from honestballot.record.setup import context_from_setup
from honestballot.record.stations import (
    commission_key_from_json,
    commission_key_to_json,
    station_from_json,
)

F = TypeVar("F", bound=Callable[..., Any])


def _input_file(option: str, dest: str, text: str) -> Callable[[F], F]:
    """A required option naming an existing file."""
    return click.option(
        option, dest, required=True, type=click.Path(exists=True, dir_okay=False), help=text
    )


def _fingerprint_option(command: F) -> F:
    return click.option(
        "--fingerprint",
        default=None,
        help="The election's fingerprint as the organiser published it (the first 16 or more "
        "hex digits of its base hash): needed with --server unless --setup is given, for the "
        "board's setup cannot vouch for itself.",
    )(command)


def _election_source(command: F) -> F:
    """``--setup FILE``, or ``--server URL --election ID`` with ``--fingerprint``: where
    the election's public setup comes from (:func:`_election`)."""
    command = _fingerprint_option(command)
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
    """A polling station's commission: its key, its station, its paper results and receipts."""


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


def _setup_file(setup: str) -> tuple[ElectionContext, BoardKeys]:
    """The election's context and board keys from its public setup file (``honestballot
    election info --out``), checked in full."""
    ctx, _, keys = context_from_setup(parse_json(read_bytes(setup), limit=64 << 20))
    return ctx, keys


def _pin(ctx: ElectionContext | None, fingerprint: str | None) -> str:
    """The fingerprint the board's setup must have: the setup file's whole base hash, or
    ``--fingerprint``; a usage error without either (the board's own setup cannot vouch
    for itself: a service could show a whole board of its own)."""
    if ctx is not None:
        if fingerprint is not None and not ctx.base_hash.hex().startswith(
            pinned_fingerprint(fingerprint)
        ):
            raise ProtocolError(
                f"the setup file is the election with the fingerprint "
                f"{ctx.base_hash.hex()[:16]}, not {fingerprint.strip().lower()}"
            )
        return ctx.base_hash.hex()
    if fingerprint is None:
        raise click.UsageError(
            "with --server give --fingerprint (the election's fingerprint as the organiser "
            "published it, 16 or more hex digits) or --setup: the board's own setup cannot "
            "vouch for itself"
        )
    return pinned_fingerprint(fingerprint)


def _board(
    server: str, election_id: str, wait: float, fingerprint: str | None,
    ctx: ElectionContext | None = None,
) -> ProvenBoard:  # fmt: skip
    """The board at ``server``, read for the election of the pinned fingerprint (from
    ``ctx``, the setup file's, or ``fingerprint``: :func:`_pin`)."""
    pin = _pin(ctx, fingerprint)
    # urllib_fetch looked up when called (the tests put the app in its place)
    return ProvenBoard(
        server, election_id, lambda url, body: urllib_fetch(url, body), wait_s=wait,
        fingerprint=pin,
    )  # fmt: skip


def _election(
    setup: str | None, server: str | None, election_id: str | None, fingerprint: str | None
) -> tuple[bytes, Point, Manifest]:
    """(base hash, election key, manifest): from the setup file (``honestballot election
    info --out``, checked in full) or from the board's setup event of the pinned
    fingerprint, proved under a witnessed head (:class:`ProvenBoard`)."""
    if setup is not None:
        ctx, _ = _setup_file(setup)
        return ctx.base_hash, ctx.public_key, ctx.manifest
    if server is None or election_id is None:
        raise click.UsageError("give --setup, or --server and --election with --fingerprint")
    ctx = _board(server, election_id, DEFAULT_WAIT_S, fingerprint).ctx
    return ctx.base_hash, ctx.public_key, ctx.manifest


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


def check_station(
    board: ProvenBoard, unit: str, key: Point | None, *, paper: bool | None = None,
    require_open: bool = False,
) -> tuple[EventLine, Station, BoardPrefix]:  # fmt: skip
    """``unit``'s station as the board proves it: its events from position 0 up to and
    including ``open`` (:meth:`ProvenBoard.prefix_to_open`, checked against a witnessed
    head, so none can be left out); :class:`ProtocolError` unless the unit's last station
    there (the one that counts: later ones must keep its key and paper voting) carries
    ``key`` (the commission's own; None: any), and (if ``paper`` is given) its paper
    voting is ``paper``; with ``require_open`` also unless the election is open.  The
    counting station event, its station and the checked prefix."""
    prefix = board.prefix_to_open(
        lambda event: event.kind == "station" and event.body.get("unit") == unit
    )
    where = (
        f"before the election opened (event {prefix.opened})"
        if prefix.opened is not None
        else f"under its witnessed tree head of size {prefix.size}"
    )
    if not prefix.kept:
        raise ProtocolError(f"the board has no polling station of unit {unit!r} {where}")
    if require_open and prefix.opened is None:
        raise ProtocolError(
            f"the election is not open on the board (no open event under its witnessed tree "
            f"head of size {prefix.size}): paper results come after the vote"
        )
    counting = prefix.kept[-1]
    station = station_from_json(counting.body, f"event {counting.seq}")
    if key is not None and station.commission_key != key:
        raise ProtocolError(
            f"the board's station of unit {unit!r} (event {counting.seq}, the last {where}) "
            f"has the commission key {station.commission_key.hex()[:16]}..., not this "
            f"commission's {key.hex()[:16]}...: refusing"
        )
    if paper is not None and station.paper != paper:
        raise ProtocolError(
            f"the board's station of unit {unit!r} (event {counting.seq}) has "
            f"{'paper voting' if station.paper else 'no paper voting'}"
        )
    return counting, station, prefix


def check_signed(board: ProvenBoard, upload: PaperUpload, station: Station, event: int) -> None:
    """:class:`ProtocolError` unless ``upload`` is signed, for the board's election, with
    the key of the unit's counting station (event ``event``)."""
    base_hash = board.ctx.base_hash
    try:
        verify_paper_signature(
            base_hash, station.commission_key, upload_digest(base_hash, upload),
            upload.signature, upload.unit,
        )  # fmt: skip
    except HonestBallotError:
        raise ProtocolError(
            f"the upload is not signed, for the election of fingerprint "
            f"{base_hash.hex()[:16]}, with the commission key of the unit's station on the "
            f"board (event {event}, key {station.commission_key.hex()[:16]}...): another "
            "election's upload, or a station whose key is not the commission's"
        ) from None


def board_uploads(board: ProvenBoard, unit: str) -> tuple[int, bytes | None]:
    """The number of ``unit``'s paper uploads on the board and the last one's digest
    (None if there is none), from the last one's event, proved."""
    seqs = board.positions("paper", unit)
    if not seqs:
        return 0, None
    event, _ = board.event(seqs[-1])
    last = _paper_body(event, unit)
    if last.sequence != len(seqs):
        raise ProtocolError(
            f"the board lists {len(seqs)} paper uploads of unit {unit!r}, its last (event "
            f"{event.seq}) is numbered {last.sequence}"
        )
    return last.sequence, body_digest(board.ctx.base_hash, event.body)


def _paper_body(event: EventLine, unit: str) -> Any:
    if event.kind != "paper":
        raise ProtocolError(f"the board's event {event.seq} is a {event.kind} event, not paper")
    upload = upload_from_json(event.body, f"event {event.seq}")
    if upload.unit != unit:
        raise ProtocolError(f"the board's event {event.seq} is an upload of unit {upload.unit!r}")
    return upload


def _receipt_of(board: ProvenBoard, seq: int, body: Any) -> PaperReceipt:
    """The receipt of the upload ``body`` at board position ``seq``: :class:`ProtocolError`
    unless the event there, proved under a witnessed head, is exactly that upload."""
    sent = upload_from_json(body, "the upload")
    event, found = board.event(seq)
    if event.kind != "paper" or canonical_bytes(event.body) != canonical_bytes(
        upload_to_json(sent)
    ):
        raise ProtocolError(
            f"the board's event {seq} ({event.kind}) is not the upload sent: the board "
            "holds another one there"
        )
    base_hash = board.ctx.base_hash
    return PaperReceipt(
        board.election_id,
        base_hash,
        sent.unit,
        sent.sequence,
        upload_digest(base_hash, sent),
        found,
    )


def _write_receipt(board: ProvenBoard, receipt: PaperReceipt, path: str) -> None:
    Path(path).write_bytes(canonical_bytes(receipt.to_json()) + b"\n")
    head = receipt.proof.head.head
    click.echo(
        f"wrote {path}: the receipt of upload {receipt.sequence} of unit {receipt.unit!r}, "
        f"event {receipt.proof.seq} of the board, proved under the tree head of size "
        f"{head.size} (root {head.root.hex()[:16]}...); keep it, and check it later with "
        "'honestballot commission check-receipt'"
    )
    click.echo(board.trust_note())


def _post(board: ProvenBoard, unit: str, upload: Any, receipt_path: str) -> None:
    url = f"{api_base(board.server, board.election_id)}/stations/"
    url += f"{urllib.parse.quote(unit, safe='')}/paper"
    answer = Reader(parse_json(urllib_fetch(url, canonical_bytes(upload))), "answer")
    seq = answer.integer("seq", minimum=0)
    click.echo(
        f"the paper results of unit {answer.text('unit')!r} are on the board (event "
        f"{seq}, {answer.integer('voters')} voters listed); waiting for its inclusion "
        "proof under a witnessed tree head"
    )
    _write_receipt(board, _receipt_of(board, seq, upload), receipt_path)


def _receipt_path(given: str | None, upload_path: str) -> str:
    path = given or str(Path(upload_path).with_suffix("")) + ".receipt.json"
    if Path(path).exists():
        raise ProtocolError(f"{path} exists: refusing to overwrite it (give --receipt)")
    return path


def _receipt_options(command: F) -> F:
    command = click.option(
        "--wait",
        type=click.FloatRange(0),
        default=DEFAULT_WAIT_S,
        show_default=True,
        help="Seconds to wait for a tree head the witnesses co-signed to reach the upload.",
    )(command)
    return click.option(
        "--receipt",
        "receipt_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="Where to write the receipt (new; default: the upload file's name with "
        ".receipt.json).",
    )(command)


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
@click.option("--post", is_flag=True, help="Send it to --server at once and wait for its receipt.")
@_receipt_options
def paper(
    key_path: str, unit: str, roll_path: str, voted_path: str, protocol_path: str,
    setup: str | None, server: str | None, election_id: str | None, fingerprint: str | None,
    out: str, opening_path: str, sequence: int | None, previous_hex: str | None, final: bool,
    post: bool, receipt_path: str | None, wait: float,
) -> None:  # fmt: skip
    """Make the station's paper results: the counting protocol and the encrypted list of
    the voters issued a paper ballot, signed with the commission's key; and the sealed
    opening of the list."""
    if post and (server is None or election_id is None):
        raise click.UsageError("--post needs --server and --election")
    if sequence is not None:
        _check_room(unit, sequence, final)
    for path in (out, opening_path):
        if Path(path).exists():
            raise ProtocolError(f"{path} exists: refusing to overwrite it")
    receipt = _receipt_path(receipt_path, out) if post else None
    secret = load_key_file(key_path, COMMISSION_KEY)
    key = base_mul(secret)
    if (server is None) != (election_id is None):
        raise click.UsageError("give --server and --election together")
    given = None if setup is None else _setup_file(setup)[0]
    board = None
    if server is not None and election_id is not None:
        # pinned before anything is read: the fingerprint, or the setup file's base hash
        board = _board(server, election_id, wait, fingerprint, given)
    elif given is None:
        raise click.UsageError("give --setup, or --server and --election with --fingerprint")
    ctx = given if given is not None else board.ctx if board is not None else None
    assert ctx is not None
    base_hash, election_key, manifest = ctx.base_hash, ctx.public_key, ctx.manifest
    if board is not None:
        check_station(board, unit, key, paper=True, require_open=True)
        sent, previous = board_uploads(board, unit)
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
        _check_room(unit, sequence, final)
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
        assert board is not None and receipt is not None
        _post(board, unit, body, receipt)


def _check_room(unit: str, sequence: int, final: bool) -> None:
    """Refuse an upload the board would refuse (beyond :data:`MAX_PAPER_UPLOADS`), and a
    last one (number :data:`MAX_PAPER_UPLOADS`) without ``--final``: the board would take
    no more of the unit's uploads, so the station could never declare its results final
    and the close would wait until the paper deadline (24 hours after voting closed)."""
    if sequence > MAX_PAPER_UPLOADS:
        raise ProtocolError(
            f"the board takes at most {MAX_PAPER_UPLOADS} paper uploads of a unit: unit "
            f"{unit!r} cannot send upload {sequence}"
        )
    if sequence == MAX_PAPER_UPLOADS and not final:
        raise click.UsageError(
            f"upload {MAX_PAPER_UPLOADS} is the last the board takes of unit {unit!r}: give "
            "--final (without it the station could never declare its results final, and the "
            "close would wait until 24 hours after voting closed); nothing written"
        )


def _server_options(command: F) -> F:
    command = click.option(
        "--setup",
        type=click.Path(exists=True, dir_okay=False),
        default=None,
        help="The election's public setup ('honestballot election info --out'): the board's "
        "must be the same (instead of --fingerprint).",
    )(command)
    command = _fingerprint_option(command)
    command = click.option("--election", "election_id", required=True, help="The election's id.")(
        command
    )
    return click.option("--server", required=True, help="The board's address (https://...).")(
        command
    )


def _pinned_board(
    server: str, election_id: str, wait: float, fingerprint: str | None, setup: str | None
) -> ProvenBoard:
    return _board(
        server, election_id, wait, fingerprint, None if setup is None else _setup_file(setup)[0]
    )


def _read_upload(upload_path: str) -> tuple[Any, PaperUpload]:
    body = parse_json(read_bytes(upload_path), limit=64 << 20, what="paper results")
    try:
        return body, upload_from_json(body, upload_path)
    except HonestBallotError as exc:
        raise ProtocolError(f"{upload_path}: {exc}") from None


@commission_group.command("upload")
@_server_options
@_receipt_options
@click.argument("upload_path", type=click.Path(exists=True, dir_okay=False))
def upload(
    server: str, election_id: str, fingerprint: str | None, setup: str | None,
    upload_path: str, receipt_path: str | None, wait: float,
) -> None:  # fmt: skip
    """Send the paper results 'commission paper' wrote to the board, wait for the
    board's proof that it holds them under a tree head the witnesses co-signed, and
    write that proof as the commission's receipt."""
    body, sent = _read_upload(upload_path)
    receipt = _receipt_path(receipt_path, upload_path)
    board = _pinned_board(server, election_id, wait, fingerprint, setup)
    # before anything is sent: the election pinned, the station's key, the upload's number
    event, station, _ = check_station(board, sent.unit, None, paper=True, require_open=True)
    check_signed(board, sent, station, event.seq)
    listed, _ = board_uploads(board, sent.unit)
    if sent.sequence <= listed:
        raise ProtocolError(
            f"the board lists {listed} paper uploads of unit {sent.unit!r}; this one is "
            f"numbered {sent.sequence}: if it was sent before (an answer lost, a timeout), "
            "get its receipt with 'honestballot commission receipt'"
        )
    _post(board, sent.unit, body, receipt)


@commission_group.command("receipt")
@_server_options
@_receipt_options
@click.argument("upload_path", type=click.Path(exists=True, dir_okay=False))
def receipt_command(
    server: str, election_id: str, fingerprint: str | None, setup: str | None,
    upload_path: str, receipt_path: str | None, wait: float,
) -> None:  # fmt: skip
    """Find an upload sent earlier on the board (when the board's answer was lost, or an
    error though the board kept it) and write its receipt (--wait: for all of it)."""
    body, sent = _read_upload(upload_path)
    path = _receipt_path(receipt_path, upload_path)
    board = _pinned_board(server, election_id, wait, fingerprint, setup)
    board.deadline = time.monotonic() + wait
    event, station, _ = check_station(board, sent.unit, None, paper=True, require_open=True)
    check_signed(board, sent, station, event.seq)
    line = canonical_bytes(upload_to_json(sent))
    seqs = board.positions("paper", sent.unit)
    if len(seqs) > MAX_PAPER_UPLOADS:
        raise ProtocolError(
            f"the board lists {len(seqs)} paper uploads of unit {sent.unit!r}, more than the "
            f"{MAX_PAPER_UPLOADS} a board takes: refusing to read them"
        )
    # the upload numbered k is the unit's k-th: look there first
    order = sorted(seqs, key=lambda s: (s != seqs[sent.sequence - 1], -s)) if (
        sent.sequence <= len(seqs)
    ) else list(reversed(seqs))  # fmt: skip
    for seq in order:
        found, _ = board.event(seq)
        if canonical_bytes(found.body) == line:
            _write_receipt(board, _receipt_of(board, seq, body), path)
            return
    raise ProtocolError(
        f"the board holds no upload equal to {upload_path} (it lists {len(seqs)} paper "
        f"uploads of unit {sent.unit!r}): send it with 'honestballot commission upload'"
    )


def _heads(proof: EventProof, keys: BoardKeys) -> str:
    """A head's size, time and its co-signers' times, in words."""
    names = {w.key: w.name for w in keys.witnesses}
    head = proof.head.head
    said = f"size {head.size}, signed at {utc(head.timestamp_ms)}"
    if proof.cosignatures:
        said += ", co-signed by " + ", ".join(
            f"{names.get(c.witness, c.witness.hex()[:16])} at {utc(c.witnessed_ms)}"
            for c in proof.cosignatures
        )
    return said


def _receipt_holds(
    receipt: PaperReceipt, path: str, ctx: ElectionContext, keys: BoardKeys
) -> EventLine:
    """The receipt's own proof and its upload's digest, checked against the election of
    ``ctx`` (no board needed): the receipt's ``paper`` event."""
    if receipt.election_id != ctx.manifest.election_id or receipt.base_hash != ctx.base_hash:
        raise ProtocolError(
            f"{path} is a receipt of election {receipt.election_id!r} of fingerprint "
            f"{receipt.base_hash.hex()[:16]}; the setup is election "
            f"{ctx.manifest.election_id!r} of fingerprint {ctx.base_hash.hex()[:16]}: another "
            "election, or a board whose setup was changed"
        )
    try:
        kept = check_event_proof(receipt.proof, receipt.election_id, ctx.base_hash, keys)
    except HonestBallotError as exc:
        raise ProtocolError(f"{path} does not hold: {exc}") from None
    named = _paper_body(kept, receipt.unit)
    if (
        named.sequence != receipt.sequence
        or body_digest(ctx.base_hash, kept.body) != receipt.digest
    ):
        raise ProtocolError(f"{path} does not hold: its event is not the upload it names")
    return kept


@commission_group.command("check-receipt")
@_fingerprint_option
@click.option(
    "--setup",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="The election's public setup ('honestballot election info --out'): alone, check "
    "the receipt without the board; with --server, the board's must be the same.",
)
@click.option("--election", "election_id", default=None, help="The election's id (with --server).")
@click.option("--server", default=None, help="The board's address (https://...).")
@_input_file("--receipt", "receipt_path", "The receipt ('commission upload').")
@click.option(
    "--wait",
    type=click.FloatRange(0),
    default=DEFAULT_WAIT_S,
    show_default=True,
    help="Seconds to wait for a witnessed tree head that reaches the upload.",
)
def check_receipt(
    fingerprint: str | None, setup: str | None, election_id: str | None, server: str | None,
    receipt_path: str, wait: float,
) -> None:  # fmt: skip
    """Check a receipt: its own proof and its upload's digest (with --setup alone, offline);
    with --server, also that the board still holds the upload at the same place under its
    latest witnessed tree head, that head extending the receipt's (a consistency proof),
    and the unit's station."""
    receipt = receipt_from_json(
        parse_json(read_bytes(receipt_path), limit=64 << 20, what="receipt"), receipt_path
    )
    given = None if setup is None else _setup_file(setup)
    if server is None:
        if given is None:
            raise click.UsageError(
                "give --setup to check the receipt offline, or --server and --election with "
                "--fingerprint or --setup"
            )
        _receipt_holds(receipt, receipt_path, *given)
        click.echo(
            f"the receipt holds: upload {receipt.sequence} of unit {receipt.unit!r} is event "
            f"{receipt.proof.seq} of the board of election {receipt.election_id!r} "
            f"(fingerprint {receipt.base_hash.hex()[:16]}) under the tree head "
            f"({_heads(receipt.proof, given[1])})"
        )
        click.echo(
            "checked without the board: whether the board still holds it, and whether a later "
            "upload corrects it, needs --server"
        )
        return
    if election_id is None:
        raise click.UsageError("--server needs --election")
    if receipt.election_id != election_id:
        raise ProtocolError(f"{receipt_path} is a receipt of election {receipt.election_id!r}")
    board = _board(server, election_id, wait, fingerprint, None if given is None else given[0])
    ctx, keys = board.setup()
    if ctx.base_hash != receipt.base_hash:
        raise ProtocolError(
            f"the board's election has the fingerprint {ctx.base_hash.hex()[:16]}, the "
            f"receipt's is {receipt.base_hash.hex()[:16]}: another election, or a board "
            "whose setup was changed"
        )
    kept = _receipt_holds(receipt, receipt_path, ctx, keys)
    seq = receipt.proof.seq
    _, now = board.event(seq)
    if now.line != receipt.proof.line:
        raise ProtocolError(
            f"the board no longer holds the receipt's upload at event {seq}: it shows "
            "another event there (the receipt is the evidence)"
        )
    old, new = receipt.proof.head, now.head
    if new.head.size < old.head.size:
        raise ProtocolError(
            f"the board's latest witnessed tree head (size {new.head.size}) is older than the "
            f"receipt's (size {old.head.size})"
        )
    proof = board.consistency(old.head.size, new.head.size) if new.head.size > old.head.size else []
    check_extends(old, new, proof)
    event, station, _ = check_station(board, receipt.unit, None, paper=True, require_open=True)
    check_signed(board, upload_from_json(kept.body, f"event {seq}"), station, event.seq)
    click.echo(
        f"the board still holds upload {receipt.sequence} of unit {receipt.unit!r} as event "
        f"{seq}, signed with the key of the unit's station (event {event.seq}): proved under "
        f"its latest witnessed tree head ({_heads(now, keys)})"
    )
    click.echo(
        f"which extends the receipt's ({_heads(receipt.proof, keys)})"
        if new.head.size > old.head.size
        else "which is the receipt's own head: the board has witnessed nothing newer since "
        "(see the times)"
    )
    later = [s for s in board.positions("paper", receipt.unit) if s > seq]
    if later:
        last, _ = board.event(later[-1])
        _paper_body(last, receipt.unit)
    click.echo(
        f"as the board lists them, a later upload of the unit (event {later[-1]}) corrects it"
        if later
        else "as the board lists them, it is the unit's last upload: the one that counts"
    )
    click.echo(board.trust_note())


@commission_group.command("check-station")
@_server_options
@click.option("--unit", required=True, help="The unit whose station this commission runs.")
@_input_file("--key", "public_path", "The commission's public file ('commission keygen --public').")
@click.option(
    "--paper/--no-paper",
    default=None,
    help="Also refuse unless the station has (or has not) paper voting.",
)
@click.option(
    "--wait",
    type=click.FloatRange(0),
    default=DEFAULT_WAIT_S,
    show_default=True,
    help="Seconds to wait for a witnessed tree head that reaches the station.",
)
def check_station_command(
    server: str, election_id: str, fingerprint: str | None, setup: str | None, unit: str,
    public_path: str, paper: bool | None, wait: float,
) -> None:  # fmt: skip
    """Check the commission's station on the board: the board's events up to the
    election's opening, read and checked against a witnessed tree head, hold the unit's
    station with the commission's own key, before the election opened, and its paper
    voting."""
    try:
        own_unit, digest, key, _ = commission_key_from_json(
            parse_json(read_bytes(public_path), limit=1 << 16, what="commission key"),
            public_path,
        )
    except HonestBallotError as exc:
        raise ProtocolError(f"{public_path}: {exc}") from None
    if own_unit != unit:
        raise ProtocolError(f"{public_path} is the commission key of unit {own_unit!r}")
    board = _pinned_board(server, election_id, wait, fingerprint, setup)
    if manifest_hash(board.ctx.manifest) != digest:
        raise ProtocolError(
            f"the board's election has another manifest than the one {public_path} was made for"
        )
    event, station, prefix = check_station(board, unit, key, paper=paper)
    click.echo(
        f"the station of unit {unit!r} is event {event.seq} of the board, "
        + (
            f"the election is not open yet (under the witnessed tree head of size {prefix.size})"
            if prefix.opened is None
            else f"the last before the election opened (event {prefix.opened})"
        )
        + f": it has this commission's key {key.hex()[:16]}... and "
        + ("paper voting" if station.paper else "no paper voting")
        + f"; all {prefix.opened + 1 if prefix.opened is not None else prefix.size} events "
        "before it read and checked against the witnessed tree head"
    )
    click.echo(board.trust_note())


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
    server: str | None, election_id: str | None, fingerprint: str | None,
) -> None:  # fmt: skip
    """Check a sealed opening: every row of the upload encrypts the handle of the paper
    roll's line the opening names, each line at most once; print the lines (the voters the
    commission listed, to compare with the signatures on the paper roll)."""
    _, election_key, _ = _election(setup, server, election_id, fingerprint)
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
