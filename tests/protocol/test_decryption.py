"""Threshold decryption: every k-subset decrypts, k-1 cannot, bad shares are named."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honestballot.crypto.chaum_pedersen import EqualityProof
from honestballot.crypto.dlog import DiscreteLogTable
from honestballot.crypto.elgamal import aggregate, encrypt
from honestballot.crypto.group import Scalar, base_mul
from honestballot.crypto.randomness import SeededRandomness, random_scalar
from honestballot.errors import InvalidShare, ProtocolError, RecordFormatError
from honestballot.protocol.decryption import (
    DecryptionShare,
    EncryptedTally,
    TallyEntry,
    combine_decryption,
    combine_valid_shares,
    create_decryption_share,
    verify_decryption_share,
)
from honestballot.protocol.dkg import Ceremony, TrusteeSecret, create_deal, create_trustee
from honestballot.protocol.dkg_verify import ElectionKey, accept_election_key, verify_ceremony
from honestballot.protocol.share_parts import assemble
from honestballot.record import trustee as rec
from honestballot.record.codec import canonical_bytes
from honestballot.record.share_parts import share_head_from_json
from tests.factories import encode_share

ELECTION = b"\xab" * 32


def ceremony(n: int, k: int, seed: str) -> tuple[ElectionKey, list[TrusteeSecret]]:
    rng = SeededRandomness(seed)
    c = Ceremony("e", b"\x22" * 32, n, k)
    pairs = [create_trustee(c, i, f"t{i}", rng) for i in range(1, n + 1)]
    publics = [p for _, p in pairs]
    secrets, deals = [], []
    for s, _ in pairs:
        s2, d = create_deal(s, publics, rng)
        secrets.append(s2)
        deals.extend(d)
    key = verify_ceremony(c, publics, deals, [])
    return key, [accept_election_key(s, key) for s in secrets]


def make_tally(
    key: ElectionKey, counts: list[int], seed: str, election: bytes = ELECTION
) -> EncryptedTally:
    rng = SeededRandomness(seed)
    entries = []
    for pos, m in enumerate(counts):
        # a sum of several ballots, as a real tally is
        parts = [encrypt(key.public_key, 1, random_scalar(rng)) for _ in range(m)]
        parts.append(encrypt(key.public_key, 0, random_scalar(rng)))
        entries.append(TallyEntry(f"contest/option-{pos}", aggregate(parts)))
    return EncryptedTally(election, tuple(entries))


@pytest.fixture(scope="module")
def setup_3_of_5() -> tuple[
    ElectionKey, list[TrusteeSecret], EncryptedTally, list[DecryptionShare]
]:
    key, secrets = ceremony(5, 3, "d35")
    tally = make_tally(key, [3, 0, 7], "t")
    rng = SeededRandomness("shares")
    return key, secrets, tally, [create_decryption_share(s, tally, rng) for s in secrets]


@settings(max_examples=10, deadline=None)
@given(
    st.integers(min_value=1, max_value=5),
    st.data(),
    st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=3),
)
def test_every_k_subset_decrypts_and_k_minus_1_is_refused(
    n: int, data: st.DataObject, counts: list[int]
) -> None:
    k = data.draw(st.integers(min_value=1, max_value=n))
    key, secrets = ceremony(n, k, f"p{n}{k}")
    tally = make_tally(key, counts, f"t{counts}")
    rng = SeededRandomness("s")
    shares = [create_decryption_share(s, tally, rng) for s in secrets]
    table = DiscreteLogTable(10)
    for subset in itertools.combinations(shares, k):
        result = combine_decryption(key, tally, subset)
        assert [table.solve(e.plaintext) for e in result.entries] == counts
        assert result.trustees == tuple(s.trustee for s in subset)
    if k >= 2:
        for subset in itertools.combinations(shares, k - 1):
            with pytest.raises(ProtocolError, match="threshold"):
                combine_decryption(key, tally, subset)


def test_k_minus_1_shares_with_a_duplicate_are_refused(setup_3_of_5) -> None:  # type: ignore[no-untyped-def]
    key, _, tally, shares = setup_3_of_5
    with pytest.raises(ProtocolError, match="twice"):
        combine_decryption(key, tally, [shares[0], shares[1], shares[1]])


def _tamper_entry(ds: DecryptionShare, **changes: object) -> DecryptionShare:
    entries = list(ds.entries)
    entries[1] = replace(entries[1], **changes)  # type: ignore[arg-type]
    return replace(ds, entries=tuple(entries))


def test_tampered_decryption_share_or_proof_names_trustee_and_entry(setup_3_of_5) -> None:  # type: ignore[no-untyped-def]
    key, _, tally, shares = setup_3_of_5
    good = shares[1]
    p = good.entries[1].proof
    bad_d = _tamper_entry(good, share=good.entries[1].share + base_mul(Scalar(1)))
    bad_c = _tamper_entry(good, proof=EqualityProof(p.challenge + Scalar(1), p.response))
    bad_s = _tamper_entry(good, proof=EqualityProof(p.challenge, p.response + Scalar(1)))
    for bad in (bad_d, bad_c, bad_s):
        with pytest.raises(InvalidShare, match="trustee 2, entry 'contest/option-1'") as caught:
            verify_decryption_share(key, tally, bad)
        # the organiser's results page says it from the catalogue with the same two names
        text = caught.value.args[0]
        assert text.key == "share.proof"
        assert dict(text.params) == {"trustee": 2, "entry": "contest/option-1"}
        with pytest.raises(InvalidShare, match="trustee 2"):
            combine_decryption(key, tally, [shares[0], bad, shares[2]])


def test_shares_from_another_trustee_tally_or_election_are_rejected(setup_3_of_5) -> None:  # type: ignore[no-untyped-def]
    key, secrets, tally, shares = setup_3_of_5
    with pytest.raises(InvalidShare, match="trustee 3"):
        verify_decryption_share(key, tally, replace(shares[1], trustee=3))
    other_tally = make_tally(key, [3, 0, 7], "other")
    other_share = create_decryption_share(secrets[1], other_tally, SeededRandomness("o"))
    with pytest.raises(InvalidShare, match="another tally"):
        verify_decryption_share(key, tally, other_share)
    # relabelled with this tally's hash: the proofs are bound to the other tally
    with pytest.raises(InvalidShare, match="entry"):
        verify_decryption_share(key, tally, replace(other_share, tally_hash=tally.hash))
    # same ciphertexts under another election base hash
    moved = EncryptedTally(b"\xcd" * 32, tally.entries)
    moved_share = create_decryption_share(secrets[1], moved, SeededRandomness("m"))
    with pytest.raises(InvalidShare, match="another election"):
        verify_decryption_share(key, tally, moved_share)
    relabelled = replace(moved_share, election=ELECTION, tally_hash=tally.hash)
    with pytest.raises(InvalidShare, match="entry"):
        verify_decryption_share(key, tally, relabelled)
    with pytest.raises(InvalidShare, match="entries do not match"):
        verify_decryption_share(key, tally, replace(shares[0], entries=shares[0].entries[:2]))


def test_invalid_share_is_rejected_named_and_tally_completes(setup_3_of_5) -> None:  # type: ignore[no-untyped-def]
    key, _, tally, shares = setup_3_of_5
    bad = _tamper_entry(shares[0], share=base_mul(Scalar(5)))
    result = combine_valid_shares(key, tally, [bad, shares[1], shares[3], shares[4], shares[1]])
    assert result.trustees == (2, 4, 5)
    rejected = {r.trustee: r.reason for r in result.rejected}
    assert set(rejected) == {1, 2}
    assert "entry 'contest/option-1'" in rejected[1]
    assert "duplicate" in rejected[2]
    table = DiscreteLogTable(10)
    assert [table.solve(e.plaintext) for e in result.entries] == [3, 0, 7]
    with pytest.raises(ProtocolError, match="only 2 valid"):
        combine_valid_shares(key, tally, [bad, shares[1], shares[2]])


def test_decrypt_requires_accepted_key(setup_3_of_5) -> None:  # type: ignore[no-untyped-def]
    _, secrets, tally, _ = setup_3_of_5
    unaccepted = replace(secrets[0], key_share=None, tag_key_shares=None)
    with pytest.raises(ProtocolError, match="accept-key"):
        create_decryption_share(unaccepted, tally, SeededRandomness("x"))


def test_wire_format_round_trip_and_tally_hash(setup_3_of_5) -> None:  # type: ignore[no-untyped-def]
    from honestballot.crypto.hashing import hash_bytes

    _, _, tally, shares = setup_3_of_5
    obj = rec.encode_encrypted_tally(tally)
    assert tally.hash == hash_bytes("encrypted-tally", canonical_bytes(obj))
    assert rec.load(rec.to_bytes(obj), rec.decode_encrypted_tally, "t").resolve({}) == tally
    s_obj = encode_share(shares[0])
    assert set(s_obj) == {"type", "version", "election", "trustee", "tally", "entries"}
    head = rec.load(rec.to_bytes(s_obj), share_head_from_json, "s")
    assert assemble(tally, head, {}) == shares[0]
    s_obj["entries"][0]["proof"]["c"] = "zz"
    with pytest.raises(RecordFormatError, match=r"entries\[0\]\.proof\.c"):
        share_head_from_json(s_obj)
    dup = dict(obj, entries=[obj["entries"][0], obj["entries"][0]])
    with pytest.raises(RecordFormatError, match="not unique"):
        rec.decode_encrypted_tally(dup)
