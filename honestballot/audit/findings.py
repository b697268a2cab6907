"""What the audit reports: findings, bad input rows, and their file forms.

A :class:`Finding` is one check's verdict at one severity: how many records it
involves and which. Organisers see the records; observers see only counts
(:func:`observer_summary`), never a name, ID, phone, e-mail, address or device.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

from honestballot.audit.why import catalogue, check_reason
from honestballot.errors import HonestBallotError

Record = Mapping[str, Any]

FORMAT_VERSION = "honestballot-audit/1"


class AuditInputError(HonestBallotError):
    """Input the audit cannot use: a missing file or column, an unreadable format."""


class BadRowsError(AuditInputError):
    """Malformed rows found while ``--on-bad-row fail`` is in force."""

    def __init__(self, bad_rows: Sequence[BadRow]) -> None:
        self.bad_rows = list(bad_rows)
        shown = "; ".join(f"{b.where}: {b.reason}" for b in self.bad_rows[:5])
        more = f" (and {len(self.bad_rows) - 5} more)" if len(self.bad_rows) > 5 else ""
        super().__init__(f"{len(self.bad_rows)} malformed row(s): {shown}{more}")


class Severity(IntEnum):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise AuditInputError(f"unknown severity {text!r}; use one of {names}") from None


@dataclass(frozen=True)
class BadRow:
    """A malformed input row: which file, which line (header is line 1; ``None`` for the
    log of an election with re-voting protection, see docs/audit.md), and why."""

    file: str
    line: int | None
    reason: str
    text: str = ""

    @property
    def where(self) -> str:
        """``file:line``, or the file alone when the line is withheld."""
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Finding:
    """One check at one severity. ``count`` is exact even if ``records`` was capped."""

    check: str
    severity: Severity
    title: str
    count: int
    unit: str  # what ``count`` counts: "records", "voters", "clusters", "organisations"...
    records: tuple[Record, ...] = ()
    groups: int = 0  # clusters / bursts / organisations behind the records, if any
    rule: str = ""
    #: the values the title and rule name, so that a page can say them in the reader's
    #: language (``audit.<check>.title``/``.rule`` in the web catalogue); ``variant``
    #: names which of a check's titles this is, ``skipped`` the rows passed over
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def truncated(self) -> bool:
        return len(self.records) < self.count


@dataclass
class AuditResult:
    """Everything one audit run produced; charts read ``series``.

    ``roll_rows_without`` counts the audited roll rows with no value in a column that may
    be unknown (``birth_date``, ``enrolled_at``, ``organisation``): the checks that need
    the value passed over those rows, so their count of 0 does not mean "checked".
    """

    findings: list[Finding]
    bad_rows: list[BadRow]
    rows_read: dict[str, int]
    roll_rows_without: dict[str, int] = field(default_factory=dict)
    series: dict[str, Any] = field(default_factory=dict)
    elapsed_seconds: float = 0.0
    #: the log is of an election with re-voting protection, and the findings over its
    #: sign-ins are restricted (docs/audit.md, "Elections with re-voting protection")
    revoting: bool = False

    def at_or_above(self, threshold: Severity) -> list[Finding]:
        return [f for f in self.findings if f.severity >= threshold and f.count > 0]

    def exit_code(self, threshold: Severity) -> int:
        """0 if nothing at or above ``threshold`` was found, 1 otherwise."""
        return 1 if self.at_or_above(threshold) else 0


def reasons(finding: Finding) -> dict[str, dict[str, str]]:
    """Why the finding's records were raised: ``{code: {"ru", "kk", "en"}}`` (the check's
    own reason when its records carry no code)."""
    codes = catalogue(str(r["why"]) for r in finding.records if r.get("why"))
    return codes or (check_reason(finding.check) if finding.count else {})


def _finding_json(finding: Finding, with_records: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "check": finding.check,
        "severity": finding.severity.label,
        "title": finding.title,
        "count": finding.count,
        "unit": finding.unit,
        "groups": finding.groups,
        "rule": finding.rule,
        "params": dict(finding.params),
    }

    if with_records:
        # why, in the three languages, for the codes in this finding's ``why`` column
        out["why"] = reasons(finding)
    if with_records:
        out["records"] = [dict(r) for r in finding.records]
        out["records_truncated"] = finding.truncated
    return out


def to_json(result: AuditResult) -> dict[str, Any]:
    """The organiser's full findings, records included."""
    return {
        "format": FORMAT_VERSION,
        "view": "organiser",
        "rows_read": result.rows_read,
        "roll_rows_without": result.roll_rows_without,
        "bad_rows": [
            {"file": b.file, "line": b.line, "reason": b.reason, "text": b.text}
            for b in result.bad_rows
        ],
        "findings": [_finding_json(f, True) for f in result.findings],
    } | _revoting(result)


def observer_summary(result: AuditResult) -> dict[str, Any]:
    """Counts only: safe to publish. No record, line text, name or contact appears."""
    by_reason: dict[str, int] = {}
    for b in result.bad_rows:
        key = b.reason.split(":", 1)[0]
        by_reason[key] = by_reason.get(key, 0) + 1
    return {
        "format": FORMAT_VERSION,
        "view": "observer",
        "rows_read": result.rows_read,
        "roll_rows_without": result.roll_rows_without,
        "bad_rows": len(result.bad_rows),
        "bad_rows_by_reason": by_reason,
        "findings": [_finding_json(f, False) for f in result.findings],
    } | _revoting(result)


def _revoting(result: AuditResult) -> dict[str, Any]:
    """``{"revoting": true}`` for a log of an election with re-voting protection (the
    outputs of any other are as they were)."""
    return {"revoting": True} if result.revoting else {}


def write_json(data: Mapping[str, Any], path: Path) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", "utf-8")


CSV_FIELDS = ("check", "severity", "group", "line", "voter", "name", "detail")


def write_csv(result: AuditResult, path: Path) -> None:
    """One line per (finding, record): for spreadsheets and further work."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_FIELDS)
        for f in result.findings:
            for r in f.records:
                writer.writerow(
                    [
                        f.check,
                        f.severity.label,
                        r.get("group", ""),
                        r.get("line", ""),
                        r.get("voter", ""),
                        r.get("name", ""),
                        r.get("detail", ""),
                    ]
                )
