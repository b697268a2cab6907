"""A whole key ceremony and tally decryption through ``honestballot trustee``."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from click.testing import CliRunner, Result

from honestballot.cli.trustee import trustee_group
from honestballot.crypto.elgamal import aggregate, encrypt
from honestballot.crypto.randomness import SeededRandomness, random_scalar
from honestballot.errors import InvalidShare, ProtocolError
from honestballot.record import trustee as rec

N, K = 3, 2
COUNTS = {"mayor/alice": 4, "mayor/bob": 2, "mayor/against-all": 0}


def run(*args: str | Path | int) -> Result:
    result = CliRunner().invoke(trustee_group, [str(a) for a in args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def fails(*args: str | Path | int) -> BaseException:
    result = CliRunner().invoke(trustee_group, [str(a) for a in args])
    assert result.exit_code != 0
    assert result.exception is not None
    return result.exception


def ceremony(tmp: Path, corrupt_dealer_1_to_2: bool = False) -> list[Path]:
    run("ceremony", "--election-id", "city-2025", "--manifest-hash", "ab" * 32,
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
        obj = json.loads(deals[0].read_text())
        ct = bytearray.fromhex(obj["shares"][0]["ciphertext"])
        ct[0] ^= 1
        obj["shares"][0]["ciphertext"] = ct.hex()
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


def write_tally(tmp: Path) -> Path:
    key = rec.load(
        (tmp / "election-key.json").read_bytes(), rec.decode_election_key, "k", large=True
    )
    rng = SeededRandomness("ballots")
    entries = []
    for entry_id, count in COUNTS.items():
        ballots = [encrypt(key.public_key, 1, random_scalar(rng)) for _ in range(count)]
        ballots += [encrypt(key.public_key, 0, random_scalar(rng)) for _ in range(3)]
        ct = aggregate(ballots)
        entries.append({"id": entry_id, "alpha": ct.alpha.hex(), "beta": ct.beta.hex()})
    path = tmp / "encrypted-tally.json"
    obj = {"type": "encrypted-tally", "version": 1, "election": "cd" * 32, "entries": entries}
    path.write_text(json.dumps(obj))
    return path


def test_full_ceremony_with_an_absent_trustee_and_a_bad_share(tmp_path: Path) -> None:
    secrets = ceremony(tmp_path)
    key_obj = json.loads((tmp_path / "election-key.json").read_text())
    assert key_obj["type"] == "election-key" and key_obj["qualified"] == [1, 2, 3]
    secret_text = secrets[0].read_text()
    assert json.loads(secret_text)["polynomial"] is None
    assert json.loads(secret_text)["key_share"] not in (tmp_path / "election-key.json").read_text()
    tally = write_tally(tmp_path)
    # trustee 2 is absent at decryption: 1 and 3 decrypt
    for i in (1, 3):
        run("decrypt", "--secret", secrets[i - 1], "--tally", tally, "--out",
            tmp_path / f"share-{i}.json")  # fmt: skip
    out = tmp_path / "decrypted.json"
    run("combine", "--election-key", tmp_path / "election-key.json", "--tally", tally,
        "--shares", tmp_path / "share-1.json", tmp_path / "share-3.json",
        "--max-count", 100, "--out", out)  # fmt: skip
    result = json.loads(out.read_text())
    assert result["type"] == "decrypted-tally"
    assert result["trustees_used"] == [1, 3]
    assert result["rejected_shares"] == []
    assert {e["id"]: e["count"] for e in result["entries"]} == COUNTS

    # a tampered share from trustee 1 is rejected and named; 2 and 3 complete the tally
    run("decrypt", "--secret", secrets[1], "--tally", tally, "--out", tmp_path / "share-2.json")
    bad = json.loads((tmp_path / "share-1.json").read_text())
    bad["entries"][0]["share"] = result["entries"][1]["plaintext"]
    (tmp_path / "share-1.json").write_text(json.dumps(bad))
    (tmp_path / "garbage.json").write_text("{not json")
    run("combine", "--election-key", tmp_path / "election-key.json", "--tally", tally,
        "--shares", tmp_path / "share-1.json", tmp_path / "share-2.json",
        tmp_path / "share-3.json", tmp_path / "garbage.json",
        "--out", out)  # fmt: skip
    result = json.loads(out.read_text())
    assert result["trustees_used"] == [2, 3]
    reasons = {r["trustee"]: r["reason"] for r in result["rejected_shares"]}
    assert "trustee 1, entry 'mayor/alice'" in reasons[1]
    assert "garbage.json" in reasons[None]
    assert all(e["count"] is None for e in result["entries"])

    # one valid share is below the threshold: refused
    exc = fails("combine", "--election-key", tmp_path / "election-key.json", "--tally", tally,
                "--shares", tmp_path / "share-3.json", "--out", out)  # fmt: skip
    assert isinstance(exc, ProtocolError) and "threshold is 2" in str(exc)


def test_cli_complaint_disqualifies_a_dealer(tmp_path: Path) -> None:
    secrets = ceremony(tmp_path, corrupt_dealer_1_to_2=True)
    complaints = json.loads((tmp_path / "complaints-2.json").read_text())
    assert [c["dealer"] for c in complaints["complaints"]] == [1]
    key_obj = json.loads((tmp_path / "election-key.json").read_text())
    assert key_obj["qualified"] == [2, 3]
    assert key_obj["rulings"][0]["upheld"] is True
    tally = write_tally(tmp_path)
    for i in (2, 3):
        run("decrypt", "--secret", secrets[i - 1], "--tally", tally, "--out",
            tmp_path / f"share-{i}.json")  # fmt: skip
    run("combine", "--election-key", tmp_path / "election-key.json", "--tally", tally,
        "--shares", tmp_path / "share-2.json", tmp_path / "share-3.json",
        "--max-count", 20, "--out", tmp_path / "d.json")  # fmt: skip
    result = json.loads((tmp_path / "d.json").read_text())
    assert {e["id"]: e["count"] for e in result["entries"]} == COUNTS


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
