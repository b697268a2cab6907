"""JSON form of the proof of shuffle: round trip, and strict refusal of anything else."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from honestballot.crypto.group import L, Scalar
from honestballot.crypto.shuffle import verify_shuffle
from honestballot.errors import EncodingError, InvalidProof, RecordFormatError
from honestballot.record.codec import canonical_bytes, parse_json
from honestballot.record.shuffle import shuffle_proof_from_json, shuffle_proof_to_json
from tests.crypto.test_shuffle import CONTEXT, PUBLIC, case

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "vectors" / "ristretto255.json").read_text(encoding="utf-8")
)
NON_CANONICAL_POINT = VECTORS["invalid_encodings"][0]["encoding"]
KEYS = {"permutation_commitment", "chain", "c", "s1", "s2", "s3", "s4", "s_hat", "s_prime"}


def doc(n: int = 5, w: int = 3) -> dict[str, Any]:
    return shuffle_proof_to_json(case(n, w).proof)


def parse(obj: Any) -> None:
    shuffle_proof_from_json(obj, "mix.proof")


@pytest.mark.parametrize(("n", "w"), [(1, 1), (5, 3), (17, 1)])
def test_round_trip_through_canonical_json_still_verifies(n: int, w: int) -> None:
    c = case(n, w)
    obj = shuffle_proof_to_json(c.proof)
    assert set(obj) == KEYS
    assert (len(obj["permutation_commitment"]), len(obj["s4"])) == (n, w)
    again = shuffle_proof_from_json(parse_json(canonical_bytes(obj)), "proof")
    assert again == c.proof
    verify_shuffle(CONTEXT, PUBLIC, c.inputs, c.outputs, again)


def test_a_parsed_but_altered_proof_still_fails_verification() -> None:
    c = case(5, 3)
    obj = shuffle_proof_to_json(c.proof)
    obj["s_prime"][2] = (c.proof.s_prime[2] + Scalar(1)).hex()
    with pytest.raises(InvalidProof):
        verify_shuffle(CONTEXT, PUBLIC, c.inputs, c.outputs, shuffle_proof_from_json(obj, "p"))


def _set(obj: dict[str, Any], key: str, index: int | None, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    if index is None:
        out[key] = value
    else:
        out[key][index] = value
    return out


BAD_SCALARS = [
    ("uppercase hex", lambda h: h.upper(), "lowercase"),
    ("short", lambda h: h[:-2], "expected 32 bytes"),
    ("long", lambda h: h + "00", "expected 32 bytes"),
    ("odd length", lambda h: h[:-1], "lowercase"),
    ("not hex", lambda h: "zz" + h[2:], "lowercase"),
    ("not a string", lambda h: 5, "expected a hex string"),
    ("value >= L", lambda h: L.to_bytes(32, "little").hex(), "non-canonical scalar"),
]


@pytest.mark.parametrize(("what", "bad", "message"), BAD_SCALARS, ids=[b[0] for b in BAD_SCALARS])
@pytest.mark.parametrize(
    ("key", "index"),
    [("c", None), ("s1", None), ("s3", None), ("s4", 1), ("s_hat", 0), ("s_prime", 4)],
)
def test_bad_scalars_are_refused(
    key: str, index: int | None, what: str, bad: Any, message: str
) -> None:
    obj = doc()
    current = obj[key] if index is None else obj[key][index]
    with pytest.raises(RecordFormatError, match=message) as info:
        parse(_set(obj, key, index, bad(current)))
    assert key in str(info.value)


@pytest.mark.parametrize("key", ["permutation_commitment", "chain"])
@pytest.mark.parametrize(
    ("value", "message"),
    [
        (NON_CANONICAL_POINT, "not a canonical ristretto255 encoding"),
        ("00" * 32, "identity"),
        ("ab" * 31, "expected 32 bytes"),
        ("E2" + "00" * 31, "lowercase"),
        (None, "expected a hex string"),
    ],
)
def test_bad_points_are_refused(key: str, value: Any, message: str) -> None:
    with pytest.raises(RecordFormatError, match=message) as info:
        parse(_set(doc(), key, 3, value))
    assert f"mix.proof.{key}[3]" in str(info.value)


def test_structure_is_strict() -> None:
    obj = doc()
    for key in KEYS:
        missing = {k: v for k, v in obj.items() if k != key}
        with pytest.raises(RecordFormatError, match=f"missing field '{key}'"):
            parse(missing)
    with pytest.raises(RecordFormatError, match="unexpected field"):
        parse({**obj, "t1": obj["c"]})
    with pytest.raises(RecordFormatError, match="expected a list"):
        parse({**obj, "chain": obj["chain"][0]})
    with pytest.raises(RecordFormatError, match="expected an object"):
        parse([obj])
    # lengths must agree: N for the per-row lists, at least one s4
    with pytest.raises(RecordFormatError, match="4 chain items for 5 rows"):
        parse({**obj, "chain": obj["chain"][:4]})
    with pytest.raises(RecordFormatError, match="6 s_hat items for 5 rows"):
        parse({**obj, "s_hat": [*obj["s_hat"], obj["c"]]})
    with pytest.raises(RecordFormatError, match="width 0"):
        parse({**obj, "s4": []})
    with pytest.raises(RecordFormatError, match="at least one row"):
        parse({**obj, "permutation_commitment": [], "chain": [], "s_hat": [], "s_prime": []})
    with pytest.raises(RecordFormatError, match="more than 4 items"):
        shuffle_proof_from_json(obj, "p", max_rows=4)
    with pytest.raises(RecordFormatError, match="more than 2 items"):
        shuffle_proof_from_json(obj, "p", max_width=2)
    assert issubclass(RecordFormatError, EncodingError)
