"""The operator's private activity log, and the exports the integrity audit reads.

Every sign-in step and every cast is one row of ``activity``: when, what, for which
national ID, from which address and device; in an election with re-voting protection,
every sign-in step and each voter's first ballot only (:func:`log_first_ballot`;
docs/coercion.md §9). The log never leaves the operator: it shows
who signed in and cast again, which must stay hidden from organisers (re-voting is the
answer to a coercer, and an organiser may be one). The service runs the integrity audit
over the two CSV files written here and shows organisers its findings; the operator
writes the files with ``honestballot election activity / roll-audit`` for
``honestballot audit ROLL --activity LOG`` (docs/audit.md).

Every time written here is UTC, without an offset (the audit refuses offsets,
which it would otherwise drop silently); an organiser gives the audit's closed windows
in UTC too.

The address and the device fingerprint are signals, never identities: carriers and
offices put thousands of people behind one address, and one browser build with one
language setting is shared by many.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from contextlib import suppress
from dataclasses import dataclass
from typing import IO, Any, Final, Protocol

from honestballot.errors import InvalidInput
from honestballot.record.setup import context_from_setup
from honestballot.service.board.log import no_election, setup_body
from honestballot.service.voters.roll_csv import normalize_contact, normalize_national_id
from honestballot.store.activity import ACTIVITY_LENGTHS
from honestballot.store.sql import SqlStore, Tx
from honestballot.store.sql import log_first_ballot as _insert_first_ballot
from honestballot.store.sql import record_activity as _insert_activity

EVENTS = ("code-requested", "signed-in", "sign-in-failed", "ballot-cast")
ACTIVITY_COLUMNS = (
    "time",
    "event",
    "voter",
    "address",
    "device",
    "user_agent",
    "contact",
    "session",
    "revoting",
)
ROLL_COLUMNS = (
    "national_id",
    "name",
    "birth_date",
    "phone",
    "email",
    "unit",
    "organisation",
    "operator",
    "enrolled_at",
    "confirmed",
)
_DEVICE_TAG = b"honestballot/v1/device-fingerprint"
_EPOCH = dt.datetime(1970, 1, 1)
#: a cell starting with one of these is a formula to a spreadsheet (CSV injection)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _fit(column: str, value: str) -> str:
    length = ACTIVITY_LENGTHS.get(column)
    return value[:length] if length else value


def activity_row(
    election_id: str,
    *,
    time_ms: int,
    event: str,
    voter: str,
    address: str,
    device: str,
    user_agent: str,
    contact: str | None = None,
    session: str | None = None,
) -> dict[str, Any]:
    """One event of the log as a row of the ``activity`` table.

    ``voter`` is the national ID (as typed, for a failed sign-in), ``contact`` the phone
    or e-mail a one-time code went to; both are normalised as on the roll when they can
    be. Values longer than their column are cut.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown activity event {event!r}; expected one of {', '.join(EVENTS)}")
    if contact is not None:
        with suppress(ValueError):  # if it does not parse, kept as given
            contact = normalize_contact(contact) or None
    return {
        "election_id": election_id,
        "time_ms": time_ms,
        "event": event,
        "voter": _fit("voter", normalize_national_id(voter)),
        "address": _fit("address", address.strip()),
        "device": _fit("device", device.strip()),
        "user_agent": _fit("user_agent", user_agent.strip()),
        "contact": _fit("contact", contact) if contact is not None else None,
        "session": _fit("session", session) if session is not None else None,
    }


def record_activity(conn: Tx, row: dict[str, Any]) -> None:
    """Add one event (an :func:`activity_row`) to the log inside the caller's transaction."""
    _insert_activity(conn, row)


class Signals(Protocol):
    """What the log keeps of the other end of a request (a signal, never an identity)."""

    @property
    def address(self) -> str: ...
    @property
    def device(self) -> str: ...
    @property
    def user_agent(self) -> str: ...
    @property
    def session(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Origin:
    """:class:`Signals` given by hand, for a request that came over no network."""

    address: str = ""
    device: str = ""
    user_agent: str = ""
    session: str = ""


#: the signals of a cast made in the server's own process (the demo, the tests): none
IN_PROCESS: Final = Origin()


def log_first_ballot(
    conn: Tx, election_id: str, voter_id: int, time_ms: int, client: Signals
) -> None:
    """The voter's ``ballot-cast`` row, inside the cast's transaction, unless the log holds
    one of the voter's already: in an election with re-voting protection the log keeps
    each voter's first ballot, under whichever credential, and never a later one
    (docs/coercion.md §9).  Every cast runs the same one statement, whether or not it is
    the voter's first, and waits for no other request."""
    row = {
        "election_id": election_id,
        "time_ms": time_ms,
        "address": _fit("address", client.address.strip()),
        "device": _fit("device", client.device.strip()),
        "user_agent": _fit("user_agent", client.user_agent.strip()),
        "session": _fit("session", client.session),
    }
    _insert_first_ballot(conn, voter_id, row)


def device_fingerprint(user_agent: str, accept_language: str, extra: str = "") -> str:
    """16 hex characters that stay the same for one browser set-up: a signal, not an identity.

    Each part is length-prefixed after a domain tag, so no two different inputs hash the
    same text.
    """
    h = hashlib.sha256()
    for part in (_DEVICE_TAG, user_agent.encode(), accept_language.encode(), extra.encode()):
        h.update(len(part).to_bytes(4, "big") + part)
    return h.hexdigest()[:16]


def _utc_text(time_ms: int) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in UTC without an offset (the audit refuses offsets)."""
    return (_EPOCH + dt.timedelta(milliseconds=time_ms)).strftime("%Y-%m-%d %H:%M:%S")


def _cell(value: str | None) -> str:
    """A value safe to open in a spreadsheet: text that would start a formula gets a ``'``."""
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _require_election(store: SqlStore, conn: Tx, election_id: str) -> None:
    if store.election_row(conn, election_id) is None:
        raise InvalidInput(no_election(election_id))


def export_activity_csv(store: SqlStore, election_id: str, out: IO[str]) -> int:
    """Write the log in the audit's activity format (docs/audit.md), by time; returns rows.

    Every row's ``revoting`` says whether the election has re-voting protection
    (``yes``/``no``): the audit then restricts its findings over the sign-ins
    (docs/audit.md, "Elections with re-voting protection"; docs/coercion.md §9).  Of
    such an election each voter's first ``ballot-cast`` row only is written (the log
    holds a second only where two of the voter's casts were in flight at once)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ACTIVITY_COLUMNS)
    n = 0
    with store.connect() as conn:
        _require_election(store, conn, election_id)
        # as ElectionService.takes_revoting says: the setup names a batch schedule
        context = context_from_setup(setup_body(store, conn, election_id), check_ceremony=False)
        revoting = "yes" if context[0].revoting else "no"
        cast: set[str | None] = set()  # the voters whose first ballot is written
        for time_ms, event, *texts in store.activity_for_export(conn, election_id):
            if revoting == "yes" and event == "ballot-cast":
                if texts[0] in cast:
                    continue
                cast.add(texts[0])
            writer.writerow([_utc_text(int(time_ms)), event, *(_cell(t) for t in texts), revoting])
            n += 1
    return n


def export_roll_csv(store: SqlStore, election_id: str, out: IO[str]) -> int:
    """Write the roll in the audit's roll format (docs/audit.md), by voter id; returns rows.

    The service knows less than the audit's format has room for, and writes no invented
    facts: what it does not know stays empty, which the audit reads as "unknown" and
    counts in its report.

    - ``birth_date`` is empty: the service never receives birth dates, so the audit's
      birth-date checks pass over every row (the organiser may fill the column in from
      the membership register).
    - ``organisation`` is the voter's unit (the party branch the voter belongs to).
    - ``operator`` is empty: the service does not know who enrolled a member upstream;
      the audit never counts an empty operator towards a burst.
    - ``enrolled_at`` is empty: the service knows when the roll was imported, not when
      each member was enrolled, and one import time for everyone would put the whole
      roll inside any closed window that covers it.
    - ``confirmed`` is ``yes``: every voter is on the organiser's official roll.
    """
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ROLL_COLUMNS)
    n = 0
    with store.connect() as conn:
        _require_election(store, conn, election_id)
        rows = store.roll_for_export(conn, election_id)
        for national_id, name, phone, email, unit in rows:
            writer.writerow(
                [
                    _cell(national_id),
                    _cell(name),
                    "",
                    _cell(phone),
                    _cell(email),
                    _cell(unit),
                    _cell(unit),
                    "",
                    "",
                    "yes",
                ]
            )
            n += 1
    return n
