"""The voter roll of an election: import, shared-contact exceptions, the public summary.

One national ID = one voter: the only hard rule, enforced within a file, against the
voters already imported, and by a unique index. A phone number or e-mail address used
by several voters is allowed only for a contact the organiser recorded an exception for,
with a reason; how many exceptions there are goes on the public board together with the
voters per unit (the ``roll`` event, docs/record-format.md).

Reading and normalising the file is :mod:`roll_csv`. Nothing here returns a secret:
the roll holds public credentials only, never one-time codes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from honestballot.errors import InvalidInput, RollRejected, Text
from honestballot.record.manifest import manifest_from_json
from honestballot.service.clock import now_ms
from honestballot.service.voters.roll_csv import (
    RollLine,
    has_control_characters,
    normalize_contact,
    normalize_national_id,
    parse_roll,
)
from honestballot.store.sql import SqlStore, Tx

MAX_VOTERS = 2_000_000
_BATCH = 5_000


@dataclass(frozen=True, slots=True)
class VoterRow:
    """One voter as the roll stores them."""

    election_id: str
    voter_id: int
    national_id: str
    name: str
    phone: str | None
    email: str | None
    unit: str
    credential: bytes | None
    #: the organiser's label for this member of a shared contact ("mother"), if any
    label: str | None = None


# -- the roll --------------------------------------------------------------------------


class Roll:
    """The voter roll of each election in ``store``."""

    def __init__(self, store: SqlStore, clock: Callable[[], int] = now_ms) -> None:
        self.store = store
        self.clock = clock
        self._units: dict[str, tuple[str, ...]] = {}

    def _election(self, conn: Tx, election_id: str) -> tuple[str, tuple[str, ...]]:
        """The election's phase and its unit ids in manifest order."""
        row = self.store.election_row(conn, election_id)
        if row is None:
            raise InvalidInput(
                Text("election.unknown", f"no election {election_id!r}", election=election_id[:64])
            )
        units = self._units.get(election_id)
        if units is None:
            manifest = manifest_from_json(json.loads(row["manifest"]))
            units = self._units[election_id] = tuple(u.id for u in manifest.units)
        return str(row["phase"]), units

    def _in_setup(self, conn: Tx, election_id: str, what: str) -> tuple[str, ...]:
        phase, units = self._election(conn, election_id)
        if phase != "setup":
            raise InvalidInput(
                Text(
                    "roll.not_setup",
                    f"{what} is possible only in setup; the election is {phase}",
                    phase=Text(f"phase.{phase}", phase),
                )
            )
        return units

    def units(self, election_id: str) -> tuple[str, ...]:
        with self.store.connect() as conn:
            return self._election(conn, election_id)[1]

    # -- import ----------------------------------------------------------------------------

    def import_csv(self, election_id: str, data: bytes) -> int:
        """Add every voter of a CSV file, or none of them (:class:`RollRejected`)."""
        with self.store.connect() as conn:
            units = self._in_setup(conn, election_id, "importing the roll")
        rows, problems = parse_roll(data, frozenset(units), MAX_VOTERS)
        with self.store.transaction(election_id) as conn:
            self._in_setup(conn, election_id, "importing the roll")
            existing, problems_vs_roll = self._against_roll(conn, election_id, rows)
            problems += problems_vs_roll
            if problems:
                problems.sort(key=lambda p: p[0])
                raise RollRejected(
                    [
                        Text("roll.line", f"line {line}: {why}", line=line, problem=why)
                        for line, why in problems
                    ]
                )
            if existing + len(rows) > MAX_VOTERS:
                raise InvalidInput(
                    Text(
                        "roll.too_many_voters",
                        f"the roll would have more than {MAX_VOTERS:,} voters",
                        most=MAX_VOTERS,
                    )
                )
            first = self.store.max_voter_id(conn, election_id)
            keys = ("national_id", "name", "phone", "email", "unit", "label")
            for start in range(0, len(rows), _BATCH):
                batch = [
                    {"election_id": election_id, "voter_id": int(first) + start + i + 1}
                    | {k: getattr(r, k) for k in keys}
                    for i, r in enumerate(rows[start : start + _BATCH])
                ]
                self.store.insert_voters(conn, batch)
        return len(rows)

    def _against_roll(
        self, conn: Tx, election_id: str, rows: list[RollLine]
    ) -> tuple[int, list[tuple[int, str]]]:
        """Voters already on the roll, and the file's clashes with them and within itself."""
        seen_ids: dict[str, int] = {}  # national ID -> its first line, 0: already on the roll
        users: dict[str, int] = {}  # contact -> the line it is first used on, 0: on the roll
        existing = 0
        for national_id, phone, email in self.store.roll_identities(conn, election_id):
            existing += 1
            seen_ids[national_id] = 0
            for contact in (phone, email):
                if contact is not None:
                    users.setdefault(str(contact), 0)
        allowed = set(self._exception_map(conn, election_id))
        problems: list[tuple[int, str]] = []
        for row in rows:
            if row.national_id:
                first = seen_ids.setdefault(row.national_id, row.line)
                if first == 0:
                    problems.append(
                        (
                            row.line,
                            Text(
                                "roll.id_on_roll",
                                f"national ID {row.national_id} is also already on the roll",
                                id=row.national_id,
                            ),
                        )
                    )
                elif first != row.line:
                    problems.append(
                        (
                            row.line,
                            Text(
                                "roll.id_twice",
                                f"national ID {row.national_id} is also on line {first}",
                                id=row.national_id,
                                first=first,
                            ),
                        )
                    )
            for noun, contact in (("phone", row.phone), ("e-mail", row.email)):
                if contact is None:
                    continue
                first = users.setdefault(contact, row.line)
                if first == row.line or contact in allowed:
                    continue
                where = (
                    "used by a voter already on the roll" if first == 0 else f"used on line {first}"
                )
                kind = "email" if noun == "e-mail" else "phone"
                problems.append(
                    (
                        row.line,
                        Text(
                            f"roll.shared_{kind}_{'on_roll' if first == 0 else 'line'}",
                            f"{noun} {contact} is also {where}; a shared {noun} needs an "
                            "exception recorded with a reason",
                            contact=contact,
                            first=first,
                        ),
                    )
                )
        return existing, problems

    # -- shared-contact exceptions ---------------------------------------------------------

    def add_exception(self, election_id: str, contact: str, reason: str) -> str:
        """Allow several voters to share ``contact``; returns it normalised."""
        try:
            normal = normalize_contact(contact)
        except ValueError as exc:
            raise InvalidInput(  # English only: never; roll_csv raises these with a Text
                exc.args[0] if exc.args else str(exc)
            ) from exc
        if normal is None:
            raise InvalidInput(
                Text("exception.no_contact", "an exception needs a phone number or e-mail address")
            )
        why = reason.strip()
        if not 3 <= len(why) <= 500:
            raise InvalidInput(
                Text(
                    "exception.reason_length",
                    "the reason for an exception must have 3 to 500 characters",
                )
            )
        if has_control_characters(why):
            raise InvalidInput(
                Text(
                    "exception.reason_control",
                    "the reason for an exception contains control or format characters "
                    "(line breaks, tabs, NUL, invisible marks)",
                )
            )

        with self.store.transaction(election_id) as conn:
            self._in_setup(conn, election_id, "recording a contact exception")
            self.store.set_contact_exception(conn, election_id, normal, why, self.clock())
        return normal

    def _exception_map(self, conn: Tx, election_id: str) -> dict[str, str]:
        return self.store.contact_exceptions(conn, election_id)

    def exceptions(self, election_id: str) -> list[tuple[str, str]]:
        """(normalised contact, reason) of every recorded exception, by contact."""
        with self.store.connect() as conn:
            return list(self._exception_map(conn, election_id).items())

    def exception_count(self, election_id: str) -> int:
        return self.store.count_contact_exceptions(election_id)

    # -- reading ---------------------------------------------------------------------------

    def count(self, election_id: str) -> int:
        return self.store.count_voters(election_id)

    def _per_unit(self, conn: Tx, election_id: str) -> dict[str, int]:
        _, units = self._election(conn, election_id)
        counted = self.store.voters_per_unit(conn, election_id)
        return {u: counted.get(u, 0) for u in units}

    def per_unit(self, election_id: str) -> dict[str, int]:
        """Voters per unit, every unit of the manifest in its order (0 if none)."""
        with self.store.connect() as conn:
            return self._per_unit(conn, election_id)

    def summary(
        self, election_id: str, conn: Tx | None = None
    ) -> tuple[tuple[tuple[str, int], ...], int]:
        """What the public board shows of the roll: voters per unit and the exceptions.

        Pass ``conn`` to read inside the transaction that publishes the summary.
        """
        if conn is None:
            with self.store.connect() as own:
                return self.summary(election_id, own)
        per_unit = tuple(self._per_unit(conn, election_id).items())
        return per_unit, len(self._exception_map(conn, election_id))

    def summary_body(self, election_id: str, conn: Tx | None = None) -> dict[str, Any]:
        """The body of the board's ``roll`` event (docs/record-format.md)."""
        per_unit, exceptions = self.summary(election_id, conn)
        return {
            "voters_per_unit": [{"unit": u, "voters": n} for u, n in per_unit],
            "contact_exceptions": exceptions,
        }

    def voter(self, election_id: str, voter_id: int, conn: Tx | None = None) -> VoterRow | None:
        row = self.store.voter_by_id(election_id, voter_id, conn)
        return None if row is None else _voter_row(row)

    def voters(self, election_id: str, voter_ids: Iterable[int]) -> dict[int, VoterRow]:
        """Several voters by id with one query (a batch of casts); absent ids are left out."""
        wanted = sorted(set(voter_ids))
        if not wanted:
            return {}
        found = [_voter_row(row) for row in self.store.voter_rows(election_id, wanted)]
        return {v.voter_id: v for v in found}

    def voter_by_national_id(
        self, election_id: str, national_id: str, conn: Tx | None = None
    ) -> VoterRow | None:
        """The voter with this national ID (given in any of its usual spellings); with
        ``conn``, read in the caller's transaction."""
        nid = normalize_national_id(national_id)
        row = self.store.voter_by_national_id(election_id, nid, conn)
        return None if row is None else _voter_row(row)

    def phase_and_voter(
        self, conn: Tx, election_id: str, national_id: str
    ) -> tuple[str | None, VoterRow | None]:
        """The election's phase (``None``: there is no such election) and the voter with
        this national ID (``None``: not on the roll), read in the caller's transaction
        with one query."""
        nid = normalize_national_id(national_id)
        phase, row = self.store.phase_and_voter(conn, election_id, nid)
        return phase, None if row is None else _voter_row(row)


def _voter_row(row: Any) -> VoterRow:
    credential = row["credential"]
    return VoterRow(
        election_id=str(row["election_id"]),
        voter_id=int(row["voter_id"]),
        national_id=str(row["national_id"]),
        name=str(row["name"]),
        phone=row["phone"],
        email=row["email"],
        unit=str(row["unit"]),
        credential=bytes(credential) if credential is not None else None,
        label=row.get("label"),
    )
