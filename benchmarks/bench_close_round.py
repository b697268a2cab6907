"""``honestballot trustee close-round`` with and without its verified-state file
(docs/trustees.md; cli/trustee_state.py, verify/state.py): what a trustee's tool pays per
round of the close of an election with re-voting protection.

**The election** is the coerced-voter demo's (cli/demo_revoting.py ``run_world``: the demo
manifest, two contests, 3 trustees with ``k = 2``, an encrypted roll, a paper station,
``--voters`` voters who register and vote once, the coerced voter again), on a fresh
SQLite file.  Its close is run by trustees 1 and 3 from the command line, as
docs/trustees.md says: before each trustee acts, the record is exported (as a trustee
downloads it), and ``close-round`` runs **twice** on it, in this process, with
``--workers 1`` (so that every check's CPU is this process's) and the same seeded
randomness: once with the trustee's verified-state file (which the previous call left)
and once with a new one (the whole record verified, as before the state existed).  The
two close files must be equal byte for byte (the run stops otherwise); the first is sent
to the service, line by line.

**Timed** per call (CPU: ``time.process_time``; wall): the whole command, and within it
``verify_record`` and the trustee's ``act`` (its proofs); then, on the last record, one
verification each way split by the verifier's parts (reading the lines, decoding the
board's objects, the board's rules, the registrations' and the cast rows' proofs, the
close: its objects read, then replayed with their proofs).

Run from the repository root (under the benchmark lock)::

    python benchmarks/bench_close_round.py [--voters 50] [--seed 2026] [--json OUT]
    python benchmarks/bench_close_round.py --report OUT    # the tables of saved results

This is a benchmark, not a test (STYLE.md habit 9).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from honestballot.cli import trustee as cli_trustee
from honestballot.cli.demo_revoting import ELECTION, ServiceParts, run_world
from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol import close_a
from honestballot.protocol.dkg import TrusteeSecret
from honestballot.protocol.election import ElectionContext
from honestballot.record.trustee import encode_trustee_secret
from honestballot.verify import close as verify_close
from honestballot.verify import verifier

ACTING = (1, 3)
#: the verifier's parts timed on the last record (module, function, label)
PARTS = (
    (verifier, "_read_lines", "reading the lines (JSON, canonical form)"),
    (verifier, "_decode_revoting", "decoding registrations, cast rows, padding"),
    (verifier, "_replay", "board rules"),
    (verifier, "_check_registrations", "registrations' proofs"),
    (verifier, "_check_rows", "cast rows' proofs (and the padding's)"),
    (verify_close, "read_close_items", "close: its objects read (signatures, points)"),
    (verify_close, "run_close", "close: replayed (proofs, combinations, decryptions)"),
)


class Clock:
    """CPU and wall seconds per label."""

    def __init__(self) -> None:
        self.cpu: defaultdict[str, float] = defaultdict(float)
        self.wall: defaultdict[str, float] = defaultdict(float)

    @contextmanager
    def span(self, label: str) -> Iterator[None]:
        c, w = time.process_time(), time.perf_counter()
        try:
            yield
        finally:
            self.cpu[label] += time.process_time() - c
            self.wall[label] += time.perf_counter() - w


@contextmanager
def timing(target: Any, name: str, clock: Clock, label: str) -> Iterator[None]:
    original = getattr(target, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        with clock.span(label):
            return original(*args, **kwargs)

    setattr(target, name, timed)
    try:
        yield
    finally:
        setattr(target, name, original)


def close_round(secret: Path, record: Path, out: Path, state: Path, seed: str) -> Clock:
    """One ``close-round`` in this process, timed: the command, its verification, its
    objects."""
    clock = Clock()
    cli_trustee.SYSTEM_RANDOMNESS = SeededRandomness(f"bench close-round {seed}")
    args = ["close-round", "--secret", str(secret), "--record", str(record), "--state",
            str(state), "--workers", "1", "--out", str(out)]  # fmt: skip
    with ExitStack() as stack:
        stack.enter_context(timing(cli_trustee, "verify_record", clock, "verify"))
        stack.enter_context(timing(close_a, "act", clock, "act"))
        with clock.span("command"):
            cli_trustee.trustee_group.main(args, standalone_mode=False)
    return clock


def split_verification(record: Path, state: Path | None, secret: TrusteeSecret) -> dict[str, Any]:
    """One verification of ``record`` (with the state in ``state``, else of the whole
    record), its CPU split by the verifier's parts."""
    from honestballot.cli.trustee_state import load_state

    known = load_state(state, secret) if state is not None else None
    clock = Clock()
    with ExitStack() as stack:
        for target, name, label in PARTS:
            stack.enter_context(timing(target, name, clock, label))
        with clock.span("verify_record"):
            report = verifier.verify_record(
                record.read_bytes().splitlines(), workers=1, known=known
            )
    assert report.passed, report.failures
    return dict(clock.cpu)


def run(args: argparse.Namespace) -> dict[str, Any]:
    calls: list[dict[str, Any]] = []
    split: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)

        def by_command_line(
            parts: ServiceParts, ctx: ElectionContext, secrets: list[TrusteeSecret], seed: int
        ) -> None:
            paths, keys = {}, {}
            for s in secrets:
                if s.index in ACTING:
                    paths[s.index] = directory / f"trustee-{s.index}.secret.json"
                    paths[s.index].write_text(json.dumps(encode_trustee_secret(s)))
                    keys[s.index] = s
            n = 0
            print(f"the election is closed: {time.perf_counter() - t0:.0f} s", flush=True)
            while not (stage := parts.close.stage(ELECTION)).done:
                for j in ACTING:
                    n += 1
                    record = directory / "record.jsonl"
                    parts.elections.export_record(ELECTION, str(record))
                    state = directory / f"trustee-{j}.verified-state.json"
                    if state.exists():  # the state before this call
                        (directory / "state-before.json").write_bytes(state.read_bytes())
                    made, timed = [], {}
                    for how in ("state", "whole"):
                        out = directory / f"close-{how}.jsonl"
                        use = state if how == "state" else directory / f"whole-{n}.json"
                        timed[how] = close_round(paths[j], record, out, use, str(n))
                        made.append(out.read_bytes())
                    if made[0] != made[1]:
                        raise SystemExit(f"call {n}: the close files differ")
                    lines = record.read_bytes().splitlines()
                    events = sum(1 for x in lines if b'"type":"event"' in x)
                    calls.append({
                        "call": n, "trustee": j, "round": stage.round, "events": events,
                        "bytes": record.stat().st_size,
                        **{f"{how}_{k}": t.cpu[k] for how, t in timed.items() for k in t.cpu},
                        **{f"{how}_wall": t.wall["command"] for how, t in timed.items()},
                    })  # fmt: skip
                    c = calls[-1]
                    print(
                        f"call {n:2} trustee {j} {stage.round:15} {events:6} events: whole "
                        f"{c['whole_command']:6.2f} s CPU (verify {c['whole_verify']:6.2f}), "
                        f"with state {c['state_command']:6.2f} (verify {c['state_verify']:5.2f}); "
                        f"act {c['state_act']:5.2f}",
                        flush=True,
                    )
                    for line in made[0].splitlines():
                        parts.now[0] += 1_000
                        parts.close.submit_line(ELECTION, line)
            # the last call's record, verified whole and from the state before that call
            c = calls[-1]
            split["round"], split["trustee"] = c["round"], c["trustee"]
            split["whole"] = split_verification(record, None, keys[c["trustee"]])
            before = directory / "state-before.json"
            split["state"] = split_verification(record, before, keys[c["trustee"]])

        t0 = time.perf_counter()
        run_world(
            directory / "world", votes_again=True, voters=args.voters, seed=args.seed,
            progress=lambda *_: None, close_by=by_command_line,
        )  # fmt: skip
    return {
        "voters": args.voters,
        "seed": args.seed,
        "calls": calls,
        "split": split,
        "load": os.getloadavg(),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "wall_s": time.perf_counter() - t0,
    }


def report(r: dict[str, Any]) -> None:
    calls = r["calls"]
    print(
        f"\n{r['voters']} voters; {len(calls)} calls of close-round (trustees 1 and 3); "
        f"load {', '.join(f'{x:.2f}' for x in r['load'])}; peak RSS {r['peak_rss_mib']:.0f} "
        f"MiB; {r['wall_s']:.0f} s in all"
    )
    print(
        f"{'call':>4} {'trustee':>7} {'round':15} {'events':>6} {'MB':>5} "
        f"{'whole s':>8} {'verify':>7} {'state s':>8} {'verify':>7} {'act':>6}"
    )
    for c in calls:
        print(
            f"{c['call']:4} {c['trustee']:7} {c['round']:15} {c['events']:6} "
            f"{c['bytes'] / 1e6:5.1f} {c['whole_command']:8.2f} {c['whole_verify']:7.2f} "
            f"{c['state_command']:8.2f} {c['state_verify']:7.2f} {c['state_act']:6.2f}"
        )
    total = {k: sum(c[k] for c in calls) for k in calls[0] if k.startswith(("whole", "state"))}
    print(
        f"the close, CPU s: without a state {total['whole_command']:.1f} (verify "
        f"{total['whole_verify']:.1f}, act {total['whole_act']:.1f}); with a state "
        f"{total['state_command']:.1f} (verify {total['state_verify']:.1f}, act "
        f"{total['state_act']:.1f}); verification "
        f"{total['whole_verify'] / total['state_verify']:.1f}× less, the command "
        f"{total['whole_command'] / total['state_command']:.1f}× less"
    )
    later = calls[2:]
    print(
        "after the first round (every call has a state): verification "
        f"{sum(c['whole_verify'] for c in later) / sum(c['state_verify'] for c in later):.1f}× "
        "less"
    )
    s = r["split"]
    if s:
        print(f"\none verification in round {s['round']} (trustee {s['trustee']}), CPU s:")
        print(f"  {'part':55} {'whole':>7} {'state':>7}")
        for label in [*(p[2] for p in PARTS), "verify_record"]:
            print(f"  {label:55} {s['whole'].get(label, 0):7.2f} {s['state'].get(label, 0):7.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "x").split("\n")[0])
    parser.add_argument("--voters", type=int, default=50)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", type=Path, help="save the results here")
    parser.add_argument("--report", type=Path, help="print the tables of saved results")
    args = parser.parse_args()
    if args.report:
        report(json.loads(args.report.read_text()))
        return
    result = run(args)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    report(result)


if __name__ == "__main__":
    main()
