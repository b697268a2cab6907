"""Checks on the voter roll alone (table ``roll``, see :mod:`schema`).

National IDs (check digit, duplicates, IIN birth date), impossible birth dates,
voters sharing a phone or e-mail, enrolments in closed windows, unconfirmed
identities, and enrolment bursts per operator. The national ID is the only hard
uniqueness rule; a shared phone or e-mail is graded by cluster size.

A row whose birth date or enrolment time is unknown (empty) is still audited; the
checks that need the value pass over it, and their rule says how many rows that was
(:func:`unknown_counts`), so that a count of 0 is never read as "all checked".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from honestballot.audit.collect import collect, scalar
from honestballot.audit.config import AuditConfig, ClusterTiers
from honestballot.audit.findings import Finding, Severity
from honestballot.audit.household import cluster_evidence, ensure_roll_voters, grade_sql
from honestballot.audit.ids import sql_id_check
from honestballot.audit.pacing import check_pacing
from honestballot.audit.why import why_sql

_KIND = "coalesce(id_kind, CASE length(national_id) WHEN 12 THEN 'iin' WHEN 11 THEN 'snils' END)"
_BASE = "grp, line, national_id AS voter, name"
#: roll values that may be unknown: name in reports -> SQL true when the row lacks it
UNKNOWN: dict[str, str] = {
    "birth_date": "birth_date IS NULL AND birth_date_text IS NULL",
    "enrolled_at": "enrolled_at IS NULL",
    "organisation": "organisation IS NULL",
}


def unknown_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many audited roll rows have no value for each column in :data:`UNKNOWN`.

    Counted in one pass, once per connection (kept in ``roll_without``): several checks'
    rules quote these numbers.
    """
    counts = ", ".join(
        f'count(*) FILTER (WHERE {cond}) AS "{name}"' for name, cond in UNKNOWN.items()
    )
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS roll_without AS SELECT {counts} FROM roll")
    row = con.execute("SELECT * FROM roll_without").fetchone()
    return {name: int(n) for name, n in zip(UNKNOWN, row or (0,) * len(UNKNOWN), strict=True)}


def _not_applied(con: duckdb.DuckDBPyConnection, column: str, what: str) -> str:
    """The end of a rule: the rows the check passed over for want of ``column``."""
    n = unknown_counts(con)[column]
    return f"; not applied to {n:,} row(s) without {what}" if n else ""


def _skipped(con: duckdb.DuckDBPyConnection, column: str) -> dict[str, Any]:
    """The finding's params naming the rows passed over for want of ``column``."""
    n = unknown_counts(con)[column]
    return {"skipped": n, "skipped_column": column} if n else {}


def check_ids(con: duckdb.DuckDBPyConnection, cfg: AuditConfig) -> list[Finding]:
    ensure_roll_voters(con)
    # The flagged rows keep what their records show, so the roll is scanned once here.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE roll_idcheck AS SELECT * FROM ("
        + sql_id_check("roll", "national_id", _KIND, "line, national_id, name, birth_date")
        + ") WHERE problem IS NOT NULL OR iin_date <> birth_date"
    )
    bad_digit = collect(
        con,
        check="id.check_digit",
        severity=Severity.HIGH,
        title="National IDs that fail their check (IIN or SNILS)",
        rule="IIN control digit (weights 1..11, then 3..11,1,2, mod 11), century digit "
        "and encoded date; SNILS checksum mod 101 above 001-001-998; kind from id_kind "
        "or length (12 = IIN, 11 = SNILS)",
        sql="SELECT NULL AS grp, line, national_id AS voter, name, "
        "coalesce(kind, 'unknown kind') || ': ' || problem AS detail FROM roll_idcheck "
        "WHERE problem IS NOT NULL",
        cap=cfg.max_records,
    )
    duplicate = collect(
        con,
        check="id.duplicate",
        severity=Severity.CRITICAL,
        title="National IDs that appear on more than one row",
        rule="the national ID is the one hard uniqueness rule: any repeat is a finding",
        sql="WITH d AS (SELECT national_id AS grp, lines AS n FROM roll_voters "
        "WHERE lines > 1) SELECT d.grp, line, national_id AS voter, name, "
        "'ID on ' || n || ' rows' AS detail, organisation, operator "
        "FROM roll JOIN d ON roll.national_id = d.grp",
        cap=cfg.max_records,
    )
    mismatch = collect(
        con,
        check="id.birth_date_mismatch",
        severity=Severity.MEDIUM,
        title="IINs whose encoded birth date differs from the roll's birth date",
        rule="valid IIN, YYMMDD + century digit != birth_date"
        + _not_applied(con, "birth_date", "a birth date"),
        sql="SELECT NULL AS grp, line, national_id AS voter, name, "
        "'IIN says ' || iin_date || ', roll says ' || birth_date AS detail FROM roll_idcheck "
        "WHERE iin_date <> birth_date",
        cap=cfg.max_records,
        params=_skipped(con, "birth_date"),
    )
    return [bad_digit, duplicate, mismatch]


def reference_day(con: duckdb.DuckDBPyConnection, cfg: AuditConfig) -> dt.date:
    if cfg.as_of is not None:
        return cfg.as_of
    latest = scalar(con, "SELECT max(enrolled_at)::DATE FROM roll")
    return latest if isinstance(latest, dt.date) else dt.date.today()


def check_birth_dates(con: duckdb.DuckDBPyConnection, cfg: AuditConfig) -> list[Finding]:
    day = reference_day(con, cfg).isoformat()
    unknown = _not_applied(con, "birth_date", "a birth date")
    # A birth date with text but no value is a well-shaped day the calendar lacks
    # (2001-02-30); one with no text is unknown, and no finding.
    impossible = collect(
        con,
        check="roll.impossible_birth_date",
        severity=Severity.HIGH,
        title="Birth dates that cannot be real (no such day, or after the reference day)",
        rule=f"birth_date is not a calendar date, or later than {day}{unknown}",
        sql=f"SELECT {_BASE}, CASE WHEN birth_date IS NULL THEN 'no such calendar date: ' "
        f"|| birth_date_text ELSE 'born ' || birth_date || ', after ' || DATE '{day}' END "
        f"AS detail FROM (SELECT *, NULL AS grp FROM roll) WHERE (birth_date IS NULL AND "
        f"birth_date_text IS NOT NULL) OR birth_date > DATE '{day}'",
        cap=cfg.max_records,
        params={"day": day, **_skipped(con, "birth_date")},
    )
    age = collect(
        con,
        check="roll.implausible_age",
        severity=Severity.MEDIUM,
        title=f"Voters younger than {cfg.min_age} or older than {cfg.max_age}",
        rule=f"age on {day} outside {cfg.min_age}..{cfg.max_age} years{unknown}",
        sql=f"SELECT {_BASE}, 'born ' || birth_date AS detail FROM "
        f"(SELECT *, NULL AS grp FROM roll) WHERE birth_date <= DATE '{day}' AND "
        f"(birth_date > DATE '{day}' - INTERVAL {cfg.min_age} YEAR "
        f"OR birth_date < DATE '{day}' - INTERVAL {cfg.max_age} YEAR)",
        cap=cfg.max_records,
        params={
            "day": day,
            "min": cfg.min_age,
            "max": cfg.max_age,
            **_skipped(con, "birth_date"),
        },
    )
    return [impossible, age]


def _clusters(con: duckdb.DuckDBPyConnection, source: str, key: str) -> str:
    """The table of every cluster of two or more distinct voters sharing ``key``.

    Made once per connection and shared by the findings and the size chart. Only keys on
    two or more rows (a cheap superset of the clusters) are aggregated in full.
    """
    table = f"clusters_{source}_{key}"
    if _exists(con, table):
        # made: ``source`` may be gone (the log's tables are dropped once every check that
        # reads them has run; the chart reads this table after that)
        return table
    # Each distinct list is made once and counted (a DISTINCT aggregate would build a
    # hash table of its own per column).
    con.execute(
        f"CREATE TEMP TABLE {table} AS SELECT grp, len(ids) AS size, "
        f"len(orgs) AS orgs, len(ops) AS ops, "
        f"array_to_string(list_sort(orgs)[1:3], ', ') AS org_list, "
        f"array_to_string(list_sort(ops)[1:3], ', ') AS op_list FROM ("
        f"SELECT {key} AS grp, list_distinct(list(national_id)) AS ids, "
        f"list_distinct(list(organisation)) AS orgs, list_distinct(list(operator)) AS ops "
        f"FROM {source} WHERE {key} IN (SELECT {key} FROM {source} WHERE {key} IS NOT NULL "
        f"GROUP BY {key} HAVING count(*) >= 2) GROUP BY 1) WHERE len(ids) >= 2"
    )
    return table


def cluster_findings(
    con: duckdb.DuckDBPyConnection,
    *,
    source: str,
    key: str,
    check: str,
    noun: str,
    tiers: ClusterTiers,
    cap: int,
    per_voter: bool = False,
) -> list[Finding]:
    """Graded clusters of distinct voters sharing ``key`` in ``source`` (roll-shaped rows).

    Each record names the cluster's size and the organisations and operators it spans.
    The records of all bands are joined out of ``source`` in one pass. ``per_voter`` (a
    log of an election with re-voting protection, which holds each voter's first sign-in
    only: :func:`~honestballot.audit.checks_activity.cut_log`): no record has a line.
    """
    clusters = _clusters(con, source, key)
    name, names = _names(source)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _cluster_records AS SELECT c.grp, s.line, "
        f"s.national_id AS voter, {name} AS name, "
        f"'cluster of ' || c.size || '; organisations (' || c.orgs || '): ' || "
        f"coalesce(c.org_list, '') || '; operators (' || c.ops || '): ' || "
        f"coalesce(c.op_list, '') AS detail, s.organisation, s.operator, c.size "
        f"FROM {source} s JOIN {clusters} c ON s.{key} = c.grp {names}"
        f"WHERE c.size >= {tiers.low}"
        # one record per voter in the log (its first line), per line in the roll
        + (
            ""
            if source == "roll"
            else f" QUALIFY row_number() OVER (PARTITION BY s.{key}, s.national_id "
            f"ORDER BY s.line) = 1"
        )
    )
    bands = [
        (Severity.HIGH, tiers.high, 1 << 62),
        (Severity.MEDIUM, tiers.medium, tiers.high),
        (Severity.LOW, tiers.low, tiers.medium),
    ]
    out = []
    for severity, lo, hi in bands:
        if lo >= hi:
            continue
        out.append(
            collect(
                con,
                check=check,
                severity=severity,
                title=f"Voters sharing one {noun} (clusters of {lo}"
                + ("+" if hi > 1 << 61 else "" if hi - 1 == lo else f"-{hi - 1}")
                + " voters)",
                rule=f"distinct national IDs per {noun}: low >= {tiers.low}, "
                f"medium >= {tiers.medium}, high >= {tiers.high}",
                sql="SELECT * EXCLUDE (size) FROM _cluster_records "
                f"WHERE size >= {lo} AND size < {hi}",
                cap=cap,
                per_voter=per_voter,
                unit="voters",
                params={
                    "size": f"{lo}"
                    + ("+" if hi > 1 << 61 else "" if hi - 1 == lo else f"–{hi - 1}"),
                    "low": tiers.low,
                    "medium": tiers.medium,
                    "high": tiers.high,
                },
            )
        )
    con.execute("DROP TABLE _cluster_records")
    return out


def _names(source: str) -> tuple[str, str]:
    """SQL: a record's name, and the join that gives it, for rows ``s`` of ``source``.

    The roll's lines carry their names; the log's tables (``signins``, ``codes``) do not
    (:func:`~honestballot.audit.checks_activity.prepare`): their members take the name
    from ``roll_voters`` (NULL for a voter not on the roll).
    """
    if source == "roll":
        return "s.name", ""
    return "nv.name", "LEFT JOIN roll_voters nv ON nv.national_id = s.national_id "


def _members(con: duckdb.DuckDBPyConnection, source: str, key: str) -> str:
    """SQL: ``grp, national_id`` of the members of the clusters sharing ``key``."""
    return (
        f"SELECT {key} AS grp, national_id FROM {source} WHERE {key} IN "
        f"(SELECT grp FROM {_clusters(con, source, key)})"
    )


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?", [table]
    ).fetchone()
    return bool(found and found[0])


#: the log's graded clusters, (source, key) -> whether their evidence reads the log's
#: sign-ins (a device's does not: its members signed in on it)
LOG_CLUSTERS = {("signins", "device"): False, ("codes", "contact"): True}


def gather_evidence(con: duckdb.DuckDBPyConnection, with_activity: bool) -> None:
    """The evidence of every graded cluster kind, in one pass (:func:`cluster_evidence`):
    shared phones and e-mails, and with the log devices and code contacts. Each table is
    named ``evidence_{source}_{key}``; :func:`graded_cluster_findings` reads it."""
    kinds = [("roll", "phone", with_activity), ("roll", "email", with_activity)]
    if with_activity:
        kinds += [(source, key, log) for (source, key), log in LOG_CLUSTERS.items()]
    cluster_evidence(
        con,
        {
            f"evidence_{source}_{key}": (_members(con, source, key), log)
            for source, key, log in kinds
        },
    )


def cluster_sizes(con: duckdb.DuckDBPyConnection, source: str, key: str) -> list[list[int]]:
    """``[size, clusters]`` pairs for clusters of two or more voters (for the chart)."""
    rows = con.execute(
        f"SELECT size, count(*) FROM {_clusters(con, source, key)} GROUP BY size ORDER BY size"
    ).fetchall()
    return [[int(s), int(n)] for s, n in rows]


def graded_cluster_findings(
    con: duckdb.DuckDBPyConnection,
    *,
    source: str,
    key: str,
    check: str,
    noun: str,
    kind: str,
    with_activity: bool,
    cap: int,
    collected: str = "",
    owners_apart: str = "",
    per_voter: bool = False,
) -> list[Finding]:
    """Clusters of voters sharing ``key``, graded on the evidence (:mod:`household`).

    ``collected``, if given, is SQL listing the keys (``grp``) that received codes of
    two or more voters for whom the key is not their own and who are not the owner's
    family: high whatever else holds (:mod:`foreign`), except for the members that
    ``owners_apart`` lists (SQL giving ``grp, national_id``): the key's owners' family,
    whose own contact it is and who sign in apart from the collected voters (low,
    ``owner_family``).

    ``per_voter`` (a log of an election with re-voting protection, which holds each
    voter's first sign-in and first code request only): no record has a line.

    One record per member (per roll line for the roll, per voter for the log: the first
    line of that voter's events with the key). Each record names the cluster's size,
    the members with no family link, and why the cluster has its severity (``why``, a
    code of the ru/kk/en catalogue in :mod:`why`).
    """
    clusters = _clusters(con, source, key)
    evidence = f"evidence_{source}_{key}"
    if not _exists(con, evidence):
        cluster_evidence(con, {evidence: (_members(con, source, key), with_activity)})
    per_line = (
        ""
        if source == "roll"
        else f" QUALIFY row_number() OVER (PARTITION BY s.{key}, s.national_id ORDER BY s.line) = 1"
    )
    graded = f"SELECT *, {grade_sql(kind)} FROM {evidence}"
    if collected:
        graded = (
            f"SELECT * REPLACE (CASE WHEN grp IN ({collected}) THEN 3 ELSE severity END "
            f"AS severity, CASE WHEN grp IN ({collected}) THEN 'collected_codes' ELSE why END "
            f"AS why) FROM ({graded})"
        )
    # a member's own grade where it differs from the cluster's
    member_severity, member_why = "e.severity", "e.why"
    apart = ""
    if owners_apart:
        apart = (
            f"LEFT JOIN (SELECT DISTINCT grp, national_id, TRUE AS apart FROM ({owners_apart}) o) "
            f"o ON o.grp = c.grp AND o.national_id = s.national_id "
        )
        member_severity = "CASE WHEN o.apart THEN 1 ELSE e.severity END"
        member_why = "CASE WHEN o.apart THEN 'owner_family' ELSE e.why END"
    name, names = _names(source)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _cluster_records AS SELECT c.grp, s.line, "
        f"s.national_id AS voter, {name} AS name, {member_why} AS why, s.organisation, "
        f"s.operator, {member_severity} AS severity, c.size, e.unrelated, c.orgs, "
        f"c.org_list, c.ops, c.op_list FROM {source} s JOIN {clusters} c ON s.{key} = c.grp "
        f"JOIN ({graded}) e ON e.grp = c.grp {names}" + apart + per_line
    )
    rule = (
        f"distinct national IDs per {noun}, graded on the evidence: low for a pair, a "
        f"household (members linked by surname stem, patronymic and age, or home address) "
        f"or one village or organisation"
        + (
            "; medium for three or more unrelated people on one device, high for six or "
            "more or for people one operator enrolled within a week"
            if kind == "device"
            else " (for an e-mail address, colleagues on their organisation's own domain, "
            "not a public mail service); high when members with no family link sign in from "
            "one device, or three or more from a small address other than their "
            "organisation's own network, or one operator entered six or more within a week "
            "(medium below six); medium for three to nine unrelated people, high for ten or "
            "more"
        )
        + (
            "; at a contact that received other voters' codes, its owner's relatives who "
            "signed in apart from those voters are low"
            if owners_apart
            else ""
        )
    )
    # the record's text, made only for the records listed (a band can hold far more)
    listed = (
        "grp, line, voter, name, 'cluster of ' || size || '; with no family link ' || "
        "unrelated || '; organisations (' || orgs || '): ' || coalesce(org_list, '') || "
        "'; operators (' || ops || '): ' || coalesce(op_list, '') || '; ' || "
        f"{why_sql('why')} AS detail, why, organisation, operator"
    )
    out = []
    for severity in (Severity.HIGH, Severity.MEDIUM, Severity.LOW):
        out.append(
            collect(
                con,
                check=check,
                severity=severity,
                title=f"Voters sharing one {noun} ({severity.label}: "
                + _BAND_TITLE[severity]
                + ")",
                rule=rule,
                sql=f"SELECT * EXCLUDE (severity) FROM _cluster_records "
                f"WHERE severity = {int(severity)}",
                listed=listed,
                cap=cap,
                per_voter=per_voter,
                unit="voters",
                # the organiser's page says it from the catalogue (web/strings_audit.py)
                params={"variant": _BAND_VARIANT[severity]},
            )
        )
    con.execute("DROP TABLE _cluster_records")
    return out


#: the title variant of each severity band, in the catalogue (web/strings_audit.py)
_BAND_VARIANT = {Severity.HIGH: "high", Severity.MEDIUM: "medium", Severity.LOW: "low"}

_BAND_TITLE = {
    Severity.HIGH: "strangers acting together or a large cluster",
    Severity.MEDIUM: "unrelated people",
    Severity.LOW: "a pair, a family or a community",
}


def check_contacts(
    con: duckdb.DuckDBPyConnection, cfg: AuditConfig, with_activity: bool = False
) -> list[Finding]:
    # the log's clusters (checks_activity) are graded in the same pass
    gather_evidence(con, with_activity)
    return graded_cluster_findings(
        con,
        source="roll",
        key="phone",
        check="contact.shared_phone",
        noun="phone number",
        kind="contact",
        with_activity=with_activity,
        cap=cfg.max_records,
    ) + graded_cluster_findings(
        con,
        source="roll",
        key="email",
        check="contact.shared_email",
        noun="e-mail address",
        kind="contact",
        with_activity=with_activity,
        cap=cfg.max_records,
    )


def _in_windows(cfg: AuditConfig) -> str:
    if not cfg.closed_windows:
        return "FALSE"
    return (
        "("
        + " OR ".join(
            f"(enrolled_at >= TIMESTAMP '{w.start.isoformat(sep=' ')}' "
            f"AND enrolled_at < TIMESTAMP '{w.end.isoformat(sep=' ')}')"
            for w in cfg.closed_windows
        )
        + ")"
    )


def check_enrolment(con: duckdb.DuckDBPyConnection, cfg: AuditConfig) -> list[Finding]:
    inside = _in_windows(cfg)
    windows = (
        ", ".join(f"{w.start:%Y-%m-%d %H:%M}/{w.end:%Y-%m-%d %H:%M}" for w in cfg.closed_windows)
        or "none configured"
    )
    undated = _not_applied(con, "enrolled_at", "an enrolment time")
    out = []
    for severity, confirmed in ((Severity.CRITICAL, False), (Severity.HIGH, True)):
        state = "confirmed" if confirmed else "never confirmed"
        out.append(
            collect(
                con,
                check="enrol.closed_window",
                severity=severity,
                title=f"Enrolled while enrolment was closed ({state})",
                rule=f"enrolled_at inside a closed window ({windows})"
                + (undated if cfg.closed_windows else ""),
                sql=f"SELECT operator AS grp, line, national_id AS voter, name, "
                f"'enrolled ' || enrolled_at || ' by ' || coalesce(operator, 'self') AS detail, "
                f"organisation, operator FROM roll WHERE {inside} AND confirmed = {confirmed}",
                cap=cfg.max_records,
                params={
                    "variant": "confirmed" if confirmed else "unconfirmed",
                    "windows": windows if cfg.closed_windows else "—",
                    **(_skipped(con, "enrolled_at") if cfg.closed_windows else {}),
                },
            )
        )
    out.append(
        collect(
            con,
            check="enrol.unconfirmed",
            severity=Severity.MEDIUM,
            title="Identities never confirmed",
            rule="confirmed is false",
            sql="SELECT organisation AS grp, line, national_id AS voter, name, "
            "'unconfirmed; enrolled ' || coalesce(enrolled_at::VARCHAR, 'at an unknown time') "
            "AS detail, organisation, operator "
            "FROM roll WHERE NOT confirmed",
            cap=cfg.max_records,
        )
    )
    return out


def enrolment_series(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Enrolments per hour or per day (whichever gives a readable chart)."""
    span = scalar(con, "SELECT date_diff('hour', min(enrolled_at), max(enrolled_at)) FROM roll")
    unit = "hour" if isinstance(span, int) and span <= 96 else "day"
    rows = con.execute(
        f"SELECT date_trunc('{unit}', enrolled_at) AS t, count(*) FROM roll "
        f"WHERE enrolled_at IS NOT NULL GROUP BY t ORDER BY t"
    ).fetchall()
    return {"unit": unit, "points": [[t.isoformat(), int(n)] for t, n in rows]}


def run_roll_checks(
    con: duckdb.DuckDBPyConnection, cfg: AuditConfig, with_activity: bool = False
) -> list[Finding]:
    return (
        check_ids(con, cfg)
        + check_birth_dates(con, cfg)
        + check_contacts(con, cfg, with_activity)
        + check_enrolment(con, cfg)
        + check_pacing(con, cfg)
    )
