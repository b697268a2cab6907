"""The audit's SQL contact rules give exactly the roll import's Python rules.

The service refuses a second voter with a phone or e-mail already on the roll (unless
an exception is recorded), and the audit clusters voters by the same normalised
contact: if the two rules differed, one spelling could pass the import and escape the
audit's clusters, or the audit could report clusters the import never saw.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest

from honestballot.audit.engine import run_audit
from honestballot.audit.findings import AuditResult
from honestballot.audit.schema import _trim_sql, normal_email_sql, normal_phone_sql
from honestballot.service.voters.roll_csv import normalize_email, normalize_phone
from tests.factories import roll_row

MakeFile = Callable[[Sequence[dict[str, Any]]], Path]

PHONES = [
    "8 (701) 123-45-67",
    "+7 701 123 45 67",
    "7011234567",
    "701-123-45-67",
    "77011234567",
    "  87011234567 ",
    "+1 212 555 0100",
    "+44 20 7946 0958",
    # the international prefix "00", in every usual spelling
    "00 7 701 123 45 67",
    "007 (701) 123-45-67",
    "0077011234567",
    "00-7-701-123-45-67",
    "+0077011234567",
    "(00) 7 701 123 4567",
    "0087011234567",
    "00 44 20 7946 0958",
    "00 1 212 555 0100",
    "0044 20 7946 0958",
    "\u00a000 7 701 123 45 67\u3000",
    "00 7011234567",
    "001234567890123",
    "00123456789012345",
    # a leading zero that is not the international prefix
    "0 701 123 45 67",
    "020 7946 0958",
    "",
]

EMAILS = [
    "Anna.K@Mail.Example",
    "anna.k+votes@mail.example",
    "ANNA+a+b@MAIL.example",
    " anna@mail.example ",
    "anna@mail.example.",
    "Anna+x@Mail.Example.",
    "ANNA@MAIL.EXAMPLE.",
    "a.b.@x.org",
    "Кира@Почта.Пример.",
    "",
]


def _sql(rule: Callable[[str], str], value: str) -> Any:
    con = duckdb.connect()
    trimmed = f"SELECT {_trim_sql('w')} AS v FROM (SELECT ? AS w)"  # as load_table trims
    found = con.execute(f"SELECT {rule('v')} FROM ({trimmed})", [value])
    row = found.fetchone()
    assert row is not None
    return row[0]


@pytest.mark.parametrize("phone", PHONES)
def test_the_audit_normalises_a_phone_as_the_import_does(phone: str) -> None:
    assert _sql(normal_phone_sql, phone) == normalize_phone(phone)


@pytest.mark.parametrize("email", EMAILS)
def test_the_audit_normalises_an_e_mail_as_the_import_does(email: str) -> None:
    assert _sql(normal_email_sql, email) == normalize_email(email)


def test_an_address_with_an_empty_domain_label_is_refused_by_the_import() -> None:
    """The import refuses what no message may go to (the audit, which reads rolls from
    anywhere, only normalises)."""
    with pytest.raises(ValueError, match="e-mail"):
        normalize_email("anna@x.org..")


def test_the_00_and_plus_spellings_of_a_phone_are_one_cluster(roll_file: MakeFile) -> None:
    spellings = ["+7 701 000 0001", "00 7 701 000 0001", "8 701 000 00 01", "007 701 0000001"]
    rows = [roll_row(i, phone=p) for i, p in enumerate(spellings)]
    rows += [roll_row(10 + i, email=e) for i, e in enumerate(["x@y.org", "X@Y.org."])]
    result: AuditResult = run_audit(roll_file(rows))
    for check, clustered in [
        ("contact.shared_phone", {2, 3, 4, 5}),
        ("contact.shared_email", {6, 7}),
    ]:
        found = [f for f in result.findings if f.check == check and f.count]
        assert [f.groups for f in found] == [1], check
        assert {int(r["line"]) for r in found[0].records} == clustered, check
