"""The self-contained HTML report: summary, charts, then every finding.

The organiser's report lists the records behind each finding (capped on screen;
complete in the JSON/CSV). The observer's report (``observer=True``) has the same
counts and charts but no record, name, ID, phone, e-mail, address or device.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any, Protocol

from honestballot.audit.findings import AuditResult, Finding, Record, Severity, reasons
from honestballot.audit.numbers import number
from honestballot.audit.svg import LOG_SCALE, NOTHING, SHADED, bar_chart, line_chart
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


class Words(Protocol):
    """Says one of the report's texts in the report's language: its catalogue key
    (``audit.html.*`` in the web catalogue), its English, and the values of its fields."""

    def __call__(self, key: str, english: str, /, **values: object) -> str: ...


def english(key: str, english: str, /, **values: object) -> str:
    """The report's texts as written here, in English."""
    return english.format(**values)


def _band_label(lo: int, hi: int) -> str:
    return f"{lo}+" if hi > 1 << 61 else str(lo) if lo == hi else f"{lo}-{hi}"


#: the shared keys of the cluster charts, each with its catalogue key
_CLUSTER_KEYS = {"phone": "phone", "e-mail": "email", "device": "device"}


def _cluster_chart(name: str, pairs: list[list[int]], w: Words = english, lang: str = "en") -> str:
    bars = [
        (_band_label(lo, hi), float(sum(n for size, n in pairs if lo <= size <= hi)))
        for lo, hi in _BANDS
    ]
    title = (
        w(
            f"audit.html.clusters.{_CLUSTER_KEYS[name]}",
            f"Voters sharing one {name}: clusters by size",
        )
        if name in _CLUSTER_KEYS
        else f"Voters sharing one {name}: clusters by size"
    )
    return bar_chart(
        bars,
        title,
        w("audit.html.clusters.x", "voters in the cluster"),
        w("audit.html.clusters.y", "clusters"),
        log_scale=True,
        nothing=w("audit.html.nothing", NOTHING),
        log_note=w("audit.html.log_scale", LOG_SCALE, label="{label}"),
        lang=lang,
    )


def _enrolment_chart(series: dict[str, Any], w: Words = english, lang: str = "en") -> str:
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
    unit = enrol.get("unit", "day")
    per = (
        w(f"audit.html.enrolments.per_{unit}", f"enrolments per {unit}")
        if unit in ("day", "hour")
        else f"enrolments per {unit}"
    )
    return line_chart(
        {per: pts},
        w("audit.html.enrolments.title", "Enrolments over time"),
        ticks,
        w("audit.html.enrolments.y", "enrolments"),
        shade,
        w("audit.html.enrolments.closed", "enrolment closed"),
        nothing=w("audit.html.nothing", NOTHING),
        shaded=w("audit.html.shaded", SHADED, label="{label}"),
        lang=lang,
    )


def _turnout_chart(
    turnout: dict[str, Any], observer: bool, w: Words = english, lang: str = "en"
) -> str:
    series: dict[str, Sequence[tuple[float, float]]] = {}
    for i, (name, values) in enumerate(turnout.get("series", {}).items()):
        shown = (
            w("audit.html.turnout.organisation", "organisation {letter}", letter=chr(64 + i))
            if observer and i
            else w("audit.html.turnout.everyone", "all voters")
            if name == "all voters" and not i
            else name
        )
        if name in turnout.get("flagged", []):
            shown = w("audit.html.turnout.flagged", "{name} (flagged)", name=shown)
        series[shown] = [(float(h), float(v)) for h, v in enumerate(values)]
    ticks = [(float(h), f"{h:02d}:00") for h in range(0, 24, 3)]
    return line_chart(
        series,
        w(
            "audit.html.turnout.title",
            "Turnout by hour of day: share of each organisation's voters",
        ),
        ticks,
        w("audit.html.turnout.y", "share"),
        percent=True,
        nothing=w("audit.html.nothing", NOTHING),
        lang=lang,
    )


#: a finding's title, rule and unit in the report's language (the caller's catalogue)
Said = Callable[[Finding], Mapping[str, str]]


def _as_written(f: Finding) -> Mapping[str, str]:
    return {"title": f.title, "rule": f.rule, "unit": f.unit}


def _finding_row(f: Finding, said: Said = _as_written, lang: str = "en") -> str:
    css = ' class="zero"' if f.count == 0 else ""
    colour = _COLOURS[f.severity]
    texts = said(f)
    return (
        f'<tr{css}><td><span class="sev" style="background:{colour}">'
        f"{f.severity.label}</span></td><td><code>{escape(f.check)}</code></td>"
        f"<td>{escape(texts['title'])}</td>"
        f"<td>{number(f.count, lang)} {escape(texts['unit'])}</td>"
        f"<td>{number(f.groups, lang)}</td></tr>"
    )


#: a malformed row's reason (``"email: no @; confirmed: empty"``) in the report's language
Reason = Callable[[str], str]


def _as_is(reason: str) -> str:
    return reason


#: the record tables' columns whose heads the catalogue says (``audit.html.record.*``);
#: another column keeps its key as its head
RECORD_COLUMNS = (
    "group", "line", "voter", "name", "organisation", "operator", "address", "device",
    "voters", "why", "detail",
)  # fmt: skip
#: the check whose records' ``detail`` is a malformed row's reason (audit/engine.py)
BAD_ROW_CHECK = "input.bad_row"


def _cell(r: Record, k: str, lang: str, reason: Reason | None = None) -> str:
    value = r.get(k)
    if value is None:
        return ""
    if k == "why":
        return explain(str(value), lang)
    if k == "detail" and reason is not None:
        return reason(str(value))
    return str(value)


def _records_table(
    f: Finding,
    lang: str = "en",
    said: Said = _as_written,
    w: Words = english,
    reason: Reason = _as_is,
) -> str:
    shown = f.records[:SHOWN_RECORDS]
    if not shown:
        return ""
    keys = [k for k in shown[0] if k != "detail"] + ["detail"]
    head = "".join(
        f"<th>{escape(w(f'audit.html.record.{k}', k) if k in RECORD_COLUMNS else k)}</th>"
        for k in keys
    )
    bad = reason if f.check == BAD_ROW_CHECK else None
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(_cell(r, k, lang, bad))}</td>" for k in keys) + "</tr>"
        for r in shown
    )
    more = (
        "<p>"
        + escape(
            w(
                "audit.html.more",
                "{n} more in the JSON/CSV output.",
                n=number(f.count - len(shown), lang),
            )
        )
        + "</p>"
        if f.count > len(shown)
        else ""
    )
    texts = said(f)
    show = w("audit.html.show_records", "show records")
    rule = w("audit.html.rule", "Rule: {rule}", rule=texts["rule"])
    return (
        f"<details><summary>{escape(f.check)} ({f.severity.label}): "
        f"{number(f.count, lang)} {escape(texts['unit'])} — {escape(show)}</summary>"
        f"<p>{escape(rule)}</p>{_why_list(f, lang)}"
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


def unknown_lines(result: AuditResult, w: Words = english, lang: str = "en") -> list[str]:
    """One sentence per roll column some rows lack, naming the checks that skipped them
    (``audit.cli.without.<column>``, the sentences the command line prints)."""
    total = result.rows_read.get("roll", 0)
    out = []
    for column, n in result.roll_rows_without.items():
        if n:
            what, checks = _UNKNOWN_SKIPS.get(column, (column, "checks that need it"))
            english_line = f"{{n}} of {{total}} roll rows without {what}: skipped by the {checks}"
            values = {"n": number(n, lang), "total": number(total, lang)}
            out.append(
                w(f"audit.cli.without.{column}", english_line, **values)
                if column in _UNKNOWN_SKIPS
                else english_line.format(**values)
            )
    return out


def _unknown_paragraph(result: AuditResult, w: Words = english, lang: str = "en") -> str:
    lines = unknown_lines(result, w, lang)
    if not lines:
        return ""
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    said = w(
        "audit.html.unknown",
        "Not known in the roll: the checks named did not look at these rows, so a count "
        "of 0 from them is not an all-clear.",
    )
    return f"<p>{escape(said)}</p><ul>{items}</ul>"


_HEADING = "Integrity audit of the voter roll and voting activity"


#: said under the summary of a log of an election with re-voting protection (docs/audit.md)
_REVOTING = (
    "The log is of an election with re-voting protection: the checks read each voter's first "
    "sign-in, first code request and first ballot only and list no line of the log, the log's "
    "malformed rows are listed without their line or text, and the log's size is not said "
    "(replacing a vote needs a sign-in, which the organiser must not see)."
)


def render(
    result: AuditResult,
    observer: bool = False,
    fail_on: Severity = Severity.HIGH,
    lang: str = "en",
    said: Said = _as_written,
    words: Words = english,
    reason: Reason = _as_is,
) -> str:
    """The report as one HTML string (inline CSS and SVG; no script, no network).

    ``lang`` (``ru``, ``kk`` or ``en``) is the language of why each record was raised;
    ``said`` gives each finding's title, rule and unit in it and ``words`` the report's
    own texts (the command line passes the catalogue's; by default the English here),
    ``reason`` each malformed row's reason (by default as the audit wrote it).  Numbers
    are said in ``lang`` (:func:`honestballot.audit.numbers.number`)."""
    w = words
    view = (
        w("audit.html.view.observer", "observer (counts only)")
        if observer
        else w("audit.html.view.organiser", "organiser (names records)")
    )
    flagged = result.at_or_above(fail_on)
    level = f"<b>{fail_on.label}</b>"
    verdict = (
        escape(
            w(
                "audit.html.verdict.found",
                "{n} finding(s) at or above {severity}",
                n=number(len(flagged), lang),
                severity="\0",
            )
        ).replace("\0", level)
        if flagged
        else escape(
            w("audit.html.verdict.none", "nothing at or above {severity}", severity="\0")
        ).replace("\0", level)
    )
    files = {"roll": w("audit.file.roll", "roll"), "activity": w("audit.file.activity", "activity")}
    rows_read = ", ".join(
        w("audit.html.rows_read", "{file}: {n} rows", file=files.get(k, k), n=number(v, lang))
        for k, v in result.rows_read.items()
    )
    summary = escape(
        w(
            "audit.html.summary",
            "View: {view}. Read {rows}; {bad} malformed row(s) skipped and listed. "
            "Verdict: {verdict}.",
            view=view,
            rows=rows_read,
            bad=number(len(result.bad_rows), lang),
            verdict="\0",
        )
    ).replace("\0", verdict)
    heads = "".join(
        f"<th>{escape(w(f'audit.html.column.{k}', k))}</th>"
        for k in ("severity", "check", "what", "count", "groups")
    )
    parts = [
        f'<!DOCTYPE html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(w('audit.html.title', 'honestballot integrity audit'))}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{escape(w('audit.html.heading', _HEADING))}</h1>",
        f"<p>{summary}</p>",
        _unknown_paragraph(result, w, lang),
        *([f"<p>{escape(w('audit.html.revoting', _REVOTING))}</p>"] if result.revoting else []),
        f"<h2>{escape(w('audit.html.findings', 'Findings'))}</h2><table><tr>{heads}</tr>",
        *(_finding_row(f, said, lang) for f in result.findings),
        f"</table><h2>{escape(w('audit.html.charts', 'Charts'))}</h2>",
    ]
    series = result.series
    for name, pairs in series.get("clusters", {}).items():
        parts.append(f"<figure>{_cluster_chart(name, pairs, w, lang)}</figure>")
    parts.append(f"<figure>{_enrolment_chart(series, w, lang)}</figure>")
    if "turnout" in series:
        parts.append(f"<figure>{_turnout_chart(series['turnout'], observer, w, lang)}</figure>")
    if not observer:
        parts.append(f"<h2>{escape(w('audit.html.records', 'Records behind each finding'))}</h2>")
        parts += [_records_table(f, lang, said, w, reason) for f in result.findings if f.count]
    footer = escape(
        w(
            "audit.html.footer",
            "Generated by {command}. A shared address is a signal, never proof; only the "
            "national ID is a hard uniqueness rule.",
            command="\0",
        )
    ).replace("\0", "<code>honestballot audit</code>")
    parts.append(f"<p>{footer}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
