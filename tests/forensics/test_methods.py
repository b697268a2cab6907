"""Each method on the project's synthetic elections: honest data (false-positive rate at
the stated level over several seeds), injected integer rounding, ballot stuffing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from honestballot.forensics.analysis import LEVEL, run
from honestballot.forensics.digits import (
    BENFORD_2ND,
    benjamini_hochberg,
    chi2_sf,
    digit_tests,
    holm,
    second_digit,
)
from honestballot.forensics.integer import included, integer_test
from honestballot.forensics.klimek import klimek
from honestballot.forensics.shpilkin import shpilkin
from honestballot.forensics.stations import Stations
from honestballot.forensics.synth import SynthElection

Make = Callable[..., tuple[SynthElection, Stations]]
SEEDS = range(100, 116)


def test_honest_data_false_positive_rates(election: Make) -> None:
    """16 honest elections: no method rejects at the stated level more often than the
    level allows (at most 1 of 16 for a 1 % test: P(>= 2) is 1 % under the null)."""
    rejections = {"integer": 0, "shpilkin": 0, "last": 0, "second": 0}
    for seed in SEEDS:
        _, s = election(1500, seed)
        r = integer_test(s, 200, seed)
        rejections["integer"] += int(r.p_value[0, 0] < LEVEL)
        shp = shpilkin(s, permutations=200, seed=seed)
        assert shp is not None
        rejections["shpilkin"] += int(shp.p_value < LEVEL)
        for test in ("last", "second"):
            ps = [d.p_adjusted for d in digit_tests(s) if d.test == test]
            rejections[test] += int(min(ps) < LEVEL)
    assert all(n <= 1 for n in rejections.values()), rejections


def test_integer_test_counts_match_a_direct_count(election: Make) -> None:
    _, s = election(800, 3)
    r = integer_test(s, 50, 1)
    ind = included(s)
    t = 100 * s.given[ind] / s.voters[ind]
    v = 100 * s.leader_votes[ind] / s.received[ind]
    direct_t = int(sum(abs(x - round(x)) <= 0.05 for x in t))
    direct_v = int(sum(abs(x - round(x)) <= 0.05 for x in v))
    either = int(
        sum(
            abs(a - round(a)) <= 0.05 or abs(b - round(b)) <= 0.05
            for a, b in zip(t, v, strict=True)
        )
    )
    assert r.observed[:, 0].tolist() == [either, direct_t, direct_v]
    assert r.stations == int(ind.sum())
    # voters >= 100 and both ratios <= 0.99 (the papers' rule)
    assert (s.voters[ind] >= 100).all() and (s.received[ind] > 0).all()
    # the null is close to a binomial expectation: each station is integer in about a
    # tenth of a point per point, i.e. ~10 % of the time for a large station
    assert 0.05 * r.stations < r.mean[2, 0] < 0.2 * r.stations


def test_normal_null_agrees_with_the_binomial_one(election: Make) -> None:
    _, s = election(3000, 5)
    exact = integer_test(s, 300, 1)
    approx = integer_test(s, 300, 2, method="normal")
    # the two MC means differ by no more than their own noise (4 standard errors)
    se = np.sqrt(exact.sd**2 / 300 + approx.sd**2 / 300)
    assert (np.abs(exact.mean - approx.mean) <= 4 * se + 1e-9).all()
    np.testing.assert_array_equal(exact.observed, approx.observed)


def test_turnout_rounding_is_found_and_located(election: Make) -> None:
    e, s = election(3000, 7, turnout_rounding=0.04)
    r = integer_test(s, 300, 1)
    assert r.p_value[1, 0] < LEVEL  # turnout
    assert r.excess[1, 0] > 0.6 * e.rounded.sum()
    assert r.p_value[2, 0] > LEVEL  # the share was left alone
    # in one region of twenty: that region comes first, and only it is significant
    e, s = election(4000, 7, turnout_rounding=0.015, fraud_regions=(2,))
    a = run(s, 300, 1, fingerprint=False)
    assert a.regions[0]["region"] == "Регион 3"
    assert a.regions[0]["integer_q"] < LEVEL
    assert all(x["integer_q"] >= LEVEL for x in a.regions[1:])


def test_share_rounding_is_found(election: Make) -> None:
    e, s = election(3000, 8, share_rounding=0.04)
    r = integer_test(s, 300, 1)
    assert r.p_value[2, 0] < LEVEL and r.p_value[1, 0] > LEVEL
    assert r.excess[2, 0] > 0.5 * e.rounded.sum()


def test_ballot_stuffing_is_estimated_by_shpilkin(election: Make) -> None:
    e, s = election(4000, 9, stuffing=0.1)
    shp = shpilkin(s, permutations=200, seed=1)
    assert shp is not None and shp.p_value < LEVEL
    stuffed = float((e.votes[:, 0] - e.true_votes[:, 0]).sum())
    assert 0.5 * stuffed < shp.excess_votes < 1.5 * stuffed
    assert shp.corrected_share < shp.official_share
    assert shp.corrected_turnout < shp.official_turnout


def test_klimek_fit_finds_more_fraud_where_there_is_some(election: Make) -> None:
    _, honest = election(4000, 11)
    _, stuffed = election(4000, 11, stuffing=0.2)
    h, f = klimek(honest), klimek(stuffed)
    assert h is not None and f is not None
    assert h.f_incremental + h.f_extreme <= 0.1
    assert f.f_incremental + f.f_extreme >= h.f_incremental + h.f_extreme + 0.08
    assert f.distance < f.honest_distance


def test_invented_last_digits_are_flagged(election: Make) -> None:
    _, s = election(3000, 12)
    votes = s.votes.copy()
    rng = np.random.default_rng(0)
    big = votes[:, 0] >= 100
    votes[big, 0] = votes[big, 0] // 10 * 10 + rng.choice([0, 5], big.sum())
    forged = Stations(**{**s.__dict__, "votes": votes})
    last = [d for d in digit_tests(forged) if d.test == "last"]
    assert last[0].column == s.candidates[0] and last[0].p_adjusted < LEVEL


def test_statistics_helpers() -> None:
    # chi-squared critical values at 5 % from the tables (9 and 10 d.f.)
    assert abs(chi2_sf(16.919, 9) - 0.05) < 1e-4
    assert abs(chi2_sf(18.307, 10) - 0.05) < 1e-4
    assert abs(chi2_sf(6.635, 1) - 0.01) < 1e-4
    assert holm([0.01, 0.04, 0.03]) == [0.03, 0.06, 0.06]
    assert benjamini_hochberg([0.01, 0.04, 0.03]) == [0.03, 0.04, 0.04]
    assert second_digit(np.array([10, 123, 4567, 99])).tolist() == [0, 2, 5, 9]
    assert abs(BENFORD_2ND.sum() - 1) < 1e-12 and abs(BENFORD_2ND[0] - 0.1197) < 1e-4


def test_regions_are_ranked_and_every_method_runs_per_region(election: Make) -> None:
    _, s = election(2000, 13)
    a = run(s, 100, 1, fingerprint=False)
    assert [x["rank"] for x in a.regions] == list(range(1, len(s.regions) + 1))
    z = [x["integer_z"] for x in a.regions]
    assert z == sorted(z, reverse=True)
    one: dict[str, Any] = a.regions[0]
    assert one["shpilkin"] is not None and "integer_q" in one and "digits_min_p" in one
    assert sum(x["stations"] for x in a.regions) == s.size
