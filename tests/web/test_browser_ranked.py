"""A whole ranked election (docs/ranked.md) with re-voting protection through the pages,
on SQLite and PostgreSQL.

``honestballot serve`` runs an election of one plural and two ranked contests
(tests/factories.ranked_web_manifest: instant-runoff with "against all", Schulze with a
blank choice), with re-voting protection (its encrypted roll of six voters kept within
factories.markers_allowed: docs/coercion.md §8.3 asks 21,600 for these contests).  In
Debian's Chromium three voters register with their letters and rank: one by tapping
(trying what the page must never allow on the way: a fourth place, a candidate beside
"against all"), one with the keyboard alone, one on a 360 px phone switching Russian,
Kazakh and English while the order is kept; the first audits a ballot and sees its order;
each ballot version 2 is "recorded".  Three more voters cast through the API on their
devices.  Then voting closes, trustees 2 and 3 run the close (their objects sent line by
line to the server), each ranked contest's column mixed alone and decrypted, and the
result page in the browser shows the instant-runoff rounds and Schulze's order, as the
published result has them and as they are counted here by hand.  The exported record,
verified with §8.3's rule on, fails exactly ``roll.units`` (the roll is too small for the
ranked contests) and passes every other check.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from honestballot.crypto.group import Scalar
from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.letters import LetterSecret
from honestballot.protocol.ranked import count_contest, encode_ranking
from honestballot.protocol.schedule import Schedule
from honestballot.service.runtime import Services
from honestballot.verify.verifier import verify_record
from tests.databases import KINDS
from tests.factories import (
    WEB_ROLL,
    DemoCeremony,
    RevotingDevice,
    RevotingElection,
    WebElection,
    markers_allowed,
    no_noise,
)
from tests.helpers import describe, failed
from tests.web.close_helpers import run_close
from tests.web.test_browser import (
    STEP_TIMEOUT_MS,
    TRACKING_CODE,
    Server,
    Watch,
    _screenshots_on_failure,
    _serve,
    _sign_in,
    prepare_protected,
    register_with_the_letter,
)

pytestmark = pytest.mark.slow

PHONE = {"width": 360, "height": 740}

#: what each voter ranks: the browser's three, then the service's three
BROWSER_VOTES: list[dict[str, list[str]]] = [
    {"chair": ["cand-1"], "leader": ["aigerim", "bolat"], "council": ["xenia", "yuri", "zarina"]},
    {"chair": ["against-all"], "leader": ["bolat", "aigerim"],
     "council": ["xenia", "yuri", "zarina"]},
    {"chair": ["cand-2"], "leader": ["dana", "bolat"], "council": ["yuri", "xenia", "zarina"]},
]  # fmt: skip
SERVICE_VOTES: list[dict[str, list[str]]] = [
    {"chair": ["cand-3"], "leader": ["bolat", "dana"], "council": ["blank"]},
    {"chair": ["cand-1"], "leader": ["dana", "aigerim"], "council": ["xenia"]},
    {"chair": ["cand-1"], "leader": ["against-all"], "council": ["zarina", "yuri"]},
]
#: a batch every ten minutes (the close posts what waits), of eight rows and eight
#: registrations: every voter's registration and ballot fit one
BROWSER_SCHEDULE = Schedule(600, ((8, 8),), cover=no_noise(0))
#: the voters' activation codes and the organiser's secret, by server (its base URL)
LETTERS: dict[str, dict[str, str]] = {}
ORGANISERS: dict[str, Scalar] = {}


@contextmanager
def serve_ranked(kind: str, tmp_path: Path, ceremony: DemoCeremony) -> Iterator[Server]:
    """``honestballot serve`` with the ranked election with re-voting protection, open,
    its encrypted roll of six voters kept with §8.3's rule off (only while ``prepare``
    runs); its letters in ``LETTERS`` under the server's base URL."""
    letters: dict[str, str] = {}
    kept: dict[str, Scalar] = {}

    def keep_organiser(_: Any, organiser: Scalar) -> None:
        kept["organiser"] = organiser

    prepare = prepare_protected(
        ceremony, BROWSER_SCHEDULE, letters, "ranked browser", keep_organiser
    )

    def prepare_small_roll(services: Services) -> None:
        with markers_allowed():
            prepare(services)

    with _serve(kind, tmp_path, prepare_small_roll) as running:
        LETTERS[running.base_url] = letters
        ORGANISERS[running.base_url] = kept["organiser"]
        yield running


@pytest.fixture(params=KINDS)
def ranked_server(
    request: pytest.FixtureRequest, ranked_ceremony: DemoCeremony, tmp_path: Path
) -> Iterator[Server]:
    with serve_ranked(request.param, tmp_path, ranked_ceremony) as running:
        yield running


# --- what a voter does on a ranked ballot ---------------------------------------------------


def contest(page: Page, contest_id: str) -> Any:
    return page.locator(f'#ballot-form fieldset[data-contest="{contest_id}"]')


def order(page: Page, contest_id: str) -> list[str | None]:
    items = contest(page, contest_id).locator("ol.ranking li")
    return [items.nth(i).get_attribute("data-choice") for i in range(items.count())]


def tap(page: Page, contest_id: str, act: str, choice: str) -> None:
    contest(page, contest_id).locator(f'button[data-act="{act}"][data-choice="{choice}"]').click()


def rank_by_tapping(page: Page, contest_id: str, ranking: Sequence[str]) -> None:
    for choice in ranking:
        tap(page, contest_id, "add", choice)
    assert order(page, contest_id) == list(ranking)


def focused(page: Page) -> tuple[str | None, str | None]:
    """The act and choice of the button that has the keyboard's focus."""
    got: list[str | None] = page.evaluate(
        "() => [document.activeElement.dataset.act || null,"
        " document.activeElement.dataset.choice || null]"
    )
    return got[0], got[1]


def sign_in_and_register(page: Page, server: Server, national_id: str) -> None:
    _sign_in(page, server, national_id)
    register_with_the_letter(page, LETTERS[server.base_url][national_id])


def cast_ballot(page: Page, server: Server, tracking: str) -> str:
    """Cast the encrypted ballot version 2: the receipt says "recorded"; its hash."""
    page.locator("#cast").click()
    page.wait_for_url(f"**/e/{server.election_id}/receipt/*")
    expect(page.locator("#receipt-status")).to_have_attribute(
        "data-state", "recorded", timeout=STEP_TIMEOUT_MS
    )
    expect(page.locator("#tracking-code")).to_have_text(tracking)
    return page.url.rsplit("/", 1)[-1]


def encrypt(page: Page) -> str:
    page.locator("#encrypt").click()
    code = page.locator("#tracking-code")
    expect(code).to_have_text(TRACKING_CODE, timeout=STEP_TIMEOUT_MS)
    return code.inner_text().strip()


def vote_by_tapping(page: Page, server: Server) -> str:
    """The first voter: taps, tries what the page must refuse, audits, then casts."""
    want = BROWSER_VOTES[0]
    page.locator('input[name="contest-chair"][value="cand-1"]').check()
    leader = contest(page, "leader")
    rank_by_tapping(page, "leader", ["bolat", "aigerim", "dana"])
    # three places are all there are: the fourth candidate cannot be added
    expect(leader.locator('button[data-act="add"][data-choice="erlan"]')).to_be_disabled()
    expect(leader.locator(".rank-full")).to_be_visible()
    # removing closes the gap; moving up reorders
    tap(page, "leader", "remove", "aigerim")
    assert order(page, "leader") == ["bolat", "dana"]
    expect(leader.locator("ol.ranking li").nth(1)).to_contain_text("Dana Daurenova")
    expect(leader.locator('button[data-act="add"][data-choice="erlan"]')).to_be_enabled()
    tap(page, "leader", "remove", "dana")
    tap(page, "leader", "add", "aigerim")
    tap(page, "leader", "up", "aigerim")
    assert order(page, "leader") == ["aigerim", "bolat"]
    # "against all" stands alone, and a candidate tapped after it replaces it
    tap(page, "leader", "add", "against-all")
    assert order(page, "leader") == ["against-all"]
    expect(leader.locator('button[data-act="up"]')).to_have_count(0)
    rank_by_tapping(page, "leader", ["aigerim"])
    tap(page, "leader", "add", "bolat")
    assert order(page, "leader") == want["leader"]
    # no candidate is offered twice
    expect(leader.locator('button[data-act="add"][data-choice="bolat"]')).to_have_count(0)
    tap(page, "council", "add", "blank")
    assert order(page, "council") == ["blank"]
    for choice in want["council"]:
        tap(page, "council", "add", choice)
    assert order(page, "council") == want["council"]

    # the audit shows the order the voter made, in that order
    audited = encrypt(page)
    page.locator("#audit").click()
    expect(page.locator("#audit-result")).to_be_visible(timeout=STEP_TIMEOUT_MS)
    expect(page.locator("#audit-check")).to_have_class("ok")
    expect(page.locator("#audit-choices li").nth(1)).to_have_text(
        "Party leader: 1. Aigerim Amanova, 2. Bolat Bekenov"
    )
    expect(page.locator("#audit-choices li").nth(2)).to_have_text(
        "Council: 1. Xenia Kim, 2. Yuri Yusupov, 3. Zarina Zhumabayeva"
    )
    made = encrypt(page)
    assert made != audited
    cast_ballot(page, server, made)
    return audited


def vote_by_keyboard(page: Page, server: Server) -> None:
    """The second voter: focus and keys only (Tab, Enter, Space), no click."""
    want = BROWSER_VOTES[1]
    leader = contest(page, "leader")
    leader.locator('button[data-act="add"][data-choice="bolat"]').focus()
    page.keyboard.press("Enter")
    # the focus stays in the pool, on the choice that took the pressed one's place
    assert focused(page) == ("add", "dana")
    page.keyboard.press("Shift+Tab")
    assert focused(page) == ("add", "aigerim")
    page.keyboard.press("Space")
    assert order(page, "leader") == ["bolat", "aigerim"]
    leader.locator('button[data-act="up"][data-choice="aigerim"]').focus()
    page.keyboard.press("Enter")
    assert order(page, "leader") == ["aigerim", "bolat"]
    assert focused(page) == ("down", "aigerim")  # "up" is off at the top: the focus moves
    page.keyboard.press("Enter")
    assert order(page, "leader") == want["leader"]
    assert focused(page) == ("up", "aigerim")
    council = contest(page, "council")
    council.locator('button[data-act="add"][data-choice="xenia"]').focus()
    for _ in want["council"]:
        page.keyboard.press("Enter")
    assert order(page, "council") == want["council"]
    page.locator('input[name="contest-chair"][value="against-all"]').focus()
    page.keyboard.press("Space")
    page.locator("#encrypt").focus()
    page.keyboard.press("Enter")
    code = page.locator("#tracking-code")
    expect(code).to_have_text(TRACKING_CODE, timeout=STEP_TIMEOUT_MS)
    page.locator("#cast").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/e/{server.election_id}/receipt/*")
    expect(page.locator("#receipt-status")).to_have_attribute(
        "data-state", "recorded", timeout=STEP_TIMEOUT_MS
    )


def page_width(page: Page) -> int:
    width: int = page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
    )
    return width


def vote_on_a_phone(page: Page, server: Server) -> None:
    """The third voter, on a phone in Russian: ranks, switches to Kazakh and English (the
    order is kept each time, and the page stays 360 px wide), casts."""
    want = BROWSER_VOTES[2]
    page.locator('input[name="contest-chair"][value="cand-2"]').check()
    rank_by_tapping(page, "leader", want["leader"])
    rank_by_tapping(page, "council", want["council"])
    assert page_width(page) <= PHONE["width"]
    for lang, names in (("kk", "Дана Дәуренова"), ("en", "Dana Daurenova")):
        page.locator("nav.langs a", has_text=lang.upper()).click()
        page.wait_for_url(f"**lang={lang}")
        expect(contest(page, "leader").locator("ol.ranking li").first).to_contain_text(names)
        assert order(page, "leader") == want["leader"]
        assert order(page, "council") == want["council"]
        expect(page.locator('input[name="contest-chair"][value="cand-2"]')).to_be_checked()
        assert page_width(page) <= PHONE["width"], lang
    cast_ballot(page, server, encrypt(page))


# --- after the vote -------------------------------------------------------------------------


def python_choice(votes: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "chair": frozenset(votes["chair"]),
        **{k: tuple(votes[k]) for k in ("leader", "council")},
    }


def election_over_http(
    server: Server, ceremony: DemoCeremony, client: httpx.Client
) -> RevotingElection:
    """The server's election as tests/factories.RevotingElection, over HTTP (``client``,
    on the server's base URL): its devices and trustees speak to ``honestballot serve``."""
    eid = server.election_id
    # TestClient is an httpx.Client: the same calls, here over the network
    web = WebElection(client, server.services, eid, server.outbox, "", ceremony, "")  # type: ignore[arg-type]
    letters = {nid: LetterSecret.from_code(c) for nid, c in LETTERS[server.base_url].items()}
    ctx = server.services.elections.context(eid)
    return RevotingElection(web, ctx, letters, ORGANISERS[server.base_url])


def cast_through_the_service(server: Server, election: RevotingElection) -> None:
    """The voters who did not vote in the browser register and cast on their devices
    through the API."""
    for votes, (national_id, *_) in zip(SERVICE_VOTES, WEB_ROLL[len(BROWSER_VOTES) :],
                                        strict=True):  # fmt: skip
        with httpx.Client(base_url=server.base_url, timeout=120) as client:
            election.web.sign_in(client, national_id)  # type: ignore[arg-type]
            device = RevotingDevice(
                election, client,  # type: ignore[arg-type]
                national_id, SeededRandomness(f"ranked browser device {national_id}"),
            )  # fmt: skip
            seed, answer = device.register()
            assert answer.status_code == 201, answer.text
            ballot, _, private = device.ballot(seed, python_choice(votes))
            answer = device.cast(ballot, private)
            assert answer.status_code == 201, answer.text


def count(server: Server, election: RevotingElection, ceremony: DemoCeremony) -> None:
    """Close; trustees 2 and 3 run the close, their objects sent line by line to the
    server, which posts the result with the last step."""
    eid = server.election_id
    server.services.elections.close(eid)
    run_close(election, ceremony, SeededRandomness("ranked browser/close"))
    assert server.services.close.stage(eid).done


def expected_ranked(server: Server) -> list[dict[str, Any]]:
    """Each ranked contest counted here from what the voters ranked (the rows' order does
    not matter to these counts: neither needs a tie broken)."""
    ctx = server.services.elections.context(server.election_id)
    votes = BROWSER_VOTES + SERVICE_VOTES
    return [
        count_contest(c, ctx.base_hash, [encode_ranking(c, v[c.id]) for v in votes])
        for c in ctx.manifest.contests
        if c.ranked
    ]


def check_results_page(page: Page, server: Server) -> None:
    page.goto(server.url(f"/e/{server.election_id}/results?lang=en"))
    irv = page.locator('section.ranked-result[data-ranked="irv"]')
    expect(irv.locator("table.irv-round")).to_have_count(3)
    expect(irv.locator("[data-rankings]")).to_have_text("5")
    expect(irv.locator("table.irv-round").first.locator("tbody tr")).to_have_text(
        ["Aigerim Amanova 1", "Bolat Bekenov 2", "Dana Daurenova 2", "Erlan Yessenov 0",
         "Exhausted (nobody left in the count) 0"],
        use_inner_text=True,
    )  # fmt: skip
    expect(irv.locator("[data-eliminated]")).to_have_text(
        [
            "Eliminated: Erlan Yessenov (fewest votes).",
            "Eliminated: Aigerim Amanova (fewest votes).",
        ]
    )
    expect(irv.locator("table.exclusive tr")).to_have_text(["Against all 1"], use_inner_text=True)
    expect(irv.locator("[data-winner]")).to_have_text("Winner: Bolat Bekenov")
    schulze = page.locator('section.ranked-result[data-ranked="schulze"]')
    expect(schulze.locator("[data-order] li")).to_have_text(
        ["Xenia Kim", "Yuri Yusupov", "Zarina Zhumabayeva"]
    )
    expect(schulze.locator('table[data-matrix="d"] tbody tr').first).to_have_text(
        re.compile(r"1\. Xenia Kim\s*—\s*3\s*4"), use_inner_text=True
    )
    expect(schulze.locator("[data-winner]")).to_have_text("Winner: Xenia Kim")
    expect(schulze.locator("table.exclusive tr")).to_have_text(
        ["Blank vote 1"], use_inner_text=True
    )
    expect(page.locator("table.result caption").first).to_have_text("Chair")


# --- the test -------------------------------------------------------------------------------


def test_a_ranked_election_through_the_pages(
    ranked_server: Server, ranked_ceremony: DemoCeremony, browser: Browser, tmp_path: Path
) -> None:
    server = ranked_server
    eid = server.election_id
    watch = Watch()
    with _screenshots_on_failure(watch, tmp_path, server):
        for i, (locale, viewport) in enumerate(
            [("en-US", None), ("en-US", None), ("ru-RU", PHONE)]
        ):
            device = browser.new_context(locale=locale, viewport=viewport)
            watch.attach(device, f"voter-{i + 1}")
            page = device.new_page()
            sign_in_and_register(page, server, WEB_ROLL[i][0])
            if i == 0:
                vote_by_tapping(page, server)
            elif i == 1:
                vote_by_keyboard(page, server)
            else:
                vote_on_a_phone(page, server)
            watch.assert_clean()
            device.close()

        with httpx.Client(base_url=server.base_url, timeout=120) as client:
            election = election_over_http(server, ranked_ceremony, client)
            cast_through_the_service(server, election)
            count(server, election, ranked_ceremony)

        observer = browser.new_context(locale="en-US")
        watch.attach(observer, "observer")
        page = observer.new_page()
        check_results_page(page, server)
        watch.assert_clean()
        observer.close()

    published = server.get_json(f"/api/e/{eid}/results")
    assert published["ballots_counted"] == 6
    assert published["ranked"] == expected_ranked(server)
    r = httpx.get(server.url(f"/e/{eid}/record.jsonl"), timeout=120)
    assert r.status_code == 200, r.text[:500]
    report = verify_record(r.content.splitlines(keepends=True), workers=1)
    assert failed(report) == {"roll.units"}, describe(report)
    assert "contest 'leader' is counted by mixing and admits 216 different ballots" in next(
        c.detail for c in report.checks if c.name == "roll.units"
    )
