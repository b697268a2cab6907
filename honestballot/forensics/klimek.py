"""The turnout x vote-share fingerprint and its fraud model.

P. Klimek, Y. Yegorov, R. Hanel and S. Thurner, "Statistical detection of systematic
election irregularities", PNAS 109(41):16469-16473, 2012.

The fingerprint is the 2-D histogram of stations by turnout and the leader's share
(1-point bins; stations with fewer than 100 registered voters dropped, as in the paper).
The model: honest turnout tau ~ N(tau0, s_tau) and share nu ~ N(nu0, s_nu), truncated to
[0, 1].  A fraction f_i of stations has *incremental* fraud with intensity
xi ~ |N(0, theta)| (truncated to [0, 1]); a fraction f_e has *extreme* fraud,
xi = 1 - |N(0, 0.075)|.  Then the leader's votes are
``N [tau nu + xi (1 - tau) + xi^alpha (1 - nu) tau]`` and the turnout
``1 - (1 - xi)(1 - tau)``: a share xi of the non-voters' ballots is stuffed for the
leader and a share xi^alpha of the other candidates' votes is moved to the leader.

tau0 and nu0 are the first local maxima above 0.3 (where the density rises, then falls,
at a height of at least a quarter of the highest) of the kernel-smoothed turnout and
share distributions; s_tau is the root-mean-square deviation below both maxima, s_nu
below nu0, and theta the square root of the root-mean-square deviation above nu0 (the
paper's supplement, as read by Kobak's re-implementation).  f_i, f_e and alpha are then
chosen on a grid (a coarse grid, then a finer one around the best point) to minimise the
sum of squared differences between the observed and the simulated 2-D histograms; the
simulations share their random numbers (common random numbers), so the distance changes
smoothly with the parameters.  The fit is descriptive: it says how much of the
fingerprint's shape the fraud model attributes to fraud, not a test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from honestballot.forensics.stations import FloatArray, Stations

MIN_VOTERS = 100
BINS = 100


@dataclass(frozen=True)
class KlimekResult:
    stations: int
    tau0: float
    nu0: float
    sigma_tau: float
    sigma_nu: float
    theta: float
    f_incremental: float
    f_extreme: float
    alpha: float
    distance: float
    honest_distance: float  # the same model with f_i = f_e = 0
    observed: FloatArray  # (BINS, BINS) stations, turnout x share
    fitted: FloatArray

    def to_json(self) -> dict[str, object]:
        return {
            "stations": self.stations,
            "tau0": round(self.tau0, 4),
            "nu0": round(self.nu0, 4),
            "sigma_tau": round(self.sigma_tau, 4),
            "sigma_nu": round(self.sigma_nu, 4),
            "theta": round(self.theta, 4),
            "f_incremental": round(self.f_incremental, 4),
            "f_extreme": round(self.f_extreme, 4),
            "alpha": self.alpha,
            "distance": round(self.distance, 1),
            "honest_distance": round(self.honest_distance, 1),
        }


def fingerprint(turnout: np.ndarray, share: np.ndarray) -> FloatArray:
    """Stations per 1-point bin of turnout (rows) and share (columns)."""
    t = np.clip((turnout * BINS).astype(np.int64), 0, BINS - 1)
    v = np.clip((share * BINS).astype(np.int64), 0, BINS - 1)
    return np.bincount(t * BINS + v, minlength=BINS * BINS).reshape(BINS, BINS).astype(float)


def first_maximum(x: np.ndarray, floor: float = 0.3) -> float:
    """The first local maximum above ``floor`` of a Gaussian-smoothed density of ``x``."""
    grid = 1000
    hist = np.bincount(np.clip((x * grid).astype(np.int64), 0, grid - 1), minlength=grid)
    bw = max(1.06 * float(np.std(x)) * x.size ** (-0.2), 0.002)  # Silverman's rule
    k = np.arange(-int(4 * bw * grid), int(4 * bw * grid) + 1) / grid
    dens = np.convolve(hist.astype(float), np.exp(-0.5 * (k / bw) ** 2), mode="same")
    start = int(floor * grid)
    d = np.diff(dens[start:])
    # a maximum: the density rose into it and falls after it (a density already falling
    # at ``floor`` is the tail of a lower mode, not a maximum)
    peaks = np.flatnonzero((d[:-1] > 0) & (d[1:] <= 0)) + 1
    # and a mode, not a ripple of the thin tail below it
    peaks = peaks[dens[start + peaks] >= 0.25 * dens.max()]
    return (start + int(peaks[0])) / grid if peaks.size else float(np.argmax(dens)) / grid


def _truncnorm(rng: np.random.Generator, mu: float, sigma: float, n: int) -> np.ndarray:
    out = rng.normal(mu, sigma, n)
    bad = (out < 0) | (out > 1)
    while bad.any():
        out[bad] = rng.normal(mu, sigma, int(bad.sum()))
        bad = (out < 0) | (out > 1)
    return out


def _trunc_abs(rng: np.random.Generator, sigma: float, n: int) -> np.ndarray:
    out = np.abs(rng.normal(0.0, sigma, n))
    bad = out > 1
    while bad.any():
        out[bad] = np.abs(rng.normal(0.0, sigma, int(bad.sum())))
        bad = out > 1
    return out


class _Simulator:
    """The model's random numbers, drawn once; ``histogram`` for any (f_i, f_e, alpha)."""

    def __init__(
        self, n: int, tau0: float, s_tau: float, nu0: float, s_nu: float, theta: float, seed: int
    ) -> None:
        rng = np.random.default_rng(seed)
        self.tau = _truncnorm(rng, tau0, max(s_tau, 1e-4), n)
        self.nu = _truncnorm(rng, nu0, max(s_nu, 1e-4), n)
        self.u = rng.random(n)
        self.xi_i = _trunc_abs(rng, max(theta, 1e-4), n)
        self.xi_e = 1.0 - _trunc_abs(rng, 0.075, n)

    def histogram(self, f_i: float, f_e: float, alpha: float) -> FloatArray:
        xi = np.where(self.u < f_i, self.xi_i, np.where(self.u < f_i + f_e, self.xi_e, 0.0))
        tau, nu = self.tau, self.nu
        leader = tau * nu + xi * (1 - tau) + xi**alpha * (1 - nu) * tau
        turnout = 1 - (1 - xi) * (1 - tau)
        return fingerprint(turnout, leader / np.maximum(turnout, 1e-9))


def _distance(a: FloatArray, b: FloatArray) -> float:
    return float(((a - b) ** 2).sum())


def klimek(s: Stations, seed: int = 42, refine: bool = True) -> KlimekResult | None:
    """The fingerprint and the fitted fraud fractions; None without turnout or with fewer
    than 100 stations.  ``refine=False`` stops at the coarse grid (the per-region fits)."""
    if not s.has_turnout:
        return None
    ind = (s.received > 0) & (s.voters >= MIN_VOTERS) & (s.given <= s.voters)
    if ind.sum() < 100:
        return None
    t = s.given[ind] / s.voters[ind]
    v = s.leader_votes[ind] / s.received[ind]
    observed = fingerprint(t, v)
    tau0, nu0 = first_maximum(t), first_maximum(v)
    dt, dv = t - tau0, v - nu0
    below = (dt < 0) & (dv < 0)
    s_tau = float(np.sqrt(np.mean(dt[below] ** 2))) if below.any() else float(np.std(t))
    s_nu = float(np.sqrt(np.mean(dv[dv < 0] ** 2))) if (dv < 0).any() else float(np.std(v))
    theta = float(np.sqrt(np.sqrt(np.mean(dv[dv > 0] ** 2)))) if (dv > 0).any() else 0.1
    sim = _Simulator(int(ind.sum()), tau0, s_tau, nu0, s_nu, theta, seed)
    best = (np.inf, 0.0, 0.0, 1.0)
    alphas = (1.0, 1.5, 2.0, 2.5, 3.0)
    for a in alphas:
        for fi in np.arange(0.0, 0.951, 0.05):
            for fe in np.arange(0.0, 0.101, 0.01):
                if fi + fe > 1:
                    continue
                d = _distance(observed, sim.histogram(fi, fe, a))
                if d < best[0]:
                    best = (d, float(fi), float(fe), a)
    _, fi0, fe0, a0 = best
    for a in (a0 - 0.25, a0, a0 + 0.25) if refine else ():
        if a < 0.5:
            continue
        for fi in np.arange(max(fi0 - 0.05, 0.0), fi0 + 0.0501, 0.01):
            for fe in np.arange(max(fe0 - 0.01, 0.0), fe0 + 0.01001, 0.0025):
                if fi + fe > 1:
                    continue
                d = _distance(observed, sim.histogram(fi, fe, a))
                if d < best[0]:
                    best = (d, float(fi), float(fe), a)
    d, fi, fe, a = best
    return KlimekResult(
        stations=int(ind.sum()),
        tau0=tau0,
        nu0=nu0,
        sigma_tau=s_tau,
        sigma_nu=s_nu,
        theta=theta,
        f_incremental=round(fi, 4),
        f_extreme=round(fe, 4),
        alpha=a,
        distance=d,
        honest_distance=_distance(observed, sim.histogram(0.0, 0.0, 1.0)),
        observed=observed,
        fitted=sim.histogram(fi, fe, a),
    )
