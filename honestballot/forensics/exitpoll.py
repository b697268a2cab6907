"""An observer group's exit poll compared with the official count.

The poll file (JSON, docs/forensics.md "Exit-poll file")::

    {"format": "honestballot-exit-poll/1",
     "organisation": "...",
     "design": {"stations": "how the stations were chosen",
                "respondents": "how respondents were picked (e.g. every 5th voter)",
                "random_stations": true},
     "stations": [{"region": "...", "station": "TIK / UIK as in the results",
                   "respondents": {"<candidate column>": 123, ...}, "refusals": 40}, ...]}

Stations are the clusters: the sampling error of a share comes from the variation
between stations, not only from the number of respondents.  For a region (and for the
whole poll) and every candidate, with ``y_i`` the candidate's respondents at station i,
``m_i`` the station's respondents and ``o_i`` the official share there:

- the poll's share ``p = sum y / sum m`` (a ratio estimator) and its cluster standard
  error ``sqrt(n / (n - 1) * sum (y_i - p m_i)^2) / sum m``; the design effect is its
  variance over the simple-random-sample one ``p (1 - p) / sum m``;
- the paired difference with the count at the same stations,
  ``d = sum (y_i - o_i m_i) / sum m``, with the same cluster standard error over
  ``y_i - o_i m_i``; ``z = d / se`` and a two-sided normal p-value.  This needs no
  assumption about how stations were chosen; comparing with the region's whole official
  result does, and the report shows it only when the design says stations were random.

A region is flagged when the paired p-value, Holm-corrected over regions and candidates,
is below the level.  A single station is only a flag: a binomial z-test of its poll share
against its official share, Bonferroni-corrected for the number of stations tested.

Refusals: with ``r`` refusals, the respondents' share is bounded by the worst cases in
which every refuser voted for the candidate or none did: ``[y / (m + r), (y + r) / (m + r)]``
(Manski bounds).  No interval removes refusal bias; an official share inside these bounds
can be explained by refusals alone, and the report says so.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from honestballot.forensics.digits import holm
from honestballot.forensics.stations import BadRow, ForensicsInputError, Stations

FORMAT = "honestballot-exit-poll/1"
Z_95 = 1.959963984540054


def normal_p(z: float) -> float:
    """Two-sided p-value of a standard normal statistic."""
    return math.erfc(abs(z) / math.sqrt(2))


def normal_quantile(p: float) -> float:
    """The standard normal quantile, by bisection on ``erfc`` (to about 1e-12)."""
    if not 0 < p < 1:
        raise ValueError("p must be in (0, 1)")
    lo, hi = -40.0, 40.0
    for _ in range(200):  # bisection on erfc: plenty for 1e-12
        mid = (lo + hi) / 2
        if 0.5 * math.erfc(-mid / math.sqrt(2)) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


@dataclass(frozen=True)
class PollStation:
    region: str
    station: str
    respondents: dict[str, int]
    refusals: int
    line: int  # the station's index in the file, from 1


@dataclass(frozen=True)
class ExitPoll:
    organisation: str
    design: dict[str, Any]
    stations: list[PollStation]
    bad: list[BadRow]

    @property
    def random_stations(self) -> bool:
        return bool(self.design.get("random_stations", False))


def load_exit_poll(path: Path) -> ExitPoll:
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ForensicsInputError(f"{path}: not a JSON exit poll ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ForensicsInputError(f"{path}: not an exit-poll file (format must be {FORMAT})")
    design = doc.get("design")
    if not isinstance(design, dict) or not design.get("stations") or not design.get("respondents"):
        raise ForensicsInputError(
            f"{path}: the design must say how stations and respondents were chosen"
        )
    rows = doc.get("stations")
    if not isinstance(rows, list) or not rows:
        raise ForensicsInputError(f"{path}: no stations")
    out: list[PollStation] = []
    bad: list[BadRow] = []
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            bad.append(BadRow(i, "bad.poll_row"))
            continue
        resp = row.get("respondents")
        refusals = row.get("refusals", 0)
        if (
            not isinstance(resp, dict)
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in resp.values())
            or not isinstance(refusals, int)
        ):
            bad.append(BadRow(i, "bad.not_number", str(row.get("station", ""))))
            continue
        if any(v < 0 for v in resp.values()) or refusals < 0:
            bad.append(BadRow(i, "bad.negative", str(row.get("station", ""))))
            continue
        if sum(resp.values()) == 0:
            bad.append(BadRow(i, "bad.poll_empty", str(row.get("station", ""))))
            continue
        out.append(
            PollStation(
                str(row.get("region", "")),
                str(row.get("station", "")),
                {str(k): int(v) for k, v in resp.items()},
                int(refusals),
                i,
            )
        )
    return ExitPoll(str(doc.get("organisation", "")), design, out, bad)


def _cluster(y: np.ndarray, m: np.ndarray, p: float) -> float:
    n = y.size
    if n < 2 or m.sum() == 0:
        return float("nan")
    return float(math.sqrt(n / (n - 1) * float(((y - p * m) ** 2).sum())) / m.sum())


def compare(poll: ExitPoll, s: Stations, level: float = 0.01) -> dict[str, Any]:
    """The comparison (JSON-ready): regions, the whole poll, flagged stations."""
    index = {(s.regions[s.region[i]], s.station[i]): i for i in range(s.size)}
    # an honestballot result has one region: the poll may leave it empty
    single = s.regions[0] if len(s.regions) == 1 else None
    matched: list[tuple[PollStation, int]] = []
    bad = list(poll.bad)
    cand = {c: j for j, c in enumerate(s.candidates)}
    for ps in poll.stations:
        key = (ps.region or single or "", ps.station)
        i = index.get(key)
        unknown = [c for c in ps.respondents if c not in cand]
        if i is None:
            bad.append(BadRow(ps.line, "bad.poll_station", f"{ps.region} {ps.station}"))
        elif unknown:
            bad.append(BadRow(ps.line, "bad.poll_option", unknown[0]))
        elif s.valid[i] == 0:
            bad.append(BadRow(ps.line, "bad.poll_station", f"{ps.region} {ps.station}: 0"))
        else:
            matched.append((ps, i))
    if not matched:
        raise ForensicsInputError("no exit-poll station matches a station in the results")
    k = len(s.candidates)
    y = np.array([[ps.respondents.get(c, 0) for c in s.candidates] for ps, _ in matched], float)
    m = y.sum(axis=1)
    refusals = np.array([ps.refusals for ps, _ in matched], float)
    idx = np.array([i for _, i in matched])
    official = s.votes[idx] / s.valid[idx][:, None]
    regions = [s.regions[s.region[i]] for i in idx]
    groups: dict[str, np.ndarray] = {"": np.ones(len(matched), bool)}
    for r in dict.fromkeys(regions):
        groups[r] = np.array([x == r for x in regions])
    rows: list[dict[str, Any]] = []
    for name, g in groups.items():
        in_region = np.ones(s.size, bool) if name == "" else s.region == s.regions.index(name)
        whole = s.votes[in_region].sum(axis=0) / max(int(s.valid[in_region].sum()), 1)
        for j in range(k):
            yj, mj, oj = y[g, j], m[g], official[g, j]
            p = float(yj.sum() / mj.sum())
            se = _cluster(yj, mj, p)
            srs = math.sqrt(max(p * (1 - p), 1e-12) / mj.sum())
            diff = yj - oj * mj
            d = float(diff.sum() / mj.sum())
            se_d = _cluster(diff, mj, 0.0) if g.sum() > 1 else float("nan")
            z = d / se_d if se_d and se_d > 0 else float("nan")
            r_all = refusals[g].sum()
            rows.append(
                {
                    "region": name,
                    "candidate": s.candidates[j],
                    "stations": int(g.sum()),
                    "respondents": int(mj.sum()),
                    "refusals": int(r_all),
                    "refusal_rate": float(r_all / (r_all + mj.sum())),
                    "poll_share": p,
                    "poll_se": se,
                    "design_effect": (se / srs) ** 2 if se == se else float("nan"),
                    "poll_low": p - Z_95 * se if se == se else float("nan"),
                    "poll_high": p + Z_95 * se if se == se else float("nan"),
                    "refusal_low": float(yj.sum() / (mj.sum() + r_all)),
                    "refusal_high": float((yj.sum() + r_all) / (mj.sum() + r_all)),
                    "official_share_sampled": float((oj * mj).sum() / mj.sum()),
                    "official_share_whole": float(whole[j]),
                    "difference": d,
                    "difference_se": se_d,
                    "z": z,
                    "p_value": normal_p(z) if z == z else float("nan"),
                }
            )
    testable = [i for i, r in enumerate(rows) if r["p_value"] == r["p_value"]]
    adj = holm([rows[i]["p_value"] for i in testable])
    for i, a in zip(testable, adj, strict=True):
        r = rows[i]
        r["p_holm"] = a
        r["flagged"] = bool(a < level)
        # outside even the refusal bounds widened by the sampling interval
        r["beyond_refusal_bounds"] = bool(
            r["official_share_sampled"] < r["refusal_low"] - Z_95 * r["poll_se"]
            or r["official_share_sampled"] > r["refusal_high"] + Z_95 * r["poll_se"]
        )
    for r in rows:
        r.setdefault("p_holm", None)
        r.setdefault("flagged", False)
        r.setdefault("beyond_refusal_bounds", False)
    # single stations: flags only, Bonferroni over stations x candidates tested
    tests = len(matched) * k
    z_crit = normal_quantile(1 - level / (2 * tests))
    flags: list[dict[str, Any]] = []
    for a, (ps, _i) in enumerate(matched):
        for j in range(k):
            o = float(official[a, j])
            var = m[a] * o * (1 - o)
            if var <= 0:
                continue
            zz = float((y[a, j] - m[a] * o) / math.sqrt(var))
            if abs(zz) > z_crit:
                flags.append(
                    {
                        "region": ps.region,
                        "station": ps.station,
                        "candidate": s.candidates[j],
                        "poll_share": float(y[a, j] / m[a]),
                        "official_share": o,
                        "respondents": int(m[a]),
                        "refusals": int(refusals[a]),
                        "z": zz,
                    }
                )
    return {
        "organisation": poll.organisation,
        "design": poll.design,
        "random_stations": poll.random_stations,
        "level": level,
        "stations_matched": len(matched),
        "station_tests": tests,
        "station_z_critical": z_crit,
        "rows": rows,
        "station_flags": flags,
        "bad_rows": [{"line": b.line, "reason": b.reason, "detail": b.detail} for b in bad],
    }
