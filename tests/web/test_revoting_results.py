"""The result of an election with re-voting protection on its page and in the API
(issue 15), on SQLite and PostgreSQL: four voters of three units (the manifest's
``min_unit_size`` 2 makes ``station-1`` a reporting unit of its own and the others
``pool``) register, vote, vote again and replace a credential; the trustees run the close
through the service to its end; ``GET /api/e/ID/results`` then gives the counts, the
ballots counted per reporting unit, each reporting unit's manifest units and the close's
totals, and the results page names the reporting units and shows the totals with why
only counted ballots are given per unit, in Russian, Kazakh and English.  Before the
result the page says which round the close is in, and nothing of decryption shares.

One close is run per database for the whole module (it takes a few seconds)."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from honestballot.crypto.randomness import SeededRandomness
from honestballot.errors import ProtocolError
from honestballot.protocol.close_b import LAST_ROUND
from honestballot.protocol.manifest import BLANK
from honestballot.protocol.schedule import Cover, Schedule
from honestballot.service.board import close as close_service
from honestballot.service.demo import demo_manifest
from honestballot.web.i18n import LANGUAGES, STRINGS
from honestballot.web.results import CLOSE_TOTALS
from tests.databases import KINDS, fresh_database
from tests.factories import (
    WEB_ROLL,
    DemoCeremony,
    RevotingElection,
    key_ceremony,
    open_revoting_election,
    open_web_app,
)
from tests.web.close_helpers import run_close

ELECTION = "web-revoting-results"
SCHEDULE = Schedule(60, ((8, 4),), cover=Cover(0, 100_000))
#: (national ID, its unit on the web roll, the choices it casts in order); the third
#: replaces its credential before its second ballot
VOTERS = [
    ("900101300001", "station-1", [{"chair": {"cand-1"}, "council": {"member-1"}}]),
    (
        "900101300002",
        "station-1",
        [
            {"chair": {"cand-1"}, "council": {BLANK}},
            {"chair": {"cand-2"}, "council": {"member-1", "member-2"}},
        ],
    ),
    (
        "900101300003",
        "station-2",
        [
            {"chair": {"cand-2"}, "council": {"member-2"}},
            {"chair": {"cand-1"}, "council": {BLANK}},
        ],
    ),
    ("900101300004", "station-3", [{"chair": {"cand-3"}, "council": {"member-3"}}]),
]
#: the reporting units the roll gets from WEB_ROLL's counts and min_unit_size 2
REPORTING_UNITS: list[dict[str, Any]] = [
    {"id": "station-1", "units": ["station-1"]},
    {"id": "pool", "units": ["station-2", "station-3", "station-4", "station-small"]},
]


@pytest.fixture(scope="module")
def ceremony(tmp_path_factory: pytest.TempPathFactory) -> DemoCeremony:
    manifest = replace(demo_manifest(ELECTION), min_unit_size=2)
    return key_ceremony(manifest, tmp_path_factory.mktemp("revoting-results"), ELECTION)


@dataclass
class Finished:
    election: RevotingElection
    #: the results page in each language while the close was under way (round A-mix)
    during: dict[str, str]
    rounds: list[str]

    def get(self, path: str) -> Any:
        return self.election.web.client.get(path)


def _vote_and_close(election: RevotingElection) -> None:
    services = election.web.services
    open_ms = services.batches.open_ms(election.id)
    assert open_ms is not None
    for national_id, _, choices in VOTERS:
        device = election.device(national_id, f"device {national_id}")
        seed, answer = device.register()
        assert answer.status_code == 201, answer.text
        for i, choice in enumerate(choices):
            if i and national_id == "900101300003":  # a new credential on another device
                device = election.device(national_id, "another device")
                seed, answer = device.register()
                assert answer.status_code == 201, answer.text
            ballot, _, private = device.ballot(seed, choice)
            answer = device.cast(ballot, private)
            assert answer.status_code == 201, answer.text
    services.elections.clock = lambda: open_ms + SCHEDULE.interval * 1000 + 10
    services.elections.close(election.id)


@pytest.fixture(scope="module", params=KINDS)
def finished(
    request: pytest.FixtureRequest,
    web_ceremony: DemoCeremony,
    ceremony: DemoCeremony,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Finished]:
    tmp: Path = tmp_path_factory.mktemp(f"results-{request.param}")
    with (
        fresh_database(request.param, tmp / "db") as url,
        open_web_app(web_ceremony, tmp, url) as web,
    ):
        election = open_revoting_election(
            web, ceremony, SeededRandomness("revoting results"), schedule=SCHEDULE
        )
        assert web.client.get(f"/api/e/{election.id}/results").status_code == 409
        _vote_and_close(election)
        during = {
            lang: web.client.get(f"/e/{election.id}/results?lang={lang}").text for lang in LANGUAGES
        }
        said: list[str] = []

        def page_says(_: str) -> None:
            page = web.client.get(f"/e/{election.id}/results?lang=en").text
            said.extend(
                re.findall(r"<p data-close-round>The close is under way: round (\S+) now", page)
            )

        rng = SeededRandomness("trustees of the results")
        rounds = run_close(election, ceremony, rng, page_says)
        assert said == rounds  # the page said each round as the close went
        yield Finished(election, during, rounds)


def _expected_counts(finished: Finished) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """The counts of every voter's last ballot: in total, and per reporting unit."""
    manifest = finished.election.ctx.manifest
    of_unit = {u: r["id"] for r in REPORTING_UNITS for u in r["units"]}
    ids = [f"{c.id}/{o}" for c in manifest.contests for o in c.slot_ids]
    totals = dict.fromkeys(ids, 0)
    per_unit = {r["id"]: dict.fromkeys(ids, 0) for r in REPORTING_UNITS}
    for _, unit, choices in VOTERS:
        for contest, options in choices[-1].items():
            for option in options:
                totals[f"{contest}/{option}"] += 1
                per_unit[of_unit[unit]][f"{contest}/{option}"] += 1
    return totals, per_unit


def test_the_api_gives_the_result_per_reporting_unit_and_the_close_totals(
    finished: Finished,
) -> None:
    assert finished.rounds[0] == "A-mix" and finished.rounds[-1] == "B-tally"
    eid = finished.election.id
    answer = finished.get(f"/api/e/{eid}/results")
    assert answer.status_code == 200, answer.text
    summary = answer.json()
    totals, per_unit = _expected_counts(finished)
    assert {c["id"]: c["count"] for c in summary["counts"]} == totals
    assert summary["counted_per_unit"] == [
        {"unit": "station-1", "ballots": 2},
        {"unit": "pool", "ballots": 2},
    ]
    assert summary["ballots_counted"] == 4 and summary["min_unit_size"] == 2
    # both reporting units have 2 counted ballots: both are broken out
    assert [u["unit"] for u in summary["per_unit"]] == ["station-1", "pool"]
    for unit in summary["per_unit"]:
        assert {c["id"]: c["count"] for c in unit["counts"]} == per_unit[unit["unit"]]
    assert summary["units_not_broken_out"] == []
    assert summary["reporting_units"] == REPORTING_UNITS
    # the close's totals: six ballots cast (one again, one under a new credential), five
    # credentials whose last ballot was selected, the replaced one revoked, four left
    close = summary["close"]
    assert set(close) == {
        "cast_rows",
        "cover_rows",
        "padding_rows",
        "registrations",
        "selected",
        "revoked",
        "survivors",
    }
    assert (close["cast_rows"], close["selected"], close["revoked"], close["survivors"]) == (
        6,
        5,
        1,
        4,
    )
    assert close["registrations"] >= 5 and close["padding_rows"] >= 0
    # exactly what the board's result says, and the trustees who decrypted it
    store = finished.election.web.services.store
    (event,) = store.iter_events(eid, kinds=("result",))
    body = json.loads(event.line)["body"]
    assert close == body["close"] and summary["trustees"] == body["trustees"] == [2, 3]
    assert summary["rejected_shares"] == [] and summary["ranked"] == []
    assert not list(store.iter_events(eid, kinds=("tally",)))


def _reporting_units(lang: str) -> tuple[str, str]:
    """The names the pages give the two reporting units of WEB_ROLL's election in
    ``lang``: station 1 broken out, and the pool of the units under the minimum size."""
    station_1 = {"ru": "Участок 1", "kk": "Учаске 1", "en": "Station 1"}[lang]
    others = {
        "ru": "Участок 2, Участок 3, Участок 4, Малый участок",
        "kk": "Учаске 2, Учаске 3, Учаске 4, Шағын учаске",
        "en": "Station 2, Station 3, Station 4, Small station",
    }[lang]
    pool = STRINGS["observer.pool"][LANGUAGES.index(lang)].replace("{units}", others)
    return station_1, pool


def _between(page: str, start: str, end: str) -> str:
    """The page's text from the tag of the first ``start`` to the next ``end``, without
    tags."""
    i = page.index(">", page.index(start)) + 1  # from the end of the tag ``start`` is in
    part = page[i : page.index(end, i)]
    return html.unescape(re.sub(r"<[^>]+>", " ", part))


_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_page_names_the_reporting_units_and_shows_the_close_totals(
    finished: Finished, lang: str
) -> None:
    i = LANGUAGES.index(lang)
    eid = finished.election.id
    answer = finished.get(f"/e/{eid}/results?lang={lang}")
    assert answer.status_code == 200, answer.text
    page = answer.text
    station_1, pool = _reporting_units(lang)
    # the units broken out, each by name, and the ballots counted per reporting unit
    units = _between(page, "<h2>" + STRINGS["observer.per_unit"][i], '<table class="counted">')
    assert [h.strip() for h in re.findall(r"<h3>([^<]*)</h3>", page)] == [station_1, pool]
    start = page.index('<table class="counted">')
    table = page[start : page.index("</table>", start)]
    rows = re.findall(r'<tr><td>([^<]*)</td><td class="num">(\d+)</td></tr>', table)
    assert rows == [(station_1, "2"), (pool, "2")]
    counted = _between(page, '<table class="counted">', "</table>")
    assert "pool" not in units + counted
    # the close's totals, with why only counted ballots are given per unit
    why = _between(page, "data-close-why", "</p>")
    assert STRINGS["observer.close.why"][i] in why
    totals = _between(page, "data-close-totals", "</table>")
    rows = re.findall(r'data-close="([a-z_]+)"><td>([^<]*)</td><td class="num">(\d+)<', page)
    summary = finished.get(f"/api/e/{eid}/results").json()
    assert rows == [
        (key, html.escape(STRINGS[f"observer.close.{key}"][i], quote=False), str(value))
        for key, value in [*((k, summary["close"][k]) for k in CLOSE_TOTALS), ("counted", 4)]
    ]
    assert "data-no-results" not in page and "data-close-round" not in page
    # the schedule's epsilon of 100 (exact counts, for the test): the page says the counts
    # do not hide how many replaced, and claims no ratio
    exposed = _between(page, "data-cover-exposed", "</p>")
    assert STRINGS["observer.cover.exposed"][i] in exposed
    assert "data-cover-hides" not in page
    if lang != "en":
        for text in (units, counted, why, totals, exposed):
            assert not _LATIN_WORD.search(text), (lang, text)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_after_the_result_turnout_gives_the_ballots_counted_per_reporting_unit(
    finished: Finished, lang: str
) -> None:
    """The turnout snapshot and page after the close: per reporting unit its manifest
    units, voters on the roll and the ballots the close counted (the result's
    ``counted_per_unit``), never a credential or voted count."""
    i = LANGUAGES.index(lang)
    eid = finished.election.id
    services = finished.election.web.services
    services.snapshots.run_once()
    snapshot = finished.get(f"/snapshots/{eid}/turnout.json").json()
    roll = Counter(row[4] for row in WEB_ROLL)
    assert snapshot["phase"] == "done" and snapshot["protected"] is True
    assert snapshot["reporting_units"] == [
        {
            "unit": r["id"],
            "units": r["units"],
            "voters_on_roll": sum(roll[u] for u in r["units"]),
            "ballots": 2,
        }
        for r in REPORTING_UNITS
    ]
    assert snapshot["total"] == {"voters_on_roll": len(WEB_ROLL), "ballots": 4}
    assert snapshot["batches"]["next_ms"] is None
    assert "voted" not in json.dumps(snapshot) and "credentials" not in json.dumps(snapshot)

    answer = finished.get(f"/e/{eid}/turnout?lang={lang}")
    assert answer.status_code == 200, answer.text
    page = answer.text
    station_1, pool = _reporting_units(lang)
    start = page.index('<table class="counted" data-counted>')
    table = page[start : page.index("</table>", start)]
    rows = re.findall(r'<tr><td>([^<]*)</td><td class="num">(\d+)</td></tr>', table)
    assert rows == [(station_1, "2"), (pool, "2")]
    assert '<td class="num" data-counted-total>4</td>' in table
    # the table's column headers; no paper column without paper stations
    assert re.findall(r"<th[^>]*>([^<]*)</th>", table)[:2] == [
        STRINGS["observer.col_unit"][i],
        html.escape(STRINGS["observer.ballots_counted"][i], quote=False),
    ]
    assert "data-paper" not in table
    # published with the result, no longer "after the polls close"
    assert STRINGS["observer.turnout.protected_closed"][i] in html.unescape(page)
    assert STRINGS["observer.turnout.protected"][i] not in html.unescape(page)
    assert STRINGS["observer.counted_per_unit"][i] in page
    assert STRINGS["observer.turnout.counted_intro"][i] in html.unescape(page)
    for key in ("observer.col_credentials", "observer.col_voted"):
        assert STRINGS[key][i] not in page
    if lang != "en":
        assert not _LATIN_WORD.search(_between(page, "data-counted", "</table>"))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_before_the_result_the_page_says_the_close_is_under_way(
    finished: Finished, lang: str
) -> None:
    i = LANGUAGES.index(lang)
    page = finished.during[lang]
    assert "data-no-results" in page and "data-ballots-counted" not in page
    said = STRINGS["observer.close.round"][i].replace("{round}", "A-mix")
    assert f"<p data-close-round>{said}</p>" in page
    no_results = STRINGS["observer.close.no_results"][i]
    assert no_results.split("{")[0] in page
    # no decryption shares: the close has none, and no share upload is offered
    assert "decryption-shares" not in page and "data-share" not in page
    if lang != "en":
        text = _between(page, "data-no-results", "</p>")
        assert not _LATIN_WORD.search(text), (lang, text)


def test_a_close_over_without_a_result_is_not_said_to_be_under_way(
    web_ceremony: DemoCeremony,
    ceremony: DemoCeremony,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When the close's last round is done but its decryption gives no result (a ballot
    whose proofs fail, which the service's checks rule out and verify names), the page
    says the close is over and points to the record, instead of "under way" for ever."""

    def no_result(*_: Any, **__: Any) -> Any:
        raise ProtocolError("a value out of range")  # what close_result raises then

    monkeypatch.setattr(close_service, "close_result", no_result)
    with (
        fresh_database("sqlite", tmp_path / "db") as url,
        open_web_app(web_ceremony, tmp_path, url) as web,
    ):
        election = open_revoting_election(
            web, ceremony, SeededRandomness("no result"), schedule=SCHEDULE
        )
        device = election.device(VOTERS[0][0], "a phone")
        seed, answer = device.register()
        assert answer.status_code == 201, answer.text
        assert device.cast(*device.ballot(seed, VOTERS[0][2][0])[::2]).status_code == 201
        services = web.services
        open_ms = services.batches.open_ms(election.id)
        assert open_ms is not None
        services.elections.clock = lambda: open_ms + SCHEDULE.interval * 1000 + 10
        services.elections.close(election.id)
        rounds = run_close(election, ceremony, SeededRandomness("trustees, no result"))
        assert rounds[-1] == LAST_ROUND
        assert services.elections.phase(election.id) == "closed"
        assert web.client.get(f"/api/e/{election.id}/results").status_code == 409
        for i, lang in enumerate(LANGUAGES):
            page = web.client.get(f"/e/{election.id}/results?lang={lang}").text
            assert "data-close-round" not in page and "data-ballots-counted" not in page
            said = _between(page, "data-close-over", "</a>")
            assert STRINGS["observer.close.no_result"][i] in said
            assert STRINGS["record"][i] in said
