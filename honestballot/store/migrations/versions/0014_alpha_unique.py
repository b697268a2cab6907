"""Each alpha of a registration, cast ballot or audited ballot version 2 recorded once
per election (a unique index on ``revoting_alphas`` (``election_id``, ``alpha``)).

No object the service accepts shares an alpha with another (docs/coercion.md §3, rule
3): a request reads the alphas recorded and is refused if one of its own is among them.
Voters' requests now run together (store/engine.py, ``transaction(…, shared=True)``),
so two of them can both read that their shared alpha is new; the index makes the later
insert fail, and the request runs again and is refused as it is when sent after the
other (service/voters/revoting.py).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "revoting_alphas_alpha", "revoting_alphas", ["election_id", "alpha"], unique=True
    )


def downgrade() -> None:
    op.drop_index("revoting_alphas_alpha", table_name="revoting_alphas")
