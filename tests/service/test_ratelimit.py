"""Rate limits and server keys shared by several processes, on SQLite and on PostgreSQL."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import pytest
from sqlalchemy import select

from honestballot.errors import InvalidInput, RateLimited
from honestballot.service.security.keys import KEY_BYTES, mac, server_key
from honestballot.service.security.ratelimit import Exceeded, Limit, RateLimiter, refusal
from honestballot.store.schema import rate_limits, settings
from honestballot.store.sql import SqlStore
from tests.helpers import run_threads

T0 = 1_700_000_100_000  # the start of a 900-second (and a 60-second) window


class Clock:
    def __init__(self, now_ms: int = T0) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    s = SqlStore(database_url)
    yield s
    s.close()


def _count(store: SqlStore, bucket: str) -> int:
    with store.engine.connect() as conn:
        q = select(rate_limits.c.count).where(rate_limits.c.bucket == bucket)
        return sum(int(c) for c in conn.execute(q).scalars())


def test_limit_and_window_rollover(store: SqlStore) -> None:
    clock = Clock(T0 + 15_500)
    limiter = RateLimiter(store, clock)
    for _ in range(3):
        limiter.hit("test:a", 3, 60)
    with pytest.raises(RateLimited) as caught:
        limiter.hit("test:a", 3, 60)
    assert caught.value.retry_after == 45  # 44.5 s left, rounded up
    limiter.hit("test:b", 3, 60)  # another bucket counts on its own
    clock.now_ms = T0 + 59_999
    with pytest.raises(RateLimited) as caught:
        limiter.hit("test:a", 3, 60)
    assert caught.value.retry_after == 1
    clock.now_ms = T0 + 60_000
    for _ in range(3):
        limiter.hit("test:a", 3, 60)
    with pytest.raises(RateLimited):
        limiter.hit("test:a", 3, 60)


def test_count_hits_several_buckets_in_the_callers_transaction(store: SqlStore) -> None:
    clock = Clock(T0 + 30_000)
    limiter = RateLimiter(store, clock)
    hidden = Limit("test:m", 1, 900, silent=True)
    limits = [Limit("test:z", 5, 900), Limit("test:a", 2, 60), hidden]  # not in name order
    with store.transaction() as conn:
        assert limiter.count(conn, limits) == []
    with store.transaction() as conn:
        exceeded = limiter.count(conn, limits)
    assert exceeded == [Exceeded(hidden, 870)]
    assert refusal(exceeded) is None  # a silent limit is not shown
    with store.transaction() as conn:
        exceeded = limiter.count(conn, limits)
    assert [x.limit.bucket for x in exceeded] == ["test:a", "test:m"]  # in bucket order
    over = refusal(exceeded)
    assert isinstance(over, RateLimited) and over.retry_after == 30  # the 60-second window
    assert (_count(store, "test:a"), _count(store, "test:z")) == (3, 3)  # committed, over or not
    # rolled back with the caller's transaction: nothing counted
    with pytest.raises(RuntimeError), store.transaction() as conn:
        limiter.count(conn, [Limit("test:a", 9, 60)])
        raise RuntimeError("the caller's step failed")
    assert _count(store, "test:a") == 3
    with store.transaction() as conn:
        assert limiter.count(conn, []) == []
        with pytest.raises(InvalidInput, match="once per statement"):
            limiter.count(conn, [Limit("test:a", 9, 60), Limit("test:a", 9, 900)])


def test_zero_limit_refuses_everything(store: SqlStore) -> None:
    with pytest.raises(RateLimited):
        RateLimiter(store, Clock()).hit("test:closed", 0, 10)


def test_bad_arguments(store: SqlStore) -> None:
    limiter = RateLimiter(store, Clock())
    for bucket, limit, window in (("", 1, 1), ("x" * 129, 1, 1), ("b", -1, 1), ("b", 1, 0)):
        with pytest.raises(InvalidInput):
            limiter.hit(bucket, limit, window)
    with pytest.raises(InvalidInput):
        limiter.bucket("Bad Purpose", "x")


def test_bucket_names_do_not_reveal_their_value(database_url: str, store: SqlStore) -> None:
    limiter = RateLimiter(store, Clock())
    name = limiter.bucket("code:contact", "+77011234567")
    assert name.startswith("code:contact:") and len(name) <= 128
    assert "7011234567" not in name
    assert limiter.bucket("code:contact", "+77011234567") == name
    assert limiter.bucket("code:address", "+77011234567") != name
    assert limiter.bucket("code:contact", "+77011234568") != name
    other = SqlStore(database_url)
    try:
        assert RateLimiter(other, Clock()).bucket("code:contact", "+77011234567") == name
    finally:
        other.close()


def test_purge(store: SqlStore) -> None:
    clock = Clock()
    limiter = RateLimiter(store, clock)
    limiter.hit("test:old", 5, 60)
    clock.now_ms = T0 + 120_000
    limiter.hit("test:new", 5, 60)
    assert limiter.purge(T0 + 60_000) == 1
    assert _count(store, "test:old") == 0 and _count(store, "test:new") == 1


def test_concurrent_hits_from_threads_are_counted_exactly(database_url: str) -> None:
    stores = [SqlStore(database_url) for _ in range(4)]
    barrier = threading.Barrier(4)
    outcomes: list[bool] = []
    lock = threading.Lock()

    def run(store: SqlStore) -> None:
        limiter = RateLimiter(store, Clock())
        barrier.wait()
        for _ in range(25):
            try:
                limiter.hit("test:shared", 60, 900)
                ok = True
            except RateLimited:
                ok = False
            with lock:
                outcomes.append(ok)

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert _count(stores[0], "test:shared") == 100
        assert outcomes.count(True) == 60 and outcomes.count(False) == 40
    finally:
        for s in stores:
            s.close()


def _hits_in_a_process(url: str, n: int) -> int:
    store = SqlStore(url)
    try:
        limiter = RateLimiter(store, Clock())
        allowed = 0
        for _ in range(n):
            try:
                limiter.hit("test:processes", 50, 900)
                allowed += 1
            except RateLimited:
                pass
        return allowed
    finally:
        store.close()


def test_concurrent_hits_from_processes_are_counted_exactly(
    database_url: str, store: SqlStore
) -> None:
    with ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("spawn")) as pool:
        allowed = list(pool.map(_hits_in_a_process, [database_url] * 4, [30] * 4))
    assert sum(allowed) == 50
    assert _count(store, "test:processes") == 120


# -- server keys ---------------------------------------------------------------------------


def test_server_key_is_shared_by_every_store(database_url: str, store: SqlStore) -> None:
    key = server_key(store, "signin-code")
    assert len(key) == KEY_BYTES
    assert key.hex() not in repr(key) and key.hex() not in str(key)
    assert server_key(store, "signin-code") == key
    assert server_key(store, "voter-session") != key
    other = SqlStore(database_url)
    try:
        assert server_key(other, "signin-code") == key
    finally:
        other.close()
    with store.engine.connect() as conn:
        stored = conn.execute(
            select(settings.c.value).where(settings.c.name == "key:signin-code")
        ).scalar_one()
    assert bytes.fromhex(stored) == key
    with pytest.raises(InvalidInput):
        server_key(store, "")


def test_concurrent_first_use_agrees_on_one_key(database_url: str, store: SqlStore) -> None:
    stores = [SqlStore(database_url) for _ in range(4)]
    barrier = threading.Barrier(4)
    keys: list[bytes] = []

    def run(s: SqlStore) -> None:
        barrier.wait()
        keys.append(bytes(server_key(s, "raced")))

    run_threads(run, ((s,) for s in stores))
    for s in stores:
        s.close()
    assert len(keys) == 4 and len(set(keys)) == 1
    assert server_key(store, "raced") == keys[0]


def test_mac_separates_its_parts() -> None:
    key = b"k" * 32
    assert mac(key, "ab", "c") != mac(key, "a", "bc")
    assert mac(key, "ab") != mac(key, "ab", "")
    assert mac(key, "x", b"y") == mac(key, b"x", "y")
    assert len(mac(key)) == 32
