"""Malformed casts are refused by the desk of an election with re-voting protection
before anything is stored: broken JSON, a request of the wrong shape, a ballot version 2
or its private part that does not parse strictly (points and scalars not canonical,
fields missing or extra), proofs that do not verify, and a request over the desk's own
limit (a ballot's 512 KiB and its private part's 4 KiB, with 1 KiB for the envelope;
the voter API's route stops a larger body before it, web/security.py; the objects' own
parsers and their limits are tested in
tests/record/test_coercion_vectors.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from honestballot.errors import (
    BallotRejected,
    HonestBallotError,
    InvalidBallot,
    InvalidInput,
    InvalidShare,
    ProtocolError,
    RecordFormatError,
)
from honestballot.service.activity import IN_PROCESS
from honestballot.service.voters.revoting import MAX_CAST_REQUEST_BYTES
from honestballot.store.schema import board_queue, events, revoting_alphas, revoting_credentials
from tests.factories import RevotingElection, cast_body

VOTER = "900101300002"

NOT_CANONICAL_POINT = "ff" * 32  # above the field prime: no ristretto255 encoding
NEGATIVE_POINT = "01" + "00" * 31  # low bit set: a "negative" field element is not canonical
IDENTITY = "00" * 32
BIG_SCALAR = "ff" * 32  # not reduced modulo the group order


@dataclass
class Cast:
    """A registered voter's good cast request, and the desk that takes it."""

    election: RevotingElection
    voter_id: int
    request: dict[str, Any]

    def send(self, payload: bytes) -> Any:
        return self.election.web.services.revoting.cast(
            self.election.id, self.voter_id, payload, IN_PROCESS
        )

    def state(self) -> dict[str, list[tuple[Any, ...]]]:
        """What a refused cast must leave as it was: the board, the queue for it, the
        voters' credentials (their ballot counts) and the ciphertexts seen."""
        store = self.election.web.services.elections.store
        with store.connect() as conn:
            return {
                table.name: [tuple(r) for r in conn.execute(select(table)).all()]
                for table in (events, board_queue, revoting_credentials, revoting_alphas)
            }


def _changed(change: Callable[[dict[str, Any]], None]) -> Callable[[Cast], bytes]:
    """The good request (a copy) with ``change`` made to it."""

    def payload(cast: Cast) -> bytes:
        request = json.loads(json.dumps(cast.request))
        change(request)
        return json.dumps(request).encode()

    return payload


def _set(path: list[Any], value: Any) -> Callable[[Cast], bytes]:
    def change(request: dict[str, Any]) -> None:
        target: Any = request
        for p in path[:-1]:
            target = target[p]
        target[path[-1]] = value

    return _changed(change)


def _good(cast: Cast) -> bytes:
    return json.dumps(cast.request).encode()


FIELDS = "the ballot request's fields are not ballot and private (and opening for an audit)"

#: case -> (the payload, the error, words of its message)
MALFORMED: dict[str, tuple[Any, type[Exception], str]] = {
    "not JSON": (
        b"this is not a ballot",
        RecordFormatError,
        "document is not valid JSON: Expecting",
    ),
    "truncated JSON": (lambda c: _good(c)[:-10], RecordFormatError, "document is not valid JSON"),
    "empty": (b"", RecordFormatError, "document is not valid JSON: Expecting value"),
    "invalid UTF-8": (b'{"ballot\xff": 1}', RecordFormatError, "codec can't decode byte 0xff"),
    "a JSON list": (b"[]", InvalidInput, FIELDS),
    "a float": (_set(["ballot", "version"], 2.0), RecordFormatError, "number '2.0' is not allowed"),
    "a duplicate key": (
        lambda c: _good(c)[:-1] + b', "private": {}}',
        RecordFormatError,
        "duplicate key 'private'",
    ),
    "deeply nested": (
        b"[" * 100_000 + b"]" * 100_000,
        RecordFormatError,
        "document is nested too deeply",
    ),
    "the private part missing": (
        _changed(lambda r: r.pop("private")),
        InvalidInput,
        FIELDS,
    ),
    "an opening (an audit's)": (_set(["opening"], {}), InvalidInput, FIELDS),
    "ballot version 1": (
        _set(["ballot", "version"], 1),
        RecordFormatError,
        "ballot: unsupported ballot version 1 (supported: 2)",
    ),
    "ballot of another type": (
        _set(["ballot", "type"], "cast-row"),
        RecordFormatError,
        "ballot: expected a 'ballot' object, got 'cast-row'",
    ),
    "a ballot field missing": (
        _changed(lambda r: r["ballot"].pop("tag_proof")),
        RecordFormatError,
        "ballot: missing field 'tag_proof'",
    ),
    "a ballot field extra": (
        _set(["ballot", "signature"], {}),
        RecordFormatError,
        "ballot: unexpected field(s) signature",
    ),
    "credential alpha not a point": (
        _set(["ballot", "credential", "alpha"], NOT_CANONICAL_POINT),
        RecordFormatError,
        "ballot.credential.alpha: not a canonical ristretto255 encoding",
    ),
    "tag beta not canonical": (
        _set(["ballot", "tag", "beta"], NEGATIVE_POINT),
        RecordFormatError,
        "ballot.tag.beta: not a canonical ristretto255 encoding",
    ),
    "a contest's alpha the identity": (
        _set(["ballot", "contests", 0, "ciphertexts", 0, "alpha"], IDENTITY),
        RecordFormatError,
        "ballot.contests[0].ciphertexts[0].alpha: the identity element is not allowed here",
    ),
    "a proof scalar not reduced": (
        _set(["ballot", "credential_proof", "s_credential"], BIG_SCALAR),
        RecordFormatError,
        "ballot.credential_proof.s_credential: non-canonical scalar encoding (value >= L)",
    ),
    "election hash too short": (
        _changed(lambda r: r["ballot"].update(election=r["ballot"]["election"][2:])),
        RecordFormatError,
        "ballot.election: expected 32 bytes, got 31",
    ),
    "unknown contest": (
        _set(["ballot", "contests", 0, "id"], "treasurer"),
        InvalidBallot,
        "the ballot's contests do not match the manifest: got ['treasurer', 'council'], "
        "expected ['chair', 'council']",
    ),
    "contests swapped": (
        _changed(lambda r: r["ballot"]["contests"].reverse()),
        InvalidBallot,
        "the ballot's contests do not match the manifest: got ['council', 'chair'], "
        "expected ['chair', 'council']",
    ),
    "the tag proof does not verify": (
        _changed(lambda r: r["ballot"]["tag_proof"].update(c=r["ballot"]["tag_proof"]["s"])),
        InvalidBallot,
        "ballot, tag: proof of randomness does not verify",
    ),
    "private voting point not canonical": (
        _set(["private", "voting_point"], NEGATIVE_POINT),
        RecordFormatError,
        "private.voting_point: not a canonical ristretto255 encoding",
    ),
    "private tag secret too short": (
        _changed(lambda r: r["private"].update(tag_secret=r["private"]["tag_secret"][2:])),
        RecordFormatError,
        "private.tag_secret: expected 32 bytes, got 31",
    ),
    "a private proof missing": (
        _changed(lambda r: r["private"]["proofs"].pop("tag")),
        RecordFormatError,
        "private.proofs: missing field 'tag'",
    ),
    "over the desk's limit": (
        lambda c: _good(c) + b" " * (MAX_CAST_REQUEST_BYTES + 1 - len(_good(c))),
        RecordFormatError,
        f"document is {MAX_CAST_REQUEST_BYTES + 1} bytes, over the "
        f"{MAX_CAST_REQUEST_BYTES}-byte limit",
    ),
}


@pytest.fixture
def cast(protected: RevotingElection) -> Cast:
    device = protected.device(VOTER, "a device")
    seed, answer = device.register()
    assert answer.status_code == 201, answer.text
    ballot, _, private = device.ballot(seed)
    request = cast_body(ballot, private)
    voter = protected.web.services.roll.voter_by_national_id(protected.id, VOTER)
    assert voter is not None
    return Cast(protected, int(voter.voter_id), request)


def test_malformed_casts_are_refused_and_store_nothing(cast: Cast) -> None:
    before = cast.state()
    for case, (payload, error, words) in MALFORMED.items():
        data = payload(cast) if callable(payload) else payload
        with pytest.raises(error) as raised:
            cast.send(data)
        assert words in str(raised.value), (case, str(raised.value))
        assert cast.state() == before, case
    # the same request, well formed and at the limit, is taken: the refusals were theirs
    good = _good(cast)
    answer = cast.send(good + b" " * (MAX_CAST_REQUEST_BYTES - len(good)))
    assert answer.new
    assert cast.state() != before


def test_every_service_error_is_an_honestballot_error() -> None:
    for error in (BallotRejected, InvalidBallot, InvalidShare, ProtocolError, RecordFormatError):
        assert issubclass(error, HonestBallotError)
