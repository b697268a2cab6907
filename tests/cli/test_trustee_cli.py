"""A whole key ceremony through ``honestballot trustee``: a complaint disqualifies a
dealer, and the trustees left run the close of an election with re-voting protection under
the key (in process, tests/web/close_helpers.py; trustee 2's secret file makes the first
round's objects with ``close-round`` as well), whose ``close-round`` refuses a trustee of
another ceremony (the whole close with the command line: tests/web/test_close_stage_a.py).
``close-round`` also refuses, writing nothing, a record that does not verify, an election
still open, and another election's record.  A tampered election key and an existing secret
file are refused."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from honestballot.cli.trustee import trustee_group
from honestballot.errors import InvalidShare, ProtocolError, VerificationFailed
from honestballot.protocol.election import manifest_hash
from honestballot.protocol.manifest import Contest, Manifest, Option, Unit
from honestballot.record import trustee as rec
from honestballot.record.codec import canonical_bytes
from tests.factories import (
    WEB_ROLL,
    DemoCeremony,
    Record,
    RevotingElection,
    Voter,
    closed_protected_record,
    label,
    resign,
)

N, K = 3, 2
COUNTS = {"mayor/alice": 4, "mayor/bob": 2, "mayor/against-all": 0}
ELECTION_ID = "city-2025"


def run(*args: str | Path | int) -> Result:
    result = CliRunner().invoke(trustee_group, [str(a) for a in args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def fails(*args: str | Path | int) -> BaseException:
    result = CliRunner().invoke(trustee_group, [str(a) for a in args])
    assert result.exit_code != 0
    assert result.exception is not None
    return result.exception


def city_manifest(election_id: str = ELECTION_ID) -> Manifest:
    """One vote-for-one contest with against-all, one unit too small to break out."""

    mayor = Contest(
        "mayor",
        label("Mayor"),
        (Option("alice", label("Alice")), Option("bob", label("Bob"))),
        1,
        1,
        True,
    )
    return Manifest(election_id, label("City"), (mayor,), (Unit("centre", label("Centre")),), 50)


def ceremony(
    tmp: Path, corrupt_dealer_1_to_2: bool = False, election_id: str = ELECTION_ID
) -> list[Path]:
    digest = manifest_hash(city_manifest(election_id)).hex()
    run("ceremony", "--election-id", election_id, "--manifest-hash", digest,
        "--trustees", N, "--threshold", K, "--out", tmp / "ceremony.json")  # fmt: skip
    publics = [tmp / f"public-{i}.json" for i in range(1, N + 1)]
    secrets = [tmp / f"secret-{i}.json" for i in range(1, N + 1)]
    deals = [tmp / f"deal-{i}.json" for i in range(1, N + 1)]
    complaints = [tmp / f"complaints-{i}.json" for i in range(1, N + 1)]
    for i in range(1, N + 1):
        run("init", "--ceremony", tmp / "ceremony.json", "--index", i, "--name", f"party {i}",
            "--secret", secrets[i - 1], "--public-out", publics[i - 1])  # fmt: skip
        assert stat.S_IMODE(secrets[i - 1].stat().st_mode) == 0o600
    for i in range(1, N + 1):
        run("deal", "--secret", secrets[i - 1], "--publics", *(publics), "--out",
            deals[i - 1])  # fmt: skip
    if corrupt_dealer_1_to_2:
        obj = json.loads(deals[0].read_text())  # dealer 1's share of tag key y1 to 2
        y1 = obj["keys"][1]
        assert y1["label"] == "y1"
        ct = bytearray.fromhex(y1["shares"][0]["ciphertext"])
        ct[0] ^= 1
        y1["shares"][0]["ciphertext"] = ct.hex()
        deals[0].write_text(json.dumps(obj))
    for i in range(1, N + 1):
        run("check", "--secret", secrets[i - 1], "--publics", *(publics),
            "--deals", *(deals), "--out", complaints[i - 1])  # fmt: skip
    run("finalize", "--ceremony", tmp / "ceremony.json", "--publics", *(publics),
        "--deals", *(deals), "--complaints", *(complaints),
        "--out", tmp / "election-key.json")  # fmt: skip
    for i in range(1, N + 1):
        run("accept-key", "--secret", secrets[i - 1], "--election-key",
            tmp / "election-key.json", "--deals", *(deals))  # fmt: skip
        assert stat.S_IMODE(secrets[i - 1].stat().st_mode) == 0o600
    return secrets


@pytest.fixture(scope="module")
def city_ceremony(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """The directory of a whole key ceremony of the city's election, and its secrets."""
    directory = tmp_path_factory.mktemp("city")
    return directory, ceremony(directory)


def centre_roll() -> list[tuple[str, str, str, str, str]]:
    """The web roll's voters, all of the city's one unit."""
    return [(*row[:4], "centre") for row in WEB_ROLL]


def city_voters() -> list[Voter]:
    """The web roll's voters casting COUNTS, the first voting twice (bob, then its own
    choice)."""
    choices = [entry.split("/")[1] for entry, count in COUNTS.items() for _ in range(count)]
    return [
        (row[0], ({"mayor": {"bob"}}, {"mayor": {choice}}) if i == 0 else ({"mayor": {choice}},),
         False)
        for i, (row, choice) in enumerate(zip(WEB_ROLL, choices, strict=True))
    ]  # fmt: skip


def test_cli_complaint_disqualifies_a_dealer(
    city_ceremony: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    secrets = ceremony(tmp_path, corrupt_dealer_1_to_2=True)
    complaints = json.loads((tmp_path / "complaints-2.json").read_text())
    assert [(c["dealer"], c["label"]) for c in complaints["complaints"]] == [(1, "y1")]
    key_obj = json.loads((tmp_path / "election-key.json").read_text())
    assert key_obj["qualified"] == [2, 3]
    # every trustee's complaints file is embedded, the empty ones too
    assert [(f["complainant"], len(f["complaints"])) for f in key_obj["complaints"]] == [
        (1, 0),
        (2, 1),
        (3, 0),
    ]
    # a bad share of a tag key disqualifies its dealer for all three keys
    assert key_obj["rulings"][0]["upheld"] is True and key_obj["rulings"][0]["label"] == "y1"
    # trustees 2 and 3, qualified, run the close of an election with re-voting
    # protection under this key (its tag keys too): COUNTS, one voter voting twice
    key = rec.load((tmp_path / "election-key.json").read_bytes(), rec.decode_election_key,
                   "k", large=True)  # fmt: skip
    qualified = [rec.load(secrets[i].read_bytes(), rec.decode_trustee_secret, "s") for i in (1, 2)]
    voters = city_voters()
    made: list[str] = []

    def close_round(election: RevotingElection, round_: str) -> None:
        """The close's first round once more, through the command line with trustee 2's
        own secret file (the in-process close sends its objects)."""
        if made:
            return
        exported = tmp_path / "open-close.jsonl"
        election.web.services.elections.export_record(election.id, str(exported))
        out = tmp_path / "close-2.jsonl"
        result = run("close-round", "--secret", secrets[1], "--record", exported,
                     "--workers", 1, "--out", out)  # fmt: skip
        assert f"round {round_}: " in result.output and "by trustee 2" in result.output
        assert out.read_text().strip()
        made.append(result.output)

    with closed_protected_record(
        tmp_path / "protected", "disqualified dealer", voters=voters, audit=False,
        ceremony=DemoCeremony(city_manifest(), key, qualified), roll=centre_roll(),
        each_round=close_round,
    ) as (record, election, _):  # fmt: skip
        assert made, "no round of the close was made through the command line"
        result = election.web.client.get(f"/api/e/{ELECTION_ID}/results").json()
        assert {c["id"]: c["count"] for c in result["counts"]} == COUNTS
        assert result["trustees"] == [2, 3]
        # the same election id and manifest, but another ceremony's key: the record is
        # not this trustee's
        path = tmp_path / "record.jsonl"
        path.write_bytes(b"\n".join(record.lines) + b"\n")
        other = city_ceremony[1][1]
        exc = fails("close-round", "--secret", other, "--record", path, "--workers", 1,
                    "--out", tmp_path / "close.jsonl")  # fmt: skip
        assert isinstance(exc, ProtocolError)
        assert "the election key in the record is not the one this trustee accepted" in str(exc)
        assert not (tmp_path / "close.jsonl").exists()


@pytest.fixture(scope="module")
def city_close(
    city_ceremony: tuple[Path, list[Path]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Record, Path]:
    """The city's election with re-voting protection run to its result by trustees 2 and
    3 (trustee 1 never acts), and the record as exported when the close's first round
    opened (the padding on the board: trustee 1's ``close-round`` would make objects)."""
    directory, secrets = city_ceremony
    key = rec.load((directory / "election-key.json").read_bytes(), rec.decode_election_key,
                   "k", large=True)  # fmt: skip
    trustees = [rec.load(s.read_bytes(), rec.decode_trustee_secret, "s") for s in secrets]
    tmp = tmp_path_factory.mktemp("city-close")
    first_round = tmp / "first-round.jsonl"

    def export(election: RevotingElection, _round: str) -> None:
        if not first_round.exists():
            election.web.services.elections.export_record(election.id, str(first_round))

    with closed_protected_record(
        tmp / "protected", "city close", voters=city_voters(), audit=False,
        ceremony=DemoCeremony(city_manifest(), key, trustees), roll=centre_roll(),
        each_round=export,
    ) as (record, _, _):  # fmt: skip
        return record, first_round


def refused(secret: Path, record: Path, out: Path) -> Result:
    """``close-round`` run on ``record``: it fails, and writes no close file."""
    result = CliRunner().invoke(
        trustee_group,
        ["close-round", "--secret", str(secret), "--record", str(record), "--workers", "1",
         "--state", str(out.with_suffix(".state.json")), "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code != 0 and result.exception is not None, result.output
    assert not out.exists() and not out.with_suffix(".state.json").exists()
    return result


def test_close_round_makes_trustee_1s_objects_on_the_first_round(
    city_ceremony: tuple[Path, list[Path]], city_close: tuple[Record, Path], tmp_path: Path
) -> None:
    """The record the refusals below tamper with is one ``close-round`` acts on."""
    out = tmp_path / "close-1.jsonl"
    result = run("close-round", "--secret", city_ceremony[1][0], "--record", city_close[1],
                 "--workers", 1, "--out", out)  # fmt: skip
    assert "by trustee 1" in result.output and out.read_text().strip()


def test_close_round_refuses_a_record_that_does_not_verify(
    city_ceremony: tuple[Path, list[Path]], city_close: tuple[Record, Path], tmp_path: Path
) -> None:
    """The first round's record with a cast row's counter proof changed: the log no
    longer matches its signed tree heads, and once the operator re-signs them with the
    board key the proof still does not verify."""
    record, first_round = city_close
    lines = first_round.read_bytes().splitlines()
    at = next(i for i, raw in enumerate(lines) if json.loads(raw).get("kind") == "cast-row")
    event = json.loads(lines[at])
    proof = event["body"]["row"]["counter_proof"]
    proof["s"] = proof["s"][:-1] + format(int(proof["s"][-1], 16) ^ 1, "x")
    lines[at] = canonical_bytes(event)
    plain, resigned = tmp_path / "plain.jsonl", tmp_path / "resigned.jsonl"
    plain.write_bytes(b"\n".join(lines) + b"\n")
    resigned.write_bytes(b"\n".join(resign(lines, record.election_id, record.board_secret)) + b"\n")
    for path, failed in ((plain, ["log.tree-heads", "rows.proofs"]), (resigned, ["rows.proofs"])):
        result = refused(city_ceremony[1][0], path, tmp_path / "close.jsonl")
        exc = result.exception
        assert isinstance(exc, VerificationFailed), (result.output, exc)
        assert [f.split(":")[0] for f in exc.failures] == failed, exc.failures
        assert f"{path.name} does not verify: nothing made for the close" in result.output


def test_close_round_refuses_an_open_election(
    city_ceremony: tuple[Path, list[Path]], city_close: tuple[Record, Path], tmp_path: Path
) -> None:
    """The record as the board showed it before the close event (the election open): it
    verifies, and nothing is made."""
    record = city_close[0]
    close = record.line_of("close")
    heads = [i for i, raw in enumerate(record.lines) if json.loads(raw).get("type") == "tree-head"]
    head = record.lines[next(i for i in heads if i > close)]
    path = tmp_path / "open.jsonl"
    lines = resign([*record.lines[:close], head], record.election_id, record.board_secret)
    path.write_bytes(b"\n".join(lines) + b"\n")
    exc = refused(city_ceremony[1][0], path, tmp_path / "close.jsonl").exception
    assert isinstance(exc, ProtocolError), exc
    assert (
        "the election record open.jsonl has no close event: the election is still open, and "
        "nothing is made for the close before it closes"
    ) in str(exc)


def test_close_round_refuses_another_elections_record(
    city_close: tuple[Record, Path], tmp_path: Path
) -> None:
    """A trustee of the town's election (its own ceremony) given the city's record."""
    town = ceremony(tmp_path, election_id="town-2025")
    exc = refused(town[0], city_close[1], tmp_path / "close.jsonl").exception
    assert isinstance(exc, ProtocolError)
    assert "the election record is for election 'city-2025'" in str(exc)
    assert "this trustee's secret is for 'town-2025'" in str(exc)


def test_tampered_election_key_and_existing_secret_are_refused(tmp_path: Path) -> None:
    secrets = ceremony(tmp_path)
    exc = fails("init", "--ceremony", tmp_path / "ceremony.json", "--index", 1, "--name", "x",
                "--secret", secrets[0], "--public-out", tmp_path / "p.json")  # fmt: skip
    assert isinstance(exc, ProtocolError) and "refusing to overwrite" in str(exc)
    key_obj = json.loads((tmp_path / "election-key.json").read_text())
    key_obj["verification_keys"][1]["key"] = key_obj["verification_keys"][0]["key"]
    (tmp_path / "bad-key.json").write_text(json.dumps(key_obj))
    exc = fails("accept-key", "--secret", secrets[1], "--election-key", tmp_path / "bad-key.json")
    assert isinstance(exc, InvalidShare) and "trustee 2" in str(exc)
