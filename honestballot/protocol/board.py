"""The public board's rulebook: its events and the rules each one must obey.

Every public fact of an election is an event appended to the board (a Merkle
transparency log, see :mod:`honestballot.crypto.merkle`).  The rules are written once,
here, as pure functions over a small read-only view of the board so far
(:class:`BoardView`): the ``check_*`` functions raise at the first rule an event breaks
and change nothing.  :class:`BoardRules` is the board held in memory; its
:meth:`~BoardRules.apply` checks an event with those functions, then records it.

Both sides call the same functions.  The verifier replays the whole record through one
:class:`BoardRules`; the voting service, before every append, loads a
:class:`BoardRules` holding just what the operation at hand touches (its credentials,
units, tracking hashes and ciphertexts, read from its store under the election's lock)
and applies the events it is about to write.  What the service refuses on private state
(sessions, the roll's rows, rate limits) is not here.

Order of phases::

    setup -> credential* -> [roll-part* roll] -> open -> (credential | ballot [superseded])*
          -> audit* -> close -> (mix-part | mix)* -> tally -> (share-part | decryption-share)*
          -> result

    station* in setup and open (protocol/stations.py), each unit's numbered 1, 2, ...
    paper* in open and closed, before the close's first trustee object, each unit's
        numbered 1, 2, ..., each after the first naming the digest of the unit's one
        before (protocol/paper.py), none after a unit's final one; the close's first
        trustee object only once every paper station's last one is final, or PAPER_HOURS
        after the close (the paper deadline)

Mixes (protocol/mix.py): after the close, each contest counted by mixing is shuffled by
trustees in turn, positions 1, 2, ... with no trustee twice per contest; a mix is
published as ``mix-part`` events and the ``mix`` that names them, each at the contest's
next position; the parts, proofs and the trustees' signatures are checked by
:mod:`honestballot.protocol.mix_parts`, and
the tally needs at least ``k`` mixers per such contest
(:func:`honestballot.protocol.mix.check_chain_complete`).

Re-voting: a ballot from a credential that already has a counted ballot must be
followed immediately by a ``superseded`` event naming the old and the new tracking
hash; the last ballot per credential is the one counted.  A ballot whose tracking hash
is already on the board (a replay) is refused; the service answers its credential's own
ballot sent again with the original receipt instead (:func:`is_resent`) and appends
nothing.

Audits: an audited ballot is opened, so its randomness is public.  No ballot cast on the
board may share a ciphertext (an ``alpha = r·B``) with an audited one, in either order,
nor may two audits.  Audits appear on the board only as one block right before
``close``, in increasing tracking-hash order, each with the close's time: an audit
placed when it was made would sit next to the ballot its voter cast a moment later.

Credential replacement: a voter who lost a credential, or whose credential was taken by
someone else, signs in again and registers a new one that *replaces* the old.  From then
on the old credential is revoked: its ballots stop counting and it cannot cast again,
nor register again.  The service links old and new through its private roll; the board
shows only the two public keys.

The encrypted roll (re-voting protection, protocol/encrypted_roll.py): its rows go on
the board in ``roll-part`` events, in row order, before the ``roll`` event, which must
name exactly those parts, in order, and hold as many rows as the summary has voters.  No
``roll-part`` may follow the ``roll``, and a ``roll`` without ``encrypted`` may follow
none.

The roll: the organiser's roll summary (voters per unit, and how many shared phone
numbers or e-mail addresses were allowed as exceptions) is posted before opening.  Once
it is on the board, no unit can ever hold more active credentials than it has voters on
the roll.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Final, NoReturn, Protocol

from honestballot.crypto.group import Point
from honestballot.crypto.schnorr import SchnorrProof
from honestballot.errors import BallotRejected, InvalidShare, ProtocolError, Text
from honestballot.protocol.paper import verify_paper_signature
from honestballot.protocol.schedule import Schedule, check_batch
from honestballot.protocol.schedule import check_close as check_schedule_close


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
    #: the setup's batch schedule: the one mark of an election with re-voting protection
    #: (docs/coercion.md §4), which has an encrypted roll and takes no credentials or
    #: ballots version 1
    schedule: Schedule | None = None

    @property
    def revoting(self) -> bool:
        return self.schedule is not None


@dataclass(frozen=True, slots=True)
class CredentialEvent:
    credential: Point
    unit: str
    replaces: Point | None = None


@dataclass(frozen=True, slots=True)
class RollEvent:
    voters_per_unit: tuple[tuple[str, int], ...]
    contact_exceptions: int
    #: with an encrypted roll: (its rows, the digests of its parts, in order)
    encrypted: tuple[int, tuple[bytes, ...]] | None = None


@dataclass(frozen=True, slots=True)
class RollPartEvent:
    """Rows ``offset`` … ``offset + rows - 1`` of the encrypted roll (the check
    ``roll.encrypted`` verifies their proofs; the board, their place)."""

    offset: int
    rows: int
    digest: bytes


@dataclass(frozen=True, slots=True)
class OpenEvent:
    #: the open's time: batch ``j`` is due ``(j + 1)·interval`` after it
    time_ms: int = 0


@dataclass(frozen=True, slots=True)
class BatchEvent:
    """Batch ``index`` of an election with re-voting protection (protocol/schedule.py):
    exactly ``rows`` ``cast-row`` and ``registrations`` ``registration`` events follow it,
    in any order, each with its time."""

    index: int
    time_ms: int
    rows: int
    registrations: int


@dataclass(frozen=True, slots=True)
class RegistrationEvent:
    """A registration in a batch (its proofs: the check ``registrations.proofs``)."""

    tracking_hash: bytes
    nonce: bytes
    #: the alphas of its ciphertexts (protocol/registration.py, ``registration_alphas``)
    alphas: frozenset[bytes]
    time_ms: int


@dataclass(frozen=True, slots=True)
class CastRowEvent:
    """A cast row in a batch (its proofs: the check ``rows.proofs``)."""

    #: its ballot's tracking hash
    tracking_hash: bytes
    #: the alphas of its ballot's ciphertexts and of its counter (not the flag's identity)
    alphas: frozenset[bytes]
    time_ms: int


@dataclass(frozen=True, slots=True)
class PaddingEvent:
    """The padding the service posts right after the close (docs/coercion.md §5.3, A0;
    its rows' proofs: the check ``rows.proofs``)."""

    cover_rows: int
    rows: int


@dataclass(frozen=True, slots=True)
class PendingBatch:
    """A batch whose items are still coming: its index and time, and how many cast rows
    and registrations are still to come."""

    index: int
    time_ms: int
    rows: int
    registrations: int


@dataclass(frozen=True, slots=True)
class BallotEvent:
    credential: Point
    tracking_hash: bytes
    #: the alphas of its ciphertexts (:func:`honestballot.protocol.ballot.alphas`)
    alphas: frozenset[bytes]


@dataclass(frozen=True, slots=True)
class SupersededEvent:
    old_tracking_hash: bytes
    new_tracking_hash: bytes


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """An audited ballot.  The board shows it without its credential (so that an audit
    names no voter): the service checked, before holding it, that a registered and
    active credential made it (:func:`check_audit_credential`)."""

    tracking_hash: bytes
    alphas: frozenset[bytes]
    time_ms: int
    #: 1: a ballot's spoiled form; 2: a whole ballot version 2 (re-voting protection)
    version: int = 1


@dataclass(frozen=True, slots=True)
class CloseEvent:
    time_ms: int


@dataclass(frozen=True, slots=True)
class CloseObjectEvent:
    """A trustee's ``close-part`` or ``close-step`` (docs/coercion.md §5; record/close.py
    checks its shape and signature, protocol/close_a.py its place among the steps and its
    proofs; the board, that it follows the padding of an election with re-voting
    protection)."""

    kind: str
    #: the trustee of a part or step; 0 for a ``close-round`` (the service's)
    trustee: int = 0
    #: its time on the board, when known (the record's replay): a trustee's object is
    #: then checked against the paper deadline (:func:`check_paper_deadline`; the service
    #: calls that function itself with the time it will append at)
    time_ms: int | None = None


@dataclass(frozen=True, slots=True)
class MixEvent:
    """A trustee's shuffle of a mixed contest's rows (protocol/mix.py checks its proof
    and signature; the board checks its place in the chain)."""

    contest: str
    position: int
    trustee: int


@dataclass(frozen=True, slots=True)
class StationEvent:
    """A unit's polling station and commission (protocol/stations.py checks the
    commission's proof; the board, when a station may be published or changed)."""

    unit: str
    paper: bool
    commission_key: Point
    #: the station's signed ``sequence``: one more than the unit's ``station`` events before
    sequence: int


@dataclass(frozen=True, slots=True)
class PaperEvent:
    """A paper station's results (protocol/paper.py checks its arithmetic and proofs;
    the board, where it may stand and that its station's commission signed it): the unit,
    and the signature with what it signs (``digest``, under the election's ``base_hash``)."""

    unit: str
    #: the upload's signed ``sequence``: one more than the unit's ``paper`` events before
    sequence: int
    #: the upload's signed ``previous``: the digest of the unit's last ``paper`` event
    #: (None for the first)
    previous: bytes | None
    base_hash: bytes
    digest: bytes
    signature: SchnorrProof
    #: the upload's signed ``final``: the unit's last upload (the board takes no more)
    final: bool = False


@dataclass(frozen=True, slots=True)
class MixPartEvent:
    """Rows ``offset .. offset + rows - 1`` of a trustee's shuffle, part ``index``, before
    the ``mix`` that names them (protocol/mix_parts.py checks its shape and signature;
    the board, its place)."""

    contest: str
    position: int
    trustee: int
    index: int
    offset: int
    rows: int


#: how many times a trustee may begin parts of a mix of one contest, at any positions: an
#: upload cut off with the trustee's mix file lost, or a position another trustee took
#: first, leaves a run that no ``mix`` will name, and the trustee must shuffle again; the
#: bound keeps what such runs cost every verifier to a few times the mix's own rows per
#: trustee and contest
MAX_MIX_RUNS: Final = 3


@dataclass(frozen=True, slots=True)
class MixProgress:
    """What a trustee's ``mix-part`` events of one contest cover so far: how many runs it
    began (each with a part 0), and the current run's position, parts and the row after
    its last part."""

    runs: int
    position: int
    parts: int
    end: int

    def after(self, ev: MixPartEvent) -> MixProgress:
        if ev.index == 0:
            return MixProgress(self.runs + 1, ev.position, 1, ev.rows)
        return MixProgress(self.runs, self.position, self.parts + 1, ev.offset + ev.rows)


NO_MIX_PARTS: Final = MixProgress(0, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class TallyEvent:
    pass


@dataclass(frozen=True, slots=True)
class SharePartEvent:
    """Shares of rows ``offset .. offset + rows - 1`` of a mixed contest, part ``index``
    of its trustee's share, before the ``decryption-share`` that names them
    (protocol/share_parts.py checks everything else about it)."""

    trustee: int
    index: int
    contest: str
    offset: int
    rows: int


@dataclass(frozen=True, slots=True)
class ShareProgress:
    """What a trustee's ``share-part`` events on the board cover so far: how many, the
    last one's contest and the row after it, and every contest they hold."""

    parts: int
    contest: str
    end: int
    contests: frozenset[str]

    def after(self, ev: SharePartEvent) -> ShareProgress:
        return ShareProgress(
            self.parts + 1, ev.contest, ev.offset + ev.rows, self.contests | {ev.contest}
        )


NO_SHARE_PARTS: Final = ShareProgress(0, "", 0, frozenset())


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
    | RollPartEvent
    | OpenEvent
    | BatchEvent
    | RegistrationEvent
    | CastRowEvent
    | PaddingEvent
    | BallotEvent
    | SupersededEvent
    | AuditEvent
    | CloseEvent
    | StationEvent
    | PaperEvent
    | MixPartEvent
    | MixEvent
    | CloseObjectEvent
    | TallyEvent
    | SharePartEvent
    | DecryptionShareEvent
    | ResultEvent
)

#: event kind → (what it does, in messages; the phases it may happen in)
_PHASES: dict[str, tuple[str, tuple[Phase, ...]]] = {
    "setup": ("setup", (Phase.EMPTY,)),
    "credential": ("registering a credential", (Phase.SETUP, Phase.OPEN)),
    "roll": ("publishing the roll summary", (Phase.SETUP,)),
    "roll-part": ("publishing the encrypted roll", (Phase.SETUP,)),
    "station": ("publishing a polling station", (Phase.SETUP, Phase.OPEN)),
    "paper": ("publishing a station's paper results", (Phase.OPEN, Phase.CLOSED)),
    "open": ("opening", (Phase.SETUP,)),
    "ballot": ("casting a ballot", (Phase.OPEN,)),
    "batch": ("publishing a batch", (Phase.OPEN,)),
    "registration": ("publishing a registration", (Phase.OPEN,)),
    "cast-row": ("publishing a cast row", (Phase.OPEN,)),
    "padding": ("publishing the padding", (Phase.CLOSED,)),
    "audit": ("auditing a ballot", (Phase.OPEN,)),
    "close": ("closing", (Phase.OPEN,)),
    "close-round": ("opening a round of the close", (Phase.CLOSED,)),
    "close-part": ("publishing a step of the close", (Phase.CLOSED,)),
    "close-step": ("publishing a step of the close", (Phase.CLOSED,)),
    "mix-part": ("mixing a contest's ballots", (Phase.CLOSED,)),
    "mix": ("mixing a contest's ballots", (Phase.CLOSED,)),
    "tally": ("publishing the encrypted tally", (Phase.CLOSED,)),
    "share-part": ("publishing a decryption share", (Phase.TALLIED,)),
    "decryption-share": ("publishing a decryption share", (Phase.TALLIED,)),
    "result": ("publishing the result", (Phase.TALLIED, Phase.CLOSED)),
}

_KIND: dict[type, str] = {
    SetupEvent: "setup",
    CredentialEvent: "credential",
    RollEvent: "roll",
    RollPartEvent: "roll-part",
    OpenEvent: "open",
    BatchEvent: "batch",
    RegistrationEvent: "registration",
    CastRowEvent: "cast-row",
    PaddingEvent: "padding",
    BallotEvent: "ballot",
    SupersededEvent: "superseded",
    AuditEvent: "audit",
    CloseEvent: "close",
    StationEvent: "station",
    PaperEvent: "paper",
    MixPartEvent: "mix-part",
    MixEvent: "mix",
    CloseObjectEvent: "close-step",
    TallyEvent: "tally",
    SharePartEvent: "share-part",
    DecryptionShareEvent: "decryption-share",
    ResultEvent: "result",
}

NOT_REGISTERED = Text(
    "board.not_registered", "the ballot's credential is not registered in this election"
)
CAST_AUDITED = Text("board.cast_audited", "this ballot was already audited and cannot be cast")
CAST_AUDITED_ALPHAS = Text(
    "board.cast_audited_alphas",
    "this ballot was already audited (or reuses an audited ballot's ciphertexts, whose "
    "randomness is public) and cannot be cast",
)
REPLACED = Text(
    "board.replaced", "the ballot's credential was replaced by a newer one and can no longer vote"
)


@dataclass(frozen=True, slots=True)
class Registered:
    """A credential on the board."""

    unit: str
    revoked: bool


class BoardView(Protocol):
    """What the rules read of the board so far (for the keys an event names)."""

    @property
    def phase(self) -> Phase: ...

    @property
    def unit_ids(self) -> frozenset[str]: ...

    @property
    def revoting(self) -> bool:
        """Whether the setup names a batch schedule (re-voting protection)."""
        ...

    @property
    def roll(self) -> Mapping[str, int] | None:
        """unit → voters on the roll, once the roll summary is on the board."""
        ...

    @property
    def pending_supersede(self) -> tuple[bytes, bytes] | None:
        """(old, new): the last event was a ballot replacing ``old``; the next event must
        be the ``superseded`` that says so."""
        ...

    @property
    def audit_block(self) -> tuple[bytes, int] | None:
        """Once the audits before the close have begun: the last one's tracking hash and
        the block's time."""
        ...

    @property
    def roll_parts(self) -> Sequence[tuple[int, bytes]]:
        """(rows, digest) of every ``roll-part`` so far, in order."""
        ...

    def registered(self, credential: Point) -> Registered | None: ...

    def mixers(self, contest: str) -> Sequence[int]:
        """The trustees who mixed ``contest`` so far, by position."""
        ...

    def mix_progress(self, contest: str, trustee: int) -> MixProgress:
        """What the trustee's ``mix-part`` events of this contest cover."""
        ...

    def station(self, unit: str) -> tuple[Point, bool] | None:
        """The commission key and paper voting of ``unit``'s station, if published."""
        ...

    def station_sent(self, unit: str) -> int:
        """How many ``station`` events of ``unit`` are on the board."""
        ...

    def active_in(self, unit: str) -> int:
        """Credentials registered in ``unit`` and not replaced."""
        ...

    @property
    def close_begun(self) -> bool:
        """Whether a trustee's object of the close (``close-part`` or ``close-step``) is
        on the board."""
        ...

    @property
    def close_ms(self) -> int | None:
        """The ``close`` event's time, once it is on the board."""
        ...

    def paper_sent(self, unit: str) -> int:
        """How many ``paper`` events of ``unit`` are on the board."""
        ...

    def paper_last(self, unit: str) -> bytes | None:
        """The digest of ``unit``'s last ``paper`` event on the board, if any."""
        ...

    def paper_final(self, unit: str) -> bool:
        """Whether ``unit``'s last ``paper`` event on the board is declared final."""
        ...

    def paper_waiting(self) -> tuple[str, ...]:
        """The units whose station has paper voting and whose last ``paper`` event is not
        final (or which have none yet), sorted: what the close waits for until the paper
        deadline."""
        ...

    def latest(self, credential: Point) -> bytes | None:
        """The tracking hash of the credential's latest ballot, while it is not replaced."""
        ...

    def entry_kind(self, tracking_hash: bytes) -> str | None:
        """``"ballot"`` or ``"audit"`` for a tracking hash on the board, else None."""
        ...

    def audited_any(self, alphas: frozenset[bytes]) -> bool:
        """Whether an audited ballot has any of these ciphertext alphas."""
        ...

    def cast_any(self, alphas: frozenset[bytes]) -> bool:
        """Whether a ballot cast on the board has any of these ciphertext alphas."""
        ...

    def has_share(self, trustee: int) -> bool: ...

    def share_progress(self, trustee: int) -> ShareProgress:
        """What the trustee's ``share-part`` events so far cover."""
        ...

    # -- batches (re-voting protection) ------------------------------------------------------

    @property
    def schedule(self) -> Schedule | None:
        """The setup's batch schedule (None without re-voting protection)."""
        ...

    @property
    def open_ms(self) -> int:
        """The ``open`` event's time."""
        ...

    @property
    def batches(self) -> int:
        """How many batches are on the board (the next one's index)."""
        ...

    @property
    def pending_batch(self) -> PendingBatch | None:
        """The last batch, while some of its items are still to come."""
        ...

    @property
    def closing_ms(self) -> int | None:
        """Once a batch came before it was due: the time it carries, which is the close's
        (only the close's block may post a batch early, to empty the queue)."""
        ...

    def nonce_used(self, nonce: bytes) -> bool:
        """Whether a registration on the board has this nonce."""
        ...

    @property
    def padded(self) -> bool:
        """Whether the padding is on the board."""
        ...

    def registered_any(self, alphas: frozenset[bytes]) -> bool:
        """Whether a registration on the board has any of these ciphertext alphas."""
        ...


# -- the rules ---------------------------------------------------------------------------


def check_phase(view: BoardView, kind: str) -> None:
    """An event of ``kind`` may be appended in the board's present phase."""
    _, phases = _PHASES[kind]
    if view.phase not in phases:
        _not_now(view, kind)


def _not_now(view: BoardView, kind: str) -> NoReturn:
    what, _ = _PHASES[kind]
    raise ProtocolError(
        Text(
            "board.not_now",
            f"{what} is not allowed in phase {view.phase.value}",
            what=Text(f"board.action.{kind}", what),
            phase=Text(f"phase.{view.phase.value}", view.phase.value),
        )
    )


_BATCH_ITEMS: Final = ("registration", "cast-row")
#: what may follow a batch posted before it was due (the close's block)
_CLOSING: Final = ("batch", *_BATCH_ITEMS, "audit", "close")


def check_sequence(view: BoardView, kind: str) -> None:
    """What may follow the last event: only ``superseded`` after a ballot that replaced
    another; only its items while a batch is incomplete, and items only then; only
    batches, their items, audits and ``close`` once a batch came early (the close's
    block); and only audits or ``close`` once the audits before the close began."""
    pending = view.pending_batch
    if pending is not None and kind not in _BATCH_ITEMS:
        raise ProtocolError(  # English only: the service posts a batch in one transaction
            f"a {kind} event follows batch {pending.index} before its {pending.rows} more "
            f"cast rows and {pending.registrations} more registrations"
        )
    if pending is None and kind in _BATCH_ITEMS:
        raise ProtocolError(  # English only: the service posts these only in batches
            f"a {kind} event outside a batch: registrations and cast rows go on the board "
            "only as the items of a batch"
        )
    if view.revoting and view.phase is Phase.CLOSED and not view.padded and kind != "padding":
        raise ProtocolError(  # English only: the service posts the padding with the close
            f"a {kind} event follows the close before the padding: the padding comes first"
        )
    if view.closing_ms is not None and kind not in _CLOSING:
        raise ProtocolError(  # English only: the service closes right after such a batch
            f"a {kind} event follows a batch posted before it was due: only the close's "
            "block (batches, audits, the close) may do that"
        )
    if view.pending_supersede is not None and kind != "superseded":
        old, new = view.pending_supersede
        raise ProtocolError(  # English only: the service appends the superseded event itself
            f"ballot {new.hex()[:16]} replaced {old.hex()[:16]} but no superseded event follows it"
        )
    if view.audit_block is not None and kind not in ("audit", "close"):
        raise ProtocolError(  # English only: the service closes right after the audits
            f"a {kind} event follows an audit: audits appear only in one block right before "
            "the close"
        )


def _version_1(view: BoardView, kind: str) -> None:
    """An election with re-voting protection takes no ``credential`` or ``ballot``."""
    if view.revoting:
        raise ProtocolError(  # English only: the service never posts one there
            f"a {kind} event in an election with re-voting protection (its setup names a "
            "batch schedule), which takes registrations and ballots version 2 only"
        )


def check_credential(view: BoardView, ev: CredentialEvent) -> None:
    check_phase(view, "credential")
    _version_1(view, "credential")
    if ev.unit not in view.unit_ids:
        raise ProtocolError(Text("board.unit_unknown", f"unknown unit {ev.unit!r}", unit=ev.unit))
    if ev.credential.is_identity():
        raise ProtocolError(
            Text("board.credential_identity", "a credential cannot be the identity")
        )
    if view.registered(ev.credential) is not None:
        # replaced credentials included: a revoked credential never comes back
        raise ProtocolError(
            Text("board.credential_registered", "this credential is already registered")
        )
    if ev.replaces is not None:
        old = view.registered(ev.replaces)
        if old is None or old.revoked:
            raise ProtocolError(
                Text("board.replaces_inactive", "the credential to replace is not an active one")
            )
        if old.unit != ev.unit:
            raise ProtocolError(
                Text(
                    "board.replaces_other_unit",
                    "a replacement credential must stay in the same unit",
                )
            )
    elif view.roll is not None and view.active_in(ev.unit) >= view.roll[ev.unit]:
        message = (
            f"unit {ev.unit!r} already has as many active credentials as voters on its roll "
            f"({view.roll[ev.unit]})"
        )
        raise ProtocolError(
            Text("board.unit_full", message, unit=ev.unit, voters=view.roll[ev.unit])
        )


def check_roll(view: BoardView, ev: RollEvent) -> None:
    check_phase(view, "roll")
    if view.roll is not None:
        raise ProtocolError(  # English only: the service publishes it once, when opening
            "the roll summary is published once"
        )
    units = [u for u, _ in ev.voters_per_unit]
    if sorted(units) != sorted(view.unit_ids) or len(set(units)) != len(units):
        raise ProtocolError(  # English only: the service writes the summary from the roll
            "the roll summary must list every unit once"
        )
    parts = view.roll_parts
    if view.revoting and ev.encrypted is None:
        raise ProtocolError(  # English only: the service refuses to open without it
            "an election with re-voting protection (its setup names a batch schedule) opens "
            "with an encrypted roll, and this roll names none"
        )
    if ev.encrypted is not None and not view.revoting:
        raise ProtocolError(  # English only: the service refuses the upload
            "an encrypted roll in an election without re-voting protection (its setup names "
            "no batch schedule)"
        )
    if ev.encrypted is None:
        if parts:
            raise ProtocolError(  # English only: the service posts the roll itself, at open
                "roll parts are on the board but the roll names none"
            )
    else:
        rows, digests = ev.encrypted
        if tuple(d for _, d in parts) != digests:
            raise ProtocolError(  # English only: the service posts the roll itself, at open
                f"the roll names {len(digests)} parts that are not exactly the {len(parts)} "
                "roll parts on the board, in order"
            )
        voters = sum(n for _, n in ev.voters_per_unit)
        if rows != sum(n for n, _ in parts) or rows != voters:
            raise ProtocolError(  # English only: the service posts the roll itself, at open
                f"the encrypted roll has {sum(n for n, _ in parts)} rows (the roll says {rows}) "
                f"but the summary {voters} voters"
            )
    for unit, voters in ev.voters_per_unit:
        active = view.active_in(unit)
        if active > voters:
            message = (
                f"unit {unit!r} has {active} active credentials but only {voters} voters "
                "on the roll"
            )
            raise ProtocolError(
                Text("board.unit_over", message, unit=unit, active=active, voters=voters)
            )


def check_roll_part(view: BoardView, ev: RollPartEvent) -> None:
    check_phase(view, "roll-part")
    if not view.revoting:
        raise ProtocolError(  # English only: the service refuses the upload
            "a roll part in an election without re-voting protection (its setup names no "
            "batch schedule)"
        )
    if view.roll is not None:
        raise ProtocolError("a roll part after the roll")  # English only: posted by the service
    posted = sum(n for n, _ in view.roll_parts)
    if ev.offset != posted:
        raise ProtocolError(  # English only: the service posts the roll itself, at open
            f"the next roll part starts at row {posted}, not {ev.offset}"
        )


def check_station(view: BoardView, ev: StationEvent) -> None:
    """A ``station`` event: in the setup or open phase, for a unit of the election, with a
    commission key that is not the identity, numbered one more than the unit's station
    events before it; once open, only a correction that keeps the key and paper voting."""
    check_phase(view, "station")
    if ev.unit not in view.unit_ids:
        raise ProtocolError(Text("board.unit_unknown", f"unknown unit {ev.unit!r}", unit=ev.unit))
    if ev.commission_key.is_identity():
        raise ProtocolError(
            Text("board.commission_key_identity", "a commission key cannot be the identity")
        )
    expected = view.station_sent(ev.unit) + 1
    if ev.sequence != expected:
        # an older signed station posted again (its key, paper voting or details replaced
        # since), or one signed for a later place
        message = (
            f"the station of unit {ev.unit!r} is numbered {ev.sequence}, but it would be the "
            f"unit's station event number {expected}: sign it again with --sequence {expected}"
        )
        raise ProtocolError(
            Text("station.sequence", message, unit=ev.unit, sequence=ev.sequence, expected=expected)
        )
    if view.phase is not Phase.OPEN:
        return
    before = view.station(ev.unit)
    if before is None:
        message = (
            f"unit {ev.unit!r} has no polling station from before the election opened: "
            "stations are published before the vote"
        )
        raise ProtocolError(Text("station.late", message, unit=ev.unit))
    if before != (ev.commission_key, ev.paper):
        message = (
            f"the polling station of unit {ev.unit!r} keeps the commission key and the paper "
            "voting it had when the election opened"
        )
        raise ProtocolError(Text("station.frozen", message, unit=ev.unit))


#: the close's objects after which paper results can no longer be changed: a trustee's
#: first object begins the close (the ``close-round`` the service posts with the padding
#: does not: the stations count their paper ballots after voting has closed)
CLOSE_BEGINS: Final = ("close-part", "close-step")


def check_paper(view: BoardView, ev: PaperEvent) -> None:
    """A ``paper`` event: while voting is open or closed, in an election with re-voting
    protection, for a unit whose station has paper voting, before the close has begun,
    not after the unit's final one, numbered after the unit's last and naming its digest,
    and signed with that station's commission key."""
    check_phase(view, "paper")
    if not view.revoting:
        message = "paper results are taken only in an election with re-voting protection"
        raise ProtocolError(Text("paper.revoting", message))
    if ev.unit not in view.unit_ids:
        raise ProtocolError(Text("board.unit_unknown", f"unknown unit {ev.unit!r}", unit=ev.unit))
    station = view.station(ev.unit)
    if station is None or not station[1]:
        message = f"unit {ev.unit!r} has no polling station with paper voting"
        raise ProtocolError(Text("paper.no_station", message, unit=ev.unit))
    if view.close_begun:
        message = "the close has begun: paper results can no longer be changed"
        raise ProtocolError(Text("paper.close_begun", message))
    if view.paper_final(ev.unit):
        message = (
            f"the commission of unit {ev.unit!r} has declared its paper results final: the "
            "board takes no more uploads of the unit"
        )
        raise ProtocolError(Text("paper.final", message, unit=ev.unit))
    expected = view.paper_sent(ev.unit) + 1
    if ev.sequence != expected:
        message = (
            f"the paper results of unit {ev.unit!r} numbered {ev.sequence}: the board takes "
            f"number {expected} next (an old upload cannot be sent again)"
        )
        raise ProtocolError(
            Text("paper.sequence", message, unit=ev.unit, sequence=ev.sequence, expected=expected)
        )
    if ev.sequence > MAX_PAPER_UPLOADS:
        message = (
            f"unit {ev.unit!r} has sent its paper results {MAX_PAPER_UPLOADS} times: the board "
            "takes no more corrections"
        )
        raise ProtocolError(Text("paper.too_many", message, unit=ev.unit, most=MAX_PAPER_UPLOADS))
    last = view.paper_last(ev.unit)
    if ev.previous != last:
        if last is None:
            message = (
                f"the paper results of unit {ev.unit!r} numbered 1 are the unit's first: they "
                "correct no earlier upload"
            )
            raise ProtocolError(Text("paper.previous_first", message, unit=ev.unit))
        message = (
            f"the paper results of unit {ev.unit!r} numbered {ev.sequence} do not name the "
            f"unit's upload {ev.sequence - 1} on the board as the one they correct"
        )
        raise ProtocolError(
            Text(
                "paper.previous", message, unit=ev.unit, sequence=ev.sequence,
                before=ev.sequence - 1,
            )
        )  # fmt: skip
    verify_paper_signature(ev.base_hash, station[0], ev.digest, ev.signature, ev.unit)


#: the most ``paper`` events a unit may send (its first results and corrections): each one
#: is read by every verifier
MAX_PAPER_UPLOADS: Final = 20
#: how long after the ``close`` the close may begin without every paper station's results
#: declared final (a station whose last results are not final then counts with them)
PAPER_HOURS: Final = 24
PAPER_DEADLINE_MS: Final = PAPER_HOURS * 3_600_000


def paper_deadline_passed(view: BoardView, time_ms: int) -> bool:
    """Whether the close may begin at ``time_ms``: every paper station's last results
    are declared final, or :data:`PAPER_HOURS` have passed since the ``close`` event."""
    if not view.paper_waiting():
        return True
    close_ms = view.close_ms
    return close_ms is not None and time_ms >= close_ms + PAPER_DEADLINE_MS


def check_paper_deadline(view: BoardView, time_ms: int) -> None:
    """A trustee's first object of the close (``close-part``, ``close-step``) at
    ``time_ms``: refused while a paper station has no results declared final and
    :data:`PAPER_HOURS` have not passed since the ``close`` (the paper deadline).  The
    close's service calls this before it appends a trustee's object, with the time it
    appends at; the record's replay, with each object's time."""
    if view.close_begun or paper_deadline_passed(view, time_ms):
        return
    waiting = view.paper_waiting()
    message = (
        f"the close begins once every polling station with paper voting has declared its "
        f"results final, or {PAPER_HOURS} hours after voting closed; still waiting for "
        f"{', '.join(waiting)}"
    )
    raise ProtocolError(
        Text("paper.deadline", message, hours=PAPER_HOURS, units=", ".join(waiting))
    )


def check_voter(view: BoardView, credential: Point) -> None:
    """The credential is registered and not replaced."""
    found = view.registered(credential)
    if found is None:
        raise BallotRejected(NOT_REGISTERED)
    if found.revoked:
        raise BallotRejected(REPLACED)


def check_ballot(view: BoardView, ev: BallotEvent) -> None:
    check_phase(view, "ballot")
    _version_1(view, "ballot")
    check_voter(view, ev.credential)
    if view.audited_any(ev.alphas):
        raise BallotRejected(CAST_AUDITED_ALPHAS)
    kind = view.entry_kind(ev.tracking_hash)
    if kind == "audit":
        raise BallotRejected(CAST_AUDITED)
    if kind is not None:
        raise BallotRejected(
            Text(
                "board.cast_replay",
                "this ballot is already on the board (a replay) and cannot be cast",
            )
            if view.latest(ev.credential) == ev.tracking_hash
            else Text(
                "board.cast_replaced",
                "this ballot was already cast and replaced and cannot be cast again",
            )
        )


def is_resent(view: BoardView, ev: BallotEvent) -> bool:
    """Whether ``ev`` is a ballot its credential cast already, sent again: its tracking
    hash (which binds the credential) is on the board as a ballot, whether or not it is
    still the credential's latest, and the credential is registered and not replaced.
    The service answers such a ballot with its original receipt and appends nothing (a
    retry whose answer was lost); :func:`check_ballot` would refuse it as a replay, which
    the board never holds."""
    if view.entry_kind(ev.tracking_hash) != "ballot":
        return False
    found = view.registered(ev.credential)
    return found is not None and not found.revoked


def _counted_by_the_close(view: BoardView, kind: str) -> None:
    """An election with re-voting protection is counted by its close (docs/coercion.md
    §5): it takes no ``mix``, ``mix-part`` or ``tally`` (so no shares either)."""
    if view.revoting:
        raise ProtocolError(  # English only: the service never posts one there
            f"a {kind} event in an election with re-voting protection, which its close "
            "counts (close-step events) and whose result the service posts when the close "
            "is done"
        )


def check_result(view: BoardView) -> None:
    """The result follows the tally and its shares, or, with re-voting protection, the
    close's last step (the board is closed and padded)."""
    check_phase(view, "result")
    if view.phase is not (Phase.CLOSED if view.revoting else Phase.TALLIED) or (
        view.revoting and not view.padded
    ):
        _not_now(view, "result")


def _revoting_only(view: BoardView, kind: str) -> Schedule:
    schedule = view.schedule
    if schedule is None:
        raise ProtocolError(  # English only: the service never posts one there
            f"a {kind} event in an election without re-voting protection (its setup names "
            "no batch schedule)"
        )
    return schedule


def check_batch_event(view: BoardView, ev: BatchEvent) -> None:
    """``board.schedule``: batches in index order from 0, each of exactly its sizes and
    no earlier than it is due, unless it is the close's block, which may post batches
    early to empty the queue (every event of that block, the close too, then carries
    the block's time)."""
    check_phase(view, "batch")
    schedule = _revoting_only(view, "batch")
    if ev.index != view.batches:
        raise ProtocolError(  # English only: the service numbers its batches
            f"batch {ev.index} comes after {view.batches} batches; the next is {view.batches}"
        )
    closing = view.closing_ms
    if closing is not None and ev.time_ms != closing:
        raise ProtocolError(  # English only: the service posts the close's block at once
            f"batch {ev.index} is in the close's block but carries {ev.time_ms} ms, not the "
            f"block's {closing} ms"
        )
    # a batch before it is due begins the close's block (BoardRules.apply); its sizes are
    # the schedule's all the same
    due = schedule.due_ms(view.open_ms, ev.index)
    check_batch(schedule, view.open_ms, ev.index, max(ev.time_ms, due), ev.rows, ev.registrations)


def _batch_item(view: BoardView, kind: str, time_ms: int) -> PendingBatch:
    check_phase(view, kind)
    _revoting_only(view, kind)
    pending = view.pending_batch
    assert pending is not None  # check_sequence refused an item outside a batch
    left = pending.rows if kind == "cast-row" else pending.registrations
    if left == 0:
        what = "cast rows" if kind == "cast-row" else "registrations"
        raise ProtocolError(  # English only: the service posts a batch in one transaction
            f"batch {pending.index} holds more {what} than it says"
        )
    if time_ms != pending.time_ms:
        raise ProtocolError(  # English only: the service posts a batch in one transaction
            f"a {kind} event of batch {pending.index} carries {time_ms} ms, not the batch's "
            f"{pending.time_ms} ms"
        )
    return pending


def _unique_alphas(view: BoardView, alphas: frozenset[bytes], what: str) -> None:
    """Rule 3 of docs/coercion.md §3: a ciphertext's ``alpha`` is on the board once."""
    if view.registered_any(alphas) or view.cast_any(alphas) or view.audited_any(alphas):
        raise ProtocolError(  # English only: the service checked it when it took the object
            f"{what} repeats a ciphertext's alpha that is already on the board (reused "
            "randomness or a copied ciphertext)"
        )


def check_registration_event(view: BoardView, ev: RegistrationEvent) -> None:
    """A registration: an item of the batch, with a nonce and alphas of its own."""
    _batch_item(view, "registration", ev.time_ms)
    if view.nonce_used(ev.nonce):
        raise ProtocolError(  # English only: the service uses each nonce once
            "a registration repeats another registration's nonce"
        )
    _unique_alphas(view, ev.alphas, "a registration")


def check_cast_row(view: BoardView, ev: CastRowEvent) -> None:
    """A cast row: an item of the batch; at most one per ballot tracking hash (rule 2),
    no ciphertext shared with an audit (rule 1) or with anything else (rule 3)."""
    _batch_item(view, "cast-row", ev.time_ms)
    kind = view.entry_kind(ev.tracking_hash)
    if kind == "audit":
        raise BallotRejected(CAST_AUDITED)
    if kind is not None:
        raise ProtocolError(  # English only: the service takes a ballot once
            "a cast row repeats a ballot that already has a cast row on the board"
        )
    if view.audited_any(ev.alphas):
        raise BallotRejected(CAST_AUDITED_ALPHAS)
    _unique_alphas(view, ev.alphas, "a cast row")


def check_padding(view: BoardView, ev: PaddingEvent) -> None:
    """The padding: once, right after the close, in an election with re-voting
    protection; it states at most as many cover rows as the board holds cast rows."""
    check_phase(view, "padding")
    _revoting_only(view, "padding")
    if view.padded:
        raise ProtocolError(  # English only: the service posts one padding
            "a second padding: the service posts one, right after the close"
        )


def check_superseded(view: BoardView, ev: SupersededEvent) -> None:
    expected = view.pending_supersede
    if expected is None:
        raise ProtocolError(  # English only: the service appends the superseded event itself
            "superseded event without a replacing ballot before it"
        )
    if expected != (ev.old_tracking_hash, ev.new_tracking_hash):
        raise ProtocolError(  # English only: the service appends the superseded event itself
            "superseded event names the wrong ballots: expected "
            f"{expected[0].hex()[:16]} -> {expected[1].hex()[:16]}"
        )


def check_audit_credential(view: BoardView, credential: Point) -> None:
    """The service's check of an audited ballot's credential (registered, not replaced).
    The board shows audits without their credential, so a verifier cannot repeat it."""
    check_voter(view, credential)


def check_audit(view: BoardView, ev: AuditEvent) -> None:
    check_phase(view, "audit")
    if ev.version != (2 if view.revoting else 1):
        raise ProtocolError(  # English only: the service audits each election's own ballots
            f"an audit of a ballot version {ev.version} in an election "
            + ("with" if view.revoting else "without")
            + " re-voting protection"
        )
    block = view.audit_block
    if block is not None:
        last, time_ms = block
        if ev.tracking_hash <= last:
            raise ProtocolError(  # English only: the service writes the audits when closing
                "the audits before the close are not in increasing tracking-hash order"
            )
        if ev.time_ms != time_ms:
            raise ProtocolError(  # English only: the service writes the audits when closing
                "the audits before the close do not all carry the close's time"
            )
    kind = view.entry_kind(ev.tracking_hash)
    if kind == "audit":
        raise BallotRejected(Text("board.audit_again", "this ballot was already audited"))
    if kind is not None:
        raise BallotRejected(
            Text("board.audit_cast", "this ballot is already on the board and cannot be audited")
        )
    if view.audited_any(ev.alphas):
        raise BallotRejected(
            Text(
                "board.audit_audited_alphas",
                "this ballot reuses the ciphertexts of an audited ballot and cannot be audited "
                "again",
            )
        )
    if view.cast_any(ev.alphas):
        raise BallotRejected(
            Text(
                "board.audit_cast_alphas",
                "this ballot reuses the ciphertexts of a ballot cast on the board and cannot be "
                "audited (its opening would publish that ballot's choices)",
            )
        )
    if view.registered_any(ev.alphas):
        raise ProtocolError(  # English only: the service checked it when it took the audit
            "an audit repeats a ciphertext's alpha that is already on the board (reused "
            "randomness or a copied ciphertext)"
        )
    closing = view.closing_ms
    if closing is not None and ev.time_ms != closing:
        raise ProtocolError(  # English only: the service writes the audits when closing
            "the audits before the close do not carry the time of the close's block"
        )


def check_close(view: BoardView, ev: CloseEvent) -> None:
    check_phase(view, "close")
    block = view.audit_block
    if block is not None and block[1] != ev.time_ms:
        raise ProtocolError(  # English only: the service writes the audits when closing
            "the audits before the close do not carry the close's time"
        )
    schedule = view.schedule
    if schedule is not None:
        closing = view.closing_ms
        if closing is not None and ev.time_ms != closing:
            raise ProtocolError(  # English only: the service closes right after the block
                f"the close carries {ev.time_ms} ms, not the time of its block ({closing} ms)"
            )
        check_schedule_close(schedule, view.open_ms, ev.time_ms, view.batches)


def check_mix_place(view: BoardView, ev: MixEvent | MixPartEvent) -> None:
    check_phase(view, "mix-part" if isinstance(ev, MixPartEvent) else "mix")
    earlier = view.mixers(ev.contest)
    if ev.position != len(earlier) + 1:
        message = (
            f"contest {ev.contest!r}: the next mix is at position {len(earlier) + 1}, "
            f"not {ev.position}"
        )
        raise ProtocolError(
            Text(
                "board.mix_position",
                message,
                contest=ev.contest,
                next=len(earlier) + 1,
                position=ev.position,
            )
        )
    if ev.trustee in earlier:
        message = f"trustee {ev.trustee} has already mixed contest {ev.contest!r}"
        raise ProtocolError(
            Text("board.mixed_already", message, trustee=ev.trustee, contest=ev.contest)
        )
    if isinstance(ev, MixPartEvent):
        check_mix_part_order(view.mix_progress(ev.contest, ev.trustee), ev)


def check_mix_part_order(done: MixProgress, ev: MixPartEvent) -> None:
    """Rule 9 for parts: a trustee's parts of one contest follow on from its parts before
    them (part 0 at row 0 begins a run, at most :data:`MAX_MIX_RUNS` times per trustee and
    contest, whatever the positions; part ``i + 1`` starts at the row after part ``i`` of
    the same run, at its position), so that no run covers a row twice and a trustee cannot
    make verifiers check parts without end."""
    if ev.index == 0:
        follows = ev.offset == 0 and done.runs < MAX_MIX_RUNS
    else:
        follows = (
            done.runs > 0
            and ev.position == done.position
            and ev.index == done.parts
            and ev.offset == done.end
        )
    if follows:
        return
    if not done.runs:
        expected = "part 0 from row 0"
    else:
        expected = f"part {done.parts} of mix {done.position} from row {done.end}"
        expected += (
            f" (its {MAX_MIX_RUNS} runs are used)"
            if done.runs >= MAX_MIX_RUNS
            else ", or part 0 from row 0"
        )
    message = (
        f"trustee {ev.trustee}'s next part of contest {ev.contest!r} is {expected}; this is "
        f"part {ev.index} of mix {ev.position} from row {ev.offset}"
    )
    raise ProtocolError(
        Text(
            "board.mix_part_order",
            message,
            trustee=ev.trustee,
            position=ev.position,
            contest=ev.contest,
            index=ev.index,
            offset=ev.offset,
        )
    )


def check_share(view: BoardView, ev: DecryptionShareEvent) -> None:
    check_phase(view, "decryption-share")
    if view.has_share(ev.trustee):
        raise InvalidShare(
            Text(
                "board.share_already",
                f"trustee {ev.trustee} has already published a share",
                trustee=ev.trustee,
            )
        )


def check_share_part(view: BoardView, ev: SharePartEvent) -> None:
    """Rule 7 for parts: none after the trustee's share, and each one follows on from the
    trustee's parts before it (part 0 at row 0; then the next rows of the same contest,
    or row 0 of a contest none of its parts holds), so that a trustee's parts cover
    every mixed row at most once, whatever it sends."""
    check_phase(view, "share-part")
    if view.has_share(ev.trustee):
        message = (
            f"trustee {ev.trustee} has already published its decryption share: no part of "
            "it may follow"
        )
        raise ProtocolError(Text("board.share_part_after_share", message, trustee=ev.trustee))
    done = view.share_progress(ev.trustee)
    if done.parts and ev.contest == done.contest:
        follows = ev.offset == done.end
    else:
        follows = ev.offset == 0 and ev.contest not in done.contests
    if ev.index != done.parts or not follows:
        where = (
            f"row {done.end} of contest {done.contest!r} or row 0 of a contest its parts do "
            "not hold yet"
            if done.parts
            else "row 0 of a mixed contest"
        )
        message = (
            f"trustee {ev.trustee}'s next decryption share part is part {done.parts}, from "
            f"{where}; this is part {ev.index}, from row {ev.offset} of contest "
            f"{ev.contest!r}"
        )
        raise ProtocolError(
            Text(
                "board.share_part_order",
                message,
                trustee=ev.trustee,
                next=done.parts,
                index=ev.index,
                contest=ev.contest,
                offset=ev.offset,
            )
        )


def check_event(view: BoardView, event: Event) -> None:
    """Every rule ``event`` must obey, given the board so far."""
    kind = event.kind if isinstance(event, CloseObjectEvent) else _KIND[type(event)]
    check_sequence(view, kind)
    match event:
        case CredentialEvent():
            check_credential(view, event)
        case RollEvent():
            check_roll(view, event)
        case RollPartEvent():
            check_roll_part(view, event)
        case StationEvent():
            check_station(view, event)
        case PaperEvent():
            check_paper(view, event)
        case BallotEvent():
            check_ballot(view, event)
        case BatchEvent():
            check_batch_event(view, event)
        case RegistrationEvent():
            check_registration_event(view, event)
        case CastRowEvent():
            check_cast_row(view, event)
        case PaddingEvent():
            check_padding(view, event)
        case SupersededEvent():
            check_superseded(view, event)
        case AuditEvent():
            check_audit(view, event)
        case CloseEvent():
            check_close(view, event)
        case MixEvent() | MixPartEvent():
            _counted_by_the_close(view, kind)
            check_mix_place(view, event)
        case TallyEvent():
            _counted_by_the_close(view, kind)
            check_phase(view, kind)
        case ResultEvent():
            check_result(view)
        case OpenEvent():
            check_phase(view, kind)
            if view.revoting and view.roll is None:
                raise ProtocolError(  # English only: the service opens it only with its roll
                    "an election with re-voting protection opens only after its encrypted roll"
                )
        case CloseObjectEvent():
            check_phase(view, event.kind)
            _revoting_only(view, event.kind)
            if event.kind in CLOSE_BEGINS and event.time_ms is not None:
                check_paper_deadline(view, event.time_ms)
        case DecryptionShareEvent():
            check_share(view, event)
        case SharePartEvent():
            check_share_part(view, event)
        case _:
            check_phase(view, kind)


# -- the board in memory -----------------------------------------------------------------


_NEXT_PHASE = {
    "setup": Phase.SETUP,
    "open": Phase.OPEN,
    "close": Phase.CLOSED,
    "tally": Phase.TALLIED,
    "result": Phase.DONE,
}


@dataclass
class BoardRules:
    """The board held in memory: a :class:`BoardView` that :meth:`apply` extends.

    The verifier starts from an empty one and replays the whole record; the service
    fills one with what its store holds for the keys of one operation (the maps below
    need hold only those keys), then applies the events it is about to append."""

    phase: Phase = Phase.EMPTY
    unit_ids: frozenset[str] = frozenset()
    schedule: Schedule | None = None
    open_ms: int = 0
    batches: int = 0
    pending_batch: PendingBatch | None = None
    closing_ms: int | None = None
    nonces: set[bytes] = field(default_factory=set)
    registration_alphas: set[bytes] = field(default_factory=set)
    registrations: int = 0
    rows: int = 0
    padded: bool = False
    credential_unit: dict[Point, str] = field(default_factory=dict)
    #: credentials replaced by a newer one: their ballots no longer count
    revoked: set[Point] = field(default_factory=set)
    #: unit -> credentials registered in it and not replaced
    active: dict[str, int] = field(default_factory=dict)
    roll: dict[str, int] | None = None
    contact_exceptions: int = 0
    #: credential -> tracking hash of its latest ballot (replaced credentials left out)
    latest_ballot: dict[Point, bytes] = field(default_factory=dict)
    #: tracking hash -> "ballot" or "audit", for every entry with one
    entries: dict[bytes, str] = field(default_factory=dict)
    audited_alphas: set[bytes] = field(default_factory=set)
    cast_alphas: set[bytes] = field(default_factory=set)
    superseded: dict[bytes, bytes] = field(default_factory=dict)
    share_trustees: set[int] = field(default_factory=set)
    #: trustee -> what its ``share-part`` events cover so far
    share_parts: dict[int, ShareProgress] = field(default_factory=dict)
    #: contest -> the trustees who mixed it, by position
    mix_chains: dict[str, list[int]] = field(default_factory=dict)
    #: (contest, trustee) -> what its ``mix-part`` events cover so far
    mix_parts: dict[tuple[str, int], MixProgress] = field(default_factory=dict)
    #: unit -> its station's (commission key, paper voting), as last published
    stations: dict[str, tuple[Point, bool]] = field(default_factory=dict)
    #: unit -> how many ``station`` events it has on the board
    station_events: dict[str, int] = field(default_factory=dict)
    #: (rows, digest) of each roll part, in order
    roll_parts: list[tuple[int, bytes]] = field(default_factory=list)
    #: whether a trustee's object of the close is on the board (:data:`CLOSE_BEGINS`)
    close_begun: bool = False
    #: the ``close`` event's time
    close_ms: int | None = None
    #: unit -> how many ``paper`` events it has on the board
    paper_events: dict[str, int] = field(default_factory=dict)
    #: unit -> the digest of its last ``paper`` event
    paper_digests: dict[str, bytes] = field(default_factory=dict)
    #: the units whose last ``paper`` event is declared final
    paper_finals: set[str] = field(default_factory=set)
    ballots_cast: int = 0
    audits: int = 0
    pending_supersede: tuple[bytes, bytes] | None = None
    audit_block: tuple[bytes, int] | None = None

    # -- the view --------------------------------------------------------------------------

    @property
    def revoting(self) -> bool:
        return self.schedule is not None

    def nonce_used(self, nonce: bytes) -> bool:
        return nonce in self.nonces

    def registered_any(self, alphas: frozenset[bytes]) -> bool:
        return not self.registration_alphas.isdisjoint(alphas)

    def registered(self, credential: Point) -> Registered | None:
        unit = self.credential_unit.get(credential)
        return None if unit is None else Registered(unit, credential in self.revoked)

    def active_in(self, unit: str) -> int:
        return self.active.get(unit, 0)

    def latest(self, credential: Point) -> bytes | None:
        return self.latest_ballot.get(credential)

    def entry_kind(self, tracking_hash: bytes) -> str | None:
        return self.entries.get(tracking_hash)

    def audited_any(self, alphas: frozenset[bytes]) -> bool:
        return not self.audited_alphas.isdisjoint(alphas)

    def cast_any(self, alphas: frozenset[bytes]) -> bool:
        return not self.cast_alphas.isdisjoint(alphas)

    def has_share(self, trustee: int) -> bool:
        return trustee in self.share_trustees

    def share_progress(self, trustee: int) -> ShareProgress:
        return self.share_parts.get(trustee, NO_SHARE_PARTS)

    def mixers(self, contest: str) -> Sequence[int]:
        return self.mix_chains.get(contest, [])

    def mix_progress(self, contest: str, trustee: int) -> MixProgress:
        return self.mix_parts.get((contest, trustee), NO_MIX_PARTS)

    def station(self, unit: str) -> tuple[Point, bool] | None:
        return self.stations.get(unit)

    def station_sent(self, unit: str) -> int:
        return self.station_events.get(unit, 0)

    def paper_sent(self, unit: str) -> int:
        return self.paper_events.get(unit, 0)

    def paper_last(self, unit: str) -> bytes | None:
        return self.paper_digests.get(unit)

    def paper_final(self, unit: str) -> bool:
        return unit in self.paper_finals

    def paper_waiting(self) -> tuple[str, ...]:
        return tuple(
            sorted(
                unit
                for unit, (_, paper) in self.stations.items()
                if paper and unit not in self.paper_finals
            )
        )

    # -- extending it ----------------------------------------------------------------------

    def check(self, event: Event) -> None:
        """Raise if ``event`` may not come next; change nothing."""
        check_event(self, event)

    def apply(self, event: Event) -> None:
        """Check ``event`` against the rules, then record it."""
        check_event(self, event)
        match event:
            case SetupEvent():
                self.unit_ids = event.unit_ids
                self.schedule = event.schedule
            case OpenEvent():
                self.open_ms = event.time_ms
            case BatchEvent():
                s = self.schedule
                if s is not None and event.time_ms < s.due_ms(self.open_ms, event.index):
                    # early: the close's block begins (check_batch_event)
                    self.closing_ms = event.time_ms
                self.batches += 1
                self.pending_batch = self._pending(
                    PendingBatch(event.index, event.time_ms, event.rows, event.registrations)
                )
            case RegistrationEvent():
                self.nonces.add(event.nonce)
                self.registration_alphas |= event.alphas
                self.registrations += 1
                self.pending_batch = self._item(registrations=1)
            case PaddingEvent():
                self.padded = True
            case CastRowEvent():
                self.entries[event.tracking_hash] = "cast-row"
                self.cast_alphas |= event.alphas
                self.rows += 1
                self.pending_batch = self._item(rows=1)
            case CredentialEvent():
                if event.replaces is not None:
                    self.revoked.add(event.replaces)
                    self.active[event.unit] -= 1
                    self.latest_ballot.pop(event.replaces, None)
                self.credential_unit[event.credential] = event.unit
                self.active[event.unit] = self.active.get(event.unit, 0) + 1
            case RollEvent():
                self.roll = dict(event.voters_per_unit)
                self.contact_exceptions = event.contact_exceptions
            case RollPartEvent():
                self.roll_parts.append((event.rows, event.digest))
            case StationEvent():
                self.stations[event.unit] = (event.commission_key, event.paper)
                self.station_events[event.unit] = self.station_sent(event.unit) + 1
            case PaperEvent():
                self.paper_events[event.unit] = self.paper_sent(event.unit) + 1
                self.paper_digests[event.unit] = event.digest
                if event.final:
                    self.paper_finals.add(event.unit)
            case BallotEvent():
                previous = self.latest_ballot.get(event.credential)
                self.latest_ballot[event.credential] = event.tracking_hash
                self.entries[event.tracking_hash] = "ballot"
                self.cast_alphas |= event.alphas
                self.ballots_cast += 1
                if previous is not None:
                    self.pending_supersede = (previous, event.tracking_hash)
            case SupersededEvent():
                self.superseded[event.old_tracking_hash] = event.new_tracking_hash
                self.pending_supersede = None
            case AuditEvent():
                self.entries[event.tracking_hash] = "audit"
                self.audited_alphas |= event.alphas
                self.audits += 1
                self.audit_block = (event.tracking_hash, event.time_ms)
            case CloseEvent():
                self.close_ms = event.time_ms
                self.audit_block = None
                self.closing_ms = None  # the close ends its block
            case MixEvent():
                self.mix_chains.setdefault(event.contest, []).append(event.trustee)
            case MixPartEvent():
                place = (event.contest, event.trustee)
                self.mix_parts[place] = self.mix_progress(*place).after(event)
            case DecryptionShareEvent():
                self.share_trustees.add(event.trustee)
            case SharePartEvent():
                self.share_parts[event.trustee] = self.share_progress(event.trustee).after(event)
            case CloseObjectEvent() if event.kind in CLOSE_BEGINS:
                self.close_begun = True
            case _:
                pass
        self.phase = _NEXT_PHASE.get(_KIND[type(event)], self.phase)

    @staticmethod
    def _pending(batch: PendingBatch) -> PendingBatch | None:
        return batch if batch.rows or batch.registrations else None

    def _item(self, *, rows: int = 0, registrations: int = 0) -> PendingBatch | None:
        b = self.pending_batch
        assert b is not None  # the rules refused an item outside a batch
        return self._pending(
            PendingBatch(b.index, b.time_ms, b.rows - rows, b.registrations - registrations)
        )

    def counted(self) -> dict[Point, bytes]:
        """credential -> tracking hash of the ballot that counts (the last one cast by
        each credential that was not replaced)."""
        return dict(self.latest_ballot)
