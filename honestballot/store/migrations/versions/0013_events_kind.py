"""An index of the board's events by kind (``election_id``, ``kind``, ``seq``): the
board positions of the events of one kind (``GET /api/e/{id}/events?kind=``, the
trustees' shares, the part events) are read as an index range, not a scan of every
ballot.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("events_kind", "events", ["election_id", "kind", "seq"])


def downgrade() -> None:
    op.drop_index("events_kind", table_name="events")
