"""The service's designated-verifier secret ``w`` per election (docs/coercion.md §7): the
logarithm of the key ``W`` its setup names, kept beside the board's signing secret.  An
election created before this revision has none (its setup names no ``W``).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("elections") as batch:
        batch.add_column(sa.Column("verifier_secret", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("elections") as batch:
        batch.drop_column("verifier_secret")
