"""Polynomials, Feldman commitments, Lagrange coefficients and share encryption."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honestballot.crypto.group import L, Scalar, base_mul
from honestballot.crypto.polynomial import (
    commit,
    evaluate,
    evaluate_commitments,
    lagrange_at_zero,
    random_polynomial,
)
from honestballot.crypto.randomness import SeededRandomness
from honestballot.crypto.share_encryption import (
    EncryptedShare,
    ShareContext,
    decrypt_share,
    dh_point,
    encrypt_share,
    open_with_dh_point,
)
from honestballot.errors import InvalidShare, ProtocolError

scalars = st.integers(min_value=0, max_value=L - 1).map(Scalar)


@given(st.lists(scalars, min_size=1, max_size=6), st.integers(min_value=-50, max_value=50))
def test_evaluate_is_the_polynomial(coefficients: list[Scalar], x: int) -> None:
    expected = sum(a.value * x**j for j, a in enumerate(coefficients)) % L
    assert evaluate(coefficients, x).value == expected


@settings(max_examples=25, deadline=None)
@given(st.lists(scalars, min_size=1, max_size=5), st.integers(min_value=1, max_value=40))
def test_feldman_commitments_evaluate_to_share_times_g(coefficients: list[Scalar], x: int) -> None:
    assert evaluate_commitments(commit(coefficients), x) == base_mul(evaluate(coefficients, x))
    # a share off by one does not check against the commitments
    assert evaluate_commitments(commit(coefficients), x) != base_mul(
        evaluate(coefficients, x) + Scalar(1)
    )


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=1, max_value=6), st.data())
def test_any_k_points_interpolate_the_secret_and_k_minus_1_do_not(
    k: int, data: st.DataObject
) -> None:
    n = data.draw(st.integers(min_value=k, max_value=8))
    poly = random_polynomial(k - 1, SeededRandomness(f"poly-{k}-{n}"))
    for subset in itertools.combinations(range(1, n + 1), k):
        lam = lagrange_at_zero(subset, n)
        total = Scalar(0)
        for i in subset:
            total = total + lam[i] * evaluate(poly, i)
        assert total == poly[0]
    if k >= 2:
        short = tuple(range(1, k))
        lam = lagrange_at_zero(short, n)
        total = Scalar(0)
        for i in short:
            total = total + lam[i] * evaluate(poly, i)
        assert total != poly[0]


@pytest.mark.parametrize(
    ("indices", "n", "message"),
    [
        ([1, 2, 2], None, "twice"),
        ([0, 1], None, "not positive"),
        ([-1, 2], None, "not positive"),
        ([1, 4], 3, "above"),
        ([], None, "at least one"),
    ],
)
def test_lagrange_rejects_bad_index_sets(indices: list[int], n: int | None, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        lagrange_at_zero(indices, n)


def test_random_polynomial_has_requested_degree() -> None:
    poly = random_polynomial(3, SeededRandomness("deg"))
    assert len(poly) == 4
    assert not poly[0].is_zero()
    assert len(set(poly)) == 4


# -- share encryption ---------------------------------------------------------------


def _setup() -> tuple[Scalar, Scalar, ShareContext, EncryptedShare]:
    rng = SeededRandomness("share-enc")
    y = Scalar.of(123456789)
    share = Scalar.of(987654321)
    ctx = ShareContext(bytes(32), 1, 2)
    return y, share, ctx, encrypt_share(share, base_mul(y), ctx, rng)


def test_share_encryption_round_trip_and_open_with_dh_point() -> None:
    y, share, ctx, enc = _setup()
    assert len(enc.ciphertext) == 48
    assert share.encode() not in enc.ciphertext
    assert decrypt_share(y, enc, ctx) == share
    assert open_with_dh_point(dh_point(y, enc), enc, base_mul(y), ctx) == share


def test_share_encryption_binds_key_ceremony_dealer_and_recipient() -> None:
    y, _, ctx, enc = _setup()
    with pytest.raises(InvalidShare, match="authentication failed"):
        decrypt_share(Scalar.of(5), enc, ctx)
    for other in (
        ShareContext(b"\x01" * 32, 1, 2),
        ShareContext(bytes(32), 3, 2),
        ShareContext(bytes(32), 1, 3),
    ):
        with pytest.raises(InvalidShare, match="dealer"):
            decrypt_share(y, enc, other)
    with pytest.raises(InvalidShare):
        open_with_dh_point(base_mul(Scalar.of(7)), enc, base_mul(y), ctx)


def test_share_encryption_detects_tampering() -> None:
    y, _, ctx, enc = _setup()
    flipped = bytes([enc.ciphertext[0] ^ 1]) + enc.ciphertext[1:]
    with pytest.raises(InvalidShare):
        decrypt_share(y, EncryptedShare(enc.ephemeral, flipped), ctx)
    with pytest.raises(InvalidShare):
        decrypt_share(y, EncryptedShare(base_mul(Scalar.of(9)), enc.ciphertext), ctx)
    with pytest.raises(InvalidShare, match="bytes"):
        decrypt_share(y, EncryptedShare(enc.ephemeral, enc.ciphertext[:-1]), ctx)
