"""The results of an election with a contest counted by mixing (protocol/mix.py), as the
results page and its JSON show them: the mixed contest's election-wide counts come from
the result's ``mixed`` member, it has no counts by unit (its ballots were shuffled before
they were decrypted), and the page says so in three languages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.mix import make_mix
from honestballot.service.demo import demo_manifest
from honestballot.verify.verifier import verify_record
from honestballot.web.i18n import STRINGS
from tests.databases import fresh_database
from tests.factories import (
    WEB_ELECTION,
    DemoCeremony,
    WebElection,
    key_ceremony,
    open_web_election,
    share_lines,
    submit_mix,
)
from tests.helpers import describe
from tests.web.test_observer import assert_clean_page, register, upload_share

#: the demo manifest with its chair contest counted by mixing, and units of two ballots
#: broken out
UNITS = ("station-1", "station-1", "station-1", "station-2", "station-2")
CHOICES = [
    {"chair": {"cand-1"}, "council": {"member-1", "member-2"}},
    {"chair": {"cand-2"}, "council": {"blank"}},
    {"chair": {"cand-1"}, "council": {"member-3"}},
    {"chair": {"against-all"}, "council": {"member-1"}},
    {"chair": {"cand-1"}, "council": {"member-2", "member-3"}},
]
#: (position, trustee) of each contest's mixes
MIXERS = ((1, 3), (2, 1))


def _ceremony(directory: Path, *mixed: str) -> DemoCeremony:
    demo = demo_manifest(WEB_ELECTION)
    contests = tuple(replace(c, count="mix") if c.id in mixed else c for c in demo.contests)
    manifest = replace(demo, contests=contests, min_unit_size=2)
    return key_ceremony(manifest, directory, "mixed-web/" + "+".join(mixed))


@pytest.fixture(scope="module")
def chair_mixed(tmp_path_factory: pytest.TempPathFactory) -> DemoCeremony:
    return _ceremony(tmp_path_factory.mktemp("chair-mixed"), "chair")


@pytest.fixture(scope="module")
def all_mixed(tmp_path_factory: pytest.TempPathFactory) -> DemoCeremony:
    return _ceremony(tmp_path_factory.mktemp("all-mixed"), "chair", "council")


def _web(ceremony: DemoCeremony, tmp_path: Path) -> Iterator[WebElection]:
    with (
        fresh_database("sqlite", tmp_path / "db") as url,
        open_web_election(ceremony, tmp_path, url, open_=False) as election,
    ):
        yield election


@pytest.fixture
def mixed_web(chair_mixed: DemoCeremony, tmp_path: Path) -> Iterator[WebElection]:
    yield from _web(chair_mixed, tmp_path)


@pytest.fixture
def all_mixed_web(all_mixed: DemoCeremony, tmp_path: Path) -> Iterator[WebElection]:
    yield from _web(all_mixed, tmp_path)


def _vote_mix_and_decrypt(web: WebElection) -> None:
    """Cast CHOICES in UNITS, close, have trustees 3 then 1 mix every mixed contest, tally
    and decrypt with trustees 1 and 2."""
    service, eid = web.services.elections, web.election_id
    voters = register(web, UNITS, seed="mixed")
    service.open(eid)
    for i, choice in enumerate(CHOICES):
        voters.cast(i, choice)
    service.close(eid)
    ctx = service.context(eid)
    rng = SeededRandomness("mixed-web/mixes")
    mixes = [(c.id, p, t) for c in ctx.manifest.contests if c.count == "mix" for p, t in MIXERS]
    for contest, position, trustee in mixes:
        share = web.ceremony.secrets[trustee - 1].key_share
        assert share is not None
        mix = make_mix(
            ctx.manifest,
            ctx.base_hash,
            ctx.public_key,
            contest,
            position,
            trustee,
            service.mix_input(eid, contest),
            rng,
        )
        submit_mix(service, eid, mix, share, rng)
    tally = service.tally(eid)
    for trustee in (1, 2):
        # the lines of the share file 'trustee decrypt' writes: parts, then the share
        for line in share_lines(web.ceremony.secrets[trustee - 1], tally, rng):
            assert upload_share(web, line.encode()).status_code == 201


def _unit_sections(page: str) -> list[str]:
    return re.findall(r'<section class="unit-result">(.*?)</section>', page, re.S)


def test_a_mixed_contest_is_shown_election_wide_only(mixed_web: WebElection) -> None:
    web = mixed_web
    _vote_mix_and_decrypt(web)

    r = web.client.get(f"/api/e/{web.election_id}/results")
    assert r.status_code == 200, r.text
    result = r.json()
    totals = {c["id"]: c["count"] for c in result["counts"]}
    # the mixed contest's counts, from the result's "mixed" member, in manifest order
    assert [i for i in totals if i.startswith("chair/")] == [
        *(f"chair/cand-{i}" for i in range(1, 6)),
        "chair/against-all",
    ]
    assert totals["chair/cand-1"] == 3 and totals["chair/cand-2"] == 1
    assert totals["chair/against-all"] == 1 and totals["chair/cand-5"] == 0
    assert not any("#" in i for i in totals)  # no mixed row's ciphertext as a count
    assert totals["council/member-1"] == 2 and totals["council/blank"] == 1
    # both units broken out, for the summed contest only
    assert [u["unit"] for u in result["per_unit"]] == ["station-1", "station-2"]
    for unit in result["per_unit"]:
        assert all(c["id"].startswith("council/") for c in unit["counts"]), unit
    station_1 = {c["id"]: c["count"] for c in result["per_unit"][0]["counts"]}
    assert station_1["council/member-3"] == 1 and station_1["council/member-2"] == 1

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
        assert "data-small-units" in page.text  # station-3, -4 and -small: no ballots
    report = verify_record(
        web.client.get(f"/e/{web.election_id}/record.jsonl").content.splitlines(keepends=True),
        workers=1,
    )
    assert report.passed, describe(report)


def test_an_election_of_mixed_contests_only_has_no_results_by_unit(
    all_mixed_web: WebElection,
) -> None:
    web = all_mixed_web
    _vote_mix_and_decrypt(web)
    result = web.client.get(f"/api/e/{web.election_id}/results").json()
    totals = {c["id"]: c["count"] for c in result["counts"]}
    assert totals["chair/cand-1"] == 3 and totals["council/member-2"] == 2
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
