"""Counting a ranked contest (docs/ranked.md) once its rows are decrypted: reading the
rows, then instant-runoff rounds or Schulze's pairwise matrix and strongest paths.

No cryptography: ``--ballots`` rows of a contest of ``--candidates`` candidates with
``--ranks`` positions, each a ranking of random length (1 to ``--ranks``) in an order
drawn from a fixed seed, with a share of rows given to a few "popular" orders (as real
rankings cluster), are counted by ``protocol.ranked.count_contest`` for each method; the
rows are what the tally's decrypted ``contest#row/rank-i`` entries hold.

Run from the repository root::

    python benchmarks/bench_ranked_count.py [--ballots 100000] [--candidates 10] [--ranks 10]

This is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from honestballot.protocol.manifest import Contest, Label, Option
from honestballot.protocol.ranked import count_contest


def contest(candidates: int, ranks: int, method: str) -> Contest:
    lab = Label("Кандидат", "Үміткер", "Candidate")
    return Contest(
        "leader",
        lab,
        tuple(Option(f"c{i}", lab) for i in range(candidates)),
        1,
        ranks,
        False,
        count="mix",
        method=method,
    )


def rows(ballots: int, candidates: int, ranks: int) -> list[list[int]]:
    rng = random.Random(20)
    popular = [rng.sample(range(1, candidates + 1), ranks) for _ in range(5)]
    out = []
    for _ in range(ballots):
        order = (
            rng.choice(popular)
            if rng.random() < 0.6
            else rng.sample(range(1, candidates + 1), ranks)
        )
        length = rng.randint(1, ranks)
        out.append(order[:length] + [0] * (ranks - length))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ballots", type=int, default=100_000)
    ap.add_argument("--candidates", type=int, default=10)
    ap.add_argument("--ranks", type=int, default=10)
    ap.add_argument("--json", metavar="OUT")
    a = ap.parse_args()
    decrypted = rows(a.ballots, a.candidates, a.ranks)
    figures: dict[str, object] = {
        "ballots": a.ballots,
        "candidates": a.candidates,
        "ranks": a.ranks,
    }
    for method in ("irv", "schulze"):
        c = contest(a.candidates, a.ranks, method)
        t = time.perf_counter()
        item = count_contest(c, bytes(32), decrypted)
        figures[f"{method}_s"] = time.perf_counter() - t
        figures[f"{method}_winner"] = item["winner"]
        if method == "irv":
            figures["irv_rounds"] = len(item["rounds"])
        print(f"{method}: {figures[f'{method}_s']:.2f} s, winner {item['winner']}", flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
