"""The store's one facade: :class:`SqlStore`, every part of the database behind one object.

Each part lives in a module of its own, by what it stores:

- the public board: :mod:`~honestballot.store.board` (elections, events, tree heads),
  :mod:`~honestballot.store.credentials` (credentials, unit counts);
- re-voting protection: :mod:`~honestballot.store.revoting` (revocation points,
  registration nonces, credentials with counters, the queue for the board);
- the service's private state: :mod:`~honestballot.store.roll` (voters, contact
  exceptions, turnout counts), :mod:`~honestballot.store.access` (settings and server
  keys, sign-in codes, rate limits, organiser tokens), :mod:`~honestballot.store.notices`,
  :mod:`~honestballot.store.reports`, :mod:`~honestballot.store.activity`;
- the machinery: :mod:`~honestballot.store.engine` (engine, transactions, :data:`Tx`,
  :data:`KeyConflict`, :func:`unique_key_conflict`) and :mod:`~honestballot.store.bulk`
  (multi-row statements, :class:`RowBuffer`).

SQL is written only in ``honestballot.store``; the service calls these methods with the
transactions they hand out.
"""

from __future__ import annotations

from honestballot.store.access import AccessStore
from honestballot.store.activity import ActivityStore, log_first_ballot, record_activity
from honestballot.store.board import BoardStore, StoredEvent
from honestballot.store.bulk import RowBuffer, insert_rows, update_many
from honestballot.store.credentials import CredentialStore
from honestballot.store.engine import (
    UNAVAILABLE_ERRORS,
    KeyConflict,
    LockNotHeld,
    StorageError,
    Tx,
    default_url,
    engine_url,
    unique_key_conflict,
)
from honestballot.store.notices import NoticeStore, insert_notice
from honestballot.store.reports import ReportStore
from honestballot.store.revoting import RevotingStore
from honestballot.store.roll import RollStore

__all__ = [
    "UNAVAILABLE_ERRORS",
    "KeyConflict",
    "LockNotHeld",
    "RowBuffer",
    "SqlStore",
    "StorageError",
    "StoredEvent",
    "Tx",
    "default_url",
    "engine_url",
    "insert_notice",
    "insert_rows",
    "log_first_ballot",
    "record_activity",
    "unique_key_conflict",
    "update_many",
]


class SqlStore(
    BoardStore,
    CredentialStore,
    RollStore,
    RevotingStore,
    AccessStore,
    NoticeStore,
    ReportStore,
    ActivityStore,
):
    """All reads and writes of election state go through this class."""
