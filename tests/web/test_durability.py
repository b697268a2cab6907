"""``kill -9`` loses no acknowledged registration or ballot, over HTTP, on SQLite and on
PostgreSQL, in an election with re-voting protection.

The election is set up through the service layer (its encrypted roll made as
``make-roll`` makes it; a schedule whose one batch is due an hour after the open, so that
nothing is posted while the test runs); ``honestballot serve`` runs as a subprocess (one
worker on SQLite, two on PostgreSQL) in its own process group.  Voters sign in over the
JSON API, then several client threads register each voter's credential (the service's
commitment, then the registration made on the "device" with the voter's letter) and cast
its ballots and re-votes, recording every answer they are given; the last voter of each
thread registers only mid-run, among the other voters' re-votes.  The whole process group
gets ``SIGKILL`` (what a power cut does to the service; the database itself survives, as
it would on its own disk or host) when one of those late registrations (made on its
device before the load) is about to be sent, while the other threads, which all began
that round together, go on sending: that registration is always cut off, and each other
thread's request then in flight too.  The service is started again on
the same database; every registration and ballot whose request died with the server is
sent again (an identical retry: 200 with its original answer if it had been committed,
201 if not; a registration whose commitment was never answered starts again), and one
more re-vote shows that casting goes on.  Then the queue for the board holds exactly the
acknowledged registrations and ballots, each once; the batch that is due posts every one
of them, each at its own place (a receipt says "included" at that place), and the
verifier accepts the record.
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

import httpx
import pytest
from sqlalchemy import select

from honestballot.cli.organiser_roll import Voter as RollVoter
from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.protocol.ballot_v2 import CAP, encrypt_ballot_v2
from honestballot.protocol.credential_seed import CredentialSeed, generate_seed
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.letters import LetterSecret
from honestballot.protocol.manifest import Contest, Label, Manifest, Option, Unit
from honestballot.protocol.registration import make_registration
from honestballot.protocol.schedule import Schedule
from honestballot.record.revoting import cast_row_from_json, registration_from_json
from honestballot.service.board.election import ElectionService
from honestballot.service.messages.senders import latest_code_for
from honestballot.service.voters.roll import Roll
from honestballot.service.voters.roll_csv import normalize_phone
from honestballot.store.schema import board_queue
from honestballot.store.sql import SqlStore
from honestballot.verify.verifier import verify_record
from tests.factories import (
    DemoCeremony,
    cast_body,
    commitment_of,
    key_ceremony,
    make_encrypted_roll,
    no_noise,
    open_web_app,
    post_batch_at,
    registration_body,
)

ELECTION = "durability"
VOTERS = 12
BALLOTS_EACH = 6  # a first ballot and 5 re-votes under the one credential
THREADS = 4
#: the round in which each thread's last voter registers (the others register in round 0)
LATE_ROUND = BALLOTS_EACH // 2
#: the voter whose late registration is held until the SIGKILL: thread 0's last
HELD = (VOTERS - 1) // THREADS * THREADS
START_TIMEOUT_S = 30.0
#: one batch, due an hour after the open, with room for every registration and ballot
#: (the spare re-vote after the restart too)
SCHEDULE = Schedule(3600, ((VOTERS * BALLOTS_EACH + 1, VOTERS),), cover=no_noise(0))
assert BALLOTS_EACH + 1 <= CAP


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
    letter: LetterSecret
    seed: CredentialSeed
    #: the bodies of its casts, made in advance
    ballots: list[bytes] = field(default_factory=list)
    #: the body of its registration once made (sent again as it is)
    registration: bytes | None = None
    client: httpx.Client | None = None
    csrf: str = ""


@dataclass(frozen=True)
class Answer:
    voter: int
    #: "registration", or the ballot's index
    what: str | int
    status: int
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


def _setup(url: str, directory: Path) -> tuple[list[Voter], ElectionContext, DemoCeremony]:
    """Create the election with its encrypted roll and open it; every voter's letter,
    credential seed and ballots, made in advance."""
    (directory / "ceremony").mkdir()
    ceremony = key_ceremony(_manifest(), directory / "ceremony", ELECTION)
    rng = SeededRandomness("durability")
    people = []
    for i in range(VOTERS):
        phone = normalize_phone(f"+7 701 555 {i:04d}")
        assert phone is not None
        people.append((f"{770000000000 + i}", phone, ("north", "south")[i % 2]))
    roll = ["national_id,name,phone,email,unit"] + [
        f"{nid},Voter {i},+{phone},,{unit}" for i, (nid, phone, unit) in enumerate(people)
    ]
    organiser = random_nonzero_scalar(rng)
    store = SqlStore(url)
    try:
        service = ElectionService(store, rng)
        ctx = service.create(
            ceremony.manifest, ceremony.key, organiser_key=base_mul(organiser), schedule=SCHEDULE
        )
        Roll(store).import_csv(ELECTION, ("\n".join(roll) + "\n").encode())
        letters = make_encrypted_roll(
            service, Roll(store), ELECTION, organiser,
            [RollVoter(nid, f"Voter {i}", unit) for i, (nid, _, unit) in enumerate(people)],
            rng, open_=True,
        )  # fmt: skip
    finally:
        store.close()
    voters = []
    for i, (nid, phone, _) in enumerate(people):
        v = Voter(nid, phone, f"198.18.7.{i}", letters[nid], generate_seed(rng, ctx.base_hash))
        for b in range(BALLOTS_EACH + 1):  # one spare for the re-vote after the restart
            choice = {"chair": {f"cand-{(i + b) % 5 + 1}"}}
            ballot, _, private = encrypt_ballot_v2(ctx, v.seed, ctx.verifier_key, choice, rng)
            v.ballots.append(json.dumps(cast_body(ballot, private)).encode())
        voters.append(v)
    return voters, ctx, ceremony


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


def _post(v: Voter, what: str, body: bytes) -> httpx.Response:
    assert v.client is not None
    return v.client.post(
        f"/api/e/{ELECTION}/revoting/{what}",
        content=body,
        headers={"x-csrf-token": v.csrf, "content-type": "application/json"},
    )


def _make_registration(v: Voter, ctx: ElectionContext, rng: SeededRandomness) -> None:
    """The service's commitment for the voter's session, then the registration the
    device makes on it (kept, to be sent again as it is)."""
    commitment = commitment_of(_post(v, "registration-start", b""))
    made = make_registration(
        ctx.base_hash, ctx.public_key, ctx.verifier_key, commitment, v.seed, v.letter, rng
    )
    v.registration = json.dumps(registration_body(*made)).encode()


def _answer(voter: int, what: str | int, r: httpx.Response) -> Answer:
    return Answer(voter, what, r.status_code, str(r.json()["tracking_hash"]))


def _first_round(i: int) -> int:
    """The round in which voter ``i`` registers; it casts its ballots from then on."""
    return LATE_ROUND if i + THREADS >= VOTERS else 0


class Load:
    """Client threads registering every voter's credential and casting its ballots in
    rounds until the server dies.  Every thread waits for the others at the start of
    LATE_ROUND, so that all are sending when the kill comes; voter HELD's registration is
    made on its device before the load (its commitment asked then), and first of its
    thread's in LATE_ROUND ``held`` is set and it waits for ``killed`` before sending it."""

    def __init__(self, voters: list[Voter], ctx: ElectionContext) -> None:
        self.voters = voters
        self.ctx = ctx
        self.answers: list[Answer] = []
        #: (voter, what) whose request died: "start" (the commitment), "registration",
        #: or a ballot's index
        self.in_doubt: list[tuple[int, str | int]] = []
        self.unexpected: list[str] = []
        self.lock = threading.Lock()
        self.held = threading.Event()
        self.killed = threading.Event()
        self.late_round = threading.Barrier(THREADS)
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

    def _send(self, i: int, what: str | int) -> bool:
        """Register (``what`` "registration") or cast ballot ``what`` for voter ``i``;
        whether the load goes on."""
        v = self.voters[i]
        try:
            if what == "registration":
                if i == HELD:  # made before the load; sent only once the server is killed
                    self.held.set()
                    self.killed.wait(60)
                else:
                    try:
                        _make_registration(v, self.ctx, SeededRandomness(f"device {i}"))
                    except httpx.TransportError:
                        what = "start"
                        raise
                r = _post(v, "registrations", v.registration or b"")
            else:
                assert isinstance(what, int)
                r = _post(v, "ballots", v.ballots[what])
        except httpx.TransportError:
            with self.lock:
                self.in_doubt.append((i, what))
            return False
        except AssertionError as exc:  # the commitment was refused
            with self.lock:
                self.unexpected.append(f"voter {i} {what}: {exc}")
            return False
        with self.lock:
            if r.status_code == 201:
                self.answers.append(_answer(i, what, r))
                return True
            self.unexpected.append(f"voter {i} {what}: {r.status_code} {r.text}")
            return False

    def _run(self, thread: int) -> None:
        mine = range(thread, len(self.voters), THREADS)
        if HELD in mine:
            try:
                _make_registration(self.voters[HELD], self.ctx, SeededRandomness("device held"))
            except (httpx.TransportError, AssertionError) as exc:
                with self.lock:
                    self.unexpected.append(f"voter {HELD}'s registration made ahead: {exc!r}")
                self.late_round.abort()
                return
        for round_ in range(BALLOTS_EACH):
            if round_ == LATE_ROUND:
                try:
                    self.late_round.wait(60)
                except threading.BrokenBarrierError:  # another thread stopped early
                    with self.lock:
                        self.unexpected.append(f"thread {thread}: no round {LATE_ROUND} for all")
                    return
            # in LATE_ROUND voter HELD goes first: the kill comes as the round begins
            for i in sorted(mine, key=lambda i: (round_ != LATE_ROUND or i != HELD, i)):
                first = _first_round(i)
                if round_ == first and not self._send(i, "registration"):
                    return
                if round_ >= first and not self._send(i, round_ - first):
                    return


def _queue(store: SqlStore) -> list[tuple[str, str, int | None]]:
    """(kind, tracking hash, posted seq) of every item queued for the board."""
    q = select(board_queue.c.kind, board_queue.c.tracking_hash, board_queue.c.posted_seq).where(
        board_queue.c.election_id == ELECTION
    )
    with store.engine.connect() as conn:
        return [(str(k), bytes(h).hex(), s) for k, h, s in conn.execute(q)]


def test_sigkill_loses_no_acknowledged_registration_or_ballot(
    database_url: str, tmp_path: Path
) -> None:
    voters, ctx, ceremony = _setup(database_url, tmp_path)
    workers = 1 if database_url.startswith("sqlite") else 2
    load = Load(voters, ctx)
    try:
        with serving(database_url, workers, tmp_path) as server:
            with ThreadPoolExecutor(THREADS) as pool:
                list(pool.map(lambda v: _sign_in(v, server), voters))
            load.start()
            deadline = time.monotonic() + 60
            while not load.held.is_set() and time.monotonic() < deadline:
                if load.unexpected or not any(t.is_alive() for t in load.threads):
                    break
                time.sleep(0.005)
            assert not load.unexpected, load.unexpected
            assert load.held.is_set(), f"voter {HELD} did not register in 60 s"
            server.kill()  # mid-load: the other threads are still sending
            load.killed.set()
            load.join(30)
        assert not load.unexpected, load.unexpected
        # the held registration was cut off (its resend below is the path under test),
        # and so was each other thread's request (their first of LATE_ROUND: ballots):
        # the kill landed while all were sending
        assert (HELD, "registration") in load.in_doubt
        assert len({i % THREADS for i, _ in load.in_doubt}) == THREADS, load.in_doubt
        assert any(isinstance(what, int) for _, what in load.in_doubt), load.in_doubt

        with serving(database_url, workers, tmp_path) as server:
            # sessions are signed with a key kept in the database: they outlive the process
            for v in voters:
                _connect(v, server.base)
            for i, what in load.in_doubt:
                v = voters[i]
                if what == "start":  # no commitment was answered: the device starts again
                    _make_registration(v, ctx, SeededRandomness(f"device {i} again"))
                    what = "registration"
                body = v.registration if what == "registration" else v.ballots[int(what)]
                assert body is not None
                r = _post(v, "registrations" if what == "registration" else "ballots", body)
                assert r.status_code in (200, 201), r.text
                if (i, what) == (HELD, "registration"):  # sent only after the kill
                    assert r.status_code == 201, r.text
                load.answers.append(_answer(i, what, r))
            r = _post(voters[0], "ballots", voters[0].ballots[BALLOTS_EACH])
            assert r.status_code == 201, r.text
            load.answers.append(_answer(0, BALLOTS_EACH, r))
    finally:
        for v in voters:
            if v.client is not None:
                v.client.close()

    acknowledged = {
        ("registration" if a.what == "registration" else "cast-row", a.tracking_hash)
        for a in load.answers
    }
    assert len(acknowledged) == len(load.answers), "one registration or ballot answered twice"
    registered = {a.voter for a in load.answers if a.what == "registration"}
    assert {a.voter for a in load.answers} == registered  # each voter cast after registering
    with open_web_app(ceremony, tmp_path / "after", database_url) as web:
        services = web.services
        queued = _queue(services.store)
        # the queue holds every acknowledged registration and ballot, once, and nothing else
        assert sorted((kind, h) for kind, h, _ in queued) == sorted(acknowledged)
        assert all(seq is None for _, _, seq in queued), "posted before its batch was due"
        # the batch that is due posts every one of them
        services.batches.post_delay_ms = 0
        post_batch_at(services, ELECTION, SCHEDULE, 1)
        posted = _queue(services.store)
        seqs = [seq for _, _, seq in posted]
        assert None not in seqs and len(set(seqs)) == len(seqs), "not posted, or twice"
        lines = list(services.elections.record_lines(ELECTION))
        events = [json.loads(line) for line in lines]
        bodies = {ev["seq"]: ev for ev in events if ev.get("type") == "event"}
        key = ctx.public_key
        for kind, tracking, seq in posted:
            # the event at the item's place is that very registration or ballot
            assert bodies[seq]["kind"] == kind, (kind, tracking, seq)
            body = bodies[seq]["body"]
            if kind == "registration":
                on_board = registration_from_json(body["registration"]).tracking_hash(key)
            else:
                on_board = cast_row_from_json(body["row"]).ballot.tracking_hash(key)
            assert on_board.hex() == tracking, (kind, tracking, seq)
            if kind == "cast-row":
                receipt = web.client.get(f"/api/e/{ELECTION}/revoting/ballots/{tracking}")
                assert receipt.json() == {**receipt.json(), "status": "included", "seq": seq}
    report = verify_record(lines, workers=1)
    assert report.passed, [f"{c.name}: {c.detail}" for c in report.failures]
