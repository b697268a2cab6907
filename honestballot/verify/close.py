"""The close of an election with re-voting protection, as ``verify`` reads it
(docs/coercion.md §5, §6): the trustees' signed objects assembled from the board, then
stage A replayed by protocol/close_a.py, the one function the trustees and the service
run too."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from honestballot.errors import HonestBallotError, InvalidProof
from honestballot.protocol.ballot_v2 import CastRow
from honestballot.protocol.close_a import (
    CloseItem,
    CloseKeys,
    CloseRecordError,
    Failure,
    StageA,
    run_stage_a,
    stage_a_inputs,
)
from honestballot.protocol.dkg_verify import ElectionKey
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.padding import Padding
from honestballot.protocol.registration import Registration
from honestballot.record.close import (
    ClosePart,
    assemble,
    close_part_from_json,
    close_step_from_json,
)
from honestballot.record.events import EventLine

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
)


def close_keys(key: ElectionKey) -> CloseKeys:
    """The keys the close is checked against, from the setup's key ceremony."""
    y1, y2 = key.tag_keys
    return CloseKeys(
        key.threshold, key.verification_keys, y1.verification_keys, y2.verification_keys
    )


@dataclass
class CloseReading:
    """What the record's close says, or why it cannot be read."""

    #: stage A as far as the record goes (None when an object breaks the record)
    stage_a: StageA | None = None
    #: (check, what) for every failure that makes the record invalid
    errors: list[tuple[str, str]] = field(default_factory=list)
    #: the close objects (steps) read, in board order
    steps: int = 0


def read_close_items(
    base_hash: bytes, keys: CloseKeys, events: Iterable[EventLine]
) -> tuple[list[CloseItem], list[Failure]]:
    """The objects of the close, assembled from their ``close-part`` and ``close-step``
    events in board order, and a failure naming the service for each part or step whose
    signature does not verify (it is not taken: nobody but the trustee can sign it).
    :class:`CloseRecordError` naming ``record.format`` for a malformed one."""
    parts: dict[bytes, ClosePart] = {}
    items: list[CloseItem] = []
    failures: list[Failure] = []
    for ev in events:
        path = f"event {ev.seq}.body"
        try:
            if ev.kind == "close-part":
                part = close_part_from_json(base_hash, keys.election, ev.body, path)
                parts[part.digest] = part
            elif ev.kind == "close-step":
                step = close_step_from_json(base_hash, keys.election, ev.body, path)
                items.append(assemble(step, parts, path))
        except InvalidProof as exc:
            failures.append(Failure("close.signatures", "service", str(exc)))
        except HonestBallotError as exc:
            raise CloseRecordError("record.format", str(exc)) from None
    return items, failures


def read_close(
    ctx: ElectionContext,
    key: ElectionKey,
    events: Sequence[EventLine],
    rows: Sequence[CastRow],
    registrations: Sequence[Registration],
    padding: Padding,
) -> CloseReading:
    """Stage A from the board: its inputs (``rows`` and ``registrations`` in board order,
    ``padding``) and the trustees' objects among ``events``."""
    out = CloseReading()
    keys = close_keys(key)
    try:
        items, unsigned = read_close_items(ctx.base_hash, keys, events)
        out.steps = len(items)
        inputs = stage_a_inputs(ctx, rows, registrations, padding)
        stage = run_stage_a(ctx, keys, inputs, items)
        out.stage_a = replace(stage, failures=(*unsigned, *stage.failures))
    except CloseRecordError as exc:
        out.errors.append((exc.check, str(exc)))
    except HonestBallotError as exc:
        out.errors.append(("close.inputs", str(exc)))
    return out
