"""A record with a contest counted by mixing, made by honestballot's election service and
checked by hbcheck.py (standard library only, written from docs/record-format.md and
docs/shuffle.md): the manifest hash with its mixed contest, every mix's place, signature
and proof of shuffle, the chain's input in tracking-hash order, the tally's entries (the
summed contests' sums, then the last mix's rows), at least k mixers, and the result's
counts and ``mixed`` member from the decrypted rows.

``honestballot`` is imported only to *make* the election (and, where said, to compare
with its own values).
"""

from __future__ import annotations

import copy
import functools
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.ballot import encrypt_ballot
from honestballot.protocol.credential import generate_credential
from honestballot.protocol.decryption import create_decryption_share
from honestballot.protocol.election import manifest_hash
from honestballot.protocol.manifest import Contest, Label, Manifest, Option, Unit
from honestballot.protocol.mix import make_mix, mix_digest
from honestballot.record.ballot import ballot_to_json
from honestballot.record.mix import mix_from_json, mix_to_json
from honestballot.record.trustee import encode_decryption_share
from honestballot.service.board.election import ElectionService
from honestballot.store.sql import SqlStore
from honestballot.verify.verifier import verify_record
from tests.factories import key_ceremony

from . import hbcheck as hb

ELECTION = "mixed-independent"
#: (unit, choice) of each ballot cast, in order; voter 0 votes again at the end
VOTERS = ["north", "north", "south", "north", "south"]
CHOICES: list[dict[str, set[str]]] = [
    {"mayor": {"m1"}, "leader": {"a", "b"}},
    {"mayor": {"m2"}, "leader": {"blank"}},
    {"mayor": {"against-all"}, "leader": {"c"}},
    {"mayor": {"m1"}, "leader": {"against-all"}},
    {"mayor": {"m3"}, "leader": {"a"}},
]
REVOTE = {"mayor": {"m2"}, "leader": {"b", "c"}}
#: (trustee) at positions 1, 2 of the leader contest's chain; k = 2
MIXERS = (3, 1)


def lab(en: str) -> Label:
    return Label(f"{en} (рус)", f"{en} (қаз)", en)


def mixed_manifest() -> Manifest:
    """A summed contest (with against-all), and a mixed one with both exclusive options
    (five ciphertexts a row), over two units broken out."""
    mayor = Contest(
        "mayor", lab("Mayor"), tuple(Option(f"m{i}", lab(f"M{i}")) for i in (1, 2, 3)), 1, 1, True
    )
    leader = Contest(
        "leader",
        lab("Leader"),
        tuple(Option(x, lab(x.upper())) for x in "abc"),
        0,
        2,
        True,
        count="mix",
    )
    units = (Unit("north", lab("North")), Unit("south", lab("South")))
    return Manifest(ELECTION, lab("Mixed"), (mayor, leader), units, 2)


@functools.cache
def record_lines(directory: str) -> tuple[bytes, ...]:
    """The record of the whole election, as the service exports it."""
    (Path(directory) / "ceremony").mkdir()
    ceremony = key_ceremony(mixed_manifest(), Path(directory) / "ceremony", ELECTION)
    rng = SeededRandomness("mixed-independent")
    service = ElectionService(SqlStore(f"sqlite:///{directory}/store.sqlite"), rng)
    ctx = service.create(ceremony.manifest, ceremony.key)
    voters = [generate_credential(rng) for _ in VOTERS]
    for voter, unit in zip(voters, VOTERS, strict=True):
        service.register_credential(ELECTION, voter.public, unit)
    service.open(ELECTION)
    for voter, choice in [*zip(voters, CHOICES, strict=True), (voters[0], REVOTE)]:
        ballot, _ = encrypt_ballot(ctx, voter, choice, rng)
        service.cast(ELECTION, json.dumps(ballot_to_json(ballot)))
    service.close(ELECTION)
    for position, trustee in enumerate(MIXERS, start=1):
        share = ceremony.secrets[trustee - 1].key_share
        assert share is not None
        previous = service.mix_input(ELECTION, "leader")
        mix = make_mix(
            ctx.manifest, ctx.base_hash, ctx.public_key, "leader", position, trustee,
            previous, share, rng,
        )  # fmt: skip
        service.submit_mix(ELECTION, json.dumps(mix_to_json(mix)))
    tally = service.tally(ELECTION)
    for trustee in (2, 3):
        share = create_decryption_share(ceremony.secrets[trustee - 1], tally, rng)
        service.submit_decryption_share(ELECTION, json.dumps(encode_decryption_share(share)))
    service.publish_result(ELECTION)
    lines = tuple(service.record_lines(ELECTION))
    service.store.close()
    return lines


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, ...]:
    return record_lines(str(tmp_path_factory.mktemp("mixed-independent")))


@pytest.fixture(scope="module")
def events(record: tuple[bytes, ...]) -> list[dict[str, Any]]:
    parsed = [hb.strict_loads(line.rstrip(b"\n")) for line in record]
    assert all(isinstance(p, dict) for p in parsed)
    return [p for p in parsed if isinstance(p, dict) and p["type"] == "event"]


def of_kind(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [ev for ev in events if ev["kind"] == kind]


def setup_body(events: list[dict[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = events[0]["body"]
    return body


def test_honestballot_verifies_the_record(record: tuple[bytes, ...]) -> None:
    report = verify_record(list(record), workers=1)
    assert report.passed, [c for c in report.checks if not c.passed]
    assert any(c.name == "mix.proofs" and c.passed for c in report.checks)


def test_manifest_hash_with_a_mixed_contest(events: list[dict[str, Any]]) -> None:
    setup = setup_body(events)
    manifest = setup["manifest"]
    # only the mixed contest says how it is counted
    assert [c.get("count") for c in manifest["contests"]] == [None, "mix"]
    assert hb.manifest_hash(manifest) == manifest_hash(mixed_manifest())
    base = hb.setup_base_hash(setup)
    for ev in of_kind(events, "ballot"):
        assert ev["body"]["ballot"]["election"] == base.hex()
    # the mixed contest's tuple has a seventh part, T "mix"; without it the hash differs
    leader = hb.manifest_parts(manifest)[2].data
    assert leader.endswith(b"T" + hb.u64(3) + b"mix")
    summed = copy.deepcopy(manifest)
    del summed["contests"][1]["count"]
    assert hb.manifest_hash(summed) != hb.manifest_hash(manifest)
    explicit = copy.deepcopy(summed)
    explicit["contests"][1]["count"] = "sum"  # "sum" hashes as the key's absence
    assert hb.manifest_hash(explicit) == hb.manifest_hash(summed)
    explicit["contests"][1]["count"] = "shuffle"
    with pytest.raises(ValueError, match="count"):
        hb.manifest_hash(explicit)


def test_every_mix_signature_and_proof(events: list[dict[str, Any]]) -> None:
    setup = setup_body(events)
    base = hb.setup_base_hash(setup)
    counted = hb.counted_ballots(events)
    assert len(counted) == len(VOTERS) and len(of_kind(events, "superseded")) == 1
    chains = hb.check_mixes(base, setup, events, counted)
    assert list(chains) == ["leader"]
    assert [(m["position"], m["trustee"]) for m in chains["leader"]] == [(1, 3), (2, 1)]
    hb.check_chains_complete(
        setup["manifest"], setup["election_key"]["ceremony"]["threshold"], chains
    )
    keys = {v["trustee"]: v["key"] for v in setup["election_key"]["verification_keys"]}
    for ev in of_kind(events, "mix"):
        mix = ev["body"]
        # the signed digest is honestballot's, part for part
        ours = mix_digest(base, mix_from_json(mix, "mix"))
        assert hb.mix_digest(base, mix) == ours
        hb.verify_mix_signature(base, keys[mix["trustee"]], mix)
        other = keys[2]  # trustee 2 mixed nothing: its key does not verify a mix
        with pytest.raises(ValueError, match="signature"):
            hb.verify_mix_signature(base, other, mix)


def test_the_chain_starts_from_the_counted_ballots_in_tracking_hash_order(
    events: list[dict[str, Any]],
) -> None:
    setup = setup_body(events)
    base = hb.setup_base_hash(setup)
    counted = hb.counted_ballots(events)
    first = of_kind(events, "mix")[0]["body"]
    context = hb.mix_context(base, "leader", 1, first["trustee"])
    key = setup["election_key"]["public_key"]
    ordered = hb.chain_input(setup["manifest"], "leader", base, counted)
    tracking = sorted(hb.ballot_tracking_hash(base, b) for _, b in counted)
    assert ordered == [
        next(b for _, b in counted if hb.ballot_tracking_hash(base, b) == t)["contests"][1][
            "ciphertexts"
        ]
        for t in tracking
    ]
    assert hb.verify_shuffle(context, key, ordered, first["rows"], first["proof"])
    # the same ballots in board order are another statement
    board_order = [b["contests"][1]["ciphertexts"] for _, b in counted]
    assert board_order != ordered
    assert not hb.verify_shuffle(context, key, board_order, first["rows"], first["proof"])
    # a superseded ballot is not in the input
    revoked = of_kind(events, "ballot")[0]["body"]["ballot"]["contests"][1]["ciphertexts"]
    assert revoked not in ordered
    # the proof is bound to its place: another position or trustee in the context fails
    for position, trustee in ((2, first["trustee"]), (1, 2)):
        moved = hb.mix_context(base, "leader", position, trustee)
        assert not hb.verify_shuffle(moved, key, ordered, first["rows"], first["proof"])


def test_the_tally_holds_the_last_mix_rows(events: list[dict[str, Any]]) -> None:
    setup = setup_body(events)
    base = hb.setup_base_hash(setup)
    counted = hb.counted_ballots(events)
    chains = hb.check_mixes(base, setup, events, counted)
    body = of_kind(events, "tally")[0]["body"]
    entries, per_unit = hb.aggregate_tally(
        setup["manifest"], counted, {c: chain[-1]["rows"] for c, chain in chains.items()}
    )
    assert (
        per_unit
        == body["counted_per_unit"]
        == [
            {"unit": "north", "ballots": 3},
            {"unit": "south", "ballots": 2},
        ]
    )
    assert body["tally"]["election"] == base.hex()
    published = body["tally"]["entries"]
    assert [e[0] for e in entries] == [e["id"] for e in published]
    for (eid, a, b), te in zip(entries, published, strict=True):
        assert (a.hex(), b.hex()) == (te["alpha"], te["beta"]), eid
    ids = [e["id"] for e in published]
    mayor = ["m1", "m2", "m3", "against-all"]
    leader = ["a", "b", "c", "against-all", "blank"]
    # the summed contest's totals, then per unit (both broken out), then the mixed rows;
    # no sums and no per-unit entries for the mixed contest
    assert ids == [
        *(f"mayor/{o}" for o in mayor),
        *(f"mayor/{o}@{u}" for u in ("north", "south") for o in mayor),
        *(f"leader#{i}/{o}" for i in range(len(VOTERS)) for o in leader),
    ]
    # the first mix's rows instead of the last's: the tally does not stand
    first = {c: chain[0]["rows"] for c, chain in chains.items()}
    again, _ = hb.aggregate_tally(setup["manifest"], counted, first)
    assert [(a.hex(), b.hex()) for _, a, b in again] != [
        (te["alpha"], te["beta"]) for te in published
    ]
    # with the second mix cut, one trustee mixed: fewer than k = 2
    cut = {"leader": chains["leader"][:1]}
    with pytest.raises(ValueError, match="fewer than k = 2"):
        hb.check_chains_complete(setup["manifest"], 2, cut)


def test_the_result_counts_the_decrypted_rows(events: list[dict[str, Any]]) -> None:
    setup = setup_body(events)
    tally = of_kind(events, "tally")[0]["body"]["tally"]
    result = of_kind(events, "result")[0]["body"]
    shares = {
        ev["body"]["share"]["trustee"]: ev["body"]["share"]
        for ev in of_kind(events, "decryption-share")
    }
    # with a contest counted by mixing, the result has "mixed"
    assert set(result) == {"counts", "trustees", "rejected_shares", "mixed"}
    k = setup["election_key"]["ceremony"]["threshold"]
    used = sorted(shares)[:k]
    assert used == result["trustees"] == [2, 3]
    n = len(VOTERS)
    counts = {}
    for eid, m_b in hb.combine(tally, shares, used):
        m = hb.discrete_log(m_b, n)
        assert m is not None, eid
        counts[eid] = m
    assert [{"id": i, "count": c} for i, c in counts.items()] == result["counts"]
    assert hb.mixed_counts(setup["manifest"], n, counts) == result["mixed"]
    # the rows are the counted ballots' selections, in another order
    leader = ["a", "b", "c", "against-all", "blank"]
    rows = Counter(tuple(counts[f"leader#{i}/{o}"] for o in leader) for i in range(n))
    ballots = [REVOTE, *CHOICES[1:]]
    assert rows == Counter(tuple(int(o in c["leader"]) for o in leader) for c in ballots)
    assert result["mixed"] == [
        {
            "contest": "leader",
            "counts": [
                {"id": "leader/a", "count": 1},
                {"id": "leader/b", "count": 1},
                {"id": "leader/c", "count": 2},
                {"id": "leader/against-all", "count": 1},
                {"id": "leader/blank", "count": 1},
            ],
        }
    ]
    # a row that no ballot's proofs allow is refused
    bad = dict(counts)
    bad["leader#0/blank"], bad["leader#0/a"] = 1, 1
    with pytest.raises(ValueError, match="not admissible"):
        hb.mixed_counts(setup["manifest"], n, bad)


def test_admissible_rows() -> None:
    leader = {
        "min_selections": 0,
        "max_selections": 2,
        "against_all": True,
        "options": [{"id": x, "label": {}} for x in "abc"],
    }
    for row, ok in [
        ((1, 1, 0, 0, 0), True),
        ((0, 0, 1, 0, 0), True),
        ((0, 0, 0, 1, 0), True),
        ((0, 0, 0, 0, 1), True),
        ((1, 1, 1, 0, 0), False),  # over-vote
        ((0, 0, 0, 0, 0), False),  # with an explicit blank, no empty ballot
        ((1, 0, 0, 0, 1), False),  # an exclusive option with another
        ((0, 0, 0, 1, 1), False),
        ((2, 0, 0, 0, 0), False),
        ((1, 0, 0, 0), False),  # a row of the wrong width
    ]:
        assert hb.admissible(leader, row) is ok, row


def test_tampered_mixes_are_refused(events: list[dict[str, Any]]) -> None:
    setup = setup_body(events)
    base = hb.setup_base_hash(setup)
    counted = hb.counted_ballots(events)
    index = [i for i, ev in enumerate(events) if ev["kind"] == "mix"]

    def refused(change: Any, match: str) -> None:
        altered = copy.deepcopy(events)
        change(altered)
        with pytest.raises(ValueError, match=match):
            hb.check_mixes(base, setup, altered, counted)

    def swap_rows(evs: list[dict[str, Any]]) -> None:
        rows = evs[index[0]]["body"]["rows"]
        rows[0], rows[1] = rows[1], rows[0]

    def another_trustee(evs: list[dict[str, Any]]) -> None:
        evs[index[0]]["body"]["trustee"] = 2

    def same_trustee(evs: list[dict[str, Any]]) -> None:
        evs[index[1]]["body"]["trustee"] = MIXERS[0]

    def skip_position(evs: list[dict[str, Any]]) -> None:
        evs[index[1]]["body"]["position"] = 3

    def summed_contest(evs: list[dict[str, Any]]) -> None:
        evs[index[0]]["body"]["contest"] = "mayor"

    def after_the_tally(evs: list[dict[str, Any]]) -> None:
        mix = evs.pop(index[1])
        evs.insert(next(i for i, ev in enumerate(evs) if ev["kind"] == "tally") + 1, mix)

    refused(swap_rows, "signature")  # the digest covers the rows
    refused(another_trustee, "signature")
    refused(same_trustee, "may not mix")
    refused(skip_position, "position 3, not 2")
    refused(summed_contest, "not counted by mixing")
    refused(after_the_tally, "a mix after the tally")
    # swapped rows fail the proof of shuffle itself, whoever signs them
    first = events[index[0]]["body"]
    rows = [first["rows"][1], first["rows"][0], *first["rows"][2:]]
    context = hb.mix_context(base, "leader", 1, first["trustee"])
    previous = hb.chain_input(setup["manifest"], "leader", base, counted)
    key = setup["election_key"]["public_key"]
    assert not hb.verify_shuffle(context, key, previous, rows, first["proof"])
