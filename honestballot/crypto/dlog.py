"""Recovering a small integer ``m`` from ``m*G``: baby-step giant-step.

A tally count is at most the number of counted ballots.  For a bound ``N`` the
table holds ``m = ceil(sqrt(N+1))`` baby steps ``j*G`` (keyed by encoding) and the
search takes at most ``m`` giant steps ``Q - i*m*G``, so recovering a count of
ten million costs about 3,200 point additions, not ten million.
"""

from __future__ import annotations

import math

from honestballot.crypto.group import GENERATOR, IDENTITY, Point, small_multiple
from honestballot.errors import ProtocolError


class DiscreteLogTable:
    """Solves ``Q = m*G`` for ``0 <= m <= bound``."""

    def __init__(self, bound: int) -> None:
        if bound < 0:
            raise ValueError("bound must be non-negative")
        self.bound = bound
        self.step = max(1, math.isqrt(bound) + 1)
        self._baby: dict[bytes, int] = {}
        acc = IDENTITY
        for j in range(self.step):
            self._baby[acc.data] = j
            acc = acc + GENERATOR
        self._giant = small_multiple(self.step)

    def solve(self, target: Point) -> int:
        """The ``m`` in ``[0, bound]`` with ``target == m*G``; ProtocolError if none."""
        q = target
        for i in range(self.step + 1):
            j = self._baby.get(q.data)
            if j is not None:
                m = i * self.step + j
                if m <= self.bound:
                    return m
                break
            q = q - self._giant
        raise ProtocolError(f"no discrete log in [0, {self.bound}]: the value is out of range")
