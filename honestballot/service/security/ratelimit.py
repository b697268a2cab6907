"""Fixed-window rate limits kept in the database, so every server process counts together.

A window of ``window_s`` seconds starts at a multiple of ``window_s`` since the epoch.
Counting hits on one or more buckets is one atomic upsert::

    INSERT INTO rate_limits (bucket, window_start, count) VALUES (:b1, :w1, 1), (:b2, :w2, 1)
    ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_limits.count + 1
    RETURNING bucket, count

so concurrent hits from many processes are counted exactly (no read-modify-write).  The
rows are taken in the order of their bucket names, so two transactions counting the
same buckets lock them in the same order and cannot deadlock.
A hit that goes over the limit is still counted: :meth:`RateLimiter.hit` commits it and
raises :class:`~honestballot.errors.RateLimited` with the seconds until the window ends;
:meth:`RateLimiter.count` counts inside the caller's transaction and returns the limits
exceeded, for the caller to answer with :func:`refusal` after it commits (see
:mod:`~honestballot.service.voters.signin` for why).

Bucket names are stored in clear, so they must never hold a phone number, e-mail or IP
address: :meth:`RateLimiter.bucket` turns ``(purpose, value)`` into
``"<purpose>:<MAC of the value under the server key, hex>"``.  A bucket is meant to be
used with one window length; the purpose should say what it limits
(``"code:contact"``, ``"code:address"``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from honestballot.errors import InvalidInput, RateLimited, Text
from honestballot.service.clock import now_ms
from honestballot.service.security.keys import mac, server_key
from honestballot.store.sql import SqlStore, Tx

MAX_BUCKET: Final = 128
KEY_NAME: Final = "rate-limit"
_PURPOSE = re.compile(r"^[a-z][a-z0-9:_-]{0,60}\Z")


#: the prefix one holder is assumed to control: an IPv4 /24, an IPv6 /48 (a site)
IPV4_NETWORK: Final = 24
IPV6_NETWORK: Final = 48


def network_of(address: str) -> str:
    """The network an address belongs to for limits that bind to what a client controls:
    its IPv4 /24 or IPv6 /48 (an IPv4-mapped IPv6 address counts as IPv4); a value
    that is not an IP address stands for itself."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = IPV4_NETWORK if ip.version == 4 else IPV6_NETWORK
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


#: what one host is given: an IPv6 /64 (a host picks any address in its /64 itself)
IPV6_HOST: Final = 64


def host_of(address: str) -> str:
    """The host an address stands for in per-address limits: an IPv4 address itself, an
    IPv6 address's /64 (otherwise one host, by changing the low 64 bits it chooses
    freely, would meet a per-address limit never); a value that is not an IP address
    stands for itself."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 4:
        return str(ip)
    return str(ipaddress.ip_network(f"{ip}/{IPV6_HOST}", strict=False))


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``limit`` hits on ``bucket`` per window of ``window_s`` seconds.

    A ``silent`` limit is one whose refusal the caller must not show as such, because
    which bucket a request falls in would tell something (see the sign-in's per-contact
    cap): :func:`refusal` leaves it out."""

    bucket: str
    limit: int
    window_s: int
    silent: bool = False

    def __post_init__(self) -> None:
        if not self.bucket or len(self.bucket) > MAX_BUCKET:
            raise InvalidInput(f"a rate-limit bucket is 1 to {MAX_BUCKET} characters")
        if self.limit < 0 or self.window_s <= 0:
            raise InvalidInput("a rate limit needs limit >= 0 and a window of at least 1 second")


@dataclass(frozen=True, slots=True)
class Exceeded:
    """A limit that a hit took past its window's count, and the seconds until that
    window ends."""

    limit: Limit
    retry_after: int


def refusal(exceeded: Sequence[Exceeded]) -> RateLimited | None:
    """The error to answer with for the exceeded limits that are not silent, if any."""
    shown = [x for x in exceeded if not x.limit.silent]
    if not shown:
        return None
    retry_after = max(x.retry_after for x in shown)
    # the voter is told what was refused: asking for codes, or typing them
    purposes = {x.limit.bucket.split(":", 1)[0] for x in shown}
    key = {"code": "rate.code_requests", "verify": "rate.code_checks"}.get(
        purposes.pop() if len(purposes) == 1 else "", "rate.try_again"
    )
    return RateLimited(
        Text(key, f"too many requests; try again in {retry_after} seconds", seconds=retry_after),
        retry_after=retry_after,
    )


class RateLimiter:
    """Counts hits per bucket and window in ``rate_limits``; ``clock`` gives milliseconds."""

    def __init__(self, store: SqlStore, clock: Callable[[], int] = now_ms) -> None:
        self.store = store
        self.clock = clock

    def key(self) -> bytes:
        """The server key bucket names are made with (created on first use)."""
        return server_key(self.store, KEY_NAME)

    def bucket(self, purpose: str, value: str) -> str:
        """A bucket name for ``value`` (a phone, e-mail, address) that does not reveal it."""
        if not _PURPOSE.match(purpose):
            raise InvalidInput(f"a rate-limit purpose is a short lowercase name, not {purpose!r}")
        digest = mac(self.key(), "honestballot/rate-limit/v1", purpose, value)
        return f"{purpose}:{digest.hex()}"

    def hit(self, bucket: str, limit: int, window_s: int) -> None:
        """Count one hit and commit it; raise RateLimited if the window now holds more
        than ``limit``."""
        with self.store.transaction() as conn:
            exceeded = self.count(conn, [Limit(bucket, limit, window_s)])
        over = refusal(exceeded)
        if over is not None:
            raise over

    def count(self, conn: Tx, limits: Sequence[Limit]) -> list[Exceeded]:
        """Count one hit on each limit's bucket inside the caller's transaction (one
        statement); the limits whose window now holds more than their limit.

        Commit before answering with :func:`refusal`, or the hits that went over are not
        counted.
        """
        if not limits:
            return []
        now = self.clock()
        starts = {x.bucket: now - now % (x.window_s * 1000) for x in limits}
        if len(starts) != len(limits):
            raise InvalidInput("each bucket may be counted once per statement")
        ordered = sorted(limits, key=lambda x: x.bucket)  # one lock order for everybody
        counts = self.store.count_hits(conn, [(x.bucket, starts[x.bucket]) for x in ordered])
        return [
            Exceeded(x, max(1, -(-(starts[x.bucket] + x.window_s * 1000 - now) // 1000)))
            for x in ordered
            if counts[x.bucket] > x.limit
        ]

    def purge(self, older_than_ms: int) -> int:
        """Delete windows that started before ``older_than_ms``; returns how many."""
        return self.store.purge_rate_limits(older_than_ms)
