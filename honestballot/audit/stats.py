"""The few tail probabilities and intervals the audit needs, written out (no SciPy).

* :func:`poisson_sf`: P(X >= k) for X ~ Poisson(lam), the chance of a burst at least
  this large when voters come at the expected rate;
* :func:`chi2_sf`: P(X >= x) for X ~ chi-square with ``df`` degrees of freedom, the
  chance of a turnout curve at least this far from everyone else's;
* :func:`wilson`: the Wilson score interval of a proportion (precision, recall).

The first two are the regularised incomplete gamma function, P(k, lam) and Q(df/2, x/2),
by its power series below ``a + 1`` and its continued fraction above (Numerical Recipes,
ch. 6.2, written from the formulas).
"""

from __future__ import annotations

import math

_EPS = 1e-15
_ITER = 10_000


def _lower_series(a: float, x: float) -> float:
    """Regularised lower incomplete gamma P(a, x) by its series (good for x < a + 1)."""
    term = total = 1.0 / a
    ap = a
    for _ in range(_ITER):
        ap += 1.0
        term *= x / ap
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _upper_fraction(a: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(a, x) by its continued fraction (x >= a + 1)."""
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, _ITER):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def gamma_p(a: float, x: float) -> float:
    """Regularised lower incomplete gamma P(a, x), for a > 0 and x >= 0."""
    if x <= 0:
        return 0.0
    if x < a + 1.0:
        return _lower_series(a, x)
    return 1.0 - _upper_fraction(a, x)


def gamma_q(a: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(a, x) = 1 - P(a, x)."""
    if x <= 0:
        return 1.0
    if x < a + 1.0:
        return 1.0 - _lower_series(a, x)
    return _upper_fraction(a, x)


def poisson_sf(k: int, lam: float) -> float:
    """P(X >= k) for X ~ Poisson(lam)."""
    if k <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    return gamma_p(float(k), lam)


def chi2_sf(x: float, df: int) -> float:
    """P(X >= x) for X ~ chi-square(df)."""
    if df <= 0:
        return 1.0
    return gamma_q(df / 2.0, x / 2.0)


def wilson(successes: int, trials: int, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson score interval (95 % by default) of ``successes / trials``."""
    if trials <= 0:
        return (0.0, 1.0)
    p = successes / trials
    denom = 1.0 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))
