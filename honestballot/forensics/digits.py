"""Digit tests: the last digit (Beber and Scacco) and Mebane's second-digit Benford test.

- Last digit: B. Beber and A. Scacco, "What the numbers say: a digit-based test for
  election fraud", Political Analysis 20(2) 2012.  The last digit of a count of at least
  100 should be close to uniform (of smaller counts it is not, even when honest);
  people inventing numbers favour some digits.  A chi-squared test of uniformity
  (9 degrees of freedom) per candidate's column.
- Second digit: W. R. Mebane, "Election forensics: vote counts and Benford's law"
  (2006) and later papers ("2BL").  The second digit of a count of at least 10 against
  Benford's second-digit law; chi-squared (9 d.f.) and the mean (4.187 expected).

Holm's step-down correction is applied over every test of one report (all columns,
both tests), so the family-wise error rate is at most the stated level.  These are weak
signals: honest counts can fail them (small counts, candidates with few votes, regional
heterogeneity), and Mebane himself found them implausible on Russian data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from honestballot.forensics.stations import Stations

BENFORD_2ND = np.array(
    [sum(math.log10(1 + 1 / (10 * k + d)) for k in range(1, 10)) for d in range(10)]
)
MIN_COUNT_LAST = 100  # the last digit of smaller counts is not uniform even when honest
MIN_COUNT_SECOND = 10


def chi2_sf(x: float, df: int) -> float:
    """P(X >= x) for X ~ chi-squared with an integer number of degrees of freedom."""
    if x <= 0:
        return 1.0
    half = x / 2.0
    if df % 2 == 0:
        term, total = 1.0, 1.0
        for j in range(1, df // 2):
            term *= half / j
            total += term
        return min(1.0, math.exp(-half) * total)
    total, term = 0.0, math.sqrt(x) * math.exp(-half) * math.sqrt(2 / math.pi)
    for j in range(1, (df - 1) // 2 + 1):
        total += term
        term *= x / (2 * j + 1)
    return min(1.0, math.erfc(math.sqrt(half)) + total)


def holm(p: list[float]) -> list[float]:
    """Holm-adjusted p-values, in the input's order."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


def benjamini_hochberg(p: list[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (false discovery rate), in the input's order."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i], reverse=True)
    out = [0.0] * m
    running = 1.0
    for k, i in enumerate(order):
        running = min(running, p[i] * m / (m - k))
        out[i] = running
    return out


@dataclass(frozen=True)
class DigitTest:
    column: str
    test: str  # "last" or "second"
    counts: list[int]  # of digits 0..9
    n: int
    chi2: float
    p_value: float
    mean: float
    expected_mean: float
    p_adjusted: float = 1.0

    def to_json(self) -> dict[str, object]:
        return {
            "column": self.column,
            "test": self.test,
            "n": self.n,
            "digit_counts": self.counts,
            "chi2": round(self.chi2, 3),
            "p_value": self.p_value,
            "p_holm": self.p_adjusted,
            "mean": round(self.mean, 4),
            "expected_mean": round(self.expected_mean, 4),
        }


def _chi2(counts: np.ndarray, probs: np.ndarray) -> tuple[float, float]:
    n = counts.sum()
    expected = n * probs
    stat = float(((counts - expected) ** 2 / expected).sum())
    return stat, chi2_sf(stat, 9)


def second_digit(x: np.ndarray) -> np.ndarray:
    """The second digit from the left of positive integers >= 10."""
    lead = np.floor(np.log10(x)).astype(np.int64)
    return np.asarray((x // 10 ** (lead - 1)) % 10, dtype=np.int64)


def digit_tests(s: Stations) -> list[DigitTest]:
    """Both tests on every candidate's column, Holm-corrected together."""
    out: list[DigitTest] = []
    uniform = np.full(10, 0.1)
    for j, name in enumerate(s.candidates):
        col = s.votes[:, j]
        for test, x, probs in (
            ("last", col[col >= MIN_COUNT_LAST], uniform),
            ("second", col[col >= MIN_COUNT_SECOND], BENFORD_2ND),
        ):
            if x.size < 100:  # too few counts for a chi-squared with 10 cells
                continue
            digits = x % 10 if test == "last" else second_digit(x)
            counts = np.bincount(digits, minlength=10)
            stat, p = _chi2(counts, probs)
            out.append(
                DigitTest(
                    column=name,
                    test=test,
                    counts=[int(c) for c in counts],
                    n=int(x.size),
                    chi2=stat,
                    p_value=p,
                    mean=float(digits.mean()),
                    expected_mean=float((np.arange(10) * probs).sum()),
                )
            )
    adjusted = holm([t.p_value for t in out])
    return [
        DigitTest(t.column, t.test, t.counts, t.n, t.chi2, t.p_value, t.mean, t.expected_mean, a)
        for t, a in zip(out, adjusted, strict=True)
    ]
