"""Re-voting protection on the organiser's pages (SQLite and PostgreSQL): the create form
proposes the batch schedule from the expected voters, the opening hour, the hours and the
batch interval (protocol/schedule_plan.py) and shows it in Russian, Kazakh and English
before anything is created; the election it creates has that schedule in its setup; bad
figures, a missing or bad organiser's key are said in the organiser's language and create
nothing; and the election's page takes the encrypted roll that lets it open.  The
cover replacements' K0 and epsilon chosen on the form go into the setup (and must fit
the proposed schedule), and the election's page and the observers' results show them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from httpx import Response

from honestballot.crypto.group import base_mul
from honestballot.protocol.schedule_plan import Plan, hour_runs, slots
from honestballot.record.codec import parse_json
from honestballot.record.manifest import manifest_to_json
from honestballot.record.trustee import encode_election_key
from honestballot.record.witness import schedule_to_json
from honestballot.web.i18n import LANGUAGES, STRINGS
from tests.factories import WEB_ROLL, DemoCeremonies, WebElection, web_roll_csv
from tests.web.test_encrypted_roll import ELECTION, ORGANISER_SECRET, _make_roll
from tests.web.test_organiser import INLINE_CODE, page_csrf, sign_in_page

PLAN = {"voters": "5 000", "opens_at": "8", "hours": "12", "interval": "60"}
THE_PLAN = Plan(voters=5000, opens_at=8, hours=12, interval=60)
ORGANISER_KEY = base_mul(ORGANISER_SECRET).hex()


def said(key: str, lang: str, **values: Any) -> str:
    """A catalogue text as the page shows it (HTML-escaped as Jinja escapes it)."""
    text = STRINGS[key][LANGUAGES.index(lang)].format(**values)
    return text.replace("&", "&amp;").replace("'", "&#39;").replace('"', "&#34;")


def files(demo_ceremony: DemoCeremonies) -> dict[str, tuple[str, bytes]]:
    made = demo_ceremony(ELECTION)
    return {
        "manifest": ("m.json", json.dumps(manifest_to_json(made.manifest)).encode()),
        "election_key": ("k.json", json.dumps(encode_election_key(made.key)).encode()),
    }


def create(
    web: WebElection, demo_ceremony: DemoCeremonies, csrf: str, lang: str = "ru", **form: str
) -> Response:
    r: Response = web.client.post(
        f"/organiser/elections?lang={lang}",
        files=files(demo_ceremony),
        data={"csrf": csrf, **form},
        follow_redirects=False,
    )
    return r


def created(web: WebElection) -> bool:
    return web.services.board.election_row(ELECTION) is not None


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_form_shows_the_proposed_schedule_in_every_language(
    web: WebElection, lang: str
) -> None:
    sign_in_page(web.client, web.organiser_token)
    plain = web.client.get(f"/organiser/elections?lang={lang}")
    assert plain.status_code == 200
    # the choice and what it means are there before any figure is given, with no table
    assert said("organiser.revoting.title", lang) in plain.text
    assert said("organiser.revoting.for_voters", lang) in plain.text
    assert said("organiser.revoting.for_organiser", lang) in plain.text
    assert 'id="proposed-schedule"' not in plain.text
    # every election has re-voting protection: the create form asks for the proposed
    # schedule first, and offers no other choice
    assert said("organiser.revoting.default", lang) in plain.text
    form = plain.text.split('id="create-form"', 1)[1]
    assert said("organiser.revoting.use_first", lang) in form
    assert 'name="revoting"' not in form
    assert '<input type="hidden" name="voters"' not in form

    page = web.client.get("/organiser/elections", params={**PLAN, "lang": lang})
    assert page.status_code == 200, page.text
    assert f'<html lang="{lang}">' in page.text
    for pattern in INLINE_CODE:
        assert not pattern.search(page.text), pattern.pattern
    assert not re.search(r"\borganiser\.[a-z_]+", page.text.replace("/static/organiser.css", ""))
    schedule = THE_PLAN.schedule()
    total = slots(schedule)
    summary = said(
        "organiser.revoting.summary",
        lang,
        voters=5000,
        hours=12,
        batches=total.batches,
        rows=total.rows,
        registrations=total.registrations,
    )
    assert summary in page.text
    table = page.text.split('id="proposed-schedule"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>(.*?)</td><td class=\"num\">(\d+)</td><td class=\"num\">(\d+)"
                      r"</td><td class=\"num\">(\d+)</td></tr>", table)  # fmt: skip
    runs = hour_runs(THE_PLAN, schedule)
    assert [(int(e), int(r), int(g)) for _, e, r, g in rows] == [
        (run.expected, run.rows, run.registrations) for run in runs
    ]
    assert "08:00–09:00" in rows[0][0] and "19:00–20:00" in rows[-1][0]
    # the create form carries the plan and asks for the organiser's key
    form = page.text.split('id="create-form"', 1)[1]
    assert said("organiser.revoting.use", lang) in form
    assert said("organiser.revoting.use_first", lang) not in form
    assert 'name="revoting"' not in form
    # (as read: "5 000" typed is 5000, and K0 and epsilon left empty are their defaults)
    read = {**PLAN, "voters": "5000", "k0": "300", "epsilon": "0.1"}
    for name, value in read.items():
        assert f'<input type="hidden" name="{name}" value="{value}">' in form
    assert said("organiser.create.organiser_key", lang) in form


@pytest.mark.parametrize(
    ("lang", "query", "key", "values"),
    [
        ("kk", {"voters": "много"}, "msg.schedule.voters_number", {}),
        ("ru", {"voters": "0"}, "msg.schedule.voters", {"most": 200_000_000, "given": 0}),
        ("en", {"hours": "800"}, "msg.schedule.hours", {"most": 744, "given": 800}),
        (
            "ru",
            {"interval": "70"},
            "msg.schedule.interval",
            {"least": 10, "most": 3600, "given": 70},
        ),
        (
            "kk",
            {"voters": "40000000", "hours": "1", "interval": "3600"},
            "msg.schedule.too_big",
            {"items": 80_000_000 + 2 * 439, "most": 5000},  # with room for the cover
        ),
    ],
)
def test_bad_figures_are_said_in_the_organisers_language(
    web: WebElection, lang: str, query: dict[str, str], key: str, values: dict[str, Any]
) -> None:
    sign_in_page(web.client, web.organiser_token)
    page = web.client.get("/organiser/elections", params={**PLAN, **query, "lang": lang})
    assert page.status_code == 400, page.text
    assert said(key, lang, **values) in page.text
    assert said("organiser.revoting.failed", lang) in page.text  # not "was not created"
    assert said("organiser.create.failed", lang) not in page.text
    assert 'id="proposed-schedule"' not in page.text  # no schedule for bad figures
    # the figures stay in the fields to correct
    for name, value in {**PLAN, **query}.items():
        if name != "opens_at" and name != "interval":
            assert f'name="{name}" value="{value}"' in page.text


def test_the_page_creates_an_election_with_the_proposed_schedule(
    web: WebElection, demo_ceremony: DemoCeremonies
) -> None:
    csrf = sign_in_page(web.client, web.organiser_token)
    r = create(web, demo_ceremony, csrf, organiser_key=ORGANISER_KEY, **PLAN)
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/organiser/e/{ELECTION}?done=created#encrypted-roll"
    keys = web.services.elections.board_keys(ELECTION)
    assert keys.schedule == THE_PLAN.schedule()
    assert keys.organiser_key is not None and keys.organiser_key.hex() == ORGANISER_KEY
    setup = next(web.services.store.iter_events(ELECTION))
    body = parse_json(setup.line)["body"]
    assert body["schedule"] == schedule_to_json(THE_PLAN.schedule())
    assert web.services.elections.context(ELECTION).revoting

    # the election's page names the step that must come before opening
    page = web.client.get(f"/organiser/e/{ELECTION}?done=created&lang=en")
    assert page.status_code == 200
    section = page.text.split('id="encrypted-roll"', 1)[1].split("</section>", 1)[0]
    fingerprint = web.services.elections.context(ELECTION).base_hash.hex()[:16]
    assert f"--fingerprint {fingerprint}" in section
    assert said("organiser.encrypted_roll.schedule", "en", interval=60, hours=12) in section
    assert f'action="/organiser/e/{ELECTION}/encrypted-roll"' in section
    assert 'id="no-revoting"' not in page.text
    # the open confirmation says that its encrypted roll must come first (it offers no
    # open without one)
    confirm = web.client.get(f"/organiser/e/{ELECTION}/phase/open?lang=kk")
    assert confirm.status_code == 200 and f"/organiser/e/{ELECTION}#encrypted-roll" in confirm.text
    assert said("msg.encrypted_roll.missing", "kk") in confirm.text
    assert f'action="/organiser/e/{ELECTION}/phase/open"' not in confirm.text
    assert 'id="no-revoting"' not in confirm.text
    assert said("organiser.revoting.none", "kk") not in confirm.text


def test_bad_input_creates_nothing_and_says_why(
    web: WebElection, demo_ceremony: DemoCeremonies
) -> None:
    csrf = sign_in_page(web.client, web.organiser_token)
    # bad figures, in Kazakh
    r = create(web, demo_ceremony, csrf, "kk", organiser_key=ORGANISER_KEY,
               **{**PLAN, "hours": "0"})  # fmt: skip
    assert r.status_code == 400, r.text
    assert said("msg.schedule.hours", "kk", most=744, given=0) in r.text
    assert said("organiser.create.failed", "kk") in r.text
    assert 'name="hours" value="0"' in r.text
    assert not created(web)
    # re-voting protection without the organiser's key, in Russian: the table stays
    r = create(web, demo_ceremony, csrf, "ru", **PLAN)
    assert r.status_code == 400, r.text
    assert said("msg.revoting.needs_organiser_key", "ru") in r.text
    assert 'id="proposed-schedule"' in r.text
    assert not created(web)
    # an organiser's key that is no key, in English
    r = create(web, demo_ceremony, csrf, "en", organiser_key="00" * 31, **PLAN)
    assert r.status_code == 400, r.text
    assert said("msg.json.hex_length", "en", path="organiser_key", length=32, got=31) in r.text
    assert not created(web)
    # nothing chosen is re-voting protection: the plan's fields are read, and required
    r = create(web, demo_ceremony, csrf, "kk", organiser_key=ORGANISER_KEY,
               **{**PLAN, "hours": "x"})  # fmt: skip
    assert r.status_code == 400, r.text
    assert said("msg.schedule.hours_number", "kk") in r.text
    r = create(web, demo_ceremony, csrf, "ru", organiser_key=ORGANISER_KEY)
    assert r.status_code == 400, r.text
    assert said("msg.organiser.revoting_no_plan", "ru") in r.text
    assert not created(web)
    # the choice an earlier version offered, of an election without protection, is read
    # as nothing: the plan is still required
    r = create(web, demo_ceremony, csrf, "en", revoting="off", organiser_key=ORGANISER_KEY)
    assert r.status_code == 400, r.text
    assert said("msg.organiser.revoting_no_plan", "en") in r.text
    assert not created(web)


def test_the_encrypted_roll_goes_up_on_the_election_page_and_it_opens(
    web: WebElection, demo_ceremony: DemoCeremonies, tmp_path: Path
) -> None:
    csrf = sign_in_page(web.client, web.organiser_token)
    r = create(web, demo_ceremony, csrf, organiser_key=ORGANISER_KEY, **PLAN)
    assert r.status_code == 303, r.text
    page = web.client.get(f"/organiser/e/{ELECTION}")
    csrf = page_csrf(page.text)
    roll = web.client.post(
        f"/organiser/e/{ELECTION}/roll",
        files={"roll": ("r.csv", web_roll_csv(), "text/csv")},
        data={"csrf": csrf},
        follow_redirects=False,
    )
    assert roll.status_code == 303, roll.text

    # a file that is no encrypted roll is refused in the organiser's language
    bad = web.client.post(
        f"/organiser/e/{ELECTION}/encrypted-roll?lang=kk",
        files={"encrypted_roll": ("e.json", b'{"type": "nothing"}', "application/json")},
        data={"csrf": csrf},
    )
    assert bad.status_code == 400, bad.text
    assert STRINGS["organiser.failed"][1] in bad.text
    missing = web.client.post(
        f"/organiser/e/{ELECTION}/encrypted-roll?lang=ru", data={"csrf": csrf}
    )
    assert missing.status_code == 400
    assert said("msg.organiser.choose_encrypted_roll", "ru") in missing.text

    upload, _ = _make_roll(web, tmp_path, web_roll_csv())
    kept = web.client.post(
        f"/organiser/e/{ELECTION}/encrypted-roll",
        files={"encrypted_roll": ("e.json", json.dumps(upload).encode(), "application/json")},
        data={"csrf": csrf},
        follow_redirects=False,
    )
    assert kept.status_code == 303, kept.text
    assert kept.headers["location"] == f"/organiser/e/{ELECTION}?done=encrypted_roll"
    with web.services.store.connect() as conn:
        kept_roll = web.services.store.encrypted_roll(conn, ELECTION)
    assert [kind for kind, _ in kept_roll] == ["roll-part", "roll"]
    assert len(json.loads(kept_roll[0][1])["rows"]) == len(WEB_ROLL)
    opened = web.client.post(
        f"/organiser/e/{ELECTION}/phase/open", data={"csrf": csrf}, follow_redirects=False
    )
    assert opened.status_code == 303, opened.text
    kinds = [ev.kind for ev in web.services.store.iter_events(ELECTION)]
    assert kinds == ["setup", "roll-part", "roll", "open"]


@pytest.mark.parametrize(
    ("lang", "query", "key", "values"),
    [
        ("ru", {"k0": "три"}, "msg.schedule.k0_number", {}),
        ("kk", {"k0": "100001"}, "msg.schedule.k0", {"most": 100_000, "given": 100_001}),
        ("en", {"epsilon": "0.0001"}, "msg.schedule.epsilon_number", {}),
        ("ru", {"epsilon": "abc"}, "msg.schedule.epsilon_number", {}),
        ("kk", {"epsilon": "0,005"}, "msg.schedule.epsilon", {}),
        ("en", {"epsilon": "1000.0001"}, "msg.schedule.epsilon_number", {}),
        ("ru", {"epsilon": "1000.001"}, "msg.schedule.epsilon", {}),
        ("en", {"epsilon": "1001"}, "msg.schedule.epsilon", {}),
        # above 1 the counts would say how many replaced: the form refuses it
        ("kk", {"epsilon": "1,5"}, "msg.schedule.epsilon", {}),
        ("en", {"epsilon": "2"}, "msg.schedule.epsilon", {}),
        # once a 500 (decimal.Overflow) and a 27 s stall
        ("ru", {"epsilon": "1e999999"}, "msg.schedule.epsilon_number", {}),
        ("en", {"epsilon": "1e999990"}, "msg.schedule.epsilon_number", {}),
        ("en", {"epsilon": "1,000"}, "msg.schedule.epsilon_number", {}),
    ],
)
def test_bad_cover_figures_are_said_in_the_organisers_language(
    web: WebElection, lang: str, query: dict[str, str], key: str, values: dict[str, Any]
) -> None:
    sign_in_page(web.client, web.organiser_token)
    page = web.client.get("/organiser/elections", params={**PLAN, **query, "lang": lang})
    assert page.status_code == 400, page.text
    assert said(key, lang, **values) in page.text
    assert 'id="proposed-schedule"' not in page.text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_proposal_makes_room_for_the_cover(web: WebElection, lang: str) -> None:
    """A small vote takes the default K0 of 300: the proposal adds room for K0 + ln(10^6)/ε
    replacements (a row slot and two registration slots each) to twice the traffic."""
    small = {**PLAN, "voters": "10", "hours": "1"}
    plan = Plan(voters=10, opens_at=8, hours=1, interval=60)
    total = slots(plan.schedule())
    assert total.rows >= plan.replacements_room() and total.registrations >= 2 * 439
    sign_in_page(web.client, web.organiser_token)
    page = web.client.get("/organiser/elections", params={**small, "lang": lang})
    assert page.status_code == 200, page.text
    summary = said(
        "organiser.revoting.summary", lang, voters=10, hours=1, batches=total.batches,
        rows=total.rows, registrations=total.registrations,
    )  # fmt: skip
    assert summary in page.text
    epsilon = "0.1" if lang == "en" else "0,1"  # the decimal comma in Russian and Kazakh
    assert said("organiser.revoting.cover", lang, k0=300, epsilon=epsilon) in page.text
    ratio = "1.105" if lang == "en" else "1,105"
    assert said("observer.cover.hides", lang, ratio=ratio) in page.text


def test_the_page_creates_an_election_with_the_chosen_k0_and_epsilon(
    web: WebElection, demo_ceremony: DemoCeremonies
) -> None:
    """K0 and epsilon chosen on the form go into the setup's schedule (epsilon in
    thousandths, written with a comma or a point) and the fingerprint; the election's
    page and the observers' results page show them."""
    csrf = sign_in_page(web.client, web.organiser_token)
    chosen = {**PLAN, "k0": "40", "epsilon": "0,25"}
    page = web.client.get("/organiser/elections", params={**chosen, "lang": "kk"})
    assert said("organiser.revoting.cover", "kk", k0=40, epsilon="0,25") in page.text
    assert said("observer.cover.hides", "kk", ratio="1,284") in page.text  # e^0.25
    form = page.text.split('id="create-form"', 1)[1]
    # the hidden fields carry the values as read, not the text typed
    assert '<input type="hidden" name="epsilon" value="0.25">' in form
    assert '<input type="hidden" name="k0" value="40">' in form
    r = create(web, demo_ceremony, csrf, organiser_key=ORGANISER_KEY, **chosen)
    assert r.status_code == 303, r.text
    setup = parse_json(next(web.services.store.iter_events(ELECTION)).line)["body"]
    assert setup["schedule"]["cover"] == {"k0": 40, "epsilon_milli": 250}
    chosen_plan = Plan(5000, 8, 12, 60, k0=40, epsilon_milli=250)
    assert setup["schedule"]["hours"] == schedule_to_json(chosen_plan.schedule())["hours"]
    keys = web.services.elections.board_keys(ELECTION)
    assert keys.schedule == chosen_plan.schedule()
    dashboard = web.client.get(f"/organiser/e/{ELECTION}?lang=ru")
    assert said("organiser.encrypted_roll.cover", "ru", k0=40, epsilon="0,25") in dashboard.text
    assert said("observer.cover.hides", "ru", ratio="1,284") in dashboard.text
    assert "data-cover-exposed" not in dashboard.text
    results = web.client.get(f"/e/{ELECTION}/results?lang=en")
    assert results.status_code == 200
    assert said("observer.cover", "en", k0=40, epsilon="0.25") in results.text
    assert said("observer.cover.hides", "en", ratio="1.284") in results.text
    assert "data-cover-exposed" not in results.text
    # an election without re-voting protection shows no cover
    assert "data-cover" not in web.client.get(f"/e/{web.election_id}/results").text
