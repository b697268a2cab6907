"""A witness: co-sign the board's tree heads, each only if it extends the last one signed.

A witness (an observer organisation, a candidate's team) runs this on its own machine
against the public board (``honestballot witness run``).  On first contact it downloads
the whole record and verifies it (as a trustee does before acting), checks that it is the
election whose fingerprint it was given and that the setup names its key, and co-signs
the board's latest head if it extends the record's final head (that final head if it is
the same).  A latest head that contradicts the record by the board's own signatures
(another root for a size the record has a head of, a larger size with an earlier time)
is a split view: the witness keeps the evidence and stops; a consistency proof that does
not check out or does not come makes it co-sign nothing and ask again at the next poll.
After that, on each poll it takes the board's latest head and

* the same size as the head it last co-signed: the roots must be equal;
* a larger size: the board must prove, with an RFC 9162 consistency proof, that the new
  head extends the old one, and the head's time must agree with this machine's clock
  (protocol/witnesses.py's ``head_time_problem``: not more than ``CLOCK_SKEW_MS`` in its
  future, nor that much before the last co-signature); then the witness co-signs it;
* a smaller size: the board must prove that the head it co-signed extends this one.

A head that does not extend the last one co-signed is never co-signed.  When the board
has signed two different roots for one size (or a head older than one co-signed), that is
a split view proved by the board's own signatures: the witness stops co-signing for good
and writes the evidence (both board-signed heads) next to its state file.  A consistency
proof that does not check out proves nothing by itself (it is not signed; a broken proxy
can garble it): the witness co-signs nothing and says so, and asks again at the next poll.

The state (the last head co-signed, with the co-signature) is written to disk and
fsync'd, file and directory, *before* the co-signature leaves the machine, so a crash can
never make the witness co-sign two different heads of one size; and while the board's head
stays the same, the co-signature is posted again at every poll, so one lost on the way
(a timeout, a crash just after the state was written) still reaches the board.

The board refuses a co-signature whose time is far from its own clock (protocol/
witnesses.py's ``receipt_time_problem``): the witness says "NOT ACCEPTED by the board",
marks it refused in its state (the next head is not held to its time) and, while the
board shows the same head, co-signs that head again at its clock's time at each poll.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn, Protocol

from honestballot.crypto.group import Point, Scalar, base_mul
from honestballot.crypto.merkle import TreeHead, verify_consistency
from honestballot.crypto.randomness import Randomness
from honestballot.errors import HonestBallotError, LogError, ProtocolError
from honestballot.protocol.witnesses import cosign, head_time_problem, split_tolerance
from honestballot.record.codec import Reader, parse_json
from honestballot.record.events import SignedTreeHead, event_from_json, log_id, tree_head_from_json
from honestballot.record.setup import context_from_setup
from honestballot.record.witness import Cosignature, cosignature_from_json
from honestballot.verify.verifier import verify_record


class BoardSource(Protocol):
    """What a witness reads from the board and where it publishes co-signatures."""

    def record(self) -> Iterable[bytes]: ...

    def latest_head(self) -> Any: ...

    def consistency(self, old_size: int, new_size: int) -> list[bytes]: ...

    def publish(self, cosignature: dict[str, Any]) -> None:
        """Post a co-signature; :class:`Refused` when the board answers that it will not
        store it, another :class:`HonestBallotError` when it could not be asked."""
        ...


class Refused(HonestBallotError):
    """The board answered that it will not store a co-signature (its time is far from the
    board's clock, say: protocol/witnesses.py's ``receipt_time_problem``)."""


class SplitView(HonestBallotError):
    """The board signed a head that contradicts the one this witness co-signed."""

    def __init__(self, message: str, evidence_path: Path) -> None:
        self.evidence_path = evidence_path
        super().__init__(f"{message}; evidence written to {evidence_path}")


@dataclass(frozen=True, slots=True)
class WitnessState:
    """What a witness keeps between polls: the election and the last head it co-signed."""

    election_id: str
    base_hash: bytes
    board_key: Point
    head: SignedTreeHead
    cosignature: Cosignature
    halted: str = ""
    #: the board refused ``cosignature`` (its time, say): it is not on the board, so the
    #: next head is not held to its time
    refused: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "election_id": self.election_id,
            "base_hash": self.base_hash.hex(),
            "board_key": self.board_key.hex(),
            "head": self.head.to_json(),
            "cosignature": self.cosignature.to_json(),
            "halted": self.halted,
            "refused": self.refused,
        }

    @classmethod
    def from_json(cls, value: Any) -> WitnessState:
        r = Reader(value, "witness state")
        state = cls(
            r.text("election_id", max_len=64),
            r.hexbytes("base_hash", 32),
            r.point("board_key"),
            tree_head_from_json(r.raw("head"), "witness state.head"),
            cosignature_from_json(r.raw("cosignature"), "witness state.cosignature"),
            r.text("halted"),
            r.boolean("refused") if r.has("refused") else False,
        )
        r.done()
        return state


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that after a crash or power loss it holds either
    the old or the new content: a new file of its own, fsync'd, renamed over ``path``,
    and the directory fsync'd so that the rename itself is on disk."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class Witness:
    """One witness of one election; :meth:`step` is one poll of the board."""

    def __init__(
        self,
        election_id: str,
        fingerprint: str,
        secret: Scalar,
        state_path: Path,
        source: BoardSource,
        rng: Randomness,
        clock: Callable[[], int],
    ) -> None:
        self.election_id = election_id
        self.fingerprint = fingerprint.strip().lower()
        self.secret = secret
        self.key = base_mul(secret)
        self.state_path = state_path
        self.source = source
        self.rng = rng
        self.clock = clock

    @property
    def evidence_path(self) -> Path:
        return self.state_path.with_name(self.state_path.name + ".evidence.json")

    def load(self) -> WitnessState | None:
        if not self.state_path.exists():
            if self.evidence_path.exists():  # halted on first contact
                reason = Reader(parse_json(self.evidence_path.read_bytes()), "evidence")
                raise SplitView(
                    f"this witness stopped co-signing: {reason.raw('reason')}", self.evidence_path
                )
            return None
        state = WitnessState.from_json(parse_json(self.state_path.read_bytes()))
        if state.election_id != self.election_id or not state.base_hash.hex().startswith(
            self.fingerprint
        ):
            raise ProtocolError(
                f"{self.state_path} is the state of election {state.election_id!r} with "
                f"fingerprint {state.base_hash.hex()[:16]}, not of {self.election_id!r} with "
                f"fingerprint {self.fingerprint}: give each election (and each rehearsal) its "
                "own state file"
            )
        if state.halted:
            raise SplitView(f"this witness stopped co-signing: {state.halted}", self.evidence_path)
        return state

    def step(self) -> str:
        """Poll once; say what was done.  Raises :class:`SplitView` on evidence."""
        state = self.load()
        if state is None:
            return self._first_contact()
        head = tree_head_from_json(self.source.latest_head(), "the board's latest head")
        head.verify(self.election_id, state.board_key)
        old, new = state.head.head, head.head
        if new.size == old.size:
            if new.root != old.root:
                self._halt(state, head, "the board signed two different roots for one size")
            # the same head: post the co-signature again, in case it was lost on the way
            try:
                self.source.publish(state.cosignature.to_json())
            except Refused:
                # refused (its time, say): co-sign the same head again at this clock's time
                # (another time on the same head cannot help a split view)
                now = self.clock()
                late = head_time_problem(new.timestamp_ms, now, None)
                if late:
                    return self._not_on_time(new.size, late)
                return self._cosign(state.base_hash, state.board_key, state.head, now)
            if state.refused:  # accepted now (the board's clock caught up)
                accepted = replace(state, refused=False)
                _write_atomically(self.state_path, json.dumps(accepted.to_json()).encode())
            return f"no new entries (size {new.size})"
        if new.size < old.size:
            proof = self.source.consistency(new.size, old.size) if new.size else []
            if not self._extends(new, old, proof):
                return (
                    f"the board showed an older head (size {new.size}) and a consistency "
                    "proof that does not check out: nothing co-signed"
                )
            return f"the board showed an older head (size {new.size}); it is consistent"
        if new.timestamp_ms < old.timestamp_ms:
            self._halt(state, head, "the board signed a later head with an earlier time")
        proof = self.source.consistency(old.size, new.size) if old.size else []
        if not self._extends(old, new, proof):
            return (
                f"NOT CO-SIGNED: the board's head of size {new.size} came with a consistency "
                f"proof from size {old.size} that does not check out (a board that rewrote "
                "its history, or a garbled answer); asking again at the next poll"
            )
        now = self.clock()
        last_ms = None if state.refused else state.cosignature.witnessed_ms
        late = head_time_problem(new.timestamp_ms, now, last_ms)
        if late:
            return self._not_on_time(new.size, late)
        return self._cosign(state.base_hash, state.board_key, head, now)

    @staticmethod
    def _not_on_time(size: int, problem: str) -> str:
        """A head whose time contradicts this witness's clock is not co-signed (verify's
        ``log.witness-times`` would fail on it); the board or this machine keeps a wrong
        clock, which is not proof of a split view, so the witness goes on polling."""
        return (
            f"NOT CO-SIGNED: the board's head of size {size}: {problem} (the board's clock or "
            "this machine's is wrong: check both against NTP); asking again at the next poll"
        )

    def _first_contact(self) -> str:
        lines = list(self.source.record())
        report = verify_record(lines, workers=1, fingerprint=self.fingerprint, require_quorum=False)
        if not report.passed:
            failed = "; ".join(f"{c.name}: {c.detail}" for c in report.failures[:5])
            raise ProtocolError(f"the board's record does not verify, nothing co-signed: {failed}")
        setup = event_from_json(parse_json(lines[1]), "setup line")
        ctx, _, keys = context_from_setup(setup.body, check_ceremony=False)
        if ctx.manifest.election_id != self.election_id:
            raise ProtocolError(f"the record is of election {ctx.manifest.election_id!r}")
        keys.witness(self.key)  # the setup must name this witness
        heads: dict[int, SignedTreeHead] = {}
        for raw in lines:
            obj = parse_json(raw)
            if isinstance(obj, dict) and obj.get("type") == "tree-head":
                sth = tree_head_from_json(obj, "a head of the record")
                heads[sth.head.size] = sth
        final = heads[max(heads)]  # a record that verifies ends with a signed head
        # the record ends at the last head the quorum co-signed, which may be long past
        # (a witness was down): co-sign the board's latest head if it extends it, as a
        # later co-signature of an old head would contradict the times of what followed
        latest = tree_head_from_json(self.source.latest_head(), "the board's latest head")
        latest.verify(self.election_id, keys.board_key)
        new, old = latest.head, final.head
        known = heads.get(new.size)
        if known is not None and known.head.root != new.root:
            split = "the board signed two different roots for one size (in its record, as latest)"
            self._halt_first(keys.board_key, known, latest, split)
        if new.size > old.size and new.timestamp_ms < old.timestamp_ms:
            later = "the board signed a later head with an earlier time than its record's final"
            self._halt_first(keys.board_key, final, latest, later)
        if new.size != old.size and known is None:
            # a head the record does not hold: it must extend the final head (or that
            # head it), as a consistency proof shows; a proof that does not check out is
            # not signed and proves nothing by itself (a garbled answer): co-sign nothing
            small, large = (old, new) if new.size > old.size else (new, old)
            try:
                proof = self.source.consistency(small.size, large.size) if small.size else []
                consistent = self._extends(small, large, proof)
            except HonestBallotError as exc:
                consistent, why = False, f" ({exc})"
            else:
                why = ""
            if not consistent:
                return (
                    f"NOT CO-SIGNED: the board's latest head (size {new.size}) came with a "
                    f"consistency proof against its record's final head (size {old.size}) "
                    f"that does not check out{why}; asking again at the next poll"
                )
            if new.size > old.size:
                final = latest
        now = self.clock()
        late = head_time_problem(final.head.timestamp_ms, now, None)
        if late:
            return self._not_on_time(final.head.size, late)
        done = self._cosign(ctx.base_hash, keys.board_key, final, now)
        names = ", ".join(w.name for w in keys.witnesses)
        return (
            f"{done}; the setup names {len(keys.witnesses)} witnesses ({names}) with quorum "
            f"{keys.quorum}: a split view needs {split_tolerance(keys)} of them to lie, and "
            f"{len(keys.witnesses) - keys.quorum + 1} who stop co-signing stall the board"
        )

    def _cosign(
        self, base_hash: bytes, board_key: Point, head: SignedTreeHead, witnessed_ms: int
    ) -> str:
        signature = cosign(
            base_hash, head.head, log_id(self.election_id), witnessed_ms, self.secret,
            self.key, self.rng,
        )  # fmt: skip
        cosig = Cosignature(head.head, self.key, witnessed_ms, signature)
        state = WitnessState(self.election_id, base_hash, board_key, head, cosig)
        _write_atomically(self.state_path, json.dumps(state.to_json()).encode())
        try:
            self.source.publish(cosig.to_json())
        except Refused as exc:
            refused = replace(state, refused=True)
            _write_atomically(self.state_path, json.dumps(refused.to_json()).encode())
            return (
                f"NOT ACCEPTED by the board: the co-signature of the head of size "
                f"{head.head.size}: {exc} (if it speaks of time: check this machine's clock "
                "against NTP); asking again at the next poll"
            )
        return f"co-signed the head of size {head.head.size}"

    @staticmethod
    def _extends(old: TreeHead, new: TreeHead, proof: list[bytes]) -> bool:
        if old.size == 0:
            return True  # every log extends the empty one
        try:
            verify_consistency(old.size, new.size, old.root, new.root, proof)
        except LogError:
            return False
        return True

    def _halt_first(
        self, board_key: Point, known: SignedTreeHead, head: SignedTreeHead, reason: str
    ) -> NoReturn:
        """Stop for good on first contact: the board signed ``head``, which contradicts
        ``known``, a head of its record (there is no state yet; :meth:`load` finds the
        evidence and stops)."""
        evidence = {
            "election_id": self.election_id,
            "board_key": board_key.hex(),
            "reason": reason,
            "record_head": known.to_json(),
            "conflicting_head": head.to_json(),
            "observed_ms": self.clock(),
        }
        _write_atomically(self.evidence_path, json.dumps(evidence, indent=1).encode())
        raise SplitView(reason, self.evidence_path)

    def _halt(self, state: WitnessState, head: SignedTreeHead, reason: str) -> None:
        """Stop for good: the board signed ``head``, which contradicts the co-signed one."""
        evidence = {
            "election_id": self.election_id,
            "board_key": state.board_key.hex(),
            "reason": reason,
            "cosigned_head": state.head.to_json(),
            "conflicting_head": head.to_json(),
            "observed_ms": self.clock(),
        }
        _write_atomically(self.evidence_path, json.dumps(evidence, indent=1).encode())
        halted = replace(state, halted=reason)
        _write_atomically(self.state_path, json.dumps(halted.to_json()).encode())
        raise SplitView(reason, self.evidence_path)
