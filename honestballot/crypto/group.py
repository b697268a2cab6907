"""The ristretto255 group (RFC 9496), bound to libsodium through ``rbcl``.

This is the only module that talks to libsodium.  Everything above it works with
two immutable value types:

* :class:`Scalar` -- an integer modulo the group order ``L``;
* :class:`Point` -- a group element, held as its canonical 32-byte encoding.

An invalid value cannot be constructed: decoding rejects non-canonical and
out-of-range encodings with :class:`~honestballot.errors.EncodingError`.  Whether the
identity is acceptable depends on where a point is used, so :meth:`Point.decode`
takes ``allow_identity`` and callers that need a non-identity element say so.

libsodium's ``crypto_scalarmult_ristretto255`` clears only the top bit of the
scalar (no clamping), so every scalar below ``L`` multiplies exactly; the
``allow_scalar_zero`` variants are used so that ``0 * P`` is the identity rather
than an error, and the identity input is handled here without calling C.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Final

import rbcl

from honestballot.errors import EncodingError

#: The prime order of ristretto255: 2^252 + 27742317777372353535851937790883648493.
L: Final = 2**252 + 27742317777372353535851937790883648493

_IDENTITY_BYTES: Final = bytes(32)
_POINT_LEN: Final = 32
_SCALAR_LEN: Final = 32


class Scalar:
    """An element of Z/LZ.  Construct with :meth:`of` (reduces) or :meth:`decode` (strict)."""

    __slots__ = ("value",)
    value: int

    def __init__(self, value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise EncodingError(f"a scalar is an integer, not {type(value).__name__}")
        if not 0 <= value < L:
            raise EncodingError(f"scalar out of range [0, L): {value}")
        object.__setattr__(self, "value", value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Scalar is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Scalar is immutable")

    @classmethod
    def of(cls, value: int) -> Scalar:
        """The scalar congruent to ``value`` modulo L (negative values allowed)."""
        return cls(value % L)

    @classmethod
    def decode(cls, data: bytes) -> Scalar:
        """Strictly decode 32 little-endian bytes; values >= L are rejected."""
        if len(data) != _SCALAR_LEN:
            raise EncodingError(f"a scalar is {_SCALAR_LEN} bytes, got {len(data)}")
        value = int.from_bytes(data, "little")
        if value >= L:
            raise EncodingError("non-canonical scalar encoding (value >= L)")
        return cls(value)

    @classmethod
    def from_uniform_bytes(cls, data: bytes) -> Scalar:
        """Reduce 64 uniform bytes modulo L (the wide reduction of RFC 9496 section 4.4)."""
        if len(data) != 64:
            raise EncodingError("wide scalar reduction needs 64 bytes")
        return cls(int.from_bytes(data, "little") % L)

    def encode(self) -> bytes:
        return self.value.to_bytes(_SCALAR_LEN, "little")

    def hex(self) -> str:
        return self.encode().hex()

    def __add__(self, other: Scalar) -> Scalar:
        return Scalar((self.value + other.value) % L)

    def __sub__(self, other: Scalar) -> Scalar:
        return Scalar((self.value - other.value) % L)

    def __mul__(self, other: Scalar) -> Scalar:
        return Scalar((self.value * other.value) % L)

    def __neg__(self) -> Scalar:
        return Scalar((-self.value) % L)

    def inverse(self) -> Scalar:
        if self.value == 0:
            raise ZeroDivisionError("zero has no inverse modulo L")
        return Scalar(pow(self.value, -1, L))

    def is_zero(self) -> bool:
        return self.value == 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scalar) and self.value == other.value

    def __hash__(self) -> int:
        return hash(("Scalar", self.value))

    def __reduce__(self) -> tuple[type[Scalar], tuple[int]]:
        return (Scalar, (self.value,))

    def __repr__(self) -> str:
        return f"Scalar({self.hex()})"


class Point:
    """A ristretto255 group element, held by its canonical encoding.

    Construct with :meth:`decode` (validating) or through group operations.
    Equality of points is equality of their canonical encodings.
    """

    __slots__ = ("data",)
    data: bytes

    def __init__(self, data: bytes, *, _trusted: bool = False) -> None:
        if not _trusted:
            raise TypeError("use Point.decode() or group operations to obtain a Point")
        object.__setattr__(self, "data", data)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Point is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Point is immutable")

    @classmethod
    def decode(cls, data: bytes, *, allow_identity: bool = False) -> Point:
        """Decode a canonical encoding; reject anything else.

        The identity (32 zero bytes) is rejected unless ``allow_identity``.
        """
        if not isinstance(data, bytes | bytearray) or len(data) != _POINT_LEN:
            raise EncodingError(f"a group element is {_POINT_LEN} bytes")
        data = bytes(data)
        if data == _IDENTITY_BYTES:
            if allow_identity:
                return IDENTITY
            raise EncodingError("the identity element is not allowed here")
        # RFC 9496 4.3.1: the encoding is a non-negative field element below p, so bit 255
        # must be clear; the bundled libsodium ignores that bit, so we check it here.
        if data[31] & 0x80 or not rbcl.crypto_core_ristretto255_is_valid_point(data):
            raise EncodingError("not a canonical ristretto255 encoding")
        return cls(data, _trusted=True)

    @classmethod
    def from_uniform_bytes(cls, data: bytes) -> Point:
        """The one-way map of RFC 9496 section 4.3.4 applied to 64 uniform bytes."""
        if len(data) != 64:
            raise EncodingError("the ristretto255 one-way map needs 64 bytes")
        return cls(rbcl.crypto_core_ristretto255_from_hash(data), _trusted=True)

    def encode(self) -> bytes:
        return self.data

    def hex(self) -> str:
        return self.data.hex()

    def is_identity(self) -> bool:
        return self.data == _IDENTITY_BYTES

    def __add__(self, other: Point) -> Point:
        if self.data == _IDENTITY_BYTES:
            return other
        if other.data == _IDENTITY_BYTES:
            return self
        return Point(rbcl.crypto_core_ristretto255_add(self.data, other.data), _trusted=True)

    def __sub__(self, other: Point) -> Point:
        if other.data == _IDENTITY_BYTES:
            return self
        if self.data == _IDENTITY_BYTES:
            return -other
        return Point(rbcl.crypto_core_ristretto255_sub(self.data, other.data), _trusted=True)

    def __neg__(self) -> Point:
        if self.data == _IDENTITY_BYTES:
            return self
        return Point(rbcl.crypto_core_ristretto255_sub(_IDENTITY_BYTES, self.data), _trusted=True)

    def __mul__(self, scalar: Scalar) -> Point:
        if self.data == _IDENTITY_BYTES or scalar.value == 0:
            return IDENTITY
        if self is GENERATOR:
            out = rbcl.crypto_scalarmult_ristretto255_base_allow_scalar_zero(scalar.encode())
        else:
            out = rbcl.crypto_scalarmult_ristretto255_allow_scalar_zero(scalar.encode(), self.data)
        return Point(out, _trusted=True)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and self.data == other.data

    def __hash__(self) -> int:
        return hash(self.data)

    def __reduce__(self) -> tuple[Callable[[bytes], Point], tuple[bytes]]:
        """A point pickles as its encoding and unpickles without the validity check of
        :meth:`decode`: whoever writes a pickle that a process reads can run any code in
        it already, so the check would protect nothing, and the parallel verifier ships
        every point of a shuffle to its workers this way, where it would cost 8 µs a
        point."""
        return (_unpickle_point, (self.data,))

    def __repr__(self) -> str:
        return f"Point({self.hex()})"


IDENTITY: Final = Point(_IDENTITY_BYTES, _trusted=True)

#: The canonical generator B of RFC 9496 section 4.4.
GENERATOR: Final = Point(
    bytes.fromhex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"),
    _trusted=True,
)


def _unpickle_point(data: bytes) -> Point:
    # the generator is the object itself, so that multiples of it use the fixed-base table
    return GENERATOR if data == GENERATOR.data else Point(data, _trusted=True)


def base_mul(scalar: Scalar) -> Point:
    """``scalar * B`` using libsodium's fixed-base table."""
    return GENERATOR * scalar


@functools.lru_cache(maxsize=4096)
def small_multiple(m: int) -> Point:
    """``m * B`` for a (possibly negative) integer ``m`` (cached: ballots reuse 1*B, 2*B...)."""
    return GENERATOR * Scalar.of(m)


def sum_points(points: list[Point] | tuple[Point, ...]) -> Point:
    """The sum of a sequence of points (the identity for an empty one)."""
    acc = IDENTITY
    for p in points:
        acc = acc + p
    return acc


def sha512(data: bytes) -> bytes:
    return hashlib.sha512(data).digest()
