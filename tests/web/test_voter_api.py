"""The voter's JSON API (honestballot/web/voter_api.py) on SQLite and PostgreSQL: the
sign-in, the session and the context, on the module's election with re-voting protection
(``voters_web``, ``protected_setup``), reading its shared activity log from where they
found it.  Registration, casting and audits: tests/web/test_revoting_api.py.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from honestballot.crypto.group import Point
from honestballot.crypto.randomness import SeededRandomness
from honestballot.errors import DeliveryFailed
from honestballot.protocol.election import base_hash, manifest_hash
from honestballot.protocol.witnesses import board_keys_hash
from honestballot.record.codec import Reader, parse_json
from honestballot.record.manifest import manifest_to_json
from honestballot.record.witness import board_keys_from_setup
from honestballot.service.messages.senders import Message
from honestballot.service.voters import signin_pacing
from honestballot.store.schema import activity
from tests.factories import (
    WEB_ROLL,
    RevotingDevice,
    RevotingElection,
    WebElection,
    voter_writes,
)

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







def activity_rows(web: WebElection) -> list[tuple[str, str, str | None, str | None]]:
    q = (
        select(activity.c.event, activity.c.voter, activity.c.contact, activity.c.session)
        .where(activity.c.election_id == web.election_id)
        .order_by(activity.c.activity_id)
    )
    with web.services.store.engine.connect() as conn:
        return [(r[0], r[1], r[2], r[3]) for r in conn.execute(q)]



# -- sign-in ---------------------------------------------------------------------------------



def test_sign_in_gives_a_session_and_logs_the_activity(voters_web: WebElection) -> None:
    web = voters_web
    client = new_client(web, **{"user-agent": ANDROID_CHROME})
    before = int(time.time() * 1000)
    logged = len(activity_rows(web))
    body = web.sign_in(client, AIGERIM)
    # the unit only: nothing of a credential, which the service ties to no voter
    assert body["voter"] == {"unit": "station-1"}
    assert body["expires_ms"] > before
    assert client.cookies.get("hb_session")
    me = client.get(api(web, "/me"))
    assert me.status_code == 200
    assert me.json() == {"unit": "station-1", "name": "Aigerim Test"}
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
















# -- audit -----------------------------------------------------------------------------------




# -- the proof for the receipt page ----------------------------------------------------------



