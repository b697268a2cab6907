"""Helpers for the audit tests: small hand-written rolls and logs as CSV files."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from honestballot.audit.ids import iin_control_digit, snils_checksum

ROLL_HEADER = ("national_id", "name", "birth_date", "phone", "email", "unit", "organisation",
               "operator", "enrolled_at", "confirmed")
ACTIVITY_HEADER = ("time", "event", "voter", "address", "device", "user_agent", "contact",
                   "session")


def make_iin(birth: str, serial: int, century_sex: int = 3) -> str:
    """A valid IIN for ``birth`` (YYYY-MM-DD), built by the published algorithm."""
    for s in range(serial, serial + 50):
        first11 = f"{birth[2:4]}{birth[5:7]}{birth[8:10]}{century_sex}{s:04d}"
        control = iin_control_digit(first11)
        if control is not None:
            return first11 + str(control)
    raise AssertionError("no issuable IIN found")


def make_snils(number: int) -> str:
    body = f"{number:09d}"
    return f"{body[:3]}-{body[3:6]}-{body[6:]} {snils_checksum(body):02d}"


def roll_row(i: int, **over: Any) -> dict[str, Any]:
    """A clean roll row for person ``i`` (unique IIN, phone, e-mail)."""
    birth = f"19{60 + i % 30:02d}-0{1 + i % 9}-1{i % 10}"
    row = {
        "national_id": make_iin(birth, 10 * i),
        "name": f"Person {i}",
        "birth_date": birth,
        "phone": f"+7701{i:07d}",
        "email": f"p{i}@mail.example",
        "unit": f"unit-{i % 3}",
        "organisation": f"org-{i % 5}",
        "operator": f"op-{i % 4}",
        "enrolled_at": f"2023-0{1 + i % 6}-{10 + i % 15} {8 + i % 9:02d}:{i % 60:02d}:00",
        "confirmed": "yes",
    }
    row.update(over)
    return row


def write_csv(path: Path, header: Sequence[str], rows: Sequence[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(header), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


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
