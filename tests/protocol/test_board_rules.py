"""The board rules for credential replacement and the roll summary, replayed directly."""

from __future__ import annotations

import pytest

from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.errors import BallotRejected, ProtocolError
from honestballot.protocol import board
from honestballot.protocol.board import BoardRules
from honestballot.protocol.schedule import Cover, Schedule

RNG = SeededRandomness("board-rules")
SCHEDULE = Schedule(60, ((2, 1), (1, 1)), cover=Cover(0, 100_000))
UNITS = frozenset({"u1", "u2"})


def _credential() -> board.Point:
    return base_mul(random_nonzero_scalar(RNG))


def _rules(*events: board.Event, revoting: bool = False) -> BoardRules:
    rules = BoardRules()
    rules.apply(board.SetupEvent("e", UNITS, SCHEDULE if revoting else None))
    for ev in events:
        rules.apply(ev)
    return rules


def _revoting(*events: board.Event) -> BoardRules:
    """The board of an election with re-voting protection (its setup names a schedule)."""
    return _rules(*events, revoting=True)


def test_a_revoked_credential_cannot_cast_and_its_ballot_stops_counting() -> None:
    old, new = _credential(), _credential()
    rules = _rules(board.CredentialEvent(old, "u1"), board.OpenEvent())
    rules.apply(board.BallotEvent(old, b"\x01" * 32, frozenset({b"a1"})))
    assert rules.counted() == {old: b"\x01" * 32}
    rules.apply(board.CredentialEvent(new, "u1", replaces=old))
    assert rules.counted() == {}
    with pytest.raises(BallotRejected, match="replaced"):
        rules.apply(board.BallotEvent(old, b"\x02" * 32, frozenset({b"a2"})))
    rules.apply(board.BallotEvent(new, b"\x03" * 32, frozenset({b"a3"})))
    assert rules.counted() == {new: b"\x03" * 32}


@pytest.mark.parametrize("case", ["unregistered", "other-unit", "twice"])
def test_a_replacement_must_name_an_active_credential_of_its_unit(case: str) -> None:
    old = _credential()
    rules = _rules(board.CredentialEvent(old, "u1"))
    target = _credential() if case == "unregistered" else old
    if case == "twice":
        rules.apply(board.CredentialEvent(_credential(), "u1", replaces=old))
    unit = "u2" if case == "other-unit" else "u1"
    with pytest.raises(ProtocolError):
        rules.apply(board.CredentialEvent(_credential(), unit, replaces=target))


def test_no_unit_may_hold_more_active_credentials_than_its_roll() -> None:
    first = _credential()
    roll = board.RollEvent((("u1", 1), ("u2", 0)), 0)
    rules = _rules(board.CredentialEvent(first, "u1"), roll, board.OpenEvent())
    # a replacement keeps one active credential: allowed
    second = _credential()
    rules.apply(board.CredentialEvent(second, "u1", replaces=first))
    full = r"as many active credentials as voters on its roll \(1\)"
    with pytest.raises(ProtocolError, match=full):
        rules.apply(board.CredentialEvent(_credential(), "u1"))
    with pytest.raises(ProtocolError, match=r"voters on its roll \(0\)"):
        rules.apply(board.CredentialEvent(_credential(), "u2"))


def test_a_roll_smaller_than_the_credentials_already_registered_is_refused() -> None:
    creds = [board.CredentialEvent(_credential(), "u1") for _ in range(3)]
    with pytest.raises(ProtocolError, match="3 active credentials"):
        _rules(*creds, board.RollEvent((("u1", 2), ("u2", 5)), 0))


@pytest.mark.parametrize(
    "per_unit",
    [(("u1", 1),), (("u1", 1), ("u1", 1)), (("u1", 1), ("u2", 1), ("u3", 1))],
)
def test_the_roll_must_list_every_unit_once(per_unit: tuple[tuple[str, int], ...]) -> None:
    with pytest.raises(ProtocolError, match="every unit once"):
        _rules(board.RollEvent(per_unit, 0))


def test_the_roll_is_posted_once_and_only_before_opening() -> None:
    roll = board.RollEvent((("u1", 1), ("u2", 1)), 0)
    with pytest.raises(ProtocolError, match="once"):
        _rules(roll, roll)
    with pytest.raises(ProtocolError, match="not allowed in phase open"):
        _rules(board.OpenEvent(), roll)


def test_the_encrypted_roll_parts_come_in_order_and_the_roll_names_exactly_them() -> None:
    a, b = board.RollPartEvent(0, 3, b"a" * 32), board.RollPartEvent(3, 2, b"b" * 32)
    per_unit = (("u1", 3), ("u2", 2))
    named = board.RollEvent(per_unit, 0, (5, (b"a" * 32, b"b" * 32)))
    rules = _revoting(a, b, named, board.OpenEvent())
    assert rules.roll_parts == [(3, b"a" * 32), (2, b"b" * 32)]
    with pytest.raises(ProtocolError, match="starts at row 3, not 2"):
        _revoting(a, board.RollPartEvent(2, 2, b"b" * 32))
    with pytest.raises(ProtocolError, match="not exactly the 2 roll parts"):
        _revoting(a, b, board.RollEvent(per_unit, 0, (5, (b"b" * 32, b"a" * 32))))
    with pytest.raises(ProtocolError, match="not exactly the 1 roll parts"):
        _revoting(a, board.RollEvent(per_unit, 0, (5, (b"a" * 32, b"b" * 32))))
    with pytest.raises(ProtocolError, match="but the summary 5 voters"):
        _revoting(a, board.RollEvent(per_unit, 0, (3, (b"a" * 32,))))
    with pytest.raises(ProtocolError, match="names none"):
        _revoting(a, b, board.RollEvent(per_unit, 0))
    with pytest.raises(ProtocolError, match="a roll part after the roll"):
        _revoting(a, b, named, board.RollPartEvent(5, 1, b"c" * 32))
    with pytest.raises(ProtocolError, match="opens only after its encrypted roll"):
        _revoting(board.OpenEvent())
    with pytest.raises(ProtocolError, match="not allowed in phase open"):
        _revoting(a, b, named, board.OpenEvent(), board.RollPartEvent(5, 1, b"c" * 32))
    # the schedule and the encrypted roll go together: neither without the other
    with pytest.raises(ProtocolError, match="a roll part in an election without re-voting"):
        _rules(a)
    with pytest.raises(ProtocolError, match="an encrypted roll in an election without"):
        _rules(board.RollEvent((("u1", 3), ("u2", 2)), 0, (0, ())))
    with pytest.raises(ProtocolError, match="opens with an encrypted roll"):
        _revoting(board.RollEvent(per_unit, 0))
    # and it takes no version 1 credential or ballot
    with pytest.raises(ProtocolError, match="a credential event in an election with re-voting"):
        _revoting(board.CredentialEvent(_credential(), "u1"))


def test_a_trustees_mix_parts_follow_on_in_at_most_three_runs() -> None:
    check = board.check_mix_part_order

    def part(index: int, offset: int, rows: int = 2, position: int = 1) -> board.MixPartEvent:
        return board.MixPartEvent("leader", position, 3, index, offset, rows)

    done = board.NO_MIX_PARTS
    for bad in (part(1, 2), part(0, 2)):
        with pytest.raises(ProtocolError, match="is part 0 from row 0"):
            check(done, bad)
    for ev in (part(0, 0), part(1, 2)):
        check(done, ev)
        done = done.after(ev)
    assert (done.runs, done.position, done.parts, done.end) == (1, 1, 2, 4)
    # again, a gap, a skipped index, the next part at another position
    for bad in (part(1, 2), part(2, 3), part(3, 4), part(2, 4, position=2)):
        with pytest.raises(ProtocolError, match="is part 2 of mix 1 from row 4, or part 0"):
            check(done, bad)
    # new runs, at this position or a later one (another trustee took this one first);
    # three in all per trustee and contest, whatever the positions
    for position in range(2, board.MAX_MIX_RUNS + 1):
        check(done, part(0, 0, position=position))
        done = done.after(part(0, 0, position=position))
    assert done.runs == board.MAX_MIX_RUNS
    for position in (1, 4):
        with pytest.raises(ProtocolError, match="its 3 runs are used"):
            check(done, part(0, 0, position=position))
    check(done, part(1, 2, position=3))


# -- batches (re-voting protection, docs/coercion.md §3, §4) -------------------------------

OPEN_MS = 1_000_000
MINUTE = 60_000


def _opened(**_: object) -> BoardRules:
    rules = _revoting(
        board.RollPartEvent(0, 2, b"a" * 32),
        board.RollEvent((("u1", 1), ("u2", 1)), 0, (2, (b"a" * 32,))),
        board.OpenEvent(OPEN_MS),
    )
    return rules


def _reg(n: int, time_ms: int, alpha: bytes | None = None) -> board.RegistrationEvent:
    code = n.to_bytes(4, "big") * 8
    return board.RegistrationEvent(code, code, frozenset({alpha or b"r%d" % n}), time_ms)


def _row(n: int, time_ms: int, alpha: bytes | None = None) -> board.CastRowEvent:
    code = (1 << 20 | n).to_bytes(4, "big") * 8
    return board.CastRowEvent(code, frozenset({alpha or b"c%d" % n}), time_ms)


def test_batches_come_in_order_with_the_schedules_sizes_and_their_items() -> None:
    rules = _opened()
    t = OPEN_MS + MINUTE
    rules.apply(board.BatchEvent(0, t, 2, 1))
    with pytest.raises(ProtocolError, match="before its 2 more cast rows"):
        rules.check(board.CloseEvent(t))
    rules.apply(_row(1, t))
    rules.apply(_reg(1, t))
    with pytest.raises(ProtocolError, match="more registrations than it says"):
        rules.check(_reg(2, t))
    with pytest.raises(ProtocolError, match="not the batch's"):
        rules.check(_row(2, t + 1))
    rules.apply(_row(2, t))
    assert rules.pending_batch is None and (rules.batches, rules.rows, rules.registrations) == (
        1,
        2,
        1,
    )
    with pytest.raises(ProtocolError, match="outside a batch"):
        rules.check(_row(3, t))
    with pytest.raises(ProtocolError, match="the next is 1"):
        rules.check(board.BatchEvent(2, t + MINUTE, 2, 1))
    with pytest.raises(ProtocolError, match="the schedule says 2 and 1"):
        rules.check(board.BatchEvent(1, t + MINUTE, 1, 1))
    # the second hour's batches hold one row and one registration
    late = OPEN_MS + 3600_000 + 5 * MINUTE
    for j in range(1, 61):
        rules.apply(board.BatchEvent(j, late, *((2, 1) if j < 60 else (1, 1))))
        for i in range(2 if j < 60 else 1):
            rules.apply(_row(10 * j + i, late))
        rules.apply(_reg(j + 1, late))
    assert rules.closing_ms is None  # all were due: late, never early


def test_the_close_needs_every_batch_due_by_its_time() -> None:
    rules = _opened()
    with pytest.raises(ProtocolError, match="1 were due by then"):
        rules.check(board.CloseEvent(OPEN_MS + MINUTE))
    rules.check(board.CloseEvent(OPEN_MS + MINUTE - 1))


def test_an_early_batch_begins_the_closes_block() -> None:
    rules = _opened()
    t = OPEN_MS + MINUTE // 2  # batch 0 is not due yet: only the close's block may post it
    rules.apply(board.BatchEvent(0, t, 2, 1))
    assert rules.closing_ms == t
    rules.apply(_row(1, t))
    rules.apply(_row(2, t))
    rules.apply(_reg(1, t))
    with pytest.raises(ProtocolError, match="not the block's"):
        rules.check(board.BatchEvent(1, t + 1, 2, 1))
    with pytest.raises(ProtocolError, match="only the close's block"):
        rules.check(board.StationEvent("u1", True, _credential(), 1))
    with pytest.raises(ProtocolError, match="not the time of its block"):
        rules.check(board.CloseEvent(t + 1))
    rules.apply(board.BatchEvent(1, t, 2, 1))
    for ev in (_row(3, t), _reg(2, t), _row(4, t)):
        rules.apply(ev)
    rules.apply(board.CloseEvent(t))
    assert rules.phase is board.Phase.CLOSED


@pytest.mark.parametrize("second", ["row", "registration"])
@pytest.mark.parametrize("first", ["row", "registration"])
def test_an_alpha_is_on_the_board_once(first: str, second: str) -> None:
    rules = _opened()
    t = OPEN_MS + MINUTE
    rules.apply(board.BatchEvent(0, t, 2, 1))
    make = {"row": _row, "registration": _reg}
    rules.apply(make[first](1, t, b"shared"))
    if first == second == "registration":  # the batch holds one: the next batch's
        rules.apply(_row(1, t))
        rules.apply(_row(2, t))
        rules.apply(board.BatchEvent(1, t, 2, 1))
    with pytest.raises(ProtocolError, match="already on the board"):
        rules.check(make[second](2, t, b"shared"))


def test_a_nonce_and_a_ballots_row_are_on_the_board_once() -> None:
    rules = _opened()
    t = OPEN_MS + MINUTE
    rules.apply(board.BatchEvent(0, t, 2, 1))
    rules.apply(_row(1, t))
    replay = board.CastRowEvent(_row(1, t).tracking_hash, frozenset({b"other"}), t)
    with pytest.raises(ProtocolError, match="already has a cast row"):
        rules.check(replay)
    rules.apply(_row(2, t))
    rules.apply(_reg(1, t))
    rules.apply(board.BatchEvent(1, t + MINUTE, 2, 1))
    again = board.RegistrationEvent(b"\x09" * 32, _reg(1, t).nonce, frozenset({b"x"}), t + MINUTE)
    with pytest.raises(ProtocolError, match="nonce"):
        rules.check(again)


def test_an_audit_shares_nothing_with_a_row_or_a_registration() -> None:
    rules = _opened()
    t = OPEN_MS + MINUTE
    rules.apply(board.BatchEvent(0, t, 2, 1))
    for ev in (_row(1, t), _row(2, t), _reg(1, t)):
        rules.apply(ev)
    close = t + 1
    with pytest.raises(BallotRejected, match="already on the board"):
        rules.check(board.AuditEvent(_row(1, t).tracking_hash, frozenset({b"y"}), close, 2))
    with pytest.raises(BallotRejected, match="cast on the board"):
        rules.check(board.AuditEvent(b"\x07" * 32, frozenset({b"c2"}), close, 2))
    with pytest.raises(ProtocolError, match="already on the board"):
        rules.check(board.AuditEvent(b"\x07" * 32, frozenset({b"r1"}), close, 2))
    with pytest.raises(ProtocolError, match="version 1 in an election with"):
        rules.check(board.AuditEvent(b"\x07" * 32, frozenset({b"z"}), close))
    rules.apply(board.AuditEvent(b"\x07" * 32, frozenset({b"z"}), close, 2))
    rules.apply(board.CloseEvent(close))


def test_batches_only_with_a_schedule() -> None:
    rules = _rules(board.OpenEvent(OPEN_MS))
    with pytest.raises(ProtocolError, match="without re-voting protection"):
        rules.check(board.BatchEvent(0, OPEN_MS + MINUTE, 0, 0))


def test_each_units_stations_are_numbered_in_turn() -> None:
    """Board rule 10: a unit's station events are numbered 1, 2, ...; an older one copied
    again (its signed number already used) or one numbered ahead is refused."""
    a, b = _credential(), _credential()
    rules = _rules(board.StationEvent("u1", True, a, 1), board.StationEvent("u2", False, b, 1))
    for sequence in (1, 3):
        with pytest.raises(ProtocolError, match=f"is numbered {sequence}, but it would be the "):
            rules.check(board.StationEvent("u1", True, a, sequence))
    rules.apply(board.StationEvent("u1", False, b, 2))
    assert (rules.station("u1"), rules.station_sent("u1"), rules.station_sent("u2")) == (
        (b, False),
        2,
        1,
    )
    with pytest.raises(ProtocolError, match="numbered 1, but it would be the unit's station "):
        rules.check(board.StationEvent("u1", True, a, 1))  # the replaced station, replayed
