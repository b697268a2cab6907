"""``revoting_credentials.current`` dropped: which credential is a voter's current one is
the voter's revocation point (``voters.revocation_point`` is its ``tau``).

A registration used to set its voter's previous credential's ``current`` to false, so it
wrote that credential's row, the row a cast or audit under it locks (docs/coercion.md
§2.6, "Timing"); nothing read the column.  A registration now only inserts the new
credential's row.  The downgrade puts the column back, true for the credential whose
``tau`` is its voter's revocation point, and with no server default, as before.

Upgrading: restart every worker together with this upgrade (docs/deployment.md): a
worker from before 0015 still inserts ``current`` into the table that no longer has it.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("revoting_credentials") as batch:
        batch.drop_column("current")


def downgrade() -> None:
    with op.batch_alter_table("revoting_credentials") as batch:
        batch.add_column(
            sa.Column("current", sa.Boolean, nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE revoting_credentials SET current = "
        "(EXISTS (SELECT 1 FROM voters v WHERE v.election_id = revoting_credentials.election_id"
        " AND v.voter_id = revoting_credentials.voter_id"
        " AND v.revocation_point = revoting_credentials.tag_point))"
    )
    # the column had no server default before 0015: the default only filled existing rows
    with op.batch_alter_table("revoting_credentials") as batch:
        batch.alter_column("current", server_default=None)
