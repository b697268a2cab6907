"""Stage A of the close: the last ballot of every credential (docs/coercion.md §5.3).

After ``close`` and the padding, ``k`` trustees take the board's cast rows and padding
rows (``A.rows``) and registrations (``A.registrations``) through fixed steps:

==============  ===================================================================
round           steps (each needs exactly ``k`` distinct trustees)
==============  ===================================================================
A-mix           a mix chain of ``A.rows`` and one of ``A.registrations``
A-tag           ``y1`` tag shares of ``A.tags`` (the ``Enc(tau)`` column of both last
                mixes); ``y1`` shares of the cover points ``Q_i``
A-tag-dec       decryption of the combined tags
A-offset        one offset per joined group (its rows' tag is a registration's)
A-count         decryption of the offset counters; each group's winner is its highest
A-check         decryption of the winners' flags; equivalence of each winner's
                ``Enc(sigma)`` with its registration's
A-check-dec     decryption of the equivalence sums
A-fallback      only for groups whose winner failed: flags and equivalence of every
                row of those groups, then (A-fallback-dec) the sums' decryption
==============  ===================================================================

**One function reads it all.**  :func:`run_stage_a` takes the inputs from the board and
the objects the trustees published, in board order, checks every object's proof as it
comes, derives each step's inputs from the steps before (the rules of docs/coercion.md
§5.7), and returns either the steps still open (with their inputs: what a trustee acts
on, :func:`act`) or the outcome: each joined group's winner, and the named failures.  The
trustees, the service, ``close-status`` and ``verify`` run this same function, so the plan
is fixed by the record alone.

**A step takes exactly** ``k`` **objects**, from ``k`` distinct trustees; the next round
opens when every step of the current one has them.  An object for a step that is not open
(a later round's, a complete step's, a trustee's second) breaks the record
(``close.steps``), as does a proof that fails (``mix.proofs``, ``tags.proofs``,
``close.trustees`` for offsets, equivalence and decryption shares).  An honest service
refuses such objects before they reach the board.  The ``k`` shares of a step are summed
(offsets, equivalence) or combined by Lagrange (tags, decryptions): with exactly ``k``
distinct trustees, one of whom is honest under the threshold assumption, a sum is uniform.

**Failures with a remedy** (docs/coercion.md §5.5) do not stop the run: they drop a group,
name the service, and go on (:class:`Failure`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Final, Literal, Protocol, TypeVar

from honestballot.crypto.chaum_pedersen import EqualityProof, prove_equality, verify_equality
from honestballot.crypto.elgamal import Ciphertext
from honestballot.crypto.equivalence import (
    EquivalenceShare,
    Pair,
    combine_equivalence_shares,
    create_equivalence_share,
    plaintexts_equal,
    prove_equivalence_entry,
    verify_equivalence_share,
)
from honestballot.crypto.group import Point, Scalar, base_mul, sum_points
from honestballot.crypto.hashing import Part, hash_bytes
from honestballot.crypto.offsets import (
    OffsetShare,
    apply_offsets,
    combine_offsets,
    consecutive_order,
    create_offset_share,
    verify_offset_share,
)
from honestballot.crypto.partial_decryption import (
    PartialDecryption,
    combine_partial_decryptions,
    create_partial_decryption,
    verify_partial_decryption_list,
)
from honestballot.crypto.polynomial import lagrange_at_zero
from honestballot.crypto.randomness import Randomness, random_nonzero_scalar
from honestballot.crypto.shuffle import Rows, RowsLike, ShuffleProof, prove_shuffle, shuffle
from honestballot.crypto.shuffle import verify_shuffle as default_verify_shuffle
from honestballot.crypto.tagging import (
    TagShare,
    combine_tag_shares,
    create_tag_share,
    verify_tag_share,
)
from honestballot.errors import InvalidProof, ProtocolError
from honestballot.protocol.ballot_v2 import CastRow
from honestballot.protocol.cover import cover_tag_point
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.mix import ShuffleVerifier
from honestballot.protocol.padding import PADDED_SIZES, Padding
from honestballot.protocol.registration import Registration

LIST_TAG: Final = "close/list"
POINT_TAG_SHARE_TAG: Final = "point-tag-share"
MIX_CONTEXT: Final = "close-mix"
DECRYPTION_CONTEXT: Final = "close-decryption"
OFFSET_CONTEXT: Final = "close-offsets"

#: the lists of stage A (docs/coercion.md §5.7)
A_ROWS: Final = "A.rows"
A_REGISTRATIONS: Final = "A.registrations"
A_TAGS: Final = "A.tags"
A_COVER: Final = "A.cover"
A_GROUPS: Final = "A.groups"
A_COUNTERS: Final = "A.counters"
A_FLAGS: Final = "A.flags"
A_PETS: Final = "A.pets"
A_FALLBACK_FLAGS: Final = "A.fallback-flags"
A_FALLBACK_PETS: Final = "A.fallback-pets"

#: the round the close begins with, right after the padding
FIRST_ROUND: Final = "A-mix"
#: how long a round stays open by default before its deadline passes (docs/coercion.md §5.2)
ROUND_DEADLINE_MS: Final = 24 * 3600 * 1000

#: the columns of a row of ``A.rows`` (docs/coercion.md §5.3) and of ``A.registrations``
TAG, CREDENTIAL, COUNTER, FLAG = 0, 1, 2, 3

StepKind = Literal["mix", "tag", "point-tag", "offset", "decrypt", "equivalence"]


class CloseRecordError(ProtocolError):
    """The close's objects break the record: ``check`` names what fails (docs/coercion.md
    §6), the message says where.  No remedy: the record is invalid."""

    def __init__(self, check: str, message: str) -> None:
        super().__init__(f"{check}: {message}")
        self.check = check


# -- lists ------------------------------------------------------------------------------


def list_hash(base_hash: bytes, name: str, rows: RowsLike) -> bytes:
    """``hash_bytes("close/list", B base, T name, L(L(ct, … per column), … per row))``,
    ``ct`` being ``L(P alpha, P beta)``: what every proof about a list binds."""
    return hash_bytes(
        LIST_TAG, base_hash, name, [[(ct.alpha, ct.beta) for ct in row] for row in rows]
    )


def column(rows: RowsLike, index: int) -> tuple[Ciphertext, ...]:
    return tuple(row[index] for row in rows)


def as_rows(cts: Sequence[Ciphertext]) -> Rows:
    """A list of single ciphertexts as a list of rows of one column."""
    return tuple((ct,) for ct in cts)


def pair_rows(pairs: Sequence[Pair]) -> Rows:
    return tuple((a, b) for a, b in pairs)


def contest_width(ctx: ElectionContext) -> int:
    """``W``: the contest ciphertexts of a ballot, so a row of ``A.rows`` is ``4 + W`` wide."""
    return sum(len(c.slot_ids) for c in ctx.manifest.contests)


@dataclass(frozen=True, slots=True)
class StageAInputs:
    """What stage A takes from the board (the check ``close.inputs``)."""

    #: the cast rows in board order, then the padding rows in the padding's order
    rows: Rows
    #: ``(Enc(tau), Enc(sigma), Enc(V), Enc(A))`` per registration, in board order
    registrations: Rows
    #: the number of cover rows the padding states: cover points ``Q_0 … Q_{c-1}``
    cover_rows: int
    #: the number of cast rows (the rest of ``rows`` is the padding's)
    cast_rows: int = 0


def stage_a_inputs(
    ctx: ElectionContext,
    cast_rows: Sequence[CastRow],
    registrations: Sequence[Registration],
    padding: Padding,
) -> StageAInputs:
    """``A.rows`` and ``A.registrations`` from the board's objects, in board order."""
    width = contest_width(ctx)
    rows = tuple(r.columns() for r in cast_rows) + tuple(p.columns(width) for p in padding.rows)
    if any(len(r) != 4 + width for r in rows):
        raise ProtocolError(f"a row of {A_ROWS} is not {4 + width} ciphertexts wide")
    regs = tuple((r.tag, r.credential, r.handle, r.activation) for r in registrations)
    return StageAInputs(rows, regs, padding.cover_rows, len(cast_rows))


# -- the keys ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CloseKeys:
    """The public keys the close is checked against, from the key ceremony: the
    threshold, the election key's verification keys ``X_l`` and the tag keys'
    ``Y1_l``, ``Y2_l`` (trustee ``l`` at index ``l - 1``)."""

    threshold: int
    election: tuple[Point, ...]
    y1: tuple[Point, ...]
    y2: tuple[Point, ...]

    @property
    def trustees(self) -> int:
        return len(self.election)

    def key(self, which: str, trustee: int) -> Point:
        keys = {"x": self.election, "y1": self.y1, "y2": self.y2}[which]
        if not 1 <= trustee <= len(keys):
            raise CloseRecordError("close.trustees", f"trustee {trustee} is not in 1..{len(keys)}")
        return keys[trustee - 1]


@dataclass(frozen=True, slots=True)
class TrusteeKeys:
    """One trustee's shares of ``x``, ``y1`` and ``y2`` (from its secret file)."""

    trustee: int
    x: Scalar = field(repr=False)
    y1: Scalar = field(repr=False)
    y2: Scalar = field(repr=False)


# -- what the trustees publish ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListMix:
    """A trustee's shuffle of a list (the ``position``-th of its chain)."""

    list: str
    position: int
    trustee: int
    rows: Rows
    proof: ShuffleProof


@dataclass(frozen=True, slots=True)
class ListTagShare:
    """A trustee's tag shares of a list's rows with key ``key``."""

    list: str
    key: str
    share: TagShare


@dataclass(frozen=True, slots=True)
class PointTagEntry:
    """``y_j*Q_i`` and the proof that ``log_G Y_j = log_{Q_i}``."""

    image: Point
    proof: EqualityProof


@dataclass(frozen=True, slots=True)
class PointTagShare:
    """A trustee's shares ``y_j*Q_i`` of the cover points ``Q_0 …``, with key ``key``."""

    key: str
    trustee: int
    entries: tuple[PointTagEntry, ...]


@dataclass(frozen=True, slots=True)
class GroupOffsets:
    """A trustee's offsets, one per joined group, in the groups' order."""

    list: str
    share: OffsetShare


@dataclass(frozen=True, slots=True)
class ListEquivalence:
    """A trustee's equivalence shares of a list of pairs."""

    list: str
    share: EquivalenceShare


@dataclass(frozen=True, slots=True)
class ListDecryption:
    """A trustee's decryption factors of a list."""

    list: str
    share: PartialDecryption


CloseItem = ListMix | ListTagShare | PointTagShare | GroupOffsets | ListEquivalence | ListDecryption


def item_step(item: CloseItem) -> tuple[StepKind, str]:
    """The step an object belongs to: its kind and list."""
    if isinstance(item, ListMix):
        return "mix", item.list
    if isinstance(item, ListTagShare):
        return "tag", item.list
    if isinstance(item, PointTagShare):
        return "point-tag", A_COVER
    if isinstance(item, GroupOffsets):
        return "offset", item.list
    if isinstance(item, ListEquivalence):
        return "equivalence", item.list
    return "decrypt", item.list


def item_trustee(item: CloseItem) -> int:
    if isinstance(item, ListMix | PointTagShare):
        return item.trustee
    return item.share.trustee


# -- contexts ---------------------------------------------------------------------------


def mix_context(base_hash: bytes, name: str, position: int, trustee: int) -> tuple[Part, ...]:
    return (base_hash, MIX_CONTEXT, name, position, trustee)


def tag_context(base_hash: bytes, name: str, key: str, digest: bytes) -> tuple[Part, ...]:
    return (base_hash, name, key, digest)


def decryption_context(base_hash: bytes, name: str, digest: bytes) -> tuple[Part, ...]:
    return (base_hash, DECRYPTION_CONTEXT, name, digest)


def offset_context(base_hash: bytes, name: str, digest: bytes) -> tuple[Part, ...]:
    return (base_hash, OFFSET_CONTEXT, name, digest)


def equivalence_context(base_hash: bytes, name: str, digest: bytes) -> tuple[Part, ...]:
    return (base_hash, name, digest)


def point_tag_context(base_hash: bytes, key: str, trustee: int, index: int) -> tuple[Part, ...]:
    return (base_hash, key, trustee, index)


def cover_points(base_hash: bytes, count: int) -> tuple[Point, ...]:
    return tuple(cover_tag_point(base_hash, i) for i in range(count))


def make_point_tag_share(
    base_hash: bytes, key: str, trustee: int, key_share: Scalar, points: Sequence[Point],
    rng: Randomness,
) -> PointTagShare:  # fmt: skip
    """``y_j*Q_i`` for every point, each with its two-base proof (3 multiplications)."""
    public = base_mul(key_share)
    entries = []
    for i, q in enumerate(points):
        image = q * key_share
        proof = prove_equality(
            POINT_TAG_SHARE_TAG, point_tag_context(base_hash, key, trustee, i), key_share,
            public, q, image, rng,
        )  # fmt: skip
        entries.append(PointTagEntry(image, proof))
    return PointTagShare(key, trustee, tuple(entries))


def verify_point_tag_share(
    base_hash: bytes, public: Point, points: Sequence[Point], share: PointTagShare
) -> None:
    who = f"cover point tag shares of trustee {share.trustee}"
    if len(share.entries) != len(points):
        raise InvalidProof(f"{who}: {len(share.entries)} shares for {len(points)} cover points")
    for i, (q, entry) in enumerate(zip(points, share.entries, strict=True)):
        verify_equality(
            POINT_TAG_SHARE_TAG, point_tag_context(base_hash, share.key, share.trustee, i),
            public, q, entry.image, entry.proof, f"{who}, point {i}",
        )  # fmt: skip


def combine_point_tags(shares: Sequence[PointTagShare], trustees: int) -> tuple[Point, ...]:
    if not shares:
        return ()
    lambdas = lagrange_at_zero([s.trustee for s in shares], trustees)
    count = len(shares[0].entries) if shares else 0
    return tuple(
        sum_points([s.entries[i].image * lambdas[s.trustee] for s in shares]) for i in range(count)
    )


# -- steps ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """An open step: what it takes (``kind``, ``list``), its inputs, and who acted."""

    kind: StepKind
    list: str
    #: the rows a mix shuffles, a tag or decryption share covers (one column), or the
    #: pairs of an equivalence step (two columns); empty for offsets and point tags
    inputs: Rows
    #: the trustees whose objects the step holds, in board order
    done_by: tuple[int, ...]
    #: the number of groups (offsets) or cover points (point tags)
    count: int = 0
    key: str = ""
    #: an equivalence step whose every pair each trustee blinds with one exponent (one
    #: commitment per object: ``P.tags``, docs/coercion.md §5.4)
    one_exponent: bool = False


class _Collector(ABC):
    """Takes the objects of one step as they come, each checked, until ``k``."""

    def __init__(self, run: _Run, step: Step, need: int) -> None:
        self.run = run
        self.step = step
        self.need = need
        self.items: list[CloseItem] = []

    @property
    def complete(self) -> bool:
        return len(self.items) >= self.need

    def take(self, item: CloseItem, where: str, *, proven: bool = False) -> None:
        """Add ``item``, checked (its proofs too unless ``proven``: an object this reader
        checked before, on the same board)."""
        trustee = item_trustee(item)
        self.run.keys.key("x", trustee)  # a trustee of the ceremony
        if trustee in self.step.done_by:
            raise CloseRecordError(
                "close.steps",
                f"{where}: trustee {trustee} acted already in step {self.step.kind} "
                f"{self.step.list}",
            )
        self.check(item, where, proven)
        if self.step.one_exponent and isinstance(item, ListEquivalence):
            commitments = {e.commitment for e in item.share.entries}
            if len(commitments) > 1:
                raise CloseRecordError(
                    "close.trustees",
                    f"{where}: trustee {trustee} blinds {self.step.list} with "
                    f"{len(commitments)} exponents: one for the whole list",
                )
            last = len(self.items) + 1 == self.need
            if last and commitments and _blinding_is_zero([*self.items, item]):
                # the k exponents sum to zero: every handle would get the identity as its
                # blinded tag, and no listing could join its roll row
                raise CloseRecordError(
                    "close.trustees",
                    f"{where}: the {self.need} trustees' exponents for {self.step.list} sum "
                    "to zero (their commitments add up to the identity)",
                )
        self.items.append(item)
        self.step = _with(self.step, done_by=(*self.step.done_by, trustee))

    @abstractmethod
    def check(self, item: CloseItem, where: str, proven: bool) -> None:
        """Raise :class:`CloseRecordError` unless ``item`` may be taken by this step."""


def _blinding_is_zero(items: Sequence[CloseItem]) -> bool:
    """Whether the trustees' one-exponent objects of a list blind it with ``z = 0``: the
    sum of their commitments ``Z_t = z_t·G`` is the identity."""
    shares = [i.share for i in items if isinstance(i, ListEquivalence)]
    return sum_points([s.entries[0].commitment for s in shares if s.entries]).is_identity()


def _with(step: Step, **changes: object) -> Step:
    return replace(step, **changes)  # type: ignore[arg-type]


class _Run:
    """One reading of the close's objects (:func:`run_stage_a`)."""

    def __init__(
        self,
        ctx: ElectionContext,
        keys: CloseKeys,
        inputs: StageAInputs,
        items: Sequence[CloseItem],
        verify_shuffle: ShuffleVerifier | None,
        proven: Collection[int] = (),
    ) -> None:
        self.ctx = ctx
        self.proven = frozenset(proven)
        self.keys = keys
        self.inputs = inputs
        self.items = items
        self.cursor = 0
        self.verify_shuffle: ShuffleVerifier = verify_shuffle or default_verify_shuffle
        self.failures: list[Failure] = []
        #: the objects not taken (each named among the failures)
        self.ignored: list[int] = []
        #: (round, the number of objects before it) of every round opened
        self.opened: list[tuple[str, int]] = []

    # - the rounds -

    def round(self, name: str, collectors: Sequence[_Collector]) -> bool:
        """Round ``name``: feed the objects that follow into ``collectors`` until each is
        complete; False when the record ends first.  A round with anything to take is
        **opened** at this point of the record (its deadline's place, docs/coercion.md §5.2)."""
        open_ = {(c.step.kind, c.step.list): c for c in collectors if not c.complete}
        if open_:
            self.opened.append((name, self.cursor))
        while open_:
            if self.cursor >= len(self.items):
                return False
            item = self.items[self.cursor]
            where = f"close object {self.cursor}"
            self.cursor += 1
            collector = open_.get(item_step(item))
            try:
                if collector is None:
                    kind, name = item_step(item)
                    raise CloseRecordError(
                        "close.steps", f"{where}: {kind} of {name} belongs to no open step"
                    )
                collector.take(item, where, proven=self.cursor - 1 in self.proven)
            except CloseRecordError as exc:
                # not taken: the service should have refused it (named), and the close
                # goes on with the objects that are taken
                self.failures.append(Failure(exc.check, "service", str(exc)))
                self.ignored.append(self.cursor - 1)
                continue
            if collector.complete:
                del open_[(collector.step.kind, collector.step.list)]
        return True


@dataclass(frozen=True, slots=True)
class Failure:
    """A failure with a remedy (docs/coercion.md §5.5): the check, the party named, what."""

    check: str
    party: str
    detail: str


@dataclass(frozen=True, slots=True)
class Winner:
    """A joined group's counted row: its ``y1`` tag, its row in the last mix of
    ``A.rows``, and the row of the registration it joined in the last mix of
    ``A.registrations``."""

    tag: Point
    row: int
    registration: int


@dataclass(frozen=True, slots=True)
class StageA:
    """What the record says of stage A so far."""

    #: the steps still open (empty once the stage is over)
    next: tuple[Step, ...]
    #: the round they belong to ("A-mix" … "A-fallback-dec"), or "done"
    round: str
    failures: tuple[Failure, ...]
    #: each joined group's winner, in ascending byte order of its tag (once done)
    winners: tuple[Winner, ...] = ()
    #: the last mixes' rows (once mixed): what stage B takes its rows from
    rows: Rows = ()
    registrations: Rows = ()
    #: the number of close objects the stage read from the record
    consumed: int = 0
    #: the positions of the objects it did not take (each named among ``failures``)
    ignored: tuple[int, ...] = ()
    #: (round, the number of objects before it) of every round opened so far, in order:
    #: where the service posts each round's deadline (``close-round``)
    opened: tuple[tuple[str, int], ...] = ()
    #: the cover rows found (A4: one row with a cover point's tag each), once done
    cover: int = 0

    @property
    def done(self) -> bool:
        return not self.next


# - collectors per kind -


class _MixCollector(_Collector):
    def __init__(self, run: _Run, name: str, rows: Rows, need: int) -> None:
        super().__init__(run, Step("mix", name, rows, ()), need)

    def check(self, item: CloseItem, where: str, proven: bool) -> None:
        assert isinstance(item, ListMix)
        position = len(self.items) + 1
        if item.position != position:
            raise CloseRecordError(
                "close.steps", f"{where}: mix of {item.list} at position {item.position}, "
                f"expected {position}",
            )  # fmt: skip
        self.run.keys.key("x", item.trustee)
        previous = self.step.inputs
        context = mix_context(self.run.ctx.base_hash, item.list, position, item.trustee)
        try:
            if len(item.rows) != len(previous):
                raise InvalidProof(f"{len(item.rows)} rows out of {len(previous)}")
            if not proven:
                self.run.verify_shuffle(
                    context, self.run.ctx.public_key, previous, item.rows, item.proof
                )
        except (InvalidProof, ProtocolError) as exc:
            raise CloseRecordError("mix.proofs", f"{where}: {exc}") from None
        self.step = _with(self.step, inputs=item.rows)


class _ShareCollector(_Collector):
    def __init__(
        self, run: _Run, kind: StepKind, name: str, inputs: Rows, need: int, *,
        count: int = 0, key: str = "", one_exponent: bool = False,
    ) -> None:  # fmt: skip
        super().__init__(run, Step(kind, name, inputs, (), count, key, one_exponent), need)
        self.digest = list_hash(run.ctx.base_hash, name, inputs)

    def check(self, item: CloseItem, where: str, proven: bool) -> None:
        base = self.run.ctx.base_hash
        trustee = item_trustee(item)
        if proven:
            self._shape(item, where)
            return
        try:
            if isinstance(item, ListTagShare):
                if item.key != self.step.key:
                    raise InvalidProof(f"tag shares with key {item.key!r}, not {self.step.key!r}")
                verify_tag_share(
                    tag_context(base, item.list, item.key, self.digest),
                    self.run.keys.key(item.key, trustee), column(self.step.inputs, 0),
                    item.share,
                )  # fmt: skip
            elif isinstance(item, PointTagShare):
                if item.key != self.step.key:
                    raise InvalidProof(f"point tag shares with key {item.key!r}")
                points = cover_points(base, self.step.count)
                verify_point_tag_share(base, self.run.keys.key(item.key, trustee), points, item)
            elif isinstance(item, GroupOffsets):
                verify_offset_share(
                    offset_context(base, item.list, self.digest), self.run.ctx.public_key,
                    self.step.count, item.share,
                )  # fmt: skip
                if any(o.ciphertext.alpha.is_identity() for o in item.share.offsets):
                    raise InvalidProof(f"offsets of trustee {trustee}: randomness zero")
            elif isinstance(item, ListEquivalence):
                pairs = [(r[0], r[1]) for r in self.step.inputs]
                verify_equivalence_share(
                    equivalence_context(base, item.list, self.digest), pairs, item.share
                )
                self.run.keys.key("x", trustee)
            else:
                assert isinstance(item, ListDecryption)
                verify_partial_decryption_list(
                    decryption_context(base, item.list, self.digest),
                    self.run.keys.key("x", trustee), column(self.step.inputs, 0), item.share,
                )  # fmt: skip
        except InvalidProof as exc:
            check = "tags.proofs" if isinstance(item, ListTagShare | PointTagShare) else (
                "close.trustees"
            )  # fmt: skip
            raise CloseRecordError(check, f"{where}: {exc}") from None
        except CloseRecordError:
            raise
        except ProtocolError as exc:
            raise CloseRecordError("close.trustees", f"{where}: {exc}") from None

    def _shape(self, item: CloseItem, where: str) -> None:
        """What a proven object must still match: its key and its number of entries."""
        if isinstance(item, ListTagShare | PointTagShare) and item.key != self.step.key:
            raise CloseRecordError("tags.proofs", f"{where}: tag shares with key {item.key!r}")
        count = (
            len(item.entries) if isinstance(item, PointTagShare)
            else len(item.share.offsets) if isinstance(item, GroupOffsets)
            else len(item.share.entries)  # type: ignore[union-attr]
        )  # fmt: skip
        wanted = self.step.count if isinstance(item, PointTagShare | GroupOffsets) else len(
            self.step.inputs
        )  # fmt: skip
        if count != wanted:
            raise CloseRecordError("close.trustees", f"{where}: {count} entries for {wanted}")

    def decrypted(self) -> tuple[Point, ...]:
        shares = [i.share for i in self.items if isinstance(i, ListDecryption)]
        return combine_partial_decryptions(
            column(self.step.inputs, 0), shares, self.need, self.run.keys.trustees
        )


def run_stage_a(
    ctx: ElectionContext,
    keys: CloseKeys,
    inputs: StageAInputs,
    items: Sequence[CloseItem],
    verify_shuffle: ShuffleVerifier | None = None,
    *,
    proven: Collection[int] = (),
) -> StageA:
    """Read stage A from the board's inputs and the close's objects in board order:
    the steps still open with their inputs, or the winners and the named failures.

    Raise :class:`CloseRecordError` naming the check when an object breaks the record.
    Objects after stage A's last step are left for stage B (``consumed`` says where
    they begin).  The proofs of the objects at the positions ``proven`` are not checked
    again: objects this reader took before, on the same board (the service, which checked
    each as it came, reads the board again for the next)."""
    run = _Run(ctx, keys, inputs, items, verify_shuffle, proven)
    return _stage_a(run)


def _pending(run: _Run, round_: str, collectors: Sequence[_Collector]) -> StageA:
    return StageA(
        tuple(c.step for c in collectors if not c.complete), round_, tuple(run.failures),
        consumed=run.cursor, ignored=tuple(run.ignored), opened=tuple(run.opened),
    )  # fmt: skip


def _stage_a(run: _Run) -> StageA:
    k = run.keys.threshold
    inputs = run.inputs

    # A-mix
    mixes = [
        _MixCollector(run, A_ROWS, inputs.rows, k if inputs.rows else 0),
        _MixCollector(run, A_REGISTRATIONS, inputs.registrations, k if inputs.registrations else 0),
    ]
    if not run.round("A-mix", mixes):
        return _pending(run, "A-mix", mixes)
    rows, regs = mixes[0].step.inputs, mixes[1].step.inputs

    # A-tag
    tag_inputs = as_rows(column(rows, TAG) + column(regs, TAG))
    tags = _ShareCollector(run, "tag", A_TAGS, tag_inputs, k if tag_inputs else 0, key="y1")
    cover = _ShareCollector(
        run, "point-tag", A_COVER, (), k if inputs.cover_rows else 0,
        count=inputs.cover_rows, key="y1",
    )  # fmt: skip
    if not run.round("A-tag", [tags, cover]):
        return _pending(run, "A-tag", [tags, cover])
    tag_shares = [i.share for i in tags.items if isinstance(i, ListTagShare)]
    combined = as_rows(_combine_tags(tag_shares, k, run.keys.trustees)) if tag_shares else ()
    cover_tags = set(
        combine_point_tags(
            [i for i in cover.items if isinstance(i, PointTagShare)], run.keys.trustees
        )
    )

    # A-tag-dec
    tag_dec = _ShareCollector(run, "decrypt", A_TAGS, combined, k if combined else 0)
    if not run.round("A-tag-dec", [tag_dec]):
        return _pending(run, "A-tag-dec", [tag_dec])
    points = tag_dec.decrypted() if combined else ()
    row_tags, reg_tags = points[: len(rows)], points[len(rows) :]

    # A4: group and join
    groups, cover_found = _groups(run, row_tags, reg_tags, cover_tags)
    if cover_found < inputs.cover_rows:
        run.failures.append(
            Failure(
                "close.cover", "service",
                f"the padding states {inputs.cover_rows} cover rows; the close finds "
                f"{cover_found}",
            )
        )  # fmt: skip
    order = sorted(groups, key=lambda t: t.data)
    position = {t: i for i, t in enumerate(reg_tags)}
    reg_of = {t: position[t] for t in order}

    # A-offset
    counted = len(order)
    offsets = _ShareCollector(run, "offset", A_GROUPS, rows, k if counted else 0, count=counted)
    if not run.round("A-offset", [offsets]):
        return _pending(run, "A-offset", [offsets])
    shares = [i.share for i in offsets.items if isinstance(i, GroupOffsets)]
    group_rows = [groups[t] for t in order]
    if counted:
        total = combine_offsets(shares, k, run.keys.trustees)
        counters = apply_offsets([[rows[p][COUNTER] for p in g] for g in group_rows], total)
    else:
        counters = ()

    # A-count
    flat = as_rows([ct for g in counters for ct in g])
    count_dec = _ShareCollector(run, "decrypt", A_COUNTERS, flat, k if flat else 0)
    if not run.round("A-count", [count_dec]):
        return _pending(run, "A-count", [count_dec])
    values = iter(count_dec.decrypted() if flat else ())
    ordered: dict[Point, tuple[int, ...]] = {}  # tag -> its rows from lowest counter
    for tag, g in zip(order, group_rows, strict=True):
        walk = [next(values) for _ in g]
        try:
            ordered[tag] = tuple(g[i] for i in consecutive_order(walk))
        except ProtocolError as exc:
            run.failures.append(
                Failure("close.counters", "service", f"group {tag.data.hex()}: {exc}")
            )
    kept = [t for t in order if t in ordered]

    # A-check
    def flags_and_pets(picks: Sequence[tuple[Point, int]]) -> tuple[Rows, Rows]:
        flags = as_rows([rows[p][FLAG] for _, p in picks])
        pets = pair_rows([(rows[p][CREDENTIAL], regs[reg_of[t]][CREDENTIAL]) for t, p in picks])
        return flags, pets

    picks = [(t, ordered[t][-1]) for t in kept]
    results = _check_round(run, "A-check", A_FLAGS, A_PETS, *flags_and_pets(picks))
    if isinstance(results, StageA):
        return results
    winners: dict[Point, int] = {}
    failing: list[Point] = []
    for (tag, p), (flag_ok, pet_ok) in zip(picks, results, strict=True):
        if flag_ok and pet_ok:
            winners[tag] = p
            continue
        failing.append(tag)
        if not flag_ok:
            run.failures.append(
                Failure(
                    "close.dummy", "service", f"group {tag.data.hex()}: its winner is no ballot"
                )
            )
        if not pet_ok:
            run.failures.append(
                Failure(
                    "close.credential", "service",
                    f"group {tag.data.hex()}: its winner's voting point is not its registration's",
                )
            )  # fmt: skip

    # A-fallback: every row of the failing groups, at once
    if failing:
        picks = [(t, p) for t in failing for p in ordered[t]]
        results = _check_round(
            run, "A-fallback", A_FALLBACK_FLAGS, A_FALLBACK_PETS, *flags_and_pets(picks)
        )
        if isinstance(results, StageA):
            return results
        for (tag, p), (flag_ok, pet_ok) in zip(picks, results, strict=True):
            if flag_ok and pet_ok:
                winners[tag] = p  # rows in counter order: the last that passes wins
        # a failing group none of whose rows passes is dropped (named above)
    return StageA(
        (), "done", tuple(run.failures),
        tuple(Winner(t, winners[t], reg_of[t]) for t in order if t in winners),
        rows, regs, run.cursor, tuple(run.ignored), tuple(run.opened), cover_found,
    )  # fmt: skip


def _combine_tags(shares: Sequence[TagShare], k: int, n: int) -> tuple[Ciphertext, ...]:
    return combine_tag_shares(shares, k, n)


def _groups(
    run: _Run, row_tags: Sequence[Point], reg_tags: Sequence[Point], cover_tags: set[Point]
) -> tuple[dict[Point, tuple[int, ...]], int]:
    """A4: the joined groups, tag -> the positions of its rows in the last mix of
    ``A.rows`` (ascending), and the number of cover rows found (each one row with a
    cover point's tag); cover groups and the rest dropped, the rest named."""
    seen: dict[Point, int] = {}
    for t in reg_tags:
        seen[t] = seen.get(t, 0) + 1
    shared = {t for t, n in seen.items() if n > 1}
    for t in sorted(shared, key=lambda p: p.data):
        run.failures.append(
            Failure(
                "registrations.unique", "service",
                f"{seen[t]} registrations share the tag {t.data.hex()}; none is used",
            )
        )  # fmt: skip
    by_tag: dict[Point, list[int]] = {}
    for p, t in enumerate(row_tags):
        by_tag.setdefault(t, []).append(p)
    joined: dict[Point, tuple[int, ...]] = {}
    cover = 0
    for t in sorted(by_tag, key=lambda p: p.data):
        positions = tuple(by_tag[t])
        if t in seen and t not in shared:
            if len(positions) not in PADDED_SIZES:
                raise CloseRecordError(
                    "padding.shape",
                    f"the group {t.data.hex()} has {len(positions)} rows, not a padded size",
                )
            joined[t] = positions
        elif t in shared:
            continue
        elif t in cover_tags and len(positions) == 1:
            cover += 1
        else:
            run.failures.append(
                Failure(
                    "close.cover", "service",
                    f"a group of {len(positions)} row(s) with the tag {t.data.hex()} joins no "
                    "registration and is not one cover row",
                )
            )  # fmt: skip
    return joined, cover


def _check_round(
    run: _Run, round_: str, flags_name: str, pets_name: str, flags: Rows, pets: Rows
) -> list[tuple[bool, bool]] | StageA:
    """A-check (or A-fallback) and its decryption round: per pick, (flag is 0, the
    voting points test equal)."""
    k = run.keys.threshold
    if not flags:
        return []
    flag_dec = _ShareCollector(run, "decrypt", flags_name, flags, k)
    pet = _ShareCollector(run, "equivalence", pets_name, pets, k)
    if not run.round(round_, [flag_dec, pet]):
        return _pending(run, round_, [flag_dec, pet])
    eq = [i.share for i in pet.items if isinstance(i, ListEquivalence)]
    sums = as_rows(combine_equivalence_shares(eq, k, run.keys.trustees))
    pet_dec = _ShareCollector(run, "decrypt", pets_name, sums, k)
    if not run.round(f"{round_}-dec", [pet_dec]):
        return _pending(run, f"{round_}-dec", [pet_dec])
    flag_points = flag_dec.decrypted()
    equal = [plaintexts_equal(p) for p in pet_dec.decrypted()]
    return [(f.is_identity(), e) for f, e in zip(flag_points, equal, strict=True)]


# -- acting -----------------------------------------------------------------------------


def act(ctx: ElectionContext, step: Step, keys: TrusteeKeys, rng: Randomness) -> CloseItem:
    """Trustee ``keys.trustee``'s object for an open ``step`` (from :func:`run_stage_a`'s
    ``next``): what it publishes."""
    base, j = ctx.base_hash, keys.trustee
    if j in step.done_by:
        raise ProtocolError(f"trustee {j} acted already in step {step.kind} {step.list}")
    digest = list_hash(base, step.list, step.inputs)
    if step.kind == "mix":
        position = len(step.done_by) + 1
        rows, witness = shuffle(ctx.public_key, step.inputs, rng)
        context = mix_context(base, step.list, position, j)
        proof = prove_shuffle(context, ctx.public_key, step.inputs, rows, witness, rng)
        return ListMix(step.list, position, j, rows, proof)
    if step.kind == "tag":
        key = keys.y1 if step.key == "y1" else keys.y2
        share = create_tag_share(
            tag_context(base, step.list, step.key, digest), j, key, column(step.inputs, 0), rng
        )
        return ListTagShare(step.list, step.key, share)
    if step.kind == "point-tag":
        key = keys.y1 if step.key == "y1" else keys.y2
        return make_point_tag_share(base, step.key, j, key, cover_points(base, step.count), rng)
    if step.kind == "offset":
        offsets = create_offset_share(
            offset_context(base, step.list, digest), j, ctx.public_key, step.count, rng
        )
        return GroupOffsets(step.list, offsets)
    if step.kind == "equivalence":
        pairs = [(r[0], r[1]) for r in step.inputs]
        context = equivalence_context(base, step.list, digest)
        if step.one_exponent:  # one exponent for every pair: the list's tags comparable
            z = random_nonzero_scalar(rng)
            blinded = EquivalenceShare(
                j,
                tuple(
                    prove_equivalence_entry(context, j, i, pair, z, rng)
                    for i, pair in enumerate(pairs)
                ),
            )
        else:
            blinded = create_equivalence_share(context, j, pairs, rng)
        return ListEquivalence(step.list, blinded)
    decryption = create_partial_decryption(
        decryption_context(base, step.list, digest), j, keys.x, column(step.inputs, 0), rng
    )
    return ListDecryption(step.list, decryption)


class _Reading(Protocol):
    @property
    def done(self) -> bool: ...

    @property
    def next(self) -> tuple[Step, ...]: ...

    @property
    def ignored(self) -> tuple[int, ...]: ...


R = TypeVar("R", bound=_Reading)


def act_to_end(
    ctx: ElectionContext,
    read: Callable[[Sequence[CloseItem], Collection[int]], R],
    threshold: int,
    trustees: Mapping[int, TrusteeKeys],
    rng: Randomness,
    *,
    items: Sequence[CloseItem] = (),
    choose: Callable[[Step], Sequence[int]] | None = None,
    check: bool = True,
) -> tuple[R, list[CloseItem]]:
    """Every open step acted on by the trustees (``choose(step)`` picks who, by default
    the lowest-indexed who have not acted), reading the close with ``read(published,
    proven)`` after each round, until it is over: the outcome and every object published,
    in order.  What honest trustees do, in one process (tests, benchmarks and the demo).

    With ``check`` (the default) every reading checks every object's proofs; with
    ``check=False`` the first reading checks the objects given (``items``), and the later
    ones take as proven what a reading took and what this run made itself, up to the first
    object a reading did not take, so a benchmark times the trustees' work without
    checking it over and over."""
    published = list(items)
    proven: Collection[int] = ()
    while True:
        state = read(published, proven)
        if state.done:
            return state, published
        for step in state.next:
            who = choose(step) if choose else [t for t in sorted(trustees) if t not in step.done_by]
            for j in list(who)[: threshold - len(step.done_by)]:
                item = act(ctx, step, trustees[j], rng)
                published.append(item)
                if isinstance(item, ListMix):  # the next mixer shuffles this output
                    step = replace(step, inputs=item.rows, done_by=(*step.done_by, j))
        if not check:  # what the reading took, and what this run made, up to one not taken
            proven = range(min(state.ignored, default=len(published)))


def run_to_end(
    ctx: ElectionContext,
    keys: CloseKeys,
    inputs: StageAInputs,
    trustees: Mapping[int, TrusteeKeys],
    rng: Randomness,
    *,
    items: Sequence[CloseItem] = (),
    choose: Callable[[Step], Sequence[int]] | None = None,
    check: bool = True,
) -> tuple[StageA, list[CloseItem]]:
    """Stage A acted on to its end by honest trustees (:func:`act_to_end`)."""
    return act_to_end(
        ctx, lambda published, proven: run_stage_a(ctx, keys, inputs, published, proven=proven),
        keys.threshold, trustees, rng, items=items, choose=choose, check=check,
    )  # fmt: skip
