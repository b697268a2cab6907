"""Tamper suite for the independent verifier.

One small election record with re-voting protection is built per session (registrations,
cast rows and an audit in batches, closed by the trustees to its result:
tests/factories.py ``closed_protected_record``, tests/verify/conftest.py, shared with the
Dask tests); every test changes one thing in a copy of it and asserts the verifier
refuses the record and names the right check (``close.rounds`` alone names the service
without failing the record, docs/record-format.md §6).

Two variants of a content change:

* *plain*: only the event line changes, so the Merkle leaves change and
  ``log.tree-heads`` must fail (unless an earlier check stops the run);
* *re-signed*: the tree heads are recomputed and re-signed with the board's own
  secret (a malicious server controls the board key), so the log check passes and
  only the semantic check can catch the change.

What the field mutations sample (a verification of the record takes 1--2 s, so not
every field): the first event of each kind, its envelope for a few kinds, and
``PER_KIND`` body fields reached through the first item of each list, for the close's
objects those of the first mix's part and step only (whose signatures then fail); and,
signed again by their trustee, one item proof of the first ``close-part`` of each step
(mix, tag, point-tag, decrypt, offset, equivalence), so the proof checks themselves
(``mix.proofs``, ``tags.proofs``, ``close.trustees``) are reached.  Given up: later
events of a kind, later items of a list, the later steps' parts and steps field by field,
and the rest of each part's items.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from honestballot.cli.demo_election import DemoElection, run_demo_election
from honestballot.crypto.group import Scalar
from honestballot.record.codec import canonical_bytes
from honestballot.verify.verifier import Report, verify_record
from tests.factories import (
    DemoCeremony,
    Record,
    board_secret_of,
    first_item_one_more,
    renumber,
    resign,
    resigned_close_part,
)
from tests.helpers import describe, failed, verify

#: each test reads a whole election's record (the module builds it once)
pytestmark = pytest.mark.slow

LOG = "log.tree-heads"
EARLY = frozenset({"record.format", "setup"})  # checks that stop the run before the log
#: the close's checks that read the trustees' objects (verify/close.py); ``close.rounds``,
#: which names the service for any change of the close's objects, is not one of them
CLOSE = frozenset({"close.signatures", "close.steps", "close.inputs", "mix.proofs", "tags.proofs",
                   "close.trustees"})  # fmt: skip


# -- the elections under test ---------------------------------------------------------


@pytest.fixture
def record(closed_record: tuple[Record, DemoCeremony]) -> Record:
    """The closed record of an election with re-voting protection (the session's)."""
    return closed_record[0]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoElection, Path]:
    """The election ``honestballot demo`` runs (re-voting protection, its own schedule
    and cover, min_unit_size 5), with 6 voters, and its directory."""
    directory = tmp_path_factory.mktemp("demo")
    return run_demo_election(directory, voters=6), directory


@pytest.fixture(scope="module")
def demo_record(demo: tuple[DemoElection, Path]) -> Record:
    election, directory = demo
    lines = election.record_path.read_bytes().splitlines()
    election_id = json.loads(lines[0])["election_id"]
    url = f"sqlite:///{directory / 'honestballot.sqlite'}"
    return Record(lines, board_secret_of(url, election_id), election_id)


# -- generated field mutations --------------------------------------------------------

Path_ = tuple[str | int, ...]


def _flip_hex(value: str) -> str:
    """Change one hex digit (the low nibble of the first byte) and stay lowercase hex."""
    return value[0] + format(int(value[1], 16) ^ 0x2, "x") + value[2:]


def _is_hex(value: str) -> bool:
    return len(value) >= 32 and len(value) % 2 == 0 and all(c in "0123456789abcdef" for c in value)


def _walk(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, str, Callable[[Any], Any]]]:
    """(path, operation, function giving the changed value) for every leaf and list."""
    if isinstance(value, dict):
        for key in sorted(value):
            yield from _walk(value[key], (*path, key))
    elif isinstance(value, list):
        if value:
            yield path, "drop-last", lambda v: v[:-1]
            yield path, "duplicate", lambda v: [*v, v[-1]]
        for i, item in enumerate(value):
            yield from _walk(item, (*path, i))
    elif isinstance(value, bool):
        yield path, "flip", lambda v: not v
    elif isinstance(value, int):
        yield path, "plus-one", lambda v: v + 1
    elif isinstance(value, str):
        if _is_hex(value):
            yield path, "hex-digit", _flip_hex
        else:
            yield path, "append-char", lambda v: v + "x"
    # null: nothing to change


def _set(obj: Any, path: Path_, change: Callable[[Any], Any]) -> Any:
    if not path:
        return change(obj)
    copy = list(obj) if isinstance(obj, list) else dict(obj)
    copy[path[0]] = _set(obj[path[0]], path[1:], change)  # type: ignore[index]
    return copy


def expected_checks(kind: str, path: Path_) -> frozenset[str]:
    """The checks of which at least one must fail when ``path`` of a ``kind`` event changes
    (the log check aside).  A change that leaves a field unparseable (a point that is not
    on the curve, a list of proofs one short) may also be named ``record.format``."""
    if path[0] in ("type", "seq", "kind"):
        return frozenset({"record.format"})
    if path[0] == "time_ms":
        return frozenset({LOG})
    return _semantic_checks(kind, path[1:]) | {"record.format"}


def _semantic_checks(kind: str, body: Path_) -> frozenset[str]:
    match kind:
        case "setup":
            if body[0] == "board_key":
                return frozenset({"setup", LOG})
            return frozenset({"setup"})
        case "roll-part":
            return frozenset({"roll.encrypted"})
        case "roll":
            return frozenset({"roll.signature", "roll.encrypted"})
        case "batch":
            return frozenset({"board.rules", "board.schedule"})
        case "registration":
            return frozenset({"registrations.proofs", "board.rules"})
        case "cast-row":
            return frozenset({"rows.proofs", "board.rules"})
        case "audit":
            return frozenset({"ballots.proofs", "audits.openings", "board.rules"})
        case "padding":
            # its cover rows' count: the cover point tag shares no longer match it
            # (tags.proofs, named), the close is not done and the result fails
            return frozenset({"padding.shape", "rows.proofs", "result.counts", "tags.proofs"})
        case "close-round":
            return frozenset({"close.rounds"})  # named (the service), not failed
        case "close-part" | "close-step":
            # an object that does not verify is not taken, and named (close.signatures,
            # close.steps): the close is not done, so the result on the board fails
            # (required_checks)
            return CLOSE
        case "result":
            return frozenset({"result.counts"})
    raise AssertionError(f"no expectation for {kind} {body}")


def required_checks(kind: str, path: Path_) -> frozenset[str]:
    """The checks that must each fail (or name a party) when ``path`` of a re-signed
    ``kind`` event changes, besides one of :func:`expected_checks`."""
    if kind in ("close-part", "close-step"):
        return frozenset({"result.counts"})
    if kind == "padding" and path[-1] == "cover_rows":
        return frozenset({"tags.proofs", "result.counts"})
    return frozenset()


#: the one kind whose changes name the service without failing the record
NAMES_ONLY = "close-round"


def _resignable(kind: str, path: Path_) -> bool:
    """Content whose only guard must not be the board's signature."""
    if path[0] != "body":
        return False
    if kind == "setup":
        return path[1] == "election_key"
    return True


@dataclass(frozen=True)
class FieldMutation:
    line: int
    seq: int
    kind: str
    path: Path_
    op: str

    @property
    def id(self) -> str:
        return f"{self.seq}-{self.kind}:{'.'.join(map(str, self.path))}:{self.op}"

    def apply(self, lines: list[bytes]) -> list[bytes]:
        event = json.loads(lines[self.line])
        if self.op == "own-time":  # the value becomes the event's own time
            out = list(lines)
            out[self.line] = canonical_bytes(_set(event, self.path, lambda _: event["time_ms"]))
            return out
        for path, op, change in _walk(event):
            if path == self.path and op == self.op:
                out = list(lines)
                out[self.line] = canonical_bytes(_set(event, path, change))
                assert out[self.line] != lines[self.line]
                return out
        raise AssertionError(f"{self.id} not found")


def _first_items_only(path: Path_) -> bool:
    return all(p == 0 for p in path if isinstance(p, int))


#: the kinds of event of the closed record, each sampled by :func:`field_mutations`
KINDS = ("setup", "roll-part", "roll", "open", "batch", "registration", "cast-row", "audit",
         "close", "padding", "close-round", "close-part", "close-step", "result")  # fmt: skip
#: how many of an event's body fields are changed (a verification of the closed record
#: takes about 1.7 s: the sample is small, the same every run)
PER_KIND = 4
#: the kinds whose first event's envelope is changed too
ENVELOPE_KINDS = ("setup", "roll-part", "cast-row", "result")


def field_mutations(rec: Record, kind: str) -> list[FieldMutation]:
    """A deterministic sample of the first event of ``kind``: its envelope (type, seq,
    kind, time_ms) for the ``ENVELOPE_KINDS``, and ``PER_KIND`` of its body's fields
    reached through the first item of each list (of the close's objects, the first
    mix's)."""
    pick = random.Random(f"2026 {kind}")
    line, event = next((i, ev) for i, ev in rec.events() if ev["kind"] == kind)
    seq = event["seq"]
    out = [FieldMutation(line, seq, kind, path, op) for path, op, _ in _walk(event)
           if path and path[0] != "body" and kind in ENVELOPE_KINDS]  # fmt: skip
    body = [FieldMutation(line, seq, kind, path, op) for path, op, _ in _walk(event)
            if path and path[0] == "body" and _first_items_only(path)]  # fmt: skip
    if kind == "close-round":  # a later deadline is as valid: one not after the event is not
        body = [m if m.path != ("body", "deadline_ms") else replace(m, op="own-time")
                for m in body]  # fmt: skip
    return out + pick.sample(body, min(len(body), PER_KIND))


# -- tests -----------------------------------------------------------------------------


def test_the_untouched_record_verifies(record: Record) -> None:
    report = verify(record.lines)
    assert report.passed, describe(report)
    names = [c.name for c in report.checks]
    for name in ("record.format", "setup", LOG, "roll.signature", "roll.encrypted",
                 "board.rules", "board.schedule", "registrations.proofs", "padding.shape",
                 "rows.proofs", "ballots.proofs", "audits.openings", *sorted(CLOSE),
                 "close.stage-a", "close.stage-b", "tally", "result.counts"):  # fmt: skip
        assert name in names
    # 5 registrations (one voter replaced its credential) and 6 ballots of the voters, the
    # rest cover, in 3 batches of 4 registrations and 8 rows
    assert report.stats["registrations"] == 12
    assert report.stats["cast_rows"] == 24
    assert report.stats["batches"] == 3
    assert report.stats["ballots_audited"] == 1
    # the last ballot of each of the 5 credentials, of which one is revoked: one per voter
    assert report.stats["stage_a_winners"] == 5
    assert report.stats["counted"] == 4
    # station-1 (the first two voters) is broken out; the others make pool
    assert report.counts["chair/cand-1@station-1"] == 1
    assert report.counts["chair/cand-2@station-1"] == 1
    # the re-votes count, not the first ballots: the first voter's second choice (cand-1),
    # the second voter's under its new credential (cand-2)
    assert report.counts["chair/cand-1"] == 2
    assert report.counts["chair/cand-2"] == 2


def test_resigning_an_untouched_record_changes_nothing_that_matters(record: Record) -> None:
    again = resign(record.lines, record.election_id, record.board_secret)
    report = verify(again)
    assert report.passed, describe(report)


def test_the_demo_record_verifies(demo: tuple[DemoElection, Path], demo_record: Record) -> None:
    report = verify(demo_record.lines)
    assert report.passed, describe(report)
    # one ballot counted for every voter who voted, per unit as the demo's result says
    voted = sum(plan.first is not None for plan in demo[0].plans)
    assert report.stats["counted"] == voted
    assert sum(demo[0].counted_per_unit().values()) == voted


def named(report: Report) -> set[str]:
    """The checks that fail or name a party (docs/record-format.md: the close's failures
    with a remedy, and ``close.rounds``, name the service and do not fail the record)."""
    return failed(report) | {c.name for c in report.named}


def _names_event(report: Report, seq: int) -> bool:
    """A check of the close names the changed object itself (event ``seq``), not only the
    objects after it that no open step takes."""
    return any(
        c.name in CLOSE | {"close.rounds"} and f"event {seq}" in c.detail for c in report.named
    )


def _caught(record: Record, mutation: FieldMutation, resigned: bool) -> str | None:
    """None if the verifier catches ``mutation`` as it should, else what went wrong."""
    lines = mutation.apply(record.lines)
    if resigned:
        lines = resign(lines, record.election_id, record.board_secret)
    report = verify(lines)
    names = named(report)
    if not names:
        return f"{mutation.id} went unnoticed"
    if report.passed and mutation.kind != NAMES_ONLY:
        return f"{mutation.id} is only named, the record passes: {describe(report)}"
    expected = expected_checks(mutation.kind, mutation.path)
    if resigned:
        if LOG in names and not names & EARLY and not expected & {LOG}:
            return f"{mutation.id} re-signed fails the log: {describe(report)}"
        if not names & expected:
            return f"{mutation.id} re-signed: expected {sorted(expected)}: {describe(report)}"
        required = required_checks(mutation.kind, mutation.path)
        if names & EARLY:
            return None
        if not required <= names:
            return f"{mutation.id} re-signed: expected all of {sorted(required)}: " + describe(
                report
            )
        if "result.counts" in required and "result.counts" not in failed(report):
            return f"{mutation.id} re-signed: result.counts must fail: {describe(report)}"
        if mutation.kind in ("close-part", "close-step") and not _names_event(report, mutation.seq):
            return f"{mutation.id} re-signed: event {mutation.seq} is not named: {describe(report)}"
        return None
    if not (LOG in names or names & EARLY):
        return f"{mutation.id}: the log passes: {describe(report)}"
    if expected != {LOG} and not names & EARLY and not names & expected:
        # the verifier runs every check: the semantic one fails as well
        return f"{mutation.id}: expected one of {sorted(expected)}: {describe(report)}"
    return None


@pytest.mark.parametrize("kind", KINDS)
def test_field_mutation_is_caught(record: Record, kind: str) -> None:
    """The envelope's changes as they are (the log must fail, or the record's format);
    the body's re-signed (a semantic check must fail), and also as they are where the
    board's signature is their only guard (the setup's board key and manifest)."""
    missed = []
    for m in field_mutations(record, kind):
        why = _caught(record, m, _resignable(m.kind, m.path))
        if why is not None:
            missed.append(why)
    assert not missed, "\n".join(missed)


def test_the_sample_covers_every_kind_of_event(record: Record) -> None:
    kinds = {ev["kind"] for _, ev in record.events()}
    assert kinds == set(KINDS)
    for kind in KINDS:
        body = [m for m in field_mutations(record, kind) if m.path[0] == "body"]
        # open and close have empty bodies, a batch three fields, a close-round two (its
        # deadline set to its own time)
        want = {"open": 0, "close": 0, "close-round": 2, "batch": 3}.get(kind, PER_KIND)
        assert len(body) == want, kind
    rounds = field_mutations(record, "close-round")
    assert {(m.path, m.op) for m in rounds} == {
        (("body", "round"), "append-char"),
        (("body", "deadline_ms"), "own-time"),
    }


#: (a step of the close, the key of its first part's first item changed, the check that
#: names the object): the point (or ciphertext's beta) plus the base point, the part and
#: its step signed again by the trustee, so only the item's proof can tell
ITEM_PROOFS = [
    ("mix", "row", "mix.proofs"),
    ("tag", "share", "tags.proofs"),
    ("point-tag", "image", "tags.proofs"),
    ("decrypt", "factor", "close.trustees"),
    ("offset", "offset", "close.trustees"),
    ("equivalence", "share", "close.trustees"),
]


def test_the_item_proofs_cover_every_step_of_the_record(record: Record) -> None:
    steps = {ev["body"]["step"] for _, ev in record.events() if ev["kind"] == "close-part"}
    assert steps == {step for step, _, _ in ITEM_PROOFS}


@pytest.mark.parametrize(("step", "key", "check"), ITEM_PROOFS)
def test_an_item_proof_of_each_step_is_caught(
    closed_record: tuple[Record, DemoCeremony], step: str, key: str, check: str
) -> None:
    record, ceremony = closed_record
    x = {s.index: s.key_share.value for s in ceremony.secrets if s.key_share is not None}
    lines = resigned_close_part(
        record.lines, record.election_id, record.board_secret, x, step, None,
        first_item_one_more(key),
    )  # fmt: skip
    report = verify(lines)
    # the object is not taken (its trustee named); the close waits for it, so the result
    # on the board stands on a close that is not done
    assert check in {c.name for c in report.named}, describe(report)
    assert failed(report) == {"result.counts"}, describe(report)


# -- tree heads ------------------------------------------------------------------------


def _head_lines(rec: Record) -> list[int]:
    return [i for i, raw in enumerate(rec.lines) if json.loads(raw).get("type") == "tree-head"]


HEAD_CHANGES: dict[str, Callable[[dict[str, Any]], None]] = {
    "root": lambda h: h.update(root=_flip_hex(h["root"])),
    "size-plus-one": lambda h: h.update(size=h["size"] + 1),
    "size-minus-one": lambda h: h.update(size=h["size"] - 1),
    "signature-c": lambda h: h["signature"].update(c=_flip_hex(h["signature"]["c"])),
    "signature-s": lambda h: h["signature"].update(s=_flip_hex(h["signature"]["s"])),
    "timestamp": lambda h: h.update(timestamp_ms=h["timestamp_ms"] + 1),
}


@pytest.mark.parametrize("which", ["first", "middle", "last"])
@pytest.mark.parametrize("change", sorted(HEAD_CHANGES))
def test_tree_head_mutation_is_caught(record: Record, change: str, which: str) -> None:
    heads = _head_lines(record)
    line = {"first": heads[0], "middle": heads[len(heads) // 2], "last": heads[-1]}[which]
    head = json.loads(record.lines[line])
    HEAD_CHANGES[change](head)
    lines = list(record.lines)
    lines[line] = canonical_bytes(head)
    report = verify(lines)
    assert not report.passed
    # a head of size 0 with a non-empty root does not even parse
    assert failed(report) in ({LOG}, {"record.format"}), describe(report)


def test_a_tree_head_signed_with_another_key_is_caught(record: Record) -> None:
    lines = resign(record.lines, record.election_id, Scalar(12345))
    report = verify(lines)
    assert failed(report) == {LOG}, describe(report)


def test_a_tree_head_for_another_election_is_caught(record: Record) -> None:
    lines = resign(record.lines, "another-election", record.board_secret)
    report = verify(lines)
    assert failed(report) == {LOG}, describe(report)


def test_swapped_tree_heads_are_caught(record: Record) -> None:
    heads = _head_lines(record)
    lines = list(record.lines)
    lines[heads[1]], lines[heads[2]] = lines[heads[2]], lines[heads[1]]
    assert LOG in failed(verify(lines))


def test_a_timestamp_going_backwards_is_caught_even_when_signed(record: Record) -> None:
    heads = _head_lines(record)
    lines = list(record.lines)
    head = json.loads(lines[heads[-1]])
    head["timestamp_ms"] = json.loads(lines[heads[0]])["timestamp_ms"] - 1
    lines[heads[-1]] = canonical_bytes(head)
    report = verify(resign(lines, record.election_id, record.board_secret))
    assert failed(report) == {LOG}, describe(report)
    assert "backwards" in report.failures[0].detail


def test_dropping_the_last_tree_head_is_caught(record: Record) -> None:
    lines = list(record.lines)
    del lines[_head_lines(record)[-1]]
    report = verify(lines)
    assert failed(report) == {LOG}, describe(report)
    assert "covers the whole log" in report.failures[0].detail


# -- whole lines -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_dropping_an_event_line_is_caught(record: Record, kind: str) -> None:
    lines = list(record.lines)
    del lines[record.line_of(kind)]
    report = verify(lines)
    assert not report.passed
    if kind == "result":
        # the last event: no gap in seq, but the last head outgrows the log, and it covers
        # the step that completed the close with no result after it
        assert failed(report) == {LOG, "result.counts"}, describe(report)
    else:
        assert failed(report) & {"record.format", "setup"}, describe(report)


# dropping an event, renumbering and re-signing: what the board's operator could do (an
# audit dropped is not seen: the voter's receipt finds the one missing; the result
# dropped is, as a signed tree head covers the step that completed the close)
DROP_RESIGNED = {
    "roll-part": {"board.rules", "roll.encrypted"},
    "roll": {"board.rules", "roll.signature", "roll.encrypted"},
    "open": {"board.rules"},
    "batch": {"board.rules"},  # its items follow no batch
    "registration": {"board.rules"},  # the batch is one item short
    "cast-row": {"board.rules"},
    "close": {"board.rules"},
    "padding": {"board.rules"},
    "close-round": {"close.rounds"},  # named
    # the first object of the close is missing: every later one belongs to no open step
    # (named), and the result stands on a close that is not done (result.counts fails)
    "close-part": {"close.steps", "result.counts"},
    "close-step": {"close.steps", "result.counts"},
    "result": {"result.counts"},  # the close done under a signed head, no result after it
}


@pytest.mark.parametrize("kind", sorted(DROP_RESIGNED))
def test_dropping_renumbering_and_resigning_is_caught(record: Record, kind: str) -> None:
    lines = list(record.lines)
    del lines[record.line_of(kind)]
    report = verify(resign(renumber(lines), record.election_id, record.board_secret))
    assert named(report), f"a {kind} event vanished from the board unnoticed"
    assert named(report) & DROP_RESIGNED[kind], describe(report)
    if kind != NAMES_ONLY:
        assert not report.passed, describe(report)
    if "result.counts" in DROP_RESIGNED[kind]:
        assert "result.counts" in failed(report), describe(report)
    if kind == "result":
        assert failed(report) == {"result.counts"}, describe(report)
        assert "no result follows" in report.failures[0].detail


# adjacent events whose order the board rules (or the close) fix (two registrations, or two
# cast rows, of one batch may legitimately appear in either order): the checks that fail
SWAPS = [
    ("roll", -1, {"board.rules", "roll.encrypted"}),  # a roll part after the roll
    # the first batch before the open (and its time before the open's)
    ("open", 1, {"board.rules", LOG}),
    ("close", 1, {"board.rules"}),  # the padding before the close
    ("padding", 1, {"board.rules"}),  # the first round announced before the padding
    # a step before its part: not taken (close.steps names the service), the result fails
    ("close-step", -1, {"result.counts"}),
    ("result", -1, {"board.rules"}),  # a step of the close after the result
]


@pytest.mark.parametrize(("kind", "step", "expected"), SWAPS)
def test_swapping_two_event_lines_is_caught(
    record: Record, kind: str, step: int, expected: set[str]
) -> None:
    lines = list(record.lines)
    a = record.line_of(kind)
    b = a + step
    while json.loads(lines[b])["type"] != "event":
        b += step
    lines[a], lines[b] = lines[b], lines[a]
    report = verify(lines)
    assert failed(report) == {"record.format"}, describe(report)
    # with the seq numbers put back in order and the heads re-signed, the board rules (or
    # the close's reading) still see the events out of order
    report = verify(resign(renumber(lines), record.election_id, record.board_secret))
    assert failed(report) == expected, describe(report)
    if kind == "close-step":
        assert "close.steps" in {c.name for c in report.named}, describe(report)


@pytest.mark.parametrize(
    ("kind", "nth", "why"),
    [
        ("cast-row", 2, "a cast row repeats a ballot that already has a cast row"),
        ("registration", 0, "a registration repeats another registration's nonce"),
    ],
)
def test_duplicating_an_item_of_a_batch_is_caught(
    record: Record, kind: str, nth: int, why: str
) -> None:
    line = record.line_of(kind, nth)
    lines = list(record.lines)
    lines.insert(line + 1, lines[line])
    report = verify(lines)
    assert failed(report) == {"record.format"}, describe(report)
    report = verify(resign(renumber(lines), record.election_id, record.board_secret))
    assert failed(report) & {"board.rules"}, describe(report)
    assert why in describe(report)


def test_duplicating_a_step_of_the_close_is_named(record: Record) -> None:
    """The copy's parts were taken by the first: the service is named (close.steps); the
    record does not fail, as an object the close does not take does not."""
    line = record.line_of("close-step")
    lines = list(record.lines)
    lines.insert(line + 1, lines[line])
    report = verify(resign(renumber(lines), record.election_id, record.board_secret))
    assert "close.steps" in named(report), describe(report)
    [found] = [c for c in report.named if c.name == "close.steps"]
    assert "is not on the board" in found.detail


def test_a_close_part_repeated_on_the_board_is_named(record: Record) -> None:
    """The service stores a part once (a repeat is answered as stored before): a copy on
    the board names the service (close.steps); the close takes the first."""
    line = record.line_of("close-part")
    lines = list(record.lines)
    lines.insert(line + 1, lines[line])
    report = verify(resign(renumber(lines), record.election_id, record.board_secret))
    assert report.passed, describe(report)
    [found] = [c for c in report.named if c.name == "close.steps"]
    seq = json.loads(lines[line])["seq"] + 1
    assert f"event {seq}.body" in found.detail and "already on the board" in found.detail


def test_a_round_whose_deadline_is_not_after_its_time_is_named(record: Record) -> None:
    """A ``close-round``'s deadline is its time plus the service's deadline: one at or
    before its own time names the service (close.rounds); the record stands."""
    line = record.line_of("close-round", 1)
    event = json.loads(record.lines[line])
    for deadline in (event["time_ms"], event["time_ms"] - 1):
        lines = list(record.lines)
        lines[line] = canonical_bytes({**event, "body": {**event["body"], "deadline_ms": deadline}})
        report = verify(resign(lines, record.election_id, record.board_secret))
        assert report.passed, describe(report)
        [found] = [c for c in report.named if c.name == "close.rounds"]
        assert f"event {event['seq']}:" in found.detail and "not after" in found.detail
    lines = list(record.lines)
    lines[line] = canonical_bytes(
        {**event, "body": {**event["body"], "deadline_ms": event["time_ms"] + 1}}
    )
    report = verify(resign(lines, record.election_id, record.board_secret))
    assert report.passed and not report.named, describe(report)


@pytest.mark.parametrize("cut", ["mid-line", "mid-event-line", "before-last-head", "header-only"])
def test_truncating_the_file_is_caught(record: Record, cut: str) -> None:
    data = b"\n".join(record.lines) + b"\n"
    last_event = record.line_of("result")
    match cut:
        case "mid-line":
            truncated = data[: len(data) // 2]
        case "mid-event-line":
            truncated = (
                b"\n".join(record.lines[:last_event]) + b"\n" + record.lines[last_event][:50]
            )
        case "before-last-head":
            truncated = b"\n".join(record.lines[: last_event + 1]) + b"\n"
        case _:
            truncated = record.lines[0] + b"\n"
    report = verify_record(truncated.splitlines(keepends=True), workers=1)
    assert not report.passed, describe(report)
    assert failed(report) & {"record.format", "setup", LOG}, describe(report)


def test_an_empty_file_is_caught() -> None:
    report = verify_record([], workers=1)
    assert failed(report) == {"record.format"}


@pytest.mark.parametrize("after", ["close", "close-step"])
def test_a_record_cut_at_a_tree_head_is_an_unfinished_election(record: Record, after: str) -> None:
    """A prefix ending at a signed tree head (the first after the close, or after the
    close's first step) is a valid record of an election still in progress; it must not
    present a result."""
    cut = next(i for i in _head_lines(record) if i > record.line_of(after))
    report = verify(record.lines[: cut + 1])
    assert report.passed, describe(report)
    assert report.counts == {}
    assert "result.counts" not in {c.name for c in report.checks}


def test_the_header_is_read_up_to_4096_bytes_without_its_newline(record: Record) -> None:
    """docs/record-format.md §1: the header, which need not be canonical, is limited to 4096
    bytes without the newline, as every other line is measured."""
    padded = record.lines[0][:-1] + b" " * (4096 - len(record.lines[0])) + b"}"
    assert len(padded) == 4096
    report = verify_record([padded + b"\n", *(raw + b"\n" for raw in record.lines[1:])], workers=1)
    assert report.passed, describe(report)
    too_long = [padded[:-1] + b" }\n", *(raw + b"\n" for raw in record.lines[1:])]
    assert failed(verify_record(too_long, workers=1)) == {"record.format"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("version", 4),
        ("version", 2),  # before the setup named witnesses and the base hash bound the board key
        ("version", 1),  # before audits were published without their credential
        ("version", 0),
        ("type", "election-recordx"),
        ("election_id", "closed-protectedx"),
        ("extra", 1),
    ],
)
def test_header_changes_are_caught(record: Record, field: str, value: Any) -> None:
    header = json.loads(record.lines[0])
    header[field] = value
    lines = [canonical_bytes(header), *record.lines[1:]]
    report = verify(lines)
    assert not report.passed
    assert failed(report) & {"record.format", "setup"}, describe(report)


def test_a_non_canonical_event_line_is_caught(record: Record) -> None:
    line = record.line_of("open")
    lines = list(record.lines)
    lines[line] = json.dumps(json.loads(lines[line]), indent=1).replace("\n", " ").encode()
    assert failed(verify(lines)) == {"record.format"}


# -- the demo record (``honestballot demo``: its own schedule, cover and clock) ---------


@pytest.mark.parametrize(
    "kind", ["setup", "registration", "cast-row", "close-part", "close-step", "result"]
)
def test_demo_record_first_field_mutations(demo_record: Record, kind: str) -> None:
    line = demo_record.line_of(kind)
    event = json.loads(demo_record.lines[line])
    seq = event["seq"]
    mutations = [
        FieldMutation(line, seq, kind, path, op)
        for path, op, _ in _walk(event)
        if path and path[0] == "body" and _first_items_only(path) and op != "duplicate"
    ][:2]
    assert mutations
    for m in mutations:
        report = verify(resign(m.apply(demo_record.lines), demo_record.election_id,
                               demo_record.board_secret))  # fmt: skip
        assert not report.passed, f"{m.id}: {describe(report)}"
        assert named(report) & expected_checks(kind, m.path), f"{m.id}: {describe(report)}"
        assert required_checks(kind, m.path) <= failed(report), f"{m.id}: {describe(report)}"
        if kind in ("close-part", "close-step"):
            assert _names_event(report, m.seq), f"{m.id}: {describe(report)}"
