"""Observers save a signed tree head and later prove the log extends it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from honestballot.cli.observer import log_group
from tests.factories import SMALL_SCHEDULE, DemoCeremonies, protected_election


@pytest.fixture(scope="module")
def demo(demo_ceremony: DemoCeremonies, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo election with re-voting protection, open, a batch on its board: its store
    (``honestballot.sqlite``) and its record (``record.jsonl``) in the directory."""
    directory = tmp_path_factory.mktemp("log-demo")
    url = f"sqlite:///{directory / 'honestballot.sqlite'}"
    ceremony = demo_ceremony("demo-primary")
    with protected_election(ceremony, directory, "log-cli", url=url, schedule=SMALL_SCHEDULE) as e:
        e.post_batch()
        e.web.services.elections.export_record(e.id, str(directory / "record.jsonl"))
    return directory


def _head(demo: Path, out: Path) -> dict[str, object]:
    db = f"sqlite:///{demo / 'honestballot.sqlite'}"
    result = CliRunner().invoke(
        log_group, ["head", "demo-primary", "--database", db, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return dict(json.loads(out.read_text()))


def _consistency(demo: Path, head: Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        log_group, ["consistency", "--record", str(demo / "record.jsonl"), "--old-head", str(head)]
    )
    return result.exit_code, result.output + repr(result.exception)


def test_saved_head_is_consistent_with_the_record(demo: Path, tmp_path: Path) -> None:
    head = _head(demo, tmp_path / "head.json")
    assert head["type"] == "tree-head"
    code, output = _consistency(demo, tmp_path / "head.json")
    assert code == 0, output
    assert "consistent" in output


def test_a_head_the_board_never_signed_is_refused(demo: Path, tmp_path: Path) -> None:
    head = _head(demo, tmp_path / "head.json")
    forged = dict(head, root="00" * 32)
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    code, output = _consistency(demo, tmp_path / "forged.json")
    assert code != 0
    assert "does not verify" in output  # the board key never signed this head
