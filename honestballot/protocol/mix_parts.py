"""A mix as the board publishes it: signed **parts** of consecutive rows, then one
**head** that names its parts and closes the mix (docs/record-format.md §6, "Mixes").

A mix of a national contest is gigabytes (some 1 KB a row for five options), and no
record line may pass 64 MiB (record/events.MAX_LINE_BYTES), so its output rows and the
per-row lists of its proof of shuffle are cut into parts of at most
:data:`MAX_PART_CELLS` cells (a row of ``w`` ciphertexts with its four proof items
counts ``w + 2``, about 1 KB for ``w = 5``; a part is then at most ~20 MB of JSON).

- A **part** ``i`` holds the rows ``offset .. offset + m - 1`` of the output with the
  same slices of ``permutation_commitment``, ``chain``, ``s_hat`` and ``s_prime``, and
  the trustee's signature on its digest (:func:`part_digest`): so only the trustee can
  put parts on the board in its name, and nobody can fill the board with parts that no
  mix will use.
- The **head** holds the proof's scalars ``c, s1, s2, s3, s4``, the digests of its
  parts in order, and the trustee's signature on :func:`head_digest`, which therefore
  covers, through the part digests, every row and every proof item of the mix.

A part stands on the board only at its contest's next position, by a trustee who has not
mixed that contest (the same place rule as the head's: protocol/board.py rule 9).  A
trustee that lost its connection half-way sends the same parts again (a part already on
the board is not stored twice); one that made a new shuffle sends new parts, and the
head names which count: parts no head names change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final

from honestballot.crypto.group import Point, Scalar, base_mul
from honestballot.crypto.hashing import Encoded, Part, hash_bytes
from honestballot.crypto.randomness import Randomness
from honestballot.crypto.schnorr import SchnorrProof, sign, verify_signature
from honestballot.crypto.shuffle import ShuffleProof, verify_shuffle
from honestballot.errors import EncodingError, InvalidInput, InvalidProof, ProtocolError
from honestballot.protocol.manifest import Manifest
from honestballot.protocol.mix import Mix, Rows, ShuffleVerifier, mix_context

MIX_SIGNATURE_TAG: Final = "mix/signature"
MIX_PART_TAG: Final = "mix/part"
MIX_DIGEST_TAG: Final = "mix/digest"

#: the most cells in one part: rows x (width + 2)
MAX_PART_CELLS: Final = 1 << 17


def part_rows(width: int) -> int:
    """How many rows of ``width`` ciphertexts a part may hold at most."""
    return max(1, MAX_PART_CELLS // (width + 2))


@dataclass(frozen=True, slots=True)
class MixPart:
    """Rows ``offset .. offset + len(rows) - 1`` of a mix's output, with the same slices
    of its proof's per-row lists, signed by the mixing trustee."""

    contest: str
    position: int
    trustee: int
    index: int
    offset: int
    rows: Rows
    permutation_commitment: tuple[Point, ...]
    chain: tuple[Point, ...]
    s_hat: tuple[Scalar, ...]
    s_prime: tuple[Scalar, ...]
    signature: SchnorrProof

    def __post_init__(self) -> None:
        m = len(self.rows)
        if m < 1:
            raise EncodingError("a mix part holds at least one row")
        for name, items in (
            ("permutation_commitment", self.permutation_commitment),
            ("chain", self.chain),
            ("s_hat", self.s_hat),
            ("s_prime", self.s_prime),
        ):
            if len(items) != m:
                raise EncodingError(f"a mix part of {m} rows has {len(items)} {name} items")


@dataclass(frozen=True, slots=True)
class MixHead:
    """What closes a mix: its parts' digests in order, the proof's scalars, and the
    trustee's signature on :func:`head_digest`."""

    contest: str
    position: int
    trustee: int
    parts: tuple[bytes, ...]
    challenge: Scalar
    s1: Scalar
    s2: Scalar
    s3: Scalar
    s4: tuple[Scalar, ...]
    signature: SchnorrProof


def _rows_part(rows: Rows) -> Part:
    return [[(ct.alpha, ct.beta) for ct in row] for row in rows]


def part_digest(base_hash: bytes, part: MixPart) -> bytes:
    """What names a part (and what its trustee signs)."""
    return hash_bytes(
        MIX_PART_TAG,
        base_hash,
        part.contest,
        part.position,
        part.trustee,
        part.index,
        part.offset,
        _rows_part(part.rows),
        [
            list(part.permutation_commitment),
            list(part.chain),
            list(part.s_hat),
            list(part.s_prime),
        ],
    )


@dataclass(frozen=True, slots=True)
class EncodedPart:
    """A part as it arrives, its points and scalars not yet decoded
    (record/mix.encoded_part_from_json): enough for its place, shape, digest and
    signature -- the checks that turn away anyone but the trustee before the decoding,
    which costs some 0.4 ms a row."""

    contest: str
    position: int
    trustee: int
    index: int
    offset: int
    rows: tuple[tuple[tuple[Encoded, Encoded], ...], ...]
    lists: tuple[tuple[Encoded, ...], ...]
    signature: SchnorrProof

    def digest(self, base_hash: bytes) -> bytes:
        """:func:`part_digest` of the part these encodings decode to."""
        return hash_bytes(
            MIX_PART_TAG,
            base_hash,
            self.contest,
            self.position,
            self.trustee,
            self.index,
            self.offset,
            [list(row) for row in self.rows],
            [list(items) for items in self.lists],
        )


def check_encoded_part(
    manifest: Manifest,
    base_hash: bytes,
    verification_keys: Sequence[Point],
    earlier: Sequence[int],
    rows_in: int,
    part: EncodedPart,
) -> bytes:
    """:func:`check_part` before decoding: the place, the shape and the trustee's
    signature; return the digest."""
    _check_place(manifest, verification_keys, earlier, part.contest, part.position, part.trustee)
    _check_shape(manifest, part.contest, [len(row) for row in part.rows])
    _check_span(part.contest, part.offset, len(part.rows), rows_in)
    if any(len(items) != len(part.rows) for items in part.lists):
        raise InvalidInput(
            f"a mix part of {len(part.rows)} rows needs {len(part.rows)} items in each of "
            "permutation_commitment, chain, s_hat and s_prime"
        )
    digest = part.digest(base_hash)
    what = (
        f"part {part.index} of mix {part.position} of contest {part.contest!r} "
        f"by trustee {part.trustee}"
    )
    check_digest_signature(
        base_hash, verification_keys[part.trustee - 1], digest, part.signature, what
    )
    return digest


def _check_span(contest_id: str, offset: int, rows: int, rows_in: int) -> None:
    """A part's rows lie within the mix's: every mix of the election shuffles its
    ``rows_in`` counted ballots, so no part reaches past them."""
    if offset + rows > rows_in:
        raise InvalidInput(
            f"contest {contest_id!r}: a mix part holds rows {offset} to {offset + rows - 1}, "
            f"but the mix has {rows_in} rows"
        )


def _check_shape(manifest: Manifest, contest_id: str, widths: Sequence[int]) -> None:
    width = len(manifest.contest(contest_id).slot_ids)
    if not widths:
        raise InvalidInput("a mix part holds at least one row")
    if any(w != width for w in widths):
        raise InvalidInput(
            f"contest {contest_id!r}: a mix part's rows hold {width} ciphertexts each"
        )
    if len(widths) > part_rows(width):
        raise InvalidInput(
            f"contest {contest_id!r}: a mix part holds at most {part_rows(width)} rows"
        )


def head_digest(base_hash: bytes, head: MixHead) -> bytes:
    """What the trustee signs to close its mix: the place, the parts, the scalars."""
    return hash_bytes(
        MIX_DIGEST_TAG,
        base_hash,
        head.contest,
        head.position,
        head.trustee,
        list(head.parts),
        [head.challenge, head.s1, head.s2, head.s3, list(head.s4)],
    )


def sign_digest(
    base_hash: bytes, digest: bytes, key_share: Scalar, rng: Randomness
) -> SchnorrProof:
    return sign(MIX_SIGNATURE_TAG, (base_hash, base_mul(key_share)), digest, key_share, rng)


def check_digest_signature(
    base_hash: bytes, key: Point, digest: bytes, signature: SchnorrProof, what: str
) -> None:
    verify_signature(MIX_SIGNATURE_TAG, (base_hash, key), digest, key, signature, what)


def publish_mix(
    base_hash: bytes,
    mix: Mix,
    key_share: Scalar,
    rng: Randomness,
    *,
    rows_per_part: int | None = None,
) -> tuple[list[MixPart], MixHead]:
    """Cut ``mix`` into parts of at most :func:`part_rows` rows (fewer if
    ``rows_per_part`` says so), sign each part and the head with the trustee's key share."""
    width = len(mix.rows[0])
    size = part_rows(width) if rows_per_part is None else rows_per_part
    if not 1 <= size <= part_rows(width):
        raise ValueError(f"a part holds 1 to {part_rows(width)} rows of {width} ciphertexts")
    p = mix.proof
    parts: list[MixPart] = []
    for index, offset in enumerate(range(0, len(mix.rows), size)):
        end = offset + size
        unsigned = MixPart(
            mix.contest,
            mix.position,
            mix.trustee,
            index,
            offset,
            mix.rows[offset:end],
            p.permutation_commitment[offset:end],
            p.chain[offset:end],
            p.s_hat[offset:end],
            p.s_prime[offset:end],
            SchnorrProof(Scalar(0), Scalar(0)),
        )
        signature = sign_digest(base_hash, part_digest(base_hash, unsigned), key_share, rng)
        parts.append(replace(unsigned, signature=signature))
    unsigned_head = MixHead(
        mix.contest,
        mix.position,
        mix.trustee,
        tuple(part_digest(base_hash, part) for part in parts),
        p.challenge,
        p.s1,
        p.s2,
        p.s3,
        p.s4,
        SchnorrProof(Scalar(0), Scalar(0)),
    )
    signature = sign_digest(base_hash, head_digest(base_hash, unsigned_head), key_share, rng)
    return parts, replace(unsigned_head, signature=signature)


def _check_place(
    manifest: Manifest,
    verification_keys: Sequence[Point],
    earlier: Sequence[int],
    contest_id: str,
    position: int,
    trustee: int,
) -> None:
    if manifest.contest(contest_id).count != "mix":
        raise ProtocolError(f"contest {contest_id!r} is not counted by mixing")
    if position != len(earlier) + 1:
        raise ProtocolError(
            f"contest {contest_id!r}: the next mix is at position {len(earlier) + 1}, "
            f"not {position}"
        )
    if not 1 <= trustee <= len(verification_keys):
        raise ProtocolError(f"trustee {trustee} is not a trustee of this election")
    if trustee in earlier:
        raise ProtocolError(f"trustee {trustee} has already mixed contest {contest_id!r}")


def check_part(
    manifest: Manifest,
    base_hash: bytes,
    verification_keys: Sequence[Point],
    earlier: Sequence[int],
    rows_in: int,
    part: MixPart,
) -> bytes:
    """Raise unless ``part`` may stand on the board now: at its contest's next position
    (``earlier``: the trustees who mixed the contest, by position), by a trustee of the
    election who has not mixed it, rows as wide as the contest's encrypted options and at
    most :func:`part_rows` of them, within the mix's ``rows_in`` rows, and the trustee's
    signature.  Return its digest."""
    _check_place(manifest, verification_keys, earlier, part.contest, part.position, part.trustee)
    _check_shape(manifest, part.contest, [len(row) for row in part.rows])
    _check_span(part.contest, part.offset, len(part.rows), rows_in)
    digest = part_digest(base_hash, part)
    what = (
        f"part {part.index} of mix {part.position} of contest {part.contest!r} "
        f"by trustee {part.trustee}"
    )
    check_digest_signature(
        base_hash, verification_keys[part.trustee - 1], digest, part.signature, what
    )
    return digest


def assemble(
    base_hash: bytes,
    head: MixHead,
    parts: Mapping[bytes, MixPart],
    refused: Mapping[bytes, int] | None = None,
) -> Mix:
    """The mix a head closes, from the valid parts on the board (``parts``: digest ->
    part; ``refused``: digest -> event number of parts on the board that are not valid):
    every part it names, at its index, with the same contest, position and trustee, each
    starting where the one before ended."""
    offset = 0
    chosen: list[MixPart] = []
    for index, digest in enumerate(head.parts):
        part = parts.get(digest)
        if part is None and refused and digest in refused:
            raise ProtocolError(
                f"mix {head.position} of contest {head.contest!r}: part {index} "
                f"({digest.hex()[:16]}…) is event {refused[digest]}, which is not a valid part"
            )
        if part is None:
            raise ProtocolError(
                f"mix {head.position} of contest {head.contest!r}: part {index} "
                f"({digest.hex()[:16]}…) is not on the board"
            )
        if (part.contest, part.position, part.trustee) != (
            head.contest,
            head.position,
            head.trustee,
        ):
            raise ProtocolError(
                f"mix {head.position} of contest {head.contest!r}: part {index} belongs "
                f"to mix {part.position} of contest {part.contest!r} by trustee {part.trustee}"
            )
        if part.index != index or part.offset != offset:
            raise ProtocolError(
                f"mix {head.position} of contest {head.contest!r}: part {index} is part "
                f"{part.index} from row {part.offset}, not part {index} from row {offset}"
            )
        offset += len(part.rows)
        chosen.append(part)
    if not chosen:
        raise ProtocolError(f"mix {head.position} of contest {head.contest!r} names no part")
    try:
        proof = ShuffleProof(
            permutation_commitment=tuple(p for part in chosen for p in part.permutation_commitment),
            chain=tuple(p for part in chosen for p in part.chain),
            challenge=head.challenge,
            s1=head.s1,
            s2=head.s2,
            s3=head.s3,
            s4=head.s4,
            s_hat=tuple(s for part in chosen for s in part.s_hat),
            s_prime=tuple(s for part in chosen for s in part.s_prime),
        )
    except EncodingError as exc:
        raise InvalidProof(f"mix {head.position} of contest {head.contest!r}: {exc}") from None
    return Mix(
        head.contest,
        head.position,
        head.trustee,
        tuple(part_row for part in chosen for part_row in part.rows),
        proof,
        head_digest(base_hash, head),
    )


def check_head(
    manifest: Manifest,
    base_hash: bytes,
    verification_keys: Sequence[Point],
    earlier: Sequence[int],
    head: MixHead,
) -> None:
    """The checks of :func:`check_mix` that need the head alone: its place and its
    trustee's signature (what turns away anyone but the trustee before any part or any
    earlier row is read)."""
    _check_place(manifest, verification_keys, earlier, head.contest, head.position, head.trustee)
    what = f"mix {head.position} of contest {head.contest!r} by trustee {head.trustee}"
    key = verification_keys[head.trustee - 1]
    check_digest_signature(base_hash, key, head_digest(base_hash, head), head.signature, what)


def check_mix(
    manifest: Manifest,
    base_hash: bytes,
    public_key: Point,
    verification_keys: Sequence[Point],
    previous: Rows,
    earlier: Sequence[int],
    head: MixHead,
    parts: Mapping[bytes, MixPart],
    *,
    verify: ShuffleVerifier = verify_shuffle,
    refused: Mapping[bytes, int] | None = None,
) -> Mix:
    """Raise unless ``head`` closes the next mix of its contest's chain: its place (as
    for a part), the parts it names (:func:`assemble`), rows of the input's shape, the
    trustee's signature on :func:`head_digest`, and the proof of shuffle of ``previous``
    (``verify``, last: the dearest check by far).  Return the mix."""
    check_head(manifest, base_hash, verification_keys, earlier, head)
    if not previous:
        raise ProtocolError(f"contest {head.contest!r}: there are no counted ballots to mix")
    mix = assemble(base_hash, head, parts, refused)
    if len(mix.rows) != len(previous) or any(len(r) != len(previous[0]) for r in mix.rows):
        raise ProtocolError(
            f"contest {head.contest!r}: a mix must output {len(previous)} rows of "
            f"{len(previous[0])} ciphertexts"
        )
    context = mix_context(base_hash, head.contest, head.position, head.trustee)
    verify(context, public_key, previous, mix.rows, mix.proof)
    return mix
