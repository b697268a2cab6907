"""The appender process: one process per machine that appends every cast and credential
batch to the board, fed by the request processes over a Unix socket.

In a single process the cast and credential queues (:mod:`cast_queue`) append from a
thread of the request process; with ``serve --workers N`` on PostgreSQL that thread holds
the election's lock while it competes for its process's GIL with dozens of request
threads, and on a busy machine almost all of a batch's hold is that wait
(docs/performance.md, "Primary day").  Here the appends move to a process of their own:

* the request processes verify ballots and check credential requests as before, then
  send each item (pickled: the parsed ballot, or the :class:`CredentialItem`) over one
  connection per process to the appender, with a request number;
* the appender runs the same :class:`BatchQueue` s over one store (what arrives together
  from every process shares a batch), and answers each request number after its batch's
  commit: the receipt, or the item's own refusal;
* a request's future gets that answer.  If the connection breaks (the appender died,
  was restarted, or never ran), every request waiting on it gets
  :class:`~honestballot.errors.StorageUnavailable`, never a receipt: a receipt is sent
  only after the commit, so nothing acknowledged is lost; an item that was committed but
  whose answer was lost is found on the board when the voter tries again (the batches
  answer a repeat as the first time).  The next request connects again, to the appender
  the supervisor (:class:`AppenderSupervisor`, run by ``serve``) has restarted.

The connection is :mod:`multiprocessing.connection` over ``AF_UNIX`` with an authentication
key (HMAC challenge), in a directory only the server's user can enter.  Only the request
processes of the same server, which share the key, can connect; what they send is
unpickled, as it is between the processes of one program.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import pickle
import queue
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, InvalidStateError
from contextlib import contextmanager, suppress
from multiprocessing.connection import (
    Connection,
    Listener,
    answer_challenge,
    deliver_challenge,
)
from pathlib import Path
from typing import Any, Generic, TypeVar

from honestballot.errors import HonestBallotError, StorageUnavailable
from honestballot.service.board.cast_queue import Announcement, BatchQueue
from honestballot.service.board.election import ElectionService
from honestballot.service.clock import now_ms
from honestballot.service.voters.roll import Roll
from honestballot.service.voters.voting import VotingDesk
from honestballot.store.engine import is_postgresql
from honestballot.store.sql import UNAVAILABLE_ERRORS, SqlStore

log = logging.getLogger(__name__)

#: the environment that tells a request process (and the appender) where the appender
#: listens, and the key both sides share
ADDRESS_ENV = "HONESTBALLOT_APPENDER"
KEY_ENV = "HONESTBALLOT_APPENDER_KEY"
DATABASE_ENV = "HONESTBALLOT_DATABASE"
#: ``0`` keeps each worker's own appender thread even with several workers on PostgreSQL
PROCESS_ENV = "HONESTBALLOT_APPENDER_PROCESS"

CASTS = "casts"
CREDENTIALS = "credentials"

#: what a request gets when the appender cannot be reached or went away before answering
#: (the web answers it 503, as for a database that is down)
UNREACHABLE = "AppenderUnavailable"
#: how long either side of a new connection waits for the other at each step of the key's
#: challenge (and a request process for the appender to accept it)
CONNECT_TIMEOUT_S = 5.0
#: answers waiting to be sent to one request process: a process that stops reading its
#: answers has its connection dropped once this many are waiting (its requests then get
#: StorageUnavailable), and never holds up the batches or another process's answers
ANSWER_BACKLOG = 10_000

Item = TypeVar("Item")
Result = TypeVar("Result")


def _portable(exc: BaseException) -> BaseException:
    """An item's error as it can cross the connection: the domain's errors as they are
    (their ``Text`` keeps its catalogue key), a database that is down as
    StorageUnavailable, anything else by its type's name only (its text may carry
    statement parameters)."""
    if isinstance(exc, HonestBallotError):
        try:
            pickle.loads(pickle.dumps(exc))
            return exc
        except Exception:  # an error that does not pickle, or cannot be made again
            return RuntimeError(f"the append failed ({type(exc).__name__})")
    if isinstance(exc, UNAVAILABLE_ERRORS):
        return StorageUnavailable(type(exc).__name__)
    return RuntimeError(f"the append failed ({type(exc).__name__})")


def _time_limit(conn: Connection, seconds: float) -> None:
    """Bound each blocking send and receive on ``conn`` (and a connect) to ``seconds``
    (0: no bound), at the socket's level: :mod:`multiprocessing.connection` has none."""
    whole = int(seconds)
    limit = struct.pack("ll", whole, int((seconds - whole) * 1_000_000))
    with socket.socket(fileno=os.dup(conn.fileno())) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, limit)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, limit)


def _cut(conn: Connection) -> None:
    """Shut ``conn``'s socket down both ways: a thread blocked sending or receiving on it
    returns (with an error, or the end of the stream) at once."""
    with suppress(OSError), socket.socket(fileno=os.dup(conn.fileno())) as sock:
        sock.shutdown(socket.SHUT_RDWR)


def _handshake(conn: Connection, authkey: bytes, *, accepting: bool) -> None:
    """The key's HMAC challenge both ways (as :class:`Listener` and ``Client`` do it),
    each step bounded by :data:`CONNECT_TIMEOUT_S`: a peer that connects and never
    answers costs its own thread that long, nobody else's."""
    _time_limit(conn, CONNECT_TIMEOUT_S)
    if accepting:
        deliver_challenge(conn, authkey)
        answer_challenge(conn, authkey)
    else:
        answer_challenge(conn, authkey)
        deliver_challenge(conn, authkey)
    _time_limit(conn, 0)


def _connect(address: str, authkey: bytes) -> Connection:
    """A connection to the appender, authenticated; OSError (refused, timed out) or
    AuthenticationError within a few :data:`CONNECT_TIMEOUT_S` whatever the appender does."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        whole = int(CONNECT_TIMEOUT_S)
        limit = struct.pack("ll", whole, int((CONNECT_TIMEOUT_S - whole) * 1_000_000))
        # (a full backlog, an appender that is stopped: connect waits SO_SNDTIMEO at most)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, limit)
        sock.connect(address)
    except BaseException:
        sock.close()
        raise
    conn = Connection(sock.detach())
    try:
        _handshake(conn, authkey, accepting=False)
    except BaseException:
        conn.close()
        raise
    return conn


class AppenderServer:
    """The appender's side: one :class:`BatchQueue` per kind over ``store``, and per
    connected request process a thread that queues what it sends and one that sends the
    answers, each after its batch's commit."""

    def __init__(self, store: SqlStore, address: str, authkey: bytes) -> None:
        self.store = store
        self.authkey = authkey
        self.desk = VotingDesk(ElectionService(store), Roll(store, now_ms), now_ms)
        self.queues: dict[str, BatchQueue[Any, Any]] = {
            CASTS: BatchQueue(self.desk.cast_batch),
            CREDENTIALS: BatchQueue(self.desk.register_credential_batch),
        }
        if os.path.exists(address):  # left by an appender that was killed
            os.unlink(address)
        # no authkey here: accept() would run the challenge on this one accepting thread,
        # where one peer that never answers would hold every other connection back; each
        # connection's own thread runs it instead (_handshake)
        self.address = address
        self.listener = Listener(address, family="AF_UNIX")
        self._closed = threading.Event()
        #: the connections served, with their answers' queue and sending thread
        self._connections: dict[
            Connection, tuple[queue.Queue[tuple[int, bool, Any] | None], threading.Thread]
        ] = {}
        self._connections_lock = threading.Lock()

    def serve_forever(self) -> None:
        while not self._closed.is_set():
            try:
                conn = self.listener.accept()
            except OSError:
                if self._closed.is_set():
                    return
                continue
            if self._closed.is_set():  # close()'s own connection, which wakes accept()
                conn.close()
                return
            threading.Thread(
                target=self._serve, args=(conn,), name="honestballot-appender-conn", daemon=True
            ).start()

    def _serve(self, conn: Connection) -> None:
        try:
            _handshake(conn, self.authkey, accepting=True)
        except Exception as exc:  # no key (AuthenticationError), silent (timed out), gone
            log.warning("a connection to the appender was refused: %s", type(exc).__name__)
            conn.close()
            return
        # the answers go out from a thread of this connection's own: the batch thread that
        # settles the futures only queues them here, so a request process that stops
        # reading holds up nobody else; once ANSWER_BACKLOG wait, its connection is cut
        answers: queue.Queue[tuple[int, bool, Any] | None] = queue.Queue(ANSWER_BACKLOG)
        overrun = threading.Event()

        def answer(number: int, done: Future[Any]) -> None:
            try:
                message: tuple[int, bool, Any] = (number, True, done.result())
            except BaseException as exc:
                message = (number, False, _portable(exc))
            try:
                answers.put_nowait(message)
            except queue.Full:
                if not overrun.is_set():
                    overrun.set()
                    log.error("a request process does not read its answers; it is cut off")
                _cut(conn)

        writer = threading.Thread(
            target=self._send, args=(conn, answers), name="honestballot-appender-send", daemon=True
        )
        writer.start()
        with self._connections_lock:
            self._connections[conn] = (answers, writer)
            if self._closed.is_set():  # close() began before: it will not see this one
                _cut(conn)
        while True:
            try:
                kind, number, election_id, item = conn.recv()
            except (EOFError, OSError):
                break
            self.queues[kind].submit(election_id, item).add_done_callback(
                functools.partial(answer, number)
            )
        _cut(conn)
        with suppress(queue.Full):
            answers.put_nowait(None)
        writer.join(CONNECT_TIMEOUT_S)
        with self._connections_lock:
            self._connections.pop(conn, None)
        conn.close()

    @staticmethod
    def _send(conn: Connection, answers: queue.Queue[tuple[int, bool, Any] | None]) -> None:
        while (message := answers.get()) is not None:
            try:
                conn.send(message)
            except OSError:  # the request process went away (or was cut), its requests too
                _cut(conn)
                return

    def close(self) -> None:
        """Stop taking connections, append what the queues hold, send those answers
        (a second at most), then end every connection: the request processes see it go."""
        if self._closed.is_set():
            return
        self._closed.set()
        with suppress(OSError), socket.socket(socket.AF_UNIX) as wake:
            wake.settimeout(1.0)
            wake.connect(self.address)  # accept() returns, and serve_forever() with it
        self.listener.close()
        for q in self.queues.values():
            q.stop()
        with self._connections_lock:
            connections = list(self._connections.items())
        deadline = time.monotonic() + 1.0
        for conn, (answers, writer) in connections:
            with suppress(queue.Full):
                answers.put_nowait(None)
            writer.join(max(0.0, deadline - time.monotonic()))
            _cut(conn)


class _Link:
    """One connection to the appender and the requests waiting for an answer on it."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.waiting: dict[int, Future[Any]] = {}
        self.broken = False


def _settle(done: Future[Any], ok: bool, value: Any) -> None:
    try:
        if ok:
            done.set_result(value)
        else:
            done.set_exception(value)
    except InvalidStateError:  # the request gave up (its client went away)
        pass


def _fail(waiting: list[Future[Any]]) -> None:
    """Requests whose link broke: whether their items were committed is unknown, so
    they get StorageUnavailable, never a receipt."""
    for done in waiting:
        _settle(done, False, StorageUnavailable(UNREACHABLE))


class AppenderClient:
    """A request process's side: sends items to the appender and hands each answer to the
    request's future; connects on first use, and again after the connection broke.

    ``_lock`` guards the link and its waiting requests only, and is never held while
    connecting: one request at a time connects (under ``_connecting``); the others wait
    for that attempt and, if it failed after they began waiting, fail at once with it
    instead of trying again one after the other."""

    def __init__(self, address: str, authkey: bytes) -> None:
        self.address = address
        self.authkey = authkey
        self._lock = threading.Lock()
        self._connecting = threading.Lock()
        self._link: _Link | None = None
        self._numbers = itertools.count()
        #: time.monotonic() when the last attempt to connect failed
        self._failed_at = -1.0

    def submit(self, kind: str, election_id: str, item: Any) -> Future[Any]:
        done: Future[Any] = Future()
        number = next(self._numbers)
        data = pickle.dumps((kind, number, election_id, item), pickle.HIGHEST_PROTOCOL)
        link = self._connected()
        with self._lock:
            if link.broken:
                waiting: list[Future[Any]] = []
            else:
                link.waiting[number] = done
                try:
                    link.conn.send_bytes(data)
                    return done
                except OSError:
                    link.waiting.pop(number, None)
                    waiting = self._break(link)
        _fail(waiting)
        raise StorageUnavailable(UNREACHABLE)

    def check(self) -> None:
        """StorageUnavailable unless the appender is connected, or accepts a connection
        now (the health check of a request process that appends through it)."""
        self._connected()

    def _live(self) -> _Link | None:
        with self._lock:
            link = self._link
            return link if link is not None and not link.broken else None

    def _connected(self) -> _Link:
        """The live link, connecting first if there is none; StorageUnavailable if the
        appender does not take a connection (within a few CONNECT_TIMEOUT_S)."""
        link = self._live()
        if link is not None:
            return link
        began = time.monotonic()
        if not self._connecting.acquire(timeout=4 * CONNECT_TIMEOUT_S):
            raise StorageUnavailable(UNREACHABLE)
        try:
            link = self._live()
            if link is not None:
                return link
            if self._failed_at >= began:  # the attempt this request waited for failed
                raise StorageUnavailable(UNREACHABLE)
            try:
                conn = _connect(self.address, self.authkey)
            except Exception:  # OSError (refused, timed out), AuthenticationError, EOFError
                self._failed_at = time.monotonic()
                raise StorageUnavailable(UNREACHABLE) from None
            link = _Link(conn)
            with self._lock:
                self._link = link
            threading.Thread(
                target=self._read, args=(link,), name="honestballot-appender-answers", daemon=True
            ).start()
            return link
        finally:
            self._connecting.release()

    def _read(self, link: _Link) -> None:
        while True:
            try:
                number, ok, value = link.conn.recv()
            except Exception:  # EOFError, OSError: the appender went away
                break
            with self._lock:
                done = link.waiting.pop(number, None)
            if done is not None:
                _settle(done, ok, value)
        with self._lock:
            waiting = self._break(link)
        _fail(waiting)

    def _break(self, link: _Link) -> list[Future[Any]]:
        """Close ``link`` (caller holds ``_lock``); the requests still waiting on it, to
        be failed (:func:`_fail`, without the lock)."""
        if not link.broken:
            link.broken = True
            # shut down first: the reading thread may be inside recv on this descriptor
            _cut(link.conn)
            with suppress(OSError):
                link.conn.close()
        if self._link is link:
            self._link = None
        waiting, link.waiting = link.waiting, {}
        return list(waiting.values())

    def close(self) -> None:
        with self._lock:
            waiting = self._break(self._link) if self._link is not None else []
        _fail(waiting)


class RemoteQueue(Generic[Item, Result]):
    """:class:`BatchQueue`'s interface for one kind of item, appended by the appender
    process (the batching happens there, across every request process)."""

    def __init__(self, client: AppenderClient, kind: str) -> None:
        self.client = client
        self.kind = kind

    @contextmanager
    def announce(self) -> Iterator[Announcement | None]:
        """Nothing to announce: the appender batches what reaches it while it commits."""
        yield None

    def submit(
        self, election_id: str, item: Item, announced: Announcement | None = None
    ) -> Future[Result]:
        return self.client.submit(self.kind, election_id, item)

    def cast(self, election_id: str, item: Item, timeout_s: float = 120) -> Result:
        result: Result = self.submit(election_id, item).result(timeout=timeout_s)
        return result

    def stop(self) -> None:
        self.client.close()


def wanted(database_url: str, workers: int, env: Mapping[str, str]) -> bool:
    """Whether ``serve`` runs an appender process: several workers on PostgreSQL, unless
    :data:`PROCESS_ENV` is ``0``."""
    return (
        workers > 1 and is_postgresql(database_url) and env.get(PROCESS_ENV, "1") not in ("", "0")
    )


def client_from_env(env: Mapping[str, str]) -> AppenderClient | None:
    """The client of the appender named in ``env`` (:data:`ADDRESS_ENV`), if any."""
    address = env.get(ADDRESS_ENV, "")
    if not address:
        return None
    return AppenderClient(address, bytes.fromhex(env[KEY_ENV]))


#: the prefix of the directory of an appender's socket, in the temporary directory; the
#: supervising process's pid follows it, so that a later server removes the directories
#: of servers that were killed (SIGKILL leaves no time to remove one)
DIRECTORY_PREFIX = "honestballot-appender-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale_directories(root: str | None = None) -> list[str]:
    """Remove the socket directories (this user's) whose server is gone; their paths."""
    base = Path(root if root is not None else tempfile.gettempdir())
    removed = []
    for entry in base.glob(f"{DIRECTORY_PREFIX}*-*"):
        owner = entry.name[len(DIRECTORY_PREFIX) :].split("-", 1)[0]
        try:
            mine = entry.is_dir() and entry.stat().st_uid == os.getuid()
        except OSError:
            continue
        if mine and owner.isdigit() and not _alive(int(owner)):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(str(entry))
    return removed


class AppenderSupervisor:
    """Runs the appender process for a group of request processes (``serve --workers
    N`` on PostgreSQL), and starts it again whenever it ends without :meth:`stop` having
    asked (killed, failed, or stopped by a signal of its own), after a delay that doubles
    with each start that did not last (``restart_delay_s`` up to ``max_restart_delay_s``).
    :meth:`env` is what the request processes need to reach it."""

    def __init__(
        self,
        database_url: str,
        *,
        restart_delay_s: float = 0.5,
        max_restart_delay_s: float = 10.0,
    ) -> None:
        self.database_url = database_url
        self.restart_delay_s = restart_delay_s
        self.max_restart_delay_s = max_restart_delay_s
        remove_stale_directories()
        self.directory = tempfile.mkdtemp(prefix=f"{DIRECTORY_PREFIX}{os.getpid()}-")
        os.chmod(self.directory, 0o700)
        self.address = str(Path(self.directory) / "appender.sock")
        self.key = os.urandom(32)
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self._started_at = 0.0
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    def env(self) -> dict[str, str]:
        return {ADDRESS_ENV: self.address, KEY_ENV: self.key.hex()}

    def start(self, wait_s: float = 30) -> None:
        self._spawn(wait_s)
        self._watcher = threading.Thread(
            target=self._watch, name="honestballot-appender-watch", daemon=True
        )
        self._watcher.start()

    def _spawn(self, wait_s: float) -> None:
        if os.path.exists(self.address):
            os.unlink(self.address)
        env = dict(os.environ, **self.env(), **{DATABASE_ENV: self.database_url})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "honestballot.service.board.appender", str(os.getpid())],
            env=env,
        )
        self.starts += 1
        self._started_at = time.monotonic()
        deadline = time.monotonic() + wait_s
        while not os.path.exists(self.address):
            if self.process.poll() is not None or time.monotonic() > deadline:
                log.error("the appender process did not start")
                return
            time.sleep(0.02)

    def _watch(self) -> None:
        delay = self.restart_delay_s
        while not self._stop.is_set():
            process = self.process
            if process is not None and process.poll() is not None:
                # whatever ended it (even SIGTERM, exit status 0: stop() is what stops the
                # server's appender for good); a crash at each start backs off
                lasted = time.monotonic() - self._started_at
                if lasted > 4 * self.max_restart_delay_s:
                    delay = self.restart_delay_s
                log.error(
                    "the appender process exited (%s); starting it again in %.2f s",
                    process.returncode,
                    delay,
                )
                if self._stop.wait(delay):
                    return
                delay = min(2 * delay, self.max_restart_delay_s)
                self._spawn(30)
            self._stop.wait(0.1)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(35)
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def _stop_when_orphaned(parent: int) -> None:
    """Stop this appender (as SIGTERM does) once the ``serve`` process that started it
    is gone (killed alone, even before this process was ready): no appender outlives its
    server, holding connections."""
    while os.getppid() == parent:
        time.sleep(0.5)
    log.error("the server that started the appender is gone; the appender stops")
    os.kill(os.getpid(), signal.SIGTERM)


def _die_with_parent() -> None:
    """Linux: SIGTERM to this process when the thread that started it ends (its parent
    killed); the pid check (:func:`_stop_when_orphaned`) covers the rest."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)


def main() -> None:
    """The appender process (started by :class:`AppenderSupervisor` with its pid)."""

    def stop(_signum: int, _frame: Any) -> None:
        # once: a second signal (the group's SIGINT and the supervisor's SIGTERM) must not
        # cut short the queues finishing what they hold
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise SystemExit(0)  # out of accept()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    parent = int(sys.argv[1]) if len(sys.argv) > 1 else os.getppid()
    _die_with_parent()
    # from the start, before the store connects: a server killed while this process was
    # still starting is noticed too (the first check runs at once)
    threading.Thread(
        target=_stop_when_orphaned,
        args=(parent,),
        name="honestballot-appender-parent",
        daemon=True,
    ).start()
    logging.basicConfig(level=logging.WARNING)
    store = SqlStore(os.environ[DATABASE_ENV], pool_size=2)
    try:
        server = AppenderServer(store, os.environ[ADDRESS_ENV], bytes.fromhex(os.environ[KEY_ENV]))
        try:
            server.serve_forever()
        finally:
            server.close()
    finally:
        store.close()


if __name__ == "__main__":
    main()
