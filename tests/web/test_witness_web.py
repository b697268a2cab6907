"""Witnesses over HTTP: ``honestballot witness run`` against the public API, the board
publishing co-signatures and giving inclusion proofs only against witnessed heads, and
``honestballot log compare`` catching two views of the board.  Each test has an app of its
own with the witnessed election, with re-voting protection (factories.protected_election),
once on SQLite and once on PostgreSQL; its board grows by the voters' batches."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from honestballot.cli.main import _register, cli
from honestballot.cli.witness import HttpBoardSource, HttpError, run_witness
from honestballot.crypto.group import base_mul
from honestballot.crypto.merkle import TreeHead
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.errors import ProtocolError
from honestballot.protocol.witnesses import CLOCK_SKEW_MS, RECEIPT_SKEW_MS, cosign
from honestballot.protocol.witnesses import Witness as NamedWitness
from honestballot.record.events import log_id, sign_tree_head, tree_head_from_json
from honestballot.record.witness import Cosignature
from honestballot.service.witness import Witness
from honestballot.verify.verifier import verify_record
from tests.databases import KINDS, fresh_database
from tests.factories import (
    CHOICE,
    SMALL_SCHEDULE,
    WEB_ROLL,
    DemoCeremonies,
    RevotingElection,
    WebElection,
    board_secret_of,
    open_revoting_election,
    protected_election,
)

WITNESSED = "web-witnessed"
SECRETS = [random_nonzero_scalar(SeededRandomness(f"web witness {i}")) for i in range(2)]


def _fetch(web: WebElection) -> Any:
    def fetch(url: str, body: bytes | None) -> bytes:
        path = url.removeprefix("http://testserver")
        if body is None:
            r = web.client.get(path)
        else:
            r = web.client.post(path, content=body, headers={"content-type": "application/json"})
        if r.status_code >= 400:
            raise HttpError(f"{url}: HTTP {r.status_code}: {r.text}", r.status_code)
        return r.content

    return fetch


def _key_file(tmp_path: Path, i: int) -> str:
    path = tmp_path / f"witness-{i}.key"
    path.write_text(
        json.dumps(
            {
                "type": "honestballot-witness-key",
                "secret": SECRETS[i].hex(),
                "public_key": base_mul(SECRETS[i]).hex(),
            }
        )
    )
    return str(path)


@pytest.fixture(params=KINDS)
def witnessed(
    request: pytest.FixtureRequest, demo_ceremony: DemoCeremonies, tmp_path: Path
) -> Iterator[RevotingElection]:
    """The election ``WITNESSED`` with re-voting protection, open, whose two witnesses
    (a quorum of 2) have not polled yet, on an app of its own."""
    witnesses = [
        NamedWitness("Observers' union", base_mul(SECRETS[0])),
        NamedWitness("Team B", base_mul(SECRETS[1])),
    ]
    with (
        fresh_database(request.param, tmp_path / "db") as url,
        protected_election(
            demo_ceremony(WITNESSED), tmp_path, "web witnessed", url=url,
            schedule=SMALL_SCHEDULE, witnesses=witnesses, quorum=2,
        ) as election,
    ):  # fmt: skip
        yield election


def _fingerprint(election: RevotingElection) -> str:
    return election.ctx.base_hash.hex()[:16]


def _cast(election: RevotingElection, seed: str) -> str:
    """A voter registers and casts a ballot (waiting for its batch): its tracking hash."""
    device = election.device(WEB_ROLL[0][0], seed)
    credential, registered = device.register()
    assert registered.status_code == 201, registered.text
    ballot, _, private = device.ballot(credential, CHOICE)
    r = device.cast(ballot, private)
    assert r.status_code == 201, r.text
    tracking: str = r.json()["tracking_hash"]
    return tracking


def _poll(web: WebElection, tmp_path: Path, fingerprint: str, i: int) -> int:
    return run_witness(
        "http://testserver",
        WITNESSED,
        fingerprint,
        _key_file(tmp_path, i),
        str(tmp_path / f"witness-{i}.state"),
        interval=0,
        once=True,
        fetch=_fetch(web),
    )


def test_witnesses_over_http_and_a_receipt_waits_for_their_quorum(
    witnessed: RevotingElection, tmp_path: Path
) -> None:
    web, services = witnessed.web, witnessed.web.services
    base_hash = witnessed.ctx.base_hash.hex()
    for i in (0, 1):
        assert _poll(web, tmp_path, base_hash[:16], i) == 0

    tracking = _cast(witnessed, "witnessed voter")
    witnessed.post_batch()
    seq = web.client.get(f"/api/e/{WITNESSED}/revoting/ballots/{tracking}").json()["seq"]
    pending = web.client.get(f"/api/e/{WITNESSED}/ballots/{tracking}")
    assert pending.status_code == 202 and pending.json()["status"] == "pending"
    services.elections.publish_tree_head(WITNESSED)
    assert _poll(web, tmp_path, base_hash[:16], 0) == 0
    assert web.client.get(f"/api/e/{WITNESSED}/ballots/{tracking}").status_code == 202
    assert _poll(web, tmp_path, base_hash[:16], 1) == 0
    included = web.client.get(f"/api/e/{WITNESSED}/ballots/{tracking}")
    assert included.status_code == 200, included.text
    proof = included.json()
    assert proof["tree_head"]["size"] > seq and proof["seq"] == seq
    assert {c["witness"] for c in proof["cosignatures"]} == {base_mul(s).hex() for s in SECRETS}
    listing = web.client.get(f"/api/e/{WITNESSED}/tree-heads").json()
    assert listing["witness_quorum"] == 2 and len(listing["witnesses"]) == 2
    assert len(listing["cosignatures"]) == 4
    latest = web.client.get(f"/api/e/{WITNESSED}/tree-heads/witnessed").json()
    assert latest["tree_head"] == proof["tree_head"]

    # the record an observer downloads verifies, pinned to the fingerprint
    record = tmp_path / "record.jsonl"
    record.write_bytes(web.client.get(f"/e/{WITNESSED}/record.jsonl").content)
    _register()
    ok = CliRunner().invoke(cli, ["verify", str(record), "--fingerprint", base_hash[:16],
                                  "--workers", "1"])  # fmt: skip
    assert ok.exit_code == 0, ok.output
    said = " ".join(ok.output.split())  # the report wraps long lines
    assert "PASS setup.fingerprint" in said and "co-signed by 2 of 2 witnesses" in said
    wrong = "f" * 16 if not base_hash.startswith("f" * 16) else "0" * 16
    bad = CliRunner().invoke(cli, ["verify", str(record), "--fingerprint", wrong,
                                   "--workers", "1"])  # fmt: skip
    assert bad.exit_code == 1 and "FAIL setup.fingerprint" in bad.output


def test_a_witness_with_the_wrong_fingerprint_signs_nothing(
    witnessed: RevotingElection, tmp_path: Path
) -> None:
    web = witnessed.web
    wrong = "0" * 16 if _fingerprint(witnessed) != "0" * 16 else "1" * 16
    with pytest.raises(ProtocolError, match=r"setup\.fingerprint"):
        _poll(web, tmp_path, wrong, 0)
    assert web.services.elections.cosignatures(WITNESSED) == []
    assert not (tmp_path / "witness-0.state").exists()


def test_log_compare_finds_two_views_of_the_board(
    witnessed: RevotingElection, tmp_path: Path
) -> None:
    web = witnessed.web
    one = web.client.get(f"/api/e/{WITNESSED}/tree-heads").json()
    (tmp_path / "mine.json").write_text(json.dumps(one))
    _register()
    mine = str(tmp_path / "mine.json")
    same = CliRunner().invoke(cli, ["log", "compare", "--election", WITNESSED, mine, mine])
    assert same.exit_code == 0, same.output
    assert "no split view" in same.output

    # what a dishonest server shows another observer: the same size, another root,
    # signed with the board key
    head = one["tree_heads"][-1]
    secret = board_secret_of(web.database_url, WITNESSED)
    other = sign_tree_head(
        TreeHead(head["size"], bytes(32), head["timestamp_ms"]),
        WITNESSED,
        secret,
        base_mul(secret),
        SeededRandomness("forger"),
    )
    theirs = {**one, "tree_heads": [other.to_json()]}
    (tmp_path / "theirs.json").write_text(json.dumps(theirs))
    forged_unsigned = {**one, "tree_heads": [{**head, "root": "11" * 32}]}
    (tmp_path / "junk.json").write_text(json.dumps(forged_unsigned))
    found = CliRunner().invoke(
        cli,
        ["log", "compare", "--election", WITNESSED, str(tmp_path / "mine.json"),
         str(tmp_path / "theirs.json"), str(tmp_path / "junk.json")],
    )  # fmt: skip
    assert found.exit_code == 3, found.output
    assert f"SPLIT VIEW at size {head['size']}" in found.output
    assert found.output.count("SPLIT VIEW") == 1  # the unsigned head is not evidence
    assert "not counted" in found.output


def test_the_tree_heads_page_names_the_witnesses_and_the_witnessed_head(
    witnessed: RevotingElection, demo_ceremony: DemoCeremonies, tmp_path: Path
) -> None:
    web = witnessed.web
    base_hash = witnessed.ctx.base_hash.hex()
    page = web.client.get(f"/e/{WITNESSED}/tree-heads?lang=en").text
    assert "Observers&#39; union" in page and "Team B" in page
    assert "co-signed by 2 of the 2 witnesses" in page
    assert "needs at least 2 of them to lie" in page
    assert "have not co-signed any tree head yet" in page
    for i in (0, 1):
        _poll(web, tmp_path, base_hash[:16], i)
    page = web.client.get(f"/e/{WITNESSED}/tree-heads?lang=kk").text
    assert "Куәгерлер қол қойған соңғы төбе" in page
    found = re.search(r'<script type="application/json" data-witnessed-json>(.*?)</script>', page)
    assert found is not None
    shown = json.loads(found.group(1))
    head = web.services.elections.witnessed_head(WITNESSED)
    assert head is not None
    assert shown["tree_head"] == head.head.to_json()
    assert len(shown["cosignatures"]) == 2
    # an election without witnesses says that only the server's key vouches for it
    other = open_revoting_election(
        web, demo_ceremony("web-plain"), SeededRandomness("plain"), schedule=SMALL_SCHEDULE
    )
    plain = web.client.get(f"/e/{other.id}/tree-heads?lang=en").text
    assert "names no witnesses" in plain


def test_a_witness_clock_out_of_step_or_a_lie_cannot_fail_the_record(
    witnessed: RevotingElection, tmp_path: Path
) -> None:
    """The board refuses, through the witnesses' own endpoint, a co-signature whose time
    is far from its clock: a dishonest witness's (time 0), an honest one's whose clock runs
    ten minutes fast (whose co-signature would make every ballot after it back-dated).
    Neither is stored, the fast witness says so, and the record verifies."""
    web, services = witnessed.web, witnessed.web.services
    base_hash = witnessed.ctx.base_hash.hex()
    rng = SeededRandomness("a lie")
    clock = services.elections.clock
    source = HttpBoardSource("http://testserver", WITNESSED, _fetch(web))

    def witness(i: int, ahead_ms: int) -> Witness:
        return Witness(WITNESSED, base_hash[:16], SECRETS[i], tmp_path / f"w{i}.state", source,
                       SeededRandomness(f"w{i}"), lambda: clock() + ahead_ms)  # fmt: skip

    fast = witness(0, 12 * 60_000)
    said = fast.step()  # first contact: the head is not in its future, so it co-signs
    assert said.startswith("NOT ACCEPTED by the board"), said
    fast_state = fast.load()
    assert fast_state is not None
    refused = fast_state.cosignature
    assert "ahead of the board's clock" in said and "against NTP" in said
    assert services.elections.cosignatures(WITNESSED) == []
    # a lie: a valid co-signature of the latest head, "seen" at time 0
    head = tree_head_from_json(source.latest_head(), "head").head
    signed = cosign(services.elections.context(WITNESSED).base_hash, head, log_id(WITNESSED),
                    0, SECRETS[1], base_mul(SECRETS[1]), rng)  # fmt: skip
    lie = Cosignature(head, base_mul(SECRETS[1]), 0, signed).to_json()
    r = web.client.post(f"/api/e/{WITNESSED}/cosignatures", content=json.dumps(lie),
                        headers={"content-type": "application/json"})  # fmt: skip
    assert r.status_code == 409 and "behind the board's clock" in r.text, r.text
    assert services.elections.cosignatures(WITNESSED) == []

    # six minutes later (for the board) a ballot goes on it: the batches due before go out
    # empty, the ballot is cast and posted in the batch due at about +6 min; the fast
    # witness's clock is now right, the other's runs ahead, but within the board's
    # allowance: both accepted
    later = 6 * 60_000
    now = clock()
    open_ms = services.batches.open_ms(WITNESSED)
    schedule = witnessed.ctx.schedule
    assert open_ms is not None and schedule is not None
    batches = schedule.due_by(open_ms, now + later)  # the last one is due at about +6 min
    services.elections.clock = lambda: schedule.due_ms(open_ms, batches - 2)
    assert services.batches.post_due(WITNESSED) == batches - 1
    witnessed.batch_times = batches - 1
    tracking = _cast(witnessed, "witnessed voter")
    witnessed.post_batch()
    services.elections.clock = lambda: clock() + later
    services.elections.publish_tree_head(WITNESSED)
    for i, ahead in ((0, later), (1, later + RECEIPT_SKEW_MS - 5_000)):
        assert witness(i, ahead).step().startswith("co-signed")
    lines = list(services.elections.record_lines(WITNESSED))
    seq = web.client.get(f"/api/e/{WITNESSED}/revoting/ballots/{tracking}").json()["seq"]
    [cast] = [e for e in map(json.loads, lines) if e.get("seq") == seq and "kind" in e]
    assert cast["kind"] == "cast-row"
    assert now + later - schedule.interval * 1000 < cast["time_ms"] <= now + later
    # stored, the fast witness's co-signature would have made this ballot back-dated
    assert cast["time_ms"] < refused.witnessed_ms - CLOCK_SKEW_MS
    assert cast["seq"] >= refused.head.size
    stored = services.elections.cosignatures(WITNESSED)
    assert len(stored) == 2 and all(c.witnessed_ms != 0 for c in stored)
    report = verify_record(lines, workers=1)
    assert report.passed, [(c.name, c.detail) for c in report.failures]
