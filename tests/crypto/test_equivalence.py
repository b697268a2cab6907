"""The distributed plaintext-equivalence test: blinding shares, their proofs, the sum and
the threshold decryption.

The election key is shared 3-of-4.  Two different encryptions of one point test equal
(the identity), different points do not, whichever ``k`` or more trustees blind and
whichever ``k`` decrypt; the result of a different pair is blinded (not ``M_A - M_B``);
every altered field, a share moved to another pair, trustee, row or context, and a share
with two exponents fail; a trustee's reuse of its exponent is accepted, with the
consequence the module documents.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honestballot.crypto.chaum_pedersen import EqualityProof
from honestballot.crypto.elgamal import Ciphertext, encrypt_point, reencrypt
from honestballot.crypto.equivalence import (
    EQUIVALENCE_SHARE_TAG,
    EquivalenceEntry,
    EquivalenceShare,
    Pair,
    combine_equivalence_shares,
    create_equivalence_share,
    difference,
    plaintexts_equal,
    prove_equivalence_entry,
    sum_equivalence_entries,
    verify_equivalence_entry,
    verify_equivalence_share,
)
from honestballot.crypto.group import GENERATOR, IDENTITY, L, Point, Scalar, base_mul
from honestballot.crypto.hashing import Part, hash_bytes, hash_to_scalar
from honestballot.crypto.partial_decryption import (
    combine_partial_decryptions,
    create_partial_decryption,
    verify_partial_decryption_list,
)
from honestballot.crypto.polynomial import evaluate, random_polynomial
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar, random_scalar
from honestballot.crypto.representation import voting_point
from honestballot.errors import InvalidProof, ProtocolError

FAST = settings(max_examples=10, deadline=None)
ONE = Scalar(1)
N, K = 4, 3
TRUSTEES = tuple(range(1, N + 1))
BASE_HASH = hash_bytes("test/election", b"election-1")
OTHER_BASE_HASH = hash_bytes("test/election", b"election-2")


def rng(seed: str = "proof") -> SeededRandomness:
    return SeededRandomness(seed)


def scalar(seed: str) -> Scalar:
    return random_nonzero_scalar(rng(seed))


X_POLY = random_polynomial(K - 1, rng("election-key"))
X = X_POLY[0]
H = base_mul(X)
X_SHARES = {j: evaluate(X_POLY, j) for j in TRUSTEES}
X_KEYS = {j: base_mul(x) for j, x in X_SHARES.items()}

SIGMA_A = voting_point(scalar("credential-a"), BASE_HASH)
SIGMA_B = voting_point(scalar("credential-b"), BASE_HASH)
WINNER_A = encrypt_point(H, SIGMA_A, scalar("w0"))
REGISTRATION_A = reencrypt(H, encrypt_point(H, SIGMA_A, scalar("g0")), scalar("mix"))
#: pairs 0 and 2 hold one point twice (two different encryptions), 1 and 3 two points
PAIRS: tuple[Pair, ...] = (
    (WINNER_A, REGISTRATION_A),
    (encrypt_point(H, SIGMA_B, scalar("w1")), REGISTRATION_A),
    (encrypt_point(H, SIGMA_B, scalar("w2")), encrypt_point(H, SIGMA_B, scalar("g2"))),
    (WINNER_A, encrypt_point(H, SIGMA_B, scalar("g3"))),
)
EQUAL = (True, False, True, False)
DIFFERENCES = (IDENTITY, SIGMA_B - SIGMA_A, IDENTITY, SIGMA_A - SIGMA_B)

#: base hash, purpose and the lists compared (the hashes of the two mixed lists, say)
CONTEXT: tuple[Part, ...] = (
    BASE_HASH,
    "close.credential",
    hash_bytes("test/list", b"winners"),
    hash_bytes("test/list", b"registrations"),
)
SHARES = {j: create_equivalence_share(CONTEXT, j, PAIRS, rng(f"pet/{j}")) for j in TRUSTEES}


def decrypt(cts: Sequence[Ciphertext], decryptors: Sequence[int]) -> tuple[Point, ...]:
    """Threshold decryption with proved factors (crypto/partial_decryption.py)."""
    context: tuple[Part, ...] = (BASE_HASH, "close.credential/decrypt")
    factors = []
    for j in decryptors:
        f = create_partial_decryption(context, j, X_SHARES[j], cts, rng(f"dec/{j}"))
        verify_partial_decryption_list(context, X_KEYS[j], cts, f)
        factors.append(f)
    return combine_partial_decryptions(cts, factors, K, N)


def run_test(
    pairs: Sequence[Pair], shares: Sequence[EquivalenceShare], decryptors: Sequence[int]
) -> tuple[Point, ...]:
    for s in shares:
        verify_equivalence_share(CONTEXT, pairs, s)
    return decrypt(combine_equivalence_shares(shares, K, N), decryptors)


def rejects(
    share: EquivalenceShare,
    *,
    context: tuple[Part, ...] = CONTEXT,
    pairs: Sequence[Pair] = PAIRS,
    match: str = "equivalence share proof does not verify",
) -> None:
    with pytest.raises(
        InvalidProof, match=f"equivalence share of trustee {share.trustee}.*{match}"
    ):
        verify_equivalence_share(context, pairs, share)


def with_entry(share: EquivalenceShare, row: int, entry: EquivalenceEntry) -> EquivalenceShare:
    entries = list(share.entries)
    entries[row] = entry
    return replace(share, entries=tuple(entries))


# --- completeness: equal and different -------------------------------------------------


def test_every_trustees_share_verifies_and_is_a_power_of_the_difference() -> None:
    for j in TRUSTEES:
        verify_equivalence_share(CONTEXT, PAIRS, SHARES[j])
        commitments = [e.commitment for e in SHARES[j].entries]
        assert len(set(commitments)) == len(PAIRS)  # a fresh exponent per pair
    # the share is z_j*(A - B) for the z_j of Z_j: checked on a share with a known z
    z = scalar("known z")
    entry = prove_equivalence_entry(CONTEXT, 1, 0, PAIRS[1], z, rng())
    d = difference(PAIRS[1])
    assert d == PAIRS[1][0] - PAIRS[1][1]
    assert entry.commitment == base_mul(z) and entry.share == d.scale(z)


@pytest.mark.parametrize(
    "blinders", [s for size in (K, N) for s in itertools.combinations(TRUSTEES, size)], ids=str
)
@pytest.mark.parametrize("decryptors", [(1, 2, 3), (2, 3, 4)], ids=str)
def test_equal_points_give_the_identity_and_others_do_not(
    blinders: tuple[int, ...], decryptors: tuple[int, ...]
) -> None:
    results = run_test(PAIRS, [SHARES[j] for j in blinders], decryptors)
    assert tuple(plaintexts_equal(r) for r in results) == EQUAL
    assert results[0] == results[2] == IDENTITY


def test_a_different_pair_is_blinded_by_the_sum_of_the_exponents() -> None:
    """The result is ``z*(M_A - M_B)`` with ``z`` the sum (not a Lagrange combination) of
    the trustees' exponents: never ``M_A - M_B`` itself, and another for other blinders."""
    z = {j: scalar(f"z/{j}") for j in TRUSTEES}
    shares = [
        EquivalenceShare(
            j,
            tuple(
                prove_equivalence_entry(CONTEXT, j, i, pair, z[j], rng())
                for i, pair in enumerate(PAIRS)
            ),
        )
        for j in (1, 2, 4)
    ]
    results = run_test(PAIRS, shares, (1, 3, 4))
    total = z[1] + z[2] + z[4]
    assert results == tuple(d * total for d in DIFFERENCES)
    assert results[1] not in (SIGMA_B - SIGMA_A, SIGMA_A - SIGMA_B, SIGMA_A, SIGMA_B)
    other = run_test(PAIRS, [SHARES[j] for j in (1, 2, 4)], (1, 3, 4))
    assert other[1] != results[1] and other[3] != results[3]


@FAST
@given(
    st.integers(min_value=1, max_value=L - 1).map(Scalar),
    st.integers(min_value=1, max_value=L - 1).map(Scalar),
    st.lists(st.integers(min_value=1, max_value=L - 1).map(Scalar), min_size=4, max_size=4),
)
def test_random_pairs(c: Scalar, d: Scalar, rs: list[Scalar]) -> None:
    m = voting_point(c, BASE_HASH)
    other = m + voting_point(d, BASE_HASH)  # d != 0
    pairs: tuple[Pair, ...] = (
        (encrypt_point(H, m, rs[0]), encrypt_point(H, m, rs[1])),
        (encrypt_point(H, m, rs[2]), encrypt_point(H, other, rs[3])),
    )
    shares = [create_equivalence_share(CONTEXT, j, pairs, rng(f"h/{j}")) for j in (1, 2, 3)]
    results = run_test(pairs, shares, (2, 3, 4))
    assert [plaintexts_equal(r) for r in results] == [True, False]


def test_identical_ciphertexts_test_equal() -> None:
    """``A - B = (O, O)``: every share is ``(O, O)``, and it verifies."""
    pairs = ((WINNER_A, WINNER_A),)
    shares = [create_equivalence_share(CONTEXT, j, pairs, rng()) for j in (1, 2, 3)]
    assert shares[0].entries[0].share == Ciphertext(IDENTITY, IDENTITY)
    assert plaintexts_equal(run_test(pairs, shares, (1, 2, 3))[0])


def test_one_pair_on_its_own() -> None:
    pair = PAIRS[0]
    entries = [
        prove_equivalence_entry(CONTEXT, j, 5, pair, scalar(f"one/{j}"), rng()) for j in (1, 2, 3)
    ]
    for j, e in zip((1, 2, 3), entries, strict=True):
        verify_equivalence_entry(CONTEXT, j, 5, pair, e, "pair")
    assert plaintexts_equal(decrypt([sum_equivalence_entries(entries)], (1, 2, 4))[0])
    with pytest.raises(InvalidProof, match="pair: equivalence share proof"):
        verify_equivalence_entry(CONTEXT, 1, 4, pair, entries[0], "pair")
    with pytest.raises(ProtocolError, match="no equivalence entries"):
        sum_equivalence_entries([])


# --- the challenge ------------------------------------------------------------------------


def test_the_challenge_hashes_the_documented_statement() -> None:
    """``e = H("equivalence-share", ctx..., j, i, A, B, Z_j, D, z_j*D, R_0, R_1, R_2)``,
    recomputed here from the transcript."""
    entry = SHARES[2].entries[1]
    (a, b), d = PAIRS[1], difference(PAIRS[1])
    e, s = entry.proof.challenge, entry.proof.response
    r0 = base_mul(s) - entry.commitment * e
    r1 = d.alpha * s - entry.share.alpha * e
    r2 = d.beta * s - entry.share.beta * e
    assert e == hash_to_scalar(
        EQUIVALENCE_SHARE_TAG, *CONTEXT, 2, 1, a.alpha, a.beta, b.alpha, b.beta,
        entry.commitment, d.alpha, d.beta, entry.share.alpha, entry.share.beta, r0, r1, r2,
    )  # fmt: skip


# --- every field altered; the statement bound --------------------------------------------


def test_every_entry_field_is_checked() -> None:
    g = GENERATOR
    entry = SHARES[2].entries[1]
    z, s, p = entry.commitment, entry.share, entry.proof
    altered = [
        replace(entry, commitment=z + g),
        replace(entry, commitment=SHARES[3].entries[1].commitment),
        replace(entry, commitment=-z, share=Ciphertext(-s.alpha, -s.beta)),  # negated copy
        replace(entry, share=Ciphertext(s.alpha + g, s.beta)),
        replace(entry, share=Ciphertext(s.alpha, s.beta + g)),
        replace(entry, share=Ciphertext(s.beta, s.alpha)),
        replace(entry, share=s.scale(Scalar(2))),
        replace(entry, share=difference(PAIRS[1])),  # z = 1
        replace(entry, share=Ciphertext(IDENTITY, IDENTITY)),
        replace(entry, proof=replace(p, challenge=p.challenge + ONE)),
        replace(entry, proof=replace(p, response=p.response + ONE)),
        replace(entry, proof=EqualityProof(p.response, p.challenge)),
        replace(entry, proof=EqualityProof(Scalar(0), Scalar(0))),
        SHARES[2].entries[3],  # another pair's entry
        SHARES[3].entries[1],  # another trustee's entry for this pair
    ]
    for e in altered:
        rejects(with_entry(SHARES[2], 1, e), match="pair 1: equivalence share proof")
    rejects(
        with_entry(SHARES[2], 1, replace(entry, commitment=IDENTITY)),
        match="pair 1: the blinding commitment is the identity",
    )


def test_the_whole_pair_is_bound_not_only_its_difference() -> None:
    share = SHARES[1]
    a, b = PAIRS[1]
    c = encrypt_point(H, SIGMA_B, scalar("c"))
    for pair in (
        (b, a),  # swapped: the difference is negated
        (reencrypt(H, a, ONE), b),
        (a + c, b + c),  # the same difference, another pair
    ):
        rejects(share, pairs=(PAIRS[0], pair, *PAIRS[2:]), match="pair 1")


def test_rows_trustee_and_context_are_bound() -> None:
    share = SHARES[2]
    e = share.entries
    rejects(replace(share, entries=(e[2], e[1], e[0], e[3])), match="pair 0")  # same D
    rejects(replace(share, entries=e[:3]), match="3 entries for 4 pairs")
    rejects(replace(share, trustee=3))
    rejects(replace(share, trustee=0), match="not positive")
    for context in (
        (OTHER_BASE_HASH, *CONTEXT[1:]),
        (BASE_HASH, "close.other", *CONTEXT[2:]),
        (*CONTEXT[:2], CONTEXT[3], CONTEXT[2]),
        CONTEXT[:-1],
        (*CONTEXT, 0),
        (),
    ):
        rejects(share, context=context)


# --- a share with two exponents ------------------------------------------------------------


def two_exponent_entry(row: int, z_alpha: Scalar, z_beta: Scalar) -> EquivalenceEntry:
    """The prover's algorithm with ``z_alpha`` run on ``(z_alpha*alpha, z_beta*beta)``."""
    (a, b), d = PAIRS[row], difference(PAIRS[row])
    share = Ciphertext(d.alpha * z_alpha, d.beta * z_beta)
    commitment = base_mul(z_alpha)
    w = random_scalar(rng("forger"))
    e = hash_to_scalar(
        EQUIVALENCE_SHARE_TAG, *CONTEXT, 1, row, a.alpha, a.beta, b.alpha, b.beta, commitment,
        d.alpha, d.beta, share.alpha, share.beta, base_mul(w), d.alpha * w, d.beta * w,
    )  # fmt: skip
    return EquivalenceEntry(commitment, share, EqualityProof(e, w + e * z_alpha))


def test_a_share_with_two_exponents_fails_and_unchecked_would_flip_the_answer() -> None:
    z, other = scalar("z"), scalar("another")
    honest_by_hand = two_exponent_entry(0, z, z)
    verify_equivalence_entry(CONTEXT, 1, 0, PAIRS[0], honest_by_hand, "sanity")
    bad = two_exponent_entry(0, z, other)
    rejects(with_entry(SHARES[1], 0, bad), match="pair 0: equivalence share proof")
    # why it matters: A - B = (s*G, s*H) for an equal pair, and (z*s*G, other*s*H) no
    # longer encrypts the identity, so an honest winner would fail close.credential
    blinded = combine_equivalence_shares(
        [with_entry(SHARES[1], 0, bad), SHARES[2], SHARES[3]], K, N
    )
    assert not plaintexts_equal(decrypt(blinded, (1, 2, 3))[0])


# --- reuse of an exponent ------------------------------------------------------------------


def shares_with(
    exponents: dict[int, Sequence[Scalar]], pairs: Sequence[Pair]
) -> list[EquivalenceShare]:
    return [
        EquivalenceShare(
            j,
            tuple(
                prove_equivalence_entry(CONTEXT, j, i, pair, zs[i], rng(f"reuse/{j}"))
                for i, pair in enumerate(pairs)
            ),
        )
        for j, zs in exponents.items()
    ]


def test_reusing_an_exponent_is_accepted_and_costs_only_that_trustees_blinding() -> None:
    """The same two points compared twice (pairs 0 and 1 have one difference).  A trustee
    that reuses ``z_j`` makes valid shares (the same ``Z_j`` twice), and the answers stay
    right.  Only if *every* blinder reuses its exponent do the two results show the
    relation of the two differences (here: they are equal)."""
    d_same = encrypt_point(H, SIGMA_B, scalar("d1"))
    pairs = (
        (encrypt_point(H, SIGMA_A, scalar("a0")), encrypt_point(H, SIGMA_B, scalar("b0"))),
        (encrypt_point(H, SIGMA_A, scalar("a1")), d_same),
        (encrypt_point(H, SIGMA_A, scalar("a2")), encrypt_point(H, SIGMA_A, scalar("b2"))),
    )
    z = {j: scalar(f"reused/{j}") for j in (1, 2, 3)}
    fresh = {j: [scalar(f"fresh/{j}/{i}") for i in range(3)] for j in (2, 3)}
    one_reuses = shares_with({1: [z[1]] * 3, 2: fresh[2], 3: fresh[3]}, pairs)
    assert one_reuses[0].entries[0].commitment == one_reuses[0].entries[1].commitment
    results = run_test(pairs, one_reuses, (1, 2, 4))
    assert [plaintexts_equal(r) for r in results] == [False, False, True]
    assert results[0] != results[1]  # the other trustees' fresh exponents still blind
    all_reuse = shares_with({j: [z[j]] * 3 for j in (1, 2, 3)}, pairs)
    results = run_test(pairs, all_reuse, (1, 2, 4))
    assert [plaintexts_equal(r) for r in results] == [False, False, True]
    assert results[0] == results[1]  # the documented consequence


# --- refusals -------------------------------------------------------------------------------


def test_fewer_than_k_blinders_are_refused() -> None:
    for subset in itertools.combinations(TRUSTEES, K - 1):
        with pytest.raises(
            ProtocolError, match=r"2 equivalence share\(s\) given, the threshold is 3"
        ):
            combine_equivalence_shares([SHARES[j] for j in subset], K, N)
    with pytest.raises(ProtocolError, match="0 equivalence share"):
        combine_equivalence_shares([], K, N)


def test_the_decryption_needs_k_trustees() -> None:
    blinded = combine_equivalence_shares([SHARES[j] for j in (1, 2, 3)], K, N)
    context: tuple[Part, ...] = (BASE_HASH, "d")
    factors = [create_partial_decryption(context, j, X_SHARES[j], blinded, rng()) for j in (1, 2)]
    with pytest.raises(ProtocolError, match=r"2 partial decryption\(s\) given, the threshold is 3"):
        combine_partial_decryptions(blinded, factors, K, N)
    # two factors, Lagrange-combined as if they were enough, make an equal pair look different
    wrong = combine_partial_decryptions(blinded, factors, K - 1, N)
    assert not plaintexts_equal(wrong[0]) and not plaintexts_equal(wrong[2])


def test_combination_refuses_duplicates_indices_lengths() -> None:
    with pytest.raises(ProtocolError, match="appears twice"):
        combine_equivalence_shares([SHARES[1], SHARES[1], SHARES[2]], K, N)
    with pytest.raises(ProtocolError, match="above the number of trustees"):
        combine_equivalence_shares([SHARES[1], SHARES[2], replace(SHARES[3], trustee=5)], K, N)
    short = replace(SHARES[3], entries=SHARES[3].entries[:2])
    with pytest.raises(ProtocolError, match="different lengths"):
        combine_equivalence_shares([SHARES[1], SHARES[2], short], K, N)
    with pytest.raises(ProtocolError, match="threshold must be at least 1"):
        combine_equivalence_shares([SHARES[1]], 0, N)
    with pytest.raises(ProtocolError, match="exponent of zero"):
        prove_equivalence_entry(CONTEXT, 1, 0, PAIRS[0], Scalar(0), rng())
    with pytest.raises(ProtocolError, match="not positive"):
        create_equivalence_share(CONTEXT, 0, PAIRS, rng())


# --- the cost ----------------------------------------------------------------------------------


def test_multiplications_per_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    """6 to make a pair's share (``Z_j``, 2 powers, 3 commitments), 6 to verify it, none to
    sum the shares."""
    calls = [0]
    original = Point.__mul__

    def counting(self: Point, s: Scalar) -> Point:
        calls[0] += 1
        return original(self, s)

    monkeypatch.setattr(Point, "__mul__", counting)
    pairs = len(PAIRS)
    share = create_equivalence_share(CONTEXT, 1, PAIRS, rng())
    assert calls == [6 * pairs]
    calls[0] = 0
    verify_equivalence_share(CONTEXT, PAIRS, share)
    assert calls == [6 * pairs]
    calls[0] = 0
    combine_equivalence_shares([share, SHARES[2], SHARES[3]], K, N)
    assert calls == [0]
