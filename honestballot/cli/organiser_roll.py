"""``honestballot organiser make-roll``: the organiser's tool for an election with re-voting
protection (docs/coercion.md §2.2, §2.3, §7), run on the organiser's own machine.

From the roll summary the service gives to sign (with the election's setup in it), the
organiser's own roll file and the organiser's key, it checks the setup against the
fingerprint and the roll's counts against the summary, fixes the reporting units, draws
a letter for every voter, makes the rows of the encrypted roll in an order drawn at
random, signs the roll body (the summary's counts, the reporting units and every part's
digest) with the organiser's key, and writes two files: the upload for the service
(``POST /api/organiser/e/ID/encrypted-roll``), which holds no letter secret, and the
letters to print (one line per voter: national ID, name, unit, activation code).  It
keeps no copy of the letters' secrets: the letters file is the only one, to be printed,
mailed to the addresses on the roll, and deleted.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from honestballot.cli.common import read_bytes
from honestballot.cli.keys import ORGANISER_KEY, load_key_file
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.record.roll import (
    upload_to_json,
)
from honestballot.record.setup import context_from_setup
from honestballot.record.witness import (
    RollSummaryToSign,
    read_roll_summary,
)
from honestballot.service.encrypted_roll import Voter, build_roll_upload
from honestballot.service.voters.roll_csv import parse_roll

#: the most voters the tool makes letters for at once
MAX_VOTERS = 10_000_000


def letters_csv(letters: Sequence[tuple[str, str, str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("national_id", "name", "unit", "activation_code"))
    writer.writerows(letters)
    return out.getvalue()


def make_roll_command(
    summary: str, roll: str, key: str, fingerprint: str, out: str, letters: str
) -> None:
    to_sign = read_roll_summary(read_bytes(summary))
    if to_sign.setup is None:
        raise click.ClickException("the roll summary carries no setup: ask the server for it again")
    ctx, _, _ = context_from_setup(to_sign.setup)
    pinned = fingerprint.strip().lower()
    if len(pinned) < 16 or not ctx.base_hash.hex().startswith(pinned):
        raise click.ClickException(
            f"the setup is the election with fingerprint {ctx.base_hash.hex()[:16]}, not "
            f"{pinned}: nothing made"
        )
    if to_sign.base_hash != ctx.base_hash:
        raise click.ClickException("the summary and the setup are of different elections")
    rows, problems = parse_roll(read_bytes(roll), ctx.manifest.unit_ids(), MAX_VOTERS)
    if problems:
        line, why = problems[0]
        raise click.ClickException(f"the roll file, line {line}: {why}")
    voters = [Voter(r.national_id, r.name, r.unit) for r in rows]
    body = _summary_body(to_sign)
    made = build_roll_upload(
        to_sign.election_id, ctx, body, voters, load_key_file(key, ORGANISER_KEY), SYSTEM_RANDOMNESS
    )
    Path(letters).write_text(letters_csv(made.letters), encoding="utf-8")
    Path(out).write_text(json.dumps(upload_to_json(made.upload)), encoding="utf-8")
    units = made.upload.roll["encrypted"]["reporting_units"]
    for unit in units:
        click.echo(f"  reporting unit {unit['id']}: {', '.join(unit['units'])}")
    click.echo(
        f"made {len(voters)} letters ({letters}: print them, mail each to the address on the "
        f"roll, then delete the file) and the signed encrypted roll ({out}: upload it)"
    )


def _summary_body(to_sign: RollSummaryToSign) -> dict[str, Any]:
    return {
        "voters_per_unit": [{"unit": u, "voters": n} for u, n in to_sign.per_unit],
        "contact_exceptions": to_sign.contact_exceptions,
    }
