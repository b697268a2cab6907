"""The public board: the events of an election and the rules for their order.

Every public fact of an election is an event appended to the board (a Merkle
transparency log, see :mod:`honestballot.crypto.merkle`).  :class:`BoardRules`
replays events in order and raises :class:`ProtocolError` at the first one that
breaks the election's rules.  The service runs the same replay before it appends
anything, and the verifier runs it over the whole record, so both apply one set
of rules.

Order of phases::

    setup -> credential* -> [roll] -> open -> (credential | ballot [superseded] | audit)*
          -> close -> tally -> decryption-share* -> result

Re-voting: a ballot from a credential that already has a counted ballot must be
followed immediately by a ``superseded`` event naming the old and the new
tracking hash; the last ballot per credential is the one counted.  A ballot
whose tracking hash is already on the board (a replay) is refused, as is one
that was audited (its randomness is public).

Credential replacement: a voter who lost a credential, or whose credential was
taken by someone else, signs in again and registers a new one that *replaces*
the old.  From then on the old credential is revoked: its ballots stop counting
and it cannot cast again.  The service links old and new through its private
roll; the board shows only the two public keys.

The roll: the organiser's roll summary (voters per unit, and how many shared
phone numbers or e-mail addresses were allowed as exceptions) is posted before
opening.  Once it is on the board, no unit can ever hold more active
credentials than it has voters on the roll.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from honestballot.crypto.group import Point
from honestballot.errors import ProtocolError


class Phase(Enum):
    EMPTY = "empty"
    SETUP = "setup"
    OPEN = "open"
    CLOSED = "closed"
    TALLIED = "tallied"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class SetupEvent:
    election_id: str
    unit_ids: frozenset[str]


@dataclass(frozen=True, slots=True)
class CredentialEvent:
    credential: Point
    unit: str
    replaces: Point | None = None


@dataclass(frozen=True, slots=True)
class RollEvent:
    voters_per_unit: tuple[tuple[str, int], ...]
    contact_exceptions: int


@dataclass(frozen=True, slots=True)
class OpenEvent:
    pass


@dataclass(frozen=True, slots=True)
class BallotEvent:
    credential: Point
    tracking_hash: bytes


@dataclass(frozen=True, slots=True)
class SupersededEvent:
    old_tracking_hash: bytes
    new_tracking_hash: bytes


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """An audited ballot.  The board shows it without its credential (so that an audit
    names no voter): the service checked, before publishing, that a registered and
    active credential made it."""

    tracking_hash: bytes


@dataclass(frozen=True, slots=True)
class CloseEvent:
    pass


@dataclass(frozen=True, slots=True)
class TallyEvent:
    pass


@dataclass(frozen=True, slots=True)
class DecryptionShareEvent:
    trustee: int


@dataclass(frozen=True, slots=True)
class ResultEvent:
    pass


Event = (
    SetupEvent
    | CredentialEvent
    | RollEvent
    | OpenEvent
    | BallotEvent
    | SupersededEvent
    | AuditEvent
    | CloseEvent
    | TallyEvent
    | DecryptionShareEvent
    | ResultEvent
)


@dataclass
class BoardRules:
    """The state a replay of the board builds, and the rules each event must obey."""

    phase: Phase = Phase.EMPTY
    unit_ids: frozenset[str] = frozenset()
    credential_unit: dict[Point, str] = field(default_factory=dict)
    #: credentials replaced by a newer one: their ballots no longer count
    revoked: set[Point] = field(default_factory=set)
    #: unit -> credentials registered in it and not replaced
    active: dict[str, int] = field(default_factory=dict)
    #: unit -> voters on the roll, once the roll summary is on the board
    roll: dict[str, int] | None = None
    contact_exceptions: int = 0
    #: credential -> tracking hash of its latest ballot
    latest: dict[Point, bytes] = field(default_factory=dict)
    seen: set[bytes] = field(default_factory=set)
    audited: set[bytes] = field(default_factory=set)
    superseded: dict[bytes, bytes] = field(default_factory=dict)
    share_trustees: set[int] = field(default_factory=set)
    ballots_cast: int = 0
    #: set when the last event was a ballot that replaced an earlier one
    pending_supersede: tuple[bytes, bytes] | None = None

    def _require(self, *phases: Phase, what: str) -> None:
        if self.phase not in phases:
            raise ProtocolError(f"{what} is not allowed in phase {self.phase.value}")

    def expected_supersede(self) -> tuple[bytes, bytes] | None:
        """The (old, new) pair the next event must record, if any."""
        return self.pending_supersede

    def apply(self, event: Event) -> None:
        if self.pending_supersede is not None and not isinstance(event, SupersededEvent):
            old, new = self.pending_supersede
            raise ProtocolError(
                f"ballot {new.hex()[:16]} replaced {old.hex()[:16]} "
                "but no superseded event follows it"
            )
        match event:
            case SetupEvent():
                self._require(Phase.EMPTY, what="setup")
                self.unit_ids = event.unit_ids
                self.phase = Phase.SETUP
            case CredentialEvent():
                self._require(Phase.SETUP, Phase.OPEN, what="registering a credential")
                if event.unit not in self.unit_ids:
                    raise ProtocolError(f"credential registered in unknown unit {event.unit!r}")
                if event.credential in self.credential_unit:
                    raise ProtocolError("credential registered twice")
                if event.replaces is not None:
                    self._revoke(event.replaces, event.unit)
                self.credential_unit[event.credential] = event.unit
                self.active[event.unit] = self.active.get(event.unit, 0) + 1
                self._check_roll(event.unit)
            case RollEvent():
                self._require(Phase.SETUP, what="publishing the roll summary")
                if self.roll is not None:
                    raise ProtocolError("the roll summary is published once")
                units = [u for u, _ in event.voters_per_unit]
                if sorted(units) != sorted(self.unit_ids) or len(set(units)) != len(units):
                    raise ProtocolError("the roll summary must list every unit once")
                self.roll = dict(event.voters_per_unit)
                self.contact_exceptions = event.contact_exceptions
                for unit in self.roll:
                    self._check_roll(unit)
            case OpenEvent():
                self._require(Phase.SETUP, what="opening")
                self.phase = Phase.OPEN
            case BallotEvent():
                self._require(Phase.OPEN, what="casting a ballot")
                self._check_new_ballot(event.credential, event.tracking_hash)
                previous = self.latest.get(event.credential)
                self.latest[event.credential] = event.tracking_hash
                self.seen.add(event.tracking_hash)
                self.ballots_cast += 1
                if previous is not None:
                    self.pending_supersede = (previous, event.tracking_hash)
            case SupersededEvent():
                expected = self.pending_supersede
                got = (event.old_tracking_hash, event.new_tracking_hash)
                if expected is None:
                    raise ProtocolError("superseded event without a replacing ballot before it")
                if expected != got:
                    raise ProtocolError(
                        "superseded event names the wrong ballots: expected "
                        f"{expected[0].hex()[:16]} -> {expected[1].hex()[:16]}"
                    )
                self.superseded[event.old_tracking_hash] = event.new_tracking_hash
                self.pending_supersede = None
            case AuditEvent():
                self._require(Phase.OPEN, what="auditing a ballot")
                self._check_unseen(event.tracking_hash)
                self.seen.add(event.tracking_hash)
                self.audited.add(event.tracking_hash)
            case CloseEvent():
                self._require(Phase.OPEN, what="closing")
                self.phase = Phase.CLOSED
            case TallyEvent():
                self._require(Phase.CLOSED, what="publishing the encrypted tally")
                self.phase = Phase.TALLIED
            case DecryptionShareEvent():
                self._require(Phase.TALLIED, what="publishing a decryption share")
                if event.trustee in self.share_trustees:
                    raise ProtocolError(f"trustee {event.trustee} published two decryption shares")
                self.share_trustees.add(event.trustee)
            case ResultEvent():
                self._require(Phase.TALLIED, what="publishing the result")
                self.phase = Phase.DONE

    def _revoke(self, old: Point, unit: str) -> None:
        if old not in self.credential_unit:
            raise ProtocolError("a credential replaces one that is not registered")
        if old in self.revoked:
            raise ProtocolError("a credential replaces one that was already replaced")
        if self.credential_unit[old] != unit:
            raise ProtocolError("a replacement credential must stay in the same unit")
        self.revoked.add(old)
        self.active[unit] -= 1
        self.latest.pop(old, None)

    def active_in(self, unit: str) -> int:
        return self.active.get(unit, 0)

    def _check_roll(self, unit: str) -> None:
        if self.roll is None:
            return
        active = self.active_in(unit)
        if active > self.roll[unit]:
            raise ProtocolError(
                f"unit {unit!r} has {active} active credentials but only "
                f"{self.roll[unit]} voters on the roll"
            )

    def _check_new_ballot(self, credential: Point, tracking_hash: bytes) -> None:
        if credential not in self.credential_unit:
            raise ProtocolError("ballot from a credential that is not registered")
        if credential in self.revoked:
            raise ProtocolError("ballot from a credential that was replaced by a newer one")
        self._check_unseen(tracking_hash)

    def _check_unseen(self, tracking_hash: bytes) -> None:
        if tracking_hash in self.seen:
            raise ProtocolError(
                "this exact ballot is already on the board (a replay)"
                + (" and was audited" if tracking_hash in self.audited else "")
            )

    def counted(self) -> dict[Point, bytes]:
        """credential -> tracking hash of the ballot that counts (the last one cast by
        each credential that was not replaced)."""
        return dict(self.latest)
