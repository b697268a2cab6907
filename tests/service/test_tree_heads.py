"""Signed tree heads on the election service: an inclusion proof waits for the next head
rather than signing too often, and heads never go back in size or time whatever two
signers do."""

from __future__ import annotations

import json
from pathlib import Path

from honestballot.crypto.merkle import verify_inclusion
from honestballot.crypto.randomness import SeededRandomness
from honestballot.service.board.election import ElectionService
from honestballot.store.sql import SqlStore
from tests.factories import (
    Election,
)


def test_an_inclusion_proof_waits_for_the_next_head_instead_of_signing_too_often(
    election: Election,
) -> None:
    receipt = election.cast(election.ballot(0))
    heads = len(election.service.store.tree_head_lines(election.id))
    # the latest head is fresh and does not cover the ballot: no new head, come back later
    assert election.service.inclusion_proof(election.id, receipt.seq, sign_after_ms=None) is None
    assert (
        election.service.inclusion_proof(election.id, receipt.seq, sign_after_ms=3_600_000) is None
    )
    assert len(election.service.store.tree_head_lines(election.id)) == heads
    # the periodic signer's head covers it
    election.service.publish_tree_head(election.id)
    found = election.service.inclusion_proof(election.id, receipt.seq, sign_after_ms=None)
    assert found is not None
    sth, proof = found.witnessed.head, found.proof
    assert sth.head.size == receipt.seq + 1
    leaf = election.service.store.leaf_hashes(election.id, start=receipt.seq)[0]
    verify_inclusion(leaf, receipt.seq, sth.head.size, proof, sth.head.root)


def test_tree_heads_never_go_back_whatever_two_signers_do(
    election: Election, tmp_path: Path, database_url: str
) -> None:
    """Two services on one database (two processes): one signs with a view of the board
    that is out of date, or with a clock behind the other's; the stored heads still grow
    in size and time, and the record verifies."""
    from honestballot.crypto.merkle import MerkleTree

    eid = election.id
    other = ElectionService(SqlStore(database_url), SeededRandomness("other"))
    try:
        election.cast(election.ballot(0))  # an entry no head covers yet
        stale = MerkleTree()
        for leaf in election.service.store.leaf_hashes(eid, start=0):
            stale.append_hash(leaf)
        election.cast(election.ballot(2))
        newer = other.publish_tree_head(eid)  # the other process signs the larger tree
        assert newer.head.size == stale.size + 1
        # this process signs with its old view: it gets the newer head, stores nothing
        election.service.tree = lambda _eid: stale  # type: ignore[method-assign]
        assert election.service.publish_tree_head(eid) == newer
        del election.service.tree
        # and a clock behind the other's never takes a head back in time
        election.cast(election.ballot(1))
        election.service.clock = lambda: 1
        later = election.service.publish_tree_head(eid)
        assert later.head.size > newer.head.size
        assert later.head.timestamp_ms >= newer.head.timestamp_ms
    finally:
        other.store.close()
    heads = [json.loads(line) for _, line in election.service.store.tree_head_lines(eid)]
    times = [h["timestamp_ms"] for h in heads]
    assert times == sorted(times)
    report = election.record_report(tmp_path)
    assert report.passed, [(c.name, c.detail) for c in report.failures]
