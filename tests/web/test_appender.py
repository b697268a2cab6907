"""The appender process (service/board/appender.py) on PostgreSQL: it appends what request
processes send and answers after the commit; killed while a batch waits for the election's
lock, it acknowledges nothing, loses nothing it acknowledged, and serves again once its
supervisor has restarted it; several request processes feed one appender.  With an
in-process appender whose batches answer at once (SQLite, no database work): what one
connection does (never reading, never answering its challenge) to the others, and the
client's connecting to a mute socket."""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from honestballot.crypto.randomness import SeededRandomness
from honestballot.errors import BallotRejected, StorageUnavailable
from honestballot.protocol.ballot import EncryptedBallot, encrypt_ballot
from honestballot.protocol.credential import VoterCredential, generate_credential
from honestballot.record.ballot import ballot_to_json
from honestballot.service.board import appender as appender_module
from honestballot.service.board.appender import (
    ADDRESS_ENV,
    CASTS,
    CREDENTIALS,
    KEY_ENV,
    UNREACHABLE,
    AppenderClient,
    AppenderServer,
    AppenderSupervisor,
    RemoteQueue,
    remove_stale_directories,
)
from honestballot.service.board.cast_queue import BatchQueue
from honestballot.service.board.election import ElectionService, Receipt
from honestballot.service.demo import run_key_ceremony
from honestballot.service.voters.roll import Roll, VoterRow
from honestballot.service.voters.roll_csv import normalize_phone
from honestballot.service.voters.voting import Client, CredentialItem
from honestballot.store.sql import SqlStore
from tests.databases import fresh_database
from tests.factories import WEB_ROLL, DemoCeremony, WebElection, open_web_election

CHOICE = {"chair": frozenset({"cand-2"}), "council": frozenset({"member-1", "member-4"})}
CLIENT = Client("198.18.0.1", "d", "Firefox on Linux", "Mozilla/5.0", "en", "s")


@pytest.fixture
def pg_web(web_ceremony: DemoCeremony, tmp_path: Path) -> Iterator[WebElection]:
    """The web tests' open election, on PostgreSQL only: the appender process is what
    ``serve --workers N`` runs there (SQLite keeps each process's own appender thread)."""
    with (
        fresh_database("postgresql", tmp_path / "db") as url,
        open_web_election(web_ceremony, tmp_path, url, open_=True) as election,
    ):
        yield election


@pytest.fixture
def appender(pg_web: WebElection) -> Iterator[AppenderSupervisor]:
    supervisor = AppenderSupervisor(pg_web.database_url, restart_delay_s=0.1)
    supervisor.start()
    try:
        yield supervisor
    finally:
        supervisor.stop()


def _voters(web: WebElection) -> list[VoterRow]:
    rows = [web.services.roll.voter_by_national_id(web.election_id, r[0]) for r in WEB_ROLL]
    return [row for row in rows if row is not None]


def _credentials(n: int) -> list[VoterCredential]:
    return [generate_credential(SeededRandomness(f"appender-{i}")) for i in range(n)]


def _registration(voter: VoterRow, cred: VoterCredential) -> CredentialItem:
    return CredentialItem(voter.voter_id, voter.unit, cred.public, None, None)


def _ballots(web: WebElection, creds: list[VoterCredential]) -> list[EncryptedBallot]:
    ctx = web.services.elections.context(web.election_id)
    return [
        encrypt_ballot(ctx, c, CHOICE, SeededRandomness(f"appender-ballot-{i}"))[0]
        for i, c in enumerate(creds)
    ]


def _outcome(done: Future[Any]) -> Any:
    try:
        return done.result(timeout=60)
    except Exception as exc:
        return exc


def _on_board(web: WebElection) -> set[bytes]:
    return {ev.tracking_hash for ev in web.services.store.iter_events(web.election_id)}


def _wait_for_restart(supervisor: AppenderSupervisor, starts: int) -> None:
    deadline = time.monotonic() + 30
    while supervisor.starts == starts or not os.path.exists(supervisor.address):
        assert time.monotonic() < deadline, "the appender was not started again"
        time.sleep(0.05)


def test_the_appender_appends_and_answers_each_item_after_its_commit(
    pg_web: WebElection, appender: AppenderSupervisor
) -> None:
    web, eid = pg_web, pg_web.election_id
    voters = _voters(web)[:4]
    creds = _credentials(4)
    client = AppenderClient(appender.address, appender.key)
    try:
        registered = [
            client.submit(CREDENTIALS, eid, _registration(v, c))
            for v, c in zip(voters, creds, strict=True)
        ]
        assert [_outcome(f) for f in registered] == [None] * 4
        assert [web.services.desk.voter(eid, v.voter_id).credential for v in voters] == [
            c.public.data for c in creds
        ]
        ballots = _ballots(web, creds)
        casts = [
            client.submit(CASTS, eid, (v.voter_id, b, CLIENT))
            for v, b in zip(voters, ballots, strict=True)
        ]
        # another voter's ballot: refused alone, the refusal crossing the socket whole
        casts.append(client.submit(CASTS, eid, (voters[0].voter_id, ballots[1], CLIENT)))
        outcomes = [_outcome(f) for f in casts]
        receipts = outcomes[:4]
        assert all(isinstance(r, Receipt) and r.new for r in receipts), outcomes
        # each voter's own receipt: the four were in flight together
        assert [r.tracking_hash for r in receipts] == [b.tracking_hash().hex() for b in ballots]
        assert isinstance(outcomes[4], BallotRejected)
        assert outcomes[4].args[0].key == "ballot.not_yours"
        on_board = _on_board(web)
        assert all(bytes.fromhex(r.tracking_hash) in on_board for r in receipts)
        # a retry (its first answer lost) gets the original receipt and appends nothing
        again = _outcome(client.submit(CASTS, eid, (voters[0].voter_id, ballots[0], CLIENT)))
        assert isinstance(again, Receipt) and not again.new
        assert again.tracking_hash == receipts[0].tracking_hash
        assert _on_board(web) == on_board
    finally:
        client.close()


def test_a_killed_appender_acknowledges_nothing_it_did_not_commit(
    pg_web: WebElection, appender: AppenderSupervisor
) -> None:
    """Kill -9 while a batch waits for the election's lock (held here): every request of
    that batch gets StorageUnavailable and none of its ballots is on the board; what was
    acknowledged before stays; the restarted appender takes the same requests again."""
    web, eid = pg_web, pg_web.election_id
    voters = _voters(web)
    creds = _credentials(len(voters))
    ballots = _ballots(web, creds)
    client = AppenderClient(appender.address, appender.key)
    try:
        registered = [
            client.submit(CREDENTIALS, eid, _registration(v, c))
            for v, c in zip(voters, creds, strict=True)
        ]
        assert [_outcome(f) for f in registered] == [None] * len(voters)
        first = [_outcome(client.submit(CASTS, eid, (v.voter_id, b, CLIENT))) for v, b in
                 zip(voters[:2], ballots[:2], strict=True)]  # fmt: skip
        assert all(isinstance(r, Receipt) for r in first), first
        items = [(v.voter_id, b, CLIENT) for v, b in zip(voters[2:], ballots[2:], strict=True)]
        process = appender.process
        assert process is not None
        starts = appender.starts
        with web.services.store.transaction(eid):  # the election's lock, held
            waiting = [client.submit(CASTS, eid, item) for item in items]
            time.sleep(1.0)  # the appender's batch is now waiting for the lock
            assert not any(f.done() for f in waiting)
            os.kill(process.pid, signal.SIGKILL)
            outcomes = [_outcome(f) for f in waiting]
        assert all(isinstance(o, StorageUnavailable) and o.kind == UNREACHABLE for o in outcomes)
        on_board = _on_board(web)
        assert all(bytes.fromhex(r.tracking_hash) in on_board for r in first)
        assert not any(b.tracking_hash() in on_board for b in ballots[2:])
        # the supervisor starts it again; the same client connects again and is served
        _wait_for_restart(appender, starts)
        retried = [_outcome(client.submit(CASTS, eid, item)) for item in items]
        assert all(isinstance(r, Receipt) and r.new for r in retried), retried
        assert all(b.tracking_hash() in _on_board(web) for b in ballots)
    finally:
        client.close()


def test_a_request_fails_at_once_when_no_appender_listens(tmp_path: Path) -> None:
    client = AppenderClient(str(tmp_path / "nobody.sock"), b"k" * 32)
    with pytest.raises(StorageUnavailable):
        client.submit(CASTS, "e", None)


def _feed(address: str, key: bytes, election_id: str, items: list[Any]) -> list[Any]:
    """A request process: registers then casts its voters' items through the appender."""
    client = AppenderClient(address, key)
    try:
        answers = []
        for kind in (CREDENTIALS, CASTS):
            sent = [client.submit(kind, election_id, item[kind]) for item in items]
            answers += [_outcome(f) for f in sent]
        return answers
    finally:
        client.close()


def test_several_request_processes_feed_one_appender(
    pg_web: WebElection, appender: AppenderSupervisor
) -> None:
    web, eid = pg_web, pg_web.election_id
    voters = _voters(web)
    creds = _credentials(len(voters))
    ballots = _ballots(web, creds)
    items = [
        {
            CREDENTIALS: _registration(v, c),
            CASTS: (v.voter_id, b, CLIENT),
        }
        for v, c, b in zip(voters, creds, ballots, strict=True)
    ]
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(3) as pool:
        shares = pool.starmap(
            _feed, [(appender.address, appender.key, eid, items[i::3]) for i in range(3)]
        )
    for i, share in enumerate(shares):
        assert share[: len(share) // 2] == [None] * (len(share) // 2)
        assert all(isinstance(r, Receipt) and r.new for r in share[len(share) // 2 :]), share
        # each request's own receipt, in each process's order (all sent before any answer)
        assert [r.tracking_hash for r in share[len(share) // 2 :]] == [
            b.tracking_hash().hex() for b in ballots[i::3]
        ]
    receipts = [r for share in shares for r in share if isinstance(r, Receipt)]
    assert len(receipts) == len(voters)
    hashes = {b.tracking_hash() for b in ballots}
    assert {bytes.fromhex(r.tracking_hash) for r in receipts} == hashes
    assert hashes <= _on_board(web)
    assert len({r.seq for r in receipts}) == len(voters)


def test_the_voter_api_casts_through_the_appender(
    pg_web: WebElection, appender: AppenderSupervisor
) -> None:
    """The ballot page's requests, with the process's queues those of a worker of
    ``serve --workers N``: a credential and a ballot appended by the appender process,
    the receipt the API answers the one on the board; with the appender killed and not
    yet back, the cast is answered 503, never 201."""
    from tests.web.test_voter_api import (
        AIGERIM,
        BORIS,
        cast,
        credential,
        encrypt,
        register,
        signed_in,
    )

    web = pg_web
    remote = AppenderClient(appender.address, appender.key)
    web.services.desk.casts = RemoteQueue(remote, CASTS)
    web.services.desk.credentials = RemoteQueue(remote, CREDENTIALS)
    web.services.appender = remote
    try:
        assert web.client.get("/healthz").status_code == 200
        client = signed_in(web, AIGERIM)
        cred = credential("appender-api")
        assert register(web, client, cred).status_code == 201
        ballot, _, tracking = encrypt(web, cred)
        r = cast(web, client, ballot)
        assert r.status_code == 201, r.text
        assert r.json()["receipt"]["tracking_hash"] == tracking
        assert bytes.fromhex(tracking) in _on_board(web)

        other = signed_in(web, BORIS)
        cred = credential("appender-api-2")
        assert register(web, other, cred).status_code == 201
        appender.stop()  # no restart: the appender is gone
        ballot, _, tracking = encrypt(web, cred)
        r = cast(web, other, ballot)
        assert r.status_code == 503, r.text
        assert bytes.fromhex(tracking) not in _on_board(web)
        health = web.client.get("/healthz")  # the appender is missing: not ready
        assert health.status_code == 503
        assert health.json()["error"]["code"] == "storage_unavailable"
    finally:
        web.services.appender = None
        remote.close()


def test_serve_hands_the_appender_to_its_workers_through_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from honestballot.service.runtime import ServerConfig, Services

    supervisor_env = {ADDRESS_ENV: str(tmp_path / "a.sock"), KEY_ENV: "ab" * 32}
    for name, value in supervisor_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HONESTBALLOT_DATABASE", f"sqlite:///{tmp_path / 'db.sqlite'}")
    config = ServerConfig.from_env()
    assert (config.appender, config.appender_key) == (str(tmp_path / "a.sock"), "ab" * 32)
    services = Services(config)
    try:
        assert isinstance(services.desk.casts, RemoteQueue)
        assert isinstance(services.desk.credentials, RemoteQueue)
        assert services.desk.casts.client.authkey == bytes.fromhex("ab" * 32)
    finally:
        services.stop()
    monkeypatch.delenv(ADDRESS_ENV)
    alone = Services(ServerConfig.from_env())
    try:
        assert isinstance(alone.desk.casts, BatchQueue)
    finally:
        alone.stop()


def test_an_appender_stopped_on_its_own_is_started_again_but_not_after_stop(
    pg_web: WebElection, appender: AppenderSupervisor
) -> None:
    """SIGTERM to the appender alone ends it with status 0; only the supervisor's own
    stop() stops it for good, so it is started again."""
    process = appender.process
    assert process is not None and appender.starts == 1
    os.kill(process.pid, signal.SIGTERM)
    assert process.wait(30) == 0
    _wait_for_restart(appender, 1)
    assert appender.starts == 2 and appender.running()
    restarted = appender.process
    assert restarted is not None and restarted is not process
    appender.stop()
    assert restarted.returncode == 0
    time.sleep(0.3)  # the supervisor looked every 0.1 s and would restart after 0.1 s
    assert appender.starts == 2 and not appender.running()


def test_an_appender_that_never_answers_the_challenge_fails_the_request_in_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A socket that takes connections but never answers (a stopped or hung appender):
    the request gets StorageUnavailable after the connect timeout, not never."""
    import socket

    from honestballot.service.board import appender as module

    monkeypatch.setattr(module, "CONNECT_TIMEOUT_S", 0.5)
    path = str(tmp_path / "mute.sock")
    with socket.socket(socket.AF_UNIX) as mute:
        mute.bind(path)
        mute.listen()
        client = AppenderClient(path, b"k" * 32)
        started = time.monotonic()
        with pytest.raises(StorageUnavailable):
            client.submit(CASTS, "e", None)
        assert time.monotonic() - started < 5


class TwoArguments(BallotRejected):
    """An error that pickles but cannot be made again from its ``args``."""

    def __init__(self, what: str, why: str) -> None:
        super().__init__(f"{what}: {why}")


def test_an_items_error_crosses_the_socket_as_the_request_process_can_make_it_again() -> None:
    import pickle

    from honestballot.errors import Text
    from honestballot.service.board.appender import _portable

    down = pickle.loads(pickle.dumps(_portable(StorageUnavailable("OperationalError"))))
    assert isinstance(down, StorageUnavailable) and down.kind == "OperationalError"
    assert str(down) == "the database cannot be used (OperationalError)"
    refused = pickle.loads(pickle.dumps(_portable(BallotRejected(Text("k.x", "refused", n=1)))))
    assert isinstance(refused, BallotRejected) and refused.args[0].key == "k.x"

    odd = _portable(TwoArguments("a", "b"))  # pickles, but cannot be made from its args
    assert type(odd) is RuntimeError and "TwoArguments" in str(odd)
    leak = _portable(ValueError("statement parameters: 900101300001"))
    assert type(leak) is RuntimeError and "900101300001" not in str(leak)


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")  # a zombie: ended
    except FileNotFoundError:
        return True


@pytest.mark.parametrize("ready", [True, False], ids=["ready", "still-starting"])
def test_an_appender_stops_when_the_server_that_started_it_is_killed(
    pg_web: WebElection, ready: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``kill -9`` of the ``serve`` process alone (not its group), once the appender
    listens or while it is still starting, leaves no appender running on without it; the
    next server removes the killed one's socket directory."""
    import subprocess
    import sys

    script = (
        "import sys, time\n"
        "from honestballot.service.board.appender import AppenderSupervisor\n"
        "s = AppenderSupervisor(sys.argv[1])\n"
        "s.start(30 if sys.argv[2] == 'ready' else 0)\n"
        "print(s.process.pid, s.directory, flush=True)\n"
        "time.sleep(120)\n"
    )
    # a temporary directory of the test's own (short: a socket's path is at most 107
    # bytes), so that a server another test starts meanwhile does not clean it first
    root = tempfile.mkdtemp(prefix="hb-")
    monkeypatch.setattr(tempfile, "tempdir", root)
    server = subprocess.Popen(
        [sys.executable, "-c", script, pg_web.database_url, "ready" if ready else "starting"],
        stdout=subprocess.PIPE,
        env={**os.environ, "TMPDIR": root},
    )
    try:
        assert server.stdout is not None
        pid, directory = server.stdout.readline().split()
        appender_pid = int(pid)
        assert not _gone(appender_pid)
        assert os.path.exists(Path(directory.decode()) / "appender.sock") == ready
        server.kill()
        server.wait(10)
        deadline = time.monotonic() + 20
        while not _gone(appender_pid):
            assert time.monotonic() < deadline, "the appender outlived its server"
            time.sleep(0.1)
        assert os.path.isdir(directory)
        AppenderSupervisor(pg_web.database_url).stop()  # a later server, started and gone
        assert not os.path.exists(directory)
        assert Path(directory.decode()).parent == Path(root)
    finally:
        server.kill()
        server.wait(10)
        shutil.rmtree(root, ignore_errors=True)


def _appenders_of(parent: int) -> list[int]:
    """The appender processes ``parent`` started (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        ours = b"honestballot.service.board.appender" in command
        if ours and int(ppid) == parent and state != "Z":
            found.append(int(entry.name))
    return found


@dataclass
class _Voter:
    """A voter of version 1's election over HTTP (what tests/web/test_durability.py's
    sign-in reads, and its version 1 credential and ballots)."""

    national_id: str
    phone: str
    address: str
    credential: VoterCredential
    ballots: list[bytes] = field(default_factory=list)
    client: httpx.Client | None = None
    csrf: str = ""


def _version_1_voter(url: str, directory: Path) -> _Voter:
    """Version 1's election of test_durability's manifest, created and opened, with one
    voter and two ballots made in advance (the appender serves version 1's queues only:
    this goes with it, docs/coercion.md §14 item 8.3)."""
    from tests.web.test_durability import ELECTION, _manifest

    manifest = _manifest()
    rng = SeededRandomness("appender over HTTP")
    key, _ = run_key_ceremony(manifest, directory, rng)
    phone = normalize_phone("+7 701 555 0000")
    assert phone is not None
    voter = _Voter("770000000000", phone, "198.18.7.0", generate_credential(rng))
    roll = f"national_id,name,phone,email,unit\n{voter.national_id},Voter,+{phone},,north\n"
    store = SqlStore(url)
    try:
        service = ElectionService(store)
        ctx = service.create(manifest, key, unprotected=True)
        Roll(store).import_csv(ELECTION, roll.encode())
        service.open(ELECTION, roll=lambda conn: Roll(store).summary_body(ELECTION, conn))
    finally:
        store.close()
    for b in range(2):
        choice = {"chair": frozenset({f"cand-{b + 1}"})}
        ballot, _ = encrypt_ballot(ctx, voter.credential, choice, rng)
        voter.ballots.append(json.dumps(ballot_to_json(ballot)).encode())
    return voter


def _post(voter: _Voter, what: str, body: bytes) -> httpx.Response:
    """``body`` to version 1's voter route ``what`` of test_durability's election."""
    from tests.web.test_durability import ELECTION

    assert voter.client is not None
    headers = {"x-csrf-token": voter.csrf, "content-type": "application/json"}
    return voter.client.post(f"/api/e/{ELECTION}/{what}", content=body, headers=headers)


def test_serve_with_two_workers_on_postgresql_casts_through_its_appender(tmp_path: Path) -> None:
    """``honestballot serve --workers 2`` on PostgreSQL: one appender process; a cast over
    HTTP gets its receipt through it; with the appender killed, a cast is answered 503
    until the restarted appender takes it (201), and never with a receipt before."""
    from tests.web.test_durability import _sign_in, serving

    with fresh_database("postgresql", tmp_path / "db") as url:
        voter = _version_1_voter(url, tmp_path)
        with serving(url, 2, tmp_path) as server:
            assert server.process is not None
            first = _appenders_of(server.process.pid)
            assert len(first) == 1, first
            _sign_in(voter, server)
            r = _post(
                voter,
                "credential",
                json.dumps({"credential": voter.credential.public.hex()}).encode(),
            )
            assert r.status_code == 201, r.text  # the credential, registered through the appender
            r = _post(voter, "ballots", voter.ballots[0])
            assert r.status_code == 201, r.text
            os.kill(first[0], signal.SIGKILL)
            statuses = []
            deadline = time.monotonic() + 30
            while not statuses or statuses[-1] != 201:
                assert time.monotonic() < deadline, statuses
                statuses.append(_post(voter, "ballots", voter.ballots[1]).status_code)
                time.sleep(0.05)
            # the first cast comes well within the supervisor's restart delay (0.5 s)
            assert statuses[0] == 503 and set(statuses) == {503, 201}, statuses
            again = _appenders_of(server.process.pid)
            assert len(again) == 1 and again != first, (first, again)
            serve_pid = server.process.pid
        # killed (SIGKILL to its group), the server left its appender's directory; the
        # next one removes it (or a server another test started meanwhile already did)
        remove_stale_directories()
        left = Path(tempfile.gettempdir()).glob(f"honestballot-appender-{serve_pid}-*")
        assert not list(left)
        assert voter.client is not None
        voter.client.close()


# --- the appender's connections, with an in-process appender whose batches answer at
# once (no database work): what one request process does to the others


def _echo(election_id: str, items: Sequence[Any]) -> list[Any]:
    """Each item's answer: the item itself, or a large block for ``("big", n)``."""
    return [b"x" * 65536 if item[0] == "big" else (election_id, item) for item in items]


@pytest.fixture
def echo(tmp_path: Path) -> Iterator[AppenderServer]:
    store = SqlStore(f"sqlite:///{tmp_path / 'echo.sqlite'}", pool_size=1)
    server = AppenderServer(store, str(tmp_path / "echo.sock"), b"e" * 32)
    server.queues = {CASTS: BatchQueue(_echo), CREDENTIALS: BatchQueue(_echo)}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.close()
        thread.join(5)
        store.close()


def _address(server: AppenderServer) -> str:
    return server.address


def test_each_answer_goes_to_its_own_request_with_many_in_flight(
    echo: AppenderServer,
) -> None:
    """Two request processes' clients, each with four threads submitting at once: every
    future gets the answer to its own item (not another voter's receipt)."""
    clients = [AppenderClient(_address(echo), b"e" * 32) for _ in range(2)]
    barrier = threading.Barrier(8)

    def one_thread(client: AppenderClient, name: str) -> list[tuple[Any, Any]]:
        barrier.wait()
        sent = [(("ballot", name, i), client.submit(CASTS, f"e-{name}", ("ballot", name, i)))
                for i in range(60)]  # fmt: skip
        return [(item, _outcome(done)) for item, done in sent]

    try:
        with ThreadPoolExecutor(8) as pool:
            results = pool.map(
                lambda k: one_thread(clients[k % 2], f"t{k}"), range(8)
            )  # fmt: skip
            answered = [pair for result in results for pair in result]
        assert len(answered) == 480
        assert all(answer == (f"e-{item[1]}", item) for item, answer in answered)
    finally:
        for client in clients:
            client.close()


def test_a_process_that_stops_reading_its_answers_holds_up_no_other(
    echo: AppenderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One connection sends 100 items whose answers (64 KB each) it never reads: the
    other connection's requests are answered at once, and the silent reader's connection
    is cut once ANSWER_BACKLOG answers wait for it."""
    # (above the 20 answers the other connection may have waiting at once)
    monkeypatch.setattr(appender_module, "ANSWER_BACKLOG", 30)
    stalled = appender_module._connect(_address(echo), b"e" * 32)
    try:
        try:
            for i in range(100):
                stalled.send((CASTS, i, "e", ("big", i)))
        except (BrokenPipeError, ConnectionResetError):
            pass  # already cut: its backlog filled while it was still sending
        time.sleep(0.5)  # its answers fill the socket's buffer, then its backlog
        other = AppenderClient(_address(echo), b"e" * 32)
        try:
            started = time.monotonic()
            answers = [other.submit(CASTS, "e", ("ballot", i)) for i in range(20)]
            assert [f.result(timeout=10) for f in answers] == [
                ("e", ("ballot", i)) for i in range(20)
            ]
            assert time.monotonic() - started < 2
        finally:
            other.close()
        received = 0
        with pytest.raises((EOFError, OSError)):
            while stalled.poll(5):
                stalled.recv()
                received += 1
            raise EOFError("nothing more within 5 s")
        assert received < 100  # cut: the rest were never sent
    finally:
        stalled.close()


def test_a_peer_that_never_answers_the_challenge_keeps_nobody_else_out(
    echo: AppenderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A peer that connects and stays silent holds only its own connection's thread
    (for CONNECT_TIMEOUT_S, here 30 s): a request process connecting after it is served."""
    import socket

    monkeypatch.setattr(appender_module, "CONNECT_TIMEOUT_S", 30.0)
    with socket.socket(socket.AF_UNIX) as silent:
        silent.connect(_address(echo))
        time.sleep(0.2)
        client = AppenderClient(_address(echo), b"e" * 32)
        try:
            started = time.monotonic()
            assert client.submit(CASTS, "e", ("ballot", 1)).result(timeout=10) == (
                "e",
                ("ballot", 1),
            )
            assert time.monotonic() - started < 2
        finally:
            client.close()


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_concurrent_requests_to_a_mute_appender_fail_together_without_leaks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Six requests at once to a socket that never answers the challenge: one attempt to
    connect, all six fail within about one timeout (not one after the other), and no
    socket or thread is left behind."""
    import socket

    monkeypatch.setattr(appender_module, "CONNECT_TIMEOUT_S", 0.5)
    path = str(tmp_path / "mute.sock")
    with socket.socket(socket.AF_UNIX) as mute:
        mute.bind(path)
        mute.listen(16)
        client = AppenderClient(path, b"k" * 32)
        descriptors, threads = _open_descriptors(), threading.active_count()
        barrier = threading.Barrier(6)

        def one() -> float:
            barrier.wait()
            started = time.monotonic()
            with pytest.raises(StorageUnavailable):
                client.submit(CASTS, "e", None)
            return time.monotonic() - started

        with ThreadPoolExecutor(6) as pool:
            waited = list(pool.map(lambda _: one(), range(6)))
        assert max(waited) < 1.5, waited
        assert _open_descriptors() == descriptors
        assert threading.active_count() == threads
        # later, a request tries again (the appender may be back): one attempt more
        started = time.monotonic()
        with pytest.raises(StorageUnavailable):
            client.submit(CASTS, "e", None)
        assert 0.4 < time.monotonic() - started < 1.5
        client.close()


def test_the_health_check_reports_a_missing_appender(echo: AppenderServer, tmp_path: Path) -> None:
    """A worker whose casts go through the appender process: /healthz's check passes
    while the appender takes connections, and fails (503) once none runs."""
    from honestballot.service.runtime import ServerConfig, Services

    config = ServerConfig(
        database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
        background=False,
        appender=_address(echo),
        appender_key=(b"e" * 32).hex(),
    )
    services = Services(config)
    try:
        services.check_storage()
        echo.close()  # the appender is gone: its connection ends, no new one is taken
        deadline = time.monotonic() + 10
        while True:
            try:
                services.check_storage()
            except StorageUnavailable as exc:
                assert exc.kind == UNREACHABLE
                break
            assert time.monotonic() < deadline, "the health check still passes"
            time.sleep(0.05)
    finally:
        services.stop()


def test_a_queue_refuses_items_after_it_stopped_without_starting_again() -> None:
    queue: BatchQueue[Any, Any] = BatchQueue(_echo)
    assert queue.submit("e", ("ballot", 1)).result(timeout=10) == ("e", ("ballot", 1))
    queue.stop()
    late = queue.submit("e", ("ballot", 2))
    with pytest.raises(StorageUnavailable):
        late.result(timeout=1)
    assert queue._thread is None
    started = time.monotonic()
    queue.stop()
    assert time.monotonic() - started < 1


def test_restarts_back_off_up_to_a_cap(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An appender that fails at every start is started again after 0.05, 0.1, 0.2 s…,
    never more than ``max_restart_delay_s`` apart."""
    import logging
    import subprocess

    supervisor = AppenderSupervisor(
        "postgresql://nobody@127.0.0.1:1/none", restart_delay_s=0.05, max_restart_delay_s=0.2
    )
    spawned: list[float] = []

    def failing(wait_s: float) -> None:
        spawned.append(time.monotonic())
        supervisor.process = subprocess.Popen(["false"])
        supervisor.starts += 1
        supervisor._started_at = time.monotonic()

    monkeypatch.setattr(supervisor, "_spawn", failing)
    caplog.set_level(logging.ERROR, logger="honestballot.service.board.appender")
    supervisor.start()
    try:
        deadline = time.monotonic() + 10
        while len(spawned) < 6:
            assert time.monotonic() < deadline, spawned
            time.sleep(0.02)
    finally:
        supervisor.stop()
    delays = [
        float(r.getMessage().rsplit(" in ", 1)[1].split()[0])
        for r in caplog.records
        if "starting it again" in r.getMessage()
    ][:5]
    assert delays == [0.05, 0.1, 0.2, 0.2, 0.2]
    gaps = [b - a for a, b in itertools.pairwise(spawned)]
    assert all(gap >= delay for gap, delay in zip(gaps, delays, strict=True)), (gaps, delays)


def test_serve_sets_the_appender_for_its_workers_or_clears_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An appender's address inherited from elsewhere never reaches the workers: one
    worker, SQLite and HONESTBALLOT_APPENDER_PROCESS=0 run none; several workers on
    PostgreSQL, however its URL is spelt, run one and hand its address on."""
    from honestballot.cli import serve

    started: list[str] = []

    class Supervisor:
        def __init__(self, database_url: str) -> None:
            self.database_url = database_url

        def start(self) -> None:
            started.append(self.database_url)

        def env(self) -> dict[str, str]:
            return {ADDRESS_ENV: "/run/ours.sock", KEY_ENV: "cd" * 32}

    monkeypatch.setattr(serve, "AppenderSupervisor", Supervisor)
    pg = "postgresql://u@127.0.0.1/db"
    cases = [("sqlite:///x.sqlite", 2, "1"), (pg, 1, "1"), (pg, 2, "0")]
    for database, workers, process in cases:
        monkeypatch.setenv(ADDRESS_ENV, "/tmp/inherited.sock")
        monkeypatch.setenv(KEY_ENV, "ab" * 32)
        monkeypatch.setenv("HONESTBALLOT_APPENDER_PROCESS", process)
        assert serve.start_appender(database, workers) is None, (database, workers)
        assert ADDRESS_ENV not in os.environ and KEY_ENV not in os.environ
    assert started == []
    monkeypatch.setenv("HONESTBALLOT_APPENDER_PROCESS", "1")
    for database in (pg, "postgres://u@127.0.0.1/db"):
        monkeypatch.setenv(ADDRESS_ENV, "/tmp/inherited.sock")
        assert serve.start_appender(database, 2) is not None
        assert os.environ[ADDRESS_ENV] == "/run/ours.sock"
    assert started == [pg, "postgres://u@127.0.0.1/db"]
