"""Every method over one results file, nationally and per region, as one JSON-ready dict."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from honestballot.forensics.digits import DigitTest, benjamini_hochberg, digit_tests
from honestballot.forensics.integer import IntegerResult, integer_test
from honestballot.forensics.klimek import KlimekResult, klimek
from honestballot.forensics.shpilkin import ShpilkinResult, shpilkin
from honestballot.forensics.stations import Stations

LEVEL = 0.01  # every test's stated level

CITATIONS = {
    "integer": "Kobak D., Shpilkin S., Pshenichnikov M. S. Integer percentages as electoral "
    "falsification fingerprints. Annals of Applied Statistics 10(1):54-73, 2016; "
    "Significance 13(4) 2016, 15(3) 2018, 17(5) 2020.",
    "klimek": "Klimek P., Yegorov Y., Hanel R., Thurner S. Statistical detection of "
    "systematic election irregularities. PNAS 109(41):16469-16473, 2012.",
    "shpilkin": "Shpilkin S., turnout-stratified estimates of Russian elections (2009-2021), "
    "as described in Kobak, Shpilkin, Pshenichnikov, AOAS 2016.",
    "digits": "Beber B., Scacco A. What the numbers say: a digit-based test for election "
    "fraud. Political Analysis 20(2):211-234, 2012; Mebane W. R. Election forensics: vote "
    "counts and Benford's law, 2006.",
}


@dataclass
class Analysis:
    stations: Stations
    integer: IntegerResult | None
    shpilkin: ShpilkinResult | None
    klimek: KlimekResult | None
    digits: list[DigitTest]
    regions: list[dict[str, Any]]
    exit_poll: dict[str, Any] | None = None


def run(
    s: Stations,
    repetitions: int = 1000,
    seed: int = 42,
    *,
    fingerprint: bool = True,
    null: str = "binomial",
    progress: Callable[[str, int, int], None] | None = None,
) -> Analysis:
    """Every method; ``progress(task, advance, total)`` is told how far each one is."""

    def tick(task: str, total: int) -> Callable[[int], None]:
        return lambda k: progress(task, k, total) if progress else None

    integer = (
        integer_test(s, repetitions, seed, tick("integer", repetitions), null)
        if s.has_turnout
        else None
    )
    shp = shpilkin(s, seed=seed)
    kl = klimek(s, seed=seed) if fingerprint else None
    digits = digit_tests(s)
    regions = _regions(s, integer, seed, tick("regions", len(s.regions)), fingerprint)
    return Analysis(s, integer, shp, kl, digits, regions)


def _regions(
    s: Stations,
    integer: IntegerResult | None,
    seed: int,
    tick: Callable[[int], None],
    fingerprint: bool = True,
) -> list[dict[str, Any]]:
    """Every method per region, ranked: by the integer test's z (excess / MC s.d.), then
    by Shpilkin's excess as a share of the region's leader votes.  The Klimek fit of a
    region stops at the coarse grid (regions with at least 300 stations)."""
    table = integer.region_table() if integer else [{} for _ in s.regions]
    rows: list[dict[str, Any]] = []
    for r, name in enumerate(s.regions):
        sub = s.subset(s.region == r)
        row: dict[str, Any] = {"region": name, "stations": sub.size}
        row["integer"] = table[r]
        shp = shpilkin(sub, permutations=100, seed=seed) if sub.size >= 20 else None
        row["shpilkin"] = shp.to_json() if shp else None
        row["excess_share"] = (
            shp.excess_votes / max(float(sub.leader_votes.sum()), 1.0) if shp else None
        )
        kl = klimek(sub, seed, refine=False) if fingerprint and sub.size >= 300 else None
        row["klimek"] = kl.to_json() if kl else None
        dts = digit_tests(sub)
        # Holm within the region first: the smallest adjusted p is a p-value for the region
        row["digits_min_p"] = min((d.p_adjusted for d in dts), default=None)
        if sub.has_turnout and sub.size:
            row["turnout"] = float(sub.given.sum() / max(sub.voters.sum(), 1))
        row["leader_share"] = float(sub.leader_votes.sum() / max(sub.received.sum(), 1))
        rows.append(row)
        tick(1)

    # false discovery rate over regions, per test
    def p_of(x: dict[str, Any], key: str) -> float | None:
        value = {
            "integer_q": x["integer"].get("either_p_normal"),
            "shpilkin_q": (x["shpilkin"] or {}).get("p_normal"),
            "digits_q": x["digits_min_p"],
        }[key]
        return None if value is None else float(value)

    for key in ("integer_q", "shpilkin_q", "digits_q"):
        ps = [p_of(x, key) for x in rows]
        have = [i for i, p in enumerate(ps) if p is not None]
        q = benjamini_hochberg([float(ps[i] or 0.0) for i in have])
        for i, v in zip(have, q, strict=True):
            rows[i][key] = v

    def z(x: dict[str, Any]) -> float:
        sd = x["integer"].get("either_mc_sd") or 0.0
        return float(x["integer"].get("either_excess", 0.0)) / sd if sd else 0.0

    rows.sort(key=lambda x: (-z(x), -(x["excess_share"] or 0.0)))
    for rank, x in enumerate(rows, start=1):
        x["rank"] = rank
        x["integer_z"] = round(z(x), 3)
    return rows


def to_json(a: Analysis) -> dict[str, Any]:
    s = a.stations
    return {
        "format": "honestballot-forensics/1",
        "source": s.source,
        "stations": s.size,
        "regions": len(s.regions),
        "candidates": s.candidates,
        "leader": s.candidates[s.leader],
        "totals": {
            "voters": int(s.voters.sum()),
            "given": int(s.given.sum()),
            "received": int(s.received.sum()),
            "leader": int(s.leader_votes.sum()),
        },
        "level": LEVEL,
        "citations": CITATIONS,
        "bad_rows": [{"line": b.line, "reason": b.reason, "detail": b.detail} for b in s.bad_rows],
        "integer": a.integer.to_json() if a.integer else None,
        "shpilkin": a.shpilkin.to_json() if a.shpilkin else None,
        "klimek": a.klimek.to_json() if a.klimek else None,
        "digits": [d.to_json() for d in a.digits],
        "region_table": a.regions,
        "exit_poll": a.exit_poll,
    }


def histograms(s: Stations, width: float = 0.1) -> dict[str, np.ndarray]:
    """Stations per 0.1-point bin of turnout and of the leader's share (bins centred on
    multiples of 0.1, so an integer percent is a bin of its own)."""
    ok = s.received > 0
    edges = np.arange(-width / 2, 100 + width, width)
    share = 100 * s.leader_votes[ok] / s.received[ok]
    out = {"edges": edges, "share": np.histogram(share, edges)[0]}
    if s.has_turnout:
        ok2 = ok & (s.voters > 0) & (s.given < s.voters)
        out["turnout"] = np.histogram(100 * s.given[ok2] / s.voters[ok2], edges)[0]
    return out
