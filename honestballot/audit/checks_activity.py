"""Checks on the sign-in and cast log (table ``activity``) read against the roll.

Devices and sessions that sign in many voters, one-time codes for many voters
delivered to one contact, ballots cast in bursts from one address, device or
organisation, and organisations whose turnout curve departs from everyone else's.

A shared network address is a signal, never proof: an address burst is reported
only when one organisation's voters dominate it *and* it is far denser than that
organisation's own use of the address over the whole vote (see :func:`check_address_bursts`).
"""

from __future__ import annotations

from typing import Any

import duckdb

from honestballot.audit.checks_roll import (
    LOG_CLUSTERS,
    cluster_findings,
    cluster_sizes,
    graded_cluster_findings,
)
from honestballot.audit.collect import collect, scalar
from honestballot.audit.config import AuditConfig, ClusterTiers
from honestballot.audit.findings import Finding, Severity
from honestballot.audit.foreign import check_foreign_contacts
from honestballot.audit.household import (
    NO_ORGANISATION,
    ensure_people,
    ensure_roll_voters,
    grade_sql,
    link_sql,
)
from honestballot.audit.schema import drop_loaded
from honestballot.audit.waves import check_waves
from honestballot.audit.why import why_sql

NO_ORG = NO_ORGANISATION


def cut_log(con: duckdb.DuckDBPyConnection) -> bool:
    """Cut from the loaded log (table ``activity``) what the checks read, then drop it.

    Run before the roll is loaded, so that the loaded log and the loaded roll are never
    in memory at once (at ten million voters each is gigabytes): ``signins_log`` and
    ``codes_log`` (the sign-ins and code requests), ``casts_log`` (each voter's first
    ballot: a later one, a re-vote, is never shown and never counted twice in a burst)
    and ``log_voters`` (each voter's first event, for the voters not on the roll).
    :func:`prepare` gives them the voters' names once the roll is loaded.

    Returns whether the log is of an election with re-voting protection: a row says so
    in its ``revoting`` column (the voting service writes it on every row). Such a log
    keeps each voter's first sign-in and first code request only, as it keeps the first
    ballot (docs/coercion.md §9): a later sign-in may be a credential's replacement, and
    every cluster, grade, evidence, session and chart is then made of one event per
    voter, so that none of them depends on whether a voter signed in again.
    """
    found = con.execute("SELECT coalesce(bool_or(revoting), FALSE) FROM activity").fetchone()
    protected = bool(found and found[0])
    # the voter's first event of the kind (by time, the first line among equals)
    first = (
        " QUALIFY row_number() OVER (PARTITION BY voter ORDER BY time, line) = 1"
        if protected
        else ""
    )
    # Only the columns a check reads: the sign-ins' devices, sessions and addresses (the
    # clusters, the households' and the collected codes' evidence), the code requests'
    # contacts; neither table's time or event.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE signins_log AS SELECT line, voter, device, session, "
        "address FROM activity WHERE event = 'signed-in'" + first
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE codes_log AS SELECT line, voter, contact FROM activity "
        "WHERE event = 'code-requested'" + first
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE casts_log AS SELECT voter, min(time) AS time, "
        "arg_min(line, time) AS line, arg_min(address, time) AS address, "
        "arg_min(device, time) AS device FROM activity WHERE event = 'ballot-cast' "
        "GROUP BY voter"
    )
    # A voter's first event is the one on the first line (lines are unique).
    con.execute(
        "CREATE OR REPLACE TEMP TABLE log_voters AS SELECT voter, min(line) AS line, "
        "arg_min(event, line) AS event, arg_min(time, line) AS time FROM activity "
        "GROUP BY voter"
    )
    # Nothing reads the whole log again.
    drop_loaded(con, "activity")
    return protected


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """The log's events that the checks read, looked up in ``roll_voters`` (one row per
    national ID on the roll, :func:`ensure_roll_voters`, shared with the roll's checks):
    ``signins`` and ``codes`` with the voter's organisation and operator, ``casts`` (each
    voter's first ballot) with the voter's organisation; and ``unknown_voters``.

    Reads the tables :func:`cut_log` cut from the log before the roll was loaded (the
    whole log is never joined to the roll) and drops each once it is read.
    """
    # An ID on several lines (id.duplicate) takes each value from its first line that
    # has one, so that the findings do not depend on the order threads read the roll.
    ensure_roll_voters(con)
    # Written once: several checks read each of them. A sign-in or code request carries
    # no copy of the voter's name (millions of them at ten million voters): the records
    # listed take it from roll_voters.
    with_voter = (
        "CREATE OR REPLACE TEMP TABLE {table} AS SELECT a.line, a.voter AS national_id, "
        f"coalesce(v.organisation, '{NO_ORG}') AS organisation, v.operator, "
        "a.* EXCLUDE (line, voter) FROM {table}_log a "
        "LEFT JOIN roll_voters v ON a.voter = v.national_id"
    )
    con.execute(with_voter.format(table="signins"))
    con.execute("DROP TABLE signins_log")
    con.execute(with_voter.format(table="codes"))
    con.execute("DROP TABLE codes_log")
    # The first ballots carry no name either: the records listed take it from roll_voters.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE casts AS SELECT c.*, "
        f"coalesce(v.organisation, '{NO_ORG}') AS organisation FROM casts_log c "
        f"LEFT JOIN roll_voters v ON c.voter = v.national_id"
    )
    con.execute("DROP TABLE casts_log")
    # The voters not on the roll, once each, at their first event.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE unknown_voters AS SELECT voter, line, event, time "
        "FROM log_voters a ANTI JOIN roll_voters v ON a.voter = v.national_id"
    )
    con.execute("DROP TABLE log_voters")


def check_identity_sharing(con: duckdb.DuckDBPyConnection, cfg: AuditConfig) -> list[Finding]:
    unknown = collect(
        con,
        check="activity.unknown_voter",
        severity=Severity.HIGH,
        title="Log events for voters who are not on the roll",
        rule="activity voter has no row in the roll; each such voter once, at the first event",
        sql="SELECT voter AS grp, line, voter, NULL AS name, event || ' at ' || time "
        "AS detail FROM unknown_voters",
        cap=cfg.max_records,
        per_voter=cfg.revoting,
    )
    out = [unknown]
    out += graded_cluster_findings(
        con,
        source="signins",
        key="device",
        check="device.many_voters",
        noun="device",
        kind="device",
        with_activity=LOG_CLUSTERS[("signins", "device")],
        cap=cfg.max_records,
        per_voter=cfg.revoting,
    )
    out += cluster_findings(
        con,
        source="signins",
        key="session",
        check="session.many_voters",
        noun="session",
        tiers=ClusterTiers(2, 2, 2),
        cap=cfg.max_records,
        per_voter=cfg.revoting,
    )
    foreign = check_foreign_contacts(con, cfg)
    out += graded_cluster_findings(
        con,
        source="codes",
        key="contact",
        check="code.shared_contact",
        noun="code delivery contact",
        kind="contact",
        with_activity=LOG_CLUSTERS[("codes", "contact")],
        cap=cfg.max_records,
        collected=_COLLECTED,
        owners_apart=owners_apart(con),
        per_voter=cfg.revoting,
    )
    return out + foreign


#: contacts that received the codes of two or more voters for whom they are not their own
#: and who are not their owners' family (code.foreign_contact medium or high)
_COLLECTED = (
    "SELECT contact FROM foreign_graded WHERE severity >= 2 GROUP BY contact HAVING count(*) >= 2"
)


def owners_apart(con: duckdb.DuckDBPyConnection) -> str:
    """SQL: ``grp, national_id`` of the owners' family at a contact that collected codes.

    A collecting contact is often a family's phone (the brigade leader's, which his wife
    and grown son also gave). Its owners (the voters with it on their roll line) who have
    a family link to another owner, and who signed in neither on a device the collected
    voters used nor at an address where two or more of them did, used their own number
    for their own code; the owner who signs in with the collected voters stays high.
    """
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _collected_owners AS
        WITH col AS ({_COLLECTED}),
        own AS (SELECT DISTINCT r.phone AS contact, r.national_id FROM roll r
                JOIN col ON r.phone = col.contact
            UNION SELECT DISTINCT r.email, r.national_id FROM roll r
                JOIN col ON r.email = col.contact)
        SELECT * FROM own"""
    )
    ensure_people(con, "SELECT national_id FROM _collected_owners")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _owners_apart AS
        WITH collected AS (SELECT DISTINCT f.contact, s.device, s.address, f.voter
                FROM foreign_graded f JOIN signins s ON s.national_id = f.voter
                WHERE f.severity >= 2 AND f.contact IN (SELECT contact FROM _collected_owners)),
            spots AS (SELECT contact, device AS spot FROM collected WHERE device IS NOT NULL
                UNION SELECT contact, address FROM collected WHERE address IS NOT NULL
                GROUP BY contact, address HAVING count(DISTINCT voter) >= 2),
            family AS (SELECT DISTINCT o.contact, o.national_id FROM _collected_owners o
                JOIN _collected_owners q ON o.contact = q.contact
                    AND o.national_id <> q.national_id
                JOIN people a ON a.national_id = o.national_id
                JOIN people b ON b.national_id = q.national_id WHERE {link_sql("a", "b")}),
            beside AS (SELECT DISTINCT f.contact, f.national_id FROM family f
                JOIN signins s ON s.national_id = f.national_id
                JOIN spots ON spots.contact = f.contact
                    AND (spots.spot = s.device OR spots.spot = s.address))
        SELECT contact AS grp, national_id FROM family
            ANTI JOIN beside USING (contact, national_id)"""
    )
    return "SELECT grp, national_id FROM _owners_apart"


def _span_minutes(con: duckdb.DuckDBPyConnection, cfg: AuditConfig) -> float:
    span = scalar(
        con,
        "SELECT date_diff('second', min(time), max(time)) / 60.0 FROM casts",
    )
    return max(
        float(span) if isinstance(span, int | float) else 0.0, float(cfg.cast_window_minutes)
    )


#: the half hour either side of a 15-minute window that tells a gathering from a rush
QUIET_MINUTES = 30


def _quiet_sql(
    partition: str, w: int, min_total: int, quiet: float, big_lift: float
) -> tuple[str, str]:
    """Columns for the address burst: (window functions over ``c``, those over ``w``).

    ``k_ahead`` counts the casts in the window that starts at this cast; the window is
    *out of quiet* when it holds at least ``min_total`` and the organisation's casts from
    the address in the half hour before it and in the half hour after it are each at most
    ``quiet`` of it. ``in_quiet`` marks a cast inside such a window, ``quiet_share`` is the
    share of the (address, organisation)'s casts that are; ``hour_share`` is the share of
    them in its busiest hour (``k_hour``: the hour that starts at a cast). ``in_big`` marks
    a cast inside a window out of quiet of at least twice ``min_total`` that is at least
    ``big_lift`` times the organisation's average per window at the address over a working
    day of eight hours (``k_day``: its casts there that calendar day).
    """
    order = f"PARTITION BY {partition} ORDER BY time"
    q = QUIET_MINUTES
    first = f""",
            count(*) OVER ({order} RANGE BETWEEN CURRENT ROW AND INTERVAL {w} MINUTE FOLLOWING)
                AS k_ahead,
            count(*) OVER ({order} RANGE BETWEEN INTERVAL {q} MINUTE PRECEDING
                AND INTERVAL 1 MICROSECOND PRECEDING) AS k_before,
            count(*) OVER ({order} RANGE BETWEEN INTERVAL {w * 60_000_000 + 1} MICROSECOND
                FOLLOWING AND INTERVAL {w + q} MINUTE FOLLOWING) AS k_after,
            count(*) OVER ({order} RANGE BETWEEN CURRENT ROW AND INTERVAL 60 MINUTE FOLLOWING)
                AS k_hour,
            count(*) OVER (PARTITION BY {partition}, CAST(time AS DATE)) AS k_day"""
    out_of_quiet = f"greatest(k_before, k_after) <= {quiet} * k_ahead"
    quiet_start = f"CAST(k_ahead >= {min_total} AND {out_of_quiet} AS INTEGER)"
    big_start = (
        f"CAST(k_ahead >= {2 * min_total} AND {out_of_quiet} "
        f"AND k_ahead >= {big_lift} * k_day * {w} / 480.0 AS INTEGER)"
    )
    back = f"OVER ({order} RANGE BETWEEN INTERVAL {w} MINUTE PRECEDING AND CURRENT ROW)"
    second = f""",
            max({quiet_start}) {back} AS in_quiet, max({big_start}) {back} AS in_big"""
    return first, second


def _burst_sql(
    partition: str,
    w: int,
    span: float,
    min_total: int,
    min_share: float = 0.0,
    quiet: float = 0.0,
    big_lift: float = 0.0,
) -> str:
    """Casts with per-window voter counts over ``partition`` (a column list).

    ``casts`` has one row per voter (the first ballot), so counting rows counts voters;
    the voters' names are joined to the rows that come out, from ``roll_voters``.
    Only the casts of partitions that could reach a burst go through the window
    functions: those with at least ``min_total`` voters and, by address, at least
    ``min_share`` of the address's voters (with every cast at such an address, so that
    the per-address counts are whole). Nearly every device has one voter, and no
    organisation has half of a carrier NAT, so this leaves few rows. (For devices the
    per-address counts are not whole, and not used.)
    """
    frame = f"RANGE BETWEEN INTERVAL {w} MINUTE PRECEDING AND CURRENT ROW"
    ahead = f"RANGE BETWEEN CURRENT ROW AND INTERVAL {w} MINUTE FOLLOWING"
    by_address = "address" in partition
    share = "total / at_address" if by_address else "1.0"
    join_whole = (
        "LEFT JOIN whole ON whole.address IS NOT DISTINCT FROM k.address" if by_address else ""
    )
    if by_address:
        keep = (
            f"address IN (SELECT address FROM (SELECT address, count(*) AS n, "
            f"sum(count(*)) OVER (PARTITION BY address) AS at_addr FROM casts "
            f"WHERE address IS NOT NULL GROUP BY address, organisation) "
            f"WHERE n >= {min_total} AND n >= {min_share} * at_addr)"
        )
    else:
        keep = (
            f"{partition} IN (SELECT {partition} FROM casts GROUP BY ALL "
            f"HAVING count(*) >= {min_total})"
        )
    quiet_w, quiet_m = (
        _quiet_sql(partition, w, min_total, quiet, big_lift) if by_address else ("", "")
    )
    share_q = (
        f", avg(in_quiet) OVER (PARTITION BY {partition}) AS quiet_share, "
        f"max(k_hour) OVER (PARTITION BY {partition}) / total AS hour_share FROM m0"
        if by_address
        else " FROM m0"
    )
    return f"""WITH c AS (
            SELECT line, time, voter, address, device, organisation FROM casts
            WHERE {keep}),
        w AS (SELECT *,
            count(*) OVER (PARTITION BY {partition} ORDER BY time {frame}) AS n_key,
            count(*) OVER (PARTITION BY address ORDER BY time {frame}) AS n_addr,
            count(*) OVER (PARTITION BY {partition}) AS total{quiet_w}
            FROM c),
        m0 AS (SELECT *, max(n_key) OVER (PARTITION BY {partition} ORDER BY time {ahead})
            AS reach{quiet_m} FROM w),
        m AS (SELECT *{share_q}),
        k AS (SELECT {partition}, max(n_key) AS peak, arg_max(n_addr, n_key) AS addr_at_peak,
            any_value(total) AS total FROM w GROUP BY ALL),
        whole AS (SELECT address, count(DISTINCT voter) AS at_address FROM c GROUP BY ALL),
        s AS (SELECT k.*, peak / (total * {w} / {span}) AS lift,
            peak * peak / addr_at_peak AS score, {share} AS own_share
            FROM k {join_whole})
        SELECT x.*, nv.name FROM (SELECT * FROM m JOIN s USING ({partition})) x
            LEFT JOIN roll_voters nv ON nv.national_id = x.voter"""


def _gathered(cfg: AuditConfig) -> str:
    """SQL over ``bursts_addr``: the cast is in a burst where its organisation gathered at
    the address (an office's batch is one; a campus's own network in daily use is not)."""
    return (
        f"((in_quiet = 1 AND quiet_share > {cfg.address_gathered_share}) OR in_big = 1 "
        f"OR (reach >= {cfg.cast_min_address} AND hour_share >= {cfg.address_hour_share}))"
    )


def address_bursts(con: duckdb.DuckDBPyConnection, cfg: AuditConfig) -> None:
    """Tables ``bursts_addr`` (the casts of every (address, organisation) that could make
    a burst, with its window counts) and ``gathered_addr`` (the pairs where the
    organisation gathered), which the waves read (:mod:`waves`)."""
    w = cfg.cast_window_minutes
    span = _span_minutes(con, cfg)
    by_address = _burst_sql(
        "address, organisation",
        w,
        span,
        cfg.cast_min_address,
        cfg.address_min_share,
        cfg.address_quiet,
        cfg.address_big_lift,
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE bursts_addr AS {by_address} WHERE address IS NOT NULL"
    )
    # The (address, organisation) pairs where the organisation gathered: the waves read
    # them (an office's batch is a wave; a campus's own network in daily use is not).
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE gathered_addr AS SELECT DISTINCT address, organisation "
        f"FROM bursts_addr WHERE {_gathered(cfg)}"
    )


def check_address_bursts(con: duckdb.DuckDBPyConnection, cfg: AuditConfig) -> list[Finding]:
    """``cast.address_burst``, once the waves are known (table ``wave_voters``): a burst at
    an address where the organisation gathered, or, at an address where most of its
    ballots fell in its waves (``cast.organisation_burst``), a burst inside a wave. The
    fixed fifth that tells a burst out of quiet reads one or two colleagues voting from
    the office network between hourly waves of eight as no quiet; the waves' Poisson
    tails against the organisation's own half hour either side do not."""
    w = cfg.cast_window_minutes
    lift = cfg.cast_min_lift
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE waved_addr AS SELECT address, organisation
        FROM bursts_addr GROUP BY ALL
        HAVING avg(CAST(voter IN (SELECT voter FROM wave_voters) AS INTEGER))
            > {cfg.address_gathered_share}"""
    )
    gathered = (
        f"({_gathered(cfg)} OR (reach >= {cfg.cast_min_address} "
        f"AND voter IN (SELECT voter FROM wave_voters) "
        f"AND (address, organisation) IN (SELECT address, organisation FROM waved_addr)))"
    )
    address_rule = (
        f"one organisation's voters cast >= {cfg.cast_min_address} ballots from one address "
        f"within {w} min, at >= {lift}x that organisation's average rate at the address "
        f"(lift); the organisation's voters are >= {cfg.address_min_share:.0%} of all voters "
        f"at the address over the vote (its own network, not a carrier NAT); "
        f"score = peak x (peak / all voters at the address in that window); "
        f"medium if score >= {cfg.address_medium_score}, high if >= {cfg.address_high_score}; "
        f"only bursts out of quiet (the organisation's ballots from the address in the "
        f"{QUIET_MINUTES} min before and after each <= {cfg.address_quiet:.0%} of the burst) "
        f"at an address where more than {cfg.address_gathered_share:.0%} of the "
        f"organisation's ballots came in such bursts, or a burst out of quiet of >= "
        f"{2 * cfg.cast_min_address} at >= {cfg.address_big_lift}x the organisation's average "
        f"at the address over an 8-hour working day, or where at least "
        f"{cfg.address_hour_share:.0%} of them came within one hour (a gathering, not the "
        f"rush of a lecture break or a shift change on a network in daily use); and a "
        f"burst inside the organisation's waves (cast.organisation_burst) at an address where "
        f"more than {cfg.address_gathered_share:.0%} of its ballots from there fell in them"
    )
    address_params = {
        "n": cfg.cast_min_address,
        "w": w,
        "lift": lift,
        "quiet_min": QUIET_MINUTES,
        "quiet": round(100 * cfg.address_quiet),
        "gathered": round(100 * cfg.address_gathered_share),
        "hour_share": round(100 * cfg.address_hour_share),
        "big": 2 * cfg.cast_min_address,
        "big_lift": cfg.address_big_lift,
        "medium": cfg.address_medium_score,
        "high": cfg.address_high_score,
    }
    detail = (
        "'cast ' || time || ' from ' || address || '; peak ' || peak || ' in ' || "
        f"{w} || ' min; lift ' || round(lift, 1) || '; score ' || round(score, 1)"
    )
    base = (
        f"SELECT address || ' / ' || organisation AS grp, line, voter, name, {detail} "
        f"AS detail, organisation, address FROM bursts_addr WHERE {gathered} "
        f"AND lift >= {lift} AND score >= {cfg.address_medium_score} "
        f"AND own_share >= {cfg.address_min_share}"
    )
    return [
        collect(
            con,
            check="cast.address_burst",
            severity=Severity.HIGH,
            title="Ballot bursts from one address, dominated by one organisation",
            rule=address_rule,
            sql=f"{base} AND score >= {cfg.address_high_score}",
            cap=cfg.max_records,
            unit="ballots",
            params={"variant": "dominated", **address_params},
            per_voter=cfg.revoting,
        ),
        collect(
            con,
            check="cast.address_burst",
            severity=Severity.MEDIUM,
            title="Ballot bursts from one address, shared with other traffic",
            rule=address_rule,
            sql=f"{base} AND score < {cfg.address_high_score}",
            cap=cfg.max_records,
            unit="ballots",
            params={"variant": "shared", **address_params},
            per_voter=cfg.revoting,
        ),
    ]


def check_device_bursts(con: duckdb.DuckDBPyConnection, cfg: AuditConfig) -> list[Finding]:
    w = cfg.cast_window_minutes
    span = _span_minutes(con, cfg)
    out = []
    by_device = _burst_sql("device", w, span, cfg.cast_min_device)
    con.execute(f"CREATE OR REPLACE TEMP TABLE bursts_dev AS {by_device} WHERE device IS NOT NULL")
    # A family's ballots from its tablet are not a boss's from his: the device's
    # signed-in voters are graded as in device.many_voters.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE bursts_dev_graded AS
        SELECT b.*, CASE WHEN e.why = 'household' THEN 'device_burst_household'
            ELSE 'device_burst' END AS why
        FROM bursts_dev b LEFT JOIN (SELECT grp, {grade_sql("device")}
            FROM evidence_signins_device) e ON e.grp = b.device
        WHERE reach >= {cfg.cast_min_device}"""
    )
    for severity, cond in ((Severity.HIGH, "<>"), (Severity.LOW, "=")):
        out.append(
            collect(
                con,
                check="cast.device_burst",
                severity=severity,
                title=f"Ballots for {cfg.cast_min_device}+ voters cast from one device within "
                f"{w} min" + (" (one family)" if severity == Severity.LOW else ""),
                rule=f">= {cfg.cast_min_device} distinct voters' first ballots from one device "
                f"in {w} min; low when the device's voters are one household",
                sql=f"SELECT device AS grp, line, voter, name, 'cast ' || time || '; ' || peak "
                f"|| ' voters in ' || {w} || ' min; ' || {why_sql('why')} AS detail, why, "
                f"organisation, device FROM bursts_dev_graded "
                f"WHERE why {cond} 'device_burst_household'",
                cap=cfg.max_records,
                unit="ballots",
                params={
                    "n": cfg.cast_min_device,
                    "w": w,
                    **({"variant": "household"} if severity == Severity.LOW else {}),
                },
                per_voter=cfg.revoting,
            )
        )
    return out


def turnout_series(con: duckdb.DuckDBPyConnection, flagged: list[str]) -> dict[str, Any]:
    """Hour-of-day turnout shares: everyone, flagged organisations, and the largest others."""
    largest = [
        str(r[0])
        for r in con.execute(
            "SELECT organisation FROM curve_score ORDER BY voters DESC LIMIT 3"
        ).fetchall()
    ]
    chosen = list(dict.fromkeys(flagged[:6] + [o for o in largest if o not in flagged][:2]))
    series: dict[str, list[float]] = {}
    overall = con.execute(
        "SELECT hr, sum(n) / (SELECT sum(n) FROM curve) FROM curve GROUP BY hr"
    ).fetchall()
    series["all voters"] = _by_hour(overall)
    for org in chosen:
        rows = con.execute("SELECT hr, p FROM curve WHERE organisation = ?", [org]).fetchall()
        series[org] = _by_hour(rows)
    return {"series": series, "flagged": flagged}


def _by_hour(rows: list[Any]) -> list[float]:
    out = [0.0] * 24
    for hr, share in rows:
        out[int(hr)] = float(share or 0.0)
    return out


def run_activity_checks(con: duckdb.DuckDBPyConnection, cfg: AuditConfig) -> list[Finding]:
    """The log's checks; :func:`prepare` must have run (the engine runs it before the roll's
    checks, which read the log to tell a family from strangers acting together)."""
    out = check_identity_sharing(con, cfg)
    # Nothing reads the sign-ins or code requests again (the device clusters' chart reads
    # clusters_signins_device): the bursts and the waves run without them in memory.
    for table in ("signins", "codes"):
        con.execute(f"DROP TABLE {table}")
    out += check_device_bursts(con, cfg)
    address_bursts(con, cfg)
    out += check_waves(con, cfg)
    return out + check_address_bursts(con, cfg)


def device_cluster_sizes(con: duckdb.DuckDBPyConnection) -> list[list[int]]:
    return cluster_sizes(con, "signins", "device")
