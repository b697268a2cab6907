"""The pages of the polling stations' paper results, on SQLite and PostgreSQL: the
observers' stations page shows each paper station's protocol (the options named from the
manifest in the page's language), its voters listed, its uploads and the reconciliation
lines, or "no paper results yet"; the commission's page shows what the board holds of its
station and takes the upload file of ``honestballot commission paper`` (chosen or pasted),
saying a refusal in the page's language with nothing appended."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from honestballot.record.codec import canonical_bytes
from honestballot.record.paper import protocol_from_json, upload_from_json, upload_to_json
from honestballot.service.demo import demo_manifest
from honestballot.web.i18n import LANGUAGES, STRINGS
from honestballot.web.paper_pages import paper_view
from tests.factories import (
    REVOTING_ELECTION,
    DemoCeremonies,
    DemoCeremony,
    RevotingElection,
    WebElection,
)
from tests.paper_helpers import (
    commission_secret,
    make_upload,
    paper_election,
    paper_events,
    protocol_json,
    resigned,
)


@pytest.fixture
def ceremony(demo_ceremony: DemoCeremonies) -> DemoCeremony:
    return demo_ceremony(REVOTING_ELECTION)


@pytest.fixture
def election(web: WebElection, ceremony: DemoCeremony, tmp_path: Path) -> RevotingElection:
    return paper_election(web, ceremony, tmp_path)


def _say(key: str, lang: str, **values: object) -> str:
    text = STRINGS[key][LANGUAGES.index(lang)]
    for name, value in values.items():
        text = text.replace(f"{{{name}}}", str(value))
    return text


def _section(html: str, unit: str) -> str:
    """The observers' page's entry of ``unit`` (its entities unescaped)."""
    start = html.index(f'id="station-{unit}"')
    return unescape(html[start : html.index("</section>", start)])


#: every reconciliation line of the demo manifest's protocol: the station's, then the
#: contests' (the chair has "against all", the council a blank option)
ALL_LINES = ("received", "in_box", "issued_listed", "issued_roll")
ALL_LINES += ("invalid", "option_max", "exclusive", "marks")


def _checks(html: str) -> dict[str, str]:
    """The reconciliation lines shown: key -> whether it holds (yes / no)."""
    return dict(re.findall(r'data-check="(\w+)" data-holds="(yes|no)"', html))


def test_the_stations_page_shows_each_protocol_with_its_reconciliation(
    election: RevotingElection, tmp_path: Path
) -> None:
    client = election.web.client
    path = f"/e/{election.id}/stations"
    before = client.get(f"{path}?lang=en").text
    for unit in ("station-1", "station-4"):
        shown = _section(before, unit)
        assert "No paper results yet." in shown and "data-paper-protocol" not in shown
        assert f'href="/e/{election.id}/stations/{unit}/paper"' in shown
        assert "For the commission: send paper results" in shown
    assert "data-commission-link" not in _section(before, "station-2")
    assert "data-no-paper" not in _section(before, "station-2")

    # two voters listed: 7 received = 2 issued + 2 spoiled + 3 unused, both in the box,
    # every ballot marking the first option of every contest
    body = make_upload(election, tmp_path, "2\n1\n")
    answer = client.post(
        f"/api/e/{election.id}/stations/station-1/paper",
        content=canonical_bytes(body),
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 201, answer.text
    manifest = election.ctx.manifest
    for lang in LANGUAGES:
        html = client.get(f"{path}?lang={lang}").text
        shown = _section(html, "station-1")
        numbers = dict(
            re.findall(r'data-n="(\w+)"><th scope="row">[^<]*</th><td class="num">(\d+)', shown)
        )
        assert numbers == {
            "received": "7", "issued": "2", "spoiled": "2", "unused": "3", "in_box": "2",
            "taken_away": "0", "voters": "2", "uploads": "1",
        }  # fmt: skip
        assert _checks(shown) == dict.fromkeys(ALL_LINES, "yes")
        assert _say("paper.check.issued_roll", lang, issued=2, roll=2) in shown  # 2 on the roll
        assert (
            _say("paper.check.received", lang, received=7, issued=2, spoiled=2, unused=3) in shown
        )
        assert _say("paper.holds", lang) in shown
        for contest in manifest.contests:
            first, *others = contest.options
            table = shown[shown.index(f'data-contest="{contest.id}"') :]
            table = table[: table.index("</details>")]
            assert contest.title.get(lang) in table
            assert f'<td>{first.label.get(lang)}</td><td class="num">2</td>' in table
            for option in others:
                assert f'<td>{option.label.get(lang)}</td><td class="num">0</td>' in table
            # 2 valid ballots, none exclusive, each with one mark for a candidate
            most = contest.max_selections * 2
            assert _say("paper.check.marks", lang, marks=2, least=2, most=most, rest=2) in table
        # not declared final: a correction can still follow
        assert 'data-final="no"' in shown and 'data-final="yes"' not in shown
        assert _say("paper.final_no", lang, hours=24) in shown
        # station-4 sent nothing yet
        assert _say("paper.none", lang) in _section(html, "station-4")
        assert _say("paper.send_link", lang) in _section(html, "station-4")

    # a correction is a later upload: the last one counts, two uploads shown; this one
    # declared final
    corrected = make_upload(election, tmp_path, "1\n", final=True)
    answer = client.post(
        f"/api/e/{election.id}/stations/station-1/paper",
        content=canonical_bytes(corrected),
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 201, answer.text
    shown = _section(client.get(f"{path}?lang=ru").text, "station-1")
    assert '<tr data-n="voters"><th scope="row">' in shown
    assert re.search(r'data-n="issued">.*?<td class="num">1<', shown)
    assert re.search(r'data-n="uploads">.*?<td class="num">2<', shown)
    assert _say("paper.last_counts", "ru") in shown
    assert 'data-final="yes"' in shown and _say("paper.final_yes", "ru") in shown
    assert 'data-final="no"' not in shown


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_the_commission_page_takes_a_good_file_and_refuses_a_bad_one(
    election: RevotingElection, tmp_path: Path
) -> None:
    client = election.web.client
    path = f"/e/{election.id}/stations/station-1/paper"
    for lang in LANGUAGES:
        page = client.get(path, headers={"accept-language": lang})
        assert page.status_code == 200
        assert _say("paper.commission", lang) in page.text
        assert _say("paper.none", lang) in page.text and 'id="paper-form"' in page.text
    # a unit without paper voting, or no unit of the election, has no such page
    assert client.get(f"/e/{election.id}/stations/station-2/paper").status_code == 404
    assert client.get(f"/e/{election.id}/stations/nowhere/paper").status_code == 404
    token = _csrf(client.get(path).text)

    good = make_upload(election, tmp_path, "1\n2\n")
    upload = upload_from_json(good)
    bad_arithmetic = resigned(
        election,
        replace(upload, protocol=protocol_from_json(
            protocol_json(election.ctx.manifest, 2, received=9)
        )),
        commission_secret(tmp_path, "station-1"),
    )  # fmt: skip
    other_key = resigned(election, upload, commission_secret(tmp_path, "station-4"))

    def send(lang: str, file: bytes = b"", text: str = "", csrf: str = token) -> Any:
        files = {"upload": ("upload.json", file, "application/json")} if file else None
        return client.post(
            path,
            data={"csrf": csrf, "text": text},
            files=files,
            headers={"accept-language": lang},
            follow_redirects=False,
        )

    refusals: list[tuple[str, Any, str]] = [
        (
            "ru",
            send("ru", file=canonical_bytes(upload_to_json(bad_arithmetic))),
            _say("msg.paper.received", "ru", received=9, issued=2, spoiled=2, unused=3),
        ),
        (
            "kk",
            send("kk", text=canonical_bytes(upload_to_json(other_key)).decode()),
            _say("msg.paper.signature", "kk", unit="station-1"),
        ),
        ("en", send("en"), _say("msg.paper.choose", "en")),
        (
            "ru",
            send("ru", text="{not json"),
            _say("msg.paper.what", "ru"),
        ),
    ]
    for lang, answer, message in refusals:
        assert answer.status_code in (400, 409, 422), answer.text
        assert _say("paper.refused", lang) in answer.text
        error = re.search(r"<p class=\"error\" data-paper-error>([^<]*)</p>", answer.text)
        assert error is not None, answer.text
        assert message in error.group(1).replace("&#39;", "'"), (message, error.group(1))
    # a pasted text that was refused stays in the form to be corrected
    assert "{not json</textarea>" in refusals[3][1].text
    # no CSRF token: refused before anything is read
    assert send("en", file=canonical_bytes(good), csrf="").status_code == 403
    assert paper_events(election) == 0

    answer = send("kk", file=canonical_bytes(good))
    assert answer.status_code == 303, answer.text
    assert paper_events(election) == 1
    seq = next(ev.seq for ev in election.web.services.store.iter_events(
        election.id, kinds=("paper",)
    ))  # fmt: skip
    assert answer.headers["location"] == f"{path}?done={seq}"
    page = client.get(answer.headers["location"], headers={"accept-language": "kk"}).text
    assert _say("paper.accepted", "kk", seq=seq) in page
    assert f'<li data-seq="{seq}">' in page and " UTC" in page
    assert _say("paper.counts_last", "kk") in page
    assert _checks(page) == dict.fromkeys(ALL_LINES, "yes")
    assert re.search(r'data-n="voters">.*?<td class="num">2<', page)
    assert _say("paper.final_no", "kk", hours=24) in page and 'id="paper-form"' in page

    # the commission's correction, declared final: the page says so and shows no form;
    # an upload after it is refused, in the page's language, and nothing appended
    final = make_upload(election, tmp_path, "1\n", final=True)
    assert send("en", file=canonical_bytes(final)).status_code == 303
    page = client.get(path, headers={"accept-language": "ru"}).text
    assert _say("paper.final_yes", "ru") in page and 'data-final="yes"' in page
    assert 'id="paper-form"' not in page
    after = make_upload(election, tmp_path, "2\n")
    answer = send("kk", file=canonical_bytes(after))
    assert answer.status_code == 409, answer.text
    assert _say("msg.paper.final", "kk", unit="station-1") in unescape(answer.text)
    assert paper_events(election) == 2


def test_a_line_that_does_not_hold_is_shown_as_such() -> None:
    """The board takes no such protocol, but the page says what it finds: here received
    is not the sum, more ballots are in the box than issued, the list is shorter than the
    ballots issued and longer than the unit's roll, and each contest's marks are off."""
    manifest = demo_manifest(REVOTING_ELECTION)
    counts = {
        "chair": (0, {"cand-1": 4}),  # 4 marks on 3 valid ballots of one mark at most
        "council": (1, {"blank": 1, "member-1": 5}),  # 1 ballot with candidates: 1 to 3
    }
    protocol = {
        "received": 9, "issued": 2, "spoiled": 2, "unused": 3, "in_box": 3,
        "contests": [
            {
                "id": c.id,
                "invalid": counts[c.id][0],
                "counts": [
                    {"option": o.id, "count": counts[c.id][1].get(o.id, 0)} for o in c.options
                ],
            }
            for c in manifest.contests
        ],
    }  # fmt: skip
    results = {
        "protocol": protocol,
        "voters": 1,
        "paper_events": 3,
        "final": False,
        "reconciliation": {
            "received": False, "in_box": False, "taken_away": -1, "issued_listed": False,
        },
    }  # fmt: skip
    view = paper_view(manifest, "ru", results, 1)
    assert [(key, holds) for key, _, holds in view["lines"]] == [
        ("received", False), ("in_box", False), ("issued_listed", False), ("issued_roll", False),
    ]  # fmt: skip
    assert view["lines"][3][1] == _say("paper.check.issued_roll", "ru", issued=2, roll=1)
    chair, council = view["contests"]
    assert [(key, holds) for key, _, holds in chair["lines"]] == [
        ("invalid", True), ("option_max", False), ("exclusive", True), ("marks", False),
    ]  # fmt: skip
    assert chair["lines"][3][1] == _say("paper.check.marks", "ru", marks=4, least=3, most=3, rest=3)
    assert [(key, holds) for key, _, holds in council["lines"]] == [
        ("invalid", True), ("option_max", False), ("exclusive", True), ("marks", False),
    ]  # fmt: skip
    assert council["valid"] == 2 and not council["holds"] and not view["holds"]
    assert view["uploads"] == 3
