"""Property test: random sequences of a voter's device's operations against an election
with re-voting protection (docs/coercion.md §2–§6), through the voter's API.

Hypothesis draws a list of operations -- voters signing in on a device, registering
credentials made there (a later one replaces the earlier, with the activation letter),
casting ballots version 2 (re-votes, under the current credential and under revoked
ones), audits, requests sent again, the batches the schedule posts -- and many the
service must refuse (a copied ballot, an over-vote, a credential never registered or
another voter's, an audited ballot cast, a cast ballot audited, another voter's letter, a
credential registered twice); and whether the election is closed by its trustees.  A
small model of the election predicts each answer and the batch each accepted item is due
in (first in first out, the schedule's numbers of rows and registrations a batch, the
close's block for what still waits, the audits after it); the test asserts:

1. the service answers as the model says; a refusal, and a request sent again, leave
   every row a voter's request may write as it was (``factories.voter_writes``);
2. every accepted registration, ballot and audit is on the board exactly once, in the
   batch the model says it is due in (an audit: at the close), or still waiting if that
   batch is not posted yet;
3. the exported record passes every check of the verifier, and hbcheck's replay of the
   board (of a closed one too in a larger run, :data:`EXAMPLES`: replaying the close
   takes hbcheck seconds);
4. the record changed as a server holding the board key could change it -- an item
   dropped from a batch, one copied into it, one moved into the next batch, a forged one
   (its proof broken), an audit moved out of the close's block into a batch -- and
   signed again fails the check named for it.  The items of requests the service refused
   are not forced into the record (a refused registration forced in passes every check
   of an open board: its refusal rests on the voter's letter or on the close's tags);
5. where the trustees close the election, the result counts each voter's last ballot
   under the voter's last credential, as the devices chose them.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.ballot import BallotOpening
from honestballot.protocol.ballot_v2 import AUDIT_CAP, CAP, BallotPrivate, BallotV2
from honestballot.protocol.credential_seed import CredentialSeed, generate_seed
from honestballot.protocol.registration import Registration, RegistrationPrivate
from honestballot.record.codec import canonical_bytes
from honestballot.record.revoting import (
    ballot_v2_from_json,
    cast_row_from_json,
    registration_from_json,
)
from honestballot.service.demo import copy_ballot_v2, forge_overvote_v2
from honestballot.store.schema import board_queue
from tests.factories import (
    CHOICE,
    OTHER_CHOICE,
    SMALL_SCHEDULE,
    WEB_ELECTION,
    WEB_ROLL,
    DemoCeremonies,
    DemoCeremony,
    RevotingDevice,
    RevotingElection,
    board_secret_of,
    protected_election,
    renumber,
    resign,
    run_close,
    voter_writes,
)
from tests.helpers import describe, failed, hb, verify

#: the choices a device makes (the demo manifest's)
CHOICES: tuple[dict[str, set[str]], ...] = (
    CHOICE,
    OTHER_CHOICE,
    {"chair": {"cand-3"}, "council": {"member-3"}},
)
#: the voters of the roll the operations pick from (the web roll's first four)
VOTERS = tuple(row[0] for row in WEB_ROLL[:4])
ROWS, REGISTRATIONS = SMALL_SCHEDULE.hours[0]

OPS = (
    "device",
    "register",
    "register",
    "register-again",
    "cast",
    "cast",
    "cast",
    "cast",
    "cast",
    "cast-revoked",
    "cast-revoked",
    "cast-again",
    "audit",
    "audit-again",
    "batch",
    "batch",
    # refusals
    "cast-unregistered",
    "cast-others",
    "cast-copy",
    "cast-overvote",
    "cast-audited",
    "audit-cast",
    "register-other-letter",
    "register-taken",
)

Op = tuple[str, int, int]

#: one to three voters sign in on a device first, then anything (more devices too)
operations = st.tuples(
    st.lists(st.tuples(st.just("device"), st.integers(0, 7), st.integers(0, 7)), min_size=1,
             max_size=3),
    st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 7), st.integers(0, 7)), min_size=12,
             max_size=30),
).map(lambda parts: [*parts[0], *parts[1]])  # fmt: skip


@dataclass
class Cast:
    """A ballot a device made, and the service's first answer to it."""

    ballot: BallotV2
    opening: BallotOpening
    private: BallotPrivate
    choice: dict[str, set[str]]
    answer: Any = None


@dataclass
class Credential:
    seed: CredentialSeed
    registration: tuple[Registration, RegistrationPrivate]
    answer: Any
    device: RevotingDevice  # the one it was registered on
    ballots: list[Cast] = field(default_factory=list)  # accepted, in order
    audits: list[Cast] = field(default_factory=list)


@dataclass
class Voter:
    national_id: str
    device: RevotingDevice
    credentials: list[Credential] = field(default_factory=list)  # the last is current


Item = tuple[str, str]  # (kind, tracking hash in hex)


class Run:
    """The election under test, and a model of it that predicts its answers and the batch
    each accepted item goes on the board in."""

    def __init__(self, election: RevotingElection) -> None:
        self.election = election
        self.ctx = election.ctx
        services = election.web.services
        open_ms = services.batches.open_ms(election.id)
        assert open_ms is not None
        self.open_ms = open_ms
        # the clock stands still between batches: an item made now waits for the next
        services.elections.clock = lambda: open_ms + 1
        self.voters: dict[str, Voter] = {}
        self.devices = 0
        # the model of the board: what waits (first in first out), each item's batch
        self.waiting: dict[str, list[str]] = {"registration": [], "cast-row": []}
        self.due: dict[Item, int] = {}
        self.audits: list[str] = []
        self.batches = 0  # posted
        self.closed = False
        self.log: list[str] = []

    # -- the model's view ---------------------------------------------------------------

    def voter(self, a: int) -> Voter | None:
        """The ``a``-th of the voters who have a device (None if none has)."""
        have = list(self.voters.values())
        return have[a % len(have)] if have else None

    def registered(self, a: int) -> tuple[Voter, Credential] | None:
        have = [v for v in self.voters.values() if v.credentials]
        if not have:
            return None
        v = have[a % len(have)]
        return v, v.credentials[-1]

    def new_device(self, national_id: str) -> RevotingDevice:
        self.election.web.services.signin.limiter.purge(2**62)  # many sign-ins: no limit
        self.devices += 1
        return self.election.device(national_id, f"device {self.devices}")

    # -- answers ------------------------------------------------------------------------

    def accepted(self, what: str, answer: Any, status: int = 201) -> Any:
        assert answer.status_code == status, f"{what}: {answer.status_code} {answer.text}"
        self.log.append(f"{what}: {status}")
        return answer.json()

    def unchanged(
        self, what: str, request: Callable[[], Any], status: int, code: str | None = None
    ) -> Any:
        """``request`` is answered ``status`` (with the error ``code``, for a refusal) and
        leaves every row a voter's request may write as it was."""
        before = voter_writes(self.election)
        answer = request()
        assert answer.status_code == status, f"{what}: {answer.status_code} {answer.text}"
        if code is not None:
            assert answer.json()["error"]["code"] == code, f"{what}: {answer.text}"
        assert voter_writes(self.election) == before, f"{what} changed the service's rows"
        self.log.append(f"{what}: {status} {code or ''}")
        return answer.json()

    def queue(self, kind: str, tracking: str) -> None:
        self.waiting[kind].append(tracking)

    # -- the operations -----------------------------------------------------------------

    def run(self, op: Op) -> None:
        name, a, b = op
        getattr(self, "op_" + name.replace("-", "_"))(a, b)

    def _register(self, voter: Voter) -> None:
        device = voter.device
        seed = generate_seed(device.rng, self.ctx.base_hash)
        made = device.registration(seed)
        body = self.accepted(f"{voter.national_id} registers", device.send_registration(*made))
        # the tracking hash the model expects: the protocol's, of what the device made
        tracking = made[0].tracking_hash(self.ctx.public_key).hex()
        assert body["tracking_hash"] == tracking, body
        voter.credentials.append(Credential(seed, made, body, device))
        self.queue("registration", tracking)

    def op_device(self, a: int, _b: int) -> None:
        """The voter signs in on a new device and registers a credential made there (a
        credential of an earlier device is replaced)."""
        national_id = VOTERS[a % len(VOTERS)]
        voter = Voter(national_id, self.new_device(national_id), [])
        if national_id in self.voters:
            voter.credentials = self.voters[national_id].credentials
        self.voters[national_id] = voter
        self._register(voter)

    def op_register(self, a: int, _b: int) -> None:
        """A new credential on the voter's device, replacing its current one."""
        voter = self.voter(a)
        if voter is not None:
            self._register(voter)

    def op_register_again(self, a: int, _b: int) -> None:
        """The voter's last registration sent again: its first answer, nothing changed."""
        found = self.registered(a)
        if found is not None:
            voter, cred = found
            again = self.unchanged(
                f"{voter.national_id} registers again",
                lambda: cred.device.send_registration(*cred.registration),
                200,
            )
            assert again == cred.answer

    def _cast(self, voter: Voter, cred: Credential, b: int, what: str) -> None:
        choice = CHOICES[b % len(CHOICES)]
        ballot, opening, private = voter.device.ballot(cred.seed, choice)
        cast = Cast(ballot, opening, private, choice)
        if len(cred.ballots) >= CAP:
            self.unchanged(what, lambda: voter.device.cast(ballot, private), 409, "ballot_rejected")
            return
        cast.answer = self.accepted(what, voter.device.cast(ballot, private))
        assert cast.answer["status"] == "recorded"
        tracking = ballot.tracking_hash(self.ctx.public_key).hex()
        assert cast.answer["tracking_hash"] == tracking, cast.answer
        cred.ballots.append(cast)
        self.queue("cast-row", tracking)

    def op_cast(self, a: int, b: int) -> None:
        found = self.registered(a)
        if found is not None:
            voter, cred = found
            self._cast(voter, cred, b, f"{voter.national_id} casts")

    def op_cast_revoked(self, a: int, b: int) -> None:
        """A ballot under one of the voter's replaced credentials: accepted as any other
        (nobody watching may tell), never counted."""
        have = [v for v in self.voters.values() if len(v.credentials) > 1]
        if have:
            voter = have[a % len(have)]
            cred = voter.credentials[b % (len(voter.credentials) - 1)]
            self._cast(voter, cred, b, f"{voter.national_id} casts under a revoked credential")

    def op_cast_again(self, a: int, b: int) -> None:
        """An accepted ballot sent again (after later ones too): its receipt, nothing
        changed."""
        casts = [(v, c) for v in self.voters.values() for cr in v.credentials for c in cr.ballots]
        if casts:
            voter, cast = casts[(a * 8 + b) % len(casts)]
            again = self.unchanged(
                f"{voter.national_id} casts a ballot again",
                lambda: voter.device.cast(cast.ballot, cast.private),
                200,
            )
            assert again == cast.answer

    def op_audit(self, a: int, b: int) -> None:
        found = self.registered(a)
        if found is None:
            return
        voter, cred = found
        choice = CHOICES[b % len(CHOICES)]
        made = Cast(*voter.device.ballot(cred.seed, choice), choice)
        what = f"{voter.national_id} audits"
        request = lambda: voter.device.audit(made.ballot, made.opening, made.private)  # noqa: E731
        if len(cred.audits) >= AUDIT_CAP:
            self.unchanged(what, request, 409, "ballot_rejected")
            return
        made.answer = self.accepted(what, request(), 200)
        assert made.answer["choices"] == {k: sorted(v) for k, v in choice.items()}
        tracking = made.ballot.tracking_hash(self.ctx.public_key).hex()
        assert made.answer["tracking_hash"] == tracking, made.answer
        cred.audits.append(made)
        self.audits.append(tracking)

    def op_audit_again(self, a: int, b: int) -> None:
        audits = [(v, c) for v in self.voters.values() for cr in v.credentials for c in cr.audits]
        if audits:
            voter, made = audits[(a * 8 + b) % len(audits)]
            again = self.unchanged(
                f"{voter.national_id} audits again",
                lambda: voter.device.audit(made.ballot, made.opening, made.private),
                200,
            )
            assert again == made.answer

    def op_batch(self, _a: int, _b: int) -> None:
        """The schedule's next batch time: the batch takes what waits, first in first out,
        up to its numbers of rows and registrations."""
        self.take(self.batches)
        self.batches += 1
        self.election.post_batch()
        self.log.append(f"batch {self.batches - 1}")

    def take(self, index: int) -> None:
        for kind, room in (("cast-row", ROWS), ("registration", REGISTRATIONS)):
            for tracking in self.waiting[kind][:room]:
                self.due[kind, tracking] = index
            del self.waiting[kind][:room]

    # -- refusals -----------------------------------------------------------------------

    def op_cast_unregistered(self, a: int, b: int) -> None:
        voter = self.voter(a)
        if voter is not None:
            stranger = generate_seed(voter.device.rng, self.ctx.base_hash)
            ballot, _, private = voter.device.ballot(stranger, CHOICES[b % len(CHOICES)])
            self.unchanged(
                f"{voter.national_id} casts under a credential never registered",
                lambda: voter.device.cast(ballot, private),
                409,
                "not_registered",
            )

    def op_cast_others(self, a: int, b: int) -> None:
        """A ballot under another voter's credential (current or replaced)."""
        voter = self.voter(a)
        theirs = [c for v in self.voters.values() if v is not voter for c in v.credentials]
        if voter is not None and theirs:
            seed = theirs[b % len(theirs)].seed
            ballot, _, private = voter.device.ballot(seed, CHOICES[b % len(CHOICES)])
            self.unchanged(
                f"{voter.national_id} casts under another voter's credential",
                lambda: voter.device.cast(ballot, private),
                409,
                "not_registered",
            )

    def op_cast_copy(self, a: int, b: int) -> None:
        """The contests of a ballot cast (by anyone) copied under the voter's credential:
        their proofs are bound to the credential they were made with."""
        found = self.registered(a)
        casts = [c for v in self.voters.values() for cr in v.credentials for c in cr.ballots]
        if found is not None and casts:
            voter, cred = found
            original = casts[b % len(casts)]
            ballot, private = copy_ballot_v2(self.ctx, original.ballot, cred.seed, voter.device.rng)
            self.unchanged(
                f"{voter.national_id} casts a copied ballot",
                lambda: voter.device.cast(ballot, private),
                422,
                "invalid_ballot",
            )

    def op_cast_overvote(self, a: int, _b: int) -> None:
        found = self.registered(a)
        if found is not None:
            voter, cred = found
            ballot, private = forge_overvote_v2(self.ctx, cred.seed, voter.device.rng)
            self.unchanged(
                f"{voter.national_id} casts an over-vote",
                lambda: voter.device.cast(ballot, private),
                422,
                "invalid_ballot",
            )

    def op_cast_audited(self, a: int, b: int) -> None:
        audits = [(v, c) for v in self.voters.values() for cr in v.credentials for c in cr.audits]
        if audits:
            voter, made = audits[(a * 8 + b) % len(audits)]
            self.unchanged(
                f"{voter.national_id} casts an audited ballot",
                lambda: voter.device.cast(made.ballot, made.private),
                409,
                "ballot_rejected",
            )

    def op_audit_cast(self, a: int, b: int) -> None:
        casts = [(v, c) for v in self.voters.values() for cr in v.credentials for c in cr.ballots]
        if casts:
            voter, cast = casts[(a * 8 + b) % len(casts)]
            self.unchanged(
                f"{voter.national_id} audits a cast ballot",
                lambda: voter.device.audit(cast.ballot, cast.opening, cast.private),
                409,
                "ballot_rejected",
            )

    def op_register_other_letter(self, a: int, b: int) -> None:
        voter = self.voter(a)
        if voter is not None:
            others = [n for n in VOTERS if n != voter.national_id]
            letter = self.election.letters[others[b % len(others)]]
            seed = generate_seed(voter.device.rng, self.ctx.base_hash)
            made = voter.device.registration(seed, letter=letter)
            self.unchanged(
                f"{voter.national_id} registers with another voter's letter",
                lambda: voter.device.send_registration(*made),
                422,
                "invalid_proof",
            )

    def op_register_taken(self, a: int, b: int) -> None:
        """A credential registered already (by anyone) registered again on a new
        commitment."""
        voter = self.voter(a)
        creds = [c for v in self.voters.values() for c in v.credentials]
        if voter is not None and creds:
            made = voter.device.registration(creds[b % len(creds)].seed)
            self.unchanged(
                f"{voter.national_id} registers a credential registered already",
                lambda: voter.device.send_registration(*made),
                400,
                "invalid_input",
            )

    # -- the close --------------------------------------------------------------------------

    def close(self, ceremony: DemoCeremony) -> dict[str, Any]:
        """Close at the last batch's time (no batch more is due): the close's block takes
        what still waits, at least one batch; then trustees 2 and 3 run the close.  The
        result's counts."""
        services = self.election.web.services
        assert self.election.ctx.schedule is not None
        last = self.open_ms + self.batches * self.election.ctx.schedule.interval * 1000
        services.elections.clock = lambda: max(last, self.open_ms) + 10
        first = True
        while first or any(self.waiting.values()):
            self.take(self.batches)
            self.batches += 1
            first = False
        services.elections.close(self.election.id)
        self.closed = True
        run_close(self.election, ceremony, SeededRandomness("trustees"))
        answer = self.election.web.client.get(f"/api/e/{self.election.id}/results")
        assert answer.status_code == 200, answer.text
        return {c["id"]: c["count"] for c in answer.json()["counts"]}

    def expected_counts(self) -> dict[str, int]:
        """Each voter's last ballot under its last credential (none if that credential
        cast none, whatever the replaced ones cast)."""
        counts: dict[str, int] = {}
        for voter in self.voters.values():
            current = voter.credentials[-1] if voter.credentials else None
            if current is None or not current.ballots:
                continue
            for contest, options in current.ballots[-1].choice.items():
                for option in options:
                    counts[f"{contest}/{option}"] = counts.get(f"{contest}/{option}", 0) + 1
        return counts


# -- the board ------------------------------------------------------------------------------


def _queued(election: RevotingElection) -> list[tuple[Item, int | None]]:
    """((kind, tracking hash), posted seq) of every item of the election's queue."""
    q = select(board_queue.c.kind, board_queue.c.tracking_hash, board_queue.c.posted_seq).where(
        board_queue.c.election_id == election.id
    )
    with election.web.services.store.connect() as conn:
        return [((str(k), bytes(h).hex()), s) for k, h, s in conn.execute(q)]


def _placed(events: list[dict[str, Any]], key: Any) -> dict[int, tuple[Item, int | None]]:
    """seq -> ((kind, tracking hash), batch index or None for an audit) of every
    registration, cast row and audit on the board."""
    out: dict[int, tuple[Item, int | None]] = {}
    batch: int | None = None
    for ev in events:
        kind, body = ev["kind"], ev["body"]
        if kind == "batch":
            batch = body["index"]
        elif kind == "registration":
            th = registration_from_json(body["registration"]).tracking_hash(key)
            out[ev["seq"]] = ((kind, th.hex()), batch)
        elif kind == "cast-row":
            th = cast_row_from_json(body["row"]).ballot.tracking_hash(key)
            out[ev["seq"]] = ((kind, th.hex()), batch)
        elif kind == "audit":
            th = ballot_v2_from_json(body["ballot"]).tracking_hash(key)
            out[ev["seq"]] = ((kind, th.hex()), None)
    return out


def check_board(run: Run, lines: list[bytes]) -> None:
    """Every accepted item once in the queue, and on the board at the place its batch
    (the close, an audit) gives it, or still waiting if that is not posted yet."""
    trail = "\n  ".join(run.log)
    queued = _queued(run.election)
    items = [item for item, _ in queued]
    assert len(set(items)) == len(items), f"an item queued twice:\n  {trail}"
    expected = {*run.due, *(("cast-row", t) for t in run.waiting["cast-row"]),
                *(("registration", t) for t in run.waiting["registration"]),
                *(("audit", t) for t in run.audits)}  # fmt: skip
    assert set(items) == expected, f"the queue is not what was accepted:\n  {trail}"
    events = [e for e in map(json.loads, lines) if e.get("type") == "event"]
    placed = _placed(events, run.ctx.public_key)
    posted = {seq for _, seq in queued if seq is not None}
    for item, seq in queued:
        if item[0] == "audit":
            if not run.closed:
                assert seq is None, f"{item} on the board before the close"
                continue
            assert seq is not None and placed[seq] == (item, None), (item, seq, trail)
            # in the close's block: audits only, from it to the ``close``
            after = [e["kind"] for e in events[seq:]]
            assert set(after[: after.index("close")]) == {"audit"}, (item, seq, trail)
            continue
        batch = run.due.get(item)
        if batch is None or batch >= run.batches:
            assert seq is None, f"{item} posted before its batch:\n  {trail}"
        else:
            assert seq is not None, f"{item} not posted in batch {batch}:\n  {trail}"
            assert placed[seq] == (item, batch), (item, seq, placed.get(seq), trail)
    # the audits at the close, in the order of their tracking hashes, nothing between
    audits = [s for s, (item, _) in placed.items() if item[0] == "audit"]
    assert audits == sorted(audits, key=lambda s: placed[s][0][1])
    assert posted <= set(placed)
    # and no accepted item a second time elsewhere on the board
    seen = Counter(item for item, _ in placed.values())
    assert all(seen[item] == (seq is not None) for item, seq in queued), trail


# -- tampering ------------------------------------------------------------------------------


def _items_of_batches(lines: list[bytes]) -> dict[int, list[int]]:
    """batch index -> the line numbers of its items."""
    out: dict[int, list[int]] = {}
    batch: int | None = None
    for i, raw in enumerate(lines):
        obj = json.loads(raw)
        if obj.get("type") != "event":
            continue
        if obj["kind"] == "batch":
            batch = obj["body"]["index"]
            out[batch] = []
        elif obj["kind"] in ("registration", "cast-row") and batch is not None:
            out[batch].append(i)
        elif obj["kind"] not in ("registration", "cast-row"):
            batch = None
    return out


def _forged(raw: bytes) -> bytes:
    """An item with a proof's response replaced by another's: a point of the record
    still, only its proof can tell."""
    obj = json.loads(raw)
    if obj["kind"] == "cast-row":
        row = obj["body"]["row"]
        row["counter_proof"]["s"] = row["ballot"]["tag_proof"]["s"]
    else:
        reg = obj["body"]["registration"]
        reg["handle_proof"]["s"] = reg["tag_proof"]["s"]
    return canonical_bytes(obj)


def tampered(lines: list[bytes]) -> Iterator[tuple[str, str, list[bytes]]]:
    """(what, the check that must fail, the lines) for each change of the first batch
    (and the next, if posted) of the record, and of an audit's place."""
    batches = _items_of_batches(lines)
    if 0 not in batches:
        return
    first = batches[0]
    at = first[len(first) // 2]
    kind = json.loads(lines[at])["kind"]
    yield "an item dropped from a batch", "board.rules", lines[:at] + lines[at + 1 :]
    yield (
        "an item copied into its batch",
        "board.rules",
        [*lines[: at + 1], lines[at], *lines[at + 1 :]],
    )
    forged = list(lines)
    forged[at] = _forged(lines[at])
    proofs = "rows.proofs" if kind == "cast-row" else "registrations.proofs"
    yield "a forged item in a batch", proofs, forged
    if 1 in batches:
        # an item moved into the next batch at the place of one of its own kind there
        there = next(j for j in batches[1] if json.loads(lines[j])["kind"] == kind)
        moved = list(lines)
        moved[at], moved[there] = lines[there], lines[at]
        yield "items swapped between batches", "board.rules", moved
    audits = [i for i, raw in enumerate(lines) if json.loads(raw).get("kind") == "audit"]
    if audits:
        # an audit moved out of the close's block into the first batch
        audit = audits[0]
        rest = lines[:audit] + lines[audit + 1 :]
        yield "an audit moved into a batch", "board.rules", [*rest[:at], lines[audit], *rest[at:]]


# -- the property ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ceremony(demo_ceremony: DemoCeremonies) -> DemoCeremony:
    return demo_ceremony(WEB_ELECTION)


@contextmanager
def _election(ceremony: DemoCeremony, directory: Path) -> Iterator[RevotingElection]:
    with protected_election(ceremony, directory, "board property", schedule=SMALL_SCHEDULE) as e:
        yield e


def check_run(
    ceremony: DemoCeremony, directory: Path, ops: list[Op], close: bool, *, replay: bool
) -> None:
    """Run ``ops`` on an election of its own, closed by its trustees if ``close``; check
    every property (hbcheck's replay only on an open board, or if ``replay``: replaying
    the close takes it seconds)."""
    with _election(ceremony, directory) as election:
        run = Run(election)
        for op in ops:
            run.run(op)
        counts = run.close(ceremony) if close else None
        lines = [
            bytes(x).rstrip(b"\n")
            for x in election.web.services.elections.record_lines(election.id)
        ]
        secret = board_secret_of(election.web.database_url, election.id)
        check_board(run, lines)
    trail = "\n  ".join(run.log)
    report = verify(lines)
    assert report.passed, f"the service's own record fails: {describe(report)}\n  {trail}"
    if replay or not close:
        assert hb(lines) is None
    if counts is not None:
        assert {k: v for k, v in counts.items() if v} == run.expected_counts(), trail
    for what, name, changed in tampered(lines):
        forged = verify(resign(renumber(changed), election.id, secret))
        assert name in failed(forged), f"{what}: expected {name}, got {describe(forged)}"


#: how many examples a run draws: 8 keeps the file near a minute on the suite's two
#: cores; a larger run (``HONESTBALLOT_BOARD_EXAMPLES=100``) also has hbcheck replay
#: every close
EXAMPLES = int(os.environ.get("HONESTBALLOT_BOARD_EXAMPLES", "8"))


@pytest.mark.slow
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # no shrinking: a failure prints its operations, and shrinking runs of this cost
    # takes many minutes
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(ops=operations, close=st.booleans())
# five registrations and ten ballots of one voter: more than a batch has room for, so
# batch 0 takes the first four and eight (first in first out), batch 1 the rest
@example(
    ops=[("device", 0, 0), *[("register", 0, 0)] * 4, *[("cast", 0, b) for b in range(10)],
         ("batch", 0, 0), ("batch", 0, 0)],
    close=False,
)  # fmt: skip
# three audits, then the close: its block holds them in the order of their hashes
@example(
    ops=[("device", 0, 0), ("audit", 0, 0), ("audit", 0, 1), ("audit", 0, 2), ("cast", 0, 0)],
    close=True,
)
def test_random_device_operations_give_the_board_the_model_predicts(
    ceremony: DemoCeremony, tmp_path_factory: pytest.TempPathFactory, ops: list[Op], close: bool
) -> None:
    directory = tmp_path_factory.mktemp("board-property")
    check_run(ceremony, directory, ops, close, replay=EXAMPLES > 8)


@pytest.mark.slow
def test_a_close_with_no_voter_passes_hbcheck(ceremony: DemoCeremony, tmp_path: Path) -> None:
    """An election closed before anyone registered: the close's steps have nothing to
    take, and hbcheck's replay of them (always, whatever :data:`EXAMPLES`) agrees with
    the verifier."""
    check_run(ceremony, tmp_path, [("batch", 0, 0), ("cast", 0, 0)], True, replay=True)
