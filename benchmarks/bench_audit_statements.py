"""Which of the audit's statements take the time and spill: one row per statement.

    python benchmarks/bench_audit_statements.py --data-dir /tmp/f1m \
        --closed-window 2023-09-01T00:00:00/2023-09-15T00:00:00
    python benchmarks/bench_audit_statements.py --data-dir /tmp/f10m --memory-limit 6GB \
        --closed-window 2023-09-01T00:00:00/2023-09-15T00:00:00 --top 25

Reads ``roll.csv`` and ``activity.csv`` from ``--data-dir`` (written by
``bench_audit.py --generator field --activity``) and runs ``run_audit`` in this process
with its connection wrapped: every ``execute`` is timed (wall clock and this process's
CPU time, all threads), and a sampling thread reads, every ``--interval`` seconds, the
size of DuckDB's spill directory (the audit's private ``hb-audit-*`` temporary
directory) and the process's resident memory. Each statement gets the spill at its
start and end and the largest seen while it ran, and the peak RSS while it ran.

Statements are named by the audit function that issued them and the start of their SQL;
the calls of one name are summed in the table printed (``--top`` rows, by CPU time), and
``--out`` writes every call as JSON lines, as it ends; ``--compare BEFORE AFTER`` prints
two such files side by side as a Markdown table:

    python benchmarks/bench_audit_statements.py --compare before.jsonl after.jsonl --top 20

The engine itself is not changed: the wrapper is this script's, so the audit's default
path carries no hook. "spill added" is how much the spill directory grew while the
statement ran: DuckDB's temporary files mostly keep their size when blocks in them are
freed, so the directory's size is nearly a high-water mark, and a statement that only
reuses freed blocks adds nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

PAGE = os.sysconf("SC_PAGE_SIZE")


def _dir_bytes(path: str) -> int:
    total = 0
    try:
        with os.scandir(path) as it:
            for entry in it:
                try:
                    st = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                # allocated, not apparent, size: DuckDB's temporary files are sparse
                total += st.st_blocks * 512
    except FileNotFoundError:
        pass
    return total


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Sampler(threading.Thread):
    """Samples the spill directory and RSS; ``window()`` gives the maxima since ``mark()``."""

    def __init__(self, interval: float) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.spill_dir: str | None = None
        self.lock = threading.Lock()
        self.max_spill = 0
        self.max_rss = 0
        self.stopped = threading.Event()

    def sample(self) -> tuple[int, int]:
        spill = _dir_bytes(self.spill_dir) if self.spill_dir else 0
        rss = _rss()
        with self.lock:
            self.max_spill = max(self.max_spill, spill)
            self.max_rss = max(self.max_rss, rss)
        return spill, rss

    def mark(self) -> int:
        spill, rss = (_dir_bytes(self.spill_dir) if self.spill_dir else 0), _rss()
        with self.lock:
            self.max_spill, self.max_rss = spill, rss
        return spill

    def window(self) -> tuple[int, int, int]:
        spill, _ = self.sample()
        with self.lock:
            return spill, self.max_spill, self.max_rss

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.sample()


def _caller() -> str:
    """The innermost audit function (outside collect's helpers) that issued the call."""
    frame = sys._getframe(2)
    names: list[str] = []
    while frame is not None:
        mod = frame.f_globals.get("__name__", "")
        if mod.startswith("honestballot.audit."):
            names.append(f"{mod.rsplit('.', 1)[1]}.{frame.f_code.co_name}")
        frame = frame.f_back  # type: ignore[assignment]
    inner = [n for n in names if not n.startswith("collect.")]
    if not names:
        return "?"
    # collect() issues the statements of every finding: name them by the check's function
    return inner[0] if inner and names[0].startswith("collect.") else names[0]


_TABLE = re.compile(r"(?:TABLE(?: IF NOT EXISTS)?|INTO)\s+(\w+)", re.I)


def _label(sql: str) -> str:
    flat = " ".join(sql.split())
    m = _TABLE.search(flat[:120])
    if m and flat.upper().startswith(("CREATE", "INSERT")):
        return m.group(1)
    return flat[:40]


class Profiled:
    """The connection with every ``execute`` timed."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        sampler: Sampler,
        log: list[dict[str, Any]],
        out: Any = None,
    ):
        self._con = con
        self._sampler = sampler
        self._log = log
        self._out = out

    def execute(self, sql: str, *args: Any, **kw: Any) -> Any:
        caller = _caller()
        spill0 = self._sampler.mark()
        cpu0, t0 = _cpu(), time.perf_counter()
        try:
            return self._con.execute(sql, *args, **kw)
        finally:
            wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
            spill1, spill_max, rss_max = self._sampler.window()
            row = {
                "caller": caller,
                "statement": _label(sql),
                "wall": wall,
                "cpu": cpu,
                "spill_start": spill0,
                "spill_end": spill1,
                "spill_max": spill_max,
                "rss_max": rss_max,
            }
            self._log.append(row)
            if self._out is not None:  # as it goes: a long run can be watched
                self._out.write(json.dumps(row) + "\n")
                self._out.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _summed(path: Path) -> dict[tuple[str, str], dict[str, float]]:
    out: dict[tuple[str, str], dict[str, float]] = {}
    for line in path.read_text().splitlines():
        row = json.loads(line)
        s = out.setdefault(
            (row["caller"], row["statement"]), {"wall": 0.0, "cpu": 0.0, "spill": 0.0}
        )
        s["wall"] += row["wall"]
        s["cpu"] += row["cpu"]
        s["spill"] = max(s["spill"], (row["spill_max"] - row["spill_start"]) / 2**20)
    return out


def compare(before: Path, after: Path, top: int) -> None:
    """A Markdown table of two runs' ``--out`` files, statement by statement."""
    a, b = _summed(before), _summed(after)
    zero = {"wall": 0.0, "cpu": 0.0, "spill": 0.0}
    keys = sorted(
        a.keys() | b.keys(), key=lambda k: -max(a.get(k, zero)["cpu"], b.get(k, zero)["cpu"])
    )
    print("| statement (function: table) | wall s | CPU s | spill added MiB |")
    print("|---|---:|---:|---:|")
    for k in keys[:top]:
        x, y = a.get(k, zero), b.get(k, zero)
        print(
            f"| `{k[0]}`: `{k[1]}` | {x['wall']:.1f} -> {y['wall']:.1f} "
            f"| {x['cpu']:.1f} -> {y['cpu']:.1f} | {x['spill']:,.0f} -> {y['spill']:,.0f} |"
        )
    for name, s in (("before", a), ("after", b)):
        print(
            f"{name}: {sum(v['wall'] for v in s.values()):.1f} s wall, "
            f"{sum(v['cpu'] for v in s.values()):.1f} CPU-s in statements"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("BEFORE", "AFTER"),
        help="print two runs' --out files side by side, and run nothing",
    )
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--closed-window", action="append", default=[])
    parser.add_argument("--memory-limit", default="")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--out", type=Path, help="every call as JSON lines")
    args = parser.parse_args(argv)
    if args.compare:
        compare(*args.compare, args.top)
        return 0
    if args.data_dir is None:
        parser.error("--data-dir is required")

    from honestballot.audit import engine
    from honestballot.audit.config import AuditConfig, ClosedWindow

    sampler = Sampler(args.interval)
    log: list[dict[str, Any]] = []
    real_connect = duckdb.connect
    out = args.out.open("w") if args.out else None

    def connect(database: str = ":memory:", **kw: Any) -> Any:
        config = kw.get("config") or {}
        sampler.spill_dir = config.get("temp_directory")
        return Profiled(real_connect(database, **kw), sampler, log, out)

    engine.duckdb.connect = connect  # type: ignore[assignment]
    cfg = AuditConfig(closed_windows=tuple(ClosedWindow.parse(w) for w in args.closed_window))
    sampler.start()
    cpu0, t0 = _cpu(), time.perf_counter()
    result = engine.run_audit(
        args.data_dir / "roll.csv",
        args.data_dir / "activity.csv",
        cfg,
        "skip",
        args.threads or None,
        args.memory_limit or None,
    )
    wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
    sampler.stopped.set()
    engine.duckdb.connect = real_connect  # type: ignore[assignment]

    if out is not None:
        out.close()
    sums: dict[tuple[str, str], dict[str, float]] = {}
    for row in log:
        s = sums.setdefault(
            (row["caller"], row["statement"]),
            {"calls": 0, "wall": 0.0, "cpu": 0.0, "spill_grow": 0, "spill_max": 0, "rss_max": 0},
        )
        s["calls"] += 1
        s["wall"] += row["wall"]
        s["cpu"] += row["cpu"]
        s["spill_grow"] = max(s["spill_grow"], row["spill_max"] - row["spill_start"])
        s["spill_max"] = max(s["spill_max"], row["spill_max"])
        s["rss_max"] = max(s["rss_max"], row["rss_max"])
    mib = 2**20
    print(
        f"{'caller':32} {'statement':28} {'calls':>5} {'wall s':>8} {'CPU s':>8} "
        f"{'spill+ MiB':>10} {'spill MiB':>9} {'RSS MiB':>8}"
    )
    for (caller, stmt), s in sorted(sums.items(), key=lambda kv: -kv[1]["cpu"])[: args.top]:
        print(
            f"{caller[:32]:32} {stmt[:28]:28} {s['calls']:5d} {s['wall']:8.2f} {s['cpu']:8.2f} "
            f"{s['spill_grow'] / mib:10.0f} {s['spill_max'] / mib:9.0f} {s['rss_max'] / mib:8.0f}"
        )
    print(
        json.dumps(
            {
                "wall": round(wall, 1),
                "cpu": round(cpu, 1),
                "statements_cpu": round(sum(r["cpu"] for r in log), 1),
                "spill_max_mib": round(max((r["spill_max"] for r in log), default=0) / mib),
                "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "findings_records": sum(f.count for f in result.findings),
                "rows": result.rows_read,
                "load_average": os.getloadavg(),
                "duckdb": duckdb.__version__,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
