"""Proofs of shuffle verified on a local process pool and on a Dask cluster: the rows'
part of each proof runs on the workers (verify/mixes.py), and the verdict, the report
and its every word are those of one process.

The chunks are made as small as they go (one row each, and the pool used whatever the
number of items), so that every row's ``c^_{i-1}`` comes from another chunk's row and
even the 5-row mixes of the test elections are spread over both workers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from distributed import LocalCluster

from honestballot.crypto.group import Scalar, base_mul
from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.mix import Mix
from honestballot.protocol.mix_parts import assemble, part_digest, publish_mix, sign_digest
from honestballot.protocol.share_parts import part_digest as share_part_digest
from honestballot.record.codec import canonical_bytes
from honestballot.record.mix import (
    mix_head_from_json,
    mix_head_to_json,
    mix_part_from_json,
    mix_part_to_json,
)
from honestballot.record.share_parts import share_part_from_json, share_part_to_json
from honestballot.verify import parallel
from honestballot.verify.mixes import verify_shuffle_on
from honestballot.verify.parallel import DaskEngine, LocalEngine
from honestballot.verify.verifier import Report, verify_record
from tests.crypto.test_shuffle_parts import run_verifying_tests
from tests.factories import DemoCeremony, board_secret_of, key_ceremony, resign
from tests.helpers import describe, failed
from tests.service.test_mix_chain import MIXED, Board, mixed_manifest

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


# -- a mixed election's record ------------------------------------------------------------


@pytest.fixture(scope="module")
def ceremony(tmp_path_factory: pytest.TempPathFactory) -> DemoCeremony:
    return key_ceremony(mixed_manifest(), tmp_path_factory.mktemp("mixed-ceremony"), "mixed")


@pytest.fixture(scope="module")
def election(ceremony: DemoCeremony, tmp_path_factory: pytest.TempPathFactory) -> Board:
    """Two trustees' mixes of the 5 counted ballots' rows (3 wide), decrypted."""
    board = Board(ceremony, tmp_path_factory.mktemp("mixed-board"))
    board.submit(board.mix(2))
    board.submit(board.mix(3))
    board.decrypt()
    return board


def _mix_lines(lines: list[bytes], kind: str = "mix") -> list[int]:
    return [n for n, raw in enumerate(lines) if json.loads(raw).get("kind") == kind]


def _changed_mix(
    board: Board, nth: int, change: Callable[[Mix], Mix], *, sign_again: bool
) -> list[bytes]:
    """The record with the ``nth`` mix changed (its parts and head signed again by its
    trustee, as a dishonest trustee would post them, or left with the signatures of the
    honest mix), and the board's tree heads signed again."""
    lines = board.record()
    base_hash = board.ctx.base_hash
    head_line = _mix_lines(lines)[nth]
    head = mix_head_from_json(json.loads(lines[head_line])["body"], "mix")
    part_lines = {
        part_digest(base_hash, part): n
        for n in _mix_lines(lines, "mix-part")
        for part in [mix_part_from_json(json.loads(lines[n])["body"], "part")]
    }
    parts = {
        d: mix_part_from_json(json.loads(lines[n])["body"], "part") for d, n in part_lines.items()
    }
    honest = assemble(base_hash, head, parts)
    size = len(parts[head.parts[0]].rows)
    share = board._share(head.trustee)
    new_parts, new_head = publish_mix(
        base_hash, change(honest), share, SeededRandomness("dishonest trustee"), rows_per_part=size
    )
    if not sign_again:  # the honest mix's signatures on the changed parts; its head as it was
        new_parts = [
            replace(p, signature=parts[d].signature)
            for p, d in zip(new_parts, head.parts, strict=True)
        ]
        new_head = head
    for digest, part in zip(head.parts, new_parts, strict=True):
        event = json.loads(lines[part_lines[digest]])
        event["body"] = mix_part_to_json(part)
        lines[part_lines[digest]] = canonical_bytes(event)
    event = json.loads(lines[head_line])
    event["body"] = mix_head_to_json(new_head)
    lines[head_line] = canonical_bytes(event)
    return resign(lines, MIXED, board_secret_of(board.url, MIXED))


def _rows_swapped(mix: Mix) -> Mix:
    return replace(mix, rows=(mix.rows[1], mix.rows[0], *mix.rows[2:]))


def _s_hat_altered(mix: Mix) -> Mix:
    p = mix.proof
    return replace(mix, proof=replace(p, s_hat=(*p.s_hat[:3], p.s_hat[3] + Scalar(1), p.s_hat[4])))


#: tamper -> (the record, how many proofs of shuffle reach the engine, words of mix.proofs)
TAMPERS: dict[str, tuple[Callable[[Board], list[bytes]], int, str]] = {
    "none": (Board.record, 2, "every proof of shuffle verified"),
    # the first mix's rows swapped after proving: its part's signature fails, so its
    # mix names a part not on the board, and the second mix then stands at the wrong
    # position (test_mix_chain.py)
    "first mix's rows swapped": (
        lambda b: _changed_mix(b, 0, _rows_swapped, sign_again=False),
        0,
        "part 0 of mix 1 of contest 'leader' by trustee 2: Schnorr proof does not verify",
    ),
    # a dishonest second mixer signs swapped rows: only the proof of shuffle fails
    "last mix's rows swapped and signed": (
        lambda b: _changed_mix(b, 1, _rows_swapped, sign_again=True),
        2,
        "the proof of shuffle (5 rows of 3) does not verify",
    ),
    "last mix's s_hat[3] altered and signed": (
        lambda b: _changed_mix(b, 1, _s_hat_altered, sign_again=True),
        2,
        "the proof of shuffle (5 rows of 3) does not verify",
    ),
}


def _report(lines: list[bytes], **how: Any) -> Report:
    return verify_record([raw + b"\n" for raw in lines], **how)


def _same(one: Report, other: Report) -> None:
    assert [(c.name, c.passed, c.detail) for c in other.checks] == [
        (c.name, c.passed, c.detail) for c in one.checks
    ]
    assert (other.election_id, other.stats, other.counts) == (
        one.election_id,
        one.stats,
        one.counts,
    )
    assert other.mixes == one.mixes


@pytest.mark.parametrize("tamper", list(TAMPERS))
def test_a_mixed_record_gives_one_report_on_one_process_a_pool_and_a_cluster(
    election: Board, scheduler: str, calls: Calls, tamper: str, tmp_path: Path
) -> None:
    record, proofs, words = TAMPERS[tamper]
    lines = record(election)
    one = _report(lines, workers=1)
    pool = _report(lines, workers=2)
    cluster = _report(lines, scheduler=scheduler)
    mix_check = next(c for c in one.checks if c.name == "mix.proofs")
    assert words in mix_check.detail, describe(one)
    if tamper == "none":
        assert one.passed, describe(one)
        assert "2 mixes by trustees [2, 3]" in mix_check.detail
    else:
        assert "mix.proofs" in failed(one), describe(one)
    _same(one, pool)
    _same(one, cluster)
    # every proof of shuffle checked goes through the engine: in this process for one
    # worker, then on the pool, then on the cluster
    assert _shuffle_calls(calls) == [("LocalEngine", 5)] * 2 * proofs + [("DaskEngine", 5)] * proofs


def _changed_share_part(board: Board, trustee: int) -> list[bytes]:
    """The record with trustee ``trustee``'s first share part holding, for the first
    ciphertext, another share, signed again by the trustee and named by its share (a
    dishonest trustee's part: its signature verifies, the proof of that share does not);
    tree heads signed again."""
    lines = board.record()
    base_hash = board.ctx.base_hash
    n, part = next(
        (n, part)
        for n in _mix_lines(lines, "share-part")
        for part in [share_part_from_json(json.loads(lines[n])["body"], "part")]
        if part.trustee == trustee
    )
    (d, proof), *rest = part.rows[0]
    changed = replace(part, rows=(((d + base_mul(Scalar(1)), proof), *rest), *part.rows[1:]))
    share = board._share(trustee)
    signature = sign_digest(base_hash, share_part_digest(base_hash, changed), share, board.rng)
    event = json.loads(lines[n])
    event["body"] = share_part_to_json(replace(changed, signature=signature))
    lines[n] = canonical_bytes(event)
    old, new = share_part_digest(base_hash, part).hex(), share_part_digest(base_hash, changed)
    for h in _mix_lines(lines, "decryption-share"):
        event = json.loads(lines[h])
        names = event["body"]["share"]["parts"]
        event["body"]["share"]["parts"] = [new.hex() if d == old else d for d in names]
        lines[h] = canonical_bytes(event)
    return resign(lines, MIXED, board_secret_of(board.url, MIXED))


def test_a_changed_share_part_is_named_alike_on_one_process_a_pool_and_a_cluster(
    election: Board, scheduler: str, calls: Calls
) -> None:
    """The proofs of the shares in parts go through the engine; a part whose share was
    changed fails decryption.shares by its entry, and the result cannot stand on it."""
    honest = _report(election.record(), workers=1)
    [shares] = [c.detail for c in honest.checks if c.name == "decryption.shares"]
    assert shares == "2 decryption shares with valid proofs (4 parts)", describe(honest)
    lines = _changed_share_part(election, 3)
    one = _report(lines, workers=1)
    pool = _report(lines, workers=2)
    cluster = _report(lines, scheduler=scheduler)
    [check] = [c for c in one.checks if c.name == "decryption.shares"]
    assert not check.passed
    assert "decryption share of trustee 3, entry 'leader#0/a'" in check.detail
    assert "is event" in check.detail and "which is not a valid part" in check.detail
    assert "result.counts" in failed(one), describe(one)
    _same(one, pool)
    _same(one, cluster)
    share_calls = [(engine, n) for engine, check, n in calls if check == "_check_cells"]
    # every share of the parts, one call per verification: 5 rows x 3 for each of 2 trustees
    assert share_calls == [("LocalEngine", 30)] * 3 + [("DaskEngine", 30)]
