"""The derivations of re-voting protection against tests/vectors/coercion-v3.json
(docs/record-format.md §10), the credential and activation codes, and the
designated-verifier proof: it convinces the service, and no one else, since the
service could have made it for any point."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from honestballot.crypto.designated_verifier import (
    DesignatedProof,
    prove_designated_plaintext,
    simulate_designated_plaintext,
    verify_designated_plaintext,
)
from honestballot.crypto.elgamal import Ciphertext, encrypt_point
from honestballot.crypto.group import Point, Scalar, base_mul
from honestballot.crypto.hashing import hash_to_point
from honestballot.crypto.randomness import SeededRandomness, random_scalar
from honestballot.crypto.representation import credential_base
from honestballot.errors import EncodingError, InvalidProof, RecordFormatError
from honestballot.protocol.ballot import check_opening
from honestballot.protocol.ballot_v2 import check_private as ballot_check_private
from honestballot.protocol.ballot_v2 import verify_ballot_v2, verify_cast_row
from honestballot.protocol.credential import generate_credential
from honestballot.protocol.credential_seed import CredentialSeed, generate_seed
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.encrypted_roll import verify_row
from honestballot.protocol.letters import LetterSecret, activation_base, draw_letter
from honestballot.protocol.registration import check_private, verify_registration
from honestballot.record.ballot import ballot_from_json, opening_from_json
from honestballot.record.codec import canonical_bytes
from honestballot.record.revoting import (
    ballot_private_from_json,
    ballot_private_to_json,
    ballot_v2_from_json,
    ballot_v2_to_json,
    cast_row_from_json,
    cast_row_to_json,
    load_ballot_private,
    load_ballot_v2,
    load_registration,
    load_registration_private,
    registration_from_json,
    registration_private_from_json,
    registration_private_to_json,
    registration_to_json,
)
from honestballot.record.roll import part_digest, part_from_json
from honestballot.record.setup import context_from_setup
from tests.vectors.make_coercion_vectors import derive

FILE = Path(__file__).resolve().parents[1] / "vectors" / "coercion-v3.json"


@pytest.fixture(scope="module")
def vectors() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FILE.read_text("utf-8"))
    return data


def test_the_file_is_what_the_generator_derives(vectors: dict[str, Any]) -> None:
    assert derive() == vectors


def test_every_value_is_the_library_s(vectors: dict[str, Any]) -> None:
    base = bytes.fromhex(vectors["base_hash"])
    assert credential_base(base).hex() == vectors["credential_base"]["value"]
    assert activation_base(base).hex() == vectors["activation_base"]["value"]
    for item in vectors["credentials"]:
        seed = CredentialSeed(bytes.fromhex(item["seed"]))
        c = seed.signing_scalar(base)
        assert c.hex() == item["signing_scalar"]["value"]
        assert (credential_base(base) * c).hex() == item["voting_point"]
        assert seed.voting_point(base).hex() == item["voting_point"]
        assert seed.tag_secret().hex() == item["tag_secret"]["value"]
        assert seed.tag_point(base).hex() == item["tag_point"]["value"]
        assert seed.to_code() == item["code"]
        assert CredentialSeed.from_code(item["code"]) == seed
    for item in vectors["letters"]:
        letter = LetterSecret(bytes.fromhex(item["secret"]))
        a = letter.activation_scalar(base)
        assert a.hex() == item["activation_scalar"]["value"]
        assert letter.handle(base).hex() == item["handle"]["value"]
        assert (activation_base(base) * a).hex() == item["activation_point"]
        assert letter.none_point(base).hex() == item["none_point"]["value"]
        assert LetterSecret.from_code(item["code"]) == letter


def _dv(vectors: dict[str, Any]) -> tuple[bytes, str, bytes, Point, Point, Point, Ciphertext]:
    d = vectors["designated_proof"]
    point = Point.decode
    return (
        bytes.fromhex(vectors["base_hash"]),
        d["purpose"],
        bytes.fromhex(d["nonce"]),
        point(bytes.fromhex(vectors["public_key"])),
        point(bytes.fromhex(d["verifier_key"])),
        point(bytes.fromhex(d["message"])),
        Ciphertext(
            point(bytes.fromhex(d["ciphertext"]["alpha"])),
            point(bytes.fromhex(d["ciphertext"]["beta"])),
        ),
    )


def test_the_designated_proof_convinces_the_service_of_this_point_only(
    vectors: dict[str, Any],
) -> None:
    base, purpose, nonce, h, w_key, message, ct = _dv(vectors)
    p = vectors["designated_proof"]["proof"]
    proof = DesignatedProof(*(Scalar.decode(bytes.fromhex(p[k])) for k in ("e1", "e2", "z1", "z2")))
    verify_designated_plaintext(base, purpose, nonce, h, w_key, message, ct, proof)
    other = hash_to_point("test/other point", b"")
    for args in (
        (base, purpose, nonce, h, w_key, other, ct),  # another point
        (base, "registration/handle", nonce, h, w_key, message, ct),  # another field
        (base, purpose, bytes(32), h, w_key, message, ct),  # another registration
        (base, purpose, nonce, h, base_mul(Scalar(5)), message, ct),  # another verifier
    ):
        with pytest.raises(InvalidProof):
            verify_designated_plaintext(*args, proof)


def test_the_service_could_have_made_it_for_any_point(vectors: dict[str, Any]) -> None:
    """Non-transferability: with its key w, the service makes a proof that verifies just
    the same for a point the ciphertext does not encrypt."""
    from tests.vectors.make_coercion_vectors import verifier_secret

    w = verifier_secret()  # w of record-v3.json's setup, which that file publishes
    base, purpose, nonce, h, w_key, _, ct = _dv(vectors)
    assert base_mul(w) == w_key
    lie = hash_to_point("test/not the plaintext", b"")
    rng = SeededRandomness("service simulates")
    forged = simulate_designated_plaintext(base, purpose, nonce, h, w, lie, ct, rng)
    verify_designated_plaintext(base, purpose, nonce, h, w_key, lie, ct, forged)
    # and a device that does not know the randomness cannot make one
    rng = SeededRandomness("device without r")
    wrong = prove_designated_plaintext(
        base, purpose, nonce, h, w_key, lie, ct, random_scalar(rng), rng
    )
    with pytest.raises(InvalidProof):
        verify_designated_plaintext(base, purpose, nonce, h, w_key, lie, ct, wrong)


def test_codes_forgive_case_and_spaces_and_catch_typos() -> None:
    rng = SeededRandomness("codes")
    base = bytes(32)
    seed, letter = generate_seed(rng, base), draw_letter(rng, base)
    code, letter_code = seed.to_code(), letter.to_code()
    assert code.startswith("HB2-") and len(code.replace("-", "")) == 3 + 58
    assert letter_code.startswith("HBL-") and len(letter_code.replace("-", "")) == 3 + 32
    assert CredentialSeed.from_code(" " + code.lower().replace("-", " ") + " ") == seed
    assert LetterSecret.from_code(letter_code.lower()) == letter
    typo = code[:-1] + ("A" if code[-1] != "A" else "B")
    with pytest.raises(EncodingError, match="checksum is wrong"):
        CredentialSeed.from_code(typo)
    with pytest.raises(EncodingError, match="without re-voting protection"):
        CredentialSeed.from_code(generate_credential(rng).to_code())
    with pytest.raises(EncodingError, match="starts with HBL-"):
        LetterSecret.from_code(code)
    with pytest.raises(EncodingError, match="wrong length"):
        LetterSecret.from_code(letter_code[:-5])
    assert "secret" not in repr(seed).lower().replace("<secret>", "")
    assert seed.seed.hex() not in repr(seed) and letter.secret.hex() not in repr(letter)


def test_the_device_s_proof_verifies_for_a_fresh_encryption() -> None:
    rng = SeededRandomness("fresh")
    base = bytes(32)
    h, w = base_mul(random_scalar(rng)), random_scalar(rng)
    tau = generate_seed(rng, base).tag_point(base)
    r = random_scalar(rng)
    ct = encrypt_point(h, tau, r)
    proof = prove_designated_plaintext(
        base, "registration/tag", b"n", h, base_mul(w), tau, ct, r, rng
    )
    verify_designated_plaintext(base, "registration/tag", b"n", h, base_mul(w), tau, ct, proof)


def test_the_roll_rows_verify_at_their_own_index_only(vectors: dict[str, Any]) -> None:
    base = bytes.fromhex(vectors["base_hash"])
    public_key = Point.decode(bytes.fromhex(vectors["public_key"]))
    roll = vectors["roll"]
    assert part_digest(roll["part"]).hex() == roll["part_digest"]["value"]
    assert canonical_bytes(roll["part"]).hex() in roll["part_digest"]["preimage"]
    offset, rows = part_from_json(roll["part"], "part")
    assert offset == 0
    for i, row in enumerate(rows):
        verify_row(base, public_key, i, row)
        found = roll["challenges"][i]
        assert found["handle"]["value"] == row.handle_proof.challenge.hex()
        assert found["unit"]["value"] == row.unit_proof.challenge.hex()
        assert found["activation"]["value"] == row.activation_proof.challenge.hex()
        with pytest.raises(InvalidProof, match=f"roll row {1 - i}, handle"):
            verify_row(base, public_key, 1 - i, row)


def _context(vectors: dict[str, Any]) -> ElectionContext:
    from tests.vectors.make_coercion_vectors import HERE

    data = json.loads((HERE / "record-v3.json").read_text("utf-8"))
    setup = next(json.loads(line) for line in data["record"] if '"kind":"setup"' in line)
    ctx, _, _ = context_from_setup(setup["body"])
    assert ctx.base_hash.hex() == vectors["base_hash"]
    # the device's W is the one the verified setup names (docs/coercion.md §7)
    assert ctx.verifier_key.hex() == vectors["designated_proof"]["verifier_key"]
    return ctx


def test_the_registration_vector_parses_verifies_and_convinces_the_service(
    vectors: dict[str, Any],
) -> None:
    ctx = _context(vectors)
    base, h = ctx.base_hash, ctx.public_key
    v = vectors["registration"]
    reg = registration_from_json(v["object"])
    assert registration_to_json(reg) == v["object"]
    verify_registration(base, h, reg)
    assert reg.statement_hash(h).hex() == v["statement_hash"]["value"]
    assert reg.tracking_hash(h).hex() == v["tracking_hash"]["value"]
    assert reg.tracking_code(h) == v["tracking_code"]
    letter = LetterSecret(bytes.fromhex(vectors["letters"][v["letter"]]["secret"]))
    seed = CredentialSeed(bytes.fromhex(vectors["credentials"][v["credential"]]["seed"]))
    private = registration_private_from_json(v["private"])
    assert registration_private_to_json(private) == v["private"]
    w = ctx.verifier_key
    tau = check_private(
        base, h, w, reg, private, reg.commitment, letter.handle(base),
        letter.activation_point(base),
    )  # fmt: skip
    assert tau == seed.tag_point(base)
    # against another voter's letter the activation proof fails
    other = LetterSecret(bytes.fromhex(vectors["letters"][1]["secret"]))
    with pytest.raises(InvalidProof, match="not the one on your letter") as refused:
        check_private(
            base, h, w, reg, private, reg.commitment, letter.handle(base),
            other.activation_point(base),
        )  # fmt: skip
    assert getattr(refused.value, "purpose", None) == "registration/activation"
    for name, challenge in v["challenges"].items():
        assert challenge["value"] in json.dumps(v["object"]), name


def test_the_ballot_and_cast_row_vectors_parse_verify_and_open(vectors: dict[str, Any]) -> None:
    ctx = _context(vectors)
    h = ctx.public_key
    v = vectors["ballot_v2"]
    ballot = ballot_v2_from_json(v["object"])
    assert ballot_v2_to_json(ballot) == v["object"]
    verify_ballot_v2(ctx, ballot)
    assert ballot.statement_hash(h).hex() == v["statement_hash"]["value"]
    assert ballot.tracking_hash(h).hex() == v["tracking_hash"]["value"]
    assert ballot.tracking_code(h) == v["tracking_code"]
    choices = check_opening(ctx, ballot, opening_from_json(v["opening"]))
    assert choices == {k: frozenset(c) for k, c in v["selections"].items()}
    seed = CredentialSeed(bytes.fromhex(vectors["credentials"][v["credential"]]["seed"]))
    w = ctx.verifier_key
    private = ballot_private_from_json(v["private"])
    assert ballot_private_to_json(private) == v["private"]
    assert ballot_check_private(ctx, w, ballot, private, seed.voting_point(ctx.base_hash))
    row_json = vectors["cast_row"]["object"]
    row = cast_row_from_json(row_json)
    assert cast_row_to_json(row) == row_json and row.ballot == ballot
    verify_cast_row(ctx, row)
    assert row_json["flag"] == {"alpha": "00" * 32, "beta": "00" * 32}
    assert vectors["cast_row"]["challenge"]["value"] == row_json["counter_proof"]["c"]


def test_the_objects_are_parsed_strictly(vectors: dict[str, Any]) -> None:
    reg = vectors["registration"]["object"]
    ballot = vectors["ballot_v2"]["object"]
    row = vectors["cast_row"]["object"]
    bad_cases: list[tuple[Any, Any, str]] = [
        (registration_from_json, {**reg, "extra": 1}, "unexpected field"),
        (registration_from_json, {k: x for k, x in reg.items() if k != "revokes"}, "revokes"),
        (registration_from_json, {**reg, "version": 2}, "unsupported registration version"),
        (registration_from_json, {**reg, "nonce": "00" * 31}, "registration.nonce"),
        (
            registration_from_json,
            {**reg, "tag": {"alpha": "00" * 32, "beta": reg["tag"]["beta"]}},
            "registration.tag.alpha",
        ),
        (ballot_v2_from_json, {**ballot, "version": 1}, "unsupported ballot version"),
        (ballot_v2_from_json, {**ballot, "signature": {}}, "unexpected field"),
        (
            ballot_v2_from_json,
            {**ballot, "credential_proof": {**ballot["credential_proof"], "s_activation": "00"}},
            "credential_proof",
        ),
        (cast_row_from_json, {**row, "flag": {"alpha": "00" * 32}}, "cast row.flag"),
        (cast_row_from_json, {**row, "ballot": {**ballot, "version": 1}}, "cast row.ballot"),
    ]
    for parse, value, named in bad_cases:
        with pytest.raises(RecordFormatError, match=named):
            parse(value)
    # a version 1 ballot reader refuses a version 2 ballot, and the other way round
    with pytest.raises(RecordFormatError, match="unsupported ballot version 2"):
        ballot_from_json(ballot)


def test_documents_sent_to_the_service_have_size_limits(vectors: dict[str, Any]) -> None:
    """A registration is read up to 8 KiB, a private part up to 4 KiB, a ballot version 2
    up to 512 KiB: the vectors' documents load, and the same with white space past the
    limit do not (the parser refuses them before reading them)."""
    cases: list[tuple[Any, dict[str, Any], int]] = [
        (load_registration, vectors["registration"]["object"], 8 * 1024),
        (load_registration_private, vectors["registration"]["private"], 4 * 1024),
        (load_ballot_private, vectors["ballot_v2"]["private"], 4 * 1024),
        (load_ballot_v2, vectors["ballot_v2"]["object"], 512 * 1024),
    ]
    for load, obj, limit in cases:
        data = canonical_bytes(obj)
        assert len(data) < limit
        load(data)
        load(data + b" " * (limit - len(data)))
        with pytest.raises(RecordFormatError, match="limit"):
            load(data + b" " * (limit - len(data) + 1))
