"""The batch schedule of an election with re-voting protection (docs/coercion.md §4).

During the vote the service publishes registrations and cast rows only in **batches**,
on a schedule fixed before ``open``: a batch every ``interval`` seconds, batch ``j``
(``j = 0, 1, ...``) due ``(j + 1) * interval`` seconds after the ``open`` event, holding
exactly ``F_rows(h)`` cast rows and ``F_reg(h)`` registrations, ``h`` being the hour of
the vote in which its slot begins (``j * interval // 3600``).  ``hours`` lists
``(F_rows, F_reg)`` for the vote's hours from the first; past the list's end its last
entry holds.  Real items wait in a first-in, first-out queue; each batch takes as many
as it can and the service fills the rest with cover (protocol/cover.py), so a batch's
size is a function of time alone.

The board's rule (``board.schedule``): batches come in index order from 0, each no
earlier than it is due, each of exactly its sizes; and the ``close`` comes only after
every batch due by its time.  A batch may be late (a service that was down posts the
batches it missed when it is back, each of its own size), never early: a batch posted
early could be sized by what is in the queue.

The schedule also fixes its **cover**'s public parameters (docs/coercion.md §4): the
service makes ``K = K0 + Z`` cover replacements, ``Z`` two-sided geometric with parameter
``ε`` (``Pr[Z = z] ∝ e^(−ε|z|)``).  ``ε`` is kept in thousandths (``epsilon_milli``): the
record holds no floats.  ``K0`` must fit the schedule's listed hours: each cover
replacement takes at least one row slot and two registration slots, so ``K0`` is at most
the listed hours' row slots, at most half their registration slots, and at most
:data:`MAX_K0`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from honestballot.errors import ProtocolError

DEFAULT_INTERVAL_S: Final = 60
MIN_INTERVAL_S: Final = 10
MAX_INTERVAL_S: Final = 3600
#: the longest schedule: a vote of 31 days, hour by hour
MAX_HOURS: Final = 31 * 24
#: the most rows or registrations in one batch (the batch must also fit in one record
#: line: the service checks that for the election's ballots when it makes the setup)
MAX_BATCH_ITEMS: Final = 5000
HOUR_S: Final = 3600
#: the cover replacements' defaults in the organiser's tools: ``K0 = 300``, ``ε = 0.1``
#: (docs/coercion.md §4); ``Cover`` and ``Schedule`` have none
DEFAULT_K0: Final = 300
DEFAULT_EPSILON_MILLI: Final = 100
#: the bounds of ``ε`` in thousandths (0.01 to 1,000): a smaller ``ε`` draws a ``K`` too
#: large to post (its noise's standard deviation is about 1.4 / ε)
MIN_EPSILON_MILLI: Final = 10
MAX_EPSILON_MILLI: Final = 1_000_000
#: the largest ``ε`` (in thousandths: 1) the organiser's tools accept.  Above it the noise
#: hides next to nothing: at ``ε = 1`` a ``Z`` of 0 is drawn with probability about 0.46,
#: and at ``ε = 1,000`` always, so ``K = K0`` and the close's counts say how many voters
#: replaced a credential.  The setup itself takes up to :data:`MAX_EPSILON_MILLI` (tests
#: and the demo use a huge ``ε`` for exact counts), and the pages and ``verify`` say so.
MAX_HIDING_EPSILON_MILLI: Final = 1000
MAX_K0: Final = 100_000


@dataclass(frozen=True, slots=True)
class Cover:
    """The cover replacements' public parameters: ``K0`` and ``ε`` in thousandths."""

    k0: int
    epsilon_milli: int

    def __post_init__(self) -> None:
        if type(self.k0) is not int or not 0 <= self.k0 <= MAX_K0:
            raise ProtocolError(f"the cover's K0 is 0 to {MAX_K0}, not {self.k0!r}")
        if type(self.epsilon_milli) is not int or not (
            MIN_EPSILON_MILLI <= self.epsilon_milli <= MAX_EPSILON_MILLI
        ):
            raise ProtocolError(
                f"the cover's epsilon is {MIN_EPSILON_MILLI} to {MAX_EPSILON_MILLI} "
                f"thousandths, not {self.epsilon_milli!r}"
            )

    @property
    def epsilon(self) -> float:
        return self.epsilon_milli / 1000

    @property
    def hides(self) -> bool:
        """Whether ``ε`` is at most :data:`MAX_HIDING_EPSILON_MILLI` (1): the noise keeps the
        number of replacements hidden, each one moving the counts' likelihood by at most
        :meth:`ratio`."""
        return self.epsilon_milli <= MAX_HIDING_EPSILON_MILLI

    def ratio(self) -> float:
        """``e^ε``: how many times more or less likely any one replacement makes the
        published counts (docs/coercion.md §4)."""
        return math.exp(self.epsilon)


@dataclass(frozen=True, slots=True)
class Schedule:
    """``interval`` seconds between batches; ``hours[h] = (F_rows, F_reg)``; ``cover``
    the cover replacements' ``K0`` and ``ε``."""

    interval: int
    hours: tuple[tuple[int, int], ...]
    cover: Cover = field(kw_only=True)

    def __post_init__(self) -> None:
        if not MIN_INTERVAL_S <= self.interval <= MAX_INTERVAL_S:
            raise ProtocolError(
                f"a batch interval is {MIN_INTERVAL_S} to {MAX_INTERVAL_S} seconds, "
                f"not {self.interval}"
            )
        if HOUR_S % self.interval:
            raise ProtocolError(
                f"a batch interval divides the hour ({HOUR_S} s), so that every batch lies in "
                f"one hour; {self.interval} s does not"
            )
        if not 1 <= len(self.hours) <= MAX_HOURS:
            raise ProtocolError(f"a schedule lists 1 to {MAX_HOURS} hours, not {len(self.hours)}")
        for h, (rows, registrations) in enumerate(self.hours):
            # at least one of each: the close empties the queue in batches of the
            # schedule's sizes, which must have room for what waits (service/board/batches.py)
            if not (1 <= rows <= MAX_BATCH_ITEMS and 1 <= registrations <= MAX_BATCH_ITEMS):
                raise ProtocolError(
                    f"hour {h} of the schedule: a batch holds 1 to {MAX_BATCH_ITEMS} rows and "
                    f"as many registrations, not {rows} and {registrations}"
                )
        slots = self.slots_per_hour()
        row_slots = slots * sum(rows for rows, _ in self.hours)
        registration_slots = slots * sum(regs for _, regs in self.hours)
        if self.cover.k0 > min(row_slots, registration_slots // 2):
            raise ProtocolError(
                f"the cover's K0 ({self.cover.k0}) does not fit the schedule's listed hours: "
                f"each cover replacement takes a row slot and two registration slots, and "
                f"they hold {row_slots} and {registration_slots}"
            )

    def due_ms(self, open_ms: int, index: int) -> int:
        """When batch ``index`` is due: ``(index + 1) * interval`` after the ``open``."""
        if index < 0:
            raise ValueError("a batch's index is not negative")
        return open_ms + (index + 1) * self.interval * 1000

    def sizes(self, index: int) -> tuple[int, int]:
        """``(F_rows, F_reg)`` of batch ``index``: those of the hour its slot begins in."""
        if index < 0:
            raise ValueError("a batch's index is not negative")
        hour = index * self.interval // HOUR_S
        return self.hours[min(hour, len(self.hours) - 1)]

    def due_by(self, open_ms: int, time_ms: int) -> int:
        """How many batches are due by ``time_ms`` (a close at that time needs them all)."""
        if time_ms < open_ms:
            return 0
        return (time_ms - open_ms) // (self.interval * 1000)

    def slots_per_hour(self) -> int:
        return HOUR_S // self.interval


def check_batch(
    schedule: Schedule, open_ms: int, index: int, time_ms: int, rows: int, registrations: int
) -> None:
    """``board.schedule`` for one batch, given how many came before it (``index`` must be
    that count): not before it is due, and of exactly its sizes."""
    due = schedule.due_ms(open_ms, index)
    if time_ms < due:
        raise ProtocolError(
            f"batch {index} is due at {due} ms, after the time it carries ({time_ms} ms)"
        )
    want = schedule.sizes(index)
    if (rows, registrations) != want:
        raise ProtocolError(
            f"batch {index} holds {rows} rows and {registrations} registrations; the "
            f"schedule says {want[0]} and {want[1]}"
        )


def check_close(schedule: Schedule, open_ms: int, close_ms: int, batches: int) -> None:
    """The ``close`` comes after every batch due by its time."""
    due = schedule.due_by(open_ms, close_ms)
    if batches < due:
        raise ProtocolError(
            f"the close at {close_ms} ms comes after {batches} batches; {due} were due by then"
        )


def propose(
    expected_peak_per_hour: Sequence[tuple[int, int]], interval: int, cover: Cover
) -> Schedule:
    """The schedule the organiser's tool proposes from the expected peak rates of each
    hour (ballots and registrations an hour): room for twice each, per batch, rounded up,
    and at least one of each."""
    return Schedule(interval, proposed_sizes(expected_peak_per_hour, interval), cover=cover)


def proposed_sizes(
    expected_peak_per_hour: Sequence[tuple[int, int]], interval: int
) -> tuple[tuple[int, int], ...]:
    """:func:`propose`'s batch sizes, unchecked (a plan checks them in the organiser's
    language before it makes the schedule)."""
    per_hour = HOUR_S // interval
    return tuple(
        (max(1, -(-2 * ballots // per_hour)), max(1, -(-2 * registrations // per_hour)))
        for ballots, registrations in expected_peak_per_hour
    )
