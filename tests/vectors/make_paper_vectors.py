"""Write ``tests/vectors/paper-v3.json``: one small upload of a station's paper results
(docs/record-format.md §6, "Paper results") for the vector election of
``record-v3.json``, with every hash's exact pre-image.

Run from the project root::

    .venv/bin/python tests/vectors/make_paper_vectors.py

Deterministic: a fixed commission key, the two vector letters' handles, seeded
randomness.  ``tests/record/test_paper_vectors.py`` recomputes every value with the
library, ``tests/independent/test_paper_independent.py`` checks the upload with hbcheck.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from honestballot.crypto.group import L, Scalar, base_mul
from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.letters import LetterSecret
from honestballot.protocol.paper import make_paper_upload, place_id
from honestballot.record.codec import canonical_bytes
from honestballot.record.paper import protocol_from_json, unsigned_body, upload_to_json
from honestballot.record.setup import context_from_setup
from tests.vectors.make_coercion_vectors import LETTERS, hashed

HERE = Path(__file__).resolve().parent
OUT = HERE / "paper-v3.json"
UNIT = "north"
#: the commission's secret key, fixed
COMMISSION = Scalar(int.from_bytes(hashlib.sha512(b"vector commission").digest(), "little") % L)
#: received 6 = issued 2 + spoiled 1 + unused 3; both issued ballots in the box; in
#: council one is invalid
PROTOCOL = {
    "received": 6,
    "issued": 2,
    "spoiled": 1,
    "unused": 3,
    "in_box": 2,
    "contests": [
        {
            "id": "mayor",
            "invalid": 0,
            "counts": [
                {"option": "ann", "count": 1},
                {"option": "bob", "count": 0},
                {"option": "against-all", "count": 1},
            ],
        },
        {
            "id": "council",
            "invalid": 1,
            "counts": [
                {"option": "cat", "count": 1},
                {"option": "dan", "count": 1},
                {"option": "blank", "count": 0},
            ],
        },
        {
            "id": "board",
            "invalid": 0,
            "counts": [{"option": "eve", "count": 2}, {"option": "fay", "count": 0}],
        },
    ],
}

#: the correction's contests: its one ballot in the box for ann, invalid in council, for eve
CORRECTED = [
    {
        "id": "mayor",
        "invalid": 0,
        "counts": [
            {"option": "ann", "count": 1},
            {"option": "bob", "count": 0},
            {"option": "against-all", "count": 0},
        ],
    },
    {
        "id": "council",
        "invalid": 1,
        "counts": [
            {"option": "cat", "count": 0},
            {"option": "dan", "count": 0},
            {"option": "blank", "count": 0},
        ],
    },
    {
        "id": "board",
        "invalid": 0,
        "counts": [{"option": "eve", "count": 1}, {"option": "fay", "count": 0}],
    },
]


def derive() -> dict[str, Any]:
    data = json.loads((HERE / "record-v3.json").read_text("utf-8"))
    setup = next(json.loads(line) for line in data["record"] if '"kind":"setup"' in line)
    ctx, _, _ = context_from_setup(setup["body"])
    base, h = ctx.base_hash, ctx.public_key
    handles = [LetterSecret(raw).handle(base) for raw in LETTERS]
    upload, _ = make_paper_upload(
        base, h, ctx.manifest, UNIT, 1, protocol_from_json(PROTOCOL), handles, COMMISSION,
        unsigned_body, SeededRandomness("paper vector"),
    )  # fmt: skip
    key = base_mul(COMMISSION)
    place = hashed("bytes", "paper/place", base, UNIT)
    assert place["value"] == place_id(base, UNIT).hex()
    challenges = []
    for i, voter in enumerate(upload.voters):
        ct, proof = voter.handle, voter.proof
        r = base_mul(proof.response) - ct.alpha * proof.challenge
        found = hashed(
            "scalar", "randomness-proof", base, "paper", bytes.fromhex(place["value"]),
            "handle", i, h, ct.alpha, ct.beta, r,
        )  # fmt: skip
        assert found["value"] == proof.challenge.hex()
        challenges.append(found)
    unsigned = unsigned_body(upload)
    digest = hashed("bytes", "paper/digest", base, unsigned)
    sig = upload.signature
    r = base_mul(sig.response) - key * sig.challenge
    signature = hashed(
        "scalar", "paper/signature", base, key, bytes.fromhex(digest["value"]), key, r
    )
    assert signature["value"] == sig.challenge.hex()
    # the commission's correction (one voter fewer), naming the upload it corrects and
    # declared final (the first is not)
    fewer = protocol_from_json(
        {**PROTOCOL, "issued": 1, "in_box": 1, "unused": PROTOCOL["unused"] + 1,
         "contests": CORRECTED}
    )  # fmt: skip
    correction, _ = make_paper_upload(
        base, h, ctx.manifest, UNIT, 2, fewer, handles[:1], COMMISSION, unsigned_body,
        SeededRandomness("paper vector, the correction"), previous=bytes.fromhex(digest["value"]),
        final=True,
    )  # fmt: skip
    return {
        "description": (
            "A station's paper results (docs/record-format.md §6, 'Paper results') in the "
            "election of record-v3.json: the commission's key, the handles of the two "
            "vector letters (coercion-v3.json), the paper event's body (not final), and the "
            "pre-image of the place id, of every proof's challenge, of the digest and of the "
            "signature's challenge; then the body of the unit's correction (sequence 2, "
            "one voter listed, final), whose previous is that digest."
        ),
        "base_hash": base.hex(),
        "public_key": h.hex(),
        "unit": UNIT,
        "commission_secret": COMMISSION.hex(),
        "commission_key": key.hex(),
        "handles": [p.hex() for p in handles],
        "body": upload_to_json(upload),
        "unsigned": canonical_bytes(json.loads(unsigned)).decode(),
        "place_id": place,
        "challenges": challenges,
        "digest": digest,
        "signature_challenge": signature,
        "correction": upload_to_json(correction),
    }


def main() -> None:
    OUT.write_text(json.dumps(derive(), indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
