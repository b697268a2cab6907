"""Wire format of the key ceremony and threshold decryption (see docs/trustees.md).

Every top-level object has ``"type"`` and ``"version"``.  ``encode_*`` turns a
protocol value into a JSON object; ``decode_*`` parses one strictly through
:class:`~honestballot.record.codec.Reader` (a missing, extra or ill-typed field raises
:class:`RecordFormatError` naming its path); :func:`load` parses bytes with a size limit.
Proofs are ``{"c": hex, "s": hex}`` (challenge, response) for Schnorr and
Chaum--Pedersen alike.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final, TypeVar

from honestballot.crypto.chaum_pedersen import EqualityProof
from honestballot.crypto.elgamal import Ciphertext
from honestballot.crypto.group import Point, Scalar
from honestballot.crypto.schnorr import SchnorrProof
from honestballot.crypto.share_encryption import CIPHERTEXT_LEN, EncryptedShare
from honestballot.errors import RecordFormatError
from honestballot.protocol.decryption import (
    DecryptedTally,
    EncryptedTally,
    MixRef,
    PublishedTally,
    TallyEntry,
)
from honestballot.protocol.dkg import (
    KEY_LABELS,
    MAX_TRUSTEES,
    Ceremony,
    Complaint,
    Deal,
    DealtShare,
    TrusteePublic,
    TrusteeSecret,
)
from honestballot.protocol.dkg_verify import ComplaintRuling, ElectionKey, TagKey
from honestballot.record.codec import (
    JsonObject,
    Reader,
    decode_point,
    decode_scalar,
    parse_json,
    read_version,
)
from honestballot.record.shuffle import MAX_SHUFFLE_ROWS

#: Tallies, decryption shares and election keys may be larger than one ballot.
LARGE_DOCUMENT_BYTES: Final = 32 << 20
MAX_ENTRIES: Final = 100_000
_ID_LEN: Final = 256


def to_bytes(obj: JsonObject) -> bytes:
    """Readable, deterministic file contents (sorted keys, 2-space indent, final newline)."""
    return (json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _proof(c: Scalar, s: Scalar) -> JsonObject:
    return {"c": c.hex(), "s": s.hex()}


def _read_proof(r: Reader, key: str) -> tuple[Scalar, Scalar]:
    p = r.child(key)
    c, s = p.scalar("c"), p.scalar("s")
    p.done()
    return c, s


def _trustee(r: Reader, key: str, n: int = MAX_TRUSTEES) -> int:
    return r.integer(key, minimum=1, maximum=n)


# -- ceremony -----------------------------------------------------------------------


def encode_ceremony(c: Ceremony) -> JsonObject:
    return c.to_object()


def decode_ceremony(obj: Any, path: str = "ceremony") -> Ceremony:
    r = Reader(obj, path)
    read_version(r, "key-ceremony", 1)
    election_id = r.text("election_id", max_len=_ID_LEN)
    manifest_hash = r.hexbytes("manifest_hash", 32)
    n = _trustee(r, "trustees")
    k = r.integer("threshold", minimum=1, maximum=n)
    r.done()
    return Ceremony(election_id, manifest_hash, n, k)


# -- trustee public key -------------------------------------------------------------


def encode_trustee_public(p: TrusteePublic) -> JsonObject:
    return {
        "type": "trustee-public",
        "version": 1,
        "ceremony": p.ceremony_hash.hex(),
        "trustee": p.index,
        "name": p.name,
        "communication_key": p.communication_key.hex(),
        "proof": _proof(p.proof.challenge, p.proof.response),
    }


def decode_trustee_public(obj: Any, path: str = "trustee_public") -> TrusteePublic:
    r = Reader(obj, path)
    read_version(r, "trustee-public", 1)
    out = TrusteePublic(
        r.hexbytes("ceremony", 32),
        _trustee(r, "trustee"),
        r.text("name", max_len=_ID_LEN),
        r.point("communication_key"),
        SchnorrProof(*_read_proof(r, "proof")),
    )
    r.done()
    return out


# -- deal ---------------------------------------------------------------------------


def encode_deal(deals: tuple[Deal, ...] | list[Deal]) -> JsonObject:
    """One trustee's ``trustee-deal`` file: its deal of each key, in the order of
    ``KEY_LABELS``."""
    if [d.label for d in deals] != list(KEY_LABELS):
        raise ValueError(f"a trustee's deal holds one deal per key, in the order {KEY_LABELS}")
    if len({(d.ceremony_hash, d.dealer) for d in deals}) != 1:
        raise ValueError("every deal in a file must be by one trustee, one ceremony")
    return {
        "type": "trustee-deal",
        "version": 2,
        "ceremony": deals[0].ceremony_hash.hex(),
        "dealer": deals[0].dealer,
        "keys": [
            {
                "label": d.label,
                "commitments": [c.hex() for c in d.commitments],
                "proof": _proof(d.proof.challenge, d.proof.response),
                "shares": [
                    {
                        "recipient": s.recipient,
                        "ephemeral": s.encrypted.ephemeral.hex(),
                        "ciphertext": s.encrypted.ciphertext.hex(),
                    }
                    for s in d.shares
                ],
            }
            for d in deals
        ],
    }


def _decode_dealt_share(obj: Any, path: str) -> DealtShare:
    r = Reader(obj, path)
    out = DealtShare(
        _trustee(r, "recipient"),
        EncryptedShare(r.point("ephemeral"), r.hexbytes("ciphertext", CIPHERTEXT_LEN)),
    )
    r.done()
    return out


def _decode_commitment(obj: Any, path: str) -> Point:
    # Only C_0 must be a non-identity point (checked by its proof of knowledge).
    return decode_point(obj, path, allow_identity=True)


def decode_deal(obj: Any, path: str = "deal") -> tuple[Deal, ...]:
    """One trustee's ``trustee-deal`` file: three deals, of ``x``, ``y1``, ``y2``."""
    r = Reader(obj, path)
    read_version(r, "trustee-deal", 2)
    ceremony_hash = r.hexbytes("ceremony", 32)
    dealer = _trustee(r, "dealer")

    def one(item: Any, p: str) -> Deal:
        kr = Reader(item, p)
        out = Deal(
            ceremony_hash,
            dealer,
            kr.text("label", max_len=8),
            tuple(kr.items("commitments", _decode_commitment, max_items=MAX_TRUSTEES)),
            SchnorrProof(*_read_proof(kr, "proof")),
            tuple(kr.items("shares", _decode_dealt_share, max_items=MAX_TRUSTEES)),
        )
        kr.done()
        return out

    deals = tuple(r.items("keys", one, max_items=len(KEY_LABELS)))
    r.done()
    if [d.label for d in deals] != list(KEY_LABELS):
        raise RecordFormatError(f"{path}.keys: must be the keys {list(KEY_LABELS)}, in order")
    return deals


# -- complaints ---------------------------------------------------------------------


def encode_complaints(
    ceremony_hash: bytes, complainant: int, complaints: tuple[Complaint, ...] | list[Complaint]
) -> JsonObject:
    """One trustee's ``trustee-complaints`` file (possibly with an empty list)."""
    for c in complaints:
        if c.complainant != complainant or c.ceremony_hash != ceremony_hash:
            raise ValueError("every complaint in a file must be by one trustee, one ceremony")
    return {
        "type": "trustee-complaints",
        "version": 2,
        "ceremony": ceremony_hash.hex(),
        "complainant": complainant,
        "complaints": [
            {
                "dealer": c.dealer,
                "label": c.label,
                "dh_point": c.dh_point.hex(),
                "proof": _proof(c.proof.challenge, c.proof.response),
            }
            for c in complaints
        ],
    }


def decode_complaints_file(
    obj: Any, path: str = "complaints"
) -> tuple[bytes, int, tuple[Complaint, ...]]:
    """One ``trustee-complaints`` file: (ceremony hash, complainant, its complaints)."""
    r = Reader(obj, path)
    read_version(r, "trustee-complaints", 2)
    ceremony_hash = r.hexbytes("ceremony", 32)
    complainant = _trustee(r, "complainant")

    def one(item: Any, p: str) -> Complaint:
        cr = Reader(item, p)
        out = Complaint(
            ceremony_hash,
            complainant,
            _trustee(cr, "dealer"),
            cr.text("label", max_len=8),
            cr.point("dh_point"),
            EqualityProof(*_read_proof(cr, "proof")),
        )
        cr.done()
        return out

    complaints = tuple(r.items("complaints", one, max_items=MAX_TRUSTEES))
    r.done()
    return ceremony_hash, complainant, complaints


def decode_complaints(obj: Any, path: str = "complaints") -> tuple[Complaint, ...]:
    return decode_complaints_file(obj, path)[2]


# -- election key -------------------------------------------------------------------


def encode_election_key(k: ElectionKey) -> JsonObject:
    by_complainant: dict[int, list[Complaint]] = {}
    for c in k.complaints:
        by_complainant.setdefault(c.complainant, []).append(c)
    for i in k.checked:
        by_complainant.setdefault(i, [])
    by_dealer: dict[int, list[Deal]] = {}
    for d in k.deals:
        by_dealer.setdefault(d.dealer, []).append(d)
    h = k.ceremony.hash
    return {
        "type": "election-key",
        "version": 2,
        "ceremony": encode_ceremony(k.ceremony),
        "trustee_publics": [encode_trustee_public(p) for p in k.publics],
        "deals": [encode_deal(ds) for _, ds in sorted(by_dealer.items())],
        "complaints": [encode_complaints(h, i, cs) for i, cs in sorted(by_complainant.items())],
        "rulings": [
            {
                "complainant": r.complainant,
                "dealer": r.dealer,
                "label": r.label,
                "upheld": r.upheld,
                "reason": r.reason,
            }
            for r in k.rulings
        ],
        "qualified": list(k.qualified),
        "public_key": k.public_key.hex(),
        "verification_keys": _encode_verification_keys(k.verification_keys),
        "tag_keys": [
            {
                "label": t.label,
                "public_key": t.public_key.hex(),
                "verification_keys": _encode_verification_keys(t.verification_keys),
            }
            for t in k.tag_keys
        ],
    }


def _encode_verification_keys(keys: tuple[Point, ...]) -> list[JsonObject]:
    return [{"trustee": i, "key": x.hex()} for i, x in enumerate(keys, start=1)]


def _decode_ruling(obj: Any, path: str) -> ComplaintRuling:
    r = Reader(obj, path)
    out = ComplaintRuling(
        _trustee(r, "complainant"),
        _trustee(r, "dealer"),
        r.text("label", max_len=8),
        r.boolean("upheld"),
        r.text("reason", max_len=2000),
    )
    r.done()
    return out


def _decode_verification_key(obj: Any, path: str) -> tuple[int, Point]:
    r = Reader(obj, path)
    out = (_trustee(r, "trustee"), r.point("key", allow_identity=True))
    r.done()
    return out


def _decode_qualified(obj: Any, path: str) -> int:
    if not isinstance(obj, int) or isinstance(obj, bool) or not 1 <= obj <= MAX_TRUSTEES:
        raise RecordFormatError(f"{path}: expected a trustee index")
    return obj


def _decode_verification_keys(r: Reader, n: int, path: str) -> tuple[Point, ...]:
    vks = r.items("verification_keys", _decode_verification_key, max_items=MAX_TRUSTEES)
    if [i for i, _ in vks] != list(range(1, n + 1)):
        raise RecordFormatError(f"{path}.verification_keys: must list trustees 1..n in order")
    return tuple(x for _, x in vks)


def decode_election_key(obj: Any, path: str = "election_key") -> ElectionKey:
    """Parse only; call :func:`~honestballot.protocol.dkg_verify.verify_election_key`
    to re-check the ceremony and the stated outcome."""
    r = Reader(obj, path)
    read_version(r, "election-key", 2)
    ceremony = decode_ceremony(r.raw("ceremony"), f"{path}.ceremony")
    n = ceremony.trustees
    publics = r.items("trustee_publics", decode_trustee_public, max_items=MAX_TRUSTEES)
    deal_files = r.items("deals", decode_deal, max_items=MAX_TRUSTEES)
    complaint_files = r.items("complaints", decode_complaints_file, max_items=MAX_TRUSTEES)
    rulings = r.items(
        "rulings", _decode_ruling, max_items=MAX_TRUSTEES * MAX_TRUSTEES * len(KEY_LABELS)
    )
    qualified = r.items("qualified", _decode_qualified, max_items=MAX_TRUSTEES)
    public_key = r.point("public_key", allow_identity=True)
    verification_keys = _decode_verification_keys(r, n, path)

    def tag_key(item: Any, p: str) -> TagKey:
        tr = Reader(item, p)
        out = TagKey(
            tr.text("label", max_len=8),
            tr.point("public_key", allow_identity=True),
            _decode_verification_keys(tr, n, p),
        )
        tr.done()
        return out

    tag_keys = tuple(r.items("tag_keys", tag_key, max_items=len(KEY_LABELS) - 1))
    r.done()
    if [t.label for t in tag_keys] != list(KEY_LABELS[1:]):
        raise RecordFormatError(f"{path}.tag_keys: must be {list(KEY_LABELS[1:])}, in order")
    dealers = [ds[0].dealer for ds in deal_files]
    if dealers != sorted(set(dealers)):
        raise RecordFormatError(f"{path}.deals: one file per dealer, in increasing order")
    checked = [i for _, i, _ in complaint_files]
    if checked != sorted(set(checked)):
        raise RecordFormatError(
            f"{path}.complaints: one file per trustee, in increasing order of complainant"
        )
    for pos, (h, i, _) in enumerate(complaint_files):
        if h != ceremony.hash:
            raise RecordFormatError(
                f"{path}.complaints[{pos}]: complaints file of trustee {i} is for another ceremony"
            )
    return ElectionKey(
        ceremony=ceremony,
        publics=tuple(publics),
        deals=tuple(d for ds in deal_files for d in ds),
        complaints=tuple(c for _, _, cs in complaint_files for c in cs),
        rulings=tuple(rulings),
        qualified=tuple(qualified),
        public_key=public_key,
        verification_keys=verification_keys,
        tag_keys=tag_keys,
        checked=tuple(checked),
    )


# -- the trustee's secret file ------------------------------------------------------


def encode_trustee_secret(s: TrusteeSecret) -> JsonObject:
    """The SECRET file: write it with mode 0600 and never publish it."""
    shares = None
    if s.key_share is not None and s.tag_key_shares is not None:
        shares = {
            label: x.hex()
            for label, x in zip(KEY_LABELS, (s.key_share, *s.tag_key_shares), strict=True)
        }
    return {
        "type": "trustee-secret",
        "version": 2,
        "ceremony": encode_ceremony(s.ceremony),
        "trustee": s.index,
        "name": s.name,
        "communication_secret": s.communication_secret.hex(),
        "polynomials": None
        if s.polynomials is None
        else {
            label: [a.hex() for a in poly]
            for label, poly in zip(KEY_LABELS, s.polynomials, strict=True)
        },
        "key_shares": shares,
    }


def decode_trustee_secret(obj: Any, path: str = "trustee_secret") -> TrusteeSecret:
    r = Reader(obj, path)
    read_version(r, "trustee-secret", 2)
    ceremony = decode_ceremony(r.raw("ceremony"), f"{path}.ceremony")
    index = _trustee(r, "trustee", ceremony.trustees)
    name = r.text("name", max_len=_ID_LEN)
    comm = r.scalar("communication_secret")
    polys = None
    if r.raw("polynomials") is not None:
        pr = r.child("polynomials")
        polys = tuple(
            tuple(pr.items(label, decode_scalar, max_items=MAX_TRUSTEES)) for label in KEY_LABELS
        )
        pr.done()
        for label, poly in zip(KEY_LABELS, polys, strict=True):
            if len(poly) != ceremony.threshold:
                raise RecordFormatError(
                    f"{path}.polynomials.{label}: expected {ceremony.threshold} items"
                )
    shares = None
    if r.raw("key_shares") is not None:
        sr = r.child("key_shares")
        shares = tuple(sr.scalar(label) for label in KEY_LABELS)
        sr.done()
    r.done()
    return TrusteeSecret(
        ceremony,
        index,
        name,
        comm,
        polys,
        None if shares is None else shares[0],
        None if shares is None else shares[1:],
    )


# -- tallies and decryption shares --------------------------------------------------


def encode_encrypted_tally(t: EncryptedTally | PublishedTally) -> JsonObject:
    return t.to_object()


def _mix_ref(item: Any, path: str) -> MixRef:
    r = Reader(item, path)
    out = MixRef(
        r.text("contest", max_len=64),
        r.hexbytes("mix", 32),
        r.integer("rows", minimum=1, maximum=MAX_SHUFFLE_ROWS),
    )
    r.done()
    return out


def decode_encrypted_tally(obj: Any, path: str = "tally") -> PublishedTally:
    """The ``encrypted-tally`` object; a contest counted by mixing is named by its mix
    (``mixes``), whose rows :meth:`PublishedTally.resolve` reads."""
    r = Reader(obj, path)
    read_version(r, "encrypted-tally", 1)
    election = r.hexbytes("election", 32)

    def entry(item: Any, p: str) -> TallyEntry:
        er = Reader(item, p)
        out = TallyEntry(
            er.text("id", max_len=_ID_LEN),
            Ciphertext(
                er.point("alpha", allow_identity=True), er.point("beta", allow_identity=True)
            ),
        )
        er.done()
        return out

    entries = tuple(r.items("entries", entry, max_items=MAX_ENTRIES))
    mixes: tuple[MixRef, ...] = ()
    if r.has("mixes"):
        mixes = tuple(r.items("mixes", _mix_ref, max_items=MAX_ENTRIES))
        if not mixes:
            raise RecordFormatError(f"{path}.mixes: present only with a contest to name")
    r.done()
    if len({e.id for e in entries}) != len(entries):
        raise RecordFormatError(f"{path}.entries: ids are not unique")
    if len({m.contest for m in mixes}) != len(mixes):
        raise RecordFormatError(f"{path}.mixes: a contest is named twice")
    return PublishedTally(election, entries, mixes)


def encode_decrypted_tally(
    d: DecryptedTally,
    counts: dict[str, int] | None = None,
    unreadable: list[tuple[str, str]] | None = None,
) -> JsonObject:
    """The ``decrypted-tally`` object; ``unreadable`` lists (file, reason) for share files
    that did not even parse (their trustee is then ``null``)."""
    rejected: list[JsonObject] = [
        {"trustee": None, "reason": f"{source}: {reason}"} for source, reason in unreadable or []
    ]
    rejected += [{"trustee": r.trustee, "reason": r.reason} for r in d.rejected]
    return {
        "type": "decrypted-tally",
        "version": 1,
        "election": d.election.hex(),
        "tally": d.tally_hash.hex(),
        "trustees_used": list(d.trustees),
        "rejected_shares": rejected,
        "entries": [
            {
                "id": e.id,
                "plaintext": e.plaintext.hex(),
                "count": None if counts is None else counts[e.id],
            }
            for e in d.entries
        ],
    }


T = TypeVar("T")


def load(
    data: bytes | str, decode: Callable[[Any, str], T], what: str, *, large: bool = False
) -> T:
    """``decode(parse_json(data))`` with the right size limit; ``what`` names the file."""
    limit = LARGE_DOCUMENT_BYTES if large else 1 << 20
    return decode(parse_json(data, limit=limit, what=what), what)
