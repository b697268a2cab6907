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
from honestballot.web.observer import _batches_view
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
    assert "<span data-batches-next></span>" in page  # for the script to fill
    assert f'<p class="muted" data-status>{say("observer.loading", "en")}</p>' in page
    assert say("observer.turnout.protected", "en") in page


def _cell(text: str, marker: str) -> str:
    """The text of the roll cell that follows ``marker`` (a unit's row or the total's)."""
    start = text.index(marker)
    cell = text.index('data-k="voters_on_roll">', start) + len('data-k="voters_on_roll">')
    return text[cell : text.index("<", cell)]


def test_without_the_script_the_page_shows_the_snapshot_it_read(
    election: RevotingElection,
) -> None:
    """The roll cells, the status and the batches come from the last snapshot written,
    so a browser without JavaScript sees them; a next time a whole interval past
    says the batches are late."""
    services = election.web.services
    election.post_batch()
    services.snapshots.run_once()
    snapshot = election.web.client.get(f"/snapshots/{election.id}/turnout.json").json()
    open_ms = services.batches.open_ms(election.id)
    assert open_ms is not None
    due = open_ms + 2 * 60_000
    assert snapshot["batches"]["next_ms"] == due
    for lang in LANGUAGES:
        text = html.unescape(
            election.web.client.get(f"/e/{election.id}/turnout", params={"lang": lang}).text
        )
        for unit in snapshot["units"]:
            assert _cell(text, f'data-unit="{unit["unit"]}"') == grouped(
                unit["voters_on_roll"], lang
            ), (unit, lang)
        assert _cell(text, "data-total") == grouped(snapshot["total"]["voters_on_roll"], lang)
        generated = datetime.fromtimestamp(snapshot["generated_ms"] / 1000, UTC)
        status = f"{say('observer.updated', lang)}: {generated:%Y-%m-%d %H:%M:%S} (UTC)"
        assert f'<p class="muted" data-status>{status}</p>' in text, lang
    # the page's clock just past the next batch's time: not yet late (the snapshot may
    # not be rewritten yet); a whole interval past it: late, not "next at"
    services.elections.clock = lambda: due + 60_000
    text = html.unescape(election.web.client.get(f"/e/{election.id}/turnout").text)
    at = datetime.fromtimestamp(due / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
    upcoming = say("observer.batches.next", "en").replace("{time}", at)
    assert f"<span data-batches-next>{upcoming}</span>" in text
    services.elections.clock = lambda: due + 60_001
    text = html.unescape(election.web.client.get(f"/e/{election.id}/turnout").text)
    at = datetime.fromtimestamp(due / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
    late = say("observer.batches.late", "en").replace("{time}", at)
    assert f"<span data-batches-next>{late}</span>" in text
    assert f'data-msg-late="{say("observer.batches.late", "en")}"' in text


def test_once_closed_the_page_shows_the_batches_posted_and_no_schedule(
    election: RevotingElection,
) -> None:
    """From the close on: the batches posted with the close's block among them, that the
    close added it, no "of scheduled", no next time, and turnout published "with the
    result" (not "after the polls close")."""
    services = election.web.services
    election.post_batch()
    services.elections.close(election.id)
    services.snapshots.run_once()
    snapshot = election.web.client.get(f"/snapshots/{election.id}/turnout.json").json()
    assert snapshot["phase"] == "closed" and snapshot["batches"]["next_ms"] is None
    posted = snapshot["batches"]["posted"]
    assert posted == services.store.batches_posted(election.id) > 1  # the close's block
    for lang in LANGUAGES:
        text = html.unescape(
            election.web.client.get(f"/e/{election.id}/turnout", params={"lang": lang}).text
        )
        only = say("observer.batches.posted_only", lang).replace("{posted}", str(posted))
        assert f"<span data-batches-posted>{only}</span>" in text, lang
        closed = say("observer.batches.closed", lang)
        assert f"<span data-batches-next>{closed}</span>" in text, lang
        of_scheduled = say("observer.batches.posted", lang).replace("{posted}", str(posted))
        assert of_scheduled.replace("{scheduled}", grouped(60, lang)) not in text
        assert say("observer.turnout.protected_closed", lang) in text
        assert say("observer.turnout.protected", lang) not in text
        assert say("observer.batches.why", lang) in text


def test_past_the_listed_batches_the_page_drops_of_scheduled() -> None:
    """While open, more batches posted than the listed hours' (a vote running past them)
    show the number posted alone."""
    batches = {"posted": 61, "scheduled": 60, "interval_s": 60, "next_ms": 2_000}
    view = _batches_view(batches, False, "en", 1_000)
    assert view["posted"] == say("observer.batches.posted_only", "en").replace("{posted}", "61")
    assert view["next"] == say("observer.batches.next", "en").replace(
        "{time}", "1970-01-01 00:00:02"
    )
    within = _batches_view({**batches, "posted": 60}, False, "en", 1_000)
    assert within["posted"] == "Batches posted: 60 of 60 scheduled"
