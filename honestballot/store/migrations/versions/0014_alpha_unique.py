"""Each alpha of a registration, cast ballot or audited ballot version 2 recorded once
per election (a unique index on ``revoting_alphas`` (``election_id``, ``alpha``)).

No object the service accepts shares an alpha with another (docs/coercion.md §3, rule
3): a request reads the alphas recorded and is refused if one of its own is among them.
Voters' requests now run together (store/engine.py, ``transaction(…, shared=True)``),
so two of them can both read that their shared alpha is new; the index makes the later
insert fail, and the request runs again and is refused as it is when sent after the
other (service/voters/revoting.py).

A database that already holds an alpha twice in one election is refused before the index
is made, naming the elections, and nothing is changed (the migrations run in one
transaction, store/migrate.py): the service never accepted such a pair, so it came from
outside honestballot, and which of the two objects to keep is not the upgrade's to decide.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import Connection

from honestballot.store.migrations.refusals import refuse_elections

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _refuse_reused_alphas(op.get_bind())
    op.create_index(
        "revoting_alphas_alpha", "revoting_alphas", ["election_id", "alpha"], unique=True
    )


def downgrade() -> None:
    op.drop_index("revoting_alphas_alpha", table_name="revoting_alphas")


def _refuse_reused_alphas(conn: Connection) -> None:
    """A clear refusal rather than the index's raw integrity error."""
    refuse_elections(
        conn,
        "SELECT DISTINCT election_id FROM revoting_alphas "
        "GROUP BY election_id, alpha HAVING COUNT(*) > 1",
        "the database holds a ciphertext's alpha recorded for two registrations or "
        "ballots of one election (elections: {names}), which honestballot never "
        "accepts: the rows of revoting_alphas were changed outside honestballot; restore "
        "the database from a backup or remove the pair by hand, then upgrade again "
        "(nothing was changed)",
    )
