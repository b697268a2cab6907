"""The test vectors of tests/vectors/record-v2.json (docs/record-format.md, "Test vectors").

The file is for other implementations: a small, complete record and every intermediate
value with its hash pre-image.  Here our code reproduces every value from the file's own
record lines, the pre-images hash to the stated values, and the record verifies.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from honestballot.crypto.group import L
from honestballot.protocol.manifest import AGAINST_ALL, BLANK
from honestballot.verify.verifier import verify_record

VECTORS = Path(__file__).parents[1] / "vectors"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_record_vectors", VECTORS / "make_record_vectors.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return json.loads((VECTORS / "record-v2.json").read_text(encoding="utf-8"))


def _hashes(node: Any) -> list[dict[str, str]]:
    """Every {"tag", "preimage", "hash"} object in the file."""
    if isinstance(node, dict):
        found = [node] if {"tag", "preimage", "hash"} <= node.keys() else []
        return found + [h for v in node.values() for h in _hashes(v)]
    if isinstance(node, list):
        return [h for v in node for h in _hashes(v)]
    return []


def test_every_value_is_reproduced_from_the_record_lines(data: dict[str, Any]) -> None:
    derived = _script().derive_vectors(data["record"])
    for name, value in derived.items():
        assert data[name] == value, name
    assert set(data) == {"description", "record", *derived}


def test_every_preimage_hashes_to_its_value(data: dict[str, Any]) -> None:
    hashes = _hashes(data)
    assert len(hashes) > 20
    challenges = {"ballot/option", "ballot/selection", "ballot/signature", "decryption-share"}
    challenges |= {"dkg-communication-key", "dkg-coefficient-pok", "board/tree-head"}
    for h in hashes:
        pre = bytes.fromhex(h["preimage"])
        tag = b"honestballot/v1/" + h["tag"].encode()
        assert pre[:8] == len(tag).to_bytes(8, "big") and pre[8 : 8 + len(tag)] == tag
        if h["tag"] in challenges:
            value = int.from_bytes(hashlib.sha512(pre).digest(), "little") % L
            assert value.to_bytes(32, "little").hex() == h["hash"], h["tag"]
        else:
            assert hashlib.sha256(pre).hexdigest() == h["hash"], h["tag"]


def test_the_manifest_preimage_holds_the_added_options_labels(data: dict[str, Any]) -> None:
    pre = bytes.fromhex(data["manifest_hash"]["preimage"])
    for text in ("Против всех", "Барлығына қарсы", "Against all"):
        assert text.encode() in pre
    for text in ("Пустой бюллетень", "Бос бюллетень", "Blank vote"):
        assert text.encode() in pre
    assert AGAINST_ALL.encode() in pre and BLANK.encode() in pre


def test_the_vector_record_verifies(data: dict[str, Any]) -> None:
    report = verify_record([line.encode() + b"\n" for line in data["record"]], workers=1)
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    published = {c["id"]: c["count"] for c in data["result"]["counts"]}
    assert report.counts == published
    assert [e["count"] for e in data["result"]["entries"]] == list(published.values())


def test_the_file_is_small(data: dict[str, Any]) -> None:
    assert (VECTORS / "record-v2.json").stat().st_size < 256 * 1024
    assert len(data["record"]) < 40
