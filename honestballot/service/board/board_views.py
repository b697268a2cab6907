"""The public board as its readers see it: an election's row, its public setup, the board
key, a search by tracking code or hash prefix with each ballot's status (counts,
superseded and by which ballot, revoked, audited, held), one ballot's event, the
trustees whose decryption share is on the board.

Every method only reads: primary-key lookups and index range scans, never the row lock
the cast path serialises on.  What never changes once on the board (the board key, the
public setup) is kept per process.  Nothing here says who cast a ballot.
"""

from __future__ import annotations

import base64
import re
import threading
from dataclasses import dataclass
from typing import Any, Final

from honestballot.errors import InvalidInput, NotFound, ProtocolError, Text
from honestballot.protocol.ballot import tracking_code
from honestballot.record.codec import parse_json
from honestballot.record.manifest import manifest_to_json
from honestballot.record.setup import election_key_hash
from honestballot.record.witness import board_keys_to_json
from honestballot.service.board.election import ElectionService
from honestballot.service.board.log import Inclusion
from honestballot.store.sql import SqlStore, StoredEvent, Tx

#: how long one board event line may be when it is parsed
LINE_LIMIT: Final = 1 << 28
#: a voter who votes again many times: how far back a supersession chain is followed
MAX_REVOTES: Final = 1000
#: the kinds of event whose board positions ``GET /api/e/{id}/events?kind=`` lists: those
#: a board holds few of (ballots are found by their tracking codes)
INDEXED_KINDS: Final = ("setup", "roll", "station", "open", "paper", "close", "result")
#: the kinds of event whose positions may be asked for one unit (``&unit=``)
UNIT_KINDS: Final = ("station", "paper")

#: a page of ``GET /api/e/{id}/events?from=&to=``: at most this many lines, and no more
#: lines once this many bytes are given (a single line may be larger: up to MAX_LINE_BYTES)
RANGE_EVENTS: Final = 1000
RANGE_BYTES: Final = 16 << 20

_HEX: Final = re.compile(r"^[0-9a-f]{8,64}\Z")
_CODE: Final = re.compile(r"^[A-Z2-7]{16}\Z")
_HASH: Final = re.compile(r"^[0-9a-f]{64}\Z")

__all__ = [
    "INDEXED_KINDS",
    "LINE_LIMIT",
    "MAX_REVOTES",
    "BoardEvent",
    "BoardQuery",
    "BoardViews",
    "parse_board_query",
]

#: one event of the board as stored: ``seq``, ``kind``, ``time_ms``, ``line``,
#: ``leaf_hash`` and ``tracking_hash`` (ballots, audits, cast rows and registrations)
BoardEvent = StoredEvent


@dataclass(frozen=True, slots=True)
class BoardQuery:
    """What a board search looks for: a byte prefix, and the hex every match starts with."""

    prefix: bytes
    hex_prefix: str


def parse_board_query(text: str) -> BoardQuery:
    """A tracking code (``ABCD-EFGH-IJKL-MNOP``, any case, dashes or spaces optional) or
    the first 8 to 64 hex digits of a tracking hash (16 characters that read as a
    tracking code are taken as one)."""
    if len(text) > 200:
        raise InvalidInput(
            Text("board.query_long", "the search is too long: give a tracking code or a hex prefix")
        )
    compact = re.sub(r"[\s-]", "", text)
    # a dash, or exactly 16 characters that read as one, mean a tracking code (a hash
    # prefix of that shape is found with a 17th hex digit)
    as_code = "-" in text or (len(compact) == 16 and bool(_CODE.match(compact.upper())))
    if _HEX.match(compact.lower()) and not as_code:
        low = compact.lower()
        return BoardQuery(bytes.fromhex(low[: len(low) // 2 * 2]), low)
    if _CODE.match(compact.upper()):
        raw = base64.b32decode(compact.upper())
        return BoardQuery(raw, raw.hex())
    raise InvalidInput(
        Text(
            "board.query_shape",
            "give a tracking code like ABCD-EFGH-IJKL-MNOP (16 letters A-Z and digits 2-7) "
            "or at least 8 hex digits of a tracking hash",
        )
    )


def _credential_of(ev: StoredEvent) -> bytes:
    return bytes.fromhex(parse_json(ev.line, limit=LINE_LIMIT)["body"]["ballot"]["credential"])


class BoardViews:
    """Read-only views of the boards in one store, for the observer, voter and trustee
    pages and the command line."""

    def __init__(self, store: SqlStore, elections: ElectionService) -> None:
        self.store = store
        self.elections = elections
        self._board_keys: dict[str, str] = {}
        self._public: dict[str, dict[str, Any]] = {}
        self._public_lock = threading.Lock()

    # -- elections --------------------------------------------------------------------

    def election_ids(self) -> list[str]:
        """Every election in the store."""
        return self.store.list_elections()

    def election_row(self, election_id: str) -> dict[str, Any] | None:
        """The election's row (one primary-key read: ``phase``, ``next_seq``, …), or None."""
        with self.store.engine.connect() as conn:
            return self.store.election_row(conn, election_id)

    def setup_body(self, election_id: str) -> dict[str, Any] | None:
        """The body of the board's setup event (the public setup a voter's device
        encrypts against), or None if there is no such election."""
        for ev in self.store.iter_events(election_id, kinds=("setup",)):
            body: dict[str, Any] = parse_json(ev.line, limit=64 << 20)["body"]
            return body
        return None

    def board_key(self, election_id: str) -> str:
        """The board key from the setup event (the first event of every board)."""
        key = self._board_keys.get(election_id)
        if key is None:
            with self.store.engine.connect() as conn:
                setup = self.store.event_at(conn, election_id, 0)
            if setup is None or setup.kind != "setup":
                raise ProtocolError(  # English only: every election's board starts with it
                    "the board has no setup event"
                )
            key = self._board_keys[election_id] = str(
                parse_json(setup.line, limit=LINE_LIMIT)["body"]["board_key"]
            )
        return key

    def public_context(self, election_id: str) -> dict[str, Any]:
        """The election's public setup as the ballot page needs it (it never changes:
        kept); :class:`NotFound` if there is no such election."""
        with self._public_lock:
            found = self._public.get(election_id)
        if found is None:
            try:
                ctx = self.elections.context(election_id)
            except ProtocolError:
                raise NotFound(
                    Text(
                        "election.unknown",
                        f"there is no election {election_id!r}",
                        election=election_id[:64],
                    )
                ) from None
            with self.store.engine.connect() as conn:
                setup = self.store.event_at(conn, election_id, 0)
            if setup is None or setup.kind != "setup":
                raise NotFound(  # English only: every election's board starts with it
                    f"election {election_id!r} has no setup event"
                )
            found = {
                "election_id": election_id,
                "base_hash": ctx.base_hash.hex(),
                "public_key": ctx.public_key.hex(),
                "election_key_hash": election_key_hash(
                    self.elections.election_key(election_id)
                ).hex(),
                **board_keys_to_json(self.elections.board_keys(election_id)),
                # the browser checks W's proof before it takes W (docs/coercion.md §7)
                "verifier_key_proof": parse_json(setup.line, limit=LINE_LIMIT)["body"][
                    "verifier_key_proof"
                ],
                "manifest": manifest_to_json(ctx.manifest),
            }
            with self._public_lock:
                self._public[election_id] = found
        return found

    # -- the board's search -----------------------------------------------------------

    def entries(self, election_id: str, query: BoardQuery, limit: int) -> list[dict[str, Any]]:
        """The ballots, audited ballots, cast rows and registrations whose tracking hash
        starts with the query (a registration's tracking code, which the voter's device
        shows, is how a second device finds it on the board: docs/coercion.md §2.4)."""
        events = [
            ev
            for ev in self.store.events_by_tracking_prefix(
                election_id, query.prefix, ("registration",)
            )
            if ev.tracking_hash is not None and ev.tracking_hash.hex().startswith(query.hex_prefix)
        ]
        events.sort(key=lambda ev: ev.seq)
        with self.store.engine.connect() as conn:
            entries = [self._entry(conn, election_id, ev) for ev in events[:limit]]
        return entries

    def page(self, election_id: str, after_seq: int, limit: int) -> list[dict[str, Any]]:
        """The board browsed in order: up to ``limit`` ballots and audited ballots after
        position ``after_seq``, each with its status as :meth:`entries` gives it."""
        found = self.store.events_after(
            election_id, after_seq, limit, ("ballot", "audit", "cast-row")
        )
        with self.store.engine.connect() as conn:
            return [self._entry(conn, election_id, ev) for ev in found]

    def _entry(self, conn: Tx, election_id: str, ev: StoredEvent) -> dict[str, Any]:

        tracking = ev.tracking_hash or b""
        entry: dict[str, Any] = {
            "seq": ev.seq,
            "kind": ev.kind,
            "tracking_code": tracking_code(tracking),
            "tracking_hash": tracking.hex(),
            "time_ms": ev.time_ms,
        }
        if ev.kind == "audit":
            entry["status"] = "audited"
            return entry
        if ev.kind in ("cast-row", "registration"):
            # re-voting protection: a row or registration is on the board, and nothing says
            # whether it counts or is the voter's current credential (docs/coercion.md §3)
            entry["status"] = "included"
            return entry
        row = self.store.credential_row(conn, election_id, _credential_of(ev))
        latest = row["latest_tracking"] if row is not None else None
        if row is None or row["revoked"] or latest is None:
            entry["status"] = "revoked"
        elif bytes(latest) == tracking:
            entry["status"] = "counts"
        else:
            entry["status"] = "superseded"
            successor = self._successor(conn, election_id, bytes(latest), tracking)
            if successor is not None:
                entry["superseded_by"] = successor.hex()
        return entry

    def _successor(self, conn: Tx, election_id: str, latest: bytes, target: bytes) -> bytes | None:
        """The tracking hash of the ballot that replaced ``target``, walking the
        credential's supersession chain back from its latest ballot (each cast that
        replaces a ballot is followed at once by its ``superseded`` event), at most
        :data:`MAX_REVOTES` ballots back."""
        current = latest
        for _ in range(MAX_REVOTES):
            ev = self.store.event_by_tracking(conn, election_id, current)
            after = self.store.event_at(conn, election_id, ev.seq + 1) if ev is not None else None
            if after is None or after.kind != "superseded":
                return None
            old = bytes.fromhex(parse_json(after.line)["body"]["old"])
            if old == target:
                return current
            current = old
        return None

    def by_tracking_code(self, election_id: str, prefix: bytes) -> StoredEvent:
        """The first ballot or audit on the board whose tracking hash starts with the
        decoded tracking code; :class:`NotFound` if there is none."""
        matches = self.store.events_by_tracking_prefix(election_id, prefix)
        if not matches:
            raise NotFound(
                Text("board.no_code", "no ballot with this tracking code is on the board")
            )
        return matches[0]

    def counts(self, election_id: str, tracking: bytes) -> bool:
        """Whether this ballot is the latest of its credential (the one that counts)."""
        return self.store.is_latest(election_id, tracking)

    # -- one ballot -------------------------------------------------------------------

    def ballot_event(self, election_id: str, tracking_hash: str) -> StoredEvent:
        """The board event of the ballot with this tracking hash (hex); :class:`NotFound`
        if there is none."""
        if not _HASH.match(tracking_hash):
            raise NotFound(
                Text("board.hash_shape", "a tracking hash is 64 lower-case hex characters")
            )
        tracking = bytes.fromhex(tracking_hash)
        with self.store.engine.connect() as conn:
            found = self.store.event_by_tracking(conn, election_id, tracking)
        if found is None:
            raise NotFound(
                Text("board.no_hash", "no ballot with this tracking hash is on the board")
            )
        return found

    def event_by_tracking(self, election_id: str, tracking: bytes) -> StoredEvent | None:
        """The board event with this tracking hash, or None."""
        with self.store.engine.connect() as conn:
            return self.store.event_by_tracking(conn, election_id, tracking)

    # -- any event, with its inclusion proof ---------------------------------------------

    def event_positions(
        self, election_id: str, kind: str, unit: str | None = None
    ) -> list[dict[str, int]]:
        """The board position and time of every event of ``kind`` (one of
        :data:`INDEXED_KINDS`), in order; with ``unit`` (a station or paper event's) only
        that unit's."""
        if kind not in INDEXED_KINDS:
            kinds = ", ".join(INDEXED_KINDS)
            raise InvalidInput(
                Text("board.event_kind", f"kind must be one of {kinds}", kinds=kinds)
            )
        if unit is not None and kind not in UNIT_KINDS:
            raise InvalidInput(
                Text("board.event_unit", "only station and paper events are listed per unit")
            )
        out = []
        for ev in self.store.iter_events(election_id, kinds=(kind,)):
            if unit is not None and parse_json(ev.line, limit=LINE_LIMIT)["body"]["unit"] != unit:
                continue
            out.append({"seq": ev.seq, "time_ms": ev.time_ms})
        return out

    def event_range(self, election_id: str, first: int, last: int) -> list[bytes]:
        """The lines of events ``first`` to ``last`` as the record holds them, in order: at
        most :data:`RANGE_EVENTS` of them and about :data:`RANGE_BYTES` (a page; the next
        one starts after the last line given); :class:`NotFound` if the board has no event
        ``first``."""
        found = self.store.event_lines(
            election_id, first, min(last, first + RANGE_EVENTS - 1), RANGE_BYTES
        )
        if not found:
            raise NotFound(
                Text("board.no_event", f"the board has no event at position {first}", seq=first)
            )
        return [line for _, line in found]

    def event_proof(
        self, election_id: str, seq: int, *, sign_after_ms: int | None
    ) -> tuple[StoredEvent, Inclusion | None]:
        """Event ``seq`` and its inclusion proof against the latest witnessed head (None
        while no such head reaches it: :meth:`BoardLog.inclusion_proof`);
        :class:`NotFound` if the board has no event ``seq``."""
        with self.store.engine.connect() as conn:
            found = self.store.event_at(conn, election_id, seq)
        if found is None:
            raise NotFound(
                Text("board.no_event", f"the board has no event at position {seq}", seq=seq)
            )
        return found, self.elections.inclusion_proof(election_id, seq, sign_after_ms=sign_after_ms)

    def tree_head_lines(self, election_id: str) -> list[str]:
        """Every signed tree head of the board, oldest first, as stored (JSON text)."""
        return [line for _, line in self.store.tree_head_lines(election_id)]
