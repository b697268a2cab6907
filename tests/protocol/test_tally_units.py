"""Which units' results are published: none below the minimum, and none that would let
the units held back be worked out from the totals (complementary suppression)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from honestballot.protocol.tally import units_broken_out


def test_units_at_the_minimum_are_broken_out_when_nothing_small_has_ballots() -> None:
    counts = [("a", 5), ("b", 9), ("c", 0)]
    assert units_broken_out(counts, 5) == {"a", "b"}


def test_a_small_unit_with_ballots_takes_the_smallest_large_unit_with_it() -> None:
    counts = [("a", 9), ("b", 5), ("tiny", 1), ("c", 5)]
    # tiny alone would be the totals minus a, b and c; held back with b (the first of the
    # two smallest) the three of them hold 6, which is enough
    assert units_broken_out(counts, 5) == {"a", "c"}


def test_small_units_that_together_reach_the_minimum_need_no_more() -> None:
    assert units_broken_out([("a", 9), ("s1", 3), ("s2", 2)], 5) == {"a"}


def test_one_large_unit_and_a_small_one_publish_no_unit() -> None:
    assert units_broken_out([("a", 50), ("s", 3)], 50) == set()


@given(
    st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=8),
    st.integers(min_value=1, max_value=30),
)
def test_what_is_published_never_gives_a_small_group_away(counts: list[int], minimum: int) -> None:
    units = [(f"u{i}", n) for i, n in enumerate(counts)]
    out = units_broken_out(units, minimum)
    size = dict(units)
    assert all(size[u] >= minimum for u in out)
    held = sum(n for u, n in units if u not in out)
    if out:  # (with no unit published the totals are all there is: the election's result)
        assert held == 0 or held >= minimum  # the totals minus what is published
    # and no more than one unit that could stand alone is held back with the small ones
    large_held = [u for u, n in units if n >= minimum and u not in out]
    assert len(large_held) <= 1
    if large_held:  # the smallest of the large ones
        assert all(size[large_held[0]] <= size[u] for u in out)
