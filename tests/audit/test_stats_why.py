"""The audit's own tail probabilities and intervals, and its ru/kk/en reasons."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from honestballot.audit import why
from honestballot.audit.stats import chi2_sf, poisson_sf, wilson


@pytest.mark.parametrize(
    ("k", "lam"), [(1, 0.5), (5, 2.0), (14, 1.5), (45, 22.5), (3, 30.0), (200, 150.0)]
)
def test_poisson_tail_equals_the_sum_of_the_probabilities(k: int, lam: float) -> None:
    below = sum(math.exp(-lam + i * math.log(lam) - math.lgamma(i + 1)) for i in range(k))
    assert poisson_sf(k, lam) == pytest.approx(1 - below, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize(("x", "df"), [(0.5, 2), (3.0, 4), (30.0, 10), (60.0, 24), (5.0, 24)])
def test_chi_square_tail_equals_the_closed_form_for_even_degrees(x: float, df: int) -> None:
    # For even df the survival function is exp(-x/2) * sum_{i < df/2} (x/2)^i / i!
    half = x / 2
    closed = math.exp(-half) * sum(half**i / math.factorial(i) for i in range(df // 2))
    assert chi2_sf(x, df) == pytest.approx(closed, rel=1e-9)


def test_wilson_interval_known_values() -> None:
    lo, hi = wilson(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-4)
    lo, hi = wilson(50, 100)
    assert lo == pytest.approx(0.4038, abs=1e-4) and hi == pytest.approx(0.5962, abs=1e-4)


def test_every_reason_the_checks_give_has_three_languages() -> None:
    source = "\n".join(
        p.read_text("utf-8") for p in Path(why.__file__).parent.glob("*.py") if p.name != "why.py"
    )
    used = set(re.findall(r"['\"]([a-z_]+)['\"]", source)) & set(why.WHY)
    # codes written in SQL CASE branches of the checks
    for code in (
        "household",
        "pair",
        "community",
        "office_mailbox",
        "joint_activity",
        "central_enrolment",
        "unrelated",
        "device_central",
        "device_unrelated",
        "family_contact",
        "another_voter",
        "collected_codes",
        "owner_family",
        "new_number",
        "unknown_many",
        "sprint",
        "pace_odd_hour",
        "pace_regular",
        "pace_fast",
        "pace_thin",
        "wave",
        "curve_clumped",
        "curve_schedule",
        "device_burst",
        "device_burst_household",
    ):
        assert code in used, code
    for code, texts in [*why.WHY.items(), *why.CHECKS.items()]:
        ru, kk, en = texts
        assert all(texts) and len(set(texts)) == 3, code
        assert re.search("[а-яё]", ru) and re.search("[әғқңөұүһі]|[а-я]", kk), code
        assert not re.search("[а-яё]", en), code


def test_no_reason_speaks_of_voting_again() -> None:
    words = (
        "again",
        "повторно",
        "снова",
        "қайта",
        "paper",
        "бумаж",
        "қағаз",
        "credential",
        "учётн",
    )
    for texts in [*why.WHY.values(), *why.CHECKS.values()]:
        for text in texts:
            assert not any(w in text.lower() for w in words), text


def test_every_finding_of_the_audit_says_why_in_three_languages(tmp_path: Path) -> None:
    """Each check that can report has a reason, for records with no code of their own."""
    from honestballot.audit.engine import run_audit
    from honestballot.audit.findings import reasons, to_json
    from honestballot.audit.synth import generate

    paths = generate(tmp_path, rows=5000, seed=2)
    result = run_audit(paths.roll, paths.activity)
    reported = [f for f in result.findings if f.count]
    assert {f.check for f in reported} >= {
        "id.duplicate",
        "activity.unknown_voter",
        "contact.shared_phone",
        "cast.address_burst",
    }
    for f in reported:
        texts = reasons(f)
        assert texts, f.check
        assert all(set(t) == {"ru", "kk", "en"} for t in texts.values()), f.check
    assert all(f["why"] for f in to_json(result)["findings"] if f["count"])
