"""Exponential ElGamal over ristretto255.

A message ``m`` (a small non-negative integer: a 0/1 selection or a count) is
encrypted under public key ``H = x*G`` with randomness ``r`` as::

    alpha = r*G,   beta = r*H + m*G

Ciphertexts add component-wise, which adds the plaintexts; that is how the tally
is formed without decrypting any single ballot.  Decryption yields ``m*G``; the
integer ``m`` is then recovered by :mod:`honestballot.crypto.dlog`.

The same pair also encrypts a group element ``M`` itself (:func:`encrypt_point`:
``(r*G, r*H + M)``), as the coercion design does for voting, tag and handle points; its
decryption ``beta - x*alpha`` is ``M``, with no discrete logarithm to solve.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from honestballot.crypto.group import IDENTITY, Point, Scalar, base_mul, small_multiple


@dataclass(frozen=True, slots=True)
class Ciphertext:
    alpha: Point
    beta: Point

    def __add__(self, other: Ciphertext) -> Ciphertext:
        return Ciphertext(self.alpha + other.alpha, self.beta + other.beta)

    def __sub__(self, other: Ciphertext) -> Ciphertext:
        return Ciphertext(self.alpha - other.alpha, self.beta - other.beta)

    def scale(self, k: Scalar) -> Ciphertext:
        """The encryption of ``k*m`` (same randomness scaled by k)."""
        return Ciphertext(self.alpha * k, self.beta * k)

    def minus_plaintext(self, m: int) -> Ciphertext:
        """``(alpha, beta - m*G)``: an encryption of zero iff this encrypts ``m``."""
        if m == 0:
            return self
        return Ciphertext(self.alpha, self.beta - small_multiple(m))


ZERO_CIPHERTEXT = Ciphertext(IDENTITY, IDENTITY)


def encrypt(public_key: Point, message: int, randomness: Scalar) -> Ciphertext:
    """Encrypt the integer ``message`` with the given randomness (which the caller keeps
    only as long as a proof or a Benaloh audit needs it)."""
    alpha = base_mul(randomness)
    beta = public_key * randomness
    if message:
        beta = beta + small_multiple(message)
    return Ciphertext(alpha, beta)


def encrypt_point(public_key: Point, message: Point, randomness: Scalar) -> Ciphertext:
    """``(r*G, r*H + M)``: the encryption of the group element ``M`` itself."""
    return Ciphertext(base_mul(randomness), public_key * randomness + message)


def reencrypt(public_key: Point, ct: Ciphertext, randomness: Scalar) -> Ciphertext:
    """``(alpha + r*G, beta + r*H)``: a fresh encryption of the same plaintext."""
    return Ciphertext(ct.alpha + base_mul(randomness), ct.beta + public_key * randomness)


def aggregate(ciphertexts: Iterable[Ciphertext]) -> Ciphertext:
    """The homomorphic sum of ciphertexts (the encryption of the sum of plaintexts)."""
    alpha = IDENTITY
    beta = IDENTITY
    for ct in ciphertexts:
        alpha = alpha + ct.alpha
        beta = beta + ct.beta
    return Ciphertext(alpha, beta)


def decrypt_to_point(secret_key: Scalar, ct: Ciphertext) -> Point:
    """``beta - x*alpha = m*G`` (for tests and audits; elections decrypt by threshold)."""
    return ct.beta - ct.alpha * secret_key


def decrypt_with_factor(ct: Ciphertext, factor: Point) -> Point:
    """``beta - factor``: the plaintext point, given the decryption factor ``x*alpha``
    (in an election, the Lagrange combination of ``k`` trustees' shares ``x_l*alpha``)."""
    return ct.beta - factor


def plaintext_point_from_randomness(public_key: Point, ct: Ciphertext, r: Scalar) -> Point:
    """``beta - r*H = m*G``: what a revealed randomness says a ciphertext encrypts."""
    return ct.beta - public_key * r
