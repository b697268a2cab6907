"""The organiser's API and pages, through the HTTP surface only (SQLite and PostgreSQL).

The organiser creates elections, imports the roll, records shared-contact exceptions,
keeps the encrypted roll, opens, closes, moderates reports, downloads the roll for the
audit and reads the audit's findings; it never sees a code or a credential secret, nor
the raw activity log (who cast again must stay hidden), and it cannot add a ballot.

The elections have re-voting protection (docs/coercion.md §14 item 8): tests that leave
the election as they found it share the module's (``voters_web`` open, ``protected_setup``
in setup, ``web_app`` with none); a test that changes its election, or creates another
beside it, has one of its own (``fresh_setup``), which opens once
``RevotingElection.roll_again``'s encrypted roll of its roll as it then is is kept.
"""

from __future__ import annotations

import csv
import html
import io
import json
import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from honestballot.audit.findings import AuditInputError
from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.protocol.dkg_verify import ElectionKey
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.manifest import Manifest
from honestballot.record.codec import parse_json
from honestballot.record.manifest import manifest_to_json
from honestballot.record.trustee import encode_election_key
from honestballot.record.witness import schedule_to_json
from honestballot.service import organiser_cases
from honestballot.service.activity import (
    ROLL_COLUMNS,
    activity_row,
    record_activity,
)
from honestballot.service.demo import demo_manifest
from honestballot.service.messages.notices import enqueue_notice, notice_row
from honestballot.verify.verifier import verify_record
from honestballot.web import organiser_api, organiser_pages
from honestballot.web.i18n import LANGUAGES, STRINGS
from honestballot.web.strings_organiser import STRINGS as ORGANISER_STRINGS
from tests.factories import (
    SMALL_SCHEDULE,
    WEB_ROLL,
    DemoCeremonies,
    RevotingDevice,
    RevotingElection,
    WebElection,
    key_ceremony,
    ranked_web_manifest,
    web_roll_csv,
)

OTHER = "web-other"
#: what a create request of an election with re-voting protection adds to the manifest
#: and the key: its schedule and the organiser's key
ORGANISER_KEY = base_mul(random_nonzero_scalar(SeededRandomness("organiser")))
PROTECTION = {"schedule": schedule_to_json(SMALL_SCHEDULE), "organiser_key": ORGANISER_KEY.hex()}
TEMPLATES = Path(organiser_pages.__file__).with_name("templates")
WRONG_TOKEN = "hbo_" + "A" * 32
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')
INLINE_CODE = (
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),  # inline script
    re.compile(r"<style", re.I),
    re.compile(r"\sstyle\s*=", re.I),
    re.compile(r"\son[a-z]+\s*=", re.I),  # onclick=, onsubmit=, …
    re.compile(r"javascript:", re.I),
)


@dataclass(frozen=True)
class Other:
    """A second election's manifest and its own key ceremony."""

    manifest: Manifest
    key: ElectionKey

    def body(self, manifest: Manifest | None = None) -> dict[str, Any]:
        """The create request of an election with re-voting protection: its batch
        schedule and the organiser's key."""
        return {
            "manifest": manifest_to_json(manifest or self.manifest),
            "election_key": encode_election_key(self.key),
            **PROTECTION,
        }


@pytest.fixture(scope="module")
def other(demo_ceremony: DemoCeremonies) -> Other:
    made = demo_ceremony(OTHER)
    return Other(made.manifest, made.key)


# -- helpers ---------------------------------------------------------------------------------


def api(web: WebElection, method: str, path: str, **kw: Any) -> Response:
    headers = {**web.organiser_headers(), **kw.pop("headers", {})}
    r: Response = web.client.request(method, path, headers=headers, **kw)
    return r


def post_json(web: WebElection, path: str, body: Any) -> Response:
    return api(web, "POST", path, content=json.dumps(body), headers=JSON)


def post_roll(web: WebElection, data: bytes, election_id: str = "web-test") -> Response:
    return api(web, "POST", f"/api/organiser/e/{election_id}/roll", content=data, headers=CSV_TYPE)


def error_code(r: Response) -> str:
    code: str = r.json()["error"]["code"]
    return code


JSON = {"content-type": "application/json"}
CSV_TYPE = {"content-type": "text/csv"}
E = "/api/organiser/e/web-test"

#: a signature file of the roll summary, well-formed but signed by no one
WRONG_SIGNATURE = {"roll_signature": {"c": "01" + "00" * 31, "s": "02" + "00" * 31}}

#: voters not on the fixture's roll (national_id, name, phone, email, unit)
NEW = [
    ("910202400007", "Galym New", "+7 701 000 0007", "", "station-2"),
    ("910202400008", "Hanna New", "", "h8@example.org", "station-3"),
]


def events(web: WebElection, election_id: str = "web-test") -> list[tuple[str, Any]]:
    return [
        (ev.kind, parse_json(ev.line)["body"]) for ev in web.services.store.iter_events(election_id)
    ]


def keep_roll(
    election: RevotingElection, roll: list[tuple[str, str, str, str, str]] = WEB_ROLL
) -> None:
    """Keep the election's encrypted roll made from its roll as it now is (``roll``'s
    rows), through the organiser's API: what lets it open."""
    r = post_json(election.web, f"{E}/encrypted-roll", election.roll_again(roll))
    assert r.status_code == 200, r.text


def open_confirmation(client: TestClient) -> str:
    """The open confirmation page of the fixture's election (unescaped); the open's form
    is on it only if it offers the open."""
    r = client.get("/organiser/e/web-test/phase/open")
    assert r.status_code == 200, r.text
    return html.unescape(r.text)


OPEN_FORM = 'action="/organiser/e/web-test/phase/open"'


def sign_in_page(client: TestClient, token: str) -> str:
    """Sign in through the form; returns a CSRF token for the following forms."""
    page = client.get("/organiser")
    assert page.status_code == 200, page.text
    csrf = CSRF_FIELD.search(page.text)
    assert csrf is not None
    r = client.post(
        "/organiser/signin", data={"token": token, "csrf": csrf.group(1)}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/organiser/elections"
    set_cookie = r.headers["set-cookie"].lower()
    assert set_cookie.startswith("hb_organiser=")
    assert "httponly" in set_cookie and "samesite=strict" in set_cookie
    return csrf.group(1)


def page_csrf(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found is not None
    return found.group(1)


# -- authentication --------------------------------------------------------------------------

ROUTES = [
    ("POST", "/api/organiser/elections"),
    ("POST", f"{E}/roll"),
    ("POST", f"{E}/exceptions"),
    ("GET", f"{E}/exceptions"),
    ("POST", f"{E}/open"),
    ("POST", f"{E}/close"),
    ("GET", f"{E}/status"),
    ("GET", f"{E}/reports"),
    ("POST", f"{E}/reports/1/publish"),
    ("POST", f"{E}/reports/1/reject"),
    ("GET", f"{E}/reports/1/attachment"),
    ("GET", f"{E}/roll-audit.csv"),
    ("GET", f"{E}/audit"),
]


def test_every_api_route_needs_a_valid_token(fresh_setup: RevotingElection) -> None:
    web = fresh_setup.web
    keep_roll(fresh_setup)
    fresh_setup.open()
    for method, path in ROUTES:
        for headers in ({}, {"authorization": f"Bearer {WRONG_TOKEN}"}, {"authorization": "x"}):
            r = web.client.request(method, path, headers={**headers, **JSON}, content=b"{}")
            assert r.status_code == 401, (method, path, headers, r.text)
            assert error_code(r) == "not_signed_in"
    assert web.services.elections.phase("web-test") == "open"
    # and with the token each answers something other than 401 (close runs)
    answers = {}
    for method, path in ROUTES:
        r = api(web, method, path, headers=JSON, content=b"{}")
        assert r.status_code != 401, (method, path, r.text)
        answers[path] = r
    assert web.services.elections.phase("web-test") == "closed"
    assert answers[f"{E}/close"].json() == {"phase": "closed"}
    # there is no encrypted tally to publish: the trustees count the election in its close
    assert api(web, "POST", f"{E}/tally", headers=JSON, content=b"{}").status_code == 404


def test_an_unknown_election_is_404(voters_web: WebElection) -> None:
    web = voters_web
    # the routes that only read answer for the election the app holds
    for path in (f"{E}/status", f"{E}/exceptions", f"{E}/reports"):
        r = api(web, "GET", path)
        assert r.status_code == 200, (path, r.text)
    for method, path in ROUTES[1:]:
        unknown = path.replace("web-test", "no-such")
        headers = CSV_TYPE if path.endswith("/roll") else JSON
        r = api(web, method, unknown, headers=headers, content=b"{}")
        assert r.status_code == 404, (unknown, r.text)
        assert error_code(r) == "not_found"


def test_no_organiser_route_adds_a_ballot() -> None:
    routes = [*organiser_api.router.routes, *organiser_pages.router.routes]
    paths = [getattr(route, "path", "") for route in routes]
    assert paths and all(p.startswith(("/organiser", "/api/organiser")) for p in paths)
    assert not [p for p in paths if "ballot" in p or "credential" in p or "code" in p]


# -- creating an election --------------------------------------------------------------------


def test_create_an_election_through_the_api(fresh_setup: RevotingElection, other: Other) -> None:
    web = fresh_setup.web
    r = post_json(web, "/api/organiser/elections", other.body())
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["election_id"] == OTHER and created["phase"] == "setup"
    assert re.fullmatch(r"[0-9a-f]{64}", created["base_hash"])
    assert created["base_hash"] == web.services.elections.context(OTHER).base_hash.hex()
    assert [kind for kind, _ in events(web, OTHER)] == ["setup"]
    assert web.services.elections.takes_revoting(OTHER)
    keys = web.services.elections.board_keys(OTHER)
    assert (keys.schedule, keys.organiser_key) == (SMALL_SCHEDULE, ORGANISER_KEY)
    assert created["warnings"] == []  # no contest counted by mixing

    again = post_json(web, "/api/organiser/elections", other.body())
    assert again.status_code == 409, again.text
    assert "already exists" in again.json()["error"]["message"]


def test_a_key_ceremony_for_another_manifest_is_refused(web_app: WebElection, other: Other) -> None:
    web = web_app
    before = web.services.store.list_elections()
    # the other election's manifest with web-test's ceremony
    body = {**other.body(), "election_key": encode_election_key(web.ceremony.key)}
    r = post_json(web, "/api/organiser/elections", body)
    assert r.status_code == 400, r.text
    message = r.json()["error"]["message"]
    assert "key ceremony for another manifest" in message
    assert "'web-test'" in message and f"'{OTHER}'" in message

    # the right id, but the manifest was edited after the ceremony
    edited = demo_manifest(OTHER)
    edited = Manifest(edited.election_id, edited.title, edited.contests, edited.units, 51)
    r = post_json(web, "/api/organiser/elections", other.body(edited))
    assert r.status_code == 400 and "another manifest" in r.json()["error"]["message"]

    # a key whose stated outcome was tampered with fails the ceremony's verification
    tampered = other.body()
    tampered["election_key"]["public_key"] = encode_election_key(web.ceremony.key)["public_key"]
    r = post_json(web, "/api/organiser/elections", tampered)
    assert r.status_code == 422 and error_code(r) == "invalid_share", r.text
    assert "joint public key" in r.json()["error"]["message"]
    assert web.services.store.list_elections() == before


def test_create_refuses_malformed_requests(web_app: WebElection, other: Other) -> None:
    web = web_app
    path = "/api/organiser/elections"
    r = post_json(web, path, {**other.body(), "extra": 1})
    assert r.status_code == 400 and error_code(r) == "malformed_input"
    r = post_json(web, path, {"manifest": manifest_to_json(other.manifest)})
    assert r.status_code == 400 and "election_key" in r.json()["error"]["message"]
    r = api(web, "POST", path, content=b'{"manifest": 1.5}', headers=JSON)
    assert r.status_code == 400 and error_code(r) == "malformed_input"
    r = api(web, "POST", path, content=json.dumps(other.body()), headers=CSV_TYPE)
    assert r.status_code == 415 and error_code(r) == "unsupported_media_type"
    assert OTHER not in web.services.store.list_elections()


def test_create_needs_the_schedule_of_re_voting_protection(
    fresh_setup: RevotingElection, other: Other
) -> None:
    """Every election has re-voting protection: a request with no schedule is refused,
    said in the organiser's language, and one that asks for an election without it
    (``"revoting": false``, which an earlier version took) is malformed; nothing is
    created."""
    web = fresh_setup.web
    path = "/api/organiser/elections"
    schedule = {"interval": 60, "hours": [[40, 20]], "cover": {"k0": 0, "epsilon_milli": 100}}
    plain = {k: v for k, v in other.body().items() if k not in PROTECTION}
    r = post_json(web, f"{path}?lang=kk", plain)
    assert r.status_code == 400 and error_code(r) == "invalid_input", r.text
    message = r.json()["error"]["message"]
    assert 'an election has re-voting protection: send its batch "schedule"' in message
    assert r.json()["error"]["text"] == STRINGS["msg.organiser.revoting_needs_schedule"][1]
    for body in ({**plain, "revoting": False}, {**plain, "revoting": False, "schedule": schedule}):
        r = post_json(web, path, body)
        assert r.status_code == 400 and error_code(r) == "malformed_input", r.text
        assert "unexpected field(s) revoting" in r.json()["error"]["message"]
    assert OTHER not in web.services.store.list_elections()
    # with the schedule (and the organiser's key it needs), protection needs no flag
    keyed = {**plain, "schedule": schedule, "organiser_key": PROTECTION["organiser_key"]}
    r = post_json(web, path, keyed)
    assert r.status_code == 201, r.text
    assert web.services.elections.context(OTHER).revoting


# -- contests counted by mixing and the roll they need (docs/ranked.md) --------------------

RANKED_API = "api-ranked"
#: tests/factories.ranked_web_manifest's contests counted by mixing, with the rows their
#: ballots' proofs admit: leader ranks 3 places of 4 candidates and "against all",
#: (5 + 1) ** 3; council 3 places of 3 candidates and "blank", (4 + 1) ** 3
RANKED_ROWS = (("leader", 216), ("council", 125))


@pytest.fixture(scope="module")
def ranked_other(tmp_path_factory: pytest.TempPathFactory) -> Other:
    manifest = replace(ranked_web_manifest(), election_id=RANKED_API)
    made = key_ceremony(manifest, tmp_path_factory.mktemp("api-ranked"), RANKED_API)
    return Other(made.manifest, made.key)


def said(key: str, lang: str, **values: object) -> str:
    """The catalogue's ``msg.<key>`` in ``lang`` with its fields filled in."""
    text = STRINGS[f"msg.{key}"][LANGUAGES.index(lang)]
    for name, value in values.items():
        text = text.replace(f"{{{name}}}", str(value))
    assert "{" not in text, text
    return text


def roll_needs_said(key: str, lang: str, contest: str, rows: int, voters: int = 0) -> str:
    """What the organiser is told of a contest counted by mixing admitting ``rows``: the
    roll it needs (100 voters a row), and with ``voters`` expected, that they are fewer."""
    return said(key, lang, contest=contest, rows=rows, per=100, needed=rows * 100, voters=voters)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_fewer_expected_voters_than_a_mixed_contest_needs_are_a_warning(
    web: WebElection, ranked_other: Other, lang: str
) -> None:
    """The roll, not the turnout expected, is held to a contest counted by mixing (and
    only when the encrypted roll comes): with fewer expected voters than a contest needs
    on the roll the election is created, and the warning, in the organiser's language,
    names the contest, its rows, the voters it needs and the voters expected; a contest
    that needs no more than expected is warned of without them."""
    path = f"/api/organiser/elections?lang={lang}"
    r = post_json(web, path, {**ranked_other.body(), "expected_voters": 0})
    assert r.status_code == 400 and error_code(r) == "malformed_input", r.text
    assert RANKED_API not in web.services.store.list_elections()
    # leader's 216 rows need 21,600 voters on the roll; council's 125 need 12,500
    r = post_json(web, path, {**ranked_other.body(), "expected_voters": 12_500})
    assert r.status_code == 201, r.text
    warnings = r.json()["warnings"]
    assert [w["key"] for w in warnings] == [
        "roll_needs.expected_ranked",
        "roll_needs.needed_ranked",
    ]
    assert [w["text"] for w in warnings] == [
        roll_needs_said("roll_needs.expected_ranked", lang, "leader", 216, 12_500),
        roll_needs_said("roll_needs.needed_ranked", lang, "council", 125),
    ]
    assert "contest 'leader' is counted by mixing and admits 216" in warnings[0]["message"]
    assert "21,600 voters on the roll; 12,500 voters are expected" in warnings[0]["message"]
    assert "expected" not in warnings[1]["message"]
    assert web.services.elections.phase(RANKED_API) == "setup"


def test_create_with_the_voters_a_mixed_contest_needs(
    web: WebElection, ranked_other: Other
) -> None:
    """As many expected voters as the largest contest counted by mixing needs: created,
    and each such contest is still named with the roll it needs (the roll is what the
    encrypted roll is held to)."""
    body = {**ranked_other.body(), "expected_voters": 21_600}
    r = post_json(web, "/api/organiser/elections", body)
    assert r.status_code == 201, r.text
    assert [w["key"] for w in r.json()["warnings"]] == ["roll_needs.needed_ranked"] * 2
    assert web.services.elections.phase(RANKED_API) == "setup"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_create_without_expected_voters_says_the_roll_each_mixed_contest_needs(
    web: WebElection, ranked_other: Other, lang: str
) -> None:
    """Without expected voters the API creates the election (the encrypted roll is held
    to the rule later) and warns, per contest counted by mixing, of the roll it needs."""
    r = post_json(web, f"/api/organiser/elections?lang={lang}", ranked_other.body())
    assert r.status_code == 201, r.text
    warnings = r.json()["warnings"]
    assert [w["key"] for w in warnings] == ["roll_needs.needed_ranked"] * 2
    assert [w["text"] for w in warnings] == [
        roll_needs_said("roll_needs.needed_ranked", lang, contest, rows)
        for contest, rows in RANKED_ROWS
    ]
    assert "the roll needs 100 voters per admissible ballot, 21,600 voters on the roll" in (
        warnings[0]["message"]
    )
    assert web.services.elections.phase(RANKED_API) == "setup"


# -- the roll and exceptions -----------------------------------------------------------------


def test_import_more_voters(fresh_setup: RevotingElection) -> None:
    web_setup = fresh_setup.web
    r = post_roll(web_setup, web_roll_csv(NEW))
    assert r.status_code == 201, r.text
    assert r.json() == {"imported": 2, "voters": len(WEB_ROLL) + 2}
    r = api(web_setup, "GET", f"{E}/status")
    assert r.json()["per_unit"]["station-2"] == 2


def test_a_duplicate_national_id_is_refused_with_line_numbers(
    protected_setup: RevotingElection,
) -> None:
    web_setup = protected_setup.web
    rows = [NEW[0], (NEW[0][0], "Twin", "", "twin@example.org", "station-1"), WEB_ROLL[0]]
    r = post_roll(web_setup, web_roll_csv(rows))
    assert r.status_code == 400, r.text
    body = r.json()["error"]
    assert body["code"] == "roll_rejected"
    assert any(p.startswith("line 3:") and NEW[0][0] in p for p in body["problems"])
    assert any(p.startswith("line 4:") and "already on the roll" in p for p in body["problems"])
    assert web_setup.services.roll.count("web-test") == len(WEB_ROLL)

    r = post_roll(web_setup, b"national_id,name,phone,unit\n1,A,,nowhere\n")
    problems = r.json()["error"]["problems"]
    assert r.status_code == 400 and all(p.startswith("line 2:") for p in problems)
    assert len(problems) == 2  # no contact, unknown unit

    r = api(web_setup, "POST", f"{E}/roll", content=web_roll_csv(NEW), headers=JSON)
    assert r.status_code == 415
    assert web_setup.services.roll.count("web-test") == len(WEB_ROLL)


def test_a_shared_phone_needs_an_exception(fresh_setup: RevotingElection) -> None:
    web_setup = fresh_setup.web
    shared = "+7 (701) 555-00-11"
    rows = [
        ("910202400009", "Ivan Family", shared, "", "station-1"),
        ("910202400010", "Jana Family", "87015550011", "", "station-1"),
    ]
    r = post_roll(web_setup, web_roll_csv(rows))
    assert r.status_code == 400
    assert any(p.startswith("line 3:") and "exception" in p for p in r.json()["error"]["problems"])

    r = post_json(web_setup, f"{E}/exceptions", {"contact": shared, "reason": "one family"})
    assert r.status_code == 201, r.text
    assert r.json() == {"contact": "77015550011"}
    r = api(web_setup, "GET", f"{E}/exceptions")
    assert r.json() == {"exceptions": [{"contact": "77015550011", "reason": "one family"}]}

    r = post_roll(web_setup, web_roll_csv(rows))
    assert r.status_code == 201, r.text
    assert r.json()["voters"] == len(WEB_ROLL) + 2

    for bad in ({"contact": shared, "reason": "x"}, {"contact": "", "reason": "fine reason"}):
        r = post_json(web_setup, f"{E}/exceptions", bad)
        assert r.status_code == 400 and error_code(r) == "invalid_input", r.text
    r = post_json(web_setup, f"{E}/exceptions", {"contact": shared})
    assert r.status_code == 400 and error_code(r) == "malformed_input"


# -- phases ----------------------------------------------------------------------------------


def test_an_election_without_re_voting_protection_is_not_opened(
    fresh_setup: RevotingElection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An election an earlier version made without re-voting protection (its setup has
    no batch schedule) cannot be opened: this service takes none of its votes. Such a
    setup can no longer be made, so the test makes the service read its election so."""
    web_setup = fresh_setup.web
    keep_roll(fresh_setup)
    monkeypatch.setattr(ElectionContext, "revoting", property(lambda self: False))
    for lang in LANGUAGES:
        r = api(web_setup, "POST", f"{E}/open?lang={lang}")
        assert r.status_code == 409 and error_code(r) == "not_allowed_now", r.text
        said = STRINGS["msg.revoting.not_revoting_open"][LANGUAGES.index(lang)]
        assert said in r.text
    monkeypatch.undo()
    assert api(web_setup, "GET", f"{E}/status").json()["phase"] == "setup"


def test_open_posts_the_roll_summary_and_the_board_verifies(
    fresh_setup: RevotingElection,
) -> None:
    web_setup = fresh_setup.web
    r = post_json(web_setup, f"{E}/exceptions", {"contact": "a1@example.org", "reason": "club"})
    assert r.status_code == 201
    # without the encrypted roll (made from the roll with its exception) it cannot open
    r = api(web_setup, "POST", f"{E}/open")
    assert r.status_code == 409 and "upload it first" in r.json()["error"]["message"], r.text
    keep_roll(fresh_setup)
    # its encrypted roll carries the organiser's signature: one sent besides is refused,
    # not dropped, and the election stays in setup
    r = post_json(web_setup, f"{E}/open?lang=kk", WRONG_SIGNATURE)
    assert r.status_code == 409 and error_code(r) == "not_allowed_now", r.text
    assert "send none with the open" in r.json()["error"]["message"]
    assert r.json()["error"]["text"] == STRINGS["msg.encrypted_roll.signature_sent"][1]
    assert web_setup.services.elections.phase("web-test") == "setup"
    assert [kind for kind, _ in events(web_setup)] == ["setup"]
    r = api(web_setup, "POST", f"{E}/open")
    assert r.status_code == 200, r.text
    assert r.json() == {"phase": "open"}

    kinds = [kind for kind, _ in events(web_setup)]
    assert kinds == ["setup", "roll-part", "roll", "open"]
    roll = next(body for kind, body in events(web_setup) if kind == "roll")
    assert roll["contact_exceptions"] == 1
    assert roll["encrypted"]["rows"] == len(WEB_ROLL) and "signature" in roll
    per_unit = {u["unit"]: u["voters"] for u in roll["voters_per_unit"]}
    assert per_unit == web_setup.services.roll.per_unit("web-test")
    assert sum(per_unit.values()) == len(WEB_ROLL)

    report = verify_record(list(web_setup.services.elections.record_lines("web-test")), workers=1)
    assert report.passed, [(c.name, c.detail) for c in report.failures]


def test_actions_in_the_wrong_phase_are_409(fresh_setup: RevotingElection) -> None:
    web_setup = fresh_setup.web

    def expect_409(method: str, path: str, **kw: Any) -> str:
        r = api(web_setup, method, path, **kw)
        assert r.status_code == 409, (path, r.text)
        assert error_code(r) == "not_allowed_now"
        message: str = r.json()["error"]["message"]
        return message

    expect_409("POST", f"{E}/close")
    keep_roll(fresh_setup)
    assert api(web_setup, "POST", f"{E}/open").json() == {"phase": "open"}
    expect_409("POST", f"{E}/open")
    expect_409("POST", f"{E}/roll", content=web_roll_csv(NEW), headers=CSV_TYPE)
    exception = json.dumps({"contact": "a1@example.org", "reason": "too late"})
    expect_409("POST", f"{E}/exceptions", content=exception, headers=JSON)
    assert api(web_setup, "POST", f"{E}/close").json() == {"phase": "closed"}
    expect_409("POST", f"{E}/close")
    expect_409("POST", f"{E}/open")
    assert web_setup.services.elections.phase("web-test") == "closed"
    kinds = [k for k, _ in events(web_setup)]
    assert kinds[:4] == ["setup", "roll-part", "roll", "open"]
    assert kinds.count("close") == 1 and "tally" not in kinds
    assert web_setup.services.roll.count("web-test") == len(WEB_ROLL)


def test_an_empty_roll_cannot_be_opened(fresh_setup: RevotingElection, other: Other) -> None:
    web = fresh_setup.web
    assert post_json(web, "/api/organiser/elections", other.body()).status_code == 201
    r = api(web, "POST", f"/api/organiser/e/{OTHER}/open")
    assert r.status_code == 409 and "roll is empty" in r.json()["error"]["message"]
    assert web.services.elections.phase(OTHER) == "setup"


def test_status_counts(voters_web: WebElection) -> None:
    """The counts of the module's election (other tests add reports and notices to it:
    those two counts are compared before and after this test's)."""
    web = voters_web
    r = api(web, "GET", f"{E}/status")
    assert r.status_code == 200, r.text
    before = r.json()
    pending = {k: before.pop(k) for k in ("notices_pending", "reports_pending")}
    assert before == {
        "phase": "open",
        "voters": len(WEB_ROLL),
        "per_unit": {
            "station-1": 2,
            "station-2": 1,
            "station-3": 1,
            "station-4": 1,
            "station-small": 1,
        },
        "exceptions": 0,
    }
    web.services.reports.submit("web-test", "My boss wants a screenshot", "", "", None, None)
    with web.services.store.transaction() as conn:
        enqueue_notice(
            conn, notice_row("web-test", "sms", "77010000001", "", "A ballot was cast", 1)
        )
    status = api(web, "GET", f"{E}/status").json()
    assert (status["reports_pending"], status["notices_pending"]) == (
        pending["reports_pending"] + 1,
        pending["notices_pending"] + 1,
    )


# -- reports ---------------------------------------------------------------------------------


def counts_after(before: dict[str, int], **moved: int) -> dict[str, int]:
    """Report counts ``before`` with each named count moved by its number."""
    return {k: v + moved.get(k, 0) for k, v in before.items()}


def test_reports_are_moderated(voters_web: WebElection) -> None:
    web = voters_web
    reports = web.services.reports
    counts = reports.counts("web-test")
    first = reports.submit(
        "web-test", "Told to photograph the ballot, by Ivanov", "Office 4", "Monday", None, None
    )
    second = reports.submit(
        "web-test", "Quota per manager at my plant", "", "", b"the memo text", "text/plain"
    )
    r = api(web, "GET", f"{E}/reports")
    assert r.status_code == 200, r.text
    pending = {p["report_id"]: p for p in r.json()["reports"]}
    assert pending[first]["attachment_type"] is None
    assert pending[first]["place"] == "Office 4"
    assert (pending[second]["attachment_type"], pending[second]["attachment_size"]) == (
        "text/plain",
        13,
    )

    r = api(web, "GET", f"{E}/reports/{second}/attachment")
    assert r.status_code == 200 and r.content == b"the memo text"
    assert r.headers["content-type"].startswith("text/plain")
    assert r.headers["content-disposition"].startswith("attachment")
    assert r.headers["content-security-policy"].startswith("sandbox")
    r = api(web, "GET", f"{E}/reports/{first}/attachment")
    assert r.status_code == 400

    text = "Employees were told to photograph the ballot."
    r = post_json(web, f"{E}/reports/{first}/publish", {"text": text})
    assert r.status_code == 200, r.text
    r = post_json(
        web, f"{E}/reports/{second}/publish", {"text": "A quota", "attachment_public": "yes"}
    )
    assert r.status_code == 400 and error_code(r) == "malformed_input"
    r = post_json(web, f"{E}/reports/{second}/reject", {"reason": "cannot be checked"})
    assert r.status_code == 200, r.text
    r = post_json(web, f"{E}/reports/{first}/publish", {"text": "again"})
    assert r.status_code == 400 and "already published" in r.json()["error"]["message"]

    published = [p for p in reports.published("web-test") if p.report_id in (first, second)]
    assert [(p.report_id, p.text, p.has_attachment) for p in published] == [(first, text, False)]
    listed = api(web, "GET", f"{E}/reports").json()
    assert not {first, second} & {p["report_id"] for p in listed["reports"]}
    assert listed["counts"] == counts_after(counts, published=1, rejected=1)


def test_an_attachment_is_published_only_when_chosen(voters_web: WebElection) -> None:
    web = voters_web
    rid = web.services.reports.submit(
        "web-test", "A memo about the quota", "", "", b"memo", "text/plain"
    )
    r = post_json(web, f"{E}/reports/{rid}/publish", {"text": "memo", "attachment_public": True})
    assert r.status_code == 200, r.text
    assert web.services.reports.attachment("web-test", rid, public_only=True)[0] == b"memo"


# -- the audit's files -----------------------------------------------------------------------


def _csv(r: Response) -> list[list[str]]:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith("attachment")
    assert r.headers["cache-control"] == "no-store"
    return list(csv.reader(io.StringIO(r.text)))


def test_the_roll_downloads_but_the_activity_log_does_not(voters_web: WebElection) -> None:
    """The organiser gets the roll for the audit, never the raw activity log: with each
    voter's every sign-in and cast it would show who voted again (re-voting, the answer to
    coercion, must stay invisible to organisers). The audit reads the log on the server."""
    web = voters_web
    download = api(web, "GET", f"{E}/roll-audit.csv")
    assert "web-test-roll-audit.csv" in download.headers["content-disposition"]
    roll = _csv(download)
    assert tuple(roll[0]) == ROLL_COLUMNS
    assert sorted(row[0] for row in roll[1:]) == sorted(r[0] for r in WEB_ROLL)

    with web.services.store.transaction() as conn:
        for event in ("code-requested", "signed-in", "ballot-cast"):
            record_activity(
                conn,
                activity_row(
                    "web-test",
                    time_ms=1_700_000_000_000,
                    event=event,
                    voter=WEB_ROLL[0][0],
                    address="10.0.0.1",
                    device="dev-1",
                    user_agent="=cmd|' /C calc'!A0",
                    contact=WEB_ROLL[0][2] if event == "code-requested" else None,
                ),
            )
    # no route: with the token, without it, by cookie, in any form (an unknown route is
    # 404 not_found, docs/api.md; no 401 tells that something is there)
    sign_in_page(web.client, web.organiser_token)
    for path in (f"{E}/activity.csv", f"{E}/activity", "/api/organiser/e/no-such/activity.csv"):
        for headers in (web.organiser_headers(), {}):
            for method in ("GET", "HEAD", "POST"):
                r = web.client.request(method, path, headers=headers)
                assert r.status_code == 404, (method, path, r.status_code, r.text)
                if method != "HEAD":
                    assert error_code(r) == "not_found"
                assert "ballot-cast" not in r.text and WEB_ROLL[0][0] not in r.text
    paths = [getattr(route, "path", "") for route in organiser_api.router.routes]
    assert not [p for p in paths if "activity" in p], paths
    schema = web.client.get("/openapi.json").json()["paths"]
    assert f"{E}/roll-audit.csv".replace("web-test", "{election_id}") in schema
    assert not [p for p in schema if "activity" in p]
    # nor a link to it on the dashboard or the audit page (the page still links the roll)
    for page in ("/organiser/e/web-test?lang=en", "/organiser/e/web-test/audit?lang=en"):
        html = web.client.get(page)
        assert html.status_code == 200, html.text
        assert "activity.csv" not in html.text and "Download the activity log" not in html.text
    dashboard = web.client.get("/organiser/e/web-test?lang=en").text
    assert "/api/organiser/e/web-test/roll-audit.csv" in dashboard
    assert "/organiser/e/web-test/audit" in dashboard
    assert "who voted again" in dashboard  # the hint says why the log is not handed out


BOSS_PHONE = "Mozilla/5.0 (Linux; Android 14; the boss's phone) Chrome/126.0 Mobile"
NOT_ON_ROLL = "880808300009"


def _vote(election: RevotingElection, client: TestClient, national_id: str, seed: str) -> None:
    """Sign in on ``client``, register a credential with the voter's letter and cast, as
    the ballot page does (a second time: a new credential, which replaces the first)."""
    election.web.sign_in(client, national_id, election.id)
    device = RevotingDevice(election, client, national_id, SeededRandomness(seed))
    credential, r = device.register()
    assert r.status_code == 201, r.text
    ballot, _, private = device.ballot(credential, {"chair": {"cand-2"}, "council": {"blank"}})
    r = device.cast(ballot, private)
    assert r.status_code == 201, r.text


#: the checks that read the activity log (docs/audit.md)
LOG_CHECKS = ("activity.", "device.", "session.", "code.", "cast.", "turnout.")


def _records(found: dict[str, Any], check: str) -> list[dict[str, Any]]:
    return [r for f in found["findings"] if f["check"] == check for r in f["records"]]


def test_the_audit_finds_what_happened_in_the_service(
    fresh_setup: RevotingElection, other: Other
) -> None:
    """Five voters sign in and vote from the boss's phone, one from her own; someone
    asks for a code with an ID not on the roll. The audit over the service's own files
    names exactly those, although the service knows no birth date or enrolment time.
    One of the five votes again from her own phone: no finding shows it (the organiser
    gets the findings, not the log, and re-voting must stay invisible to organisers).
    With re-voting protection the log holds the sign-ins and each voter's first ballot
    only (docs/coercion.md §9): the boss's phone is found casting the five first
    ballots, and the re-vote adds nothing, so no finding counts a voter's casts."""
    web = fresh_setup.web
    keep_roll(fresh_setup)
    assert api(web, "POST", f"{E}/open").json() == {"phase": "open"}
    boss = TestClient(web.client.app, headers={"user-agent": BOSS_PHONE})
    own = TestClient(web.client.app, headers={"user-agent": "Mozilla/5.0 (X11) Firefox/128.0"})
    revoter = TestClient(web.client.app, headers={"user-agent": "Mozilla/5.0 (iPhone) Safari"})
    on_boss_phone = [row[0] for row in WEB_ROLL[:5]]
    for national_id in on_boss_phone:
        _vote(fresh_setup, boss, national_id, f"audit-{national_id}")
    _vote(fresh_setup, own, WEB_ROLL[5][0], "audit-own")
    _vote(fresh_setup, revoter, on_boss_phone[0], "audit-again")
    r = boss.post(
        f"/api/e/{web.election_id}/signin",
        json={"national_id": NOT_ON_ROLL},
        headers={"x-csrf-token": web.csrf(boss)},
    )
    assert r.status_code == 202, r.text

    r = api(web, "GET", f"{E}/audit")
    assert r.status_code == 200, r.text
    found = r.json()
    assert found["view"] == "organiser" and found["bad_rows"] == []
    # the log's size is not said for an election with re-voting protection: beside the
    # voters who signed in it would count the sign-ins after each one's first (here the
    # re-vote's), docs/audit.md
    assert found["rows_read"] == {"roll": len(WEB_ROLL)}
    assert found["roll_rows_without"] == {
        "birth_date": len(WEB_ROLL),
        "enrolled_at": len(WEB_ROLL),
        "organisation": 0,
    }
    assert "input.bad_row" not in {f["check"] for f in found["findings"]}
    # every roll voter's events are matched to the roll; only the stranger's is not
    assert [r["voter"] for r in _records(found, "activity.unknown_voter")] == [NOT_ON_ROLL]
    device = [f for f in found["findings"] if f["check"] == "device.many_voters" and f["count"]]
    assert [(f["severity"], f["count"]) for f in device] == [("medium", 5)]
    assert sorted(r["voter"] for r in device[0]["records"]) == sorted(on_boss_phone)
    # each voter's first ballot is in the log: the boss's phone cast the five first
    # ballots, each voter listed once and without a line; the re-vote is not there
    bursts = [f for f in found["findings"] if f["check"] == "cast.device_burst" and f["count"]]
    assert [f["count"] for f in bursts] == [5]
    assert sorted(r["voter"] for r in bursts[0]["records"]) == sorted(on_boss_phone)
    assert all(r["line"] is None for r in bursts[0]["records"])
    # the findings carry the flagged events only: one sign-in per voter on the boss's
    # phone; neither the voter who used her own phone nor the re-vote (its sign-in, its
    # device) is in any record
    boss_device = device[0]["records"][0]["group"]
    assert {r["group"] for r in device[0]["records"]} == {boss_device}
    assert len(device[0]["records"]) == 5
    from_log = [f for f in found["findings"] if f["check"].startswith(LOG_CHECKS)]
    records = [(f["check"], r) for f in from_log for r in f["records"]]
    assert WEB_ROLL[5][0] not in json.dumps(records)
    named = sorted((check, r["group"]) for check, r in records if r["voter"] == on_boss_phone[0])
    assert named == [("cast.device_burst", boss_device), ("device.many_voters", boss_device)]
    # the checks that need a birth date or an enrolment time say they were not applied
    for check in ("roll.implausible_age", "roll.impossible_birth_date", "enrol.operator_burst"):
        rule = next(f["rule"] for f in found["findings"] if f["check"] == check)
        assert f"not applied to {len(WEB_ROLL)} row(s) without" in rule, rule

    sign_in_page(web.client, web.organiser_token)
    page = web.client.get("/organiser/e/web-test/audit?lang=en")
    assert page.status_code == 200, page.text
    for text in ("device.many_voters", "activity.unknown_voter"):
        assert text in page.text
    assert f"Not applied to rows without a birth date: {len(WEB_ROLL)}." in page.text
    assert "The audit cannot run" not in page.text

    # an election with no voter and no activity: every check runs and finds nothing
    assert post_json(web, "/api/organiser/elections", other.body()).status_code == 201
    r = api(web, "GET", f"/api/organiser/e/{OTHER}/audit")
    assert r.status_code == 200, r.text
    empty = r.json()
    assert empty["rows_read"] == {"roll": 0, "activity": 0}
    assert {f["check"] for f in empty["findings"]} >= {"id.duplicate", "activity.unknown_voter"}
    assert all(f["count"] == 0 for f in empty["findings"])
    page = web.client.get(f"/organiser/e/{OTHER}/audit?lang=en")
    assert page.status_code == 200, page.text
    assert "Critical" in page.text and "id.duplicate" in page.text


def test_an_audit_that_cannot_read_the_exports_says_why(
    voters_web: WebElection, monkeypatch: pytest.MonkeyPatch
) -> None:
    web = voters_web

    def broken(roll: Path, *args: Any, **kwargs: Any) -> Any:
        raise AuditInputError(f"{roll}: missing required column(s): national_id")

    monkeypatch.setattr(organiser_cases, "run_audit", broken)
    r = api(web, "GET", f"{E}/audit")
    assert r.status_code == 500, r.text
    error = r.json()["error"]
    assert error["code"] == "audit_failed"
    assert "roll-audit.csv: missing required column(s): national_id" in error["message"]
    assert "hb-audit-" not in error["message"]  # no server path

    sign_in_page(web.client, web.organiser_token)
    page = web.client.get("/organiser/e/web-test/audit?lang=en")
    assert page.status_code == 500
    assert "The audit cannot run" in page.text and "roll-audit.csv" in page.text
    assert "/activity.csv" not in page.text  # the roll, never the log


# -- the pages -------------------------------------------------------------------------------


def test_the_pages_end_to_end(fresh_setup: RevotingElection) -> None:
    web_setup = fresh_setup.web
    client = web_setup.client
    assert client.get("/organiser/e/web-test", follow_redirects=False).headers["location"] == (
        "/organiser"
    )
    page = client.get("/organiser")
    r = client.post(
        "/organiser/signin",
        data={"token": WRONG_TOKEN, "csrf": page_csrf(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 401 and "hb_organiser" not in r.headers.get("set-cookie", "")

    csrf = sign_in_page(client, web_setup.organiser_token)
    set_cookie = next(c for c in client.cookies.jar if c.name == "hb_organiser")
    assert set_cookie.value == web_setup.organiser_token
    assert client.get("/organiser", follow_redirects=False).status_code == 303

    listing = client.get("/organiser/elections")
    assert listing.status_code == 200 and "/organiser/e/web-test" in listing.text
    dashboard = client.get("/organiser/e/web-test")
    assert dashboard.status_code == 200
    assert 'data-phase="setup"' in dashboard.text
    assert f'id="voters-total">{len(WEB_ROLL)}<' in dashboard.text
    csrf = page_csrf(dashboard.text)

    # with no encrypted roll kept, the open confirmation says so instead of offering the
    # open; with one of the roll as it is, it offers it
    confirm = open_confirmation(client)
    assert 'id="roll-not-ready"' in confirm and OPEN_FORM not in confirm
    assert STRINGS["msg.encrypted_roll.missing"][0] in confirm
    assert 'href="/organiser/e/web-test#encrypted-roll"' in confirm
    keep_roll(fresh_setup)
    confirm = open_confirmation(client)
    assert OPEN_FORM in confirm and 'id="roll-not-ready"' not in confirm

    # a roll with a problem: the dashboard lists it, nothing is stored
    bad = web_roll_csv([NEW[0], (NEW[0][0], "Twin", "", "t@example.org", "station-1")])
    r = client.post(
        "/organiser/e/web-test/roll",
        files={"roll": ("roll.csv", bad, "text/csv")},
        data={"csrf": csrf},
    )
    assert r.status_code == 400
    # in the page's language (Russian by default), the line named
    assert 'class="problems"' in r.text and "Строка 3: идентификационный номер" in r.text

    r = client.post(
        "/organiser/e/web-test/roll",
        files={"roll": ("roll.csv", web_roll_csv(NEW), "text/csv")},
        data={"csrf": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/organiser/e/web-test?done=roll"
    assert f'id="voters-total">{len(WEB_ROLL) + 2}<' in client.get(r.headers["location"]).text
    # the roll changed since the encrypted roll was made: the confirmation says so
    confirm = open_confirmation(client)
    assert STRINGS["msg.encrypted_roll.stale"][0] in confirm and OPEN_FORM not in confirm

    r = client.post(
        "/organiser/e/web-test/exceptions",
        data={"contact": "8 701 000 0002", "reason": "a shared family phone", "csrf": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "77010000002" in page and "a shared family phone" in page
    r = client.post(
        "/organiser/e/web-test/exceptions",
        data={"contact": "nobody", "reason": "x", "csrf": csrf},
    )
    assert r.status_code == 400 and 'role="alert"' in r.text

    # the encrypted roll, made again on the organiser's machine from the roll as it now
    # is, uploaded on the page; it carries the organiser's signature of the roll summary,
    # so the open confirmation asks for no signature file
    upload = json.dumps(fresh_setup.roll_again([*WEB_ROLL, *NEW])).encode()
    r = client.post(
        "/organiser/e/web-test/encrypted-roll",
        files={"encrypted_roll": ("encrypted-roll.json", upload, "application/json")},
        data={"csrf": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("?done=encrypted_roll")
    confirm = client.get("/organiser/e/web-test/phase/open")
    assert confirm.status_code == 200
    assert 'action="/organiser/e/web-test/phase/open"' in confirm.text
    assert 'name="roll_signature"' not in confirm.text and "multipart" not in confirm.text
    assert web_setup.services.elections.phase("web-test") == "setup"
    # a signature file sent anyway is refused (not dropped), said on the dashboard
    r = client.post(
        "/organiser/e/web-test/phase/open",
        data={"csrf": csrf},
        files={"roll_signature": ("s.json", json.dumps(WRONG_SIGNATURE), "application/json")},
    )
    assert r.status_code == 409 and 'role="alert"' in r.text
    assert STRINGS["msg.encrypted_roll.signature_sent"][0] in html.unescape(r.text)
    assert web_setup.services.elections.phase("web-test") == "setup"
    r = client.post("/organiser/e/web-test/phase/open", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("?done=open")
    assert web_setup.services.elections.phase("web-test") == "open"
    roll = next(body for kind, body in events(web_setup) if kind == "roll")
    assert roll["contact_exceptions"] == 1 and roll["encrypted"]["rows"] == len(WEB_ROLL) + 2
    page = client.get(r.headers["location"]).text
    assert "/organiser/e/web-test/phase/close" in page and 'name="roll"' not in page

    # open again through a stale confirm page: refused, shown on the dashboard
    r = client.post("/organiser/e/web-test/phase/open", data={"csrf": csrf})
    assert r.status_code == 409 and "not allowed" not in r.text  # said in Russian, in full
    assert "Сейчас это невозможно: открытие голосования" in r.text
    assert "organiser.confirm.not_now" not in client.get("/organiser/e/web-test/phase/open").text
    assert client.get("/organiser/e/web-test/phase/nonsense").status_code == 404

    r = client.post("/organiser/signout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/organiser/e/web-test", follow_redirects=False).status_code == 303


def test_reports_through_the_pages(voters_web: WebElection) -> None:
    web = voters_web
    counts = web.services.reports.counts("web-test")
    rid = web.services.reports.submit(
        "web-test", "Boss collects screenshots", "Plant 2", "", b"memo", "text/plain"
    )
    csrf = sign_in_page(web.client, web.organiser_token)
    page = web.client.get("/organiser/e/web-test").text
    assert "Boss collects screenshots\n\nPlant 2</textarea>" in page
    assert f"/reports/{rid}/attachment" in page and 'name="attachment_public"' in page
    r = web.client.post(
        f"/organiser/e/web-test/reports/{rid}/publish",
        data={"text": "Screenshots are collected", "attachment_public": "on", "csrf": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    published = next(p for p in web.services.reports.published("web-test") if p.report_id == rid)
    assert published.has_attachment
    assert web.services.reports.attachment("web-test", rid, public_only=True)[0] == b"memo"
    rid = web.services.reports.submit("web-test", "Something else entirely", "", "", None, None)
    r = web.client.post(
        f"/organiser/e/web-test/reports/{rid}/reject",
        data={"reason": "spam", "csrf": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert web.services.reports.counts("web-test") == counts_after(counts, published=1, rejected=1)


#: the create form's plan of the batch schedule (re-voting protection, the default)
PLAN = {"voters": "100", "opens_at": "8", "hours": "12", "interval": "60"}


def test_create_an_election_through_the_page(fresh_setup: RevotingElection, other: Other) -> None:
    web = fresh_setup.web
    csrf = sign_in_page(web.client, web.organiser_token)
    form = {"csrf": csrf, "organiser_key": PROTECTION["organiser_key"], **PLAN}
    manifest = json.dumps(manifest_to_json(other.manifest)).encode()
    wrong_key = json.dumps(encode_election_key(web.ceremony.key)).encode()
    r = web.client.post(
        "/organiser/elections",
        files={"manifest": ("m.json", manifest), "election_key": ("k.json", wrong_key)},
        data=form,
    )
    assert r.status_code == 400 and "церемонии для другого манифеста" in r.text

    key = json.dumps(encode_election_key(other.key)).encode()
    r = web.client.post(
        "/organiser/elections",
        files={"manifest": ("m.json", manifest), "election_key": ("k.json", key)},
        data=form,
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/organiser/e/{OTHER}?done=created#encrypted-roll"
    assert web.services.elections.phase(OTHER) == "setup"
    assert web.services.elections.takes_revoting(OTHER)


def test_forms_without_csrf_are_refused(protected_setup: RevotingElection) -> None:
    web_setup = protected_setup.web
    client = web_setup.client
    client.get("/organiser")
    r = client.post("/organiser/signin", data={"token": web_setup.organiser_token})
    assert r.status_code == 403
    sign_in_page(client, web_setup.organiser_token)
    for path, data in (
        ("/organiser/e/web-test/phase/open", {}),
        ("/organiser/e/web-test/exceptions", {"contact": "a1@example.org", "reason": "abc"}),
        ("/organiser/e/web-test/phase/open", {"csrf": "forged"}),
    ):
        r = client.post(path, data=data)
        assert r.status_code == 403, (path, r.text)
    r = client.post(
        "/organiser/e/web-test/roll", files={"roll": ("r.csv", web_roll_csv(NEW), "text/csv")}
    )
    assert r.status_code == 403
    # the API with the page cookie needs the CSRF header too
    assert client.post(f"{E}/open").status_code == 403
    assert web_setup.services.elections.phase("web-test") == "setup"
    assert web_setup.services.roll.count("web-test") == len(WEB_ROLL)
    assert web_setup.services.roll.exception_count("web-test") == 0


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_in_every_language_have_no_inline_code(voters_web: WebElection, lang: str) -> None:
    web = voters_web
    web.services.reports.submit("web-test", "A report to moderate", "", "", b"m", "text/plain")
    client = web.client
    signin = client.get(f"/organiser?lang={lang}")
    sign_in_page(client, web.organiser_token)
    pages = [signin]
    for path in (
        "/organiser/elections",
        "/organiser/e/web-test?done=open",
        "/organiser/e/web-test/phase/close",
        "/organiser/e/web-test/phase/open",
        "/organiser/e/web-test/audit",
    ):
        pages.append(client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}"))
    for page in pages:
        assert page.status_code in (200, 409), page.text
        assert page.headers["content-type"].startswith("text/html")
        assert f'<html lang="{lang}">' in page.text
        for pattern in INLINE_CODE:
            assert not pattern.search(page.text), (page.url, pattern.pattern)
        words = page.text.replace("/static/organiser.css", "")
        assert not re.search(r"\borganiser\.[a-z_]+", words), page.url  # untranslated key
        assert "/static/organiser.css" in page.text
    assert pages[-1].status_code == 200 and "id.duplicate" in pages[-1].text  # the findings


def test_every_word_is_in_three_languages() -> None:
    used = set()
    for template in TEMPLATES.glob("organiser_*.html"):
        used |= set(re.findall(r"t\([\"'](organiser\.[a-z_.]+)[\"']\)", template.read_text()))
    dynamic = {f"organiser.done.{d}" for d in organiser_pages.DONE}
    for action in organiser_pages.NEXT_ACTION.values():
        dynamic |= {
            f"organiser.action.{action}",
            f"organiser.action.{action}.hint",
            f"organiser.confirm.{action}",
            f"organiser.confirm.yes.{action}",
        }
    dynamic |= {f"organiser.severity.{s}" for s in ("critical", "high", "medium", "low", "info")}
    missing = sorted((used | dynamic) - set(ORGANISER_STRINGS))
    assert not missing
    for key, words in ORGANISER_STRINGS.items():
        assert key.startswith("organiser.") and all(w.strip() for w in words), key
        assert STRINGS[key] == words
        ru, kk, en = words
        assert (ru != en and kk != en) or key in {"organiser.create.manifest"}, key


def test_no_token_reaches_the_log(
    fresh_setup: RevotingElection, caplog: pytest.LogCaptureFixture
) -> None:
    web_setup = fresh_setup.web
    keep_roll(fresh_setup)
    caplog.set_level(logging.DEBUG)
    csrf = sign_in_page(web_setup.client, web_setup.organiser_token)
    web_setup.client.post(
        "/organiser/signin", data={"token": web_setup.organiser_token + "x", "csrf": csrf}
    )
    assert api(web_setup, "POST", f"{E}/open").json() == {"phase": "open"}
    api(web_setup, "GET", f"{E}/status", headers={"authorization": f"Bearer {WRONG_TOKEN}"})
    # the log names the organiser by its label
    assert "organiser 'test organiser': open web-test" in caplog.text
    for record in caplog.records:
        text = record.getMessage() + repr(record.args)
        assert web_setup.organiser_token not in text
        assert WRONG_TOKEN not in text


def test_control_characters_in_contacts_and_reasons_are_a_clear_400(
    protected_setup: RevotingElection,
) -> None:
    """A NUL was a 500 on PostgreSQL and stored on SQLite; an escape sequence was stored."""
    web_setup = protected_setup.web
    for body, field in [
        ({"contact": "q\u0000@example.org", "reason": "one family"}, "e-mail"),
        ({"contact": "q\u001b[31m@example.org", "reason": "one family"}, "e-mail"),
        ({"contact": "+7 701 555 00\u200b 12", "reason": "one family"}, "phone"),
        ({"contact": "q@example.org", "reason": "fam\u0000ily"}, "reason"),
        ({"contact": "q@example.org", "reason": "fam\u001b[2Jily"}, "reason"),
    ]:
        r = post_json(web_setup, f"{E}/exceptions", body)
        assert r.status_code == 400 and error_code(r) == "invalid_input", r.text
        assert field in r.json()["error"]["message"]
        assert "control or format characters" in r.json()["error"]["message"]
    assert api(web_setup, "GET", f"{E}/exceptions").json() == {"exceptions": []}

    rows = [NEW[0], ("900101300099", "Zed", "", "z\x00z@example.org", "station-1")]
    r = post_roll(web_setup, web_roll_csv(rows))
    assert r.status_code == 400 and error_code(r) == "roll_rejected", r.text
    assert r.json()["error"]["problems"] == [
        "line 3: e-mail 'z\\x00z@example.org' contains control or format characters"
    ]
    assert web_setup.services.roll.count("web-test") == len(WEB_ROLL)
