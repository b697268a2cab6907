"""The ciphertexts' alphas of every ballot cast, so that an audit reusing one is refused;
the time of each election's last event, so that event times never go backwards.

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
    with op.batch_alter_table("elections") as batch:
        batch.add_column(
            sa.Column("last_time_ms", sa.BigInteger, nullable=False, server_default="0")
        )
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "UPDATE elections SET last_time_ms = COALESCE((SELECT MAX(e.time_ms) FROM events e "
            "WHERE e.election_id = elections.election_id), 0)"
        )
    )
    # Only an election still open can take an audit: fill the table for those.
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
    # An audit held before this revision may reuse the ciphertexts of a ballot another
    # credential cast (the rule then covered only the auditing credential's own ballots):
    # published, its opening would give that ballot's choices, and the board's rules now
    # refuse it, so the close would fail on it.  Such an audit is dropped, as the service
    # now refuses it; a voter's own device never makes one (its randomness is fresh).
    clash = (
        "SELECT h.election_id, h.tracking_hash FROM held_audit_alphas h "
        "JOIN ballot_alphas b ON b.election_id = h.election_id AND b.alpha = h.alpha"
    )
    for election_id, tracking in conn.execute(sa.text(clash)).all():
        for name in ("held_audit_alphas", "held_audits"):
            conn.execute(
                sa.text(f"DELETE FROM {name} WHERE election_id = :e AND tracking_hash = :t"),
                {"e": election_id, "t": tracking},
            )


def downgrade() -> None:
    with op.batch_alter_table("elections") as batch:
        batch.drop_column("last_time_ms")
    op.drop_table("ballot_alphas")
