"""Fixtures for the forensics tests: synthetic elections written as Russian-layout CSV."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from honestballot.forensics.loaders import load
from honestballot.forensics.stations import Stations
from honestballot.forensics.synth import SynthElection, generate


@pytest.fixture
def election(tmp_path: Path) -> Callable[..., tuple[SynthElection, Stations]]:
    """A synthetic election, written to CSV and read back as the command would."""

    def make(stations: int = 2000, seed: int = 1, **kw: Any) -> tuple[SynthElection, Stations]:
        e = generate(stations, seed, **kw)
        return e, load(e.write_csv(tmp_path / f"results-{seed}.csv"))

    return make
