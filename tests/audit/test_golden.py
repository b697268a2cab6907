"""The audit says exactly what it said before it was made faster (issue 19).

The expected documents were written by the audit as it stood before the speed work
(commit 9a86822), with ``tests/audit/golden_cases.py``; each holds the digests of the
generated files it was computed on, so a changed generator is told apart from a changed
audit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.golden_cases import CASES, SAME_AS, Case, audit_document, read_golden


@pytest.mark.parametrize("case", CASES + SAME_AS, ids=lambda c: c.name)
def test_findings_match_the_golden_file(case: Case, tmp_path: Path) -> None:
    expected = read_golden(case)
    got = audit_document(case, tmp_path)
    assert got["inputs"] == expected["inputs"], "the generator changed: see golden_cases.py"
    assert got["rows_read"] == expected["rows_read"]
    assert got["roll_rows_without"] == expected["roll_rows_without"]
    assert got["bad_rows"] == expected["bad_rows"]
    assert got["series"] == expected["series"]
    keys = [(f["check"], f["severity"], f["title"]) for f in got["findings"]]
    assert keys == [(f["check"], f["severity"], f["title"]) for f in expected["findings"]]
    for mine, theirs in zip(got["findings"], expected["findings"], strict=True):
        where = f"{mine['check']} {mine['severity']}"
        assert {k: v for k, v in mine.items() if k != "records"} == {
            k: v for k, v in theirs.items() if k != "records"
        }, where
        assert mine["records"] == theirs["records"], where
    assert got == expected
