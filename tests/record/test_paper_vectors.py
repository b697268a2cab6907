"""A station's paper results against tests/vectors/paper-v3.json (docs/record-format.md
§6, "Paper results"): the file is what its generator derives, and every hash, proof and
the signature are the library's; the body moved to another unit fails its proofs."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from honestballot.crypto.group import Point
from honestballot.crypto.hashing import hash_bytes
from honestballot.errors import InvalidProof
from honestballot.protocol.paper import check_protocol, paper_digest, verify_paper_upload
from honestballot.record.paper import unsigned_body, upload_from_json
from honestballot.record.setup import context_from_setup
from tests.vectors.make_paper_vectors import derive

FILE = Path(__file__).resolve().parents[1] / "vectors" / "paper-v3.json"


@pytest.fixture(scope="module")
def vectors() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FILE.read_text("utf-8"))
    return data


def test_the_file_is_what_the_generator_derives(vectors: dict[str, Any]) -> None:
    assert derive() == vectors


def test_every_value_is_the_library_s(vectors: dict[str, Any]) -> None:
    base = bytes.fromhex(vectors["base_hash"])
    h = Point.decode(bytes.fromhex(vectors["public_key"]))
    key = Point.decode(bytes.fromhex(vectors["commission_key"]))
    upload = upload_from_json(vectors["body"])
    verify_paper_upload(base, h, key, upload, unsigned_body)
    data = json.loads((FILE.parent / "record-v3.json").read_text("utf-8"))
    setup = next(json.loads(line) for line in data["record"] if '"kind":"setup"' in line)
    ctx, _, _ = context_from_setup(setup["body"])
    assert (ctx.base_hash, ctx.public_key) == (base, h)
    check_protocol(ctx.manifest, upload.protocol, len(upload.voters), None)
    assert unsigned_body(upload).decode() == vectors["unsigned"]
    digest = paper_digest(base, unsigned_body(upload))
    assert digest.hex() == vectors["digest"]["value"]
    assert hash_bytes("paper/place", base, vectors["unit"]).hex() == vectors["place_id"]["value"]
    for voter, found in zip(upload.voters, vectors["challenges"], strict=True):
        assert voter.proof.challenge.hex() == found["value"]
    assert upload.signature.challenge.hex() == vectors["signature_challenge"]["value"]
    with pytest.raises(InvalidProof):
        verify_paper_upload(base, h, key, replace(upload, unit="south"), unsigned_body)
    # the correction names the first upload's digest, and is signed with it
    correction = upload_from_json(vectors["correction"])
    assert (correction.sequence, correction.previous) == (2, digest)
    assert upload.previous is None and vectors["body"]["previous"] is None
    verify_paper_upload(base, h, key, correction, unsigned_body)
    check_protocol(ctx.manifest, correction.protocol, len(correction.voters), None)
    with pytest.raises(InvalidProof):
        verify_paper_upload(base, h, key, replace(correction, previous=None), unsigned_body)
    # the first is not final, the correction is; the signature covers it
    assert (upload.final, correction.final) == (False, True)
    with pytest.raises(InvalidProof):
        verify_paper_upload(base, h, key, replace(correction, final=False), unsigned_body)
