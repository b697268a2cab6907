"""The close's objects (docs/coercion.md §5.8, docs/record-format.md §6) checked from the
documents alone by the independent checker: tests/vectors/coercion-v3.json's list hash,
and a tag share's part and step with their digests and the trustee's signatures; a part
another trustee signed, or a changed item, is caught."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.independent import hbcheck

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "coercion-v3.json"


@pytest.fixture(scope="module")
def close() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VECTORS.read_text("utf-8"))
    return {**data["close"], "base": bytes.fromhex(data["base_hash"])}


def test_a_lists_hash_is_the_documents(close: dict[str, Any]) -> None:
    listed = close["list"]
    found = hbcheck.close_list_hash(close["base"], listed["name"], listed["rows"])
    assert found.hex() == listed["hash"]["value"]
    swapped = listed["rows"][::-1]
    assert hbcheck.close_list_hash(close["base"], listed["name"], swapped) != found


def test_a_part_and_its_step_are_signed_by_their_trustee(close: dict[str, Any]) -> None:
    base, key = close["base"], hbcheck.decode_point(close["trustee"]["X"], False)
    part, step = close["tag_share_part"], close["tag_share_step"]
    digest = hbcheck.check_close_signed(base, "part", part, key)
    assert digest.hex() == close["part_digest"]["value"] and step["parts"] == [digest.hex()]
    assert (
        hbcheck.check_close_signed(base, "step", step, key).hex() == (close["step_digest"]["value"])
    )
    # the same body claimed by another trustee's key, or an item changed: refused
    other = hbcheck.decode_point(close["trustee"]["Y1"], False)
    with pytest.raises(ValueError, match=r"close\.signatures"):
        hbcheck.check_close_signed(base, "part", part, other)
    changed = copy.deepcopy(part)
    changed["items"][0]["proof"]["c"], changed["items"][0]["proof"]["s"] = (
        part["items"][0]["proof"]["s"],
        part["items"][0]["proof"]["c"],
    )
    with pytest.raises(ValueError, match=r"close\.signatures"):
        hbcheck.check_close_signed(base, "part", changed, key)
