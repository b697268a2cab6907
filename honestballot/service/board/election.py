"""Election use cases: create, register credentials, open, cast, audit, close, tally.

Each use case checks its input completely *before* it opens a write transaction
(parsing, proofs, signatures), then re-checks the election's state under the
election's row lock and appends events.  Nothing invalid is ever stored: a
failed check raises before the transaction, and a failure inside the
transaction rolls it back.  A cast returns its receipt only after the commit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from honestballot.crypto.dlog import DiscreteLogTable
from honestballot.crypto.group import Point, base_mul
from honestballot.crypto.merkle import leaf_hash
from honestballot.crypto.randomness import Randomness, random_nonzero_scalar
from honestballot.crypto.schnorr import SchnorrProof
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.errors import InvalidInput, InvalidProof, ProtocolError, Text
from honestballot.protocol.ballot import (
    EncryptedBallot,
)
from honestballot.protocol.board import (
    BoardRules,
    DecryptionShareEvent,
    MixEvent,
    MixPartEvent,
    OpenEvent,
    Phase,
    ResultEvent,
    RollEvent,
    RollPartEvent,
    SetupEvent,
    SharePartEvent,
    StationEvent,
    TallyEvent,
    check_phase,
)
from honestballot.protocol.close_a import ROUND_DEADLINE_MS
from honestballot.protocol.decryption import (
    DecryptionShare,
    EncryptedTally,
    PublishedTally,
    combine_valid_shares,
)
from honestballot.protocol.dkg_verify import ElectionKey, verify_election_key
from honestballot.protocol.election import ElectionContext, manifest_hash
from honestballot.protocol.manifest import Manifest
from honestballot.protocol.mix import (
    Mix,
    Rows,
    check_chain_complete,
    mixed_result,
    next_input,
)
from honestballot.protocol.mix_parts import (
    EncodedPart,
    MixHead,
    MixPart,
    assemble,
    check_encoded_part,
    check_head,
    check_mix,
    check_part,
    part_digest,
)
from honestballot.protocol.ranked import plaintext_bound, ranked_result
from honestballot.protocol.schedule import Schedule
from honestballot.protocol.share_parts import (
    EncodedSharePart,
    PartMeta,
    ShareHead,
    SharePart,
    TallyShape,
    check_parts_named,
    meta_of,
    published_shape,
    verify_head,
)
from honestballot.protocol.share_parts import assemble as assemble_share
from honestballot.protocol.share_parts import check_encoded_part as check_encoded_share_part
from honestballot.protocol.share_parts import check_part as check_share_part
from honestballot.protocol.share_parts import part_digest as share_part_digest
from honestballot.protocol.stations import (
    Station,
    StationDetails,
    check_station_signature,
    details_hash,
    verify_commission_key,
)
from honestballot.protocol.tally import compute_tally
from honestballot.protocol.verifier_key import prove_verifier_key
from honestballot.protocol.witnesses import (
    BoardKeys,
    Witness,
    check_roll_signature,
    default_quorum,
)
from honestballot.record.ballot import (
    ballot_from_json,
)
from honestballot.record.codec import Reader, canonical_bytes, parse_json
from honestballot.record.events import MAX_LINE_BYTES, EventLine
from honestballot.record.manifest import manifest_to_json
from honestballot.record.mix import (
    encoded_part_from_json,
    mix_head_from_json,
    mix_head_to_json,
    mix_part_from_json,
    mix_part_to_json,
)
from honestballot.record.roll import encrypted_from_json, part_shape
from honestballot.record.roll import part_digest as roll_part_digest
from honestballot.record.setup import (
    CEREMONY_OTHER_ELECTION,
    CEREMONY_OTHER_MANIFEST,
    context_from_setup,
    election_key_hash,
)
from honestballot.record.share_parts import (
    encoded_share_part_from_json,
    share_head_from_json,
    share_head_to_json,
    share_part_from_json,
    share_part_to_json,
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
    MAX_ENTRIES,
    decode_encrypted_tally,
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

COUNTED_BY_CLOSE = Text(
    "revoting.counted_by_close",
    "this election has re-voting protection: its trustees count it in its close (honestballot "
    "trustee close-round), and its result is published when the close is done",
)






K = TypeVar("K")
V = TypeVar("V")


def _keep_few(cache: dict[K, V], key: K, value: V, *, most: int = 4) -> None:
    """Keep ``value`` under ``key``, dropping the oldest entries past ``most``."""
    cache.pop(key, None)
    while len(cache) >= most:
        del cache[next(iter(cache))]
    cache[key] = value


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
                "an election has re-voting protection: send its batch \"schedule\" "
                "(docs/api.md)",
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
        #: election → its published tally with the mixed rows it names (read once; a few
        #: elections at most), and the tally as published, by its event's leaf hash
        self._tallies: dict[str, EncryptedTally] = {}
        self._published: dict[str, tuple[bytes, PublishedTally, list[tuple[str, int]]]] = {}
        #: share-part digest → its place (what a share's list of parts is checked against)
        self._part_meta: dict[bytes, PartMeta] = {}
        #: digest -> the place of a ``mix-part`` on the board (read once)
        self._mix_meta: dict[bytes, MixPartEvent] = {}
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


    def require_tallied(self, election_id: str) -> None:
        """:class:`ProtocolError` unless the election is counted by mixes, a tally and
        decryption shares: one with re-voting protection is counted by its close."""
        if self.takes_revoting(election_id):
            raise ProtocolError(COUNTED_BY_CLOSE)

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

    # -- tally -----------------------------------------------------------------------------

    # -- the mix chain (protocol/mix.py) ---------------------------------------------------

    def _counted(self, election_id: str) -> list[tuple[str, EncryptedBallot]]:
        """(unit, ballot) of every counted ballot, by increasing tracking hash."""
        counted = [
            (unit, ballot_from_json(parse_json(line, limit=1 << 24)["body"]["ballot"]))
            for unit, line in self.store.counted_ballots(election_id)
        ]
        counted.sort(key=lambda item: item[1].tracking_hash())
        return counted

    def _mix_parts(
        self, election_id: str, digests: Iterable[bytes] | None = None
    ) -> dict[bytes, MixPart]:
        """digest -> the ``mix-part`` events on the board (only those with ``digests``
        when given: read by their index, none of the others parsed)."""
        base_hash = self.context(election_id).base_hash
        if digests is None:
            stored = list(self.store.iter_events(election_id, kinds=("mix-part",)))
        else:
            stored = list(self.store.parts_by_digest(election_id, "mix-part", digests).values())
        parts: dict[bytes, MixPart] = {}
        for ev in stored:
            body = parse_json(ev.line, limit=MAX_LINE_BYTES)["body"]
            part = mix_part_from_json(body, f"event {ev.seq}")
            parts[part_digest(base_hash, part)] = part
        return parts

    def _mix_heads(self, election_id: str, conn: Tx | None = None) -> list[MixHead]:
        return [
            mix_head_from_json(parse_json(ev.line, limit=MAX_LINE_BYTES)["body"], f"event {ev.seq}")
            for ev in self.store.iter_events(election_id, kinds=("mix",), conn=conn)
        ]

    def _mixers(self, election_id: str, conn: Tx | None = None) -> dict[str, list[int]]:
        """contest -> the trustees who mixed it, by position (from the small ``mix``
        events alone)."""
        mixers: dict[str, list[int]] = {}
        for head in self._mix_heads(election_id, conn):
            mixers.setdefault(head.contest, []).append(head.trustee)
        return mixers

    def mixes(self, election_id: str) -> dict[str, list[Mix]]:
        """contest -> the mixes on the board, by position, each assembled from its parts."""
        base_hash = self.context(election_id).base_hash
        heads = self._mix_heads(election_id)
        parts = self._mix_parts(election_id, (d for head in heads for d in head.parts))
        chains: dict[str, list[Mix]] = {}
        for head in heads:
            chains.setdefault(head.contest, []).append(assemble(base_hash, head, parts))
        return chains

    def _last_rows(self, election_id: str, contest_id: str, heads: Sequence[MixHead]) -> Rows:
        """What the next mix of ``contest_id`` shuffles: the output of its last mix in
        ``heads`` (only that mix's parts read), or the counted ballots' ciphertexts."""
        chain = [h for h in heads if h.contest == contest_id]
        if not chain:
            counted = [b for _, b in self._counted(election_id)]
            return next_input(self.context(election_id).manifest, contest_id, counted, [])
        last = chain[-1]
        base_hash = self.context(election_id).base_hash
        return assemble(base_hash, last, self._mix_parts(election_id, last.parts)).rows

    def mix_input(self, election_id: str, contest_id: str) -> Rows:
        """The rows the next mix of ``contest_id`` shuffles: the last mix's output, or the
        counted ballots' ciphertexts for the first mix."""
        self.context(election_id).manifest.contest(contest_id)  # an unknown contest is named
        return self._last_rows(election_id, contest_id, self._mix_heads(election_id))

    def submit_mix_line(
        self, election_id: str, line: bytes | str
    ) -> tuple[MixPart | EncodedPart | MixHead | Mix, bool]:
        """One line of a trustee's mix file (record/mix.py): ``{"kind": "mix-part" |
        "mix", "body": ...}``, given to :meth:`submit_mix_part` or :meth:`submit_mix`;
        whether it was stored (a part or a mix already on the board is not)."""
        self.require_tallied(election_id)
        r = Reader(parse_json(line, limit=MAX_LINE_BYTES), "mix file line")
        kind = r.text("kind", max_len=16)
        body = r.raw("body")
        r.done()
        if kind == "mix-part":
            return self.submit_mix_part(election_id, body)
        if kind == "mix":
            return self.submit_mix(election_id, body)
        raise InvalidInput(  # English only: a trustee's mix file, sent by honestballot trustee
            f"a mix file line is a 'mix-part' or a 'mix', not {kind!r}"
        )

    def submit_mix_part(self, election_id: str, body: Any) -> tuple[MixPart | EncodedPart, bool]:
        """Accept one part of a trustee's mix at its contest's next position, signed by
        the trustee (protocol/mix_parts.check_part); ``(part, False)`` if the same part is
        already on the board (a trustee sending its file again stores nothing twice).

        The place, shape and signature are checked on the part's encodings first, so that
        a part from anyone but the trustee is turned away before its points are decoded."""
        ctx, key = self.context(election_id), self.election_key(election_id)
        check_phase(BoardRules(phase=Phase(self.phase(election_id))), "mix-part")
        encoded = encoded_part_from_json(body, "mix part")
        ctx.manifest.contest(encoded.contest)  # an unknown contest is named
        digest = encoded.digest(ctx.base_hash)
        if self.store.parts_by_digest(election_id, "mix-part", [digest]):
            return encoded, False  # nothing decoded for a part sent again
        mixers = self._mixers(election_id)
        earlier = mixers.get(encoded.contest, [])
        rows_in = self._mixed_rows(election_id)
        check_encoded_part(
            ctx.manifest, ctx.base_hash, key.verification_keys, earlier, rows_in, encoded
        )
        event = MixPartEvent(
            encoded.contest, encoded.position, encoded.trustee, encoded.index, encoded.offset,
            len(encoded.rows),
        )  # fmt: skip
        # the board's rule 9 before the points are decoded: a part out of its place costs
        # nothing more
        self._mix_board(election_id, event).check(event)
        part = mix_part_from_json(body, "mix part")
        check_part(ctx.manifest, ctx.base_hash, key.verification_keys, earlier, rows_in, part)
        obj = mix_part_to_json(part)
        with self.store.transaction(election_id) as conn:
            if self.store.has_part(conn, election_id, "mix-part", digest):
                return encoded, False
            board = self._mix_board(election_id, event, conn)
            board.apply(event)
            self._append(conn, election_id, "mix-part", obj, digest)
        _keep_few(self._mix_meta, digest, event, most=1 << 16)
        self.publish_tree_head(election_id)
        return part, True

    def _mixed_rows(self, election_id: str) -> int:
        """How many rows every mix of the election shuffles: its counted ballots (fixed
        once it is closed, when mixing may begin)."""
        return self.store.counted_count(election_id)

    def _mix_board(
        self, election_id: str, event: MixPartEvent, conn: Tx | None = None
    ) -> BoardRules:
        """The board as rule 9 sees ``event``: the phase, the contests' mixers, and what
        the trustee's parts of the event's contest on the board cover."""
        phase = (
            self.phase(election_id)
            if conn is None
            else self.store.election_phase(conn, election_id)
        )
        board = BoardRules(phase=Phase(phase), mix_chains=self._mixers(election_id, conn))
        place = (event.contest, event.trustee)
        digests = self.store.part_digests(election_id, "mix-part", conn)
        missing = [d for d in digests if d not in self._mix_meta]
        if missing:
            for digest, ev in self.store.parts_by_digest(election_id, "mix-part", missing).items():
                b = parse_json(ev.line, limit=MAX_LINE_BYTES)["body"]
                meta = MixPartEvent(
                    b["contest"], b["position"], b["trustee"], b["part"], b["offset"],
                    len(b["rows"]),
                )  # fmt: skip
                _keep_few(self._mix_meta, digest, meta, most=1 << 16)
        for digest in digests:
            meta = self._mix_meta[digest]
            if (meta.contest, meta.trustee) == place:
                board.apply(meta)
        return board

    def submit_mix(self, election_id: str, body: Any) -> tuple[MixHead | Mix, bool]:
        """Accept the ``mix`` that closes a trustee's mix only if it is the contest's
        next, its parts are on the board, and its proof of shuffle and the trustee's
        signature verify; ``(head, False)`` if the very same mix is on the board already.

        The place and the signature come first (from the small head alone); then only
        the parts it names and the previous mix's are read; its place in the chain is
        checked again under the lock."""
        ctx, key = self.context(election_id), self.election_key(election_id)
        check_phase(BoardRules(phase=Phase(self.phase(election_id))), "mix")
        head = mix_head_from_json(body, "mix")
        ctx.manifest.contest(head.contest)  # an unknown contest is named before the input
        heads = self._mix_heads(election_id)
        if head in heads:
            return head, False
        earlier = [h.trustee for h in heads if h.contest == head.contest]
        check_head(ctx.manifest, ctx.base_hash, key.verification_keys, earlier, head)
        previous = self._last_rows(election_id, head.contest, heads)
        mix = check_mix(
            ctx.manifest,
            ctx.base_hash,
            ctx.public_key,
            key.verification_keys,
            previous,
            earlier,
            head,
            self._mix_parts(election_id, head.parts),
        )
        with self.store.transaction(election_id) as conn:
            board, _ = self._board(conn, election_id)
            mixers = self._mixers(election_id, conn)
            if mixers.get(head.contest, []) != earlier:
                message = (
                    f"another mix of contest {head.contest!r} was published meanwhile: "
                    "download the record and mix again"
                )
                raise ProtocolError(Text("mix.meanwhile", message, contest=head.contest))
            board.mix_chains = mixers
            board.apply(MixEvent(head.contest, head.position, head.trustee))
            self._append(conn, election_id, "mix", mix_head_to_json(head))
        self.publish_tree_head(election_id)
        return mix, True

    def tally(self, election_id: str) -> EncryptedTally:
        """Sum the counted ballots and publish the encrypted tally (after close); a
        contest counted by mixing contributes the rows of its last mix, which at least k
        distinct trustees must have made (the tally names that mix by its digest)."""
        self.require_tallied(election_id)
        ctx = self.context(election_id)
        check_phase(BoardRules(phase=Phase(self.phase(election_id))), "tally")
        chains = self.mixes(election_id)
        check_chain_complete(ctx.manifest, self.election_key(election_id).threshold, chains)
        result = compute_tally(
            ctx.manifest,
            ctx.base_hash,
            self._counted(election_id),
            {contest: chain[-1] for contest, chain in chains.items()},
        )
        entries = len(result.tally.entries)
        if entries > MAX_ENTRIES:
            # a tally no trustee could read (nor any verifier) would leave the election
            # stuck in the tallied phase: refuse it while the election is still closed
            message = (
                f"the encrypted tally would list {entries:,} sums, more than the "
                f"{MAX_ENTRIES:,} a record's tally holds (docs/record-format.md §7)"
            )
            raise ProtocolError(Text("tally.too_large", message, entries=entries, most=MAX_ENTRIES))
        body = {
            "tally": result.tally.to_object(),
            "counted_per_unit": [{"unit": u, "ballots": n} for u, n in result.counted_per_unit],
        }
        used = {contest: [m.trustee for m in chain] for contest, chain in chains.items()}
        with self.store.transaction(election_id) as conn:
            # a mix appended since the chains were read would stand before this tally
            if self._mixers(election_id, conn) != used:
                raise ProtocolError(
                    Text(
                        "tally.mix_meanwhile",
                        "a mix was published meanwhile: publish the tally again",
                    )
                )
            board, _ = self._board(conn, election_id)
            board.apply(TallyEvent())
            self._append(conn, election_id, "tally", body)
            self.store.set_phase(conn, election_id, "tallied")
        self.publish_tree_head(election_id)
        self._tallies[election_id] = result.tally
        return result.tally

    def published_tally(self, election_id: str) -> tuple[PublishedTally, list[tuple[str, int]]]:
        """The ``tally`` event as it stands: the listed sums and the mixes it names (no
        mixed row read), and the counted ballots per unit; decoded once per process and
        kept, keyed by the event's leaf hash (a published tally never changes)."""
        for ev in self.store.iter_events(election_id, kinds=("tally",)):
            kept = self._published.get(election_id)
            if kept is not None and kept[0] == ev.leaf_hash:
                return kept[1], kept[2]
            body = parse_json(ev.line, limit=MAX_LINE_BYTES)["body"]
            counts = [(str(c["unit"]), int(c["ballots"])) for c in body["counted_per_unit"]]
            published = decode_encrypted_tally(body["tally"])
            _keep_few(self._published, election_id, (ev.leaf_hash, published, counts))
            return published, counts
        raise ProtocolError(Text("tally.none", "no tally has been published yet"))

    def _tally_shape(self, election_id: str) -> TallyShape:
        published, _ = self.published_tally(election_id)
        return published_shape(published, self.context(election_id).manifest)

    def encrypted_tally(self, election_id: str) -> tuple[EncryptedTally, list[tuple[str, int]]]:
        """The published tally with the rows of the mixes it names (read once, then kept:
        a published tally never changes), and the counted ballots per unit."""
        published, counts = self.published_tally(election_id)
        kept = self._tallies.get(election_id)
        if kept is not None and kept.published() == published:
            return kept, counts
        base_hash = self.context(election_id).base_hash
        heads = self._mix_heads(election_id)
        last = {h.contest: h for h in heads}  # heads are in board order
        named = [last[m.contest] for m in published.mixes if m.contest in last]
        parts = self._mix_parts(election_id, (d for h in named for d in h.parts))
        slots = {c.id: c.slot_ids for c in self.context(election_id).manifest.contests}
        mixes = {}
        for head in named:
            mix = assemble(base_hash, head, parts)
            mixes[head.contest] = (mix.digest, slots[head.contest], mix.rows)
        tally = published.resolve(mixes)
        _keep_few(self._tallies, election_id, tally)
        return tally, counts

    def submit_decryption_share(
        self, election_id: str, data: bytes | str
    ) -> tuple[SharePart | EncodedSharePart | ShareHead, bool]:
        """A trustee's share file of a tally without mixed contests (the
        ``decryption-share`` object), or one line of a share file in parts
        (record/share_parts.py): ``{"kind": "share-part" | "decryption-share", "body":
        ...}``, given to :meth:`submit_share_part` or :meth:`submit_share_head`; whether
        it was stored (a part already on the board is not)."""
        r = Reader(parse_json(data, limit=MAX_LINE_BYTES, what="decryption share"), "share")
        if not r.has("kind"):
            return self.submit_share_head(election_id, r.obj), True
        kind = r.text("kind", max_len=20)
        body = r.raw("body")
        r.done()
        if kind == "share-part":
            return self.submit_share_part(election_id, body)
        if kind == "decryption-share":
            b = Reader(body, "decryption-share line.body")
            share = b.raw("share")
            b.done()
            return self.submit_share_head(election_id, share), True
        raise InvalidInput(  # English only: a trustee's upload from the command line
            f"a share file line is a 'share-part' or a 'decryption-share', not {kind!r}"
        )

    def submit_share_part(
        self, election_id: str, body: Any
    ) -> tuple[SharePart | EncodedSharePart, bool]:
        """Accept one part of a trustee's decryption share of the tally's mixed rows,
        signed by the trustee and every proof verified (protocol/share_parts.check_part);
        ``(part, False)`` if the same part is already on the board.  The trustee's
        signature is checked on the encodings first, then the place against the tally
        (kept decoded), before any point of the part is decoded or any mixed row read; and
        no part is taken from a trustee whose share is on the board already."""
        ctx, key = self.context(election_id), self.election_key(election_id)
        check_phase(BoardRules(phase=Phase(self.phase(election_id))), "share-part")
        encoded = encoded_share_part_from_json(body, "decryption share part")
        digest = encoded.digest(ctx.base_hash)
        if self.store.parts_by_digest(election_id, "share-part", [digest]):
            return encoded, False
        check_encoded_share_part(ctx.base_hash, key, self._tally_shape(election_id), encoded)
        event = SharePartEvent(
            encoded.trustee, encoded.index, encoded.contest, encoded.offset, len(encoded.rows)
        )
        # the board's rule 7 before the proofs: a part out of its place costs nothing more
        self._share_board(election_id, event.trustee).check(event)
        tally, _ = self.encrypted_tally(election_id)
        part = share_part_from_json(body, "decryption share part")
        check_share_part(ctx.base_hash, key, tally, part)
        with self.store.transaction(election_id) as conn:
            if self.store.has_part(conn, election_id, "share-part", digest):
                return encoded, False
            board = self._share_board(election_id, event.trustee, conn)
            board.apply(event)
            self._append(conn, election_id, "share-part", share_part_to_json(part), digest)
        _keep_few(self._part_meta, digest, meta_of(part), most=1 << 16)
        return part, True

    def _share_board(self, election_id: str, trustee: int, conn: Tx | None = None) -> BoardRules:
        """The board as rule 7 sees it for ``trustee``'s next share part: the phase, the
        trustees with a share, and what ``trustee``'s parts on the board cover."""
        phase = (
            self.phase(election_id)
            if conn is None
            else self.store.election_phase(conn, election_id)
        )
        board = BoardRules(
            phase=Phase(phase), share_trustees=self._share_trustees(election_id, conn)
        )
        digests = self.store.part_digests(election_id, "share-part", conn)
        places = self._share_part_places(election_id, digests)
        for digest in digests:
            meta = places[digest]
            if meta.trustee == trustee:
                board.apply(
                    SharePartEvent(meta.trustee, meta.index, meta.contest, meta.offset, meta.rows)
                )
        return board

    def _share_trustees(self, election_id: str, conn: Tx | None = None) -> set[int]:
        return {
            int(parse_json(ev.line, limit=MAX_LINE_BYTES)["body"]["share"]["trustee"])
            for ev in self.store.iter_events(election_id, kinds=("decryption-share",), conn=conn)
        }

    def _share_parts(self, election_id: str, digests: Iterable[bytes]) -> dict[bytes, SharePart]:
        base_hash = self.context(election_id).base_hash
        parts: dict[bytes, SharePart] = {}
        for ev in self.store.parts_by_digest(election_id, "share-part", digests).values():
            body = parse_json(ev.line, limit=MAX_LINE_BYTES)["body"]
            part = share_part_from_json(body, f"event {ev.seq}")
            parts[share_part_digest(base_hash, part)] = part
        return parts

    def _share_part_places(
        self, election_id: str, digests: Sequence[bytes]
    ) -> dict[bytes, PartMeta]:
        """digest -> the place of each ``share-part`` on the board with these digests,
        kept once read (no point of a part is decoded for it)."""
        places = {d: self._part_meta[d] for d in digests if d in self._part_meta}
        missing = [d for d in digests if d not in places]
        if missing:
            for ev in self.store.parts_by_digest(election_id, "share-part", missing).values():
                body = parse_json(ev.line, limit=MAX_LINE_BYTES)["body"]
                meta = meta_of(encoded_share_part_from_json(body, f"event {ev.seq}"))
                assert ev.tracking_hash is not None  # a part's digest
                places[ev.tracking_hash] = meta
                _keep_few(self._part_meta, ev.tracking_hash, meta, most=1 << 16)
        return places

    def _share(self, election_id: str, tally: EncryptedTally, head: ShareHead) -> DecryptionShare:
        """The share a head closes, from its parts on the board (checked when stored)."""
        return assemble_share(tally, head, self._share_parts(election_id, head.parts or ()))

    def submit_share_head(self, election_id: str, obj: Any) -> ShareHead:
        """Accept a trustee's ``decryption-share`` only if every proof in it verifies and
        its parts (when the tally has mixed contests) are on the board, in order.  The
        listed shares' proofs come first, and the parts are checked by their places
        alone (each was verified when it was stored): no mixed row is read and no point
        of a part decoded."""
        key = self.election_key(election_id)
        check_phase(BoardRules(phase=Phase(self.phase(election_id))), "decryption-share")
        head = share_head_from_json(obj, "decryption share")
        published, _ = self.published_tally(election_id)
        verify_head(key, published, head)
        places = self._share_part_places(election_id, list(head.parts or ()))
        check_parts_named(self._tally_shape(election_id), head, places)
        with self.store.transaction(election_id) as conn:
            board, _ = self._board(conn, election_id)
            board.share_trustees = self._share_trustees(election_id, conn)
            board.apply(DecryptionShareEvent(head.trustee))
            self._append(conn, election_id, "decryption-share", {"share": share_head_to_json(head)})
        return head

    def share_heads(self, election_id: str) -> list[ShareHead]:
        return [
            share_head_from_json(
                parse_json(ev.line, limit=MAX_LINE_BYTES)["body"]["share"], "share"
            )
            for ev in self.store.iter_events(election_id, kinds=("decryption-share",))
        ]

    def publish_result(self, election_id: str) -> dict[str, int]:
        """Combine the published shares (any k), recover the counts, publish the result."""
        key = self.election_key(election_id)
        tally, counts_per_unit = self.encrypted_tally(election_id)
        # every share on the board was verified when it was stored, its parts included
        heads = self.share_heads(election_id)
        shares = [self._share(election_id, tally, h) for h in heads]
        decrypted = combine_valid_shares(key, tally, shares, parts_checked=True)
        ballots = sum(n for _, n in counts_per_unit)
        ctx = self.context(election_id)
        manifest = ctx.manifest
        table = DiscreteLogTable(plaintext_bound(manifest, ballots))
        counts = {e.id: table.solve(e.plaintext) for e in decrypted.entries}
        listed = {e.id for e in tally.entries}
        body = {
            "counts": [{"id": i, "count": c} for i, c in counts.items() if i in listed],
            **mixed_result(manifest, ballots, counts),
            **ranked_result(manifest, ctx.base_hash, ballots, counts),
            "trustees": list(decrypted.trustees),
            "rejected_shares": [
                {"trustee": t, "reason": r}
                for t, r in ((x.trustee, x.reason) for x in decrypted.rejected)
            ],
        }
        with self.store.transaction(election_id) as conn:
            # a share stored by another process since the shares were read stands before
            # this result, and the result must combine the k lowest of all (§7)
            stored = sum(
                1
                for _ in self.store.iter_events(election_id, kinds=("decryption-share",), conn=conn)
            )
            if stored != len(heads):
                raise ProtocolError(  # English only: accept_share catches it
                    "a decryption share was published meanwhile: publish the result again"
                )
            board, _ = self._board(conn, election_id)
            board.apply(ResultEvent())
            self._append(conn, election_id, "result", body)
            self.store.set_phase(conn, election_id, "done")
        self.publish_tree_head(election_id)
        return counts
