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
                (``Enc(V), Enc(u), Enc(A)`` per roll row) and ``B.paper``
                (``Enc(V), Enc(u)`` per voter a commission listed, ``Enc(u)`` trivial)
B-tag           ``y2`` tag shares of ``B.tags``: the winners' ``Enc(tau)``, the
                revocations' ``Enc(R)``, the roll's ``Enc(V)``, the paper lists' ``Enc(V)``
B-tag-dec       their decryption, every roll row's ``Enc(u)`` (``B.units``: the rows per
                unit must be the counts the organiser signed, ``roll.counts``) and every
                paper row's (``B.paper-units``): a paper tag cancels the roll row it joins
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

**Paper ballots** (docs/coercion.md §5.4, "What part 2 adds here"): each paper station's
commission lists, in its signed ``paper`` event, the voters it issued a paper ballot to, as
``Enc(V)``.  Those lists, mixed (``B.paper``), are tagged with the roll in B2; every roll
row a paper tag joins is **cancelled**, and a survivor that joins a cancelled row at B4 is
dropped without a failure (its e-vote is cancelled by the paper ballot) and never reaches
B5.  A paper tag that joins no roll row, or a row of another unit, and a voter listed twice
name the commission (``close.paper``).  An election without paper lists has no ``B.paper``
chain, no ``B.paper-units`` and the lists, rounds and objects it had before.
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
#: the paper stations' lists of voters (B1) and their units, decrypted in B-tag-dec (B2)
B_PAPER = "B.paper"
B_PAPER_UNITS = "B.paper-units"
#: the list of a contest counted by mixing: ``column/<contest id>`` (B6)
COLUMN = "column/"

#: the columns of a row of ``B.winners``, ``B.revocations`` and ``B.roll``
W_TAG, W_HANDLE, W_ACTIVATION, W_CONTESTS = 0, 1, 2, 3
R_REVOKED, R_ACTIVATION = 0, 1
L_HANDLE, L_UNIT, L_ACTIVATION = 0, 1, 2
P_HANDLE, P_UNIT = 0, 1


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

    def paper_rows(self) -> Rows:
        """``B.paper`` (B1): ``(Enc(V), Enc(u))`` per voter listed, the stations in
        manifest unit order, each in upload order; ``Enc(u)`` the trivial ciphertext
        ``(O, u·G)`` of the station's reporting unit (``(O, O)`` for ``u = 0``)."""
        return tuple(
            (handle, Ciphertext(IDENTITY, _unit_point(p.unit)))
            for p in self.paper
            for handle in p.handles
        )


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
    #: (once B2 is decrypted), and the survivors dropped on them at B4 (once B4 is)
    paper_rows: tuple[tuple[str, int], ...] = ()
    paper_cancelled: tuple[tuple[str, int], ...] = ()

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
    paper = b.paper_rows()
    if paper:  # no chain, and no step at all, without paper lists
        mixes.append(_MixCollector(run, B_PAPER, paper, k))
    if not run.round("B-mix", mixes):
        return _b_pending(run, a, "B-mix", mixes)
    mixed_w, mixed_r, mixed_l = (m.step.inputs for m in mixes[:3])
    mixed_p = mixes[3].step.inputs if paper else ()

    # B2: y2 tags of the winners' tau, the revocations' R, the roll's V, the paper V
    tag_inputs = as_rows(
        column(mixed_w, W_TAG) + column(mixed_r, R_REVOKED) + column(mixed_l, L_HANDLE)
        + column(mixed_p, P_HANDLE)
    )  # fmt: skip
    # and, decrypted with them, every roll row's unit: their counts are checked against
    # the counts the organiser signed, and no unit is decrypted for one voter alone; and
    # every paper row's unit (the commission's: it names the commission)
    units = as_rows(column(mixed_l, L_UNIT))
    unit_dec = _ShareCollector(run, "decrypt", B_UNITS, units, k if units else 0)
    also = [unit_dec]
    if paper:
        also.append(
            _ShareCollector(run, "decrypt", B_PAPER_UNITS, as_rows(column(mixed_p, P_UNIT)), k)
        )
    points = _tags(run, a, "B-tag", B_TAGS, tag_inputs, also=also)
    if isinstance(points, Close):
        return points
    n_w, n_r, n_l = len(mixed_w), len(mixed_r), len(mixed_l)
    w_tags, r_tags = points[:n_w], points[n_w : n_w + n_r]
    l_tags, p_tags = points[n_w + n_r : n_w + n_r + n_l], points[n_w + n_r + n_l :]
    index = {_unit_point(u): u for u in range(b.reporting_units)}
    row_units = [index.get(p) for p in (unit_dec.decrypted() if units else ())]
    unusable = _unusable_rows(run, l_tags, row_units, b.unit_voters)
    roll_of = {t: i for i, t in enumerate(l_tags)}
    paper_units = [index.get(p) for p in (also[1].decrypted() if paper else ())]
    cancelled = _paper_joins(run, b, p_tags, paper_units, l_tags, row_units)
    unit_ids = [u for u, _ in b.units]
    paper_rows = tuple(
        (uid, sum(1 for r in cancelled if row_units[r] == u)) for u, uid in enumerate(unit_ids)
    )

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
        "winners": mixed_w, "revoked": len(revoked), "survivors": len(survivors),
        "paper_rows": paper_rows,
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
    joins: dict[int, list[int]] = {}
    for i, t in zip(survivors, h_points, strict=True):
        row = roll_of.get(t)
        if row is None:
            run.failures.append(
                Failure(
                    "close.voters", "service or organiser",
                    f"survivor {i} joins no roll row: dropped",
                )
            )  # fmt: skip
        elif row in unusable:
            run.failures.append(
                Failure(unusable[row], "organiser", f"survivor {i} joins unusable roll row")
            )
        else:
            joins.setdefault(row, []).append(i)
    joined: list[tuple[int, int]] = []  # (survivor, roll row), by survivor
    dropped = [0] * b.reporting_units  # survivors on cancelled rows, per reporting unit
    for row, found in joins.items():
        if len(found) > 1:
            run.failures.append(
                Failure(
                    "close.voters", "service",
                    f"survivors {found} join one roll row (a missed revocation): all dropped",
                )
            )  # fmt: skip
        elif row in cancelled:  # the voter voted on paper: the e-vote is cancelled
            unit = row_units[row]
            assert unit is not None  # a row without a unit is unusable
            dropped[unit] += 1
        else:
            joined.append((found[0], row))
    joined.sort()
    decided["paper_cancelled"] = tuple(zip(unit_ids, dropped, strict=True))

    # B5: activation against the joined roll row; B6: the row's unit, known since B2
    counted: list[Counted] = []
    if joined:
        pairs = pair_rows(
            [(mixed_w[i][W_ACTIVATION], mixed_l[row][L_ACTIVATION]) for i, row in joined]
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
    if not run.round("B-tally", [sums, *decs]):
        return _b_pending(run, a, "B-tally", [sums, *decs], **decided)
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
    run: _Run, handles: Sequence[Point], units: Sequence[int | None], voters: Sequence[int]
) -> dict[int, str]:
    """The roll rows no survivor may join, each with the check that names the organiser:
    rows sharing a handle tag (``roll.handles``), rows whose unit is no reporting unit
    (``close.units``); and ``roll.counts`` when the rows' units do not add up to the
    voters per reporting unit the organiser signed."""
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
    counts = [sum(1 for u in units if u == unit) for unit in range(len(voters))]
    if units and counts != list(voters):
        run.failures.append(
            Failure(
                "roll.counts", "organiser",
                f"the roll's rows hold {counts} voters per reporting unit; the roll summary "
                f"signed {list(voters)}",
            )
        )  # fmt: skip
    return out


def _paper_joins(
    run: _Run, b: StageBInputs, tags: Sequence[Point], units: Sequence[int | None],
    roll_tags: Sequence[Point], row_units: Sequence[int | None],
) -> set[int]:  # fmt: skip
    """B2's joins of the paper lists (docs/coercion.md §5.4, "What part 2 adds here"):
    the roll rows cancelled, those whose handle tag a paper row's tag equals (all of them
    when roll rows share a tag, ``roll.handles``).  Each is named with the commission of
    the paper row's reporting unit (``close.paper``): a paper tag that joins no roll row
    (not applied), or a row of another reporting unit (applied: the voter must not vote
    twice), and paper rows that share a tag (the row cancelled once); and per reporting
    unit, the rows the unit's lists hold against the rows of the unit each cancelled by
    exactly one paper row, of the unit, when they differ."""
    ids = [u for u, _ in b.units]

    def named(u: int | None) -> str:
        return "service" if u is None else f"commission of {ids[u]}"

    rows_of: dict[Point, list[int]] = {}
    for r, t in enumerate(roll_tags):
        rows_of.setdefault(t, []).append(r)
    by_tag: dict[Point, list[int]] = {}
    for i, t in enumerate(tags):
        by_tag.setdefault(t, []).append(i)
    cancelled: dict[int, list[int]] = {}  # roll row -> the paper rows that join it
    for i, (t, u) in enumerate(zip(tags, units, strict=True)):
        rows = rows_of.get(t)
        if u is None:  # cannot happen: B.paper's units are the board's, mixed with proofs
            run.failures.append(Failure("close.paper", "service", f"paper row {i}: no unit"))
        if rows is None:
            run.failures.append(
                Failure(
                    "close.paper", named(u),
                    f"paper row {i}: the voter listed is on no roll row: not applied",
                )
            )  # fmt: skip
            continue
        for r in rows:
            cancelled.setdefault(r, []).append(i)
            w = row_units[r]
            if u is not None and w is not None and w != u:
                run.failures.append(
                    Failure(
                        "close.paper", named(u),
                        f"paper row {i} lists a voter of {ids[w]}: the voter's e-vote is "
                        "cancelled all the same (no one votes twice)",
                    )
                )  # fmt: skip
    for t, found in by_tag.items():
        if len(found) > 1 and t in rows_of:
            who = sorted({named(units[i]) for i in found})
            run.failures.append(
                Failure(
                    "close.paper", ", ".join(who),
                    f"paper rows {found} list one voter: the voter's roll row is cancelled once",
                )
            )  # fmt: skip
    listed = [sum(1 for u in units if u == unit) for unit in range(len(ids))]
    once = [0] * len(ids)
    for r, found in cancelled.items():
        u = row_units[r]
        if u is not None and len(found) == 1 and units[found[0]] == u:
            once[u] += 1
    for u, (n, m) in enumerate(zip(listed, once, strict=True)):
        if n != m:
            run.failures.append(
                Failure(
                    "close.paper", named(u),
                    f"the paper lists of {ids[u]} hold {n} voter(s); {m} roll row(s) of "
                    f"{ids[u]} are cancelled by exactly one of them",
                )
            )  # fmt: skip
    return set(cancelled)


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
