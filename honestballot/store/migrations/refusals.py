"""A migration's refusal of data it must not carry over: named, with nothing changed (the
migrations run in one transaction, store/migrate.py)."""

from __future__ import annotations

from sqlalchemy import Connection, text

from honestballot.errors import ProtocolError


def refuse_elections(conn: Connection, query: str, message: str) -> None:
    """Raise :class:`ProtocolError` with ``message`` (its ``{names}`` the first five
    elections, sorted) if ``query``, whose rows' first column is an election's id, finds
    any."""
    found = conn.execute(text(query)).all()
    if found:
        names = ", ".join(sorted(str(r[0]) for r in found)[:5])
        raise ProtocolError(message.format(names=names))
