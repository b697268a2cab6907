"""The public board: the events of an election and the rules for their order.

Every public fact of an election is an event appended to the board (a Merkle
transparency log, see :mod:`honestballot.crypto.merkle`).  :class:`BoardRules`
replays events in order and raises :class:`ProtocolError` at the first one that
breaks the election's rules.  The service runs the same replay before it appends
anything, and the verifier runs it over the whole record, so both apply one set
of rules.

Order of phases::

    setup -> credential* -> open -> (credential | ballot [superseded] | audit)*
          -> close -> tally -> decryption-share* -> result

Re-voting: a ballot from a credential that already has a counted ballot must be
followed immediately by a ``superseded`` event naming the old and the new
tracking hash; the last ballot per credential is the one counted.  A ballot
whose tracking hash is already on the board (a replay) is refused, as is one
that was audited (its randomness is public).
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
    credential: Point
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
                self.credential_unit[event.credential] = event.unit
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
                self._check_new_ballot(event.credential, event.tracking_hash)
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

    def _check_new_ballot(self, credential: Point, tracking_hash: bytes) -> None:
        if credential not in self.credential_unit:
            raise ProtocolError("ballot from a credential that is not registered")
        if tracking_hash in self.seen:
            raise ProtocolError(
                "this exact ballot is already on the board (a replay)"
                + (" and was audited" if tracking_hash in self.audited else "")
            )

    def counted(self) -> dict[Point, bytes]:
        """credential -> tracking hash of the ballot that counts (the last one cast)."""
        return dict(self.latest)
