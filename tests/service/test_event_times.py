"""Event times never go backwards, even when the processes appending to one board have
clocks a little apart (several servers on one PostgreSQL): each appends at the later of
its own clock and the board's last event (an election with re-voting protection: its
stations, the open, a batch and the close appended by two services)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.protocol.election import manifest_hash
from honestballot.protocol.stations import prove_commission_key
from honestballot.record.stations import commission_key_to_json
from honestballot.service.board.election import ElectionService
from honestballot.service.clock import now_ms
from honestballot.store.sql import SqlStore
from honestballot.verify.verifier import verify_record
from tests.factories import (
    SMALL_SCHEDULE,
    DemoCeremonies,
    protected_election,
    publish_signed_station,
)
from tests.paper_helpers import station_details

PAPER = {"station-1": True, "station-2": False}


def _commission(manifest_digest: bytes, unit: str, rng: SeededRandomness) -> dict[str, Any]:
    secret = random_nonzero_scalar(rng)
    key = base_mul(secret)
    proof = prove_commission_key(manifest_digest, unit, secret, key, rng)
    return dict(commission_key_to_json(unit, manifest_digest, key, proof))


def test_a_process_whose_clock_is_behind_appends_no_earlier_than_the_board(
    demo_ceremony: DemoCeremonies, database_url: str, tmp_path: Path
) -> None:
    ceremony = demo_ceremony("clocks")
    rng = SeededRandomness("clocks")
    start = now_ms() + 60_000  # after the election's setup, made on the real clock
    ahead = itertools.count(start, 1000).__next__
    behind_at = itertools.count(start - 1_000_000, 1000)  # 1,000 s slow
    said: list[int] = []

    def behind() -> int:
        said.append(next(behind_at))
        return said[-1]

    with protected_election(
        ceremony, tmp_path, "clocks", url=database_url, open_=False, schedule=SMALL_SCHEDULE
    ) as e:
        first = e.web.services.elections
        first.clock = ahead
        second = ElectionService(SqlStore(database_url), rng, clock=behind)
        try:
            digest = manifest_hash(e.ctx.manifest)
            keys = {unit: _commission(digest, unit, rng) for unit in PAPER}
            # stations through both, the open through the first
            for i, unit in enumerate(PAPER):
                service = (first, second)[i % 2]
                details = station_details(unit, PAPER)
                publish_signed_station(service, e.id, e.organiser, details, keys[unit], rng)
            e.open()
            device = e.device("900101300001", "a device")
            seed, answer = device.register()
            assert answer.status_code == 201, answer.text
            ballot, _, private = device.ballot(seed)
            assert device.cast(ballot, private).status_code == 201
            e.post_batch()  # the first's clock at the batch's time
            details = {**station_details("station-2", PAPER), "hours": "09:00-20:00"}
            publish_signed_station(second, e.id, e.organiser, details, keys["station-2"], rng)
            second.close(e.id)
            lines = list(second.record_lines(e.id))
        finally:
            second.store.close()
    events = [json.loads(raw) for raw in lines if b'"type":"event"' in raw]
    times = [ev["time_ms"] for ev in events]
    assert times == sorted(times)
    # the second's own clock was behind every event it appended
    late = [ev for ev in events if ev["kind"] in ("station", "close")][1:]
    assert len(late) == 3 and all(ev["time_ms"] > max(said) for ev in late)
    report = verify_record(lines, workers=1)
    assert report.passed, [(c.name, c.detail) for c in report.failures]
