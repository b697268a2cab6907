"""The voter's JSON API (honestballot/web/voter_api.py) on SQLite and PostgreSQL.

Ballots are made in Python exactly as the browser bundle makes them (the bundle is
checked against Python in test_js_crypto.py), then posted as the page posts them.  The
sign-in's tests and the context's stand on the module's election with re-voting
protection (``voters_web``, ``protected_setup``), reading its shared activity log from
where they found it; the credential and cast of version 1 go with it (docs/coercion.md
§14 item 8; tests/web/test_revoting_api.py has those of an election with protection),
and so do the tests of version 1's routes beside the converted ones (the CSRF token,
the signed-out session's cast), kept on version 1's ``web`` until the routes go.
"""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from honestballot.crypto.group import Point
from honestballot.crypto.merkle import leaf_hash, verify_inclusion
from honestballot.crypto.randomness import SeededRandomness
from honestballot.errors import BallotRejected, DeliveryFailed
from honestballot.protocol.ballot import check_opening, encrypt_ballot
from honestballot.protocol.board import BoardRules
from honestballot.protocol.credential import VoterCredential, generate_credential
from honestballot.protocol.election import base_hash, manifest_hash
from honestballot.protocol.witnesses import board_keys_hash
from honestballot.record.ballot import (
    ballot_to_json,
    opening_from_json,
    opening_to_json,
    spoiled_from_json,
)
from honestballot.record.codec import Reader, parse_json
from honestballot.record.events import board_event, event_from_json, tree_head_from_json
from honestballot.record.manifest import manifest_to_json
from honestballot.record.witness import board_keys_from_setup
from honestballot.service.board.election import Receipt
from honestballot.service.clock import now_ms
from honestballot.service.messages.senders import Message, read_outbox
from honestballot.service.voters import signin_pacing
from honestballot.service.voters.voting import Client, CredentialItem
from honestballot.store.schema import activity, notices, voters
from tests.factories import (
    WEB_ROLL,
    RevotingDevice,
    RevotingElection,
    WebElection,
    voter_writes,
)
from tests.helpers import one_batch, statements_under_lock

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
CHOICE = {"chair": {"cand-2"}, "council": {"member-1", "member-4"}}
OTHER_CHOICE = {"chair": {"against-all"}, "council": {"blank"}}

AIGERIM = WEB_ROLL[0][0]  # phone and e-mail
BORIS = WEB_ROLL[1][0]  # phone only
CLARA = WEB_ROLL[2][0]  # e-mail only


def new_client(web: WebElection, **headers: str) -> TestClient:
    return TestClient(web.client.app, base_url="http://testserver", headers=headers)


def csrf_headers(web: WebElection, client: TestClient) -> dict[str, str]:
    return {"x-csrf-token": web.csrf(client)}


def api(web: WebElection, path: str) -> str:
    return f"/api/e/{web.election_id}{path}"


def signed_in(web: WebElection, national_id: str, **headers: str) -> TestClient:
    client = new_client(web, **headers)
    web.sign_in(client, national_id)
    return client


def credential(seed: str) -> VoterCredential:
    return generate_credential(SeededRandomness(f"credential-{seed}"))


def register(web: WebElection, client: TestClient, cred: VoterCredential, **extra: str) -> Any:
    return client.post(
        api(web, "/credential"),
        json={"credential": cred.public.hex(), **extra},
        headers=csrf_headers(web, client),
    )


def encrypt(
    web: WebElection,
    cred: VoterCredential,
    choice: dict[str, set[str]] = CHOICE,
    seed: str = "ballot",
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(ballot JSON, opening JSON, tracking hash hex), as the bundle's encryptBallot."""
    ctx = web.services.elections.context(web.election_id)
    sel = {k: frozenset(v) for k, v in choice.items()}
    ballot, opening = encrypt_ballot(ctx, cred, sel, SeededRandomness(seed))
    return ballot_to_json(ballot), opening_to_json(opening), ballot.tracking_hash().hex()


def cast(web: WebElection, client: TestClient, ballot: Any) -> Any:
    body = ballot if isinstance(ballot, bytes) else json.dumps(ballot).encode()
    headers = {**csrf_headers(web, client), "content-type": "application/json"}
    return client.post(api(web, "/ballots"), content=body, headers=headers)


def event_count(web: WebElection) -> int:
    return sum(1 for _ in web.services.store.iter_events(web.election_id))


def activity_rows(web: WebElection) -> list[tuple[str, str, str | None, str | None]]:
    q = (
        select(activity.c.event, activity.c.voter, activity.c.contact, activity.c.session)
        .where(activity.c.election_id == web.election_id)
        .order_by(activity.c.activity_id)
    )
    with web.services.store.engine.connect() as conn:
        return [(r[0], r[1], r[2], r[3]) for r in conn.execute(q)]


def board_rules(web: WebElection) -> BoardRules:
    rules = BoardRules()
    for ev in web.services.store.iter_events(web.election_id):
        line = event_from_json(parse_json(ev.line, limit=1 << 26), f"event {ev.seq}")
        rules.apply(board_event(line, f"event {ev.seq}"))
    return rules


# -- sign-in ---------------------------------------------------------------------------------


def send_notices(web: WebElection) -> int:
    """Deliver the queued cast notices as the round that sends them would: they are due
    up to ``delay_max + round`` after the cast (service/messages/notices.NoticeSchedule)."""
    outbox = web.services.outbox
    wait = outbox.schedule.max_wait_ms
    outbox.clock = lambda: now_ms() + wait
    return outbox.deliver_pending()


def test_sign_in_gives_a_session_and_logs_the_activity(voters_web: WebElection) -> None:
    web = voters_web
    client = new_client(web, **{"user-agent": ANDROID_CHROME})
    before = int(time.time() * 1000)
    logged = len(activity_rows(web))
    body = web.sign_in(client, AIGERIM)
    # the unit, and version 1's credential, never set in an election with protection
    # (the key goes with version 1's routes, docs/coercion.md §14 item 8.3)
    assert body["voter"] == {"unit": "station-1", "credential": None}
    assert body["expires_ms"] > before
    assert client.cookies.get("hb_session")
    me = client.get(api(web, "/me"))
    assert me.status_code == 200
    assert me.json() == {"unit": "station-1", "credential": None, "name": "Aigerim Test"}
    rows = activity_rows(web)[logged:]
    assert [r[0] for r in rows] == ["code-requested", "signed-in"]
    assert {r[1] for r in rows} == {AIGERIM}
    assert rows[0][2] == "77010000001"  # the contact the code went to, normalised
    assert rows[1][3]  # the session id


def test_session_cookie_is_http_only_and_strict(voters_web: WebElection) -> None:
    web = voters_web
    client = new_client(web)
    headers = csrf_headers(web, client)
    client.post(api(web, "/signin"), json={"national_id": BORIS}, headers=headers)
    code = web.code_for("77010000002")
    assert code is not None
    r = client.post(
        api(web, "/session"), json={"national_id": BORIS, "code": code}, headers=headers
    )
    assert r.status_code == 200
    set_cookie = r.headers["set-cookie"].lower()
    assert "hb_session=" in set_cookie
    assert "httponly" in set_cookie
    assert "samesite=strict" in set_cookie


def test_unknown_id_gets_a_byte_identical_answer(voters_web: WebElection) -> None:
    web = voters_web
    logged = len(activity_rows(web))
    client = new_client(web)
    headers = csrf_headers(web, client)
    known = client.post(api(web, "/signin"), json={"national_id": AIGERIM}, headers=headers)
    unknown = client.post(
        api(web, "/signin"), json={"national_id": "990101000999"}, headers=headers
    )
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    assert known.json()["status"] == "sent-if-registered"
    rows = activity_rows(web)[logged:]
    assert [r[0] for r in rows] == ["code-requested", "code-requested"]
    assert rows[0][2] == "77010000001" and rows[1][2] is None  # nobody was sent anything


def test_a_failed_delivery_looks_like_any_other_answer(voters_web: WebElection) -> None:
    web = voters_web

    class Broken:
        def send(self, message: Message) -> None:
            raise DeliveryFailed("the gateway is down")

    client = new_client(web)
    headers = csrf_headers(web, client)
    expected = client.post(
        api(web, "/signin"), json={"national_id": "990101000998"}, headers=headers
    )
    web.services.signin.sender = Broken()
    failed = client.post(
        api(web, "/signin"), json={"national_id": CLARA, "channel": "email"}, headers=headers
    )
    assert failed.status_code == expected.status_code == 202
    assert failed.content == expected.content


def test_wrong_code_is_refused_and_logged(voters_web: WebElection) -> None:
    web = voters_web
    client = new_client(web)
    headers = csrf_headers(web, client)
    client.post(api(web, "/signin"), json={"national_id": BORIS}, headers=headers)
    code = web.code_for("77010000002")
    assert code is not None
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    r = client.post(
        api(web, "/session"), json={"national_id": BORIS, "code": wrong}, headers=headers
    )
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "sign_in_failed"
    assert "hb_session" not in client.cookies
    assert activity_rows(web)[-1][:2] == ("sign-in-failed", BORIS)
    malformed = client.post(
        api(web, "/session"), json={"national_id": BORIS, "code": "12"}, headers=headers
    )
    assert malformed.status_code == 400


def test_a_code_works_only_in_the_browser_that_asked_for_it(voters_web: WebElection) -> None:
    """A stranger who knows the voter's ID asks for a code and guesses five times in
    another browser: the voter's code is neither replaced nor used up, and the voter's
    code typed into the stranger's browser does not sign the stranger in."""
    web = voters_web
    voter, stranger = new_client(web), new_client(web)
    mine, theirs = csrf_headers(web, voter), csrf_headers(web, stranger)
    voter.post(api(web, "/signin"), json={"national_id": BORIS}, headers=mine)
    code = web.code_for("77010000002")
    assert code is not None
    stranger.post(api(web, "/signin"), json={"national_id": BORIS}, headers=theirs)
    for guess in range(5):
        body = {"national_id": BORIS, "code": f"{guess:06d}"}
        assert stranger.post(api(web, "/session"), json=body, headers=theirs).status_code == 401
    body = {"national_id": BORIS, "code": code}
    assert stranger.post(api(web, "/session"), json=body, headers=theirs).status_code == 401
    anonymous = new_client(web)  # no hb_signin cookie at all
    r = anonymous.post(api(web, "/session"), json=body, headers=csrf_headers(web, anonymous))
    assert r.status_code == 401
    assert voter.post(api(web, "/session"), json=body, headers=mine).status_code == 200


def test_too_many_code_requests_are_rate_limited(voters_web: WebElection) -> None:
    web = voters_web
    client = new_client(web)
    headers = csrf_headers(web, client)
    answers = [
        client.post(api(web, "/signin"), json={"national_id": BORIS}, headers=headers)
        for _ in range(4)
    ]
    assert [a.status_code for a in answers] == [202, 202, 202, 429]
    limited = answers[-1]
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) > 0


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/signin", {"national_id": AIGERIM}),
        ("/session", {"national_id": AIGERIM, "code": "123456"}),
        ("/signout", None),
        ("/revoting/registration-start", None),
        ("/revoting/registrations", {}),
        ("/revoting/ballots", {}),
        ("/revoting/audits", {}),
    ],
)
def test_posts_without_the_csrf_token_are_forbidden(
    voters_web: WebElection, path: str, body: dict[str, Any] | None
) -> None:
    web = voters_web
    client = new_client(web)
    web.csrf(client)  # the visitor cookie is there, the header is not
    r = client.post(api(web, path), json=body)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    forged = client.post(api(web, path), json=body, headers={"x-csrf-token": "forged"})
    assert forged.status_code == 403


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/credential", {"credential": "00" * 32}),
        ("/ballots", {}),
        ("/audits", {}),
    ],
)
def test_version_1s_posts_without_the_csrf_token_are_forbidden(
    web: WebElection, path: str, body: dict[str, Any]
) -> None:
    """Version 1's routes, which the app serves until they go (docs/coercion.md §14 item
    8.3), each check the token themselves: on version 1's election, a voter signed in."""
    client = signed_in(web, AIGERIM)
    r = client.post(api(web, path), json=body)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    forged = client.post(api(web, path), json=body, headers={"x-csrf-token": "forged"})
    assert forged.status_code == 403
    assert client.get(api(web, "/me")).json()["credential"] is None


def test_sign_out_ends_the_session(
    protected_web: RevotingElection, voters_web: WebElection
) -> None:
    """Sign-out ends the session on the server: the old cookie, replayed by whoever kept
    it, is refused on every route, while another session of the same voter lives on."""
    web = voters_web
    device = protected_web.device(AIGERIM, "signed out")
    client = device.client
    other_device = signed_in(web, AIGERIM)
    old_cookie = client.cookies["hb_session"]
    seed, registered = device.register()
    assert registered.status_code == 201, registered.text
    ballot, _, private = device.ballot(seed)
    r = client.post(api(web, "/signout"), headers=csrf_headers(web, client))
    assert r.status_code == 204
    me = client.get(api(web, "/me"))
    assert me.status_code == 401
    assert me.json()["error"]["code"] == "not_signed_in"

    replay = new_client(web)
    replay.cookies.set("hb_session", old_cookie)
    me = replay.get(api(web, "/me"))
    assert me.status_code == 401 and me.json()["error"]["code"] == "not_signed_in"
    stored = voter_writes(protected_web)
    r = RevotingDevice(protected_web, replay, AIGERIM, SeededRandomness("replay")).cast(
        ballot, private
    )
    assert r.status_code == 401 and r.json()["error"]["code"] == "not_signed_in"
    assert voter_writes(protected_web) == stored
    assert other_device.get(api(web, "/me")).status_code == 200
    # signing out again, or with no session at all, is still a plain 204
    assert replay.post(api(web, "/signout"), headers=csrf_headers(web, replay)).status_code == 204


def test_a_signed_out_session_cannot_cast_on_version_1s_route(web: WebElection) -> None:
    """Version 1's cast, until it goes (docs/coercion.md §14 item 8.3): the cookie of a
    session signed out, replayed, casts nothing."""
    client = signed_in(web, AIGERIM)
    old_cookie = client.cookies["hb_session"]
    cred = credential("signed-out")
    assert register(web, client, cred).status_code == 201
    ballot, _, _ = encrypt(web, cred)
    assert client.post(api(web, "/signout"), headers=csrf_headers(web, client)).status_code == 204
    replay = new_client(web)
    replay.cookies.set("hb_session", old_cookie)
    events = event_count(web)
    r = cast(web, replay, ballot)
    assert r.status_code == 401 and r.json()["error"]["code"] == "not_signed_in"
    assert event_count(web) == events
    # the same ballot from a live session of the voter is cast: the refusal was the session
    assert cast(web, signed_in(web, AIGERIM), ballot).status_code == 201
    assert event_count(web) > events


def test_code_requests_outside_the_open_phase_are_refused(
    protected_setup: RevotingElection,
) -> None:
    web = protected_setup.web
    client = new_client(web)
    r = client.post(
        api(web, "/signin"), json={"national_id": AIGERIM}, headers=csrf_headers(web, client)
    )
    assert r.status_code == 400


def test_send_timing_pads_an_unknown_id_to_a_typical_send() -> None:
    timing = signin_pacing.SendTiming(initial_s=0.0)
    for _ in range(50):
        timing.observe(0.4)
    assert 0.3 < timing.padding(0.0) < 0.5
    assert timing.padding(10.0) == 0.0
    timing.observe(1000.0)  # one stuck gateway does not make every answer slow
    assert timing.padding(0.0) < 2.0


# -- the election's context ------------------------------------------------------------------


def test_context_is_public_and_recomputes_the_base_hash(voters_web: WebElection) -> None:
    web = voters_web
    body = web.context()
    ctx = web.services.elections.context(web.election_id)
    assert body["election_id"] == web.election_id
    assert body["phase"] == "open"
    assert body["manifest"] == manifest_to_json(ctx.manifest)
    assert body["base_hash"] == ctx.base_hash.hex()
    assert body["public_key"] == ctx.public_key.hex()
    keys = board_keys_from_setup(Reader(body, "context"))
    recomputed = base_hash(
        manifest_hash(ctx.manifest),
        bytes.fromhex(body["election_key_hash"]),
        Point.decode(bytes.fromhex(body["public_key"])),
        board_keys_hash(keys),
    )
    assert recomputed.hex() == body["base_hash"]
    setup = next(iter(web.services.store.iter_events(web.election_id, kinds=("setup",))))
    setup_body = parse_json(setup.line, limit=1 << 26)["body"]
    for member in (
        "board_key",
        "witnesses",
        "witness_quorum",
        "verifier_key",
        "verifier_key_proof",
    ):
        assert body[member] == setup_body[member]
    missing = web.client.get("/api/e/no-such-election/context")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


# -- credential and cast ---------------------------------------------------------------------


def test_register_then_cast_gives_a_receipt_and_a_notice(web: WebElection) -> None:
    client = signed_in(web, AIGERIM, **{"user-agent": ANDROID_CHROME})
    cred = credential("aigerim")
    r = register(web, client, cred)
    assert r.status_code == 201
    assert r.json() == {"credential": cred.public.hex()}
    assert client.get(api(web, "/me")).json()["credential"] == cred.public.hex()
    events = event_count(web)
    again = register(web, client, cred)  # a retry whose first answer was lost
    assert (again.status_code, again.json()) == (201, r.json())
    assert event_count(web) == events  # nothing appended twice

    ballot, _, tracking = encrypt(web, cred)
    r = cast(web, client, ballot)
    assert r.status_code == 201, r.text
    body = r.json()
    receipt = body["receipt"]
    assert receipt["tracking_hash"] == tracking
    assert receipt["election_id"] == web.election_id
    assert receipt["superseded"] is None
    assert body["tracking_code"] == receipt["tracking_code"]
    assert body["check_url"] == f"/e/{web.election_id}/receipt/{tracking}"
    with web.services.store.engine.connect() as conn:
        stored = web.services.store.event_by_tracking(
            conn, web.election_id, bytes.fromhex(tracking)
        )
    assert stored is not None
    assert stored.kind == "ballot"
    assert stored.seq == receipt["seq"]
    assert activity_rows(web)[-1][0] == "ballot-cast"

    assert web.services.outbox.deliver_pending() == 0  # due a random 0 to 5 minutes later
    assert send_notices(web) == 2  # the voter's phone and e-mail
    notices = [m for m in read_outbox(web.outbox) if not m["secret"]]
    assert {m["destination"] for m in notices} == {"77010000001", "a1@example.org"}
    for notice in notices:
        # no tracking code: the gateway that sees the phone must not see the ballot's code
        assert body["tracking_code"] not in notice["body"]
        assert body["receipt"]["tracking_hash"] not in notice["body"]
        assert "UTC" not in notice["body"]  # nor the time, which the board's events carry
        assert "Chrome on Android" in notice["body"]


def test_a_contact_no_message_may_go_to_does_not_cost_the_vote(
    web: WebElection, caplog: pytest.LogCaptureFixture
) -> None:
    """An e-mail stored before the one-address rule (it would add a recipient) gets no
    notice; the ballot still counts and the phone still gets its notice."""
    with web.services.store.transaction() as conn:
        conn.execute(
            update(voters)
            .where(voters.c.national_id == AIGERIM)
            .values(email="a1@example.org,spy@evil.example")
        )
    client = signed_in(web, AIGERIM)
    cred = credential("old-contact")
    assert register(web, client, cred).status_code == 201
    ballot, _, _ = encrypt(web, cred)
    with caplog.at_level("WARNING"):
        assert cast(web, client, ballot).status_code == 201
    assert "could not be queued for the voter's email contact" in caplog.text
    assert "spy@evil.example" not in caplog.text
    assert send_notices(web) == 1
    sent = [m for m in read_outbox(web.outbox) if not m["secret"]]
    assert [m["destination"] for m in sent] == ["77010000001"]


def test_a_credential_is_lowercase_canonical_hex(web: WebElection) -> None:
    """Like every point of the record (docs/record-format.md §1): upper case, spaces or a
    prefix are refused with 400, and nothing is stored."""
    client = signed_in(web, AIGERIM)
    cred = credential("canonical")
    lower = cred.public.hex()
    events = event_count(web)
    for text in (
        lower.upper(),
        lower[:10].upper() + lower[10:],
        " ".join([lower[:32], lower[32:]]),
    ):
        r = client.post(
            api(web, "/credential"), json={"credential": text}, headers=csrf_headers(web, client)
        )
        assert r.status_code == 400, (text, r.text)
        error = r.json()["error"]
        assert error["code"] == "malformed_input" and "lowercase" in error["message"]
        assert client.get(api(web, "/me")).json()["credential"] is None
    assert event_count(web) == events
    assert register(web, client, cred).status_code == 201
    # a replacement's 'replaces' is held to the same rule
    r = client.post(
        api(web, "/credential"),
        json={"credential": credential("next").public.hex(), "replaces": lower.upper()},
        headers=csrf_headers(web, client),
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_input"
    assert client.get(api(web, "/me")).json()["credential"] == lower
    assert event_count(web) == events + 1


def test_a_retried_cast_returns_the_same_receipt(web: WebElection) -> None:
    client = signed_in(web, AIGERIM)
    cred = credential("retry")
    register(web, client, cred)
    ballot, _, _ = encrypt(web, cred)
    first = cast(web, client, ballot)
    size = event_count(web)
    again = cast(web, client, ballot)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    assert event_count(web) == size
    assert send_notices(web) == 2  # one notice per channel, not two


def test_a_retry_after_a_revote_returns_the_first_receipt(web: WebElection) -> None:
    """The answer to a cast was lost and the voter voted again meanwhile (on another
    device); the first device then sends its ballot again: 200 with the receipt of its
    first answer, nothing appended, no notice, and the re-vote still counts."""
    client = signed_in(web, AIGERIM)
    cred = credential("retry-after-revote")
    register(web, client, cred)
    first_ballot, _, first_tracking = encrypt(web, cred, seed="first")
    revote, _, revote_tracking = encrypt(web, cred, OTHER_CHOICE, seed="revote")
    first = cast(web, client, first_ballot)
    assert first.status_code == 201
    assert cast(web, client, revote).status_code == 201
    size, sent = event_count(web), send_notices(web)
    again = cast(web, client, first_ballot)
    assert again.status_code == 200, again.json()
    assert again.json() == first.json()
    assert again.json()["receipt"]["tracking_hash"] == first_tracking
    assert event_count(web) == size
    assert sent == 4 and send_notices(web) == 0  # one per channel and cast, none for the retry
    assert board_rules(web).counted() == {cred.public: bytes.fromhex(revote_tracking)}


def test_a_cast_whose_bookkeeping_fails_is_refused_alone(
    web: WebElection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ballot of a batch whose activity row cannot be made is refused alone, with the
    error it gets when cast alone; the other voters' ballots of the batch are appended
    with their notices and activity rows."""
    from honestballot.errors import InvalidInput
    from honestballot.service.activity import activity_row

    desk, roll, eid = web.services.desk, web.services.roll, web.election_id
    found = [roll.voter_by_national_id(eid, n) for n in (AIGERIM, BORIS, CLARA)]
    people = [v for v in found if v is not None]
    creds = [credential(f"bookkeeping-{i}") for i in range(3)]
    items = [
        CredentialItem(v.voter_id, v.unit, c.public, None, None)
        for v, c in zip(people, creds, strict=True)
    ]
    assert desk.register_credential_batch(eid, items) == [None] * 3
    ctx = web.services.elections.context(eid)
    sel = {k: frozenset(v) for k, v in CHOICE.items()}
    ballots = [
        encrypt_ballot(ctx, c, sel, SeededRandomness(f"bookkeeping-{i}"))[0]
        for i, c in enumerate(creds)
    ]

    def row(election_id: str, **fields: Any) -> dict[str, Any]:
        if fields["voter"] == BORIS:
            raise InvalidInput("this activity row cannot be made")
        return activity_row(election_id, **fields)

    monkeypatch.setattr("honestballot.service.voters.voting.activity_row", row)
    client = Client("198.18.0.1", "d", "Firefox on Linux", "Mozilla/5.0", "en", "s")
    size, rows_before, notices_before = event_count(web), len(activity_rows(web)), notice_count(web)
    results = desk.cast_batch(
        eid, [(v.voter_id, b, client) for v, b in zip(people, ballots, strict=True)]
    )
    assert isinstance(results[1], InvalidInput), results
    assert isinstance(results[0], Receipt) and isinstance(results[2], Receipt), results
    assert event_count(web) == size + 2
    cast_rows = [r for r in activity_rows(web)[rows_before:] if r[0] == "ballot-cast"]
    assert sorted(r[1] for r in cast_rows) == sorted((AIGERIM, CLARA))
    assert notice_count(web) - notices_before == 3  # Aigerim's phone and e-mail, Clara's e-mail
    alone = desk.cast_batch(eid, [(people[1].voter_id, ballots[1], client)])
    assert isinstance(alone[0], InvalidInput) and str(alone[0]) == str(results[1])
    assert event_count(web) == size + 2


def test_a_ballot_signed_with_another_credential_is_rejected(web: WebElection) -> None:
    client = signed_in(web, AIGERIM)
    register(web, client, credential("mine"))
    size = event_count(web)
    ballot, _, _ = encrypt(web, credential("not-mine"))
    r = cast(web, client, ballot)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "ballot_rejected"
    assert event_count(web) == size
    assert send_notices(web) == 0


def test_a_session_of_one_voter_cannot_cast_for_another(web: WebElection) -> None:
    alice = signed_in(web, AIGERIM)
    bob = signed_in(web, BORIS)
    alice_cred, bob_cred = credential("alice"), credential("bob")
    assert register(web, alice, alice_cred).status_code == 201
    assert register(web, bob, bob_cred).status_code == 201
    size = event_count(web)
    bobs_ballot, _, _ = encrypt(web, bob_cred)
    r = cast(web, alice, bobs_ballot)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "ballot_rejected"
    assert event_count(web) == size
    # nor can Alice take over Bob's credential
    assert register(web, alice, bob_cred, replaces=alice_cred.public.hex()).status_code == 409


def test_malformed_invalid_oversized_and_anonymous_ballots(web: WebElection) -> None:
    client = signed_in(web, AIGERIM)
    cred = credential("checks")
    register(web, client, cred)
    size = event_count(web)

    malformed = cast(web, client, b'{"type": "ballot", "version": 1}')
    assert malformed.status_code == 400
    assert malformed.json()["error"]["code"] == "malformed_input"
    not_json = cast(web, client, b"\xff\xfe not json")
    assert not_json.status_code == 400
    assert not_json.json()["error"]["code"] == "malformed_input"

    ballot, _, _ = encrypt(web, cred)
    tampered = copy.deepcopy(ballot)
    proof = tampered["contests"][0]["option_proofs"][0]
    proof["c"][0], proof["c"][1] = proof["c"][1], proof["c"][0]
    invalid = cast(web, client, tampered)
    assert invalid.status_code == 422
    assert invalid.json()["error"]["code"] == "invalid_ballot"

    oversized = cast(web, client, b" " * (600 * 1024))
    assert oversized.status_code == 413
    assert oversized.json()["error"]["code"] == "too_large"

    anonymous = new_client(web)
    r = cast(web, anonymous, ballot)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "not_signed_in"
    assert event_count(web) == size


def test_replacing_the_credential_stops_the_old_ballot_counting(web: WebElection) -> None:
    client = signed_in(web, AIGERIM)
    old, new = credential("old"), credential("new")
    register(web, client, old)
    old_ballot, _, old_tracking = encrypt(web, old, seed="old")
    assert cast(web, client, old_ballot).status_code == 201
    assert board_rules(web).counted() == {old.public: bytes.fromhex(old_tracking)}

    without_naming = register(web, client, new)
    assert without_naming.status_code == 400
    assert without_naming.json()["error"]["code"] == "invalid_input"
    r = register(web, client, new, replaces=old.public.hex())
    assert r.status_code == 201
    assert client.get(api(web, "/me")).json()["credential"] == new.public.hex()
    with web.services.store.engine.connect() as conn:
        row = web.services.store.credential_row(conn, web.election_id, old.public.data)
    assert row is not None and row["revoked"]
    assert board_rules(web).counted() == {}
    assert list(web.services.store.counted_ballots(web.election_id)) == []

    # the old credential can no longer vote (another ballot made with it)
    again, _, _ = encrypt(web, old, seed="old-again")
    assert cast(web, client, again).status_code == 409

    new_ballot, _, new_tracking = encrypt(web, new, OTHER_CHOICE, seed="new")
    assert cast(web, client, new_ballot).status_code == 201
    assert board_rules(web).counted() == {new.public: bytes.fromhex(new_tracking)}


def test_a_credential_batch_is_checked_item_by_item_and_writes_its_voters_at_once(
    web: WebElection,
) -> None:
    """The credential queue's batch: each voter's row is checked in memory as the batch's
    earlier items left it, and all rows are read with one query and written with one
    statement (the election's lock is held for a fixed number of round trips)."""
    desk, roll, eid = web.services.desk, web.services.roll, web.election_id
    v = [roll.voter_by_national_id(eid, row[0]) for row in WEB_ROLL]
    assert all(x is not None for x in v)
    v1, v2, v3, v4, v5 = (x for x in v[:5] if x is not None)
    v6 = v[5]
    assert v6 is not None
    c = [credential(f"batch-{i}").public for i in range(9)]

    with statements_under_lock(web.services.store.engine) as locked:
        assert desk.register_credential_batch(
            eid, [CredentialItem(v5.voter_id, v5.unit, c[6], None, None)]
        ) == [None]
        locked.clear()  # the first batch of a process reads the roll's summary once more
        assert desk.register_credential_batch(
            eid, [CredentialItem(v6.voter_id, v6.unit, c[8], None, None)]
        ) == [None]
        one = len(locked[0])
        locked.clear()
        results = desk.register_credential_batch(
            eid,
            [
                CredentialItem(v1.voter_id, v1.unit, c[0], None, None),  # accepted
                CredentialItem(v1.voter_id, v1.unit, c[1], None, None),  # the row now holds c0
                CredentialItem(v1.voter_id, v1.unit, c[2], c[0], c[0].data),  # replaces c0
                CredentialItem(v2.voter_id, v2.unit, c[3], None, c[7].data),  # made against c7
                CredentialItem(v3.voter_id, v3.unit, c[0], None, None),  # c0 is taken
                CredentialItem(v4.voter_id, v4.unit, c[4], None, None),  # accepted
                CredentialItem(10**6, "station-1", c[5], None, None),  # no such voter
            ],
        )
        seven = len(locked[0])
    assert [r is None for r in results] == [True, False, True, False, False, True, False]
    assert all("changed meanwhile" in str(r) for r in (results[1], results[3], results[6]))
    # the revocation of c0 included: on PostgreSQL, one read and one write under the lock
    assert seven == one, locked
    if web.database_url.startswith("postgresql"):
        assert one == 2, locked
    held = {x.voter_id: (desk.voter(eid, x.voter_id).credential) for x in (v1, v2, v3, v4, v5)}
    assert held == {
        v1.voter_id: c[2].data,
        v2.voter_id: None,
        v3.voter_id: None,
        v4.voter_id: c[4].data,
        v5.voter_id: c[6].data,
    }
    store = web.services.store
    with store.engine.connect() as conn:
        rows = {i: store.credential_row(conn, eid, c[i].data) for i in range(7)}
    assert rows[0] is not None and rows[0]["revoked"]
    assert all((row := rows[i]) is not None and not row["revoked"] for i in (2, 4, 6))
    assert all(rows[i] is None for i in (1, 3, 5))


def test_a_credential_batch_whose_commit_answer_was_lost_answers_each_as_registered(
    web: WebElection,
) -> None:
    """The database committed a batch of registrations but its answer was lost: the
    queue tries each again alone, and each is answered as registered (the voter's row
    holds its credential), not refused as already registered; nothing is appended
    twice.  A registration that did not take effect is still refused."""
    from sqlalchemy.exc import OperationalError

    desk, roll, eid = web.services.desk, web.services.roll, web.election_id
    found = [roll.voter_by_national_id(eid, row[0]) for row in WEB_ROLL[:4]]
    people = [v for v in found if v is not None]
    creds = [credential(f"lost-answer-{i}").public for i in range(4)]
    items = [
        CredentialItem(v.voter_id, v.unit, c, None, None)
        for v, c in zip(people, creds, strict=True)
    ]
    given: list[Any] = []

    def append(election_id: str, batch: Any) -> Any:
        results = desk.register_credential_batch(election_id, batch)
        if len(batch) > 1 and not given:
            given.extend(results)
            raise OperationalError("COMMIT", {}, ConnectionError("server closed the connection"))
        return results

    taken = CredentialItem(people[3].voter_id, people[3].unit, creds[1], None, None)
    before = event_count(web)
    outcomes, sizes = one_batch(append, eid, items[0], [*items[1:3], taken])
    assert sizes == [1, 3, 1, 1, 1], sizes
    assert given[:2] == [None, None] and given[2] is not None, given
    assert outcomes[:3] == [None, None, None], outcomes
    assert isinstance(outcomes[3], Exception), outcomes  # Daniyar's named Boris's credential
    assert event_count(web) == before + 3
    assert [desk.voter(eid, v.voter_id).credential for v in people[:3]] == [
        c.data for c in creds[:3]
    ]
    assert desk.voter(eid, people[3].voter_id).credential is None


def test_a_cast_batch_holds_the_lock_for_one_read_and_one_write(web: WebElection) -> None:
    """The cast queue's batch with its cast notices and activity rows: the voters are read
    before the election's lock, and under it, on PostgreSQL, one read and one write
    whatever the batch's size; every accepted ballot gets its notices and activity row,
    a ballot with another voter's credential none."""
    desk, roll, eid = web.services.desk, web.services.roll, web.election_id
    rows = [roll.voter_by_national_id(eid, row[0]) for row in WEB_ROLL[:5]]
    voters_ = [v for v in rows if v is not None]
    creds = [credential(f"cast-batch-{i}") for i in range(5)]
    items = [
        CredentialItem(v.voter_id, v.unit, c.public, None, None)
        for v, c in zip(voters_, creds, strict=True)
    ]
    assert desk.register_credential_batch(eid, items) == [None] * 5
    ctx = web.services.elections.context(eid)
    sel = {k: frozenset(v) for k, v in CHOICE.items()}
    ballots = [
        encrypt_ballot(ctx, c, sel, SeededRandomness(f"cast-batch-{i}"))[0]
        for i, c in enumerate(creds)
    ]
    client = Client("198.18.0.1", "d", "Firefox on Linux", "Mozilla/5.0", "ru", "s")
    before = len(activity_rows(web))
    notices_before = notice_count(web)
    with statements_under_lock(web.services.store.engine) as locked:
        one = desk.cast_batch(eid, [(voters_[0].voter_id, ballots[0], client)])
        five = desk.cast_batch(
            eid,
            [(v.voter_id, b, client) for v, b in zip(voters_[1:], ballots[1:], strict=True)]
            + [(voters_[1].voter_id, ballots[2], client)],  # another voter's ballot
        )
    assert all(isinstance(r, Receipt) for r in one + five[:4]), (one, five)
    assert isinstance(five[4], BallotRejected)
    assert len(locked) == 2 and len(locked[0]) == len(locked[1]), locked
    if web.database_url.startswith("postgresql"):
        assert len(locked[0]) == 2, locked
    cast_rows = [r for r in activity_rows(web)[before:] if r[0] == "ballot-cast"]
    assert sorted(r[1] for r in cast_rows) == sorted(v.national_id for v in voters_)
    contacts = sum(bool(v.phone) + bool(v.email) for v in voters_)
    assert notice_count(web) - notices_before == contacts == 7


def notice_count(web: WebElection) -> int:
    with web.services.store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(notices)).scalar_one())


# -- audit -----------------------------------------------------------------------------------


def test_an_audit_returns_the_choices_and_the_ballot_can_never_be_cast(web: WebElection) -> None:
    client = signed_in(web, AIGERIM)
    cred = credential("auditor")
    register(web, client, cred)
    ballot, opening, tracking = encrypt(web, cred)
    r = client.post(
        api(web, "/audits"),
        json={"ballot": ballot, "opening": opening},
        headers=csrf_headers(web, client),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["choices"] == {k: sorted(v) for k, v in CHOICE.items()}
    ctx = web.services.elections.context(web.election_id)
    assert (
        body["tracking_code"]
        == encrypt_ballot(
            ctx, cred, {k: frozenset(v) for k, v in CHOICE.items()}, SeededRandomness("ballot")
        )[0].tracking_code()
    )

    size = event_count(web)
    r = cast(web, client, ballot)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "ballot_rejected"
    assert event_count(web) == size
    r = web.client.get(api(web, f"/ballots/{tracking}"))
    assert r.status_code == 404
    assert "audits go on the board when voting closes" in r.json()["error"]["message"]
    # a second device checks the audit at once: the held spoiled ballot gives the tracking
    # code the page showed, and its opening the choices; no place, no time, no credential
    held = web.client.get(api(web, f"/audits/{tracking}"))
    assert held.status_code == 200, held.text
    entry = held.json()
    assert entry["status"] == "held" and set(entry) == {
        "status", "tracking_code", "spoiled", "opening"
    }  # fmt: skip
    spoiled = spoiled_from_json(entry["spoiled"])
    assert spoiled.tracking_hash().hex() == tracking
    assert check_opening(ctx, spoiled, opening_from_json(entry["opening"])) == {
        k: frozenset(v) for k, v in CHOICE.items()
    }
    assert cred.public.hex() not in held.text
    assert web.client.get(api(web, f"/audits/{'0' * 64}")).status_code == 404
    assert web.client.get(api(web, "/audits/xyz")).status_code == 404
    web.services.elections.close(web.election_id)
    web.services.elections.publish_tree_head(web.election_id)
    proof = web.client.get(api(web, f"/ballots/{tracking}")).json()
    assert proof["kind"] == "audit"
    published = web.client.get(api(web, f"/audits/{tracking}")).json()
    assert published["status"] == "published" and published["seq"] == proof["seq"]
    assert published["spoiled"] == entry["spoiled"]


def test_a_wrong_opening_is_refused(web: WebElection) -> None:
    client = signed_in(web, AIGERIM)
    cred = credential("bad-opening")
    register(web, client, cred)
    ballot, _, _ = encrypt(web, cred, seed="one")
    _, other_opening, _ = encrypt(web, cred, seed="two")
    r = client.post(
        api(web, "/audits"),
        json={"ballot": ballot, "opening": other_opening},
        headers=csrf_headers(web, client),
    )
    assert r.status_code in (409, 422)
    assert not any(ev.kind == "audit" for ev in web.services.store.iter_events(web.election_id))


# -- the proof for the receipt page ----------------------------------------------------------


def test_the_inclusion_proof_verifies_in_python(web: WebElection) -> None:
    client = signed_in(web, AIGERIM)
    cred = credential("proof")
    register(web, client, cred)
    ballot, _, tracking = encrypt(web, cred)
    receipt = cast(web, client, ballot).json()["receipt"]

    r = new_client(web).get(api(web, f"/ballots/{tracking}"))  # public: no session
    assert r.status_code == 200
    proof = r.json()
    assert proof["seq"] == receipt["seq"]
    assert proof["kind"] == "ballot"
    assert proof["tracking_code"] == receipt["tracking_code"]
    line = proof["event_line"].encode()
    assert parse_json(line, limit=1 << 20)["body"]["ballot"] == ballot
    leaf = leaf_hash(line)
    assert leaf.hex() == proof["leaf_hash"]
    head = tree_head_from_json(proof["tree_head"], "tree head")
    assert head.head.size > proof["seq"]
    verify_inclusion(
        leaf,
        proof["seq"],
        head.head.size,
        [bytes.fromhex(p) for p in proof["inclusion_proof"]],
        head.head.root,
    )
    assert proof["board_key"] == web.context()["board_key"]
    head.verify(web.election_id, Point.decode(bytes.fromhex(proof["board_key"])))


def test_unknown_tracking_hashes_are_not_found(web: WebElection) -> None:
    for tracking in ("ab" * 32, "not-hex", "AB" * 32):
        r = web.client.get(api(web, f"/ballots/{tracking}"))
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "not_found"
