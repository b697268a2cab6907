"""The organiser's manifest form (/organiser/manifest): contests, options and units in
three languages and the minimum unit size, without JSON; the manifest file to download
(what the trustees and ``Create an election`` take) and a manifest file loaded back into
the form."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace

import pytest
from httpx import Response

from honestballot.protocol.dkg_verify import ElectionKey
from honestballot.protocol.election import manifest_hash
from honestballot.protocol.manifest import MAX_RANKS, Manifest
from honestballot.record.manifest import load_manifest, manifest_to_json
from honestballot.record.trustee import encode_election_key
from honestballot.service.demo import demo_manifest
from honestballot.web.i18n import LANGUAGES
from honestballot.web.organiser_manifest import form_of
from honestballot.web.strings_errors import STRINGS as ERRORS
from honestballot.web.strings_organiser import STRINGS as ORGANISER
from tests.factories import WebElection, key_ceremony, ranked_web_manifest
from tests.web.test_organiser import (
    PLAN,
    PROTECTION,
    RANKED_ROWS,
    roll_needs_said,
    sign_in_page,
)

UNITS = "almaly; Алмалинский; Алмалы; Almaly\nmedeu; Медеуский; Медеу; Medeu"
CONTESTS = (
    "chair; 1; 1; да; Председатель; Төраға; Chair\n"
    "aigul; Айгуль; Айгүл; Aigul\n"
    "bolat; Болат; Болат; Bolat\n"
    "\n"
    "council; 0; 2; нет; Совет; Кеңес; Council\n"
    "m1; Член 1; Мүше 1; Member 1\n"
    "m2; Член 2; Мүше 2; Member 2\n"
    "m3; Член 3; Мүше 3; Member 3\n"
)


def fields(csrf: str, **over: str) -> dict[str, str]:
    return {
        "csrf": csrf,
        "election_id": "primary-2026",
        "title_ru": "Праймериз",
        "title_kk": "Праймериз сайлауы",
        "title_en": "Primary",
        "min_unit_size": "25",
        "units": UNITS,
        "contests": CONTESTS,
    } | over


def test_a_manifest_is_built_in_the_form(web: WebElection) -> None:
    client = web.client
    csrf = sign_in_page(client, web.organiser_token)
    assert 'href="/organiser/manifest"' in client.get("/organiser/elections").text
    form_page = html.unescape(client.get("/organiser/manifest?lang=kk").text)
    assert 'id="manifest-form"' in form_page
    assert "Атауы қазақ тілінде" in form_page and "organiser.manifest_form" not in form_page

    r = client.post("/organiser/manifest", data=fields(csrf, action="download"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert 'filename="primary-2026-manifest.json"' in r.headers["content-disposition"]
    manifest = load_manifest(r.content)
    assert manifest.election_id == "primary-2026" and manifest.min_unit_size == 25
    assert [u.name.get("kk") for u in manifest.units] == ["Алмалы", "Медеу"]
    chair, council = manifest.contests
    # the protocol adds the exclusive options itself ("against all", "blank")
    assert [o.id for o in chair.options] == ["aigul", "bolat", "against-all"]
    assert council.min_selections == 0 and council.max_selections == 2
    assert [o.id for o in council.options] == ["m1", "m2", "m3", "blank"]
    assert council.options[2].label.get("en") == "Member 3"

    r = client.post("/organiser/manifest", data=fields(csrf, action="check"))
    assert r.status_code == 200
    shown = re.search(r'id="manifest-hash">([0-9a-f]{64})<', r.text)
    assert shown is not None and shown.group(1) == manifest_hash(manifest).hex()


def test_a_wrong_row_is_named_in_the_organisers_language(web: WebElection) -> None:
    client = web.client
    csrf = sign_in_page(client, web.organiser_token)
    client.cookies.set("hb_lang", "kk")
    broken = CONTESTS.replace("bolat; Болат; Болат; Bolat", "bolat; Болат; Bolat")
    r = client.post("/organiser/manifest", data=fields(csrf, contests=broken))
    assert r.status_code == 400
    expected = (
        ERRORS["msg.manifest_form.row"][1]
        .replace("{where}", "Сұрақтар, 3-жол")
        .replace("{width}", "4")
        .replace("{found}", "3")
    )
    assert expected in html.unescape(r.text)
    # what was typed stays in the form
    assert "bolat; Болат; Bolat" in html.unescape(r.text)


def test_a_manifest_file_loads_into_the_form(web: WebElection) -> None:
    client = web.client
    csrf = sign_in_page(client, web.organiser_token)
    demo = demo_manifest("loaded")
    data = json.dumps(manifest_to_json(demo), ensure_ascii=False).encode()
    r = client.post(
        "/organiser/manifest",
        data={"csrf": csrf, "action": "import"},
        files={"manifest_file": ("m.json", data, "application/json")},
    )
    assert r.status_code == 200
    page = html.unescape(r.text)
    assert manifest_hash(demo).hex() in page
    units = re.search(r'<textarea id="units"[^>]*>(.*?)</textarea>', page, re.S)
    contests = re.search(r'<textarea id="contests"[^>]*>(.*?)</textarea>', page, re.S)
    assert units is not None and contests is not None
    # the form, sent back as it is, gives the very same manifest
    again = client.post(
        "/organiser/manifest",
        data=fields(
            csrf,
            action="download",
            election_id="loaded",
            title_ru=demo.title.get("ru"),
            title_kk=demo.title.get("kk"),
            title_en=demo.title.get("en"),
            min_unit_size=str(demo.min_unit_size),
            units=units.group(1),
            contests=contests.group(1),
        ),
    )
    assert again.status_code == 200, again.text
    assert manifest_hash(load_manifest(again.content)) == manifest_hash(demo)


# -- ranked contests (docs/ranked.md) --------------------------------------------------------

RANKED_ID = "web-ranked"

#: tests/factories.ranked_web_manifest's contests, typed as an organiser types them: the
#: eighth value of a contest's row says how it is counted (irv / schulze: ranked)
RANKED_CONTESTS = (
    "chair; 1; 1; да; Председатель; Төраға; Chair\n"
    + "".join(f"cand-{i}; Кандидат {i}; Үміткер {i}; Candidate {i}\n" for i in range(1, 6))
    + "\n"
    "leader; 1; 3; иә; Лидер партии; Партия жетекшісі; Party leader; irv\n"
    "aigerim; Айгерим Аманова; Айгерім Аманова; Aigerim Amanova\n"
    "bolat; Болат Бекенов; Болат Бекенов; Bolat Bekenov\n"
    "dana; Дана Дауренова; Дана Дәуренова; Dana Daurenova\n"
    "erlan; Ерлан Есенов; Ерлан Есенов; Erlan Yessenov\n"
    "\n"
    "council; 0; 3; no; Совет; Кеңес; Council; Schulze\n"
    "xenia; Ксения Ким; Ксения Ким; Xenia Kim\n"
    "yuri; Юрий Юсупов; Юрий Юсупов; Yuri Yusupov\n"
    "zarina; Зарина Жумабаева; Зарина Жұмабаева; Zarina Zhumabayeva\n"
)


def ranked_manifest() -> Manifest:
    """The ranked web manifest, under an id of its own (web-test is already created)."""
    return replace(ranked_web_manifest(), election_id=RANKED_ID)


@pytest.fixture(scope="module")
def ranked_key(tmp_path_factory: pytest.TempPathFactory) -> ElectionKey:
    made = key_ceremony(ranked_manifest(), tmp_path_factory.mktemp("form-ranked"), RANKED_ID)
    return made.key


def ranked_fields(csrf: str, **over: str) -> dict[str, str]:
    m = ranked_manifest()
    form, _ = form_of(manifest_to_json(m))
    return (
        fields(
            csrf,
            election_id=RANKED_ID,
            title_ru=m.title.get("ru"),
            title_kk=m.title.get("kk"),
            title_en=m.title.get("en"),
            min_unit_size=str(m.min_unit_size),
            units=form["units"],
            contests=RANKED_CONTESTS,
        )
        | over
    )


def needs_shown(page: str) -> list[str]:
    """The manifest form's notice of the roll each contest counted by mixing needs, one
    paragraph a contest (none: no notice)."""
    notice = re.search(r'id="roll-needs">(.*?)</div>', page, re.S)
    if notice is None:
        return []
    return [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", notice.group(1), re.S)]


def create_on_the_page(
    web: WebElection, csrf: str, manifest: bytes, key: ElectionKey, plan: dict[str, str]
) -> Response:
    """The elections page's create form with the manifest file, the key and ``plan``."""
    return web.client.post(
        "/organiser/elections",
        data={"csrf": csrf, "organiser_key": PROTECTION["organiser_key"], **plan},
        files={
            "manifest": ("manifest.json", manifest, "application/json"),
            "election_key": (
                "key.json",
                json.dumps(encode_election_key(key)).encode(),
                "application/json",
            ),
        },
        follow_redirects=False,
    )


def test_a_ranked_election_is_made_from_the_form(web: WebElection, ranked_key: ElectionKey) -> None:
    """Ranked contests typed in the form give the manifest Python builds (the same hash),
    counted by mixing; the downloaded file and the trustees' key create the election on
    the organiser's page."""
    client = web.client
    csrf = sign_in_page(client, web.organiser_token)
    page = html.unescape(client.get("/organiser/manifest?lang=ru").text)
    # the kinds and the cap on places are explained, the cap with its number
    assert ORGANISER["organiser.manifest_form.ranks_cap"][0].split("{most}")[0] in page
    assert f"не больше {MAX_RANKS}:" in page and "{most}" not in page

    expected = ranked_manifest()
    r = client.post("/organiser/manifest", data=ranked_fields(csrf, action="check"))
    assert r.status_code == 200, r.text
    shown = re.search(r'id="manifest-hash">([0-9a-f]{64})<', r.text)
    assert shown is not None and shown.group(1) == manifest_hash(expected).hex()
    assert needs_shown(r.text) == [
        roll_needs_said("roll_needs.needed_ranked", "ru", contest, rows)
        for contest, rows in RANKED_ROWS
    ]

    r = client.post("/organiser/manifest", data=ranked_fields(csrf, action="download"))
    assert r.status_code == 200
    made = load_manifest(r.content)
    assert made == expected
    _, leader, council = made.contests
    assert (leader.method, leader.count, leader.max_selections) == ("irv", "mix", 3)
    assert (council.method, council.count, council.min_selections) == ("schulze", "mix", 0)
    written = json.loads(r.content)["contests"][1]
    assert (written["kind"], written["method"]) == ("ranked", "irv") and "count" not in written

    # the plan's 100 expected voters are fewer than the ranked contests' rolls need: the
    # election is created all the same (the roll is held to it), and its page warns
    created = create_on_the_page(web, csrf, r.content, ranked_key, PLAN)
    assert created.status_code == 303, created.text
    assert created.headers["location"] == (
        f"/organiser/e/{RANKED_ID}?done=created&voters=100#encrypted-roll"
    )
    context = web.services.elections.context(RANKED_ID)
    assert manifest_hash(context.manifest) == manifest_hash(expected)
    assert [c.method for c in context.manifest.contests] == [None, "irv", "schulze"]


def test_a_ranked_manifest_file_round_trips_through_the_form(web: WebElection) -> None:
    """Imported, shown, sent back and downloaded: the very same JSON, and so the same hash
    (plural, mixed and ranked contests alike)."""
    client = web.client
    csrf = sign_in_page(client, web.organiser_token)
    base = ranked_manifest()
    mixed = replace(base.contests[0], count="mix")
    manifest = replace(base, contests=(mixed, *base.contests[1:]))
    original = manifest_to_json(manifest)
    r = client.post(
        "/organiser/manifest",
        data={"csrf": csrf, "action": "import"},
        files={"manifest_file": ("m.json", json.dumps(original).encode(), "application/json")},
    )
    assert r.status_code == 200, r.text
    page = html.unescape(r.text)
    assert manifest_hash(manifest).hex() in page
    contests = re.search(r'<textarea id="contests"[^>]*>(.*?)</textarea>', page, re.S)
    units = re.search(r'<textarea id="units"[^>]*>(.*?)</textarea>', page, re.S)
    assert contests is not None and units is not None
    heads = [block.splitlines()[0] for block in contests.group(1).split("\n\n")]
    assert [h.rsplit("; ", 1)[1] for h in heads] == ["mix", "irv", "schulze"]
    again = client.post(
        "/organiser/manifest",
        data=ranked_fields(
            csrf, action="download", units=units.group(1), contests=contests.group(1)
        ),
    )
    assert again.status_code == 200, again.text
    assert json.loads(again.content) == original
    assert manifest_hash(load_manifest(again.content)) == manifest_hash(manifest)


def _said(key: str, lang: int, **values: object) -> str:
    text = ERRORS[key][lang]
    for name, value in values.items():
        text = text.replace(f"{{{name}}}", str(value))
    return text


KK = 1
TWELVE = "".join(f"c{i}; Кандидат {i}; Үміткер {i}; Candidate {i}\n" for i in range(12))
TWO = "x1; Икс; Икс; Ex\nx2; Игрек; Игрек; Why\n"


@pytest.mark.parametrize(
    ("contests", "key", "values"),
    [
        # more places than the cap, though there are candidates enough
        (
            "big; 1; 11; no; Много; Көп; Many; irv\n" + TWELVE,
            "msg.manifest.ranked.ranks",
            {"contest": "big", "most": MAX_RANKS, "candidates": 12, "ranks": 11},
        ),
        # too few candidates for the places asked
        (
            "few; 1; 3; no; Мало; Аз; Few; schulze\n" + TWO,
            "msg.manifest.ranked.ranks",
            {"contest": "few", "most": MAX_RANKS, "candidates": 2, "ranks": 3},
        ),
        # no place at all
        (
            "none; 0; 0; no; Нет; Жоқ; None; irv\n" + TWO,
            "msg.manifest.ranked.ranks",
            {"contest": "none", "most": MAX_RANKS, "candidates": 2, "ranks": 0},
        ),
        (
            "low; 2; 2; no; Мин; Мин; Min; irv\n" + TWO,
            "msg.manifest.ranked.minimum",
            {"contest": "low"},
        ),
        (
            "odd; 1; 1; no; Борда; Борда; Borda; borda\n" + TWO,
            "msg.manifest_form.kind",
            {"where": "Сұрақтар, 1-жол", "given": "borda"},
        ),
    ],
)
def test_a_wrong_ranked_contest_is_named_and_changes_nothing(
    web: WebElection, contests: str, key: str, values: dict[str, object]
) -> None:
    client = web.client
    csrf = sign_in_page(client, web.organiser_token)
    client.cookies.set("hb_lang", "kk")
    before = web.services.store.list_elections()
    for action in ("check", "download"):
        r = client.post(
            "/organiser/manifest", data=ranked_fields(csrf, action=action, contests=contests)
        )
        assert r.status_code == 400
        assert r.headers["content-type"].startswith("text/html")
        page = html.unescape(r.text)
        error = re.search(r'id="manifest-error">(.*?)</p>', page, re.S)
        assert error is not None and error.group(1) == _said(key, KK, **values)
        assert 'id="manifest-hash"' not in page
        # what was typed stays in the form, and no English detail is needed
        assert contests.splitlines()[0] in page and '<details class="detail">' not in page
    assert web.services.store.list_elections() == before


#: the form's plural contests with council counted by mixing: its "blank" (minimum 0)
#: alone, or 1 or 2 of its 3 members, 1 + C(3, 1) + C(3, 2) = 7 rows
MIXED_CONTESTS = CONTESTS.replace("Совет; Кеңес; Council", "Совет; Кеңес; Council; mix")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_form_and_the_dashboard_say_the_roll_each_mixed_contest_needs(
    web: WebElection, ranked_key: ElectionKey, lang: str
) -> None:
    """In the organiser's language: the checked form names each contest counted by mixing
    with its rows, the voters its roll needs and the ways out (none for contests counted
    by sum); the election created with fewer expected voters is warned of on its page,
    beside them right after the create form, without them later (in setup)."""
    client = web.client
    csrf = sign_in_page(client, web.organiser_token)
    client.cookies.set("hb_lang", lang)
    plain = client.post("/organiser/manifest", data=fields(csrf, action="check"))
    assert plain.status_code == 200 and 'id="manifest-hash"' in plain.text
    assert needs_shown(plain.text) == []
    mixed = client.post(
        "/organiser/manifest", data=fields(csrf, action="check", contests=MIXED_CONTESTS)
    )
    assert mixed.status_code == 200
    assert needs_shown(mixed.text) == [roll_needs_said("roll_needs.needed", lang, "council", 7)]
    ranked = client.post("/organiser/manifest", data=ranked_fields(csrf, action="check"))
    assert needs_shown(ranked.text) == [
        roll_needs_said("roll_needs.needed_ranked", lang, contest, rows)
        for contest, rows in RANKED_ROWS
    ]
    download = client.post("/organiser/manifest", data=ranked_fields(csrf, action="download"))
    # the plan's 100 expected voters are fewer than either contest needs on the roll:
    # created, and the election's page warns, beside the voters expected
    created = create_on_the_page(web, csrf, download.content, ranked_key, PLAN)
    assert created.status_code == 303, created.text
    dashboard = client.get(created.headers["location"])
    assert dashboard.status_code == 200
    assert needs_shown(dashboard.text) == [
        roll_needs_said("roll_needs.expected_ranked", lang, contest, rows, 100)
        for contest, rows in RANKED_ROWS
    ]
    # later, without the create form's expected voters: the roll each contest needs
    later = client.get(f"/organiser/e/{RANKED_ID}")
    assert needs_shown(later.text) == [
        roll_needs_said("roll_needs.needed_ranked", lang, contest, rows)
        for contest, rows in RANKED_ROWS
    ]
    assert web.services.elections.phase(RANKED_ID) == "setup"
