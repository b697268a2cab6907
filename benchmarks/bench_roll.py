"""The encrypted roll of an election with re-voting protection (docs/coercion.md §2.3):
the organiser's tool making ``N`` voters' letters and rows (default 10,000) and signing
the roll, and ``verify``'s ``roll.encrypted`` and ``roll.units`` checking it from the
record's events.

Measured, once each (a roll is made once per election):

1. **make** -- :func:`honestballot.protocol.encrypted_roll.make_roll` (letters, the
   reporting units, three ciphertexts and three proofs a row, the random order);
2. **record** -- the rows cut into ``roll-part`` bodies (record/roll.py), their digests,
   and the organiser's signature over the ``roll`` body;
3. **verify** -- :func:`honestballot.verify.roll.check_roll_encrypted` and
   :func:`~honestballot.verify.roll.check_roll_units` over the events as the record holds
   them (parsed from their JSON lines).

Times are this process's CPU time (``time.process_time``): the machine is shared, and
wall-clock time would count other workers' load.  Each is also given per row and in
multiplication-equivalents ``m`` (docs/coercion.md: a variable-base multiplication
``s*P``, measured here as the mean of 2,000), against
the count of operations a row needs.  Also the bytes per row of the ``roll-part``
lines.

Run from the repository root::

    python benchmarks/bench_roll.py [--voters 10000] [--json OUT]

This is a benchmark, not a test (STYLE.md habit 9).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.encrypted_roll import make_roll, parts_of
from honestballot.protocol.manifest import Contest, Label, Manifest, Option, Unit
from honestballot.protocol.witnesses import BoardKeys, sign_roll
from honestballot.record.codec import canonical_bytes, parse_json
from honestballot.record.events import EventLine
from honestballot.record.roll import (
    EncryptedRollSummary,
    encrypted_to_json,
    part_digest,
    part_to_json,
)
from honestballot.record.witness import roll_summary_bytes, signature_to_json
from honestballot.verify.roll import check_roll_encrypted, check_roll_units

#: per row: making 3 encryptions (3 fixed-base r*G, 3 variable-base r*H, the activation
#: point a*P_act, the unit's u*G), 3 proof commitments (2 fixed-base, 1 fixed-base + 2
#: variable-base); checking 2 proofs of randomness (1 fixed + 1 variable each) and one of
#: representation (1 fixed + 4 variable)
MAKE_OPS = "about 4 variable-base, 7 fixed-base multiplications and 2 hash-to-point"
VERIFY_OPS = "6 variable-base and 3 fixed-base multiplications"


LIMIT = 1 << 26


def _mul_cost(rng: SeededRandomness) -> float:
    point = base_mul(random_nonzero_scalar(rng))
    scalars = [random_nonzero_scalar(rng) for _ in range(2000)]
    t = time.process_time()
    for s in scalars:
        _ = point * s
    return (time.process_time() - t) / len(scalars)


def run(voters: int) -> dict[str, Any]:
    rng = SeededRandomness("bench-roll")
    units = [f"u{i}" for i in range(20)]
    manifest_units = [Unit(u, _label(u)) for u in units]
    secret = random_nonzero_scalar(rng)
    public = base_mul(secret)
    organiser = random_nonzero_scalar(rng)
    keys = BoardKeys(
        base_mul(random_nonzero_scalar(rng)),
        (),
        0,
        base_mul(organiser),
        verifier_key=base_mul(random_nonzero_scalar(rng)),
    )
    base = bytes(range(32))
    voter_units = [units[(i * 7919) % 17 if i % 50 else 19] for i in range(voters)]
    per_unit = [(u, voter_units.count(u)) for u in units]

    t = time.process_time()
    made = make_roll(base, public, voter_units, units, 25, rng)
    make_s = time.process_time() - t

    t = time.process_time()
    parts = [part_to_json(offset, rows) for offset, rows in parts_of(made.rows)]
    summary = EncryptedRollSummary(
        len(made.rows), tuple(part_digest(p) for p in parts), made.units.listing(units)
    )
    body: dict[str, Any] = {
        "voters_per_unit": [{"unit": u, "voters": n} for u, n in per_unit],
        "contact_exceptions": 0,
        "encrypted": encrypted_to_json(summary),
    }
    body["signature"] = signature_to_json(sign_roll(base, roll_summary_bytes(body), organiser, rng))
    lines = [canonical_bytes(p) for p in parts] + [canonical_bytes(body)]
    record_s = time.process_time() - t

    ctx = ElectionContext(_manifest(manifest_units), public, base, keys.verifier_key)
    t = time.process_time()
    events = [
        EventLine(
            i + 1, 0, "roll-part" if i < len(parts) else "roll", parse_json(line, limit=1 << 26)
        )
        for i, line in enumerate(lines)
    ]
    encrypted = check_roll_encrypted(events, ctx, keys)
    units_found = check_roll_units(events, ctx)
    verify_s = time.process_time() - t

    m = _mul_cost(rng)
    part_bytes = sum(len(line) for line in lines[:-1])
    return {
        "voters": voters,
        "make_s": round(make_s, 2),
        "record_s": round(record_s, 2),
        "verify_s": round(verify_s, 2),
        "make_ms_per_row": round(1000 * make_s / voters, 3),
        "verify_ms_per_row": round(1000 * verify_s / voters, 3),
        "mul_us": round(m * 1e6, 1),
        "make_m_per_row": round(make_s / voters / m, 1),
        "verify_m_per_row": round(verify_s / voters / m, 1),
        "make_ops_per_row": MAKE_OPS,
        "verify_ops_per_row": VERIFY_OPS,
        "parts": len(parts),
        "bytes_per_row": round(part_bytes / voters),
        "roll.encrypted": encrypted,
        "roll.units": units_found,
    }


def _label(text: str) -> Label:
    return Label(text, text, text)


def _manifest(units: list[Unit]) -> Manifest:
    options = tuple(Option(f"c{i}", _label(f"Candidate {i}")) for i in (1, 2, 3))
    mayor = Contest("mayor", _label("Mayor"), options, 1, 1, True)
    return Manifest("bench-roll", _label("Roll benchmark"), (mayor,), tuple(units), 25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=10_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = run(args.voters)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
