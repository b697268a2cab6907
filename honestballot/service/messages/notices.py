"""Cast notices: every accepted ballot told its voter, through a transactional outbox.

No flow queues a notice today: version 1's cast did, and its flow is gone (an election
with re-voting protection sends no per-ballot notice, docs/coercion.md §3); the outbox
stays for the notices already queued. A version 1 cast wrote its notice into ``notices``
(:func:`notice_row`) *inside the cast's own transaction*, so a committed ballot always
has its notice and a rolled-back cast has none. Nothing is sent while that transaction
is open: a slow or broken SMS gateway can neither block nor fail a cast.

The SMS gateway or mail provider sees each notice's destination and when it arrives, and
the public board shows when each ballot was cast.  Sent at once and in commit order, the
notices would tie phones to ballots by time alone.  So they go out in *rounds*
(:class:`NoticeSchedule`): a notice is due ``D`` after its cast, ``D`` drawn uniformly
from ``[delay_min, delay_max]``, and is sent at the first round after that; rounds fall
every ``round`` seconds on the clock (at multiples of ``round`` since the epoch, not
after casts), and each round sends its notices in a random order.  What the gateway sees
is batches at fixed times, each mixing ballots cast over ``delay_max - delay_min +
round`` seconds; no notice is sent later than ``delay_max + round`` after its cast,
retries apart (see docs/threat-model.md for the numbers).

:class:`Outbox` delivers the queue, from any number of server processes at once:

1. *claim* — a notice is written unscheduled (``claimed_until_ms = -1``).  In one short
   write transaction a round first draws each unscheduled notice's delay (with the
   system's CSPRNG) and writes its release time into ``claimed_until_ms``: a time inside
   the window of the round that sends it, drawn afresh, so that ordering by it is a
   random order (:meth:`NoticeSchedule.release_ms`).  Then it selects up to ``batch``
   rows that are unsent (``sent_ms IS NULL``), due before the latest round's time and
   not claimed or backing off (``0 <= claimed_until_ms < round``), and not given up
   (``attempts < max_attempts``), in order of release, and sets ``claimed_until_ms = now
   + lease``.  On PostgreSQL the selects are ``FOR UPDATE SKIP LOCKED``, so concurrent
   claimers take disjoint rows; on SQLite the write transaction (``BEGIN IMMEDIATE``)
   serialises them.
2. *send* — outside any transaction, one message at a time, in a shuffled order.  A
   notice is handed to the sender only while this process's lease on it still has room
   for the longest send the sender can take (its ``max_send_s``: for SMTP every protocol
   step waiting its full timeout) plus a safety margin; once the lease runs short the
   outcomes so far are written and the rest of the batch is released for another round,
   so a lease can never expire under a notice that is being sent, nor before its outcome
   is written.  A lease too short for even one send is refused when the :class:`Outbox`
   is made.
3. *record* — at the end of the round, in one write transaction for all its notices:
   ``sent_ms`` on success; on failure ``attempts + 1`` and ``claimed_until_ms = now +
   backoff`` (30 s, doubling, at most 30 min), which is the earliest next try (at the
   first round after it).  Both updates apply only while the row still carries this
   process's claim.

So no notice is sent twice by two deliverers, provided the servers' clocks agree to
within that margin (5 s by default; NTP does far better).  The one exception is a process
that dies between the gateway accepting messages and step 3: after its lease expires the
notices of that round are sent again.  That is deliberate (a duplicate notice is harmless,
a lost one hides a ballot cast in the voter's name).

A notice holds no vote content (there is none to hold) and no secret: only the election
and a coarse device description.  Neither the time of the cast nor the tracking code is
in it.
"""

from __future__ import annotations

import logging
import random
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from honestballot.errors import DeliveryFailed, InvalidInput
from honestballot.service.clock import now_ms
from honestballot.service.messages.senders import Channel, Message, Sender, max_send_seconds
from honestballot.store.notices import UNSCHEDULED
from honestballot.store.sql import SqlStore, Tx, insert_notice

log = logging.getLogger(__name__)

#: the rounds' length: every notice of a round shares its send time (see NoticeSchedule)
DEFAULT_ROUND_S: Final = 60
#: a notice's delay after its cast, drawn uniformly from this range (seconds)
DEFAULT_DELAY_MIN_S: Final = 0
DEFAULT_DELAY_MAX_S: Final = 300
#: how often an outbox without rounds (:data:`IMMEDIATE`) looks for notices
IMMEDIATE_POLL_S: Final = 2.0
#: the shortest lease a round takes (a longer one when the sender's sends can be slower)
DEFAULT_LEASE_S: Final = 60
#: what a lease keeps beyond the longest send, for the clocks of the servers to differ
MAX_MARGIN_MS: Final = 5_000
BACKOFF_BASE_MS: Final = 30_000
BACKOFF_MAX_MS: Final = 30 * 60_000
MAX_SUBJECT: Final = 256
MAX_DESTINATION: Final = 256
MAX_BODY: Final = 4_000
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")


# -- the text ---------------------------------------------------------------------------------

_UNKNOWN_DEVICE: Final = {"ru": "неизвестное устройство", "kk": "белгісіз құрылғы"}

_SUBJECT: Final = {
    "en": "Ballot cast: {title}",
    "ru": "Подан бюллетень: {title}",
    "kk": "Бюллетень тапсырылды: {title}",
}

_BODY: Final = {
    "en": (
        "A ballot was cast in {title} from {device}. If this was not you, vote again — "
        "only your last ballot counts — and report it."
    ),
    "ru": (
        "В голосовании «{title}» подан бюллетень с устройства: {device}. "
        "Если это были не вы, проголосуйте снова — учитывается только последний "
        "бюллетень — и сообщите об этом."
    ),
    "kk": (
        "«{title}» дауыс беруінде мына құрылғыдан бюллетень "
        "тапсырылды: {device}. Егер бұл сіз болмасаңыз, қайта дауыс беріңіз — тек соңғы "
        "бюллетеніңіз есептеледі — және бұл туралы хабарлаңыз."
    ),
}


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(_CONTROL.sub(" ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def cast_notice_text(language: str, device: str, election_title: str) -> tuple[str, str]:
    """The (subject, body) of a cast notice in ``ru``, ``kk`` or ``en`` (any other
    language gets English: a notice must never fail for want of a translation).

    It names no tracking code and no time: the message passes through the SMS gateway or
    mail provider, which knows the phone or address, and either would tie the voter to
    their ballot and credential on the public board, whose events carry their times.  (The
    outbox sends it a random few minutes late for the same reason: see :class:`Outbox`.)"""
    lang = language if language in _BODY else "en"
    device_text = _one_line(device, 64) or "unknown device"
    if device_text == "unknown device":
        device_text = _UNKNOWN_DEVICE.get(lang, device_text)
    title = _one_line(election_title, 120)
    subject = _one_line(_SUBJECT[lang].format(title=title), MAX_SUBJECT)
    body = _BODY[lang].format(title=title, device=device_text)
    return subject, body


# -- the device -------------------------------------------------------------------------------

# Order matters: most browsers also claim to be Safari and Chrome, Android claims Linux and
# iOS claims Mac OS X.
_BROWSERS: Final = (
    ("EdgiOS/", "Edge"),
    ("EdgA/", "Edge"),
    ("Edg/", "Edge"),
    ("Edge/", "Edge"),
    ("OPR/", "Opera"),
    ("OPiOS/", "Opera"),
    ("YaBrowser/", "Yandex Browser"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("FxiOS/", "Firefox"),
    ("Firefox/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("HeadlessChrome/", "Headless Chrome"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
    ("Trident/", "Internet Explorer"),
    ("MSIE ", "Internet Explorer"),
)
_SYSTEMS: Final = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("CrOS", "ChromeOS"),
    ("Macintosh", "macOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)
_PROGRAMS: Final = (
    ("curl/", "curl"),
    ("Wget/", "Wget"),
    ("python-requests/", "Python script"),
    ("python-httpx/", "Python script"),
    ("Python-urllib/", "Python script"),
    ("aiohttp/", "Python script"),
    ("Go-http-client/", "Go program"),
    ("okhttp/", "Android app (OkHttp)"),
    ("node-fetch", "Node.js script"),
    ("axios/", "Node.js script"),
)


def describe_device(user_agent: str) -> str:
    """A short description of a device from its User-Agent: ``"Chrome on Android"``,
    ``"Safari on iPhone"``, ``"curl"``, ``"unknown device"``.

    The answer comes from a fixed vocabulary, never from the header's text, so a
    User-Agent cannot put words of its choosing into a notice.
    """
    ua = user_agent[:1024]
    for marker, name in _PROGRAMS:
        if ua.startswith(marker) or f" {marker}" in ua:
            return name
    system = next((name for marker, name in _SYSTEMS if marker in ua), None)
    browser = next((name for marker, name in _BROWSERS if marker in ua), None)
    if browser == "Safari" and system not in ("iPhone", "iPad", "macOS"):
        browser = None  # only Apple's WebKit browser is Safari; elsewhere it is a webview
    if browser and system:
        return f"{browser} on {system}"
    if browser:
        return browser
    if system:
        return f"browser on {system}"
    return "unknown device"


# -- the queue --------------------------------------------------------------------------------


def _message(channel: str, destination: str, subject: str, body: str) -> Message:
    if channel not in ("sms", "email"):
        raise InvalidInput(f"a notice's channel is 'sms' or 'email', not {channel!r}")
    chan: Channel = "sms" if channel == "sms" else "email"
    try:
        return Message(chan, destination, subject, body, secret=False)
    except ValueError as exc:
        raise InvalidInput(f"a notice cannot be queued: {exc}") from None


def notice_row(
    election_id: str,
    channel: str,
    destination: str,
    subject: str,
    body: str,
    now_ms: int,
) -> dict[str, Any]:
    """A checked row of the ``notices`` table (the outbox), not sent yet."""
    _message(channel, destination, subject, body)
    if len(destination) > MAX_DESTINATION:
        raise InvalidInput(f"a notice's destination is at most {MAX_DESTINATION} characters")
    if len(subject) > MAX_SUBJECT:
        raise InvalidInput(f"a notice's subject is at most {MAX_SUBJECT} characters")
    if not body or len(body) > MAX_BODY:
        raise InvalidInput(f"a notice's body is 1 to {MAX_BODY} characters")
    return {
        "election_id": election_id,
        "channel": channel,
        "destination": destination,
        "subject": subject,
        "body": body,
        "created_ms": now_ms,
        "attempts": 0,
        "claimed_until_ms": UNSCHEDULED,
    }


def enqueue_notice(conn: Tx, row: dict[str, Any]) -> int:
    """Queue a notice (a :func:`notice_row`) inside the caller's transaction; return its id.

    It is delivered only if that transaction commits, and then at least once.  (A batch
    of casts adds its notices' rows to the batch's rows instead.)
    """
    return insert_notice(conn, row)


@dataclass(frozen=True, slots=True)
class _Claimed:
    notice_id: int
    channel: str
    destination: str
    subject: str
    body: str
    attempts: int


def _margin_ms(lease_ms: int) -> int:
    """The lease a send must leave over: for clocks that differ and the round's write."""
    return max(1, min(MAX_MARGIN_MS, lease_ms // 4))


def backoff_ms(attempts: int) -> int:
    """How long a notice waits after its ``attempts``-th failure before the next try."""
    return int(min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** max(0, min(attempts - 1, 20))))


@dataclass(frozen=True, slots=True)
class NoticeSchedule:
    """When cast notices go out: ``delay_min_s`` to ``delay_max_s`` after the cast (drawn
    uniformly), at the first round after that; rounds every ``round_s`` seconds, at the
    multiples of ``round_s`` since the epoch.

    A notice sent at round ``t`` belongs to a ballot cast in ``(t - round_s - delay_max_s,
    t - delay_min_s]``, so at ``λ`` casts a second it hides among about ``λ * (delay_max_s
    - delay_min_s + round_s)`` ballots; and it is sent by ``created + delay_max_s +
    round_s`` (:attr:`max_wait_ms`) unless a send fails.  The defaults (no minimum, 5
    minutes, rounds of 60 s) hide a notice among the ballots of 6 minutes and tell a
    voter of a ballot cast in their name within 6 minutes.  A minimum delay only shifts
    the window (it adds latency, not ballots to hide among), so it defaults to 0.

    ``round_s == 0`` (:data:`IMMEDIATE`) is the behaviour before rounds: every notice due
    at once, in commit order.  It lets the gateway link phones to ballots by time; it is
    for tests and demonstrations only.
    """

    delay_min_s: float = DEFAULT_DELAY_MIN_S
    delay_max_s: float = DEFAULT_DELAY_MAX_S
    round_s: float = DEFAULT_ROUND_S

    def __post_init__(self) -> None:
        if not 0 <= self.delay_min_s <= self.delay_max_s <= 24 * 3600:
            raise InvalidInput("a notice's delay is 0 <= minimum <= maximum <= 1 day")
        if not (self.round_s == 0 or 1 <= self.round_s <= 3600):
            raise InvalidInput("a notice round is 1 s to 1 hour long (or 0: no rounds)")
        if self.round_s == 0 and self.delay_max_s != 0:
            raise InvalidInput("notices without rounds are sent at once: no delay")

    @property
    def round_ms(self) -> int:
        return int(self.round_s * 1000)

    @property
    def max_wait_ms(self) -> int:
        """The longest a notice waits after its cast for the round that sends it, if
        every round runs on time and no send fails."""
        return int(self.delay_max_s * 1000) + self.round_ms

    def release_ms(self, created_ms: int, rng: random.Random) -> int:
        """The release time of a notice made at ``created_ms``: due at the first round at or
        after ``created_ms + D``, with ``D`` drawn uniformly from the delay range, and placed
        at a uniformly random time in the window of that round, so that notices in order
        of release are in a random order within each round."""
        if self.round_ms == 0:
            return 0  # due at once; ordered by commit
        lo, hi = int(self.delay_min_s * 1000), int(self.delay_max_s * 1000)
        due = created_ms + lo + rng.randrange(hi - lo + 1)
        sends_at = -(-due // self.round_ms) * self.round_ms  # the first round at or after
        return sends_at - self.round_ms + rng.randrange(self.round_ms)

    def last_round_ms(self, now: int) -> int:
        """The time of the latest round at or before ``now``: what is due before it is sent."""
        if self.round_ms == 0:
            return now
        return now // self.round_ms * self.round_ms

    def next_round_ms(self, now: int) -> int:
        """The time of the first round after ``now``."""
        if self.round_ms == 0:
            return now + int(IMMEDIATE_POLL_S * 1000)
        return (now // self.round_ms + 1) * self.round_ms


#: no delay and no rounds: the gateway can link notices to ballots by time (tests only)
IMMEDIATE: Final = NoticeSchedule(0, 0, 0)


class Outbox:
    """Delivers queued notices through ``sender``; safe to run in many processes at once.

    A round records its outcomes together, in one write transaction, instead of one
    commit per notice: a commit is an fsync on PostgreSQL, and under load every cast
    queues a notice.  The cost is a wider window for the duplicate the module accepts: a
    process that dies mid-round sends again, once the lease has passed, every notice of
    that round it had not recorded yet.  It never loses one.

    ``schedule`` says when notices are due (by default rounds every minute, each notice a
    random 0 to 5 minutes late: :class:`NoticeSchedule`); ``rng`` draws the delays and
    the order within a round (by default the system's CSPRNG; tests pass a seeded one).

    ``lease_s`` is how long a round holds its notices: by default
    :data:`DEFAULT_LEASE_S`, or room for two of the sender's longest sends (its
    ``max_send_s``) and the margin if that is longer.  A lease that cannot fit one
    longest send and the margin raises :class:`InvalidInput`.
    """

    def __init__(
        self,
        store: SqlStore,
        sender: Sender,
        clock: Callable[[], int] = now_ms,
        lease_s: float | None = None,
        *,
        schedule: NoticeSchedule | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.sender = sender
        self.clock = clock
        self.schedule = NoticeSchedule() if schedule is None else schedule
        self.rng = random.SystemRandom() if rng is None else rng
        #: the longest one send can take, in milliseconds
        self.max_send_ms = int(max_send_seconds(sender) * 1000 + 0.999)
        if lease_s is None:
            lease_s = max(DEFAULT_LEASE_S, (2 * self.max_send_ms + MAX_MARGIN_MS) / 1000)
        self.lease_s = lease_s
        self._lease_ms(lease_s)

    def _lease_ms(self, lease_s: float) -> int:
        if not lease_s > 0:
            raise InvalidInput("a notice lease must be positive")
        lease_ms = int(lease_s * 1000)
        if lease_ms <= self.max_send_ms + _margin_ms(lease_ms):
            raise InvalidInput(
                f"a notice lease of {lease_s:g} s cannot fit one send by this sender, which "
                f"can take {self.max_send_ms / 1000:g} s, and the "
                f"{_margin_ms(lease_ms) / 1000:g} s margin; make the lease longer or the "
                "sender's timeout shorter"
            )
        return lease_ms

    def deliver_pending(
        self, batch: int = 100, lease_s: float | None = None, max_attempts: int = 8
    ) -> int:
        """Claim up to ``batch`` notices due before the latest round, send them in a
        random order and record the outcomes.

        First the notices queued since the last round get their release times.  Whenever
        it is called, it sends only what an on-time round would have sent: notices due
        before the latest round's time (:meth:`NoticeSchedule.last_round_ms`).

        A notice is sent only while the lease (``lease_s``, by default the outbox's) has
        room for the sender's longest send and the margin.  The outcomes are written when
        the round ends, or, if the lease runs short first, then, together with releasing
        the notices not tried.  Either way the write comes right after a send that ended,
        at the latest, with the lease's margin still left.  If it fails, it is logged and
        the round's notices come back after the lease.

        Returns the number sent in this round: accepted by the sender, recorded or not.
        """
        if batch < 1 or max_attempts < 1:
            raise InvalidInput("batch, lease and max_attempts must be positive")
        lease_ms = self._lease_ms(self.lease_s if lease_s is None else lease_s)
        now = self.clock()
        claim = now + lease_ms
        due = self.schedule.last_round_ms(now)
        rows = self.store.claim_notices(
            batch, claim, due, max_attempts, lambda made: self.schedule.release_ms(made, self.rng)
        )
        claimed = [_Claimed(*row) for row in rows]
        if self.schedule.round_ms:
            self.rng.shuffle(claimed)  # already in a random order; this makes sure of it
        # A send may begin only if it ends, however slow, with the margin still left.
        room = self.max_send_ms + _margin_ms(lease_ms)
        sent: list[tuple[int, int]] = []  # (notice_id, sent_ms)
        failed: list[tuple[int, int]] = []  # (notice_id, retry_at_ms)
        untried: list[int] = []
        try:
            for i, notice in enumerate(claimed):
                if self.clock() + room >= claim:
                    untried = [c.notice_id for c in claimed[i:]]
                    log.warning(
                        "notice lease ran short; %d notice(s) left for the next round",
                        len(untried),
                    )
                    break
                if self._send(notice):
                    sent.append((notice.notice_id, self.clock()))
                else:
                    retry = self.clock() + backoff_ms(notice.attempts + 1)
                    failed.append((notice.notice_id, retry))
        finally:
            # Also on the way out of an interrupted round: what was sent is written, so
            # it is not sent again.
            self._record(claim, sent, failed, untried)
        return len(sent)

    def run_forever(self, stop: threading.Event, batch: int = 100) -> None:
        """Deliver at every round until ``stop`` is set; a full batch is followed at once by
        another (of the same round: nothing later is due yet).

        Errors are logged (by type, never with a destination or body) and retried at the
        next round.
        """
        while not stop.is_set():
            busy = False
            try:
                busy = self.deliver_pending(batch) >= batch
            except Exception as exc:
                log.error("notice delivery round failed: %s", type(exc).__name__)
            if not busy:
                now = self.clock()
                stop.wait(max(0, self.schedule.next_round_ms(now) - now) / 1000)

    def pending_count(self, election_id: str) -> int:
        """Notices of ``election_id`` not sent yet (including any that ran out of attempts)."""
        return self.store.count_unsent_notices(election_id)

    def given_up_count(self, election_id: str, max_attempts: int = 8) -> int:
        """Notices of ``election_id`` that failed ``max_attempts`` times: an operator's alarm."""
        return self.store.count_unsent_notices(election_id, min_attempts=max_attempts)

    # -- steps ------------------------------------------------------------------------------

    def _send(self, notice: _Claimed) -> bool:
        try:
            message = _message(notice.channel, notice.destination, notice.subject, notice.body)
            self.sender.send(message)
        except DeliveryFailed as exc:
            # A sender's reason masks the destination and never holds the body.
            log.warning("notice %d not delivered: %s", notice.notice_id, exc)
            return False
        except Exception as exc:
            log.error("notice %d not delivered: %s", notice.notice_id, type(exc).__name__)
            return False
        return True

    def _record(
        self,
        claim: int,
        sent: list[tuple[int, int]],
        failed: list[tuple[int, int]],
        untried: list[int],
    ) -> None:
        """Write a round's outcomes (``SqlStore.record_notice_outcomes`` says how).

        A failure is logged by type only (the database's message may quote the
        statement's parameters) and not raised: the claims then lapse, and the next
        rounds send the notices again.
        """
        if not (sent or failed or untried):
            return
        try:
            self.store.record_notice_outcomes(claim, sent, failed, untried)
        except Exception as exc:
            log.error(
                "outcomes of %d notice(s) not recorded, their claims will lapse: %s",
                len(sent) + len(failed) + len(untried),
                type(exc).__name__,
            )
