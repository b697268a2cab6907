"""A ranked ballot through the ``honestballot`` command: ``voter encrypt`` takes a
ranked contest's ``--choice`` in the order given, and ``voter check-audit`` prints the
opened ranking in that order (docs/ranked.md); a repeat is refused before encryption."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from honestballot.cli.main import main
from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.record.manifest import manifest_to_json
from tests.factories import RANKED_ELECTION, key_ceremony, ranked_manifest


class Cli:
    """``honestballot ARGS`` run through the real entry point; its exit code checked."""

    def __init__(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], mp: pytest.MonkeyPatch
    ) -> None:
        self.tmp = tmp_path
        self.capsys = capsys
        self.mp = mp
        mp.setenv("COLUMNS", "250")  # the verifier's report, one check a line
        mp.setenv("NO_COLOR", "1")
        self.db = ("--database", f"sqlite:///{tmp_path / 'board.sqlite'}")

    def __call__(self, *args: str | Path, expect: int = 0) -> tuple[str, str]:
        self.capsys.readouterr()
        self.mp.setattr(sys, "argv", ["honestballot", *map(str, args)])
        code: object = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code
        out, err = self.capsys.readouterr()
        assert code == expect, (
            f"honestballot {' '.join(map(str, args))} exited {code}, expected {expect}\n"
            f"stdout:\n{out[-3000:]}\nstderr:\n{err[-3000:]}"
        )
        return out, err

    def refused(self, *args: str | Path) -> str:
        """The command fails with exit code 2 and one ``error:`` line; that line."""
        _, err = self(*args, expect=2)
        errors = [line for line in err.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1, err
        assert err.rstrip("\n").endswith(errors[0]), err  # the error is the last line
        return errors[0]


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
