"""Voter sessions ended by signing out, so that a kept session cookie no longer works.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ended_sessions",
        sa.Column("session_id", sa.String(32), primary_key=True),
        sa.Column("expires_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("ended_sessions_expires", "ended_sessions", ["expires_ms"])


def downgrade() -> None:
    op.drop_index("ended_sessions_expires", "ended_sessions")
    op.drop_table("ended_sessions")
