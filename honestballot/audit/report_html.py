"""The self-contained HTML report: summary, charts, then every finding.

The organiser's report lists the records behind each finding (capped on screen;
complete in the JSON/CSV). The observer's report (``observer=True``) has the same
counts and charts but no record, name, ID, phone, e-mail, address or device.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

from honestballot.audit.findings import AuditResult, Finding, Record, Severity, reasons
from honestballot.audit.svg import bar_chart, line_chart
from honestballot.audit.why import explain

SHOWN_RECORDS = 200
_BANDS = ((2, 2), (3, 3), (4, 5), (6, 9), (10, 19), (20, 49), (50, 99), (100, 1 << 62))
_COLOURS = {
    Severity.CRITICAL: "#7b1010",
    Severity.HIGH: "#c0392b",
    Severity.MEDIUM: "#d4880f",
    Severity.LOW: "#1f5fa8",
    Severity.INFO: "#666",
}
_CSS = """body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222;padding:0 1em}
table{border-collapse:collapse;margin:.5em 0;font-size:13px}td,th{border:1px solid #ccc;
padding:3px 6px;text-align:left}th{background:#f2f2f2}.sev{color:#fff;padding:1px 6px;
border-radius:3px;font-size:12px}.zero{color:#888}figure{margin:1em 0}
details{margin:.3em 0 1em 0}summary{cursor:pointer}
details table{display:block;overflow-x:auto;max-width:100%}"""


def _band_label(lo: int, hi: int) -> str:
    return f"{lo}+" if hi > 1 << 61 else str(lo) if lo == hi else f"{lo}-{hi}"


def _cluster_chart(name: str, pairs: list[list[int]]) -> str:
    bars = [
        (_band_label(lo, hi), float(sum(n for size, n in pairs if lo <= size <= hi)))
        for lo, hi in _BANDS
    ]
    return bar_chart(
        bars,
        f"Voters sharing one {name}: clusters by size",
        "voters in the cluster",
        "clusters",
        log_scale=True,
    )


def _enrolment_chart(series: dict[str, Any]) -> str:
    enrol = series.get("enrolments", {})
    pts = [(dt.datetime.fromisoformat(t).timestamp(), float(n)) for t, n in enrol.get("points", [])]
    shade = [
        (dt.datetime.fromisoformat(a).timestamp(), dt.datetime.fromisoformat(b).timestamp())
        for a, b in series.get("closed_windows", [])
    ]
    ticks: list[tuple[float, str]] = []
    if pts:
        lo, hi = min(p[0] for p in pts), max(p[0] for p in pts)
        for k in range(6):
            x = lo + (hi - lo) * k / 5
            ticks.append((x, dt.datetime.fromtimestamp(x).strftime("%Y-%m-%d")))
    return line_chart(
        {f"enrolments per {enrol.get('unit', 'day')}": pts},
        "Enrolments over time",
        ticks,
        "enrolments",
        shade,
        "enrolment closed",
    )


def _turnout_chart(turnout: dict[str, Any], observer: bool) -> str:
    series: dict[str, Sequence[tuple[float, float]]] = {}
    for i, (name, values) in enumerate(turnout.get("series", {}).items()):
        shown = f"organisation {chr(64 + i)}" if observer and i else name
        flag = " (flagged)" if name in turnout.get("flagged", []) else ""
        series[shown + flag] = [(float(h), float(v)) for h, v in enumerate(values)]
    ticks = [(float(h), f"{h:02d}:00") for h in range(0, 24, 3)]
    return line_chart(
        series, "Turnout by hour of day: share of each organisation's voters", ticks, "share"
    )


#: a finding's title, rule and unit in the report's language (the caller's catalogue)
Said = Callable[[Finding], Mapping[str, str]]


def _as_written(f: Finding) -> Mapping[str, str]:
    return {"title": f.title, "rule": f.rule, "unit": f.unit}


def _finding_row(f: Finding, said: Said = _as_written) -> str:
    css = ' class="zero"' if f.count == 0 else ""
    colour = _COLOURS[f.severity]
    texts = said(f)
    return (
        f'<tr{css}><td><span class="sev" style="background:{colour}">'
        f"{f.severity.label}</span></td><td><code>{escape(f.check)}</code></td>"
        f"<td>{escape(texts['title'])}</td><td>{f.count:,} {escape(texts['unit'])}</td>"
        f"<td>{f.groups:,}</td></tr>"
    )


def _cell(r: Record, k: str, lang: str) -> str:
    value = r.get(k)
    if value is None:
        return ""
    return explain(str(value), lang) if k == "why" else str(value)


def _records_table(f: Finding, lang: str = "en", said: Said = _as_written) -> str:
    shown = f.records[:SHOWN_RECORDS]
    if not shown:
        return ""
    keys = [k for k in shown[0] if k != "detail"] + ["detail"]
    head = "".join(f"<th>{escape(k)}</th>" for k in keys)
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(_cell(r, k, lang))}</td>" for k in keys) + "</tr>"
        for r in shown
    )
    more = (
        f"<p>{f.count - len(shown):,} more in the JSON/CSV output.</p>"
        if f.count > len(shown)
        else ""
    )
    texts = said(f)
    return (
        f"<details><summary>{escape(f.check)} ({f.severity.label}): "
        f"{f.count:,} {escape(texts['unit'])} — show records</summary>"
        f"<p>Rule: {escape(texts['rule'])}</p>{_why_list(f, lang)}"
        f"<table><tr>{head}</tr>{rows}</table>{more}</details>"
    )


def _why_list(f: Finding, lang: str) -> str:
    texts = [t[lang] for t in reasons(f).values()]
    return "<ul>" + "".join(f"<li>{escape(t)}</li>" for t in texts) + "</ul>" if texts else ""


#: what each unknown roll value keeps from being checked (docs/audit.md)
_UNKNOWN_SKIPS = {
    "birth_date": ("a birth date", "birth-date checks (IIN date, impossible date, age)"),
    "enrolled_at": ("an enrolment time", "closed-window and operator-burst checks"),
    "organisation": ("an organisation", "organisation burst and turnout-curve checks"),
}


def unknown_lines(result: AuditResult) -> list[str]:
    """One sentence per roll column some rows lack, naming the checks that skipped them."""
    total = result.rows_read.get("roll", 0)
    out = []
    for column, n in result.roll_rows_without.items():
        if n:
            what, checks = _UNKNOWN_SKIPS.get(column, (column, "checks that need it"))
            out.append(f"{n:,} of {total:,} roll rows without {what}: skipped by the {checks}")
    return out


def _unknown_paragraph(result: AuditResult) -> str:
    lines = unknown_lines(result)
    if not lines:
        return ""
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return (
        "<p>Not known in the roll: the checks named did not look at these rows, so a count "
        f"of 0 from them is not an all-clear.</p><ul>{items}</ul>"
    )


def render(
    result: AuditResult,
    observer: bool = False,
    fail_on: Severity = Severity.HIGH,
    lang: str = "en",
    said: Said = _as_written,
) -> str:
    """The report as one HTML string (inline CSS and SVG; no script, no network).

    ``lang`` (``ru``, ``kk`` or ``en``) is the language of why each record was raised;
    ``said`` gives each finding's title, rule and unit in it (the command line passes the
    catalogue's; by default the finding's own English)."""
    view = "observer (counts only)" if observer else "organiser (names records)"
    flagged = result.at_or_above(fail_on)
    verdict = (
        f"{len(flagged)} finding(s) at or above <b>{fail_on.label}</b>"
        if flagged
        else f"nothing at or above <b>{fail_on.label}</b>"
    )
    rows_read = ", ".join(f"{k}: {v:,} rows" for k, v in result.rows_read.items())
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>honestballot integrity audit</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Integrity audit of the voter roll and voting activity</h1>",
        f"<p>View: {view}. Read {escape(rows_read)}; {len(result.bad_rows):,} malformed "
        f"row(s) skipped and listed. Verdict: {verdict}.</p>",
        _unknown_paragraph(result),
        "<h2>Findings</h2><table><tr><th>severity</th><th>check</th><th>what</th>"
        "<th>count</th><th>groups</th></tr>",
        *(_finding_row(f, said) for f in result.findings),
        "</table><h2>Charts</h2>",
    ]
    series = result.series
    for name, pairs in series.get("clusters", {}).items():
        parts.append(f"<figure>{_cluster_chart(name, pairs)}</figure>")
    parts.append(f"<figure>{_enrolment_chart(series)}</figure>")
    if "turnout" in series:
        parts.append(f"<figure>{_turnout_chart(series['turnout'], observer)}</figure>")
    if not observer:
        parts.append("<h2>Records behind each finding</h2>")
        parts += [_records_table(f, lang, said) for f in result.findings if f.count]
    parts.append(
        "<p>Generated by <code>honestballot audit</code>. A shared address is a "
        "signal, never proof; only the national ID is a hard uniqueness rule.</p>"
    )
    parts.append("</body></html>")
    return "\n".join(parts)
