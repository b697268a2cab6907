"""Threshold decryption of a list: decryption factors, their proofs and the Lagrange
combination into plaintext points.

The election key is shared 3-of-4.  Any ``k``-subset (or more) of verified factors gives
every row's plaintext; fewer are refused; every altered field, a factor moved to another
row, trustee, ciphertext or context, fails.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from honestballot.crypto.elgamal import Ciphertext, encrypt, encrypt_point, reencrypt
from honestballot.crypto.group import GENERATOR, IDENTITY, Point, Scalar, base_mul
from honestballot.crypto.hashing import Part, hash_bytes, hash_to_point
from honestballot.crypto.partial_decryption import (
    PartialDecryption,
    PartialDecryptionEntry,
    combine_partial_decryptions,
    create_partial_decryption,
    prove_partial_decryption,
    verify_partial_decryption,
    verify_partial_decryption_list,
)
from honestballot.crypto.polynomial import evaluate, random_polynomial
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.errors import InvalidProof, ProtocolError

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
H = base_mul(X_POLY[0])
X_SHARES = {j: evaluate(X_POLY, j) for j in TRUSTEES}
X_KEYS = {j: base_mul(x) for j, x in X_SHARES.items()}

M = hash_to_point("test/point", b"m")
PLAINTEXTS = (M, base_mul(Scalar(7)), IDENTITY, M)
INPUTS = (
    encrypt_point(H, M, scalar("r0")),
    encrypt(H, 7, scalar("r1")),  # exponential ElGamal: the plaintext is 7*G
    encrypt(H, 0, scalar("r2")),
    reencrypt(H, encrypt_point(H, M, scalar("r3")), scalar("r4")),
)
CONTEXT: tuple[Part, ...] = (BASE_HASH, "equivalence", hash_bytes("test/list", b"sums"))
SHARES = {
    j: create_partial_decryption(CONTEXT, j, X_SHARES[j], INPUTS, rng(f"dec/{j}")) for j in TRUSTEES
}


def rejects(
    share: PartialDecryption,
    *,
    context: tuple[Part, ...] = CONTEXT,
    key: Point | None = None,
    inputs: tuple[Ciphertext, ...] = INPUTS,
    match: str = "Chaum-Pedersen equality proof does not verify",
) -> None:
    vk = X_KEYS[share.trustee] if key is None else key
    with pytest.raises(
        InvalidProof, match=f"decryption factors of trustee {share.trustee}.*{match}"
    ):
        verify_partial_decryption_list(context, vk, inputs, share)


def with_entry(
    share: PartialDecryption, row: int, entry: PartialDecryptionEntry
) -> PartialDecryption:
    entries = list(share.entries)
    entries[row] = entry
    return replace(share, entries=tuple(entries))


def test_every_trustees_factors_verify() -> None:
    for j in TRUSTEES:
        verify_partial_decryption_list(CONTEXT, X_KEYS[j], INPUTS, SHARES[j])
        assert [e.factor for e in SHARES[j].entries] == [ct.alpha * X_SHARES[j] for ct in INPUTS]


@pytest.mark.parametrize(
    "subset", [s for size in (K, N) for s in itertools.combinations(TRUSTEES, size)], ids=str
)
def test_any_k_trustees_decrypt_every_row(subset: tuple[int, ...]) -> None:
    assert combine_partial_decryptions(INPUTS, [SHARES[j] for j in subset], K, N) == PLAINTEXTS


def test_every_entry_field_is_checked() -> None:
    entry = SHARES[2].entries[1]
    p = entry.proof
    for altered in (
        replace(entry, factor=entry.factor + GENERATOR),
        replace(entry, factor=INPUTS[1].alpha * X_SHARES[3]),  # another trustee's factor
        replace(entry, factor=IDENTITY),
        replace(entry, proof=replace(p, challenge=p.challenge + ONE)),
        replace(entry, proof=replace(p, response=p.response + ONE)),
        replace(entry, proof=replace(p, challenge=p.response, response=p.challenge)),
        SHARES[2].entries[0],  # another row's entry
        SHARES[3].entries[1],  # another trustee's entry for this row
    ):
        rejects(with_entry(SHARES[2], 1, altered), match="row 1: Chaum-Pedersen")


def test_ciphertext_rows_trustee_and_context_are_bound() -> None:
    share = SHARES[1]
    # same alpha, another beta: the factor is still x_1*alpha, but the proof names beta
    moved = (INPUTS[0], Ciphertext(INPUTS[1].alpha, INPUTS[1].beta + GENERATOR), *INPUTS[2:])
    rejects(share, inputs=moved, match="row 1")
    e = share.entries
    rejects(replace(share, entries=(e[1], e[0], *e[2:])), match="row 0")
    rejects(replace(share, entries=e[:3]), match="3 entries for 4 rows")
    rejects(share, key=X_KEYS[2])
    rejects(replace(share, trustee=2), key=X_KEYS[1])
    rejects(share, key=IDENTITY, match="the verification key is the identity")
    rejects(replace(share, trustee=0), key=X_KEYS[1], match="not positive")
    for context in ((OTHER_BASE_HASH, *CONTEXT[1:]), CONTEXT[:-1], (*CONTEXT, 0), ()):
        rejects(share, context=context)


def test_a_single_entry_verifies_on_its_own() -> None:
    entry = prove_partial_decryption(CONTEXT, 2, 9, X_SHARES[2], X_KEYS[2], INPUTS[0], rng())
    verify_partial_decryption(CONTEXT, 2, 9, X_KEYS[2], INPUTS[0], entry, "f")
    for trustee, row in ((2, 8), (3, 9)):
        with pytest.raises(InvalidProof, match="f: Chaum-Pedersen"):
            verify_partial_decryption(CONTEXT, trustee, row, X_KEYS[2], INPUTS[0], entry, "f")


def test_fewer_than_k_are_refused_and_would_be_wrong() -> None:
    for subset in itertools.combinations(TRUSTEES, K - 1):
        with pytest.raises(ProtocolError, match=r"2 partial decryption\(s\) given, the threshold"):
            combine_partial_decryptions(INPUTS, [SHARES[j] for j in subset], K, N)
    wrong = combine_partial_decryptions(INPUTS, [SHARES[1], SHARES[2]], K - 1, N)
    assert all(w != p for w, p in zip(wrong, PLAINTEXTS, strict=True))


def test_combination_refuses_duplicates_indices_lengths_and_thresholds() -> None:
    with pytest.raises(ProtocolError, match="appears twice"):
        combine_partial_decryptions(INPUTS, [SHARES[1], SHARES[1], SHARES[2]], K, N)
    with pytest.raises(ProtocolError, match="above the number of trustees"):
        combine_partial_decryptions(
            INPUTS, [SHARES[1], SHARES[2], replace(SHARES[3], trustee=5)], K, N
        )
    short = replace(SHARES[3], entries=SHARES[3].entries[:2])
    with pytest.raises(ProtocolError, match="trustee 3: 2 decryption factors for 4 rows"):
        combine_partial_decryptions(INPUTS, [SHARES[1], SHARES[2], short], K, N)
    with pytest.raises(ProtocolError, match="threshold must be at least 1"):
        combine_partial_decryptions(INPUTS, [SHARES[1]], 0, N)
    with pytest.raises(ProtocolError, match="not positive"):
        create_partial_decryption(CONTEXT, 0, X_SHARES[1], INPUTS, rng())
    with pytest.raises(ProtocolError, match="key share is zero"):
        create_partial_decryption(CONTEXT, 1, Scalar(0), INPUTS, rng())


def test_multiplications_per_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """3 to make a row's factor (1 factor + 2 commitments), 4 to verify it, ``k`` to
    combine; plus 1 per list for the maker's ``X_l``."""
    calls = [0]
    original = Point.__mul__

    def counting(self: Point, s: Scalar) -> Point:
        calls[0] += 1
        return original(self, s)

    monkeypatch.setattr(Point, "__mul__", counting)
    rows = len(INPUTS)
    share = create_partial_decryption(CONTEXT, 1, X_SHARES[1], INPUTS, rng())
    assert calls == [3 * rows + 1]
    calls[0] = 0
    verify_partial_decryption_list(CONTEXT, X_KEYS[1], INPUTS, share)
    assert calls == [4 * rows]
    calls[0] = 0
    combine_partial_decryptions(INPUTS, [share, SHARES[2], SHARES[3]], K, N)
    assert calls == [K * rows]
