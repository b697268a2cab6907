"""The self-contained HTML report (inline CSS and SVG; no script, no network), in ru/kk/en."""

from __future__ import annotations

from html import escape
from typing import Any

from honestballot.forensics import charts
from honestballot.forensics.analysis import CITATIONS, Analysis, histograms
from honestballot.forensics.integer import KINDS, WEIGHTS
from honestballot.forensics.strings import text

SHOWN_ROWS = 200
_CSS = (
    "body{font-family:sans-serif;max-width:1000px;margin:1em auto;color:#222;padding:0 .6em}"
    "table{border-collapse:collapse;margin:.5em 0;font-size:13px;display:block;overflow-x:auto;"
    "max-width:100%}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}"
    "th{background:#f2f2f2}figure{margin:1em 0}svg{max-width:100%;height:auto}"
    ".ref{font-size:12px;color:#555}.flag{color:#c0392b;font-weight:bold}"
)


def _num(x: Any, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "—"
    if isinstance(x, float) and not x.is_integer():
        return f"{x:,.{digits}f}".replace(",", " ")
    return f"{int(x):,}".replace(",", " ")


def _pct(x: float) -> str:
    return f"{100 * x:.2f} %"


def _p(x: Any) -> str:
    return "—" if x is None else f"{float(x):.2g}"


def _table(head: list[str], rows: list[list[str]]) -> str:
    h = "".join(f"<th>{escape(c)}</th>" for c in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{h}</tr>{body}</table>"


def _ref(key: str, lang: str) -> str:
    return f'<p class="ref">{escape(text("reference", lang))}: {escape(CITATIONS[key])}</p>'


def _integer(a: Analysis, lang: str) -> list[str]:
    r = a.integer
    if r is None:
        return []
    out = [
        f"<h2>{escape(text('integer.title', lang))}</h2>",
        f"<p>{escape(text('integer.what', lang, reps=r.repetitions, n=r.stations))}</p>",
    ]
    rows = []
    for k, kind in enumerate(KINDS):
        for j, w in enumerate(WEIGHTS):
            rows.append(
                [
                    escape(text(f"kind.{kind}", lang)),
                    escape(text(f"weight.{w}", lang)),
                    _num(float(r.observed[k, j])),
                    _num(float(r.mean[k, j])),
                    _num(float(r.excess[k, j])),
                    _num(float(r.sd[k, j])),
                    _num(float(r.q999[k, j])),
                    _p(r.p_value[k, j]),
                ]
            )
    cols = ["kind", "weight", "observed", "expected", "excess", "sd", "q999", "p"]
    out.append(_table([text(f"col.{c}", lang) for c in cols], rows))
    h = histograms(a.stations)
    centres = (h["edges"][:-1] + h["edges"][1:]) / 2
    out.append(f"<p>{escape(text('integer.chart', lang))}</p>")
    if "turnout" in h:
        out.append(
            "<figure>"
            + charts.histogram(
                centres, h["turnout"], text("turnout_axis", lang), text("stations_axis", lang)
            )
            + "</figure>"
        )
    out.append(
        "<figure>"
        + charts.histogram(
            centres, h["share"], text("share_axis", lang), text("stations_axis", lang)
        )
        + "</figure>"
    )
    out.append(f"<p>{escape(text('null.chart', lang))}</p>")
    out.append(
        "<figure>"
        + charts.null_distributions(
            [
                (r.null[:, k, 0], float(r.observed[k, 0]), text(f"kind.{kind}", lang))
                for k, kind in enumerate(KINDS)
            ],
            text("integer_axis", lang),
            (text("observed", lang), text("mc_null", lang)),
        )
        + "</figure>"
    )
    out.append(_ref("integer", lang))
    return out


def _shpilkin(a: Analysis, lang: str) -> list[str]:
    r = a.shpilkin
    if r is None:
        return []
    return [
        f"<h2>{escape(text('shpilkin.title', lang))}</h2>",
        f"<p>{escape(text('shpilkin.what', lang, peak=_num(r.peak_turnout)))}</p>",
        "<p>"
        + escape(
            text(
                "shpilkin.result",
                lang,
                excess=_num(r.excess_votes, 0),
                official=_pct(r.official_share),
                corrected=_pct(r.corrected_share),
                turnout=_pct(r.official_turnout),
                corrected_turnout=_pct(r.corrected_turnout),
                p=_p(r.p_value),
            )
        )
        + "</p>",
        "<figure>"
        + charts.votes_by_turnout(
            r.bins,
            r.peak_turnout,
            (text("leader_votes", lang), text("other_votes", lang)),
            text("turnout_axis", lang),
        )
        + "</figure>",
        _ref("shpilkin", lang),
    ]


def _klimek(a: Analysis, lang: str) -> list[str]:
    r = a.klimek
    if r is None:
        return []
    return [
        f"<h2>{escape(text('klimek.title', lang))}</h2>",
        "<p>"
        + escape(
            text(
                "klimek.result",
                lang,
                fi=f"{r.f_incremental:.3f}",
                fe=f"{r.f_extreme:.3f}",
                alpha=r.alpha,
                tau=f"{100 * r.tau0:.1f}",
                nu=f"{100 * r.nu0:.1f}",
            )
        )
        + "</p>",
        "<figure>"
        + charts.fingerprints(
            r.observed,
            r.fitted,
            (text("klimek.observed", lang), text("klimek.fitted", lang)),
            text("turnout_axis", lang),
            text("share_axis", lang),
        )
        + "</figure>",
        _ref("klimek", lang),
    ]


def _digits(a: Analysis, lang: str) -> list[str]:
    if not a.digits:
        return []
    rows = [
        [
            escape(d.column),
            escape(text(f"test.{d.test}", lang)),
            _num(d.n),
            _num(d.chi2),
            _p(d.p_adjusted),
            f"{d.mean:.3f} / {d.expected_mean:.3f}",
        ]
        for d in a.digits
    ]
    cols = ["column", "test", "n", "chi2", "holm", "mean"]
    return [
        f"<h2>{escape(text('digits.title', lang))}</h2>",
        f"<p>{escape(text('digits.what', lang))}</p>",
        _table([text(f"col.{c}", lang) for c in cols], rows),
        _ref("digits", lang),
    ]


def _klimek_cell(k: dict[str, Any] | None) -> str:
    return "—" if not k else f"{k['f_incremental']:.2f} / {k['f_extreme']:.2f}"


def _regions(a: Analysis, lang: str) -> list[str]:
    if len(a.regions) < 2:
        return []
    rows = []
    for x in a.regions[:SHOWN_ROWS]:
        shp = x.get("shpilkin") or {}
        rows.append(
            [
                str(x["rank"]),
                escape(x["region"]),
                _num(x["stations"]),
                _num(x["integer"].get("either_excess")),
                _num(x.get("integer_z"), 2),
                _p(x.get("integer_q")),
                _num(shp.get("excess_votes"), 0),
                _p(x.get("shpilkin_q")),
                _klimek_cell(x.get("klimek")),
                _pct(x["turnout"]) if "turnout" in x else "—",
                _pct(x["leader_share"]),
                _p(x.get("digits_q")),
            ]
        )
    cols = [
        "rank",
        "region",
        "stations",
        "excess",
        "z",
        "q",
        "shp_excess",
        "q",
        "klimek",
        "turnout",
        "share",
        "digits_p",
    ]
    return [
        f"<h2>{escape(text('regions.title', lang))}</h2>",
        f"<p>{escape(text('regions.what', lang))}</p>",
        _table([text(f"col.{c}", lang) for c in cols], rows),
    ]


def _exit_poll(a: Analysis, lang: str) -> list[str]:
    e = a.exit_poll
    if not e:
        return []
    whole = [r for r in e["rows"] if r["region"] == ""]
    refusal = _pct(whole[0]["refusal_rate"]) if whole else "—"
    out = [
        f"<h2>{escape(text('exit.title', lang))}</h2>",
        "<p>"
        + escape(
            text(
                "exit.what",
                lang,
                org=e["organisation"] or "—",
                stations=str(e["design"].get("stations", "")),
                respondents=str(e["design"].get("respondents", "")),
                refusal=refusal,
            )
        )
        + "</p>",
    ]
    if not e["random_stations"]:
        out.append(f"<p>{escape(text('exit.nonrandom', lang))}</p>")
    out.append(
        "<figure>"
        + charts.exit_poll(
            whole, text("votes_axis", lang), (text("col.poll", lang), text("col.official", lang))
        )
        + "</figure>"
    )
    rows = []
    for r in e["rows"]:
        flag = (
            text("flag.beyond", lang)
            if r["flagged"] and r["beyond_refusal_bounds"]
            else text("flag.outside", lang)
            if r["flagged"]
            else text("flag.none", lang)
        )
        css = ' class="flag"' if r["flagged"] else ""
        rows.append(
            [
                escape(r["region"] or text("all", lang)),
                escape(r["candidate"]),
                _num(r["stations"]),
                f"{_pct(r['poll_low'])} – {_pct(r['poll_high'])}"
                if r["poll_se"] == r["poll_se"]
                else _pct(r["poll_share"]),
                f"{_pct(r['refusal_low'])} – {_pct(r['refusal_high'])}",
                _pct(r["official_share_sampled"]),
                _pct(r["official_share_whole"]) if e["random_stations"] else "—",
                _num(r["design_effect"], 2),
                _p(r["p_holm"]),
                f"<span{css}>{escape(flag)}</span>",
            ]
        )
    cols = [
        "region",
        "candidate",
        "stations",
        "poll",
        "refusal_bounds",
        "official",
        "official_whole",
        "deff",
        "holm",
        "flag",
    ]
    out.append(_table([text(f"col.{c}", lang) for c in cols], rows))
    out.append(
        "<p>"
        + escape(
            text(
                "exit.stations", lang, tests=e["station_tests"], z=f"{e['station_z_critical']:.2f}"
            )
        )
        + "</p>"
    )
    flags = [
        [
            escape(f["region"]),
            escape(f["station"]),
            escape(f["candidate"]),
            _pct(f["poll_share"]),
            _pct(f["official_share"]),
            _num(f["z"], 2),
        ]
        for f in e["station_flags"][:SHOWN_ROWS]
    ]
    out.append(
        _table(
            [text(f"col.{c}", lang) for c in ("region", "station", "candidate", "poll", "official")]
            + ["z"],
            flags,
        )
    )
    return out


def _bad_rows(a: Analysis, lang: str) -> list[str]:
    bad = a.stations.bad_rows
    poll_bad = [b for b in (a.exit_poll or {}).get("bad_rows", [])]
    if not bad and not poll_bad:
        return []
    rows = [[str(b.line), escape(text(b.reason, lang)), escape(b.detail)] for b in bad[:SHOWN_ROWS]]
    rows += [
        [f"poll {b['line']}", escape(text(b["reason"], lang)), escape(b["detail"])]
        for b in poll_bad[:SHOWN_ROWS]
    ]
    return [
        f"<h2>{escape(text('bad.title', lang))}</h2>",
        _table([text(f"col.{c}", lang) for c in ("line", "reason", "detail")], rows),
    ]


def render(a: Analysis, lang: str = "ru") -> str:
    """The report as one HTML string."""
    s = a.stations
    parts = [
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(text('title', lang))}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(text('title', lang))}</h1>",
        f"<p>{escape(text('source', lang))}: <code>{escape(s.source)}</code></p>",
        "<p>"
        + escape(
            text(
                "summary",
                lang,
                stations=_num(s.size),
                regions=len(s.regions),
                leader=s.candidates[s.leader],
                bad=len(s.bad_rows),
            )
        )
        + "</p>",
        f"<p><b>{escape(text('caveat', lang))}</b></p>",
    ]
    if not s.has_turnout:
        parts.append(f"<p>{escape(text('no_turnout', lang))}</p>")
    for section in (_integer, _shpilkin, _klimek, _digits, _regions, _exit_poll, _bad_rows):
        parts += section(a, lang)
    parts += [
        f"<h2>{escape(text('limits.title', lang))}</h2><p>{escape(text('limits.text', lang))}</p>",
        f'<p class="ref">{escape(text("footer", lang))}</p></body></html>',
    ]
    return "\n".join(parts)
