"""Audits on the election service: an audited ballot cannot be cast, a cast or
replaced credential's ballot cannot be audited, and the same audit sent again gets the
same answer.  (What the board shows of audits: test_held_audits.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from honestballot.errors import (
    BallotRejected,
    InvalidBallot,
)
from honestballot.protocol.ballot import encrypt_ballot
from honestballot.protocol.credential import generate_credential
from tests.factories import (
    CHOICE,
    Election,
    assert_refused,
    ballot_json,
)


def test_casting_an_audited_ballot_is_refused(election: Election) -> None:
    ballot, opening = encrypt_ballot(election.ctx, election.voters[1], CHOICE, election.rng)
    choices = election.service.audit(election.id, ballot, opening)
    assert choices == {k: frozenset(v) for k, v in CHOICE.items()}
    error = assert_refused(election, ballot_json(ballot), BallotRejected)
    assert "audited" in str(error)


def test_auditing_a_cast_ballot_is_refused(election: Election) -> None:
    ballot, opening = encrypt_ballot(election.ctx, election.voters[1], CHOICE, election.rng)
    election.cast(ballot)
    before = election.events()
    with pytest.raises(BallotRejected):
        election.service.audit(election.id, ballot, opening)
    assert election.events() == before


def test_an_audit_from_a_replaced_credential_is_refused(election: Election, tmp_path: Path) -> None:
    """The board refuses every ballot of a replaced credential, audits included; so must
    the service, or the record it publishes fails verification."""
    old = election.voters[0]
    new = generate_credential(election.rng)
    election.service.register_credential(election.id, new.public, "station-1", replaces=old.public)
    ballot, opening = encrypt_ballot(election.ctx, old, CHOICE, election.rng)
    before = election.events()
    with pytest.raises(BallotRejected, match="replaced"):
        election.service.audit(election.id, ballot, opening)
    assert election.events() == before
    report = election.record_report(tmp_path)
    assert report.passed, [(c.name, c.detail) for c in report.failures]


def test_the_same_audit_sent_again_gets_the_same_answer(election: Election) -> None:
    """A retry whose first answer was lost (the server died after its commit) is answered
    again, not refused; a different opening of the same ballot is still refused."""
    ballot, opening = encrypt_ballot(election.ctx, election.voters[1], CHOICE, election.rng)
    first = election.service.audit(election.id, ballot, opening)
    before = election.events()
    assert election.service.audit(election.id, ballot, opening) == first
    assert election.events() == before
    _, other_opening = encrypt_ballot(election.ctx, election.voters[1], CHOICE, election.rng)
    with pytest.raises(InvalidBallot, match="opening does not match"):
        election.service.audit(election.id, ballot, other_opening)
    # and a cast ballot still cannot be audited
    cast_ballot, cast_opening = encrypt_ballot(
        election.ctx, election.voters[3], CHOICE, election.rng
    )
    election.cast(cast_ballot)
    with pytest.raises(BallotRejected, match="already on the board"):
        election.service.audit(election.id, cast_ballot, cast_opening)
