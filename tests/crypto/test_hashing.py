"""Domain-separated hashing: distinct statements never share an input to the hash."""

from __future__ import annotations

import hashlib
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honestballot.crypto.group import GENERATOR, Point, Scalar, small_multiple
from honestballot.crypto.hashing import (
    PROTOCOL_PREFIX,
    Part,
    hash_bytes,
    hash_to_point,
    hash_to_scalar,
)

FAST = settings(max_examples=25, deadline=None)

HASHERS = [hash_bytes, hash_to_scalar, hash_to_point]


def _digest(fn: object, tag: str, *parts: Part) -> bytes:
    out = fn(tag, *parts)  # type: ignore[operator]
    return out if isinstance(out, bytes) else out.encode()


def _all_distinct(fn: object, statements: list[tuple[str, tuple[Part, ...]]]) -> None:
    digests = [_digest(fn, tag, *parts) for tag, parts in statements]
    for (i, a), (j, b) in combinations(enumerate(digests), 2):
        assert a != b, f"{statements[i]!r} and {statements[j]!r} hash alike"


@pytest.mark.parametrize("fn", HASHERS, ids=lambda f: f.__name__)
def test_deterministic(fn: object) -> None:
    parts: tuple[Part, ...] = (b"\x00\x01", "text", 42, -7, [1, [b"x"]], GENERATOR, Scalar(5))
    assert _digest(fn, "ballot", *parts) == _digest(fn, "ballot", *parts)
    assert _digest(fn, "ballot", *parts) == _digest(fn, "ballot", *list(parts))


def test_known_layout_of_hash_bytes() -> None:
    """Pin the documented wire layout, so a silent change of encoding is caught."""
    tag = PROTOCOL_PREFIX + b"/t"
    h = hashlib.sha256()
    h.update(len(tag).to_bytes(8, "big") + tag)
    h.update(b"B" + (2).to_bytes(8, "big") + b"ab")
    h.update(b"T" + (1).to_bytes(8, "big") + b"c")
    h.update(b"I" + (2).to_bytes(8, "big") + b"-3")
    h.update(b"L" + (1).to_bytes(8, "big"))
    h.update(b"P" + (32).to_bytes(8, "big") + GENERATOR.encode())
    h.update(b"S" + (32).to_bytes(8, "big") + Scalar(9).encode())
    assert hash_bytes("t", b"ab", "c", -3, [GENERATOR], Scalar(9)) == h.digest()
    assert len(hash_bytes("t")) == 32


@pytest.mark.parametrize("fn", HASHERS, ids=lambda f: f.__name__)
def test_tags_separate(fn: object) -> None:
    _all_distinct(
        fn,
        [
            ("ballot", (b"x",)),
            ("ballot2", (b"x",)),
            ("Ballot", (b"x",)),
            ("", (b"x",)),
            ("ballotx", ()),  # the tag absorbing the first part's content
            ("ballot/x", ()),
        ],
    )


def test_hash_functions_are_not_interchangeable() -> None:
    assert hash_bytes("t", b"x") != hash_to_scalar("t", b"x").encode()
    assert hash_to_point("t", b"x").encode() != hash_to_scalar("t", b"x").encode()


@pytest.mark.parametrize("fn", HASHERS, ids=lambda f: f.__name__)
def test_part_types_separate(fn: object) -> None:
    p = small_multiple(3)
    _all_distinct(
        fn,
        [
            ("t", (b"12",)),
            ("t", ("12",)),
            ("t", (12,)),
            ("t", ([12],)),
            ("t", ([b"12"],)),
            ("t", (p,)),
            ("t", (p.encode(),)),
            ("t", (Scalar(3),)),
            ("t", (Scalar(3).encode(),)),
            ("t", (3,)),
            ("t", (p.hex(),)),
            ("t", (b"",)),
            ("t", ("",)),
            ("t", ([],)),
            ("t", (0,)),
            ("t", ()),
        ],
    )


def test_point_and_scalar_with_equal_bytes_differ() -> None:
    # find a small multiple whose encoding is also a canonical scalar
    for m in range(1, 64):
        raw = small_multiple(m).encode()
        if int.from_bytes(raw, "little") < 2**252:
            break
    else:
        pytest.fail("no small multiple encodes to a canonical scalar")
    s = Scalar.decode(raw)
    p = Point.decode(raw)
    assert s.encode() == p.encode()
    assert hash_bytes("t", s) != hash_bytes("t", p)
    assert hash_bytes("t", s) != hash_bytes("t", raw)
    assert hash_bytes("t", p) != hash_bytes("t", raw)


@pytest.mark.parametrize("fn", HASHERS, ids=lambda f: f.__name__)
def test_nesting_separates(fn: object) -> None:
    _all_distinct(
        fn,
        [
            ("t", (1, 2)),
            ("t", ([1, 2],)),
            ("t", ([1], 2)),
            ("t", (1, [2])),
            ("t", ([1], [2])),
            ("t", ([[1, 2]],)),
            ("t", ([[1], 2],)),
            ("t", ([1, [2]],)),
            ("t", ([],)),
            ("t", ([[]],)),
            ("t", ([], [])),
        ],
    )


def test_list_and_tuple_are_the_same_sequence() -> None:
    assert hash_bytes("t", [1, b"a"]) == hash_bytes("t", (1, b"a"))


@pytest.mark.parametrize("fn", HASHERS, ids=lambda f: f.__name__)
def test_concatenation_ambiguities(fn: object) -> None:
    _all_distinct(
        fn,
        [
            ("t", ("ab", "c")),
            ("t", ("a", "bc")),
            ("t", ("abc",)),
            ("t", ("abc", "")),
            ("t", ("", "abc")),
            ("t", (["ab", "c"],)),
            ("t", (["a", "bc"],)),
        ],
    )
    _all_distinct(
        fn,
        [
            ("t", (b"ab", b"c")),
            ("t", (b"a", b"bc")),
            ("t", (b"abc",)),
            ("t", (1, 23)),
            ("t", (12, 3)),
            ("t", (123,)),
        ],
    )


def test_integers_are_signed_and_exact() -> None:
    _all_distinct(hash_bytes, [("t", (n,)) for n in (0, 1, -1, 10, -10, 2**64, -(2**64), 2**300)])


@FAST
@given(
    st.lists(st.binary(max_size=8), min_size=1, max_size=4),
    st.lists(st.binary(max_size=8), min_size=1, max_size=4),
)
def test_different_byte_splits_never_collide(a: list[bytes], b: list[bytes]) -> None:
    if a != b:
        assert hash_bytes("t", *a) != hash_bytes("t", *b)
        assert hash_bytes("t", a) != hash_bytes("t", b)


@FAST
@given(st.text(max_size=16), st.text(max_size=16))
def test_text_vs_bytes_of_same_content(a: str, b: str) -> None:
    assert hash_bytes("t", a) != hash_bytes("t", a.encode("utf-8"))
    if a != b:
        assert hash_bytes("t", a) != hash_bytes("t", b)


@pytest.mark.parametrize("fn", HASHERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("value", [True, False, [1, True], (b"x", [False])])
def test_booleans_refused(fn: object, value: object) -> None:
    with pytest.raises(TypeError):
        fn("t", value)  # type: ignore[operator]


@pytest.mark.parametrize("value", [1.0, None, {"a": 1}, {1, 2}, object()])
def test_other_types_refused(value: object) -> None:
    with pytest.raises(TypeError):
        hash_bytes("t", value)  # type: ignore[arg-type]


def test_hash_to_scalar_is_reduced_and_hash_to_point_is_valid() -> None:
    for i in range(16):
        s = hash_to_scalar("t", i)
        assert Scalar.decode(s.encode()) == s
        p = hash_to_point("t", i)
        assert Point.decode(p.encode()) == p
