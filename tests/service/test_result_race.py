"""The result and the shares on the board: a result combined from the shares one process
read must not be appended after another process stored one more share (the result names
the k lowest-numbered trustees of all the shares before it, §7); and whose shares are in
is read from share lines of any length a record line may have."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from honestballot.errors import ProtocolError
from honestballot.protocol.decryption import create_decryption_share
from honestballot.service.board.board_views import BoardViews
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


def test_the_trustees_of_a_share_line_above_32_mib_are_read(election: Election) -> None:
    """A decryption-share line may be as long as any record line (64 MiB: a tally's
    listed entries and many parts' digests); the trustee pages and the share upload read
    whose shares are in from every such line."""
    for i in range(len(election.voters)):
        election.cast(election.ballot(i))
    election.service.close(election.id)
    election.service.tally(election.id)
    store = election.service.store
    padding = "0" * (33 << 20)  # stands for the head's entries and part digests
    with store.transaction(election.id) as conn:
        # what the service's _append would write for such a head (its checks aside)
        election.service._append(
            conn, election.id, "decryption-share", {"share": {"trustee": 2, "pad": padding}}
        )
    views = BoardViews(store, election.service)
    assert views.published_trustees(election.id, "tallied") == [2]
