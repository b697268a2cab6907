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
