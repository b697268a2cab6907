"""The batch schedule (docs/coercion.md §4): when each batch is due, its sizes, and the
rule ``board.schedule`` holds batches and the close to."""

from __future__ import annotations

import pytest

from honestballot.errors import ProtocolError
from honestballot.protocol.schedule import (
    MAX_BATCH_ITEMS,
    Cover,
    Schedule,
    check_batch,
    check_close,
    propose,
)

OPEN = 1_700_000_000_000
#: a batch a minute; hour 0: 10 rows, 4 registrations; hour 1: 30 and 2; then 5 and 1
SCHEDULE = Schedule(60, ((10, 4), (30, 2), (5, 1)), cover=Cover(0, 100_000))


def test_batches_are_due_every_interval_after_the_open() -> None:
    assert [SCHEDULE.due_ms(OPEN, j) for j in range(3)] == [
        OPEN + 60_000,
        OPEN + 120_000,
        OPEN + 180_000,
    ]
    assert SCHEDULE.due_by(OPEN, OPEN + 59_999) == 0
    assert SCHEDULE.due_by(OPEN, OPEN + 60_000) == 1
    assert SCHEDULE.due_by(OPEN, OPEN + 3_600_000) == 60
    assert SCHEDULE.due_by(OPEN, OPEN - 5) == 0


def test_a_batch_has_the_sizes_of_the_hour_its_slot_begins_in() -> None:
    assert SCHEDULE.sizes(0) == SCHEDULE.sizes(59) == (10, 4)
    assert SCHEDULE.sizes(60) == SCHEDULE.sizes(119) == (30, 2)
    # past the list's end its last hour holds
    assert SCHEDULE.sizes(120) == SCHEDULE.sizes(10_000) == (5, 1)
    assert SCHEDULE.slots_per_hour() == 60


def test_board_schedule_refuses_early_batches_and_other_sizes() -> None:
    check_batch(SCHEDULE, OPEN, 0, OPEN + 60_000, 10, 4)
    check_batch(SCHEDULE, OPEN, 0, OPEN + 3_000_000, 10, 4)  # late is allowed
    with pytest.raises(ProtocolError, match="batch 0 is due at"):
        check_batch(SCHEDULE, OPEN, 0, OPEN + 59_999, 10, 4)
    with pytest.raises(ProtocolError, match="holds 11 rows and 4 registrations; the schedule"):
        check_batch(SCHEDULE, OPEN, 0, OPEN + 60_000, 11, 4)
    with pytest.raises(ProtocolError, match="holds 30 rows and 3 registrations"):
        check_batch(SCHEDULE, OPEN, 60, OPEN + 61 * 60_000, 30, 3)


def test_the_close_comes_after_every_batch_due() -> None:
    check_close(SCHEDULE, OPEN, OPEN + 125_000, 2)
    with pytest.raises(ProtocolError, match="after 1 batches; 2 were due"):
        check_close(SCHEDULE, OPEN, OPEN + 125_000, 1)


@pytest.mark.parametrize(
    ("interval", "hours", "named"),
    [
        (9, ((1, 1),), "10 to 3600 seconds"),
        (3601, ((1, 1),), "10 to 3600 seconds"),
        (70, ((1, 1),), "divides the hour"),
        (60, (), "1 to 744 hours"),
        (60, ((1, 1),) * 745, "1 to 744 hours"),
        (60, ((MAX_BATCH_ITEMS + 1, 0),), "hour 0"),
        (60, ((1, 1), (0, -1)), "hour 1"),
        # at least one of each: the close's block must have room for what waits
        (60, ((1, 1), (5, 0)), "hour 1"),
        (60, ((0, 3),), "hour 0"),
    ],
)
def test_a_bad_schedule_is_refused(
    interval: int, hours: tuple[tuple[int, int], ...], named: str
) -> None:
    with pytest.raises(ProtocolError, match=named):
        Schedule(interval, hours, cover=Cover(0, 100))


def test_the_proposed_schedule_has_room_for_twice_the_expected_peak() -> None:
    proposed = propose([(600, 240), (1, 0)], 60, Cover(270, 100))
    assert proposed.hours == ((20, 8), (1, 1))
    assert proposed.cover == Cover(270, 100)
    assert proposed.interval == 60


def test_the_cover_is_k0_and_epsilon_in_thousandths_within_their_bounds() -> None:
    # no default: a schedule names its cover, and a cover its K0 and epsilon
    with pytest.raises(TypeError):
        Schedule(60, ((5, 10),))  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Cover()  # type: ignore[call-arg]
    assert Cover(0, 10).epsilon == 0.01 and Cover(100_000, 1_000_000).epsilon == 1000
    for k0, milli, named in (
        (-1, 100, "K0"),
        (100_001, 100, "K0"),
        (5, 9, "epsilon"),
        (5, 1_000_001, "epsilon"),
        (5, 0.1, "epsilon"),
        (True, 100, "K0"),
    ):
        with pytest.raises(ProtocolError, match=named):
            Cover(k0, milli)  # type: ignore[arg-type]


def test_k0_fits_the_listed_hours_row_slots_and_half_their_registration_slots() -> None:
    # 60 batches an hour: 60 + 120 row slots, 60 + 60 registration slots (room for 60)
    hours = ((1, 1), (2, 1))
    assert Schedule(60, hours, cover=Cover(60, 100)).cover.k0 == 60
    with pytest.raises(ProtocolError, match="K0 \\(61\\) does not fit"):
        Schedule(60, hours, cover=Cover(61, 100))
    # rows bind when they are the fewer: 60 row slots, 600 registration slots
    assert Schedule(60, ((1, 10),), cover=Cover(60, 100)).cover.k0 == 60
    with pytest.raises(ProtocolError, match="does not fit"):
        Schedule(60, ((1, 10),), cover=Cover(61, 100))
    # K0 = 300 needs 600 registration slots in the listed hours
    with pytest.raises(ProtocolError, match="K0 \\(300\\)"):
        Schedule(3600, ((400, 599),), cover=Cover(300, 100))
    assert Schedule(3600, ((400, 600),), cover=Cover(300, 100)).cover.k0 == 300
