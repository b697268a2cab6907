"""The organiser's integrity audit of an election with re-voting protection: the service
marks its activity export, and a voter who signed in again (a replacement needs a
sign-in) is listed once, at the first sign-in, without the log's line, and the organiser's
page says so (docs/audit.md, "Elections with re-voting protection"; docs/coercion.md §9).
SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from markupsafe import escape

from honestballot.crypto.randomness import SeededRandomness
from honestballot.web.i18n import LANGUAGES, STRINGS
from tests.factories import (
    REVOTING_ELECTION,
    WEB_ROLL,
    DemoCeremonies,
    WebElection,
    open_revoting_election,
)
from tests.web.test_organiser import sign_in_page


def test_a_second_sign_in_is_not_shown_to_the_organiser(
    web: WebElection, demo_ceremony: DemoCeremonies
) -> None:
    election = open_revoting_election(
        web, demo_ceremony(REVOTING_ELECTION), SeededRandomness("revoting audit")
    )
    phones = [
        TestClient(web.client.app, headers={"user-agent": f"Mozilla/5.0 (boss phone {n})"})
        for n in (1, 2)
    ]
    ids = [row[0] for row in WEB_ROLL]
    for national_id in ids[:3]:
        web.sign_in(phones[0], national_id, election.id)
    # voter 0 signs in again on the second shared phone, as a replacement would
    for national_id in (*ids[3:5], ids[0]):
        web.sign_in(phones[1], national_id, election.id)

    r = web.client.get(f"/api/organiser/e/{election.id}/audit", headers=web.organiser_headers())
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()
    assert found["revoting"] is True
    assert found["rows_read"] == {"roll": len(WEB_ROLL)}  # the log's size is not said
    device = [f for f in found["findings"] if f["check"] == "device.many_voters" and f["count"]]
    records = [r for f in device for r in f["records"]]
    # both phones found, five voters, each once and without a line
    assert sorted(r["voter"] for r in records) == sorted(ids[:5])
    assert sum(f["count"] for f in device) == 5 and sum(f["groups"] for f in device) == 2
    assert all(r["line"] is None for r in records)
    assert [r["group"] for r in records if r["voter"] == ids[0]] == [
        next(r["group"] for r in records if r["voter"] == ids[1])
    ]
    # each phone's cluster is of the voters whose first sign-in was there: the second
    # phone's of two, as if voter 0 had never signed in on it
    sizes = {r["group"]: r["detail"].split(";")[0] for r in records}
    assert sorted(sizes.values()) == ["cluster of 2", "cluster of 3"]

    # the organiser's page says so, in each language
    sign_in_page(web.client, web.organiser_token)
    for lang in LANGUAGES:
        page = web.client.get(f"/organiser/e/{election.id}/audit?lang={lang}")
        assert page.status_code == 200, page.text
        note = STRINGS["audit.html.revoting"][LANGUAGES.index(lang)]
        assert escape(note) in page.text


