"""The organiser's key signs the roll summary: an election whose setup names the key opens
only with a signature of exactly the summary it posts, and a record whose roll summary
was changed afterwards fails verification even when every tree head is re-signed."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from httpx import Response

from honestballot.cli.main import _register, cli
from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.record.codec import canonical_bytes
from honestballot.record.manifest import manifest_to_json
from honestballot.record.trustee import encode_election_key
from honestballot.verify.verifier import verify_record
from tests.factories import (
    DemoCeremonies,
    WebElection,
    board_secret_of,
    resign,
    web_roll_csv,
)
from tests.helpers import failed

SIGNED = "web-signed-roll"
E = f"/api/organiser/e/{SIGNED}"
ORGANISER_SECRET = random_nonzero_scalar(SeededRandomness("organiser key"))


def _api(web: WebElection, method: str, path: str, body: Any = None, **kw: Any) -> Response:
    headers = {**web.organiser_headers(), **kw.pop("headers", {})}
    if body is not None:
        kw["content"] = json.dumps(body)
        headers["content-type"] = "application/json"
    r: Response = web.client.request(method, path, headers=headers, **kw)
    return r


def _create(web: WebElection, demo_ceremony: DemoCeremonies) -> None:
    made = demo_ceremony(SIGNED)
    body = {
        "manifest": manifest_to_json(made.manifest),
        "election_key": encode_election_key(made.key),
        "organiser_key": base_mul(ORGANISER_SECRET).hex(),
        "revoting": False,
    }
    r = _api(web, "POST", "/api/organiser/elections", body)
    assert r.status_code == 201, r.text
    roll = _api(
        web, "POST", f"{E}/roll", content=web_roll_csv(), headers={"content-type": "text/csv"}
    )
    assert roll.status_code == 201, roll.text


def _sign(tmp_path: Path, summary: dict[str, Any]) -> dict[str, Any]:
    """Sign as the organiser does, on their own machine, with the command line."""
    _register()
    key = tmp_path / "organiser.key"
    if not key.exists():
        key.write_text(
            json.dumps(
                {
                    "type": "honestballot-organiser-key",
                    "secret": ORGANISER_SECRET.hex(),
                    "public_key": base_mul(ORGANISER_SECRET).hex(),
                }
            )
        )
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    out = tmp_path / "signature.json"
    out.unlink(missing_ok=True)
    wrong = "0" * 16 if not summary["base_hash"].startswith("0" * 16) else "1" * 16
    refused = CliRunner().invoke(
        cli,
        ["organiser", "sign-roll", str(tmp_path / "summary.json"), "--key", str(key),
         "--fingerprint", wrong, "--out", str(out)],
    )  # fmt: skip
    assert refused.exit_code == 1 and "nothing signed" in refused.output
    assert not out.exists()
    result = CliRunner().invoke(
        cli,
        ["organiser", "sign-roll", str(tmp_path / "summary.json"), "--key", str(key),
         "--fingerprint", summary["base_hash"][:16], "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "station-1:" in result.output  # the counts are shown before signing
    signed: dict[str, Any] = json.loads(out.read_text())
    return signed


def test_open_needs_the_organisers_signature_of_the_summary_it_posts(
    web: WebElection, demo_ceremony: DemoCeremonies, tmp_path: Path
) -> None:
    _create(web, demo_ceremony)
    summary = _api(web, "GET", f"{E}/roll-summary").json()
    assert summary["type"] == "roll-summary" and summary["election_id"] == SIGNED
    signature = _sign(tmp_path, summary)

    unsigned = _api(web, "POST", f"{E}/open")
    assert unsigned.status_code == 409, unsigned.text
    assert "no signature of the organiser's key" in unsigned.json()["error"]["message"]

    # the roll changes after the organiser signed: the signature no longer fits
    added = b"910202400007,Galym New,+7 701 000 0007,,station-2\n"
    header = web_roll_csv().split(b"\n", 1)[0] + b"\n"
    r = _api(web, "POST", f"{E}/roll", content=header + added,
             headers={"content-type": "text/csv"})  # fmt: skip
    assert r.status_code == 201, r.text
    stale = _api(web, "POST", f"{E}/open", signature)
    assert stale.status_code == 422, stale.text
    assert "the organiser's signature on the roll summary" in stale.json()["error"]["message"]
    assert [ev.kind for ev in web.services.store.iter_events(SIGNED)] == ["setup"]

    fresh = _sign(tmp_path, _api(web, "GET", f"{E}/roll-summary").json())
    opened = _api(web, "POST", f"{E}/open", fresh)
    assert opened.status_code == 200, opened.text
    lines = list(web.services.elections.record_lines(SIGNED))
    report = verify_record(lines, workers=1)
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    assert any(c.name == "roll.signature" and "signed by" in c.detail for c in report.checks)

    # the operator raises a unit's count and re-signs every tree head with the board key
    raw = [line.rstrip(b"\n") for line in lines]
    i = next(n for n, line in enumerate(raw) if json.loads(line).get("kind") == "roll")
    event = json.loads(raw[i])
    event["body"]["voters_per_unit"][0]["voters"] += 100
    raw[i] = canonical_bytes(event)
    forged = resign(raw, SIGNED, board_secret_of(web.database_url, SIGNED))
    assert failed(verify_record([line + b"\n" for line in forged], workers=1)) == {"roll.signature"}


CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def test_the_organiser_pages_open_with_a_signature_made_offline(
    web: WebElection, demo_ceremony: DemoCeremonies, tmp_path: Path
) -> None:
    """Through the pages, as an organiser without the API would: the confirm page offers the
    summary to download and a field for the signature file; opening without it is refused
    with the reason on the dashboard, with it the election opens and the record verifies."""
    _create(web, demo_ceremony)
    client = web.client
    found = CSRF_FIELD.search(client.get("/organiser").text)
    assert found is not None
    r = client.post(
        "/organiser/signin",
        data={"token": web.organiser_token, "csrf": found.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    confirm = client.get(f"/organiser/e/{SIGNED}/phase/open?lang=en").text
    assert "Download the roll summary" in confirm and 'name="roll_signature"' in confirm
    csrf = CSRF_FIELD.search(confirm)
    assert csrf is not None
    summary = client.get(f"/organiser/e/{SIGNED}/roll-summary.json").json()
    assert summary["type"] == "roll-summary"

    refused = client.post(
        f"/organiser/e/{SIGNED}/phase/open?lang=en",
        data={"csrf": csrf.group(1)},
        follow_redirects=False,
    )
    assert refused.status_code == 409
    assert "no signature of the organiser" in refused.text
    signature = _sign(tmp_path, summary)
    opened = client.post(
        f"/organiser/e/{SIGNED}/phase/open",
        data={"csrf": csrf.group(1)},
        files={"roll_signature": ("signature.json", json.dumps(signature), "application/json")},
        follow_redirects=False,
    )
    assert opened.status_code == 303, opened.text
    assert web.services.elections.phase(SIGNED) == "open"
    report = verify_record(list(web.services.elections.record_lines(SIGNED)), workers=1)
    assert report.passed, [(c.name, c.detail) for c in report.failures]

