"""Ballots version 2 and cast rows (docs/coercion.md §3): what they encrypt, every proof's
failure named, the private checks of sigma and tau, the Benaloh opening of the contests
alone, and the counter and flag of a cast row."""

from __future__ import annotations

from dataclasses import replace

import pytest

from honestballot.crypto.elgamal import decrypt_to_point, encrypt
from honestballot.crypto.group import GENERATOR, IDENTITY, Scalar, base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.errors import InvalidBallot, InvalidProof
from honestballot.protocol.ballot import BallotOpening, check_opening, encrypt_ballot, verify_ballot
from honestballot.protocol.ballot_v2 import (
    CAP,
    COUNTER_BOUND,
    E0,
    BallotPrivate,
    BallotV2,
    check_private,
    counter_start,
    encrypt_ballot_v2,
    make_cast_row,
    verify_ballot_v2,
    verify_cast_row,
)
from honestballot.protocol.credential import generate_credential
from honestballot.protocol.credential_seed import CredentialSeed, generate_seed
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.manifest import Contest, Manifest, Option, Unit
from tests.factories import label

RNG = SeededRandomness("ballot v2 tests")
SECRET = random_nonzero_scalar(RNG)
W = base_mul(random_nonzero_scalar(RNG))
MANIFEST = Manifest(
    "revote",
    label("Re-voting"),
    (
        Contest("chair", label("Chair"), tuple(Option(x, label(x)) for x in "abc"), 1, 1, True),
        Contest(
            "order",
            label("Order"),
            tuple(Option(x, label(x)) for x in "xyz"),
            1,
            2,
            False,
            count="mix",
            method="irv",
        ),
    ),
    (Unit("u", label("U")),),
    1,
)
CTX = ElectionContext(MANIFEST, base_mul(SECRET), bytes(range(32)), W)
CHOICE: dict[str, frozenset[str] | tuple[str, ...]] = {
    "chair": frozenset({"b"}),
    "order": ("z", "x"),
}

Made = tuple[BallotV2, BallotOpening, BallotPrivate, CredentialSeed]


def _cast(name: str, seed: CredentialSeed | None = None) -> Made:
    rng = SeededRandomness(name)
    seed = seed or generate_seed(rng, CTX.base_hash)
    ballot, opening, private = encrypt_ballot_v2(CTX, seed, W, CHOICE, rng)
    return ballot, opening, private, seed


@pytest.fixture(scope="module")
def made() -> Made:
    return _cast("first")


def test_a_ballot_encrypts_its_credential_and_choices_and_verifies(made: Made) -> None:
    ballot, opening, private, seed = made
    verify_ballot_v2(CTX, ballot)
    base = CTX.base_hash
    assert decrypt_to_point(SECRET, ballot.credential) == seed.voting_point(base)
    assert decrypt_to_point(SECRET, ballot.tag) == seed.tag_point(base)
    assert check_opening(CTX, ballot, opening) == {
        "chair": frozenset({"b"}),
        "order": frozenset({"z", "x"}),
    }
    tau = check_private(CTX, W, ballot, private, seed.voting_point(base))
    assert tau == seed.tag_point(base)
    # two ballots of one credential share nothing visible
    again, *_ = _cast("second", seed)
    assert again.credential != ballot.credential and again.tag != ballot.tag
    assert again.tracking_hash(CTX.public_key) != ballot.tracking_hash(CTX.public_key)
    assert len(ballot.tracking_code(CTX.public_key)) == 19


def test_the_opening_reveals_the_contests_only(made: Made) -> None:
    ballot, opening, *_ = made
    # the opening holds one randomness per contest ciphertext, none for Enc(sigma), Enc(tau)
    assert [len(c.randomness) for c in opening.contests] == [
        len(ec.ciphertexts) for ec in ballot.contests
    ]
    revealed = {r for c in opening.contests for r in c.randomness}
    for ct in (ballot.credential, ballot.tag):
        assert all(base_mul(r) != ct.alpha for r in revealed)
    # an opening that lies about a choice fails
    lie = replace(opening.contests[0], plaintexts=(1, 0, 0, 0))
    with pytest.raises(InvalidBallot):
        check_opening(CTX, ballot, replace(opening, contests=(lie, *opening.contests[1:])))


def _bump(ballot: BallotV2) -> BallotV2:
    ec = ballot.contests[0]
    ct = ec.ciphertexts[0]
    moved = replace(ct, beta=ct.beta + GENERATOR)
    return replace(
        ballot,
        contests=(replace(ec, ciphertexts=(moved, *ec.ciphertexts[1:])), *ballot.contests[1:]),
    )


def test_each_failure_is_named(made: Made) -> None:
    ballot = made[0]
    cases: list[tuple[BallotV2, str]] = [
        # a contest ciphertext changed: the statement hash moves, the credential proof fails
        (_bump(ballot), "ballot, credential: credential proof"),
        (
            replace(ballot, tag=replace(ballot.tag, beta=ballot.tag.beta + GENERATOR)),
            "credential proof",
        ),
        (replace(ballot, credential=ballot.tag, tag=ballot.credential), "credential proof"),
        (
            replace(ballot, tag_proof=replace(ballot.tag_proof, response=Scalar(4))),
            "ballot, tag: proof of randomness",
        ),
        (
            replace(
                ballot,
                contests=(
                    replace(
                        ballot.contests[0], option_proofs=ballot.contests[0].option_proofs[::-1]
                    ),
                    *ballot.contests[1:],
                ),
            ),
            "contest chair, option a: not an encryption of 0 or 1",
        ),
        (
            replace(
                ballot,
                contests=(
                    ballot.contests[0],
                    replace(
                        ballot.contests[1], option_proofs=ballot.contests[1].option_proofs[::-1]
                    ),
                ),
            ),
            "contest order, position 1",
        ),
    ]
    for bad, named in cases:
        with pytest.raises(InvalidBallot, match=named):
            verify_ballot_v2(CTX, bad)
    with pytest.raises(InvalidBallot, match="another election"):
        verify_ballot_v2(CTX, replace(ballot, election_hash=bytes(32)))


def test_a_proof_lifted_from_another_ballot_fails(made: Made) -> None:
    ballot = made[0]
    other, *_ = _cast("other voter")
    for field, named in (
        ("credential_proof", "credential proof"),
        ("tag_proof", "tag: proof of randomness"),
    ):
        with pytest.raises(InvalidBallot, match=named):
            verify_ballot_v2(CTX, replace(ballot, **{field: getattr(other, field)}))
    # another voter's contests, with their proofs, lifted into this ballot
    with pytest.raises(InvalidBallot, match="credential proof"):
        verify_ballot_v2(CTX, replace(ballot, contests=other.contests))
    # and the other's credential ciphertexts under this ballot's contests
    with pytest.raises(InvalidBallot, match="credential proof"):
        verify_ballot_v2(CTX, replace(ballot, credential=other.credential, tag=other.tag))


def test_the_service_refuses_sigma_and_tau_of_different_credentials(made: Made) -> None:
    ballot, _, private, seed = made
    base = CTX.base_hash
    other = generate_seed(SeededRandomness("second credential"), base)
    # a voter holding two credentials sends sigma of one and t of the other: the service
    # looks up the voting point registered with t, and it is not sigma
    with pytest.raises(InvalidProof, match="not the one registered with this tag secret"):
        check_private(
            CTX, W, ballot, replace(private, tag_secret=other.tag_secret()),
            other.voting_point(base),
        )  # fmt: skip
    with pytest.raises(InvalidProof, match="not the one registered"):
        check_private(CTX, W, ballot, private, other.voting_point(base))
    # a sigma that Enc(sigma) does not encrypt
    with pytest.raises(InvalidProof, match="ballot/credential"):
        check_private(
            CTX, W, ballot, replace(private, voting_point=other.voting_point(base)),
            other.voting_point(base),
        )  # fmt: skip
    # a tag secret that Enc(tau) does not encrypt
    with pytest.raises(InvalidProof, match="ballot/tag"):
        check_private(
            CTX, W, ballot, replace(private, tag_secret=other.tag_secret()),
            seed.voting_point(base),
        )  # fmt: skip
    # proofs made for another ballot of the same credential (another nonce)
    _, _, again, _ = _cast("again", seed)
    with pytest.raises(InvalidProof, match="ballot/credential"):
        check_private(CTX, W, ballot, again, seed.voting_point(base))


def test_version_1_is_unchanged_beside_version_2() -> None:
    cred = generate_credential(SeededRandomness("v1 voter"))
    ballot, opening = encrypt_ballot(CTX, cred, CHOICE, SeededRandomness("v1 ballot"))
    verify_ballot(CTX, ballot)
    assert check_opening(CTX, ballot, opening)["chair"] == frozenset({"b"})


def test_a_cast_row_carries_a_counter_and_the_flag_e0(made: Made) -> None:
    ballot = made[0]
    rng = SeededRandomness("service")
    n0 = counter_start(rng)
    assert CAP <= n0 < COUNTER_BOUND
    row = make_cast_row(CTX, ballot, n0 + 1, rng)
    verify_cast_row(CTX, row)
    assert decrypt_to_point(SECRET, row.counter) == base_mul(Scalar(n0 + 1))
    assert row.flag == E0 and row.flag.alpha == IDENTITY and row.flag.beta == IDENTITY
    cols = row.columns()
    assert cols[:4] == (ballot.tag, ballot.credential, row.counter, E0)
    assert len(cols) == 4 + 4 + 2  # chair (3 candidates, against all), order (2 positions)
    # the flag must be E0: an encryption of 0 with randomness, or E1, is refused
    zero = encrypt(CTX.public_key, 0, Scalar(5))
    e1 = replace(E0, beta=GENERATOR)
    for flag in (zero, e1):
        with pytest.raises(InvalidProof, match="cast row, flag"):
            verify_cast_row(CTX, replace(row, flag=flag))
    # the counter's proof is bound to its ballot: moved to another ballot's row, it fails
    other, *_ = _cast("another ballot")
    with pytest.raises(InvalidProof, match="cast row, counter: proof of randomness"):
        verify_cast_row(CTX, replace(row, ballot=other))
    with pytest.raises(InvalidProof, match="cast row, counter"):
        verify_cast_row(
            CTX, replace(row, counter=replace(row.counter, beta=row.counter.beta + GENERATOR))
        )
    with pytest.raises(InvalidBallot, match="credential proof"):
        verify_cast_row(CTX, replace(row, ballot=_bump(ballot)))
    # a ballot's counter is in [CAP + 1, 2^20 + CAP - 1]: the first ballot after the
    # lowest start, the last ballot after the highest
    for outside in (0, 1, CAP, COUNTER_BOUND + CAP):
        with pytest.raises(ValueError, match="counter is in"):
            make_cast_row(CTX, ballot, outside, rng)
    for edge in (CAP + 1, COUNTER_BOUND + CAP - 1):
        decrypted = decrypt_to_point(SECRET, make_cast_row(CTX, ballot, edge, rng).counter)
        assert decrypted == base_mul(Scalar(edge))


def test_counter_starts_are_spread_over_their_range() -> None:
    rng = SeededRandomness("starts")
    starts = [counter_start(rng) for _ in range(2000)]
    assert min(starts) >= CAP and max(starts) < COUNTER_BOUND
    # uniform: each eighth of the range holds about an eighth of the draws
    width = (COUNTER_BOUND - CAP) / 8
    counts = [
        sum(1 for s in starts if CAP + i * width <= s < CAP + (i + 1) * width) for i in range(8)
    ]
    assert all(180 < c < 320 for c in counts), counts
