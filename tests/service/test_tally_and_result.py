"""The tally, the trustees' decryption shares and the published result on the election
service: bad, repeated and foreign shares are refused and named, the result needs the
threshold and verifies with a trustee absent."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from honestballot.errors import (
    InvalidShare,
    ProtocolError,
)
from honestballot.protocol.decryption import create_decryption_share
from honestballot.verify.verifier import verify_record
from tests.factories import (
    DemoCeremony,
    Election,
    encode_share,
    make_election,
)


def _closed_and_tallied(e: Election) -> Any:
    for i in range(len(e.voters)):
        e.cast(e.ballot(i))
    e.service.close(e.id)
    return e.service.tally(e.id)


def test_a_decryption_share_with_a_bad_proof_is_refused_and_named(election: Election) -> None:
    tally = _closed_and_tallied(election)
    share = encode_share(create_decryption_share(election.ceremony.secrets[2], tally, election.rng))
    corrupted = json.loads(json.dumps(share))
    corrupted["entries"][0]["share"] = share["entries"][1]["share"]
    before = election.events()
    with pytest.raises(InvalidShare) as info:
        election.service.submit_decryption_share(election.id, json.dumps(corrupted))
    assert "trustee 3" in str(info.value)
    assert corrupted["entries"][0]["id"] in str(info.value)
    assert election.events() == before
    # the honest share of the same trustee is then accepted
    election.service.submit_decryption_share(election.id, json.dumps(share))
    assert election.events() == before + 1


def test_a_second_share_of_the_same_trustee_is_refused(election: Election) -> None:
    tally = _closed_and_tallied(election)
    secret = election.ceremony.secrets[0]
    for attempt in range(2):
        share = create_decryption_share(secret, tally, election.rng)
        payload = json.dumps(encode_share(share))
        if attempt == 0:
            election.service.submit_decryption_share(election.id, payload)
            before = election.events()
        else:
            with pytest.raises(InvalidShare, match="trustee 1"):
                election.service.submit_decryption_share(election.id, payload)
    assert election.events() == before


def test_a_share_for_another_tally_is_refused(
    election: Election, ceremony: DemoCeremony, tmp_path: Path
) -> None:
    tally = _closed_and_tallied(election)
    other = make_election(ceremony, tmp_path / "other", "other tally", voters=2)
    try:
        # the same election (base hash) but other ciphertexts: the other board's tally
        other_tally = replace(_closed_and_tallied(other), election=tally.election)
        share = create_decryption_share(election.ceremony.secrets[0], other_tally, other.rng)
        before = election.events()
        with pytest.raises(InvalidShare, match="another tally"):
            election.service.submit_decryption_share(election.id, json.dumps(encode_share(share)))
        assert election.events() == before
    finally:
        other.service.store.close()


def test_the_result_with_one_trustee_absent(election: Election, tmp_path: Path) -> None:
    choices = [
        {"chair": {"cand-1"}, "council": {"member-1"}},
        {"chair": {"cand-1"}, "council": {"member-1", "member-3"}},
        {"chair": {"against-all"}, "council": {"blank"}},
        {"chair": {"cand-5"}, "council": {"member-2", "member-3", "member-6"}},
    ]
    for i, choice in enumerate(choices):
        election.cast(election.ballot(i, choice))
    election.service.close(election.id)
    counts = election.decrypt_and_publish(trustees=(1, 3))  # trustee 2 is absent
    assert counts["chair/cand-1"] == 2
    assert counts["chair/against-all"] == 1
    assert counts["chair/cand-5"] == 1
    assert counts["council/member-1"] == 2
    assert counts["council/member-3"] == 2
    assert counts["council/blank"] == 1
    assert sum(v for k, v in counts.items() if k.startswith("chair/") and "@" not in k) == 4
    assert election.service.phase(election.id) == "done"
    path = tmp_path / "record.jsonl"
    election.service.export_record(election.id, str(path))
    report = verify_record(path.read_bytes().splitlines(keepends=True), workers=1)
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    assert report.counts == counts


def test_the_result_needs_the_threshold(election: Election) -> None:
    tally = _closed_and_tallied(election)
    share = create_decryption_share(election.ceremony.secrets[1], tally, election.rng)
    election.service.submit_decryption_share(election.id, json.dumps(encode_share(share)))
    before = election.events()
    with pytest.raises(ProtocolError, match="threshold"):
        election.service.publish_result(election.id)
    assert election.events() == before
    assert election.service.phase(election.id) == "tallied"


def test_the_tally_is_only_computed_after_close(election: Election) -> None:
    with pytest.raises(ProtocolError):
        election.service.tally(election.id)
