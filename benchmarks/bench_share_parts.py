"""The decryption of a large mixed contest: a tally naming ``--rows`` mixed rows of width
``--width``, decrypted by ``k = 2`` of 3 trustees whose shares go on the board in parts
(docs/record-format.md §7, "Decryption shares in parts").

The rows are fresh encryptions of 0/1 under the election key (a mix's output is such rows;
what the decryption costs does not depend on where they came from), made before anything
is timed.  Timed, per trustee and in total:

1. ``make``: the trustee's share of every ciphertext (``D = x_l·alpha`` and its
   Chaum-Pedersen proof: one base and one variable multiplication, and a hash), then cut
   into parts and each part signed (``publish_share``);
2. ``encode``: the parts as record lines (JSON), with their bytes;
3. ``check``: what the service does with each uploaded part, its place, shape and signature
   on the encodings, the decoding, and every proof (``check_part``: four multiplications
   a share);
4. ``verify``: the verifier's check of every part's proofs on a local process pool of
   ``--workers`` processes (verify/shares.py);
5. ``combine``: the Lagrange combination of the two shares and the discrete logarithms.

The multiplication floor is counted as ``bench_ballot.py`` counts it: a variable-base
multiplication measured here, the base one too.

Run from the repository root::

    python benchmarks/bench_share_parts.py [--rows 100000] [--width 5] [--workers 2]

This is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from honestballot.crypto.dlog import DiscreteLogTable
from honestballot.crypto.elgamal import encrypt
from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_scalar
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.protocol.decryption import (
    EncryptedTally,
    MixedRows,
    combine_valid_shares,
    create_decryption_share,
)
from honestballot.protocol.share_parts import check_part, publish_share
from honestballot.record.codec import canonical_bytes
from honestballot.record.share_parts import share_part_from_json, share_part_to_json
from honestballot.service.demo import demo_manifest, run_key_ceremony
from honestballot.verify.parallel import LocalEngine
from honestballot.verify.shares import check_part_proofs

BASE = b"\x42" * 32


def _per_mult() -> tuple[float, float]:
    """Seconds of one variable-base and one base multiplication, here and now."""
    rng = SeededRandomness("floor")
    p = base_mul(random_scalar(rng))
    scalars = [random_scalar(rng) for _ in range(2000)]
    t = time.perf_counter()
    for s in scalars:
        p * s
    var = (time.perf_counter() - t) / len(scalars)
    t = time.perf_counter()
    for s in scalars:
        base_mul(s)
    return var, (time.perf_counter() - t) / len(scalars)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--width", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", metavar="OUT")
    a = ap.parse_args()
    rng = SeededRandomness("bench share parts")
    with tempfile.TemporaryDirectory() as tmp:
        key, secrets = run_key_ceremony(demo_manifest("bench-shares"), Path(tmp), rng)
    slots = tuple(f"o{j}" for j in range(a.width))
    slots_at = range(a.width)
    rows = tuple(
        tuple(encrypt(key.public_key, int(j == i % a.width), random_scalar(rng)) for j in slots_at)
        for i in range(a.rows)
    )
    tally = EncryptedTally(BASE, (), (MixedRows("leader", b"\x01" * 32, slots, rows),))
    cells = a.rows * a.width
    var, base = _per_mult()
    figures: dict[str, object] = {"rows": a.rows, "width": a.width, "cells": cells}
    figures["mult_us"] = round(var * 1e6, 1)
    figures["base_mult_us"] = round(base * 1e6, 1)
    shares, all_parts = [], []
    for trustee in (1, 3):
        secret = secrets[trustee - 1]
        assert secret.key_share is not None
        t = time.perf_counter()
        share = create_decryption_share(secret, tally, SYSTEM_RANDOMNESS)
        parts, _ = publish_share(BASE, tally, share, secret.key_share, SYSTEM_RANDOMNESS)
        made = time.perf_counter() - t
        t = time.perf_counter()
        lines = [
            canonical_bytes({"kind": "share-part", "body": share_part_to_json(p)}) for p in parts
        ]
        encoded = time.perf_counter() - t
        t = time.perf_counter()
        for line in lines:
            part = share_part_from_json(json.loads(line)["body"], "part")
            check_part(BASE, key, tally, part)
        checked = time.perf_counter() - t
        figures[f"trustee_{trustee}"] = {
            "make_s": round(made, 1),
            "encode_s": round(encoded, 1),
            "check_s": round(checked, 1),
            "parts": len(parts),
            "largest_part_bytes": max(len(x) for x in lines),
            "bytes_per_cell": round(sum(len(x) for x in lines) / cells, 1),
            # make: 1 base + 2 variable (D, and the proof's second commitment)
            "make_per_floor": round(made / (cells * (base + 2 * var)), 2),
            # check: 1 base + 3 variable (R1 = s·B − c·X, R2 = s·alpha − c·D)
            "check_per_floor": round(checked / (cells * (base + 3 * var)), 2),
        }
        print(f"trustee {trustee}: {figures[f'trustee_{trustee}']}", flush=True)
        shares.append(share)
        all_parts.extend(parts)
    t = time.perf_counter()
    verdicts = check_part_proofs(LocalEngine(a.workers), key.verification_keys, tally, all_parts)
    figures["verify_s"] = round(time.perf_counter() - t, 1)
    assert verdicts == [None] * len(all_parts)
    t = time.perf_counter()
    decrypted = combine_valid_shares(key, tally, shares, parts_checked=True)
    table = DiscreteLogTable(a.rows)
    values = [table.solve(e.plaintext) for e in decrypted.entries]
    figures["combine_s"] = round(time.perf_counter() - t, 1)
    assert sum(values) == a.rows
    figures["max_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps(figures, indent=1))
    if a.json:
        Path(a.json).write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
