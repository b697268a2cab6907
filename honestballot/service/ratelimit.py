"""Fixed-window rate limits kept in the database, so every server process counts together.

A window of ``window_s`` seconds starts at a multiple of ``window_s`` since the epoch.
Each :meth:`RateLimiter.hit` is one atomic upsert::

    INSERT INTO rate_limits (bucket, window_start, count) VALUES (:b, :w, 1)
    ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_limits.count + 1
    RETURNING count

so concurrent hits from many processes are counted exactly (no read-modify-write).
A hit that goes over the limit is still counted and raises
:class:`~honestballot.errors.RateLimited` with the seconds until the window ends.

Bucket names are stored in clear, so they must never hold a phone number, e-mail or IP
address: :meth:`RateLimiter.bucket` turns ``(purpose, value)`` into
``"<purpose>:<MAC of the value under the server key, hex>"``.  A bucket is meant to be
used with one window length; the purpose should say what it limits
(``"code:contact"``, ``"code:address"``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Final

from sqlalchemy import delete

from honestballot.errors import InvalidInput, RateLimited
from honestballot.service.keys import dialect_insert, mac, server_key
from honestballot.store.schema import rate_limits
from honestballot.store.sql import SqlStore

MAX_BUCKET: Final = 128
KEY_NAME: Final = "rate-limit"
_PURPOSE = re.compile(r"^[a-z][a-z0-9:_-]{0,60}$")


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class RateLimiter:
    """Counts hits per bucket and window in ``rate_limits``; ``clock`` gives milliseconds."""

    def __init__(self, store: SqlStore, clock: Callable[[], int] = _now_ms) -> None:
        self.store = store
        self.clock = clock

    def bucket(self, purpose: str, value: str) -> str:
        """A bucket name for ``value`` (a phone, e-mail, address) that does not reveal it."""
        if not _PURPOSE.match(purpose):
            raise InvalidInput(f"a rate-limit purpose is a short lowercase name, not {purpose!r}")
        digest = mac(server_key(self.store, KEY_NAME), "honestballot/rate-limit/v1", purpose, value)
        return f"{purpose}:{digest.hex()}"

    def hit(self, bucket: str, limit: int, window_s: int) -> None:
        """Count one hit; raise RateLimited if the window now holds more than ``limit``."""
        if not bucket or len(bucket) > MAX_BUCKET:
            raise InvalidInput(f"a rate-limit bucket is 1 to {MAX_BUCKET} characters")
        if limit < 0 or window_s <= 0:
            raise InvalidInput("a rate limit needs limit >= 0 and a window of at least 1 second")
        now = self.clock()
        window_ms = window_s * 1000
        start = now - now % window_ms
        with self.store.transaction() as conn:
            stmt = dialect_insert(conn, rate_limits).values(
                bucket=bucket, window_start=start, count=1
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=[rate_limits.c.bucket, rate_limits.c.window_start],
                set_={"count": rate_limits.c.count + 1},
            )
            count = int(conn.execute(stmt.returning(rate_limits.c.count)).scalar_one())
        if count > limit:
            retry_after = max(1, -(-(start + window_ms - now) // 1000))
            raise RateLimited(
                f"too many requests; try again in {retry_after} seconds", retry_after=retry_after
            )

    def purge(self, older_than_ms: int) -> int:
        """Delete windows that started before ``older_than_ms``; returns how many."""
        with self.store.transaction() as conn:
            result = conn.execute(
                delete(rate_limits).where(rate_limits.c.window_start < older_than_ms)
            )
            return int(result.rowcount)
