"""A mixed election through the ``honestballot`` command: after the close two trustees
each run ``trustee mix`` on the exported record in turn and the operator adds each mix
(``election add-mix``), then the tally, ``trustee decrypt`` by k trustees, the result and
``honestballot verify`` with mix.proofs.  ``trustee mix`` refuses, in one line, a record
that does not verify, a second mix by the same trustee, a record without a close or
already tallied, and a contest that is unknown or counted by a sum.

The commands run in this process through ``honestballot.cli.main.main`` (the entry point
of ``python -m honestballot``, error lines included); the key ceremony is the test
factories' (tests/cli/test_cli_e2e.py runs one through the command line).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from honestballot.cli.main import main
from honestballot.cli.trustee import contest_to_mix
from honestballot.errors import ProtocolError
from honestballot.protocol.manifest import Contest, Manifest, Option, Unit
from honestballot.record.codec import canonical_bytes
from honestballot.record.manifest import manifest_to_json
from honestballot.record.trustee import encode_trustee_secret, to_bytes
from tests.factories import board_secret_of, key_ceremony, label, resign

pytestmark = pytest.mark.slow

ELECTION = "cli-mixed"
#: voter -> (leader, council)
VOTES = {"anna": ("a", "m1,m2"), "bolat": ("b", "m3"), "clara": ("a", "m1")}


def mixed_manifest() -> Manifest:
    """A vote-for-one contest counted by mixing and a summed one, in one unit."""
    leader = Contest(
        "leader",
        label("Leader"),
        tuple(Option(x, label(x.upper())) for x in "abc"),
        1,
        1,
        False,
        count="mix",
    )
    council = Contest(
        "council",
        label("Council"),
        tuple(Option(f"m{i}", label(f"M{i}")) for i in (1, 2, 3)),
        1,
        2,
        False,
    )
    return Manifest(ELECTION, label("Mixed"), (leader, council), (Unit("centre", label("C")),), 1)


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

    def export(self, name: str) -> Path:
        path = self.tmp / name
        self("election", "export", ELECTION, "--out", path, *self.db)
        return path


@pytest.fixture
def hb(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(tmp_path, capsys, monkeypatch)


def _events(record: Path, kind: str) -> list[dict[str, Any]]:
    lines = [json.loads(raw) for raw in record.read_bytes().splitlines()[1:]]
    return [e for e in lines if e.get("kind") == kind]


def test_a_mixed_election_through_the_command_line(hb: Cli, tmp_path: Path) -> None:
    manifest = mixed_manifest()
    ceremony = key_ceremony(manifest, tmp_path, "cli-mixed")
    manifest_file = tmp_path / "manifest.json"
    manifest_file.write_text(json.dumps(manifest_to_json(manifest), ensure_ascii=False))
    secret = {}
    for s in ceremony.secrets:
        secret[s.index] = tmp_path / f"trustee-{s.index}.secret.json"
        secret[s.index].write_bytes(to_bytes(encode_trustee_secret(s)))
    db = hb.db

    # the organiser creates the election; voters register, encrypt and cast
    out, _ = hb("election", "create", "--no-revoting", "--manifest", manifest_file,
                "--election-key", tmp_path / "election-key.json", *db)  # fmt: skip
    assert f"created election {ELECTION}" in out
    setup = tmp_path / "setup.json"
    hb("election", "info", ELECTION, "--out", setup, *db)
    ballots = {}
    for voter in VOTES:
        credential = tmp_path / f"{voter}.credential.json"
        out, _ = hb("voter", "credential", "--out", credential)
        public = re.search(r"organiser\): ([0-9a-f]{64})", out)
        assert public, out
        hb("election", "register", ELECTION, "--credential", public[1], "--unit", "centre", *db)
        ballots[voter] = (credential, tmp_path / f"{voter}.ballot.json")
    hb("election", "open", ELECTION, *db)
    for voter, (leader, council) in VOTES.items():
        credential, ballot = ballots[voter]
        hb("voter", "encrypt", "--setup", setup, "--credential", credential,
           f"--choice=leader={leader}", f"--choice=council={council}", "--out", ballot,
           "--opening-out", tmp_path / f"{voter}.opening.json")  # fmt: skip
        hb("voter", "cast", ELECTION, "--ballot", ballot, *db)

    def mix(trustee: int, record: Path, *extra: str | Path) -> str:
        """``trustee mix`` writing mix-TRUSTEE.json; what it printed."""
        out = tmp_path / f"mix-{trustee}.json"
        printed, _ = hb("trustee", "mix", "--secret", secret[trustee], "--record", record,
                        "--workers", "1", "--out", out, *extra)  # fmt: skip
        assert f"wrote {out}" in printed
        return printed

    # nothing is mixed while the election is open
    open_record = hb.export("record-open.jsonl")
    line = hb.refused("trustee", "mix", "--secret", secret[1], "--record", open_record,
                      "--out", tmp_path / "early.json")  # fmt: skip
    assert "ProtocolError" in line and "no close event" in line, line
    assert not (tmp_path / "early.json").exists()

    assert f"election {ELECTION} is closed" in hb("election", "close", ELECTION, *db)[0]
    closed = hb.export("record-closed.jsonl")

    # an unknown contest, and a contest counted by a sum, are named and refused
    line = hb.refused("trustee", "mix", "--secret", secret[1], "--record", closed,
                      "--contest", "mayor", "--out", tmp_path / "x.json")  # fmt: skip
    assert "no contest 'mayor'" in line and "leader" in line, line
    line = hb.refused("trustee", "mix", "--secret", secret[1], "--record", closed,
                      "--contest", "council", "--out", tmp_path / "x.json")  # fmt: skip
    assert "'council' is counted by a sum, not by mixing" in line, line
    assert not (tmp_path / "x.json").exists()

    # trustee 2 mixes first (no --contest: the one mixed contest), then the operator adds it
    printed = mix(2, closed)
    assert "every check passed" in printed and "ballots counted: 3" in printed
    assert "contest 'leader': mix 1 by trustee 2" in printed
    assert "the counted ballots' ciphertexts" in printed and "3 rows of 3 ciphertexts" in printed
    first_output = re.search(r"output: 3 rows, SHA-256 ([0-9a-f]{64})", printed)
    assert first_output, printed
    assert "at least 2 distinct trustees must mix it" in printed
    assert "1 part(s) and the mix that names them" in printed
    out, _ = hb("election", "add-mix", ELECTION, tmp_path / "mix-2.json", *db)
    assert "part 0: stored" in out
    assert "mix 1 of contest 'leader' by trustee 2 verified and published" in out
    out, _ = hb("election", "add-mix", ELECTION, tmp_path / "mix-2.json", *db)  # twice
    assert out.splitlines() == [
        "part 0: already on the board",
        "mix 1 of contest 'leader': already on the board",
    ]
    # the tally needs k = 2 mixers
    line = hb.refused("election", "tally", ELECTION, *db)
    assert "mixed by 1 trustee(s); at least 2" in line, line

    after_one = hb.export("record-mixed-once.jsonl")
    # the same trustee cannot mix the contest twice
    line = hb.refused("trustee", "mix", "--secret", secret[2], "--record", after_one,
                      "--out", tmp_path / "again.json")  # fmt: skip
    assert "trustee 2 has already mixed contest 'leader'" in line, line
    assert not (tmp_path / "again.json").exists()

    # a record whose mix was altered (two output rows swapped, the log re-signed by the
    # board key) does not verify: no mix is made, and the failed checks are named
    lines = after_one.read_bytes().splitlines()
    i = next(n for n, raw in enumerate(lines) if json.loads(raw).get("kind") == "mix-part")
    event = json.loads(lines[i])
    rows = event["body"]["rows"]
    rows[0], rows[1] = rows[1], rows[0]
    lines[i] = canonical_bytes(event)
    board_secret = board_secret_of(db[1], ELECTION)
    tampered = tmp_path / "record-tampered.jsonl"
    tampered.write_bytes(b"\n".join(resign(lines, ELECTION, board_secret)) + b"\n")
    line = hb.refused("trustee", "mix", "--secret", secret[3], "--record", tampered,
                      "--workers", "1", "--out", tmp_path / "bad.json")  # fmt: skip
    assert "VerificationFailed" in line and "mix.proofs" in line, line
    assert not (tmp_path / "bad.json").exists()

    # trustee 3 shuffles trustee 2's output; its input hash is trustee 2's output hash
    line = hb.refused("trustee", "mix", "--secret", secret[3], "--record", after_one,
                      "--rows-per-part", "50000", "--out", tmp_path / "big.json")  # fmt: skip
    assert "a part holds at most 26214 rows of 3 ciphertexts" in line, line
    printed = mix(3, after_one, "--contest", "leader", "--rows-per-part", "2")
    assert "2 part(s) and the mix that names them" in printed
    assert "contest 'leader': mix 2 by trustee 3" in printed
    assert "the output of mix 1 (by trustee 2)" in printed
    assert f"SHA-256 {first_output[1]}" in printed
    out, _ = hb("election", "add-mix", ELECTION, tmp_path / "mix-3.json", *db)
    assert "part 0: stored" in out and "part 1: stored" in out
    assert "mix 2 of contest 'leader' by trustee 3 verified and published" in out

    # tally, decryption by trustees 1 and 3, result
    tally = tmp_path / "tally.json"
    out, _ = hb("election", "tally", ELECTION, "--out", tally, *db)
    assert "encrypted tally published" in out
    tallied = hb.export("record-tallied.jsonl")
    line = hb.refused("trustee", "mix", "--secret", secret[1], "--record", tallied,
                      "--out", tmp_path / "late.json")  # fmt: skip
    assert "already has its encrypted tally" in line, line
    for t in (1, 3):
        share = tmp_path / f"share-{t}.json"
        out, _ = hb("trustee", "decrypt", "--secret", secret[t], "--record", tallied,
                    "--tally", tally, "--workers", "1", "--out", share)  # fmt: skip
        assert "every check passed" in out
        if t == 1:
            # trustee 1's upload stops after its part; its file is lost; it decrypts again
            # from the record, which holds that part, and the new share names it
            part, _head = share.read_bytes().splitlines(keepends=True)
            share.write_bytes(part)
            hb("election", "add-share", ELECTION, share, *db)
            share.unlink()
            again = hb.export("record-part.jsonl")
            out, _ = hb("trustee", "decrypt", "--secret", secret[t], "--record", again,
                        "--workers", "1", "--out", share)  # fmt: skip
            assert "1 parts of this trustee's share are on the board already" in out
            assert share.read_bytes().count(b"\n") == 1  # only the share, naming the part
        out, _ = hb("election", "add-share", ELECTION, share, *db)
        assert f"decryption share of trustee {t} verified and published" in out
    line = hb.refused("trustee", "decrypt", "--secret", secret[1], "--record",
                      hb.export("record-shared.jsonl"), "--workers", "1",
                      "--out", tmp_path / "late-share.json")  # fmt: skip
    assert "already holds the decryption share of trustee 1" in line, line
    counts = json.loads(hb("election", "result", ELECTION, *db)[0])
    assert counts["council/m1"] == 2 and counts["council/m3"] == 1
    decrypted_rows = sorted(
        tuple(counts[f"leader#{i}/{o}"] for o in "abc") for i in range(len(VOTES))
    )
    assert decrypted_rows == [(0, 1, 0), (1, 0, 0), (1, 0, 0)]

    record = hb.export("record.jsonl")
    [result] = _events(record, "result")
    assert result["body"]["mixed"] == [
        {
            "contest": "leader",
            "counts": [
                {"id": "leader/a", "count": 2},
                {"id": "leader/b", "count": 1},
                {"id": "leader/c", "count": 0},
            ],
        }
    ]
    assert [m["body"]["trustee"] for m in _events(record, "mix")] == [2, 3]
    out, _ = hb("verify", record, "--workers", "1")
    assert "VERIFIED: every check passed" in out
    assert "PASS mix.proofs: contest leader: 2 mixes by trustees [2, 3]" in out


def test_the_contest_to_mix() -> None:
    """Unnamed, the one mixed contest; with several, one must be named."""
    one = mixed_manifest()
    assert contest_to_mix(one, None) == "leader"
    assert contest_to_mix(one, "leader") == "leader"
    leader, council = one.contests
    two = replace(one, contests=(leader, replace(council, count="mix")))
    with pytest.raises(ProtocolError, match=r"2 contests counted by mixing \(leader, council\)"):
        contest_to_mix(two, None)
    assert contest_to_mix(two, "council") == "council"
    none = replace(one, contests=(council,))
    with pytest.raises(ProtocolError, match="no contest counted by mixing"):
        contest_to_mix(none, None)
