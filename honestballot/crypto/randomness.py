"""Randomness enters the crypto core only through this interface.

The core never reads the operating system's entropy itself: callers pass a
:class:`Randomness`.  :class:`SeededRandomness` is a deterministic SHAKE-256
stream for tests and known-answer vectors; the real source lives in
:mod:`honestballot.entropy`, outside the pure core.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from honestballot.crypto.group import Scalar


class Randomness(Protocol):
    def random_bytes(self, n: int) -> bytes: ...


def random_scalar(rng: Randomness) -> Scalar:
    """A uniform scalar (64 random bytes reduced modulo L: bias below 2^-250)."""
    return Scalar.from_uniform_bytes(rng.random_bytes(64))


def random_nonzero_scalar(rng: Randomness) -> Scalar:
    while True:
        s = random_scalar(rng)
        if not s.is_zero():
            return s


def random_below(rng: Randomness, bound: int) -> int:
    """A uniform integer in ``[0, bound)``, by rejection sampling on 64-bit draws (no
    modulo bias: draws at or above the largest multiple of ``bound`` are thrown away)."""
    if not 0 < bound <= 1 << 64:
        raise ValueError(f"bound must be in [1, 2^64], got {bound}")
    limit = (1 << 64) - (1 << 64) % bound
    while True:
        x = int.from_bytes(rng.random_bytes(8), "big")
        if x < limit:
            return x % bound


def random_permutation(rng: Randomness, n: int) -> tuple[int, ...]:
    """A uniform permutation of ``range(n)`` (Fisher--Yates with :func:`random_below`)."""
    items = list(range(n))
    for i in range(n - 1, 0, -1):
        j = random_below(rng, i + 1)
        items[i], items[j] = items[j], items[i]
    return tuple(items)


class SeededRandomness:
    """A reproducible stream: SHAKE-256(seed || counter).  Never use for a real election."""

    def __init__(self, seed: bytes | str) -> None:
        self._seed = seed.encode() if isinstance(seed, str) else bytes(seed)
        self._counter = 0

    def random_bytes(self, n: int) -> bytes:
        block = hashlib.shake_256(
            b"honestballot/v1/seeded-randomness" + self._seed + self._counter.to_bytes(8, "big")
        ).digest(n)
        self._counter += 1
        return block
