"""The voter's pages (honestballot/web/voter_pages.py and templates/voter_*.html).

The page script cannot run under TestClient (the headless-browser test drives it); here:
every page renders in every language, carries no inline code (the CSP forbids it), its
forms carry the CSRF field, and signing in through the plain HTML forms works.  The
sign-in's tests stand on the module's election with re-voting protection (``voters_web``,
``protected_setup``); tests/web/test_revoting_pages.py has the ballot page and receipt.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from honestballot.service.messages.senders import read_outbox
from honestballot.web.strings_voter import STRINGS
from tests.factories import WEB_ROLL, RevotingElection, WebElection
from tests.web.test_voter_api import new_client, signed_in

AIGERIM = WEB_ROLL[0][0]
BORIS = WEB_ROLL[1][0]

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<script[^>]*>\s*[^<\s]", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.I)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
CSRF_FIELD = re.compile(r'<input type="hidden" name="csrf" value="([^"]+)">')


def assert_no_inline_code(html: str) -> None:
    assert not INLINE_SCRIPT.search(html), "inline <script>"
    assert not STYLE_ATTRIBUTE.search(html), "style= attribute"
    assert not STYLE_ELEMENT.search(html), "<style> element"
    assert not EVENT_HANDLER.search(html), "on*= event handler"


def assert_posting_forms_carry_csrf(html: str) -> None:
    for match in re.finditer(r"<form\b([^>]*)>(.*?)</form>", html, re.I | re.S):
        if 'method="post"' in match.group(1).lower():
            assert CSRF_FIELD.search(match.group(2)), match.group(0)[:200]


def csrf_of(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found is not None
    return found.group(1)


def page(web: WebElection, path: str) -> str:
    return f"/e/{web.election_id}{path}"


def start_sign_in(web: WebElection, client: TestClient, national_id: str) -> str:
    """Submit the sign-in form; the code page's HTML."""
    form = client.get(page(web, "/signin"))
    r = client.post(
        page(web, "/signin"), data={"national_id": national_id, "csrf": csrf_of(form.text)}
    )
    assert r.status_code == 200, r.text
    assert r.url.path == page(web, "/code")
    html: str = r.text
    return html


def messages_to(web: WebElection, destination: str) -> int:
    """How many messages the outbox holds for ``destination``."""
    return sum(1 for m in read_outbox(web.outbox) if m.get("destination") == destination)



def test_signing_in_through_the_html_forms(voters_web: WebElection) -> None:
    web = voters_web
    client = new_client(web)
    code_page = start_sign_in(web, client, BORIS)
    assert 'id="code-form"' in code_page
    code = web.code_for("77010000002")
    assert code is not None
    r = client.post(page(web, "/code"), data={"code": code, "csrf": csrf_of(code_page)})
    assert r.status_code == 200
    assert r.url.path == page(web, "/vote")
    assert "Boris Test" in r.text
    assert client.cookies.get("hb_session")
    # the national ID never appears in a URL (URLs end up in logs)
    for step in r.history:
        assert BORIS not in str(step.url)
        assert BORIS not in step.headers.get("location", "")
    me = client.get(f"/api/e/{web.election_id}/me")
    assert me.json()["name"] == "Boris Test"


def test_a_wrong_code_in_the_form_shows_the_form_again(voters_web: WebElection) -> None:
    web = voters_web
    client = new_client(web)
    code_page = start_sign_in(web, client, BORIS)
    code = web.code_for("77010000002")
    assert code is not None
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    r = client.post(
        page(web, "/code"),
        data={"code": wrong, "csrf": csrf_of(code_page)},
        params={"lang": "en"},
    )
    assert r.status_code == 401
    assert 'id="code-form"' in r.text
    assert "The code is wrong. Attempts left: " in r.text
    assert "hb_session" not in client.cookies
    short = client.post(page(web, "/code"), data={"code": "1", "csrf": csrf_of(code_page)})
    assert short.status_code == 400


def test_an_unknown_id_in_the_form_gets_the_same_code_page(voters_web: WebElection) -> None:
    web = voters_web
    known = start_sign_in(web, new_client(web), BORIS)
    unknown = start_sign_in(web, new_client(web), "880101000777")
    strip = re.compile(r'content="[^"]*"|value="[^"]*"')  # the per-visitor CSRF token
    assert strip.sub("", known) == strip.sub("", unknown)


def test_form_posts_need_the_csrf_field(voters_web: WebElection) -> None:
    web = voters_web
    client = new_client(web)
    sent = messages_to(web, "77010000002")  # the module's earlier tests' codes
    client.get(page(web, "/signin"))
    r = client.post(
        page(web, "/signin"),
        data={"national_id": BORIS},
        headers={"accept": "text/html"},
    )
    assert r.status_code == 403
    assert 'data-code="forbidden"' in r.text
    assert messages_to(web, "77010000002") == sent


def test_pages_that_need_a_step_first_redirect(voters_web: WebElection) -> None:
    web = voters_web
    client = new_client(web)
    for path in ("/vote", "/code"):
        r = client.get(page(web, path), follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"] == page(web, "/signin")


def test_sign_out_form(voters_web: WebElection) -> None:
    web = voters_web
    client = signed_in(web, AIGERIM)
    vote = client.get(page(web, "/vote"))
    old_cookie = client.cookies["hb_session"]
    r = client.post(page(web, "/signout"), data={"csrf": csrf_of(vote.text)})
    assert r.url.path == page(web, "/signin")
    assert client.get(page(web, "/vote"), follow_redirects=False).status_code == 303
    # the session ended on the server, not only in this browser
    replay = new_client(web)
    replay.cookies.set("hb_session", old_cookie)
    assert replay.get(page(web, "/vote"), follow_redirects=False).status_code == 303


def test_unknown_elections_and_receipts_are_not_found(voters_web: WebElection) -> None:
    web = voters_web
    html = {"accept": "text/html"}
    assert web.client.get("/e/no-such-election/signin", headers=html).status_code == 404
    r = web.client.get(page(web, "/receipt/" + "ab" * 32), headers=html)
    assert r.status_code == 404
    assert 'data-code="not_found"' in r.text


def test_the_sign_in_page_says_when_voting_is_not_open(
    protected_setup: RevotingElection,
) -> None:
    web = protected_setup.web
    r = web.client.get(page(web, "/signin"), params={"lang": "en"})
    assert r.status_code == 200
    assert "Voting is not open now" in r.text
    assert 'id="signin-form"' not in r.text


def test_every_voter_text_is_translated() -> None:
    for key, (ru, kk, en) in STRINGS.items():
        assert key.startswith("voter."), key
        assert ru.strip() and kk.strip() and en.strip(), key
        assert ru != en and kk != en, key
        placeholders = [set(re.findall(r"\{\w+\}", text)) for text in (ru, kk, en)]
        assert placeholders[0] == placeholders[1] == placeholders[2], key


def test_the_static_files_are_served(voters_web: WebElection) -> None:
    web = voters_web
    for name in ("voter.js", "voter.css", "honestballot-crypto.js"):
        assert web.client.get(f"/static/{name}").status_code == 200
