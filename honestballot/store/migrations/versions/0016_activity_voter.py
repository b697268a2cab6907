"""An index of the activity log by voter and event.

In an election with re-voting protection the service logs each voter's first ballot only
(docs/coercion.md §9): every cast inserts its ``ballot-cast`` row unless the log holds
one of the voter's already, a lookup this index answers without reading the election's
whole log.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("activity_election_voter", "activity", ["election_id", "voter", "event"])


def downgrade() -> None:
    op.drop_index("activity_election_voter", table_name="activity")
