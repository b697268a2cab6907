"""A record with ranked contests, made by honestballot's election service and checked by
hbcheck.py (standard library only, written from docs/record-format.md): the manifest
hash of the ranked contests, every ballot's rank proofs and signature, the mixes, the
tally naming the last mixes, the trustees' shares of their `contest#row/rank-i` rows in
`share-part` events, and the result's `ranked` member (IRV rounds, Schulze's matrices and
ranking) recounted from the decrypted rows.

``honestballot`` is imported to *make* the election, and, in the last test, to compare
its count with hbcheck's on random profiles (Hypothesis).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honestballot.protocol.election import manifest_hash
from honestballot.protocol.ranked import count_irv, count_schulze
from tests.factories import (
    RANKED_ELECTION,
    RANKED_VOTES,
    DemoCeremony,
    key_ceremony,
    ranked_manifest,
    run_ranked_election,
)

from . import hbcheck as hb


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    directory = tmp_path_factory.mktemp("ranked-independent")
    ceremony: DemoCeremony = key_ceremony(ranked_manifest(), directory, "ranked")
    service = run_ranked_election(ceremony, f"sqlite:///{directory / 'store.sqlite'}")
    lines = [json.loads(line) for line in service.record_lines(RANKED_ELECTION)]
    return [obj for obj in lines if obj.get("type") == "event"]


def _of_kind(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [ev for ev in events if ev["kind"] == kind]


def test_the_ranked_record_checks_out_independently(
    events: list[dict[str, Any]], tmp_path: Path
) -> None:
    setup = _of_kind(events, "setup")[0]["body"]
    manifest = setup["manifest"]
    assert hb.manifest_hash(manifest) == manifest_hash(ranked_manifest())
    # the ranked contest's tuple ends with T "ranked", T its method
    leader = hb.manifest_parts(manifest)[2].data
    assert b"T" + hb.u64(6) + b"ranked" + b"T" + hb.u64(3) + b"irv" in leader
    base = hb.setup_base_hash(setup)
    h = hb.decode_point(setup["election_key"]["public_key"])
    for ev in _of_kind(events, "ballot"):
        hb.verify_ballot(base, h, manifest, ev["body"]["ballot"])
    # a rank proof moved to another position fails
    ballot = json.loads(json.dumps(_of_kind(events, "ballot")[0]["body"]["ballot"]))
    proofs = ballot["contests"][0]["option_proofs"]
    proofs[0], proofs[1] = proofs[1], proofs[0]
    with pytest.raises(ValueError, match="rank proof leader"):
        hb.verify_ballot(base, h, manifest, ballot)

    counted = hb.counted_ballots(events)
    chains = hb.check_mixes(base, setup, events, counted)
    assert {c: [m["trustee"] for m in chain] for c, chain in chains.items()} == {
        "leader": [2, 3],
        "board": [2, 3],
    }
    tally_body = hb.check_tally(base, setup, events, counted, chains)
    # nothing is summed: the tally lists no entry and names both contests' last mixes
    assert tally_body["tally"]["entries"] == []
    assert tally_body["tally"]["mixes"] == [
        {"contest": c, "mix": hb.mix_digest(base, chains[c][-1]).hex(), "rows": len(counted)}
        for c in ("leader", "board")
    ]
    entries, shares = hb.check_decryption_shares(base, setup, events, chains)
    assert [e[0] for e in entries] == [
        hb.row_entry_id(mc["id"], i, s)
        for mc in manifest["contests"]
        for i in range(len(counted))
        for s in hb.slots(mc)
    ]
    result = _of_kind(events, "result")[0]["body"]
    n = len(RANKED_VOTES)
    bound = hb.dlog_bound(manifest, n)
    counts = {}
    for eid, m_b in hb.combine(entries, shares, result["trustees"]):
        m = hb.discrete_log(m_b, bound)
        assert m is not None, eid
        counts[eid] = m
    # the result's counts list the tally's listed entries: none
    assert result["counts"] == []
    assert hb.check_result(base, setup, events, entries, shares) == (result, counts)
    assert set(result) == {"counts", "trustees", "rejected_shares", "ranked"}
    assert hb.ranked_counts(manifest, base, n, counts) == result["ranked"]
    # a row no ballot's proofs allow: nothing at position 1
    bad = dict(counts)
    bad["leader#0/rank-1"] = 0
    with pytest.raises(ValueError, match="position 1"):
        hb.ranked_counts(manifest, base, n, bad)


def test_the_independent_count_breaks_ties_as_the_spec_says() -> None:
    # IRV: a first-round tie between a and b, broken by lot (the first in lot order out)
    assert hb.irv(["a", "b"], [["a"], ["b"]], ["b", "a"])["winner"] == "a"
    # Schulze: a two-way tie; the tie-breaking ranking starts with the first drawn ranking
    rankings = [["a", "b"], ["b", "a"]]
    out = hb.schulze(["a", "b"], rankings, bytes(32), "leader", ["a", "b"])
    j = int.from_bytes(hb.hash_bytes("ranked/draw", hb.By(bytes(32)), hb.Tx("leader"), hb.In(0)))
    assert out["winners"] == ["a", "b"]
    assert out["winner"] == rankings[j % 2][0] == out["tie_breaking"][0]


_CANDIDATES = ["a", "b", "c", "d", "e"]


@st.composite
def _profiles(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    """A few candidates and rankings of them (small, so that ties are frequent)."""
    n = draw(st.integers(2, 5))
    candidates = _CANDIDATES[:n]
    ranking = st.permutations(candidates).flatmap(
        lambda p: st.integers(1, n).map(lambda k: list(p[:k]))
    )
    return candidates, draw(st.lists(ranking, max_size=12))


@settings(max_examples=300, deadline=None)
@given(_profiles(), st.binary(min_size=32, max_size=32))
def test_the_count_agrees_with_the_independent_one(
    profile: tuple[list[str], list[list[str]]], base: bytes
) -> None:
    """honestballot's IRV and Schulze against hbcheck's, written from the spec alone, on
    random profiles with ties, exhausted rankings and empty elections."""
    candidates, rankings = profile
    lot = sorted(
        candidates,
        key=lambda c: hb.hash_bytes("ranked/lot", hb.By(base), hb.Tx("leader"), hb.Tx(c)),
    )
    assert count_irv(candidates, rankings, lot) == hb.irv(candidates, rankings, lot)
    ours = count_schulze(candidates, rankings, base, "leader", lot)
    assert ours == hb.schulze(candidates, rankings, base, "leader", lot)
    # a Condorcet winner (beating every other candidate head to head) wins Schulze
    d = ours["d"]
    condorcet = [
        c
        for i, c in enumerate(candidates)
        if all(d[i][j] > d[j][i] for j in range(len(candidates)) if j != i)
    ]
    if condorcet:
        assert ours["winners"] == condorcet and ours["winner"] == condorcet[0]
