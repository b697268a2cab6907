"""Whole-record verification throughput: ``honestballot verify`` on a demo record.

Builds a demo election record (``run_demo``: two contests, 13 encrypted options per
ballot) with the given number of voters, then verifies it with 1 worker and with every
core, and prints ballots verified per second.

    python benchmarks/bench_verify.py --voters 1000
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from honestballot.crypto.randomness import SeededRandomness
from honestballot.service.demo import run_demo
from honestballot.verify.verifier import verify_record_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--voters", type=int, default=1000)
    parser.add_argument("--record", type=Path, help="verify this record instead of building one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        record = args.record
        if record is None:
            t0 = time.perf_counter()
            outcome = run_demo(Path(tmp), SeededRandomness("bench-verify"), voters=args.voters)
            record = outcome.record_path
            print(f"built a record of {args.voters} voters in {time.perf_counter() - t0:.1f} s")
        cores = os.cpu_count() or 1
        for workers in sorted({1, cores}):
            t0 = time.perf_counter()
            report = verify_record_file(str(record), workers=workers)
            elapsed = time.perf_counter() - t0
            assert report.passed, [c.detail for c in report.failures]
            ballots = report.stats["ballots_cast"] + report.stats["ballots_audited"]
            print(
                f"workers={workers}: whole record verified in {elapsed:.2f} s; "
                f"{ballots} ballots, {ballots / elapsed:.0f} ballots/s "
                f"({elapsed / ballots * 1e3:.2f} ms per ballot, all checks included)"
            )


if __name__ == "__main__":
    main()
