"""Who may come in: the server's keys (in ``settings``), voters' one-time sign-in
codes, the sessions voters ended, rate-limit windows and organiser tokens.

Secrets are stored only as MACs under a server key (codes, tokens) or as bucket names
that do not reveal what they count.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Table, TextClause, bindparam, delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from honestballot.store.engine import StoreBase
from honestballot.store.schema import (
    ended_sessions,
    organiser_tokens,
    rate_limits,
    settings,
    signin_codes,
)


class AccessStore(StoreBase):
    """Settings, sign-in codes, rate limits and organiser tokens (a part of
    :class:`~honestballot.store.sql.SqlStore`)."""

    # -- settings --------------------------------------------------------------------------

    def setting(self, conn: Connection, name: str) -> str | None:
        value = conn.execute(select(settings.c.value).where(settings.c.name == name)).scalar()
        return str(value) if value is not None else None

    def add_setting(self, conn: Connection, name: str, value: str) -> None:
        """Store ``value`` under ``name`` unless the name is taken (the first write wins)."""
        conn.execute(
            _dialect_insert(conn, settings)
            .values(name=name, value=value)
            .on_conflict_do_nothing(index_elements=[settings.c.name])
        )

    # -- sign-in codes ---------------------------------------------------------------------

    def put_signin_code(
        self,
        conn: Connection,
        election_id: str,
        voter_id: int,
        request_mac: bytes,
        code_mac: bytes,
        expires_ms: int,
    ) -> None:
        """The code of one sign-in request (replacing that request's earlier code, never
        another request's), with no attempts yet."""
        conn.execute(
            _put_code(conn.dialect.name),
            {
                "election_id": election_id,
                "voter_id": voter_id,
                "request_mac": request_mac,
                "code_mac": code_mac,
                "expires_ms": expires_ms,
            },
        )

    def lock_signin_code(
        self, conn: Connection, election_id: str, voter_id: int, request_mac: bytes
    ) -> tuple[bytes, int, int] | None:
        """(code MAC, expiry, attempts) of the request's code, its row locked until the
        caller's transaction ends."""
        row = conn.execute(_LOCK_CODE, _code_params(election_id, voter_id, request_mac)).first()
        if row is None:
            return None
        return bytes(row.code_mac), int(row.expires_ms), int(row.attempts)

    def delete_signin_code(
        self, conn: Connection, election_id: str, voter_id: int, request_mac: bytes
    ) -> None:
        conn.execute(_DELETE_CODE, _code_params(election_id, voter_id, request_mac))

    def set_signin_code_attempts(
        self, conn: Connection, election_id: str, voter_id: int, request_mac: bytes, attempts: int
    ) -> None:
        conn.execute(
            update(signin_codes)
            .where(_code_key(election_id, voter_id, request_mac))
            .values(attempts=attempts)
        )

    def purge_signin_codes(self, older_than_ms: int) -> int:
        """Delete codes (and decoys) that expired before ``older_than_ms``; how many."""
        with self.transaction() as conn:
            result = conn.execute(
                delete(signin_codes).where(signin_codes.c.expires_ms < older_than_ms)
            )
            return int(result.rowcount)

    # -- ended sessions --------------------------------------------------------------------

    def end_session(self, session_id: str, expires_ms: int) -> None:
        """Record that the session ``session_id`` (valid until ``expires_ms``) has ended;
        ending it again changes nothing."""
        with self.transaction() as conn:
            conn.execute(
                _dialect_insert(conn, ended_sessions)
                .values(session_id=session_id, expires_ms=expires_ms)
                .on_conflict_do_nothing(index_elements=[ended_sessions.c.session_id])
            )

    def session_ended(self, session_id: str) -> bool:
        with self.single_read() as conn:
            found = conn.execute(_SESSION_ENDED, {"session_id": session_id}).first()
        return found is not None

    def purge_ended_sessions(self, older_than_ms: int) -> int:
        """Forget ended sessions whose token expired before ``older_than_ms`` (it is refused
        as expired by then); how many."""
        with self.transaction() as conn:
            result = conn.execute(
                delete(ended_sessions).where(ended_sessions.c.expires_ms < older_than_ms)
            )
            return int(result.rowcount)

    # -- rate limits -----------------------------------------------------------------------

    def count_hits(self, conn: Connection, windows: list[tuple[str, int]]) -> dict[str, int]:
        """Count one hit on each (bucket, window start), in that order, with one statement;
        bucket → the window's count now."""
        params: dict[str, object] = {}
        for i, (bucket, start) in enumerate(windows):
            params[f"b{i}"], params[f"w{i}"] = bucket, start
        returned = conn.execute(_upsert_hits(len(windows)), params)
        return {str(bucket): int(count) for bucket, count in returned}

    def purge_rate_limits(self, older_than_ms: int) -> int:
        """Delete windows that started before ``older_than_ms``; returns how many."""
        with self.transaction() as conn:
            result = conn.execute(
                delete(rate_limits).where(rate_limits.c.window_start < older_than_ms)
            )
            return int(result.rowcount)

    # -- organiser tokens ------------------------------------------------------------------

    def insert_organiser_token(
        self, token_mac: bytes, label: str, election_id: str | None, created_ms: int
    ) -> None:
        with self.transaction() as conn:
            conn.execute(
                organiser_tokens.insert().values(
                    token_mac=token_mac,
                    label=label,
                    election_id=election_id,
                    created_ms=created_ms,
                )
            )

    def organiser_token(self, token_mac: bytes) -> tuple[str, str | None] | None:
        """(label, election id or ``None``) of the token with this MAC."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(organiser_tokens.c.label, organiser_tokens.c.election_id).where(
                    organiser_tokens.c.token_mac == token_mac
                )
            ).first()
        if row is None:
            return None
        scope = row.election_id
        return str(row.label), None if scope is None else str(scope)

    def delete_organiser_tokens(self, label: str) -> int:
        """Delete every token with ``label``; how many there were."""
        with self.transaction() as conn:
            result = conn.execute(delete(organiser_tokens).where(organiser_tokens.c.label == label))
            return int(result.rowcount)

    def organiser_labels(self) -> list[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(organiser_tokens.c.label).distinct())
            return [str(r[0]) for r in rows]


def _code_key(election_id: str, voter_id: int, request_mac: bytes) -> Any:
    return (
        (signin_codes.c.election_id == election_id)
        & (signin_codes.c.voter_id == voter_id)
        & (signin_codes.c.request_mac == request_mac)
    )


# The sign-in steps' statements, built once so that SQLAlchemy only binds them (building
# a statement on every request cost more than sending it: docs/performance.md, "Service
# CPU per voter").
_CODE_ROW = (
    (signin_codes.c.election_id == bindparam("election_id"))
    & (signin_codes.c.voter_id == bindparam("voter_id"))
    & (signin_codes.c.request_mac == bindparam("request_mac"))
)
_LOCK_CODE = (
    select(signin_codes.c.code_mac, signin_codes.c.expires_ms, signin_codes.c.attempts)
    .where(_CODE_ROW)
    .with_for_update()
)
_DELETE_CODE = delete(signin_codes).where(_CODE_ROW)


_SESSION_ENDED = select(ended_sessions.c.session_id).where(
    ended_sessions.c.session_id == bindparam("session_id")
)


def _code_params(election_id: str, voter_id: int, request_mac: bytes) -> dict[str, Any]:
    return {"election_id": election_id, "voter_id": voter_id, "request_mac": request_mac}


@functools.cache
def _put_code(dialect: str) -> Any:
    """The upsert of one sign-in request's code, with no attempts yet, for a dialect."""
    if dialect not in ("postgresql", "sqlite"):
        raise RuntimeError(f"no upsert for the {dialect} database")
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(signin_codes).values(
        election_id=bindparam("election_id"),
        voter_id=bindparam("voter_id"),
        request_mac=bindparam("request_mac"),
        code_mac=bindparam("code_mac"),
        expires_ms=bindparam("expires_ms"),
        attempts=0,
    )
    return stmt.on_conflict_do_update(
        index_elements=[
            signin_codes.c.election_id,
            signin_codes.c.voter_id,
            signin_codes.c.request_mac,
        ],
        set_={
            "code_mac": stmt.excluded.code_mac,
            "expires_ms": stmt.excluded.expires_ms,
            "attempts": 0,
        },
    )


def _dialect_insert(conn: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT with ``ON CONFLICT`` support for the connection's database."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"no upsert for the {conn.dialect.name} database")


@functools.cache
def _upsert_hits(n: int) -> TextClause:
    """The counting statement for ``n`` buckets (the same text on SQLite and PostgreSQL;
    written out because SQLAlchemy does not cache the compiled multi-row form)."""
    rows = ", ".join(f"(:b{i}, :w{i}, 1)" for i in range(n))
    return text(
        f"INSERT INTO {rate_limits.name} (bucket, window_start, count) VALUES {rows} "
        f"ON CONFLICT (bucket, window_start) DO UPDATE SET count = {rate_limits.name}.count + 1 "
        "RETURNING bucket, count"
    )
