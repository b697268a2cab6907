"""Benchmark the audit: rows per second and peak memory.

    python benchmarks/bench_audit.py --rows 1000000
    python benchmarks/bench_audit.py --rows 10000000 --format parquet
    python benchmarks/bench_audit.py --rows 10000000 --generator field --mix B --seed 7 \
        --activity --data-dir /tmp/f10m
    python benchmarks/bench_audit.py --rows 1000000 --generator field --mix B --seed 301 \
        --activity --data-dir /tmp/f1m --on-bad-row fail

``--activity`` audits the activity log too (the field generator writes about two events
a member: a code, a sign-in and a cast for each voter, and re-votes).

The synthetic roll is generated first (not timed) with honestballot.audit.synth; the
audit then runs in a fresh child process so that its peak RSS (getrusage of the
children) counts the audit alone. Figures go to docs/performance.md by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import json, sys, time
from pathlib import Path
from honestballot.audit.config import AuditConfig, ClosedWindow
from honestballot.audit.engine import run_audit
roll, windows, threads = Path(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
activity = Path(sys.argv[4]) if sys.argv[4] else None
memory_limit = sys.argv[5] or None
on_bad_row = sys.argv[6]
cfg = AuditConfig(closed_windows=tuple(ClosedWindow.parse(w) for w in windows))
t = time.perf_counter()
result = run_audit(roll, activity, cfg, on_bad_row, threads or None, memory_limit)
elapsed = time.perf_counter() - t
print(json.dumps({"seconds": elapsed, "rows": result.rows_read["roll"],
                  "events": result.rows_read.get("activity", 0),
                  "findings": sum(f.count for f in result.findings)}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=0, help="0 = all cores")
    parser.add_argument("--data-dir", type=Path, help="keep/reuse generated data here")
    parser.add_argument("--generator", choices=["patterns", "field"], default="patterns")
    parser.add_argument("--mix", default="B", help="the field generator's background")
    parser.add_argument("--activity", action="store_true", help="audit the activity log too")
    parser.add_argument("--memory-limit", default="", help="the audit's --memory-limit")
    parser.add_argument(
        "--on-bad-row",
        choices=["skip", "fail"],
        default="skip",
        help="the audit's --on-bad-row (fail checks the roll's rows before the log is read)",
    )
    args = parser.parse_args()

    import duckdb

    from honestballot.audit.synth import generate
    from honestballot.audit.synth_field import generate_field

    tmp = None
    if args.data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="hb-bench-")
        data_dir = Path(tmp.name)
    else:
        data_dir = args.data_dir
    roll = data_dir / f"roll.{args.format}"
    truth = data_dir / "truth.json"
    started = time.perf_counter()
    activity = data_dir / "activity.csv"
    if (
        not roll.exists()
        or json.loads(truth.read_text())["rows"] != args.rows
        or (args.activity and not activity.exists())
    ):
        if args.generator == "field":
            generate_field(
                data_dir,
                args.rows,
                args.seed,
                args.mix,
                with_activity=args.activity,
                fmt=args.format,
            )
        else:
            generate(data_dir, args.rows, args.seed, with_activity=args.activity, fmt=args.format)
    generated = time.perf_counter() - started
    windows = json.loads(truth.read_text())["closed_windows"]
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(roll),
            json.dumps(windows),
            str(args.threads),
            str(activity) if args.activity else "",
            args.memory_limit,
            args.on_bad_row,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    child = json.loads(out.stdout.strip().splitlines()[-1])
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    report = {
        "rows": child["rows"],
        "events": child["events"],
        "format": args.format,
        "file_mib": round(roll.stat().st_size / 2**20, 1),
        "generate_seconds": round(generated, 2),
        "audit_seconds": round(child["seconds"], 2),
        "rows_per_second": round(child["rows"] / child["seconds"]),
        "peak_rss_mib": round(peak_kib / 1024),
        "memory_limit": args.memory_limit or "default",
        "on_bad_row": args.on_bad_row,
        "findings_records": child["findings"],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }
    print(json.dumps(report, indent=2))
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
