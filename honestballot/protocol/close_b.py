"""Stage B of the close: revocation, one vote per voter, reporting units
(docs/coercion.md §5.4).

Stage A (protocol/close_a.py) leaves one winner per registered credential that cast: the
credential's last ballot, its group named by its ``y1`` tag.  Stage B re-mixes them before
anything about revocation is decided, so that a group's size cannot be tied to its fate:

==============  ===================================================================
round           steps (each needs exactly ``k`` distinct trustees)
==============  ===================================================================
B-mix           chains of ``B.winners`` (``Enc(tau), Enc(V), Enc(A)``, contests),
                ``B.revocations`` (``Enc(R), Enc(A)`` per registration), ``B.roll``
                (``Enc(V), Enc(u), Enc(A)`` per roll row)
P-tag           only with paper rows: equivalence shares of ``P.tags``, the pairs
                ``(Enc(V), (O, O))`` of the roll (last mix of ``B.roll``) and of the paper
                lists, each trustee's object with **one** exponent for every pair
P-tag-dec       their sums' decryption: ``z*V`` per row, ``z`` a one-time key
P-units         the units of the roll rows a paper row joins (``P.units``)
P-mix           chains of ``B.kept`` (the roll rows not cancelled) and ``B.cancelled``
                (the cancelled rows' ``Enc(V)``)
B-tag           ``y2`` tag shares of ``B.tags``: the winners' ``Enc(tau)``, the
                revocations' ``Enc(R)``, the roll's (``B.kept``'s) ``Enc(V)``, then
                ``B.cancelled``'s
B-tag-dec       their decryption and every kept roll row's ``Enc(u)`` (``B.units``: with
                the cancelled rows per unit, the counts the organiser signed,
                ``roll.counts``)
B-revoke        equivalence of each matched winner's ``Enc(A)`` with its revocation's
B-revoke-dec    the sums' decryption: a winner whose activation tests equal is revoked
B-handle        ``y2`` tag shares of the **survivors'** ``Enc(V)`` (only now: §5.4, B4)
B-handle-dec    their decryption: each survivor joins the roll row of its handle tag
B-activate      equivalence of each joined survivor's ``Enc(A)`` with its roll row's
B-activate-dec  the sums' decryption
B-column        only for a contest counted by mixing (and a ballot counted): its column
                of the counted ballots mixed alone (``column/<id>``)
B-tally         the decryption of ``B.tally`` (the sums per reporting unit and in total)
                and of every column's last mix: the tally per reporting unit
==============  ===================================================================

The same reader runs both stages (:func:`run_close`): the objects of stage B follow those
of stage A on the board, and every rule of close_a.py (exactly ``k`` objects a step, the
first ``k`` the step can take, objects not taken named) holds here too.  The outcome is
the **counted** survivors: each one's row in the last mix of ``B.winners`` (its contest
ciphertexts) and its reporting unit, and the tally per reporting unit decrypted
(:class:`CloseTally`; protocol/close_result.py makes the result of it).

**Paper ballots** (docs/coercion.md §5.4, "Paper lists"): each paper station's commission
lists, in its signed ``paper`` event, the voters it issued a paper ballot to, as
``Enc(V)``.  No listed point ever meets ``y1`` or ``y2``: the lists are joined with the
roll under a one-time key ``z`` (``P.tags``; a trustee object with two commitments is
``close.trustees``), a listing is valid only for a roll row of its station's reporting unit
(``P.units``), and the roll is re-mixed in two parts (``B.kept``, ``B.cancelled``) before
B2 tags it with ``y2``.  A survivor that joins a cancelled handle at B4 is dropped without
a failure (its e-vote is cancelled by the paper ballot) and counted in one election-wide
number.  A listing on no roll row or of another reporting unit (not applied), a voter
listed twice, and a list whose valid cancellations are not its length name the station's
commission (``close.paper``).  An election without paper rows has none of these rounds and
the lists, rounds and objects it had before.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from honestballot.crypto.elgamal import Ciphertext
from honestballot.crypto.equivalence import combine_equivalence_shares, plaintexts_equal
from honestballot.crypto.group import IDENTITY, Point, Scalar, base_mul
from honestballot.crypto.randomness import Randomness
from honestballot.crypto.shuffle import Rows
from honestballot.crypto.tagging import combine_tag_shares
from honestballot.errors import ProtocolError
from honestballot.protocol.close_a import (
    CloseItem,
    CloseKeys,
    Failure,
    ListEquivalence,
    ListTagShare,
    StageA,
    StageAInputs,
    Step,
    TrusteeKeys,
    _MixCollector,
    _Run,
    _ShareCollector,
    _stage_a,
    act_to_end,
    as_rows,
    column,
    item_step,
    pair_rows,
)
from honestballot.protocol.decryption import TallyEntry
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.encrypted_roll import RollRow
from honestballot.protocol.mix import ShuffleVerifier, mixed_contests
from honestballot.protocol.ranked import row_entry_id
from honestballot.protocol.registration import Registration
from honestballot.protocol.tally import summed_entries

B_WINNERS = "B.winners"
B_REVOCATIONS = "B.revocations"
B_ROLL = "B.roll"
B_TAGS = "B.tags"
B_REVOKE_PETS = "B.revoke-pets"
B_HANDLES = "B.handles"
B_ACTIVATION_PETS = "B.activation-pets"
B_UNITS = "B.units"
B_TALLY = "B.tally"
#: paper lists (docs/coercion.md §5.4): the roll's and the lists' handles blinded with one
#: one-time exponent (P-tag, P-tag-dec), the joined roll rows' units (P-units), and the
#: roll re-mixed without the cancelled rows and the cancelled rows' handles (P-mix)
P_TAGS = "P.tags"
P_UNITS = "P.units"
B_KEPT = "B.kept"
B_CANCELLED = "B.cancelled"
#: the list of a contest counted by mixing: ``column/<contest id>`` (B6)
COLUMN = "column/"
#: the close's last round, whose decryptions give the result (B6)
LAST_ROUND = "B-tally"

#: the columns of a row of ``B.winners``, ``B.revocations`` and ``B.roll``
W_TAG, W_HANDLE, W_ACTIVATION, W_CONTESTS = 0, 1, 2, 3
R_REVOKED, R_ACTIVATION = 0, 1
L_HANDLE, L_UNIT, L_ACTIVATION = 0, 1, 2


@dataclass(frozen=True, slots=True)
class PaperList:
    """A paper station's counting ``paper`` event (its unit's last): the voters its
    commission issued a paper ballot to, and its protocol's numbers."""

    #: the station's manifest unit id
    station: str
    #: the index of its reporting unit (into :attr:`StageBInputs.units`)
    unit: int
    #: ``Enc(V)`` of every voter listed, in upload order
    handles: tuple[Ciphertext, ...]
    #: the ballots in the box, by the station's protocol
    in_box: int
    #: ``("contest/option", count)`` of the protocol, every encrypted option
    counts: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class StageBInputs:
    """What stage B takes from the board besides stage A's outcome."""

    #: ``(Enc(R), Enc(A))`` per registration, in board order
    revocations: Rows
    #: ``(Enc(V), Enc(u), Enc(A))`` per roll row, in the roll's order
    roll: Rows
    #: each reporting unit's id and voters (``u`` is an index into it), as the organiser
    #: signed them in the roll
    units: tuple[tuple[str, int], ...]
    #: every paper station's counting ``paper`` event, in manifest unit order
    paper: tuple[PaperList, ...] = ()
    #: every paper station's manifest unit (its last ``station`` event says paper), in
    #: manifest order: the result's ``paper`` member lists them
    paper_stations: tuple[str, ...] = ()
    #: ``(manifest unit, reporting unit index)`` of every manifest unit (the roll's
    #: reporting units): where a paper station reports
    unit_of: tuple[tuple[str, int], ...] = ()

    @property
    def reporting_units(self) -> int:
        return len(self.units)

    @property
    def unit_voters(self) -> tuple[int, ...]:
        return tuple(n for _, n in self.units)


def stage_b_inputs(
    registrations: Sequence[Registration],
    roll: Sequence[RollRow],
    units: Sequence[tuple[str, int]],
    *,
    paper: Sequence[PaperList] = (),
    paper_stations: Sequence[str] = (),
    unit_of: Sequence[tuple[str, int]] = (),
) -> StageBInputs:
    """Stage B's inputs; :class:`ProtocolError` if a paper list is of no paper station,
    of a unit other than its station's, or two lists are of one station."""
    where = dict(unit_of)
    stations = [p.station for p in paper]
    for p in paper:
        if p.station not in paper_stations or where.get(p.station) != p.unit:
            raise ProtocolError(  # English only: the board's paper events, read by the close
                f"the paper list of {p.station!r} is of no paper station of reporting unit {p.unit}"
            )
    if len(set(stations)) != len(stations):
        raise ProtocolError(  # English only: the board's paper events, read by the close
            "two paper lists of one station: only its last paper event counts"
        )
    return StageBInputs(
        tuple((r.commitment.revokes, r.activation) for r in registrations),
        tuple((r.handle, r.unit, r.activation) for r in roll),
        tuple(units),
        tuple(paper),
        tuple(paper_stations),
        tuple(unit_of),
    )


@dataclass(frozen=True, slots=True)
class Counted:
    """A counted survivor: its row in the last mix of ``B.winners`` and its reporting
    unit's index."""

    row: int
    unit: int


@dataclass(frozen=True, slots=True)
class CloseTally:
    """B6: the counted survivors' contest ciphertexts summed per reporting unit and in
    total (``B.tally``), each contest counted by mixing mixed alone (``column/<id>``),
    and both decrypted."""

    #: (reporting unit id, counted ballots) for every reporting unit, in order
    counted_per_unit: tuple[tuple[str, int], ...]
    #: the sums, in record-format §7's order (totals, then the units broken out)
    entries: tuple[TallyEntry, ...]
    #: each contest counted by mixing, in manifest order: its column's last mix
    columns: tuple[tuple[str, Rows], ...]
    #: ``m*G`` of every entry: the sums' ids, then ``contest#row/slot`` of the columns
    plaintexts: tuple[tuple[str, Point], ...]
    #: the trustees whose decryption factors of ``B.tally`` were taken, in board order
    trustees: tuple[int, ...]

    @property
    def ballots(self) -> int:
        return sum(n for _, n in self.counted_per_unit)


@dataclass(frozen=True, slots=True)
class Close:
    """What the record says of the close so far: stage A, and stage B once A is done."""

    a: StageA
    #: the steps still open (stage A's while it runs, then stage B's)
    next: tuple[Step, ...]
    #: the round they belong to, or "done"
    round: str
    #: every failure with a remedy, of both stages, in the order found
    failures: tuple[Failure, ...]
    #: the counted survivors, in ``B.winners`` order (once done)
    counted: tuple[Counted, ...] = ()
    #: the last mix of ``B.winners`` (once mixed): whose contest columns are counted
    winners: Rows = ()
    consumed: int = 0
    ignored: tuple[int, ...] = ()
    opened: tuple[tuple[str, int], ...] = ()
    #: the winners revoked at B3 and those left (once B3 is decided)
    revoked: int = 0
    survivors: int = 0
    #: B6's sums and columns, decrypted (once done)
    tally: CloseTally | None = None
    #: per reporting unit (every one, in order): the roll rows the paper lists cancel
    #: (once P-units is decrypted; empty without paper rows)
    paper_rows: tuple[tuple[str, int], ...] = ()
    #: the survivors dropped on cancelled rows at B4 (once B4 is decrypted): one
    #: election-wide number, no unit (docs/coercion.md §8.1)
    paper_cancelled: int = 0
    #: per paper station with a counting list: (manifest unit, the roll rows it validly
    #: cancelled, the ``close.paper`` failures naming it), in manifest unit order
    paper_stations: tuple[tuple[str, int, int], ...] = ()

    @property
    def done(self) -> bool:
        return not self.next


def run_close(
    ctx: ElectionContext,
    keys: CloseKeys,
    inputs: StageAInputs,
    b_inputs: StageBInputs,
    items: Sequence[CloseItem],
    verify_shuffle: ShuffleVerifier | None = None,
    *,
    proven: Collection[int] = (),
) -> Close:
    """Read the close, stage A then stage B, from the board's inputs and the trustees'
    objects in board order (protocol/close_a.py's rules for each object)."""
    run = _Run(ctx, keys, inputs, items, verify_shuffle, proven)
    a = _stage_a(run)
    if not a.done:
        return Close(a, a.next, a.round, a.failures, (), (), a.consumed, a.ignored, a.opened)
    return _stage_b(run, a, b_inputs)


def run_close_to_end(
    ctx: ElectionContext,
    keys: CloseKeys,
    inputs: StageAInputs,
    b_inputs: StageBInputs,
    trustees: Mapping[int, TrusteeKeys],
    rng: Randomness,
) -> tuple[Close, list[CloseItem]]:
    """The whole close acted on to its end by honest trustees (close_a.act_to_end)."""
    return act_to_end(
        ctx, lambda items, proven: run_close(ctx, keys, inputs, b_inputs, items, proven=proven),
        keys.threshold, trustees, rng,
    )  # fmt: skip


def _b_pending(
    run: _Run, a: StageA, round_: str, collectors: Sequence[object], **known: object
) -> Close:
    """The close waiting in ``round_`` for its open ``collectors``; ``known``: what it
    has decided already (Close's fields)."""
    steps = tuple(c.step for c in collectors if not c.complete)  # type: ignore[attr-defined]
    close = Close(
        a, steps, round_, tuple(run.failures), (), (), run.cursor, tuple(run.ignored),
        tuple(run.opened),
    )  # fmt: skip
    return replace(close, **known)  # type: ignore[arg-type]


def _stage_b(run: _Run, a: StageA, b: StageBInputs) -> Close:
    k = run.keys.threshold
    # B1: the winners, each with its registration's tag, handle and activation
    winners = tuple(
        (
            a.registrations[w.registration][0],
            a.registrations[w.registration][2],
            a.registrations[w.registration][3],
            *a.rows[w.row][4:],
        )
        for w in a.winners
    )
    mixes = [
        _MixCollector(run, B_WINNERS, winners, k if winners else 0),
        _MixCollector(run, B_REVOCATIONS, b.revocations, k if b.revocations else 0),
        _MixCollector(run, B_ROLL, b.roll, k if b.roll else 0),
    ]
    if not run.round("B-mix", mixes):
        return _b_pending(run, a, "B-mix", mixes)
    mixed_w, mixed_r, mixed_l = (m.step.inputs for m in mixes)
    index = {_unit_point(u): u for u in range(b.reporting_units)}
    unit_ids = [u for u, _ in b.units]

    # P-tag … P-mix: the paper lists join the roll under a one-time key, and the roll is
    # re-mixed, kept and cancelled apart, before anything meets y2 (only with paper rows)
    kept: Rows = mixed_l
    cancelled_handles: tuple[Ciphertext, ...] = ()
    paper_rows: tuple[tuple[str, int], ...] = ()
    by_station: tuple[tuple[str, int, int], ...] = ()
    cancelled_per_unit = [0] * b.reporting_units
    if any(p.handles for p in b.paper):
        paper = _paper(run, a, b, mixed_l, index)
        if isinstance(paper, Close):
            return paper
        kept, cancelled_handles, cancelled_units, by_station = paper
        for u in cancelled_units:
            cancelled_per_unit[u] += 1
        paper_rows = tuple(zip(unit_ids, cancelled_per_unit, strict=True))
    known: dict[str, object] = {"paper_rows": paper_rows, "paper_stations": by_station}

    # B2: y2 tags of the winners' tau, the revocations' R, the kept roll rows' V and the
    # cancelled rows' V (no unit: a cancelled row's unit is never met again)
    tag_inputs = as_rows(
        column(mixed_w, W_TAG) + column(mixed_r, R_REVOKED) + column(kept, L_HANDLE)
        + cancelled_handles
    )  # fmt: skip
    # and, decrypted with them, every kept roll row's unit: their counts (with the
    # cancelled rows') are checked against the counts the organiser signed, and no unit
    # is decrypted for one voter alone
    units = as_rows(column(kept, L_UNIT))
    unit_dec = _ShareCollector(run, "decrypt", B_UNITS, units, k if units else 0)
    points = _tags(run, a, "B-tag", B_TAGS, tag_inputs, also=[unit_dec], known=known)
    if isinstance(points, Close):
        return points
    n_w, n_r, n_l = len(mixed_w), len(mixed_r), len(kept)
    w_tags, r_tags = points[:n_w], points[n_w : n_w + n_r]
    l_tags = points[n_w + n_r : n_w + n_r + n_l]
    cancelled_tags = set(points[n_w + n_r + n_l :])
    row_units = [index.get(p) for p in (unit_dec.decrypted() if units else ())]
    unusable = _unusable_rows(run, l_tags, row_units, b.unit_voters, cancelled_per_unit)
    roll_of = {t: i for i, t in enumerate(l_tags)}

    # B3: revocation, winner by winner, revocation by revocation
    revoking: dict[Point, list[int]] = {}
    for j, r in enumerate(r_tags):
        revoking.setdefault(r, []).append(j)
    matched = [(i, j) for i, t in enumerate(w_tags) for j in revoking.get(t, ())]
    revoked: set[int] = set()
    if matched:
        pairs = pair_rows(
            [(mixed_w[i][W_ACTIVATION], mixed_r[j][R_ACTIVATION]) for i, j in matched]
        )
        equal = _equivalence(run, a, "B-revoke", B_REVOKE_PETS, pairs)
        if isinstance(equal, Close):
            return equal
        for (i, j), same in zip(matched, equal, strict=True):
            if same:
                revoked.add(i)
            else:
                run.failures.append(
                    Failure(
                        "close.revocation", "service",
                        f"revocation {j} matches winner {i} with another activation: void",
                    )
                )  # fmt: skip
    survivors = [i for i in range(n_w) if i not in revoked]
    decided: dict[str, object] = {
        "winners": mixed_w, "revoked": len(revoked), "survivors": len(survivors), **known,
    }  # fmt: skip

    # B4: only now the survivors' handles, with y2
    h_points = _tags(
        run,
        a,
        "B-handle",
        B_HANDLES,
        as_rows([mixed_w[i][W_HANDLE] for i in survivors]),
        known=decided,
    )
    if isinstance(h_points, Close):
        return h_points
    joins: dict[Point, list[int]] = {}
    for i, t in zip(survivors, h_points, strict=True):
        joins.setdefault(t, []).append(i)
    joined: list[tuple[int, int]] = []  # (survivor, kept roll row), by survivor
    dropped = 0  # survivors on cancelled rows: one election-wide number
    for t, found in joins.items():
        row = roll_of.get(t)
        if row is None and t not in cancelled_tags:
            for i in found:
                run.failures.append(
                    Failure(
                        "close.voters", "service or organiser",
                        f"survivor {i} joins no roll row: dropped",
                    )
                )  # fmt: skip
        elif row is not None and row in unusable:
            for i in found:
                run.failures.append(
                    Failure(unusable[row], "organiser", f"survivor {i} joins unusable roll row")
                )
        elif len(found) > 1:
            run.failures.append(
                Failure(
                    "close.voters", "service",
                    f"survivors {found} join one roll row (a missed revocation): all dropped",
                )
            )  # fmt: skip
        elif row is None:  # a cancelled row: the voter voted on paper, the e-vote is void
            dropped += 1
        else:
            joined.append((found[0], row))
    joined.sort()
    decided["paper_cancelled"] = dropped

    # B5: activation against the joined roll row; B6: the row's unit, known since B2
    counted: list[Counted] = []
    if joined:
        pairs = pair_rows(
            [(mixed_w[i][W_ACTIVATION], kept[row][L_ACTIVATION]) for i, row in joined]
        )
        equal = _equivalence(run, a, "B-activate", B_ACTIVATION_PETS, pairs, decided)
        if isinstance(equal, Close):
            return equal
        for (i, row), same in zip(joined, equal, strict=True):
            unit = row_units[row]
            if not same:
                run.failures.append(
                    Failure(
                        "close.activation", "service or organiser",
                        f"survivor {i}'s activation is not its roll row's: dropped",
                    )
                )  # fmt: skip
            else:
                assert unit is not None  # a row without a unit is unusable
                counted.append(Counted(i, unit))
    decided["counted"] = tuple(counted)

    # B6: the tally per reporting unit
    tally = _tally(run, a, b, mixed_w, counted, decided)
    if isinstance(tally, Close):
        return tally
    _not_taken_after_the_end(run)
    close = Close(
        a, (), "done", tuple(run.failures), (), (), run.cursor, tuple(run.ignored),
        tuple(run.opened), tally=tally,
    )  # fmt: skip
    return replace(close, **decided)  # type: ignore[arg-type]


def _tally(
    run: _Run, a: StageA, b: StageBInputs, winners: Rows, counted: Sequence[Counted],
    decided: Mapping[str, object],
) -> CloseTally | Close:  # fmt: skip
    """B6 (docs/coercion.md §5.4): the counted survivors' ciphertexts of the contests
    counted by sum, summed per reporting unit and in total (record-format §7's entries,
    ``min_unit_size`` applied to the counted ballots per reporting unit), and of each
    contest counted by mixing its column, in survivor order, mixed alone (round
    ``B-column``); then both decrypted (round ``B-tally``)."""
    k, manifest = run.keys.threshold, run.ctx.manifest
    unit_ids = [u for u, _ in b.units]
    entries, counted_per_unit = summed_entries(
        manifest, unit_ids, ((c.unit, winners[c.row][W_CONTESTS:]) for c in counted)
    )
    offsets, start = {}, W_CONTESTS
    for contest in manifest.contests:
        offsets[contest.id] = start
        start += len(contest.slot_ids)
    mixes = []
    for contest in mixed_contests(manifest):
        lo = offsets[contest.id]
        rows = tuple(winners[c.row][lo : lo + len(contest.slot_ids)] for c in counted)
        mixes.append(_MixCollector(run, COLUMN + contest.id, rows, k if rows else 0))
    if not run.round("B-column", mixes):
        return _b_pending(run, a, "B-column", mixes, **decided)
    columns = tuple((m.step.list.removeprefix(COLUMN), m.step.inputs) for m in mixes)
    # no ballot: every sum is the zero ciphertext; no contest counted by sum: no sums
    need = k if counted and entries else 0
    sums = _ShareCollector(run, "decrypt", B_TALLY, as_rows([e.ciphertext for e in entries]), need)
    decs = [
        _ShareCollector(
            run, "decrypt", COLUMN + cid, as_rows([ct for r in rows for ct in r]),
            k if counted else 0,
        )
        for cid, rows in columns
    ]  # fmt: skip
    if not run.round(LAST_ROUND, [sums, *decs]):
        return _b_pending(run, a, LAST_ROUND, [sums, *decs], **decided)
    plaintexts = list(
        zip(
            [e.id for e in entries],
            sums.decrypted() if need else [IDENTITY] * len(entries),
            strict=True,
        )
    )
    slots = {c.id: c.slot_ids for c in manifest.contests}
    for (cid, rows), dec in zip(columns, decs, strict=True):
        values = iter(dec.decrypted() if counted else ())
        plaintexts += [
            (row_entry_id(cid, i, slot), next(values))
            for i in range(len(rows))
            for slot in slots[cid]
        ]
    return CloseTally(
        counted_per_unit, tuple(entries), columns, tuple(plaintexts), sums.step.done_by
    )


def _not_taken_after_the_end(run: _Run) -> None:
    """Objects after the close's last step belong to no step: not taken, and named."""
    while run.cursor < len(run.items):
        item = run.items[run.cursor]
        kind, name = item_step(item)
        run.failures.append(
            Failure(
                "close.steps", "service",
                f"close object {run.cursor}: {kind} of {name} belongs to no open step "
                "(the close is over)",
            )
        )  # fmt: skip
        run.ignored.append(run.cursor)
        run.cursor += 1


def _tags(
    run: _Run, a: StageA, round_: str, name: str, inputs: Rows,
    also: Sequence[_ShareCollector] = (), known: Mapping[str, object] | None = None,
) -> tuple[Point, ...] | Close:  # fmt: skip
    """A round of ``y2`` tag shares of ``inputs`` and the round of their decryption (with
    the decryptions ``also`` beside it): the tags, in order."""
    k = run.keys.threshold
    tags = _ShareCollector(run, "tag", name, inputs, k if inputs else 0, key="y2")
    if not run.round(round_, [tags]):
        return _b_pending(run, a, round_, [tags], **(known or {}))
    shares = [i.share for i in tags.items if isinstance(i, ListTagShare)]
    combined = as_rows(combine_tag_shares(shares, k, run.keys.trustees)) if shares else ()
    dec = _ShareCollector(run, "decrypt", name, combined, k if combined else 0)
    collectors = [dec, *also]
    if not run.round(f"{round_}-dec", collectors):
        return _b_pending(run, a, f"{round_}-dec", collectors, **(known or {}))
    return dec.decrypted() if combined else ()


def _unusable_rows(
    run: _Run, handles: Sequence[Point], units: Sequence[int | None], voters: Sequence[int],
    cancelled: Sequence[int],
) -> dict[int, str]:  # fmt: skip
    """The roll rows no survivor may join, each with the check that names the organiser:
    rows sharing a handle tag (``roll.handles``), rows whose unit is no reporting unit
    (``close.units``); and ``roll.counts`` when the rows' units, with the ``cancelled``
    rows per reporting unit, do not add up to the voters per reporting unit the organiser
    signed."""
    seen: dict[Point, list[int]] = {}
    for i, t in enumerate(handles):
        seen.setdefault(t, []).append(i)
    out: dict[int, str] = {}
    for rows in seen.values():
        if len(rows) > 1:
            run.failures.append(
                Failure("roll.handles", "organiser", f"{len(rows)} roll rows share a handle tag")
            )
            out.update(dict.fromkeys(rows, "roll.handles"))
    for i, u in enumerate(units):
        if u is None:
            run.failures.append(Failure("close.units", "organiser", f"roll row {i}: no unit"))
            out.setdefault(i, "close.units")
    counts = [sum(1 for u in units if u == unit) + cancelled[unit] for unit in range(len(voters))]
    if (units or any(cancelled)) and counts != list(voters):
        run.failures.append(
            Failure(
                "roll.counts", "organiser",
                f"the roll's rows hold {counts} voters per reporting unit; the roll summary "
                f"signed {list(voters)}",
            )
        )  # fmt: skip
    return out


def _paper(
    run: _Run, a: StageA, b: StageBInputs, roll: Rows, index: Mapping[Point, int]
) -> tuple[Rows, tuple[Ciphertext, ...], list[int], tuple[tuple[str, int, int], ...]] | Close:
    """P-tag … P-mix (docs/coercion.md §5.4, "Paper lists"): the kept roll rows (B.kept's
    last mix), the cancelled rows' handles (B.cancelled's last mix), the reporting unit of
    each cancelled row, and per station with a list (rows validly cancelled, failures)."""
    k = run.keys.threshold
    zero = Ciphertext(IDENTITY, IDENTITY)
    listings = [(p, h) for p in b.paper for h in p.handles]
    pairs = pair_rows(
        [(h, zero) for h in column(roll, L_HANDLE)] + [(h, zero) for _, h in listings]
    )
    # P-tag: each trustee blinds every row with one exponent; P-tag-dec: z*V per row
    blind = _ShareCollector(run, "equivalence", P_TAGS, pairs, k, one_exponent=True)
    if not run.round("P-tag", [blind]):
        return _b_pending(run, a, "P-tag", [blind])
    eq = [i.share for i in blind.items if isinstance(i, ListEquivalence)]
    dec = _ShareCollector(
        run, "decrypt", P_TAGS, as_rows(combine_equivalence_shares(eq, k, run.keys.trustees)), k
    )
    if not run.round("P-tag-dec", [dec]):
        return _b_pending(run, a, "P-tag-dec", [dec])
    tags = dec.decrypted()
    n = len(roll)
    rows_of: dict[Point, list[int]] = {}
    for r, t in enumerate(tags[:n]):
        rows_of.setdefault(t, []).append(r)
    ids = [u for u, _ in b.units]
    failures: dict[str, int] = {p.station: 0 for p in b.paper}

    def fail(station: str, detail: str) -> None:
        failures[station] += 1
        run.failures.append(Failure("close.paper", f"commission of {station}", detail))

    listed: dict[int, list[int]] = {}  # roll row -> the listings (paper rows) joining it
    # listings the organiser's roll keeps from applying (rows sharing a handle, a row of
    # no reporting unit: named in B2): not the station's fault, not in its count
    excused: dict[str, int] = dict.fromkeys(failures, 0)
    for i, ((p, _), t) in enumerate(zip(listings, tags[n:], strict=True)):
        rows = rows_of.get(t)
        if rows is None:
            fail(p.station, f"paper row {i}: the voter listed is on no roll row: not applied")
        elif len(rows) == 1:
            listed.setdefault(rows[0], []).append(i)
        else:  # rows sharing a tag are unusable (roll.handles): not applied
            excused[p.station] += 1
    joined = sorted(listed)
    # P-units: the joined rows' units, and nothing of any other row
    units_dec = _ShareCollector(
        run, "decrypt", P_UNITS, as_rows([roll[r][L_UNIT] for r in joined]), k if joined else 0
    )
    if not run.round("P-units", [units_dec]):
        return _b_pending(run, a, "P-units", [units_dec])
    unit_of_row = dict(
        zip(joined, (index.get(u) for u in (units_dec.decrypted() if joined else ())), strict=True)
    )
    valid_of: dict[str, int] = dict.fromkeys(failures, 0)
    cancelled: list[int] = []
    for r in joined:
        u = unit_of_row[r]
        valid = []
        for i in listed[r]:
            p = listings[i][0]
            if u is None:  # no reporting unit: the row is unusable (close.units, B2)
                excused[p.station] += 1
                continue
            if p.unit != u:
                fail(
                    p.station,
                    f"paper row {i} lists a voter of {ids[u]}, not of {ids[p.unit]}: not applied",
                )
            else:
                valid.append(i)
        if not valid:
            continue
        cancelled.append(r)
        stations = sorted({listings[i][0].station for i in valid})
        for station in stations:
            valid_of[station] += 1
        if len(valid) > 1:
            for station in stations:
                fail(
                    station,
                    f"paper rows {valid} ({', '.join(stations)}) list one voter: the voter's "
                    "roll row is cancelled once",
                )
    for p in b.paper:
        if valid_of[p.station] != len(p.handles) - excused[p.station]:
            fail(
                p.station,
                f"the paper list of {p.station} holds {len(p.handles)} voter(s)"
                + (
                    f" ({excused[p.station]} on roll rows the organiser made unusable)"
                    if excused[p.station]
                    else ""
                )
                + f"; it validly cancels {valid_of[p.station]} roll row(s)",
            )
    # P-mix: the kept rows and the cancelled rows' handles, each re-mixed by k trustees
    gone = set(cancelled)
    kept_rows = tuple(row for r, row in enumerate(roll) if r not in gone)
    cancelled_rows = as_rows([roll[r][L_HANDLE] for r in cancelled])
    mixes = [
        _MixCollector(run, B_KEPT, kept_rows, k if kept_rows else 0),
        _MixCollector(run, B_CANCELLED, cancelled_rows, k if cancelled_rows else 0),
    ]
    by_station = tuple((p.station, valid_of[p.station], failures[p.station]) for p in b.paper)
    if not run.round("P-mix", mixes):
        return _b_pending(run, a, "P-mix", mixes)
    units = [unit_of_row[r] for r in cancelled]
    return (
        mixes[0].step.inputs,
        column(mixes[1].step.inputs, 0),
        [u for u in units if u is not None],
        by_station,
    )


def _unit_point(u: int) -> Point:
    return base_mul(Scalar(u)) if u else IDENTITY


def _equivalence(
    run: _Run, a: StageA, round_: str, name: str, pairs: Rows,
    known: Mapping[str, object] | None = None,
) -> list[bool] | Close:  # fmt: skip
    """An equivalence round and its decryption round: per pair, whether the plaintexts
    are equal."""
    k, known = run.keys.threshold, known or {}
    pet = _ShareCollector(run, "equivalence", name, pairs, k)
    if not run.round(round_, [pet]):
        return _b_pending(run, a, round_, [pet], **known)
    eq = [i.share for i in pet.items if isinstance(i, ListEquivalence)]
    sums = as_rows(combine_equivalence_shares(eq, k, run.keys.trustees))
    dec = _ShareCollector(run, "decrypt", name, sums, k)
    if not run.round(f"{round_}-dec", [dec]):
        return _b_pending(run, a, f"{round_}-dec", [dec], **known)
    return [plaintexts_equal(p) for p in dec.decrypted()]
