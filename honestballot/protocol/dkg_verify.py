"""Finalising and re-verifying a key ceremony from its public transcript.

:func:`verify_ceremony` is what *finalize* runs and what any verifier re-runs:

* every trustee ``1..n`` has one communication key with a valid PoK;
* every deal present verifies publicly (shape, recipients, PoK of ``a_{i,0}``), and a
  dealer present dealt each of the three keys ``x``, ``y1``, ``y2`` once;
  a trustee without a deal is simply not a dealer;
* every trustee that ran *check* published one complaints file, possibly empty; the
  transcript keeps every file (``checked`` lists their authors), so anyone can see
  which trustees checked the shares addressed to them;
* every complaint carries a valid Chaum--Pedersen proof ``log_G(Y_l) = log_E(K)``;
  with ``K`` anyone opens that one share: if it does not decrypt, or
  ``f_i(l)*G != sum_j C_{i,j} l^j``, the complaint is *upheld* and dealer ``i`` is
  disqualified (for all three keys); otherwise it is *rejected* (and recorded);
* ``QUAL`` = dealers present and not disqualified, ``|QUAL| >= k``, one for all keys;
* for each key: ``H = sum_{i in QUAL} C_{i,0}``,  ``X_l = sum_{i in QUAL} sum_j C_{i,j} l^j``
  (``Y1``, ``Y1_l`` and ``Y2``, ``Y2_l`` the same over the deals of ``y1`` and ``y2``).

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
    KEY_LABELS,
    TAG_COMPLAINT,
    Ceremony,
    Complaint,
    Deal,
    TrusteePublic,
    TrusteeSecret,
    check_share,
    complaint_context,
    deals_by_dealer,
    open_own_share,
    publics_by_index,
    share_context,
)


@dataclass(frozen=True, slots=True)
class ComplaintRuling:
    complainant: int
    dealer: int
    label: str
    upheld: bool
    reason: str


@dataclass(frozen=True, slots=True)
class TagKey:
    """A tag key of the close: ``label`` is ``"y1"`` or ``"y2"``; ``public_key`` is ``Y1``
    or ``Y2``; ``verification_keys[l-1]`` is trustee ``l``'s ``Y1_l`` or ``Y2_l``."""

    label: str
    public_key: Point
    verification_keys: tuple[Point, ...]

    def verification_key(self, trustee: int) -> Point:
        if not 1 <= trustee <= len(self.verification_keys):
            raise ProtocolError(f"trustee {trustee} is not in 1..{len(self.verification_keys)}")
        return self.verification_keys[trustee - 1]


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
    #: the tag keys ``y1`` and ``y2``, in that order
    tag_keys: tuple[TagKey, ...]
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

    def tag_key(self, label: str) -> TagKey:
        for t in self.tag_keys:
            if t.label == label:
                return t
        raise ProtocolError(f"the election key has no tag key {label!r}")


def rule_on_complaint(
    ceremony: Ceremony,
    keys: dict[int, Point],
    deals: dict[int, dict[str, Deal]],
    complaint: Complaint,
) -> ComplaintRuling:
    """Check the complaint's proof (raise if it fails) and decide whether it is upheld."""
    l_idx, i_idx, label = complaint.complainant, complaint.dealer, complaint.label
    what = f"complaint of trustee {l_idx} against dealer {i_idx} (key {label!r})"
    if complaint.ceremony_hash != ceremony.hash:
        raise ProtocolError(f"{what}: belongs to another ceremony")
    if label not in KEY_LABELS:
        raise ProtocolError(f"{what}: the key label is not one of {list(KEY_LABELS)}")
    if l_idx not in keys:
        raise ProtocolError(f"{what}: complainant is not in 1..{ceremony.trustees}")
    if l_idx == i_idx:
        raise ProtocolError(f"{what}: a trustee cannot complain about its own deal")
    if i_idx not in deals:
        raise ProtocolError(f"{what}: there is no deal from trustee {i_idx}")
    deal = deals[i_idx][label]
    enc = deal.share_for(l_idx)
    verify_equality(
        TAG_COMPLAINT,
        complaint_context(complaint.ceremony_hash, label, l_idx, i_idx, enc.ciphertext),
        keys[l_idx],
        enc.ephemeral,
        complaint.dh_point,
        complaint.proof,
        what,
    )
    try:
        share = open_with_dh_point(
            complaint.dh_point,
            enc,
            keys[l_idx],
            share_context(deal.ceremony_hash, label, i_idx, l_idx),
        )
        check_share(deal, l_idx, share)
    except InvalidShare as exc:
        return ComplaintRuling(l_idx, i_idx, label, True, f"upheld: {exc}")
    return ComplaintRuling(
        l_idx, i_idx, label, False, "rejected: the share matches the commitments"
    )


def _complaint_order(c: Complaint) -> tuple[int, int, int]:
    return (c.complainant, c.dealer, KEY_LABELS.index(c.label) if c.label in KEY_LABELS else 9)


def verify_ceremony(
    ceremony: Ceremony,
    publics: Sequence[TrusteePublic],
    deals: Sequence[Deal],
    complaints: Sequence[Complaint],
    checked: Sequence[int] | None = None,
) -> ElectionKey:
    """Check the transcript and derive QUAL, ``H``, every ``X_l`` and the tag keys (see
    module doc).

    ``checked`` lists the trustees that published a complaints file (one file each,
    empty ones included); without it, the complainants of ``complaints``."""
    keys = publics_by_index(ceremony, publics)
    files = _checked(ceremony, complaints, checked)
    by_dealer = deals_by_dealer(ceremony, deals)
    rulings: list[ComplaintRuling] = []
    seen: set[tuple[int, int, str]] = set()
    ordered = sorted(complaints, key=_complaint_order)
    for complaint in ordered:
        triple = (complaint.complainant, complaint.dealer, complaint.label)
        if triple in seen:
            raise ProtocolError(
                f"trustee {triple[0]}: two complaints against dealer {triple[1]} "
                f"for key {triple[2]!r}"
            )
        seen.add(triple)
        rulings.append(rule_on_complaint(ceremony, keys, by_dealer, complaint))
    disqualified = {r.dealer for r in rulings if r.upheld}
    qualified = tuple(sorted(set(by_dealer) - disqualified))
    if len(qualified) < ceremony.threshold:
        raise ProtocolError(
            f"only {len(qualified)} qualified dealer(s) {list(qualified)}, "
            f"threshold is {ceremony.threshold}: the ceremony must be rerun"
        )
    joint = {label: _joint_key(ceremony, by_dealer, qualified, label) for label in KEY_LABELS}
    return ElectionKey(
        ceremony=ceremony,
        publics=tuple(sorted(publics, key=lambda p: p.index)),
        deals=tuple(by_dealer[i][label] for i in sorted(by_dealer) for label in KEY_LABELS),
        complaints=tuple(ordered),
        rulings=tuple(rulings),
        qualified=qualified,
        public_key=joint["x"].public_key,
        verification_keys=joint["x"].verification_keys,
        tag_keys=(joint["y1"], joint["y2"]),
        checked=files,
    )


def _joint_key(
    ceremony: Ceremony,
    by_dealer: dict[int, dict[str, Deal]],
    qualified: tuple[int, ...],
    label: str,
) -> TagKey:
    """Key ``label``'s joint public key and every trustee's verification key."""
    deals = [by_dealer[i][label] for i in qualified]
    return TagKey(
        label,
        sum_points([d.commitments[0] for d in deals]),
        tuple(
            sum_points([evaluate_commitments(d.commitments, idx) for d in deals])
            for idx in range(1, ceremony.trustees + 1)
        ),
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
                f"complaint of trustee {c.complainant} against dealer {c.dealer} "
                f"(key {c.label!r}): "
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
    _same_verification_keys(again.verification_keys, key.verification_keys, "")
    if len(key.tag_keys) != len(again.tag_keys):
        raise InvalidShare("election key: the tag keys must be y1 and y2")
    for want_tag, got_tag in zip(again.tag_keys, key.tag_keys, strict=True):
        name = f"tag key {want_tag.label!r}"
        if got_tag.label != want_tag.label:
            raise InvalidShare("election key: the tag keys must be y1 and y2, in that order")
        if got_tag.public_key != want_tag.public_key:
            raise InvalidShare(f"election key: the {name} is not the sum of its C_{{i,0}}")
        _same_verification_keys(
            want_tag.verification_keys, got_tag.verification_keys, f" of the {name}"
        )


def _same_verification_keys(want: tuple[Point, ...], got: tuple[Point, ...], of_what: str) -> None:
    if len(want) != len(got):
        raise InvalidShare(f"election key: wrong number of verification keys{of_what}")
    for idx, (w, g) in enumerate(zip(want, got, strict=True), start=1):
        if w != g:
            raise InvalidShare(f"election key: verification key of trustee {idx}{of_what} is wrong")


def accept_election_key(secret: TrusteeSecret, key: ElectionKey) -> TrusteeSecret:
    """Verify ``key``; for each of the three keys compute ``x_l = sum_{i in QUAL} f_i(l)``
    and check ``x_l*G`` against its verification key.

    The returned secret holds ``key_share`` and ``tag_key_shares`` and no longer the
    polynomials.  Accepting again with shares already stored only re-checks them.
    """
    verify_election_key(key)
    what = f"trustee {secret.index}"
    if key.ceremony != secret.ceremony:
        raise ProtocolError(f"{what}: the election key is from another ceremony")
    if len(key.verification_keys) != secret.ceremony.trustees:
        raise ProtocolError(f"{what}: the election key has the wrong number of trustees")
    targets = [key.verification_key(secret.index)] + [
        t.verification_key(secret.index) for t in key.tag_keys
    ]
    if secret.polynomials is None:
        if secret.key_share is None or secret.tag_key_shares is None:
            raise ProtocolError(f"{what}: has not dealt, so it cannot accept a key")
        stored = (secret.key_share, *secret.tag_key_shares)
        for label, share, target in zip(KEY_LABELS, stored, targets, strict=True):
            if base_mul(share) != target:
                raise InvalidShare(f"{what}: stored share of key {label!r} does not match")
        return secret
    shares = [
        _share_of(secret, key, label, target)
        for label, target in zip(KEY_LABELS, targets, strict=True)
    ]
    return replace(secret, polynomials=None, key_share=shares[0], tag_key_shares=tuple(shares[1:]))


def _share_of(secret: TrusteeSecret, key: ElectionKey, label: str, target: Point) -> Scalar:
    what = f"trustee {secret.index}"
    poly = secret.polynomial(label)
    assert poly is not None  # the caller checked
    share = Scalar(0)
    for deal in key.deals:
        if deal.dealer not in key.qualified or deal.label != label:
            continue
        if deal.dealer == secret.index:
            if deal.commitments != commit(poly):
                raise ProtocolError(f"{what}: the election key carries a different deal of ours")
            share = share + evaluate(poly, secret.index)
        else:
            share = share + open_own_share(secret, deal)
    if base_mul(share) != target:
        raise InvalidShare(
            f"{what}: the share of key {label!r} times G does not equal its verification key"
        )
    return share
