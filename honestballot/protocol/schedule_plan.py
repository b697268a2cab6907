"""The organiser's plan of a batch schedule from three plain figures (docs/coercion.md §4).

An organiser knows how many voters to expect, at what hour of the day voting opens and
for how many hours it lasts; :func:`~honestballot.protocol.schedule.propose` needs the
expected ballots and registrations of every hour of the vote.  :class:`Plan` spreads the
expected voters over the vote's hours by the shape of a voting day (:data:`DAY_SHAPE`,
the one docs/performance.md's projection uses) and expects one registration and one
ballot from each: a voter registers a credential once and casts; re-votes, replaced
credentials and a busier day than expected take the room ``propose`` leaves by doubling
every rate.  On top of that the plan leaves room for the cover replacements
(docs/coercion.md §4): ``K0 + ⌈ln(10^6) / ε⌉`` of them, each a row slot and two
registration slots, spread evenly over the listed hours' batches, so that the service's
draw of ``K = K0 + Z`` fits the listed hours but about once in a million elections and
the replacements do not spill into the close's block of a vote that runs its hours.

The vote's hours count from the ``open`` event (protocol/schedule.py), so ``opens_at``
is the hour the organiser means to press "open"; a vote that runs past the plan's hours
keeps the last hour's sizes.  Pure: no clock, no I/O.  The page and ``honestballot
election create`` (protected by default) both make the schedule here, so both propose
the same one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from honestballot.errors import InvalidInput, Text
from honestballot.protocol.schedule import (
    DEFAULT_EPSILON_MILLI,
    DEFAULT_INTERVAL_S,
    DEFAULT_K0,
    HOUR_S,
    MAX_BATCH_ITEMS,
    MAX_HIDING_EPSILON_MILLI,
    MAX_HOURS,
    MAX_INTERVAL_S,
    MAX_K0,
    MIN_EPSILON_MILLI,
    MIN_INTERVAL_S,
    Cover,
    Schedule,
    proposed_sizes,
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
#: ``ln(10^6)``: the proposal leaves room for ``K0 + ln(10^6) / ε`` cover replacements
#: (:meth:`Plan.replacements_room`), so that the draw of ``K`` exceeds it about once in
#: a million elections
REPLACEMENT_TAIL: Final = math.log(10**6)
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
        if not 0 <= self.k0 <= MAX_K0:
            raise InvalidInput(
                Text(
                    "schedule.k0",
                    f"K0 (cover replacements) is 0 to {MAX_K0}, not {self.k0}",
                    most=MAX_K0,
                    given=self.k0,
                )
            )
        # at most 1: a larger epsilon lets the close's counts say how many voters replaced
        # a credential (MAX_HIDING_EPSILON_MILLI); the setup itself takes more
        if not MIN_EPSILON_MILLI <= self.epsilon_milli <= MAX_HIDING_EPSILON_MILLI:
            raise InvalidInput(
                Text(
                    "schedule.epsilon",
                    f"epsilon is {MIN_EPSILON_MILLI / 1000} to "
                    f"{MAX_HIDING_EPSILON_MILLI // 1000} (above it the counts say how many "
                    f"voters replaced a credential), not {epsilon_text(self.epsilon_milli)}",
                )
            )
        # propose's rule for the busiest batch, the cover replacements' room added, checked
        # here to say it in the organiser's language (Schedule says it in English)
        busiest = max(max(sizes) for sizes in self._hours())
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

    def replacements_room(self) -> int:
        """How many cover replacements the schedule leaves room for beyond the doubled
        traffic: ``K0 + ⌈ln(10^6) / ε⌉``, so that ``K = K0 + Z`` exceeds it with
        probability below ``10^-6`` (``Pr[Z ≥ z] < e^(−εz)``)."""
        return self.k0 + math.ceil(REPLACEMENT_TAIL * 1000 / self.epsilon_milli)

    def _hours(self) -> list[tuple[int, int]]:
        """``propose``'s sizes for :meth:`expected` (twice each hour's rate), each batch
        with room added for its share of :meth:`replacements_room` spread evenly over the
        listed hours' batches: a row slot and two registration slots each."""
        hours = proposed_sizes(self.expected(), self.interval)
        batches = len(hours) * (HOUR_S // self.interval)
        room = self.replacements_room()
        rows, registrations = -(-room // batches), -(-2 * room // batches)
        return [(r + rows, g + registrations) for r, g in hours]

    def schedule(self) -> Schedule:
        """The schedule the organiser's tools propose: ``propose`` on :meth:`expected`,
        with room for the cover replacements added (:meth:`replacements_room`) and the
        plan's cover."""
        return Schedule(
            self.interval, tuple(self._hours()), cover=Cover(self.k0, self.epsilon_milli)
        )


#: what :func:`parse_epsilon` reads: up to four ASCII digits, then a point or a comma and
#: up to three more (no sign, exponent, underscore, thousands separator or other digits)
EPSILON_PATTERN: Final = re.compile(r"\d{1,4}([.,]\d{1,3})?", re.ASCII)
#: what looks like a number with a thousands separator (``1,000``): refused, not read as one
THOUSANDS_PATTERN: Final = re.compile(r"0*[1-9]\d*,\d{3}", re.ASCII)


def parse_epsilon(text: str) -> int:
    """``ε`` as the organiser writes it (a decimal such as ``0.1``, a comma allowed) in
    thousandths, exactly: :data:`EPSILON_PATTERN`, so no more than three decimals and
    nothing a ``Decimal`` would take that a person does not mean (``1e-2``, ``1_0``; and
    ``1,000`` is refused rather than read as one or as a thousand)."""
    text = text.strip()
    if EPSILON_PATTERN.fullmatch(text) is None or THOUSANDS_PATTERN.fullmatch(text):
        raise InvalidInput(
            Text(
                "schedule.epsilon_number",
                "epsilon: enter a number such as 0.1 (at most three decimals)",
            )
        )
    return int(Decimal(text.replace(",", ".")) * 1000)


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


def ratio_text(epsilon_milli: int) -> str:
    """``e^ε`` to three decimals, trailing zeros dropped (100 is ``1.105``): how many times
    more or less likely one replacement makes the published counts (docs/coercion.md §4)."""
    return f"{math.exp(epsilon_milli / 1000):.3f}".rstrip("0").rstrip(".")
