"""A witness: co-sign the board's tree heads, each only if it extends the last one signed.

A witness (an observer organisation, a candidate's team) runs this on its own machine
against the public board (``honestballot witness run``).  On first contact it downloads
the whole record and verifies it (as a trustee does before acting), checks that it is the
election whose fingerprint it was given and that the setup names its key, and co-signs
the record's final head.  After that, on each poll it takes the board's latest head and

* the same size as the head it last co-signed: the roots must be equal;
* a larger size: the board must prove, with an RFC 9162 consistency proof, that the new
  head extends the old one; then the witness co-signs it;
* a smaller size: the board must prove that the head it co-signed extends this one.

Any failure is a split view or a rewritten history: the witness stops co-signing for
good and writes the evidence (both heads with the board's signatures, the proof it was
given) next to its state file.  The state (the last head co-signed) is written to disk,
fsync'd, *before* the co-signature leaves the machine, so a crash can never make the
witness co-sign two different heads of one size.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from honestballot.crypto.group import Point, Scalar, base_mul
from honestballot.crypto.merkle import verify_consistency
from honestballot.crypto.randomness import Randomness
from honestballot.errors import HonestBallotError, LogError, ProtocolError
from honestballot.protocol.witnesses import cosign
from honestballot.record.codec import Reader, parse_json
from honestballot.record.events import SignedTreeHead, event_from_json, log_id, tree_head_from_json
from honestballot.record.setup import context_from_setup
from honestballot.record.witness import Cosignature
from honestballot.verify.verifier import verify_record


class BoardSource(Protocol):
    """What a witness reads from the board and where it publishes co-signatures."""

    def record(self) -> Iterable[bytes]: ...

    def latest_head(self) -> Any: ...

    def consistency(self, old_size: int, new_size: int) -> list[bytes]: ...

    def publish(self, cosignature: dict[str, Any]) -> None: ...


class SplitView(HonestBallotError):
    """The board showed this witness a head that does not extend the one it co-signed."""

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
    halted: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "election_id": self.election_id,
            "base_hash": self.base_hash.hex(),
            "board_key": self.board_key.hex(),
            "head": self.head.to_json(),
            "halted": self.halted,
        }

    @classmethod
    def from_json(cls, value: Any) -> WitnessState:
        r = Reader(value, "witness state")
        state = cls(
            r.text("election_id", max_len=64),
            r.hexbytes("base_hash", 32),
            r.point("board_key"),
            tree_head_from_json(r.raw("head"), "witness state.head"),
            r.text("halted"),
        )
        r.done()
        return state


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


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
            return None
        state = WitnessState.from_json(parse_json(self.state_path.read_bytes()))
        if state.election_id != self.election_id:
            raise ProtocolError(
                f"{self.state_path} is the state of election {state.election_id!r}, not "
                f"{self.election_id!r}: give each election its own state file"
            )
        if state.halted:
            raise ProtocolError(f"this witness stopped co-signing: {state.halted}")
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
                self._halt(state, head, [], "the board signed two different roots for one size")
            return f"no new entries (size {new.size})"
        if new.size < old.size:
            proof = self.source.consistency(new.size, old.size) if new.size else []
            self._check_extends(state, head, new_is_later=False, proof=proof)
            return f"the board showed an older head (size {new.size}); it is consistent"
        proof = self.source.consistency(old.size, new.size) if old.size else []
        self._check_extends(state, head, new_is_later=True, proof=proof)
        if new.timestamp_ms < old.timestamp_ms:
            self._halt(state, head, proof, "the board's time went backwards")
        return self._cosign(state.base_hash, state.board_key, head)

    def _first_contact(self) -> str:
        lines = list(self.source.record())
        report = verify_record(
            lines, workers=1, fingerprint=self.fingerprint, require_quorum=False
        )
        if not report.passed:
            failed = "; ".join(f"{c.name}: {c.detail}" for c in report.failures[:5])
            raise ProtocolError(f"the board's record does not verify, nothing co-signed: {failed}")
        setup = event_from_json(parse_json(lines[1]), "setup line")
        ctx, _, keys = context_from_setup(setup.body, check_ceremony=False)
        if ctx.manifest.election_id != self.election_id:
            raise ProtocolError(f"the record is of election {ctx.manifest.election_id!r}")
        keys.witness(self.key)  # the setup must name this witness
        final = None
        for raw in reversed(lines):
            obj = parse_json(raw)
            if isinstance(obj, dict) and obj.get("type") == "tree-head":
                final = tree_head_from_json(obj, "the record's final head")
                break
        assert final is not None  # a record that verifies ends with a signed head
        return self._cosign(ctx.base_hash, keys.board_key, final)

    def _cosign(self, base_hash: bytes, board_key: Point, head: SignedTreeHead) -> str:
        witnessed_ms = self.clock()
        signature = cosign(
            base_hash, head.head, log_id(self.election_id), witnessed_ms, self.secret,
            self.key, self.rng,
        )  # fmt: skip
        state = WitnessState(self.election_id, base_hash, board_key, head)
        _write_atomically(self.state_path, json.dumps(state.to_json()).encode())
        cosig = Cosignature(head.head, self.key, witnessed_ms, signature)
        self.source.publish(cosig.to_json())
        return f"co-signed the head of size {head.head.size}"

    def _check_extends(
        self, state: WitnessState, head: SignedTreeHead, *, new_is_later: bool, proof: list[bytes]
    ) -> None:
        old, new = (state.head.head, head.head) if new_is_later else (head.head, state.head.head)
        try:
            if old.size == 0:
                return  # every log extends the empty one
            verify_consistency(old.size, new.size, old.root, new.root, proof)
        except LogError as exc:
            self._halt(state, head, proof, f"the board's heads are not consistent ({exc})")

    def _halt(
        self, state: WitnessState, head: SignedTreeHead, proof: list[bytes], reason: str
    ) -> None:
        evidence = {
            "election_id": self.election_id,
            "board_key": state.board_key.hex(),
            "reason": reason,
            "cosigned_head": state.head.to_json(),
            "conflicting_head": head.to_json(),
            "consistency_proof": [p.hex() for p in proof],
            "observed_ms": self.clock(),
        }
        _write_atomically(self.evidence_path, json.dumps(evidence, indent=1).encode())
        halted = WitnessState(
            state.election_id, state.base_hash, state.board_key, state.head, halted=reason
        )
        _write_atomically(self.state_path, json.dumps(halted.to_json()).encode())
        raise SplitView(reason, self.evidence_path)
