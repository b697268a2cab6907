"""The organiser's integrity audit of an election with re-voting protection: the service
marks its activity export, and a voter who signed in again (a replacement needs a
sign-in) is listed once, at the first sign-in, without the log's line, and the organiser's
page says so; the log holds each voter's first ballot, so one device that cast several
voters' first ballots is found, and a voter's later ballot, under any credential, changes
nothing (docs/audit.md, "Elections with re-voting protection"; docs/coercion.md §9).
SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from typing import Any

from fastapi.testclient import TestClient
from markupsafe import escape

from honestballot.crypto.randomness import SeededRandomness
from honestballot.service.activity import device_fingerprint, export_activity_csv
from honestballot.web.i18n import LANGUAGES, STRINGS
from tests.factories import (
    REVOTING_ELECTION,
    WEB_ROLL,
    DemoCeremonies,
    RevotingDevice,
    RevotingElection,
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


BOSS_PHONE = "Mozilla/5.0 (Linux; Android 14; the boss's phone)"


def _vote_on(client: TestClient, election: RevotingElection, national_id: str, draws: str) -> None:
    """Sign in as the voter on ``client``, register a new credential there and cast (the
    device's randomness seeded by ``draws``)."""
    election.web.sign_in(client, national_id, election.id)
    device = RevotingDevice(election, client, national_id, SeededRandomness(draws))
    seed, registered = device.register()
    assert registered.status_code == 201, registered.text
    cast = device.cast(*device.ballot(seed)[::2])
    assert cast.status_code == 201, cast.text


def _audit_and_log(election: RevotingElection) -> tuple[str, str]:
    """The organiser's audit (the JSON's text) and the operator's activity export."""
    web = election.web
    r = web.client.get(f"/api/organiser/e/{election.id}/audit", headers=web.organiser_headers())
    assert r.status_code == 200, r.text
    out = io.StringIO()
    export_activity_csv(web.services.store, election.id, out)
    return r.text, out.getvalue()


def test_one_device_casting_first_ballots_is_found_and_a_later_ballot_changes_nothing(
    web: WebElection, demo_ceremony: DemoCeremonies
) -> None:
    election = open_revoting_election(
        web, demo_ceremony(REVOTING_ELECTION), SeededRandomness("revoting casts")
    )
    ids = [row[0] for row in WEB_ROLL]
    # voter 3 votes on a phone of their own before anyone else votes for them
    own_phone = TestClient(web.client.app, headers={"user-agent": "own phone 3"})
    _vote_on(own_phone, election, ids[3], "own")
    # the boss's phone signs in, registers and casts for voters 0, 1, 2 (their first
    # ballots) and then for voter 3 (a later ballot, under a new credential)
    boss = TestClient(web.client.app, headers={"user-agent": BOSS_PHONE})
    for national_id in ids[:4]:
        _vote_on(boss, election, national_id, f"boss {national_id}")
    before, log = _audit_and_log(election)

    found = json.loads(before)
    bursts = [f for f in found["findings"] if f["check"] == "cast.device_burst" and f["count"]]
    records = [r for f in bursts for r in f["records"]]
    boss_device = device_fingerprint(BOSS_PHONE, "")
    # the three voters whose first ballot the phone cast, once each, without a line;
    # not voter 3, whose first ballot came from their own phone: an organiser watching
    # the phone sees that voter 3 had voted before it did (a residual, not hidden:
    # docs/coercion.md §1, §9 "The cost")
    assert sorted(r["voter"] for r in records) == sorted(ids[:3])
    assert [f["count"] for f in bursts] == [3]
    assert {r["group"] for r in records} == {boss_device}
    assert all(r["line"] is None for r in records)
    assert found["rows_read"] == {"roll": len(WEB_ROLL)}
    # the log: one ballot-cast row per voter who voted, that of the voter's first ballot
    casts = [line.split(",") for line in log.splitlines() if ",ballot-cast," in line]
    assert [(row[2], row[4]) for row in casts] == [
        (ids[3], device_fingerprint("own phone 3", "")),
        *((national_id, boss_device) for national_id in ids[:3]),
    ]

    # voter 0 signs in on a laptop of their own (a sign-in after the first: the audit
    # reads none of it) ...
    laptop = TestClient(web.client.app, headers={"user-agent": "voter 0's own laptop"})
    web.sign_in(laptop, ids[0], election.id)
    signed_in, log_signed_in = _audit_and_log(election)
    assert signed_in == before
    # ... then replaces the credential there and votes again, after the phone's ballot
    # (the boundary of that residual: what follows the watched device's ballot is
    # hidden): the organiser's audit and the operator's log are byte for byte those of a
    # voter who only signed in
    own = RevotingDevice(election, laptop, ids[0], SeededRandomness("voter 0's own"))
    seed, registered = own.register()
    assert registered.status_code == 201, registered.text
    assert own.cast(*own.ballot(seed)[::2]).status_code == 201
    assert own.cast(*own.ballot(seed)[::2]).status_code == 201
    assert _audit_and_log(election) == (signed_in, log_signed_in)
