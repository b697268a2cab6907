"""Paper ballots cancel e-votes at the close (docs/coercion.md §5.4, "Paper lists";
protocol/close_b.py, protocol/close_result.py): the paper stations' lists of voters
(``Enc(V)`` of their roll handles) are joined with the roll under a one-time key
(``P.tags``: each trustee blinds every row with one exponent), only the joined roll rows'
units are decrypted (``P.units``), a listing counts only for a roll row of its station's
reporting unit, and the roll is re-mixed kept and cancelled apart (``B.kept``,
``B.cancelled``) before B2 tags it with ``y2``; a survivor on a cancelled handle is dropped
at B4 without a failure and counted in one election-wide number; the result adds the
paper protocols to the e-tally.  Failures name the listing station's commission
(``close.paper``); no listed point ever gets a ``y2`` tag."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache

import pytest

from honestballot.crypto.elgamal import decrypt_to_point, encrypt_point
from honestballot.crypto.equivalence import (
    EquivalenceShare,
    combine_equivalence_shares,
    prove_equivalence_entry,
)
from honestballot.crypto.group import Point, Scalar
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.crypto.tagging import combine_tag_shares
from honestballot.errors import ProtocolError
from honestballot.protocol.close_a import (
    CloseItem,
    ListEquivalence,
    ListMix,
    ListTagShare,
    StageAInputs,
    act_to_end,
    equivalence_context,
    item_step,
    list_hash,
)
from honestballot.protocol.close_b import (
    B_ACTIVATION_PETS,
    B_CANCELLED,
    B_HANDLES,
    B_KEPT,
    B_TAGS,
    P_TAGS,
    P_UNITS,
    Close,
    PaperList,
    StageBInputs,
    run_close,
    run_close_to_end,
    stage_b_inputs,
)
from honestballot.protocol.close_result import close_result
from honestballot.protocol.credential_seed import generate_seed
from honestballot.protocol.encrypted_roll import make_row
from honestballot.protocol.letters import draw_letter
from tests.protocol.test_close_a import CTX, KEYS, MANIFEST, TRUSTEES, X
from tests.protocol.test_close_b import BASE, Board, H, Voter, counted

SMALL_UNITS = replace(CTX, manifest=replace(MANIFEST, min_unit_size=2))
#: manifest units: st-0 reports in unit-0; st-1 and st-1b in unit-1
STATIONS = ("st-0", "st-1", "st-1b")
UNIT_OF = (("st-0", 0), ("st-1", 1), ("st-1b", 1))
PAPER_LISTS = {P_TAGS, P_UNITS, B_KEPT, B_CANCELLED}


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


def p_tags(items: Sequence[CloseItem]) -> list[Point]:
    """The decrypted ``P.tags`` (``z*V`` per row), recomputed with the test's secret key."""
    eq = [i.share for i in items if isinstance(i, ListEquivalence) and i.list == P_TAGS]
    return [decrypt_to_point(X, ct) for ct in combine_equivalence_shares(eq, KEYS.threshold)]


def y2_tags(items: Sequence[CloseItem]) -> set[Point]:
    """Every ``y2`` tag on the board (``B.tags``, ``B.handles``), recomputed likewise."""
    out: set[Point] = set()
    for name in (B_TAGS, B_HANDLES):
        shares = [i.share for i in items if isinstance(i, ListTagShare) and i.list == name]
        if shares:
            out |= {decrypt_to_point(X, ct) for ct in combine_tag_shares(shares, KEYS.threshold)}
    return out


def test_paper_cancels_every_e_vote_of_its_voters_whatever_the_order() -> None:
    """The join is by handle, so it does not matter whether a voter voted online before
    the paper ballot or registered (even a second credential) after the list was
    uploaded: every e-vote of a listed voter is cancelled, revoked or not; the cancelled
    e-votes are one election-wide number."""
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
    # v0, v1 and v2's replacement (its old credential is revoked at B3): no unit
    assert close.paper_cancelled == 3
    assert close.paper_stations == (("st-0", 2, 0), ("st-1", 2, 0))
    assert close.revoked == 1 and close.survivors == 7
    assert lists_of(items) >= PAPER_LISTS and "B.paper" not in lists_of(items)
    rounds = [r for r, _ in close.opened]
    assert rounds[rounds.index("B-mix") + 1 : rounds.index("B-tag")] == [
        "P-tag", "P-tag-dec", "P-units", "P-mix",
    ]  # fmt: skip
    # each trustee's P.tags object: one commitment for all 8 + 4 rows
    blinds = [i for i in items if isinstance(i, ListEquivalence) and i.list == P_TAGS]
    assert len(blinds) == KEYS.threshold
    assert all(
        len(i.share.entries) == 12 and len({e.commitment for e in i.share.entries}) == 1
        for i in blinds
    )
    # only the 4 joined rows' units are decrypted; 4 rows kept, 4 handles cancelled
    for name, rows in ((B_KEPT, 4), (B_CANCELLED, 4)):
        chain = [i for i in items if isinstance(i, ListMix) and i.list == name]
        assert len(chain) == KEYS.threshold and all(len(m.rows) == rows for m in chain)
    assert [len(m.rows[0]) for m in items if isinstance(m, ListMix) and m.list == B_CANCELLED] == [
        1, 1,
    ]  # fmt: skip
    # the cancelled survivors never reach B5: only the four counted are tested there
    pets = [i for i in items if isinstance(i, ListEquivalence) and i.list == B_ACTIVATION_PETS]
    assert pets and all(len(p.share.entries) == 4 for p in pets)

    result = close_result(SMALL_UNITS, a, close, b, uploads={"st-0": 2, "st-1": 1})
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
            {"unit": "st-0", "reporting_unit": "unit-0", "protocol": True, "uploads": 2,
             "voters": 2, "in_box": 2, "cancelled": 2, "failures": 0},
            {"unit": "st-1", "reporting_unit": "unit-1", "protocol": True, "uploads": 1,
             "voters": 2, "in_box": 2, "cancelled": 2, "failures": 0},
            {"unit": "st-1b", "reporting_unit": "unit-1", "protocol": False, "uploads": 0,
             "voters": 0, "in_box": 0, "cancelled": 0, "failures": 0},
        ],
        "units": [
            {"unit": "unit-0", "listed": 2, "cancelled_rows": 2, "in_box": 2},
            {"unit": "unit-1", "listed": 2, "cancelled_rows": 2, "in_box": 2},
        ],
        "cancelled_e_votes": 3,
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


Closed = tuple[Close, list[CloseItem], StageAInputs, StageBInputs]


@cache
def wrong_lists() -> Closed:
    """The close of test_a_wrong_list_names_its_station_and_is_not_applied's lists (built
    once: tests/independent cross-checks hbcheck's paper path on it)."""
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
        listed("st-1", 1, [stranger, online], rng),  # on no roll row; `online` also by st-1b
        listed("st-1b", 1, [online], rng),
    ]
    return close_with(board, "paper: commissions, trustees", paper)


def test_a_wrong_list_names_its_station_and_is_not_applied() -> None:
    """A voter of another reporting unit listed: NOT applied (the voter's e-vote counts),
    the listing station named; a handle on no roll row: named, not applied; a voter
    listed twice by one station, or by two stations of its unit: cancelled once, each
    station named; and a list whose valid cancellations are not its length."""
    close, _, a, b = wrong_lists()
    assert {f.check for f in close.failures} == {"close.paper"}
    parties = sorted(f.party for f in close.failures)
    assert parties == ["commission of st-0"] * 3 + ["commission of st-1"] * 3 + [
        "commission of st-1b"
    ]
    details = " | ".join(f.detail for f in close.failures)
    assert "lists a voter of unit-1, not of unit-0: not applied" in details
    assert "(st-0) list one voter: the voter's roll row is cancelled once" in details
    assert "(st-1, st-1b) list one voter" in details
    assert "the paper list of st-0 holds 3 voter(s); it validly cancels 1 roll row(s)" in details
    assert "the voter listed is on no roll row: not applied" in details
    assert "the paper list of st-1 holds 2 voter(s); it validly cancels 1 roll row(s)" in details
    assert "the paper list of st-1b holds" not in details
    # `twice` (unit-0) and `online` (unit-1) are cancelled; `there`, listed by another
    # unit's station, is not: its e-vote counts, as does `here`'s
    assert counted(close) == sorted([("p", 0), ("q", 1)])
    assert close.paper_rows == (("unit-0", 1), ("unit-1", 1))
    assert close.paper_cancelled == 2
    assert close.paper_stations == (("st-0", 1, 3), ("st-1", 1, 3), ("st-1b", 1, 1))
    paper_member = close_result(CTX, a, close, b)["paper"]
    assert [(s["cancelled"], s["failures"]) for s in paper_member["stations"]] == [
        (1, 3), (1, 3), (1, 1),
    ]  # fmt: skip
    assert [(u["listed"], u["cancelled_rows"]) for u in paper_member["units"]] == [(3, 1), (3, 1)]
    assert paper_member["cancelled_e_votes"] == 2


@cache
def unusable_rows() -> Closed:
    """Two roll rows with one handle (``roll.handles``) and a roll row of no reporting unit
    (``close.units``), both voters listed by st-0 beside a voter of its unit (built once:
    tests/independent cross-checks hbcheck's paper path on it)."""
    rng = SeededRandomness("paper: a doubled roll row")
    board = Board()
    letter = draw_letter(rng, BASE)
    for _ in range(2):
        board.roll.append(make_row(BASE, H, len(board.roll), letter, 0, rng))
        board.enrolled.append(0)
    other = board.enrol(0, rng)
    stray = board.enrol(board.units + 5, rng)  # its unit is no reporting unit
    doubled = Voter(letter.handle(BASE), letter.activation_scalar(BASE), letter.none_point(BASE))
    return close_with(board, "doubled", [listed("st-0", 0, [doubled, other, stray], rng)])


def test_a_listing_the_organisers_roll_keeps_from_applying_does_not_blame_the_station() -> None:
    """Two roll rows with one handle, or a row whose unit is no reporting unit (the
    organiser's faults, ``roll.handles``, ``close.units``): a station that lists such a
    voter cannot cancel the row, and its count check does not name it for the
    organiser's mistake."""
    close = unusable_rows()[0]
    named = {(f.check, f.party) for f in close.failures}
    assert ("roll.handles", "organiser") in named and ("close.units", "organiser") in named
    assert not [f for f in close.failures if f.check == "close.paper"], close.failures
    assert close.paper_stations == (("st-0", 1, 0),)  # the other voter's row, no failure


@cache
def oracle_probes() -> Closed:
    """The close of the next test's probes (built once: tests/independent cross-checks
    hbcheck's paper path on it)."""
    rng = SeededRandomness("paper: oracle")
    board = Board()
    victim, other = board.enrol(0, rng), board.enrol(0, rng)
    held, fresh, mine = (generate_seed(rng, BASE) for _ in range(3))
    board.register(victim, held, None, rng)
    board.vote(held, "p", rng)
    board.register(victim, fresh, held.tag_point(BASE), rng)  # the voter escapes
    board.vote(fresh, "q", rng)
    board.register(other, mine, None, rng)
    board.vote(mine, "p", rng)
    probes = [victim.handle * Scalar(2), held.tag_point(BASE), victim.none]
    paper = [listed("st-0", 0, probes, rng)]
    return close_with(board, "paper: oracle, trustees", paper)


def test_a_listed_point_that_is_no_roll_handle_joins_nothing_and_meets_no_y2_tag() -> None:
    """The y2 oracle of the first design (review H1): a commission lists 2*V of a voter,
    the tag point of a credential a coercer holds, and the voter's none point.  None of
    them joins a roll row (named, not applied), the voter's e-vote counts, and none of
    their one-time tags, nor the points themselves, meets any y2 tag on the board."""
    close, items, _, _ = oracle_probes()
    assert counted(close) == [("p", 0), ("q", 0)]
    assert close.paper_rows == (("unit-0", 0), ("unit-1", 0)) and close.paper_cancelled == 0
    on_no_row = [f for f in close.failures if "on no roll row: not applied" in f.detail]
    assert len(on_no_row) == 3 and {f.party for f in close.failures} == {"commission of st-0"}
    tags = p_tags(items)
    roll_tags, listed_tags = tags[:2], tags[2:]
    assert len(listed_tags) == 3 and not set(listed_tags) & set(roll_tags)
    y2 = y2_tags(items)
    assert len(y2) > 4  # the winners', revocations', roll's and survivors' tags
    assert not set(listed_tags) & y2
    # nothing was joined: no unit decrypted, no row cancelled (B.cancelled has no chain)
    assert P_UNITS not in lists_of(items) and B_CANCELLED not in lists_of(items)


@dataclass
class _AtPTags:
    """A close of two voters, one of them listed, run honestly to its end, and what a
    trustee's object of ``P.tags`` is made of: its place among the objects, the step's
    pairs and the proofs' context."""

    a: StageAInputs
    b: StageBInputs
    honest: Close
    items: list[CloseItem]
    at: int
    rng: SeededRandomness

    def blinded(self, j: int, exponents: Callable[[int], Scalar]) -> ListEquivalence:
        """Trustee ``j``'s object of ``P.tags``, row ``n`` blinded with ``exponents(n)``."""
        (step,) = run_close(CTX, KEYS, self.a, self.b, self.items[: self.at]).next
        context = equivalence_context(
            CTX.base_hash, P_TAGS, list_hash(CTX.base_hash, P_TAGS, step.inputs)
        )
        entries = tuple(
            prove_equivalence_entry(context, j, n, (r[0], r[1]), exponents(n), self.rng)
            for n, r in enumerate(step.inputs)
        )
        return ListEquivalence(P_TAGS, EquivalenceShare(j, entries))

    def close_with(self, objects: list[CloseItem]) -> Close:
        """The close with ``objects`` in place of the honest ones of ``P.tags``, acted on
        to its end by honest trustees."""
        close, _ = act_to_end(
            CTX, lambda its, proven: run_close(CTX, KEYS, self.a, self.b, its, proven=proven),
            KEYS.threshold, TRUSTEES, self.rng, items=[*self.items[: self.at], *objects],
        )  # fmt: skip
        return close


def _at_p_tags(seed: str) -> _AtPTags:
    rng = SeededRandomness(seed)
    board = Board()
    voters = [board.enrol(0, rng) for _ in range(2)]
    seeds = [generate_seed(rng, BASE) for _ in voters]
    for voter, s in zip(voters, seeds, strict=True):
        board.register(voter, s, None, rng)
        board.vote(s, "p", rng)
    a, b = inputs(board, rng, [listed("st-0", 0, [voters[0]], rng)])
    honest, items = run_close_to_end(CTX, KEYS, a, b, TRUSTEES, rng)
    at = next(n for n, i in enumerate(items) if isinstance(i, ListEquivalence) and i.list == P_TAGS)
    return _AtPTags(a, b, honest, list(items), at, rng)


def test_a_trustee_object_with_two_commitments_in_p_tags_is_refused() -> None:
    """Each trustee blinds P.tags with one exponent: an object whose rows carry two
    different commitments (each row proven!) would let it give rows different keys; the
    reader does not take it (``close.trustees``, the service named for posting it), and
    the close goes on with honest objects."""
    run = _at_p_tags("paper: two exponents")
    first = run.items[run.at]
    assert isinstance(first, ListEquivalence)
    j = first.share.trustee
    z1, z2 = random_nonzero_scalar(run.rng), random_nonzero_scalar(run.rng)
    close = run.close_with([run.blinded(j, lambda n: z1 if n else z2)])
    assert close.done and run.at in close.ignored
    (failure,) = close.failures
    assert failure.check == "close.trustees" and failure.party == "service"
    assert f"trustee {j} blinds P.tags with 2 exponents" in failure.detail
    assert counted(close) == counted(run.honest) == [("p", 0)]
    assert close.paper_cancelled == run.honest.paper_cancelled == 1


def test_trustees_whose_exponents_sum_to_zero_are_refused() -> None:
    """Two trustees who agree on exponents ``z`` and ``-z`` would blind every handle to the
    identity, so that every listing joined every row and none applied (blaming the
    commissions); the second object is not taken (``close.trustees``) and a third trustee's
    honest object completes the step."""
    run = _at_p_tags("paper: exponents summing to zero")
    z = random_nonzero_scalar(run.rng)
    close = run.close_with([run.blinded(1, lambda _: z), run.blinded(2, lambda _: -z)])
    assert close.done and run.at + 1 in close.ignored and run.at not in close.ignored
    (failure,) = close.failures
    assert failure.check == "close.trustees" and "sum to zero" in failure.detail
    assert counted(close) == counted(run.honest) == [("p", 0)]
    assert close.paper_cancelled == run.honest.paper_cancelled == 1


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
    assert not PAPER_LISTS & lists_of(plain_items)
    assert plain.failures == stations.failures == ()
    before = close_result(CTX, a, plain)
    assert close_result(CTX, a, plain, b) == before and "paper" not in before
    with_stations = close_result(CTX, a, stations, b2)
    assert {k: v for k, v in with_stations.items() if k != "paper"} == before
    paper = with_stations["paper"]
    assert [s["protocol"] for s in paper["stations"]] == [False, False, False]
    assert all(u["listed"] == u["cancelled_rows"] == 0 for u in paper["units"])
    assert paper["cancelled_e_votes"] == 0
    # a station that uploads an empty list: still no paper round, the same objects
    empty, empty_items, _, b3 = close_with(
        board, "paper: none, trustees", [listed("st-0", 0, [], rng)]
    )
    assert empty_items == plain_items and empty.counted == plain.counted
    assert close_result(CTX, a, empty, b3)["paper"]["stations"][0]["protocol"] is True
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
