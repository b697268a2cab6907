"""The server's configuration and the services one process holds.

Nothing here is state another process needs: every process builds its own
``Services`` from the same configuration and shares only the database.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from honestballot.service.cast_queue import BatchQueue
from honestballot.service.csrf import CSRF_KEY_NAME
from honestballot.service.election import ElectionService
from honestballot.service.keys import server_key
from honestballot.service.notices import Outbox
from honestballot.service.organisers import Organisers
from honestballot.service.reports import Reports
from honestballot.service.roll import Roll
from honestballot.service.senders import Sender
from honestballot.service.senders_url import sender_from_url
from honestballot.service.signin import SignIn
from honestballot.service.snapshots import SnapshotWriter
from honestballot.service.voting import VotingDesk
from honestballot.store.sql import SqlStore, default_url

#: threads per process verifying ballots
VERIFY_THREADS = 2

log = logging.getLogger("honestballot.web")


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class ServerConfig:
    database_url: str = field(default_factory=default_url)
    #: where one-time codes and notices go (see service/senders.sender_from_url)
    sender: str = "console"
    #: turnout snapshots are written here and served as static files
    snapshot_dir: Path = Path("honestballot-snapshots")
    snapshot_interval_s: float = 3.0
    notice_interval_s: float = 2.0
    #: how often the board's tree head is signed while it grows
    tree_head_interval_s: float = 5.0
    #: run the snapshot writer and the notice outbox in this process
    background: bool = True
    #: cookies only over HTTPS (set in production behind TLS)
    secure_cookies: bool = False
    #: take the client address from X-Forwarded-For (only behind a trusted proxy)
    trust_proxy: bool = False
    #: database connections per process: one per request thread (anyio runs 40)
    pool_size: int = 40

    @classmethod
    def from_env(cls) -> ServerConfig:
        """The configuration ``honestballot serve`` passes to worker processes."""
        env = os.environ
        return cls(
            database_url=env.get("HONESTBALLOT_DATABASE") or default_url(),
            sender=env.get("HONESTBALLOT_SENDER", "console"),
            snapshot_dir=Path(env.get("HONESTBALLOT_SNAPSHOTS", "honestballot-snapshots")),
            snapshot_interval_s=float(env.get("HONESTBALLOT_SNAPSHOT_INTERVAL", "3")),
            background=env.get("HONESTBALLOT_BACKGROUND", "1") == "1",
            secure_cookies=env.get("HONESTBALLOT_SECURE_COOKIES", "0") == "1",
            trust_proxy=env.get("HONESTBALLOT_TRUST_PROXY", "0") == "1",
            pool_size=int(env.get("HONESTBALLOT_POOL_SIZE", "40")),
        )

    def to_env(self) -> dict[str, str]:
        return {
            "HONESTBALLOT_DATABASE": self.database_url,
            "HONESTBALLOT_SENDER": self.sender,
            "HONESTBALLOT_SNAPSHOTS": str(self.snapshot_dir),
            "HONESTBALLOT_SNAPSHOT_INTERVAL": str(self.snapshot_interval_s),
            "HONESTBALLOT_BACKGROUND": "1" if self.background else "0",
            "HONESTBALLOT_SECURE_COOKIES": "1" if self.secure_cookies else "0",
            "HONESTBALLOT_TRUST_PROXY": "1" if self.trust_proxy else "0",
            "HONESTBALLOT_POOL_SIZE": str(self.pool_size),
        }


class Services:
    def __init__(self, config: ServerConfig, sender: Sender | None = None) -> None:
        self.config = config
        self.store = SqlStore(config.database_url, pool_size=config.pool_size)
        self.sender = sender if sender is not None else sender_from_url(config.sender)
        self.elections = ElectionService(self.store)
        self.roll = Roll(self.store, now_ms)
        self.signin = SignIn(self.store, self.sender, now_ms)
        self.organisers = Organisers(self.store, now_ms)
        self.reports = Reports(self.store, now_ms)
        self.outbox = Outbox(self.store, self.sender, now_ms)
        #: ballots are verified here, not in the shared request thread pool: a few threads
        #: keep the process's core busy (the crypto releases the GIL), while dozens of
        #: threads verifying at once would spend CPU handing the GIL round
        self.verifiers = ThreadPoolExecutor(
            VERIFY_THREADS, thread_name_prefix="honestballot-verify"
        )
        self.desk = VotingDesk(self.elections, self.roll, now_ms)
        self.casts = BatchQueue(self.desk.cast_batch)
        self.credentials = BatchQueue(self.desk.register_credential_batch)
        self.desk.casts = self.casts
        self.desk.credentials = self.credentials
        self.csrf_key = bytes(server_key(self.store, CSRF_KEY_NAME))
        self.snapshots = SnapshotWriter(self.store, config.snapshot_dir, config.snapshot_interval_s)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start_background(self) -> None:
        self.snapshots.run_once()
        self.snapshots.start()
        self._stop.clear()
        self._threads = [
            threading.Thread(
                target=self.outbox.run_forever,
                args=(self.config.notice_interval_s, self._stop),
                name="honestballot-outbox",
                daemon=True,
            ),
            threading.Thread(target=self._sign_heads, name="honestballot-heads", daemon=True),
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
        self.casts.stop()
        self.credentials.stop()
        self.verifiers.shutdown(wait=False, cancel_futures=True)
        self.snapshots.stop()
        for thread in self._threads:
            thread.join(10)
        self.store.close()
