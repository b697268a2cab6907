"""The one wall clock of the services: milliseconds since the Unix epoch, UTC.

Every service that needs the time takes a ``clock`` argument defaulting to
:func:`now_ms`, so tests pass a clock they control.  Durations measured within one
process (pacing, lingering) use ``time.monotonic`` instead, which no wall-clock step
can move backwards.
"""

from __future__ import annotations

import time


def now_ms() -> int:
    """The wall-clock time now, in whole milliseconds since the Unix epoch."""
    return time.time_ns() // 1_000_000
