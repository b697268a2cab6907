"""Two server processes on one database share everything they need through it.

Each `asgi(config)` builds its own services (own engine, key caches, Merkle tree copy,
context caches), exactly as a second uvicorn worker would; only the database and the
sender's outbox are common.  The sign-in's tests stand on the module's election with
re-voting protection (``voters_web``); the ballot of version 1 is still to be converted
(docs/coercion.md §14 item 8.1).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from honestballot.crypto.group import Point
from honestballot.crypto.merkle import verify_inclusion
from honestballot.record.events import tree_head_from_json
from honestballot.service.runtime import ServerConfig
from honestballot.web.app import asgi
from tests.factories import WEB_ROLL, WebElection
from tests.web.test_voter_api import CHOICE, api, cast, credential, encrypt, register


@contextmanager
def second_process(web: WebElection) -> Iterator[TestClient]:
    """Another 'process' serving the same database and outbox."""
    config = ServerConfig(
        database_url=web.database_url,
        sender=f"file:{web.outbox}",
        snapshot_dir=web.outbox.parent / "snapshots-b",
        background=False,
        tree_head_interval_s=0.0,
    )
    with TestClient(asgi(config), base_url="http://testserver") as client:
        yield client


@pytest.fixture
def second(web: WebElection) -> Iterator[TestClient]:
    with second_process(web) as client:
        yield client


@pytest.fixture
def second_of_voters(voters_web: WebElection) -> Iterator[TestClient]:
    with second_process(voters_web) as client:
        yield client


def test_a_code_sent_by_one_process_signs_in_on_another(
    voters_web: WebElection, second_of_voters: TestClient
) -> None:
    web, second = voters_web, second_of_voters
    nid = WEB_ROLL[0][0]
    a = TestClient(web.client.app, base_url="http://testserver")
    token = web.csrf(a)
    r = a.post(api(web, "/signin"), json={"national_id": nid}, headers={"x-csrf-token": token})
    assert r.status_code == 202
    code = web.code_for("77010000001")
    assert code is not None
    # the same browser (cookies) now talks to the other process
    second.cookies.update(a.cookies)
    r = second.post(
        api(web, "/session"),
        json={"national_id": nid, "code": code},
        headers={"x-csrf-token": token},
    )
    assert r.status_code == 200, r.text
    a.cookies.update(second.cookies)
    assert a.get(api(web, "/me")).status_code == 200  # the session works on both


def test_rate_limits_count_requests_to_every_process(
    voters_web: WebElection, second_of_voters: TestClient
) -> None:
    web, second = voters_web, second_of_voters
    nid = WEB_ROLL[1][0]
    statuses = []
    for client in (web.client, second, web.client, second):
        token = web.csrf(client)
        r = client.post(
            api(web, "/signin"), json={"national_id": nid}, headers={"x-csrf-token": token}
        )
        statuses.append(r.status_code)
    assert statuses == [202, 202, 202, 429]  # three codes per contact per 15 minutes


def test_a_ballot_cast_on_one_process_is_proved_by_the_other(
    web: WebElection, second: TestClient
) -> None:
    client = TestClient(web.client.app, base_url="http://testserver")
    web.sign_in(client, WEB_ROLL[0][0])
    cred = credential("shared")
    assert register(web, client, cred).status_code == 201
    ballot, _, tracking = encrypt(web, cred, CHOICE)
    assert cast(web, client, ballot).status_code == 201
    r = second.get(api(web, f"/ballots/{tracking}"))
    assert r.status_code == 200, r.text
    proof = r.json()
    head = tree_head_from_json(proof["tree_head"], "tree head")
    head.verify(web.election_id, Point.decode(bytes.fromhex(proof["board_key"])))
    verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        proof["seq"],
        head.head.size,
        [bytes.fromhex(p) for p in proof["inclusion_proof"]],
        head.head.root,
    )
    board = second.get(api(web, "/board"), params={"q": tracking[:16]}).json()["entries"]
    assert [e["tracking_hash"] for e in board] == [tracking]
