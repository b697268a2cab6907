"""Paper ballots cancel e-votes at the close (docs/coercion.md §5.4, "What part 2 adds
here"; protocol/close_b.py, protocol/close_result.py): each paper station's list of voters
(``Enc(V)`` of their roll handles) is mixed as ``B.paper``, tagged with the roll in B2, and
every roll row it joins is cancelled; a survivor on a cancelled row is dropped at B4
without a failure; the result adds the paper protocols to the e-tally.  Failures name the
commission of the paper row's reporting unit (``close.paper``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from honestballot.crypto.elgamal import encrypt_point
from honestballot.crypto.group import Point
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.errors import ProtocolError
from honestballot.protocol.close_a import (
    CloseItem,
    ListEquivalence,
    ListMix,
    StageAInputs,
    item_step,
)
from honestballot.protocol.close_b import (
    B_ACTIVATION_PETS,
    B_PAPER,
    B_PAPER_UNITS,
    Close,
    PaperList,
    StageBInputs,
    run_close_to_end,
    stage_b_inputs,
)
from honestballot.protocol.close_result import close_result
from honestballot.protocol.credential_seed import generate_seed
from tests.protocol.test_close_a import CTX, KEYS, MANIFEST, TRUSTEES
from tests.protocol.test_close_b import BASE, Board, H, Voter, counted

SMALL_UNITS = replace(CTX, manifest=replace(MANIFEST, min_unit_size=2))
#: manifest units: st-0 reports in unit-0; st-1 and st-1b in unit-1 (st-1b uploads nothing)
STATIONS = ("st-0", "st-1", "st-1b")
UNIT_OF = (("st-0", 0), ("st-1", 1), ("st-1b", 1))


def listed(
    station: str, unit: int, voters: Sequence[Voter | Point], rng: SeededRandomness,
    counts: Sequence[tuple[str, int]] = (),
) -> PaperList:  # fmt: skip
    """A commission's list: ``Enc(V)`` of each voter's handle (or of a point)."""
    handles = tuple(
        encrypt_point(H, v.handle if isinstance(v, Voter) else v, random_nonzero_scalar(rng))
        for v in voters
    )
    in_box = sum(n for _, n in counts) or len(voters)
    return PaperList(station, unit, handles, in_box, tuple(counts))


def inputs(
    board: Board, rng: SeededRandomness, paper: Sequence[PaperList] = (),
    stations: Sequence[str] = STATIONS,
) -> tuple[StageAInputs, StageBInputs]:  # fmt: skip
    a, b = board.inputs(rng)
    return a, stage_b_inputs(
        board.registrations, board.roll, b.units, paper=paper, paper_stations=stations,
        unit_of=UNIT_OF,
    )  # fmt: skip


def close_with(
    board: Board, seed: str, paper: Sequence[PaperList] = (), stations: Sequence[str] = STATIONS
) -> tuple[Close, list[CloseItem], StageAInputs, StageBInputs]:
    rng = SeededRandomness(seed)
    a, b = inputs(board, rng, paper, stations)
    close, items = run_close_to_end(board.ctx, KEYS, a, b, TRUSTEES, rng)
    assert close.done
    return close, items, a, b


def lists_of(items: Sequence[CloseItem]) -> set[str]:
    return {item_step(i)[1] for i in items}


def test_paper_cancels_every_e_vote_of_its_voters_whatever_the_order() -> None:
    """The join is by handle, so it does not matter whether a voter voted online before
    the paper ballot or registered (even a second credential) after the list was
    uploaded: every e-vote of a listed voter is cancelled, revoked or not."""
    rng = SeededRandomness("paper: honest")
    board = Board(ctx=SMALL_UNITS)
    units = (0, 0, 1, 1, 0, 1, 0, 1)
    v = [board.enrol(u, rng) for u in units]
    s = [generate_seed(rng, BASE) for _ in range(9)]
    # v0 votes online, then on paper; v1 is listed first and registers and votes online
    # after (in board time the paper event would stand before its registration); v2 votes,
    # replaces its credential (the new one registered after the paper upload) and votes
    # again, then is listed: both its e-votes are cancelled; v3 votes on paper only
    for i in (0, 1, 2, 4, 5, 6, 7):
        board.register(v[i], s[i], None, rng)
    board.vote(s[0], "p", rng)
    board.vote(s[1], "q", rng)
    board.vote(s[2], "q", rng)
    board.register(v[2], s[8], s[2].tag_point(BASE), rng)
    board.vote(s[8], "p", rng)
    # online only: v4 p and v6 q in unit-0, v5 p and v7 q in unit-1
    for i, choice in ((4, "p"), (5, "p"), (6, "q"), (7, "q")):
        board.vote(s[i], choice, rng)
    paper = [
        listed("st-0", 0, [v[1], v[0]], rng, [("board/p", 1), ("board/q", 1), ("board/blank", 0)]),
        listed("st-1", 1, [v[3], v[2]], rng, [("board/p", 2), ("board/q", 0), ("board/blank", 0)]),
    ]
    close, items, a, b = close_with(board, "paper: honest, trustees", paper)
    assert close.failures == ()
    assert counted(close) == [("p", 0), ("p", 1), ("q", 0), ("q", 1)]
    assert close.paper_rows == (("unit-0", 2), ("unit-1", 2))
    # v0, v1 in unit-0; v2's replacement in unit-1 (its old credential is revoked at B3)
    assert close.paper_cancelled == (("unit-0", 2), ("unit-1", 1))
    assert close.revoked == 1 and close.survivors == 7
    assert {B_PAPER, B_PAPER_UNITS} <= lists_of(items)
    assert sum(1 for i in items if isinstance(i, ListMix) and i.list == B_PAPER) == KEYS.threshold
    # the cancelled survivors never reach B5: only the four counted are tested there
    pets = [i for i in items if isinstance(i, ListEquivalence) and i.list == B_ACTIVATION_PETS]
    assert pets and all(len(p.share.entries) == 4 for p in pets)

    result = close_result(SMALL_UNITS, a, close, b)
    assert result["counts"] == [
        {"id": "board/p", "count": 2},
        {"id": "board/q", "count": 2},
        {"id": "board/blank", "count": 0},
        {"id": "board/p@unit-0", "count": 1},
        {"id": "board/q@unit-0", "count": 1},
        {"id": "board/blank@unit-0", "count": 0},
        {"id": "board/p@unit-1", "count": 1},
        {"id": "board/q@unit-1", "count": 1},
        {"id": "board/blank@unit-1", "count": 0},
    ]
    assert result["paper"] == {
        "stations": [
            {"unit": "st-0", "reporting_unit": "unit-0", "protocol": True, "voters": 2,
             "in_box": 2},
            {"unit": "st-1", "reporting_unit": "unit-1", "protocol": True, "voters": 2,
             "in_box": 2},
            {"unit": "st-1b", "reporting_unit": "unit-1", "protocol": False, "voters": 0,
             "in_box": 0},
        ],
        "units": [
            {"unit": "unit-0", "listed": 2, "cancelled_rows": 2, "cancelled_e_votes": 2,
             "in_box": 2},
            {"unit": "unit-1", "listed": 2, "cancelled_rows": 2, "cancelled_e_votes": 1,
             "in_box": 2},
        ],
        "counts": [
            {"id": "board/p", "count": 3},
            {"id": "board/q", "count": 1},
            {"id": "board/blank", "count": 0},
            {"id": "board/p@unit-0", "count": 1},
            {"id": "board/q@unit-0", "count": 1},
            {"id": "board/blank@unit-0", "count": 0},
            {"id": "board/p@unit-1", "count": 2},
            {"id": "board/q@unit-1", "count": 0},
            {"id": "board/blank@unit-1", "count": 0},
        ],
        "combined": [
            {"id": "board/p", "count": 5},
            {"id": "board/q", "count": 3},
            {"id": "board/blank", "count": 0},
            {"id": "board/p@unit-0", "count": 2},
            {"id": "board/q@unit-0", "count": 2},
            {"id": "board/blank@unit-0", "count": 0},
            {"id": "board/p@unit-1", "count": 3},
            {"id": "board/q@unit-1", "count": 1},
            {"id": "board/blank@unit-1", "count": 0},
        ],
    }  # fmt: skip


def test_a_wrong_list_names_its_commission_and_still_stops_double_votes() -> None:
    """A voter of another unit listed: cancelled all the same (no one votes twice), the
    listing commission named; a handle on no roll row: named, not applied; a voter
    listed twice: cancelled once, named; and each such unit's lists do not add up."""
    rng = SeededRandomness("paper: commissions")
    board = Board()
    here, there, twice, online = (board.enrol(u, rng) for u in (0, 1, 0, 1))
    seeds = [generate_seed(rng, BASE) for _ in range(4)]
    for voter, seed, choice in zip((here, there, twice, online), seeds, "pqpq", strict=True):
        board.register(voter, seed, None, rng)
        board.vote(seed, choice, rng)
    stranger = Point.from_uniform_bytes(rng.random_bytes(64))  # no roll row's handle
    paper = [
        listed("st-0", 0, [there, twice, twice], rng),  # another unit's voter; one twice
        listed("st-1", 1, [stranger], rng),  # on no roll row
    ]
    close, _, a, b = close_with(board, "paper: commissions, trustees", paper)
    failures = sorted((f.party, f.detail) for f in close.failures)
    assert [f.check for f in close.failures] == ["close.paper"] * 5
    assert [p for p, _ in failures] == ["commission of unit-0"] * 3 + ["commission of unit-1"] * 2
    details = " | ".join(d for _, d in failures)
    assert "lists a voter of unit-1: the voter's e-vote is cancelled all the same" in details
    assert "list one voter: the voter's roll row is cancelled once" in details
    assert "the paper lists of unit-0 hold 3 voter(s); 0 roll row(s) of unit-0" in details
    assert "the voter listed is on no roll row: not applied" in details
    assert "the paper lists of unit-1 hold 1 voter(s); 0 roll row(s) of unit-1" in details
    # `there` (unit-1) and `twice` (unit-0) are cancelled; `here` and `online` count
    assert counted(close) == [("p", 0), ("q", 1)]
    assert close.paper_rows == (("unit-0", 1), ("unit-1", 1))
    assert close.paper_cancelled == (("unit-0", 1), ("unit-1", 1))
    units = close_result(CTX, a, close, b)["paper"]["units"]
    assert [(u["listed"], u["cancelled_rows"], u["cancelled_e_votes"]) for u in units] == [
        (3, 1, 1), (1, 1, 1),
    ]  # fmt: skip


def test_an_election_without_paper_lists_closes_as_before() -> None:
    """No paper list: the same lists, rounds, objects and counts as an election without
    paper stations; the result gains only its ``paper`` member, and only when the
    election has paper stations (all zeros, their protocols missing)."""
    rng = SeededRandomness("paper: none")
    board = Board()
    voters = [board.enrol(u, rng) for u in (0, 1)]
    seeds = [generate_seed(rng, BASE) for _ in voters]
    for voter, seed, choice in zip(voters, seeds, "pq", strict=True):
        board.register(voter, seed, None, rng)
        board.vote(seed, choice, rng)
    plain, plain_items, a, b = close_with(board, "paper: none, trustees", stations=())
    stations, station_items, _, b2 = close_with(board, "paper: none, trustees")
    assert station_items == plain_items
    assert plain.opened == stations.opened and plain.counted == stations.counted
    assert not {B_PAPER, B_PAPER_UNITS} & lists_of(plain_items)
    assert plain.failures == stations.failures == ()
    before = close_result(CTX, a, plain)
    assert close_result(CTX, a, plain, b) == before and "paper" not in before
    with_stations = close_result(CTX, a, stations, b2)
    assert {k: v for k, v in with_stations.items() if k != "paper"} == before
    paper = with_stations["paper"]
    assert [s["protocol"] for s in paper["stations"]] == [False, False, False]
    assert all(u["listed"] == u["cancelled_e_votes"] == 0 for u in paper["units"])
    assert paper["combined"] == before["counts"]
    assert all(c["count"] == 0 for c in paper["counts"])


def test_a_paper_list_of_no_paper_station_or_another_unit_is_refused() -> None:
    rng = SeededRandomness("paper: inputs")
    board = Board()
    board.enrol(0, rng)
    with pytest.raises(ProtocolError, match="no paper station"):
        inputs(board, rng, [listed("st-9", 0, [], rng)])
    with pytest.raises(ProtocolError, match="no paper station"):
        inputs(board, rng, [listed("st-0", 1, [], rng)])
    with pytest.raises(ProtocolError, match="only its last paper event counts"):
        inputs(board, rng, [listed("st-0", 0, [], rng)] * 2)
