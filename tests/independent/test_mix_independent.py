"""A record with a contest counted by mixing, made by honestballot's election service and
checked by hbcheck.py (standard library only, written from docs/record-format.md and
docs/shuffle.md): the manifest hash with its mixed contest, every mix's parts (each
part's place, shape and signature; the mix assembled from the parts it names) and every
mix's place, signature and proof of shuffle, the chain's input in tracking-hash order, the
tally (the summed contests' sums listed, the last mix named in ``mixes``), at least k
mixers, every trustee's shares of the mixed rows in ``share-part`` events (each part's
place, shape, signature and proofs; the share's ``parts`` covering the rows in order; a
record edited to break them is refused by ``decryption.shares``), and the result's counts
of the listed entries and ``mixed`` member from the decrypted rows.

The trustees publish their mixes in several parts each, and before its real mix trustee 3
leaves behind one part of a shuffle it abandoned (an interrupted upload): a part that no
mix names, which changes nothing.

``honestballot`` is imported only to *make* the election (and, where said, to compare
with its own values).

The manifest hash with the mixed contest is checked on the setup of an election with
re-voting protection (created, not opened: ``protected_setup``); the record of the
mix chain is of version 1's flow, whose count by ``mix``, ``tally`` and shares goes with
it (docs/coercion.md §14 item 8; the close's mixed column:
test_close_paths_independent.py).
"""

from __future__ import annotations

import copy
import functools
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.protocol.ballot import encrypt_ballot
from honestballot.protocol.credential import generate_credential
from honestballot.protocol.election import manifest_hash
from honestballot.protocol.manifest import Contest, Label, Manifest, Option, Unit
from honestballot.protocol.mix import make_mix
from honestballot.protocol.mix_parts import head_digest, part_digest, publish_mix
from honestballot.record.ballot import ballot_to_json
from honestballot.record.mix import (
    mix_head_from_json,
    mix_head_to_json,
    mix_part_from_json,
    mix_part_to_json,
)
from honestballot.service.board.election import ElectionService
from honestballot.store.sql import SqlStore
from honestballot.verify.verifier import verify_record
from tests.factories import SMALL_SCHEDULE, key_ceremony, share_lines

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
#: rows per part of each mixer's mix: 2 + 2 + 1, then 3 + 2
ROWS_PER_PART = {3: 2, 1: 3}
#: the trustees' key shares, as integers, once the record is made (to re-sign parts)
KEY_SHARES: dict[int, int] = {}


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
    ctx = service.create(ceremony.manifest, ceremony.key, unprotected=True)
    voters = [generate_credential(rng) for _ in VOTERS]
    for voter, unit in zip(voters, VOTERS, strict=True):
        service.register_credential(ELECTION, voter.public, unit)
    service.open(ELECTION)
    for voter, choice in [*zip(voters, CHOICES, strict=True), (voters[0], REVOTE)]:
        ballot, _ = encrypt_ballot(ctx, voter, choice, rng)
        service.cast(ELECTION, json.dumps(ballot_to_json(ballot)))
    service.close(ELECTION)

    def send(kind: str, body: dict[str, Any]) -> bool:
        line = json.dumps({"kind": kind, "body": body})
        _, stored = service.submit_mix_line(ELECTION, line)
        return stored

    for position, trustee in enumerate(MIXERS, start=1):
        share = ceremony.secrets[trustee - 1].key_share
        assert share is not None
        previous = service.mix_input(ELECTION, "leader")
        if position == 1:
            # a shuffle abandoned after its first part was sent: the part stays behind
            abandoned = make_mix(
                ctx.manifest, ctx.base_hash, ctx.public_key, "leader", position, trustee,
                previous, rng,
            )  # fmt: skip
            parts, _ = publish_mix(ctx.base_hash, abandoned, share, rng, rows_per_part=2)
            assert send("mix-part", mix_part_to_json(parts[0]))
        mix = make_mix(
            ctx.manifest, ctx.base_hash, ctx.public_key, "leader", position, trustee,
            previous, rng,
        )  # fmt: skip
        parts, head = publish_mix(
            ctx.base_hash, mix, share, rng, rows_per_part=ROWS_PER_PART[trustee]
        )
        for part in parts:
            assert send("mix-part", mix_part_to_json(part))
        # a part sent again (an upload resumed) is not stored twice
        assert not send("mix-part", mix_part_to_json(parts[0]))
        assert send("mix", mix_head_to_json(head))
    tally = service.tally(ELECTION)
    for trustee in (2, 3):
        key_share = ceremony.secrets[trustee - 1].key_share
        assert key_share is not None
        KEY_SHARES[trustee] = key_share.value
        for line in share_lines(ceremony.secrets[trustee - 1], tally, rng, rows_per_part=2):
            service.submit_decryption_share(ELECTION, line)
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


@pytest.fixture(scope="module")
def protected_setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], bytes]:
    """The setup event's body of the mixed manifest's election with re-voting protection
    (an organiser's key and a batch schedule), as the service created it, and the base
    hash honestballot gives it."""
    directory = tmp_path_factory.mktemp("mixed-protected")
    ceremony = key_ceremony(mixed_manifest(), directory, f"{ELECTION} protected")
    rng = SeededRandomness("mixed-independent protected")
    service = ElectionService(SqlStore(f"sqlite:///{directory}/store.sqlite"), rng)
    try:
        ctx = service.create(
            ceremony.manifest, ceremony.key,
            organiser_key=base_mul(random_nonzero_scalar(rng)), schedule=SMALL_SCHEDULE,
        )  # fmt: skip
        setup = service.setup_body(ELECTION)
    finally:
        service.store.close()
    return setup, ctx.base_hash


def of_kind(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [ev for ev in events if ev["kind"] == kind]


def setup_body(events: list[dict[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = events[0]["body"]
    return body


def test_honestballot_verifies_the_record(record: tuple[bytes, ...]) -> None:
    report = verify_record(list(record), workers=1)
    assert report.passed, [c for c in report.checks if not c.passed]
    assert any(c.name == "mix.proofs" and c.passed for c in report.checks)


def test_manifest_hash_with_a_mixed_contest(
    protected_setup: tuple[dict[str, Any], bytes],
) -> None:
    setup, base = protected_setup
    assert "schedule" in setup  # an election with re-voting protection
    manifest = setup["manifest"]
    # only the mixed contest says how it is counted
    assert [c.get("count") for c in manifest["contests"]] == [None, "mix"]
    assert hb.manifest_hash(manifest) == manifest_hash(mixed_manifest())
    # the base hash the ballots (and the close) are bound to, as honestballot has it
    assert hb.setup_base_hash(setup) == base
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
    other = keys[2]  # trustee 2 mixed nothing: its key verifies no part and no mix
    digests = {}
    for ev in of_kind(events, "mix-part"):
        part = ev["body"]
        # the signed digest is honestballot's, part for part
        digest = hb.part_digest(base, part)
        assert digest == part_digest(base, mix_part_from_json(part, "mix-part"))
        hb.verify_mix_signature(base, keys[part["trustee"]], digest, part["signature"])
        with pytest.raises(ValueError, match="signature"):
            hb.verify_mix_signature(base, other, digest, part["signature"])
        digests[digest.hex()] = part
    for ev, mix in zip(of_kind(events, "mix"), chains["leader"], strict=True):
        head = ev["body"]
        digest = hb.mix_digest(base, head)
        assert digest == head_digest(base, mix_head_from_json(head, "mix"))
        hb.verify_mix_signature(base, keys[head["trustee"]], digest, head["signature"])
        with pytest.raises(ValueError, match="signature"):
            hb.verify_mix_signature(base, other, digest, head["signature"])
        # the mix is its parts' rows, in the order the mix names them
        named = [digests[d] for d in head["parts"]]
        assert [p["part"] for p in named] == list(range(len(named)))
        assert mix["rows"] == [row for p in named for row in p["rows"]]
    # trustee 3's mix in 2 + 2 + 1 rows, trustee 1's in 3 + 2
    assert [[len(digests[d]["rows"]) for d in ev["body"]["parts"]] for ev in
            of_kind(events, "mix")] == [[2, 2, 1], [3, 2]]  # fmt: skip


def test_a_part_no_mix_names_changes_nothing(events: list[dict[str, Any]]) -> None:
    setup = setup_body(events)
    base = hb.setup_base_hash(setup)
    named = {d for ev in of_kind(events, "mix") for d in ev["body"]["parts"]}
    parts = {hb.part_digest(base, ev["body"]).hex(): ev for ev in of_kind(events, "mix-part")}
    # the part sent twice stands once
    assert len(parts) == len(of_kind(events, "mix-part")) == 6
    (left,) = [ev for d, ev in parts.items() if d not in named]
    first_mix = of_kind(events, "mix")[0]
    assert left["seq"] < first_mix["seq"]
    assert {k: left["body"][k] for k in ("contest", "position", "trustee", "part", "offset")} == {
        "contest": "leader",
        "position": 1,
        "trustee": 3,
        "part": 0,
        "offset": 0,
    }
    # the chain is the same without it
    counted = hb.counted_ballots(events)
    without = [ev for ev in events if ev is not left]
    assert hb.check_mixes(base, setup, without, counted) == hb.check_mixes(
        base, setup, events, counted
    )


def test_the_chain_starts_from_the_counted_ballots_in_tracking_hash_order(
    events: list[dict[str, Any]],
) -> None:
    setup = setup_body(events)
    base = hb.setup_base_hash(setup)
    counted = hb.counted_ballots(events)
    # the first mix, assembled from the parts it names
    first = hb.check_mixes(base, setup, events, counted)["leader"][0]
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


def test_the_tally_names_the_last_mix(events: list[dict[str, Any]]) -> None:
    setup = setup_body(events)
    base = hb.setup_base_hash(setup)
    counted = hb.counted_ballots(events)
    chains = hb.check_mixes(base, setup, events, counted)
    body = of_kind(events, "tally")[0]["body"]
    assert hb.check_tally(base, setup, events, counted, chains) == body
    entries, per_unit = hb.aggregate_tally(setup["manifest"], counted)
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
    for (eid, a, b), te in zip(entries, published, strict=True):
        assert (eid, a.hex(), b.hex()) == (te["id"], te["alpha"], te["beta"])
    mayor = ["m1", "m2", "m3", "against-all"]
    # the summed contest's totals, then per unit (both broken out); the mixed rows are not
    # listed, and there are no sums and no per-unit entries for the mixed contest
    assert [e["id"] for e in published] == [
        *(f"mayor/{o}" for o in mayor),
        *(f"mayor/{o}@{u}" for u in ("north", "south") for o in mayor),
    ]
    last = chains["leader"][-1]
    assert body["tally"]["mixes"] == [
        {"contest": "leader", "mix": hb.mix_digest(base, last).hex(), "rows": len(VOTERS)}
    ]
    # the digest is the one its trustee signed (honestballot's), and names the last mix
    (head,) = [ev["body"] for ev in of_kind(events, "mix") if ev["body"]["position"] == 2]
    assert hb.mix_digest(base, last) == head_digest(base, mix_head_from_json(head, "mix"))
    assert hb.named_mix_rows(base, body["tally"], chains) == {"leader": last["rows"]}

    def refused(change: Any, match: str) -> None:
        altered = copy.deepcopy(events)
        change(of_kind(altered, "tally")[0]["body"]["tally"])
        with pytest.raises(ValueError, match=f"tally.aggregation: .*{match}"):
            hb.check_tally(base, setup, altered, counted, chains)

    def first_mix(tally: dict[str, Any]) -> None:
        tally["mixes"][0]["mix"] = hb.mix_digest(base, chains["leader"][0]).hex()

    def fewer_rows(tally: dict[str, Any]) -> None:
        tally["mixes"][0]["rows"] = 4

    def no_mixes(tally: dict[str, Any]) -> None:
        del tally["mixes"]

    def rows_listed(tally: dict[str, Any]) -> None:
        leader = ["a", "b", "c", "against-all", "blank"]
        tally["entries"] += [
            {"id": hb.row_entry_id("leader", i, o), "alpha": ct["alpha"], "beta": ct["beta"]}
            for i, row in enumerate(last["rows"])
            for o, ct in zip(leader, row, strict=True)
        ]

    def too_many_listed(tally: dict[str, Any]) -> None:
        tally["entries"] = tally["entries"] * (100_000 // len(tally["entries"]) + 1)

    refused(first_mix, "mixes")
    refused(too_many_listed, "more than 100,000 entries")
    refused(fewer_rows, "mixes")
    refused(no_mixes, "keys")
    refused(rows_listed, "listed entries")
    # the first mix's digest instead of the last's: another tally hash
    other = copy.deepcopy(body["tally"])
    first_mix(other)
    assert hb.tally_hash(other) != hb.tally_hash(body["tally"])
    # with the second mix cut, one trustee mixed: fewer than k = 2
    cut = {"leader": chains["leader"][:1]}
    with pytest.raises(ValueError, match="fewer than k = 2"):
        hb.check_tally(base, setup, events, counted, cut)


def test_the_shares_in_parts(events: list[dict[str, Any]]) -> None:
    setup = setup_body(events)
    base = hb.setup_base_hash(setup)
    tally = of_kind(events, "tally")[0]["body"]["tally"]
    t_hash = hb.tally_hash(tally)
    parts = of_kind(events, "share-part")
    # each trustee's share of the five rows in parts of 2, 2 and 1 rows, before its share
    assert [(p["body"]["trustee"], p["body"]["offset"], len(p["body"]["rows"])) for p in parts] == [
        (t, o, m) for t in (2, 3) for o, m in ((0, 2), (2, 2), (4, 1))
    ]
    for ev in of_kind(events, "decryption-share"):
        share = ev["body"]["share"]
        mine = [p for p in parts if p["body"]["trustee"] == share["trustee"]]
        assert share["parts"] == [hb.share_part_digest(base, p["body"]).hex() for p in mine]
        assert all(p["seq"] < ev["seq"] for p in mine)
        assert [e["id"] for e in share["entries"]] == [e["id"] for e in tally["entries"]]
    for p in parts:
        assert p["body"]["tally"] == t_hash.hex()
    counted = hb.counted_ballots(events)
    chains = hb.check_mixes(base, setup, events, counted)
    entries, shares = hb.check_decryption_shares(base, setup, events, chains)
    leader = ["a", "b", "c", "against-all", "blank"]
    assert [e[0] for e in entries] == [
        *(e["id"] for e in tally["entries"]),
        *(hb.row_entry_id("leader", i, o) for i in range(len(VOTERS)) for o in leader),
    ]
    assert sorted(shares) == [2, 3]
    for share in shares.values():
        assert [eid for eid, _ in share] == [eid for eid, _, _ in entries]
    # a part that stands twice breaks board rule 7: a trustee's parts follow on, each once
    again = copy.deepcopy(events)
    i = next(j for j, ev in enumerate(again) if ev["kind"] == "share-part")
    again.insert(i + 1, copy.deepcopy(again[i]))
    with pytest.raises(ValueError, match=r"^decryption.shares: .*does not follow on"):
        hb.check_decryption_shares(base, setup, again, chains)


def test_tampered_share_parts_are_named(events: list[dict[str, Any]]) -> None:
    """A record edited line by line (the board's tree heads would fail too): hbcheck names
    the share check, and what in it fails."""
    setup = setup_body(events)
    base = hb.setup_base_hash(setup)
    counted = hb.counted_ballots(events)
    chains = hb.check_mixes(base, setup, events, counted)
    keys = {v["trustee"]: v["key"] for v in setup["election_key"]["verification_keys"]}
    at = {
        (ev["body"]["trustee"], ev["body"]["part"]): i
        for i, ev in enumerate(events)
        if ev["kind"] == "share-part"
    }
    heads = {
        ev["body"]["share"]["trustee"]: i
        for i, ev in enumerate(events)
        if ev["kind"] == "decryption-share"
    }
    tally_at = next(i for i, ev in enumerate(events) if ev["kind"] == "tally")

    def resign(part: dict[str, Any]) -> None:
        """Sign a part again with its trustee's key share (a trustee who lies)."""
        x, k = KEY_SHARES[part["trustee"]], 0x1234567
        r = hb.B * k
        digest = hb.share_part_digest(base, part)
        key = keys[part["trustee"]]
        c = hb.hash_to_scalar("mix/signature", *hb.mix_signature_parts(base, key, digest, r))
        part["signature"] = {"c": hb.scalar_hex(c), "s": hb.scalar_hex((k + c * x) % hb.L)}

    def refused(change: Any, match: str) -> None:
        altered = copy.deepcopy(events)
        change(altered)
        with pytest.raises(ValueError, match=f"^decryption.shares: .*{match}"):
            hb.check_decryption_shares(base, setup, altered, chains)
        with pytest.raises(ValueError, match=f"^decryption.shares: .*{match}"):
            hb.check_count(altered)

    def part(evs: list[dict[str, Any]], trustee: int, i: int) -> dict[str, Any]:
        body: dict[str, Any] = evs[at[trustee, i]]["body"]
        return body

    def named(evs: list[dict[str, Any]], trustee: int) -> list[str]:
        names: list[str] = evs[heads[trustee]]["body"]["share"]["parts"]
        return names

    def changed_share(evs: list[dict[str, Any]]) -> None:
        row = part(evs, 2, 1)["rows"][0]
        row[0]["share"], row[1]["share"] = row[1]["share"], row[0]["share"]

    def changed_share_resigned(evs: list[dict[str, Any]]) -> None:
        changed_share(evs)
        resign(part(evs, 2, 1))

    def changed_proof_resigned(evs: list[dict[str, Any]]) -> None:
        proof = part(evs, 3, 2)["rows"][0][4]["proof"]
        proof["s"] = hb.scalar_hex((hb.decode_scalar(proof["s"]) + 1) % hb.L)
        resign(part(evs, 3, 2))

    def part_dropped(evs: list[dict[str, Any]]) -> None:
        del named(evs, 2)[1]

    def last_part_dropped(evs: list[dict[str, Any]]) -> None:
        named(evs, 3).pop()

    def out_of_order(evs: list[dict[str, Any]]) -> None:
        names = named(evs, 3)
        names[0], names[1] = names[1], names[0]

    def another_trustees_part(evs: list[dict[str, Any]]) -> None:
        named(evs, 3)[2] = named(evs, 2)[2]

    def part_named_twice(evs: list[dict[str, Any]]) -> None:
        named(evs, 2).append(named(evs, 2)[2])

    def no_parts(evs: list[dict[str, Any]]) -> None:
        del evs[heads[2]]["body"]["share"]["parts"]

    def share_before_its_last_part(evs: list[dict[str, Any]]) -> None:
        evs.insert(at[2, 2], evs.pop(heads[2]))

    def part_before_the_tally(evs: list[dict[str, Any]]) -> None:
        evs.insert(tally_at, evs.pop(at[2, 0]))

    def beyond_the_rows(evs: list[dict[str, Any]]) -> None:
        part(evs, 3, 2)["offset"] = 5
        resign(part(evs, 3, 2))

    def summed_contest(evs: list[dict[str, Any]]) -> None:
        part(evs, 3, 2)["contest"] = "mayor"
        resign(part(evs, 3, 2))

    def another_tally(evs: list[dict[str, Any]]) -> None:
        part(evs, 2, 0)["tally"] = "00" * 32
        resign(part(evs, 2, 0))

    def narrow_row(evs: list[dict[str, Any]]) -> None:
        part(evs, 2, 0)["rows"][1].pop()
        resign(part(evs, 2, 0))

    def extra_key(evs: list[dict[str, Any]]) -> None:
        part(evs, 2, 0)["note"] = ""

    def part_after_its_share(evs: list[dict[str, Any]]) -> None:
        # a valid part of trustee 2's again, after trustee 2's share (rule 7)
        evs.insert(heads[2] + 1, copy.deepcopy(evs[at[2, 0]]))

    def unnamed_invalid_part(evs: list[dict[str, Any]]) -> None:
        # a part no share names must be valid all the same (one of trustee 3's, before
        # trustee 3's share: after it, board rule 7 refuses any part of trustee 3's)
        stray = copy.deepcopy(evs[at[3, 1]])
        row = stray["body"]["rows"][0]
        row[0]["share"], row[1]["share"] = row[1]["share"], row[0]["share"]
        evs.insert(heads[3], stray)

    refused(changed_share, "signature")
    refused(changed_share_resigned, "entry leader#2/a: the proof of trustee 2's share fails")
    refused(changed_proof_resigned, "entry leader#4/blank: the proof of trustee 3's share fails")
    refused(part_dropped, "part 1 is part 2 of leader from row 4, not part 1 of leader from row 2")
    refused(last_part_dropped, "the rows of leader from row 4 are not covered")
    refused(out_of_order, "part 0 is part 1 of leader from row 2, not part 0")
    refused(another_trustees_part, "part 2 is trustee 2's")
    refused(part_named_twice, "part 3 is after the last contest's last row")
    refused(no_parts, "keys")
    refused(share_before_its_last_part, "part 2 is not a valid share-part before it")
    refused(part_before_the_tally, "a share-part before the tally")
    refused(beyond_the_rows, "rows 5 to 5 are not within the 5 rows of leader")
    refused(summed_contest, "not one the tally's mixes names")
    refused(another_tally, "not of the tally on the board")
    refused(narrow_row, "a row holds 5 shares")
    refused(extra_key, "keys")
    refused(unnamed_invalid_part, "signature")
    refused(part_after_its_share, "a part of trustee 2 after that trustee's share")


def test_the_result_counts_the_decrypted_rows(events: list[dict[str, Any]]) -> None:
    setup = setup_body(events)
    tally = of_kind(events, "tally")[0]["body"]["tally"]
    result = of_kind(events, "result")[0]["body"]
    checked = hb.check_count(events)
    entries, shares = checked["entries"], checked["shares"]
    assert checked["result"] == result
    # with a contest counted by mixing, the result has "mixed"
    assert set(result) == {"counts", "trustees", "rejected_shares", "mixed"}
    k = setup["election_key"]["ceremony"]["threshold"]
    used = sorted(shares)[:k]
    assert used == result["trustees"] == [2, 3]
    n = len(VOTERS)
    counts = {}
    for eid, m_b in hb.combine(entries, shares, used):
        m = hb.discrete_log(m_b, n)
        assert m is not None, eid
        counts[eid] = m
    assert counts == checked["counts"]
    # the counts list the tally's listed entries only
    assert [{"id": e["id"], "count": counts[e["id"]]} for e in tally["entries"]] == result["counts"]
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

    def refused(change: Any, match: str) -> None:
        altered = copy.deepcopy(events)
        change(of_kind(altered, "result")[0]["body"])
        with pytest.raises(ValueError, match=f"^result.counts: .*{match}"):
            hb.check_count(altered)

    def mixed_rows_listed(body: dict[str, Any]) -> None:
        body["counts"] += [
            {"id": e[0], "count": counts[e[0]]} for e in entries[len(tally["entries"]) :]
        ]

    def mixed_changed(body: dict[str, Any]) -> None:
        body["mixed"][0]["counts"][0]["count"] = 2

    def other_trustees(body: dict[str, Any]) -> None:
        body["trustees"] = [3, 2]

    refused(mixed_rows_listed, "counts are not")
    refused(mixed_changed, "mixed is not")
    refused(other_trustees, "trustees")


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
    heads = [i for i, ev in enumerate(events) if ev["kind"] == "mix"]
    named = {d for i in heads for d in events[i]["body"]["parts"]}
    digest_at = {
        i: hb.part_digest(base, ev["body"]).hex()
        for i, ev in enumerate(events)
        if ev["kind"] == "mix-part"
    }
    # the parts each mix names, by index in ``events``
    parts = [
        [next(i for i, d in digest_at.items() if d == name) for name in events[h]["body"]["parts"]]
        for h in heads
    ]
    (left,) = [i for i, d in digest_at.items() if d not in named]
    tally = next(i for i, ev in enumerate(events) if ev["kind"] == "tally")

    def refused(change: Any, match: str) -> None:
        altered = copy.deepcopy(events)
        change(altered)
        with pytest.raises(ValueError, match=match):
            hb.check_mixes(base, setup, altered, counted)

    def body(evs: list[dict[str, Any]], i: int) -> dict[str, Any]:
        b: dict[str, Any] = evs[i]["body"]
        return b

    def swap_rows(evs: list[dict[str, Any]]) -> None:
        rows = body(evs, parts[0][1])["rows"]
        rows[0], rows[1] = rows[1], rows[0]

    def part_by_another_trustee(evs: list[dict[str, Any]]) -> None:
        body(evs, parts[0][0])["trustee"] = 2

    def mix_by_another_trustee(evs: list[dict[str, Any]]) -> None:
        body(evs, heads[0])["trustee"] = 2

    def same_trustee(evs: list[dict[str, Any]]) -> None:
        body(evs, parts[1][0])["trustee"] = MIXERS[0]

    def skip_position(evs: list[dict[str, Any]]) -> None:
        body(evs, heads[1])["position"] = 3

    def summed_contest(evs: list[dict[str, Any]]) -> None:
        body(evs, parts[0][0])["contest"] = "mayor"

    def after_the_tally(evs: list[dict[str, Any]]) -> None:
        evs.insert(tally + 1, evs.pop(heads[1]))

    def part_after_the_tally(evs: list[dict[str, Any]]) -> None:
        evs.insert(tally + 1, evs.pop(left))

    def part_after_its_mix(evs: list[dict[str, Any]]) -> None:
        evs.insert(heads[0], evs.pop(parts[0][2]))  # now right after the mix

    def parts_swapped(evs: list[dict[str, Any]]) -> None:
        named = body(evs, heads[0])["parts"]
        named[0], named[1] = named[1], named[0]

    def abandoned_part_named(evs: list[dict[str, Any]]) -> None:
        body(evs, heads[0])["parts"][0] = digest_at[left]

    def last_part_dropped(evs: list[dict[str, Any]]) -> None:
        body(evs, heads[1])["parts"].pop()

    def no_parts(evs: list[dict[str, Any]]) -> None:
        body(evs, heads[1])["parts"] = []

    def part_of_the_other_mix(evs: list[dict[str, Any]]) -> None:
        body(evs, heads[1])["parts"][1] = digest_at[parts[0][1]]

    def short_list(evs: list[dict[str, Any]]) -> None:
        body(evs, parts[0][0])["s_hat"].pop()

    def narrow_row(evs: list[dict[str, Any]]) -> None:
        body(evs, parts[0][0])["rows"][0].pop()

    def identity_in_chain(evs: list[dict[str, Any]]) -> None:
        body(evs, parts[0][0])["chain"][0] = "00" * 32

    def uppercase_digest(evs: list[dict[str, Any]]) -> None:
        named = body(evs, heads[0])["parts"]
        named[0] = named[0].upper()

    def extra_key(evs: list[dict[str, Any]]) -> None:
        body(evs, parts[0][0])["note"] = ""

    def changed_scalar(evs: list[dict[str, Any]]) -> None:
        proof = body(evs, heads[0])["proof"]
        proof["s1"], proof["s2"] = proof["s2"], proof["s1"]

    refused(swap_rows, "signature")  # a part's digest covers its rows
    refused(part_by_another_trustee, "signature")
    refused(mix_by_another_trustee, "another mix")
    refused(same_trustee, "may not mix")
    refused(skip_position, "position 3, not 2")
    refused(summed_contest, "not counted by mixing")
    refused(after_the_tally, "a mix after the tally")
    refused(part_after_the_tally, "a mix-part after the tally")
    refused(part_after_its_mix, "not a mix-part before it")
    refused(parts_swapped, "not part 0 from row 0")
    refused(abandoned_part_named, "signature")  # the right place, but not what was signed
    refused(last_part_dropped, "3 rows, not 5")
    refused(no_parts, "at least one part")
    refused(part_of_the_other_mix, "another mix")
    refused(short_list, "s_hat")
    refused(narrow_row, "5 ciphertexts")
    refused(identity_in_chain, "identity")
    refused(uppercase_digest, "lowercase hex")
    refused(extra_key, "keys")
    refused(changed_scalar, "signature")  # the mix's digest covers the proof's scalars
    # swapped rows fail the proof of shuffle itself, whoever signs them
    first = hb.check_mixes(base, setup, events, counted)["leader"][0]
    rows = [first["rows"][1], first["rows"][0], *first["rows"][2:]]
    context = hb.mix_context(base, "leader", 1, first["trustee"])
    previous = hb.chain_input(setup["manifest"], "leader", base, counted)
    key = setup["election_key"]["public_key"]
    assert hb.verify_shuffle(context, key, previous, first["rows"], first["proof"])
    assert not hb.verify_shuffle(context, key, previous, rows, first["proof"])


def test_mix_parts_follow_on(events: list[dict[str, Any]]) -> None:
    """Board rule 9 for parts, from the spec: a part again after itself, a fourth run at
    one place, and a part reaching past the counted ballots are each refused."""
    setup = setup_body(events)
    base = hb.setup_base_hash(setup)
    counted = hb.counted_ballots(events)
    at = [i for i, ev in enumerate(events) if ev["kind"] == "mix-part"]
    second = next(i for i in at if events[i]["body"]["part"] == 1)
    doubled = [*events[: second + 1], copy.deepcopy(events[second]), *events[second + 1 :]]
    with pytest.raises(ValueError, match=r"part 1 from row .* does not follow on"):
        hb.check_mixes(base, setup, doubled, counted)
    # the abandoned part 0 begins a run; two copies of it make four runs with the real one
    first = at[0]
    assert events[first]["body"]["part"] == 0
    copies = [copy.deepcopy(events[first]) for _ in range(2)]
    four = [*events[: first + 1], *copies, *events[first + 1 :]]
    with pytest.raises(ValueError, match="part 0 from row 0 does not follow on"):
        hb.check_mixes(base, setup, four, counted)
    one = [*events[: first + 1], copies[0], *events[first + 1 :]]
    assert hb.check_mixes(base, setup, one, counted) == hb.check_mixes(
        base, setup, events, counted
    )
    past = copy.deepcopy(events)
    past[second]["body"]["offset"] = len(counted)
    with pytest.raises(ValueError, match="reach past the 5 counted ballots"):
        hb.check_mixes(base, setup, past, counted)
