"""Operator pacing: enrolment sessions judged against the operator's own and the others'.

An operator's enrolments are cut into sessions at gaps of more than
:data:`SESSION_GAP_SECONDS`. A session of at least ``pacing_min_session`` enrolments
scores one point for each of:

* **fast**: its rate is at least 3x the operator's own typical session rate (the median
  over its sessions of three or more, when it has at least four) or, for an operator
  with less history, the median over every operator's sessions, and at least 30 an hour;
* **regular**: the intervals between its enrolments vary little (coefficient of
  variation below 0.35) and are shorter than a desk needs to take one member's details
  (median at most ``pacing_regular_max_gap`` seconds): people arriving at a desk come at
  irregular times, a script or a copied list does not; a queue served at a desk is
  regular too, but at the pace of the service (a few minutes each);
* **odd hour**: most of it falls in hours in which fewer than 1 % of the other
  operators' dated enrolments fall (a Saturday night, when everyone else enrols in
  office hours);
* **thin identities**: at least 30 % of its members are unconfirmed, have neither phone
  nor e-mail, or share a phone or e-mail with two or more others.

Two points make it medium, three or more high. A burst no person could type (25 or more
within 10 minutes, the first rule of this check) is high on its own. An honest
registrar at a rally is fast but irregular, in daylight, with people who bring their own
phones: one point, not reported.
"""

from __future__ import annotations

import duckdb

from honestballot.audit.collect import collect
from honestballot.audit.config import AuditConfig
from honestballot.audit.findings import Finding, Severity
from honestballot.audit.why import why_sql

SESSION_GAP_SECONDS = 1800


def _sessions_sql(cfg: AuditConfig) -> str:
    gap = SESSION_GAP_SECONDS
    w, n = cfg.burst_window_minutes, cfg.burst_min_enrolments
    shared = (
        "(SELECT grp FROM clusters_roll_phone WHERE size >= 3 UNION ALL "
        "SELECT grp FROM clusters_roll_email WHERE size >= 3)"
    )
    # Every dated enrolment is sorted by operator and time twice: the gaps and the burst
    # flag in one window pass, the sessions' numbers in the next. Ties in time need no
    # order: the gaps of a session are the same multiset whichever of the equal times
    # comes first, and the sessions' sum counts all of them together (its RANGE frame).
    # A burst (n or more in any w minutes, the RANGE count of the rule) is a row whose
    # (n - 1)-th predecessor by time is at most w minutes older: the n rows between lie in
    # its window, and the last of the rows in a window of n has such a predecessor.
    return f"""
    WITH d AS (SELECT operator, enrolled_at AS t,
            NOT confirmed OR (phone IS NULL AND email IS NULL)
                OR phone IN {shared} OR email IN {shared} AS thin
        FROM roll WHERE operator IS NOT NULL AND enrolled_at IS NOT NULL),
    g AS (SELECT operator, t, thin, epoch(t) - epoch(lag(t) OVER byt) AS gap,
            coalesce(lag(t, {n - 1}) OVER byt >= t - INTERVAL {w} MINUTE, false) AS burst
        FROM d WINDOW byt AS (PARTITION BY operator ORDER BY t)),
    s AS (SELECT *, sum(CASE WHEN gap IS NULL OR gap > {gap} THEN 1 ELSE 0 END) OVER
            (PARTITION BY operator ORDER BY t) AS sess
        FROM g),
    by_hour AS (SELECT operator, hour(t) AS hr, count(*) AS k FROM d GROUP BY ALL),
    per_op AS (SELECT operator, sum(k) AS k_op FROM by_hour GROUP BY ALL),
    all_hour AS (SELECT hr, sum(k) AS k_hr FROM by_hour GROUP BY ALL),
    all_ops AS (SELECT sum(k) AS k_all FROM by_hour),
    -- the share of the other operators' enrolments in each hour
    hours AS (SELECT b.operator, b.hr, (a.k_hr - b.k) / greatest(all_ops.k_all - p.k_op, 1)
            AS share
        FROM by_hour b JOIN all_hour a USING (hr) JOIN per_op p USING (operator), all_ops),
    ss0 AS (SELECT s.operator, sess, count(*) AS n, min(t) AS t0, max(t) AS t1,
            count(*) * 3600.0 / greatest(epoch(max(t)) - epoch(min(t)), 60) AS rate,
            stddev_samp(gap) FILTER (WHERE gap <= {gap})
                / nullif(avg(gap) FILTER (WHERE gap <= {gap}), 0) AS cv,
            avg(CASE WHEN hours.share < 0.01 THEN 1.0 ELSE 0.0 END) AS odd_share,
            avg(CASE WHEN thin THEN 1.0 ELSE 0.0 END) AS thin_share,
            bool_or(burst) AS is_sprint
        FROM s JOIN hours ON s.operator = hours.operator AND hour(s.t) = hours.hr
        GROUP BY s.operator, sess),
    -- the median gap only for the sessions kept (a holistic aggregate over every
    -- session, most of them a few enrolments, spilled gigabytes at ten million lines)
    kept AS (SELECT operator, sess FROM ss0 WHERE n >= {cfg.pacing_min_session} OR is_sprint),
    med AS (SELECT operator, sess, median(gap) AS gap_median
        FROM s SEMI JOIN kept USING (operator, sess) WHERE gap <= {gap} GROUP BY ALL),
    ss AS (SELECT ss0.*, med.gap_median FROM ss0 LEFT JOIN med USING (operator, sess)),
    own AS (SELECT operator, median(rate) AS own_rate, count(*) AS own_sessions
        FROM ss WHERE n >= 3 GROUP BY operator),
    everyone AS (SELECT coalesce(median(rate), 0) AS all_rate FROM ss WHERE n >= 3),
    scored AS (SELECT ss.*,
            CASE WHEN own_sessions >= 4 THEN own_rate ELSE all_rate END AS typical
        FROM ss LEFT JOIN own USING (operator), everyone
        WHERE n >= {cfg.pacing_min_session} OR is_sprint)
    SELECT *, (rate >= 3 * typical AND rate >= 30)::INT AS fast,
        (coalesce(cv, 1) < 0.35 AND gap_median <= {cfg.pacing_regular_max_gap})::INT
            AS regular, (odd_share >= 0.5)::INT AS odd,
        (thin_share >= 0.3)::INT AS thin
    FROM scored"""


def check_pacing(con: duckdb.DuckDBPyConnection, cfg: AuditConfig) -> list[Finding]:
    w, n = cfg.burst_window_minutes, cfg.burst_min_enrolments
    con.execute(f"CREATE OR REPLACE TEMP TABLE pacing AS {_sessions_sql(cfg)}")
    con.execute(
        """CREATE OR REPLACE TEMP TABLE pacing_scored AS SELECT *,
            fast + regular + odd + thin AS points,
            CASE WHEN is_sprint THEN 'sprint' WHEN odd = 1 THEN 'pace_odd_hour'
                WHEN regular = 1 THEN 'pace_regular' WHEN fast = 1 THEN 'pace_fast'
                ELSE 'pace_thin' END AS why
        FROM pacing"""
    )
    rule = (
        f"enrolment sessions (gaps of at most 30 min) of >= {cfg.pacing_min_session}: one "
        f"point each for fast (>= 3x the operator's typical session rate, or everyone's "
        f"if it has little history, and >= 30/h), regular intervals (variation < 0.35) "
        f"shorter than a desk needs per member (median <= {cfg.pacing_regular_max_gap} s), "
        f"an hour in which < 1 % of the other operators' enrolments fall, and >= 30 % "
        f"unconfirmed, "
        f"contactless or shared-contact members; 2 points medium, 3+ high; "
        f">= {n} in any {w} minutes is high" + _undated(con)
    )
    undated = _undated_rows(con)
    params: dict[str, object] = {
        "session": cfg.pacing_min_session,
        "n": n,
        "w": w,
        "gap": cfg.pacing_regular_max_gap,
    }
    if undated:
        params |= {"skipped": undated, "skipped_column": "enrolled_at"}
    detail = (
        "'enrolled ' || r.enrolled_at || '; session of ' || b.n || ' from ' || "
        "strftime(b.t0, '%Y-%m-%d %H:%M') || ' to ' || strftime(b.t1, '%H:%M') || ', ' || "
        "round(b.rate) || '/h (typical ' || round(b.typical) || '/h)' || "
        "CASE WHEN b.regular = 1 THEN '; regular intervals' ELSE '' END || "
        "CASE WHEN b.odd = 1 THEN '; at an hour few enrol' ELSE '' END || "
        "CASE WHEN b.thin = 1 THEN '; ' || round(100 * b.thin_share) || "
        "'% thin identities' ELSE '' END || '; ' || " + why_sql("b.why")
    )
    base = (
        "WITH b AS (SELECT DISTINCT s.line, p.* FROM pacing_scored p JOIN ("
        "SELECT line, operator, enrolled_at FROM roll WHERE operator IS NOT NULL "
        "AND enrolled_at IS NOT NULL) s ON s.operator = p.operator "
        "AND s.enrolled_at BETWEEN p.t0 AND p.t1 WHERE {cond}) "
        f"SELECT r.operator AS grp, r.line, r.national_id AS voter, r.name, "
        f"{detail} AS detail, b.why, r.organisation, r.operator "
        f"FROM b JOIN roll r USING (line)"
    )
    out = [
        collect(
            con,
            check="enrol.operator_burst",
            severity=Severity.HIGH,
            title="Operator sessions paced like a machine or a copied list",
            rule=rule,
            sql=base.format(cond="is_sprint OR points >= 3"),
            cap=cfg.max_records,
            params={"variant": "machine", **params},
        ),
        collect(
            con,
            check="enrol.operator_burst",
            severity=Severity.MEDIUM,
            title="Operator sessions unlike the operator's own and the others'",
            rule=rule,
            sql=base.format(cond="NOT is_sprint AND points = 2"),
            cap=cfg.max_records,
            params={"variant": "unusual", **params},
        ),
    ]
    return out


def _undated_rows(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT enrolled_at FROM roll_without").fetchone()
    return int(row[0]) if row else 0


def _undated(con: duckdb.DuckDBPyConnection) -> str:
    n = _undated_rows(con)
    return f"; not applied to {n:,} row(s) without an enrolment time" if n else ""
