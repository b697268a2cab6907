"""The checks ``roll.units`` and ``roll.encrypted`` (docs/coercion.md §6): the encrypted
roll of an election with re-voting protection (protocol/encrypted_roll.py).

``roll.units``: the reporting units the ``roll`` event lists are those the rule of
docs/coercion.md §2.3 gives from the summary's counts.  ``roll.encrypted``: every row's
three proofs, each at the row's own index (a row moved to another place fails its
proofs), every part the ``roll`` names parsed and the parts exactly those on the board
in order, the rows as many as the summary's voters, the organiser's signature over the
whole ``roll`` body (its ``encrypted`` member included, so it binds every part's digest),
and all of it before ``open``.  That the parts are placed and named right is also a
board rule (``board.rules``); these checks say which row or unit is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from honestballot.errors import HonestBallotError, ProtocolError
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.encrypted_roll import (
    VOTERS_PER_ROW,
    RollRow,
    check_mixed_contests,
    check_reporting_units,
    verify_rows,
)
from honestballot.protocol.witnesses import BoardKeys, verify_roll_signature
from honestballot.record.events import EventLine
from honestballot.record.roll import encrypted_from_json, part_digest, part_from_json
from honestballot.record.witness import roll_signature, roll_summary_bytes

NO_ROLL = "this election has no encrypted roll (it has no re-voting protection)"


def _per_unit(body: Mapping[str, Any]) -> list[tuple[str, int]]:
    try:
        return [(str(u["unit"]), int(u["voters"])) for u in body["voters_per_unit"]]
    except (KeyError, TypeError, ValueError):
        raise ProtocolError("the roll's voters_per_unit is malformed") from None


def _roll(events: Sequence[EventLine]) -> EventLine | None:
    for ev in events:
        if ev.kind == "roll" and "encrypted" in ev.body:
            return ev
    return None


def check_roll_units(events: Sequence[EventLine], ctx: ElectionContext) -> str:
    """What ``roll.units`` found, or :class:`ProtocolError` saying what is wrong."""
    roll = _roll(events)
    if roll is None:
        return NO_ROLL
    path = f"event {roll.seq}.body"
    encrypted = encrypted_from_json(roll.body["encrypted"], f"{path}.encrypted")
    per_unit = _per_unit(roll.body)
    units = check_reporting_units(
        per_unit,
        [u.id for u in ctx.manifest.units],
        ctx.manifest.min_unit_size,
        encrypted.reporting_units,
    )
    check_mixed_contests(ctx.manifest, sum(n for _, n in per_unit))
    return (
        f"{len(units.ids)} reporting units from {len(per_unit)} units "
        f"(minimum size {ctx.manifest.min_unit_size}), as the rule gives them; no contest "
        f"counted by mixing admits more than one ballot per {VOTERS_PER_ROW} voters"
    )


def check_roll_encrypted(
    events: Sequence[EventLine],
    ctx: ElectionContext,
    keys: BoardKeys,
    rows_out: list[RollRow] | None = None,
) -> str:
    """What ``roll.encrypted`` found, or :class:`ProtocolError` naming the first part or
    row that fails; the rows it checked, in order, are added to ``rows_out`` (the close's
    stage B reads them)."""
    roll = _roll(events)
    if roll is None:
        if any(ev.kind == "roll-part" for ev in events):
            raise ProtocolError("roll parts are on the board but no roll names them")
        return NO_ROLL
    path = f"event {roll.seq}.body"
    encrypted = encrypted_from_json(roll.body["encrypted"], f"{path}.encrypted")
    opened = next((ev.seq for ev in events if ev.kind == "open"), None)
    if opened is not None and opened < roll.seq:
        raise ProtocolError(f"the encrypted roll (event {roll.seq}) follows the open")
    if keys.organiser_key is None:
        raise ProtocolError("an encrypted roll needs the organiser's key, and the setup names none")
    signature = roll_signature(roll.body, path)
    if signature is None:
        raise ProtocolError("the encrypted roll is not signed by the organiser")
    verify_roll_signature(
        ctx.base_hash, roll_summary_bytes(roll.body), keys.organiser_key, signature
    )
    parts = [ev for ev in events if ev.kind == "roll-part"]
    if len(parts) != len(encrypted.parts):
        raise ProtocolError(
            f"the roll names {len(encrypted.parts)} parts, the board holds {len(parts)}"
        )
    rows = 0
    for ev, digest in zip(parts, encrypted.parts, strict=True):
        if ev.seq > roll.seq:
            raise ProtocolError(f"roll part (event {ev.seq}) after the roll")
        if part_digest(ev.body) != digest:
            raise ProtocolError(f"roll part (event {ev.seq}) is not the part the roll names")
        offset, items = part_from_json(ev.body, f"event {ev.seq}.body")
        if offset != rows:
            raise ProtocolError(f"roll part (event {ev.seq}) starts at row {offset}, not {rows}")
        try:
            verify_rows(ctx.base_hash, ctx.public_key, items, offset)
        except HonestBallotError as exc:
            raise ProtocolError(f"event {ev.seq}: {exc}") from None
        rows += len(items)
        if rows_out is not None:
            rows_out.extend(items)
    voters = sum(n for _, n in _per_unit(roll.body))
    if rows != encrypted.rows or rows != voters:
        raise ProtocolError(
            f"the encrypted roll has {rows} rows; the roll says {encrypted.rows} and the "
            f"summary {voters} voters"
        )
    return (
        f"{rows} roll rows in {len(parts)} parts, every proof verified at its row, signed "
        "with the summary by the organiser's key before the open"
    )


def roll_unit_voters(events: Sequence[EventLine]) -> tuple[tuple[str, int], ...]:
    """Each reporting unit's id and voters (in the order whose indices are the ``u`` the
    roll rows encrypt) as the organiser signed them; empty without an encrypted roll."""
    roll = _roll(events)
    if roll is None or "encrypted" not in roll.body:
        return ()
    encrypted = encrypted_from_json(roll.body["encrypted"], f"event {roll.seq}.body.encrypted")
    return unit_voters(_per_unit(roll.body), encrypted.reporting_units)


def roll_unit_of(events: Sequence[EventLine]) -> tuple[tuple[str, int], ...]:
    """``(manifest unit, the index of its reporting unit)`` for every manifest unit the
    encrypted roll's reporting units list (where a paper station reports); empty without
    an encrypted roll."""
    roll = _roll(events)
    if roll is None:
        return ()
    encrypted = encrypted_from_json(roll.body["encrypted"], f"event {roll.seq}.body.encrypted")
    return unit_of(encrypted.reporting_units)


def unit_of(reporting: Sequence[tuple[str, Sequence[str]]]) -> tuple[tuple[str, int], ...]:
    """Each manifest unit with the index of the reporting unit that lists it."""
    return tuple((u, i) for i, (_, units) in enumerate(reporting) for u in units)


def unit_voters(
    per_unit: Sequence[tuple[str, int]], reporting: Sequence[tuple[str, Sequence[str]]]
) -> tuple[tuple[str, int], ...]:
    """Each reporting unit's id and voters: the sum of its manifest units' voters."""
    voters = dict(per_unit)
    return tuple((rid, sum(voters.get(u, 0) for u in units)) for rid, units in reporting)
