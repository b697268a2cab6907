"""Re-voting protection's flow through the voter's API (docs/coercion.md §2.4–§2.6, §3;
docs/api.md, "Re-voting protection"), on SQLite and PostgreSQL: registration with the
service's commitment, ballots version 2, audits, retries, receipts; every refusal; and
the answer rule, by the SQL statements and the answers of each request under a current
and a revoked credential."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.credential_seed import generate_seed
from tests.factories import (
    REVOTING_ELECTION,
    DemoCeremonies,
    RevotingElection,
    WebElection,
    open_revoting_election,
)


@pytest.fixture
def election(web: WebElection, demo_ceremony: DemoCeremonies) -> Iterator[RevotingElection]:
    ceremony = demo_ceremony(REVOTING_ELECTION)
    yield open_revoting_election(web, ceremony, SeededRandomness("revoting election"))


def test_a_voter_registers_casts_audits_and_checks_a_receipt(election: RevotingElection) -> None:
    voter = election.device("900101300001", "device 1")
    seed, answer = voter.register()
    assert answer.status_code == 201, answer.text
    ballot, opening, private = voter.ballot(seed)
    cast = voter.cast(ballot, private)
    assert cast.status_code == 201, cast.text
    body = cast.json()
    assert body["status"] == "recorded"
    receipt = voter.receipt(body["tracking_hash"])
    assert receipt.status_code == 200, receipt.text
    b2, o2, p2 = voter.ballot(seed)
    audited = voter.audit(b2, o2, p2)
    assert audited.status_code == 200, audited.text
    print(json.dumps([answer.json(), body, receipt.json(), audited.json()], indent=1))
