"""One sign-in code per request rather than one per voter: ``signin_codes`` gains the
MAC of the request's id in its primary key, so a stranger's request for a voter's
national ID neither replaces nor uses up the code the voter's own browser asked for.

Codes live ten minutes: the table is recreated empty (a code asked for just before the
upgrade is asked for again).

Revision ID: 0005
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("signin_codes")
    op.create_table(
        "signin_codes",
        sa.Column("election_id", sa.String(64), primary_key=True),
        sa.Column("voter_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("request_mac", sa.LargeBinary(32), primary_key=True),
        sa.Column("code_mac", sa.LargeBinary(32), nullable=False),
        sa.Column("expires_ms", sa.BigInteger, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("signin_codes")
    op.create_table(
        "signin_codes",
        sa.Column("election_id", sa.String(64), primary_key=True),
        sa.Column("voter_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("code_mac", sa.LargeBinary(32), nullable=False),
        sa.Column("expires_ms", sa.BigInteger, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
    )
