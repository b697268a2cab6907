"""Casting on the election service: receipts, identical retries, re-votes, and the
ballots it refuses (unregistered, overvoted, copied, foreign, out of phase).

Every refused input must leave the board exactly as it was: :func:`assert_refused`
counts the events before and after.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from honestballot.errors import (
    BallotRejected,
    HonestBallotError,
    InvalidBallot,
    InvalidShare,
    ProtocolError,
    RecordFormatError,
)
from honestballot.protocol.ballot import encrypt_ballot
from honestballot.protocol.credential import generate_credential
from honestballot.service.demo import copy_ballot, forge_overvote
from honestballot.store.sql import SqlStore
from tests.factories import (
    CHOICE,
    OTHER_CHOICE,
    DemoCeremony,
    Election,
    assert_refused,
    ballot_json,
    make_election,
)


def test_cast_returns_a_receipt_for_the_committed_ballot(election: Election) -> None:
    ballot = election.ballot(0)
    before = election.events()
    receipt = election.cast(ballot)
    assert receipt.election_id == election.id
    assert receipt.tracking_hash == ballot.tracking_hash().hex()
    assert receipt.tracking_code == ballot.tracking_code()
    assert receipt.superseded is None
    assert receipt.seq == before
    # another connection (another process, a restarted server) sees the ballot
    other = SqlStore(election.url)
    try:
        stored = list(other.iter_events(election.id))
        assert len(stored) == before + 1
        assert stored[-1].seq == receipt.seq
        assert stored[-1].kind == "ballot"
        assert stored[-1].tracking_hash == ballot.tracking_hash()
        assert other.is_latest(election.id, ballot.tracking_hash())
    finally:
        other.close()


def test_an_identical_retry_returns_the_same_receipt_and_appends_nothing(
    election: Election,
) -> None:
    payload = ballot_json(election.ballot(0))
    first = election.service.cast(election.id, payload)
    events = election.events()
    again = election.service.cast(election.id, payload)
    assert again == first
    assert election.events() == events


def test_a_retry_of_a_revote_returns_the_same_receipt(election: Election) -> None:
    """The voter whose connection dropped after a re-vote retries: the receipt must be the
    one the first attempt produced, including what it superseded."""
    election.cast(election.ballot(0, CHOICE))
    latest = election.ballot(0, OTHER_CHOICE)
    receipt = election.cast(latest)
    events = election.events()
    again = election.cast(latest)
    assert election.events() == events
    assert (again.seq, again.tracking_hash) == (receipt.seq, receipt.tracking_hash)
    assert again == receipt


def test_a_retry_of_an_older_ballot_returns_its_original_receipt(election: Election) -> None:
    """The voter's first answer was lost and the voter voted again meanwhile (on another
    device); then the first device sends its ballot again.  It gets the receipt its cast
    was given (with what that cast superseded), the board does not change, and the
    latest ballot still counts: an older ballot is never appended again."""
    first, second, third = (election.ballot(0, c) for c in (CHOICE, OTHER_CHOICE, CHOICE))
    receipts = [election.cast(b) for b in (first, second, third)]
    assert receipts[1].superseded == receipts[0].tracking_hash
    events = election.events()
    heads = election.service.store.tree_head_lines(election.id)
    for ballot, receipt in zip((first, second), receipts, strict=False):
        again = election.service.cast(election.id, ballot_json(ballot))
        assert again == receipt and not again.new
        assert (again.seq, again.superseded) == (receipt.seq, receipt.superseded)
    assert election.events() == events
    assert election.service.store.tree_head_lines(election.id) == heads
    assert election.service.store.is_latest(election.id, third.tracking_hash())
    assert not election.service.store.is_latest(election.id, first.tracking_hash())


def test_a_ballot_of_a_replaced_credential_sent_again_is_refused(election: Election) -> None:
    """Sent again after its credential was replaced, a ballot is refused as before: the
    credential can no longer vote (the voting desk refuses it earlier, as not the
    voter's current credential)."""
    old = election.ballot(0, CHOICE)
    election.cast(old)
    replacement = generate_credential(election.rng)
    election.service.register_credential(
        election.id, replacement.public, "station-1", replaces=election.voters[0].public
    )
    error = assert_refused(election, ballot_json(old), BallotRejected)
    assert "replaced" in str(error)


def test_an_unregistered_credential_is_refused(election: Election) -> None:
    stranger = generate_credential(election.rng)
    ballot = encrypt_ballot(election.ctx, stranger, CHOICE, election.rng)[0]
    error = assert_refused(election, ballot_json(ballot), BallotRejected)
    assert "not registered" in str(error)


def test_an_overvote_is_refused(election: Election) -> None:
    bad = forge_overvote(election.ctx, election.voters[1], election.rng)
    assert_refused(election, ballot_json(bad), InvalidBallot)


def test_a_ballot_copied_under_another_credential_is_refused(election: Election) -> None:
    original = election.ballot(0)
    election.cast(original)
    stolen = copy_ballot(original, election.voters[2], election.rng)
    assert_refused(election, ballot_json(stolen), InvalidBallot)


def test_a_ballot_for_another_election_is_refused(
    election: Election, other_ceremony: DemoCeremony, tmp_path: Path
) -> None:
    other = make_election(other_ceremony, tmp_path / "other", "other")
    try:
        # the same voter key registered in both elections
        election.service.register_credential(election.id, other.voters[0].public, "station-1")
        foreign = other.ballot(0)
        error = assert_refused(election, ballot_json(foreign), InvalidBallot)
        assert "another election" in str(error)
    finally:
        other.service.store.close()


def test_casting_before_the_election_opens_is_refused(
    ceremony: DemoCeremony, tmp_path: Path
) -> None:
    e = make_election(ceremony, tmp_path, "setup-phase", open_=False)
    try:
        error = assert_refused(e, ballot_json(e.ballot(0)), ProtocolError)
        assert "phase setup" in str(error)
    finally:
        e.service.store.close()


def test_casting_after_the_election_closes_is_refused(election: Election) -> None:
    ballot = election.ballot(0)
    election.service.close(election.id)
    error = assert_refused(election, ballot_json(ballot), ProtocolError)
    assert "phase closed" in str(error)


def test_an_unknown_election_is_refused(election: Election) -> None:
    with pytest.raises(ProtocolError):
        election.service.cast("no-such-election", ballot_json(election.ballot(0)))


def test_every_service_error_is_an_honestballot_error() -> None:
    for error in (BallotRejected, InvalidBallot, InvalidShare, ProtocolError, RecordFormatError):
        assert issubclass(error, HonestBallotError)
