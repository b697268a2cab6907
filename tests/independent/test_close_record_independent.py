"""A whole record of a small election with re-voting protection, run through the service
to its result (tests/factories.py ``vote_then_close``), checked by the independent checker
(tests/independent/hbcheck.py) from the documents alone: the close's objects, stage A,
stage B, B6 and the result.  A close object or the result altered (the log re-signed) is
caught by name.  The record is built with honestballot; hbcheck does not import it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from honestballot.crypto.elgamal import encrypt_point
from honestballot.crypto.group import Point, Scalar, base_mul
from honestballot.crypto.plaintext_awareness import prove_randomness
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.protocol.board import PAPER_DEADLINE_MS
from honestballot.protocol.close_a import StageAInputs
from honestballot.protocol.close_b import PaperList, StageBInputs
from honestballot.protocol.election import manifest_hash
from honestballot.protocol.manifest import BLANK
from honestballot.protocol.paper import PaperVoter, handle_place, make_paper_upload
from honestballot.protocol.schedule import Cover, Schedule
from honestballot.protocol.stations import prove_commission_key
from honestballot.record.ballot import ciphertext_to_json
from honestballot.record.paper import unsigned_body, upload_to_json
from honestballot.record.stations import commission_key_to_json
from honestballot.service.demo import demo_manifest
from honestballot.verify.verifier import verify_record
from tests.databases import fresh_database
from tests.factories import (
    WEB_ELECTION,
    WEB_ROLL,
    DemoCeremonies,
    DemoCeremony,
    RevotingElection,
    Voter,
    board_secret_of,
    first_item_one_more,
    key_ceremony,
    open_revoting_election,
    open_web_app,
    publish_signed_station,
    renumber,
    resign,
    resigned_close_part,
    run_close,
    vote_then_close,
)
from tests.helpers import hb
from tests.independent import hbcheck
from tests.paper_helpers import (
    commission_secret,
    paper_election,
    post_paper,
    protocol_of,
    upload_of,
)
from tests.paper_helpers import resigned as resigned_upload

ELECTION = "independent-close"
SCHEDULE = Schedule(60, ((8, 4),), cover=Cover(0, 100_000))
#: each test reads a whole election's record (the module builds it once)
pytestmark = pytest.mark.slow
#: (national ID, the choices it casts in order, whether it replaces its credential): the
#: third replaces its credential before its second ballot (so one winner is revoked at B3)
VOTERS: list[Voter] = [
    # five ballots: its group is padded to six (one padding row)
    (
        "900101300001",
        [{"chair": {"cand-2"}, "council": {BLANK}}] * 4
        + [{"chair": {"cand-1"}, "council": {"member-1"}}],
        False,
    ),
    (
        "900101300002",
        [
            {"chair": {"cand-1"}, "council": {BLANK}},
            {"chair": {"cand-2"}, "council": {"member-1", "member-2"}},
        ],
        False,
    ),
    (
        "900101300003",
        [
            {"chair": {"cand-2"}, "council": {"member-2"}},
            {"chair": {"cand-1"}, "council": {BLANK}},
        ],
        True,
    ),
    ("900101300004", [{"chair": {"cand-3"}, "council": {"member-3"}}], False),
]
#: the reporting units of the web roll under min_unit_size 2, and the counted ballots of
#: each: both are broken out in the result
COUNTED = [{"unit": "station-1", "ballots": 2}, {"unit": "pool", "ballots": 2}]
#: a unit whose polling station takes paper ballots (its list is not uploaded)
PAPER_STATION = "station-2"


def publish_paper_station(
    services: Any, ceremony: DemoCeremony, unit: str, organiser: Scalar
) -> None:
    """``unit``'s polling station, with paper voting and a commission key, before open."""
    rng = SeededRandomness(f"station {unit}")
    digest = manifest_hash(ceremony.manifest)
    secret = random_nonzero_scalar(rng)
    proof = prove_commission_key(digest, unit, secret, base_mul(secret), rng)
    details = {
        "unit": unit,
        "address": {"ru": "Школа 1", "kk": "Мектеп 1", "en": "School 1"},
        "hours": "08:00–20:00",
        "paper": True,
        "members": [{"name": "Анна Ким", "role": "chair", "nominated_by": ""}],
    }
    commission = dict(commission_key_to_json(unit, digest, base_mul(secret), proof))
    publish_signed_station(
        services.elections, ceremony.manifest.election_id, organiser, details, commission
    )


@dataclass
class Record:
    lines: list[bytes]
    election: str
    #: what the board key signs with (the tests' dishonest server re-signs the log)
    board_secret: Any
    #: trustee index -> its election key share x_t (to re-sign a changed object)
    x: dict[int, int]


@contextmanager
def election_record(
    demo_ceremony: DemoCeremonies, tmp: Path, paper: Sequence[str] = ()
) -> Iterator[tuple[Record, RevotingElection, list[dict[str, Any]]]]:
    """A small election with re-voting protection run through the service to its result
    (min_unit_size 2: station-1 is a reporting unit of its own, the other units make
    pool), with a paper station at ``PAPER_STATION``.  With ``paper`` (national IDs), the
    station's commission lists those voters: the service's close is given that list (the
    ``paper`` event itself is issue 16's item 2, not built here), and the event's body
    (record-format §6 as docs/coercion.md §5.4 uses it) is returned for hbcheck."""
    web_dir = tmp / "web"
    web_dir.mkdir()
    ceremony = key_ceremony(replace(demo_manifest(ELECTION), min_unit_size=2), tmp, ELECTION)
    with (
        fresh_database("sqlite", tmp / "db") as url,
        open_web_app(demo_ceremony(WEB_ELECTION), web_dir, url) as web,
    ):
        election = open_revoting_election(
            web, ceremony, SeededRandomness("independent close"), schedule=SCHEDULE,
            open_=False,
        )  # fmt: skip
        services = web.services
        # a paper station (in pool): the result has a paper member
        publish_paper_station(services, ceremony, PAPER_STATION, election.organiser)
        services.elections.open(
            election.id, roll=lambda conn: services.roll.summary_body(election.id, conn)
        )
        open_ms = services.batches.open_ms(election.id)
        assert open_ms is not None
        # the paper station sends no results: the trustees may begin the close only 24
        # hours after it (the paper deadline, board rule 12)
        closed_ms = open_ms + SCHEDULE.interval * 1000 + 10
        events: list[dict[str, Any]] = []

        def the_paper_list() -> None:
            if paper:
                events.extend(paper_list(services, election, paper))

        lines = vote_then_close(
            election, ceremony, "independent", VOTERS, closed_ms,
            trustees_ms=closed_ms + PAPER_DEADLINE_MS, before_trustees=the_paper_list,
        )  # fmt: skip
        x = {s.index: s.key_share.value for s in ceremony.secrets if s.key_share is not None}
        yield Record(lines, election.id, board_secret_of(url, election.id), x), election, events


#: the paper protocol of PAPER_STATION when it lists voters: (contest/option, count)
PAPER_COUNTS = {"chair/cand-1": 2, "council/member-2": 1, "council/blank": 1}


def paper_list(
    services: Any, election: RevotingElection, voters: Sequence[str]
) -> list[dict[str, Any]]:
    """PAPER_STATION's list of ``voters`` given to the service's close, and the body of
    the ``paper`` event it stands for (what hbcheck reads)."""
    ctx, rng = election.ctx, SeededRandomness("paper list")
    handles = tuple(
        encrypt_point(
            ctx.public_key, election.letters[v].handle(ctx.base_hash), random_nonzero_scalar(rng)
        )
        for v in voters
    )
    counts = tuple(
        (f"{c.id}/{o}", PAPER_COUNTS.get(f"{c.id}/{o}", 0))
        for c in ctx.manifest.contests
        for o in c.slot_ids
    )
    steps = services.close
    original = steps.inputs

    def inputs(election_id: str) -> tuple[StageAInputs, StageBInputs]:
        a, b = original(election_id)
        unit = dict(b.unit_of)[PAPER_STATION]
        listed = PaperList(PAPER_STATION, unit, handles, len(voters), counts)
        steps._uploads[election_id] = {PAPER_STATION: 1}  # the paper event it stands for
        return a, replace(b, paper=(listed,))

    steps.inputs = inputs
    body = {
        "unit": PAPER_STATION,
        "sequence": 1,
        "protocol": {
            "in_box": len(voters),
            "contests": [
                {
                    "id": c.id,
                    "counts": [
                        {"option": o, "count": PAPER_COUNTS.get(f"{c.id}/{o}", 0)}
                        for o in c.slot_ids
                    ],
                }
                for c in ctx.manifest.contests
            ],
        },
        "voters": [{"handle": ciphertext_to_json(h)} for h in handles],
    }
    return [{"type": "event", "kind": "paper", "seq": -1, "body": body}]


@pytest.fixture(scope="module", autouse=True)
def one_replay() -> Iterator[None]:
    """Each record's replay by hbcheck made once: its changed copies are checked whole
    again, but what they share with it is not computed again (hbcheck.remembering)."""
    with hbcheck.remembering():
        yield


@pytest.fixture(scope="module")
def record(
    demo_ceremony: DemoCeremonies, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Record]:
    """The record's lines, the close run to its result."""
    with election_record(demo_ceremony, tmp_path_factory.mktemp("independent-close")) as made:
        yield made[0]


def changed(
    record: Record, kind: str, pick: Callable[[dict[str, Any]], bool],
    change: Callable[[dict[str, Any]], None],
) -> tuple[list[bytes], dict[str, Any]]:  # fmt: skip
    """The record with the first event of ``kind`` that ``pick`` picks changed in place,
    and the log re-signed (what a server holding the board key can do).  Returns (the
    lines, the changed event)."""
    out, found = [], None
    for raw in record.lines:
        obj = json.loads(raw)
        if found is None and obj.get("kind") == kind and pick(obj["body"]):
            change(obj["body"])
            found = obj
            raw = hbcheck.canonical(obj)
        out.append(raw)
    assert found is not None
    return resign(out, record.election, record.board_secret), found


def test_the_whole_close_and_its_result_pass(record: Record) -> None:
    parsed = [json.loads(x) for x in record.lines]
    events = [e for e in parsed if e.get("type") == "event"]
    heads = [e["size"] for e in parsed if e.get("type") == "tree-head"]
    board = hbcheck.check_revoting(events, heads)
    assert board is not None
    close = board["close"]
    assert close["done"] and close["rounds"][0] == "A-mix" and close["rounds"][-1] == "B-tally"
    assert "B-revoke" in close["rounds"] and "A-fallback" not in close["rounds"]
    (result,) = [e["body"] for e in events if e["kind"] == "result"]
    assert close["result"] == result
    # the voters' last ballots, one revoked credential, one padding row
    totals = {c["id"]: c["count"] for c in result["counts"] if "@" not in c["id"]}
    assert totals["chair/cand-1"] == 2 and totals["chair/cand-2"] == 1
    assert totals["council/member-1"] == 2 and totals["council/blank"] == 1
    assert totals["chair/cand-3"] == 1 and totals["council/member-3"] == 1
    assert result["close"]["revoked"] == 1 and result["close"]["survivors"] == 4
    assert result["close"]["padding_rows"] == 1
    # per reporting unit (the first two voters are of station-1, the others of pool)
    assert result["counted_per_unit"] == COUNTED
    per_unit = {c["id"]: c["count"] for c in result["counts"] if "@" in c["id"]}
    assert per_unit["chair/cand-1@station-1"] == 1 and per_unit["chair/cand-2@station-1"] == 1
    assert per_unit["chair/cand-1@pool"] == 1 and per_unit["chair/cand-3@pool"] == 1
    # the paper station, with no list uploaded: listed in the result, nothing cancelled,
    # the combined counts the e-counts (hbcheck recomputed this member from the documents)
    paper = result["paper"]
    assert paper["stations"] == [
        {"unit": PAPER_STATION, "reporting_unit": "pool", "protocol": False, "uploads": 0,
         "voters": 0, "in_box": 0, "cancelled": 0, "failures": 0},
    ]  # fmt: skip
    assert [u["unit"] for u in paper["units"]] == ["station-1", "pool"]
    assert all(u["listed"] == u["cancelled_rows"] == 0 for u in paper["units"])
    assert paper["cancelled_e_votes"] == 0
    assert paper["combined"] == result["counts"]
    assert [c["id"] for c in paper["counts"]] == [c["id"] for c in result["counts"]]
    # and honestballot verify recomputes the same result, member for member
    report = verify_record(record.lines, workers=1)
    assert report.passed, [(c.name, c.detail) for c in report.failures]


@pytest.mark.parametrize("member", ["counts", "close"])
def test_a_result_that_is_not_the_close_s_fails_result_counts(record: Record, member: str) -> None:
    def more(body: dict[str, Any]) -> None:
        if member == "counts":
            body["counts"][0]["count"] += 1
        else:  # the close's aggregates: one cover row more, one cast row fewer
            body["close"]["cover_rows"] += 1
            body["close"]["cast_rows"] -= 1

    lines, _ = changed(record, "result", lambda _: True, more)
    assert hb(lines) == "result.counts"


def test_a_close_part_changed_fails_its_signature(record: Record) -> None:
    def swap(body: dict[str, Any]) -> None:
        proof = body["items"][0]["proof"]
        proof["c"], proof["s"] = proof["s"], proof["c"]

    lines, _ = changed(record, "close-part", lambda b: b["step"] == "tag", swap)
    assert hb(lines) == "close.signatures"


def resigned(
    record: Record, step: str, name: str, change: Callable[[dict[str, Any]], None]
) -> list[bytes]:
    """tests/factories.py ``resigned_close_part`` on this module's record."""
    return resigned_close_part(
        record.lines, record.election, record.board_secret, record.x, step, name, change
    )


@pytest.mark.parametrize(
    ("step", "name", "key", "check"),
    [
        ("tag", "A.tags", "share", "tags.proofs"),
        ("decrypt", "A.tags", "factor", "close.trustees"),
        ("mix", "A.registrations", "row", "mix.proofs"),
    ],
)
def test_a_close_object_changed_and_signed_again_fails_its_proof(
    record: Record, step: str, name: str, key: str, check: str
) -> None:
    assert hb(resigned(record, step, name, first_item_one_more(key))) == check


def test_a_round_announced_wrongly_fails_close_rounds(record: Record) -> None:
    def rename(body: dict[str, Any]) -> None:
        body["round"] = "A-check"

    lines, _ = changed(record, "close-round", lambda b: b["round"] == "A-count", rename)
    assert hb(lines) == "close.rounds"


def _event_line(lines: Sequence[bytes], kind: str) -> int:
    return next(i for i, raw in enumerate(lines) if json.loads(raw).get("kind") == kind)


def test_a_round_whose_deadline_is_not_after_its_time_fails_close_rounds(
    record: Record,
) -> None:
    """As verify names it (record-format §6, "Rounds and deadlines")."""
    line = _event_line(record.lines, "close-round")
    event = json.loads(record.lines[line])
    lines = list(record.lines)
    event["body"]["deadline_ms"] = event["time_ms"]
    lines[line] = hbcheck.canonical(event)
    assert hb(resign(lines, record.election, record.board_secret)) == "close.rounds"


def test_a_close_part_repeated_on_the_board_fails_close_steps(record: Record) -> None:
    line = _event_line(record.lines, "close-part")
    lines = list(record.lines)
    lines.insert(line + 1, lines[line])
    assert hb(resign(renumber(lines), record.election, record.board_secret)) == "close.steps"


def test_a_done_close_under_a_signed_head_without_its_result_fails_result_counts(
    record: Record,
) -> None:
    lines = list(record.lines)
    del lines[_event_line(lines, "result")]
    lines = resign(renumber(lines), record.election, record.board_secret)
    assert hb(lines) == "result.counts"
    report = verify_record(lines, workers=1)
    assert {c.name for c in report.failures} == {"result.counts"}


def test_a_paper_list_cancels_e_votes_and_hbcheck_recomputes_the_paper_result(
    demo_ceremony: DemoCeremonies, tmp_path: Path
) -> None:
    """PAPER_STATION (pool) lists the voter who replaced its credential (both its e-votes
    cancelled, the revoked one at B3) and a voter who never voted online (a cancelled row,
    no e-vote): hbcheck, from the documents alone, replays P.tags (one exponent per trustee
    object), P.units, B.kept and B.cancelled, joins them and recomputes the result's paper
    member, as the service computed it."""
    voters = ["900101300003", "900101300005"]
    with election_record(demo_ceremony, tmp_path, voters) as (record, _, paper):
        parsed = [json.loads(x) for x in record.lines]
        events = [e for e in parsed if e.get("type") == "event"]
        # the paper event stands before the first close object (the board takes none after)
        first = next(i for i, e in enumerate(events) if e["kind"] in ("close-part", "close-step"))
        close = hbcheck.check_close([*events[:first], *paper, *events[first:]])
        assert close is not None and close["done"]
        (result,) = [e["body"] for e in events if e["kind"] == "result"]
        assert close["result"] == result
        steps = {
            (e["body"]["step"], e["body"]["list"]) for e in events if e["kind"] == "close-step"
        }
        assert {
            ("equivalence", "P.tags"), ("decrypt", "P.tags"), ("decrypt", "P.units"),
            ("mix", "B.kept"), ("mix", "B.cancelled"),
        } <= steps  # fmt: skip
        assert ("mix", "B.paper") not in steps
        assert result["counted_per_unit"] == [
            {"unit": "station-1", "ballots": 2}, {"unit": "pool", "ballots": 1},
        ]  # fmt: skip
        assert result["close"]["revoked"] == 1 and result["close"]["survivors"] == 4
        assert result["paper"]["stations"] == [
            {"unit": PAPER_STATION, "reporting_unit": "pool", "protocol": True, "uploads": 1,
             "voters": 2, "in_box": 2, "cancelled": 2, "failures": 0},
        ]  # fmt: skip
        assert result["paper"]["units"][1] == {
            "unit": "pool", "listed": 2, "cancelled_rows": 2, "in_box": 2,
        }  # fmt: skip
        assert result["paper"]["cancelled_e_votes"] == 1
        e = {c["id"]: c["count"] for c in result["counts"]}
        both = {c["id"]: c["count"] for c in result["paper"]["combined"]}
        assert e["chair/cand-1"] == 1 and both["chair/cand-1"] == 3  # voter 3's is cancelled
        assert e["council/blank"] == 0 and both["council/blank"] == 1
        # without the list, hbcheck's replay is not the board's (P.tags is extra)
        with pytest.raises(ValueError, match=r"^close\.steps"):
            hbcheck.check_close(events)


# -- the paper path's remedies, followed by hbcheck as verify follows them ----------------

#: the web roll of the remedied election: WEB_ROLL and five more voters of station-2 (a
#: commission lists at most its unit's voters on the roll)
PAPER_ROLL = [
    *WEB_ROLL,
    *((f"90010130{n:04d}", f"Voter {n}", "", f"v{n}@example.org", "station-2")
      for n in range(7, 12)),
]  # fmt: skip
#: the voters who vote online there (numbered by their national IDs' last digits)
PAPER_ONLINE = (1, 2, 3, 4, 5)


def listing_one_twice(
    election: RevotingElection, tmp: Path, unit: str, handles: Sequence[Point], twice: Point,
    rng: SeededRandomness,
) -> dict[str, Any]:  # fmt: skip
    """``unit``'s upload listing ``handles`` and ``twice`` (one of them) once more: a
    commission that lists a voter twice (its own tool refuses, the board cannot see it)."""
    ctx, secret = election.ctx, commission_secret(tmp, unit)
    stand_in = base_mul(random_nonzero_scalar(rng))
    upload, opening = make_paper_upload(
        ctx.base_hash, ctx.public_key, ctx.manifest, unit, 1,
        protocol_of(ctx.manifest, len(handles) + 1), [*handles, stand_in], secret,
        unsigned_body, rng, final=True,
    )  # fmt: skip
    row = next(i for i, (index, _) in enumerate(opening) if index == len(handles))
    r = random_nonzero_scalar(rng)
    ct = encrypt_point(ctx.public_key, twice, r)
    proof = prove_randomness(handle_place(ctx.base_hash, unit, row), ctx.public_key, ct, r, rng)
    voters = list(upload.voters)
    voters[row] = PaperVoter(ct, proof)
    return upload_to_json(resigned_upload(election, replace(upload, voters=tuple(voters)), secret))


@dataclass
class Remedied:
    lines: list[bytes]
    #: verify's report of the record
    report: Any


@pytest.fixture(scope="module")
def remedied(
    demo_ceremony: DemoCeremonies, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Remedied]:
    """A record whose paper lists carry every listing the close does not apply as given
    (tests/protocol/test_close_paper.py's wrong lists, here in the board's own signed
    ``paper`` events): min_unit_size 2, so station-1 and station-2 are reporting units
    and station-3, station-4 and station-small make pool; voters 1 … 5 vote online.

    - station-1 lists its voter 2 twice (cancelled once, named), so its list is short;
    - station-2 lists voter 1 (of station-1: not applied), a point on no roll row, 2·V of
      voter 4, the tag point of voter 4's credential and voter 4's none point (none of
      them joins a roll row), and its voter 7;
    - station-3 and station-4 both list voter 5 (of station-4: one voter by two stations
      of pool, both named)."""
    tmp = tmp_path_factory.mktemp("independent-paper-remedies")
    (tmp / "web").mkdir()
    ceremony = key_ceremony(
        replace(demo_manifest("independent-paper"), min_unit_size=2), tmp, "independent-paper"
    )
    paper = dict.fromkeys(("station-1", "station-2", "station-3", "station-4"), True)
    with (
        fresh_database("sqlite", tmp / "db") as url,
        open_web_app(demo_ceremony(WEB_ELECTION), tmp / "web", url) as web,
    ):
        election = paper_election(
            web, ceremony, tmp, paper, seed="independent paper", roll=PAPER_ROLL
        )
        ctx, rng = election.ctx, SeededRandomness("independent paper lists")
        seeds = {}
        for n in PAPER_ONLINE:
            device = election.device(f"90010130{n:04d}", f"device {n}")
            seeds[n], answer = device.register()
            assert answer.status_code == 201, answer.text
            ballot, _, private = device.ballot(seeds[n])
            assert device.cast(ballot, private).status_code == 201

        def v(n: int) -> Point:
            return election.letters[f"90010130{n:04d}"].handle(ctx.base_hash)

        none_4 = election.letters["900101300004"].none_point(ctx.base_hash)
        twice = listing_one_twice(election, tmp, "station-1", [v(2)], v(2), rng)
        answer = post_paper(election, "station-1", twice)
        assert answer.status_code == 201, answer.text
        lists = {
            "station-2": [
                v(1), base_mul(random_nonzero_scalar(rng)), v(4) * Scalar(2),
                seeds[4].tag_point(ctx.base_hash), none_4, v(7),
            ],
            "station-3": [v(5)],
            "station-4": [v(5)],
        }  # fmt: skip
        for unit, handles in lists.items():
            upload = upload_of(
                ctx.base_hash, ctx.public_key, ctx.manifest, unit, handles,
                commission_secret(tmp, unit), rng, final=True,
            )  # fmt: skip
            answer = post_paper(election, unit, upload_to_json(upload))
            assert answer.status_code == 201, answer.text
        services = web.services
        open_ms = services.batches.open_ms(election.id)
        assert open_ms is not None
        services.elections.clock = lambda: open_ms + SCHEDULE.interval * 1000 + 10
        services.elections.close(election.id)
        run_close(election, ceremony, SeededRandomness("independent paper trustees"))
        lines = [bytes(x).rstrip(b"\n") for x in services.elections.record_lines(election.id)]
        report = verify_record(lines, workers=1, now_ms=services.elections.clock())
        yield Remedied(lines, report)


def test_hbcheck_follows_the_paper_remedies_as_verify_does(remedied: Remedied) -> None:
    """hbcheck applies only the valid listings, as verify does: the same result (counts,
    paper member) as the record's, which verify recomputes too, and the same
    ``close.paper`` failures, each naming the same commission."""
    report = remedied.report
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    assert report.close is not None and report.close.done
    parsed = [json.loads(x) for x in remedied.lines]
    events = [e for e in parsed if e.get("type") == "event"]
    heads = [e["size"] for e in parsed if e.get("type") == "tree-head"]
    board = hbcheck.check_revoting(events, heads)
    assert board is not None
    close = board["close"]
    (result,) = [e["body"] for e in events if e["kind"] == "result"]
    assert close["done"] and close["result"] == result
    assert next(c for c in report.checks if c.name == "result.counts").passed
    named = sorted((f.check, f.party) for f in report.close.failures)
    assert sorted((check, party) for check, party, _ in close["failures"]) == named
    commission = "commission of station-{}".format
    assert named == sorted(
        [("close.paper", commission(1))] * 2
        + [("close.paper", commission(2))] * 6
        + [("close.paper", commission(3)), ("close.paper", commission(4))]
    )
    paper = result["paper"]
    assert [(s["unit"], s["voters"], s["cancelled"], s["failures"]) for s in paper["stations"]] == [
        ("station-1", 2, 1, 2), ("station-2", 6, 1, 6), ("station-3", 1, 1, 1),
        ("station-4", 1, 1, 1),
    ]  # fmt: skip
    assert [(u["unit"], u["listed"], u["cancelled_rows"]) for u in paper["units"]] == [
        ("station-1", 2, 1), ("station-2", 6, 1), ("pool", 2, 1),
    ]  # fmt: skip
    # voters 2 and 5 voted online and are cancelled; voter 1 (listed by another unit's
    # station) and voter 4 (only points that are no roll handle listed) are counted
    assert paper["cancelled_e_votes"] == 2
    assert result["counted_per_unit"] == [
        {"unit": "station-1", "ballots": 1}, {"unit": "station-2", "ballots": 1},
        {"unit": "pool", "ballots": 1},
    ]  # fmt: skip
