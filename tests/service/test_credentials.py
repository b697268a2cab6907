"""The roll summary posted before the opening of an election with re-voting protection:
its encrypted roll, made after the shared-contact exceptions, verified with them counted
(the roll's rows and units at the close: tests/protocol/test_close_b.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from honestballot.cli.organiser_roll import Voter as RollVoter
from honestballot.crypto.randomness import SeededRandomness
from honestballot.verify.verifier import verify_record
from tests.factories import (
    SMALL_SCHEDULE,
    WEB_ROLL,
    DemoCeremony,
    make_encrypted_roll,
    protected_election,
)


def test_the_roll_summary_is_posted_before_opening_and_verified(
    ceremony: DemoCeremony, tmp_path: Path, database_url: str
) -> None:
    """In an election with re-voting protection: the organiser's encrypted roll, made
    after the shared-contact exceptions, goes on the board before the open, and the
    record verifies with the exceptions counted."""
    with protected_election(
        ceremony, tmp_path, "roll", url=database_url, open_=False, keep_roll=False,
        schedule=SMALL_SCHEDULE,
    ) as e:  # fmt: skip
        services = e.web.services
        for contact in ("+7 701 000 0001", "a1@example.org", "c3@example.org"):
            services.roll.add_exception(e.id, contact, "a family's shared contact")
        voters = [RollVoter(nid, name, unit) for nid, name, _, _, unit in WEB_ROLL]
        letters = make_encrypted_roll(
            services.elections, services.roll, e.id, e.organiser, voters,
            SeededRandomness("make-roll"), open_=True,
        )  # fmt: skip
        kinds = [ev.kind for ev in services.elections.store.iter_events(e.id)]
        assert kinds[-2:] == ["roll", "open"]
        e = replace(e, letters=letters)
        device = e.device("900101300002", "a device")
        seed, answer = device.register()
        assert answer.status_code == 201, answer.text
        ballot, _, private = device.ballot(seed)
        assert device.cast(ballot, private).status_code == 201
        e.post_batch()
        path = tmp_path / "record.jsonl"
        services.elections.export_record(e.id, str(path))
        report = verify_record(path.read_bytes().splitlines(keepends=True), workers=1)
        assert report.passed, [(c.name, c.detail) for c in report.failures]
        # the signed summary on the board counts the exceptions, and the verifier names
        # the roll and them
        roll = next(ev for ev in services.elections.store.iter_events(e.id) if ev.kind == "roll")
        body = json.loads(roll.line)["body"]
        assert body["contact_exceptions"] == 3
        voters = sum(u["voters"] for u in body["voters_per_unit"])
        assert voters == len(WEB_ROLL)
        parts = kinds.count("roll-part")
        assert parts >= 1
        rules = next(c for c in report.checks if c.name == "board.rules")
        assert rules.detail.endswith(
            f"; roll of {voters} voters (3 shared-contact exceptions), its {voters} encrypted "
            f"rows exactly the {parts} roll parts before it"
        ), rules.detail
        assert {"roll.signature", "roll.encrypted"} <= {c.name for c in report.checks}



