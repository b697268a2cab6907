"""A synthetic voter roll and activity log with injected patterns and their ground truth.

Everything is generated inside DuckDB from ``range(n)`` and a seeded hash, so ten
million rows take seconds and the same seed gives the same files. The injected
patterns are the ones real primaries suffered (see docs/audit.md); the legitimate
background is built to look like them at a small scale (couples sharing a phone or
a tablet, carrier NAT addresses, a busy but honest registrar) so that precision is
measured against realistic noise, not against silence.

Ground truth is a JSON file: for each check, the key it is measured on (roll
``line``, activity ``voter``, or ``organisation``) and the values that were injected.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import duckdb

from honestballot.audit.findings import AuditInputError
from honestballot.audit.ids import sql_iin_control, sql_snils_checksum

CLOSED_WINDOW = (dt.datetime(2023, 9, 1), dt.datetime(2023, 9, 15))
ENROL_START = dt.datetime(2023, 1, 1)
VOTING_DAY = dt.datetime(2024, 2, 1, 8, 0)
MIN_ROWS = 5000
SHARED_CONTACT = "77475550000"
OFFICE_ADDRESS = "203.0.113.10"
BOSS_ADDRESS = "192.0.2.77"

_FIRST = [
    "Aigerim",
    "Nurlan",
    "Dana",
    "Yerlan",
    "Olga",
    "Ivan",
    "Madina",
    "Sergei",
    "Aruzhan",
    "Timur",
    "Elena",
    "Askar",
    "Zhanna",
    "Dmitry",
    "Saule",
    "Marat",
]
_LAST = [
    "Akhmetov",
    "Ivanova",
    "Nurpeisova",
    "Smirnov",
    "Seitkali",
    "Petrova",
    "Omarov",
    "Kuznetsova",
    "Bekova",
    "Sokolov",
    "Zhaksylykov",
    "Volkova",
]


@dataclass(frozen=True)
class SynthPaths:
    roll: Path
    activity: Path | None
    truth: Path


@dataclass(frozen=True)
class _Regions:
    """Index ranges ``[start, end)`` of rows carrying each injected roll pattern."""

    n: int

    def layout(self) -> dict[str, tuple[int, int]]:
        n = self.n
        sizes = {
            "phone": 105 + 279 + 12 * (n // 5000),
            "email": 40 + 15 * (n // 10000),
            "closed": min(2466, n // 8),
            "burst": 60 + 120 + 300,
            "busy": 20,
            "workplace": 200,
            "boss": 50,
            "contact": 25,
            "session": 6,
        }
        out: dict[str, tuple[int, int]] = {}
        start = 100
        for name, size in sizes.items():
            out[name] = (start, start + size)
            start += size
        return out


def _in(region: tuple[int, int]) -> str:
    return f"(i >= {region[0]} AND i < {region[1]})"


def _roll_sql(n: int, seed: int, r: dict[str, tuple[int, int]]) -> str:
    first = "[" + ", ".join(f"'{x}'" for x in _FIRST) + "]"
    last = "[" + ", ".join(f"'{x}'" for x in _LAST) + "]"
    orgs = max(20, n // 500)
    units = max(5, n // 2000)
    ops = max(10, n // 2000)
    enrol_span = int((dt.datetime(2024, 1, 1) - ENROL_START).total_seconds())
    closed_len = int((CLOSED_WINDOW[1] - CLOSED_WINDOW[0]).total_seconds())
    closed_off = int((CLOSED_WINDOW[0] - ENROL_START).total_seconds())
    p0, e0, c0 = r["phone"][0], r["email"][0], r["closed"][0]
    b0, busy0 = r["burst"][0], r["busy"][0]

    def u(salt: int, col: str = "i") -> str:
        return f"((hash({col}, {salt}, {seed}) % 1000003) / 1000003.0)"

    iin11 = (
        "strftime(bd, '%y%m%d') || ((CASE WHEN year(bd) >= 2000 THEN 5 ELSE 3 END) + "
        "sex)::VARCHAR || lpad((serial0 + {a})::VARCHAR, 4, '0')"
    )
    return f"""
    WITH base AS (
        SELECT i, {u(1)} AS u_kind, CAST({u(2)} < 0.5 AS INTEGER) AS sex, {u(50)} AS u_pat,
            {u(50, "i - 1")} AS u_prev,
            DATE '1950-01-01' + CAST((i * 7919) % 20000 AS INTEGER) AS bd,
            (i // 20000) * 3 AS serial0
        FROM range({n}) t(i)),
    cand AS (SELECT *, {iin11.format(a=0)} AS s0, {iin11.format(a=1)} AS s1,
        {iin11.format(a=2)} AS s2, lpad((1001999 + i * 37)::VARCHAR, 9, '0') AS num9 FROM base),
    ctl AS (SELECT *, {sql_iin_control("s0")} AS k0, {sql_iin_control("s1")} AS k1,
        {sql_iin_control("s2")} AS k2, {sql_snils_checksum("num9")} AS sk FROM cand),
    ids AS (SELECT *, CASE WHEN u_kind < 0.7 THEN CASE WHEN k0 >= 0 THEN s0 || k0
            WHEN k1 >= 0 THEN s1 || k1 WHEN k2 >= 0 THEN s2 || k2 END END AS iin,
        num9 || lpad(sk::VARCHAR, 2, '0') AS snils FROM ctl),
    person AS (SELECT *, coalesce(iin, snils) AS pid,
        CASE WHEN u_pat < 0.002 THEN 'bad_digit'
             WHEN u_pat < 0.003 AND u_prev >= 0.01 AND i > 0 THEN 'duplicate'
             WHEN u_pat < 0.005 AND iin IS NOT NULL THEN 'mismatch'
             WHEN u_pat < 0.006 AND iin IS NULL THEN 'impossible' END AS pattern,
        {first}[1 + CAST(hash(i, 3, {seed}) % {len(_FIRST)} AS INTEGER)] || ' ' ||
        {last}[1 + CAST(hash(i, 4, {seed}) % {len(_LAST)} AS INTEGER)] AS name0
        FROM ids),
    linked AS (SELECT *, lag(pid) OVER (ORDER BY i) AS prev_pid,
        lag(bd) OVER (ORDER BY i) AS prev_bd, lag(name0) OVER (ORDER BY i) AS prev_name
        FROM person)
    SELECT i, i + 2 AS line, pattern,
        CASE WHEN pattern = 'bad_digit' THEN left(pid, length(pid) - 1) ||
                ((CAST(right(pid, 1) AS INTEGER) + 1) % 10)::VARCHAR
             WHEN pattern = 'duplicate' THEN prev_pid ELSE pid END AS national_id,
        CASE WHEN pattern = 'duplicate' THEN prev_name ELSE name0 END AS name,
        CASE WHEN pattern = 'duplicate' THEN strftime(prev_bd, '%Y-%m-%d')
             WHEN pattern = 'mismatch' THEN strftime(bd + 1 + CAST(hash(i, 5) % 300 AS INTEGER),
                '%Y-%m-%d')
             WHEN pattern = 'impossible' THEN CASE WHEN {u(6)} < 0.5 THEN '2001-02-30'
                ELSE '2031-05-01' END
             ELSE strftime(bd, '%Y-%m-%d') END AS birth_date,
        CASE WHEN {_in(r["phone"])} THEN '+7 777 000 ' || lpad((CASE WHEN i - {p0} < 105 THEN 0
                WHEN i - {p0} < 384 THEN 1 ELSE 2 + (i - {p0} - 384) // 12 END)::VARCHAR, 4, '0')
             WHEN i % 2 = 1 AND {u(7, "i - 1")} < 0.02
                THEN '+7700' || lpad((i - 1)::VARCHAR, 7, '0')
             WHEN {u(8)} < 0.05 THEN ''
             ELSE '+7700' || lpad(i::VARCHAR, 7, '0') END AS phone,
        CASE WHEN {_in(r["email"])} THEN 'team' || (CASE WHEN i - {e0} < 40 THEN 0
                ELSE 1 + (i - {e0} - 40) // 15 END) || '+' || i || '@party.example'
             WHEN {u(9)} < 0.2 THEN '' ELSE 'v' || i || '@mail.example' END AS email,
        'unit-' || (hash(i, 10, {seed}) % {units}) AS unit,
        CASE WHEN {_in(r["workplace"])} THEN 'org-workplace'
             WHEN {_in(r["boss"])} THEN 'org-boss'
             ELSE 'org-' || (hash(i, 11, {seed}) % {orgs}) END AS organisation,
        CASE WHEN {_in(r["burst"])} THEN 'op-burst-' || (CASE WHEN i - {b0} < 60 THEN 1
                WHEN i - {b0} < 180 THEN 2 ELSE 3 END)
             WHEN {_in(r["busy"])} THEN 'op-busy'
             WHEN {u(12)} < 0.4 THEN '' ELSE 'op-' || (hash(i, 13, {seed}) % {ops}) END
            AS operator,
        strftime(TIMESTAMP '{ENROL_START}' + to_seconds(CAST(CASE
            WHEN {_in(r["closed"])} THEN {closed_off} + ((i - {c0}) * 7919) % {closed_len}
            WHEN {_in(r["burst"])} THEN CASE WHEN i - {b0} < 60 THEN 3000000 + (i - {b0}) * 8
                WHEN i - {b0} < 180 THEN 4000000 + (i - {b0}) * 5
                ELSE 5000000 + (i - {b0}) * 5 END
            WHEN {_in(r["busy"])} THEN 6000000 + (i - {busy0}) * 59
            ELSE (CAST({u(14)} * ({enrol_span} - {closed_len}) AS BIGINT) + 0)
                + CASE WHEN {u(14)} * ({enrol_span} - {closed_len}) >= {closed_off}
                  THEN {closed_len} ELSE 0 END END AS BIGINT)),
            '%Y-%m-%d %H:%M:%S') AS enrolled_at,
        CASE WHEN {_in(r["closed"])} THEN CASE WHEN {u(15)} < 0.9 THEN 'no' ELSE 'yes' END
             WHEN {u(16)} < 0.01 THEN 'no' ELSE 'yes' END AS confirmed,
        {u(17)} < 0.6 OR {_in(r["workplace"])} OR {_in(r["boss"])} OR {_in(r["contact"])}
            OR {_in(r["session"])} AS votes,
        i % 2 = 1 AND {u(7, "i - 1")} < 0.02 AND NOT {_in(r["phone"])} AS family
    FROM linked"""


def _activity_sql(seed: int, r: dict[str, tuple[int, int]]) -> str:
    def u(salt: int) -> str:
        return f"((hash(i, {salt}, {seed}) % 1000003) / 1000003.0)"

    b0 = r["boss"][0]
    minute = f"""CASE
        WHEN {_in(r["workplace"])} AND {u(70)} < 0.9 THEN 60 + 40 * {u(72)}
        WHEN {_in(r["boss"])} THEN 120 + (i - {b0}) * 0.4
        WHEN {u(71)} < 0.5 THEN 719 * {u(72)}
        WHEN {u(71)} < 0.8 THEN 300 + ({u(72)} + {u(73)} - 1) * 120
        ELSE 600 + ({u(72)} + {u(73)} - 1) * 90 END"""
    return f"""
    WITH v AS (
        SELECT i, replace(replace(national_id, '-', ''), ' ', '') AS voter,
            TIMESTAMP '{VOTING_DAY}' + to_seconds(CAST(60 * ({minute}) AS BIGINT)) AS t,
            CASE WHEN {_in(r["boss"])} THEN 'dev-boss'
                 WHEN family AND {u(74)} < 0.5 THEN 'dev-' || (i - 1)
                 ELSE 'dev-' || i END AS device,
            CASE WHEN {_in(r["workplace"])} AND {u(70)} < 0.9 THEN '{OFFICE_ADDRESS}'
                 WHEN {_in(r["boss"])} THEN '{BOSS_ADDRESS}'
                 WHEN {u(75)} < 0.7 THEN '100.64.0.' || (1 + hash(i, 76, {seed}) % 3)
                 ELSE '10.' || ((i >> 16) & 255) || '.' || ((i >> 8) & 255) || '.' || (i & 255)
                 END AS address,
            CASE WHEN {_in(r["session"])} THEN 'sess-shared' ELSE 's-' || i END AS session,
            CASE WHEN {_in(r["contact"])} THEN '{SHARED_CONTACT}'
                 WHEN phone <> '' THEN phone ELSE email END AS contact,
            CASE WHEN {u(77)} < 0.5 THEN 'Mozilla/5.0 (Android 14) Chrome/121'
                 ELSE 'Mozilla/5.0 (iPhone; iOS 17) Safari/604' END AS user_agent
        FROM gen WHERE votes),
    ev AS (
        SELECT t - INTERVAL 2 MINUTE AS time, 'code-requested' AS event, voter, address,
            device, user_agent, contact, session FROM v
        UNION ALL SELECT t - INTERVAL 1 MINUTE, 'signed-in', voter, address, device,
            user_agent, NULL, session FROM v
        UNION ALL SELECT t, 'ballot-cast', voter, address, device, user_agent, NULL, session
            FROM v
        UNION ALL SELECT TIMESTAMP '{VOTING_DAY}' + INTERVAL (k * 37) MINUTE, 'ballot-cast',
            '00000000000' || k, '198.51.100.' || k, 'dev-unknown-' || k, 'curl/8', NULL,
            'sx-' || k FROM range(1, 6) u(k))
    SELECT strftime(time, '%Y-%m-%d %H:%M:%S') AS time, event, voter, address, device,
        user_agent, contact, session FROM ev ORDER BY time, voter, event"""


def _values(con: duckdb.DuckDBPyConnection, sql: str) -> list[Any]:
    return [row[0] for row in con.execute(sql).fetchall()]


def _truth(
    con: duckdb.DuckDBPyConnection, r: dict[str, tuple[int, int]], seed: int, with_activity: bool
) -> dict[str, dict[str, Any]]:
    def lines(where: str) -> dict[str, Any]:
        return {
            "key": "line",
            "values": _values(con, f"SELECT line FROM gen WHERE {where} ORDER BY line"),
        }

    def voters(where: str) -> dict[str, Any]:
        return {
            "key": "voter",
            "values": _values(
                con,
                f"SELECT DISTINCT replace(replace(national_id, '-', ''), ' ', '') FROM gen "
                f"WHERE votes AND {where} ORDER BY 1",
            ),
        }

    truth = {
        "id.check_digit": lines("pattern = 'bad_digit'"),
        "id.duplicate": lines(
            "pattern = 'duplicate' OR i + 1 IN (SELECT i FROM gen WHERE pattern = 'duplicate')"
        ),
        "id.birth_date_mismatch": lines("pattern = 'mismatch'"),
        "roll.impossible_birth_date": lines("pattern = 'impossible'"),
        "contact.shared_phone": lines(_in(r["phone"])),
        "contact.shared_email": lines(_in(r["email"])),
        "enrol.closed_window": lines(_in(r["closed"])),
        "enrol.unconfirmed": lines("confirmed = 'no'"),
        "enrol.operator_burst": lines(_in(r["burst"])),
    }
    if with_activity:
        batch = f"{_in(r['workplace'])} AND ((hash(i, 70, {seed}) % 1000003) / 1000003.0) < 0.9"
        truth |= {
            "device.many_voters": voters(_in(r["boss"])),
            "cast.device_burst": voters(_in(r["boss"])),
            "session.many_voters": voters(_in(r["session"])),
            "code.shared_contact": voters(
                f"({_in(r['contact'])} OR {_in(r['phone'])} OR ({_in(r['email'])} AND phone = ''))"
            ),
            "cast.address_burst": voters(f"(({batch}) OR {_in(r['boss'])})"),
            "cast.organisation_burst": voters(f"(({batch}) OR {_in(r['boss'])})"),
            "turnout.abnormal_curve": {
                "key": "organisation",
                "values": ["org-boss", "org-workplace"],
            },
            "activity.unknown_voter": {
                "key": "voter",
                "values": [f"00000000000{k}" for k in range(1, 6)],
            },
        }
    return truth


def generate(
    out_dir: Path,
    rows: int,
    seed: int = 1,
    with_activity: bool = True,
    fmt: Literal["csv", "parquet"] = "csv",
    threads: int | None = None,
) -> SynthPaths:
    """Write ``roll.<fmt>``, ``activity.csv`` (optional) and ``truth.json`` into ``out_dir``."""
    if rows < MIN_ROWS:
        raise AuditInputError(f"synthetic rolls need at least {MIN_ROWS} rows (got {rows})")
    out_dir.mkdir(parents=True, exist_ok=True)
    regions = _Regions(rows).layout()
    con = duckdb.connect(":memory:")
    try:
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        con.execute(f"CREATE TABLE gen AS {_roll_sql(rows, seed, regions)} ORDER BY i")
        roll_cols = (
            "national_id, name, birth_date, phone, email, unit, organisation, "
            "operator, enrolled_at, confirmed"
        )
        roll_path = out_dir / f"roll.{fmt}"
        options = "FORMAT PARQUET" if fmt == "parquet" else "HEADER, DELIMITER ','"
        con.execute(f"COPY (SELECT {roll_cols} FROM gen ORDER BY i) TO '{roll_path}' ({options})")
        activity_path = None
        if with_activity:
            activity_path = out_dir / "activity.csv"
            con.execute(
                f"COPY ({_activity_sql(seed, regions)}) TO '{activity_path}' "
                "(HEADER, DELIMITER ',')"
            )
        truth = {
            "format": "honestballot-audit-truth/1",
            "rows": rows,
            "seed": seed,
            "closed_windows": [f"{CLOSED_WINDOW[0].isoformat()}/{CLOSED_WINDOW[1].isoformat()}"],
            "checks": _truth(con, regions, int(seed), with_activity),
        }
    finally:
        con.close()
    truth_path = out_dir / "truth.json"
    truth_path.write_text(json.dumps(truth) + "\n", "utf-8")
    return SynthPaths(roll_path, activity_path, truth_path)
