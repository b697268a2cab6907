"""Voter commands: ``honestballot voter ...``.

``credential`` makes the voter's signing key on the voter's own machine;
``encrypt`` encrypts and proves a ballot locally against the public setup;
``audit`` (Benaloh challenge) opens an encrypted ballot to show what it
encrypts and posts it as spoiled; ``cast`` submits; ``check`` finds a tracking
code on the board and verifies its inclusion proof against a signed tree head.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import click

from honestballot.cli.common import (
    database_option,
    echo_json,
    read_bytes,
    write_secret,
)
from honestballot.crypto.merkle import verify_inclusion
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.errors import HonestBallotError, LogError, NotFound
from honestballot.protocol.ballot import (
    BallotOpening,
    EncryptedBallot,
    SpoiledBallot,
    check_opening,
    encrypt_ballot,
)
from honestballot.protocol.credential import VoterCredential, generate_credential
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.ranked import read_in_order
from honestballot.protocol.witnesses import check_quorum
from honestballot.record.ballot import (
    MAX_BALLOT_BYTES,
    ballot_from_json,
    ballot_to_json,
    opening_from_json,
    opening_to_json,
    spoiled_from_json,
)
from honestballot.record.codec import parse_json
from honestballot.record.setup import context_from_setup
from honestballot.service.runtime import open_board_views


@click.group("voter")
def voter_group() -> None:
    """Voter: check a ballot's place on the board; offline, version 1's credential,
    encryption and audit check (no election of this service takes version 1's ballots)."""


@voter_group.command("credential")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Where to keep the secret credential (mode 0600).",
)
def credential(out: str) -> None:
    """Make a new credential on this device; print its public part to register."""
    cred = generate_credential(SYSTEM_RANDOMNESS)
    write_secret(
        out, json.dumps({"type": "voter-credential", "version": 1, "code": cred.to_code()})
    )
    click.echo(f"public credential (give this to the organiser): {cred.public.hex()}")
    click.echo(f"secret kept in {out}; print its code to carry it to another device")


def _load_credential(path: str) -> VoterCredential:
    obj = parse_json(read_bytes(path), limit=4096, what="credential file")
    if not isinstance(obj, dict) or obj.get("type") != "voter-credential":
        raise click.ClickException(f"{path} is not a voter credential file")
    return VoterCredential.from_code(str(obj.get("code", "")))


def _parse_choices(
    ctx: ElectionContext, choices: tuple[str, ...]
) -> dict[str, set[str] | tuple[str, ...]]:
    """CONTEST=OPTION[,OPTION...] items: a set of options, or for a ranked contest the
    ranking in the order given (docs/ranked.md)."""
    given: dict[str, list[str]] = {}
    for item in choices:
        if "=" not in item:
            raise click.BadParameter(
                f"{item!r}: use CONTEST=OPTION[,OPTION...]", param_hint="--choice"
            )
        contest, options = item.split("=", 1)
        given.setdefault(contest, []).extend(o for o in options.split(",") if o)
    ranked = {c.id for c in ctx.manifest.contests if c.ranked}
    return {c: tuple(v) if c in ranked else set(v) for c, v in given.items()}


def _shown(
    ctx: ElectionContext, opening: BallotOpening, choices: dict[str, frozenset[str]]
) -> dict[str, list[str]]:
    """What an opening encrypts, for printing: a ranked contest's ranking in order (as the
    count reads it), the other contests' options sorted."""
    out = {k: sorted(v) for k, v in choices.items()}
    for contest, op in zip(ctx.manifest.contests, opening.contests, strict=False):
        if contest.ranked and contest.id in out:
            out[contest.id] = read_in_order(contest, op.plaintexts)
    return out


@voter_group.command("encrypt")
@click.option(
    "--setup",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The election's public setup (from 'election info --out').",
)
@click.option("--credential", "credential_path", required=True, type=click.Path(exists=True))
@click.option(
    "--choice",
    "choices",
    multiple=True,
    required=True,
    help="CONTEST=OPTION[,OPTION...]; repeat per contest.",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@click.option(
    "--opening-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Secret: needed only to audit this ballot; delete it if you cast.",
)
def encrypt(
    setup: str, credential_path: str, choices: tuple[str, ...], out: str, opening_out: str
) -> None:
    """Encrypt and prove a ballot on this device."""
    ctx, _, _ = context_from_setup(parse_json(read_bytes(setup), limit=64 << 20))
    cred = _load_credential(credential_path)
    ballot, opening = encrypt_ballot(ctx, cred, _parse_choices(ctx, choices), SYSTEM_RANDOMNESS)
    Path(out).write_text(json.dumps(ballot_to_json(ballot)))
    write_secret(opening_out, json.dumps(opening_to_json(opening)))
    click.echo(f"tracking code {ballot.tracking_code()}: now either cast it or audit it")



@voter_group.command("check-audit")
@click.option("--setup", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--ballot",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The ballot, or the audited ballot as the board shows it (type spoiled-ballot).",
)
@click.option("--opening", required=True, type=click.Path(exists=True, dir_okay=False))
def check_audit(setup: str, ballot: str, opening: str) -> None:
    """Anyone: check an audited ballot's opening offline and print what it encrypts, and
    the tracking code the opened ballot has."""
    ctx, _, _ = context_from_setup(parse_json(read_bytes(setup), limit=64 << 20))
    value = parse_json(read_bytes(ballot), limit=MAX_BALLOT_BYTES, what="ballot")
    opened: EncryptedBallot | SpoiledBallot = (
        spoiled_from_json(value)
        if isinstance(value, dict) and value.get("type") == "spoiled-ballot"
        else ballot_from_json(value)
    )
    o = opening_from_json(parse_json(read_bytes(opening)))
    choices = check_opening(ctx, opened, o)
    echo_json(_shown(ctx, o, choices))
    click.echo(f"tracking code {opened.tracking_code()}")



@voter_group.command("check")
@click.argument("election_id")
@click.option("--tracking", required=True, help="The tracking code (e.g. ABCD-EFGH-IJKL-MNOP).")
@database_option
def check(election_id: str, tracking: str, database: str) -> None:
    """Find a ballot by tracking code and verify its inclusion in the signed log."""
    board = open_board_views(database)
    service = board.elections
    code = tracking.replace("-", "").upper()
    try:
        prefix = base64.b32decode(code)
    except ValueError:
        raise click.BadParameter("not a tracking code", param_hint="--tracking") from None
    try:
        ev = board.by_tracking_code(election_id, prefix)
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    setup = board.setup_body(election_id)
    if setup is None:  # not reached: a board with a ballot on it has its setup event
        raise click.ClickException(f"no election {election_id!r}")
    ctx, _, keys = context_from_setup(setup, check_ceremony=False)
    found = service.inclusion_proof(election_id, ev.seq)
    if found is None:  # with no witnesses a head is signed when none covers the entry
        raise click.ClickException(
            f"ballot {tracking} is entry {ev.seq} of the board, but no tree head the "
            f"witnesses co-signed (quorum {keys.quorum}) reaches it yet: try again later"
        )
    sth, proof = found.witnessed.head, found.proof
    try:
        sth.verify(election_id, keys.board_key)
        for cosig in found.witnessed.cosignatures:
            if cosig.head != sth.head:
                raise LogError("a co-signature is for another tree head")
            cosig.verify(ctx.base_hash, election_id, keys)
        check_quorum(keys, [c.witness for c in found.witnessed.cosignatures], "the tree head")
        verify_inclusion(ev.leaf_hash, ev.seq, sth.head.size, proof, sth.head.root)
    except HonestBallotError as exc:
        raise click.ClickException(f"inclusion proof failed: {exc}") from None
    if ev.kind == "audit":
        status = "audited (spoiled, not counted)"
    elif ev.tracking_hash is not None and board.counts(election_id, ev.tracking_hash):
        status = "the latest ballot of its credential: this is the one that counts"
    else:
        status = "superseded by a later ballot of the same credential"
    click.echo(f"ballot {tracking} is entry {ev.seq} of the board ({ev.kind}); {status}")
    click.echo(
        f"inclusion proof of {len(proof)} hashes verified against the signed tree head "
        f"of size {sth.head.size}, root {sth.head.root.hex()}"
    )
    if keys.witnesses:
        names = ", ".join(keys.witness(c.witness).name for c in found.witnessed.cosignatures)
        click.echo(f"that tree head is co-signed by {names} (quorum {keys.quorum})")
