"""Batches of an election with re-voting protection (docs/coercion.md §4): each batch
posted (its index, the sequence number and time of its ``batch`` event, how many of its
rows and registrations were real and how many cover, and the longest wait of a real item
in it), and, for each object of the queue, the sequence number of the event that put it
on the board; each credential's count of audits (at most 16, docs/coercion.md §3); and
the cover replacements (§4): each one's secret (its made-up voter and two credentials,
never a ciphertext's randomness), the batches planned for its two registrations, and
how far it got (deleted after the close's padding). No column counts them per batch:
their number K must stay the service's secret.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("revoting_credentials") as batch:
        batch.add_column(sa.Column("audits", sa.Integer, nullable=False, server_default="0"))
    with op.batch_alter_table("board_queue") as batch:
        batch.add_column(sa.Column("posted_seq", sa.BigInteger, nullable=True))
    op.create_index(
        "board_queue_waiting", "board_queue", ["election_id", "kind", "posted_seq", "item_id"]
    )
    op.create_table(
        "revoting_batches",
        sa.Column("election_id", sa.String(64), primary_key=True),
        sa.Column("batch_index", sa.Integer, primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("time_ms", sa.BigInteger, nullable=False),
        sa.Column("real_rows", sa.Integer, nullable=False),
        sa.Column("real_registrations", sa.Integer, nullable=False),
        sa.Column("cover_rows", sa.Integer, nullable=False),
        sa.Column("cover_registrations", sa.Integer, nullable=False),
        sa.Column("longest_wait_ms", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "cover_replacements",
        sa.Column("election_id", sa.String(64), primary_key=True),
        sa.Column("cover_id", sa.Integer, primary_key=True),
        sa.Column("secret", sa.LargeBinary(32), nullable=False),
        sa.Column("first_batch", sa.Integer, nullable=False),
        sa.Column("second_batch", sa.Integer, nullable=False),
        sa.Column("first_seq", sa.BigInteger, nullable=True),
        sa.Column("ballots", sa.Integer, nullable=True),
        sa.Column("ballots_posted", sa.Integer, nullable=False, server_default="0"),
        sa.Column("counter_start", sa.Integer, nullable=True),
        sa.Column("second_seq", sa.BigInteger, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("cover_replacements")
    op.drop_table("revoting_batches")
    op.drop_index("board_queue_waiting", table_name="board_queue")
    with op.batch_alter_table("board_queue") as batch:
        batch.drop_column("posted_seq")
    with op.batch_alter_table("revoting_credentials") as batch:
        batch.drop_column("audits")
