"""Paper results of a polling station: the commission's signed counting protocol and the
list of the voters it issued a paper ballot to (issue 16, item 2; docs/record-format.md §6,
"Paper results").

Only in an election with re-voting protection (an encrypted roll), and only for a unit
whose station has paper voting.  The commission holds the station's **paper roll** (one
line per voter of its unit with the voter's handle point ``V``, exported by the organiser)
and, after the count, makes one upload (``honestballot commission paper``):

- ``sequence``: the upload's number for its unit (1, 2, ...; the board takes only the
  next one, so an old upload cannot be replayed);
- ``previous``: the :func:`paper_digest` of the unit's upload this one corrects (its
  ``sequence`` − 1, as on the board), or none for the first (the board takes only the one
  naming its last, so a service that drops a correction cannot post the next one);
- ``protocol``: the station's counting protocol -- ballots received, issued, spoiled,
  unused, found in the box, and per contest of the manifest (in order) the invalid ballots
  and the count of every encrypted option (``Contest.options``, in ballot order);
- ``voters``: ``Enc(V)`` (point ElGamal under the election key) of every voter issued a
  paper ballot, in an order drawn uniformly at random, each with a proof of randomness at
  the place ``(B, "paper", hash_bytes("paper/place", B, unit), "handle", i)``;
- ``signature``: the commission's Schnorr signature (its station's ``commission_key``)
  under tag ``paper/signature``, context ``(B, key)``, on
  ``hash_bytes("paper/digest", B, canonical body without "signature")``.

The arithmetic (:func:`check_protocol`), the proofs and the signature
(:func:`verify_paper_upload`) are checked by the service on upload and by ``verify`` on
replay; where a ``paper`` event may stand, its sequence and the paper deadline are board
rules (protocol/board.py, ``check_paper``, ``check_paper_deadline``).  The commission's
tool keeps the upload's opening (:func:`check_opening`) sealed with the signed paper
roll.  A contest counted by mixing cannot be counted on paper yet
(:func:`check_countable`).

This module does not know JSON: the canonical body without the signature, which the
signature covers, is given by the caller (record/paper.py, :func:`unsigned_body`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Final

from honestballot.crypto.elgamal import Ciphertext, encrypt_point
from honestballot.crypto.group import Point, Scalar, base_mul
from honestballot.crypto.hashing import hash_bytes
from honestballot.crypto.plaintext_awareness import (
    RandomnessProof,
    prove_randomness,
    verify_randomness,
)
from honestballot.crypto.randomness import Randomness, random_nonzero_scalar, random_permutation
from honestballot.crypto.schnorr import SchnorrProof, sign, verify_signature
from honestballot.errors import InvalidInput, InvalidProof, ProtocolError, Text
from honestballot.protocol.manifest import Contest, Manifest

PAPER_PLACE: Final = "paper"
PLACE_TAG: Final = "paper/place"
DIGEST_TAG: Final = "paper/digest"
SIGNATURE_TAG: Final = "paper/signature"
#: every number of a protocol is an integer 0 … 2^53 − 1 (docs/record-format.md §1)
MAX_NUMBER: Final = (1 << 53) - 1
#: the most voters one station's list holds (a reader's bound: stations are far smaller)
MAX_PAPER_VOTERS: Final = 100_000


@dataclass(frozen=True, slots=True)
class ContestCount:
    """One contest of a counting protocol: invalid ballots, and (option, count) of every
    encrypted option in ballot order."""

    id: str
    invalid: int
    counts: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class PaperProtocol:
    """A station's counting protocol."""

    received: int
    issued: int
    spoiled: int
    unused: int
    in_box: int
    contests: tuple[ContestCount, ...]

    @property
    def taken_away(self) -> int:
        """Ballots issued but not found in the box."""
        return self.issued - self.in_box


@dataclass(frozen=True, slots=True)
class PaperVoter:
    """``Enc(V)`` of a voter issued a paper ballot, with its proof of randomness."""

    handle: Ciphertext
    proof: RandomnessProof


@dataclass(frozen=True, slots=True)
class PaperUpload:
    """A ``paper`` event's content."""

    unit: str
    #: 1 for the unit's first upload, then each next one + 1 (signed: an old upload
    #: replayed carries an old number, and the board refuses it)
    sequence: int
    #: the :func:`paper_digest` of the unit's upload number ``sequence`` − 1, which this
    #: one corrects; None for the first (signed: the board takes only the one naming the
    #: unit's last upload on it)
    previous: bytes | None
    protocol: PaperProtocol
    voters: tuple[PaperVoter, ...]
    signature: SchnorrProof
    #: the commission declares these results final (signed): the board takes no more
    #: uploads of the unit, and the close need not wait for the paper deadline for it
    final: bool = False


#: per upload row: the index of the voter's handle in the commission's list and the
#: encryption's randomness (the sealed opening)
Opening = tuple[tuple[int, Scalar], ...]

#: the canonical body of an upload without its ``signature`` (record/paper.py)
Unsigned = Callable[[PaperUpload], bytes]


def check_countable(manifest: Manifest) -> None:
    """:class:`ProtocolError` if a contest of the election is counted by mixing (or
    ranked): its paper ballots could not be added to its count, so no paper upload is
    taken."""
    for contest in manifest.contests:
        if contest.count == "mix" or contest.ranked:
            message = (
                f"contest {contest.id!r} is counted by mixing: paper results cannot be "
                "combined with it yet, so this election takes no paper results"
            )
            raise ProtocolError(Text("paper.mixed", message, contest=contest.id))


def _number(value: int, what: str) -> None:
    if not 0 <= value <= MAX_NUMBER:
        message = f"{what} must be a whole number from 0 to {MAX_NUMBER}"
        raise InvalidInput(Text("paper.number", message, what=what, most=MAX_NUMBER))


def check_issued_on_roll(issued: int, on_roll: int | None) -> None:
    """No more ballots issued (voters listed) than the unit's ``on_roll`` voters on the
    roll (None: not known)."""
    if on_roll is not None and issued > on_roll:
        message = (
            f"ballots issued ({issued}) cannot be more than the unit's voters on the roll "
            f"({on_roll})"
        )
        raise InvalidInput(Text("paper.issued_roll", message, issued=issued, on_roll=on_roll))


def check_protocol(
    manifest: Manifest, protocol: PaperProtocol, voters: int, on_roll: int | None
) -> None:
    """The protocol's arithmetic (``paper.protocol``), for a list of ``voters`` voters in a
    unit with ``on_roll`` voters on the roll (the roll summary's; None while it is not
    known, as on the commission's machine without the board): :class:`InvalidInput`
    naming the first rule broken, in the commission's language."""
    p = protocol
    for what, value in (
        ("received", p.received),
        ("issued", p.issued),
        ("spoiled", p.spoiled),
        ("unused", p.unused),
        ("in_box", p.in_box),
    ):
        _number(value, what)
    if p.received != p.issued + p.spoiled + p.unused:
        message = (
            f"ballots received ({p.received}) must equal issued ({p.issued}) + spoiled "
            f"({p.spoiled}) + unused ({p.unused})"
        )
        raise InvalidInput(
            Text(
                "paper.received", message, received=p.received, issued=p.issued,
                spoiled=p.spoiled, unused=p.unused,
            )
        )  # fmt: skip
    if p.in_box > p.issued:
        message = f"ballots in the box ({p.in_box}) cannot be more than issued ({p.issued})"
        raise InvalidInput(Text("paper.in_box", message, in_box=p.in_box, issued=p.issued))
    if p.issued != voters:
        message = (
            f"ballots issued ({p.issued}) must equal the voters listed as issued a ballot "
            f"({voters})"
        )
        raise InvalidInput(Text("paper.issued", message, issued=p.issued, voters=voters))
    check_issued_on_roll(p.issued, on_roll)
    expected = [c.id for c in manifest.contests]
    given = [c.id for c in p.contests]
    if given != expected:
        message = (
            f"the protocol must list the contests {', '.join(expected)} in this order, "
            f"not {', '.join(given) or 'none'}"
        )
        raise InvalidInput(
            Text("paper.contests", message, expected=", ".join(expected), given=", ".join(given))
        )
    for contest, count in zip(manifest.contests, p.contests, strict=True):
        options = [o.id for o in contest.options]
        named = [o for o, _ in count.counts]
        if named != options:
            message = (
                f"contest {contest.id!r}: the protocol must count the options "
                f"{', '.join(options)} in this order"
            )
            raise InvalidInput(
                Text("paper.options", message, contest=contest.id, options=", ".join(options))
            )
        _number(count.invalid, f"{contest.id}: invalid")
        for option, n in count.counts:
            _number(n, f"{contest.id}: {option}")
        if count.invalid > p.in_box:
            message = (
                f"contest {contest.id!r}: invalid ballots ({count.invalid}) cannot be more "
                f"than the ballots in the box ({p.in_box})"
            )
            raise InvalidInput(
                Text(
                    "paper.invalid", message, contest=contest.id, invalid=count.invalid,
                    in_box=p.in_box,
                )
            )  # fmt: skip
        _check_marks(contest, count, p.in_box - count.invalid)


@dataclass(frozen=True, slots=True)
class MarkBounds:
    """What bounds one contest's counts for ``valid`` valid ballots (docs/paper.md, "What
    is public"): every option's count at most ``valid``; the exclusive options' sum
    ``exclusive`` at most ``valid``; the candidates' sum ``marks`` between ``least`` =
    ``max(min_selections, 1)·rest`` and ``most`` = ``max_selections·rest``, ``rest`` the
    valid ballots not marked for an exclusive option.  The board's check and the
    observers' reconciliation lines read the same numbers."""

    valid: int
    exclusive: int
    marks: int
    rest: int
    least: int
    most: int
    #: the largest option count, and its option (the first such, in ballot order)
    largest: int
    largest_option: str

    @property
    def options_hold(self) -> bool:
        return self.largest <= self.valid

    @property
    def exclusive_holds(self) -> bool:
        return self.exclusive <= self.valid

    @property
    def marks_hold(self) -> bool:
        return self.least <= self.marks <= self.most


def mark_bounds(contest: Contest, counts: Sequence[tuple[str, int]], valid: int) -> MarkBounds:
    """:class:`MarkBounds` of ``counts`` (option id, count) for ``valid`` valid ballots."""
    exclusive_ids = {o.id for o in contest.options if o.exclusive}
    e = sum(n for o, n in counts if o in exclusive_ids)
    rest = valid - e
    largest, largest_option = 0, ""
    for option, n in counts:
        if n > largest:
            largest, largest_option = n, option
    return MarkBounds(
        valid=valid, exclusive=e,
        marks=sum(n for o, n in counts if o not in exclusive_ids), rest=rest,
        least=max(contest.min_selections, 1) * rest, most=contest.max_selections * rest,
        largest=largest, largest_option=largest_option,
    )  # fmt: skip


def _check_marks(contest: Contest, count: ContestCount, valid: int) -> None:
    """The bounds of :class:`MarkBounds`, each refused with its own message."""
    b = mark_bounds(contest, count.counts, valid)
    if not b.options_hold:
        message = (
            f"contest {contest.id!r}: option {b.largest_option!r} has {b.largest} votes, more "
            f"than the {valid} valid ballots"
        )
        raise InvalidInput(
            Text(
                "paper.option_count", message, contest=contest.id, option=b.largest_option,
                count=b.largest, valid=valid,
            )
        )  # fmt: skip
    if not b.exclusive_holds:
        message = (
            f"contest {contest.id!r}: the ballots marked for an exclusive option "
            f"({b.exclusive}) cannot be more than the {valid} valid ballots"
        )
        raise InvalidInput(
            Text("paper.exclusive", message, contest=contest.id, exclusive=b.exclusive, valid=valid)
        )
    if not b.marks_hold:
        message = (
            f"contest {contest.id!r}: {b.rest} valid ballots not marked for an exclusive "
            f"option hold from {b.least} to {b.most} marks for candidates, the counts add up "
            f"to {b.marks}"
        )
        raise InvalidInput(
            Text(
                "paper.marks", message, contest=contest.id, valid=b.rest, least=b.least,
                most=b.most, marks=b.marks,
            )
        )  # fmt: skip


def place_id(base_hash: bytes, unit: str) -> bytes:
    """The id of a station's place on the board: ``hash_bytes("paper/place", B, unit)``."""
    return hash_bytes(PLACE_TAG, base_hash, unit)


def handle_place(base_hash: bytes, unit: str, row: int) -> tuple[bytes, str, bytes, str, int]:
    """The context of the proof of randomness of row ``row`` of a station's list."""
    return (base_hash, PAPER_PLACE, place_id(base_hash, unit), "handle", row)


def paper_digest(base_hash: bytes, unsigned: bytes) -> bytes:
    """What the commission signs: ``hash_bytes("paper/digest", B, unsigned body)``."""
    return hash_bytes(DIGEST_TAG, base_hash, unsigned)


def verify_paper_signature(
    base_hash: bytes, station_key: Point, digest: bytes, signature: SchnorrProof, unit: str
) -> None:
    """:class:`InvalidProof` unless ``signature`` is the station's commission's on
    ``digest``."""
    try:
        verify_signature(
            SIGNATURE_TAG,
            (base_hash, station_key),
            digest,
            station_key,
            signature,
            f"the paper results of unit {unit!r}",
        )
    except InvalidProof:
        message = (
            f"the paper results of unit {unit!r} are not signed with the key of the unit's "
            "commission"
        )
        raise InvalidProof(Text("paper.signature", message, unit=unit)) from None


def check_previous(sequence: int, previous: bytes | None) -> None:
    """:class:`InvalidInput` unless the first upload names no previous one and every
    correction names one (a digest of 32 bytes)."""
    if (sequence == 1) != (previous is None) or (previous is not None and len(previous) != 32):
        raise InvalidInput(  # English only: the tool reads the previous digest itself
            f"a paper upload numbered {sequence} names "
            + ("no previous upload" if sequence == 1 else "the digest of the upload it corrects")
        )


def make_paper_upload(
    base_hash: bytes,
    election_key: Point,
    manifest: Manifest,
    unit: str,
    sequence: int,
    protocol: PaperProtocol,
    handles: Sequence[Point],
    commission_secret: Scalar,
    unsigned: Unsigned,
    rng: Randomness,
    on_roll: int | None = None,
    previous: bytes | None = None,
    final: bool = False,
) -> tuple[PaperUpload, Opening]:
    """The commission's upload, the ``sequence``-th of its unit, correcting the upload
    whose digest is ``previous`` (None for the first), declared ``final`` or not (a
    final upload is the unit's last: the board takes no correction after it): the protocol checked,
    every handle encrypted with its proof in an order drawn at random, the whole signed;
    and its opening: per upload row, the index in ``handles`` it encrypts and the
    encryption's randomness (to be kept sealed, :func:`check_opening`)."""
    check_countable(manifest)
    if unit not in manifest.unit_ids():
        message = f"unit {unit!r} is not a unit of the election"
        raise InvalidInput(Text("roll.unit_unknown", message, unit=unit))
    if not 1 <= sequence <= MAX_NUMBER:
        raise InvalidInput(  # English only: the tool numbers the uploads itself
            f"a paper upload's sequence number is 1 or more, not {sequence}"
        )
    check_previous(sequence, previous)
    check_protocol(manifest, protocol, len(handles), on_roll)
    if len({h.data for h in handles}) != len(handles):
        message = "a voter is listed twice: each voter is issued at most one paper ballot"
        raise InvalidInput(Text("paper.twice", message))
    order = random_permutation(rng, len(handles))
    voters = []
    opening = []
    for row, index in enumerate(order):
        r = random_nonzero_scalar(rng)
        ct = encrypt_point(election_key, handles[index], r)
        proof = prove_randomness(handle_place(base_hash, unit, row), election_key, ct, r, rng)
        voters.append(PaperVoter(ct, proof))
        opening.append((index, r))
    placeholder = SchnorrProof(Scalar.of(0), Scalar.of(0))
    upload = PaperUpload(
        unit, sequence, previous, protocol, tuple(voters), placeholder, final=final
    )
    digest = paper_digest(base_hash, unsigned(upload))
    signature = sign(
        SIGNATURE_TAG, (base_hash, base_mul(commission_secret)), digest, commission_secret, rng
    )
    return replace(upload, signature=signature), tuple(opening)


def check_opening(
    election_key: Point, upload: PaperUpload, opening: Opening, handles: Sequence[Point]
) -> None:
    """:class:`ProtocolError` unless the opening opens every row of ``upload``: row ``i``
    is ``Enc(handles[index_i]; r_i)`` with ``(index_i, r_i)`` the opening's row ``i``, and
    no two rows open to one index (an auditor with the sealed opening and the paper roll
    checks that the commission listed the voters who signed for a ballot)."""
    if len(opening) != len(upload.voters):
        raise ProtocolError(  # English only: an auditor's tool, its report in English
            f"the opening has {len(opening)} rows, the upload lists {len(upload.voters)} voters"
        )
    seen: set[int] = set()
    for row, (voter, (index, r)) in enumerate(zip(upload.voters, opening, strict=True)):
        if not 0 <= index < len(handles) or index in seen:
            raise ProtocolError(  # English only: an auditor's tool
                f"row {row}: the opening names no voter of the roll, or one named before"
            )
        seen.add(index)
        if encrypt_point(election_key, handles[index], r) != voter.handle:
            raise ProtocolError(  # English only: an auditor's tool
                f"row {row} does not encrypt the handle its opening names"
            )


def verify_paper_voters(base_hash: bytes, election_key: Point, upload: PaperUpload) -> None:
    """``paper.voters``: the listed ciphertexts' ``alpha``s pairwise distinct (a reused
    randomness would publish the difference of two handles), and every one's proof of
    randomness at its place."""
    alphas: set[Point] = set()
    for row, voter in enumerate(upload.voters):
        alpha = voter.handle.alpha
        if alpha in alphas:
            message = (
                f"the paper results of unit {upload.unit!r}: listed voter {row} is encrypted "
                "with the randomness of another row"
            )
            raise InvalidProof(Text("paper.alpha", message, unit=upload.unit, row=row))
        alphas.add(alpha)
    for row, voter in enumerate(upload.voters):
        try:
            verify_randomness(
                handle_place(base_hash, upload.unit, row),
                election_key,
                voter.handle,
                voter.proof,
                f"voter {row}",
            )
        except InvalidProof:
            message = (
                f"the paper results of unit {upload.unit!r}: the proof of listed voter {row} "
                "does not verify at its place"
            )
            raise InvalidProof(Text("paper.proof", message, unit=upload.unit, row=row)) from None


def verify_paper_upload(
    base_hash: bytes,
    election_key: Point,
    station_key: Point,
    upload: PaperUpload,
    unsigned: Unsigned,
) -> None:
    """The signature by ``station_key`` and every voter's proof (the arithmetic is
    :func:`check_protocol`'s)."""
    digest = paper_digest(base_hash, unsigned(upload))
    verify_paper_signature(base_hash, station_key, digest, upload.signature, upload.unit)
    verify_paper_voters(base_hash, election_key, upload)


def last_per_unit(
    uploads: Sequence[tuple[int, PaperUpload]], unit_order: Sequence[str]
) -> list[tuple[str, PaperUpload]]:
    """The counting upload of each unit: (unit, its upload with the highest sequence
    number), in manifest unit order (``unit_order``), from the ``paper`` events' (seq,
    upload) in board order."""
    last: dict[str, PaperUpload] = {}
    for _, upload in sorted(uploads, key=lambda item: item[0]):
        before = last.get(upload.unit)
        if before is None or upload.sequence > before.sequence:
            last[upload.unit] = upload
    return [(unit, last[unit]) for unit in unit_order if unit in last]
