"""The mix-chain test vectors of tests/vectors/mix-v3.json (docs/record-format.md §10).

The file is for other implementations: a small record with a contest counted by mixing,
and every value of its mix chain with its hash pre-image.  Here our code reproduces every
value from the file's own record lines (and renders the file from them byte for byte), the
pre-images hash to the stated values, and the record verifies; a mix changed in the record
-- a part's rows, the parts a mix names, their order -- is refused.  (The script made the
record on version 1's service, whose mix chain and tally are gone: it no longer makes a new
one, docs/coercion.md §14 item 8.)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from honestballot.crypto.group import L, Point
from honestballot.protocol.election import manifest_hash
from honestballot.record.manifest import manifest_from_json
from honestballot.verify.verifier import Report, verify_record
from tests.helpers import vector_script

VECTORS = Path(__file__).parents[1] / "vectors"
FILE = VECTORS / "mix-v3.json"
#: the tags whose hash is SHA-512 reduced mod L (docs/record-format.md §2.1, docs/shuffle.md)
SCALAR_TAGS = {"shuffle/vector-challenge", "shuffle/challenge", "mix/signature"}


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return vector_script("make_mix_vectors")


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(FILE.read_text(encoding="utf-8"))
    return loaded


def _events(data: dict[str, Any]) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in data["record"]]
    return [obj for obj in lines if obj["type"] == "event"]


def _hashes(node: Any) -> list[dict[str, str]]:
    """Every object with a ``tag`` and a ``preimage`` in the file."""
    if isinstance(node, dict):
        found = [node] if {"tag", "preimage"} <= node.keys() else []
        return found + [h for v in node.values() for h in _hashes(v)]
    if isinstance(node, list):
        return [h for v in node for h in _hashes(v)]
    return []


def test_every_value_is_reproduced_from_the_record_lines(
    script: ModuleType, data: dict[str, Any]
) -> None:
    derived = script.derive_vectors(data["record"])
    for name, value in derived.items():
        assert data[name] == value, name
    assert set(data) == {"description", "record", *derived}
    # and the file is exactly the script's rendering of them
    assert script.render(script.make_file(data["record"])) == FILE.read_text(encoding="utf-8")


def test_every_preimage_hashes_to_its_value(data: dict[str, Any]) -> None:
    hashes = _hashes(data)
    tags = {h["tag"] for h in hashes}
    assert tags == {
        "manifest",
        "election/base",
        "shuffle/chain-base",
        "shuffle/generator",
        "shuffle/statement",
        "shuffle/vector-challenge",
        "shuffle/challenge",
        "mix/part",
        "mix/digest",
        "mix/signature",
    }
    for h in hashes:
        pre = bytes.fromhex(h["preimage"])
        tag = b"honestballot/v1/" + h["tag"].encode()
        assert pre[:8] == len(tag).to_bytes(8, "big") and pre[8 : 8 + len(tag)] == tag
        if "point" in h:  # hash_to_point: SHA-512, then RFC 9496's one-way map
            wide = hashlib.sha512(pre).digest()
            assert wide.hex() == h["sha512"]
            assert Point.from_uniform_bytes(wide).hex() == h["point"]
        elif h["tag"] in SCALAR_TAGS:
            value = int.from_bytes(hashlib.sha512(pre).digest(), "little") % L
            assert value.to_bytes(32, "little").hex() == h["hash"], h["tag"]
        else:
            assert hashlib.sha256(pre).hexdigest() == h["hash"], h["tag"]


def test_the_mixed_contest_has_a_seventh_part_in_the_manifest_hash(
    data: dict[str, Any],
) -> None:
    leader, council = data["manifest_contests"]
    assert (leader["id"], leader["count"], leader["items"]) == ("leader", "mix", 7)
    assert (council["id"], council["count"], council["items"]) == ("council", "sum", 6)
    mix_part = b"T" + (3).to_bytes(8, "big") + b"mix"
    assert bytes.fromhex(leader["part"]).endswith(mix_part)
    assert not bytes.fromhex(council["part"]).endswith(mix_part)
    contests = b"L" + (2).to_bytes(8, "big") + bytes.fromhex(leader["part"] + council["part"])
    assert contests in bytes.fromhex(data["manifest_hash"]["preimage"])
    # the same manifest with the contest counted by sum has another hash
    manifest = manifest_from_json(data["manifest"])
    assert manifest_hash(manifest).hex() == data["manifest_hash"]["hash"]
    summed = replace(
        manifest, contests=(replace(manifest.contests[0], count="sum"), manifest.contests[1])
    )
    assert manifest_hash(summed).hex() != data["manifest_hash"]["hash"]


def test_the_chain_input_is_the_counted_ballots_in_tracking_hash_order(
    data: dict[str, Any],
) -> None:
    chain_input = data["chain_input"]
    ballots = chain_input["ballots"]
    hashes = [b["tracking_hash"] for b in ballots]
    assert hashes == sorted(hashes) and len(hashes) == len(set(hashes)) == 5
    seqs = [b["event_seq"] for b in ballots]
    assert seqs != sorted(seqs)  # the board's order is another order
    by_seq = {ev["seq"]: ev for ev in _events(data)}
    for ballot, row in zip(ballots, chain_input["rows"], strict=True):
        body = by_seq[ballot["event_seq"]]["body"]["ballot"]
        assert body["contests"][chain_input["contest_index"]]["ciphertexts"] == row
    # the voter who voted again: only their second ballot counts
    (superseded,) = chain_input["not_counted"]
    assert by_seq[superseded["event_seq"]]["kind"] == "ballot"
    assert superseded["tracking_hash"] not in hashes
    assert [m["N"] for m in data["mixes"]] == [5, 5]
    assert data["mixes"][0]["context"]["parts"][1:] == [
        {"T": "mix"},
        {"T": "leader"},
        {"I": 1},
        {"I": 3},
    ]


def _verify(lines: list[str]) -> Report:
    return verify_record([line.encode() + b"\n" for line in lines], workers=1)


def _failed(report: Report) -> set[str]:
    return {c.name for c in report.failures}


def test_the_vector_record_verifies(data: dict[str, Any]) -> None:
    report = _verify(data["record"])
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    detail = next(c.detail for c in report.checks if c.name == "mix.proofs")
    assert "2 mixes by trustees [3, 1]" in detail
    result = next(ev for ev in _events(data) if ev["kind"] == "result")["body"]
    # the result lists the sums; the mixed rows' counts are the decrypted rows
    listed = {c["id"]: c["count"] for c in result["counts"]}
    assert {i: report.counts[i] for i in listed} == listed
    assert not any("#" in i for i in listed)
    mixed_rows = {e["id"]: e["count"] for e in data["result"]["mixed_entries"]}
    assert {i: c for i, c in report.counts.items() if "#" in i} == mixed_rows
    assert result["mixed"] == data["result"]["mixed"]
    mixed = {c["id"]: c["count"] for c in data["result"]["mixed"][0]["counts"]}
    assert mixed == {"leader/a": 1, "leader/b": 2, "leader/c": 2}
    rows = data["result"]["rows"]
    assert [sum(column) for column in zip(*rows, strict=True)] == list(mixed.values())
    assert [e["count"] for e in data["result"]["mixed_entries"]] == [v for r in rows for v in r]


def test_the_shares_of_the_mixed_rows_are_published_in_parts(data: dict[str, Any]) -> None:
    """The tally names the last mix by its digest instead of listing its rows; trustee 1's
    share of them stands in three parts (2, 2 and 1 rows), trustee 2's in one, each before
    the share that names it, in order."""
    tally = next(ev for ev in _events(data) if ev["kind"] == "tally")["body"]["tally"]
    assert tally["mixes"] == [
        {"contest": "leader", "mix": data["mixes"][-1]["digest"]["hash"], "rows": 5}
    ]
    assert not any("#" in e["id"] for e in tally["entries"])
    by_trustee: dict[int, list[dict[str, Any]]] = {}
    for p in data["share_parts"]:
        by_trustee.setdefault(p["trustee"], []).append(p)
    assert {t: [p["rows"] for p in ps] for t, ps in by_trustee.items()} == {1: [2, 2, 1], 2: [5]}
    for ev in _events(data):
        if ev["kind"] == "decryption-share":
            share = ev["body"]["share"]
            parts = by_trustee[share["trustee"]]
            assert share["parts"] == [p["digest"] for p in parts]
            assert all(p["event_seq"] < ev["seq"] for p in parts)
            assert [p["offset"] for p in parts] == [
                sum(q["rows"] for q in parts[:i]) for i in range(len(parts))
            ]


def test_the_mixes_are_published_in_parts(data: dict[str, Any]) -> None:
    """Each mix's parts stand before it, in order, with the offsets of their rows; the
    first mix has three parts (2, 2 and 1 rows), the second one."""
    by_seq = {ev["seq"]: ev for ev in _events(data)}
    for mv in data["mixes"]:
        head = by_seq[mv["event_seq"]]
        assert head["kind"] == "mix"
        assert head["body"]["parts"] == [p["digest"]["hash"] for p in mv["mix_parts"]]
        offset = 0
        rows = []
        for i, pv in enumerate(mv["mix_parts"]):
            part = by_seq[pv["event_seq"]]
            assert part["kind"] == "mix-part" and pv["event_seq"] < mv["event_seq"]
            body = part["body"]
            assert (body["part"], body["offset"], len(body["rows"])) == (i, offset, pv["rows"])
            assert (pv["part"], pv["offset"]) == (i, offset)
            assert (body["contest"], body["position"], body["trustee"]) == (
                mv["contest"],
                mv["position"],
                mv["trustee"],
            )
            assert pv["signature"]["challenge"]["hash"] == body["signature"]["c"]
            offset += pv["rows"]
            rows += body["rows"]
        assert offset == mv["N"] and rows == mv["rows"]
    assert [[p["rows"] for p in mv["mix_parts"]] for mv in data["mixes"]] == [[2, 2, 1], [5]]


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _changed(lines: list[str], kind: str, nth: int, change: Any) -> list[str]:
    """The record with the ``nth`` event of ``kind`` changed by ``change(body)``."""
    index = [i for i, line in enumerate(lines) if json.loads(line).get("kind") == kind][nth]
    event = json.loads(lines[index])
    change(event["body"])
    return [*lines[:index], _canonical(event), *lines[index + 1 :]]


def test_a_changed_mix_is_refused(data: dict[str, Any]) -> None:
    lines = data["record"]

    def swap_rows(body: dict[str, Any]) -> None:
        rows = body["rows"]
        rows[0], rows[1] = rows[1], rows[0]  # two output rows swapped after proving

    def swap_parts(body: dict[str, Any]) -> None:
        body["parts"][0], body["parts"][1] = body["parts"][1], body["parts"][0]

    def drop_part(body: dict[str, Any]) -> None:
        body["parts"].pop()

    for kind, nth, change in [
        ("mix-part", 0, swap_rows),  # a part of the first mix: its signature fails
        ("mix-part", 3, swap_rows),  # the second mix's one part
        ("mix", 0, swap_parts),  # the mix's signature covers its parts' digests in order
        ("mix", 0, drop_part),
    ]:
        report = _verify(_changed(lines, kind, nth, change))
        assert "mix.proofs" in _failed(report), (kind, nth, change.__name__)
        seq = [ev["seq"] for ev in _events(data) if ev["kind"] == kind][nth]
        detail = next(c.detail for c in report.failures if c.name == "mix.proofs")
        assert detail.startswith(f"event {seq}: ") and "does not verify" in detail.split(";")[0]


def test_the_file_is_small(data: dict[str, Any]) -> None:
    assert FILE.stat().st_size < 256 * 1024
    assert len(data["record"]) < 48
