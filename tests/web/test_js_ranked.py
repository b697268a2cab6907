"""Ranked contests (docs/ranked.md) in the browser bundle, against the Python code and the
vectors of tests/vectors/ranked-v3.json.

* the vectors' manifest hashes, and its context's base hash is recomputed, as in Python;
* in an election with re-voting protection: ranked ballots version 2 made by the bundle
  from Python's draws are Python's byte for byte (ballot, opening, private part, hashes),
  and from the CSPRNG verify in Python, open as the ranking given and convince the
  service; the receipt page reads Python's ranked cast rows as Python does (their tracking
  hashes, a tampered one's included);
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

from honestballot.crypto.group import Scalar
from honestballot.crypto.randomness import SeededRandomness
from honestballot.errors import HonestBallotError, InvalidBallot, RecordFormatError
from honestballot.protocol.ballot import check_opening
from honestballot.protocol.ballot_v2 import (
    COUNTER_MIN,
    check_private,
    encrypt_ballot_v2,
    make_cast_row,
    verify_ballot_v2,
)
from honestballot.protocol.credential_seed import CredentialSeed
from honestballot.protocol.election import manifest_hash
from honestballot.protocol.manifest import Contest
from honestballot.protocol.ranked import encode_ranking
from honestballot.record.ballot import (
    opening_from_json,
    opening_to_json,
)
from honestballot.record.manifest import manifest_from_json, manifest_to_json
from honestballot.record.revoting import (
    ballot_private_from_json,
    ballot_private_to_json,
    ballot_v2_from_json,
    ballot_v2_to_json,
    cast_row_from_json,
    cast_row_to_json,
)
from tests.factories import SMALL_SCHEDULE
from tests.web.test_js_crypto import (
    Election,
    _bound,
    candidates,
    flip_proof_byte,
    lab,
    make_board_keys,
    make_election,
    ok,
    one_contest_manifest,
    run_js,
    seed_of,
    v2_ballot,
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
    """The ranked election with re-voting protection (a batch schedule in its setup)."""
    return make_election(
        MANIFEST, "ranked-js", make_board_keys("ranked-js", schedule=SMALL_SCHEDULE)
    )


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


def test_the_vectors_manifest_and_base_hash_agree(vectors: dict[str, Any]) -> None:
    """The vectors' ranked manifest hashes as in Python, its contests read with their
    methods and choice numbers, and its context's base hash recomputed by the bundle (a
    context with another election-key hash refused).  The vectors' ballot is version 1's,
    which the bundle no longer makes: until the vectors are made from an election with
    protection (docs/coercion.md §14 item 8.4), ranked ballots version 2 are checked
    against Python below."""
    manifest = manifest_from_json(vectors["manifest"])
    context = _vector_context(vectors)
    other_key = dict(context, election_key_hash=bytes(32).hex())
    selections = vectors["ballot"]["ranking"]
    seed = bytes(range(32)).hex()
    made, refused, hashed, options = run_js(
        [
            ("revoting.encryptBallot", [context, selections, seed]),
            ("revoting.encryptBallot", [other_key, selections, seed]),
            ("manifestHash", [vectors["manifest"]]),
            ("contestOptions", [vectors["manifest"]]),
        ]
    )
    assert ok(made)["ballot"]["election"] == vectors["base_hash"]
    assert "base_hash does not match" in refused["error"]["message"]
    assert ok(hashed) == vectors["manifest_hash"]["hash"] == manifest_hash(manifest).hex()
    contests = ok(options)
    assert [(c["id"], c["method"]) for c in contests] == [("leader", "irv"), ("board", "schulze")]
    for contest, shown in zip(manifest.contests, contests, strict=True):
        numbers = vectors["ballot"]["choice_numbers"][contest.id]
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


def _cases(seed: int, n: int) -> list[dict[str, list[str]]]:
    """``n`` random choices, the first with the longest rankings, the second with both
    exclusive choices."""
    pick = random.Random(seed)
    cases = [_random_choice(pick) for _ in range(n)]
    cases[0].update(leader=["l-5", "l-1", "l-3"], board=["b-4", "b-3", "b-2", "b-1"])
    cases[1].update(leader=["against-all"], board=["blank"])
    return cases


def test_ranked_ballots_v2_from_the_bundle_are_pythons(election: Election) -> None:
    """Ballots version 2 of ranked contests: made by the bundle from Python's draws, they
    are Python's byte for byte (ballot, opening, private part, statement and tracking
    hashes, tracking code); from the CSPRNG they verify in Python, open as the ranking
    given (each position's choice number), and their private proofs convince the
    service; a proof changed, or two rank proofs swapped, is refused."""
    ctx = election.ctx
    w = ctx.verifier_key
    context = _bound(election)
    cases = _cases(2020, 6)
    seeds = [seed_of(f"voter/ranked/{i}", election) for i in range(len(cases))]
    made: list[tuple[Any, Any, Any, list[str]]] = []
    calls: list[tuple[str, Sequence[Any]]] = []
    for choice, seed in zip(cases, seeds, strict=True):
        recorder = Recorder(SeededRandomness(f"ballot/ranked/{seed}"))
        ballot, opening, private = encrypt_ballot_v2(
            ctx, CredentialSeed(bytes.fromhex(seed)), w, _python_choice(choice), recorder
        )
        made.append((ballot, opening, private, recorder.scalars))
        calls += [
            ("revoting.encryptBallot", [context, choice, seed, recorder.scalars]),
            ("revoting.encryptBallot", [context, choice, seed]),
        ]
    results = run_js(calls)
    for i, (choice, seed) in enumerate(zip(cases, seeds, strict=True)):
        ballot, opening, private, scalars = made[i]
        replayed, fresh = ok(results[2 * i]), results[2 * i + 1]
        assert len(scalars) > 7  # 3 + 4 positions, a randomness and a proof each, ...
        assert json.dumps(replayed["ballot"]) == json.dumps(ballot_v2_to_json(ballot))
        assert replayed["opening"] == opening_to_json(opening)
        assert replayed["private"] == ballot_private_to_json(private)
        assert replayed["statement_hash"] == ballot.statement_hash(ctx.public_key).hex()
        assert replayed["tracking_hash"] == ballot.tracking_hash(ctx.public_key).hex()
        assert replayed["tracking_code"] == ballot.tracking_code(ctx.public_key)

        got = ok(fresh)
        v2 = v2_ballot(election, fresh)
        for contest, item in zip(MANIFEST.contests, got["ballot"]["contests"], strict=True):
            assert ("selection_proof" in item) is not contest.ranked
            assert len(item["ciphertexts"]) == len(contest.slot_ids)
        read = check_opening(ctx, v2, opening_from_json(got["opening"]))
        assert read == {k: frozenset(v) for k, v in choice.items()}
        for contest, op in zip(MANIFEST.contests, opening_from_json(got["opening"]).contests,
                               strict=True):  # fmt: skip
            if contest.ranked:
                assert op.plaintexts == encode_ranking(contest, choice[contest.id])
        cseed = CredentialSeed(bytes.fromhex(seed))
        sigma = cseed.voting_point(ctx.base_hash)
        tau = check_private(ctx, w, v2, ballot_private_from_json(got["private"]), sigma)
        assert tau == cseed.tag_point(ctx.base_hash)
        with pytest.raises(InvalidBallot):
            verify_ballot_v2(ctx, ballot_v2_from_json(flip_proof_byte(got["ballot"])))
        bad = copy.deepcopy(got["ballot"])
        proof = bad["contests"][1]["option_proofs"][1]
        proof["c"][0], proof["c"][1] = proof["c"][1], proof["c"][0]
        with pytest.raises(InvalidBallot):
            verify_ballot_v2(ctx, ballot_v2_from_json(bad))


def test_the_receipt_page_reads_pythons_ranked_cast_rows_as_python_does(
    election: Election,
) -> None:
    """The receipt page recomputes the tracking hash of the cast row it is shown: for
    Python's ranked ballots version 2 it is Python's; a row whose ranked contest was
    tampered with (positions swapped, a position without its proof, a selection proof
    added to a ranked contest or taken from a plural one), whose proofs Python refuses,
    is read by the bundle as by Python (without the manifest) and gives Python's hash of
    that row, another ballot's, which the page does not take for the ballot it made."""
    ctx = election.ctx
    calls: list[tuple[str, Sequence[Any]]] = []
    expected: list[str] = []
    for i, choice in enumerate(_cases(2021, 3)):
        seed = CredentialSeed(bytes.fromhex(seed_of(f"voter/ranked-py/{i}", election)))
        rng = SeededRandomness(f"ballot/ranked-py/{i}")
        ballot, _, _ = encrypt_ballot_v2(ctx, seed, ctx.verifier_key, _python_choice(choice), rng)
        row = cast_row_to_json(make_cast_row(ctx, ballot, COUNTER_MIN + i, rng))
        want = ballot.tracking_hash(ctx.public_key).hex()
        calls += [
            ("revoting.castRowTrackingHash", [_bound(election), row]),
            ("revoting.castRowEvent", [_bound(election), {"row": row}]),
        ]
        expected += [want, want]
        for mutate in (
            lambda b: b["contests"][1]["ciphertexts"].reverse(),  # positions swapped
            lambda b: b["contests"][2]["option_proofs"].pop(),  # a position without proof
            # a ranked contest has no selection proof: one added is refused
            lambda b: b["contests"][1].update(selection_proof=b["contests"][0]["selection_proof"]),
            lambda b: b["contests"][0].pop("selection_proof"),  # a plural one needs its own
        ):
            t = copy.deepcopy(row)
            mutate(t["ballot"])
            with pytest.raises(HonestBallotError):
                verify_ballot_v2(ctx, ballot_v2_from_json(t["ballot"]))
            # read without the manifest, the row parses: its hash is another ballot's
            theirs = cast_row_from_json(t).ballot.tracking_hash(ctx.public_key).hex()
            assert theirs != want
            expected.append(theirs)
            calls.append(("revoting.castRowTrackingHash", [_bound(election), t]))
    for want_hash, result in zip(expected, run_js(calls), strict=True):
        assert ok(result) == want_hash


def test_rankings_the_page_never_makes_are_refused_as_in_python(election: Election) -> None:
    """The device's ballot version 2 refuses them before encrypting, in Python's words."""
    leader = MANIFEST.contests[1]
    code = seed_of("voter/ranked-refused", election)
    context = _bound(election)
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
        ("revoting.encryptBallot", [context, {**base, "leader": r}, code]) for r in bad_rankings
    ]
    # a ranked contest's choice is a list in order: anything else is refused
    calls.append(("revoting.encryptBallot", [context, {**base, "leader": "l-1"}, code]))
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
