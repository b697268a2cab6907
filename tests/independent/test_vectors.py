"""Check tests/vectors/*.json against an independent implementation (hbcheck.py).

Inputs are taken from the `record` lines of record-v3.json wherever possible, so the
whole path "record -> value" is tested; the vector's intermediate values are only
compared against, never used as inputs (except where noted).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import struct
from pathlib import Path

import pytest

from . import hbcheck as hb

VECTORS = Path(__file__).resolve().parent.parent / "vectors"

CHALLENGE_TAGS = {  # §2.1: the tags whose function is "→ scalar"
    "dkg-communication-key", "dkg-coefficient-pok", "dkg-complaint", "ballot/option",
    "ballot/selection", "ballot/signature", "decryption-share", "board/tree-head",
    "board/cosignature", "board/roll-summary", "verifier-key",
}
DIGEST_TAGS = {  # §2.1: the tags whose function is SHA-256
    "manifest", "key-ceremony", "election-key", "election/board-keys", "election/base",
    "dkg-key", "dkg-share-key",
    "dkg-share-ad", "ballot/content", "ballot/ciphertexts", "ballot/seal", "ballot/tracking",
    "encrypted-tally",
}
TRACKING_CODE = re.compile(r"^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$")
HEX32 = re.compile(r"^[0-9a-f]{64}$")


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


@functools.cache
def vec() -> dict:
    return json.loads((VECTORS / "record-v3.json").read_text("utf-8"))


@functools.cache
def rvec() -> dict:
    return json.loads((VECTORS / "ristretto255.json").read_text("utf-8"))


@functools.cache
def lines() -> list[dict]:
    return [hb.strict_loads(line) for line in vec()["record"]]


@functools.cache
def events() -> list[dict]:
    return [r for r in lines() if r["type"] == "event"]


def event(seq: int) -> dict:
    ev = events()[seq]
    assert ev["seq"] == seq
    return ev


def events_of(kind: str) -> list[dict]:
    return [e for e in events() if e["kind"] == kind]


def setup() -> dict:
    return events()[0]["body"]


def manifest() -> dict:
    return setup()["manifest"]


def ekey() -> dict:
    return setup()["election_key"]


@functools.cache
def base_hash() -> bytes:
    return hb.base_hash(hb.manifest_hash(manifest()), hb.election_key_hash(ekey()),
                        ekey()["public_key"], hb.board_keys_hash(setup()))


@functools.cache
def public_key() -> hb.Point:
    return hb.decode_point(ekey()["public_key"], allow_identity=False)


def tally() -> dict:
    (ev,) = events_of("tally")
    return ev["body"]["tally"]


def check_hash(vector: dict, parts: list, expect_tag: str) -> bytes:
    """Compare my pre-image/hash with a {"tag","preimage","hash"} vector; return my hash."""
    assert vector["tag"] == expect_tag
    mine = hb.preimage(expect_tag, parts)
    theirs = bytes.fromhex(vector["preimage"])
    assert mine == theirs, f"{expect_tag}: {hb.first_difference(mine, theirs)}"
    if expect_tag in CHALLENGE_TAGS:
        value = hb.scalar_bytes(hb.hash_to_scalar(expect_tag, *parts))
    else:
        value = hb.hash_bytes(expect_tag, *parts)
    assert value.hex() == vector["hash"], expect_tag
    return value


# ---------------------------------------------------------------------------
# ristretto255 (RFC 9496) and scalars
# ---------------------------------------------------------------------------


def test_group_constants_match_record_format_section_1():
    r = rvec()
    assert hb.L.to_bytes(32, "little").hex() == r["group_order"]["little_endian_hex"]
    assert hb.L == 2**252 + 27742317777372353535851937790883648493
    assert hb.B.hex() == hb.BASE_HEX
    assert hb.L * hb.B == hb.IDENTITY and (hb.L - 1) * hb.B == -hb.B


def test_generator_multiples():
    acc = hb.IDENTITY
    for item in rvec()["generator_multiples"]:
        m = item["multiple"]
        assert (m * hb.B).hex() == item["encoding"], m
        assert acc.hex() == item["encoding"], m
        assert hb.decode_point(item["encoding"]).hex() == item["encoding"]
        acc = acc + hb.B


def test_invalid_encodings_rejected():
    bad = rvec()["invalid_encodings"] + rvec()["additional_invalid_encodings"]
    assert bad
    for item in bad:
        with pytest.raises(hb.DecodeError):
            hb.decode_point(item["encoding"])


def test_identity_rejected_where_not_allowed():
    hb.decode_point("00" * 32)
    with pytest.raises(hb.DecodeError):
        hb.decode_point("00" * 32, allow_identity=False)
    with pytest.raises(hb.DecodeError):
        hb.decode_point(hb.BASE_HEX.upper())


def test_hash_to_group():
    for item in rvec()["hash_to_group"]:
        digest = hashlib.sha512(item["label"].encode("utf-8")).digest()
        assert digest.hex() == item["sha512"]
        assert hb.from_uniform_bytes(digest).hex() == item["encoding"], item["label"]
    eq = rvec()["hash_to_group_equivalent_inputs"]
    for data in eq["inputs"]:
        assert hb.from_uniform_bytes(bytes.fromhex(data)).hex() == eq["encoding"]


def test_scalars():
    s = rvec()["scalars"]

    def val(name):
        item = s[name]
        x = hb.decode_scalar(item["little_endian_hex"])
        assert x == int(item["decimal"])
        return x

    x, y = val("x"), val("y")
    assert x * val("x_inverse") % hb.L == 1
    assert hb.scalar_hex(x * y) == s["x_times_y"]["little_endian_hex"]
    assert val("x_times_y") == x * y % hb.L
    red = s["reduce_2_256_minus_1"]
    assert hb.scalar_hex(int.from_bytes(bytes.fromhex(red["input_hex"]), "little")) == red[
        "little_endian_hex"]
    wide = int.from_bytes(bytes.fromhex(s["x"]["little_endian_hex"]) * 2, "little")
    assert hb.scalar_hex(wide) == s["wide_reduce_x_concat_x"]["little_endian_hex"]
    assert int(s["wide_reduce_x_concat_x"]["decimal"]) == wide % hb.L
    for item in s["canonical"]:
        hb.decode_scalar(item["hex"])
    for item in s["non_canonical"]:
        with pytest.raises(hb.DecodeError):
            hb.decode_scalar(item["hex"])


# ---------------------------------------------------------------------------
# Record format (§1, §1.1, §6)
# ---------------------------------------------------------------------------

LABEL = {"ru", "kk", "en"}
PROOF = {"c", "s"}
CT = {"alpha", "beta"}
SETUP_KEYS = {"manifest", "election_key", "board_key", "witnesses", "witness_quorum",
              "verifier_key", "verifier_key_proof"}
COSIGNATURE_KEYS = {"type", "size", "root", "timestamp_ms", "witness", "witnessed_ms",
                    "signature"}
BODY_KEYS = {
    "setup": [SETUP_KEYS, SETUP_KEYS | {"organiser_key"}],
    "credential": [{"credential", "unit"}, {"credential", "unit", "replaces"}],
    "roll": [{"voters_per_unit", "contact_exceptions"},
             {"voters_per_unit", "contact_exceptions", "signature"}],
    "open": [set()],
    "ballot": [{"ballot"}],
    "superseded": [{"old", "new"}],
    "audit": [{"spoiled", "opening"}],
    "close": [set()],
    "tally": [{"tally", "counted_per_unit"}],
    "decryption-share": [{"share"}],
    "result": [{"counts", "trustees", "rejected_shares"}],
}


def keys(obj: dict, expected: set, what: str) -> None:
    assert isinstance(obj, dict), what
    assert set(obj) == expected, f"{what}: {sorted(obj)} != {sorted(expected)}"


def check_label(lab: dict, what: str) -> None:
    keys(lab, LABEL, what)
    assert all(isinstance(v, str) and v for v in lab.values()), what


def check_point(text: str, identity_ok: bool = False) -> None:
    assert HEX32.match(text), text
    hb.decode_point(text, allow_identity=identity_ok)


def check_scalar(text: str) -> None:
    assert HEX32.match(text), text
    hb.decode_scalar(text)


def check_proof(p: dict, what: str) -> None:
    keys(p, PROOF, what)
    check_scalar(p["c"])
    check_scalar(p["s"])


def check_ct(ct: dict, identity_ok: bool = False) -> None:
    keys(ct, CT, "ciphertext")
    check_point(ct["alpha"], identity_ok)
    check_point(ct["beta"], True)


def test_every_event_line_is_canonical_and_strict():
    recs = vec()["record"]
    for text, obj in zip(recs, lines(), strict=True):
        assert "\n" not in text
        if obj["type"] == "event":
            assert hb.is_canonical_line(text), text[:80]
            assert hb.canonical(obj) == text.encode("utf-8")
    # a re-ordered or spaced event line is not canonical
    open_line = next(t for t, o in zip(recs, lines(), strict=True)
                     if o["type"] == "event" and o["kind"] == "open")
    assert not hb.is_canonical_line(open_line.replace(",", ", "))
    assert not hb.is_canonical_line(open_line.replace('{"body":{},"kind":"open"',
                                                      '{"kind":"open","body":{}'))
    assert not hb.is_canonical_line('{"a":"\\u00e9"}')  # must be written as itself
    with pytest.raises(ValueError):
        hb.strict_loads('{"a":1,"a":2}')
    with pytest.raises(ValueError):
        hb.strict_loads('{"a":1.0}')
    with pytest.raises(ValueError):
        hb.strict_loads('{"a":NaN}')


def test_header_and_sequence():
    recs = vec()["record"]
    header = lines()[0]
    keys(header, {"type", "version", "election_id"}, "header")
    assert header == {"type": "election-record", "version": 3, "election_id": "vectors"}
    assert len(recs[0].encode("utf-8")) <= 4096
    assert all(r["type"] in ("event", "tree-head", "cosignature") for r in lines()[1:])
    evs = events()
    assert [e["seq"] for e in evs] == list(range(len(evs)))
    times = [e["time_ms"] for e in evs]
    assert times == sorted(times)
    assert evs[0]["kind"] == "setup"
    # a tree head of size n stands right after event n-1; co-signature lines right after
    # the tree-head line they co-sign (or after another co-signature of it)
    n_events = 0
    previous = lines()[0]
    for r in lines()[1:]:
        if r["type"] == "event":
            n_events += 1
        elif r["type"] == "tree-head":
            assert r["size"] == n_events
        else:
            assert previous["type"] in ("tree-head", "cosignature")
            assert r["size"] == n_events == previous["size"]
        previous = r
    heads = [r for r in lines() if r["type"] == "tree-head"]
    assert heads[-1]["size"] == len(evs)
    # the record ends with the final head's co-signatures
    assert lines()[-1]["type"] == "cosignature" and lines()[-1]["size"] == len(evs)


def test_key_sets_of_every_object():
    for r in lines()[1:]:
        if r["type"] == "tree-head":
            keys(r, {"type", "size", "root", "timestamp_ms", "signature"}, "tree-head")
            assert HEX32.match(r["root"])
            check_proof(r["signature"], "tree-head signature")
            continue
        if r["type"] == "cosignature":
            keys(r, COSIGNATURE_KEYS, "cosignature")
            assert HEX32.match(r["root"])
            check_point(r["witness"])
            assert all(type(r[k]) is int and r[k] >= 0 for k in ("size", "timestamp_ms",
                                                                 "witnessed_ms"))
            check_proof(r["signature"], "cosignature signature")
            continue
        keys(r, {"type", "seq", "time_ms", "kind", "body"}, "event")
        assert any(set(r["body"]) == k for k in BODY_KEYS[r["kind"]]), r["kind"]
    m = manifest()
    keys(m, {"type", "version", "election_id", "title", "contests", "units", "min_unit_size"},
         "manifest")
    assert (m["type"], m["version"]) == ("manifest", 1)
    check_label(m["title"], "manifest title")
    for c in m["contests"]:
        keys(c, {"id", "title", "min_selections", "max_selections", "against_all", "options"},
             "contest")
        check_label(c["title"], "contest title")
        assert isinstance(c["against_all"], bool)
        for o in c["options"]:
            keys(o, {"id", "label"}, "option")
            assert o["id"] not in ("against-all", "blank")
            check_label(o["label"], "option label")
    for u in m["units"]:
        keys(u, {"id", "name"}, "unit")
        check_label(u["name"], "unit name")
    check_point(setup()["board_key"])
    check_point(setup()["organiser_key"])
    check_point(setup()["verifier_key"])
    check_proof(setup()["verifier_key_proof"], "verifier key proof")
    for w in setup()["witnesses"]:
        keys(w, {"name", "key"}, "witness")
        check_point(w["key"])
    hb.check_board_keys(setup())
    roll = events_of("roll")[0]["body"]
    check_proof(roll["signature"], "roll signature")
    k = ekey()
    keys(k, {"type", "version", "ceremony", "trustee_publics", "deals", "complaints", "rulings",
             "qualified", "public_key", "verification_keys", "tag_keys"}, "election-key")
    keys(k["ceremony"], {"type", "version", "election_id", "manifest_hash", "trustees",
                         "threshold"}, "key-ceremony")
    for p in k["trustee_publics"]:
        keys(p, {"type", "version", "ceremony", "trustee", "name", "communication_key",
                 "proof"}, "trustee-public")
        check_proof(p["proof"], "trustee-public proof")
    for d in k["deals"]:
        keys(d, {"type", "version", "ceremony", "dealer", "keys"}, "trustee-deal")
        for key in d["keys"]:
            keys(key, {"label", "commitments", "proof", "shares"}, "trustee-deal key")
            check_proof(key["proof"], "deal proof")
            for s in key["shares"]:
                keys(s, {"recipient", "ephemeral", "ciphertext"}, "deal share")
                assert re.fullmatch(r"[0-9a-f]{96}", s["ciphertext"])
                check_point(s["ephemeral"])
    for c in k["complaints"]:
        keys(c, {"type", "version", "ceremony", "complainant", "complaints"}, "complaints")
        for item in c["complaints"]:
            keys(item, {"dealer", "label", "dh_point", "proof"}, "complaint")
    for ru in k["rulings"]:
        keys(ru, {"complainant", "dealer", "label", "upheld", "reason"}, "ruling")
    for vk in k["verification_keys"]:
        keys(vk, {"trustee", "key"}, "verification key")
    for tk in k["tag_keys"]:
        keys(tk, {"label", "public_key", "verification_keys"}, "tag key")
        check_point(tk["public_key"])
        for vk in tk["verification_keys"]:
            keys(vk, {"trustee", "key"}, "verification key")
    for ev in events_of("ballot"):
        b = ev["body"]["ballot"]
        keys(b, {"type", "version", "election", "credential", "contests", "signature"}, "ballot")
        assert (b["type"], b["version"]) == ("ballot", 1)
        check_point(b["credential"])
        check_proof(b["signature"], "ballot signature")
        for c in b["contests"]:
            keys(c, {"id", "ciphertexts", "option_proofs", "selection_proof"}, "ballot contest")
            for ct in c["ciphertexts"]:
                check_ct(ct)
            for p in c["option_proofs"] + [c["selection_proof"]]:
                keys(p, PROOF, "disjunctive proof")
                for x in p["c"] + p["s"]:
                    check_scalar(x)
    for ev in events_of("audit"):
        sp, op = ev["body"]["spoiled"], ev["body"]["opening"]
        keys(sp, {"type", "version", "election", "contests", "seal"}, "spoiled-ballot")
        assert (sp["type"], sp["version"]) == ("spoiled-ballot", 1)
        for c in sp["contests"]:
            keys(c, {"id", "ciphertexts"}, "spoiled contest")
            for ct in c["ciphertexts"]:
                check_ct(ct)
        keys(op, {"type", "version", "contests"}, "ballot-opening")
        for c in op["contests"]:
            keys(c, {"id", "plaintexts", "randomness"}, "opening contest")
            assert all(type(x) is int and x in (0, 1) for x in c["plaintexts"])
            for x in c["randomness"]:
                check_scalar(x)
    t = tally()
    keys(t, {"type", "version", "election", "entries"}, "encrypted-tally")
    for e in t["entries"]:
        keys(e, {"id", "alpha", "beta"}, "tally entry")
        check_point(e["alpha"], True)
        check_point(e["beta"], True)
    for item in events_of("tally")[0]["body"]["counted_per_unit"]:
        keys(item, {"unit", "ballots"}, "counted_per_unit item")
    for ev in events_of("decryption-share"):
        s = ev["body"]["share"]
        keys(s, {"type", "version", "election", "trustee", "tally", "entries"}, "share")
        for e in s["entries"]:
            keys(e, {"id", "share", "proof"}, "share entry")
            check_point(e["share"], True)
            check_proof(e["proof"], "share proof")
    res = events_of("result")[0]["body"]
    for item in res["counts"]:
        keys(item, {"id", "count"}, "count item")
    for ev in events_of("superseded"):
        assert HEX32.match(ev["body"]["old"]) and HEX32.match(ev["body"]["new"])


# ---------------------------------------------------------------------------
# H(tag, parts) and the documents' own worked examples
# ---------------------------------------------------------------------------


def test_part_encoding():
    assert hb.In(2).data == bytes.fromhex("49000000000000000132")
    assert hb.In(-7).data == b"I" + (2).to_bytes(8, "big") + b"-7"
    assert hb.Tx("vectors").data.hex() == "540000000000000007766563746f7273"
    assert hb.Li([hb.In(0), hb.In(1)]).data.hex() == (
        "4c0000000000000002" "49000000000000000130" "49000000000000000131")
    assert hb.Pt(hb.B).data.hex() == "500000000000000020" + hb.BASE_HEX
    assert hb.Sc(1).data.hex() == "530000000000000020" + "01" + "00" * 31
    with pytest.raises(TypeError):
        hb.In(True)
    pre = hb.preimage("manifest", [])
    assert pre.hex() == "0000000000000018" + b"honestballot/v1/manifest".hex()


def test_section_2_worked_example():
    # record-format §2, "Worked example", as printed in the document
    doc = ("0000000000000018 686f6e65737462616c6c6f742f76312f6d616e6966657374"
           "54 0000000000000007 766563746f7273"
           "4c 0000000000000003"
           "54 0000000000000018 566563746f7220656c656374696f6e2028d180d183d18129").replace(" ", "")
    mine = hb.preimage("manifest", hb.manifest_parts(manifest())).hex()
    assert mine.startswith(doc)
    assert mine.endswith("49" "0000000000000001" "32")
    title = "566563746f7220656c656374696f6e2028d180d183d18129"
    assert "Vector election (рус)".encode().hex() == title


def test_section_3_added_option_labels():
    doc_hex = {
        "Против всех": "d09fd180d0bed182d0b8d0b220d0b2d181d0b5d185",
        "Барлығына қарсы": "d091d0b0d180d0bbd18bd293d18bd0bdd0b020d29bd0b0d180d181d18b",
        "Пустой бюллетень": "d09fd183d181d182d0bed0b920d0b1d18ed0bbd0bbd0b5d182d0b5d0bdd18c",
        "Бос бюллетень": "d091d0bed18120d0b1d18ed0bbd0bbd0b5d182d0b5d0bdd18c",
    }
    for text, hx in doc_hex.items():
        assert text.encode("utf-8").hex() == hx, text
    used = {t for lab in hb.ADDED_OPTIONS.values() for t in (lab["ru"], lab["kk"])}
    assert used == set(doc_hex)


def test_every_vector_hash_is_self_consistent():
    """Every {tag, preimage, hash}: the pre-image starts with the tag, parses into typed
    parts (§2), and `hash` is SHA-256 or SHA-512 mod L as §2.1 says for that tag."""
    found = []

    def walk(o):
        if isinstance(o, dict):
            if set(o) == {"tag", "preimage", "hash"}:
                found.append(o)
            for x in o.values():
                walk(x)
        elif isinstance(o, list):
            for x in o:
                walk(x)

    walk(vec())
    assert len(found) == 32  # §10: every hash the vector file lists
    for h in found:
        pre = bytes.fromhex(h["preimage"])
        tag, parts = hb.parse_preimage(pre)
        assert tag == "honestballot/v1/" + h["tag"]
        assert parts
        if h["tag"] in CHALLENGE_TAGS:
            value = int.from_bytes(hashlib.sha512(pre).digest(), "little") % hb.L
            assert hb.scalar_hex(value) == h["hash"], h["tag"]
        else:
            assert h["tag"] in DIGEST_TAGS, h["tag"]
            assert hashlib.sha256(pre).hexdigest() == h["hash"], h["tag"]


# ---------------------------------------------------------------------------
# Election identity (§3) and the key ceremony (trustees.md)
# ---------------------------------------------------------------------------


def test_manifest_hash():
    m = check_hash(vec()["manifest_hash"], hb.manifest_parts(manifest()), "manifest")
    assert ekey()["ceremony"]["manifest_hash"] == m.hex()
    # the added options enter the hash: leaving them out changes it
    bare = dict(manifest(), contests=[dict(c, against_all=False, min_selections=1)
                                      for c in manifest()["contests"]])
    assert hb.manifest_hash(bare) != m


def test_election_key_ceremony_and_base_hash():
    k = ekey()
    kh = check_hash(vec()["election_key_hash"], [hb.By(hb.canonical(k))], "election-key")
    cer = check_hash(vec()["ceremony_hash"], [hb.By(hb.canonical(k["ceremony"]))],
                     "key-ceremony")
    assert hb.ceremony_hash(k["ceremony"]) == cer
    for obj in k["trustee_publics"] + k["deals"] + k["complaints"]:
        assert obj["ceremony"] == cer.hex()
    mh = hb.manifest_hash(manifest())
    bk = check_hash(vec()["board_keys_hash"], hb.board_keys_parts(setup()), "election/board-keys")
    base = check_hash(vec()["base_hash"], hb.base_hash_parts(mh, kh, k["public_key"], bk),
                      "election/base")
    assert base == base_hash() == hb.setup_base_hash(setup())
    assert hb.fingerprint(base) == vec()["fingerprint"] == base.hex()[:16]
    c = k["ceremony"]
    assert (c["type"], c["version"], c["election_id"]) == ("key-ceremony", 1, "vectors")
    assert (c["trustees"], c["threshold"]) == (3, 2)


def test_dkg_schnorr_vectors():
    k = ekey()
    cer = hb.ceremony_hash(k["ceremony"])
    ck = vec()["dkg_schnorr"]["communication_key"]
    (pub,) = [p for p in k["trustee_publics"] if p["trustee"] == ck["trustee"]]
    assert (pub["name"], pub["communication_key"]) == (ck["name"], ck["public"])
    r = hb.verify_trustee_public(cer, pub)
    assert r.hex() == ck["R"]
    c = check_hash(ck["challenge"], hb.communication_key_parts(
        cer, pub["trustee"], pub["name"], hb.decode_point(pub["communication_key"]), r),
        "dkg-communication-key")
    assert c.hex() == pub["proof"]["c"]

    cp = vec()["dkg_schnorr"]["coefficient_pok"]
    (deal,) = [d for d in k["deals"] if d["dealer"] == cp["dealer"]]
    (key,) = [x for x in deal["keys"] if x["label"] == cp["label"]]
    assert key["commitments"] == cp["commitments"] and cp["public"] == key["commitments"][0]
    k_hash = check_hash(cp["key_hash"], [hb.By(cer), hb.Tx(cp["label"])], "dkg-key")
    assert k_hash == hb.key_hash(cer, cp["label"])
    r = hb.verify_deal_public(cer, deal["dealer"], key)
    assert r.hex() == cp["R"]
    c = check_hash(cp["challenge"], hb.coefficient_pok_parts(k_hash, deal["dealer"],
                                                            key["commitments"], r),
                   "dkg-coefficient-pok")
    assert c.hex() == key["proof"]["c"]


def test_whole_key_ceremony():
    k = ekey()
    cer = hb.ceremony_hash(k["ceremony"])
    n, t = k["ceremony"]["trustees"], k["ceremony"]["threshold"]
    assert (k["type"], k["version"]) == ("election-key", 2)
    for p in k["trustee_publics"]:
        assert (p["type"], p["version"]) == ("trustee-public", 1)
    assert [c["complainant"] for c in k["complaints"]] == sorted(
        c["complainant"] for c in k["complaints"])
    assert all((c["type"], c["version"]) == ("trustee-complaints", 2) for c in k["complaints"])
    assert len(k["deals"]) == n and all(len(key["commitments"]) == t
                                        for d in k["deals"] for key in d["keys"])
    hb.check_election_key(k)
    # three distinct keys; the base hash binds the tag keys through the election-key hash
    publics = [k["public_key"], *(tk["public_key"] for tk in k["tag_keys"])]
    assert len(set(publics)) == 3
    # a tampered proof, a tag key of another, a swapped deal fail
    bad = dict(k["trustee_publics"][0], name="Somebody else")
    with pytest.raises(ValueError):
        hb.verify_trustee_public(cer, bad)
    y1, y2 = k["tag_keys"]
    with pytest.raises(ValueError, match="key 'y1': the joint public key"):
        hb.check_election_key(dict(k, tag_keys=[dict(y1, public_key=y2["public_key"]), y2]))
    vks = [dict(v) for v in y2["verification_keys"]]
    vks[0]["key"] = k["verification_keys"][0]["key"]
    with pytest.raises(ValueError, match="key 'y2': verification key of trustee 1"):
        hb.check_election_key(dict(k, tag_keys=[y1, dict(y2, verification_keys=vks)]))
    with pytest.raises(ValueError, match="tag_keys"):
        hb.check_election_key(dict(k, tag_keys=[y2, y1]))
    d0 = k["deals"][0]
    # x's commitments and proof stated as y1's: the proof binds the key hash of x
    relabelled = [d0["keys"][0], dict(d0["keys"][0], label="y1"), d0["keys"][2]]
    with pytest.raises(ValueError, match="coefficient proof of dealer 1, key 'y1'"):
        hb.check_election_key(dict(k, deals=[dict(d0, keys=relabelled), *k["deals"][1:]]))
    swapped = [d0["keys"][1], d0["keys"][0], d0["keys"][2]]
    with pytest.raises(ValueError, match="keys are not x, y1, y2"):
        hb.check_election_key(dict(k, deals=[dict(d0, keys=swapped), *k["deals"][1:]]))


# ---------------------------------------------------------------------------
# Ballots (§4, §5)
# ---------------------------------------------------------------------------


def test_selection_values_rule():
    mayor, council, board = manifest()["contests"]
    assert hb.selection_values(mayor) == [1]
    assert hb.selection_values(council) == [1, 2]
    assert hb.selection_values(board) == [1]
    assert [o[0] for o in hb.encrypted_options(mayor)] == ["ann", "bob", "against-all"]
    assert [o[0] for o in hb.encrypted_options(council)] == ["cat", "dan", "blank"]
    assert [o[0] for o in hb.encrypted_options(board)] == ["eve", "fay"]
    plain = {"against_all": False, "min_selections": 2, "max_selections": 3, "options": []}
    assert hb.selection_values(plain) == [2, 3]


def test_cast_ballot_vector():
    cb = vec()["cast_ballot"]
    ev = event(cb["event_seq"])
    assert ev["kind"] == "ballot"
    ballot = ev["body"]["ballot"]
    cred = ballot["credential"]
    assert cred == cb["credential"]
    assert ballot["election"] == base_hash().hex()
    base, h = base_hash(), public_key()
    assert [c["id"] for c in cb["contests"]] == [c["id"] for c in manifest()["contests"]]
    for mc, bc, vc in zip(manifest()["contests"], ballot["contests"], cb["contests"],
                          strict=True):
        assert bc["id"] == vc["id"] == mc["id"]
        opts = hb.encrypted_options(mc)
        cts = [(hb.decode_point(c["alpha"]), hb.decode_point(c["beta"]))
               for c in bc["ciphertexts"]]
        assert len(vc["option_proofs"]) == len(opts)
        for (oid, _, _), (a, b), pr, vo in zip(opts, cts, bc["option_proofs"],
                                              vc["option_proofs"], strict=True):
            assert vo["option"] == oid and vo["values"] == [0, 1]
            assert (a.hex(), b.hex()) == (vo["ciphertext"]["alpha"], vo["ciphertext"]["beta"])
            cs = [hb.decode_scalar(x) for x in pr["c"]]
            ss = [hb.decode_scalar(x) for x in pr["s"]]
            com = hb.disjunctive_commitments(cs, ss, (0, 1), h, a, b)
            assert [(x.hex(), y.hex()) for x, y in com] == [
                (c["A"], c["B"]) for c in vo["commitments"]]
            assert [c["value"] for c in vo["commitments"]] == [0, 1]
            parts = hb.disjunctive_parts(hb.option_ctx(base, cred, mc["id"], oid), h, a, b,
                                         (0, 1), com)
            c = check_hash(vo["challenge"], parts, "ballot/option")
            assert hb.scalar_hex(sum(cs)) == vo["challenge_sum"] == c.hex()
        vs = vc["selection_proof"]
        sa, sb = hb.selection_ciphertext(mc, cts)
        assert (sa.hex(), sb.hex()) == (vs["ciphertext"]["alpha"], vs["ciphertext"]["beta"])
        values = hb.selection_values(mc)
        assert vs["values"] == values
        sp = bc["selection_proof"]
        cs = [hb.decode_scalar(x) for x in sp["c"]]
        ss = [hb.decode_scalar(x) for x in sp["s"]]
        com = hb.disjunctive_commitments(cs, ss, values, h, sa, sb)
        assert [(x.hex(), y.hex()) for x, y in com] == [
            (c["A"], c["B"]) for c in vs["commitments"]]
        assert [c["value"] for c in vs["commitments"]] == values
        parts = hb.disjunctive_parts(hb.selection_ctx(base, cred, mc["id"]), h, sa, sb, values,
                                     com)
        c = check_hash(vs["challenge"], parts, "ballot/selection")
        assert hb.scalar_hex(sum(cs)) == vs["challenge_sum"] == c.hex()

    content = check_hash(cb["content_hash"], hb.content_parts(base, ballot), "ballot/content")
    sig = ballot["signature"]
    c, s = hb.decode_scalar(sig["c"]), hb.decode_scalar(sig["s"])
    r = hb.schnorr_commitment(c, s, hb.decode_point(cred))
    assert r.hex() == cb["signature"]["R"]
    ch = check_hash(cb["signature"]["challenge"], hb.signature_parts(base, cred, content, r),
                    "ballot/signature")
    assert ch.hex() == sig["c"]
    cth = check_hash(cb["ciphertexts_hash"], hb.ciphertexts_parts(base, ballot["contests"]),
                     "ballot/ciphertexts")
    seal = check_hash(cb["seal"], hb.seal_parts(content, sig), "ballot/seal")
    th = check_hash(cb["tracking_hash"], [hb.By(cth), hb.By(seal)], "ballot/tracking")
    assert hb.tracking_code(th) == cb["tracking_code"]
    assert TRACKING_CODE.match(cb["tracking_code"])
    assert hb.verify_ballot(base, h, manifest(), ballot) == th


@functools.cache
def cast_tracking_hashes() -> dict[int, bytes]:
    """Every cast ballot fully verified (all proofs and the signature)."""
    return {ev["seq"]: hb.verify_ballot(base_hash(), public_key(), manifest(),
                                        ev["body"]["ballot"])
            for ev in events_of("ballot")}


def test_every_cast_ballot_verifies_and_supersession():
    th = cast_tracking_hashes()
    for ev in events_of("ballot"):
        assert ev["body"]["ballot"]["election"] == base_hash().hex()
        assert TRACKING_CODE.match(hb.tracking_code(th[ev["seq"]]))
    assert len(set(th.values())) == len(th)
    creds = {e["body"]["credential"]: e["body"]["unit"] for e in events_of("credential")}
    seen: dict[str, bytes] = {}
    for ev in events_of("ballot"):
        cred = ev["body"]["ballot"]["credential"]
        assert cred in creds
        nxt = event(ev["seq"] + 1) if ev["seq"] + 1 < len(events()) else None
        if cred in seen:
            assert nxt is not None and nxt["kind"] == "superseded"
            assert nxt["body"] == {"old": seen[cred].hex(), "new": th[ev["seq"]].hex()}
        else:
            assert nxt is None or nxt["kind"] != "superseded"
        seen[cred] = th[ev["seq"]]
    assert len(events_of("superseded")) == 1


def test_tampered_ballot_fails():
    ev = events_of("ballot")[0]
    ballot = json.loads(json.dumps(ev["body"]["ballot"]))
    ballot["contests"][0]["option_proofs"][0]["s"][0] = hb.scalar_hex(1)
    with pytest.raises(ValueError):
        hb.verify_ballot(base_hash(), public_key(), manifest(), ballot)
    ballot = json.loads(json.dumps(ev["body"]["ballot"]))
    other = events_of("credential")[1]["body"]["credential"]
    ballot["credential"] = other
    with pytest.raises(ValueError):
        hb.verify_ballot(base_hash(), public_key(), manifest(), ballot)


def test_spoiled_ballot_vector_and_opening():
    sv = vec()["spoiled_ballot"]
    ev = event(sv["event_seq"])
    assert ev["kind"] == "audit"
    spoiled, opening = ev["body"]["spoiled"], ev["body"]["opening"]
    assert spoiled["seal"] == sv["seal"]
    assert spoiled["election"] == base_hash().hex()
    cth = check_hash(sv["ciphertexts_hash"],
                     hb.ciphertexts_parts(bytes.fromhex(spoiled["election"]),
                                          spoiled["contests"]), "ballot/ciphertexts")
    th = check_hash(sv["tracking_hash"], [hb.By(cth), hb.By(bytes.fromhex(spoiled["seal"]))],
                    "ballot/tracking")
    assert hb.tracking_code(th) == sv["tracking_code"]
    assert TRACKING_CODE.match(sv["tracking_code"])
    assert th not in cast_tracking_hashes().values()
    # the opening reproduces the ciphertexts (§5 "Audit opening")
    assert (opening["type"], opening["version"]) == ("ballot-opening", 1)
    h = public_key()
    for mc, sc, oc in zip(manifest()["contests"], spoiled["contests"], opening["contests"],
                          strict=True):
        assert mc["id"] == sc["id"] == oc["id"]
        assert len(sc["ciphertexts"]) == len(oc["plaintexts"]) == len(oc["randomness"]) == len(
            hb.encrypted_options(mc))
        for ct, m, r in zip(sc["ciphertexts"], oc["plaintexts"], oc["randomness"], strict=True):
            a, b = hb.encrypt(h, m, hb.decode_scalar(r))
            assert (a.hex(), b.hex()) == (ct["alpha"], ct["beta"])
    # §6: audits are appended right before the close, with the close's time
    close = events_of("close")[0]
    assert event(close["seq"] - 1) is ev and ev["time_ms"] == close["time_ms"]


# ---------------------------------------------------------------------------
# Tally, decryption, result (§7)
# ---------------------------------------------------------------------------


def test_tally_recomputed_from_counted_ballots():
    body = events_of("tally")[0]["body"]
    t = body["tally"]
    assert (t["type"], t["version"], t["election"]) == ("encrypted-tally", 1, base_hash().hex())
    entries, per_unit = hb.aggregate_tally(manifest(), hb.counted_ballots(events()))
    assert per_unit == body["counted_per_unit"]
    assert [e[0] for e in entries] == [e["id"] for e in t["entries"]]
    for (eid, a, b), te in zip(entries, t["entries"], strict=True):
        assert (a.hex(), b.hex()) == (te["alpha"], te["beta"]), eid


def test_unit_breakout_rule():
    units = ["a", "b", "c"]
    assert hb.broken_out_units(units, {"a": 5, "b": 5, "c": 0}, 2) == ["a", "b"]
    assert hb.broken_out_units(units, {"a": 5, "b": 3, "c": 1}, 2) == ["a"]
    assert hb.broken_out_units(units, {"a": 3, "b": 3, "c": 1}, 2) == ["b"]
    assert hb.broken_out_units(units, {"a": 1, "b": 0, "c": 0}, 2) == []
    assert hb.broken_out_units(units, {"a": 1, "b": 1, "c": 4}, 2) == ["c"]


def test_decryption_share_vector():
    ds = vec()["decryption_share"]
    ev = event(ds["event_seq"])
    assert ev["kind"] == "decryption-share"
    share = ev["body"]["share"]
    t = tally()
    th = check_hash(ds["tally_hash"], [hb.By(hb.canonical(t))], "encrypted-tally")
    assert share["tally"] == th.hex() and share["election"] == base_hash().hex()
    assert share["trustee"] == ds["trustee"]
    entry, tentry = share["entries"][0], t["entries"][0]
    assert entry["id"] == tentry["id"] == ds["entry"]
    (vk,) = [v["key"] for v in ekey()["verification_keys"] if v["trustee"] == share["trustee"]]
    assert (vk, tentry["alpha"], entry["share"]) == (ds["verification_key"], ds["alpha"],
                                                     ds["share"])
    x_l, alpha, d = hb.decode_point(vk), hb.decode_point(tentry["alpha"]), hb.decode_point(
        entry["share"])
    c, s = hb.decode_scalar(entry["proof"]["c"]), hb.decode_scalar(entry["proof"]["s"])
    r1, r2 = hb.equality_commitments(c, s, x_l, alpha, d)
    assert (r1.hex(), r2.hex()) == (ds["R1"], ds["R2"])
    ch = check_hash(ds["challenge"], hb.share_parts(bytes.fromhex(share["election"]), th,
                                                    share["trustee"], entry["id"], x_l, alpha,
                                                    d, r1, r2), "decryption-share")
    assert ch.hex() == entry["proof"]["c"]


def verify_share(share: dict) -> None:
    t = tally()
    th = hb.tally_hash(t)
    assert share["tally"] == th.hex() and share["election"] == t["election"]
    assert (share["type"], share["version"]) == ("decryption-share", 1)
    (vk,) = [v["key"] for v in ekey()["verification_keys"] if v["trustee"] == share["trustee"]]
    x_l = hb.decode_point(vk)
    assert [e["id"] for e in share["entries"]] == [e["id"] for e in t["entries"]]
    for e, te in zip(share["entries"], t["entries"], strict=True):
        alpha, d = hb.decode_point(te["alpha"]), hb.decode_point(e["share"])
        c, s = hb.decode_scalar(e["proof"]["c"]), hb.decode_scalar(e["proof"]["s"])
        r1, r2 = hb.equality_commitments(c, s, x_l, alpha, d)
        parts = hb.share_parts(bytes.fromhex(share["election"]), th, share["trustee"], e["id"],
                               x_l, alpha, d, r1, r2)
        if c != hb.hash_to_scalar("decryption-share", *parts):
            raise ValueError(f"share of trustee {share['trustee']}, entry {e['id']}")


def test_every_decryption_share_verifies():
    shares = [ev["body"]["share"] for ev in events_of("decryption-share")]
    assert len({s["trustee"] for s in shares}) == len(shares) == 2
    for s in shares:
        verify_share(s)
    bad = json.loads(json.dumps(shares[0]))
    bad["entries"][1]["share"], bad["entries"][2]["share"] = (bad["entries"][2]["share"],
                                                              bad["entries"][1]["share"])
    with pytest.raises(ValueError):
        verify_share(bad)


def test_result():
    rv = vec()["result"]
    body = events_of("result")[0]["body"]
    shares = {ev["body"]["share"]["trustee"]: ev["body"]["share"]
              for ev in events_of("decryption-share")}
    k = ekey()["ceremony"]["threshold"]
    used = sorted(shares)[:k]  # every share is valid (test_every_decryption_share_verifies)
    assert used == body["trustees"] == rv["trustees"] == [1, 3]
    lam = hb.lagrange(used)
    assert {str(i): hb.scalar_hex(x) for i, x in lam.items()} == rv["lagrange"]
    assert lam[1] == 3 * pow(2, -1, hb.L) % hb.L and lam[3] == -pow(2, -1, hb.L) % hb.L
    n = sum(u["ballots"] for u in events_of("tally")[0]["body"]["counted_per_unit"]) or 1
    entries = []
    for i, te in enumerate(tally()["entries"]):
        acc = hb.IDENTITY
        for tr in used:
            assert shares[tr]["entries"][i]["id"] == te["id"]
            acc = acc + lam[tr] * hb.decode_point(shares[tr]["entries"][i]["share"])
        m_b = hb.decode_point(te["beta"]) - acc
        m = hb.discrete_log(m_b, n)
        assert m is not None, te["id"]
        entries.append({"id": te["id"], "plaintext": m_b.hex(), "count": m})
    assert entries == rv["entries"]
    counts = [{"id": e["id"], "count": e["count"]} for e in entries]
    assert counts == rv["counts"] == body["counts"]
    assert body["rejected_shares"] == []
    # §7: tiny's one ballot holds north back too; only south is broken out, and the
    # totals are at least south's counts (the rest are the units held back together)
    per_unit = {u["unit"]: u["ballots"] for u in events_of("tally")[0]["body"]["counted_per_unit"]}
    units = [u["id"] for u in manifest()["units"]]
    shown = hb.broken_out_units(units, per_unit, manifest()["min_unit_size"])
    assert shown == ["south"] and per_unit == {"north": 2, "south": 2, "tiny": 1}
    assert {c["id"].split("@")[1] for c in counts if "@" in c["id"]} == set(shown)
    by_id = {c["id"]: c["count"] for c in counts}
    for c in counts:
        if "@" not in c["id"]:
            assert c["count"] >= sum(by_id[f"{c['id']}@{u}"] for u in shown)


# ---------------------------------------------------------------------------
# The log (§6)
# ---------------------------------------------------------------------------


def event_lines() -> list[str]:
    return [t for t, o in zip(vec()["record"], lines(), strict=True) if o["type"] == "event"]


def test_leaves():
    lg = vec()["log"]
    leaf = lg["leaf"]
    text = event_lines()[leaf["event_seq"]]
    assert text == '{"body":{},"kind":"open","seq":7,"time_ms":1760000007000,"type":"event"}'
    data = text.encode("utf-8")
    assert data.hex() == leaf["input"] and len(data) == 72
    assert data.hex().startswith("7b22626f6479223a7b7d2c") and data.hex().endswith("7d")
    assert hb.leaf_hash(text).hex() == leaf["hash"]
    assert hashlib.sha256(b"\x00" + data).hexdigest() == leaf["hash"]
    assert [hb.leaf_hash(t).hex() for t in event_lines()] == lg["leaves"]


def test_roots():
    leaves = [hb.leaf_hash(t) for t in event_lines()]
    heads = [r for r in lines() if r["type"] == "tree-head"]
    vroots = vec()["log"]["roots"]
    assert [r["size"] for r in vroots] == [h["size"] for h in heads]
    for head, vr in zip(heads, vroots, strict=True):
        root = hb.merkle_root(leaves[: head["size"]]).hex()
        assert root == head["root"] == vr["root"], head["size"]
    # RFC 9162 shape: for 3 leaves, MTH = H(1 || H(1||l0||l1) || l2)
    node = hashlib.sha256(b"\x01" + leaves[0] + leaves[1]).digest()
    assert hb.merkle_root(leaves[:3]) == hashlib.sha256(b"\x01" + node + leaves[2]).digest()
    assert hb.merkle_root(leaves[:1]) == leaves[0]


def test_tree_head_vector_and_every_signature():
    tv = vec()["log"]["tree_head"]
    heads = [r for r in lines() if r["type"] == "tree-head"]
    last = heads[-1]
    board_key = setup()["board_key"]
    assert tv["size"] == last["size"] == 23 and tv["public"] == board_key
    msg = hb.tree_head_message(manifest()["election_id"], last["size"], last["timestamp_ms"],
                               bytes.fromhex(last["root"]))
    assert msg.hex() == tv["message"]
    doc = ("19 686f6e65737462616c6c6f742f76312f747265652d68656164"
           "0014 686f6e65737462616c6c6f743a766563746f7273"
           "0000000000000017 00000199c82d2590"
           "ade0463fd133f8c769dabbbad21a06ddc9cf9b4adb30289b5dd386be5fa76629").replace(" ", "")
    assert msg.hex() == doc  # record-format §6, as printed
    assert last["timestamp_ms"] == 1760000026000 == 0x199C82D2590
    c = hb.decode_scalar(last["signature"]["c"])
    s = hb.decode_scalar(last["signature"]["s"])
    r = hb.schnorr_commitment(c, s, hb.decode_point(board_key))
    assert r.hex() == tv["R"]
    ch = check_hash(tv["challenge"], hb.tree_head_parts(board_key, msg, r), "board/tree-head")
    assert ch.hex() == last["signature"]["c"]
    stamps = [h["timestamp_ms"] for h in heads]
    assert stamps == sorted(stamps)
    for head in heads:
        hb.verify_tree_head(board_key, manifest()["election_id"], head)
    forged = dict(last, timestamp_ms=last["timestamp_ms"] + 1)
    with pytest.raises(ValueError):
        hb.verify_tree_head(board_key, manifest()["election_id"], forged)


# ---------------------------------------------------------------------------
# The board's keys, the witnesses' co-signatures and the signed roll (§3, §6)
# ---------------------------------------------------------------------------


def setup_with(**changes) -> dict:
    """A copy of the setup body with some members replaced (None: removed)."""
    out = json.loads(json.dumps(setup()))
    for k, v in changes.items():
        if v is None:
            out.pop(k)
        else:
            out[k] = v
    return out


def witnesses_with(index: int, **changes) -> list[dict]:
    ws = json.loads(json.dumps(setup()["witnesses"]))
    ws[index].update(changes)
    return ws


#: a schedule as record-format §3 prints it: a batch a minute, the default cover
SCHEDULE = {"interval": 60, "hours": [[40, 20]], "cover": {"k0": 300, "epsilon_milli": 100}}


def test_a_schedule_and_its_cover_are_checked_as_record_format_says():
    hb.schedule_part(SCHEDULE)
    hb.schedule_part({**SCHEDULE, "cover": {"k0": 600, "epsilon_milli": 10}})  # 1200 / 2
    bad = [
        {"interval": 60, "hours": [[40, 20]]},  # no cover
        {**SCHEDULE, "cover": {"k0": 300}},
        {**SCHEDULE, "cover": {"k0": 300, "epsilon_milli": 100, "extra": 1}},
        {**SCHEDULE, "cover": {"k0": 300, "epsilon_milli": 0.1}},  # no floats
        {**SCHEDULE, "cover": {"k0": 300.0, "epsilon_milli": 100}},
        {**SCHEDULE, "cover": {"k0": True, "epsilon_milli": 100}},
        {**SCHEDULE, "cover": {"k0": -1, "epsilon_milli": 100}},
        {**SCHEDULE, "cover": {"k0": 601, "epsilon_milli": 100}},  # 1200 registration slots
        {**SCHEDULE, "cover": {"k0": 300, "epsilon_milli": 9}},
        {**SCHEDULE, "cover": {"k0": 300, "epsilon_milli": 1_000_001}},
    ]
    for schedule in bad:
        with pytest.raises(ValueError, match="cover"):
            hb.schedule_part(schedule)


def test_board_keys_hash_parts():
    s = setup()
    assert [w["name"] for w in s["witnesses"]] == ["Observers' union", "Бақылаушылар тобы"]
    assert s["witness_quorum"] == 2
    pre = bytes.fromhex(vec()["board_keys_hash"]["preimage"])
    tag, flat = hb.parse_preimage(pre)
    assert tag == "honestballot/v1/election/board-keys"
    # P board key; L of 2 × L(T name, P key); I quorum; P organiser key; P verifier key W;
    # B empty (no schedule)
    assert [(path, code) for path, code, _ in flat] == [
        ("part0", "P"), ("part1", "L"), ("part1[0]", "L"), ("part1[0][0]", "T"),
        ("part1[0][1]", "P"), ("part1[1]", "L"), ("part1[1][0]", "T"), ("part1[1][1]", "P"),
        ("part2", "I"), ("part3", "P"), ("part4", "P"), ("part5", "B"),
    ]
    assert flat[0][2].hex() == s["board_key"]
    assert flat[6][2] == "Бақылаушылар тобы".encode()
    assert flat[8][2] == b"2" and flat[9][2].hex() == s["organiser_key"]
    assert flat[10][2].hex() == s["verifier_key"]
    # without an organiser's key its part is empty bytes: B, length 0, before W
    bare = hb.preimage("election/board-keys", hb.board_keys_parts(setup_with(organiser_key=None)))
    w_part = "500000000000000020" + s["verifier_key"]
    assert bare.hex().endswith("420000000000000000" + w_part + "420000000000000000")
    # a schedule: L(I interval, L(L(I rows, I registrations), ...), L(I k0,
    # I epsilon_milli)), as record-format §3
    timed = hb.preimage(
        "election/board-keys",
        hb.board_keys_parts(setup_with(schedule=SCHEDULE)),
    )
    printed = (
        "4c 0000000000000003 49 0000000000000002 3630 4c 0000000000000001 4c 0000000000000002"
        " 49 0000000000000002 3430 49 0000000000000002 3230 4c 0000000000000002"
        " 49 0000000000000003 333030 49 0000000000000003 313030"
    )
    assert timed.hex().endswith(w_part + printed.replace(" ", ""))
    none = hb.board_keys_parts(setup_with(witnesses=[], witness_quorum=0))
    assert none[1].data.hex() == "4c0000000000000000"
    assert none[2].data.hex() == "49000000000000000130"
    # record-format §3, the worked example as printed (keys abbreviated there)
    doc = [
        ("0000000000000023 686f6e65737462616c6c6f742f76312f656c656374696f6e2f626f6172642d6b657973"
         "50 0000000000000020", "10858469", "1bd37b"),
        ("4c 0000000000000002 4c 0000000000000002"
         "54 0000000000000010 4f62736572766572732720756e696f6e 50 0000000000000020",
         "5c1b8a0a", "d7066a"),
        ("4c 0000000000000002"
         "54 0000000000000021 d091d0b0d29bd18bd0bbd0b0d183d188d18bd0bbd0b0d18020d182d0bed0b1d18b"
         "50 0000000000000020", "36a6270e", "86120b"),
        ("49 0000000000000001 32 50 0000000000000020", "eeaa7055", "45ef59"),
        ("50 0000000000000020", "f2163cb5", "aedf04"),
    ]
    rest = pre.hex()
    assert rest.endswith("420000000000000000")  # B (no schedule), as printed
    rest = rest[: -len("420000000000000000")]
    for printed, key_start, key_end in doc:
        printed = printed.replace(" ", "")
        assert rest.startswith(printed)
        key = rest[len(printed):len(printed) + 64]
        assert key.startswith(key_start) and key.endswith(key_end)
        rest = rest[len(printed) + 64:]
    assert rest == ""


def test_changed_board_keys_change_the_base_hash():
    base = hb.setup_base_hash(setup())
    other_key = (7 * hb.B).hex()
    changed = [
        setup_with(witnesses=witnesses_with(0, name="Observers union")),
        setup_with(witnesses=witnesses_with(1, name="Бақылаушылар тобы ")),
        setup_with(witnesses=witnesses_with(0, key=other_key)),
        setup_with(witnesses=list(reversed(setup()["witnesses"]))),  # order is hashed
        setup_with(witnesses=setup()["witnesses"][:1], witness_quorum=1),
        setup_with(witness_quorum=1),
        setup_with(organiser_key=None),
        setup_with(organiser_key=other_key),
        setup_with(board_key=other_key),
        setup_with(verifier_key=other_key),
        setup_with(schedule=SCHEDULE),
        setup_with(schedule={**SCHEDULE, "hours": [[40, 21]]}),
        # K0 and epsilon are bound too (coercion.md §4, §8.1)
        setup_with(schedule={**SCHEDULE, "cover": {"k0": 301, "epsilon_milli": 100}}),
        setup_with(schedule={**SCHEDULE, "cover": {"k0": 300, "epsilon_milli": 101}}),
    ]
    seen = {base}
    for s in changed:
        b = hb.setup_base_hash(s)
        assert b not in seen
        assert hb.fingerprint(b) != vec()["fingerprint"]
        seen.add(b)


def test_board_keys_rules():
    hb.check_board_keys(setup())
    hb.check_board_keys(setup_with(witnesses=[], witness_quorum=0, organiser_key=None))
    ws = setup()["witnesses"]
    other = (7 * hb.B).hex()
    bad = [
        setup_with(witness_quorum=0),  # witnesses named: at least 1
        setup_with(witness_quorum=3),  # more than the witnesses
        setup_with(witnesses=[], witness_quorum=1),
        setup_with(witnesses=witnesses_with(1, name=ws[0]["name"])),  # names distinct
        setup_with(witnesses=witnesses_with(1, key=ws[0]["key"])),  # keys distinct
        setup_with(witnesses=witnesses_with(0, key=setup()["board_key"])),
        setup_with(witnesses=witnesses_with(0, key=setup()["organiser_key"])),
        setup_with(witnesses=witnesses_with(0, key="00" * 32)),  # not the identity
        setup_with(witnesses=witnesses_with(0, name="   ")),
        setup_with(witnesses=witnesses_with(0, name="x" * 101)),
        setup_with(organiser_key=setup()["board_key"]),
        setup_with(verifier_key="00" * 32),  # W not the identity
        setup_with(verifier_key=setup()["board_key"]),  # W its own key
        setup_with(verifier_key=setup()["organiser_key"]),
        setup_with(witnesses=witnesses_with(0, key=setup()["verifier_key"])),
        setup_with(witnesses=[{"name": f"w{i}", "key": ((i + 9) * hb.B).hex()} for i in range(33)],
                   witness_quorum=1),
    ]
    for s in bad:
        with pytest.raises((ValueError, hb.DecodeError)):
            hb.check_board_keys(s)
    hb.check_board_keys(setup_with(witnesses=witnesses_with(0, name="x" * 100, key=other)))


def test_verifier_key_proof():
    """The setup's proof of knowledge of w for the service's key W (§3, §2.1 row
    `verifier-key`): R = s·B − c·W, c = hash_to_scalar("verifier-key", B base, P W, P R)."""
    v = vec()["verifier_key"]
    s = setup()
    assert v["public"] == s["verifier_key"]
    proof = s["verifier_key_proof"]
    c, sv = hb.decode_scalar(proof["c"]), hb.decode_scalar(proof["s"])
    w = hb.decode_point(s["verifier_key"], False)
    r = hb.schnorr_commitment(c, sv, w)
    assert r.hex() == v["R"]
    check_hash(v["challenge"], hb.verifier_key_parts(base_hash(), s["verifier_key"], r),
               "verifier-key")
    assert hb.scalar_hex(c) == v["challenge"]["hash"]
    assert (hb.decode_scalar(v["secret"]) * hb.B).hex() == s["verifier_key"]
    hb.check_verifier_key(s)


def test_verifier_key_failures():
    s = setup()
    proof = s["verifier_key_proof"]
    other = (7 * hb.B).hex()
    bad_s = hb.scalar_hex((hb.decode_scalar(proof["s"]) + 1) % hb.L)
    cases = {
        "a bad proof": setup_with(verifier_key_proof={"c": proof["c"], "s": bad_s}),
        "W the identity": setup_with(verifier_key="00" * 32),
        # W swapped after the proof was made: the base hash changes with W, so the proof
        # (for the old base hash and the old W) fails
        "W swapped": setup_with(verifier_key=other),
        "no proof": setup_with(verifier_key_proof=None),
    }
    for what, bad in cases.items():
        with pytest.raises((ValueError, KeyError, hb.DecodeError)):
            hb.check_verifier_key(bad)
            pytest.fail(what)


def cosignature_lines() -> list[dict]:
    return [r for r in lines() if r["type"] == "cosignature"]


def test_cosignature_vector():
    cv = vec()["log"]["cosignature"]
    line = lines()[cv["line"]]
    assert line["type"] == "cosignature" and vec()["record"][cv["line"]]
    names = {w["key"]: w["name"] for w in setup()["witnesses"]}
    assert (line["size"], names[line["witness"]], line["witnessed_ms"]) == (
        cv["size"], cv["witness"], cv["witnessed_ms"])
    assert cv["public"] == line["witness"]
    msg = hb.cosignature_message(manifest()["election_id"], line)
    assert msg.hex() == cv["message"]
    # the tree-head message of the head it follows, then u64 witnessed_ms (§6, as printed)
    head = lines()[cv["line"] - 1]
    assert head["type"] == "tree-head"
    assert msg[:-8].hex() == vec()["log"]["tree_head"]["message"]
    assert msg[-8:] == struct.pack(">Q", line["witnessed_ms"])
    assert line["witnessed_ms"] == 1760000026700 == 0x199C82D284C
    assert msg[-8:].hex() == "00000199c82d284c"
    assert len(msg) == 104 and len(msg[:-8]) == 96  # §6, as printed
    r = hb.verify_cosignature(base_hash(), setup(), manifest()["election_id"], line)
    assert r.hex() == cv["R"]
    ch = check_hash(cv["challenge"], hb.cosignature_parts(base_hash(), line["witness"], msg, r),
                    "board/cosignature")
    assert ch.hex() == line["signature"]["c"]
    listed = [(lines()[c["line"]]["size"], names[lines()[c["line"]]["witness"]],
               lines()[c["line"]]["witnessed_ms"]) for c in vec()["log"]["cosignatures"]]
    assert listed == [(c["size"], c["witness"], c["witnessed_ms"])
                      for c in vec()["log"]["cosignatures"]]
    assert [c["line"] for c in vec()["log"]["cosignatures"]] == [
        i for i, r in enumerate(lines()) if r["type"] == "cosignature"]


def test_every_cosignature_and_the_final_quorum():
    eid = manifest()["election_id"]
    for line in cosignature_lines():
        hb.verify_cosignature(base_hash(), setup(), eid, line)
    signers = hb.check_witnesses(base_hash(), setup(), eid, lines())
    names = {w["key"]: w["name"] for w in setup()["witnesses"]}
    witnessed = vec()["log"]["witnessed"]
    assert [names[k] for k in signers] == witnessed["cosigned_by"]
    assert witnessed["quorum"] == setup()["witness_quorum"] == 2
    final = [r for r in lines() if r["type"] == "tree-head"][-1]
    assert witnessed["size"] == final["size"] == len(events())
    # a head in the middle co-signed by one witness only is allowed: only the final
    # head must carry the quorum
    sizes = [c["size"] for c in cosignature_lines()]
    assert any(sizes.count(n) == 1 for n in sizes)


def replaced(index: int, obj: dict | None) -> list[dict]:
    """The record's parsed lines with line ``index`` replaced (None: removed)."""
    out = list(lines())
    if obj is None:
        del out[index]
    else:
        out[index] = obj
    return out


def test_tampered_cosignatures_are_refused():
    eid = manifest()["election_id"]
    index = vec()["log"]["cosignature"]["line"]
    line = lines()[index]
    witnesses = [w["key"] for w in setup()["witnesses"]]
    (other,) = [k for k in witnesses if k != line["witness"]]
    bad = [
        dict(line, witnessed_ms=line["witnessed_ms"] + 1),
        dict(line, signature=dict(line["signature"], s=line["signature"]["c"])),
        dict(line, witness=setup()["organiser_key"]),  # not a named witness
        dict(line, witness=other),  # another witness's key: its signature fails
    ]
    for b in bad:
        with pytest.raises(ValueError):
            hb.verify_cosignature(base_hash(), setup(), eid, b)
        with pytest.raises(ValueError):
            hb.check_witnesses(base_hash(), setup(), eid, replaced(index, b))
    # another base hash (other witnesses named): no co-signature verifies
    other_base = hb.setup_base_hash(setup_with(witness_quorum=1))
    with pytest.raises(ValueError):
        hb.verify_cosignature(other_base, setup(), eid, line)
    # a co-signature of another root, even validly placed after the head, is refused
    with pytest.raises(ValueError):
        hb.check_witnesses(base_hash(), setup(), eid,
                           replaced(index, dict(line, root=lines()[1]["body"]["board_key"])))
    # one co-signature of the final head removed: 1 of a quorum of 2
    with pytest.raises(ValueError, match="co-signed by 1 witnesses"):
        hb.check_witnesses(base_hash(), setup(), eid, replaced(index, None))
    assert len(hb.check_witnesses(base_hash(), setup(), eid, replaced(index, None),
                                  quorum=False)) == 1
    # the same witness twice after one head
    twice = list(lines())
    twice.insert(index, line)
    with pytest.raises(ValueError, match="twice"):
        hb.check_witnesses(base_hash(), setup(), eid, twice)
    # a co-signature that does not follow its head (an event stands between)
    first = vec()["log"]["cosignatures"][0]["line"]
    moved = list(lines())
    moved.insert(first + 3, moved.pop(first))
    assert moved[first + 2]["type"] == "event"
    with pytest.raises(ValueError):
        hb.check_witnesses(base_hash(), setup(), eid, moved)


def test_roll_signature_vector():
    rv = vec()["roll_signature"]
    roll = event(rv["event_seq"])
    assert roll["kind"] == "roll"
    body = roll["body"]
    msg = hb.roll_summary_message(body)
    assert msg.hex() == rv["message"]
    assert msg == (b'{"contact_exceptions":1,"voters_per_unit":[{"unit":"north","voters":2},'
                   b'{"unit":"south","voters":2},{"unit":"tiny","voters":1}]}')
    assert rv["public"] == setup()["organiser_key"]
    r = hb.check_roll_signature(base_hash(), setup(), events())
    assert r is not None and r.hex() == rv["R"]
    ch = check_hash(rv["challenge"], hb.roll_signature_parts(base_hash(), rv["public"], msg, r),
                    "board/roll-summary")
    assert ch.hex() == body["signature"]["c"]
    # the roll stands before the open
    assert event(rv["event_seq"] + 1)["kind"] == "open"


def test_tampered_roll_signature_is_refused():
    seq = vec()["roll_signature"]["event_seq"]
    roll = event(seq)
    body = roll["body"]

    def with_roll(new_body: dict | None) -> list[dict]:
        evs = [e for e in events() if e["seq"] != seq]
        if new_body is not None:
            evs.insert(seq, dict(roll, body=new_body))
        return evs

    units = json.loads(json.dumps(body["voters_per_unit"]))
    units[0]["voters"] += 1
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    bad = [
        dict(body, voters_per_unit=units),
        dict(body, contact_exceptions=body["contact_exceptions"] + 1),
        dict(body, signature=dict(body["signature"], c=body["signature"]["s"])),
        unsigned,  # the setup names an organiser's key: the roll must be signed
        None,  # and posted before the open
    ]
    for b in bad:
        with pytest.raises(ValueError):
            hb.check_roll_signature(base_hash(), setup(), with_roll(b))
    # under another election (another base hash) the signature fails
    with pytest.raises(ValueError):
        hb.check_roll_signature(hb.setup_base_hash(setup_with(witness_quorum=1)), setup(),
                                events())
    # without an organiser's key the roll must not be signed (and unsigned is fine)
    no_org = setup_with(organiser_key=None)
    with pytest.raises(ValueError):
        hb.check_roll_signature(base_hash(), no_org, events())
    assert hb.check_roll_signature(base_hash(), no_org, with_roll(unsigned)) is None
