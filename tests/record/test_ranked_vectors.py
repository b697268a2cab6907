"""The ranked-contest test vectors of tests/vectors/ranked-v3.json (docs/record-format.md
§10): the script writes the same file again; every pre-image hashes to its value;
honestballot verifies the ballot and its opening; and hbcheck.py (standard library only,
written from the spec) recomputes the manifest hash, the ballot's tracking hash and every
count from the rows."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from honestballot.crypto.group import L, Point
from honestballot.errors import InvalidBallot
from honestballot.protocol.ballot import check_opening, verify_ballot
from honestballot.protocol.election import ElectionContext
from honestballot.record.ballot import ballot_from_json, opening_from_json
from honestballot.record.manifest import manifest_from_json
from tests.helpers import vector_script
from tests.independent import hbcheck as hb

VECTORS = Path(__file__).parents[1] / "vectors"
FILE = VECTORS / "ranked-v3.json"


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(FILE.read_text(encoding="utf-8"))
    return loaded


def _hashes(node: Any) -> list[dict[str, str]]:
    if isinstance(node, dict):
        found = [node] if {"tag", "preimage", "hash"} <= node.keys() else []
        return found + [h for v in node.values() for h in _hashes(v)]
    if isinstance(node, list):
        return [h for v in node for h in _hashes(v)]
    return []


def test_the_script_writes_the_file_again(data: dict[str, Any]) -> None:
    script = vector_script("make_ranked_vectors")
    assert script.render(script.make_file()) == FILE.read_text(encoding="utf-8")


def test_every_preimage_hashes_to_its_value(data: dict[str, Any]) -> None:
    found = _hashes(data)
    assert {h["tag"] for h in found} == {
        "manifest", "ballot/rank", "ballot/content", "ranked/lot", "ranked/draw",
    }  # fmt: skip
    for h in found:
        pre = bytes.fromhex(h["preimage"])
        if h["tag"] == "ballot/rank":
            value = int.from_bytes(hashlib.sha512(pre).digest(), "little") % L
            assert value.to_bytes(32, "little").hex() == h["hash"]
        else:
            assert hashlib.sha256(pre).hexdigest() == h["hash"]


def test_honestballot_verifies_the_ballot(data: dict[str, Any]) -> None:
    manifest = manifest_from_json(data["manifest"])
    ctx = ElectionContext(
        manifest,
        Point.decode(bytes.fromhex(data["public_key"])),
        bytes.fromhex(data["base_hash"]),
        Point.decode(bytes.fromhex(data["verifier_key"])),
    )
    ballot = ballot_from_json(data["ballot"]["ballot"])
    verify_ballot(ctx, ballot)
    assert ballot.tracking_hash().hex() == data["ballot"]["tracking_hash"]
    opening = opening_from_json(data["ballot"]["opening"])
    assert check_opening(ctx, ballot, opening) == {
        "leader": frozenset({"c", "a"}),
        "board": frozenset({"blank"}),
    }
    # the rank proof of position 2 given for position 1: refused
    moved = copy.deepcopy(data["ballot"]["ballot"])
    proofs = moved["contests"][0]["option_proofs"]
    proofs[0], proofs[1] = proofs[1], proofs[0]
    with pytest.raises(InvalidBallot):
        verify_ballot(ctx, ballot_from_json(moved))


def test_hbcheck_recomputes_everything(data: dict[str, Any]) -> None:
    manifest = data["manifest"]
    assert hb.manifest_hash(manifest).hex() == data["manifest_hash"]["hash"]
    base = bytes.fromhex(data["base_hash"])
    h = hb.decode_point(data["public_key"])
    tracking = hb.verify_ballot(base, h, manifest, data["ballot"]["ballot"])
    assert tracking.hex() == data["ballot"]["tracking_hash"]
    assert hb.tracking_code(tracking) == data["ballot"]["tracking_code"]
    by_id = {c["id"]: c for c in manifest["contests"]}
    for count in data["counts"]:
        contest = by_id[count["contest"]]
        rows = count["rows"]
        entries = {
            hb.row_entry_id(contest["id"], i, s): v
            for i, row in enumerate(rows)
            for s, v in zip(hb.slots(contest), row, strict=True)
        }
        one = {**manifest, "contests": [contest]}
        assert hb.ranked_counts(one, base, len(rows), entries) == [count["result"]]
