"""``honestballot trustee ...``: the key ceremony and the close, one command per step,
exchanging public files only.  Secret files are written with mode 0600.

Order: ``ceremony`` (organiser) -> ``init`` -> ``deal`` -> ``check`` -> ``finalize``
(anyone) -> ``accept-key`` -> ... election ... -> ``close-round`` and ``upload-close``,
round after round, by the trustees (``close-status`` says which round is next).

``close-round`` reads the election record, verifies the whole of it (or, with the
verified-state file, what was added since), and acts only in a closed election of the
trustee's own key ceremony, so that no operator can have a single ballot, or an open
election, decrypted.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Final, TypeVar

import click

from honestballot.cli.witness import urllib_fetch
from honestballot.crypto.group import base_mul
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.errors import HonestBallotError, ProtocolError, VerificationFailed
from honestballot.protocol.dkg import (
    TrusteeSecret,
    check_deals,
    create_deal,
    create_trustee,
    publics_by_index,
)
from honestballot.protocol.dkg_verify import (
    ElectionKey,
    accept_election_key,
    verify_ceremony,
)
from honestballot.protocol.election import ElectionContext
from honestballot.record import trustee as rec
from honestballot.record.codec import JsonObject, Reader, canonical_bytes, parse_json
from honestballot.record.events import MAX_LINE_BYTES, EventLine, event_from_json
from honestballot.record.setup import context_from_setup
from honestballot.verify.state import VerifiedState
from honestballot.verify.verifier import Report, verify_record

T = TypeVar("T")

_in_file = click.Path(exists=True, dir_okay=False, path_type=Path)
_out_file = click.Path(dir_okay=False, path_type=Path)


def _read(path: Path, decode: Callable[[Any, str], T], *, large: bool = False) -> T:
    return rec.load(path.read_bytes(), decode, path.name, large=large)


def _write_public(path: Path, obj: JsonObject) -> None:
    path.write_bytes(rec.to_bytes(obj))
    click.echo(f"wrote {path}")


def _write_secret(path: Path, obj: JsonObject, *, create: bool) -> None:
    """Write atomically with mode 0600; refuse to overwrite when ``create``."""
    if create and path.exists():
        raise ProtocolError(f"{path} exists: refusing to overwrite a trustee secret")
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, rec.to_bytes(obj))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    click.echo(f"wrote {path} (SECRET: keep it on this machine)")


#: Options that take several files: ``--publics a b c`` as well as ``--publics a --publics b``.
_MULTI_FILE_OPTIONS = frozenset({"--publics", "--deals", "--complaints", "--shares"})


class _MultiFileCommand(click.Command):
    """Rewrites ``--publics a b c`` to ``--publics a --publics b --publics c`` before click
    parses it (click options take a fixed number of values)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        fixed: list[str] = []
        current: str | None = None
        for arg in args:
            if arg.startswith("-"):
                current = arg if arg in _MULTI_FILE_OPTIONS else None
                fixed.append(arg)
            elif current is not None and fixed[-1] != current:
                fixed += [current, arg]
            else:
                fixed.append(arg)
        return super().parse_args(ctx, fixed)


@click.group("trustee")
def trustee_group() -> None:
    """Key ceremony (k-of-n DKG) and the close of an election, for trustees."""


@trustee_group.command("ceremony")
@click.option("--election-id", required=True)
@click.option("--manifest-hash", required=True, help="64 hex digits")
@click.option("--trustees", "n", type=int, required=True)
@click.option("--threshold", "k", type=int, required=True)
@click.option("--out", type=_out_file, required=True)
def ceremony_command(election_id: str, manifest_hash: str, n: int, k: int, out: Path) -> None:
    """(Organiser) publish the key-ceremony object."""
    obj = {
        "type": "key-ceremony",
        "version": 1,
        "election_id": election_id,
        "manifest_hash": manifest_hash,
        "trustees": n,
        "threshold": k,
    }
    c = rec.decode_ceremony(obj, "ceremony")  # the same strict checks as any reader
    _write_public(out, rec.encode_ceremony(c))
    click.echo(f"ceremony hash {c.hash.hex()}")


@trustee_group.command("init")
@click.option("--ceremony", "ceremony_path", type=_in_file, required=True)
@click.option("--index", type=int, required=True)
@click.option("--name", required=True)
@click.option("--secret", type=_out_file, required=True)
@click.option("--public-out", type=_out_file, required=True)
def init_command(
    ceremony_path: Path, index: int, name: str, secret: Path, public_out: Path
) -> None:
    """Create this trustee's communication key (secret file + public file)."""
    c = _read(ceremony_path, rec.decode_ceremony)
    s, p = create_trustee(c, index, name, SYSTEM_RANDOMNESS)
    if secret.exists():  # refused before anything is written (as _write_secret would)
        raise ProtocolError(f"{secret} exists: refusing to overwrite a trustee secret")
    # the public file first: should it fail, no secret is left without its public half
    _write_public(public_out, rec.encode_trustee_public(p))
    _write_secret(secret, rec.encode_trustee_secret(s), create=True)


@trustee_group.command("deal", cls=_MultiFileCommand)
@click.option("--secret", type=_in_file, required=True)
@click.option("--publics", type=_in_file, multiple=True, required=True)
@click.option("--out", type=_out_file, required=True)
def deal_command(secret: Path, publics: tuple[Path, ...], out: Path) -> None:
    """Publish commitments and encrypted shares for every other trustee."""
    s = _read(secret, rec.decode_trustee_secret)
    pubs = [_read(p, rec.decode_trustee_public) for p in publics]
    s2, deal = create_deal(s, pubs, SYSTEM_RANDOMNESS)
    if s2 != s:
        _write_secret(secret, rec.encode_trustee_secret(s2), create=False)
    _write_public(out, rec.encode_deal(deal))


@trustee_group.command("check", cls=_MultiFileCommand)
@click.option("--secret", type=_in_file, required=True)
@click.option("--publics", type=_in_file, multiple=True, required=True)
@click.option("--deals", type=_in_file, multiple=True, required=True)
@click.option("--out", type=_out_file, required=True)
def check_command(
    secret: Path, publics: tuple[Path, ...], deals: tuple[Path, ...], out: Path
) -> None:
    """Check the shares addressed to this trustee; publish complaints (maybe none)."""
    s = _read(secret, rec.decode_trustee_secret)
    publics_by_index(s.ceremony, [_read(p, rec.decode_trustee_public) for p in publics])
    ds = [d for f in deals for d in _read(f, rec.decode_deal)]
    complaints = check_deals(s, ds, SYSTEM_RANDOMNESS)
    _write_public(out, rec.encode_complaints(s.ceremony.hash, s.index, complaints))
    for c in complaints:
        click.echo(f"complaint against dealer {c.dealer}: its share does not check out")
    if not complaints:
        click.echo("all shares check out")


@trustee_group.command("finalize", cls=_MultiFileCommand)
@click.option("--ceremony", "ceremony_path", type=_in_file, required=True)
@click.option("--publics", type=_in_file, multiple=True, required=True)
@click.option("--deals", type=_in_file, multiple=True, required=True)
@click.option("--complaints", type=_in_file, multiple=True)
@click.option("--out", type=_out_file, required=True)
def finalize_command(
    ceremony_path: Path,
    publics: tuple[Path, ...],
    deals: tuple[Path, ...],
    complaints: tuple[Path, ...],
    out: Path,
) -> None:
    """(Anyone) rule on complaints, compute QUAL, the election key and every X_l."""
    c = _read(ceremony_path, rec.decode_ceremony)
    files = [_read(f, rec.decode_complaints_file) for f in complaints]
    for (h, i, _), f in zip(files, complaints, strict=True):
        if h != c.hash:
            raise ProtocolError(f"{f}: complaints file of trustee {i} is for another ceremony")
    # Every complaints file given is embedded, empty ones included: the key shows which
    # trustees checked the shares addressed to them.
    key = verify_ceremony(
        c,
        [_read(p, rec.decode_trustee_public) for p in publics],
        [d for f in deals for d in _read(f, rec.decode_deal)],
        [x for _, _, cs in files for x in cs],
        [i for _, i, _ in files],
    )
    _write_public(out, rec.encode_election_key(key))
    for r in key.rulings:
        click.echo(f"complaint of trustee {r.complainant} against {r.dealer}: {r.reason}")
    click.echo(f"qualified dealers {list(key.qualified)}; public key {key.public_key.hex()}")


@trustee_group.command("accept-key", cls=_MultiFileCommand)
@click.option("--secret", type=_in_file, required=True)
@click.option("--election-key", "key_path", type=_in_file, required=True)
@click.option("--deals", type=_in_file, multiple=True, help="must equal the key's deals")
def accept_key_command(secret: Path, key_path: Path, deals: tuple[Path, ...]) -> None:
    """Re-verify the election key, derive this trustee's share x_l and check x_l*G = X_l."""
    s = _read(secret, rec.decode_trustee_secret)
    key = _read(key_path, rec.decode_election_key, large=True)
    if deals:
        given = sorted((_read(d, rec.decode_deal) for d in deals), key=lambda ds: ds[0].dealer)
        if tuple(d for ds in given for d in ds) != key.deals:
            raise ProtocolError("the given deal files differ from the deals in the election key")
    s2 = accept_election_key(s, key)
    _write_secret(secret, rec.encode_trustee_secret(s2), create=False)
    click.echo(f"trustee {s.index}: key share accepted (matches X_{s.index})")


# -- the record a trustee acts on: verified whole, and this trustee's election ------------

#: the events taken from the record, and how their lines spell the kind
_KEPT_KINDS: Final = {kind: b'"kind":"%s"' % kind.encode() for kind in ("setup", "close")}


def _keep_events(lines: Iterable[bytes], kept: dict[str, list[EventLine]]) -> Iterator[bytes]:
    """Pass the record's lines on to the verifier unchanged, keeping the setup and close
    events, so that what a trustee acts on comes from the very bytes that were verified.

    Event lines are canonical (the verifier refuses any that is not), so a line holds
    ``"kind":"close"`` unescaped only if it is that event; every candidate is parsed
    in full all the same."""
    for raw in lines:
        if any(spelled in raw for spelled in _KEPT_KINDS.values()):
            try:
                obj = parse_json(raw.rstrip(b"\n"), limit=MAX_LINE_BYTES)
                if isinstance(obj, dict) and obj.get("type") == "event":
                    ev = event_from_json(obj, "record line")
                    if ev.kind in _KEPT_KINDS:
                        kept.setdefault(ev.kind, []).append(ev)
            except HonestBallotError:
                pass  # the verifier names the bad line
        yield raw


def _verified_record(
    path: Path,
    secret: TrusteeSecret,
    workers: int | None,
    refused: str,
    *,
    known: VerifiedState | None = None,
) -> tuple[Report, dict[str, list[EventLine]]]:
    """Verify the whole record (refusing, naming the failed checks, one that does not
    verify) and return the report and the setup and close events it holds.  With ``known``
    (what this trustee verified before, verify/state.py), a record that does not extend
    that one is refused, and the proofs verified before are not checked again."""
    if secret.key_share is None:
        raise ProtocolError(f"trustee {secret.index}: no key share yet (run accept-key first)")
    kept: dict[str, list[EventLine]] = {}
    with path.open("rb") as f:
        report = verify_record(_keep_events(f, kept), workers=workers, known=known)
    inconsistent = [c for c in report.failures if c.name == "verified-state"]
    if inconsistent:
        click.echo(
            f"{path.name} is not the board this trustee verified before: nothing made", err=True
        )
        raise ProtocolError(inconsistent[0].detail)  # English only: the trustees' command line
    if not report.passed:
        click.echo(f"{path.name} does not verify: {refused}", err=True)
        raise VerificationFailed([f"{c.name}: {c.detail}" for c in report.failures])
    if not kept.get("setup"):  # a record that verifies starts with its setup event
        raise ProtocolError(f"the election record {path.name} has no setup event")
    return report, kept


def _require_close(path: Path, kept: dict[str, list[EventLine]], nothing: str) -> EventLine:
    close = kept.get("close", [])
    if not close:
        raise ProtocolError(
            f"the election record {path.name} has no close event: the election is still "
            f"open, and nothing is {nothing} before it closes"
        )
    return close[0]


def _this_trustees_election(
    setup: EventLine, secret: TrusteeSecret
) -> tuple[ElectionContext, ElectionKey]:
    """The record's election, refused unless its key ceremony is the one of this trustee's
    secret and its verification key ``X_l`` is ``x_l·G`` of this trustee's key share."""
    assert secret.key_share is not None  # checked by _verified_record
    ctx, key, _ = context_from_setup(setup.body, check_ceremony=False)
    mine = secret.ceremony
    if key.ceremony != mine:
        raise ProtocolError(
            f"the election record is for election {key.ceremony.election_id!r} "
            f"(key ceremony {key.ceremony.hash.hex()[:16]}), but this trustee's secret is for "
            f"{mine.election_id!r} (key ceremony {mine.hash.hex()[:16]})"
        )
    if key.verification_key(secret.index) != base_mul(secret.key_share):
        raise ProtocolError(
            f"trustee {secret.index}: the election key in the record is not the one this "
            "trustee accepted (its verification key differs from this trustee's key share)"
        )
    return ctx, key


#: the record is verified before a trustee acts on it: on how many local processes
_workers_option = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes for checking ballot proofs and proofs of shuffle (default: all cores).",
)


# -- the close of an election with re-voting protection (docs/coercion.md §5) -------------


@trustee_group.command("close-status")
@click.option(
    "--record", "record_path", type=_in_file, required=True,
    help="The election record (record.jsonl), downloaded after the close.",
)  # fmt: skip
@_workers_option
def close_status_command(record_path: Path, workers: int | None) -> None:
    """Print, from the record alone, which round of the close is next, its steps, and the
    trustees who acted in each (an election with re-voting protection)."""
    with record_path.open("rb") as f:
        report = verify_record(f, workers=workers)
    if not report.passed:
        raise VerificationFailed([f"{c.name}: {c.detail}" for c in report.failures])
    stage = report.close
    if stage is None:
        click.echo(
            f"{record_path.name}: the close has not begun (the election is open, or has no "
            "re-voting protection)"
        )
        return
    if stage.done:
        units = stage.tally.counted_per_unit if stage.tally is not None else ()
        click.echo(
            f"{record_path.name}: the close is done: {len(stage.counted)} ballot(s) counted "
            f"({', '.join(f'{u}: {n}' for u, n in units)}), {len(stage.failures)} failure(s) "
            "with a remedy; 'honestballot verify' prints the result"
        )
        return
    click.echo(f"{record_path.name}: round {stage.round}")
    for step in stage.next:
        click.echo(f"  {step.kind} of {step.list}: done by trustees {list(step.done_by) or 'none'}")


@trustee_group.command("close-round")
@click.option("--secret", type=_in_file, required=True)
@click.option(
    "--record", "record_path", type=_in_file, required=True,
    help="The election record (record.jsonl), downloaded after the close and after the "
    "last step of the close.",
)  # fmt: skip
@click.option(
    "--state", "state_path", type=_out_file, default=None,
    help="The verified-state file: what this trustee verified of the record before (default: "
    "NAME.verified-state.json beside the secret file NAME.secret.json).",
)  # fmt: skip
@_workers_option
@click.option("--out", type=_out_file, required=True)
def close_round_command(
    secret: Path, record_path: Path, state_path: Path | None, workers: int | None, out: Path
) -> None:
    """This trustee's objects for the open steps of the close it has not acted in yet
    (mixes, tag shares, offsets, equivalence shares, decryption factors), each proven and
    signed with its key shares: a close file for 'upload-close'.

    They are made only once the record verifies, is this trustee's election, and its
    close has begun (the padding is on the board).  The first run verifies the whole
    record; each run keeps what it verified in the verified-state file, and the next
    checks that the record extends it (the same events first, byte for byte: else it is
    refused, as a board that rewrote its history or shows another one) and checks the
    proofs of the new events only."""
    from honestballot.cli.trustee_state import default_state_path, load_state, save_state
    from honestballot.protocol.close_a import TrusteeKeys, act
    from honestballot.record.close import publish

    s = _read(secret, rec.decode_trustee_secret)
    if s.key_share is None:
        raise ProtocolError(f"trustee {s.index}: no key share yet (run accept-key first)")
    state_path = state_path or default_state_path(secret)
    known = load_state(state_path, s)
    report, kept = _verified_record(
        record_path, s, workers, "nothing made for the close", known=known
    )
    _require_close(record_path, kept, "made for the close")
    ctx, _ = _this_trustees_election(kept["setup"][0], s)
    if report.state is not None:
        save_state(state_path, report.state, s)
        size = report.state.size
        what = (
            f"the {size - known.size} event(s) after the {known.size} verified before"
            if known
            else f"the whole record ({size} events)"
        )
        click.echo(
            f"{record_path.name}: {what} verified; {state_path.name} now holds {size} events, "
            f"root {report.state.root.hex()[:16]}…"
        )
    stage = report.close
    if stage is None:
        raise ProtocolError(  # English only: the trustees' command line
            f"the election record {record_path.name} has no padding after its close, or the "
            "election has no re-voting protection: there is no close to take part in"
        )
    if stage.done:
        raise ProtocolError(  # English only: the trustees' command line
            "the close is done and its result decrypted: nothing to do"
        )
    assert s.key_share is not None and s.tag_key_shares is not None
    keys = TrusteeKeys(s.index, s.key_share, *s.tag_key_shares)
    steps = [step for step in stage.next if s.index not in step.done_by]
    if not steps:
        click.echo(f"round {stage.round}: trustee {s.index} acted in every open step already")
        return
    lines = 0
    with out.open("wb") as f:
        for step in steps:
            item = act(ctx, step, keys, SYSTEM_RANDOMNESS)
            parts, head = publish(ctx.base_hash, item, s.key_share, SYSTEM_RANDOMNESS)
            for part in parts:
                f.write(canonical_bytes({"kind": "close-part", "body": part}) + b"\n")
            f.write(canonical_bytes({"kind": "close-step", "body": head}) + b"\n")
            lines += len(parts) + 1
            click.echo(f"round {stage.round}: {step.kind} of {step.list} by trustee {s.index}")
    click.echo(f"wrote {out}: {lines} line(s) for 'upload-close'")


@trustee_group.command("upload-close")
@click.option("--url", required=True, help="The board's public address (https://...).")
@click.option("--election", "election_id", required=True, help="The election's id.")
@click.option(
    "--close", "close_path", type=_in_file, required=True, help="The file 'close-round' wrote."
)
def upload_close_command(url: str, election_id: str, close_path: Path) -> None:
    """Send a close file to the board, one line per request: each object's parts, then
    the step that names them.  A part already on the board is not stored twice, so an
    interrupted upload is simply run again."""
    endpoint = _endpoint(url, election_id, "close")
    lines = [x.strip() for x in close_path.read_bytes().splitlines() if x.strip()]
    for number, line in enumerate(lines, 1):
        answer = _send_close_line(endpoint, line, f"{close_path.name} line {number}")
        what = (
            f"{answer.text('step')} of {answer.text('list')} by trustee {answer.integer('trustee')}"
        )
        if answer.text("kind") == "close-step" and answer.boolean("stored"):
            click.echo(
                f"{what}: verified and published; the close is in round {answer.text('round')}"
            )
        elif answer.text("kind") == "close-step":
            click.echo(f"{what}: already on the board")
        else:
            state = "stored" if answer.boolean("stored") else "already on the board"
            click.echo(f"a part of {what}: {state}")


#: how often a step is sent again when another trustee's step came in meanwhile
CLOSE_RETRIES: Final = 5


def _send_close_line(endpoint: str, line: bytes, where: str) -> Reader:
    """Send one line of a close file; a step refused only because another trustee's step
    came in meanwhile is sent again (it is checked against the board as it now is)."""
    for attempt in range(CLOSE_RETRIES + 1):
        try:
            sent = urllib_fetch(endpoint, line, timeout=UPLOAD_TIMEOUT_S)
            return Reader(parse_json(sent), "answer")
        except HonestBallotError as exc:
            if "came in meanwhile" in str(exc) and attempt < CLOSE_RETRIES:
                continue
            raise ProtocolError(f"{where}: {exc}") from None
    raise AssertionError("unreachable")


#: how long one line of a close file may take the service: a step is checked there (a
#: mix's proof of shuffle, some 1.3 ms a row), which takes minutes for a large election
UPLOAD_TIMEOUT_S: Final = 3 * 60 * 60


def _endpoint(url: str, election_id: str, what: str) -> str:
    return f"{url.rstrip('/')}/api/e/{urllib.parse.quote(election_id, safe='')}/{what}"
