"""The indistinguishability harness, first slice (docs/coercion.md §2.6, §14 increment 3;
what it compares and normalises: docs/coercion.md §14, "The harness").

Two worlds, each a service of its own on a fresh database, seeded alike in everything
(the election's ceremony and board key, the organiser's roll and letters, the service's
randomness, every device's randomness) and run through the same requests, except:

- world A: after the coerced vote the voter signs in on a device of their own, replaces
  the credential (registers a new one with the letter) and votes again under it;
- world B: after the coerced vote the voter does nothing.

The coercer watched the coerced registration and vote, keeps the old credential's seed
and the receipts, and can sign in as the voter.  Its requests afterwards — sign-in,
registration start, a cast under the old credential, an audit under it, a retry of the
coerced ballot and of its own, the receipts of both — must be answered identically in
both worlds, and run the same SQL statements, once these are normalised:

- ``expires_ms`` of the sign-in: the clock's time, which differs between any two runs;
- the registration start's ``nonce``, ``revokes`` and ``revokes_proof``: ``Enc(R)`` is
  an ElGamal encryption of the voter's current revocation point, which differs between
  the worlds by design (the new credential's tag point in A, the old one's in B) and is
  hidden by DDH; the nonce and the ciphertext's randomness are the service's fresh
  draws, which are at another place of the seeded stream in A (the voter's own
  registration and cast drew from it).  They are compared by shape (length).

Every other byte of every answer, and every status, must be equal; and so must the
activity log's ballot rows after them, but for their time and session (the log holds the
voter's first ballot only, the coerced one: docs/coercion.md §9).

Then (increment 4) the service posts the batches due two intervals after the open and
closes: apart from the aggregates docs/coercion.md §8.1 lists (here the padding's count
of cover rows, one fewer in A), the public record of the two worlds must agree in every
event's kind and time (after the open), every batch's index and sizes, and every body's
shape (the values of ciphertexts, proofs and hashes are fresh randomness and differ by
design); the coerced
ballot's receipt then says "included" in both, at a place in its batch (``seq``) that
the batch's random order draws afresh in each world (compared by type).

Then (increment 6) the trustees run the whole close through the service, alike in both
worlds: its rounds, steps, lists, trustees and mix positions must be the same, and every
list's size the same except the lists whose size is one of §8.1's aggregates (the rows
with their padding, the joined groups, the winners, the revocations matched); the
result must agree in the counted ballots per reporting unit and the decrypting trustees,
and differ exactly as §8.1 says: one more cast row and one fewer cover row, one more
group with a winner and one more revoked winner; and the one ballot counted for the
voter is the voter's own in A, and in B the coercer's, cast under the old credential
after the coerced one: docs/coercion.md §8.3's marker ballot, which wins as §8.3 says."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from honestballot.cli.demo_revoting import public_view
from honestballot.crypto.randomness import SeededRandomness
from honestballot.record.codec import parse_json
from honestballot.service.activity import export_activity_csv
from tests.databases import KINDS, fresh_database
from tests.factories import (
    CHOICE,
    OTHER_CHOICE,
    REVOTING_ELECTION,
    REVOTING_SCHEDULE,
    DemoCeremonies,
    DemoCeremony,
    RevotingDevice,
    RevotingElection,
    open_revoting_election,
    open_web_app,
)
from tests.helpers import answered, shape, statements_on
from tests.web.close_helpers import run_close

VOTER = "900101300001"
COERCED = {"chair": {"cand-2"}, "council": {"member-3"}}
#: what is compared by shape only, and why: the module's docstring
BY_SHAPE = {
    "start": ("nonce", "revokes", "revokes_proof"),
    "sign-in": ("expires_ms",),
    "receipt once included": ("seq",),
    # docs/coercion.md §8.1's aggregates, compared apart below
    "aggregates": ("cover_rows",),
}


@contextmanager
def world(
    kind: str, directory: Path, web_ceremony: DemoCeremony, ceremony: DemoCeremony
) -> Iterator[RevotingElection]:
    """A service on a fresh database with the election opened, seeded alike each time."""
    with (
        fresh_database(kind, directory / "db") as url,
        open_web_app(web_ceremony, directory, url) as web,
    ):
        web.services.elections.rng = SeededRandomness("the service")
        web.services.revoting.rng = SeededRandomness("the service, re-voting")
        # a session's end is asked of the store once per window of wall-clock time, so
        # whether a request asks depends on the machine's speed, not on the worlds: keep
        # it out of the requests compared
        web.services.signin.session_end_seen_within_ms = 10**9
        yield open_revoting_election(
            web, ceremony, SeededRandomness("the organiser"), cover_replacements=2
        )


def coerced_then(election: RevotingElection, *, replaces: bool) -> list[tuple[str, Any]]:
    """The coerced vote, then world A's replacement (or nothing, world B), then the
    coercer's requests: their (name, (statements, status, body)) in order."""
    web = election.web
    watched = election.device(VOTER, "the voter's phone, watched")
    old, registered = watched.register()
    assert registered.status_code == 201, registered.text
    coerced = watched.ballot(old, COERCED)
    cast = watched.cast(coerced[0], coerced[2])
    assert cast.status_code == 201, cast.text
    coerced_tracking = cast.json()["tracking_hash"]
    # the coercer, holding the watched phone's session, starts a registration there and
    # keeps its nonce, to send the old credential on it later
    kept = watched.commitment(watched.start())

    if replaces:  # world A, later, on the voter's own device
        own = election.device(VOTER, "the voter's own laptop")
        new, answer = own.register()
        assert answer.status_code == 201, answer.text
        assert own.cast(*own.ballot(new, OTHER_CHOICE)[::2]).status_code == 201

    # the coercer, who holds the old credential and the receipts, signs in as the voter
    client = TestClient(web.client.app, base_url="http://testserver")
    coercer = RevotingDevice(election, client, VOTER, SeededRandomness("the coercer"))
    out: list[tuple[str, Any]] = []
    with statements_on(web.services.store.engine) as seen:
        out.append(("sign-in", answered(seen, lambda: _sign_in(coercer), shaped=False)))
        out.append(("start", answered(seen, coercer.start, shaped=False)))
        ballot, _, private = coercer.ballot(old)
        audited = coercer.ballot(old, COERCED)
        requests = {
            "cast": lambda: coercer.cast(ballot, private),
            "retry": lambda: coercer.cast(ballot, private),
            "retry of the coerced ballot": lambda: coercer.cast(coerced[0], coerced[2]),
            "audit": lambda: coercer.audit(*audited),
            "receipt of the coerced ballot": lambda: coercer.receipt(coerced_tracking),
            "receipt": lambda: coercer.receipt(ballot.tracking_hash(election.ctx.public_key).hex()),
            # the old credential sent again, on a start made now and on the kept earlier
            # one (whose nonce is stale in world A only): refused alike as registered
            "old credential again": lambda: coercer.send_registration(*coercer.registration(old)),
            "old credential on the earlier start": lambda: watched.send_registration(
                *watched.registration(old, commitment=kept)
            ),
        }
        for name, request in requests.items():
            out.append((name, answered(seen, request, shaped=False)))
    out.append(("log's ballots", (None, 200, logged_ballots(election))))
    # the batches, then the close (increment 4): the public record after it, and the
    # coerced ballot's receipt once its row is on the board
    board, aggregates = board_after_close(election)
    out.append(("board", (None, 200, board)))
    out.append(("aggregates", (None, 200, aggregates)))
    out.append(("receipt once included", answered([], lambda: coercer.receipt(coerced_tracking))))
    return out


def logged_ballots(election: RevotingElection) -> list[list[str]]:
    """The activity log's ballot rows as the operator's export writes them, without their
    time (the clock's) and session (a fresh one in each world)."""
    out = io.StringIO()
    export_activity_csv(election.web.services.store, election.id, out)
    return [
        [r["voter"], r["address"], r["device"], r["user_agent"], r["revoting"]]
        for r in csv.DictReader(io.StringIO(out.getvalue()))
        if r["event"] == "ballot-cast"
    ]


def board_after_close(election: RevotingElection) -> tuple[list[Any], dict[str, int]]:
    """The batches due two intervals after the open and the close a moment later, with
    the service's clock set; then every event of the record as the coercer reads it:
    kind, time after the open (before it: the test's wall clock, compared as "before"),
    and body with fresh values (ciphertexts, proofs, hashes) by their shape; a batch's
    items in a sorted order.  Batches' indices, sizes and times, and every item's kind,
    are kept.  The aggregates docs/coercion.md §8.1 lists as public are taken out of the
    bodies and returned apart: the padding's number of cover rows."""
    services = election.web.services
    open_ms = services.batches.open_ms(election.id)
    assert open_ms is not None
    interval = services.elections.board_keys(election.id).schedule.interval * 1000
    now = [open_ms + 2 * interval + 1]
    services.elections.clock = lambda: now[0]
    assert services.batches.post_due(election.id) == 2
    now[0] += 1000
    services.elections.close(election.id)
    lines = [parse_json(ev.line, limit=1 << 26) for ev in services.store.iter_events(election.id)]
    return public_view(lines, open_ms, shape)


#: the close's lists whose size is a function of §8.1's aggregates, and which differ here:
#: one fewer cover row, one more joined group (of one row) with its winner, one more
#: revocation matched.  Every other list, every step of it, is of the same size (A.rows
#: and A.tags too: one cover row is one real row, and the new group needs no padding)
SIZED_BY_AGGREGATES = {
    "A.cover", "A.groups", "A.counters", "A.flags", "A.pets", "B.winners", "B.tags",
    "B.revoke-pets",
}  # fmt: skip


def close_and_count(election: RevotingElection, ceremony: DemoCeremony) -> list[Any]:
    """Trustees 2 and 3 act in every step of the close, through the service, as the
    board opens them; then the close's events as the coercer reads them: each
    ``close-round``'s round, each ``close-step``'s step, list, trustee, key, position and
    number of items, and the ``result`` body."""
    services = election.web.services
    run_close(election, ceremony, SeededRandomness("the trustees"))
    out: list[Any] = []
    kinds = ("close-round", "close-step", "result")
    for ev in services.store.iter_events(election.id, kinds=kinds):
        e = parse_json(ev.line, limit=1 << 26)
        body = e["body"]
        if e["kind"] == "close-round":
            out.append(("close-round", body["round"]))
        elif e["kind"] == "close-step":
            place = tuple(body.get(k) for k in ("step", "list", "trustee", "key", "position"))
            out.append(("close-step", place, body["items"]))
        else:
            out.append(("result", body))
    return out


class _Answer:
    def __init__(self, status: int, body: Any) -> None:
        self.status_code, self.body = status, body

    def json(self) -> Any:
        return self.body


def _sign_in(device: RevotingDevice) -> _Answer:
    body = device.election.web.sign_in(device.client, device.national_id, device.election.id)
    return _Answer(200, body)


def normalised(name: str, body: Any) -> Any:
    """``body`` with what the module's docstring lists replaced by its shape."""
    if not isinstance(body, dict):
        return body
    return {k: _shape_of(v) if k in BY_SHAPE.get(name, ()) else v for k, v in body.items()}


def _shape_of(value: Any) -> Any:
    """A time's type; a hex value's length (inside a ciphertext or proof too)."""
    return f"<{type(value).__name__}>" if isinstance(value, int) else shape(value)


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_the_coercers_requests_are_answered_alike_whether_or_not_the_voter_replaced(
    kind: str,
    tmp_path: Path,
    demo_ceremony: DemoCeremonies,
    web_ceremony: DemoCeremony,
) -> None:
    ceremony = demo_ceremony(REVOTING_ELECTION)
    runs, closes = {}, {}
    for name, replaces in (("A", True), ("B", False)):
        with world(kind, tmp_path / name, web_ceremony, ceremony) as election:
            runs[name] = coerced_then(election, replaces=replaces)
            closes[name] = close_and_count(election, ceremony)
    assert [n for n, _ in runs["A"]] == [n for n, _ in runs["B"]]
    differ = set()
    for (name, (sql_a, status_a, body_a)), (_, (sql_b, status_b, body_b)) in zip(
        runs["A"], runs["B"], strict=True
    ):
        assert sql_a == sql_b, name
        assert status_a == status_b, name
        assert normalised(name, body_a) == normalised(name, body_b), name
        if body_a != body_b:
            differ.add(name)
    # the coercer's requests did get answers (not a refusal in both worlds alike)
    statuses = {name: status for name, (_, status, _) in runs["B"]}
    assert statuses == {
        "sign-in": 200, "start": 201, "cast": 201, "retry": 200,
        "retry of the coerced ballot": 200, "audit": 200,
        "receipt of the coerced ballot": 200, "receipt": 200,
        "old credential again": 400, "old credential on the earlier start": 400,
        "log's ballots": 200,
        "board": 200, "aggregates": 200, "receipt once included": 200,
    }  # fmt: skip
    # the one aggregate that differs, as §8.1 says: one more real cast row in A (the new
    # credential's ballot), so one fewer cover row
    cover = {w: dict(runs[w])["aggregates"][2]["cover_rows"] for w in ("A", "B")}
    assert cover["A"] == cover["B"] - 1
    # the board: batch 0 held the coerced ballot (and in A the new registration and
    # ballot) among cover, batch 1 cover (and whatever the coercer sent), both of the
    # schedule's sizes at their due times; the close's block (what still waited, and the
    # two cover replacements' steps), the coercer's audit, the close.  The whole record
    # agrees in every kind, time, size and shape (compared above), and its receipt says
    # "included" in both
    board = dict(runs["B"])["board"][2]
    batches = [time for kind, time, _ in board if kind == "batch"]
    interval = REVOTING_SCHEDULE.interval * 1000
    assert batches[:2] == [interval, 2 * interval] and len(batches) >= 3
    assert set(batches[2:]) == {2 * interval + 1001}  # the close's block, at its time
    assert [kind for kind, _, _ in board][-4:] == ["audit", "close", "padding", "close-round"]
    assert dict(runs["B"])["receipt once included"][2]["status"] == "included"
    # the log holds one ballot of the voter's, the coerced one (the first), in both
    # worlds: neither world A's own ballot nor the coercer's later one is logged (§9)
    assert [row[0] for row in dict(runs["B"])["log's ballots"][2]] == [VOTER]
    # only what is normalised differs, and Enc(R) does (it is not the same ciphertext)
    assert differ <= set(BY_SHAPE)
    start_a, start_b = (dict(runs[w])["start"][2] for w in ("A", "B"))
    assert start_a["revokes"] != start_b["revokes"]
    _the_close_and_result_differ_only_in_the_aggregates(closes["A"], closes["B"])


def _the_close_and_result_differ_only_in_the_aggregates(a: list[Any], b: list[Any]) -> None:
    """The close's events compared between world A (the voter replaced and voted again)
    and B (the voter did nothing): the module's docstring says what may differ."""
    assert [e[:2] for e in a[:-1]] == [e[:2] for e in b[:-1]]  # rounds, steps, lists, who
    steps = [[e for e in w if e[0] == "close-step"] for w in (a, b)]
    differ = {x[1][1] for x, y in zip(*steps, strict=True) if x[2] != y[2]}
    assert differ == SIZED_BY_AGGREGATES, differ
    handles = [{e[1][1]: e[2] for e in w}["B.handles"] for w in steps]
    assert handles == [1, 1]  # one voter survives
    (kind_a, result_a), (kind_b, result_b) = a[-1], b[-1]
    assert kind_a == kind_b == "result"
    assert result_a["counted_per_unit"] == result_b["counted_per_unit"]
    assert result_a["trustees"] == result_b["trustees"]
    close_a, close_b = result_a["close"], result_b["close"]
    deltas = {k: close_a[k] - close_b[k] for k in close_a}
    assert deltas == {
        "cast_rows": 1, "cover_rows": -1, "padding_rows": 0, "registrations": 0,
        "selected": 1, "revoked": 1, "survivors": 0,
    }  # fmt: skip
    counts_a = {c["id"]: c["count"] for c in result_a["counts"]}
    counts_b = {c["id"]: c["count"] for c in result_b["counts"]}
    moved = {i: counts_a[i] - counts_b[i] for i in counts_a if counts_a[i] != counts_b[i]}
    # the one counted ballot is the voter's own (OTHER_CHOICE) in A, and in B the last one
    # under the old credential: the coercer's, cast after the coerced one (CHOICE).  This
    # is docs/coercion.md §8.3's marker ballot, and it wins here as §8.3 says it does: a
    # coercer who can still sign in as the voter and vote after them reads the result
    # (the page tells such a voter to vote on paper); totals and the unit alike
    votes = {f"{c}/{o}": 1 for c, options in OTHER_CHOICE.items() for o in options}
    for c, options in CHOICE.items():
        for o in options:
            votes[f"{c}/{o}"] = votes.get(f"{c}/{o}", 0) - 1
    assert {i.split("@")[0] for i in moved} == {i for i, v in votes.items() if v}
    assert all(v == votes[i.split("@")[0]] for i, v in moved.items())
