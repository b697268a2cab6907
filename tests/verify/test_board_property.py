"""Property test: random sequences of operations against the election service.

Hypothesis draws a list of operations -- registrations, the roll and the opening, casts,
audits, the close, the tally, decryption shares, the result -- including many the service
must refuse (a wrong phase, a replay, a replaced credential, a full unit, ...).  A small
model of the election predicts, for each operation, whether the service accepts it; the
test asserts the service agrees.  Then:

1. the exported record passes every check of the verifier: whatever the service accepts
   gives a record the verifier accepts;
2. every operation the service refused is forced into that record anyway, as a server
   holding the board key could: the event line(s) the service would have written, where
   it would have written them, later events renumbered, tree heads re-signed.  The
   verifier must then fail, naming the check that catches it -- unless the service
   refused the operation on private state only (``EXEMPT``);
3. every accepted audit is also moved out of its place (into the voting period, out of
   tracking-hash order, off the close's time): the verifier must fail ``board.rules``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from honestballot.crypto.dlog import DiscreteLogTable
from honestballot.crypto.randomness import SeededRandomness
from honestballot.errors import HonestBallotError
from honestballot.protocol.ballot import BallotOpening, EncryptedBallot, encrypt_ballot
from honestballot.protocol.credential import VoterCredential, generate_credential
from honestballot.protocol.decryption import (
    EncryptedTally,
    combine_valid_shares,
    create_decryption_share,
)
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.tally import compute_tally
from honestballot.record.ballot import (
    ballot_from_json,
    ballot_to_json,
    opening_to_json,
    spoiled_from_json,
    spoiled_to_json,
)
from honestballot.record.codec import canonical_bytes
from honestballot.service.board.election import ElectionService
from honestballot.service.demo import copy_ballot
from honestballot.store.sql import SqlStore
from tests.factories import (
    PROPERTY_ELECTION,
    PROPERTY_UNITS,
    DemoCeremony,
    board_secret_of,
    encode_share,
    key_ceremony,
    property_manifest,
    renumber,
    resign,
)
from tests.helpers import describe, failed, verify

RULES = "board.rules"


CHOICES: tuple[dict[str, set[str]], ...] = (
    {"q": {"a"}, "r": {"x"}},
    {"q": {"b"}, "r": {"blank"}},
    {"q": {"a"}, "r": {"y"}},
    {"q": {"b"}, "r": {"x"}},
)


@pytest.fixture(scope="module")
def ceremony(tmp_path_factory: pytest.TempPathFactory) -> DemoCeremony:
    return key_ceremony(property_manifest(), tmp_path_factory.mktemp("ceremony"), PROPERTY_ELECTION)


# -- what the service refuses on private state only -----------------------------------

#: Refused operations that are NOT forced into the record, and why: the board cannot show
#: what made the service refuse them.  (Operations the service accepts without appending
#: anything -- an identical retry of the latest ballot, the very same audit sent again --
#: are not refusals: the test asserts they change nothing, and there is nothing to force.)
EXEMPT: Mapping[str, str] = {
    # the board shows an audit without its credential (docs/record-format.md §5.1): an
    # audit made with a replaced credential looks like any other
    "audit-replaced": "the board shows audits without their credential",
    # likewise for a credential that was never registered
    "audit-unregistered": "the board shows audits without their credential",
}

# -- the operations -------------------------------------------------------------------

OPS = (
    "register",
    "register",
    "register-unknown-unit",
    "register-again",
    "replace",
    "replace-replaced",
    "replace-unknown",
    "replace-other-unit",
    "open",
    "cast",
    "cast",
    "cast",
    "revote",
    "cast-unregistered",
    "cast-replaced",
    "cast-retry",
    "cast-replay",
    "cast-audited",
    "cast-audited-resigned",
    "cast-copy",
    "audit",
    "audit",
    "audit-cast",
    "audit-copy-own",
    "audit-copy-other",
    "audit-again",
    "audit-replaced",
    "audit-unregistered",
    "close",
    "tally",
    "share",
    "result",
)

#: what each part of an election mostly does (any operation may still come in any part)
SETUP_OPS = ("register",) * 8 + ("register-again", "register-unknown-unit", "replace",
             "replace-replaced", "replace-unknown", "replace-other-unit")  # fmt: skip
VOTING_OPS = (*(o for o in OPS if o.startswith(("cast", "audit", "revote"))), "register")
END_OPS = ("share", "share", "share", "result")

Op = tuple[str, int, int]


def _part(mostly: tuple[str, ...], min_size: int, max_size: int) -> st.SearchStrategy[list[Op]]:
    name = st.sampled_from(mostly * 4 + OPS)
    return st.lists(
        st.tuples(name, st.integers(0, 7), st.integers(0, 7)), min_size=min_size, max_size=max_size
    )


#: registrations, the opening, voting, the close, the count: in that order, with every
#: operation also drawn out of its phase
operations = st.tuples(
    _part(SETUP_OPS, 2, 8),
    st.tuples(st.just("open"), st.integers(0, 7), st.integers(0, 7)),
    _part(VOTING_OPS, 4, 20),
    _part(END_OPS, 0, 6),
).map(lambda parts: [*parts[0], parts[1], *parts[2], ("close", 0, 0), ("tally", 0, 0), *parts[3]])


@dataclass(frozen=True)
class Cast:
    ballot: EncryptedBallot
    opening: BallotOpening
    choice: dict[str, set[str]]
    seed: str


@dataclass
class Voter:
    cred: VoterCredential
    unit: str
    revoked: bool = False
    ballots: list[Cast] = field(default_factory=list)


@dataclass(frozen=True)
class Forced:
    """A refused operation, as the service would have written it had it accepted it."""

    variant: str
    what: str  # the operation, for messages
    events: tuple[tuple[str, dict[str, Any]], ...]
    position: int  # the seq the first event would have had
    expected: frozenset[str]  # the verifier must fail at least one of these
    #: an audit refused while voting was open goes in the block right before ``close``
    held_audit: bytes | None = None


@dataclass
class HeldAudit:
    tracking: bytes
    made_at: int  # the number of events on the board when it was made


class Run:
    """The service under test, and a model of the election that predicts its answers."""

    def __init__(self, c: DemoCeremony, directory: Path) -> None:
        self.ceremony = c
        self.url = f"sqlite:///{directory / 'store.sqlite'}"
        clock = itertools.count(1_760_000_000_000, 1000).__next__
        self.service = ElectionService(SqlStore(self.url), SeededRandomness("service"), clock)
        self.ctx: ElectionContext = self.service.create(c.manifest, c.key, unprotected=True)
        self.rng = SeededRandomness("voters")
        self.ballot_seeds = itertools.count()
        # the model
        self.phase = "setup"
        self.events = 1  # the setup
        self.voters: list[Voter] = []  # registered (revoked or not)
        self.roll: dict[str, int] | None = None
        self.planned_roll: dict[str, int] = {}
        self.held: dict[bytes, tuple[EncryptedBallot, BallotOpening]] = {}
        self.audits: list[HeldAudit] = []  # accepted audits, in the order made
        self.cast_alphas: set[bytes] = set()
        self.audited_alphas: set[bytes] = set()
        self.shares: set[int] = set()
        self.tally_published: EncryptedTally | None = None
        self.refused: list[Forced] = []
        self.exempt: list[str] = []
        self.log: list[str] = []

    # -- the model's view -------------------------------------------------------------

    def active(self, unit: str | None = None) -> list[Voter]:
        return [v for v in self.voters if not v.revoked and unit in (None, v.unit)]

    def pick(self, voters: list[Voter], i: int) -> Voter | None:
        return voters[i % len(voters)] if voters else None

    def counted(self) -> list[tuple[str, EncryptedBallot]]:
        return [(v.unit, v.ballots[-1].ballot) for v in self.active() if v.ballots]

    def model_tally(self) -> EncryptedTally:
        return (
            self.tally_published
            or compute_tally(self.ctx.manifest, self.ctx.base_hash, self.counted()).tally
        )

    def fresh_ballot(self, cred: VoterCredential, choice_index: int) -> Cast:
        seed = f"ballot-{next(self.ballot_seeds)}"
        choice = CHOICES[choice_index % len(CHOICES)]
        ballot, opening = encrypt_ballot(self.ctx, cred, choice, SeededRandomness(seed))
        return Cast(ballot, opening, choice, seed)

    # -- running one operation --------------------------------------------------------

    def attempt(
        self,
        what: str,
        variant: str,
        allowed: bool,
        call: Callable[[], object],
        forced: Callable[[], Forced] | None,
    ) -> object | None:
        """Call the service; assert it accepts exactly when the model says so; note a
        refusal for forcing (``forced`` is built before the call, from the model's state
        at the time, unless the variant is exempt)."""
        planned = forced() if forced is not None and variant not in EXEMPT else None
        try:
            answer = call()
        except HonestBallotError as exc:
            assert not allowed, f"{what}: the service refused what it must accept: {exc}"
            self.log.append(f"{what}: refused ({exc})")
            if variant in EXEMPT:
                self.exempt.append(variant)
            else:
                assert planned is not None, what
                self.refused.append(planned)
            return None
        assert allowed, f"{what}: the service accepted what it must refuse ({variant})"
        self.log.append(f"{what}: accepted")
        return answer

    def run(self, op: Op) -> None:
        name, a, b = op
        getattr(self, "op_" + name.replace("-", "_"))(a, b)

    def expect(self, variant: str, phase_ok: bool, *checks: str) -> frozenset[str]:
        """In the wrong phase the board rules catch any event; otherwise ``checks``."""
        return frozenset({RULES}) if not phase_ok else frozenset(checks)

    # -- registrations ----------------------------------------------------------------

    def _register(
        self,
        variant: str,
        cred: VoterCredential,
        unit: str,
        replaces: Voter | None,
        replaces_point: Any = None,
        *,
        allowed: bool,
    ) -> None:
        phase_ok = self.phase in ("setup", "open")
        old = replaces.cred.public if replaces is not None else replaces_point
        body: dict[str, Any] = {"credential": cred.public.hex(), "unit": unit}
        if old is not None:
            body["replaces"] = old.hex()
        position = self.events

        def forced() -> Forced:
            return Forced(variant, f"{variant} {unit}", (("credential", body),), position,
                          frozenset({RULES}))  # fmt: skip

        done = self.attempt(
            f"{variant} in {unit}",
            variant,
            allowed and phase_ok,
            _true(
                self.service.register_credential, PROPERTY_ELECTION, cred.public, unit, replaces=old
            ),
            forced,
        )
        if done:
            if replaces is not None:
                replaces.revoked = True
            self.voters.append(Voter(cred, unit))
            self.events += 1

    def _room(self, unit: str) -> bool:
        return self.roll is None or len(self.active(unit)) < self.roll[unit]

    def op_register(self, a: int, _b: int) -> None:
        unit = PROPERTY_UNITS[a % 2]
        variant = "register" if self._room(unit) else "register-unit-full"
        self._register(variant, generate_credential(self.rng), unit, None, allowed=self._room(unit))

    def op_register_unknown_unit(self, _a: int, _b: int) -> None:
        cred = generate_credential(self.rng)
        self._register("register-unknown-unit", cred, "nowhere", None, allowed=False)

    def op_register_again(self, a: int, _b: int) -> None:
        voter = self.pick(self.voters, a)
        if voter is not None:
            self._register("register-again", voter.cred, voter.unit, None, allowed=False)

    def op_replace(self, a: int, _b: int) -> None:
        voter = self.pick(self.active(), a)
        if voter is not None:
            cred = generate_credential(self.rng)
            self._register("replace", cred, voter.unit, voter, allowed=True)

    def op_replace_replaced(self, a: int, _b: int) -> None:
        voter = self.pick([v for v in self.voters if v.revoked], a)
        if voter is not None:
            cred = generate_credential(self.rng)
            self._register("replace-replaced", cred, voter.unit, voter, allowed=False)

    def op_replace_unknown(self, a: int, _b: int) -> None:
        cred, ghost = generate_credential(self.rng), generate_credential(self.rng)
        unit = PROPERTY_UNITS[a % 2]
        self._register("replace-unknown", cred, unit, None, ghost.public, allowed=False)

    def op_replace_other_unit(self, a: int, _b: int) -> None:
        voter = self.pick(self.active(), a)
        if voter is not None:
            other = PROPERTY_UNITS[1 - PROPERTY_UNITS.index(voter.unit)]
            cred = generate_credential(self.rng)
            self._register("replace-other-unit", cred, other, voter, allowed=False)

    # -- the roll and the opening -----------------------------------------------------

    def op_open(self, a: int, b: int) -> None:
        position, phase_ok = self.events, self.phase == "setup"
        if a % 3 == 0:
            events: tuple[tuple[str, dict[str, Any]], ...] = (("open", {}),)
            variant, roll, small = "open", None, False
        else:
            voters = {u: len(self.active(u)) + b % 3 for u in PROPERTY_UNITS}
            crowded = [u for u in PROPERTY_UNITS if self.active(u)]
            small = a % 4 == 3 and bool(crowded)
            if small:  # a roll smaller than the active credentials of one unit
                voters[crowded[b % len(crowded)]] = len(self.active(crowded[b % len(crowded)])) - 1
            roll = {"voters_per_unit": [{"unit": u, "voters": voters[u]} for u in PROPERTY_UNITS],
                    "contact_exceptions": b}  # fmt: skip
            self.planned_roll = dict(voters)
            events = (("roll", roll), ("open", {}))
            variant = "open-roll-too-small" if small else "open-roll"
        body = roll

        def forced() -> Forced:
            return Forced(variant, variant, events, position, frozenset({RULES}))

        done = self.attempt(
            variant,
            variant,
            phase_ok and not small,
            _true(
                self.service.open, PROPERTY_ELECTION, roll=None if body is None else lambda _c: body
            ),
            forced,
        )
        if done:
            self.phase = "open"
            self.events += len(events)
            if body is not None:
                self.roll = self.planned_roll

    # -- casting ----------------------------------------------------------------------

    def _cast(
        self,
        variant: str,
        voter: Voter | None,
        cred: VoterCredential,
        cast: Cast,
        *,
        allowed: bool,
        expected: frozenset[str] = frozenset({RULES}),
        retry: bool = False,
    ) -> None:
        ballot, tracking = cast.ballot, cast.ballot.tracking_hash()
        phase_ok = self.phase == "open"
        allowed = allowed and phase_ok
        previous = voter.ballots[-1].ballot.tracking_hash() if voter and voter.ballots else None
        events: list[tuple[str, dict[str, Any]]] = [("ballot", {"ballot": ballot_to_json(ballot)})]
        if voter is not None and not voter.revoked and previous is not None:
            events.append(("superseded", {"old": previous.hex(), "new": tracking.hex()}))
        position = self.events

        def forced() -> Forced:
            return Forced(variant, variant, tuple(events), position,
                          self.expect(variant, phase_ok, *expected))  # fmt: skip

        receipt = self.attempt(
            variant,
            variant,
            allowed,
            lambda: self.service.cast(PROPERTY_ELECTION, json.dumps(ballot_to_json(ballot))),
            forced,
        )
        if receipt is None:
            return
        new = getattr(receipt, "new", None)
        superseded = getattr(receipt, "superseded", None)
        if retry:
            assert new is False, f"{variant}: an identical retry appended a ballot"
            return
        assert new is True, variant
        assert voter is not None
        assert superseded == (previous.hex() if previous else None), variant
        voter.ballots.append(cast)
        self.cast_alphas |= _alphas(ballot)
        self.events += len(events)

    def op_cast(self, a: int, b: int) -> None:
        voter = self.pick(self.active(), a)
        if voter is not None:
            variant = "revote" if voter.ballots else "cast"
            self._cast(variant, voter, voter.cred, self.fresh_ballot(voter.cred, b), allowed=True)

    def op_revote(self, a: int, b: int) -> None:
        voter = self.pick([v for v in self.active() if v.ballots], a)
        if voter is not None:
            self._cast("revote", voter, voter.cred, self.fresh_ballot(voter.cred, b), allowed=True)

    def op_cast_unregistered(self, _a: int, b: int) -> None:
        cred = generate_credential(self.rng)
        self._cast("cast-unregistered", None, cred, self.fresh_ballot(cred, b), allowed=False)

    def op_cast_replaced(self, a: int, b: int) -> None:
        voter = self.pick([v for v in self.voters if v.revoked], a)
        if voter is not None:
            cast = self.fresh_ballot(voter.cred, b)
            self._cast("cast-replaced", voter, voter.cred, cast, allowed=False)

    def op_cast_retry(self, a: int, _b: int) -> None:
        voter = self.pick([v for v in self.voters if v.ballots], a)
        if voter is not None:
            variant = "cast-retry-replaced" if voter.revoked else "cast-retry"
            self._cast(variant, voter, voter.cred, voter.ballots[-1], allowed=not voter.revoked,
                       retry=True)  # fmt: skip

    def op_cast_replay(self, a: int, b: int) -> None:
        """An older, superseded ballot sent again: answered with its first receipt, as any
        retry (a lost answer, docs/api.md), while the credential is not replaced; the
        board never holds it twice (the verifier refuses a replay forced in)."""
        voter = self.pick([v for v in self.voters if len(v.ballots) >= 2], a)
        if voter is not None:
            old = voter.ballots[b % (len(voter.ballots) - 1)]
            self._cast("cast-replay", voter, voter.cred, old, allowed=not voter.revoked,
                       retry=True)  # fmt: skip

    def _held_voter(self, a: int) -> tuple[Voter, EncryptedBallot, BallotOpening] | None:
        held = [(t, v) for t, v in sorted(self.held.items())]
        if not held:
            return None
        _, (ballot, opening) = held[a % len(held)]
        voter = next(v for v in self.voters if v.cred.public == ballot.credential)
        return voter, ballot, opening

    def op_cast_audited(self, a: int, _b: int) -> None:
        found = self._held_voter(a)
        if found is not None:
            voter, ballot, opening = found
            cast = Cast(ballot, opening, {}, "audited")
            self._cast("cast-audited", voter, voter.cred, cast, allowed=False)

    def op_cast_audited_resigned(self, a: int, _b: int) -> None:
        """The audited ballot signed again: the same ciphertexts (randomness now public),
        another tracking hash."""
        found = self._held_voter(a)
        if found is not None:
            voter, ballot, opening = found
            cast = Cast(copy_ballot(ballot, voter.cred, self.rng), opening, {}, "resigned")
            self._cast("cast-audited-resigned", voter, voter.cred, cast, allowed=False)

    def op_cast_copy(self, a: int, b: int) -> None:
        """Another voter's ballot copied from the board and signed with this credential:
        its proofs bind the other credential."""
        voter = self.pick(self.active(), a)
        others = [c for v in self.voters if v is not voter for c in v.ballots]
        if voter is not None and others:
            original = others[b % len(others)]
            cast = Cast(copy_ballot(original.ballot, voter.cred, self.rng), original.opening,
                        {}, "copy")  # fmt: skip
            self._cast("cast-copy", voter, voter.cred, cast, allowed=False,
                       expected=frozenset({"ballots.proofs"}))  # fmt: skip

    # -- auditing ---------------------------------------------------------------------

    def _audit(
        self,
        variant: str,
        ballot: EncryptedBallot,
        opening: BallotOpening,
        *,
        allowed: bool,
        again: bool = False,
    ) -> None:
        phase_ok = self.phase == "open"
        tracking = ballot.tracking_hash()
        body = {"spoiled": spoiled_to_json(ballot.spoiled()), "opening": opening_to_json(opening)}
        position = self.events

        def forced() -> Forced:
            # made while voting is open, an audit goes in the block before the close;
            # made in another phase, it goes where it was made
            return Forced(variant, variant, (("audit", body),), position,
                          self.expect(variant, phase_ok, RULES),
                          tracking if phase_ok else None)  # fmt: skip

        before = dict(self.held)
        answer = self.attempt(
            variant,
            variant,
            allowed and phase_ok,
            lambda: self.service.audit(PROPERTY_ELECTION, ballot, opening),
            forced,
        )
        if answer is None:
            return
        if again:
            assert tracking in self.held
            return
        assert self.held == before
        self.held[tracking] = (ballot, opening)
        self.audits.append(HeldAudit(tracking, self.events))
        self.audited_alphas |= _alphas(ballot)

    def op_audit(self, a: int, b: int) -> None:
        voter = self.pick(self.active(), a)
        if voter is not None:
            cast = self.fresh_ballot(voter.cred, b)
            self._audit("audit", cast.ballot, cast.opening, allowed=True)

    def op_audit_cast(self, a: int, b: int) -> None:
        """A ballot already on the board, audited."""
        casts = [c for v in self.voters for c in v.ballots]
        if casts:
            cast = casts[(a * 8 + b) % len(casts)]
            self._audit("audit-cast", cast.ballot, cast.opening, allowed=False)

    def op_audit_copy_own(self, a: int, b: int) -> None:
        """A ballot the credential cast, signed again (same ciphertexts) and audited."""
        voter = self.pick([v for v in self.voters if v.ballots], a)
        if voter is not None:
            cast = voter.ballots[b % len(voter.ballots)]
            copy = copy_ballot(cast.ballot, voter.cred, self.rng)
            self._audit("audit-copy-own", copy, cast.opening, allowed=False)

    def op_audit_copy_other(self, a: int, b: int) -> None:
        """The ciphertexts of a ballot ANOTHER credential cast -- the same randomness and
        choices -- proved and signed with this credential, and audited: opening it would
        publish the other ballot's choices."""
        voter = self.pick(self.active(), a)
        others = [c for v in self.voters if v is not voter for c in v.ballots]
        if voter is not None and others:
            cast = others[b % len(others)]
            ballot, opening = encrypt_ballot(self.ctx, voter.cred, cast.choice,
                                             SeededRandomness(cast.seed))  # fmt: skip
            assert _alphas(ballot) == _alphas(cast.ballot)
            self._audit("audit-copy-other", ballot, opening, allowed=False)

    def op_audit_again(self, a: int, _b: int) -> None:
        found = self._held_voter(a)
        if found is not None and not found[0].revoked:
            _, ballot, opening = found
            self._audit("audit-again", ballot, opening, allowed=True, again=True)

    def op_audit_replaced(self, a: int, b: int) -> None:
        voter = self.pick([v for v in self.voters if v.revoked], a)
        if voter is not None:
            cast = self.fresh_ballot(voter.cred, b)
            self._audit("audit-replaced", cast.ballot, cast.opening, allowed=False)

    def op_audit_unregistered(self, _a: int, b: int) -> None:
        cast = self.fresh_ballot(generate_credential(self.rng), b)
        self._audit("audit-unregistered", cast.ballot, cast.opening, allowed=False)

    # -- the end ----------------------------------------------------------------------

    def op_close(self, _a: int, _b: int) -> None:
        position, phase_ok = self.events, self.phase == "open"

        def forced() -> Forced:
            return Forced("close", "close", (("close", {}),), position, frozenset({RULES}))

        if self.attempt("close", "close", phase_ok,
                        _true(self.service.close, PROPERTY_ELECTION), forced):  # fmt: skip
            self.phase = "closed"
            self.events += len(self.held) + 1
            self.held.clear()

    def op_tally(self, _a: int, _b: int) -> None:
        position, phase_ok = self.events, self.phase == "closed"

        def forced() -> Forced:
            result = compute_tally(self.ctx.manifest, self.ctx.base_hash, self.counted())
            body = {
                "tally": result.tally.to_object(),
                "counted_per_unit": [{"unit": u, "ballots": n} for u, n in result.counted_per_unit],
            }
            return Forced("tally", "tally", (("tally", body),), position, frozenset({RULES}))

        tally = self.attempt("tally", "tally", phase_ok,
                             lambda: self.service.tally(PROPERTY_ELECTION), forced)  # fmt: skip
        if isinstance(tally, EncryptedTally):
            self.phase = "tallied"
            self.tally_published = tally
            self.events += 1

    def op_share(self, a: int, _b: int) -> None:
        trustee = 1 + a % 3
        secret = self.ceremony.secrets[trustee - 1]
        share = create_decryption_share(secret, self.model_tally(), self.rng)
        share_json = encode_share(share)
        twice = trustee in self.shares
        variant = "share-twice" if twice else "share"
        position, phase_ok = self.events, self.phase == "tallied"

        def forced() -> Forced:
            return Forced(variant, f"{variant} {trustee}",
                          (("decryption-share", {"share": share_json}),), position,
                          frozenset({RULES}))  # fmt: skip

        done = self.attempt(
            f"{variant} {trustee}",
            variant,
            phase_ok and not twice,
            lambda: self.service.submit_decryption_share(PROPERTY_ELECTION, json.dumps(share_json)),
            forced,
        )
        if done:
            self.shares.add(trustee)
            self.events += 1

    def op_result(self, _a: int, _b: int) -> None:
        position, phase_ok = self.events, self.phase == "tallied"
        enough = len(self.shares) >= 2
        variant = "result" if enough or not phase_ok else "result-too-few-shares"

        def forced() -> Forced:
            return Forced(variant, variant, (("result", self.result_body()),), position,
                          # the result.counts check; or, with events after it, the rules
                          self.expect(variant, phase_ok, "result.counts", RULES))  # fmt: skip

        def publish() -> object:
            return self.service.publish_result(PROPERTY_ELECTION)

        if self.attempt(variant, variant, phase_ok and enough, publish, forced):
            self.phase = "done"
            self.events += 1

    def result_body(self) -> dict[str, Any]:
        """The counts the trustees' shares would give, the trustees that published named."""
        tally = self.model_tally()
        shares = [create_decryption_share(s, tally, self.rng) for s in self.ceremony.secrets[:2]]
        decrypted = combine_valid_shares(self.ceremony.key, tally, shares)
        table = DiscreteLogTable(max(1, len(self.counted())))
        return {
            "counts": [{"id": e.id, "count": table.solve(e.plaintext)} for e in decrypted.entries],
            "trustees": sorted(self.shares),
            "rejected_shares": [],
        }

    def finish(self) -> None:
        """Take the election to its result with operations the service must accept."""
        if self.phase == "setup":
            self.op_open(0, 0)
        if self.phase == "open":
            self.op_close(0, 0)
        if self.phase == "closed":
            self.op_tally(0, 0)
        for trustee in (0, 1, 2):
            if self.phase == "tallied" and len(self.shares) < 2 and trustee + 1 not in self.shares:
                self.op_share(trustee, 0)
        if self.phase == "tallied":
            self.op_result(0, 0)
        assert self.phase == "done", self.log


def _true(call: Callable[..., None], *args: Any, **kwargs: Any) -> Callable[[], bool]:
    """A service call that answers nothing, made to answer True once it has run."""

    def run() -> bool:
        call(*args, **kwargs)
        return True

    return run


def _alphas(ballot: EncryptedBallot) -> set[bytes]:
    return {ct.alpha.data for ec in ballot.contests for ct in ec.ciphertexts}


# -- forcing events into the record ----------------------------------------------------


def _parsed(lines: list[bytes]) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in lines]


def _event_line(kind: str, body: dict[str, Any], time_ms: int) -> bytes:
    # seq is set by renumber()
    return canonical_bytes({"body": body, "kind": kind, "seq": 0, "time_ms": time_ms,
                            "type": "event"})  # fmt: skip


def _seal(lines: list[bytes], election_id: str, secret: Any) -> list[bytes]:
    """Renumber the events, make sure a tree head ends the record, re-sign every head."""
    objs = _parsed(lines)
    if objs[-1]["type"] != "tree-head":
        last_head = next(raw for raw, o in zip(reversed(lines), reversed(objs), strict=True)
                         if o["type"] == "tree-head")  # fmt: skip
        lines = [*lines, last_head]
    return resign(renumber(lines), election_id, secret)


def _event_indices(lines: list[bytes]) -> list[int]:
    return [i for i, o in enumerate(_parsed(lines)) if o["type"] == "event"]


def insert_at(
    lines: list[bytes], position: int, new: list[tuple[str, dict[str, Any]]]
) -> list[bytes]:
    """Insert events so that the first takes seq ``position``, at the time of the event
    before it (times stay non-decreasing)."""
    index = _event_indices(lines)
    time_ms = json.loads(lines[index[position - 1]])["time_ms"]
    at = index[position] if position < len(index) else len(lines)
    out = list(lines)
    out[at:at] = [_event_line(kind, body, time_ms) for kind, body in new]
    if new[0][0] == "ballot":
        out = _chain_next_ballot(out, at + len(new), new[0][1]["ballot"])
    return out


def _chain_next_ballot(lines: list[bytes], start: int, ballot: dict[str, Any]) -> list[bytes]:
    """A forced ballot becomes its credential's latest: the credential's next ballot on the
    board (if any) must now name it as the one it supersedes, as a server forcing the
    ballot in would also write -- so that only the forced ballot itself can be caught."""
    credential = ballot["credential"]
    tracking = ballot_from_json(ballot, "forced").tracking_hash().hex()
    objs = _parsed(lines)
    for j in range(start, len(objs)):
        o = objs[j]
        if o["type"] != "event":
            continue
        if o["kind"] == "credential" and o["body"].get("replaces") == credential:
            return lines  # replaced: it casts no more
        if o["kind"] == "ballot" and o["body"]["ballot"]["credential"] == credential:
            new = ballot_from_json(o["body"]["ballot"], "next").tracking_hash().hex()
            body = {"old": tracking, "new": new}
            out = list(lines)
            if objs[j + 1]["type"] == "event" and objs[j + 1]["kind"] == "superseded":
                out[j + 1] = canonical_bytes(dict(objs[j + 1], body=body))
            else:
                out.insert(j + 1, _event_line("superseded", body, o["time_ms"]))
            return out
    return lines


def _audit_tracking(event: dict[str, Any]) -> bytes:
    return spoiled_from_json(event["body"]["spoiled"], "audit").tracking_hash()


def insert_audit_in_block(lines: list[bytes], body: dict[str, Any], tracking: bytes) -> list[bytes]:
    """Where the service puts an audit: in the block right before ``close``, in tracking-
    hash order, with the close's time; with no close yet, at the end of the record (where
    the block would start)."""
    objs = _parsed(lines)
    closes = [i for i, o in enumerate(objs) if o["type"] == "event" and o["kind"] == "close"]
    if not closes:
        return insert_at(lines, len(_event_indices(lines)), [("audit", body)])
    close = closes[0]
    at = close
    while objs[at - 1]["type"] == "event" and objs[at - 1]["kind"] == "audit":
        if _audit_tracking(objs[at - 1]) < tracking:
            break
        at -= 1
    out = list(lines)
    out.insert(at, _event_line("audit", body, objs[close]["time_ms"]))
    return out


def force(lines: list[bytes], forced: Forced) -> list[bytes]:
    if forced.held_audit is not None:
        [(_, body)] = forced.events
        return insert_audit_in_block(lines, body, forced.held_audit)
    return insert_at(lines, forced.position, list(forced.events))


def moved_audits(lines: list[bytes], audits: list[HeldAudit]) -> list[tuple[str, list[bytes]]]:
    """Accepted audits out of their place: each moved to where it was made (next to the
    ballots cast then, at the time of the event before it); the block out of tracking-hash
    order; one audit of the block off the close's time."""
    objs = _parsed(lines)
    closes = [i for i, o in enumerate(objs) if o["type"] == "event" and o["kind"] == "close"]
    if not closes or not audits:
        return []
    close = closes[0]
    start = close
    while objs[start - 1]["type"] == "event" and objs[start - 1]["kind"] == "audit":
        start -= 1
    block = list(range(start, close))
    assert len(block) == len(audits), "the close's block holds every accepted audit"
    by_tracking = {_audit_tracking(objs[i]): i for i in block}
    out: list[tuple[str, list[bytes]]] = []
    for audit in audits:
        line = by_tracking[audit.tracking]
        event = objs[line]
        without = lines[:line] + lines[line + 1 :]
        out.append(
            ("moved:audit-in-voting-period",
             insert_at(without, audit.made_at, [("audit", event["body"])]))
        )  # fmt: skip
    if len(block) >= 2:
        swapped = list(lines)
        swapped[start], swapped[start + 1] = lines[start + 1], lines[start]
        out.append(("moved:audits-out-of-order", swapped))
    early = dict(objs[start], time_ms=objs[close]["time_ms"] - 1)
    assert objs[start - 1].get("time_ms", 0) <= early["time_ms"]
    off_time = list(lines)
    off_time[start] = canonical_bytes(early)
    out.append(("moved:audit-off-close-time", off_time))
    return out


# -- the property ----------------------------------------------------------------------


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(ops=operations, finish=st.booleans())
def test_random_operations_give_a_record_the_verifier_accepts_and_refusals_it_rejects(
    ceremony: DemoCeremony, tmp_path_factory: pytest.TempPathFactory, ops: list[Op], finish: bool
) -> None:
    run = Run(ceremony, tmp_path_factory.mktemp("board-property"))
    try:
        for op in ops:
            run.run(op)
        if finish:
            run.finish()
        lines = [raw.rstrip(b"\n") for raw in run.service.record_lines(PROPERTY_ELECTION)]
    finally:
        run.service.store.close()
    trail = "\n  ".join(run.log)
    events = _event_indices(lines)
    assert len(events) == run.events, f"the model expected {run.events} events:\n  {trail}"

    # 1. what the service accepted, the verifier accepts
    report = verify(lines)
    assert report.passed, f"the service's own record fails: {describe(report)}\n  {trail}"

    # 2. what the service refused, forced into the record, the verifier names
    secret = board_secret_of(run.url, PROPERTY_ELECTION)
    missed: list[str] = []
    cases = [(f.what, f.expected, force(lines, f)) for f in run.refused] + [
        (variant, frozenset({RULES}), changed)
        for variant, changed in moved_audits(lines, run.audits)
    ]
    for what, expected, changed in cases:
        forced_report = verify(_seal(changed, PROPERTY_ELECTION, secret))
        if not failed(forced_report) & expected:
            missed.append(
                f"{what}: expected a failure of {sorted(expected)}, got: {describe(forced_report)}"
            )
    assert not missed, (
        "forced into the record and not caught:\n  "
        + "\n  ".join(missed)
        + (f"\noperations:\n  {trail}")
    )
