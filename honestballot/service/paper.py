"""Paper results of the polling stations, as the service takes and shows them
(protocol/paper.py; docs/record-format.md §6, "Paper results").

- :func:`submit_paper`: a commission's upload (``POST /api/e/{id}/stations/{unit}/paper``,
  ``honestballot commission upload``), authenticated by its signature alone: the service
  verifies the whole upload (shape, arithmetic, the station's key, every proof), then
  appends the ``paper`` event under the election's lock, with the board's rules (phase,
  paper station, the unit's next sequence number, none after the unit's final upload, no
  trustee's object of the close yet).
- :func:`check_close_may_begin`: the paper deadline, for the close's service to call before
  a trustee's ``close-part`` or ``close-step``.
- :func:`paper_listing`: per unit, its counting upload (the last), how many were sent,
  whether the last is final, and the reconciliation lines, for ``GET /api/e/{id}/stations``.
- :func:`write_paper_roll`: a station's paper roll, ``line,national_id,handle``, for the
  organiser to print and hand to the commission (``honestballot election paper-roll``).
"""

from __future__ import annotations

import csv
from typing import IO, Any

from honestballot.errors import InvalidInput, ProtocolError, Text
from honestballot.protocol.board import (
    CLOSE_BEGINS,
    BoardRules,
    PaperEvent,
    Phase,
    check_paper_deadline,
    check_phase,
)
from honestballot.protocol.paper import (
    PaperProtocol,
    PaperUpload,
    check_countable,
    check_issued_on_roll,
    check_protocol,
    paper_digest,
    verify_paper_upload,
)
from honestballot.record.codec import parse_json
from honestballot.record.events import MAX_LINE_BYTES, EventLine, event_from_json
from honestballot.record.paper import (
    ROLL_COLUMNS,
    body_digest,
    paper_lists,
    protocol_from_json,
    protocol_to_json,
    unsigned_body,
    upload_from_json,
    upload_to_json,
)
from honestballot.service.board.election import ElectionService
from honestballot.store.sql import Tx

NOT_REVOTING = Text(
    "paper.revoting", "paper results are taken only in an election with re-voting protection"
)


def submit_paper(
    elections: ElectionService, election_id: str, unit: str, body: Any
) -> tuple[int, PaperUpload]:
    """Verify a commission's upload for ``unit`` and append it as a ``paper`` event: its
    sequence number and the upload."""
    ctx = elections.context(election_id)
    if not ctx.revoting:
        raise ProtocolError(NOT_REVOTING)
    check_countable(ctx.manifest)
    # the phase first: a late upload costs no proof
    check_phase(BoardRules(phase=Phase(elections.phase(election_id))), "paper")
    # the unit's station before the body is decoded: nobody else's upload costs much
    if unit not in ctx.manifest.unit_ids():
        message = f"unit {unit!r} is not a unit of the election"
        raise InvalidInput(Text("roll.unit_unknown", message, unit=unit))
    stations = {s.unit: s for s in elections._stations(election_id)}
    station = stations.get(unit)
    if station is None or not station.paper:
        message = f"unit {unit!r} has no polling station with paper voting"
        raise ProtocolError(Text("paper.no_station", message, unit=unit))
    with elections.store.connect() as conn:
        on_roll = _on_roll(elections, conn, election_id, unit)
    # the unit named, and no more listed voters than it has on the roll, before any point
    # is decoded
    given = body.get("unit") if isinstance(body, dict) else None
    if isinstance(given, str) and given != unit:
        _other_unit(given, unit)
    listed = body.get("voters") if isinstance(body, dict) else None
    if isinstance(listed, list):
        check_issued_on_roll(len(listed), on_roll)
    upload = upload_from_json(body, "paper results")
    if upload.unit != unit:
        _other_unit(upload.unit, unit)
    check_protocol(ctx.manifest, upload.protocol, len(upload.voters), on_roll)
    verify_paper_upload(
        ctx.base_hash, ctx.public_key, station.commission_key, upload, unsigned_body
    )
    digest = paper_digest(ctx.base_hash, unsigned_body(upload))
    with elections.store.transaction(election_id) as conn:
        board = paper_board(elections, conn, election_id)
        board.apply(
            PaperEvent(
                unit,
                upload.sequence,
                upload.previous,
                ctx.base_hash,
                digest,
                upload.signature,
                upload.final,
            )
        )
        seq = elections._append(conn, election_id, "paper", upload_to_json(upload))
    elections.publish_tree_head(election_id)
    return seq, upload


def _other_unit(given: str, unit: str) -> None:
    message = f"these paper results are of unit {given!r}, not of {unit!r}"
    raise InvalidInput(Text("paper.unit", message, given=given, unit=unit))


def _on_roll(elections: ElectionService, conn: Tx, election_id: str, unit: str) -> int | None:
    board, _ = elections._board(conn, election_id, roll=True)
    return None if board.roll is None else board.roll.get(unit, 0)


def paper_board(elections: ElectionService, conn: Tx, election_id: str) -> BoardRules:
    """The board as the paper rules read it, under the election's lock: the phase, the
    stations, each unit's number of ``paper`` events, its last one's digest and whether
    that one is final, the ``close``'s time and whether a trustee's object of the close
    is on the board."""
    ctx_base = elections.context(election_id).base_hash
    board, _ = elections._board(conn, election_id)
    board.stations = {
        s.unit: (s.commission_key, s.paper) for s in elections._stations(election_id, conn)
    }
    # a closed election's padding is on the board: it is posted with the close
    board.padded = board.phase is Phase.CLOSED
    board.close_begun = elections.store.has_event(conn, election_id, CLOSE_BEGINS)
    for ev in elections.store.iter_events(election_id, kinds=("paper", "close"), conn=conn):
        if ev.kind == "close":
            board.close_ms = ev.time_ms
            continue
        body = parse_json(ev.line, limit=MAX_LINE_BYTES)["body"]
        unit = str(body["unit"])
        board.paper_events[unit] = board.paper_events.get(unit, 0) + 1
        board.paper_digests[unit] = body_digest(ctx_base, body)
        if body.get("final") is True:
            board.paper_finals.add(unit)
        else:
            board.paper_finals.discard(unit)
    return board


def check_close_may_begin(
    elections: ElectionService, conn: Tx, election_id: str, time_ms: int
) -> None:
    """The paper deadline, for the close's service: call it under the election's lock
    before appending a trustee's ``close-part`` or ``close-step`` at ``time_ms``;
    :class:`ProtocolError` (``paper.deadline``) while a paper station has no results
    declared final and the 24 hours after the ``close`` have not passed (protocol/board.py,
    :func:`check_paper_deadline`)."""
    check_paper_deadline(paper_board(elections, conn, election_id), time_ms)


def _paper_events(elections: ElectionService, election_id: str) -> list[EventLine]:
    return [
        event_from_json(parse_json(ev.line, limit=MAX_LINE_BYTES), f"event {ev.seq}")
        for ev in elections.store.iter_events(election_id, kinds=("paper",))
    ]


def paper_uploads(elections: ElectionService, election_id: str) -> list[tuple[str, PaperUpload]]:
    """The counting upload of each unit (its last ``paper`` event), in manifest order."""
    units = [u.id for u in elections.context(election_id).manifest.units]
    return paper_lists(_paper_events(elections, election_id), units)


def reconciliation(upload: PaperUpload) -> dict[str, Any]:
    """The protocol's control lines, each with whether it holds (the board takes only
    uploads where all do)."""
    return _reconciliation(upload.protocol, len(upload.voters))


def _reconciliation(p: PaperProtocol, voters: int) -> dict[str, Any]:
    return {
        "received": p.received == p.issued + p.spoiled + p.unused,
        "in_box": p.in_box <= p.issued,
        "taken_away": p.taken_away,
        "issued_listed": p.issued == voters,
    }


def paper_listing(elections: ElectionService, election_id: str) -> dict[str, dict[str, Any]]:
    """unit -> its counting protocol (its last ``paper`` event's), how many voters it
    lists, how many ``paper`` events it sent, whether the last one is declared final
    (``final``: no correction can follow), the last one's digest (``last_digest``, what
    the unit's next upload names as ``previous``), and the reconciliation lines; units without
    paper results left out.  Only the protocols are decoded: the listed voters' points and
    proofs, checked when the board took them, are counted, not read (the observers' page
    stays cheap with many stations of many voters)."""
    sent: dict[str, int] = {}
    last: dict[str, EventLine] = {}
    for ev in _paper_events(elections, election_id):
        unit = str(ev.body["unit"])
        sent[unit] = sent.get(unit, 0) + 1
        last[unit] = ev
    listing = {}
    ctx = elections.context(election_id)
    base_hash = ctx.base_hash
    for u in ctx.manifest.units:
        if u.id not in last:
            continue
        ev = last[u.id]
        protocol = protocol_from_json(ev.body["protocol"], f"event {ev.seq}.body.protocol")
        voters = len(ev.body["voters"])
        listing[u.id] = {
            "protocol": protocol_to_json(protocol),
            "voters": voters,
            "paper_events": sent[u.id],
            "final": ev.body["final"] is True,
            "last_digest": body_digest(base_hash, ev.body).hex(),
            "reconciliation": _reconciliation(protocol, voters),
        }
    return listing


def write_paper_roll(elections: ElectionService, election_id: str, unit: str, out: IO[str]) -> int:
    """Write the paper roll of ``unit`` (``line,national_id,handle``, by the roll's order)
    to ``out``: how many voters."""
    ctx = elections.context(election_id)
    if not ctx.revoting:
        raise ProtocolError(NOT_REVOTING)
    if unit not in ctx.manifest.unit_ids():
        message = f"unit {unit!r} is not a unit of the election"
        raise InvalidInput(Text("roll.unit_unknown", message, unit=unit))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ROLL_COLUMNS)
    line = 0
    with elections.store.connect() as conn:
        for national_id, handle in elections.store.paper_roll(conn, election_id, unit):
            if handle is None:
                message = (
                    "the roll has no voters' handles yet: export the paper roll after the "
                    "encrypted roll is uploaded"
                )
                raise ProtocolError(Text("paper.no_handles", message))
            line += 1
            writer.writerow((line, national_id, handle.hex()))
    return line


def station_uploads(
    elections: ElectionService, election_id: str, unit: str
) -> list[tuple[int, int, PaperUpload]]:
    """Every ``paper`` event of ``unit`` on the board, in board order: its position
    (``seq``), its time (ms) and the upload (the last one counts); for the commission's
    page."""
    return [
        (ev.seq, ev.time_ms, upload_from_json(ev.body, f"event {ev.seq}.body"))
        for ev in _paper_events(elections, election_id)
        if ev.body.get("unit") == unit
    ]


def roll_voters(elections: ElectionService, election_id: str) -> dict[str, int]:
    """unit -> its voters on the roll the board took at open (the ``roll`` event's
    ``voters_per_unit``, public): what a station's ballots issued are at most; empty
    before the open."""
    with elections.store.connect() as conn:
        line = elections.store.roll_event_line(conn, election_id)
    if line is None:
        return {}
    body = parse_json(line, limit=MAX_LINE_BYTES)["body"]
    return {str(u["unit"]): int(u["voters"]) for u in body["voters_per_unit"]}
