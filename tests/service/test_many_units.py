"""An election of many units (the manifest allows 100,000): its roll summary is over 1 MiB
and lists more than 10,000 units, and the service and the verifier must both take it.

The election has re-voting protection: the roll's summary lists every unit of the
manifest (0 voters in most), and the organiser's encrypted roll, its reporting units and
the open take it; a voter registers and casts on its device, a batch is posted, the
election closes, and the verifier accepts the record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from honestballot.protocol.manifest import Contest, Label, Manifest, Option, Unit
from honestballot.verify.verifier import verify_record
from tests.factories import SMALL_SCHEDULE, WEB_ROLL, key_ceremony, protected_election

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
    (tmp_path / "ceremony").mkdir()
    ceremony = key_ceremony(manifest, tmp_path / "ceremony", ELECTION)
    # the web roll's voters in the first units and the last
    units = [u.id for u in manifest.units]
    roll = [(*row[:4], units[i if i < 3 else -i]) for i, row in enumerate(WEB_ROLL)]
    with protected_election(
        ceremony, tmp_path / "app", ELECTION, schedule=SMALL_SCHEDULE, roll=roll
    ) as election:
        services = election.web.services
        lines = list(services.elections.record_lines(ELECTION))
        (roll_line,) = (line for line in lines if json.loads(line).get("kind") == "roll")
        assert len(roll_line) > 1 << 20
        summary = json.loads(roll_line)["body"]
        assert len(summary["voters_per_unit"]) == UNITS > 10_000
        assert sum(u["voters"] for u in summary["voters_per_unit"]) == len(WEB_ROLL)
        device = election.device(WEB_ROLL[0][0], "a voter of the first unit")
        seed, answer = device.register()
        assert answer.status_code == 201, answer.text
        ballot, _, private = device.ballot(seed, {"q": {"yes"}})
        assert device.cast(ballot, private).status_code == 201
        election.post_batch()
        services.elections.close(ELECTION)
        lines = list(services.elections.record_lines(ELECTION))
    report = verify_record(lines, workers=1)
    assert report.passed, [(c.name, c.detail[:200]) for c in report.failures]
