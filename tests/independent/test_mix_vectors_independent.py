"""Check tests/vectors/mix-v3.json with hbcheck.py alone (standard library, written from
docs/record-format.md and docs/shuffle.md; no ``honestballot`` import).

Every value is recomputed from the file's ``record`` lines -- the manifest hash and its
mixed contest's seventh part, the chain's input from the record's ballots, each mix's
parts (found by their recomputed digests, each with its signature) and the whole mix
assembled from them, its context, bases, statement seed, vector challenges, recomputed
commitments, final challenge, proof of shuffle, digest and signature, the tally (its listed
entries and the `mixes` naming the last mix), every share-part's digest, signature and proofs,
the shares' parts covering the mixed rows, and the result -- and compared with the
vector's values, which are never used as inputs.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from . import hbcheck as hb

VECTORS = Path(__file__).resolve().parent.parent / "vectors"
#: the tags whose hash is SHA-512 reduced mod L; the others' is SHA-256 (hash_to_point
#: objects carry "sha512" and "point" instead of "hash")
SCALAR_TAGS = {"shuffle/vector-challenge", "shuffle/challenge", "mix/signature"}


@functools.cache
def vec() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / "mix-v3.json").read_text("utf-8"))
    return data


@functools.cache
def events() -> list[dict[str, Any]]:
    parsed = [hb.strict_loads(line) for line in vec()["record"]]
    return [p for p in parsed if isinstance(p, dict) and p["type"] == "event"]


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [ev for ev in events() if ev["kind"] == kind]


def setup() -> dict[str, Any]:
    body: dict[str, Any] = events()[0]["body"]
    return body


@functools.cache
def base() -> bytes:
    return hb.setup_base_hash(setup())


def public_key() -> str:
    key: str = setup()["election_key"]["public_key"]
    return key


@functools.cache
def counted() -> list[tuple[str, dict[str, Any]]]:
    return hb.counted_ballots(events())


@functools.cache
def chain_input() -> list[list[dict[str, Any]]]:
    return hb.chain_input(setup()["manifest"], "leader", base(), counted())


@functools.cache
def parts_by_digest() -> dict[str, tuple[int, dict[str, Any]]]:
    """Recomputed digest (hex) -> (event seq, body) of every `mix-part` of the record."""
    found = {}
    for ev in of_kind("mix-part"):
        digest = hb.part_digest(base(), ev["body"]).hex()
        assert digest not in found
        found[digest] = (ev["seq"], ev["body"])
    return found


@functools.cache
def mixes() -> list[dict[str, Any]]:
    """Every `mix` event's whole mix, assembled from the parts before it that it names
    (by their recomputed digests)."""
    out = []
    for ev in of_kind("mix"):
        earlier = {d: body for d, (seq, body) in parts_by_digest().items() if seq < ev["seq"]}
        out.append(hb.assemble_mix(ev["body"], earlier, f"event {ev['seq']}"))
    return out


def check_hash(vector: dict[str, str], tag: str, parts: list[hb.Part]) -> bytes:
    """My pre-image and hash against a {"tag", "preimage", "hash"} vector; my hash."""
    assert vector["tag"] == tag
    mine, theirs = hb.preimage(tag, parts), bytes.fromhex(vector["preimage"])
    assert mine == theirs, f"{tag}: {hb.first_difference(mine, theirs)}"
    if tag in SCALAR_TAGS:
        value = hb.scalar_bytes(hb.hash_to_scalar(tag, *parts))
    else:
        value = hb.hash_bytes(tag, *parts)
    assert value.hex() == vector["hash"], tag
    return value


def check_point(vector: dict[str, str], tag: str, parts: list[hb.Part]) -> hb.Point:
    """Likewise for a hash_to_point vector ({"tag", "preimage", "sha512", "point"})."""
    assert vector["tag"] == tag
    mine, theirs = hb.preimage(tag, parts), bytes.fromhex(vector["preimage"])
    assert mine == theirs, f"{tag}: {hb.first_difference(mine, theirs)}"
    assert hashlib.sha512(mine).hexdigest() == vector["sha512"]
    point = hb.hash_to_point(tag, *parts)
    assert point.hex() == vector["point"], tag
    return point


def _hash_objects(node: Any) -> list[dict[str, str]]:
    if isinstance(node, dict):
        found = [node] if {"tag", "preimage"} <= node.keys() else []
        return found + [h for v in node.values() for h in _hash_objects(v)]
    if isinstance(node, list):
        return [h for v in node for h in _hash_objects(v)]
    return []


def test_every_hash_object_is_self_consistent() -> None:
    objects = _hash_objects(vec())
    assert len(objects) > 20
    for h in objects:
        pre = bytes.fromhex(h["preimage"])
        tag, parts = hb.parse_preimage(pre)  # every pre-image parses into typed parts
        assert tag == hb.PREFIX + h["tag"] and parts
        if "point" in h:
            wide = hashlib.sha512(pre).digest()
            assert wide.hex() == h["sha512"]
            assert hb.from_uniform_bytes(wide).hex() == h["point"]
        elif h["tag"] in SCALAR_TAGS:
            value = int.from_bytes(hashlib.sha512(pre).digest(), "little") % hb.L
            assert hb.scalar_hex(value) == h["hash"]
        else:
            assert hashlib.sha256(pre).hexdigest() == h["hash"]


# ---------------------------------------------------------------------------
# The manifest and the base hash
# ---------------------------------------------------------------------------


def test_manifest_hash_and_the_mixed_contests_seventh_part() -> None:
    manifest = setup()["manifest"]
    assert vec()["manifest"] == manifest
    parts = hb.manifest_parts(manifest)
    assert check_hash(vec()["manifest_hash"], "manifest", parts) == hb.manifest_hash(manifest)
    # the contests' list part is the concatenation of the listed contest parts
    listed = vec()["manifest_contests"]
    assert [c["id"] for c in listed] == [c["id"] for c in manifest["contests"]]
    assert parts[2].data == b"L" + hb.u64(len(listed)) + b"".join(
        bytes.fromhex(c["part"]) for c in listed
    )
    mix = hb.Tx("mix").data
    for c, mc in zip(listed, manifest["contests"], strict=True):
        part = bytes.fromhex(c["part"])
        assert c["count"] == hb.count_method(mc)
        assert part[:9] == b"L" + hb.u64(c["items"])
        assert c["items"] == (7 if hb.is_mixed(mc) else 6)
        assert part.endswith(mix) is hb.is_mixed(mc)
    # without its "count" the contest is summed and the hash differs
    summed = copy.deepcopy(manifest)
    del summed["contests"][0]["count"]
    assert hb.manifest_hash(summed) != hb.manifest_hash(manifest)


def test_base_hash() -> None:
    key = setup()["election_key"]
    parts = hb.base_hash_parts(
        hb.manifest_hash(setup()["manifest"]),
        hb.election_key_hash(key),
        key["public_key"],
        hb.board_keys_hash(setup()),
    )
    assert check_hash(vec()["base_hash"], "election/base", parts) == base()
    assert vec()["public_key"] == public_key()
    for ev in of_kind("ballot"):
        assert ev["body"]["ballot"]["election"] == base().hex()


# ---------------------------------------------------------------------------
# The chain's input
# ---------------------------------------------------------------------------


def test_chain_input_from_the_records_ballots() -> None:
    ci = vec()["chain_input"]
    manifest = setup()["manifest"]
    index = ci["contest_index"]
    contest = manifest["contests"][index]
    assert (ci["contest"], contest["id"], hb.is_mixed(contest)) == ("leader", "leader", True)
    assert ci["options"] == [o for o, _, _ in hb.encrypted_options(contest)]
    tracked = {hb.ballot_tracking_hash(base(), b).hex(): (unit, b) for unit, b in counted()}
    ordered = sorted(tracked)
    seq_of = {
        hb.ballot_tracking_hash(base(), ev["body"]["ballot"]).hex(): ev["seq"]
        for ev in of_kind("ballot")
    }
    assert ci["ballots"] == [
        {"event_seq": seq_of[t], "unit": tracked[t][0], "tracking_hash": t} for t in ordered
    ]
    assert chain_input() == [tracked[t][1]["contests"][index]["ciphertexts"] for t in ordered]
    assert ci["rows"] == chain_input()
    # the ballots that do not count: the first ballot of the voter who voted again
    assert len(of_kind("superseded")) == 1
    counted_seqs = {b["event_seq"] for b in ci["ballots"]}
    dropped = [
        {
            "event_seq": ev["seq"],
            "tracking_hash": hb.ballot_tracking_hash(base(), ev["body"]["ballot"]).hex(),
        }
        for ev in of_kind("ballot")
        if ev["seq"] not in counted_seqs
    ]
    assert ci["not_counted"] == dropped and len(dropped) == 1


# ---------------------------------------------------------------------------
# Each mix, step by step (docs/shuffle.md §3-§5, record-format §6 "Mixes")
# ---------------------------------------------------------------------------


def _total(points: list[hb.Point]) -> hb.Point:
    acc = hb.IDENTITY
    for p in points:
        acc = acc + p
    return acc


def _ct(row: dict[str, str]) -> tuple[hb.Point, hb.Point]:
    return hb.decode_point(row["alpha"]), hb.decode_point(row["beta"])


def test_the_parts_of_each_mix() -> None:
    """Every part is named by one mix; the first mix has three parts, the second one."""
    named = [d for ev in of_kind("mix") for d in ev["body"]["parts"]]
    assert sorted(named) == sorted(parts_by_digest())
    assert [len(ev["body"]["parts"]) for ev in of_kind("mix")] == [3, 1]
    assert [len(m["mix_parts"]) for m in vec()["mixes"]] == [3, 1]
    # the board's order: the parts of each mix, then the mix
    assert [ev["kind"] for ev in events() if ev["kind"] in ("mix-part", "mix")] == [
        *["mix-part"] * 3,
        "mix",
        "mix-part",
        "mix",
    ]


@pytest.mark.parametrize("index", [0, 1])
def test_mix_step_by_step(index: int) -> None:
    mv = vec()["mixes"][index]
    mix = mixes()[index]
    ev = of_kind("mix")[index]
    head = ev["body"]
    assert (mv["event_seq"], mv["contest"], mv["position"], mv["trustee"]) == (
        ev["seq"],
        head["contest"],
        head["position"],
        head["trustee"],
    )
    assert mv["position"] == index + 1
    previous = chain_input() if index == 0 else mixes()[index - 1]["rows"]
    n, w = len(previous), len(previous[0])
    assert (mv["N"], mv["w"]) == (n, w) == (5, 3)
    keys = {v["trustee"]: v["key"] for v in setup()["election_key"]["verification_keys"]}
    key = keys[head["trustee"]]

    # the parts: each one's digest (found on the board before the mix), place, signature
    assert len(mv["mix_parts"]) == len(head["parts"])
    offset = 0
    for i, (pv, digest) in enumerate(zip(mv["mix_parts"], head["parts"], strict=True)):
        seq, part = parts_by_digest()[digest]
        assert seq < ev["seq"]
        mine = check_hash(pv["digest"], "mix/part", hb.part_digest_parts(base(), part))
        assert mine.hex() == digest
        assert (pv["event_seq"], pv["part"], pv["offset"], pv["rows"]) == (
            seq,
            i,
            offset,
            len(part["rows"]),
        )
        assert part["part"] == i and part["offset"] == offset
        assert hb.check_part_shape(part, w, f"part {i}") == len(part["rows"])
        r = hb.verify_mix_signature(base(), key, mine, part["signature"])
        assert pv["signature"]["R"] == r.hex()
        sc = check_hash(
            pv["signature"]["challenge"],
            "mix/signature",
            hb.mix_signature_parts(base(), key, mine, r),
        )
        assert sc.hex() == part["signature"]["c"]
        offset += len(part["rows"])
    assert offset == n
    # the whole mix: the parts' rows and lists in order, the head's scalars
    named = [parts_by_digest()[d][1] for d in head["parts"]]
    assert mv["rows"] == mix["rows"] == [row for part in named for row in part["rows"]]
    for name in ("permutation_commitment", "chain", "s_hat", "s_prime"):
        assert mix["proof"][name] == [x for part in named for x in part[name]]
    for name in ("c", "s1", "s2", "s3", "s4"):
        assert mix["proof"][name] == head["proof"][name]

    # the context: [B base hash, T "mix", T contest, I position, I trustee], one L part
    context = hb.mix_context(base(), mix["contest"], mix["position"], mix["trustee"])
    ctx = hb.Li(context)
    assert mv["context"]["encoded"] == ctx.data.hex()
    assert mv["context"]["parts"] == [
        {"B": base().hex()},
        {"T": "mix"},
        {"T": mix["contest"]},
        {"I": mix["position"]},
        {"I": mix["trustee"]},
    ]

    # the bases
    gens = mv["generators"]
    h = check_point(gens["chain_base"], "shuffle/chain-base", [ctx])
    assert [g["index"] for g in gens["bases"]] == list(range(n))
    hs = [check_point(g, "shuffle/generator", [ctx, hb.In(i)]) for i, g in enumerate(gens["bases"])]

    # the statement's seed and the vector challenges
    proof = mix["proof"]
    pk = hb.decode_point(public_key(), allow_identity=False)
    com = [hb.decode_point(x, allow_identity=False) for x in proof["permutation_commitment"]]
    seed = check_hash(
        mv["statement_seed"],
        "shuffle/statement",
        [
            ctx,
            hb.In(n),
            hb.In(w),
            hb.Pt(h),
            hb.points_part(hs),
            hb.Pt(pk),
            hb.rows_part(previous),
            hb.rows_part(mix["rows"]),
            hb.points_part(com),
        ],
    )
    assert [v["index"] for v in mv["vector_challenges"]] == list(range(n))
    u = [
        int.from_bytes(check_hash(v, "shuffle/vector-challenge", [hb.By(seed), hb.In(j)]), "little")
        for j, v in enumerate(mv["vector_challenges"])
    ]
    u_product = 1
    for x in u:
        u_product = u_product * x % hb.L
    assert mv["u_product"] == hb.scalar_hex(u_product)

    # the verifier's commitments (§5.3)
    chain = [hb.decode_point(x, allow_identity=False) for x in proof["chain"]]
    c = hb.decode_scalar(proof["c"])
    s1, s2, s3 = (hb.decode_scalar(proof[k]) for k in ("s1", "s2", "s3"))
    s4 = [hb.decode_scalar(x) for x in proof["s4"]]
    s_hat = [hb.decode_scalar(x) for x in proof["s_hat"]]
    s_prime = [hb.decode_scalar(x) for x in proof["s_prime"]]
    ins = [[_ct(x) for x in row] for row in previous]
    outs = [[_ct(x) for x in row] for row in mix["rows"]]
    t1 = hb.B * s1 - (_total(com) - _total(hs)) * c
    t2 = hb.B * s2 - (chain[-1] - h * u_product) * c
    t3 = (
        hb.B * s3
        + _total([hi * s for hi, s in zip(hs, s_prime, strict=True)])
        - _total([cj * uj for cj, uj in zip(com, u, strict=True)]) * c
    )
    t4 = []
    for k in range(w):
        alpha = (
            _total([outs[i][k][0] * s_prime[i] for i in range(n)])
            - hb.B * s4[k]
            - _total([ins[j][k][0] * u[j] for j in range(n)]) * c
        )
        beta = (
            _total([outs[i][k][1] * s_prime[i] for i in range(n)])
            - pk * s4[k]
            - _total([ins[j][k][1] * u[j] for j in range(n)]) * c
        )
        t4.append((alpha, beta))
    anchors = [h, *chain[:-1]]
    t_hat = [hb.B * s_hat[i] + anchors[i] * s_prime[i] - chain[i] * c for i in range(n)]
    assert mv["commitments"] == {
        "t1": t1.hex(),
        "t2": t2.hex(),
        "t3": t3.hex(),
        "t4": [{"alpha": a.hex(), "beta": b.hex()} for a, b in t4],
        "t_hat": [t.hex() for t in t_hat],
    }

    # the final challenge is the proof's c: the proof verifies
    again = check_hash(
        mv["challenge"],
        "shuffle/challenge",
        [
            hb.By(seed),
            hb.points_part(chain),
            hb.Pt(t1),
            hb.Pt(t2),
            hb.Pt(t3),
            hb.Li(hb.Li([hb.Pt(a), hb.Pt(b)]) for a, b in t4),
            hb.points_part(t_hat),
        ],
    )
    assert again.hex() == proof["c"]
    assert hb.verify_shuffle(context, public_key(), previous, mix["rows"], proof)
    # ... for this place in the chain only
    moved = hb.mix_context(base(), mix["contest"], mix["position"] + 1, mix["trustee"])
    assert not hb.verify_shuffle(moved, public_key(), previous, mix["rows"], proof)

    # the digest the trustee signs (over the part digests and the proof's scalars), and
    # the signature by its verification key
    digest = check_hash(mv["digest"], "mix/digest", hb.mix_digest_parts(base(), head))
    assert digest == hb.mix_digest(base(), head)
    sig = mv["signature"]
    assert sig["verification_key"] == key
    r = hb.verify_mix_signature(base(), key, digest, head["signature"])
    assert sig["R"] == r.hex()
    sc = check_hash(
        sig["challenge"], "mix/signature", hb.mix_signature_parts(base(), key, digest, r)
    )
    assert sc.hex() == head["signature"]["c"]
    # another trustee's key does not verify it
    with pytest.raises(ValueError, match="signature"):
        hb.verify_mix_signature(base(), keys[2], digest, head["signature"])


def test_the_whole_chain() -> None:
    chains = hb.check_mixes(base(), setup(), events(), counted())
    assert chains["leader"] == mixes()
    assert (
        [(m["position"], m["trustee"]) for m in chains["leader"]]
        == [(m["position"], m["trustee"]) for m in vec()["mixes"]]
        == [(1, 3), (2, 1)]
    )
    threshold = setup()["election_key"]["ceremony"]["threshold"]
    hb.check_chains_complete(setup()["manifest"], threshold, chains)
    with pytest.raises(ValueError, match="fewer than k = 2"):
        hb.check_chains_complete(setup()["manifest"], threshold, {"leader": chains["leader"][1:]})
    # the first mix against the ballots in board order: another statement
    board_order = [b["contests"][0]["ciphertexts"] for _, b in counted()]
    assert board_order != chain_input()
    first = mixes()[0]
    context = hb.mix_context(base(), "leader", 1, first["trustee"])
    assert not hb.verify_shuffle(context, public_key(), board_order, first["rows"], first["proof"])


# ---------------------------------------------------------------------------
# Tally and result
# ---------------------------------------------------------------------------


def test_tally_entries_of_the_mixed_contest() -> None:
    body = of_kind("tally")[0]["body"]
    tv = vec()["tally"]
    assert tv["event_seq"] == of_kind("tally")[0]["seq"]
    last = mixes()[-1]["rows"]
    chains = hb.check_mixes(base(), setup(), events(), counted())
    assert hb.check_tally(base(), setup(), events(), counted(), chains) == body
    # the object lists only the summed contest's entries
    entries, per_unit = hb.aggregate_tally(setup()["manifest"], counted())
    assert per_unit == body["counted_per_unit"] == tv["counted_per_unit"]
    published = body["tally"]["entries"]
    assert [e[0] for e in entries] == [e["id"] for e in published] == tv["entry_ids"]
    assert not any(e["id"].startswith("leader") for e in published)
    for (eid, a, b), te in zip(entries, published, strict=True):
        assert (a.hex(), b.hex()) == (te["alpha"], te["beta"]), eid
    # and names the last mix by its digest and number of rows
    mixes_member = [
        {"contest": "leader", "mix": hb.mix_digest(base(), mixes()[-1]).hex(), "rows": 5}
    ]
    assert body["tally"]["mixes"] == tv["mixes"] == mixes_member
    assert hb.tally_mixes(base(), setup()["manifest"], chains, counted()) == mixes_member
    assert vec()["mixes"][-1]["digest"]["hash"] == mixes_member[0]["mix"]
    # the tally hash binds the mix: another digest is another tally
    other = copy.deepcopy(body["tally"])
    other["mixes"][0]["mix"] = hb.mix_digest(base(), mixes()[0]).hex()
    assert hb.tally_hash(other) != hb.tally_hash(body["tally"])
    mixed = [
        {"id": eid, "alpha": a.hex(), "beta": b.hex()}
        for eid, a, b in hb.mixed_entries(setup()["manifest"], {"leader": last})
    ]
    assert mixed == tv["mixed_entries"]
    options = [o for o, _, _ in hb.encrypted_options(setup()["manifest"]["contests"][0])]
    assert [e["id"] for e in mixed] == [
        hb.row_entry_id("leader", i, o) for i in range(len(last)) for o in options
    ]
    assert [[e["alpha"], e["beta"]] for e in mixed] == [
        [ct["alpha"], ct["beta"]] for row in last for ct in row
    ]


def test_share_parts() -> None:
    """Every share-part of the vectors: its recomputed `share/part` digest, signature and
    proofs; the shares name them in order."""
    tally = of_kind("tally")[0]["body"]["tally"]
    t_hash = hb.tally_hash(tally)
    keys = {v["trustee"]: v["key"] for v in setup()["election_key"]["verification_keys"]}
    contests = {c["id"]: c for c in setup()["manifest"]["contests"]}
    rows = hb.named_mix_rows(base(), tally, {"leader": mixes()})
    assert rows == {"leader": mixes()[-1]["rows"]}
    found = []
    for ev in of_kind("share-part"):
        part = ev["body"]
        m = hb.check_share_part(base(), t_hash, tally, contests, keys, rows, part)
        digest = hb.share_part_digest(base(), part)
        found.append(
            {
                "event_seq": ev["seq"],
                "trustee": part["trustee"],
                "part": part["part"],
                "offset": part["offset"],
                "rows": m,
                "digest": digest.hex(),
            }
        )
        # signed with the trustee's key, not another's
        other = keys[3 if part["trustee"] != 3 else 1]
        with pytest.raises(ValueError, match="signature"):
            hb.verify_mix_signature(base(), other, digest, part["signature"])
    assert found == vec()["share_parts"]
    named = {
        e["body"]["share"]["trustee"]: e["body"]["share"]["parts"]
        for e in of_kind("decryption-share")
    }
    assert named == {t: [p["digest"] for p in found if p["trustee"] == t] for t in (1, 2)}


def test_result_from_the_decrypted_rows() -> None:
    rv = vec()["result"]
    (ev,) = of_kind("result")
    body = ev["body"]
    tally = of_kind("tally")[0]["body"]["tally"]
    chains = hb.check_mixes(base(), setup(), events(), counted())
    entries, shares = hb.check_decryption_shares(base(), setup(), events(), chains)
    # every entry of the tally: the listed ones, then the last mix's ciphertexts
    assert [e[0] for e in entries] == [
        *(te["id"] for te in tally["entries"]),
        *(e["id"] for e in vec()["tally"]["mixed_entries"]),
    ]
    assert sorted(shares) == [1, 2]
    for share in shares.values():
        assert [eid for eid, _ in share] == [eid for eid, _, _ in entries]
    k = setup()["election_key"]["ceremony"]["threshold"]
    used = sorted(shares)[:k]
    assert used == body["trustees"] == rv["trustees"] == [1, 2]
    assert rv["event_seq"] == ev["seq"]
    assert {str(i): hb.scalar_hex(x) for i, x in hb.lagrange(used).items()} == rv["lagrange"]
    n = len(counted())
    counts = {}
    plaintexts = {}
    for eid, m_b in hb.combine(entries, shares, used):
        m = hb.discrete_log(m_b, n)
        assert m is not None, eid
        counts[eid], plaintexts[eid] = m, m_b.hex()
    # the result's counts list only the tally's listed entries
    assert [{"id": te["id"], "count": counts[te["id"]]} for te in tally["entries"]] == body[
        "counts"
    ]
    assert rv["mixed_entries"] == [
        {"id": i, "plaintext": plaintexts[i], "count": m}
        for i, m in counts.items()
        if i.startswith("leader#")
    ]
    options = [o for o, _, _ in hb.encrypted_options(setup()["manifest"]["contests"][0])]
    rows = [[counts[hb.row_entry_id("leader", i, o)] for o in options] for i in range(n)]
    assert rows == rv["rows"]
    assert all(hb.admissible(setup()["manifest"]["contests"][0], row) for row in rows)
    mixed = hb.mixed_counts(setup()["manifest"], n, counts)
    assert mixed == body["mixed"] == rv["mixed"]
    assert hb.check_result(base(), setup(), events(), entries, shares) == (body, counts)
    # the decrypted rows are the counted ballots' choices (a, b, a, c, b, of which the
    # first voter's a was replaced by c), in the order the chain left them
    assert sorted(map(tuple, rows)) == sorted(
        [(0, 0, 1), (0, 1, 0), (1, 0, 0), (0, 0, 1), (0, 1, 0)]
    )
