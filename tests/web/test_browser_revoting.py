"""A voter of an election with re-voting protection votes in a real browser on a 360 px
phone (docs/coercion.md §2.4, §2.5, §3).

Against ``honestballot serve`` (SQLite; the API's store paths are tested on both databases
in test_revoting_*.py) with Debian's Chromium: the voter signs in; the ballot page, which
finds no credential on this device, asks for the activation code from the letter (a typo
is refused on the device, in the page's language), makes the credential seed on the
device, registers it and shows its ``HB2-`` code once; the voter chooses, encrypts
(ballot version 2) and casts, and the receipt page says "recorded" and why no status such
as "counts" is shown.  Back on the ballot page, the device uses the seed it keeps; the
voter then votes with a new credential: the activation code again, a new registration, a
cast under it, that ballot's tracking code shown once, and afterwards the device keeps
exactly what it kept before (the first seed's code), and a reload shows nothing of the
new credential.  The activation code and the seeds never leave the browser.  After the
batches (``services.batches``) the board holds both registrations and both cast rows,
the receipt page says "included" with the row's board entry and checks the row's inclusion
proof in the browser (a server answering a tampered proof, another row, or the row flagged
E1, with a broken counter proof or an extra body key gets "failed"),
and every page is at most 360 px wide.  A second device, holding no seed, takes the kept
``HB2-`` code instead of the letter (a typo refused on the device), keeps it and casts
under the same credential without registering; the code never leaves the browser.  A
valid code of no registration of the voter is refused by the service at the cast, and the
page goes back to the codes' card saying what to do, the choices kept; a cast under a
typed code is refused on the device once another tab has kept a code there.  A ballot
audited on the first device is on the board after the close, and its receipt checks the
audit entry in the browser.  The turnout page, in each language, gives the batches posted
against the schedule and the next one's time, filled by its script from the snapshot, and
no voted counts.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, ViewportSize, expect

from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.credential_seed import CredentialSeed, generate_seed
from honestballot.protocol.letters import LetterSecret
from honestballot.protocol.padding import E1
from honestballot.protocol.schedule import Schedule
from honestballot.web.i18n import LANGUAGES, STRINGS
from tests.factories import REVOTING_ELECTION, WEB_ROLL, DemoCeremonies, no_noise
from tests.web.test_browser import (
    FIRST,
    RESTORED,
    SECOND,
    STEP_TIMEOUT_MS,
    TRACKING_CODE,
    Server,
    Watch,
    _choose,
    _encrypt,
    _screenshots_on_failure,
    _serve,
    _sign_in,
    prepare_protected,
)
from tests.web.test_browser_phone import _WIDE_ELEMENTS, PHONE, _width

pytestmark = pytest.mark.slow

VOTER = WEB_ROLL[0][0]
#: a short interval, so that the rows go on the board while the test waits (the server
#: posts each batch 5 s after it is due); two rows and two registrations a batch
SCHEDULE = Schedule(20, ((2, 2),), cover=no_noise(0))
#: time for the batches holding both cast rows and both registrations to be posted
BATCHES_S = 180.0
HB2 = re.compile(r"^HB2(-[A-Z2-7]{1,5})+$")


@dataclasses.dataclass
class Revoting:
    server: Server
    #: national ID -> the voter's activation code (the letter the organiser printed)
    letters: dict[str, str]


@pytest.fixture
def revoting_server(demo_ceremony: DemoCeremonies, tmp_path: Path) -> Iterator[Revoting]:
    ceremony = demo_ceremony(REVOTING_ELECTION)
    letters: dict[str, str] = {}
    prepare = prepare_protected(ceremony, SCHEDULE, letters, "browser revoting")
    with _serve("sqlite", tmp_path, prepare) as running:
        yield Revoting(dataclasses.replace(running, election_id=REVOTING_ELECTION), letters)


def _say(key: str, lang: str) -> str:
    return STRINGS[key][LANGUAGES.index(lang)]


def _fits(page: Page, what: str, too_wide: list[str]) -> None:
    width = _width(page)
    if width > PHONE["width"]:
        culprits = page.evaluate(_WIDE_ELEMENTS, PHONE["width"])
        too_wide.append(f"{what}: {width} px: {culprits}")


def _stored(page: Page) -> Any:
    return page.evaluate(
        "(key) => localStorage.getItem(key)", f"honestballot:{REVOTING_ELECTION}:credential"
    )


def _verified(lang: str) -> re.Pattern[str]:
    """The receipt check's verdict for a board without witnesses, any tree size."""
    text = re.escape(_say("voter.receipt.verified", lang)).replace(re.escape("{size}"), r"\d+")
    return re.compile(f"^{text}$")


def test_a_voter_registers_with_the_letter_votes_and_votes_with_a_new_credential(
    revoting_server: Revoting, browser: Browser, tmp_path: Path
) -> None:
    server = revoting_server.server
    services = server.services
    eid = server.election_id
    letter = revoting_server.letters[VOTER]
    ctx = services.elections.context(eid)
    watch = Watch()
    answers: list[tuple[str, Any]] = []

    bodies: list[tuple[str, Any]] = []
    refused: list[tuple[str, Any]] = []

    def through(route: Route) -> None:
        """The page's POSTs to the re-voting API, passed on, what they sent and their
        answers kept (a refusal's answer apart)."""
        response = route.fetch()
        if route.request.method == "POST":
            what = route.request.url.rsplit("/", 1)[-1]
            if not response.ok:
                refused.append((what, response.json()["error"]["code"]))
            else:
                answers.append((what, response.json()))
                bodies.append((what, route.request.post_data_json))
        route.fulfill(response=response)

    with _screenshots_on_failure(watch, tmp_path, server):
        phone = ViewportSize(width=PHONE["width"], height=PHONE["height"])
        device = browser.new_context(viewport=phone, locale="ru-RU")
        watch.attach(device, "phone")
        page = device.new_page()
        page.route("**/api/e/*/revoting/**", through)
        too_wide: list[str] = []
        _sign_in(page, server, VOTER)

        # no credential on this device: the activation code from the letter
        expect(page.locator("#letter")).to_be_visible(timeout=STEP_TIMEOUT_MS)
        expect(page.locator("#ballot-form")).to_be_hidden()
        _fits(page, "vote: the letter", too_wide)
        typo = letter[:-1] + ("A" if letter[-1] != "A" else "B")
        page.locator("#letter-code").fill(typo)
        page.locator("#register").click()
        expect(page.locator("#letter-error")).to_have_text(_say("voter.letter.bad_code", "ru"))
        assert not any(what == "registration-start" for what, _ in answers)
        page.locator("#letter-code").fill(letter.lower())
        page.locator("#register").click()

        # the credential made here, registered, its code shown once
        code = page.locator("#credential2-code")
        expect(code).to_have_text(HB2, timeout=STEP_TIMEOUT_MS)
        first_code = code.inner_text().strip()
        expect(page.locator("#registration-tracking")).to_have_text(TRACKING_CODE)
        assert _stored(page) == first_code
        assert page.locator("#letter-code").input_value() == ""
        _fits(page, "vote: the credential's code", too_wide)
        page.locator("#registered-continue").click()
        expect(page.locator("#credential2-code")).to_have_text("")
        expect(page.locator("#registered")).to_be_hidden()

        # choose, encrypt (version 2), cast: the receipt says "recorded" and why no more
        expect(page.locator("#new-cast-advice")).to_have_text(_say("voter.newcred.advice", "ru"))
        _fits(page, "vote: the ballot", too_wide)
        tracking = _encrypt(page, FIRST)
        page.locator("#cast").click()
        page.wait_for_url(f"**/e/{eid}/receipt/*")
        first_hash = page.url.rsplit("/", 1)[-1]
        expect(page.locator("#tracking-code")).to_have_text(tracking)
        expect(page.locator("#receipt-status")).to_have_attribute("data-state", "recorded")
        expect(page.locator("#receipt-why")).to_have_text(_say("voter.receipt2.why", "ru"))
        _fits(page, "receipt: recorded", too_wide)

        # back on the ballot page the device uses the seed it keeps
        page.goto(server.url(f"/e/{eid}/vote"))
        expect(page.locator("#ballot-form")).to_be_visible(timeout=STEP_TIMEOUT_MS)
        expect(page.locator("#letter")).to_be_hidden()
        # an audit under it (on the board from the close; its receipt is checked below)
        _encrypt(page, RESTORED)
        page.locator("#audit").click()
        expect(page.locator("#audit-result")).to_be_visible(timeout=STEP_TIMEOUT_MS)
        audited_hash = next(a for what, a in answers if what == "audits")["tracking_hash"]

        # vote with a new credential: the letter again, a cast under the new credential,
        # its tracking code shown once
        _choose(page, SECOND)
        page.locator("#new-cast-open").click()
        expect(page.locator("#new-cast")).to_be_visible()
        _fits(page, "vote: a new credential", too_wide)
        page.locator("#new-letter-code").fill(letter)
        page.locator("#new-cast-go").click()
        done = page.locator("#new-cast-tracking")
        expect(done).to_have_text(TRACKING_CODE, timeout=STEP_TIMEOUT_MS)
        expect(page.locator("#new-cast-done")).to_be_visible()
        expect(page.locator("#new-cast")).to_be_hidden()
        second_code = done.inner_text().strip()
        _fits(page, "vote: cast with a new credential", too_wide)
        # the device keeps what it kept before, and nothing else of this election
        assert _stored(page) == first_code
        kept = page.evaluate("() => JSON.stringify({...localStorage, ...sessionStorage})")
        assert second_code not in kept and letter not in kept
        assert page.locator("#new-letter-code").input_value() == ""
        page.locator("#new-cast-hide").click()
        expect(page.locator("#new-cast-done")).to_be_hidden()
        expect(done).to_have_text("")
        page.reload()
        expect(page.locator("#ballot-form")).to_be_visible(timeout=STEP_TIMEOUT_MS)
        assert second_code not in page.content()
        assert _stored(page) == first_code

        # what went to the service: two starts, two registrations, two casts; neither the
        # activation code nor a seed ever left the browser
        kinds = [what for what, _ in answers]
        assert kinds.count("registration-start") == 2, kinds
        registrations = [a for what, a in answers if what == "registrations"]
        casts = [a for what, a in answers if what == "ballots"]
        assert len(registrations) == 2 and len(casts) == 2, kinds
        assert [c["status"] for c in casts] == ["recorded", "recorded"]
        assert casts[0]["tracking_hash"] == first_hash
        assert casts[1]["tracking_code"] == second_code
        secret = LetterSecret.from_code(letter)
        first_seed = CredentialSeed.from_code(first_code)
        sent = "\n".join(watch.sent)
        for never in (letter, letter.lower(), secret.secret.hex(), first_code,
                      first_seed.seed.hex()):  # fmt: skip
            assert never not in sent
        assert first_seed.tag_secret().hex() in sent  # t goes to the service (§2.4)

        # another device, holding no seed: the kept HB2- code instead of the letter; a
        # typo is refused on the device, the code kept here, the ballot cast under the
        # same credential with no registration
        other = browser.new_context(viewport=phone, locale="en-US")
        watch.attach(other, "device-2")
        page2 = other.new_page()
        page2.route("**/api/e/*/revoting/**", through)
        _sign_in(page2, server, VOTER)
        expect(page2.locator("#letter")).to_be_visible(timeout=STEP_TIMEOUT_MS)
        lang2 = page2.locator("#voter-app").get_attribute("data-lang") or "ru"
        _fits(page2, "vote: the letter or a kept code", too_wide)
        at = 10  # a character of the seed itself (after "HB2-" and the first group)
        typo2 = first_code[:at] + ("A" if first_code[at] != "A" else "B") + first_code[at + 1 :]
        page2.locator("#seed-code").fill(typo2)
        page2.locator("#use-seed").click()
        expect(page2.locator("#seed-code-error")).to_have_text(
            _say("voter.seedcode.bad_code", lang2)
        )
        expect(page2.locator("#ballot-form")).to_be_hidden()
        assert _stored(page2) is None
        # a valid code of no registration of this voter (another election's or voter's)
        # passes the checksum; the service refuses the cast, and the page goes back to the
        # card of the codes saying what to do, the choices kept and nothing kept
        stranger = generate_seed(SeededRandomness("a stranger"), ctx.base_hash).to_code()
        page2.locator("#seed-code").fill(stranger)
        page2.locator("#use-seed").click()
        expect(page2.locator("#ballot-form")).to_be_visible()
        _encrypt(page2, RESTORED)
        page2.locator("#cast").click()
        expect(page2.locator("#seed-code-error")).to_have_text(
            _say("voter.seedcode.not_registered", lang2), timeout=STEP_TIMEOUT_MS
        )
        expect(page2.locator("#letter")).to_be_visible()
        expect(page2.locator("#ballot-form")).to_be_hidden()
        expect(page2.locator("#encrypted")).to_be_hidden()
        expect(page2.locator("#voter-error")).to_be_hidden()
        assert refused == [("ballots", "not_registered")], refused
        assert _stored(page2) is None
        _fits(page2, "vote: a code of no registration", too_wide)
        watch.forget("/revoting/ballots")  # the browser logs the refusal (409)
        page2.locator("#seed-code").fill(first_code.lower())
        page2.locator("#use-seed").click()
        expect(page2.locator("#ballot-form")).to_be_visible()
        expect(page2.locator("#letter")).to_be_hidden()
        expect(page2.locator("#seed-code-error")).to_be_hidden()
        assert page2.locator("#seed-code").input_value() == ""
        assert _stored(page2) is None  # kept once a ballot under it is accepted
        expect(page2.locator('#ballot-form input[value="cand-4"]')).to_be_checked()
        restored = _encrypt(page2, RESTORED)
        # another tab of this device keeps a code meanwhile (a registration with the
        # letter there): the cast under the typed code is refused here, nothing sent, and
        # the device's code is not overwritten
        key = f"honestballot:{REVOTING_ELECTION}:credential"
        page2.evaluate("([k, c]) => localStorage.setItem(k, c)", [key, stranger])
        page2.locator("#cast").click()
        expect(page2.locator("#voter-error")).to_have_text(_say("voter.seedcode.kept_since", lang2))
        assert _stored(page2) == stranger
        assert len(refused) == 1 and [w for w, _ in answers].count("ballots") == 2
        page2.evaluate("(k) => localStorage.removeItem(k)", key)
        page2.locator("#cast").click()
        page2.wait_for_url(f"**/e/{eid}/receipt/*")
        restored_hash = page2.url.rsplit("/", 1)[-1]
        expect(page2.locator("#tracking-code")).to_have_text(restored)
        assert _stored(page2) == first_code
        other.close()
        kinds = [what for what, _ in answers]
        assert kinds.count("registration-start") == 2 and kinds.count("registrations") == 2, kinds
        casts = [a for what, a in answers if what == "ballots"]
        assert [c["tracking_hash"] for c in casts][2:] == [restored_hash]
        # the ballot names the kept credential (t and sigma of the first seed) and the
        # service counts it as that credential's second ballot
        last = [b for what, b in bodies if what == "ballots"][-1]
        assert last["private"]["tag_secret"] == first_seed.tag_secret().hex()
        assert last["private"]["voting_point"] == first_seed.voting_point(ctx.base_hash).hex()
        with services.store.connect() as conn:
            kept = services.store.credential_by_tag(
                conn, eid, first_seed.tag_point(ctx.base_hash).data
            )
        assert kept is not None and kept["ballots"] == 2, kept
        sent = "\n".join(watch.sent)
        for never in (first_code, first_code.lower(), typo2, first_seed.seed.hex()):
            assert never not in sent

        # after the batches the board holds both registrations and both cast rows
        on_board: dict[str, Any] = {}
        hashes = {
            **{r["tracking_hash"]: "registration" for r in registrations},
            **{c["tracking_hash"]: "cast-row" for c in casts},
        }
        assert len(hashes) == 5
        deadline = time.monotonic() + BATCHES_S
        while len(on_board) < len(hashes) and time.monotonic() < deadline:
            services.batches.post_due(eid)
            on_board = {
                ev.tracking_hash.hex(): ev
                for ev in services.store.iter_events(eid)
                if ev.tracking_hash is not None and ev.tracking_hash.hex() in hashes
            }
            time.sleep(1)
        assert {h: e.kind for h, e in on_board.items()} == hashes
        first_row = on_board[first_hash]
        assert json.loads(first_row.line)["kind"] == "cast-row"

        # the receipt now says "included", with the row's board entry, and checks the
        # row's inclusion proof under the signed tree head in the browser, in every language
        check = page.locator("#receipt-check-badge")
        message = page.locator("#receipt-message")
        for lang in LANGUAGES:
            page.goto(server.url(f"/e/{eid}/receipt/{first_hash}?lang={lang}"))
            expect(page.locator("#receipt-status")).to_have_attribute("data-state", "included")
            expect(page.locator("#receipt-seq")).to_have_text(str(first_row.seq))
            expect(page.locator("#receipt-why")).to_have_text(_say("voter.receipt2.why", lang))
            expect(check).to_have_attribute("data-state", "verified", timeout=STEP_TIMEOUT_MS)
            expect(message).to_have_text(_verified(lang))
            _fits(page, f"receipt: included [{lang}]", too_wide)

        # turnout: no voted counts, the batches posted against the schedule (the script
        # fills them from the snapshot) and why, on the phone in every language
        for lang in LANGUAGES:
            page.goto(server.url(f"/e/{eid}/turnout?lang={lang}"))
            posted = re.escape(_say("observer.batches.posted", lang))
            posted = posted.replace(re.escape("{posted}"), r"\d+").replace(
                re.escape("{scheduled}"), "180"
            )
            expect(page.locator("[data-batches-posted]")).to_have_text(re.compile(f"^{posted}$"))
            upcoming = re.escape(_say("observer.batches.next", lang)).replace(
                re.escape("{time}"), r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
            )
            expect(page.locator("[data-batches-next]")).to_have_text(re.compile(f"^{upcoming}$"))
            expect(page.locator("[data-total] [data-k=voters_on_roll]")).to_have_text(
                str(len(WEB_ROLL))
            )
            expect(page.locator("[data-turnout-protected]")).to_have_text(
                _say("observer.turnout.protected", lang)
            )
            assert page.locator("[data-k=voted], [data-k=credentials]").count() == 0
            _fits(page, f"turnout [{lang}]", too_wide)

        # a server answering a tampered proof, or another cast row, gets "failed"
        proof_url = f"**/api/e/{eid}/ballots/{first_hash}"
        other_row = on_board[casts[1]["tracking_hash"]]

        def tampered(change: Any) -> Any:
            def handle(route: Route) -> None:
                response = route.fetch()
                body = response.json()
                change(body)
                route.fulfill(response=response, json=body)

            return handle

        def flip_a_hash(body: dict[str, Any]) -> None:
            assert body["status"] == "included" and body["inclusion_proof"], body
            first = body["inclusion_proof"][0]
            body["inclusion_proof"][0] = ("0" if first[0] != "0" else "1") + first[1:]

        def another_row(body: dict[str, Any]) -> None:
            line = json.loads(other_row.line)
            line["seq"] = body["seq"]  # even placed at this row's seq
            body["event_line"] = json.dumps(line, sort_keys=True, separators=(",", ":"))

        def row_changed(change_row: Any) -> Any:
            def change(body: dict[str, Any]) -> None:
                line = json.loads(body["event_line"])
                change_row(line["body"])
                body["event_line"] = json.dumps(line, sort_keys=True, separators=(",", ":"))

            return change

        def flagged_e1(event_body: dict[str, Any]) -> None:
            # the voter's real ballot in a padding row (flag E1): never counted
            event_body["row"]["flag"] = {"alpha": E1.alpha.hex(), "beta": E1.beta.hex()}

        def counter_proof_broken(event_body: dict[str, Any]) -> None:
            proof = event_body["row"]["counter_proof"]
            proof["c"], proof["s"] = proof["s"], proof["c"]

        def extra_key(event_body: dict[str, Any]) -> None:
            event_body["note"] = "x"

        for change, reason, detail in (
            (flip_a_hash, "voter.receipt.bad_proof", "does not lead to the tree root"),
            (another_row, "voter.receipt.other_ballot", "holds another ballot"),
            (row_changed(flagged_e1), "voter.receipt.bad_proof", "flag of a cast row is not E0"),
            (row_changed(counter_proof_broken), "voter.receipt.bad_proof",
             "counter: proof of randomness does not verify"),
            (row_changed(extra_key), "voter.receipt.bad_proof", "unexpected field(s) note"),
        ):  # fmt: skip
            page.route(proof_url, tampered(change))
            page.goto(server.url(f"/e/{eid}/receipt/{first_hash}?lang=kk"))
            expect(check).to_have_attribute("data-state", "failed", timeout=STEP_TIMEOUT_MS)
            expect(message).to_contain_text(_say(reason, "kk"))
            expect(message).to_have_attribute("title", re.compile(re.escape(detail)))
            page.unroute(proof_url)
        # the receipt of the ballot cast on the second device checks too
        page.goto(server.url(f"/e/{eid}/receipt/{restored_hash}?lang=en"))
        expect(check).to_have_attribute("data-state", "verified", timeout=STEP_TIMEOUT_MS)
        for lang in LANGUAGES:
            page.goto(server.url(f"/e/{eid}/vote?lang={lang}"))
            expect(page.locator("#ballot-form")).to_be_visible(timeout=STEP_TIMEOUT_MS)
            page.locator("#new-cast-open").click()
            expect(page.locator("#ballot-error")).to_be_visible()  # nothing chosen yet
            _choose(page, FIRST)
            page.locator("#new-cast-open").click()
            expect(page.locator("#new-cast")).to_be_visible()
            _fits(page, f"vote: a new credential [{lang}]", too_wide)
        # the close puts the audit on the board: its receipt checks the audit entry
        services.elections.close(eid)
        page.goto(server.url(f"/e/{eid}/receipt/{audited_hash}?lang=kk"))
        expect(page.locator("#receipt-status")).to_have_attribute("data-state", "audited")
        expect(check).to_have_attribute("data-state", "verified", timeout=STEP_TIMEOUT_MS)
        expect(message).to_have_text(_verified("kk"))
        _fits(page, "receipt: audited, on the board", too_wide)
        assert not too_wide, "pages wider than 360 px:\n" + "\n".join(too_wide)
        watch.assert_clean()
        assert ctx.revoting
