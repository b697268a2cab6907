"""What a signed-in voter does in an election with re-voting protection: start and make a
registration, cast and audit ballots version 2, look a receipt up (docs/coercion.md
§2.4–§2.6, §3); the activity log gets each voter's first ballot only (§9).

**The answer rule** (§2.6).  No answer, and no query behind it, depends on the voter's
credential state.  A ballot or audit names its credential privately by ``t``; the
credential is looked up by its tag point, current and revoked alike, in one query and one
code path; the only credential error is "not registered" (no registration of this voter
has this ``(sigma, t)``).  The cap counts every ballot of a credential and refuses in
the same words for all.  A retry (the very same ballot or registration sent again) is
answered as the first time and appends nothing.

**What is kept** (store/revoting.py): per voter the current revocation point; the nonces
issued to sessions with the commitment made for each; per credential ``t``, ``tau``,
``sigma``, the counter start and the ballot count (the current one is the one whose
``tau`` is the voter's revocation point); the registrations,
cast rows and audited ballots waiting for the board.  The randomness of ``Enc(R)`` and
of each counter is drawn in :func:`make_commitment` and :func:`make_cast_row` and
dropped there: no variable here holds it and no column can.

Every object is checked completely (its public proofs, then the designated-verifier
proofs) before any lock is taken; then each request reads what may have changed and
writes, in one transaction under the election's lock in shared mode (voters' requests
run together; the batches, the close and the phase changes hold it exclusively) and one
row lock: a registration its voter's row (one voter's registrations one at a time), a
cast or audit its credential's row (one credential's ballots and audits one at a time).
A registration writes no row a cast or audit locks, so that none waits for it
(docs/coercion.md §2.6, "Timing").  A race between two voters
over a unique key (one ciphertext's alpha in both, one credential registered by both)
ends as if the requests had come one after the other (:meth:`RevotingDesk._locked`).
The objects wait for the board's batches (increment 4): a receipt says "recorded".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from honestballot.crypto.elgamal import Ciphertext
from honestballot.crypto.group import Point, Scalar
from honestballot.crypto.plaintext_awareness import RandomnessProof
from honestballot.crypto.randomness import Randomness
from honestballot.crypto.tagging import tag_point
from honestballot.errors import (
    BallotRejected,
    Forbidden,
    InvalidInput,
    InvalidProof,
    NotFound,
    NotRegistered,
    ProtocolError,
    Text,
)
from honestballot.protocol.ballot import check_opening, tracking_code
from honestballot.protocol.ballot_v2 import (
    BallotPrivate,
    BallotV2,
    ballot_alphas,
    check_audit_count,
    check_private,
    counter_start,
    make_cast_row,
    next_counter,
    verify_ballot_v2,
)
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.ranked import read_in_order
from honestballot.protocol.registration import (
    Commitment,
    make_commitment,
    registration_alphas,
    verify_registration,
)
from honestballot.protocol.registration import check_private as check_registration_private
from honestballot.record.ballot import MAX_BALLOT_BYTES, opening_from_json, opening_to_json
from honestballot.record.codec import canonical_bytes, parse_json
from honestballot.record.revoting import (
    MAX_PRIVATE_BYTES,
    MAX_REGISTRATION_BYTES,
    ballot_private_from_json,
    ballot_v2_from_json,
    ballot_v2_to_json,
    cast_row_to_json,
    registration_from_json,
    registration_private_from_json,
    registration_to_json,
)
from honestballot.service.activity import Signals, log_first_ballot
from honestballot.service.board.election import ElectionService
from honestballot.store.sql import KeyConflict, Tx, unique_key_conflict

T = TypeVar("T")
L = TypeVar("L")

log = logging.getLogger(__name__)

#: unused nonces a session keeps; starting another forgets the oldest
NONCES_PER_SESSION: Final = 4
#: how long a started registration may wait for the device
NONCE_LIFETIME_MS: Final = 15 * 60 * 1000
#: a cast as sent: a ballot version 2 (at most ``MAX_BALLOT_BYTES``, as version 1's
#: ballot document) and its private part, with room for the envelope's keys and white
#: space; the voter API's route takes no larger body (web/security.py)
MAX_CAST_REQUEST_BYTES: Final = MAX_BALLOT_BYTES + MAX_PRIVATE_BYTES + 1024
#: an audit as sent: the ballot, its contests' opening and its private part (the route's
#: limit too)
MAX_AUDIT_REQUEST_BYTES: Final = 1 << 20

NOT_OPEN = Text("revoting.not_open", "voting is not open")
NO_LETTER = Text("revoting.no_letter", "the encrypted roll holds no activation letter for you")
NONCE = Text(
    "registration.nonce",
    "this registration was not started in this session, was used or has expired: start it again",
)
TAKEN = Text("registration.taken", "this credential is registered already: make a new credential")
NOT_REGISTERED = Text("ballot.not_registered", "this credential is not registered")
AUDITED = Text("ballot.audited", "this ballot was audited: an audited ballot is never cast")
CAST = Text("audit.cast", "this ballot was cast: a cast ballot cannot be audited")
REGISTRATION_REUSED = Text(
    "registration.ciphertext_reused",
    "this registration reuses a ciphertext of another registration or ballot: make it again",
)
REUSED = Text(
    "ballot.ciphertext_reused",
    "this ballot reuses a ciphertext of another ballot: make the ballot again",
)
NO_RECEIPT = Text("ballot.no_receipt", "no ballot with this tracking hash")


def _shape(key: str, english: str) -> InvalidInput:
    return InvalidInput(Text(key, english))


@dataclass(frozen=True, slots=True)
class Answer:
    """The tracking code of a registration or ballot; ``new`` is False for a retry (the
    answer is otherwise the same)."""

    tracking_hash: bytes
    new: bool = True

    def to_json(self) -> dict[str, str]:
        return {
            "tracking_code": tracking_code(self.tracking_hash),
            "tracking_hash": self.tracking_hash.hex(),
        }


def _ct_bytes(ct: Ciphertext) -> bytes:
    return ct.alpha.data + ct.beta.data


def _commitment_of(row: Mapping[str, Any]) -> Commitment:
    """The commitment a nonce row was issued with."""
    revokes, proof = bytes(row["revokes"]), bytes(row["revokes_proof"])
    return Commitment(
        bytes(row["nonce"]),
        Ciphertext(Point.decode(revokes[:32]), Point.decode(revokes[32:])),
        RandomnessProof(Scalar.decode(proof[:32]), Scalar.decode(proof[32:])),
    )


def _object(payload: bytes, keys: set[str], limit: int, key: str, english: str) -> Any:
    obj = parse_json(payload, limit=limit)
    if not isinstance(obj, dict) or set(obj) != keys:
        raise _shape(key, english)
    return obj


class RevotingDesk:
    def __init__(
        self,
        elections: ElectionService,
        clock: Callable[[], int],
        rng: Randomness | None = None,
    ) -> None:
        self.elections = elections
        self.store = elections.store
        self.clock = clock
        #: the service's randomness (Enc(R), nonces, counters); never kept
        self.rng = rng if rng is not None else elections.rng

    def context(self, election_id: str) -> ElectionContext:
        """The election's context; :class:`ProtocolError` unless it takes this flow."""
        self.elections.require_revoting(election_id)
        return self.elections.context(election_id)

    def _require_open(self, conn: Tx, election_id: str) -> None:
        row = self.store.election_row(conn, election_id)
        if row is None or row["phase"] != "open":
            raise ProtocolError(NOT_OPEN)

    def _locked(
        self,
        election_id: str,
        lock: Callable[[Tx], L],
        step: Callable[[Tx, L], T],
    ) -> T:
        """``step`` in one transaction under the election's shared lock (the election open
        throughout, no batch or close in between) and the row lock ``lock`` takes (the
        voter's for a registration, the credential's for a cast or audit), given what
        the locked row holds.  Other voters' requests run meanwhile: where one of
        them committed a row this transaction then inserts again (a tag or voting point,
        an alpha, a tracking hash: unique keys), the database refuses the insert, and
        ``step`` runs once more, now seeing that row, so the answer is the one the
        requests would have had one after the other.  Only a unique key's conflict runs
        it again (and is logged, with the key's name and nothing of the request): any
        other broken constraint (NOT NULL, CHECK) is a fault, raised at once."""
        for attempt in (1, 2):
            try:
                with self.store.transaction(election_id, shared=True) as conn:
                    self._require_open(conn, election_id)
                    return step(conn, lock(conn))
            except KeyConflict as exc:
                key = unique_key_conflict(exc)
                if attempt == 2 or key is None:
                    raise
                log.info(
                    "election %s: a request met a concurrent one's row on %s; "
                    "its locked part runs once more",
                    election_id,
                    key,
                )
        raise AssertionError("unreachable")

    # -- registration (§2.4) ----------------------------------------------------------------

    def start_registration(self, election_id: str, voter_id: int, session: str) -> Commitment:
        """The service's commitment for a registration in this session: a fresh nonce and
        ``Enc(R)`` of the voter's current revocation point, one lookup and one encryption
        whatever the voter's credentials."""
        ctx = self.context(election_id)
        with self.store.transaction() as conn:
            self._require_open(conn, election_id)
            voter = self.store.revoting_voter(conn, election_id, voter_id)
            if voter is None:
                raise Forbidden(NO_LETTER)
            revoked = Point.decode(voter[2])
            made = make_commitment(ctx.base_hash, ctx.public_key, revoked, self.rng)
            row = {
                "nonce": made.nonce,
                "voter_id": voter_id,
                "session": session,
                "revokes_point": revoked.data,
                "revokes": _ct_bytes(made.revokes),
                "revokes_proof": made.proof.challenge.encode() + made.proof.response.encode(),
                "created_ms": self.clock(),
            }
            self.store.issue_nonce(conn, election_id, row, keep=NONCES_PER_SESSION)
        return made

    def register(self, election_id: str, voter_id: int, session: str, payload: bytes) -> Answer:
        """``{"registration": …, "private": …}``: check it all, then in one transaction use
        the nonce, add the new credential, make it the voter's current one by setting the
        voter's revocation point to its ``tau`` (no earlier credential's row is written)
        and queue the registration for the board.  The same registration sent again gets the same
        answer and changes nothing; once the first is committed, the resend is answered
        from a read before the voter's lock, as are the refusals that rest on committed
        rows, so neither waits for the voter's row (docs/coercion.md §2.6)."""
        ctx = self.context(election_id)
        obj = _object(
            payload,
            {"registration", "private"},
            MAX_REGISTRATION_BYTES + MAX_PRIVATE_BYTES,
            "registration.shape",
            "a registration request holds exactly two fields: registration and private",
        )
        reg = registration_from_json(obj["registration"])
        private = registration_private_from_json(obj["private"])
        verify_registration(ctx.base_hash, ctx.public_key, reg)
        alphas = registration_alphas(reg)  # no two of its ciphertexts share their randomness
        tracking = reg.tracking_hash(ctx.public_key)
        nonce = reg.commitment.nonce
        with self.store.connect() as conn:
            issued = self.store.nonce_row(conn, election_id, nonce)
            voter = self.store.revoting_voter(conn, election_id, voter_id)
            # read for every registration request, whatever the voter's credentials
            before = self.store.queued(conn, election_id, tracking)
            election = self.store.election_row(conn, election_id)
        if voter is None:
            raise Forbidden(NO_LETTER)
        if issued is None or int(issued["voter_id"]) != voter_id:
            raise InvalidInput(NONCE)
        tau = check_registration_private(
            ctx.base_hash, ctx.public_key, verifier_key(ctx), reg, private,
            _commitment_of(issued), Point.decode(voter[0]), Point.decode(voter[1]),
        )  # fmt: skip
        if before is not None and before[0] == "registration":
            # a retry whose answer was lost, answered without the voter's lock: a queued
            # row is never removed, and waiting on the voter's row would let whoever holds
            # an earlier registration request time the voter's registrations (§2.6)
            if election is None or election["phase"] != "open":
                raise ProtocolError(NOT_OPEN)  # as under the lock
            return Answer(tracking, new=False)
        sigma = private.voting_point
        body = canonical_bytes(registration_to_json(reg)).decode()
        now = self.clock()
        # the refusals below are made from committed rows before the voter's lock, and
        # once more under it: a credential, an alpha, a used nonce and a revocation point
        # moved on are never undone, so the answer is the one the lock would give, and a
        # request refused here does not wait while a registration of the voter is in
        # flight (someone who can make a registration on an earlier commitment of the
        # voter cannot time the voter's registrations with it, §2.6)
        with self.store.connect() as conn:
            taken = self.store.credential_taken(conn, election_id, tau.data, sigma.data)
            reused = bool(self.store.revoting_alphas(conn, election_id, alphas))
        if taken:
            raise InvalidInput(TAKEN)
        if reused:
            raise InvalidInput(REGISTRATION_REUSED)
        if (
            issued["session"] != session
            or now - int(issued["created_ms"]) > NONCE_LIFETIME_MS
            or bytes(voter[2]) != bytes(issued["revokes_point"])
            or issued["used"]
        ):
            raise InvalidInput(NONCE)

        def locked(conn: Tx, current: tuple[bytes, bytes, bytes] | None) -> Answer:
            queued = self.store.queued(conn, election_id, tracking)
            if queued is not None and queued[0] == "registration":
                # a retry whose original was still in its transaction at the read above
                return Answer(tracking, new=False)
            # a credential registered already is refused before the nonce is looked at:
            # the nonce's answer depends on whether the voter registered since the start,
            # and a coercer holding an old credential must not learn that by resending it
            if self.store.credential_taken(conn, election_id, tau.data, sigma.data):
                raise InvalidInput(TAKEN)
            if self.store.revoting_alphas(conn, election_id, alphas):
                raise InvalidInput(REGISTRATION_REUSED)
            if (
                issued["session"] != session
                or now - int(issued["created_ms"]) > NONCE_LIFETIME_MS
                # a registration of the voter since the start: Enc(R) is not current
                or current is None
                or current[2] != bytes(issued["revokes_point"])
                or not self.store.use_nonce(conn, election_id, nonce)
            ):
                raise InvalidInput(NONCE)
            self.store.add_credential(
                conn,
                election_id,
                voter_id,
                {
                    "tag_point": tau.data,
                    "tag_secret": private.tag_secret,
                    "voting_point": sigma.data,
                    "created_ms": now,
                },
            )
            self.store.set_revocation_point(conn, election_id, voter_id, tau.data)
            self.store.add_revoting_alphas(conn, election_id, tracking, alphas, audited=False)
            self.store.queue_for_board(conn, election_id, "registration", tracking, body, now)
            return Answer(tracking)

        def lock(conn: Tx) -> tuple[bytes, bytes, bytes] | None:
            return self.store.lock_revoting_voter(conn, election_id, voter_id)

        return self._locked(election_id, lock, locked)

    # -- ballots version 2 (§3) -----------------------------------------------------------

    def _credential(
        self, ctx: ElectionContext, voter_id: int, ballot: BallotV2, private: BallotPrivate
    ) -> Point:
        """The credential a ballot's private part names, checked: registered with this
        ``t`` by this voter (current or revoked alike) with this ``sigma``, and the two
        designated-verifier proofs.  Returns its ``tau``."""
        if len(private.tag_secret) != 32:
            raise InvalidProof("ballot: the tag secret is not 32 bytes")
        tau = tag_point(ctx.base_hash, private.tag_secret)
        with self.store.connect() as conn:
            found = self.store.credential_by_tag(conn, ctx.manifest.election_id, tau.data)
        if (
            found is None
            or int(found["voter_id"]) != voter_id
            or bytes(found["voting_point"]) != private.voting_point.data
        ):
            raise NotRegistered(NOT_REGISTERED)
        check_private(ctx, verifier_key(ctx), ballot, private, private.voting_point)
        return tau

    def _ballot_request(
        self, election_id: str, payload: bytes, keys: set[str], limit: int, english: str
    ) -> tuple[ElectionContext, Any, BallotV2, BallotPrivate]:
        ctx = self.context(election_id)
        obj = _object(payload, keys, limit, "ballot.request_shape", english)
        ballot = ballot_v2_from_json(obj["ballot"])
        private = ballot_private_from_json(obj["private"])
        verify_ballot_v2(ctx, ballot)  # the public proofs, before any lock
        return ctx, obj, ballot, private

    def cast(self, election_id: str, voter_id: int, payload: bytes, client: Signals) -> Answer:
        """``{"ballot": …, "private": …}``: the ballot's cast row queued for the board, and
        its tracking code ("recorded").  The very same ballot sent again gets the original
        answer and appends nothing, whether or not it is the credential's latest.

        In the same transaction the activity log gets the ballot's ``ballot-cast`` row
        (its time and ``client``'s address, device and session) if it is the voter's
        first ballot under any of the voter's credentials, and nothing otherwise; the
        one statement that decides it is run for every new ballot (docs/coercion.md §9)."""
        ctx, _, ballot, private = self._ballot_request(
            election_id, payload, {"ballot", "private"}, MAX_CAST_REQUEST_BYTES,
            "the ballot request's fields are not ballot and private (and opening for an audit)",
        )  # fmt: skip
        tau = self._credential(ctx, voter_id, ballot, private)
        tracking = ballot.tracking_hash(ctx.public_key)
        alphas = ballot_alphas(ballot)

        def locked(conn: Tx, credential: dict[str, Any] | None) -> Answer:
            assert credential is not None  # registered credentials are never removed
            queued = self.store.queued(conn, election_id, tracking)
            if queued is not None:
                if queued[0] == "cast-row":
                    return Answer(tracking, new=False)  # a retry whose answer was lost
                raise BallotRejected(AUDITED)
            seen = self.store.revoting_alphas(conn, election_id, alphas)
            if seen:
                raise BallotRejected(AUDITED if any(seen.values()) else REUSED)
            start = credential["counter_start"]
            start = counter_start(self.rng) if start is None else int(start)
            ballots = int(credential["ballots"])
            row = make_cast_row(ctx, ballot, next_counter(start, ballots), self.rng)
            body = canonical_bytes(cast_row_to_json(row)).decode()
            self.store.count_ballot(conn, election_id, tau.data, start, ballots + 1)
            self.store.add_revoting_alphas(conn, election_id, tracking, alphas, audited=False)
            now = self.clock()
            self.store.queue_for_board(conn, election_id, "cast-row", tracking, body, now)
            # last, so that the transaction commits right after this statement
            log_first_ballot(conn, election_id, voter_id, now, client)
            return Answer(tracking)

        return self._locked(election_id, self._credential_lock(election_id, tau), locked)

    def _credential_lock(
        self, election_id: str, tau: Point
    ) -> Callable[[Tx], dict[str, Any] | None]:
        """The lock of a cast or audit: its credential's row, current or revoked alike (one
        statement), never the voter's, which a registration holds."""
        return lambda conn: self.store.lock_credential(conn, election_id, tau.data)

    def audit(
        self, election_id: str, voter_id: int, payload: bytes
    ) -> tuple[dict[str, list[str]], Answer]:
        """``{"ballot": …, "opening": …, "private": …}``: a Benaloh audit of a ballot
        version 2 under a credential of this voter (current or revoked alike).  It is
        queued for the board with its contests' opening, never as a row; the answer is
        the choices it encrypts (as version 1 shows them) and its tracking code.  The same
        audit sent again gets the same answer and queues nothing more."""
        ctx, obj, ballot, private = self._ballot_request(
            election_id, payload, {"ballot", "opening", "private"}, MAX_AUDIT_REQUEST_BYTES,
            "the ballot request's fields are not ballot and private (and opening for an audit)",
        )  # fmt: skip
        opening = opening_from_json(obj["opening"])
        choices = check_opening(ctx, ballot, opening)
        tau = self._credential(ctx, voter_id, ballot, private)
        tracking = ballot.tracking_hash(ctx.public_key)
        alphas = ballot_alphas(ballot)
        body = canonical_bytes(
            {"ballot": ballot_v2_to_json(ballot), "opening": opening_to_json(opening)}
        ).decode()

        def locked(conn: Tx, credential: dict[str, Any] | None) -> bool:
            assert credential is not None  # registered credentials are never removed
            queued = self.store.queued(conn, election_id, tracking)
            if queued is not None and queued != ("audit", body):
                raise BallotRejected(CAST if queued[0] == "cast-row" else REUSED)
            if queued is None:
                seen = self.store.revoting_alphas(conn, election_id, alphas)
                if seen:
                    raise BallotRejected(REUSED if any(seen.values()) else CAST)
                check_audit_count(int(credential["audits"]))
                self.store.count_audit(conn, election_id, tau.data)
                self.store.add_revoting_alphas(conn, election_id, tracking, alphas, audited=True)
                self.store.queue_for_board(conn, election_id, "audit", tracking, body, self.clock())
            return queued is None

        new = self._locked(election_id, self._credential_lock(election_id, tau), locked)
        shown = {contest: sorted(options) for contest, options in choices.items()}
        for contest, op in zip(ctx.manifest.contests, opening.contests, strict=True):
            if contest.ranked:
                shown[contest.id] = read_in_order(contest, op.plaintexts)
        return shown, Answer(tracking, new=new)

    def receipt(self, election_id: str, tracking: bytes) -> dict[str, str | int]:
        """What anyone holding a ballot's tracking hash may learn: that its cast row is
        included (on the board at ``seq``, where an inclusion proof finds it) or recorded
        (waiting for its batch), or that it is audited (with ``seq`` once the close has
        put it on the board); never anything about its
        credential, and no status such as "counts" (docs/coercion.md §3).  A cover row's
        tracking hash is answered from the board exactly as a voter's: the board first,
        then the queue, with the same two lookups whatever the hash is."""
        self.context(election_id)
        with self.store.connect() as conn:
            on_board = self.store.event_by_tracking(conn, election_id, tracking)
            queued = self.store.queued(conn, election_id, tracking)
        if on_board is not None and on_board.kind == "cast-row":
            return {**Answer(tracking).to_json(), "status": "included", "seq": on_board.seq}
        if on_board is not None and on_board.kind == "audit":
            # on the board from the close: its entry is checked as a cast row's is
            return {**Answer(tracking).to_json(), "status": "audited", "seq": on_board.seq}
        if queued is not None and queued[0] == "cast-row":
            return {**Answer(tracking).to_json(), "status": "recorded"}
        if queued is not None and queued[0] == "audit":
            return {**Answer(tracking).to_json(), "status": "audited"}
        raise NotFound(NO_RECEIPT)


def verifier_key(ctx: ElectionContext) -> Point:
    """The service's designated-verifier key ``W`` of the election, from its setup
    (docs/coercion.md §7): the one key every designated-verifier proof here is checked
    against, and the one the voter's browser takes from the setup it verified."""
    return ctx.verifier_key
