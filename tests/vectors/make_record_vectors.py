"""Write ``tests/vectors/record-v3.json``: a small, complete election record (version 3)
and every intermediate value an independent verifier needs to check itself step by step.

Run from the project root::

    .venv/bin/python tests/vectors/make_record_vectors.py

The election is deterministic (:class:`SeededRandomness`, fixed clocks, SQLite in a
temporary directory), so running the script again writes the same file.  Its setup names
two witnesses (quorum 2) and an organiser's key: the organiser signs the roll summary, and
the witnesses (:class:`honestballot.service.witness.Witness`, reading the board in
process) co-sign the board's tree heads, so the record carries co-signature lines.  The
fields are documented in docs/record-format.md, "Test vectors".  :func:`derive_vectors` computes
every value from the record's lines alone; ``tests/record/test_record_vectors.py`` checks that
it reproduces the file.

Every hash comes with its exact pre-image (hex), built here by :func:`preimage`, an
encoder written from docs/record-format.md §2 independently of
:mod:`honestballot.crypto.hashing`; :func:`derive_vectors` asserts that both agree.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from honestballot.crypto.dlog import DiscreteLogTable
from honestballot.crypto.elgamal import Ciphertext
from honestballot.crypto.group import L, Point, Scalar, base_mul, small_multiple, sum_points
from honestballot.crypto.hashing import canonical_json, hash_bytes, hash_to_scalar
from honestballot.crypto.merkle import MerkleTree, leaf_hash
from honestballot.crypto.polynomial import lagrange_at_zero
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.protocol.ballot import (
    EncryptedBallot,
    SpoiledBallot,
    ballot_content_hash,
    tracking_code,
)
from honestballot.protocol.decryption import combine_valid_shares
from honestballot.protocol.election import manifest_hash
from honestballot.protocol.manifest import Contest, Label, Manifest, Option, Unit
from honestballot.protocol.share_parts import assemble as assemble_share
from honestballot.protocol.verifier_key import VERIFIER_KEY_TAG
from honestballot.protocol.witnesses import board_keys_hash, cosignature_message
from honestballot.record.ballot import ballot_from_json, spoiled_from_json
from honestballot.record.events import event_from_json, log_id, tree_head_from_json
from honestballot.record.setup import context_from_setup, election_key_hash
from honestballot.record.share_parts import share_head_from_json
from honestballot.record.trustee import decode_encrypted_tally
from honestballot.record.witness import cosignature_from_json, roll_summary_bytes

OUT = Path(__file__).with_name("record-v3.json")
ELECTION_ID = "vectors"
SEED = "honestballot record vectors v3"
START_MS = 1_760_000_000_000
#: each witness's clock runs this far ahead of the board's last reading (so a
#: co-signature's witnessed_ms falls a little after the time of the head it co-signs)
WITNESS_LAG_MS = {"witness a": 300, "witness b": 700}
#: the witnesses the setup names, in this order, by name → seed of their secret key; both
#: must co-sign (quorum 2).  One name is not ASCII, so its UTF-8 enters the base hash.
WITNESSES = {"Observers' union": "witness a", "Бақылаушылар тобы": "witness b"}
WITNESS_QUORUM = 2
ORGANISER_SEED = "organiser"

# -- an encoder of hash pre-images, written from docs/record-format.md §2 -------------


def _enc(part: Any) -> bytes:
    if isinstance(part, Point):
        return b"P" + (32).to_bytes(8, "big") + part.encode()
    if isinstance(part, Scalar):
        return b"S" + (32).to_bytes(8, "big") + part.encode()
    if isinstance(part, bytes):
        return b"B" + len(part).to_bytes(8, "big") + part
    if isinstance(part, str):
        raw = part.encode("utf-8")
        return b"T" + len(raw).to_bytes(8, "big") + raw
    if isinstance(part, bool):
        raise TypeError("booleans are never hashed")
    if isinstance(part, int):
        raw = str(part).encode("ascii")
        return b"I" + len(raw).to_bytes(8, "big") + raw
    if isinstance(part, list | tuple):
        return b"L" + len(part).to_bytes(8, "big") + b"".join(_enc(p) for p in part)
    raise TypeError(f"cannot encode {type(part).__name__}")


def preimage(tag: str, *parts: Any) -> bytes:
    """``u64be(len(T)) || T || enc(p1) || ...`` with ``T = "honestballot/v1/" || tag``."""
    t = b"honestballot/v1/" + tag.encode("ascii")
    return len(t).to_bytes(8, "big") + t + b"".join(_enc(p) for p in parts)


def _bytes_hash(tag: str, *parts: Any) -> dict[str, str]:
    """A ``hash_bytes`` value with its pre-image, checked against the library."""
    pre = preimage(tag, *parts)
    digest = hashlib.sha256(pre).digest()
    assert digest == hash_bytes(tag, *parts), tag
    return {"tag": tag, "preimage": pre.hex(), "hash": digest.hex()}


def _scalar_hash(tag: str, *parts: Any) -> tuple[dict[str, str], Scalar]:
    """A ``hash_to_scalar`` value with its pre-image, checked against the library."""
    pre = preimage(tag, *parts)
    value = int.from_bytes(hashlib.sha512(pre).digest(), "little") % L
    scalar = Scalar(value)
    assert scalar == hash_to_scalar(tag, *parts), tag
    return {"tag": tag, "preimage": pre.hex(), "hash": scalar.hex()}, scalar


# -- the election ----------------------------------------------------------------------


def _label(en: str) -> Label:
    return Label(f"{en} (рус)", f"{en} (қаз)", en)


def vector_manifest() -> Manifest:
    """One contest with against-all, one with blank (min_selections 0), one with neither;
    three units, one of them too small to be broken out."""
    mayor = Contest(
        "mayor",
        _label("Mayor"),
        (Option("ann", _label("Ann")), Option("bob", _label("Bob"))),
        1,
        1,
        True,
    )
    council = Contest(
        "council",
        _label("Council"),
        (Option("cat", _label("Cat")), Option("dan", _label("Dan"))),
        0,
        2,
        False,
    )
    board = Contest(
        "board",
        _label("Board"),
        (Option("eve", _label("Eve")), Option("fay", _label("Fay"))),
        1,
        1,
        False,
    )
    units = (
        Unit("north", _label("North")),
        Unit("south", _label("South")),
        Unit("tiny", _label("Tiny")),
    )
    return Manifest(ELECTION_ID, _label("Vector election"), (mayor, council, board), units, 2)


CHOICES: list[dict[str, set[str]]] = [
    {"mayor": {"ann"}, "council": {"cat", "dan"}, "board": {"eve"}},
    {"mayor": {"against-all"}, "council": {"blank"}, "board": {"fay"}},
    {"mayor": {"bob"}, "council": {"dan"}, "board": {"eve"}},
    {"mayor": {"ann"}, "council": {"cat"}, "board": {"fay"}},
    {"mayor": {"bob"}, "council": {"cat"}, "board": {"eve"}},
]
UNITS = ["north", "north", "south", "south", "tiny"]
REVOTE: dict[str, set[str]] = {"mayor": {"bob"}, "council": {"blank"}, "board": {"fay"}}
#: the choice of the voter who replaced their credential (the second voter of north)
REPLACED: dict[str, set[str]] = {"mayor": {"ann"}, "council": {"dan"}, "board": {"fay"}}
#: the roll summary posted at open
ROLL = {
    "voters_per_unit": [
        {"unit": "north", "voters": 2},
        {"unit": "south", "voters": 2},
        {"unit": "tiny", "voters": 1},
    ],
    "contact_exceptions": 1,
}


def _secret(seed: str) -> Scalar:
    return random_nonzero_scalar(SeededRandomness(f"{SEED}/{seed}"))


class _Clock:
    """The board's clock (each reading one second later) and the witnesses' clocks, which
    read the board's latest time plus their own lag without moving it."""

    def __init__(self) -> None:
        self.now = START_MS - 1000

    def board(self) -> int:
        self.now += 1000
        return self.now

    def witness(self, lag_ms: int) -> Callable[[], int]:
        return lambda: self.now + lag_ms


class _ServiceSource:
    """The board as the service shows it, read in process (a witness's view without HTTP,
    as ``honestballot witness run`` reads it over HTTP)."""

    def __init__(self, service: Any) -> None:
        self.service = service

    def record(self) -> list[bytes]:
        lines = self.service.record_lines(ELECTION_ID, fresh=False)
        return [line.rstrip(b"\n") for line in lines]

    def latest_head(self) -> Any:
        self.service.publish_tree_head(ELECTION_ID)  # the web service signs one periodically
        return self.service.latest_tree_head(ELECTION_ID)

    def consistency(self, old_size: int, new_size: int) -> list[bytes]:
        return list(self.service.consistency_proof(ELECTION_ID, old_size, new_size))

    def publish(self, cosignature: dict[str, Any]) -> None:
        assert self.service.add_cosignature(ELECTION_ID, cosignature)


def build_record() -> tuple[list[str], Scalar]:
    """Run the election on the service and return the exported record's lines, and the
    service's designated-verifier secret ``w`` (published with the vectors, so that
    coercion-v3.json can show the service's simulation of a designated-verifier proof)."""
    from honestballot.protocol.ballot import encrypt_ballot
    from honestballot.protocol.credential import generate_credential
    from honestballot.protocol.decryption import create_decryption_share
    from honestballot.protocol.witnesses import Witness as NamedWitness
    from honestballot.protocol.witnesses import sign_roll
    from honestballot.record.ballot import ballot_to_json
    from honestballot.service.board.election import ElectionService
    from honestballot.service.demo import run_key_ceremony
    from honestballot.service.witness import Witness
    from honestballot.store.sql import SqlStore
    from tests.factories import encode_share

    manifest = vector_manifest()
    rng = SeededRandomness(SEED)
    named = [NamedWitness(name, base_mul(_secret(seed))) for name, seed in WITNESSES.items()]
    organiser_secret = _secret(ORGANISER_SEED)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        key, secrets = run_key_ceremony(manifest, directory, rng, n=3, k=2)
        url = f"sqlite:///{directory / 'store.sqlite'}"
        clock = _Clock()
        service = ElectionService(SqlStore(url), rng, clock=clock.board)
        ctx = service.create(
            manifest,
            key,
            witnesses=named,
            quorum=WITNESS_QUORUM,
            organiser_key=base_mul(organiser_secret),
            unprotected=True,
        )
        source = _ServiceSource(service)
        a, b = (
            Witness(
                ELECTION_ID,
                ctx.base_hash.hex()[:16],
                _secret(seed),
                directory / f"{seed}.state.json",
                source,
                SeededRandomness(f"{SEED}/{seed}/signing"),
                clock.witness(WITNESS_LAG_MS[seed]),
            )
            for seed in WITNESSES.values()
        )
        creds = [generate_credential(rng) for _ in UNITS]
        for cred, unit in zip(creds, UNITS, strict=True):
            service.register_credential(ELECTION_ID, cred.public, unit)
        # the organiser signs the summary offline; open posts it with the signature
        signature = sign_roll(ctx.base_hash, roll_summary_bytes(ROLL), organiser_secret, rng)
        service.open(ELECTION_ID, lambda _: ROLL, signature)
        # first contact: each witness verifies the record so far and co-signs its head
        assert a.step().startswith("co-signed") and b.step().startswith("co-signed")
        audited, opening = encrypt_ballot(ctx, creds[0], CHOICES[3], rng)
        service.audit(ELECTION_ID, audited, opening)
        for cred, choice in zip(creds, CHOICES, strict=True):
            ballot, _ = encrypt_ballot(ctx, cred, choice, rng)
            service.cast(ELECTION_ID, json.dumps(ballot_to_json(ballot)))
        service.publish_tree_head(ELECTION_ID)
        # only one witness co-signs this head: a head short of the quorum may stand in the
        # record, only the final head must carry it
        assert a.step().startswith("co-signed")
        revote, _ = encrypt_ballot(ctx, creds[2], REVOTE, rng)
        assert service.cast(ELECTION_ID, json.dumps(ballot_to_json(revote))).superseded
        # the second voter of north replaces their credential and votes with the new one
        new = generate_credential(rng)
        service.register_credential(ELECTION_ID, new.public, "north", replaces=creds[1].public)
        again, _ = encrypt_ballot(ctx, new, REPLACED, rng)
        service.cast(ELECTION_ID, json.dumps(ballot_to_json(again)))
        service.close(ELECTION_ID)
        tally = service.tally(ELECTION_ID)
        for secret in (secrets[0], secrets[2]):  # trustee 2 does not decrypt
            share = create_decryption_share(secret, tally, rng)
            service.submit_decryption_share(ELECTION_ID, json.dumps(encode_share(share)))
        service.publish_result(ELECTION_ID)
        # both co-sign the final head (each after checking it extends what it co-signed),
        # so the exported record ends there
        assert a.step().startswith("co-signed") and b.step().startswith("co-signed")
        path = directory / "record.jsonl"
        service.export_record(ELECTION_ID, str(path))
        with service.store.connect() as conn:
            row = service.store.election_row(conn, ELECTION_ID)
        assert row is not None
        verifier_secret = Scalar.decode(bytes.fromhex(row["verifier_secret"]))
        service.store.close()
        return path.read_text(encoding="utf-8").splitlines(), verifier_secret


# -- the intermediate values, from the record's lines alone ------------------------------


def _ct(ct: Ciphertext) -> dict[str, str]:
    return {"alpha": ct.alpha.hex(), "beta": ct.beta.hex()}


def _disjunctive(
    tag: str,
    context: tuple[Any, ...],
    public_key: Point,
    ct: Ciphertext,
    values: tuple[int, ...],
    challenges: tuple[Scalar, ...],
    responses: tuple[Scalar, ...],
) -> dict[str, Any]:
    commitments: list[Point] = []
    listed = []
    for v, c, s in zip(values, challenges, responses, strict=True):
        a = base_mul(s) - ct.alpha * c
        shifted = ct.beta - small_multiple(v) if v else ct.beta
        b = public_key * s - shifted * c
        commitments += [a, b]
        listed.append({"value": v, "A": a.hex(), "B": b.hex()})
    challenge, expected = _scalar_hash(
        tag, *context, public_key, ct.alpha, ct.beta, values, tuple(commitments)
    )
    total = sum(challenges, Scalar(0))
    assert total == expected, tag
    return {
        "values": list(values),
        "commitments": listed,
        "challenge": challenge,
        "challenge_sum": total.hex(),
    }


def _selection_ciphertext(contest: Contest, cts: tuple[Ciphertext, ...]) -> Ciphertext:
    total = Ciphertext(base_mul(Scalar(0)), base_mul(Scalar(0)))
    for option, ct in zip(contest.options, cts, strict=True):
        weight = contest.max_selections if option.exclusive else 1
        total = total + ct.scale(Scalar(weight))
    return total


def _tracking(
    base: bytes, contests: tuple[Any, ...], seal: bytes
) -> tuple[dict[str, str], dict[str, str]]:
    ciphertexts = tuple(
        (c.contest_id, tuple((ct.alpha, ct.beta) for ct in c.ciphertexts)) for c in contests
    )
    ct_hash = _bytes_hash("ballot/ciphertexts", base, ciphertexts)
    tracking = _bytes_hash("ballot/tracking", bytes.fromhex(ct_hash["hash"]), seal)
    return ct_hash, tracking


def _cast_ballot(
    seq: int, ballot: EncryptedBallot, manifest: Manifest, public_key: Point, base: bytes
) -> dict[str, Any]:
    cred = ballot.credential
    contests = []
    for contest, ec in zip(manifest.contests, ballot.contests, strict=True):
        options = []
        for option, ct, proof in zip(
            contest.options, ec.ciphertexts, ec.option_proofs, strict=True
        ):
            options.append(
                {
                    "option": option.id,
                    "ciphertext": _ct(ct),
                    **_disjunctive(
                        "ballot/option",
                        (base, cred, contest.id, option.id),
                        public_key,
                        ct,
                        (0, 1),
                        proof.challenges,
                        proof.responses,
                    ),
                }
            )
        selection_ct = _selection_ciphertext(contest, ec.ciphertexts)
        contests.append(
            {
                "id": contest.id,
                "option_proofs": options,
                "selection_proof": {
                    "ciphertext": _ct(selection_ct),
                    **_disjunctive(
                        "ballot/selection",
                        (base, cred, contest.id),
                        public_key,
                        selection_ct,
                        contest.selection_range,
                        ec.selection_proof.challenges,
                        ec.selection_proof.responses,
                    ),
                },
            }
        )
    content_parts = tuple(
        (
            ec.contest_id,
            tuple((ct.alpha, ct.beta) for ct in ec.ciphertexts),
            tuple((tuple(p.challenges), tuple(p.responses)) for p in ec.option_proofs),
            (tuple(ec.selection_proof.challenges), tuple(ec.selection_proof.responses)),
        )
        for ec in ballot.contests
    )
    content = _bytes_hash("ballot/content", base, cred, content_parts)
    content_hash = bytes.fromhex(content["hash"])
    assert content_hash == ballot_content_hash(base, cred, ballot.contests)
    sig = ballot.signature
    r = base_mul(sig.response) - cred * sig.challenge
    sig_hash, sig_c = _scalar_hash("ballot/signature", base, cred, content_hash, cred, r)
    assert sig_c == sig.challenge
    seal = _bytes_hash("ballot/seal", content_hash, sig.challenge, sig.response)
    ct_hash, tracking = _tracking(base, ballot.contests, bytes.fromhex(seal["hash"]))
    assert bytes.fromhex(tracking["hash"]) == ballot.tracking_hash()
    return {
        "event_seq": seq,
        "credential": cred.hex(),
        "contests": contests,
        "content_hash": content,
        "signature": {"R": r.hex(), "challenge": sig_hash},
        "ciphertexts_hash": ct_hash,
        "seal": seal,
        "tracking_hash": tracking,
        "tracking_code": tracking_code(ballot.tracking_hash()),
    }


def _spoiled_ballot(seq: int, spoiled: SpoiledBallot, base: bytes) -> dict[str, Any]:
    ct_hash, tracking = _tracking(base, spoiled.contests, spoiled.seal)
    assert bytes.fromhex(tracking["hash"]) == spoiled.tracking_hash()
    return {
        "event_seq": seq,
        "seal": spoiled.seal.hex(),
        "ciphertexts_hash": ct_hash,
        "tracking_hash": tracking,
        "tracking_code": tracking_code(spoiled.tracking_hash()),
    }


def _schnorr(tag: str, context: tuple[Any, ...], public: Point, c: Scalar, s: Scalar) -> Any:
    r = base_mul(s) - public * c
    challenge, value = _scalar_hash(tag, *context, public, r)
    assert value == c, tag
    return {"public": public.hex(), "R": r.hex(), "challenge": challenge}


def derive_vectors(lines: list[str]) -> dict[str, Any]:
    """Every intermediate value, computed from the record's lines (header first)."""
    header = json.loads(lines[0])
    events = []
    heads = []
    #: (index of the line in ``lines``, index in ``heads`` of the head it follows, cosig)
    cosigs = []
    for number, line in enumerate(lines[1:], start=2):
        obj = json.loads(line)
        if obj["type"] == "event":
            events.append((event_from_json(obj, f"line {number}"), line))
        elif obj["type"] == "tree-head":
            heads.append(tree_head_from_json(obj, f"line {number}"))
        else:
            cosigs.append(
                (number - 1, len(heads) - 1, cosignature_from_json(obj, f"line {number}"))
            )
    setup = events[0][0].body
    ctx, key, keys = context_from_setup(setup)
    manifest, base, board_key = ctx.manifest, ctx.base_hash, keys.board_key
    names = {w.key: w.name for w in keys.witnesses}
    assert keys.organiser_key is not None and len(keys.witnesses) == 2

    def label(x: Label) -> tuple[str, str, str]:
        return (x.ru, x.kk, x.en)

    manifest_parts = (
        manifest.election_id,
        label(manifest.title),
        tuple(
            (
                c.id,
                label(c.title),
                c.min_selections,
                c.max_selections,
                int(c.against_all),
                tuple((o.id, label(o.label), int(o.exclusive)) for o in c.options),
            )
            for c in manifest.contests
        ),
        tuple((u.id, label(u.name)) for u in manifest.units),
        manifest.min_unit_size,
    )
    m_hash = _bytes_hash("manifest", *manifest_parts)
    assert bytes.fromhex(m_hash["hash"]) == manifest_hash(manifest)
    key_obj = setup["election_key"]
    k_hash = _bytes_hash("election-key", canonical_json(key_obj))
    assert bytes.fromhex(k_hash["hash"]) == election_key_hash(key)
    c_hash = _bytes_hash("key-ceremony", canonical_json(key_obj["ceremony"]))
    assert bytes.fromhex(c_hash["hash"]) == key.ceremony.hash
    organiser = setup.get("organiser_key")
    bk_hash = _bytes_hash(
        "election/board-keys",
        Point.decode(bytes.fromhex(setup["board_key"])),
        [(w["name"], Point.decode(bytes.fromhex(w["key"]))) for w in setup["witnesses"]],
        setup["witness_quorum"],
        Point.decode(bytes.fromhex(organiser)) if organiser is not None else b"",
        Point.decode(bytes.fromhex(setup["verifier_key"])),
        b"",  # no schedule: an election without re-voting protection
    )
    assert bytes.fromhex(bk_hash["hash"]) == board_keys_hash(keys)
    b_hash = _bytes_hash(
        "election/base",
        bytes.fromhex(m_hash["hash"]),
        bytes.fromhex(k_hash["hash"]),
        key.public_key,
        bytes.fromhex(bk_hash["hash"]),
    )
    assert bytes.fromhex(b_hash["hash"]) == base
    vk_proof = setup["verifier_key_proof"]
    verifier_key = _schnorr(
        VERIFIER_KEY_TAG,
        (base,),
        keys.verifier_key,
        Scalar.decode(bytes.fromhex(vk_proof["c"])),
        Scalar.decode(bytes.fromhex(vk_proof["s"])),
    )

    roll_ev = next(ev for ev, _ in events if ev.kind == "roll")
    summary = canonical_json({k: v for k, v in roll_ev.body.items() if k != "signature"})
    assert summary == roll_summary_bytes(roll_ev.body)
    roll_sig = roll_ev.body["signature"]
    roll_signature = {
        "event_seq": roll_ev.seq,
        "message": summary.hex(),
        **_schnorr(
            "board/roll-summary",
            (base, keys.organiser_key, summary),
            keys.organiser_key,
            Scalar.decode(bytes.fromhex(roll_sig["c"])),
            Scalar.decode(bytes.fromhex(roll_sig["s"])),
        ),
    }

    ballot_ev = next(ev for ev, _ in events if ev.kind == "ballot")
    ballot = ballot_from_json(ballot_ev.body["ballot"])
    audit_ev = next(ev for ev, _ in events if ev.kind == "audit")
    spoiled = spoiled_from_json(audit_ev.body["spoiled"])

    ceremony_hash = key.ceremony.hash
    public1 = key.publics[0]
    deal1 = key.deals[1]  # dealer 1's deal of the tag key y1
    assert (deal1.dealer, deal1.label) == (1, "y1")
    y1_hash = _bytes_hash("dkg-key", ceremony_hash, deal1.label)
    dkg = {
        "communication_key": {
            "trustee": public1.index,
            "name": public1.name,
            **_schnorr(
                "dkg-communication-key",
                (ceremony_hash, public1.index, public1.name),
                public1.communication_key,
                public1.proof.challenge,
                public1.proof.response,
            ),
        },
        "coefficient_pok": {
            "dealer": deal1.dealer,
            "label": deal1.label,
            "key_hash": y1_hash,
            "commitments": [c.hex() for c in deal1.commitments],
            **_schnorr(
                "dkg-coefficient-pok",
                (bytes.fromhex(y1_hash["hash"]), deal1.dealer, deal1.commitments),
                deal1.commitments[0],
                deal1.proof.challenge,
                deal1.proof.response,
            ),
        },
    }

    tally_ev = next(ev for ev, _ in events if ev.kind == "tally")
    tally = decode_encrypted_tally(tally_ev.body["tally"]).resolve({})
    t_hash = _bytes_hash("encrypted-tally", canonical_json(tally_ev.body["tally"]))
    assert bytes.fromhex(t_hash["hash"]) == tally.hash
    share_evs = [ev for ev, _ in events if ev.kind == "decryption-share"]
    shares = [assemble_share(tally, share_head_from_json(ev.body["share"]), {}) for ev in share_evs]
    share, entry, t_entry = shares[0], shares[0].entries[0], tally.entries[0]
    x_l = key.verification_key(share.trustee)
    r1 = base_mul(entry.proof.response) - x_l * entry.proof.challenge
    r2 = t_entry.ciphertext.alpha * entry.proof.response - entry.share * entry.proof.challenge
    d_hash, d_c = _scalar_hash(
        "decryption-share",
        share.election,
        share.tally_hash,
        share.trustee,
        entry.id,
        x_l,
        t_entry.ciphertext.alpha,
        entry.share,
        r1,
        r2,
    )
    assert d_c == entry.proof.challenge

    leaves = [leaf_hash(raw.encode("utf-8")) for _, raw in events]
    tree = MerkleTree(leaves)
    open_ev, open_raw = next((ev, raw) for ev, raw in events if ev.kind == "open")
    last = heads[-1]
    message = last.head.signing_bytes(log_id(header["election_id"]))
    tag = b"honestballot/v1/tree-head"
    lid = b"honestballot:" + header["election_id"].encode("utf-8")
    assert message == (
        len(tag).to_bytes(1, "big")
        + tag
        + len(lid).to_bytes(2, "big")
        + lid
        + last.head.size.to_bytes(8, "big")
        + last.head.timestamp_ms.to_bytes(8, "big")
        + last.head.root
    )

    # the first co-signature of the final head, and who co-signed which head
    final = len(heads) - 1
    line_no, _, cosig = next(c for c in cosigs if c[1] == final)
    assert cosig.head == last.head
    cosig_message = message + cosig.witnessed_ms.to_bytes(8, "big")
    assert cosig_message == cosignature_message(
        cosig.head, log_id(header["election_id"]), cosig.witnessed_ms
    )
    for _, index, c in cosigs:
        assert heads[index].head == c.head
        c.verify(base, header["election_id"], keys)
    final_signers = [names[c.witness] for _, index, c in cosigs if index == final]
    assert len(set(final_signers)) >= keys.quorum

    counted = sum(n["ballots"] for n in tally_ev.body["counted_per_unit"])
    decrypted = combine_valid_shares(key, tally, shares)
    table = DiscreteLogTable(max(1, counted))
    lambdas = lagrange_at_zero(decrypted.trustees, key.ceremony.trustees)
    result_ev = next(ev for ev, _ in events if ev.kind == "result")
    x_alpha = sum_points(
        [s.entries[0].share * lambdas[s.trustee] for s in shares if s.trustee in lambdas]
    )
    assert t_entry.ciphertext.beta - x_alpha == decrypted.entries[0].plaintext

    return {
        "manifest_hash": m_hash,
        "election_key_hash": k_hash,
        "ceremony_hash": c_hash,
        "board_keys_hash": bk_hash,
        "base_hash": b_hash,
        "fingerprint": base.hex()[:16],
        "verifier_key": verifier_key,
        "roll_signature": roll_signature,
        "cast_ballot": _cast_ballot(ballot_ev.seq, ballot, manifest, key.public_key, base),
        "spoiled_ballot": _spoiled_ballot(audit_ev.seq, spoiled, base),
        "dkg_schnorr": dkg,
        "decryption_share": {
            "event_seq": share_evs[0].seq,
            "trustee": share.trustee,
            "entry": entry.id,
            "verification_key": x_l.hex(),
            "alpha": t_entry.ciphertext.alpha.hex(),
            "share": entry.share.hex(),
            "tally_hash": t_hash,
            "R1": r1.hex(),
            "R2": r2.hex(),
            "challenge": d_hash,
        },
        "log": {
            "leaf": {
                "event_seq": open_ev.seq,
                "input": open_raw.encode("utf-8").hex(),
                "hash": leaf_hash(open_raw.encode("utf-8")).hex(),
            },
            "leaves": [h.hex() for h in leaves],
            "roots": [{"size": h.head.size, "root": tree.root(h.head.size).hex()} for h in heads],
            "tree_head": {
                "size": last.head.size,
                "message": message.hex(),
                **_schnorr(
                    "board/tree-head",
                    (board_key, message),
                    board_key,
                    last.signature_c,
                    last.signature_s,
                ),
            },
            "cosignatures": [
                {
                    "line": number,
                    "size": c.head.size,
                    "witness": names[c.witness],
                    "witnessed_ms": c.witnessed_ms,
                }
                for number, _, c in cosigs
            ],
            "cosignature": {
                "line": line_no,
                "size": cosig.head.size,
                "witness": names[cosig.witness],
                "witnessed_ms": cosig.witnessed_ms,
                "message": cosig_message.hex(),
                **_schnorr(
                    "board/cosignature",
                    (base, cosig.witness, cosig_message),
                    cosig.witness,
                    cosig.signature.challenge,
                    cosig.signature.response,
                ),
            },
            "witnessed": {
                "size": last.head.size,
                "cosigned_by": final_signers,
                "quorum": keys.quorum,
            },
        },
        "result": {
            "trustees": list(decrypted.trustees),
            "lagrange": {str(i): lam.hex() for i, lam in sorted(lambdas.items())},
            "entries": [
                {"id": e.id, "plaintext": e.plaintext.hex(), "count": table.solve(e.plaintext)}
                for e in decrypted.entries
            ],
            "counts": result_ev.body["counts"],
        },
    }


def make_file(lines: list[str]) -> dict[str, Any]:
    return {
        "description": (
            "honestballot election record, version 3, with intermediate values; "
            "fields: docs/record-format.md, 'Test vectors'"
        ),
        "record": lines,
        **derive_vectors(lines),
    }


def main() -> int:
    lines, verifier_secret = build_record()
    data = make_file(lines)
    assert base_mul(verifier_secret).hex() == data["verifier_key"]["public"]
    data["verifier_key"]["secret"] = verifier_secret.hex()
    OUT.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
