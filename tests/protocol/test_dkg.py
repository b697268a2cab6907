"""The key ceremony: happy path, complaints, tampering, replay, and its wire format."""

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


def setup(
    n: int, k: int, seed: str = "dkg", election_id: str = "e1"
) -> tuple[Ceremony, list[TrusteeSecret], list[TrusteePublic], list[Deal]]:
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


def corrupt_share(deal: Deal, recipient: int, publics: list[TrusteePublic]) -> Deal:
    """Re-encrypt a WRONG share to ``recipient`` (properly encrypted, so only the
    commitment check can catch it)."""
    key = publics[recipient - 1].communication_key
    ctx = share_context(deal.ceremony_hash, deal.dealer, recipient)
    bad = encrypt_share(Scalar.of(42), key, ctx, SeededRandomness("bad"))
    shares = tuple(
        DealtShare(recipient, bad) if s.recipient == recipient else s for s in deal.shares
    )
    return replace(deal, shares=shares)


@settings(max_examples=12, deadline=None)
@given(st.integers(min_value=1, max_value=5), st.data())
def test_honest_ceremony_gives_consistent_shares(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(min_value=1, max_value=n))
    c, secrets, publics, deals = setup(n, k, seed=f"h{n}{k}")
    rng = SeededRandomness("check")
    assert all(check_deals(s, deals, rng) == () for s in secrets)
    key = verify_ceremony(c, publics, deals, [])
    assert key.qualified == tuple(range(1, n + 1))
    assert key.public_key == sum_points([d.commitments[0] for d in deals])
    accepted = [accept_election_key(s, key) for s in secrets]
    for s in accepted:
        assert s.polynomial is None and s.key_share is not None
        assert base_mul(s.key_share) == key.verification_key(s.index)
    joint_secret = Scalar(0)
    for s in secrets:
        assert s.polynomial is not None
        joint_secret = joint_secret + s.polynomial[0]
    assert base_mul(joint_secret) == key.public_key
    for subset in itertools.combinations(range(1, n + 1), k):
        lam = lagrange_at_zero(subset, n)
        total = Scalar(0)
        for i in subset:
            share = accepted[i - 1].key_share
            assert share is not None
            total = total + lam[i] * share
        assert total == joint_secret


def test_bad_share_is_complained_about_and_dealer_disqualified() -> None:
    c, secrets, publics, deals = setup(4, 2)
    deals[1] = corrupt_share(deals[1], 3, publics)  # dealer 2 cheats trustee 3
    rng = SeededRandomness("c")
    complaints = [x for s in secrets for x in check_deals(s, deals, rng)]
    assert [(x.complainant, x.dealer) for x in complaints] == [(3, 2)]
    key = verify_ceremony(c, publics, deals, complaints)
    assert key.qualified == (1, 3, 4)
    assert len(key.rulings) == 1 and key.rulings[0].upheld
    assert "does not match" in key.rulings[0].reason
    assert key.public_key == sum_points([deals[i].commitments[0] for i in (0, 2, 3)])
    for s in secrets:
        s2 = accept_election_key(s, key)
        assert s2.key_share is not None
        assert base_mul(s2.key_share) == key.verification_key(s.index)


def test_undecryptable_share_is_upheld() -> None:
    c, secrets, publics, deals = setup(3, 2)
    enc = deals[0].share_for(2)
    garbled = EncryptedShare(enc.ephemeral, bytes(48))
    shares = tuple(DealtShare(2, garbled) if s.recipient == 2 else s for s in deals[0].shares)
    deals[0] = replace(deals[0], shares=shares)
    with pytest.raises(InvalidShare, match="authentication failed"):
        open_own_share(secrets[1], deals[0])
    complaints = check_deals(secrets[1], deals, SeededRandomness("c"))
    key = verify_ceremony(c, publics, deals, complaints)
    assert key.qualified == (2, 3)
    assert "does not decrypt" in key.rulings[0].reason


def test_false_complaint_is_rejected_and_recorded() -> None:
    c, secrets, publics, deals = setup(3, 2)
    false = make_complaint(secrets[0], deals[1], SeededRandomness("f"))
    key = verify_ceremony(c, publics, deals, [false])
    assert key.qualified == (1, 2, 3)
    assert key.rulings[0].complainant == 1 and key.rulings[0].dealer == 2
    assert not key.rulings[0].upheld and key.rulings[0].reason.startswith("rejected")


def test_forged_complaint_proof_raises() -> None:
    c, secrets, publics, deals = setup(3, 2)
    good = make_complaint(secrets[0], deals[1], SeededRandomness("f"))
    forged_point = replace(good, dh_point=base_mul(Scalar.of(3)))
    with pytest.raises(InvalidProof, match="complaint of trustee 1 against dealer 2"):
        verify_ceremony(c, publics, deals, [forged_point])
    # trustee 2 cannot reuse trustee 1's complaint (its key differs)
    with pytest.raises(InvalidProof):
        verify_ceremony(c, publics, deals, [replace(good, complainant=3)])
    with pytest.raises(ProtocolError, match="two complaints"):
        verify_ceremony(c, publics, deals, [good, good])


def test_too_few_qualified_dealers_fails_clearly() -> None:
    c, secrets, publics, deals = setup(3, 3)
    deals[0] = corrupt_share(deals[0], 2, publics)
    complaints = check_deals(secrets[1], deals, SeededRandomness("c"))
    with pytest.raises(ProtocolError, match="only 2 qualified"):
        verify_ceremony(c, publics, deals, complaints)
    # an absent dealer is simply not qualified
    with pytest.raises(ProtocolError, match="only 2 qualified"):
        verify_ceremony(c, publics, deals[1:], [])
    assert verify_ceremony(Ceremony("e1", b"\x11" * 32, 3, 3), publics, deals, []).qualified


def _tamper_point() -> Point:
    return base_mul(Scalar.of(77))


@pytest.mark.parametrize("position", [0, 1])
def test_tampered_commitment_is_detected(position: int) -> None:
    c, _, publics, deals = setup(3, 2)
    commitments = list(deals[0].commitments)
    commitments[position] = _tamper_point()
    deals[0] = replace(deals[0], commitments=tuple(commitments))
    with pytest.raises(InvalidProof, match="deal of trustee 1"):
        verify_ceremony(c, publics, deals, [])


def test_tampered_proofs_are_detected() -> None:
    c, _, publics, deals = setup(3, 2)
    p = deals[2].proof
    bad = replace(deals[2], proof=SchnorrProof(p.challenge, p.response + Scalar(1)))
    with pytest.raises(InvalidProof, match="deal of trustee 3"):
        verify_ceremony(c, publics, [deals[0], deals[1], bad], [])
    q = publics[1].proof
    bad_pub = replace(publics[1], proof=SchnorrProof(q.challenge + Scalar(1), q.response))
    with pytest.raises(InvalidProof, match="trustee 2 communication key"):
        verify_ceremony(c, [publics[0], bad_pub, publics[2]], deals, [])
    with pytest.raises(ProtocolError, match="missing communication keys"):
        verify_ceremony(c, publics[:2], deals, [])
    with pytest.raises(InvalidShare, match="commitments"):
        verify_ceremony(c, publics, [replace(deals[0], commitments=deals[0].commitments[:1])], [])


def test_proofs_from_another_ceremony_or_index_are_rejected() -> None:
    c, _, publics, deals = setup(3, 2)
    _, _, publics2, deals2 = setup(3, 2, seed="other", election_id="e2")
    with pytest.raises(ProtocolError, match="another ceremony"):
        verify_ceremony(c, [publics2[0], publics[1], publics[2]], deals, [])
    with pytest.raises(ProtocolError, match="another ceremony"):
        verify_ceremony(c, publics, [deals2[0], deals[1]], [])
    # relabel to this ceremony: the proofs are bound to the other ceremony hash
    with pytest.raises(InvalidProof):
        verify_ceremony(c, [replace(publics2[0], ceremony_hash=c.hash), *publics[1:]], deals, [])
    with pytest.raises(InvalidProof):
        verify_ceremony(c, publics, [replace(deals2[0], ceremony_hash=c.hash)], [])
    # dealer 1's commitments and proof replayed as dealer 2's deal
    replayed = replace(deals[0], dealer=2, shares=deals[1].shares)
    with pytest.raises(InvalidProof, match="deal of trustee 2"):
        verify_ceremony(c, publics, [deals[0], replayed], [])
    # a communication key relabelled with another index or name
    with pytest.raises(InvalidProof):
        verify_ceremony(c, [publics[0], replace(publics[2], index=2), publics[2]], deals, [])
    with pytest.raises(InvalidProof):
        verify_ceremony(c, [replace(publics[0], name="mallory"), *publics[1:]], deals, [])


def test_election_key_outcome_must_follow_from_transcript() -> None:
    c, _, publics, deals = setup(3, 2)
    key = verify_ceremony(c, publics, deals, [])
    verify_election_key(key)
    bad_vk = (key.verification_keys[0], _tamper_point(), key.verification_keys[2])
    cases: list[tuple[ElectionKey, str]] = [
        (replace(key, public_key=_tamper_point()), "joint public key"),
        (replace(key, verification_keys=bad_vk), "trustee 2"),
        (replace(key, qualified=(1, 2)), "QUAL"),
    ]
    for bad, message in cases:
        with pytest.raises(InvalidShare, match=message):
            verify_election_key(bad)


def test_secret_never_prints() -> None:
    _, secrets, _, _ = setup(2, 2)
    s = secrets[0]
    assert s.polynomial is not None
    hidden = [s.communication_secret.hex(), *(a.hex() for a in s.polynomial)]
    hidden += [str(s.communication_secret.value), *(str(a.value) for a in s.polynomial)]
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
    complaint = make_complaint(secrets[0], deals[1], SeededRandomness("f"))
    key = verify_ceremony(c, publics, deals, [complaint])
    assert _roundtrip(rec.encode_ceremony(c), rec.decode_ceremony) == c
    assert (
        _roundtrip(rec.encode_trustee_public(publics[0]), rec.decode_trustee_public) == publics[0]
    )
    assert _roundtrip(rec.encode_deal(deals[0]), rec.decode_deal) == deals[0]
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
    wrong_version = dict(deal, version=2)
    cases.append((wrong_version, "unsupported trustee-deal version 2"))
    cases.append((dict(deal, extra=1), "unexpected field"))
    shares = json.loads(json.dumps(deal["shares"]))
    shares[0]["ciphertext"] = "00" * 47
    cases.append((dict(deal, shares=shares), r"deal\.shares\[0\]\.ciphertext"))
    commitments = list(deal["commitments"])
    commitments[0] = "ff" * 32
    cases.append((dict(deal, commitments=commitments), r"deal\.commitments\[0\]"))
    proof = dict(deal["proof"])
    proof["s"] = proof["s"].upper()
    cases.append((dict(deal, proof=proof), r"deal\.proof\.s"))
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
    complaint = make_complaint(secrets[0], deals[1], SeededRandomness("f"))
    assert isinstance(complaint.proof, EqualityProof)
    obj = rec.encode_complaints(c.hash, 1, [complaint])
    obj["complaints"][0]["dh_point"] = "00" * 32
    with pytest.raises(RecordFormatError, match=r"complaints\[0\]\.dh_point"):
        rec.decode_complaints(obj)


def test_deal_shares_match_polynomial() -> None:
    _, secrets, _, deals = setup(3, 2)
    for s in secrets[1:]:
        poly = secrets[0].polynomial
        assert poly is not None
        assert open_own_share(s, deals[0]) == evaluate(poly, s.index)


def test_every_complaints_file_is_embedded_even_when_empty() -> None:
    c, secrets, publics, deals = setup(3, 2)
    deals[0] = corrupt_share(deals[0], 2, publics)
    rng = SeededRandomness("c")
    files = [(s.index, check_deals(s, deals, rng)) for s in secrets]
    key = verify_ceremony(c, publics, deals, [x for _, cs in files for x in cs], [1, 2, 3])
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
    assert verify_ceremony(c, publics, deals, [x for _, cs in files for x in cs]).checked == (2,)


def test_complaints_files_are_one_per_trustee_in_order_and_of_this_ceremony() -> None:
    c, secrets, publics, deals = setup(3, 2)
    good = make_complaint(secrets[0], deals[1], SeededRandomness("f"))
    with pytest.raises(ProtocolError, match="two complaints files"):
        verify_ceremony(c, publics, deals, [], [2, 2])
    with pytest.raises(ProtocolError, match="not in a complaints file"):
        verify_ceremony(c, publics, deals, [good], [2])
    with pytest.raises(ProtocolError, match=r"not in 1\.\.3"):
        verify_ceremony(c, publics, deals, [], [4])
    obj = rec.encode_election_key(verify_ceremony(c, publics, deals, [good], [1, 3]))
    swapped = dict(obj, complaints=obj["complaints"][::-1])
    with pytest.raises(RecordFormatError, match="increasing order"):
        rec.decode_election_key(swapped)
    foreign = [dict(obj["complaints"][0]), obj["complaints"][1]]
    foreign[0]["ceremony"] = "22" * 32
    with pytest.raises(RecordFormatError, match="another ceremony"):
        rec.decode_election_key(dict(obj, complaints=foreign))
