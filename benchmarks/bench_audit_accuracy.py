"""Precision and recall of every audit check on synthetic rolls, with 95 % Wilson intervals.

    python benchmarks/bench_audit_accuracy.py --generator field --mix B --rows 20000 \
        --seeds 201 202 203 204 205
    python benchmarks/bench_audit_accuracy.py --generator field --mix B --rows 1000000 \
        --seeds 301

Each seed's roll and log are generated (not timed) into a temporary directory, audited
with the closed window from its truth.json, and scored: a check's prediction is the set
of cases it reports at medium or above (roll line, voter or organisation, as the truth
file says). Counts are pooled over the seeds; the table goes to docs/audit.md by hand.
A check with fewer than 20 true cases per run meets its target with at most one miss
and one false flag per run.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from honestballot.audit.config import AuditConfig, ClosedWindow
from honestballot.audit.engine import run_audit
from honestballot.audit.findings import Severity
from honestballot.audit.scoring import Score, format_table_ci, score
from honestballot.audit.synth import generate
from honestballot.audit.synth_field import generate_field


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generator", choices=["field", "patterns"], default="field")
    parser.add_argument("--mix", default="B")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[201])
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    pooled: dict[str, Score] = {}
    started = time.perf_counter()
    for seed in args.seeds:
        with tempfile.TemporaryDirectory(prefix="hb-accuracy-") as tmp:
            out = Path(tmp)
            if args.generator == "field":
                paths = generate_field(out, args.rows, seed, args.mix)
                roll, activity, truth = paths.roll, paths.activity, paths.truth
            else:
                p = generate(out, args.rows, seed)
                roll, activity, truth = p.roll, p.activity, p.truth
            windows = json.loads(truth.read_text("utf-8"))["closed_windows"]
            cfg = AuditConfig(
                closed_windows=tuple(ClosedWindow.parse(w) for w in windows),
                max_records=10**9,
            )
            result = run_audit(roll, activity, cfg, "skip", args.threads or None)
            for check, s in score(result, truth, Severity.MEDIUM).items():
                pooled[check] = pooled[check] + s if check in pooled else s
    mix = f", mix {args.mix}" if args.generator == "field" else ""
    print(
        f"{args.generator} generator{mix}, {args.rows:,} rows, seeds "
        f"{' '.join(map(str, args.seeds))} ({time.perf_counter() - started:.0f} s)\n"
    )
    print(format_table_ci(pooled, runs=len(args.seeds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
