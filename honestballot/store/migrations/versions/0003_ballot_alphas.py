"""The ciphertexts' alphas of every ballot cast, so that an audit reusing one is refused.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "ballot_alphas",
        sa.Column("election_id", sa.String(64), primary_key=True),
        sa.Column("alpha", sa.LargeBinary(32), primary_key=True),
        sa.Column("tracking_hash", sa.LargeBinary(32), primary_key=True),
    )
    # Only an election still open can take an audit: fill the table for those.
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT e.election_id, e.tracking_hash, e.line FROM events e "
            "JOIN elections x ON x.election_id = e.election_id "
            "WHERE x.phase = 'open' AND e.kind = 'ballot'"
        )
    )
    found = []
    for election_id, tracking, line in rows:
        ballot = json.loads(bytes(line))["body"]["ballot"]
        alphas = {ct["alpha"] for c in ballot["contests"] for ct in c["ciphertexts"]}
        found += [
            {"election_id": election_id, "alpha": bytes.fromhex(a), "tracking_hash": tracking}
            for a in sorted(alphas)
        ]
    if found:
        op.bulk_insert(table, found)


def downgrade() -> None:
    op.drop_table("ballot_alphas")
