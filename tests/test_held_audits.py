"""Audits name no voter: the board shows an audited ballot without its credential, proofs
and signature, and only at the close, all audits together in tracking-hash order.

Before, an audit event carried the whole ballot: whoever could tie a credential to a voter
(the operator, an organiser with the activity log, a coercer holding the voter's old
credential and following its replacement) read the voter's audited choices, and even
without the credential the audit sat on the board next to the ballot cast a moment later.
"""

# ruff: noqa: F811  (the tests take the imported ``election`` fixture as an argument)

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from honestballot.crypto.elgamal import Ciphertext
from honestballot.errors import BallotRejected, InvalidBallot
from honestballot.protocol.ballot import SpoiledBallot, check_opening, encrypt_ballot
from honestballot.record.ballot import spoiled_from_json, spoiled_to_json
from honestballot.verify.verifier import verify_record
from tests.test_service import (  # the fixtures too
    CHOICE,
    OTHER_CHOICE,
    Election,
    as_json,
    ceremonies,  # noqa: F401
    election,  # noqa: F401
)


def _record(election: Election, tmp_path: Path) -> list[bytes]:
    path = tmp_path / "record.jsonl"
    election.service.export_record(election.id, str(path))
    return path.read_bytes().splitlines(keepends=True)


def _events(lines: list[bytes]) -> list[dict[str, Any]]:
    return [e for e in map(json.loads, lines) if e.get("type") == "event"]


def test_a_spoiled_ballot_keeps_the_tracking_hash_and_drops_the_credential(
    election: Election,
) -> None:
    ballot, opening = encrypt_ballot(election.ctx, election.voters[0], CHOICE, election.rng)
    spoiled = ballot.spoiled()
    assert spoiled.tracking_hash() == ballot.tracking_hash()
    assert spoiled.tracking_code() == ballot.tracking_code()
    text = json.dumps(spoiled_to_json(spoiled))
    for secret_link in (ballot.credential.hex(), ballot.signature.challenge.hex()):
        assert secret_link not in text
    assert spoiled_from_json(json.loads(text)) == spoiled
    choices = check_opening(election.ctx, spoiled, opening)
    assert choices == {k: frozenset(v) for k, v in CHOICE.items()}


def test_another_seal_or_ciphertext_gives_another_tracking_hash(election: Election) -> None:
    ballot, opening = encrypt_ballot(election.ctx, election.voters[0], CHOICE, election.rng)
    spoiled = ballot.spoiled()
    other_seal = SpoiledBallot(spoiled.election_hash, spoiled.contests, bytes(32))
    assert other_seal.tracking_hash() != ballot.tracking_hash()
    first = spoiled.contests[0]
    cts = list(first.ciphertexts)
    cts[0], cts[1] = cts[1], cts[0]
    swapped = SpoiledBallot(
        spoiled.election_hash,
        (type(first)(first.contest_id, tuple(cts)), *spoiled.contests[1:]),
        spoiled.seal,
    )
    assert swapped.tracking_hash() != ballot.tracking_hash()
    # and an opening of other ciphertexts is refused
    with pytest.raises(InvalidBallot, match="does not match"):
        check_opening(election.ctx, swapped, opening)


def test_a_spoiled_ballot_of_the_wrong_shape_is_refused_not_crashed(election: Election) -> None:
    ballot, opening = encrypt_ballot(election.ctx, election.voters[0], CHOICE, election.rng)
    spoiled = ballot.spoiled()
    first = spoiled.contests[0]
    short = type(first)(first.contest_id, first.ciphertexts[:-1])
    cases = {
        "ciphertexts for": SpoiledBallot(
            spoiled.election_hash, (short, *spoiled.contests[1:]), spoiled.seal
        ),
        "do not match the manifest": SpoiledBallot(
            spoiled.election_hash, spoiled.contests[1:], spoiled.seal
        ),
        "another election": SpoiledBallot(bytes(32), spoiled.contests, spoiled.seal),
    }
    for message, bad in cases.items():
        with pytest.raises(InvalidBallot, match=message):
            check_opening(election.ctx, bad, opening)
    assert isinstance(first.ciphertexts[0], Ciphertext)


def test_audits_are_held_off_the_board_until_the_close(election: Election, tmp_path: Path) -> None:
    service, eid = election.service, election.id
    audited = []
    for voter, choice in ((election.voters[0], CHOICE), (election.voters[1], OTHER_CHOICE)):
        ballot, opening = encrypt_ballot(election.ctx, voter, choice, election.rng)
        before = election.events()
        service.audit(eid, ballot, opening)
        # nothing on the board while voting is open: not the audit, not its time
        assert election.events() == before
        assert service.held_audit(eid, ballot.tracking_hash()) is not None
        audited.append(ballot)
        election.cast(encrypt_ballot(election.ctx, voter, choice, election.rng)[0])
    # an audited ballot cannot be cast while its audit is held
    with pytest.raises(BallotRejected, match="audited"):
        service.cast(eid, as_json(audited[0]))
    service.close(eid)
    events = _events(_record(election, tmp_path))
    kinds = [e["kind"] for e in events]
    close_at = kinds.index("close")
    audits = [e for e in events if e["kind"] == "audit"]
    # both audits right before the close, in tracking-hash order, at the close's time
    assert kinds[close_at - 2 : close_at] == ["audit", "audit"]
    published = [spoiled_from_json(a["body"]["spoiled"]).tracking_hash() for a in audits]
    assert published == sorted(b.tracking_hash() for b in audited)
    assert {a["time_ms"] for a in audits} == {events[close_at]["time_ms"]}
    # no audit names its credential
    for audit, ballot in zip(audits, sorted(audited, key=lambda b: b.tracking_hash()), strict=True):
        line = json.dumps(audit)
        assert ballot.credential.hex() not in line
        assert set(audit["body"]) == {"spoiled", "opening"}
    assert service.held_audit(eid, audited[0].tracking_hash()) is None
    report = verify_record(_record(election, tmp_path), workers=1)
    assert report.passed, [c for c in report.checks if not c.passed]
    assert report.stats["ballots_audited"] == 2


def test_an_audit_sent_twice_is_published_once(election: Election) -> None:
    ballot, opening = encrypt_ballot(election.ctx, election.voters[0], CHOICE, election.rng)
    first = election.service.audit(election.id, ballot, opening)
    assert election.service.audit(election.id, ballot, opening) == first
    before = election.kinds()
    election.service.close(election.id)
    assert election.kinds() == [*before, "audit", "close"]


def test_closing_with_no_audit_appends_only_the_close(election: Election) -> None:
    election.cast(encrypt_ballot(election.ctx, election.voters[0], CHOICE, election.rng)[0])
    before = election.kinds()
    election.service.close(election.id)
    assert election.kinds() == [*before, "close"]
