"""A commission's receipt of its paper upload and its check of its station, through
inclusion proofs under witnessed tree heads (``GET /api/e/ID/events/SEQ/proof``), on
SQLite and PostgreSQL: ``commission paper --post`` waits for the witnesses to co-sign a
head that reaches its upload and writes the receipt, ``check-receipt`` proves the upload
still on the board; a board that answers with another event, a head the quorum did not
co-sign or a proof that does not lead to the root is refused, saying which;
``check-station`` refuses a station whose key is not the commission's."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from honestballot.cli import board_proof
from honestballot.cli import commission as cli_commission
from honestballot.cli.main import cli
from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.errors import ProtocolError
from honestballot.protocol.witnesses import Witness, cosign
from honestballot.record.events import log_id
from honestballot.record.witness import Cosignature
from tests.factories import REVOTING_ELECTION, DemoCeremonies, RevotingElection, WebElection
from tests.paper_helpers import make_upload, paper_election, paper_events, run_cli

SECRETS = [random_nonzero_scalar(SeededRandomness(f"paper witness {i}")) for i in range(2)]
WITNESSES = [Witness(f"Witness {i}", base_mul(s)) for i, s in enumerate(SECRETS)]
SERVER = "http://board.test"

#: rewrites the board's answer to one request (path, answer) -> answer
Tamper = Callable[[str, dict[str, Any]], dict[str, Any]]


@pytest.fixture
def election(web: WebElection, demo_ceremony: DemoCeremonies, tmp_path: Path) -> RevotingElection:
    return paper_election(
        web, demo_ceremony(REVOTING_ELECTION), tmp_path, seed="receipts", witnesses=WITNESSES
    )


def cosign_latest(election: RevotingElection) -> None:
    """Both witnesses co-sign the board's latest head (as ``witness run`` does)."""
    elections = election.web.services.elections
    head = elections.publish_tree_head(election.id).head
    rng = SeededRandomness(f"cosign {head.size}")
    for secret in SECRETS:
        signature = cosign(
            election.ctx.base_hash, head, log_id(election.id), head.timestamp_ms, secret,
            base_mul(secret), rng,
        )  # fmt: skip
        cosig = Cosignature(head, base_mul(secret), head.timestamp_ms, signature)
        elections.add_cosignature(election.id, cosig.to_json())


class Board:
    """The app behind ``SERVER``: a pending proof makes the witnesses co-sign (their next
    poll); ``tamper`` rewrites the answers to proof requests."""

    def __init__(self, election: RevotingElection) -> None:
        self.election = election
        self.pending = 0
        self.tamper: Tamper | None = None

    def __call__(self, url: str, body: bytes | None, *, timeout: float = 60) -> bytes:
        client = self.election.web.client
        path = url.removeprefix(SERVER)
        headers = {"content-type": "application/json"}
        answer = (
            client.get(path) if body is None else client.post(path, content=body, headers=headers)
        )
        if answer.status_code == 202:
            self.pending += 1
            cosign_latest(self.election)
        elif answer.status_code not in (200, 201):
            raise ProtocolError(answer.json()["error"]["message"])
        if self.tamper is not None and "/proof" in path and answer.status_code == 200:
            return json.dumps(self.tamper(path, answer.json())).encode()
        return answer.content


@pytest.fixture
def board(election: RevotingElection, monkeypatch: pytest.MonkeyPatch) -> Board:
    made = Board(election)
    monkeypatch.setattr(cli_commission, "urllib_fetch", made)
    monkeypatch.setattr(board_proof, "_sleep", lambda seconds: None)
    return made


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def test_the_event_routes_answer_pending_included_and_refuse_what_is_not(
    election: RevotingElection,
) -> None:
    client = election.web.client
    base = f"/api/e/{election.id}"
    stations = client.get(f"{base}/events?kind=station&unit=station-1").json()["events"]
    (seq,) = [e["seq"] for e in stations]
    # no head co-signed by the quorum yet: pending, without the line
    pending = client.get(f"{base}/events/{seq}/proof")
    assert pending.status_code == 202 and pending.json()["status"] == "pending"
    assert "event_line" not in pending.json()
    cosign_latest(election)
    included = client.get(f"{base}/events/{seq}/proof").json()
    assert included["status"] == "included" and included["kind"] == "station"
    assert json.loads(included["event_line"])["body"]["unit"] == "station-1"
    assert len(included["cosignatures"]) == 2
    # what is not: another kind, a unit of an event without one, no such position
    other = client.get(f"{base}/events?kind=ballot", headers={"accept-language": "ru"})
    assert other.status_code == 400 and "setup, roll, station" in other.json()["error"]["message"]
    assert client.get(f"{base}/events?kind=open&unit=station-1").status_code == 400
    missing = client.get(f"{base}/events/99999/proof")
    assert missing.status_code == 404 and "99999" in missing.json()["error"]["message"]
    assert client.get(f"{base}/events/x1/proof").status_code == 400


def test_a_commission_keeps_a_receipt_and_a_board_that_lies_is_refused(
    election: RevotingElection, board: Board, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paper_path = tmp_path / "upload.json"
    make_upload(election, tmp_path, "1\n")  # the paper roll, voted.txt and protocol.json
    paper_path.unlink()
    (tmp_path / "opening.json").unlink()
    posted = run_cli(
        "commission", "paper", "--key", str(tmp_path / "station-1.key"), "--unit", "station-1",
        "--roll", str(tmp_path / "roll.csv"), "--voted", str(tmp_path / "voted.txt"),
        "--protocol", str(tmp_path / "protocol.json"), "--server", SERVER,
        "--election", election.id, "--out", str(paper_path),
        "--opening", str(tmp_path / "opening.json"), "--post",
    )  # fmt: skip
    assert paper_events(election) == 1
    assert board.pending >= 2  # the setup, then the upload, waited for the witnesses
    receipt_path = tmp_path / "upload.receipt.json"
    assert f"wrote {receipt_path}" in posted.output
    assert "co-signed by 2 of its witnesses (Witness 0, Witness 1)" in posted.output
    receipt = json.loads(receipt_path.read_text())
    sent = json.loads(paper_path.read_text())
    assert json.loads(receipt["event_line"])["body"] == sent
    assert {c["witness"] for c in receipt["cosignatures"]} == {w.key.hex() for w in WITNESSES}

    check = ("commission", "check-receipt", "--server", SERVER, "--election", election.id,
             "--receipt", str(receipt_path))  # fmt: skip
    held = run_cli(*check).output
    assert f"the board still holds upload 1 of unit 'station-1' as event {receipt['seq']}" in held
    assert "it is the unit's last upload: the one that counts" in held

    def refused(tamper: Tamper, message: str) -> None:
        board.tamper = tamper
        result = invoke(*check)
        board.tamper = None
        assert result.exit_code != 0
        assert message in str(result.exception), str(result.exception)

    seq = receipt["seq"]
    before = election.web.client.get(f"/api/e/{election.id}/events/{seq - 1}/proof").json()

    def another_event(path: str, answer: dict[str, Any]) -> dict[str, Any]:
        # the board shows the event before at the upload's place, with that event's proof
        return {**before, "seq": seq} if path.endswith(f"/{seq}/proof") else answer

    refused(another_event, f"the board answered with event {seq - 1}")

    def one_witness(path: str, answer: dict[str, Any]) -> dict[str, Any]:
        return {**answer, "cosignatures": answer["cosignatures"][:1]}

    refused(one_witness, "co-signed by 1 of the witnesses, the setup asks for 2")

    def wrong_proof(path: str, answer: dict[str, Any]) -> dict[str, Any]:
        if not path.endswith(f"/{seq}/proof"):
            return answer
        proof = list(answer["inclusion_proof"])
        proof[0] = "00" * 32
        return {**answer, "inclusion_proof": proof}

    refused(wrong_proof, f"the inclusion proof of event {seq} of the board does not lead")

    # a board that names another event as the upload's place: no receipt is written
    def lying_post(url: str, body: bytes | None, *, timeout: float = 60) -> bytes:
        answer = board(url, body)
        if body is None:
            return answer
        return json.dumps({**json.loads(answer), "seq": seq - 1}).encode()

    make_upload(election, tmp_path, "1\n")  # a correction, numbered 2
    monkeypatch.setattr(cli_commission, "urllib_fetch", lying_post)
    second = tmp_path / "upload.receipt.2.json"
    lied = invoke("commission", "upload", "--server", SERVER, "--election", election.id,
                  "--receipt", str(second), str(paper_path))  # fmt: skip
    assert f"the board's event {seq - 1} (" in str(lied.exception)
    assert "is not the upload sent" in str(lied.exception)
    assert paper_events(election) == 2  # the board took it all the same
    assert not second.exists()
    # its receipt, found on the board afterwards; the first one's check names the correction,
    # under a head that extends the receipt's (a consistency proof)
    monkeypatch.setattr(cli_commission, "urllib_fetch", board)
    found = run_cli("commission", "receipt", "--server", SERVER, "--election", election.id,
                    "--receipt", str(tmp_path / "second.json"), str(paper_path))  # fmt: skip
    assert "the receipt of upload 2 of unit 'station-1'" in found.output
    assert "a later upload of the unit (event" in run_cli(*check).output


def test_check_station_refuses_a_key_that_is_not_the_commissions(
    election: RevotingElection, board: Board, tmp_path: Path
) -> None:
    station = ("commission", "check-station", "--server", SERVER, "--election", election.id,
               "--unit", "station-1")  # fmt: skip
    # no head co-signed yet, and no time to wait: said, nothing taken on the board's word
    hurried = invoke(*station, "--key", str(tmp_path / "station-1.json"), "--wait", "0")
    assert "no witnessed tree head reaches event 0 of the board after 0 s" in str(hurried.exception)
    own = run_cli(*station, "--key", str(tmp_path / "station-1.json"), "--paper").output
    assert "before the election opened (event" in own
    assert "this commission's key" in own and "paper voting" in own
    # a key of the same unit the board's station does not carry (another keygen)
    manifest = str(tmp_path / "manifest.json")
    other_key, other_public = str(tmp_path / "other.key"), str(tmp_path / "other.json")
    run_cli("commission", "keygen", "--manifest", manifest, "--unit", "station-1",
            "--out", other_key, "--public", other_public)  # fmt: skip
    other = invoke(*station, "--key", other_public)
    assert "not this commission's" in str(other.exception)
    # the paper flag the commission expects
    wrong = invoke(*station, "--key", str(tmp_path / "station-1.json"), "--no-paper")
    assert "has paper voting" in str(wrong.exception)
