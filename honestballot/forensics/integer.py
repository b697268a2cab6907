"""Integer-percent excess against a binomial Monte-Carlo null.

Kobak, Shpilkin and Pshenichnikov, "Integer percentages as electoral falsification
fingerprints", Annals of Applied Statistics 10(1) 2016, and their notes in Significance
(2016, 2018, 2020).  A commission that writes a target turnout or result into the
protocol tends to pick a round one: too many stations report *exactly* an integer
percent.

Inclusion (as in the papers): received > 0, voters >= 100, turnout <= 0.99 and leader's
share <= 0.99.  A station is *integer* when ``|100 x - round(100 x)| <= 0.05`` (exactly, in integer
arithmetic) for its
turnout (``given / voters``), its leader's share (``leader / received``) or either.
The null: every station's leader's votes ~ Binomial(received, share) and its ballots
given ~ Binomial(voters, turnout), independently, recounted ``repetitions`` times.
Reported per kind (either, turnout, share) and weight (stations, voters, ballots
given, leader's votes): observed, MC mean, excess (observed - mean), MC standard
deviation, the 99.9th percentile minus the mean, and the one-sided MC p-value
``(1 + #{null >= observed}) / (1 + repetitions)``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from honestballot.forensics.stations import BoolArray, FloatArray, Stations

KINDS = ("either", "turnout", "share")
WEIGHTS = ("stations", "voters", "given", "leader")
HALF_WIDTH = 0.05  # percentage points either side of an integer
CHUNK_CELLS = 2_000_000  # draws per block: repetitions x stations held at once
DEFAULT_THREADS = os.cpu_count() or 1


def included(s: Stations) -> BoolArray:
    """The papers' inclusion criteria."""
    ok = (s.received > 0) & (s.voters >= 100)
    with np.errstate(divide="ignore", invalid="ignore"):
        turnout = np.where(ok, s.given / np.maximum(s.voters, 1), 2.0)
        share = np.where(ok, s.leader_votes / np.maximum(s.received, 1), 2.0)
    return ok & (turnout <= 0.99) & (share <= 0.99)


def is_integer(numer: np.ndarray, denom: np.ndarray) -> BoolArray:
    """Whether ``100 numer / denom`` is within 0.05 of an integer, in exact integer
    arithmetic: ``20 min(r, denom - r) <= denom`` with ``r = 100 numer mod denom``."""
    r = (100 * numer) % denom
    return np.asarray(20 * np.minimum(r, denom - r) <= denom, dtype=np.bool_)


def _normal_counts(
    rng: np.random.Generator, n: np.ndarray, p: np.ndarray, reps: int
) -> npt.NDArray[np.int32]:
    """Binomial(n, p) counts by the rounded normal approximation (see ``integer_test``),
    in 32 bits (half the memory traffic; a station's count is far below 2**31 / 100)."""
    mu = (n * p).astype(np.float32)
    sd = np.sqrt(n * p * (1 - p)).astype(np.float32)
    x = rng.standard_normal((reps, n.size), dtype=np.float32)
    x *= sd
    x += mu
    np.rint(x, out=x)
    np.clip(x, 0, n.astype(np.float32), out=x)
    return x.astype(np.int32)


@dataclass(frozen=True)
class IntegerResult:
    stations: int  # included
    repetitions: int
    observed: FloatArray  # (3 kinds, 4 weights)
    null: FloatArray  # (repetitions, 3, 4)
    region_observed: FloatArray  # (regions, 3 kinds), stations
    region_null: FloatArray  # (repetitions, regions, 3 kinds)
    region_included: npt.NDArray[np.int64]  # stations included per region

    @property
    def mean(self) -> FloatArray:
        return np.asarray(self.null.mean(axis=0), dtype=np.float64)

    @property
    def excess(self) -> FloatArray:
        return self.observed - self.mean

    @property
    def sd(self) -> FloatArray:
        return np.asarray(self.null.std(axis=0), dtype=np.float64)

    @property
    def q999(self) -> FloatArray:
        return np.asarray(np.percentile(self.null, 99.9, axis=0) - self.mean, dtype=np.float64)

    @property
    def p_value(self) -> FloatArray:
        above = (self.null >= self.observed[None, :, :]).sum(axis=0)
        return np.asarray((1.0 + above) / (1.0 + self.repetitions), dtype=np.float64)

    def region_table(self) -> list[dict[str, float]]:
        """Per region (in the input's order), for each kind: observed, excess, MC s.d.,
        one-sided MC p-value (stations)."""
        mean = self.region_null.mean(axis=0)
        sd = self.region_null.std(axis=0)
        above = (self.region_null >= self.region_observed[None]).sum(axis=0)
        p = (1.0 + above) / (1.0 + self.repetitions)
        rows = []
        for r in range(self.region_observed.shape[0]):
            row: dict[str, float] = {"stations": float(self.region_included[r])}
            for k, kind in enumerate(KINDS):
                row[f"{kind}_observed"] = float(self.region_observed[r, k])
                row[f"{kind}_excess"] = round(float(self.region_observed[r, k] - mean[r, k]), 3)
                row[f"{kind}_mc_sd"] = round(float(sd[r, k]), 3)
                row[f"{kind}_p_value"] = float(p[r, k])
                # the MC p-value cannot go below 1 / (repetitions + 1); for the
                # correction over many regions, the normal approximation of the null
                # (a sum of many independent indicators) goes further
                z = (self.region_observed[r, k] - mean[r, k]) / sd[r, k] if sd[r, k] else 0.0
                row[f"{kind}_p_normal"] = 0.5 * math.erfc(z / math.sqrt(2))
            rows.append(row)
        return rows

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"stations": self.stations, "repetitions": self.repetitions}
        for k, kind in enumerate(KINDS):
            out[kind] = {
                w: {
                    "observed": float(self.observed[k, j]),
                    "expected": round(float(self.mean[k, j]), 3),
                    "excess": round(float(self.excess[k, j]), 3),
                    "mc_sd": round(float(self.sd[k, j]), 3),
                    "q999_minus_mean": round(float(self.q999[k, j]), 3),
                    "p_value": float(self.p_value[k, j]),
                }
                for j, w in enumerate(WEIGHTS)
            }
        return out


def _counts(int_share: np.ndarray, int_turn: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(..., 3, 4) weighted counts of integer stations from boolean (..., n) masks."""
    either = int_share | int_turn
    return np.stack(
        [m.astype(np.float64) @ weights for m in (either, int_turn, int_share)], axis=-2
    )


def integer_test(
    s: Stations,
    repetitions: int = 1000,
    seed: int = 42,
    progress: Callable[[int], None] | None = None,
    method: str = "binomial",
    threads: int = DEFAULT_THREADS,
) -> IntegerResult:
    """The integer-percent test over the included stations of ``s``.

    ``method="binomial"`` draws exact binomial counts, as the papers do; ``"normal"``
    draws them from the rounded normal approximation ``rint(N p + sqrt(N p (1 - p)) z)``
    (clipped to [0, N]) wherever ``N p (1 - p) >= 25`` and exactly elsewhere: about three
    times faster, and the chance that a station lands on an integer percent is the same
    to within Monte-Carlo noise (docs/forensics.md).
    """
    if method not in ("binomial", "normal"):
        raise ValueError(f"unknown null model {method!r}")
    ind = included(s)
    voters = s.voters[ind]
    given = s.given[ind]
    received = s.received[ind]
    leader = s.leader_votes[ind]
    weights = np.stack([np.ones(voters.size), voters, given, leader], axis=1).astype(np.float64)
    # stations sorted by region, so that a region's counts are one np.add.reduceat
    region = s.region[ind]
    order = np.argsort(region, kind="stable")
    voters, given, received, leader, region = (
        a[order] for a in (voters, given, received, leader, region)
    )
    weights = weights[order]
    n_regions = len(s.regions)
    per_region = np.bincount(region, minlength=n_regions)
    present = np.flatnonzero(per_region)
    starts = np.concatenate([[0], np.cumsum(per_region)[:-1]])[present]

    def by_region(int_share: np.ndarray, int_turn: np.ndarray) -> np.ndarray:
        out = np.zeros((*int_share.shape[:-1], n_regions, 3))
        if present.size:
            for k, m in enumerate((int_share | int_turn, int_turn, int_share)):
                out[..., present, k] = np.add.reduceat(m.astype(np.int32), starts, axis=-1)
        return out

    obs_share, obs_turn = is_integer(leader, received), is_integer(given, voters)
    observed = _counts(obs_share, obs_turn, weights)
    region_observed = by_region(obs_share, obs_turn)
    null = np.zeros((repetitions, 3, 4))
    region_null = np.zeros((repetitions, n_regions, 3))
    n = int(voters.size)
    if n:
        p_share = leader / received
        p_turn = given / voters
        block = max(1, CHUNK_CELLS // n)
        starts_mc = list(range(0, repetitions, block))
        # one generator per block, spawned from the seed: the figures do not depend on
        # which thread draws which block
        seeds = np.random.SeedSequence(seed).spawn(len(starts_mc))

        def one_block(b: int) -> int:
            start = starts_mc[b]
            reps = min(block, repetitions - start)
            rng = np.random.default_rng(seeds[b])
            lead_mc = _draw(rng, received, p_share, reps, method)
            given_mc = _draw(rng, voters, p_turn, reps, method)
            mc_share = is_integer(lead_mc, received.astype(lead_mc.dtype))
            mc_turn = is_integer(given_mc, voters.astype(given_mc.dtype))
            null[start : start + reps] = _counts(mc_share, mc_turn, weights)
            region_null[start : start + reps] = by_region(mc_share, mc_turn)
            return reps

        # NumPy's generators and ufuncs release the GIL: threads use every core
        with ThreadPoolExecutor(max(1, min(threads, len(starts_mc)))) as pool:
            for reps in pool.map(one_block, range(len(starts_mc))):
                if progress:
                    progress(reps)
    return IntegerResult(
        n, repetitions, observed, null, region_observed, region_null, per_region.astype(np.int64)
    )


def _draw(
    rng: np.random.Generator, n: np.ndarray, p: np.ndarray, reps: int, method: str
) -> npt.NDArray[np.integer[Any]]:
    if method == "binomial":
        return np.asarray(rng.binomial(n, p, size=(reps, n.size)), dtype=np.int64)
    big = n * p * (1 - p) >= 25
    out = np.empty((reps, n.size), dtype=np.int32)
    out[:, big] = _normal_counts(rng, n[big], p[big], reps)
    small = ~big
    if small.any():
        out[:, small] = rng.binomial(n[small], p[small], size=(reps, int(small.sum())))
    return out
