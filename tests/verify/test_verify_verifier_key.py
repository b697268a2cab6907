"""``verify``'s check ``setup`` on the service's designated-verifier key W (docs/coercion.md
§7): the setup's proof of knowledge of ``w`` must verify for this base hash, and W is never
the identity.  The record is record-v3.json's; the check ``setup`` stops the run before the
log, so no re-signing is needed for the change to be named there."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from honestballot.crypto.group import Scalar, base_mul
from honestballot.crypto.randomness import SeededRandomness
from honestballot.errors import InvalidProof
from honestballot.protocol.verifier_key import prove_verifier_key, verify_verifier_key
from honestballot.record.codec import canonical_bytes
from honestballot.record.setup import context_from_setup
from honestballot.record.witness import signature_to_json
from tests.helpers import describe, failed, verify

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "record-v3.json"


def _record() -> tuple[list[bytes], Scalar]:
    data = json.loads(VECTORS.read_text("utf-8"))
    secret = Scalar.decode(bytes.fromhex(data["verifier_key"]["secret"]))
    return [line.encode() for line in data["record"]], secret


def _with_setup(lines: list[bytes], change: dict[str, Any]) -> list[bytes]:
    """The record with members of the setup body replaced."""
    out = list(lines)
    for i, raw in enumerate(out):
        obj = json.loads(raw)
        if obj.get("type") == "event" and obj["kind"] == "setup":
            obj["body"] = {**obj["body"], **change}
            out[i] = canonical_bytes(obj)
            return out
    raise AssertionError("no setup event")


def _setup_failure(lines: list[bytes]) -> str:
    report = verify(lines)
    assert failed(report) == {"setup"}, describe(report)
    (check,) = report.failures
    return check.detail


def test_the_vector_record_passes_and_names_w() -> None:
    lines, secret = _record()
    report = verify(lines)
    assert report.passed, describe(report)
    setup = next(c for c in report.checks if c.name == "setup")
    assert "verifier key W" in setup.detail
    body = json.loads(lines[1])["body"]
    ctx, _, keys = context_from_setup(body)
    assert ctx.verifier_key == keys.verifier_key == base_mul(secret)
    assert secret.hex() not in b"".join(lines).decode()  # w is never on the board


def test_a_bad_proof_is_named() -> None:
    lines, _ = _record()
    proof = json.loads(lines[1])["body"]["verifier_key_proof"]
    s = Scalar.decode(bytes.fromhex(proof["s"]))
    bad = {"c": proof["c"], "s": (s + Scalar.of(1)).hex()}
    detail = _setup_failure(_with_setup(lines, {"verifier_key_proof": bad}))
    assert "designated-verifier key W: its proof of knowledge of w" in detail


def test_an_identity_w_is_refused() -> None:
    lines, _ = _record()
    detail = _setup_failure(_with_setup(lines, {"verifier_key": "00" * 32}))
    assert "setup.verifier_key" in detail and "identity" in detail


def test_w_swapped_after_the_proof_is_refused() -> None:
    lines, secret = _record()
    other = Scalar.of(7) * secret
    # another W with the proof made for the original W
    detail = _setup_failure(_with_setup(lines, {"verifier_key": base_mul(other).hex()}))
    assert "proof of knowledge of w" in detail
    # another W with its own proof, but over the base hash of the original W: the base
    # hash binds W, so a proof made before W was swapped is for another election
    body = json.loads(lines[1])["body"]
    old_base = context_from_setup(body)[0].base_hash
    proof = prove_verifier_key(old_base, other, SeededRandomness("swapped W"))
    change = {"verifier_key": base_mul(other).hex(), "verifier_key_proof": signature_to_json(proof)}
    detail = _setup_failure(_with_setup(lines, change))
    assert "proof of knowledge of w" in detail


def test_w_must_be_its_own_key() -> None:
    lines, _ = _record()
    body = json.loads(lines[1])["body"]
    detail = _setup_failure(_with_setup(lines, {"verifier_key": body["board_key"]}))
    assert "W must be its own" in detail


def test_a_setup_without_w_or_its_proof_is_refused() -> None:
    lines, _ = _record()
    body = json.loads(lines[1])["body"]
    for member in ("verifier_key", "verifier_key_proof"):
        changed = list(lines)
        obj = json.loads(lines[1])
        obj["body"] = {k: v for k, v in body.items() if k != member}
        changed[1] = canonical_bytes(obj)
        assert member in _setup_failure(changed)


def test_the_proof_is_for_one_base_hash() -> None:
    secret = Scalar.of(12345)
    proof = prove_verifier_key(bytes(32), secret, SeededRandomness("one base"))
    verify_verifier_key(bytes(32), base_mul(secret), proof)
    with pytest.raises(InvalidProof, match="proof of knowledge of w"):
        verify_verifier_key(bytes([1]) + bytes(31), base_mul(secret), proof)
    with pytest.raises(InvalidProof, match="is the identity"):
        verify_verifier_key(bytes(32), base_mul(Scalar.of(0)), proof)
