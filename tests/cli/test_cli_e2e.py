"""A whole election through the ``honestballot`` command, each command a new process:
``honestballot demo`` (an election with re-voting protection) and ``honestballot
verify`` on its record (and on a tampered copy).  The roles by hand: the organiser's
``election create`` (tests/cli/test_election_create_cli.py), the trustees' close
(tests/web/test_close_stage_a.py), the coerced voter (tests/cli/test_demo_coerced.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from honestballot.cli.demo_election import expected_counts, plan_voters
from honestballot.record.codec import canonical_bytes

pytestmark = pytest.mark.slow

def honestballot(
    *args: str | Path, cwd: Path, expect: int | None = 0, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m honestballot ARGS``; check the exit code unless ``expect`` is None."""
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1"}
    env.pop("HONESTBALLOT_DATABASE", None)
    proc = subprocess.run(
        [sys.executable, "-m", "honestballot", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if expect is not None:
        assert proc.returncode == expect, (
            f"honestballot {' '.join(map(str, args))} exited {proc.returncode}, "
            f"expected {expect}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
        )
    return proc


def test_demo_then_verify_then_a_tampered_copy(tmp_path: Path) -> None:
    """``honestballot demo`` runs an election with re-voting protection: its record
    verifies, its board shows no re-vote, and its result is the voters' last choices."""
    demo = honestballot("demo", "--dir", tmp_path / "demo", "--voters", 20, cwd=tmp_path)
    out = " ".join(demo.stdout.split())
    assert "VERIFIED: every check passed" in out
    assert "NOT VERIFIED" not in out
    assert out.count("refused") == 2  # the over-vote and the copied ballot
    record = tmp_path / "demo" / "record.jsonl"
    events = [json.loads(raw) for raw in record.read_bytes().splitlines()]
    kinds = {e.get("kind") for e in events}
    assert {"registration", "cast-row", "batch", "padding", "close-step"} <= kinds
    # nothing on the board marks a re-vote or a replaced credential (version 1's marks)
    assert "superseded" not in record.read_text() and "replaces" not in record.read_text()
    assert not kinds & {"ballot", "credential", "superseded"}
    plans = plan_voters(20, 2026)
    voted = [p for p in plans if p.first is not None]
    again = [p for p in voted if p.again is not None]
    assert {p.new_credential for p in again} == {True, False}
    assert sum(p.audits for p in voted) >= 2
    assert f"included' ({len(voted) + len(again)} of {len(voted) + len(again)})" in out
    # the count is each voter's last choice, which differs from their first choices'
    (result,) = (e["body"] for e in events if e.get("kind") == "result")
    counted = {c["id"]: c["count"] for c in result["counts"] if "@" not in c["id"]}
    last = expected_counts(plans)
    assert counted == {i: last[i] for i in counted}
    assert last != expected_counts([replace(p, again=None) for p in plans])
    assert sum(u["ballots"] for u in result["counted_per_unit"]) == len(voted)
    assert result["close"]["revoked"] >= sum(p.new_credential for p in again)
    assert "The count equals the voters' last choices, unit by unit" in out

    ok = honestballot("verify", record, cwd=tmp_path)
    assert "VERIFIED: every check passed" in ok.stdout
    assert "FAIL" not in ok.stdout

    lines = record.read_bytes().splitlines()
    index = next(i for i, raw in enumerate(lines) if json.loads(raw).get("kind") == "result")
    event = json.loads(lines[index])
    event["body"]["counts"][0]["count"] += 1
    lines[index] = canonical_bytes(event)
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_bytes(b"\n".join(lines) + b"\n")
    bad = honestballot("verify", tampered, cwd=tmp_path, expect=1)
    assert "NOT VERIFIED" in bad.stdout
    assert "FAIL result.counts" in bad.stdout
    assert "FAIL log.tree-heads" in bad.stdout
    summary = next(line for line in bad.stdout.splitlines() if "NOT VERIFIED" in line)
    assert "result.counts" in summary
