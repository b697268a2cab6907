"""The indistinguishability harness extended to paper voting (docs/paper.md; docs/coercion.md
§8.1, §14 "The harness"): a voter who votes on paper looks, online, like one who did not.

Two worlds, each a service of its own on a fresh database, seeded alike in everything (the
ceremony, the service's and the organiser's randomness, the paper station's commission key
and its results' randomness, every device's and the trustees') and run through the same
requests.  In both, voter X (watched: the coercer sees X register and vote online, and keeps
X's signed-in session and the ballot's tracking code) and voter Y of the same paper station
(station-1, unwatched) vote online; voting closes; then the station's commission uploads its
results, final, the same protocol (one ballot issued, in the box) with a list of one
voter:

- world A: X, who went to the station and voted on paper;
- world B: Y, who did so instead, and X did nothing after the watched vote.

Then trustees 2 and 3 run the whole close through the service.  What anyone can read online
must agree:

- every answer X's watched session gets, and the SQL statements it runs (the receipt of the
  watched ballot when cast, once included, after the paper upload and after the result;
  the signed-in voter and the election's context), and a new sign-in attempt as X after
  the result (refused alike: voting is over): byte for byte, with their statuses (the
  worlds are alike up to the upload, the batches' order seeded too, and nothing after it
  answers a voter from the paper list);
- the board: every event's kind, time after the open and body by shape (the paper event
  encrypts another handle, with the same seeded randomness, so its ciphertexts, proofs and
  signature are other values, and so are the close's objects from it on), except the
  ``result``, compared apart; the padding's count of cover rows;
- the close: its rounds, steps, lists, trustees, mix positions and every list's size.  The
  lists' contents are equal up to the paper lists; from the paper tags on every list that
  the one listed handle reaches differs (:data:`CONTENTS_DIFFER`), none of them in size;
- the result, apart from its counts: counted ballots per reporting unit, trustees, the
  close's totals and the whole ``paper`` member (per station the voters listed, the
  cancelled rows, the paper ballots; per unit the same; the cancelled e-votes, one
  election-wide number, 1 in both) and the paper ballots' counts.  Its e-votes counted
  (and so the combined counts) differ: the one e-vote counted is Y's in A, where X's
  online ballot is cancelled by X's paper one, and X's watched ballot in B, where Y's is
  cancelled instead;
- what an observer reads after the result, in ru, kk and en: the stations (API and page:
  the protocol, its reconciliation, the number of voters listed), the turnout page and
  snapshot, byte for byte (but the upload's digest, the session's anti-forgery token and
  the snapshot's time); the results API but its counts, and the results page but the
  numbers in its count cells."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from honestballot.cli.commission import read_paper_roll
from honestballot.cli.demo_revoting import public_view
from honestballot.crypto.group import Scalar, base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.protocol.election import manifest_hash
from honestballot.protocol.paper import make_paper_upload
from honestballot.protocol.stations import prove_commission_key
from honestballot.record.codec import parse_json
from honestballot.record.paper import unsigned_body
from honestballot.record.paper import upload_to_json as paper_to_json
from honestballot.record.stations import commission_key_to_json
from honestballot.service.paper import write_paper_roll
from tests.databases import KINDS, fresh_database
from tests.factories import (
    REVOTING_ELECTION,
    DemoCeremonies,
    DemoCeremony,
    RevotingElection,
    open_revoting_election,
    open_web_app,
    publish_signed_station,
)
from tests.helpers import answered, shape, statements_on
from tests.paper_helpers import post_paper, protocol_of, station_details
from tests.web.close_helpers import run_close

X, Y = "900101300001", "900101300002"  # both of station-1 (tests/factories.py's WEB_ROLL)
STATION = "station-1"
WATCHED = {"chair": {"cand-2"}, "council": {"member-3"}}  # X's e-vote, watched
Y_ONLINE = {"chair": {"cand-4"}, "council": {"member-5"}}  # Y's e-vote, none of X's options

#: the close's lists whose contents differ between the worlds, at each of their steps (their
#: sizes never do).  Stage A and B's first mixes (``A.*``, ``B.winners``, ``B.revocations``,
#: ``B.roll``) come before the paper list is read and are equal byte for byte; so are the
#: revocation and the survivors' handles (``B.revoke-pets``, ``B.handles``), which read
#: only the winners and revocations.  What differs: the paper list's blinded tags and
#: their decryptions (``P.tags``, the listed handle equal to X's roll row's in A, to Y's
#: in B), the joined row's unit (``P.units``), the roll re-mixed without the cancelled row
#: and the cancelled handles apart (``B.kept``, ``B.cancelled``), and every list made from
#: those: the tags joining the credentials to them and the units (``B.tags``,
#: ``B.units``), the activation check of the one survivor left (``B.activation-pets``:
#: Y's in A, X's in B) and the tally of its ballot (``B.tally``)
CONTENTS_DIFFER = {
    "P.tags", "P.units", "B.kept", "B.cancelled", "B.tags", "B.units", "B.activation-pets",
    "B.tally",
}  # fmt: skip
#: when X's session reads its receipt, itself and the context
READS = ("when cast", "once included", "after the paper upload", "after the result")
#: a close-step's place in the close
PLACE = ("round", "step", "list", "trustee", "key", "position")


@dataclass
class World:
    election: RevotingElection
    commission: Scalar


@contextmanager
def world(
    kind: str, directory: Path, web_ceremony: DemoCeremony, ceremony: DemoCeremony
) -> Iterator[World]:
    """A service on a fresh database with the re-voting election opened, station-1 a
    paper station published before the open with its commission's key; seeded alike."""
    with (
        fresh_database(kind, directory / "db") as url,
        open_web_app(web_ceremony, directory, url) as web,
    ):
        services = web.services
        services.elections.rng = SeededRandomness("the service")
        services.revoting.rng = SeededRandomness("the service, re-voting")
        # a session's end is asked of the store once per window of wall-clock time, so
        # whether a request asks depends on the machine's speed, not on the worlds: keep
        # it out of the requests compared
        services.signin.session_end_seen_within_ms = 10**9
        # the batches' order too (the first harness compares it by type): here the close's
        # lists are compared by content, which that order feeds
        services.batches.rng = SeededRandomness("the batches")
        election = open_revoting_election(
            web, ceremony, SeededRandomness("the organiser"), open_=False, cover_replacements=2
        )
        # the commission's key, made on its machine (``commission keygen``), seeded here
        rng = SeededRandomness("station-1's commission")
        secret = random_nonzero_scalar(rng)
        digest, key = manifest_hash(election.ctx.manifest), base_mul(secret)
        proof = prove_commission_key(digest, STATION, secret, key, rng)
        publish_signed_station(
            services.elections,
            election.id,
            election.organiser,
            {**station_details(STATION), "paper": True},
            commission_key_to_json(STATION, digest, key, proof),
        )
        services.elections.open(
            election.id, roll=lambda conn: services.roll.summary_body(election.id, conn)
        )
        yield World(election, secret)


def upload_paper(w: World, listed: str) -> None:
    """The organiser's paper roll of station-1 (``election paper-roll``), and the
    commission's upload listing the voter ``listed`` (as ``commission paper`` makes it,
    with seeded randomness), sent to the service."""
    election = w.election
    out = io.StringIO()
    write_paper_roll(election.web.services.elections, election.id, STATION, out)
    roll = read_paper_roll(out.getvalue().encode(), "roll.csv")
    (handle,) = (h for nid, h in roll.values() if nid == listed)
    ctx = election.ctx
    upload, _ = make_paper_upload(
        ctx.base_hash, ctx.public_key, ctx.manifest, STATION, 1, protocol_of(ctx.manifest, 1),
        [handle], w.commission, unsigned_body, SeededRandomness("station-1's results"),
        final=True,
    )  # fmt: skip
    answer = post_paper(election, STATION, paper_to_json(upload))
    assert answer.status_code == 201, answer.text


def run(w: World, ceremony: DemoCeremony, *, x_on_paper: bool) -> dict[str, Any]:
    """The worlds' common story (the module's docstring) with X (A) or Y (B) listed: X's
    session's answers, the board as anyone reads it, the close's steps and the result."""
    election = w.election
    services = election.web.services
    watched = election.device(X, "X's phone, watched")
    answers: list[tuple[str, Any]] = []
    seed, registered = watched.register()
    assert registered.status_code == 201, registered.text
    cast = watched.cast(*watched.ballot(seed, WATCHED)[::2])
    assert cast.status_code == 201, cast.text
    tracking = cast.json()["tracking_hash"]
    own = election.device(Y, "Y's phone")
    y_seed, y_registered = own.register()
    assert y_registered.status_code == 201, y_registered.text
    assert own.cast(*own.ballot(y_seed, Y_ONLINE)[::2]).status_code == 201

    def reads(when: str) -> None:
        """What X's watched session reads, and the statements each read runs."""
        with statements_on(services.store.engine) as seen:
            for name, request in (
                ("receipt", lambda: watched.receipt(tracking)),
                ("me", lambda: watched.client.get(f"/api/e/{election.id}/me")),
                ("context", lambda: watched.client.get(f"/api/e/{election.id}/context")),
            ):
                answers.append((f"{name} {when}", answered(seen, request, shaped=False)))

    answers.append(("registration", (None, registered.status_code, registered.json())))
    answers.append(("cast", (None, cast.status_code, cast.json())))
    reads("when cast")
    # the batches due two intervals after the open, and the close a moment later
    open_ms = services.batches.open_ms(election.id)
    assert open_ms is not None
    interval = services.elections.board_keys(election.id).schedule.interval * 1000
    now = [open_ms + 2 * interval + 1]
    services.elections.clock = lambda: now[0]
    assert services.batches.post_due(election.id) == 2
    now[0] += 1000
    services.elections.close(election.id)
    reads("once included")
    # after the count at the station: its results, listing X (A) or Y (B)
    now[0] += 60_000
    upload_paper(w, X if x_on_paper else Y)
    reads("after the paper upload")
    # the trustees begin: station-1, the one paper station, has uploaded
    now[0] += 60_000
    run_close(election, ceremony, SeededRandomness("the trustees"))
    reads("after the result")
    with statements_on(services.store.engine) as seen:
        coercer = TestClient(election.web.client.app, base_url="http://testserver")
        headers = {"x-csrf-token": election.web.csrf(coercer)}
        answers.append(
            (
                "sign-in as X after the result",
                answered(
                    seen,
                    lambda: coercer.post(
                        f"/api/e/{election.id}/signin", json={"national_id": X}, headers=headers
                    ),
                    shaped=False,
                ),
            )
        )

    def events() -> list[dict[str, Any]]:
        return [
            parse_json(ev.line, limit=1 << 26) for ev in services.store.iter_events(election.id)
        ]

    board, aggregates = public_view(events(), open_ms, shape)  # (it edits what it reads)
    kinds = ("close-round", "close-step", "close-part", "result")
    close = [(e["kind"], e["body"]) for e in events() if e["kind"] in kinds]
    return {
        "answers": answers, "board": board, "aggregates": aggregates, "close": close,
        "public": public_pages(election),
    }  # fmt: skip


def public_pages(election: RevotingElection) -> dict[str, Any]:
    """What an observer reads after the result, signed in as nobody: the stations (API and
    page, in each language), the results (API and page), the turnout page and snapshot.
    Their texts as served, but the paper upload's digest (its ciphertexts differ between
    the worlds) replaced by ``DIGEST``, the pages' anti-forgery token by ``CSRF`` and the
    snapshot's time left out."""
    services = election.web.services
    observer = TestClient(election.web.client.app, base_url="http://testserver")
    base = f"/e/{election.id}"
    got: dict[str, Any] = {}
    for path in (f"/api{base}/stations", f"/api{base}/results"):
        answer = observer.get(path)
        assert answer.status_code == 200, (path, answer.text)
        got[path] = answer.json()
    stations = got[f"/api{base}/stations"]["stations"]
    digests = [s["paper_results"]["last_digest"] for s in stations if s["paper"]]
    assert len(digests) == 1
    for lang in ("ru", "kk", "en"):
        for page in ("stations", "results", "turnout"):
            answer = observer.get(f"{base}/{page}", params={"lang": lang})
            assert answer.status_code == 200, (page, lang)
            # the page's anti-forgery token is the observer's session's own
            got[f"{base}/{page}?lang={lang}"] = re.sub(
                r'(name="csrf-token" content=)"[^"]*"', r"\1CSRF", answer.text
            )
    services.snapshots.run_once()
    answer = observer.get(f"/snapshots/{election.id}/turnout.json")
    assert answer.status_code == 200, answer.text
    got["turnout.json"] = {k: v for k, v in answer.json().items() if k != "generated_ms"}
    return parse_json(json.dumps(got).replace(digests[0], "DIGEST").encode(), limit=1 << 26)


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_a_voter_who_votes_on_paper_looks_online_like_one_who_did_not(
    kind: str,
    tmp_path: Path,
    demo_ceremony: DemoCeremonies,
    web_ceremony: DemoCeremony,
) -> None:
    ceremony = demo_ceremony(REVOTING_ELECTION)
    runs = {}
    for name, x_on_paper in (("A", True), ("B", False)):
        with world(kind, tmp_path / name, web_ceremony, ceremony) as w:
            runs[name] = run(w, ceremony, x_on_paper=x_on_paper)
    a, b = runs["A"], runs["B"]
    # X's session: every answer, and the statements it ran, equal
    assert [n for n, _ in a["answers"]] == [n for n, _ in b["answers"]]
    for (name, answer_a), (_, answer_b) in zip(a["answers"], b["answers"], strict=True):
        assert answer_a == answer_b, name
    # they were answers, not refusals alike (but the sign-in: its codes are given only while
    # the election is open); the receipt says "included" from the close on, the same after
    # the paper upload and after the result (no word of paper)
    statuses = {name: status for name, (_, status, _) in a["answers"]}
    assert statuses == {
        "registration": 201, "cast": 201, "sign-in as X after the result": 400,
        **{f"{read} {when}": 200 for when in READS for read in ("receipt", "me", "context")},
    }  # fmt: skip
    receipts = [body for name, (_, _, body) in a["answers"] if name.startswith("receipt ")]
    assert receipts[1]["status"] == "included"
    assert receipts[1] == receipts[2] == receipts[3]
    # the board, by kind, time and shape, apart from the result
    assert a["aggregates"] == b["aggregates"]
    kinds = [kind for kind, _, _ in a["board"]]
    assert kinds.count("paper") == 1 and kinds[-1] == "result"
    assert a["board"][:-1] == b["board"][:-1]
    # the close: the same rounds, steps, lists, trustees, positions and sizes; contents
    # equal byte for byte up to the paper lists, and from them on different exactly in
    # the lists of CONTENTS_DIFFER (their parts, proofs and signatures)
    steps = {
        w: [
            (kind, tuple(body.get(k) for k in PLACE), body.get("items"))
            for kind, body in runs[w]["close"]
            if kind != "close-part"
        ]
        for w in ("A", "B")
    }
    assert steps["A"] == steps["B"]
    rounds = [place[0] for kind, place, _ in steps["A"] if kind == "close-round"]
    assert rounds[rounds.index("B-mix") + 1 : rounds.index("B-mix") + 5] == [
        "P-tag", "P-tag-dec", "P-units", "P-mix",
    ]  # fmt: skip
    differ = {
        body["list"]
        for (kind, body), (_, other) in zip(a["close"], b["close"], strict=True)
        if kind == "close-step" and body != other
    }
    assert differ == CONTENTS_DIFFER, differ
    _the_results_differ_only_in_whose_e_vote_counts(a["close"][-1], b["close"][-1])
    _the_public_pages_differ_only_in_the_counts(a["public"], b["public"], a["close"][-1][1])


def _tally(choice: dict[str, set[str]]) -> dict[str, int]:
    return {f"{c}/{o}": 1 for c, options in choice.items() for o in options}


def _the_results_differ_only_in_whose_e_vote_counts(a: tuple[str, Any], b: tuple[str, Any]) -> None:
    """The ``result`` of world A (X on paper) and B (Y on paper): equal in all but the
    e-votes counted (and so the combined counts), which are Y's in A and X's in B."""
    (kind_a, result_a), (kind_b, result_b) = a, b
    assert kind_a == kind_b == "result"
    paper_a, paper_b = result_a["paper"], result_b["paper"]
    # the paper aggregates: per station and per unit the voters listed, the cancelled
    # rows, the ballots in the box; the one election-wide number of cancelled e-votes
    assert paper_a["stations"] == paper_b["stations"]
    assert paper_a["units"] == paper_b["units"]
    assert paper_a["cancelled_e_votes"] == paper_b["cancelled_e_votes"] == 1
    assert paper_a["counts"] == paper_b["counts"]
    (station,) = paper_a["stations"]
    assert (station["unit"], station["voters"], station["cancelled"], station["in_box"]) == (
        STATION, 1, 1, 1,
    )  # fmt: skip
    (unit,) = paper_a["units"]
    assert (unit["listed"], unit["cancelled_rows"], unit["in_box"]) == (1, 1, 1)
    # the rest alike: the counted ballots per unit (one e-vote), the trustees, the totals
    apart = {"counts", "paper"}
    assert {k: v for k, v in result_a.items() if k not in apart} == {
        k: v for k, v in result_b.items() if k not in apart
    }
    assert result_a["counted_per_unit"] == [{"ballots": 1, "unit": station["reporting_unit"]}]
    # the one e-vote counted: Y's in A (X's online ballot cancelled by X's paper one), X's
    # watched ballot in B (Y's cancelled instead)
    for result, counted in ((result_a, Y_ONLINE), (result_b, WATCHED)):
        e_votes = {c["id"]: c["count"] for c in result["counts"]}
        assert {i: n for i, n in e_votes.items() if n} == _tally(counted)
        on_paper = {c["id"]: c["count"] for c in result["paper"]["counts"]}
        combined = {c["id"]: c["count"] for c in result["paper"]["combined"]}
        assert combined == {i: e_votes[i] + on_paper[i] for i in e_votes}


def _the_public_pages_differ_only_in_the_counts(
    a: dict[str, Any], b: dict[str, Any], result_a: dict[str, Any]
) -> None:
    """The observer's pages and snapshots of the two worlds (:func:`public_pages`): the
    stations (their protocols and reconciliation, the listed voters' number), the turnout
    and the snapshot equal byte for byte; the results API equal but in its counts; the
    results page, which shows those counts, then equal once each world's counted options
    are read off it."""
    assert a.keys() == b.keys()
    for path in a:
        if "results" not in path:
            assert a[path] == b[path], path
    api = next(p for p in a if p.startswith("/api") and p.endswith("/results"))

    def without_counts(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: without_counts(v) for k, v in value.items() if k not in ("counts", "combined")
            }
        if isinstance(value, list):
            return [without_counts(v) for v in value]
        return value

    assert without_counts(a[api]) == without_counts(b[api])
    assert a[api] != b[api]  # the counts: Y's e-vote in A, X's in B
    # the API's counts are the result's, in both worlds' own terms
    assert {c["id"]: c["count"] for c in a[api]["counts"]} == {
        c["id"]: c["count"] for c in result_a["counts"]
    }
    for lang in ("ru", "kk", "en"):
        page_a, page_b = (w[f"/e/{_election_of(api)}/results?lang={lang}"] for w in (a, b))
        assert page_a != page_b
        assert len(page_a.splitlines()) == len(page_b.splitlines())
        differing = [
            (x.strip(), y.strip())
            for x, y in zip(page_a.splitlines(), page_b.splitlines(), strict=True)
            if x != y
        ]
        # only lines holding a number differ (the counts' cells), and only in that number
        for x, y in differing:
            assert re.sub(r"\d+", "N", x) == re.sub(r"\d+", "N", y), (x, y)


def _election_of(api_path: str) -> str:
    return api_path.split("/")[3]
