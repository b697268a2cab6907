"""Audits held off the board until the close; active credentials counted per unit.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "held_audits",
        sa.Column("election_id", sa.String(64), primary_key=True),
        sa.Column("tracking_hash", sa.LargeBinary(32), primary_key=True),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("time_ms", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "held_audit_alphas",
        sa.Column("election_id", sa.String(64), primary_key=True),
        sa.Column("alpha", sa.LargeBinary(32), primary_key=True),
        sa.Column("tracking_hash", sa.LargeBinary(32), nullable=False),
    )
    op.create_table(
        "unit_credentials",
        sa.Column("election_id", sa.String(64), primary_key=True),
        sa.Column("unit", sa.String(64), primary_key=True),
        sa.Column("active", sa.Integer, nullable=False),
    )
    op.execute(
        "INSERT INTO unit_credentials (election_id, unit, active) "
        "SELECT election_id, unit, COUNT(*) FROM credentials WHERE NOT revoked "
        "GROUP BY election_id, unit"
    )


def downgrade() -> None:
    op.drop_table("unit_credentials")
    op.drop_table("held_audit_alphas")
    op.drop_table("held_audits")
