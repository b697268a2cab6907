"""Who vouches for the board: the board key, the organiser's key and the witnesses.

The board key signs every tree head, but it is a key the server holds: a server can show
two observers two different boards, each signed, or re-sign a whole record under a new
board key.  So the election's setup names, beside the board key,

* **witnesses** (observer organisations, candidates' teams) with their public keys, and a
  **quorum**: a tree head counts as witnessed when at least ``quorum`` distinct witnesses
  co-signed it.  A witness co-signs a head only if it is consistent with the last head it
  co-signed (``honestballot witness``), so two boards that diverge cannot both be
  witnessed by an honest witness;
* optionally the **organiser's key**, which signs the roll summary posted at ``open`` and
  every polling station (:mod:`honestballot.protocol.stations`);
* the service's **designated-verifier key** ``W`` (docs/coercion.md §7,
  :mod:`honestballot.protocol.verifier_key`): not a key of the board, but bound here so the
  fingerprint stands for it too.

All of it is bound into the base hash (:func:`board_keys_hash`), the fingerprint voters
and observers compare, so a record re-signed under another board key, or naming other
witnesses, is another election to everyone who compared the fingerprint.

A co-signature is a Schnorr signature by the witness's key under tag
``board/cosignature`` with context ``(base_hash, witness_key)`` over::

    TreeHead.signing_bytes(log_id) || u64 witnessed_ms

``witnessed_ms`` is the witness's own clock when it co-signed: what lets a voter or an
observer see how fresh the witnessed view is, and what holds the board's times to the
witnesses' clocks (:func:`witnessed_time_problems`, docs/record-format.md §6): nothing the
board stamps may contradict, by more than :data:`CLOCK_SKEW_MS`, when a witness saw a head.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from honestballot.crypto.group import Point, Scalar, base_mul
from honestballot.crypto.hashing import Part, hash_bytes
from honestballot.crypto.merkle import TreeHead
from honestballot.crypto.randomness import Randomness
from honestballot.crypto.schnorr import SchnorrProof, sign, verify_signature
from honestballot.errors import InvalidProof, ProtocolError
from honestballot.protocol.schedule import Schedule

COSIGNATURE_TAG: Final = "board/cosignature"
ROLL_SIGNATURE_TAG: Final = "board/roll-summary"
MAX_WITNESSES: Final = 32
MAX_WITNESS_NAME: Final = 100
_U64_LIMIT: Final = 2**64

#: How far apart the board's clock and a witness's may be when they stamp one moment.  Five
#: minutes: far above what NTP keeps two machines apart (milliseconds) and what it takes
#: the board to sign a head of what it appended (its heads are signed every few seconds
#: while it grows, service/runtime.py) and a witness to fetch and co-sign it, so honest
#: clocks never meet it; and small beside the periods the board's times decide (the 24
#: hours of the paper deadline, protocol/board.py), so a service's clock can move them by
#: at most this much where witnesses co-sign.
CLOCK_SKEW_MS: Final = 5 * 60_000
#: The events that carry the time their batch was due (board rule 11), not the time they
#: were appended: a batch posted late (after an outage) is not back-dated by the rule.
SCHEDULED_KINDS: Final = frozenset({"batch", "registration", "cast-row"})


@dataclass(frozen=True, slots=True)
class Witness:
    name: str
    key: Point


@dataclass(frozen=True, slots=True)
class BoardKeys:
    """The keys the setup names for the board; :meth:`check` states their rules."""

    board_key: Point
    witnesses: tuple[Witness, ...] = ()
    quorum: int = 0
    organiser_key: Point | None = None
    #: the service's designated-verifier key W (docs/coercion.md §7); the setup carries
    #: its proof of knowledge (:mod:`honestballot.protocol.verifier_key`)
    verifier_key: Point = field(kw_only=True)
    #: the batch schedule of an election with re-voting protection (docs/coercion.md §4),
    #: whose presence in the setup marks such an election; None for one without
    schedule: Schedule | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        if self.board_key.is_identity():
            raise ProtocolError("the board key cannot be the identity")
        if len(self.witnesses) > MAX_WITNESSES:
            raise ProtocolError(f"at most {MAX_WITNESSES} witnesses can be named")
        names: set[str] = set()
        keys: set[Point] = {self.board_key}
        if self.organiser_key is not None:
            if self.organiser_key.is_identity():
                raise ProtocolError("the organiser's key cannot be the identity")
            if self.organiser_key == self.board_key:
                raise ProtocolError("the organiser's key must differ from the board key")
            keys.add(self.organiser_key)
        if self.verifier_key.is_identity():
            raise ProtocolError("the service's designated-verifier key W cannot be the identity")
        if self.verifier_key in keys:
            raise ProtocolError(
                "the service's designated-verifier key W must be its own (not the board key "
                "or the organiser's)"
            )
        keys.add(self.verifier_key)
        for w in self.witnesses:
            if not w.name.strip() or len(w.name) > MAX_WITNESS_NAME:
                raise ProtocolError(f"a witness's name is 1 to {MAX_WITNESS_NAME} characters")
            if w.name in names:
                raise ProtocolError(f"two witnesses are named {w.name!r}")
            if w.key.is_identity() or w.key in keys:
                raise ProtocolError(
                    f"witness {w.name!r}: its key must be its own (not the identity, not "
                    "the board's, the organiser's, the service's verifier key or another "
                    "witness's)"
                )
            names.add(w.name)
            keys.add(w.key)
        if not 0 <= self.quorum <= len(self.witnesses):
            raise ProtocolError(
                f"the witness quorum must be between 0 and the {len(self.witnesses)} "
                f"witnesses named, not {self.quorum}"
            )
        if self.witnesses and 2 * self.quorum <= len(self.witnesses):
            raise ProtocolError(
                f"the witness quorum must be more than half of the {len(self.witnesses)} "
                f"witnesses, not {self.quorum}: two disjoint quorums could each co-sign "
                "another board without any witness lying"
            )

    def witness(self, key: Point) -> Witness:
        for w in self.witnesses:
            if w.key == key:
                return w
        raise ProtocolError(f"{key.hex()} is not the key of a witness of this election")


def default_quorum(witnesses: int) -> int:
    """The smallest majority: a split view then needs ``2q - n`` = 1 or 2 dishonest
    witnesses, and ``n - q + 1`` witnesses who stop co-signing stall the board."""
    return witnesses // 2 + 1 if witnesses else 0


def split_tolerance(keys: BoardKeys) -> int:
    """How many witnesses must lie for two boards to be co-signed by a quorum each: two
    quorums of ``q`` among ``n`` share at least ``2q - n`` witnesses."""
    return max(0, 2 * keys.quorum - len(keys.witnesses))


def board_keys_hash(keys: BoardKeys) -> bytes:
    """What the base hash binds of :class:`BoardKeys` (docs/record-format.md §3)."""
    witnesses: list[Part] = [(w.name, w.key) for w in keys.witnesses]
    organiser: Part = keys.organiser_key if keys.organiser_key is not None else b""
    return hash_bytes(
        "election/board-keys",
        keys.board_key,
        witnesses,
        keys.quorum,
        organiser,
        keys.verifier_key,
        schedule_part(keys.schedule),
    )


def schedule_part(schedule: Schedule | None) -> Part:
    """The schedule as the board-keys hash binds it: ``L(I interval, L(L(I F_rows,
    I F_reg), ... one per hour), L(I K0, I epsilon_milli))``, or a ``B`` part of zero
    bytes without one."""
    if schedule is None:
        return b""
    cover = schedule.cover
    return (
        schedule.interval,
        [(rows, regs) for rows, regs in schedule.hours],
        (cover.k0, cover.epsilon_milli),
    )


def cosignature_message(head: TreeHead, log_id: bytes, witnessed_ms: int) -> bytes:
    if not 0 <= witnessed_ms < _U64_LIMIT:
        raise ProtocolError("a co-signature's time is an unsigned 64-bit integer")
    return head.signing_bytes(log_id) + witnessed_ms.to_bytes(8, "big")


def cosign(
    base_hash: bytes,
    head: TreeHead,
    log_id: bytes,
    witnessed_ms: int,
    secret: Scalar,
    witness_key: Point,
    rng: Randomness,
) -> SchnorrProof:
    """A witness's co-signature on ``head`` (after it checked the head's consistency)."""
    message = cosignature_message(head, log_id, witnessed_ms)
    return sign(COSIGNATURE_TAG, (base_hash, witness_key), message, secret, rng)


def verify_cosignature(
    base_hash: bytes,
    head: TreeHead,
    log_id: bytes,
    witnessed_ms: int,
    witness_key: Point,
    signature: SchnorrProof,
) -> None:
    verify_signature(
        COSIGNATURE_TAG,
        (base_hash, witness_key),
        cosignature_message(head, log_id, witnessed_ms),
        witness_key,
        signature,
        f"co-signature of the tree head of size {head.size}",
    )


def check_quorum(keys: BoardKeys, signers: Iterable[Point], what: str) -> None:
    """Raise unless at least ``quorum`` distinct witnesses of the setup are among
    ``signers`` (whose co-signatures the caller has verified)."""
    named = {w.key for w in keys.witnesses}
    distinct = {k for k in signers if k in named}
    if len(distinct) < keys.quorum:
        raise InvalidProof(
            f"{what}: co-signed by {len(distinct)} of the witnesses, the setup asks for "
            f"{keys.quorum}"
        )


@dataclass(frozen=True, slots=True)
class WitnessedTime:
    """One co-signature as the time rule reads it: who saw a head of ``size`` stamped
    ``timestamp_ms``, at ``witnessed_ms`` of their own clock."""

    witness: str
    size: int
    timestamp_ms: int
    witnessed_ms: int


def witnessed_time_problems(
    events: Sequence[tuple[int, str]],
    heads: Sequence[tuple[int, int]],
    cosignatures: Sequence[WitnessedTime],
) -> list[str]:
    """The board's times against the witnesses' (the check ``log.witness-times``).

    ``events`` are the record's events in order as (time_ms, kind); ``heads`` its tree
    heads as (size, timestamp_ms); ``cosignatures`` the valid co-signatures.  For each, a
    witness that saw the head of size ``n`` at ``w``:

    * the head's own timestamp and every event at index < ``n`` are stamped no later than
      ``w + CLOCK_SKEW_MS`` (nothing on the board when the witness saw it is stamped after);
    * every event at index >= ``n`` but those of :data:`SCHEDULED_KINDS`, and every head of
      a larger size, is stamped no earlier than ``w - CLOCK_SKEW_MS`` (nothing appended
      after the witness saw the head is back-dated before it).

    Returns one sentence per contradiction, naming the witness, the head's size and the
    event (index, kind) or head most out of line; one pass over the events and heads
    after sorting the co-signatures (a prefix maximum and a suffix minimum)."""
    by_size = sorted(range(len(cosignatures)), key=lambda i: cosignatures[i].size)
    # latest[i]: (time, index) of the latest event before co-signature i's head
    latest: dict[int, tuple[int, int]] = {}
    best: tuple[int, int] = (-1, -1)
    upto = 0
    for i in by_size:
        n = min(cosignatures[i].size, len(events))
        for index in range(upto, n):
            if events[index][0] > best[0]:
                best = (events[index][0], index)
        upto = max(upto, n)
        latest[i] = best
    # earliest[i]: (time, index) of the earliest event from co-signature i's head on
    # (index -1: none); earliest_head[i]: (time, size) of the earliest larger head
    earliest: dict[int, tuple[int, int]] = {}
    earliest_head: dict[int, tuple[int, int]] = {}
    low: tuple[int, int] = (_U64_LIMIT, -1)
    low_head: tuple[int, int] = (_U64_LIMIT, -1)
    start = len(events)
    ordered_heads = sorted(heads)
    head_at = len(ordered_heads)
    for i in reversed(by_size):
        n = min(cosignatures[i].size, len(events))
        for index in range(start - 1, n - 1, -1):
            time_ms, kind = events[index]
            if kind not in SCHEDULED_KINDS and time_ms <= low[0]:
                low = (time_ms, index)
        start = min(start, n)
        while head_at > 0 and ordered_heads[head_at - 1][0] > cosignatures[i].size:
            size, time_ms = ordered_heads[head_at - 1]
            if time_ms <= low_head[0]:
                low_head = (time_ms, size)
            head_at -= 1
        earliest[i] = low
        earliest_head[i] = low_head
    problems: list[str] = []
    for i, c in enumerate(cosignatures):
        saw = f"witness {c.witness!r} saw the head of size {c.size} at {c.witnessed_ms} ms"
        late_time, late_index = latest[i]
        if late_time > c.witnessed_ms + CLOCK_SKEW_MS:
            problems.append(
                f"{saw}, but event {late_index} ({events[late_index][1]}), on the board "
                f"then, is stamped {late_time} ms, "
                f"{_apart(late_time - c.witnessed_ms, 'later')}"
            )
        elif c.timestamp_ms > c.witnessed_ms + CLOCK_SKEW_MS:
            problems.append(
                f"{saw}, but the head is stamped {c.timestamp_ms} ms, "
                f"{_apart(c.timestamp_ms - c.witnessed_ms, 'later')}"
            )
        early_time, early_index = earliest[i]
        head_time, head_size = earliest_head[i]
        if early_index >= 0 and early_time < c.witnessed_ms - CLOCK_SKEW_MS:
            problems.append(
                f"{saw}, but event {early_index} ({events[early_index][1]}), appended after "
                f"it, is stamped {early_time} ms, "
                f"{_apart(c.witnessed_ms - early_time, 'earlier')}"
            )
        elif head_size >= 0 and head_time < c.witnessed_ms - CLOCK_SKEW_MS:
            problems.append(
                f"{saw}, but the head of size {head_size}, signed after it, is stamped "
                f"{head_time} ms, {_apart(c.witnessed_ms - head_time, 'earlier')}"
            )
    return problems


def _apart(ms: int, how: str) -> str:
    return f"{ms / 1000:.1f} s {how} (at most {CLOCK_SKEW_MS // 1000} s allowed)"


def head_time_problem(timestamp_ms: int, now_ms: int, last_witnessed_ms: int | None) -> str:
    """Why a witness must not co-sign a head stamped ``timestamp_ms`` at ``now_ms`` of its
    clock ("" if it may): the head is stamped more than :data:`CLOCK_SKEW_MS` in its
    future, or, when it is a new head (larger than the last one co-signed, at
    ``last_witnessed_ms``), more than that before the witness co-signed the last one."""
    if timestamp_ms > now_ms + CLOCK_SKEW_MS:
        ahead = _apart(timestamp_ms - now_ms, "ahead of this witness's clock")
        return f"the head is stamped {timestamp_ms} ms, {ahead}"
    if last_witnessed_ms is not None and timestamp_ms < last_witnessed_ms - CLOCK_SKEW_MS:
        return (
            f"the head is stamped {timestamp_ms} ms, and this witness co-signed the last "
            f"head at {last_witnessed_ms} ms: "
            f"{_apart(last_witnessed_ms - timestamp_ms, 'earlier')}"
        )
    return ""


#: How far a new co-signature's ``witnessed_ms`` may be from the service's own clock when
#: the service receives it: half of :data:`CLOCK_SKEW_MS`.  The service refuses (stores
#: nothing) a co-signature further off, and one that contradicts, by the time rule, what
#: is already on the board (:func:`receipt_time_problem`).
RECEIPT_SKEW_MS: Final = CLOCK_SKEW_MS // 2


@dataclass(frozen=True, slots=True)
class BoardTimes:
    """What the board holds when a co-signature of its head of size ``n`` arrives, as the
    time rule reads it: the latest time of an event at index < ``n`` (None: none), the
    earliest of an event at index >= ``n`` that is not of :data:`SCHEDULED_KINDS`, and the
    earliest timestamp of a head larger than ``n`` (None: none yet)."""

    latest_before_ms: int | None
    earliest_after_ms: int | None
    earliest_head_after_ms: int | None


def receipt_time_problem(c: WitnessedTime, now_ms: int, board: BoardTimes) -> str:
    """Why the service must refuse the co-signature ``c`` it receives at ``now_ms`` of its
    clock ("" if it may store it): ``witnessed_ms`` is more than :data:`RECEIPT_SKEW_MS`
    from ``now_ms``, or it contradicts (:func:`witnessed_time_problems`) the times already
    on the board.

    Why a record of a service that keeps this rule never fails ``log.witness-times``
    (docs/record-format.md §6), for each stored co-signature of the head of size ``n``
    seen at ``w`` and received at ``R``, ``|w - R| <= CLOCK_SKEW_MS / 2``:

    * everything on the board at ``R`` (every event at index < ``n`` with the head itself,
      which was signed before it could be co-signed; the events and heads after it
      appended so far) is checked here against ``w`` by the rule itself;
    * an event appended by a transaction that begins after ``R`` is stamped ``max(clock,
      the last event's time)`` with the clock read when it begins (service/board/
      election.py; batches ``max(due, the last event's time)``, but those are exempt from
      the rule after a head), so no earlier than ``R >= w - CLOCK_SKEW_MS / 2``: the
      service runs this check under the election's lock, as appends, so no append that
      began before ``R`` commits after it (service/board/log.py); as long as the clock
      does not step back (it may by up to ``CLOCK_SKEW_MS / 2``); a head signed after
      ``R`` likewise (``max(clock, the last head's time)``, service/board/log.py).  The
      rule asks only ``>= w - CLOCK_SKEW_MS``; nothing appended after ``R`` is at an index
      < ``n``.

    So one witness (a dishonest one, or one whose clock is wrong) cannot make an honest
    service's record fail: its co-signature is refused.  A service that stores it anyway
    makes its own record fail, naming the witness."""
    saw = f"the co-signature of the head of size {c.size} is stamped {c.witnessed_ms} ms"
    if c.witnessed_ms > now_ms + RECEIPT_SKEW_MS:
        return f"{saw}, {_off(c.witnessed_ms - now_ms, 'ahead of')}"
    if c.witnessed_ms < now_ms - RECEIPT_SKEW_MS:
        return f"{saw}, {_off(now_ms - c.witnessed_ms, 'behind')}"
    before, after, head_after = (
        board.latest_before_ms,
        board.earliest_after_ms,
        board.earliest_head_after_ms,
    )
    for what, time_ms in (("an event on the board then", before), ("the head", c.timestamp_ms)):
        if time_ms is not None and time_ms > c.witnessed_ms + CLOCK_SKEW_MS:
            later = _apart(time_ms - c.witnessed_ms, "later")
            return f"{saw}, but {what} is stamped {time_ms} ms, {later}"
    for what, time_ms in (
        ("an event appended after it", after),
        ("a head signed after it", head_after),
    ):
        if time_ms is not None and time_ms < c.witnessed_ms - CLOCK_SKEW_MS:
            earlier = _apart(c.witnessed_ms - time_ms, "earlier")
            return f"{saw}, but {what} is stamped {time_ms} ms, {earlier}"
    return ""


def _off(ms: int, how: str) -> str:
    return (
        f"{ms / 1000:.1f} s {how} the board's clock when it arrived (at most "
        f"{RECEIPT_SKEW_MS // 1000} s allowed)"
    )


def organiser_sign(
    tag: str, base_hash: bytes, message: bytes, secret: Scalar, rng: Randomness
) -> SchnorrProof:
    """A signature by the organiser's key (``secret``) on ``message``, under ``tag`` with
    context ``(base_hash, organiser_key)``: the roll summary's, a station's
    (:mod:`honestballot.protocol.stations`)."""
    return sign(tag, (base_hash, base_mul(secret)), message, secret, rng)


def verify_organiser_signature(
    tag: str,
    base_hash: bytes,
    message: bytes,
    organiser_key: Point,
    signature: SchnorrProof,
    what: str,
) -> None:
    """:class:`InvalidProof` unless ``signature`` is :func:`organiser_sign`'s by
    ``organiser_key`` on ``message``."""
    verify_signature(tag, (base_hash, organiser_key), message, organiser_key, signature, what)


def sign_roll(base_hash: bytes, summary: bytes, secret: Scalar, rng: Randomness) -> SchnorrProof:
    """The organiser's signature on the roll summary: the canonical bytes of the roll
    event's body without its ``signature`` member (docs/record-format.md §6)."""
    return organiser_sign(ROLL_SIGNATURE_TAG, base_hash, summary, secret, rng)


def verify_roll_signature(
    base_hash: bytes, summary: bytes, organiser_key: Point, signature: SchnorrProof
) -> None:
    verify_organiser_signature(
        ROLL_SIGNATURE_TAG,
        base_hash,
        summary,
        organiser_key,
        signature,
        "the organiser's signature on the roll summary",
    )


def check_roll_signature(
    keys: BoardKeys, base_hash: bytes, summary: bytes | None, signature: SchnorrProof | None
) -> None:
    """The rule for the roll summary, for the service before ``open`` and for the verifier:
    when the setup names an organiser's key, a roll summary (``summary``: its canonical
    bytes without the signature; None if there is none) must be posted and carry a valid
    signature by that key; when it names none, the summary carries no signature."""
    if keys.organiser_key is None:
        if signature is not None:
            raise ProtocolError("the roll summary is signed, but the setup names no organiser key")
        return
    if summary is None:
        raise ProtocolError(
            "the setup names an organiser's key, so the roll summary it signs must be posted "
            "before the election opens"
        )
    if signature is None:
        raise ProtocolError("the roll summary carries no signature of the organiser's key")
    verify_roll_signature(base_hash, summary, keys.organiser_key, signature)
