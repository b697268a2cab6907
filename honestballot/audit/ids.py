"""National identity numbers: Kazakhstan's IIN and Russia's SNILS.

Each rule exists twice, side by side: a pure-Python function (the reference, used
for single values and in tests) and a DuckDB SQL expression built from the same
weights (used to check ten million rows at once). The tests hold the two to the
same answers.

IIN (12 digits): ``YYMMDD`` birth date, a century/sex digit ``c`` (1/2 -> 1800s,
3/4 -> 1900s, 5/6 -> 2000s; odd male, even female), four serial digits, and a
control digit ``k``. With ``d1..d11`` the first eleven digits,
``k = sum(d_i * i) mod 11``; if that is 10, ``k = sum(d_i * w_i) mod 11`` with
``w = 3,4,5,6,7,8,9,10,11,1,2``; if that is 10 again no IIN is issued.

SNILS (11 digits, shown as ``XXX-XXX-XXX YY``): ``s = sum(d_i * (10 - i))`` over the
nine number digits; the check is ``s`` if ``s < 100``, ``00`` if ``s`` is 100 or 101,
otherwise ``s mod 101`` with 100 again written ``00``. The check is defined only for
numbers greater than 001-001-998; smaller (early) numbers are not checkable.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Final

IIN_WEIGHTS_1: Final = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
IIN_WEIGHTS_2: Final = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
SNILS_WEIGHTS: Final = (9, 8, 7, 6, 5, 4, 3, 2, 1)
SNILS_MIN_CHECKED: Final = 1_001_998  # checksum defined only for numbers above 001-001-998

_SEPARATORS = re.compile(r"[\s\-]")


class IdKind(StrEnum):
    IIN = "iin"
    SNILS = "snils"


class IdProblem(StrEnum):
    """Why a national ID fails; ``None`` from :func:`check_national_id` means it passes."""

    FORMAT = "format"  # wrong length or non-digit characters
    CHECK_DIGIT = "check-digit"
    NOT_ISSUED = "not-issued"  # IIN whose both control passes give 10
    CENTURY_DIGIT = "century-digit"  # IIN 7th digit outside 1..6
    ENCODED_DATE = "encoded-date"  # IIN YYMMDD is not a calendar date


def _digits(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also takes "²" and other digits ``int`` refuses."""
    return text.isascii() and text.isdigit()


def normalize_id(raw: str) -> str:
    """Strip the usual dashes and spaces (``112-233-445 95`` -> ``11223344595``)."""
    return _SEPARATORS.sub("", raw.strip())


def detect_kind(normalized: str) -> IdKind | None:
    """Kind by length: 12 digits is an IIN, 11 digits a SNILS, anything else unknown."""
    if not _digits(normalized):
        return None
    if len(normalized) == 12:
        return IdKind.IIN
    if len(normalized) == 11:
        return IdKind.SNILS
    return None


def iin_control_digit(first11: str) -> int | None:
    """The IIN control digit for eleven digits, or ``None`` if the number is not issued."""
    if len(first11) != 11 or not _digits(first11):
        raise ValueError("an IIN control digit needs exactly eleven digits")
    digits = [int(c) for c in first11]
    k = sum(d * w for d, w in zip(digits, IIN_WEIGHTS_1, strict=True)) % 11
    if k == 10:
        k = sum(d * w for d, w in zip(digits, IIN_WEIGHTS_2, strict=True)) % 11
        if k == 10:
            return None
    return k


def iin_birth_date(iin: str) -> dt.date | None:
    """The birth date an IIN encodes, or ``None`` if its century digit or date is invalid."""
    if len(iin) < 7 or not _digits(iin[:7]):
        return None
    century = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}.get(iin[6])
    if century is None:
        return None
    try:
        return dt.date(century + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        return None


def snils_checksum(number9: str) -> int:
    """The two-digit SNILS checksum of a nine-digit number (valid above 001-001-998)."""
    if len(number9) != 9 or not _digits(number9):
        raise ValueError("a SNILS checksum needs exactly nine digits")
    s = sum(int(c) * w for c, w in zip(number9, SNILS_WEIGHTS, strict=True))
    if s > 101:
        s %= 101
    return 0 if s in (100, 101) else s


def check_national_id(raw: str, kind: IdKind | None = None) -> IdProblem | None:
    """``None`` if the ID passes its check, else the first problem found."""
    value = normalize_id(raw)
    kind = kind or detect_kind(value)
    if kind is None or not _digits(value):
        return IdProblem.FORMAT
    if kind is IdKind.IIN:
        if len(value) != 12:
            return IdProblem.FORMAT
        if value[6] not in "123456":
            return IdProblem.CENTURY_DIGIT
        if iin_birth_date(value) is None:
            return IdProblem.ENCODED_DATE
        control = iin_control_digit(value[:11])
        if control is None:
            return IdProblem.NOT_ISSUED
        return None if control == int(value[11]) else IdProblem.CHECK_DIGIT
    if len(value) != 11:
        return IdProblem.FORMAT
    if int(value[:9]) <= SNILS_MIN_CHECKED:
        return None
    return None if snils_checksum(value[:9]) == int(value[9:]) else IdProblem.CHECK_DIGIT


# --- the same rules as DuckDB SQL expressions -----------------------------------------


def _digit(col: str, i: int) -> str:
    """SQL for the ``i``-th (1-based) digit of ``col`` as an integer."""
    return f"(ascii(substr({col}, {i}, 1)) - 48)"


def _weighted_sum(col: str, weights: tuple[int, ...]) -> str:
    return " + ".join(f"{w} * {_digit(col, i)}" for i, w in enumerate(weights, start=1))


def sql_iin_control(col: str) -> str:
    """SQL: the IIN control digit of 12-digit ``col`` (-1 when not issued)."""
    first = f"(({_weighted_sum(col, IIN_WEIGHTS_1)}) % 11)"
    second = f"(({_weighted_sum(col, IIN_WEIGHTS_2)}) % 11)"
    return f"CASE WHEN {first} < 10 THEN {first} WHEN {second} < 10 THEN {second} ELSE -1 END"


def sql_iin_birth_date(col: str) -> str:
    """SQL: the DATE encoded in IIN ``col`` (NULL if the century digit or date is invalid)."""
    century = (
        f"CASE substr({col}, 7, 1) WHEN '1' THEN 18 WHEN '2' THEN 18 WHEN '3' THEN 19 "
        f"WHEN '4' THEN 19 WHEN '5' THEN 20 WHEN '6' THEN 20 END"
    )
    return f"try_strptime(({century})::VARCHAR || substr({col}, 1, 6), '%Y%m%d')::DATE"


def sql_snils_checksum(col: str) -> str:
    """SQL: the SNILS checksum of the first nine digits of ``col``."""
    s = f"({_weighted_sum(col, SNILS_WEIGHTS)})"
    reduced = f"(CASE WHEN {s} > 101 THEN {s} % 101 ELSE {s} END)"
    return f"(CASE WHEN {reduced} >= 100 THEN 0 ELSE {reduced} END)"


def _weighted_digits(weights: tuple[int, ...], length: int) -> str:
    """SQL: the weighted sum of the leading digits of a ``length``-digit number, from its
    digits ``e0`` (units) .. ``e11`` (see :func:`sql_id_check`)."""
    return " + ".join(f"{w} * e{length - i}" for i, w in enumerate(weights, start=1))


def sql_id_check(source: str, id_col: str, kind_sql: str, keep: str) -> str:
    """A SELECT over ``source`` giving ``keep`` columns, ``kind``, ``problem``, ``iin_date``.

    ``problem`` is an :class:`IdProblem` value or NULL; ``iin_date`` is the birth date a
    valid IIN encodes. Digits are taken from the ID as a BIGINT with integer arithmetic,
    which is several times faster on large rolls than string slicing; each of the twelve
    is divided out once (``e0`` units .. ``e11``) and shared by both IIN passes and SNILS.
    """
    digits = ", ".join(f"CAST((num // {10**j}) % 10 AS INTEGER) AS e{j}" for j in range(12))
    c1 = f"(({_weighted_digits(IIN_WEIGHTS_1, 12)}) % 11)"
    c2 = f"(({_weighted_digits(IIN_WEIGHTS_2, 12)}) % 11)"
    ss = f"({_weighted_digits(SNILS_WEIGHTS, 11)})"
    return f"""SELECT {keep}, kind, problem,
        CASE WHEN kind = 'iin' AND problem IS NULL THEN make_date(yy, mm, dd) END AS iin_date
    FROM (SELECT *, CASE
        WHEN kind IS NULL OR num IS NULL THEN '{IdProblem.FORMAT}'
        WHEN kind = 'iin' AND len <> 12 THEN '{IdProblem.FORMAT}'
        WHEN kind = 'snils' AND len <> 11 THEN '{IdProblem.FORMAT}'
        WHEN kind = 'iin' AND yy IS NULL THEN '{IdProblem.CENTURY_DIGIT}'
        WHEN kind = 'iin' AND NOT (mm BETWEEN 1 AND 12 AND dd BETWEEN 1 AND
            day(last_day(make_date(yy, greatest(least(mm, 12), 1), 1))))
            THEN '{IdProblem.ENCODED_DATE}'
        WHEN kind = 'iin' AND c1 = 10 AND c2 = 10 THEN '{IdProblem.NOT_ISSUED}'
        WHEN kind = 'iin' AND (CASE WHEN c1 < 10 THEN c1 ELSE c2 END) <> e0
            THEN '{IdProblem.CHECK_DIGIT}'
        WHEN kind = 'snils' AND num // 100 > {SNILS_MIN_CHECKED} AND
            (CASE WHEN ss_r >= 100 THEN 0 ELSE ss_r END) <> 10 * e1 + e0
            THEN '{IdProblem.CHECK_DIGIT}'
        END AS problem
    FROM (SELECT *,
        CASE WHEN kind = 'iin' AND len = 12 THEN {c1} END AS c1,
        CASE WHEN kind = 'iin' AND len = 12 THEN {c2} END AS c2,
        CASE WHEN kind = 'snils' AND len = 11 THEN
            (CASE WHEN {ss} > 101 THEN {ss} % 101 ELSE {ss} END) END AS ss_r,
        CASE WHEN kind = 'iin' AND len = 12 THEN
            CASE e5 WHEN 1 THEN 1800 WHEN 2 THEN 1800 WHEN 3 THEN 1900 WHEN 4 THEN 1900
            WHEN 5 THEN 2000 WHEN 6 THEN 2000 END + 10 * e11 + e10 END AS yy,
        10 * e9 + e8 AS mm,
        10 * e7 + e6 AS dd
    FROM (SELECT *, {digits}
    FROM (SELECT {keep}, {kind_sql} AS kind, length({id_col}) AS len,
        CASE WHEN regexp_full_match({id_col}, '[0-9]{{1,18}}')
            THEN CAST({id_col} AS BIGINT) END AS num
        FROM {source}))))"""
