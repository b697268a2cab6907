"""The distributed deterministic tag: shares, their proofs, Lagrange combination, and the
tag ``y*M`` after a threshold decryption.

The tag key is shared 3-of-4 (``y_j = f(j)``, ``y = f(0)``), as is the election key.  The
combined shares of any ``k``-subset (or more) are ``Enc(y*M)`` for the ``y`` reconstructed
from that subset; the tag does not depend on the encryption; every altered field, a share
made with two exponents, and a share moved to another context, trustee or row fail.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honestballot.crypto.chaum_pedersen import prove_equality, verify_equality
from honestballot.crypto.elgamal import (
    Ciphertext,
    decrypt_with_factor,
    encrypt_point,
    reencrypt,
)
from honestballot.crypto.group import GENERATOR, IDENTITY, L, Point, Scalar, base_mul, sum_points
from honestballot.crypto.hashing import (
    PROTOCOL_PREFIX,
    Part,
    hash_bytes,
    hash_to_point,
    hash_to_scalar,
)
from honestballot.crypto.polynomial import evaluate, lagrange_at_zero, random_polynomial
from honestballot.crypto.randomness import (
    SeededRandomness,
    random_nonzero_scalar,
    random_scalar,
)
from honestballot.crypto.representation import voting_point
from honestballot.crypto.tagging import (
    TAG_SHARE_TAG,
    TagShare,
    TagShareEntry,
    TagShareProof,
    combine_tag_shares,
    create_tag_share,
    none_point,
    prove_tag_entry,
    tag_point,
    tag_secret,
    verify_tag_entry,
    verify_tag_share,
)
from honestballot.errors import InvalidProof, ProtocolError

FAST = settings(max_examples=10, deadline=None)
ONE = Scalar(1)
N, K = 4, 3
TRUSTEES = tuple(range(1, N + 1))

BASE_HASH = hash_bytes("test/election", b"election-1")
OTHER_BASE_HASH = hash_bytes("test/election", b"election-2")


def rng(seed: str | bytes = "proof") -> SeededRandomness:
    return SeededRandomness(seed)


def scalar(seed: str) -> Scalar:
    return random_nonzero_scalar(rng(seed))


# the election key x and the tag key y, each shared k-of-n as by a DKG
X_POLY = random_polynomial(K - 1, rng("election-key"))
X = X_POLY[0]
H = base_mul(X)
X_SHARES = {j: evaluate(X_POLY, j) for j in TRUSTEES}
Y_POLY = random_polynomial(K - 1, rng("tag-key"))
Y = Y_POLY[0]
Y_SHARES = {j: evaluate(Y_POLY, j) for j in TRUSTEES}
Y_KEYS = {j: base_mul(y) for j, y in Y_SHARES.items()}

SIGMA_A = voting_point(scalar("credential-a"), BASE_HASH)
SIGMA_B = voting_point(scalar("credential-b"), BASE_HASH)
_FIRST = (
    encrypt_point(H, SIGMA_A, scalar("r0")),
    encrypt_point(H, SIGMA_B, scalar("r1")),
    encrypt_point(H, SIGMA_A, scalar("r2")),  # sigma_a again, another encryption
)
#: rows 0 and 2 encrypt sigma_a, rows 1 and 3 sigma_b (row 3 re-randomises row 1)
INPUTS = (*_FIRST, reencrypt(H, _FIRST[1], scalar("r3")))
PLAINTEXTS = (SIGMA_A, SIGMA_B, SIGMA_A, SIGMA_B)

#: base hash, the key (y1 / y2) and the list being tagged (its hash, say)
CONTEXT: tuple[Part, ...] = (BASE_HASH, "y1", hash_bytes("test/list", b"stage A rows"))
SHARES = {j: create_tag_share(CONTEXT, j, Y_SHARES[j], INPUTS, rng(f"tag/{j}")) for j in TRUSTEES}


def subsets(min_size: int = K) -> Iterator[tuple[int, ...]]:
    for size in range(min_size, N + 1):
        yield from itertools.combinations(TRUSTEES, size)


def threshold_decrypt(ct: Ciphertext, decryptors: Sequence[int]) -> Point:
    """Decrypt as protocol/decryption.py does: ``D_l = x_l*alpha`` with a proved share
    each, Lagrange-combined into ``x*alpha``, then ``beta - x*alpha``."""
    lambdas = lagrange_at_zero(decryptors, N)
    parts = []
    for trustee in decryptors:
        d = ct.alpha * X_SHARES[trustee]
        public = base_mul(X_SHARES[trustee])
        context: tuple[Part, ...] = (BASE_HASH, trustee)
        proof = prove_equality(
            "test/decryption-share", context, X_SHARES[trustee], public, ct.alpha, d, rng()
        )
        verify_equality("test/decryption-share", context, public, ct.alpha, d, proof, "dec")
        parts.append(d * lambdas[trustee])
    return decrypt_with_factor(ct, sum_points(parts))


def rejects(
    share: TagShare,
    *,
    context: tuple[Part, ...] = CONTEXT,
    key: Point | None = None,
    inputs: Sequence[Ciphertext] = INPUTS,
    match: str = "tag share proof does not verify",
) -> None:
    vk = Y_KEYS[share.trustee] if key is None else key
    with pytest.raises(InvalidProof, match=f"tag share of trustee {share.trustee}.*{match}"):
        verify_tag_share(context, vk, inputs, share)


def with_entry(share: TagShare, row: int, entry: TagShareEntry) -> TagShare:
    entries = list(share.entries)
    entries[row] = entry
    return replace(share, entries=tuple(entries))


# --- completeness and the combination ------------------------------------------------


def test_every_trustees_share_verifies() -> None:
    for j in TRUSTEES:
        assert SHARES[j].trustee == j and len(SHARES[j].entries) == len(INPUTS)
        verify_tag_share(CONTEXT, Y_KEYS[j], INPUTS, SHARES[j])
        for ct, entry in zip(INPUTS, SHARES[j].entries, strict=True):
            assert entry.share == Ciphertext(ct.alpha * Y_SHARES[j], ct.beta * Y_SHARES[j])


@pytest.mark.parametrize("subset", list(subsets()), ids=str)
def test_combination_is_enc_of_y_m_for_the_reconstructed_y(subset: tuple[int, ...]) -> None:
    lambdas = lagrange_at_zero(subset, N)
    y = Scalar(0)
    for j in subset:
        y = y + lambdas[j] * Y_SHARES[j]
    assert y == Y  # k shares or more reconstruct f(0)
    combined = combine_tag_shares([SHARES[j] for j in subset], K, N)
    assert len(combined) == len(INPUTS)
    for ct, tagged, m in zip(INPUTS, combined, PLAINTEXTS, strict=True):
        assert tagged == Ciphertext(ct.alpha * y, ct.beta * y)
        assert decrypt_with_factor(tagged, tagged.alpha * X) == m * y


@pytest.mark.parametrize("tag_subset", [(1, 2, 3), (2, 3, 4), (1, 2, 3, 4)], ids=str)
@pytest.mark.parametrize("decryptors", [(1, 2, 4), (1, 3, 4)], ids=str)
def test_tags_after_threshold_decryption(
    tag_subset: tuple[int, ...], decryptors: tuple[int, ...]
) -> None:
    """The whole "tag with y" of docs/coercion.md §5: tag shares, combination, and a
    threshold decryption by another set of trustees."""
    combined = combine_tag_shares([SHARES[j] for j in tag_subset], K, N)
    tags = [threshold_decrypt(ct, decryptors) for ct in combined]
    assert tags == [m * Y for m in PLAINTEXTS]
    assert tags[0] == tags[2] and tags[1] == tags[3]  # same point, other encryptions
    assert tags[0] != tags[1]  # different points
    assert SIGMA_A not in tags and SIGMA_B not in tags


@FAST
@given(
    st.integers(min_value=1, max_value=L - 1).map(Scalar),
    st.integers(min_value=1, max_value=L - 1).map(Scalar),
    st.lists(st.integers(min_value=1, max_value=L - 1).map(Scalar), min_size=3, max_size=3),
)
def test_tag_depends_on_the_point_only(c: Scalar, d: Scalar, rs: list[Scalar]) -> None:
    """Known-answer consistency: two encryptions of one point get one tag, ``y*M``;
    another point gets another."""
    m = voting_point(c, BASE_HASH)
    other = m + voting_point(d, BASE_HASH)  # d != 0, so other != m
    cts = [encrypt_point(H, m, rs[0]), encrypt_point(H, m, rs[1]), encrypt_point(H, other, rs[2])]
    shares = [create_tag_share(CONTEXT, j, Y_SHARES[j], cts, rng(f"h/{j}")) for j in (1, 3, 4)]
    for s in shares:
        verify_tag_share(CONTEXT, Y_KEYS[s.trustee], cts, s)
    tags = [threshold_decrypt(ct, (2, 3, 4)) for ct in combine_tag_shares(shares, K, N)]
    assert tags[0] == tags[1] == m * Y
    assert tags[2] == other * Y != tags[0]


# --- a share with two exponents ---------------------------------------------------------


def forged_entry(row: int, y_alpha: Scalar, y_beta: Scalar, key: Scalar) -> TagShareEntry:
    """The prover's algorithm run honestly with ``key`` on the false statement
    ``(y_alpha*alpha, y_beta*beta)``."""
    ct = INPUTS[row]
    share = Ciphertext(ct.alpha * y_alpha, ct.beta * y_beta)
    w = random_scalar(rng("forger"))
    e = hash_to_scalar(
        TAG_SHARE_TAG, *CONTEXT, 2, row, Y_KEYS[2], ct.alpha, ct.beta,
        share.alpha, share.beta, base_mul(w), ct.alpha * w, ct.beta * w,
    )  # fmt: skip
    return TagShareEntry(share, TagShareProof(e, w + e * key))


def test_a_share_with_another_exponent_for_beta_fails() -> None:
    y2, other = Y_SHARES[2], scalar("another exponent")
    honest = SHARES[2].entries[1]
    cases = [
        forged_entry(1, y2, other, y2),  # beta with another exponent
        forged_entry(1, other, y2, y2),  # alpha with another exponent
        forged_entry(1, y2, other, other),
        forged_entry(1, other, other, other),  # consistent, but not Y_2's exponent
        replace(honest, share=Ciphertext(honest.share.alpha, INPUTS[1].beta * other)),
        replace(honest, share=Ciphertext(INPUTS[1].alpha * other, honest.share.beta)),
    ]
    for entry in cases:
        rejects(with_entry(SHARES[2], 1, entry), match="row 1: tag share proof does not verify")
    # the sanity check of forged_entry itself: with the right exponents it verifies
    verify_tag_share(
        CONTEXT, Y_KEYS[2], INPUTS, with_entry(SHARES[2], 1, forged_entry(1, y2, y2, y2))
    )


def test_unchecked_such_a_share_would_move_the_tag() -> None:
    """Why the proof matters: a beta-share with another exponent shifts the combined
    plaintext, so the row would join another group (or none)."""
    bad = with_entry(SHARES[2], 1, forged_entry(1, Y_SHARES[2], scalar("other"), Y_SHARES[2]))
    combined = combine_tag_shares([SHARES[1], bad, SHARES[3]], K, N)
    assert threshold_decrypt(combined[1], (1, 2, 3)) != SIGMA_B * Y


# --- every field altered ----------------------------------------------------------------


def test_every_entry_field_is_checked() -> None:
    g = GENERATOR
    entry = SHARES[2].entries[2]
    s, p = entry.share, entry.proof
    altered = [
        replace(entry, share=Ciphertext(s.alpha + g, s.beta)),
        replace(entry, share=Ciphertext(s.alpha, s.beta + g)),
        replace(entry, share=Ciphertext(s.beta, s.alpha)),
        replace(entry, share=Ciphertext(s.alpha * Scalar(2), s.beta * Scalar(2))),
        replace(entry, share=INPUTS[2]),  # the input itself (y_j = 1)
        replace(entry, proof=replace(p, challenge=p.challenge + ONE)),
        replace(entry, proof=replace(p, response=p.response + ONE)),
        replace(entry, proof=TagShareProof(p.response, p.challenge)),
        replace(entry, proof=TagShareProof(Scalar(0), Scalar(0))),
        SHARES[2].entries[0],  # another row's entry (row 0 encrypts the same point)
        SHARES[3].entries[2],  # another trustee's entry for this row
    ]
    for e in altered:
        rejects(with_entry(SHARES[2], 2, e), match="row 2: tag share proof")


def test_rows_are_bound() -> None:
    share = SHARES[1]
    e = share.entries
    rejects(replace(share, entries=(e[2], e[1], e[0], e[3])), match="row 0")
    # rows swapped in the inputs as well: each entry is now at another row
    swapped = (INPUTS[2], INPUTS[1], INPUTS[0], INPUTS[3])
    rejects(replace(share, entries=(e[2], e[1], e[0], e[3])), inputs=swapped, match="row 0")
    rejects(share, inputs=swapped, match="row 0")
    rejects(share, inputs=(INPUTS[0], reencrypt(H, INPUTS[1], ONE), *INPUTS[2:]), match="row 1")
    rejects(replace(share, entries=e[:3]), match="3 entries for 4 rows")
    rejects(replace(share, entries=(*e, e[0])), match="5 entries for 4 rows")


def test_trustee_key_and_context_are_bound() -> None:
    share = SHARES[2]
    rejects(share, key=Y_KEYS[3])  # another trustee's key
    rejects(replace(share, trustee=3), key=Y_KEYS[2])  # claims another index
    rejects(replace(share, trustee=3))  # ... with that index's key
    for context in (
        (BASE_HASH, "y2", CONTEXT[2]),  # tagging with y1 is not tagging with y2
        (OTHER_BASE_HASH, *CONTEXT[1:]),
        (BASE_HASH, "y1", hash_bytes("test/list", b"registrations")),
        CONTEXT[:-1],
        (*CONTEXT, 0),
        (),
    ):
        rejects(share, context=context)


def test_a_single_entry_verifies_on_its_own() -> None:
    entry = prove_tag_entry(CONTEXT, 2, 7, Y_SHARES[2], Y_KEYS[2], INPUTS[0], rng())
    verify_tag_entry(CONTEXT, 2, 7, Y_KEYS[2], INPUTS[0], entry, "e")
    for trustee, row in ((2, 6), (1, 7)):
        with pytest.raises(InvalidProof, match="e: tag share proof"):
            verify_tag_entry(CONTEXT, trustee, row, Y_KEYS[2], INPUTS[0], entry, "e")


# --- refusals ---------------------------------------------------------------------------


def test_fewer_than_k_shares_are_refused() -> None:
    for subset in itertools.combinations(TRUSTEES, K - 1):
        with pytest.raises(ProtocolError, match=f"2 tag share\\(s\\) given, the threshold is {K}"):
            combine_tag_shares([SHARES[j] for j in subset], K, N)
    with pytest.raises(ProtocolError, match="0 tag share"):
        combine_tag_shares([], K, N)
    # and k - 1 shares are not enough, whatever threshold the caller claims
    wrong = combine_tag_shares([SHARES[1], SHARES[2]], K - 1, N)
    assert wrong[0] != Ciphertext(INPUTS[0].alpha * Y, INPUTS[0].beta * Y)


def test_combination_refuses_duplicates_bad_indices_and_lengths() -> None:
    with pytest.raises(ProtocolError, match="appears twice"):
        combine_tag_shares([SHARES[1], SHARES[1], SHARES[2]], K, N)
    with pytest.raises(ProtocolError, match="above the number of trustees"):
        combine_tag_shares([SHARES[1], SHARES[2], replace(SHARES[3], trustee=5)], K, N)
    with pytest.raises(ProtocolError, match="not positive"):
        combine_tag_shares([SHARES[1], SHARES[2], replace(SHARES[3], trustee=0)], K)
    short = replace(SHARES[3], entries=SHARES[3].entries[:2])
    with pytest.raises(ProtocolError, match="different lengths"):
        combine_tag_shares([SHARES[1], SHARES[2], short], K, N)
    with pytest.raises(ProtocolError, match="threshold must be at least 1"):
        combine_tag_shares([SHARES[1]], 0, N)


def test_randomness_zero_is_never_tagged() -> None:
    clear = Ciphertext(IDENTITY, SIGMA_A)  # tagging it would publish y_j*sigma_a
    with pytest.raises(ProtocolError, match="row 1: a ciphertext with randomness zero"):
        create_tag_share(CONTEXT, 1, Y_SHARES[1], [INPUTS[0], clear], rng())
    entry = TagShareEntry(Ciphertext(IDENTITY, SIGMA_A * Y_SHARES[1]), TagShareProof(ONE, ONE))
    share = TagShare(1, (SHARES[1].entries[0], entry))
    rejects(share, inputs=[INPUTS[0], clear], match="row 1: the tagged ciphertext has randomness")


def test_bad_trustees_and_keys_are_refused() -> None:
    with pytest.raises(ProtocolError, match="not positive"):
        create_tag_share(CONTEXT, 0, Y_SHARES[1], INPUTS, rng())
    with pytest.raises(ProtocolError, match="tag key share is zero"):
        create_tag_share(CONTEXT, 1, Scalar(0), INPUTS, rng())
    rejects(replace(SHARES[1], trustee=0), key=Y_KEYS[1], match="not positive")
    rejects(SHARES[1], key=IDENTITY, match="the verification key is the identity")


# --- the cost ---------------------------------------------------------------------------


def test_multiplications_per_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """5 to make a row's share (2 tags + 3 commitments), 6 to verify it, 2 per share to
    combine; plus 1 per list for the maker's ``Y_j``."""
    calls = [0]
    original = Point.__mul__

    def counting(self: Point, s: Scalar) -> Point:
        calls[0] += 1
        return original(self, s)

    monkeypatch.setattr(Point, "__mul__", counting)
    rows = len(INPUTS)
    share = create_tag_share(CONTEXT, 1, Y_SHARES[1], INPUTS, rng())
    assert calls == [5 * rows + 1]
    calls[0] = 0
    verify_tag_share(CONTEXT, Y_KEYS[1], INPUTS, share)
    assert calls == [6 * rows]
    calls[0] = 0
    combine_tag_shares([share, SHARES[2], SHARES[3]], K, N)
    assert calls == [2 * K * rows]


def test_weak_fiat_shamir_forgery_is_rejected() -> None:
    """A trustee who wants ``B != y_j*beta`` and a verifier that left ``B`` out of the hash:
    ``B`` is chosen after the challenge to fit ``R_2``.  The full hash rejects it."""
    ct, y = INPUTS[1], Y_SHARES[2]
    w, b = scalar("forger-w"), scalar("forger-b")
    a_share, r0, r1, r2 = ct.alpha * y, base_mul(w), ct.alpha * w, base_mul(b)
    e = hash_to_scalar(
        TAG_SHARE_TAG, *CONTEXT, 2, 1, Y_KEYS[2], ct.alpha, ct.beta, a_share, r0, r1, r2
    )
    z = w + e * y
    b_share = (ct.beta * z - r2) * e.inverse()
    assert b_share != ct.beta * y
    assert ct.beta * z - b_share * e == r2  # the three equations hold ...
    entry = TagShareEntry(Ciphertext(a_share, b_share), TagShareProof(e, z))
    rejects(with_entry(SHARES[2], 1, entry), match="row 1")  # ... the hash does not


# --- tag secrets, tag points and "none" points (docs/coercion.md §2) ---------------------

SEED = bytes(range(32))


def documented_hash(algorithm: str, tag: str, *parts: bytes) -> bytes:
    """The hashing of crypto/hashing.py written out: the tag, then each part as bytes."""
    raw_tag = PROTOCOL_PREFIX + b"/" + tag.encode()
    data = len(raw_tag).to_bytes(8, "big") + raw_tag
    for part in parts:
        data += b"B" + len(part).to_bytes(8, "big") + part
    return hashlib.new(algorithm, data).digest()


def test_tag_secret_and_tag_point_are_the_documented_hashes() -> None:
    t = tag_secret(SEED)
    assert t == documented_hash("sha256", "tag-secret", SEED)
    tau = tag_point(BASE_HASH, t)
    assert tau == Point.from_uniform_bytes(documented_hash("sha512", "tag-point", BASE_HASH, t))
    assert tau == hash_to_point("tag-point", BASE_HASH, t)


def test_tag_points_are_per_seed_and_per_election() -> None:
    t, t2 = tag_secret(SEED), tag_secret(SEED[::-1])
    assert len(t) == 32 and t != t2 and t not in (SEED, hash_bytes("tag-secret", SEED[:16]))
    taus = {tag_point(BASE_HASH, t), tag_point(BASE_HASH, t2), tag_point(OTHER_BASE_HASH, t)}
    assert len(taus) == 3
    assert tag_point(BASE_HASH, t) != hash_to_point("tag-point", BASE_HASH, SEED)  # not of the seed
    assert tag_point(BASE_HASH, t) == tag_point(BASE_HASH, tag_secret(bytes(range(32))))


def test_none_point_is_the_documented_hash_of_the_handle() -> None:
    handle = hash_to_point("voter-handle", BASE_HASH, b"row secret")
    r0 = none_point(BASE_HASH, handle)
    assert r0 == Point.from_uniform_bytes(
        hashlib.sha512(
            len(PROTOCOL_PREFIX + b"/none").to_bytes(8, "big") + PROTOCOL_PREFIX + b"/none"
            + b"B" + (32).to_bytes(8, "big") + BASE_HASH
            + b"P" + (32).to_bytes(8, "big") + handle.encode()
        ).digest()
    )  # fmt: skip
    other = hash_to_point("voter-handle", BASE_HASH, b"another row secret")
    assert len({r0, none_point(BASE_HASH, other), none_point(OTHER_BASE_HASH, handle)}) == 3
    # another tag than a tag point's, even for the same bytes
    assert r0 != tag_point(BASE_HASH, handle.encode())


def test_bad_seeds_hashes_and_handles_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        tag_secret(SEED[:15])
    with pytest.raises(ValueError, match="at least 16 bytes"):
        tag_secret(SEED.hex())  # type: ignore[arg-type]
    tag_secret(SEED[:16])
    with pytest.raises(ValueError, match="32 bytes"):
        tag_point(BASE_HASH[:31], tag_secret(SEED))
    with pytest.raises(ValueError, match="32 bytes"):
        tag_point(BASE_HASH, SEED[:31])
    with pytest.raises(ValueError, match="32 bytes"):
        none_point(BASE_HASH + b"\0", GENERATOR)
    with pytest.raises(ValueError, match="never the identity"):
        none_point(BASE_HASH, IDENTITY)
