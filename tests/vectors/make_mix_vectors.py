"""Write ``tests/vectors/mix-v3.json``: a small election record (version 3) with a contest
counted by mixing, and every value of its mix chain step by step.

Run from the project root::

    .venv/bin/python tests/vectors/make_mix_vectors.py [OUTPUT]

(with ``OUTPUT``, it writes there instead).  The election is deterministic (one
:class:`SeededRandomness` for the key ceremony, the board, the voters and the trustees,
as in ``make_record_vectors.py``; a fixed clock; SQLite in a temporary directory), so
running the script again writes the same bytes.
Its manifest has a contest ``leader`` counted by mixing (vote for one of three: rows of
three ciphertexts) and a contest ``council`` counted by sum; five voters in two units,
the first of whom votes again; a 2-of-3 key ceremony; trustee 3 mixes ``leader``, then
trustee 1 mixes trustee 3's output; trustees 1 and 2 decrypt.  Trustee 3 publishes its
mix in three ``mix-part`` events of 2, 2 and 1 rows (``publish_mix(...,
rows_per_part=2)``), trustee 1 in one part, each followed by the ``mix`` that names them.

:func:`derive_vectors` computes every value from the record's lines alone, each hash
with its exact pre-image built by :func:`preimage` (an encoder written from
docs/record-format.md §2 and docs/shuffle.md, independently of
:mod:`honestballot.crypto.hashing`), and asserts that honestballot's own functions give
the same values.  ``tests/record/test_mix_vectors.py`` checks that it reproduces the
file; ``tests/independent/test_mix_vectors_independent.py`` recomputes the file with
``tests/independent/hbcheck.py`` (standard library only).  The fields are documented in
docs/record-format.md §10, "Test vectors".
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from honestballot.crypto.dlog import DiscreteLogTable
from honestballot.crypto.elgamal import Ciphertext
from honestballot.crypto.group import Point, Scalar, base_mul, sum_points
from honestballot.crypto.hashing import hash_to_point
from honestballot.crypto.pedersen import CHAIN_BASE_TAG, GENERATOR_TAG, derive_commitment_key
from honestballot.crypto.polynomial import lagrange_at_zero
from honestballot.crypto.randomness import SeededRandomness
from honestballot.crypto.schnorr import SchnorrProof
from honestballot.crypto.shuffle import (
    CHALLENGE_TAG,
    STATEMENT_TAG,
    VECTOR_CHALLENGE_TAG,
    _final_challenge,
    _statement_seed,
    _vector_challenges,
    verify_shuffle,
)
from honestballot.protocol.ballot import EncryptedBallot
from honestballot.protocol.decryption import combine_valid_shares
from honestballot.protocol.election import manifest_hash
from honestballot.protocol.manifest import Contest, Label, Manifest, Option, Unit
from honestballot.protocol.mix import (
    Mix,
    Rows,
    check_chain_complete,
    count_rows,
    mix_context,
    mixed_result,
    named_rows,
    next_input,
)
from honestballot.protocol.mix_parts import (
    MIX_DIGEST_TAG,
    MIX_PART_TAG,
    MIX_SIGNATURE_TAG,
    MixHead,
    MixPart,
    check_mix,
    check_part,
    head_digest,
    part_digest,
)
from honestballot.protocol.share_parts import SharePart
from honestballot.protocol.share_parts import assemble as assemble_share
from honestballot.protocol.share_parts import check_part as check_share_part
from honestballot.protocol.tally import compute_tally
from honestballot.protocol.witnesses import board_keys_hash
from honestballot.record.ballot import ballot_from_json
from honestballot.record.events import EventLine, event_from_json
from honestballot.record.mix import mix_head_from_json, mix_part_from_json, rows_to_json
from honestballot.record.setup import context_from_setup, election_key_hash
from honestballot.record.share_parts import share_head_from_json, share_part_from_json
from honestballot.record.trustee import decode_encrypted_tally

OUT = Path(__file__).with_name("mix-v3.json")
ELECTION_ID = "mix-vectors"
SEED = "honestballot mix vectors v3"
START_MS = 1_760_000_000_000
#: the contest counted by mixing
MIXED = "leader"
#: the trustees who mix it, by position (k = 2 of n = 3 must)
MIXERS = (3, 1)
#: how many rows each mixer puts in one ``mix-part`` (None: as many as a part may hold,
#: so all five in one part)
ROWS_PER_PART = {3: 2, 1: None}
#: the trustees who publish decryption shares (trustee 3 does not)
DECRYPTORS = (1, 2)
#: how many mixed rows each decryptor puts in one ``share-part`` (None: all five in one)
SHARE_ROWS_PER_PART = {1: 2, 2: None}
#: each voter's unit and choice, in the order they vote
UNITS = ["north", "south", "north", "south", "north"]
CHOICES: list[dict[str, set[str]]] = [
    {"leader": {"a"}, "council": {"m1", "m2"}},
    {"leader": {"b"}, "council": {"m3"}},
    {"leader": {"a"}, "council": {"m1"}},
    {"leader": {"c"}, "council": {"m2", "m3"}},
    {"leader": {"b"}, "council": {"m1", "m3"}},
]
#: the first voter votes again at the end: only this ballot of theirs counts
REVOTE: dict[str, set[str]] = {"leader": {"c"}, "council": {"m2"}}

# -- hash pre-images: the encoder of make_record_vectors.py, written from record-format §2 -

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script too
from tests.vectors.make_record_vectors import (  # noqa: E402
    _bytes_hash,
    _enc,
    _scalar_hash,
    preimage,
)

_digest = _bytes_hash  # a hash_bytes value with its pre-image, checked against the library
_challenge = _scalar_hash  # a hash_to_scalar value likewise


def _to_point(tag: str, *parts: Any) -> tuple[dict[str, str], Point]:
    """A ``hash_to_point`` value (SHA-512, then RFC 9496's one-way map) with its pre-image
    and the 64 bytes the map is applied to, checked likewise."""
    pre = preimage(tag, *parts)
    wide = hashlib.sha512(pre).digest()
    point = Point.from_uniform_bytes(wide)
    assert point == hash_to_point(tag, *parts), tag
    return {"tag": tag, "preimage": pre.hex(), "sha512": wide.hex(), "point": point.hex()}, point


def _typed(part: Any) -> dict[str, Any]:
    """One part of a mix's context as ``{code: value}`` (bytes in hex)."""
    if isinstance(part, bytes):
        return {"B": part.hex()}
    if isinstance(part, str):
        return {"T": part}
    assert isinstance(part, int) and not isinstance(part, bool)
    return {"I": part}


# -- the election ----------------------------------------------------------------------


def _label(en: str) -> Label:
    return Label(f"{en} (рус)", f"{en} (қаз)", en)


def vector_manifest() -> Manifest:
    """``leader`` counted by mixing (vote for one of a, b, c: no exclusive option, so
    rows of three ciphertexts), ``council`` counted by sum (one or two of three)."""
    leader = Contest(
        MIXED,
        _label("Leader"),
        tuple(Option(x, _label(x.upper())) for x in "abc"),
        1,
        1,
        False,
        count="mix",
    )
    council = Contest(
        "council",
        _label("Council"),
        tuple(Option(f"m{i}", _label(f"M{i}")) for i in (1, 2, 3)),
        1,
        2,
        False,
    )
    units = (Unit("north", _label("North")), Unit("south", _label("South")))
    return Manifest(ELECTION_ID, _label("Mix vector election"), (leader, council), units, 2)


def _clock() -> Callable[[], int]:
    """The board's clock: each reading one second after the last."""
    now = [START_MS - 1000]

    def read() -> int:
        now[0] += 1000
        return now[0]

    return read


def build_record() -> list[str]:
    """Run the election on the service and return the exported record's lines."""
    from honestballot.protocol.ballot import encrypt_ballot
    from honestballot.protocol.credential import generate_credential
    from honestballot.protocol.dkg import TrusteeSecret
    from honestballot.protocol.mix import make_mix
    from honestballot.protocol.mix_parts import publish_mix
    from honestballot.record.ballot import ballot_to_json
    from honestballot.record.mix import mix_head_to_json, mix_part_to_json
    from honestballot.service.board.election import ElectionService
    from honestballot.service.demo import run_key_ceremony
    from honestballot.store.sql import SqlStore
    from tests.factories import share_lines

    manifest = vector_manifest()
    rng = SeededRandomness(SEED)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        key, accepted = run_key_ceremony(manifest, directory, rng, n=3, k=2)
        secrets = [s for s in accepted if isinstance(s, TrusteeSecret)]
        assert len(secrets) == 3
        service = ElectionService(
            SqlStore(f"sqlite:///{directory / 'store.sqlite'}"), rng, clock=_clock()
        )
        ctx = service.create(manifest, key, unprotected=True)
        creds = [generate_credential(rng) for _ in UNITS]
        for cred, unit in zip(creds, UNITS, strict=True):
            service.register_credential(ELECTION_ID, cred.public, unit)
        service.open(ELECTION_ID)
        for cred, choice in [*zip(creds, CHOICES, strict=True), (creds[0], REVOTE)]:
            ballot, _ = encrypt_ballot(ctx, cred, choice, rng)
            service.cast(ELECTION_ID, json.dumps(ballot_to_json(ballot)))
        service.close(ELECTION_ID)
        for position, trustee in enumerate(MIXERS, start=1):
            share = secrets[trustee - 1].key_share
            assert share is not None
            mix = make_mix(
                ctx.manifest,
                ctx.base_hash,
                ctx.public_key,
                MIXED,
                position,
                trustee,
                service.mix_input(ELECTION_ID, MIXED),
                rng,
            )
            parts, head = publish_mix(
                ctx.base_hash, mix, share, rng, rows_per_part=ROWS_PER_PART[trustee]
            )
            # the lines of the trustee's mix file, sent one by one
            for part in parts:
                line = {"kind": "mix-part", "body": mix_part_to_json(part)}
                service.submit_mix_line(ELECTION_ID, json.dumps(line))
            line = {"kind": "mix", "body": mix_head_to_json(head)}
            service.submit_mix_line(ELECTION_ID, json.dumps(line))
        tally = service.tally(ELECTION_ID)
        for trustee in DECRYPTORS:
            # the lines of the trustee's share file: parts of the mixed rows' shares, then
            # the share that names them
            rows = SHARE_ROWS_PER_PART[trustee]
            for line in share_lines(secrets[trustee - 1], tally, rng, rows_per_part=rows):
                service.submit_decryption_share(ELECTION_ID, line)
        service.publish_result(ELECTION_ID)
        path = directory / "record.jsonl"
        service.export_record(ELECTION_ID, str(path))
        service.store.close()
        return path.read_text(encoding="utf-8").splitlines()


# -- the intermediate values, from the record's lines alone ------------------------------


def _ct(ct: Ciphertext) -> dict[str, str]:
    return {"alpha": ct.alpha.hex(), "beta": ct.beta.hex()}


def _rows_part(rows: Sequence[Sequence[Ciphertext]]) -> tuple[Any, ...]:
    """``[[[P alpha, P beta] per ciphertext] per row]`` (docs/shuffle.md §4.2)."""
    return tuple(tuple((ct.alpha, ct.beta) for ct in row) for row in rows)


def _weighted(points: Sequence[Point], scalars: Sequence[Scalar]) -> Point:
    return sum_points([p * s for p, s in zip(points, scalars, strict=True)])


def _manifest_values(manifest: Manifest) -> dict[str, Any]:
    def label(x: Label) -> tuple[str, str, str]:
        return (x.ru, x.kk, x.en)

    contests = [
        (
            c.id,
            label(c.title),
            c.min_selections,
            c.max_selections,
            int(c.against_all),
            tuple((o.id, label(o.label), int(o.exclusive)) for o in c.options),
            # a mixed contest's tuple has a seventh part, T "mix" (record-format §3, §4)
            *(("mix",) if c.count == "mix" else ()),
        )
        for c in manifest.contests
    ]
    m_hash = _digest(
        "manifest",
        manifest.election_id,
        label(manifest.title),
        tuple(contests),
        tuple((u.id, label(u.name)) for u in manifest.units),
        manifest.min_unit_size,
    )
    assert bytes.fromhex(m_hash["hash"]) == manifest_hash(manifest)
    return {
        "manifest_hash": m_hash,
        "manifest_contests": [
            {"id": c.id, "count": c.count, "items": len(part), "part": _enc(part).hex()}
            for c, part in zip(manifest.contests, contests, strict=True)
        ],
    }


def _counted(events: list[EventLine]) -> tuple[list[tuple[str, EncryptedBallot, int]], list[Any]]:
    """(unit, ballot, event seq) of every counted ballot -- the last of each credential
    not replaced -- by increasing tracking hash; and the ballots that do not count."""
    unit_of: dict[str, str] = {}
    replaced: set[str] = set()
    last: dict[str, tuple[EncryptedBallot, int]] = {}
    dropped: list[tuple[EncryptedBallot, int]] = []
    for ev in events:
        if ev.kind == "credential":
            unit_of[ev.body["credential"]] = ev.body["unit"]
            if "replaces" in ev.body:
                replaced.add(ev.body["replaces"])
        elif ev.kind == "ballot":
            cred = ev.body["ballot"]["credential"]
            if cred in last:
                dropped.append(last[cred])
            last[cred] = (ballot_from_json(ev.body["ballot"]), ev.seq)
    dropped += [last[c] for c in replaced if c in last]
    counted = [(unit_of[c], b, seq) for c, (b, seq) in last.items() if c not in replaced]
    counted.sort(key=lambda item: item[1].tracking_hash())
    return counted, dropped


def _signature_values(
    base: bytes, verification_key: Point, digest: bytes, sig: SchnorrProof
) -> dict[str, Any]:
    """A trustee's signature on a part's or a mix's digest: recomputed ``R`` and the
    challenge with its pre-image (which must be the signature's ``c``)."""
    r = base_mul(sig.response) - verification_key * sig.challenge
    vec, c = _challenge(MIX_SIGNATURE_TAG, base, verification_key, digest, verification_key, r)
    assert c == sig.challenge
    return {"R": r.hex(), "challenge": vec}


def _part_values(
    seq: int, part: MixPart, base: bytes, verification_key: Point
) -> tuple[dict[str, Any], bytes]:
    """One ``mix-part``: its place in the mix, its digest with the pre-image, and the
    trustee's signature on it; and the digest."""
    digest_vec = _digest(
        MIX_PART_TAG,
        base,
        part.contest,
        part.position,
        part.trustee,
        part.index,
        part.offset,
        _rows_part(part.rows),
        (
            tuple(part.permutation_commitment),
            tuple(part.chain),
            tuple(part.s_hat),
            tuple(part.s_prime),
        ),
    )
    digest = bytes.fromhex(digest_vec["hash"])
    assert digest == part_digest(base, part)
    values = {
        "event_seq": seq,
        "part": part.index,
        "offset": part.offset,
        "rows": len(part.rows),
        "digest": digest_vec,
        "signature": _signature_values(base, verification_key, digest, part.signature),
    }
    return values, digest


def _mix_values(
    ev: EventLine,
    head: MixHead,
    mix: Mix,
    parts: dict[bytes, tuple[int, MixPart]],
    previous: Rows,
    base: bytes,
    public_key: Point,
    verification_key: Point,
) -> dict[str, Any]:
    """One mix, step by step: its parts, context, bases, seed, vector challenges, the
    verifier's commitments, the final challenge, the digest and the trustee's signature.
    ``parts``: digest -> (event seq, part) of every part on the board before it."""
    part_values = []
    for digest in head.parts:
        seq, part = parts[digest]
        values, recomputed = _part_values(seq, part, base, verification_key)
        assert recomputed == digest
        part_values.append(values)
    context = mix_context(base, mix.contest, mix.position, mix.trustee)
    ctx = tuple(context)
    n, w = len(previous), len(previous[0])
    chain_base, h = _to_point(CHAIN_BASE_TAG, ctx)
    generated = [_to_point(GENERATOR_TAG, ctx, i) for i in range(n)]
    hs = [point for _, point in generated]
    key = derive_commitment_key(context, n)
    assert key.chain_base == h and key.bases == tuple(hs)

    proof = mix.proof
    commitment = proof.permutation_commitment
    seed_vec = _digest(
        STATEMENT_TAG,
        ctx,
        n,
        w,
        h,
        tuple(hs),
        public_key,
        _rows_part(previous),
        _rows_part(mix.rows),
        tuple(commitment),
    )
    seed = bytes.fromhex(seed_vec["hash"])
    assert seed == _statement_seed(context, key, public_key, previous, mix.rows, commitment)
    challenges = [_challenge(VECTOR_CHALLENGE_TAG, seed, j) for j in range(n)]
    u = [value for _, value in challenges]
    assert u == _vector_challenges(seed, n)
    u_product = Scalar(1)
    for u_j in u:
        u_product = u_product * u_j

    # docs/shuffle.md §5.3: the commitments, recomputed from the proof's responses
    c = proof.challenge
    t1 = base_mul(proof.s1) - (sum_points(list(commitment)) - sum_points(hs)) * c
    t2 = base_mul(proof.s2) - (proof.chain[-1] - h * u_product) * c
    t3 = base_mul(proof.s3) + _weighted(hs, proof.s_prime) - _weighted(commitment, u) * c
    t4 = []
    for k in range(w):
        out_a = _weighted([row[k].alpha for row in mix.rows], proof.s_prime)
        out_b = _weighted([row[k].beta for row in mix.rows], proof.s_prime)
        in_a = _weighted([row[k].alpha for row in previous], u)
        in_b = _weighted([row[k].beta for row in previous], u)
        t4.append(
            Ciphertext(
                out_a - base_mul(proof.s4[k]) - in_a * c,
                out_b - public_key * proof.s4[k] - in_b * c,
            )
        )
    anchors = [h, *proof.chain[:-1]]
    t_hat = [
        base_mul(proof.s_hat[i]) + anchors[i] * proof.s_prime[i] - proof.chain[i] * c
        for i in range(n)
    ]
    final_vec, again = _challenge(
        CHALLENGE_TAG,
        seed,
        tuple(proof.chain),
        t1,
        t2,
        t3,
        tuple((t.alpha, t.beta) for t in t4),
        tuple(t_hat),
    )
    assert again == c == _final_challenge(seed, proof.chain, t1, t2, t3, t4, t_hat)
    verify_shuffle(context, public_key, previous, mix.rows, proof)

    digest_vec = _digest(
        MIX_DIGEST_TAG,
        base,
        head.contest,
        head.position,
        head.trustee,
        tuple(head.parts),
        (head.challenge, head.s1, head.s2, head.s3, tuple(head.s4)),
    )
    digest = bytes.fromhex(digest_vec["hash"])
    assert digest == head_digest(base, head)
    assert (c, proof.s1, proof.s2, proof.s3, proof.s4) == (
        head.challenge,
        head.s1,
        head.s2,
        head.s3,
        head.s4,
    )

    return {
        "event_seq": ev.seq,
        "contest": mix.contest,
        "position": mix.position,
        "trustee": mix.trustee,
        "N": n,
        "w": w,
        "mix_parts": part_values,
        "context": {"parts": [_typed(p) for p in context], "encoded": _enc(ctx).hex()},
        "generators": {
            "chain_base": chain_base,
            "bases": [{"index": i, **vec} for i, (vec, _) in enumerate(generated)],
        },
        "statement_seed": seed_vec,
        "vector_challenges": [{"index": j, **vec} for j, (vec, _) in enumerate(challenges)],
        "u_product": u_product.hex(),
        "commitments": {
            "t1": t1.hex(),
            "t2": t2.hex(),
            "t3": t3.hex(),
            "t4": [_ct(t) for t in t4],
            "t_hat": [t.hex() for t in t_hat],
        },
        "challenge": final_vec,
        "digest": digest_vec,
        "signature": {
            "verification_key": verification_key.hex(),
            **_signature_values(base, verification_key, digest, head.signature),
        },
        "rows": rows_to_json(mix.rows),
    }


def derive_vectors(lines: list[str]) -> dict[str, Any]:
    """Every value of the mix chain, computed from the record's lines (header first)."""
    events = [
        event_from_json(obj, f"line {number}")
        for number, obj in enumerate((json.loads(line) for line in lines[1:]), start=2)
        if obj["type"] == "event"
    ]
    setup = events[0].body
    ctx, key, keys = context_from_setup(setup)
    manifest, base, public_key = ctx.manifest, ctx.base_hash, ctx.public_key
    contest = manifest.contest(MIXED)
    assert [c.id for c in manifest.contests if c.count == "mix"] == [MIXED]

    values = _manifest_values(manifest)
    b_hash = _digest(
        "election/base",
        bytes.fromhex(values["manifest_hash"]["hash"]),
        election_key_hash(key),
        public_key,
        board_keys_hash(keys),
    )
    assert bytes.fromhex(b_hash["hash"]) == base

    counted, dropped = _counted(events)
    ballots = [b for _, b, _ in counted]
    input_rows = next_input(manifest, MIXED, ballots, [])
    assert [b.tracking_hash() for b in ballots] == sorted(b.tracking_hash() for b in ballots)

    chain: list[Mix] = []
    mixes = []
    parts: dict[bytes, tuple[int, MixPart]] = {}  # digest -> (event seq, part)
    named: set[bytes] = set()
    for ev in events:
        if ev.kind == "mix-part":
            part = mix_part_from_json(ev.body, f"event {ev.seq}")
            digest = check_part(
                manifest,
                base,
                key.verification_keys,
                [m.trustee for m in chain],
                len(ballots),
                part,
            )
            assert digest not in parts
            parts[digest] = (ev.seq, part)
            continue
        if ev.kind != "mix":
            continue
        head = mix_head_from_json(ev.body, f"event {ev.seq}")
        assert head.contest == MIXED
        previous = next_input(manifest, MIXED, ballots, chain)
        mix = check_mix(
            manifest,
            base,
            public_key,
            key.verification_keys,
            previous,
            [m.trustee for m in chain],
            head,
            {d: part for d, (_, part) in parts.items()},
        )
        x_t = key.verification_key(mix.trustee)
        mixes.append(_mix_values(ev, head, mix, parts, previous, base, public_key, x_t))
        named.update(head.parts)
        chain.append(mix)
    # every part of the record is named by a mix, and at least one mix has several parts
    assert named == set(parts)
    assert max(len(m["mix_parts"]) for m in mixes) >= 2
    check_chain_complete(manifest, key.threshold, {MIXED: chain})

    (tally_ev,) = [ev for ev in events if ev.kind == "tally"]
    published = decode_encrypted_tally(tally_ev.body["tally"])
    recomputed = compute_tally(
        manifest, base, [(unit, b) for unit, b, _ in counted], {MIXED: chain[-1]}
    )
    assert recomputed.tally.published() == published
    assert [{"unit": u, "ballots": n} for u, n in recomputed.counted_per_unit] == tally_ev.body[
        "counted_per_unit"
    ]
    tally = published.resolve(named_rows(manifest, {MIXED: chain}))
    assert tally == recomputed.tally
    (named,) = tally.mixes
    (last_head,) = [ev for ev in events if ev.kind == "mix"][-1:]
    assert named.mix == head_digest(base, mix_head_from_json(last_head.body, "mix"))
    expected = named.entries()

    share_parts: dict[bytes, SharePart] = {}
    share_part_values = []
    for ev in events:
        if ev.kind == "share-part":
            part = share_part_from_json(ev.body, f"event {ev.seq}")
            digest = check_share_part(base, key, tally, part)
            share_parts[digest] = part
            share_part_values.append(
                {
                    "event_seq": ev.seq,
                    "trustee": part.trustee,
                    "part": part.index,
                    "offset": part.offset,
                    "rows": len(part.rows),
                    "digest": digest.hex(),
                }
            )
    heads = [
        share_head_from_json(ev.body["share"]) for ev in events if ev.kind == "decryption-share"
    ]
    shares = [assemble_share(tally, h, share_parts) for h in heads]
    assert all(h.parts for h in heads) and max(len(h.parts or ()) for h in heads) >= 2
    decrypted = combine_valid_shares(key, tally, shares)
    n_rows = len(counted)
    table = DiscreteLogTable(max(1, n_rows))
    plaintexts = {e.id: table.solve(e.plaintext) for e in decrypted.entries}
    _, rows = count_rows(contest, n_rows, plaintexts)
    (result_ev,) = [ev for ev in events if ev.kind == "result"]
    assert result_ev.body["mixed"] == mixed_result(manifest, n_rows, plaintexts)["mixed"]
    listed = [e.id for e in tally.entries]
    assert result_ev.body["counts"] == [{"id": i, "count": plaintexts[i]} for i in listed]
    assert result_ev.body["trustees"] == list(decrypted.trustees)
    lambdas = lagrange_at_zero(decrypted.trustees, key.ceremony.trustees)

    return {
        "manifest": setup["manifest"],
        **values,
        "base_hash": b_hash,
        "public_key": public_key.hex(),
        "chain_input": {
            "contest": MIXED,
            "contest_index": manifest.contests.index(contest),
            "options": [o.id for o in contest.options],
            "ballots": [
                {"event_seq": seq, "unit": unit, "tracking_hash": b.tracking_hash().hex()}
                for unit, b, seq in counted
            ],
            "not_counted": [
                {"event_seq": seq, "tracking_hash": b.tracking_hash().hex()}
                for b, seq in sorted(dropped, key=lambda item: item[1])
            ],
            "rows": rows_to_json(input_rows),
        },
        "mixes": mixes,
        "tally": {
            "event_seq": tally_ev.seq,
            "counted_per_unit": tally_ev.body["counted_per_unit"],
            "entry_ids": [e.id for e in tally.entries],
            "mixes": tally_ev.body["tally"]["mixes"],
            "mixed_entries": [{"id": e.id, **_ct(e.ciphertext)} for e in expected],
        },
        "share_parts": share_part_values,
        "result": {
            "event_seq": result_ev.seq,
            "trustees": list(decrypted.trustees),
            "lagrange": {str(i): lam.hex() for i, lam in sorted(lambdas.items())},
            "mixed_entries": [
                {"id": e.id, "plaintext": e.plaintext.hex(), "count": plaintexts[e.id]}
                for e in decrypted.entries
                if e.id.startswith(f"{MIXED}#")
            ],
            "rows": rows,
            "mixed": result_ev.body["mixed"],
        },
    }


def make_file(lines: list[str]) -> dict[str, Any]:
    return {
        "description": (
            "honestballot election record, version 3, with a contest counted by mixing and "
            "the values of its mix chain; fields: docs/record-format.md, 'Test vectors'"
        ),
        "record": lines,
        **derive_vectors(lines),
    }


def render(data: dict[str, Any]) -> str:
    """The file's text: what :func:`main` writes."""
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    """Write the file (or, given a path, write it there instead)."""
    out = Path(argv[0]) if argv else OUT
    out.write_text(render(make_file(build_record())), encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
