"""Signed tree heads on the election service: an inclusion proof waits for the next head
rather than signing too often, and heads never go back in size or time whatever two
signers do (an election with re-voting protection, whose board grows by its batches)."""

from __future__ import annotations

import json
from pathlib import Path

from honestballot.crypto.merkle import MerkleTree, verify_inclusion
from honestballot.crypto.randomness import SeededRandomness
from honestballot.service.board.election import ElectionService
from honestballot.store.sql import SqlStore
from honestballot.verify.verifier import verify_record
from tests.factories import RevotingElection


def test_an_inclusion_proof_waits_for_the_next_head_instead_of_signing_too_often(
    protected: RevotingElection,
) -> None:
    service, eid = protected.web.services.elections, protected.id
    seq = protected.post_batch()[-1]  # the batch's last row
    heads = len(service.store.tree_head_lines(eid))
    # the latest head is fresh and does not cover the row: no new head, come back later
    assert service.inclusion_proof(eid, seq, sign_after_ms=None) is None
    assert service.inclusion_proof(eid, seq, sign_after_ms=3_600_000) is None
    assert len(service.store.tree_head_lines(eid)) == heads
    # the periodic signer's head covers it
    service.publish_tree_head(eid)
    found = service.inclusion_proof(eid, seq, sign_after_ms=None)
    assert found is not None
    sth, proof = found.witnessed.head, found.proof
    assert sth.head.size == seq + 1
    leaf = service.store.leaf_hashes(eid, start=seq)[0]
    verify_inclusion(leaf, seq, sth.head.size, proof, sth.head.root)


def test_tree_heads_never_go_back_whatever_two_signers_do(
    protected: RevotingElection, tmp_path: Path, database_url: str
) -> None:
    """Two services on one database (two processes): one signs with a view of the board
    that is out of date, or with a clock behind the other's; the stored heads still grow
    in size and time, and the record verifies."""
    service, eid = protected.web.services.elections, protected.id
    other = ElectionService(SqlStore(database_url), SeededRandomness("other"))
    try:
        protected.post_batch()  # entries no head covers yet
        stale = MerkleTree()
        for leaf in service.store.leaf_hashes(eid, start=0):
            stale.append_hash(leaf)
        added = protected.post_batch()
        other.clock = service.clock
        newer = other.publish_tree_head(eid)  # the other process signs the larger tree
        assert newer.head.size == stale.size + len(added)
        # this process signs with its old view: it gets the newer head, stores nothing
        service.tree = lambda election_id: stale  # type: ignore[method-assign]
        assert service.publish_tree_head(eid) == newer
        del service.tree
        # and a clock behind the other's never takes a head back in time
        protected.post_batch()
        service.clock = lambda: 1
        later = service.publish_tree_head(eid)
        assert later.head.size > newer.head.size
        assert later.head.timestamp_ms >= newer.head.timestamp_ms
    finally:
        other.store.close()
    heads = [json.loads(line) for _, line in service.store.tree_head_lines(eid)]
    times = [h["timestamp_ms"] for h in heads]
    assert times == sorted(times)
    path = tmp_path / "record.jsonl"
    service.export_record(eid, str(path))
    report = verify_record(path.read_bytes().splitlines(keepends=True), workers=1)
    assert report.passed, [(c.name, c.detail) for c in report.failures]
