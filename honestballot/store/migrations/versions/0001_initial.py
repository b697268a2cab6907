"""The first schema: board, roll, sign-in, notices, reports, activity.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "elections",
        sa.Column("election_id", sa.String(64), primary_key=True),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("manifest", sa.Text, nullable=False),
        sa.Column("context", sa.Text, nullable=False),
        sa.Column("board_secret", sa.String(64), nullable=False),
        sa.Column("next_seq", sa.Integer, nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("election_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("time_ms", sa.BigInteger, nullable=False),
        sa.Column("line", sa.LargeBinary, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("tracking_hash", sa.LargeBinary(32), nullable=True),
    )
    op.create_index("events_tracking", "events", ["election_id", "tracking_hash"], unique=True)
    op.create_table(
        "tree_heads",
        sa.Column("election_id", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("line", sa.Text, nullable=False),
    )
    op.create_table(
        "credentials",
        sa.Column("election_id", sa.String(64), primary_key=True),
        sa.Column("credential", sa.LargeBinary(32), primary_key=True),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("latest_tracking", sa.LargeBinary(32), nullable=True),
        sa.Column("revoked", sa.Boolean, nullable=False, server_default="0"),
    )
    op.create_table(
        "voters",
        sa.Column("election_id", sa.String(64), primary_key=True),
        sa.Column("voter_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("national_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("email", sa.String(256), nullable=True),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("credential", sa.LargeBinary(32), nullable=True),
    )
    op.create_index("voters_national_id", "voters", ["election_id", "national_id"], unique=True)
    op.create_index("voters_phone", "voters", ["election_id", "phone"])
    op.create_index("voters_email", "voters", ["election_id", "email"])
    op.create_index("voters_credential", "voters", ["election_id", "credential"])
    op.create_table(
        "contact_exceptions",
        sa.Column("election_id", sa.String(64), primary_key=True),
        sa.Column("contact", sa.String(256), primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "signin_codes",
        sa.Column("election_id", sa.String(64), primary_key=True),
        sa.Column("voter_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("code_mac", sa.LargeBinary(32), nullable=False),
        sa.Column("expires_ms", sa.BigInteger, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
    )
    op.create_table(
        "rate_limits",
        sa.Column("bucket", sa.String(128), primary_key=True),
        sa.Column("window_start", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "settings",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "organiser_tokens",
        sa.Column("token_mac", sa.LargeBinary(32), primary_key=True),
        sa.Column("label", sa.String(128), nullable=False),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "notices",
        sa.Column("notice_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("election_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("destination", sa.String(256), nullable=False),
        sa.Column("subject", sa.String(256), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("sent_ms", sa.BigInteger, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("claimed_until_ms", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_index("notices_pending", "notices", ["sent_ms", "claimed_until_ms"])
    op.create_table(
        "reports",
        sa.Column("report_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("election_id", sa.String(64), nullable=False),
        sa.Column("what", sa.Text, nullable=False),
        sa.Column("place", sa.Text, nullable=False),
        sa.Column("happened", sa.Text, nullable=False),
        sa.Column("attachment", sa.LargeBinary, nullable=True),
        sa.Column("attachment_type", sa.String(64), nullable=True),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("published_text", sa.Text, nullable=True),
        sa.Column("attachment_public", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("published_ms", sa.BigInteger, nullable=True),
    )
    op.create_index("reports_status", "reports", ["election_id", "status"])
    op.create_table(
        "activity",
        sa.Column("activity_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("election_id", sa.String(64), nullable=False),
        sa.Column("time_ms", sa.BigInteger, nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("voter", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("device", sa.String(64), nullable=False),
        sa.Column("user_agent", sa.String(512), nullable=False),
        sa.Column("contact", sa.String(256), nullable=True),
        sa.Column("session", sa.String(64), nullable=True),
    )
    op.create_index("activity_election_time", "activity", ["election_id", "time_ms"])


def downgrade() -> None:
    op.drop_table("activity")
    op.drop_table("reports")
    op.drop_table("notices")
    op.drop_table("organiser_tokens")
    op.drop_table("settings")
    op.drop_table("rate_limits")
    op.drop_table("signin_codes")
    op.drop_table("contact_exceptions")
    op.drop_table("voters")
    op.drop_table("credentials")
    op.drop_table("tree_heads")
    op.drop_table("events")
    op.drop_table("elections")
