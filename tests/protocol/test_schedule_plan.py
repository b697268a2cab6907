"""The organiser's plan of a batch schedule (protocol/schedule_plan.py): three plain
figures give ``propose``'s expected rates, and bad figures are refused by name."""

from __future__ import annotations

import itertools
import math

import pytest

from honestballot.errors import InvalidInput
from honestballot.protocol.schedule import (
    MAX_BATCH_ITEMS,
    MAX_HIDING_EPSILON_MILLI,
    MAX_K0,
    Cover,
    propose,
)
from honestballot.protocol.schedule_plan import (
    DAY_SHAPE,
    Plan,
    epsilon_text,
    hour_runs,
    parse_epsilon,
    ratio_text,
    slots,
)


def test_the_voters_are_spread_over_the_hours_by_the_day_shape() -> None:
    plan = Plan(voters=10_000, opens_at=8, hours=12, interval=60)
    expected = plan.expected()
    assert len(expected) == 12
    # one registration and one ballot a voter, every voter counted (rounded up)
    assert all(ballots == registrations for ballots, registrations in expected)
    assert 10_000 <= sum(b for b, _ in expected) < 10_000 + 12
    # the busiest hours of the day are 12:00 and 19:00, the quietest 08:00
    ballots = [b for b, _ in expected]
    assert ballots[12 - 8] == ballots[19 - 8] == max(ballots)
    assert ballots[0] == min(ballots)
    # in proportion to the shape: 08:00 is 60 % of the busiest hour
    assert abs(ballots[0] / max(ballots) - DAY_SHAPE[8] / 100) < 0.01


def test_the_schedule_is_propose_on_the_expected_rates_with_room_for_the_cover() -> None:
    plan = Plan(voters=100_000, opens_at=0, hours=24, interval=60)
    schedule = plan.schedule()
    # K0 = 300 and ln(10^6) / 0.1 = 138.2 replacements: over 1,440 batches, one row slot
    # and one registration slot more in each (each replacement a row and two registrations)
    assert plan.replacements_room() == 300 + 139
    proposed = propose(plan.expected(), 60, Cover(0, 100))
    assert schedule.hours == tuple((r + 1, g + 1) for r, g in proposed.hours)
    assert schedule.cover == Cover(300, 100)
    # the busiest hour: 100,000 voters over 1,315 percent-hours, twice the rate, in 60
    # batches an hour
    peak = -(-100_000 * 100 // sum(DAY_SHAPE))
    assert max(proposed.hours) == (-(-2 * peak // 60),) * 2 == (254, 254)
    assert slots(schedule).batches == 24 * 60
    assert slots(schedule).rows == sum(r for r, _ in schedule.hours) * 60


def test_the_room_for_the_cover_grows_with_k0_and_one_over_epsilon() -> None:
    """A small vote gets room for K0 + ln(10^6)/ε replacements beyond twice its traffic,
    so K = K0 + Z does not spill into the close's block (docs/coercion.md §4)."""
    for k0, epsilon_milli in ((0, 1000), (40, 250), (300, 100), (300, 10)):
        plan = Plan(10, 8, 1, 60, k0=k0, epsilon_milli=epsilon_milli)
        room = k0 + math.ceil(math.log(10**6) * 1000 / epsilon_milli)
        assert plan.replacements_room() == room
        traffic = propose(plan.expected(), 60, Cover(0, epsilon_milli))
        total, bare = slots(plan.schedule()), slots(traffic)
        assert room <= total.rows - bare.rows < room + total.batches
        assert 2 * room <= total.registrations - bare.registrations < 2 * room + total.batches
        assert plan.schedule().cover == Cover(k0, epsilon_milli)


def test_a_vote_past_midnight_wraps_the_day() -> None:
    plan = Plan(voters=500, opens_at=22, hours=4, interval=300)
    assert plan.shape() == [DAY_SHAPE[22], DAY_SHAPE[23], DAY_SHAPE[0], DAY_SHAPE[1]]
    assert plan.schedule().interval == 300


def test_the_runs_cover_every_hour_once() -> None:
    plan = Plan(voters=5_000, opens_at=20, hours=30, interval=60)
    schedule = plan.schedule()
    runs = hour_runs(plan, schedule)
    covered = [h for run in runs for h in range(run.first, run.last + 1)]
    assert covered == list(range(30))
    for run in runs:
        for h in range(run.first, run.last + 1):
            assert schedule.hours[h] == (run.rows, run.registrations)
    # neighbours differ (else they would be one run); the night's hours are one run
    assert all(
        (a.rows, a.registrations) != (b.rows, b.registrations) for a, b in itertools.pairwise(runs)
    )
    assert any(run.last > run.first for run in runs)


@pytest.mark.parametrize(
    ("figures", "key"),
    [
        ((0, 8, 12, 60), "schedule.voters"),
        ((200_000_001, 8, 12, 60), "schedule.voters"),
        ((100, 24, 12, 60), "schedule.opens_at"),
        ((100, -1, 12, 60), "schedule.opens_at"),
        ((100, 8, 0, 60), "schedule.hours"),
        ((100, 8, 31 * 24 + 1, 60), "schedule.hours"),
        ((100, 8, 12, 70), "schedule.interval"),
        ((100, 8, 12, 5), "schedule.interval"),
        ((100, 8, 12, 7200), "schedule.interval"),
        ((50_000_000, 12, 1, 3600), "schedule.too_big"),
    ],
)
def test_bad_figures_are_refused_by_name(figures: tuple[int, int, int, int], key: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        Plan(*figures)
    assert refused.value.args[0].key == key


def test_the_biggest_batch_allowed_is_the_schedules() -> None:
    # a plan whose busiest batch is just MAX_BATCH_ITEMS is made; one voter more is not
    # (a one-hour vote with one batch: the batch holds twice the voters, and room for
    # the cover replacements: K0 = 0 and ε = 1 leave room for 14, 28 registrations)
    voters = (MAX_BATCH_ITEMS - 28) // 2
    plan = Plan(voters, 0, 1, 3600, k0=0, epsilon_milli=1000)
    assert plan.schedule().hours == ((MAX_BATCH_ITEMS - 14, MAX_BATCH_ITEMS),)
    with pytest.raises(InvalidInput) as refused:
        Plan(voters + 1, 0, 1, 3600, k0=0, epsilon_milli=1000)
    assert refused.value.args[0].key == "schedule.too_big"
    # a K0 too big for the batches is refused by name, not by Schedule in English
    with pytest.raises(InvalidInput) as refused:
        Plan(10, 0, 1, 3600, k0=MAX_BATCH_ITEMS)
    assert refused.value.args[0].key == "schedule.too_big"


def test_the_plan_carries_the_cover_and_refuses_bad_figures() -> None:
    plan = Plan(10_000, 8, 12, 60, k0=40, epsilon_milli=250)
    assert plan.schedule().cover == Cover(40, 250)
    assert Plan(10_000, 8, 12, 60).schedule().cover == Cover(300, 100)
    # a small vote takes the default K0: the proposal makes room for it
    assert Plan(10, 8, 1, 60).schedule().cover == Cover(300, 100)
    for k0, epsilon_milli, key in (
        (-1, 100, "schedule.k0"),
        (MAX_K0 + 1, 100, "schedule.k0"),
        (0, 9, "schedule.epsilon"),
        (0, 1_000_001, "schedule.epsilon"),
        # above 1 the close's counts would say how many replaced: the tools refuse it
        (0, MAX_HIDING_EPSILON_MILLI + 1, "schedule.epsilon"),
        (0, 1_000_000, "schedule.epsilon"),
    ):
        with pytest.raises(InvalidInput) as refused:
            Plan(10, 8, 1, 60, k0=k0, epsilon_milli=epsilon_milli)
        assert refused.value.args[0].key == key


@pytest.mark.parametrize(
    ("text", "milli"),
    [
        ("0.1", 100),
        ("0,1", 100),
        ("0,125", 125),
        ("0,100", 100),
        (" 1000 ", 1_000_000),
        ("0.01", 10),
        ("2.5", 2500),
        ("7", 7000),
    ],
)
def test_epsilon_is_read_exactly_in_thousandths(text: str, milli: int) -> None:
    assert parse_epsilon(text) == milli
    assert parse_epsilon(epsilon_text(milli)) == milli


@pytest.mark.parametrize(
    "text",
    [
        "", "abc", "0.0001", "1e-4x", "nan", "inf", "0.1.1",
        # what Decimal would take: an overflow, a huge int, an exponent, an underscore
        "1e999999", "1e999990", "1e-2", "1_0", "-0.1", "+1", "12345",
        # a thousands separator is refused, not read as 1 or as 1000
        "1,000", "10,500",
        # digits other than ASCII ones (Arabic-Indic three, full-width one)
        "\u0663", "\uff11",
    ],
)  # fmt: skip
def test_epsilon_that_is_no_number_of_thousandths_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_epsilon(text)
    assert refused.value.args[0].key == "schedule.epsilon_number"


def test_the_cover_says_whether_it_hides_and_by_what_ratio() -> None:
    """``e^ε`` is what one replacement can change; above ``ε = 1`` the cover hides
    next to nothing (``Cover`` still takes it, for tests and the demo)."""
    assert ratio_text(100) == "1.105" and ratio_text(1000) == "2.718" and ratio_text(10) == "1.01"
    assert Cover(0, MAX_HIDING_EPSILON_MILLI).hides
    assert not Cover(0, MAX_HIDING_EPSILON_MILLI + 1).hides
    assert Cover(0, 100).ratio() == pytest.approx(1.10517, abs=1e-5)
