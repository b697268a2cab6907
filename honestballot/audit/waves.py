"""Organisation waves and turnout curves, tested against the rest of the electorate.

Every voter counts once, at their first ballot (table ``casts``).

**Waves** (``cast.organisation_burst``, case: a voter). For each organisation with at
least ``cast_min_org`` voters, its first ballots are counted in 10-minute windows (two
grids, the second shifted by five minutes, so that no wave falls between windows). A
window with ``k >= wave_min_ballots`` ballots is tested twice, with Poisson tails:

* against the electorate: is ``k`` unlikely if the organisation's voters came when
  everyone else did (mean ``n_org x`` the rest's share of ballots in that window)?
* against the organisation's own half hour either side: is ``k`` unlikely at the mean
  of its windows in the 30 minutes before, or at the mean of those in the 30 minutes
  after, whichever is larger (windows outside the voting period left out), and never
  below its average per window over the whole vote? A meeting or a shift is dense on
  at least one side of each of its windows; a wave is dense on neither.

A window is a wave when the first tail probability is below ``alpha`` (a screen: the
organisation is not merely following everyone's peak) and the second below ``alpha / m``,
``m`` counting two tests for every window of every organisation tested (Bonferroni), and
such windows hold more than ``wave_gathered_share`` of the organisation's voters (a
campus's lecture breaks are dense against the hours between them, but most students vote
outside them). Ballots mostly (at least half) from an address the organisation has to
itself over the whole vote (at least 80 % of the voters there: its office) and where it
gathered (``gathered_addr``, from ``cast.address_burst``) are a wave when both the first
tail and the tail against the organisation's own average per window over the whole vote
are below ``alpha / m`` (a batch at the start of the workday; a campus voting all day
from its network is not one). A village that votes over
the hour after its 19:00 meeting, or shift workers over the hour from 06:00, pass the
first test and fail the second: that is their schedule. A district office sending its
staff to vote in ten-minute waves every hour fails both.

The minutes either side of a wave window (``EDGE_SECONDS``) belong to the wave: its first
and last ballots spill over. An hour holding at least ``wave_hour_share`` of an
organisation's voters, with at most a tenth as many in the half hour before and after, is
a wave on its own (a staff made to vote in one lunch break on their own phones: no window
is denser than its neighbours, all of it is in one hour; a shift or a meeting's evening
that runs past the hour is dense beside it).

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
#: windows before and after that make an organisation's own half hour either side
NEAR = 3
#: a wave's first and last ballots spill over its window: the minutes either side of a
#: wave window that belong to it
EDGE_SECONDS = 300
#: an hour holding most of an organisation's voters is a gathering when the half hour
#: before and the half hour after it each hold at most this share of its ballots
HOUR_QUIET = 0.1


def _wave_candidates(con: duckdb.DuckDBPyConnection, cfg: AuditConfig) -> int:
    """Table ``wave_cand`` of windows worth a test; returns the number of windows tested."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE wcast AS SELECT voter, line, name, organisation,
            time, CAST(epoch(time) AS BIGINT) AS s, address FROM casts
            WHERE organisation <> '{NO_ORG}'"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE wave_counts AS
        WITH sized AS (SELECT organisation, count(*) AS n_org FROM wcast GROUP BY ALL),
        total AS (SELECT count(*) AS n_all, greatest(epoch(max(time)) - epoch(min(time)),
            {WINDOW_SECONDS}) AS span FROM casts),
        grids AS (SELECT * FROM (VALUES (0), ({WINDOW_SECONDS // 2})) g(off)),
        every0 AS (SELECT off, (CAST(epoch(time) AS BIGINT) - off) // {WINDOW_SECONDS} AS b,
                count(*) AS k_all FROM casts, grids GROUP BY ALL),
        everyone AS (SELECT *, min(b) OVER (PARTITION BY off) AS first_b,
                max(b) OVER (PARTITION BY off) AS last_b FROM every0),
        at_addr AS (SELECT address, count(*) AS n_addr FROM casts WHERE address IS NOT NULL
                GROUP BY ALL),
        own_addr AS (SELECT w.organisation, w.address FROM wcast w
            JOIN at_addr USING (address)
            WHERE (w.organisation, w.address) IN (SELECT organisation, address FROM gathered_addr)
            GROUP BY ALL
            HAVING count(*) >= 0.8 * any_value(n_addr) AND count(*) >= 2),
        org AS (SELECT w.organisation, off, (w.s - off) // {WINDOW_SECONDS} AS b, count(*) AS k,
                count(o.address) AS k_place
            FROM wcast w, grids
            LEFT JOIN own_addr o ON o.organisation = w.organisation AND o.address = w.address
            WHERE w.organisation IN
                (SELECT organisation FROM sized WHERE n_org >= {cfg.cast_min_org})
            GROUP BY ALL)
        SELECT org.*, sized.n_org, everyone.k_all, total.n_all, total.span,
            sum(k) OVER (PARTITION BY organisation, off ORDER BY b
                RANGE BETWEEN {NEAR} PRECEDING AND 1 PRECEDING) AS k_before,
            sum(k) OVER (PARTITION BY organisation, off ORDER BY b
                RANGE BETWEEN 1 FOLLOWING AND {NEAR} FOLLOWING) AS k_after,
            greatest(b - {NEAR}, first_b) AS lo_b, least(b + {NEAR}, last_b) AS hi_b
        FROM org JOIN sized USING (organisation) JOIN everyone USING (off, b), total"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE wave_cand AS SELECT *,
            n_org * (k_all - k) / greatest(n_all - n_org, 1) AS lam_rest,
            greatest(coalesce(k_before, 0) / greatest(b - lo_b, 1),
                coalesce(k_after, 0) / greatest(hi_b - b, 1),
                n_org * {WINDOW_SECONDS}.0 / span) AS lam_own,
            n_org * {WINDOW_SECONDS}.0 / span AS lam_day
        FROM wave_counts WHERE k >= {cfg.wave_min_ballots}"""
    )
    tested = con.execute("SELECT count(*) FROM wave_counts").fetchone()
    return max(1, int(tested[0]) if tested else 1)


def _flag_waves(con: duckdb.DuckDBPyConnection, cfg: AuditConfig) -> float:
    """Table ``wave_flag``: the windows found to be waves; returns the p-value cut.

    Bonferroni over all ``m`` tests (two per window of every organisation tested; the
    windows of fewer than ``wave_min_ballots`` ballots count in ``m`` but are never waves).
    """
    m = _wave_candidates(con, cfg)
    rows = con.execute(
        "SELECT organisation, off, b, k, k_place, lam_rest, lam_own, lam_day FROM wave_cand "
        "WHERE k >= 2 * lam_own OR k_place >= 0.5 * k"
    ).fetchall()
    # Two ways to be a wave, each a test counted in the one Bonferroni correction: far denser
    # than the organisation's own half hour either side (and than the electorate, as a
    # screen), or, for ballots mostly from addresses the organisation has to itself over
    # the whole vote (its office: >= 80 % of the voters there), far denser than the
    # electorate.
    tested = []
    for org, off, b, k, k_place, lam_rest, lam_own, lam_day in rows:
        p_rest = poisson_sf(int(k), max(float(lam_rest), 1e-9))
        p_own = poisson_sf(int(k), max(float(lam_own), 1e-9))
        if p_rest < cfg.alpha:
            tested.append((p_own, org, int(off), int(b), int(k), "near"))
        if k_place >= 0.5 * k:
            # far denser than the electorate and than the organisation's own day
            p_day = poisson_sf(int(k), max(float(lam_day), 1e-9))
            tested.append((max(p_rest, p_day), org, int(off), int(b), int(k), "place"))
    m *= 2
    cut = cfg.alpha / m
    passed = sorted({(org, off, b, k, p, way) for p, org, off, b, k, way in tested if p < cut})
    con.execute(
        "CREATE OR REPLACE TEMP TABLE wave_flag (organisation VARCHAR, off BIGINT, b BIGINT, "
        "k BIGINT, p DOUBLE, way VARCHAR)"
    )
    if passed:
        con.executemany("INSERT INTO wave_flag VALUES (?, ?, ?, ?, ?, ?)", passed)
    # Waves found against the organisation's own half hour are waves of a gathered
    # organisation only when they hold most of its voters: lecture breaks on a campus
    # are dense against the quieter hours between them, but most students vote outside.
    con.execute(
        f"""DELETE FROM wave_flag WHERE way = 'near' AND organisation IN (
            SELECT w.organisation FROM wcast w JOIN (SELECT DISTINCT organisation, off, b
                FROM wave_flag WHERE way = 'near') f ON w.organisation = f.organisation
                AND (w.s - f.off) // {WINDOW_SECONDS} = f.b
            GROUP BY w.organisation
            HAVING count(DISTINCT w.voter) <= {cfg.wave_gathered_share} *
                any_value((SELECT count(*) FROM wcast x WHERE x.organisation = w.organisation)))"""
    )
    # Most of an organisation's voters within one hour, out of quiet, is a gathering
    # whatever the windows say (a staff made to vote in one lunch break, on their own
    # phones): an hour that starts at one of its first ballots, with at most a tenth as many
    # of its ballots in the half hour before and in the half hour after. A shift or a
    # meeting's evening that runs past the hour is dense beside it.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE wave_hour AS
        WITH h AS (SELECT organisation, s,
                count(*) OVER (PARTITION BY organisation ORDER BY s
                    RANGE BETWEEN CURRENT ROW AND 3600 FOLLOWING) AS k,
                count(*) OVER (PARTITION BY organisation ORDER BY s
                    RANGE BETWEEN 1800 PRECEDING AND 1 PRECEDING) AS k_before,
                count(*) OVER (PARTITION BY organisation ORDER BY s
                    RANGE BETWEEN 3601 FOLLOWING AND 5400 FOLLOWING) AS k_after,
                count(*) OVER (PARTITION BY organisation) AS n_org FROM wcast)
        SELECT organisation, arg_max(s, k) AS s0, max(k) AS k, any_value(n_org) AS n_org
        FROM h WHERE n_org >= {cfg.cast_min_org} AND k >= {cfg.wave_hour_share} * n_org
            AND greatest(k_before, k_after) <= {HOUR_QUIET} * k
        GROUP BY organisation"""
    )
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
            f"wave when the Poisson tail against the rest of the electorate is below {cfg.alpha} "
            f"and the one against the organisation's own 30 minutes before and after is below "
            f"{cfg.alpha} / (2 x windows tested) = {wave_cut:.2g}, when such waves hold more "
            f"than {cfg.wave_gathered_share:.0%} of its voters; or, for ballots mostly from "
            f"the organisation's own addresses where it gathered (cast.address_burst), the "
            f"first and the one against its own average over the vote below that (with the "
            f"{EDGE_SECONDS // 60} minutes either side of a wave window); or every first ballot "
            f"in an hour that holds >= {cfg.wave_hour_share:.0%} of its voters, with at most "
            f"{HOUR_QUIET:.0%} as many in the half hour before and after",
            sql=f"""SELECT DISTINCT ON (voter) grp, line, voter, name, detail, why,
                organisation FROM (
                SELECT w.organisation AS grp, w.line, w.voter, w.name,
                'cast ' || w.time || '; wave of ' || f.k || ' in 10 min, p = ' ||
                printf('%.2g', f.p) || '; ' || {why_sql("'wave'")} AS detail, 'wave' AS why,
                w.organisation, f.p
                FROM wcast w JOIN wave_flag f ON w.organisation = f.organisation
                AND w.s BETWEEN f.off + f.b * {WINDOW_SECONDS} - {EDGE_SECONDS}
                    AND f.off + (f.b + 1) * {WINDOW_SECONDS} + {EDGE_SECONDS} - 1
                UNION ALL SELECT w.organisation, w.line, w.voter, w.name,
                'cast ' || w.time || '; ' || h.k || ' of its ' || h.n_org ||
                ' voters within one hour; ' || {why_sql("'wave'")}, 'wave', w.organisation,
                1.0 FROM wcast w JOIN wave_hour h ON w.organisation = h.organisation
                AND w.s BETWEEN h.s0 AND h.s0 + 3600)
                ORDER BY voter, p, detail""",
            cap=cfg.max_records,
            unit="ballots",
            params={
                "n": cfg.cast_min_org,
                "k": cfg.wave_min_ballots,
                "alpha": cfg.alpha,
                "cut": f"{wave_cut:.2g}",
                "gathered": round(100 * cfg.wave_gathered_share),
                "hour_share": round(100 * cfg.wave_hour_share),
            },
        )
    ]
    curve_cut = _curves(con, cfg)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE curve_graded AS
        SELECT s.*, p.p, s.organisation IN (SELECT organisation FROM wave_flag
            UNION ALL SELECT organisation FROM wave_hour) AS clumped
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
                params={
                    "n": cfg.curve_min_voters,
                    "alpha": cfg.alpha,
                    "cut": f"{curve_cut:.2g}",
                    "tvd": MIN_TVD,
                    "high": cfg.curve_high_tvd,
                },
            )
        )
    return out
