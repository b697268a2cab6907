"""End to end: an election with re-voting protection through the service (SQLite) — a
few registrations, casts, a re-vote and one audit made by voters' devices over the API,
batches with cover posted on the schedule (service/board/batches.py), the close's block
and the close — exports a record that ``verify`` passes with every check of
docs/coercion.md §6 built so far, and that hbcheck (which does not import honestballot)
passes too.  The same record with a cast row dropped and the heads signed again fails
``board.rules`` in both."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from honestballot.crypto.group import Scalar
from honestballot.crypto.randomness import SeededRandomness
from tests.databases import fresh_database
from tests.factories import (
    REVOTING_ELECTION,
    REVOTING_SCHEDULE,
    WEB_ELECTION,
    DemoCeremonies,
    board_secret_of,
    open_revoting_election,
    open_web_app,
    renumber,
    resign,
)
from tests.helpers import describe, failed, verify
from tests.independent import hbcheck

ROLL = ["900101300001", "900101300002", "900101300003"]
INTERVAL_MS = REVOTING_SCHEDULE.interval * 1000


@dataclass
class Closed:
    election_id: str
    lines: list[bytes]
    board_secret: Scalar


class Clock:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


@pytest.fixture(scope="module")
def closed(
    demo_ceremony: DemoCeremonies, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Closed]:
    """The election closed through the service: its exported record."""
    tmp_path: Path = tmp_path_factory.mktemp("verify-batches-service")
    with (
        fresh_database("sqlite", tmp_path / "db") as url,
        open_web_app(demo_ceremony(WEB_ELECTION), tmp_path, url) as web,
    ):
        election = open_revoting_election(
            web, demo_ceremony(REVOTING_ELECTION), SeededRandomness("verify batches service")
        )
        services = web.services
        open_ms = services.batches.open_ms(election.id)
        assert open_ms is not None
        clock = Clock(open_ms)
        services.elections.clock = clock
        voters = [election.device(nid, f"device {nid}") for nid in ROLL]
        seeds = []
        for voter in voters:
            seed, answer = voter.register()
            assert answer.status_code == 201, answer.text
            seeds.append(seed)
        # batch 0: the three registrations among the cover
        clock.now = open_ms + INTERVAL_MS
        assert services.batches.post_due(election.id) == 1
        for voter, seed in zip(voters, seeds, strict=True):
            ballot, _, private = voter.ballot(seed)
            answer = voter.cast(ballot, private)
            assert answer.status_code == 201, answer.text
        # batch 1 on time, holding the three rows; then a re-vote and an audit, which the
        # close's block posts
        clock.now = open_ms + 2 * INTERVAL_MS
        assert services.batches.post_due(election.id) == 1
        again, _, private = voters[1].ballot(
            seeds[1], {"chair": {"cand-3"}, "council": {"member-1"}}
        )
        answer = voters[1].cast(again, private)
        assert answer.status_code == 201, answer.text
        b2, o2, p2 = voters[0].ballot(seeds[0], {"chair": {"cand-2"}, "council": {"blank"}})
        audited = voters[0].audit(b2, o2, p2)
        assert audited.status_code == 200, audited.text
        clock.now += 10
        services.elections.close(election.id)
        lines = [x.rstrip(b"\n") for x in services.elections.record_lines(election.id)]
        yield Closed(election.id, lines, board_secret_of(url, election.id))


def _events(lines: list[bytes]) -> list[dict]:
    return [e for e in map(json.loads, lines) if e.get("type") == "event"]


def test_a_revoting_election_through_the_service_verifies(
    closed: Closed,
) -> None:
    lines = closed.lines
    events = _events(lines)
    kinds = [e["kind"] for e in events]
    assert kinds.count("batch") == 3 and kinds[-4:] == ["audit", "close", "padding", "close-round"]
    rows, regs = REVOTING_SCHEDULE.hours[0]
    report = verify(lines)
    assert report.passed, describe(report)
    names = {c.name for c in report.checks}
    assert {"board.rules", "board.schedule", "registrations.proofs", "rows.proofs",
            "ballots.proofs", "audits.openings", "roll.encrypted"} <= names  # fmt: skip
    assert report.stats["batches"] == 3
    assert report.stats["cast_rows"] == 3 * rows
    assert report.stats["registrations"] == 3 * regs
    assert report.stats["ballots_audited"] == 1
    # hbcheck, on the same record
    assert hbcheck.check_revoting(events) == {
        "batches": 3,
        "registrations": 3 * regs,
        "cast_rows": 3 * rows,
        "audits": 1,
        "close": {
            "round": "A-mix",
            "done": False,
            "rounds": ["A-mix"],
            "result": None,
            "failures": [],
        },
    }
    setup = events[0]["body"]
    base = hbcheck.setup_base_hash(setup)
    assert hbcheck.check_encrypted_roll(setup["manifest"], setup, base, events) is not None


def test_a_cast_row_dropped_from_the_service_s_record_fails_board_rules(
    closed: Closed,
) -> None:
    lines = closed.lines
    last_row = max(i for i, x in enumerate(lines) if json.loads(x).get("kind") == "cast-row")
    dropped = renumber(lines[:last_row] + lines[last_row + 1 :])
    tampered = resign(dropped, closed.election_id, closed.board_secret)
    report = verify(tampered)
    assert failed(report) == {"board.rules"}, describe(report)
    with pytest.raises(ValueError, match=r"^board\.rules: "):
        hbcheck.check_revoting(_events(tampered))
