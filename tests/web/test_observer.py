"""Observer pages and JSON on a running app (SQLite and PostgreSQL): the board search,
turnout snapshots, the record download, tree heads and consistency proofs (in Python and
in the browser's script under Node), and every page in three languages with no inline
code.

They stand on the module's election with re-voting protection (``voters_web``): voters
register and cast on devices of their own, and ``post_batch`` puts what they sent on the
board; an audit goes on the board at the close (a test of its own closes an election of
its own).  The results per unit: web/test_revoting_results.py.
"""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from honestballot.crypto.group import Point, Scalar, base_mul
from honestballot.crypto.merkle import TreeHead, verify_consistency
from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.ballot import tracking_code
from honestballot.protocol.credential_seed import CredentialSeed
from honestballot.record.events import sign_tree_head, tree_head_from_json
from honestballot.verify.verifier import verify_record
from honestballot.web.i18n import STRINGS
from honestballot.web.observer import parse_board_query
from tests.databases import KINDS, fresh_database
from tests.factories import (
    SMALL_SCHEDULE,
    WEB_ROLL,
    DemoCeremony,
    RevotingDevice,
    RevotingElection,
    WebElection,
    protected_election,
)

STATIC = Path(__file__).parents[2] / "honestballot" / "web" / "static"
CHOICE = {"chair": {"cand-1"}, "council": {"member-1", "member-2"}}
OTHER = {"chair": {"cand-2"}, "council": {"blank"}}
AIGERIM, BORIS, CLARA, DANIYAR, ELENA = (row[0] for row in WEB_ROLL[:5])


# -- helpers shared with test_reports_web.py ----------------------------------------------





def event_count(web: WebElection) -> int:
    return sum(1 for _ in web.services.store.iter_events(web.election_id))


INLINE = (
    ("inline script", re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)),
    ("script body", re.compile(r"<script[^>]*\ssrc=[^>]*>[^<\s]", re.I)),
    ("style element", re.compile(r"<style", re.I)),
    ("style attribute", re.compile(r"<[^>]+\sstyle\s*=", re.I)),
    ("event handler", re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)),
    ("javascript: URL", re.compile(r"javascript:", re.I)),
)


def assert_clean_page(html: str) -> None:
    """No inline script, style or handler (the CSP forbids them); POST forms carry csrf."""
    for what, pattern in INLINE:
        found = pattern.search(html)
        assert found is None, f"{what}: {found.group(0) if found else ''}"
    for form in re.findall(r"<form[^>]*>.*?</form>", html, re.S | re.I):
        if re.search(r'method="post"', form, re.I):
            assert re.search(r'<input type="hidden" name="csrf" value="[^"]+">', form), form


# -- the board ---------------------------------------------------------------------------


def _assert_board_words(
    client: TestClient, election_id: str, code: str, lang: str, kind: str
) -> None:
    """The board page, empty, searched for ``code`` and for an unknown code, in ``lang``,
    says its intro and hint of ``kind`` ("" for version 1's, "_protected" for those of
    re-voting protection), and "no match" of that kind for the unknown code, never the
    other kind's."""
    other = "" if kind else "_protected"
    for q in ("", code, "AAAA-AAAA-AAAA-AAAA"):
        board = html.unescape(
            client.get(f"/e/{election_id}/board", params={"q": q, "lang": lang}).text
        )
        keys = ["observer.board_intro", "observer.board_hint"]
        if q.startswith("AAAA"):
            keys.append("observer.no_match")
        for key in keys:
            assert say(key + kind, lang) in board, (key + kind, q)
            assert say(key + other, lang) not in board, (key + other, q)


def test_board_query_parsing() -> None:
    q = parse_board_query("abcd-efgh-ijkl-mnop")
    assert len(q.prefix) == 10 and q.hex_prefix == q.prefix.hex()
    assert parse_board_query("ABCD EFGH IJKL MNOP") == q
    assert parse_board_query("ABCDEFGHIJKLMNOP") == q
    assert parse_board_query(" 0123ABCD ").prefix == bytes.fromhex("0123abcd")
    odd = parse_board_query("0123abcde")
    assert odd.prefix == bytes.fromhex("0123abcd") and odd.hex_prefix == "0123abcde"
    hexlike = parse_board_query("ABCD-ABCD-ABCD-ABCD")  # a dash means a tracking code
    assert hexlike.prefix == base64.b32decode("ABCDABCDABCDABCD")
    # ... and so do 16 characters that read as one, typed without dashes (A-F and 2-7
    # are hex digits too); a hash prefix of that shape takes a 17th digit
    for typed in ("ABCDEFAB23456723", "abcd efab 2345 6723"):
        assert parse_board_query(typed).prefix == base64.b32decode("ABCDEFAB23456723")
    assert parse_board_query("abcdefab234567230").hex_prefix == "abcdefab234567230"


def _vote(
    election: RevotingElection, national_id: str, seed: str, *choices: dict[str, set[str]]
) -> tuple[RevotingDevice, CredentialSeed, list[dict[str, Any]]]:
    """The voter registers a credential on a device of their own and casts a ballot of
    each choice with it (voting again after the first): the device, the seed and each
    cast's answer."""
    device = election.device(national_id, seed)
    credential, registered = device.register()
    assert registered.status_code == 201, registered.text
    answers = []
    for choice in choices:
        ballot, _, private = device.ballot(credential, choice)
        r = device.cast(ballot, private)
        assert r.status_code == 201, r.text
        answers.append(r.json())
    return device, credential, answers


def _audit(device: RevotingDevice, credential: CredentialSeed) -> dict[str, Any]:
    """The device audits a ballot of ``credential`` (the audit waits for the close)."""
    ballot, opening, private = device.ballot(credential, OTHER)
    r = device.audit(ballot, opening, private)
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


def _search(web: WebElection, q: str) -> list[dict[str, Any]]:
    r = web.client.get(f"/api/e/{web.election_id}/board", params={"q": q})
    assert r.status_code == 200, r.text
    entries: list[dict[str, Any]] = r.json()["entries"]
    return entries


def test_board_search_by_code_and_prefix(
    voters_web: WebElection, protected_web: RevotingElection
) -> None:
    """A cast row is found by its tracking code however typed, or a prefix of its hash,
    once its batch is on the board, as "included": the board never says whether a row
    counts, so a ballot and the one that voted again after it read alike.  Audits waiting
    for the close are not found."""
    web, election = voters_web, protected_web
    device, credential, (first, second) = _vote(election, AIGERIM, "board search", CHOICE, OTHER)
    _, _, (other,) = _vote(election, CLARA, "board search other", OTHER)
    audited = _audit(device, credential)
    assert _search(web, first["tracking_code"]) == []  # nothing before its batch
    seqs = election.post_batch()

    [e] = _search(web, first["tracking_code"])
    assert e["seq"] in seqs and e["kind"] == "cast-row" and e["status"] == "included"
    assert e["tracking_hash"] == first["tracking_hash"]
    assert e["tracking_code"] == first["tracking_code"] and e["time_ms"] is not None
    assert "superseded_by" not in e
    [e2] = _search(web, second["tracking_code"].lower().replace("-", ""))
    assert e2["tracking_hash"] == second["tracking_hash"] and e2["status"] == "included"
    assert "superseded_by" not in e2 and e2["seq"] in seqs
    [e3] = _search(web, other["tracking_hash"][:8])
    assert e3["tracking_hash"] == other["tracking_hash"] and e3["status"] == "included"
    assert _search(web, other["tracking_hash"][:12].upper()) == [e3]
    # an audit waits for the close
    assert _search(web, audited["tracking_code"]) == []
    assert _search(web, audited["tracking_hash"]) == []
    assert _search(web, "AAAA-AAAA-AAAA-AAAA") == []
    body = web.client.get(
        f"/api/e/{web.election_id}/board", params={"q": second["tracking_code"]}
    ).text
    assert "credential" not in body and "superseded" not in body and "counts" not in body

    page = web.client.get(f"/e/{web.election_id}/board", params={"q": first["tracking_code"]})
    assert page.status_code == 200
    assert first["tracking_code"] in page.text and second["tracking_code"] not in page.text
    assert 'data-status="included"' in page.text and 'data-status="superseded"' not in page.text
    assert_clean_page(page.text)



def test_a_registration_is_found_by_its_tracking_code(
    voters_web: WebElection, protected_web: RevotingElection
) -> None:
    """The tracking code the voter's device shows for a registration finds it on the board
    once its batch is posted (how a second device confirms it, docs/coercion.md §2.4), as
    every registration of the batch, the cover's too, is found by its hash: "included",
    and nothing says whether its credential is the voter's current one: when the voter
    replaces it, the first registration's answer stays what it was, byte for byte.
    Browsing the board lists ballots only."""
    web, election = voters_web, protected_web
    api = f"/api/e/{web.election_id}/board"
    device = election.device(AIGERIM, "registration search")
    _, registered = device.register()
    assert registered.status_code == 201, registered.text
    code = registered.json()["tracking_code"]
    assert _search(web, code) == []  # nothing before its batch
    seqs = election.post_batch()
    [e] = _search(web, code)
    assert e == {
        "seq": e["seq"],
        "kind": "registration",
        "tracking_code": code,
        "tracking_hash": registered.json()["tracking_hash"],
        "time_ms": e["time_ms"],
        "status": "included",
    }
    assert e["seq"] in seqs and e["time_ms"] is not None
    assert _search(web, code.lower().replace("-", "")) == [e]
    answer = web.client.get(api, params={"q": code}).content
    proof = web.client.get(f"/api/e/{web.election_id}/events/{e['seq']}/proof")
    assert proof.status_code in (200, 202), proof.text

    # the voter registers again on another device (a replacement): the first
    # registration's answer does not change, nor says it is no longer the current one
    again = election.device(AIGERIM, "registration search, again")
    _, replaced = again.register()
    assert replaced.status_code == 201, replaced.text
    assert replaced.json()["tracking_code"] != code
    later = election.post_batch()
    assert web.client.get(api, params={"q": code}).content == answer
    [r] = _search(web, replaced.json()["tracking_code"])
    assert r["seq"] in later and r["tracking_hash"] == replaced.json()["tracking_hash"]

    registrations = [
        ev for ev in web.services.store.iter_events(web.election_id)
        if ev.kind == "registration" and ev.seq in seqs + later
    ]  # fmt: skip
    assert len(registrations) == 2 * SMALL_SCHEDULE.hours[0][1]
    for reg in registrations:  # the voter's and the cover's read alike
        assert reg.tracking_hash is not None
        [found] = _search(web, reg.tracking_hash.hex())
        assert set(found) == set(e)
        assert found == {
            "seq": reg.seq,
            "kind": "registration",
            "tracking_code": tracking_code(reg.tracking_hash),
            "tracking_hash": reg.tracking_hash.hex(),
            "time_ms": reg.time_ms,
            "status": "included",
        }
    assert e["time_ms"] == next(reg.time_ms for reg in registrations if reg.seq == e["seq"])
    browsed = web.client.get(api, params={"limit": "200"})
    assert {b["kind"] for b in browsed.json()["entries"]} == {"cast-row"}
    cover = next(
        tracking_code(reg.tracking_hash) for reg in registrations
        if reg.tracking_hash is not None
        and reg.tracking_hash.hex() not in (e["tracking_hash"], r["tracking_hash"])
    )  # fmt: skip
    for lang in ("ru", "kk", "en"):
        for q in (code, cover):
            page = web.client.get(f"/e/{web.election_id}/board", params={"q": q, "lang": lang})
            assert page.status_code == 200 and q in page.text
            # the one row's status: a registration on the board, nothing of its credential
            [(status, words)] = re.findall(
                r'<tr data-status="([^"]*)">.*?<span class="status status-[^"]*">(.*?)</span>',
                page.text,
                re.S,
            )
            assert status == "included"
            assert html.unescape(words) == say("observer.status.registration", lang)
            assert_clean_page(page.text)


@pytest.mark.parametrize(
    "q",
    [
        " ",
        "xyz",
        "ABCD-EFGH",
        "ABCD-ABCD",
        "0123abc",
        "ABCD-EFGH-IJKL-MNO1",
        "g" * 8,
        "0" * 65,
        "a" * 300,
    ],
)
def test_board_malformed_query(voters_web: WebElection, q: str) -> None:
    web = voters_web
    if not q.strip():  # no query: the board page by page (tests/web/test_board_pages.py)
        r = web.client.get(f"/api/e/{web.election_id}/board", params={"q": q, "after": "x"})
    else:
        r = web.client.get(f"/api/e/{web.election_id}/board", params={"q": q})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "invalid_input"
    if q.strip():
        page = web.client.get(f"/e/{web.election_id}/board", params={"q": q})
        assert page.status_code == 400 and 'data-code="invalid_input"' in page.text


def test_board_limit_and_unknown_election(voters_web: WebElection) -> None:
    web = voters_web
    r = web.client.get(f"/api/e/{web.election_id}/board", params={"q": "0" * 8, "limit": "0"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_input"
    # str.isdigit() says yes to these, int() does not (or reads them as a number)
    for bad in ("\u00b2", "1\u00b2", "\u0661\u0660", "+5", " 5", "5\n", "1_0", "-1", "201", "x"):
        r = web.client.get(f"/api/e/{web.election_id}/board", params={"q": "0" * 8, "limit": bad})
        assert r.status_code == 400, (bad, r.status_code, r.text)
        error = r.json()["error"]
        assert error["code"] == "invalid_input" and "limit" in error["message"], bad
    r = web.client.get(f"/api/e/{web.election_id}/board", params={"q": "0" * 8, "limit": "200"})
    assert r.status_code == 200 and r.json() == {"entries": []}
    r = web.client.get("/api/e/no-such-election/board", params={"q": "0" * 8})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert web.client.get("/e/no-such-election").status_code == 404


# -- turnout -----------------------------------------------------------------------------


def test_turnout_snapshot_served_without_results(
    voters_web: WebElection, protected_web: RevotingElection
) -> None:
    """The snapshot gives each unit's voters on the roll and the batches posted, nothing
    of a count; the turnout page reads it with its script (its words for an election with
    re-voting protection: tests/web/test_revoting_turnout.py)."""
    web, election = voters_web, protected_web
    _vote(election, BORIS, "turnout", CHOICE, CHOICE)
    election.post_batch()
    web.services.snapshots.run_once()
    r = web.client.get(f"/snapshots/{web.election_id}/turnout.json")
    assert r.status_code == 200
    snapshot = r.json()
    by_unit = {u["unit"]: u for u in snapshot["units"]}
    assert by_unit["station-1"] == {"unit": "station-1", "voters_on_roll": 2}
    assert snapshot["total"] == {"voters_on_roll": len(WEB_ROLL)}
    assert snapshot["batches"]["posted"] == election.batch_times
    text = r.text.lower()
    for key in ("count", "result", "tally", "chair", "cand-", "voted", "credential"):
        assert key not in text
    index = web.client.get("/snapshots/elections.json").json()
    assert [e["election_id"] for e in index] == [web.election_id]

    page = web.client.get(f"/e/{web.election_id}/turnout")
    assert page.status_code == 200
    assert f'data-snapshot="/snapshots/{web.election_id}/turnout.json"' in page.text
    assert '<script src="/static/observer.js" defer></script>' in page.text
    assert 'data-unit="station-small"' in page.text
    assert_clean_page(page.text)


# -- results -----------------------------------------------------------------------------



# -- the record and tree heads -----------------------------------------------------------


def test_record_download_verifies(voters_web: WebElection, protected_web: RevotingElection) -> None:
    web, election = voters_web, protected_web
    device, credential, _ = _vote(election, DANIYAR, "record", CHOICE, OTHER)
    _audit(device, credential)
    election.post_batch()
    # a download never signs: it stops at the latest head the server's signer made
    before = web.client.get(f"/e/{web.election_id}/record.jsonl").content.splitlines()
    assert json.loads(before[-1])["size"] < event_count(web)
    assert verify_record([line + b"\n" for line in before], workers=1).passed
    assert web.services.sign_heads_once() == 1  # what the background signer does
    r = web.client.get(f"/e/{web.election_id}/record.jsonl")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/x-ndjson")
    assert r.headers["content-disposition"].startswith("attachment")
    lines = r.content.splitlines(keepends=True)
    report = verify_record(lines, workers=1)
    assert report.passed, [c for c in report.checks if not c.passed]
    rows, registrations = SMALL_SCHEDULE.hours[0]
    batches = election.batch_times
    assert report.stats["batches"] == batches
    assert report.stats["cast_rows"] == rows * batches
    assert report.stats["registrations"] == registrations * batches
    # the audit waits in the queue until the close (test_an_audit_goes_on_the_board_at_the_close)
    assert report.stats["ballots_audited"] == 0
    last = json.loads(lines[-1])
    assert last["type"] == "tree-head" and last["size"] == event_count(web)


@pytest.fixture(params=KINDS)
def closing(
    request: pytest.FixtureRequest, web_ceremony: DemoCeremony, tmp_path: Path
) -> Iterator[RevotingElection]:
    """The web election with re-voting protection, open, for one test that closes it."""
    with (
        fresh_database(request.param, tmp_path / "db") as url,
        protected_election(
            web_ceremony, tmp_path, "closing", url=url, schedule=SMALL_SCHEDULE
        ) as election,
    ):
        yield election


def test_an_audit_goes_on_the_board_at_the_close(closing: RevotingElection) -> None:
    """An audit waits in the queue, found by no search, until the close posts it: then
    the search finds it by its code or a prefix of its hash as "audited", and the record
    the observer downloads verifies with it."""
    election, web = closing, closing.web
    device, credential, (cast,) = _vote(election, ELENA, "closing", CHOICE)
    audited = _audit(device, credential)
    election.post_batch()
    assert _search(web, audited["tracking_code"]) == []
    page = web.client.get(f"/e/{web.election_id}/board", params={"q": audited["tracking_code"]})
    assert page.status_code == 200 and "data-status" not in page.text
    web.services.elections.close(web.election_id)  # which signs a head covering the close
    [e] = _search(web, audited["tracking_code"])
    assert e["kind"] == "audit" and e["status"] == "audited" and e["seq"] is not None
    assert e["tracking_hash"] == audited["tracking_hash"] and e["time_ms"] is not None
    assert _search(web, audited["tracking_hash"][:10]) == [e]
    [row] = _search(web, cast["tracking_code"])
    assert row["status"] == "included" and row["seq"] < e["seq"]
    page = web.client.get(f"/e/{web.election_id}/board", params={"q": audited["tracking_code"]})
    assert 'data-status="audited"' in page.text
    assert_clean_page(page.text)
    lines = web.client.get(f"/e/{web.election_id}/record.jsonl").content.splitlines(keepends=True)
    report = verify_record(lines, workers=1)
    assert report.passed, [c for c in report.checks if not c.passed]
    assert report.stats["ballots_audited"] == 1
    assert json.loads(lines[-1])["size"] == event_count(web)


def _board_key(web: WebElection) -> Point:
    r = web.client.get(f"/api/e/{web.election_id}/tree-heads")
    assert r.status_code == 200
    return Point.decode(bytes.fromhex(r.json()["board_key"]))


def test_tree_heads_and_consistency_verify(
    voters_web: WebElection, protected_web: RevotingElection
) -> None:
    web = voters_web
    board_key = _board_key(web)
    old = tree_head_from_json(
        web.client.get(f"/api/e/{web.election_id}/tree-heads/latest").json(), "old"
    )
    old.verify(web.election_id, board_key)
    protected_web.post_batch()
    web.services.elections.publish_tree_head(web.election_id)
    body = web.client.get(f"/api/e/{web.election_id}/tree-heads").json()
    heads = [tree_head_from_json(h, "head") for h in body["tree_heads"]]
    assert len(heads) >= 2
    for head in heads:
        head.verify(web.election_id, board_key)
    new = heads[-1]
    assert new.head.size > old.head.size
    assert (
        web.client.get(f"/api/e/{web.election_id}/tree-heads/latest").json()
        == (body["tree_heads"][-1])
    )
    r = web.client.get(
        f"/api/e/{web.election_id}/consistency",
        params={"old": old.head.size, "new": new.head.size},
    )
    assert r.status_code == 200, r.text
    proof = r.json()
    assert (proof["old_size"], proof["new_size"]) == (old.head.size, new.head.size)
    hashes = [bytes.fromhex(h) for h in proof["proof"]]
    verify_consistency(old.head.size, new.head.size, old.head.root, new.head.root, hashes)
    size = new.head.size
    for bad in (
        {"old": 0, "new": size},
        {"old": size, "new": size + 5},
        {"old": 3, "new": 2},
        {"old": "x", "new": size},
        {"old": 1},
        {"old": -1, "new": size},
    ):
        r = web.client.get(f"/api/e/{web.election_id}/consistency", params=bad)
        assert r.status_code == 400, (bad, r.text)
        assert r.json()["error"]["code"] == "invalid_input"


NODE_HARNESS = r"""
const fs = require('fs');
const vm = require('vm');
const [bundle, observer, scenarioPath] = process.argv.slice(2);
vm.runInThisContext(fs.readFileSync(bundle, 'utf8'));
vm.runInThisContext(fs.readFileSync(observer, 'utf8'));
const { checkTreeHead, Unreachable } = globalThis.HonestBallotObserver;
const scenario = JSON.parse(fs.readFileSync(scenarioPath, 'utf8'));
const store = new Map();
const storage = { getItem: (k) => (store.has(k) ? store.get(k) : null),
                  setItem: (k, v) => { store.set(k, String(v)); } };
(async () => {
  const out = [];
  for (const routes of scenario.steps) {
    const fetchJson = async (url) => {
      const r = routes[url];
      if (r === undefined) throw new Unreachable(`no route ${url}`, 404, 'not_found');
      const e = r.body.error;
      if (r.status !== 200) throw new Unreachable(e.message, r.status, e.code);
      return r.body;
    };
    try {
      const res = await checkTreeHead({ electionId: scenario.election, boardKey: scenario.boardKey,
                                        storage, fetchJson });
      out.push({ state: res.state, size: res.latest.size });
    } catch (err) {
      out.push({ error: err.name, message: err.message });
    }
    const saved = storage.getItem('honestballot.tree-head.' + scenario.election);
    out[out.length - 1].saved = saved === null ? null : JSON.parse(saved).head.size;
  }
  process.stdout.write(JSON.stringify(out));
})();
"""


def test_tree_head_check_in_browser_script(
    voters_web: WebElection, protected_web: RevotingElection, tmp_path: Path
) -> None:
    """observer.js's check under Node: first visit, consistent growth, then a forked head
    signed with the real board key, a head with a forged root, a shrunk log and a head
    signed with an earlier time all fail."""
    assert shutil.which("node"), "this test runs observer.js under Node.js (/usr/bin/node)"
    web = voters_web
    eid = web.election_id
    key = web.client.get(f"/api/e/{eid}/tree-heads").json()["board_key"]
    latest_url = f"/api/e/{eid}/tree-heads/latest"

    def route(url: str) -> dict[str, Any]:
        r = web.client.get(url)
        return {"status": r.status_code, "body": r.json()}

    first = route(latest_url)
    protected_web.post_batch()
    web.services.elections.publish_tree_head(eid)
    grown = route(latest_url)
    old_size, new_size = first["body"]["size"], grown["body"]["size"]
    proof_url = f"/api/e/{eid}/consistency?old={old_size}&new={new_size}"
    same_url = f"/api/e/{eid}/consistency?old={new_size}&new={new_size}"

    with web.services.store.engine.connect() as conn:
        row = web.services.store.election_row(conn, eid)
    assert row is not None
    secret = Scalar.decode(bytes.fromhex(row["board_secret"]))
    forked_head = TreeHead(new_size, b"\x01" * 32, grown["body"]["timestamp_ms"] + 1)
    fork = sign_tree_head(forked_head, eid, secret, base_mul(secret), SeededRandomness("fork"))
    forged = dict(grown["body"], root="00" * 32)
    shrunk = dict(first)
    # the same tree, signed again with an earlier time: the board key is real
    earlier_head = TreeHead(
        new_size, bytes.fromhex(grown["body"]["root"]), grown["body"]["timestamp_ms"] - 1
    )
    earlier = sign_tree_head(
        earlier_head, eid, secret, base_mul(secret), SeededRandomness("earlier")
    )

    steps = [
        {latest_url: first},
        {latest_url: grown, proof_url: route(proof_url)},
        {latest_url: {"status": 200, "body": fork.to_json()}, same_url: route(same_url)},
        {latest_url: {"status": 200, "body": forged}},
        {latest_url: shrunk},
        {latest_url: {"status": 200, "body": earlier.to_json()}, same_url: route(same_url)},
        {latest_url: grown, same_url: route(same_url)},
    ]
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps({"election": eid, "boardKey": key, "steps": steps}))
    harness = tmp_path / "harness.cjs"
    harness.write_text(NODE_HARNESS)
    out = subprocess.run(
        [
            "node",
            str(harness),
            str(STATIC / "honestballot-crypto.js"),
            str(STATIC / "observer.js"),
            str(scenario),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    results = json.loads(out.stdout)
    assert results[0] == {"state": "first", "size": old_size, "saved": old_size}
    assert results[1] == {"state": "consistent", "size": new_size, "saved": new_size}
    for failed in results[2:6]:
        assert failed["error"] == "InconsistentLog", failed
        assert failed["saved"] == new_size  # the evidence is kept, not overwritten
    assert "root" in results[2]["message"]
    assert "does not verify" in results[3]["message"]
    assert "shrank" in results[4]["message"]
    assert "back in time" in results[5]["message"]
    assert results[6] == {"state": "consistent", "size": new_size, "saved": new_size}


# -- every page, three languages ---------------------------------------------------------

#: page -> a key of its own words that must appear translated
PAGES = {
    "": "observer.fingerprint_help",
    "/board": "observer.board_intro_protected",
    "/turnout": "observer.turnout.protected",
    "/results": "observer.close.no_results",
    "/tree-heads": "observer.tree_heads_intro",
    "/report": "observer.report_intro",
    "/reports": "observer.reports_intro",
}


def say(key: str, lang: str) -> str:
    """The catalogue's words for ``key`` in ``lang``."""
    return STRINGS[key][("ru", "kk", "en").index(lang)]


def _words(key: str, lang: str) -> str:
    text = STRINGS[key][("ru", "kk", "en").index(lang)]
    return text.split("{")[0][:40]


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_every_page_renders_in_every_language(
    voters_web: WebElection, protected_web: RevotingElection, lang: str
) -> None:
    web = voters_web
    _, _, (receipt,) = _vote(protected_web, WEB_ROLL[5][0], f"pages {lang}", CHOICE)
    protected_web.post_batch()
    client = web.client
    for suffix, key in {
        **PAGES,
        f"/board?q={receipt['tracking_code']}": "observer.status.included",
    }.items():
        path, _, query = suffix.partition("?")
        params = dict([query.split("=")]) if query else {}
        r = client.get(f"/e/{web.election_id}{path}", params={**params, "lang": lang})
        assert r.status_code == 200, (suffix, r.text)
        assert r.headers["content-type"].startswith("text/html")
        assert f'<html lang="{lang}">' in r.text
        assert _words(key, lang).replace("'", "&#39;") in r.text, (suffix, lang)
        assert _words("observer.nav", lang) in r.text
        assert_clean_page(r.text)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    home = client.get(f"/e/{web.election_id}", params={"lang": lang}).text
    fingerprint = web.services.elections.context(web.election_id).base_hash.hex()[:16]
    assert fingerprint in home
    # the board's words are those of an election with re-voting protection: batches, and
    # nothing on whether a ballot counts (version 1's would say the board shows it)
    _assert_board_words(client, web.election_id, receipt["tracking_code"], lang, "_protected")
    title = web.ceremony.manifest.title.get(lang)
    assert f"<h1>{title}</h1>" in home
    for link in (
        "/signin",
        "/board",
        "/turnout",
        "/results",
        "/record.jsonl",
        "/tree-heads",
        "/report",
        "/reports",
    ):
        assert f'href="/e/{web.election_id}{link}"' in home


def test_translations_complete() -> None:
    from honestballot.web import strings_observer

    for key, words in strings_observer.STRINGS.items():
        assert key.startswith("observer."), key
        assert len(words) == 3 and all(w.strip() for w in words), key
        ru, kk, en = words
        assert ru != en and kk != en, key
        assert re.findall(r"\{\w+\}", ru) == re.findall(r"\{\w+\}", en), key
        assert sorted(re.findall(r"\{\w+\}", kk)) == sorted(re.findall(r"\{\w+\}", en)), key
