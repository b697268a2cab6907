"""Audits name no voter: the board shows an audited ballot without its credential, proofs
and signature, and only at the close, all audits together in tracking-hash order.

Before, an audit event carried the whole ballot: whoever could tie a credential to a voter
(the operator, an organiser with the activity log, a coercer holding the voter's old
credential and following its replacement) read the voter's audited choices, and even
without the credential the audit sat on the board next to the ballot cast a moment later.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from honestballot.crypto.elgamal import Ciphertext
from honestballot.crypto.group import Scalar
from honestballot.crypto.randomness import SeededRandomness
from honestballot.crypto.schnorr import sign
from honestballot.errors import BallotRejected, InvalidBallot
from honestballot.protocol.ballot import (
    SIGNATURE_TAG,
    EncryptedBallot,
    SpoiledBallot,
    check_opening,
    encrypt_ballot,
)
from honestballot.record.ballot import spoiled_from_json, spoiled_to_json
from honestballot.verify.verifier import verify_record
from tests.factories import CHOICE, OTHER_CHOICE, Election, ballot_json


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
        service.cast(eid, ballot_json(audited[0]))
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


class _ReplayFirst:
    """Randomness whose first scalar is a given one (the audited ballot's first option's),
    then a seeded stream: a ballot that reuses one audited ciphertext among fresh ones."""

    def __init__(self, first: Scalar, seed: str) -> None:
        self._first: Scalar | None = first
        self._rest = SeededRandomness(seed)

    def random_bytes(self, n: int) -> bytes:
        if self._first is not None and n == 64:
            block, self._first = self._first.encode() + bytes(32), None
            return block
        return self._rest.random_bytes(n)


def _resigned(election: Election, ballot: EncryptedBallot, voter: int) -> EncryptedBallot:
    """The same ciphertexts and proofs under a fresh signature: another tracking hash."""
    cred = election.voters[voter]
    signature = sign(
        SIGNATURE_TAG,
        (ballot.election_hash, cred.public),
        ballot.content_hash(),
        cred.secret,
        election.rng,
    )
    copy = EncryptedBallot(ballot.election_hash, ballot.credential, ballot.contests, signature)
    assert copy.tracking_hash() != ballot.tracking_hash()
    return copy


def test_an_audited_ballots_ciphertexts_can_never_be_cast(election: Election) -> None:
    """Its randomness is public: a re-signed copy, or a ballot reusing one of its
    ciphertexts among fresh ones, would be a counted ballot anyone can read."""
    ballot, opening = encrypt_ballot(election.ctx, election.voters[0], CHOICE, election.rng)
    election.service.audit(election.id, ballot, opening)
    before = election.events()
    with pytest.raises(BallotRejected, match="audited"):
        election.cast(_resigned(election, ballot, 0))
    first_r = opening.contests[0].randomness[0]
    mixed, _ = encrypt_ballot(election.ctx, election.voters[0], CHOICE, _ReplayFirst(first_r, "m"))
    assert mixed.contests[0].ciphertexts[0] == ballot.contests[0].ciphertexts[0]
    assert mixed.contests[0].ciphertexts[1:] != ballot.contests[0].ciphertexts[1:]
    with pytest.raises(BallotRejected, match="audited"):
        election.cast(mixed)
    # nor audited again under another tracking hash
    with pytest.raises(BallotRejected, match="audited"):
        election.service.audit(election.id, _resigned(election, ballot, 0), opening)
    assert election.events() == before
    # a fresh ballot of the same voter is cast as usual
    election.cast(encrypt_ballot(election.ctx, election.voters[0], CHOICE, election.rng)[0])


def test_a_cast_ballots_ciphertexts_can_never_be_audited(
    election: Election, tmp_path: Path
) -> None:
    """Opening a re-signed copy of a cast ballot would publish that ballot's choices and,
    through its ciphertexts on the board, whose ballot it is."""
    first, first_opening = encrypt_ballot(election.ctx, election.voters[1], CHOICE, election.rng)
    election.cast(first)
    second, second_opening = encrypt_ballot(
        election.ctx, election.voters[1], OTHER_CHOICE, election.rng
    )
    election.cast(second)  # the counted one; the first is superseded
    for ballot, opening in ((second, second_opening), (first, first_opening)):
        with pytest.raises(BallotRejected, match="a ballot cast on the board"):
            election.service.audit(election.id, _resigned(election, ballot, 1), opening)
    election.service.close(election.id)
    assert "audit" not in election.kinds()
    assert verify_record(_record(election, tmp_path), workers=1).passed
