"""Two server processes on one database share everything they need through it.

Each `asgi(config)` builds its own services (own engine, key caches, Merkle tree copy,
context caches), exactly as a second uvicorn worker would; only the database and the
sender's outbox are common.  The tests stand on the module's election with re-voting
protection (``voters_web``): a code sent by one process signs in on the other, the rate
limits count both, and a ballot cast on one is "recorded" on the other, then, once its
batch is posted, "included" there with an inclusion proof that verifies.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from honestballot.crypto.group import Point
from honestballot.crypto.merkle import leaf_hash, verify_inclusion
from honestballot.record.codec import canonical_bytes
from honestballot.record.events import tree_head_from_json
from honestballot.record.revoting import cast_row_from_json
from honestballot.service.runtime import ServerConfig
from honestballot.web.app import asgi
from tests.factories import WEB_ROLL, RevotingElection, WebElection
from tests.web.test_voter_api import CHOICE, api


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
    voters_web: WebElection, protected_web: RevotingElection, second_of_voters: TestClient
) -> None:
    web, second = voters_web, second_of_voters
    device = protected_web.device(WEB_ROLL[2][0], "shared state")  # on the first process
    seed, answer = device.register()
    assert answer.status_code == 201, answer.text
    ballot, _, private = device.ballot(seed, CHOICE)
    answer = device.cast(ballot, private)
    assert answer.status_code == 201, answer.text
    tracking = answer.json()["tracking_hash"]
    receipt = api(web, f"/revoting/ballots/{tracking}")
    assert second.get(receipt).json()["status"] == "recorded"  # the queue, committed
    seqs = protected_web.post_batch()  # by the first process
    r = second.get(receipt)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "included" and r.json()["seq"] in seqs
    r = second.get(api(web, f"/ballots/{tracking}"))
    assert r.status_code == 200, r.text
    proof = r.json()
    assert proof["seq"] == second.get(receipt).json()["seq"]
    head = tree_head_from_json(proof["tree_head"], "tree head")
    head.verify(web.election_id, Point.decode(bytes.fromhex(proof["board_key"])))
    verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        proof["seq"],
        head.head.size,
        [bytes.fromhex(p) for p in proof["inclusion_proof"]],
        head.head.root,
    )
    # the leaf proved is the record's line at that place, and that line is the cast row
    # of this very ballot
    lines = {
        json.loads(line)["seq"]: line
        for line in web.services.elections.record_lines(web.election_id, fresh=False)
        if json.loads(line).get("type") == "event"
    }
    line = lines[proof["seq"]]
    assert leaf_hash(canonical_bytes(json.loads(line))).hex() == proof["leaf_hash"]
    row = cast_row_from_json(json.loads(line)["body"]["row"])
    assert row.ballot.tracking_hash(protected_web.ctx.public_key).hex() == tracking
    board = second.get(api(web, "/board"), params={"q": tracking[:16]}).json()["entries"]
    assert [e["tracking_hash"] for e in board] == [tracking]
