"""The test vectors of tests/vectors/record-v3.json (docs/record-format.md, "Test vectors").

The file is for other implementations: a small, complete record and every intermediate
value with its hash pre-image.  Here our code reproduces every value from the file's own
record lines, the pre-images hash to the stated values, and the record verifies (with its
fingerprint, its witnesses' co-signatures and its signed roll summary); a record changed
in any of these is refused by the check that names it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from honestballot.crypto.group import L, Scalar, base_mul
from honestballot.protocol.manifest import AGAINST_ALL, BLANK
from honestballot.verify.verifier import Report, verify_record
from tests.helpers import vector_script

VECTORS = Path(__file__).parents[1] / "vectors"


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return json.loads((VECTORS / "record-v3.json").read_text(encoding="utf-8"))


def _hashes(node: Any) -> list[dict[str, str]]:
    """Every {"tag", "preimage", "hash"} object in the file."""
    if isinstance(node, dict):
        found = [node] if {"tag", "preimage", "hash"} <= node.keys() else []
        return found + [h for v in node.values() for h in _hashes(v)]
    if isinstance(node, list):
        return [h for v in node for h in _hashes(v)]
    return []


def test_every_value_is_reproduced_from_the_record_lines(data: dict[str, Any]) -> None:
    derived = vector_script("make_record_vectors").derive_vectors(data["record"])
    # the one value not derived from the lines: the service's w, which the file publishes
    published = dict(data["verifier_key"])
    secret = Scalar.decode(bytes.fromhex(published.pop("secret")))
    assert base_mul(secret).hex() == published["public"]
    for name, value in derived.items():
        assert (published if name == "verifier_key" else data[name]) == value, name
    assert set(data) == {"description", "record", *derived}


def test_every_preimage_hashes_to_its_value(data: dict[str, Any]) -> None:
    hashes = _hashes(data)
    assert len(hashes) > 20
    challenges = {"ballot/option", "ballot/selection", "ballot/signature", "decryption-share"}
    challenges |= {"dkg-communication-key", "dkg-coefficient-pok", "board/tree-head"}
    challenges |= {"board/cosignature", "board/roll-summary", "verifier-key"}
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


def _verify(lines: list[str], **kw: Any) -> Report:
    return verify_record([line.encode() + b"\n" for line in lines], workers=1, **kw)


def test_the_vector_record_verifies(data: dict[str, Any]) -> None:
    report = _verify(data["record"], fingerprint=data["fingerprint"])
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    names = [c.name for c in report.checks]
    assert {"setup.fingerprint", "log.witnesses", "roll.signature"} <= set(names)
    assert "co-signed by 2 of 2 witnesses (quorum 2)" in _detail(report, "log.witnesses")
    assert "signed by the organiser's key" in _detail(report, "roll.signature")
    published = {c["id"]: c["count"] for c in data["result"]["counts"]}
    assert report.counts == published
    assert [e["count"] for e in data["result"]["entries"]] == list(published.values())


def _detail(report: Report, name: str) -> str:
    return next(c.detail for c in report.checks if c.name == name)


def _failed(report: Report) -> set[str]:
    return {c.name for c in report.failures}


def _replace_line(lines: list[str], index: int, obj: dict[str, Any]) -> list[str]:
    return [*lines[:index], json.dumps(obj, ensure_ascii=False), *lines[index + 1 :]]


def test_a_wrong_fingerprint_is_refused(data: dict[str, Any]) -> None:
    assert data["fingerprint"] == data["base_hash"]["hash"][:16]
    other = format(int(data["fingerprint"], 16) ^ 1, "016x")
    assert _failed(_verify(data["record"], fingerprint=other)) == {"setup.fingerprint"}
    assert _failed(_verify(data["record"], fingerprint=data["fingerprint"][:15])) == {
        "setup.fingerprint"
    }


def test_changed_cosignatures_are_refused(data: dict[str, Any]) -> None:
    lines = data["record"]
    index = data["log"]["cosignature"]["line"]
    cosig = json.loads(lines[index])
    assert cosig["type"] == "cosignature" and cosig["size"] == data["log"]["witnessed"]["size"]
    organiser = json.loads(lines[1])["body"]["organiser_key"]
    changes = [
        {**cosig, "witnessed_ms": cosig["witnessed_ms"] + 1},
        {**cosig, "timestamp_ms": cosig["timestamp_ms"] + 1},  # not the head it follows
        {**cosig, "signature": {**cosig["signature"], "s": cosig["signature"]["c"]}},
        {**cosig, "witness": organiser},  # not a witness the setup names
    ]
    for changed in changes:
        assert _failed(_verify(_replace_line(lines, index, changed))) == {"log.witnesses"}
    # a head only one witness co-signed: under the other witness's key the signature fails
    (single,) = [c for c in data["log"]["cosignatures"] if c["size"] == 13]
    one = json.loads(lines[single["line"]])
    (other,) = [w["key"] for w in _witnesses(data) if w["key"] != one["witness"]]
    report = _verify(_replace_line(lines, single["line"], {**one, "witness": other}))
    assert _failed(report) == {"log.witnesses"}
    assert "does not verify" in _detail(report, "log.witnesses")
    # without it the final head lacks the quorum; twice, one witness co-signs twice
    dropped = [*lines[:index], *lines[index + 1 :]]
    assert _failed(_verify(dropped)) == {"log.witnesses"}
    assert "co-signed by 1 of the witnesses" in _detail(_verify(dropped), "log.witnesses")
    twice = [*lines[: index + 1], lines[index], *lines[index + 1 :]]
    assert _failed(_verify(twice)) == {"log.witnesses"}
    # a witness checking the board before the quorum is reached skips only that rule
    assert _verify(dropped, require_quorum=False).passed


def _witnesses(data: dict[str, Any]) -> list[dict[str, str]]:
    witnesses: list[dict[str, str]] = json.loads(data["record"][1])["body"]["witnesses"]
    return witnesses


def test_a_changed_roll_summary_is_refused(data: dict[str, Any]) -> None:
    lines = data["record"]
    seq = data["roll_signature"]["event_seq"]
    index = next(i for i, line in enumerate(lines) if json.loads(line).get("seq") == seq)
    event = json.loads(lines[index])
    assert event["kind"] == "roll"
    body = event["body"]
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    changes = [
        {**body, "contact_exceptions": body["contact_exceptions"] + 1},
        {**body, "signature": {**body["signature"], "c": body["signature"]["s"]}},
        unsigned,
    ]
    for changed in changes:
        canonical = json.dumps(
            {**event, "body": changed}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        tampered = [*lines[:index], canonical, *lines[index + 1 :]]
        # the log's roots no longer match either: the event line is a leaf
        assert "roll.signature" in _failed(_verify(tampered))


def test_the_file_is_small(data: dict[str, Any]) -> None:
    assert (VECTORS / "record-v3.json").stat().st_size < 256 * 1024
    assert len(data["record"]) < 40
