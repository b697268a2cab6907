"""The audit's thresholds, in one place, each with the reason for its default.

Every number here is documented in docs/audit.md; the CLI exposes the ones an
organiser is likely to change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from honestballot.audit.findings import AuditInputError
from honestballot.errors import Text


@dataclass(frozen=True)
class ClosedWindow:
    """A period in which enrolment was suspended: ``start <= t < end``."""

    start: dt.datetime
    end: dt.datetime

    @classmethod
    def parse(cls, text: str) -> ClosedWindow:
        """``START/END`` in ISO 8601, e.g. ``2024-03-01T00:00/2024-03-15T00:00``, in the time
        zone the files are written in (UTC for the voting service's exports)."""
        try:
            start_text, end_text = text.split("/")
            start = dt.datetime.fromisoformat(start_text.strip())
            end = dt.datetime.fromisoformat(end_text.strip())
        except ValueError as exc:
            raise AuditInputError(
                Text(
                    "audit.input.closed_window_shape",
                    f"closed window {text!r}: expected START/END in ISO 8601 ({exc})",
                    window=repr(text),
                    detail=str(exc),
                )
            ) from exc
        if start.tzinfo is not None or end.tzinfo is not None:
            raise AuditInputError(
                Text(
                    "audit.input.closed_window_offset",
                    f"closed window {text!r}: use the files' time zone, without an offset",
                    window=repr(text),
                )
            )
        if end <= start:
            raise AuditInputError(
                Text(
                    "audit.input.closed_window_order",
                    f"closed window {text!r}: END must be after START",
                    window=repr(text),
                )
            )
        return cls(start, end)


@dataclass(frozen=True)
class ClusterTiers:
    """Cluster sizes (distinct voters) at which a shared key is low / medium / high."""

    low: int
    medium: int
    high: int

    def __post_init__(self) -> None:
        # One voter alone is no cluster (and the cluster tables start at two).
        if not 2 <= self.low <= self.medium <= self.high:
            raise AuditInputError(f"cluster tiers need 2 <= low <= medium <= high: {self}")


@dataclass(frozen=True)
class AuditConfig:
    closed_windows: tuple[ClosedWindow, ...] = ()
    # Birth dates: the reference day defaults to the latest enrolment in the roll.
    as_of: dt.date | None = None
    min_age: int = 16
    max_age: int = 120
    # Shared phones, e-mails, devices and code contacts are graded on the evidence, not on
    # their size alone: audit/household.py holds those rules.

    # Enrolment bursts: this many enrolments by one operator within the window.
    burst_window_minutes: int = 10
    burst_min_enrolments: int = 25
    # Pacing: enrolment sessions this long are judged against the operator's own and the
    # others' (audit/pacing.py); a session of 20 is about half an hour at a busy desk.
    pacing_min_session: int = 20
    # Regular intervals are a sign only when shorter than a desk needs to take a member's
    # form, ID and phone (a few minutes): a queue served at a desk is regular too.
    pacing_regular_max_gap: int = 150
    # Ballot bursts from one address / device / organisation.
    cast_window_minutes: int = 15
    # A brigade of six voting from its leader's flat is a burst; a family of five is not.
    cast_min_address: int = 6
    cast_min_device: int = 3
    cast_min_org: int = 20
    # Organisation waves: a 10-minute window with at least this many of one organisation's
    # first ballots is tested (audit/waves.py); family-wise error rate of the tests
    # (0.01 lost waves on a roll of a million, where the tests are fifty times as many).
    wave_min_ballots: int = 8
    alpha: float = 0.05
    # Waves dense against the organisation's own half hour count when they hold more than
    # this share of its voters (a campus's lecture breaks hold a third; an office sent to
    # vote in hourly waves, most of it).
    wave_gathered_share: float = 0.5
    # An hour holding at least this share of an organisation's voters is a wave on its own
    # (a village voting over the hour and a half after its meeting holds up to about 0.7
    # in its busiest hour; a depot's 06:00 shifts on several days, less).
    wave_hour_share: float = 0.75
    cast_min_lift: float = 5.0
    address_medium_score: float = 5.0
    # An address is the organisation's own when its voters are at least this share of all
    # voters seen there over the vote (an office network; a carrier NAT carries everyone).
    address_min_share: float = 0.5
    address_high_score: float = 20.0
    # A gathering, not a rush: a burst counts when the organisation's casts from the
    # address in the half hour before and after it are each at most this share of it
    # (a lecture break or a shift change comes amid the place's everyday use) ...
    address_quiet: float = 0.2
    # ... and when more than this share of all the organisation's first ballots from the
    # address came in such bursts (a campus or an office network in daily use carries most
    # of its organisation's ballots outside them).
    address_gathered_share: float = 0.5
    # ... or when at least this share of them came within one hour: a batch sent to vote
    # together (a depot's shift changes on three mornings stay below it).
    address_hour_share: float = 2 / 3
    # ... or a burst out of quiet of at least twice cast_min_address that is at least this
    # many times the organisation's average per 15 minutes at the address over a working
    # day (a batch sent to vote from a large office whose staff use the network all day;
    # a campus's breaks stay below 7x, a depot's shift change is a handful).
    address_big_lift: float = 10.0
    # Turnout curves: organisations with at least this many voters are compared (their
    # hours pooled into blocks that expect five ballots or more, audit/waves.py).
    curve_min_voters: int = 20
    curve_high_tvd: float = 0.5
    # The cap on records listed per finding (counts are always exact).
    max_records: int = 100_000
    # The log is of an election with re-voting protection (docs/coercion.md §9): the
    # findings over its sign-ins and code requests list a voter at most once per check,
    # without the log's line, and its malformed rows without their text (docs/audit.md,
    # "Elections with re-voting protection"). Set too when the log's ``revoting``
    # column says so.
    revoting: bool = False
