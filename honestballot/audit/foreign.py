"""One-time codes delivered to a contact that is not the voter's own.

The code for a voter should reach the phone or e-mail on that voter's roll line. A
code that went elsewhere went either to another voter's contact or to a contact on no
roll line. Each (voter, contact) is graded (case: the voter):

* another voter's contact, and the two show a family link (:mod:`household`): low — a
  voter with no phone of their own uses a parent's;
* another voter's contact, no family link: medium; high when that contact received the
  codes of three or more voters unrelated to its owner (a brigade leader collecting his
  workers' codes) - then for every voter whose code went there, since one of a
  brigade may look like a relative by chance;
* a contact on no roll line, for this voter alone: low (a new number); for two or more
  voters: medium.
"""

from __future__ import annotations

import duckdb

from honestballot.audit.collect import collect
from honestballot.audit.config import AuditConfig
from honestballot.audit.findings import Finding, Severity
from honestballot.audit.household import ensure_people, link_sql
from honestballot.audit.why import why_sql


def check_foreign_contacts(con: duckdb.DuckDBPyConnection, cfg: AuditConfig) -> list[Finding]:
    con.execute(
        """CREATE OR REPLACE TEMP TABLE foreign_codes AS
        WITH own AS (SELECT national_id, phone AS contact FROM roll WHERE phone IS NOT NULL
            UNION SELECT national_id, email FROM roll WHERE email IS NOT NULL),
        sent AS (SELECT national_id AS voter, contact, min(line) AS line,
                any_value(name) AS name, any_value(organisation) AS organisation
            FROM codes WHERE contact IS NOT NULL AND national_id IN
                (SELECT national_id FROM roll) GROUP BY ALL),
        foreign_ AS (SELECT s.* FROM sent s ANTI JOIN own o
            ON o.national_id = s.voter AND o.contact = s.contact),
        owner AS (SELECT contact, min(national_id) AS owner FROM own
            WHERE contact IN (SELECT contact FROM foreign_) GROUP BY contact)
        SELECT f.*, o.owner FROM foreign_ f LEFT JOIN owner o USING (contact)"""
    )
    ensure_people(
        con, "SELECT voter AS national_id FROM foreign_codes UNION ALL "
        "SELECT owner FROM foreign_codes WHERE owner IS NOT NULL"
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE foreign_graded AS
        WITH l AS (SELECT f.*, f.owner IS NOT NULL AND {link_sql("a", "b")} AS family
            FROM foreign_codes f LEFT JOIN people a ON a.national_id = f.voter
            LEFT JOIN people b ON b.national_id = f.owner),
        k AS (SELECT contact, count(DISTINCT voter) FILTER (WHERE NOT family) AS strangers
            FROM l GROUP BY contact)
        SELECT l.*, k.strangers,
            CASE WHEN owner IS NOT NULL AND strangers >= 3 THEN 3
                WHEN owner IS NOT NULL AND family THEN 1
                WHEN owner IS NOT NULL THEN 2
                WHEN strangers >= 2 THEN 2 ELSE 1 END AS severity,
            CASE WHEN owner IS NOT NULL AND strangers >= 3 THEN 'collected_codes'
                WHEN owner IS NOT NULL AND family THEN 'family_contact'
                WHEN owner IS NOT NULL THEN 'another_voter'
                WHEN strangers >= 2 THEN 'unknown_many' ELSE 'new_number' END AS why
        FROM l JOIN k USING (contact)"""
    )
    rule = (
        "codes delivered to a contact not on the voter's roll line: low if it is a "
        "relative's (surname, patronymic and age, or home address) or a number on no roll "
        "line used by this voter alone; medium if it is an unrelated voter's, or a number on "
        "no roll line used by two or more; high if one voter's contact received the codes of "
        "three or more voters unrelated to its owner"
    )
    out = []
    for severity, title in (
        (Severity.HIGH, "Codes of several voters collected on one voter's contact"),
        (Severity.MEDIUM, "Codes delivered to another voter's contact or an unknown one"),
        (Severity.LOW, "Codes delivered to a relative's contact or a new number"),
    ):
        out.append(
            collect(
                con,
                check="code.foreign_contact",
                severity=severity,
                title=title,
                rule=rule,
                sql="SELECT contact AS grp, line, voter, name, 'code sent to ' || contact || "
                "CASE WHEN owner IS NOT NULL THEN ' (the contact of ' || owner || ')' "
                f"ELSE ' (on no roll line)' END || '; ' || {why_sql('why')} AS detail, why, "
                f"organisation FROM foreign_graded WHERE severity = {int(severity)}",
                cap=cfg.max_records,
                unit="voters",
            )
        )
    return out
