"""A short label per voter for a shared phone or e-mail ("mother", "son 2"): the code's
message names it, so that a family on one phone knows whose code it is.  Never a name or
an ID (the SMS gateway reads every message).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("voters") as batch:
        batch.add_column(sa.Column("label", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("voters") as batch:
        batch.drop_column("label")
