"""``roll.units`` and ``roll.encrypted`` (docs/coercion.md §6) over the events of a roll
made by the organiser's tool (cli/organiser_roll.py, without the service): a roll in
several parts passes; each check fails alone, naming the part or row, on a part left
out, a part out of place, a roll after the open, a roll without the organiser's key and a
row copied into another place.  A roll of 1,000 voters in four parts (parts of 300 rows
here) is made, signed and verified whole; benchmarks/bench_roll.py makes and verifies
10,000 at the real part size and measures it (docs/performance.md)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.errors import ProtocolError
from honestballot.protocol import encrypted_roll
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.manifest import Manifest, Unit
from honestballot.protocol.witnesses import BoardKeys, sign_roll
from honestballot.record.events import EventLine
from honestballot.record.roll import part_digest
from honestballot.record.witness import roll_summary_bytes, signature_to_json
from honestballot.service.encrypted_roll import MadeLetters, Voter, build_roll_upload
from honestballot.verify.roll import check_roll_encrypted, check_roll_units
from tests.factories import label, tamper_manifest

RNG = SeededRandomness("verify-roll")
ORGANISER = random_nonzero_scalar(RNG)
KEYS = BoardKeys(
    base_mul(random_nonzero_scalar(RNG)),
    (),
    0,
    base_mul(ORGANISER),
    verifier_key=base_mul(random_nonzero_scalar(RNG)),
)
UNITS = ("north", "south", "east", "tiny")


def _manifest() -> Manifest:
    units = tuple(Unit(u, label(u.title())) for u in UNITS)
    return Manifest("verify-roll", label("Roll"), tamper_manifest().contests, units, 3)


def _made(voters: int, rng: SeededRandomness) -> tuple[ElectionContext, MadeLetters]:
    ctx = ElectionContext(
        _manifest(),
        base_mul(random_nonzero_scalar(rng)),
        bytes(range(32)),
        base_mul(random_nonzero_scalar(rng)),
    )
    # north large, south and east middling, tiny alone too small
    units = [UNITS[0] if i % 2 else UNITS[1 + i % 4 // 2] for i in range(voters - 1)] + ["tiny"]
    summary = {
        "voters_per_unit": [{"unit": u, "voters": units.count(u)} for u in UNITS],
        "contact_exceptions": 0,
    }
    people = [Voter(f"{i:012d}", f"Voter {i}", u) for i, u in enumerate(units)]
    return ctx, build_roll_upload("verify-roll", ctx, summary, people, ORGANISER, rng)


def _events(made: MadeLetters, *, roll_last: bool = False) -> list[EventLine]:
    parts = [EventLine(1 + i, 0, "roll-part", p) for i, p in enumerate(made.upload.parts)]
    roll = EventLine(1 + len(parts), 0, "roll", made.upload.roll)
    opened = EventLine(2 + len(parts), 0, "open", {})
    if roll_last:
        roll, opened = (
            EventLine(opened.seq, 0, "roll", roll.body),
            EventLine(roll.seq, 0, "open", {}),
        )
        return [*parts, opened, roll]
    return [*parts, roll, opened]


def _resigned(made: MadeLetters, parts: list[Any], roll: dict[str, Any]) -> MadeLetters:
    """``made`` with ``parts`` and the organiser's signature made again over them (as a
    thief of the organiser's key could)."""
    roll = json.loads(json.dumps(roll))
    roll["encrypted"]["parts"] = [part_digest(p).hex() for p in parts]
    del roll["signature"]
    base = made.upload.base_hash
    roll["signature"] = signature_to_json(sign_roll(base, roll_summary_bytes(roll), ORGANISER, RNG))
    return MadeLetters(replace(made.upload, parts=tuple(parts), roll=roll), ())


Made = tuple[ElectionContext, MadeLetters]


def _made_in_parts(voters: int, rows: int, rng: SeededRandomness) -> Made:
    """``_made`` with parts of ``rows`` rows (instead of ROLL_PART_ROWS)."""
    saved = encrypted_roll.ROLL_PART_ROWS
    encrypted_roll.ROLL_PART_ROWS = rows  # type: ignore[misc]
    try:
        return _made(voters, rng)
    finally:
        encrypted_roll.ROLL_PART_ROWS = saved  # type: ignore[misc]


@pytest.fixture(scope="module")
def three_parts() -> Made:
    """Ten voters in parts of 4 rows: three parts."""
    return _made_in_parts(10, 4, SeededRandomness("three parts"))


def test_a_roll_in_parts_passes_both_checks(three_parts: Made) -> None:
    ctx, made = three_parts
    assert len(made.upload.parts) == 3
    events = _events(made)
    assert "10 roll rows in 3 parts" in check_roll_encrypted(events, ctx, KEYS)
    # north (4) and south (3) stand alone; east (2) and tiny (1) make the pool
    assert made.upload.roll["encrypted"]["reporting_units"] == [
        {"id": "north", "units": ["north"]},
        {"id": "south", "units": ["south"]},
        {"id": "pool", "units": ["east", "tiny"]},
    ]
    assert "3 reporting units" in check_roll_units(events, ctx)


def test_each_fault_fails_roll_encrypted_by_name(three_parts: Made) -> None:
    ctx, made = three_parts
    parts, roll = list(made.upload.parts), made.upload.roll
    with pytest.raises(ProtocolError, match="follows the open"):
        check_roll_encrypted(_events(made, roll_last=True), ctx, KEYS)
    with pytest.raises(ProtocolError, match="needs the organiser's key"):
        check_roll_encrypted(
            _events(made),
            ctx,
            BoardKeys(KEYS.board_key, (), 0, None, verifier_key=KEYS.verifier_key),
        )
    with pytest.raises(ProtocolError, match="names 3 parts, the board holds 2"):
        check_roll_encrypted(_events(made)[1:], ctx, KEYS)
    # parts swapped and signed again: each row's proof is for its own place
    swapped = [{**parts[1], "offset": 0}, {**parts[0], "offset": 4}, parts[2]]
    with pytest.raises(ProtocolError, match="roll row 0, handle"):
        check_roll_encrypted(_events(_resigned(made, swapped, roll)), ctx, KEYS)
    # a row copied over another (the count unchanged, signed again)
    copied = json.loads(json.dumps(parts))
    copied[2]["rows"][0] = copied[1]["rows"][1]
    with pytest.raises(ProtocolError, match="roll row 8, handle"):
        check_roll_encrypted(_events(_resigned(made, copied, roll)), ctx, KEYS)
    # not signed again: the part is not the one the roll names
    stale = MadeLetters(replace(made.upload, parts=tuple(copied)), ())
    with pytest.raises(ProtocolError, match="not the part the roll names"):
        check_roll_encrypted(_events(stale), ctx, KEYS)


def test_a_wrong_listing_of_reporting_units_fails_roll_units(three_parts: Made) -> None:
    ctx, made = three_parts
    roll = json.loads(json.dumps(made.upload.roll))
    roll["encrypted"]["reporting_units"] = [
        {"id": "north", "units": ["north"]},
        {"id": "pool", "units": ["south", "east", "tiny"]},
    ]
    changed = _resigned(made, list(made.upload.parts), roll)
    with pytest.raises(ProtocolError, match="expected north: north; south: south; pool: east"):
        check_roll_units(_events(changed), ctx)
    check_roll_encrypted(_events(changed), ctx, KEYS)  # signed, so only the rule fails


def test_a_roll_of_a_thousand_voters_in_four_parts_is_made_signed_and_verified() -> None:
    ctx, made = _made_in_parts(1000, 300, SeededRandomness("a thousand"))
    assert [len(p["rows"]) for p in made.upload.parts] == [300, 300, 300, 100]
    assert len(made.letters) == 1000
    assert len({v.handle for v in made.upload.voters}) == 1000
    events = _events(made)
    assert "1000 roll rows in 4 parts" in check_roll_encrypted(events, ctx, KEYS)
    assert "3 reporting units" in check_roll_units(events, ctx)
