"""Counting ranked contests (protocol/ranked.py): the reading rule, instant-runoff and
Schulze against examples worked by hand (docs/ranked.md); the expected figures below are
computed on paper, not by the code under test."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from honestballot.crypto.hashing import hash_bytes
from honestballot.errors import ProtocolError
from honestballot.protocol.manifest import Contest, InvalidSelection, Option
from honestballot.protocol.ranked import (
    Reading,
    count_irv,
    count_schulze,
    draw_order,
    encode_ranking,
    pairwise,
    read_ranking,
    strongest_paths,
    tie_breaking_ranking,
)
from tests.factories import label

BASE = bytes(32)


def profile(*groups: tuple[int, str]) -> list[tuple[str, ...]]:
    """``(5, "acbed")`` is five rankings a > c > b > e > d."""
    return [tuple(ranking) for n, ranking in groups for _ in range(n)]


def ranked_contest(min_selections: int = 1, against_all: bool = True) -> Contest:
    return Contest(
        "leader",
        label("Leader"),
        tuple(Option(x, label(x.upper())) for x in "abc"),
        min_selections,
        3,
        against_all,
        count="mix",
        method="irv",
    )


# -- reading a decrypted row -----------------------------------------------------------


def test_a_row_is_read_up_to_its_first_empty_position_and_repeats_count_once() -> None:
    c = ranked_contest(min_selections=0)  # choices: a=1 b=2 c=3 against-all=4 blank=5
    assert read_ranking(c, [2, 1, 3]) == Reading(None, ("b", "a", "c"))
    assert read_ranking(c, [2, 0, 3]) == Reading(None, ("b",))  # after a gap: ignored
    assert read_ranking(c, [1, 1, 3]) == Reading(None, ("a", "c"))  # repeat: first only
    assert read_ranking(c, [3, 2, 3]) == Reading(None, ("c", "b"))
    assert read_ranking(c, [4, 1, 2]) == Reading("against-all", ())
    assert read_ranking(c, [5, 0, 0]) == Reading("blank", ())
    assert read_ranking(c, [1, 4, 2]) == Reading(None, ("a",))  # an exclusive ends it
    with pytest.raises(ProtocolError, match="position 1"):
        read_ranking(c, [0, 1, 2])
    with pytest.raises(ProtocolError, match="no choice"):
        read_ranking(c, [6, 0, 0])


def test_the_ballot_page_rules_refuse_what_the_reading_would_repair() -> None:
    c = ranked_contest(min_selections=0)
    assert encode_ranking(c, ["c", "a"]) == (3, 1, 0)
    assert encode_ranking(c, ["blank"]) == (5, 0, 0)
    for bad, why in [
        ([], "at least one"),
        (["a", "a"], "twice"),
        (["a", "against-all"], "cannot be combined"),
        (["d"], "unknown"),
    ]:
        with pytest.raises(InvalidSelection, match=why):
            encode_ranking(c, bad)
    with pytest.raises(InvalidSelection, match="at most 3"):
        encode_ranking(
            Contest(
                "x",
                label("X"),
                tuple(Option(x, label(x)) for x in "abcd"),
                1,
                3,
                False,
                count="mix",
                method="schulze",
            ),
            ["a", "b", "c", "d"],
        )


# -- instant-runoff ----------------------------------------------------------------------


def _counts(round_: dict) -> dict[str, int]:
    return {item["id"]: item["count"] for item in round_["counts"]}


def test_irv_exhausted_ballots_leave_the_majority_of_those_still_counted() -> None:
    rankings = profile((4, "a"), (3, "b"), (2, "c"))  # c's voters rank nobody else
    out = count_irv("abc", rankings, lot="abc")
    first, second = out["rounds"]
    assert _counts(first) == {"a": 4, "b": 3, "c": 2}
    assert (first["exhausted"], first["eliminated"], first["tie_break"]) == (0, "c", "fewest")
    # 4 of the 7 rankings still counted is a majority, though not of the 9 cast
    assert _counts(second) == {"a": 4, "b": 3}
    assert second["exhausted"] == 2 and second["eliminated"] is None
    assert out["winner"] == "a"


def test_irv_ties_are_broken_by_the_previous_rounds_then_by_lot() -> None:
    # round 1: a 7, b 5, c 4, d 1; d out; round 2: a 7, b 5, c 5: b and c tied, c had
    # fewer in round 1, so c is out; round 3: a 8 (7 + d's ballot), b 9 of 17: b wins
    rankings = profile((7, "a"), (5, "b"), (4, "cb"), (1, "dca"))
    out = count_irv("abcd", rankings, lot="abcd")
    assert [r["eliminated"] for r in out["rounds"]] == ["d", "c", None]
    assert [r.get("tie_break") for r in out["rounds"]] == ["fewest", "previous-rounds", None]
    assert _counts(out["rounds"][1]) == {"a": 7, "b": 5, "c": 5}
    assert _counts(out["rounds"][2]) == {"a": 8, "b": 9}
    assert out["winner"] == "b"
    # a tie in the first round: the lot decides; the first in lot order is eliminated
    even = profile((2, "a"), (2, "b"))
    assert count_irv("ab", even, lot="ba")["winner"] == "a"
    out = count_irv("ab", even, lot="ab")
    assert out["winner"] == "b"
    assert out["rounds"][0]["tie_break"] == "lot"


def test_irv_misses_the_condorcet_winner_that_schulze_elects() -> None:
    # the centre squeeze: b beats a 65-35 and c 67-33, but has the fewest first choices
    rankings = profile((35, "ab"), (33, "cb"), (32, "ba"))
    irv = count_irv("abc", rankings, lot="abc")
    assert irv["rounds"][0]["eliminated"] == "b"
    assert irv["winner"] == "a"
    schulze = count_schulze("abc", rankings, BASE, "leader", lot="abc")
    assert schulze["d"] == [[0, 35, 67], [65, 0, 67], [33, 33, 0]]
    assert schulze["winners"] == ["b"] and schulze["winner"] == "b"
    assert schulze["tie_breaking"] is None


def test_irv_with_no_ranking_has_no_winner() -> None:
    assert count_irv("ab", [], lot="ab") == {"rounds": [], "winner": None}


# -- Schulze ---------------------------------------------------------------------------------


def test_schulze_forty_five_voters() -> None:
    """The 45-voter example of the method's descriptions (candidates a…e), worked by hand:
    e wins, and the ranking is e > a > c > b > d."""
    rankings = profile(
        (5, "acbed"),
        (5, "adecb"),
        (8, "bedac"),
        (3, "cabed"),
        (7, "caebd"),
        (2, "cbade"),
        (7, "dceba"),
        (8, "ebadc"),
    )
    d = pairwise("abcde", rankings)
    assert d == [
        [0, 20, 26, 30, 22],
        [25, 0, 16, 33, 18],
        [19, 29, 0, 17, 24],
        [15, 12, 28, 0, 14],
        [23, 27, 21, 31, 0],
    ]
    assert strongest_paths(d) == [
        [0, 28, 28, 30, 24],
        [25, 0, 28, 33, 24],
        [25, 29, 0, 29, 24],
        [25, 28, 28, 0, 24],
        [25, 28, 28, 31, 0],
    ]
    out = count_schulze("abcde", rankings, BASE, "leader", lot="abcde")
    assert out["winners"] == ["e"]
    assert out["ranking"] == ["e", "a", "c", "b", "d"]


def test_schulze_twenty_one_voters_with_a_cycle() -> None:
    """8 a>c>d>b, 2 b>a>d>c, 4 c>d>b>a, 4 d>b>a>c, 3 d>c>b>a: a beats b and c, c beats b,
    d beats a and everyone through its paths; d wins (paths worked by hand)."""
    rankings = profile((8, "acdb"), (2, "badc"), (4, "cdba"), (4, "dbac"), (3, "dcba"))
    d = pairwise("abcd", rankings)
    assert d == [[0, 8, 14, 10], [13, 0, 6, 2], [7, 15, 0, 12], [11, 19, 9, 0]]
    assert strongest_paths(d) == [
        [0, 14, 14, 12],
        [13, 0, 13, 12],
        [13, 15, 0, 12],
        [13, 19, 13, 0],
    ]
    out = count_schulze("abcd", rankings, BASE, "leader", lot="abcd")
    assert out["winners"] == ["d"]
    assert out["ranking"] == ["d", "a", "c", "b"]


def test_unranked_candidates_are_below_the_ranked_and_equal_among_themselves() -> None:
    assert pairwise("abc", [("b",)]) == [[0, 0, 0], [1, 0, 1], [0, 0, 0]]


def test_a_schulze_tie_is_broken_by_the_tie_breaking_ranking() -> None:
    # a and b each preferred by two: p is 0 both ways, both are winners
    rankings = profile((2, "ab"), (2, "ba"), (1, "c"))
    out = count_schulze("abc", rankings, BASE, "leader", lot="abc")
    assert sorted(out["winners"]) == ["a", "b"]
    # the tie-breaking ranking starts from the first ranking the lot draws
    first = rankings[draw_order(BASE, "leader", len(rankings))[0]]
    assert out["tie_breaking"][0] == first[0]
    assert out["winner"] == first[0] and out["ranking"][:2] == sorted(
        "ab", key=lambda x: out["tie_breaking"].index(x)
    )


def test_the_tie_breaking_ranking_follows_the_drawn_rankings_then_the_lot() -> None:
    rankings: Sequence[Sequence[str]] = [("b", "a"), ("c",), ("a", "d")]
    # drawn: b > a and b, a > c, d; then c > d (ranked over the unranked)... c then d
    assert tie_breaking_ranking("abcd", rankings, [0, 1, 2], lot="abcd") == ["b", "a", "c", "d"]
    # with nothing drawn, the later in lot order is above
    assert tie_breaking_ranking("abcd", rankings, [], lot="cadb") == ["b", "d", "a", "c"]


def test_draws_are_without_replacement_and_follow_the_seed() -> None:
    order = draw_order(BASE, "leader", 6)
    assert sorted(order) == list(range(6))
    j = int.from_bytes(hash_bytes("ranked/draw", BASE, "leader", 0), "big") % 6
    assert order[0] == j
    assert (
        draw_order(bytes([1]) * 32, "leader", 6) != order
        or draw_order(bytes([2]) * 32, "leader", 6) != order
    )
