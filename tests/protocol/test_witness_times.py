"""The board's times against the witnesses' clocks (protocol/witnesses.py's rule, the check
``log.witness-times``): its bounds at the edge, the events it leaves out, and its one pass
against the rule read pair by pair."""

from __future__ import annotations

import random
import re

from honestballot.protocol.witnesses import (
    CLOCK_SKEW_MS,
    RECEIPT_SKEW_MS,
    SCHEDULED_KINDS,
    BoardTimes,
    WitnessedTime,
    head_time_problem,
    receipt_time_problem,
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


def test_the_service_refuses_a_co_signature_far_from_its_clock_or_its_board() -> None:
    """receipt_time_problem: within RECEIPT_SKEW_MS of the service's clock (edges
    included), and not contradicting what the board holds already; one past each bound is
    refused, with the reason."""
    nothing = BoardTimes(None, None, None)

    def seen(w: int, head_ms: int = T) -> WitnessedTime:
        return WitnessedTime("A", 3, head_ms, w)

    assert RECEIPT_SKEW_MS == CLOCK_SKEW_MS // 2
    for w in (T - RECEIPT_SKEW_MS, T, T + RECEIPT_SKEW_MS):
        assert receipt_time_problem(seen(w), T, nothing) == ""
    assert "ahead of the board's clock" in receipt_time_problem(
        seen(T + RECEIPT_SKEW_MS + 1), T, nothing
    )
    assert "behind the board's clock" in receipt_time_problem(seen(0), T, nothing)
    # what the board holds, against the rule's own bound
    edge = BoardTimes(T + CLOCK_SKEW_MS, T - CLOCK_SKEW_MS, T - CLOCK_SKEW_MS)
    assert receipt_time_problem(seen(T), T, edge) == ""
    cases = {
        "an event on the board then": BoardTimes(T + CLOCK_SKEW_MS + 1, None, None),
        "an event appended after it": BoardTimes(None, T - CLOCK_SKEW_MS - 1, None),
        "a head signed after it": BoardTimes(None, None, T - CLOCK_SKEW_MS - 1),
    }
    for what, board in cases.items():
        assert f"but {what} is stamped" in receipt_time_problem(seen(T), T, board)
    assert "but the head is stamped" in receipt_time_problem(
        seen(T, T + CLOCK_SKEW_MS + 1), T, nothing
    )


def test_what_the_service_accepts_never_fails_the_rule_later() -> None:
    """The argument of receipt_time_problem, drawn at random: a service whose clock moves
    forward (or back by at most RECEIPT_SKEW_MS) stamps events max(clock, last) and heads
    likewise, accepts only co-signatures the rule allows on receipt, and its record then
    passes witnessed_time_problems."""
    rng = random.Random(16)
    accepted = refused = 0
    for _ in range(200):
        clock = peak = T
        events: list[tuple[int, str]] = []
        heads: list[tuple[int, int]] = []
        cosigs: list[WitnessedTime] = []
        for _step in range(30):
            step = rng.choice([0, 1_000, 60_000, -RECEIPT_SKEW_MS // 3])
            clock = max(clock + step, peak - RECEIPT_SKEW_MS)  # back by at most that
            peak = max(peak, clock)
            last = events[-1][0] if events else 0
            if rng.random() < 0.5 or not events:
                events.append((max(clock, last), "ballot"))
            elif rng.random() < 0.5:
                if not heads or heads[-1][0] < len(events):  # a size is signed once
                    heads.append((len(events), max(clock, heads[-1][1] if heads else 0)))
            elif heads:
                size, head_ms = rng.choice(heads)
                w = clock + rng.randint(-3 * RECEIPT_SKEW_MS, 3 * RECEIPT_SKEW_MS)
                board = BoardTimes(
                    max((t for t, _ in events[:size]), default=None),
                    min((t for t, _ in events[size:]), default=None),
                    min((t for n, t in heads if n > size), default=None),
                )
                c = WitnessedTime("A", size, head_ms, w)
                if receipt_time_problem(c, clock, board):
                    refused += 1
                else:
                    cosigs.append(c)
                    accepted += 1
        assert witnessed_time_problems(events, heads, cosigs) == []
    assert accepted > 200 and refused > 200
