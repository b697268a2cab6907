"""A ranked ballot through the ``honestballot`` command: ``voter encrypt`` takes a
ranked contest's ``--choice`` in the order given, and ``voter check-audit`` prints the
opened ranking in that order (docs/ranked.md); a repeat is refused before encryption."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.record.manifest import manifest_to_json
from tests.cli.test_mix_cli import Cli
from tests.factories import RANKED_ELECTION, key_ceremony, ranked_manifest


@pytest.fixture
def hb(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(tmp_path, capsys, monkeypatch)


def test_a_ranked_ballot_through_the_command_line(hb: Cli, tmp_path: Path) -> None:
    manifest = ranked_manifest()
    key_ceremony(manifest, tmp_path, "cli-ranked")
    manifest_file = tmp_path / "manifest.json"
    manifest_file.write_text(json.dumps(manifest_to_json(manifest), ensure_ascii=False))
    organiser = base_mul(random_nonzero_scalar(SeededRandomness("cli ranked"))).hex()
    hb("election", "create", "--manifest", manifest_file, "--expected-voters", "40",
       "--organiser-key", organiser, "--election-key", tmp_path / "election-key.json",
       *hb.db)  # fmt: skip
    setup = tmp_path / "setup.json"
    hb("election", "info", RANKED_ELECTION, "--out", setup, *hb.db)
    credential = tmp_path / "anna.credential.json"
    out, _ = hb("voter", "credential", "--out", credential)
    public = re.search(r"organiser\): ([0-9a-f]{64})", out)
    assert public, out
    ballot, opening = tmp_path / "ballot.json", tmp_path / "opening.json"
    hb("voter", "encrypt", "--setup", setup, "--credential", credential,
       "--choice=leader=c,a,d", "--choice=board=blank", "--out", ballot,
       "--opening-out", opening)  # fmt: skip
    body = json.loads(ballot.read_text())
    assert [len(c["ciphertexts"]) for c in body["contests"]] == [3, 3]
    assert all("selection_proof" not in c for c in body["contests"])
    out, _ = hb("voter", "check-audit", "--setup", setup, "--ballot", ballot,
                "--opening", opening)  # fmt: skip
    shown = json.loads(out[: out.rindex("}") + 1])
    assert shown == {"leader": ["c", "a", "d"], "board": ["blank"]}
    line = hb.refused("voter", "encrypt", "--setup", setup, "--credential", credential,
                      "--choice=leader=a,a", "--choice=board=x", "--out", tmp_path / "x.json",
                      "--opening-out", tmp_path / "y.json")  # fmt: skip
    assert "ranked twice" in line, line
