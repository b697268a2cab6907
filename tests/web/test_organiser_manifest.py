"""The organiser's manifest form (/organiser/manifest): contests, options and units in
three languages and the minimum unit size, without JSON; the manifest file to download
(what the trustees and ``Create an election`` take) and a manifest file loaded back into
the form."""

from __future__ import annotations

import html
import json
import re

from honestballot.protocol.election import manifest_hash
from honestballot.record.manifest import load_manifest, manifest_to_json
from honestballot.service.demo import demo_manifest
from honestballot.web.strings_errors import STRINGS as ERRORS
from tests.factories import WebElection
from tests.web.test_organiser import sign_in_page

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
