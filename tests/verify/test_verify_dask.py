"""``honestballot verify --scheduler``: the proofs checked on a Dask cluster give the
same report, the same output and the same exit code as the local process pool.

The record is a closed election with re-voting protection (tests/factories.py
``closed_protected_record``, one per session: tests/verify/conftest.py).  Of its checks,
two go to the engine (a local process pool or the cluster): ``registrations.proofs``
(every registration's proofs) and ``rows.proofs`` (every cast row's ballot and counter
proof).  The rest run in the verifier's own process: the padding rows' proofs (part of
``rows.proofs``), the audited ballots' proofs and openings, and the whole close (its
signatures, proofs of shuffle, tag shares, decryption factors and result:
verify/close.py).  Version 1's ballot proofs,
proofs of shuffle and decryption shares go to the engine too; no test here reads them.

One cluster of two worker processes (one thread each) serves the whole module, as an
observer's cluster would serve one verification after another.
"""

from __future__ import annotations

import json
import operator
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from distributed import LocalCluster

from honestballot.cli.observer import verify_command
from honestballot.record.codec import canonical_bytes
from honestballot.verify import parallel
from honestballot.verify.parallel import ClusterError, LocalEngine, Shared
from honestballot.verify.verifier import Report, verify_record
from tests.factories import DemoCeremony, Record, resign
from tests.helpers import describe, failed, one_line_error, run_cli


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


#: the module reads a whole election's record, closed
pytestmark = pytest.mark.slow
#: the items the engine checks: the 12 registrations' proofs, then the 24 cast rows'
ENGINE_ITEMS = [12, 24]


@pytest.fixture
def record(closed_record: tuple[Record, DemoCeremony]) -> Record:
    """The session's closed record (tests/verify/conftest.py), shared with the tamper
    suite."""
    return closed_record[0]


@pytest.fixture
def dask_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of items of each check run through a cluster (not the local pool)."""
    calls: list[int] = []
    real = parallel.DaskEngine.map_chunks

    def spy(self: parallel.DaskEngine, check: Any, items: Any, shared: Any) -> Any:
        calls.append(len(items))
        return real(self, check, items, shared)

    monkeypatch.setattr(parallel.DaskEngine, "map_chunks", spy)
    return calls


def _flip(value: str) -> str:
    return value[0] + format(int(value[1], 16) ^ 0x2, "x") + value[2:]


def _tampered(record: Record) -> list[bytes]:
    """Two cast rows changed, re-signed by the board: one's ballot's first option proof,
    the other's counter proof (so only the proof check on the engine, and the close that
    reads the rows, can catch them)."""
    lines = list(record.lines)
    changes: list[Callable[[dict[str, Any]], None]] = [
        lambda row: row["ballot"]["contests"][0]["option_proofs"][0]["s"].__setitem__(
            0, _flip(row["ballot"]["contests"][0]["option_proofs"][0]["s"][0])
        ),
        lambda row: row["counter_proof"].__setitem__("c", _flip(row["counter_proof"]["c"])),
    ]
    for nth, change in zip((1, 2), changes, strict=True):
        line = record.line_of("cast-row", nth)
        event = json.loads(lines[line])
        change(event["body"]["row"])
        lines[line] = canonical_bytes(event)
    return resign(lines, record.election_id, record.board_secret)


def _report(lines: list[bytes], **how: Any) -> Report:
    return verify_record([raw + b"\n" for raw in lines], **how)


def _same(local: Report, cluster: Report) -> None:
    assert cluster.election_id == local.election_id
    assert [(c.name, c.passed, c.detail) for c in cluster.checks] == [
        (c.name, c.passed, c.detail) for c in local.checks
    ]
    assert cluster.stats == local.stats
    assert cluster.counts == local.counts


def test_the_cluster_gives_the_local_report(
    record: Record, scheduler: str, dask_calls: list[int]
) -> None:
    local = _report(record.lines, workers=1)
    assert dask_calls == []
    cluster = _report(record.lines, scheduler=scheduler)
    assert dask_calls == ENGINE_ITEMS  # checked on the cluster
    assert local.passed, describe(local)
    _same(local, cluster)
    names = [c.name for c in cluster.checks]
    assert {"registrations.proofs", "rows.proofs", "mix.proofs", "result.counts"} <= set(names)


def test_tampered_ballots_fail_the_same_checks_on_the_cluster(
    record: Record, scheduler: str, dask_calls: list[int]
) -> None:
    lines = _tampered(record)
    local = _report(lines, workers=1)
    cluster = _report(lines, scheduler=scheduler)
    assert dask_calls == ENGINE_ITEMS
    assert "rows.proofs" in failed(cluster), describe(cluster)
    proofs = next(c for c in cluster.checks if c.name == "rows.proofs")
    assert proofs.detail.startswith("2 of 24 cast rows invalid"), proofs.detail
    _same(local, cluster)


@pytest.mark.parametrize("tamper", [False, True])
def test_the_command_prints_the_same_and_exits_the_same(
    record: Record, scheduler: str, tmp_path: Path, tamper: bool, dask_calls: list[int]
) -> None:
    path = tmp_path / "record.jsonl"
    path.write_bytes(
        b"".join(raw + b"\n" for raw in (_tampered(record) if tamper else record.lines))
    )
    runner = CliRunner()
    local = runner.invoke(verify_command, [str(path), "--workers", "1"])
    cluster = runner.invoke(verify_command, [str(path), "--scheduler", scheduler])
    assert dask_calls == ENGINE_ITEMS
    assert cluster.exception is None or isinstance(cluster.exception, SystemExit), cluster.output
    assert (cluster.exit_code, cluster.output) == (local.exit_code, local.output)
    assert cluster.exit_code == (1 if tamper else 0)
    assert ("NOT VERIFIED" in cluster.output) == tamper


def test_chunks_come_back_in_order_and_complete(
    scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many small chunks, more than the cluster keeps in flight: every item's result
    comes back once, in the items' order, as the local pool gives them, call after
    call.  The check is ``[] + chunk`` (stdlib functions, which every worker can
    import), so the results are the items."""
    monkeypatch.setattr(parallel, "MIN_CHUNK", 7)
    items = list(range(1000))
    shared: Shared[list[int]] = Shared(b"", list)
    with parallel.open_engine(scheduler=scheduler) as engine:
        assert isinstance(engine, parallel.DaskEngine)
        size = parallel.chunk_size(len(items), engine.threads(), parallel.MAX_CLUSTER_CHUNK)
        assert len(items) / size > engine.threads() * parallel.IN_FLIGHT_PER_THREAD
        # one call after another on one client, with the same context (as two checks
        # of one record would): no call may lose the context another one released
        for _ in range(4):
            assert engine.map_chunks(operator.add, items, shared) == items
    assert LocalEngine(2).map_chunks(operator.add, items, shared) == items


def _refused_address() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"tcp://127.0.0.1:{port}"


@pytest.mark.parametrize(
    ("address", "words"),
    [
        (None, ("cannot reach the Dask scheduler", "refused")),
        ("tcp://127.0.0.1:port", ("not a scheduler address",)),
    ],
)
def test_a_bad_scheduler_is_one_line_of_error(
    record: Record, tmp_path: Path, address: str | None, words: tuple[str, ...]
) -> None:
    path = tmp_path / "record.jsonl"
    path.write_bytes(b"".join(raw + b"\n" for raw in record.lines))
    address = address or _refused_address()
    result = run_cli("verify", path, "--scheduler", address, cwd=tmp_path)
    one_line_error(result, "ClusterError", address, *words)
    assert result.stdout == ""  # refused before the record is read


def test_workers_and_scheduler_exclude_each_other(record: Record, tmp_path: Path) -> None:
    path = tmp_path / "record.jsonl"
    path.write_bytes(b"".join(raw + b"\n" for raw in record.lines))
    result = CliRunner().invoke(
        verify_command, [str(path), "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"]
    )
    assert result.exit_code == 2
    assert "--workers and --scheduler exclude each other" in result.output


def test_without_dask_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    with pytest.raises(ClusterError, match=r"pip install 'honestballot\[cluster\]'"):
        parallel.connect("tcp://127.0.0.1:8786")


def test_workers_running_other_code_are_refused(
    scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This process's honestballot differs from the workers' (as after an upgrade on the
    observer's machine only): the cluster is refused, not trusted with the checks."""
    monkeypatch.setattr(parallel, "code_digest", lambda: "0" * 64)
    with pytest.raises(ClusterError, match="run other honestballot code than this machine"):
        parallel.connect(scheduler)


def test_the_verifier_imports_no_dask_until_a_scheduler_is_given() -> None:
    """The verifier ships alone: without a scheduler nothing of Dask is imported."""
    code = (
        "import sys; import honestballot.cli.observer, honestballot.verify.verifier; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
