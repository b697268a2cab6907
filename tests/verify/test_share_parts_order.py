"""A decryption share names parts that stand on the board **before** it
(docs/record-format.md §7, "Decryption shares in parts"): a record whose share comes
before one of the parts it names fails ``decryption.shares``, as the independent checker
says (tests/independent/test_mix_independent.py, ``share_before_its_last_part``)."""

from __future__ import annotations

import json

import pytest

from honestballot.verify.verifier import verify_record
from tests.factories import renumber
from tests.independent.test_mix_independent import record_lines


def _check(lines: list[bytes], name: str) -> tuple[bool, str]:
    report = verify_record(lines, workers=1)
    found = [c for c in report.checks if c.name == name]
    assert len(found) == 1, [(c.name, c.detail) for c in report.failures]
    return found[0].passed, found[0].detail


def test_a_share_before_its_last_part_fails_decryption_shares(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    lines = list(record_lines(str(tmp_path_factory.mktemp("share-parts-order"))))
    assert _check(lines, "decryption.shares")[0]

    def event(raw: bytes) -> dict[str, object]:
        obj = json.loads(raw)
        return obj if obj.get("type") == "event" else {}

    head = next(
        i
        for i, raw in enumerate(lines)
        if event(raw).get("kind") == "decryption-share"
        and json.loads(raw)["body"]["share"]["trustee"] == 2
    )
    last_part = max(
        i
        for i, raw in enumerate(lines)
        if event(raw).get("kind") == "share-part" and json.loads(raw)["body"]["trustee"] == 2
    )
    assert last_part < head
    moved = [*lines[:last_part], lines[head], *lines[last_part:head], *lines[head + 1 :]]
    # its last part now follows the share, which board rule 7 refuses
    passed, detail = _check(renumber(moved), "board.rules")
    assert not passed
    assert "trustee 2 has already published its decryption share" in detail
