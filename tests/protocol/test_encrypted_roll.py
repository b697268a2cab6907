"""The encrypted roll of re-voting protection (docs/coercion.md §2.3): the reporting
units' rule, the organiser's rows with their proofs, and what a moved, copied or altered
row does to them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honestballot.crypto.elgamal import decrypt_to_point
from honestballot.crypto.group import IDENTITY, Scalar, base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.errors import InvalidProof, ProtocolError
from honestballot.protocol.encrypted_roll import (
    POOL,
    admissible_rows,
    check_mixed_contests,
    make_roll,
    reporting_units,
    verify_row,
    verify_rows,
)
from honestballot.protocol.letters import activation_base
from honestballot.protocol.manifest import Contest, Option
from tests.factories import label
from tests.protocol.test_close_a import MANIFEST

BASE = bytes(range(32))


def test_the_reporting_units_rule() -> None:
    # big units stand alone; the small ones are pooled
    r = reporting_units([("a", 50), ("b", 3), ("c", 40), ("d", 9)], 10)
    assert r.ids == ("a", "c", POOL)
    assert r.of_unit == {"a": "a", "c": "c", "b": POOL, "d": POOL}
    assert [r.index(u) for u in "abcd"] == [0, 2, 1, 2]
    # a pool too small takes the smallest unit of its own (the first among equals)
    r = reporting_units([("a", 12), ("b", 3), ("c", 12), ("d", 30)], 10)
    assert r.ids == ("c", "d", POOL) and r.of_unit["a"] == POOL
    # nothing small: no pool; everything small: one pool, whatever its size
    assert reporting_units([("a", 10), ("b", 11)], 10).ids == ("a", "b")
    assert reporting_units([("a", 1), ("b", 2)], 10).ids == (POOL,)
    with pytest.raises(ProtocolError):
        reporting_units([("a", 1), ("a", 2)], 10)
    with pytest.raises(ProtocolError):
        reporting_units([(POOL, 20)], 10)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=8),
    st.integers(min_value=1, max_value=25),
)
def test_no_reporting_unit_is_below_the_minimum_unless_all_are(
    counts: list[int], minimum: int
) -> None:
    units = [(f"u{i}", n) for i, n in enumerate(counts)]
    r = reporting_units(units, minimum)
    sizes = {rid: 0 for rid in r.ids}
    for unit, n in units:
        sizes[r.of_unit[unit]] += n
    assert sorted(r.of_unit) == sorted(u for u, _ in units)
    if sum(counts) >= minimum and any(n >= minimum for n in counts):
        assert all(size >= minimum for size in sizes.values()), (units, minimum, sizes)
    assert set(r.of_unit.values()) == set(r.ids)


def test_the_organisers_rows_carry_what_they_say_and_prove_it() -> None:
    rng = SeededRandomness("roll")
    x = random_nonzero_scalar(rng)
    h = base_mul(x)
    voters = ["north"] * 4 + ["south"] * 3 + ["tiny"]
    made = make_roll(BASE, h, voters, ["north", "south", "tiny"], 3, rng)
    assert made.units.ids == ("north", POOL)  # tiny alone is too small: south joins it
    assert len(made.letters) == len(made.entries) == len(made.rows) == len(voters)
    verify_rows(BASE, h, made.rows)
    # each row decrypts to one voter's handle, unit index and activation point
    decrypted = {
        decrypt_to_point(x, row.handle): (
            decrypt_to_point(x, row.unit),
            decrypt_to_point(x, row.activation),
        )
        for row in made.rows
    }
    for letter, entry, unit in zip(made.letters, made.entries, voters, strict=True):
        index = made.units.index(unit)
        point = base_mul(Scalar(index)) if index else IDENTITY
        assert entry.handle == letter.handle(BASE)
        assert decrypted[entry.handle] == (point, entry.activation_point)
        assert entry.activation_point == activation_base(BASE) * letter.activation_scalar(BASE)
    # the rows are in an order unrelated to the voters'
    handles = [decrypt_to_point(x, row.handle) for row in made.rows]
    assert handles != [e.handle for e in made.entries]


def test_a_moved_copied_or_altered_row_fails_by_name() -> None:
    rng = SeededRandomness("roll tamper")
    h = base_mul(random_nonzero_scalar(rng))
    made = make_roll(BASE, h, ["a", "a", "b"], ["a", "b"], 1, rng)
    rows = list(made.rows)
    with pytest.raises(InvalidProof, match="roll row 0, handle"):
        verify_rows(BASE, h, [rows[1], rows[0], rows[2]])  # rows moved: bound to their place
    with pytest.raises(InvalidProof, match="roll row 1, activation"):
        verify_row(BASE, h, 1, replace(rows[1], activation=rows[2].activation))
    with pytest.raises(InvalidProof, match="roll row 2, unit"):
        verify_row(BASE, h, 2, replace(rows[2], unit=rows[1].unit))
    with pytest.raises(InvalidProof, match="roll row 0, handle"):
        verify_row(bytes(32), h, 0, rows[0])  # another election
    with pytest.raises(ProtocolError, match="not a unit"):
        make_roll(BASE, h, ["z"], ["a"], 1, rng)


def test_a_contest_counted_by_mixing_may_admit_one_row_per_hundred_voters() -> None:
    """docs/coercion.md §8.3: with re-voting protection every counted row of a contest
    counted by mixing is published, so a rare row could mark a voter."""

    def contest(n: int, low: int, high: int, against_all: bool, **kw: str) -> Contest:
        options = tuple(Option(f"c{i}", label(f"c{i}")) for i in range(n))
        return Contest("x", label("X"), options, low, high, against_all, **kw)

    # one of five, or against all: 6 rows; up to 3 of 6 or blank: 6 + 15 + 20 + 1 = 42
    assert admissible_rows(contest(5, 1, 1, True)) == 6
    assert admissible_rows(contest(6, 0, 3, False)) == 42
    # ranked: 3 choices (no exclusive) in 2 positions, each any choice or none: 4 ** 2
    assert admissible_rows(contest(3, 1, 2, False, count="mix", method="irv")) == 16
    summed = replace(MANIFEST, contests=(contest(6, 0, 3, False),))
    mixed = replace(MANIFEST, contests=(contest(6, 0, 3, False, count="mix"),))
    check_mixed_contests(summed, 10)  # a contest counted by sum publishes no row
    check_mixed_contests(mixed, 4_200)
    with pytest.raises(ProtocolError, match="admits 42 different ballots") as refused:
        check_mixed_contests(mixed, 4_199)
    assert refused.value.args[0].key == "encrypted_roll.markers"
    assert "count it by sum" in str(refused.value)
    # a ranked contest is always mixed: its refusal advises fewer places or candidates
    ranked = replace(MANIFEST, contests=(contest(3, 1, 2, False, count="mix", method="irv"),))
    check_mixed_contests(ranked, 1_600)
    with pytest.raises(ProtocolError, match="fewer places or list fewer candidates: 1,600 voters"):
        check_mixed_contests(ranked, 1_599)
