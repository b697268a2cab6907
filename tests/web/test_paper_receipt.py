"""A commission's receipt of its paper upload and its check of its station, through
inclusion proofs under witnessed tree heads (``GET /api/e/ID/events/SEQ/proof``), on
SQLite and PostgreSQL: ``commission paper --post`` waits for the witnesses to co-sign a
head that reaches its upload and writes the receipt, ``check-receipt`` proves the upload
still on the board; a board that answers with another event, a head the quorum did not
co-sign or a proof that does not lead to the root is refused, saying which;
``check-station`` refuses a station whose key is not the commission's, reading the
board's events up to ``open`` itself (a station the service leaves out of its lists is
found all the same); every command refuses a board whose setup is not of the pinned
fingerprint, before anything is sent."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from honestballot.cli import board_proof
from honestballot.cli import commission as cli_commission
from honestballot.cli.keys import ORGANISER_KEY
from honestballot.cli.main import cli
from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.errors import ProtocolError
from honestballot.protocol.witnesses import Witness, cosign
from honestballot.record.events import log_id
from honestballot.record.paper import upload_from_json, upload_to_json
from honestballot.record.witness import Cosignature
from tests.factories import (
    REVOTING_ELECTION,
    DemoCeremonies,
    RevotingElection,
    WebElection,
)
from tests.paper_helpers import (
    commission_secret,
    make_upload,
    paper_election,
    paper_events,
    resigned,
    run_cli,
    station_details,
)

SECRETS = [random_nonzero_scalar(SeededRandomness(f"paper witness {i}")) for i in range(2)]
WITNESSES = [Witness(f"Witness {i}", base_mul(s)) for i, s in enumerate(SECRETS)]
SERVER = "http://board.test"

#: rewrites the board's answer to one request (path, answer) -> answer
Tamper = Callable[[str, dict[str, Any]], dict[str, Any]]
#: rewrites the bytes of the board's answer to any GET (path, answer) -> answer
Rewrite = Callable[[str, bytes], bytes]


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
    poll); ``tamper`` rewrites the answers to proof requests, ``rewrite`` those to any
    GET."""

    def __init__(self, election: RevotingElection) -> None:
        self.election = election
        self.pending = 0
        self.tamper: Tamper | None = None
        self.rewrite: Rewrite | None = None
        self.posts = 0

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
        if body is not None:
            self.posts += 1
        if self.tamper is not None and "/proof" in path and answer.status_code == 200:
            return json.dumps(self.tamper(path, answer.json())).encode()
        if self.rewrite is not None and body is None:
            return self.rewrite(path, answer.content)
        return answer.content


@pytest.fixture
def board(election: RevotingElection, monkeypatch: pytest.MonkeyPatch) -> Board:
    made = Board(election)
    monkeypatch.setattr(cli_commission, "urllib_fetch", made)
    monkeypatch.setattr(board_proof, "_sleep", lambda seconds: None)
    return made


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def pinned(election: RevotingElection) -> tuple[str, ...]:
    """The board's address, the election and its fingerprint, as a commission gives them."""
    fingerprint = election.ctx.base_hash.hex()[:16]
    return ("--server", SERVER, "--election", election.id, "--fingerprint", fingerprint)


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
    assert other.status_code == 400
    said = other.json()["error"]
    assert said["lang"] == "ru"
    assert said["text"].startswith("Вид события должен быть одним из: setup, roll, station")
    assert "kind must be one of setup, roll, station" in said["message"]
    assert client.get(f"{base}/events?kind=open&unit=station-1").status_code == 400
    missing = client.get(f"{base}/events/99999/proof")
    assert missing.status_code == 404 and "99999" in missing.json()["error"]["message"]
    assert client.get(f"{base}/events/x1/proof").status_code == 400
    # a range of positions: the lines as the record holds them
    stored = [ev.line for ev in election.web.services.store.iter_events(election.id)]
    ranged = client.get(f"{base}/events?from=1&to={seq}")
    assert ranged.status_code == 200
    assert ranged.content == b"".join(line + b"\n" for line in stored[1 : seq + 1])
    for bad in ("from=3&to=2", "from=0", "from=0&to=1&kind=station", "from=-1&to=2"):
        assert client.get(f"{base}/events?{bad}").status_code == 400, bad
    beyond = client.get(f"{base}/events?from={len(stored)}&to={len(stored) + 5}")
    assert beyond.status_code == 404


def test_a_commission_keeps_a_receipt_and_a_board_that_lies_is_refused(
    election: RevotingElection, board: Board, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paper_path = tmp_path / "upload.json"
    make_upload(election, tmp_path, "1\n")  # the paper roll, voted.txt and protocol.json
    paper_path.unlink()
    (tmp_path / "opening.json").unlink()
    make = (
        "commission", "paper", "--key", str(tmp_path / "station-1.key"), "--unit", "station-1",
        "--roll", str(tmp_path / "roll.csv"), "--voted", str(tmp_path / "voted.txt"),
        "--protocol", str(tmp_path / "protocol.json"), "--out", str(paper_path),
        "--opening", str(tmp_path / "opening.json"), "--post", "--server", SERVER,
        "--election", election.id,
    )  # fmt: skip
    # without a pinned fingerprint the board's setup would vouch for itself: refused
    unpinned = invoke(*make)
    assert unpinned.exit_code == 2 and "give --fingerprint" in unpinned.output
    # a board whose setup is not the pinned election's (a service's own setup, with its
    # own election key): refused before anything is encrypted or sent
    real = election.ctx.base_hash.hex()
    other = "".join("0" if c != "0" else "1" for c in real[:16])
    fake = invoke(*make, "--fingerprint", other)
    assert f"the election with the fingerprint {real[:16]}, not the one given, {other}" in str(
        fake.exception
    )
    assert (board.posts, paper_events(election)) == (0, 0)
    assert not paper_path.exists() and not (tmp_path / "opening.json").exists()
    posted = run_cli(*make, "--fingerprint", real[:20])
    assert paper_events(election) == 1
    assert board.pending >= 2  # the setup, then the upload, waited for the witnesses
    receipt_path = tmp_path / "upload.receipt.json"
    assert f"wrote {receipt_path}" in posted.output
    keys = "; ".join(f"Witness {i} (key {w.key.hex()})" for i, w in enumerate(WITNESSES))
    assert f"co-signed by 2 of its witnesses: {keys.replace('; ', ', ')}" in posted.output
    receipt = json.loads(receipt_path.read_text())
    sent = json.loads(paper_path.read_text())
    assert json.loads(receipt["event_line"])["body"] == sent
    assert {c["witness"] for c in receipt["cosignatures"]} == {w.key.hex() for w in WITNESSES}

    check = ("commission", "check-receipt", *pinned(election), "--receipt", str(receipt_path))
    held = run_cli(*check).output
    assert f"the board still holds upload 1 of unit 'station-1' as event {receipt['seq']}" in held
    assert "signed with the key of the unit's station (event" in held
    # nothing newer witnessed yet: said, with the head's time and the witnesses'
    assert "which is the receipt's own head" in held
    head = (
        json.loads(receipt["tree_head"])
        if isinstance(receipt["tree_head"], str)
        else (receipt["tree_head"])
    )
    signed = datetime.fromtimestamp(head["timestamp_ms"] / 1000, UTC)
    assert f"(size {head['size']}, signed at {signed:%Y-%m-%d %H:%M:%S} UTC, co-signed by" in held
    assert "Witness 0 at 20" in held and "Witness 1 at 20" in held
    assert "as the board lists them, it is the unit's last upload: the one that counts" in held
    # offline, with the setup file: the receipt's own proof and digest
    offline = ("commission", "check-receipt", "--setup", str(tmp_path / "setup.json"))
    alone = run_cli(*offline, "--receipt", str(receipt_path)).output
    assert f"the receipt holds: upload 1 of unit 'station-1' is event {receipt['seq']}" in alone
    assert "checked without the board" in alone
    # a receipt of another base hash, or whose digest is not its upload's: refused
    for member, value, message in (
        ("base_hash", "ab" * 32, "of fingerprint abababababababab; the setup is election"),
        ("digest", "ab" * 32, "does not hold: its event is not the upload it names"),
    ):
        bad = tmp_path / f"bad-{member}.json"
        bad.write_text(json.dumps({**receipt, member: value}))
        for how in (offline, ("commission", "check-receipt", *pinned(election))):
            result = invoke(*how, "--receipt", str(bad))
            assert result.exit_code != 0
            said = str(result.exception)
            assert message in said or "the receipt's is abababababababab" in said, said

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
        # the setup's proof is left whole: the receipt's own holds, the board's current
        # head for the upload is co-signed by one witness only
        if not path.endswith(f"/{seq}/proof"):
            return answer
        return {**answer, "cosignatures": answer["cosignatures"][:1]}

    refused(one_witness, "co-signed by 1 of the witnesses, the setup asks for 2")

    def wrong_proof(path: str, answer: dict[str, Any]) -> dict[str, Any]:
        if not path.endswith(f"/{seq}/proof"):
            return answer
        proof = list(answer["inclusion_proof"])
        proof[0] = "00" * 32
        return {**answer, "inclusion_proof": proof}

    refused(wrong_proof, f"the inclusion proof of event {seq} of the board does not lead")

    # an upload signed with another commission's key: refused before it is sent
    forged_path = tmp_path / "forged.json"
    other_signed = resigned(
        election, upload_from_json(sent), commission_secret(tmp_path, "station-4")
    )
    forged_path.write_text(json.dumps(upload_to_json(other_signed)))
    posts = board.posts
    unsigned = invoke("commission", "upload", *pinned(election), str(forged_path))
    assert "is not signed, for the election of fingerprint" in str(unsigned.exception)
    assert board.posts == posts and paper_events(election) == 1

    # a board that names another event as the upload's place: no receipt is written
    def lying_post(url: str, body: bytes | None, *, timeout: float = 60) -> bytes:
        answer = board(url, body)
        if body is None:
            return answer
        return json.dumps({**json.loads(answer), "seq": seq - 1}).encode()

    make_upload(election, tmp_path, "1\n")  # a correction, numbered 2
    monkeypatch.setattr(cli_commission, "urllib_fetch", lying_post)
    second = tmp_path / "upload.receipt.2.json"
    lied = invoke("commission", "upload", *pinned(election), "--receipt", str(second),
                  str(paper_path))  # fmt: skip
    assert f"the board's event {seq - 1} (" in str(lied.exception)
    assert "is not the upload sent" in str(lied.exception)
    assert paper_events(election) == 2  # the board took it all the same
    assert not second.exists()
    # its receipt, found on the board afterwards; the first one's check names the correction,
    # under a head that extends the receipt's (a consistency proof)
    monkeypatch.setattr(cli_commission, "urllib_fetch", board)
    found = run_cli("commission", "receipt", *pinned(election),
                    "--receipt", str(tmp_path / "second.json"), str(paper_path))  # fmt: skip
    assert "the receipt of upload 2 of unit 'station-1'" in found.output
    later = run_cli(*check).output
    assert "as the board lists them, a later upload of the unit (event" in later
    assert "which extends the receipt's (size" in later

    # a consistency proof that does not lead from the receipt's head to the board's
    def forged(path: str, answer: bytes) -> bytes:
        if "/consistency" not in path:
            return answer
        proof = json.loads(answer)
        return json.dumps({**proof, "proof": ["00" * 32, *proof["proof"][1:]]}).encode()

    board.rewrite = forged
    forked = invoke(*check)
    board.rewrite = None
    assert "does not extend the one of size" in str(forked.exception), str(forked.exception)


def test_check_station_refuses_a_key_that_is_not_the_commissions(
    election: RevotingElection, board: Board, tmp_path: Path
) -> None:
    station = ("commission", "check-station", *pinned(election), "--unit", "station-1")
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


def test_check_station_reads_the_board_up_to_open_not_the_services_lists(
    web: WebElection, demo_ceremony: DemoCeremonies, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Station-1's station is published twice before the election opens: first with the
    commission's key K, then with another key K' (a correction; the last one counts).
    The service lists only the first: check-station finds the second all the same, in the
    board's events up to open it reads and checks against the witnessed head."""
    first = tmp_path / "station-1.json"
    monkeypatch.setattr(board_proof, "_sleep", lambda seconds: None)

    def republish(made: RevotingElection) -> None:
        manifest = str(tmp_path / "manifest.json")
        other_key, other_public = str(tmp_path / "other.key"), str(tmp_path / "other.json")
        run_cli("commission", "keygen", "--manifest", manifest, "--unit", "station-1",
                "--out", other_key, "--public", other_public)  # fmt: skip
        # the organiser signs the correction with --server and no --sequence: its tool
        # reads the unit's station events from the board (one so far), so this is number 2
        monkeypatch.setattr(cli_commission, "urllib_fetch", Board(made))
        organiser_key, details = tmp_path / "organiser.key", tmp_path / "details-1.json"
        organiser_key.write_text(json.dumps({
            "type": ORGANISER_KEY, "secret": made.organiser.hex(),
            "public_key": base_mul(made.organiser).hex(),
        }))  # fmt: skip
        details.write_text(json.dumps(station_details("station-1")))
        signed_path = tmp_path / "signed-1.json"
        signed = run_cli("organiser", "sign-station", str(details), "--commission", other_public,
                         "--key", str(organiser_key), *pinned(made),
                         "--out", str(signed_path)).output  # fmt: skip
        assert "as its station event number 2" in signed, signed
        web.services.elections.publish_signed_station(made.id, json.loads(signed_path.read_bytes()))
        cosign_latest(made)  # the witnesses' next poll: a head that holds the correction
        # before the election opens: the whole board up to the witnessed head is read
        early = run_cli("commission", "check-station", *pinned(made), "--unit", "station-1",
                        "--key", other_public).output  # fmt: skip
        assert "the election is not open yet (under the witnessed tree head of size" in early

    election = paper_election(
        web, demo_ceremony(REVOTING_ELECTION), tmp_path, seed="corrections",
        witnesses=WITNESSES, before_open=republish,
    )  # fmt: skip
    board = Board(election)
    monkeypatch.setattr(cli_commission, "urllib_fetch", board)
    base = f"/api/e/{election.id}"
    listed = election.web.client.get(f"{base}/events?kind=station&unit=station-1").json()
    s1, s2 = [e["seq"] for e in listed["events"]]
    station = ("commission", "check-station", *pinned(election), "--unit", "station-1")

    def hide_s2(path: str, answer: bytes) -> bytes:
        if "kind=station" not in path:
            return answer
        shown = json.loads(answer)
        return json.dumps({**shown, "events": shown["events"][:1]}).encode()

    board.rewrite = hide_s2
    own = invoke(*station, "--key", str(first))
    assert f"(event {s2}, the last before the election opened" in str(own.exception)
    assert "not this commission's" in str(own.exception)
    corrected = run_cli(*station, "--key", str(tmp_path / "other.json")).output
    assert f"the station of unit 'station-1' is event {s2} of the board, the last before" in (
        corrected
    )

    # a board that sends another line in place of the first station (the root differs)
    def other_line(path: str, answer: bytes) -> bytes:
        if "from=" not in path:
            return answer
        lines = answer.split(b"\n")
        start = int(path.split("from=")[1].split("&")[0])
        if start <= s1 < start + len(lines) - 1:
            lines[s1 - start] = lines[s1 - start].replace(b'"paper":true', b'"paper":false')
        return b"\n".join(lines)

    board.rewrite = other_line
    forged = invoke(*station, "--key", str(tmp_path / "other.json"))
    assert "are not those of its witnessed tree head of size" in str(forged.exception)
    # a board that leaves a line out (S2 hidden from the range too): the positions differ
    board.rewrite = lambda path, answer: (
        b"\n".join(line for line in answer.split(b"\n") if f'"seq":{s2},'.encode() not in line)
        if "from=" in path
        else answer
    )
    hidden = invoke(*station, "--key", str(first))
    assert f"the board sent event {s2 + 1} at position {s2}" in str(hidden.exception)
