"""The board's public API read through inclusion proofs under witnessed tree heads, for
the commission's tool (cli/commission.py; docs/paper.md).

:class:`ProvenBoard` takes nothing on the service's word alone that it can prove: the
setup is the event at position 0 (the witnesses and the board key it names, and the base
hash its contents give), proved under a head the quorum of those witnesses co-signed;
each event it reads (``GET /api/e/{id}/events/{seq}/proof``) is checked the same way
(record/receipt.py).  Only the list of positions (``GET /api/e/{id}/events?kind=``) is the
service's word: an event it leaves out is on the witnessed board all the same, where
``honestballot verify`` and every observer see it.

With no witnesses named (quorum 0) a head is the board key's word only: the service
could show the commission one board and everyone else another.  :attr:`witnessed` says
which, for the commands to say so.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from honestballot.errors import HonestBallotError, ProtocolError
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.witnesses import BoardKeys
from honestballot.record.codec import Reader, decode_hex, parse_json
from honestballot.record.events import MAX_LINE_BYTES, EventLine
from honestballot.record.receipt import EventProof, check_event_proof, event_proof_from_json
from honestballot.record.setup import context_from_setup

#: fetch(url, json_body or None) -> response bytes (cli/witness.py's urllib_fetch)
Fetch = Callable[[str, bytes | None], bytes]

#: how long a command waits by default for a witnessed head to reach an event (witnesses
#: poll every ten seconds by default: docs/deployment.md, "Witnesses")
DEFAULT_WAIT_S = 600.0


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def api_base(server: str, election_id: str) -> str:
    return f"{server.rstrip('/')}/api/e/{urllib.parse.quote(election_id, safe='')}"


class ProvenBoard:
    """One election's board over HTTP, each event read with its checked proof."""

    def __init__(self, server: str, election_id: str, fetch: Fetch, *, wait_s: float) -> None:
        self.server = server
        self.election_id = election_id
        self.base = api_base(server, election_id)
        self.fetch = fetch
        self.wait_s = wait_s
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

    def trust_note(self) -> str:
        """What the proofs rest on, in a sentence."""
        ctx, keys = self.setup()
        fingerprint = ctx.base_hash.hex()[:16]
        if not keys.quorum:
            return (
                f"election fingerprint {fingerprint}; it names no witnesses (quorum 0), so "
                "the tree head is only the board key's word: the service could show others "
                "another board"
            )
        names = ", ".join(w.name for w in keys.witnesses)
        return (
            f"election fingerprint {fingerprint}; the tree head is co-signed by {keys.quorum} "
            f"of its witnesses ({names}): compare the fingerprint and the witnesses with "
            "those the organiser published"
        )
