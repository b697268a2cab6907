"""The result and the shares stored meanwhile: a result combined from the shares one
process read must not be appended after another process stored one more share (the
result names the k lowest-numbered trustees of all the shares before it, §7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from honestballot.errors import ProtocolError
from honestballot.protocol.decryption import create_decryption_share
from honestballot.verify.verifier import verify_record
from tests.factories import Election, encode_share


def test_a_result_from_shares_read_before_another_was_stored_is_refused(
    election: Election, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(len(election.voters)):
        election.cast(election.ballot(i))
    election.service.close(election.id)
    tally = election.service.tally(election.id)

    def submit(trustee: int) -> None:
        secret = election.ceremony.secrets[trustee - 1]
        share = create_decryption_share(secret, tally, election.rng)
        election.service.submit_decryption_share(election.id, json.dumps(encode_share(share)))

    submit(1)
    submit(3)
    # one process read the shares of trustees 1 and 3 ...
    seen = election.service.share_heads(election.id)
    # ... while another stored trustee 2's, which the result must combine with 1's
    submit(2)
    monkeypatch.setattr(election.service, "share_heads", lambda _election_id: seen)
    with pytest.raises(ProtocolError, match="meanwhile"):
        election.service.publish_result(election.id)
    assert election.service.phase(election.id) == "tallied"
    monkeypatch.undo()
    election.service.publish_result(election.id)
    path = tmp_path / "record.jsonl"
    election.service.export_record(election.id, str(path))
    report = verify_record(path.read_bytes().splitlines(keepends=True), workers=1)
    assert report.passed, [(c.name, c.detail) for c in report.failures]
