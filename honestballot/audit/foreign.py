"""One-time codes delivered to a contact that is not the voter's own.

The code for a voter should reach the phone or e-mail on that voter's roll line. A
code that went elsewhere went either to another voter's contact or to a contact on no
roll line. Each (voter, contact) is graded (case: the voter):

* another voter's contact, and the two show a family link (:mod:`household`), or live in
  one locality at ages that fit a parent and child or siblings: low - a voter with no
  phone of their own uses a parent's (the looser locality test never counts against a
  collector: "unrelated" below means no family link);
* another voter's contact, no family link: medium; high when that contact received the
  codes of three or more voters unrelated to its owner (a brigade leader collecting his
  workers' codes) - then for every voter whose code went there, since one of a
  brigade may look like a relative by chance;
* a contact on no roll line, for this voter alone or for voters of one family: low (a
  new number, a parent's phone that is not on the roll); for two unrelated voters:
  medium; for three or more: high, for every voter whose code went there.
"""

from __future__ import annotations

import duckdb

from honestballot.audit.collect import collect
from honestballot.audit.config import AuditConfig
from honestballot.audit.findings import Finding, Severity
from honestballot.audit.household import ensure_people, ensure_roll_voters, link_sql
from honestballot.audit.why import why_sql

#: a contact on more roll lines than this is nobody's family phone (owners not compared)
OWNERS_MAX = 20


def _near_kin(a: str, b: str) -> str:
    """SQL: one locality and ages that fit a parent and child or siblings: a voter with no
    phone of their own using a parent's whose surname and address differ from theirs."""
    gap = f"abs(date_diff('year', {a}.bd, {b}.bd))"
    return (
        f"coalesce({a}.locality = {b}.locality AND ({gap} BETWEEN 15 AND 55 OR {gap} <= 25), FALSE)"
    )


def check_foreign_contacts(con: duckdb.DuckDBPyConnection, cfg: AuditConfig) -> list[Finding]:
    ensure_roll_voters(con)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE foreign_codes AS
        WITH own AS (SELECT national_id, phone AS contact FROM roll WHERE phone IS NOT NULL
            UNION ALL SELECT national_id, email FROM roll WHERE email IS NOT NULL),
        sent AS (SELECT c.voter, c.contact, c.line, v.name, c.organisation FROM
            (SELECT national_id AS voter, contact, min(line) AS line,
                any_value(organisation) AS organisation
            FROM codes WHERE contact IS NOT NULL GROUP BY ALL) c
            JOIN roll_voters v ON v.national_id = c.voter),
        foreign_ AS (SELECT s.* FROM sent s ANTI JOIN own o
            ON o.national_id = s.voter AND o.contact = s.contact),
        -- made distinct only here, where the owners are counted
        owners AS (SELECT DISTINCT contact, national_id AS owner FROM own
            WHERE contact IN (SELECT contact FROM foreign_)),
        n_owners AS (SELECT contact, count(*) AS k FROM owners GROUP BY contact)
        SELECT f.*, o.owner, coalesce(n.k, 0) AS owners
        FROM foreign_ f LEFT JOIN n_owners n USING (contact)
        LEFT JOIN owners o ON o.contact = f.contact AND n.k <= {OWNERS_MAX}
            AND o.owner <> f.voter"""
    )
    ensure_people(
        con,
        "SELECT voter AS national_id FROM foreign_codes UNION ALL "
        "SELECT owner FROM foreign_codes WHERE owner IS NOT NULL",
    )
    # A voter is family at the contact if linked to one of its owners or, for a contact
    # on no roll line, to another voter whose code went there (a parent's phone that is
    # not on the roll).
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE foreign_graded AS
        WITH per_owner AS (SELECT f.voter, f.contact, f.owners,
                f.owner IS NOT NULL AND {link_sql("a", "b")} AS linked,
                f.owner IS NOT NULL AND {_near_kin("a", "b")} AS near0
            FROM foreign_codes f LEFT JOIN people a ON a.national_id = f.voter
            LEFT JOIN people b ON b.national_id = f.owner),
        fam AS (SELECT voter, contact, any_value(owners) AS owners, bool_or(linked) AS family,
                bool_or(near0) AS near FROM per_owner GROUP BY ALL),
        peers AS (SELECT x.voter, x.contact, bool_or({link_sql("a", "b")}) AS linked
            FROM fam x JOIN fam y ON x.contact = y.contact AND x.voter <> y.voter
            JOIN people a ON a.national_id = x.voter JOIN people b ON b.national_id = y.voter
            WHERE x.owners = 0 GROUP BY ALL),
        l AS (SELECT d.*, fam.owners, fam.near, CASE WHEN fam.owners = 0
                THEN coalesce(peers.linked, FALSE) ELSE fam.family END AS family
            FROM (SELECT voter, contact, min(line) AS line, any_value(name) AS name,
                any_value(organisation) AS organisation FROM foreign_codes GROUP BY ALL) d
            JOIN fam USING (voter, contact) LEFT JOIN peers USING (voter, contact)),
        k AS (SELECT contact, count(DISTINCT voter) FILTER (WHERE NOT family) AS strangers
            FROM l GROUP BY contact)
        SELECT l.*, k.strangers,
            CASE WHEN strangers >= 3 THEN 3
                WHEN family OR near THEN 1
                WHEN owners > 0 THEN 2
                WHEN strangers >= 2 THEN 2 ELSE 1 END AS severity,
            CASE WHEN strangers >= 3 THEN 'collected_codes'
                WHEN family OR near THEN 'family_contact'
                WHEN owners > 0 THEN 'another_voter'
                WHEN strangers >= 2 THEN 'unknown_many' ELSE 'new_number' END AS why
        FROM l JOIN k USING (contact)"""
    )
    rule = (
        "codes delivered to a contact not on the voter's roll line: low if it is a "
        "relative's (surname, patronymic and age, or home address) or a number on no roll "
        "line used by this voter alone; medium if it is an unrelated voter's, or a number on "
        "no roll line used by two unrelated voters; high if a contact received the codes of "
        "three or more voters unrelated to its owner (or to each other, for a contact on no "
        "roll line)"
    )
    out = []
    for severity, title, variant in (
        (Severity.HIGH, "Codes of several voters collected on one voter's contact", "collected"),
        (
            Severity.MEDIUM,
            "Codes delivered to another voter's contact or an unknown one",
            "foreign",
        ),
        (Severity.LOW, "Codes delivered to a relative's contact or a new number", "relative"),
    ):
        out.append(
            collect(
                con,
                check="code.foreign_contact",
                severity=severity,
                title=title,
                rule=rule,
                sql="SELECT contact AS grp, line, voter, name, 'code sent to ' || contact || "
                "CASE WHEN owners > 0 THEN ' (the contact of ' || owners || "
                "' voter(s) on the roll)' "
                f"ELSE ' (on no roll line)' END || '; ' || {why_sql('why')} AS detail, why, "
                f"organisation FROM foreign_graded WHERE severity = {int(severity)}",
                cap=cfg.max_records,
                per_voter=cfg.revoting,
                unit="voters",
                params={"variant": variant},
            )
        )
    return out
