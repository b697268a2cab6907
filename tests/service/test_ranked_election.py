"""A ranked election with re-voting protection on the service: ranked ballots version 2
cast by the voters' devices (hand-made ones with a repeat and a gap among them), the
close run by two trustees, each ranked contest's column mixed alone and decrypted, the
rows counted by instant-runoff and by Schulze, and the record verifies; a tampered count
fails ``result.counts``.  The expected rounds and matrices are worked by hand below.

The ranked manifest's contests admit up to 216 rows, which docs/coercion.md §8.3 allows
only with 21,600 voters on the roll: the service keeps the roll of eleven voters with that
rule off (factories.markers_allowed), and the verifier, with it on, fails exactly
``roll.units``."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from honestballot.cli.organiser_roll import Voter as RollVoter
from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.errors import InvalidBallot, InvalidInput, Text
from honestballot.protocol.ballot import EncryptedContest
from honestballot.protocol.ballot_v2 import encrypt_ballot_v2, verify_ballot_v2
from honestballot.protocol.credential_seed import generate_seed
from honestballot.protocol.election import ElectionContext, manifest_hash
from honestballot.protocol.witnesses import BoardKeys
from honestballot.record.codec import canonical_bytes
from honestballot.record.manifest import manifest_from_json, manifest_to_json
from honestballot.record.revoting import ballot_v2_from_json, ballot_v2_to_json
from honestballot.record.setup import election_key_hash
from honestballot.service.encrypted_roll import keep_encrypted_roll
from honestballot.verify.verifier import Report, verify_record
from honestballot.web.messages import say
from tests.databases import KINDS, fresh_database
from tests.factories import (
    RANKED_ELECTION,
    RANKED_ROLL,
    RANKED_SCHEDULE,
    RANKED_VOTES,
    SMALL_SCHEDULE,
    DemoCeremony,
    board_secret_of,
    closed_ranked_election,
    encrypted_roll_upload,
    key_ceremony,
    markers_allowed,
    protected_election,
    ranked_manifest,
    resign,
)
from tests.helpers import describe, failed
from tests.independent import hbcheck as hb

RANKED = RANKED_ELECTION
VOTES = RANKED_VOTES


@pytest.fixture(scope="module")
def ceremony(tmp_path_factory: pytest.TempPathFactory) -> DemoCeremony:
    return key_ceremony(ranked_manifest(), tmp_path_factory.mktemp("ranked-ceremony"), "ranked")


def test_manifest_round_trip_and_hash(ceremony: DemoCeremony) -> None:
    m = ranked_manifest()
    js = manifest_to_json(m)
    assert js["contests"][0]["kind"] == "ranked" and js["contests"][0]["method"] == "irv"
    assert "count" not in js["contests"][0]
    assert manifest_from_json(js) == m
    # the independent checker, written from the spec, hashes it alike
    assert hb.manifest_hash(json.loads(json.dumps(js))) == manifest_hash(m)
    other = json.loads(json.dumps(js))
    other["contests"][1]["method"] = "irv"
    assert hb.manifest_hash(other) != manifest_hash(m)
    assert manifest_hash(manifest_from_json(other)) == hb.manifest_hash(other)
    for change, why in [
        ({"method": "borda"}, "method"),
        ({"max_selections": 5}, "ranks from 1"),
        ({"min_selections": 2, "max_selections": 3}, "min_selections 0"),
        ({"count": "mix"}, "no count"),
    ]:
        bad = json.loads(json.dumps(js))
        bad["contests"][0].update(change)
        with pytest.raises(Exception, match=why):
            manifest_from_json(bad)


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_a_ranked_election_end_to_end(ceremony: DemoCeremony, tmp_path: Path, kind: str) -> None:
    with (
        fresh_database(kind, tmp_path / "db") as url,
        closed_ranked_election(ceremony, tmp_path, "ranked", url=url) as (_, lines),
    ):
        _check(lines, url)


def _check(lines: list[bytes], url: str) -> None:
    events = [json.loads(r) for r in lines if json.loads(r).get("type") == "event"]
    # ballots version 2 only, in cast rows; the close counted each ranked contest by
    # mixing its column alone (trustees 2 and 3), then decrypting it row by row
    kinds = [e["kind"] for e in events]
    assert "ballot" not in kinds and "cast-row" in kinds and "tally" not in kinds
    columns = sorted(
        (e["body"]["list"], e["body"]["step"], e["body"]["trustee"])
        for e in events
        if e["kind"] == "close-step" and e["body"]["list"].startswith("column/")
    )
    assert columns == sorted(
        (f"column/{c}", step, t)
        for c in ("leader", "board") for step in ("mix", "decrypt") for t in (2, 3)
    )  # fmt: skip
    for c in ("leader", "board"):
        decrypted = [
            e["body"]["items"] for e in events if e["kind"] == "close-step"
            and e["body"]["list"] == f"column/{c}" and e["body"]["step"] == "decrypt"
        ]  # fmt: skip
        assert decrypted == [len(VOTES) * 3] * 2  # each row's 3 positions, by each

    result = next(e for e in events if e["kind"] == "result")
    leader, board = result["body"]["ranked"]
    assert "mixed" not in result["body"]
    # the ballots counted: all eleven, six in north, five in south
    assert result["body"]["counted_per_unit"] == [
        {"unit": "north", "ballots": 6},
        {"unit": "south", "ballots": 5},
    ]

    # IRV, by hand: 9 rankings, 2 "against all".  R1 a3 b2 c3 d1: d out.  R2 a3 b2 c4
    # (d's ballot to c): b out.  R3 a4 c4, the "b"-only ballot exhausted: a and c tied,
    # a had fewer in R2, a out.  R4 c5, 4 exhausted: c wins.
    assert leader["rankings"] == 9
    assert leader["exclusive"] == [{"id": "against-all", "count": 2}]
    rounds = [
        ({r["id"]: r["count"] for r in rd["counts"]}, rd["exhausted"], rd["eliminated"])
        for rd in leader["rounds"]
    ]
    assert rounds == [
        ({"a": 3, "b": 2, "c": 3, "d": 1}, 0, "d"),
        ({"a": 3, "b": 2, "c": 4}, 0, "b"),
        ({"a": 4, "c": 4}, 1, "a"),
        ({"c": 5}, 4, None),
    ]
    assert [rd.get("tie_break") for rd in leader["rounds"]] == [
        "fewest",
        "fewest",
        "previous-rounds",
        None,
    ]
    assert leader["winner"] == "c"

    # Schulze, by hand: 4 x>y>z, 3 y>z>x, 2 z>x>y, 1 y, 1 blank.  d: x>y 6-4, x>z 4-5,
    # y>z 8-2; links x>y 6, z>x 5, y>z 8; paths x>z 6 (via y), y>x 5 (via z), z>y 5 (via
    # x): x beats y (6-5) and z (6-5), y beats z (8-5)
    assert board["exclusive"] == [{"id": "blank", "count": 1}]
    assert board["d"] == [[0, 6, 4], [4, 0, 8], [5, 2, 0]]
    assert board["p"] == [[0, 6, 6], [5, 0, 8], [5, 5, 0]]
    assert board["winners"] == ["x"] and board["ranking"] == ["x", "y", "z"]
    assert board["winner"] == "x" and board["tie_breaking"] is None

    # verified with §8.3's rule on (factories.closed_ranked_election kept the roll with it
    # off): exactly roll.units fails, naming the contest and the roll it would need
    report = verify_record([line + b"\n" for line in lines], workers=1)
    assert failed(report) == {"roll.units"}, describe(report)
    assert _MARKERS in _detail(report, "roll.units")

    # a count changed after the decryption (the log re-signed): result.counts names it
    secret = board_secret_of(url, RANKED)
    for tamper in (_other_winner, _moved_vote):
        forged = list(lines)
        i = next(n for n, r in enumerate(forged) if json.loads(r).get("kind") == "result")
        event = json.loads(forged[i])
        tamper(event["body"]["ranked"])
        forged[i] = canonical_bytes(event)
        report = verify_record([line + b"\n" for line in resign(forged, RANKED, secret)], workers=1)
        assert failed(report) == {"roll.units", "result.counts"}, describe(report)
        assert _MARKERS in _detail(report, "roll.units")
        assert "the result's ranked differ from what the close decrypts" in _detail(
            report, "result.counts"
        )


#: roll.units' detail for the ranked manifest's first contest (5 options, 3 positions:
#: 6 ** 3 rows) on the roll of eleven voters
_MARKERS = (
    "contest 'leader' is counted by mixing and admits 216 different ballots, more than "
    "one per 100 of the roll's 11 voters"
)


def _detail(report: Report, name: str) -> str:
    return next(c.detail for c in report.checks if c.name == name)


def test_the_service_refuses_the_roll_too_small_for_a_ranked_contest(
    ceremony: DemoCeremony, tmp_path: Path
) -> None:
    """docs/coercion.md §8.3 on the service: the encrypted roll of eleven voters is refused
    for the ranked contests (``leader``: 216 rows, so 21,600 voters), with the ranked
    advice in the organiser's language, and nothing is kept; the same upload with the
    rule off (factories.markers_allowed) is kept, so the refusal is §8.3's alone."""
    with protected_election(
        ceremony, tmp_path, "too small", schedule=RANKED_SCHEDULE, roll=RANKED_ROLL,
        keep_roll=False, open_=False,
    ) as election:  # fmt: skip
        services = election.web.services
        voters = [RollVoter(nid, name, unit) for nid, name, _, _, unit in RANKED_ROLL]
        upload, _ = encrypted_roll_upload(
            services.elections, services.roll, RANKED, election.organiser, voters,
            SeededRandomness("too small roll"),
        )  # fmt: skip
        with pytest.raises(InvalidInput) as refused:
            keep_encrypted_roll(services.elections, services.roll, RANKED, upload)
        text = refused.value.args[0]
        assert isinstance(text, Text) and text.key == "encrypted_roll.markers_ranked"
        assert dict(text.params) == {
            "contest": "leader", "rows": 216, "voters": 11, "per": 100, "needed": 21_600
        }  # fmt: skip
        assert "rank fewer places or list fewer candidates: 21,600 voters needed" in text
        assert "ранжируйте меньше мест" in say(text, "ru") and "21600" in say(text, "ru")
        with services.store.connect() as conn:
            assert services.store.encrypted_roll(conn, RANKED) == []
        with markers_allowed():
            keep_encrypted_roll(services.elections, services.roll, RANKED, upload)
        with services.store.connect() as conn:
            assert services.store.encrypted_roll(conn, RANKED) != []


def _other_winner(ranked: list[dict[str, Any]]) -> None:
    ranked[0]["winner"] = "a"


def _moved_vote(ranked: list[dict[str, Any]]) -> None:
    ranked[1]["d"][0][1] -= 1
    ranked[1]["d"][1][0] += 1


def test_ranked_ballot_proofs(ceremony: DemoCeremony) -> None:
    """A ranked ballot version 2 (an election with protection: a batch schedule and W in
    its setup): one proof per rank position, bound to its position; no selection proof."""
    rng = SeededRandomness("ranked ballot")
    w = random_nonzero_scalar(rng)
    keys = BoardKeys(
        base_mul(random_nonzero_scalar(rng)), verifier_key=base_mul(w), schedule=SMALL_SCHEDULE
    )
    ctx = ElectionContext.create(
        ceremony.manifest, ceremony.key.public_key, election_key_hash(ceremony.key), keys
    )
    seed = generate_seed(rng, ctx.base_hash)
    choice: Any = {"leader": ("b", "a"), "board": ["blank"]}
    ballot, opening, _ = encrypt_ballot_v2(ctx, seed, ctx.verifier_key, choice, rng)
    verify_ballot_v2(ctx, ballot)
    assert ballot_v2_from_json(ballot_v2_to_json(ballot)) == ballot
    assert "selection_proof" not in ballot_v2_to_json(ballot)["contests"][0]
    assert [c.plaintexts for c in opening.contests] == [(2, 1, 0), (4, 0, 0)]
    leader = ballot.contests[0]
    # the proofs are bound to their positions: swapped, they fail
    swapped = EncryptedContest(
        "leader",
        (leader.ciphertexts[1], leader.ciphertexts[0], leader.ciphertexts[2]),
        (leader.option_proofs[1], leader.option_proofs[0], leader.option_proofs[2]),
        None,
    )
    with_selection = replace(leader, selection_proof=leader.option_proofs[0])
    for forged in (
        replace(ballot, contests=(swapped, ballot.contests[1])),
        replace(ballot, contests=(with_selection, ballot.contests[1])),
    ):
        with pytest.raises(InvalidBallot):
            verify_ballot_v2(ctx, forged)
    # a ranking must be given in order, and position 1 cannot be empty
    with pytest.raises(InvalidBallot, match="in order"):
        encrypt_ballot_v2(ctx, seed, ctx.verifier_key, {"leader": {"a"}, "board": ["x"]}, rng)
    with pytest.raises(Exception, match="at least one"):
        encrypt_ballot_v2(ctx, seed, ctx.verifier_key, {"leader": (), "board": ["x"]}, rng)
