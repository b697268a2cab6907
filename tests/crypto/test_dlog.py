"""Baby-step giant-step recovery of small tallies."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honestballot.crypto.dlog import DiscreteLogTable
from honestballot.crypto.group import GENERATOR, IDENTITY, L, Scalar, base_mul, small_multiple
from honestballot.crypto.hashing import hash_to_point
from honestballot.errors import ProtocolError

FAST = settings(max_examples=25, deadline=None)

BOUNDS = [0, 1, 2, 3, 4, 15, 16, 17, 99, 100, 1000, 12345]
_TABLE_12345 = DiscreteLogTable(12345)


@pytest.fixture(scope="module")
def tables() -> dict[int, DiscreteLogTable]:
    return {b: DiscreteLogTable(b) for b in BOUNDS}


@pytest.mark.parametrize("bound", BOUNDS)
def test_solves_zero_one_and_bound(tables: dict[int, DiscreteLogTable], bound: int) -> None:
    table = tables[bound]
    assert table.solve(IDENTITY) == 0
    assert table.solve(small_multiple(bound)) == bound
    if bound >= 1:
        assert table.solve(GENERATOR) == 1
        assert table.solve(small_multiple(bound - 1)) == bound - 1


@pytest.mark.parametrize("bound", BOUNDS)
def test_rejects_bound_plus_one(tables: dict[int, DiscreteLogTable], bound: int) -> None:
    table = tables[bound]
    for m in (bound + 1, bound + 2, 2 * bound + 5, (table.step + 1) ** 2):
        with pytest.raises(ProtocolError, match=str(bound)):
            table.solve(small_multiple(m))


@pytest.mark.parametrize("bound", [b for b in BOUNDS if b <= 1000])
def test_every_value_up_to_small_bounds(tables: dict[int, DiscreteLogTable], bound: int) -> None:
    table = tables[bound]
    acc = IDENTITY
    for m in range(bound + 1):
        assert table.solve(acc) == m
        acc = acc + GENERATOR
    with pytest.raises(ProtocolError):
        table.solve(acc)


@FAST
@given(st.integers(min_value=0, max_value=12345))
def test_random_values_up_to_bound(m: int) -> None:
    table = _TABLE_12345
    assert table.solve(small_multiple(m)) == m
    assert table.solve(base_mul(Scalar(m))) == m


@FAST
@given(st.binary(min_size=1, max_size=32))
def test_random_point_is_rejected(seed: bytes) -> None:
    with pytest.raises(ProtocolError):
        _TABLE_12345.solve(hash_to_point("test/dlog", seed))


@pytest.mark.parametrize("m", [-1, -2, -12345])
def test_negative_values_are_out_of_range(m: int) -> None:
    with pytest.raises(ProtocolError):
        _TABLE_12345.solve(small_multiple(m))


def test_large_scalar_is_out_of_range() -> None:
    with pytest.raises(ProtocolError):
        _TABLE_12345.solve(base_mul(Scalar(L - 12345)))


def test_negative_bound_is_refused() -> None:
    with pytest.raises(ValueError):
        DiscreteLogTable(-1)
