"""The trustees' API on a running app (SQLite and PostgreSQL): the encrypted tally in the
CLI's file format, decryption shares checked before anything is stored, k of n with one
trustee absent, and the result published when the k-th share arrives.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from click.testing import CliRunner
from markupsafe import escape

from honestballot.cli.trustee import trustee_group
from honestballot.crypto.randomness import SeededRandomness
from honestballot.record.trustee import encode_trustee_secret, to_bytes
from honestballot.verify.verifier import verify_record
from honestballot.web.strings_observer import STRINGS
from tests.factories import WebElection
from tests.web.test_observer import (
    OTHER,
    assert_clean_page,
    close_and_tally,
    event_count,
    register,
    share_file,
    upload_share,
)


def _cli_decrypt(web: WebElection, trustee: int, tmp_path: Path) -> bytes:
    """Save the record and the tally as a trustee would and run ``honestballot trustee
    decrypt`` on them: the share is made for the tally of the verified record."""
    r = web.client.get(f"/api/e/{web.election_id}/tally")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert "attachment" in r.headers["content-disposition"]
    tally = tmp_path / f"tally-{trustee}.json"
    tally.write_bytes(r.content)
    r = web.client.get(f"/e/{web.election_id}/record.jsonl")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    record = tmp_path / f"record-{trustee}.jsonl"
    record.write_bytes(r.content)
    secret = tmp_path / f"trustee-{trustee}.secret.json"
    secret.write_bytes(to_bytes(encode_trustee_secret(web.ceremony.secrets[trustee - 1])))
    out = tmp_path / f"share-{trustee}.json"
    result = CliRunner().invoke(
        trustee_group,
        ["decrypt", "--secret", str(secret), "--record", str(record), "--tally", str(tally),
         "--workers", "1", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, (result.output, result.exception)
    assert "every check passed" in result.output
    return out.read_bytes()


def _trustees(web: WebElection) -> dict[int, bool]:
    r = web.client.get(f"/api/e/{web.election_id}/trustees")
    assert r.status_code == 200
    body = r.json()
    assert body["threshold"] == 2
    assert [t["name"] for t in body["trustees"]] == ["Trustee 1", "Trustee 2", "Trustee 3"]
    return {t["index"]: t["share_published"] for t in body["trustees"]}


def test_nothing_to_decrypt_before_the_tally(web: WebElection) -> None:
    eid = web.election_id
    for path in (f"/api/e/{eid}/tally", f"/api/e/{eid}/results"):
        r = web.client.get(path)
        assert r.status_code == 409, r.text
        assert r.json()["error"]["code"] == "not_allowed_now"
    assert _trustees(web) == {1: False, 2: False, 3: False}
    share = {"type": "decryption-share", "version": 1, "election": "00" * 32, "trustee": 1,
             "tally": "00" * 32, "entries": []}  # fmt: skip
    r = upload_share(web, json.dumps(share).encode())
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_allowed_now"
    assert web.client.get("/api/e/nope/trustees").status_code == 404
    page = web.client.get(f"/e/{eid}/results", params={"lang": "en"})
    assert page.status_code == 200 and "data-no-results" in page.text
    assert "At least 2 of the 3 trustees".lower() in page.text.lower()


def test_trustees_decrypt_through_the_api(web: WebElection, tmp_path: Path) -> None:
    eid = web.election_id
    voters = register(web)
    voters.cast(0, OTHER)
    voters.cast(0)  # votes again: CHOICE counts
    voters.cast(1)
    voters.cast(2, OTHER)
    voters.audit(3)  # never counts
    voters.cast(4)
    close_and_tally(web)
    rng = SeededRandomness("trustees")

    page = web.client.get(f"/e/{eid}/results", params={"lang": "ru"})
    assert 'data-observer-page="share-upload"' in page.text
    assert f'href="/api/e/{eid}/tally"' in page.text
    assert f'href="/e/{eid}/record.jsonl"' in page.text
    assert f"--record {eid}-record.jsonl --tally {eid}-tally.json" in page.text
    assert_clean_page(page.text)

    r = upload_share(web, _cli_decrypt(web, 1, tmp_path))
    assert r.status_code == 201, r.text
    assert r.json() == {
        "trustee": 1,
        "accepted": True,
        "shares": 1,
        "threshold": 2,
        "result_published": False,
    }
    assert web.client.get(f"/api/e/{eid}/results").status_code == 409

    # An invalid share (one entry's D swapped with another's) is refused and names the
    # trustee and the entry; nothing is stored.
    before = event_count(web)
    bad = json.loads(share_file(web, 2, rng))
    bad["entries"][0]["share"], bad["entries"][1]["share"] = (
        bad["entries"][1]["share"],
        bad["entries"][0]["share"],
    )
    r = upload_share(web, json.dumps(bad).encode())
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_share"
    assert "trustee 2" in error["message"] and bad["entries"][0]["id"] in error["message"]
    assert event_count(web) == before
    for junk, code in ((b"", "invalid_input"), (b"{not json", "malformed_input"),
                       (b'{"type": "decryption-share"}', "malformed_input")):  # fmt: skip
        r = upload_share(web, junk)
        assert (r.status_code, r.json()["error"]["code"]) == (400, code), r.text
    assert event_count(web) == before

    # A second share from trustee 1, even a valid one, is refused with a stable code.
    r = upload_share(web, share_file(web, 1, rng))
    assert r.status_code == 409 and r.json()["error"]["code"] == "duplicate_share"
    assert event_count(web) == before
    assert _trustees(web) == {1: True, 2: False, 3: False}

    # Trustee 2 is absent; trustee 3's share is the k-th: the result is published.
    r = upload_share(web, _cli_decrypt(web, 3, tmp_path))
    assert r.status_code == 201, r.text
    assert r.json()["shares"] == 2 and r.json()["result_published"] is True
    assert _trustees(web) == {1: True, 2: False, 3: True}
    assert web.services.elections.phase(eid) == "done"

    r = web.client.get(f"/api/e/{eid}/results")
    assert r.status_code == 200, r.text
    result = r.json()
    totals = {c["id"]: c["count"] for c in result["counts"]}
    assert totals["chair/cand-1"] == 3 and totals["chair/cand-2"] == 1
    assert totals["council/member-1"] == 3 and totals["council/blank"] == 1
    assert totals["chair/against-all"] == 0
    assert result["per_unit"] == []  # every unit is below min_unit_size
    assert result["ballots_counted"] == 4
    assert result["trustees"] == [1, 3] and result["rejected_shares"] == []
    assert len(result["units_not_broken_out"]) == 5

    late = upload_share(web, share_file(web, 2, rng))
    assert late.status_code == 409 and late.json()["error"]["code"] == "not_allowed_now"

    record = web.client.get(f"/e/{eid}/record.jsonl").content.splitlines(keepends=True)
    report = verify_record(record, workers=1)
    assert report.passed, [c for c in report.checks if not c.passed]
    assert {k: v for k, v in report.counts.items() if "@" not in k} == totals

    for lang in ("ru", "kk", "en"):
        page = web.client.get(f"/e/{eid}/results", params={"lang": lang})
        assert page.status_code == 200 and "data-ballots-counted" in page.text
        assert "data-small-units" in page.text and "share-upload" not in page.text
        assert_clean_page(page.text)
    assert 'Candidate 1</td><td class="num">3</td>' in page.text


def test_the_share_upload_command_never_takes_the_host_header(web: WebElection) -> None:
    """The curl command trustees copy names the configured public URL; without one, a
    path and a note to put the server's address in front.  A spoofed ``Host`` header never
    reaches it (it would send a trustee's share to the attacker's server)."""
    eid = web.election_id
    close_and_tally(web)
    spoofed = {"host": "evil.example"}
    path = f"/api/e/{eid}/decryption-shares"
    for lang, hint in zip(("ru", "kk", "en"), STRINGS["observer.share_url_hint"], strict=True):
        page = web.client.get(f"/e/{eid}/results", params={"lang": lang}, headers=spoofed)
        assert page.status_code == 200
        assert "evil.example" not in page.text
        assert f"-H 'content-type: application/json' {path}</pre>" in page.text
        assert str(escape(hint)) in page.text
        assert_clean_page(page.text)

    config = web.services.config
    web.services.config = dataclasses.replace(config, public_url="https://vote.example.org")
    try:
        page = web.client.get(f"/e/{eid}/results", params={"lang": "en"}, headers=spoofed)
    finally:
        web.services.config = config
    assert "evil.example" not in page.text
    assert f"https://vote.example.org{path}</pre>" in page.text
    assert str(escape(STRINGS["observer.share_url_hint"][2])) not in page.text
