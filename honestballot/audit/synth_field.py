"""A second synthetic roll and log, built like a real one: households first, fraud second.

:mod:`synth` writes the patterns the checks were first written against. This generator
is kept apart from it and from the checks' thresholds: its honest background is built
from published figures on households, phones and networks in Kazakhstan and Russia
(docs/audit.md, "The field generator", cites them), and its honest look-alikes come
at the rates those figures give, while its fraud takes less textbook shapes.

Honest background (rates per mix, :data:`MIXES`):

* households of one to five party members: a couple, their grown children, sharing one
  surname stem with Kazakh/Russian gender endings (Ахметов / Ахметова), children whose
  patronymic is their father's name (Нурланович, Нурланулы / Нурланкызы), ages that fit
  parents and children, one home address (grown children sometimes move out); a wife
  may keep her own surname (children carry the family's); some households share one
  phone, one mailbox, one tablet (used by several members in one evening, from home);
* village office landlines shared by a few elderly villagers, an office's reception
  mailbox shared by colleagues, a campus network carrying hundreds of students all day,
  carrier NAT addresses carrying most mobile voters, a village voting after its 19:00
  meeting, depot shift workers voting at 06:00, an honest registrar enrolling 150 people
  at a rally over four hours, voters whose code went to a new number or, having no phone
  of their own, to a parent's;
* re-votes (a voter casting again hours later): the log holds them, and no finding may
  show them.

Fraud, in less textbook shapes: phone and e-mail clusters of unrelated people entered by
one operator over a few days (half of them then vote from the organiser's device and
address, half never sign in); operators entering members every 45 seconds late on a
Saturday, 90 in 75 minutes on a weekday evening, 20 a night over three nights; a
district office voting in hourly waves of 12-18 from its own network; a workplace batch;
brigade leaders receiving their workers' codes (two brigades in three then vote on the
leader's device); a session shared by several voters; enrolments while enrolment was
closed; a few malformed or duplicate IDs and events for people not on the roll.

Everything is made in DuckDB from ``range`` and a seeded hash: ten million rows and their
log are written in a few minutes, and the same seed and mix give the same files.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import duckdb

from honestballot.audit.findings import AuditInputError
from honestballot.audit.ids import sql_iin_control

CLOSED_WINDOW = (dt.datetime(2023, 9, 1), dt.datetime(2023, 9, 15))
VOTING_DAY = dt.datetime(2024, 3, 5, 6, 0)  # a Tuesday; times are minutes after 06:00
MIN_ROWS = 5000


@dataclass(frozen=True)
class Mix:
    """One honest background: the rates the generator draws households and habits from."""

    name: str
    members: tuple[float, float, float, float, float]  # households of 1..5 party members
    kazakh: float  # share of Kazakh families (the others Russian)
    rural: float  # share of households in villages
    keep_maiden: float  # wives who keep their own surname
    shared_phone: float  # households of 2+ where members share one phone
    shared_email: float  # households of 2+ with a family mailbox
    shared_tablet: float  # households of 2+ voting on one tablet
    own_phone: float  # members with a phone of their own
    own_email: float
    nat: float  # voters behind a carrier NAT address
    nat_users: int  # voters per carrier NAT address
    changed_phone: float  # voters whose code goes to a number not on the roll
    turnout: float
    revote: float  # voters who cast again later
    self_enrol: float


#: "A" tunes the checks; "B" reports on them (docs/audit.md).
MIXES: dict[str, Mix] = {
    "A": Mix(
        name="A",
        members=(0.42, 0.30, 0.16, 0.09, 0.03),
        kazakh=0.70,
        rural=0.40,
        keep_maiden=0.25,
        shared_phone=0.25,
        shared_email=0.10,
        shared_tablet=0.30,
        own_phone=0.95,
        own_email=0.60,
        nat=0.65,
        nat_users=2500,
        changed_phone=0.005,
        turnout=0.60,
        revote=0.04,
        self_enrol=0.50,
    ),
    "B": Mix(
        name="B",
        members=(0.30, 0.30, 0.20, 0.13, 0.07),
        kazakh=0.55,
        rural=0.30,
        keep_maiden=0.35,
        shared_phone=0.35,
        shared_email=0.15,
        shared_tablet=0.40,
        own_phone=0.90,
        own_email=0.45,
        nat=0.80,
        nat_users=4000,
        changed_phone=0.010,
        turnout=0.70,
        revote=0.08,
        self_enrol=0.30,
    ),
}

_SURNAMES_KZ = [
    "Ахметов",
    "Нурпеисов",
    "Жаксылыков",
    "Омаров",
    "Сарсенбаев",
    "Искаков",
    "Касымов",
    "Тулегенов",
    "Бекмаганбетов",
    "Кенжебаев",
    "Садыков",
    "Абдрахманов",
    "Есенов",
    "Муканов",
    "Жумабаев",
    "Сейткалиев",
    "Оспанов",
    "Исмаилов",
    "Байжанов",
    "Турсынов",
    "Ермеков",
    "Мусин",
    "Абенов",
    "Токтаров",
    "Шарипов",
    "Калиев",
    "Ибраев",
    "Султанов",
    "Серикбаев",
    "Ержанов",
    "Аманов",
    "Болатов",
    "Даулетов",
    "Рахимов",
    "Кусаинов",
    "Мухамеджанов",
    "Куанышев",
    "Утепов",
    "Жакупов",
    "Нуртазин",
]
_SURNAMES_RU = [
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Соколов",
    "Лебедев",
    "Козлов",
    "Новиков",
    "Морозов",
    "Петров",
    "Волков",
    "Соловьев",
    "Васильев",
    "Зайцев",
    "Павлов",
    "Семенов",
    "Голубев",
    "Виноградов",
    "Богданов",
    "Воробьев",
    "Федоров",
    "Михайлов",
    "Беляев",
    "Тарасов",
    "Белов",
    "Комаров",
    "Орлов",
    "Киселев",
    "Макаров",
    "Андреев",
    "Ильин",
    "Гусев",
    "Титов",
    "Кузьмин",
    "Кудрявцев",
    "Баранов",
    "Куликов",
    "Алексеев",
    "Степанов",
    "Яковлев",
    "Сорокин",
    "Сергеев",
    "Романов",
    "Захаров",
    "Борисов",
    "Королев",
    "Герасимов",
    "Пономарев",
    "Григорьев",
    "Лазарев",
    "Медведев",
    "Ершов",
    "Никитин",
]
_MALE_KZ = [
    "Нурлан",
    "Ерлан",
    "Асхат",
    "Марат",
    "Тимур",
    "Серик",
    "Болат",
    "Данияр",
    "Арман",
    "Канат",
    "Ержан",
    "Бауыржан",
    "Азамат",
    "Жандос",
    "Айдос",
    "Руслан",
    "Мейрам",
    "Талгат",
    "Ринат",
    "Дастан",
]
_FEMALE_KZ = [
    "Айгерим",
    "Динара",
    "Мадина",
    "Жанна",
    "Сауле",
    "Гульнара",
    "Аружан",
    "Асель",
    "Дана",
    "Алия",
    "Камила",
    "Салтанат",
    "Айжан",
    "Жибек",
    "Гаухар",
    "Меруерт",
]
_MALE_RU = [
    "Иван",
    "Сергей",
    "Дмитрий",
    "Алексей",
    "Андрей",
    "Николай",
    "Владимир",
    "Михаил",
    "Павел",
    "Юрий",
    "Олег",
    "Виктор",
    "Александр",
    "Евгений",
    "Игорь",
    "Константин",
]
_FEMALE_RU = [
    "Ольга",
    "Елена",
    "Наталья",
    "Татьяна",
    "Ирина",
    "Светлана",
    "Анна",
    "Мария",
    "Екатерина",
    "Людмила",
    "Галина",
    "Юлия",
    "Марина",
    "Надежда",
    "Валентина",
    "Оксана",
]
_CITIES = [
    "г. Алматы",
    "г. Астана",
    "г. Шымкент",
    "г. Караганда",
    "г. Актобе",
    "г. Павлодар",
    "г. Усть-Каменогорск",
    "г. Семей",
    "г. Костанай",
    "г. Петропавловск",
]
_VILLAGES = "Акколь Жанаарка Кызылжар Береке Талдыбулак Шубар Каракемер Жетыген Алгабас Бирлик"
_STREETS = [
    "Абая",
    "Ленина",
    "Достык",
    "Гагарина",
    "Сейфуллина",
    "Толе би",
    "Пушкина",
    "Жамбыла",
    "Мира",
    "Школьная",
    "Байтурсынова",
    "Садовая",
    "Казыбек би",
    "Победы",
    "Кунаева",
    "Советская",
    "Богенбай батыра",
    "Набережная",
    "Целинная",
    "Южная",
]


def _list(values: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


@dataclass(frozen=True)
class Block:
    """A run of special rows: ``groups`` groups of ``size`` rows each (or sizes from a hash)."""

    name: str
    groups: int
    size: int
    size_spread: int = 0  # sizes size .. size + spread - 1, drawn per group


def _blocks(n: int) -> list[Block]:
    """The honest look-alikes and fraud groups for a roll of ``n`` rows (rates per 20,000)."""
    s = n / 20_000

    def k(rate: float) -> int:
        return max(1, round(rate * s))

    out = [
        Block("landline", k(5), 3, 6),
        Block("office_mail", k(4), 3, 4),
        Block("campus", k(1), 300),
        Block("village_org", k(1), 90),
        Block("depot", k(1), 120),
        Block("rally", k(1), 150),
        Block("f_phone", k(4), 5, 10),
        Block("f_email", k(3), 4, 7),
        Block("f_pace_a", k(1), 40),
        Block("f_pace_b", k(1), 90),
        Block("f_pace_c", k(1), 60),
        Block("f_waves", k(1), 150),
        Block("f_workplace", k(1), 200),
        Block("f_brigade", k(3), 6, 5),
        Block("f_session", k(1), 4),
        Block("f_closed", 1, min(2466, n // 100)),
    ]
    if n >= 200_000:
        out += [Block("f_bigphone", 1, 105), Block("f_bigphone", 1, 279)]
    return out


def _layout(n: int, seed: int) -> tuple[int, list[tuple[int, int, str, int]]]:
    """Background row count and ``(lo, size, block, group)`` for every special group."""
    groups: list[tuple[int, int, str, int]] = []
    sizes: list[tuple[str, int, int]] = []
    g_by_block: dict[str, int] = {}
    for b in _blocks(n):
        for _ in range(b.groups):
            g = g_by_block.get(b.name, 0)
            g_by_block[b.name] = g + 1
            spread = _stable(b.name, g, seed) % b.size_spread if b.size_spread else 0
            sizes.append((b.name, g, b.size + spread))
    total = sum(sz for _, _, sz in sizes)
    background = n - total
    if background < n // 2:
        raise AuditInputError(f"synthetic field rolls need more rows (got {n})")
    lo = background
    for name, g, sz in sizes:
        groups.append((lo, sz, name, g))
        lo += sz
    return background, groups


def _stable(name: str, g: int, seed: int) -> int:
    """A small deterministic number from a name (Python's ``hash`` of a str is salted)."""
    x = seed * 1_000_003 + g * 7919
    for ch in name:
        x = (x * 131 + ord(ch)) % 2_147_483_647
    return x


def _u(salt: int, col: str, seed: int) -> str:
    return f"((hash({col}, {salt}, {seed}) % 1000003) / 1000003.0)"


def _people_sql(n: int, background: int, seed: int, mix: Mix) -> str:
    """Every row's person: household, name, birth date, home address, contacts, enrolment."""

    def u(salt: int, col: str = "i") -> str:
        return _u(salt, col, seed)

    cum = [sum(mix.members[: j + 1]) for j in range(5)]
    size = (
        "CASE "
        + " ".join(f"WHEN {u(1, 'h')} < {c} THEN {j + 1}" for j, c in enumerate(cum[:-1]))
        + " ELSE 5 END"
    )
    households = math.ceil(background / sum((j + 1) * p for j, p in enumerate(mix.members)) * 1.1)
    n_villages = max(20, n // 400)
    n_orgs = max(20, n // 150)
    n_ops = max(10, n // 2500)
    kz_m, kz_f, ru_m, ru_f = map(_list, (_MALE_KZ, _FEMALE_KZ, _MALE_RU, _FEMALE_RU))
    kz_s, ru_s = _list(_SURNAMES_KZ), _list(_SURNAMES_RU)
    closed_off = (CLOSED_WINDOW[0] - dt.datetime(2023, 1, 1)).days
    closed_days = (CLOSED_WINDOW[1] - CLOSED_WINDOW[0]).days

    def pick(lst_kz: str, lst_ru: str, n_kz: int, n_ru: int, salt: int, col: str) -> str:
        return (
            f"CASE WHEN kz THEN {lst_kz}[1 + CAST(hash({col}, {salt}, {seed}) % {n_kz} AS INT)] "
            f"ELSE {lst_ru}[1 + CAST(hash({col}, {salt}, {seed}) % {n_ru} AS INT)] END"
        )

    father = pick(kz_m, ru_m, len(_MALE_KZ), len(_MALE_RU), 11, "h")
    own_male = pick(kz_m, ru_m, len(_MALE_KZ), len(_MALE_RU), 16, "i")
    own_female = pick(kz_f, ru_f, len(_FEMALE_KZ), len(_FEMALE_RU), 16, "i")
    grandfather = pick(kz_m, ru_m, len(_MALE_KZ), len(_MALE_RU), 17, "i")
    family_surname = pick(kz_s, ru_s, len(_SURNAMES_KZ), len(_SURNAMES_RU), 2, "h")
    maiden = pick(kz_s, ru_s, len(_SURNAMES_KZ), len(_SURNAMES_RU), 18, "i")

    def patronymic(name: str) -> str:
        ru = (
            f"CASE WHEN suffix({name}, 'й') THEN left({name}, -1) || "
            f"CASE WHEN male THEN 'евич' ELSE 'евна' END "
            f"ELSE {name} || CASE WHEN male THEN 'ович' ELSE 'овна' END END"
        )
        return (
            f"CASE WHEN kz AND uly THEN {name} || CASE WHEN male THEN 'улы' ELSE 'кызы' END "
            f"ELSE {ru} END"
        )

    street = _list(_STREETS)
    villages = _list(_VILLAGES.split())
    cities = _list(_CITIES)
    return f"""
    WITH hh AS (SELECT h, {size} AS size FROM range({households}) t(h)),
    mem AS (SELECT h, size, unnest(range(size)) AS k FROM hh),
    bg AS (SELECT h, size, k, row_number() OVER (ORDER BY h, k) - 1 AS i FROM mem
        QUALIFY i < {background}),
    sp AS (SELECT 1000000000 + i AS h, 1 AS size, 0 AS k, i FROM range({background}, {n}) t(i)),
    p0 AS (SELECT * FROM bg UNION ALL SELECT * FROM sp),
    p1 AS (SELECT *, i < {background} AS in_bg,
        {u(3, "h")} < {mix.kazakh} AS kz,
        {u(12, "h")} < 0.5 AS uly,
        {u(4, "h")} < {mix.rural} AS rural,
        30 + CAST(floor({u(9, "h")} * 45) AS INT) AS head_age,
        {u(10, "h")} < 0.5 AS head_male,
        k >= 2 AS child
        FROM p0),
    p2 AS (SELECT *,
        CASE WHEN k = 0 THEN head_male WHEN k = 1 THEN NOT head_male ELSE {u(14)} < 0.5 END
            AS male,
        CASE WHEN k = 0 THEN head_age
            WHEN k = 1 THEN head_age + CAST(hash(i, 13, {seed}) % 11 AS INT) - 5
            ELSE greatest(18, head_age - 20 - CAST(hash(i, 15, {seed}) % 15 AS INT)) END AS age
        FROM p1),
    p3 AS (SELECT *,
        CASE WHEN child AND age >= 25 AND {u(20)} < 0.5 THEN i ELSE h END AS home,
        CASE WHEN male AND NOT child THEN {father} WHEN male THEN {own_male}
            ELSE {own_female} END AS given,
        CASE WHEN child THEN {father} ELSE {grandfather} END AS father_name,
        CASE WHEN k <= 1 AND NOT male AND {u(19)} < {mix.keep_maiden} THEN {maiden}
            ELSE {family_surname} END AS surname_m
        FROM p2),
    p4 AS (SELECT *,
        surname_m || CASE WHEN male THEN '' ELSE 'а' END || ' ' || given || ' ' ||
            ({patronymic("father_name")}) AS name,
        DATE '2024-03-05' - INTERVAL (age) YEAR - INTERVAL (CAST(hash(i, 21, {seed}) % 365 AS INT))
            DAY AS bd,
        CASE WHEN rural THEN 'с. ' || {villages}[1 + CAST(hash(h, 5, {seed}) % 10 AS INT)] || ' '
            || (1 + hash(h, 5, {seed}) % {n_villages} // 10)
            ELSE {cities}[1 + CAST(hash(h, 6, {seed}) % 10 AS INT)] END AS locality,
        {street}[1 + CAST(hash(home, 7, {seed}) % {len(_STREETS)} AS INT)] || ' ' ||
            (1 + hash(home, 8, {seed}) % 120) ||
            CASE WHEN rural THEN '' ELSE ', кв. ' || (1 + hash(home, 22, {seed}) % 200) END
            AS street_part,
        in_bg AND size >= 2 AND {u(23, "h")} < {mix.shared_phone}
            AND (k <= 1 OR {u(24)} < 0.4) AS family_phone,
        in_bg AND size >= 2 AND {u(25, "h")} < {mix.shared_email} AND {u(26)} < 0.8
            AS family_email,
        in_bg AND size >= 2 AND {u(27, "h")} < {mix.shared_tablet} AND {u(28)} < 0.8
            AS family_tablet,
        {u(29)} < {mix.own_phone} AS has_phone,
        'org-' || CAST(floor(exp({u(30)} * ln({n_orgs}))) AS INT) AS employer,
        {u(31)} < 0.05 AS no_org,
        CASE WHEN in_bg AND size >= 2 AND {u(32, "h")} < 0.7 THEN h ELSE i END AS enrol_key
        FROM p3)
    SELECT *,
        locality || ', ул. ' || street_part AS home_address,
        '+77' || lpad(i::VARCHAR, 9, '0') AS own_phone,
        CASE WHEN family_phone THEN '+77' || lpad((i - k)::VARCHAR, 9, '0')
            WHEN has_phone THEN '+77' || lpad(i::VARCHAR, 9, '0') END AS phone0,
        CASE WHEN family_email THEN 'family.' || h || '@mail.ru'
            WHEN {u(33)} < {mix.own_email} THEN 'u' || i || '@mail.kz' END AS email0,
        CASE WHEN no_org THEN NULL ELSE employer END AS organisation0,
        CASE WHEN {u(34, "enrol_key")} < {mix.self_enrol} THEN NULL
            ELSE 'op-' || (hash(enrol_key, 35, {seed}) % {n_ops}) END AS operator0,
        TIMESTAMP '2023-01-01' + INTERVAL (CAST(hash(enrol_key, 36, {seed}) % {365 - closed_days}
            AS INT) + CASE WHEN hash(enrol_key, 36, {seed}) % {365 - closed_days} >= {closed_off}
            THEN {closed_days} ELSE 0 END) DAY
            + INTERVAL (9 * 3600 + CAST(hash(enrol_key, 37, {seed}) % 32400 AS INT)
            + CASE WHEN enrol_key = h THEN 180 * k ELSE 0 END) SECOND AS enrolled0,
        {n_ops} AS n_ops
    FROM p4"""


def _special(col: str, default: str, cases: dict[str, str]) -> str:
    if not cases:
        return f"{default} AS {col}"
    whens = " ".join(f"WHEN '{b}' THEN {e}" for b, e in cases.items())
    return f"CASE blk {whens} ELSE {default} END AS {col}"


def _gen_sql(n: int, seed: int, mix: Mix, background: int) -> str:
    """The whole roll with each row's activity plan and truth tags (table ``gen``)."""

    def u(salt: int, col: str = "i") -> str:
        return _u(salt, col, seed)

    def ts(day: str, seconds: str) -> str:
        return f"(TIMESTAMP '{day}' + to_seconds(CAST({seconds} AS BIGINT)))"

    nat = max(4, round(n * mix.turnout * mix.nat / mix.nat_users))
    # minutes after 06:00 on voting day: morning, lunch and evening peaks over a spread
    minute = (
        f"CASE WHEN {u(40)} < 0.15 THEN 60 + {u(41)} * 150 WHEN {u(40)} < 0.45 THEN "
        f"360 + ({u(41)} + {u(42)}) * 60 WHEN {u(40)} < 0.85 THEN 720 + ({u(41)} + {u(42)}) "
        f"* 120 ELSE {u(41)} * 1019 END"
    )
    old_age = f"60 + CAST(hash(i, 43, {seed}) % 25 AS INT)"
    young = f"18 + CAST(hash(i, 44, {seed}) % 6 AS INT)"
    fraud_op = f"'op-' || (hash(g, 45, {seed}) % n_ops)"
    plain = "'u' || i || '@mail.kz'"
    cols: dict[str, tuple[str, dict[str, str]]] = {
        "age": ("age", {"landline": old_age, "campus": young}),
        "locality": (
            "locality",
            {
                "landline": "'с. Аул ' || g",
                "village_org": "'с. Береке ' || (100 + g)",
            },
        ),
        "phone": (
            "phone0",
            {
                "landline": "'+7718' || lpad(g::VARCHAR, 7, '0')",
                "f_phone": "'+7701555' || lpad(g::VARCHAR, 4, '0')",
                "f_bigphone": "'+7701666' || lpad(g::VARCHAR, 4, '0')",
                "f_pace_a": f"CASE WHEN {u(46)} < 0.3 THEN NULL ELSE own_phone END",
                "f_pace_b": f"CASE WHEN {u(46)} < 0.3 THEN NULL ELSE own_phone END",
                "f_pace_c": f"CASE WHEN {u(46)} < 0.3 THEN NULL ELSE own_phone END",
            },
        ),
        "email": (
            "email0",
            {
                "office_mail": "'priemnaya' || g || '@akimat.kz'",
                "f_email": "'agit' || g || '@gmail.com'",
                "f_pace_a": "NULL",
                "f_pace_b": "NULL",
                "f_pace_c": "NULL",
                "campus": plain,
            },
        ),
        "organisation": (
            "organisation0",
            {
                "office_mail": "'Akimat office ' || g",
                "campus": "'College ' || g",
                "village_org": "'Village council ' || g",
                "depot": "'Railway depot ' || g",
                "f_waves": "'District office ' || g",
                "f_workplace": "'Plant ' || g",
                "f_brigade": "'Construction brigade ' || g",
            },
        ),
        "operator": (
            "operator0",
            {
                "campus": "'op-college-' || g",
                "rally": "'op-rally-' || g",
                "f_phone": fraud_op,
                "f_bigphone": fraud_op,
                "f_email": fraud_op,
                "f_pace_a": fraud_op,
                "f_pace_b": fraud_op,
                "f_pace_c": fraud_op,
            },
        ),
        "enrolled_at": (
            "enrolled0",
            {
                "campus": ts("2023-09-18", f"(j % 14) * 86400 + 32400 + {u(47)} * 28800"),
                # a Saturday rally: exponential gaps, mean 96 s, from 11:00
                "rally": ts(
                    "2023-06-17",
                    f"39600 + 7 * 86400 * (g % 10) + 96 * j + 60 * ln(1 / (1 - {u(48)} * 0.999))",
                ),
                "f_phone": ts(
                    "2023-04-03",
                    f"(g % 40) * 86400 * 3 + (j % 4) * 86400 + 36000 + {u(49)} * 25200",
                ),
                "f_bigphone": ts("2023-05-02", f"(j % 9) * 86400 + 36000 + {u(49)} * 25200"),
                "f_email": ts(
                    "2023-05-15",
                    f"(g % 18) * 86400 * 5 + (j % 3) * 86400 + 36000 + {u(49)} * 25200",
                ),
                # every 45 s (+- 5) from 22:30 on a Saturday
                "f_pace_a": ts(
                    "2023-10-07", f"(g % 10) * 604800 + 81000 + j * 45 + {u(50)} * 10 - 5"
                ),
                # 90 in 75 minutes on a weekday evening, gaps 50 +- 20 s
                "f_pace_b": ts(
                    "2023-11-15", f"(g % 10) * 604800 + 68400 + j * 50 + {u(50)} * 40 - 20"
                ),
                # 20 a night over three nights from 23:10, every 2 minutes
                "f_pace_c": ts(
                    "2023-12-04",
                    f"(g % 10) * 604800 + (j // 20) * 86400 + 83400 + (j % 20) * 120 "
                    f"+ {u(50)} * 30 - 15",
                ),
                "f_closed": ts("2023-09-01", f"{u(51)} * 14 * 86400"),
            },
        ),
        "confirmed": (
            f"CASE WHEN {u(52)} < 0.015 THEN 'no' ELSE 'yes' END",
            {
                "f_pace_a": f"CASE WHEN {u(52)} < 0.4 THEN 'no' ELSE 'yes' END",
                "f_pace_b": f"CASE WHEN {u(52)} < 0.4 THEN 'no' ELSE 'yes' END",
                "f_pace_c": f"CASE WHEN {u(52)} < 0.4 THEN 'no' ELSE 'yes' END",
                "f_closed": f"CASE WHEN {u(52)} < 0.9 THEN 'no' ELSE 'yes' END",
            },
        ),
        "votes": (
            f"{u(53)} < {mix.turnout}",
            {
                "village_org": f"{u(53)} < 0.85",
                "f_phone": "g % 2 = 0",
                "f_bigphone": "FALSE",
                "f_email": "FALSE",
                "f_pace_a": "FALSE",
                "f_pace_b": "FALSE",
                "f_pace_c": "FALSE",
                "f_waves": "TRUE",
                "f_workplace": "TRUE",
                "f_brigade": "TRUE",
                "f_session": "TRUE",
            },
        ),
        "cast_minute": (
            f"CASE WHEN family_tablet THEN 780 + (hash(h, 54, {seed}) % 150) + 4 * k "
            f"ELSE {minute} END",
            {
                "campus": f"120 + {u(41)} * 840",
                "village_org": f"CASE WHEN {u(55)} < 0.75 THEN 785 + {u(41)} * 85 "
                f"ELSE {minute} END",
                "depot": f"CASE WHEN {u(55)} < 0.7 THEN {u(41)} * 75 ELSE {minute} END",
                "f_phone": "240 + (g % 8) * 60 + j * 3",
                # hourly waves of 12-18 within eight minutes, from 08:30
                "f_waves": f"CASE WHEN j < 140 THEN 150 + (j % 10) * 60 + {u(41)} * 8 "
                f"ELSE {minute} END",
                "f_workplace": f"CASE WHEN {u(55)} < 0.9 THEN 180 + {u(41)} * 40 ELSE {minute} END",
                "f_brigade": f"CASE WHEN g % 3 <> 2 THEN 90 + (g % 5) * 100 + j * 2 "
                f"ELSE {minute} END",
            },
        ),
        "device": (
            "CASE WHEN family_tablet THEN 'tab-' || h ELSE 'd-' || i END",
            {
                "f_phone": "'dev-agit-' || g",
                "f_brigade": "CASE WHEN g % 3 <> 2 THEN 'dev-lead-' || g ELSE 'd-' || i END",
            },
        ),
        "address": (
            f"CASE WHEN family_tablet OR {u(56)} >= {mix.nat} THEN '10.' || ((home >> 16) & 255)"
            f" || '.' || ((home >> 8) & 255) || '.' || (home & 255) "
            f"ELSE '100.64.' || (hash(i, 57, {seed}) % {nat} // 250) || '.' || "
            f"(hash(i, 57, {seed}) % {nat} % 250) END",
            {
                "campus": "'195.210.' || (g // 250) || '.' || (1 + g % 250)",
                "f_phone": "'92.46.' || (g // 250) || '.' || (1 + g % 250)",
                # an office is one public address (its gateway)
                "f_waves": "CASE WHEN j < 140 THEN '212.154.' || (g % 250) || '.1' "
                f"ELSE '100.64.0.' || (1 + hash(i, 57, {seed}) % 250) END",
                "f_workplace": f"CASE WHEN {u(55)} < 0.9 THEN '203.0.' || (g % 250) || '.10' "
                f"ELSE '100.64.0.' || (1 + hash(i, 57, {seed}) % 250) END",
                "f_brigade": "CASE WHEN g % 3 <> 2 THEN '37.150.' || (g % 250) || '.9' "
                f"ELSE '100.64.0.' || (1 + hash(i, 57, {seed}) % 250) END",
            },
        ),
        "session": (
            "'s-' || i",
            {"f_session": "'sess-shared-' || g"},
        ),
    }
    selects = ", ".join(_special(c, d, cases) for c, (d, cases) in cols.items())
    groups_join = "ASOF LEFT JOIN grp ON p.i >= grp.lo"
    return f"""CREATE TABLE gen AS
    WITH p AS ({_people_sql(n, background, seed, mix)}),
    q AS (SELECT p.*, CASE WHEN p.i < {background} THEN 'background' ELSE grp.blk END AS blk,
        coalesce(grp.g, 0) AS g, p.i - coalesce(grp.lo, 0) AS j
        FROM p {groups_join}),
    r AS (SELECT * EXCLUDE (age, locality), {selects} FROM q)
    SELECT * FROM r"""


def _finish_sql(seed: int, background: int, mix: Mix) -> str:
    """National IDs, names with dates, contacts, the code's contact, truth tags."""

    def u(salt: int, col: str = "i") -> str:
        return _u(salt, col, seed)

    iin11 = (
        "strftime(bd, '%y%m%d') || ((CASE WHEN year(bd) >= 2000 THEN 5 ELSE 3 END) + "
        "CASE WHEN male THEN 0 ELSE 1 END)::VARCHAR || lpad((3 * serial + {a})::VARCHAR, 4, '0')"
    )
    tags = {
        "contact.shared_phone": "blk IN ('f_phone', 'f_bigphone')",
        "contact.shared_email": "blk = 'f_email'",
        "enrol.operator_burst": "blk IN ('f_pace_a', 'f_pace_b', 'f_pace_c')",
        "enrol.closed_window": "blk = 'f_closed'",
        "device.many_voters": "(blk = 'f_phone' OR (blk = 'f_brigade' AND g % 3 <> 2))",
        "cast.device_burst": "(blk = 'f_phone' OR (blk = 'f_brigade' AND g % 3 <> 2))",
        "code.shared_contact": "blk IN ('f_phone', 'f_brigade')",
        "code.foreign_contact": "(blk = 'f_brigade' AND j > 0)",
        "session.many_voters": "blk = 'f_session'",
        # the batch's every voter, also those who came at that time on their own
        "cast.organisation_burst": "((blk = 'f_waves' AND j < 140) OR (blk = 'f_workplace' "
        "AND cast_minute BETWEEN 180 AND 220))",
        "cast.address_burst": "((blk = 'f_waves' AND j < 140) OR (blk = 'f_workplace' "
        "AND address LIKE '203.0.%') OR (blk = 'f_brigade' AND g % 3 <> 2))",
    }
    tag_sql = (
        "list_filter(["
        + ", ".join(f"CASE WHEN {cond} THEN '{name}' END" for name, cond in tags.items())
        + "], lambda x: x IS NOT NULL)"
    )
    return f"""CREATE TABLE roll_gen AS
    WITH a AS (SELECT * EXCLUDE (bd),
        CAST(DATE '2024-03-05' - INTERVAL (age) YEAR
            - INTERVAL (CAST(hash(i, 21, {seed}) % 365 AS INT)) DAY AS DATE) AS bd FROM gen),
    b AS (SELECT *, row_number() OVER (PARTITION BY bd, male ORDER BY i) AS serial FROM a),
    c AS (SELECT *, {iin11.format(a=0)} AS s0, {iin11.format(a=1)} AS s1,
        {iin11.format(a=2)} AS s2 FROM b),
    d AS (SELECT *, CASE WHEN {sql_iin_control("s0")} >= 0 THEN s0 || {sql_iin_control("s0")}
        WHEN {sql_iin_control("s1")} >= 0 THEN s1 || {sql_iin_control("s1")}
        ELSE s2 || {sql_iin_control("s2")} END AS iin,
        CASE WHEN i < {background} AND {u(60)} < 0.002 THEN 'bad_digit'
            WHEN i < {background} AND {u(60)} < 0.003 AND i > 0 THEN 'duplicate'
            WHEN i < {background} AND {u(60)} < 0.005 THEN 'mismatch'
            WHEN i < {background} AND {u(60)} < 0.0055 THEN 'impossible' END AS pattern
        FROM c),
    e AS (SELECT *, lag(iin) OVER (ORDER BY i) AS prev_iin,
        lag(bd) OVER (ORDER BY i) AS prev_bd, lag(name) OVER (ORDER BY i) AS prev_name FROM d)
    SELECT i, blk, g, j, h, k, votes, cast_minute, device, address, session, pattern,
        CASE WHEN pattern = 'bad_digit' THEN left(iin, 11) ||
                ((CAST(right(iin, 1) AS INT) + 1) % 10)::VARCHAR
            WHEN pattern = 'duplicate' THEN prev_iin ELSE iin END AS national_id,
        CASE WHEN pattern = 'duplicate' THEN prev_name ELSE name END AS name,
        CASE WHEN pattern = 'duplicate' THEN strftime(prev_bd, '%Y-%m-%d')
            WHEN pattern = 'mismatch' THEN strftime(bd + 1 + CAST(hash(i, 61) % 300 AS INT),
                '%Y-%m-%d')
            WHEN pattern = 'impossible' THEN CASE WHEN {u(62)} < 0.5 THEN '2001-02-30'
                ELSE '2031-05-01' END
            ELSE strftime(bd, '%Y-%m-%d') END AS birth_date,
        phone, email,
        locality || ', ул. ' || street_part AS home_address,
        'unit-' || hash(locality, 63) % 997 AS unit,
        organisation, operator,
        strftime(enrolled_at, '%Y-%m-%d %H:%M:%S') AS enrolled_at, confirmed,
        CASE WHEN blk = 'f_brigade' AND j > 0 THEN '+77' || lpad((i - j)::VARCHAR, 9, '0')
            WHEN {u(64)} < {mix.changed_phone} THEN '+7708' || lpad(i::VARCHAR, 7, '0')
            WHEN phone IS NOT NULL THEN phone WHEN email IS NOT NULL THEN email
            WHEN i < {background} AND k > 0 THEN '+77' || lpad((i - k)::VARCHAR, 9, '0')
            END AS code_contact,
        {tag_sql} AS truth
    FROM e"""


def _activity_sql(seed: int, mix: Mix) -> str:
    def u(salt: int) -> str:
        return _u(salt, "i", seed)

    return f"""
    WITH v AS (SELECT i, national_id AS voter, device, address, session, code_contact,
            TIMESTAMP '{VOTING_DAY}' + to_seconds(CAST(60 * cast_minute AS BIGINT)) AS t,
            CASE WHEN {u(70)} < 0.5 THEN 'Mozilla/5.0 (Android 14) Chrome/121'
                ELSE 'Mozilla/5.0 (iPhone; iOS 17) Safari/604' END AS ua,
            {u(71)} < {mix.revote} AS again,
            t + to_seconds(CAST(3600 + {u(72)} * 14400 AS BIGINT)) AS t2
        FROM roll_gen WHERE votes AND code_contact IS NOT NULL AND national_id IS NOT NULL),
    ev AS (
        SELECT t - INTERVAL 2 MINUTE AS time, 'code-requested' AS event, voter, address, device,
            ua, code_contact AS contact, session FROM v
        UNION ALL SELECT t - INTERVAL 1 MINUTE, 'signed-in', voter, address, device, ua, NULL,
            session FROM v
        UNION ALL SELECT t, 'ballot-cast', voter, address, device, ua, NULL, session FROM v
        UNION ALL SELECT t2 - INTERVAL 1 MINUTE, 'signed-in', voter, address, device, ua, NULL,
            session || 'b' FROM v WHERE again
        UNION ALL SELECT t2, 'ballot-cast', voter, address, device, ua, NULL, session || 'b'
            FROM v WHERE again
        UNION ALL SELECT TIMESTAMP '{VOTING_DAY}' + INTERVAL (k * 97) MINUTE, 'ballot-cast',
            '00000000000' || k, '198.51.100.' || k, 'dev-unknown-' || k, 'curl/8', NULL,
            'sx-' || k FROM range(1, 6) u(k))
    SELECT strftime(time, '%Y-%m-%d %H:%M:%S') AS time, event, voter, address, device,
        ua AS user_agent, contact, session FROM ev ORDER BY time, voter, event"""


@dataclass(frozen=True)
class FieldPaths:
    roll: Path
    activity: Path | None
    truth: Path


def _truth(con: duckdb.DuckDBPyConnection, with_activity: bool) -> dict[str, dict[str, Any]]:
    def values(sql: str) -> list[Any]:
        return [r[0] for r in con.execute(sql).fetchall()]

    def lines(where: str) -> dict[str, Any]:
        return {"key": "line", "values": values(f"SELECT line FROM out WHERE {where} ORDER BY 1")}

    def voters(where: str) -> dict[str, Any]:
        return {
            "key": "voter",
            "values": values(
                f"SELECT DISTINCT national_id FROM out WHERE votes AND code_contact IS NOT NULL "
                f"AND {where} ORDER BY 1"
            ),
        }

    def tagged(check: str) -> str:
        return f"list_contains(truth, '{check}')"

    truth: dict[str, dict[str, Any]] = {
        "id.check_digit": lines("pattern = 'bad_digit'"),
        "id.duplicate": lines(
            "national_id IN (SELECT national_id FROM out GROUP BY 1 HAVING count(*) > 1)"
        ),
        # a birth date in the future differs from the IIN's too
        "id.birth_date_mismatch": lines(
            "pattern = 'mismatch' OR (pattern = 'impossible' AND birth_date = '2031-05-01')"
        ),
        "roll.impossible_birth_date": lines("pattern = 'impossible'"),
        "enrol.unconfirmed": lines("confirmed = 'no'"),
    }
    for check in ("contact.shared_phone", "contact.shared_email", "enrol.operator_burst",
                  "enrol.closed_window"):  # fmt: skip
        truth[check] = lines(tagged(check))
    if with_activity:
        for check in ("device.many_voters", "cast.device_burst", "code.shared_contact",
                      "code.foreign_contact", "session.many_voters", "cast.organisation_burst",
                      "cast.address_burst"):  # fmt: skip
            truth[check] = voters(tagged(check))
        truth["turnout.abnormal_curve"] = {
            "key": "organisation",
            "values": values(
                "SELECT DISTINCT organisation FROM out WHERE blk IN ('f_waves', 'f_workplace') "
                "ORDER BY 1"
            ),
        }
        truth["activity.unknown_voter"] = {
            "key": "voter",
            "values": [f"00000000000{k}" for k in range(1, 6)],
        }
    return truth


def generate_field(
    out_dir: Path,
    rows: int,
    seed: int = 1,
    mix: str = "A",
    with_activity: bool = True,
    fmt: Literal["csv", "parquet"] = "csv",
    threads: int | None = None,
) -> FieldPaths:
    """Write ``roll.<fmt>``, ``activity.csv`` (optional) and ``truth.json`` into ``out_dir``."""
    if rows < MIN_ROWS:
        raise AuditInputError(f"synthetic rolls need at least {MIN_ROWS} rows (got {rows})")
    if mix not in MIXES:
        raise AuditInputError(f"unknown background mix {mix!r}; use one of {', '.join(MIXES)}")
    m = MIXES[mix]
    out_dir.mkdir(parents=True, exist_ok=True)
    background, groups = _layout(rows, seed)
    con = duckdb.connect(":memory:")
    try:
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        con.execute("SET preserve_insertion_order = false")
        con.execute("CREATE TABLE grp (lo BIGINT, size BIGINT, blk VARCHAR, g BIGINT)")
        con.executemany("INSERT INTO grp VALUES (?, ?, ?, ?)", groups)
        con.execute(_gen_sql(rows, seed, m, background))
        con.execute(_finish_sql(seed, background, m))
        con.execute("DROP TABLE gen")
        # Lines in a shuffled order, so that no group sits in one block of the file.
        con.execute(
            f"CREATE TABLE out AS SELECT *, row_number() OVER (ORDER BY hash(i, {seed}, 99)) + 1 "
            f"AS line FROM roll_gen"
        )
        roll_cols = (
            "national_id, name, birth_date, phone, email, home_address, unit, organisation, "
            "operator, enrolled_at, confirmed"
        )
        roll_path = out_dir / f"roll.{fmt}"
        options = "FORMAT PARQUET" if fmt == "parquet" else "HEADER, DELIMITER ','"
        con.execute(
            f"COPY (SELECT {roll_cols} FROM out ORDER BY line) TO '{roll_path}' ({options})"
        )
        activity_path = None
        if with_activity:
            activity_path = out_dir / "activity.csv"
            con.execute(
                f"COPY ({_activity_sql(seed, m)}) TO '{activity_path}' (HEADER, DELIMITER ',')"
            )
        truth = {
            "format": "honestballot-audit-truth/1",
            "generator": "field",
            "mix": mix,
            "rows": rows,
            "seed": seed,
            "closed_windows": [f"{CLOSED_WINDOW[0].isoformat()}/{CLOSED_WINDOW[1].isoformat()}"],
            "checks": _truth(con, with_activity),
        }
    finally:
        con.close()
    truth_path = out_dir / "truth.json"
    truth_path.write_text(json.dumps(truth) + "\n", "utf-8")
    return FieldPaths(roll_path, activity_path, truth_path)
