"""Times how long each transaction holds an election's lock, inside ``honestballot serve``.

Loaded by Python at start-up in every process of the server (``bench_primary.py`` puts
this folder first on the server's ``PYTHONPATH`` and names an output folder in
``HB_LOCK_PROBE``); nothing is patched unless that variable is set.  It wraps
``StoreBase.transaction``: for a transaction that takes an election's lock it records how
long taking the lock took (the connection, ``BEGIN`` and the lock's statements, waiting
for another holder included) and how long the lock was then held (until the commit has
returned).  The cast and credential queues' batch functions label the transactions they
open with their batch's size; a transaction that takes the lock in shared mode (a
protected voter's request) is labelled ``shared``, and the row lock such a request also
takes (a registration the voter's row, ``RevotingStore.lock_revoting_voter``; a cast or
audit the credential's, ``RevotingStore.lock_credential``) gets a line of its own,
labelled ``voter``: its wait (the statement) and its hold (from then to the commit's
return).
One line per lock, in ``lock-<pid>.tsv``:

    wall clock (s)   label   items   wait (ms)   hold (ms)

A benchmark's instrument, not part of the project's code: the server runs unchanged
without it.
"""

from __future__ import annotations

import os

_OUT = os.environ.get("HB_LOCK_PROBE")


def _install(directory: str) -> None:
    import functools
    import threading
    import time
    from collections.abc import Iterator
    from contextlib import contextmanager
    from typing import Any

    from honestballot.store import engine, revoting

    local = threading.local()
    files: dict[int, Any] = {}
    files_lock = threading.Lock()

    def out() -> Any:
        pid = os.getpid()
        with files_lock:
            f = files.get(pid)
            if f is None:
                f = files[pid] = open(  # noqa: SIM115 -- kept open for the process's life
                    os.path.join(directory, f"lock-{pid}.tsv"), "a", buffering=1
                )
            return f

    original = engine.StoreBase.transaction

    @contextmanager
    def transaction(
        self: Any, election_id: str | None = None, *, shared: bool = False
    ) -> Iterator[Any]:
        if election_id is None:
            with original(self, election_id) as conn:
                yield conn
            return
        local.voter = None
        t0 = time.perf_counter()
        with original(self, election_id, shared=shared) as conn:
            t1 = time.perf_counter()
            yield conn
        t2 = time.perf_counter()
        label, items = ("shared", 0) if shared else getattr(local, "label", ("other", 0))
        now = time.time()
        out().write(f"{now:.3f}\t{label}\t{items}\t{(t1 - t0) * 1e3:.3f}\t{(t2 - t1) * 1e3:.3f}\n")
        voter, local.voter = local.voter, None
        if voter is not None:
            v0, v1 = voter
            out().write(f"{now:.3f}\tvoter\t0\t{(v1 - v0) * 1e3:.3f}\t{(t2 - v1) * 1e3:.3f}\n")

    engine.StoreBase.transaction = transaction  # type: ignore[method-assign]

    def timed_row_lock(lock_row: Any) -> Any:
        @functools.wraps(lock_row)
        def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
            v0 = time.perf_counter()
            try:
                return lock_row(self, *args, **kwargs)
            finally:
                local.voter = (v0, time.perf_counter())

        return timed

    store = revoting.RevotingStore
    store.lock_revoting_voter = timed_row_lock(store.lock_revoting_voter)  # type: ignore[method-assign]
    store.lock_credential = timed_row_lock(store.lock_credential)  # type: ignore[method-assign]

    def labelled(name: str, method: Any) -> Any:
        @functools.wraps(method)
        def wrapper(self: Any, election_id: str, items: Any, *a: Any, **k: Any) -> Any:
            local.label = (name, len(items))
            try:
                return method(self, election_id, items, *a, **k)
            finally:
                local.label = ("other", 0)

        return wrapper


if _OUT:
    _install(_OUT)
