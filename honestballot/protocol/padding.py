"""Padding (docs/coercion.md §5.3, step A0): after ``close`` the service hides how many
ballots each credential cast by padding every credential's group to a size on a short
public list.

For a credential with ``r`` ballots the service adds ``p(r) - r`` **padding rows**, where
``p(r)`` is the smallest of :data:`PADDED_SIZES` that is at least ``r``.  A padding row's
columns are those of a cast row (``A.rows``)::

    Enc(tau), Enc(sigma), Enc(n), E1, E0, ..., E0      (one E0 per contest ciphertext)

``Enc(tau)`` and ``Enc(sigma)`` encrypt the credential's own tag and voting points afresh;
the counters are ``n0, n0 - 1, ...``, just below the credential's first ballot ``n0 + 1``,
so the group's counters stay consecutive and every padding row loses to every ballot; the
flag is ``E1 = (O, G)``, the trivial encryption of 1, and every contest ciphertext the
trivial ``E0 = (O, O)``.  Each of the three non-trivial ciphertexts carries a proof of
randomness at ``("padding", salt, field, row)``: ``salt`` is the padding's 32 random
bytes, ``field`` is ``"tag"``, ``"credential"`` or ``"counter"`` and ``row`` the row's
position in the padding.  The rows are in a uniformly random order (drawn before they are
made, since each proof names its position).  The padding also states how many cover rows
the board holds, so that the trustees know which cover points to tag (step A3).

What the flag and the trivial ciphertexts are is fixed, so the record writes only the
flag (as a cast row writes ``E0``) and implies the contest ciphertexts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from honestballot.crypto.elgamal import Ciphertext, encrypt, encrypt_point
from honestballot.crypto.group import GENERATOR, IDENTITY, Point
from honestballot.crypto.hashing import Part
from honestballot.crypto.plaintext_awareness import (
    RandomnessProof,
    prove_randomness,
    verify_randomness,
)
from honestballot.crypto.randomness import Randomness, random_nonzero_scalar, random_permutation
from honestballot.errors import InvalidProof
from honestballot.protocol.ballot_v2 import CAP, COUNTER_BOUND, E0
from honestballot.protocol.election import ElectionContext

PLACE: Final = "padding"
SALT_BYTES: Final = 32
#: the sizes a joined group is padded to (docs/coercion.md §5.3)
PADDED_SIZES: Final = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32)
#: the flag of a padding row: the trivial encryption of 1
E1: Final = Ciphertext(IDENTITY, GENERATOR)
FIELDS: Final = ("tag", "credential", "counter")


def padded_size(ballots: int) -> int:
    """``p(r)``: the smallest padded size that holds ``ballots`` (1 to ``CAP``)."""
    if not 1 <= ballots <= CAP:
        raise ValueError(f"a credential that is padded has 1 to {CAP} ballots, not {ballots}")
    return next(size for size in PADDED_SIZES if size >= ballots)


@dataclass(frozen=True, slots=True)
class PaddedCredential:
    """What the service knows of one credential when it pads: its tag and voting points,
    its counter start ``n0`` and how many ballots it cast."""

    tag_point: Point
    voting_point: Point
    counter_start: int
    ballots: int

    def counters(self) -> tuple[int, ...]:
        """The counters of this credential's padding rows: ``n0, n0 - 1, ...``."""
        missing = padded_size(self.ballots) - self.ballots
        if not CAP <= self.counter_start < COUNTER_BOUND:
            raise ValueError(f"a counter start is in [{CAP}, {COUNTER_BOUND})")
        return tuple(self.counter_start - k for k in range(missing))


@dataclass(frozen=True, slots=True)
class PaddingRow:
    tag: Ciphertext
    tag_proof: RandomnessProof
    credential: Ciphertext
    credential_proof: RandomnessProof
    counter: Ciphertext
    counter_proof: RandomnessProof
    flag: Ciphertext = E1

    def columns(self, contest_ciphertexts: int) -> tuple[Ciphertext, ...]:
        """The row of ``A.rows``: tag, credential, counter, flag, then ``E0`` for each of
        the election's ``contest_ciphertexts``."""
        return (self.tag, self.credential, self.counter, self.flag) + (E0,) * contest_ciphertexts

    def ciphertexts(self) -> tuple[tuple[Ciphertext, RandomnessProof], ...]:
        """The three proven ciphertexts, in :data:`FIELDS` order."""
        return (
            (self.tag, self.tag_proof),
            (self.credential, self.credential_proof),
            (self.counter, self.counter_proof),
        )


@dataclass(frozen=True, slots=True)
class Padding:
    """The one padding the service posts after ``close``."""

    salt: bytes
    cover_rows: int
    rows: tuple[PaddingRow, ...]


def _place(base_hash: bytes, salt: bytes, what: str, row: int) -> tuple[Part, ...]:
    return (base_hash, PLACE, salt, what, row)


def make_padding(
    ctx: ElectionContext,
    credentials: Iterable[PaddedCredential],
    cover_rows: int,
    rng: Randomness,
) -> Padding:
    """The padding of every credential in ``credentials`` (each with at least one
    ballot), its rows in a uniformly random order; every randomness is dropped here."""
    if cover_rows < 0:
        raise ValueError("the number of cover rows is not negative")
    wanted = [(c.tag_point, c.voting_point, n) for c in credentials for n in c.counters()]
    order = random_permutation(rng, len(wanted))
    salt = rng.random_bytes(SALT_BYTES)
    rows = tuple(
        _make_row(ctx, salt, row, *wanted[source], rng) for row, source in enumerate(order)
    )
    return Padding(salt, cover_rows, rows)


def _make_row(
    ctx: ElectionContext,
    salt: bytes,
    row: int,
    tag_point: Point,
    voting_point: Point,
    counter: int,
    rng: Randomness,
) -> PaddingRow:
    h = ctx.public_key

    def proven(what: str, plain: Point | int) -> tuple[Ciphertext, RandomnessProof]:
        r = random_nonzero_scalar(rng)
        ct = encrypt(h, plain, r) if isinstance(plain, int) else encrypt_point(h, plain, r)
        return ct, prove_randomness(_place(ctx.base_hash, salt, what, row), h, ct, r, rng)

    return PaddingRow(
        *proven("tag", tag_point), *proven("credential", voting_point), *proven("counter", counter)
    )


def verify_padding_row(ctx: ElectionContext, salt: bytes, row: int, padding: PaddingRow) -> None:
    """``rows.proofs`` for one padding row: its flag is ``E1`` exactly and each of its
    three ciphertexts' proof of randomness verifies at its place; raises
    :class:`InvalidProof` naming the row and the field."""
    what = f"padding row {row}"
    if padding.flag != E1:
        raise InvalidProof(f"{what}, flag: the dummy flag of a padding row is not E1")
    for field_name, (ct, proof) in zip(FIELDS, padding.ciphertexts(), strict=True):
        verify_randomness(
            _place(ctx.base_hash, salt, field_name, row), ctx.public_key, ct, proof,
            f"{what}, {field_name}",
        )  # fmt: skip


def verify_padding(ctx: ElectionContext, padding: Padding) -> None:
    """Every row of ``padding`` (:func:`verify_padding_row`), and the salt's length."""
    if len(padding.salt) != SALT_BYTES:
        raise InvalidProof(f"padding: the salt is not {SALT_BYTES} bytes")
    for row, item in enumerate(padding.rows):
        verify_padding_row(ctx, padding.salt, row, item)


def group_sizes_allowed(sizes: Sequence[int]) -> bool:
    """Whether every joined group's size after padding is on :data:`PADDED_SIZES` (the
    check ``padding.shape`` applies once groups are known, step A4)."""
    return all(size in PADDED_SIZES for size in sizes)
