"""Primary day in a real browser on a 360 px phone, in Russian, Kazakh and English.

Against ``honestballot serve`` (SQLite; the whole-vote test in test_browser.py covers
PostgreSQL) with Debian's Chromium:

- every page a voter, observer or organiser opens is at most 360 px wide in all three
  languages (``document.documentElement.scrollWidth``), in an election with re-voting
  protection (the voter registers with the letter, audits a ballot and casts one, whose
  cast row is on the board);
- a language switch on the ballot keeps the choices;
- a ranked ballot, and a ranked election's results (instant-runoff rounds, Schulze's
  matrices), fit the phone in the three languages too;
- an expired code is named as such and a new one is one button away; a code limit says
  what happened and when to try again, in the voter's language;
- an organiser builds the election on the pages alone, in Kazakh: the manifest in the
  form, the election from it and the trustees' key file (swapped files named as such),
  the roll with a shared phone's exception recorded from the refusal, and the opening;
  the roll section then follows the election's phase through the close; and a ranked
  election from the form (too many places refused in Kazakh first).

One Chromium serves the module (each test opens its own contexts), and the voters'
tests share one server and election, each test with a voter of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update

from honestballot.cli.demo_revoting import ELECTION as DEMO_REVOTING
from honestballot.cli.demo_revoting import ServiceParts, play
from honestballot.cli.organiser_roll import Voter as RollVoter
from honestballot.crypto.group import Scalar, base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.protocol.election import manifest_hash
from honestballot.protocol.stations import prove_commission_key
from honestballot.record.manifest import manifest_to_json
from honestballot.record.stations import commission_key_to_json
from honestballot.record.trustee import encode_election_key
from honestballot.service.messages.senders import latest_code_for
from honestballot.service.paper import submit_paper
from honestballot.service.runtime import Services
from honestballot.store.schema import signin_codes
from honestballot.web.i18n import LANGUAGES, STRINGS
from honestballot.web.organiser_manifest import form_of
from tests.factories import (
    REVOTING_ELECTION,
    WEB_ELECTION,
    WEB_ROLL,
    DemoCeremonies,
    DemoCeremony,
    WebElection,
    make_encrypted_roll,
    open_web_app,
    publish_signed_station,
    web_roll_csv,
)
from tests.paper_helpers import make_upload, paper_election
from tests.web.test_browser import (
    AUDITED,
    FIRST,
    QUICK_SCHEDULE,
    STEP_TIMEOUT_MS,
    Server,
    Watch,
    _choose,
    _encrypt,
    _screenshots_on_failure,
    _serve,
    _sign_in,
    prepare_protected,
    register_with_the_letter,
    wait_for_cast_row,
)
from tests.web.test_browser_ranked import (
    cast_ballot,
    cast_through_the_service,
    count,
    election_over_http,
    encrypt,
    rank_by_tapping,
    serve_ranked,
    sign_in_and_register,
)
from tests.web.test_paper_results import close_with_paper, paper_results_ceremony

pytestmark = pytest.mark.slow

PHONE = {"width": 360, "height": 740}
#: the voters of the tests that share ``phone_server``: one each, so that none of them
#: finds a credential, a code or a limit another test left
VOTER = WEB_ROLL[0][0]  # votes and audits on every page's test
SWITCHING_VOTER = WEB_ROLL[1][0]  # switches language with choices made
CODE_VOTER = WEB_ROLL[4][0]  # lets a code expire
SECOND_VOTER = WEB_ROLL[3][0]  # asks for codes until the limit


#: the voters' activation letters (national ID -> code) of ``phone_server``'s election
PHONE_LETTERS: dict[str, str] = {}


@pytest.fixture(scope="module")
def phone_server(
    web_ceremony: DemoCeremony, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """One open election with re-voting protection for the voters' tests of this
    module, each with its own voter (starting a server and setting the election up took
    longer than most of them), with a station of the organiser's signing."""
    prepare = prepare_protected(
        web_ceremony, QUICK_SCHEDULE, PHONE_LETTERS, "phone election", _publish_station
    )
    with _serve("sqlite", tmp_path_factory.mktemp("phone"), prepare) as running:
        yield running


def _publish_station(services: Services, organiser: Scalar) -> None:
    """A paper station with a long address and a commission of five, for the pages,
    signed by the organiser."""
    rng = SeededRandomness("phone station")
    digest = manifest_hash(services.elections.context(WEB_ELECTION).manifest)
    secret = random_nonzero_scalar(rng)
    key = base_mul(secret)
    proof = prove_commission_key(digest, "station-1", secret, key, rng)
    members = [
        {"name": "Айгерім Сәрсенбайқызы Тоқтарова", "role": "chair", "nominated_by": "Nur Otan"},
        {"name": "Ерлан Омаров", "role": "deputy", "nominated_by": "Ақ жол"},
        {"name": "Иван Петрович Кузнецов-Ростовский", "role": "secretary", "nominated_by": ""},
        {"name": "Гүлнар Жақыпова", "role": "member", "nominated_by": "ЖСДП"},
        {"name": "Анна Ким", "role": "member", "nominated_by": "Respublica"},
    ]
    details = {
        "unit": "station-1",
        "address": {
            "ru": "Алматы, Бостандыкский район, улица Тимирязева 15Б, средняя школа-гимназия № 159",
            "kk": "Алматы, Бостандық ауданы, Тимирязев көшесі 15Б, № 159 мектеп-гимназия",
            "en": "Almaty, Bostandyk district, 15B Timiryazev Street, school-gymnasium No. 159",
        },
        "hours": "07:00–20:00",
        "paper": True,
        "members": members,
    }
    commission = dict(commission_key_to_json("station-1", digest, key, proof))
    publish_signed_station(services.elections, WEB_ELECTION, organiser, details, commission, rng)


def _say(key: str, lang: str, **values: object) -> str:
    text = STRINGS[key][LANGUAGES.index(lang)]
    for name, value in values.items():
        text = text.replace(f"{{{name}}}", str(value))
    return text


#: a Latin word of three letters or more: English, on a page that must be in Kazakh
_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def _no_english(page: Page, selector: str) -> None:
    """Every element ``selector`` finds is visible and holds no Latin word."""
    found = page.locator(selector)
    assert found.count() > 0, selector
    for i in range(found.count()):
        text = found.nth(i).inner_text()
        assert not _LATIN_WORD.search(text), f"English in {selector}: {text!r}"


def _width(page: Page) -> int:
    width: int = page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
    )
    return width


def _too_wide(page: Page, what: str, too_wide: list[str]) -> bool:
    """Whether the page is wider than the phone; if so, ``what`` with its width and the
    elements that overflow is added to ``too_wide``."""
    width = _width(page)
    if width <= PHONE["width"]:
        return False
    culprits = page.evaluate(_WIDE_ELEMENTS, PHONE["width"])
    too_wide.append(f"{what}: {width} px: {culprits}")
    return True


#: the innermost elements that reach past the viewport's right edge (for the failure message)
_WIDE_ELEMENTS = """(limit) => {
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    const inner = Array.from(el.children).some((c) => c.getBoundingClientRect().right > limit);
    if (r.right > limit && !inner) {
      out.push(`${el.tagName.toLowerCase()}.${el.className}: ${Math.round(r.right)} px `
        + `"${(el.textContent || '').trim().slice(0, 40)}"`);
    }
  }
  return out.slice(0, 5);
}"""


def _vote_and_audit(page: Page, server: Server) -> str:
    """Sign in, register a credential with the letter, audit one ballot, cast another,
    and wait until its cast row is on the board; the receipt path."""
    eid = server.election_id
    _sign_in(page, server, VOTER)
    register_with_the_letter(page, PHONE_LETTERS[VOTER])
    _encrypt(page, AUDITED)
    page.locator("#audit").click()
    expect(page.locator("#audit-result")).to_be_visible(timeout=STEP_TIMEOUT_MS)
    _encrypt(page, FIRST)
    page.locator("#cast").click()
    page.wait_for_url(f"**/e/{eid}/receipt/*")
    wait_for_cast_row(server, bytes.fromhex(page.url.rsplit("/", 1)[-1]))
    return "/" + page.url.split("/", 3)[3]


def test_every_page_fits_a_phone_in_every_language(
    phone_server: Server, browser: Browser, tmp_path: Path
) -> None:
    server = phone_server
    eid = server.election_id
    token = str(server.services.organisers.create_token("phone test"))
    watch = Watch()
    with _screenshots_on_failure(watch, tmp_path, server):
        device = browser.new_context(viewport=PHONE, locale="ru-RU")
        watch.attach(device, "phone")
        page = device.new_page()
        receipt = _vote_and_audit(page, server)
        tracking = page.locator("#tracking-code").inner_text().strip()
        # the organiser signs in on the same phone
        page.goto(server.url("/organiser"))
        page.locator("input[name=token]").fill(token)
        page.locator("form [type=submit]").click()
        page.wait_for_url("**/organiser/elections")

        paths = [
            "/",
            f"/e/{eid}",
            f"/e/{eid}/board",
            f"/e/{eid}/board?q={tracking}",
            f"/e/{eid}/board?q=nonsense",
            f"/e/{eid}/turnout",
            f"/e/{eid}/results",
            f"/e/{eid}/tree-heads",
            f"/e/{eid}/stations",
            f"/e/{eid}/reports",
            f"/e/{eid}/report",
            f"/e/{eid}/signin",
            f"/e/{eid}/vote",
            receipt,
            "/organiser/elections",
            # the proposed batch schedule of re-voting protection, over two days
            "/organiser/elections?voters=250000&opens_at=20&hours=30&interval=60",
            "/organiser/elections?voters=nonsense&opens_at=8&hours=12&interval=60",
            "/organiser/manifest",
            f"/organiser/e/{eid}",
            f"/organiser/e/{eid}/audit",
            f"/organiser/e/{eid}/stations",
            f"/organiser/e/{eid}/phase/close",
            "/no-such-page",
        ]
        too_wide = []
        for lang in LANGUAGES:
            for path in paths:
                joiner = "&" if "?" in path else "?"
                page.goto(server.url(f"{path}{joiner}lang={lang}"))
                page.wait_for_load_state("networkidle")
                if path.endswith("/turnout"):
                    expect(page.locator("[data-batches-posted]")).not_to_be_empty()
                if path == f"/e/{eid}/vote":
                    expect(page.locator("#contests fieldset").first).to_be_visible()
                if path == receipt:
                    expect(page.locator("#receipt-status")).not_to_have_attribute(
                        "data-state", "checking", timeout=STEP_TIMEOUT_MS
                    )
                if _too_wide(page, f"{path} [{lang}]", too_wide):
                    page.screenshot(path=str(tmp_path / f"wide-{len(too_wide)}.png"))
        assert not too_wide, "pages wider than 360 px:\n" + "\n".join(too_wide)
        # re-voting protection's schedule, proposed from the form as an organiser fills it
        page.goto(server.url("/organiser/elections?lang=en"))
        # the section is open, and the create form says the schedule comes first
        expect(page.locator("#plan-voters")).to_be_visible()
        expect(page.locator("#revoting-choice")).to_have_text(
            _say("organiser.revoting.use_first", "en")
        )
        page.locator("#plan-voters").fill("12 000")
        page.locator("#plan-opens-at").select_option("9")
        page.locator("#plan-form [type=submit]").click()
        expect(page.locator("#proposed-schedule")).to_be_visible()
        assert "opens_at=9" in page.url and page.url.endswith("#proposed")
        expect(page.locator("#proposed-schedule tbody tr").first).to_contain_text("09:00")
        # the create form carries the figures as read, not the text typed
        expect(page.locator("#create-form input[name=voters]")).to_have_value("12000")
        assert _width(page) <= PHONE["width"]
        # the board's tracking code and the fingerprint each stay on one line
        page.goto(server.url(f"/e/{eid}/board?lang=kk"))
        code = page.locator("table.board td.code span").first
        box = code.bounding_box()
        assert box is not None and box["height"] < 36, box  # one line of ~28 px
        page.goto(server.url(f"/e/{eid}?lang=ru"))
        fingerprint = page.locator("[data-fingerprint]").first
        box = fingerprint.bounding_box()
        assert box is not None and box["height"] < 36, box
        watch.forget("/no-such-page")
        watch.forget("nonsense")
        watch.assert_clean()


def test_a_language_switch_keeps_the_choices(
    phone_server: Server, browser: Browser, tmp_path: Path
) -> None:
    server = phone_server
    watch = Watch()
    with _screenshots_on_failure(watch, tmp_path, server):
        device = browser.new_context(viewport=PHONE, locale="ru-RU")
        watch.attach(device, "voter")
        page = device.new_page()
        _sign_in(page, server, SWITCHING_VOTER)
        register_with_the_letter(page, PHONE_LETTERS[SWITCHING_VOTER])
        _choose(page, FIRST)
        page.locator("nav.langs a", has_text="KK").click()
        page.wait_for_url("**lang=kk")
        expect(page.locator("html")).to_have_attribute("lang", "kk")
        expect(page.locator("#contests fieldset").first).to_be_visible()
        for contest, options in FIRST.items():
            inputs = page.locator(f'fieldset[data-contest="{contest}"] input')
            for i in range(inputs.count()):
                box = inputs.nth(i)
                value = box.get_attribute("value")
                if value in options:
                    expect(box).to_be_checked()
                else:
                    expect(box).not_to_be_checked()
        # the kept choices are read once: a plain reload starts empty again
        page.reload()
        expect(page.locator("#contests fieldset").first).to_be_visible()
        expect(page.locator("#contests input:checked")).to_have_count(0)
        watch.assert_clean()


def test_sign_in_explains_itself(phone_server: Server, browser: Browser, tmp_path: Path) -> None:
    server = phone_server
    eid = server.election_id
    watch = Watch()
    with _screenshots_on_failure(watch, tmp_path, server):
        device = browser.new_context(viewport=PHONE, locale="kk-KZ")
        watch.attach(device, "voter")
        page = device.new_page()
        page.goto(server.url(f"/e/{eid}/signin?lang=kk"))
        page.locator("#signin-form input[name=national_id]").fill(CODE_VOTER)
        page.locator("#signin-form [type=submit]").click()
        page.wait_for_url(f"**/e/{eid}/code")
        first = latest_code_for(server.outbox, server.destination(CODE_VOTER))
        assert first is not None
        # the code outlives its ten minutes
        with server.services.store.engine.begin() as conn:
            conn.execute(update(signin_codes).values(expires_ms=0))
        page.locator("#code-form input[name=code]").fill(first)
        page.locator("#code-form [type=submit]").click()
        expect(page.locator("#code-error")).to_have_text(_say("msg.signin.code_expired", "kk"))
        _no_english(page, "#code-error, #new-code-form")
        page.locator("#new-code-form [type=submit]").click()
        expect(page.locator("#code-sent")).to_have_text(_say("voter.code.resent", "kk"))
        second = latest_code_for(server.outbox, server.destination(CODE_VOTER))
        assert second is not None and second != first
        wrong = f"{(int(second) + 1) % 1_000_000:06d}"
        page.locator("#code-form input[name=code]").fill(wrong)
        page.locator("#code-form [type=submit]").click()
        expect(page.locator("#code-error")).to_contain_text("Код қате. Қалған әрекет саны:")
        _no_english(page, "#code-error")
        page.locator("#code-form input[name=code]").fill(second)
        page.locator("#code-form [type=submit]").click()
        page.wait_for_url(f"**/e/{eid}/vote")

        # another voter asks for codes again and again: the limit says what and when
        other = browser.new_context(viewport=PHONE, locale="kk-KZ")
        watch.attach(other, "other")
        page = other.new_page()
        for _ in range(6):
            page.goto(server.url(f"/e/{eid}/signin?lang=kk"))
            page.locator("#signin-form input[name=national_id]").fill(SECOND_VOTER)
            page.locator("#signin-form [type=submit]").click()
            page.wait_for_load_state()
            if page.locator("#signin-error").count():
                break
        error = page.locator("#signin-error")
        expect(error).to_contain_text(_say("msg.rate.code_requests", "kk").split("{")[0])
        assert re.search(r"\d+ (минуттан|секундтан) кейін", error.inner_text())
        _no_english(page, "#signin-error")
        assert _width(page) <= PHONE["width"]
        # the 401 of the expired code and the 429 of the limit are the point
        watch.forget(f"/e/{eid}/code")
        watch.forget(f"/e/{eid}/signin")
        watch.assert_clean()


@pytest.fixture
def empty_server(tmp_path: Path) -> Iterator[Server]:
    """``honestballot serve`` with no election yet: the organiser makes it."""
    with _serve("sqlite", tmp_path, lambda services: None) as running:
        yield running


#: the organiser's key of the elections the organiser builds on the pages, and the plan
#: whose proposed schedule the create form then carries (few cover replacements: the
#: close posts them, and a phone test has no time for 300)
BUILDER_ORGANISER = random_nonzero_scalar(SeededRandomness("builder organiser"))
PLAN_PAGE = (
    "/organiser/elections?voters=40&opens_at=8&hours=12&interval=60&k0=0&epsilon=1#proposed"
)


def _create_on_the_page(page: Page, manifest: Path, key: Path) -> None:
    """The elections page's create form (the proposed schedule shown) sent with the
    builder's organiser's key and these two files."""
    page.locator("#organiser-key").fill(base_mul(BUILDER_ORGANISER).hex())
    page.locator("#manifest").set_input_files(str(manifest))
    page.locator("#election-key").set_input_files(str(key))
    page.locator("form[action='/organiser/elections'] [type=submit]").click()


FAMILY_ROLL = (
    web_roll_csv().decode()
    + "900101300031,Saule Family,+7 701 000 0077,,station-1\n"
    + "900101300032,Nurlan Family,+7 701 000 0077,,station-1\n"
)


def test_an_organiser_builds_the_election_on_the_pages(
    empty_server: Server, web_ceremony: DemoCeremony, browser: Browser, tmp_path: Path
) -> None:
    """In Kazakh on a phone: the manifest built in the form (and downloaded), the election
    created from it and the trustees' key file (the two files swapped first: named as
    such), a roll refused for a shared phone, the exception recorded from that refusal,
    the roll imported, and voting opened: the pages alone, no JSON written by hand (but
    the encrypted roll, made on the organiser's machine).  Then
    the roll section follows the phase: frozen while open, and after the close."""
    server = empty_server
    token = str(server.services.organisers.create_token("builder"))
    key_file = tmp_path / "election-key.json"
    key_file.write_text(json.dumps(encode_election_key(web_ceremony.key)))
    roll_file = tmp_path / "roll.csv"
    roll_file.write_text(FAMILY_ROLL)
    form, contests = form_of(manifest_to_json(web_ceremony.manifest))
    watch = Watch()
    with _screenshots_on_failure(watch, tmp_path, server):
        device = browser.new_context(viewport=PHONE, locale="kk-KZ", accept_downloads=True)
        watch.attach(device, "organiser")
        page = device.new_page()
        page.goto(server.url("/organiser"))
        page.locator("input[name=token]").fill("hbo_not-a-token")
        page.locator("form [type=submit]").click()
        expect(page.locator("[role=alert]")).to_have_text(_say("organiser.signin.failed", "kk"))
        _no_english(page, "[role=alert]")
        page.locator("input[name=token]").fill(token)
        page.locator("form [type=submit]").click()
        page.wait_for_url("**/organiser/elections")

        # the manifest, typed into the form
        page.locator("#manifest-form-link").click()
        page.locator("#election-id").fill(form["election_id"])
        for lang in LANGUAGES:
            page.locator(f"#title-{lang}").fill(form[f"title_{lang}"])
        page.locator("#min-unit-size").fill(form["min_unit_size"])
        page.locator("#units").fill(form["units"])
        page.locator("#contests").fill(contests)
        page.locator("#manifest-form [value=check]").click()
        expect(page.locator("#manifest-hash")).to_have_text(
            manifest_hash(web_ceremony.manifest).hex()
        )
        with page.expect_download() as download:
            page.locator("#manifest-form [value=download]").click()
        manifest_file = tmp_path / "manifest.json"
        download.value.save_as(manifest_file)

        # create it with re-voting protection on the proposed schedule: first with the
        # two files swapped
        for manifest_in, key_in in ((key_file, manifest_file), (manifest_file, key_file)):
            page.goto(server.url(PLAN_PAGE))
            expect(page.locator("#revoting-choice")).to_have_text(
                _say("organiser.revoting.use", "kk")
            )
            _create_on_the_page(page, manifest_in, key_in)
            if manifest_in == key_file:
                expect(page.locator("[role=alert] .error")).to_have_text(
                    _say("msg.organiser.files_swapped", "kk")
                )
                _no_english(page, "[role=alert]")
        page.wait_for_url(f"**/organiser/e/{WEB_ELECTION}?done=created**")
        assert server.services.elections.context(WEB_ELECTION).revoting
        dashboard = server.url(f"/organiser/e/{WEB_ELECTION}")

        # a contact that is no phone number: said in Kazakh
        page.locator("#contact").fill("12")
        page.locator("#reason").fill("бір отбасы")
        page.locator("form[action$='/exceptions'] [type=submit]").click()
        expect(page.locator("[role=alert] .error")).to_contain_text("'12' телефонындағы")
        _no_english(page, "[role=alert]")

        # the roll: refused for the shared phone, the exception recorded from there
        page.locator("#roll-file").set_input_files(str(roll_file))
        page.locator("form[action$='/roll'] [type=submit]").click()
        problems = page.locator("ul.problems li")
        expect(problems).to_have_count(1)
        expect(problems.first).to_contain_text("9-жол: 77010000077 телефоны 8-жолда")
        _no_english(page, "[role=alert]")
        page.locator("#shared-reason").fill("бір отбасының телефоны")
        page.locator("#shared-contacts-form [type=submit]").click()
        page.wait_for_url("**done=exception")
        page.locator("#roll-file").set_input_files(str(roll_file))
        page.locator("form[action$='/roll'] [type=submit]").click()
        page.wait_for_url("**done=roll")
        expect(page.locator("#voters-total")).to_have_text(str(len(WEB_ROLL) + 2))
        # the encrypted roll, made on the organiser's machine (its upload through the
        # page: tests/web/test_organiser_schedule.py)
        family = [RollVoter(nid, name, unit) for nid, name, _, _, unit in WEB_ROLL] + [
            RollVoter("900101300031", "Saule Family", "station-1"),
            RollVoter("900101300032", "Nurlan Family", "station-1"),
        ]
        services = server.services
        make_encrypted_roll(
            services.elections, services.roll, WEB_ELECTION, BUILDER_ORGANISER, family,
            SeededRandomness("builder's roll"),
        )  # fmt: skip
        page.goto(dashboard)

        page.locator(f'a[href="/organiser/e/{WEB_ELECTION}/phase/open"]').click()
        page.locator("form[action$='/phase/open'] [type=submit]").click()
        page.wait_for_url("**done=open")
        expect(page.locator(".phase-now")).to_have_attribute("data-phase", "open")
        assert _width(page) <= PHONE["width"]

        # the roll section follows the phase: frozen while open, and after the close
        state = page.locator("[data-roll-state]")
        expect(state).to_have_text(_say("organiser.roll.frozen.open", "kk"))
        page.locator(f'a[href="/organiser/e/{WEB_ELECTION}/phase/close"]').click()
        page.locator("form[action$='/phase/close'] [type=submit]").click()
        page.wait_for_url(f"**/organiser/e/{WEB_ELECTION}?done=close")
        expect(state).to_have_text(_say("organiser.roll.frozen.after", "kk"))
        expect(page.locator(".phase-now")).to_have_attribute("data-phase", "closed")
        watch.forget("/organiser/signin")  # the 401 of the wrong token
        watch.forget("/organiser/elections")  # the 400 of the swapped files
        watch.forget(f"/organiser/e/{WEB_ELECTION}/roll")  # the refused roll
        watch.forget(f"/organiser/e/{WEB_ELECTION}/exceptions")  # the bad contact
        watch.assert_clean()
    assert server.services.elections.phase(WEB_ELECTION) == "closed"
    assert dict(server.services.roll.exceptions(WEB_ELECTION)) == {
        "77010000077": "бір отбасының телефоны"
    }


def test_an_organiser_makes_a_ranked_election_in_the_form(
    empty_server: Server, ranked_ceremony: DemoCeremony, browser: Browser, tmp_path: Path
) -> None:
    """In Kazakh on a phone: ranked contests typed in the manifest form (one with more
    places than candidates first: refused in Kazakh, the text kept), the hash Python
    computes, and the election created from the downloaded file and the trustees' key."""
    server = empty_server
    token = str(server.services.organisers.create_token("ranked builder"))
    key_file = tmp_path / "election-key.json"
    key_file.write_text(json.dumps(encode_election_key(ranked_ceremony.key)))
    form, contests = form_of(manifest_to_json(ranked_ceremony.manifest))
    leader_head = "leader; 1; 3; yes; Лидер партии; Партия жетекшісі; Party leader; irv"
    assert leader_head in contests  # the ranked contest as the organiser types it
    too_many = contests.replace(leader_head, leader_head.replace("; 1; 3;", "; 1; 5;"))
    watch = Watch()
    with _screenshots_on_failure(watch, tmp_path, server):
        device = browser.new_context(viewport=PHONE, locale="kk-KZ", accept_downloads=True)
        watch.attach(device, "organiser")
        page = device.new_page()
        page.goto(server.url("/organiser"))
        page.locator("input[name=token]").fill(token)
        page.locator("form [type=submit]").click()
        page.wait_for_url("**/organiser/elections")
        page.locator("#manifest-form-link").click()
        expect(page.locator("#ranks-cap")).to_contain_text("«итальяндық шабуыл»")
        page.locator("#election-id").fill(form["election_id"])
        for lang in LANGUAGES:
            page.locator(f"#title-{lang}").fill(form[f"title_{lang}"])
        page.locator("#min-unit-size").fill(form["min_unit_size"])
        page.locator("#units").fill(form["units"])
        page.locator("#contests").fill(too_many)
        page.locator("#manifest-form [value=check]").click()
        expect(page.locator("#manifest-error")).to_have_text(
            _say(
                "msg.manifest.ranked.ranks",
                "kk",
                contest="leader",
                most=10,
                candidates=4,
                ranks=5,
            )
        )
        expect(page.locator("#contests")).to_have_value(too_many)
        assert _width(page) <= PHONE["width"]

        page.locator("#contests").fill(contests)
        page.locator("#manifest-form [value=check]").click()
        expect(page.locator("#manifest-hash")).to_have_text(
            manifest_hash(ranked_ceremony.manifest).hex()
        )
        # the roll each ranked contest needs (docs/ranked.md), in Kazakh
        expect(page.locator("#roll-needs p")).to_have_text(
            [
                _say("msg.roll_needs.needed_ranked", "kk", contest=contest, rows=rows,
                     per=100, needed=rows * 100)
                for contest, rows in (("leader", 216), ("council", 125))
            ]
        )  # fmt: skip
        assert _width(page) <= PHONE["width"]
        with page.expect_download() as download:
            page.locator("#manifest-form [value=download]").click()
        manifest_file = tmp_path / "manifest.json"
        download.value.save_as(manifest_file)

        page.goto(server.url(PLAN_PAGE))
        _create_on_the_page(page, manifest_file, key_file)
        page.wait_for_url(f"**/organiser/e/{WEB_ELECTION}?done=created**")
        # 40 expected voters are fewer than either contest needs on the roll: created,
        # and the election's page warns of it, in Kazakh, on the phone
        expect(page.locator("#roll-needs p")).to_have_text(
            [
                _say("msg.roll_needs.expected_ranked", "kk", contest=contest, rows=rows,
                     per=100, needed=rows * 100, voters=40)
                for contest, rows in (("leader", 216), ("council", 125))
            ]
        )  # fmt: skip
        assert _width(page) <= PHONE["width"]
        watch.forget("/organiser/manifest")  # the 400 of the refused places
        watch.assert_clean()
    created = server.services.elections.context(WEB_ELECTION).manifest
    assert manifest_hash(created) == manifest_hash(ranked_ceremony.manifest)
    assert [c.method for c in created.contests] == [None, "irv", "schulze"]


@pytest.fixture
def ranked_phone_server(ranked_ceremony: DemoCeremony, tmp_path: Path) -> Iterator[Server]:
    """An open election with two ranked contests (tests/factories.ranked_web_manifest) and
    re-voting protection."""
    with serve_ranked("sqlite", tmp_path, ranked_ceremony) as running:
        yield running


def test_ranked_pages_fit_a_phone_in_every_language(
    ranked_phone_server: Server, ranked_ceremony: DemoCeremony, browser: Browser, tmp_path: Path
) -> None:
    """A ranked ballot (every place taken, so the ranking and the "full" note show) and,
    once counted, the results with the instant-runoff rounds and Schulze's matrices are
    at most 360 px wide in all three languages."""
    server = ranked_phone_server
    eid = server.election_id
    watch = Watch()
    with _screenshots_on_failure(watch, tmp_path, server):
        device = browser.new_context(viewport=PHONE, locale="ru-RU")
        watch.attach(device, "phone")
        page = device.new_page()
        sign_in_and_register(page, server, VOTER)
        page.locator('input[name="contest-chair"][value="cand-4"]').check()
        rank_by_tapping(page, "leader", ["erlan", "dana", "aigerim"])
        rank_by_tapping(page, "council", ["zarina", "xenia", "yuri"])
        too_wide = []
        for lang in ("kk", "en", "ru"):
            page.locator("nav.langs a", has_text=lang.upper()).click()
            page.wait_for_url(f"**lang={lang}")
            expect(page.locator('fieldset[data-contest="leader"] .rank-full')).to_be_visible()
            if _width(page) > PHONE["width"]:
                too_wide.append(f"vote [{lang}]: {_width(page)} px")
        receipt = cast_ballot(page, server, encrypt(page))
        with httpx.Client(base_url=server.base_url, timeout=120) as client:
            election = election_over_http(server, ranked_ceremony, client)
            cast_through_the_service(server, election)
            count(server, election, ranked_ceremony)
        for lang in LANGUAGES:
            for path in (f"/e/{eid}/results", f"/e/{eid}", f"/e/{eid}/board"):
                page.goto(server.url(f"{path}?lang={lang}"))
                page.wait_for_load_state("networkidle")
                if path.endswith("/results"):
                    expect(page.locator("section.ranked-result")).to_have_count(2)
                _too_wide(page, f"{path} [{lang}]", too_wide)
        page.goto(server.url(f"/e/{eid}/receipt/{receipt}?lang=kk"))
        if _width(page) > PHONE["width"]:
            too_wide.append(f"receipt [kk]: {_width(page)} px")
        assert not too_wide, "pages wider than 360 px:\n" + "\n".join(too_wide)
        watch.assert_clean()


@pytest.fixture
def revoting_phone_server(tmp_path: Path) -> Iterator[Server]:
    """An election with re-voting protection counted to its result: the coerced-voter
    demo's election (cli/demo_revoting.py) played on the server's services."""

    def prepare(services: Services) -> None:
        parts = ServiceParts(
            services.elections, services.roll, services.revoting, services.batches,
            services.close,
        )  # fmt: skip
        play(parts, tmp_path / "trustees", votes_again=True, voters=12, seed=7)

    (tmp_path / "trustees").mkdir()
    with _serve("sqlite", tmp_path, prepare) as running:
        yield running


def test_an_election_with_re_voting_protection_fits_a_phone_in_every_language(
    revoting_phone_server: Server, browser: Browser, tmp_path: Path
) -> None:
    """Its results (the reporting units, the close's totals and why only counted ballots
    are shown per unit), its election page and its board are at most 360 px wide in all
    three languages, with no English in Russian or Kazakh on the results."""
    server = revoting_phone_server
    watch = Watch()
    with _screenshots_on_failure(watch, tmp_path, server):
        device = browser.new_context(viewport=PHONE, locale="ru-RU")
        watch.attach(device, "phone")
        page = device.new_page()
        too_wide = []
        for lang in LANGUAGES:
            for path in (f"/e/{DEMO_REVOTING}/results", f"/e/{DEMO_REVOTING}",
                         f"/e/{DEMO_REVOTING}/board"):  # fmt: skip
                page.goto(server.url(f"{path}?lang={lang}"))
                page.wait_for_load_state("networkidle")
                if path.endswith("/results"):
                    expect(page.locator("[data-close-totals] tr[data-close]")).to_have_count(8)
                    if lang != "en":
                        _no_english(page, "[data-close-why]")
                _too_wide(page, f"{path} [{lang}]", too_wide)
        assert not too_wide, "pages wider than 360 px:\n" + "\n".join(too_wide)
        watch.assert_clean()


@pytest.fixture
def paper_phone_server(demo_ceremony: DemoCeremonies, tmp_path: Path) -> Iterator[Server]:
    """An open election with re-voting protection and paper stations
    (tests/paper_helpers.py): station-1 has sent its results and a correction, station-4
    nothing yet."""

    def prepare(services: Services) -> None:
        # paper_election and make_upload read only the services and the database's URL
        # of the web election they are given
        web = cast(
            WebElection,
            SimpleNamespace(services=services, database_url=services.config.database_url),
        )
        election = paper_election(web, demo_ceremony(REVOTING_ELECTION), tmp_path)
        for voted in ("1\n2\n", "2\n"):
            body = make_upload(election, tmp_path, voted)
            submit_paper(services.elections, election.id, "station-1", body)

    with _serve("sqlite", tmp_path, prepare) as running:
        yield running


def test_the_paper_pages_fit_a_phone_in_every_language(
    paper_phone_server: Server, browser: Browser, tmp_path: Path
) -> None:
    """The stations page with a station's paper protocol (its contests unfolded) and one
    without, the commission's page of each -- also showing a refused upload -- and the
    organiser's stations page (the signed station file) are at most 360 px wide in all
    three languages."""
    server = paper_phone_server
    eid = REVOTING_ELECTION
    watch = Watch()
    with _screenshots_on_failure(watch, tmp_path, server):
        device = browser.new_context(viewport=PHONE, locale="ru-RU")
        watch.attach(device, "phone")
        page = device.new_page()
        too_wide = []

        def measure(what: str) -> None:
            _too_wide(page, what, too_wide)

        # the organiser's stations page of an election with the organiser's key: the
        # signed station file's form and its instructions
        page.goto(server.url("/organiser"))
        page.locator("input[name=token]").fill(str(server.services.organisers.create_token("p")))
        page.locator("form [type=submit]").click()
        page.wait_for_url("**/organiser/elections")
        for lang in LANGUAGES:
            page.goto(server.url(f"/organiser/e/{eid}/stations?lang={lang}"))
            expect(page.locator("input[name=signed]")).to_have_count(1)
            measure(f"organiser stations, signed [{lang}]")
        for lang in LANGUAGES:
            page.goto(server.url(f"/e/{eid}/stations?lang={lang}"))
            protocols = page.locator("[data-paper-protocol]")
            expect(protocols).to_have_count(1)
            expect(page.locator("[data-no-paper]")).to_have_count(1)
            expect(page.locator("[data-commission-link]")).to_have_count(2)
            summaries = page.locator("details.paper-contest summary")
            for i in range(summaries.count()):
                summaries.nth(i).click()
            expect(page.locator("details.paper-contest[open]")).to_have_count(summaries.count())
            expect(protocols.locator('[data-n="uploads"] td')).to_have_text("2")
            # not declared final: said, and wrapped within the phone's width
            expect(protocols.locator('[data-final="no"]')).to_have_count(1)
            measure(f"stations [{lang}]")
            page.locator("[data-commission-link]").first.click()
            page.wait_for_url(f"**/e/{eid}/stations/station-1/paper")
            expect(page.locator(".paper-uploads li")).to_have_count(2)
            page.locator("details.paper-contest summary").first.click()
            measure(f"station-1/paper [{lang}]")
            # a refused upload: said in the page's language, the pasted text kept
            page.locator("#paper-text").fill('{"unit": "station-1"')
            page.locator("#paper-form [type=submit]").click()
            expect(page.locator("[data-paper-error]")).to_contain_text(_say("msg.paper.what", lang))
            expect(page.locator("[role=alert]")).to_contain_text(_say("paper.refused", lang))
            expect(page.locator("#paper-text")).to_have_value('{"unit": "station-1"')
            measure(f"station-1/paper refused [{lang}]")
            page.goto(server.url(f"/e/{eid}/stations/station-4/paper?lang={lang}"))
            expect(page.locator("[data-no-paper]")).to_have_text(_say("paper.none", lang))
            measure(f"station-4/paper [{lang}]")
        assert not too_wide, "pages wider than 360 px:\n" + "\n".join(too_wide)
        watch.forget(f"/e/{eid}/stations/station-1/paper")  # the 400s of the refusals
        watch.assert_clean()
    assert (
        sum(1 for _ in server.services.store.iter_events(eid, kinds=("paper",))) == 2
    )  # the refusals appended nothing


@pytest.fixture
def paper_results_phone_server(web_ceremony: DemoCeremony, tmp_path: Path) -> Iterator[Server]:
    """An election with re-voting protection and three paper stations counted to its
    result (tests/web/test_paper_results.py: one station's list cancels an e-vote, one
    is named by the close, one sent nothing)."""
    ceremony = paper_results_ceremony(tmp_path / "ceremony")
    found: list[str] = []

    def prepare(services: Services) -> None:
        (tmp_path / "app").mkdir()
        url = services.config.database_url
        with open_web_app(web_ceremony, tmp_path / "app", url) as web:
            found.append(close_with_paper(web, ceremony, tmp_path / "app").election.id)

    with _serve("sqlite", tmp_path, prepare) as running:
        yield replace(running, election_id=found[0])


def test_the_results_with_paper_ballots_fit_a_phone_in_every_language(
    paper_results_phone_server: Server, browser: Browser, tmp_path: Path
) -> None:
    """The results page of an election with paper stations (the combined counts with the
    e-votes and paper ballots beside them, in total and per unit, the paper numbers per
    unit, the cancelled e-votes and the stations, one named by the close) is at most
    360 px wide in all three languages, with no English in Russian or Kazakh in its paper
    section but the check's name."""
    server = paper_results_phone_server
    eid = server.election_id
    watch = Watch()
    with _screenshots_on_failure(watch, tmp_path, server):
        device = browser.new_context(viewport=PHONE, locale="ru-RU")
        watch.attach(device, "phone")
        page = device.new_page()
        too_wide = []
        for lang in LANGUAGES:
            page.goto(server.url(f"/e/{eid}/results?lang={lang}"))
            page.wait_for_load_state("networkidle")
            expect(page.locator("[data-ballots] tr")).to_have_count(3)
            expect(page.locator("[data-paper-station]")).to_have_count(3)
            expect(page.locator("[data-station-failures]")).to_have_count(1)
            assert page.locator("table.split").count() > 2  # per unit as well
            if lang != "en":
                for selector in (
                    "[data-paper-units]",
                    "[data-cancelled-why]",
                    "[data-no-protocol]",
                ):
                    _no_english(page, selector)
            _too_wide(page, f"results [{lang}]", too_wide)
            # a station's link goes to its protocol on the stations page
            page.locator("[data-protocol-link]").first.click()
            page.wait_for_url(f"**/e/{eid}/stations#station-station-1")
            expect(page.locator("#station-station-1 [data-paper-protocol]")).to_have_count(1)
        assert not too_wide, "pages wider than 360 px:\n" + "\n".join(too_wide)
        watch.assert_clean()
