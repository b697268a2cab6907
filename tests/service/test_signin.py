"""Voter sign-in, sessions, organiser tokens and CSRF on SQLite and on PostgreSQL.

Codes are "sent" through a recording sender; time comes from a clock the test moves.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import FrozenInstanceError
from typing import Any

import pytest
from sqlalchemy import event, select

from honestballot.errors import (
    DeliveryFailed,
    Forbidden,
    InvalidInput,
    NotSignedIn,
    RateLimited,
    SignInFailed,
)
from honestballot.record.manifest import manifest_to_json
from honestballot.service.demo import demo_manifest
from honestballot.service.messages.senders import Message
from honestballot.service.security.csrf import CSRF_KEY_NAME, check_csrf, csrf_token, new_visitor_id
from honestballot.service.security.keys import server_key
from honestballot.service.security.organisers import Organiser, Organisers
from honestballot.service.voters.signin import SESSION_END_SEEN_WITHIN_S, SignIn, VoterSession
from honestballot.service.voters.voting import Client
from honestballot.store.schema import (
    activity,
    elections,
    organiser_tokens,
    rate_limits,
    settings,
    signin_codes,
    voters,
)
from honestballot.store.sql import SqlStore
from tests.helpers import run_threads

A = "election-a"
B = "election-b"
T0 = 1_700_000_100_000  # the start of a 900-second window
PHONE = "+77011234567"
ADDRESS = "203.0.113.7"
REQ = "the-voters-own-browser-request"  # a sign-in request id, as the web layer keeps it
CODE = re.compile(r"(?<![0-9])[0-9]{6}(?![0-9])")


class Clock:
    def __init__(self, now_ms: int = T0) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, seconds: float) -> None:
        self.now_ms += int(seconds * 1000)


class RecordingSender:
    def __init__(self) -> None:
        self.sent: list[Message] = []

    def send(self, message: Message) -> None:
        self.sent.append(message)

    def last_code(self) -> str:
        match = CODE.search(self.sent[-1].body)
        assert match is not None
        return match.group()


class FailingSender:
    def send(self, message: Message) -> None:
        raise DeliveryFailed("the SMS gateway answered HTTP 503")


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    s = SqlStore(database_url)
    with s.transaction() as conn:
        for eid, phase in ((A, "open"), (B, "open"), ("in-setup", "setup")):
            conn.execute(
                elections.insert().values(
                    election_id=eid,
                    phase=phase,
                    manifest=json.dumps(manifest_to_json(demo_manifest(eid))),
                    context="{}",
                    board_secret="0" * 64,
                    next_seq=0,
                )
            )
        rows: list[dict[str, Any]] = [
            {"voter_id": 1, "national_id": "880101300123", "phone": PHONE, "email": None},
            {"voter_id": 2, "national_id": "900202400456", "phone": None, "email": "b@ex.org"},
            {"voter_id": 3, "national_id": "910303500789", "phone": None, "email": None},
            {"voter_id": 4, "national_id": "920404600111", "phone": "+77019990000", "email": None},
            {"voter_id": 5, "national_id": "AB1234567", "phone": "+77015550000", "email": None},
        ]
        for eid in (A, B):
            for row in rows:
                conn.execute(
                    voters.insert().values(election_id=eid, name="Voter", unit="u-1", **row)
                )
    yield s
    s.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def signin(store: SqlStore, sender: RecordingSender, clock: Clock) -> SignIn:
    return SignIn(store, sender, clock)


def _all_rows(store: SqlStore, table: Any) -> list[tuple[Any, ...]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(table))]


def _holds(value: Any, needle: str) -> bool:
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        return needle.encode() in data or needle in data.hex()
    return needle in str(value)


def _at(address: str, language: str = "en") -> Client:
    """A client at ``address`` (what the web layer passes for each request)."""
    return Client(
        address=address,
        device="0123456789abcdef",
        device_description="a test",
        user_agent="tests",
        language=language,
        session="",
    )


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# -- codes -----------------------------------------------------------------------------------


def test_happy_path_code_signs_in_once(signin: SignIn, sender: RecordingSender) -> None:
    shown = signin.request_code(A, "880101-300 123", _at(ADDRESS), REQ)
    assert shown is not None and shown.endswith("4567") and PHONE not in shown
    [message] = sender.sent
    assert message.channel == "sms" and message.destination == PHONE and message.secret
    code = sender.last_code()
    assert "expires in 10 minutes" in message.body and "Nobody from the election" in message.body
    session, _ = signin.verify_code(A, "880101300123", code, _at(ADDRESS), REQ)
    assert (session.election_id, session.voter_id) == (A, 1)
    assert re.fullmatch(r"[0-9a-f]{16}", session.session_id)
    token = signin.session_token(session)
    assert signin.session_from_token(token, election_id=A) == session
    with pytest.raises(SignInFailed, match="request a new one"):
        signin.verify_code(A, "880101300123", code, _at(ADDRESS), REQ)


def test_national_id_is_read_as_the_roll_stores_it(signin: SignIn, sender: RecordingSender) -> None:
    assert signin.request_code(A, " ab-1234\u2013567 ", _at(ADDRESS), REQ) is not None
    assert (
        signin.verify_code(A, "AB 1234567", sender.last_code(), _at(ADDRESS), REQ)[0].voter_id == 5
    )
    for bad in ("", " - ", "x" * 65):
        with pytest.raises(InvalidInput, match="national ID"):
            signin.request_code(A, bad, _at(ADDRESS), REQ)


def test_email_when_there_is_no_phone_and_other_languages(
    signin: SignIn, sender: RecordingSender
) -> None:
    assert signin.request_code(A, "900202400456", _at(ADDRESS, "ru"), REQ) == "b***@ex.org"
    assert sender.sent[-1].channel == "email" and sender.sent[-1].destination == "b@ex.org"
    assert "Ваш код honestballot" in sender.sent[-1].body
    signin.request_code(A, "900202400456", _at(ADDRESS, "kk"), REQ)
    assert "honestballot кодыңыз" in sender.sent[-1].body
    code = sender.last_code()
    assert signin.verify_code(A, "900202400456", code, _at(ADDRESS), REQ)[0].voter_id == 2


def test_a_new_request_replaces_the_previous_code(signin: SignIn, sender: RecordingSender) -> None:
    signin.request_code(A, "880101300123", _at(ADDRESS), REQ)
    first = sender.last_code()
    signin.request_code(A, "880101300123", _at(ADDRESS), REQ)
    second = sender.last_code()
    if first != second:
        with pytest.raises(SignInFailed, match="wrong"):
            signin.verify_code(A, "880101300123", first, _at(ADDRESS), REQ)
    assert signin.verify_code(A, "880101300123", second, _at(ADDRESS), REQ)[0].voter_id == 1


def test_wrong_codes_use_up_the_attempts(signin: SignIn, sender: RecordingSender) -> None:
    signin.request_code(A, "880101300123", _at(ADDRESS), REQ)
    code = sender.last_code()
    wrong = _wrong(code)
    for left in (4, 3, 2, 1):
        with pytest.raises(SignInFailed, match=f"{left} attempt") as caught:
            signin.verify_code(A, "880101300123", wrong, _at(ADDRESS), REQ)
        assert code not in str(caught.value) and code not in repr(caught.value)
    with pytest.raises(SignInFailed, match="no attempts are left"):
        signin.verify_code(A, "880101300123", wrong, _at(ADDRESS), REQ)
    with pytest.raises(SignInFailed, match="no code is waiting"):
        signin.verify_code(A, "880101300123", code, _at(ADDRESS), REQ)
    assert _all_rows(signin.store, signin_codes) == []


def test_malformed_code_costs_no_attempt(signin: SignIn, sender: RecordingSender) -> None:
    signin.request_code(A, "880101300123", _at(ADDRESS), REQ)
    for bad in ("12345", "1234567", "12a456", "١٢٣٤٥٦"):
        with pytest.raises(InvalidInput, match="6 or 12 digits"):
            signin.verify_code(A, "880101300123", bad, _at(ADDRESS), REQ)
    code = sender.last_code()
    assert (
        signin.verify_code(A, "880101300123", f"{code[:3]} {code[3:]}", _at(ADDRESS), REQ)[
            0
        ].voter_id
        == 1
    )


def test_expired_code_is_refused(signin: SignIn, sender: RecordingSender, clock: Clock) -> None:
    signin.request_code(A, "880101300123", _at(ADDRESS), REQ)
    clock.advance(600)
    with pytest.raises(SignInFailed, match="expired"):
        signin.verify_code(A, "880101300123", sender.last_code(), _at(ADDRESS), REQ)
    with pytest.raises(SignInFailed, match="no code is waiting"):
        signin.verify_code(A, "880101300123", sender.last_code(), _at(ADDRESS), REQ)


def test_codes_only_while_the_election_is_open(signin: SignIn, sender: RecordingSender) -> None:
    with pytest.raises(InvalidInput, match="'setup'"):
        signin.request_code("in-setup", "880101300123", _at(ADDRESS), REQ)
    with pytest.raises(InvalidInput, match="no election"):
        signin.request_code("nowhere", "880101300123", _at(ADDRESS), REQ)
    assert sender.sent == []


def test_the_limit_per_national_id_binds_to_the_asking_network(
    signin: SignIn, sender: RecordingSender, clock: Clock
) -> None:
    for i in range(3):  # one /24: one network
        signin.request_code(A, "880101300123", _at(f"198.51.100.{i}"), f"{REQ}-{i}")
    with pytest.raises(RateLimited) as caught:
        signin.request_code(A, "880101300123", _at("198.51.100.9"), REQ)
    assert caught.value.retry_after == 300
    assert len(sender.sent) == 3
    # another network, or the same ID in another election, has a limit of its own
    assert signin.request_code(A, "880101300123", _at("192.0.2.1"), REQ) is not None
    assert signin.request_code(B, "880101300123", _at("198.51.100.10"), REQ) is not None
    clock.advance(299)
    with pytest.raises(RateLimited) as caught:
        signin.request_code(A, "880101300123", _at("198.51.100.11"), REQ)
    assert caught.value.retry_after == 1
    clock.advance(1)
    assert signin.request_code(A, "880101300123", _at("198.51.100.12"), REQ) is not None
    assert len(sender.sent) == 6


def _add_voter(store: SqlStore, election_id: str, voter_id: int, nid: str, phone: str) -> None:
    with store.transaction() as conn:
        conn.execute(
            voters.insert().values(
                election_id=election_id,
                voter_id=voter_id,
                national_id=nid,
                phone=phone,
                email=None,
                name="Voter",
                unit="u-1",
            )
        )


def _answer(signin: SignIn, election_id: str, national_id: str, address: str) -> str:
    """What the person asking can see: refused (429) or the neutral answer."""
    try:
        signin.request_code(election_id, national_id, _at(address), REQ)
    except RateLimited:
        return "refused"
    return "neutral"


def test_the_limits_do_not_tell_who_is_on_the_roll(store: SqlStore, clock: Clock) -> None:
    """Asking for one ID until refused, then for another ID or in another election: the
    answers are the same whether the IDs are on the roll (sharing a phone) or not."""
    _add_voter(store, A, 6, "930505700222", PHONE)  # shares voter 1's phone
    seen: dict[str, list[str]] = {}
    for case, (first, then) in {
        "on the roll, shared phone": ("880101300123", "930505700222"),
        "not on the roll": ("000000000010", "000000000011"),
    }.items():
        signin = SignIn(store, RecordingSender(), clock)
        asked = [_answer(signin, A, first, f"198.51.100.{n}") for n in range(4)]
        asked.append(_answer(signin, A, then, "198.51.9.1"))  # another ID, same phone
        asked.append(_answer(signin, B, first, "198.51.9.2"))  # another election
        seen[case] = asked
        clock.advance(900)
    assert seen["on the roll, shared phone"] == seen["not on the roll"]
    assert seen["not on the roll"] == ["neutral"] * 3 + ["refused", "neutral", "neutral"]


def test_the_per_contact_cap_is_silent_and_keeps_the_code(
    store: SqlStore, sender: RecordingSender, clock: Clock
) -> None:
    signin = SignIn(store, sender, clock, per_contact=(2, 900))
    _add_voter(store, A, 6, "930505700222", PHONE)
    assert signin.request_code(A, "880101300123", _at("198.51.100.1"), REQ) is not None
    code = sender.last_code()
    assert signin.request_code(A, "930505700222", _at("198.51.100.2"), REQ) is not None
    # the phone's third message in the window: nothing sent, the neutral answer
    assert signin.request_code(A, "880101300123", _at("198.51.100.3"), REQ) is None
    assert len(sender.sent) == 2
    assert signin.verify_code(A, "880101300123", code, _at("198.51.100.3"), REQ)[0].voter_id == 1
    clock.advance(900)
    assert signin.request_code(A, "880101300123", _at("198.51.100.4"), REQ) is not None


def test_per_address_limit_counts_unknown_ids_too(
    store: SqlStore, sender: RecordingSender, clock: Clock
) -> None:
    signin = SignIn(store, sender, clock, per_address=(3, 60))
    signin.request_code(A, "880101300123", _at(ADDRESS), REQ)
    assert signin.request_code(A, "000000000000", _at(ADDRESS), REQ) is None
    signin.request_code(A, "900202400456", _at(ADDRESS), REQ)
    with pytest.raises(RateLimited) as caught:
        signin.request_code(A, "920404600111", _at(ADDRESS), REQ)
    assert caught.value.retry_after == 60 - (T0 // 1000) % 60
    with pytest.raises(RateLimited):
        signin.request_code(A, "000000000001", _at(ADDRESS), REQ)
    assert len(sender.sent) == 2
    assert signin.request_code(A, "920404600111", _at("198.51.100.1"), REQ) is not None
    clock.advance(60)
    assert signin.request_code(A, "920404600111", _at(ADDRESS), REQ) is not None


def test_verification_is_rate_limited_per_address(
    store: SqlStore, sender: RecordingSender, clock: Clock
) -> None:
    signin = SignIn(store, sender, clock, verify_per_address=(2, 900))
    signin.request_code(A, "880101300123", _at(ADDRESS), REQ)
    for _ in range(2):
        with pytest.raises(SignInFailed):
            signin.verify_code(A, "880101300123", _wrong(sender.last_code()), _at(ADDRESS), REQ)
    with pytest.raises(RateLimited):
        signin.verify_code(A, "880101300123", sender.last_code(), _at(ADDRESS), REQ)
    assert (
        signin.verify_code(A, "880101300123", sender.last_code(), _at("198.51.100.1"), REQ)[
            0
        ].voter_id
        == 1
    )


class Commits:
    """Counts the commits on a store's engine."""

    def __init__(self, signin: SignIn) -> None:
        signin._code_key(), signin.limiter.key()  # created on first use, in commits of their own
        self.n = 0
        event.listen(signin.store.engine, "commit", self._commit)

    def _commit(self, conn: Any) -> None:
        self.n += 1

    def take(self) -> int:
        n, self.n = self.n, 0
        return n


def _activity(store: SqlStore) -> list[tuple[Any, ...]]:
    q = select(activity.c.event, activity.c.voter, activity.c.address, activity.c.contact).order_by(
        activity.c.activity_id
    )
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(q)]


def test_each_step_is_one_transaction_with_its_activity_row(
    signin: SignIn, sender: RecordingSender
) -> None:
    commits = Commits(signin)
    signin.request_code(A, "880101300123", _at(ADDRESS), REQ)
    assert commits.take() == 1
    with pytest.raises(SignInFailed):
        signin.verify_code(A, "880101300123", _wrong(sender.last_code()), _at(ADDRESS), REQ)
    assert commits.take() == 1
    session, voter = signin.verify_code(
        A, "880101300123", sender.last_code(), _at("198.51.100.5"), REQ
    )
    assert commits.take() == 1
    assert (voter.voter_id, voter.national_id, voter.phone) == (1, "880101300123", PHONE)
    assert signin.request_code(A, "000000000000", _at(ADDRESS), REQ) is None  # the same steps
    assert commits.take() == 1
    with pytest.raises(InvalidInput):  # refused before any transaction
        signin.verify_code(A, "880101300123", "12", _at(ADDRESS), REQ)
    assert commits.take() == 0
    assert _activity(signin.store) == [
        ("code-requested", "880101300123", ADDRESS, "77011234567"),
        ("sign-in-failed", "880101300123", ADDRESS, None),
        ("signed-in", "880101300123", "198.51.100.5", "77011234567"),
        ("code-requested", "000000000000", ADDRESS, None),
    ]
    with signin.store.engine.connect() as conn:
        q = select(activity.c.session).order_by(activity.c.activity_id)
        sessions = conn.execute(q).scalars().all()
    assert sessions == [None, None, session.session_id, None]


def test_a_refused_step_changes_nothing_but_its_hits(
    store: SqlStore, sender: RecordingSender, clock: Clock
) -> None:
    signin = SignIn(store, sender, clock, per_address=(1, 900), verify_per_address=(1, 900))
    signin.request_code(A, "880101300123", _at(ADDRESS), REQ)
    code = sender.last_code()
    [stored] = _all_rows(store, signin_codes)
    commits = Commits(signin)
    # over the address limit: the victim's code is neither replaced nor used
    with pytest.raises(RateLimited):
        signin.request_code(A, "880101300123", _at(ADDRESS), REQ)
    assert commits.take() == 1  # the step rolled back, then its hits alone committed
    assert _all_rows(store, signin_codes) == [stored]
    with pytest.raises(SignInFailed):
        signin.verify_code(A, "880101300123", _wrong(code), _at("198.51.100.2"), REQ)
    with pytest.raises(RateLimited):  # the right code, but over this address's limit
        signin.verify_code(A, "880101300123", code, _at("198.51.100.2"), REQ)
    with store.engine.connect() as conn:  # the wrong attempt counted; the right one unspent
        assert conn.execute(select(signin_codes.c.attempts)).scalars().all() == [1]
    assert [e for e, *_ in _activity(store)] == ["code-requested", "sign-in-failed"]
    with store.engine.connect() as conn:
        hits = {b: c for b, c in conn.execute(select(rate_limits.c.bucket, rate_limits.c.count))}
    # every hit counted, refused ones too; the day's 6-digit codes only those stored
    assert sorted(hits.values()) == [1, 2, 2, 2, 2]
    assert signin.verify_code(A, "880101300123", code, _at("198.51.100.3"), REQ)[0].voter_id == 1


def test_concurrent_steps_from_one_address_do_not_deadlock(
    database_url: str, signin: SignIn, sender: RecordingSender, clock: Clock
) -> None:
    ids = ["880101300123", "900202400456", "920404600111", "AB1234567", "000000000000"]
    stores = [SqlStore(database_url) for _ in range(6)]
    barrier = threading.Barrier(len(stores))
    failures: list[BaseException] = []

    def voter(store: SqlStore, n: int) -> None:
        mine = SignIn(
            store,
            sender,
            clock,
            per_network_id=(100, 900),
            per_contact=(100, 900),
            per_address=(500, 900),
        )
        barrier.wait()
        try:
            for i in range(10):
                mine.request_code(A, ids[(n + i) % len(ids)], _at(ADDRESS), REQ)
                with pytest.raises(SignInFailed):
                    mine.verify_code(A, ids[(n + i) % len(ids)], "000000", _at(ADDRESS), REQ)
        except BaseException as exc:
            failures.append(exc)

    run_threads(voter, ((s, n) for n, s in enumerate(stores)))
    for s in stores:
        s.close()
    assert failures == []
    with signin.store.engine.connect() as conn:
        counts = list(conn.execute(select(rate_limits.c.bucket, rate_limits.c.count)))
    by_purpose: dict[str, int] = {}
    for bucket, count in counts:
        purpose = bucket.rsplit(":", 1)[0]
        by_purpose[purpose] = by_purpose.get(purpose, 0) + int(count)
    assert by_purpose == {
        "code:address": 60,
        "code:id-network": 60,
        "code:short": 60,
        "code:contact": 60,
        "verify:address": 60,
    }
    assert len(_activity(signin.store)) == 120


def test_unknown_id_sends_nothing_and_answers_like_a_known_one(
    signin: SignIn, sender: RecordingSender
) -> None:
    for national_id in ("000000000000", "910303500789"):  # not on the roll; on it, no contact
        assert signin.request_code(A, national_id, _at(ADDRESS), REQ) is None
        for left in (4, 3, 2, 1):
            with pytest.raises(SignInFailed, match=f"wrong; {left} attempt"):
                signin.verify_code(A, national_id, "123456", _at(ADDRESS), REQ)
        with pytest.raises(SignInFailed, match="no attempts are left"):
            signin.verify_code(A, national_id, "123456", _at(ADDRESS), REQ)
        with pytest.raises(SignInFailed, match="no code is waiting"):
            signin.verify_code(A, national_id, "123456", _at(ADDRESS), REQ)
        for _ in range(2):
            signin.request_code(A, national_id, _at(ADDRESS), REQ)
        with pytest.raises(RateLimited):  # the same per-ID limit as a voter on the roll
            signin.request_code(A, national_id, _at(ADDRESS), REQ)
    assert sender.sent == []


def test_nothing_stored_or_shown_holds_the_code(signin: SignIn, sender: RecordingSender) -> None:
    shown = signin.request_code(A, "880101300123", _at(ADDRESS), REQ)
    code = sender.last_code()
    rows = _all_rows(signin.store, signin_codes)
    assert len(rows) == 1
    for value in rows[0]:
        assert not _holds(value, code)
    for table in (rate_limits, settings):
        for row in _all_rows(signin.store, table):
            for value in row:
                for needle in (code, PHONE, PHONE[1:], ADDRESS):
                    assert not _holds(value, needle)
    assert code not in repr(sender.sent[-1]) and code not in repr(shown)
    session, _ = signin.verify_code(A, "880101300123", code, _at(ADDRESS), REQ)
    token = signin.session_token(session)
    for thing in (session, token, signin.session_key()):
        assert code not in repr(thing)
    assert str(token) not in repr(token)
    assert signin.session_key().hex() not in repr(signin.session_key())


def test_a_right_code_signs_in_once_under_concurrency(
    database_url: str, signin: SignIn, sender: RecordingSender, clock: Clock
) -> None:
    signin.request_code(A, "880101300123", _at(ADDRESS), REQ)
    code = sender.last_code()
    stores = [SqlStore(database_url) for _ in range(4)]
    results: list[str] = []
    barrier = threading.Barrier(4)

    def attempt(store: SqlStore) -> None:
        barrier.wait()
        try:
            SignIn(store, sender, clock).verify_code(A, "880101300123", code, _at(ADDRESS), REQ)
            results.append("in")
        except SignInFailed:
            results.append("refused")

    run_threads(attempt, ((s,) for s in stores))
    for s in stores:
        s.close()
    assert sorted(results) == ["in", "refused", "refused", "refused"]


def test_delivery_failure_is_raised(store: SqlStore, clock: Clock) -> None:
    signin = SignIn(store, FailingSender(), clock)
    with pytest.raises(DeliveryFailed, match="503"):
        signin.request_code(A, "880101300123", _at(ADDRESS), REQ)


# -- sessions ------------------------------------------------------------------------------


def _signed_in(signin: SignIn, sender: RecordingSender, election_id: str = A) -> str:
    signin.request_code(election_id, "880101300123", _at(ADDRESS), REQ)
    session, _ = signin.verify_code(
        election_id, "880101300123", sender.last_code(), _at(ADDRESS), REQ
    )
    return str(signin.session_token(session))


def test_a_token_of_one_election_is_refused_by_another(
    signin: SignIn, sender: RecordingSender
) -> None:
    token = _signed_in(signin, sender, A)
    assert signin.session_from_token(token, election_id=A).election_id == A
    with pytest.raises(NotSignedIn, match="another"):
        signin.session_from_token(token, election_id=B)


def test_a_tampered_token_is_refused(signin: SignIn, sender: RecordingSender) -> None:
    token = _signed_in(signin, sender)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for i, char in enumerate(token):
        if char == ".":
            continue
        flipped = alphabet[(alphabet.index(char) + 1) % 64]
        with pytest.raises(NotSignedIn):
            signin.session_from_token(token[:i] + flipped + token[i + 1 :], election_id=A)
    for bad in ("", ".", "abc", token + ".x", token.replace(".", ""), token + "=", "é" + token):
        with pytest.raises(NotSignedIn):
            signin.session_from_token(bad, election_id=A)


def test_an_ended_session_is_refused_until_it_is_purged(
    signin: SignIn, sender: RecordingSender, clock: Clock, store: SqlStore
) -> None:
    token = _signed_in(signin, sender)
    other = _signed_in(signin, sender)  # the same voter on another device
    signin.end_session(token, election_id=A)
    signin.end_session(token, election_id=A)  # twice changes nothing
    signin.end_session("not a token", election_id=A)  # nothing to end
    with pytest.raises(NotSignedIn, match="ended"):
        signin.session_from_token(token, election_id=A)
    assert signin.session_from_token(other, election_id=A).election_id == A
    # kept until the token would have expired anyway, then purged with old codes
    assert signin.purge(T0 + 1_800_000) == 0
    with pytest.raises(NotSignedIn, match="ended"):
        signin.session_from_token(token, election_id=A)
    clock.advance(1800)
    assert signin.purge(clock() + 1) == 1
    with pytest.raises(NotSignedIn, match="expired"):
        signin.session_from_token(token, election_id=A)


def test_a_session_ended_through_another_process_is_refused_within_seconds(
    signin: SignIn, sender: RecordingSender, clock: Clock, store: SqlStore
) -> None:
    """Each process asks the store whether a session has ended at most once every
    ``SESSION_END_SEEN_WITHIN_S`` (not on every request); a sign-out through another
    process is refused here once that time has passed, through this one at once."""
    from sqlalchemy import event

    elsewhere = SignIn(store, sender, clock)  # another server process on the same store
    token = _signed_in(elsewhere, sender)  # signed in there: this process never saw it
    asked: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "ended_sessions" in statement:
            asked.append(statement)

    event.listen(store.engine, "before_cursor_execute", note)
    try:
        for _ in range(5):
            assert signin.session_from_token(token, election_id=A).election_id == A
        assert len(asked) == 1  # one query for five requests
        elsewhere.end_session(token, election_id=A)
        with pytest.raises(NotSignedIn, match="ended"):
            elsewhere.session_from_token(token, election_id=A)  # at once where it ended
        assert signin.session_from_token(token, election_id=A).election_id == A  # late here
        clock.advance(SESSION_END_SEEN_WITHIN_S)
        with pytest.raises(NotSignedIn, match="ended"):
            signin.session_from_token(token, election_id=A)
    finally:
        event.remove(store.engine, "before_cursor_execute", note)


def test_a_forged_session_is_refused(signin: SignIn) -> None:
    forged = VoterSession(A, 1, T0 + 10**9, "0" * 16).token(b"\x00" * 32)
    with pytest.raises(NotSignedIn, match="not valid"):
        signin.session_from_token(forged, election_id=A)


def test_an_expired_token_is_refused(signin: SignIn, sender: RecordingSender, clock: Clock) -> None:
    token = _signed_in(signin, sender)
    clock.advance(1799)
    signin.session_from_token(token, election_id=A)
    clock.advance(1)
    with pytest.raises(NotSignedIn, match="expired"):
        signin.session_from_token(token, election_id=A)


def test_a_token_works_in_another_process(
    database_url: str, signin: SignIn, sender: RecordingSender, clock: Clock
) -> None:
    token = _signed_in(signin, sender)
    other = SqlStore(database_url)
    try:
        session = SignIn(other, RecordingSender(), clock).session_from_token(token, election_id=A)
        assert session.voter_id == 1
    finally:
        other.close()


# -- organisers ----------------------------------------------------------------------------


def test_organiser_tokens(database_url: str, store: SqlStore, clock: Clock) -> None:
    organisers = Organisers(store, clock)
    token = organisers.create_token("central commission")
    assert re.fullmatch(r"hbo_[A-Za-z0-9_-]{32}", token)
    assert str(token) not in repr(token)
    assert organisers.check(token) == Organiser("central commission", None)
    other = SqlStore(database_url)
    try:
        assert Organisers(other, clock).check(str(token)) == Organiser("central commission")
    finally:
        other.close()
    for row in _all_rows(store, organiser_tokens):
        for value in row:
            assert not _holds(value, str(token)) and not _holds(value, str(token)[4:])
    for bad in ("", "hbo_", str(token)[:-1] + ("A" if token[-1] != "A" else "B"), token[4:]):
        with pytest.raises(NotSignedIn):
            organisers.check(bad)
    second = organisers.create_token("central commission")
    district = organisers.create_token("district 7")
    assert organisers.labels() == ["central commission", "district 7"]
    assert organisers.revoke("central commission") == 2
    for revoked in (token, second):
        with pytest.raises(NotSignedIn, match="revoked"):
            organisers.check(revoked)
    assert organisers.check(district) == Organiser("district 7")
    with pytest.raises(InvalidInput):
        organisers.create_token("  ")


def test_organiser_tokens_scoped_to_one_election(store: SqlStore, clock: Clock) -> None:
    organisers = Organisers(store, clock)
    everything = organisers.check(organisers.create_token("operator"))
    assert everything == Organiser("operator", None)
    assert everything.may_manage("party-primary") and everything.may_manage("city-council")
    # the election need not exist yet: its organiser may create it
    party = organisers.check(organisers.create_token("party office", "party-primary"))
    assert party == Organiser("party office", "party-primary")
    assert party.may_manage("party-primary")
    assert not party.may_manage("city-council") and not party.may_manage("party-primary-2")
    with pytest.raises(FrozenInstanceError):
        party.election_id = None  # type: ignore[misc]
    # ids as a manifest's
    for bad in ("", "Party", "-x", "a b", "a/b", "x" * 65, "é", "party\n"):
        with pytest.raises(InvalidInput, match="election id"):
            organisers.create_token("party office", bad)
    organisers.create_token("party office", "p" * 64)
    assert organisers.revoke("party office") == 2


# -- CSRF ----------------------------------------------------------------------------------


def test_csrf(store: SqlStore) -> None:
    key = server_key(store, CSRF_KEY_NAME)
    visitor = new_visitor_id()
    token = csrf_token(key, visitor)
    check_csrf(key, visitor, token)
    with pytest.raises(Forbidden):
        check_csrf(key, new_visitor_id(), token)
    with pytest.raises(Forbidden):
        check_csrf(key, visitor, token[:-1] + ("A" if token[-1] != "A" else "B"))
    with pytest.raises(Forbidden):
        check_csrf(key, visitor, "")
    with pytest.raises(Forbidden):
        check_csrf(key, visitor, "é" * len(token))
    with pytest.raises(Forbidden):
        check_csrf(key, "", csrf_token(key, "x"))
    with pytest.raises(Forbidden):
        check_csrf(server_key(store, "another-key"), visitor, token)


def test_a_sign_out_while_a_request_asks_the_store_is_not_forgotten(
    signin: SignIn, sender: RecordingSender, store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request that asked the store before a sign-out through this same process must not
    remember the session as live afterwards: the sign-out takes effect here at once."""
    token = _signed_in(SignIn(store, sender, signin.clock), sender)  # made by another process
    asked = store.session_ended

    def racing(session_id: str) -> bool:
        answer = asked(session_id)  # not ended yet
        monkeypatch.setattr(store, "session_ended", asked)
        signin.end_session(token, election_id=A)  # another request signs out meanwhile
        return answer

    monkeypatch.setattr(store, "session_ended", racing)
    assert signin.session_from_token(token, election_id=A).election_id == A  # asked before
    with pytest.raises(NotSignedIn, match="ended"):
        signin.session_from_token(token, election_id=A)


def test_a_clock_set_back_does_not_stretch_the_window(
    signin: SignIn, sender: RecordingSender, clock: Clock, store: SqlStore
) -> None:
    token = _signed_in(signin, sender)
    elsewhere = SignIn(store, sender, clock)
    assert signin.session_from_token(token, election_id=A).election_id == A  # remembered live
    elsewhere.end_session(token, election_id=A)
    clock.advance(-3600)  # the system clock is stepped back an hour
    with pytest.raises(NotSignedIn, match="ended"):
        signin.session_from_token(token, election_id=A)


def test_each_step_reads_the_election_and_the_voter_with_one_query(
    signin: SignIn, sender: RecordingSender, store: SqlStore
) -> None:
    """Both sign-in steps start with one query for the election's phase and the voter's row
    (a round trip less per step than two), and still tell an unknown election, an election
    not open and an ID not on the roll apart."""
    signin._code_key(), signin.limiter.key()  # created on first use, outside the steps
    signin.request_code(A, "920404600111", _at(ADDRESS), REQ)  # the title, read once, kept
    sent: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's, sent as a statement
            sent.append(statement)

    event.listen(store.engine, "before_cursor_execute", note)
    try:
        signin.request_code(A, "880101300123", _at(ADDRESS), REQ)
        asked, sent[:] = list(sent), []
        signin.verify_code(A, "880101300123", sender.last_code(), _at(ADDRESS), REQ)
        checked = list(sent)
    finally:
        event.remove(store.engine, "before_cursor_execute", note)
    for statements in (asked, checked):
        reads = [s for s in statements if "FROM elections" in s]
        assert len(reads) == 1 and "JOIN voters" in reads[0]
        assert not any("FROM voters" in s and "elections" not in s for s in statements)
    # asking: the read, the short-code hit, the code, the activity row, the hits
    assert len(asked) == 5
    # checking: the read, the code's row locked and deleted, the activity row, the hit
    assert len(checked) == 5
    with store.connect() as conn:
        assert signin.roll.phase_and_voter(conn, A, "880101-300 123")[0] == "open"
        assert signin.roll.phase_and_voter(conn, A, "880101300123")[1] is not None
        assert signin.roll.phase_and_voter(conn, A, "000000000000") == ("open", None)
        assert signin.roll.phase_and_voter(conn, "in-setup", "880101300123")[0] == "setup"
        assert signin.roll.phase_and_voter(conn, "nowhere", "880101300123") == (None, None)
    assert signin.request_code(A, "000000000000", _at(ADDRESS), REQ) is None
    with pytest.raises(InvalidInput, match="only while the election is open"):
        signin.request_code("in-setup", "880101300123", _at(ADDRESS), REQ)
    with pytest.raises(InvalidInput, match="no election"):
        signin.verify_code("nowhere", "880101300123", "123456", _at(ADDRESS), REQ)


def test_a_session_made_here_is_not_asked_of_the_store_and_still_ends_at_once(
    signin: SignIn, sender: RecordingSender, clock: Clock, store: SqlStore
) -> None:
    """The process that signs a voter in knows the new session has not ended: the voter's
    next requests through it (the credential, the ballot, seconds later) need no query;
    after the window it asks again, and a sign-out through it takes effect at once."""
    asked: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "ended_sessions" in statement:
            asked.append(statement)

    token = _signed_in(signin, sender)
    event.listen(store.engine, "before_cursor_execute", note)
    try:
        for _ in range(3):
            assert signin.session_from_token(token, election_id=A).voter_id == 1
        assert asked == []
        clock.advance(SESSION_END_SEEN_WITHIN_S)
        signin.session_from_token(token, election_id=A)
        assert len(asked) == 1  # the window ran out: asked once, remembered again
        signin.end_session(token, election_id=A)
        with pytest.raises(NotSignedIn, match="ended"):
            signin.session_from_token(token, election_id=A)
        again = _signed_in(signin, sender)  # a new session right after a sign-out
        assert signin.session_from_token(again, election_id=A).voter_id == 1
    finally:
        event.remove(store.engine, "before_cursor_execute", note)
    elsewhere = SignIn(store, sender, clock)
    elsewhere.end_session(again, election_id=A)  # ended through another process:
    assert signin.session_from_token(again, election_id=A).voter_id == 1  # late here
    clock.advance(SESSION_END_SEEN_WITHIN_S)
    with pytest.raises(NotSignedIn, match="ended"):
        signin.session_from_token(again, election_id=A)  # and refused within the window
