"""The encrypted roll in a record made by honestballot's election service, checked by
hbcheck.py (standard library only, written from docs/record-format.md §6, "The encrypted
roll", and docs/coercion.md §2.3): the reporting units' rule (``roll.units``), every
row's proofs at its own index, the parts the roll names and the organiser's signature
(``roll.encrypted``); a unit moved, a proof altered and two rows swapped are each caught.

``honestballot`` is imported only to *make* the election and its roll.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from honestballot.cli.organiser_roll import Voter, build_roll_upload
from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.protocol.witnesses import sign_roll
from honestballot.record.codec import canonical_bytes
from honestballot.record.roll import part_digest, upload_to_json
from honestballot.record.witness import roll_summary_bytes, signature_to_json
from honestballot.service.board.election import ElectionService
from honestballot.service.encrypted_roll import keep_encrypted_roll
from honestballot.service.voters.roll import Roll
from honestballot.store.sql import SqlStore
from honestballot.verify.verifier import verify_record
from tests.factories import REVOTING_SCHEDULE, WEB_ROLL, DemoCeremonies, web_roll_csv
from tests.independent import hbcheck

ELECTION = "roll-independent"
ORGANISER = random_nonzero_scalar(SeededRandomness("independent organiser"))


@pytest.fixture(scope="module")
def record(
    demo_ceremony: DemoCeremonies, tmp_path_factory: pytest.TempPathFactory
) -> list[dict[str, Any]]:
    """The record's lines (parsed) of an election opened with an encrypted roll of the six
    voters of the web tests over five units."""
    directory = tmp_path_factory.mktemp("roll-independent")
    made = demo_ceremony(ELECTION)
    rng = SeededRandomness("roll independent")
    service = ElectionService(SqlStore(f"sqlite:///{directory / 'store.sqlite'}"), rng)
    ctx = service.create(
        made.manifest, made.key, organiser_key=base_mul(ORGANISER), schedule=REVOTING_SCHEDULE
    )
    roll = Roll(service.store)
    roll.import_csv(ELECTION, web_roll_csv())
    people = [Voter(nid, name, unit) for nid, name, _, _, unit in WEB_ROLL]
    summary = roll.summary_body(ELECTION)
    letters = build_roll_upload(ELECTION, ctx, summary, people, ORGANISER, rng)
    keep_encrypted_roll(service, roll, ELECTION, upload_to_json(letters.upload))
    service.open(ELECTION, roll=lambda conn: roll.summary_body(ELECTION, conn))
    return [json.loads(line) for line in service.record_lines(ELECTION)]


def _check(lines: list[dict[str, Any]]) -> str | None:
    setup = lines[1]["body"]
    assert lines[1]["kind"] == "setup"
    events = [line for line in lines if line.get("type") == "event"]
    base = hbcheck.setup_base_hash(setup)
    return hbcheck.check_encrypted_roll(setup["manifest"], setup, base, events)


def _roll_and_part(lines: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    roll = next(x for x in lines if x.get("kind") == "roll")
    part = next(x for x in lines if x.get("kind") == "roll-part")
    return roll["body"], part["body"]


def _resign(lines: list[dict[str, Any]]) -> None:
    """The organiser's signature made again (a thief of the organiser's key)."""
    roll, part = _roll_and_part(lines)
    roll["encrypted"]["parts"] = [part_digest(part).hex()]
    del roll["signature"]
    base = hbcheck.setup_base_hash(lines[1]["body"])
    signature = sign_roll(base, roll_summary_bytes(roll), ORGANISER, SeededRandomness("again"))
    roll["signature"] = signature_to_json(signature)


def test_hbcheck_accepts_the_roll_and_catches_each_fault(record: list[dict[str, Any]]) -> None:
    assert _check(record) == f"{len(WEB_ROLL)} rows in 1 parts; 1 reporting units"

    moved = copy.deepcopy(record)
    roll, _ = _roll_and_part(moved)
    pool = roll["encrypted"]["reporting_units"][0]
    roll["encrypted"]["reporting_units"] = [
        {"id": pool["units"][0], "units": [pool["units"][0]]},
        {"id": "pool", "units": pool["units"][1:]},
    ]
    _resign(moved)
    with pytest.raises(ValueError, match=r"^roll\.units"):
        _check(moved)

    altered = copy.deepcopy(record)
    _, part = _roll_and_part(altered)
    part["rows"][3]["handle_proof"]["s"] = part["rows"][3]["unit_proof"]["s"]
    _resign(altered)
    with pytest.raises(ValueError, match=r"roll\.encrypted: roll row 3, handle"):
        _check(altered)

    swapped = copy.deepcopy(record)
    _, part = _roll_and_part(swapped)
    part["rows"][0], part["rows"][1] = part["rows"][1], part["rows"][0]
    _resign(swapped)
    with pytest.raises(ValueError, match=r"roll\.encrypted: roll row 0"):
        _check(swapped)

    unsigned = copy.deepcopy(record)
    _, part = _roll_and_part(unsigned)
    part["rows"][0], part["rows"][1] = part["rows"][1], part["rows"][0]
    with pytest.raises(ValueError, match="is not the part named"):
        _check(unsigned)


def test_the_same_lines_pass_honestballots_verify(record: list[dict[str, Any]]) -> None:
    lines = [canonical_bytes(line) + b"\n" for line in record]
    report = verify_record(lines, workers=1)
    detail = {c.name: c.detail for c in report.checks}
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    assert detail["roll.encrypted"].startswith(f"{len(WEB_ROLL)} roll rows in 1 parts")


def test_hbcheck_checks_the_roll_vectors() -> None:
    """tests/vectors/coercion-v3.json's roll part: its digest and every row's proofs."""
    path = Path(__file__).resolve().parents[1] / "vectors" / "coercion-v3.json"
    vectors = json.loads(path.read_text("utf-8"))
    base = bytes.fromhex(vectors["base_hash"])
    h = hbcheck.decode_point(vectors["public_key"], False)
    roll = vectors["roll"]
    digest = hbcheck.hash_bytes("roll/part", hbcheck.By(hbcheck.canonical(roll["part"])))
    assert digest.hex() == roll["part_digest"]["value"]
    for i, row in enumerate(roll["part"]["rows"]):
        hbcheck.check_roll_row(base, h, i, row)
    with pytest.raises(ValueError, match="roll row 1, handle"):
        hbcheck.check_roll_row(base, h, 1, roll["part"]["rows"][0])


def test_hbcheck_checks_the_registration_ballot_and_cast_row_vectors() -> None:
    """coercion-v3.json's registration, ballot version 2 and cast row, checked from
    record-format §6 and §2.1 alone: every proof and both tracking hashes; a swapped
    ciphertext, a lifted proof and a flag that is not E0 are each caught."""
    path = Path(__file__).resolve().parents[1] / "vectors"
    vectors = json.loads((path / "coercion-v3.json").read_text("utf-8"))
    record = json.loads((path / "record-v3.json").read_text("utf-8"))
    setup = next(json.loads(line) for line in record["record"] if '"kind":"setup"' in line)
    manifest = setup["body"]["manifest"]
    base = bytes.fromhex(vectors["base_hash"])
    h = hbcheck.decode_point(vectors["public_key"], False)
    reg = vectors["registration"]["object"]
    tracking = hbcheck.check_registration(base, h, reg)
    assert tracking.hex() == vectors["registration"]["tracking_hash"]["value"]
    assert hbcheck.tracking_code(tracking) == vectors["registration"]["tracking_code"]
    ballot = vectors["ballot_v2"]["object"]
    tracking = hbcheck.check_ballot_v2(base, h, manifest, ballot)
    assert tracking.hex() == vectors["ballot_v2"]["tracking_hash"]["value"]
    row = vectors["cast_row"]["object"]
    assert hbcheck.check_cast_row(base, h, manifest, row) == tracking
    bad: list[tuple[Any, str]] = [
        (lambda: hbcheck.check_registration(base, h, {**reg, "revokes": reg["tag"]}), "revokes"),
        (
            lambda: hbcheck.check_registration(base, h, {**reg, "tag": reg["handle"]}),
            "credential proof",
        ),
        (
            lambda: hbcheck.check_registration(base, h, {**reg, "handle_proof": reg["tag_proof"]}),
            "handle: proof of randomness",
        ),
        (
            lambda: hbcheck.check_ballot_v2(
                base, h, manifest, {**ballot, "tag_proof": reg["tag_proof"]}
            ),
            "tag: proof of randomness",
        ),
        (
            lambda: hbcheck.check_cast_row(
                base, h, manifest, {**row, "flag": {**row["flag"], "beta": reg["tag"]["beta"]}}
            ),
            "flag",
        ),
    ]
    for call, named in bad:
        with pytest.raises(ValueError, match=named):
            call()
    # the ballot's first option proof moved to the second option
    contests = copy.deepcopy(ballot["contests"])
    contests[0]["option_proofs"] = contests[0]["option_proofs"][::-1]
    with pytest.raises(ValueError, match="option proof mayor"):
        hbcheck.check_ballot_v2(base, h, manifest, {**ballot, "contests": contests})


def test_hbcheck_checks_the_cover_and_padding_vectors() -> None:
    """coercion-v3.json's cover tag points and padding, from docs/coercion.md §4 and
    record-format §6 alone; a moved row, a flag that is not E1 and a proof lifted to
    another field are each caught."""
    path = Path(__file__).resolve().parents[1] / "vectors" / "coercion-v3.json"
    vectors = json.loads(path.read_text("utf-8"))
    base = bytes.fromhex(vectors["base_hash"])
    h = hbcheck.decode_point(vectors["public_key"], False)
    for i, found in enumerate(vectors["cover"]["tag_points"]):
        assert hbcheck.cover_tag_point(base, i).hex() == found["value"]
    padding = vectors["padding"]["object"]
    assert hbcheck.check_padding(base, h, padding) == 4
    rows = padding["rows"]
    e0 = {"alpha": "00" * 32, "beta": "00" * 32}
    bad: list[tuple[dict[str, Any], str]] = [
        ({**padding, "rows": rows[::-1]}, "padding row 0, tag"),
        ({**padding, "rows": [{**rows[0], "flag": e0}, *rows[1:]]}, "padding row 0, flag"),
        (
            {**padding, "rows": [{**rows[0], "counter_proof": rows[0]["tag_proof"]}, *rows[1:]]},
            "padding row 0, counter",
        ),
        ({**padding, "salt": "00" * 32}, "padding row 0, tag"),
        ({**padding, "election": "11" * 32}, "another election"),
        ({**padding, "cover_rows": True}, "cover_rows"),  # a boolean is no count
    ]
    for doc, named in bad:
        with pytest.raises(ValueError, match=named):
            hbcheck.check_padding(base, h, doc)


def test_hbcheck_ties_the_encrypted_roll_to_the_schedule(record: list[dict[str, Any]]) -> None:
    """The schedule marks re-voting protection: an encrypted roll without one, or a
    schedule of null, is refused as `verify` refuses it."""
    setup = record[1]["body"]
    events = [line for line in record if line.get("type") == "event"]
    base = hbcheck.setup_base_hash(setup)
    bare = {k: v for k, v in setup.items() if k != "schedule"}
    with pytest.raises(ValueError, match="an encrypted roll in an election without a schedule"):
        hbcheck.check_encrypted_roll(setup["manifest"], bare, base, events)
    with pytest.raises(ValueError, match="the schedule is"):
        hbcheck.board_keys_parts({**setup, "schedule": None})
