"""The answer rule (docs/coercion.md §2.6): every request that takes a credential —
cast, audit, retry, receipt — and the registration start run the same SQL statements and
get the same answers whether the credential is the voter's current one or a revoked one
(and, for the start, whatever credentials the voter has), on SQLite and PostgreSQL.

The statements are recorded with SQLAlchemy's ``before_cursor_execute`` (their text: the
values differ, the queries may not).  The answers are compared after every tracking
code, tracking hash, nonce, ciphertext and proof in them is replaced by its shape (its
length): those are of the request's own ballot or of fresh randomness, and differ
between any two requests; everything else must be equal byte for byte."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.credential_seed import CredentialSeed
from tests.factories import (
    REVOTING_ELECTION,
    DemoCeremonies,
    RevotingDevice,
    RevotingElection,
    WebElection,
    open_revoting_election,
)
from tests.helpers import Answered, answered, shape, statements_on


@pytest.fixture
def election(web: WebElection, demo_ceremony: DemoCeremonies) -> Iterator[RevotingElection]:
    ceremony = demo_ceremony(REVOTING_ELECTION)
    made = open_revoting_election(web, ceremony, SeededRandomness("revoting election"))
    # a session's end is asked of the store once per window: keep it out of the requests
    web.services.signin.session_end_seen_within_ms = 10**9
    yield made


def test_current_and_revoked_credentials_run_the_same_queries_and_get_the_same_answers(
    election: RevotingElection,
) -> None:
    voter = election.device("900101300001", "the voter's device")
    revoked, _ = voter.register()
    assert voter.cast(*_parts(voter, revoked)).status_code == 201
    current, _ = voter.register()  # replaces the first: it is revoked now
    fresh = election.device("900101300002", "a voter with no credential")
    once = election.device("900101300003", "a voter with one credential")
    once.register()
    # warm what is read once per process (the election's flow, its context, the sessions)
    for device in (voter, fresh, once):
        device.receipt("ab" * 32)
        device.start()

    with statements_on(election.web.services.store.engine) as statements:
        seen = {
            "current": _requests(statements, voter, current),
            "revoked": _requests(statements, voter, revoked),
        }
        starts = {
            who: answered(statements, device.start)
            for who, device in (("replaced", voter), ("none", fresh), ("one", once))
        }

    for request, under_current in seen["current"].items():
        assert under_current[0], f"{request}: no statement recorded"
        assert under_current == seen["revoked"][request], request
    assert seen["current"]["cast"][1] == 201 and seen["current"]["retry"][1] == 200
    assert seen["current"]["cast after audit"][1] == 409
    assert starts["replaced"] == starts["none"] == starts["one"]
    assert starts["none"][1] == 201


def _requests(
    statements: list[str], voter: RevotingDevice, seed: CredentialSeed
) -> dict[str, Answered]:
    """Cast, retry, audit, audit again, receipt and cast after audit under ``seed``."""
    ballot, _, private = voter.ballot(seed)
    audited, opening, audited_private = voter.ballot(seed)
    tracking = ballot.tracking_hash(voter.election.ctx.public_key).hex()
    cast = answered(statements, lambda: voter.cast(ballot, private))
    assert cast[2]["tracking_hash"] == "<hex 64>"
    return {
        "cast": cast,
        "retry": answered(statements, lambda: voter.cast(ballot, private)),
        "audit": answered(statements, lambda: voter.audit(audited, opening, audited_private)),
        "audit again": answered(statements, lambda: voter.audit(audited, opening, audited_private)),
        "receipt": answered(statements, lambda: voter.receipt(tracking)),
        "cast after audit": answered(statements, lambda: voter.cast(audited, audited_private)),
    }


def _parts(voter: RevotingDevice, seed: CredentialSeed) -> tuple[Any, Any]:
    ballot, _, private = voter.ballot(seed)
    return ballot, private


def test_the_comparison_sees_a_difference() -> None:
    """What the comparison keeps: a status, a text, a field, a length."""
    assert shape({"tracking_hash": "ab" * 32}) == shape({"tracking_hash": "cd" * 32})
    assert shape({"tracking_hash": "ab" * 32}) != shape({"tracking_hash": "ab" * 31})
    assert shape({"status": "recorded"}) != shape({"status": "superseded"})
    assert shape({"a": "ABCD-EFGH-IJKL-MNOP"}) == shape({"a": "QRST-UVWX-YZ23-4567"})
