"""Ranked contests (docs/ranked.md) in the browser bundle, against the Python code and the
vectors of tests/vectors/ranked-v3.json.

* the vectors' manifest hashes, and its context's base hash is recomputed, as in Python;
* the vectors' ballot is made again by the bundle from Python's random scalars, byte for
  byte (ballot, opening, tracking hash and code);
* fresh ranked ballots made by the bundle verify in Python and their openings read as the
  ranking given; Python's verify in the bundle; tampered ones are refused by both;
* rankings the ballot page never makes (a repeat, too many, an exclusive choice beside a
  candidate, nothing) and malformed ranked contests are refused with Python's words.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from honestballot.crypto.group import Scalar, base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.errors import HonestBallotError, InvalidBallot, RecordFormatError
from honestballot.protocol.ballot import check_opening, encrypt_ballot, verify_ballot
from honestballot.protocol.credential import generate_credential
from honestballot.protocol.election import ElectionContext, manifest_hash
from honestballot.protocol.manifest import Contest
from honestballot.protocol.ranked import encode_ranking
from honestballot.protocol.witnesses import BoardKeys
from honestballot.record.ballot import ballot_from_json, ballot_to_json, opening_from_json
from honestballot.record.manifest import manifest_from_json, manifest_to_json
from tests.web.test_js_crypto import (
    Election,
    candidates,
    flip_proof_byte,
    lab,
    make_election,
    ok,
    one_contest_manifest,
    run_js,
)

VECTORS = Path(__file__).parents[1] / "vectors" / "ranked-v3.json"

#: a ranked election beside a plural contest: IRV with "against all" over 5 candidates,
#: up to 3 ranks; Schulze with a blank choice over 4, all 4 ranked
MANIFEST = one_contest_manifest(
    "ranked-js",
    Contest("mayor", lab("Mayor"), candidates("m", 3), 1, 1, True),
    Contest("leader", lab("Leader"), candidates("l", 5), 1, 3, True, count="mix", method="irv"),
    Contest("board", lab("Board"), candidates("b", 4), 0, 4, False, count="mix", method="schulze"),
)


@pytest.fixture(scope="module")
def vectors() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(VECTORS.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def election() -> Election:
    return make_election(MANIFEST, "ranked-js")


class Recorder:
    """Passes an existing stream through, remembering every 64-byte draw as a scalar."""

    def __init__(self, inner: SeededRandomness) -> None:
        self._inner = inner
        self.scalars: list[str] = []

    def random_bytes(self, n: int) -> bytes:
        assert n == 64, f"encrypt_ballot drew {n} bytes, not one 64-byte scalar"
        block = self._inner.random_bytes(n)
        self.scalars.append(Scalar.from_uniform_bytes(block).hex())
        return block


def _vector_context(v: dict[str, Any]) -> dict[str, Any]:
    """The vectors' election as GET /context gives it, with the election-key hash so that
    the bundle recomputes the base hash."""
    return {
        "election_id": v["manifest"]["election_id"],
        "base_hash": v["base_hash"],
        "public_key": v["public_key"],
        "manifest": v["manifest"],
        "election_key_hash": v["election_key_hash"],
        "board_key": v["board_key"],
        "witnesses": [],
        "witness_quorum": 0,
        "verifier_key": v["verifier_key"],
        "verifier_key_proof": v["verifier_key_proof"],
    }


def test_the_vectors_ballot_is_made_byte_for_byte(vectors: dict[str, Any]) -> None:
    """make_ranked_vectors.py draws the public key, the board key and the voter's
    credential from one seeded stream, then the ballot: replayed here, the ballot's draws
    are recorded and handed to the bundle."""
    rng = SeededRandomness("ranked vectors")
    manifest = manifest_from_json(vectors["manifest"])
    public_key = base_mul(random_nonzero_scalar(rng))
    board_key = base_mul(random_nonzero_scalar(rng))
    verifier_key = base_mul(random_nonzero_scalar(rng))
    assert public_key.hex() == vectors["public_key"] and board_key.hex() == vectors["board_key"]
    assert verifier_key.hex() == vectors["verifier_key"]
    keys = BoardKeys(board_key, verifier_key=verifier_key)
    ctx = ElectionContext.create(
        manifest, public_key, bytes.fromhex(vectors["election_key_hash"]), keys
    )
    assert ctx.base_hash.hex() == vectors["base_hash"]
    voter = generate_credential(rng)
    assert voter.public.hex() == vectors["ballot"]["credential"]
    ranking = {k: tuple(r) for k, r in vectors["ballot"]["ranking"].items()}
    recorder = Recorder(rng)
    ballot, _ = encrypt_ballot(ctx, voter, ranking, recorder)
    assert ballot_to_json(ballot) == vectors["ballot"]["ballot"]
    # 3 + 4 positions: one randomness and a proof each, and the signature nonce
    assert len(recorder.scalars) > 7

    context = _vector_context(vectors)
    selections = vectors["ballot"]["ranking"]
    code = voter.to_code()
    made, fewer, hashed, options = run_js(
        [
            ("encryptBallot", [context, selections, code, {"randomScalars": recorder.scalars}]),
            (
                "encryptBallot",
                [context, selections, code, {"randomScalars": recorder.scalars[:-1]}],
            ),
            ("manifestHash", [vectors["manifest"]]),
            ("contestOptions", [vectors["manifest"]]),
        ]
    )
    got = ok(made)
    want = vectors["ballot"]
    assert json.dumps(got["ballot"]) == json.dumps(want["ballot"])  # keys and their order
    assert got["opening"] == want["opening"]
    assert got["tracking_hash"] == want["tracking_hash"]
    assert got["tracking_code"] == want["tracking_code"]
    assert "ran out" in fewer["error"]["message"]
    assert ok(hashed) == vectors["manifest_hash"]["hash"] == manifest_hash(manifest).hex()
    contests = ok(options)
    assert [(c["id"], c["method"]) for c in contests] == [("leader", "irv"), ("board", "schulze")]
    for contest, shown in zip(manifest.contests, contests, strict=True):
        numbers = want["choice_numbers"][contest.id]
        # the page ranks the choices in this order: choice n is options[n - 1]
        assert {o["id"]: i for i, o in enumerate(shown["options"], start=1)} == numbers


def _random_ranking(contest: Contest, pick: random.Random) -> list[str]:
    exclusive = [o.id for o in contest.options if o.exclusive]
    if exclusive and pick.random() < 0.25:
        return [pick.choice(exclusive)]
    n = pick.randint(1, contest.max_selections)
    return pick.sample([o.id for o in contest.candidates], n)


def _random_choice(pick: random.Random) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for contest in MANIFEST.contests:
        if contest.ranked:
            out[contest.id] = _random_ranking(contest, pick)
        else:
            out[contest.id] = [pick.choice([o.id for o in contest.options])]
    return out


def _python_choice(choice: dict[str, list[str]]) -> dict[str, Any]:
    ranked = {c.id for c in MANIFEST.contests if c.ranked}
    return {k: tuple(v) if k in ranked else frozenset(v) for k, v in choice.items()}


def test_ranked_ballots_from_the_bundle_verify_in_python(election: Election) -> None:
    pick = random.Random(2020)
    cases = [
        (_random_choice(pick), generate_credential(SeededRandomness(f"voter/ranked/{i}")))
        for i in range(8)
    ]
    # the longest rankings, and both exclusive choices, at least once
    cases[0][0].update(leader=["l-5", "l-1", "l-3"], board=["b-4", "b-3", "b-2", "b-1"])
    cases[1][0].update(leader=["against-all"], board=["blank"])
    results = run_js([("encryptBallot", [election.context_json, c, v.to_code()]) for c, v in cases])
    for (choice, voter), result in zip(cases, results, strict=True):
        got = ok(result)
        ballot = ballot_from_json(got["ballot"])
        verify_ballot(election.ctx, ballot)
        assert ballot.credential == voter.public
        for contest, item in zip(MANIFEST.contests, got["ballot"]["contests"], strict=True):
            assert ("selection_proof" in item) is not contest.ranked
            assert len(item["ciphertexts"]) == len(contest.slot_ids)
        opening = opening_from_json(got["opening"])
        read = check_opening(election.ctx, ballot, opening)
        assert read == {k: frozenset(v) for k, v in choice.items()}
        for contest, op in zip(MANIFEST.contests, opening.contests, strict=True):
            if contest.ranked:
                assert op.plaintexts == encode_ranking(contest, choice[contest.id])
        with pytest.raises(InvalidBallot):
            verify_ballot(election.ctx, ballot_from_json(flip_proof_byte(got["ballot"])))
        # a rank proof changed: refused
        bad = copy.deepcopy(got["ballot"])
        proof = bad["contests"][1]["option_proofs"][1]
        proof["c"][0], proof["c"][1] = proof["c"][1], proof["c"][0]
        with pytest.raises(InvalidBallot):
            verify_ballot(election.ctx, ballot_from_json(bad))


def test_python_ranked_ballots_verify_in_the_bundle(election: Election) -> None:
    pick = random.Random(2021)
    calls: list[tuple[str, Sequence[Any]]] = []
    expected: list[bool] = []
    for i in range(4):
        voter = generate_credential(SeededRandomness(f"voter/ranked-py/{i}"))
        choice = _python_choice(_random_choice(pick))
        ballot, _ = encrypt_ballot(
            election.ctx, voter, choice, SeededRandomness(f"ballot/ranked-py/{i}")
        )
        good = ballot_to_json(ballot)
        calls.append(("verifyBallot", [election.context_json, good]))
        expected.append(True)
        tampered: list[dict[str, Any]] = []
        for mutate in (
            lambda b: b["contests"][1]["ciphertexts"].reverse(),  # positions swapped
            lambda b: b["contests"][2]["option_proofs"].pop(),  # a position without proof
            # a ranked contest has no selection proof: one added is refused
            lambda b: b["contests"][1].update(selection_proof=b["contests"][0]["selection_proof"]),
            lambda b: b["contests"][0].pop("selection_proof"),  # a plural one needs its own
        ):
            t = copy.deepcopy(good)
            mutate(t)
            with pytest.raises(HonestBallotError):
                verify_ballot(election.ctx, ballot_from_json(t))
            tampered.append(t)
        calls += [("verifyBallot", [election.context_json, t]) for t in tampered]
        expected += [False] * len(tampered)
    for result, good in zip(run_js(calls), expected, strict=True):
        if good:
            assert ok(result) is True
        else:
            assert result["error"]["name"] in {"InvalidBallot", "RecordFormatError"}, result


def test_rankings_the_page_never_makes_are_refused_as_in_python(election: Election) -> None:
    leader = MANIFEST.contests[1]
    code = generate_credential(SeededRandomness("voter/ranked-refused")).to_code()
    base = {"mayor": ["m-1"], "board": ["b-1"]}
    bad_rankings: list[Any] = [
        ["l-1", "l-2", "l-1"],  # a repeat
        ["l-1", "l-2", "l-3", "l-4"],  # more than 3 positions
        ["l-1", "against-all"],  # an exclusive choice beside a candidate
        ["against-all", "l-1"],
        [],  # nothing ranked
        ["l-1", "nobody", "zz"],
    ]
    calls: list[tuple[str, Sequence[Any]]] = [
        ("encryptBallot", [election.context_json, {**base, "leader": r}, code])
        for r in bad_rankings
    ]
    # a ranked contest's choice is a list in order: anything else is refused
    calls.append(("encryptBallot", [election.context_json, {**base, "leader": "l-1"}, code]))
    results = run_js(calls)
    for ranking, result in zip(bad_rankings, results[:-1], strict=True):
        with pytest.raises(RecordFormatError) as python:
            encode_ranking(leader, ranking)
        assert result["error"] == {"name": "InvalidSelection", "message": str(python.value)}
    assert "is ranked: give its ranking in order" in results[-1]["error"]["message"]


def _with_contest(change: dict[str, Any], drop: Sequence[str] = ()) -> dict[str, Any]:
    m = manifest_to_json(MANIFEST)
    contest = m["contests"][1]
    contest.update(change)
    for key in drop:
        del contest[key]
    return m


def test_ranked_contests_are_read_and_refused_as_in_python() -> None:
    as_json = manifest_to_json(MANIFEST)
    as_plural = copy.deepcopy(as_json)
    for c in as_plural["contests"]:
        c.pop("kind", None)
        c.pop("method", None)
    many = [{"id": f"c{i}", "label": {"ru": "к", "kk": "қ", "en": "c"}} for i in range(51)]
    refused = [
        _with_contest({"kind": "approval"}),
        _with_contest({"method": "borda"}),
        _with_contest({"count": "mix"}),
        _with_contest({}, drop=["method"]),
        _with_contest({"max_selections": 6}),  # more ranks than candidates
        _with_contest({"min_selections": 2}),
        _with_contest({"options": many[:12], "max_selections": 11}),  # over the cap of 10
        _with_contest({"options": many, "max_selections": 3}),
    ]
    messages = []
    for bad in refused:
        with pytest.raises(RecordFormatError) as python:
            manifest_from_json(bad)
        messages.append(str(python.value))
    results = run_js(
        [("manifestHash", [as_json]), ("manifestHash", [as_plural])]
        + [("manifestHash", [bad]) for bad in refused]
    )
    assert ok(results[0]) == manifest_hash(MANIFEST).hex()
    plural = manifest_from_json(as_plural)
    # ranked and plural contests of the same choices are different elections
    assert ok(results[1]) == manifest_hash(plural).hex() != ok(results[0])
    for message, result in zip(messages, results[2:], strict=True):
        assert result["error"]["name"] == "RecordFormatError"
        assert result["error"]["message"] == message
    assert messages[4] == messages[6] and len(set(messages)) == len(messages) - 1
