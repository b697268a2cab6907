"""The whole close at ``N`` voters (docs/coercion.md §5.3, §5.4; issue 15): stage A, stage B
and B6, the tally per reporting unit, per round and per trustee.

**The scenario** is benchmarks/bench_close_a.py's (its board, cover and padding, made by
its ``build_board``): 90 % of the voters cast one ballot, 5 % two under one credential,
5 % replace the credential (the second registration revokes the first's tag point) and
cast one ballot under each, so **10 % vote again, half of them with a new credential**;
one contest of 5 candidates, choose 1; ``k = 3`` of ``n = 4`` trustees.  Besides, every
voter is on an **encrypted roll** (protocol/encrypted_roll.py ``make_roll``: a letter and
a roll row each, in ``--units`` manifest units of equal size, each its own reporting unit)
and registers with its letter's handle and activation, as a device does; cover voters
and cover replacements are on no roll (stage B drops the ones that cast: each ``C1`` is
revoked by its ``C2``).  Every voter's last ballot under its current credential counts in
its unit: the run checks that the close is done with no failure, that the winners revoked
are the replaced credentials and the cover replacements, and that the tally counts one
ballot a voter, per reporting unit.  With ``--paper-share s`` every ``1/s``-th voter is
also listed by its unit's paper station (one per manifest unit): the close adds the paper
rounds (docs/coercion.md §5.4, "Paper lists") and those voters' e-votes are cancelled.

**Timed** as bench_close_a times stage A (CPU: ``time.process_time``; wall):

* the roll and the board objects: not the close, reported;
* **prove**: each trustee's :func:`~honestballot.protocol.close_a.act`, per round and per
  trustee, in ``act_to_end`` over :func:`~honestballot.protocol.close_b.run_close` with
  ``check=False``; what it spends besides acting is its re-reading of the record each
  round (combinations and list hashes, no proofs);
* **verify**: one :func:`~honestballot.protocol.close_b.run_close` over every object (each
  proof checked once), split by the functions it calls (bench_close_a's, and stage B's
  tag and equivalence combinations), then protocol/close_result.py's ``close_result``
  (the discrete logarithms of the tally);
* **record**: bench_close_a's ``record`` of every object (published, canonical JSON, read
  back and assembled), and the ``result`` body's canonical JSON.

Each object's step (kind and list) is put in the round the reading opened it in
(``Close.opened``), and each verifying function's time in the round of its step; what
names no step (list hashes, grouping, stage B's combinations) is "reading".  With
``--count`` the group operations are counted too.

Run from the repository root (under the benchmark lock)::

    python benchmarks/bench_close.py [--voters 1000] [--units 10] [--seed S] [--count]
        [--paper-share 0.05] [--json OUT]
    python benchmarks/bench_close.py --report OUT    # the tables of saved results

This is a benchmark, not a test (STYLE.md habit 9).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ballot import count_group_operations
from bench_close_a import (
    Meter,
    bench_main,
    build_board,
    make_election,
    patched,
    record,
    time_m,
    verify_timed,
)

from honestballot.crypto.elgamal import Ciphertext, encrypt_point
from honestballot.crypto.group import Point
from honestballot.crypto.hashing import canonical_json
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.protocol import close_a, close_b
from honestballot.protocol.close_a import (
    CloseItem,
    CloseKeys,
    StageAInputs,
    TrusteeKeys,
    act_to_end,
    item_step,
)
from honestballot.protocol.close_b import (
    Close,
    PaperList,
    StageBInputs,
    run_close,
    stage_b_inputs,
)
from honestballot.protocol.close_result import close_result
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.encrypted_roll import MadeRoll, make_roll

#: a verifying function's span name (bench_close_a.verify_timed's labels) up to its list:
#: the kind of step it belongs to
KIND_OF = {
    "verify mix": "mix",
    "verify tag": "tag",
    "combine tags": "tag",
    "verify point-tag": "point-tag",
    "cover points (hash to point)": "point-tag",
    "combine point-tags": "point-tag",
    "verify offset": "offset",
    "combine offsets": "offset",
    "apply offsets": "offset",
    "walk counters": "decrypt",
    "verify equivalence": "equivalence",
    "combine equivalence": "equivalence",
    "verify decrypt": "decrypt",
    "combine decryptions": "decrypt",
}
READING = "reading"


def prove(
    ctx: ElectionContext, keys: CloseKeys, inputs: StageAInputs, b_inputs: StageBInputs,
    trustees: dict[int, TrusteeKeys], rng: SeededRandomness, meter: Meter,
) -> tuple[Close, list[CloseItem]]:  # fmt: skip
    """The honest trustees' run, each action timed under ``act <kind> <list> #<trustee>``."""

    def label(_ctx: Any, step: close_a.Step, tk: TrusteeKeys, *_: Any) -> tuple[str, int]:
        return f"act {step.kind} {step.list} #{tk.trustee}", step.count or len(step.inputs)

    def read(items: Sequence[CloseItem], proven: Any) -> Close:
        return run_close(ctx, keys, inputs, b_inputs, items, proven=proven)

    with patched(close_a, "act", label, meter), meter.span("act_to_end (check=False)"):
        return act_to_end(ctx, read, keys.threshold, trustees, rng, check=False)


def verify(
    ctx: ElectionContext, keys: CloseKeys, inputs: StageAInputs, b_inputs: StageBInputs,
    items: list[CloseItem], meter: Meter,
) -> tuple[Close, dict[str, Any]]:  # fmt: skip
    """One reading of every object, its time split by the functions it calls; then the
    result computed from it."""

    def combine(what: str) -> Any:
        return lambda shares, *_: (what, len(shares[0].entries) if shares else 0)

    with ExitStack() as stack:
        timed_shuffle = stack.enter_context(verify_timed(meter))
        stack.enter_context(
            patched(close_b, "combine_tag_shares", combine("combine tags (stage B)"), meter)
        )
        stack.enter_context(
            patched(
                close_b, "combine_equivalence_shares", combine("combine equivalence (stage B)"),
                meter,
            )
        )  # fmt: skip
        with meter.span("run_close (every proof)"):
            close = run_close(ctx, keys, inputs, b_inputs, items, timed_shuffle)
    with meter.span("close_result (discrete logarithms)"):
        result = close_result(ctx, inputs, close)
    return close, result


def round_of_steps(close: Close, items: Sequence[CloseItem]) -> dict[str, str]:
    """``"<kind> <list>"`` of every object's step: the round it was taken in."""
    starts = list(close.opened)
    out: dict[str, str] = {}
    for n, item in enumerate(items):
        kind, name = item_step(item)
        round_ = [r for r, at in starts if at <= n][-1]
        out.setdefault(f"{kind} {name}", round_)
    return out


def check(
    args: argparse.Namespace, board_counts: dict[str, int], close: Close, listed: int = 0
) -> None:
    """The close an honest run must reach: done, no failure, every replaced credential
    and cover replacement revoked, one counted ballot a voter in its reporting unit, and
    the e-votes of the ``listed`` paper voters cancelled (each voter votes online)."""
    if not close.done or close.failures or close.tally is None:
        raise SystemExit(f"the close is not done cleanly: {close.round}, {close.failures}")
    revoked = board_counts["replaced"] + board_counts["cover replacements"]
    counted = args.voters - listed
    if close.revoked != revoked or len(close.counted) != counted:
        raise SystemExit(
            f"{close.revoked} revoked (not {revoked}), {len(close.counted)} counted (not {counted})"
        )
    if close.paper_cancelled != listed:
        raise SystemExit(f"{close.paper_cancelled} e-votes cancelled by paper, not {listed}")
    per_unit = [n for _, n in close.tally.counted_per_unit]
    if sum(per_unit) != counted or len(per_unit) != args.units:
        raise SystemExit(f"counted per reporting unit: {close.tally.counted_per_unit}")


def paper_lists(
    args: argparse.Namespace, key: Point, base: bytes, voter_units: Sequence[str],
    roll: MadeRoll, rng: SeededRandomness,
) -> list[PaperList]:  # fmt: skip
    """With ``--paper-share s``: every ``round(1/s)``-th voter listed by its manifest unit's
    paper station (each unit one), ``Enc(V)`` of its handle; the protocols' counts empty."""
    if not args.paper_share:
        return []
    step = max(1, round(1 / args.paper_share))
    listed: dict[str, list[Ciphertext]] = {}
    for i in range(0, len(voter_units), step):
        handle = roll.letters[i].handle(base)
        ct = encrypt_point(key, handle, random_nonzero_scalar(rng))
        listed.setdefault(voter_units[i], []).append(ct)
    order = list(dict.fromkeys(voter_units))
    ids = roll.units.ids
    return [
        PaperList(u, ids.index(roll.units.of_unit[u]), tuple(listed[u]), len(listed[u]), ())
        for u in order
        if u in listed
    ]


def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = SeededRandomness(f"bench close {args.seed}")
    m_at = [time_m(rng)]  # before and after each phase: the load moves it
    unit_ids = [f"u{i}" for i in range(args.units)]
    ctx, keys, trustees = make_election(rng, unit_ids)
    base, voters = ctx.base_hash, args.voters
    with ExitStack() as stack:
        counts = stack.enter_context(count_group_operations()) if args.count else None
        build, prover, verifier, writer = (Meter(counts) for _ in range(4))
        t0 = time.perf_counter()
        voter_units = [unit_ids[i * args.units // voters] for i in range(voters)]
        with build.span("encrypted roll (make_roll)", voters):
            roll = make_roll(
                base, ctx.public_key, voter_units, unit_ids, ctx.manifest.min_unit_size, rng
            )
        board, inputs = build_board(ctx, args, rng, build, roll.letters)
        units = Counter(roll.units.of_unit[u] for u in voter_units)
        paper = paper_lists(args, ctx.public_key, base, voter_units, roll, rng)
        where = [(u, roll.units.ids.index(roll.units.of_unit[u])) for u in unit_ids]
        b_inputs = stage_b_inputs(
            board.registrations, roll.rows, [(u, units[u]) for u in roll.units.ids],
            paper=paper, paper_stations=[p.station for p in paper], unit_of=where,
        )  # fmt: skip
        m_at.append(time_m(rng))
        print(f"board made in {time.perf_counter() - t0:.0f} s: {dict(board.counts)}", flush=True)
        state, items = prove(ctx, keys, inputs, b_inputs, trustees, rng, prover)
        m_at.append(time_m(rng))
        print(f"proved: {len(items)} objects, {prover.cpu('act_to_end'):.0f} s CPU", flush=True)
        again, result = verify(ctx, keys, inputs, b_inputs, items, verifier)
        m_at.append(time_m(rng))
        print(f"verified: {verifier.cpu('run_close'):.0f} s CPU", flush=True)
        listed = sum(len(p.handles) for p in paper)
        check(args, dict(board.counts), again, listed)
        if again.counted != state.counted or again.tally != state.tally:
            raise SystemExit("the reading did not reach the run's outcome")
        sizes = record(ctx, keys, trustees, items, rng, writer)
        result_bytes = len(canonical_json(result))
    m_at.append(time_m(rng))
    phases = ("build", "prove", "verify", "record")

    def spans(meter: Meter) -> dict[str, Any]:
        return {
            name: {
                "cpu_s": s.cpu,
                "wall_s": s.wall,
                "calls": s.calls,
                "items": s.items,
                **({"ops": dict(s.ops)} if args.count else {}),
            }
            for name, s in meter.spans.items()
        }

    return {
        "voters": voters,
        "units": args.units,
        "threshold": keys.threshold,
        "trustees": len(trustees),
        "board": dict(board.counts) | {"roll rows": len(roll.rows)},
        "objects": len(items),
        "paper_share": args.paper_share,
        "paper_listed": listed,
        "revoked": again.revoked,
        "counted": len(again.counted),
        "counted_per_unit": [n for _, n in again.tally.counted_per_unit] if again.tally else [],
        "rounds": [r for r, _ in again.opened],
        "round_of": round_of_steps(again, items),
        #: a variable-base multiplication's CPU µs before and after each phase
        "m_us": {p: (m_at[i] * 1e6, m_at[i + 1] * 1e6) for i, p in enumerate(phases)},
        "load": os.getloadavg(),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "build": spans(build),
        "prove": spans(prover),
        "verify": spans(verifier),
        "record": spans(writer),
        "sizes": sizes,
        "result_bytes": result_bytes,
    }


# -- the report -------------------------------------------------------------------------


def counted_m(ops: dict[str, int]) -> float:
    """Group operations weighed as docs/coercion.md §10 weighs them (bench_close_a)."""
    add = sum(ops.get(k, 0) for k in ("add", "sub", "neg"))
    return ops.get("mul_var", 0) + ops.get("mul_base", 0) / 3 + 0.3 * add


def report(r: dict[str, Any]) -> None:
    n, k = r["voters"], r["threshold"]
    rounds, round_of = r["rounds"], r["round_of"]
    m = statistics.mean(x for pair in r["m_us"].values() for x in pair)
    counted = any("ops" in s for s in r["prove"].values())
    print(
        f"\n{n:,} voters in {r['units']} reporting units, k = {k} of n = {r['trustees']}; "
        f"m = {m:.1f} µs (mean of "
        f"{', '.join(f'{a:.0f}–{b:.0f}' for a, b in r['m_us'].values())} around the phases); "
        f"load {', '.join(f'{x:.2f}' for x in r['load'])}; peak RSS {r['peak_rss_mib']:.0f} MiB"
    )
    b = r["board"]
    print("board:", ", ".join(f"{key} {v:,}" for key, v in b.items()))
    print(
        f"close: {r['objects']} objects, rounds {' '.join(rounds)}; revoked {r['revoked']:,}, "
        f"counted {r['counted']:,} ({', '.join(map(str, r['counted_per_unit']))} per unit)"
    )
    print(
        f"padded rows per voter: {b['padding rows'] / n:.3f} (padding), "
        f"{b['A.rows'] / n:.2f} A.rows ({b['cover rows'] / n:.2f} cover)"
    )
    print("\nboard objects (not the close)    CPU s   wall s")
    for name, s in r["build"].items():
        print(f"  {name:46} {s['cpu_s']:8.1f} {s['wall_s']:8.1f}")

    # per round: prove per trustee, verify, counted m, bytes
    prove_t: dict[str, Counter[int]] = {x: Counter() for x in rounds}
    prove_m: defaultdict[str, float] = defaultdict(float)
    rows: dict[str, list[str]] = {x: [] for x in rounds}
    acts = 0.0
    for name, s in r["prove"].items():
        if not name.startswith("act "):
            continue
        step, who = name[4:].rsplit(" #", 1)
        x = round_of[step]
        prove_t[x][int(who)] += s["cpu_s"]
        prove_m[x] += counted_m(s.get("ops", {}))
        acts += s["cpu_s"]
        label = f"{step.split(' ', 1)[1]} {s['items'] // s['calls']:,}"
        if label not in rows[x]:
            rows[x].append(label)
    verify_cpu: Counter[str] = Counter()
    verify_m: defaultdict[str, float] = defaultdict(float)
    parts = {key: s for key, s in r["verify"].items() if key != "run_close (every proof)"}
    for name, s in parts.items():
        verb, _, lst = name.rpartition(" ")
        kind = KIND_OF.get(verb)
        x = round_of.get(f"{kind} {lst}", READING) if kind else READING
        if name.startswith("close_result"):
            x = "result"
        verify_cpu[x] += s["cpu_s"]
        verify_m[x] += counted_m(s.get("ops", {}))
    whole = r["verify"]["run_close (every proof)"]
    verify_cpu[READING] += whole["cpu_s"] - sum(
        s["cpu_s"] for key, s in parts.items() if not key.startswith("close_result")
    )
    size: Counter[str] = Counter()
    for step, s in r["sizes"].items():
        size[round_of[step]] += s["bytes"]
    size["result"] += r["result_bytes"]
    trustees = sorted({j for t in prove_t.values() for j in t})
    head = " ".join(f"{'#' + str(j):>6}" for j in trustees)
    extra = f" {'prove m':>8} {'verify m':>8}" if counted else ""
    print(
        f"\nper round: CPU s to prove per trustee, to verify (one reader); close JSON KB per "
        f"voter;{' group operations counted, m per voter;' if counted else ''} the rows "
        "each step of the round acts on"
    )
    print(f"{'round':15} {head} {'prove':>7} {'verify':>7} {'KB/vtr':>7}{extra}  rows")
    total = Counter[str]()
    for x in [*rounds, "result", READING]:
        p = sum(prove_t.get(x, Counter()).values())
        cells = " ".join(f"{prove_t.get(x, Counter())[j]:6.1f}" for j in trustees)
        line = f"{x:15} {cells} {p:7.1f} {verify_cpu[x]:7.1f} {size[x] / n / 1e3:7.2f}"
        if counted:
            line += f" {prove_m[x] / n:8.1f} {verify_m[x] / n:8.1f}"
        print(f"{line}  {'; '.join(rows.get(x, []))}")
        total.update({"prove": p, "verify": verify_cpu[x], "bytes": size[x]})
        total.update({"pm": prove_m[x], "vm": verify_m[x]})
    per_t = Counter[int]()
    for t in prove_t.values():
        per_t.update(t)
    cells = " ".join(f"{per_t[j]:6.1f}" for j in trustees)
    line = (
        f"{'the close':15} {cells} {total['prove']:7.1f} {total['verify']:7.1f} "
        f"{total['bytes'] / n / 1e3:7.2f}"
    )
    if counted:
        line += f" {total['pm'] / n:8.1f} {total['vm'] / n:8.1f}"
    print(line)
    stage_a = [x for x in rounds if x.startswith("A-")]
    for name, which in (("stage A", stage_a), ("stage B and B6", [*rounds[len(stage_a) :]])):
        p = sum(sum(prove_t[x].values()) for x in which)
        v = sum(verify_cpu[x] for x in which)
        print(f"  {name}: prove {p:.0f} s, verify {v:.0f} s, "
              f"{sum(size[x] for x in which) / n / 1e3:.2f} KB/voter")  # fmt: skip
    rerun = r["prove"]["act_to_end (check=False)"]["cpu_s"] - acts
    print(f"act_to_end's re-reading of the record each round (not a trustee's work): "
          f"{rerun:.1f} s CPU")  # fmt: skip
    rec = r["record"]
    print(
        "record: publish {:.1f} s, canonical JSON {:.1f} s, reading back (json.loads, strict "
        "parsing with signatures, assemble) {:.1f} s CPU; {:.1f} MB, {:.2f} KB a voter".format(
            rec["publish (parts, digests, signatures)"]["cpu_s"],
            rec["canonical JSON"]["cpu_s"],
            sum(rec[x]["cpu_s"] for x in rec if x.startswith(("json", "close_part", "assem"))),
            total["bytes"] / 1e6,
            total["bytes"] / n / 1e3,
        )
    )
    print(f"\n{'per voter':40} {'prove CPU s':>12} {'verify CPU s':>13} {'KB':>6}")
    print(f"{'the close':40} {total['prove'] / n:12.4f} {total['verify'] / n:13.4f} "
          f"{total['bytes'] / n / 1e3:6.2f}")  # fmt: skip


def main() -> None:
    bench_main(1000, run, report, units=True)


if __name__ == "__main__":
    main()
