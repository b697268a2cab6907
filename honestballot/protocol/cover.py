"""Cover: the rows and registrations the service adds to every batch so that a batch's
size is a function of time alone (docs/coercion.md §4).

**Cover rows** are full cast rows, made like a voter's: a ballot version 2 under the
voting point of a fresh seed (the service knows its ``c``, so the credential proof is
real), with a counter and the flag ``E0``, but whose ``Enc(tau)`` encrypts the **cover tag
point** ``Q_i = hash_to_point("cover-tag", B base hash, I i)``, one fresh ``i`` per cover
row, in order.  No registration has a cover tag point, so at the close each cover row is a
group of one that joins nothing, and the trustees tag the public ``Q_i`` to recognise it
(step A3, A4).  A cover row's counter is its credential's first, ``n0 + 1``.

**Cover registrations** are registrations made as a device makes them, for a **cover
voter**: a fresh handle ``hash_to_point("cover-handle", B base hash, B 32 random bytes)``
and a fresh activation scalar, revoking the handle's none point.  A **cover replacement**
is a second registration of the same cover voter revoking the first one's tag point.

Nothing here is secret beyond what a voter's device would keep: the cover voter and the
seeds stay with the service until the close and are never posted, and every ciphertext's
randomness is dropped when its proof is made.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from honestballot.crypto.group import Point, Scalar
from honestballot.crypto.hashing import hash_bytes, hash_to_point, hash_to_scalar
from honestballot.crypto.randomness import Randomness, random_below, random_nonzero_scalar
from honestballot.crypto.tagging import none_point
from honestballot.errors import EncodingError
from honestballot.protocol.ballot import check_selections
from honestballot.protocol.ballot_v2 import CastRow, counter_start, encrypt_under, make_cast_row
from honestballot.protocol.credential_seed import CredentialSeed, generate_seed
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.letters import activation_base
from honestballot.protocol.manifest import BLANK, Contest, Manifest
from honestballot.protocol.registration import Commitment, Registration, register
from honestballot.protocol.schedule import Cover

COVER_TAG: Final = "cover-tag"
COVER_HANDLE_TAG: Final = "cover-handle"


def cover_tag_point(base_hash: bytes, index: int) -> Point:
    """``Q_i = hash_to_point("cover-tag", B base hash, I i)``."""
    if len(base_hash) != 32:
        raise ValueError("a base hash is 32 bytes")
    if index < 0:
        raise ValueError("a cover row's index is not negative")
    return hash_to_point(COVER_TAG, base_hash, index)


def cover_choice(contest: Contest) -> frozenset[str] | tuple[str, ...]:
    """A valid choice for ``contest`` that a cover row encrypts: "blank" where the
    contest offers it, else its first ``min_selections`` candidates; for a ranked contest
    its first candidate ranked alone.  What it is does not matter: a cover row's contests
    are never decrypted (its group is dropped at step A4), and encrypted they look like
    any other choice."""
    if contest.ranked:
        return (contest.candidates[0].id,)
    if contest.min_selections == 0:
        return frozenset({BLANK})
    return frozenset(o.id for o in contest.candidates[: contest.min_selections])


def cover_selections(manifest: Manifest) -> dict[str, frozenset[str] | tuple[str, ...]]:
    return {contest.id: cover_choice(contest) for contest in manifest.contests}


def make_cover_row(
    ctx: ElectionContext,
    index: int,
    rng: Randomness,
    selections: Mapping[str, frozenset[str] | tuple[str, ...]] | None = None,
) -> CastRow:
    """The cover row with cover index ``index``: a fresh seed's voting point, ``Enc(Q_i)``
    as its tag, ``selections`` (by default :func:`cover_selections`), the counter of a
    credential's first ballot, and ``E0``."""
    seed = generate_seed(rng, ctx.base_hash)
    c = seed.signing_scalar(ctx.base_hash)
    sigma = seed.voting_point(ctx.base_hash)
    chosen = cover_selections(ctx.manifest) if selections is None else selections
    check_selections(ctx, chosen)
    q = cover_tag_point(ctx.base_hash, index)
    ballot, _, _ = encrypt_under(ctx, c, sigma, q, chosen, rng)
    return make_cast_row(ctx, ballot, counter_start(rng) + 1, rng)


@dataclass(frozen=True, slots=True)
class CoverVoter:
    """A cover registration's made-up voter: the secret behind its handle and its
    activation scalar (kept by the service, as a voter keeps a letter)."""

    handle_secret: bytes = field(repr=False)
    activation_scalar: Scalar = field(repr=False)

    def handle(self, base_hash: bytes) -> Point:
        """``V = hash_to_point("cover-handle", B base hash, B secret)``."""
        return hash_to_point(COVER_HANDLE_TAG, base_hash, self.handle_secret)

    def none_point(self, base_hash: bytes) -> Point:
        """What the cover voter's first registration revokes."""
        return none_point(base_hash, self.handle(base_hash))


def draw_cover_voter(rng: Randomness) -> CoverVoter:
    return CoverVoter(rng.random_bytes(32), random_nonzero_scalar(rng))


_UNIT_BITS: Final = 53


def _uniform(rng: Randomness) -> float:
    """A uniform float in [0, 1) with 53 random bits."""
    return random_below(rng, 1 << _UNIT_BITS) / (1 << _UNIT_BITS)


def _geometric(rng: Randomness, epsilon: float) -> int:
    """``G`` with ``Pr[G = g] = (1 − q)·q^g``, ``g = 0, 1, …``, ``q = e^(−ε)``, by
    inversion (``log q = −ε`` taken as it is: ``e^(−1000)`` is 0 as a float)."""
    return math.floor(math.log1p(-_uniform(rng)) / -epsilon)


def draw_replacement_count(rng: Randomness, cover: Cover) -> int:
    """The number of cover replacements (docs/coercion.md §4), ``K = K0 + Z`` with
    ``cover``'s ``K0`` and ``ε`` (the setup's schedule's): the difference of two geometric
    draws of ratio ``e^(−ε)`` has ``Pr[Z = z] ∝ e^(−ε|z|)``; a draw below ``−K0`` is drawn
    again (the truncation)."""
    k0, epsilon = cover.k0, cover.epsilon
    while True:
        k = k0 + _geometric(rng, epsilon) - _geometric(rng, epsilon)
        if k >= 0:
            return k


@dataclass(frozen=True, slots=True)
class CoverReplacement:
    """A cover replacement's made-up voter and its two credentials, all derived from one
    32-byte secret the service keeps until the close (for the first credential's ballots
    and padding): the voter (handle and activation), ``C1``'s seed and ``C2``'s."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) != 32:
            raise ValueError("a cover replacement's secret is 32 bytes")

    def voter(self) -> CoverVoter:
        handle = hash_bytes("cover-replacement/handle", self.secret)
        return CoverVoter(handle, hash_to_scalar("cover-replacement/activation", self.secret))

    def seed(self, which: int, base_hash: bytes) -> CredentialSeed:
        """``C1``'s seed (``which`` 1) or ``C2``'s (2): the first of a counter's seeds
        whose signing scalar is not zero."""
        for n in range(1 << 16):
            seed = CredentialSeed(hash_bytes("cover-replacement/seed", self.secret, which, n))
            try:
                seed.signing_scalar(base_hash)
            except EncodingError:
                continue
            return seed
        raise EncodingError("no seed")  # 2^-252 per try: never


def make_replacement_row(
    ctx: ElectionContext, seed: CredentialSeed, counter: int, rng: Randomness
) -> CastRow:
    """A ballot of a cover replacement's first credential (:func:`cover_selections`,
    under the credential's own tag point), as its cast row with ``counter``."""
    base = ctx.base_hash
    chosen = cover_selections(ctx.manifest)
    ballot, _, _ = encrypt_under(
        ctx, seed.signing_scalar(base), seed.voting_point(base), seed.tag_point(base), chosen, rng
    )
    return make_cast_row(ctx, ballot, counter, rng)


def make_cover_registration(
    base_hash: bytes,
    public_key: Point,
    commitment: Commitment,
    voter: CoverVoter,
    seed: CredentialSeed,
    rng: Randomness,
) -> Registration:
    """A registration of ``seed`` for the cover ``voter`` on the service's own
    ``commitment`` (which encrypts the voter's none point for a first registration, or
    the tag point of the seed it replaces for a cover replacement): made exactly as a
    device makes one, without the private proofs, which nobody needs."""
    a = voter.activation_scalar
    registration, _ = register(
        base_hash, public_key, commitment, seed.signing_scalar(base_hash),
        seed.voting_point(base_hash), seed.tag_point(base_hash), voter.handle(base_hash),
        (a, activation_base(base_hash) * a), rng,
    )  # fmt: skip
    return registration
