"""Run ``honestballot audit`` (the command, as a user would) on independently made rolls
and score each check against the generator's ground truth.

    python benchmarks/audit_independent/score.py --rows 20000 --seeds 7001 7002 7003

For each seed: generate (``generate.py``) into a temporary directory, run the audit with
the closed window and reference day from truth.json, read its organiser JSON, and count
per check the cases it reports at medium or above (roll line, voter or organisation, as
docs/audit.md defines a case). Counts are pooled over the seeds; precision and recall are
given with 95 % Wilson score intervals. ``--examples FILE`` writes the false flags and
misses with the audit's own detail and the generator's scene for each.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RANKS = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
VOTER_CHECKS = ("activity.", "device.", "session.", "code.", "cast.")


def case_key(check: str, record: dict[str, Any]) -> str:
    """The case a record stands for: roll line, voter, or organisation."""
    if check.startswith("turnout."):
        return str(record.get("group") or record.get("name"))
    if check.startswith(VOTER_CHECKS):
        return str(record["voter"])
    return str(record["line"])


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (math.nan, math.nan)
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def meets_target(runs: list[tuple[int, int, int]]) -> bool:
    """Issue 19's target: with at least 20 true cases per run, precision and recall of
    0.95 (pooled point estimates); with fewer, at most one false flag and one miss in
    every run."""
    tp = sum(r[0] for r in runs)
    fp = sum(r[1] for r in runs)
    fn = sum(r[2] for r in runs)
    if (tp + fn) / len(runs) >= 20:
        return tp >= 0.95 * (tp + fp) and tp >= 0.95 * (tp + fn)
    return all(r[1] <= 1 and r[2] <= 1 for r in runs)


def audit(directory: Path, truth: dict[str, Any], cli: list[str]) -> dict[str, Any]:
    out = directory / "findings.json"
    cmd = [
        *cli,
        "audit",
        str(directory / "roll.csv"),
        "--activity",
        str(directory / "activity.csv"),
        "--as-of",
        truth["as_of"],
        "--json",
        str(out),
        "--quiet",
        "--fail-on",
        "critical",
    ]
    for window in truth["closed_windows"]:
        cmd += ["--closed-window", window]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"audit failed ({done.returncode}): {done.stderr}")
    result: dict[str, Any] = json.loads(out.read_text("utf-8"))
    return result


def score_run(
    findings: dict[str, Any], truth: dict[str, Any], examples: list[dict[str, Any]], seed: int
) -> dict[str, tuple[int, int, int]]:
    """Per check: (true positives, false flags, misses)."""
    predicted: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for f in findings["findings"]:
        if RANKS[f["severity"]] < RANKS["medium"] or not f["count"]:
            continue
        if f.get("records_truncated"):
            print(f"warning: {f['check']} {f['severity']} records truncated", file=sys.stderr)
        for r in f["records"]:
            predicted[f["check"]].setdefault(
                case_key(f["check"], r), {**r, "severity": f["severity"]}
            )
    scenes = truth["scenes"]
    out: dict[str, tuple[int, int, int]] = {}
    for check in sorted(set(truth["checks"]) | set(predicted)):
        cases = truth["checks"].get(check, {"true": [], "excused": []})
        true = {str(c) for c in cases["true"]}
        excused = {str(c) for c in cases["excused"]}
        pred = predicted.get(check, {})
        hits = true & pred.keys()
        false = pred.keys() - true - excused
        missed = true - pred.keys()
        out[check] = (len(hits), len(false), len(missed))
        voter_side = check.startswith(VOTER_CHECKS)
        for key in sorted(false):
            r = pred[key]
            where = scenes["voters"] if voter_side else scenes["lines"]
            examples.append(
                {
                    "seed": seed,
                    "check": check,
                    "kind": "false flag",
                    "case": key,
                    "severity": r["severity"],
                    "detail": r.get("detail"),
                    "scene": where.get(key, "honest"),
                }
            )
        for key in sorted(missed):
            where = scenes["voters"] if voter_side else scenes["lines"]
            examples.append(
                {
                    "seed": seed,
                    "check": check,
                    "kind": "miss",
                    "case": key,
                    "scene": where.get(key, ""),
                }
            )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--examples", type=Path, help="write false flags and misses (JSON)")
    parser.add_argument("--keep", type=Path, help="keep the generated files under this folder")
    parser.add_argument(
        "--cli",
        default=f"{sys.executable} -m honestballot",
        help="the audit command (default: this Python's honestballot)",
    )
    args = parser.parse_args()
    pooled: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    per_seed: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    examples: list[dict[str, Any]] = []
    started = time.perf_counter()
    for seed in args.seeds:
        with tempfile.TemporaryDirectory(prefix="hb-indep-") as tmp:
            directory = (args.keep / str(seed)) if args.keep else Path(tmp)
            subprocess.run(
                [
                    sys.executable,
                    str(HERE / "generate.py"),
                    str(directory),
                    "--rows",
                    str(args.rows),
                    "--seed",
                    str(seed),
                ],
                check=True,
                capture_output=True,
            )
            truth = json.loads((directory / "truth.json").read_text("utf-8"))
            findings = audit(directory, truth, args.cli.split())
            for check, counts in score_run(findings, truth, examples, seed).items():
                per_seed[check].append(counts)
                for i in range(3):
                    pooled[check][i] += counts[i]
    seeds = " ".join(map(str, args.seeds))
    print(
        f"Independent roll, {args.rows:,} rows, seeds {seeds}; cases reported at medium or "
        f"above; pooled; 95 % Wilson intervals ({time.perf_counter() - started:.0f} s)\n"
    )
    print(
        "| check | true cases | flagged | false flags | misses | precision | recall "
        "| worst run (false flags / misses) | target |"
    )
    print("|---|---:|---:|---:|---:|---|---|---|---|")
    for check in sorted(pooled):
        tp, fp, fn = pooled[check]
        p_lo, p_hi = wilson(tp, tp + fp)
        r_lo, r_hi = wilson(tp, tp + fn)
        prec = f"{tp / (tp + fp):.3f} [{p_lo:.2f}, {p_hi:.2f}]" if tp + fp else "–"
        rec = f"{tp / (tp + fn):.3f} [{r_lo:.2f}, {r_hi:.2f}]" if tp + fn else "–"
        runs = per_seed[check]
        worst = f"{max(r[1] for r in runs)} / {max(r[2] for r in runs)}"
        print(
            f"| `{check}` | {tp + fn} | {tp + fp} | {fp} | {fn} | {prec} | {rec} | {worst} "
            f"| {'met' if meets_target(runs) else '**not met**'} |"
        )
    if args.examples:
        args.examples.write_text(json.dumps(examples, ensure_ascii=False, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    raise SystemExit(main())
