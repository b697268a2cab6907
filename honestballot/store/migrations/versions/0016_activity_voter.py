"""An index of the activity log by voter and event.

In an election with re-voting protection the service logs each voter's first ballot only
(docs/coercion.md §9): every cast inserts its ``ballot-cast`` row unless the log holds
one of the voter's already, a lookup this index answers without reading the election's
whole log.

A database holding an open election with re-voting protection in which a ballot version
2 was accepted already is refused, naming the elections, and nothing is changed (the
migrations run in one transaction, store/migrate.py): a release before 0016 logged no
ballot of such an election, so a voter's next ballot after the upgrade, a re-vote
perhaps, would be logged as the voter's first. The operator closes such an election (or
lets it end) on the old release, then upgrades.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import Connection

from honestballot.store.migrations.refusals import refuse_elections

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _refuse_open_elections_with_ballots(op.get_bind())
    op.create_index("activity_election_voter", "activity", ["election_id", "voter", "event"])


def downgrade() -> None:
    op.drop_index("activity_election_voter", table_name="activity")


def _refuse_open_elections_with_ballots(conn: Connection) -> None:
    """Open elections with re-voting protection whose log lacks the ballots cast so far."""
    refuse_elections(
        conn,
        "SELECT DISTINCT c.election_id FROM revoting_credentials c "
        "JOIN elections e ON e.election_id = c.election_id "
        "WHERE e.phase = 'open' AND c.ballots > 0",
        "the database holds an open election with re-voting protection in which ballots "
        "were cast already (elections: {names}): this release logs each voter's first "
        "ballot, which the earlier release did not, so a later ballot would be logged as a "
        "voter's first; close these elections (or let their vote end) on the earlier "
        "release, then upgrade (nothing was changed)",
    )
