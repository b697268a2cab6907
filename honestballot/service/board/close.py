"""The close of an election with re-voting protection, as the service takes it from the
trustees (docs/coercion.md §5; protocol/close_a.py, record/close.py).

A trustee sends its objects as the lines of a close file (``honestballot trustee
close-round``): ``close-part`` lines, then the ``close-step`` that names them.  A part is
stored once its signature verifies (a part sent again is not stored twice).  A step is
stored only if the object it names, assembled from its parts, is accepted by the close read
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
from honestballot.protocol.board import (
    CLOSE_BEGINS,
    BoardRules,
    CloseObjectEvent,
    Phase,
    ResultEvent,
)
from honestballot.protocol.close_a import (
    CloseItem,
    CloseKeys,
    CloseRecordError,
    StageAInputs,
    item_step,
    stage_a_inputs,
)
from honestballot.protocol.close_b import Close, StageBInputs, run_close, stage_b_inputs
from honestballot.protocol.close_result import close_result
from honestballot.record.close import (
    ClosePart,
    CloseStep,
    assemble,
    close_part_from_json,
    close_round_body,
    close_step_from_json,
    part_digest,
    step_digest,
)
from honestballot.record.codec import Reader, parse_json
from honestballot.record.events import MAX_LINE_BYTES, event_from_json
from honestballot.record.revoting import (
    cast_row_from_json,
    padding_from_json,
    registration_from_json,
)
from honestballot.record.roll import encrypted_from_json, part_from_json
from honestballot.service.board.election import ElectionService
from honestballot.service.paper import check_close_may_begin
from honestballot.store.sql import Tx
from honestballot.verify.close import CloseReader, close_keys, counting_paper_lists
from honestballot.verify.roll import unit_of, unit_voters
from honestballot.verify.stations import paper_stations

KINDS = ("close-part", "close-step")
#: the events the close's reading takes
CLOSE_KINDS = ("close-round", "close-part", "close-step")


@dataclass(frozen=True, slots=True)
class Accepted:
    """What a line of a close file did."""

    kind: str
    step: str
    list: str
    trustee: int
    stored: bool
    #: for a step: the round the close is in once it is on the board ("done" at the end)
    round: str = ""


@dataclass
class _Reading:
    """What this process has read of one election's close: the reader fed every close
    event up to ``reader.last_seq``, the positions of the objects whose proofs it checked
    and took, and the close it last read (with the number of objects it read)."""

    reader: CloseReader
    proven: frozenset[int] = frozenset()
    state: Close | None = None
    read: int = -1


class CloseSteps:
    """Takes the trustees' objects of the close; reads the close from the board."""

    def __init__(self, elections: ElectionService) -> None:
        self.elections = elections
        self.store = elections.store
        self._lock = threading.Lock()
        #: election -> its stages' inputs (fixed once the padding is on the board)
        self._inputs: dict[str, tuple[StageAInputs, StageBInputs]] = {}
        #: election -> each paper station's number of paper events (the result's
        #: ``uploads``), read with the inputs
        self._uploads: dict[str, dict[str, int]] = {}
        #: election -> this process's reading of its close (a few elections at a time)
        self._readings: dict[str, _Reading] = {}

    # -- reading the board ------------------------------------------------------------

    def inputs(self, election_id: str) -> tuple[StageAInputs, StageBInputs]:
        """The stages' inputs from the board: its cast rows and registrations in board
        order, then the padding; the registrations' revocations; the encrypted roll; the
        paper stations.  Kept once the first close object is on the board."""
        with self._lock:
            cached = self._inputs.get(election_id)
        if cached is not None:
            return cached
        ctx = self.elections.context(election_id)
        rows, registrations, padding, roll = [], [], None, []
        units: tuple[tuple[str, int], ...] = ()
        where: tuple[tuple[str, int], ...] = ()
        stations, papers = [], []
        kinds = ("cast-row", "registration", "padding", "roll-part", "roll", "station", "paper")
        for ev in self.store.iter_events(election_id, kinds=kinds):
            line = parse_json(ev.line, limit=MAX_LINE_BYTES)
            body, p = line["body"], f"event {line['seq']}.body"
            if line["kind"] == "station":
                stations.append(event_from_json(line, "event"))
            elif line["kind"] == "paper":  # the board takes none after a close object
                papers.append(event_from_json(line, "event"))
            elif line["kind"] == "cast-row":
                rows.append(cast_row_from_json(body["row"], f"{p}.row"))
            elif line["kind"] == "registration":
                registrations.append(registration_from_json(body["registration"], p))
            elif line["kind"] == "roll-part":
                roll.extend(part_from_json(body, p)[1])
            elif line["kind"] == "roll":
                encrypted = encrypted_from_json(body["encrypted"], f"{p}.encrypted")
                per_unit = [(str(u["unit"]), int(u["voters"])) for u in body["voters_per_unit"]]
                units = unit_voters(per_unit, encrypted.reporting_units)
                where = unit_of(encrypted.reporting_units)
            else:
                padding = padding_from_json(body["padding"], f"{p}.padding")[1]
        if padding is None:
            raise ProtocolError(  # English only: trustees act only after the padding
                f"election {election_id!r} has no padding on its board yet: the close's "
                "steps begin after it"
            )
        order = [u.id for u in ctx.manifest.units]
        with_paper = paper_stations(stations, order)
        # the paper stations' counting lists (docs/coercion.md §5.4, "Paper lists")
        lists, uploads = counting_paper_lists(papers, order, with_paper, where)
        inputs = (
            stage_a_inputs(ctx, rows, registrations, padding),
            stage_b_inputs(
                registrations, roll, units, paper=lists, paper_stations=with_paper,
                unit_of=where,
            ),
        )  # fmt: skip
        # fixed once a close object is on the board: until then a paper station may still
        # upload its list (docs/coercion.md §5.4; a board rule refuses it afterwards)
        if self.store.events_after(election_id, -1, 1, KINDS):
            with self._lock:
                self._inputs[election_id] = inputs
                self._uploads[election_id] = uploads
        return inputs

    def _keys(self, election_id: str) -> CloseKeys:
        return close_keys(self.elections.election_key(election_id))

    def _reading(self, election_id: str) -> _Reading:
        """This process's reading, fed the close events appended since it last read."""
        with self._lock:
            reading = self._readings.get(election_id)
            if reading is None:
                base = self.elections.context(election_id).base_hash
                reading = _Reading(CloseReader(base, self._keys(election_id)))
                while len(self._readings) >= 4:  # a few elections close at a time
                    self._readings.pop(next(iter(self._readings)))
                self._readings[election_id] = reading
            while True:  # a few events at a time: a part may be tens of MB
                page = self.store.events_after(election_id, reading.reader.last_seq, 4, CLOSE_KINDS)
                if not page:
                    return reading
                for ev in page:
                    line = event_from_json(parse_json(ev.line, limit=MAX_LINE_BYTES), "event")
                    reading.reader.feed(line)

    def stage(self, election_id: str) -> Close:
        """The close as the board has it."""
        return self._state(election_id)[0]

    def _state(self, election_id: str, extra: CloseItem | None = None) -> tuple[Close, int, int]:
        """Stage A as the board has it (with ``extra`` appended, when given), the number
        of objects on the board it read, and the number of ``close-step`` events it read
        (taken or not)."""
        ctx, keys = self.elections.context(election_id), self._keys(election_id)
        reading = self._reading(election_id)
        items = list(reading.reader.items)
        count, steps = len(items), reading.reader.steps
        with self._lock:
            fixed = election_id in self._inputs  # else a paper list may still come
        if extra is None and reading.state is not None and reading.read == steps and fixed:
            return reading.state, count, steps
        if extra is not None:
            items.append(extra)
        a, b = self.inputs(election_id)
        state = run_close(ctx, keys, a, b, items, proven=reading.proven)
        # the objects taken, among those on the board, need not be checked again
        taken = set(range(min(state.consumed, count))) - set(state.ignored)
        with self._lock:
            reading.proven = reading.proven | frozenset(taken)
            if extra is None:
                reading.state, reading.read = state, steps
        return state, count, steps

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
        if not isinstance(body, dict):
            raise InvalidInput("a close file line's body is an object")  # English only: ditto
        # sent again: answered before anything is parsed (its digest is of the raw body)
        digest = (part_digest if kind == "close-part" else step_digest)(ctx.base_hash, body)
        if self.store.parts_by_digest(election_id, kind, [digest]):
            place = Reader(body, "body")
            return Accepted(
                kind, str(body.get("step")), str(body.get("list")),
                place.integer("trustee", minimum=1, maximum=1000), False,
            )  # fmt: skip
        try:
            if kind == "close-part":
                part = close_part_from_json(ctx.base_hash, keys.election, body, "close part")
            else:
                step = close_step_from_json(ctx.base_hash, keys.election, body, "close step")
        except HonestBallotError as exc:
            raise InvalidInput(str(exc)) from None  # English only: a close file's checks
        if kind == "close-part":
            return self._take_part(election_id, part, body)
        return self._take_step(election_id, step, body)

    def _result(self, election_id: str, close: Close) -> dict[str, Any] | None:
        """The result of a close that ``close`` ends (docs/record-format.md §7), or None
        while it goes on.  None too when no result can be computed (a value out of range,
        an inadmissible mixed row: the ballots' proofs rule both out); ``verify`` then
        names the check that fails."""
        if not close.done:
            return None
        try:
            a, b = self.inputs(election_id)
            with self._lock:
                uploads = self._uploads.get(election_id)
            return close_result(self.elections.context(election_id), a, close, b, uploads=uploads)
        except ProtocolError:
            return None

    def _paper_deadline(self, conn: Tx, election_id: str) -> None:
        """Before the close's first object: every paper station has sent its results, or
        24 hours have passed since the ``close`` (docs/paper.md, "The paper deadline");
        once an object is on the board, the close has begun and nothing is to check."""
        if not self.store.has_event(conn, election_id, CLOSE_BEGINS):
            check_close_may_begin(self.elections, conn, election_id, self.elections.clock())

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
        state, _, _ = self._state(election_id)
        step = next((s for s in state.next if (s.kind, s.list) == (p.step, p.list)), None)
        # only parts of an object the close can take now: an open step, a trustee who has
        # not acted in it, no more items than the step covers
        if step is None or p.trustee in step.done_by:
            raise ProtocolError(  # English only: honestballot trustee close-round reads it
                f"no open step of the close takes a part of {p.step} of {p.list} by trustee "
                f"{p.trustee} (the close is in round {state.round})"
            )
        if part.offset + len(part.items) > max(len(step.inputs), step.count):
            raise InvalidInput(  # English only: a close file's checks
                f"a part of {p.step} of {p.list} beyond the step's "
                f"{max(len(step.inputs), step.count)} items"
            )
        with self.store.transaction(election_id) as conn:
            if self.store.has_part(conn, election_id, "close-part", part.digest):
                return Accepted("close-part", p.step, p.list, p.trustee, False)
            self._paper_deadline(conn, election_id)
            self.elections._append(conn, election_id, "close-part", body, part.digest)
        self.elections.publish_tree_head(election_id)
        return Accepted("close-part", p.step, p.list, p.trustee, True)

    def _take_step(self, election_id: str, step: CloseStep, body: Any) -> Accepted:
        reading = self._reading(election_id)
        try:
            item = assemble(step, reading.reader.parts, "close step")
        except HonestBallotError as exc:
            raise InvalidInput(str(exc)) from None  # English only: a close file's checks
        kind, name = item_step(item)
        before, _, _ = self._state(election_id)
        if before.done:
            # a close that is done has its result, unless none could be computed from its
            # decryption (a value out of range, an inadmissible mixed row): verify names it
            published = self.elections.phase(election_id) == Phase.DONE.value
            raise ProtocolError(  # English only: honestballot trustee close-round reads it
                "the close is over and its result published: nothing more is taken"
                if published
                else "the close is over, but its decryption gives no result (honestballot "
                "verify names why): nothing more is taken"
            )
        try:
            after, count, steps = self._state(election_id, item)
        except CloseRecordError as exc:
            raise InvalidInput(str(exc)) from None  # English only: the close's checks
        if count in after.ignored:
            # the close would not take it: the reason is the failure it names
            named = [f for f in after.failures if f"close object {count}:" in f.detail]
            raise InvalidInput(  # English only: the close's checks
                named[-1].detail if named else "the close does not take this object"
            )
        result = self._result(election_id, after)
        with self.store.transaction(election_id) as conn:
            # another step came in after the board was read: the caller sends it again,
            # checked against the board as it now is (under the election's lock)
            if len(self.store.part_digests(election_id, "close-step", conn)) != steps:
                raise ProtocolError(  # English only: honestballot trustee sends it again
                    "another step of the close came in meanwhile: send the step again"
                )
            self._paper_deadline(conn, election_id)
            self.elections._append(conn, election_id, "close-step", body, step.digest)
            # the rounds this step opens (the next one, or none at the end): their deadlines
            now = self.elections.clock()
            for round_, _ in after.opened[len(before.opened) :]:
                deadline = now + self.elections.close_deadline_ms
                self.elections._append(
                    conn, election_id, "close-round", close_round_body(round_, deadline)
                )
            if result is not None:
                # the close's last step: its result, in the same transaction
                rules = BoardRules(
                    phase=Phase.CLOSED,
                    schedule=self.elections.board_keys(election_id).schedule,
                    padded=True,
                )
                rules.apply(ResultEvent())
                self.elections._append(conn, election_id, "result", result)
                self.store.set_phase(conn, election_id, "done")
        self.elections.publish_tree_head(election_id)
        return Accepted("close-step", kind, name, step.place.trustee, True, after.round)
