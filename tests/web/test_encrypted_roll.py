"""The encrypted roll of an election with re-voting protection (docs/coercion.md §2.2,
§2.3, §7), end to end as an organiser makes it: the roll summary with the setup from the
API, ``honestballot organiser make-roll`` on the organiser's machine (letters to print,
the signed upload), the upload, ``open`` posting the roll parts and the roll, and
``verify`` passing ``roll.units`` and ``roll.encrypted``; a bad unit, a bad proof and a
moved row each fail by name, even with the organiser's signature and every tree head
made again."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from httpx import Response

from honestballot.cli.main import _register, cli
from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.protocol.letters import LetterSecret
from honestballot.protocol.witnesses import sign_roll
from honestballot.record.codec import canonical_bytes
from honestballot.record.manifest import manifest_to_json
from honestballot.record.roll import part_digest
from honestballot.record.trustee import encode_election_key
from honestballot.record.witness import roll_summary_bytes, signature_to_json
from honestballot.verify.verifier import verify_record
from tests.factories import (
    WEB_ROLL,
    DemoCeremonies,
    WebElection,
    board_secret_of,
    resign,
    web_roll_csv,
)
from tests.helpers import describe, failed

ELECTION = "web-encrypted-roll"
E = f"/api/organiser/e/{ELECTION}"
ORGANISER_SECRET = random_nonzero_scalar(SeededRandomness("organiser key of the roll"))


def _api(web: WebElection, method: str, path: str, body: Any = None, **kw: Any) -> Response:
    headers = {**web.organiser_headers(), **kw.pop("headers", {})}
    if body is not None:
        kw["content"] = json.dumps(body)
        headers["content-type"] = "application/json"
    r: Response = web.client.request(method, path, headers=headers, **kw)
    return r


def _make_roll(web: WebElection, tmp_path: Path, roll_csv: bytes) -> tuple[dict[str, Any], Path]:
    """The organiser's machine: the summary from the API, then make-roll; (upload, letters)."""
    _register()
    key = tmp_path / "organiser.key"
    key.write_text(
        json.dumps(
            {
                "type": "honestballot-organiser-key",
                "secret": ORGANISER_SECRET.hex(),
                "public_key": base_mul(ORGANISER_SECRET).hex(),
            }
        )
    )
    summary = _api(web, "GET", f"{E}/roll-summary").json()
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    (tmp_path / "roll.csv").write_bytes(roll_csv)
    out, letters = tmp_path / "upload.json", tmp_path / "letters.csv"
    out.unlink(missing_ok=True)
    letters.unlink(missing_ok=True)
    args = ["organiser", "make-roll", str(tmp_path / "summary.json"), "--roll",
            str(tmp_path / "roll.csv"), "--key", str(key), "--out", str(out),
            "--letters", str(letters)]  # fmt: skip
    wrong = CliRunner().invoke(cli, [*args, "--fingerprint", "0123456789abcdef"])
    assert wrong.exit_code == 1 and "nothing made" in wrong.output
    assert not out.exists() and not letters.exists()
    made = CliRunner().invoke(cli, [*args, "--fingerprint", summary["base_hash"][:16]])
    assert made.exit_code == 0, made.output
    assert "reporting unit pool:" in made.output
    upload: dict[str, Any] = json.loads(out.read_text())
    return upload, letters


def _resign(base: bytes, part: dict[str, Any], roll: dict[str, Any]) -> None:
    """The organiser's signature over a roll naming ``part`` (its only part) made again."""
    roll["encrypted"]["parts"] = [part_digest(part).hex()]
    roll.pop("signature", None)
    signature = sign_roll(base, roll_summary_bytes(roll), ORGANISER_SECRET, SeededRandomness("x"))
    roll["signature"] = signature_to_json(signature)


def _create(web: WebElection, demo_ceremony: DemoCeremonies) -> None:
    made = demo_ceremony(ELECTION)
    body = {
        "manifest": manifest_to_json(made.manifest),
        "election_key": encode_election_key(made.key),
        "organiser_key": base_mul(ORGANISER_SECRET).hex(),
        # an election with re-voting protection: its setup names a batch schedule
        "schedule": {
            "interval": 60,
            "hours": [[40, 20]],
            "cover": {"k0": 0, "epsilon_milli": 100},
        },
    }
    assert _api(web, "POST", "/api/organiser/elections", body).status_code == 201
    roll = _api(
        web, "POST", f"{E}/roll", content=web_roll_csv(), headers={"content-type": "text/csv"}
    )
    assert roll.status_code == 201, roll.text


def test_the_organiser_makes_uploads_and_opens_with_the_encrypted_roll(
    web: WebElection, demo_ceremony: DemoCeremonies, tmp_path: Path
) -> None:
    _create(web, demo_ceremony)
    upload, letters = _make_roll(web, tmp_path, web_roll_csv())

    # the letters: one per voter, with a code that is the voter's handle in the upload
    rows = list(csv.DictReader(io.StringIO(letters.read_text())))
    assert [r["national_id"] for r in rows] == [v[0] for v in WEB_ROLL]
    base = bytes.fromhex(upload["base_hash"])
    handles = {v["national_id"]: v["handle"] for v in upload["voters"]}
    for r in rows:
        letter = LetterSecret.from_code(r["activation_code"])
        assert letter.handle(base).hex() == handles[r["national_id"]]
    assert "activation_code" not in json.dumps(upload)  # the service never gets a secret

    # a bad row is refused even signed by the organiser, and nothing is kept
    bad = json.loads(json.dumps(upload))
    bad["parts"][0]["rows"][0]["unit_proof"]["s"] = bad["parts"][0]["rows"][1]["unit_proof"]["s"]
    _resign(base, bad["parts"][0], bad["roll"])
    refused = _api(web, "POST", f"{E}/encrypted-roll", bad)
    assert refused.status_code == 400, refused.text
    assert "roll row 0, unit" in refused.json()["error"]["message"]
    with web.services.store.connect() as conn:
        assert web.services.store.encrypted_roll(conn, ELECTION) == []
    unsigned = json.loads(json.dumps(upload))
    unsigned["roll"]["encrypted"]["rows"] += 1
    refused = _api(web, "POST", f"{E}/encrypted-roll", unsigned)
    assert refused.status_code == 400, refused.text

    # without its encrypted roll, an election with re-voting protection does not open
    missing = _api(web, "POST", f"{E}/open")
    assert missing.status_code == 409, missing.text
    assert "opens with the organiser's encrypted roll" in missing.json()["error"]["message"]

    kept = _api(web, "POST", f"{E}/encrypted-roll", upload)
    assert kept.status_code == 200, kept.text
    assert kept.json()["rows"] == len(WEB_ROLL)
    voter = web.services.roll.voter_by_national_id(ELECTION, WEB_ROLL[0][0])
    assert voter is not None

    # the roll changes after the letters were made: open refuses until they are made again
    added = b"910202400007,Galym New,+7 701 000 0007,,station-2\n"
    header = web_roll_csv().split(b"\n", 1)[0] + b"\n"
    r = _api(web, "POST", f"{E}/roll", content=header + added,
             headers={"content-type": "text/csv"})  # fmt: skip
    assert r.status_code == 201, r.text
    stale = _api(web, "POST", f"{E}/open")
    assert stale.status_code == 409, stale.text
    assert "make the encrypted roll again" in stale.json()["error"]["message"]
    assert [ev.kind for ev in web.services.store.iter_events(ELECTION)] == ["setup"]

    upload, _ = _make_roll(web, tmp_path, web_roll_csv() + added)
    assert _api(web, "POST", f"{E}/encrypted-roll", upload).status_code == 200
    opened = _api(web, "POST", f"{E}/open")
    assert opened.status_code == 200, opened.text
    kinds = [ev.kind for ev in web.services.store.iter_events(ELECTION)]
    assert kinds == ["setup", "roll-part", "roll", "open"]

    lines = list(web.services.elections.record_lines(ELECTION))
    report = verify_record(lines, workers=1)
    assert report.passed, describe(report)
    detail = {c.name: c.detail for c in report.checks}
    assert "7 roll rows in 1 parts" in detail["roll.encrypted"]
    assert "reporting units" in detail["roll.units"]

    # what an operator holding the board key and a thief of the organiser's key could do
    raw = [line.rstrip(b"\n") for line in lines]
    board_secret = board_secret_of(web.database_url, ELECTION)

    def forged(change: Callable[[dict[str, Any], dict[str, Any]], None]) -> set[str]:
        out = list(raw)
        ip = next(n for n, line in enumerate(out) if json.loads(line).get("kind") == "roll-part")
        ir = next(n for n, line in enumerate(out) if json.loads(line).get("kind") == "roll")
        part, roll = json.loads(out[ip]), json.loads(out[ir])
        change(part["body"], roll["body"])
        _resign(base, part["body"], roll["body"])
        out[ip], out[ir] = canonical_bytes(part), canonical_bytes(roll)
        return failed(verify_record([x + b"\n" for x in resign(out, ELECTION, board_secret)]))

    def bad_unit(part: dict[str, Any], roll: dict[str, Any]) -> None:
        pool = roll["encrypted"]["reporting_units"][-1]
        first = pool["units"].pop(0)
        roll["encrypted"]["reporting_units"].insert(0, {"id": first, "units": [first]})

    def bad_proof(part: dict[str, Any], roll: dict[str, Any]) -> None:
        part["rows"][2]["activation_proof"]["s_activation"] = part["rows"][2]["activation_proof"][
            "s_randomness"
        ]

    def moved_row(part: dict[str, Any], roll: dict[str, Any]) -> None:
        part["rows"][0], part["rows"][1] = part["rows"][1], part["rows"][0]

    assert forged(lambda part, roll: None) == set()  # the forger's tools are sound
    assert forged(bad_unit) == {"roll.units"}
    assert forged(bad_proof) == {"roll.encrypted"}
    assert forged(moved_row) == {"roll.encrypted"}


def test_an_election_is_created_only_with_a_good_schedule_and_the_organisers_key(
    web: WebElection, demo_ceremony: DemoCeremonies
) -> None:
    """The schedule in the setup is the one mark of re-voting protection, which every
    election has: one without a schedule, or with a bad one, or without the organiser's
    key, is refused at creation, in the organiser's language, and nothing is created."""
    made = demo_ceremony(ELECTION)
    body = {
        "manifest": manifest_to_json(made.manifest),
        "election_key": encode_election_key(made.key),
        "organiser_key": base_mul(ORGANISER_SECRET).hex(),
    }
    refused = _api(web, "POST", "/api/organiser/elections?lang=kk", body)
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["text"].startswith("Дауыс беру қайта дауыс беруді қорғаумен")
    assert web.services.board.election_row(ELECTION) is None
    # a bad schedule is refused at creation, by name
    other = demo_ceremony("web-bad-schedule")
    bad = {
        "manifest": manifest_to_json(other.manifest),
        "election_key": encode_election_key(other.key),
        "schedule": {
            "interval": 70,
            "hours": [[1, 1]],
            "cover": {"k0": 0, "epsilon_milli": 100},
        },
    }
    created = _api(web, "POST", "/api/organiser/elections", bad)
    assert created.status_code == 400, created.text
    assert "divides the hour" in created.json()["error"]["message"]
    # a schedule without the organiser's key: such an election could never open
    keyless = {**bad, "schedule": {**bad["schedule"], "interval": 60}}
    created = _api(web, "POST", "/api/organiser/elections?lang=ru", keyless)
    assert created.status_code == 400, created.text
    assert created.json()["error"]["text"].startswith("Голосованию с защитой переголосования")
    assert web.services.board.election_row(other.manifest.election_id) is None
