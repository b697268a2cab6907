"""The turnout-stratified estimate of excess votes (Shpilkin's method).

S. Shpilkin's analyses of Russian elections (2009 onward; described in Kobak, Shpilkin and
Pshenichnikov, AOAS 2016, section 1, and in Klimek et al., PNAS 2012, as the
"turnout-stratified" view).  Assumption: in an honest election the leader's share does
not depend on turnout, so the stations at and below the "clean" turnout peak show the
leader-to-others ratio everywhere; votes above that ratio at higher turnout are counted
as excess.

Computed exactly as follows.  Stations with received > 0 and voters > 0, binned by
turnout in 1-point bins; the peak is the voter-weighted modal bin among those whose
upper edge is at or below the official turnout (``sum given / sum voters``, rounded up to
the next bin).  ``ratio = sum leader / sum others`` over the stations in and below the
peak bin (others: valid votes for everyone but the leader).  Above the peak bin,
``excess = sum (leader - ratio * others)``.  The corrected share is
``(leader - excess) / (valid - excess)`` and the corrected turnout
``(given - excess) / voters`` (the excess ballots are taken as added ones).

Significance (ours, not Shpilkin's): a permutation null that keeps every station's
counts but assigns turnouts at random among the stations *of the same region* (the
leader's share then does not depend on turnout within a region; regions differing in
both turnout and share is not, by itself, a sign of fraud); the one-sided p-value is
``(1 + #{null excess >= observed}) / (1 + permutations)``.  The peak is unchanged
under the permutation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from honestballot.forensics.stations import FloatArray, Stations


@dataclass(frozen=True)
class ShpilkinResult:
    stations: int
    official_turnout: float
    official_share: float
    peak_turnout: float  # lower edge of the peak bin, percent
    ratio: float
    excess_votes: float
    corrected_share: float
    corrected_turnout: float
    p_value: float
    null: FloatArray  # excess under the permutation null
    # per 1-point turnout bin: voters, leader, others (for the chart)
    bins: FloatArray

    def to_json(self) -> dict[str, object]:
        return {
            "stations": self.stations,
            "official_turnout": round(self.official_turnout, 6),
            "official_share": round(self.official_share, 6),
            "peak_turnout_percent": self.peak_turnout,
            "leader_to_others_ratio": round(self.ratio, 6),
            "excess_votes": round(self.excess_votes, 1),
            "corrected_share": round(self.corrected_share, 6),
            "corrected_turnout": round(self.corrected_turnout, 6),
            "permutations": int(self.null.size),
            "p_value": self.p_value,
            "p_normal": self.p_normal,
        }

    @property
    def p_normal(self) -> float:
        """The one-sided p-value from a normal fit to the permutation null (it goes below
        ``1 / (permutations + 1)``, which a correction over many regions needs)."""
        sd = float(self.null.std())
        if sd == 0:
            return 1.0 if self.excess_votes <= float(self.null.mean()) else 0.0
        z = (self.excess_votes - float(self.null.mean())) / sd
        return 0.5 * math.erfc(z / math.sqrt(2))


def shpilkin(s: Stations, permutations: int = 200, seed: int = 42) -> ShpilkinResult | None:
    """Shpilkin's estimate over ``s``; None without turnout or without any station."""
    if not s.has_turnout:
        return None
    ind = (s.received > 0) & (s.voters > 0)
    if not ind.any():
        return None
    voters = s.voters[ind].astype(np.float64)
    given = s.given[ind].astype(np.float64)
    leader = s.leader_votes[ind].astype(np.float64)
    others = s.valid[ind].astype(np.float64) - leader
    turnout = np.minimum(100.0 * given / voters, 99.999)
    b = np.floor(turnout).astype(np.int64)
    official = float(given.sum() / voters.sum())
    hist = np.bincount(b, weights=voters, minlength=100)[:100]
    cap = max(1, int(np.ceil(100 * official)))  # bins [k, k+1) with k + 1 <= cap
    peak = int(np.argmax(hist[:cap]))
    clean = b <= peak
    excess, ratio = _excess(clean, leader, others)
    rng = np.random.default_rng(seed)
    region = s.region[ind]
    grouped = np.argsort(region, kind="stable")
    base = region[grouped].astype(np.float64)
    null = np.empty(permutations)
    perm = np.empty(clean.size, dtype=np.int64)
    for i in range(permutations):
        # turnouts shuffled among the stations of each region: sorting the region's
        # index plus a random fraction keeps the regions' blocks and shuffles inside them
        perm[grouped] = grouped[np.argsort(base + rng.random(clean.size))]
        null[i] = _excess(clean[perm], leader, others)[0]
    p = float((1 + np.sum(null >= excess)) / (1 + permutations))
    total_leader = float(leader.sum())
    total_valid = float(s.valid[ind].sum())
    bins = np.asarray(
        np.stack(
            [
                hist,
                np.bincount(b, weights=leader, minlength=100)[:100],
                np.bincount(b, weights=others, minlength=100)[:100],
            ]
        ),
        dtype=np.float64,
    )
    return ShpilkinResult(
        stations=int(ind.sum()),
        official_turnout=official,
        official_share=total_leader / max(float(s.received[ind].sum()), 1.0),
        peak_turnout=float(peak),
        ratio=ratio,
        excess_votes=excess,
        corrected_share=(total_leader - excess) / max(total_valid - excess, 1.0),
        corrected_turnout=(float(given.sum()) - excess) / float(voters.sum()),
        p_value=p,
        null=null,
        bins=bins,
    )


def _excess(clean: np.ndarray, leader: np.ndarray, others: np.ndarray) -> tuple[float, float]:
    lo = float(others[clean].sum())
    ratio = float(leader[clean].sum()) / lo if lo > 0 else 0.0
    hi = ~clean
    return float(leader[hi].sum() - ratio * others[hi].sum()), ratio
