"""Election use cases: create, register credentials, open, cast, audit, close.

Each use case checks its input completely *before* it opens a write transaction
(parsing, proofs, signatures), then re-checks the election's state under the
election's row lock and appends events.  Nothing invalid is ever stored: a
failed check raises before the transaction, and a failure inside the
transaction rolls it back.  A cast returns its receipt only after the commit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from honestballot.crypto.group import Point, base_mul
from honestballot.crypto.merkle import leaf_hash
from honestballot.crypto.randomness import Randomness, random_nonzero_scalar
from honestballot.crypto.schnorr import SchnorrProof
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.errors import InvalidInput, InvalidProof, ProtocolError, Text
from honestballot.protocol.ballot import (
    BallotOpening,
    EncryptedBallot,
    alphas,
    check_opening,
    verify_ballot,
)
from honestballot.protocol.board import (
    AuditEvent,
    BallotEvent,
    BoardRules,
    CloseEvent,
    CredentialEvent,
    OpenEvent,
    Phase,
    RollEvent,
    RollPartEvent,
    SetupEvent,
    StationEvent,
    SupersededEvent,
    check_audit_credential,
    check_phase,
    is_resent,
)
from honestballot.protocol.close_a import ROUND_DEADLINE_MS
from honestballot.protocol.dkg_verify import ElectionKey, verify_election_key
from honestballot.protocol.election import ElectionContext, manifest_hash
from honestballot.protocol.manifest import Manifest
from honestballot.protocol.schedule import Schedule
from honestballot.protocol.stations import (
    SALT_BYTES,
    Station,
    StationDetails,
    check_station_signature,
    details_hash,
    verify_commission_key,
)
from honestballot.protocol.verifier_key import prove_verifier_key
from honestballot.protocol.witnesses import (
    BoardKeys,
    Witness,
    check_roll_signature,
    default_quorum,
)
from honestballot.record.ballot import (
    ballot_to_json,
    load_ballot,
    opening_to_json,
    spoiled_from_json,
    spoiled_to_json,
)
from honestballot.record.codec import JsonObject, canonical_bytes, parse_json
from honestballot.record.events import MAX_LINE_BYTES, EventLine, event_line
from honestballot.record.manifest import manifest_to_json
from honestballot.record.roll import encrypted_from_json, part_shape
from honestballot.record.roll import part_digest as roll_part_digest
from honestballot.record.setup import (
    CEREMONY_OTHER_ELECTION,
    CEREMONY_OTHER_MANIFEST,
    context_from_setup,
    election_key_hash,
)
from honestballot.record.stations import (
    commission_key_from_json,
    details_from_json,
    details_to_json,
    signed_station_from_json,
    station_from_json,
    station_message,
    station_to_json,
)
from honestballot.record.trustee import (
    encode_election_key,
)
from honestballot.record.witness import (
    board_keys_to_json,
    roll_summary_bytes,
    signature_to_json,
)
from honestballot.record.witness import (
    roll_signature as roll_signature_of,
)
from honestballot.service.board.log import BoardLog, no_election, setup_body
from honestballot.service.clock import now_ms
from honestballot.store.sql import BatchView, KeyConflict, RowBuffer, SqlStore, StorageError, Tx

if TYPE_CHECKING:
    from honestballot.service.board.batches import BatchPoster

NOT_REVOTING = Text(
    "revoting.not_revoting",
    "this election has no re-voting protection: register a credential and vote as usual",
)
ONLY_REVOTING = Text(
    "revoting.only",
    "this election has re-voting protection: it takes only registrations with an "
    "activation code and ballots version 2",
)


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a voter gets back after a cast: enough to find the ballot on the board."""

    election_id: str
    seq: int
    tracking_code: str
    tracking_hash: str
    superseded: str | None
    #: False when the ballot was already on the board (an identical retry); not part of
    #: the receipt itself, which is the same both times
    new: bool = field(default=True, compare=False)

    def to_json(self) -> dict[str, object]:
        return {
            "election_id": self.election_id,
            "seq": self.seq,
            "tracking_code": self.tracking_code,
            "tracking_hash": self.tracking_hash,
            "superseded": self.superseded,
        }


#: What the caller adds to a cast: given the batch's row buffer, the ballot and its receipt,
#: it adds rows (the cast notice, the activity log) that are inserted in the cast's own
#: transaction; if it raises, that ballot is refused and its rows are dropped.
Within = Callable[[RowBuffer, EncryptedBallot, Receipt], None] | None


@dataclass
class _Batch:
    """What a batch of casts knows inside its transaction, kept up to date as it goes:
    the board as the rules see it (for the batch's credentials, tracking hashes and
    ciphertexts), the next sequence number, and what the batch itself will write."""

    seq: int
    board: BoardRules
    #: the board's entries for the batch's tracking hashes, (seq, kind) each (for a
    #: retry's receipt)
    entries: dict[bytes, tuple[int, str]]
    #: tracking hash → receipt, for ballots appended by this batch
    receipts: dict[bytes, Receipt] = field(default_factory=dict)
    #: (seq, kind, time_ms, line, leaf hash, tracking hash) of every event to insert
    events: list[tuple[int, str, int, bytes, bytes, bytes | None]] = field(default_factory=list)
    #: credential → tracking hash of its latest ballot, for the credentials it changes
    latest: dict[bytes, bytes] = field(default_factory=dict)
    #: (alpha, tracking hash) of the ballots it appends
    alphas: list[tuple[bytes, bytes]] = field(default_factory=list)
    rows: RowBuffer = field(default_factory=RowBuffer)


#: (credential, unit, the credential it replaces, the caller's check): the check is given
#: what the batch read under the lock (the voters it names among them) and may refuse
#: the item by raising
CredentialRequest = tuple[Point, str, Point | None, Callable[[BatchView], None] | None]


def _hold_credentials(
    board: BoardRules, points: Mapping[bytes, Point], rows: Mapping[bytes, Mapping[str, Any]]
) -> None:
    """Give the board's rules what the store holds of these credentials (their rows)."""
    for data, cred in rows.items():
        point = points[data]
        board.credential_unit[point] = str(cred["unit"])
        if cred["revoked"]:
            board.revoked.add(point)
        elif cred["latest_tracking"] is not None:
            board.latest_ballot[point] = bytes(cred["latest_tracking"])


@dataclass(frozen=True, slots=True)
class _Ballot:
    """What a batch needs of a ballot that depends on no board state, made before the
    election's lock is taken: its tracking hash and code, alphas and event body."""

    ballot: EncryptedBallot
    within: Within
    tracking: bytes
    tracking_code: str
    alphas: frozenset[bytes]
    #: the ``ballot`` event's body, canonical JSON
    body: bytes

    @classmethod
    def of(cls, ballot: EncryptedBallot, within: Within) -> _Ballot:
        tracking = ballot.tracking_hash()
        body = canonical_bytes({"ballot": ballot_to_json(ballot)})
        return cls(ballot, within, tracking, ballot.tracking_code(), alphas(ballot), body)


@dataclass(frozen=True, slots=True)
class _Planned:
    """A ballot a batch accepted, planned but not yet recorded in the batch's view: its
    event, the ballot it supersedes, its receipt and the events it appends."""

    event: BallotEvent
    previous: bytes | None
    receipt: Receipt
    events: tuple[tuple[int, str, int, bytes, bytes, bytes | None], ...]


def _stale(kept: Mapping[str, Any], summary: Mapping[str, Any] | None) -> bool:
    """Whether the kept encrypted roll's body ``kept`` is not of the roll ``summary``."""
    return summary is None or any(kept.get(k) != v for k, v in summary.items())


def check_revoting_choice(schedule: Schedule | None, *, unprotected: bool) -> None:
    """Re-voting protection is the default: an election has it (its batch ``schedule``)
    unless whoever creates it says ``unprotected`` explicitly, for an election whose
    board shows when a voter votes again or replaces a credential (a mode to be removed,
    docs/coercion.md §14; every call that asks for it says ``unprotected=True``, so the
    removal finds them all). :class:`InvalidInput` for neither, and for both.

    The one place this rule is written: :meth:`ElectionService.create` checks it, and
    the organiser's API, pages and ``election create`` (organiser_cases.create_election)
    check it before the slower checks."""
    if unprotected and schedule is not None:
        raise InvalidInput(
            Text(
                "organiser.revoting_off_with_schedule",
                "a batch schedule is for re-voting protection: send either the schedule "
                'or "revoting": false, not both',
            )
        )
    if not unprotected and schedule is None:
        raise InvalidInput(
            Text(
                "organiser.revoting_needs_schedule",
                "an election has re-voting protection unless you say otherwise: send its "
                '"schedule" (docs/api.md), or "revoting": false for an election without it, '
                "whose board shows when a voter votes again or replaces a credential (that "
                "mode is to be removed)",
            )
        )


class ElectionService(BoardLog):
    """An election's use cases; the board's log (tree heads, proofs, the record) is
    :class:`~honestballot.service.board.log.BoardLog`'s."""

    def __init__(
        self,
        store: SqlStore,
        rng: Randomness = SYSTEM_RANDOMNESS,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        super().__init__(store, rng, clock)
        self._contexts: dict[str, tuple[ElectionContext, ElectionKey, BoardKeys]] = {}
        #: election → voters per unit of the roll posted at open (None: none posted)
        self._rolls: dict[str, dict[str, int] | None] = {}
        #: the longest record line this service appends (what a verifier reads)
        self.max_line_bytes = MAX_LINE_BYTES
        #: how long each round of the close stays open before its deadline passes
        self.close_deadline_ms = ROUND_DEADLINE_MS
        #: the process's batch poster (service/runtime.py sets it), whose cover made ahead
        #: and worker processes the close uses; None: the close makes a poster of its own
        self.poster: BatchPoster | None = None
        #: election → whether it takes re-voting protection's flow (once known for good)

    # -- loading ---------------------------------------------------------------------------

    def context(self, election_id: str) -> ElectionContext:
        return self._load(election_id)[0]

    def election_key(self, election_id: str) -> ElectionKey:
        return self._load(election_id)[1]

    def board_keys(self, election_id: str) -> BoardKeys:
        """The board key, witnesses and organiser's key the setup names."""
        return self._load(election_id)[2]

    def _load(self, election_id: str) -> tuple[ElectionContext, ElectionKey, BoardKeys]:
        """The election as its setup event states it (read once; it never changes)."""
        cached = self._contexts.get(election_id)
        if cached is not None:
            return cached
        with self.store.connect() as conn:
            body = setup_body(self.store, conn, election_id)
        loaded = context_from_setup(body, check_ceremony=False)
        self._contexts[election_id] = loaded
        return loaded

    def takes_revoting(self, election_id: str) -> bool:
        """Whether the election takes re-voting protection's flow (registrations and
        ballots version 2, service/voters/revoting.py): exactly when its setup names a
        batch schedule (``ElectionContext.revoting``), the one mark of such an election;
        it then takes the organiser's encrypted roll and cannot open without it."""
        return self.context(election_id).revoting

    def require_revoting(self, election_id: str, wanted: bool) -> None:
        """:class:`ProtocolError` unless the election takes re-voting protection's flow
        (``wanted``) or the version 1 flow (not ``wanted``)."""
        if self.takes_revoting(election_id) != wanted:
            raise ProtocolError(ONLY_REVOTING if not wanted else NOT_REVOTING)

    def setup_body(self, election_id: str) -> Any:
        """The ``setup`` event's body (the organiser's tool checks it against the
        fingerprint before it makes an encrypted roll)."""
        with self.store.connect() as conn:
            return setup_body(self.store, conn, election_id)

    def exists(self, election_id: str) -> bool:
        """Whether the board holds election ``election_id``."""
        with self.store.single_read() as conn:
            return self.store.election_phase(conn, election_id) is not None

    def encrypted_roll_state(
        self, election_id: str, roll: Callable[[Tx], Mapping[str, Any]]
    ) -> str:
        """Whether ``open`` would find the organiser's encrypted roll: ``"missing"`` (none
        kept), ``"stale"`` (kept, but the roll summary ``roll`` returns changed since it
        was made) or ``"kept"``."""
        with self.store.connect() as conn:
            text = self.store.encrypted_roll_body(conn, election_id)
            if text is None:
                return "missing"
            stale = _stale(parse_json(text.encode(), limit=1 << 26), roll(conn))
        return "stale" if stale else "kept"

    def phase(self, election_id: str) -> str:
        # the phase alone (not the row with its manifest and context), in one round trip:
        # every ballot page asks it
        with self.store.single_read() as conn:
            phase = self.store.election_phase(conn, election_id)
        if phase is None:
            raise ProtocolError(no_election(election_id))
        return phase

    def _roll_limits(self, conn: Tx, election_id: str, phase: Phase) -> dict[str, int] | None:
        """unit → voters on the roll posted at open, or None when no roll was posted (a
        roll is posted only at open, so after setup the answer never changes)."""
        if phase is Phase.SETUP:
            # the roll goes on the board in open's own transaction: in setup there is none
            # (and looking for it would scan the board once per credential registered)
            return None
        if election_id in self._rolls:
            return self._rolls[election_id]
        line = self.store.roll_event_line(conn, election_id)
        limits = None
        if line is not None:
            body = parse_json(line, limit=1 << 26)["body"]
            limits = {str(u["unit"]): int(u["voters"]) for u in body["voters_per_unit"]}
        self._rolls[election_id] = limits
        return limits

    def _board(
        self,
        conn: Tx,
        election_id: str,
        *,
        credentials: Iterable[Point] = (),
        units: Iterable[str] | None = (),
        roll: bool = False,
    ) -> tuple[BoardRules, dict[str, Any]]:
        """The board as the rules see it (:mod:`honestballot.protocol.board`), holding
        what the store has for these credentials and units (all units with None), and
        the roll summary with ``roll``, read under the election's lock; and the
        election's row."""
        row = self.store.election_row(conn, election_id)
        if row is None:
            raise ProtocolError(no_election(election_id))
        phase = Phase(str(row["phase"]))
        points = {c.data: c for c in credentials}
        wanted = None if units is None else list(units)
        board = BoardRules(
            phase=phase,
            unit_ids=frozenset(self.context(election_id).manifest.unit_ids()),
            schedule=self.board_keys(election_id).schedule,
            roll=self._roll_limits(conn, election_id, phase) if roll else None,
            active=(
                self.store.active_credentials_per_unit(conn, election_id, wanted)
                if wanted is None or wanted
                else {}
            ),
        )
        _hold_credentials(board, points, self.store.credential_rows(conn, election_id, points))
        return board, row

    def _unit_ids(self, election_id: str) -> frozenset[str]:
        """The election's units (read before a batch takes the lock: the first time, the
        setup event is read, with a connection of its own)."""
        return frozenset(self.context(election_id).manifest.unit_ids())

    def _locked_board(
        self, conn: Tx, election_id: str, step: str, unit_ids: frozenset[str]
    ) -> tuple[BoardRules, int, int]:
        """A batch's start under the election's lock: the board's rules with the phase
        the lock read (checked for ``step``: a batch in the wrong phase costs no further
        query) and the roll's limits; the next sequence number and the time of events
        appended now."""
        row = self.store.election_row(conn, election_id)
        if row is None:
            raise ProtocolError(no_election(election_id))
        phase = Phase(str(row["phase"]))
        board = BoardRules(
            phase=phase,
            unit_ids=unit_ids,
            schedule=self.board_keys(election_id).schedule,
            roll=self._roll_limits(conn, election_id, phase) if step == "credential" else None,
        )
        check_phase(board, step)
        return board, int(row["next_seq"]), self._now(row)

    def _now(self, row: Mapping[str, Any]) -> int:
        """The time of an event appended now: this process's clock, but never before the
        last event (processes on several hosts may have clocks a little apart, and the
        board's times never go backwards)."""
        return max(self.clock(), int(row["last_time_ms"]))

    now_of = _now

    def check_line(self, kind: str, line: bytes) -> None:
        """:class:`ProtocolError` if ``line`` is longer than the verifier reads."""
        if len(line) > self.max_line_bytes:
            message = (
                f"this {kind} event would be a record line of {len(line):,} bytes; a record "
                f"line holds at most {self.max_line_bytes:,} (docs/record-format.md §6)"
            )
            raise ProtocolError(
                Text("board.line_too_long", message, bytes=len(line), most=self.max_line_bytes)
            )

    def _append(
        self,
        conn: Tx,
        election_id: str,
        kind: str,
        body: Mapping[str, Any],
        tracking_hash: bytes | None = None,
        *,
        now: int | None = None,
    ) -> int:
        seq, last_ms = self.store.next_position(conn, election_id)
        now = max(self.clock(), last_ms) if now is None else now
        line = EventLine(seq, now, kind, body).canonical()
        self.check_line(kind, line)  # the verifier reads no longer line
        self.store.append_event(
            conn, election_id, seq, kind, now, line, leaf_hash(line), tracking_hash
        )
        return seq

    # -- setup -----------------------------------------------------------------------------

    def create(
        self,
        manifest: Manifest,
        key: ElectionKey,
        *,
        witnesses: Sequence[Witness] = (),
        quorum: int | None = None,
        organiser_key: Point | None = None,
        schedule: Schedule | None = None,
        unprotected: bool = False,
    ) -> ElectionContext:
        """Create the election from its manifest and the trustees' key ceremony, naming
        the witnesses who co-sign the board's tree heads (``quorum`` of them needed, more
        than half; default: the smallest majority), the organiser's key that signs the
        roll summary, if any, and its re-voting protection: its batch ``schedule``
        (docs/coercion.md §4), whose ``cover`` fixes the cover replacements' public
        ``K0`` and ``ε`` (default 300 and 0.1), or ``unprotected=True``, said explicitly,
        for an election without it (:func:`check_revoting_choice`)."""
        check_revoting_choice(schedule, unprotected=unprotected)
        verify_election_key(key)
        if key.ceremony.manifest_hash != manifest_hash(manifest):
            raise ProtocolError(CEREMONY_OTHER_MANIFEST)
        if key.ceremony.election_id != manifest.election_id:
            raise ProtocolError(CEREMONY_OTHER_ELECTION)
        BoardRules().check(SetupEvent(manifest.election_id, frozenset(manifest.unit_ids())))
        if schedule is not None and organiser_key is None:
            # it would never open: it opens with the encrypted roll the organiser signs
            raise InvalidInput(
                Text(
                    "revoting.needs_organiser_key",
                    "an election with re-voting protection needs the organiser's key: it "
                    "opens with the encrypted roll the organiser signs",
                )
            )
        board_secret = random_nonzero_scalar(self.rng)
        # the designated-verifier key W: fresh for this election, used for nothing else
        # (docs/coercion.md §7); w is kept like the board's secret, never on the board
        verifier_secret = random_nonzero_scalar(self.rng)
        board_keys = BoardKeys(
            base_mul(board_secret),
            tuple(witnesses),
            default_quorum(len(witnesses)) if quorum is None else quorum,
            organiser_key,
            verifier_key=base_mul(verifier_secret),
            schedule=schedule,
        )
        ctx = ElectionContext.create(manifest, key.public_key, election_key_hash(key), board_keys)
        verifier_key_proof = prove_verifier_key(ctx.base_hash, verifier_secret, self.rng)
        key_json = encode_election_key(key)
        exists = ProtocolError(f"election {manifest.election_id!r} already exists")
        try:
            with self.store.transaction() as conn:
                if self.store.election_row(conn, manifest.election_id) is not None:
                    raise exists
                self.store.insert_election(
                    conn,
                    manifest.election_id,
                    json.dumps(manifest_to_json(manifest)),
                    json.dumps(key_json),
                    board_secret.hex(),
                    verifier_secret.hex(),
                )
                body = {
                    "manifest": manifest_to_json(manifest),
                    "election_key": key_json,
                    **board_keys_to_json(board_keys),
                    "verifier_key_proof": signature_to_json(verifier_key_proof),
                }
                self._append(conn, manifest.election_id, "setup", body)
        except KeyConflict as exc:
            # The check above takes no lock on PostgreSQL: an organiser creating the same
            # election at the same moment inserts it first, and this insert then fails on
            # the unique key once that transaction has committed.
            with self.store.connect() as conn:
                if self.store.election_row(conn, manifest.election_id) is None:
                    raise
            raise exists from exc
        self.publish_tree_head(manifest.election_id)
        return self.context(manifest.election_id)

    def register_credential(
        self,
        election_id: str,
        credential: Point,
        unit: str,
        *,
        replaces: Point | None = None,
    ) -> None:
        """Add a voter's public credential (made on the voter's device) to the roll.

        With ``replaces``, the new credential takes the place of an earlier one of the
        same voter, which is revoked: its ballot stops counting."""
        request = (credential, unit, replaces, None)
        result = self.register_credential_batch(election_id, [request])[0]
        if result is not None:
            raise result

    def register_credential_batch(
        self,
        election_id: str,
        items: Sequence[CredentialRequest],
        *,
        voters: Collection[int] = (),
        after: Callable[[RowBuffer, Sequence[int]], None] | None = None,
    ) -> list[Exception | None]:
        """Register several credentials in one transaction (one lock, one commit); one
        answer per item, ``None`` for a registered one.

        Under the election's lock, what the batch needs (its credentials, its units'
        counts, and the rows of ``voters``, for the caller's checks) is read with one
        query; every item is then checked by the board's rules against it and the
        earlier items of the batch, in memory, and the accepted ones are written at the
        end with one statement (on PostgreSQL; see ``store.bulk.RowBuffer``).  An item's
        check (its request's fourth part) is given what was read and refuses only that
        item by raising; so does any other failure in checking an item or making its
        event (the error it would have had alone).  ``after`` is then given the batch's
        writes and the indices of the accepted items, to add the caller's own (the voting
        desk's voters' rows).  A phase error, a database error, or ``after`` raising,
        refuses the whole batch."""
        results: list[Exception | None] = []
        points = {c.data: c for c, _, _, _ in items}
        points.update((r.data, r) for _, _, r, _ in items if r is not None)
        unit_ids = self._unit_ids(election_id)
        with self.store.transaction(election_id) as conn:
            board, seq, now = self._locked_board(conn, election_id, "credential", unit_ids)
            view = self.store.batch_view(
                conn,
                election_id,
                credentials=points,
                units={u for _, u, _, _ in items},
                voters=voters,
            )
            board.active = view.active
            _hold_credentials(board, points, view.credentials)
            added: list[tuple[bytes, str]] = []
            revoked: list[tuple[bytes, str]] = []
            events: list[tuple[int, str, int, bytes, bytes, bytes | None]] = []
            accepted: list[int] = []
            for index, (credential, unit, replaces, check) in enumerate(items):
                event = CredentialEvent(credential, unit, replaces)
                try:
                    board.check(event)
                    body: dict[str, Any] = {"credential": credential.hex(), "unit": unit}
                    if replaces is not None:
                        body["replaces"] = replaces.hex()
                    line = EventLine(seq, now, "credential", body).canonical()
                    leaf = leaf_hash(line)
                    if check is not None:  # last: it records the item in what it read
                        check(view)
                except StorageError:
                    raise  # the batch's transaction may be broken: the whole batch fails
                except Exception as exc:  # that item's refusal, or a failure making it
                    results.append(exc)
                    continue
                board.apply(event)
                if replaces is not None:
                    revoked.append((replaces.data, unit))
                added.append((credential.data, unit))
                events.append((seq, "credential", now, line, leaf, None))
                seq += 1
                results.append(None)
                accepted.append(index)
            rows = RowBuffer()
            # a credential registered and replaced in one batch is inserted revoked: the
            # batch's writes are one statement, in which an update sees no inserted row
            gone = {c for c, _ in revoked}
            new = {c for c, _ in added}
            self.store.plan_credentials(
                rows,
                election_id,
                [(c, unit, c in gone) for c, unit in added],
                [(c, unit) for c, unit in revoked if c not in new],
            )
            self.store.plan_events(rows, election_id, events)
            if after is not None and accepted:
                after(rows, accepted)
            self.store.write_batch(conn, election_id, rows, seq, now)
        return results

    def open(
        self,
        election_id: str,
        roll: Callable[[Tx], Mapping[str, Any]] | None = None,
        roll_signature: SchnorrProof | None = None,
    ) -> None:
        """Open the election; with ``roll``, first post the roll summary it returns (read
        inside the same transaction, so the roll cannot change in between), signed with
        ``roll_signature`` when the setup names an organiser's key (which must then have
        signed exactly this summary)."""
        keys = self.board_keys(election_id)
        base = self.context(election_id).base_hash
        with self.store.transaction(election_id) as conn:
            board, row = self._board(conn, election_id, units=None, roll=True)
            check_phase(board, "open")
            now = self._now(row)
            summary = dict(roll(conn)) if roll is not None else None
            kept = self.store.encrypted_roll(conn, election_id)
            if self.context(election_id).revoting and not kept:
                message = (
                    "an election with re-voting protection opens with the organiser's "
                    "encrypted roll: upload it first"
                )
                raise ProtocolError(Text("encrypted_roll.missing", message))
            if kept:
                # the organiser's encrypted roll (service/encrypted_roll.py): its parts,
                # then its roll body, signed by the organiser on the organiser's machine;
                # a signature sent with the open would be dropped unread: refused
                if roll_signature is not None:
                    message = (
                        "its encrypted roll carries the signature of the roll summary: "
                        "send none with the open"
                    )
                    raise ProtocolError(Text("encrypted_roll.signature_sent", message))
                body_kept = parse_json(kept[-1][1].encode(), limit=1 << 26)
                if _stale(body_kept, summary):
                    message = (
                        "the roll changed after the encrypted roll was made: make the "
                        "encrypted roll again from the current roll"
                    )
                    raise ProtocolError(Text("encrypted_roll.stale", message))
                roll_signature = roll_signature_of(body_kept, "encrypted roll")
                summary = {k: v for k, v in body_kept.items() if k != "signature"}
                for kind, text in kept[:-1]:
                    part = parse_json(text.encode(), limit=1 << 26)
                    offset, rows = part_shape(part, "roll part")
                    board.apply(RollPartEvent(offset, rows, roll_part_digest(part)))
                    self._append(conn, election_id, kind, part, now=now)
            check_roll_signature(
                keys,
                base,
                roll_summary_bytes(summary) if summary is not None else None,
                roll_signature,
            )
            if summary is not None:
                body: dict[str, Any] = summary
                if roll_signature is not None:
                    body = {**summary, "signature": signature_to_json(roll_signature)}
                encrypted = None
                if "encrypted" in body:
                    e = encrypted_from_json(body["encrypted"], "encrypted roll")
                    encrypted = (e.rows, e.parts)
                board.apply(
                    RollEvent(
                        tuple((str(u["unit"]), int(u["voters"])) for u in body["voters_per_unit"]),
                        int(body["contact_exceptions"]),
                        encrypted,
                    )
                )
                self._append(conn, election_id, "roll", body, now=now)
            board.apply(OpenEvent(now))
            self._append(conn, election_id, "open", {}, now=now)
            self.store.set_phase(conn, election_id, "open")
            if self.takes_revoting(election_id):
                # the cover replacements' number, drawn now with the setup's K0 and
                # epsilon and kept secret (service/board/batches.py; docs/coercion.md §4)
                from honestballot.service.board.batches import BatchPoster

                BatchPoster(self).plan(conn, election_id)
        self.publish_tree_head(election_id)

    def close(self, election_id: str) -> None:
        """Close voting: the audits held so far go on the board, in the order of their
        tracking hashes and with the close's time, then the ``close`` event.  With
        re-voting protection, the batches and audits waiting go first
        (service/board/batches.py)."""
        if self.takes_revoting(election_id):
            from honestballot.service.board.batches import BatchPoster

            (self.poster or BatchPoster(self)).close(election_id)
            return
        with self.store.transaction(election_id) as conn:
            board, row = self._board(conn, election_id)
            check_phase(board, "close")
            now = self._now(row)
            held = [
                (parse_json(body), body)
                for _, body in self.store.take_held_audits(conn, election_id)
            ]
            audits = [
                AuditEvent(spoiled.tracking_hash(), alphas(spoiled), now)
                for spoiled in (spoiled_from_json(obj["spoiled"], "held audit") for obj, _ in held)
            ]
            board.cast_alphas = self.store.cast_alphas(
                conn, election_id, (a for audit in audits for a in audit.alphas)
            )
            found = self.store.events_by_trackings(
                conn, election_id, (a.tracking_hash for a in audits)
            )
            board.entries = {tracking: ev.kind for tracking, ev in found.items()}
            for (obj, _), audit in zip(held, audits, strict=True):
                board.apply(audit)
                self._append(conn, election_id, "audit", obj, audit.tracking_hash, now=now)
            board.apply(CloseEvent(now))
            self._append(conn, election_id, "close", {}, now=now)
            self.store.set_phase(conn, election_id, "closed")
        self.publish_tree_head(election_id)

    # -- voting ----------------------------------------------------------------------------

    def cast(
        self,
        election_id: str,
        ballot_json: bytes | str,
        *,
        within: Within = None,
    ) -> Receipt:
        """Verify and append a ballot; idempotent: a ballot of the credential already on
        the board, sent again (a retry), gets its original receipt and appends nothing,
        whether or not it is still the credential's latest (a replaced credential's
        ballot is refused).

        ``within`` adds rows to the cast's transaction once the ballot is accepted (the
        voting desk queues the cast notice and logs the activity there); if it raises,
        nothing is stored."""
        ctx = self.context(election_id)
        ballot = load_ballot(ballot_json)
        verify_ballot(ctx, ballot)
        return self.cast_verified(election_id, ballot, within=within)

    def cast_verified(
        self,
        election_id: str,
        ballot: EncryptedBallot,
        *,
        within: Within = None,
    ) -> Receipt:
        """Append a ballot that :func:`verify_ballot` has already accepted for this
        election (the web layer verifies before it queues the ballot)."""
        result = self.cast_batch(election_id, [(ballot, within)])[0]
        if isinstance(result, Exception):
            raise result
        return result

    def cast_batch(
        self,
        election_id: str,
        items: Sequence[tuple[EncryptedBallot, Within]],
    ) -> list[Receipt | Exception]:
        """Append several verified ballots in one transaction: one lock and one durable
        commit for the lot (group commit).

        Under the election's lock, the credentials, board entries and audited ciphertexts
        the batch needs are read with one query each; every ballot is then checked by the
        board's rules against them in memory (kept up to date as the batch goes, so a
        re-vote or a retry inside the same batch is handled as if it came later), and
        what the accepted ones write is inserted at the end with one statement a table.
        No receipt exists until the whole batch has committed.

        Each ballot is prepared (its body, tracking hash and ciphertexts), checked and
        planned (its events, its receipt, what ``within`` adds) on its own: a refusal, or
        any other failure there, is that ballot's answer, the error it would have had
        alone, and the batch goes on as if it had never been sent (it writes nothing
        and changes nothing the later ballots see).  A phase error (the election is not
        open) raises for the whole batch, as does a database error, or a failure once a
        ballot is recorded in the batch's view (then nothing of the batch is stored)."""
        results: list[Receipt | Exception] = []
        # all that depends on no board state is done before the lock is taken
        prepared: list[_Ballot | Exception] = []
        for ballot, within in items:
            try:
                prepared.append(_Ballot.of(ballot, within))
            except Exception as exc:  # that ballot's failure only
                prepared.append(exc)
        ready = [p for p in prepared if isinstance(p, _Ballot)]
        points = {p.ballot.credential.data: p.ballot.credential for p in ready}
        wanted = [a for p in ready for a in p.alphas]
        unit_ids = self._unit_ids(election_id)
        with self.store.transaction(election_id) as conn:
            board, seq, now = self._locked_board(conn, election_id, "ballot", unit_ids)
            view = self.store.batch_view(
                conn,
                election_id,
                credentials=points,
                trackings=[p.tracking for p in ready],
                alphas=wanted,
            )
            _hold_credentials(board, points, view.credentials)
            board.entries = {tracking: kind for tracking, (_, kind) in view.entries.items()}
            board.audited_alphas = view.audited_alphas
            batch = _Batch(seq=seq, board=board, entries=view.entries)
            for item in prepared:
                if isinstance(item, Exception):
                    results.append(item)
                else:
                    results.append(self._cast_one(conn, election_id, item, batch, now))
            self.store.plan_events(batch.rows, election_id, batch.events)
            self.store.plan_latest(batch.rows, election_id, batch.latest)
            self.store.plan_ballot_alphas(batch.rows, election_id, batch.alphas)
            self.store.write_batch(conn, election_id, batch.rows, batch.seq, now)
        return results

    def _cast_one(
        self, conn: Tx, election_id: str, prepared: _Ballot, batch: _Batch, now: int
    ) -> Receipt | Exception:
        """One ballot of a batch: the receipt it gets, or the error that refuses it (which
        leaves the batch as it was)."""
        tracking = prepared.tracking
        if tracking in batch.receipts:  # appended by this batch, and sent again
            return replace(batch.receipts[tracking], new=False)
        if is_resent(
            batch.board, BallotEvent(prepared.ballot.credential, tracking, prepared.alphas)
        ):
            # one of its credential's ballots sent again (a retry whose answer was lost),
            # whether or not it is still the latest: the receipt it was given
            seq, _ = batch.entries[tracking]
            return replace(self._given_receipt(conn, election_id, seq, prepared.ballot), new=False)
        mark = batch.rows.mark()
        try:
            planned = self._plan_one(election_id, prepared, batch, now)
        except StorageError:
            raise  # the batch's transaction may be broken: the whole batch fails
        except Exception as exc:  # the rules' refusal, ``within``'s, or a failure making it
            batch.rows.undo(mark)
            return exc
        self._record_one(prepared, planned, batch)
        return planned.receipt

    @staticmethod
    def _plan_one(election_id: str, prepared: _Ballot, batch: _Batch, now: int) -> _Planned:
        """Check one ballot against the batch's view of the board and make what it
        appends; nothing of the batch changes but the rows ``within`` adds."""
        board, ballot, tracking = batch.board, prepared.ballot, prepared.tracking
        previous = board.latest(ballot.credential)
        event = BallotEvent(ballot.credential, tracking, prepared.alphas)
        board.check(event)
        seq = batch.seq
        receipt = Receipt(
            election_id=election_id,
            seq=seq,
            tracking_code=prepared.tracking_code,
            tracking_hash=tracking.hex(),
            superseded=previous.hex() if previous else None,
        )
        line = event_line(seq, now, "ballot", prepared.body)
        events: list[tuple[int, str, int, bytes, bytes, bytes | None]] = [
            (seq, "ballot", now, line, leaf_hash(line), tracking)
        ]
        if previous is not None:
            body = {"old": previous.hex(), "new": tracking.hex()}
            line = EventLine(seq + 1, now, "superseded", body).canonical()
            events.append((seq + 1, "superseded", now, line, leaf_hash(line), None))
        if prepared.within is not None:
            prepared.within(batch.rows, ballot, receipt)
        return _Planned(event, previous, receipt, tuple(events))

    @staticmethod
    def _record_one(prepared: _Ballot, planned: _Planned, batch: _Batch) -> None:
        """Record a planned ballot in the batch's view and writes (what a failure here
        leaves half done, the whole batch's failure undoes)."""
        board, tracking = batch.board, prepared.tracking
        board.apply(planned.event)
        if planned.previous is not None:
            board.apply(SupersededEvent(planned.previous, tracking))
        batch.events += planned.events
        batch.seq += len(planned.events)
        batch.latest[prepared.ballot.credential.data] = tracking
        batch.alphas += [(alpha, tracking) for alpha in planned.event.alphas]
        batch.receipts[tracking] = planned.receipt

    def _given_receipt(
        self, conn: Tx, election_id: str, seq: int, ballot: EncryptedBallot
    ) -> Receipt:
        """The receipt the ballot on the board at ``seq`` was given: what it superseded is
        named by the ``superseded`` event right after it, if that one names it new."""
        following = self.store.event_at(conn, election_id, seq + 1)
        replaced = None
        if following is not None and following.kind == "superseded":
            body = parse_json(following.line)["body"]
            if body["new"] == ballot.tracking_hash().hex():
                replaced = bytes.fromhex(body["old"])
        return self._receipt(election_id, seq, ballot, replaced)

    @staticmethod
    def _receipt(
        election_id: str, seq: int, ballot: EncryptedBallot, previous: bytes | None
    ) -> Receipt:
        return Receipt(
            election_id,
            seq,
            ballot.tracking_code(),
            ballot.tracking_hash().hex(),
            previous.hex() if previous else None,
        )

    def audit(
        self, election_id: str, ballot: EncryptedBallot, opening: BallotOpening
    ) -> dict[str, frozenset[str]]:
        """Benaloh challenge: check a ballot and its opening, and hold the spoiled ballot
        with its opening for the board; it never counts and can never be cast.

        The board shows it without the credential, proofs and signature (its ciphertexts
        and seal still give the tracking code the voter saw), and only at the close, with
        every other audit in the order of their tracking hashes: nothing on the board, not
        even its time, ties it to the voter's ballots.  Sending the very same audit again
        (ballot and opening) answers the same choices and holds nothing more."""
        ctx = self.context(election_id)
        verify_ballot(ctx, ballot)
        choices = check_opening(ctx, ballot, opening)
        tracking = ballot.tracking_hash()
        body = canonical_bytes(
            {"spoiled": spoiled_to_json(ballot.spoiled()), "opening": opening_to_json(opening)}
        )
        event = AuditEvent(tracking, alphas(ballot), self.clock())
        with self.store.transaction(election_id) as conn:
            board, _ = self._board(conn, election_id, credentials=[ballot.credential])
            check_phase(board, "audit")
            check_audit_credential(board, ballot.credential)
            held = self.store.held_audit(conn, election_id, tracking)
            if held is not None and held[0] == body:
                # the same audit again (a retry whose answer was lost): the same answer
                return choices
            # held audits are the board's audits to be: the rules see them as on the board
            found = self.store.event_by_tracking(conn, election_id, tracking)
            if found is not None or held is not None:
                board.entries[tracking] = "audit" if found is None else found.kind
            board.audited_alphas = self.store.audited_alphas(conn, election_id, event.alphas)
            board.cast_alphas = self.store.cast_alphas(conn, election_id, event.alphas)
            board.check(event)
            self.store.hold_audit(conn, election_id, tracking, body, event.time_ms, event.alphas)
        return choices

    def held_audit(self, election_id: str, tracking: bytes) -> dict[str, Any] | None:
        """An audit not yet on the board (voting is open): its body and time, for the
        voter who looks it up by its tracking code."""
        with self.store.connect() as conn:
            held = self.store.held_audit(conn, election_id, tracking)
        if held is None:
            return None
        return {"body": parse_json(held[0]), "time_ms": held[1]}

    # -- polling stations (protocol/stations.py) -----------------------------------------

    def publish_station(
        self,
        election_id: str,
        details: StationDetails,
        key: Point,
        proof: SchnorrProof,
        signature: SchnorrProof | None = None,
        sequence: int | None = None,
    ) -> Station:
        """Publish (or correct) a unit's polling station: the ``station`` event with its
        ``sequence`` (the signed one; None: the next, drawn here for an unsigned station),
        the commission's key, its proof of possession, the details' hash and, when the
        setup names the organiser's key, the organiser's ``signature`` over the rest of
        the body (refused without it, and with it when the setup names none), and the
        details for the observer pages (replacing the unit's earlier ones).  A sequence
        that is not the unit's next (an older signed station posted again) is refused by
        board rule 10."""
        ctx = self.context(election_id)
        if details.unit not in ctx.manifest.unit_ids():
            message = f"unit {details.unit!r} is not a unit of the election"
            raise InvalidInput(Text("roll.unit_unknown", message, unit=details.unit))
        try:
            verify_commission_key(manifest_hash(ctx.manifest), details.unit, key, proof)
        except InvalidProof as exc:
            message = str(exc)
            raise InvalidProof(Text("station.key_proof", message, unit=details.unit)) from None
        digest = details_hash(ctx.base_hash, details)
        organiser_key = self.board_keys(election_id).organiser_key

        def checked(sequence: int) -> tuple[Station, JsonObject]:
            station = Station(details.unit, details.paper, key, proof, digest, sequence, signature)
            body = station_to_json(station)
            check_station_signature(
                organiser_key, ctx.base_hash, station.unit, station_message(body), signature
            )
            return station, body

        if sequence is not None:
            checked(sequence)  # a wrong signature refused before the election's lock
        with self.store.transaction(election_id) as conn:
            board, _ = self._board(conn, election_id)
            for s in self._stations(election_id, conn):
                board.stations[s.unit] = (s.commission_key, s.paper)
                board.station_events[s.unit] = board.station_sent(s.unit) + 1
            station, body = checked(
                board.station_sent(details.unit) + 1 if sequence is None else sequence
            )
            board.apply(
                StationEvent(station.unit, station.paper, station.commission_key, station.sequence)
            )
            self._append(conn, election_id, "station", body)
            self.store.put_station_details(
                conn, election_id, details.unit, canonical_bytes(details_to_json(details)).decode()
            )
        self.publish_tree_head(election_id)
        return station

    def publish_station_files(
        self, election_id: str, details: Any, commission: Any
    ) -> tuple[Station, StationDetails]:
        """:meth:`publish_station` from the organiser's details (the JSON of
        docs/record-format.md §6 without ``salt``, which is drawn here afresh each time)
        and the commission's public file (``honestballot commission keygen``): for an
        election whose setup names no organiser's key (with one, the organiser signs the
        station: :meth:`publish_signed_station`)."""
        if not isinstance(details, dict):
            raise InvalidInput(
                Text("station.details_object", "a station's details are a JSON object")
            )
        if "salt" in details:
            raise InvalidInput(
                Text("station.salt_given", "a station's salt is drawn by the service: leave it out")
            )
        salted = {**details, "salt": self.rng.random_bytes(SALT_BYTES).hex()}
        parsed = details_from_json(salted, "details")
        key, proof = self._commission_file(election_id, parsed, commission)
        return self.publish_station(election_id, parsed, key, proof), parsed

    def publish_signed_station(
        self, election_id: str, signed: Any
    ) -> tuple[Station, StationDetails]:
        """:meth:`publish_station` from the organiser's signed station file
        (``honestballot organiser sign-station``: the details with the salt the
        organiser's tool drew, the commission's public file and the organiser's
        signature)."""
        raw_details, commission, sequence, signature = signed_station_from_json(
            signed, "signed station"
        )
        parsed = details_from_json(raw_details, "signed station.details")
        key, proof = self._commission_file(election_id, parsed, commission)
        return self.publish_station(election_id, parsed, key, proof, signature, sequence), parsed

    def _commission_file(
        self, election_id: str, details: StationDetails, commission: Any
    ) -> tuple[Point, SchnorrProof]:
        """The key and proof of the commission's public file, which must be for the
        details' unit of this election."""
        unit, digest, key, proof = commission_key_from_json(commission, "commission key file")
        if unit != details.unit:
            message = (
                f"the commission key file is for unit {unit!r}, the details for {details.unit!r}"
            )
            raise InvalidInput(Text("station.key_unit", message, key_unit=unit, unit=details.unit))
        if digest != manifest_hash(self.context(election_id).manifest):
            message = "the commission key file was made for another election's manifest"
            raise InvalidInput(Text("station.key_election", message))
        return key, proof

    def _stations(self, election_id: str, conn: Tx | None = None) -> list[Station]:
        """Every ``station`` event, in order."""
        return [
            station_from_json(parse_json(ev.line, limit=1 << 20)["body"], f"event {ev.seq}")
            for ev in self.store.iter_events(election_id, kinds=("station",), conn=conn)
        ]

    def stations(self, election_id: str) -> list[tuple[Station, int, StationDetails | None]]:
        """Per unit with a station, in manifest order: its latest ``station`` event, how
        many were published for it (1 + the corrections), and its details if the store
        holds them."""
        latest: dict[str, Station] = {}
        events: dict[str, int] = {}
        for station in self._stations(election_id):
            latest[station.unit] = station
            events[station.unit] = events.get(station.unit, 0) + 1
        stored = self.store.station_details(election_id)
        out = []
        for unit in (u.id for u in self.context(election_id).manifest.units):
            if unit in latest:
                raw = stored.get(unit)
                details = details_from_json(parse_json(raw), "details") if raw else None
                out.append((latest[unit], events[unit], details))
        return out
