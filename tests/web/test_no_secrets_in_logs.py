"""No one-time code, session token, organiser token, credential secret or activation
letter reaches a log.  The election has re-voting protection (the module's, through
``voters_web``): the voter registers a credential with the letter and casts."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from honestballot.crypto.randomness import SeededRandomness
from tests.factories import WEB_ROLL, RevotingDevice, RevotingElection, WebElection
from tests.web.test_voter_api import CHOICE, api


def test_a_whole_voter_session_logs_no_secret(
    protected_web: RevotingElection, voters_web: WebElection, caplog: pytest.LogCaptureFixture
) -> None:
    web = voters_web
    caplog.set_level(logging.DEBUG)
    client = TestClient(web.client.app, base_url="http://testserver")
    nid = WEB_ROLL[0][0]
    token = web.csrf(client)
    headers = {"x-csrf-token": token}
    # a wrong code first, then the right one
    client.post(api(web, "/signin"), json={"national_id": nid}, headers=headers)
    code = web.code_for("77010000001")
    assert code is not None
    wrong = "000000" if code != "000000" else "111111"
    client.post(api(web, "/session"), json={"national_id": nid, "code": wrong}, headers=headers)
    r = client.post(api(web, "/session"), json={"national_id": nid, "code": code}, headers=headers)
    assert r.status_code == 200
    session = client.cookies.get("hb_session")
    assert session
    device = RevotingDevice(protected_web, client, nid, SeededRandomness("logs"))
    seed, registered = device.register()
    assert registered.status_code == 201, registered.text
    ballot, _, private = device.ballot(seed, CHOICE)
    assert device.cast(ballot, private).status_code == 201
    web.services.outbox.deliver_pending()
    # the organiser uses the API
    web.client.get(f"/api/organiser/e/{web.election_id}/status", headers=web.organiser_headers())
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    letter = protected_web.letters[nid]
    for secret in (
        code,
        session,
        web.organiser_token,
        seed.to_code(),
        seed.seed.hex(),
        letter.to_code(),
        letter.secret.hex(),
    ):
        assert secret not in logged
