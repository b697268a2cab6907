"""The organiser's plan of a batch schedule from three plain figures (docs/coercion.md §4).

An organiser knows how many voters to expect, at what hour of the day voting opens and
for how many hours it lasts; :func:`~honestballot.protocol.schedule.propose` needs the
expected ballots and registrations of every hour of the vote.  :class:`Plan` spreads the
expected voters over the vote's hours by the shape of a voting day (:data:`DAY_SHAPE`,
the one docs/performance.md's projection uses) and expects one registration and one
ballot from each: a voter registers a credential once and casts; re-votes, replaced
credentials and a busier day than expected take the room ``propose`` leaves by doubling
every rate.

The vote's hours count from the ``open`` event (protocol/schedule.py), so ``opens_at``
is the hour the organiser means to press "open"; a vote that runs past the plan's hours
keeps the last hour's sizes.  Pure: no clock, no I/O.  The page and ``honestballot
election create --revoting`` both make the schedule here, so both propose the same one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final

from honestballot.errors import InvalidInput, Text
from honestballot.protocol.schedule import (
    DEFAULT_EPSILON_MILLI,
    DEFAULT_INTERVAL_S,
    DEFAULT_K0,
    HOUR_S,
    MAX_BATCH_ITEMS,
    MAX_EPSILON_MILLI,
    MAX_HOURS,
    MAX_INTERVAL_S,
    MAX_K0,
    MIN_EPSILON_MILLI,
    MIN_INTERVAL_S,
    Cover,
    Schedule,
    propose,
)

#: each hour's expected rate of a voting day, in percent of the busiest hour's, by the
#: voters' local clock from 00:00 (docs/performance.md, "Batches and cover")
# fmt: off
DAY_SHAPE: Final = (
    2, 1, 1, 1, 2, 5, 15, 35, 60, 80, 90, 95,  # 00:00 to 12:00
    100, 95, 90, 85, 85, 90, 95, 100, 90, 60, 30, 8,  # 12:00 to 24:00
)
# fmt: on
#: the most voters a plan takes (a national vote, with room to spare)
MAX_VOTERS: Final = 200_000_000
#: the batch intervals the organiser's page offers (each divides the hour)
INTERVALS: Final = (10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600)


@dataclass(frozen=True, slots=True)
class HourRun:
    """Consecutive hours of the vote (``first`` to ``last``, from 0) whose batches are
    of one size; ``expected`` is the busiest of their expected rates (voters an hour)."""

    first: int
    last: int
    expected: int
    rows: int
    registrations: int


@dataclass(frozen=True, slots=True)
class Plan:
    """``voters`` expected, voting from ``opens_at`` o'clock (0-23, voters' local time)
    for ``hours`` hours, a batch every ``interval`` seconds; the cover replacements'
    ``k0`` and ``epsilon_milli`` (``ε`` in thousandths), the schedule's ``cover``."""

    voters: int
    opens_at: int
    hours: int
    interval: int = DEFAULT_INTERVAL_S
    k0: int = DEFAULT_K0
    epsilon_milli: int = DEFAULT_EPSILON_MILLI

    def __post_init__(self) -> None:
        if not 1 <= self.voters <= MAX_VOTERS:
            raise InvalidInput(
                Text(
                    "schedule.voters",
                    f"the expected voters are 1 to {MAX_VOTERS}, not {self.voters}",
                    most=MAX_VOTERS,
                    given=self.voters,
                )
            )
        if not 0 <= self.opens_at <= 23:
            raise InvalidInput(
                Text(
                    "schedule.opens_at",
                    f"voting opens at an hour from 0 to 23, not {self.opens_at}",
                    given=self.opens_at,
                )
            )
        if not 1 <= self.hours <= MAX_HOURS:
            raise InvalidInput(
                Text(
                    "schedule.hours",
                    f"a vote lasts 1 to {MAX_HOURS} hours, not {self.hours}",
                    most=MAX_HOURS,
                    given=self.hours,
                )
            )
        if not MIN_INTERVAL_S <= self.interval <= MAX_INTERVAL_S or HOUR_S % self.interval:
            raise InvalidInput(
                Text(
                    "schedule.interval",
                    f"a batch interval is {MIN_INTERVAL_S} to {MAX_INTERVAL_S} seconds and "
                    f"divides the hour ({HOUR_S} s); {self.interval} s does not",
                    least=MIN_INTERVAL_S,
                    most=MAX_INTERVAL_S,
                    given=self.interval,
                )
            )
        # propose's rule for the busiest hour, checked here to say it in the organiser's
        # language (Schedule says it in English)
        busiest = -(-2 * max(b for b, _ in self.expected()) // (HOUR_S // self.interval))
        if busiest > MAX_BATCH_ITEMS:
            raise InvalidInput(
                Text(
                    "schedule.too_big",
                    f"at this interval a batch would hold {busiest} items, more than "
                    f"{MAX_BATCH_ITEMS}: choose a shorter batch interval or more hours",
                    items=busiest,
                    most=MAX_BATCH_ITEMS,
                )
            )
        if not 0 <= self.k0 <= MAX_K0:
            raise InvalidInput(
                Text(
                    "schedule.k0",
                    f"K0 (cover replacements) is 0 to {MAX_K0}, not {self.k0}",
                    most=MAX_K0,
                    given=self.k0,
                )
            )
        if not MIN_EPSILON_MILLI <= self.epsilon_milli <= MAX_EPSILON_MILLI:
            raise InvalidInput(
                Text(
                    "schedule.epsilon",
                    f"epsilon is {MIN_EPSILON_MILLI / 1000} to {MAX_EPSILON_MILLI // 1000}, "
                    f"not {self.epsilon_milli / 1000}",
                )
            )
        # Schedule's rule that K0 fits the listed hours, said in the organiser's language
        hours = propose(self.expected(), self.interval, Cover(0, self.epsilon_milli)).hours
        per_hour = HOUR_S // self.interval
        room = min(per_hour * sum(r for r, _ in hours), per_hour * sum(g for _, g in hours) // 2)
        if self.k0 > room:
            raise InvalidInput(
                Text(
                    "schedule.k0_room",
                    f"this schedule has room for at most {room} cover replacements (K0), "
                    f"not {self.k0}: lower K0, or plan more voters or hours",
                    most=room,
                    given=self.k0,
                )
            )

    def shape(self) -> list[int]:
        """Each hour's share of the busiest hour's rate, in percent."""
        return [DAY_SHAPE[(self.opens_at + h) % 24] for h in range(self.hours)]

    def expected(self) -> list[tuple[int, int]]:
        """The expected ballots and registrations of each hour of the vote: the voters
        spread over the hours by :data:`DAY_SHAPE`, rounded up."""
        shape = self.shape()
        total = sum(shape)
        rates = [-(-self.voters * s // total) for s in shape]
        return [(rate, rate) for rate in rates]

    def schedule(self) -> Schedule:
        """The schedule the organiser's tools propose: ``propose`` on :meth:`expected`,
        with the plan's cover."""
        return propose(self.expected(), self.interval, Cover(self.k0, self.epsilon_milli))


def parse_epsilon(text: str) -> int:
    """``ε`` as the organiser writes it (a decimal such as ``0.1``, a comma allowed) in
    thousandths, exactly: no more than three decimals."""
    try:
        value = Decimal(text.strip().replace(",", "."))
        milli = value * 1000
        if not value.is_finite() or milli != milli.to_integral_value():
            raise InvalidOperation
    except InvalidOperation:
        raise InvalidInput(
            Text(
                "schedule.epsilon_number",
                "epsilon: enter a number such as 0.1 (at most three decimals)",
            )
        ) from None
    return int(milli)


def hour_runs(plan: Plan, schedule: Schedule) -> list[HourRun]:
    """``schedule``'s hours in runs of equal batch sizes, for a table a person reads."""
    runs: list[HourRun] = []
    for h, ((rows, registrations), (ballots, _)) in enumerate(
        zip(schedule.hours, plan.expected(), strict=True)
    ):
        last = runs[-1] if runs else None
        if last is not None and (last.rows, last.registrations) == (rows, registrations):
            runs[-1] = HourRun(last.first, h, max(last.expected, ballots), rows, registrations)
        else:
            runs.append(HourRun(h, h, ballots, rows, registrations))
    return runs


@dataclass(frozen=True, slots=True)
class Slots:
    """What a schedule holds over its listed hours."""

    batches: int
    rows: int
    registrations: int


def slots(schedule: Schedule) -> Slots:
    per_hour = schedule.slots_per_hour()
    return Slots(
        len(schedule.hours) * per_hour,
        sum(r for r, _ in schedule.hours) * per_hour,
        sum(g for _, g in schedule.hours) * per_hour,
    )


def epsilon_text(epsilon_milli: int) -> str:
    """``ε`` in thousandths written as a decimal, exactly (100 is ``0.1``)."""
    whole, milli = divmod(epsilon_milli, 1000)
    return f"{whole}.{milli:03d}".rstrip("0").rstrip(".") if milli else str(whole)
