"""``honestballot demo --coerced-voter``: an election with re-voting protection in which
a boss watches two voters vote (docs/coercion.md), and each gets out of it in their own way:
the first by voting again online, the second by voting on paper at their polling station
(docs/paper.md).

The same election is run twice on the embedded store, seeded alike in everything (the
trustees, the organiser's roll and letters, the polling station and its commission, the
service, every voter's device), except for what follows the watched votes:

- run A, *the voters get out*: the boss watches each voter register a credential and
  vote, and keeps the credential's seed and the ballot's tracking code; later, on a device
  of their own, the **coerced voter** registers a new credential with the activation
  letter (which revokes the watched one without the board showing it) and votes again;
  and the **paper voter** votes on paper at the polling station of their unit
  (:data:`PAPER_UNIT`, a paper station published before the open with its commission's
  key), which cancels their watched e-vote at the close;
- run B, *the voters do nothing* after the watched votes; so that the station's results
  look alike, another voter of the same station (the **neighbour**, unwatched, who voted
  online too) votes on paper there instead, with the same ballot.

After the close, the organiser exports the station's paper roll (as ``honestballot election
paper-roll`` does) and the commission uploads its signed protocol and the list of the
voters it issued a ballot to (as ``honestballot commission paper --final`` makes it,
declared final).  Then the trustees run the close round by round (trustees 1 and 3; 2 is
absent), and the service publishes the result, whose ``paper`` member adds the paper
ballots to the e-votes.  What the boss can see — the receipts of the watched ballots, and
the public record up to the trustees' close, the station's paper results included — is
compared between the two runs: equal in every event's kind, time and size and every
answer, except the public totals docs/coercion.md §8.1 lists.  Run A's record is then verified.

The demo's randomness is seeded so that the two runs can be compared; a real election
draws it from the system.  To keep the demo small, the service makes 2 cover
replacements without noise; a real election makes about 300, with noise, and that noise
is what hides one more revoked credential in the totals (docs/coercion.md §4, §8.1).
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from honestballot.cli.commission import read_paper_roll, read_voted_lines
from honestballot.cli.organiser_station import signed_station
from honestballot.crypto.group import Scalar, base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.protocol.ballot_v2 import BallotPrivate, BallotV2, encrypt_ballot_v2
from honestballot.protocol.close_a import TrusteeKeys, act
from honestballot.protocol.credential_seed import CredentialSeed, generate_seed
from honestballot.protocol.dkg import TrusteeSecret
from honestballot.protocol.election import ElectionContext, manifest_hash
from honestballot.protocol.letters import LetterSecret
from honestballot.protocol.manifest import Manifest
from honestballot.protocol.paper import PaperProtocol, make_paper_upload
from honestballot.protocol.registration import make_registration
from honestballot.protocol.schedule import Cover, Schedule
from honestballot.protocol.stations import prove_commission_key
from honestballot.record.ballot import opening_to_json as ballot_opening_to_json
from honestballot.record.close import publish
from honestballot.record.codec import canonical_bytes, parse_json
from honestballot.record.paper import (
    opening_to_json,
    protocol_from_json,
    unsigned_body,
    upload_digest,
)
from honestballot.record.paper import upload_to_json as paper_to_json
from honestballot.record.revoting import (
    ballot_private_to_json,
    ballot_v2_to_json,
    registration_private_to_json,
    registration_to_json,
)
from honestballot.record.roll import upload_to_json
from honestballot.record.stations import commission_key_to_json
from honestballot.service.activity import IN_PROCESS
from honestballot.service.board.batches import BatchPoster
from honestballot.service.board.close import CloseSteps
from honestballot.service.board.election import ElectionService
from honestballot.service.demo import demo_manifest, run_key_ceremony
from honestballot.service.encrypted_roll import Voter as RollVoter
from honestballot.service.encrypted_roll import build_roll_upload, keep_encrypted_roll
from honestballot.service.paper import station_uploads, submit_paper, write_paper_roll
from honestballot.service.runtime import open_store
from honestballot.service.voters.revoting import RevotingDesk
from honestballot.service.voters.roll import Roll

Progress = Callable[[str, int, int], None]
#: who runs the close (:func:`play`'s ``close_by``): given the service's parts, the
#: election, the trustees' secrets and the seed, it acts until the close is done
CloseBy = Callable[["ServiceParts", ElectionContext, list[TrusteeSecret], int], None]

ELECTION = "demo-revoting"
#: a voter of the demo's roll: national ID, name, phone, e-mail, unit
Person = tuple[str, str, str, str, str]
#: K0 = 2 and epsilon = 100 (in thousandths, 100,000): 2 cover replacements, the noise 0
#: but with odds below 1e-40
DEMO_COVER = Cover(2, 100_000)
#: the board's clock in the demo: the open, then a batch every minute
OPEN_MS = 1_800_000_000_000
INTERVAL_S = 60
#: what the boss made the voter vote, and what the voter votes later on their own
#: (as every voter's: one candidate, one or two members, so that no ballot stands out)
COERCED = {"chair": {"cand-1"}, "council": {"member-1", "member-2"}}
OWN = {"chair": {"cand-4"}, "council": {"member-5"}}
#: the paper voter's watched e-vote, their paper ballot (the neighbour's in run B too), and
#: the neighbour's e-vote
WATCHED_ONLINE = {"chair": {"cand-2"}, "council": {"member-3", "member-4"}}
ON_PAPER = {"chair": {"cand-3"}, "council": {"member-6"}}
NEIGHBOUR_ONLINE = {"chair": {"cand-5"}, "council": {"member-2"}}
#: the paper station's unit: the paper voter's (voter 2 of :func:`voters_of`) and the
#: neighbour's (voter 6)
PAPER_UNIT = "station-3"
PAPER_VOTER, NEIGHBOUR = 2, 6
#: the station's blank paper ballots
PAPER_BALLOTS = 50
#: docs/coercion.md §8.1: the public totals that may differ between the two runs
AGGREGATES = ("cover_rows",)


@dataclass
class BossView:
    """What the boss reads: the watched ballots' receipts when cast and after the close
    (the coerced voter's, then the paper voter's), and the public record (every event's
    kind, time after the open and body, with the values of ciphertexts, proofs and hashes
    by their length; a batch's items as a multiset), with the totals of docs/coercion.md
    §8.1 taken out (``totals``)."""

    receipt_when_cast: dict[str, Any]
    receipt_after_close: dict[str, Any]
    paper_receipt_when_cast: dict[str, Any]
    paper_receipt_after_close: dict[str, Any]
    record: list[Any]
    totals: dict[str, Any] = field(default_factory=dict)


@dataclass
class Run:
    record_path: Path
    boss: BossView
    #: the result body the service published
    result: dict[str, Any]


def voters_of(count: int) -> list[Person]:
    stations = ["station-1", "station-2", "station-3", "station-4"]
    return [
        (
            f"9001014{i:05d}",
            f"Demo Voter {i}",
            f"+7 701 444 {i:04d}",
            "",
            "station-small" if i % 10 == 0 else stations[i % 4],
        )
        for i in range(1, count + 1)
    ]


class Device:
    """A voter's device, speaking to the service as the browser does (seeded)."""

    def __init__(
        self, desk: RevotingDesk, ctx: ElectionContext, voter_id: int, letter: LetterSecret,
        rng: SeededRandomness, session: str,
    ) -> None:  # fmt: skip
        self.desk, self.ctx, self.voter_id, self.letter = desk, ctx, voter_id, letter
        self.rng, self.session = rng, session

    def register(self) -> CredentialSeed:
        ctx = self.ctx
        seed = generate_seed(self.rng, ctx.base_hash)
        commitment = self.desk.start_registration(
            ctx.manifest.election_id, self.voter_id, self.session
        )
        reg, private = make_registration(
            ctx.base_hash, ctx.public_key, ctx.verifier_key, commitment, seed, self.letter,
            self.rng,
        )  # fmt: skip
        body = {
            "registration": registration_to_json(reg),
            "private": registration_private_to_json(private),
        }
        self.desk.register(
            ctx.manifest.election_id, self.voter_id, self.session, json.dumps(body).encode()
        )
        return seed

    def vote(self, seed: CredentialSeed, choice: dict[str, set[str]]) -> bytes:
        """Encrypt ``choice`` under ``seed`` and cast it: the ballot's tracking hash."""
        ctx = self.ctx
        ballot, _, private = encrypt_ballot_v2(ctx, seed, ctx.verifier_key, choice, self.rng)
        return self.cast(ballot, private)

    def cast(self, ballot: BallotV2, private: BallotPrivate) -> bytes:
        body = {"ballot": ballot_v2_to_json(ballot), "private": ballot_private_to_json(private)}
        answer = self.desk.cast(
            self.ctx.manifest.election_id, self.voter_id, json.dumps(body).encode(), IN_PROCESS
        )
        return answer.tracking_hash

    def audit(self, seed: CredentialSeed, choice: dict[str, set[str]]) -> dict[str, list[str]]:
        """Encrypt ``choice`` under ``seed`` and audit it (Benaloh): the choices the
        service read from its opening."""
        ctx = self.ctx
        ballot, opening, private = encrypt_ballot_v2(ctx, seed, ctx.verifier_key, choice, self.rng)
        body = {
            "ballot": ballot_v2_to_json(ballot),
            "opening": ballot_opening_to_json(opening),
            "private": ballot_private_to_json(private),
        }
        shown, _ = self.desk.audit(
            ctx.manifest.election_id, self.voter_id, json.dumps(body).encode()
        )
        return shown


@dataclass
class ServiceParts:
    """The parts of the service the demo drives (service/runtime.py's ``Services`` has
    them all), on one board clock: ``now[0]``, in ms.  For the demo's own store and tests
    only: it sets the parts' clock, and :func:`play` their randomness (seeded) and cover
    replacements (2, without noise), for good."""

    elections: ElectionService
    roll: Roll
    desk: RevotingDesk
    batches: BatchPoster
    close: CloseSteps
    now: list[int] = field(default_factory=lambda: [OPEN_MS - 60_000])

    def __post_init__(self) -> None:
        def clock() -> int:
            return self.now[0]

        self.elections.clock = self.roll.clock = self.desk.clock = clock
        self.batches.post_delay_ms = 0


@contextmanager
def demo_parts(directory: Path) -> Iterator[ServiceParts]:
    """The service's parts on a new embedded store in ``directory`` (its database file
    replaced), closed at the end."""
    directory.mkdir(parents=True, exist_ok=True)
    db = directory / "honestballot.sqlite"
    if db.exists():
        db.unlink()
    store = open_store(f"sqlite:///{db}")
    try:
        elections = ElectionService(store)
        yield ServiceParts(
            elections, Roll(store), RevotingDesk(elections, elections.clock),
            BatchPoster(elections), CloseSteps(elections),
        )  # fmt: skip
    finally:
        store.close()


def run_world(
    directory: Path, *, votes_again: bool, voters: int, seed: int, progress: Progress,
    close_by: CloseBy | None = None,
) -> Run:  # fmt: skip
    """One run of the election (the module's docstring), in ``directory``; the close run
    by ``close_by`` (default: trustees 1 and 3 through the service, :func:`play`)."""
    with demo_parts(directory) as parts:
        boss, result = play(
            parts, directory, votes_again=votes_again, voters=voters, seed=seed,
            progress=progress, close_by=close_by,
        )  # fmt: skip
        record_path = directory / "record.jsonl"
        parts.elections.export_record(ELECTION, str(record_path))
        return Run(record_path, boss, result)


@dataclass
class Setup:
    """An election with re-voting protection created on the demo's parts by
    :func:`set_up`, with its roll and the organiser's encrypted roll, not open yet."""

    parts: ServiceParts
    ctx: ElectionContext
    #: the trustees' secrets, the key accepted
    secrets: list[TrusteeSecret]
    #: the organiser's secret key
    organiser: Scalar
    #: the roll's voters (:func:`voters_of`)
    people: list[Person]
    #: each voter's activation letter, by national ID
    letters: dict[str, LetterSecret]
    seed: int

    def open(self) -> None:
        """The election opens at :data:`OPEN_MS`."""
        roll, eid = self.parts.roll, self.ctx.manifest.election_id
        self.parts.now[0] = OPEN_MS
        self.parts.elections.open(eid, roll=lambda conn: roll.summary_body(eid, conn))

    def device(self, nid: str, name: str) -> Device:
        """A device of the voter with national ID ``nid``, seeded by its ``name``."""
        voter = self.parts.roll.voter_by_national_id(self.ctx.manifest.election_id, nid)
        assert voter is not None
        rng = SeededRandomness(f"demo {self.seed}: {name}")
        return Device(self.parts.desk, self.ctx, voter.voter_id, self.letters[nid], rng, name)


def set_up(
    parts: ServiceParts, directory: Path, manifest: Manifest, people: list[Person],
    schedule: Schedule, seed: int, progress: Progress,
) -> Setup:  # fmt: skip
    """The trustees' key ceremony (their public files go to ``directory``), the election
    created with ``schedule`` and the organiser's key, the roll of ``people`` imported and
    the organiser's encrypted roll with the activation letters kept; all seeded by
    ``seed``, the service's parts' randomness too."""
    elections, roll, eid = parts.elections, parts.roll, manifest.election_id
    parts.desk.rng = SeededRandomness(f"demo {seed}: the service, re-voting")
    elections.rng = parts.batches.rng = SeededRandomness(f"demo {seed}: the service")
    progress("key ceremony: election key and two tag keys (3 trustees, k = 2)", 0, 1)
    key, secrets = run_key_ceremony(manifest, directory, SeededRandomness(f"demo {seed}: trustees"))
    progress("key ceremony: election key and two tag keys (3 trustees, k = 2)", 1, 1)
    organiser = random_nonzero_scalar(SeededRandomness(f"demo {seed}: organiser's key"))
    ctx = elections.create(manifest, key, organiser_key=base_mul(organiser), schedule=schedule)
    lines = ["national_id,name,phone,email,unit"] + [",".join(v) for v in people]
    roll.import_csv(eid, ("\n".join(lines) + "\n").encode())
    progress("the organiser's encrypted roll and activation letters", 0, 1)
    made = build_roll_upload(
        eid, ctx, roll.summary_body(eid),
        [RollVoter(nid, name, unit) for nid, name, _, _, unit in people], organiser,
        SeededRandomness(f"demo {seed}: the organiser"),
    )  # fmt: skip
    keep_encrypted_roll(elections, roll, eid, upload_to_json(made.upload))
    progress("the organiser's encrypted roll and activation letters", 1, 1)
    letters = {nid: LetterSecret.from_code(code) for nid, _, _, code in made.letters}
    return Setup(parts, ctx, secrets, organiser, people, letters, seed)


def play(
    parts: ServiceParts, directory: Path, *, votes_again: bool, voters: int, seed: int,
    progress: Progress = lambda _stage, _done, _total: None, close_by: CloseBy | None = None,
) -> tuple[BossView, dict[str, Any]]:  # fmt: skip
    """The election of the module's docstring on ``parts``, from its creation to its
    result (the trustees' public files go to ``directory``): what the boss sees, and the
    result body.  The close is run by ``close_by`` (the trustees' command line in a test
    or a benchmark), by default by trustees 1 and 3 sending their objects to the
    service (:func:`close_by_trustees`)."""
    elections, desk, now = parts.elections, parts.desk, parts.now
    pick = random.Random(seed)
    manifest = replace(demo_manifest(ELECTION), min_unit_size=5)
    people = voters_of(voters)
    # one batch a minute, room for everyone's registration and ballot in the first; its
    # cover small on purpose (the module's docstring): 2 cover replacements, without noise
    schedule = Schedule(INTERVAL_S, ((voters + 8, voters + 8),), cover=DEMO_COVER)
    setup = set_up(parts, directory, manifest, people, schedule, seed, progress)
    ctx, secrets, device = setup.ctx, setup.secrets, setup.device
    commission = _publish_paper_station(elections, ctx, setup.organiser, seed)
    setup.open()
    # the coerced voter, watched by the boss: the credential's seed and the ballot's
    # tracking code are the boss's now
    now[0] += 5_000
    coerced_id = people[0][0]
    watched = device(coerced_id, "the coerced voter's phone, watched")
    tracking = watched.vote(watched.register(), COERCED)
    receipt_when_cast = desk.receipt(ELECTION, tracking)
    # the paper voter, watched too
    now[0] += 1_000
    paper_nid = people[PAPER_VOTER - 1][0]
    watched = device(paper_nid, "the paper voter's phone, watched")
    paper_tracking = watched.vote(watched.register(), WATCHED_ONLINE)
    paper_receipt_when_cast = desk.receipt(ELECTION, paper_tracking)
    for i, (nid, *_rest) in enumerate(people[2:], 2):
        now[0] += 1_000
        own = device(nid, f"voter {i}'s device")
        credential = own.register()
        # one candidate, and one or two members, like the watched ballots and the own one
        choice = {
            c.id: set(pick.sample([o.id for o in c.candidates], pick.randint(1, c.max_selections)))
            for c in manifest.contests
        }
        own.vote(credential, NEIGHBOUR_ONLINE if i == NEIGHBOUR - 1 else choice)
        progress("voters register a credential with their letter and vote", i - 1, len(people) - 2)
    now[0] += 1_000
    if votes_again:  # later, on a device of their own, with the letter
        own = device(coerced_id, "the coerced voter's own laptop")
        own.vote(own.register(), OWN)
    progress("batches and the close, the padding", 0, 1)
    now[0] = OPEN_MS + INTERVAL_S * 1000 + 1
    parts.batches.post_due(ELECTION)
    now[0] += 1_000
    elections.close(ELECTION)
    progress("batches and the close, the padding", 1, 1)
    # after the count at the station: the paper voter in run A, the neighbour in run B
    progress("the polling station's paper results", 0, 1)
    now[0] += 60_000
    listed = people[(PAPER_VOTER if votes_again else NEIGHBOUR) - 1][0]
    _paper_results(elections, ctx, commission, directory, listed, seed)
    progress("the polling station's paper results", 1, 1)
    boss_record, totals = _public_record(elections, ELECTION)
    if close_by is None:
        close_by_trustees(parts.close, ctx, secrets, seed, progress, now)
    else:
        close_by(parts, ctx, secrets, seed)
    boss = BossView(
        receipt_when_cast, desk.receipt(ELECTION, tracking),
        paper_receipt_when_cast, desk.receipt(ELECTION, paper_tracking), boss_record, totals,
    )  # fmt: skip
    return boss, result_of(elections, ELECTION)


def _publish_paper_station(
    elections: ElectionService, ctx: ElectionContext, organiser: Scalar, seed: int
) -> Scalar:
    """The organiser publishes :data:`PAPER_UNIT`'s polling station, with paper voting,
    before the open, with the key its commission made (``honestballot commission keygen``,
    seeded here), signed with the organiser's key (``honestballot organiser
    sign-station``): the commission's secret key."""
    manifest = ctx.manifest
    rng = SeededRandomness(f"demo {seed}: {PAPER_UNIT}'s commission")
    secret = random_nonzero_scalar(rng)
    digest, key = manifest_hash(manifest), base_mul(secret)
    proof = prove_commission_key(digest, PAPER_UNIT, secret, key, rng)
    details = {
        "unit": PAPER_UNIT,
        "address": {"ru": "Школа № 3", "kk": "№ 3 мектеп", "en": "School No. 3"},
        "hours": "08:00-20:00",
        "paper": True,
        "members": [{"name": "A. Chair", "role": "chair", "nominated_by": ""}],
    }
    key_file = commission_key_to_json(PAPER_UNIT, digest, key, proof)
    signed, _ = signed_station(
        ctx.base_hash, manifest, details, key_file, organiser,
        SeededRandomness(f"demo {seed}: the organiser signs {PAPER_UNIT}'s station"),
        sequence=1,  # the unit's first station event
    )  # fmt: skip
    elections.publish_signed_station(ELECTION, signed)
    return secret


def paper_protocol(manifest: Manifest) -> PaperProtocol:
    """The station's counting protocol: one ballot issued, in the box, marked
    :data:`ON_PAPER`."""
    return protocol_from_json(
        {
            "received": PAPER_BALLOTS,
            "issued": 1,
            "spoiled": 0,
            "unused": PAPER_BALLOTS - 1,
            "in_box": 1,
            "contests": [
                {
                    "id": c.id,
                    "invalid": 0,
                    "counts": [
                        {"option": o.id, "count": int(o.id in ON_PAPER[c.id])} for o in c.options
                    ],
                }
                for c in manifest.contests
            ],
        }
    )


def _paper_results(
    elections: ElectionService, ctx: ElectionContext, commission: Scalar, directory: Path,
    listed: str, seed: int,
) -> None:  # fmt: skip
    """The organiser exports the station's paper roll (``honestballot election
    paper-roll``); its commission, which issued a ballot to the voter ``listed`` (a
    national ID), makes its signed results from it and the sealed opening as
    ``honestballot commission paper --final`` does (both go to ``directory``) and uploads
    them: declared final, so the trustees' close need not wait for the paper deadline."""
    out = io.StringIO()
    write_paper_roll(elections, ELECTION, PAPER_UNIT, out)
    roll_path = directory / f"paper-roll-{PAPER_UNIT}.csv"
    roll_path.write_text(out.getvalue())
    paper_roll = read_paper_roll(out.getvalue().encode(), str(roll_path))
    (line,) = (n for n, (nid, _) in paper_roll.items() if nid == listed)
    lines = read_voted_lines(f"{line}\n".encode(), "the lines issued a ballot", paper_roll)
    # the station's first upload: the board holds none of it yet
    before = station_uploads(elections, ELECTION, PAPER_UNIT)
    sequence = len(before) + 1
    previous = upload_digest(ctx.base_hash, before[-1][2]) if before else None
    upload, opening = make_paper_upload(
        ctx.base_hash, ctx.public_key, ctx.manifest, PAPER_UNIT, sequence,
        paper_protocol(ctx.manifest), [paper_roll[n][1] for n in lines], commission,
        unsigned_body, SeededRandomness(f"demo {seed}: {PAPER_UNIT}'s commission, its results"),
        previous=previous, final=True,
    )  # fmt: skip
    # the sealed opening, kept with the signed paper roll (``commission check-opening``)
    sealed = opening_to_json(PAPER_UNIT, sequence, [(lines[i], r) for i, r in opening])
    (directory / f"opening-{PAPER_UNIT}.json").write_bytes(canonical_bytes(sealed) + b"\n")
    submit_paper(elections, ELECTION, PAPER_UNIT, paper_to_json(upload))


def close_by_trustees(
    close: CloseSteps, ctx: ElectionContext, secrets: list[TrusteeSecret], seed: int,
    progress: Progress, now: list[int],
) -> None:  # fmt: skip
    """Trustees 1 and 3 act in every step of the close, round by round, each sending its
    close file's lines as ``honestballot trustee upload-close`` does (2 is absent)."""
    eid = ctx.manifest.election_id
    keys = {}
    for s in secrets:
        if s.index in (1, 3):
            assert s.key_share is not None and s.tag_key_shares is not None  # key accepted
            keys[s.index] = TrusteeKeys(s.index, s.key_share, *s.tag_key_shares)
    rng = SeededRandomness(f"demo {seed}: the trustees' close")
    rounds = 0
    while not (state := close.stage(eid)).done:
        rounds += 1
        progress("the trustees' close, round by round", rounds, rounds + 1)
        for step in state.next:
            for j, trustee in keys.items():
                current = next(
                    s for s in close.stage(eid).next if (s.kind, s.list) == (step.kind, step.list)
                )
                now[0] += 1_000
                parts, head = publish(
                    ctx.base_hash, act(ctx, current, trustee, rng), trustee.x, rng
                )
                for part in parts:
                    close.submit_line(eid, canonical_bytes({"kind": "close-part", "body": part}))
                close.submit_line(eid, canonical_bytes({"kind": "close-step", "body": head}))
                del j
    progress("the trustees' close, round by round", rounds, rounds)


def result_of(elections: ElectionService, election_id: str) -> dict[str, Any]:
    (ev,) = elections.store.iter_events(election_id, kinds=("result",))
    body: dict[str, Any] = parse_json(ev.line, limit=1 << 26)["body"]
    return body


def _shape(value: Any) -> Any:
    """Values by their length (ciphertexts, proofs and hashes are fresh randomness)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    if isinstance(value, str):
        return f"<{len(value)}>"
    return value


def _public_record(
    elections: ElectionService, election_id: str
) -> tuple[list[Any], dict[str, Any]]:
    """The board up to the padding as the boss reads it (:class:`BossView`)."""
    lines = [parse_json(ev.line, limit=1 << 26) for ev in elections.store.iter_events(election_id)]
    return public_view(lines, OPEN_MS, _shape)


def public_view(
    lines: list[dict[str, Any]], open_ms: int, shape: Callable[[Any], Any]
) -> tuple[list[Any], dict[str, Any]]:
    """The record's events as anyone reads them, to compare two runs of an election:
    kind, time after the open ("before" before it) and body with fresh values by
    ``shape``; a batch's items (drawn in a random order afresh) sorted; a round's deadline
    as its distance from the round's event.  The padding's count of cover rows, one of
    docs/coercion.md §8.1's totals, is taken out and returned apart."""
    out: list[Any] = []
    items: list[Any] = []
    totals: dict[str, Any] = {}
    for e in lines:
        if e["kind"] == "padding":
            for key in AGGREGATES:
                totals[key] = e["body"]["padding"].pop(key)
        if e["kind"] == "close-round":
            e["body"]["deadline_ms"] -= e["time_ms"]
        time = e["time_ms"] - open_ms if e["time_ms"] >= open_ms else "before"
        event = (e["kind"], time, shape(e["body"]))
        if e["kind"] in ("registration", "cast-row"):
            items.append(event)
            continue
        out += sorted(items, key=repr)
        items = []
        out.append(event)
    return out + sorted(items, key=repr), totals


@dataclass
class CoercionDemo:
    voted_again: Run
    did_nothing: Run
    #: what differs in the boss's view between the runs (only §8.1's totals, when honest)
    differences: list[str]

    def e_votes_moved(self) -> dict[str, int]:
        """Per option, the e-votes counted in run A less those in run B (the ``result``'s
        ``counts``, election-wide), the options that moved."""
        a, b = (
            {c["id"]: c["count"] for c in run.result["counts"] if "@" not in c["id"]}
            for run in (self.voted_again, self.did_nothing)
        )
        return {i: a[i] - b[i] for i in a if a[i] != b[i]}


def expected_moves() -> dict[str, int]:
    """What :meth:`CoercionDemo.e_votes_moved` is when each watched voter's way out works:
    run A counts the coerced voter's own ballot and the neighbour's e-vote, run B the
    watched ballot and the paper voter's watched e-vote (each paper voter's e-vote
    cancelled by the paper ballot)."""
    moves: dict[str, int] = {}
    for choice, n in ((OWN, 1), (NEIGHBOUR_ONLINE, 1), (COERCED, -1), (WATCHED_ONLINE, -1)):
        for contest, options in choice.items():
            for option in options:
                key = f"{contest}/{option}"
                moves[key] = moves.get(key, 0) + n
    return {k: v for k, v in moves.items() if v}


def run_coercion_demo(
    directory: Path, *, voters: int = 30, seed: int = 2026, progress: Progress | None = None
) -> CoercionDemo:
    report = progress or (lambda _stage, _done, _total: None)

    def tagged(run: str) -> Progress:
        return lambda stage, done, total: report(f"{run}: {stage}", done, total)

    a = run_world(directory / "voted-again", votes_again=True, voters=voters, seed=seed,
                  progress=tagged("run A (the voters get out)"))  # fmt: skip
    b = run_world(directory / "did-nothing", votes_again=False, voters=voters, seed=seed,
                  progress=tagged("run B (they do nothing)"))  # fmt: skip
    differences = []
    for name in (
        "receipt_when_cast", "receipt_after_close", "paper_receipt_when_cast",
        "paper_receipt_after_close", "record",
    ):  # fmt: skip
        if _comparable(name, getattr(a.boss, name)) != _comparable(name, getattr(b.boss, name)):
            differences.append(name)
    return CoercionDemo(a, b, differences)


def _comparable(name: str, value: Any) -> Any:
    """A receipt after the close names the watched row's place in its batch, which the
    batch's random order draws afresh (compared by type)."""
    if name.endswith("receipt_after_close"):
        return {k: (type(v).__name__ if k == "seq" else v) for k, v in value.items()}
    return value


__all__ = ["CoercionDemo", "Run", "expected_moves", "run_coercion_demo"]
