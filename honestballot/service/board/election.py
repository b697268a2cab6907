"""Election use cases: create, register credentials, open, cast, audit, close.

Each use case checks its input completely *before* it opens a write transaction
(parsing, proofs, signatures), then re-checks the election's state under the
election's row lock and appends events.  Nothing invalid is ever stored: a
failed check raises before the transaction, and a failure inside the
transaction rolls it back.  A cast returns its receipt only after the commit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from honestballot.crypto.group import Point, base_mul
from honestballot.crypto.merkle import leaf_hash
from honestballot.crypto.randomness import Randomness, random_nonzero_scalar
from honestballot.crypto.schnorr import SchnorrProof
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.errors import InvalidInput, InvalidProof, ProtocolError, Text
from honestballot.protocol.board import (
    BoardRules,
    OpenEvent,
    Phase,
    RollEvent,
    RollPartEvent,
    SetupEvent,
    StationEvent,
    check_phase,
)
from honestballot.protocol.close_a import ROUND_DEADLINE_MS
from honestballot.protocol.dkg_verify import ElectionKey, verify_election_key
from honestballot.protocol.election import ElectionContext, manifest_hash
from honestballot.protocol.manifest import Manifest
from honestballot.protocol.schedule import Schedule
from honestballot.protocol.stations import (
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
from honestballot.record.codec import canonical_bytes, parse_json
from honestballot.record.events import MAX_LINE_BYTES, EventLine
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
from honestballot.store.sql import KeyConflict, SqlStore, Tx

if TYPE_CHECKING:
    from honestballot.service.board.batches import BatchPoster


NOT_REVOTING = Text(
    "revoting.not_revoting",
    "this election has no re-voting protection: this service no longer takes its "
    "registrations or ballots",
)

NOT_REVOTING_OPEN = Text(
    "revoting.not_revoting_open",
    "this election has no re-voting protection (an earlier version made it): this service "
    "no longer opens such an election or takes its votes; create it again",
)


def _stale(kept: Mapping[str, Any], summary: Mapping[str, Any] | None) -> bool:
    """Whether the kept encrypted roll's body ``kept`` is not of the roll ``summary``."""
    return summary is None or any(kept.get(k) != v for k, v in summary.items())


def check_schedule(schedule: Schedule | None) -> None:
    """Every election has re-voting protection: :class:`InvalidInput` unless it is given
    its batch ``schedule`` (docs/coercion.md §4).

    The one place this rule is written: :meth:`ElectionService.create` checks it, and
    the organiser's API, pages and ``election create`` (organiser_cases.create_election)
    check it before the slower checks."""
    if schedule is None:
        raise InvalidInput(
            Text(
                "organiser.revoting_needs_schedule",
                'an election has re-voting protection: send its batch "schedule" (docs/api.md)',
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

    def require_revoting(self, election_id: str) -> None:
        """:class:`ProtocolError` unless the election takes re-voting protection's flow
        (an election without it, made by an earlier version, takes no voter's request)."""
        if not self.takes_revoting(election_id):
            raise ProtocolError(NOT_REVOTING)

    def takes_revoting(self, election_id: str) -> bool:
        """Whether the election takes re-voting protection's flow (registrations and
        ballots version 2, service/voters/revoting.py): exactly when its setup names a
        batch schedule (``ElectionContext.revoting``), the one mark of such an election;
        it then takes the organiser's encrypted roll and cannot open without it."""
        return self.context(election_id).revoting

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
        units: Iterable[str] | None = (),
        roll: bool = False,
    ) -> tuple[BoardRules, dict[str, Any]]:
        """The board as the rules see it (:mod:`honestballot.protocol.board`), holding
        what the store has for these units (all units with None), and
        the roll summary with ``roll``, read under the election's lock; and the
        election's row."""
        row = self.store.election_row(conn, election_id)
        if row is None:
            raise ProtocolError(no_election(election_id))
        phase = Phase(str(row["phase"]))
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
        return board, row

    def _unit_ids(self, election_id: str) -> frozenset[str]:
        """The election's units (read before a batch takes the lock: the first time, the
        setup event is read, with a connection of its own)."""
        return frozenset(self.context(election_id).manifest.unit_ids())

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
    ) -> ElectionContext:
        """Create the election from its manifest and the trustees' key ceremony, naming
        the witnesses who co-sign the board's tree heads (``quorum`` of them needed, more
        than half; default: the smallest majority), the organiser's key that signs the
        roll summary, and its re-voting protection: its batch ``schedule``
        (docs/coercion.md §4; required, :func:`check_schedule`), whose ``cover`` fixes the
        cover replacements' public ``K0`` and ``ε`` (default 300 and 0.1)."""
        check_schedule(schedule)
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
            if not self.context(election_id).revoting:
                # made by an earlier version: this service takes no ballot of its flow
                raise ProtocolError(NOT_REVOTING_OPEN)
            if not kept:
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
        """Close voting: the batches and audits waiting go on the board first, then the
        ``close`` event (service/board/batches.py)."""
        from honestballot.service.board.batches import BatchPoster

        (self.poster or BatchPoster(self)).close(election_id)

    # -- polling stations (protocol/stations.py) -----------------------------------------

    def publish_station(
        self,
        election_id: str,
        details: StationDetails,
        key: Point,
        proof: SchnorrProof,
        signature: SchnorrProof,
        sequence: int,
    ) -> Station:
        """Publish (or correct) a unit's polling station: the ``station`` event with its
        ``sequence``, the commission's key, its proof of possession, the details' hash and
        the organiser's ``signature`` over the rest of the body (checked against the
        setup's organiser's key), and the details for the observer pages (replacing the
        unit's earlier ones).  A sequence that is not the unit's next (an older signed
        station posted again) is refused by board rule 10."""
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
        station = Station(details.unit, details.paper, key, proof, digest, sequence, signature)
        body = station_to_json(station)
        # a wrong signature is refused before the election's lock
        check_station_signature(
            organiser_key, ctx.base_hash, station.unit, station_message(body), signature
        )
        with self.store.transaction(election_id) as conn:
            board, _ = self._board(conn, election_id)
            for s in self._stations(election_id, conn):
                board.stations[s.unit] = (s.commission_key, s.paper)
                board.station_events[s.unit] = board.station_sent(s.unit) + 1
            board.apply(
                StationEvent(station.unit, station.paper, station.commission_key, station.sequence)
            )
            self._append(conn, election_id, "station", body)
            self.store.put_station_details(
                conn, election_id, details.unit, canonical_bytes(details_to_json(details)).decode()
            )
        self.publish_tree_head(election_id)
        return station

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
