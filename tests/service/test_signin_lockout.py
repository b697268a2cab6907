"""Nobody without the voter's phone can keep the voter from signing in (issue "The
attacks that got through", item 1): a flood of code requests and wrong codes for a
voter's national ID, from 10,000 IPv4 networks and from IPv6 ones, neither replaces nor
uses up the voter's code, and the voter's own request still gets a code at once; the
roll stays unprobeable and brute force stays bounded.
"""

# ruff: noqa: F811 (the fixtures are imported from test_signin)
from __future__ import annotations

import re

import pytest

from honestballot.errors import RateLimited, SignInFailed
from honestballot.service.voters.signin import LONG_CODE_DIGITS, SignIn
from honestballot.store.sql import SqlStore
from tests.service.test_signin import (
    ADDRESS,
    A,
    Clock,
    RecordingSender,
    _at,
    clock,  # noqa: F401 (fixtures)
    sender,  # noqa: F401
    signin,  # noqa: F401
    store,  # noqa: F401
)

VOTER = "880101300123"
STRANGER = "000000000042"  # not on the roll
MINE = "the-voters-own-browser-request"


def _ipv4(i: int) -> str:
    """An address in the i-th of 10,000 distinct /24 networks."""
    return f"{10 + i // 65536}.{(i // 256) % 256}.{i % 256}.77"


def _ipv6(i: int) -> str:
    """An address in the i-th distinct /48 (any number of them)."""
    return f"2001:db8:{i:x}::{i % 7 + 1:x}"


def _code(sender: RecordingSender, index: int = -1) -> str:
    match = re.search(r"(?<![0-9])[0-9][0-9 ]{4,}[0-9](?![0-9])", sender.sent[index].body)
    assert match is not None
    return match.group().replace(" ", "")


def _attack(signin: SignIn, national_id: str, address: str, n: int) -> list[str]:
    """A stranger's request for ``national_id`` and five wrong codes; what each answered."""
    seen: list[str] = []
    try:
        signin.request_code(A, national_id, _at(address), f"attacker-request-{n:08d}")
        seen.append("neutral")
    except RateLimited:
        seen.append("refused")
    for guess in range(5):
        try:
            signin.verify_code(
                A, national_id, f"{guess:06d}", _at(address), f"attacker-request-{n:08d}"
            )
        except SignInFailed as exc:
            seen.append(str(exc))
        except RateLimited:
            seen.append("refused")
    return seen


def test_a_flood_from_many_networks_does_not_keep_the_voter_out(
    store: SqlStore, sender: RecordingSender, clock: Clock
) -> None:
    signin = SignIn(store, sender, clock)
    signin.request_code(A, VOTER, _at(ADDRESS), MINE)
    first = _code(sender)
    # 1,000 IPv4 networks and 100 IPv6 ones each ask for the voter's ID and guess (far
    # past every per-ID limit: 30 short codes a day, 10 codes a contact in 15 minutes)
    for i in range(1_000):
        address = _ipv4(i)
        signin.request_code(A, VOTER, _at(address), f"attacker-request-{i:08d}")
        if i % 50 == 0:  # some burn their request with five wrong codes
            _attack(signin, VOTER, address, i)
    for i in range(100):
        _attack(signin, VOTER, _ipv6(i), 100_000 + i)
    clock.advance(30)
    # the code the voter's browser asked for still works: not replaced, not used up
    session, _ = signin.verify_code(A, VOTER, first, _at(ADDRESS), MINE)
    assert session.voter_id == 1
    # and a new request from the voter gets a code at once (a long one: the ID's day of
    # 6-digit codes went to strangers), which works in the voter's browser only
    sent = len(sender.sent)
    assert signin.request_code(A, VOTER, _at(ADDRESS), MINE) is not None
    assert len(sender.sent) == sent + 1
    again = _code(sender)
    assert len(again) == LONG_CODE_DIGITS
    with pytest.raises(SignInFailed):  # a code works only for the request it was sent for
        signin.verify_code(A, VOTER, again, _at(_ipv4(3)), "attacker-request-00000003")
    assert signin.verify_code(A, VOTER, again, _at(ADDRESS), MINE)[0].voter_id == 1


def test_wrong_codes_use_up_only_the_guessers_request(
    signin: SignIn, sender: RecordingSender
) -> None:
    signin.request_code(A, VOTER, _at(ADDRESS), MINE)
    mine = _code(sender)
    seen = _attack(signin, VOTER, "192.0.2.1", 1)
    assert seen[-1].startswith("the code is wrong and no attempts are left")
    # the guesser's request is used up, even with the right code; the voter's is not
    signin.request_code(A, VOTER, _at("192.0.2.1"), "attacker-request-00000002")
    theirs = _code(sender)
    for _ in range(5):
        with pytest.raises(SignInFailed):
            signin.verify_code(A, VOTER, "000000", _at("192.0.2.1"), "attacker-request-00000002")
    with pytest.raises(SignInFailed, match="no code is waiting"):
        signin.verify_code(A, VOTER, theirs, _at("192.0.2.1"), "attacker-request-00000002")
    assert signin.verify_code(A, VOTER, mine, _at(ADDRESS), MINE)[0].voter_id == 1


def test_brute_force_is_bounded(signin: SignIn, sender: RecordingSender, clock: Clock) -> None:
    """One network: 3 requests per 5 minutes for an ID, 5 guesses each.  Any number of
    networks: 30 six-digit codes per ID a day; every later code has 12 digits."""
    for n in range(3):
        signin.request_code(A, VOTER, _at("192.0.2.1"), f"attacker-request-{n:08d}")
    with pytest.raises(RateLimited):
        signin.request_code(A, VOTER, _at("192.0.2.200"), "attacker-request-00000009")
    lengths = []
    for i in range(40):
        signin.request_code(A, VOTER, _at(_ipv4(i)), f"attacker-request-{100 + i:08d}")
        lengths.append(len(_code(sender)))
    assert lengths == [6] * 27 + [LONG_CODE_DIGITS] * 13
    clock.advance(86_400)  # a new day: 6-digit codes again
    signin.request_code(A, VOTER, _at(ADDRESS), MINE)
    assert len(_code(sender)) == 6


def test_the_roll_stays_unprobeable_under_a_flood(store: SqlStore, clock: Clock) -> None:
    """The same flood against an ID on the roll and one off it answers alike, step by step."""
    seen: dict[str, list[list[str]]] = {}
    for national_id in (VOTER, STRANGER):
        signin = SignIn(store, RecordingSender(), clock)
        answers = [_attack(signin, national_id, "192.0.2.1", n) for n in range(5)]
        answers += [_attack(signin, national_id, _ipv6(n), 10 + n) for n in range(40)]
        seen[national_id] = answers
        clock.advance(86_400)
    assert seen[VOTER] == seen[STRANGER]
    assert seen[VOTER][3][0] == "refused"  # the network's share for the ID was spent


def test_one_ipv6_host_is_one_address_for_the_per_address_limits(
    store: SqlStore, sender: RecordingSender, clock: Clock
) -> None:
    """A host chooses the low 64 bits of its IPv6 address freely: code checks from
    different addresses of one /64 meet the per-address limit as checks from one address
    do, while another /64 of the same site is another host."""
    signin = SignIn(store, sender, clock, verify_per_address=(10, 900))
    answers = []
    for i in range(12):
        address = _at(f"2001:db8:5:1::{i + 1:x}")
        try:
            signin.verify_code(A, STRANGER, "000000", address, f"request-{i:040d}")
            answers.append("checked")
        except SignInFailed:
            answers.append("checked")
        except RateLimited:
            answers.append("refused")
    assert answers == ["checked"] * 10 + ["refused"] * 2
    with pytest.raises(SignInFailed):  # the next /64: not refused
        signin.verify_code(A, STRANGER, "000000", _at("2001:db8:5:2::1"), "request-other-host" * 2)
