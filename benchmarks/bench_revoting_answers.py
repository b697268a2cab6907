"""Response time of re-voting protection's requests under a current and under a revoked
credential (docs/coercion.md §2.6, "Timing"; §14 increment 3): a statistical comparison,
not a test (STYLE.md habit 9).

An election with an encrypted roll on a fresh SQLite file (or ``--database URL``), opened;
``--voters`` voters each register a credential, cast one ballot under it, and replace it
with a second (the first is revoked). Then, interleaved (current, revoked, current, …),
each voter casts ballots under both credentials up to ``--casts`` each (at most the cap
of 32 minus the first), timed around the service's whole cast (:meth:`RevotingDesk.cast`:
parsing, the public proofs, the credential, the designated-verifier proofs, the
transaction); and registration starts for a voter with a replaced credential and for one
with none. HTTP adds the same framing to both and is left out.

It prints, per request and state, the median, mean and 90th percentile in milliseconds,
and a permutation test (``--permutations``) of the difference of the two medians: the
share of random relabellings with a difference at least as large (a p-value; small
means the states are told apart).

Run from the repository root::

    python benchmarks/bench_revoting_answers.py [--voters 8] [--casts 20] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from honestballot.cli.organiser_roll import Voter, build_roll_upload
from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_below, random_nonzero_scalar
from honestballot.protocol.ballot_v2 import encrypt_ballot_v2
from honestballot.protocol.credential_seed import CredentialSeed, generate_seed
from honestballot.protocol.letters import LetterSecret
from honestballot.protocol.registration import make_registration
from honestballot.protocol.schedule import Cover, Schedule
from honestballot.record.codec import canonical_bytes
from honestballot.record.revoting import (
    ballot_private_to_json,
    ballot_v2_to_json,
    registration_private_to_json,
    registration_to_json,
)
from honestballot.record.roll import upload_to_json
from honestballot.service.activity import IN_PROCESS
from honestballot.service.board.election import ElectionService
from honestballot.service.clock import now_ms
from honestballot.service.demo import demo_manifest, run_key_ceremony
from honestballot.service.encrypted_roll import keep_encrypted_roll
from honestballot.service.voters.revoting import RevotingDesk, verifier_key
from honestballot.service.voters.roll import Roll
from honestballot.store.sql import SqlStore

CHOICE = {"chair": {"cand-1"}, "council": {"member-1"}}
UNITS = ("station-1", "station-2", "station-3", "station-4")


class Bench:
    def __init__(self, url: str, voters: int, directory: Path) -> None:
        self.rng = SeededRandomness("bench revoting answers")
        manifest = demo_manifest("bench-revoting")
        key, _ = run_key_ceremony(manifest, directory, self.rng)
        self.store = SqlStore(url)
        self.elections = ElectionService(self.store, self.rng)
        roll = Roll(self.store, now_ms)
        organiser = random_nonzero_scalar(self.rng)
        self.ctx = self.elections.create(
            manifest,
            key,
            organiser_key=base_mul(organiser),
            schedule=Schedule(60, ((40, 20),), cover=Cover(300, 100)),
        )
        eid = self.eid = manifest.election_id
        rows = [
            (f"9001013{i:05d}", f"Voter {i}", f"+7 701 {i:03d} 0000", UNITS[i % 4])
            for i in range(voters + 1)
        ]
        csv = "national_id,name,phone,email,unit\n" + "".join(
            f"{n},{name},{phone},,{unit}\n" for n, name, phone, unit in rows
        )
        roll.import_csv(eid, csv.encode())
        made = build_roll_upload(
            eid,
            self.ctx,
            roll.summary_body(eid),
            [Voter(n, name, unit) for n, name, _, unit in rows],
            organiser,
            self.rng,
        )
        keep_encrypted_roll(self.elections, roll, eid, upload_to_json(made.upload))
        self.elections.open(eid, roll=lambda conn: roll.summary_body(eid, conn))
        self.desk = RevotingDesk(self.elections, now_ms)
        self.letters = [LetterSecret.from_code(code) for _, _, _, code in made.letters]
        self.ids = {}
        for n, *_ in rows:
            found = self.store.voter_by_national_id(eid, n)
            assert found is not None
            self.ids[n] = int(found["voter_id"])
        self.national_ids = [n for n, *_ in rows]

    def register(self, voter: int) -> CredentialSeed:
        base, h = self.ctx.base_hash, self.ctx.public_key
        session = f"bench-{voter}"
        voter_id = self.ids[self.national_ids[voter]]
        commitment = self.desk.start_registration(self.eid, voter_id, session)
        seed = generate_seed(self.rng, base)
        reg, private = make_registration(
            base, h, verifier_key(self.ctx), commitment, seed, self.letters[voter], self.rng
        )
        payload = canonical_bytes(
            {
                "registration": registration_to_json(reg),
                "private": registration_private_to_json(private),
            }
        )
        self.desk.register(self.eid, voter_id, session, payload)
        return seed

    def cast_payload(self, seed: CredentialSeed) -> bytes:
        ballot, _, private = encrypt_ballot_v2(
            self.ctx, seed, verifier_key(self.ctx), CHOICE, self.rng
        )
        return canonical_bytes(
            {"ballot": ballot_v2_to_json(ballot), "private": ballot_private_to_json(private)}
        )

    def cast(self, voter: int, payload: bytes) -> None:
        self.desk.cast(self.eid, self.ids[self.national_ids[voter]], payload, IN_PROCESS)

    def start(self, voter: int) -> None:
        self.desk.start_registration(self.eid, self.ids[self.national_ids[voter]], "timed")


def timed(call: Callable[[], None]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def summary(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered), 3),
        "mean_ms": round(statistics.fmean(ordered), 3),
        "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))], 3),
    }


def permutation_p(a: Sequence[float], b: Sequence[float], rounds: int) -> float:
    """The share of random relabellings of ``a + b`` whose difference of medians is at
    least the observed one (two-sided)."""
    observed = abs(statistics.median(a) - statistics.median(b))
    pooled = list(a) + list(b)
    rng = SeededRandomness("permutations")
    hits = 0
    for _ in range(rounds):
        for i in range(len(pooled) - 1, 0, -1):  # Fisher-Yates
            j = random_below(rng, i + 1)
            pooled[i], pooled[j] = pooled[j], pooled[i]
        x, y = pooled[: len(a)], pooled[len(a) :]
        if abs(statistics.median(x) - statistics.median(y)) >= observed:
            hits += 1
    return (hits + 1) / (rounds + 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=8)
    parser.add_argument("--casts", type=int, default=20, help="per credential (at most 31)")
    parser.add_argument("--permutations", type=int, default=2000)
    parser.add_argument("--database", default=None, help="a database URL (default SQLite)")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    casts = min(args.casts, 31)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        bench = Bench(url, args.voters, Path(tmp))
        seeds: list[tuple[CredentialSeed, CredentialSeed]] = []
        for v in range(args.voters):
            revoked = bench.register(v)
            bench.cast(v, bench.cast_payload(revoked))
            seeds.append((bench.register(v), revoked))  # (current, revoked)
        times: dict[str, list[float]] = {
            "cast current": [], "cast revoked": [], "start replaced": [], "start none": [],
        }  # fmt: skip
        none = args.voters  # the last voter never registers
        for _ in range(casts):
            for v, (current, revoked) in enumerate(seeds):
                made = {"current": bench.cast_payload(current),
                        "revoked": bench.cast_payload(revoked)}  # fmt: skip
                for state in ("current", "revoked"):
                    payload = made[state]
                    times[f"cast {state}"].append(timed(lambda: bench.cast(v, payload)))  # noqa: B023
                times["start replaced"].append(timed(lambda: bench.start(v)))  # noqa: B023
                times["start none"].append(timed(lambda: bench.start(none)))
        bench.store.close()
    out: dict[str, Any] = {name: summary(samples) for name, samples in times.items()}
    out["cast p"] = permutation_p(times["cast current"], times["cast revoked"], args.permutations)
    out["start p"] = permutation_p(times["start replaced"], times["start none"], args.permutations)
    for name, value in out.items():
        print(f"{name:16} {value}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
