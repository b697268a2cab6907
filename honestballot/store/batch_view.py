"""What a batch of casts or credential registrations reads under the election's lock,
in one statement.

A batch holds the election's lock from its ``SELECT … FOR UPDATE`` to its commit, and
each round trip in between costs the appender thread a wait for the GIL and a core when
the machine is busy (docs/performance.md, "Primary day").  So everything a batch needs
to check its items is read at once, right after the lock: on PostgreSQL one ``UNION
ALL`` of a branch per table, each branch a tagged row of the same six columns, each
list of keys one array parameter.  (It cannot ride on the lock's own statement: a
statement that waited for the lock still reads the other tables as they were when it
began, before the holder it waited for committed.)  On SQLite, in-process, the same is
read with one query a table.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection, Dialect

from honestballot.store.audits import AuditStore
from honestballot.store.board import BoardStore
from honestballot.store.bulk import array_type
from honestballot.store.credentials import CredentialStore
from honestballot.store.roll import RollStore
from honestballot.store.schema import (
    credentials,
    events,
    held_audit_alphas,
    unit_credentials,
    voters,
)


@dataclass
class BatchView:
    """The rows a batch asked for (only those that exist)."""

    #: credential → its row (``unit``, ``latest_tracking``, ``revoked``)
    credentials: dict[bytes, dict[str, Any]] = field(default_factory=dict)
    #: tracking hash → (seq, kind) of the board's ballot or audit with it
    entries: dict[bytes, tuple[int, str]] = field(default_factory=dict)
    #: those of the alphas asked for that a held audit has made public
    audited_alphas: set[bytes] = field(default_factory=set)
    #: unit → its active credentials (units with none are left out)
    active: dict[str, int] = field(default_factory=dict)
    #: voter id → the credential the voter's row holds (None: none yet)
    voter_credentials: dict[int, bytes | None] = field(default_factory=dict)


#: branch → (table, its key column, the SELECT list after the tag, the extra condition):
#: every branch yields (tag, k bytea, b bytea, t text, n bigint, f boolean)
_BRANCHES: dict[str, tuple[Table, str, str, str]] = {
    "credentials": (
        credentials,
        "credential",
        "credential, latest_tracking, unit, NULL::BIGINT, revoked",
        "",
    ),
    "entries": (
        events,
        "tracking_hash",
        "tracking_hash, NULL::BYTEA, kind, seq::BIGINT, NULL::BOOLEAN",
        " AND kind IN ('ballot', 'audit')",
    ),
    "alphas": (
        held_audit_alphas,
        "alpha",
        "alpha, NULL::BYTEA, NULL::TEXT, NULL::BIGINT, NULL::BOOLEAN",
        "",
    ),
    "units": (
        unit_credentials,
        "unit",
        "NULL::BYTEA, NULL::BYTEA, unit::TEXT, active::BIGINT, NULL::BOOLEAN",
        "",
    ),
    "voters": (
        voters,
        "voter_id",
        "NULL::BYTEA, credential, NULL::TEXT, voter_id::BIGINT, NULL::BOOLEAN",
        "",
    ),
}


@functools.lru_cache(maxsize=64)
def _union_sql(dialect: Dialect, branches: tuple[str, ...]) -> str:
    parts = []
    for name in branches:
        table, key, columns, extra = _BRANCHES[name]
        parts.append(
            f"SELECT '{name}'::TEXT, {columns} FROM {table.name}"
            f" WHERE election_id = %s AND {key} = ANY(%s::{array_type(dialect, table, key)}){extra}"
        )
    return " UNION ALL ".join(parts)


class BatchViewStore(BoardStore, CredentialStore, AuditStore, RollStore):
    """The batch's read (a part of :class:`~honestballot.store.sql.SqlStore`)."""

    def batch_view(
        self,
        conn: Connection,
        election_id: str,
        *,
        credentials: Collection[bytes] = (),
        trackings: Collection[bytes] = (),
        alphas: Collection[bytes] = (),
        units: Collection[str] = (),
        voters: Collection[int] = (),
    ) -> BatchView:
        """The rows of these credentials, board entries (by tracking hash), held audits'
        alphas, units' counts of active credentials and voters, in one statement on
        PostgreSQL."""
        wanted: dict[str, list[Any]] = {
            "credentials": sorted(set(credentials)),
            "entries": sorted(set(trackings)),
            "alphas": sorted(set(alphas)),
            "units": sorted(set(units)),
            "voters": sorted(set(voters)),
        }
        asked = tuple(name for name, keys in wanted.items() if keys)
        view = BatchView()
        if not asked:
            return view
        if conn.dialect.name != "postgresql":
            return self._view_one_by_one(conn, election_id, wanted)
        params = tuple(p for name in asked for p in (election_id, wanted[name]))
        for tag, k, b, t, n, f in conn.exec_driver_sql(_union_sql(conn.dialect, asked), params):
            if tag == "credentials":
                view.credentials[bytes(k)] = {
                    "unit": t,
                    "latest_tracking": bytes(b) if b is not None else None,
                    "revoked": bool(f),
                }
            elif tag == "entries":
                view.entries[bytes(k)] = (int(n), str(t))
            elif tag == "alphas":
                view.audited_alphas.add(bytes(k))
            elif tag == "units":
                if n:
                    view.active[str(t)] = int(n)
            else:
                view.voter_credentials[int(n)] = bytes(b) if b is not None else None
        return view

    def _view_one_by_one(
        self, conn: Connection, election_id: str, wanted: dict[str, list[Any]]
    ) -> BatchView:
        found = self.events_by_trackings(conn, election_id, wanted["entries"])
        return BatchView(
            credentials=self.credential_rows(conn, election_id, wanted["credentials"]),
            entries={tracking: (ev.seq, ev.kind) for tracking, ev in found.items()},
            audited_alphas=self.audited_alphas(conn, election_id, wanted["alphas"]),
            active=(
                self.active_credentials_per_unit(conn, election_id, wanted["units"])
                if wanted["units"]
                else {}
            ),
            voter_credentials=(
                self.voter_credentials(conn, election_id, wanted["voters"])
                if wanted["voters"]
                else {}
            ),
        )
