"""Polling stations signed by the organiser's key (docs/record-format.md §6, "Polling
stations"): ``honestballot organiser sign-station`` checks the commission's file against
the pinned election, draws the salt and signs; the service takes the signed file (API,
page, ``election add-station --signed``) and refuses a station without the signature, with
another key's, with one over another body, or an older signed station posted again (its
``sequence`` is not the unit's next), appending nothing; verify's ``stations.signature``
and hbcheck fail a record into which such a station was forced, and verify's board rules
and hbcheck one into which an older signed station was copied again (on the web election
with re-voting protection, in setup)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from honestballot.cli.election import election_group
from honestballot.cli.keys import ORGANISER_KEY, load_key_file
from honestballot.cli.organiser_station import signed_station
from honestballot.cli.serve import organiser_group
from honestballot.crypto.group import Scalar, base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.record.codec import canonical_bytes
from honestballot.web.i18n import STRINGS
from tests.databases import KINDS, fresh_database
from tests.factories import (
    SMALL_SCHEDULE,
    DemoCeremony,
    WebElection,
    board_secret_of,
    protected_election,
    resign,
)
from tests.helpers import describe, failed, verify
from tests.independent import hbcheck
from tests.web.test_organiser import page_csrf, sign_in_page
from tests.web.test_stations_web import DETAILS, commission_file


def _invoke(group: Any, *args: str | Path) -> Any:
    result = CliRunner().invoke(group, [str(a) for a in args])
    return result


@pytest.fixture(params=KINDS)
def signed_setup(
    request: pytest.FixtureRequest, web_ceremony: DemoCeremony, tmp_path: Path
) -> Iterator[tuple[WebElection, Path]]:
    """The web election with re-voting protection in setup, and its organiser's key in
    the file ``organiser keygen`` writes (its path beside it)."""
    with (
        fresh_database(request.param, tmp_path / "db") as url,
        protected_election(
            web_ceremony, tmp_path, "signed stations", url=url, schedule=SMALL_SCHEDULE,
            open_=False,
        ) as election,
    ):  # fmt: skip
        key_path = tmp_path / "organiser.key"
        key_path.write_text(
            json.dumps(
                {
                    "type": ORGANISER_KEY,
                    "secret": election.organiser.hex(),
                    "public_key": base_mul(election.organiser).hex(),
                }
            )
        )
        assert load_key_file(str(key_path), ORGANISER_KEY) == election.organiser
        yield election.web, key_path


def _station_events(web: WebElection) -> list[dict[str, Any]]:
    store = web.services.elections.store
    return [
        json.loads(ev.line)["body"] for ev in store.iter_events(web.election_id, kinds=("station",))
    ]


def _sign(
    web: WebElection, secret: Scalar, details: Any, commission: Any, sequence: int = 1
) -> dict[str, Any]:
    ctx = web.services.elections.context(web.election_id)
    signed, _ = signed_station(
        ctx.base_hash, ctx.manifest, details, commission, secret, SeededRandomness("sign"),
        sequence=sequence,
    )  # fmt: skip
    return dict(signed)


def test_the_organiser_signs_stations_and_the_service_refuses_any_other(
    signed_setup: tuple[WebElection, Path], tmp_path: Path
) -> None:
    web, key_path = signed_setup
    eid = web.election_id
    ctx = web.services.elections.context(eid)
    fingerprint = ctx.base_hash.hex()[:16]
    setup = tmp_path / "setup.json"
    setup.write_text(json.dumps(web.services.elections.setup_body(eid)))
    details = tmp_path / "details.json"
    details.write_text(json.dumps(DETAILS))
    commission = tmp_path / "station-1.json"
    commission.write_bytes(commission_file(web, "station-1", tmp_path))
    out = tmp_path / "station.json"
    sign = ("sign-station", details, "--commission", commission, "--key", key_path,
            "--setup", setup, "--out", out)  # fmt: skip

    # a setup that is not the pinned election's: nothing signed
    refused = _invoke(organiser_group, *sign, "--fingerprint", "ab" * 8, "--sequence", 1)
    assert refused.exit_code != 0 and "nothing signed" in refused.output and not out.exists()
    # with a setup file, the station event's number must be given
    refused = _invoke(organiser_group, *sign, "--fingerprint", fingerprint)
    assert refused.exit_code != 0 and "give --sequence" in refused.output and not out.exists()
    # a commission file for another unit: refused
    other_unit = tmp_path / "station-2.json"
    other_unit.write_bytes(commission_file(web, "station-2", tmp_path))
    wrong = [other_unit if a == commission else a for a in sign]
    refused = _invoke(organiser_group, *wrong, "--fingerprint", fingerprint, "--sequence", 1)
    assert "is for unit 'station-2'" in str(refused.exception) and not out.exists()
    made = _invoke(organiser_group, *sign, "--fingerprint", fingerprint, "--sequence", 1)
    assert made.exit_code == 0, (made.output, made.exception)
    assert "signed the station of unit 'station-1' as its station event number 1" in made.output
    good = json.loads(out.read_bytes())
    assert good["type"] == "signed-station" and len(bytes.fromhex(good["details"]["salt"])) == 32
    assert good["sequence"] == 1

    # refused by the service, nothing appended, in the request's language
    path = f"/api/organiser/e/{eid}/stations?lang=kk"
    key_file = json.loads(commission.read_bytes())
    someone = random_nonzero_scalar(SeededRandomness("not the organiser"))
    flipped = copy.deepcopy(good)
    flipped["details"]["paper"] = False
    other_commission = copy.deepcopy(good)
    (tmp_path / "b").mkdir()
    other_commission["commission"] = json.loads(commission_file(web, "station-1", tmp_path / "b"))
    for body, key in (
        ({"details": DETAILS, "commission": key_file}, "msg.station.signature_missing"),
        (_sign(web, someone, DETAILS, key_file), "msg.station.signature_invalid"),
        (flipped, "msg.station.signature_invalid"),
        (other_commission, "msg.station.signature_invalid"),
    ):
        r = web.client.post(path, json=body, headers=web.organiser_headers())
        assert r.status_code in (409, 422), r.text
        kk = STRINGS[key][1].split("{unit}")[-1][:40]
        assert kk in r.json()["error"]["text"], (key, r.json())
    assert _station_events(web) == []

    r = web.client.post(path, json=good, headers=web.organiser_headers())
    assert r.status_code == 201 and r.json()["signed"] is True, r.text
    # a correction, signed the same way as number 2, published with 'election add-station
    # --signed'
    details.write_text(json.dumps({**DETAILS, "hours": "07:00-20:00"}))
    out.unlink()
    signed_2 = _invoke(organiser_group, *sign, "--fingerprint", fingerprint, "--sequence", 2)
    assert signed_2.exit_code == 0, signed_2.output
    added = _invoke(
        election_group, "add-station", eid, "--signed", out, "--database", web.database_url
    )
    assert added.exit_code == 0, (added.output, added.exception)
    assert "signed by the organiser's key" in added.output
    bodies = _station_events(web)
    assert len(bodies) == 2 and all("organiser_signature" in b for b in bodies)
    assert [b["sequence"] for b in bodies] == [1, 2]
    [listed] = web.client.get(f"/api/e/{eid}/stations").json()["stations"]
    assert listed["details_match"] and listed["details"]["hours"] == "07:00-20:00"

    # the first signed station posted again (the corrected details back) and one signed
    # for a later place: refused by the board rule, in the request's language
    organiser = load_key_file(str(key_path), ORGANISER_KEY)
    for body in (good, _sign(web, organiser, DETAILS, key_file, sequence=4)):
        r = web.client.post(path, json=body, headers=web.organiser_headers())
        assert r.status_code == 409, r.text
        kk = STRINGS["msg.station.sequence"][1].split("{expected}")[0].split("{sequence}")[-1]
        assert kk in r.json()["error"]["text"] and "--sequence 3" in r.json()["error"]["text"]
    assert len(_station_events(web)) == 2

    # the page takes the signed file (and says what is wrong with another, in Russian)
    csrf = sign_in_page(web.client, web.organiser_token)
    url = f"/organiser/e/{eid}/stations"
    page = web.client.get(url)
    assert 'name="signed"' in page.text and 'name="members"' not in page.text
    form = {"csrf": page_csrf(page.text) or csrf}
    r = web.client.post(
        url + "?lang=ru", data=form,
        files={"signed": ("s.json", json.dumps(flipped), "application/json")},
    )  # fmt: skip
    assert r.status_code == 422 and "подпись организатора на участке" in r.text
    out.unlink()
    signed_3 = _invoke(organiser_group, *sign, "--fingerprint", fingerprint, "--sequence", 3)
    assert signed_3.exit_code == 0, signed_3.output
    r = web.client.post(
        url, data=form, files={"signed": ("s.json", out.read_bytes(), "application/json")},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303, r.text
    assert len(_station_events(web)) == 3

    # the record verifies; with a station forced into it unsigned, signed by another key
    # or over another body, verify's stations.signature and hbcheck fail it
    web.services.elections.publish_tree_head(eid)
    record = tmp_path / "record.jsonl"
    web.services.elections.export_record(eid, str(record))
    lines = record.read_bytes().splitlines()
    report = verify(lines)
    assert "stations.signature" not in failed(report), describe(report)
    assert any(c.name == "stations.signature" and "every one of the 3" in c.detail
               for c in report.checks)  # fmt: skip
    events = [json.loads(raw) for raw in lines if b'"type":"event"' in raw]
    setup_body = events[0]["body"]
    base = hbcheck.setup_base_hash(setup_body)
    hbcheck.check_station_signatures(base, setup_body, events)
    i = next(n for n, raw in enumerate(lines) if json.loads(raw).get("kind") == "station")
    forged_sig = _sign(web, someone, DETAILS, key_file)["organiser_signature"]

    def unsigned(body: dict[str, Any]) -> None:
        del body["organiser_signature"]

    def other_key(body: dict[str, Any]) -> None:
        body["organiser_signature"] = forged_sig

    def paper_flipped(body: dict[str, Any]) -> None:
        body["paper"] = not body["paper"]

    secret = board_secret_of(web.database_url, eid)
    for change in (unsigned, other_key, paper_flipped):
        event = json.loads(lines[i])
        change(event["body"])
        forged = resign([*lines[:i], canonical_bytes(event), *lines[i + 1 :]], eid, secret)
        report = verify(forged)
        assert "stations.signature" in failed(report), (change, describe(report))
        forged_events = [json.loads(raw) for raw in forged if b'"type":"event"' in raw]
        with pytest.raises(ValueError, match="organiser"):
            hbcheck.check_station_signatures(base, setup_body, forged_events)

    # the first signed station copied in place of the last (a replay before the open): its
    # signature verifies, but it stands where the unit's third station event does
    manifest = setup_body["manifest"]
    assert hbcheck.check_stations(manifest, events)["station-1"]["sequence"] == 3
    last = max(n for n, raw in enumerate(lines) if json.loads(raw).get("kind") == "station")
    event = json.loads(lines[last])
    event["body"] = json.loads(lines[i])["body"]
    forged = resign([*lines[:last], canonical_bytes(event), *lines[last + 1 :]], eid, secret)
    report = verify(forged)
    assert "stations.signature" not in failed(report), describe(report)
    assert "board.rules" in failed(report), describe(report)
    assert "is numbered 1, but it would be the unit's station event number 3" in describe(report)
    forged_events = [json.loads(raw) for raw in forged if b'"type":"event"' in raw]
    with pytest.raises(ValueError, match=r"station sequence 1, not the unit's next \(3\)"):
        hbcheck.check_stations(manifest, forged_events)


