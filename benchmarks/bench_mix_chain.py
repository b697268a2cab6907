"""A mixed contest end to end on the election service: casting, a chain of mixers, the
tally, threshold decryption of every shuffled row, the result and verification.

One election with one contest of ``--options`` candidates counted by mixing (rows of that
width), a 2-of-3 key ceremony, ``--ballots`` voters who each cast one ballot (made before
anything is timed, in a process pool: that is the voters' devices' work), then, timed:

1. each of the ``--mixers`` trustees makes its mix (shuffle + proof,
   ``protocol.mix.make_mix``) on the previous output, cut into signed parts
   (``protocol.mix_parts.publish_mix``);
2. the service checks and appends each part and then the mix that names them
   (``submit_mix_line``: the parts' signatures, the proof of shuffle and the mix's
   signature verified);
3. the tally (the last mix's rows become the tally's entries), two trustees' decryption
   shares (made and checked by the service), the result;
4. ``verify_record`` over the exported record with one process.

With ``--ranked irv`` or ``--ranked schulze`` the contest is instead a ranked contest
(docs/ranked.md) of ``--options`` candidates with ``--ranks`` positions (rows of that
width); each voter ranks all positions, in an order drawn from the voter's seed, and the
result step includes the count (IRV rounds or Schulze's matrices).

Reported: seconds per step, per row, the mix file's bytes per row, the record's bytes.
A row of width w takes about 150·w + 300 bytes in a mix (its ciphertexts and its share of
the proof, JSON hex: 1,054 bytes at w = 5); a part holds at most 131,072 / (w + 2) rows
(18,724 at w = 5, some 20 MB), so a mix of any size is lines well below the record's
64 MiB (docs/record-format.md §6).

Run from the repository root::

    python benchmarks/bench_mix_chain.py [--ballots 10000] [--options 5] [--mixers 3]
        [--ranked irv|schulze --ranks 10]

This is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from honestballot.crypto.randomness import SeededRandomness
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.protocol.ballot import encrypt_ballot
from honestballot.protocol.credential import generate_credential
from honestballot.protocol.decryption import create_decryption_share
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.manifest import Contest, Label, Manifest, Option, Unit
from honestballot.protocol.mix import make_mix
from honestballot.protocol.mix_parts import publish_mix
from honestballot.protocol.share_parts import publish_share
from honestballot.record.ballot import ballot_to_json
from honestballot.record.codec import canonical_bytes
from honestballot.record.mix import mix_head_to_json, mix_part_to_json
from honestballot.record.setup import context_from_setup
from honestballot.record.share_parts import share_head_to_json, share_part_to_json
from honestballot.service.board.election import ElectionService
from honestballot.service.demo import run_key_ceremony
from honestballot.store.sql import SqlStore
from honestballot.verify.verifier import verify_record

ELECTION = "bench-mix"


def manifest(options: int, method: str | None = None, ranks: int = 1) -> Manifest:
    lab = Label("Кандидат", "Үміткер", "Candidate")
    leader = Contest(
        "leader",
        Label("Лидер", "Көшбасшы", "Leader"),
        tuple(Option(f"c{i}", lab) for i in range(options)),
        1,
        ranks if method else 1,
        False,
        count="mix",
        method=method,
    )
    return Manifest(ELECTION, Label("Смесь", "Араласу", "Mix"), (leader,), (Unit("u", lab),), 1)


_CTX: ElectionContext | None = None


def _init(setup_json: str) -> None:
    global _CTX
    _CTX = context_from_setup(json.loads(setup_json), check_ceremony=False)[0]


def _cast_jobs(args: tuple[int, int, int, int]) -> list[tuple[str, str]]:
    """(credential public hex, ballot JSON) for voters start..stop (``ranks`` 0: a vote
    for one; otherwise a ranking of that many, in an order drawn from the voter's seed)."""
    start, stop, options, ranks = args
    assert _CTX is not None
    out = []
    for i in range(start, stop):
        rng = SeededRandomness(f"bench voter {i}")
        voter = generate_credential(rng)
        choice: dict[str, set[str] | tuple[str, ...]] = {"leader": {f"c{i % options}"}}
        if ranks:
            order = random.Random(i).sample(range(options), ranks)
            choice = {"leader": tuple(f"c{j}" for j in order)}
        ballot, _ = encrypt_ballot(_CTX, voter, choice, rng)
        out.append((voter.public.hex(), json.dumps(ballot_to_json(ballot))))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ballots", type=int, default=10_000)
    ap.add_argument("--options", type=int, default=5)
    ap.add_argument("--mixers", type=int, default=3)
    ap.add_argument("--ranked", choices=("irv", "schulze"), help="a ranked contest instead")
    ap.add_argument("--ranks", type=int, default=10, help="rank positions (with --ranked)")
    ap.add_argument("--json", metavar="OUT")
    a = ap.parse_args()
    ranks = a.ranks if a.ranked else 0
    figures: dict[str, Any] = {
        "ballots": a.ballots,
        "width": ranks or a.options,
        "mixers": a.mixers,
        "ranked": a.ranked,
    }
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        m = manifest(a.options, a.ranked, ranks)
        key, secrets = run_key_ceremony(m, directory, SeededRandomness("bench"))
        service = ElectionService(SqlStore(f"sqlite:///{directory / 'store.sqlite'}"))
        ctx = service.create(m, key, unprotected=True)
        setup = next(iter(service.store.iter_events(ELECTION, kinds=("setup",))))
        setup_json = json.dumps(json.loads(setup.line)["body"])
        procs = os.cpu_count() or 1
        chunks = [(i, min(i + 200, a.ballots), a.options, ranks) for i in range(0, a.ballots, 200)]
        t = time.perf_counter()
        with ProcessPoolExecutor(procs, initializer=_init, initargs=(setup_json,)) as pool:
            made = [item for part in pool.map(_cast_jobs, chunks) for item in part]
        figures["encrypt_s"] = time.perf_counter() - t
        from honestballot.crypto.group import Point

        for public_hex, _ in made:
            service.register_credential(ELECTION, Point.decode(bytes.fromhex(public_hex)), "u")
        service.open(ELECTION)
        t = time.perf_counter()
        for _, ballot_json in made:
            service.cast(ELECTION, ballot_json)
        figures["cast_s"] = time.perf_counter() - t
        service.close(ELECTION)
        steps = []
        for trustee in range(1, a.mixers + 1):
            share = secrets[trustee - 1].key_share  # type: ignore[union-attr]
            assert share is not None
            t = time.perf_counter()
            mix = make_mix(
                m, ctx.base_hash, ctx.public_key, "leader", trustee, trustee,
                service.mix_input(ELECTION, "leader"), SYSTEM_RANDOMNESS,
            )  # fmt: skip
            parts, head = publish_mix(ctx.base_hash, mix, share, SYSTEM_RANDOMNESS)
            made_s = time.perf_counter() - t
            lines = [canonical_bytes({"kind": "mix-part", "body": mix_part_to_json(p)})
                     for p in parts]  # fmt: skip
            lines.append(canonical_bytes({"kind": "mix", "body": mix_head_to_json(head)}))
            t = time.perf_counter()
            for line in lines:
                service.submit_mix_line(ELECTION, line)
            body = b"\n".join(lines)
            steps.append(
                {
                    "trustee": trustee,
                    "mix_s": made_s,
                    "submit_s": time.perf_counter() - t,
                    "bytes_per_row": len(body) / a.ballots,
                }
            )
            print(f"mix {trustee}: made in {made_s:.1f} s, checked and appended in "
                  f"{steps[-1]['submit_s']:.1f} s, {len(body) / a.ballots:.0f} bytes per row",
                  flush=True)  # fmt: skip
        figures["mixes"] = steps
        t = time.perf_counter()
        tally = service.tally(ELECTION)
        figures["tally_s"] = time.perf_counter() - t
        t = time.perf_counter()
        for s in (secrets[0], secrets[2]):
            share = create_decryption_share(s, tally, SYSTEM_RANDOMNESS)
            assert s.key_share is not None
            parts, head = publish_share(
                tally.election, tally, share, s.key_share, SYSTEM_RANDOMNESS
            )
            for part in parts:
                line = {"kind": "share-part", "body": share_part_to_json(part)}
                service.submit_decryption_share(ELECTION, json.dumps(line))
            line = {"kind": "decryption-share", "body": {"share": share_head_to_json(head)}}
            service.submit_decryption_share(ELECTION, json.dumps(line))
        figures["decrypt_s"] = time.perf_counter() - t
        t = time.perf_counter()
        service.publish_result(ELECTION)
        figures["result_s"] = time.perf_counter() - t
        path = directory / "record.jsonl"
        service.export_record(ELECTION, str(path))
        figures["record_bytes"] = path.stat().st_size
        t = time.perf_counter()
        with path.open("rb") as f:
            report = verify_record(f, workers=1)
        figures["verify_s"] = time.perf_counter() - t
        figures["verified"] = report.passed
        service.store.close()
    for k, v in figures.items():
        if k != "mixes":
            print(f"{k}: {v:.1f}" if isinstance(v, float) else f"{k}: {v}")
    if a.json:
        Path(a.json).write_text(json.dumps(figures, indent=1))
    return 0 if figures["verified"] else 1


if __name__ == "__main__":
    sys.exit(main())
