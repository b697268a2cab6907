"""The board browsed page by page (``/e/{id}/board`` without a search, and
``/api/e/{id}/board?after=&limit=``): every cast row once, in board order, on the
module's election with re-voting protection (a batch of the voters' rows and the cover's)."""

from __future__ import annotations

from typing import Any

from tests.factories import SMALL_SCHEDULE, WEB_ROLL, RevotingElection, WebElection
from tests.web.test_voter_api import CHOICE


def cast_three(election: RevotingElection) -> list[str]:
    """Three voters register and cast one ballot each, and the batch is posted: their
    tracking hashes."""
    hashes = []
    for i, row in enumerate(WEB_ROLL[:3]):
        device = election.device(row[0], f"pages-{i}")
        seed, registered = device.register()
        assert registered.status_code == 201, registered.text
        ballot, _, private = device.ballot(seed, CHOICE)
        r = device.cast(ballot, private)
        assert r.status_code == 201, r.text
        hashes.append(r.json()["tracking_hash"])
    election.post_batch()
    return hashes


def board_page(web: WebElection, **params: Any) -> dict[str, Any]:
    r = web.client.get(f"/api/e/{web.election_id}/board", params=params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_the_board_is_browsed_page_by_page(
    voters_web: WebElection, protected_web: RevotingElection
) -> None:
    web = voters_web
    cast = cast_three(protected_web)
    rows = SMALL_SCHEDULE.hours[0][0]
    first = board_page(web, limit=rows - 3)
    assert len(first["entries"]) == rows - 3
    assert first["next_after"] == first["entries"][-1]["seq"]
    rest = board_page(web, limit=rows - 3, after=first["next_after"])
    assert len(rest["entries"]) == 3 and rest["next_after"] is None
    entries = first["entries"] + rest["entries"]
    seqs = [e["seq"] for e in entries]
    assert seqs == sorted(seqs) and len(set(seqs)) == rows  # each row once, in board order
    assert set(cast) <= {e["tracking_hash"] for e in entries}
    assert all(e["kind"] == "cast-row" and e["status"] == "included" for e in entries)
    everything = board_page(web)
    assert everything["entries"] == entries and everything["next_after"] is None

    html = web.client.get(f"/e/{web.election_id}/board?lang=en").text
    assert "Every ballot, in order" in html
    for entry in entries:
        assert entry["tracking_code"] in html
    assert "data-next" not in html and "data-first" not in html  # one page of 50
    later = web.client.get(
        f"/e/{web.election_id}/board", params={"after": rest["entries"][0]["seq"]}
    )
    assert "data-first" in later.text
    assert first["entries"][0]["tracking_code"] not in later.text
    assert all(e["tracking_code"] in later.text for e in rest["entries"][1:])


def test_an_empty_board_says_so(protected_setup: RevotingElection) -> None:
    web = protected_setup.web
    html = web.client.get(f"/e/{web.election_id}/board?lang=kk").text
    assert "Тақтада әзірге бюллетень жоқ." in html
    assert board_page(web) == {"entries": [], "next_after": None}
