"""The independent verifier: recompute an election's result from its record alone.

It imports only :mod:`honestballot.crypto`, :mod:`honestballot.protocol` and
:mod:`honestballot.record` (an import-linter contract in CI enforces this).  It
runs every check even after one fails, and the :class:`Report` names each check
that failed and why.

Checks, in order: record format; log (every signed tree head matches the Merkle
root at its size and is signed by the board key; the last one covers the whole
log); the witnesses' co-signatures, and the board's times against their clocks;
setup (the trustees' ceremony re-verified, the joint key recomputed);
board rules (phase order, registered credentials, no replay, supersession);
ballot proofs (every cast ballot, on all cores or a Dask cluster); audit openings; mixes
(once the record is closed: every mix's place, trustee's signature and proof of shuffle,
whose rows are checked on the same cores or cluster);
tally (re-aggregated from the last ballot of every credential, per unit, with the
minimum unit size); decryption shares (every Chaum--Pedersen proof); result
(recombined from any k valid shares, discrete logs recovered).

An election with re-voting protection (its setup names a batch schedule) is checked for
what its board holds so far (docs/coercion.md §6): board rules and ``board.schedule``
(batches in order, on time, of exactly their sizes, each followed by exactly its items;
the close's block; the close after every batch due), ``registrations.proofs``,
``rows.proofs`` (each cast row's ballot, flag ``E0``, counter proof), and each audited
ballot version 2's proofs (``ballots.proofs``) and opening (``audits.openings``); then
the close (verify/close.py: its stages A and B replayed from the trustees' objects, the
failures with a remedy named) and the result its last round decrypts (``tally``,
``result.counts``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, partial
from typing import Any

from honestballot.crypto.dlog import DiscreteLogTable
from honestballot.crypto.group import Point
from honestballot.crypto.merkle import MerkleTree, leaf_hash
from honestballot.errors import HonestBallotError, RecordFormatError
from honestballot.protocol.ballot import (
    BallotOpening,
    EncryptedBallot,
    SpoiledBallot,
    alphas,
    check_opening,
    verify_ballot,
)
from honestballot.protocol.ballot_v2 import (
    BallotV2,
    CastRow,
    ballot_alphas,
    cast_row_alphas,
    verify_ballot_v2,
    verify_cast_row,
)
from honestballot.protocol.board import (
    AuditEvent,
    BallotEvent,
    BatchEvent,
    BoardRules,
    CastRowEvent,
    CloseEvent,
    Event,
    Phase,
    RegistrationEvent,
    check_close,
    check_phase,
    check_sequence,
)
from honestballot.protocol.close_a import StageAInputs
from honestballot.protocol.close_b import Close, StageBInputs
from honestballot.protocol.close_result import close_result, differing_members
from honestballot.protocol.decryption import (
    DecryptionShare,
    EncryptedTally,
    PublishedTally,
    combine_valid_shares,
    verify_decryption_share,
)
from honestballot.protocol.dkg_verify import ElectionKey
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.encrypted_roll import RollRow
from honestballot.protocol.mix import (
    Mix,
    check_chain_complete,
    mixed_result,
    next_input,
)
from honestballot.protocol.mix_parts import MixPart, check_mix, check_part, part_digest
from honestballot.protocol.padding import Padding, verify_padding
from honestballot.protocol.ranked import plaintext_bound, ranked_result
from honestballot.protocol.registration import (
    Registration,
    registration_alphas,
    verify_registration,
)
from honestballot.protocol.schedule import Cover
from honestballot.protocol.schedule_plan import epsilon_text, ratio_text
from honestballot.protocol.share_parts import SharePart
from honestballot.protocol.share_parts import assemble as assemble_share
from honestballot.protocol.share_parts import check_part as check_share_part
from honestballot.protocol.share_parts import part_digest as share_part_digest
from honestballot.protocol.tally import compute_tally, entry_id, units_broken_out
from honestballot.protocol.witnesses import (
    CLOCK_SKEW_MS,
    BoardKeys,
    WitnessedTime,
    check_quorum,
    check_roll_signature,
    witnessed_time_problems,
)
from honestballot.record.ballot import ballot_from_json, opening_from_json, spoiled_from_json
from honestballot.record.codec import Reader, canonical_bytes, parse_json
from honestballot.record.events import (
    MAX_LINE_BYTES,
    RECORD_VERSION,
    EventLine,
    SignedTreeHead,
    board_event,
    event_from_json,
    tree_head_from_json,
)
from honestballot.record.mix import mix_head_from_json, mix_part_from_json
from honestballot.record.revoting import (
    ballot_v2_from_json,
    cast_row_from_json,
    padding_from_json,
    registration_from_json,
)
from honestballot.record.setup import context_from_setup
from honestballot.record.share_parts import share_head_from_json, share_part_from_json
from honestballot.record.trustee import decode_encrypted_tally
from honestballot.record.witness import (
    Cosignature,
    cosignature_from_json,
    roll_signature,
    roll_summary_bytes,
)
from honestballot.verify.close import (
    REMEDIED_A,
    counting_paper_lists,
    read_close,
    round_failures,
)
from honestballot.verify.mixes import verify_shuffle_on
from honestballot.verify.paper import check_paper
from honestballot.verify.parallel import ClusterError, Engine, Shared, open_engine
from honestballot.verify.roll import (
    check_roll_encrypted,
    check_roll_units,
    roll_unit_of,
    roll_unit_voters,
)
from honestballot.verify.shares import check_part_proofs
from honestballot.verify.state import VerifiedState, inconsistency
from honestballot.verify.stations import check_station_signatures, check_stations, paper_stations

#: The fingerprint voters see is the first 16 hex digits of the base hash (64 bits).
FINGERPRINT_MIN_HEX = 16


@dataclass
class Check:
    name: str
    passed: bool
    detail: str
    #: a failure with a remedy (docs/coercion.md §5.5): it names a party and the count
    #: goes on without what it dropped, so the record is not made invalid by it
    named: bool = False


@dataclass
class Report:
    election_id: str = "?"
    checks: list[Check] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)
    #: in an election with re-voting protection, once its close began: the close as far
    #: as the record goes (what ``honestballot trustee close-round`` acts on next)
    close: Close | None = field(default=None, repr=False)
    #: once every check of an election with re-voting protection passed: what was
    #: checked, for the next verification of a longer record (verify/state.py)
    state: VerifiedState | None = field(default=None, repr=False)

    def ok(self, name: str, detail: str) -> None:
        self.checks.append(Check(name, True, detail))

    def fail(self, name: str, detail: str) -> None:
        self.checks.append(Check(name, False, detail))

    def name_failure(self, name: str, detail: str) -> None:
        """A failure with a remedy: shown, counted, and not a failure of the record."""
        self.checks.append(Check(name, True, detail, named=True))

    @property
    def named(self) -> list[Check]:
        return [c for c in self.checks if c.named]

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    @property
    def passed(self) -> bool:
        return not self.failures and bool(self.checks)


@dataclass
class _Parsed:
    events: list[tuple[EventLine, bytes]] = field(default_factory=list)
    heads: list[tuple[int, SignedTreeHead]] = field(default_factory=list)
    #: (number of events before the line, position among the tree heads, co-signature)
    cosignatures: list[tuple[int, int, Cosignature]] = field(default_factory=list)

    @cached_property
    def tree(self) -> MerkleTree:
        """The Merkle tree over the events (read once every line is)."""
        return MerkleTree(leaf_hash(raw) for _, raw in self.events)


def _read_lines(lines: Iterable[bytes], report: Report) -> _Parsed | None:
    parsed = _Parsed()
    it = iter(lines)
    try:
        first = next(it).rstrip(b"\n")
        header = Reader(parse_json(first, limit=4096, what="record header"), "header")
        if header.text("type", max_len=32) != "election-record":
            raise HonestBallotError("the first line is not an election-record header")
        version = header.integer("version")
        if version != RECORD_VERSION:
            raise HonestBallotError(
                f"unsupported record version {version} (supported: {RECORD_VERSION})"
            )
        report.election_id = header.text("election_id", max_len=64)
        header.done()
        for number, raw in enumerate(it, start=2):
            raw = raw.rstrip(b"\n")
            obj = parse_json(raw, limit=MAX_LINE_BYTES, what=f"line {number}")
            kind = obj.get("type") if isinstance(obj, dict) else None
            if kind == "event":
                ev = event_from_json(obj, f"line {number}")
                if canonical_bytes(obj) != raw:
                    raise HonestBallotError(f"line {number}: event is not in canonical form")
                if ev.seq != len(parsed.events):
                    raise HonestBallotError(
                        f"line {number}: event seq {ev.seq}, expected {len(parsed.events)}"
                    )
                parsed.events.append((ev, raw))
            elif kind == "tree-head":
                parsed.heads.append(
                    (len(parsed.events), tree_head_from_json(obj, f"line {number}"))
                )
            elif kind == "cosignature":
                cosig = cosignature_from_json(obj, f"line {number}")
                parsed.cosignatures.append((len(parsed.events), len(parsed.heads) - 1, cosig))
            else:
                raise HonestBallotError(f"line {number}: unknown line type {kind!r}")
    except StopIteration:
        report.fail("record.format", "the record is empty")
        return None
    except HonestBallotError as exc:
        report.fail("record.format", str(exc))
        return None
    report.ok(
        "record.format",
        f"{len(parsed.events)} events, {len(parsed.heads)} tree heads, "
        f"{len(parsed.cosignatures)} co-signatures",
    )
    return parsed


def _check_log(parsed: _Parsed, election_id: str, board_key: Point, report: Report) -> None:
    """Every tree head is signed by the board key and matches the log where it stands."""
    tree = parsed.tree
    problems: list[str] = []
    last_time = -1
    for position, sth in parsed.heads:
        head = sth.head
        if head.size > tree.size:
            problems.append(f"tree head of size {head.size} is larger than the log")
            continue
        if head.size != position:
            problems.append(f"tree head of size {head.size} stands after event {position}")
        if tree.root(head.size) != head.root:
            problems.append(f"tree head of size {head.size}: root does not match the log")
        try:
            sth.verify(election_id, board_key)
        except HonestBallotError as exc:
            problems.append(str(exc))
        if head.timestamp_ms < last_time:
            problems.append(f"tree head of size {head.size}: timestamp goes backwards")
        last_time = head.timestamp_ms
    times = [ev.time_ms for ev, _ in parsed.events]
    backwards = [i for i in range(1, len(times)) if times[i] < times[i - 1]]
    if backwards:
        problems.append(f"event times go backwards at events {backwards[:10]}")
    if not parsed.heads or parsed.heads[-1][1].head.size != tree.size:
        problems.append("no signed tree head covers the whole log")
    if problems:
        report.fail("log.tree-heads", "; ".join(problems))
    else:
        report.ok(
            "log.tree-heads",
            f"{len(parsed.heads)} signed tree heads consistent; root {tree.root().hex()[:16]}…",
        )


def _check_witnesses(
    parsed: _Parsed, ctx: ElectionContext, keys: BoardKeys, report: Report, *, quorum: bool
) -> list[Cosignature]:
    """Every co-signature follows the head it co-signs and is a named witness's; with
    ``quorum``, the record's final head carries the quorum the setup names.  Returns the
    valid co-signatures."""
    problems: list[str] = []
    valid: list[Cosignature] = []
    seen: set[tuple[int, Point]] = set()
    signers: dict[int, list[Point]] = {}
    for events_before, head_index, cosig in parsed.cosignatures:
        what = f"co-signature of the tree head of size {cosig.head.size}"
        if head_index < 0 or parsed.heads[head_index][0] != events_before:
            problems.append(f"{what} does not follow a tree head")
            continue
        if parsed.heads[head_index][1].head != cosig.head:
            problems.append(
                f"{what} is for another head than the one it follows (size, root or time "
                "differ): the witness saw another board"
            )
            continue
        if (head_index, cosig.witness) in seen:
            problems.append(f"{what}: witness {cosig.witness.hex()[:16]}… co-signs it twice")
            continue
        seen.add((head_index, cosig.witness))
        try:
            cosig.verify(ctx.base_hash, ctx.manifest.election_id, keys)
        except HonestBallotError as exc:
            problems.append(f"{what}: {exc}")
            continue
        signers.setdefault(head_index, []).append(cosig.witness)
        valid.append(cosig)
    final = len(parsed.heads) - 1
    if quorum and keys.quorum and final >= 0:
        try:
            check_quorum(
                keys,
                signers.get(final, []),
                f"the final tree head (size {parsed.heads[final][1].head.size})",
            )
        except HonestBallotError as exc:
            problems.append(str(exc))
    if problems:
        report.fail("log.witnesses", "; ".join(problems))
    elif not keys.witnesses:
        report.ok("log.witnesses", "the setup names no witnesses")
    else:
        n = len(signers.get(final, []))
        unchecked = "" if quorum else " (NOT REQUIRED: --without-witness-quorum)"
        report.ok(
            "log.witnesses",
            f"{len(parsed.cosignatures)} co-signatures valid; the final tree head is co-signed "
            f"by {n} of {len(keys.witnesses)} witnesses (quorum {keys.quorum}){unchecked}",
        )
    return valid


def _check_witness_times(
    parsed: _Parsed, keys: BoardKeys, valid: list[Cosignature], report: Report
) -> None:
    """The board's times against the witnesses' clocks (protocol/witnesses.py's rule)."""
    if not keys.witnesses:
        report.ok(
            "log.witness-times",
            "the setup names no witnesses: the board's times rest on the service's clock",
        )
        return
    names = {w.key: w.name for w in keys.witnesses}
    problems = witnessed_time_problems(
        [(ev.time_ms, ev.kind) for ev, _ in parsed.events],
        [(sth.head.size, sth.head.timestamp_ms) for _, sth in parsed.heads],
        [
            WitnessedTime(names[c.witness], c.head.size, c.head.timestamp_ms, c.witnessed_ms)
            for c in valid
        ],
    )
    if problems:
        more = f"; and {len(problems) - 10} more" if len(problems) > 10 else ""
        report.fail("log.witness-times", "; ".join(problems[:10]) + more)
    else:
        report.ok(
            "log.witness-times",
            f"{len(valid)} valid co-signatures: no event or head is stamped more than "
            f"{CLOCK_SKEW_MS // 1000} s after a witness saw it on the board, or before a "
            "witness saw the head it came after",
        )


def _check_roll_signature(
    parsed: _Parsed, ctx: ElectionContext, keys: BoardKeys, report: Report
) -> None:
    """The roll summary carries the organiser's signature if, and only if, the setup names
    the organiser's key (and then it is on the board before the open)."""
    rolls = [ev for ev, _ in parsed.events if ev.kind == "roll"]
    opened = any(ev.kind == "open" for ev, _ in parsed.events)
    if not rolls and not opened:
        report.ok("roll.signature", "no roll summary yet (the election is not open)")
        return
    try:
        roll = rolls[0] if rolls else None
        check_roll_signature(
            keys,
            ctx.base_hash,
            roll_summary_bytes(roll.body) if roll is not None else None,
            roll_signature(roll.body, f"event {roll.seq}.body") if roll is not None else None,
        )
    except HonestBallotError as exc:
        report.fail("roll.signature", str(exc))
        return
    if keys.organiser_key is None:
        report.ok("roll.signature", "the setup names no organiser key; the roll is unsigned")
    else:
        report.ok("roll.signature", "the roll summary is signed by the organiser's key")


def _check_encrypted_roll(
    parsed: _Parsed, ctx: ElectionContext, keys: BoardKeys, report: Report
) -> list[RollRow]:
    """``roll.units`` and ``roll.encrypted`` (verify/roll.py); the rows checked."""
    rows: list[RollRow] = []
    events = [ev for ev, _ in parsed.events]
    try:
        report.ok("roll.units", check_roll_units(events, ctx))
    except HonestBallotError as exc:
        report.fail("roll.units", str(exc))
    try:
        report.ok("roll.encrypted", check_roll_encrypted(events, ctx, keys, rows))
    except HonestBallotError as exc:
        report.fail("roll.encrypted", str(exc))
    return rows


def _check_fingerprint(ctx: ElectionContext, fingerprint: str, report: Report) -> None:
    """The base hash starts with the fingerprint the observer was given out of band."""
    pinned = fingerprint.strip().lower()
    actual = ctx.base_hash.hex()
    if len(pinned) < FINGERPRINT_MIN_HEX or any(c not in "0123456789abcdef" for c in pinned):
        report.fail(
            "setup.fingerprint",
            f"a fingerprint is at least {FINGERPRINT_MIN_HEX} hex digits, not {fingerprint!r}",
        )
    elif actual.startswith(pinned):
        report.ok("setup.fingerprint", f"the base hash starts with {pinned}")
    else:
        report.fail(
            "setup.fingerprint",
            f"the record's fingerprint is {actual[: len(pinned)]}, not {pinned}: this record "
            "is not the election whose fingerprint you were given (another board key, "
            "other witnesses, manifest or election key)",
        )


# -- parallel ballot verification --------------------------------------------------------


def _load_context(setup_body: bytes) -> ElectionContext:
    """The election context in a worker, from the setup's canonical bytes (the ceremony
    was checked once, in the process reading the record)."""
    return context_from_setup(parse_json(setup_body, limit=MAX_LINE_BYTES), check_ceremony=False)[0]


def _verify_items(ctx: ElectionContext, items: list[tuple[int, Any]]) -> list[tuple[int, str]]:
    errors = []
    for seq, obj in items:
        try:
            verify_ballot(ctx, ballot_from_json(obj, f"event {seq}.ballot"))
        except HonestBallotError as exc:
            errors.append((seq, str(exc)))
    return errors


def _verify_ballots(
    ctx: ElectionContext, setup_raw: bytes, items: list[tuple[int, Any]], engine: Engine
) -> list[tuple[int, str]]:
    return engine.map_chunks(_verify_items, items, Shared(setup_raw, _load_context, ctx))


# -- the whole record --------------------------------------------------------------------


def verify_record(
    lines: Iterable[bytes],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    fingerprint: str | None = None,
    require_quorum: bool = True,
    now_ms: int | None = None,
    known: VerifiedState | None = None,
) -> Report:
    """Run every check over the record given as its lines (bytes, header first); with
    ``fingerprint`` (the first hex digits of the base hash, got out of band), also check
    that the record is that election.  Without ``require_quorum`` the final head need
    not be witnessed yet (a witness checking a board before its first co-signature).
    With ``known`` (what this verifier checked before, verify/state.py), refuse a record
    that does not extend that one (``verified-state``), and check again no proof of the
    events it verified.

    Ballot proofs and proofs of shuffle are checked in ``workers`` local processes
    (default: every core), or on the Dask cluster whose scheduler is at ``scheduler``
    (``tcp://HOST:PORT``), which is connected to before the record is read
    (:class:`ClusterError` if it cannot be)."""
    with open_engine(workers=workers, scheduler=scheduler) as engine:
        now = int(time.time() * 1000) if now_ms is None else now_ms
        return _verify_record(lines, engine, fingerprint, require_quorum, now, known)


def _verify_record(
    lines: Iterable[bytes],
    engine: Engine,
    fingerprint: str | None,
    require_quorum: bool,
    now_ms: int,
    known: VerifiedState | None = None,
) -> Report:
    report = Report()
    parsed = _read_lines(lines, report)
    if parsed is None:
        return report
    if not parsed.events or parsed.events[0][0].kind != "setup":
        report.fail("setup", "the first event is not the setup")
        return report
    setup_line = parsed.events[0][0]
    setup_raw = canonical_bytes(dict(setup_line.body))
    try:
        ctx, key, board_keys = context_from_setup(setup_line.body)
        if ctx.manifest.election_id != report.election_id:
            raise HonestBallotError("the header's election id differs from the manifest's")
    except HonestBallotError as exc:
        report.fail("setup", str(exc))
        return report
    report.ok(
        "setup",
        f"manifest and {key.ceremony.threshold}-of-{key.ceremony.trustees} key ceremony verified "
        f"(the election key and the tag keys y1, y2); qualified trustees {list(key.qualified)}; "
        "the service's designated-verifier key W proven known",
    )
    if fingerprint is not None:
        _check_fingerprint(ctx, fingerprint, report)
    if known is not None:
        why = inconsistency(known, report.election_id, ctx.base_hash, parsed.tree)
        if why is not None:
            report.fail("verified-state", why)
            return report
        report.ok(
            "verified-state",
            f"the record's first {known.size} events are those verified before (their "
            f"Merkle root {known.root.hex()[:16]}…): their proofs are not checked again",
        )
    skip = known.size if known is not None else 0
    _check_log(parsed, report.election_id, board_keys.board_key, report)
    cosignatures = _check_witnesses(parsed, ctx, board_keys, report, quorum=require_quorum)
    _check_witness_times(parsed, board_keys, cosignatures, report)
    _check_roll_signature(parsed, ctx, board_keys, report)
    roll = _check_encrypted_roll(parsed, ctx, board_keys, report)
    try:
        report.ok("stations.commissions", check_stations((ev for ev, _ in parsed.events), ctx))
    except HonestBallotError as exc:
        report.fail("stations.commissions", str(exc))
    try:
        report.ok(
            "stations.signature",
            check_station_signatures((ev for ev, _ in parsed.events), ctx, board_keys),
        )
    except HonestBallotError as exc:
        report.fail("stations.signature", str(exc))
    paper = check_paper((ev for ev, _ in parsed.events), ctx)
    for name, (passed, detail) in (paper or {}).items():
        (report.ok if passed else report.fail)(name, detail)
    try:
        decoded = _decode_ballots(parsed)
        audits = _decode_audits(parsed)
        revoting = _decode_revoting(parsed)
    except HonestBallotError as exc:
        report.fail("record.format", str(exc))
        return report
    ballots = _collect_ballots(parsed)  # their bodies are well formed: decoded above
    rules = _replay(parsed, decoded, audits, revoting, ctx.public_key, ctx.base_hash, report)
    if rules is None:
        return report
    if rules.schedule is not None:
        report.stats.update(
            ballots_audited=len(revoting.audits),
            batches=rules.batches,
            registrations=rules.registrations,
            cast_rows=rules.rows,
        )
        _check_registrations(ctx, setup_raw, parsed, report, engine, skip)
        padding_errors = _check_padding(ctx, revoting, rules, report, skip)
        _check_rows(ctx, setup_raw, parsed, report, engine, padding_errors, skip)
        _check_audits_v2(ctx, revoting.audits, report, skip)
        proven = known.proven if known is not None else frozenset()
        _check_close(ctx, key, parsed, revoting, roll, report, now_ms, proven, skip)
        if report.passed:
            close = report.close
            report.state = VerifiedState(
                report.election_id, ctx.base_hash, parsed.tree.size, parsed.tree.root(),
                close.consumed if close is not None else 0,
                close.ignored if close is not None else (),
            )  # fmt: skip
        return report
    report.stats.update(
        ballots_cast=len(ballots),
        ballots_audited=len(audits),
        credentials=len(rules.credential_unit),
        credentials_replaced=len(rules.revoked),
        ballots_counted=len(rules.latest_ballot),
        superseded=len(rules.superseded),
    )
    invalid = _check_ballots(ctx, setup_raw, ballots, report, engine)
    _check_audits(ctx, audits, report)
    valid = {seq: b for seq, b in decoded.items() if seq not in invalid}
    _check_tally_and_result(ctx, key, parsed, rules, valid, report, engine)
    return report


def _cover_text(cover: Cover) -> str:
    """What the setup's cover replacements' ``K0`` and ``ε`` mean (docs/coercion.md §4):
    with ``ε`` above 1 the noise hides next to nothing, which is said, not failed."""
    said = f"cover replacements K0 = {cover.k0}, epsilon = {epsilon_text(cover.epsilon_milli)}"
    if cover.hides:
        return (
            f"{said} (any one replacement makes the published counts at most e^epsilon = "
            f"{ratio_text(cover.epsilon_milli)} times more or less likely)"
        )
    return (
        f"{said}: above 1, so the cover does not hide how many voters replaced a "
        "credential (the close's counts show it)"
    )


class _ScheduleBroken(HonestBallotError):
    """A rule of the batch schedule broken (the check ``board.schedule``)."""


def _apply(rules: BoardRules, event: Event) -> None:
    """``rules.apply(event)``, raising :class:`_ScheduleBroken` when what the event breaks
    is the schedule: a batch in its phase and place that breaks its rule
    (``check_batch_event``), or a close that obeys the rules of version 1's close but not
    the schedule's part of it."""
    if rules.schedule is None or not isinstance(event, BatchEvent | CloseEvent):
        rules.apply(event)
        return
    kind = "batch" if isinstance(event, BatchEvent) else "close"
    check_sequence(rules, kind)
    check_phase(rules, kind)
    if isinstance(event, CloseEvent):
        check_close(replace(rules, schedule=None), event)
    try:
        rules.apply(event)
    except HonestBallotError as exc:
        raise _ScheduleBroken(str(exc)) from None


def _replay(
    parsed: _Parsed,
    ballots: dict[int, tuple[EncryptedBallot, bytes]],
    audits: dict[int, tuple[SpoiledBallot, BallotOpening]],
    revoting: _Revoting,
    public_key: Point,
    base_hash: bytes,
    report: Report,
) -> BoardRules | None:
    rules = BoardRules()
    #: (first, last, what): tree-head sizes that would end inside a batch or the close's
    #: block, each appended by the service in one transaction
    inside: list[tuple[int, int, str]] = []
    block_start: int | None = None
    try:
        for ev, _ in parsed.events:
            closing_before = rules.closing_ms
            if ev.kind == "ballot":
                ballot, tracking = ballots[ev.seq]
                rules.apply(BallotEvent(ballot.credential, tracking, alphas(ballot)))
            elif ev.kind == "audit" and ev.seq in revoting.audits:
                v2 = revoting.audits[ev.seq][0]
                tracking = v2.tracking_hash(public_key)
                rules.apply(AuditEvent(tracking, ballot_alphas(v2), ev.time_ms, 2))
            elif ev.kind == "audit":
                spoiled = audits[ev.seq][0]
                rules.apply(AuditEvent(spoiled.tracking_hash(), alphas(spoiled), ev.time_ms))
            elif ev.kind == "registration":
                reg = revoting.registrations[ev.seq]
                # the service's revokes is on the board too: its alpha is the board's once
                reg_alphas = registration_alphas(reg) | {reg.commitment.revokes.alpha.data}
                tracking = reg.tracking_hash(public_key)
                nonce = reg.commitment.nonce
                rules.apply(RegistrationEvent(tracking, nonce, reg_alphas, ev.time_ms))
            elif ev.kind == "cast-row":
                row = revoting.rows[ev.seq]
                tracking = row.ballot.tracking_hash(public_key)
                rules.apply(CastRowEvent(tracking, cast_row_alphas(row), ev.time_ms))
            else:
                _apply(rules, board_event(ev, f"event {ev.seq}", public_key, base_hash))
            if ev.kind == "batch":
                items = int(ev.body["rows"]) + int(ev.body["registrations"])
                inside.append((ev.seq + 1, ev.seq + items, f"batch {ev.body['index']}"))
            if closing_before is None and rules.closing_ms is not None:
                block_start = ev.seq
            if ev.kind == "close" and block_start is not None:
                inside.append((block_start + 1, ev.seq, "the close's block"))
        if rules.pending_supersede is not None:
            raise HonestBallotError(
                "the last ballot replaced another but no superseded event follows"
            )
        if rules.pending_batch is not None:
            raise HonestBallotError(
                f"the record ends inside batch {rules.pending_batch.index}, before its "
                f"{rules.pending_batch.rows} more cast rows and "
                f"{rules.pending_batch.registrations} more registrations"
            )
    except _ScheduleBroken as exc:
        report.fail("board.schedule", f"event {ev.seq} ({ev.kind}): {exc}")
        return None
    except HonestBallotError as exc:
        report.fail("board.rules", f"event {ev.seq} ({ev.kind}): {exc}")
        return None
    for _, sth in parsed.heads:
        size = sth.head.size
        for first, last, what in inside:
            if first <= size <= last:
                report.fail(
                    "board.schedule",
                    f"the tree head of size {size} ends inside {what} (events {first - 1} to "
                    f"{last}), which the service appends at once: a head there means the "
                    "board was signed while it was being written",
                )
                return None
    if rules.schedule is not None:
        # the board refuses to open a protected election without its encrypted roll, so a
        # record that passed the rules names it unless the election never opened
        voters = sum(rules.roll.values()) if rules.roll is not None else 0
        encrypted_roll = (
            f"; roll of {voters} voters ({rules.contact_exceptions} shared-contact "
            f"exceptions), its {voters} encrypted rows exactly the {len(rules.roll_parts)} "
            "roll parts before it"
            if rules.roll is not None
            else ""
        )
        report.ok(
            "board.rules",
            f"phases in order; {rules.batches} batches holding {rules.registrations} "
            f"registrations and {rules.rows} cast rows, every item in its batch and at its "
            f"time; {rules.audits} audited (in one block before the close, none sharing a "
            "ciphertext with a cast row or a registration); no nonce or ciphertext alpha on "
            f"the board twice, at most one cast row per ballot{encrypted_roll}",
        )
        report.ok(
            "board.schedule",
            f"{rules.batches} batches in order, none before it was due but the close's "
            "block, each of exactly its schedule's sizes and no tree head inside one or inside "
            "the close's block; the close after every batch due by its time; "
            + _cover_text(rules.schedule.cover),
        )
        return rules
    roll = (
        f"; roll of {sum(rules.roll.values())} voters ({rules.contact_exceptions} shared-contact "
        "exceptions), no unit over its roll"
        if rules.roll is not None
        else ""
    )
    report.ok(
        "board.rules",
        f"phases in order; {rules.ballots_cast} ballots cast, {len(rules.superseded)} superseded, "
        f"{rules.audits} audited (in one block before the close, none sharing a ciphertext "
        f"with a cast ballot), {len(rules.revoked)} credentials replaced, no replays{roll}",
    )
    return rules


def _decode_ballots(parsed: _Parsed) -> dict[int, tuple[EncryptedBallot, bytes]]:
    """Every cast ballot, parsed once, with its tracking hash."""
    out: dict[int, tuple[EncryptedBallot, bytes]] = {}
    for ev, _ in parsed.events:
        if ev.kind == "ballot":
            body = Reader(ev.body, f"event {ev.seq}.body")
            ballot = ballot_from_json(body.raw("ballot"), f"event {ev.seq}.body.ballot")
            body.done()
            out[ev.seq] = (ballot, ballot.tracking_hash())
    return out


def _decode_audits(parsed: _Parsed) -> dict[int, tuple[SpoiledBallot, BallotOpening]]:
    """Every audited ballot version 1 as the board shows it (no credential), with its
    opening."""
    out: dict[int, tuple[SpoiledBallot, BallotOpening]] = {}
    for ev, _ in parsed.events:
        if ev.kind == "audit" and "ballot" not in ev.body:
            body = Reader(ev.body, f"event {ev.seq}.body")
            spoiled = spoiled_from_json(body.raw("spoiled"), f"event {ev.seq}.body.spoiled")
            opening = opening_from_json(body.raw("opening"), f"event {ev.seq}.body.opening")
            body.done()
            out[ev.seq] = (spoiled, opening)
    return out


@dataclass
class _Revoting:
    """The objects of re-voting protection on the board, by event number."""

    registrations: dict[int, Registration] = field(default_factory=dict)
    rows: dict[int, CastRow] = field(default_factory=dict)
    #: audited ballots version 2, whole, with the opening of their contests
    audits: dict[int, tuple[BallotV2, BallotOpening]] = field(default_factory=dict)
    #: the padding after the close: its event, the base hash it names, and it
    padding: tuple[int, bytes, Padding] | None = None


def _decode_revoting(parsed: _Parsed) -> _Revoting:
    """Every registration, cast row and audited ballot version 2, parsed once."""
    out = _Revoting()
    for ev, _ in parsed.events:
        p = f"event {ev.seq}.body"
        if ev.kind == "registration":
            body = Reader(ev.body, p)
            out.registrations[ev.seq] = registration_from_json(
                body.raw("registration"), f"{p}.registration"
            )
            body.done()
        elif ev.kind == "cast-row":
            body = Reader(ev.body, p)
            out.rows[ev.seq] = cast_row_from_json(body.raw("row"), f"{p}.row")
            body.done()
        elif ev.kind == "audit" and "ballot" in ev.body:
            body = Reader(ev.body, p)
            ballot = ballot_v2_from_json(body.raw("ballot"), f"{p}.ballot")
            opening = opening_from_json(body.raw("opening"), f"{p}.opening")
            body.done()
            out.audits[ev.seq] = (ballot, opening)
        elif ev.kind == "padding":
            body = Reader(ev.body, p)
            base, padding = padding_from_json(body.raw("padding"), f"{p}.padding")
            body.done()
            out.padding = (ev.seq, base, padding)
    return out


def _collect_ballots(parsed: _Parsed) -> dict[int, Any]:
    return {ev.seq: ev.body["ballot"] for ev, _ in parsed.events if ev.kind == "ballot"}


def _check_ballots(
    ctx: ElectionContext,
    setup_raw: bytes,
    ballots: dict[int, Any],
    report: Report,
    engine: Engine,
) -> set[int]:
    """Check every ballot's proofs; return the event numbers of the invalid ones."""
    items = list(ballots.items())
    errors = _verify_ballots(ctx, setup_raw, items, engine)
    if errors:
        listed = "; ".join(f"event {s}: {e}" for s, e in sorted(errors)[:20])
        report.fail("ballots.proofs", f"{len(errors)} of {len(items)} ballots invalid: {listed}")
    else:
        report.ok("ballots.proofs", f"all {len(items)} ballots' proofs and signatures verify")
    return {seq for seq, _ in errors}


def _check_audits(
    ctx: ElectionContext, audits: dict[int, tuple[SpoiledBallot, BallotOpening]], report: Report
) -> None:
    problems = []
    for seq, (spoiled, opening) in audits.items():
        try:
            check_opening(ctx, spoiled, opening)
        except HonestBallotError as exc:
            problems.append(f"event {seq}: {exc}")
    if problems:
        report.fail("audits.openings", "; ".join(problems[:20]))
    else:
        report.ok("audits.openings", f"{len(audits)} audited ballots open to what they encrypt")


def _verify_registration_items(
    ctx: ElectionContext, items: list[tuple[int, Any]]
) -> list[tuple[int, str]]:
    errors = []
    for seq, obj in items:
        try:
            reg = registration_from_json(obj, f"event {seq}.body.registration")
            verify_registration(ctx.base_hash, ctx.public_key, reg, f"event {seq}: registration")
        except HonestBallotError as exc:
            errors.append((seq, str(exc)))
    return errors


def _verify_row_items(ctx: ElectionContext, items: list[tuple[int, Any]]) -> list[tuple[int, str]]:
    errors = []
    for seq, obj in items:
        try:
            verify_cast_row(ctx, cast_row_from_json(obj, f"event {seq}.body.row"))
        except HonestBallotError as exc:
            errors.append((seq, f"event {seq}: {exc}"))
    return errors


def _before(skip: int, of: str) -> str:
    """What a check says of the proofs it took as verified before (verify/state.py)."""
    if not skip:
        return ""
    return f"; {skip} event(s) verified before, the {of} among them not checked again"


def _check_registrations(
    ctx: ElectionContext,
    setup_raw: bytes,
    parsed: _Parsed,
    report: Report,
    engine: Engine,
    skip: int = 0,
) -> None:
    """``registrations.proofs``: every registration's proofs (protocol/registration.py),
    on ``engine``; a failure names the event and the proof.  Those of the first ``skip``
    events were verified before (verify/state.py)."""
    items = [
        (ev.seq, ev.body["registration"])
        for ev, _ in parsed.events
        if ev.kind == "registration" and ev.seq >= skip
    ]
    errors = engine.map_chunks(
        _verify_registration_items, items, Shared(setup_raw, _load_context, ctx)
    )
    if errors:
        listed = "; ".join(e for _, e in sorted(errors)[:20])
        report.fail(
            "registrations.proofs", f"{len(errors)} of {len(items)} registrations invalid: {listed}"
        )
    else:
        report.ok(
            "registrations.proofs",
            f"all {len(items)} registrations' proofs verify (the service's proof of its "
            "revokes, the credential, tag, handle and activation proofs)"
            + _before(skip, "registrations"),
        )


def _check_rows(
    ctx: ElectionContext,
    setup_raw: bytes,
    parsed: _Parsed,
    report: Report,
    engine: Engine,
    padding_errors: list[str],
    skip: int = 0,
) -> None:
    """``rows.proofs``: every cast row's ballot, its flag ``E0`` exactly and its counter's
    proof (protocol/ballot_v2.py), on ``engine``; a failure names the event and the field;
    with ``padding_errors``, what the padding's rows failed (:func:`_check_padding`).
    Those of the first ``skip`` events were verified before (verify/state.py)."""
    items = [
        (ev.seq, ev.body["row"])
        for ev, _ in parsed.events
        if ev.kind == "cast-row" and ev.seq >= skip
    ]
    errors = engine.map_chunks(_verify_row_items, items, Shared(setup_raw, _load_context, ctx))
    if errors or padding_errors:
        listed = "; ".join([e for _, e in sorted(errors)[:20]] + padding_errors)
        report.fail("rows.proofs", f"{len(errors)} of {len(items)} cast rows invalid: {listed}")
    else:
        report.ok(
            "rows.proofs",
            f"all {len(items)} cast rows' ballots verify, every flag is E0 and every counter's "
            "proof of randomness verifies; every padding row's flag is E1 and its three "
            "proofs verify" + _before(skip, "cast rows and padding"),
        )


def _check_audits_v2(
    ctx: ElectionContext,
    audits: dict[int, tuple[BallotV2, BallotOpening]],
    report: Report,
    skip: int = 0,
) -> None:
    """An election with re-voting protection's audits: each audited ballot version 2's
    proofs (``ballots.proofs``: the cast ones are checked in their rows) and its opening
    (``audits.openings``, as version 1's); those of the first ``skip`` events were
    verified before (verify/state.py)."""
    proofs, openings = [], []
    for seq, (ballot, opening) in audits.items():
        if seq < skip:
            continue
        try:
            verify_ballot_v2(ctx, ballot)
        except HonestBallotError as exc:
            proofs.append(f"event {seq}: {exc}")
        try:
            check_opening(ctx, ballot, opening)
        except HonestBallotError as exc:
            openings.append(f"event {seq}: {exc}")
    if proofs:
        report.fail(
            "ballots.proofs",
            f"{len(proofs)} of {len(audits)} audited ballots invalid: {'; '.join(proofs[:20])}",
        )
    else:
        report.ok(
            "ballots.proofs",
            f"all {len(audits)} audited ballots' proofs verify (a cast ballot's are checked "
            "with its row: rows.proofs)",
        )
    if openings:
        report.fail("audits.openings", "; ".join(openings[:20]))
    else:
        report.ok("audits.openings", f"{len(audits)} audited ballots open to what they encrypt")


def _check_padding(
    ctx: ElectionContext, revoting: _Revoting, rules: BoardRules, report: Report, skip: int = 0
) -> list[str]:
    """The padding (docs/coercion.md §5.3, A0): the failures of its rows' flags and
    proofs (returned, for ``rows.proofs``) and, of ``padding.shape``, what can be checked
    before stage A: it is there once the election is closed, names this election, and
    states at most as many cover rows as the board holds cast rows (the groups' sizes are
    checked once stage A forms them)."""
    if revoting.padding is None:
        if rules.phase is not Phase.OPEN:
            report.fail("padding.shape", "the election is closed but no padding follows the close")
        return []
    seq, base, padding = revoting.padding
    problems = []
    if base != ctx.base_hash:
        problems.append(f"event {seq}: the padding names another election")
    if padding.cover_rows > rules.rows:
        problems.append(
            f"event {seq}: the padding states {padding.cover_rows} cover rows, but the board "
            f"holds {rules.rows} cast rows"
        )
    if problems:
        report.fail("padding.shape", "; ".join(problems))
    else:
        report.ok(
            "padding.shape",
            f"the padding follows the close with {len(padding.rows)} rows and "
            f"{padding.cover_rows} cover rows, at most the {rules.rows} cast rows (the "
            "groups' padded sizes come with stage A)",
        )
    try:
        if seq >= skip:  # else its proofs were verified before (verify/state.py)
            verify_padding(ctx, padding)
    except HonestBallotError as exc:
        return [f"event {seq}: {exc}"]
    return []


def _check_close(
    ctx: ElectionContext,
    key: ElectionKey,
    parsed: _Parsed,
    revoting: _Revoting,
    roll: Sequence[RollRow],
    report: Report,
    now_ms: int,
    proven: frozenset[int] = frozenset(),
    skip: int = 0,
) -> None:
    """The close's stages (docs/coercion.md §5.3, §5.4), replayed from the trustees'
    signed objects, and the result the last of them decrypts; the proofs of the objects
    at the positions ``proven`` among the first ``skip`` events were verified before
    (verify/state.py)."""
    if revoting.padding is None:  # not closed yet, or the padding is missing (named)
        _check_revoting_close(parsed, report)
        return
    close = [
        ev for ev, _ in parsed.events if ev.kind in ("close-round", "close-part", "close-step")
    ]
    rows = [revoting.rows[seq] for seq in sorted(revoting.rows)]
    registrations = [revoting.registrations[seq] for seq in sorted(revoting.registrations)]
    events = [ev for ev, _ in parsed.events]
    voters = roll_unit_voters(events)
    # the paper stations' lists cancel e-votes at the close (docs/coercion.md §5.4, "Paper
    # lists"): each station's last paper event before the first close object
    order = [u.id for u in ctx.manifest.units]
    with_paper, where = paper_stations(events, order), roll_unit_of(events)
    try:
        lists, uploads = counting_paper_lists(events, order, with_paper, where)
    except HonestBallotError as exc:  # the board's replay refuses such a record first
        report.fail("close.inputs", f"the paper events cannot be read: {exc}")
        return
    reading = read_close(
        ctx, key, close, rows, registrations, revoting.padding[2], roll, voters,
        paper=lists, paper_stations=with_paper, unit_of=where, proven=proven,
        verified_before=skip,
    )  # fmt: skip
    for check, detail in reading.errors:
        report.fail(check, detail)
    stage = reading.close
    if stage is None:
        return
    # a stalled round: its deadline passed by the record's last head or by now (a board
    # that stalls signs no new head)
    now_ms = max(now_ms, parsed.heads[-1][1].head.timestamp_ms if parsed.heads else 0)
    stage = replace(
        stage, failures=(*stage.failures, *round_failures(stage, reading.announced, now_ms))
    )
    report.close = stage
    described = {
        "close.signatures": f"{reading.steps} objects of the close, each signed by its trustee",
        "close.steps": "every object taken belongs to a step open at its place on the board; "
        "each step took exactly k objects of distinct trustees",
        "mix.proofs": "every mix of the close taken: its chain, its mixers, its proof of shuffle",
        "tags.proofs": "every tag share and cover point tag share taken is proven",
        "close.trustees": "every offset, equivalence share and decryption factor taken is proven",
        "registrations.unique": "no two registrations share a y1 tag",
        "close.cover": "every group that joins no registration is one cover row",
        "close.counters": "every joined group's counters are distinct and consecutive",
        "close.dummy": "every winner's flag decrypts to 0",
        "close.credential": "every winner's voting point tests equal to its registration's",
        "roll.handles": "the mixed roll's handle tags are distinct",
        "close.revocation": "every matched revocation's activation tests equal to its winner's",
        "close.voters": "every survivor joins one roll row, and no roll row two survivors",
        "close.activation": "every joined survivor's activation tests equal to its roll row's",
        "close.units": "every roll row's unit decrypts to a reporting unit",
        "roll.counts": "the roll rows' units add up to the voters per reporting unit signed in "
        "the roll summary",
        "close.paper": "every voter a commission listed on paper cancels one roll row of its "
        "reporting unit, and no voter is listed twice",
        "close.rounds": f"the service announced each of the {len(stage.opened)} round(s) the "
        "close opened, where it opened, with its deadline",
        "close.stalled": "no open round is past its deadline",
    }
    report.ok(
        "close.inputs",
        "A.rows, A.registrations, B.revocations and B.roll are the board's, in board order",
    )
    for check in REMEDIED_A:
        found = [f for f in stage.failures if f.check == check]
        for f in found:
            report.name_failure(check, f"names the {f.party}: {f.detail}")
        if not found:
            report.ok(check, described[check])
    if stage.a.done:
        report.ok(
            "close.stage-a",
            f"stage A done: {len(stage.a.winners)} credential(s) with a last ballot",
        )
        report.stats.update(stage_a_winners=len(stage.a.winners))
    if stage.done:
        report.ok(
            "close.stage-b",
            f"stage B done: {len(stage.counted)} ballot(s) counted, one per voter, in their "
            f"reporting units; {len(stage.failures)} failure(s) with a remedy",
        )
        report.stats.update(counted=len(stage.counted))
    else:
        steps = ", ".join(f"{s.kind} of {s.list} ({len(s.done_by)} done)" for s in stage.next)
        report.ok("close.stage-a" if not stage.a.done else "close.stage-b",
                  f"under way, round {stage.round}: {steps}")  # fmt: skip
    # the close-step that completed the close (the last object it consumed)
    completed = reading.seqs[stage.consumed - 1] if stage.done and stage.consumed else None
    _check_close_result(
        ctx, reading.inputs, stage, parsed, report, reading.b_inputs, uploads, completed
    )


def _check_revoting_close(parsed: _Parsed, report: Report) -> None:
    """Before the padding nothing of the count is on the board: the board's rules refuse
    a result there, and a tally, mixes or shares in such an election at all."""
    report.ok("tally", "no tally yet (the close's stages have not begun)")


def _check_close_result(
    ctx: ElectionContext,
    inputs: StageAInputs | None,
    stage: Close,
    parsed: _Parsed,
    report: Report,
    b_inputs: StageBInputs | None = None,
    uploads: Mapping[str, int] | None = None,
    completed: int | None = None,
) -> None:
    """``tally`` and ``result.counts`` of an election with re-voting protection: the
    close's last round decrypted its sums and columns (docs/coercion.md §5.4, B6), and
    the ``result`` is exactly what they give (record-format §7), its ``paper`` member
    (paper stations, cancellations, counts combined) included; once a signed tree head
    covers the ``close-step`` that completed the close (event ``completed``), a result
    must be on the board (the service appends it in the same transaction, §6)."""
    results = [ev for ev, _ in parsed.events if ev.kind == "result"]
    if not stage.done or stage.tally is None or inputs is None:
        if results:
            report.fail(
                "result.counts",
                f"event {results[0].seq}: a result stands on the board, but the close is "
                f"not done (round {stage.round})",
            )
        else:
            report.ok("tally", f"no tally yet: the close is in round {stage.round}")
        return
    tally = stage.tally
    try:
        expected = close_result(ctx, inputs, stage, b_inputs, uploads=uploads)
    except HonestBallotError as exc:
        report.fail("result.counts", f"the close's decryption gives no result: {exc}")
        return
    report.ok(
        "tally",
        f"{len(tally.entries)} sums of the {tally.ballots} counted ballot(s) over "
        f"{len(tally.counted_per_unit)} reporting unit(s) and {len(tally.columns)} mixed "
        f"contest column(s), decrypted by trustees {list(tally.trustees)} (B.tally)",
    )
    report.counts = {str(c["id"]): int(c["count"]) for c in expected["counts"]}
    if not results:
        covering = [
            sth.head.size
            for _, sth in parsed.heads
            if completed is not None and sth.head.size > completed
        ]
        if covering:
            report.fail(
                "result.counts",
                f"event {completed} completed the close and the tree head of size "
                f"{covering[0]} covers it, but no result follows (the service appends the "
                "result with the close's last step)",
            )
        else:
            report.ok("result", "the close is done; no result published yet")
        return
    differ = differing_members(results[0].body, expected)
    if differ:
        report.fail(
            "result.counts",
            f"event {results[0].seq}: the result's {', '.join(differ)} differ from what the "
            "close decrypts",
        )
    else:
        report.ok(
            "result.counts",
            f"the result is the close's: {len(expected['counts'])} counts, "
            f"{tally.ballots} ballot(s) counted per reporting unit",
        )


def _check_tally_and_result(
    ctx: ElectionContext,
    key: ElectionKey,
    parsed: _Parsed,
    rules: BoardRules,
    decoded: dict[int, tuple[EncryptedBallot, bytes]],
    report: Report,
    engine: Engine,
) -> None:
    by_kind: dict[str, list[EventLine]] = {}
    for ev, _ in parsed.events:
        by_kind.setdefault(ev.kind, []).append(ev)
    if "close" not in by_kind:  # no mix, tally or result can come before it (board rules)
        report.ok("tally", "no tally yet (election not tallied)")
        return
    # Only ballots whose proofs verify are counted: an invalid counted ballot has already
    # failed ballots.proofs, and a tally that included it cannot match this one.
    by_tracking = {tracking: ballot for ballot, tracking in decoded.values()}
    counted = [
        (rules.credential_unit[cred], by_tracking[th])
        for cred, th in rules.latest_ballot.items()
        if th in by_tracking
    ]
    counted.sort(key=lambda item: item[1].tracking_hash())
    # version 1's mixes (old records) are checked once the election is closed, before its
    # tally, against the counted ballots whose proofs verify, by increasing tracking hash
    chains = _check_mixes(ctx, key, by_kind, [b for _, b in counted], report, engine)
    if "tally" not in by_kind:
        report.ok("tally", "no tally yet (election not tallied)")
        return
    tally_body = by_kind["tally"][0].body
    try:
        body = Reader(tally_body, "tally")
        published = decode_encrypted_tally(body.raw("tally"), "tally.tally")
        published_counts = body.items("counted_per_unit", _unit_count)
        body.done()
    except HonestBallotError as exc:
        report.fail("tally.aggregation", f"the tally event is malformed: {exc}")
        return
    try:
        check_chain_complete(ctx.manifest, key.threshold, chains)
        recomputed = compute_tally(
            ctx.manifest,
            ctx.base_hash,
            counted,
            {contest: chain[-1] for contest, chain in chains.items() if chain},
        )
    except HonestBallotError as exc:
        report.fail("tally.aggregation", f"the tally cannot stand: {exc}")
        return
    tally: EncryptedTally | None = recomputed.tally
    if recomputed.tally.published() != published:
        diff = _tally_difference(recomputed.tally.to_object(), published.to_object())
        report.fail("tally.aggregation", f"the published encrypted tally differs: {diff}")
        tally = _resolve(ctx, published, chains)
    elif list(recomputed.counted_per_unit) != published_counts:
        report.fail("tally.aggregation", "the published number of ballots per unit is wrong")
    else:
        report.ok(
            "tally.aggregation",
            f"encrypted tally recomputed from {recomputed.ballots_counted} counted ballots",
        )
    _check_units_broken_out(ctx, published, published_counts, report)
    _check_shares_and_result(ctx, key, tally, by_kind, recomputed.ballots_counted, report, engine)


def _resolve(
    ctx: ElectionContext, published: PublishedTally, chains: dict[str, list[Mix]]
) -> EncryptedTally | None:
    """A tally that is not the recomputed one, with the rows of the valid mixes it names
    (so that its shares can still be checked), or None if it names no valid mix."""
    named = {}
    for ref in published.mixes:
        found = [m for m in chains.get(ref.contest, []) if m.digest == ref.mix]
        if found:
            named[ref.contest] = (
                found[0].digest,
                ctx.manifest.contest(ref.contest).slot_ids,
                found[0].rows,
            )
    try:
        return published.resolve(named)
    except HonestBallotError:
        return None


def _check_mixes(
    ctx: ElectionContext,
    key: ElectionKey,
    by_kind: dict[str, list[EventLine]],
    counted: list[EncryptedBallot],
    report: Report,
    engine: Engine,
) -> dict[str, list[Mix]]:
    """Every mix on the board: its place, its trustee's signature and its proof of
    shuffle of the previous rows (the first of the counted ballots' ciphertexts, in
    tracking-hash order), whose rows are checked on ``engine``.  Returns the chains
    whose every mix checks out."""
    events = sorted(by_kind.get("mix-part", []) + by_kind.get("mix", []), key=lambda e: e.seq)
    chains: dict[str, list[Mix]] = {}
    parts: dict[bytes, MixPart] = {}
    refused: dict[bytes, int] = {}  # parts on the board that are not valid
    problems: list[str] = []
    for ev in events:
        try:
            if ev.kind == "mix-part":
                part = mix_part_from_json(ev.body, f"event {ev.seq}")
                digest = part_digest(ctx.base_hash, part)
                refused[digest] = ev.seq
                earlier = [m.trustee for m in chains.get(part.contest, [])]
                check_part(
                    ctx.manifest, ctx.base_hash, key.verification_keys, earlier, len(counted), part
                )
                parts[digest] = part
                refused.pop(digest)
                continue
            head = mix_head_from_json(ev.body, f"event {ev.seq}")
            chain = chains.setdefault(head.contest, [])
            previous = next_input(ctx.manifest, head.contest, counted, chain)
            mix = check_mix(
                ctx.manifest,
                ctx.base_hash,
                ctx.public_key,
                key.verification_keys,
                previous,
                [m.trustee for m in chain],
                head,
                parts,
                verify=partial(verify_shuffle_on, engine),
                refused=refused,
            )
            chain.append(mix)
        except HonestBallotError as exc:
            problems.append(f"event {ev.seq}: {exc}")
    mixed = [c.id for c in ctx.manifest.contests if c.count == "mix"]
    if problems:
        report.fail("mix.proofs", "; ".join(problems))
    elif mixed:
        report.ok(
            "mix.proofs",
            "; ".join(
                f"contest {c}: {len(chains.get(c, []))} mixes by trustees "
                f"{[m.trustee for m in chains.get(c, [])]}, every proof of shuffle verified"
                for c in mixed
            ),
        )
    return chains


def _check_units_broken_out(
    ctx: ElectionContext,
    published: PublishedTally,
    counts: list[tuple[str, int]],
    report: Report,
) -> None:
    """The units whose entries the tally holds are exactly those the rule of
    docs/record-format.md §7 breaks out, given the published ballots per unit: none it
    holds back (below the minimum, or giving one away by subtraction from the totals),
    and none it breaks out is held back."""
    allowed = units_broken_out(counts, ctx.manifest.min_unit_size)
    shown = {e.id.split("@", 1)[1] for e in published.entries if "@" in e.id}
    slots = [
        entry_id(c.id, o.id) for c in ctx.manifest.contests if c.count == "sum" for o in c.options
    ]
    expected = slots + [f"{s}@{u.id}" for u in ctx.manifest.units if u.id in allowed for s in slots]
    problems = []
    extra = [
        e.id for e in published.entries if "@" in e.id and e.id.split("@", 1)[1] not in allowed
    ]
    if extra:
        problems.append(
            "entries that give away units below the minimum size, directly or by "
            f"subtraction from the totals: {extra[:10]}"
        )
    # a unit is broken out in the summed contests' entries: with none (every contest
    # counted by mixing) no unit is shown, and the expected order below is all there is
    missing = sorted(allowed - shown) if slots else []
    if missing:
        problems.append(
            f"units held back although the rule breaks them out (enough ballots, and the "
            f"units held back are safe together): {missing}"
        )
    if not problems and [e.id for e in published.entries] != expected:
        problems.append(
            "the tally's entries are not the totals then each unit broken out, in order"
        )
    if problems:
        report.fail("tally.min-unit-size", "; ".join(problems))
    else:
        report.ok(
            "tally.min-unit-size",
            f"exactly the units the rule breaks out ({len(allowed)}) are broken out: none below "
            f"{ctx.manifest.min_unit_size} ballots, none whose held-back units could be worked "
            "out from the totals",
        )


def _count_item(value: Any, path: str) -> tuple[str, int]:
    r = Reader(value, path)
    out = (r.text("id", max_len=200), r.integer("count", minimum=0))
    r.done()
    return out


def _trustee_index(value: Any, path: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise RecordFormatError(f"{path}: expected a trustee index (an integer from 1)")
    return value


def _rejected_share(value: Any, path: str) -> dict[str, Any]:
    r = Reader(value, path)
    out = {"trustee": r.integer("trustee", minimum=1), "reason": r.text("reason")}
    r.done()
    return out


def _unit_count(value: Any, path: str) -> tuple[str, int]:
    r = Reader(value, path)
    out = (r.text("unit", max_len=64), r.integer("ballots", minimum=0))
    r.done()
    return out


def _tally_difference(a: dict[str, Any], b: dict[str, Any]) -> str:
    ea = {e["id"]: e for e in a["entries"]}
    eb = {e["id"]: e for e in b["entries"]}
    if ea.keys() != eb.keys():
        return f"entries {sorted(ea.keys() ^ eb.keys())[:10]} present in only one of them"
    bad = [i for i in ea if ea[i] != eb[i]]
    return f"entries {bad[:10]} have different ciphertexts" if bad else "header fields differ"


def _check_share_parts(
    ctx: ElectionContext,
    key: ElectionKey,
    tally: EncryptedTally,
    by_kind: dict[str, list[EventLine]],
    bad: list[str],
    engine: Engine,
) -> tuple[dict[bytes, tuple[int, SharePart]], dict[bytes, int]]:
    """Every ``share-part`` on the board: valid ones by digest, with the event number of
    its first copy, and the event number of each invalid one (also named in ``bad``).
    Places, shapes and signatures are checked here, the shares' proofs on ``engine``."""
    placed: list[tuple[EventLine, bytes, SharePart]] = []
    refused: dict[bytes, int] = {}
    for ev in by_kind.get("share-part", []):
        try:
            part = share_part_from_json(ev.body, f"event {ev.seq}")
        except HonestBallotError as exc:
            bad.append(f"event {ev.seq}: {exc}")
            continue
        digest = share_part_digest(ctx.base_hash, part)
        try:
            check_share_part(ctx.base_hash, key, tally, part, proofs=False)
            placed.append((ev, digest, part))
        except HonestBallotError as exc:
            refused[digest] = ev.seq
            bad.append(f"event {ev.seq}: {exc}")
    verdicts = check_part_proofs(engine, key.verification_keys, tally, [p for _, _, p in placed])
    parts: dict[bytes, tuple[int, SharePart]] = {}
    for (ev, digest, part), why in zip(placed, verdicts, strict=True):
        if why is None:
            parts.setdefault(digest, (ev.seq, part))
        else:
            refused[digest] = ev.seq
            bad.append(f"event {ev.seq}: {why}")
    return parts, refused


def _check_shares_and_result(
    ctx: ElectionContext,
    key: ElectionKey,
    tally: EncryptedTally | None,
    by_kind: dict[str, list[EventLine]],
    ballots_counted: int,
    report: Report,
    engine: Engine,
) -> None:
    shares: list[DecryptionShare] = []
    bad: list[str] = []
    if tally is None:
        if by_kind.get("share-part") or by_kind.get("decryption-share"):
            bad.append("the tally names no valid mix, so no share of it can be checked")
        report.fail("decryption.shares", "; ".join(bad) or "the tally cannot be read")
        return
    parts, refused = _check_share_parts(ctx, key, tally, by_kind, bad, engine)
    for ev in by_kind.get("decryption-share", []):
        try:
            head = share_head_from_json(ev.body["share"], f"event {ev.seq}.share")
            # a share names parts on the board before it (§7): a part standing after it
            # is, for this share, not on the board
            before = {d: part for d, (seq, part) in parts.items() if seq < ev.seq}
            share = assemble_share(tally, head, before, refused)
            verify_decryption_share(key, tally, share, parts_checked=True)
            shares.append(share)
        except HonestBallotError as exc:
            bad.append(f"event {ev.seq}: {exc}")
    if bad:
        report.fail("decryption.shares", "; ".join(bad))
    else:
        report.ok(
            "decryption.shares",
            f"{len(shares)} decryption shares with valid proofs"
            + (f" ({len(parts)} parts)" if parts else ""),
        )
    if "result" not in by_kind:
        report.ok("result", "no result published yet")
        return
    body = by_kind["result"][0].body
    try:
        decrypted = combine_valid_shares(key, tally, shares, parts_checked=True)
        table = DiscreteLogTable(plaintext_bound(ctx.manifest, ballots_counted))
        recomputed = {e.id: table.solve(e.plaintext) for e in decrypted.entries}
        result = Reader(body, "result")
        published_list = result.items("counts", _count_item)
        published_trustees = result.items("trustees", _trustee_index)
        published_rejected = result.items("rejected_shares", _rejected_share)
        published_mixed = result.raw("mixed") if result.has("mixed") else None
        published_ranked = result.raw("ranked") if result.has("ranked") else None
        result.done()
        expected_mixed = mixed_result(ctx.manifest, ballots_counted, recomputed).get("mixed")
        expected_ranked = ranked_result(
            ctx.manifest, ctx.base_hash, ballots_counted, recomputed
        ).get("ranked")
    except (HonestBallotError, KeyError, TypeError) as exc:
        report.fail("result.counts", f"the result cannot be recomputed: {exc}")
        return
    report.counts = recomputed
    problems: list[str] = []
    ids = [i for i, _ in published_list]
    if ids != [e.id for e in tally.entries]:
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        problems.append(
            "the result's entries are not exactly the tally's listed entries in order"
            + (f" (duplicated: {dupes[:10]})" if dupes else "")
        )
    wrong = [i for i, c in published_list if recomputed.get(i) != c]
    if wrong:
        problems.append(f"published counts differ from the decryption for {wrong[:10]}")
    if published_trustees != list(decrypted.trustees):
        problems.append(
            f"the result names trustees {published_trustees}, "
            f"but the shares combine as {list(decrypted.trustees)}"
        )
    expected_rejected = [{"trustee": r.trustee, "reason": r.reason} for r in decrypted.rejected]
    if published_rejected != expected_rejected:
        problems.append("the result's rejected shares differ from the shares on the board")
    if published_mixed != expected_mixed:
        problems.append("the mixed contests' counts differ from their decrypted rows")
    if published_ranked != expected_ranked:
        problems.append(
            "the ranked contests' count (rounds, pairwise matrix, ranking or winner) differs "
            "from the count of their decrypted rows"
        )
    if problems:
        report.fail("result.counts", "; ".join(problems))
    else:
        report.ok(
            "result.counts",
            f"{len(recomputed)} counts recomputed from trustees {list(decrypted.trustees)}",
        )


def verify_record_file(
    path: str,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    fingerprint: str | None = None,
    require_quorum: bool = True,
) -> Report:
    with open(path, "rb") as f:
        return verify_record(
            f,
            workers=workers,
            scheduler=scheduler,
            fingerprint=fingerprint,
            require_quorum=require_quorum,
        )


__all__ = ["Check", "ClusterError", "Report", "verify_record", "verify_record_file"]
