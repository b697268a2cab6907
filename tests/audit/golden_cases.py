"""The audit's whole output on a few fixed synthetic rolls, for the golden-file test.

``tests/audit/golden/*.json.gz`` hold what the audit said on these cases before it was
made faster (issue 19): every finding with all its records, the bad rows, the counts and
the charts' data. ``test_golden.py`` runs the audit again on the same generated files and
compares the documents whole, so a speed-up cannot change a finding or its reasons.

To write the files again (only when a change to the findings is intended, and say so in
the commit)::

    PYTHONPATH=. python -m tests.audit.golden_cases
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from honestballot.audit.config import AuditConfig, ClosedWindow
from honestballot.audit.engine import run_audit
from honestballot.audit.findings import to_json
from honestballot.audit.synth import generate
from honestballot.audit.synth_field import generate_field

GOLDEN = Path(__file__).parent / "golden"


@dataclass(frozen=True)
class Case:
    name: str
    generator: Literal["patterns", "field"]
    rows: int
    seed: int
    mix: str = "A"
    fmt: Literal["csv", "parquet"] = "csv"
    max_records: int = 100_000
    threads: int | None = None
    memory_limit: str | None = None
    #: the golden file of another case with the same input (a setting that must not
    #: change the output)
    same_as: str | None = None

    @property
    def path(self) -> Path:
        return GOLDEN / f"{self.same_as or self.name}.json.gz"


CASES = (
    Case("patterns-5000-s2", "patterns", 5000, 2),
    Case("field-a-5000-s5", "field", 5000, 5, "A"),
    Case("field-b-8000-s9", "field", 8000, 9, "B"),
    # the records listed when a finding is capped; a Parquet roll; one thread
    Case("field-b-6000-s13-cap", "field", 6000, 13, "B", "parquet", 25, 1),
)

#: cases whose output is another case's golden file
SAME_AS = (
    # under a memory limit (DuckDB writes to disk what does not fit) the answers are the same
    Case(
        "field-b-8000-s9-spill",
        "field",
        8000,
        9,
        "B",
        memory_limit="64MB",
        same_as="field-b-8000-s9",
    ),
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def audit_document(case: Case, work: Path) -> dict[str, Any]:
    """Generate the case's files in ``work`` and audit them: the whole output as JSON data."""
    if case.generator == "field":
        paths = generate_field(work, case.rows, case.seed, case.mix, fmt=case.fmt)
    else:
        paths = generate(work, case.rows, case.seed, fmt=case.fmt)
    assert paths.activity is not None
    truth = json.loads(paths.truth.read_text("utf-8"))
    cfg = AuditConfig(
        closed_windows=tuple(ClosedWindow.parse(w) for w in truth["closed_windows"]),
        max_records=case.max_records,
    )
    result = run_audit(
        paths.roll, paths.activity, cfg, threads=case.threads, memory_limit=case.memory_limit
    )
    doc = to_json(result)
    for bad in doc["bad_rows"]:
        bad["file"] = Path(bad["file"]).name
    doc["series"] = result.series
    doc["inputs"] = {p.name: _digest(p) for p in (paths.roll, paths.activity)}
    # through JSON, as the reports write it (dates as text, tuples as lists)
    data: dict[str, Any] = json.loads(json.dumps(doc, ensure_ascii=False, default=str))
    return data


def read_golden(case: Case) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(gzip.decompress(case.path.read_bytes()).decode("utf-8"))
    return data


def write_golden(work: Path) -> None:
    GOLDEN.mkdir(exist_ok=True)
    for case in CASES:
        where = work / case.name
        doc = audit_document(case, where)
        text = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        case.path.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
        shutil.rmtree(where)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory(prefix="hb-golden-") as tmp:
        write_golden(Path(tmp))
