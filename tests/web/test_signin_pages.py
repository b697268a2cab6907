"""A sign-in that explains itself, through the plain HTML forms: an expired code is named
as such and a new one is one button away; a limit says what was refused and when to try
again, in the voter's language; a shared phone's message names the member by the label
the organiser gave at import.  The election has re-voting protection: the module's open
one (``voters_web``), its one in setup, and, for the shared phone, one of the test's own
whose roll it imports before the encrypted roll is made.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from honestballot.crypto.randomness import SeededRandomness
from honestballot.service.clock import now_ms
from honestballot.service.encrypted_roll import Voter as RollVoter
from honestballot.service.messages.senders import read_outbox
from honestballot.web.i18n import STRINGS
from honestballot.web.messages import in_time
from tests.databases import KINDS, fresh_database
from tests.factories import (
    SMALL_SCHEDULE,
    WEB_ROLL,
    DemoCeremony,
    RevotingElection,
    WebElection,
    make_encrypted_roll,
    protected_election,
)
from tests.web.test_voter_pages import csrf_of, page, start_sign_in

KK, RU = 1, 0
BORIS_ID = WEB_ROLL[1][0]


def codes_to(web: WebElection, destination: str) -> list[str]:
    return [
        str(m["body"])
        for m in read_outbox(web.outbox)
        if m.get("destination") == destination and m.get("secret") is True
    ]


def test_an_expired_code_says_so_and_offers_a_new_one(voters_web: WebElection) -> None:
    web = voters_web
    client = web.client
    client.cookies.set("hb_lang", "kk")
    code_page = start_sign_in(web, client, BORIS_ID)
    first = web.code_for("77010000002")
    assert first is not None
    # eleven minutes later: the code (ten minutes) has expired, the sign-in has not
    web.services.signin.clock = lambda: now_ms() + 11 * 60 * 1000
    r = client.post(page(web, "/code"), data={"code": first, "csrf": csrf_of(code_page)})
    assert r.status_code == 401
    text = html.unescape(r.text)
    assert STRINGS["msg.signin.code_expired"][KK] in text
    assert 'action="/e/web-test/code/new"' in r.text and STRINGS["voter.code.new"][KK] in text

    r = client.post(page(web, "/code/new"), data={"csrf": csrf_of(r.text)})
    assert r.status_code == 200 and r.url.path == page(web, "/code")
    assert STRINGS["voter.code.resent"][KK] in html.unescape(r.text)
    second = web.code_for("77010000002")
    assert second is not None and second != first
    r = client.post(page(web, "/code"), data={"code": second, "csrf": csrf_of(r.text)})
    assert r.status_code == 200 and r.url.path == page(web, "/vote")


def test_a_wrong_code_says_how_many_attempts_are_left(voters_web: WebElection) -> None:
    web = voters_web
    client = web.client
    code_page = start_sign_in(web, client, BORIS_ID)
    right = web.code_for("77010000002")
    wrong = "000000" if right != "000000" else "111111"
    r = client.post(page(web, "/code"), data={"code": wrong, "csrf": csrf_of(code_page)})
    assert r.status_code == 401
    said = html.unescape(r.text)
    assert "Код неверный. Осталось попыток:" in said and "new-code-form" not in said


def test_a_code_limit_says_what_and_when_in_the_voters_language(voters_web: WebElection) -> None:
    web = voters_web
    client = web.client
    form = client.get(page(web, "/signin"))
    r = form
    for _ in range(10):
        r = client.post(
            page(web, "/signin"), data={"national_id": BORIS_ID, "csrf": csrf_of(form.text)}
        )
        if r.status_code == 429:
            break
    # the sign-in page again, not a bare error page, with the reason and the wait
    assert r.status_code == 429 and 'id="signin-form"' in r.text
    wait = int(r.headers["retry-after"])
    expected = STRINGS["msg.rate.code_requests"][RU].replace("{when}", in_time(wait, "ru"))
    assert expected in html.unescape(r.text)
    assert "через" in in_time(wait, "ru") and 0 < wait <= 300


def test_a_timed_out_sign_in_says_so(voters_web: WebElection) -> None:
    web = voters_web
    client = web.client
    start_sign_in(web, client, BORIS_ID)
    web.services.signin.clock = lambda: now_ms() + 31 * 60 * 1000
    r = client.get(page(web, "/code"))
    assert r.url.path == page(web, "/signin")
    assert STRINGS["voter.code.timed_out"][RU] in html.unescape(r.text)


SHARED = [
    ("900101300011", "Gulnara Family", "+7 701 000 0099", "", "station-1", "мама"),
    ("900101300012", "Timur Family", "+7 701 000 0099", "", "station-1", "сын 2"),
]


def roll_with_labels(rows: Sequence[tuple[str, ...]]) -> bytes:
    lines = ["national_id,name,phone,email,unit,label"] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(params=KINDS)
def in_setup(
    request: pytest.FixtureRequest, web_ceremony: DemoCeremony, tmp_path: Path
) -> Iterator[RevotingElection]:
    """The web election with re-voting protection in setup, the web roll imported, no
    encrypted roll yet: the test's own, since it opens it."""
    with (
        fresh_database(request.param, tmp_path / "db") as url,
        protected_election(
            web_ceremony, tmp_path, "shared phone", url=url, schedule=SMALL_SCHEDULE,
            open_=False, keep_roll=False,
        ) as election,
    ):  # fmt: skip
        yield election


def test_a_shared_phone_message_names_the_member(in_setup: RevotingElection) -> None:
    web = in_setup.web
    web.services.roll.add_exception(web.election_id, "+7 701 000 0099", "one family phone")
    assert web.services.roll.import_csv(web.election_id, roll_with_labels(SHARED)) == 2
    # the organiser's encrypted roll of the whole roll, the election opened with it
    voters = [RollVoter(row[0], row[1], row[4]) for row in [*WEB_ROLL, *SHARED]]
    make_encrypted_roll(
        web.services.elections, web.services.roll, web.election_id, in_setup.organiser,
        voters, SeededRandomness("shared phone roll"), open_=True,
    )  # fmt: skip
    start_sign_in(web, web.client, SHARED[1][0])
    (body,) = codes_to(web, "77010000099")
    assert body.startswith("Для: сын 2. ")
    assert "Timur" not in body and SHARED[1][0] not in body
    # a voter with a contact of their own gets no label
    start_sign_in(web, web.client, BORIS_ID)
    assert not codes_to(web, "77010000002")[-1].startswith("Для:")


def test_a_label_that_names_the_voter_is_refused(protected_setup: RevotingElection) -> None:
    web = protected_setup.web
    web.services.roll.add_exception(web.election_id, "+7 701 000 0099", "one family phone")
    rows = [SHARED[0], (*SHARED[1][:5], "Timur")]
    r = web.client.post(
        "/api/organiser/e/web-test/roll",
        content=roll_with_labels(rows),
        headers={**web.organiser_headers(), "content-type": "text/csv"},
    )
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "roll_rejected"
    assert error["problems"] == [
        "line 3: label 'Timur' holds the voter's name or ID; the message service would read it"
    ]
    assert error["problem_texts"][0].startswith("Строка 3: метка 'Timur' содержит имя")
    assert web.services.roll.count(web.election_id) == len(WEB_ROLL)
