"""Stage B of the close (docs/coercion.md §5.4; protocol/close_b.py) on boards made from
the protocol's own objects, with an encrypted roll: a replaced credential's last ballot
does not count and the new one's does, each counted ballot has its voter's reporting
unit, a cover replacement leaves no trace, and every failure of a dishonest service or
organiser is named."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from honestballot.crypto.elgamal import decrypt_to_point
from honestballot.crypto.group import GENERATOR, Point, Scalar
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.protocol.ballot_v2 import CastRow, counter_start, encrypt_under, make_cast_row
from honestballot.protocol.close_a import ListTagShare, StageAInputs, stage_a_inputs
from honestballot.protocol.close_b import (
    B_HANDLES,
    Close,
    StageBInputs,
    run_close,
    run_close_to_end,
    stage_b_inputs,
)
from honestballot.protocol.cover import CoverReplacement
from honestballot.protocol.credential_seed import CredentialSeed, generate_seed
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.encrypted_roll import RollRow, make_row
from honestballot.protocol.letters import LetterSecret, activation_base, draw_letter
from honestballot.protocol.padding import PaddedCredential, make_padding
from honestballot.protocol.registration import Registration, make_commitment, register
from tests.protocol.test_close_a import CTX, KEYS, TRUSTEES, X

BASE, H = CTX.base_hash, CTX.public_key


@dataclass
class Voter:
    handle: Point
    activation: Scalar
    none: Point


def _board_choice(choice: str) -> Mapping[str, frozenset[str] | tuple[str, ...]]:
    return {"board": frozenset({choice})}


@dataclass
class Board:
    #: the election (test_close_a's keys, any manifest) and a ballot's choices per letter
    ctx: ElectionContext = CTX
    choose: Callable[[str], Mapping[str, frozenset[str] | tuple[str, ...]]] = _board_choice
    cast: list[CastRow] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)
    padded: list[PaddedCredential] = field(default_factory=list)
    roll: list[RollRow] = field(default_factory=list)
    units: int = 2
    #: the reporting unit each roll row was made for (what the organiser signs counts of)
    enrolled: list[int] = field(default_factory=list)

    def inputs(self, rng: SeededRandomness) -> tuple[StageAInputs, StageBInputs]:
        padding = make_padding(self.ctx, self.padded, 0, rng)
        return (
            stage_a_inputs(self.ctx, self.cast, self.registrations, padding),
            stage_b_inputs(
                self.registrations,
                self.roll,
                [(f"unit-{u}", self.enrolled.count(u)) for u in range(self.units)],
            ),
        )

    def enrol(self, unit: int, rng: SeededRandomness) -> Voter:
        """A voter on the roll, in reporting unit ``unit``."""
        letter: LetterSecret = draw_letter(rng, BASE)
        self.roll.append(make_row(BASE, H, len(self.roll), letter, unit, rng))
        self.enrolled.append(unit)
        return Voter(letter.handle(BASE), letter.activation_scalar(BASE), letter.none_point(BASE))

    def register(
        self, voter: Voter, seed: CredentialSeed, revoked: Point | None, rng: SeededRandomness
    ) -> None:
        """A registration of ``seed`` for ``voter``, revoking ``revoked`` (the voter's
        none point for a first registration)."""
        a = voter.activation
        commitment = make_commitment(BASE, H, revoked or voter.none, rng)
        reg, _ = register(
            BASE, H, commitment, seed.signing_scalar(BASE), seed.voting_point(BASE),
            seed.tag_point(BASE), voter.handle, (a, activation_base(BASE) * a), rng,
        )  # fmt: skip
        self.registrations.append(reg)

    def vote(self, seed: CredentialSeed, choices: str, rng: SeededRandomness) -> None:
        start = counter_start(rng)
        for n, choice in enumerate(choices, 1):
            ballot, _, _ = encrypt_under(
                self.ctx, seed.signing_scalar(BASE), seed.voting_point(BASE),
                seed.tag_point(BASE), self.choose(choice), rng,
            )  # fmt: skip
            self.cast.append(make_cast_row(self.ctx, ballot, start + n, rng))
        self.padded.append(
            PaddedCredential(seed.tag_point(BASE), seed.voting_point(BASE), start, len(choices))
        )


def counted(close: Close) -> list[tuple[str, int]]:
    """(choice, reporting unit) of every counted ballot, sorted."""
    out = []
    for c in close.counted:
        p = decrypt_to_point(X, close.winners[c.row][3])
        out.append(("p" if p == GENERATOR else "q", c.unit))
    return sorted(out)


def run(board: Board, seed: str) -> Close:
    rng = SeededRandomness(seed)
    a, b = board.inputs(rng)
    close, _ = run_close_to_end(board.ctx, KEYS, a, b, TRUSTEES, rng)
    assert close.done
    return close


def test_the_last_ballot_of_each_voters_current_credential_counts_in_its_unit() -> None:
    rng = SeededRandomness("stage B: honest")
    board = Board()
    voters = [board.enrol(u, rng) for u in (0, 1, 0, 1)]
    seeds = [generate_seed(rng, BASE) for _ in range(5)]
    # voter 0 votes once; voter 1 twice; voter 2 votes, replaces its credential (the new
    # registration revokes the old tag point) and votes again; voter 3 only registers
    for voter, seed in zip(voters, seeds, strict=False):
        board.register(voter, seed, None, rng)
    board.register(voters[2], seeds[4], seeds[2].tag_point(BASE), rng)
    board.vote(seeds[0], "p", rng)
    board.vote(seeds[1], "pq", rng)
    board.vote(seeds[2], "q", rng)
    board.vote(seeds[4], "p", rng)
    # a cover replacement: C1 for a made-up voter votes twice, then C2 revokes it
    cover = CoverReplacement(rng.random_bytes(32))
    made_up = cover.voter()
    fake = Voter(made_up.handle(BASE), made_up.activation_scalar, made_up.none_point(BASE))
    c1, c2 = cover.seed(1, BASE), cover.seed(2, BASE)
    board.register(fake, c1, None, rng)
    board.vote(c1, "qq", rng)
    board.register(fake, c2, c1.tag_point(BASE), rng)
    close = run(board, "stage B: honest, trustees")
    assert close.failures == ()
    assert counted(close) == [("p", 0), ("p", 0), ("q", 1)]
    assert len(close.a.winners) == 5  # voters 0, 1, 2 (old), 2 (new), C1
    rounds = [r for r, _ in close.opened]
    assert rounds[rounds.index("B-mix") :] == [
        "B-mix", "B-tag", "B-tag-dec", "B-revoke", "B-revoke-dec", "B-handle",
        "B-handle-dec", "B-activate", "B-activate-dec", "B-tally",
    ]  # fmt: skip


def test_a_revocation_with_another_activation_is_void_and_both_credentials_are_dropped() -> None:
    rng = SeededRandomness("stage B: revocation")
    board = Board()
    voter, other = board.enrol(0, rng), board.enrol(1, rng)
    old, new, own = (generate_seed(rng, BASE) for _ in range(3))
    board.register(voter, old, None, rng)
    board.vote(old, "q", rng)
    # a "replacement" made without the voter's letter: its activation is not the voter's
    thief = Voter(voter.handle, random_nonzero_scalar(rng), voter.none)
    board.register(thief, new, old.tag_point(BASE), rng)
    board.vote(new, "p", rng)
    board.register(other, own, None, rng)
    board.vote(own, "p", rng)
    close = run(board, "stage B: revocation, trustees")
    # the revocation is void, so the old credential survives; two survivors join the
    # voter's roll row, and neither counts
    assert sorted(f.check for f in close.failures) == ["close.revocation", "close.voters"]
    assert counted(close) == [("p", 1)]


def test_a_survivor_off_the_roll_or_with_another_activation_is_dropped() -> None:
    rng = SeededRandomness("stage B: voters")
    board = Board()
    voter, victim = board.enrol(0, rng), board.enrol(1, rng)
    stranger = Voter(
        Point.from_uniform_bytes(rng.random_bytes(64)), random_nonzero_scalar(rng), voter.none
    )
    a, b, c = (generate_seed(rng, BASE) for _ in range(3))
    board.register(voter, a, None, rng)
    board.vote(a, "p", rng)
    board.register(stranger, b, None, rng)  # a handle on no roll row
    board.vote(b, "q", rng)
    forged = Voter(victim.handle, random_nonzero_scalar(rng), victim.none)
    board.register(forged, c, None, rng)  # the victim's handle without its letter
    board.vote(c, "q", rng)
    close = run(board, "stage B: voters, trustees")
    assert sorted(f.check for f in close.failures) == ["close.activation", "close.voters"]
    assert counted(close) == [("p", 0)]


def test_roll_rows_sharing_a_handle_and_a_unit_off_the_list_name_the_organiser() -> None:
    rng = SeededRandomness("stage B: organiser")
    board = Board(units=1)
    twin = draw_letter(rng, BASE)
    board.roll += [make_row(BASE, H, i, twin, 0, rng) for i in range(2)]
    board.enrolled += [0, 0]
    voter = Voter(twin.handle(BASE), twin.activation_scalar(BASE), twin.none_point(BASE))
    far = board.enrol(1, rng)  # unit 1 of a roll that has one reporting unit
    a, b = generate_seed(rng, BASE), generate_seed(rng, BASE)
    board.register(voter, a, None, rng)
    board.vote(a, "p", rng)
    board.register(far, b, None, rng)
    board.vote(b, "q", rng)
    close = run(board, "stage B: organiser, trustees")
    # named at B2 (the rows), then again for each survivor that joins such a row
    assert sorted((f.check, f.party) for f in close.failures) == [
        ("close.units", "organiser"), ("close.units", "organiser"),
        ("roll.handles", "organiser"), ("roll.handles", "organiser"),
    ]  # fmt: skip
    assert close.counted == ()


def test_rows_whose_units_do_not_add_up_to_the_signed_counts_name_the_organiser() -> None:
    """The organiser cannot move voters between reporting units unseen: every roll row's
    unit is decrypted with the roll's handle tags, and their counts must be the signed
    ones."""
    rng = SeededRandomness("stage B: counts")
    board = Board()
    voters = [board.enrol(0, rng) for _ in range(2)]
    board.roll[1] = make_row(BASE, H, 1, _letter_of(rng), 1, rng)  # not the signed unit 0
    seeds = [generate_seed(rng, BASE) for _ in voters]
    for voter, seed in zip(voters, seeds, strict=True):
        board.register(voter, seed, None, rng)
        board.vote(seed, "p", rng)
    close = run(board, "stage B: counts, trustees")
    assert [f.check for f in close.failures][:1] == ["roll.counts"]
    assert "[1, 1] voters per reporting unit" in close.failures[0].detail
    assert "signed [2, 0]" in close.failures[0].detail


def _letter_of(rng: SeededRandomness) -> LetterSecret:
    return draw_letter(rng, BASE)


def test_no_handle_tag_of_a_winner_is_taken_before_revocation_is_decided() -> None:
    """§5.4, B4: tag shares of the survivors' Enc(V) before B3 is complete would show
    which revoked winner and which survivor share a voter; the close does not take them
    (named: the service should have refused them) until B-revoke-dec is over."""
    rng = SeededRandomness("stage B: order")
    board = Board()
    voter = board.enrol(0, rng)
    old, new = generate_seed(rng, BASE), generate_seed(rng, BASE)
    board.register(voter, old, None, rng)
    board.vote(old, "q", rng)
    board.register(voter, new, old.tag_point(BASE), rng)
    board.vote(new, "p", rng)
    a, b = board.inputs(rng)
    close, items = run_close_to_end(CTX, KEYS, a, b, TRUSTEES, rng)
    opened = dict(close.opened)
    handles = [
        i
        for i, item in enumerate(items)
        if isinstance(item, ListTagShare) and item.list == B_HANDLES
    ]
    assert handles and min(handles) >= opened["B-handle"] > opened["B-revoke-dec"]
    # the same handle share moved before the revocation's decryption: not taken
    early = [*items[: opened["B-revoke-dec"]], items[handles[0]]]
    state = run_close(CTX, KEYS, a, b, early)
    assert state.round == "B-revoke-dec" and state.ignored == (len(early) - 1,)
    assert "belongs to no open step" in state.failures[-1].detail
