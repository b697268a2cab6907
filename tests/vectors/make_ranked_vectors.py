"""Write ``tests/vectors/ranked-v3.json``: a ranked ballot and ranked counts, step by step
(docs/record-format.md §3, §5, §7; docs/ranked.md).

Run from the project root::

    PYTHONPATH=. .venv/bin/python tests/vectors/make_ranked_vectors.py [OUTPUT]

Deterministic (one :class:`SeededRandomness`), so running it again writes the same bytes.
The file holds no record and no key ceremony: the election's public key is ``x·B`` for a
scalar drawn from the seed, and the election-key hash a stand-in (SHA-256 of a fixed
text), which the base hash binds like any other. Every hash is given with its exact
pre-image, encoded by ``tests/independent/hbcheck.py`` (written from the spec,
independently of :mod:`honestballot.crypto.hashing`) and checked against honestballot's
own value. The fields are documented in docs/record-format.md §10.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from honestballot.crypto.group import L, base_mul
from honestballot.crypto.hashing import hash_bytes as lib_hash_bytes
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.protocol.ballot import encrypt_ballot
from honestballot.protocol.credential import generate_credential
from honestballot.protocol.election import ElectionContext, manifest_hash
from honestballot.protocol.manifest import Contest, Label, Manifest, Option, Unit
from honestballot.protocol.ranked import choice_numbers, count_contest, lot_key
from honestballot.protocol.verifier_key import prove_verifier_key
from honestballot.protocol.witnesses import BoardKeys
from honestballot.record.ballot import ballot_to_json, opening_to_json
from honestballot.record.manifest import manifest_to_json
from honestballot.record.witness import signature_to_json
from tests.independent import hbcheck as hb

OUT = Path(__file__).parent / "ranked-v3.json"
SEED = "ranked vectors"
ELECTION = "ranked-vectors"


def _label(en: str) -> Label:
    return Label(f"{en} (рус)", f"{en} (қаз)", en)


def vector_manifest() -> Manifest:
    """``leader``: IRV over a b c d with "against all", up to 3 ranks; ``board``: Schulze
    over a b c d with a blank choice, up to 4 ranks."""
    leader = Contest(
        "leader",
        _label("Leader"),
        tuple(Option(x, _label(x.upper())) for x in "abcd"),
        1,
        3,
        True,
        count="mix",
        method="irv",
    )
    board = Contest(
        "board",
        _label("Board"),
        tuple(Option(x, _label(x.upper())) for x in "abcd"),
        0,
        4,
        False,
        count="mix",
        method="schulze",
    )
    return Manifest(
        ELECTION, _label("Ranked vectors"), (leader, board), (Unit("u", _label("U")),), 1
    )


def _digest(tag: str, *parts: hb.Part) -> dict[str, str]:
    pre = hb.preimage(tag, parts)
    return {"tag": tag, "preimage": pre.hex(), "hash": hashlib.sha256(pre).hexdigest()}


def _challenge(tag: str, *parts: hb.Part) -> dict[str, str]:
    pre = hb.preimage(tag, parts)
    value = int.from_bytes(hashlib.sha512(pre).digest(), "little") % L
    return {"tag": tag, "preimage": pre.hex(), "hash": value.to_bytes(32, "little").hex()}


def _ballot(ctx: ElectionContext, rng: SeededRandomness) -> dict[str, Any]:
    voter = generate_credential(rng)
    ranking = {"leader": ("c", "a"), "board": ("blank",)}
    ballot, opening = encrypt_ballot(ctx, voter, ranking, rng)
    as_json = ballot_to_json(ballot)
    h = hb.decode_point(ctx.public_key.hex())
    proofs = []
    for contest, bc in zip(ctx.manifest.contests, as_json["contests"], strict=True):
        c = len(contest.options)
        for position, (ct, pr) in enumerate(
            zip(bc["ciphertexts"], bc["option_proofs"], strict=True), start=1
        ):
            values = list(range(1 if position == 1 else 0, c + 1))
            a, b = hb.decode_point(ct["alpha"], False), hb.decode_point(ct["beta"])
            cs = [hb.decode_scalar(x) for x in pr["c"]]
            ss = [hb.decode_scalar(x) for x in pr["s"]]
            com = hb.disjunctive_commitments(cs, ss, values, h, a, b)
            ctx_parts = [hb.By(ctx.base_hash), hb.Pt(voter.public.hex()), hb.Tx(contest.id),
                         hb.In(position)]  # fmt: skip
            challenge = _challenge(
                "ballot/rank", *hb.disjunctive_parts(ctx_parts, h, a, b, values, com)
            )
            total = sum(cs) % L
            assert total.to_bytes(32, "little").hex() == challenge["hash"]
            proofs.append(
                {
                    "contest": contest.id,
                    "position": position,
                    "ciphertext": ct,
                    "values": values,
                    "commitments": [
                        {"value": v, "A": x.hex(), "B": y.hex()}
                        for v, (x, y) in zip(values, com, strict=True)
                    ],
                    "challenge": challenge,
                    "challenge_sum": total.to_bytes(32, "little").hex(),
                }
            )
    content = _digest("ballot/content", *hb.content_parts(ctx.base_hash, as_json))
    assert content["hash"] == ballot.content_hash().hex()
    tracking = hb.verify_ballot(ctx.base_hash, h, manifest_to_json(ctx.manifest), as_json)
    assert tracking == ballot.tracking_hash()
    return {
        "credential": voter.public.hex(),
        "ranking": {k: list(v) for k, v in ranking.items()},
        "choice_numbers": {c.id: choice_numbers(c) for c in ctx.manifest.contests},
        "ballot": as_json,
        "opening": opening_to_json(opening),
        "rank_proofs": proofs,
        "content_hash": content,
        "tracking_hash": tracking.hex(),
        "tracking_code": ballot.tracking_code(),
    }


#: decrypted rows (choice numbers per rank position), in the order a last mix gives them
ROWS: dict[str, list[list[int]]] = {
    # IRV (a=1 b=2 c=3 d=4 against-all=5): a tie broken by the previous rounds, exhausted
    # rankings, a repeat (3, 3, 2), a gap (2, 0, 4), two "against all"
    "leader": [
        [1, 2, 0], [1, 0, 0], [2, 1, 0], [3, 2, 0], [3, 2, 1], [4, 3, 0],
        [5, 0, 0], [3, 3, 2], [2, 0, 4], [1, 3, 0], [5, 1, 2],
    ],
    # Schulze (a=1 b=2 c=3 d=4 blank=5): 8 a>c>d>b, 2 b>a>d>c, 4 c>d>b>a, 4 d>b>a>c,
    # 3 d>c>b>a (d wins), and 1 blank
    "board": [[1, 3, 4, 2]] * 8 + [[2, 1, 4, 3]] * 2 + [[3, 4, 2, 1]] * 4
    + [[4, 2, 1, 3]] * 4 + [[4, 3, 2, 1]] * 3 + [[5, 0, 0, 0]],
}  # fmt: skip

#: a Schulze tie (two rankings each way), which the tie-breaking ranking decides
TIE_ROWS = [[1, 2, 0, 0], [2, 1, 0, 0], [1, 2, 0, 0], [2, 1, 0, 0]]


def _count(ctx: ElectionContext, contest: Contest, rows: list[list[int]]) -> dict[str, Any]:
    lots = []
    for o in contest.candidates:
        d = _digest("ranked/lot", hb.By(ctx.base_hash), hb.Tx(contest.id), hb.Tx(o.id))
        assert d["hash"] == lot_key(ctx.base_hash, contest.id, o.id).hex()
        lots.append({"candidate": o.id, **d})
    item = count_contest(contest, ctx.base_hash, rows)
    out: dict[str, Any] = {"contest": contest.id, "rows": rows, "lot_keys": lots}
    if item.get("tie_breaking") is not None:
        draws = []
        for k in range(len(rows)):
            d = _digest("ranked/draw", hb.By(ctx.base_hash), hb.Tx(contest.id), hb.In(k))
            assert d["hash"] == lib_hash_bytes("ranked/draw", ctx.base_hash, contest.id, k).hex()
            draws.append({"k": k, **d})
        out["draws"] = draws
    out["result"] = item
    return out


def make_file() -> dict[str, Any]:
    rng = SeededRandomness(SEED)
    manifest = vector_manifest()
    m_json = manifest_to_json(manifest)
    m_hash = _digest("manifest", *hb.manifest_parts(json.loads(json.dumps(m_json))))
    assert m_hash["hash"] == manifest_hash(manifest).hex()
    public_key = base_mul(random_nonzero_scalar(rng))
    key_hash = hashlib.sha256(b"ranked vectors: a stand-in for the election-key hash").digest()
    board_key = base_mul(random_nonzero_scalar(rng))
    verifier_secret = random_nonzero_scalar(rng)
    board_keys = BoardKeys(board_key, verifier_key=base_mul(verifier_secret))
    ctx = ElectionContext.create(manifest, public_key, key_hash, board_keys)
    # W's proof from a stream of its own (the ballot's draws follow the keys' unchanged)
    vk_proof = prove_verifier_key(
        ctx.base_hash, verifier_secret, SeededRandomness("ranked vectors: W's proof")
    )
    leader, board = manifest.contests
    return {
        "description": (
            "honestballot ranked contests (docs/ranked.md): a manifest with an IRV and a "
            "Schulze contest and its hash; one ranked ballot with every rank proof; the "
            "counts of decrypted rows, with lot keys and draws (docs/record-format.md §10)"
        ),
        "manifest": m_json,
        "manifest_hash": m_hash,
        "public_key": public_key.hex(),
        "election_key_hash": key_hash.hex(),
        "board_key": board_keys.board_key.hex(),
        "verifier_key": board_keys.verifier_key.hex(),
        "verifier_key_proof": signature_to_json(vk_proof),
        "base_hash": ctx.base_hash.hex(),
        "ballot": _ballot(ctx, rng),
        "counts": [
            _count(ctx, leader, ROWS["leader"]),
            _count(ctx, board, ROWS["board"]),
            _count(ctx, board, TIE_ROWS),
        ],
    }


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else OUT
    out.write_text(render(make_file()), encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
