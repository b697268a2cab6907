"""The encrypted roll of an election with re-voting protection: the organiser's signed
parts and roll body, kept until ``open`` posts them, and what the service keeps of each
voter's activation letter (the handle ``V``, the activation point ``A``, the reporting
unit; never the letter's secret).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "encrypted_roll",
        sa.Column("election_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    with op.batch_alter_table("voters") as batch:
        batch.add_column(sa.Column("handle", sa.LargeBinary(32), nullable=True))
        batch.add_column(sa.Column("activation", sa.LargeBinary(32), nullable=True))
        batch.add_column(sa.Column("reporting_unit", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("voters") as batch:
        batch.drop_column("reporting_unit")
        batch.drop_column("activation")
        batch.drop_column("handle")
    op.drop_table("encrypted_roll")
