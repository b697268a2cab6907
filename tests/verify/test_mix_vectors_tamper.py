"""The verifier's checks of version 1's mix chain and decryption shares in parts (verify/
mixes.py, shares.py, verifier.py), kept for old records, against tampers of the stored
vector record tests/vectors/mix-v3.json (a contest counted by mixing: trustee 3's mix in
three parts, then trustee 1's in one; trustees 1 and 2's decryption shares in parts).

The service no longer makes such records and the vector's board key is not published, so
the changed records are not re-signed: ``log.tree-heads`` fails as well, and the verifier,
which runs every check, must fail the one named here.  Where a dishonest trustee signs
what it changed, its key share comes from the vector script's seeded key ceremony run
again (checked against the record's election key)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import pytest

from honestballot.crypto.group import Scalar, base_mul
from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.dkg import TrusteeSecret
from honestballot.protocol.mix import Mix
from honestballot.protocol.mix_parts import assemble, part_digest, publish_mix, sign_digest
from honestballot.protocol.share_parts import part_digest as share_part_digest
from honestballot.record.codec import canonical_bytes
from honestballot.record.mix import (
    mix_head_from_json,
    mix_head_to_json,
    mix_part_from_json,
    mix_part_to_json,
)
from honestballot.record.setup import context_from_setup
from honestballot.record.share_parts import share_part_from_json, share_part_to_json
from honestballot.service.demo import run_key_ceremony
from tests.factories import renumber
from tests.helpers import describe, failed, vector_script, verify

VECTORS = Path(__file__).parents[1] / "vectors"
LOG = "log.tree-heads"


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return vector_script("make_mix_vectors")


@pytest.fixture(scope="module")
def lines() -> list[bytes]:
    data = json.loads((VECTORS / "mix-v3.json").read_text(encoding="utf-8"))
    return [line.encode() for line in data["record"]]


@pytest.fixture(scope="module")
def shares(script: ModuleType, lines: list[bytes]) -> dict[int, Scalar]:
    """Each trustee's key share, from the vector script's seeded ceremony run again."""
    with tempfile.TemporaryDirectory() as tmp:
        key, accepted = run_key_ceremony(
            script.vector_manifest(), Path(tmp), SeededRandomness(script.SEED), n=3, k=2
        )
    setup = json.loads(lines[1])["body"]
    assert context_from_setup(setup, check_ceremony=False)[1] == key
    out = {}
    for s in accepted:
        assert isinstance(s, TrusteeSecret) and s.key_share is not None
        out[s.index] = s.key_share
    return out


def _base(lines: list[bytes]) -> bytes:
    return context_from_setup(json.loads(lines[1])["body"], check_ceremony=False)[0].base_hash


def _of_kind(lines: list[bytes], kind: str) -> list[int]:
    return [n for n, raw in enumerate(lines) if json.loads(raw).get("kind") == kind]


def _check(lines: list[bytes], name: str) -> tuple[bool, str]:
    [check] = [c for c in verify(lines).checks if c.name == name]
    return check.passed, check.detail


def test_the_vector_record_verifies(lines: list[bytes]) -> None:
    report = verify(lines)
    assert report.passed, describe(report)
    details = {c.name: c.detail for c in report.checks}
    assert "2 mixes by trustees [3, 1]" in details["mix.proofs"], details["mix.proofs"]
    assert details["decryption.shares"].startswith("2 decryption shares with valid proofs")


def _changed_mix(
    lines: list[bytes], nth: int, change: Callable[[Mix], Mix], share: Scalar | None
) -> list[bytes]:
    """The record with the ``nth`` mix changed: its parts and head signed again with
    ``share`` (a dishonest trustee), or, without it, the changed parts keeping the honest
    mix's signatures and its head as it was."""
    lines = list(lines)
    base = _base(lines)
    head_line = _of_kind(lines, "mix")[nth]
    head = mix_head_from_json(json.loads(lines[head_line])["body"], "mix")
    part_lines = {
        part_digest(base, part): n
        for n in _of_kind(lines, "mix-part")
        for part in [mix_part_from_json(json.loads(lines[n])["body"], "part")]
    }
    parts = {
        d: mix_part_from_json(json.loads(lines[n])["body"], "part") for d, n in part_lines.items()
    }
    size = len(parts[head.parts[0]].rows)
    honest = assemble(base, head, parts)
    new_parts, new_head = publish_mix(
        base, change(honest), share or Scalar(1), SeededRandomness("dishonest"), rows_per_part=size
    )
    if share is None:
        new_parts = [
            replace(p, signature=parts[d].signature)
            for p, d in zip(new_parts, head.parts, strict=True)
        ]
        new_head = head
    for digest, part in zip(head.parts, new_parts, strict=True):
        event = json.loads(lines[part_lines[digest]])
        event["body"] = mix_part_to_json(part)
        lines[part_lines[digest]] = canonical_bytes(event)
    event = json.loads(lines[head_line])
    event["body"] = mix_head_to_json(new_head)
    lines[head_line] = canonical_bytes(event)
    return lines


def _rows_swapped(mix: Mix) -> Mix:
    return replace(mix, rows=(mix.rows[1], mix.rows[0], *mix.rows[2:]))


def _s_hat_altered(mix: Mix) -> Mix:
    p = mix.proof
    return replace(mix, proof=replace(p, s_hat=(*p.s_hat[:3], p.s_hat[3] + Scalar(1), p.s_hat[4])))


def test_the_first_mix_with_rows_swapped_after_signing_is_caught(lines: list[bytes]) -> None:
    """Trustee 3's rows swapped under its honest signatures: its first part's signature
    fails, so its mix names a part not on the board."""
    report = verify(_changed_mix(lines, 0, _rows_swapped, None))
    assert "mix.proofs" in failed(report) and LOG in failed(report), describe(report)
    [check] = [c for c in report.checks if c.name == "mix.proofs"]
    assert (
        "part 0 of mix 1 of contest 'leader' by trustee 3: Schnorr proof does not verify"
        in check.detail
    ), check.detail


@pytest.mark.parametrize("change", [_rows_swapped, _s_hat_altered])
def test_a_signed_mix_whose_proof_of_shuffle_fails_is_caught(
    lines: list[bytes], shares: dict[int, Scalar], change: Callable[[Mix], Mix]
) -> None:
    """A dishonest last mixer (trustee 1) signs swapped rows, or a changed ``s_hat``:
    its signatures verify, its proof of shuffle does not."""
    report = verify(_changed_mix(lines, 1, change, shares[1]))
    assert "mix.proofs" in failed(report), describe(report)
    [check] = [c for c in report.checks if c.name == "mix.proofs"]
    assert "the proof of shuffle (5 rows of 3) does not verify" in check.detail, check.detail


def test_a_changed_share_part_signed_by_its_trustee_is_caught(
    lines: list[bytes], shares: dict[int, Scalar]
) -> None:
    """Trustee 2's first share part holding another share for the first ciphertext,
    signed again by trustee 2 and named by its decryption share: the signature verifies,
    the proof of that share does not, and the result cannot stand on it."""
    lines = list(lines)
    base = _base(lines)
    n, part = next(
        (n, part)
        for n in _of_kind(lines, "share-part")
        for part in [share_part_from_json(json.loads(lines[n])["body"], "part")]
        if part.trustee == 2
    )
    (d, proof), *rest = part.rows[0]
    changed = replace(part, rows=(((d + base_mul(Scalar(1)), proof), *rest), *part.rows[1:]))
    signature = sign_digest(
        base, share_part_digest(base, changed), shares[2], SeededRandomness("dishonest")
    )
    event = json.loads(lines[n])
    event["body"] = share_part_to_json(replace(changed, signature=signature))
    lines[n] = canonical_bytes(event)
    old, new = share_part_digest(base, part).hex(), share_part_digest(base, changed).hex()
    for h in _of_kind(lines, "decryption-share"):
        event = json.loads(lines[h])
        names = event["body"]["share"]["parts"]
        event["body"]["share"]["parts"] = [new if x == old else x for x in names]
        lines[h] = canonical_bytes(event)
    report = verify(lines)
    [check] = [c for c in report.checks if c.name == "decryption.shares"]
    assert not check.passed
    assert "decryption share of trustee 2, entry 'leader#0/a'" in check.detail, check.detail
    assert "is event" in check.detail and "which is not a valid part" in check.detail
    assert failed(report) == {LOG, "decryption.shares", "result.counts"}, describe(report)


def test_a_share_before_its_last_part_is_caught(lines: list[bytes]) -> None:
    """A decryption share names parts that stand on the board before it
    (docs/record-format.md §7): trustee 1's share moved before its last part fails the
    board rules."""
    head = next(
        i
        for i in _of_kind(lines, "decryption-share")
        if json.loads(lines[i])["body"]["share"]["trustee"] == 1
    )
    last_part = max(
        i for i in _of_kind(lines, "share-part") if json.loads(lines[i])["body"]["trustee"] == 1
    )
    assert last_part < head
    moved = [*lines[:last_part], lines[head], *lines[last_part:head], *lines[head + 1 :]]
    passed, detail = _check(renumber(moved), "board.rules")
    assert not passed
    assert "trustee 1 has already published its decryption share" in detail, detail
