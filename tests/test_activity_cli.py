"""The operator's exports of the audit's files: ``honestballot election activity`` and
``election roll-audit`` (docs/audit.md).

Organisers get the roll and the audit's findings over the web, never the activity log; the
operator, who holds the database, writes both files for ``honestballot audit``. Each test
runs on SQLite and on PostgreSQL (``database_url``), through the real command line.
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from honestballot.crypto.randomness import SeededRandomness
from honestballot.service.election import ElectionService
from honestballot.store.sql import SqlStore
from tests.helpers import DemoCeremonies
from tests.test_activity import ELECTION, write_exports


@pytest.fixture
def store(demo_ceremony: DemoCeremonies, database_url: str) -> Iterator[SqlStore]:
    ceremony = demo_ceremony(ELECTION)
    store = SqlStore(database_url)
    ElectionService(store, SeededRandomness("activity")).create(ceremony.manifest, ceremony.key)
    yield store
    store.close()


def hb(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "honestballot", *(str(a) for a in args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    for word in words:
        assert word in lines[0], result.stderr


def private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_operator_writes_the_audit_files(
    store: SqlStore, database_url: str, tmp_path: Path
) -> None:
    """Both files, byte for byte what the service's exports write, readable by their owner
    only; ``honestballot audit`` reads them and finds the planted patterns."""
    (tmp_path / "direct").mkdir()
    direct_roll, direct_activity = write_exports(store, tmp_path / "direct")
    url = database_url
    out = tmp_path / "operator"
    out.mkdir()

    done = hb("election", "activity", ELECTION, "--database", url, "--out", "a.csv", cwd=out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "wrote 25 events to a.csv"
    assert (out / "a.csv").read_bytes() == direct_activity.read_bytes()
    assert private(out / "a.csv")

    done = hb("election", "roll-audit", ELECTION, "--database", url, "--out", "r.csv", cwd=out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "wrote 8 voters to r.csv"
    assert (out / "r.csv").read_bytes() == direct_roll.read_bytes()
    assert private(out / "r.csv")

    audit = hb("audit", "r.csv", "--activity", "a.csv", "--json", "audit.json", cwd=out)
    assert audit.returncode in (0, 1), audit.stderr
    found = json.loads((out / "audit.json").read_text("utf-8"))
    assert found["rows_read"] == {"roll": 8, "activity": 25} and found["bad_rows"] == []
    device = sum(f["count"] for f in found["findings"] if f["check"] == "device.many_voters")
    assert device == 2  # the boss's phone signed in two voters


def test_an_export_never_overwrites_and_leaves_nothing_half_written(
    store: SqlStore, database_url: str, tmp_path: Path
) -> None:
    write_exports(store, tmp_path)
    url = database_url
    for command in ("activity", "roll-audit"):
        # an existing file, even an empty one others can read, is left as it was
        existing = tmp_path / f"{command}-existing.csv"
        existing.write_text("kept\n")
        result = hb(
            "election", command, ELECTION, "--database", url, "--out", existing, cwd=tmp_path
        )
        one_line_error(result, str(existing), "refusing to overwrite")
        assert existing.read_text() == "kept\n"

        # no such election: one line, and no file is left behind
        missing = tmp_path / f"{command}-nowhere.csv"
        result = hb(
            "election", command, "nowhere", "--database", url, "--out", missing, cwd=tmp_path
        )
        one_line_error(result, "no election 'nowhere'")
        assert not missing.exists()

        # a path that cannot be written
        unwritable = tmp_path / "no-such-directory" / f"{command}.csv"
        result = hb(
            "election", command, ELECTION, "--database", url, "--out", unwritable, cwd=tmp_path
        )
        one_line_error(result, str(unwritable))

        # --out is required: no export to the terminal
        result = hb("election", command, ELECTION, "--database", url, cwd=tmp_path)
        assert result.returncode == 2 and "--out" in result.stderr, result.stderr
