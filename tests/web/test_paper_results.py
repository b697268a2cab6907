"""Paper ballots in the published result (docs/paper.md, issue 16 items 3-4), on SQLite
and PostgreSQL: an election with re-voting protection whose stations of station-1,
station-2 and station-4 take paper ballots.  Four voters vote online; station-1's
commission lists one of its two voters (who also voted online: that e-vote is
cancelled), station-2's lists a point that is on no roll (the close names it:
``close.paper``), station-4 sends nothing (its voters' e-votes stand).  After the whole
close ``GET /api/e/ID/results`` carries the result's ``paper`` member, and the results
page shows the combined counts with the e-votes and paper ballots beside them, the paper
numbers per reporting unit, the e-votes cancelled with why it is one number, and each
paper station, in Russian, Kazakh and English.

One close is run per database for the whole module; the summary's test from a hand-made
result body needs none."""

from __future__ import annotations

import csv
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_scalar
from honestballot.protocol.manifest import Manifest
from honestballot.record.paper import upload_to_json
from honestballot.service.board.result_views import paper_summary
from honestballot.service.demo import demo_manifest
from honestballot.web.i18n import LANGUAGES, STRINGS
from tests.databases import KINDS, fresh_database
from tests.factories import (
    DemoCeremony,
    RevotingElection,
    key_ceremony,
    open_web_app,
)
from tests.paper_helpers import (
    SCHEDULE,
    commission_secret,
    make_upload,
    paper_election,
    post_paper,
    protocol_of,
    upload_of,
)
from tests.web.close_helpers import run_close

ELECTION = "web-paper-results"
#: the stations that take paper ballots here (paper_helpers' station-2 does not)
PAPER_UNITS = ("station-1", "station-2", "station-4")
#: (national ID, unit, choice) of the voters who vote online
ONLINE = [
    ("900101300001", "station-1", {"chair": {"cand-2"}, "council": {"member-2"}}),
    ("900101300002", "station-1", {"chair": {"cand-3"}, "council": {"member-3"}}),
    ("900101300003", "station-2", {"chair": {"cand-1"}, "council": {"member-1"}}),
    ("900101300005", "station-4", {"chair": {"cand-2"}, "council": {"member-1"}}),
]


def _option_ids(manifest: Manifest) -> list[str]:
    return [f"{c.id}/{o.id}" for c in manifest.contests for o in c.options]


# -- the summary, from a hand-made result body -----------------------------------------


def test_the_summary_splits_a_hand_made_paper_member() -> None:
    """paper_summary: stations and units as the result gives them, the election-wide
    number of cancelled e-votes, and the paper and combined counts split into totals (in
    manifest order) and per reporting unit (in the roll's order)."""
    manifest = demo_manifest("hand-made")
    first, second = _option_ids(manifest)[:2]
    paper = {
        "stations": [
            {
                "unit": "station-1",
                "reporting_unit": "station-1",
                "protocol": True,
                "uploads": 2,
                "voters": 3,
                "in_box": 3,
                "cancelled": 3,
                "failures": 0,
            },
            {
                "unit": "station-4",
                "reporting_unit": "pool",
                "protocol": False,
                "uploads": 0,
                "voters": 0,
                "in_box": 0,
                "cancelled": 0,
                "failures": 1,
            },
        ],
        "units": [
            {"unit": "station-1", "listed": 3, "cancelled_rows": 3, "in_box": 3},
            {"unit": "pool", "listed": 0, "cancelled_rows": 0, "in_box": 0},
        ],
        "cancelled_e_votes": 2,
        "counts": [
            {"id": second, "count": 1},
            {"id": first, "count": 2},
            {"id": f"{first}@pool", "count": 0},
            {"id": f"{first}@station-1", "count": 2},
        ],
        "combined": [
            {"id": first, "count": 7},
            {"id": second, "count": 4},
            {"id": f"{first}@pool", "count": 1},
            {"id": f"{first}@station-1", "count": 6},
        ],
    }
    got = paper_summary(manifest, paper, ["station-1", "pool"])
    assert got["stations"] == paper["stations"] and got["units"] == paper["units"]
    assert got["cancelled_e_votes"] == 2
    assert got["counts"] == [{"id": first, "count": 2}, {"id": second, "count": 1}]
    assert got["combined"] == [{"id": first, "count": 7}, {"id": second, "count": 4}]
    assert got["per_unit"] == [
        {"unit": "station-1", "counts": [{"id": first, "count": 2}]},
        {"unit": "pool", "counts": [{"id": first, "count": 0}]},
    ]
    assert [u["unit"] for u in got["combined_per_unit"]] == ["station-1", "pool"]
    assert "cancelled_e_votes" not in got["units"][0]


# -- a whole close with paper stations -------------------------------------------------


@dataclass
class Closed:
    election: RevotingElection
    #: the national ID of the voter station-1 listed (who also voted online)
    listed: str

    def get(self, path: str) -> Any:
        return self.election.web.client.get(path)


def _paper_election(web: Any, ceremony: DemoCeremony, tmp: Path) -> RevotingElection:
    """paper_helpers.paper_election, with station-2 taking paper ballots too."""
    paper = dict.fromkeys(PAPER_UNITS, True)
    return paper_election(web, ceremony, tmp, paper, seed="paper results page")


def paper_results_ceremony(directory: Path) -> DemoCeremony:
    """The demo manifest with min_unit_size 1 (each manifest unit a reporting unit, those
    with a counted ballot broken out) and its key ceremony."""
    manifest = replace(demo_manifest(ELECTION), min_unit_size=1)
    directory.mkdir(parents=True, exist_ok=True)
    return key_ceremony(manifest, directory, ELECTION)


def close_with_paper(web: Any, ceremony: DemoCeremony, tmp: Path) -> Closed:
    """The module docstring's election on ``web`` (an app's ``client``, ``services`` and
    ``database_url``) from its opening to its result."""
    election = _paper_election(web, ceremony, tmp)
    services = web.services
    for national_id, _, choice in ONLINE:
        device = election.device(national_id, f"device {national_id}")
        seed, answer = device.register()
        assert answer.status_code == 201, answer.text
        ballot, _, private = device.ballot(seed, choice)
        answer = device.cast(ballot, private)
        assert answer.status_code == 201, answer.text
    # station-1 lists its paper roll's line 1
    body = make_upload(election, tmp, "1\n")
    assert post_paper(election, "station-1", body).status_code == 201
    with (tmp / "roll.csv").open() as f:
        listed = next(r[1] for r in csv.reader(f) if r[0] == "1")
    # station-2 lists a point that is no voter's handle
    ctx = election.ctx
    rng = SeededRandomness("a point on no roll")
    bogus = upload_of(
        ctx.base_hash, ctx.public_key, ctx.manifest, "station-2",
        [base_mul(random_scalar(rng))], commission_secret(tmp, "station-2"), rng,
        protocol_of(ctx.manifest, 1),
    )  # fmt: skip
    assert post_paper(election, "station-2", upload_to_json(bogus)).status_code == 201
    open_ms = services.batches.open_ms(election.id)
    assert open_ms is not None
    closes_ms = open_ms + SCHEDULE.interval * 1000 + 10
    services.elections.clock = lambda: closes_ms
    services.elections.close(election.id)
    # station-4 never sends its results: the close begins at the paper deadline
    services.elections.clock = lambda: closes_ms + 24 * 3_600_000 + 1_000
    run_close(election, ceremony, SeededRandomness("paper results trustees"))
    return Closed(election, listed)


@pytest.fixture(scope="module")
def ceremony(tmp_path_factory: pytest.TempPathFactory) -> DemoCeremony:
    return paper_results_ceremony(tmp_path_factory.mktemp("paper-results"))


@pytest.fixture(scope="module", params=KINDS)
def closed(
    request: pytest.FixtureRequest,
    ceremony: DemoCeremony,
    web_ceremony: DemoCeremony,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Closed]:
    tmp: Path = tmp_path_factory.mktemp(f"paper-results-{request.param}")
    with (
        fresh_database(request.param, tmp / "db") as url,
        open_web_app(web_ceremony, tmp, url) as web,
    ):
        yield close_with_paper(web, ceremony, tmp)


def _expected(closed: Closed) -> dict[str, dict[str, int]]:
    """The counts in total: the e-votes of every online voter but the listed one, the
    paper ballots of the two protocols (each one ballot marking every contest's first
    option), and their sums."""
    manifest = closed.election.ctx.manifest
    ids = _option_ids(manifest)
    online = dict.fromkeys(ids, 0)
    for national_id, _, choice in ONLINE:
        if national_id != closed.listed:
            for contest, options in choice.items():
                for option in options:
                    online[f"{contest}/{option}"] += 1
    paper = dict.fromkeys(ids, 0)
    for contest in manifest.contests:
        paper[f"{contest.id}/{contest.options[0].id}"] = 2
    combined = {k: online[k] + paper[k] for k in ids}
    return {"online": online, "paper": paper, "combined": combined}


def _as_dict(counts: list[dict[str, Any]]) -> dict[str, int]:
    return {c["id"]: c["count"] for c in counts}


def test_the_api_gives_the_results_paper_member(closed: Closed) -> None:
    eid = closed.election.id
    answer = closed.get(f"/api/e/{eid}/results")
    assert answer.status_code == 200, answer.text
    summary = answer.json()
    expected = _expected(closed)
    assert _as_dict(summary["counts"]) == expected["online"]
    paper = summary["paper"]
    assert _as_dict(paper["counts"]) == expected["paper"]
    assert _as_dict(paper["combined"]) == expected["combined"]
    # the listed voter's e-vote is cancelled: one election-wide number, none per unit
    assert paper["cancelled_e_votes"] == 1
    assert summary["ballots_counted"] == len(ONLINE) - 1
    assert all(set(u) == {"unit", "listed", "cancelled_rows", "in_box"} for u in paper["units"])
    stations = {s["unit"]: s for s in paper["stations"]}
    assert list(stations) == list(PAPER_UNITS)
    assert {k: stations["station-1"][k] for k in ("protocol", "uploads", "voters", "in_box")} == {
        "protocol": True, "uploads": 1, "voters": 1, "in_box": 1,
    }  # fmt: skip
    assert (stations["station-1"]["cancelled"], stations["station-1"]["failures"]) == (1, 0)
    assert stations["station-2"]["protocol"] is True and stations["station-2"]["cancelled"] == 0
    assert stations["station-2"]["failures"] >= 1  # its listed point joins no roll row
    assert stations["station-4"]["protocol"] is False and stations["station-4"]["uploads"] == 0
    # per reporting unit: the units in the roll's order, combined = e-votes + paper
    order = [u["id"] for u in summary["reporting_units"]]
    assert [u["unit"] for u in paper["units"]] == order
    units = {u["unit"]: u for u in paper["units"]}
    assert units[stations["station-1"]["reporting_unit"]]["cancelled_rows"] >= 1
    assert sum(u["listed"] for u in paper["units"]) == 2
    assert sum(u["in_box"] for u in paper["units"]) == 2
    online = {u["unit"]: _as_dict(u["counts"]) for u in summary["per_unit"]}
    on_paper = {u["unit"]: _as_dict(u["counts"]) for u in paper["per_unit"]}
    for unit in paper["combined_per_unit"]:
        rid = unit["unit"]
        assert rid in online
        assert _as_dict(unit["counts"]) == {
            k: online[rid][k] + on_paper[rid][k] for k in online[rid]
        }
    # exactly what the board's result says
    (event,) = closed.election.web.services.store.iter_events(eid, kinds=("result",))
    result = json.loads(event.line)["body"]["paper"]
    assert paper["stations"] == result["stations"] and paper["units"] == result["units"]
    assert paper["cancelled_e_votes"] == result["cancelled_e_votes"]


def _between(page: str, start: str, end: str) -> str:
    """The page's text from the tag of the first ``start`` to the next ``end``, without
    tags."""
    i = page.index(">", page.index(start)) + 1
    part = page[i : page.index(end, i)]
    return html.unescape(re.sub(r"<[^>]+>", " ", part))


_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def _say(key: str, lang: str) -> str:
    return STRINGS[key][LANGUAGES.index(lang)]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_page_shows_the_combined_counts_and_the_paper_ballots(
    closed: Closed, lang: str
) -> None:
    eid = closed.election.id
    manifest = closed.election.ctx.manifest
    answer = closed.get(f"/e/{eid}/results?lang={lang}")
    assert answer.status_code == 200, answer.text
    page = answer.text
    expected = _expected(closed)
    # the headline: ballots in all, online and paper; then every option's combined count
    # with its e-votes and paper ballots beside it
    ballots = re.findall(
        r'data-ballots="(\w+)"><td>[^<]*</td><td class="num">(?:<strong>)?(\d+)', page
    )
    assert ballots == [("total", "5"), ("online", "3"), ("paper", "2")]
    assert "data-ballots-counted" not in page
    assert _say("observer.paper.combined", lang) in html.unescape(page)
    headline = page[: page.index("<h2>")]
    rows = re.findall(
        r'<tr><td>([^<]*)</td><td class="num"><strong>(\d+)</strong></td>'
        r'<td class="num">(\d+)</td><td class="num">(\d+)</td></tr>',
        headline,
    )
    ids = _option_ids(manifest)
    labels = [
        html.escape(o.label.get(lang), quote=False) for c in manifest.contests for o in c.options
    ]
    assert rows == [
        (label, str(expected["combined"][i]), str(expected["online"][i]), str(expected["paper"][i]))
        for label, i in zip(labels, ids, strict=True)
    ]
    # per unit broken out: the same three columns
    units_part = page[page.index("<h2>" + _say("observer.per_unit", lang)) :]
    assert units_part.count("data-split") >= len(manifest.contests)
    # the paper section: per reporting unit with a paper station, the e-votes cancelled
    # with why it is one number, and each station
    paper = _between(page, "data-paper-results", "</section>")
    summary = closed.get(f"/api/e/{eid}/results").json()
    numbers = re.findall(
        r'<th colspan="3" scope="colgroup">([^<]*)</th></tr>\s*'
        r'<tr data-paper-unit="([^"]+)"><td class="num">(\d+)</td>'
        r'<td class="num">(\d+)</td><td class="num">(\d+)</td>',
        page,
    )
    held = {s["reporting_unit"] for s in summary["paper"]["stations"]}
    names = {u.id: u.name.get(lang) for u in manifest.units}
    assert numbers == [
        (
            html.escape(names[u["unit"]], quote=False),
            u["unit"],
            str(u["in_box"]),
            str(u["listed"]),
            str(u["cancelled_rows"]),
        )
        for u in summary["paper"]["units"]
        if u["unit"] in held
    ]
    assert re.search(r"<strong data-cancelled-e-votes>1</strong>", page)
    assert _say("observer.paper.cancelled_why", lang) in paper
    assert _say("observer.paper.units", lang) in paper
    items = re.findall(r'<li data-paper-station="([^"]+)"( data-failures="\d+")?>', page)
    assert [(u, bool(f)) for u, f in items] == [
        ("station-1", False), ("station-2", True), ("station-4", False),
    ]  # fmt: skip
    for unit in PAPER_UNITS:
        start = page.index(f'data-paper-station="{unit}"')
        item = page[start : page.index("</li>", start)]
        assert html.escape(names[unit], quote=False) in item
        assert f'href="/e/{eid}/stations#station-{unit}"' in item
        if unit == "station-4":
            assert "data-no-protocol" in item and "data-protocol-link" not in item
            assert _say("observer.paper.no_protocol", lang) in html.unescape(item)
        else:
            assert "data-protocol-link" in item
        assert ("data-station-failures" in item) is (unit == "station-2")
    station_1 = page[page.index('data-paper-station="station-1"') :]
    said = _say("observer.paper.station_numbers", lang).format(in_box=1, voters=1, cancelled=1)
    assert said in html.unescape(station_1[: station_1.index("</li>")])
    if lang != "en":
        # the check's name (close.paper) is the one English word a failure shows
        assert not _LATIN_WORD.search(paper.replace("close.paper", "")), (lang, paper)


def test_the_stations_page_has_the_anchors_the_links_go_to(closed: Closed) -> None:
    page = closed.get(f"/e/{closed.election.id}/stations?lang=en").text
    for unit in PAPER_UNITS:
        assert f'id="station-{unit}"' in page


@pytest.mark.parametrize("lang", LANGUAGES)
def test_turnout_after_the_result_gives_the_paper_ballots_beside_the_online(
    closed: Closed, lang: str
) -> None:
    """The roll counts the paper stations' voters too, so the turnout snapshot and page
    give each reporting unit's paper ballots in the boxes beside its online ballots,
    from the result's ``paper.units`` (as the results page does)."""
    eid = closed.election.id
    summary = closed.get(f"/api/e/{eid}/results").json()
    closed.election.web.services.snapshots.run_once()
    snapshot = closed.get(f"/snapshots/{eid}/turnout.json").json()
    assert snapshot["phase"] == "done"
    in_box = {u["unit"]: u["in_box"] for u in summary["paper"]["units"]}
    online = {c["unit"]: c["ballots"] for c in summary["counted_per_unit"]}
    assert [(r["unit"], r["ballots"], r["paper"]) for r in snapshot["reporting_units"]] == [
        (u, online[u], in_box[u]) for u in online
    ]
    assert snapshot["total"]["ballots"] == summary["ballots_counted"] == len(ONLINE) - 1
    assert snapshot["total"]["paper"] == sum(in_box.values()) == 2

    text = html.unescape(closed.get(f"/e/{eid}/turnout?lang={lang}").text)
    table = text[text.index("data-counted>") : text.index("</table>", text.index("data-counted>"))]
    assert _say("observer.paper.online_per_unit", lang) in text
    assert _say("observer.counted_per_unit", lang) not in text
    heads = re.findall(r"<th[^>]*>([^<]*)</th>", table)
    assert heads[:3] == [
        _say("observer.col_unit", lang),
        _say("observer.paper.col_online", lang),
        _say("observer.paper.col_paper", lang),
    ]
    cells = re.findall(r'<td class="num">(\d+)</td><td class="num" data-paper>(\d+)</td>', table)
    assert cells == [(str(online[u]), str(in_box[u])) for u in online]
    assert f"data-paper-total>{sum(in_box.values())}<" in table
