"""Proofs of shuffle verified on a local process pool and on a Dask cluster: the rows'
part of each proof runs on the workers (verify/mixes.py), and the verdict is that of one
process, for every proof of the shuffle tests.  (Version 1's mixed record, whose mix chain
and share parts were checked here on both engines, went with its count: docs/coercion.md
§14 item 8; the close's mixes are verified on the verifier's machine.)

The chunks are made as small as they go (one row each, and the pool used whatever the
number of items), so that every row's ``c^_{i-1}`` comes from another chunk's row and
even the small mixes of the shuffle tests are spread over both workers.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from distributed import LocalCluster

from honestballot.verify import parallel
from honestballot.verify.mixes import verify_shuffle_on
from honestballot.verify.parallel import DaskEngine, LocalEngine
from tests.crypto.test_shuffle_parts import run_verifying_tests

#: (engine, check, items) of every map_chunks call
Calls = list[tuple[str, str, int]]


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Chunks of one item, on the pool whatever the number of items; and the calls made."""
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 1)
    monkeypatch.setattr(parallel, "MIN_CHUNK", 1)
    seen: Calls = []
    for cls in (LocalEngine, DaskEngine):
        real = cls.map_chunks

        def spy(self: Any, check: Any, items: Any, shared: Any, real: Any = real) -> Any:
            seen.append((type(self).__name__, check.__name__, len(items)))
            return real(self, check, items, shared)

        monkeypatch.setattr(cls, "map_chunks", spy)
    return seen


def _shuffle_calls(calls: Calls) -> list[tuple[str, int]]:
    return [(engine, n) for engine, check, n in calls if check == "_partial_sums"]


# -- every proof of the shuffle tests -----------------------------------------------------


def test_every_test_proof_gets_the_same_verdict_on_a_local_pool(calls: Calls) -> None:
    with parallel.open_engine(workers=2) as engine:
        seen = run_verifying_tests(partial(verify_shuffle_on, engine))
    assert sum(s is not None for s in seen) >= 60
    shuffled = _shuffle_calls(calls)
    assert shuffled and {engine for engine, _ in shuffled} == {"LocalEngine"}
    assert max(n for _, n in shuffled) == 17


def test_every_test_proof_gets_the_same_verdict_on_a_cluster(calls: Calls, scheduler: str) -> None:
    with parallel.open_engine(scheduler=scheduler) as engine:
        seen = run_verifying_tests(partial(verify_shuffle_on, engine))
    assert sum(s is not None for s in seen) >= 60
    shuffled = _shuffle_calls(calls)
    assert shuffled and {engine for engine, _ in shuffled} == {"DaskEngine"}
