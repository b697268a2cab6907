"""Write ``tests/vectors/coercion-v3.json``: the derivations of re-voting protection
(docs/coercion.md §2.1, §2.2, §2.6) for the vector election of ``record-v3.json``, with
every hash's exact pre-image.

Run from the project root::

    .venv/bin/python tests/vectors/make_coercion_vectors.py

Deterministic: fixed seeds, letters and randomness.  The fields are documented in
docs/record-format.md §10, "Re-voting protection"; ``tests/record/test_coercion_vectors.py``
recomputes every one of them.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from honestballot.crypto.designated_verifier import (
    DESIGNATED_PLAINTEXT_TAG,
    prove_designated_plaintext,
)
from honestballot.crypto.elgamal import Ciphertext, encrypt_point
from honestballot.crypto.equivalence import create_equivalence_share
from honestballot.crypto.group import GENERATOR, L, Point, Scalar, base_mul
from honestballot.crypto.hashing import canonical_json
from honestballot.crypto.offsets import create_offset_share
from honestballot.crypto.partial_decryption import create_partial_decryption
from honestballot.crypto.plaintext_awareness import RandomnessProof
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.crypto.representation import RepresentationProof, credential_base
from honestballot.crypto.tagging import create_tag_share
from honestballot.protocol.ballot_v2 import (
    encrypt_ballot_v2,
    make_cast_row,
    verify_ballot_v2,
    verify_cast_row,
)
from honestballot.protocol.close_a import (
    ListTagShare,
    as_rows,
    decryption_context,
    equivalence_context,
    list_hash,
    make_point_tag_share,
    offset_context,
    tag_context,
)
from honestballot.protocol.cover import CoverVoter, cover_tag_point
from honestballot.protocol.credential_seed import CredentialSeed
from honestballot.protocol.encrypted_roll import make_row
from honestballot.protocol.letters import LetterSecret, activation_base
from honestballot.protocol.padding import FIELDS, PaddedCredential, make_padding, verify_padding
from honestballot.protocol.registration import (
    make_commitment,
    make_registration,
    verify_registration,
)
from honestballot.record.ballot import ciphertext_to_json, opening_to_json
from honestballot.record.close import publish
from honestballot.record.codec import canonical_bytes
from honestballot.record.revoting import (
    ballot_private_to_json,
    ballot_v2_to_json,
    cast_row_to_json,
    padding_to_json,
    registration_private_to_json,
    registration_to_json,
)
from honestballot.record.roll import row_to_json
from honestballot.record.setup import context_from_setup
from tests.vectors.make_record_vectors import preimage

HERE = Path(__file__).resolve().parent
OUT = HERE / "coercion-v3.json"
SEEDS = [hashlib.sha256(f"vector credential seed {i}".encode()).digest() for i in (1, 2)]
LETTERS = [hashlib.sha256(f"vector letter {i}".encode()).digest()[:16] for i in (1, 2)]
#: the encryption's randomness, fixed (the service's designated-verifier key W is the one
#: record-v3.json's setup names; that file also publishes its w)
RANDOMNESS = Scalar(int.from_bytes(hashlib.sha512(b"vector randomness").digest(), "little") % L)


def hashed(kind: str, tag: str, *parts: Any) -> dict[str, str]:
    """A hash with its pre-image: ``bytes`` (SHA-256), ``scalar`` (SHA-512 mod L) or
    ``point`` (SHA-512, then RFC 9496's one-way map)."""
    pre = preimage(tag, *parts)
    if kind == "bytes":
        value = hashlib.sha256(pre).hexdigest()
    elif kind == "scalar":
        value = Scalar(int.from_bytes(hashlib.sha512(pre).digest(), "little") % L).hex()
    else:
        value = Point.from_uniform_bytes(hashlib.sha512(pre).digest()).hex()
    return {"tag": tag, "preimage": pre.hex(), "value": value}


def election() -> tuple[bytes, Point, Point]:
    """The base hash, public key and the service's designated-verifier key W of
    record-v3.json's election (W from its verified setup, as the device takes it)."""
    data = json.loads((HERE / "record-v3.json").read_text("utf-8"))
    setup = next(json.loads(line) for line in data["record"] if '"kind":"setup"' in line)
    ctx, _, _ = context_from_setup(setup["body"])
    assert base_mul(verifier_secret()) == ctx.verifier_key
    return ctx.base_hash, ctx.public_key, ctx.verifier_key


def verifier_secret() -> Scalar:
    """w of the vector election's W, which record-v3.json publishes."""
    data = json.loads((HERE / "record-v3.json").read_text("utf-8"))
    return Scalar.decode(bytes.fromhex(data["verifier_key"]["secret"]))


def derive() -> dict[str, Any]:
    base, public_key, verifier_key = election()
    credentials = []
    for raw in SEEDS:
        seed = CredentialSeed(raw)
        t = seed.tag_secret()
        credentials.append(
            {
                "seed": raw.hex(),
                "signing_scalar": hashed("scalar", "credential-scalar", base, raw),
                "voting_point": seed.voting_point(base).hex(),
                "tag_secret": hashed("bytes", "tag-secret", raw),
                "tag_point": hashed("point", "tag-point", base, t),
                "code_checksum": hashed("bytes", "credential-code", raw),
                "code": seed.to_code(),
            }
        )
    letters = []
    for raw in LETTERS:
        letter = LetterSecret(raw)
        letters.append(
            {
                "secret": raw.hex(),
                "handle": hashed("point", "voter-handle", base, raw),
                "activation_scalar": hashed("scalar", "activation", base, raw),
                "activation_point": letter.activation_point(base).hex(),
                "none_point": hashed("point", "none", base, letter.handle(base)),
                "code_checksum": hashed("bytes", "letter-code", raw),
                "code": letter.to_code(),
            }
        )
    # a designated-verifier proof that Enc(tau) encrypts the first credential's tag point
    tau = CredentialSeed(SEEDS[0]).tag_point(base)
    ct = encrypt_point(public_key, tau, RANDOMNESS)
    nonce = hashlib.sha256(b"vector registration nonce").digest()
    purpose = "registration/tag"
    proof = prove_designated_plaintext(
        base, purpose, nonce, public_key, verifier_key, tau, ct, RANDOMNESS,
        SeededRandomness("vector designated proof"),
    )  # fmt: skip
    r1 = base_mul(proof.z1) - ct.alpha * proof.e1
    r2 = public_key * proof.z1 - (ct.beta - tau) * proof.e1
    r3 = base_mul(proof.z2) - verifier_key * proof.e2
    challenge = hashed(
        "scalar", DESIGNATED_PLAINTEXT_TAG, base, purpose, nonce, public_key, verifier_key,
        tau, ct.alpha, ct.beta, r1, r2, r3,
    )  # fmt: skip
    assert challenge["value"] == (proof.e1 + proof.e2).hex()
    return {
        "description": "re-voting protection's derivations, a designated-verifier proof and "
        "roll rows, for the election of record-v3.json; fields: docs/record-format.md §10",
        "base_hash": base.hex(),
        "public_key": public_key.hex(),
        "credential_base": hashed("point", "credential-base", base),
        "activation_base": hashed("point", "activation-base", base),
        "credentials": credentials,
        "letters": letters,
        "designated_proof": {
            "purpose": purpose,
            "nonce": nonce.hex(),
            "verifier_key": verifier_key.hex(),
            "message": tau.hex(),
            "ciphertext": {"alpha": ct.alpha.hex(), "beta": ct.beta.hex()},
            "commitments": {"R1": r1.hex(), "R2": r2.hex(), "R3": r3.hex()},
            "challenge": challenge,
            "proof": {
                "e1": proof.e1.hex(),
                "e2": proof.e2.hex(),
                "z1": proof.z1.hex(),
                "z2": proof.z2.hex(),
            },
        },
        "roll": roll_vectors(base, public_key),
        **object_vectors(),
        **cover_padding_vectors(),
        "close": close_vectors(),
    }


def roll_vectors(base: bytes, public_key: Point) -> dict[str, Any]:
    """A roll part of two rows, one per letter (reporting units 1 and 0), each proof's
    challenge with its pre-image (record-format §2.1, roll rows)."""
    p_act = activation_base(base)
    rows, challenges = [], []
    for i, raw in enumerate(LETTERS):
        row = make_row(base, public_key, i, LetterSecret(raw), 1 - i, SeededRandomness(f"row {i}"))
        rows.append(row_to_json(row))
        found = {}
        for field in ("handle", "unit"):
            ct = getattr(row, field)
            pr = getattr(row, f"{field}_proof")
            r = base_mul(pr.response) - ct.alpha * pr.challenge
            found[field] = hashed(
                "scalar", "randomness-proof", base, "roll", bytes(32), field, i, public_key,
                ct.alpha, ct.beta, r,
            )  # fmt: skip
            assert found[field]["value"] == pr.challenge.hex()
        ct, ap = row.activation, row.activation_proof
        a1 = base_mul(ap.response_randomness) - ct.alpha * ap.challenge
        a2 = public_key * ap.response_randomness + p_act * ap.response_credential
        a2 = a2 - ct.beta * ap.challenge
        found["activation"] = hashed(
            "scalar", "activation-proof", base, "roll", i, public_key, p_act, ct.alpha,
            ct.beta, a1, a2,
        )  # fmt: skip
        assert found["activation"]["value"] == ap.challenge.hex()
        challenges.append(found)
    part = {"offset": 0, "rows": rows}
    return {
        "part": part,
        "part_digest": hashed("bytes", "roll/part", canonical_bytes(part)),
        "challenges": challenges,
        "units": [1, 0],
    }


class Recording:
    """Seeded randomness that remembers every scalar drawn (each draw is 64 bytes), so
    that another implementation can replay the device's draws in order."""

    def __init__(self, seed: str) -> None:
        self._inner = SeededRandomness(seed)
        self.scalars: list[str] = []

    def random_bytes(self, n: int) -> bytes:
        assert n == 64, f"the device drew {n} bytes, not one 64-byte scalar"
        block = self._inner.random_bytes(n)
        self.scalars.append(Scalar.from_uniform_bytes(block).hex())
        return block


def _ct(ct: Ciphertext) -> tuple[Point, Point]:
    return (ct.alpha, ct.beta)


def _randomness_challenge(
    base: bytes, h: Point, place: tuple[Any, ...], ct: Ciphertext, proof: RandomnessProof
) -> dict[str, str]:
    r = base_mul(proof.response) - ct.alpha * proof.challenge
    found = hashed("scalar", "randomness-proof", base, *place, h, ct.alpha, ct.beta, r)
    assert found["value"] == proof.challenge.hex()
    return found


def _representation_challenge(
    tag: str,
    context: tuple[Any, ...],
    h: Point,
    basis: Point,
    ct: Ciphertext,
    proof: RepresentationProof,
) -> dict[str, str]:
    a1 = base_mul(proof.response_randomness) - ct.alpha * proof.challenge
    a2 = (
        h * proof.response_randomness
        + basis * proof.response_credential
        - ct.beta * proof.challenge
    )
    found = hashed("scalar", tag, *context, h, basis, ct.alpha, ct.beta, a1, a2)
    assert found["value"] == proof.challenge.hex()
    return found


def object_vectors() -> dict[str, Any]:
    """A registration, a ballot version 2 and its cast row (docs/coercion.md §2.4, §3),
    with their statement and tracking hashes and every public proof's challenge."""
    data = json.loads((HERE / "record-v3.json").read_text("utf-8"))
    setup = next(json.loads(line) for line in data["record"] if '"kind":"setup"' in line)
    ctx, _, _ = context_from_setup(setup["body"])
    base, h = ctx.base_hash, ctx.public_key
    p, p_act = credential_base(base), activation_base(base)
    seed, letter = CredentialSeed(SEEDS[0]), LetterSecret(LETTERS[0])
    w = ctx.verifier_key
    commitment = make_commitment(
        base, h, letter.none_point(base), SeededRandomness("vector service commitment")
    )
    device = Recording("vector registration")
    reg, private = make_registration(base, h, w, commitment, seed, letter, device)
    verify_registration(base, h, reg)
    st = hashed(
        "bytes", "registration/statement", base, h, p, p_act, commitment.nonce,
        _ct(reg.credential), _ct(reg.tag), _ct(reg.handle), _ct(reg.activation),
        _ct(commitment.revokes), [commitment.proof.challenge, commitment.proof.response],
    )  # fmt: skip
    st_hash = bytes.fromhex(st["value"])
    assert st_hash == reg.statement_hash(h)
    tracking = hashed("bytes", "registration/tracking", st_hash, list(reg.proof_scalars()))
    assert tracking["value"] == reg.tracking_hash(h).hex()
    registration = {
        "credential": 0,
        "letter": 0,
        "revoked": "none_point",
        "object": registration_to_json(reg),
        "statement_hash": st,
        "tracking_hash": tracking,
        "tracking_code": reg.tracking_code(h),
        "challenges": {
            "revokes": _randomness_challenge(
                base,
                h,
                ("registration-nonce", commitment.nonce, "revokes", 0),
                commitment.revokes,
                commitment.proof,
            ),
            "credential": _representation_challenge(
                "credential-proof",
                (base, "registration", st_hash),
                h,
                p,
                reg.credential,
                reg.credential_proof,
            ),
            "tag": _randomness_challenge(
                base, h, ("registration", st_hash, "tag", 0), reg.tag, reg.tag_proof
            ),
            "handle": _randomness_challenge(
                base, h, ("registration", st_hash, "handle", 0), reg.handle, reg.handle_proof
            ),
            "activation": _representation_challenge(
                "activation-proof",
                (base, "registration", st_hash),
                h,
                p_act,
                reg.activation,
                reg.activation_proof,
            ),
        },
        "private": registration_private_to_json(private),
        "device_draws": device.scalars,
    }
    selections = {"mayor": ["bob"], "council": ["cat", "dan"], "board": ["fay"]}
    device = Recording("vector ballot v2")
    ballot, opening, bprivate = encrypt_ballot_v2(
        ctx, seed, w, {k: frozenset(v) for k, v in selections.items()}, device
    )
    verify_ballot_v2(ctx, ballot)
    bst = hashed(
        "bytes", "ballot/statement", base, h, p, _ct(ballot.credential), _ct(ballot.tag),
        [[ec.contest_id, [_ct(ct) for ct in ec.ciphertexts]] for ec in ballot.contests],
    )  # fmt: skip
    bst_hash = bytes.fromhex(bst["value"])
    assert bst_hash == ballot.statement_hash(h)
    btracking = hashed("bytes", "ballot/tracking", bst_hash, list(ballot.proof_scalars()))
    assert btracking["value"] == ballot.tracking_hash(h).hex()
    mayor = ballot.contests[0]
    ct0, proof0 = mayor.ciphertexts[0], mayor.option_proofs[0]
    commitments = []
    for v, c_i, s_i in zip((0, 1), proof0.challenges, proof0.responses, strict=True):
        commitments += [
            base_mul(s_i) - ct0.alpha * c_i,
            h * s_i - (ct0.beta - base_mul(Scalar(v))) * c_i,
        ]
    option = hashed(
        "scalar", "ballot/option", base, bst_hash, "mayor", "ann", h, ct0.alpha, ct0.beta,
        [0, 1], commitments,
    )  # fmt: skip
    assert option["value"] == (proof0.challenges[0] + proof0.challenges[1]).hex()
    row = make_cast_row(ctx, ballot, 1000, SeededRandomness("vector cast row"))
    verify_cast_row(ctx, row)
    bt_hash = bytes.fromhex(btracking["value"])
    return {
        "registration": registration,
        "ballot_v2": {
            "credential": 0,
            "selections": selections,
            "object": ballot_v2_to_json(ballot),
            "statement_hash": bst,
            "tracking_hash": btracking,
            "tracking_code": ballot.tracking_code(h),
            "challenges": {
                "credential": _representation_challenge(
                    "credential-proof",
                    (base, "ballot", bst_hash),
                    h,
                    p,
                    ballot.credential,
                    ballot.credential_proof,
                ),
                "tag": _randomness_challenge(
                    base, h, ("ballot", bst_hash, "tag", 0), ballot.tag, ballot.tag_proof
                ),
                "option_mayor_ann": option,
            },
            "opening": opening_to_json(opening),
            "private": ballot_private_to_json(bprivate),
            "device_draws": device.scalars,
        },
        "cast_row": {
            "counter": 1000,
            "object": cast_row_to_json(row),
            "challenge": _randomness_challenge(
                base, h, ("cast-row", bt_hash, "counter", 0), row.counter, row.counter_proof
            ),
        },
    }


def cover_padding_vectors() -> dict[str, Any]:
    """Cover tag points, a cover handle, and a padding of two credentials with the
    challenge of each of its first row's proofs (docs/coercion.md §4, §5.3)."""
    data = json.loads((HERE / "record-v3.json").read_text("utf-8"))
    setup = next(json.loads(line) for line in data["record"] if '"kind":"setup"' in line)
    ctx, _, _ = context_from_setup(setup["body"])
    base, h = ctx.base_hash, ctx.public_key
    points = [hashed("point", "cover-tag", base, i) for i in (0, 1)]
    for i, found in enumerate(points):
        assert found["value"] == cover_tag_point(base, i).hex()
    handle_secret = hashlib.sha256(b"vector cover handle").digest()
    handle = hashed("point", "cover-handle", base, handle_secret)
    assert handle["value"] == CoverVoter(handle_secret, Scalar(1)).handle(base).hex()
    seeds = [CredentialSeed(raw) for raw in SEEDS]
    # ballots 5 and 9, starts 1000 and 50000: padded to 6 and 12, so 1 + 3 padding rows
    credentials = [
        PaddedCredential(seed.tag_point(base), seed.voting_point(base), start, ballots)
        for seed, start, ballots in zip(seeds, (1000, 50_000), (5, 9), strict=True)
    ]
    padding = make_padding(ctx, credentials, 2, SeededRandomness("vector padding"))
    verify_padding(ctx, padding)
    first = padding.rows[0]
    challenges = {
        name: _randomness_challenge(base, h, ("padding", padding.salt, name, 0), ct, proof)
        for name, (ct, proof) in zip(FIELDS, first.ciphertexts(), strict=True)
    }
    return {
        "cover": {"tag_points": points, "handle_secret": handle_secret.hex(), "handle": handle},
        "padding": {
            "credentials": [
                {"credential": i, "counter_start": c.counter_start, "ballots": c.ballots}
                for i, c in enumerate(credentials)
            ],
            "object": padding_to_json(base, padding),
            "row_0_challenges": challenges,
        },
    }


def close_vectors() -> dict[str, Any]:
    """Stage A of the close (docs/coercion.md §5.8, record-format §6): a list's hash, and
    one object of each kind made by trustee 2 on a two-row list, with the pre-image of its
    first entry's challenge and of its part's and step's digests."""
    data = json.loads((HERE / "record-v3.json").read_text("utf-8"))
    setup = next(json.loads(line) for line in data["record"] if '"kind":"setup"' in line)
    ctx, _, _ = context_from_setup(setup["body"])
    base, h = ctx.base_hash, ctx.public_key
    rng = SeededRandomness("vector close")
    x, y1 = (
        Scalar(int.from_bytes(hashlib.sha512(t).digest(), "little") % L) for t in (b"x2", b"y1 2")
    )
    big_x, big_y = base_mul(x), base_mul(y1)
    points = [hashed("point", "cover-tag", base, i)["value"] for i in (0, 1)]
    cts = [
        encrypt_point(h, Point.decode(bytes.fromhex(p)), random_nonzero_scalar(rng)) for p in points
    ]
    rows = ((cts[0], cts[1]), (cts[1], cts[0]))
    name = "A.pets"
    listed = hashed("bytes", "close/list", base, name, [[_ct(ct) for ct in row] for row in rows])
    assert listed["value"] == list_hash(base, name, rows).hex()
    digest = bytes.fromhex(listed["value"])
    # a tag share of the first column (list A.tags)
    tags = as_rows([r[0] for r in rows])
    tag_digest = list_hash(base, "A.tags", tags)
    tag = create_tag_share(
        tag_context(base, "A.tags", "y1", tag_digest), 2, y1, [r[0] for r in tags], rng
    )
    e = tag.entries[0]
    ct = tags[0][0]
    c, z = e.proof.challenge, e.proof.response
    tag_pre = hashed(
        "scalar", "tag-share", base, "A.tags", "y1", tag_digest, 2, 0, big_y, ct.alpha, ct.beta,
        e.share.alpha, e.share.beta, base_mul(z) - big_y * c, ct.alpha * z - e.share.alpha * c,
        ct.beta * z - e.share.beta * c,
    )  # fmt: skip
    assert tag_pre["value"] == c.hex()
    # a cover point's tag share
    q = cover_tag_point(base, 0)
    point = make_point_tag_share(base, "y1", 2, y1, [q], rng).entries[0]
    c, z = point.proof.challenge, point.proof.response
    point_pre = hashed(
        "scalar", "point-tag-share", base, "y1", 2, 0, big_y, q, point.image,
        base_mul(z) - big_y * c, q * z - point.image * c,
    )  # fmt: skip
    assert point_pre["value"] == c.hex()
    # an offset (group 0, the list A.groups over these rows)
    groups = list_hash(base, "A.groups", rows)
    offset = create_offset_share(offset_context(base, "A.groups", groups), 2, h, 1, rng).offsets[0]
    offset_pre = _representation_challenge(
        "counter-offset", (base, "close-offsets", "A.groups", groups, 0, 2), h, GENERATOR,
        offset.ciphertext, offset.proof,
    )  # fmt: skip
    # an equivalence share of the pair in row 0 (list A.pets)
    pairs = [(r[0], r[1]) for r in rows]
    entry = create_equivalence_share(
        equivalence_context(base, name, digest), 2, pairs, rng
    ).entries[0]
    diff = pairs[0][0] - pairs[0][1]
    c, z = entry.proof.challenge, entry.proof.response
    pet_pre = hashed(
        "scalar", "equivalence-share", base, name, digest, 2, 0, *_ct(pairs[0][0]),
        *_ct(pairs[0][1]), entry.commitment, diff.alpha, diff.beta, entry.share.alpha,
        entry.share.beta, base_mul(z) - entry.commitment * c,
        diff.alpha * z - entry.share.alpha * c, diff.beta * z - entry.share.beta * c,
    )  # fmt: skip
    assert pet_pre["value"] == c.hex()
    # a decryption factor of row 0's first ciphertext (list A.flags)
    flags = as_rows([r[0] for r in rows])
    flags_digest = list_hash(base, "A.flags", flags)
    factor = create_partial_decryption(
        decryption_context(base, "A.flags", flags_digest), 2, x, [r[0] for r in flags], rng
    ).entries[0]
    ct = flags[0][0]
    c, z = factor.proof.challenge, factor.proof.response
    dec_pre = hashed(
        "scalar", "partial-decryption", base, "close-decryption", "A.flags", flags_digest, 2, 0,
        ct.beta, big_x, ct.alpha, factor.factor, base_mul(z) - big_x * c,
        ct.alpha * z - factor.factor * c,
    )  # fmt: skip
    assert dec_pre["value"] == c.hex()
    # the tag share as the board holds it: its part and step, their digests and signatures
    parts, head = publish(base, ListTagShare("A.tags", "y1", tag), x, rng)
    part_pre = hashed(
        "bytes",
        "close/part",
        base,
        canonical_json({k: v for k, v in parts[0].items() if k != "signature"}),
    )
    step_pre = hashed(
        "bytes",
        "close/step",
        base,
        canonical_json({k: v for k, v in head.items() if k != "signature"}),
    )
    assert head["parts"] == [part_pre["value"]]
    return {
        "trustee": {"index": 2, "x": x.hex(), "X": big_x.hex(), "y1": y1.hex(), "Y1": big_y.hex()},
        "list": {
            "name": name,
            "rows": [[ciphertext_to_json(ct) for ct in row] for row in rows],
            "hash": listed,
        },
        "tag_share_challenge": tag_pre,
        "point_tag_share_challenge": point_pre,
        "offset": {
            "object": {
                "alpha": offset.ciphertext.alpha.hex(),
                "beta": offset.ciphertext.beta.hex(),
            },
            "challenge": offset_pre,
        },
        "equivalence_share_challenge": pet_pre,
        "decryption_challenge": dec_pre,
        "tag_share_part": parts[0],
        "tag_share_step": head,
        "part_digest": part_pre,
        "step_digest": step_pre,
    }


def main() -> None:
    OUT.write_text(json.dumps(derive(), indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
