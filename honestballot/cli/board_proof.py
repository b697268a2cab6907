"""The board's public API read through inclusion proofs under witnessed tree heads, for
the commission's tool (cli/commission.py; docs/paper.md).

Everything :class:`ProvenBoard` reads is proved for the election whose fingerprint the
commission pinned (``--fingerprint``, the first 16 or more hex digits of the base hash
as the organiser published it, or the base hash of a ``--setup`` file): the setup is
the event at position 0, refused unless its base hash starts with the pinned
fingerprint, and proved under a head the quorum of its witnesses co-signed (the
witnesses' keys and the board key are part of what the fingerprint covers); each event
it reads (``GET /api/e/{id}/events/{seq}/proof``) is checked the same way
(record/receipt.py).  Without a pinned fingerprint nothing is proved: a service could
build a whole board of its own (its election key, board key and witness keys under the
real witnesses' names), so the commands refuse to read a board without one.

:meth:`ProvenBoard.prefix_to_open` reads the board's events from position 0 up to and
including ``open`` (``GET /api/e/{id}/events?from=&to=``) and checks them against a
witnessed head (its root, or a consistency proof from the prefix's size): the stations
found there are all the board holds, not a list the service chose.  The positions lists
(``GET /api/e/{id}/events?kind=``) are the service's word only, and the commands say so
where they rest on them.

With no witnesses named (quorum 0) a head is the board key's word only: the service
could show the commission one board and everyone else another.  :attr:`witnessed` says
which, for the commands to say so.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from honestballot.crypto.merkle import leaf_hash, root_hash, verify_consistency
from honestballot.errors import HonestBallotError, ProtocolError
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.witnesses import BoardKeys
from honestballot.record.codec import Reader, decode_hex, parse_json
from honestballot.record.events import MAX_LINE_BYTES, EventLine, event_from_json
from honestballot.record.receipt import EventProof, check_event_proof, event_proof_from_json
from honestballot.record.setup import context_from_setup

#: fetch(url, json_body or None) -> response bytes (cli/witness.py's urllib_fetch)
Fetch = Callable[[str, bytes | None], bytes]

#: how long a command waits by default for a witnessed head to reach an event (witnesses
#: poll every ten seconds by default: docs/deployment.md, "Witnesses")
DEFAULT_WAIT_S = 600.0

#: a fingerprint is at least the first 16 hex digits of the base hash (64 bits), as the
#: observer tools and ``organiser make-roll`` take it
FINGERPRINT_MIN_HEX: Final = 16


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def api_base(server: str, election_id: str) -> str:
    return f"{server.rstrip('/')}/api/e/{urllib.parse.quote(election_id, safe='')}"


def pinned_fingerprint(value: str) -> str:
    """``value`` as a fingerprint to pin (lower case): :class:`ProtocolError` unless it is
    16 to 64 hex digits."""
    pinned = value.strip().lower()
    if not FINGERPRINT_MIN_HEX <= len(pinned) <= 64 or any(
        c not in "0123456789abcdef" for c in pinned
    ):
        raise ProtocolError(
            f"a fingerprint is the first {FINGERPRINT_MIN_HEX} or more hex digits of the "
            f"election's base hash, not {value!r}"
        )
    return pinned


def utc(time_ms: int) -> str:
    """A time in milliseconds since the epoch as ``YYYY-MM-DD HH:MM:SS UTC``."""
    return datetime.fromtimestamp(time_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass(frozen=True, slots=True)
class BoardPrefix:
    """The board's events from position 0 up to and including ``open`` (all of it up to
    ``head_size`` if the election is not open under that head), checked against the
    witnessed head of size ``head_size``: the events of it a caller kept, the ``open``
    event's position (None if none), and the head."""

    kept: tuple[EventLine, ...]
    opened: int | None
    size: int
    head: EventProof


class ProvenBoard:
    """One election's board over HTTP, each event read with its checked proof."""

    def __init__(
        self, server: str, election_id: str, fetch: Fetch, *, wait_s: float, fingerprint: str
    ) -> None:
        self.server = server
        self.election_id = election_id
        self.base = api_base(server, election_id)
        self.fetch = fetch
        self.wait_s = wait_s
        self.fingerprint = pinned_fingerprint(fingerprint)
        #: a time.monotonic() after which no wait goes on (None: each wait gets wait_s)
        self.deadline: float | None = None
        self._setup: tuple[ElectionContext, BoardKeys] | None = None

    def get(self, path: str) -> Any:
        return parse_json(self.fetch(f"{self.base}{path}", None), limit=MAX_LINE_BYTES + (1 << 20))

    def positions(self, kind: str, unit: str | None = None) -> list[int]:
        """The board positions of the events of ``kind`` (of ``unit``), as the service
        lists them."""
        query = {"kind": kind} if unit is None else {"kind": kind, "unit": unit}
        answer = Reader(self.get(f"/events?{urllib.parse.urlencode(query)}"), "event list")
        seqs = [
            Reader(item, "event list entry").integer("seq", minimum=0)
            for item in answer.array("events")
        ]
        if seqs != sorted(set(seqs)):
            raise ProtocolError(f"the board listed the {kind} events out of order")
        return seqs

    def proof(self, seq: int) -> EventProof:
        """Event ``seq`` with its proof, asked again while the board answers that no
        witnessed head reaches it yet, for at most :attr:`wait_s` seconds."""
        deadline = time.monotonic() + self.wait_s
        if self.deadline is not None:
            deadline = min(deadline, self.deadline)
        while True:
            answer = self.get(f"/events/{seq}/proof")
            r = Reader(answer, "the board's answer")
            if r.text("status", max_len=16) == "included":
                found = event_proof_from_json(answer)
                if found.seq != seq:
                    raise ProtocolError(f"the board answered with position {found.seq} for {seq}")
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                if self._setup is None:
                    who = "no witnessed tree head"
                elif self._setup[1].quorum:
                    who = f"no tree head co-signed by {self._setup[1].quorum} witnesses"
                else:
                    who = "no tree head"
                raise ProtocolError(
                    f"{who} reaches event {seq} of the board after {self.wait_s:g} s: ask "
                    "again later with a longer --wait (for an upload already sent, with "
                    "'honestballot commission receipt'); if it never comes, the board is "
                    "holding the event back"
                )
            retry = r.integer("retry_after_s", minimum=0) if r.has("retry_after_s") else 1
            _sleep(min(max(retry, 1), left))

    # -- the setup ---------------------------------------------------------------------

    def setup(self) -> tuple[ElectionContext, BoardKeys]:
        """The election's context and board keys from the setup event at position 0,
        proved under a head the setup's own witnesses co-signed."""
        if self._setup is None:
            found = self.proof(0)
            try:
                line = parse_json(found.line, limit=MAX_LINE_BYTES, what="setup event")
                body = Reader(line, "setup event").raw("body")
                ctx, _, keys = context_from_setup(body, check_ceremony=False)
            except HonestBallotError as exc:
                raise ProtocolError(f"the board's event 0 is not a setup: {exc}") from None
            if not ctx.base_hash.hex().startswith(self.fingerprint):
                raise ProtocolError(
                    f"the board's setup is the election with the fingerprint "
                    f"{ctx.base_hash.hex()[: len(self.fingerprint)]}, not the one given, "
                    f"{self.fingerprint}: another election, or a board that is not the "
                    "organiser's (nothing was sent)"
                )
            event = check_event_proof(found, self.election_id, ctx.base_hash, keys)
            if event.kind != "setup":
                raise ProtocolError(f"the board's event 0 is a {event.kind} event, not the setup")
            if ctx.manifest.election_id != self.election_id:
                raise ProtocolError(
                    f"the board's setup is of election {ctx.manifest.election_id!r}, not of "
                    f"{self.election_id!r}"
                )
            self._setup = (ctx, keys)
        return self._setup

    @property
    def ctx(self) -> ElectionContext:
        return self.setup()[0]

    @property
    def keys(self) -> BoardKeys:
        return self.setup()[1]

    @property
    def witnessed(self) -> bool:
        return self.keys.quorum > 0

    def event(self, seq: int) -> tuple[EventLine, EventProof]:
        """Event ``seq`` and its proof, checked against the setup's board keys."""
        ctx, keys = self.setup()
        found = self.proof(seq)
        return check_event_proof(found, self.election_id, ctx.base_hash, keys), found

    def consistency(self, old_size: int, new_size: int) -> list[bytes]:
        r = Reader(self.get(f"/consistency?old={old_size}&new={new_size}"), "consistency proof")
        return [
            decode_hex(p, f"consistency proof[{i}]", 32) for i, p in enumerate(r.array("proof"))
        ]

    def prefix_to_open(self, keep: Callable[[EventLine], bool]) -> BoardPrefix:
        """The board from position 0 up to and including its ``open`` event (or, before
        the election opens, all of it up to the latest witnessed head), read line by line
        (``GET /api/e/{id}/events?from=&to=``) and checked against that head (asked for
        one that reaches the ``open`` event the service lists): the lines' leaf hashes
        give the root of the prefix, which must be the head's root or extend to it by a
        consistency proof.  Only the events ``keep`` takes are kept (roll parts before
        ``open`` can be large)."""
        # a fresh witnessed head, checked: one that reaches the open event where the service
        # lists one (only a hint: the lines read decide where open is, and a head that
        # does not reach it only makes the election look not open yet)
        opens = self.positions("open")
        _, latest = self.event(opens[0] if opens else 0)
        size = latest.head.head.size
        leaves: list[bytes] = []
        kept: list[EventLine] = []
        opened: int | None = None
        while len(leaves) < size and opened is None:
            start = len(leaves)
            page = self.fetch(f"{self.base}/events?from={start}&to={size - 1}", None)
            lines = page.split(b"\n")
            if lines and lines[-1] == b"":
                lines.pop()
            if not lines:
                raise ProtocolError(f"the board sent no event at position {start}")
            for line in lines:
                seq = len(leaves)
                try:
                    event = event_from_json(
                        parse_json(line, limit=MAX_LINE_BYTES, what="event line"), "event line"
                    )
                except HonestBallotError as exc:
                    raise ProtocolError(
                        f"the board's line at position {seq} is not an event line: {exc}"
                    ) from None
                if event.seq != seq:
                    raise ProtocolError(
                        f"the board sent event {event.seq} at position {seq} of its events"
                    )
                leaves.append(leaf_hash(line))
                if keep(event):
                    kept.append(event)
                if event.kind == "open":
                    opened = seq
                if opened is not None or len(leaves) == size:
                    break
        root = root_hash(leaves)
        head = latest.head.head
        proof = self.consistency(len(leaves), size) if len(leaves) < size else []
        try:
            verify_consistency(len(leaves), size, root, head.root, proof)
        except HonestBallotError as exc:
            raise ProtocolError(
                f"the board's events 0 to {len(leaves) - 1} are not those of its witnessed "
                f"tree head of size {size} (root {head.root.hex()[:16]}...): {exc}"
            ) from None
        return BoardPrefix(tuple(kept), opened, size, latest)

    def trust_note(self) -> str:
        """What the proofs rest on, in a sentence."""
        ctx, keys = self.setup()
        fingerprint = ctx.base_hash.hex()[:16]
        if not keys.quorum:
            return (
                f"election fingerprint {fingerprint} (as pinned: {self.fingerprint}); it "
                "names no witnesses (quorum 0), so the tree head is only the board key's "
                "word: the service could show others another board"
            )
        names = ", ".join(f"{w.name} (key {w.key.hex()})" for w in keys.witnesses)
        return (
            f"election fingerprint {fingerprint} (as pinned: {self.fingerprint}); the tree "
            f"head is co-signed by {keys.quorum} of its witnesses: {names}; compare the "
            "witnesses' keys with those the witnesses themselves published"
        )
