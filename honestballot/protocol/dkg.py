"""k-of-n distributed key generation (joint Feldman): the values and each trustee's steps.

Trustees are numbered ``1..n``; any ``k`` of them can decrypt, ``k-1`` learn nothing.

1. *init*: trustee ``i`` draws a communication key ``Y_i = y_i*G`` (for receiving
   encrypted shares) and proves knowledge of ``y_i`` bound to (ceremony, i, name).
2. *deal*: trustee ``i`` draws ``f_i(z) = a_{i,0} + ... + a_{i,k-1} z^{k-1}``, publishes
   ``C_{i,j} = a_{i,j}*G``, a proof of knowledge of ``a_{i,0}`` bound to (ceremony, i,
   C_i), and ``f_i(l)`` encrypted to ``Y_l`` for every ``l != i``.
3. *check*: trustee ``l`` decrypts ``f_i(l)`` and checks ``f_i(l)*G == sum_j C_{i,j} l^j``;
   for a bad share it publishes a :class:`Complaint` revealing ``K = y_l*E`` with a
   Chaum--Pedersen proof ``log_G(Y_l) = log_E(K)``, so anyone can open that share.
4. *finalize* (:mod:`honestballot.protocol.dkg_verify`): QUAL, ``H = sum C_{i,0}`` and
   ``X_l = sum_{i in QUAL} sum_j C_{i,j} l^j``; trustee ``l`` then keeps
   ``x_l = sum_{i in QUAL} f_i(l)`` (so ``x_l*G == X_l``).

One ceremony runs steps 2--4 three times, once per key, with the labels of
:data:`KEY_LABELS`: ``"x"`` for the election key ``H`` and ``"y1"``, ``"y2"`` for the two
tag keys ``Y1``, ``Y2`` of the close (docs/coercion.md, section 7).  Each trustee has one
communication key; a dealer is qualified only if none of its three deals is disqualified,
so one QUAL holds for all three keys.

The ceremony hash -- ``hash_bytes("key-ceremony", canonical JSON of the ceremony)`` --
is bound into every proof of the ceremony; each key's deals, share encryptions and
complaints bind its *key hash* ``hash_bytes("dkg-key", ceremony hash, label)``
(:func:`key_hash`), so a share or proof of one key never passes for another's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from honestballot.crypto.chaum_pedersen import EqualityProof, prove_equality
from honestballot.crypto.group import Point, Scalar, base_mul
from honestballot.crypto.hashing import canonical_json, hash_bytes
from honestballot.crypto.polynomial import commit, evaluate, evaluate_commitments, random_polynomial
from honestballot.crypto.randomness import Randomness, random_nonzero_scalar
from honestballot.crypto.schnorr import SchnorrProof, prove_dlog, verify_dlog
from honestballot.crypto.share_encryption import (
    EncryptedShare,
    ShareContext,
    decrypt_share,
    dh_point,
    encrypt_share,
)
from honestballot.errors import InvalidShare, ProtocolError

#: Upper bound on n (keeps every ceremony file well under the record size limits).
MAX_TRUSTEES: Final = 32

TAG_COMMUNICATION_KEY: Final = "dkg-communication-key"
TAG_COEFFICIENT_POK: Final = "dkg-coefficient-pok"
TAG_COMPLAINT: Final = "dkg-complaint"
TAG_KEY: Final = "dkg-key"

#: The three keys of one ceremony, in this order everywhere: the election key and the
#: two tag keys.
KEY_LABELS: Final = ("x", "y1", "y2")


def key_hash(ceremony_hash: bytes, label: str) -> bytes:
    """The context of every deal, share encryption and complaint of key ``label``."""
    if label not in KEY_LABELS:
        raise ProtocolError(f"key label {label!r} is not one of {list(KEY_LABELS)}")
    return hash_bytes(TAG_KEY, ceremony_hash, label)


@dataclass(frozen=True, slots=True)
class Ceremony:
    """What the organiser fixes before the trustees start: who, how many, what threshold."""

    election_id: str
    manifest_hash: bytes
    trustees: int
    threshold: int

    def __post_init__(self) -> None:
        if not 1 <= self.trustees <= MAX_TRUSTEES:
            raise ProtocolError(f"ceremony: trustees must be in 1..{MAX_TRUSTEES}")
        if not 1 <= self.threshold <= self.trustees:
            raise ProtocolError("ceremony: threshold must satisfy 1 <= k <= n")
        if len(self.manifest_hash) != 32:
            raise ProtocolError("ceremony: manifest_hash must be 32 bytes")

    def to_object(self) -> dict[str, Any]:
        """The published ``key-ceremony`` JSON object."""
        return {
            "type": "key-ceremony",
            "version": 1,
            "election_id": self.election_id,
            "manifest_hash": self.manifest_hash.hex(),
            "trustees": self.trustees,
            "threshold": self.threshold,
        }

    @property
    def hash(self) -> bytes:
        """``hash_bytes("key-ceremony", canonical_bytes(object))``: the context of every proof."""
        return hash_bytes("key-ceremony", canonical_json(self.to_object()))


@dataclass(frozen=True, slots=True, repr=False)
class TrusteeSecret:
    """One trustee's private state; it never prints its secret values.

    ``polynomials`` (one per key, in the order of :data:`KEY_LABELS`) are set by *deal*
    and dropped by *accept-key*, which sets ``key_share`` (of the election key ``x``) and
    ``tag_key_shares`` (of ``y1`` and ``y2``).
    """

    ceremony: Ceremony
    index: int
    name: str
    communication_secret: Scalar
    polynomials: tuple[tuple[Scalar, ...], ...] | None = None
    key_share: Scalar | None = None
    tag_key_shares: tuple[Scalar, ...] | None = None

    def __post_init__(self) -> None:
        if self.polynomials is not None and len(self.polynomials) != len(KEY_LABELS):
            raise ProtocolError(f"trustee secret: {len(KEY_LABELS)} polynomials expected")
        if (self.key_share is None) != (self.tag_key_shares is None):
            raise ProtocolError("trustee secret: the three key shares come together")
        if self.tag_key_shares is not None and len(self.tag_key_shares) != len(KEY_LABELS) - 1:
            raise ProtocolError(f"trustee secret: {len(KEY_LABELS) - 1} tag key shares expected")

    def polynomial(self, label: str) -> tuple[Scalar, ...] | None:
        """This trustee's polynomial for key ``label``, once dealt and until accepted."""
        if self.polynomials is None:
            return None
        return self.polynomials[KEY_LABELS.index(label)]

    def __repr__(self) -> str:
        if self.key_share is not None:
            phase = "key accepted"
        elif self.polynomials is not None:
            phase = "dealt"
        else:
            phase = "initialised"
        return f"TrusteeSecret(trustee={self.index}, name={self.name!r}, {phase}, secrets hidden)"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class TrusteePublic:
    """A trustee's communication key and its proof of possession."""

    ceremony_hash: bytes
    index: int
    name: str
    communication_key: Point
    proof: SchnorrProof


@dataclass(frozen=True, slots=True)
class DealtShare:
    recipient: int
    encrypted: EncryptedShare


@dataclass(frozen=True, slots=True)
class Deal:
    """Dealer ``i``'s Feldman commitments, proof of knowledge of ``a_{i,0}``, and shares,
    for the key ``label``."""

    ceremony_hash: bytes
    dealer: int
    label: str
    commitments: tuple[Point, ...]
    proof: SchnorrProof
    shares: tuple[DealtShare, ...]

    def share_for(self, recipient: int) -> EncryptedShare:
        for s in self.shares:
            if s.recipient == recipient:
                return s.encrypted
        raise InvalidShare(f"dealer {self.dealer}: no share for trustee {recipient}")


@dataclass(frozen=True, slots=True)
class Complaint:
    """Trustee ``complainant`` says dealer's share to it is bad; ``dh_point`` opens it."""

    ceremony_hash: bytes
    complainant: int
    dealer: int
    label: str
    dh_point: Point
    proof: EqualityProof


def share_context(ceremony_hash: bytes, label: str, dealer: int, recipient: int) -> ShareContext:
    return ShareContext(key_hash(ceremony_hash, label), dealer, recipient)


def complaint_context(
    ceremony_hash: bytes, label: str, complainant: int, dealer: int, ct: bytes
) -> tuple[bytes, int, int, bytes]:
    return (key_hash(ceremony_hash, label), complainant, dealer, ct)


# -- step 1: init -------------------------------------------------------------------


def create_trustee(
    ceremony: Ceremony, index: int, name: str, rng: Randomness
) -> tuple[TrusteeSecret, TrusteePublic]:
    """A fresh communication key pair and its public record with a Schnorr PoK."""
    if not 1 <= index <= ceremony.trustees:
        raise ProtocolError(f"trustee index {index} is not in 1..{ceremony.trustees}")
    y = random_nonzero_scalar(rng)
    key = base_mul(y)
    h = ceremony.hash
    proof = prove_dlog(TAG_COMMUNICATION_KEY, (h, index, name), y, key, rng)
    return TrusteeSecret(ceremony, index, name, y), TrusteePublic(h, index, name, key, proof)


def verify_trustee_public(ceremony: Ceremony, public: TrusteePublic) -> None:
    """Raise unless ``public`` belongs to this ceremony and its PoK verifies."""
    what = f"trustee {public.index} communication key"
    if public.ceremony_hash != ceremony.hash:
        raise ProtocolError(f"{what}: belongs to another ceremony")
    if not 1 <= public.index <= ceremony.trustees:
        raise ProtocolError(f"{what}: index is not in 1..{ceremony.trustees}")
    verify_dlog(
        TAG_COMMUNICATION_KEY,
        (public.ceremony_hash, public.index, public.name),
        public.communication_key,
        public.proof,
        what,
    )


def publics_by_index(ceremony: Ceremony, publics: Sequence[TrusteePublic]) -> dict[int, Point]:
    """Check one valid public record per trustee ``1..n``; map index -> communication key."""
    out: dict[int, Point] = {}
    for p in publics:
        verify_trustee_public(ceremony, p)
        if p.index in out:
            raise ProtocolError(f"trustee {p.index}: two communication keys")
        out[p.index] = p.communication_key
    missing = sorted(set(range(1, ceremony.trustees + 1)) - set(out))
    if missing:
        raise ProtocolError(f"missing communication keys of trustee(s) {missing}")
    return out


# -- step 2: deal -------------------------------------------------------------------


def create_deal(
    secret: TrusteeSecret, publics: Sequence[TrusteePublic], rng: Randomness
) -> tuple[TrusteeSecret, tuple[Deal, ...]]:
    """Draw (or reuse, if already dealt) one polynomial per key and publish, for each key,
    its commitments and shares (three deals, in the order of :data:`KEY_LABELS`)."""
    c = secret.ceremony
    keys = publics_by_index(c, publics)
    if keys[secret.index] != base_mul(secret.communication_secret):
        raise ProtocolError(f"trustee {secret.index}: the published key is not this trustee's")
    polys = secret.polynomials or tuple(random_polynomial(c.threshold - 1, rng) for _ in KEY_LABELS)
    h = c.hash
    deals = []
    for label, poly in zip(KEY_LABELS, polys, strict=True):
        commitments = commit(poly)
        proof = prove_dlog(
            TAG_COEFFICIENT_POK,
            (key_hash(h, label), secret.index, commitments),
            poly[0],
            commitments[0],
            rng,
        )
        shares = tuple(
            DealtShare(
                r,
                encrypt_share(
                    evaluate(poly, r), keys[r], share_context(h, label, secret.index, r), rng
                ),
            )
            for r in range(1, c.trustees + 1)
            if r != secret.index
        )
        deals.append(Deal(h, secret.index, label, commitments, proof, shares))
    return replace(secret, polynomials=polys), tuple(deals)


def verify_deal_public(ceremony: Ceremony, deal: Deal) -> None:
    """The publicly checkable part of a deal: ceremony, shape, recipients, PoK of ``a_0``."""
    what = f"deal of trustee {deal.dealer} for key {deal.label!r}"
    if deal.ceremony_hash != ceremony.hash:
        raise ProtocolError(f"{what}: belongs to another ceremony")
    if deal.label not in KEY_LABELS:
        raise ProtocolError(f"{what}: the key label is not one of {list(KEY_LABELS)}")
    if not 1 <= deal.dealer <= ceremony.trustees:
        raise ProtocolError(f"{what}: dealer index is not in 1..{ceremony.trustees}")
    if len(deal.commitments) != ceremony.threshold:
        raise InvalidShare(
            f"{what}: {len(deal.commitments)} commitments, expected {ceremony.threshold}"
        )
    recipients = [s.recipient for s in deal.shares]
    expected = [r for r in range(1, ceremony.trustees + 1) if r != deal.dealer]
    if recipients != expected:
        raise InvalidShare(f"{what}: shares are addressed to {recipients}, expected {expected}")
    verify_dlog(
        TAG_COEFFICIENT_POK,
        (key_hash(deal.ceremony_hash, deal.label), deal.dealer, deal.commitments),
        deal.commitments[0],
        deal.proof,
        f"{what}: proof of knowledge of the constant term",
    )


def check_share(deal: Deal, recipient: int, share: Scalar) -> None:
    """Raise :class:`InvalidShare` unless ``share*G == sum_j C_j * recipient^j``."""
    if base_mul(share) != evaluate_commitments(deal.commitments, recipient):
        raise InvalidShare(
            f"share from dealer {deal.dealer} to trustee {recipient} (key {deal.label!r}): "
            "does not match the dealer's commitments"
        )


def open_own_share(secret: TrusteeSecret, deal: Deal) -> Scalar:
    """Decrypt and check the share ``deal`` addresses to ``secret``'s trustee."""
    enc = deal.share_for(secret.index)
    ctx = share_context(deal.ceremony_hash, deal.label, deal.dealer, secret.index)
    share = decrypt_share(secret.communication_secret, enc, ctx)
    check_share(deal, secret.index, share)
    return share


# -- step 3: check ------------------------------------------------------------------


def deals_by_dealer(ceremony: Ceremony, deals: Sequence[Deal]) -> dict[int, dict[str, Deal]]:
    """Check every deal's public part; map dealer -> label -> deal.

    A dealer present must have dealt every key once: a trustee without deals is simply
    not a dealer, one with some keys' deals missing is refused."""
    out: dict[int, dict[str, Deal]] = {}
    for deal in deals:
        verify_deal_public(ceremony, deal)
        mine = out.setdefault(deal.dealer, {})
        if deal.label in mine:
            raise ProtocolError(f"trustee {deal.dealer}: two deals for key {deal.label!r}")
        mine[deal.label] = deal
    for dealer, mine in out.items():
        missing = [label for label in KEY_LABELS if label not in mine]
        if missing:
            raise ProtocolError(f"trustee {dealer}: no deal for key(s) {missing}")
    return out


def check_deals(
    secret: TrusteeSecret, deals: Sequence[Deal], rng: Randomness
) -> tuple[Complaint, ...]:
    """Open every other dealer's shares to this trustee; a complaint for each bad one.

    Each deal's public part must verify, and a dealer must have dealt all three keys
    (raise otherwise: leave that file out, and its dealer is then absent).  This
    trustee's own deals must match its polynomials."""
    c = secret.ceremony
    complaints: list[Complaint] = []
    for dealer, mine in sorted(deals_by_dealer(c, deals).items()):
        for label in KEY_LABELS:
            deal = mine[label]
            if dealer == secret.index:
                poly = secret.polynomial(label)
                if poly is None or deal.commitments != commit(poly):
                    raise ProtocolError(
                        f"deal of trustee {dealer} for key {label!r}: is not this trustee's deal"
                    )
                continue
            try:
                open_own_share(secret, deal)
            except InvalidShare:
                complaints.append(make_complaint(secret, deal, rng))
    return tuple(complaints)


def make_complaint(secret: TrusteeSecret, deal: Deal, rng: Randomness) -> Complaint:
    """Reveal ``K = y*E`` for the share from ``deal`` and prove ``log_G(Y) = log_E(K)``."""
    enc = deal.share_for(secret.index)
    k = dh_point(secret.communication_secret, enc)
    ctx = complaint_context(
        deal.ceremony_hash, deal.label, secret.index, deal.dealer, enc.ciphertext
    )
    proof = prove_equality(
        TAG_COMPLAINT,
        ctx,
        secret.communication_secret,
        base_mul(secret.communication_secret),
        enc.ephemeral,
        k,
        rng,
    )
    return Complaint(deal.ceremony_hash, secret.index, deal.dealer, deal.label, k, proof)
