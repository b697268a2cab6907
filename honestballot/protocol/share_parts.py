"""A trustee's decryption share of a tally with mixed contests, as the board publishes it:
signed **parts** holding the shares of consecutive mixed rows, then the
``decryption-share`` itself, which holds the shares of the tally's sums and names its
parts (docs/record-format.md §7, "Decryption shares in parts").

A mixed contest of 100,000 ballots of five options has 500,000 ciphertexts to decrypt,
and a share of each with its Chaum--Pedersen proof is some 230 bytes of JSON: no record
line may hold that (at most 64 MiB).  So:

- a **part** ``i`` of trustee ``l``'s share holds, for one mixed contest of the tally
  (its ``mixes``, protocol/decryption.MixedRows), the rows ``offset .. offset + m - 1``:
  for each ciphertext of those rows, ``D = x_l*alpha`` and its proof, exactly the
  :class:`~honestballot.protocol.decryption.ShareEntry` of entry
  ``contest#row/slot``; it carries the trustee's signature on its digest
  (:func:`part_digest`), as a mix part does, so that a request that is not the
  trustee's is turned away before anything in it is decoded;
- the **head** (the ``decryption-share`` object) holds the shares of the tally's listed
  entries and the digests of its parts, in order: the mixed contests in the tally's
  order, each contest's rows from 0 on, without gaps (:func:`assemble`).

A part is valid iff it is for the tally on the board, names one of its mixed contests,
its rows are within that contest's rows and as wide, its signature verifies, and every
proof in it verifies (:func:`check_part`).  Parts that no head names change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final

from honestballot.crypto.chaum_pedersen import EqualityProof
from honestballot.crypto.elgamal import Ciphertext
from honestballot.crypto.group import Point, Scalar
from honestballot.crypto.hashing import Encoded, Part, hash_bytes
from honestballot.crypto.randomness import Randomness
from honestballot.crypto.schnorr import SchnorrProof
from honestballot.errors import InvalidInput, InvalidShare, ProtocolError
from honestballot.protocol.decryption import (
    DecryptionShare,
    EncryptedTally,
    MixedRows,
    PublishedTally,
    ShareEntry,
    check_share_header,
    verify_share_entries,
)
from honestballot.protocol.dkg_verify import ElectionKey
from honestballot.protocol.manifest import Manifest
from honestballot.protocol.mix_parts import check_digest_signature, sign_digest
from honestballot.protocol.ranked import row_entry_id

SHARE_PART_TAG: Final = "share/part"

#: the most ciphertexts whose shares one part holds
MAX_PART_CELLS: Final = 1 << 17

#: one ciphertext's share in a part: ``D`` and its proof
Cell = tuple[Point, EqualityProof]


def part_rows(width: int) -> int:
    """How many rows of ``width`` ciphertexts a part may hold at most."""
    return max(1, MAX_PART_CELLS // width)


@dataclass(frozen=True, slots=True)
class SharePart:
    """Trustee ``trustee``'s shares of rows ``offset .. offset + len(rows) - 1`` of one
    mixed contest of the tally whose hash is ``tally_hash``, signed by the trustee."""

    trustee: int
    tally_hash: bytes
    index: int
    contest: str
    offset: int
    rows: tuple[tuple[Cell, ...], ...]
    signature: SchnorrProof


@dataclass(frozen=True, slots=True)
class ShareHead:
    """The ``decryption-share`` object: the shares of the tally's listed entries and,
    when the tally has mixed contests, the digests of the parts that hold the rest."""

    election: bytes
    trustee: int
    tally_hash: bytes
    entries: tuple[ShareEntry, ...]
    parts: tuple[bytes, ...] | None


@dataclass(frozen=True, slots=True)
class EncodedSharePart:
    """A part as it arrives, its points and scalars not yet decoded
    (record/trustee.encoded_share_part_from_json): enough for its place, shape, digest
    and signature."""

    trustee: int
    tally_hash: bytes
    index: int
    contest: str
    offset: int
    rows: tuple[tuple[tuple[Encoded, Encoded, Encoded], ...], ...]
    signature: SchnorrProof

    def digest(self, base_hash: bytes) -> bytes:
        """:func:`part_digest` of the part these encodings decode to."""
        return _digest(base_hash, self, [[list(cell) for cell in row] for row in self.rows])


def _digest(base_hash: bytes, part: SharePart | EncodedSharePart, rows: Part) -> bytes:
    return hash_bytes(
        SHARE_PART_TAG,
        base_hash,
        part.tally_hash,
        part.trustee,
        part.index,
        part.contest,
        part.offset,
        rows,
    )


def part_digest(base_hash: bytes, part: SharePart) -> bytes:
    """What names a part (and what its trustee signs)."""
    rows: Part = [[[d, p.challenge, p.response] for d, p in row] for row in part.rows]
    return _digest(base_hash, part, rows)


def _mixed(tally: EncryptedTally, contest: str) -> MixedRows:
    for m in tally.mixes:
        if m.contest == contest:
            return m
    raise ProtocolError(f"contest {contest!r} is not a mixed contest of the tally")


@dataclass(frozen=True, slots=True)
class TallyShape:
    """What a part's place is checked against, without the mixed rows themselves: the
    tally's hash and, for each mixed contest in the tally's order, its width and number
    of rows."""

    hash: bytes
    mixed: tuple[tuple[str, int, int], ...]

    def of(self, contest: str) -> tuple[int, int]:
        for c, width, rows in self.mixed:
            if c == contest:
                return width, rows
        raise ProtocolError(f"contest {contest!r} is not a mixed contest of the tally")


def shape_of(tally: EncryptedTally) -> TallyShape:
    return TallyShape(
        tally.hash, tuple((m.contest, len(m.slots), len(m.rows)) for m in tally.mixes)
    )


def published_shape(tally: PublishedTally, manifest: Manifest) -> TallyShape:
    """The shape of a published tally (its mixes name contests of ``manifest``)."""
    return TallyShape(
        tally.hash,
        tuple((m.contest, len(manifest.contest(m.contest).slot_ids), m.rows) for m in tally.mixes),
    )


@dataclass(frozen=True, slots=True)
class PartMeta:
    """A part's place, without its shares: what a share's list of parts is checked
    against (:func:`check_parts_named`)."""

    trustee: int
    tally_hash: bytes
    index: int
    contest: str
    offset: int
    rows: int


def meta_of(part: SharePart | EncodedSharePart) -> PartMeta:
    return PartMeta(
        part.trustee, part.tally_hash, part.index, part.contest, part.offset, len(part.rows)
    )


def _check_trustee(key: ElectionKey, trustee: int) -> None:
    if not 1 <= trustee <= key.ceremony.trustees:
        raise ProtocolError(f"trustee {trustee} is not a trustee of this election")


def _check_place(
    shape: TallyShape, tally_hash: bytes, contest: str, offset: int, widths: Sequence[int]
) -> None:
    if tally_hash != shape.hash:
        raise ProtocolError("the decryption share part is for another tally")
    width, rows = shape.of(contest)
    if not widths:
        raise InvalidInput("a decryption share part holds at least one row")
    if len(widths) > part_rows(width):
        raise InvalidInput(
            f"contest {contest!r}: a decryption share part holds at most {part_rows(width)} rows"
        )
    if any(w != width for w in widths):
        raise InvalidInput(f"contest {contest!r}: a row of shares holds {width} shares")
    if offset + len(widths) > rows:
        raise ProtocolError(
            f"contest {contest!r}: rows {offset} to {offset + len(widths) - 1} are not all "
            f"rows of the tally (it has {rows})"
        )


def _check_signature(
    base_hash: bytes, key: ElectionKey, part: SharePart | EncodedSharePart, digest: bytes
) -> None:
    what = f"part {part.index} of the decryption share of trustee {part.trustee}"
    check_digest_signature(
        base_hash, key.verification_key(part.trustee), digest, part.signature, what
    )


def check_encoded_part(
    base_hash: bytes, key: ElectionKey, shape: TallyShape, part: EncodedSharePart
) -> bytes:
    """:func:`check_part` before decoding and without the mixed rows: the trustee and its
    signature first (what turns away anyone but the trustee at the cost of one
    signature), then the place and shape; return the digest."""
    _check_trustee(key, part.trustee)
    digest = part.digest(base_hash)
    _check_signature(base_hash, key, part, digest)
    widths = [len(row) for row in part.rows]
    _check_place(shape, part.tally_hash, part.contest, part.offset, widths)
    return digest


def _entries(part: SharePart, mixed: MixedRows) -> list[ShareEntry]:
    return [
        ShareEntry(row_entry_id(part.contest, part.offset + i, slot), d, proof)
        for i, row in enumerate(part.rows)
        for slot, (d, proof) in zip(mixed.slots, row, strict=True)
    ]


def part_cells(tally: EncryptedTally, part: SharePart) -> list[tuple[ShareEntry, Ciphertext]]:
    """Each share of a part (of a valid place and shape) as the entry it is, with the
    tally's ciphertext it decrypts."""
    mixed = _mixed(tally, part.contest)
    flat = [ct for row in mixed.rows[part.offset : part.offset + len(part.rows)] for ct in row]
    return list(zip(_entries(part, mixed), flat, strict=True))


def check_part(
    base_hash: bytes,
    key: ElectionKey,
    tally: EncryptedTally,
    part: SharePart,
    *,
    proofs: bool = True,
) -> bytes:
    """Raise unless ``part`` is a valid part of a share of ``tally`` (on the board):
    its trustee's signature, its place and shape, and every share's proof (unless
    ``proofs`` is false: the caller checks them, as the verifier does on its workers,
    with :func:`part_cells`).  Return its digest."""
    _check_trustee(key, part.trustee)
    digest = part_digest(base_hash, part)
    _check_signature(base_hash, key, part, digest)
    widths = [len(row) for row in part.rows]
    _check_place(shape_of(tally), part.tally_hash, part.contest, part.offset, widths)
    if proofs:
        entries, cts = zip(*part_cells(tally, part), strict=True)
        verify_share_entries(key, tally, part.trustee, entries, cts)
    return digest


def _resume_at(tally: EncryptedTally, earlier: Sequence[tuple[bytes, PartMeta]]) -> tuple[int, int]:
    """Where parts ``earlier`` (the trustee's parts on the board, in order) end: the
    index of the mixed contest and the row the next part starts at.  They must cover
    the mixed contests in the tally's order from row 0, as a share names them."""
    contest, row = 0, 0
    for index, (_, meta) in enumerate(earlier):
        if contest < len(tally.mixes) and row == len(tally.mixes[contest].rows):
            contest, row = contest + 1, 0
        if (
            contest >= len(tally.mixes)
            or (meta.index, meta.contest, meta.offset) != (index, tally.mixes[contest].contest, row)
            or meta.tally_hash != tally.hash
        ):
            raise ProtocolError(  # English only: a trustee's command line
                f"trustee {meta.trustee}'s part {meta.index} on the board does not continue its "
                "parts before it in the tally's order, so no share can name it"
            )
        row += meta.rows
    return contest, row


def publish_share(
    base_hash: bytes,
    tally: EncryptedTally,
    share: DecryptionShare,
    key_share: Scalar,
    rng: Randomness,
    *,
    rows_per_part: int | None = None,
    earlier: Sequence[tuple[bytes, PartMeta]] = (),
) -> tuple[list[SharePart], ShareHead]:
    """Cut ``share`` (of every entry of ``tally``) into the head and, for each mixed
    contest, parts of at most :func:`part_rows` rows (fewer if ``rows_per_part`` says
    so), each signed with the trustee's key share.

    ``earlier``: (digest, place) of the trustee's parts already on the board, in order
    (an upload that stopped half-way); the new parts continue after them and the head
    names them all (board rule 7 takes no other part)."""
    listed = len(tally.entries)
    if not tally.mixes:
        return [], ShareHead(share.election, share.trustee, share.tally_hash, share.entries, None)
    start_contest, start_row = _resume_at(tally, earlier)
    parts: list[SharePart] = []
    at = listed
    for n, mixed in enumerate(tally.mixes):
        width = len(mixed.slots)
        size = part_rows(width) if rows_per_part is None else min(rows_per_part, part_rows(width))
        if size < 1:
            raise ValueError("a part holds at least one row")
        first = start_row if n == start_contest else 0
        at += first * width
        if n < start_contest:
            at += len(mixed.rows) * width
            continue
        for offset in range(first, len(mixed.rows), size):
            m = min(size, len(mixed.rows) - offset)
            cells = share.entries[at : at + m * width]
            at += m * width
            rows = tuple(
                tuple((e.share, e.proof) for e in cells[i * width : (i + 1) * width])
                for i in range(m)
            )
            unsigned = SharePart(
                share.trustee,
                share.tally_hash,
                len(earlier) + len(parts),
                mixed.contest,
                offset,
                rows,
                SchnorrProof(Scalar(0), Scalar(0)),
            )
            signature = sign_digest(base_hash, part_digest(base_hash, unsigned), key_share, rng)
            parts.append(replace(unsigned, signature=signature))
    head = ShareHead(
        share.election,
        share.trustee,
        share.tally_hash,
        share.entries[:listed],
        tuple(d for d, _ in earlier) + tuple(part_digest(base_hash, p) for p in parts),
    )
    return parts, head


def check_parts_named(
    shape: TallyShape,
    head: ShareHead,
    parts: Mapping[bytes, PartMeta],
    refused: Mapping[bytes, int] | None = None,
) -> list[PartMeta]:
    """Raise :class:`InvalidShare` unless ``head`` names valid parts on the board
    (``parts``: digest -> the place of each; ``refused``: digest -> event number of parts
    on the board that are not valid): every part at its index, by its trustee, for this
    tally, covering each mixed contest's rows in order from row 0, the contests in the
    tally's order, nothing after.  Return the parts named, in order."""
    who = f"decryption share of trustee {head.trustee}"
    if (head.parts is None) != (not shape.mixed):
        raise InvalidShare(
            f"{who}: names parts for a tally without mixed contests"
            if not shape.mixed
            else f"{who}: does not name the parts holding the mixed contests' shares"
        )
    chosen: list[PartMeta] = []
    names = iter(enumerate(head.parts or ()))
    for contest, _, rows in shape.mixed:
        row = 0
        while row < rows:
            index, digest = next(names, (None, b""))
            if index is None:
                raise InvalidShare(
                    f"{who}: its parts end at row {row} of contest {contest!r}, which has {rows}"
                )
            part = parts.get(digest)
            if part is None:
                where = (
                    f"is event {refused[digest]}, which is not a valid part"
                    if refused and digest in refused
                    else "is not on the board"
                )
                raise InvalidShare(f"{who}: part {index} ({digest.hex()[:16]}…) {where}")
            if (part.trustee, part.tally_hash, part.index) != (
                head.trustee,
                head.tally_hash,
                index,
            ):
                raise InvalidShare(
                    f"{who}: part {index} is part {part.index} of trustee {part.trustee}'s "
                    "share" + ("" if part.tally_hash == head.tally_hash else " of another tally")
                )
            if (part.contest, part.offset) != (contest, row):
                raise InvalidShare(
                    f"{who}: part {index} holds rows of contest {part.contest!r} from row "
                    f"{part.offset}, not of contest {contest!r} from row {row}"
                )
            chosen.append(part)
            row += part.rows
    extra = next(names, None)
    if extra is not None:
        raise InvalidShare(f"{who}: names {len(head.parts or ()) - extra[0]} parts too many")
    return chosen


def verify_head(key: ElectionKey, tally: EncryptedTally | PublishedTally, head: ShareHead) -> None:
    """Raise :class:`InvalidShare` unless the shares ``head`` lists are its trustee's,
    for this election and tally, of exactly the entries the tally lists, every proof
    verified (the first that fails is named, so a forged head costs one proof)."""
    check_share_header(
        key,
        tally,
        head.trustee,
        head.election,
        head.tally_hash,
        [e.id for e in head.entries],
        [e.id for e in tally.entries],
    )
    verify_share_entries(
        key, tally, head.trustee, head.entries, [e.ciphertext for e in tally.entries]
    )


def assemble(
    tally: EncryptedTally,
    head: ShareHead,
    parts: Mapping[bytes, SharePart],
    refused: Mapping[bytes, int] | None = None,
) -> DecryptionShare:
    """The share ``head`` closes, from the valid parts on the board (``parts``: digest ->
    part; ``refused``: digest -> event number of parts on the board that are not valid),
    which it must name as :func:`check_parts_named` says.  The entries of the head itself
    are not checked here (:func:`verify_head`)."""
    metas = {d: meta_of(p) for d, p in parts.items()}
    check_parts_named(shape_of(tally), head, metas, refused)
    entries = list(head.entries)
    for digest in head.parts or ():
        part = parts[digest]
        entries += _entries(part, _mixed(tally, part.contest))
    return DecryptionShare(head.election, head.trustee, head.tally_hash, tuple(entries))
