"""The board browsed page by page (``/e/{id}/board`` without a search, and
``/api/e/{id}/board?after=&limit=``): every ballot once, in board order."""

from __future__ import annotations

from typing import Any

from tests.factories import WEB_ROLL, WebElection
from tests.web.test_voter_api import cast, credential, encrypt, register, signed_in


def cast_three(web: WebElection) -> list[str]:
    """Three voters cast one ballot each; their tracking hashes in casting order."""
    hashes = []
    for i, row in enumerate(WEB_ROLL[:3]):
        client = signed_in(web, row[0])
        cred = credential(f"pages-{i}")
        assert register(web, client, cred).status_code in (200, 201)
        ballot, _, tracking = encrypt(web, cred, seed=f"pages-{i}")
        assert cast(web, client, ballot).status_code == 201
        hashes.append(tracking)
    return hashes


def board_page(web: WebElection, **params: Any) -> dict[str, Any]:
    r = web.client.get(f"/api/e/{web.election_id}/board", params=params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_the_board_is_browsed_page_by_page(web: WebElection) -> None:
    cast = cast_three(web)
    first = board_page(web, limit=2)
    assert [e["tracking_hash"] for e in first["entries"]] == cast[:2]
    assert first["next_after"] == first["entries"][-1]["seq"]
    rest = board_page(web, limit=2, after=first["next_after"])
    assert [e["tracking_hash"] for e in rest["entries"]] == cast[2:]
    assert rest["next_after"] is None
    assert all(e["status"] == "counts" for e in first["entries"] + rest["entries"])

    html = web.client.get(f"/e/{web.election_id}/board?lang=en").text
    assert "Every ballot, in order" in html
    for entry in first["entries"] + rest["entries"]:
        assert entry["tracking_code"] in html
    assert "data-next" not in html and "data-first" not in html  # one page of 50
    later = web.client.get(
        f"/e/{web.election_id}/board", params={"after": rest["entries"][0]["seq"]}
    )
    assert "data-first" in later.text
    assert first["entries"][0]["tracking_code"] not in later.text


def test_an_empty_board_says_so(web: WebElection) -> None:
    html = web.client.get(f"/e/{web.election_id}/board?lang=kk").text
    assert "Тақтада әзірге бюллетень жоқ." in html
