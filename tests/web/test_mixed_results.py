"""The results of an election with a contest counted by mixing (protocol/mix.py), as the
results page and its JSON show them: the mixed contest's election-wide counts come from
the result's ``mixed`` member, it has no counts by unit (its ballots were shuffled before
they were decrypted), and the page says so in three languages.  The elections have
re-voting protection: five voters cast on their devices, and the close (its mixed
columns, ``column/<id>``) is run by trustees 2 and 3 (factories.closed_protected_record,
one election a test, SQLite)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from honestballot.service.demo import demo_manifest
from honestballot.verify.verifier import verify_record
from honestballot.web.i18n import STRINGS
from tests.factories import (
    WEB_ELECTION,
    DemoCeremony,
    WebElection,
    closed_protected_record,
    key_ceremony,
    larger_web_roll,
)
from tests.helpers import describe
from tests.web.test_observer import assert_clean_page

#: with re-voting protection a contest counted by mixing may admit at most one row (one
#: pattern of choices its ballots can decrypt to) per 100 voters on the roll
#: (docs/coercion.md §8.3, encrypted_roll.check_mixed_contests), however many ballots are
#: cast: the demo's contests cut to two candidates, each admitting three rows (the chair:
#: one candidate or "against all"; the council: one or both members), and a roll of 300
ROLL = larger_web_roll(300)
#: (national ID, unit) of the voters, and the choice each casts, once: station-1 three,
#: station-2 two (the roll makes station-1, -3 and -4 reporting units of their own and
#: pools station-2 with station-small; min_unit_size 2)
VOTERS = [
    ("900101300001", "station-1"),
    ("900101300002", "station-1"),
    ("900101300008", "station-1"),
    ("900101300003", "station-2"),
    ("900101300009", "station-2"),
]
CHOICES = [
    {"chair": {"cand-1"}, "council": {"member-1", "member-2"}},
    {"chair": {"cand-2"}, "council": {"member-2"}},
    {"chair": {"cand-1"}, "council": {"member-2"}},
    {"chair": {"against-all"}, "council": {"member-1"}},
    {"chair": {"cand-1"}, "council": {"member-1", "member-2"}},
]


def _ceremony(directory: Path, *mixed: str) -> DemoCeremony:
    demo = demo_manifest(WEB_ELECTION)
    chair, council = demo.contests
    two = [
        replace(chair, candidates=chair.candidates[:2]),  # one of two, or against all
        replace(council, candidates=council.candidates[:2], min_selections=1, max_selections=2),
    ]
    contests = tuple(replace(c, count="mix") if c.id in mixed else c for c in two)
    manifest = replace(demo, contests=contests, min_unit_size=2)
    return key_ceremony(manifest, directory, "mixed-web/" + "+".join(mixed))


def _closed(directory: Path, *mixed: str) -> Iterator[WebElection]:
    """The election with re-voting protection with ``mixed`` counted by mixing, VOTERS
    cast on their devices, closed, and its close run by trustees 2 and 3 (SQLite)."""
    (directory / "ceremony").mkdir()
    ceremony = _ceremony(directory / "ceremony", *mixed)
    voters = [(nid, (choice,), False) for (nid, _), choice in zip(VOTERS, CHOICES, strict=True)]
    with closed_protected_record(
        directory / "election", "mixed-web", voters=voters, audit=False, ceremony=ceremony,
        roll=ROLL,
    ) as (_, election, _):  # fmt: skip
        yield election.web


@pytest.fixture
def mixed_web(tmp_path: Path) -> Iterator[WebElection]:
    yield from _closed(tmp_path, "chair")


@pytest.fixture
def all_mixed_web(tmp_path: Path) -> Iterator[WebElection]:
    yield from _closed(tmp_path, "chair", "council")


def _unit_sections(page: str) -> list[str]:
    return re.findall(r'<section class="unit-result">(.*?)</section>', page, re.S)


def test_a_mixed_contest_is_shown_election_wide_only(mixed_web: WebElection) -> None:
    web = mixed_web
    r = web.client.get(f"/api/e/{web.election_id}/results")
    assert r.status_code == 200, r.text
    result = r.json()
    totals = {c["id"]: c["count"] for c in result["counts"]}
    # the mixed contest's counts, from the result's "mixed" member, in manifest order
    assert [i for i in totals if i.startswith("chair/")] == [
        "chair/cand-1",
        "chair/cand-2",
        "chair/against-all",
    ]
    assert totals["chair/cand-1"] == 3 and totals["chair/cand-2"] == 1
    assert totals["chair/against-all"] == 1
    assert not any("#" in i for i in totals)  # no mixed row's ciphertext as a count
    assert totals["council/member-1"] == 3 and totals["council/member-2"] == 4
    # the reporting units with ballots broken out (station-2 is in the pool), for the
    # summed contest only; station-3 and -4 have none
    assert [u["unit"] for u in result["per_unit"]] == ["station-1", "pool"]
    for unit in result["per_unit"]:
        assert all(c["id"].startswith("council/") for c in unit["counts"]), unit
    station_1, pool = ({c["id"]: c["count"] for c in u["counts"]} for u in result["per_unit"])
    assert station_1 == {"council/member-1": 1, "council/member-2": 3}
    assert pool == {"council/member-1": 2, "council/member-2": 1}
    assert result["counted_per_unit"] == [
        {"unit": "station-1", "ballots": 3},
        {"unit": "station-3", "ballots": 0},
        {"unit": "station-4", "ballots": 0},
        {"unit": "pool", "ballots": 2},
    ]
    assert result["units_not_broken_out"] == ["station-3", "station-4"]

    manifest = web.services.elections.context(web.election_id).manifest
    chair, council = manifest.contests
    for lang in ("ru", "kk", "en"):
        page = web.client.get(f"/e/{web.election_id}/results", params={"lang": lang})
        assert page.status_code == 200
        assert_clean_page(page.text)
        note = re.search(r"<p class=\"muted\" data-mixed-contests>(.*?)</p>", page.text, re.S)
        assert note is not None, lang
        words = STRINGS["observer.mixed_contests"][("ru", "kk", "en").index(lang)]
        assert note.group(1) == words.replace("{contests}", chair.title.get(lang))
        # election-wide: both contests; by unit: the summed one only, and no zeros shown
        # for the mixed contest
        assert f"<caption>{chair.title.get(lang)}</caption>" in page.text
        sections = _unit_sections(page.text)
        assert len(sections) == 2, lang
        for section in sections:
            assert f"<caption>{council.title.get(lang)}</caption>" in section
            assert chair.title.get(lang) not in section
        assert "data-small-units" in page.text  # station-3 and -4: no ballots
    report = verify_record(
        web.client.get(f"/e/{web.election_id}/record.jsonl").content.splitlines(keepends=True),
        workers=1,
    )
    assert report.passed, describe(report)


def test_an_election_of_mixed_contests_only_has_no_results_by_unit(
    all_mixed_web: WebElection,
) -> None:
    web = all_mixed_web
    result = web.client.get(f"/api/e/{web.election_id}/results").json()
    totals = {c["id"]: c["count"] for c in result["counts"]}
    assert totals["chair/cand-1"] == 3 and totals["chair/against-all"] == 1
    assert totals["council/member-1"] == 3 and totals["council/member-2"] == 4
    assert result["per_unit"] == []
    assert {"unit": "station-1", "ballots": 3} in result["counted_per_unit"]
    manifest = web.services.elections.context(web.election_id).manifest
    titles = ", ".join(c.title.get("kk") for c in manifest.contests)
    page = web.client.get(f"/e/{web.election_id}/results", params={"lang": "kk"}).text
    assert_clean_page(page)
    assert STRINGS["observer.mixed_contests"][1].replace("{contests}", titles) in page
    # no unit is "held back for its size": no contest is counted by unit at all
    assert _unit_sections(page) == [] and "data-small-units" not in page
    assert "data-ballots-counted>5<" in page
