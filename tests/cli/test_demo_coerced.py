"""``honestballot demo --coerced-voter`` (cli/demo_revoting.py), as a user runs it: the
boss's view is the same whether or not the voter voted again, the voter's own later
ballot is the one counted, and both runs' records verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from honestballot.cli.demo_revoting import COERCED, OWN
from honestballot.verify.verifier import verify_record_file
from tests.cli.test_cli_e2e import honestballot


def _counts(record: Path) -> dict[str, int]:
    for raw in record.read_bytes().splitlines():
        line = json.loads(raw)
        if line.get("kind") == "result":
            return {c["id"]: c["count"] for c in line["body"]["counts"] if "@" not in c["id"]}
    raise AssertionError(f"{record} has no result")


@pytest.mark.slow
def test_the_boss_cannot_tell_and_the_voters_own_ballot_counts(tmp_path: Path) -> None:
    run = honestballot(
        "demo", "--coerced-voter", "--voters", "10", "--dir", tmp_path / "demo", cwd=tmp_path
    )
    out = " ".join(run.stdout.split())
    assert "the boss cannot tell whether the voter voted again" in out
    assert "differs between the runs" not in out
    assert "VERIFIED: every check passed" in out
    again, nothing = tmp_path / "demo" / "voted-again", tmp_path / "demo" / "did-nothing"
    for record in (again / "record.jsonl", nothing / "record.jsonl"):
        assert verify_record_file(str(record), require_quorum=False).passed
    # the same voters and ballots but one: the voter's own ballot (OWN) counts in the run
    # where they voted again, the watched one (COERCED) in the other
    moved = {
        i: n - _counts(nothing / "record.jsonl")[i]
        for i, n in _counts(again / "record.jsonl").items()
    }
    own = {f"{c}/{o}" for c, options in OWN.items() for o in options}
    coerced = {f"{c}/{o}" for c, options in COERCED.items() for o in options}
    assert {i: v for i, v in moved.items() if v} == {
        **{i: -1 for i in coerced - own},
        **{i: 1 for i in own - coerced},
    }
