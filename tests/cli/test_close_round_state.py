"""``honestballot trustee close-round`` with its verified-state file (cli/trustee_state.py,
verify/state.py): the trustees run a whole close from the command line, each keeping a
state; every file made is the one the same command makes without a state (verifying the
whole record), byte for byte.  A board that rewrote an event the state covers, a state
of another election, of another trustee or altered is refused, nothing made; a state
file a crash left half-written does not stop the next run."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from honestballot.cli import trustee as cli_trustee
from honestballot.cli import trustee_state
from honestballot.cli.demo_revoting import ELECTION, ServiceParts, run_world
from honestballot.cli.trustee import trustee_group
from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol import close_a
from honestballot.protocol.dkg import TrusteeSecret
from honestballot.protocol.election import ElectionContext
from honestballot.record.codec import canonical_bytes
from honestballot.record.trustee import encode_trustee_secret
from honestballot.verify.state import VerifiedState
from honestballot.verify.verifier import verify_record
from tests.factories import board_secret_of, resign

#: the trustees who run the close (the demo's: 2 is absent)
ACTING = (1, 3)


@dataclass
class Call:
    """One run of close-round: the record it read, and the trustee's state after it."""

    trustee: int
    round: str
    record: Path
    state: Path


@dataclass
class Closed:
    directory: Path
    database: str
    secrets: dict[int, Path]
    calls: list[Call] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)
    record: Path | None = None


def close_round(secret: Path, record: Path, out: Path, *extra: str, seed: str = "") -> Result:
    """``close-round`` in this process, its randomness seeded with ``seed``."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cli_trustee, "SYSTEM_RANDOMNESS", SeededRandomness(f"close-round {seed}"))
        return CliRunner().invoke(
            trustee_group,
            ["close-round", "--secret", str(secret), "--record", str(record), "--workers", "1",
             "--out", str(out), *extra],
        )  # fmt: skip


@pytest.fixture(scope="module")
def closed(tmp_path_factory: pytest.TempPathFactory) -> Closed:
    """The demo's election (6 voters) closed by trustees 1 and 3 from the command line,
    each run of close-round with the trustee's state file (its default place beside the
    secret).  Each of trustee 3's runs (the second in every round, a mix's second mixer) is
    run again without (a new state file: the whole record verified), with the same
    randomness: the two close files are equal byte for byte, as are the two states."""
    directory = tmp_path_factory.mktemp("close-round-state")
    out = Closed(directory, f"sqlite:///{directory / 'voted-again' / 'honestballot.sqlite'}", {})

    def by_command_line(
        parts: ServiceParts, ctx: ElectionContext, secrets: list[TrusteeSecret], seed: int
    ) -> None:
        for s in secrets:
            if s.index in ACTING:
                path = directory / f"trustee-{s.index}.secret.json"
                path.write_text(json.dumps(encode_trustee_secret(s)))
                out.secrets[s.index] = path
        n = 0
        while not (stage := parts.close.stage(ELECTION)).done:
            for j in ACTING:
                n += 1
                record = directory / f"record-{n:02}.jsonl"
                parts.elections.export_record(ELECTION, str(record))
                made = []
                whole = directory / f"whole-{n:02}.json"
                runs: list[tuple[str, tuple[str, ...]]] = [("state", ())]
                if j == 3:  # and without a state: the whole record verified
                    runs.append(("whole", ("--state", str(whole))))
                for how, extra in runs:
                    file = directory / f"close-{n:02}-{how}.jsonl"
                    run = close_round(out.secrets[j], record, file, *extra, seed=str(n))
                    assert run.exit_code == 0, (run.output, run.exception)
                    made.append(file.read_bytes())
                state = directory / f"trustee-{j}.verified-state.json"
                if j == 3:
                    assert made[0] == made[1], f"call {n}: the close files differ"
                    assert state.read_bytes() == whole.read_bytes()
                kept = directory / f"state-{n:02}.json"
                shutil.copy(state, kept)
                out.calls.append(Call(j, stage.round, record, kept))
                for line in made[0].splitlines():
                    parts.now[0] += 1_000
                    parts.close.submit_line(ELECTION, line)

    run = run_world(
        directory / "voted-again", votes_again=True, voters=6, seed=2026,
        progress=lambda *_: None, close_by=by_command_line,
    )  # fmt: skip
    out.result, out.record = run.result, run.record_path
    return out


def _mid_close(closed: Closed) -> tuple[Call, Call]:
    """Trustee 1's call in round A-tag, and its next call (in round A-tag-dec: the record
    then holds both trustees' A-tag objects more)."""
    calls = closed.calls
    first = next(i for i, c in enumerate(calls) if c.trustee == 1 and c.round == "A-tag")
    later = next(i for i in range(first + 1, len(calls)) if calls[i].trustee == 1)
    return calls[first], calls[later]


@pytest.mark.slow
def test_a_close_run_with_state_files_is_the_close_without(closed: Closed) -> None:
    """The fixture compared every close file and state with and without a state; the
    close it ran is done, with the result the service published, and every round of it
    had each acting trustee's command (the mixes twice, one per mixer)."""
    assert closed.record is not None
    report = verify_record(closed.record.read_bytes().splitlines(), workers=1)
    assert report.passed, report.failures
    assert report.close is not None and report.close.done
    assert report.counts == {c["id"]: c["count"] for c in closed.result["counts"]}
    assert sum(report.counts.values()) > 0
    rounds = [c.round for c in closed.calls]
    assert rounds[:2] == ["A-mix", "A-mix"] and "B-activate-dec" in rounds
    assert {c.trustee for c in closed.calls} == set(ACTING)
    # each state holds the whole record its trustee read, and every object read
    last = closed.calls[-1]
    state = trustee_state.load_state(last.state, _secret(closed, last.trustee))
    assert state is not None
    lines = last.record.read_bytes().splitlines()
    assert state.size == sum(b'"type":"event"' in x for x in lines)


def _secret(closed: Closed, trustee: int) -> TrusteeSecret:
    from honestballot.record.trustee import decode_trustee_secret

    return decode_trustee_secret(json.loads(closed.secrets[trustee].read_text()), "secret")


def test_a_board_that_rewrote_an_event_the_state_covers_is_refused(
    closed: Closed, tmp_path: Path
) -> None:
    """The operator changes the deadline of the first round's announcement, which trustee
    1's state covers, and signs every tree head again with the board key: the record
    verifies on its own, but close-round refuses it against the state, and makes nothing."""
    before, later = _mid_close(closed)
    lines = later.record.read_bytes().splitlines()
    at = next(i for i, x in enumerate(lines) if b'"kind":"close-round"' in x)
    event = json.loads(lines[at])
    event["body"]["deadline_ms"] += 60_000
    lines[at] = canonical_bytes(event)
    rewritten = resign(lines, ELECTION, board_secret_of(closed.database, ELECTION))
    assert verify_record(rewritten, workers=1).passed
    record = tmp_path / "record.jsonl"
    record.write_bytes(b"\n".join(rewritten) + b"\n")
    state = tmp_path / "state.json"
    shutil.copy(before.state, state)
    out = tmp_path / "close.jsonl"
    run = close_round(closed.secrets[1], record, out, "--state", str(state))
    assert run.exit_code != 0
    assert "not the board this trustee verified before" in run.output
    assert "rewrote its history" in str(run.exception)
    assert not out.exists()
    assert state.read_bytes() == before.state.read_bytes()  # not moved on
    # a board that dropped events it had signed: the record downloaded before, given again
    run = close_round(closed.secrets[1], closed.calls[0].record, out, "--state", str(state))
    assert run.exit_code != 0 and "fewer than the" in str(run.exception)
    assert not out.exists()


def test_a_state_of_another_election_or_trustee_or_altered_is_refused(
    closed: Closed, tmp_path: Path
) -> None:
    before, later = _mid_close(closed)
    secret = _secret(closed, 1)
    out = tmp_path / "close.jsonl"
    state = trustee_state.load_state(before.state, secret)
    assert state is not None
    # this trustee's key share, another election's board
    other = tmp_path / "other.json"
    trustee_state.save_state(
        other, VerifiedState("another-election", bytes(32), state.size, state.root), secret
    )
    run = close_round(closed.secrets[1], later.record, out, "--state", str(other))
    assert run.exit_code != 0 and "another election's state" in str(run.exception)
    # trustee 3's state given to trustee 1
    third = next(c for c in closed.calls if c.trustee == 3)
    run = close_round(closed.secrets[1], later.record, out, "--state", str(third.state))
    assert run.exit_code != 0 and "trustee 3's of election" in str(run.exception)
    # this trustee's state, one number changed: its MAC no longer verifies
    altered = tmp_path / "altered.json"
    obj = json.loads(before.state.read_text())
    obj["close_read"] += 1
    altered.write_bytes(canonical_bytes(obj))
    run = close_round(closed.secrets[1], later.record, out, "--state", str(altered))
    assert run.exit_code != 0 and "its MAC does not verify" in str(run.exception)
    assert not out.exists()


def test_a_crash_while_the_state_is_written_leaves_the_old_one(
    closed: Closed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash after the temporary file is written and before it is renamed: the state
    file is the old one, whole, the temporary file is removed, and the next run (with a
    half-written temporary file of a power cut still there) reads the state, verifies from
    it, and writes the new one."""
    before, later = _mid_close(closed)
    state = tmp_path / "trustee-1.verified-state.json"
    shutil.copy(before.state, state)
    out = tmp_path / "close.jsonl"

    def crash(*_: Any) -> None:
        raise KeyboardInterrupt  # the process dies here

    with monkeypatch.context() as mp:
        mp.setattr(trustee_state.os, "replace", crash)
        run = close_round(closed.secrets[1], later.record, out, "--state", str(state))
    assert run.exit_code != 0 and not out.exists()
    assert state.read_bytes() == before.state.read_bytes()
    assert not list(tmp_path.glob(f".{state.name}.*.tmp"))  # its temporary file removed
    # a power cut leaves half a temporary file behind, where the next run does not look
    stray = tmp_path / f".{state.name}.cut.tmp"
    stray.write_bytes(later.state.read_bytes()[:40])
    run = close_round(closed.secrets[1], later.record, out, "--state", str(state), seed="x")
    assert run.exit_code == 0, (run.output, run.exception)
    assert f"after the {_size(before, closed)} verified before" in run.output
    assert out.exists()
    assert state.read_bytes() == later.state.read_bytes()


def _size(call: Call, closed: Closed) -> int:
    state = trustee_state.load_state(call.state, _secret(closed, call.trustee))
    assert state is not None
    return state.size


def test_with_a_state_the_new_objects_proofs_are_checked_and_only_those(
    closed: Closed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Verified from trustee 1's state of its call before, the close's objects after the
    state's events have their proofs checked and those before not; a state that claims
    more objects read than its events hold (were the MAC to let one through) still has
    every new object checked."""
    before, later = _mid_close(closed)
    state = trustee_state.load_state(before.state, _secret(closed, 1))
    assert state is not None
    lines = later.record.read_bytes().splitlines()
    steps = [json.loads(x)["seq"] for x in lines if b'"kind":"close-step"' in x]
    new = sum(seq >= state.size for seq in steps)
    assert 0 < new < len(steps)
    checked: list[bool] = []
    take = close_a._Collector.take

    def counted(self: Any, item: Any, where: str, *, proven: bool = False) -> None:
        checked.append(proven)
        take(self, item, where, proven=proven)

    monkeypatch.setattr(close_a._Collector, "take", counted)
    for known in (state, replace(state, close_read=10**6)):
        checked.clear()
        report = verify_record(lines, workers=1, known=known)
        assert report.passed, report.failures
        assert checked.count(False) == new and checked.count(True) == len(steps) - new
