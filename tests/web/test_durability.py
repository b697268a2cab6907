"""``kill -9`` loses no acknowledged ballot, over HTTP, on SQLite and on PostgreSQL.

The election is set up through the service layer; ``honestballot serve`` runs as a
subprocess (one worker on SQLite, two on PostgreSQL) in its own process group.  Voters
sign in over the JSON API, then several client threads cast ballots and re-votes and
record every receipt they are given.  Mid-load the whole process group gets ``SIGKILL``
(what a power cut does to the service; the database itself survives, as it would on its
own disk or host).  The service is started again on the same database; every ballot whose
request died with the server is sent again (an identical retry: 200 with its original
receipt if it had been committed, 201 if not), and one more re-vote shows that casting goes
on.  Then the record is exported and checked: every receipt's tracking hash is on the board
at the receipt's sequence number, the board holds no ballot without a receipt and none
twice, and the independent verifier accepts the whole record.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.ballot import encrypt_ballot
from honestballot.protocol.credential import VoterCredential, generate_credential
from honestballot.protocol.manifest import Contest, Label, Manifest, Option, Unit
from honestballot.record.ballot import ballot_from_json, ballot_to_json
from honestballot.service.board.election import ElectionService
from honestballot.service.demo import run_key_ceremony
from honestballot.service.messages.senders import latest_code_for
from honestballot.service.voters.roll import Roll
from honestballot.service.voters.roll_csv import normalize_phone
from honestballot.store.sql import SqlStore
from honestballot.verify.verifier import verify_record

ELECTION = "durability"
VOTERS = 16
BALLOTS_EACH = 10  # a first ballot and 9 re-votes, each superseding the one before
THREADS = 4
KILL_AFTER = 50  # receipts received before the SIGKILL (of 160 ballots)
START_TIMEOUT_S = 30.0


def _label(text: str) -> Label:
    return Label(text, text, text)


def _manifest() -> Manifest:
    contest = Contest(
        "chair",
        _label("Chair"),
        tuple(Option(f"cand-{i}", _label(f"Candidate {i}")) for i in range(1, 6)),
        1,
        1,
        False,
    )
    units = (Unit("north", _label("North")), Unit("south", _label("South")))
    return Manifest(ELECTION, _label("Durability"), (contest,), units, 1)


@dataclass
class Voter:
    national_id: str
    phone: str
    address: str
    credential: VoterCredential
    ballots: list[bytes] = field(default_factory=list)
    client: httpx.Client | None = None
    csrf: str = ""


@dataclass(frozen=True)
class Receipt:
    voter: int
    ballot: int
    status: int
    seq: int
    tracking_hash: str


class Serve:
    """``honestballot serve`` in a process group of its own."""

    def __init__(self, url: str, workers: int, directory: Path) -> None:
        self.url = url
        self.workers = workers
        self.directory = directory
        self.outbox = directory / "outbox"
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        command = [
            sys.executable,
            "-m",
            "honestballot",
            "serve",
            "--database",
            self.url,
            "--workers",
            str(self.workers),
            "--port",
            str(self.port),
            "--sender",
            f"file:{self.outbox}",
            "--snapshots",
            str(self.directory / "snapshots"),
            "--trusted-proxy",
            "127.0.0.1",
            "--log-level",
            "warning",
        ]
        with (self.directory / "serve.log").open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the server exited at start:\n{self.log()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        pytest.fail(f"the server did not answer within {START_TIMEOUT_S:.0f} s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL to every process of the service, and wait until they are gone."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # uvicorn's workers are in the same group
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)

    def log(self) -> str:
        path = self.directory / "serve.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


@contextlib.contextmanager
def serving(url: str, workers: int, directory: Path) -> Iterator[Serve]:
    server = Serve(url, workers, directory)
    try:
        server.start()
        yield server
    finally:
        server.kill()


def _setup(url: str, directory: Path) -> list[Voter]:
    """Create and open the election; every voter's credential and ballots, made in advance."""
    manifest = _manifest()
    rng = SeededRandomness("durability")
    key, _ = run_key_ceremony(manifest, directory, rng)
    voters = []
    for i in range(VOTERS):
        phone = normalize_phone(f"+7 701 555 {i:04d}")
        assert phone is not None
        voters.append(
            Voter(f"{770000000000 + i}", phone, f"198.18.7.{i}", generate_credential(rng))
        )
    roll = ["national_id,name,phone,email,unit"] + [
        f"{v.national_id},Voter {i},+{v.phone},,{('north', 'south')[i % 2]}"
        for i, v in enumerate(voters)
    ]
    store = SqlStore(url)
    try:
        service = ElectionService(store)
        ctx = service.create(manifest, key, unprotected=True)
        Roll(store).import_csv(ELECTION, ("\n".join(roll) + "\n").encode())
        service.open(ELECTION, roll=lambda conn: Roll(store).summary_body(ELECTION, conn))
    finally:
        store.close()
    for i, v in enumerate(voters):
        for b in range(BALLOTS_EACH + 1):  # one spare for the re-vote after the restart
            choice = frozenset({f"cand-{(i + b) % 5 + 1}"})
            ballot, _ = encrypt_ballot(ctx, v.credential, {"chair": choice}, rng)
            v.ballots.append(json.dumps(ballot_to_json(ballot)).encode())
    return voters


def _connect(v: Voter, base: str) -> None:
    """A client for ``base`` that keeps the voter's cookies (visitor and session)."""
    cookies = None
    if v.client is not None:
        cookies = v.client.cookies
        v.client.close()
    headers = {"x-forwarded-for": v.address, "user-agent": "durability-test"}
    v.client = httpx.Client(base_url=base, headers=headers, cookies=cookies, timeout=20)


def _sign_in(v: Voter, server: Serve) -> None:
    _connect(v, server.base)
    assert v.client is not None
    r = v.client.get("/api/csrf")
    assert r.status_code == 200, r.text
    v.csrf = r.json()["csrf"]
    headers = {"x-csrf-token": v.csrf}
    api = f"/api/e/{ELECTION}"
    r = v.client.post(f"{api}/signin", json={"national_id": v.national_id}, headers=headers)
    assert r.status_code == 202, r.text
    code = latest_code_for(server.outbox, v.phone)
    assert code is not None, "no code in the outbox"
    body = {"national_id": v.national_id, "code": code}
    r = v.client.post(f"{api}/session", json=body, headers=headers)
    assert r.status_code == 200, r.text
    body = {"credential": v.credential.public.hex()}
    r = v.client.post(f"{api}/credential", json=body, headers=headers)
    assert r.status_code == 201, r.text


def _cast(v: Voter, ballot: int) -> httpx.Response:
    assert v.client is not None
    return v.client.post(
        f"/api/e/{ELECTION}/ballots",
        content=v.ballots[ballot],
        headers={"x-csrf-token": v.csrf, "content-type": "application/json"},
    )


def _receipt(voter: int, ballot: int, r: httpx.Response) -> Receipt:
    body: dict[str, Any] = r.json()["receipt"]
    return Receipt(voter, ballot, r.status_code, int(body["seq"]), str(body["tracking_hash"]))


class Load:
    """Client threads casting every voter's ballots in rounds until the server dies."""

    def __init__(self, voters: list[Voter]) -> None:
        self.voters = voters
        self.receipts: list[Receipt] = []
        self.in_doubt: list[tuple[int, int]] = []  # (voter, ballot) whose request died
        self.unexpected: list[str] = []
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._run, args=(t,), daemon=True) for t in range(THREADS)
        ]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def join(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in self.threads), "a client thread hung"

    def _run(self, thread: int) -> None:
        mine = range(thread, len(self.voters), THREADS)
        for ballot in range(BALLOTS_EACH):
            for i in mine:
                try:
                    r = _cast(self.voters[i], ballot)
                except httpx.TransportError:
                    with self.lock:
                        self.in_doubt.append((i, ballot))
                    return
                with self.lock:
                    if r.status_code == 201:
                        self.receipts.append(_receipt(i, ballot, r))
                    else:
                        self.unexpected.append(
                            f"voter {i} ballot {ballot}: {r.status_code} {r.text}"
                        )
                        return


def _board(lines: list[bytes]) -> dict[int, str]:
    """seq -> tracking hash of every ``ballot`` event in the record."""
    found = {}
    for line in lines:
        obj = json.loads(line)
        if obj.get("type") == "event" and obj["kind"] == "ballot":
            ballot = ballot_from_json(obj["body"]["ballot"])
            found[int(obj["seq"])] = ballot.tracking_hash().hex()
    return found


def test_sigkill_loses_no_acknowledged_ballot(database_url: str, tmp_path: Path) -> None:
    voters = _setup(database_url, tmp_path)
    workers = 1 if database_url.startswith("sqlite") else 2
    load = Load(voters)
    try:
        with serving(database_url, workers, tmp_path) as server:
            with ThreadPoolExecutor(THREADS) as pool:
                list(pool.map(lambda v: _sign_in(v, server), voters))
            load.start()
            deadline = time.monotonic() + 40
            while len(load.receipts) < KILL_AFTER and time.monotonic() < deadline:
                if load.unexpected or not any(t.is_alive() for t in load.threads):
                    break
                time.sleep(0.005)
            assert not load.unexpected, load.unexpected
            assert len(load.receipts) >= KILL_AFTER, f"only {len(load.receipts)} receipts in 40 s"
            server.kill()  # mid-load: the threads are still casting
            load.join(30)
        assert not load.unexpected, load.unexpected
        attempted = len(load.receipts) + len(load.in_doubt)
        assert attempted < VOTERS * BALLOTS_EACH, "the load had finished before the kill"
        assert load.in_doubt, "every unfinished thread ends on a request the kill cut off"

        with serving(database_url, workers, tmp_path) as server:
            # sessions are signed with a key kept in the database: they outlive the process
            for v in voters:
                _connect(v, server.base)
            for i, ballot in load.in_doubt:
                r = _cast(voters[i], ballot)
                assert r.status_code in (200, 201), r.text
                load.receipts.append(_receipt(i, ballot, r))
            r = _cast(voters[0], BALLOTS_EACH)
            assert r.status_code == 201, r.text
            load.receipts.append(_receipt(0, BALLOTS_EACH, r))
    finally:
        for v in voters:
            if v.client is not None:
                v.client.close()

    store = SqlStore(database_url)
    try:
        lines = list(ElectionService(store).record_lines(ELECTION))
    finally:
        store.close()
    board = _board(lines)
    for receipt in load.receipts:
        assert board.get(receipt.seq) == receipt.tracking_hash, f"lost: {receipt}"
    receipted = {r.tracking_hash for r in load.receipts}
    assert sorted(board.values()) == sorted(receipted), "a ballot on the board has no receipt"
    report = verify_record(lines, workers=1)
    assert report.passed, [f"{c.name}: {c.detail}" for c in report.failures]
    assert report.stats["ballots_cast"] == len(receipted)
