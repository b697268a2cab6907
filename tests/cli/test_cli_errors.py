"""The command line on bad input and bad surroundings: one clear line and a non-zero exit,
never a traceback, and nothing overwritten or half-written."""

from __future__ import annotations

import json
import multiprocessing
import stat
import time
from multiprocessing.synchronize import Barrier
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, text

import honestballot.store.engine as engine_module
from honestballot.store.migrate import alembic_config
from honestballot.store.sql import SqlStore
from tests.helpers import one_line_error, run_cli


def test_a_voter_secret_is_never_overwritten(tmp_path: Path) -> None:
    cred = tmp_path / "credential.json"
    assert run_cli("voter", "credential", "--out", cred, cwd=tmp_path).returncode == 0
    kept = cred.read_bytes()
    one_line_error(run_cli("voter", "credential", "--out", cred, cwd=tmp_path), "refusing")
    assert cred.read_bytes() == kept
    assert stat.S_IMODE(cred.stat().st_mode) == 0o600
    # nor an existing file that others can read
    readable = tmp_path / "public.json"
    readable.write_text("{}")
    one_line_error(run_cli("voter", "credential", "--out", readable, cwd=tmp_path), "refusing")
    assert readable.read_text() == "{}"


def test_a_path_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-directory" / "credential.json"
    one_line_error(run_cli("voter", "credential", "--out", missing, cwd=tmp_path), str(missing))


def test_a_database_that_cannot_be_reached_is_one_line(tmp_path: Path) -> None:
    result = run_cli(
        "organiser", "token", "x", "--database", "postgresql://127.0.0.1:1/none", cwd=tmp_path
    )
    one_line_error(result, "the database cannot be used")


def test_a_database_from_a_newer_release_is_refused_and_left_alone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    SqlStore(url).close()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    result = run_cli("organiser", "token", "x", "--database", url, cwd=tmp_path)
    one_line_error(result, "'9999'", "newer release")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "9999"
    engine.dispose()


def test_a_malformed_record_is_one_line_for_the_consistency_check(tmp_path: Path) -> None:
    head = tmp_path / "head.json"
    head.write_text(json.dumps({"type": "tree-head"}))
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    listed = tmp_path / "listed.jsonl"
    listed.write_bytes(b"[1]\n")
    for record in (empty, listed):
        result = run_cli("log", "consistency", "--record", record, "--old-head", head, cwd=tmp_path)
        assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr


def _open_store_at_once(url: str, start: Barrier) -> None:
    """Open a store once every process is ready, each BEGIN a little late: the lock is
    free for a moment before each transaction, so any gap between two transactions of a
    migration is a gap another process can take."""
    original = engine_module._sqlite_begin

    def late_begin(conn: Connection) -> None:
        time.sleep(0.05)
        original(conn)

    engine_module._sqlite_begin = late_begin
    start.wait(60)
    SqlStore(url).close()


def test_processes_starting_at_once_on_a_new_sqlite_file_all_start(tmp_path: Path) -> None:
    """The migration takes SQLite's write lock at BEGIN, so a second process waits its
    turn instead of failing with 'database is locked'; the revision's read and every
    migration are one transaction, so none runs a migration another already ran
    ('duplicate column name'); and processes switching the new file to WAL at the same
    moment all get there."""
    ctx = multiprocessing.get_context("spawn")
    processes = 6
    for round_ in range(3):
        url = f"sqlite:///{tmp_path / f'new-{round_}.sqlite'}"
        start = ctx.Barrier(processes)
        procs = [
            ctx.Process(target=_open_store_at_once, args=(url, start)) for _ in range(processes)
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join(120)
        assert [p.exitcode for p in procs] == [0] * processes
        engine = create_engine(url)
        with engine.connect() as conn:
            revision = MigrationContext.configure(conn).get_current_revision()
        engine.dispose()
        assert revision == ScriptDirectory.from_config(alembic_config()).get_current_head()
