"""ristretto255 group and scalar field: RFC 9496 known answers, then algebraic laws.

The known answers come from ``tests/vectors/ristretto255.json`` (copied from RFC 9496
Appendix A and the implementations named in its ``source`` field), never from our own code.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honestballot.crypto.group import (
    GENERATOR,
    IDENTITY,
    L,
    Point,
    Scalar,
    base_mul,
    small_multiple,
    sum_points,
)
from honestballot.errors import EncodingError

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "vectors" / "ristretto255.json").read_text(encoding="utf-8")
)
MULTIPLES: list[dict[str, Any]] = VECTORS["generator_multiples"]
INVALID: list[dict[str, Any]] = VECTORS["invalid_encodings"]
EXTRA_INVALID: list[dict[str, Any]] = VECTORS["additional_invalid_encodings"]
HASH_TO_GROUP: list[dict[str, Any]] = VECTORS["hash_to_group"]
SCALARS: dict[str, Any] = VECTORS["scalars"]

FAST = settings(max_examples=25, deadline=None)

scalars = st.integers(min_value=0, max_value=L - 1).map(Scalar)
nonzero_scalars = st.integers(min_value=1, max_value=L - 1).map(Scalar)


def _le(hex_value: str) -> int:
    return int.from_bytes(bytes.fromhex(hex_value), "little")


# --- the vector file itself ----------------------------------------------------------


def test_vector_file_is_complete() -> None:
    assert [v["multiple"] for v in MULTIPLES] == list(range(16))
    assert len(INVALID) == 29
    assert len(HASH_TO_GROUP) == 7
    assert "RFC 9496" in VECTORS["source"]["rfc"]


def test_group_order_matches_the_rfc_constant() -> None:
    assert _le(VECTORS["group_order"]["little_endian_hex"]) == L
    assert L == 2**252 + 27742317777372353535851937790883648493


# --- A.1: multiples of the generator -------------------------------------------------


@pytest.mark.parametrize("vector", MULTIPLES, ids=lambda v: f"{v['multiple']}B")
def test_small_multiple_encodes_to_rfc_vector(vector: dict[str, Any]) -> None:
    expected = bytes.fromhex(vector["encoding"])
    assert small_multiple(vector["multiple"]).encode() == expected
    assert base_mul(Scalar(vector["multiple"])).encode() == expected
    # the variable-base path (a decoded copy of B is not the GENERATOR object)
    decoded_b = Point.decode(bytes.fromhex(MULTIPLES[1]["encoding"]))
    assert decoded_b is not GENERATOR
    assert (decoded_b * Scalar(vector["multiple"])).encode() == expected


@pytest.mark.parametrize("vector", MULTIPLES[1:], ids=lambda v: f"{v['multiple']}B")
def test_decode_accepts_nonidentity_multiples(vector: dict[str, Any]) -> None:
    raw = bytes.fromhex(vector["encoding"])
    p = Point.decode(raw)
    assert p.encode() == raw
    assert p == small_multiple(vector["multiple"])
    assert Point.decode(raw, allow_identity=True) == p
    assert Point.decode(bytearray(raw)) == p
    assert not p.is_identity()


def test_identity_vector_needs_allow_identity() -> None:
    raw = bytes.fromhex(MULTIPLES[0]["encoding"])
    assert raw == bytes(32)
    with pytest.raises(EncodingError, match="identity"):
        Point.decode(raw)
    p = Point.decode(raw, allow_identity=True)
    assert p == IDENTITY
    assert p.is_identity()
    assert small_multiple(0) == IDENTITY


def test_repeated_addition_walks_the_vector_table() -> None:
    acc = IDENTITY
    for vector in MULTIPLES:
        assert acc.hex() == vector["encoding"], f"{vector['multiple']}B"
        acc = acc + GENERATOR
    # and back down by subtraction
    for vector in reversed(MULTIPLES):
        acc = acc - GENERATOR
        assert acc.hex() == vector["encoding"], f"{vector['multiple']}B"


def test_negative_multiples_are_negations() -> None:
    for vector in MULTIPLES[1:]:
        m = vector["multiple"]
        assert small_multiple(-m) == -small_multiple(m)
        assert small_multiple(-m) + Point.decode(bytes.fromhex(vector["encoding"])) == IDENTITY


def test_sum_points() -> None:
    assert sum_points([]) == IDENTITY
    assert sum_points([GENERATOR] * 15).hex() == MULTIPLES[15]["encoding"]
    assert sum_points((small_multiple(7), small_multiple(8))).hex() == MULTIPLES[15]["encoding"]


# --- A.2: encodings that must be rejected --------------------------------------------


@pytest.mark.parametrize("vector", INVALID + EXTRA_INVALID, ids=lambda v: v["encoding"][:16])
def test_decode_rejects_rfc_invalid_encodings(vector: dict[str, Any]) -> None:
    raw = bytes.fromhex(vector["encoding"])
    with pytest.raises(EncodingError):
        Point.decode(raw)
    with pytest.raises(EncodingError):
        Point.decode(raw, allow_identity=True)


@pytest.mark.parametrize("length", [0, 1, 31, 33, 64])
def test_decode_rejects_wrong_lengths(length: int) -> None:
    # a prefix or extension of a valid encoding
    raw = (bytes.fromhex(MULTIPLES[1]["encoding"]) * 3)[:length]
    with pytest.raises(EncodingError):
        Point.decode(raw)


@pytest.mark.parametrize(
    "value",
    [
        MULTIPLES[1]["encoding"],  # hex text, not bytes
        MULTIPLES[1]["encoding"][:32],  # a 32-character str
        list(bytes.fromhex(MULTIPLES[1]["encoding"])),
        memoryview(bytes.fromhex(MULTIPLES[1]["encoding"])),
        None,
        1,
    ],
    ids=["hex-str", "str32", "list", "memoryview", "none", "int"],
)
def test_decode_rejects_non_bytes(value: object) -> None:
    with pytest.raises(EncodingError):
        Point.decode(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("vector", MULTIPLES[1:], ids=lambda v: f"{v['multiple']}B")
def test_decode_rejects_top_bit_set(vector: dict[str, Any]) -> None:
    raw = bytearray.fromhex(vector["encoding"])
    raw[31] |= 0x80
    with pytest.raises(EncodingError):
        Point.decode(bytes(raw))


def test_one_element_has_one_accepted_encoding() -> None:
    raw = bytearray(GENERATOR.encode())
    raw[31] |= 0x80
    try:
        twin = Point.decode(bytes(raw))
    except EncodingError:
        return
    # accepted: then it must at least be the same value as B, which it is not
    assert twin * Scalar(1) == GENERATOR  # the group element really is B ...
    assert twin == GENERATOR  # ... but equality (and hashing) see two different points


def test_point_cannot_be_built_directly() -> None:
    with pytest.raises(TypeError):
        Point(bytes.fromhex(MULTIPLES[1]["encoding"]))


def test_points_and_scalars_pickle_as_themselves() -> None:
    """The parallel verifier ships points and scalars to its workers pickled: each comes
    back equal, the generator as the generator itself (so multiples of it still use the
    fixed-base table), and a point's pickle is its 32 bytes and a few more."""
    point = base_mul(Scalar(12345))
    for value in (point, IDENTITY, GENERATOR, Scalar(0), Scalar(L - 1)):
        assert pickle.loads(pickle.dumps(value)) == value
    assert pickle.loads(pickle.dumps(GENERATOR)) is GENERATOR
    assert pickle.loads(pickle.dumps(IDENTITY)).is_identity()
    assert len(pickle.dumps(point, protocol=pickle.HIGHEST_PROTOCOL)) < 32 + 80


# --- A.3: the one-way map ------------------------------------------------------------


@pytest.mark.parametrize("vector", HASH_TO_GROUP, ids=lambda v: v["label"][:24])
def test_from_uniform_bytes_matches_rfc(vector: dict[str, Any]) -> None:
    digest = hashlib.sha512(vector["label"].encode("utf-8")).digest()
    assert digest.hex() == vector["sha512"]  # the label and the RFC's published input agree
    p = Point.from_uniform_bytes(digest)
    assert p.hex() == vector["encoding"]
    assert Point.decode(p.encode()) == p


def test_from_uniform_bytes_equivalent_inputs() -> None:
    eq = VECTORS["hash_to_group_equivalent_inputs"]
    assert len(eq["inputs"]) == 4
    for raw in eq["inputs"]:
        assert Point.from_uniform_bytes(bytes.fromhex(raw)).hex() == eq["encoding"]


@pytest.mark.parametrize("length", [0, 32, 63, 65])
def test_from_uniform_bytes_needs_64_bytes(length: int) -> None:
    with pytest.raises(EncodingError):
        Point.from_uniform_bytes(bytes(length))


# --- scalars: strict decoding and known answers --------------------------------------


@pytest.mark.parametrize(
    "value", [L, L + 1, 2 * L, 2**255, 2**256 - 1], ids=["L", "L+1", "2L", "2^255", "2^256-1"]
)
def test_scalar_decode_rejects_out_of_range(value: int) -> None:
    with pytest.raises(EncodingError):
        Scalar.decode(value.to_bytes(32, "little"))


@pytest.mark.parametrize("vector", SCALARS["non_canonical"], ids=lambda v: v["description"])
def test_scalar_decode_rejects_dalek_non_canonical(vector: dict[str, Any]) -> None:
    with pytest.raises(EncodingError):
        Scalar.decode(bytes.fromhex(vector["hex"]))


def test_scalar_decode_accepts_canonical_and_boundary() -> None:
    for vector in SCALARS["canonical"]:
        s = Scalar.decode(bytes.fromhex(vector["hex"]))
        assert s.value == int(vector["description"])
        assert s.hex() == vector["hex"]
    assert Scalar.decode((L - 1).to_bytes(32, "little")).value == L - 1
    assert Scalar.decode(bytes(32)).is_zero()


@pytest.mark.parametrize("length", [0, 1, 31, 33, 64])
def test_scalar_decode_rejects_wrong_lengths(length: int) -> None:
    with pytest.raises(EncodingError):
        Scalar.decode(bytes(length))


@pytest.mark.parametrize("value", [-1, L, L + 1, 2**256, -L])
def test_scalar_constructor_rejects_out_of_range(value: int) -> None:
    with pytest.raises(EncodingError):
        Scalar(value)


@pytest.mark.parametrize("value", [1.5, 2.0], ids=["1.5", "2.0"])
def test_scalar_constructor_rejects_non_integers(value: float) -> None:
    with pytest.raises((EncodingError, TypeError)):
        Scalar(value)  # type: ignore[arg-type]


def test_scalar_of_reduces() -> None:
    assert Scalar.of(L).is_zero()
    assert Scalar.of(-1).value == L - 1
    assert Scalar.of(L + 5).value == 5


def test_scalar_known_answers() -> None:
    x = Scalar.decode(bytes.fromhex(SCALARS["x"]["little_endian_hex"]))
    y = Scalar.decode(bytes.fromhex(SCALARS["y"]["little_endian_hex"]))
    assert x.value == int(SCALARS["x"]["decimal"])
    assert (x * y).hex() == SCALARS["x_times_y"]["little_endian_hex"]
    assert x.inverse().hex() == SCALARS["x_inverse"]["little_endian_hex"]
    assert (x * x.inverse()).value == 1
    negated = -x
    assert -negated == x and negated != x
    assert (
        Scalar.of(_le(SCALARS["reduce_2_256_minus_1"]["input_hex"])).hex()
        == (SCALARS["reduce_2_256_minus_1"]["little_endian_hex"])
    )
    wide = Scalar.from_uniform_bytes(x.encode() + x.encode())
    assert wide.hex() == SCALARS["wide_reduce_x_concat_x"]["little_endian_hex"]


@pytest.mark.parametrize("length", [0, 32, 63, 65])
def test_scalar_from_uniform_bytes_needs_64_bytes(length: int) -> None:
    with pytest.raises(EncodingError):
        Scalar.from_uniform_bytes(bytes(length))


def test_zero_has_no_inverse() -> None:
    with pytest.raises(ZeroDivisionError):
        Scalar(0).inverse()


@FAST
@given(scalars)
def test_scalar_encoding_roundtrip(a: Scalar) -> None:
    assert Scalar.decode(a.encode()) == a
    assert len(a.encode()) == 32


# --- scalar field laws ---------------------------------------------------------------


@FAST
@given(scalars, scalars, scalars)
def test_scalar_associativity(a: Scalar, b: Scalar, c: Scalar) -> None:
    assert (a + b) + c == a + (b + c)
    assert (a * b) * c == a * (b * c)


@FAST
@given(scalars, scalars, scalars)
def test_scalar_distributivity(a: Scalar, b: Scalar, c: Scalar) -> None:
    assert a * (b + c) == a * b + a * c
    assert (a - b) * c == a * c - b * c


@FAST
@given(nonzero_scalars, scalars)
def test_scalar_inverse_and_negation(a: Scalar, b: Scalar) -> None:
    assert (a * a.inverse()).value == 1
    assert (b * a) * a.inverse() == b
    assert (a + (-a)).is_zero()
    assert b - a == b + (-a)
    assert 0 <= (b - a).value < L


# --- group laws ----------------------------------------------------------------------


@FAST
@given(nonzero_scalars)
def test_point_plus_negation_is_identity(a: Scalar) -> None:
    p = base_mul(a)
    assert (p + (-p)).is_identity()
    assert (p - p) == IDENTITY
    assert p + IDENTITY == p and IDENTITY + p == p
    assert -IDENTITY == IDENTITY


@FAST
@given(scalars, scalars)
def test_scalar_addition_is_point_addition(a: Scalar, b: Scalar) -> None:
    assert base_mul(a + b) == base_mul(a) + base_mul(b)
    assert base_mul(a - b) == base_mul(a) - base_mul(b)


@FAST
@given(scalars, scalars)
def test_scalar_multiplication_composes(a: Scalar, b: Scalar) -> None:
    assert base_mul(a * b) == base_mul(b) * a
    assert base_mul(a * b) == base_mul(a) * b


@FAST
@given(nonzero_scalars)
def test_zero_scalar_gives_identity(a: Scalar) -> None:
    assert (base_mul(a) * Scalar(0)).is_identity()
    assert base_mul(Scalar(0)) == IDENTITY
    assert IDENTITY * a == IDENTITY


def test_group_order_annihilates_generator() -> None:
    minus_one = Scalar(L - 1)
    assert base_mul(minus_one) + GENERATOR == IDENTITY
    assert base_mul(minus_one) == -GENERATOR
    assert small_multiple(L) == IDENTITY
    p = small_multiple(5)
    assert p * minus_one + p == IDENTITY


@FAST
@given(nonzero_scalars)
def test_decoding_roundtrip_of_random_points(a: Scalar) -> None:
    p = base_mul(a)
    assert Point.decode(p.encode()) == p
    assert hash(Point.decode(p.encode())) == hash(p)


# --- immutability --------------------------------------------------------------------


def test_scalar_is_immutable() -> None:
    s = Scalar(7)
    with pytest.raises(AttributeError):
        s.value = 8  # type: ignore[misc]
    with pytest.raises(AttributeError):
        s.other = 1  # type: ignore[attr-defined]
    assert s.value == 7


def test_point_is_immutable() -> None:
    p = small_multiple(3)
    with pytest.raises(AttributeError):
        p.data = bytes(32)  # type: ignore[misc]
    with pytest.raises(AttributeError):
        GENERATOR.data = bytes(32)  # type: ignore[misc]
    with pytest.raises(AttributeError):
        p.other = 1  # type: ignore[attr-defined]
    assert p.hex() == MULTIPLES[3]["encoding"]
    assert GENERATOR.hex() == MULTIPLES[1]["encoding"]


def test_values_cannot_be_deleted() -> None:
    s = Scalar(7)
    p = Point.decode(bytes.fromhex(MULTIPLES[2]["encoding"]))  # never the shared GENERATOR
    with pytest.raises(AttributeError):
        del s.value
    with pytest.raises(AttributeError):
        del p.data
