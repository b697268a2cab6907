"""Event times never go backwards, even when the processes appending to one board have
clocks a little apart (several servers on one PostgreSQL): each appends at the later of
its own clock and the board's last event."""

from __future__ import annotations

import itertools
import json

from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.ballot import encrypt_ballot
from honestballot.protocol.credential import generate_credential
from honestballot.record.ballot import ballot_to_json
from honestballot.service.board.election import ElectionService
from honestballot.store.sql import SqlStore
from honestballot.verify.verifier import verify_record
from tests.factories import DemoCeremonies

CHOICE = {"chair": {"cand-1"}, "council": {"member-2"}}


def test_a_process_whose_clock_is_behind_appends_no_earlier_than_the_board(
    demo_ceremony: DemoCeremonies, database_url: str
) -> None:
    ceremony = demo_ceremony("clocks")
    rng = SeededRandomness("clocks")
    ahead = itertools.count(1_760_000_000_000, 1000).__next__
    behind = itertools.count(1_759_999_000_000, 1000).__next__  # 1,000 s slow
    first = ElectionService(SqlStore(database_url), rng, clock=ahead)
    second = ElectionService(SqlStore(database_url), rng, clock=behind)
    try:
        ctx = first.create(ceremony.manifest, ceremony.key, unprotected=True)
        voters = [generate_credential(rng) for _ in range(3)]
        for i, voter in enumerate(voters):  # registrations and casts through both
            (first, second)[i % 2].register_credential("clocks", voter.public, "station-1")
        second.open("clocks")
        for i, voter in enumerate(voters):
            ballot, _ = encrypt_ballot(ctx, voter, CHOICE, rng)
            (second, first)[i % 2].cast("clocks", json.dumps(ballot_to_json(ballot)))
        second.close("clocks")
        lines = list(second.record_lines("clocks"))
    finally:
        first.store.close()
        second.store.close()
    times = [json.loads(raw)["time_ms"] for raw in lines if b'"type":"event"' in raw]
    assert times == sorted(times) and times[0] == 1_760_000_000_000
    report = verify_record(lines, workers=1)
    assert report.passed, [(c.name, c.detail) for c in report.failures]
