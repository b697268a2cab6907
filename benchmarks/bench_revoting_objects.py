"""Registrations, ballots version 2 and cast rows of re-voting protection
(docs/coercion.md §2.4, §3): the group operations each side performs, counted, and their
CPU time.

For each object, counted with benchmarks/bench_ballot.py's wrapper of ``Point``'s
arithmetic (a multiplication by the generator is fixed-base, any other variable-base):

* **registration**: the device making it (with its four designated-verifier proofs),
  the public check (``registrations.proofs``: :func:`verify_registration`), and the
  service's private check of the four designated-verifier proofs (:func:`check_private`);
* **ballot v2** (the ``vote-for-1`` shape of bench_ballot.py: one contest of 5
  candidates, 5 ciphertexts): the device making it (with its two designated-verifier
  proofs), the public check (:func:`verify_ballot_v2`) and the service's private check;
  and version 1 of the same shape beside it;
* **cast row**: the service making it (counter and its proof), and its check beyond the
  ballot's (the counter's proof and the flag).

Times are this process's CPU time (``time.process_time``), the median of ``--rounds``;
``m`` is a variable-base multiplication timed in the same rounds.  Hash-to-point
derivations (``P``, ``P_act``, ``tau``, ``V``) run outside ``Point``'s operators and
are not counted; they are in the times.

Run from the repository root::

    python benchmarks/bench_revoting_objects.py [--rounds 20] [--json OUT]

This is a benchmark, not a test (STYLE.md habit 9).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ballot import count_group_operations

from honestballot.crypto.group import Point, base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.protocol.ballot import encrypt_ballot, verify_ballot
from honestballot.protocol.ballot_v2 import (
    check_private as check_ballot_private,
)
from honestballot.protocol.ballot_v2 import (
    encrypt_ballot_v2,
    make_cast_row,
    verify_ballot_v2,
    verify_cast_row,
)
from honestballot.protocol.credential import generate_credential
from honestballot.protocol.credential_seed import generate_seed
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.letters import draw_letter
from honestballot.protocol.manifest import Contest, Label, Manifest, Option, Unit
from honestballot.protocol.registration import (
    check_private,
    make_commitment,
    make_registration,
    verify_registration,
)


def _label(text: str) -> Label:
    return Label(text, text, text)


def _context() -> ElectionContext:
    contest = Contest(
        "chair", _label("Chair"), tuple(Option(f"c{i}", _label(f"C{i}")) for i in range(5)), 1,
        1, False,
    )  # fmt: skip
    manifest = Manifest("bench", _label("Bench"), (contest,), (Unit("u", _label("U")),), 1)
    rng = SeededRandomness("bench revoting context")
    public_key = base_mul(random_nonzero_scalar(rng))
    return ElectionContext(
        manifest, public_key, rng.random_bytes(32), base_mul(random_nonzero_scalar(rng))
    )


def _counted(fn: Callable[[], object]) -> dict[str, int]:
    with count_group_operations() as c:
        fn()
    return {
        "mul_var": c["mul_var"],
        "mul_base": c["mul_base"],
        "add_sub": c["add"] + c["sub"] + c["neg"],
    }


def _m(counts: dict[str, int]) -> float:
    """Multiplication-equivalents of docs/coercion.md: variable-base 1, fixed-base 1/3,
    an addition 0.3."""
    return counts["mul_var"] + counts["mul_base"] / 3 + 0.3 * counts["add_sub"]


def _cpu(fn: Callable[[], object]) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def run(rounds: int) -> dict[str, Any]:
    ctx = _context()
    base, h = ctx.base_hash, ctx.public_key
    rng = SeededRandomness("bench revoting")
    w = base_mul(random_nonzero_scalar(rng))
    letter, seed = draw_letter(rng, base), generate_seed(rng, base)
    commitment = make_commitment(base, h, letter.none_point(base), rng)
    reg, private = make_registration(base, h, w, commitment, seed, letter, rng)
    choice = {"chair": frozenset({"c2"})}
    ballot, _, bprivate = encrypt_ballot_v2(ctx, seed, w, choice, rng)
    row = make_cast_row(ctx, ballot, 1000, rng)
    credential = generate_credential(rng)
    v1, _ = encrypt_ballot(ctx, credential, choice, rng)
    v_handle, v_act, sigma = (
        letter.handle(base),
        letter.activation_point(base),
        seed.voting_point(base),
    )

    steps: dict[str, Callable[[], object]] = {
        "registration: service commits to Enc(R)": lambda: make_commitment(
            base, h, letter.none_point(base), rng
        ),
        "registration: device makes it (4 DV proofs)": lambda: make_registration(
            base, h, w, commitment, seed, letter, rng
        ),
        "registration: public check": lambda: verify_registration(base, h, reg),
        "registration: service's private check": lambda: check_private(
            base, h, w, reg, private, commitment, v_handle, v_act
        ),
        "ballot v2: device makes it (2 DV proofs)": lambda: encrypt_ballot_v2(
            ctx, seed, w, choice, rng
        ),
        "ballot v2: public check": lambda: verify_ballot_v2(ctx, ballot),
        "ballot v2: service's private check": lambda: check_ballot_private(
            ctx, w, ballot, bprivate, sigma
        ),
        "cast row: service makes it": lambda: make_cast_row(ctx, ballot, 1001, rng),
        "cast row: check (with the ballot's)": lambda: verify_cast_row(ctx, row),
        "ballot v1 (same contest): device makes it": lambda: encrypt_ballot(
            ctx, credential, choice, rng
        ),
        "ballot v1 (same contest): check": lambda: verify_ballot(ctx, v1),
    }
    for fn in steps.values():  # warm caches (small multiples, hash-to-point)
        fn()
    counts = {name: _counted(fn) for name, fn in steps.items()}
    point = base_mul(random_nonzero_scalar(rng)) + Point.decode(h.data)
    scalar = random_nonzero_scalar(rng)
    times: dict[str, list[float]] = {name: [] for name in steps}
    m_times: list[float] = []
    for _ in range(rounds):
        m_times.append(_cpu(lambda: [point * scalar for _ in range(200)]) / 200)
        for name, fn in steps.items():
            times[name].append(_cpu(fn))
    m = statistics.median(m_times)
    return {
        "rounds": rounds,
        "m_us": m * 1e6,
        "load": os.getloadavg(),
        "steps": {
            name: {
                **counts[name],
                "m_counted": round(_m(counts[name]), 1),
                "cpu_ms": statistics.median(times[name]) * 1e3,
                "cpu_m": statistics.median(times[name]) / m,
            }
            for name in steps
        },
        "bytes": {
            "registration": len(json.dumps(_json("registration", reg))),
            "ballot v2": len(json.dumps(_json("ballot", ballot))),
            "cast row": len(json.dumps(_json("row", row))),
        },
    }


def _json(kind: str, obj: Any) -> Any:
    from honestballot.record.codec import canonical_bytes
    from honestballot.record.revoting import (
        ballot_v2_to_json,
        cast_row_to_json,
        registration_to_json,
    )

    fn = {
        "registration": registration_to_json,
        "ballot": ballot_v2_to_json,
        "row": cast_row_to_json,
    }
    return canonical_bytes(fn[kind](obj)).decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = run(args.rounds)
    print(
        f"m (variable-base multiplication, CPU) = {results['m_us']:.1f} µs; "
        f"load {', '.join(f'{x:.2f}' for x in results['load'])}"
    )
    print(f"{'step':52} {'var':>4} {'base':>4} {'add':>4} {'m cnt':>6} {'CPU ms':>8} {'CPU m':>6}")
    for name, s in results["steps"].items():
        print(
            f"{name:52} {s['mul_var']:4d} {s['mul_base']:4d} {s['add_sub']:4d} "
            f"{s['m_counted']:6.1f} {s['cpu_ms']:8.2f} {s['cpu_m']:6.1f}"
        )
    print("bytes (canonical JSON):", results["bytes"])
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    main()
