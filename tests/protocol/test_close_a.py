"""Stage A of the close (docs/coercion.md §5.3; protocol/close_a.py) on boards made from
the protocol's own objects: the last ballot of every credential wins; cover is dropped;
every failure of a dishonest service is named and remedied, and every object that breaks
the record is refused by name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import pytest

from honestballot.crypto import shuffle as shuffle_module
from honestballot.crypto.elgamal import Ciphertext, decrypt_to_point
from honestballot.crypto.group import GENERATOR, Point, Scalar, base_mul
from honestballot.crypto.polynomial import evaluate, random_polynomial
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.protocol import close_a
from honestballot.protocol.ballot_v2 import CastRow, counter_start, encrypt_under, make_cast_row
from honestballot.protocol.close_a import (
    A_COUNTERS,
    A_FALLBACK_FLAGS,
    A_ROWS,
    A_TAGS,
    CloseItem,
    CloseKeys,
    CloseRecordError,
    ListDecryption,
    ListMix,
    ListTagShare,
    StageA,
    StageAInputs,
    TrusteeKeys,
    act,
    run_stage_a,
    run_to_end,
    stage_a_inputs,
)
from honestballot.protocol.cover import draw_cover_voter, make_cover_registration, make_cover_row
from honestballot.protocol.credential_seed import CredentialSeed, generate_seed
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.manifest import Contest, Option
from honestballot.protocol.padding import PaddedCredential, make_padding
from honestballot.protocol.registration import Registration, make_commitment
from tests.factories import label
from tests.protocol.test_ballot_v2 import MANIFEST as V2_MANIFEST

MANIFEST = replace(
    V2_MANIFEST,
    contests=(
        Contest(
            "board", label("Board"), (Option("p", label("p")), Option("q", label("q"))), 0, 1, False
        ),
    ),
)
K, N = 2, 3


def _shared(rng: SeededRandomness) -> tuple[Scalar, dict[int, Scalar]]:
    poly = random_polynomial(K - 1, rng)
    return poly[0], {j: evaluate(poly, j) for j in range(1, N + 1)}


RNG = SeededRandomness("stage A tests")
X, XS = _shared(RNG)
_, Y1S = _shared(RNG)
_, Y2S = _shared(RNG)
CTX = ElectionContext(MANIFEST, base_mul(X), bytes(range(32)), base_mul(random_nonzero_scalar(RNG)))
KEYS = CloseKeys(
    K,
    tuple(base_mul(XS[j]) for j in range(1, N + 1)),
    tuple(base_mul(Y1S[j]) for j in range(1, N + 1)),
    tuple(base_mul(Y2S[j]) for j in range(1, N + 1)),
)
TRUSTEES = {j: TrusteeKeys(j, XS[j], Y1S[j], Y2S[j]) for j in range(1, N + 1)}


@dataclass
class Voter:
    """A registered credential and the choices of its ballots, in casting order."""

    seed: CredentialSeed
    handle: Point
    choices: list[str]
    start: int


@dataclass
class Board:
    voters: list[Voter]
    cast: list[CastRow]
    registrations: list[Registration]
    padded: list[PaddedCredential]
    cover_rows: int

    def inputs(self, rng: SeededRandomness) -> StageAInputs:
        padding = make_padding(CTX, self.padded, self.cover_rows, rng)
        return stage_a_inputs(CTX, self.cast, self.registrations, padding)


def _row(seed: CredentialSeed, choice: str, counter: int, rng: SeededRandomness, *,
         tag: Point | None = None) -> CastRow:  # fmt: skip
    base = CTX.base_hash
    ballot, _, _ = encrypt_under(
        CTX, seed.signing_scalar(base), seed.voting_point(base),
        seed.tag_point(base) if tag is None else tag, {"board": {choice}}, rng,
    )  # fmt: skip
    return make_cast_row(CTX, ballot, counter, rng)


def _register(seed: CredentialSeed, rng: SeededRandomness) -> tuple[Registration, Point]:
    voter = draw_cover_voter(rng)
    handle = voter.handle(CTX.base_hash)
    commitment = make_commitment(
        CTX.base_hash, CTX.public_key, voter.none_point(CTX.base_hash), rng
    )
    return make_cover_registration(
        CTX.base_hash, CTX.public_key, commitment, voter, seed, rng
    ), handle


def make_board(ballots: Sequence[Sequence[str]], cover_rows: int, rng: SeededRandomness) -> Board:
    """One credential per entry of ``ballots``, registered, casting those choices in
    order; ``cover_rows`` cover rows; everything in one shuffled board order."""
    board = Board([], [], [], [], cover_rows)
    for choices in ballots:
        seed = generate_seed(rng, CTX.base_hash)
        registration, handle = _register(seed, rng)
        board.registrations.append(registration)
        voter = Voter(seed, handle, list(choices), counter_start(rng))
        board.voters.append(voter)
        for n, choice in enumerate(choices, 1):
            board.cast.append(_row(seed, choice, voter.start + n, rng))
        if choices:
            base = CTX.base_hash
            board.padded.append(
                PaddedCredential(
                    seed.tag_point(base), seed.voting_point(base), voter.start, len(choices)
                )
            )
    board.cast.extend(make_cover_row(CTX, i, rng) for i in range(cover_rows))
    return board


def _decrypt(ct: Ciphertext) -> Point:
    return decrypt_to_point(X, ct)


def counted(state: StageA) -> dict[Point, str]:
    """handle -> the choice its counted ballot holds (decrypted with the test's x)."""
    out = {}
    for w in state.winners:
        handle = _decrypt(state.registrations[w.registration][2])
        p, q = (_decrypt(ct) for ct in state.rows[w.row][4:6])
        assert (p, q) in ((GENERATOR, q), (p, GENERATOR)) and (p.is_identity() or q.is_identity())
        out[handle] = "p" if p == GENERATOR else "q"
    return out


def test_the_last_ballot_of_each_credential_wins_and_cover_is_dropped() -> None:
    rng = SeededRandomness("stage A: honest")
    board = make_board([["p"], ["p", "q"], ["q", "q", "p", "q", "p"], []], 3, rng)
    inputs = board.inputs(rng)
    # 1 + 2 + 5 cast, 3 cover, and one padding row for the credential with 5 (to 6)
    assert len(inputs.rows) == 11 + 1 and len(inputs.registrations) == 4
    state, items = run_to_end(CTX, KEYS, inputs, TRUSTEES, rng)
    assert state.done and state.failures == ()
    assert counted(state) == {v.handle: v.choices[-1] for v in board.voters if v.choices}
    # a verifier reading the published objects reaches the same outcome
    again = run_stage_a(CTX, KEYS, inputs, items)
    assert again.winners == state.winners and again.consumed == len(items)
    # every step took exactly k objects: 2 mixes x 2 chains, then 2 per step
    assert sum(isinstance(i, ListMix) for i in items) == 2 * K


def test_the_rounds_open_in_order_and_any_k_trustees_may_act() -> None:
    rng = SeededRandomness("stage A: rounds")
    board = make_board([["p", "q"], ["q"]], 1, rng)
    inputs = board.inputs(rng)
    items: list[CloseItem] = []
    rounds = []
    while True:
        state = run_stage_a(CTX, KEYS, inputs, items)
        if state.done:
            break
        rounds.append((state.round, sorted((s.kind, s.list) for s in state.next)))
        step = state.next[0]
        items.append(act(CTX, step, TRUSTEES[3 - len(step.done_by)], rng))  # trustees 3, 2
    assert [r for r, _ in rounds] == [
        "A-mix", "A-mix", "A-mix", "A-mix", "A-tag", "A-tag", "A-tag", "A-tag",
        "A-tag-dec", "A-tag-dec", "A-offset", "A-offset", "A-count", "A-count",
        "A-check", "A-check", "A-check", "A-check", "A-check-dec", "A-check-dec",
    ]  # fmt: skip
    assert rounds[4][1] == [("point-tag", "A.cover"), ("tag", A_TAGS)]
    assert counted(state) == {v.handle: v.choices[-1] for v in board.voters}
    # a trustee acting twice in a step, or in a step that is not open, breaks the record
    mix = items[0]
    assert isinstance(mix, ListMix)
    # each is not taken, and names the service, which should have refused it; the close
    # goes on with the objects taken
    state = run_stage_a(CTX, KEYS, inputs, [mix, replace(mix, position=2)])
    assert state.ignored == (1,) and state.round == "A-mix"
    assert [f.check for f in state.failures] == ["close.steps"]
    assert "trustee 3 acted already" in state.failures[0].detail
    state = run_stage_a(CTX, KEYS, inputs, [mix, items[-1]])  # a decryption among the mixes
    assert state.ignored == (1,) and "belongs to no open step" in state.failures[0].detail
    state = run_stage_a(CTX, KEYS, inputs, [mix, items[-1], *items[1:]])
    assert (
        state.done
        and state.ignored == (1,)
        and counted(state) == {v.handle: v.choices[-1] for v in board.voters}
    )
    # what follows stage A's last step is left for stage B
    assert run_stage_a(CTX, KEYS, inputs, [*items, items[-1]]).consumed == len(items)


def test_an_honest_run_without_checking_its_own_objects_reaches_the_same_outcome(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []

    def counting(context: Sequence[object], *args: object) -> None:
        calls.append(str(context[2]))
        shuffle_module.verify_shuffle(context, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(close_a, "default_verify_shuffle", counting)
    board = make_board([["p", "q"], ["q"], ["p"]], 2, SeededRandomness("stage A: board"))
    inputs = board.inputs(SeededRandomness("stage A: padding"))
    checked, items = run_to_end(CTX, KEYS, inputs, TRUSTEES, SeededRandomness("stage A: run"))
    # every reading checks every mix again: the 2 x K mixes, read in the rounds after them
    assert len(calls) > 2 * K
    calls.clear()
    state, same = run_to_end(
        CTX, KEYS, inputs, TRUSTEES, SeededRandomness("stage A: run"), check=False
    )
    assert calls == []  # no proof of its own objects checked again
    assert same == items and state == checked
    assert state.done and state.failures == ()
    assert counted(state) == {v.handle: v.choices[-1] for v in board.voters}
    # objects given to it are checked on the first reading
    calls.clear()
    mixes = [i for i in items if isinstance(i, ListMix)]
    again, _ = run_to_end(
        CTX, KEYS, inputs, TRUSTEES, SeededRandomness("stage A: run again"), items=mixes,
        check=False,
    )  # fmt: skip
    assert len(calls) == len(mixes) and again.winners == state.winners
    # a forged object given to it is not taken, and named, as on any reading; no later
    # reading takes it as proven (trustee 1's own mix of that step is taken instead)
    forged = replace(mixes[0], rows=(mixes[0].rows[1], mixes[0].rows[0], *mixes[0].rows[2:]))
    bad, _ = run_to_end(
        CTX, KEYS, inputs, TRUSTEES, SeededRandomness("stage A: forged"), items=[forged],
        check=False,
    )  # fmt: skip
    assert [f.check for f in bad.failures] == ["mix.proofs"] and bad.ignored == (0,)
    assert counted(bad) == counted(state)


def _honest(seed: str) -> tuple[Board, StageAInputs, list[CloseItem]]:
    rng = SeededRandomness(seed)
    board = make_board([["p", "q"], ["q"]], 1, rng)
    inputs = board.inputs(rng)
    _, items = run_to_end(CTX, KEYS, inputs, TRUSTEES, rng)
    return board, inputs, items


def test_a_bad_mix_tag_or_decryption_share_is_not_taken_and_named() -> None:
    _, inputs, items = _honest("stage A: tampered")

    def named(bad: list[CloseItem]) -> tuple[str, str]:
        state = run_stage_a(CTX, KEYS, inputs, bad)
        assert not state.done  # the step lacks the object not taken
        assert {f.party for f in state.failures} == {"service"}
        # the objects that followed it on its step's inputs are not taken either
        return state.failures[0].check, state.failures[0].detail

    mix = next(i for i in items if isinstance(i, ListMix) and i.list == A_ROWS)
    swapped = (mix.rows[1], mix.rows[0], *mix.rows[2:])
    check, detail = named([replace(mix, rows=swapped) if i is mix else i for i in items])
    assert check == "mix.proofs" and detail.startswith("mix.proofs: close object 0")
    tag = next(i for i in items if isinstance(i, ListTagShare))
    entries = list(tag.share.entries)
    entries[0] = replace(
        entries[0], share=Ciphertext(entries[0].share.beta, entries[0].share.alpha)
    )
    forged_tag = replace(tag, share=replace(tag.share, entries=tuple(entries)))
    check, detail = named([forged_tag if i is tag else i for i in items])
    assert check == "tags.proofs" and "row 0" in detail
    dec = next(i for i in items if isinstance(i, ListDecryption) and i.list == A_COUNTERS)
    first = dec.share.entries[0]
    wrong = replace(first, factor=first.factor + GENERATOR)
    forged = replace(dec, share=replace(dec.share, entries=(wrong, *dec.share.entries[1:])))
    check, detail = named([forged if i is dec else i for i in items])
    assert check == "close.trustees" and "row 0" in detail
    # an object of a trustee outside 1..n
    state = run_stage_a(CTX, KEYS, inputs, [replace(mix, trustee=4)])
    assert [f.check for f in state.failures] == ["close.trustees"]
    assert "trustee 4 is not in 1..3" in state.failures[0].detail


def test_a_group_whose_counters_are_not_consecutive_is_dropped_naming_the_service() -> None:
    rng = SeededRandomness("stage A: counters")
    board = make_board([["p"], ["q"]], 0, rng)
    # the service gives the second credential a second row with its first row's counter
    second = board.voters[1]
    board.cast.append(_row(second.seed, "p", second.start + 1, rng))
    board.padded[1] = replace(board.padded[1], ballots=2)
    state, _ = run_to_end(CTX, KEYS, board.inputs(rng), TRUSTEES, rng)
    assert [f.check for f in state.failures] == ["close.counters"]
    assert "the same counter" in state.failures[0].detail and state.failures[0].party == "service"
    assert counted(state) == {board.voters[0].handle: "p"}


def test_a_winning_padding_row_fails_and_the_fallback_counts_the_last_ballot() -> None:
    rng = SeededRandomness("stage A: dummy")
    board = make_board([["p", "q", "q", "p", "q"]], 0, rng)
    voter = board.voters[0]
    # padding above the ballots (n0 + 6) instead of below (n0): it wins its group
    board.padded[0] = replace(board.padded[0], counter_start=voter.start + 6)
    state, items = run_to_end(CTX, KEYS, board.inputs(rng), TRUSTEES, rng)
    assert [f.check for f in state.failures] == ["close.dummy"]
    assert counted(state) == {voter.handle: "q"}
    assert any(isinstance(i, ListDecryption) and i.list == A_FALLBACK_FLAGS for i in items)


def test_a_winner_under_another_voting_point_fails_and_the_fallback_counts_the_one_before() -> None:
    rng = SeededRandomness("stage A: credential")
    board = make_board([["p", "q"], []], 0, rng)
    voter, lone = board.voters
    base = CTX.base_hash
    # a third ballot under the voter's tag point, signed with another credential's key;
    # and the only ballot of the second credential, likewise: nothing of it can count
    for who, ballots in ((voter, 3), (lone, 1)):
        other = generate_seed(rng, base)
        board.cast.append(_row(other, "p", who.start + ballots, rng, tag=who.seed.tag_point(base)))
    board.padded[0] = replace(board.padded[0], ballots=3)
    state, _ = run_to_end(CTX, KEYS, board.inputs(rng), TRUSTEES, rng)
    assert [f.check for f in state.failures] == ["close.credential"] * 2
    assert counted(state) == {voter.handle: "q"}


def test_a_group_of_no_registration_and_no_cover_point_is_dropped_naming_the_service() -> None:
    rng = SeededRandomness("stage A: unjoined")
    board = make_board([["q"]], 1, rng)
    stray = generate_seed(rng, CTX.base_hash)
    board.cast.append(_row(stray, "p", counter_start(rng) + 1, rng))
    state, _ = run_to_end(CTX, KEYS, board.inputs(rng), TRUSTEES, rng)
    assert [f.check for f in state.failures] == ["close.cover"]
    assert counted(state) == {board.voters[0].handle: "q"}


def test_two_registrations_of_one_tag_are_both_unusable() -> None:
    rng = SeededRandomness("stage A: unique")
    board = make_board([["p"], ["q"]], 0, rng)
    again, _ = _register(board.voters[0].seed, rng)
    board.registrations.append(again)
    state, _ = run_to_end(CTX, KEYS, board.inputs(rng), TRUSTEES, rng)
    assert [f.check for f in state.failures] == ["registrations.unique"]
    assert counted(state) == {board.voters[1].handle: "q"}


def test_a_group_without_its_padding_breaks_the_record() -> None:
    rng = SeededRandomness("stage A: padding")
    board = make_board([["p", "q", "p", "q", "p"]], 0, rng)
    board.padded.clear()  # five rows: not a padded size
    with pytest.raises(CloseRecordError, match=r"^padding.shape: the group .* has 5 rows"):
        run_to_end(CTX, KEYS, board.inputs(rng), TRUSTEES, rng)


def test_one_cover_row_under_a_stated_cover_point_is_dropped_silently() -> None:
    rng = SeededRandomness("stage A: cover")
    board = make_board([["p"]], 2, rng)
    inputs = board.inputs(rng)
    state, _ = run_to_end(CTX, KEYS, inputs, TRUSTEES, rng)
    assert state.failures == () and len(state.winners) == 1
    # the padding states one cover row fewer than the board holds: the last is unjoined
    state, _ = run_to_end(CTX, KEYS, replace(inputs, cover_rows=1), TRUSTEES, rng)
    assert [f.check for f in state.failures] == ["close.cover"]
    # a second row under cover point 0 makes no cover row of either: named
    second = make_cover_row(CTX, 0, rng).columns()
    state, _ = run_to_end(CTX, KEYS, replace(inputs, rows=(*inputs.rows, second)), TRUSTEES, rng)
    # (and the cover rows found are then fewer than the padding states)
    assert [f.check for f in state.failures] == ["close.cover", "close.cover"]
    assert "a group of 2 row(s)" in state.failures[0].detail
    assert "states 2 cover rows; the close finds 1" in state.failures[1].detail
    assert counted(state) == {board.voters[0].handle: "p"}
