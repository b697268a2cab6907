"""The organiser's encrypted roll, received before ``open`` (docs/coercion.md §2.3, §7;
protocol/encrypted_roll.py; record/roll.py).

The organiser's tool (``honestballot organiser make-roll``, on the organiser's machine)
makes the letters, the rows and the signature; the service receives the upload, checks
everything ``verify`` will check of it (``roll.units``, ``roll.encrypted``,
``roll.signature``) and that it is the roll the service holds (the same counts per unit
and exceptions, one letter entry per voter in the voter's reporting unit, no two voters
with one handle), and keeps it: the parts and the signed roll body until ``open`` posts
them (:meth:`ElectionService.open`, which refuses if the roll changed since), and each
voter's handle, activation point and reporting unit in the voter's row, with the voter's
current revocation point set to the voter's none point (docs/coercion.md §2.4).  Sent again
before ``open``, it replaces the earlier one whole (a voter who lost a letter gets a new
one: the organiser makes the roll again).

:func:`build_roll_upload` is the organiser's side: the letters and the signed upload the
organiser's tool makes on the organiser's machine (cli/organiser_roll.py), which the demos
(cli/demo_revoting.py, ``serve --demo``) make with the organiser's key they hold.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from honestballot.crypto.group import Point, Scalar
from honestballot.crypto.randomness import Randomness
from honestballot.crypto.tagging import none_point
from honestballot.errors import HonestBallotError, InvalidInput, ProtocolError, Text
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.encrypted_roll import (
    check_mixed_contests,
    check_reporting_units,
    make_roll,
    parts_of,
    verify_rows,
)
from honestballot.protocol.witnesses import sign_roll, verify_roll_signature
from honestballot.record.codec import canonical_bytes
from honestballot.record.roll import (
    EncryptedRollSummary,
    RollUpload,
    VoterLetterEntry,
    encrypted_from_json,
    encrypted_to_json,
    part_digest,
    part_from_json,
    part_to_json,
    upload_from_json,
)
from honestballot.record.witness import roll_signature, roll_summary_bytes, signature_to_json
from honestballot.service.board.election import ElectionService
from honestballot.service.voters.roll import Roll
from honestballot.service.voters.roll_csv import normalize_national_id

log = logging.getLogger("honestballot.service.roll")


def _refused(key: str, message: str, **params: Any) -> InvalidInput:
    return InvalidInput(Text(f"encrypted_roll.{key}", message, **params))


def keep_encrypted_roll(
    elections: ElectionService, roll: Roll, election_id: str, upload: Any
) -> dict[str, Any]:
    """Check the organiser's upload (parsed JSON) and keep it for ``open``; what was kept."""
    ctx = elections.context(election_id)
    keys = elections.board_keys(election_id)
    try:
        made = upload_from_json(upload)
    except HonestBallotError as exc:
        raise InvalidInput(Text("encrypted_roll.format", str(exc), problem=str(exc))) from None
    if made.election_id != election_id or made.base_hash != ctx.base_hash:
        raise _refused("election", "the encrypted roll was made for another election")
    if not ctx.revoting:
        raise _refused(
            "not_revoting",
            "this election has no re-voting protection (its setup names no batch schedule): "
            "it takes no encrypted roll",
        )
    if keys.organiser_key is None:
        raise _refused(
            "no_key", "an encrypted roll needs the organiser's key, and this election names none"
        )
    body = made.roll
    try:
        signature = roll_signature(body, "roll")
        if signature is None:
            raise _refused("unsigned", "the encrypted roll is not signed by the organiser")
        verify_roll_signature(
            ctx.base_hash, roll_summary_bytes(body), keys.organiser_key, signature
        )
        encrypted = encrypted_from_json(body.get("encrypted"), "roll.encrypted")
        bodies: list[tuple[str, str]] = []
        rows = 0
        for i, part in enumerate(made.parts):
            offset, items = part_from_json(part, f"parts[{i}]")
            if (
                offset != rows
                or i >= len(encrypted.parts)
                or part_digest(part) != encrypted.parts[i]
            ):
                raise _refused("parts", "the roll's parts are not the ones the roll names")
            verify_rows(ctx.base_hash, ctx.public_key, items, offset)
            rows += len(items)
            bodies.append(("roll-part", canonical_bytes(part).decode()))
        if len(made.parts) != len(encrypted.parts) or rows != encrypted.rows:
            raise _refused("parts", "the roll's parts are not the ones the roll names")
    except InvalidInput:
        raise
    except HonestBallotError as exc:
        raise InvalidInput(Text("encrypted_roll.invalid", str(exc), problem=str(exc))) from None
    with elections.store.transaction(election_id) as conn:
        row = elections.store.election_row(conn, election_id)
        if row is None or row["phase"] != "setup":
            raise ProtocolError(
                Text("encrypted_roll.phase", "the encrypted roll is kept only in setup")
            )
        summary = roll.summary_body(election_id, conn)
        if {k: body.get(k) for k in summary} != summary or set(body) != {
            *summary,
            "encrypted",
            "signature",
        }:
            raise _refused(
                "summary",
                "the encrypted roll's summary is not the roll the service holds: make it "
                "again from the current roll",
            )
        per_unit = [(str(u["unit"]), int(u["voters"])) for u in summary["voters_per_unit"]]
        try:
            units = check_reporting_units(
                per_unit,
                [u.id for u in ctx.manifest.units],
                ctx.manifest.min_unit_size,
                encrypted.reporting_units,
            )
        except ProtocolError as exc:
            raise InvalidInput(Text("encrypted_roll.invalid", str(exc), problem=str(exc))) from None
        if rows != sum(n for _, n in per_unit):
            raise _refused("rows", "the encrypted roll has not one row per voter")
        try:
            check_mixed_contests(ctx.manifest, rows)
        except ProtocolError as exc:
            raise InvalidInput(exc.args[0]) from None
        voters = elections.store.voter_units_by_national_id(conn, election_id)
        entries: dict[int, tuple[bytes, bytes, str]] = {}
        handles: set[bytes] = set()
        for entry in made.voters:
            found = voters.get(normalize_national_id(entry.national_id))
            if found is None or found[0] in entries:
                raise _refused("voters", "the letters are not one per voter of the roll")
            voter, unit = found
            if entry.reporting_unit != units.of_unit[unit]:
                raise _refused(
                    "voters_unit", "a letter names another reporting unit than its voter's"
                )
            if entry.handle.data in handles:
                raise _refused("voters_handle", "two letters have one handle")
            handles.add(entry.handle.data)
            entries[voter] = (entry.handle.data, entry.activation.data, entry.reporting_unit)
        if len(entries) != len(voters):
            raise _refused("voters", "the letters are not one per voter of the roll")
        bodies.append(("roll", canonical_bytes(body).decode()))
        elections.store.put_encrypted_roll(conn, election_id, bodies)
        elections.store.set_letter_entries(conn, election_id, entries)
        # each voter's current revocation point starts as the none point (§2.4)
        elections.store.set_revocation_points(
            conn,
            election_id,
            {v: none_point(ctx.base_hash, Point.decode(e[0])).data for v, e in entries.items()},
        )
    log.info(
        "kept the encrypted roll of %s: %d rows in %d parts", election_id, rows, len(made.parts)
    )
    return {
        "rows": rows,
        "parts": len(made.parts),
        "reporting_units": [{"id": rid, "units": list(m)} for rid, m in encrypted.reporting_units],
    }


# -- the organiser's tool's side (``honestballot organiser make-roll``, the demos) -----


@dataclass(frozen=True, slots=True)
class Voter:
    national_id: str
    name: str
    unit: str


@dataclass(frozen=True, slots=True)
class MadeLetters:
    upload: RollUpload
    #: (national ID, name, unit, activation code), in the roll file's order
    letters: tuple[tuple[str, str, str, str], ...]


def build_roll_upload(
    election_id: str,
    ctx: ElectionContext,
    summary: dict[str, Any],
    voters: Sequence[Voter],
    organiser_secret: Scalar,
    rng: Randomness,
) -> MadeLetters:
    """Letters, rows and the signed roll body for ``voters``, whose counts per unit must
    be the summary's (``summary``: the ``roll`` body without signature)."""
    counts: dict[str, int] = {}
    for v in voters:
        counts[v.unit] = counts.get(v.unit, 0) + 1
    stated = {str(u["unit"]): int(u["voters"]) for u in summary["voters_per_unit"]}
    if {u: n for u, n in stated.items() if n} != counts:
        raise ProtocolError(
            "the roll file's voters per unit are not the summary's: nothing made "
            f"(the file: {counts}; the summary: {stated})"
        )
    unit_order = [u.id for u in ctx.manifest.units]
    made = make_roll(
        ctx.base_hash,
        ctx.public_key,
        [v.unit for v in voters],
        unit_order,
        ctx.manifest.min_unit_size,
        rng,
    )
    parts = [part_to_json(offset, rows) for offset, rows in parts_of(made.rows)]
    encrypted = EncryptedRollSummary(
        len(made.rows), tuple(part_digest(p) for p in parts), made.units.listing(unit_order)
    )
    body: dict[str, Any] = {**summary, "encrypted": encrypted_to_json(encrypted)}
    signature = sign_roll(ctx.base_hash, roll_summary_bytes(body), organiser_secret, rng)
    body["signature"] = signature_to_json(signature)
    entries = tuple(
        VoterLetterEntry(v.national_id, e.handle, e.activation_point, e.reporting_unit)
        for v, e in zip(voters, made.entries, strict=True)
    )
    letters = tuple(
        (v.national_id, v.name, v.unit, letter.to_code())
        for v, letter in zip(voters, made.letters, strict=True)
    )
    upload = RollUpload(election_id, ctx.base_hash, tuple(parts), body, entries)
    return MadeLetters(upload, letters)
