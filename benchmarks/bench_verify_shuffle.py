"""One proof of shuffle verified in one process, on a local process pool and on a Dask
cluster (verify/mixes.py): times, the client's serial part and what a row costs to ship.

Builds one mix -- ``--rows`` input rows of ``--width`` fresh ciphertexts, shuffled and
proved under a mix context -- or loads it from ``--cache`` (pickled; written there the
first time), starts a ``distributed.LocalCluster`` of ``--workers`` one-thread worker
processes, and measures, ``--rounds`` times in turn:

* ``verify_shuffle`` in this process;
* ``verify_shuffle_on(LocalEngine(workers))``: the rows' part on a local pool, started
  for the call as the verifier starts it for each mix;
* ``verify_shuffle_on`` on the cluster, through a client connected once (as ``honestballot
  verify --scheduler`` connects once per record);

each the wall time and the CPU seconds of this process and the workers together (medians
and best runs), and the verdict (every one must accept).  Then, on one core: the
client's serial steps one by one (the bases and the seed; the rows cut out of the proof;
pickling them as they are shipped; the final sums and hash), decoding the mix from its
JSON (what the verifier does, serially, before any of this), and the bytes per row
shipped to the workers (pickled rows) and back (partial sums).  ``--rounds 0`` measures
these alone.

    python benchmarks/bench_verify_shuffle.py --rows 20000 --width 5 --rounds 3 \\
        --cache /tmp/mix-20000x5.pickle
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from distributed import Client, LocalCluster

from honestballot.crypto.elgamal import encrypt
from honestballot.crypto.group import base_mul
from honestballot.crypto.hashing import hash_bytes
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar, random_scalar
from honestballot.crypto.shuffle import (
    Rows,
    ShuffleProof,
    finish,
    partial_sums,
    prove_shuffle,
    shuffle,
    shuffle_statement,
    verify_shuffle,
)
from honestballot.protocol.mix import mix_context
from honestballot.record.mix import rows_from_json, rows_to_json
from honestballot.record.shuffle import shuffle_proof_from_json, shuffle_proof_to_json
from honestballot.verify import parallel
from honestballot.verify.mixes import verify_shuffle_on
from honestballot.verify.parallel import LocalEngine, open_engine

BASE_HASH = hash_bytes("bench/election", b"bench-verify-shuffle")
CONTEXT = mix_context(BASE_HASH, "leader", 1, 1)
Mix = tuple[Any, Rows, Rows, ShuffleProof]


def build(rows: int, width: int) -> Mix:
    rng = SeededRandomness(f"bench-verify-shuffle/{rows}x{width}")
    public_key = base_mul(random_nonzero_scalar(rng))
    inputs = tuple(
        tuple(encrypt(public_key, k % 2, random_scalar(rng)) for k in range(width))
        for _ in range(rows)
    )
    outputs, witness = shuffle(public_key, inputs, rng)
    proof = prove_shuffle(CONTEXT, public_key, inputs, outputs, witness, rng)
    return public_key, inputs, outputs, proof


def load_or_build(args: argparse.Namespace) -> Mix:
    if args.cache is not None and args.cache.exists():
        mix: Mix = pickle.loads(args.cache.read_bytes())
        if (len(mix[1]), len(mix[1][0])) == (args.rows, args.width):
            print(f"loaded the mix from {args.cache}")
            return mix
    t0 = time.perf_counter()
    mix = build(args.rows, args.width)
    print(f"built a mix of {args.rows} rows of {args.width} in {time.perf_counter() - t0:.0f} s")
    if args.cache is not None:
        args.cache.write_bytes(pickle.dumps(mix, protocol=pickle.HIGHEST_PROTOCOL))
    return mix


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(verify: Callable[[], None], workers_cpu: Callable[[], float]) -> tuple[float, float]:
    c0, w0, t0 = time.process_time(), workers_cpu(), time.perf_counter()
    verify()  # raises if the proof does not verify
    wall = time.perf_counter() - t0
    return wall, time.process_time() - c0 + workers_cpu() - w0


def serial_steps(mix: Mix) -> dict[str, float]:
    """Seconds of each step the client runs alone, and of a whole partial_sums on one
    core; bytes shipped."""
    public_key, inputs, outputs, proof = mix
    out: dict[str, float] = {}

    def timed(name: str, step: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        result = step()
        out[name] = time.perf_counter() - t0
        return result

    rows_json = rows_to_json(outputs)
    proof_json = shuffle_proof_to_json(proof)
    timed(
        "decode the mix (rows and proof) from JSON",
        lambda: (rows_from_json(rows_json, "rows"), shuffle_proof_from_json(proof_json, "proof")),
    )
    statement = timed(
        "bases and seed (shuffle_statement)",
        lambda: shuffle_statement(CONTEXT, public_key, inputs, outputs, proof),
    )
    rows = timed("rows cut out of the proof", statement.rows)
    size = parallel.chunk_size(len(rows), 2, parallel.MAX_CLUSTER_CHUNK)
    chunks = list(parallel.chunks(rows, size))
    blobs = timed(
        f"pickling the rows (chunks of {size})",
        lambda: [pickle.dumps(c, protocol=pickle.HIGHEST_PROTOCOL) for c in chunks],
    )
    # in a worker, one chunk at a time, released after its sums: timed so, since the
    # collector walks whatever is still held, again and again
    gc.collect()
    gc.freeze()
    try:
        timed("unpickling them (in the workers)", lambda: [len(pickle.loads(b)) for b in blobs])
    finally:
        gc.unfreeze()
    back = [pickle.loads(b) for b in blobs]
    parts = timed(
        "partial_sums, every row (in the workers)",
        lambda: [partial_sums(statement.challenges, c) for c in back],
    )
    results = [pickle.dumps([p], protocol=pickle.HIGHEST_PROTOCOL) for p in parts]
    timed("final sums and hash (finish)", lambda: finish(statement, parts))
    out["bytes per row shipped"] = sum(len(b) for b in blobs) / len(rows)
    out["bytes per row back"] = sum(len(b) for b in results) / len(rows)
    out["bytes per row, the row's encodings alone"] = 32 * (4 * len(inputs[0]) + 6)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--width", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cache", type=Path, help="pickle of the mix: read, or written")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    mix = load_or_build(args)
    fig: dict[str, Any] = {"rows": args.rows, "width": args.width, "workers": args.workers}
    print(f"load average before: {os.getloadavg()}")
    if args.rounds > 0:
        compare(args, mix, fig)
    steps = serial_steps(mix)
    fig["steps"] = steps
    print(f"on one core, {args.rows} rows of {args.width}:")
    for name, value in steps.items():
        if name.startswith("bytes"):
            print(f"  {name}: {value:.0f}")
        else:
            print(f"  {name}: {value:.2f} s ({value / args.rows * 1e6:.1f} µs a row)")
    if args.json:
        args.json.write_text(json.dumps(fig, indent=1))


def compare(args: argparse.Namespace, mix: Mix, fig: dict[str, Any]) -> None:
    """The mix verified in one process, on the local pool and on the cluster, in turn."""
    public_key, inputs, outputs, proof = mix
    t0 = time.perf_counter()
    cluster = LocalCluster(
        n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    print(f"LocalCluster of {args.workers} worker processes up in {time.perf_counter() - t0:.1f} s")
    probe = Client(cluster.scheduler_address, set_as_default=False)
    local = LocalEngine(args.workers)

    def cluster_cpu() -> float:
        return float(sum(probe.run(time.process_time).values()))

    runs: dict[str, list[tuple[float, float]]] = {
        "one process": [],
        "local pool": [],
        "cluster": [],
    }
    try:
        with open_engine(scheduler=cluster.scheduler_address) as dask:
            t0 = time.perf_counter()
            verify_shuffle_on(dask, CONTEXT, public_key, inputs, outputs, proof)
            fig["cluster_first_run"] = time.perf_counter() - t0
            print(f"cluster, first run: {fig['cluster_first_run']:.2f} s")
            for r in range(args.rounds):
                runs["one process"].append(
                    _timed(
                        lambda: verify_shuffle(CONTEXT, public_key, inputs, outputs, proof), float
                    )
                )
                runs["local pool"].append(
                    _timed(
                        lambda: verify_shuffle_on(
                            local, CONTEXT, public_key, inputs, outputs, proof
                        ),
                        _children_cpu,
                    )
                )
                runs["cluster"].append(
                    _timed(
                        lambda: verify_shuffle_on(
                            dask, CONTEXT, public_key, inputs, outputs, proof
                        ),
                        cluster_cpu,
                    )
                )
                print(
                    f"round {r + 1}: "
                    + ", ".join(
                        f"{k} {v[-1][0]:.2f} s (CPU {v[-1][1]:.2f} s)" for k, v in runs.items()
                    )
                    + f"; load {os.getloadavg()[0]:.2f}"
                )
    finally:
        probe.close()
        cluster.close()
    one = statistics.median(w for w, _ in runs["one process"])
    best_one = min(w for w, _ in runs["one process"])
    for name, rs in runs.items():
        wall = statistics.median(w for w, _ in rs)
        best = min(w for w, _ in rs)
        cpu = statistics.median(c for _, c in rs)
        fig[name] = {"median": wall, "best": best, "cpu": cpu, "runs": rs}
        print(
            f"{name:12}: median {wall:.2f} s, best {best:.2f} s, CPU median {cpu:.2f} s; "
            f"speed-up over one process {one / wall:.2f} (best runs {best_one / best:.2f})"
        )


if __name__ == "__main__":
    main()
