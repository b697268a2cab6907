"""Where the verifier's per-item checks run: in this process, a local process pool, or a
Dask cluster.

A check is a module-level function ``check(context, chunk) -> results`` over a chunk of
items (ballots, or the rows of a proof of shuffle: verify/mixes.py), and the
context it needs (the election context, say) travels as bytes with the module-level
function that rebuilds it.  An :class:`Engine` splits the items into chunks, runs the
check on each and returns the results of all chunks in the items' order, so a caller
cannot tell the engines apart: the same function runs on the same chunks, and the report
built from its results is the same.

The context is rebuilt once per worker process, not once per chunk: a local pool's
initializer rebuilds it; on a cluster its bytes are scattered to every worker once per
call, each task names them by their key, and each worker keeps what it rebuilt, keyed
by the bytes' hash, for the following tasks and calls (:func:`_run_chunk`).  A chunk
travels to a cluster as one pickled blob (:func:`_run_packed`).

Dask is imported only when a scheduler is given (:func:`open_engine`), so the verifier
runs without it; ``pip install 'honestballot[cluster]'`` brings it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import urlsplit

import honestballot
from honestballot.errors import HonestBallotError

C = TypeVar("C")
T = TypeVar("T")
R = TypeVar("R")

#: Fewer items than this are checked in this process: starting a pool costs more.
MIN_PARALLEL = 200
#: Chunks per worker (local) or per worker thread (cluster), so a slow chunk does not
#: leave the others idle at the end.
CHUNKS_PER_WORKER = 8
MIN_CHUNK = 50
#: A cluster's chunks are at most this many items, so one task stays a few seconds of
#: work and a few megabytes to ship, however large the record.
MAX_CLUSTER_CHUNK = 1000
#: Chunks in flight per worker thread on a cluster: enough that no thread waits for its
#: next chunk, few enough that the scheduler does not hold the whole record.
IN_FLIGHT_PER_THREAD = 3
#: Seconds to wait for the scheduler to answer.
CONNECT_TIMEOUT = 10.0


class ClusterError(HonestBallotError):
    """The Dask cluster cannot be reached or used (not a verdict on the record)."""


@dataclass(frozen=True)
class Shared(Generic[C]):
    """What every chunk's check needs: ``data`` (bytes, shipped once per worker) and
    ``load``, the module-level function that rebuilds the object from them.  ``here`` is
    that object already built in this process, used when the chunks are checked here."""

    data: bytes
    load: Callable[[bytes], C]
    here: C | None = None
    digest: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "digest", hashlib.sha256(self.data).hexdigest())

    def value(self) -> C:
        return self.here if self.here is not None else self.load(self.data)


#: A check over one chunk: a module-level function (workers find it by its name).
Check = Callable[[C, list[T]], list[R]]


class Engine(Protocol):
    def map_chunks(self, check: Check[C, T, R], items: Sequence[T], shared: Shared[C]) -> list[R]:
        """``check`` over chunks of ``items``; the results of every chunk, in order."""
        ...


def chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


def chunk_size(items: int, workers: int, maximum: int | None = None) -> int:
    size = max(MIN_CHUNK, items // (max(1, workers) * CHUNKS_PER_WORKER))
    return min(size, maximum) if maximum is not None else size


# -- in a worker process -----------------------------------------------------------------

#: Contexts rebuilt in this process, by (load function, hash of the bytes); a few only,
#: since a long-lived cluster worker serves one verification after another.
_LOADED: dict[tuple[str, str], Any] = {}
_LOADED_MAX = 4
_LOCK = threading.Lock()


def _loaded(load: Callable[[bytes], C], digest: str, data: bytes | None) -> C:
    key = (f"{load.__module__}.{load.__qualname__}", digest)
    with _LOCK:
        if key in _LOADED:
            return _LOADED[key]  # type: ignore[no-any-return]
    if data is None:
        raise RuntimeError(f"the context {key} was not sent to this worker")
    value = load(data)
    with _LOCK:
        while len(_LOADED) >= _LOADED_MAX:
            del _LOADED[next(iter(_LOADED))]
        _LOADED[key] = value
    return value


def _preload(load: Callable[[bytes], Any], digest: str, data: bytes) -> None:
    _loaded(load, digest, data)


def _run_chunk(
    check: Check[C, T, R],
    load: Callable[[bytes], C],
    digest: str,
    data: bytes | None,
    chunk: list[T],
) -> list[R]:
    """One chunk, in a worker: the context comes from this process's cache, rebuilt from
    ``data`` the first time."""
    return check(_loaded(load, digest, data), chunk)


def _run_packed(
    check: Check[C, T, R],
    load: Callable[[bytes], C],
    digest: str,
    data: bytes | None,
    packed: bytes,
) -> list[R]:
    """One chunk that came as one pickled blob (see :meth:`DaskEngine.map_chunks`)."""
    return _run_chunk(check, load, digest, data, pickle.loads(packed))


# -- local -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalEngine:
    """``workers`` processes on this machine (in this process for one, or few items)."""

    workers: int

    def map_chunks(self, check: Check[C, T, R], items: Sequence[T], shared: Shared[C]) -> list[R]:
        if self.workers <= 1 or len(items) < MIN_PARALLEL:
            return check(shared.value(), list(items))
        out: list[R] = []
        run = partial(_run_chunk, check, shared.load, shared.digest, None)
        with ProcessPoolExecutor(
            self.workers,
            initializer=_preload,
            initargs=(shared.load, shared.digest, shared.data),
        ) as pool:
            for part in pool.map(run, chunks(items, chunk_size(len(items), self.workers))):
                out.extend(part)
        return out


# -- a Dask cluster ----------------------------------------------------------------------


@cache
def code_digest() -> str:
    """A hash of honestballot's Python sources as this process finds them: a cluster's
    workers must run the same checks as the machine that reads the record."""
    root = Path(honestballot.__file__).parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def _worker_code() -> tuple[str, str]:
    return honestballot.__version__, code_digest()


@dataclass
class DaskEngine:
    """The worker threads of a Dask cluster, through a connected ``distributed.Client``."""

    client: Any
    address: str

    def threads(self) -> int:
        return max(1, int(sum(self.client.nthreads().values())))

    def map_chunks(self, check: Check[C, T, R], items: Sequence[T], shared: Shared[C]) -> list[R]:
        if not items:
            return []
        threads = self.threads()
        size = chunk_size(len(items), threads, MAX_CLUSTER_CHUNK)
        # the bytes go to every worker once; each task names them by their key.  A new
        # key each time: one derived from the bytes would be shared with the previous
        # call's, whose release could then cancel this call's tasks
        data = self.client.scatter(shared.data, broadcast=True, hash=False)
        parts: dict[int, list[R]] = {}
        index_of: dict[str, int] = {}
        pending = enumerate(chunks(items, size))
        running: Any = _distributed().as_completed(with_results=True, loop=self.client.loop)
        from dask import config as dask_config

        def submit_next() -> bool:
            nxt = next(pending, None)
            if nxt is None:
                return False
            index, chunk = nxt
            # one blob, not the items themselves: Dask walks a task's arguments for keys
            # and the scheduler unpickles them: five times the CPU a ballot (performance.md)
            packed = pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL)
            with dask_config.set({"distributed.admin.large-graph-warning-threshold": "1GiB"}):
                future = self.client.submit(
                    _run_packed, check, shared.load, shared.digest, data, packed, pure=False
                )
            index_of[future.key] = index
            running.add(future)
            return True

        try:
            for _ in range(threads * IN_FLIGHT_PER_THREAD):
                if not submit_next():
                    break
            for future, result in running:
                if future.status != "finished":  # cancelled (errors are raised)
                    raise ClusterError(
                        f"the Dask cluster at {self.address} dropped a chunk: {result!r}"
                    )
                parts[index_of.pop(future.key)] = result
                future.release()
                submit_next()
        except HonestBallotError:
            raise
        except Exception as exc:
            raise ClusterError(
                f"the Dask cluster at {self.address} failed to check a chunk: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        finally:
            data.release()
        return [r for index in sorted(parts) for r in parts[index]]


def _probe(address: str, timeout: float) -> None:
    """Fail at once, in words, when nothing listens at a tcp:// or tls:// address."""
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme not in ("tcp", "tls"):
        return
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise ClusterError(f"{address!r} is not a scheduler address (tcp://HOST:PORT)") from None
    if not host or port is None:
        raise ClusterError(f"{address!r} is not a scheduler address (tcp://HOST:PORT)")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {why}") from None


def _distributed() -> Any:
    """``dask.distributed``, imported only when a cluster is used."""
    try:
        import distributed
    except ImportError:
        raise ClusterError(
            "verifying on a Dask cluster needs Dask's distributed scheduler, which is not "
            "installed here: pip install 'honestballot[cluster]'"
        ) from None
    return distributed


def connect(address: str, timeout: float = CONNECT_TIMEOUT) -> DaskEngine:
    """A client of the scheduler at ``address``, once every worker is found to run the
    same honestballot as this process."""
    dist = _distributed()
    _probe(address, timeout)
    try:
        client = dist.Client(address, timeout=timeout, set_as_default=False)
    except Exception as exc:
        why = str(exc) or type(exc).__name__
        raise ClusterError(f"cannot connect to the Dask scheduler at {address}: {why}") from None
    try:
        _check_workers(client, address, timeout)
    except BaseException:
        client.close()
        raise
    return DaskEngine(client, address)


def _check_workers(client: Any, address: str, timeout: float) -> None:
    try:
        client.wait_for_workers(1, timeout=timeout)
    except Exception:
        raise ClusterError(
            f"the Dask scheduler at {address} has no workers (start some with "
            f"`dask worker {address}`)"
        ) from None
    try:
        seen: dict[str, tuple[str, str]] = client.run(_worker_code)
    except Exception as exc:
        raise ClusterError(
            f"the workers of the Dask scheduler at {address} cannot run honestballot's "
            f"checks (is it installed on every worker?): {type(exc).__name__}: {exc}"
        ) from None
    mine = _worker_code()
    other = sorted(w for w, code in seen.items() if tuple(code) != mine)
    if other:
        raise ClusterError(
            f"{len(other)} worker(s) of the Dask scheduler at {address} run other "
            f"honestballot code than this machine ({honestballot.__version__}): "
            f"{', '.join(other[:5])}; install the same version on every worker and restart it"
        )


@contextmanager
def open_engine(*, workers: int | None = None, scheduler: str | None = None) -> Iterator[Engine]:
    """The engine for ``workers`` local processes (default: every core), or the Dask
    cluster whose scheduler is at ``scheduler``; a cluster's client is closed after."""
    if scheduler is None:
        yield LocalEngine(workers or os.cpu_count() or 1)
        return
    if workers is not None:
        raise ValueError("workers are local processes: give workers or a scheduler, not both")
    engine = connect(scheduler)
    try:
        yield engine
    finally:
        engine.client.close()


__all__ = [
    "ClusterError",
    "DaskEngine",
    "Engine",
    "LocalEngine",
    "Shared",
    "connect",
    "open_engine",
]
