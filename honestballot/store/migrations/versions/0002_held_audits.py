"""Audits held off the board until the close; active credentials counted per unit;
organiser tokens scoped to one election.

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
    # NULL (every existing token): operator-wide, as before
    op.add_column("organiser_tokens", sa.Column("election_id", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organiser_tokens") as batch:
        batch.drop_column("election_id")
    op.drop_table("unit_credentials")
    op.drop_table("held_audit_alphas")
    op.drop_table("held_audits")
