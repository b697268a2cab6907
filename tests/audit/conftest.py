"""Fixtures for the audit tests: small hand-written rolls and logs as CSV files (the
builders are in tests/factories.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.factories import ACTIVITY_HEADER, ROLL_HEADER, write_csv


@pytest.fixture
def roll_file(tmp_path: Path) -> Callable[[Sequence[dict[str, Any]]], Path]:
    def make(rows: Sequence[dict[str, Any]]) -> Path:
        return write_csv(tmp_path / "roll.csv", ROLL_HEADER, rows)

    return make


@pytest.fixture
def activity_file(tmp_path: Path) -> Callable[[Sequence[dict[str, Any]]], Path]:
    def make(rows: Sequence[dict[str, Any]]) -> Path:
        return write_csv(tmp_path / "activity.csv", ACTIVITY_HEADER, rows)

    return make
