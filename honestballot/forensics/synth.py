"""Synthetic per-station results, honest or with injected fraud, and exit polls of them.

For the tests and the benchmark: the project's own data, with a known truth.

Honest model: regions with their own mean turnout and leader's share; per station,
registered voters ~ 200-3,000, turnout ~ Beta around the region's mean, share ~ Beta
around the region's mean *independently of turnout*, ballots given ~ Binomial, 1.5 %
invalid, the leader's votes ~ Binomial(valid, share), the rest split among three others.
Injections (fractions of stations): turnout or leader's share written as a whole
percent (stations of at least 1,000 voters, where a rounded count gives an exact integer
percent); ballot stuffing for the leader at those stations (xi ~ U(0.3, 0.8) of the
non-voters' ballots); a shift of votes from the others to the leader everywhere (the
count differs from how people voted, which an exit poll sees).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

HEADER = [
    "region",
    "tik",
    "uik",
    "Число избирателей, включенных в список избирателей",
    "Число избирательных бюллетеней, полученных участковой избирательной комиссией",
    "Число избирательных бюллетеней, выданных избирателям, проголосовавшим досрочно",
    "Число избирательных бюллетеней, выданных в помещении для голосования в день голосования",
    "Число избирательных бюллетеней, выданных вне помещения для голосования в день голосования",
    "Число погашенных избирательных бюллетеней",
    "Число избирательных бюллетеней в переносных ящиках для голосования",
    "Число бюллетеней в стационарных ящиках для голосования",
    "Число недействительных избирательных бюллетеней",
    "Число действительных избирательных бюллетеней",
    "Число утраченных избирательных бюллетеней",
    "Число избирательных бюллетеней, не учтенных при получении",
]
CANDIDATES = ["Кандидат А", "Кандидат Б", "Кандидат В", "Кандидат Г"]


def _beta(rng: np.random.Generator, mean: np.ndarray, sd: float) -> np.ndarray:
    mean = np.clip(mean, 0.02, 0.98)
    k = mean * (1 - mean) / sd**2 - 1
    return np.asarray(rng.beta(mean * k, (1 - mean) * k))


@dataclass
class SynthElection:
    region: np.ndarray
    voters: np.ndarray
    given: np.ndarray
    invalid: np.ndarray
    votes: np.ndarray  # (n, 4), column 0 the leader
    true_votes: np.ndarray  # how people voted, before any shift
    rounded: np.ndarray  # bool: the injected stations
    stuffed: np.ndarray

    @property
    def size(self) -> int:
        return int(self.voters.size)

    def rows(self) -> list[list[str]]:
        out = []
        valid = self.votes.sum(axis=1)
        for i in range(self.size):
            early = int(self.given[i] // 20)
            outside = int(self.given[i] // 15)
            at_station = int(self.given[i]) - early - outside
            received = int(self.given[i]) + 50
            out.append(
                [
                    f"Регион {self.region[i] + 1}",
                    f"ТИК {i // 50 + 1}",
                    str(i + 1),
                    str(self.voters[i]),
                    str(received),
                    str(early),
                    str(at_station),
                    str(outside),
                    str(received - int(self.given[i])),
                    str(outside),
                    str(int(self.given[i]) - outside),
                    str(self.invalid[i]),
                    str(valid[i]),
                    "0",
                    "0",
                    *(str(v) for v in self.votes[i]),
                ]
            )
        return out

    def write_csv(self, path: Path) -> Path:
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(HEADER + CANDIDATES)
            w.writerows(self.rows())
        return path

    def exit_poll(
        self,
        path: Path,
        stations: int = 80,
        respondents: int = 150,
        refusal_rate: float = 0.3,
        seed: int = 7,
    ) -> Path:
        """An exit poll of randomly chosen stations, respondents drawn from how people
        voted there (``true_votes``); refusers are a random ``refusal_rate`` of those asked."""
        rng = np.random.default_rng(seed)
        chosen = np.sort(rng.choice(self.size, size=min(stations, self.size), replace=False))
        rows: list[dict[str, Any]] = []
        for i in chosen:
            true = self.true_votes[i] / self.true_votes[i].sum()
            asked = respondents + int(rng.binomial(respondents, refusal_rate))
            refused = asked - respondents
            counts = rng.multinomial(respondents, true)
            rows.append(
                {
                    "region": f"Регион {self.region[i] + 1}",
                    "station": f"ТИК {i // 50 + 1} / {i + 1}",
                    "respondents": {c: int(n) for c, n in zip(CANDIDATES, counts, strict=True)},
                    "refusals": refused,
                }
            )
        doc = {
            "format": "honestballot-exit-poll/1",
            "organisation": "synthetic",
            "design": {
                "stations": f"{len(chosen)} stations drawn at random",
                "respondents": "every voter leaving, until the quota",
                "random_stations": True,
            },
            "stations": rows,
        }
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), "utf-8")
        return path


def generate(
    stations: int = 5000,
    seed: int = 1,
    *,
    regions: int = 20,
    turnout_rounding: float = 0.0,
    share_rounding: float = 0.0,
    stuffing: float = 0.0,
    shift: float = 0.0,
    fraud_regions: tuple[int, ...] | None = None,
) -> SynthElection:
    """A synthetic election; the injected fractions are of all stations, drawn from the
    regions ``fraud_regions`` (indexes from 0) or from every region."""
    rng = np.random.default_rng(seed)
    region = rng.integers(0, regions, stations)
    voters = np.round(np.exp(rng.uniform(np.log(200), np.log(3000), stations))).astype(np.int64)
    t_mean = rng.normal(0.55, 0.05, regions)[region]
    s_mean = rng.normal(0.45, 0.05, regions)[region]
    turnout = _beta(rng, t_mean, 0.06)
    share = _beta(rng, s_mean, 0.06)
    given = rng.binomial(voters, turnout)
    invalid = rng.binomial(given, 0.015)
    valid = given - invalid
    leader = rng.binomial(valid, share)
    rest = valid - leader
    others = np.stack([rng.binomial(rest, 0.5), np.zeros_like(rest), np.zeros_like(rest)], axis=1)
    left = rest - others[:, 0]
    others[:, 1] = rng.binomial(left, 0.6)
    others[:, 2] = left - others[:, 1]
    votes = np.column_stack([leader, others])
    true_votes = votes.copy()
    where = np.ones(stations, bool) if fraud_regions is None else np.isin(region, fraud_regions)
    big = np.flatnonzero((voters >= 1000) & where)
    rounded = np.zeros(stations, bool)
    stuffed = np.zeros(stations, bool)
    if shift:
        moved = rng.binomial(votes[:, 1:], shift)
        votes[:, 1:] -= moved
        votes[:, 0] += moved.sum(axis=1)
    if stuffing:
        pick = rng.choice(np.flatnonzero(where), int(stuffing * stations), replace=False)
        xi = rng.uniform(0.3, 0.8, pick.size)
        extra = np.round(xi * (voters[pick] - given[pick])).astype(np.int64)
        given[pick] += extra
        votes[pick, 0] += extra
        stuffed[pick] = True
    if turnout_rounding:
        pick = rng.choice(big, int(turnout_rounding * stations), replace=False)
        target = np.round(100 * given[pick] / voters[pick]) + rng.choice([-1, 0, 1], pick.size)
        new = np.round(voters[pick] * target / 100).astype(np.int64)
        diff = new - given[pick]
        given[pick] = new
        votes[pick, 0] = np.maximum(votes[pick, 0] + diff, 0)
        rounded[pick] = True
    if share_rounding:
        pick = rng.choice(big, int(share_rounding * stations), replace=False)
        received = votes[pick].sum(axis=1) + invalid[pick]
        target = np.round(100 * votes[pick, 0] / received) + 1
        new = np.round(received * target / 100).astype(np.int64)
        diff = new - votes[pick, 0]
        take = np.minimum(diff, votes[pick, 1])
        votes[pick, 0] += take
        votes[pick, 1] -= take
        rounded[pick] = True
    return SynthElection(region, voters, given, invalid, votes, true_votes, rounded, stuffed)
