"""Cast notices: the text, the device description, and the outbox on both databases.

The outbox must deliver every committed notice exactly once, survive a failing gateway
(retry with backoff, give up after ``max_attempts``), and never let two deliverers
running at once send the same notice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from honestballot.errors import DeliveryFailed, InvalidInput
from honestballot.service.messages.notices import (
    IMMEDIATE,
    Outbox,
    backoff_ms,
    cast_notice_text,
    describe_device,
    enqueue_notice,
    notice_row,
)
from honestballot.service.messages.senders import Message
from honestballot.store.schema import notices
from honestballot.store.sql import SqlStore

ELECTION = "notice-test"
T0 = 1_709_296_440_000  # 2024-03-01 12:34:00 UTC


class Clock:
    def __init__(self, now: int = T0) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


class Recorder:
    """A sender that records what it was given (thread-safe)."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.messages: list[Message] = []
        self.delay_s = delay_s
        self._lock = threading.Lock()

    def send(self, message: Message) -> None:
        if self.delay_s:
            time.sleep(self.delay_s)
        with self._lock:
            self.messages.append(message)


class Failing:
    def __init__(self) -> None:
        self.calls = 0

    def send(self, message: Message) -> None:
        self.calls += 1
        raise DeliveryFailed("the SMS gateway answered HTTP 503 for +7******0001")


def immediate_outbox(*args: Any, **kwargs: Any) -> Outbox:
    """An outbox that sends every notice at once, in commit order (the mechanics of
    claiming, leases and retries; the rounds are tested in test_notice_rounds.py)."""
    return Outbox(*args, schedule=IMMEDIATE, **kwargs)


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    s = SqlStore(database_url)
    yield s
    s.close()


def queue(store: SqlStore, n: int, *, election_id: str = ELECTION, channel: str = "sms") -> None:
    with store.transaction() as conn:
        for i in range(n):
            destination = f"+7700000{i:04d}" if channel == "sms" else f"v{i}@example.org"
            row = notice_row(election_id, channel, destination, "Ballot cast", f"notice {i}", T0)
            enqueue_notice(conn, row)


def rows(store: SqlStore) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(notices).order_by("notice_id")).mappings()]


# -- text and device ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "phrase"),
    [
        ("en", "only your last ballot counts"),
        ("ru", "учитывается только последний бюллетень"),
        ("kk", "тек соңғы бюллетеніңіз есептеледі"),
    ],
)
def test_cast_notice_text_in_each_language(language: str, phrase: str) -> None:
    subject, body = cast_notice_text(language, "Chrome on Android", "Primary")
    assert "Primary" in subject
    for part in ("Primary", "Chrome on Android", phrase):
        assert part in body
    assert "UTC" not in body and not any(c.isdigit() for c in body)  # no time: see Outbox
    assert "\n" not in subject


def test_cast_notice_text_falls_back_to_english_and_cleans_its_inputs() -> None:
    subject, body = cast_notice_text("de", "unknown device", "Poll\r\nBcc: x@y")
    assert body.startswith("A ballot was cast in Poll Bcc: x@y from unknown device.")
    assert "\r" not in subject and "\n" not in subject
    _, ru = cast_notice_text("ru", "unknown device", "Poll")
    assert "неизвестное устройство" in ru


UA = {
    "android-chrome": "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
    "iphone-safari": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) "
    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
    "iphone-chrome": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) "
    "AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1",
    "ipad-safari": "Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
    "windows-firefox": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) "
    "Gecko/20100101 Firefox/121.0",
    "windows-edge": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
    "windows-opera": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 OPR/105.0.0.0",
    "windows-yandex": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/118.0.0.0 YaBrowser/23.11.0.0 Safari/537.36",
    "android-samsung": "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S918B) AppleWebKit/537.36 "
    "(KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
    "mac-safari": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.2 Safari/605.1.15",
    "linux-firefox": "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "chromeos": "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "android-webview": "Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230901.001; wv) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Mobile Safari/537.36",
}


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (UA["android-chrome"], "Chrome on Android"),
        (UA["iphone-safari"], "Safari on iPhone"),
        (UA["iphone-chrome"], "Chrome on iPhone"),
        (UA["ipad-safari"], "Safari on iPad"),
        (UA["windows-firefox"], "Firefox on Windows"),
        (UA["windows-edge"], "Edge on Windows"),
        (UA["windows-opera"], "Opera on Windows"),
        (UA["windows-yandex"], "Yandex Browser on Windows"),
        (UA["android-samsung"], "Samsung Internet on Android"),
        (UA["mac-safari"], "Safari on macOS"),
        (UA["linux-firefox"], "Firefox on Linux"),
        (UA["chromeos"], "Chrome on ChromeOS"),
        (UA["android-webview"], "browser on Android"),
        ("curl/8.4.0", "curl"),
        ("python-requests/2.31.0", "Python script"),
        ("Mozilla/5.0 (Windows NT 10.0)", "browser on Windows"),
        ("", "unknown device"),
        ("Vote for X! <script>alert(1)</script>", "unknown device"),
    ],
)
def test_describe_device(user_agent: str, expected: str) -> None:
    assert describe_device(user_agent) == expected


# -- the outbox --------------------------------------------------------------------------------


def test_notices_are_delivered_exactly_once(store: SqlStore) -> None:
    queue(store, 3)
    queue(store, 1, channel="email")
    sender = Recorder()
    clock = Clock()
    outbox = immediate_outbox(store, sender, clock)
    assert outbox.pending_count(ELECTION) == 4
    assert outbox.deliver_pending() == 4
    clock.now += 10 * 60_000
    assert outbox.deliver_pending() == 0
    assert [m.body for m in sender.messages] == ["notice 0", "notice 1", "notice 2", "notice 0"]
    assert [m.channel for m in sender.messages] == ["sms", "sms", "sms", "email"]
    assert not any(m.secret for m in sender.messages)
    assert outbox.pending_count(ELECTION) == 0
    assert all(r["sent_ms"] == T0 and r["attempts"] == 0 for r in rows(store))


def test_a_rolled_back_transaction_queues_nothing(store: SqlStore) -> None:
    with pytest.raises(RuntimeError), store.transaction() as conn:
        enqueue_notice(conn, notice_row(ELECTION, "sms", "+77000000001", "s", "b", T0))
        raise RuntimeError("the cast failed after queueing its notice")
    assert rows(store) == []


@pytest.mark.parametrize(
    ("channel", "destination", "subject", "message"),
    [
        ("fax", "+77000000001", "s", "channel is 'sms' or 'email'"),
        ("email", "not-an-address", "s", "needs an '@'"),
        ("sms", "+7700\n0000001", "s", "on one line"),
        ("sms", "", "s", "non-empty"),
        ("sms", "+77000000001", "a\nb", "subject must be on one line"),
        ("sms", "+77000000001", "s" * 257, "subject is at most 256"),
    ],
)
def test_enqueue_refuses_bad_notices(
    store: SqlStore, channel: str, destination: str, subject: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message), store.transaction() as conn:
        enqueue_notice(conn, notice_row(ELECTION, channel, destination, subject, "body", T0))
    assert rows(store) == []


def test_a_failing_sender_leaves_notices_pending_until_a_later_success(store: SqlStore) -> None:
    queue(store, 2)
    clock = Clock()
    failing = Failing()
    assert immediate_outbox(store, failing, clock).deliver_pending() == 0
    assert failing.calls == 2
    assert [r["attempts"] for r in rows(store)] == [1, 1]
    assert all(r["sent_ms"] is None for r in rows(store))
    assert all(r["claimed_until_ms"] == T0 + backoff_ms(1) for r in rows(store))

    # Backing off: nothing is tried again before the backoff has passed.
    clock.now += backoff_ms(1) - 1
    assert immediate_outbox(store, failing, clock).deliver_pending() == 0
    assert failing.calls == 2
    clock.now += 2
    assert immediate_outbox(store, failing, clock).deliver_pending() == 0
    assert failing.calls == 4
    assert [r["attempts"] for r in rows(store)] == [2, 2]
    assert backoff_ms(2) == 2 * backoff_ms(1)

    recorder = Recorder()
    outbox = immediate_outbox(store, recorder, clock)
    clock.now += backoff_ms(2) + 1
    assert outbox.deliver_pending() == 2
    assert outbox.deliver_pending() == 0
    assert [m.body for m in recorder.messages] == ["notice 0", "notice 1"]
    assert outbox.pending_count(ELECTION) == 0


def test_a_notice_is_given_up_after_max_attempts(store: SqlStore) -> None:
    queue(store, 1)
    clock = Clock()
    failing = Failing()
    outbox = immediate_outbox(store, failing, clock)
    for _ in range(5):
        outbox.deliver_pending(max_attempts=3)
        clock.now += 24 * 3600_000
    assert failing.calls == 3
    assert outbox.pending_count(ELECTION) == 1
    assert outbox.given_up_count(ELECTION, max_attempts=3) == 1


def test_a_claimed_notice_is_not_claimed_by_another_deliverer(store: SqlStore) -> None:
    queue(store, 2)
    clock = Clock()
    other = Recorder()
    seen: list[int] = []

    class Nested:
        """While the first deliverer sends, a second one runs against the same database."""

        def send(self, message: Message) -> None:
            seen.append(immediate_outbox(store, other, clock).deliver_pending())

    assert immediate_outbox(store, Nested(), clock).deliver_pending() == 2
    assert seen == [0, 0]
    assert other.messages == []


def test_a_lease_running_short_releases_the_rest_of_the_batch(store: SqlStore) -> None:
    queue(store, 5)
    clock = Clock()
    sent: list[str] = []

    class Slow:
        def send(self, message: Message) -> None:
            sent.append(message.body)
            clock.now += 20_000

    outbox = immediate_outbox(store, Slow(), clock)
    assert outbox.deliver_pending(lease_s=60) == 3  # the 4th would start 5 s before expiry
    released = [r for r in rows(store) if r["sent_ms"] is None]
    assert [r["claimed_until_ms"] for r in released] == [0, 0]
    assert outbox.deliver_pending(lease_s=60) == 2
    assert sent == [f"notice {i}" for i in range(5)]


def test_pending_count_is_per_election(store: SqlStore) -> None:
    queue(store, 2)
    queue(store, 3, election_id="another")
    outbox = immediate_outbox(store, Recorder(), Clock())
    assert outbox.pending_count(ELECTION) == 2
    assert outbox.pending_count("another") == 3


def test_concurrent_deliverers_never_send_a_notice_twice(database_url: str) -> None:
    """Four deliverers, each with its own engine (as separate server processes would be)."""
    total = 240
    setup = SqlStore(database_url)
    queue(setup, total)
    recorder = Recorder(delay_s=0.001)
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    # Alembic's upgrade (run by SqlStore()) is not thread-safe: open the stores here.
    stores = [SqlStore(database_url) for _ in range(4)]

    def deliverer(own: SqlStore) -> None:
        try:
            outbox = immediate_outbox(own, recorder)
            start.wait(timeout=30)
            deadline = time.monotonic() + 60
            while outbox.pending_count(ELECTION) > 0 and time.monotonic() < deadline:
                outbox.deliver_pending(batch=7)
        except BaseException as exc:
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=deliverer, args=(own,)) for own in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    counts = Counter(m.body for m in recorder.messages)
    assert len(counts) == total
    assert set(counts.values()) == {1}, [b for b, n in counts.items() if n > 1]
    with setup.engine.connect() as conn:
        unsent = conn.execute(
            select(func.count()).select_from(notices).where(notices.c.sent_ms.is_(None))
        ).scalar_one()
    assert unsent == 0
    setup.close()


def test_run_forever_delivers_until_stopped(store: SqlStore) -> None:
    queue(store, 3)
    recorder = Recorder()
    outbox = immediate_outbox(store, recorder)
    stop = threading.Event()
    thread = threading.Thread(target=outbox.run_forever, args=(stop,))
    thread.start()
    deadline = time.monotonic() + 20
    while outbox.pending_count(ELECTION) and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    thread.join(10)
    assert not thread.is_alive()
    assert sorted(m.body for m in recorder.messages) == ["notice 0", "notice 1", "notice 2"]


# -- one write per round -----------------------------------------------------------------------


class Gateway:
    """Fails the notices whose body is in ``failing``; each send moves ``clock`` on by
    ``step_ms``, so each outcome carries a time of its own."""

    def __init__(self, clock: Clock, failing: set[str], step_ms: int = 1_000) -> None:
        self.clock = clock
        self.failing = failing
        self.step_ms = step_ms
        self.tried: list[str] = []

    def send(self, message: Message) -> None:
        self.clock.now += self.step_ms
        self.tried.append(message.body)
        if message.body in self.failing:
            raise DeliveryFailed("the SMS gateway answered HTTP 503 for +7******0001")


def count_transactions(store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A one-item list holding how many times ``store.transaction`` has been entered."""
    calls = [0]
    real = store.transaction

    def counting(election_id: str | None = None) -> AbstractContextManager[Connection]:
        calls[0] += 1
        return real(election_id)

    monkeypatch.setattr(store, "transaction", counting)
    return calls


def test_a_round_records_every_outcome_of_a_mixed_batch(store: SqlStore) -> None:
    queue(store, 8)
    third = rows(store)[3]["notice_id"]
    with store.transaction() as conn:
        conn.execute(update(notices).where(notices.c.notice_id == third).values(attempts=2))
    before = rows(store)
    clock = Clock()
    failing = {"notice 1", "notice 3", "notice 4"}
    gateway = Gateway(clock, failing)

    assert immediate_outbox(store, gateway, clock).deliver_pending(batch=6) == 3

    expected = [dict(r) for r in before]
    for k, row in enumerate(expected[:6]):
        done_at = T0 + 1_000 * (k + 1)  # the clock when its send returned
        if row["body"] in failing:
            attempts = int(str(row["attempts"])) + 1
            row.update(attempts=attempts, claimed_until_ms=done_at + backoff_ms(attempts))
        else:
            row.update(sent_ms=done_at, claimed_until_ms=T0 + 60_000)
    for row in expected[6:]:
        row.update(claimed_until_ms=0)  # scheduled (due at once: no rounds), not claimed
    assert gateway.tried == [f"notice {i}" for i in range(6)]
    assert rows(store) == expected  # the two beyond the batch are not claimed
    assert (expected[3]["attempts"], expected[3]["claimed_until_ms"]) == (3, T0 + 4_000 + 120_000)


def test_a_round_does_not_record_over_a_claim_another_deliverer_took(store: SqlStore) -> None:
    queue(store, 4)
    ids = [r["notice_id"] for r in rows(store)]
    clock = Clock()
    theirs = T0 + 10 * 60_000

    class TakenOver(Gateway):
        """While notice 2 is sent, another deliverer claims notices 0, 1 and 3 (as it
        would once this one's lease had lapsed by its clock)."""

        def send(self, message: Message) -> None:
            super().send(message)
            if message.body == "notice 2":
                with store.transaction() as conn:
                    conn.execute(
                        update(notices)
                        .where(notices.c.notice_id.in_([ids[0], ids[1], ids[3]]))
                        .values(claimed_until_ms=theirs)
                    )

    # 20 s a send on a 60 s lease: notices 0 (sent), 1 (failed) and 2 (sent) are tried,
    # and the round ends with 3 untried, to be released.
    outbox = immediate_outbox(store, TakenOver(clock, {"notice 1"}, step_ms=20_000), clock)
    assert outbox.deliver_pending(lease_s=60) == 2  # both went out, whatever is recorded

    after = {r["notice_id"]: r for r in rows(store)}
    # Sent by the stale round but not marked so: the new claimer sends it again.
    assert (after[ids[0]]["sent_ms"], after[ids[0]]["claimed_until_ms"]) == (None, theirs)
    # Neither counted as a failed attempt nor moved to a backoff.
    assert (after[ids[1]]["attempts"], after[ids[1]]["claimed_until_ms"]) == (0, theirs)
    # Still this round's: recorded.
    assert after[ids[2]]["sent_ms"] == T0 + 60_000
    # Not released from under its new claimer.
    assert (after[ids[3]]["sent_ms"], after[ids[3]]["claimed_until_ms"]) == (None, theirs)


@pytest.mark.parametrize("lease_runs_short", [False, True])
def test_a_round_writes_in_a_bounded_number_of_statements(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch, lease_runs_short: bool
) -> None:
    queue(store, 50)
    updates: list[str] = []

    def note(
        conn: Connection,
        cursor: object,
        statement: str,
        parameters: object,
        context: object,
        executemany: bool,
    ) -> None:
        if statement.lstrip().upper().startswith("UPDATE"):
            updates.append(statement)

    transactions = count_transactions(store, monkeypatch)
    clock = Clock()
    failing = {f"notice {i}" for i in range(1, 50, 2)}
    # 2 s a send on a 60 s lease with a 5 s margin: 28 notices are tried, 22 released.
    gateway = Gateway(clock, failing, step_ms=2_000 if lease_runs_short else 0)
    event.listen(store.engine, "before_cursor_execute", note)
    try:
        sent = immediate_outbox(store, gateway, clock).deliver_pending(batch=50)
    finally:
        event.remove(store.engine, "before_cursor_execute", note)

    tried = 28 if lease_runs_short else 50
    assert sent == tried // 2
    assert len(updates) <= 5, updates  # schedule, claim; sent, failed and released
    assert transactions[0] == 2  # schedule and claim; record
    after = rows(store)
    assert sum(r["sent_ms"] is not None for r in after) == tried // 2
    assert sum(r["attempts"] == 1 for r in after) == tried // 2
    released = [r for r in after if r["attempts"] == 0 and r["sent_ms"] is None]
    assert len(released) == 50 - tried
    assert all(r["claimed_until_ms"] == 0 for r in released)


def test_a_failed_record_is_logged_by_type_and_its_notices_return_after_the_lease(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    queue(store, 2)
    clock = Clock()
    recorder = Recorder()
    outbox = immediate_outbox(store, recorder, clock)
    real = store.transaction
    calls = 0

    def second_fails(election_id: str | None = None) -> AbstractContextManager[Connection]:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OperationalError(
                "UPDATE notices SET sent_ms=?", {"destination": "+77000000000"}, OSError("full")
            )
        return real(election_id)

    monkeypatch.setattr(store, "transaction", second_fails)
    with caplog.at_level(logging.DEBUG, logger="honestballot.service.messages.notices"):
        assert outbox.deliver_pending() == 2
    monkeypatch.setattr(store, "transaction", real)

    logged = [(r.getMessage(), r.exc_info) for r in caplog.records]
    assert logged == [
        ("outcomes of 2 notice(s) not recorded, their claims will lapse: OperationalError", None)
    ]
    assert all(r["sent_ms"] is None and r["claimed_until_ms"] == T0 + 60_000 for r in rows(store))
    clock.now = T0 + 60_000
    assert outbox.deliver_pending() == 0  # still under this round's lease
    clock.now += 1
    assert outbox.deliver_pending() == 2  # at least once: sent again, and recorded
    assert [m.body for m in recorder.messages] == ["notice 0", "notice 1"] * 2
    assert all(r["sent_ms"] == T0 + 60_001 for r in rows(store))


def test_run_forever_goes_again_at_once_after_a_full_batch(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue(store, 5)
    outbox = immediate_outbox(store, Recorder())
    stop = threading.Event()
    rounds: list[int] = []
    real = outbox.deliver_pending

    def deliver(batch: int = 100, lease_s: float = 60, max_attempts: int = 8) -> int:
        sent = real(batch, lease_s, max_attempts)
        rounds.append(sent)
        if sent < batch:
            stop.set()  # the wait after a short round then ends at once
        return sent

    monkeypatch.setattr(outbox, "deliver_pending", deliver)
    thread = threading.Thread(target=outbox.run_forever, args=(stop,), kwargs={"batch": 2})
    thread.start()
    thread.join(20)
    stop.set()
    thread.join(10)
    assert rounds == [2, 2, 1]


# -- a lease never expires under a send ---------------------------------------------------------


class SlowGateway:
    """A gateway whose every send takes its full worst case, ``max_send_s`` (20.5 s: a
    slow answer within the timeouts).  Should a send end after this round's lease, another
    deliverer runs a round at once, as it would once the lease had lapsed."""

    max_send_s = 20.5

    def __init__(self, store: SqlStore, clock: Clock, lease_end: int) -> None:
        self.store = store
        self.clock = clock
        self.lease_end = lease_end
        self.delivered: Counter[str] = Counter()

    def send(self, message: Message) -> None:
        self.delivered[message.body] += 1
        self.clock.now += 20_500
        if self.clock.now > self.lease_end:
            other = Recorder()
            immediate_outbox(self.store, other, self.clock).deliver_pending()
            self.delivered.update(m.body for m in other.messages)


def test_a_slow_send_never_outlives_the_lease_so_nothing_is_sent_twice(store: SqlStore) -> None:
    queue(store, 3)
    clock = Clock()
    gateway = SlowGateway(store, clock, lease_end=T0 + 60_000)
    outbox = immediate_outbox(store, gateway, clock, lease_s=60)
    # 20.5 s a send and a 5 s margin: a third send, starting 41 s into the 60 s lease,
    # could end after it; it is left for the next round, and the first two are recorded.
    assert outbox.deliver_pending() == 2
    after = rows(store)
    assert [r["sent_ms"] for r in after] == [T0 + 20_500, T0 + 41_000, None]
    assert after[2]["claimed_until_ms"] == 0  # released at once, not when the lease lapses
    gateway.lease_end = clock.now + 60_000
    assert outbox.deliver_pending() == 1
    assert gateway.delivered == {f"notice {i}": 1 for i in range(3)}
    assert outbox.pending_count(ELECTION) == 0


def test_the_lease_fits_the_senders_longest_send(store: SqlStore) -> None:
    clock = Clock()
    slow = SlowGateway(store, clock, lease_end=T0)
    assert immediate_outbox(store, Recorder(), clock).lease_s == 60
    assert immediate_outbox(store, slow, clock).lease_s == 60  # 2 x 20.5 s + 5 s fit in the default
    slow.max_send_s = 100
    assert immediate_outbox(store, slow, clock).lease_s == 205  # room for two sends and the margin
    with pytest.raises(InvalidInput, match="cannot fit one send"):
        immediate_outbox(store, slow, clock, lease_s=105)
    slow.max_send_s = 20.5
    outbox = immediate_outbox(store, slow, clock, lease_s=26)
    with pytest.raises(InvalidInput, match="cannot fit one send"):
        outbox.deliver_pending(lease_s=25.5)
    with pytest.raises(InvalidInput, match="positive"):
        outbox.deliver_pending(lease_s=0)


def test_the_real_senders_state_their_longest_send(store: SqlStore) -> None:
    from honestballot.service.messages.senders import ConsoleSender, RoutingSender
    from honestballot.service.messages.senders_net import HttpSmsSender, SmtpSender

    smtp = SmtpSender("mail.example", 587, "u", "pw", "noreply@example.org", timeout=10)
    sms = HttpSmsSender("https://gateway.example/sms", "tok", timeout=10)
    assert smtp.max_send_s >= 10 * 10  # every SMTP step may wait its timeout
    assert sms.max_send_s >= 2 * 10  # connect and answer
    assert ConsoleSender().max_send_s > 0
    router = RoutingSender(sms=sms, email=smtp)
    assert router.max_send_s == smtp.max_send_s
    outbox = immediate_outbox(store, router, Clock())
    assert outbox.lease_s * 1000 > outbox.max_send_ms + 5_000
