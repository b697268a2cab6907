"""The close's objects on the board: signed parts, then one signed step
(docs/record-format.md §6, "The close").

A trustee's object of the close (protocol/close_a.py: a mix, tag shares, cover point tag
shares, offsets, equivalence shares, decryption factors) is one item per row of its step's
list, and a list may have millions of rows, so it goes on the board as ``close-part``
events of consecutive items, then one ``close-step`` event that names them by their digests
and carries what is not per row (a mix's proof scalars).  Each is signed by the trustee
with its election verification key ``X_t`` (Schnorr, tag ``close/signature``), so that
nobody else, the operator included, can put an object on the board in a trustee's name:
an offset or an equivalence share proves knowledge of its own secret only, not who made
it.  The digests are over the canonical JSON of the body without its ``signature``::

    part digest = hash_bytes("close/part", B base hash, B canonical body)
    step digest = hash_bytes("close/step", B base hash, B canonical body)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from honestballot.crypto.chaum_pedersen import EqualityProof
from honestballot.crypto.elgamal import Ciphertext
from honestballot.crypto.equivalence import EquivalenceEntry, EquivalenceShare
from honestballot.crypto.group import Point, Scalar, base_mul
from honestballot.crypto.hashing import canonical_json, hash_bytes
from honestballot.crypto.offsets import GroupOffset, OffsetShare
from honestballot.crypto.partial_decryption import PartialDecryption, PartialDecryptionEntry
from honestballot.crypto.randomness import Randomness
from honestballot.crypto.representation import RepresentationProof
from honestballot.crypto.schnorr import SchnorrProof, sign, verify_signature
from honestballot.crypto.shuffle import ShuffleProof
from honestballot.crypto.tagging import TagShare, TagShareEntry
from honestballot.errors import EncodingError, InvalidProof, RecordFormatError
from honestballot.protocol.close_a import (
    A_COVER,
    CloseItem,
    GroupOffsets,
    ListDecryption,
    ListEquivalence,
    ListMix,
    ListTagShare,
    PointTagEntry,
    PointTagShare,
    item_step,
    item_trustee,
)
from honestballot.record.ballot import ciphertext_from_json, ciphertext_to_json, schnorr_from_json
from honestballot.record.codec import Reader, decode_scalar
from honestballot.record.mix import MAX_ROW_WIDTH
from honestballot.record.witness import signature_to_json

JsonObject = dict[str, Any]

PART_TAG: Final = "close/part"
STEP_TAG: Final = "close/step"
SIGNATURE_TAG: Final = "close/signature"
KINDS: Final = ("mix", "tag", "point-tag", "offset", "equivalence", "decrypt")
#: the most items (rows) one step covers, and the most cells one part holds
MAX_ITEMS: Final = 10_000_000
MAX_PART_CELLS: Final = 1 << 17
MAX_LIST_NAME: Final = 80  # "column/" and a contest id of up to 64


def item_cells(kind: str, width: int) -> int:
    """The cells an item of ``kind`` counts toward :data:`MAX_PART_CELLS` (a mix's row
    of ``width`` ciphertexts with its four proof items counts ``width + 2``)."""
    return width + 2 if kind == "mix" else 2


def part_items(kind: str, width: int) -> int:
    return max(1, MAX_PART_CELLS // item_cells(kind, width))


# -- rounds -----------------------------------------------------------------------------


def close_round_body(round_: str, deadline_ms: int) -> JsonObject:
    """A ``close-round`` body: the round that opens, and when its deadline passes."""
    return {"round": round_, "deadline_ms": deadline_ms}


def close_round_from_json(value: Any, path: str) -> tuple[str, int]:
    r = Reader(value, path)
    out = (r.text("round", max_len=32), r.integer("deadline_ms", minimum=0))
    r.done()
    return out


# -- items ------------------------------------------------------------------------------


def _cp(p: EqualityProof) -> JsonObject:
    return {"c": p.challenge.hex(), "s": p.response.hex()}


def _cp_from(value: Any, path: str) -> EqualityProof:
    r = Reader(value, path)
    proof = EqualityProof(r.scalar("c"), r.scalar("s"))
    r.done()
    return proof


def _ct(r: Reader, key: str) -> Ciphertext:
    return ciphertext_from_json(r.raw(key), f"{r.path}.{key}", allow_identity_alpha=True)


def _items(item: CloseItem) -> list[JsonObject]:
    """The per-row items of an object, in row order."""
    if isinstance(item, ListMix):
        p = item.proof
        return [
            {
                "row": [ciphertext_to_json(ct) for ct in row],
                "permutation_commitment": p.permutation_commitment[i].hex(),
                "chain": p.chain[i].hex(),
                "s_hat": p.s_hat[i].hex(),
                "s_prime": p.s_prime[i].hex(),
            }
            for i, row in enumerate(item.rows)
        ]
    if isinstance(item, ListTagShare):
        return [
            {"share": ciphertext_to_json(e.share), "proof": _cp(e.proof)}
            for e in item.share.entries
        ]
    if isinstance(item, PointTagShare):
        return [{"image": e.image.hex(), "proof": _cp(e.proof)} for e in item.entries]
    if isinstance(item, GroupOffsets):
        return [
            {
                "offset": ciphertext_to_json(o.ciphertext),
                "proof": {
                    "c": o.proof.challenge.hex(),
                    "s_randomness": o.proof.response_randomness.hex(),
                    "s_offset": o.proof.response_credential.hex(),
                },
            }
            for o in item.share.offsets
        ]
    if isinstance(item, ListEquivalence):
        return [
            {
                "commitment": e.commitment.hex(),
                "share": ciphertext_to_json(e.share),
                "proof": _cp(e.proof),
            }
            for e in item.share.entries
        ]
    assert isinstance(item, ListDecryption)
    return [{"factor": e.factor.hex(), "proof": _cp(e.proof)} for e in item.share.entries]


def _item_from_json(kind: str, value: Any, path: str) -> Any:
    r = Reader(value, path)
    out: Any
    if kind == "mix":
        cells = r.array("row", max_items=MAX_ROW_WIDTH)
        if not cells:
            raise RecordFormatError(f"{path}.row: a row holds at least one ciphertext")
        row = tuple(
            ciphertext_from_json(ct, f"{path}.row[{k}]", allow_identity_alpha=True)
            for k, ct in enumerate(cells)
        )
        out = (row, r.point("permutation_commitment"), r.point("chain"), r.scalar("s_hat"),
               r.scalar("s_prime"))  # fmt: skip
    elif kind == "tag":
        out = TagShareEntry(_ct(r, "share"), _cp_from(r.raw("proof"), f"{path}.proof"))
    elif kind == "point-tag":
        out = PointTagEntry(r.point("image"), _cp_from(r.raw("proof"), f"{path}.proof"))
    elif kind == "offset":
        pr = r.child("proof")
        proof = RepresentationProof(
            pr.scalar("c"), pr.scalar("s_randomness"), pr.scalar("s_offset")
        )
        pr.done()
        out = GroupOffset(ciphertext_from_json(r.raw("offset"), f"{path}.offset"), proof)
    elif kind == "equivalence":
        out = EquivalenceEntry(
            r.point("commitment"), _ct(r, "share"), _cp_from(r.raw("proof"), f"{path}.proof")
        )
    else:
        out = PartialDecryptionEntry(r.point("factor"), _cp_from(r.raw("proof"), f"{path}.proof"))
    r.done()
    return out


# -- digests and signatures -------------------------------------------------------------


def _unsigned(body: Mapping[str, Any]) -> bytes:
    return canonical_json({k: v for k, v in body.items() if k != "signature"})


def part_digest(base_hash: bytes, body: Mapping[str, Any]) -> bytes:
    return hash_bytes(PART_TAG, base_hash, _unsigned(body))


def step_digest(base_hash: bytes, body: Mapping[str, Any]) -> bytes:
    return hash_bytes(STEP_TAG, base_hash, _unsigned(body))


def _sign(base_hash: bytes, digest: bytes, key_share: Scalar, rng: Randomness) -> JsonObject:
    signature = sign(SIGNATURE_TAG, (base_hash, base_mul(key_share)), digest, key_share, rng)
    return signature_to_json(signature)


def check_signature(
    base_hash: bytes, key: Point, digest: bytes, signature: SchnorrProof, what: str
) -> None:
    verify_signature(SIGNATURE_TAG, (base_hash, key), digest, key, signature, what)


# -- publishing -------------------------------------------------------------------------


def _place(item: CloseItem) -> JsonObject:
    kind, name = item_step(item)
    place: JsonObject = {"step": kind, "list": name, "trustee": item_trustee(item)}
    if isinstance(item, ListMix):
        place["position"] = item.position
    if isinstance(item, ListTagShare | PointTagShare):
        place["key"] = item.key
    return place


def publish(
    base_hash: bytes, item: CloseItem, key_share: Scalar, rng: Randomness
) -> tuple[list[JsonObject], JsonObject]:
    """The ``close-part`` bodies of ``item`` and its ``close-step`` body, each signed
    with the trustee's election key share ``x_t``."""
    place = _place(item)
    items = _items(item)
    width = len(item.rows[0]) if isinstance(item, ListMix) and item.rows else 0
    size = part_items(place["step"], width)
    parts: list[JsonObject] = []
    for index, offset in enumerate(range(0, len(items), size)):
        body = {**place, "part": index, "offset": offset, "items": items[offset : offset + size]}
        body["signature"] = _sign(base_hash, part_digest(base_hash, body), key_share, rng)
        parts.append(body)
    head: JsonObject = {
        **place,
        "items": len(items),
        "parts": [part_digest(base_hash, p).hex() for p in parts],
    }
    if isinstance(item, ListMix):
        p = item.proof
        head["proof"] = {
            "c": p.challenge.hex(), "s1": p.s1.hex(), "s2": p.s2.hex(), "s3": p.s3.hex(),
            "s4": [s.hex() for s in p.s4],
        }  # fmt: skip
    head["signature"] = _sign(base_hash, step_digest(base_hash, head), key_share, rng)
    return parts, head


# -- reading ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Place:
    """Whose object, of which step: what a part and its step agree on."""

    step: str
    list: str
    trustee: int
    position: int
    key: str


def read_place(r: Reader) -> Place:
    kind = r.text("step", max_len=16)
    if kind not in KINDS:
        raise RecordFormatError(f"{r.path}.step: not one of {', '.join(KINDS)}")
    name = r.text("list", max_len=MAX_LIST_NAME)
    trustee = r.integer("trustee", minimum=1, maximum=1000)
    position = r.integer("position", minimum=1, maximum=1000) if kind == "mix" else 0
    if kind == "point-tag" and name != A_COVER:
        raise RecordFormatError(f"{r.path}.list: the cover points' list is {A_COVER}")
    key = ""
    if kind in ("tag", "point-tag"):
        key = r.text("key", max_len=8)
        if key not in ("y1", "y2"):
            raise RecordFormatError(f"{r.path}.key: not y1 or y2")
    return Place(kind, name, trustee, position, key)


@dataclass(frozen=True, slots=True)
class ClosePart:
    place: Place
    index: int
    offset: int
    items: tuple[Any, ...]
    digest: bytes


@dataclass(frozen=True, slots=True)
class CloseStep:
    place: Place
    items: int
    parts: tuple[bytes, ...]
    proof: tuple[Scalar, Scalar, Scalar, Scalar, tuple[Scalar, ...]] | None
    digest: bytes


def _signed(base_hash: bytes, keys: Sequence[Point], r: Reader, place: Place, digest: bytes,
            what: str) -> None:  # fmt: skip
    signature = schnorr_from_json(r.raw("signature"), f"{r.path}.signature")
    if not 1 <= place.trustee <= len(keys):
        raise InvalidProof(f"{what}: trustee {place.trustee} is not in 1..{len(keys)}")
    check_signature(base_hash, keys[place.trustee - 1], digest, signature, what)


def close_part_from_json(
    base_hash: bytes, keys: Sequence[Point], value: Any, path: str
) -> ClosePart:
    """A ``close-part`` body, strictly parsed, its signature checked against the
    trustee's key in ``keys`` (``X_1 …``): :class:`InvalidProof` if it does not verify."""
    r = Reader(value, path)
    place = read_place(r)
    index = r.integer("part", minimum=0, maximum=MAX_ITEMS - 1)
    offset = r.integer("offset", minimum=0, maximum=MAX_ITEMS - 1)
    raw = r.array("items", max_items=MAX_PART_CELLS)
    if not raw:
        raise RecordFormatError(f"{path}.items: a part holds at least one item")
    digest = part_digest(base_hash, value)
    _signed(base_hash, keys, r, place, digest, path)
    items = tuple(_item_from_json(place.step, v, f"{path}.items[{i}]") for i, v in enumerate(raw))
    r.done()
    return ClosePart(place, index, offset, items, digest)


def close_step_from_json(
    base_hash: bytes, keys: Sequence[Point], value: Any, path: str
) -> CloseStep:
    """A ``close-step`` body, strictly parsed, its signature checked."""
    r = Reader(value, path)
    place = read_place(r)
    items = r.integer("items", minimum=1, maximum=MAX_ITEMS)
    parts = tuple(r.items("parts", _digest, max_items=MAX_ITEMS))
    proof = None
    if place.step == "mix":
        pr = r.child("proof")
        s4 = tuple(pr.items("s4", decode_scalar, max_items=MAX_ROW_WIDTH))
        proof = (pr.scalar("c"), pr.scalar("s1"), pr.scalar("s2"), pr.scalar("s3"), s4)
        pr.done()
    digest = step_digest(base_hash, value)
    _signed(base_hash, keys, r, place, digest, path)
    r.done()
    return CloseStep(place, items, parts, proof, digest)


def _digest(value: Any, path: str) -> bytes:
    if not isinstance(value, str) or len(value) != 64:
        raise RecordFormatError(f"{path}: expected a digest of 64 hex digits")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise RecordFormatError(f"{path}: expected a digest of 64 hex digits") from None


def assemble(step: CloseStep, parts: Mapping[bytes, ClosePart], path: str) -> CloseItem:
    """The object a step names: its parts (by digest, from ``parts``) in order, each of
    the step's place, at consecutive offsets from 0, ``step.items`` items in all.
    :class:`RecordFormatError` naming ``path`` otherwise."""
    items: list[Any] = []
    for i, digest in enumerate(step.parts):
        part = parts.get(digest)
        if part is None:
            raise RecordFormatError(f"{path}: part {i} ({digest.hex()[:16]}…) is not on the board")
        if part.place != step.place or part.index != i or part.offset != len(items):
            raise RecordFormatError(f"{path}: part {i} is not part {i} of this step at offset "
                                    f"{len(items)}")  # fmt: skip
        items.extend(part.items)
    if len(items) != step.items:
        raise RecordFormatError(f"{path}: {len(items)} items in its parts, {step.items} named")
    place = step.place
    try:
        return _object(place, step, items)
    except EncodingError as exc:
        raise RecordFormatError(f"{path}: {exc}") from None


def _object(place: Place, step: CloseStep, items: list[Any]) -> CloseItem:
    t = place.trustee
    if place.step == "mix":
        assert step.proof is not None
        rows = tuple(i[0] for i in items)
        c, s1, s2, s3, s4 = step.proof
        proof = ShuffleProof(
            tuple(i[1] for i in items), tuple(i[2] for i in items), c, s1, s2, s3, s4,
            tuple(i[3] for i in items), tuple(i[4] for i in items),
        )  # fmt: skip
        return ListMix(place.list, place.position, t, rows, proof)
    if place.step == "tag":
        return ListTagShare(place.list, place.key, TagShare(t, tuple(items)))
    if place.step == "point-tag":
        return PointTagShare(place.key, t, tuple(items))
    if place.step == "offset":
        return GroupOffsets(place.list, OffsetShare(t, tuple(items)))
    if place.step == "equivalence":
        return ListEquivalence(place.list, EquivalenceShare(t, tuple(items)))
    return ListDecryption(place.list, PartialDecryption(t, tuple(items)))
