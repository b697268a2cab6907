"""Precision and recall of every check on the synthetic roll and log.

The thresholds are a little under the figures measured for seeds 1-3 at 20,000 rows
(docs/audit.md); a check that regresses falls below them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from honestballot.audit.config import AuditConfig, ClosedWindow
from honestballot.audit.engine import run_audit
from honestballot.audit.findings import Severity
from honestballot.audit.scoring import Score, score
from honestballot.audit.synth import generate

MIN_PRECISION = 0.95
MIN_RECALL = 0.95


@pytest.fixture(scope="module")
def scores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Score]:
    paths = generate(tmp_path_factory.mktemp("synth"), rows=20_000, seed=11)
    truth = json.loads(paths.truth.read_text("utf-8"))
    cfg = AuditConfig(closed_windows=tuple(ClosedWindow.parse(w)
                                           for w in truth["closed_windows"]))
    result = run_audit(paths.roll, paths.activity, cfg)
    return score(result, paths.truth, Severity.MEDIUM)


EXPECTED_CHECKS = [
    "id.check_digit", "id.duplicate", "id.birth_date_mismatch", "roll.impossible_birth_date",
    "contact.shared_phone", "contact.shared_email", "enrol.closed_window", "enrol.unconfirmed",
    "enrol.operator_burst", "device.many_voters", "cast.device_burst", "session.many_voters",
    "code.shared_contact", "cast.address_burst", "cast.organisation_burst",
    "turnout.abnormal_curve", "activity.unknown_voter",
]


def test_every_check_has_ground_truth(scores: dict[str, Score]) -> None:
    assert sorted(scores) == sorted(EXPECTED_CHECKS)
    assert all(s.truth > 0 for s in scores.values())


@pytest.mark.parametrize("check", EXPECTED_CHECKS)
def test_precision_and_recall(scores: dict[str, Score], check: str) -> None:
    s = scores[check]
    assert s.precision >= MIN_PRECISION, s
    assert s.recall >= MIN_RECALL, s


def test_synthetic_files_are_reproducible(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", rows=5000, seed=3, with_activity=False)
    b = generate(tmp_path / "b", rows=5000, seed=3, with_activity=False)
    c = generate(tmp_path / "c", rows=5000, seed=4, with_activity=False)
    assert a.roll.read_bytes() == b.roll.read_bytes()
    assert a.roll.read_bytes() != c.roll.read_bytes()
