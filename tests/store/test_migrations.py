"""The Alembic migrations build exactly the tables the code uses, on both databases."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, create_engine, inspect, text

from honestballot.errors import ProtocolError
from honestballot.store.migrate import alembic_config
from honestballot.store.schema import metadata
from honestballot.store.sql import SqlStore, engine_url


def test_the_migrations_match_the_schema(database_url: str) -> None:
    store = SqlStore(database_url)
    try:
        with store.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
        assert set(inspect(store.engine).get_table_names()) >= set(metadata.tables)
    finally:
        store.close()


def _at_revision(
    database_url: str, revision: str, fill: Callable[[Connection], None] = lambda _: None
) -> None:
    """Migrate a new database down to ``revision`` and add rows there with ``fill``."""
    store = SqlStore(database_url)
    try:
        with store.engine.connect() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
            conn.commit()
            fill(conn)
            conn.commit()
    finally:
        store.close()


def test_opening_a_store_twice_upgrades_once_and_downgrade_removes_everything(
    database_url: str,
) -> None:
    SqlStore(database_url).close()
    SqlStore(database_url).close()  # already at head: nothing to do, no error
    _at_revision(database_url, "base")
    engine = create_engine(engine_url(database_url))
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_migration_0002_counts_the_active_credentials_already_registered(
    database_url: str,
) -> None:
    """A database migrated from the first schema gets each unit's count of active
    credentials from the credentials already there (revoked ones left out)."""
    rows = [("e1", b"a", "north", False), ("e1", b"b", "north", False),
            ("e1", b"c", "north", True), ("e1", b"d", "south", False),
            ("e2", b"a", "north", False)]  # fmt: skip

    def fill(conn: Connection) -> None:
        for election_id, credential, unit, revoked in rows:
            conn.execute(
                text(
                    "INSERT INTO credentials (election_id, credential, unit, revoked) "
                    "VALUES (:e, :c, :u, :r)"
                ),
                {"e": election_id, "c": credential.ljust(32, b"\0"), "u": unit, "r": revoked},
            )

    _at_revision(database_url, "0001", fill)
    store = SqlStore(database_url)  # migrates to the head
    try:
        with store.transaction() as tx:
            assert store.active_credentials_per_unit(tx, "e1") == {"north": 2, "south": 1}
            assert store.active_credentials_per_unit(tx, "e2", ["north"]) == {"north": 1}
    finally:
        store.close()


def _at_0001_with_events(database_url: str, kinds: list[str]) -> None:
    def fill(conn: Connection) -> None:
        for seq, kind in enumerate(kinds):
            conn.execute(
                text(
                    "INSERT INTO events (election_id, seq, kind, time_ms, line, leaf_hash) "
                    "VALUES ('old-primary', :s, :k, 0, :l, :h)"
                ),
                {"s": seq, "k": kind, "l": b"{}", "h": bytes(32)},
            )

    _at_revision(database_url, "0001", fill)


def _revision(database_url: str) -> str | None:
    store_engine = create_engine(engine_url(database_url))
    try:
        with store_engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        store_engine.dispose()


def test_a_database_holding_version_1_ballots_is_refused_and_left_alone(
    database_url: str,
) -> None:
    """Record version 2 hashes ballots differently: appending to a version-1 election would
    give a record no verifier accepts, so the upgrade refuses and changes nothing."""
    _at_0001_with_events(database_url, ["setup", "credential", "open", "ballot"])
    with pytest.raises(ProtocolError, match=r"record version 1 \(elections: old-primary\)"):
        SqlStore(database_url)
    assert _revision(database_url) == "0001"


def test_a_database_with_elections_still_in_setup_is_refused_too(database_url: str) -> None:
    """Record version 3's setup names the board's witnesses and its base hash binds the
    board key: an election set up under version 1 or 2 cannot go on, even before any
    ballot, so the upgrade refuses it and changes nothing."""
    _at_0001_with_events(database_url, ["setup", "credential"])
    with pytest.raises(ProtocolError, match=r"record version 1 or 2 \(elections: old-primary\)"):
        SqlStore(database_url)
    assert _revision(database_url) == "0001"


def test_a_database_holding_version_2_elections_is_refused_and_left_alone(
    database_url: str,
) -> None:
    def fill(conn: Connection) -> None:
        conn.execute(
            text(
                "INSERT INTO elections (election_id, phase, manifest, context, board_secret, "
                "next_seq) VALUES ('spring', 'setup', '{}', '{}', '00', 1)"
            )
        )

    _at_revision(database_url, "0005", fill)
    with pytest.raises(ProtocolError, match=r"record version 1 or 2 \(elections: spring\)"):
        SqlStore(database_url)
    assert _revision(database_url) == "0005"


def _upgrade_to(database_url: str, revision: str) -> Engine:
    """Run the migrations up to ``revision`` alone (the store would refuse the data)."""
    engine = create_engine(engine_url(database_url))
    with engine.connect() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        conn.commit()
    return engine


def test_migration_0003_fills_ballot_alphas_and_drops_held_audits_that_reuse_them(
    database_url: str,
) -> None:
    """Before 0003 the service held an audit reusing the ciphertexts of a ballot another
    credential cast; the board's rules now refuse it, and the close would fail on it. The
    upgrade records every open election's cast alphas, drops such a held audit and keeps
    the others, and takes each election's last event time."""
    cast, reused, fresh = b"\x01" * 32, b"\x02" * 32, b"\x03" * 32
    line = json.dumps(
        {"body": {"ballot": {"contests": [{"ciphertexts": [
            {"alpha": cast.hex(), "beta": "00" * 32}, {"alpha": reused.hex(), "beta": "00" * 32},
        ]}]}}, "kind": "ballot", "seq": 1, "time_ms": 1_700_000_000_500, "type": "event"}
    ).encode()  # fmt: skip

    def fill(conn: Connection) -> None:
        conn.execute(
            text(
                "INSERT INTO elections (election_id, phase, manifest, context, board_secret, "
                "next_seq) VALUES ('old-primary', 'open', '{}', '{}', '00', 2)"
            )
        )
        for seq, (kind, ms, raw, tracking) in enumerate(
            [("setup", 1_700_000_000_000, b"{}", None), ("ballot", 1_700_000_000_500, line, b"t")]
        ):
            conn.execute(
                text(
                    "INSERT INTO events (election_id, seq, kind, time_ms, line, leaf_hash, "
                    "tracking_hash) VALUES ('old-primary', :s, :k, :m, :l, :h, :t)"
                ),
                {"s": seq, "k": kind, "m": ms, "l": raw, "h": bytes(32), "t": tracking},
            )
        for tracking, alpha in ((b"A" * 32, reused), (b"B" * 32, fresh)):
            conn.execute(
                text(
                    "INSERT INTO held_audits (election_id, tracking_hash, body, time_ms) "
                    "VALUES ('old-primary', :t, :b, 0)"
                ),
                {"t": tracking, "b": b"{}"},
            )
            conn.execute(
                text(
                    "INSERT INTO held_audit_alphas (election_id, alpha, tracking_hash) "
                    "VALUES ('old-primary', :a, :t)"
                ),
                {"a": alpha, "t": tracking},
            )

    _at_revision(database_url, "0002", fill)
    engine = _upgrade_to(database_url, "0005")
    try:
        with engine.connect() as conn:
            alphas = conn.execute(
                text("SELECT alpha FROM ballot_alphas WHERE election_id = 'old-primary'")
            ).all()
            held = conn.execute(
                text("SELECT tracking_hash FROM held_audits WHERE election_id = 'old-primary'")
            ).all()
            last = conn.execute(
                text("SELECT last_time_ms FROM elections WHERE election_id = 'old-primary'")
            ).scalar()
        assert {bytes(r[0]) for r in alphas} == {cast, reused}
        assert [bytes(r[0]) for r in held] == [b"B" * 32]
        assert last == 1_700_000_000_500
    finally:
        engine.dispose()


def test_migration_0014_refuses_an_alpha_recorded_twice_and_changes_nothing(
    database_url: str,
) -> None:
    """The unique index on each election's alphas cannot be made over a pair: the upgrade
    names the election and leaves the database at 0013, rather than failing on the
    index's raw integrity error; another election's alphas, once each, are no reason."""

    def fill(conn: Connection) -> None:
        rows = [("spring", b"\x01", b"A"), ("spring", b"\x01", b"B"), ("autumn", b"\x01", b"C")]
        for election_id, alpha, tracking in rows:
            conn.execute(
                text(
                    "INSERT INTO revoting_alphas (election_id, alpha, tracking_hash, audited) "
                    "VALUES (:e, :a, :t, false)"
                ),
                {"e": election_id, "a": alpha * 32, "t": tracking * 32},
            )

    _at_revision(database_url, "0013", fill)
    with pytest.raises(ProtocolError, match=r"alpha recorded .* \(elections: spring\)"):
        SqlStore(database_url)
    assert _revision(database_url) == "0013"


def test_migration_0015_drops_whether_current_and_its_downgrade_derives_it(
    database_url: str,
) -> None:
    """The upgrade drops ``revoting_credentials.current`` and keeps every credential with
    its counts; the downgrade puts it back from the voters' revocation points: true for
    each voter's credential whose tag point is the voter's revocation point, and only
    for it (another election's voter with the same id and point is not that voter)."""
    old, new, other = b"\x01" * 32, b"\x02" * 32, b"\x03" * 32

    def fill(conn: Connection) -> None:
        for election_id, point in (("spring", new), ("autumn", old)):
            conn.execute(
                text(
                    "INSERT INTO voters (election_id, voter_id, national_id, name, unit, "
                    "revocation_point) VALUES (:e, 7, '900101300001', 'A', 'u1', :p)"
                ),
                {"e": election_id, "p": point},
            )
        rows = [("spring", old, True, 3), ("spring", new, False, 0), ("autumn", other, True, 1)]
        for election_id, tag, current, ballots in rows:
            conn.execute(
                text(
                    "INSERT INTO revoting_credentials (election_id, tag_point, tag_secret, "
                    "voting_point, voter_id, current, ballots, created_ms) "
                    "VALUES (:e, :t, :t, :t, 7, :c, :b, 0)"
                ),
                {"e": election_id, "t": tag, "c": current, "b": ballots},
            )

    _at_revision(database_url, "0014", fill)
    store = SqlStore(database_url)  # migrates to the head
    try:
        columns = {c["name"] for c in inspect(store.engine).get_columns("revoting_credentials")}
        assert "current" not in columns and {"tag_point", "ballots", "audits"} <= columns
        with store.engine.connect() as conn:
            kept = conn.execute(
                text("SELECT election_id, tag_point, ballots FROM revoting_credentials")
            ).all()
        assert sorted((e, bytes(t), b) for e, t, b in kept) == [
            ("autumn", other, 1), ("spring", old, 3), ("spring", new, 0)
        ]  # fmt: skip
        with store.engine.connect() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0014")
            conn.commit()
            current = conn.execute(
                text("SELECT election_id, tag_point, current FROM revoting_credentials")
            ).all()
            column = next(
                c
                for c in inspect(conn).get_columns("revoting_credentials")
                if c["name"] == "current"
            )
        assert column["default"] is None and not column["nullable"]  # as it was before 0015
        assert sorted((e, bytes(t), bool(c)) for e, t, c in current) == [
            ("autumn", other, False), ("spring", old, False), ("spring", new, True)
        ]  # fmt: skip
    finally:
        store.close()


def test_migration_0016_refuses_an_open_protected_election_with_ballots_and_changes_nothing(
    database_url: str,
) -> None:
    """Before 0016 a protected election's casts wrote no ``ballot-cast`` row: upgrading
    while one is open with ballots would log a voter's next ballot, a re-vote perhaps, as
    the first. The upgrade names that election and leaves the database at 0015; an open
    election without a ballot yet, and a closed one with ballots, are no reason. Once it
    is closed, the upgrade runs."""

    def fill(conn: Connection) -> None:
        for election_id, phase in (("spring", "open"), ("summer", "open"), ("autumn", "closed")):
            conn.execute(
                text(
                    "INSERT INTO elections (election_id, phase, manifest, context, "
                    "board_secret, next_seq) VALUES (:e, :p, '{}', '{}', '00', 1)"
                ),
                {"e": election_id, "p": phase},
            )
        for election_id, ballots in (("spring", 1), ("summer", 0), ("autumn", 2)):
            conn.execute(
                text(
                    "INSERT INTO revoting_credentials (election_id, tag_point, tag_secret, "
                    "voting_point, voter_id, ballots, created_ms) "
                    "VALUES (:e, :t, :t, :t, 7, :b, 0)"
                ),
                {"e": election_id, "t": b"\x01" * 32, "b": ballots},
            )

    _at_revision(database_url, "0015", fill)
    with pytest.raises(
        ProtocolError, match=r"open election with re-voting .* \(elections: spring\).* close"
    ):
        SqlStore(database_url)
    assert _revision(database_url) == "0015"
    engine = create_engine(engine_url(database_url))
    try:
        assert "activity_election_voter" not in {
            i["name"] for i in inspect(engine).get_indexes("activity")
        }
        with engine.begin() as conn:
            conn.execute(text("UPDATE elections SET phase = 'closed' WHERE election_id = 'spring'"))
    finally:
        engine.dispose()
    SqlStore(database_url).close()
    assert _revision(database_url) == "0016"
