"""Check digits of Kazakhstan's IIN and Russia's SNILS, Python and SQL side by side."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honestballot.audit.ids import (
    IdKind,
    IdProblem,
    check_national_id,
    detect_kind,
    iin_birth_date,
    iin_control_digit,
    normalize_id,
    snils_checksum,
    sql_id_check,
    sql_iin_control,
    sql_snils_checksum,
)

# Worked by hand: 9*1 + 1*4 + 1*6 + 3*7 = 40; 40 mod 11 = 7.
IIN_FIRST_PASS = "900101300007"
# First pass: 153 mod 11 = 10; second pass (weights 3..11,1,2): 151 mod 11 = 8.
IIN_SECOND_PASS = "850315400608"
# Both passes give 10: such a number is never issued.
IIN_NOT_ISSUED_11 = "85031540061"
# The classic SNILS example: 1*9+1*8+2*7+2*6+3*5+3*4+4*3+4*2+5*1 = 95.
SNILS_VALID = "112-233-445 95"
SNILS_SUM_100 = "001-019-989 00"  # weighted sum exactly 100 -> 00
SNILS_SUM_102 = "001-019-999 01"  # 102 mod 101 = 1
SNILS_SUM_201 = "102-889-999 00"  # 201 mod 101 = 100 -> 00


def test_iin_control_first_and_second_pass() -> None:
    assert iin_control_digit(IIN_FIRST_PASS[:11]) == 7
    assert iin_control_digit(IIN_SECOND_PASS[:11]) == 8
    assert iin_control_digit(IIN_NOT_ISSUED_11) is None


def test_valid_iins_pass_and_every_other_control_digit_fails() -> None:
    for iin in (IIN_FIRST_PASS, IIN_SECOND_PASS):
        assert check_national_id(iin) is None
        for d in "0123456789":
            if d != iin[-1]:
                assert check_national_id(iin[:-1] + d) is IdProblem.CHECK_DIGIT


def test_iin_not_issued_century_and_date() -> None:
    for d in "0123456789":
        assert check_national_id(IIN_NOT_ISSUED_11 + d) is IdProblem.NOT_ISSUED
    assert check_national_id("900101700007") is IdProblem.CENTURY_DIGIT
    assert check_national_id("900230300007") is IdProblem.ENCODED_DATE
    assert iin_birth_date(IIN_SECOND_PASS) == dt.date(1985, 3, 15)
    assert iin_birth_date("050101500000") == dt.date(2005, 1, 1)
    assert iin_birth_date("990101100000") == dt.date(1899, 1, 1)


def test_snils_checksums() -> None:
    assert snils_checksum("112233445") == 95
    assert snils_checksum("001019989") == 0
    assert snils_checksum("001019999") == 1
    assert snils_checksum("102889999") == 0
    for good in (SNILS_VALID, "11223344595", SNILS_SUM_100, SNILS_SUM_102, SNILS_SUM_201):
        assert check_national_id(good) is None, good
    assert check_national_id("112-233-445 96") is IdProblem.CHECK_DIGIT
    assert check_national_id("001-019-989 01") is IdProblem.CHECK_DIGIT
    # At or below 001-001-998 no checksum is defined, so none can fail.
    assert check_national_id("001-001-998 17") is None


def test_kind_detection_and_format() -> None:
    assert normalize_id(" 112-233-445 95 ") == "11223344595"
    assert detect_kind("11223344595") is IdKind.SNILS
    assert detect_kind(IIN_FIRST_PASS) is IdKind.IIN
    assert detect_kind("1234") is None
    assert check_national_id("12345") is IdProblem.FORMAT
    assert check_national_id("9001013000x7") is IdProblem.FORMAT
    assert check_national_id(IIN_FIRST_PASS[:11], IdKind.IIN) is IdProblem.FORMAT


def _sql_problems(values: list[str]) -> list[str | None]:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, national_id VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values)))
    kind = "CASE length(national_id) WHEN 12 THEN 'iin' WHEN 11 THEN 'snils' END"
    rows = con.execute(f"SELECT i, problem FROM ({sql_id_check('t', 'national_id', kind, 'i')}) "
                       "ORDER BY i").fetchall()
    return [r[1] for r in rows]


def test_sql_matches_python_on_known_vectors() -> None:
    values = [IIN_FIRST_PASS, IIN_SECOND_PASS, IIN_NOT_ISSUED_11 + "3", "900101700007",
              "900230300007", "900101300008", "11223344595", "00101998900", "10288999901",
              "00100199817", "12345", "9001013000x7"]
    expected = [check_national_id(v) for v in values]
    assert _sql_problems(values) == [None if e is None else str(e) for e in expected]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.from_regex(r"[0-9]{11,12}", fullmatch=True), min_size=1, max_size=200))
def test_sql_matches_python_on_random_ids(values: list[str]) -> None:
    expected = [check_national_id(v) for v in values]
    assert _sql_problems(values) == [None if e is None else str(e) for e in expected]


@pytest.mark.parametrize("n", [0, 1, 7, 1234, 99999])
def test_string_sql_helpers_match_python(n: int) -> None:
    con = duckdb.connect()
    first11 = f"{(n * 7919) % 10**11:011d}"
    number9 = f"{(n * 104729 + 1001999) % 10**9:09d}"
    row = con.execute(
        f"SELECT {sql_iin_control('a')}, {sql_snils_checksum('b')} FROM (SELECT ? AS a, ? AS b)",
        [first11, number9],
    ).fetchone()
    assert row is not None
    control = iin_control_digit(first11)
    assert row[0] == (-1 if control is None else control)
    assert row[1] == snils_checksum(number9)


@pytest.mark.parametrize("raw", ["95010130012²", "1234567890¹", "٩٥٠١٠١٣٠٠١٢٣"])
def test_digits_other_than_ascii_are_a_format_problem_not_a_crash(raw: str) -> None:
    """``str.isdigit`` takes "²" and Arabic-Indic digits, which ``int`` refuses or reads
    as other numbers: a roll row holding one is a format problem, never a traceback."""
    assert check_national_id(raw) is IdProblem.FORMAT
    assert detect_kind(raw) is None
    assert iin_birth_date("٩٥٠١٠١٣٠٠١٢٣") is None  # its "birth date" is no ASCII digits
