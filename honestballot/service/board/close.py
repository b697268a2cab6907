"""The close of an election with re-voting protection, as the service takes it from the
trustees (docs/coercion.md §5; protocol/close_a.py, record/close.py).

A trustee sends its objects as the lines of a close file (``honestballot trustee
close-round``): ``close-part`` lines, then the ``close-step`` that names them.  A part is
stored once its signature verifies (a part sent again is not stored twice).  A step is
stored only if the object it names, assembled from its parts, is accepted by stage A read
from the board with it appended: it belongs to a step that is open, by a trustee who has
not acted in it, and every proof verifies.  So the board never holds an object that
breaks the record, and every reader of the board reaches the one outcome.

The service coordinates only in time; the plan is the record's (protocol/close_a.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from honestballot.errors import HonestBallotError, InvalidInput, ProtocolError
from honestballot.protocol.board import BoardRules, CloseObjectEvent, Phase
from honestballot.protocol.close_a import (
    CloseItem,
    CloseRecordError,
    StageA,
    StageAInputs,
    item_step,
    run_stage_a,
    stage_a_inputs,
)
from honestballot.record.close import (
    ClosePart,
    CloseStep,
    assemble,
    close_part_from_json,
    close_step_from_json,
)
from honestballot.record.codec import Reader, parse_json
from honestballot.record.events import MAX_LINE_BYTES
from honestballot.record.revoting import (
    cast_row_from_json,
    padding_from_json,
    registration_from_json,
)
from honestballot.service.board.election import ElectionService
from honestballot.verify.close import close_keys

KINDS = ("close-part", "close-step")


@dataclass(frozen=True, slots=True)
class Accepted:
    """What a line of a close file did."""

    kind: str
    step: str
    list: str
    trustee: int
    stored: bool
    #: for a step: the round stage A is in once it is on the board ("done" at the end)
    round: str = ""


class CloseSteps:
    """Takes the trustees' objects of the close; reads stage A from the board."""

    def __init__(self, elections: ElectionService) -> None:
        self.elections = elections
        self.store = elections.store
        self._lock = threading.Lock()
        #: election -> its stage A inputs (fixed once the padding is on the board)
        self._inputs: dict[str, StageAInputs] = {}
        #: election -> how many of its close objects this process checked already
        self._proven: dict[str, int] = {}

    # -- reading the board ------------------------------------------------------------

    def _events(self, election_id: str, kinds: tuple[str, ...]) -> list[Any]:
        return [
            parse_json(ev.line, limit=MAX_LINE_BYTES)
            for ev in self.store.iter_events(election_id, kinds=kinds)
        ]

    def inputs(self, election_id: str) -> StageAInputs:
        """``A.rows`` and ``A.registrations`` from the board: its cast rows and
        registrations in board order, then the padding."""
        with self._lock:
            cached = self._inputs.get(election_id)
        if cached is not None:
            return cached
        ctx = self.elections.context(election_id)
        rows, registrations, padding = [], [], None
        for line in self._events(election_id, ("cast-row", "registration", "padding")):
            body, p = line["body"], f"event {line['seq']}.body"
            if line["kind"] == "cast-row":
                rows.append(cast_row_from_json(body["row"], f"{p}.row"))
            elif line["kind"] == "registration":
                registrations.append(registration_from_json(body["registration"], p))
            else:
                padding = padding_from_json(body["padding"], f"{p}.padding")[1]
        if padding is None:
            raise ProtocolError(  # English only: trustees act only after the padding
                f"election {election_id!r} has no padding on its board yet: the close's "
                "steps begin after it"
            )
        inputs = stage_a_inputs(ctx, rows, registrations, padding)
        with self._lock:
            self._inputs[election_id] = inputs
        return inputs

    def _parts(self, election_id: str, digests: list[bytes]) -> dict[bytes, ClosePart]:
        ctx, keys = self.elections.context(election_id), self._keys(election_id)
        found = self.store.parts_by_digest(election_id, "close-part", digests)
        return {
            d: close_part_from_json(
                ctx.base_hash, keys.election,
                parse_json(ev.line, limit=MAX_LINE_BYTES)["body"], f"event {ev.seq}.body",
            )
            for d, ev in found.items()
        }  # fmt: skip

    def _keys(self, election_id: str) -> Any:
        return close_keys(self.elections.election_key(election_id))

    def items(self, election_id: str) -> list[CloseItem]:
        """Every close object on the board, in board order, assembled from its parts."""
        ctx, keys = self.elections.context(election_id), self._keys(election_id)
        steps = [
            close_step_from_json(ctx.base_hash, keys.election, line["body"], f"event {line['seq']}")
            for line in self._events(election_id, ("close-step",))
        ]
        parts = self._parts(election_id, [d for s in steps for d in s.parts])
        return [assemble(s, parts, f"step {i}") for i, s in enumerate(steps)]

    def _count(self, election_id: str) -> int:
        return len(self.store.part_digests(election_id, "close-step"))

    def state(self, election_id: str, extra: CloseItem | None = None) -> StageA:
        """Stage A as the board has it (with ``extra`` appended, when given)."""
        ctx, keys = self.elections.context(election_id), self._keys(election_id)
        items = self.items(election_id)
        with self._lock:
            proven = min(self._proven.get(election_id, 0), len(items))
        if extra is not None:
            items.append(extra)
        state = run_stage_a(ctx, keys, self.inputs(election_id), items, proven=proven)
        # what this reading checked, up to the first object it did not take
        checked = min([len(items) - (extra is not None), *state.ignored])
        with self._lock:
            self._proven[election_id] = max(proven, checked)
        return state

    # -- taking a line ----------------------------------------------------------------

    def submit_line(self, election_id: str, line: bytes | str) -> Accepted:
        """One line of a trustee's close file: ``{"kind": "close-part" | "close-step",
        "body": …}``."""
        r = Reader(parse_json(line, limit=MAX_LINE_BYTES), "close file line")
        kind = r.text("kind", max_len=16)
        body = r.raw("body")
        r.done()
        if kind not in KINDS:
            raise InvalidInput(  # English only: a close file, written by honestballot trustee
                f"a close file line is a 'close-part' or a 'close-step', not {kind!r}"
            )
        self._check_place(election_id, kind)
        ctx, keys = self.elections.context(election_id), self._keys(election_id)
        try:
            if kind == "close-part":
                part = close_part_from_json(ctx.base_hash, keys.election, body, "close part")
                return self._take_part(election_id, part, body)
            step = close_step_from_json(ctx.base_hash, keys.election, body, "close step")
        except HonestBallotError as exc:
            raise InvalidInput(str(exc)) from None  # English only: a close file's checks
        return self._take_step(election_id, step, body)

    def _check_place(self, election_id: str, kind: str) -> None:
        rules = BoardRules(
            phase=Phase(self.elections.phase(election_id)),
            schedule=self.elections.board_keys(election_id).schedule,
            padded=True,
        )
        rules.check(CloseObjectEvent(kind, 1))
        self.inputs(election_id)  # the padding is on the board

    def _take_part(self, election_id: str, part: ClosePart, body: Any) -> Accepted:
        p = part.place
        accepted = Accepted("close-part", p.step, p.list, p.trustee, True)
        if self.store.parts_by_digest(election_id, "close-part", [part.digest]):
            return Accepted("close-part", p.step, p.list, p.trustee, False)
        with self.store.transaction(election_id) as conn:
            if self.store.has_part(conn, election_id, "close-part", part.digest):
                return Accepted("close-part", p.step, p.list, p.trustee, False)
            self.elections._append(conn, election_id, "close-part", body, part.digest)
        self.elections.publish_tree_head(election_id)
        return accepted

    def _take_step(self, election_id: str, step: CloseStep, body: Any) -> Accepted:
        parts = self._parts(election_id, list(step.parts))
        try:
            item = assemble(step, parts, "close step")
        except HonestBallotError as exc:
            raise InvalidInput(str(exc)) from None  # English only: a close file's checks
        kind, name = item_step(item)
        before = self.state(election_id)
        if before.done:
            raise ProtocolError(  # English only: honestballot trustee close-round reads it
                "stage A of the close is over, and stage B is not built yet: nothing more is taken"
            )
        try:
            after = self.state(election_id, item)
        except CloseRecordError as exc:
            raise InvalidInput(str(exc)) from None  # English only: the close's checks
        if after.ignored and after.ignored[-1] == self._count(election_id):
            # the close would not take it: the reason is the last failure named
            raise InvalidInput(after.failures[-1].detail)  # English only: the close's checks
        steps_before = len(self.store.part_digests(election_id, "close-step"))
        with self.store.transaction(election_id) as conn:
            # another trustee's step came in between: the caller sends it again, checked
            # against the board as it now is
            if len(self.store.part_digests(election_id, "close-step", conn)) != steps_before:
                raise ProtocolError(  # English only: honestballot trustee sends it again
                    "another step of the close came in meanwhile: send the step again"
                )
            self.elections._append(conn, election_id, "close-step", body, step.digest)
        self.elections.publish_tree_head(election_id)
        return Accepted("close-step", kind, name, step.place.trustee, True, after.round)
