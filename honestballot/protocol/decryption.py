"""Threshold decryption of an encrypted tally by any k of the n trustees.

For each tally entry ``(alpha, beta)`` trustee ``l`` publishes ``D_l = x_l*alpha`` with a
Chaum--Pedersen proof that ``log_G(X_l) = log_alpha(D_l)``, the challenge binding the
election base hash, the tally hash, ``l`` and the entry id.  For a set ``S`` of at
least ``k`` trustees with valid shares::

    x*alpha = sum_{l in S} lambda_l * D_l,   lambda_l = prod_{m in S, m != l} m/(m - l)
    m*G     = beta - x*alpha

because ``x = f(0) = sum_l lambda_l x_l`` for the joint polynomial ``f = sum_{QUAL} f_i``.
Fewer than ``k`` shares are refused.

A contest counted by mixing adds to the tally the ciphertexts of its last mix's rows
(``contest#row/slot``).  They are on the board already, in the mix's parts, so the
published tally names the mix by its digest (:class:`MixedRows`) instead of repeating
them; :attr:`EncryptedTally.all_entries` is every entry a trustee decrypts, the named
rows' included, and a share's ``entries`` follow it (protocol/share_parts.py puts the
mixed rows' shares on the board in parts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
from honestballot.protocol.ranked import row_entry_id

TAG_DECRYPTION_SHARE: Final = "decryption-share"

Rows = tuple[tuple[Ciphertext, ...], ...]


@dataclass(frozen=True, slots=True)
class TallyEntry:
    id: str
    ciphertext: Ciphertext


@dataclass(frozen=True, slots=True)
class MixedRows:
    """A contest counted by mixing, as the tally names it: the last mix of its chain (by
    the digest its trustee signed) and that mix's rows, whose ciphertexts are decrypted
    one by one (``slots``: the option ids, or ``rank-1 … rank-r``, in row order)."""

    contest: str
    mix: bytes
    slots: tuple[str, ...]
    rows: Rows

    def __post_init__(self) -> None:
        if len(self.mix) != 32:
            raise ProtocolError(  # English only: the service builds its tally itself
                "encrypted tally: a mix digest must be 32 bytes"
            )
        if any(len(row) != len(self.slots) for row in self.rows):
            raise ProtocolError(  # English only: the service builds its tally itself
                f"encrypted tally: contest {self.contest!r}: a row of another width"
            )

    def entries(self) -> list[TallyEntry]:
        return [
            TallyEntry(row_entry_id(self.contest, i, slot), ct)
            for i, row in enumerate(self.rows)
            for slot, ct in zip(self.slots, row, strict=True)
        ]


@dataclass(frozen=True, slots=True)
class EncryptedTally:
    """The aggregate ciphertexts to decrypt, one per entry (contest option, unit...), and
    the mixed contests' rows, named by their mix (:class:`MixedRows`)."""

    election: bytes
    #: the entries the published tally lists: the sums (totals, then units broken out)
    entries: tuple[TallyEntry, ...]
    mixes: tuple[MixedRows, ...] = ()
    #: ``entries`` then every mixed ciphertext, contest by contest: what is decrypted
    all_entries: tuple[TallyEntry, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.election) != 32:
            raise ProtocolError(  # English only: the service builds its tally itself
                "encrypted tally: election base hash must be 32 bytes"
            )
        every = self.entries + tuple(e for m in self.mixes for e in m.entries())
        ids = [e.id for e in every]
        if len(set(ids)) != len(ids):
            raise ProtocolError(  # English only: the service builds its tally itself
                "encrypted tally: entry ids are not unique"
            )
        object.__setattr__(self, "all_entries", every)

    def to_object(self) -> dict[str, Any]:
        """The published ``encrypted-tally`` JSON object."""
        return self.published().to_object()

    def published(self) -> PublishedTally:
        """What the board shows of this tally."""
        refs = tuple(MixRef(m.contest, m.mix, len(m.rows)) for m in self.mixes)
        return PublishedTally(self.election, self.entries, refs)

    @property
    def hash(self) -> bytes:
        """``hash_bytes("encrypted-tally", canonical_bytes(object))``."""
        return self.published().hash


@dataclass(frozen=True, slots=True)
class MixRef:
    """A mixed contest as the published tally names it: its last mix's digest and rows."""

    contest: str
    mix: bytes
    rows: int


@dataclass(frozen=True, slots=True)
class PublishedTally:
    """The ``encrypted-tally`` object as it stands on the board: the listed entries and,
    for a contest counted by mixing, the mix whose rows it decrypts, by digest
    (:meth:`resolve` reads those rows into the :class:`EncryptedTally`)."""

    election: bytes
    entries: tuple[TallyEntry, ...]
    mixes: tuple[MixRef, ...]

    def to_object(self) -> dict[str, Any]:
        """The published ``encrypted-tally`` JSON object (``mixes`` only when a contest
        is counted by mixing)."""
        obj: dict[str, Any] = {
            "type": "encrypted-tally",
            "version": 1,
            "election": self.election.hex(),
            "entries": [
                {"id": e.id, "alpha": e.ciphertext.alpha.hex(), "beta": e.ciphertext.beta.hex()}
                for e in self.entries
            ],
        }
        if self.mixes:
            obj["mixes"] = [
                {"contest": m.contest, "mix": m.mix.hex(), "rows": m.rows} for m in self.mixes
            ]
        return obj

    @property
    def hash(self) -> bytes:
        """``hash_bytes("encrypted-tally", canonical_bytes(object))``."""
        return hash_bytes("encrypted-tally", canonical_json(self.to_object()))

    def resolve(
        self, last_mixes: Mapping[str, tuple[bytes, Sequence[str], Rows]]
    ) -> EncryptedTally:
        """The tally with its mixed rows: ``last_mixes`` maps a contest to the digest,
        slot ids and rows of a valid mix of its chain (its last, where the tally is
        computed or checked); the tally must name exactly that mix, with its number of
        rows."""
        named = []
        for ref in self.mixes:
            found = last_mixes.get(ref.contest)
            if found is None or found[0] != ref.mix:
                raise ProtocolError(  # English only: the service names its own last mixes
                    f"the tally names mix {ref.mix.hex()[:16]}… of contest {ref.contest!r}, "
                    "which is not a valid mix of its chain on the board"
                )
            digest, slots, rows = found
            if len(rows) != ref.rows:
                raise ProtocolError(  # English only: the service names its own last mixes
                    f"the tally gives contest {ref.contest!r} {ref.rows} rows; its mix has "
                    f"{len(rows)}"
                )
            named.append(MixedRows(ref.contest, digest, tuple(slots), tuple(rows)))
        return EncryptedTally(self.election, self.entries, tuple(named))


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
    for e in tally.all_entries:
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


def verify_share_entries(
    key: ElectionKey,
    tally: EncryptedTally | PublishedTally,
    trustee: int,
    entries: Sequence[ShareEntry],
    ciphertexts: Sequence[Ciphertext],
) -> None:
    """Raise :class:`InvalidShare` naming the trustee and entry unless every ``D_l`` of
    ``entries`` is proven to be ``x_l*alpha`` of its ciphertext, for this election, this
    tally and this trustee."""
    who = f"decryption share of trustee {trustee}"
    x_l = key.verification_key(trustee)
    th = tally.hash
    for s, ct in zip(entries, ciphertexts, strict=True):
        try:
            verify_equality(
                TAG_DECRYPTION_SHARE,
                _context(tally.election, th, trustee, s.id),
                x_l,
                ct.alpha,
                s.share,
                s.proof,
                f"{who}, entry {s.id!r}",
            )
        except InvalidProof as exc:
            message = str(exc)
            raise InvalidShare(Text("share.proof", message, trustee=trustee, entry=s.id)) from None


def check_share_header(
    key: ElectionKey,
    tally: EncryptedTally | PublishedTally,
    trustee: int,
    election: bytes,
    tally_hash: bytes,
    ids: Sequence[str],
    expected: Sequence[str],
) -> None:
    """Raise :class:`InvalidShare` unless a share (or a share's head) of ``trustee``,
    for ``election`` and ``tally_hash``, lists the entries ``expected`` (``ids``, in
    order): what is checked before any proof."""
    who = f"decryption share of trustee {trustee}"
    if not 1 <= trustee <= key.ceremony.trustees:
        message = f"{who}: trustee is not in 1..{key.ceremony.trustees}"
        raise InvalidShare(Text("share.trustee", message, trustee=trustee, n=key.ceremony.trustees))
    if election != tally.election:
        message = f"{who}: is for another election"
        raise InvalidShare(Text("share.other_election", message, trustee=trustee))
    if tally_hash != tally.hash:
        raise InvalidShare(
            Text("share.other_tally", f"{who}: is for another tally", trustee=trustee)
        )
    if list(ids) != list(expected):
        message = f"{who}: entries do not match the tally's entries"
        raise InvalidShare(Text("share.entries", message, trustee=trustee))


def verify_decryption_share(
    key: ElectionKey, tally: EncryptedTally, share: DecryptionShare, *, parts_checked: bool = False
) -> None:
    """Raise :class:`InvalidShare` naming the trustee (and entry) unless every ``D_l`` is
    proven to be ``x_l*alpha`` for this election, this tally and this trustee.

    ``parts_checked``: the shares of the mixed rows come from parts already checked
    (protocol/share_parts.check_part), so only the listed entries' proofs are verified."""
    check_share_header(
        key,
        tally,
        share.trustee,
        share.election,
        share.tally_hash,
        [e.id for e in share.entries],
        [e.id for e in tally.all_entries],
    )
    upto = len(tally.entries) if parts_checked else len(tally.all_entries)
    verify_share_entries(
        key,
        tally,
        share.trustee,
        share.entries[:upto],
        [e.ciphertext for e in tally.all_entries[:upto]],
    )


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
    for pos, t in enumerate(tally.all_entries):
        x_alpha = sum_points([s.entries[pos].share * lambdas[s.trustee] for s in shares])
        entries.append(DecryptedEntry(t.id, t.ciphertext.beta - x_alpha))
    return DecryptedTally(tally.election, tally.hash, tuple(sorted(lambdas)), tuple(entries))


def combine_valid_shares(
    key: ElectionKey,
    tally: EncryptedTally,
    shares: Sequence[DecryptionShare],
    *,
    parts_checked: bool = False,
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
            verify_decryption_share(key, tally, s, parts_checked=parts_checked)
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
