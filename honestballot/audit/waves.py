"""Organisation waves and turnout curves, tested against the rest of the electorate.

Every voter counts once, at their first ballot (table ``casts``).

**Waves** (``cast.organisation_burst``, case: a voter). For each organisation with at
least ``cast_min_org`` voters, its first ballots are counted in windows of 10 and of 20
minutes (each on two grids, the second shifted by five minutes, so that no wave falls
between windows; a wave of a dozen voters who each take a few minutes to sign in and
vote spreads over 20 minutes, and splits in two 10-minute halves that each make the
other look like a dense neighbour). A window with ``k >= wave_min_ballots`` ballots is
tested twice, with Poisson tails:

* against the electorate: is ``k`` unlikely if the organisation's voters came when
  everyone else did (mean ``n_org x`` the rest's share of ballots in that window)?
* against the organisation's own half hour either side: is ``k`` unlikely at its rate
  in the 30 minutes before, or at its rate in the 30 minutes after, whichever is larger
  (10-minute steps outside the voting period left out), and never below its average
  rate over the whole vote? A meeting or a shift is dense on at least one side of each
  of its windows; a wave is dense on neither.

A window is a wave when the first tail probability is below ``alpha`` (a screen: the
organisation is not merely following everyone's peak) and the second below ``alpha / m``,
``m`` counting two tests for every window of every organisation tested (Bonferroni), and
such windows hold more than ``wave_gathered_share`` of the organisation's voters (a
campus's lecture breaks are dense against the hours between them, but most students vote
outside them). Ballots mostly (at least half) from an address the organisation has to
itself over the whole vote (at least 80 % of the voters there: its office) and where it
gathered (``gathered_addr``, from ``cast.address_burst``) are a wave when both the first
tail and the tail against the organisation's own half hour either side are below
``alpha / m``, however few of its voters such windows hold (a factory's batch at the start
of the workday; a campus voting all day from its network is not one, nor a depot's shift
on its Wi-Fi, dense beside each of its windows). A village that votes over
the hour after its 19:00 meeting, or shift workers over the hour from 06:00, pass the
first test and fail the second: that is their schedule. A district office sending its
staff to vote in ten-minute waves every hour fails both. A 20-minute window counts only
when its tail is smaller than that of every 10-minute wave window it overlaps: a wave is
as wide as it is.

The minutes either side of a 10-minute wave window (``EDGE_SECONDS``) belong to the wave:
its first and last ballots spill over (a 20-minute window holds them). An hour holding
at least ``wave_hour_share`` of an organisation's voters, with at most a tenth as many in
the half hour before and after, is a wave on its own (a staff made to vote in one lunch
break on their own phones: no window is denser than its neighbours, all of it is in one
hour; a shift or a meeting's evening that runs past the hour is dense beside it).

**Turnout curves** (``turnout.abnormal_curve``, case: an organisation). For each
organisation with at least ``curve_min_voters`` voters: a chi-square test of its
hour-of-day turnout against everyone else's (expected counts from the rest, smoothed by
half a ballot an hour), with consecutive hours pooled until each block expects at least
``CURVE_MIN_EXPECTED`` ballots (Cochran's rule: without it a small organisation's ballot
at 03:00, where the rest expects a twentieth of one, would weigh like a wave; degrees of
freedom one less than the blocks), Bonferroni-corrected for the number of organisations.
A significant curve made of waves is medium (high from a total variation distance of
``curve_high_tvd``), however small a part of a large organisation the waves are (a
factory's batch of 40 among 250 voters moves its curve by a distance of 0.2); one without
waves is low, when its distance is at least ``MIN_TVD``: a schedule of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
#: a turnout curve's hours are pooled until each block expects this many ballots
#: (Cochran's rule for the chi-square test)
CURVE_MIN_EXPECTED = 5.0
#: once an organisation is shown voting in waves, its windows of this many ballots are
#: tested for more (the last wave of an office: the remainder of its staff)
FOLLOW_MIN_BALLOTS = 3
#: ... when it voted in at least this many waves, their starts more than
#: FOLLOW_GAP_SECONDS apart (a schedule of waves, not one batch), within an hour and that
#: gap of its first and last wave
FOLLOW_MIN_WAVES = 2
FOLLOW_GAP_SECONDS = 1800


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Append ``rows`` to ``table`` column by column (DuckDB's ``executemany`` goes row by
    row: seconds for the windows of a million voters)."""
    if not rows:
        return
    columns = [list(c) for c in zip(*rows, strict=True)]
    unnest = ", ".join(f"unnest(${i + 1})" for i in range(len(columns)))
    con.execute(f"INSERT INTO {table} SELECT {unnest}", columns)


#: the Poisson means of a window's two tests: the electorate's (``lam_rest``: the
#: organisation's size x the rest's share of ballots in the window) and the
#: organisation's own half hour either side (``lam_own``: the larger of its rates before
#: and after, never below its average over the whole vote)
_LAMBDAS = f"""n_org * (k_all - k) / greatest(n_all - n_org, 1) AS lam_rest,
    greatest(coalesce(k_before, 0) * w / greatest(b - lo_b, 1),
        coalesce(k_after, 0) * w / greatest(hi_b - (b + w - 1), 1),
        n_org * w * {WINDOW_SECONDS}.0 / span) AS lam_own"""


def _wave_candidates(con: duckdb.DuckDBPyConnection, cfg: AuditConfig) -> int:
    """Table ``wave_cand`` of windows worth a test; returns the number of windows tested.

    Windows are one or two 10-minute steps wide (``WIDTHS``), on two grids five minutes
    apart; ``b`` is a window's first step, ``w`` its width in steps.
    """
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE wcast AS SELECT voter, line, organisation,
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
        everyone AS (SELECT off, b, k_all AS k_all1,
                sum(k_all) OVER (PARTITION BY off ORDER BY b
                    RANGE BETWEEN CURRENT ROW AND 1 FOLLOWING) AS k_all2,
                min(b) OVER (PARTITION BY off) AS first_b,
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
            GROUP BY ALL),
        steps AS (SELECT *,
            sum(k) OVER (PARTITION BY organisation, off ORDER BY b
                RANGE BETWEEN CURRENT ROW AND 1 FOLLOWING) AS k2,
            sum(k_place) OVER (PARTITION BY organisation, off ORDER BY b
                RANGE BETWEEN CURRENT ROW AND 1 FOLLOWING) AS k_place2,
            sum(k) OVER (PARTITION BY organisation, off ORDER BY b
                RANGE BETWEEN {NEAR} PRECEDING AND 1 PRECEDING) AS k_before,
            sum(k) OVER (PARTITION BY organisation, off ORDER BY b
                RANGE BETWEEN 1 FOLLOWING AND {NEAR} FOLLOWING) AS k_after1,
            sum(k) OVER (PARTITION BY organisation, off ORDER BY b
                RANGE BETWEEN 2 FOLLOWING AND {NEAR + 1} FOLLOWING) AS k_after2
            FROM org),
        widths AS (SELECT organisation, off, b, 1 AS w, k, k_place, k_before,
                k_after1 AS k_after FROM steps
            UNION ALL SELECT organisation, off, b, 2, k2, k_place2, k_before, k_after2
                FROM steps)
        SELECT widths.*, sized.n_org, CASE w WHEN 1 THEN k_all1 ELSE k_all2 END AS k_all,
            total.n_all, total.span,
            greatest(b - {NEAR}, first_b) AS lo_b, least(b + w - 1 + {NEAR}, last_b) AS hi_b
        FROM widths JOIN sized USING (organisation) JOIN everyone USING (off, b), total"""
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE wave_cand AS SELECT *, {_LAMBDAS} "
        f"FROM wave_counts WHERE k >= {cfg.wave_min_ballots}"
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
        "SELECT organisation, off, b, w, k, k_place, lam_rest, lam_own FROM wave_cand "
        "WHERE k >= 2 * lam_own OR k_place >= 0.5 * k"
    ).fetchall()
    # Two ways to be a wave, each a test counted in the one Bonferroni correction: far denser
    # than the organisation's own half hour either side (and than the electorate, as a
    # screen), or, for ballots mostly from addresses the organisation has to itself over
    # the whole vote (its office: >= 80 % of the voters there), far denser than the
    # electorate.
    tested = []
    for org, off, b, w, k, k_place, lam_rest, lam_own in rows:
        p_rest = poisson_sf(int(k), max(float(lam_rest), 1e-9))
        p_own = poisson_sf(int(k), max(float(lam_own), 1e-9))
        window = (org, int(off), int(b), int(w), int(k))
        if p_rest < cfg.alpha:
            tested.append((p_own, window, "near"))
        if k_place >= 0.5 * k:
            # far denser than the electorate and than the organisation's own half hour
            # either side, from its own office where it gathered
            tested.append((max(p_rest, p_own), window, "place"))
    m *= 2
    cut = cfg.alpha / m
    passed = sorted({(*window, p, way) for p, window, way in tested if p < cut})
    con.execute(
        "CREATE OR REPLACE TEMP TABLE wave_flag (organisation VARCHAR, off BIGINT, b BIGINT, "
        "w BIGINT, k BIGINT, p DOUBLE, way VARCHAR)"
    )
    _insert(con, "wave_flag", passed)
    # Waves found against the organisation's own half hour are waves of a gathered
    # organisation only when they hold most of its voters: lecture breaks on a campus
    # are dense against the quieter hours between them, but most students vote outside.
    con.execute(
        f"""DELETE FROM wave_flag WHERE way = 'near' AND organisation IN (
            SELECT w.organisation FROM wcast w JOIN (SELECT DISTINCT organisation, off, b, w
                FROM wave_flag WHERE way = 'near') f ON w.organisation = f.organisation
                AND (w.s - f.off) // {WINDOW_SECONDS} BETWEEN f.b AND f.b + f.w - 1
            GROUP BY w.organisation
            HAVING count(DISTINCT w.voter) <= {cfg.wave_gathered_share} *
                any_value((SELECT count(*) FROM wcast x WHERE x.organisation = w.organisation)))"""
    )
    _follow_on_waves(con, cfg)
    # A wave is as wide as it is. Once the windows above have shown that an organisation
    # voted in waves, a 20-minute window lists its voters only when its tail is smaller
    # than that of every 10-minute wave window it overlaps (a wave spread over 20
    # minutes): a 10-minute wave makes the 20-minute windows around it significant too,
    # and those would draw in colleagues voting in the ten minutes beside it.
    con.execute(
        f"""DELETE FROM wave_flag f WHERE f.w > 1 AND EXISTS (SELECT 1 FROM wave_flag g
            WHERE g.organisation = f.organisation AND g.w = 1 AND g.p <= f.p
            AND g.off + g.b * {WINDOW_SECONDS} < f.off + (f.b + f.w) * {WINDOW_SECONDS}
            AND g.off + (g.b + 1) * {WINDOW_SECONDS} > f.off + f.b * {WINDOW_SECONDS})"""
    )
    # Most of an organisation's voters within one hour, out of quiet, is a gathering
    # whatever the windows say (a staff made to vote in one lunch break, on their own
    # phones): an hour that starts at one of its first ballots, with at most a tenth as many
    # of its ballots in the half hour before and in the half hour after. A shift or a
    # meeting's evening that runs past the hour is dense beside it.
    # Only the organisations that could hold such an hour go through the window counts
    # (four counts over RANGE frames cost most of this query): an hour from a ballot at
    # second s spans at most two clock hours, s's and the next, so an organisation whose
    # busiest two clock hours in a row hold fewer than the share of its voters has none.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE wave_hour AS
        WITH clock AS (SELECT organisation, CAST(floor(s / 3600) AS BIGINT) AS hb,
                count(*) AS c FROM wcast GROUP BY ALL),
            possible AS (SELECT a.organisation FROM clock a
                LEFT JOIN clock b ON b.organisation = a.organisation AND b.hb = a.hb + 1
                GROUP BY a.organisation
                HAVING sum(a.c) >= {cfg.cast_min_org}
                    AND max(a.c + coalesce(b.c, 0)) >= {cfg.wave_hour_share} * sum(a.c)),
        h AS (SELECT organisation, s,
                count(*) OVER (PARTITION BY organisation ORDER BY s
                    RANGE BETWEEN CURRENT ROW AND 3600 FOLLOWING) AS k,
                count(*) OVER (PARTITION BY organisation ORDER BY s
                    RANGE BETWEEN 1800 PRECEDING AND 1 PRECEDING) AS k_before,
                count(*) OVER (PARTITION BY organisation ORDER BY s
                    RANGE BETWEEN 3601 FOLLOWING AND 5400 FOLLOWING) AS k_after,
                count(*) OVER (PARTITION BY organisation) AS n_org FROM wcast
            WHERE organisation IN (SELECT organisation FROM possible))
        SELECT organisation, arg_max(s, k) AS s0, max(k) AS k, any_value(n_org) AS n_org
        FROM h WHERE n_org >= {cfg.cast_min_org} AND k >= {cfg.wave_hour_share} * n_org
            AND greatest(k_before, k_after) <= {HOUR_QUIET} * k
        GROUP BY organisation"""
    )
    return cut


def _follow_on_waves(con: duckdb.DuckDBPyConnection, cfg: AuditConfig) -> None:
    """Add to ``wave_flag`` the smaller waves of an organisation already found voting in a
    series of waves: the last wave of an office, the remainder of its staff (two to seven
    voters), is too small to reach the first cut on its own, which counts every window of
    every organisation.

    A second family of tests, run only once the first has shown an organisation voting in
    at least ``FOLLOW_MIN_WAVES`` waves apart (more than ``FOLLOW_GAP_SECONDS`` between
    their starts: a schedule, not one batch) against its own half hour either side,
    holding most of its voters (the ``near`` way; a batch from its own office is one
    gathering, and a campus whose network made one lecture break such a batch is not a
    schedule of waves) - a gatekeeping procedure. Each of its windows
    from ``FOLLOW_GAP_SECONDS`` + an hour before its first wave to as long after its last
    one, with at least ``FOLLOW_MIN_BALLOTS`` ballots, is tested as before (the
    electorate's tail below ``alpha``, its own half hour either side below
    ``alpha / m2``), where ``m2`` counts only those windows. A colleague or two voting
    beside a wave do not pass it (the wave is the half hour beside them), nor does a shift
    hours away from a factory's one batch.
    """
    reach = 3600 + FOLLOW_GAP_SECONDS
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE wave_follow AS
        WITH starts AS (SELECT organisation, off + b * {WINDOW_SECONDS} AS t0,
                off + (b + w) * {WINDOW_SECONDS} AS t1 FROM wave_flag WHERE way = 'near'),
            apart AS (SELECT organisation, t0, t1, t0 - lag(t0) OVER (PARTITION BY organisation
                ORDER BY t0) AS gap FROM starts),
            series AS (SELECT organisation, min(t0) AS first_t, max(t1) AS last_t FROM apart
                GROUP BY organisation
                HAVING 1 + count(*) FILTER (WHERE gap > {FOLLOW_GAP_SECONDS})
                    >= {FOLLOW_MIN_WAVES})
        SELECT c.*, {_LAMBDAS} FROM wave_counts c JOIN series USING (organisation)
        WHERE c.off + c.b * {WINDOW_SECONDS} >= series.first_t - {reach}
            AND c.off + c.b * {WINDOW_SECONDS} <= series.last_t + {reach}"""
    )
    tested = con.execute("SELECT count(*) FROM wave_follow").fetchone()
    m2 = max(1, int(tested[0]) if tested else 1)
    rows = con.execute(
        f"SELECT organisation, off, b, w, k, lam_rest, lam_own FROM wave_follow "
        f"WHERE k >= {FOLLOW_MIN_BALLOTS} AND k >= 2 * lam_own AND (organisation, off, b, w) "
        f"NOT IN (SELECT organisation, off, b, w FROM wave_flag)"
    ).fetchall()
    found = []
    for org, off, b, w, k, lam_rest, lam_own in rows:
        p_rest = poisson_sf(int(k), max(float(lam_rest), 1e-9))
        p_own = poisson_sf(int(k), max(float(lam_own), 1e-9))
        if p_rest < cfg.alpha and p_own < cfg.alpha / m2:
            found.append((org, int(off), int(b), int(w), int(k), p_own, "follow"))
    _insert(con, "wave_flag", found)
    con.execute("DROP TABLE wave_follow")


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
            arg_max(hr, p) AS peak_hour, max(p) AS peak_p, arg_max(q, p) AS rest_p
        FROM curve GROUP BY organisation HAVING any_value(n_org) >= {cfg.curve_min_voters}"""
    )
    rows = con.execute(
        "SELECT organisation, list(n ORDER BY hr), list(n_org * q_smooth ORDER BY hr) "
        "FROM curve WHERE organisation IN (SELECT organisation FROM curve_score) GROUP BY ALL"
    ).fetchall()
    cut = cfg.alpha / max(1, len(rows))
    con.execute("CREATE OR REPLACE TEMP TABLE curve_p (organisation VARCHAR, p DOUBLE)")
    _insert(
        con,
        "curve_p",
        [(org, pooled_chi2_p(list(seen), list(expected))) for org, seen, expected in rows],
    )
    return cut


def pooled_chi2_p(seen: list[float], expected: list[float]) -> float:
    """The chi-square test of ``seen`` against ``expected`` (hours of the day, in order),
    with consecutive hours pooled until each block expects at least ``CURVE_MIN_EXPECTED``
    ballots (the last, short block joins the one before): below that the chi-square
    distribution overstates the significance of a ballot or two at a quiet hour."""
    blocks: list[list[float]] = []
    o = e = 0.0
    for n, x in zip(seen, expected, strict=True):
        o, e = o + float(n), e + float(x)
        if e >= CURVE_MIN_EXPECTED:
            blocks.append([o, e])
            o = e = 0.0
    if e > 0 and blocks:
        blocks[-1][0] += o
        blocks[-1][1] += e
    if len(blocks) < 2:
        return 1.0
    chi2 = sum((o - e) ** 2 / e for o, e in blocks)
    return chi2_sf(chi2, len(blocks) - 1)


def check_waves(con: duckdb.DuckDBPyConnection, cfg: AuditConfig) -> list[Finding]:
    wave_cut = _flag_waves(con, cfg)
    # every voter listed, once, at the window with the smallest tail; the address bursts
    # read who voted in a wave (table wave_voters)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE wave_records AS
            SELECT r.grp, r.line, r.voter, nv.name, r.detail, r.why, r.organisation FROM (
            SELECT DISTINCT ON (voter) grp, line, voter, detail, why, organisation FROM (
                SELECT w.organisation AS grp, w.line, w.voter,
                'cast ' || w.time || '; wave of ' || f.k || ' in ' ||
                (f.w * {WINDOW_SECONDS // 60}) || ' min, p = ' || printf('%.2g', f.p) || '; ' ||
                {why_sql("'wave'")} AS detail, 'wave' AS why,
                w.organisation, f.p
                FROM wcast w JOIN wave_flag f ON w.organisation = f.organisation
                AND w.s BETWEEN f.off + f.b * {WINDOW_SECONDS} - {EDGE_SECONDS} * (2 - f.w)
                    AND f.off + (f.b + f.w) * {WINDOW_SECONDS} + {EDGE_SECONDS} * (2 - f.w) - 1
                UNION ALL SELECT w.organisation, w.line, w.voter,
                'cast ' || w.time || '; ' || h.k || ' of its ' || h.n_org ||
                ' voters within one hour; ' || {why_sql("'wave'")}, 'wave', w.organisation,
                1.0 FROM wcast w JOIN wave_hour h ON w.organisation = h.organisation
                AND w.s BETWEEN h.s0 AND h.s0 + 3600)
                ORDER BY voter, p, detail) r
            -- the names only of the voters listed (the first ballots carry none)
            LEFT JOIN roll_voters nv ON nv.national_id = r.voter"""
    )
    con.execute("CREATE OR REPLACE TEMP TABLE wave_voters AS SELECT voter FROM wave_records")
    out = [
        collect(
            con,
            check="cast.organisation_burst",
            severity=Severity.MEDIUM,
            title="Organisations voting in tight waves",
            rule=f"organisations with >= {cfg.cast_min_org} voters; first ballots in windows of "
            f"10 and 20 minutes (two grids 5 minutes apart; a 20-minute window only where it "
            f"beats the 10-minute ones within it); a window of >= {cfg.wave_min_ballots} is a "
            f"wave when the Poisson tail against the rest of the electorate is below {cfg.alpha} "
            f"and the one against the organisation's own 30 minutes before and after is below "
            f"{cfg.alpha} / (2 x windows tested) = {wave_cut:.2g}, when such waves hold more "
            f"than {cfg.wave_gathered_share:.0%} of its voters; or, for ballots mostly from "
            f"the organisation's own addresses where it gathered (cast.address_burst), the "
            f"first and the one against its own 30 minutes before and after below that, "
            f"however few of its voters they hold (with the "
            f"{EDGE_SECONDS // 60} minutes either side of a 10-minute wave window); or every "
            f"first ballot "
            f"in an hour that holds >= {cfg.wave_hour_share:.0%} of its voters, with at most "
            f"{HOUR_QUIET:.0%} as many in the half hour before and after; once an organisation "
            f"is shown voting in >= {FOLLOW_MIN_WAVES} waves more than "
            f"{FOLLOW_GAP_SECONDS // 60} minutes apart, its windows of >= {FOLLOW_MIN_BALLOTS} "
            f"within {(3600 + FOLLOW_GAP_SECONDS) // 60} minutes of them are tested again, the "
            f"tail against its own 30 minutes before and after below {cfg.alpha} / the number "
            f"of those windows",
            sql="SELECT * FROM wave_records",
            cap=cfg.max_records,
            unit="ballots",
            params={
                "n": cfg.cast_min_org,
                "k": cfg.wave_min_ballots,
                "alpha": cfg.alpha,
                "cut": f"{wave_cut:.2g}",
                "gathered": round(100 * cfg.wave_gathered_share),
                "hour_share": round(100 * cfg.wave_hour_share),
                "follow_waves": FOLLOW_MIN_WAVES,
                "follow_k": FOLLOW_MIN_BALLOTS,
            },
            per_voter=cfg.revoting,
        )
    ]
    curve_cut = _curves(con, cfg)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE curve_graded AS
        SELECT * FROM (SELECT s.*, p.p, s.organisation IN (SELECT organisation FROM wave_flag
            UNION ALL SELECT organisation FROM wave_hour) AS clumped
            FROM curve_score s JOIN curve_p p USING (organisation))
        WHERE p < {curve_cut} AND (clumped OR tvd >= {MIN_TVD})"""
    )
    rule = (
        f"organisations with >= {cfg.curve_min_voters} voters: chi-square test of their "
        f"hour-of-day turnout against everyone else's (hours pooled until each block expects "
        f">= {CURVE_MIN_EXPECTED:g} ballots), significant below {cfg.alpha} / number of "
        f"organisations ({curve_cut:.2g}); medium when made of waves (high from distance "
        f"{cfg.curve_high_tvd}), low otherwise when at distance >= {MIN_TVD} (a schedule of "
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
