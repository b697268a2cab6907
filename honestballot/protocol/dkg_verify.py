"""Finalising and re-verifying a key ceremony from its public transcript.

:func:`verify_ceremony` is what *finalize* runs and what any verifier re-runs:

* every trustee ``1..n`` has one communication key with a valid PoK;
* every deal present verifies publicly (shape, recipients, PoK of ``a_{i,0}``);
  a trustee without a deal is simply not a dealer;
* every trustee that ran *check* published one complaints file, possibly empty; the
  transcript keeps every file (``checked`` lists their authors), so anyone can see
  which trustees checked the shares addressed to them;
* every complaint carries a valid Chaum--Pedersen proof ``log_G(Y_l) = log_E(K)``;
  with ``K`` anyone opens that one share: if it does not decrypt, or
  ``f_i(l)*G != sum_j C_{i,j} l^j``, the complaint is *upheld* and dealer ``i`` is
  disqualified; otherwise it is *rejected* (and recorded);
* ``QUAL`` = dealers present and not disqualified, ``|QUAL| >= k``;
* ``H = sum_{i in QUAL} C_{i,0}``,  ``X_l = sum_{i in QUAL} sum_j C_{i,j} l^j``.

Any inconsistency raises a specific exception naming the trustee and the check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from honestballot.crypto.chaum_pedersen import verify_equality
from honestballot.crypto.group import Point, Scalar, base_mul, sum_points
from honestballot.crypto.polynomial import commit, evaluate, evaluate_commitments
from honestballot.crypto.share_encryption import open_with_dh_point
from honestballot.errors import InvalidShare, ProtocolError
from honestballot.protocol.dkg import (
    TAG_COMPLAINT,
    Ceremony,
    Complaint,
    Deal,
    TrusteePublic,
    TrusteeSecret,
    check_share,
    complaint_context,
    open_own_share,
    publics_by_index,
    share_context,
    verify_deal_public,
)


@dataclass(frozen=True, slots=True)
class ComplaintRuling:
    complainant: int
    dealer: int
    upheld: bool
    reason: str


@dataclass(frozen=True, slots=True)
class ElectionKey:
    """The outcome of a ceremony together with the whole transcript it follows from."""

    ceremony: Ceremony
    publics: tuple[TrusteePublic, ...]
    deals: tuple[Deal, ...]
    complaints: tuple[Complaint, ...]
    rulings: tuple[ComplaintRuling, ...]
    qualified: tuple[int, ...]
    public_key: Point
    #: ``verification_keys[l-1] = X_l``.
    verification_keys: tuple[Point, ...]
    #: the trustees whose complaints file (empty or not) is in the transcript, ascending;
    #: every complaint is in its complainant's file
    checked: tuple[int, ...] = ()

    def verification_key(self, trustee: int) -> Point:
        if not 1 <= trustee <= self.ceremony.trustees:
            raise ProtocolError(f"trustee {trustee} is not in 1..{self.ceremony.trustees}")
        return self.verification_keys[trustee - 1]

    @property
    def threshold(self) -> int:
        return self.ceremony.threshold


def rule_on_complaint(
    ceremony: Ceremony, keys: dict[int, Point], deals: dict[int, Deal], complaint: Complaint
) -> ComplaintRuling:
    """Check the complaint's proof (raise if it fails) and decide whether it is upheld."""
    l_idx, i_idx = complaint.complainant, complaint.dealer
    what = f"complaint of trustee {l_idx} against dealer {i_idx}"
    if complaint.ceremony_hash != ceremony.hash:
        raise ProtocolError(f"{what}: belongs to another ceremony")
    if l_idx not in keys:
        raise ProtocolError(f"{what}: complainant is not in 1..{ceremony.trustees}")
    if l_idx == i_idx:
        raise ProtocolError(f"{what}: a trustee cannot complain about its own deal")
    deal = deals.get(i_idx)
    if deal is None:
        raise ProtocolError(f"{what}: there is no deal from trustee {i_idx}")
    enc = deal.share_for(l_idx)
    verify_equality(
        TAG_COMPLAINT,
        complaint_context(complaint.ceremony_hash, l_idx, i_idx, enc.ciphertext),
        keys[l_idx],
        enc.ephemeral,
        complaint.dh_point,
        complaint.proof,
        what,
    )
    try:
        share = open_with_dh_point(
            complaint.dh_point, enc, keys[l_idx], share_context(deal.ceremony_hash, i_idx, l_idx)
        )
        check_share(deal, l_idx, share)
    except InvalidShare as exc:
        return ComplaintRuling(l_idx, i_idx, True, f"upheld: {exc}")
    return ComplaintRuling(l_idx, i_idx, False, "rejected: the share matches the commitments")


def verify_ceremony(
    ceremony: Ceremony,
    publics: Sequence[TrusteePublic],
    deals: Sequence[Deal],
    complaints: Sequence[Complaint],
    checked: Sequence[int] | None = None,
) -> ElectionKey:
    """Check the transcript and derive QUAL, ``H`` and every ``X_l`` (see module doc).

    ``checked`` lists the trustees that published a complaints file (one file each,
    empty ones included); without it, the complainants of ``complaints``."""
    keys = publics_by_index(ceremony, publics)
    files = _checked(ceremony, complaints, checked)
    by_dealer: dict[int, Deal] = {}
    for deal in deals:
        verify_deal_public(ceremony, deal)
        if deal.dealer in by_dealer:
            raise ProtocolError(f"trustee {deal.dealer}: two deals")
        by_dealer[deal.dealer] = deal
    rulings: list[ComplaintRuling] = []
    seen: set[tuple[int, int]] = set()
    for complaint in sorted(complaints, key=lambda c: (c.complainant, c.dealer)):
        pair = (complaint.complainant, complaint.dealer)
        if pair in seen:
            raise ProtocolError(f"trustee {pair[0]}: two complaints against dealer {pair[1]}")
        seen.add(pair)
        rulings.append(rule_on_complaint(ceremony, keys, by_dealer, complaint))
    disqualified = {r.dealer for r in rulings if r.upheld}
    qualified = tuple(sorted(set(by_dealer) - disqualified))
    if len(qualified) < ceremony.threshold:
        raise ProtocolError(
            f"only {len(qualified)} qualified dealer(s) {list(qualified)}, "
            f"threshold is {ceremony.threshold}: the ceremony must be rerun"
        )
    public_key = sum_points([by_dealer[i].commitments[0] for i in qualified])
    verification_keys = tuple(
        sum_points([evaluate_commitments(by_dealer[i].commitments, idx) for i in qualified])
        for idx in range(1, ceremony.trustees + 1)
    )
    return ElectionKey(
        ceremony=ceremony,
        publics=tuple(sorted(publics, key=lambda p: p.index)),
        deals=tuple(by_dealer[i] for i in sorted(by_dealer)),
        complaints=tuple(sorted(complaints, key=lambda c: (c.complainant, c.dealer))),
        rulings=tuple(rulings),
        qualified=qualified,
        public_key=public_key,
        verification_keys=verification_keys,
        checked=files,
    )


def _checked(
    ceremony: Ceremony, complaints: Sequence[Complaint], checked: Sequence[int] | None
) -> tuple[int, ...]:
    """The authors of the complaints files, ascending: one file per trustee at most, and
    every complaint inside its complainant's file."""
    if checked is None:
        return tuple(sorted({c.complainant for c in complaints}))
    seen: set[int] = set()
    for idx in checked:
        if not 1 <= idx <= ceremony.trustees:
            raise ProtocolError(f"complaints file of trustee {idx}: not in 1..{ceremony.trustees}")
        if idx in seen:
            raise ProtocolError(f"trustee {idx}: two complaints files")
        seen.add(idx)
    for c in complaints:
        if c.complainant not in seen:
            raise ProtocolError(
                f"complaint of trustee {c.complainant} against dealer {c.dealer}: "
                "not in a complaints file of that trustee"
            )
    return tuple(sorted(seen))


def verify_election_key(key: ElectionKey) -> None:
    """Re-run :func:`verify_ceremony` on the embedded transcript; the stated outcome must
    match it exactly (raise :class:`InvalidShare` naming the field otherwise)."""
    again = verify_ceremony(key.ceremony, key.publics, key.deals, key.complaints, key.checked)
    if again.rulings != key.rulings:
        raise InvalidShare("election key: the complaint rulings do not follow from the transcript")
    if again.qualified != key.qualified:
        raise InvalidShare(
            f"election key: QUAL is {list(again.qualified)}, the key states {list(key.qualified)}"
        )
    if again.public_key != key.public_key:
        raise InvalidShare("election key: the joint public key is not the sum of C_{i,0}")
    for idx, (want, got) in enumerate(
        zip(again.verification_keys, key.verification_keys, strict=True), start=1
    ):
        if want != got:
            raise InvalidShare(f"election key: verification key of trustee {idx} is wrong")


def accept_election_key(secret: TrusteeSecret, key: ElectionKey) -> TrusteeSecret:
    """Verify ``key``, compute ``x_l = sum_{i in QUAL} f_i(l)``, check ``x_l*G == X_l``.

    The returned secret holds ``key_share`` and no longer the polynomial.  Accepting
    again with a share already stored only re-checks it.
    """
    verify_election_key(key)
    what = f"trustee {secret.index}"
    if key.ceremony != secret.ceremony:
        raise ProtocolError(f"{what}: the election key is from another ceremony")
    if len(key.verification_keys) != secret.ceremony.trustees:
        raise ProtocolError(f"{what}: the election key has the wrong number of trustees")
    target = key.verification_key(secret.index)
    if secret.polynomial is None:
        if secret.key_share is None:
            raise ProtocolError(f"{what}: has not dealt, so it cannot accept a key")
        if base_mul(secret.key_share) != target:
            raise InvalidShare(f"{what}: stored key share does not match X_{secret.index}")
        return secret
    share = Scalar(0)
    for deal in key.deals:
        if deal.dealer not in key.qualified:
            continue
        if deal.dealer == secret.index:
            if deal.commitments != commit(secret.polynomial):
                raise ProtocolError(f"{what}: the election key carries a different deal of ours")
            share = share + evaluate(secret.polynomial, secret.index)
        else:
            share = share + open_own_share(secret, deal)
    if base_mul(share) != target:
        raise InvalidShare(f"{what}: x_l*G does not equal the published X_{secret.index}")
    return replace(secret, polynomial=None, key_share=share)
