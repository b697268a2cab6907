"""``honestballot demo --coerced-voter`` (cli/demo_revoting.py), as a user runs it: the
boss's view is the same whether or not the watched voters got out (the one by voting
again, the other by voting on paper), the coerced voter's own later ballot is the one
counted, the paper voter's watched e-vote is cancelled by the paper ballot, which counts,
and both runs' records verify."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from honestballot.cli.demo_revoting import (
    COERCED,
    NEIGHBOUR_ONLINE,
    ON_PAPER,
    OWN,
    PAPER_UNIT,
    WATCHED_ONLINE,
)
from honestballot.verify.verifier import verify_record_file
from tests.cli.test_cli_e2e import honestballot


def _result(record: Path) -> dict[str, Any]:
    for raw in record.read_bytes().splitlines():
        line = json.loads(raw)
        if line.get("kind") == "result":
            body: dict[str, Any] = line["body"]
            return body
    raise AssertionError(f"{record} has no result")


def _election_wide(counts: list[dict[str, Any]]) -> dict[str, int]:
    return {c["id"]: c["count"] for c in counts if "@" not in c["id"]}


def _marks(*choices: dict[str, set[str]]) -> Counter[str]:
    return Counter(f"{c}/{o}" for x in choices for c, options in x.items() for o in options)


def _paper_events(record: Path) -> list[dict[str, Any]]:
    lines = [json.loads(raw) for raw in record.read_bytes().splitlines()]
    return [line["body"] for line in lines if line.get("kind") == "paper"]


@pytest.mark.slow
def test_the_boss_cannot_tell_and_the_voters_own_ballots_count(tmp_path: Path) -> None:
    run = honestballot(
        "demo", "--coerced-voter", "--voters", "10", "--dir", tmp_path / "demo", cwd=tmp_path
    )
    out = " ".join(run.stdout.split())
    assert (
        "the boss cannot tell whether the voter voted again, nor whether the paper voter "
        "voted on paper" in out
    )
    assert "differs between the runs" not in out
    assert "the paper voter's watched e-vote was cancelled by their paper vote" in out
    assert "VERIFIED: every check passed" in out
    again, nothing = tmp_path / "demo" / "voted-again", tmp_path / "demo" / "did-nothing"
    for record in (again / "record.jsonl", nothing / "record.jsonl"):
        assert verify_record_file(str(record), require_quorum=False).passed
    a, b = _result(again / "record.jsonl"), _result(nothing / "record.jsonl")
    # the same voters and e-votes but four: in run A the coerced voter's own ballot (OWN)
    # and the neighbour's e-vote count, in run B the watched ballot (COERCED) and the
    # paper voter's watched e-vote (WATCHED_ONLINE), cancelled in A by the paper ballot
    e_a, e_b = _election_wide(a["counts"]), _election_wide(b["counts"])
    moved = Counter({i: n - e_b[i] for i, n in e_a.items()})
    moved.subtract(_marks(OWN, NEIGHBOUR_ONLINE))
    moved.update(_marks(COERCED, WATCHED_ONLINE))
    assert not +moved and not -moved, moved
    for result, e_votes in ((a, e_a), (b, e_b)):
        # one paper ballot (ON_PAPER), added to the e-votes
        paper = _election_wide(result["paper"]["counts"])
        assert {i: n for i, n in paper.items() if n} == dict(_marks(ON_PAPER))
        combined = _election_wide(result["paper"]["combined"])
        assert combined == {i: e_votes[i] + paper[i] for i in e_votes}
        (station,) = result["paper"]["stations"]
        assert (station["unit"], station["protocol"], station["voters"]) == (PAPER_UNIT, True, 1)
    # the boss reads the same paper results in both runs: the station's one upload, its
    # protocol, and one encrypted voter
    (paper_a,), (paper_b,) = (
        _paper_events(again / "record.jsonl"),
        _paper_events(nothing / "record.jsonl"),
    )
    assert paper_a["protocol"] == paper_b["protocol"]
    assert len(paper_a["voters"]) == len(paper_b["voters"]) == 1
    assert paper_a["voters"] != paper_b["voters"]
