"""Numbers as the audit's reports and its command line say them in each language.

English keeps what the outputs always printed: thousands grouped with a comma, a decimal
point (``5,000``, ``3.2``).  Russian and Kazakh group thousands with a narrow no-break
space (U+202F) and use a decimal comma (``5 000``, ``3,2``), as their typography does.
The JSON and CSV outputs carry plain numbers and never pass through here.
"""

from __future__ import annotations

#: groups the thousands of a Russian or Kazakh number (a narrow no-break space)
THOUSANDS = "\u202f"


def number(value: float, lang: str, decimals: int | None = None) -> str:
    """``value`` in ``lang``: an integer grouped by thousands, or a float with
    ``decimals`` digits after the decimal mark."""
    text = f"{value:,}" if decimals is None else f"{value:,.{decimals}f}"
    if lang in ("ru", "kk"):
        return text.replace(",", THOUSANDS).replace(".", ",")
    return text
