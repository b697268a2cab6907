"""No one-time code, session token, organiser token or credential secret reaches a log."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from tests.factories import WEB_ROLL, WebElection
from tests.web.test_voter_api import CHOICE, api, cast, credential, encrypt, register


def test_a_whole_voter_session_logs_no_secret(
    web: WebElection, caplog: pytest.LogCaptureFixture
) -> None:
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
    cred = credential("logs")
    register(web, client, cred)
    ballot, _, _ = encrypt(web, cred, CHOICE)
    assert cast(web, client, ballot).status_code == 201
    web.services.outbox.deliver_pending()
    # the organiser uses the API
    web.client.get(f"/api/organiser/e/{web.election_id}/status", headers=web.organiser_headers())
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    for secret in (code, session, web.organiser_token, cred.to_code(), cred.secret.hex()):
        assert secret not in logged
