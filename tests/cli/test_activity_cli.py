"""The operator's exports of the audit's files: ``honestballot election activity`` and
``election roll-audit`` (docs/audit.md).

Organisers get the roll and the audit's findings over the web, never the activity log; the
operator, who holds the database, writes both files for ``honestballot audit``. Each test
runs on SQLite and on PostgreSQL (``database_url``), through the real command line.
"""

# ruff: noqa: F811  (the tests take the imported ``store`` fixture as an argument)

from __future__ import annotations

import json
import stat
from pathlib import Path

from honestballot.store.sql import SqlStore
from tests.helpers import one_line_error, run_cli
from tests.service.test_activity import (  # the store fixture too
    ELECTION,
    store,  # noqa: F401
    write_exports,
)


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

    done = run_cli("election", "activity", ELECTION, "--database", url, "--out", "a.csv", cwd=out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "wrote 25 events to a.csv"
    assert (out / "a.csv").read_bytes() == direct_activity.read_bytes()
    assert private(out / "a.csv")

    done = run_cli("election", "roll-audit", ELECTION, "--database", url, "--out", "r.csv", cwd=out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "wrote 8 voters to r.csv"
    assert (out / "r.csv").read_bytes() == direct_roll.read_bytes()
    assert private(out / "r.csv")

    audit = run_cli("audit", "r.csv", "--activity", "a.csv", "--json", "audit.json", cwd=out)
    assert audit.returncode in (0, 1), audit.stderr
    found = json.loads((out / "audit.json").read_text("utf-8"))
    # the election has re-voting protection: the log's size is not said (docs/audit.md)
    assert found["revoting"] is True and found["bad_rows"] == []
    assert found["rows_read"] == {"roll": 8}
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
        result = run_cli(
            "election", command, ELECTION, "--database", url, "--out", existing, cwd=tmp_path
        )
        one_line_error(result, str(existing), "refusing to overwrite")
        assert existing.read_text() == "kept\n"

        # no such election: one line, and no file is left behind
        missing = tmp_path / f"{command}-nowhere.csv"
        result = run_cli(
            "election", command, "nowhere", "--database", url, "--out", missing, cwd=tmp_path
        )
        one_line_error(result, "no election 'nowhere'")
        assert not missing.exists()

        # a path that cannot be written
        unwritable = tmp_path / "no-such-directory" / f"{command}.csv"
        result = run_cli(
            "election", command, ELECTION, "--database", url, "--out", unwritable, cwd=tmp_path
        )
        one_line_error(result, str(unwritable))

        # --out is required: no export to the terminal
        result = run_cli("election", command, ELECTION, "--database", url, cwd=tmp_path)
        assert result.returncode == 2 and "--out" in result.stderr, result.stderr
