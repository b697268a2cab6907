"""A ranked election's results page (docs/ranked.md), in Russian, Kazakh and English: the
instant-runoff rounds with who was eliminated and why, Schulze's pairwise preferences,
strongest paths and order, each contest's winner, and the "against all" and "blank"
counts, all as the published result says (tests/factories.RANKED_VOTES, counted by hand in
tests/service/test_ranked_election.py).  And an audit's answer gives a ranked contest's
choices in their order."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.ballot import encrypt_ballot
from honestballot.protocol.credential import generate_credential
from honestballot.record.ballot import ballot_to_json, opening_to_json
from honestballot.service.runtime import ServerConfig
from honestballot.web.app import asgi
from honestballot.web.i18n import LANGUAGES, STRINGS
from tests.databases import fresh_database
from tests.factories import (
    RANKED_ELECTION,
    WEB_ROLL,
    DemoCeremony,
    key_ceremony,
    open_web_election,
    ranked_manifest,
)
from tests.factories import run_ranked_election as run_election
from tests.web.test_observer import assert_clean_page


@pytest.fixture(scope="module")
def ceremony(tmp_path_factory: pytest.TempPathFactory) -> DemoCeremony:
    return key_ceremony(ranked_manifest(), tmp_path_factory.mktemp("ranked-web"), "ranked")


@pytest.fixture
def client(ceremony: DemoCeremony, tmp_path: Path) -> Iterator[TestClient]:
    with fresh_database("sqlite", tmp_path / "db") as url:
        run_election(ceremony, url)
        config = ServerConfig(
            database_url=url,
            sender=f"file:{tmp_path / 'outbox'}",
            snapshot_dir=tmp_path / "snapshots",
            background=False,
        )
        with TestClient(asgi(config), base_url="http://testserver") as c:
            yield c


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
    """POST audits: the options of a plural contest sorted, a ranked contest's choices in
    the order ranked (the ballot page compares them in that order)."""
    with (
        fresh_database("sqlite", tmp_path / "db") as url,
        open_web_election(ranked_ceremony, tmp_path, url, open_=True) as web,
    ):
        client = web.client
        web.sign_in(client, WEB_ROLL[0][0])
        voter = generate_credential(SeededRandomness("ranked audit"))
        headers = {"x-csrf-token": web.csrf(client)}
        api = f"/api/e/{web.election_id}"
        r = client.post(
            f"{api}/credential", json={"credential": voter.public.hex()}, headers=headers
        )
        assert r.status_code in (200, 201), r.text
        choice = {
            "chair": frozenset({"cand-2"}),
            "leader": ("dana", "aigerim", "bolat"),
            "council": ("zarina", "xenia"),
        }
        ctx = web.services.elections.context(web.election_id)
        ballot, opening = encrypt_ballot(ctx, voter, choice, SeededRandomness("ranked audit/1"))
        body = {"ballot": ballot_to_json(ballot), "opening": opening_to_json(opening)}
        r = client.post(f"{api}/audits", json=body, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["choices"] == {
            "chair": ["cand-2"],
            "leader": ["dana", "aigerim", "bolat"],
            "council": ["zarina", "xenia"],
        }
