"""Malformed ballots are refused by the election service before anything is stored:
broken JSON, wrong shapes, points and scalars that are not canonical, proofs and
signatures that do not verify, oversized input."""

from __future__ import annotations

import json
from typing import Any

import pytest

from honestballot.errors import (
    InvalidBallot,
    RecordFormatError,
)
from honestballot.record.ballot import MAX_BALLOT_BYTES, ballot_to_json
from tests.factories import (
    Election,
    assert_refused,
    ballot_json,
)


def _mutate(e: Election, change: Any) -> str:
    obj = ballot_to_json(e.ballot(0))
    change(obj)
    return json.dumps(obj)


def _set_in(path: list[Any], value: Any) -> Any:
    def change(obj: dict[str, Any]) -> None:
        target: Any = obj
        for p in path[:-1]:
            target = target[p]
        target[path[-1]] = value

    return change


NOT_CANONICAL_POINT = "ff" * 32  # above the field prime: no ristretto255 encoding


NEGATIVE_POINT = "01" + "00" * 31  # low bit set: a "negative" field element is not canonical


IDENTITY = "00" * 32


BIG_SCALAR = "ff" * 32  # not reduced modulo the group order


MALFORMED: dict[str, Any] = {
    "not JSON": "this is not a ballot",
    "truncated JSON": lambda e: ballot_json(e.ballot(0))[:-10],
    "a JSON list": "[]",
    "a JSON number": "42",
    "empty": "",
    "invalid UTF-8": b'{"type": "ballot\xff"}',
    "a float": lambda e: _mutate(e, _set_in(["version"], 1.0)),
    "a duplicate key": lambda e: ballot_json(e.ballot(0))[:-1] + ', "version": 1}',
    "oversized": lambda e: ballot_json(e.ballot(0)) + " " * (MAX_BALLOT_BYTES + 1),
    "wrong version": lambda e: _mutate(e, _set_in(["version"], 2)),
    "wrong type": lambda e: _mutate(e, _set_in(["type"], "ballot-opening")),
    "a missing field": lambda e: _mutate(e, lambda o: o.pop("signature")),
    "an extra field": lambda e: _mutate(e, _set_in(["comment"], "hello")),
    "unknown contest": lambda e: _mutate(e, _set_in(["contests", 1, "id"], "treasurer")),
    "contests swapped": lambda e: _mutate(e, lambda o: o["contests"].reverse()),
    "a contest missing": lambda e: _mutate(e, lambda o: o["contests"].pop()),
    "a ciphertext missing": lambda e: _mutate(e, lambda o: o["contests"][0]["ciphertexts"].pop()),
    "an extra ciphertext": lambda e: _mutate(
        e, lambda o: o["contests"][0]["ciphertexts"].append(o["contests"][0]["ciphertexts"][0])
    ),
    "credential not a point": lambda e: _mutate(e, _set_in(["credential"], NOT_CANONICAL_POINT)),
    "credential not canonical": lambda e: _mutate(e, _set_in(["credential"], NEGATIVE_POINT)),
    "credential the identity": lambda e: _mutate(e, _set_in(["credential"], IDENTITY)),
    "credential in upper case": lambda e: _mutate(
        e, lambda o: o.update(credential=o["credential"].upper())
    ),
    "credential too short": lambda e: _mutate(
        e, lambda o: o.update(credential=o["credential"][:62])
    ),
    "alpha not a point": lambda e: _mutate(
        e, _set_in(["contests", 0, "ciphertexts", 0, "alpha"], NOT_CANONICAL_POINT)
    ),
    "alpha the identity": lambda e: _mutate(
        e, _set_in(["contests", 0, "ciphertexts", 0, "alpha"], IDENTITY)
    ),
    "beta not canonical": lambda e: _mutate(
        e, _set_in(["contests", 1, "ciphertexts", 2, "beta"], NEGATIVE_POINT)
    ),
    "a proof scalar not reduced": lambda e: _mutate(
        e, _set_in(["contests", 0, "option_proofs", 0, "s", 0], BIG_SCALAR)
    ),
    "a signature scalar not reduced": lambda e: _mutate(e, _set_in(["signature", "c"], BIG_SCALAR)),
    "a proof with one challenge less": lambda e: _mutate(
        e, lambda o: o["contests"][1]["selection_proof"]["c"].pop()
    ),
    "election hash too short": lambda e: _mutate(e, lambda o: o.update(election=o["election"][2:])),
    "a hex string with spaces": lambda e: _mutate(
        e, lambda o: o.update(election=o["election"][:2] + " " + o["election"][3:])
    ),
    "a contest id of the wrong type": lambda e: _mutate(e, _set_in(["contests", 0, "id"], 7)),
    "a signature that does not verify": lambda e: _mutate(
        e, lambda o: o["signature"].update(c=o["contests"][0]["option_proofs"][0]["c"][0])
    ),
    "deeply nested": "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_input_is_refused_and_stores_nothing(election: Election, case: str) -> None:
    payload = MALFORMED[case]
    if callable(payload):
        payload = payload(election)
    assert_refused(election, payload, (RecordFormatError, InvalidBallot))


def test_an_oversized_ballot_is_refused_before_parsing(election: Election) -> None:
    error = assert_refused(election, b"{" + b" " * MAX_BALLOT_BYTES + b"}", RecordFormatError)
    assert "limit" in str(error)
