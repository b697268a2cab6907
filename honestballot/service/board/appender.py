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
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, InvalidStateError
from contextlib import contextmanager, suppress
from multiprocessing.connection import Client as connect
from multiprocessing.connection import Connection, Listener
from pathlib import Path
from typing import Any, Generic, TypeVar

from honestballot.errors import HonestBallotError, StorageUnavailable
from honestballot.service.board.cast_queue import Announcement, BatchQueue
from honestballot.service.board.election import ElectionService
from honestballot.service.clock import now_ms
from honestballot.service.voters.roll import Roll
from honestballot.service.voters.voting import VotingDesk
from honestballot.store.sql import UNAVAILABLE_ERRORS, SqlStore

log = logging.getLogger(__name__)

#: the environment that tells a request process (and the appender) where the appender
#: listens, and the key both sides share
ADDRESS_ENV = "HONESTBALLOT_APPENDER"
KEY_ENV = "HONESTBALLOT_APPENDER_KEY"
DATABASE_ENV = "HONESTBALLOT_DATABASE"

CASTS = "casts"
CREDENTIALS = "credentials"

#: what a request gets when the appender cannot be reached or went away before answering
#: (the web answers it 503, as for a database that is down)
UNREACHABLE = "AppenderUnavailable"
#: how long a request process waits for the appender to accept its connection
CONNECT_TIMEOUT_S = 5.0

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


class AppenderServer:
    """The appender's side: one :class:`BatchQueue` per kind over ``store``, and a thread
    per connected request process that queues what it sends and answers each item after
    its batch's commit."""

    def __init__(self, store: SqlStore, address: str, authkey: bytes) -> None:
        self.store = store
        self.desk = VotingDesk(ElectionService(store), Roll(store, now_ms), now_ms)
        self.queues: dict[str, BatchQueue[Any, Any]] = {
            CASTS: BatchQueue(self.desk.cast_batch),
            CREDENTIALS: BatchQueue(self.desk.register_credential_batch),
        }
        if os.path.exists(address):  # left by an appender that was killed
            os.unlink(address)
        self.listener = Listener(address, family="AF_UNIX", authkey=authkey)
        self._closed = threading.Event()

    def serve_forever(self) -> None:
        while not self._closed.is_set():
            try:
                conn = self.listener.accept()
            except OSError:
                if self._closed.is_set():
                    return
                continue
            except Exception as exc:  # a peer without the key (AuthenticationError)
                log.warning("a connection to the appender was refused: %s", type(exc).__name__)
                continue
            threading.Thread(
                target=self._serve, args=(conn,), name="honestballot-appender-conn", daemon=True
            ).start()

    def _serve(self, conn: Connection) -> None:
        sending = threading.Lock()

        def answer(number: int, done: Future[Any]) -> None:
            try:
                message: tuple[int, bool, Any] = (number, True, done.result())
            except BaseException as exc:
                message = (number, False, _portable(exc))
            # (OSError: the request process went away, its requests with it)
            with sending, suppress(OSError):
                conn.send(message)

        while True:
            try:
                kind, number, election_id, item = conn.recv()
            except (EOFError, OSError):
                break
            queue = self.queues[kind]
            queue.submit(election_id, item).add_done_callback(functools.partial(answer, number))
        conn.close()

    def close(self) -> None:
        self._closed.set()
        self.listener.close()
        for queue in self.queues.values():
            queue.stop()


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


def _close_late(connected: Future[Connection]) -> None:
    """A connection that came after its request had given up: closed, never used."""
    if connected.exception() is None:
        connected.result().close()


def _fail(waiting: list[Future[Any]]) -> None:
    """Requests whose link broke: whether their items were committed is unknown, so
    they get StorageUnavailable, never a receipt."""
    for done in waiting:
        _settle(done, False, StorageUnavailable(UNREACHABLE))


class AppenderClient:
    """A request process's side: sends items to the appender and hands each answer to the
    request's future; connects on first use, and again after the connection broke."""

    def __init__(self, address: str, authkey: bytes) -> None:
        self.address = address
        self.authkey = authkey
        self._lock = threading.Lock()
        self._link: _Link | None = None
        self._numbers = itertools.count()

    def submit(self, kind: str, election_id: str, item: Any) -> Future[Any]:
        done: Future[Any] = Future()
        number = next(self._numbers)
        data = pickle.dumps((kind, number, election_id, item), pickle.HIGHEST_PROTOCOL)
        with self._lock:
            link = self._connected()
            link.waiting[number] = done
            try:
                link.conn.send_bytes(data)
                return done
            except OSError:
                link.waiting.pop(number, None)
                waiting = self._break(link)
        _fail(waiting)
        raise StorageUnavailable(UNREACHABLE)

    def _connected(self) -> _Link:
        """The live link (caller holds ``_lock``); StorageUnavailable if the appender does
        not accept a connection."""
        if self._link is not None and not self._link.broken:
            return self._link
        # in a thread of its own, so that an appender that accepts but never answers the
        # key's challenge (stopped, hung) holds this process's casts CONNECT_TIMEOUT_S at most
        connected: Future[Connection] = Future()

        def attempt() -> None:
            try:
                connected.set_result(connect(self.address, "AF_UNIX", self.authkey))
            except BaseException as exc:
                connected.set_exception(exc)

        threading.Thread(target=attempt, name="honestballot-appender-connect", daemon=True).start()
        try:
            conn = connected.result(timeout=CONNECT_TIMEOUT_S)
        except Exception:
            connected.add_done_callback(_close_late)
            raise StorageUnavailable(UNREACHABLE) from None
        link = self._link = _Link(conn)
        threading.Thread(
            target=self._read, args=(link,), name="honestballot-appender-answers", daemon=True
        ).start()
        return link

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
        link.broken = True
        if self._link is link:
            self._link = None
        waiting, link.waiting = link.waiting, {}
        with suppress(OSError):
            link.conn.close()
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


def client_from_env(env: Mapping[str, str]) -> AppenderClient | None:
    """The client of the appender named in ``env`` (:data:`ADDRESS_ENV`), if any."""
    address = env.get(ADDRESS_ENV, "")
    if not address:
        return None
    return AppenderClient(address, bytes.fromhex(env[KEY_ENV]))


class AppenderSupervisor:
    """Runs the appender process for a group of request processes (``serve --workers
    N`` on PostgreSQL), and starts it again whenever it dies (killed, or failed); not
    when it stopped as asked (exit status 0, after SIGTERM or SIGINT, which stop the
    whole server).  :meth:`env` is what the request processes need to reach it."""

    def __init__(self, database_url: str, *, restart_delay_s: float = 0.5) -> None:
        self.database_url = database_url
        self.restart_delay_s = restart_delay_s
        self.directory = tempfile.mkdtemp(prefix="honestballot-appender-")
        os.chmod(self.directory, 0o700)
        self.address = str(Path(self.directory) / "appender.sock")
        self.key = os.urandom(32)
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
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
            [sys.executable, "-m", "honestballot.service.board.appender"], env=env
        )
        self.starts += 1
        deadline = time.monotonic() + wait_s
        while not os.path.exists(self.address):
            if self.process.poll() is not None or time.monotonic() > deadline:
                log.error("the appender process did not start")
                return
            time.sleep(0.02)

    def _watch(self) -> None:
        while not self._stop.is_set():
            process = self.process
            if process is not None and process.poll() is not None:
                if process.returncode == 0:
                    # asked to stop (SIGTERM or SIGINT: the server is stopping, and the
                    # same signal reached the whole process group)
                    return
                log.error("the appender process exited (%s); starting it again", process.returncode)
                if self._stop.wait(self.restart_delay_s):
                    return
                self._spawn(30)
            self._stop.wait(0.1)

    def stop(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(5)
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
    is gone (killed alone): no appender outlives its server, holding connections."""
    while os.getppid() == parent:
        time.sleep(1.0)
    log.error("the server that started the appender is gone; the appender stops")
    os.kill(os.getpid(), signal.SIGTERM)


def main() -> None:
    """The appender process (started by :class:`AppenderSupervisor`)."""
    logging.basicConfig(level=logging.WARNING)
    store = SqlStore(os.environ[DATABASE_ENV], pool_size=2)
    server = AppenderServer(store, os.environ[ADDRESS_ENV], bytes.fromhex(os.environ[KEY_ENV]))

    def stop(_signum: int, _frame: Any) -> None:
        raise SystemExit(0)  # out of accept(); the queues finish what they hold

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(
        target=_stop_when_orphaned,
        args=(os.getppid(),),
        name="honestballot-appender-parent",
        daemon=True,
    ).start()
    try:
        server.serve_forever()
    finally:
        server.close()
        store.close()


if __name__ == "__main__":
    main()
