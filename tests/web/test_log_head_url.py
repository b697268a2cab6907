"""``honestballot log head ELECTION --server URL``: an observer with no database saves the
latest signed tree head from the service's public API, its board signature checked (and
a head the board did not sign is refused).  On the module's election with re-voting
protection (``voters_web``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from honestballot.cli import observer
from honestballot.cli.observer import log_group
from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.errors import ProtocolError
from tests.factories import WebElection

SERVER = "https://vote.example.org"


@pytest.fixture
def served(voters_web: WebElection, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The command's HTTP fetches answered by the running app; the paths it asked for."""
    web = voters_web
    asked: list[str] = []

    def fetch(url: str, body: bytes | None) -> bytes:
        assert url.startswith(SERVER) and body is None
        path = url.removeprefix(SERVER)
        asked.append(path)
        r = web.client.get(path)
        if r.status_code != 200:
            raise ProtocolError(f"{url}: HTTP {r.status_code}")
        return r.content

    monkeypatch.setattr(observer, "urllib_fetch", fetch)
    web.services.elections.publish_tree_head(web.election_id)
    return asked


def test_log_head_from_the_services_address(
    voters_web: WebElection, served: list[str], tmp_path: Path
) -> None:
    web = voters_web
    out = tmp_path / "head.json"
    result = CliRunner().invoke(
        log_group,
        ["head", web.election_id, "--server", SERVER + "/", "--out", str(out)],
        env={"HONESTBALLOT_DATABASE": "sqlite:///" + str(tmp_path / "none.sqlite")},
    )
    assert result.exit_code == 0, result.output
    saved = json.loads(out.read_text())
    assert saved == web.services.elections.latest_tree_head(web.election_id)
    assert served == [
        f"/api/e/{web.election_id}/tree-heads/latest",
        f"/api/e/{web.election_id}/context",
    ]
    assert not (tmp_path / "none.sqlite").exists()  # no database was opened


def test_a_head_not_signed_by_the_given_board_key_is_refused(
    voters_web: WebElection, served: list[str]
) -> None:
    web = voters_web
    other_key = base_mul(random_nonzero_scalar(SeededRandomness("not the board"))).hex()
    result = CliRunner().invoke(
        log_group, ["head", web.election_id, "--server", SERVER, "--board-key", other_key]
    )
    assert result.exit_code != 0 and "NOT signed by the board key" in result.output
    good = CliRunner().invoke(
        log_group,
        [
            "head",
            web.election_id,
            "--server",
            SERVER,
            "--board-key",
            web.context()["board_key"],
        ],
    )
    assert good.exit_code == 0, good.output
    assert json.loads(good.stdout)["size"] >= 1
