"""The key ceremony (three keys, ``x``, ``y1``, ``y2``): happy path, complaints, tampering,
replay, and its wire format.  ``deals[i]`` below is dealer ``i+1``'s three deals."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honestballot.crypto.chaum_pedersen import EqualityProof
from honestballot.crypto.group import Point, Scalar, base_mul, sum_points
from honestballot.crypto.polynomial import evaluate, lagrange_at_zero
from honestballot.crypto.randomness import SeededRandomness
from honestballot.crypto.schnorr import SchnorrProof
from honestballot.crypto.share_encryption import EncryptedShare, encrypt_share
from honestballot.errors import InvalidProof, InvalidShare, ProtocolError, RecordFormatError
from honestballot.protocol.dkg import (
    KEY_LABELS,
    Ceremony,
    Deal,
    DealtShare,
    TrusteePublic,
    TrusteeSecret,
    check_deals,
    create_deal,
    create_trustee,
    make_complaint,
    open_own_share,
    share_context,
)
from honestballot.protocol.dkg_verify import (
    ElectionKey,
    accept_election_key,
    verify_ceremony,
    verify_election_key,
)
from honestballot.record import trustee as rec
from honestballot.record.codec import canonical_bytes

P = Point  # for readability of type hints below


Dealt = tuple[Deal, ...]


def flat(deals: list[Dealt]) -> list[Deal]:
    return [d for ds in deals for d in ds]


def setup(
    n: int, k: int, seed: str = "dkg", election_id: str = "e1"
) -> tuple[Ceremony, list[TrusteeSecret], list[TrusteePublic], list[Dealt]]:
    rng = SeededRandomness(seed)
    c = Ceremony(election_id, b"\x11" * 32, n, k)
    pairs = [create_trustee(c, i, f"trustee {i}", rng) for i in range(1, n + 1)]
    secrets = [s for s, _ in pairs]
    publics = [p for _, p in pairs]
    deals = []
    for pos, s in enumerate(secrets):
        secrets[pos], d = create_deal(s, publics, rng)
        deals.append(d)
    return c, secrets, publics, deals


def corrupt_share(
    dealt: Dealt, recipient: int, publics: list[TrusteePublic], label: str = "x"
) -> Dealt:
    """Re-encrypt a WRONG share of key ``label`` to ``recipient`` (properly encrypted, so
    only the commitment check can catch it)."""
    key = publics[recipient - 1].communication_key
    deal = dealt[KEY_LABELS.index(label)]
    ctx = share_context(deal.ceremony_hash, label, deal.dealer, recipient)
    bad = encrypt_share(Scalar.of(42), key, ctx, SeededRandomness("bad"))
    shares = tuple(
        DealtShare(recipient, bad) if s.recipient == recipient else s for s in deal.shares
    )
    return with_deal(dealt, replace(deal, shares=shares))


def with_deal(dealt: Dealt, deal: Deal) -> Dealt:
    """``dealt`` with its deal of ``deal.label`` replaced by ``deal``."""
    return tuple(deal if d.label == deal.label else d for d in dealt)


@settings(max_examples=12, deadline=None)
@given(st.integers(min_value=1, max_value=5), st.data())
def test_honest_ceremony_gives_consistent_shares(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(min_value=1, max_value=n))
    c, secrets, publics, deals = setup(n, k, seed=f"h{n}{k}")
    rng = SeededRandomness("check")
    assert all(check_deals(s, flat(deals), rng) == () for s in secrets)
    key = verify_ceremony(c, publics, flat(deals), [])
    assert key.qualified == tuple(range(1, n + 1))
    assert key.public_key == sum_points([ds[0].commitments[0] for ds in deals])
    assert [t.label for t in key.tag_keys] == ["y1", "y2"]
    publics_of = [key.public_key, *(t.public_key for t in key.tag_keys)]
    assert len(set(publics_of)) == 3  # three independent keys
    accepted = [accept_election_key(s, key) for s in secrets]
    for s in accepted:
        assert s.polynomials is None and s.key_share is not None
        assert s.tag_key_shares is not None and len(s.tag_key_shares) == 2
        assert base_mul(s.key_share) == key.verification_key(s.index)
        for share, tag in zip(s.tag_key_shares, key.tag_keys, strict=True):
            assert base_mul(share) == tag.verification_key(s.index)
    for pos, (label, public) in enumerate(zip(KEY_LABELS, publics_of, strict=True)):
        joint_secret = Scalar(0)
        for s in secrets:
            poly = s.polynomial(label)
            assert poly is not None
            joint_secret = joint_secret + poly[0]
        assert base_mul(joint_secret) == public
        for subset in itertools.combinations(range(1, n + 1), k):
            lam = lagrange_at_zero(subset, n)
            total = Scalar(0)
            for i in subset:
                a = accepted[i - 1]
                assert a.key_share is not None and a.tag_key_shares is not None
                total = total + lam[i] * (a.key_share, *a.tag_key_shares)[pos]
            assert total == joint_secret


def test_bad_share_is_complained_about_and_dealer_disqualified() -> None:
    c, secrets, publics, deals = setup(4, 2)
    deals[1] = corrupt_share(deals[1], 3, publics)  # dealer 2 cheats trustee 3
    rng = SeededRandomness("c")
    complaints = [x for s in secrets for x in check_deals(s, flat(deals), rng)]
    assert [(x.complainant, x.dealer, x.label) for x in complaints] == [(3, 2, "x")]
    key = verify_ceremony(c, publics, flat(deals), complaints)
    assert key.qualified == (1, 3, 4)
    assert len(key.rulings) == 1 and key.rulings[0].upheld
    assert "does not match" in key.rulings[0].reason
    assert key.public_key == sum_points([deals[i][0].commitments[0] for i in (0, 2, 3)])
    for s in secrets:
        s2 = accept_election_key(s, key)
        assert s2.key_share is not None
        assert base_mul(s2.key_share) == key.verification_key(s.index)


def test_undecryptable_share_is_upheld() -> None:
    c, secrets, publics, deals = setup(3, 2)
    y2 = deals[0][2]
    enc = y2.share_for(2)
    garbled = EncryptedShare(enc.ephemeral, bytes(48))
    shares = tuple(DealtShare(2, garbled) if s.recipient == 2 else s for s in y2.shares)
    deals[0] = with_deal(deals[0], replace(y2, shares=shares))
    with pytest.raises(InvalidShare, match="authentication failed"):
        open_own_share(secrets[1], deals[0][2])
    complaints = check_deals(secrets[1], flat(deals), SeededRandomness("c"))
    key = verify_ceremony(c, publics, flat(deals), complaints)
    assert key.qualified == (2, 3)  # disqualified for all three keys
    assert key.rulings[0].label == "y2" and "does not decrypt" in key.rulings[0].reason
    assert key.tag_keys[1].public_key == sum_points([deals[i][2].commitments[0] for i in (1, 2)])


def test_false_complaint_is_rejected_and_recorded() -> None:
    c, secrets, publics, deals = setup(3, 2)
    false = make_complaint(secrets[0], deals[1][0], SeededRandomness("f"))
    key = verify_ceremony(c, publics, flat(deals), [false])
    assert key.qualified == (1, 2, 3)
    assert key.rulings[0].complainant == 1 and key.rulings[0].dealer == 2
    assert not key.rulings[0].upheld and key.rulings[0].reason.startswith("rejected")


def test_forged_complaint_proof_raises() -> None:
    c, secrets, publics, deals = setup(3, 2)
    good = make_complaint(secrets[0], deals[1][0], SeededRandomness("f"))
    forged_point = replace(good, dh_point=base_mul(Scalar.of(3)))
    with pytest.raises(InvalidProof, match=r"complaint of trustee 1 against dealer 2 \(key 'x'\)"):
        verify_ceremony(c, publics, flat(deals), [forged_point])
    # trustee 2 cannot reuse trustee 1's complaint (its key differs)
    with pytest.raises(InvalidProof):
        verify_ceremony(c, publics, flat(deals), [replace(good, complainant=3)])
    with pytest.raises(ProtocolError, match="two complaints"):
        verify_ceremony(c, publics, flat(deals), [good, good])
    # a complaint about key x does not stand for key y1 (its proof binds the key hash)
    with pytest.raises(InvalidProof):
        verify_ceremony(c, publics, flat(deals), [replace(good, label="y1")])


def test_too_few_qualified_dealers_fails_clearly() -> None:
    c, secrets, publics, deals = setup(3, 3)
    deals[0] = corrupt_share(deals[0], 2, publics)
    complaints = check_deals(secrets[1], flat(deals), SeededRandomness("c"))
    with pytest.raises(ProtocolError, match="only 2 qualified"):
        verify_ceremony(c, publics, flat(deals), complaints)
    # an absent dealer is simply not qualified
    with pytest.raises(ProtocolError, match="only 2 qualified"):
        verify_ceremony(c, publics, flat(deals[1:]), [])
    assert verify_ceremony(Ceremony("e1", b"\x11" * 32, 3, 3), publics, flat(deals), []).qualified


def _tamper_point() -> Point:
    return base_mul(Scalar.of(77))


@pytest.mark.parametrize(("position", "label"), [(0, "x"), (1, "x"), (0, "y1"), (1, "y2")])
def test_tampered_commitment_is_detected(position: int, label: str) -> None:
    c, _, publics, deals = setup(3, 2)
    deal = deals[0][KEY_LABELS.index(label)]
    commitments = list(deal.commitments)
    commitments[position] = _tamper_point()
    deals[0] = with_deal(deals[0], replace(deal, commitments=tuple(commitments)))
    with pytest.raises(InvalidProof, match=f"deal of trustee 1 for key '{label}'"):
        verify_ceremony(c, publics, flat(deals), [])


def test_tampered_proofs_are_detected() -> None:
    c, _, publics, deals = setup(3, 2)
    p = deals[2][1].proof
    bad = replace(deals[2][1], proof=SchnorrProof(p.challenge, p.response + Scalar(1)))
    with pytest.raises(InvalidProof, match="deal of trustee 3 for key 'y1'"):
        verify_ceremony(c, publics, flat([deals[0], deals[1], with_deal(deals[2], bad)]), [])
    q = publics[1].proof
    bad_pub = replace(publics[1], proof=SchnorrProof(q.challenge + Scalar(1), q.response))
    with pytest.raises(InvalidProof, match="trustee 2 communication key"):
        verify_ceremony(c, [publics[0], bad_pub, publics[2]], deals, [])
    with pytest.raises(ProtocolError, match="missing communication keys"):
        verify_ceremony(c, publics[:2], deals, [])
    with pytest.raises(InvalidShare, match="commitments"):
        short = replace(deals[0][0], commitments=deals[0][0].commitments[:1])
        verify_ceremony(c, publics, flat([with_deal(deals[0], short)]), [])


def test_proofs_from_another_ceremony_or_index_are_rejected() -> None:
    c, _, publics, deals = setup(3, 2)
    _, _, publics2, deals2 = setup(3, 2, seed="other", election_id="e2")
    with pytest.raises(ProtocolError, match="another ceremony"):
        verify_ceremony(c, [publics2[0], publics[1], publics[2]], deals, [])
    with pytest.raises(ProtocolError, match="another ceremony"):
        verify_ceremony(c, publics, flat([deals2[0], deals[1]]), [])
    # relabel to this ceremony: the proofs are bound to the other ceremony hash
    with pytest.raises(InvalidProof):
        verify_ceremony(c, [replace(publics2[0], ceremony_hash=c.hash), *publics[1:]], deals, [])
    with pytest.raises(InvalidProof):
        verify_ceremony(c, publics, [replace(d, ceremony_hash=c.hash) for d in deals2[0]], [])
    # dealer 1's commitments and proof replayed as dealer 2's deal
    replayed = replace(deals[0][0], dealer=2, shares=deals[1][0].shares)
    with pytest.raises(InvalidProof, match="deal of trustee 2"):
        verify_ceremony(c, publics, flat([deals[0], with_deal(deals[1], replayed)]), [])
    # a communication key relabelled with another index or name
    with pytest.raises(InvalidProof):
        verify_ceremony(c, [publics[0], replace(publics[2], index=2), publics[2]], deals, [])
    with pytest.raises(InvalidProof):
        verify_ceremony(c, [replace(publics[0], name="mallory"), *publics[1:]], deals, [])


def test_election_key_outcome_must_follow_from_transcript() -> None:
    c, _, publics, deals = setup(3, 2)
    key = verify_ceremony(c, publics, flat(deals), [])
    verify_election_key(key)
    bad_vk = (key.verification_keys[0], _tamper_point(), key.verification_keys[2])
    y1, y2 = key.tag_keys
    bad_y2 = replace(y2, verification_keys=(_tamper_point(), *y2.verification_keys[1:]))
    cases: list[tuple[ElectionKey, str]] = [
        (replace(key, public_key=_tamper_point()), "joint public key"),
        (replace(key, verification_keys=bad_vk), "trustee 2"),
        (replace(key, qualified=(1, 2)), "QUAL"),
        (replace(key, tag_keys=(replace(y1, public_key=_tamper_point()), y2)), "tag key 'y1'"),
        (replace(key, tag_keys=(y1, bad_y2)), "trustee 1 of the tag key 'y2'"),
        (replace(key, tag_keys=(y2, y1)), "y1 and y2, in that order"),
        (replace(key, tag_keys=(y1,)), "y1 and y2"),
        # the tag key y1 stated as the election key: the base hash would bind another H
        (replace(key, public_key=y1.public_key), "joint public key"),
    ]
    for bad, message in cases:
        with pytest.raises(InvalidShare, match=message):
            verify_election_key(bad)


def test_secret_never_prints() -> None:
    _, secrets, _, _ = setup(2, 2)
    s = secrets[0]
    assert s.polynomials is not None
    coefficients = [a for poly in s.polynomials for a in poly]
    hidden = [s.communication_secret.hex(), *(a.hex() for a in coefficients)]
    hidden += [str(s.communication_secret.value), *(str(a.value) for a in coefficients)]
    for text in (repr(s), str(s), f"{s}", repr([s])):
        assert "secrets hidden" in text
        assert not any(h in text for h in hidden)


def test_ceremony_hash_uses_record_canonical_bytes() -> None:
    from honestballot.crypto.hashing import hash_bytes

    c = Ceremony("élection", b"\x01" * 32, 5, 3)
    assert c.hash == hash_bytes("key-ceremony", canonical_bytes(c.to_object()))
    assert c.hash != Ceremony("élection", b"\x01" * 32, 5, 2).hash
    for n, k in [(0, 1), (3, 0), (3, 4)]:
        with pytest.raises(ProtocolError):
            Ceremony("x", bytes(32), n, k)


# -- wire format --------------------------------------------------------------------


def _roundtrip(obj: dict[str, object], decode: object) -> object:
    data = rec.to_bytes(obj)
    return rec.load(data, decode, "file")  # type: ignore[arg-type]


def test_every_ceremony_object_round_trips() -> None:
    c, secrets, publics, deals = setup(3, 2)
    complaint = make_complaint(secrets[0], deals[1][0], SeededRandomness("f"))
    key = verify_ceremony(c, publics, flat(deals), [complaint])
    assert _roundtrip(rec.encode_ceremony(c), rec.decode_ceremony) == c
    assert (
        _roundtrip(rec.encode_trustee_public(publics[0]), rec.decode_trustee_public) == publics[0]
    )
    assert _roundtrip(rec.encode_deal(deals[0]), rec.decode_deal) == deals[0]
    assert [d["label"] for d in rec.encode_deal(deals[0])["keys"]] == ["x", "y1", "y2"]
    assert _roundtrip(rec.encode_complaints(c.hash, 1, [complaint]), rec.decode_complaints) == (
        complaint,
    )
    assert _roundtrip(rec.encode_election_key(key), rec.decode_election_key) == key
    assert (
        _roundtrip(rec.encode_trustee_secret(secrets[0]), rec.decode_trustee_secret) == secrets[0]
    )
    accepted = accept_election_key(secrets[0], key)
    assert _roundtrip(rec.encode_trustee_secret(accepted), rec.decode_trustee_secret) == accepted


def test_malformed_files_raise_record_format_error_naming_the_field() -> None:
    c, _, publics, deals = setup(3, 2)
    deal = rec.encode_deal(deals[0])
    cases: list[tuple[dict[str, object], str]] = []
    wrong_version = dict(deal, version=1)
    cases.append((wrong_version, "unsupported trustee-deal version 1"))
    cases.append((dict(deal, extra=1), "unexpected field"))
    keys = json.loads(json.dumps(deal["keys"]))
    keys[1]["shares"][0]["ciphertext"] = "00" * 47
    cases.append((dict(deal, keys=keys), r"deal\.keys\[1\]\.shares\[0\]\.ciphertext"))
    keys = json.loads(json.dumps(deal["keys"]))
    keys[0]["commitments"][0] = "ff" * 32
    cases.append((dict(deal, keys=keys), r"deal\.keys\[0\]\.commitments\[0\]"))
    keys = json.loads(json.dumps(deal["keys"]))
    keys[2]["proof"]["s"] = keys[2]["proof"]["s"].upper()
    cases.append((dict(deal, keys=keys), r"deal\.keys\[2\]\.proof\.s"))
    cases.append((dict(deal, keys=deal["keys"][:2]), r"deal\.keys: must be the keys"))
    cases.append((dict(deal, keys=deal["keys"][::-1]), r"deal\.keys: must be the keys"))
    for obj, message in cases:
        with pytest.raises(RecordFormatError, match=message):
            rec.decode_deal(obj, "deal")
    with pytest.raises(RecordFormatError, match="expected a 'trustee-deal'"):
        rec.decode_deal(rec.encode_trustee_public(publics[0]), "deal")
    with pytest.raises(RecordFormatError, match="over the"):
        rec.load(b" " * (2 << 20), rec.decode_deal, "deal.json")
    with pytest.raises(RecordFormatError, match="floating"):
        rec.load(b'{"version": 1.0}', rec.decode_deal, "deal.json")
    ceremony = rec.encode_ceremony(c)
    with pytest.raises(RecordFormatError, match=r"ceremony\.threshold"):
        rec.decode_ceremony(dict(ceremony, threshold=4))


def test_wrong_proof_type_in_complaint_is_rejected() -> None:
    c, secrets, _, deals = setup(3, 2)
    complaint = make_complaint(secrets[0], deals[1][0], SeededRandomness("f"))
    assert isinstance(complaint.proof, EqualityProof)
    obj = rec.encode_complaints(c.hash, 1, [complaint])
    obj["complaints"][0]["dh_point"] = "00" * 32
    with pytest.raises(RecordFormatError, match=r"complaints\[0\]\.dh_point"):
        rec.decode_complaints(obj)


def test_deal_shares_match_polynomial() -> None:
    _, secrets, _, deals = setup(3, 2)
    for s in secrets[1:]:
        for label, deal in zip(KEY_LABELS, deals[0], strict=True):
            poly = secrets[0].polynomial(label)
            assert poly is not None
            assert open_own_share(s, deal) == evaluate(poly, s.index)


def test_every_complaints_file_is_embedded_even_when_empty() -> None:
    c, secrets, publics, deals = setup(3, 2)
    deals[0] = corrupt_share(deals[0], 2, publics, "y1")
    rng = SeededRandomness("c")
    files = [(s.index, check_deals(s, flat(deals), rng)) for s in secrets]
    key = verify_ceremony(c, publics, flat(deals), [x for _, cs in files for x in cs], [1, 2, 3])
    assert key.checked == (1, 2, 3)
    obj = rec.encode_election_key(key)
    assert [(f["complainant"], len(f["complaints"])) for f in obj["complaints"]] == [
        (1, 0),
        (2, 1),
        (3, 0),
    ]
    again = rec.decode_election_key(json.loads(json.dumps(obj)))
    assert again.checked == (1, 2, 3) and again == key
    verify_election_key(again)
    assert canonical_bytes(rec.encode_election_key(again)) == canonical_bytes(obj)
    # without ``checked``: the complainants only (the flat API of before)
    assert verify_ceremony(c, publics, flat(deals), [x for _, cs in files for x in cs]).checked == (
        2,
    )


def test_complaints_files_are_one_per_trustee_in_order_and_of_this_ceremony() -> None:
    c, secrets, publics, deals = setup(3, 2)
    good = make_complaint(secrets[0], deals[1][0], SeededRandomness("f"))
    with pytest.raises(ProtocolError, match="two complaints files"):
        verify_ceremony(c, publics, flat(deals), [], [2, 2])
    with pytest.raises(ProtocolError, match="not in a complaints file"):
        verify_ceremony(c, publics, flat(deals), [good], [2])
    with pytest.raises(ProtocolError, match=r"not in 1\.\.3"):
        verify_ceremony(c, publics, flat(deals), [], [4])
    obj = rec.encode_election_key(verify_ceremony(c, publics, flat(deals), [good], [1, 3]))
    swapped = dict(obj, complaints=obj["complaints"][::-1])
    with pytest.raises(RecordFormatError, match="increasing order"):
        rec.decode_election_key(swapped)
    foreign = [dict(obj["complaints"][0]), obj["complaints"][1]]
    foreign[0]["ceremony"] = "22" * 32
    with pytest.raises(RecordFormatError, match="another ceremony"):
        rec.decode_election_key(dict(obj, complaints=foreign))


def test_a_dealer_must_deal_every_key_once() -> None:
    c, secrets, publics, deals = setup(3, 2)
    with pytest.raises(ProtocolError, match=r"trustee 2: no deal for key\(s\) \['y2'\]"):
        verify_ceremony(c, publics, flat([deals[0], deals[1][:2], deals[2]]), [])
    with pytest.raises(ProtocolError, match="trustee 2: two deals for key 'x'"):
        verify_ceremony(c, publics, [*flat(deals), deals[1][0]], [])
    with pytest.raises(ProtocolError, match=r"no deal for key"):
        check_deals(secrets[0], flat([deals[0], deals[1][1:]]), SeededRandomness("c"))


def test_a_deal_of_one_key_does_not_pass_for_another() -> None:
    """Each key's proofs and share encryptions bind its own key hash."""
    c, secrets, publics, deals = setup(3, 2)
    x, y1, y2 = deals[1]
    # x's commitments and proof relabelled as y1's: the proof of knowledge fails
    swapped = (x, replace(x, label="y1"), y2)
    with pytest.raises(InvalidProof, match="deal of trustee 2 for key 'y1'"):
        verify_ceremony(c, publics, flat([deals[0], swapped, deals[2]]), [])
    # y1's commitments and proof kept, x's encrypted shares put in: they do not decrypt
    moved = replace(y1, shares=x.shares)
    with pytest.raises(InvalidShare, match="authentication failed"):
        open_own_share(secrets[0], moved)
    complaints = check_deals(
        secrets[0], flat([deals[0], (x, moved, y2), deals[2]]), SeededRandomness("c")
    )
    assert [(k.dealer, k.label) for k in complaints] == [(2, "y1")]


def test_accepting_twice_rechecks_all_three_shares() -> None:
    c, secrets, publics, deals = setup(3, 2)
    key = verify_ceremony(c, publics, flat(deals), [])
    accepted = accept_election_key(secrets[0], key)
    assert accept_election_key(accepted, key) == accepted
    assert accepted.tag_key_shares is not None
    wrong = replace(accepted, tag_key_shares=(accepted.tag_key_shares[0], Scalar.of(5)))
    with pytest.raises(InvalidShare, match="share of key 'y2'"):
        accept_election_key(wrong, key)
    with pytest.raises(ProtocolError, match="come together"):
        replace(accepted, tag_key_shares=None)
