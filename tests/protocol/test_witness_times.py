"""The board's times against the witnesses' clocks (protocol/witnesses.py's rule, the check
``log.witness-times``): its bounds at the edge, the events it leaves out, and its one pass
against the rule read pair by pair."""

from __future__ import annotations

import random
import re

from honestballot.protocol.witnesses import (
    CLOCK_SKEW_MS,
    SCHEDULED_KINDS,
    WitnessedTime,
    head_time_problem,
    witnessed_time_problems,
)

T = 1_760_000_000_000


def _events(*times: int, kind: str = "ballot") -> list[tuple[int, str]]:
    return [(t, kind) for t in times]


def test_an_event_may_be_stamped_up_to_the_skew_after_a_witness_saw_it() -> None:
    seen = [WitnessedTime("A", 2, T, T)]
    assert witnessed_time_problems(_events(T, T + CLOCK_SKEW_MS), [(2, T)], seen) == []
    [problem] = witnessed_time_problems(_events(T, T + CLOCK_SKEW_MS + 1), [(2, T)], seen)
    assert problem.startswith(f"witness 'A' saw the head of size 2 at {T} ms, but event 1 ")
    assert f"is stamped {T + CLOCK_SKEW_MS + 1} ms, 300.0 s later" in problem
    # the head's own time, too
    late = [WitnessedTime("A", 2, T + CLOCK_SKEW_MS + 1, T)]
    [problem] = witnessed_time_problems(_events(T, T), [(2, T + CLOCK_SKEW_MS + 1)], late)
    assert "but the head is stamped" in problem


def test_what_follows_a_witnessed_head_is_not_back_dated_but_a_batch_may_be() -> None:
    seen = [WitnessedTime("A", 1, T, T)]
    events = [(T, "open"), (T - CLOCK_SKEW_MS, "ballot")]
    assert witnessed_time_problems(events, [(1, T), (2, T)], seen) == []
    events[1] = (T - CLOCK_SKEW_MS - 1, "ballot")
    [problem] = witnessed_time_problems(events, [(1, T), (2, T)], seen)
    assert "event 1 (ballot), appended after it, is stamped" in problem
    # a batch and its items carry the batch's due time (board rule 11)
    for kind in SCHEDULED_KINDS:
        events[1] = (T - CLOCK_SKEW_MS - 1, kind)
        assert witnessed_time_problems(events, [(1, T), (2, T)], seen) == []
    # a head signed after the witnessed one is not back-dated either
    events[1] = (T, "ballot")
    [problem] = witnessed_time_problems(events, [(1, T), (2, T - CLOCK_SKEW_MS - 1)], seen)
    assert "the head of size 2, signed after it" in problem


def test_one_pass_finds_what_every_pair_finds() -> None:
    """On random boards (times not even in order) the sweep flags exactly the co-signatures
    and bounds that comparing every event and head with every co-signature flags, and names
    the event most out of line."""
    rng = random.Random(16)
    kinds = ["ballot", "batch", "close", "cast-row"]
    for _ in range(200):
        events = [
            (T + rng.randrange(-3, 4) * CLOCK_SKEW_MS // 2, rng.choice(kinds))
            for _ in range(rng.randrange(0, 12))
        ]
        heads = [(n, T + rng.randrange(-2, 3) * CLOCK_SKEW_MS) for n in range(len(events) + 1)]
        cosigs = [
            WitnessedTime(f"w{i}", n, ts, T + rng.randrange(-2, 3) * CLOCK_SKEW_MS)
            for i, (n, ts) in enumerate(rng.sample(heads, min(4, len(heads))))
        ]
        expected = set()
        for c in cosigs:
            before = [(t, i) for i, (t, _) in enumerate(events[: c.size])]
            if max(before, default=(-1, -1))[0] > c.witnessed_ms + CLOCK_SKEW_MS:
                top = max(t for t, _ in before)
                worst = min(i for t, i in before if t == top)
                expected.add((c.witness, f"event {worst} "))
            elif c.timestamp_ms > c.witnessed_ms + CLOCK_SKEW_MS:
                expected.add((c.witness, "the head is stamped"))
            after = [
                (t, i)
                for i, (t, kind) in enumerate(events)
                if i >= c.size and kind not in SCHEDULED_KINDS
            ]
            later_heads = [ts for n, ts in heads if n > c.size]
            if after and min(after)[0] < c.witnessed_ms - CLOCK_SKEW_MS:
                expected.add((c.witness, f"event {min(after)[1]} "))
            elif later_heads and min(later_heads) < c.witnessed_ms - CLOCK_SKEW_MS:
                expected.add((c.witness, "the head of size"))
        found = set()
        for problem in witnessed_time_problems(events, heads, cosigs):
            witness = re.match(r"witness '(\w+)'", problem)
            assert witness is not None
            named = re.search(r"but (event \d+ |the head is stamped|the head of size)", problem)
            assert named is not None
            found.add((witness.group(1), named.group(1)))
        assert found == expected, (events, heads, cosigs)


def test_a_witness_refuses_a_head_from_its_future_or_from_before_its_last_cosignature() -> None:
    assert head_time_problem(T + CLOCK_SKEW_MS, T, None) == ""
    assert "ahead of this witness's clock" in head_time_problem(T + CLOCK_SKEW_MS + 1, T, None)
    assert head_time_problem(T - CLOCK_SKEW_MS, T + CLOCK_SKEW_MS, T) == ""
    refused = head_time_problem(T - CLOCK_SKEW_MS - 1, T + CLOCK_SKEW_MS, T)
    assert "this witness co-signed the last head at" in refused
