"""Precision and recall of each check against a synthetic ground-truth file.

A check's prediction is the set of keys (roll line, voter, or organisation, as the
truth file says) of the records it reported at or above ``min_severity``. A finding
whose records were capped cannot be scored: :class:`AuditInputError`, said in the
reader's language (``audit.cli.score.capped``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from honestballot.audit.findings import AuditInputError, AuditResult, Severity
from honestballot.audit.stats import wilson
from honestballot.errors import Text


@dataclass(frozen=True)
class Score:
    check: str
    truth: int
    predicted: int
    true_positives: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.truth if self.truth else 1.0

    def __add__(self, other: Score) -> Score:
        """Pooled over runs (several seeds): counts add up."""
        return Score(
            self.check,
            self.truth + other.truth,
            self.predicted + other.predicted,
            self.true_positives + other.true_positives,
        )


def _key(record: dict[str, Any] | Any, key: str) -> str | None:
    value = record.get("group") if key == "organisation" else record.get(key)
    return None if value is None else str(value)


def score(
    result: AuditResult, truth_path: Path, min_severity: Severity = Severity.MEDIUM
) -> dict[str, Score]:
    truth = json.loads(truth_path.read_text("utf-8"))["checks"]
    out: dict[str, Score] = {}
    for check, spec in truth.items():
        key = spec["key"]
        expected = {str(v) for v in spec["values"]}
        predicted: set[str] = set()
        for finding in result.findings:
            if finding.check != check or finding.severity < min_severity:
                continue
            if finding.truncated:
                raise AuditInputError(
                    Text(
                        "audit.cli.score.capped",
                        f"{check}: the finding lists only part of its records (capped); "
                        "precision and recall need every record",
                        check=check,
                    )
                )
            predicted |= {k for r in finding.records if (k := _key(r, key)) is not None}
        out[check] = Score(check, len(expected), len(predicted), len(expected & predicted))
    return out


def _ci(k: int, n: int) -> str:
    lo, hi = wilson(k, n)
    return f"{lo:.3f}-{hi:.3f}" if n else "-"


def format_table_ci(scores: dict[str, Score], runs: int = 1) -> str:
    """Pooled scores with 95 % Wilson intervals, and whether each meets its target."""
    lines = [
        "| check | true cases | reported | precision (95 % CI) | recall (95 % CI) | target |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for s in scores.values():
        misses = s.truth - s.true_positives
        false = s.predicted - s.true_positives
        if s.truth >= 20 * runs:
            ok = s.precision >= 0.95 and s.recall >= 0.95
            target = "met" if ok else "NOT met"
        else:
            ok = misses <= runs and false <= runs
            target = ("met" if ok else "NOT met") + f" ({misses} missed, {false} false)"
        lines.append(
            f"| `{s.check}` | {s.truth} | {s.predicted} | {s.precision:.3f} "
            f"({_ci(s.true_positives, s.predicted)}) | {s.recall:.3f} "
            f"({_ci(s.true_positives, s.truth)}) | {target} |"
        )
    return "\n".join(lines)


def format_table(scores: dict[str, Score]) -> str:
    """A Markdown table of the scores, for docs/audit.md."""
    lines = ["| check | injected | reported | precision | recall |", "|---|---:|---:|---:|---:|"]
    for s in scores.values():
        lines.append(
            f"| `{s.check}` | {s.truth} | {s.predicted} | {s.precision:.3f} | {s.recall:.3f} |"
        )
    return "\n".join(lines)
