"""Organisation waves and turnout curves, tested against the rest of the electorate.

Every voter counts once, at their first ballot (table ``casts``).

**Waves** (``cast.organisation_burst``, case: a voter). For each organisation with at
least ``cast_min_org`` voters, its first ballots are counted in 10-minute windows (two
grids, the second shifted by five minutes, so that no wave falls between windows). A
window with ``k >= wave_min_ballots`` ballots is tested twice, with Poisson tails:

* against the electorate: is ``k`` unlikely if the organisation's voters came when
  everyone else did (mean ``n_org x`` the rest's share of ballots in that window)?
* against the organisation's own hour: is ``k`` unlikely if its ballots in the hour
  before and after (this window left out) were spread evenly (mean: those ballots / 12,
  and never less than the first mean)?

A window is a wave when both tail probabilities are below ``alpha / m``, ``m`` being the
number of windows tested over all organisations (Bonferroni). A village that votes over
the hour after its 19:00 meeting, or shift workers over the hour from 06:00, pass the
first test and fail the second: that is their schedule. A district office sending its
staff to vote in ten-minute waves every hour fails both.

**Turnout curves** (``turnout.abnormal_curve``, case: an organisation). For each
organisation with at least ``curve_min_voters`` voters: a chi-square test of its
hour-of-day turnout against everyone else's (expected counts from the rest, smoothed by
half a ballot an hour; 23 degrees of freedom), Bonferroni-corrected for the number of
organisations, and a total variation distance of at least 0.25. A significant curve made
of waves is medium (high from a distance of ``curve_high_tvd``); one without waves is
low: a schedule of its own.
"""

from __future__ import annotations

import duckdb

from honestballot.audit.collect import collect
from honestballot.audit.config import AuditConfig
from honestballot.audit.findings import Finding, Severity
from honestballot.audit.stats import chi2_sf, poisson_sf
from honestballot.audit.why import why_sql

NO_ORG = "(no organisation)"
WINDOW_SECONDS = 600
MIN_TVD = 0.25


def _wave_candidates(con: duckdb.DuckDBPyConnection, cfg: AuditConfig) -> int:
    """Table ``wave_cand`` of windows worth a test; returns the number of windows tested."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE wcast AS SELECT voter, line, name, organisation,
            time, CAST(epoch(time) AS BIGINT) AS s FROM casts WHERE organisation <> '{NO_ORG}'"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE wave_counts AS
        WITH sized AS (SELECT organisation, count(*) AS n_org FROM wcast GROUP BY ALL),
        total AS (SELECT count(*) AS n_all FROM casts),
        grids AS (SELECT * FROM (VALUES (0), ({WINDOW_SECONDS // 2})) g(off)),
        everyone AS (SELECT off, (CAST(epoch(time) AS BIGINT) - off) // {WINDOW_SECONDS} AS b,
                count(*) AS k_all FROM casts, grids GROUP BY ALL),
        org AS (SELECT organisation, off, (s - off) // {WINDOW_SECONDS} AS b, count(*) AS k
            FROM wcast, grids WHERE organisation IN
                (SELECT organisation FROM sized WHERE n_org >= {cfg.cast_min_org})
            GROUP BY ALL)
        SELECT org.*, sized.n_org, everyone.k_all, total.n_all,
            sum(k) OVER (PARTITION BY organisation, off ORDER BY b
                RANGE BETWEEN 6 PRECEDING AND 6 FOLLOWING) - k AS k_near
        FROM org JOIN sized USING (organisation) JOIN everyone USING (off, b), total"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE wave_cand AS SELECT *,
            n_org * (k_all - k) / greatest(n_all - n_org, 1) AS lam_rest,
            greatest(k_near / 12.0, n_org * (k_all - k) / greatest(n_all - n_org, 1))
                AS lam_own
        FROM wave_counts WHERE k >= {cfg.wave_min_ballots}"""
    )
    tested = con.execute("SELECT count(*) FROM wave_counts").fetchone()
    return max(1, int(tested[0]) if tested else 1)


def _flag_waves(con: duckdb.DuckDBPyConnection, cfg: AuditConfig) -> float:
    m = _wave_candidates(con, cfg)
    cut = cfg.alpha / m
    rows = con.execute(
        "SELECT organisation, off, b, k, lam_rest, lam_own FROM wave_cand "
        "WHERE k >= 2 * lam_own"
    ).fetchall()
    flagged = []
    for org, off, b, k, lam_rest, lam_own in rows:
        p_rest = poisson_sf(int(k), max(float(lam_rest), 1e-9))
        p_own = poisson_sf(int(k), max(float(lam_own), 1e-9))
        if max(p_rest, p_own) < cut:
            flagged.append((org, int(off), int(b), int(k), max(p_rest, p_own)))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE wave_flag (organisation VARCHAR, off BIGINT, b BIGINT, "
        "k BIGINT, p DOUBLE)"
    )
    if flagged:
        con.executemany("INSERT INTO wave_flag VALUES (?, ?, ?, ?, ?)", flagged)
    return cut


def _curves(con: duckdb.DuckDBPyConnection, cfg: AuditConfig) -> float:
    """Tables ``curve`` (the chart's data) and ``curve_score`` (one row per organisation)."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE curve AS
        WITH h AS (SELECT organisation, hour(time) AS hr, count(*) AS n FROM casts
            WHERE organisation <> '{NO_ORG}' GROUP BY ALL),
        tot AS (SELECT organisation, sum(n) AS n_org FROM h GROUP BY ALL),
        allh AS (SELECT hour(time) AS hr, count(*) AS n_all FROM casts GROUP BY ALL),
        hours AS (SELECT range AS hr FROM range(24)),
        grid AS (SELECT organisation, n_org, hours.hr, coalesce(allh.n_all, 0) AS n_all
            FROM tot, hours LEFT JOIN allh USING (hr)),
        g AS (SELECT grid.*, coalesce(h.n, 0) AS n FROM grid LEFT JOIN h USING (organisation, hr)),
        everyone AS (SELECT count(*) AS n_total FROM casts)
        SELECT organisation, hr, n, n_org, n / n_org AS p,
            (n_all - n) / nullif(n_total - n_org, 0) AS q,
            (n_all - n + 0.5) / (n_total - n_org + 12) AS q_smooth
        FROM g, everyone"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE curve_score AS
        SELECT organisation, any_value(n_org) AS voters, 0.5 * sum(abs(p - q)) AS tvd,
            sum((n - n_org * q_smooth) ^ 2 / (n_org * q_smooth)) AS chi2,
            arg_max(hr, p) AS peak_hour, max(p) AS peak_p, arg_max(q, p) AS rest_p
        FROM curve GROUP BY organisation HAVING any_value(n_org) >= {cfg.curve_min_voters}"""
    )
    rows = con.execute("SELECT organisation, chi2 FROM curve_score").fetchall()
    cut = cfg.alpha / max(1, len(rows))
    con.execute("CREATE OR REPLACE TEMP TABLE curve_p (organisation VARCHAR, p DOUBLE)")
    if rows:
        con.executemany(
            "INSERT INTO curve_p VALUES (?, ?)",
            [(org, chi2_sf(float(x or 0.0), 23)) for org, x in rows],
        )
    return cut


def check_waves(con: duckdb.DuckDBPyConnection, cfg: AuditConfig) -> list[Finding]:
    wave_cut = _flag_waves(con, cfg)
    out = [
        collect(
            con,
            check="cast.organisation_burst",
            severity=Severity.MEDIUM,
            title="Organisations voting in tight waves",
            rule=f"organisations with >= {cfg.cast_min_org} voters; first ballots in 10-minute "
            f"windows (two grids 5 minutes apart); a window of >= {cfg.wave_min_ballots} is a "
            f"wave when both Poisson tails, against the rest of the electorate and against "
            f"the organisation's own hour before and after, are below {cfg.alpha} / number "
            f"of windows tested ({wave_cut:.2g})",
            sql=f"""SELECT DISTINCT ON (w.voter) w.organisation AS grp, w.line, w.voter, w.name,
                'cast ' || w.time || '; wave of ' || f.k || ' in 10 min, p = ' ||
                printf('%.2g', f.p) || '; ' || {why_sql("'wave'")} AS detail, 'wave' AS why,
                w.organisation
                FROM wcast w JOIN wave_flag f ON w.organisation = f.organisation
                AND (w.s - f.off) // {WINDOW_SECONDS} = f.b
                ORDER BY w.voter, f.p""",
            cap=cfg.max_records,
            unit="ballots",
        )
    ]
    curve_cut = _curves(con, cfg)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE curve_graded AS
        SELECT s.*, p.p, s.organisation IN (SELECT organisation FROM wave_flag) AS clumped
        FROM curve_score s JOIN curve_p p USING (organisation)
        WHERE p.p < {curve_cut} AND s.tvd >= {MIN_TVD}"""
    )
    rule = (
        f"organisations with >= {cfg.curve_min_voters} voters: chi-square test of their "
        f"hour-of-day turnout against everyone else's, significant below {cfg.alpha} / "
        f"number of organisations ({curve_cut:.2g}), distance >= {MIN_TVD}; medium when made "
        f"of waves (high from distance {cfg.curve_high_tvd}), low otherwise (a schedule of "
        f"its own)"
    )
    detail = (
        "'distance ' || round(tvd, 2) || ', p = ' || printf('%.2g', p) || '; ' || "
        "round(100 * peak_p) || '% of its ' || voters || ' voters at ' || peak_hour || "
        "':00 vs ' || round(100 * rest_p) || '% of the rest; ' || "
    )
    for severity, cond, why in (
        (Severity.HIGH, f"clumped AND tvd >= {cfg.curve_high_tvd}", "curve_clumped"),
        (Severity.MEDIUM, f"clumped AND tvd < {cfg.curve_high_tvd}", "curve_clumped"),
        (Severity.LOW, "NOT clumped", "curve_schedule"),
    ):
        out.append(
            collect(
                con,
                check="turnout.abnormal_curve",
                severity=severity,
                title="Organisations whose turnout curve departs from the rest",
                rule=rule,
                sql=f"SELECT organisation AS grp, NULL::BIGINT AS line, NULL AS voter, "
                f"organisation AS name, {detail}{why_sql(repr(why))} AS detail, "
                f"'{why}' AS why, voters FROM curve_graded WHERE {cond}",
                cap=cfg.max_records,
                unit="organisations",
                order="grp",
            )
        )
    return out
