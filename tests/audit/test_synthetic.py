"""Precision and recall of every check on the synthetic rolls and logs.

Both generators: the injected patterns (``synth``) and the field generator's households,
look-alikes and less textbook fraud (``synth_field``, mix A, a seed not used in tuning).
The thresholds are the targets of docs/audit.md; a check that regresses falls below them.
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
from honestballot.audit.synth_field import generate_field

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


@pytest.fixture(scope="module")
def field_scores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Score]:
    paths = generate_field(tmp_path_factory.mktemp("field"), rows=20_000, seed=11, mix="A")
    truth = json.loads(paths.truth.read_text("utf-8"))
    cfg = AuditConfig(closed_windows=tuple(ClosedWindow.parse(w)
                                           for w in truth["closed_windows"]))
    result = run_audit(paths.roll, paths.activity, cfg)
    return score(result, paths.truth, Severity.MEDIUM)


@pytest.mark.parametrize("check", [*EXPECTED_CHECKS, "code.foreign_contact"])
def test_field_precision_and_recall(field_scores: dict[str, Score], check: str) -> None:
    """>= 0.95 with 20 or more true cases; with fewer, at most one miss and one false flag."""
    s = field_scores[check]
    assert s.truth > 0, s
    if s.truth >= 20:
        assert s.precision >= MIN_PRECISION and s.recall >= MIN_RECALL, s
    else:
        assert s.truth - s.true_positives <= 1 and s.predicted - s.true_positives <= 1, s


def test_field_files_are_reproducible(tmp_path: Path) -> None:
    a = generate_field(tmp_path / "a", rows=5000, seed=3, mix="B")
    b = generate_field(tmp_path / "b", rows=5000, seed=3, mix="B")
    c = generate_field(tmp_path / "c", rows=5000, seed=3, mix="A")
    assert a.roll.read_bytes() == b.roll.read_bytes()
    assert a.activity and b.activity and a.activity.read_bytes() == b.activity.read_bytes()
    assert a.roll.read_bytes() != c.roll.read_bytes()


def test_synthetic_files_are_reproducible(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", rows=5000, seed=3, with_activity=False)
    b = generate(tmp_path / "b", rows=5000, seed=3, with_activity=False)
    c = generate(tmp_path / "c", rows=5000, seed=4, with_activity=False)
    assert a.roll.read_bytes() == b.roll.read_bytes()
    assert a.roll.read_bytes() != c.roll.read_bytes()
