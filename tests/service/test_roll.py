"""The voter roll: import rules, shared-contact exceptions, the public summary (of an
election with re-voting protection).

Every test that touches the store runs on SQLite and on PostgreSQL (``database_url``).
A refused import must leave the roll exactly as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from honestballot.cli.organiser_roll import Voter as RollVoter
from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.errors import InvalidInput, RollRejected
from honestballot.protocol.board import RollEvent
from honestballot.record.events import EventLine, board_event
from honestballot.service.board.election import ElectionService
from honestballot.service.voters.roll import Roll
from honestballot.service.voters.roll_csv import (
    normalize_contact,
    normalize_email,
    normalize_national_id,
    normalize_phone,
)
from honestballot.store.sql import SqlStore
from tests.factories import REVOTING_SCHEDULE, DemoCeremonies, make_encrypted_roll, make_iin

ELECTION = "roll-test"
UNITS = ("station-1", "station-2", "station-3", "station-4", "station-small")
HEADER = "national_id,name,phone,email,unit\n"
#: the organiser's key (the election has re-voting protection: it opens with the
#: encrypted roll the organiser signs)
ORGANISER = random_nonzero_scalar(SeededRandomness("the roll's organiser"))


IDS = [make_iin(dt.date(1960, 1, 1) + dt.timedelta(days=97 * i), 10 * i) for i in range(12)]


@dataclass
class Setup:
    service: ElectionService
    roll: Roll

    @property
    def store(self) -> SqlStore:
        return self.service.store


@pytest.fixture
def setup(demo_ceremony: DemoCeremonies, database_url: str) -> Iterator[Setup]:
    ceremony = demo_ceremony(ELECTION)
    store = SqlStore(database_url)
    service = ElectionService(store, SeededRandomness("roll-service"))
    service.create(
        ceremony.manifest,
        ceremony.key,
        organiser_key=base_mul(ORGANISER),
        schedule=REVOTING_SCHEDULE,
    )
    yield Setup(service, Roll(store, clock=lambda: 1_700_000_000_000))
    store.close()


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(r + "\n" for r in rows)).encode()


def rejected(s: Setup, data: bytes) -> list[str]:
    """Import ``data``; it must be refused and store nothing."""
    before = s.roll.count(ELECTION)
    with pytest.raises(RollRejected) as info:
        s.roll.import_csv(ELECTION, data)
    assert s.roll.count(ELECTION) == before
    return info.value.problems


# -- normalisation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("8 (701) 123-45-67", "77011234567"),
        ("+7 701 123 45 67", "77011234567"),
        ("7011234567", "77011234567"),
        ("701-123-45-67", "77011234567"),
        ("77011234567", "77011234567"),
        ("  87011234567 ", "77011234567"),
        ("+1 212 555 0100", "12125550100"),
        ("+44 20 7946 0958", "442079460958"),
        # "00" is the international prefix, as "+": one phone, however it is written
        ("00 7 701 123 45 67", "77011234567"),
        ("007 (701) 123-45-67", "77011234567"),
        ("0077011234567", "77011234567"),
        ("+0077011234567", "77011234567"),
        ("00 44 20 7946 0958", "442079460958"),
        ("00 1 212 555 0100", "12125550100"),
        ("", None),
        ("   ", None),
    ],
)
def test_normalize_phone(raw: str, normal: str | None) -> None:
    assert normalize_phone(raw) == normal


@pytest.mark.parametrize(
    "raw",
    [
        "12345",
        "8701123456789012",
        "call 87011234567",
        "٨٧٠١١٢٣٤٥٦٧",
        "00 12345",  # 5 digits after the international prefix
        "00 1234 5678 9012 3456",  # 16 digits after it
        "8701123\x004567",
        "8 701 123\u200b45 67",  # zero-width space (format, Cf)
        "\u202a+7 701 123 45 67\u202c",  # bidirectional embedding (Cf)
    ],
)
def test_invalid_phone(raw: str) -> None:
    with pytest.raises(ValueError, match="phone"):
        normalize_phone(raw)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Anna.K@Mail.Example", "anna.k@mail.example"),
        ("anna.k+votes@mail.example", "anna.k@mail.example"),
        ("ANNA+a+b@MAIL.example", "anna@mail.example"),
        (" anna@mail.example ", "anna@mail.example"),
        # the domain's trailing dot (the DNS root) names the same domain
        ("anna@mail.example.", "anna@mail.example"),
        ("Anna+x@Mail.Example.", "anna@mail.example"),
        ("", None),
    ],
)
def test_normalize_email(raw: str, normal: str | None) -> None:
    assert normalize_email(raw) == normal


@pytest.mark.parametrize(
    "raw",
    [
        "anna.mail.example",
        "@mail.example",
        "anna@",
        "anna@.",
        "a@b@c",
        "a b@c",
        "z\x00z@example.org",
        "z\x1b[31m@example.org",
        "anna@mail\u200b.example",  # zero-width space (Cf)
        "anna\u00ad@mail.example",  # soft hyphen (Cf)
        "anna\x85@mail.example",  # next line (Cc)
        "anna@mail\texample",  # tab (Cc)
        "\ufeffanna@mail.example",  # byte-order mark (Cf)
    ],
)
def test_invalid_email(raw: str) -> None:
    with pytest.raises(ValueError, match="e-mail"):
        normalize_email(raw)


def test_normalize_contact_and_national_id() -> None:
    assert normalize_contact("8 701 123 45 67") == "77011234567"
    assert normalize_contact("X+y@Z.example") == "x@z.example"
    assert normalize_national_id(" 112-233-445 95 ") == "11223344595"
    assert normalize_national_id("ab-12") == "AB12"
    # any Unicode dash or space, as a phone keyboard or a copied document may give
    assert normalize_national_id("112\u2013233\u00a0445\u221295") == "11223344595"


# -- import ----------------------------------------------------------------------------------


def test_good_import(setup: Setup) -> None:
    data = csv_bytes(
        f"{IDS[0]},Anna Karimova,8 701 123 45 67,,station-1,ignored",
        f"{IDS[1][:6]}-{IDS[1][6:]},Bolat Serikov,,Bolat+vote@Mail.Example,station-2,x",
        f'{IDS[2]},"Ivanov, Ivan",+7 702 000 00 01,ivan@mail.example,station-2,',
        header="National_ID,NAME,Phone,Email,Unit,Comment\n",
    )
    assert setup.roll.import_csv(ELECTION, data) == 3
    assert setup.roll.count(ELECTION) == 3
    b = setup.roll.voter_by_national_id(ELECTION, f"{IDS[1][:3]} {IDS[1][3:]}")
    assert b is not None
    assert (b.voter_id, b.national_id, b.name, b.phone, b.email, b.unit, b.credential) == (
        2,
        IDS[1],
        "Bolat Serikov",
        None,
        "bolat@mail.example",
        "station-2",
        None,
    )
    c = setup.roll.voter(ELECTION, 3)
    assert c is not None and (c.name, c.phone) == ("Ivanov, Ivan", "77020000001")
    assert setup.roll.voter(ELECTION, 4) is None
    assert setup.roll.voter_by_national_id(ELECTION, "000000000000") is None
    # A second file continues the dense numbering.
    assert setup.roll.import_csv(ELECTION, csv_bytes(f"{IDS[3]},D,,d@x.example,station-3")) == 1
    d = setup.roll.voter_by_national_id(ELECTION, IDS[3])
    assert d is not None and d.voter_id == 4
    assert setup.roll.per_unit(ELECTION) == {
        "station-1": 1,
        "station-2": 2,
        "station-3": 1,
        "station-4": 0,
        "station-small": 0,
    }


def test_header_only_imports_nobody(setup: Setup) -> None:
    assert setup.roll.import_csv(ELECTION, HEADER.encode()) == 0
    assert setup.roll.import_csv(ELECTION, csv_bytes("", ",,,,", "   ")) == 0
    assert setup.roll.count(ELECTION) == 0


def test_duplicate_national_ids_refused(setup: Setup) -> None:
    setup.roll.import_csv(ELECTION, csv_bytes(f"{IDS[0]},A,,a@x.example,station-1"))
    problems = rejected(
        setup,
        csv_bytes(
            f"{IDS[0][:6]}-{IDS[0][6:]},A again,,a2@x.example,station-2",  # line 2
            f"{IDS[1]},B,,b@x.example,station-1",  # line 3
            f"{IDS[2]},C,,c@x.example,station-1",  # line 4
            f"{IDS[1]},B twin,,b2@x.example,station-1",  # line 5
        ),
    )
    assert problems == [
        f"line 2: national ID {IDS[0]} is also already on the roll",
        f"line 5: national ID {IDS[1]} is also on line 3",
    ]
    assert setup.roll.voter_by_national_id(ELECTION, IDS[2]) is None


def test_shared_phone_needs_an_exception(setup: Setup) -> None:
    data = csv_bytes(
        f"{IDS[0]},Husband,8 701 555 00 11,,station-1",
        f"{IDS[1]},Wife,+7 (701) 555-00-11,,station-1",
    )
    problems = rejected(setup, data)
    assert problems == [
        "line 3: phone 77015550011 is also used on line 2; a shared phone needs an exception "
        "recorded with a reason"
    ]
    # An exception for another contact does not help.
    setup.roll.add_exception(ELECTION, "87015550012", "a different family")
    rejected(setup, data)
    assert setup.roll.add_exception(ELECTION, "+7 701 555 00 11", "married couple") == (
        "77015550011"
    )
    assert setup.roll.import_csv(ELECTION, data) == 2
    # A contact already on the roll counts too: an e-mail this time.
    setup.roll.import_csv(ELECTION, csv_bytes(f"{IDS[2]},C,,office@x.example,station-2"))
    problems = rejected(setup, csv_bytes(f"{IDS[3]},D,,Office+d@X.example,station-2"))
    assert problems == [
        "line 2: e-mail office@x.example is also used by a voter already on the roll; "
        "a shared e-mail needs an exception recorded with a reason"
    ]
    setup.roll.add_exception(ELECTION, "OFFICE@x.example", "shared office mailbox")
    assert setup.roll.import_csv(ELECTION, csv_bytes(f"{IDS[3]},D,,Office+d@X.example,station-2"))
    assert setup.roll.count(ELECTION) == 4


def test_every_problem_is_listed_with_its_line(setup: Setup) -> None:
    problems = rejected(
        setup,
        csv_bytes(
            f"{IDS[0]},Good,,g@x.example,station-1",  # 2
            f"{IDS[1]},Lost,,l@x.example,station-9",  # 3
            f"{IDS[2]},,,,",  # 4
            f"{IDS[3]},Bad phone,12-34,,station-1",  # 5
            f"{IDS[4]},Bad mail,,no-at-sign,station-1",  # 6
            f"{IDS[5]},Short row,station-1",  # 7
            '"",Nobody,,n@x.example,station-1',  # 8
            f'{IDS[6]},"two\nlines",,t@x.example,station-2',  # 9-10
            "12-AB!,Bad id,,b@x.example,station-2",  # 11
            "1234,No contact,,,station-2",  # 12
        ),
    )
    assert problems == [
        "line 3: unit 'station-9' is not a unit of the election",
        "line 4: name is empty",
        "line 4: unit is empty",
        "line 4: neither a phone number nor an e-mail address",
        "line 5: phone '12-34' has 4 digits, not 10 to 15",
        "line 6: e-mail 'no-at-sign' has no @",
        "line 7: 3 fields where the header has 5",
        "line 8: national ID is empty",
        "line 9: name is longer than 256 characters or has control characters",
        "line 11: national ID '12AB!' is not up to 64 letters and digits",
        "line 12: neither a phone number nor an e-mail address",
    ]


def test_missing_columns_are_named(setup: Setup) -> None:
    with pytest.raises(InvalidInput, match=r"missing required column\(s\): unit"):
        setup.roll.import_csv(
            ELECTION, csv_bytes("1,A,,a@x,s", header="national_id,name,phone,email\n")
        )
    with pytest.raises(InvalidInput, match="phone or email"):
        setup.roll.import_csv(ELECTION, csv_bytes("1,A,s", header="national_id,name,unit\n"))
    # One contact column is enough.
    only_mail = csv_bytes(
        f"{IDS[0]},A,a@x.example,station-1", header="national_id,name,email,unit\n"
    )
    assert setup.roll.import_csv(ELECTION, only_mail) == 1


def test_semicolon_bom_crlf(setup: Setup) -> None:
    text = (
        "\ufeffNATIONAL_ID;Name;Phone;Email;Unit\r\n"
        f'{IDS[0]};"Karimova; Anna";8 701 123 45 67;;station-4\r\n'
        f"{IDS[1]};Bolat, Serikov;;b@x.example;station-small\r\n"
    )
    assert setup.roll.import_csv(ELECTION, text.encode()) == 2
    a = setup.roll.voter_by_national_id(ELECTION, IDS[0])
    b = setup.roll.voter_by_national_id(ELECTION, IDS[1])
    assert a is not None and (a.name, a.phone, a.unit) == (
        "Karimova; Anna",
        "77011234567",
        "station-4",
    )
    assert b is not None and (b.name, b.unit) == ("Bolat, Serikov", "station-small")


def test_not_utf8(setup: Setup) -> None:
    data = csv_bytes(f"{IDS[0]},A,,a@x.example,station-1") + "Ä,B\n".encode("latin-1")
    with pytest.raises(InvalidInput, match="not UTF-8 text \\(line 3"):
        setup.roll.import_csv(ELECTION, data)
    assert setup.roll.count(ELECTION) == 0


def test_only_in_setup(setup: Setup) -> None:
    setup.roll.import_csv(ELECTION, csv_bytes(f"{IDS[0]},A,,a@x.example,station-1"))
    voters = [RollVoter(IDS[0], "A", "station-1")]
    rng = SeededRandomness("make-roll")
    make_encrypted_roll(setup.service, setup.roll, ELECTION, ORGANISER, voters, rng, open_=True)
    assert setup.service.phase(ELECTION) == "open"
    with pytest.raises(InvalidInput, match="the election is open"):
        setup.roll.import_csv(ELECTION, csv_bytes(f"{IDS[1]},B,,b@x.example,station-1"))
    with pytest.raises(InvalidInput, match="the election is open"):
        setup.roll.add_exception(ELECTION, "a@x.example", "too late now")
    assert setup.roll.count(ELECTION) == 1
    assert setup.roll.exception_count(ELECTION) == 0
    with pytest.raises(InvalidInput, match="no election"):
        setup.roll.import_csv("nowhere", csv_bytes(f"{IDS[1]},B,,b@x.example,station-1"))


def test_exceptions(setup: Setup) -> None:
    assert setup.roll.exceptions(ELECTION) == []
    assert setup.roll.add_exception(ELECTION, "Team+x@Club.example", "club mailbox") == (
        "team@club.example"
    )
    assert setup.roll.add_exception(ELECTION, "8 701 000 00 00", "  care home phone ") == (
        "77010000000"
    )
    setup.roll.add_exception(ELECTION, "team@club.example", "the club's shared mailbox")
    assert setup.roll.exception_count(ELECTION) == 2
    assert setup.roll.exceptions(ELECTION) == [
        ("77010000000", "care home phone"),
        ("team@club.example", "the club's shared mailbox"),
    ]
    for contact, reason, message in [
        ("", "some reason", "phone number or e-mail"),
        ("12", "some reason", "digits"),
        ("a@", "some reason", "local@domain"),
        ("a@x.example", " ab ", "3 to 500"),
        ("a@x.example", "x" * 501, "3 to 500"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            setup.roll.add_exception(ELECTION, contact, reason)
    assert setup.roll.exception_count(ELECTION) == 2


def test_summary_lists_every_unit(setup: Setup) -> None:
    setup.roll.add_exception(ELECTION, "a@x.example", "family")
    setup.roll.import_csv(
        ELECTION,
        csv_bytes(
            f"{IDS[0]},A,,a@x.example,station-2",
            f"{IDS[1]},B,,a@x.example,station-2",
            f"{IDS[2]},C,,c@x.example,station-small",
        ),
    )
    per_unit, exceptions = setup.roll.summary(ELECTION)
    assert per_unit == tuple(zip(UNITS, (0, 2, 0, 0, 1), strict=True))
    assert exceptions == 1
    body = setup.roll.summary_body(ELECTION)
    assert body == {
        "voters_per_unit": [{"unit": u, "voters": n} for u, n in per_unit],
        "contact_exceptions": 1,
    }
    # Read inside the transaction that would publish it, the summary is the same.
    with setup.store.transaction(ELECTION) as conn:
        assert setup.roll.summary_body(ELECTION, conn) == body
    # The body is what the record format reads as a ``roll`` event.
    assert board_event(EventLine(3, 0, "roll", body), "roll") == RollEvent(per_unit, 1)


def test_summary_of_an_empty_roll(setup: Setup) -> None:
    assert setup.roll.summary(ELECTION) == (tuple((u, 0) for u in UNITS), 0)


def test_large_import(setup: Setup) -> None:
    n = 100_000
    rows = (
        f"{i:012d},Voter {i},+7 700 {i:07d},{'' if i % 3 else f'v{i}@x.example'},{UNITS[i % 5]}"
        for i in range(n)
    )
    assert setup.roll.import_csv(ELECTION, csv_bytes(*rows)) == n
    assert setup.roll.count(ELECTION) == n
    assert setup.roll.per_unit(ELECTION) == dict.fromkeys(UNITS, n // 5)
    last = setup.roll.voter(ELECTION, n)
    assert last is not None
    assert (last.national_id, last.phone, last.email) == (
        f"{n - 1:012d}",
        f"7700{n - 1:07d}",
        f"v{n - 1}@x.example",
    )
    v = setup.roll.voter_by_national_id(ELECTION, f"{3 * 777:012d}")
    assert v is not None and (v.voter_id, v.email) == (3 * 777 + 1, f"v{3 * 777}@x.example")
    # Against 100k voters on the roll, one more duplicate is still found.
    problems = rejected(setup, csv_bytes(f"{n + 5:012d},New,+7 700 {n - 1:07d},,station-1"))
    assert problems == [
        f"line 2: phone 7700{n - 1:07d} is also used by a voter already on the roll; "
        "a shared phone needs an exception recorded with a reason"
    ]


def test_too_many_rows(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("honestballot.service.voters.roll.MAX_VOTERS", 3)
    rows = [f"{IDS[i]},V{i},,v{i}@x.example,station-1" for i in range(4)]
    with pytest.raises(InvalidInput, match="more than 3 rows"):
        setup.roll.import_csv(ELECTION, csv_bytes(*rows))
    setup.roll.import_csv(ELECTION, csv_bytes(*rows[:2]))
    with pytest.raises(InvalidInput, match="more than 3 voters"):
        setup.roll.import_csv(ELECTION, csv_bytes(*rows[2:]))
    assert setup.roll.count(ELECTION) == 2


# -- control characters, the "00" prefix, the domain's trailing dot --------------------------


def test_control_and_format_characters_in_contacts_are_refused_by_line(setup: Setup) -> None:
    """A NUL cannot be stored on PostgreSQL (it was a 500 there, and stored on SQLite), an
    escape sequence would reach a terminal, an invisible mark makes two addresses look
    alike: each is a problem of its line, and nothing is imported."""
    problems = rejected(
        setup,
        csv_bytes(
            f"{IDS[0]},Good,,g@x.example,station-1",  # 2
            f"{IDS[1]},Zed,,z\x00z@example.org,station-1",  # 3
            f"{IDS[2]},Esc,,z\x1b[31m@example.org,station-1",  # 4
            f"{IDS[3]},Nul phone,8 701 000\x00 00 01,,station-1",  # 5
            f"{IDS[4]},Hidden,+7 701 000 00 02\u200b,z\u2066@example.org,station-1",  # 6
        ),
    )
    assert problems == [
        "line 3: e-mail 'z\\x00z@example.org' contains control or format characters",
        "line 4: e-mail 'z\\x1b[31m@example.org' contains control or format characters",
        "line 5: phone '8 701 000\\x00 00 01' contains control or format characters",
        "line 6: phone '+7 701 000 00 02\\u200b' contains control or format characters",
        "line 6: e-mail 'z\\u2066@example.org' contains control or format characters",
    ]
    assert setup.roll.voter_by_national_id(ELECTION, IDS[0]) is None


def test_a_phone_written_with_00_is_the_same_phone(setup: Setup) -> None:
    data = csv_bytes(
        f"{IDS[0]},A,+7 701 000 0001,,station-1",
        f"{IDS[1]},B,00 7 701 000 0001,,station-1",
    )
    assert rejected(setup, data) == [
        "line 3: phone 77010000001 is also used on line 2; a shared phone needs an exception "
        "recorded with a reason"
    ]
    setup.roll.import_csv(ELECTION, csv_bytes(f"{IDS[0]},A,+7 701 000 0001,,station-1"))
    later = csv_bytes(f"{IDS[1]},B,007 (701) 000-00-01,,station-1")
    assert rejected(setup, later) == [
        "line 2: phone 77010000001 is also used by a voter already on the roll; a shared "
        "phone needs an exception recorded with a reason"
    ]
    assert setup.roll.add_exception(ELECTION, "00 7 701 000 0001", "one family") == "77010000001"
    assert setup.roll.import_csv(ELECTION, later) == 1
    b = setup.roll.voter_by_national_id(ELECTION, IDS[1])
    assert b is not None and b.phone == "77010000001"


def test_an_e_mail_with_the_domains_trailing_dot_is_the_same_e_mail(setup: Setup) -> None:
    setup.roll.import_csv(ELECTION, csv_bytes(f"{IDS[0]},A,,a@x.org,station-1"))
    assert rejected(setup, csv_bytes(f"{IDS[1]},B,,A@X.org.,station-1")) == [
        "line 2: e-mail a@x.org is also used by a voter already on the roll; a shared e-mail "
        "needs an exception recorded with a reason"
    ]


def test_an_exception_with_control_or_format_characters_is_refused(setup: Setup) -> None:
    for contact, reason, message in [
        ("q\x00@example.org", "one family", "e-mail .* contains control or format characters"),
        ("q\x1b[31m@example.org", "one family", "e-mail .* control or format"),
        ("8 701 000\x00 00 01", "one family", "phone .* control or format"),
        ("q@example.org", "fam\x00ily", "reason .* contains control or format characters"),
        ("q@example.org", "fam\x1b[2Jily", "reason .* control or format"),
        ("q@example.org", "one\nfamily", "reason .* control or format"),
        ("q@example.org", "one\u200bfamily", "reason .* control or format"),
        ("q@example.org", "\u202eylimaf eno", "reason .* control or format"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            setup.roll.add_exception(ELECTION, contact, reason)
    assert setup.roll.exception_count(ELECTION) == 0
    # Leading and trailing whitespace is still only trimmed; other scripts are fine.
    assert setup.roll.add_exception(ELECTION, "Q@Example.org.", "\tсемья Ивановых\n") == (
        "q@example.org"
    )
    assert setup.roll.exceptions(ELECTION) == [("q@example.org", "семья Ивановых")]


@pytest.mark.parametrize(
    "raw",
    [
        "spy@evil.example,voter",
        "voter@example.org, spy@evil.example",
        "voter@example.org;spy@evil.example",
        "Voter <spy@evil.example>",
        "spy@evil.example(voter)",
        '"voter"@evil.example',
        "group:spy@evil.example",
        "voter\\@evil.example",
        "voter@[10.0.0.1]",
        "voter\u2028@evil.example",
        "voter@evil..example",
        "voter+x@y@evil.example",
    ],
)
def test_an_email_on_the_roll_names_one_recipient(raw: str) -> None:
    with pytest.raises(ValueError, match="e-mail"):
        normalize_email(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "spy@evil.example,voter",
        "a@b",
        "a@localhost",
        "Кира@Почта.Пример.",
        "a@.b",
        "a b@c",
        "a@b;c",
    ],
)
def test_the_roll_and_the_sender_agree_on_email_addresses(raw: str) -> None:
    from honestballot.service.messages.senders import email_address_problem

    try:
        normal = normalize_email(raw)
    except ValueError:
        return  # the roll may be stricter than the sender, never laxer
    assert normal is not None
    assert email_address_problem(normal) is None
