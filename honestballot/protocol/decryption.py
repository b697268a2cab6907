"""Threshold decryption of an encrypted tally by any k of the n trustees.

For each tally entry ``(alpha, beta)`` trustee ``l`` publishes ``D_l = x_l*alpha`` with a
Chaum--Pedersen proof that ``log_G(X_l) = log_alpha(D_l)``, the challenge binding the
election base hash, the tally hash, ``l`` and the entry id.  For a set ``S`` of at
least ``k`` trustees with valid shares::

    x*alpha = sum_{l in S} lambda_l * D_l,   lambda_l = prod_{m in S, m != l} m/(m - l)
    m*G     = beta - x*alpha

because ``x = f(0) = sum_l lambda_l x_l`` for the joint polynomial ``f = sum_{QUAL} f_i``.
Fewer than ``k`` shares are refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from honestballot.crypto.chaum_pedersen import EqualityProof, prove_equality, verify_equality
from honestballot.crypto.elgamal import Ciphertext
from honestballot.crypto.group import Point, base_mul, sum_points
from honestballot.crypto.hashing import canonical_json, hash_bytes
from honestballot.crypto.polynomial import lagrange_at_zero
from honestballot.crypto.randomness import Randomness
from honestballot.errors import InvalidProof, InvalidShare, ProtocolError, Text
from honestballot.protocol.dkg import TrusteeSecret
from honestballot.protocol.dkg_verify import ElectionKey

TAG_DECRYPTION_SHARE: Final = "decryption-share"


@dataclass(frozen=True, slots=True)
class TallyEntry:
    id: str
    ciphertext: Ciphertext


@dataclass(frozen=True, slots=True)
class EncryptedTally:
    """The aggregate ciphertexts to decrypt, one per entry (contest option, unit...)."""

    election: bytes
    entries: tuple[TallyEntry, ...]

    def __post_init__(self) -> None:
        if len(self.election) != 32:
            raise ProtocolError(  # English only: the service builds its tally itself
                "encrypted tally: election base hash must be 32 bytes"
            )
        ids = [e.id for e in self.entries]
        if len(set(ids)) != len(ids):
            raise ProtocolError(  # English only: the service builds its tally itself
                "encrypted tally: entry ids are not unique"
            )

    def to_object(self) -> dict[str, Any]:
        """The published ``encrypted-tally`` JSON object."""
        return {
            "type": "encrypted-tally",
            "version": 1,
            "election": self.election.hex(),
            "entries": [
                {"id": e.id, "alpha": e.ciphertext.alpha.hex(), "beta": e.ciphertext.beta.hex()}
                for e in self.entries
            ],
        }

    @property
    def hash(self) -> bytes:
        """``hash_bytes("encrypted-tally", canonical_bytes(object))``."""
        return hash_bytes("encrypted-tally", canonical_json(self.to_object()))


@dataclass(frozen=True, slots=True)
class ShareEntry:
    id: str
    share: Point
    proof: EqualityProof


@dataclass(frozen=True, slots=True)
class DecryptionShare:
    election: bytes
    trustee: int
    tally_hash: bytes
    entries: tuple[ShareEntry, ...]


@dataclass(frozen=True, slots=True)
class DecryptedEntry:
    id: str
    #: ``m*G``; :class:`~honestballot.crypto.dlog.DiscreteLogTable` recovers ``m``.
    plaintext: Point


@dataclass(frozen=True, slots=True)
class RejectedShare:
    trustee: int
    reason: str


@dataclass(frozen=True, slots=True)
class DecryptedTally:
    election: bytes
    tally_hash: bytes
    trustees: tuple[int, ...]
    entries: tuple[DecryptedEntry, ...]
    rejected: tuple[RejectedShare, ...] = ()


def _context(
    election: bytes, tally_hash: bytes, trustee: int, entry_id: str
) -> tuple[bytes, bytes, int, str]:
    return (election, tally_hash, trustee, entry_id)


def create_decryption_share(
    secret: TrusteeSecret, tally: EncryptedTally, rng: Randomness
) -> DecryptionShare:
    """``D_l = x_l*alpha`` and its proof for every entry of ``tally``.

    ``secret`` must hold the key share set by *accept-key*.
    """
    trustee, key_share = secret.index, secret.key_share
    if key_share is None:
        raise ProtocolError(  # English only: the trustee's own command line
            f"trustee {trustee}: no key share yet (run accept-key first)"
        )
    public = base_mul(key_share)
    th = tally.hash
    entries = []
    for e in tally.entries:
        d = e.ciphertext.alpha * key_share
        proof = prove_equality(
            TAG_DECRYPTION_SHARE,
            _context(tally.election, th, trustee, e.id),
            key_share,
            public,
            e.ciphertext.alpha,
            d,
            rng,
        )
        entries.append(ShareEntry(e.id, d, proof))
    return DecryptionShare(tally.election, trustee, th, tuple(entries))


def verify_decryption_share(
    key: ElectionKey, tally: EncryptedTally, share: DecryptionShare
) -> None:
    """Raise :class:`InvalidShare` naming the trustee (and entry) unless every ``D_l`` is
    proven to be ``x_l*alpha`` for this election, this tally and this trustee."""
    who = f"decryption share of trustee {share.trustee}"
    index = share.trustee
    if not 1 <= share.trustee <= key.ceremony.trustees:
        message = f"{who}: trustee is not in 1..{key.ceremony.trustees}"
        raise InvalidShare(Text("share.trustee", message, trustee=index, n=key.ceremony.trustees))
    if share.election != tally.election:
        message = f"{who}: is for another election"
        raise InvalidShare(Text("share.other_election", message, trustee=index))
    if share.tally_hash != tally.hash:
        raise InvalidShare(Text("share.other_tally", f"{who}: is for another tally", trustee=index))
    if [e.id for e in share.entries] != [e.id for e in tally.entries]:
        message = f"{who}: entries do not match the tally's entries"
        raise InvalidShare(Text("share.entries", message, trustee=index))
    x_l = key.verification_key(share.trustee)
    for s, t in zip(share.entries, tally.entries, strict=True):
        what = f"{who}, entry {s.id!r}"
        try:
            verify_equality(
                TAG_DECRYPTION_SHARE,
                _context(share.election, share.tally_hash, share.trustee, s.id),
                x_l,
                t.ciphertext.alpha,
                s.share,
                s.proof,
                what,
            )
        except InvalidProof as exc:
            message = str(exc)
            raise InvalidShare(Text("share.proof", message, trustee=index, entry=s.id)) from None


def combine_decryption(
    key: ElectionKey, tally: EncryptedTally, shares: Sequence[DecryptionShare]
) -> DecryptedTally:
    """Verify every share (raise :class:`InvalidShare` on the first bad one) and combine.

    Needs shares from at least ``k`` distinct trustees; all given shares are used.
    """
    if len(shares) < key.threshold:
        raise ProtocolError(  # English only: a library call; the service combines below
            f"{len(shares)} decryption share(s) given, the threshold is {key.threshold}"
        )
    for s in shares:
        verify_decryption_share(key, tally, s)
    return _combine_verified(key, tally, shares)


def _combine_verified(
    key: ElectionKey, tally: EncryptedTally, shares: Sequence[DecryptionShare]
) -> DecryptedTally:
    """Lagrange-combine shares whose proofs have already been checked."""
    lambdas = lagrange_at_zero([s.trustee for s in shares], key.ceremony.trustees)
    entries = []
    for pos, t in enumerate(tally.entries):
        x_alpha = sum_points([s.entries[pos].share * lambdas[s.trustee] for s in shares])
        entries.append(DecryptedEntry(t.id, t.ciphertext.beta - x_alpha))
    return DecryptedTally(tally.election, tally.hash, tuple(sorted(lambdas)), tuple(entries))


def combine_valid_shares(
    key: ElectionKey, tally: EncryptedTally, shares: Sequence[DecryptionShare]
) -> DecryptedTally:
    """Take ALL submitted shares, drop (and name) invalid or duplicate ones, and combine
    the ``k`` valid ones with the lowest trustee indices.  ProtocolError if fewer than
    ``k`` remain, listing why the others were rejected."""
    rejected: list[RejectedShare] = []
    valid: dict[int, DecryptionShare] = {}
    for s in shares:
        if s.trustee in valid:
            rejected.append(RejectedShare(s.trustee, "duplicate share from this trustee"))
            continue
        try:
            verify_decryption_share(key, tally, s)
        except InvalidShare as exc:
            rejected.append(RejectedShare(s.trustee, str(exc)))
            continue
        valid[s.trustee] = s
    if len(valid) < key.threshold:
        why = "; ".join(f"trustee {r.trustee}: {r.reason}" for r in rejected) or "none rejected"
        message = (
            f"only {len(valid)} valid decryption share(s), the threshold is {key.threshold} ({why})"
        )
        raise ProtocolError(
            Text("share.too_few", message, valid=len(valid), threshold=key.threshold)
        )
    chosen = [valid[i] for i in sorted(valid)[: key.threshold]]
    result = _combine_verified(key, tally, chosen)
    return DecryptedTally(
        result.election, result.tally_hash, result.trustees, result.entries, tuple(rejected)
    )
