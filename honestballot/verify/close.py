"""The close of an election with re-voting protection, as ``verify`` reads it
(docs/coercion.md §5, §6): the trustees' signed objects assembled from the board, then
stage A replayed by protocol/close_a.py, the one function the trustees and the service
run too."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace

from honestballot.errors import HonestBallotError, InvalidProof
from honestballot.protocol.ballot_v2 import CastRow
from honestballot.protocol.close_a import (
    CloseItem,
    CloseKeys,
    CloseRecordError,
    Failure,
    StageAInputs,
    stage_a_inputs,
)
from honestballot.protocol.close_b import (
    Close,
    PaperList,
    StageBInputs,
    run_close,
    stage_b_inputs,
)
from honestballot.protocol.dkg_verify import ElectionKey
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.encrypted_roll import RollRow
from honestballot.protocol.padding import Padding
from honestballot.protocol.registration import Registration
from honestballot.record.close import (
    ClosePart,
    assemble,
    close_part_from_json,
    close_round_from_json,
    close_step_from_json,
)
from honestballot.record.events import EventLine
from honestballot.record.paper import paper_lists

#: the checks of stage A with a remedy (docs/coercion.md §5.5): they name a party, and the
#: count goes on without what they drop.  The first five are about the trustees' objects:
#: one that fails them is not taken (the service should have refused it), and the close goes
#: on with those taken
REMEDIED_A = (
    "close.signatures",
    "close.steps",
    "mix.proofs",
    "tags.proofs",
    "close.trustees",
    "registrations.unique",
    "close.cover",
    "close.counters",
    "close.dummy",
    "close.credential",
    "roll.handles",
    "close.revocation",
    "close.voters",
    "close.activation",
    "close.units",
    "roll.counts",
    "close.paper",
    "close.rounds",
    "close.stalled",
)


def round_failures(stage: Close, announced: Sequence[Announced], now_ms: int) -> list[Failure]:
    """``close.rounds``: the rounds the service announced are the rounds the close opened,
    each where it opened; ``close.stalled``: the open round's deadline has passed by
    ``now_ms`` (the record's last tree head), naming its steps and who acted."""
    out: list[Failure] = [
        Failure(
            "close.rounds", "service",
            f"event {a.seq}: round {a.round}'s deadline ({a.deadline_ms} ms since 1970) is not "
            f"after the event's own time ({a.time_ms})",
        )
        for a in announced
        if a.deadline_ms <= a.time_ms
    ]  # fmt: skip
    said = [(a.round, a.objects_before) for a in announced]
    if said != list(stage.opened):
        out.append(
            Failure(
                "close.rounds", "service",
                f"the rounds announced (round, objects before it) {said} are not the rounds "
                f"the close opened {list(stage.opened)}",
            )
        )  # fmt: skip
    if not stage.done and announced and announced[-1].round == stage.round:
        deadline = announced[-1].deadline_ms
        if now_ms > deadline:
            steps = "; ".join(
                f"{s.kind} of {s.list} done by {list(s.done_by) or 'nobody'}" for s in stage.next
            )
            out.append(
                Failure(
                    "close.stalled", f"round {stage.round}",
                    f"its deadline ({deadline} ms since 1970) passed before the record's last "
                    f"tree head or this check, and it still lacks trustees: {steps}",
                )
            )  # fmt: skip
    return out


#: the trustees' close objects: the first one on the board ends the paper uploads
CLOSE_OBJECTS = ("close-part", "close-step")


def counting_paper_lists(
    events: Iterable[EventLine],
    unit_order: Sequence[str],
    stations: Sequence[str],
    unit_of: Sequence[tuple[str, int]],
) -> tuple[tuple[PaperList, ...], dict[str, int]]:
    """The paper lists the close counts (docs/coercion.md §5.4, "Paper lists"), from the
    record's events in board order: per paper station (``stations``) its last ``paper``
    event before the first close object (record/paper.py's ``paper_lists``; the
    ``sequence`` the board checks makes the last the highest), in manifest unit order; and
    each paper station's number of paper events there (the result's ``uploads``).  A paper
    event of a unit that is no paper station is not counted (verify/paper.py names it);
    one that does not parse is :class:`RecordFormatError` (the board refuses it first)."""
    before: list[EventLine] = []
    for ev in events:
        if ev.kind in CLOSE_OBJECTS:
            break
        if ev.kind == "paper":
            before.append(ev)
    where = dict(unit_of)
    counted = [
        (unit, upload)
        for unit, upload in paper_lists(before, unit_order)
        if unit in stations and unit in where
    ]
    uploads = {u: 0 for u in stations}
    for ev in before:
        unit = ev.body.get("unit")
        if isinstance(unit, str) and unit in uploads:
            uploads[unit] += 1
    lists = tuple(
        PaperList(
            unit,
            where[unit],
            tuple(v.handle for v in upload.voters),
            upload.protocol.in_box,
            tuple(
                (f"{c.id}/{option}", n) for c in upload.protocol.contests for option, n in c.counts
            ),
        )
        for unit, upload in counted
    )
    return lists, uploads


def close_keys(key: ElectionKey) -> CloseKeys:
    """The keys the close is checked against, from the setup's key ceremony."""
    y1, y2 = key.tag_keys
    return CloseKeys(
        key.threshold, key.verification_keys, y1.verification_keys, y2.verification_keys
    )


@dataclass
class CloseReading:
    """What the record's close says, or why it cannot be read."""

    #: the close as far as the record goes (None when its inputs cannot be read)
    close: Close | None = None
    #: (check, what) for every failure that makes the record invalid
    errors: list[tuple[str, str]] = field(default_factory=list)
    #: the close objects (steps) read, in board order
    steps: int = 0
    #: the rounds the service announced (``close-round``), in board order
    announced: list[Announced] = field(default_factory=list)
    #: stage A's inputs from the board (None when they cannot be read)
    inputs: StageAInputs | None = None
    #: stage B's (None when they cannot be read): the result's paper member needs them
    b_inputs: StageBInputs | None = None
    #: the ``seq`` of each object's ``close-step``, in board order
    seqs: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Announced:
    """A ``close-round`` event: the round the service says opened, its deadline, and how
    many objects of the close stood before it; the event's ``seq`` and time."""

    round: str
    deadline_ms: int
    objects_before: int
    seq: int
    time_ms: int = 0


class CloseReader:
    """The close's events read in board order, one at a time (so the service can keep one
    and feed it only what is new): the objects assembled from their parts, the rounds the
    service announced, and a failure naming the service for every part or step that cannot
    be read: a signature that does not verify, a malformed body, a step whose parts are not
    all on the board before it, a part already on the board (nobody but the operator can
    post such things, so they are skipped and named, never a failure of the record,
    docs/coercion.md §5.1)."""

    def __init__(self, base_hash: bytes, keys: CloseKeys) -> None:
        self.base_hash = base_hash
        self.keys = keys
        #: the parts not yet named by a step, by digest
        self.parts: dict[bytes, ClosePart] = {}
        #: the digest of every part read (the service stores a part once: a repeat is named)
        self.seen: set[bytes] = set()
        self.items: list[CloseItem] = []
        #: the ``seq`` of each object's step
        self.seqs: list[int] = []
        self.failures: list[Failure] = []
        self.announced: list[Announced] = []
        #: the last event read, and the number of ``close-step`` events read (taken or not)
        self.last_seq = -1
        self.steps = 0

    def feed(self, ev: EventLine) -> None:
        self.last_seq = max(self.last_seq, ev.seq)
        path = f"event {ev.seq}.body"
        try:
            if ev.kind == "close-part":
                part = close_part_from_json(self.base_hash, self.keys.election, ev.body, path)
                if part.digest in self.seen:
                    self.failures.append(
                        Failure(
                            "close.steps", "service",
                            f"{path}: the part {part.digest.hex()[:16]}… is already on the board",
                        )
                    )  # fmt: skip
                    return
                self.seen.add(part.digest)
                self.parts[part.digest] = part
            elif ev.kind == "close-step":
                self.steps += 1
                step = close_step_from_json(self.base_hash, self.keys.election, ev.body, path)
                item = assemble(step, self.parts, path)
                for digest in step.parts:  # a part serves one object
                    self.parts.pop(digest, None)
                self.items.append(item)
                self.seqs.append(ev.seq)
            elif ev.kind == "close-round":
                round_, deadline = close_round_from_json(ev.body, path)
                self.announced.append(
                    Announced(round_, deadline, len(self.items), ev.seq, ev.time_ms)
                )
        except InvalidProof as exc:
            self.failures.append(Failure("close.signatures", "service", str(exc)))
        except HonestBallotError as exc:
            self.failures.append(Failure("close.steps", "service", f"{path}: {exc}"))


def read_close_items(base_hash: bytes, keys: CloseKeys, events: Iterable[EventLine]) -> CloseReader:
    """Every close event of ``events``, in board order, read (:class:`CloseReader`)."""
    reader = CloseReader(base_hash, keys)
    for ev in events:
        reader.feed(ev)
    return reader


def read_close(
    ctx: ElectionContext,
    key: ElectionKey,
    events: Sequence[EventLine],
    rows: Sequence[CastRow],
    registrations: Sequence[Registration],
    padding: Padding,
    roll: Sequence[RollRow],
    units: Sequence[tuple[str, int]],
    *,
    paper: Sequence[PaperList] = (),
    paper_stations: Sequence[str] = (),
    unit_of: Sequence[tuple[str, int]] = (),
    proven: Collection[int] = (),
    verified_before: int = 0,
) -> CloseReading:
    """The close from the board: its inputs (``rows`` and ``registrations`` in board
    order, ``padding``, the encrypted ``roll`` and its reporting units with their voters,
    the paper stations' lists, the paper stations and the reporting unit of every manifest
    unit) and the trustees' objects among ``events``; the proofs of the objects at the
    positions ``proven`` (taken by an earlier reading of the same board) whose events are
    among the first ``verified_before`` are not checked again."""
    out = CloseReading()
    keys = close_keys(key)
    try:
        reader = read_close_items(ctx.base_hash, keys, events)
        out.steps = len(reader.items)
        out.announced = reader.announced
        out.seqs = reader.seqs
        inputs = stage_a_inputs(ctx, rows, registrations, padding)
        out.inputs = inputs
        b_inputs = stage_b_inputs(
            registrations, roll, units, paper=paper, paper_stations=paper_stations,
            unit_of=unit_of,
        )  # fmt: skip
        out.b_inputs = b_inputs
        taken = {p for p in proven if p < len(reader.seqs) and reader.seqs[p] < verified_before}
        close = run_close(ctx, keys, inputs, b_inputs, reader.items, proven=taken)
        out.close = replace(close, failures=(*reader.failures, *close.failures))
    except CloseRecordError as exc:
        out.errors.append((exc.check, str(exc)))
    except HonestBallotError as exc:
        out.errors.append(("close.inputs", str(exc)))
    return out
