"""An election of many units (the manifest allows 100,000): its roll summary is over 1 MiB
and lists more than 10,000 units, and the service and the verifier must both take it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.ballot import encrypt_ballot
from honestballot.protocol.credential import generate_credential
from honestballot.protocol.manifest import Contest, Label, Manifest, Option, Unit
from honestballot.record.ballot import ballot_to_json
from honestballot.record.codec import canonical_bytes
from honestballot.service.board.election import ElectionService
from honestballot.service.demo import run_key_ceremony
from honestballot.store.sql import SqlStore
from honestballot.verify.verifier import verify_record

UNITS = 15_000
ELECTION = "many-units"


def _manifest() -> Manifest:
    label = Label("Вопрос", "Сұрақ", "Question")
    contest = Contest("q", label, (Option("yes", label), Option("no", label)), 1, 1, False)
    units = tuple(
        Unit(f"polling-station-{i:06d}-of-the-northern-district-of-the-city", label)
        for i in range(UNITS)
    )
    return Manifest(ELECTION, label, (contest,), units, 1)


@pytest.mark.slow
def test_a_roll_of_more_than_ten_thousand_units_and_one_mebibyte(tmp_path: Path) -> None:
    manifest = _manifest()
    rng = SeededRandomness(ELECTION)
    key, _ = run_key_ceremony(manifest, tmp_path, rng)
    service = ElectionService(SqlStore(f"sqlite:///{tmp_path / 'store.sqlite'}"), rng)
    try:
        ctx = service.create(manifest, key, unprotected=True)
        first = manifest.units[0].id
        roll = {
            "voters_per_unit": [{"unit": u.id, "voters": 2} for u in manifest.units],
            "contact_exceptions": 0,
        }
        service.open(ELECTION, lambda _: roll)
        assert len(canonical_bytes(roll)) > 1 << 20
        # a credential made while voting is open reads the roll summary back
        voter = generate_credential(rng)
        service.register_credential(ELECTION, voter.public, first)
        ballot, _ = encrypt_ballot(ctx, voter, {"q": {"yes"}}, rng)
        service.cast(ELECTION, json.dumps(ballot_to_json(ballot)))
        service.close(ELECTION)
        lines = list(service.record_lines(ELECTION))
    finally:
        service.store.close()
    report = verify_record(lines, workers=1)
    assert report.passed, [(c.name, c.detail[:200]) for c in report.failures]
