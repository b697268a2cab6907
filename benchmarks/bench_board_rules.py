"""The board-rule replay alone: credentials registered after the roll summary is posted.

That is how a real election fills its board (voters make their credentials at their first
sign-in, while voting is open), and every such registration checks the roll rule for its
unit.  Prints the replay time per number of credentials; it must grow linearly.

    python benchmarks/bench_board_rules.py --credentials 5000 20000 100000
"""

from __future__ import annotations

import argparse
import time

from honestballot.crypto.group import Scalar, base_mul
from honestballot.protocol.board import (
    BoardRules,
    CredentialEvent,
    OpenEvent,
    RollEvent,
    SetupEvent,
)


def replay(n: int) -> float:
    creds = [base_mul(Scalar(i + 1)) for i in range(n)]
    rules = BoardRules()
    rules.apply(SetupEvent("bench", frozenset({"unit"})))
    rules.apply(RollEvent((("unit", n),), 0))
    rules.apply(OpenEvent())
    t0 = time.perf_counter()
    for c in creds:
        rules.apply(CredentialEvent(c, "unit", None))
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--credentials", type=int, nargs="+", default=[5000, 20000, 100000])
    args = parser.parse_args()
    for n in args.credentials:
        elapsed = replay(n)
        print(f"{n:>9} credentials: {elapsed:.3f} s ({elapsed / n * 1e6:.2f} µs each)")


if __name__ == "__main__":
    main()
