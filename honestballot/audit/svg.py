"""Tiny inline-SVG charts: a bar chart and a line chart with shaded spans.

Pure functions from numbers to SVG text; no JavaScript, no external resources,
so the report opens anywhere, offline, and can be archived as one file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from honestballot.audit.numbers import number

PALETTE = ("#1f5fa8", "#c0392b", "#2e8b57", "#d4880f", "#7b4fa0", "#15868e", "#8c564b", "#555555")
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 28, 44


def _frame(title: str, body: list[str], height: int = HEIGHT) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-label="{escape(title)}" '
        f'font-family="sans-serif" font-size="11">'
        f"<title>{escape(title)}</title>"
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>'
        + "".join(body)
        + "</svg>"
    )


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exp = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= step * exp:
            return step * exp
    return 10.0 * exp


#: the charts' own words in English; a report in another language passes its own
NOTHING = "nothing to show"
LOG_SCALE = "{label} (log scale)"
SHADED = "shaded: {label}"


def _y_axis(top: float, y_max: float, plot_h: float, percent: bool, lang: str = "en") -> list[str]:
    out = [f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#333"/>']
    for k in range(5):
        v = y_max * k / 4
        y = TOP + plot_h - plot_h * k / 4
        text = f"{v:.0%}" if percent else number(v, lang, 0) if y_max >= 4 else number(v, lang, 1)
        out.append(
            f'<line x1="{LEFT - 4}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="#e4e4e4"/>'
        )
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{text}</text>')
    return out


def bar_chart(
    bars: Sequence[tuple[str, float]],
    title: str,
    x_label: str,
    y_label: str,
    log_scale: bool = False,
    nothing: str = NOTHING,
    log_note: str = LOG_SCALE,
    lang: str = "en",
) -> str:
    """Labelled bars; with ``log_scale`` heights follow log10(1 + value), labels stay exact.

    ``nothing`` is said when there are no bars, ``log_note`` (its ``{label}`` the y
    label) names the axis of a log scale; numbers are written as ``lang`` writes them."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    if not bars:
        return _frame(title, [f'<text x="{LEFT}" y="{TOP + 30}">{escape(nothing)}</text>'])

    def h(v: float) -> float:
        return math.log10(1 + v) if log_scale else v

    top = _nice_max(max(h(v) for _, v in bars))
    body = [] if log_scale else _y_axis(top, top, plot_h, False, lang)
    slot = plot_w / len(bars)
    for i, (label, value) in enumerate(bars):
        bh = plot_h * h(value) / top
        x = LEFT + i * slot + slot * 0.15
        y = TOP + plot_h - bh
        body.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{bh:.1f}" '
            f'fill="{PALETTE[0]}"><title>{escape(label)}: {number(value, lang, 0)}</title></rect>'
        )
        body.append(
            f'<text x="{x + slot * 0.35:.1f}" y="{y - 3:.1f}" text-anchor="middle">'
            f"{number(value, lang, 0)}</text>"
        )
        body.append(
            f'<text x="{x + slot * 0.35:.1f}" y="{TOP + plot_h + 14}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    body.append(
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" '
        f'y2="{TOP + plot_h}" stroke="#333"/>'
    )
    body.append(
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 8}" text-anchor="middle">'
        f"{escape(x_label)}</text>"
    )
    note = log_note.format(label=y_label) if log_scale else y_label
    body.append(
        f'<text x="14" y="{TOP + plot_h / 2}" transform="rotate(-90 14 '
        f'{TOP + plot_h / 2})" text-anchor="middle">{escape(note)}</text>'
    )
    return _frame(title, body)


def line_chart(
    series: dict[str, Sequence[tuple[float, float]]],
    title: str,
    ticks: Sequence[tuple[float, str]],
    y_label: str,
    shade: Sequence[tuple[float, float]] = (),
    shade_label: str = "",
    percent: bool = False,
    nothing: str = NOTHING,
    shaded: str = SHADED,
    lang: str = "en",
) -> str:
    """One polyline per series over a shared x range; ``shade`` spans are drawn behind.

    ``percent``: the y values are shares, labelled as percentages; ``nothing`` is said
    when there are no points, ``shaded`` (its ``{label}`` the shade's label) over the
    chart when spans are shaded; numbers are written as ``lang`` writes them."""
    points = [p for s in series.values() for p in s]
    legend_rows = (len(series) + 2) // 3
    height = HEIGHT + 16 * legend_rows
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    if not points:
        return _frame(title, [f'<text x="{LEFT}" y="{TOP + 30}">{escape(nothing)}</text>'])
    xs = [x for x, _ in points] + [x for span in shade for x in span] + [t[0] for t in ticks]
    x0, x1 = min(xs), max(xs)
    x1 = x1 if x1 > x0 else x0 + 1
    y_max = _nice_max(max(y for _, y in points))

    def px(x: float) -> float:
        return LEFT + plot_w * (x - x0) / (x1 - x0)

    def py(y: float) -> float:
        return TOP + plot_h - plot_h * y / y_max

    body: list[str] = []
    for a, b in shade:
        body.append(
            f'<rect x="{px(a):.1f}" y="{TOP}" width="{max(px(b) - px(a), 1.5):.1f}" '
            f'height="{plot_h}" fill="#f4c7c3" opacity="0.7">'
            f"<title>{escape(shade_label)}</title></rect>"
        )
    body += _y_axis(y_max, y_max, plot_h, percent, lang)
    body.append(
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" '
        f'y2="{TOP + plot_h}" stroke="#333"/>'
    )
    for x, label in ticks:
        body.append(
            f'<text x="{px(x):.1f}" y="{TOP + plot_h + 14}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    for i, (name, pts) in enumerate(series.items()):
        colour = PALETTE[i % len(PALETTE)]
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        body.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" '
            f'stroke-width="{2.2 if i else 1.6}"><title>{escape(name)}</title></polyline>'
        )
        lx = LEFT + (i % 3) * 220
        ly = HEIGHT + 4 + 16 * (i // 3)
        body.append(
            f'<rect x="{lx}" y="{ly - 9}" width="12" height="4" fill="{colour}"/>'
            f'<text x="{lx + 16}" y="{ly - 4}">{escape(name[:32])}</text>'
        )
    if shade_label and shade:
        body.append(
            f'<text x="{WIDTH - RIGHT}" y="16" text-anchor="end" fill="#a33">'
            f"{escape(shaded.format(label=shade_label))}</text>"
        )
    return _frame(title, body, height)
