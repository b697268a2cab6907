"""A ranked election on the service: ranked ballots cast (hand-made ones with a repeat
and a gap among them), two trustees mix each ranked contest, the rows are decrypted and
counted by instant-runoff and by Schulze, and the record verifies; a tampered count
fails ``result.counts``.  The expected rounds and matrices are worked by hand below."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from honestballot.crypto.randomness import SeededRandomness
from honestballot.errors import InvalidBallot
from honestballot.protocol.ballot import EncryptedContest, encrypt_ballot, verify_ballot
from honestballot.protocol.credential import generate_credential
from honestballot.protocol.election import manifest_hash
from honestballot.record.ballot import ballot_from_json, ballot_to_json
from honestballot.record.codec import canonical_bytes
from honestballot.record.manifest import manifest_from_json, manifest_to_json
from honestballot.service.board.election import ElectionService
from honestballot.store.sql import SqlStore
from honestballot.verify.verifier import verify_record
from tests.databases import KINDS, fresh_database
from tests.factories import (
    RANKED_ELECTION,
    RANKED_VOTES,
    DemoCeremony,
    board_secret_of,
    key_ceremony,
    ranked_manifest,
    resign,
    run_ranked_election,
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


@pytest.mark.parametrize("kind", KINDS)
def test_a_ranked_election_end_to_end(ceremony: DemoCeremony, tmp_path: Path, kind: str) -> None:
    with fresh_database(kind, tmp_path / "db") as url:
        _run_and_check(ceremony, url)


def _run_and_check(ceremony: DemoCeremony, url: str) -> None:
    service = run_ranked_election(ceremony, url)
    try:
        _check(service, url)
    finally:
        service.store.close()


def _check(service: ElectionService, url: str) -> None:
    tally, _ = service.encrypted_tally(RANKED)
    # the tally lists no sums (both contests are mixed) and names each last mix
    assert tally.entries == ()
    assert [m.contest for m in tally.mixes] == ["leader", "board"]
    ids = [e.id for e in tally.all_entries]
    assert ids == [
        f"{c}#{i}/rank-{p}"
        for c in ("leader", "board")
        for i in range(len(VOTES))
        for p in (1, 2, 3)
    ]

    lines = [line.rstrip(b"\n") for line in service.record_lines(RANKED)]
    result = next(json.loads(r) for r in lines if json.loads(r).get("kind") == "result")
    leader, board = result["body"]["ranked"]
    assert "mixed" not in result["body"]

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

    report = verify_record([line + b"\n" for line in lines], workers=1)
    assert report.passed, describe(report)

    # a count changed after the decryption (the log re-signed): result.counts names it
    secret = board_secret_of(url, RANKED)
    for tamper in (_other_winner, _moved_vote):
        forged = list(lines)
        i = next(n for n, r in enumerate(forged) if json.loads(r).get("kind") == "result")
        event = json.loads(forged[i])
        tamper(event["body"]["ranked"])
        forged[i] = canonical_bytes(event)
        report = verify_record([line + b"\n" for line in resign(forged, RANKED, secret)], workers=1)
        assert failed(report) == {"result.counts"}, describe(report)
        assert "ranked contests' count" in next(
            c.detail for c in report.checks if c.name == "result.counts"
        )


def _other_winner(ranked: list[dict[str, Any]]) -> None:
    ranked[0]["winner"] = "a"


def _moved_vote(ranked: list[dict[str, Any]]) -> None:
    ranked[1]["d"][0][1] -= 1
    ranked[1]["d"][1][0] += 1


def test_ranked_ballot_proofs(ceremony: DemoCeremony) -> None:
    rng = SeededRandomness("ranked ballot")
    service = ElectionService(SqlStore("sqlite://"), rng)
    ctx = service.create(ceremony.manifest, ceremony.key, unprotected=True)
    voter = generate_credential(rng)
    ballot, opening = encrypt_ballot(ctx, voter, {"leader": ("b", "a"), "board": ["blank"]}, rng)
    verify_ballot(ctx, ballot)
    assert ballot_from_json(ballot_to_json(ballot)) == ballot
    assert "selection_proof" not in ballot_to_json(ballot)["contests"][0]
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
            verify_ballot(ctx, forged)
    # a ranking must be given in order, and position 1 cannot be empty
    with pytest.raises(InvalidBallot, match="in order"):
        encrypt_ballot(ctx, voter, {"leader": {"a"}, "board": ["x"]}, rng)
    with pytest.raises(Exception, match="at least one"):
        encrypt_ballot(ctx, voter, {"leader": (), "board": ["x"]}, rng)
