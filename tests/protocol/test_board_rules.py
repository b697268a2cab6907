"""The board rules for credential replacement and the roll summary, replayed directly."""

from __future__ import annotations

import pytest

from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.errors import BallotRejected, ProtocolError
from honestballot.protocol import board
from honestballot.protocol.board import BoardRules

RNG = SeededRandomness("board-rules")
UNITS = frozenset({"u1", "u2"})


def _credential() -> board.Point:
    return base_mul(random_nonzero_scalar(RNG))


def _rules(*events: board.Event) -> BoardRules:
    rules = BoardRules()
    rules.apply(board.SetupEvent("e", UNITS))
    for ev in events:
        rules.apply(ev)
    return rules


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
    rules = _rules(a, b, named, board.OpenEvent())
    assert rules.roll_parts == [(3, b"a" * 32), (2, b"b" * 32)]
    with pytest.raises(ProtocolError, match="starts at row 3, not 2"):
        _rules(a, board.RollPartEvent(2, 2, b"b" * 32))
    with pytest.raises(ProtocolError, match="not exactly the 2 roll parts"):
        _rules(a, b, board.RollEvent(per_unit, 0, (5, (b"b" * 32, b"a" * 32))))
    with pytest.raises(ProtocolError, match="not exactly the 1 roll parts"):
        _rules(a, board.RollEvent(per_unit, 0, (5, (b"a" * 32, b"b" * 32))))
    with pytest.raises(ProtocolError, match="but the summary 5 voters"):
        _rules(a, board.RollEvent(per_unit, 0, (3, (b"a" * 32,))))
    with pytest.raises(ProtocolError, match="names none"):
        _rules(a, b, board.RollEvent(per_unit, 0))
    with pytest.raises(ProtocolError, match="a roll part after the roll"):
        _rules(a, b, named, board.RollPartEvent(5, 1, b"c" * 32))
    with pytest.raises(ProtocolError, match="not allowed in phase open"):
        _rules(board.OpenEvent(), a)


def test_a_trustees_mix_parts_follow_on_in_at_most_three_runs() -> None:
    check = board.check_mix_part_order

    def part(index: int, offset: int, rows: int = 2) -> board.MixPartEvent:
        return board.MixPartEvent("leader", 1, 3, index, offset, rows)

    done = board.NO_MIX_PARTS
    for bad in (part(1, 2), part(0, 2)):
        with pytest.raises(ProtocolError, match="is part 0 from row 0"):
            check(done, bad)
    for ev in (part(0, 0), part(1, 2)):
        check(done, ev)
        done = done.after(ev)
    assert (done.runs, done.parts, done.end) == (1, 2, 4)
    for bad in (part(1, 2), part(2, 3), part(3, 4)):  # again, a gap, a skipped index
        with pytest.raises(ProtocolError, match="is part 2 from row 4, or part 0 from row 0"):
            check(done, bad)
    for _ in range(board.MAX_MIX_RUNS - 1):
        check(done, part(0, 0))
        done = done.after(part(0, 0))
    assert done.runs == board.MAX_MIX_RUNS
    with pytest.raises(ProtocolError, match="its 3 runs are used"):
        check(done, part(0, 0))
    check(done, part(1, 2))
