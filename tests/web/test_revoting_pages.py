"""The voter's pages of an election with re-voting protection (web/voter_pages.py,
templates/voter_vote.html and voter_receipt.html; docs/coercion.md §2.4, §2.5, §3), on
SQLite and PostgreSQL.

The page script cannot run under TestClient (tests/web/test_browser_revoting.py drives
it in Chromium); here: the ballot page of such an election carries the activation-code
step with the field for a kept ``HB2-`` code, the credential's one-time display and "vote
with a new credential" with its advice, in every language and without inline code, and a
version 1 election's page carries none of them; the receipt page of a ballot version 2
says "recorded" while its row waits for its batch (with no check to run) and "included"
(with the row's board entry and the place for the browser's check of its inclusion
proof) once the batch is posted, why no status such as "counts" is shown, and never the
version 1 receipt's "only your last ballot counts"; an audited ballot version 2 is
"audited"; an unknown or misshapen hash is 404.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.credential_seed import generate_seed
from honestballot.web.i18n import LANGUAGES
from honestballot.web.strings_voter import STRINGS
from tests.factories import (
    REVOTING_ELECTION,
    REVOTING_SCHEDULE,
    DemoCeremonies,
    RevotingElection,
    WebElection,
    open_revoting_election,
)
from tests.web.test_js_crypto import _node, err, js_one, ok, run_js
from tests.web.test_voter_pages import assert_no_inline_code, assert_posting_forms_carry_csrf

VOTER = "900101300001"

#: what only the ballot page of an election with re-voting protection carries
REVOTING_PARTS = (
    'id="letter"',
    'id="letter-code"',
    'id="seed-code"',
    'id="use-seed"',
    'id="registered"',
    'id="new-cast-open"',
    'id="new-cast-advice"',
    'id="new-cast"',
    'id="new-cast-done"',
)


@pytest.fixture
def election(web: WebElection, demo_ceremony: DemoCeremonies) -> Iterator[RevotingElection]:
    ceremony = demo_ceremony(REVOTING_ELECTION)
    yield open_revoting_election(web, ceremony, SeededRandomness("revoting pages"))


def _said(key: str, lang: str) -> str:
    return str(escape(STRINGS[key][LANGUAGES.index(lang)]))


def test_the_ballot_page_asks_for_the_letter_and_offers_a_new_credential(
    election: RevotingElection,
) -> None:
    device = election.device(VOTER, "ballot page")
    for lang in LANGUAGES:
        r = device.client.get(f"/e/{election.id}/vote", params={"lang": lang})
        assert r.status_code == 200, r.text
        page = r.text
        assert_no_inline_code(page)
        assert_posting_forms_carry_csrf(page)
        for part in REVOTING_PARTS:
            assert part in page, (lang, part)
        # version 1's credential cards (an `HB1-` key made and restored here) are gone
        for part in ('id="credential-new"', 'id="credential-restore"', 'id="restore-code"'):
            assert part not in page, (lang, part)
        for key in (
            "voter.letter.intro",
            "voter.letter.label",
            "voter.seedcode.title",
            "voter.seedcode.intro",
            "voter.seedcode.use",
            "voter.cred2.code",
            "voter.cred2.stored",
            "voter.newcred.button",
            "voter.newcred.advice",
            "voter.newcred.intro",
            "voter.newcred.write",
        ):
            assert _said(key, lang) in page, (lang, key)
        # the texts the script says, from the catalogue in the page's language
        assert f'data-letter-bad-code="{_said("voter.letter.bad_code", lang)}"' in page
        assert f'data-new-casting="{_said("voter.newcred.casting", lang)}"' in page
        assert f'data-seed-bad-code="{_said("voter.seedcode.bad_code", lang)}"' in page
        assert f'data-seed-not-registered="{_said("voter.seedcode.not_registered", lang)}"' in page
        assert f'data-seed-kept-since="{_said("voter.seedcode.kept_since", lang)}"' in page


def _set_clock(election: RevotingElection, now: int) -> None:
    election.web.services.elections.clock = lambda: now


def test_the_receipt_says_recorded_then_included_and_never_counts(
    election: RevotingElection,
) -> None:
    services = election.web.services
    device = election.device(VOTER, "receipt page")
    seed, answer = device.register()
    assert answer.status_code == 201, answer.text
    ballot, _, private = device.ballot(seed)
    cast = device.cast(ballot, private)
    assert cast.status_code == 201, cast.text
    tracking_hash = cast.json()["tracking_hash"]
    url = f"/e/{election.id}/receipt/{tracking_hash}"
    # anyone holding the hash sees the same page: no session needed
    anyone = election.web.client
    for lang in LANGUAGES:
        page = anyone.get(url, params={"lang": lang})
        assert page.status_code == 200, page.text
        text = page.text
        assert_no_inline_code(text)
        assert 'data-page="receipt-v2"' in text
        assert 'data-page="receipt"' not in text
        assert cast.json()["tracking_code"] in text
        assert 'data-state="recorded"' in text
        assert _said("voter.receipt2.recorded", lang) in text
        assert _said("voter.receipt2.status_recorded", lang) in text
        assert _said("voter.receipt2.why", lang) in text
        assert _said("voter.receipt2.reload", lang) in text
        assert 'id="receipt-seq"' not in text
        assert 'id="receipt-check' not in text and "data-seq" not in text
    # the batch due posts the row: "included", with the row's board entry
    open_ms = services.batches.open_ms(election.id)
    assert open_ms is not None
    _set_clock(election, open_ms + REVOTING_SCHEDULE.interval * 1000)
    services.batches.post_delay_ms = 0
    assert services.batches.post_due(election.id) == 1
    seq = device.receipt(tracking_hash).json()["seq"]
    row = services.board.event_by_tracking(election.id, bytes.fromhex(tracking_hash))
    assert row is not None and row.kind == "cast-row" and row.seq == seq
    # the row the service posted passes the receipt page's check of it (flag E0, counter
    # proof, the body holding the row only) on the context as the page gets it
    context = anyone.get(f"/api/e/{election.id}/context").json()
    body = json.loads(row.line)["body"]
    assert js_one("revoting.castRowEvent", context, body) == tracking_hash
    for lang in LANGUAGES:
        text = anyone.get(url, params={"lang": lang}).text
        assert 'data-state="included"' in text
        assert _said("voter.receipt2.included", lang) in text
        assert _said("voter.receipt2.status_included", lang) in text
        assert f'<dd id="receipt-seq">{seq}</dd>' in text
        assert f'data-seq="{seq}"' in text
        # the script checks the row's inclusion proof and says so here, in these words
        assert 'id="receipt-check-badge"' in text
        assert _said("voter.receipt.checking", lang) in text
        assert f'data-receipt-verified="{_said("voter.receipt.verified", lang)}"' in text
        assert _said("voter.receipt2.why", lang) in text
        assert _said("voter.receipt2.reload", lang) not in text


def test_an_audited_ballot_and_unknown_hashes(election: RevotingElection) -> None:
    device = election.device(VOTER, "audit receipt")
    seed, answer = device.register()
    assert answer.status_code == 201, answer.text
    ballot, opening, private = device.ballot(seed)
    audited = device.audit(ballot, opening, private)
    assert audited.status_code == 200, audited.text
    tracking_hash = audited.json()["tracking_hash"]
    client = election.web.client
    text = client.get(f"/e/{election.id}/receipt/{tracking_hash}", params={"lang": "en"}).text
    assert 'data-state="audited"' in text
    assert _said("voter.receipt.audited", "en") in text
    # before the close the audit waits: no board entry to check
    assert 'id="receipt-check' not in text and "data-seq" not in text
    assert "seq" not in device.receipt(tracking_hash).json()
    for missing in ("0" * 64, "ab" * 31, "Z" * 64):
        r = client.get(f"/e/{election.id}/receipt/{missing}", params={"lang": "en"})
        assert r.status_code == 404, (missing, r.status_code)
    # the close puts the audit on the board: the receipt names its entry and the script
    # checks it (the entry holds this ballot and its opening, HonestBallot.revoting.auditEvent)
    election.web.services.elections.close(election.id)
    entry = election.web.services.board.event_by_tracking(election.id, bytes.fromhex(tracking_hash))
    assert entry is not None and entry.kind == "audit"
    assert device.receipt(tracking_hash).json() == {
        "tracking_code": audited.json()["tracking_code"],
        "tracking_hash": tracking_hash,
        "status": "audited",
        "seq": entry.seq,
    }
    for lang in LANGUAGES:
        text = client.get(f"/e/{election.id}/receipt/{tracking_hash}", params={"lang": lang}).text
        assert 'data-state="audited"' in text
        assert (
            f'data-seq="{entry.seq}"' in text and f'<dd id="receipt-seq">{entry.seq}</dd>' in text
        )
        assert 'id="receipt-check-badge"' in text
        assert _said("voter.receipt.checking", lang) in text
    proof = client.get(f"/api/e/{election.id}/ballots/{tracking_hash}").json()
    assert proof["status"] == "included" and proof["kind"] == "audit", proof
    body = json.loads(proof["event_line"])["body"]
    context = client.get(f"/api/e/{election.id}/context").json()
    results = run_js(
        [
            ("revoting.auditEvent", [context, body]),
            ("revoting.auditEvent", [context, {**body, "note": "x"}]),
            ("revoting.auditEvent", [context, {"ballot": body["ballot"]}]),
            (
                "revoting.auditEvent",
                [context, {**body, "ballot": {**body["ballot"], "version": 1}}],
            ),
        ]
    )
    assert ok(results[0]) == tracking_hash
    assert "unexpected field(s) note" in err(results[1])["message"]
    for refused in results[1:]:
        assert err(refused)["name"] == "RecordFormatError"


def test_the_pages_bundle_calls_on_the_served_context_are_accepted(
    election: RevotingElection,
) -> None:
    """What static/voter.js does, call for call, with the bundle under node: the context
    as ``GET /api/e/ID/context`` serves it, the service's commitment, then a seed drawn
    only now, ``HonestBallot.revoting.makeRegistration`` and ``encryptBallot``; the
    service takes the registration and the ballot, and a second registration with the
    same letter (vote with a new credential) and a cast under it."""
    device = election.device(VOTER, "bundle on the served context")
    context = device.client.get(f"/api/e/{election.id}/context").json()
    assert "schedule" in context  # what the page tells such an election by
    letter = election.letters[VOTER].to_code()
    casts = []
    for n in range(2):
        start = device.start()
        assert start.status_code == 201, start.text
        seed = generate_seed(device.rng, election.ctx.base_hash).seed.hex()
        made = js_one("revoting.makeRegistration", context, start.json(), seed, letter)
        registered = device.post(
            "registrations", {"registration": made["registration"], "private": made["private"]}
        )
        assert registered.status_code == 201, registered.text
        assert registered.json()["tracking_hash"] == made["tracking_hash"]
        choice = (
            {"chair": ["cand-1"], "council": ["blank"]}
            if n
            else {"chair": ["cand-2"], "council": ["member-1"]}
        )
        ballot = js_one("revoting.encryptBallot", context, choice, seed)
        cast = device.post("ballots", {"ballot": ballot["ballot"], "private": ballot["private"]})
        assert cast.status_code == 201, cast.text
        assert cast.json()["tracking_hash"] == ballot["tracking_hash"]
        assert cast.json()["status"] == "recorded"
        casts.append(cast.json()["tracking_hash"])
    for tracking_hash in casts:
        assert device.receipt(tracking_hash).json()["status"] == "recorded"
    # a valid seed of no registration (a kept code of another election or voter): the
    # refusal the page tells by its code alone, to send the voter back to the codes' card
    stranger = generate_seed(device.rng, election.ctx.base_hash).seed.hex()
    choice = {"chair": ["cand-1"], "council": ["blank"]}
    ballot = js_one("revoting.encryptBallot", context, choice, stranger)
    refused = device.post("ballots", {"ballot": ballot["ballot"], "private": ballot["private"]})
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["message"]) == (
        "not_registered",
        "this credential is not registered",
    )
    # the page's own code, under node, on this very answer: "not registered" is told by
    # the code whatever the words (another language, another English), and a refusal
    # with another code is not, even in the words of "not registered"
    other_words = {**error, "message": "no such credential", "text": "нет такого ключа"}
    other_code = {**error, "code": "ballot_rejected"}
    told = _typed_code_unknown(
        [(409, {"error": e}, "HB2-TYPED") for e in (error, other_words, other_code)]
        + [(409, {"error": error}, "")]
    )
    assert told == [True, True, False, False]


VOTER_JS = Path(__file__).resolve().parents[2] / "honestballot" / "web" / "static" / "voter.js"


def _typed_code_unknown(answers: list[tuple[int, Any, str]]) -> list[bool]:
    """For each (status, JSON body, typed code): whether static/voter.js, its own
    ``ApiError``, ``call`` and ``typedCodeUnknown`` run under node on a fetch answering
    that body to a cast, sends the voter back to the codes' card (a typed code of no
    registration)."""
    source = VOTER_JS.read_text(encoding="utf-8")
    start = source.index("  class ApiError extends Error {")
    end = source.index("  /** Show an error in the element")
    matcher = source.index("  const typedCodeUnknown = ")
    matcher_end = source.index("  /**", matcher)
    body = source[start:end] + source[matcher:matcher_end]
    script = (
        "const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));"
        "const document = { querySelector: () => null };"
        "const say = (key) => key; const state = {}; let answer = null;"
        "const fetch = async () =>"
        " ({ status: answer[0], ok: false, json: async () => answer[1] });"
        "const names = ['document', 'apiBase', 'say', 'state', 'fetch'];"
        f"const page = new Function(...names, {json.dumps(body)}"
        " + '; return { call, typedCodeUnknown };');"
        "const { call, typedCodeUnknown } = page(document, '/api/e/x', say, state, fetch);"
        "(async () => { const told = [];"
        " for (const c of cases) { answer = c; state.typedCode = c[2];"
        "  try { await call('POST', '/revoting/ballots', {}); told.push('answered'); }"
        "  catch (e) { told.push(typedCodeUnknown(e)); } }"
        " process.stdout.write(JSON.stringify(told)); })();"
    )
    proc = subprocess.run(
        [_node(), "-e", script],
        input=json.dumps(answers),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    told: list[bool] = json.loads(proc.stdout)
    return told
