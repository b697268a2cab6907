"""Benchmark the forensics: 100,000 stations, the integer-percent test with 1,000
Monte-Carlo repetitions, Shpilkin's estimate and the digit tests (target: under 30 s
together); the Klimek fingerprint fit and the per-region pass timed separately.

    python benchmarks/bench_forensics.py
    python benchmarks/bench_forensics.py --stations 100000 --repetitions 1000 --null normal

The synthetic election (with 2 % of stations' turnout rounded and 5 % stuffed) is
generated and written to CSV first; reading the CSV is timed on its own.  Figures go to
docs/performance.md by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stations", type=int, default=100_000)
    parser.add_argument("--repetitions", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--null", choices=["binomial", "normal"], default="binomial")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    from honestballot.forensics.analysis import _regions
    from honestballot.forensics.digits import digit_tests
    from honestballot.forensics.integer import integer_test
    from honestballot.forensics.klimek import klimek
    from honestballot.forensics.loaders import load
    from honestballot.forensics.shpilkin import shpilkin
    from honestballot.forensics.synth import generate

    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        e = generate(args.stations, args.seed, turnout_rounding=0.02, stuffing=0.05)
        path = e.write_csv(Path(tmp) / "results.csv")
        t = time.perf_counter()
        s = load(path)
        times["read_csv"] = time.perf_counter() - t

    t = time.perf_counter()
    integer = integer_test(s, args.repetitions, args.seed, method=args.null, threads=args.threads)
    times["integer_test"] = time.perf_counter() - t
    t = time.perf_counter()
    shp = shpilkin(s, seed=args.seed)
    times["shpilkin_200_permutations"] = time.perf_counter() - t
    t = time.perf_counter()
    digits = digit_tests(s)
    times["digit_tests"] = time.perf_counter() - t
    times["target_total"] = (
        times["integer_test"] + times["shpilkin_200_permutations"] + times["digit_tests"]
    )
    t = time.perf_counter()
    kl = klimek(s, seed=args.seed)
    times["klimek_fit"] = time.perf_counter() - t
    t = time.perf_counter()
    _regions(s, integer, args.seed, lambda _: None)
    times["regions"] = time.perf_counter() - t
    print(
        json.dumps(
            {
                "stations": s.size,
                "repetitions": args.repetitions,
                "null": args.null,
                "threads": args.threads,
                "load_average_1min": round(os.getloadavg()[0], 2),
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "seconds": {k: round(v, 2) for k, v in times.items()},
                "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "integer_excess": round(float(integer.excess[0, 0]), 1),
                "shpilkin_excess": round(shp.excess_votes) if shp else None,
                "klimek": [kl.f_incremental, kl.f_extreme, kl.alpha] if kl else None,
                "digit_tests": len(digits),
            },
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
