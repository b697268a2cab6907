"""``verify`` and hbcheck over the board of an election with re-voting protection: its
batches of registrations and cast rows, audits of ballots version 2 and the close
(docs/coercion.md §3 "Board rules", §4, §6).

The election is created and opened by the service (setup with a schedule, encrypted
roll, open); the events after the open are written here as the service's batch poster
writes them, from valid objects (cover rows and cover registrations, protocol/cover.py,
and a voter's ballot version 2 with its opening), and the tree heads signed again with
the board's key.  A record so made passes every check of ``verify`` and hbcheck; each
tampering fails, in both, the check named for it, the log still consistent (the board's
key signs what it is given: only the semantic check can catch the change)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from distributed import LocalCluster

from honestballot.cli.organiser_roll import Voter, build_roll_upload
from honestballot.crypto.group import Scalar, base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.protocol.ballot import BallotOpening
from honestballot.protocol.ballot_v2 import BallotV2, CastRow, encrypt_ballot_v2
from honestballot.protocol.close_a import FIRST_ROUND, ROUND_DEADLINE_MS
from honestballot.protocol.cover import (
    cover_selections,
    draw_cover_voter,
    make_cover_registration,
    make_cover_row,
)
from honestballot.protocol.credential_seed import generate_seed
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.padding import PaddedCredential, make_padding
from honestballot.protocol.registration import Registration, make_commitment
from honestballot.protocol.schedule import Cover, Schedule
from honestballot.record.ballot import opening_to_json
from honestballot.record.close import close_round_body
from honestballot.record.codec import canonical_bytes
from honestballot.record.events import EventLine
from honestballot.record.revoting import (
    ballot_v2_to_json,
    cast_row_to_json,
    padding_to_json,
    registration_to_json,
)
from honestballot.record.roll import upload_to_json
from honestballot.service.board.election import ElectionService
from honestballot.service.encrypted_roll import keep_encrypted_roll
from honestballot.service.voters.roll import Roll
from honestballot.store.sql import SqlStore
from honestballot.verify import parallel
from honestballot.verify.verifier import Report, verify_record
from tests.factories import WEB_ROLL, DemoCeremonies, board_secret_of, resign, web_roll_csv
from tests.helpers import describe, failed, hb, verify
from tests.independent import hbcheck

ELECTION = "verify-batches"
#: a batch a minute, each of 2 cast rows and 1 registration (small: every item is a full
#: object with its proofs)
SCHEDULE = Schedule(60, ((2, 1),), cover=Cover(0, 100_000))
MINUTE = 60_000
OPEN_MS = 1_760_000_000_000


@dataclass
class Board:
    """The record up to the open, what the tests post after it, and the board's key."""

    ctx: ElectionContext
    head: list[bytes]
    secret: Scalar
    rows: list[CastRow]
    registrations: list[Registration]
    audited: tuple[BallotV2, BallotOpening]


@pytest.fixture(scope="module", autouse=True)
def one_replay() -> Iterator[None]:
    """The board's replay by hbcheck made once: each tampered copy is checked whole
    again, but what it shares with the board is not computed again (hbcheck.remembering)."""
    with hbcheck.remembering():
        yield


@pytest.fixture(scope="module")
def board(demo_ceremony: DemoCeremonies, tmp_path_factory: pytest.TempPathFactory) -> Board:
    directory = tmp_path_factory.mktemp("verify-batches")
    made = demo_ceremony(ELECTION)
    rng = SeededRandomness("verify batches")
    url = f"sqlite:///{directory / 'store.sqlite'}"
    service = ElectionService(SqlStore(url), rng, clock=lambda: OPEN_MS)
    organiser = random_nonzero_scalar(rng)
    ctx = service.create(
        made.manifest, made.key, organiser_key=base_mul(organiser), schedule=SCHEDULE
    )
    roll = Roll(service.store)
    roll.import_csv(ELECTION, web_roll_csv())
    people = [Voter(nid, name, unit) for nid, name, _, _, unit in WEB_ROLL]
    letters = build_roll_upload(ELECTION, ctx, roll.summary_body(ELECTION), people, organiser, rng)
    keep_encrypted_roll(service, roll, ELECTION, upload_to_json(letters.upload))
    service.open(ELECTION, roll=lambda conn: roll.summary_body(ELECTION, conn))
    head = list(service.record_lines(ELECTION))
    opened = [json.loads(x) for x in head if json.loads(x).get("kind") == "open"]
    assert opened[0]["time_ms"] == OPEN_MS
    rows = [make_cover_row(ctx, i, rng) for i in range(6)]
    registrations = []
    for _ in range(4):
        voter = draw_cover_voter(rng)
        commitment = make_commitment(
            ctx.base_hash, ctx.public_key, voter.none_point(ctx.base_hash), rng
        )
        seed = generate_seed(rng, ctx.base_hash)
        registrations.append(
            make_cover_registration(ctx.base_hash, ctx.public_key, commitment, voter, seed, rng)
        )
    seed = generate_seed(rng, ctx.base_hash)
    ballot, opening, _ = encrypt_ballot_v2(
        ctx, seed, ctx.verifier_key, cover_selections(ctx.manifest), rng
    )
    return Board(ctx, [x.rstrip(b"\n") for x in head], board_secret_of(url, ELECTION), rows,
                 registrations, (ballot, opening))  # fmt: skip


# -- writing the board after the open ---------------------------------------------------

#: (time, kind, body) of one event after the open
Posted = tuple[int, str, dict[str, Any]]


def batch(index: int, time_ms: int, items: list[Posted], rows: int | None = None) -> list[Posted]:
    """Batch ``index`` at ``time_ms`` with its items (given with any time: they take the
    batch's), saying ``rows`` cast rows (by default as many as it holds)."""
    n_rows = sum(1 for _, k, _ in items if k == "cast-row")
    n_regs = sum(1 for _, k, _ in items if k == "registration")
    body = {"index": index, "rows": n_rows if rows is None else rows, "registrations": n_regs}
    return [(time_ms, "batch", body), *((time_ms, k, b) for _, k, b in items)]


def row(r: CastRow) -> Posted:
    return (0, "cast-row", {"row": cast_row_to_json(r)})


def reg(g: Registration) -> Posted:
    return (0, "registration", {"registration": registration_to_json(g)})


def audit(b: Board, time_ms: int) -> Posted:
    ballot, opening = b.audited
    return (
        time_ms,
        "audit",
        {"ballot": ballot_v2_to_json(ballot), "opening": opening_to_json(opening)},
    )


def close(time_ms: int) -> Posted:
    return (time_ms, "close", {})


#: at the end of ``posted``: no padding after the close (a tamper)
NO_PADDING: Posted = (0, "no padding", {})


def padding(b: Board, time_ms: int, cover_rows: int = 0, rows: int = 0) -> Posted:
    """A padding of ``rows`` rows (for made-up credentials of 5 ballots, padded to 6)
    stating ``cover_rows``."""
    rng = SeededRandomness("verify-batches padding")
    credentials = [
        PaddedCredential(base_mul(random_nonzero_scalar(rng)), base_mul(random_nonzero_scalar(rng)),
                         1000, 5)
        for _ in range(rows)
    ]  # fmt: skip
    made = make_padding(b.ctx, credentials, cover_rows, rng)
    return (time_ms, "padding", {"padding": padding_to_json(b.ctx.base_hash, made)})


def first_round(time_ms: int) -> Posted:
    """The close's first round, which the service announces right after the padding."""
    return (time_ms, "close-round", close_round_body(FIRST_ROUND, time_ms + ROUND_DEADLINE_MS))


def record(b: Board, posted: list[Posted]) -> list[bytes]:
    """The record: the service's up to the open, then ``posted`` (with an empty padding
    right after a close, as the service posts it, unless ``posted`` holds a padding or
    ends in :data:`NO_PADDING`), then a tree head over all of it; every head signed
    again with the board's key."""
    if posted and posted[-1] == NO_PADDING:
        posted = posted[:-1]
    elif not any(kind == "padding" for _, kind, _ in posted):
        posted = [
            x
            for p in posted
            for x in ([p, padding(b, p[0]), first_round(p[0])] if p[1] == "close" else [p])
        ]
    seq = sum(1 for x in b.head if json.loads(x).get("type") == "event")
    lines = list(b.head)
    for i, (time_ms, kind, body) in enumerate(posted):
        lines.append(EventLine(seq + i, time_ms, kind, body).canonical())
    last = max([OPEN_MS, *(t for t, _, _ in posted)])
    lines.append(canonical_bytes({"type": "tree-head", "timestamp_ms": last}))
    return resign(lines, ELECTION, b.secret)


def due(index: int) -> int:
    return OPEN_MS + (index + 1) * MINUTE


def valid(b: Board) -> list[Posted]:
    """Two batches on time, one audit, and the close before batch 2 is due."""
    r, g = b.rows, b.registrations
    return [
        *batch(0, due(0), [row(r[0]), reg(g[0]), row(r[1])]),
        *batch(1, due(1) + 500, [reg(g[1]), row(r[2]), row(r[3])]),
        audit(b, due(1) + 30_000),
        close(due(1) + 30_000),
    ]


def check(report: Report) -> dict[str, str]:
    return {c.name: c.detail for c in report.checks}


# -- a valid board -----------------------------------------------------------------------


def test_a_board_with_batches_passes_every_check(board: Board) -> None:
    lines = record(board, valid(board))
    report = verify(lines)
    assert report.passed, describe(report)
    checks = check(report)
    names = ("board.rules", "board.schedule", "registrations.proofs", "rows.proofs",
             "ballots.proofs", "audits.openings", "roll.encrypted", "log.tree-heads")  # fmt: skip
    assert set(names) <= set(checks)
    assert "all 2 registrations' proofs verify" in checks["registrations.proofs"]
    assert "all 4 cast rows' ballots verify" in checks["rows.proofs"]
    assert "1 audited ballots open" in checks["audits.openings"]
    assert checks["tally"] == "no tally yet: the close is in round A-mix"
    # the setup's cover named, and its epsilon of 100 said not to hide the count
    assert (
        "cover replacements K0 = 0, epsilon = 100: above 1, so the cover does not hide"
        in (checks["board.schedule"])
    )
    assert report.stats["batches"] == 2
    assert report.stats["registrations"] == 2
    assert report.stats["cast_rows"] == 4
    assert report.stats["ballots_audited"] == 1
    assert hbcheck.check_revoting(
        [e for e in map(json.loads, lines) if e.get("type") == "event"]
    ) == {
        "batches": 2,
        "registrations": 2,
        "cast_rows": 4,
        "audits": 1,
        "close": {
            "round": "A-mix",
            "done": False,
            "rounds": ["A-mix"],
            "result": None,
            "failures": [],
        },
    }


def test_the_close_s_block_may_post_a_batch_early(board: Board) -> None:
    """At the close the service empties its queue: batch 1 before it is due, then the
    audits and the close, all at that batch's time."""
    r, g = board.rows, board.registrations
    t = due(0) + 20_000
    lines = record(board, [
        *batch(0, due(0), [row(r[0]), reg(g[0]), row(r[1])]),
        *batch(1, t, [reg(g[1]), row(r[2]), row(r[3])]),
        audit(board, t),
        close(t),
    ])  # fmt: skip
    report = verify(lines)
    assert report.passed, describe(report)
    assert hb(lines) is None


def test_an_open_board_between_batches_passes(board: Board) -> None:
    lines = record(board, valid(board)[:4])
    report = verify(lines)
    assert report.passed, describe(report)
    assert hb(lines) is None


# -- tampering: each fails by its name in verify and in hbcheck ---------------------------


def _tampers() -> dict[str, tuple[str, Callable[[Board], list[Posted]]]]:
    def wrong_size(b: Board) -> list[Posted]:
        r, g = b.rows, b.registrations
        return [
            *batch(0, due(0), [row(r[0]), reg(g[0]), row(r[1])]),
            *batch(1, due(1), [reg(g[1]), row(r[2]), row(r[3]), row(r[4])]),
            close(due(1) + 1000),
        ]

    def says_wrong_size(b: Board) -> list[Posted]:
        """The batch says 2 rows but holds 3: the third stands outside any batch."""
        r, g = b.rows, b.registrations
        return [
            *batch(0, due(0), [row(r[0]), reg(g[0]), row(r[1]), row(r[2])], rows=2),
            close(due(0) + 1000),
        ]

    def early_then_late(b: Board) -> list[Posted]:
        """Batch 1 before it is due (so the close's block begins), then batch 2 at its own
        time, not the block's."""
        r, g = b.rows, b.registrations
        return [
            *batch(0, due(0), [row(r[0]), reg(g[0]), row(r[1])]),
            *batch(1, due(0) + 10_000, [reg(g[1]), row(r[2]), row(r[3])]),
            *batch(2, due(2), [reg(g[2]), row(r[4]), row(r[5])]),
            close(due(2) + 1000),
        ]

    def early_close_later(b: Board) -> list[Posted]:
        r, g = b.rows, b.registrations
        return [
            *batch(0, due(0), [row(r[0]), reg(g[0]), row(r[1])]),
            *batch(1, due(0) + 10_000, [reg(g[1]), row(r[2]), row(r[3])]),
            close(due(0) + 20_000),
        ]

    def outside(b: Board) -> list[Posted]:
        r, g = b.rows, b.registrations
        return [
            *batch(0, due(0), [row(r[0]), reg(g[0]), row(r[1])]),
            (due(0), "registration", reg(g[1])[2]),
            close(due(0) + 1000),
        ]

    def item_late(b: Board) -> list[Posted]:
        """An item of the batch at another time than the batch's."""
        posted = batch(0, due(0), [row(b.rows[0]), reg(b.registrations[0]), row(b.rows[1])])
        t, kind, body = posted[-1]
        return [*posted[:-1], (t + 1, kind, body), close(due(0) + 1000)]

    def close_before_due(b: Board) -> list[Posted]:
        r, g = b.rows, b.registrations
        return [
            *batch(0, due(0), [row(r[0]), reg(g[0]), row(r[1])]),
            audit(b, due(1) + 1000),
            close(due(1) + 1000),
        ]

    def counter_proof(b: Board) -> list[Posted]:
        posted = valid(b)
        body = posted[1][2]["row"]
        body["counter_proof"]["s"] = posted[3][2]["row"]["counter_proof"]["s"]
        return posted

    def flag(b: Board) -> list[Posted]:
        posted = valid(b)
        posted[1][2]["row"]["flag"]["beta"] = hbcheck.BASE_HEX  # E1, a padding row's
        return posted

    def registration_proof(b: Board) -> list[Posted]:
        posted = valid(b)
        body = posted[2][2]["registration"]
        body["handle_proof"]["s"] = body["tag_proof"]["s"]
        return posted

    def shared_alpha(b: Board) -> list[Posted]:
        posted = valid(b)
        posted[6][2]["row"]["counter"] = posted[1][2]["row"]["counter"]
        return posted

    def row_repeated(b: Board) -> list[Posted]:
        r, g = b.rows, b.registrations
        return [
            *batch(0, due(0), [row(r[0]), reg(g[0]), row(r[1])]),
            *batch(1, due(1), [reg(g[1]), row(r[2]), row(r[0])]),
            close(due(1) + 1000),
        ]

    def nonce_repeated(b: Board) -> list[Posted]:
        r, g = b.rows, b.registrations
        return [
            *batch(0, due(0), [row(r[0]), reg(g[0]), row(r[1])]),
            *batch(1, due(1), [reg(g[0]), row(r[2]), row(r[3])]),
            close(due(1) + 1000),
        ]

    def opening(b: Board) -> list[Posted]:
        posted = valid(b)
        contests = posted[-2][2]["opening"]["contests"]
        option = next(c for c in contests if 1 in c["plaintexts"])
        i = option["plaintexts"].index(1)
        option["plaintexts"][i] = 0
        return posted

    def audit_proof(b: Board) -> list[Posted]:
        posted = valid(b)
        ballot = posted[-2][2]["ballot"]
        ballot["tag_proof"]["s"] = ballot["credential_proof"]["s_credential"]
        return posted

    def audit_of_a_row(b: Board) -> list[Posted]:
        """An audit of a ballot already cast in a row."""
        posted = valid(b)
        audited = posted[1][2]["row"]["ballot"]
        posted[-2] = (posted[-2][0], "audit", {**posted[-2][2], "ballot": audited})
        return posted

    def no_padding(b: Board) -> list[Posted]:
        return [*valid(b), NO_PADDING]

    def more_cover_than_rows(b: Board) -> list[Posted]:
        return [*valid(b), padding(b, due(1) + 30_000, cover_rows=5)]

    def padding_proof(b: Board) -> list[Posted]:
        made = padding(b, due(1) + 30_000, rows=2)
        row = made[2]["padding"]["rows"][1]
        row["counter_proof"]["s"] = row["tag_proof"]["s"]
        return [*valid(b), made]

    return {
        "no padding after the close": ("padding.shape", no_padding),
        "padding stating more cover rows than cast rows": ("padding.shape", more_cover_than_rows),
        "padding row with a broken proof": ("rows.proofs", padding_proof),
        "batch of the wrong size": ("board.schedule", wrong_size),
        "batch saying fewer rows than it holds": ("board.rules", says_wrong_size),
        "early batch, then one at another time": ("board.schedule", early_then_late),
        "early batch, then the close at another time": ("board.schedule", early_close_later),
        "item outside a batch": ("board.rules", outside),
        "item at another time than its batch": ("board.rules", item_late),
        "close before a due batch": ("board.schedule", close_before_due),
        "cast row with a broken counter proof": ("rows.proofs", counter_proof),
        "cast row with a flag other than E0": ("rows.proofs", flag),
        "registration with a broken proof": ("registrations.proofs", registration_proof),
        "two items sharing an alpha": ("board.rules", shared_alpha),
        "cast row repeated": ("board.rules", row_repeated),
        "registration nonce repeated": ("board.rules", nonce_repeated),
        "v2 audit with a wrong opening": ("audits.openings", opening),
        "v2 audit with a broken proof": ("ballots.proofs", audit_proof),
        "v2 audit of a cast row's ballot": ("board.rules", audit_of_a_row),
    }


TAMPERS = _tampers()


@pytest.mark.parametrize("tamper", list(TAMPERS))
def test_tampering_fails_its_check_in_verify_and_hbcheck(board: Board, tamper: str) -> None:
    name, make = TAMPERS[tamper]
    lines = record(board, make(board))
    report = verify(lines)
    assert failed(report) == {name}, describe(report)
    assert hb(lines) == name


@pytest.mark.parametrize("where", ["batch", "block"])
def test_a_tree_head_inside_a_batch_or_the_close_s_block_fails_the_schedule(
    board: Board, where: str
) -> None:
    """The service appends a batch, and the close's block, in one transaction: a signed
    head ending inside one means the board was signed while a batch was being written
    (or a block stretched over time while claiming one time)."""
    r, g = board.rows, board.registrations
    early = due(0) - 10_000
    posted = (
        valid(board)
        if where == "batch"
        else [*batch(0, early, [row(r[0]), reg(g[0]), row(r[1])]), close(early)]
    )
    lines = record(board, posted)
    kinds = [json.loads(x).get("kind") for x in lines]
    # a tree head right after the batch's second line (its first item), or after the
    # block's batch and all its items (before the close)
    cut = kinds.index("batch") + 2 if where == "batch" else kinds.index("close")
    head = canonical_bytes({"type": "tree-head", "timestamp_ms": early})
    signed = resign([*lines[:cut], head, *lines[cut:]], ELECTION, board.secret)
    report = verify(signed)
    assert failed(report) == {"board.schedule"}, describe(report)
    assert "inside" in check(report)["board.schedule"]
    assert hb(signed) == "board.schedule"
    assert hb(lines) is None


def test_a_tally_in_an_election_with_re_voting_protection_fails_plainly(board: Board) -> None:
    # its close counts it: the board's rules take no tally there
    posted = [*valid(board), (due(1) + 40_000, "tally", {"tally": {}, "counted_per_unit": []})]
    lines = record(board, posted)
    report = verify(lines)
    assert failed(report) == {"board.rules"}, describe(report)
    assert "its close counts" in check(report)["board.rules"]
    assert hb(lines) == "board.rules"


def _broken_items(b: Board) -> list[bytes]:
    """A cast row's counter proof and a registration's handle proof broken."""
    posted = valid(b)
    posted[1][2]["row"]["counter_proof"]["s"] = posted[3][2]["row"]["counter_proof"]["s"]
    reg = posted[5][2]["registration"]
    reg["handle_proof"]["s"] = reg["tag_proof"]["s"]
    return record(b, posted)


def _same(a: Report, b: Report) -> None:
    assert [(c.name, c.passed, c.detail) for c in a.checks] == [
        (c.name, c.passed, c.detail) for c in b.checks
    ]
    assert a.stats == b.stats


def test_the_items_are_checked_the_same_in_worker_processes(
    board: Board, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MIN_PARALLEL items the proofs run on a local pool: the same report."""
    lines = _broken_items(board)
    here = verify(lines)
    assert failed(here) == {"rows.proofs", "registrations.proofs"}, describe(here)
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 1)
    _same(verify_record([x + b"\n" for x in lines], workers=2), here)


def test_the_items_are_checked_the_same_on_a_dask_cluster(board: Board) -> None:
    lines = _broken_items(board)
    here = verify(lines)
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        clustered = verify_record([x + b"\n" for x in lines], scheduler=cluster.scheduler_address)
    _same(clustered, here)
