"""Tally and decryption of many ballots for one 5-option vote-for-1 contest.

Measured, each repeated and reported as the median:

1. **aggregation** -- :func:`honestballot.protocol.tally.compute_tally` over ``N``
   ballots (default 100,000), i.e. ``5*N`` ciphertext additions (``10*N`` ristretto255
   point additions); with, for reference, the same sums done by calling libsodium's
   point addition directly on the encodings (no Point/Ciphertext objects);
2. **threshold decryption**, 3 trustees / threshold 2 (key made by the real
   :mod:`~honestballot.protocol.dkg` ceremony): each trustee's decryption share with its
   Chaum--Pedersen proofs, the verification of a share, and
   :func:`~honestballot.protocol.decryption.combine_valid_shares` on all three shares
   (verifies all three, combines two).  If the threshold modules cannot be imported or
   fail, the benchmark falls back to single-key decryption
   (:func:`~honestballot.crypto.elgamal.decrypt_to_point`) and says so;
3. **discrete logs** -- building :class:`~honestballot.crypto.dlog.DiscreteLogTable` with
   bound ``N`` and solving each option's count.

The decrypted counts are checked against the plaintexts the ballots were made from.

The ballots are *not* full ballots: encrypting 100,000 ballots with their proofs would
take minutes (about 2 ms each) and proofs play no part in aggregation (ballots are
verified when cast, see ``bench_ballot.py``).  The ciphertexts are made directly with
:func:`~honestballot.crypto.elgamal.encrypt` in a process pool, and wrapped in
lightweight :class:`~honestballot.protocol.ballot.EncryptedBallot` objects with empty
proofs so that the real ``compute_tally`` runs on them.  The vote distribution is
fixed (35/25/20/15/5 %) and pseudo-random per ballot.

Run from the repository root::

    python benchmarks/bench_tally.py [--ballots 100000] [--json OUT]

This is a benchmark, not a test (STYLE.md habit 9).
"""

from __future__ import annotations

import argparse
import datetime
import functools
import json
import multiprocessing
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import TypeVar

import rbcl

from honestballot.crypto import elgamal
from honestballot.crypto.chaum_pedersen import DisjunctiveProof
from honestballot.crypto.dlog import DiscreteLogTable
from honestballot.crypto.elgamal import Ciphertext
from honestballot.crypto.group import GENERATOR, Point, Scalar, base_mul, small_multiple
from honestballot.crypto.hashing import hash_bytes
from honestballot.crypto.randomness import random_nonzero_scalar, random_scalar
from honestballot.crypto.schnorr import SchnorrProof
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.protocol import decryption, dkg, dkg_verify
from honestballot.protocol.ballot import EncryptedBallot, EncryptedContest
from honestballot.protocol.election import ElectionContext, manifest_hash
from honestballot.protocol.manifest import Contest, Label, Manifest, Option, Unit
from honestballot.protocol.tally import compute_tally
from honestballot.protocol.witnesses import BoardKeys

OPTIONS = 5
WEIGHTS = (35, 25, 20, 15, 5)
UNIT = "unit-1"
CHUNK = 2_000

T = TypeVar("T")


def _label(text: str) -> Label:
    return Label(ru=text, kk=text, en=text)


def make_manifest() -> Manifest:
    contest = Contest(
        id="contest",
        title=_label("5 options, vote for 1"),
        candidates=tuple(Option(f"cand-{i}", _label(f"Candidate {i}")) for i in range(OPTIONS)),
        min_selections=1,
        max_selections=1,
        against_all=False,
    )
    return Manifest(
        election_id="bench-tally",
        title=_label("Tally benchmark"),
        contests=(contest,),
        units=(Unit(UNIT, _label("Unit 1")),),
        min_unit_size=1,
    )


# -- keys ----------------------------------------------------------------------------


@dataclass
class Keys:
    """Either a real 3-of-... threshold key (``threshold``) or a single secret key."""

    public_key: Point
    mode: str
    note: str
    threshold: tuple[dkg_verify.ElectionKey, list[dkg.TrusteeSecret]] | None = None
    secret: Scalar | None = None


def make_keys(manifest: Manifest, trustees: int, threshold: int) -> Keys:
    try:
        rng = SYSTEM_RANDOMNESS
        ceremony = dkg.Ceremony(manifest.election_id, manifest_hash(manifest), trustees, threshold)
        created = [
            dkg.create_trustee(ceremony, i, f"trustee-{i}", rng) for i in range(1, trustees + 1)
        ]
        publics = [p for _, p in created]
        dealt = [dkg.create_deal(s, publics, rng) for s, _ in created]
        deals = [d for _, ds in dealt for d in ds]
        complaints = [c for s, _ in dealt for c in dkg.check_deals(s, deals, rng)]
        key = dkg_verify.verify_ceremony(ceremony, publics, deals, complaints)
        secrets = [dkg_verify.accept_election_key(s, key) for s, _ in dealt]
        return Keys(
            key.public_key,
            "threshold",
            f"{trustees} trustees, threshold {threshold} (protocol.dkg ceremony)",
            threshold=(key, secrets),
        )
    except Exception as exc:  # fall back, and say why, rather than fail the benchmark
        x = random_nonzero_scalar(SYSTEM_RANDOMNESS)
        return Keys(
            base_mul(x),
            "single-key",
            f"threshold modules unavailable ({type(exc).__name__}: {exc}); "
            "single-key elgamal.decrypt_to_point",
            secret=x,
        )


# -- making the ciphertexts (in worker processes) ------------------------------------


def choices_for(start: int, count: int, seed: int) -> bytes:
    """The option each ballot in ``[start, start+count)`` votes for (reproducible)."""
    r = random.Random(f"{seed}:{start}")
    return bytes(r.choices(range(OPTIONS), weights=WEIGHTS, k=count))


def encrypt_chunk(job: tuple[bytes, int, int, int]) -> tuple[bytes, bytes]:
    """Encrypt ``count`` vote-for-1 ballots; return their choices and the 64-byte
    ``alpha || beta`` encodings of every option ciphertext, in order."""
    pk_bytes, start, count, seed = job
    pk = Point.decode(pk_bytes)
    choices = choices_for(start, count, seed)
    out = bytearray()
    for choice in choices:
        for option in range(OPTIONS):
            ct = elgamal.encrypt(pk, int(option == choice), random_scalar(SYSTEM_RANDOMNESS))
            out += ct.alpha.data + ct.beta.data
    return choices, bytes(out)


def make_ciphertexts(
    public_key: Point, n: int, workers: int, seed: int
) -> tuple[list[tuple[Ciphertext, ...]], list[int], float]:
    jobs = [(public_key.data, s, min(CHUNK, n - s), seed) for s in range(0, n, CHUNK)]
    t0 = time.perf_counter()
    with multiprocessing.Pool(workers) as pool:
        parts = pool.map(encrypt_chunk, jobs, chunksize=1)
    t_enc = time.perf_counter() - t0
    counts = [0] * OPTIONS
    ballots: list[tuple[Ciphertext, ...]] = []
    for choices, blob in parts:
        for c in choices:
            counts[c] += 1
        for b in range(len(choices)):
            base = b * OPTIONS * 64
            ballots.append(
                tuple(
                    Ciphertext(
                        Point.decode(blob[base + 64 * o : base + 64 * o + 32]),
                        Point.decode(blob[base + 64 * o + 32 : base + 64 * o + 64]),
                    )
                    for o in range(OPTIONS)
                )
            )
    return ballots, counts, t_enc


def lightweight_ballots(
    election_hash: bytes, cts: list[tuple[Ciphertext, ...]]
) -> list[EncryptedBallot]:
    """EncryptedBallots carrying only the ciphertexts (compute_tally reads nothing else)."""
    no_proof = DisjunctiveProof((), ())
    no_sig = SchnorrProof(Scalar(0), Scalar(0))
    return [
        EncryptedBallot(
            election_hash, GENERATOR, (EncryptedContest("contest", c, (), no_proof),), no_sig
        )
        for c in cts
    ]


def raw_sums(cts: list[tuple[Ciphertext, ...]]) -> list[tuple[bytes, bytes]]:
    """Reference: the per-option sums by calling libsodium directly on the encodings."""
    add = rbcl.crypto_core_ristretto255_add
    acc = [(c.alpha.data, c.beta.data) for c in cts[0]]
    for ballot in cts[1:]:
        acc = [
            (add(a, c.alpha.data), add(b, c.beta.data))
            for (a, b), c in zip(acc, ballot, strict=True)
        ]
    return acc


# -- timing --------------------------------------------------------------------------


def timed(fn: Callable[[], T], reps: int, warmup: int = 1) -> tuple[float, list[float], T]:
    """Median seconds of ``reps`` calls (after ``warmup``), all samples, the last result."""
    result = fn()
    for _ in range(max(0, warmup - 1)):
        result = fn()
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples), samples, result


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:8.2f} s "
    return f"{seconds * 1e3:8.2f} ms"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--ballots", type=int, default=100_000, help="ballots (default 100000)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="encrypting processes")
    ap.add_argument("--agg-reps", type=int, default=5, help="aggregation repetitions (default 5)")
    ap.add_argument("--reps", type=int, default=30, help="decryption/dlog repetitions (default 30)")
    ap.add_argument("--seed", type=int, default=2026, help="seed of the vote distribution")
    ap.add_argument("--json", metavar="OUT", help="also write the results as JSON")
    args = ap.parse_args(argv)
    n = args.ballots
    t_all = time.perf_counter()

    manifest = make_manifest()
    keys = make_keys(manifest, trustees=3, threshold=2)
    ctx = ElectionContext.create(
        manifest,
        keys.public_key,
        hash_bytes("bench/election-key", manifest.election_id),
        BoardKeys(base_mul(Scalar.of(7)), verifier_key=base_mul(Scalar.of(11))),
    )
    log(f"keys: {keys.note}")

    log(f"encrypting {n} ballots x {OPTIONS} options on {args.workers} processes ...")
    cts, expected, t_enc = make_ciphertexts(keys.public_key, n, args.workers, args.seed)
    ballots = lightweight_ballots(ctx.base_hash, cts)
    log(f"  {t_enc:.1f} s; expected counts {expected}")

    # 1. aggregation
    log(f"aggregating ({args.agg_reps} repetitions) ...")
    counted = [(UNIT, b) for b in ballots]
    t_agg, agg_samples, counted_tally = timed(
        lambda: compute_tally(manifest, ctx.base_hash, counted), args.agg_reps
    )
    t_raw, raw_samples, raw = timed(lambda: raw_sums(cts), args.agg_reps)
    # The election-wide totals only: with one unit its per-unit entries repeat them.
    totals = [e for e in counted_tally.tally.entries if "@" not in e.id]
    if [(e.ciphertext.alpha.data, e.ciphertext.beta.data) for e in totals] != raw:
        raise SystemExit("compute_tally and the raw libsodium sums disagree")
    point_adds = 2 * OPTIONS * n

    # 2. decryption
    log(f"decrypting ({keys.mode}, {args.reps} repetitions) ...")
    dec: dict[str, float] = {}
    plaintexts: list[Point]
    if keys.threshold is not None:
        key, secrets = keys.threshold
        dtally = decryption.EncryptedTally(ctx.base_hash, tuple(totals))
        dec["tally hash"], _, _ = timed(lambda: dtally.hash, args.reps)
        shares = []
        share_times = []
        for s in secrets:
            t, _, share = timed(
                functools.partial(decryption.create_decryption_share, s, dtally, SYSTEM_RANDOMNESS),
                args.reps,
            )
            share_times.append(t)
            shares.append(share)
        dec["create share (per trustee)"] = statistics.median(share_times)
        verify_times = [
            timed(functools.partial(decryption.verify_decryption_share, key, dtally, sh), args.reps)
            for sh in shares
        ]
        dec["verify share (per trustee)"] = statistics.median(t for t, _, _ in verify_times)
        dec["combine_decryption (2 shares, verifies both)"], _, _ = timed(
            lambda: decryption.combine_decryption(key, dtally, shares[:2]), args.reps
        )
        dec["combine_valid_shares (3 shares, verifies all)"], _, result = timed(
            lambda: decryption.combine_valid_shares(key, dtally, shares), args.reps
        )
        dec["all trustees' shares + combine_valid_shares"] = (
            len(secrets) * dec["create share (per trustee)"]
            + dec["combine_valid_shares (3 shares, verifies all)"]
        )
        plaintexts = [e.plaintext for e in result.entries]
    else:
        x = keys.secret
        assert x is not None
        dec["decrypt_to_point (all options)"], _, plaintexts = timed(
            lambda: [elgamal.decrypt_to_point(x, e.ciphertext) for e in totals], args.reps
        )

    # 3. discrete logs
    log("discrete logs ...")
    t_table, _, table = timed(lambda: DiscreteLogTable(n), args.reps)
    solve_times: list[float] = []
    found: list[int] = []
    for p in plaintexts:
        t, _, m = timed(functools.partial(table.solve, p), args.reps)
        solve_times.append(t)
        found.append(m)
    if found != expected:
        raise SystemExit(f"decrypted counts {found} != expected {expected}")
    if [small_multiple(m) for m in found] != plaintexts:
        raise SystemExit("m*G does not match the decrypted points")
    t_dlog_total = t_table + sum(solve_times)
    elapsed = time.perf_counter() - t_all

    # -- report ------------------------------------------------------------------------
    print(
        f"honestballot tally benchmark  ({datetime.date.today().isoformat()}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, rbcl {metadata.version('rbcl')})"
    )
    print(
        f"{n} ballots, 1 contest, {OPTIONS} options vote-for-1; keys: {keys.note}\n"
        f"ciphertexts made in {t_enc:.1f} s on {args.workers} processes (not part of the tally)"
    )
    print(f"counts {expected} -- decrypted and recovered correctly\n")
    print(f"{'step':<52} {'median':>11}")
    print(
        f"{'1. compute_tally (' + str(args.agg_reps) + ' reps)':<52} {fmt(t_agg)}"
        f"   = {t_agg / point_adds * 1e6:.1f} us per point addition ({point_adds} additions)"
    )
    print(
        f"{'   reference: raw libsodium additions':<52} {fmt(t_raw)}"
        f"   = {t_raw / point_adds * 1e6:.1f} us per point addition"
    )
    for name, t in dec.items():
        print(f"{'2. ' + name:<52} {fmt(t)}")
    print(f"{'3. DiscreteLogTable(' + str(n) + ') build':<52} {fmt(t_table)}")
    for i, (t, m) in enumerate(zip(solve_times, found, strict=True)):
        print(f"{f'   solve option {i} (count {m})':<52} {fmt(t)}")
    print(f"{'   table + all solves':<52} {fmt(t_dlog_total)}")
    decrypt_total = dec.get(
        "all trustees' shares + combine_valid_shares",
        dec.get("decrypt_to_point (all options)", 0.0),
    )
    print(
        f"\ntally + decryption + discrete logs: {t_agg + decrypt_total + t_dlog_total:.2f} s "
        f"(wall time of the whole benchmark {elapsed:.0f} s)"
    )
    print(f"(aggregation samples: {', '.join(f'{s:.2f}' for s in agg_samples)} s)")

    if args.json:
        out = {
            "date": datetime.date.today().isoformat(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "rbcl": metadata.version("rbcl"),
            "ballots": n,
            "options": OPTIONS,
            "keys": keys.mode,
            "keys_note": keys.note,
            "counts": expected,
            "encrypt_seconds": t_enc,
            "workers": args.workers,
            "aggregation_seconds": t_agg,
            "aggregation_samples": agg_samples,
            "raw_libsodium_aggregation_seconds": t_raw,
            "raw_libsodium_samples": raw_samples,
            "point_additions": point_adds,
            "decryption_seconds": dec,
            "dlog_table_seconds": t_table,
            "dlog_solve_seconds": solve_times,
            "wall_seconds": elapsed,
        }
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=2)
            fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
