"""The distributed deterministic tag: ``y*M`` from ``Enc(M)``, by k of n trustees.

docs/coercion.md §5, "Tag with y".  The trustees share a **tag key** ``y`` as they share
the election key ``x`` (docs/trustees.md): trustee ``j`` holds ``y_j = f(j)`` for a
polynomial ``f`` of degree ``k - 1`` with ``f(0) = y``, and everyone knows its
verification key ``Y_j = y_j*G``.  For a list of ciphertexts ``(alpha_i, beta_i) =
(r_i*G, r_i*H + M_i)`` under the election key ``H`` (point ElGamal,
:func:`~honestballot.crypto.elgamal.encrypt_point`), the tag of row ``i`` is ``y*M_i``.

**1. Tag shares.**  Trustee ``j`` publishes, for every row, ``(A_i, B_i) = (y_j*alpha_i,
y_j*beta_i)`` with a Chaum--Pedersen proof over three bases that one exponent links all
three pairs, ``log_G(Y_j) = log_{alpha_i}(A_i) = log_{beta_i}(B_i)``::

    w random;  R_0 = w*G,  R_1 = w*alpha_i,  R_2 = w*beta_i
    e = H("tag-share", ctx..., j, i, Y_j, alpha_i, beta_i, A_i, B_i, R_0, R_1, R_2)
    z = w + e*y_j
    verify: R_0 = z*G - e*Y_j,  R_1 = z*alpha_i - e*A_i,  R_2 = z*beta_i - e*B_i

The caller's context starts with the election's base hash and names the list being
tagged and the key (``y1`` or ``y2``), e.g. the hash of the mix output it tags, as a
decryption share binds the tally's hash.  The challenge also hashes the trustee, the row
and the whole statement of the row.  A share that used one exponent for ``alpha`` and
another for ``beta`` does not verify: it would turn ``Enc(y*M)`` into an encryption of
another point, and so split or merge groups at will.

**2. Combination.**  For a set ``S`` of at least ``k`` trustees with verified shares,
``lambda_j`` the Lagrange coefficients at zero of :mod:`honestballot.crypto.polynomial`::

    (sum_j lambda_j*A_i, sum_j lambda_j*B_i) = (y*alpha_i, y*beta_i)
                                             = (y*r_i*G, y*r_i*H + y*M_i) = Enc(y*M_i)

(:func:`combine_tag_shares`).  This is an ordinary ciphertext under ``H``.

**3. Decryption.**  ``k`` trustees decrypt ``Enc(y*M_i)`` exactly as they decrypt a
tally entry (protocol/decryption.py: ``D_l = x_l*alpha`` with a Chaum--Pedersen proof,
combined by Lagrange into ``x*alpha``), and the tag is
:func:`~honestballot.crypto.elgamal.decrypt_with_factor`: ``y*beta_i - x*y*alpha_i =
y*M_i``.  It does not depend on ``r_i``: encryptions of one point, however made and
re-randomised, get one tag, and different points get different tags as long as
``y != 0`` (a key ceremony makes ``y = 0`` with negligible probability).

**Cost, per row and per trustee** (counted by benchmarks/bench_tagging.py):

==========================  =====================  ======================================
step                        prove / make           verify
==========================  =====================  ======================================
tag share                   2 var (``A``, ``B``)   1 fixed + 5 var
                            + 1 fixed + 2 var
                            (3 commitments) = 5    = 6
combination (everyone)      --                     2 var per share: ``2k`` per row
decryption share            1 fixed + 2 var = 3    1 fixed + 3 var = 4
decryption combination      --                     ``k`` var per row
==========================  =====================  ======================================

So tagging a list with ``k`` trustees costs each of them 5 + 3 = 8 multiplications per
row to prove, and a verifier ``10k + 3k = 13k`` per row (39 for ``k = 3``), plus one
fixed-base multiplication per trustee and list for ``Y_j``.

**What a coercer holding a credential can learn of its tag** (the security argument;
not tested).  The close tags **tag points** ``tau = hash_to_point("tag-point", base hash,
t)`` of a tag secret ``t = hash("tag-secret", seed)`` (docs/coercion.md §2,
:func:`tag_point`).  A coercer who holds the voter's seed knows ``tau`` and sees
``G``, ``Y = y*G``, every ``Y_j``, every tag share and every published tag.

*The argument.*  Computing ``y*tau`` is the computational Diffie--Hellman problem in
ristretto255, and recognising it among the published tags the decisional one.  Given an
instance ``(G, y*G, Q)``, a reduction that models ``hash_to_point`` as a random oracle
answers the victim's tag point with ``Q`` and every other with ``r_i*G`` for an ``r_i`` it
picks, so it can publish every other tag, ``r_i*Y``, without knowing ``y``; a coercer who
outputs ``y*tau`` solves the instance.  Tag shares add nothing, because they are made of
rows that come out of a mix chain with at least one honest mixer: ``(y_j*alpha,
y_j*beta)`` of a row the coercer cannot trace is, under DDH, indistinguishable from that of
any other.  Fewer than ``k`` trustees learn nothing about ``y`` (Shamir); ``k`` together
can tag any point, and are trusted not to (docs/coercion.md §9).

*Its condition.*  The reduction works only while no tagged point has a relation to the
victim's that the coercer knows, because ``M -> y*M`` is linear: from the tag of ``a*tau``
anyone who knows ``a`` gets ``y*tau``.  That is why voting points ``sigma = c*P``, all
multiples of one base, are never tagged (docs/coercion.md §12, finding 1).  It also means
that every point that reaches a tagged list must really be a hash output: a proof of
randomness (:mod:`honestballot.crypto.plaintext_awareness`) shows that the maker knows the
plaintext, not that nobody chose it.  A coercer whose own registrations carried the tag
points ``2*tau`` and ``3*tau`` of its victim, and then revoked them, would find ``T`` and
``T'`` with ``3*T = 2*T'`` among the registration tags (``y1``) and again among the
revocation tags (``y2``), hence the victim's tags under both keys.  So the service must
check, privately, that each registered tag point is ``hash_to_point`` of a preimage it is
shown, and that preimage must be a secret of its own, from which the signing scalar ``c``
cannot be derived.  A tag share refuses randomness zero, so it is never itself the partial
tag of a public point.

The entry proof is :func:`~honestballot.crypto.chaum_pedersen.prove_equal_powers` under
the tag ``"tag-share"`` with ``(ctx..., j, i)`` as its context.  A plaintext-equivalence
test (:mod:`honestballot.crypto.equivalence`) uses the same proof, under its own tag, with
a fresh exponent ``z_j`` and its commitment ``Z_j = z_j*G`` in place of ``y_j`` and
``Y_j``; its shares are summed, not Lagrange-combined.

**Tag secrets, tag points and "none" points** (docs/coercion.md §2)::

    t   = hash("tag-secret", seed)                          tag_secret(seed), 32 bytes
    tau = hash_to_point("tag-point", base hash, t)          tag_point(base_hash, t)
    R0  = hash_to_point("none", base hash, V)               none_point(base_hash, V)

The device derives ``t`` from the credential's seed and shows it to the service, which
recomputes ``tau`` from it (so that no registered tag point is chosen, see above).  ``t``
is a one-way function of the seed under its own tag: neither the seed nor the signing
scalar ``c`` can be had from ``t``, as long as ``c`` is derived from the seed under
another tag (``"credential-scalar"``, protocol/credential_seed.py).  The
"none" point is what a first registration revokes: a hash output for the voter's handle
``V``, unrelated to every tag point (another tag), which the service checks against
``V``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from honestballot.crypto.chaum_pedersen import (
    EqualityProof,
    prove_equal_powers,
    verify_equal_powers,
)
from honestballot.crypto.elgamal import Ciphertext
from honestballot.crypto.group import Point, Scalar, base_mul, sum_points
from honestballot.crypto.hashing import Part, hash_bytes, hash_to_point
from honestballot.crypto.polynomial import check_indices, check_share_shape, lagrange_at_zero
from honestballot.crypto.randomness import Randomness
from honestballot.errors import InvalidProof, ProtocolError

TAG_SHARE_TAG: Final = "tag-share"
TAG_SECRET_TAG: Final = "tag-secret"
TAG_POINT_TAG: Final = "tag-point"
NONE_POINT_TAG: Final = "none"

#: A credential seed shorter than this is refused: whoever guesses a seed can compute its
#: ``t`` and ``tau``, so the seed must not be guessable.
MIN_SEED_BYTES: Final = 16


def tag_secret(seed: bytes) -> bytes:
    """``t = hash("tag-secret", seed)``: the tag secret of a credential's seed (32 bytes)."""
    if not isinstance(seed, bytes) or len(seed) < MIN_SEED_BYTES:
        raise ValueError(f"a credential seed is at least {MIN_SEED_BYTES} bytes")
    return hash_bytes(TAG_SECRET_TAG, seed)


def tag_point(base_hash: bytes, secret: bytes) -> Point:
    """``tau = hash_to_point("tag-point", base hash, t)`` for the tag secret ``t``."""
    if len(base_hash) != 32 or len(secret) != 32:
        raise ValueError("a base hash and a tag secret are 32 bytes each")
    return hash_to_point(TAG_POINT_TAG, base_hash, secret)


def none_point(base_hash: bytes, handle: Point) -> Point:
    """``hash_to_point("none", base hash, V)``: what the first registration of the voter
    with handle ``V`` revokes."""
    if len(base_hash) != 32:
        raise ValueError("a base hash is 32 bytes")
    if handle.is_identity():
        raise ValueError("a voter handle is never the identity")
    return hash_to_point(NONE_POINT_TAG, base_hash, handle)


#: A tag share's proof: the three-base Chaum--Pedersen proof of
#: :func:`~honestballot.crypto.chaum_pedersen.prove_equal_powers`, ``(e, z)``.
TagShareProof = EqualityProof


@dataclass(frozen=True, slots=True)
class TagShareEntry:
    """One row of a trustee's tag share: ``(y_j*alpha, y_j*beta)`` and its proof."""

    share: Ciphertext
    proof: TagShareProof


@dataclass(frozen=True, slots=True)
class TagShare:
    """Trustee ``trustee``'s tag share of a list: one entry per input row, in order."""

    trustee: int
    entries: tuple[TagShareEntry, ...]


def prove_tag_entry(
    context: tuple[Part, ...],
    trustee: int,
    row: int,
    key_share: Scalar,
    verification_key: Point,
    ct: Ciphertext,
    rng: Randomness,
) -> TagShareEntry:
    """``(y_j*alpha, y_j*beta)`` for the ciphertext in row ``row``, with its proof
    (``verification_key`` is ``y_j*G``; the caller computes it once per list)."""
    if ct.alpha.is_identity():
        raise ProtocolError(f"row {row}: a ciphertext with randomness zero is never tagged")
    share, proof = prove_equal_powers(
        TAG_SHARE_TAG, (*context, trustee, row), key_share, verification_key, ct, rng
    )
    return TagShareEntry(share, proof)


def verify_tag_entry(
    context: tuple[Part, ...],
    trustee: int,
    row: int,
    verification_key: Point,
    ct: Ciphertext,
    entry: TagShareEntry,
    what: str,
) -> None:
    """Raise :class:`InvalidProof` naming ``what`` unless ``entry`` is proven to be
    ``(y_j*alpha, y_j*beta)`` for the ``y_j`` of ``verification_key``."""
    if ct.alpha.is_identity():
        raise InvalidProof(f"{what}: the tagged ciphertext has randomness zero")
    verify_equal_powers(
        TAG_SHARE_TAG,
        (*context, trustee, row),
        verification_key,
        ct,
        entry.share,
        entry.proof,
        what,
        "tag share",
    )


def create_tag_share(
    context: tuple[Part, ...],
    trustee: int,
    key_share: Scalar,
    inputs: Sequence[Ciphertext],
    rng: Randomness,
) -> TagShare:
    """Trustee ``trustee``'s tag share of every row of ``inputs`` (5 multiplications a row)."""
    check_indices([trustee])
    if key_share.is_zero():
        raise ProtocolError(f"trustee {trustee}: the tag key share is zero")
    verification_key = base_mul(key_share)
    return TagShare(
        trustee,
        tuple(
            prove_tag_entry(context, trustee, i, key_share, verification_key, ct, rng)
            for i, ct in enumerate(inputs)
        ),
    )


def verify_tag_share(
    context: tuple[Part, ...],
    verification_key: Point,
    inputs: Sequence[Ciphertext],
    share: TagShare,
) -> None:
    """Raise :class:`InvalidProof` naming the trustee and the first bad row unless every
    entry of ``share`` is proven for its row of ``inputs`` (6 multiplications a row).
    ``verification_key`` is ``Y_j`` of ``share.trustee``, from the key ceremony."""
    who = f"tag share of trustee {share.trustee}"
    check_share_shape(
        who, share.trustee, len(share.entries), len(inputs), "rows", verification_key
    )
    for i, (ct, entry) in enumerate(zip(inputs, share.entries, strict=True)):
        verify_tag_entry(context, share.trustee, i, verification_key, ct, entry, f"{who}, row {i}")


def combine_tag_shares(
    shares: Sequence[TagShare], threshold: int, trustees: int | None = None
) -> tuple[Ciphertext, ...]:
    """``Enc(y*M_i) = (y*alpha_i, y*beta_i)`` for every row, by Lagrange from the shares
    of at least ``threshold`` distinct trustees (all given shares are used).

    The shares must already have passed :func:`verify_tag_share`; this function only
    checks their number, indices (``1..trustees`` when given, no duplicates) and
    lengths, raising :class:`ProtocolError`.  Costs ``2 * len(shares)`` variable-base
    multiplications a row.
    """
    if threshold < 1:
        raise ProtocolError(f"the threshold must be at least 1, got {threshold}")
    if len(shares) < threshold:
        raise ProtocolError(f"{len(shares)} tag share(s) given, the threshold is {threshold}")
    lambdas = lagrange_at_zero([s.trustee for s in shares], trustees)
    rows = {len(s.entries) for s in shares}
    if len(rows) != 1:
        raise ProtocolError(f"tag shares of different lengths: {sorted(rows)}")
    out = []
    for i in range(rows.pop()):
        alpha = sum_points([s.entries[i].share.alpha * lambdas[s.trustee] for s in shares])
        beta = sum_points([s.entries[i].share.beta * lambdas[s.trustee] for s in shares])
        out.append(Ciphertext(alpha, beta))
    return tuple(out)
