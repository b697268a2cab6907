"""Polling stations on the web: the organiser publishes them (API and page: the signed
station file), observers read them (API and
page, in ru/kk/en, with the check that the details hash to what the board holds), and the
ballot page names the voter's own station.  They stand on the web election with re-voting
protection in setup, of each test's own, whose stations the organiser signs (the signed
file's checks: tests/web/test_stations_signed.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from honestballot.cli.commission import commission_group
from honestballot.cli.organiser_station import signed_station
from honestballot.crypto.randomness import SeededRandomness
from honestballot.record.codec import canonical_bytes
from honestballot.record.manifest import manifest_to_json
from honestballot.web.i18n import STRINGS
from tests.databases import KINDS, fresh_database
from tests.factories import (
    SMALL_SCHEDULE,
    DemoCeremony,
    RevotingElection,
    WebElection,
    protected_election,
    publish_signed_station,
)


def commission_file(web: WebElection, unit: str, tmp_path: Path) -> bytes:
    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(
        canonical_bytes(manifest_to_json(web.services.elections.context(web.election_id).manifest))
    )
    public = tmp_path / f"{unit}.json"
    result = CliRunner().invoke(
        commission_group,
        ["keygen", "--manifest", str(manifest), "--unit", unit,
         "--out", str(tmp_path / f"{unit}.secret"), "--public", str(public)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return public.read_bytes()


DETAILS: dict[str, Any] = {
    "unit": "station-1",
    "address": {"ru": "ул. Абая 10", "kk": "Абай көшесі 10", "en": "10 Abay St"},
    "hours": "08:00-20:00",
    "paper": True,
    "members": [
        {"name": "Айгерим Садыкова", "role": "chair", "nominated_by": "Party A"},
        {"name": "Иван Петров", "role": "member", "nominated_by": ""},
    ],
}


@pytest.fixture(params=KINDS)
def in_setup(
    request: pytest.FixtureRequest, web_ceremony: DemoCeremony, tmp_path: Path
) -> Iterator[RevotingElection]:
    """The web election with re-voting protection in setup, on an app of its own."""
    with (
        fresh_database(request.param, tmp_path / "db") as url,
        protected_election(
            web_ceremony, tmp_path / "app", "stations", url=url, schedule=SMALL_SCHEDULE,
            open_=False,
        ) as election,
    ):  # fmt: skip
        yield election


def test_the_organiser_api_publishes_and_observers_see_it(
    in_setup: RevotingElection, tmp_path: Path
) -> None:
    web = in_setup.web
    path = f"/api/organiser/e/{web.election_id}/stations"
    key = json.loads(commission_file(web, "station-1", tmp_path))
    ctx = in_setup.ctx
    body, _ = signed_station(
        ctx.base_hash, ctx.manifest, DETAILS, key, in_setup.organiser,
        SeededRandomness("the organiser signs"), sequence=1,
    )  # fmt: skip
    assert web.client.post(path, json=body).status_code == 401  # no token
    # a station the organiser did not sign is refused with a clear error and changes nothing
    unsigned = {"details": DETAILS, "commission": key}
    r = web.client.post(path, json=unsigned, headers=web.organiser_headers())
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_allowed_now", r.text
    assert "signature" in r.json()["error"]["message"]
    assert web.client.get(f"/api/e/{web.election_id}/stations").json()["stations"] == []
    r = web.client.post(path, json=body, headers=web.organiser_headers())
    assert r.status_code == 201, r.text
    assert r.json()["unit"] == "station-1" and r.json()["members"] == 2
    assert r.json()["signed"] is True

    listed = web.client.get(f"/api/e/{web.election_id}/stations").json()["stations"]
    assert [(s["unit"], s["paper"], s["details_match"], s["station_events"]) for s in listed] == [
        ("station-1", True, True, 1)
    ]
    assert [m["role"] for m in listed[0]["details"]["members"]] == ["chair", "member"]
    assert listed[0]["commission_key"] == key["key"]

    words = {"ru": "председатель", "kk": "төраға", "en": "chair"}
    for lang, chair in words.items():
        page = web.client.get(f"/e/{web.election_id}/stations?lang={lang}")
        assert page.status_code == 200
        assert DETAILS["address"][lang] in page.text and chair in page.text
        assert "verdict ok" in page.text
        # paper voting at the station: no paper results yet, and its commission's page
        # for them
        assert "data-commission-link" in page.text and "data-no-paper" in page.text
    commission = web.client.get(f"/e/{web.election_id}/stations/station-1/paper?lang=ru")
    assert commission.status_code == 200
    assert STRINGS["msg.paper.revoting"][0] not in commission.text




def test_the_ballot_page_names_the_voter_s_own_station(
    in_setup: RevotingElection, tmp_path: Path
) -> None:
    web = in_setup.web
    key = json.loads(commission_file(web, "station-1", tmp_path))
    publish_signed_station(
        web.services.elections, web.election_id, in_setup.organiser, DETAILS, key
    )
    in_setup.open()
    station_1 = TestClient(web.client.app, base_url="http://testserver")
    web.sign_in(station_1, "900101300001")  # a voter of station-1
    page = station_1.get(f"/e/{web.election_id}/vote?lang=kk")
    assert page.status_code == 200, page.text
    assert 'id="my-station"' in page.text and DETAILS["address"]["kk"] in page.text
    assert "Қағазбен дауыс беруге болады" in page.text
    station_2 = TestClient(web.client.app, base_url="http://testserver")
    web.sign_in(station_2, "900101300003")  # station-2 has no station published
    page = station_2.get(f"/e/{web.election_id}/vote?lang=kk")
    assert page.status_code == 200 and 'id="my-station"' not in page.text
