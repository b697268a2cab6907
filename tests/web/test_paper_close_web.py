"""Paper lists at the close through the service (docs/coercion.md §5.4, "Paper lists"):
the service and ``verify`` read the board's own ``paper`` events (each paper station's
last before the first close object), the close runs the paper rounds on them, and the
result's ``paper`` member, which ``verify`` recomputes, gives per station its uploads and
the roll rows it cancelled, and the cancelled e-votes as one number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.board import PAPER_DEADLINE_MS
from honestballot.verify.verifier import verify_record
from tests.factories import REVOTING_ELECTION, DemoCeremonies, DemoCeremony, WebElection
from tests.helpers import describe
from tests.paper_helpers import SCHEDULE, make_upload, paper_election, post_paper
from tests.web.close_helpers import run_close


@pytest.fixture
def ceremony(demo_ceremony: DemoCeremonies) -> DemoCeremony:
    return demo_ceremony(REVOTING_ELECTION)


@pytest.mark.slow
def test_the_close_counts_each_stations_last_paper_event_and_verify_agrees(
    web: WebElection, ceremony: DemoCeremony, tmp_path: Path
) -> None:
    """station-1's commission uploads a list of one voter, then a corrected one of both of
    its voters (the last counts); nobody votes online.  The close runs the paper rounds
    on the board's paper event, cancels both roll rows, and the result says so; verify,
    reading the same events, recomputes the same result."""
    election = paper_election(web, ceremony, tmp_path)
    first = make_upload(election, tmp_path, "1\n")
    assert post_paper(election, "station-1", first).status_code == 201
    corrected = make_upload(election, tmp_path, "1\n2\n")
    assert post_paper(election, "station-1", corrected).status_code == 201
    services = web.services
    open_ms = services.batches.open_ms(election.id)
    assert open_ms is not None
    services.elections.clock = lambda: open_ms + SCHEDULE.interval * 1000 + 10
    services.elections.close(election.id)
    # station-4 sends no results and station-1's are not final: the trustees begin 24
    # hours after the close
    services.elections.clock = lambda: open_ms + SCHEDULE.interval * 1000 + 10 + PAPER_DEADLINE_MS
    rounds = run_close(election, ceremony, SeededRandomness("paper close trustees"))
    assert rounds[rounds.index("B-mix") + 1 : rounds.index("B-mix") + 5] == [
        "P-tag", "P-tag-dec", "P-units", "P-mix",
    ]  # fmt: skip
    state = services.close.stage(election.id)
    assert state.done and state.failures == ()
    assert state.paper_rows and sum(n for _, n in state.paper_rows) == 2
    assert state.paper_cancelled == 0  # nobody voted online
    (event,) = services.store.iter_events(election.id, kinds=("result",))
    result = json.loads(event.line)["body"]
    shown = {s["unit"]: s for s in result["paper"]["stations"]}
    assert shown["station-1"] == {
        **shown["station-1"], "protocol": True, "uploads": 2, "voters": 2, "cancelled": 2,
        "failures": 0,
    }  # fmt: skip
    assert shown["station-4"]["protocol"] is False and shown["station-4"]["uploads"] == 0
    assert result["paper"]["cancelled_e_votes"] == 0
    assert sum(u["cancelled_rows"] for u in result["paper"]["units"]) == 2
    lines = list(services.elections.record_lines(election.id))
    report = verify_record(lines, workers=1, now_ms=services.elections.clock())
    assert report.passed, describe(report)
    # station-1's results were not declared final: the close waited for the deadline, and
    # station-1 counts with its last upload
    missing = next(c.detail for c in report.checks if c.name == "paper.missing")
    assert "station-4 sent no results" in missing, missing
    assert "station-1 count with their last results, not declared final" in missing, missing
