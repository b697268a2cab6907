"""Live turnout for observers, written as static files away from the casting path.

Observers, candidates and the press refresh turnout all day; in 2021 that load took the
voting server down with it.  So turnout is never computed per request: a
:class:`SnapshotWriter` recomputes it every few seconds and writes plain JSON files that
the web server (or a CDN) serves as static content::

    <directory>/elections.json                 every election: id, title, phase
    <directory>/<election_id>/turnout.json     per unit: roll, credentials, voted (with
                                               re-voting protection: roll, batches; after
                                               the result, counted per reporting unit)

Each file is replaced atomically (temporary file in the same directory, ``fsync``,
``os.replace``), so a reader sees the old file or the new one, never half of one; and
the processes writing into one directory take turns (a lock file), each reading and
writing under the lock, so a file is never replaced by one with older figures.

A snapshot holds turnout only, never anything about results (results do not exist
before the trustees decrypt after the close, and are published on the board).  In an
election without re-voting protection turnout is shown for every unit, including units
smaller than the manifest's ``min_unit_size``: how many people voted in a small unit
reveals little and is public in paper elections too; only *results* are withheld for
small units.

An election with re-voting protection (docs/coercion.md §4) publishes no per-unit turnout
during the vote: the board's rows do not say which are real (re-votes, credential
replacements and cover), and a count per unit published during the vote would show
re-votes (the service keeps what would let it count, §2.6, but does not publish it before
the result).  Its snapshot (``"protected": true``) gives the roll per unit
and what the board shows anyone: the ``batches`` posted so far against the schedule and
when the next is due.  Once the result is published (phase ``done``) it adds
``reporting_units``: per reporting unit its manifest units, voters on the roll and the
ballots the close counted, exactly the result's ``counted_per_unit``
(:meth:`ResultViews.summary`, the rule the result pages use: docs/coercion.md §2.3, §8.1);
these are online ballots, and an election with paper stations adds each reporting unit's
``paper`` ballots in the boxes (the summary's ``paper.units``), as the results page does.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

from honestballot.errors import HonestBallotError, InvalidInput
from honestballot.protocol.schedule import Schedule
from honestballot.service.board.election import ElectionService
from honestballot.service.board.result_views import ResultViews
from honestballot.service.clock import now_ms
from honestballot.service.files import write_atomically
from honestballot.store.sql import SqlStore

log = logging.getLogger(__name__)

TURNOUT_NAME: Final = "turnout.json"
ELECTIONS_NAME: Final = "elections.json"
LOCK_NAME: Final = ".snapshots.lock"
#: the snapshots are served to the public: readable by all
PUBLIC: Final = 0o644
_SAFE_ID: Final = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}\Z")


def _counts(units: list[str], rows: dict[str, tuple[int, int, int]]) -> list[dict[str, Any]]:
    extra = sorted(u for u in rows if u not in units)  # only if the roll names a stray unit
    return [
        {
            "unit": unit,
            "voters_on_roll": rows.get(unit, (0, 0, 0))[0],
            "credentials": rows.get(unit, (0, 0, 0))[1],
            "voted": rows.get(unit, (0, 0, 0))[2],
        }
        for unit in [*units, *extra]
    ]


def turnout(
    store: SqlStore,
    election_id: str,
    *,
    clock: Callable[[], int] = now_ms,
    service: ElectionService | None = None,
    results: ResultViews | None = None,
) -> dict[str, Any]:
    """Turnout of one election, per unit in the manifest's order, and in total.

    ``voters_on_roll`` counts the roll's rows, ``credentials`` the registered credentials
    that are not revoked, ``voted`` those of them with a ballot on the board (a voter who
    votes again is still counted once).  An election with re-voting protection has none
    of the last two: :func:`protected_turnout`.
    """
    service = service or ElectionService(store)
    schedule = service.board_keys(election_id).schedule
    if schedule is not None:
        return protected_turnout(
            store, election_id, schedule, clock=clock, service=service, results=results
        )
    manifest = service.context(election_id).manifest
    phase, on_roll, registered = store.turnout_counts(election_id)
    rows: dict[str, tuple[int, int, int]] = {}
    for unit, n in on_roll:
        rows[str(unit)] = (int(n), 0, 0)
    for unit, n, voted in registered:
        rows[str(unit)] = (rows.get(str(unit), (0, 0, 0))[0], int(n), int(voted))
    units = _counts([u.id for u in manifest.units], rows)
    return {
        "election_id": election_id,
        "phase": str(phase),
        "generated_ms": clock(),
        "units": units,
        "total": {
            key: sum(int(u[key]) for u in units)
            for key in ("voters_on_roll", "credentials", "voted")
        },
    }


def protected_turnout(
    store: SqlStore,
    election_id: str,
    schedule: Schedule,
    *,
    clock: Callable[[], int] = now_ms,
    service: ElectionService,
    results: ResultViews | None = None,
) -> dict[str, Any]:
    """The snapshot of an election with re-voting protection: the roll per unit, the
    batches posted against the schedule (``posted`` of ``scheduled``, ``interval_s`` and,
    while the vote is open, when the next is due: the turnout page says the batches are
    late once it is an interval past), and after the result the ballots counted per
    reporting unit (online; with paper stations also ``paper``, the paper ballots in the
    boxes).  Never a count of
    credentials or of voters during the vote: one published then would show re-votes."""
    manifest = service.context(election_id).manifest
    phase, on_roll, _ = store.turnout_counts(election_id)
    roll = {str(unit): int(n) for unit, n in on_roll}
    order = [u.id for u in manifest.units]
    order += sorted(u for u in roll if u not in order)
    posted = store.batches_posted(election_id)
    next_ms = None
    if phase == "open":
        opened = store.events_after(election_id, -1, 1, ("open",))
        if opened:
            next_ms = schedule.due_ms(opened[0].time_ms, posted)
    snapshot: dict[str, Any] = {
        "election_id": election_id,
        "phase": str(phase),
        "generated_ms": clock(),
        "protected": True,
        "units": [{"unit": u, "voters_on_roll": roll.get(u, 0)} for u in order],
        "total": {"voters_on_roll": sum(roll.values())},
        "batches": {
            "posted": posted,
            "scheduled": len(schedule.hours) * schedule.slots_per_hour(),
            "interval_s": schedule.interval,
            "next_ms": next_ms,
        },
    }
    if phase == "done":
        with store.engine.connect() as conn:
            row = store.election_row(conn, election_id)
        assert row is not None  # its phase was just read
        summary = (results or ResultViews(store, service)).summary(election_id, row)
        members = {str(r["id"]): list(r["units"]) for r in summary["reporting_units"]}
        counted = [
            {
                "unit": c["unit"],
                "units": members.get(c["unit"], []),
                "voters_on_roll": sum(roll.get(u, 0) for u in members.get(c["unit"], [])),
                "ballots": int(c["ballots"]),
            }
            for c in summary["counted_per_unit"]
        ]
        snapshot["total"]["ballots"] = int(summary["ballots_counted"])
        if "paper" in summary:
            # the roll counts the paper stations' voters too: give their ballots beside
            in_box = {str(u["unit"]): int(u["in_box"]) for u in summary["paper"]["units"]}
            for r in counted:
                r["paper"] = in_box.get(r["unit"], 0)
            snapshot["total"]["paper"] = sum(in_box.values())
        snapshot["reporting_units"] = counted
    return snapshot


def read_snapshot(directory: Path, election_id: str) -> dict[str, Any] | None:
    """The election's last written ``turnout.json``, or None (not written yet, or not
    readable): what a page shows before its script fetches the file again."""
    if not _SAFE_ID.match(election_id):
        return None
    try:
        found = json.loads((directory / election_id / TURNOUT_NAME).read_bytes())
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def _encode(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode() + b"\n"


def write_snapshots(
    store: SqlStore,
    directory: Path,
    clock: Callable[[], int] = now_ms,
    *,
    service: ElectionService | None = None,
    results: ResultViews | None = None,
) -> list[Path]:
    """Write every election's ``turnout.json`` and the ``elections.json`` index.

    An election whose snapshot fails is logged and left out; the others are written.
    Returns the paths written.
    """
    service = service or ElectionService(store)
    results = results or ResultViews(store, service)
    directory.mkdir(parents=True, exist_ok=True)
    # One writer at a time over a directory, reading and writing under the same lock:
    # otherwise a process that read its counts before another process's round could
    # write them after it, putting older turnout (or an earlier phase) back.
    with _round_lock(directory):
        return _write_round(store, directory, clock, service, results)


@contextlib.contextmanager
def _round_lock(directory: Path) -> Iterator[None]:
    """An exclusive lock on ``directory`` among the processes of this machine (a
    dot-file, which the snapshot server never serves)."""
    fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _write_round(
    store: SqlStore,
    directory: Path,
    clock: Callable[[], int],
    service: ElectionService,
    results: ResultViews,
) -> list[Path]:
    written: list[Path] = []
    index: list[dict[str, Any]] = []
    for election_id in sorted(store.list_elections()):
        if not _SAFE_ID.match(election_id):
            log.error("no turnout snapshot for an election whose id is not a safe file name")
            continue
        try:
            snapshot = turnout(store, election_id, clock=clock, service=service, results=results)
            title = service.context(election_id).manifest.title
            target = directory / election_id
            target.mkdir(exist_ok=True)
            write_atomically(target / TURNOUT_NAME, _encode(snapshot), mode=PUBLIC)
        except Exception as exc:
            _log_failure(f"turnout snapshot of {election_id}", exc)
            continue
        written.append(target / TURNOUT_NAME)
        index.append(
            {
                "election_id": election_id,
                "title": {"en": title.en, "ru": title.ru, "kk": title.kk},
                "phase": snapshot["phase"],
            }
        )
    write_atomically(directory / ELECTIONS_NAME, _encode(index), mode=PUBLIC)
    written.append(directory / ELECTIONS_NAME)
    return written


def _log_failure(what: str, exc: BaseException) -> None:
    # Only our own errors' messages are logged: a driver's error may quote SQL parameters.
    detail = f": {exc}" if isinstance(exc, HonestBallotError) else ""
    log.error("%s failed (%s%s)", what, type(exc).__name__, detail)


class SnapshotWriter:
    """Rewrites the snapshots every ``interval_s`` seconds in a daemon thread.

    A failed round is logged and the next one tried; the server is never stopped by it.
    """

    def __init__(
        self,
        store: SqlStore,
        directory: Path,
        interval_s: float = 3.0,
        clock: Callable[[], int] = now_ms,
        results: ResultViews | None = None,
    ) -> None:
        if interval_s <= 0:
            raise InvalidInput("the snapshot interval must be positive")
        self.store = store
        self.directory = Path(directory)
        self.interval_s = interval_s
        self.clock = clock
        self.rounds = 0
        self._service = ElectionService(store)
        #: the published results (a process's own, whose summaries it keeps, if given)
        self._results = results or ResultViews(store, self._service)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name="honestballot-snapshots", daemon=True
        )
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def run_once(self) -> list[Path]:
        return write_snapshots(
            self.store, self.directory, self.clock, service=self._service, results=self._results
        )

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception as exc:
                _log_failure("writing the turnout snapshots", exc)
            self.rounds += 1
            self._stop.wait(self.interval_s)
