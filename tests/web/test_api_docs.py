"""docs/api.md lists every stable error code the web layer can return."""

from __future__ import annotations

import re
from pathlib import Path

from honestballot.web.errors import ERROR_CODES, HTTP_CODES

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
WEB = Path(__file__).resolve().parents[2] / "honestballot" / "web"


def test_every_error_code_is_documented() -> None:
    documented = set(re.findall(r"^\| \d{3} \| `([a-z_]+)` \|", DOC.read_text(), re.MULTILINE))
    codes = {code for _, _, code in ERROR_CODES} | {
        c for status, c in HTTP_CODES.items() if status not in (406, 411)
    }
    # codes raised directly by the web modules
    for source in WEB.glob("*.py"):
        codes |= set(re.findall(r'ApiError\(\s*\d{3},\s*"([a-z_]+)"', source.read_text()))
    codes |= {"internal_error", "too_large", "invalid_request"}
    assert codes - documented == set()
