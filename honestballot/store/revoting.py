"""The service's state for re-voting protection (docs/coercion.md §2.4, §2.6, §3;
migration 0011): each voter's current revocation point, the registration nonces issued
to sessions, the credentials with their counters, the objects waiting for the board and
the alphas of cast and audited ballots version 2.

Every method here runs the same statements whatever a credential's state (current or
revoked): the answer rule of §2.6 starts with the queries (tests/web/test_revoting_api.py
records them).  No method takes or stores the randomness of a board ciphertext.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import and_, delete, false, func, insert, or_, select, text, update
from sqlalchemy.engine import Connection

from honestballot.store.bulk import insert_rows, update_many
from honestballot.store.engine import StoreBase, require_exclusive
from honestballot.store.schema import (
    board_queue,
    cover_replacements,
    encrypted_roll,
    registration_nonces,
    revoting_alphas,
    revoting_batches,
    revoting_credentials,
    voters,
)

#: the most values one ``IN`` list holds
IN_CHUNK = 10_000


class RevotingStore(StoreBase):
    """Re-voting protection's state (a part of :class:`~honestballot.store.sql.SqlStore`)."""

    def has_encrypted_roll(self, conn: Connection, election_id: str) -> bool:
        """Whether the organiser's encrypted roll is kept for the election."""
        q = select(encrypted_roll.c.position).where(encrypted_roll.c.election_id == election_id)
        return conn.execute(q.limit(1)).first() is not None

    # -- voters ----------------------------------------------------------------------------

    def set_revocation_points(
        self, conn: Connection, election_id: str, points: dict[int, bytes]
    ) -> None:
        """Each voter's current revocation point (voter id → point)."""
        update_many(conn, voters, "voter_id", "revocation_point", election_id, points)

    def revoting_voter(
        self, conn: Connection, election_id: str, voter_id: int
    ) -> tuple[bytes, bytes, bytes] | None:
        """(handle, activation point, current revocation point) of a voter of an election
        with an encrypted roll; None for a voter without them."""
        q = select(voters.c.handle, voters.c.activation, voters.c.revocation_point).where(
            voters.c.election_id == election_id, voters.c.voter_id == voter_id
        )
        row = conn.execute(q).first()
        if row is None or None in tuple(row):
            return None
        return bytes(row[0]), bytes(row[1]), bytes(row[2])

    def lock_revoting_voter(
        self, conn: Connection, election_id: str, voter_id: int
    ) -> tuple[bytes, bytes, bytes] | None:
        """:meth:`revoting_voter`, with the voter's row locked until the transaction ends
        (``FOR UPDATE`` on PostgreSQL; SQLite's write transaction holds the whole
        database): a voter's registrations, which run together with other voters'
        requests under the election's shared lock, read and change the voter's
        revocation point one at a time.  A cast or audit never takes it
        (:meth:`lock_credential`)."""
        q = (
            select(voters.c.handle, voters.c.activation, voters.c.revocation_point)
            .where(voters.c.election_id == election_id, voters.c.voter_id == voter_id)
            .with_for_update()
        )
        row = conn.execute(q).first()
        if row is None or None in tuple(row):
            return None
        return bytes(row[0]), bytes(row[1]), bytes(row[2])

    def set_revocation_point(
        self, conn: Connection, election_id: str, voter_id: int, point: bytes
    ) -> None:
        conn.execute(
            update(voters)
            .where(voters.c.election_id == election_id, voters.c.voter_id == voter_id)
            .values(revocation_point=point)
        )

    # -- registration nonces ---------------------------------------------------------------

    def issue_nonce(
        self,
        conn: Connection,
        election_id: str,
        row: dict[str, Any],
        *,
        keep: int,
    ) -> None:
        """Record a nonce issued to a session (``row``: nonce, voter_id, session,
        revokes_point, revokes, revokes_proof, created_ms), then forget the session's
        unused nonces but its newest ``keep``."""
        conn.execute(insert(registration_nonces).values(election_id=election_id, **row))
        mine = and_(
            registration_nonces.c.election_id == election_id,
            registration_nonces.c.session == row["session"],
            registration_nonces.c.used == false(),
        )
        newest = (
            select(registration_nonces.c.nonce_id)
            .where(mine)
            .order_by(registration_nonces.c.nonce_id.desc())
            .limit(keep)
        )
        kept = [int(n) for (n,) in conn.execute(newest)]
        conn.execute(
            delete(registration_nonces).where(mine, registration_nonces.c.nonce_id.not_in(kept))
        )

    def nonce_row(self, conn: Connection, election_id: str, nonce: bytes) -> dict[str, Any] | None:
        q = select(registration_nonces).where(
            registration_nonces.c.election_id == election_id,
            registration_nonces.c.nonce == nonce,
        )
        row = conn.execute(q).mappings().first()
        return None if row is None else dict(row)

    def use_nonce(self, conn: Connection, election_id: str, nonce: bytes) -> bool:
        """Mark an unused nonce used; False if it was used already (or is unknown)."""
        done = conn.execute(
            update(registration_nonces)
            .where(
                registration_nonces.c.election_id == election_id,
                registration_nonces.c.nonce == nonce,
                registration_nonces.c.used == false(),
            )
            .values(used=True)
        )
        return bool(done.rowcount == 1)

    # -- credentials -----------------------------------------------------------------------

    def credential_by_tag(
        self, conn: Connection, election_id: str, tag_point: bytes
    ) -> dict[str, Any] | None:
        """The credential registered with this tag point, current or revoked alike: its
        voter, voting point, counter start, ballot and audit counts (not whether it is
        current, which no column says and nothing that takes a credential may read)."""
        c = revoting_credentials.c
        q = select(c.voter_id, c.voting_point, c.counter_start, c.ballots, c.audits).where(
            revoting_credentials.c.election_id == election_id,
            revoting_credentials.c.tag_point == tag_point,
        )
        row = conn.execute(q).mappings().first()
        return None if row is None else dict(row)

    def lock_credential(
        self, conn: Connection, election_id: str, tag_point: bytes
    ) -> dict[str, Any] | None:
        """:meth:`credential_by_tag`, with the credential's row locked until the
        transaction ends (``FOR UPDATE`` on PostgreSQL; SQLite's write transaction holds
        the whole database): one statement, current or revoked alike.  A cast or audit
        takes it, so that the requests under one credential read and change its counter
        start and counts one at a time; a registration never writes an existing
        credential's row (:meth:`add_credential`), so nothing it does makes this wait
        (docs/coercion.md §2.6, "Timing")."""
        c = revoting_credentials.c
        q = (
            select(c.voter_id, c.voting_point, c.counter_start, c.ballots, c.audits)
            .where(c.election_id == election_id, c.tag_point == tag_point)
            .with_for_update()
        )
        row = conn.execute(q).mappings().first()
        return None if row is None else dict(row)

    def credential_taken(
        self, conn: Connection, election_id: str, tag_point: bytes, voting_point: bytes
    ) -> bool:
        """Whether any registration has this tag point or this voting point."""
        q = select(revoting_credentials.c.tag_point).where(
            revoting_credentials.c.election_id == election_id,
            or_(
                revoting_credentials.c.tag_point == tag_point,
                revoting_credentials.c.voting_point == voting_point,
            ),
        )
        return conn.execute(q.limit(1)).first() is not None

    def add_credential(
        self, conn: Connection, election_id: str, voter_id: int, row: dict[str, Any]
    ) -> None:
        """A new credential of the voter (``row``: tag_point, tag_secret, voting_point,
        created_ms), with no ballot yet.  Only an insert, of keys no other row has: the
        voter's earlier credentials' rows are not written (which one is current is the
        voter's revocation point, :meth:`set_revocation_point`; migration 0015 dropped
        the column that said it), so a registration makes no cast or audit under
        another credential wait."""
        conn.execute(
            insert(revoting_credentials).values(
                election_id=election_id, voter_id=voter_id, ballots=0, **row
            )
        )

    def cast_credentials(
        self, conn: Connection, election_id: str
    ) -> list[tuple[bytes, bytes, int, int]]:
        """(tag point, voting point, counter start, ballots) of every voter's credential
        that cast at least one ballot, current or revoked (the padding pads them all)."""
        c = revoting_credentials.c
        q = (
            select(c.tag_point, c.voting_point, c.counter_start, c.ballots)
            .where(c.election_id == election_id, c.ballots > 0)
            .order_by(c.tag_point)
        )
        return [(bytes(t), bytes(v), int(n), int(b)) for t, v, n, b in conn.execute(q)]

    def cover_replacements_of(self, conn: Connection, election_id: str) -> list[dict[str, Any]]:
        """Every cover replacement of the election."""
        c = cover_replacements.c
        q = select(cover_replacements).where(c.election_id == election_id).order_by(c.cover_id)
        return [dict(row) for row in conn.execute(q).mappings()]

    def count_ballot(
        self, conn: Connection, election_id: str, tag_point: bytes, counter_start: int, ballots: int
    ) -> None:
        """A credential's counter start and ballot count after a ballot."""
        conn.execute(
            update(revoting_credentials)
            .where(
                revoting_credentials.c.election_id == election_id,
                revoting_credentials.c.tag_point == tag_point,
            )
            .values(counter_start=counter_start, ballots=ballots)
        )

    def count_audit(self, conn: Connection, election_id: str, tag_point: bytes) -> None:
        """One more ballot audited under this credential."""
        c = revoting_credentials.c
        conn.execute(
            update(revoting_credentials)
            .where(c.election_id == election_id, c.tag_point == tag_point)
            .values(audits=c.audits + 1)
        )

    # -- the queue for the board -------------------------------------------------------------

    def queued(self, conn: Connection, election_id: str, tracking: bytes) -> tuple[str, str] | None:
        """(kind, body) of the queued object with this tracking hash."""
        q = select(board_queue.c.kind, board_queue.c.body).where(
            board_queue.c.election_id == election_id, board_queue.c.tracking_hash == tracking
        )
        row = conn.execute(q).first()
        return None if row is None else (str(row[0]), str(row[1]))

    def queue_for_board(
        self, conn: Connection, election_id: str, kind: str, tracking: bytes, body: str, now: int
    ) -> None:
        conn.execute(
            insert(board_queue).values(
                election_id=election_id,
                kind=kind,
                tracking_hash=tracking,
                body=body,
                created_ms=now,
            )
        )

    def queued_for_board(self, election_id: str) -> Iterator[tuple[str, bytes, str]]:
        """(kind, tracking hash, body) of every queued object, first in first out."""
        q = (
            select(board_queue.c.kind, board_queue.c.tracking_hash, board_queue.c.body)
            .where(board_queue.c.election_id == election_id)
            .order_by(board_queue.c.item_id)
        )
        with self.engine.connect() as conn:
            for kind, tracking, body in conn.execute(q):
                yield str(kind), bytes(tracking), str(body)

    def waiting(
        self,
        conn: Connection,
        election_id: str,
        kind: str,
        limit: int | None = None,
        created_by: int | None = None,
    ) -> list[tuple[int, bytes, str, int]]:
        """(item id, tracking hash, body, created) of the first ``limit`` (all with None)
        objects of ``kind`` still waiting for the board, first in first out; with
        ``created_by``, only those taken by then."""
        q = (
            select(
                board_queue.c.item_id,
                board_queue.c.tracking_hash,
                board_queue.c.body,
                board_queue.c.created_ms,
            )
            .where(
                board_queue.c.election_id == election_id,
                board_queue.c.kind == kind,
                board_queue.c.posted_seq.is_(None),
            )
            .order_by(board_queue.c.item_id)
        )
        if created_by is not None:
            q = q.where(board_queue.c.created_ms <= created_by)
        if limit is not None:
            q = q.limit(limit)
        return [(int(i), bytes(t), str(b), int(c)) for i, t, b, c in conn.execute(q)]

    def waiting_count(self, conn: Connection, election_id: str, kind: str) -> int:
        q = select(func.count()).where(
            board_queue.c.election_id == election_id,
            board_queue.c.kind == kind,
            board_queue.c.posted_seq.is_(None),
        )
        return int(conn.execute(q).scalar_one())

    def mark_posted(self, conn: Connection, election_id: str, seqs: dict[int, int]) -> None:
        """Each queued object (item id → the sequence number of its event) on the board."""
        require_exclusive(conn, election_id)
        update_many(conn, board_queue, "item_id", "posted_seq", election_id, seqs)

    # -- batches -------------------------------------------------------------------------------

    @contextmanager
    def posting_claim(self, election_id: str) -> Iterator[bool]:
        """Whether this process may post the election's batches now: on PostgreSQL, where
        several processes run the posting thread, one holds a session advisory lock on
        the election while it posts and the others pass (so that one process, not
        every one, makes each batch's cover); on SQLite, one process serves."""
        if self.is_sqlite:
            yield True
            return
        key = int.from_bytes(hashlib.sha256(b"batches:" + election_id.encode()).digest()[:8], "big")
        key -= 1 << 63  # a signed 64-bit key
        with self.engine.connect() as conn:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
            conn.commit()
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()

    def batch_state(self, conn: Connection, election_id: str) -> tuple[int, int]:
        """(batches posted, cover rows in them): the next batch's index and cover index."""
        b = revoting_batches.c
        q = select(func.count(), func.coalesce(func.sum(b.cover_rows), 0)).where(
            b.election_id == election_id
        )
        count, cover = conn.execute(q).one()
        return int(count), int(cover)

    def add_batch(self, conn: Connection, election_id: str, row: dict[str, int]) -> None:
        """A batch posted (``row``: batch_index, seq, time_ms, real_rows,
        real_registrations, cover_rows, cover_registrations, longest_wait_ms)."""
        require_exclusive(conn, election_id)
        conn.execute(insert(revoting_batches).values(election_id=election_id, **row))

    def batches_posted(self, election_id: str) -> int:
        """How many batches are posted: what the board's batch events show anyone, read
        without their private sizes (turnout snapshots)."""
        q = select(func.count()).where(revoting_batches.c.election_id == election_id)
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def batches(self, election_id: str) -> list[dict[str, int]]:
        """Every batch posted, in order."""
        q = (
            select(revoting_batches)
            .where(revoting_batches.c.election_id == election_id)
            .order_by(revoting_batches.c.batch_index)
        )
        with self.engine.connect() as conn:
            return [
                {k: int(v) for k, v in row.items() if k != "election_id"}
                for row in conn.execute(q).mappings()
            ]

    # -- cover replacements -------------------------------------------------------------------

    def add_cover_replacements(
        self, conn: Connection, election_id: str, rows: list[dict[str, Any]]
    ) -> None:
        """The cover replacements planned at the open (``rows``: cover_id, secret,
        first_batch, second_batch)."""
        if rows:
            conn.execute(
                insert(cover_replacements), [{"election_id": election_id, **r} for r in rows]
            )

    def unfinished_cover_replacements(
        self, conn: Connection, election_id: str
    ) -> list[dict[str, Any]]:
        """Every cover replacement whose second registration is not yet on the board."""
        c = cover_replacements.c
        q = (
            select(cover_replacements)
            .where(c.election_id == election_id, c.second_seq.is_(None))
            .order_by(c.cover_id)
        )
        return [dict(row) for row in conn.execute(q).mappings()]

    def update_cover_replacement(
        self, conn: Connection, election_id: str, cover_id: int, values: dict[str, Any]
    ) -> None:
        c = cover_replacements.c
        conn.execute(
            update(cover_replacements)
            .where(c.election_id == election_id, c.cover_id == cover_id)
            .values(**values)
        )

    def forget_cover_replacements(self, conn: Connection, election_id: str) -> None:
        """Delete the election's cover replacements (after the close's padding)."""
        conn.execute(
            delete(cover_replacements).where(cover_replacements.c.election_id == election_id)
        )

    def count_replacement_ballot(self, conn: Connection, election_id: str, cover_id: int) -> None:
        """One more ballot of a cover replacement's first credential on the board."""
        c = cover_replacements.c
        conn.execute(
            update(cover_replacements)
            .where(c.election_id == election_id, c.cover_id == cover_id)
            .values(ballots_posted=c.ballots_posted + 1)
        )

    def credential_count(self, conn: Connection, election_id: str, *, cast: bool) -> int:
        """How many credentials voters registered (current or revoked); with ``cast``,
        only those that cast a ballot."""
        c = revoting_credentials.c
        q = select(func.count()).where(c.election_id == election_id)
        if cast:
            q = q.where(c.ballots > 0)
        return int(conn.execute(q).scalar_one())

    def credential_ballots_at(
        self, conn: Connection, election_id: str, index: int, *, cast: bool
    ) -> int:
        """The ballots of the ``index``-th credential (with ``cast``, of those that cast)
        in the order of their tag points: a draw from the voters' ballot counts."""
        c = revoting_credentials.c
        q = select(c.ballots).where(c.election_id == election_id)
        if cast:
            q = q.where(c.ballots > 0)
        q = q.order_by(c.tag_point).offset(index).limit(1)
        return int(conn.execute(q).scalar_one())

    # -- alphas of cast and audited ballots version 2 ------------------------------------------

    def revoting_alpha_owners(
        self, conn: Connection, election_id: str, alphas: Iterable[bytes]
    ) -> list[tuple[bytes, bytes, bool]]:
        """(alpha, tracking hash, audited) of every recorded object holding one of
        ``alphas``."""
        wanted = sorted(set(alphas))
        c = revoting_alphas.c
        found = []
        for i in range(0, len(wanted), IN_CHUNK):  # PostgreSQL takes 65,535 parameters
            q = select(c.alpha, c.tracking_hash, c.audited).where(
                c.election_id == election_id, c.alpha.in_(wanted[i : i + IN_CHUNK])
            )
            found += [(bytes(a), bytes(t), bool(d)) for a, t, d in conn.execute(q)]
        return found

    def add_cover_alphas(
        self, conn: Connection, election_id: str, items: list[tuple[bytes, frozenset[bytes]]]
    ) -> None:
        """The alphas of cover items (tracking hash, alphas), in one statement."""
        insert_rows(
            conn,
            revoting_alphas,
            ("election_id", "alpha", "tracking_hash", "audited"),
            [(election_id, a, t, False) for t, alphas in items for a in sorted(alphas)],
        )

    def revoting_alphas(
        self, conn: Connection, election_id: str, alphas: Iterable[bytes]
    ) -> dict[bytes, bool]:
        """Those of ``alphas`` a cast or audited ballot version 2 has: alpha → audited."""
        wanted = sorted(set(alphas))
        q = select(revoting_alphas.c.alpha, revoting_alphas.c.audited).where(
            revoting_alphas.c.election_id == election_id, revoting_alphas.c.alpha.in_(wanted)
        )
        found: dict[bytes, bool] = {}
        for alpha, audited in conn.execute(q):
            found[bytes(alpha)] = found.get(bytes(alpha), False) or bool(audited)
        return found

    def add_revoting_alphas(
        self,
        conn: Connection,
        election_id: str,
        tracking: bytes,
        alphas: Iterable[bytes],
        *,
        audited: bool,
    ) -> None:
        insert_rows(
            conn,
            revoting_alphas,
            ("election_id", "alpha", "tracking_hash", "audited"),
            [(election_id, a, tracking, audited) for a in sorted(set(alphas))],
        )
