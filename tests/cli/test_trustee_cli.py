"""A whole key ceremony, an election on the service, and the tally's decryption through
``honestballot trustee``; ``decrypt`` makes a share only for the tally of a verified,
closed election record of the trustee's own election.

A complaint disqualifies a dealer, and the trustees left run the close of an election with
re-voting protection under the key (in process, tests/web/close_helpers.py; trustee 2's
secret file makes the first round's objects with ``close-round`` as well), whose
``close-round`` refuses a trustee of another ceremony.  The tally and shares of version
1's flow (the ``city`` election) go with it (docs/coercion.md §14 item 8; the close with
the command line: tests/web/test_close_stage_a.py)."""

from __future__ import annotations

import json
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from honestballot.cli.trustee import trustee_group
from honestballot.crypto.group import Scalar
from honestballot.crypto.randomness import SeededRandomness
from honestballot.errors import InvalidShare, ProtocolError, VerificationFailed
from honestballot.protocol.ballot import encrypt_ballot
from honestballot.protocol.credential import generate_credential
from honestballot.protocol.election import manifest_hash
from honestballot.protocol.manifest import Contest, Manifest, Option, Unit
from honestballot.record import trustee as rec
from honestballot.record.ballot import ballot_to_json
from honestballot.record.codec import canonical_bytes
from honestballot.service.board.election import ElectionService
from honestballot.store.sql import SqlStore
from honestballot.verify.verifier import verify_record_file
from tests.factories import (
    WEB_ROLL,
    DemoCeremony,
    RevotingElection,
    board_secret_of,
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


@dataclass(frozen=True)
class Election:
    """The files of one election run on the service with the key of ``ceremony``."""

    directory: Path
    secrets: list[Path]
    #: the record exported while voting, after the ballots
    open_record: Path
    #: the record exported after close, before the tally
    closed_record: Path
    #: the record exported after the tally, and the tally as ``election tally --out`` writes it
    record: Path
    tally: Path
    #: a forged "tally" whose entries are the first voter's (counted) ballot ciphertexts
    one_ballot: Path
    board_secret: Scalar

    @property
    def key(self) -> Path:
        return self.directory / "election-key.json"


def run_election(tmp: Path, secrets: list[Path], election_id: str = ELECTION_ID) -> Election:
    """Voters cast COUNTS on the service (one votes twice); records are exported while
    open, after close and after the tally."""
    key = rec.load((tmp / "election-key.json").read_bytes(), rec.decode_election_key, "k",
                   large=True)  # fmt: skip
    rng = SeededRandomness(f"election {tmp.name}")
    url = f"sqlite:///{tmp / 'store.sqlite'}"
    service = ElectionService(SqlStore(url), rng)
    ctx = service.create(city_manifest(election_id), key, unprotected=True)
    choices = [entry.split("/")[1] for entry, count in COUNTS.items() for _ in range(count)]
    creds = [generate_credential(rng) for _ in choices]
    for cred in creds:
        service.register_credential(election_id, cred.public, "centre")
    service.open(election_id)
    ballots = [
        encrypt_ballot(ctx, cred, {"mayor": {choice}}, rng)[0]
        for cred, choice in zip(creds, choices, strict=True)
    ]
    earlier, _ = encrypt_ballot(ctx, creds[0], {"mayor": {"bob"}}, rng)
    for ballot in [earlier, *ballots]:  # voter 1 votes again: the later ballot counts
        service.cast(election_id, json.dumps(ballot_to_json(ballot)))
    paths = {name: tmp / f"{name}.jsonl" for name in ("open", "closed", "record")}
    service.export_record(election_id, str(paths["open"]))
    service.close(election_id)
    service.export_record(election_id, str(paths["closed"]))
    tally = service.tally(election_id)
    service.export_record(election_id, str(paths["record"]))
    service.store.close()
    (tmp / "encrypted-tally.json").write_bytes(rec.to_bytes(rec.encode_encrypted_tally(tally)))
    options = ["alice", "bob", "against-all"]
    forged = {
        "type": "encrypted-tally",
        "version": 1,
        "election": ctx.base_hash.hex(),
        "entries": [
            {"id": f"mayor/{o}", "alpha": ct.alpha.hex(), "beta": ct.beta.hex()}
            for o, ct in zip(options, ballots[0].contests[0].ciphertexts, strict=True)
        ],
    }
    (tmp / "one-ballot.json").write_text(json.dumps(forged))
    return Election(
        tmp, secrets, paths["open"], paths["closed"], paths["record"],
        tmp / "encrypted-tally.json", tmp / "one-ballot.json",
        board_secret_of(url, election_id),
    )  # fmt: skip


@pytest.fixture(scope="module")
def city_ceremony(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """The directory of a whole key ceremony of the city's election, and its secrets."""
    directory = tmp_path_factory.mktemp("city")
    return directory, ceremony(directory)


@pytest.fixture(scope="module")
def city(city_ceremony: tuple[Path, list[Path]]) -> Election:
    return run_election(*city_ceremony)


def centre_roll() -> list[tuple[str, str, str, str, str]]:
    """The web roll's voters, all of the city's one unit."""
    return [(*row[:4], "centre") for row in WEB_ROLL]


def decrypt(election: Election, trustee: int, out: Path, *extra: str | Path) -> Result:
    return run("decrypt", "--secret", election.secrets[trustee - 1], "--record",
               election.record, *extra, "--workers", 1, "--out", out)  # fmt: skip


def counts_of(path: Path) -> dict[str, int | None]:
    return {e["id"]: e["count"] for e in json.loads(path.read_text())["entries"]}


def test_full_ceremony_with_an_absent_trustee_and_a_bad_share(
    city: Election, tmp_path: Path
) -> None:
    key_obj = json.loads(city.key.read_text())
    assert key_obj["type"] == "election-key" and key_obj["qualified"] == [1, 2, 3]
    secret_text = city.secrets[0].read_text()
    assert json.loads(secret_text)["polynomials"] is None
    key_shares = json.loads(secret_text)["key_shares"]
    assert sorted(key_shares) == ["x", "y1", "y2"] and len(set(key_shares.values())) == 3
    assert not any(x in city.key.read_text() for x in key_shares.values())
    assert [t["label"] for t in key_obj["tag_keys"]] == ["y1", "y2"]
    assert len({key_obj["public_key"], *(t["public_key"] for t in key_obj["tag_keys"])}) == 3
    tally, shares = city.tally, [tmp_path / f"share-{i}.json" for i in range(1, N + 1)]
    # trustee 2 is absent at decryption: 1 decrypts the tally of the record, 3 is also
    # given the tally file, which agrees with the record
    said = decrypt(city, 1, shares[0]).output
    assert "every check passed; election city-2025 is closed and tallied" in said
    assert "ballots counted: 6" in said
    decrypt(city, 3, shares[2], "--tally", tally)
    share_1, share_3 = (json.loads(shares[i].read_text()) for i in (0, 2))
    assert share_1["tally"] == share_3["tally"] and f"tally hash {share_1['tally']}" in said
    out = tmp_path / "decrypted.json"
    run("combine", "--election-key", city.key, "--tally", tally,
        "--shares", shares[0], shares[2], "--max-count", 100, "--out", out)  # fmt: skip
    result = json.loads(out.read_text())
    assert result["type"] == "decrypted-tally"
    assert result["trustees_used"] == [1, 3]
    assert result["rejected_shares"] == []
    assert counts_of(out) == COUNTS

    # the service takes the two shares and publishes the result; the record verifies, and
    # a record holding shares and the result still yields the same tally to trustee 2
    service = ElectionService(SqlStore(f"sqlite:///{city.directory / 'store.sqlite'}"))
    for share in (shares[0], shares[2]):
        service.submit_decryption_share(ELECTION_ID, share.read_bytes())
    assert service.publish_result(ELECTION_ID) == COUNTS
    final = tmp_path / "record-final.jsonl"
    service.export_record(ELECTION_ID, str(final))
    service.store.close()
    report = verify_record_file(str(final), workers=1)
    assert report.passed and report.counts == COUNTS
    run("decrypt", "--secret", city.secrets[1], "--record", final, "--tally", tally,
        "--workers", 1, "--out", shares[1])  # fmt: skip

    # a tampered share from trustee 1 is rejected and named; 2 and 3 complete the tally
    bad = json.loads(shares[0].read_text())
    bad["entries"][0]["share"] = result["entries"][1]["plaintext"]
    shares[0].write_text(json.dumps(bad))
    (tmp_path / "garbage.json").write_text("{not json")
    run("combine", "--election-key", city.key, "--tally", tally,
        "--shares", *shares, tmp_path / "garbage.json", "--out", out)  # fmt: skip
    result = json.loads(out.read_text())
    assert result["trustees_used"] == [2, 3]
    reasons = {r["trustee"]: r["reason"] for r in result["rejected_shares"]}
    assert "trustee 1, entry 'mayor/alice'" in reasons[1]
    assert "garbage.json" in reasons[None]
    assert all(e["count"] is None for e in result["entries"])

    # one valid share is below the threshold: refused
    exc = fails("combine", "--election-key", city.key, "--tally", tally,
                "--shares", shares[2], "--out", out)  # fmt: skip
    assert isinstance(exc, ProtocolError) and "threshold is 2" in str(exc)


def test_a_tally_of_one_ballot_is_refused(city: Election, tmp_path: Path) -> None:
    """The reviewer's attack: the operator hands trustees a "tally" whose entries are one
    voter's ballot.  The record's tally differs, so no share is made."""
    out = tmp_path / "share.json"
    exc = fails("decrypt", "--secret", city.secrets[0], "--record", city.record,
                "--tally", city.one_ballot, "--workers", 1, "--out", out)  # fmt: skip
    assert isinstance(exc, ProtocolError), exc
    assert "one-ballot.json is not the encrypted tally of the election record" in str(exc)
    assert "'mayor/alice', 'mayor/bob', 'mayor/against-all'" in str(exc)
    assert not out.exists()


def test_an_open_or_untallied_election_is_refused(city: Election, tmp_path: Path) -> None:
    """Nothing is decrypted before close, nor before the record holds the tally."""
    out = tmp_path / "share.json"
    for record, why in (
        (city.open_record, "has no close event: the election is still open"),
        (city.closed_record, "has no encrypted tally after its close event"),
    ):
        for tally in ((), ("--tally", city.one_ballot), ("--tally", city.tally)):
            exc = fails("decrypt", "--secret", city.secrets[0], "--record", record, *tally,
                        "--workers", 1, "--out", out)  # fmt: skip
            assert isinstance(exc, ProtocolError) and why in str(exc), exc
    assert not out.exists()


def test_a_record_that_does_not_verify_is_refused(city: Election, tmp_path: Path) -> None:
    """The record's tally replaced by one ballot's ciphertexts: the log no longer matches
    its tree heads, and once the operator re-signs them with the board key the tally
    still differs from the one recomputed from the counted ballots."""
    lines = city.record.read_bytes().splitlines()
    at = next(i for i, raw in enumerate(lines) if json.loads(raw).get("kind") == "tally")
    event = json.loads(lines[at])
    event["body"]["tally"]["entries"] = json.loads(city.one_ballot.read_text())["entries"]
    lines[at] = canonical_bytes(event)
    plain, resigned = tmp_path / "plain.jsonl", tmp_path / "resigned.jsonl"
    plain.write_bytes(b"\n".join(lines) + b"\n")
    resigned.write_bytes(b"\n".join(resign(lines, ELECTION_ID, city.board_secret)) + b"\n")
    out = tmp_path / "share.json"
    for record, failed in (
        (plain, ["log.tree-heads", "tally.aggregation"]),
        (resigned, ["tally.aggregation"]),
    ):
        for tally in ((), ("--tally", city.one_ballot)):
            result = CliRunner().invoke(
                trustee_group,
                ["decrypt", "--secret", str(city.secrets[0]), "--record", str(record),
                 *map(str, tally), "--workers", "1", "--out", str(out)],
            )  # fmt: skip
            exc = result.exception
            assert isinstance(exc, VerificationFailed), (result.output, exc)
            assert [f.split(":")[0] for f in exc.failures] == failed
            assert failed[0] in str(exc)
            assert "does not verify: no decryption share made" in result.output
    assert not out.exists()


def test_a_record_of_another_election_or_key_is_refused(city: Election, tmp_path: Path) -> None:
    town = ceremony(tmp_path, election_id="town-2025")
    out = tmp_path / "share.json"
    exc = fails("decrypt", "--secret", town[0], "--record", city.record, "--workers", 1,
                "--out", out)  # fmt: skip
    assert isinstance(exc, ProtocolError)
    assert "record is for election 'city-2025'" in str(exc) and "'town-2025'" in str(exc)
    not_accepted = town[1]
    secret = json.loads(not_accepted.read_text())
    secret["key_shares"] = None
    not_accepted.write_text(json.dumps(secret))
    exc = fails("decrypt", "--secret", not_accepted, "--record", city.record, "--out", out)
    assert isinstance(exc, ProtocolError) and "run accept-key first" in str(exc)
    assert not out.exists()


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
    choices = [entry.split("/")[1] for entry, count in COUNTS.items() for _ in range(count)]
    voters = [
        (row[0], ({"mayor": {"bob"}}, {"mayor": {choice}}) if i == 0 else ({"mayor": {choice}},),
         False)
        for i, (row, choice) in enumerate(zip(WEB_ROLL, choices, strict=True))
    ]  # fmt: skip
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
