"""The trustees' key ceremony (docs/trustees.md): one ceremony makes the election key
``x`` and the two tag keys ``y1``, ``y2`` (docs/coercion.md §7).

Measured for ``n`` trustees with threshold ``k = n // 2 + 1`` (default 3 and 7):

1. **ceremony** -- :func:`honestballot.service.demo.run_key_ceremony`: every trustee's
   *init*, *deal*, *check* and *accept-key* and one *finalize*, with the public files
   written (all trustees in this one process, so the time is the sum of theirs);
2. **re-verify** -- :func:`honestballot.protocol.dkg_verify.verify_election_key` on the
   election key, which ``verify`` (check ``setup``) and the service's election creation
   run;
3. the size of the election-key object in the ``setup`` body (canonical JSON).

Times are this process's CPU time (``time.process_time``), the best of ``--repeat``
runs (the machine is shared).  Run from the repository root::

    python benchmarks/bench_ceremony.py [--trustees 3 7] [--repeat 5]

This is a benchmark, not a test (STYLE.md habit 9).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.dkg_verify import verify_election_key
from honestballot.record.codec import canonical_bytes
from honestballot.record.trustee import encode_election_key
from honestballot.service.demo import demo_manifest, run_key_ceremony


def measure(n: int, repeat: int) -> tuple[float, float, int]:
    manifest = demo_manifest("bench-ceremony")
    best_run = best_verify = float("inf")
    size = 0
    for r in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            rng = SeededRandomness(f"ceremony-{n}-{r}")
            t0 = time.process_time()
            key, _ = run_key_ceremony(manifest, Path(tmp), rng, n=n, k=n // 2 + 1)
            t1 = time.process_time()
            verify_election_key(key)
            t2 = time.process_time()
        best_run, best_verify = min(best_run, t1 - t0), min(best_verify, t2 - t1)
        size = len(canonical_bytes(encode_election_key(key)))
    return best_run, best_verify, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trustees", type=int, nargs="+", default=[3, 7])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print("| trustees n | threshold k | ceremony (CPU s) | re-verify (CPU s) | election key |")
    print("|---|---|---|---|---|")
    for n in args.trustees:
        run, verify, size = measure(n, args.repeat)
        print(f"| {n} | {n // 2 + 1} | {run:.3f} | {verify:.3f} | {size / 1024:.1f} KiB |")


if __name__ == "__main__":
    main()
