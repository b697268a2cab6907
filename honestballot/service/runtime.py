"""One server process: its configuration, the services it holds, and its background work
(the tree-head signer, the snapshot writer, the notice outbox).

Nothing here is state another process needs: every process builds its own
:class:`Services` from the same configuration and shares only the database.  The web and
the command line reach the store only through here: :func:`open_store` and
:func:`default_database_url`, :func:`storage_errors`, which turns a database that
cannot be opened or reached into :class:`~honestballot.errors.StorageUnavailable`, and
:data:`STORAGE_UNAVAILABLE`, the store's exceptions for a database that is down.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Final

from honestballot.errors import StorageUnavailable
from honestballot.service.activity import export_activity_csv, export_roll_csv
from honestballot.service.board.batches import BatchPoster, default_cover_workers
from honestballot.service.board.board_views import BoardViews
from honestballot.service.board.close import CloseSteps
from honestballot.service.board.election import ElectionService
from honestballot.service.board.result_views import ResultViews
from honestballot.service.clock import now_ms
from honestballot.service.messages.notices import (
    DEFAULT_DELAY_MAX_S,
    DEFAULT_DELAY_MIN_S,
    DEFAULT_ROUND_S,
    NoticeSchedule,
    Outbox,
)
from honestballot.service.messages.senders import Sender
from honestballot.service.messages.senders_url import sender_from_url
from honestballot.service.reports import Reports
from honestballot.service.security.csrf import CSRF_KEY_NAME
from honestballot.service.security.keys import SecretStr, ServerKey, server_key
from honestballot.service.security.organisers import Organisers
from honestballot.service.security.proxies import TrustedProxies
from honestballot.service.snapshots import SnapshotWriter
from honestballot.service.voters.revoting import RevotingDesk
from honestballot.service.voters.roll import Roll
from honestballot.service.voters.signin import SignIn
from honestballot.service.voters.signin_pacing import CodeRequests
from honestballot.service.voters.voting import VotingDesk
from honestballot.service.web_demo import WebDemo, setup_web_demo
from honestballot.store.sql import UNAVAILABLE_ERRORS, SqlStore, StorageError, default_url

# the operators' log filters name the web process's logger
log = logging.getLogger("honestballot.web")


def default_database_url() -> str:
    """The store used when none is named: a SQLite file in the working directory."""
    return default_url()


def open_store(url: str, *, pool_size: int = 10) -> SqlStore:
    """The store at ``url`` (``sqlite:///file`` or ``postgresql://…``), migrated."""
    return SqlStore(url, pool_size=pool_size)


def open_election_service(url: str) -> ElectionService:
    """The election service over the store at ``url`` (what one command-line call uses)."""
    return ElectionService(open_store(url))


def open_board_views(url: str) -> BoardViews:
    """The board's read-only views over the store at ``url``, with its election service
    (``.elections``)."""
    elections = open_election_service(url)
    return BoardViews(elections.store, elections)


def export_activity(url: str, election_id: str, out: IO[str]) -> int:
    """Operator: the activity log of the election in the store at ``url`` as CSV to
    ``out`` (see :func:`~honestballot.service.activity.export_activity_csv`)."""
    return export_activity_csv(open_store(url), election_id, out)


def export_roll(url: str, election_id: str, out: IO[str]) -> int:
    """Operator: the roll of the election in the store at ``url`` in the audit's format
    to ``out`` (see :func:`~honestballot.service.activity.export_roll_csv`)."""
    return export_roll_csv(open_store(url), election_id, out)


def prepare_database(url: str, *, demo_trustees: Path | None = None) -> WebDemo | None:
    """Open the store at ``url`` once, which migrates it (before a server's workers
    start); with ``demo_trustees``, also create and open the web demo election there
    (None if it is already in this store, or without ``demo_trustees``)."""
    store = open_store(url)
    try:
        if demo_trustees is None:
            return None
        return setup_web_demo(ElectionService(store), Roll(store), demo_trustees)
    finally:
        store.close()


def create_organiser_token(url: str, label: str, election_id: str | None) -> SecretStr:
    """A new organiser token for ``label`` in the store at ``url`` (returned once; only
    its MAC is stored), for ``election_id`` only or, with None, for every election."""
    store = open_store(url)
    try:
        return Organisers(store).create_token(label, election_id)
    finally:
        store.close()


#: the exceptions of a database that cannot be used now (unreachable, disk full, locked):
#: the web answers them 503 with ``Retry-After``; any other database error is a fault
STORAGE_UNAVAILABLE: tuple[type[Exception], ...] = UNAVAILABLE_ERRORS


@contextmanager
def storage_errors() -> Iterator[None]:
    """Turn a database that cannot be opened or reached into :class:`StorageUnavailable`.

    The driver's text may carry statement parameters, so only the error's kind is kept."""
    try:
        yield
    except StorageError as exc:
        raise StorageUnavailable(type(exc).__name__) from None


REMOVED_TRUST_PROXY = (
    "--trust-proxy (HONESTBALLOT_TRUST_PROXY) is gone: it believed the client's own "
    "X-Forwarded-For. Name the reverse proxies instead, e.g. --trusted-proxy 127.0.0.1 "
    "for one on this host or --trusted-proxy 10.0.0.0/8 (repeatable; "
    "HONESTBALLOT_TRUSTED_PROXIES=10.0.0.0/8,::1); see docs/deployment.md"
)


_COVER_WORKERS_ENV: Final = "HONESTBALLOT_COVER_WORKERS"


def _cover_workers(env: Mapping[str, str]) -> int:
    """The cover's worker processes: ``HONESTBALLOT_COVER_WORKERS``, else one a core."""
    value = env.get(_COVER_WORKERS_ENV, "")
    return int(value) if value.strip() else default_cover_workers()


@dataclass(frozen=True)
class ServerConfig:
    database_url: str = field(default_factory=default_database_url)
    #: where one-time codes and notices go (see service/messages/senders_url.sender_from_url)
    sender: str = "console"
    #: turnout snapshots are written here and served as static files
    snapshot_dir: Path = Path("honestballot-snapshots")
    snapshot_interval_s: float = 3.0
    #: cast notices go out in rounds this far apart, each a random delay after its cast
    #: (see service/messages/notices.NoticeSchedule and docs/threat-model.md)
    notice_round_s: float = DEFAULT_ROUND_S
    notice_delay_min_s: float = DEFAULT_DELAY_MIN_S
    notice_delay_max_s: float = DEFAULT_DELAY_MAX_S
    #: how often the board's tree head is signed while it grows
    tree_head_interval_s: float = 5.0
    #: run the snapshot writer and the notice outbox in this process
    background: bool = True
    #: cookies only over HTTPS (set in production behind TLS)
    secure_cookies: bool = False
    #: the reverse proxies whose X-Forwarded-For is believed (see service/security/proxies)
    trusted_proxies: TrustedProxies = field(default_factory=TrustedProxies)
    #: database connections per process: one per request thread (anyio runs 40)
    pool_size: int = 40
    #: worker processes making re-voting protection's cover ahead of its batch
    #: (service/board/batches.py; 0: the posting thread makes it): read from
    #: ``HONESTBALLOT_COVER_WORKERS`` unless given, else one a core
    cover_workers: int = field(default_factory=lambda: _cover_workers(os.environ))

    @classmethod
    def from_env(cls) -> ServerConfig:
        """The configuration ``honestballot serve`` passes to worker processes.

        ValueError for a malformed ``HONESTBALLOT_TRUSTED_PROXIES`` and for the removed
        ``HONESTBALLOT_TRUST_PROXY=1``, which trusted any client's own X-Forwarded-For."""
        env = os.environ
        if env.get("HONESTBALLOT_TRUST_PROXY", "0") not in ("", "0"):
            raise ValueError(REMOVED_TRUST_PROXY)
        return cls(
            database_url=env.get("HONESTBALLOT_DATABASE") or default_database_url(),
            sender=env.get("HONESTBALLOT_SENDER", "console"),
            snapshot_dir=Path(env.get("HONESTBALLOT_SNAPSHOTS", "honestballot-snapshots")),
            snapshot_interval_s=float(env.get("HONESTBALLOT_SNAPSHOT_INTERVAL", "3")),
            background=env.get("HONESTBALLOT_BACKGROUND", "1") == "1",
            secure_cookies=env.get("HONESTBALLOT_SECURE_COOKIES", "0") == "1",
            trusted_proxies=TrustedProxies.parse([env.get("HONESTBALLOT_TRUSTED_PROXIES", "")]),
            pool_size=int(env.get("HONESTBALLOT_POOL_SIZE", "40")),
            cover_workers=_cover_workers(env),
            notice_round_s=float(env.get("HONESTBALLOT_NOTICE_ROUND", DEFAULT_ROUND_S)),
            notice_delay_min_s=float(env.get("HONESTBALLOT_NOTICE_DELAY_MIN", DEFAULT_DELAY_MIN_S)),
            notice_delay_max_s=float(env.get("HONESTBALLOT_NOTICE_DELAY_MAX", DEFAULT_DELAY_MAX_S)),
        )

    def to_env(self) -> dict[str, str]:
        return {
            "HONESTBALLOT_DATABASE": self.database_url,
            "HONESTBALLOT_SENDER": self.sender,
            "HONESTBALLOT_SNAPSHOTS": str(self.snapshot_dir),
            "HONESTBALLOT_SNAPSHOT_INTERVAL": str(self.snapshot_interval_s),
            "HONESTBALLOT_BACKGROUND": "1" if self.background else "0",
            "HONESTBALLOT_SECURE_COOKIES": "1" if self.secure_cookies else "0",
            "HONESTBALLOT_TRUSTED_PROXIES": str(self.trusted_proxies),
            "HONESTBALLOT_POOL_SIZE": str(self.pool_size),
            _COVER_WORKERS_ENV: str(self.cover_workers),
            "HONESTBALLOT_NOTICE_ROUND": str(self.notice_round_s),
            "HONESTBALLOT_NOTICE_DELAY_MIN": str(self.notice_delay_min_s),
            "HONESTBALLOT_NOTICE_DELAY_MAX": str(self.notice_delay_max_s),
        }

    def notice_schedule(self) -> NoticeSchedule:
        """When cast notices go out; raises InvalidInput for settings out of range."""
        return NoticeSchedule(self.notice_delay_min_s, self.notice_delay_max_s, self.notice_round_s)


class Services:
    def __init__(self, config: ServerConfig, sender: Sender | None = None) -> None:
        self.config = config
        self.store = open_store(config.database_url, pool_size=config.pool_size)
        self.sender = sender if sender is not None else sender_from_url(config.sender)
        self.elections = ElectionService(self.store)
        self.board = BoardViews(self.store, self.elections)
        self.results = ResultViews(self.store, self.elections)
        self.roll = Roll(self.store, now_ms)
        self.signin = SignIn(self.store, self.sender, now_ms)
        self.code_requests = CodeRequests(self.signin)
        self.organisers = Organisers(self.store, now_ms)
        self.reports = Reports(self.store, now_ms)
        self.outbox = Outbox(self.store, self.sender, now_ms, schedule=config.notice_schedule())
        self.desk = VotingDesk(self.roll)
        #: re-voting protection's flow (registrations and ballots version 2)
        self.revoting = RevotingDesk(self.elections, now_ms)
        #: the batches of elections with re-voting protection (service/board/batches.py)
        self.batches = BatchPoster(self.elections, cover_workers=config.cover_workers)
        self.elections.poster = self.batches  # the close uses its cover and workers
        #: the trustees' objects of the close of such elections (service/board/close.py)
        self.close = CloseSteps(self.elections)
        self.csrf_key = bytes(server_key(self.store, CSRF_KEY_NAME))
        self.snapshots = SnapshotWriter(
            self.store, config.snapshot_dir, config.snapshot_interval_s, results=self.results
        )
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def check_storage(self) -> None:
        """The health check: one cheap query; StorageUnavailable unless the database
        answers."""
        with storage_errors():
            self.store.ping()

    def server_key(self, name: str) -> ServerKey:
        """The server key called ``name`` (created on first use; the same in every process)."""
        return server_key(self.store, name)

    def start_background(self) -> None:
        self.snapshots.run_once()
        self.snapshots.start()
        self._stop.clear()
        self._threads = [
            threading.Thread(
                target=self.outbox.run_forever,
                args=(self._stop,),
                name="honestballot-outbox",
                daemon=True,
            ),
            threading.Thread(target=self._sign_heads, name="honestballot-heads", daemon=True),
            threading.Thread(
                target=self.batches.run_forever,
                args=(self._stop,),
                name="honestballot-batches",
                daemon=True,
            ),
        ]
        for thread in self._threads:
            thread.start()

    def _sign_heads(self) -> None:
        """Sign a tree head of every growing board every few seconds (CT's maximum merge
        delay): voters' inclusion proofs and observers' downloads use the latest one
        without ever taking an election's lock on a read."""
        while not self._stop.wait(max(0.5, self.config.tree_head_interval_s)):
            try:
                self.sign_heads_once()
            except Exception as exc:
                log.error("signing tree heads failed: %s", type(exc).__name__)

    def sign_heads_once(self) -> int:
        signed = 0
        for election_id in self.store.list_elections():
            latest = self.store.latest_tree_head_line(election_id)
            if latest is None or latest[0] < self.elections.tree(election_id).size:
                self.elections.publish_tree_head(election_id)
                signed += 1
        return signed

    def stop(self) -> None:
        self._stop.set()
        self.snapshots.stop()
        for thread in self._threads:
            thread.join(10)
        self.batches.shutdown()
        self.store.close()
