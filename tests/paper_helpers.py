"""Paper results for the tests: a counting protocol of the demo manifest that adds up, and
an upload of it (protocol/paper.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from honestballot.crypto.group import Point, Scalar
from honestballot.crypto.randomness import Randomness
from honestballot.protocol.manifest import Manifest
from honestballot.protocol.paper import PaperProtocol, PaperUpload, make_paper_upload
from honestballot.record.paper import protocol_from_json, unsigned_body


def protocol_json(manifest: Manifest, issued: int, **over: Any) -> dict[str, Any]:
    """A protocol of ``issued`` ballots, all in the box and valid, each marking the first
    option of every contest (``over`` replaces members)."""
    body: dict[str, Any] = {
        "received": issued + 5,
        "issued": issued,
        "spoiled": 2,
        "unused": 3,
        "in_box": issued,
        "contests": [
            {
                "id": c.id,
                "invalid": 0,
                "counts": [
                    {"option": o.id, "count": issued if i == 0 else 0}
                    for i, o in enumerate(c.options)
                ],
            }
            for c in manifest.contests
        ],
    }
    return {**body, **over}


def protocol_of(manifest: Manifest, issued: int, **over: Any) -> PaperProtocol:
    return protocol_from_json(protocol_json(manifest, issued, **over))


def upload_of(
    base_hash: bytes,
    election_key: Point,
    manifest: Manifest,
    unit: str,
    handles: Sequence[Point],
    secret: Scalar,
    rng: Randomness,
    protocol: PaperProtocol | None = None,
) -> PaperUpload:
    """A commission's upload listing ``handles``, signed with ``secret``."""
    return make_paper_upload(
        base_hash,
        election_key,
        manifest,
        unit,
        protocol or protocol_of(manifest, len(handles)),
        handles,
        secret,
        unsigned_body,
        rng,
    )
