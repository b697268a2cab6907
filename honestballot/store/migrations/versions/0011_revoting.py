"""The service's state for re-voting protection (docs/coercion.md §2.4, §2.6, §3): each
voter's current revocation point, the registration nonces issued to sessions with the
commitment made for each, the credentials (``t``, ``tau``, ``sigma``, current or not,
counter start, ballot count), the objects waiting for the board (registrations, cast
rows, audited ballots version 2) and the alphas of cast and audited ballots version 2.

No column holds the randomness of a board ciphertext: the service draws it, makes the
ciphertext and its proof, and drops it.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("voters") as batch:
        batch.add_column(sa.Column("revocation_point", sa.LargeBinary(32), nullable=True))
    op.create_table(
        "registration_nonces",
        sa.Column("nonce_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("election_id", sa.String(64), nullable=False),
        sa.Column("nonce", sa.LargeBinary(32), nullable=False),
        sa.Column("voter_id", sa.Integer, nullable=False),
        sa.Column("session", sa.String(64), nullable=False),
        sa.Column("revokes_point", sa.LargeBinary(32), nullable=False),
        sa.Column("revokes", sa.LargeBinary(64), nullable=False),
        sa.Column("revokes_proof", sa.LargeBinary(64), nullable=False),
        sa.Column("used", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
    )
    op.create_index(
        "registration_nonces_nonce", "registration_nonces", ["election_id", "nonce"], unique=True
    )
    op.create_index(
        "registration_nonces_session", "registration_nonces", ["election_id", "session"]
    )
    op.create_table(
        "revoting_credentials",
        sa.Column("election_id", sa.String(64), primary_key=True),
        sa.Column("tag_point", sa.LargeBinary(32), primary_key=True),
        sa.Column("tag_secret", sa.LargeBinary(32), nullable=False),
        sa.Column("voting_point", sa.LargeBinary(32), nullable=False),
        sa.Column("voter_id", sa.Integer, nullable=False),
        sa.Column("current", sa.Boolean, nullable=False),
        sa.Column("counter_start", sa.Integer, nullable=True),
        sa.Column("ballots", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
    )
    op.create_index(
        "revoting_credentials_sigma",
        "revoting_credentials",
        ["election_id", "voting_point"],
        unique=True,
    )
    op.create_index(
        "revoting_credentials_voter", "revoting_credentials", ["election_id", "voter_id"]
    )
    op.create_table(
        "board_queue",
        sa.Column("item_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("election_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("tracking_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
    )
    op.create_index(
        "board_queue_tracking", "board_queue", ["election_id", "tracking_hash"], unique=True
    )
    op.create_table(
        "revoting_alphas",
        sa.Column("election_id", sa.String(64), primary_key=True),
        sa.Column("alpha", sa.LargeBinary(32), primary_key=True),
        sa.Column("tracking_hash", sa.LargeBinary(32), primary_key=True),
        sa.Column("audited", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("revoting_alphas")
    op.drop_index("board_queue_tracking", table_name="board_queue")
    op.drop_table("board_queue")
    op.drop_index("revoting_credentials_voter", table_name="revoting_credentials")
    op.drop_index("revoting_credentials_sigma", table_name="revoting_credentials")
    op.drop_table("revoting_credentials")
    op.drop_index("registration_nonces_session", table_name="registration_nonces")
    op.drop_index("registration_nonces_nonce", table_name="registration_nonces")
    op.drop_table("registration_nonces")
    with op.batch_alter_table("voters") as batch:
        batch.drop_column("revocation_point")
