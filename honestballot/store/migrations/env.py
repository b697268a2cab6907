"""Alembic environment: migrations run on a connection the store hands over.

``honestballot.store.migrate.upgrade`` puts an open connection in
``config.attributes["connection"]``, inside the one transaction it began: Alembic then
begins and commits no transaction of its own, and every migration is part of that one
(on SQLite it holds the write lock throughout).  The ``alembic`` command line can also
be used with ``-x url=…`` for an operator who wants to run migrations by hand.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from honestballot.store.schema import metadata

config = context.config


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("give the database with -x url=…")
    engine = create_engine(url)
    with engine.connect() as conn:
        _run(conn)
