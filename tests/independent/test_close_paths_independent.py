"""The close's paths that only a deviating service or a slow trustee takes, in a whole
record made by the service (tests/web/close_helpers.run_close) and read by the independent
checker (tests/independent/hbcheck.py) from the documents alone, beside ``honestballot
verify``: the fallback round (record-format §6; docs/coercion.md §5.3, A6), a stalled
round (`close.stalled`), and a contest counted by mixing (`column/<id>`, record-format
§7).  The record is built with honestballot; hbcheck does not import it.

One election makes all three: its council is counted by mixing, and the service pads the
voter of five ballots with a padding row *above* its ballots (the row wins its group, its
flag is 1: `close.dummy`, so the close runs the fallback round and counts the voter's last
ballot).  The record as it stood when the fallback round opened is the stalled one."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pytest

from honestballot.crypto.group import Scalar, base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.protocol.election import manifest_hash
from honestballot.protocol.padding import PaddedCredential
from honestballot.protocol.schedule import Cover, Schedule
from honestballot.protocol.stations import prove_commission_key
from honestballot.record.stations import commission_key_to_json
from honestballot.service.board import batches as batches_module
from honestballot.service.demo import demo_manifest
from honestballot.verify.verifier import Report, verify_record
from tests.databases import fresh_database
from tests.factories import (
    WEB_ELECTION,
    DemoCeremonies,
    DemoCeremony,
    board_secret_of,
    key_ceremony,
    larger_web_roll,
    open_revoting_election,
    open_web_app,
    publish_signed_station,
)
from tests.independent import hbcheck
from tests.independent.test_close_record_independent import changed
from tests.independent.test_close_record_independent import resigned as resigned_part
from tests.web.close_helpers import run_close

ELECTION = "independent-close-paths"
SCHEDULE = Schedule(60, ((8, 4),), cover=Cover(0, 100_000))
#: each test reads a whole election's record (the module builds it once)
pytestmark = pytest.mark.slow
#: the contest counted by mixing: one candidate, chosen on every ballot (a contest counted
#: by mixing may admit at most one row, one pattern of choices, per 100 voters on the
#: roll, docs/coercion.md §8.3: this one admits one, so the roll has 100 voters)
MIXED = "council"
#: the web roll: WEB_ROLL and 94 more voters, spread over the four stations
ROLL = larger_web_roll(100)
#: (national ID, the choices it casts in order); the first one's five ballots are padded
#: to six, the padding row above them
VOTERS = [
    (
        "900101300001",
        [{"chair": {"cand-2"}, "council": {"member-1"}}] * 4
        + [{"chair": {"cand-1"}, "council": {"member-1"}}],
    ),
    (
        "900101300002",
        [
            {"chair": {"cand-4"}, "council": {"member-1"}},
            {"chair": {"cand-2"}, "council": {"member-1"}},
        ],
    ),
    ("900101300004", [{"chair": {"cand-3"}, "council": {"member-1"}}]),
]


@dataclass
class Record:
    lines: list[bytes]
    election: str
    #: what the board key signs with (the tests' dishonest server re-signs the log)
    board_secret: Any
    #: trustee index -> its election key share x_t (to re-sign a changed object)
    x: dict[int, int]
    #: the record as it stood when the fallback round opened (nothing of it sent yet)
    at_fallback: list[bytes]
    #: the close's rounds, as the trustees went through them
    rounds: list[str]


def padding_above(make_padding: Callable[..., Any]) -> Callable[..., Any]:
    """The service's padding, but a credential of five ballots gets its padding row's
    counter right above its last ballot (n0 + 6) instead of below its first (n0): the
    padding row wins its group (a service that deviates, docs/coercion.md §5.3, A6)."""

    def made(ctx: Any, credentials: Sequence[PaddedCredential], *args: Any) -> Any:
        shifted = [
            replace(c, counter_start=c.counter_start + 6) if c.ballots == 5 else c
            for c in credentials
        ]
        assert shifted != list(credentials)
        return make_padding(ctx, shifted, *args)

    return made


def publish_station(services: Any, ceremony: DemoCeremony, unit: str, organiser: Scalar) -> None:
    """``unit``'s polling station (no paper voting), with its commission key, before open."""
    rng = SeededRandomness(f"station {unit}")
    digest = manifest_hash(ceremony.manifest)
    secret = random_nonzero_scalar(rng)
    proof = prove_commission_key(digest, unit, secret, base_mul(secret), rng)
    details = {
        "unit": unit,
        "address": {"ru": "Школа 1", "kk": "Мектеп 1", "en": "School 1"},
        "hours": "08:00–20:00",
        "paper": False,
        "members": [{"name": "Анна Ким", "role": "chair", "nominated_by": ""}],
    }
    commission = dict(commission_key_to_json(unit, digest, base_mul(secret), proof))
    publish_signed_station(
        services.elections, ceremony.manifest.election_id, organiser, details, commission
    )


@pytest.fixture(scope="module", autouse=True)
def one_replay() -> Iterator[None]:
    """The record's replay by hbcheck made once: its changed copies are checked whole
    again, but what they share with it is not computed again (hbcheck.remembering)."""
    with hbcheck.remembering():
        yield


@pytest.fixture(scope="module")
def record(
    demo_ceremony: DemoCeremonies, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Record]:
    tmp = tmp_path_factory.mktemp("independent-close-paths")
    (tmp / "web").mkdir()
    manifest = demo_manifest(ELECTION)
    contests = tuple(
        replace(c, candidates=c.candidates[:1], min_selections=1, max_selections=1, count="mix")
        if c.id == MIXED
        else c
        for c in manifest.contests
    )
    ceremony = key_ceremony(replace(manifest, contests=contests), tmp, ELECTION)
    with (
        pytest.MonkeyPatch.context() as mp,
        fresh_database("sqlite", tmp / "db") as url,
        open_web_app(demo_ceremony(WEB_ELECTION), tmp / "web", url) as web,
    ):
        mp.setattr(batches_module, "make_padding", padding_above(batches_module.make_padding))
        election = open_revoting_election(
            web, ceremony, SeededRandomness("independent close paths"), schedule=SCHEDULE,
            roll=ROLL, open_=False,
        )  # fmt: skip
        services = web.services
        # a polling station (its commission key proven, the organiser's signature on it):
        # what check_revoting reads with the board (board rule 10, stations.*)
        publish_station(services, ceremony, "station-1", election.organiser)
        services.elections.open(
            election.id, roll=lambda conn: services.roll.summary_body(election.id, conn)
        )
        open_ms = services.batches.open_ms(election.id)
        assert open_ms is not None
        for national_id, choices in VOTERS:
            device = election.device(national_id, f"device {national_id}")
            seed, answer = device.register()
            assert answer.status_code == 201, answer.text
            for choice in choices:
                ballot, _, private = device.ballot(seed, choice)
                answer = device.cast(ballot, private)
                assert answer.status_code == 201, answer.text
        services.elections.clock = lambda: open_ms + SCHEDULE.interval * 1000 + 10
        services.elections.close(election.id)

        def lines() -> list[bytes]:
            return [bytes(x).rstrip(b"\n") for x in services.elections.record_lines(election.id)]

        at: dict[str, list[bytes]] = {}

        def each_round(name: str) -> None:
            if name == "A-fallback":
                at[name] = lines()

        rounds = run_close(election, ceremony, SeededRandomness("paths trustees"), each_round)
        x = {s.index: s.key_share.value for s in ceremony.secrets if s.key_share is not None}
        yield Record(
            lines(), election.id, board_secret_of(url, election.id), x, at["A-fallback"], rounds
        )


def parsed(lines: Sequence[bytes]) -> tuple[list[dict[str, Any]], list[int], int]:
    """(the events, the sizes of the tree heads, the last tree head's time)."""
    objs = [json.loads(x) for x in lines]
    heads = [o for o in objs if o.get("type") == "tree-head"]
    events = [o for o in objs if o.get("type") == "event"]
    return events, [h["size"] for h in heads], heads[-1]["timestamp_ms"] if heads else 0


def hb(lines: Sequence[bytes], now_ms: int = 0) -> dict[str, Any] | str:
    """hbcheck's close (the board's "close" member), or the name of the check it fails."""
    events, sizes, _ = parsed(lines)
    try:
        board = hbcheck.check_revoting(events, sizes, now_ms=now_ms)
    except ValueError as exc:
        return str(exc).split(":", 1)[0]
    assert board is not None
    return board["close"]  # type: ignore[no-any-return]


def verify(lines: Sequence[bytes], now_ms: int = 0) -> Report:
    return verify_record(list(lines), workers=1, now_ms=now_ms)


def named(report: Report) -> list[tuple[str, str]]:
    """verify's named failures of the close: (check, party), sorted."""
    assert report.close is not None
    return sorted((f.check, f.party) for f in report.close.failures)


def failure_names(report: Report) -> set[str]:
    """Every check verify fails or names."""
    names = {c.name for c in report.failures}
    return names | ({f.check for f in report.close.failures} if report.close else set())


def close_steps(lines: Sequence[bytes]) -> set[tuple[str, str]]:
    events, _, _ = parsed(lines)
    return {(e["body"]["step"], e["body"]["list"]) for e in events if e["kind"] == "close-step"}


def test_the_fallback_round_and_the_mixed_column_pass_as_verify_passes(record: Record) -> None:
    """hbcheck follows the fallback round as verify does: it names the same failure
    (`close.dummy`, the service), takes the same rounds, and recomputes the same result,
    the voter's last ballot counted and the council's column decrypted row by row."""
    assert record.rounds[6:9] == ["A-check-dec", "A-fallback", "A-fallback-dec"]
    assert record.rounds[-2:] == ["B-column", "B-tally"]
    assert {
        ("decrypt", "A.fallback-flags"), ("equivalence", "A.fallback-pets"),
        ("decrypt", "A.fallback-pets"), ("mix", f"column/{MIXED}"),
        ("decrypt", f"column/{MIXED}"),
    } <= close_steps(record.lines)  # fmt: skip
    report = verify(record.lines)
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    assert named(report) == [("close.dummy", "service")]
    close = hb(record.lines)
    assert isinstance(close, dict), close
    assert close["done"] and close["rounds"] == record.rounds
    assert sorted((check, party) for check, party, _ in close["failures"]) == named(report)
    events, _, _ = parsed(record.lines)
    (result,) = [e["body"] for e in events if e["kind"] == "result"]
    assert close["result"] == result
    # the padded voter's last ballot (cand-1) counts, not the padding row nor a ballot
    # before it (cand-2); three voters, each one row of the council's column
    totals = {c["id"]: c["count"] for c in result["counts"]}
    assert totals["chair/cand-1"] == totals["chair/cand-2"] == totals["chair/cand-3"] == 1
    assert result["close"]["selected"] == result["close"]["survivors"] == 3
    assert result["mixed"] == [
        {"contest": MIXED, "counts": [{"id": f"{MIXED}/member-1", "count": 3}]}
    ]


def agree(lines: list[bytes], check: str) -> None:
    """hbcheck fails ``lines`` by ``check``, which verify fails or names too."""
    assert hb(lines) == check
    report = verify(lines)
    assert not report.passed and check in failure_names(report), failure_names(report)


def _one_more(item: dict[str, Any], key: str) -> None:
    """``item[key]``, a point or a ciphertext (then its beta), plus the base point."""
    if isinstance(item[key], dict):
        item, key = item[key], "beta"
    item[key] = (hbcheck.decode_point(item[key]) + hbcheck.B).hex()


@pytest.mark.parametrize(
    ("step", "name", "key", "check"),
    [
        ("decrypt", "A.fallback-flags", "factor", "close.trustees"),
        ("equivalence", "A.fallback-pets", "share", "close.trustees"),
        ("mix", f"column/{MIXED}", "row", "mix.proofs"),
        ("decrypt", f"column/{MIXED}", "factor", "close.trustees"),
    ],
)
def test_a_fallback_or_column_object_changed_and_signed_again_fails_as_in_verify(
    record: Record, step: str, name: str, key: str, check: str
) -> None:
    def change(part: dict[str, Any]) -> None:
        item = part["items"][0]
        if key == "row":  # a column's mixed row: its ciphertext
            _one_more(item["row"], 0)  # type: ignore[arg-type]
        else:
            _one_more(item, key)

    agree(resigned_part(record, step, name, change), check)  # type: ignore[arg-type]


def test_a_column_row_dropped_fails_as_in_verify(record: Record) -> None:
    """A column's mix with one row fewer (its part signed again by the trustee, the step
    naming it too): its parts do not hold the step's items (`close.steps`)."""

    def drop(part: dict[str, Any]) -> None:
        part["items"].pop()

    lines = resigned_part(record, "mix", f"column/{MIXED}", drop)  # type: ignore[arg-type]
    agree(lines, "close.steps")


def test_a_mixed_result_altered_fails_result_counts(record: Record) -> None:
    def more(body: dict[str, Any]) -> None:
        body["mixed"][0]["counts"][0]["count"] += 1

    lines, _ = changed(record, "result", lambda _: True, more)  # type: ignore[arg-type]
    agree(lines, "result.counts")


def test_a_stalled_round_is_named_by_both_and_fails_neither(record: Record) -> None:
    """The record when the fallback round opened: past its deadline (the later of the last
    tree head and now), both name `close.stalled` for round A-fallback; before it, neither
    does; the record verifies either way."""
    lines = record.at_fallback
    events, _, head_ms = parsed(lines)
    deadline = [e for e in events if e["kind"] == "close-round"][-1]["body"]["deadline_ms"]
    assert head_ms <= deadline
    for now, stalled in ((deadline, []), (deadline + 1, [("close.stalled", "round A-fallback")])):
        report = verify(lines, now)
        assert report.passed, [(c.name, c.detail) for c in report.failures]
        assert report.close is not None and report.close.round == "A-fallback"
        assert named(report) == sorted([("close.dummy", "service"), *stalled])
        close = hb(lines, max(now, head_ms))
        assert isinstance(close, dict) and not close["done"] and close["round"] == "A-fallback"
        assert sorted((c, p) for c, p, _ in close["failures"]) == named(report)


@pytest.mark.parametrize(
    ("member", "check"),
    [("commission_proof", "stations.commissions"), ("organiser_signature", "stations.signature")],
)
def test_a_station_altered_fails_check_revoting_as_verify(
    record: Record, member: str, check: str
) -> None:
    """check_revoting reads the polling stations (board rule 10, §8)."""

    def swap(body: dict[str, Any]) -> None:
        body[member]["c"], body[member]["s"] = body[member]["s"], body[member]["c"]

    lines, _ = changed(record, "station", lambda _: True, swap)  # type: ignore[arg-type]
    agree(lines, check)
