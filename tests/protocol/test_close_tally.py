"""B6, the tally per reporting unit at the end of the close (docs/coercion.md §5.4;
protocol/close_b.py, protocol/close_result.py): the counted ballots' sums per reporting
unit and in total with the minimum unit size applied, a contest counted by mixing mixed
alone and decrypted row by row, and the result body the service posts and ``verify``
recomputes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from honestballot.crypto.group import IDENTITY
from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.close_a import item_step, item_trustee
from honestballot.protocol.close_b import B_TALLY, run_close, run_close_to_end
from honestballot.protocol.close_result import close_result, differing_members
from honestballot.protocol.credential_seed import generate_seed
from honestballot.protocol.tally import units_broken_out
from honestballot.record.close import (
    assemble,
    close_part_from_json,
    close_step_from_json,
    publish,
)
from tests.protocol.test_ballot_v2 import MANIFEST as V2_MANIFEST
from tests.protocol.test_close_a import CTX, KEYS, MANIFEST, TRUSTEES
from tests.protocol.test_close_b import BASE, Board, run
from tests.protocol.test_close_b import counted as counted_choices

RNG = SeededRandomness("B6: signing")
SMALL_UNITS = replace(CTX, manifest=replace(MANIFEST, min_unit_size=2))


def test_sums_per_reporting_unit_with_the_minimum_size_and_complementary_suppression() -> None:
    rng = SeededRandomness("B6: sums")
    board = Board(ctx=SMALL_UNITS, units=3)
    votes = [(0, "p"), (0, "p"), (0, "q"), (1, "q"), (1, "p"), (2, "p")]
    voters = [board.enrol(u, rng) for u, _ in votes]
    seeds = [generate_seed(rng, BASE) for _ in votes]
    for voter, seed in zip(voters, seeds, strict=True):
        board.register(voter, seed, None, rng)
    # voter 0 votes q, replaces its credential and votes p: only the p counts
    replacement = generate_seed(rng, BASE)
    board.vote(seeds[0], "q", rng)
    board.register(voters[0], replacement, seeds[0].tag_point(BASE), rng)
    board.vote(replacement, "p", rng)
    for seed, (_, choice) in zip(seeds[1:], votes[1:], strict=True):
        board.vote(seed, choice, rng)
    close = run(board, "B6: sums, trustees")
    assert close.failures == ()
    assert counted_choices(close) == sorted((c, u) for u, c in votes)
    tally = close.tally
    assert tally is not None
    assert tally.counted_per_unit == (("unit-0", 3), ("unit-1", 2), ("unit-2", 1))
    # unit-2 (1 ballot) is held back; the totals would then give it away, so the smallest
    # unit broken out (unit-1) is held back with it
    assert units_broken_out(tally.counted_per_unit, 2) == {"unit-0"}
    a, _ = board.inputs(SeededRandomness("B6: sums"))
    result = close_result(SMALL_UNITS, a, close)
    assert result["counts"] == [
        {"id": "board/p", "count": 4},
        {"id": "board/q", "count": 2},
        {"id": "board/blank", "count": 0},
        {"id": "board/p@unit-0", "count": 2},
        {"id": "board/q@unit-0", "count": 1},
        {"id": "board/blank@unit-0", "count": 0},
    ]
    assert result["counted_per_unit"] == [
        {"unit": "unit-0", "ballots": 3},
        {"unit": "unit-1", "ballots": 2},
        {"unit": "unit-2", "ballots": 1},
    ]
    assert len(result["trustees"]) == KEYS.threshold
    assert len(set(result["trustees"])) == KEYS.threshold
    assert result["close"] == {
        "cast_rows": 7,
        "cover_rows": 0,
        "padding_rows": len(a.rows) - 7,
        "registrations": 7,
        "selected": 7,
        "revoked": 1,
        "survivors": 6,
    }
    assert "mixed" not in result and "ranked" not in result


#: a sum contest ("chair", with against-all) and a ranked one counted by mixing ("order")
RANKED = replace(CTX, manifest=V2_MANIFEST)
#: a ballot per letter: the chair, and a ranking of x, y, z
CHOICES: dict[str, Mapping[str, frozenset[str] | tuple[str, ...]]] = {
    "a": {"chair": frozenset({"a"}), "order": ("x", "y")},
    "b": {"chair": frozenset({"b"}), "order": ("y", "x")},
    "c": {"chair": frozenset({"a"}), "order": ("y",)},
}


def test_a_ranked_contest_is_mixed_alone_and_counted_from_its_decrypted_rows() -> None:
    rng = SeededRandomness("B6: ranked")
    board = Board(ctx=RANKED, choose=lambda c: CHOICES[c], units=1)
    letters = "abcb"
    voters = [board.enrol(0, rng) for _ in letters]
    seeds = [generate_seed(rng, BASE) for _ in letters]
    for voter, seed, choice in zip(voters, seeds, letters, strict=True):
        board.register(voter, seed, None, rng)
        board.vote(seed, choice, rng)
    close = run(board, "B6: ranked, trustees")
    assert close.failures == ()
    rounds = [r for r, _ in close.opened]
    assert rounds[-2:] == ["B-column", "B-tally"]
    tally = close.tally
    assert tally is not None
    ((contest, rows),) = tally.columns
    assert contest == "order" and len(rows) == 4
    # the column was mixed: its rows are not the counted ballots' ciphertexts
    winners = {c.row for c in close.counted}
    assert not {tuple(r) for r in rows} & {tuple(close.winners[w][3 + 4 :]) for w in winners}
    a, _ = board.inputs(SeededRandomness("B6: ranked"))
    result = close_result(RANKED, a, close)
    chair = {c["id"]: c["count"] for c in result["counts"]}
    assert chair["chair/a"] == 2 and chair["chair/b"] == 2 and chair["chair/c"] == 0
    (order,) = result["ranked"]
    assert order["contest"] == "order"
    # first preferences: x 1, y 3 (b, c, b): y wins outright
    assert order["winner"] == "y"


def test_no_ballot_counted_gives_a_result_of_zeros_without_a_decryption() -> None:
    rng = SeededRandomness("B6: nobody")
    board = Board(units=1)
    voter = board.enrol(0, rng)
    board.register(voter, generate_seed(rng, BASE), None, rng)
    close = run(board, "B6: nobody, trustees")
    assert close.counted == ()
    assert "B-tally" not in [r for r, _ in close.opened]
    tally = close.tally
    assert tally is not None and tally.trustees == ()
    assert all(p == IDENTITY for _, p in tally.plaintexts)
    a, _ = board.inputs(SeededRandomness("B6: nobody"))
    result = close_result(CTX, a, close)
    assert [c["count"] for c in result["counts"]] == [0, 0, 0]
    assert result["counted_per_unit"] == [{"unit": "unit-0", "ballots": 0}]


def test_an_object_after_the_last_step_is_not_taken_and_names_the_service() -> None:
    rng = SeededRandomness("B6: after the end")
    board = Board(units=1)
    voter, seed = board.enrol(0, rng), generate_seed(rng, BASE)
    board.register(voter, seed, None, rng)
    board.vote(seed, "p", rng)
    inputs = board.inputs(SeededRandomness("B6: after the end, inputs"))
    close, items = run_close_to_end(CTX, KEYS, *inputs, TRUSTEES, rng)
    assert close.done and close.failures == ()
    again = run_close(CTX, KEYS, *inputs, [*items, items[-1]])
    assert again.done
    assert again.ignored == (len(items),)
    assert [f.check for f in again.failures] == ["close.steps"]
    assert "the close is over" in again.failures[0].detail
    assert again.tally == close.tally


def _through_the_record(items: list[Any]) -> list[Any]:
    """Every object as the board carries it: published as signed parts and a step, then
    parsed and assembled again (a decryption of no item could not be published)."""
    out = []
    for item in items:
        trustee = item_trustee(item)
        parts, head = publish(CTX.base_hash, item, TRUSTEES[trustee].x, RNG)
        read = {}
        for body in parts:
            part = close_part_from_json(CTX.base_hash, KEYS.election, body, "part")
            read[part.digest] = part
        step = close_step_from_json(CTX.base_hash, KEYS.election, head, "step")
        out.append(assemble(step, read, "step"))
    return out


def test_a_manifest_counted_only_by_mixing_has_no_sums_to_decrypt_and_its_close_ends() -> None:
    ranked_only = replace(
        CTX, manifest=replace(V2_MANIFEST, contests=(V2_MANIFEST.contest("order"),))
    )
    rng = SeededRandomness("B6: ranked only")
    board = Board(ctx=ranked_only, choose=lambda c: {"order": CHOICES[c]["order"]}, units=1)
    for choice in "ab":
        voter, seed = board.enrol(0, rng), generate_seed(rng, BASE)
        board.register(voter, seed, None, rng)
        board.vote(seed, choice, rng)
    inputs = board.inputs(SeededRandomness("B6: ranked only, inputs"))
    close, items = run_close_to_end(ranked_only, KEYS, *inputs, TRUSTEES, rng)
    assert close.done and close.failures == ()
    assert not [i for i in items if item_step(i) == ("decrypt", B_TALLY)]
    # read back from the record, the close ends the same
    again = run_close(ranked_only, KEYS, *inputs, _through_the_record(items))
    assert again.done and again.tally == close.tally
    result = close_result(ranked_only, inputs[0], close)
    assert result["counts"] == [] and result["trustees"] == []
    (order,) = result["ranked"]
    assert order["rankings"] == 2


def test_fewer_cover_rows_than_the_padding_states_name_the_service_and_are_not_published() -> None:
    rng = SeededRandomness("B6: cover overstated")
    board = Board(units=1)
    for choice in "pq":
        voter, seed = board.enrol(0, rng), generate_seed(rng, BASE)
        board.register(voter, seed, None, rng)
        board.vote(seed, choice, rng)
    a, b = board.inputs(SeededRandomness("B6: cover overstated, inputs"))
    overstated = replace(a, cover_rows=2)  # the board holds no cover row at all
    close, _ = run_close_to_end(CTX, KEYS, overstated, b, TRUSTEES, rng)
    assert close.done
    assert [f.check for f in close.failures] == ["close.cover"]
    assert "states 2 cover rows; the close finds 0" in close.failures[0].detail
    aggregates = close_result(CTX, overstated, close)["close"]
    assert aggregates["cover_rows"] == 0 and aggregates["cast_rows"] == 2


def test_a_result_differs_by_member_and_a_boolean_is_not_a_count() -> None:
    expected = {"counts": [{"id": "board/p", "count": 1}], "trustees": [2, 3]}
    assert differing_members(expected, expected) == []
    assert differing_members({**expected, "counts": [{"id": "board/p", "count": True}]},
                             expected) == ["counts"]  # fmt: skip
    assert differing_members({"counts": expected["counts"]}, expected) == ["trustees"]
    assert differing_members({**expected, "extra": 0}, expected) == ["extra"]
    assert differing_members({**expected, "trustees": [3, 2]}, expected) == ["trustees"]
