"""Cover rows, cover registrations and the padding (docs/coercion.md §4, §5.3): what each
encrypts, that each verifies as its kind, and that each failure is named."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace

import pytest

from honestballot.crypto.dlog import DiscreteLogTable
from honestballot.crypto.elgamal import decrypt_to_point, encrypt
from honestballot.crypto.group import GENERATOR, Scalar, base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.errors import InvalidProof
from honestballot.protocol.ballot_v2 import CAP, COUNTER_BOUND, E0, verify_cast_row
from honestballot.protocol.cover import (
    CoverReplacement,
    cover_selections,
    cover_tag_point,
    draw_cover_voter,
    draw_replacement_count,
    make_cover_registration,
    make_cover_row,
    make_replacement_row,
)
from honestballot.protocol.credential_seed import generate_seed
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.letters import activation_base
from honestballot.protocol.manifest import BLANK, Contest, InvalidSelection, Option
from honestballot.protocol.padding import (
    E1,
    PADDED_SIZES,
    PaddedCredential,
    make_padding,
    padded_size,
    verify_padding,
    verify_padding_row,
)
from honestballot.protocol.registration import make_commitment, verify_registration
from honestballot.protocol.schedule import Cover
from honestballot.record.revoting import (
    cast_row_from_json,
    cast_row_to_json,
    padding_from_json,
    padding_to_json,
)
from tests.factories import label
from tests.protocol.test_ballot_v2 import MANIFEST as V2_MANIFEST

RNG = SeededRandomness("cover and padding tests")
SECRET = random_nonzero_scalar(RNG)
#: test_ballot_v2's contests (a plural one with "against all", a ranked one) and one
#: that may be left blank, so that every kind of cover choice is made
MANIFEST = replace(
    V2_MANIFEST,
    contests=(
        *V2_MANIFEST.contests,
        Contest("board", label("Board"), tuple(Option(x, label(x)) for x in "pqrs"), 0, 2, False),
    ),
)
CTX = ElectionContext(
    MANIFEST, base_mul(SECRET), bytes(range(32)), base_mul(random_nonzero_scalar(RNG))
)
H, BASE = CTX.public_key, CTX.base_hash


def test_padded_sizes_are_the_smallest_on_the_list() -> None:
    assert [padded_size(r) for r in range(1, CAP + 1)] == [
        1, 2, 3, 4, 6, 6, 8, 8, 12, 12, 12, 12, 16, 16, 16, 16,
        24, 24, 24, 24, 24, 24, 24, 24, 32, 32, 32, 32, 32, 32, 32, 32,
    ]  # fmt: skip
    for outside in (0, CAP + 1):
        with pytest.raises(ValueError, match="has 1 to 32 ballots"):
            padded_size(outside)
    assert PADDED_SIZES[-1] == CAP


def test_a_cover_row_is_a_cast_row_under_its_cover_tag_point() -> None:
    rng = SeededRandomness("cover rows")
    rows = [make_cover_row(CTX, i, rng) for i in range(3)]
    for i, row in enumerate(rows):
        verify_cast_row(CTX, row)
        assert decrypt_to_point(SECRET, row.ballot.tag) == cover_tag_point(BASE, i)
        assert row.flag == E0
        # the record form round-trips and is a cast row like any other
        assert cast_row_from_json(cast_row_to_json(row)) == row
    # fresh voting points: no two cover rows share a credential
    sigmas = {decrypt_to_point(SECRET, r.ballot.credential) for r in rows}
    assert len(sigmas) == 3
    assert len({cover_tag_point(BASE, i) for i in range(100)}) == 100
    # another election's cover points differ
    assert cover_tag_point(bytes(32), 0) != cover_tag_point(BASE, 0)
    with pytest.raises(ValueError):
        cover_tag_point(BASE, -1)


def test_a_cover_rows_counter_is_a_first_ballots() -> None:
    """The counter of a cover row is ``n0 + 1`` for a start drawn as a voter's, so it lies
    in ``[CAP + 1, 2^20]`` like any credential's first ballot, and is spread over it."""
    table = DiscreteLogTable(COUNTER_BOUND)
    rng = SeededRandomness("cover counters")
    counters = [
        table.solve(decrypt_to_point(SECRET, make_cover_row(CTX, i, rng).counter)) for i in range(6)
    ]
    assert all(CAP + 1 <= n <= COUNTER_BOUND for n in counters)
    assert len(set(counters)) == 6


def test_cover_choices_are_valid_for_every_kind_of_contest() -> None:
    chosen = cover_selections(MANIFEST)
    rng = SeededRandomness("cover choice")
    row = make_cover_row(CTX, 0, rng)
    assert set(chosen) == {"chair", "order", "board"}
    assert chosen["board"] == frozenset({BLANK})  # no selection needed: "blank"
    assert chosen["chair"] == frozenset({"a"})
    assert chosen["order"] == ("x",)
    verify_cast_row(CTX, row)
    # a choice the manifest does not allow is refused before anything is encrypted
    with pytest.raises(InvalidSelection, match="over-vote"):
        make_cover_row(CTX, 1, rng, {**chosen, "chair": frozenset({"a", "b"})})


def test_a_cover_registration_and_its_replacement_verify_as_registrations() -> None:
    rng = SeededRandomness("cover registrations")
    voter = draw_cover_voter(rng)
    first_seed, second_seed = generate_seed(rng, BASE), generate_seed(rng, BASE)
    first = make_cover_registration(
        BASE, H, make_commitment(BASE, H, voter.none_point(BASE), rng), voter, first_seed, rng
    )
    verify_registration(BASE, H, first)
    assert decrypt_to_point(SECRET, first.handle) == voter.handle(BASE)
    assert decrypt_to_point(SECRET, first.commitment.revokes) == voter.none_point(BASE)
    assert decrypt_to_point(SECRET, first.activation) == activation_base(BASE) * (
        voter.activation_scalar
    )
    assert decrypt_to_point(SECRET, first.tag) == first_seed.tag_point(BASE)
    assert decrypt_to_point(SECRET, first.credential) == first_seed.voting_point(BASE)
    # the replacement: same handle and activation, revoking the first one's tag point
    commitment = make_commitment(BASE, H, first_seed.tag_point(BASE), rng)
    second = make_cover_registration(BASE, H, commitment, voter, second_seed, rng)
    verify_registration(BASE, H, second)
    assert decrypt_to_point(SECRET, second.commitment.revokes) == first_seed.tag_point(BASE)
    assert decrypt_to_point(SECRET, second.handle) == voter.handle(BASE)
    # two cover voters' handles differ
    assert draw_cover_voter(rng).handle(BASE) != voter.handle(BASE)


CREDENTIALS = [
    # (ballots, start): padded to 6, 12, 1, 24 and 3
    (5, 1000),
    (9, 50_000),
    (1, CAP),
    (17, COUNTER_BOUND - 1),
    (3, 777),
]


def _credentials() -> list[PaddedCredential]:
    rng = SeededRandomness("padded credentials")
    out = []
    for ballots, start in CREDENTIALS:
        seed = generate_seed(rng, BASE)
        out.append(PaddedCredential(seed.tag_point(BASE), seed.voting_point(BASE), start, ballots))
    return out


def test_the_padding_fills_every_group_to_its_size_below_its_first_counter() -> None:
    credentials = _credentials()
    padding = make_padding(CTX, credentials, 41, SeededRandomness("padding"))
    verify_padding(CTX, padding)
    assert padding.cover_rows == 41
    assert len(padding.rows) == 1 + 3 + 0 + 7 + 0
    by_tag: dict[bytes, list[int]] = {}
    for row in padding.rows:
        assert row.flag == E1
        tau = decrypt_to_point(SECRET, row.tag)
        sigma = decrypt_to_point(SECRET, row.credential)
        owner = next(c for c in credentials if c.tag_point == tau)
        assert owner.voting_point == sigma
        counter = decrypt_to_point(SECRET, row.counter)
        value = next(
            n for n in range(owner.counter_start - 40, owner.counter_start + 1)
            if base_mul(Scalar(n)) == counter
        )  # fmt: skip
        by_tag.setdefault(tau.data, []).append(value)
    for c in credentials:
        got = sorted(by_tag.get(c.tag_point.data, []))
        missing = padded_size(c.ballots) - c.ballots
        # n0, n0 - 1, ...: consecutive just below the first ballot's n0 + 1
        assert got == list(range(c.counter_start - missing + 1, c.counter_start + 1))
        assert c.ballots + len(got) in PADDED_SIZES
    # the columns of A.rows: the flag E1, then E0 for every contest ciphertext
    width = sum(len(k.slot_ids) for k in MANIFEST.contests)
    cols = padding.rows[0].columns(width)
    assert cols[3] == E1 and cols[4:] == (E0,) * width and len(cols) == 4 + width


def test_the_padding_order_is_random() -> None:
    credentials = _credentials()
    firsts: Counter[bytes] = Counter()
    for k in range(30):
        padding = make_padding(CTX, credentials, 0, SeededRandomness(f"order {k}"))
        firsts[decrypt_to_point(SECRET, padding.rows[0].tag).data] += 1
    # the first row belongs to different credentials in different runs
    assert len(firsts) >= 3


def test_each_padding_failure_is_named() -> None:
    padding = make_padding(CTX, _credentials(), 0, SeededRandomness("failures"))
    row = padding.rows[0]
    verify_padding_row(CTX, padding.salt, 0, row)
    # a row moved to another position fails: each proof names its row
    with pytest.raises(InvalidProof, match="padding row 1, tag"):
        verify_padding_row(CTX, padding.salt, 1, row)
    # under another salt
    with pytest.raises(InvalidProof, match="padding row 0, tag"):
        verify_padding_row(CTX, bytes(32), 0, row)
    # a flag that is not E1: E0 (a dummy that would count) or an encryption of 1 with
    # randomness (whose value nobody could check)
    for flag in (E0, encrypt(H, 1, Scalar(3))):
        with pytest.raises(InvalidProof, match="padding row 0, flag"):
            verify_padding_row(CTX, padding.salt, 0, replace(row, flag=flag))
    with pytest.raises(InvalidProof, match="padding row 0, counter"):
        verify_padding_row(
            CTX,
            padding.salt,
            0,
            replace(row, counter=replace(row.counter, beta=row.counter.beta + GENERATOR)),
        )
    with pytest.raises(InvalidProof, match="padding row 0, credential"):
        verify_padding_row(CTX, padding.salt, 0, replace(row, credential_proof=row.tag_proof))
    with pytest.raises(InvalidProof, match="salt"):
        verify_padding(CTX, replace(padding, salt=b"short"))


def test_the_padding_round_trips_through_its_record_form() -> None:
    padding = make_padding(CTX, _credentials(), 5, SeededRandomness("json"))
    base, back = padding_from_json(padding_to_json(BASE, padding))
    assert base == BASE and back == padding
    doc = padding_to_json(BASE, padding)
    with pytest.raises(Exception, match="cover_rows"):
        padding_from_json({**doc, "cover_rows": -1})
    with pytest.raises(Exception, match="extra"):
        padding_from_json({**doc, "extra": 1})


def test_the_number_of_cover_replacements_is_k0_plus_two_sided_geometric_noise() -> None:
    """``K = K0 + Z`` with ``Pr[Z = z] ∝ e^(−ε|z|)`` (docs/coercion.md §4): over many
    draws the mean is K0, the odds of each step away from K0 are ``e^(−ε)`` on either
    side, and nothing falls below 0 (the truncation)."""
    rng = SeededRandomness("cover replacement counts")
    draws = [draw_replacement_count(rng, Cover(300, 100)) for _ in range(40_000)]
    z = Counter(k - 300 for k in draws)
    assert abs(sum(draws) / len(draws) - 300) < 0.3
    ratio = math.exp(-0.1)
    for step in (1, 2, 5):
        for side in (1, -1):
            observed = z[side * step] / z[side * (step - 1)]
            assert abs(observed - ratio) < 0.06, (step, side, observed)
    # a small K0 is truncated at 0, never negative
    small = [draw_replacement_count(rng, Cover(2, 100)) for _ in range(2_000)]
    assert min(small) == 0 and all(k >= 0 for k in small)
    # a huge epsilon gives K0 itself
    assert {draw_replacement_count(rng, Cover(5, 1_000_000)) for _ in range(50)} == {5}


def test_a_cover_replacement_is_one_made_up_voter_with_two_credentials() -> None:
    secret = bytes(range(32))
    cover = CoverReplacement(secret)
    assert cover.voter() == CoverReplacement(secret).voter()
    c1, c2 = cover.seed(1, BASE), cover.seed(2, BASE)
    assert c1.tag_point(BASE) != c2.tag_point(BASE)
    assert c1.voting_point(BASE) != c2.voting_point(BASE)
    other = CoverReplacement(bytes(32))
    assert other.voter().handle(BASE) != cover.voter().handle(BASE)
    assert "00010203" not in repr(cover)
    # its first credential's ballot: a cast row under its own tag point and counter
    row = make_replacement_row(CTX, c1, 40, SeededRandomness("replacement row"))
    assert decrypt_to_point(SECRET, row.ballot.tag) == c1.tag_point(BASE)
    assert decrypt_to_point(SECRET, row.ballot.credential) == c1.voting_point(BASE)
    verify_cast_row(CTX, row)
