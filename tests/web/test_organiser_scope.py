"""Organiser tokens scoped to one election, through the HTTP surface and the command line
(SQLite and PostgreSQL).

One server hosts several organisations' elections: a token made with
``organiser token --election A`` manages A only.  Every organiser route of another
election B answers it exactly as for an election that does not exist (so a scope does
not tell which other elections there are), after the 401 of a missing token; it cannot
create B, and its list of elections is A alone.  A token without a scope (the operator's)
still manages every election.

The elections have re-voting protection; every test that stands on one has its own
(``fresh_setup``: A in setup), since each changes A or creates B beside it.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from httpx import Response

from honestballot.protocol.schedule import Cover, Schedule
from honestballot.record.manifest import manifest_to_json
from honestballot.record.trustee import encode_election_key
from honestballot.record.witness import schedule_to_json
from honestballot.service.security.organisers import Organiser, Organisers
from honestballot.store.sql import SqlStore
from honestballot.web import organiser_api, organiser_pages
from tests.factories import (
    SMALL_SCHEDULE,
    WEB_ROLL,
    DemoCeremonies,
    DemoCeremony,
    RevotingElection,
    WebElection,
    json_bytes,
    web_roll_csv,
)
from tests.helpers import one_line_error, run_cli
from tests.web.test_organiser import (
    CSV_TYPE,
    JSON,
    NEW,
    ORGANISER_KEY,
    PLAN,
    PROTECTION,
    WRONG_TOKEN,
    page_csrf,
    sign_in_page,
)

A = "web-test"  # the fixture's election, the scoped token's own
B = "web-other"  # another organisation's election on the same server
LABEL = "party office"
TOKEN = re.compile(r"hbo_[A-Za-z0-9_-]{32}")
SCHEDULE = Schedule(60, ((40, 20),), cover=Cover(300, 100))

#: every organiser API route under an election, in an order that works on an election in
#: setup: method, path ({e} the election, {r} and {q} two of its reports), headers, body,
#: and the status it answers on an election the token manages (with re-voting protection;
#: its encrypted roll: the one made from its roll as it then is, sent instead of the body)
API_ROUTES: list[tuple[str, str, dict[str, str], bytes, int]] = [
    ("POST", "/api/organiser/e/{e}/roll", CSV_TYPE, web_roll_csv(NEW), 201),
    (
        "POST",
        "/api/organiser/e/{e}/exceptions",
        JSON,
        json_bytes({"contact": "a1@example.org", "reason": "one family"}),
        201,
    ),
    ("GET", "/api/organiser/e/{e}/exceptions", {}, b"", 200),
    ("GET", "/api/organiser/e/{e}/status", {}, b"", 200),
    ("GET", "/api/organiser/e/{e}/reports", {}, b"", 200),
    (
        "POST",
        "/api/organiser/e/{e}/reports/{r}/publish",
        JSON,
        json_bytes({"text": "A quota per manager", "attachment_public": True}),
        200,
    ),
    ("GET", "/api/organiser/e/{e}/reports/{r}/attachment", {}, b"", 200),
    (
        "POST",
        "/api/organiser/e/{e}/reports/{q}/reject",
        JSON,
        json_bytes({"reason": "cannot be checked"}),
        200,
    ),
    ("GET", "/api/organiser/e/{e}/roll-audit.csv", {}, b"", 200),
    ("GET", "/api/organiser/e/{e}/audit", {}, b"", 200),
    ("GET", "/api/organiser/e/{e}/roll-summary", {}, b"", 200),
    ("POST", "/api/organiser/e/{e}/encrypted-roll", JSON, json_bytes({}), 200),
    ("POST", "/api/organiser/e/{e}/open", {}, b"", 200),
    ("POST", "/api/organiser/e/{e}/close", {}, b"", 200),
]

#: every organiser page under an election, in the same sense: method, path, form fields
#: (the csrf field is added; None for a GET), a file, the status on a managed election
#: (the encrypted roll's file: the one made from its roll as it then is)
PAGE_ROUTES: list[tuple[str, str, dict[str, str] | None, bytes | None, int]] = [
    ("GET", "/organiser/e/{e}", None, None, 200),
    ("GET", "/organiser/e/{e}/audit", None, None, 200),
    ("GET", "/organiser/e/{e}/roll-summary.json", None, None, 200),
    ("POST", "/organiser/e/{e}/roll", {}, web_roll_csv(NEW), 303),
    (
        "POST",
        "/organiser/e/{e}/exceptions",
        {"contact": "a1@example.org", "reason": "one family"},
        None,
        303,
    ),
    (
        "POST",
        "/organiser/e/{e}/reports/{r}/publish",
        {"text": "A quota per manager", "attachment_public": "on"},
        None,
        303,
    ),
    ("POST", "/organiser/e/{e}/reports/{q}/reject", {"reason": "spam"}, None, 303),
    ("POST", "/organiser/e/{e}/encrypted-roll", {}, None, 303),
    ("GET", "/organiser/e/{e}/phase/open", None, None, 200),
    ("POST", "/organiser/e/{e}/phase/open", {}, None, 303),
]


def _template(path: str) -> str:
    path = path.replace("{e}", "{election_id}").replace("/phase/open", "/phase/{action}")
    return path.replace("{r}", "{report_id}").replace("{q}", "{report_id}")


def _election_routes(router: Any) -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in router.routes
        if "{election_id}" in route.path
        for method in route.methods
    }


def test_the_lists_hold_every_route_under_an_election() -> None:
    """A new organiser route under an election must be added here, so it is checked."""
    assert {(m, _template(p)) for m, p, *_ in API_ROUTES} == _election_routes(organiser_api.router)
    pages = {(m, _template(p)) for m, p, *_ in PAGE_ROUTES}
    assert pages == _election_routes(organiser_pages.router)


# -- helpers ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def other(demo_ceremony: DemoCeremonies) -> DemoCeremony:
    return demo_ceremony(B)


@dataclass
class Scoped:
    """The fixture's server with a token scoped to one election."""

    web: WebElection
    token: str

    def call(self, method: str, path: str, **kw: Any) -> Response:
        return call(self.web, self.token, method, path, **kw)


def call(web: WebElection, token: str, method: str, path: str, **kw: Any) -> Response:
    headers = {"authorization": f"Bearer {token}", **kw.pop("headers", {})}
    r: Response = web.client.request(method, path, headers=headers, **kw)
    return r


def scoped(web: WebElection, election_id: str = A) -> Scoped:
    return Scoped(web, str(web.services.organisers.create_token(LABEL, election_id)))


def create_b(web: WebElection, other: DemoCeremony) -> None:
    """B, with re-voting protection, the same roll as A and two pending reports (1 and 2,
    the ids used on A)."""
    web.services.elections.create(
        other.manifest,
        other.key,
        organiser_key=ORGANISER_KEY,
        schedule=SMALL_SCHEDULE,
    )
    web.services.roll.import_csv(B, web_roll_csv())
    assert submit_reports(web, B) == (1, 2)


def submit_reports(web: WebElection, election_id: str) -> tuple[int, int]:
    reports = web.services.reports
    first = reports.submit(election_id, "A quota per manager", "", "", b"memo", "text/plain")
    second = reports.submit(election_id, "Something unrelated entirely", "", "", None, None)
    return first, second


def b_untouched(web: WebElection) -> None:
    s = web.services
    assert s.elections.phase(B) == "setup"
    assert s.roll.count(B) == len(WEB_ROLL) and s.roll.exception_count(B) == 0
    assert s.reports.counts(B) == {"pending": 2, "published": 0, "rejected": 0}
    assert [ev.kind for ev in s.store.iter_events(B)] == ["setup"]


def path_of(template: str, election_id: str, reports: tuple[int, int] = (1, 2)) -> str:
    r, q = reports
    return template.format(e=election_id, r=r, q=q)


def create_body(
    ceremony: DemoCeremony,
    choice: dict[str, Any] | None = None,
    key_of: DemoCeremony | None = None,
) -> bytes:
    """The API's create request for ``ceremony``'s election, with ``choice`` for its
    re-voting protection (its schedule and the organiser's key unless given) and the
    election key of ``key_of`` (a ceremony for another manifest) if given."""
    return json_bytes(
        {
            "manifest": manifest_to_json(ceremony.manifest),
            "election_key": encode_election_key((key_of or ceremony).key),
            **(PROTECTION if choice is None else choice),
        }
    )


def answer(r: Response) -> tuple[int, str, bytes]:
    return r.status_code, r.headers.get("content-type", ""), r.content


# -- the API ---------------------------------------------------------------------------------


def test_a_scoped_token_does_everything_on_its_own_election(
    fresh_setup: RevotingElection, other: DemoCeremony, caplog: pytest.LogCaptureFixture
) -> None:
    web_setup = fresh_setup.web
    caplog.set_level(logging.DEBUG)
    create_b(web_setup, other)
    party = scoped(web_setup)
    assert web_setup.services.organisers.check(party.token) == Organiser(LABEL, A)
    mine = submit_reports(web_setup, A)
    for method, template, headers, body, expected in API_ROUTES:
        if template.endswith("/encrypted-roll"):
            body = json_bytes(fresh_setup.roll_again([*WEB_ROLL, *NEW]))
        r = party.call(method, path_of(template, A, mine), headers=headers, content=body)
        assert r.status_code == expected, (method, template, r.text)
    s = web_setup.services
    assert s.elections.phase(A) == "closed"
    assert s.roll.count(A) == len(WEB_ROLL) + len(NEW)
    assert s.reports.counts(A) == {"pending": 0, "published": 1, "rejected": 1}
    b_untouched(web_setup)
    # the log names the organiser by its label, never by its token
    assert f"organiser {LABEL!r}: close {A}" in caplog.text
    assert party.token not in caplog.text


def test_another_election_answers_as_one_that_does_not_exist(
    fresh_setup: RevotingElection, other: DemoCeremony
) -> None:
    """Every organiser API route of B, with a token scoped to A: the same answer, byte for
    byte, before B exists and once it does; and nothing of B changes."""
    web_setup = fresh_setup.web
    party = scoped(web_setup)

    def answers() -> list[tuple[int, str, bytes]]:
        found = []
        for method, template, headers, body, _ in API_ROUTES:
            r = party.call(method, path_of(template, B), headers=headers, content=body)
            assert r.status_code == 404, (method, template, r.text)
            assert r.json()["error"] == {
                "code": "not_found",
                "message": f"there is no election {B!r}",
                "text": f"Голосования «{B}» нет.",
                "lang": "ru",
            }
            found.append(answer(r))
        return found

    missing = answers()
    create_b(web_setup, other)
    assert answers() == missing
    b_untouched(web_setup)

    # 401 before 404: without a valid token B's routes say so, as any election's do
    for method, template, headers, body, _ in API_ROUTES:
        for auth in ({}, {"authorization": f"Bearer {WRONG_TOKEN}"}):
            r = web_setup.client.request(
                method, path_of(template, B), headers={**headers, **auth}, content=body
            )
            assert r.status_code == 401, (method, template, r.text)
            assert r.json()["error"]["code"] == "not_signed_in"
    # the operator's token still manages B
    r = call(web_setup, web_setup.organiser_token, "GET", f"/api/organiser/e/{B}/status")
    assert r.status_code == 200 and r.json()["phase"] == "setup"
    b_untouched(web_setup)


def test_a_scoped_token_creates_only_its_own_election(
    fresh_setup: RevotingElection, other: DemoCeremony
) -> None:
    web = fresh_setup.web
    create = "/api/organiser/elections"
    mine, theirs = scoped(web, B), scoped(web, A)
    # another election, existing or not, is refused the same way, before anything else
    r = theirs.call("POST", create, headers=JSON, content=create_body(other))
    assert r.status_code == 403, r.text
    refused = answer(r)
    error = r.json()["error"]
    assert error["code"] == "forbidden" and f"cannot create election {B!r}" in error["message"]
    assert B not in web.services.store.list_elections()
    r = mine.call("POST", create, headers=JSON, content=create_body(web.ceremony))
    assert r.status_code == 403 and "already exists" not in r.text, r.text
    # the scope's 403 comes before the schedule is checked (docs/api.md): without a
    # schedule, or with a key for another manifest, the same answer
    for choice in ({}, {"schedule": schedule_to_json(SCHEDULE)}):
        for key_of in (None, web.ceremony):
            body = create_body(other, choice, key_of)
            assert answer(theirs.call("POST", create, headers=JSON, content=body)) == refused
    # then the schedule, before the key ceremony is checked against the manifest ...
    for choice, said in [
        ({}, 'an election has re-voting protection: send its batch "schedule"'),
        (None, "the election key comes from a key ceremony for another manifest"),
    ]:
        body = create_body(other, choice, key_of=web.ceremony)
        r = mine.call("POST", create, headers=JSON, content=body)
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_input", r.text
        assert said in r.json()["error"]["message"], (choice, r.text)
    # ... and before whether the election exists (A does: its operator is told of the
    # schedule)
    for choice, status in [({}, 400), (None, 409)]:
        body = create_body(web.ceremony, choice)
        r = call(web, web.organiser_token, "POST", create, headers=JSON, content=body)
        assert r.status_code == status, r.text
    assert B not in web.services.store.list_elections()

    r = mine.call("POST", create, headers=JSON, content=create_body(other))
    assert r.status_code == 201, r.text
    assert r.json()["election_id"] == B and web.services.elections.phase(B) == "setup"
    assert answer(theirs.call("POST", create, headers=JSON, content=create_body(other))) == refused
    # its own, once it exists: the same answer as for any token
    r = mine.call("POST", create, headers=JSON, content=create_body(other))
    assert r.status_code == 409 and "already exists" in r.text
    assert mine.call("GET", f"/api/organiser/e/{B}/status").status_code == 200
    assert mine.call("GET", f"/api/organiser/e/{A}/status").status_code == 404

    # the page refuses it too, and lists the token's own election only
    client = web.client
    csrf = sign_in_page(client, theirs.token)
    files = {
        "manifest": ("m.json", json_bytes(manifest_to_json(other.manifest))),
        "election_key": ("k.json", json_bytes(encode_election_key(other.key))),
    }
    protected = {"csrf": csrf, "organiser_key": ORGANISER_KEY.hex(), **PLAN}
    r = client.post("/organiser/elections", files=files, data=protected)
    assert r.status_code == 403 and f"создать «{B}» с ним нельзя" in html.unescape(r.text)
    # the same 403 first, with the schedule's plan or without it
    for form in ({}, PLAN):
        page = client.post("/organiser/elections", files=files, data={"csrf": csrf, **form})
        assert page.status_code == 403, (form, page.text)
        assert f"создать «{B}» с ним нельзя" in html.unescape(page.text)

    assert f'href="/organiser/e/{A}"' in r.text and f'href="/organiser/e/{B}"' not in r.text


# -- the pages -------------------------------------------------------------------------------


def page_request(
    web: WebElection,
    csrf: str,
    method: str,
    path: str,
    data: dict[str, str] | None,
    upload: bytes | None,
    **kw: Any,
) -> Response:
    if method == "GET":
        return web.client.get(path, follow_redirects=False, **kw)
    field = "encrypted_roll" if path.endswith("/encrypted-roll") else "roll"
    files = {field: (field, upload, "text/csv")} if upload is not None else None
    r: Response = web.client.post(
        path, data={**(data or {}), "csrf": csrf}, files=files, follow_redirects=False, **kw
    )
    return r


def test_the_pages_with_a_scoped_token(fresh_setup: RevotingElection, other: DemoCeremony) -> None:
    web_setup = fresh_setup.web
    create_b(web_setup, other)
    party = scoped(web_setup)
    csrf = sign_in_page(web_setup.client, party.token)
    listing = web_setup.client.get("/organiser/elections")
    assert listing.status_code == 200
    assert f'href="/organiser/e/{A}"' in listing.text
    assert f'href="/organiser/e/{B}"' not in listing.text and B not in listing.text

    mine = submit_reports(web_setup, A)
    for method, template, data, upload, expected in PAGE_ROUTES:
        path = path_of(template, A, mine)
        if template.endswith("/encrypted-roll"):
            upload = json_bytes(fresh_setup.roll_again([*WEB_ROLL, *NEW]))
        r = page_request(web_setup, csrf, method, path, data, upload)
        assert r.status_code == expected, (method, path, r.text)
        if expected == 200 and r.headers["content-type"].startswith("text/html"):
            csrf = page_csrf(r.text)  # a page (the roll summary is a JSON download)
    s = web_setup.services
    assert s.elections.phase(A) == "open" and s.roll.count(A) == len(WEB_ROLL) + len(NEW)
    assert s.reports.counts(A) == {"pending": 0, "published": 1, "rejected": 1}
    b_untouched(web_setup)


def test_the_pages_of_another_election_answer_as_for_none(
    fresh_setup: RevotingElection, other: DemoCeremony
) -> None:
    """Signed in on the page with a token scoped to A: B's pages, as HTML and as JSON, and
    the API with the page cookie, answer the same before B exists and once it does."""
    web_setup = fresh_setup.web
    party = scoped(web_setup)
    client = web_setup.client
    csrf = sign_in_page(client, party.token)

    def answers() -> list[tuple[int, str, bytes]]:
        found = []
        for accept in ("text/html", "application/json"):
            for method, template, data, upload, _ in PAGE_ROUTES:
                path = path_of(template, B)
                r = page_request(
                    web_setup, csrf, method, path, data, upload, headers={"accept": accept}
                )
                assert r.status_code == 404, (method, path, accept, r.text)
                found.append(answer(r))
        for method, template, headers, body, _ in API_ROUTES:  # the cookie and CSRF header
            path = path_of(template, B)
            r = client.request(
                method, path, headers={**headers, "x-csrf-token": csrf}, content=body
            )
            assert r.status_code == 404, (method, path, r.text)
            found.append(answer(r))
        return found

    missing = answers()
    assert any(b"<html" in body for _, _, body in missing)
    create_b(web_setup, other)
    assert answers() == missing
    b_untouched(web_setup)

    # a page of B without a valid cookie goes to the sign-in page, as any election's does
    client.cookies.set("hb_organiser", WRONG_TOKEN)
    r = client.get(f"/organiser/e/{B}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/organiser"


def test_an_all_elections_token_manages_both(
    fresh_setup: RevotingElection, other: DemoCeremony
) -> None:
    web_setup = fresh_setup.web
    create_b(web_setup, other)
    operator = web_setup.services.organisers.check(web_setup.organiser_token)
    assert operator == Organiser("test organiser", None)
    for election_id in (A, B):
        path = f"/api/organiser/e/{election_id}/status"
        assert call(web_setup, web_setup.organiser_token, "GET", path).status_code == 200
    path = f"/api/organiser/e/{B}/exceptions"
    body = json_bytes({"contact": "a1@example.org", "reason": "one family"})
    r = call(web_setup, web_setup.organiser_token, "POST", path, headers=JSON, content=body)
    assert r.status_code == 201, r.text
    sign_in_page(web_setup.client, web_setup.organiser_token)
    listing = web_setup.client.get("/organiser/elections").text
    assert f'href="/organiser/e/{A}"' in listing and f'href="/organiser/e/{B}"' in listing
    assert web_setup.client.get(f"/organiser/e/{B}").status_code == 200


# -- the command line ------------------------------------------------------------------------


def test_the_command_line_makes_scoped_and_all_elections_tokens(
    database_url: str, tmp_path: Path
) -> None:
    result = run_cli(
        "organiser", "token", LABEL, "--election", B, "--database", database_url, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    scoped_token = result.stdout.strip()
    assert TOKEN.fullmatch(scoped_token), result.stdout

    result = run_cli("organiser", "token", "operator", "--database", database_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    operator_token = result.stdout.strip()
    assert TOKEN.fullmatch(operator_token), result.stdout
    warning = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(warning) == 1 and warning[0].startswith("warning:"), result.stderr
    assert "every election on this server" in warning[0]
    assert operator_token not in result.stderr

    for bad in ("Party 1", "-party", "x" * 65, ""):
        result = run_cli(
            "organiser", "token", "mistyped", "--election", bad, "--database", database_url,
            cwd=tmp_path,
        )  # fmt: skip
        one_line_error(result, "election id")
        assert result.stdout == ""

    store = SqlStore(database_url)
    try:
        organisers = Organisers(store)
        assert organisers.check(scoped_token) == Organiser(LABEL, B)
        assert organisers.check(operator_token) == Organiser("operator", None)
        assert organisers.labels() == ["operator", LABEL]
    finally:
        store.close()
