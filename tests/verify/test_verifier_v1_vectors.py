"""The verifier's count of version 1 (its tally, decryption shares and result: verify/
verifier.py), kept for old records, against tampers of the stored vector record
tests/vectors/record-v3.json (a complete version 1 election: a superseded ballot, an
audit, the tally, two decryption shares and the result).

The service no longer makes such records, and the vector's board key is not published,
so the changed record is not re-signed: its tree heads no longer match (``log.tree-heads``
fails), and the verifier, which runs every check, must also fail the semantic check named
here.  Each test asserts the whole set of failed checks, so a disabled check fails it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from honestballot.record.codec import canonical_bytes
from honestballot.verify.verifier import Report
from tests.factories import renumber
from tests.helpers import describe, failed, verify

VECTORS = Path(__file__).parents[1] / "vectors"
LOG = "log.tree-heads"


@pytest.fixture(scope="module")
def lines() -> list[bytes]:
    data = json.loads((VECTORS / "record-v3.json").read_text(encoding="utf-8"))
    return [line.encode() for line in data["record"]]


def test_the_vector_record_verifies(lines: list[bytes]) -> None:
    report = verify(lines)
    assert report.passed, describe(report)
    names = {c.name for c in report.checks}
    assert {"tally.aggregation", "tally.min-unit-size", "result.counts"} <= names


def _line_of(lines: list[bytes], kind: str, nth: int = 0) -> int:
    return [i for i, raw in enumerate(lines) if json.loads(raw).get("kind") == kind][nth]


def _edit(
    lines: list[bytes], kind: str, change: Callable[[dict[str, Any]], None], nth: int = 0
) -> Report:
    at = _line_of(lines, kind, nth)
    event = json.loads(lines[at])
    change(event["body"])
    changed = list(lines)
    changed[at] = canonical_bytes(event)
    return verify(changed)


def test_a_small_unit_broken_out_in_the_tally_is_caught(lines: list[bytes]) -> None:
    def break_out_tiny(body: dict[str, Any]) -> None:
        entries = body["tally"]["entries"]
        entries.append({**entries[0], "id": entries[0]["id"] + "@tiny"})

    report = _edit(lines, "tally", break_out_tiny)
    # the shares are then for another tally, and the result cannot be recomputed
    assert failed(report) == {
        LOG,
        "tally.aggregation",
        "tally.min-unit-size",
        "decryption.shares",
        "result.counts",
    }, describe(report)


def test_a_unit_size_inflated_to_reach_the_minimum_is_caught(lines: list[bytes]) -> None:
    def inflate(body: dict[str, Any]) -> None:
        body["counted_per_unit"][2]["ballots"] = 2

    assert "tally.aggregation" in failed(_edit(lines, "tally", inflate))


def test_swapping_the_superseded_direction_is_caught(lines: list[bytes]) -> None:
    def swap(body: dict[str, Any]) -> None:
        body["old"], body["new"] = body["new"], body["old"]

    report = _edit(lines, "superseded", swap)
    assert "board.rules" in failed(report), describe(report)


def test_a_result_with_a_duplicated_count_entry_is_caught(lines: list[bytes]) -> None:
    """A result listing one entry twice, first with a false count: a reader of the
    published result sees the false count first."""

    def duplicate(body: dict[str, Any]) -> None:
        true = body["counts"][0]
        body["counts"].insert(0, {"id": true["id"], "count": true["count"] + 100})

    report = _edit(lines, "result", duplicate)
    assert failed(report) == {LOG, "result.counts"}, describe(report)


@pytest.mark.parametrize(
    ("what", "change"),
    [
        ("the wrong trustees", lambda b: b.update(trustees=[1, 2])),
        ("an invented rejected share",
         lambda b: b.update(rejected_shares=[{"trustee": 2, "reason": "invented"}])),
        ("a trustee given as true", lambda b: b.update(trustees=[True, *b["trustees"][1:]])),
        ("a trustee given as text", lambda b: b.update(trustees=["1", *b["trustees"][1:]])),
        ("an extra key in a count", lambda b: b["counts"][0].update(note="anything")),
        ("a count given as true", lambda b: b["counts"][0].update(count=True)),
        ("a rejected share with a bool", lambda b: b.update(rejected_shares=[{"trustee": True}])),
    ],
)  # fmt: skip
def test_a_false_or_malformed_result_is_caught(
    lines: list[bytes], what: str, change: Callable[[dict[str, Any]], None]
) -> None:
    """Every field of the result is read strictly (True is not trustee 1, though Python
    compares them equal; no key may be added to a count) and must be the one the tally
    and the shares give."""
    report = _edit(lines, "result", change)
    assert failed(report) == {LOG, "result.counts"}, f"{what}: {describe(report)}"


@pytest.mark.parametrize(
    "kind",
    ["tally", "decryption-share", "result", "ballot", "superseded", "credential", "audit"],
)
def test_an_unexpected_field_in_an_event_body_is_caught(lines: list[bytes], kind: str) -> None:
    """Every record object has exactly its documented keys (record/codec.py)."""

    def add(body: dict[str, Any]) -> None:
        body["note"] = "added by the server"

    report = _edit(lines, kind, add)
    assert failed(report) - {LOG}, f"an extra field in the {kind} body went unnoticed"


def test_a_ballot_event_without_its_ballot_is_a_named_format_failure(lines: list[bytes]) -> None:
    def drop(body: dict[str, Any]) -> None:
        body["ballotx"] = body.pop("ballot")

    report = _edit(lines, "ballot", drop)
    assert "record.format" in failed(report), describe(report)


def test_a_decryption_share_with_a_changed_proof_is_rejected(lines: list[bytes]) -> None:
    """Trustee 3's share no longer proves its decryption: it is named, and with one
    valid share left below the threshold the result cannot be recomputed."""

    def change(body: dict[str, Any]) -> None:
        proof = body["share"]["entries"][0]["proof"]
        proof["s"] = proof["s"][:-1] + format(int(proof["s"][-1], 16) ^ 1, "x")

    report = _edit(lines, "decryption-share", change, nth=1)
    assert failed(report) == {LOG, "decryption.shares", "result.counts"}, describe(report)
    [check] = [c for c in report.checks if c.name == "decryption.shares"]
    assert "trustee 3" in check.detail, check.detail


def test_an_audit_moved_into_the_voting_period_is_caught(lines: list[bytes]) -> None:
    """Audits appear only in one block right before the close, with the close's time: an
    audit placed next to the ballot cast a moment later ties its choices, by time, to
    that ballot's credential.  The audit moved there, with a believable time, fails the
    board rules."""
    changed = list(lines)
    audit = json.loads(changed.pop(_line_of(lines, "audit")))
    after = _line_of(changed, "ballot")
    audit["time_ms"] = json.loads(changed[after])["time_ms"]
    changed.insert(after + 1, canonical_bytes(audit))
    report = verify(renumber(changed))
    assert "board.rules" in failed(report), describe(report)
    [check] = [c for c in report.failures if c.name == "board.rules"]
    assert "follows an audit" in check.detail, check.detail
