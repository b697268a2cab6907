"""The trustees' mix upload on a running app (SQLite and PostgreSQL), through the HTTP
surface: an election with a contest counted by mixing is created, opened and closed
through the organiser API; trustees run ``honestballot trustee mix`` on the downloaded
record and upload the file to ``POST /api/e/{id}/mixes``.  A valid mix is stored; a
tampered one is 422, a second mix by the same trustee 409, and so is a mix before the
close or for an election without mixed contests; nothing refused reaches the board.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from httpx import Response

from honestballot.cli import trustee as cli_trustee
from honestballot.cli.trustee import trustee_group
from honestballot.crypto.randomness import SeededRandomness
from honestballot.errors import ProtocolError
from honestballot.protocol.ballot import encrypt_ballot
from honestballot.protocol.credential import generate_credential
from honestballot.protocol.manifest import Contest, Manifest, Option, Unit
from honestballot.protocol.mix import make_mix
from honestballot.record.manifest import manifest_to_json
from honestballot.record.trustee import encode_election_key, encode_trustee_secret, to_bytes
from honestballot.verify.verifier import verify_record
from honestballot.web.security import limit_for
from tests.factories import (
    WEB_ROLL,
    DemoCeremony,
    WebElection,
    ballot_json,
    key_ceremony,
    label,
    mix_file_lines,
    share_lines,
    web_roll_csv,
)
from tests.helpers import describe

MIXED = "web-mixed"
CHOICES = [{"leader": {"a"}}, {"leader": {"b"}}, {"leader": {"a"}}]


def mixed_manifest() -> Manifest:
    leader = Contest(
        "leader",
        label("Leader"),
        tuple(Option(x, label(x.upper())) for x in "abc"),
        1,
        1,
        False,
        count="mix",
    )
    return Manifest(MIXED, label("Mixed"), (leader,), (Unit("centre", label("Centre")),), 1)


@pytest.fixture(scope="module")
def mixed_ceremony(tmp_path_factory: pytest.TempPathFactory) -> DemoCeremony:
    return key_ceremony(mixed_manifest(), tmp_path_factory.mktemp("web-mixed"), "web-mixed")


def organiser(web: WebElection, path: str, **kw: Any) -> Response:
    headers = {**web.organiser_headers(), **kw.pop("headers", {})}
    r: Response = web.client.post(path, headers=headers, **kw)
    assert r.status_code in (200, 201), (path, r.text)
    return r


def upload(web: WebElection, data: bytes, election_id: str = MIXED) -> Response:
    r: Response = web.client.post(
        f"/api/e/{election_id}/mixes", content=data, headers={"content-type": "application/json"}
    )
    return r


def refused(r: Response, status: int, code: str, text: str = "") -> None:
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == code, r.text
    assert text in error["message"], r.text


def mix_events(web: WebElection) -> list[dict[str, Any]]:
    return [
        json.loads(ev.line)["body"] for ev in web.services.store.iter_events(MIXED, kinds=("mix",))
    ]


def cli_mix(web: WebElection, ceremony: DemoCeremony, trustee: int, tmp_path: Path) -> bytes:
    """Download the record as a trustee would and run ``honestballot trustee mix``."""
    r = web.client.get(f"/e/{MIXED}/record.jsonl")
    assert r.status_code == 200, r.text
    record = tmp_path / f"record-{trustee}.jsonl"
    record.write_bytes(r.content)
    secret = tmp_path / f"trustee-{trustee}.secret.json"
    secret.write_bytes(to_bytes(encode_trustee_secret(ceremony.secrets[trustee - 1])))
    out = tmp_path / f"mix-{trustee}.json"
    result = CliRunner().invoke(
        trustee_group,
        ["mix", "--secret", str(secret), "--record", str(record), "--workers", "1",
         "--rows-per-part", "2", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, (result.output, result.exception)
    assert "every check passed" in result.output
    return out.read_bytes()


def test_the_mix_upload_accepts_valid_mixes_only(
    web: WebElection,
    mixed_ceremony: DemoCeremony,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert limit_for(f"/api/e/{MIXED}/mixes") == 64 * 1024 * 1024
    # the organiser creates the mixed election, imports its roll and opens it
    body = {
        "manifest": manifest_to_json(mixed_ceremony.manifest),
        "election_key": encode_election_key(mixed_ceremony.key),
        "revoting": False,
    }
    organiser(web, "/api/organiser/elections", content=json.dumps(body),
              headers={"content-type": "application/json"})  # fmt: skip
    roll = web_roll_csv([(*row[:4], "centre") for row in WEB_ROLL[: len(CHOICES)]])
    organiser(web, f"/api/organiser/e/{MIXED}/roll", content=roll,
              headers={"content-type": "text/csv"})  # fmt: skip
    organiser(web, f"/api/organiser/e/{MIXED}/open")
    services = web.services
    ctx = services.elections.context(MIXED)
    rng = SeededRandomness(f"web-mixed-{web.database_url}")
    for choice in CHOICES:
        voter = generate_credential(rng)
        services.elections.register_credential(MIXED, voter.public, "centre")
        ballot, _ = encrypt_ballot(ctx, voter, choice, rng)
        services.elections.cast(MIXED, ballot_json(ballot))

    # before the close nothing is mixed (refused before the body is read)
    refused(upload(web, b"{}"), 409, "not_allowed_now", "only after the close")
    organiser(web, f"/api/organiser/e/{MIXED}/close")
    refused(upload(web, b"{}", "no-such-election"), 404, "not_found")
    refused(upload(web, b" "), 400, "invalid_input", "mix file")

    # trustee 1 mixes the downloaded record in parts of two rows, and sends its file one
    # line at a time: the parts, then the mix, which is stored at position 1
    part_1, part_2, head = cli_mix(web, mixed_ceremony, 1, tmp_path).splitlines()
    r = upload(web, part_1)
    assert r.status_code == 201, r.text
    assert r.json() == {
        "kind": "mix-part",
        "contest": "leader",
        "position": 1,
        "trustee": 1,
        "part": 0,
        "accepted": True,
        "stored": True,
    }
    # the mix before all its parts: 409, nothing stored
    refused(upload(web, head), 409, "not_allowed_now", "part 1")
    assert upload(web, part_1).json()["stored"] is False  # sent again: 200, stored once
    assert upload(web, part_1).status_code == 200
    assert upload(web, part_2).status_code == 201
    r = upload(web, head)
    assert r.status_code == 201, r.text
    assert r.json() == {
        "kind": "mix",
        "contest": "leader",
        "position": 1,
        "trustee": 1,
        "accepted": True,
        "stored": True,
        "threshold": 2,
    }
    assert [m["trustee"] for m in mix_events(web)] == [1]

    # a mix by trustee 3 with two output rows swapped after proving: 422, nothing stored
    def fresh_mix(trustee: int, position: int) -> Any:
        share = mixed_ceremony.secrets[trustee - 1].key_share
        assert share is not None
        mix = make_mix(
            ctx.manifest, ctx.base_hash, ctx.public_key, "leader", position, trustee,
            services.elections.mix_input(MIXED, "leader"), rng,
        )  # fmt: skip
        return mix, share

    honest, share_3 = fresh_mix(3, 2)
    swapped = replace(honest, rows=(honest.rows[1], honest.rows[0], *honest.rows[2:]))
    *swapped_parts, swapped_head = mix_file_lines(ctx, swapped, share_3, rng)
    assert all(upload(web, p).status_code == 201 for p in swapped_parts)
    refused(upload(web, swapped_head), 422, "invalid_proof")
    # a second mix by trustee 1, honest and at the next position: 409, nothing stored
    again = mix_file_lines(ctx, *fresh_mix(1, 2), rng)[0]
    refused(upload(web, again), 409, "not_allowed_now", "trustee 1 has already mixed")
    # a malformed line is 400
    refused(upload(web, b'{"contest": "leader"}'), 400, "malformed_input")
    refused(upload(web, b'{"kind": "tally", "body": {}}'), 400, "invalid_input", "'tally'")
    assert [m["trustee"] for m in mix_events(web)] == [1]

    # trustee 3's honest mix goes in with 'trustee upload-mix', its first part sent
    # already (as after an interrupted upload); then the tally
    honest_lines = mix_file_lines(ctx, honest, share_3, rng, rows_per_part=2)
    assert upload(web, honest_lines[0]).status_code == 201
    mix_file = tmp_path / "mix-3.json"
    mix_file.write_bytes(b"\n".join(honest_lines) + b"\n")
    sent: list[str] = []

    def fetch(url: str, body: bytes | None, timeout: float = 60) -> bytes:
        sent.append(url)
        r = web.client.post(url.removeprefix("https://board.example"), content=body)
        if r.status_code >= 400:
            raise ProtocolError(f"{url}: HTTP {r.status_code}: {r.text}")
        return r.content

    monkeypatch.setattr(cli_trustee, "urllib_fetch", fetch)
    result = CliRunner().invoke(
        trustee_group,
        ["upload-mix", "--url", "https://board.example/", "--election", MIXED,
         "--mix", str(mix_file)],
    )  # fmt: skip
    assert result.exit_code == 0, (result.output, result.exception)
    assert sent == [f"https://board.example/api/e/{MIXED}/mixes"] * 3
    assert result.output.splitlines() == [
        "part 0: already on the board",
        "part 1: stored",
        "mix 2 of contest 'leader' by trustee 3 verified and published; the tally needs "
        "mixes by at least 2 distinct trustees",
    ]
    organiser(web, f"/api/organiser/e/{MIXED}/tally")
    refused(upload(web, again), 409, "not_allowed_now", "phase tallied")
    report = verify_record(list(services.elections.record_lines(MIXED)), workers=1)
    assert report.passed, describe(report)
    [mixes] = [c.detail for c in report.checks if c.name == "mix.proofs"]
    assert "2 mixes by trustees [1, 3]" in mixes

    # the decryption shares of the mixed rows go up in parts: trustee 1's through
    # 'trustee decrypt' and 'trustee upload-share' (one line a request)
    assert limit_for(f"/api/e/{MIXED}/decryption-shares") == 64 * 1024 * 1024
    tally, _ = services.elections.encrypted_tally(MIXED)
    lines = share_lines(mixed_ceremony.secrets[2], tally, rng, rows_per_part=1)
    assert len(lines) == len(CHOICES) + 1
    part = json.loads(lines[0])

    def share_upload(data: bytes | str) -> Response:
        r: Response = web.client.post(
            f"/api/e/{MIXED}/decryption-shares",
            content=data,
            headers={"content-type": "application/json"},
        )
        return r

    # a part changed after its trustee signed it is refused before any point is decoded
    forged = json.loads(lines[0])
    forged["body"]["rows"][0][0]["share"] = part["body"]["rows"][0][1]["share"]
    refused(share_upload(json.dumps(forged)), 422, "invalid_proof", "Schnorr proof does not")
    # the share cannot name parts that are not on the board
    refused(share_upload(lines[-1]), 422, "invalid_share", "is not on the board")
    assert share_upload(lines[0]).status_code == 201
    assert share_upload(lines[0]).status_code == 200  # sent again: stored once
    # parts named out of order are refused
    disorder = json.loads(lines[-1])
    names = disorder["body"]["share"]["parts"]
    names[0], names[1] = names[1], names[0]
    for line in lines[1:-1]:
        assert share_upload(line).status_code == 201
    refused(share_upload(json.dumps(disorder)), 422, "invalid_share", "part 0 is part 1")
    r = share_upload(lines[-1])
    assert r.status_code == 201, r.text
    assert r.json()["shares"] == 1 and not r.json()["result_published"]

    record = tmp_path / "record-tallied.jsonl"
    record.write_bytes(web.client.get(f"/e/{MIXED}/record.jsonl").content)
    secret = tmp_path / "trustee-1.secret.json"
    secret.write_bytes(to_bytes(encode_trustee_secret(mixed_ceremony.secrets[0])))
    share_file = tmp_path / "share-1.jsonl"
    result = CliRunner().invoke(
        trustee_group,
        ["decrypt", "--secret", str(secret), "--record", str(record), "--workers", "1",
         "--out", str(share_file)],
    )  # fmt: skip
    assert result.exit_code == 0, (result.output, result.exception)
    assert "1 parts of the mixed rows' shares" in result.output
    sent.clear()
    result = CliRunner().invoke(
        trustee_group,
        ["upload-share", "--url", "https://board.example/", "--election", MIXED,
         "--share", str(share_file)],
    )  # fmt: skip
    assert result.exit_code == 0, (result.output, result.exception)
    assert sent == [f"https://board.example/api/e/{MIXED}/decryption-shares"] * 2
    assert result.output.splitlines() == [
        "part 0: stored",
        "decryption share of trustee 1 verified and published (2 of the 2 needed); the "
        "result is published",
    ]
    report = verify_record(list(services.elections.record_lines(MIXED)), workers=1)
    assert report.passed, describe(report)
    [shares] = [c.detail for c in report.checks if c.name == "decryption.shares"]
    assert shares == "2 decryption shares with valid proofs (4 parts)"
    assert {k: v for k, v in report.counts.items() if "#" not in k} == {}
    decrypted = sorted(
        tuple(report.counts[f"leader#{i}/{o}"] for o in "abc") for i in range(len(CHOICES))
    )
    assert decrypted == [(0, 1, 0), (1, 0, 0), (1, 0, 0)]


def test_an_election_without_mixed_contests_takes_no_mix(web: WebElection) -> None:
    web.services.elections.close(web.election_id)
    r = upload(web, b"{}", web.election_id)
    refused(r, 409, "not_allowed_now", "no contest counted by mixing")
