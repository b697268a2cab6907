"""What a signed-in voter does: register a credential, cast, audit.

These glue the election's board (:mod:`election`) to the private roll: the
signed-in voter's credential is the only one that voter may register or cast
with; every accepted ballot queues a cast notice to the voter's phone or e-mail
and an activity row, all in the cast's own transaction, so a committed ballot
always gets its notice and a rolled-back one never does.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Final

from honestballot.crypto.group import Point
from honestballot.errors import (
    BallotRejected,
    Forbidden,
    HonestBallotError,
    InvalidInput,
    Text,
)
from honestballot.protocol.ballot import EncryptedBallot, verify_ballot
from honestballot.protocol.manifest import Label
from honestballot.protocol.ranked import read_in_order
from honestballot.record.ballot import ballot_from_json, load_ballot, opening_from_json
from honestballot.record.codec import decode_point, parse_json
from honestballot.service.activity import activity_row
from honestballot.service.board.cast_queue import Queue
from honestballot.service.board.election import CredentialRequest, ElectionService, Receipt, Within
from honestballot.service.messages.notices import cast_notice_text, notice_row
from honestballot.service.voters.roll import Roll, VoterRow
from honestballot.store.sql import BatchView, RowBuffer, SqlStore


@dataclass(frozen=True, slots=True)
class Client:
    """Who is at the other end of a request, as far as the server can tell (for the
    activity log and the cast notice; a signal, never an identity)."""

    address: str
    device: str
    device_description: str
    user_agent: str
    language: str
    session: str


log = logging.getLogger(__name__)

NOT_ON_ROLL = Text("voter.not_on_roll", "this voter is no longer on the roll")
NOT_YOURS = Text("ballot.not_yours", "the ballot is not signed with your current credential")


@dataclass(frozen=True, slots=True)
class CredentialItem:
    """A voter's credential registration as the credential queue carries it."""

    voter_id: int
    unit: str
    credential: Point
    replaces: Point | None
    #: the credential the voter's row held when the request was checked (None: none yet)
    holds: bytes | None


class _VoterLinks:
    """The voters' rows a batch of registrations changes, checked in memory: each item
    needs its voter's row to hold what the request was made against, as the batch's
    earlier items have left it (the rows are read with the batch's one query, under the
    election's lock, and written with its one statement)."""

    _UNREAD: Final = object()

    def __init__(self, store: SqlStore, election_id: str, items: Sequence[CredentialItem]) -> None:
        self.store = store
        self.election_id = election_id
        self.items = items
        self.voter_ids = sorted({item.voter_id for item in items})

    def check(self, n: int, view: BatchView) -> None:
        holds = view.voter_credentials
        item = self.items[n]
        if holds.get(item.voter_id, self._UNREAD) != item.holds:
            raise InvalidInput(
                Text("credential.changed", "your credential changed meanwhile: reload the page")
            )
        holds[item.voter_id] = item.credential.data

    def save(self, rows: RowBuffer, accepted: Sequence[int]) -> None:
        final = {self.items[n].voter_id: self.items[n].credential.data for n in accepted}
        self.store.plan_voter_credentials(rows, self.election_id, final)


class VotingDesk:
    def __init__(
        self,
        elections: ElectionService,
        roll: Roll,
        clock: Callable[[], int],
        casts: Queue[tuple[int, EncryptedBallot, Client], Receipt] | None = None,
        credentials: Queue[CredentialItem, None] | None = None,
    ) -> None:
        self.elections = elections
        self.roll = roll
        self.clock = clock
        #: with a queue, ballots cast at the same time share one commit (group commit)
        self.casts = casts
        #: likewise for credential registrations
        self.credentials = credentials

    def voter(self, election_id: str, voter_id: int) -> VoterRow:
        row = self.roll.voter(election_id, voter_id)
        if row is None:
            raise Forbidden(NOT_ON_ROLL)
        return row

    def register_credential(
        self, election_id: str, voter_id: int, credential_hex: str, replaces_hex: str | None
    ) -> None:
        """Register the credential the voter's device made; replacing the voter's current
        one requires naming it (a page that lost it can still name it: the server tells
        the signed-in voter their current public credential)."""
        self.submit_credential(election_id, voter_id, credential_hex, replaces_hex).result(
            timeout=120
        )

    def submit_credential(
        self, election_id: str, voter_id: int, credential_hex: str, replaces_hex: str | None
    ) -> Future[None]:
        """:meth:`register_credential`, answered through a future: with a credential queue,
        registrations arriving together share one transaction and one commit.  Asking
        again for the credential the voter already has succeeds and changes nothing (a
        retry whose first answer was lost)."""
        self.elections.require_revoting(election_id, False)
        voter = self.voter(election_id, voter_id)
        credential = _point(credential_hex, "credential")
        replaces = _point(replaces_hex, "replaces") if replaces_hex else None
        done: Future[None] = Future()
        if voter.credential == credential.data:  # a repeat of a registration that took effect
            done.set_result(None)
            return done
        current = Point.decode(voter.credential) if voter.credential else None
        if current is not None and replaces != current:
            raise InvalidInput(
                Text(
                    "credential.replaces_missing",
                    "you already have a credential: name it in 'replaces' to replace it",
                )
            )
        if current is None and replaces is not None:
            raise InvalidInput(
                Text("credential.nothing_to_replace", "you have no credential to replace")
            )
        item = CredentialItem(voter_id, voter.unit, credential, replaces, voter.credential)
        if self.credentials is not None:
            return self.credentials.submit(election_id, item)
        result = self.register_credential_batch(election_id, [item])[0]
        if result is None:
            done.set_result(None)
        else:
            done.set_exception(result)
        return done

    def register_credential_batch(
        self, election_id: str, items: Sequence[CredentialItem]
    ) -> list[Exception | None]:
        """Register voters' credentials in one transaction (the credential queue's append
        function): the board's checks, then each voter's row, which must still hold the
        credential the request was made against.  The batch's voters are read with the
        board's rows in one query and written with its other writes, so the election's
        lock is held for a fixed handful of round trips whatever the batch's size."""
        links = _VoterLinks(self.elections.store, election_id, items)
        requests: list[CredentialRequest] = [
            (item.credential, item.unit, item.replaces, functools.partial(links.check, n))
            for n, item in enumerate(items)
        ]
        results = self.elections.register_credential_batch(
            election_id, requests, voters=links.voter_ids, after=links.save
        )
        refused = [n for n, result in enumerate(results) if result is not None]
        if refused:
            # a registration that took effect, sent again (the queue's retry of a batch
            # whose commit answer was lost, or the same request twice in one batch): the
            # voter's row holds its credential, so it is answered as the first time, as
            # submit_credential answers a repeat
            rows = self.roll.voters(election_id, (items[n].voter_id for n in refused))
            for n in refused:
                row = rows.get(items[n].voter_id)
                if row is not None and row.credential == items[n].credential.data:
                    results[n] = None
        return results

    def parse_ballot(self, election_id: str, ballot_json: bytes) -> EncryptedBallot:
        """Parse and verify completely (the costly part, run before any lock)."""
        self.elections.require_revoting(election_id, False)
        ballot = load_ballot(ballot_json)
        verify_ballot(self.elections.context(election_id), ballot)
        return ballot

    def submit_json(
        self, election_id: str, voter_id: int, ballot_json: bytes, client: Client
    ) -> Future[Receipt]:
        """Parse and verify the signed-in voter's ballot, then queue it (the cast request):
        the future gets the receipt after commit.  While the ballot is verified it is
        announced to the queue, so that the batch it will join can wait for it."""
        if self.casts is None:
            done: Future[Receipt] = Future()
            try:
                ballot = self.parse_ballot(election_id, ballot_json)
                done.set_result(self.cast(election_id, voter_id, ballot, client))
            except HonestBallotError as exc:
                done.set_exception(exc)
            return done
        with self.casts.announce() as announced:
            ballot = self.parse_ballot(election_id, ballot_json)
            return self.casts.submit(election_id, (voter_id, ballot, client), announced)

    def cast(
        self, election_id: str, voter_id: int, ballot: EncryptedBallot, client: Client
    ) -> Receipt:
        """Append a verified ballot of the signed-in voter; the receipt comes after commit."""
        item = (voter_id, ballot, client)
        if self.casts is not None:
            return self.casts.cast(election_id, item)
        result = self.cast_batch(election_id, [item])[0]
        if isinstance(result, Exception):
            raise result
        return result

    def cast_batch(
        self, election_id: str, items: Sequence[tuple[int, EncryptedBallot, Client]]
    ) -> list[Receipt | Exception]:
        """Cast several voters' ballots in one transaction (the cast queue's batch).

        The voters are read with one query; each ballot must carry its own voter's current
        credential (a copied ballot of someone else's is refused; a credential replaced
        meanwhile is refused by the board's own check), and each accepted ballot queues
        its cast notice and activity row in the batch's transaction.  A ballot whose
        notice or activity row cannot be made is refused alone, with that error (the
        one it would have had alone); the others of the batch go on.  A ballot of the
        voter's credential already on the board, sent again, gets its original receipt
        (:meth:`ElectionService.cast_batch`)."""
        found = self.roll.voters(election_id, (voter_id for voter_id, _, _ in items))
        title = self.elections.context(election_id).manifest.title
        now = self.clock()
        results: list[Receipt | Exception | None] = []
        accepted: list[tuple[EncryptedBallot, Within]] = []
        for voter_id, ballot, client in items:
            voter = found.get(voter_id)
            if voter is None:
                results.append(Forbidden(NOT_ON_ROLL))
                continue
            if voter.credential is None or ballot.credential.data != voter.credential:
                results.append(BallotRejected(NOT_YOURS))
                continue
            try:
                within = self._bookkeeping(election_id, voter, client, title, now)
            except Exception as exc:  # that ballot's failure only
                results.append(exc)
                continue
            results.append(None)
            accepted.append((ballot, within))
        appended = iter(self.elections.cast_batch(election_id, accepted) if accepted else [])
        return [next(appended) if r is None else r for r in results]

    @staticmethod
    def _bookkeeping(
        election_id: str, voter: VoterRow, client: Client, title: Label, now: int
    ) -> Within:
        """The rows an accepted cast adds: a notice to each of the voter's contacts and
        one ``ballot-cast`` activity row (made now, before the batch takes the election's
        lock; only added under it)."""
        subject, body = cast_notice_text(
            client.language, client.device_description, title.get(client.language)
        )
        notices = []
        for channel, destination in (("sms", voter.phone), ("email", voter.email)):
            if not destination:
                continue
            try:
                notices.append(notice_row(election_id, channel, destination, subject, body, now))
            except InvalidInput:
                # a contact stored before today's rules that no message may go to: the
                # ballot still counts (refusing it would take the vote away), and the
                # operator hears of it, without the contact
                log.warning("a cast notice could not be queued for the voter's %s contact", channel)
        activity = activity_row(
            election_id,
            time_ms=now,
            event="ballot-cast",
            voter=voter.national_id,
            address=client.address,
            device=client.device,
            user_agent=client.user_agent,
            session=client.session,
        )

        def add(rows: RowBuffer, _ballot: EncryptedBallot, _receipt: Receipt) -> None:
            for row in notices:
                rows.add_notice(row)
            rows.add_activity(activity)

        return add

    def audit(self, election_id: str, voter_id: int, payload: bytes) -> dict[str, list[str]]:
        """A Benaloh audit: the device reveals a ballot's randomness; the server checks and
        publishes it (it never counts) and returns what it encrypted: a contest's options
        sorted, a ranked contest's choices in their order (as the count reads them)."""
        self.elections.require_revoting(election_id, False)
        voter = self.voter(election_id, voter_id)
        obj = parse_json(payload, limit=1 << 20)
        if not isinstance(obj, dict) or set(obj) != {"ballot", "opening"}:
            raise InvalidInput(Text("audit.shape", 'an audit is {"ballot": …, "opening": …}'))
        ballot = ballot_from_json(obj["ballot"])
        if voter.credential is None or ballot.credential.data != voter.credential:
            raise BallotRejected(NOT_YOURS)
        opening = opening_from_json(obj["opening"])
        choices = self.elections.audit(election_id, ballot, opening)
        shown = {contest: sorted(options) for contest, options in choices.items()}
        manifest = self.elections.context(election_id).manifest
        for contest, op in zip(manifest.contests, opening.contests, strict=True):
            if contest.ranked:
                shown[contest.id] = read_in_order(contest, op.plaintexts)
        return shown


def _point(text: str, what: str) -> Point:
    """A point as the record writes it: 64 lowercase hex characters (record-format §1);
    RecordFormatError for any other spelling, even of a valid point."""
    return decode_point(text, what)
