"""The turnout page of an election with re-voting protection during the vote (issue 15;
docs/coercion.md §4), in Russian, Kazakh and English: no credential or voted counts, the
batches posted against the schedule and when the next is due (as the last snapshot says),
and why turnout per unit waits for the result.  The page after the result is tested with
the module's close in test_revoting_results.py."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from honestballot.web.i18n import LANGUAGES, STRINGS
from tests.factories import (
    REVOTING_ELECTION,
    SMALL_SCHEDULE,
    DemoCeremonies,
    RevotingElection,
    protected_election,
)

CHOICE = {"chair": {"cand-1"}, "council": {"member-1"}}


@pytest.fixture
def election(
    demo_ceremony: DemoCeremonies, database_url: str, tmp_path: Path
) -> Iterator[RevotingElection]:
    ceremony = demo_ceremony(REVOTING_ELECTION)
    with protected_election(
        ceremony, tmp_path / "board", "turnout page", url=database_url, schedule=SMALL_SCHEDULE
    ) as e:
        yield e


def say(key: str, lang: str) -> str:
    return STRINGS[key][LANGUAGES.index(lang)]


def grouped(n: int, lang: str) -> str:
    return f"{n:,}" if lang == "en" else f"{n:,}".replace(",", "\u00a0")


def test_during_the_vote_the_page_shows_batches_and_no_voted_counts(
    election: RevotingElection,
) -> None:
    services = election.web.services
    device = election.device("900101300001", "turnout device")
    seed, answer = device.register()
    assert answer.status_code == 201, answer.text
    ballot, _, private = device.ballot(seed, CHOICE)
    assert device.cast(ballot, private).status_code == 201
    election.post_batch()
    election.post_batch()
    services.snapshots.run_once()
    open_ms = services.batches.open_ms(election.id)
    assert open_ms is not None
    next_at = datetime.fromtimestamp((open_ms + 3 * 60_000) / 1000, UTC)
    client = election.web.client
    for lang in LANGUAGES:
        page = client.get(f"/e/{election.id}/turnout", params={"lang": lang})
        assert page.status_code == 200
        text = html.unescape(page.text)
        posted = (
            say("observer.batches.posted", lang)
            .replace("{posted}", "2")
            .replace("{scheduled}", grouped(60, lang))
        )
        assert f"<span data-batches-posted>{posted}</span>" in text, lang
        when = say("observer.batches.next", lang).replace(
            "{time}", next_at.strftime("%Y-%m-%d %H:%M:%S")
        )
        assert f"<span data-batches-next>{when}</span>" in text, lang
        assert say("observer.turnout.protected", lang) in text
        assert say("observer.batches.why", lang) in text
        # the templates the script fills the batches with, in the page's language
        assert f'data-msg-posted="{say("observer.batches.posted", lang)}"' in text
        # no count of credentials or voters, not even an empty column for one
        for key in ("observer.col_credentials", "observer.col_voted", "observer.voted_note"):
            assert say(key, lang) not in text, (key, lang)
        assert 'data-k="voted"' not in text and 'data-k="credentials"' not in text
        assert 'data-k="percent"' not in text
        assert say("observer.turnout_intro", lang) not in text  # version 1's words
    snapshot = client.get(f"/snapshots/{election.id}/turnout.json").json()
    assert snapshot["batches"]["posted"] == 2
    assert "voted" not in str(snapshot) and "credentials" not in str(snapshot)


def test_before_any_snapshot_the_page_waits_for_its_script(election: RevotingElection) -> None:
    page = election.web.client.get(f"/e/{election.id}/turnout", params={"lang": "en"}).text
    assert f"<span data-batches-posted>{say('observer.loading', 'en')}</span>" in page
    assert say("observer.turnout.protected", "en") in page
