"""A ranked election's results page (docs/ranked.md), in Russian, Kazakh and English: the
instant-runoff rounds with who was eliminated and why, Schulze's pairwise preferences,
strongest paths and order, each contest's winner, and the "against all" and "blank"
counts, all as the published result says (tests/factories.RANKED_VOTES in an election with
re-voting protection counted through the close, counted by hand in
tests/service/test_ranked_election.py).  And an audit's answer gives a ranked contest's
choices in their order."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from honestballot.web.i18n import LANGUAGES, STRINGS
from tests.factories import (
    RANKED_ELECTION,
    SMALL_SCHEDULE,
    WEB_ROLL,
    DemoCeremony,
    closed_ranked_election,
    key_ceremony,
    markers_allowed,
    protected_election,
    ranked_manifest,
)
from tests.web.test_observer import assert_clean_page


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app of the ranked election with re-voting protection, its result posted."""
    directory = tmp_path_factory.mktemp("ranked-web")
    (directory / "ceremony").mkdir()
    ceremony = key_ceremony(ranked_manifest(), directory / "ceremony", "ranked")
    with closed_ranked_election(ceremony, directory / "app", "ranked results") as (election, _):
        yield election.web.client


def _say(key: str, lang: str, **values: object) -> str:
    text = STRINGS[key][LANGUAGES.index(lang)]
    for name, value in values.items():
        text = text.replace(f"{{{name}}}", str(value))
    return text


def _cells(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html)
    ]


def _section(page: str, method: str) -> str:
    found = re.search(
        rf'<section class="ranked-result" data-ranked="{method}">(.*?)</section>', page, re.S
    )
    assert found is not None, method
    return found.group(1)


def test_the_results_page_shows_the_rounds_and_the_matrices(client: TestClient) -> None:
    result: dict[str, Any] = client.get(f"/api/e/{RANKED_ELECTION}/results").json()
    irv, schulze = result["ranked"]
    manifest = ranked_manifest()
    leader, board = manifest.contests
    assert irv["winner"] == "c" and len(irv["rounds"]) == 4
    for lang in LANGUAGES:
        page = client.get(f"/e/{RANKED_ELECTION}/results", params={"lang": lang}).text
        assert_clean_page(page)
        name = {o.id: o.label.get(lang) for c in manifest.contests for o in c.options}

        rounds = _section(page, "irv")
        assert f"<h2>{leader.title.get(lang)}</h2>" in rounds
        assert _say("observer.ranked.method.irv", lang) in rounds
        assert "data-rankings>9<" in rounds  # 11 ballots, 2 "against all"
        tables = re.findall(
            r'<table class="result irv-round" data-round="(\d)">(.*?)</table>', rounds, re.S
        )
        assert [n for n, _ in tables] == ["1", "2", "3", "4"]
        for (_, table), published in zip(tables, irv["rounds"], strict=True):
            cells = _cells(table)[2:]  # after the header
            want = [x for c in published["counts"] for x in (name[c["id"]], str(c["count"]))]
            want += [_say("observer.ranked.exhausted", lang), str(published["exhausted"])]
            assert cells == want, lang
        eliminated = re.findall(r"<p data-eliminated>(.*?)</p>", rounds)
        why = {
            r["eliminated"]: r["tie_break"] for r in irv["rounds"] if r["eliminated"] is not None
        }
        assert list(why.values()) == ["fewest", "fewest", "previous-rounds"]
        assert eliminated == [
            _say(
                "observer.ranked.eliminated",
                lang,
                name=name[out],
                why=_say(f"observer.ranked.why.{rule}", lang),
            )
            for out, rule in why.items()
        ]
        assert f'<td>{name["against-all"]}</td><td class="num">2</td>' in rounds
        assert _say("observer.ranked.winner", lang, name=name["c"]) in rounds

        matrices = _section(page, "schulze")
        assert f"<h2>{board.title.get(lang)}</h2>" in matrices
        for key in ("d", "p"):
            table = re.search(
                rf'<table class="matrix" data-matrix="{key}">(.*?)</table>', matrices, re.S
            )
            assert table is not None
            cells = _cells(table.group(1))
            n = len(board.candidates)
            assert cells[: n + 1] == ["", *map(str, range(1, n + 1))]
            for a, row in enumerate(schulze[key]):
                line = cells[(a + 1) * (n + 1) : (a + 2) * (n + 1)]
                assert line[0] == f"{a + 1}. {name[board.candidates[a].id]}"
                assert line[1:] == ["—" if a == b else str(v) for b, v in enumerate(row)]
        order = re.search(r"<ol data-order>(.*?)</ol>", matrices, re.S)
        assert order is not None
        assert re.findall(r"<li>(.*?)</li>", order.group(1)) == [
            name[c] for c in schulze["ranking"]
        ]
        assert _say("observer.ranked.winner", lang, name=name[schulze["winner"]]) in matrices
        assert f'<td>{name["blank"]}</td><td class="num">1</td>' in matrices


def test_an_audit_answers_a_ranked_contest_in_its_order(
    ranked_ceremony: DemoCeremony, tmp_path: Path
) -> None:
    """The audit of a ballot version 2 (POST revoting/audits): the options of a plural
    contest sorted, a ranked contest's choices in the order ranked (the ballot page
    compares them in that order)."""
    with (
        markers_allowed(),  # six voters on the roll (factories.markers_allowed)
        protected_election(
            ranked_ceremony, tmp_path, "ranked audit", schedule=SMALL_SCHEDULE
        ) as election,
    ):
        device = election.device(WEB_ROLL[0][0], "ranked audit")
        seed, answer = device.register()
        assert answer.status_code == 201, answer.text
        choice: Any = {
            "chair": frozenset({"cand-2"}),
            "leader": ("dana", "aigerim", "bolat"),
            "council": ("zarina", "xenia"),
        }
        ballot, opening, private = device.ballot(seed, choice)
        r = device.audit(ballot, opening, private)
        assert r.status_code == 200, r.text
        assert r.json()["choices"] == {
            "chair": ["cand-2"],
            "leader": ["dana", "aigerim", "bolat"],
            "council": ["zarina", "xenia"],
        }
