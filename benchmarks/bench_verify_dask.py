"""Verification on a Dask cluster against the local process pool, what a task costs to
ship, and a projection to larger clusters and records.

Takes a version 1 election record (``--record``; no service makes one any more: the
voter flow and count of version 1 are gone, docs/coercion.md §14 item 8), starts a
``distributed.LocalCluster`` of as many one-thread worker processes as the local pool has
processes, and measures:

* the whole record verified with the local pool and through the cluster (``rounds``
  each, interleaved; medians and best runs), and inside each run the time of the
  ballot-proof phase, the only part the cluster takes over (the rest is the client's,
  serial), and the CPU time of this process and the workers together;
* per ballot, on one core: the proofs (``_verify_items``), the client's serial part
  (and its steps timed one by one), the bytes a ballot costs to ship in a task (pickled,
  as the chunks are sent) and the time to pickle it, and the memory the client holds
  per ballot;
* per task, through the cluster: the overhead of a trivial task (one item, check
  ``[] + chunk``), and the cost of shipping real chunks of ballots to a check that
  does nothing (``0 * chunk``): wall time, and CPU time in the client and in the workers;

and projects the time to verify ``--project`` ballots on 10 and 100 machines of 2 cores
each, from those figures and the assumed network bandwidth.

    python benchmarks/bench_verify_dask.py --record record.jsonl --rounds 7
"""

from __future__ import annotations

import argparse
import json
import operator
import os
import pickle
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from distributed import Client, LocalCluster

from honestballot.record.codec import canonical_bytes
from honestballot.record.setup import context_from_setup
from honestballot.verify import parallel
from honestballot.verify.parallel import DaskEngine, LocalEngine, Shared, open_engine
from honestballot.verify.verifier import (
    Report,
    _check_log,
    _check_tally_and_result,
    _collect_ballots,
    _decode_audits,
    _decode_ballots,
    _load_context,
    _read_lines,
    _replay,
    _verify_items,
    verify_record_file,
)

#: Seconds spent in each ballot-proof phase (``Engine.map_chunks``) since the last reset.
PHASES: list[float] = []


def _time_phases(cls: Any) -> None:
    real = cls.map_chunks

    def timed(self: Any, check: Any, items: Any, shared: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return real(self, check, items, shared)
        finally:
            PHASES.append(time.perf_counter() - t0)

    cls.map_chunks = timed


def _children_cpu() -> float:
    """CPU seconds of this process's finished children (a local pool's, once it is shut)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(
    verify: Callable[[], Report], workers_cpu: Callable[[], float]
) -> tuple[float, float, float, Report]:
    """(whole record, proof phase) seconds of one verification, and the CPU seconds it
    took in this process and the workers together."""
    PHASES.clear()
    c0, w0, t0 = time.process_time(), workers_cpu(), time.perf_counter()
    report = verify()
    total = time.perf_counter() - t0
    cpu = time.process_time() - c0 + workers_cpu() - w0
    assert report.passed, [c.detail for c in report.failures]
    return total, sum(PHASES), cpu, report


def _ballots(record: Path) -> tuple[bytes, list[tuple[int, Any]]]:
    """The setup's canonical bytes and every cast ballot (event number, parsed JSON)."""
    with open(record, "rb") as f:
        parsed = _read_lines(f, Report())
    assert parsed is not None
    setup = canonical_bytes(dict(parsed.events[0][0].body))
    return setup, list(_collect_ballots(parsed).items())


def _stages(record: Path) -> dict[str, float]:
    """Seconds of each of the client's serial steps, timed one by one (no proofs)."""
    out: dict[str, float] = {}
    report = Report()

    def timed(name: str, step: Callable[..., Any], *args: Any) -> Any:
        t0 = time.perf_counter()
        result = step(*args)
        out[name] = time.perf_counter() - t0
        return result

    with open(record, "rb") as f:
        parsed = timed("read and parse", _read_lines, f, report)
    assert parsed is not None
    ctx, key, keys = timed("setup", context_from_setup, parsed.events[0][0].body)
    timed("log", _check_log, parsed, report.election_id, keys.board_key, report)
    decoded = timed("decode ballots", _decode_ballots, parsed)
    audits = timed("decode audits", _decode_audits, parsed)
    rules = timed("replay", _replay, parsed, decoded, audits, report)
    timed(
        "tally and result",
        _check_tally_and_result,
        ctx,
        key,
        parsed,
        rules,
        decoded,
        report,
        LocalEngine(1),
    )
    return out


_MEMORY = """
import os, sys
from honestballot.verify.verifier import Report, _decode_ballots, _read_lines
def rss():  # resident bytes now (the peak is inherited from the parent through fork)
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
before = rss()
with open(sys.argv[1], "rb") as f:
    parsed = _read_lines(f, Report())
decoded = _decode_ballots(parsed)
print((rss() - before) / len(decoded))
"""


def _memory_per_ballot(record: Path) -> float:
    """Bytes of the client's memory per cast ballot once the record is parsed and its
    ballots decoded (RSS growth, in a fresh process; Linux)."""
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY, str(record)], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


def _per_task(engine: DaskEngine, tasks: int) -> float:
    """Seconds per trivial task through ``map_chunks`` (chunks of one item)."""
    saved = parallel.MIN_CHUNK, parallel.MAX_CLUSTER_CHUNK
    parallel.MIN_CHUNK = parallel.MAX_CLUSTER_CHUNK = 1
    try:
        engine.map_chunks(operator.add, list(range(50)), Shared(b"", list))  # warm
        t0 = time.perf_counter()
        out = engine.map_chunks(operator.add, list(range(tasks)), Shared(b"", list))
        elapsed = time.perf_counter() - t0
    finally:
        parallel.MIN_CHUNK, parallel.MAX_CLUSTER_CHUNK = saved
    assert out == list(range(tasks))
    return elapsed / tasks


def _ship(engine: DaskEngine, items: list[tuple[int, Any]]) -> tuple[float, float, float]:
    """Per ballot, shipping real chunks through the cluster to a check that does nothing
    with them (``0 * chunk``: the context is ``len(b"")``): seconds of wall time, CPU
    seconds of this process (the client, and a LocalCluster's scheduler, which runs in
    it) and CPU seconds of the workers (unpickling the chunks)."""
    engine.map_chunks(operator.mul, items[:200], Shared(b"", len))  # warm

    def workers() -> float:
        return float(sum(engine.client.run(time.process_time).values()))

    c0, w0, t0 = time.process_time(), workers(), time.perf_counter()
    assert engine.map_chunks(operator.mul, items, Shared(b"", len)) == []
    wall = time.perf_counter() - t0
    c1, w1 = time.process_time(), workers()
    n = len(items)
    return wall / n, (c1 - c0) / n, (w1 - w0) / n


def _fmt_time(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--record", type=Path, required=True, help="the version 1 record to verify"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tasks", type=int, default=2000, help="trivial tasks to time")
    parser.add_argument("--project", type=int, default=10_000_000, help="ballots to project")
    parser.add_argument("--gbit", type=float, default=1.0, help="assumed network, Gbit/s")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    _time_phases(LocalEngine)
    _time_phases(DaskEngine)
    fig: dict[str, Any] = {"workers": args.workers}
    record = args.record
    t0 = time.perf_counter()
    cluster = LocalCluster(
        n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    address = cluster.scheduler_address
    up = time.perf_counter() - t0
    print(f"LocalCluster of {args.workers} worker processes up in {up:.1f} s")
    try:
        _measure(args, record, address, fig)
    finally:
        cluster.close()
    _project(args, fig)
    if args.json:
        args.json.write_text(json.dumps(fig, indent=1))


def _measure(args: argparse.Namespace, record: Path, address: str, fig: dict[str, Any]) -> None:
    probe = Client(address, set_as_default=False)  # reads the workers' CPU clocks

    def cluster_cpu() -> float:
        return float(sum(probe.run(time.process_time).values()))

    def local() -> Report:
        return verify_record_file(str(record), workers=args.workers)

    def dask() -> Report:
        return verify_record_file(str(record), scheduler=address)

    try:
        total, phase, _, report = _run(dask, cluster_cpu)
        ballots = report.stats["ballots_cast"]
        print(
            f"{ballots} cast ballots; cluster, first run (workers import honestballot and "
            f"build the context): {total:.2f} s, proofs {phase:.2f} s"
        )
        fig.update(ballots=ballots, dask_cold=total)
        runs: dict[str, list[tuple[float, float, float]]] = {"local": [], "dask": []}
        for _ in range(args.rounds):
            *figures, r_local = _run(local, _children_cpu)
            runs["local"].append((figures[0], figures[1], figures[2]))
            *figures, r_dask = _run(dask, cluster_cpu)
            runs["dask"].append((figures[0], figures[1], figures[2]))
            assert r_dask.checks == r_local.checks and r_dask.stats == r_local.stats
    finally:
        probe.close()
    for key, name in (("local", "local pool"), ("dask", "LocalCluster")):
        rs = runs[key]
        total = statistics.median(t for t, _, _ in rs)
        phase = statistics.median(p for _, p, _ in rs)
        cpu = statistics.median(c for _, _, c in rs)
        best = min(rs)
        print(
            f"{name:12} ({args.workers} processes): whole record median {total:.2f} s, "
            f"best {best[0]:.2f} s (runs {', '.join(f'{t:.2f}' for t, _, _ in rs)}); "
            f"ballot proofs median {phase:.2f} s, best {best[1]:.2f} s; "
            f"CPU median {cpu:.2f} s"
        )
        fig[key] = {
            "total": total,
            "proofs": phase,
            "cpu": cpu,
            "best_total": best[0],
            "best_proofs": best[1],
            "runs": rs,
        }
    # other jobs on the machine only ever add time: the best runs show the engines' own
    # difference, the medians what a user on a busy machine gets, and the CPU seconds
    # (this process and the workers) what each engine costs whatever the load
    for what in ("total", "proofs", "best_total", "best_proofs", "cpu"):
        fig[f"ratio_{what}"] = fig["dask"][what] / fig["local"][what]
    print(
        "cluster / local: whole record {ratio_total:.3f} (best runs {ratio_best_total:.3f}), "
        "proof phase {ratio_proofs:.3f} (best runs {ratio_best_proofs:.3f}), "
        "CPU {ratio_cpu:.3f}".format(**fig)
    )

    setup, items = _ballots(record)
    ctx = _load_context(setup)
    sample = items[: min(300, len(items))]
    _verify_items(ctx, sample[:20])  # warm caches
    t0 = time.perf_counter()
    _verify_items(ctx, sample)
    proof = (time.perf_counter() - t0) / len(sample)
    client = fig["local"]["total"] - fig["local"]["proofs"]
    chunk = items[:1000]
    t0 = time.perf_counter()
    blob = pickle.dumps(chunk, protocol=5)
    pickle_time = (time.perf_counter() - t0) / len(chunk)
    line_bytes = sum(len(canonical_bytes(obj)) for _, obj in chunk) / len(chunk)
    memory = _memory_per_ballot(record)
    stages = _stages(record)
    fig["stages_per_ballot"] = {k: v / ballots for k, v in stages.items()}
    fig.update(
        proof_per_ballot=proof,
        client_per_ballot=client / ballots,
        ship_bytes_per_ballot=len(blob) / len(chunk),
        json_bytes_per_ballot=line_bytes,
        pickle_per_ballot=pickle_time,
        memory_per_ballot=memory,
    )
    print(
        f"per ballot, one core: proofs {proof * 1e3:.2f} ms; the client's serial part "
        f"(read, parse, decode, log, replay, tally) {client / ballots * 1e3:.2f} ms"
    )
    print(
        "  of which, timed one by one: "
        + ", ".join(f"{k} {v / ballots * 1e3:.3f} ms" for k, v in stages.items())
    )
    print(
        f"shipping: {len(blob) / len(chunk):.0f} bytes per ballot pickled "
        f"({line_bytes:.0f} as canonical JSON), pickled in {pickle_time * 1e6:.1f} µs; "
        f"the client holds {memory / 1024:.1f} KiB per ballot after parsing"
    )
    with open_engine(scheduler=address) as engine:
        assert isinstance(engine, DaskEngine)
        task = _per_task(engine, args.tasks)
        ships = [_ship(engine, items) for _ in range(3)]
    wall, client_cpu, worker_cpu = (statistics.median(s[i] for s in ships) for i in range(3))
    fig.update(
        task_overhead=task,
        ship_wall_per_ballot=wall,
        ship_client_cpu_per_ballot=client_cpu,
        ship_worker_cpu_per_ballot=worker_cpu,
    )
    size = parallel.chunk_size(len(items), args.workers, parallel.MAX_CLUSTER_CHUNK)
    print(
        f"through the cluster: {task * 1e3:.2f} ms per trivial task ({args.tasks} tasks); "
        f"real chunks of {size} to a check that does nothing, per ballot: {wall * 1e6:.0f} µs, "
        f"CPU {client_cpu * 1e6:.0f} µs in the client and scheduler, "
        f"{worker_cpu * 1e6:.0f} µs in the workers"
    )


def _project(args: argparse.Namespace, fig: dict[str, Any]) -> None:
    """Time to verify ``args.project`` ballots on M machines of 2 cores: the client's
    serial part, then the proof phase, bound by the slowest of the workers (proofs and
    unpickling, on every core), the client's network, the scheduler's per-task work and
    the client's (and scheduler's) CPU for shipping the ballots.  One machine is the
    local pool: the serial part and the proofs on its cores, nothing shipped."""
    n = args.project
    cores = 2
    bandwidth = args.gbit * 1e9 / 8
    chunk = parallel.MAX_CLUSTER_CHUNK
    client = n * fig["client_per_ballot"]
    one = client + n * fig["proof_per_ballot"] / cores
    fig["projection"] = {"ballots": n, "gbit": args.gbit, "machines": {}}
    print(
        f"\nprojection for {n:,} ballots, machines of {cores} cores, {args.gbit:g} Gbit/s, "
        f"chunks of {chunk}:"
    )
    print(f"  client's serial part {_fmt_time(client)}; one machine {_fmt_time(one)}")
    for machines in (1, 10, 100):
        per_ballot = fig["proof_per_ballot"] + fig["ship_worker_cpu_per_ballot"]
        workers = n * per_ballot / (cores * machines)
        network = n * fig["ship_bytes_per_ballot"] / bandwidth
        scheduler = n / chunk * fig["task_overhead"]
        shipping = n * fig["ship_client_cpu_per_ballot"]
        phase = max(workers, network, scheduler, shipping)
        total = client + phase
        bound = {workers: "workers", network: "network", scheduler: "scheduler"}.get(
            phase, "client's shipping"
        )
        fig["projection"]["machines"][machines] = {
            "proof_phase": phase,
            "total": total,
            "speedup": one / total,
            "bound": bound,
        }
        print(
            f"  {machines:3} machines: proofs {_fmt_time(workers)}, network "
            f"{_fmt_time(network)}, scheduler {_fmt_time(scheduler)}, client's shipping "
            f"{_fmt_time(shipping)} -> proof phase {_fmt_time(phase)} ({bound}); "
            f"whole record {_fmt_time(total)}, speed-up {one / total:.1f}x"
        )
    print(
        f"  the client would hold {n * fig['memory_per_ballot'] / 2**30:.0f} GiB of parsed "
        "ballots: the record is parsed whole before the proofs start"
    )


if __name__ == "__main__":
    main()
