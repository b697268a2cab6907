"""A station's paper results (protocol/paper.py): the protocol's arithmetic, each rule
broken refused with its message; the commission's upload (handles encrypted at their
place in a random order, signed) verified, and refused with another station's key or with
proofs made for another unit; the board rule check_paper; paper_lists."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.crypto.schnorr import sign
from honestballot.errors import InvalidInput, InvalidProof, ProtocolError, RecordFormatError
from honestballot.protocol import board
from honestballot.protocol.board import BoardRules, Phase
from honestballot.protocol.paper import (
    check_countable,
    check_protocol,
    paper_digest,
    verify_paper_upload,
)
from honestballot.protocol.schedule import Cover, Schedule
from honestballot.record.events import EventLine
from honestballot.record.paper import (
    paper_lists,
    protocol_from_json,
    unsigned_body,
    upload_digest,
    upload_from_json,
    upload_to_json,
)
from honestballot.service.demo import demo_manifest
from tests.paper_helpers import protocol_json, upload_of

RNG = SeededRandomness("paper results")
MANIFEST = demo_manifest("paper-test")
BASE = b"\x07" * 32
SECRET = random_nonzero_scalar(RNG)
ELECTION_KEY = base_mul(SECRET)
COMMISSION = random_nonzero_scalar(RNG)
OTHER_COMMISSION = random_nonzero_scalar(RNG)
HANDLES = [base_mul(random_nonzero_scalar(RNG)) for _ in range(4)]


def _upload(unit: str = "station-1", commission: Any = COMMISSION, **kw: Any) -> Any:
    return upload_of(BASE, ELECTION_KEY, MANIFEST, unit, HANDLES, commission, RNG, **kw)


def test_a_valid_upload_verifies_lists_every_handle_in_a_random_order_and_round_trips() -> None:
    upload = _upload()
    verify_paper_upload(BASE, ELECTION_KEY, base_mul(COMMISSION), upload, unsigned_body)
    check_protocol(MANIFEST, upload.protocol, len(upload.voters), None)
    listed = [v.handle.beta - v.handle.alpha * SECRET for v in upload.voters]
    assert sorted(p.data for p in listed) == sorted(h.data for h in HANDLES)
    # drawn at random: two uploads of the same list differ in order (4! orders)
    orders = {tuple(p.data for p in listed)}
    for _ in range(3):
        again = _upload()
        orders.add(tuple((v.handle.beta - v.handle.alpha * SECRET).data for v in again.voters))
    assert len(orders) > 1
    assert upload_from_json(upload_to_json(upload)) == upload
    assert upload_to_json(upload)["final"] is False


def test_final_is_signed_and_the_record_carries_it_as_a_boolean() -> None:
    final = _upload(final=True)
    body = upload_to_json(final)
    assert body["final"] is True and upload_from_json(body) == final
    verify_paper_upload(BASE, ELECTION_KEY, base_mul(COMMISSION), final, unsigned_body)
    # the service (or anyone) turning final into not final, or back: the signature fails
    for flipped in (replace(final, final=False), replace(_upload(), final=True)):
        with pytest.raises(InvalidProof, match="not signed with the key"):
            verify_paper_upload(BASE, ELECTION_KEY, base_mul(COMMISSION), flipped, unsigned_body)
    for wrong in ({k: v for k, v in body.items() if k != "final"}, {**body, "final": 1}):
        with pytest.raises(RecordFormatError):
            upload_from_json(wrong)


def test_another_stations_key_and_proofs_for_another_unit_are_refused() -> None:
    upload = _upload()
    with pytest.raises(InvalidProof, match="not signed with the key of the unit's commission"):
        verify_paper_upload(BASE, ELECTION_KEY, base_mul(OTHER_COMMISSION), upload, unsigned_body)
    # the same list moved to station-2 and signed again by its right key: the proofs are
    # bound to station-1's place
    moved = _upload()
    moved = replace(moved, unit="station-2")
    digest = paper_digest(BASE, unsigned_body(moved))
    signature = sign("paper/signature", (BASE, base_mul(COMMISSION)), digest, COMMISSION, RNG)
    moved = replace(moved, signature=signature)
    with pytest.raises(InvalidProof, match="proof of listed voter 0 does not verify"):
        verify_paper_upload(BASE, ELECTION_KEY, base_mul(COMMISSION), moved, unsigned_body)
    # a changed protocol breaks the signature
    tampered = replace(upload, protocol=replace(upload.protocol, spoiled=3, received=10))
    with pytest.raises(InvalidProof, match="not signed"):
        verify_paper_upload(BASE, ELECTION_KEY, base_mul(COMMISSION), tampered, unsigned_body)


def _counts(contest: int, *values: int) -> dict[str, Any]:
    c = MANIFEST.contests[contest]
    return {
        "id": c.id,
        "invalid": 0,
        "counts": [{"option": o.id, "count": n} for o, n in zip(c.options, values, strict=False)]
        + [{"option": o.id, "count": 0} for o in c.options[len(values) :]],
    }


@pytest.mark.parametrize(
    ("over", "voters", "message"),
    [
        ({"received": 100}, 4, r"ballots received \(100\) must equal issued \(4\)"),
        ({"in_box": 5, "received": 9}, 4, r"in the box \(5\) cannot be more than issued"),
        ({}, 3, r"ballots issued \(4\) must equal the voters listed as issued a ballot \(3\)"),
        ({"contests": []}, 4, "must list the contests chair, council in this order"),
        ("options", 4, "contest 'chair': the protocol must count the options"),
        ("invalid", 4, r"contest 'chair': invalid ballots \(5\) cannot be more"),
        (
            "too many",
            4,
            "contest 'chair': 4 valid ballots not marked for an exclusive option "
            "hold from 4 to 4 marks for candidates, the counts add up to 5",
        ),
        (
            "too few",
            4,
            "contest 'council': 4 valid ballots not marked for an exclusive option "
            "hold from 4 to 12 marks",
        ),
        # the total within 1·valid … 3·valid, but one option above the valid ballots
        ("one option", 4, r"contest 'council': option 'member-1' has 5 votes, more than the 4"),
        # blank on every valid ballot, and candidates marked besides (total 7 in 4 … 12)
        (
            "blank and more",
            4,
            "contest 'council': 0 valid ballots not marked for an exclusive "
            "option hold from 0 to 0 marks for candidates, the counts add up to 3",
        ),
    ],
)
def test_the_arithmetic_is_checked(over: Any, voters: int, message: str) -> None:
    body = protocol_json(MANIFEST, 4)
    if over == "options":
        body["contests"][0]["counts"].reverse()
    elif over == "invalid":
        body["contests"][0]["invalid"] = 5
    elif over == "too many":
        body["contests"][0] = _counts(0, 4, 1)
    elif over == "too few":
        body["contests"][1] = _counts(1, 3)
    elif over == "one option":
        body["contests"][1] = _counts(1, 5, 3, 1)
    elif over == "blank and more":
        body["contests"][1] = _counts(1, 3, 0, 0, 0, 0, 0, 4)
    else:
        body.update(over)
    with pytest.raises(InvalidInput, match=message):
        check_protocol(MANIFEST, protocol_from_json(body), voters, None)


def test_the_arithmetic_admits_invalid_ballots_and_several_marks() -> None:
    body = protocol_json(MANIFEST, 4)
    body["in_box"] = 3  # one ballot taken away
    body["contests"][0] = {**_counts(0, 1, 1), "invalid": 1}  # 2 valid, 2 marks
    body["contests"][1] = _counts(1, 3, 2, 1, 0, 0, 0, 0)  # 3 valid, 6 marks (max 9)
    protocol = protocol_from_json(body)
    check_protocol(MANIFEST, protocol, 4, None)
    assert protocol.taken_away == 1
    # the exclusive options count whole ballots: 1 blank, 2 ballots with 1 … 3 candidates
    body["contests"][1] = _counts(1, 2, 2, 1, 0, 0, 0, 1)
    check_protocol(MANIFEST, protocol_from_json(body), 4, 4)


def test_ballots_issued_are_at_most_the_units_voters_on_the_roll() -> None:
    protocol = protocol_from_json(protocol_json(MANIFEST, 4))
    check_protocol(MANIFEST, protocol, 4, 4)
    with pytest.raises(InvalidInput, match=r"issued \(4\) cannot be more than the unit's voters "
                       r"on the roll \(3\)"):  # fmt: skip
        check_protocol(MANIFEST, protocol, 4, 3)


def test_listed_voters_encrypted_with_one_randomness_are_refused() -> None:
    upload = _upload()
    twice = replace(upload, voters=(upload.voters[0], *upload.voters[1:3], upload.voters[0]))
    twice = _resign(twice)
    with pytest.raises(InvalidProof, match="listed voter 3 is encrypted with the randomness"):
        verify_paper_upload(BASE, ELECTION_KEY, base_mul(COMMISSION), twice, unsigned_body)


def _resign(upload: Any, commission: Any = COMMISSION) -> Any:
    digest = paper_digest(BASE, unsigned_body(upload))
    key = base_mul(commission)
    return replace(upload, signature=sign("paper/signature", (BASE, key), digest, commission, RNG))


def test_an_election_with_a_mixed_contest_takes_no_paper_results() -> None:
    mixed = replace(
        MANIFEST, contests=(replace(MANIFEST.contests[0], count="mix"), MANIFEST.contests[1])
    )
    with pytest.raises(ProtocolError, match="contest 'chair' is counted by mixing"):
        check_countable(mixed)
    with pytest.raises(ProtocolError, match="counted by mixing"):
        upload_of(BASE, ELECTION_KEY, mixed, "station-1", HANDLES, COMMISSION, RNG)


# -- the board rule ---------------------------------------------------------------------

SCHEDULE = Schedule(60, ((2, 1),), cover=Cover(0, 100_000))


def _board(phase: Phase = Phase.OPEN, *, revoting: bool = True, paper: bool = True) -> BoardRules:
    return BoardRules(
        phase=phase,
        unit_ids=MANIFEST.unit_ids(),
        schedule=SCHEDULE if revoting else None,
        stations={
            "station-1": (base_mul(COMMISSION), paper),
            "station-2": (base_mul(OTHER_COMMISSION), True),
        },
        padded=phase is Phase.CLOSED,
    )


def _event(upload: Any) -> board.PaperEvent:
    digest = paper_digest(BASE, unsigned_body(upload))
    return board.PaperEvent(
        upload.unit, upload.sequence, upload.previous, BASE, digest, upload.signature,
        upload.final,
    )  # fmt: skip


def _correction(before: Any, unit: str = "station-1", **kw: Any) -> Any:
    """The unit's next upload after ``before``, naming it."""
    return _upload(unit, sequence=before.sequence + 1, previous=upload_digest(BASE, before), **kw)


def test_the_board_takes_paper_results_while_open_or_closed_until_a_trustee_acts() -> None:
    ev = _event(_upload())
    _board().apply(ev)
    closed = _board(Phase.CLOSED)
    closed.apply(board.CloseObjectEvent("close-round"))  # the service's, with the padding
    closed.apply(ev)
    closed.apply(board.CloseObjectEvent("close-part", 1))
    with pytest.raises(ProtocolError, match="the close has begun: paper results can no longer"):
        closed.apply(ev)
    with pytest.raises(ProtocolError, match="not allowed in phase setup"):
        _board(Phase.SETUP).apply(ev)
    with pytest.raises(ProtocolError, match="only in an election with re-voting protection"):
        _board(revoting=False).apply(ev)
    with pytest.raises(ProtocolError, match="no polling station with paper voting"):
        _board(paper=False).apply(ev)
    with pytest.raises(ProtocolError, match="no polling station with paper voting"):
        _board().apply(_event(_upload("station-3")))
    # station-1's results signed by station-2's commission
    with pytest.raises(InvalidProof, match="not signed with the key of the unit's commission"):
        _board().apply(_event(_upload(commission=OTHER_COMMISSION)))


def test_paper_lists_takes_each_units_last_upload_in_manifest_order() -> None:
    first = _upload()
    second = _correction(first)
    other = _upload("station-2", OTHER_COMMISSION)
    events = [
        EventLine(7, 0, "paper", upload_to_json(second)),
        EventLine(5, 0, "paper", upload_to_json(first)),
        EventLine(6, 0, "station", {}),
        EventLine(9, 0, "paper", upload_to_json(other)),
    ]
    units = [u.id for u in MANIFEST.units]
    assert paper_lists(sorted(events, key=lambda e: e.seq), units) == [
        ("station-1", second),
        ("station-2", other),
    ]

    # the highest sequence counts, wherever it stands
    assert paper_lists([EventLine(5, 0, "paper", upload_to_json(second)),
                        EventLine(7, 0, "paper", upload_to_json(first))], units)[0] == (
        "station-1", second
    )  # fmt: skip


def test_the_board_takes_each_units_uploads_in_sequence_and_refuses_a_replay() -> None:
    rules = _board()
    first = _upload()
    second = _correction(first)
    with pytest.raises(ProtocolError, match="numbered 2: the board takes number 1 next"):
        rules.apply(_event(second))
    rules.apply(_event(first))
    # the service (or anyone) sending the first upload again: refused
    with pytest.raises(ProtocolError, match="numbered 1: the board takes number 2 next"):
        rules.apply(_event(first))
    rules.apply(_event(second))
    with pytest.raises(ProtocolError, match="numbered 1: the board takes number 3 next"):
        rules.apply(_event(first))
    # another unit counts from 1
    rules.apply(_event(_upload("station-2", OTHER_COMMISSION)))
    assert (rules.paper_sent("station-1"), rules.paper_sent("station-2")) == (2, 1)


def test_a_unit_sends_at_most_twenty_uploads() -> None:
    rules = _board()
    upload = _upload()
    rules.apply(_event(upload))
    for _ in range(2, board.MAX_PAPER_UPLOADS + 1):
        upload = _correction(upload)
        rules.apply(_event(upload))
    with pytest.raises(ProtocolError, match="sent its paper results 20 times"):
        rules.apply(_event(_correction(upload)))
    assert rules.paper_sent("station-1") == board.MAX_PAPER_UPLOADS


def test_a_correction_names_the_units_last_upload_on_the_board() -> None:
    rules = _board()
    first = _upload()
    rules.apply(_event(first))
    assert rules.paper_last("station-1") == upload_digest(BASE, first)
    # the service answered an error and kept ``first``; the commission signed another
    # first upload, which the board refuses: it is numbered 1 again
    again = _upload()
    with pytest.raises(ProtocolError, match="numbered 1: the board takes number 2 next"):
        rules.apply(_event(again))
    # a correction of the upload the board does not hold (``again``): refused, and its
    # signature covers ``previous``, so the service cannot repoint it
    wrong = _correction(again)
    with pytest.raises(ProtocolError, match="numbered 2 do not name the unit's upload 1"):
        rules.apply(_event(wrong))
    repointed = _event(replace(wrong, previous=upload_digest(BASE, first)))
    with pytest.raises(InvalidProof, match="not signed with the key"):
        rules.apply(repointed)
    second = _correction(first)
    rules.apply(_event(second))
    # a service that dropped ``second`` cannot post the commission's next upload: it is
    # numbered 3, and were it numbered 2 it would still name ``second``, not ``first``
    third = _correction(second)
    dropped = _board()
    dropped.apply(_event(first))
    with pytest.raises(ProtocolError, match="numbered 3: the board takes number 2 next"):
        dropped.apply(_event(third))
    with pytest.raises(ProtocolError, match="numbered 2 do not name the unit's upload 1"):
        dropped.apply(replace(_event(third), sequence=2))
    rules.apply(_event(third))
    assert rules.paper_last("station-1") == upload_digest(BASE, third)


def test_a_unit_whose_last_upload_is_final_takes_no_more_uploads() -> None:
    rules = _board()
    first = _upload()
    rules.apply(_event(first))
    assert not rules.paper_final("station-1")
    second = _correction(first, final=True)
    rules.apply(_event(second))
    assert rules.paper_final("station-1")
    # a correction of the final results, final or not: refused, and nothing recorded
    for after in (_correction(second), _correction(second, final=True)):
        with pytest.raises(ProtocolError, match="declared its paper results final: the board"):
            rules.apply(_event(after))
    assert (rules.paper_sent("station-1"), rules.paper_last("station-1")) == (
        2, upload_digest(BASE, second)
    )  # fmt: skip
    # another unit is not bound by it
    rules.apply(_event(_upload("station-2", OTHER_COMMISSION)))


def test_a_first_upload_names_no_previous_one() -> None:
    first = _upload()
    # numbered 1 and naming a previous upload: refused before its signature is read
    named = replace(first, previous=upload_digest(BASE, first))
    with pytest.raises(ProtocolError, match="numbered 1 are the unit's first"):
        _board().apply(_event(named))
    # the tool makes neither a first upload naming one nor a correction naming none
    with pytest.raises(InvalidInput, match="numbered 1 names no previous upload"):
        _upload(previous=bytes(32))
    with pytest.raises(InvalidInput, match="numbered 2 names the digest of the upload it"):
        _upload(sequence=2)
    # the record carries it: null, or 32 bytes in hex
    body = upload_to_json(_correction(first))
    assert body["previous"] == upload_digest(BASE, first).hex()
    assert upload_to_json(first)["previous"] is None
    assert upload_from_json(body).previous == upload_digest(BASE, first)
    with pytest.raises(RecordFormatError):
        upload_from_json({**body, "previous": "ab"})


HOUR = 3_600_000


def _closed(close_ms: int = 10 * HOUR) -> BoardRules:
    rules = _board(Phase.CLOSED)
    rules.close_ms = close_ms
    rules.apply(board.CloseObjectEvent("close-round"))  # the service's, any time
    return rules


def test_the_close_begins_once_every_paper_stations_last_upload_is_final_or_after_24_hours() -> (
    None
):
    rules = _closed()
    assert rules.paper_waiting() == ("station-1", "station-2")
    early = board.CloseObjectEvent("close-part", 1, 11 * HOUR)
    with pytest.raises(ProtocolError, match="still waiting for station-1, station-2"):
        rules.apply(early)
    first = _upload(final=True)
    rules.apply(_event(first))
    with pytest.raises(ProtocolError, match="still waiting for station-2"):
        rules.apply(board.CloseObjectEvent("close-step", 2, 11 * HOUR))
    # station-2's results, not final: the close still waits for them
    other = _upload("station-2", OTHER_COMMISSION)
    rules.apply(_event(other))
    assert rules.paper_waiting() == ("station-2",)
    with pytest.raises(ProtocolError, match="declared its results final, or 24 hours after"):
        rules.apply(early)
    with pytest.raises(ProtocolError, match="still waiting for station-2"):
        board.check_paper_deadline(rules, 34 * HOUR - 1)
    rules.apply(_event(_correction(other, "station-2", commission=OTHER_COMMISSION, final=True)))
    assert rules.paper_waiting() == ()
    rules.apply(early)  # every paper station's last results are final
    assert rules.close_begun
    # station-2 without results, or with results not final: the close may begin 24 hours
    # after the close, and station-2 counts with its last results
    for sent in ((), (other,)):
        late = _closed()
        late.apply(_event(first))
        for upload in sent:
            late.apply(_event(upload))
        with pytest.raises(ProtocolError, match="still waiting for station-2"):
            late.apply(board.CloseObjectEvent("close-part", 1, 34 * HOUR - 1))
        late.apply(board.CloseObjectEvent("close-part", 1, 34 * HOUR))
        with pytest.raises(ProtocolError, match="the close has begun"):
            late.apply(_event(_upload("station-2", OTHER_COMMISSION)))
    # a board without paper stations: no deadline
    plain = _closed()
    plain.stations = {}
    plain.apply(board.CloseObjectEvent("close-part", 1, 10 * HOUR))
