"""Shared contacts and devices graded as an investigator would: a family is low, strangers
acting together are high (honestballot/audit/household.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from honestballot.audit.engine import run_audit
from honestballot.audit.findings import AuditResult, Severity
from tests.factories import ROLL_HEADER, make_iin, roll_row, write_csv

MakeFile = Callable[[Sequence[dict[str, Any]]], Path]
HEADER = (*ROLL_HEADER, "home_address")


def _person(i: int, name: str, birth: str, **over: Any) -> dict[str, Any]:
    return roll_row(i, name=name, birth_date=birth, national_id=make_iin(birth, 10 * i + 3), **over)


def _severity(result: AuditResult, check: str, line: int) -> Severity | None:
    found = [
        f.severity
        for f in result.findings
        if f.check == check
        for r in f.records
        if r["line"] == line
    ]
    return max(found) if found else None


def test_family_is_low_and_strangers_are_not(tmp_path: Path) -> None:
    phone = {"phone": "+7 701 111 22 33"}
    # A couple, their son, and their daughter who married and moved out: one landline.
    family = [
        _person(
            1, "Ахметов Нурлан Серикович", "1958-03-01", home_address="г. Астана, Абая 1", **phone
        ),
        _person(
            2, "Омарова Жанна Болатовна", "1960-07-09", home_address="г. Астана, Абая 1", **phone
        ),
        _person(
            3, "Ахметов Тимур Нурланович", "1985-01-02", home_address="г. Астана, Абая 1", **phone
        ),
        _person(
            4,
            "Садыкова Айгерим Нурлановна",
            "1988-11-30",
            home_address="г. Караганда, Мира 5",
            **phone,
        ),
    ]
    # Four unrelated people under one organiser's number, entered by one operator in a week.
    other = {"phone": "+7 701 555 00 01", "operator": "op-x"}
    strangers = [
        _person(
            10,
            "Иванов Сергей Петрович",
            "1970-01-01",
            home_address="г. Алматы, Ленина 3",
            enrolled_at="2023-04-03 10:00:00",
            **other,
        ),
        _person(
            11,
            "Касымова Дана Маратовна",
            "1991-05-05",
            home_address="г. Шымкент, Мира 9",
            enrolled_at="2023-04-04 11:00:00",
            **other,
        ),
        _person(
            12,
            "Петров Андрей Юрьевич",
            "1983-02-02",
            home_address="г. Актобе, Школьная 1",
            enrolled_at="2023-04-05 12:00:00",
            **other,
        ),
        _person(
            13,
            "Жумабаев Арман Канатович",
            "1966-09-09",
            home_address="с. Береке, Садовая 4",
            enrolled_at="2023-04-06 09:00:00",
            **other,
        ),
    ]
    result = run_audit(write_csv(tmp_path / "roll.csv", HEADER, family + strangers))
    for line in (2, 3, 4, 5):
        assert _severity(result, "contact.shared_phone", line) == Severity.LOW
    for line in (6, 7, 8, 9):
        assert _severity(result, "contact.shared_phone", line) == Severity.MEDIUM
    why = {
        r["why"] for f in result.findings if f.check == "contact.shared_phone" for r in f.records
    }
    assert why == {"household", "central_enrolment"}


def test_without_names_addresses_or_dates_size_decides(tmp_path: Path) -> None:
    """A roll with none of the household fields degrades to the evidence it has."""
    rows = [
        roll_row(i, phone="+7 705 000 00 00", name=f"Person {i}", birth_date="") for i in range(12)
    ]
    rows += [roll_row(20 + i, phone="+7 705 000 00 01", name=f"Person {20 + i}") for i in range(3)]
    result = run_audit(write_csv(tmp_path / "roll.csv", ROLL_HEADER, rows))
    assert {_severity(result, "contact.shared_phone", ln) for ln in range(2, 14)} == {Severity.HIGH}
    assert {_severity(result, "contact.shared_phone", ln) for ln in (14, 15, 16)} == {
        Severity.MEDIUM
    }


def _event(
    t: dt.datetime, event: str, voter: str, device: str, address: str, contact: str = ""
) -> dict[str, Any]:
    return {
        "time": t.strftime("%Y-%m-%d %H:%M:%S"),
        "event": event,
        "voter": voter,
        "address": address,
        "device": device,
        "user_agent": "ua",
        "contact": contact,
        "session": f"s-{voter}-{t:%H%M}",
    }


def test_joint_activity_raises_a_cluster_and_a_family_tablet_stays_low(
    tmp_path: Path, activity_file: MakeFile
) -> None:
    day = dt.datetime(2024, 3, 5, 19, 0)
    fam = [
        _person(1, "Ахметов Нурлан Серикович", "1958-03-01", home_address="г. Астана, Абая 1"),
        _person(2, "Ахметова Жанна Болатовна", "1960-07-09", home_address="г. Астана, Абая 1"),
        _person(3, "Ахметов Тимур Нурланович", "1985-01-02", home_address="г. Астана, Абая 1"),
    ]
    names = [
        "Иванов Сергей Петрович",
        "Касымова Дана Маратовна",
        "Петров Андрей Юрьевич",
        "Жумабаев Арман Канатович",
    ]
    # unrelated, different operators and years: only the shared phone, until they vote
    crew = [
        _person(
            10 + i,
            n,
            f"19{70 + i}-01-0{1 + i}",
            phone="+7 701 555 00 02",
            operator=f"op-{i}",
            enrolled_at=f"202{i}-0{1 + i}-10 10:00:00",
        )
        for i, n in enumerate(names)
    ]
    idle = [
        _person(
            20 + i,
            n,
            f"19{70 + i}-02-0{1 + i}",
            phone="+7 701 555 00 03",
            operator=f"op-{i}",
            enrolled_at=f"202{i}-0{2 + i}-11 10:00:00",
        )
        for i, n in enumerate(names)
    ]
    rows = fam + crew + idle
    roll = write_csv(tmp_path / "roll.csv", HEADER, rows)
    events: list[dict[str, Any]] = []
    for k, v in enumerate(fam):  # one evening, the family tablet
        t = day + dt.timedelta(minutes=4 * k)
        vid = str(v["national_id"])
        events += [
            _event(t, "code-requested", vid, "tab", "10.0.0.1", str(v["phone"])),
            _event(t, "signed-in", vid, "tab", "10.0.0.1"),
            _event(t, "ballot-cast", vid, "tab", "10.0.0.1"),
        ]
    for k, v in enumerate(crew):  # all on the organiser's PC
        t = day + dt.timedelta(minutes=2 * k)
        vid = str(v["national_id"])
        events += [
            _event(t, "code-requested", vid, "pc-org", "92.46.0.1", "+77015550002"),
            _event(t, "signed-in", vid, "pc-org", "92.46.0.1"),
            _event(t, "ballot-cast", vid, "pc-org", "92.46.0.1"),
        ]
    result = run_audit(roll, activity_file(events))
    assert {_severity(result, "contact.shared_phone", ln) for ln in range(5, 9)} == {Severity.HIGH}
    assert {_severity(result, "contact.shared_phone", ln) for ln in range(9, 13)} == {
        Severity.MEDIUM
    }
    fam_ids = {str(v["national_id"]) for v in fam}
    crew_ids = {str(v["national_id"]) for v in crew}

    def voters(check: str, severity: Severity) -> set[str]:
        return {
            str(r["voter"])
            for f in result.findings
            if f.check == check and f.severity == severity
            for r in f.records
        }

    assert voters("device.many_voters", Severity.LOW) == fam_ids
    assert voters("cast.device_burst", Severity.LOW) == fam_ids
    assert voters("device.many_voters", Severity.MEDIUM) == crew_ids
    assert voters("cast.device_burst", Severity.HIGH) == crew_ids


def test_surnames_that_do_not_change_with_gender_still_make_a_family(tmp_path: Path) -> None:
    """Ким, Кравченко, Шульц are written alike for men and women: a family's mailbox is
    low; three strangers of such names on one mailbox are not."""
    box = {"email": "kravchenko.family@mail.example", "operator": ""}
    family = [
        _person(1, "Кравченко Николай Романович", "1960-02-19", **box),
        _person(2, "Кравченко Лариса Алексеевна", "1962-11-16", **box),
        _person(3, "Кравченко Павел Николаевич", "1988-10-02", **box),
    ]
    other = {"email": "ofis.reg@mail.example", "operator": ""}
    strangers = [
        _person(10, "Ким Юрий Константинович", "1953-01-01", **other),
        _person(11, "Шульц Ольга Ивановна", "1970-06-19", **other),
        _person(12, "Кравченко Мария Сергеевна", "1991-06-19", **other),
    ]
    result = run_audit(write_csv(tmp_path / "roll.csv", HEADER, family + strangers))
    assert [_severity(result, "contact.shared_email", ln) for ln in (2, 3, 4)] == [Severity.LOW] * 3
    assert [_severity(result, "contact.shared_email", ln) for ln in (5, 6, 7)] == [
        Severity.MEDIUM
    ] * 3


def test_a_village_office_telephone_is_low_and_a_mobile_shared_by_a_village_is_not(
    tmp_path: Path,
) -> None:
    """Fourteen villagers of one branch, one locality (one moved to town), different
    operators over two years, on the village office's fixed line: a community. The same
    people on one mobile number, or on a fixed line but from all over the country, are
    strangers."""
    names = [
        "Шарипов Руслан Маратович", "Макарова Юлия Павловна", "Карабаев Нуржан Асетович",
        "Мусина Гульмира Болатовна", "Цой Константин Владимирович", "Абдрахманов Даурен Асетович",
        "Ыскакова Алия Айдосовна", "Козлова Мария Романовна", "Рахимова Салтанат Жандосовна",
        "Алексеева Анна Андреевна", "Смагулов Ермек Азаматович", "Нургалиев Серик Ержанович",
        "Пак Валентина Михайловна", "Алиев Бахыт Берикович",
    ]  # fmt: skip

    def village(start: int, phone: str, places: Callable[[int], str]) -> list[dict[str, Any]]:
        return [
            _person(
                start + k,
                name,
                f"19{45 + k:02d}-0{1 + k % 9}-1{k % 10}",
                phone=phone,
                organisation="Байсерке ауылдық филиал",
                operator=f"op-{k % 6}",
                enrolled_at=f"202{3 + k % 2}-0{1 + k % 9}-1{k % 10} 11:00:00",
                home_address=places(k),
            )
            for k, name in enumerate(names)
        ]

    def home(k: int) -> str:
        return "г. Астана, Абая 1" if k == 1 else f"с. Байсерке, ул. Садовая {k + 1}"

    def anywhere(k: int) -> str:
        return f"г. Город-{k}, ул. Мира {k + 1}"

    rows = village(100, "8 (718) 213-45-41", home)  # fixed line, one village
    rows += village(200, "+7 701 213 45 41", home)  # a mobile number
    rows += village(300, "8 (718) 213-45-42", anywhere)  # fixed line, all over
    result = run_audit(write_csv(tmp_path / "roll.csv", HEADER, rows))
    severities = [_severity(result, "contact.shared_phone", 2 + i) for i in range(len(rows))]
    assert severities[:14] == [Severity.LOW] * 14
    assert severities[14:] == [Severity.HIGH] * 28


_STAFF = [
    "Калиева Динара Маратовна",
    "Шарипов Ермек Саматович",
    "Сулейменова Жансая Асхатовна",
    "Ибраев Нурлан Олжасович",
    "Захарова Елена Романовна",
]


def _colleagues(start: int, email: str, organisations: Sequence[str]) -> list[dict[str, Any]]:
    """Five unrelated people (names, ages, addresses and operators all differ)."""
    return [
        _person(
            start + k,
            name,
            f"19{62 + 5 * k}-0{1 + k}-1{k}",
            email=email,
            organisation=organisations[k % len(organisations)],
            operator="",
            home_address=f"г. Город-{k}, ул. Мира {start + k}",
        )
        for k, name in enumerate(_STAFF)
    ]


def test_an_office_mailbox_is_on_its_organisations_domain(tmp_path: Path) -> None:
    """Colleagues giving their office's mailbox (its own domain) are low, also when the
    mailbox serves two of a department's institutions; the same colleagues on one box at a
    public mail service (a person's box: whoever reads it gets their codes), or people of
    five employers on the office's domain, are not."""
    rows = _colleagues(100, "kanc.828@edu-49.kz", ["СОШ №90"])
    rows += _colleagues(200, "kanc.829@edu-49.kz", ["СОШ №90", "Больница №266"])
    rows += _colleagues(300, "KADRY78@mail.ru", ["СОШ №91"])
    rows += _colleagues(400, "kadry79@gmail.com", ["СОШ №92"])
    rows += _colleagues(500, "kanc.830@edu-49.kz", [f"ТОО №{k}" for k in range(5)])
    result = run_audit(write_csv(tmp_path / "roll.csv", HEADER, rows))
    severities = [_severity(result, "contact.shared_email", 2 + i) for i in range(len(rows))]
    assert severities[:10] == [Severity.LOW] * 10
    assert severities[10:] == [Severity.MEDIUM] * 15
    low_why = {
        r["why"]
        for f in result.findings
        if f.check == "contact.shared_email" and f.severity == Severity.LOW
        for r in f.records
    }
    assert low_why == {"office_mailbox"}


def _signin(voter: dict[str, Any], t: dt.datetime, device: str, address: str) -> list[Any]:
    vid = str(voter["national_id"])
    contact = str(voter.get("phone") or voter.get("email"))
    return [
        _event(t, "code-requested", vid, device, address, contact),
        _event(t + dt.timedelta(minutes=1), "signed-in", vid, device, address),
        _event(t + dt.timedelta(minutes=3), "ballot-cast", vid, device, address),
    ]


def test_colleagues_voting_from_their_office_are_not_one_person_voting(
    tmp_path: Path, activity_file: MakeFile
) -> None:
    """Five colleagues sharing the school's mailbox vote from the school's network, which
    their other colleagues use too: low. Five people sharing a mailbox who all sign in
    from an address no one else uses (an organiser's office) are high."""
    office = _colleagues(100, "kanc.828@edu-49.kz", ["СОШ №90"])
    others = [roll_row(600 + k, organisation="СОШ №90", operator="") for k in range(4)]
    farm = _colleagues(300, "kanc.900@edu-50.kz", ["СОШ №93"])
    roll = write_csv(tmp_path / "roll.csv", HEADER, office + others + farm)
    day = dt.datetime(2024, 3, 5, 9, 0)
    events: list[Any] = []
    for k, v in enumerate(office + others):
        events += _signin(v, day + dt.timedelta(minutes=37 * k), f"own-{k}", "31.50.0.90")
    for k, v in enumerate(farm):
        events += _signin(v, day + dt.timedelta(minutes=41 * k), f"pc-{k}", "31.60.1.1")
    result = run_audit(roll, activity_file(events))
    assert [_severity(result, "contact.shared_email", 2 + i) for i in range(5)] == [
        Severity.LOW
    ] * 5
    assert [_severity(result, "contact.shared_email", 11 + i) for i in range(5)] == [
        Severity.HIGH
    ] * 5


def test_a_family_tablet_does_not_make_a_village_landline_joint(
    tmp_path: Path, activity_file: MakeFile
) -> None:
    """Six villagers on the akimat's fixed line, a couple among them voting on their
    tablet at home: a community, low (before, the couple's tablet made the line "one
    person votes for them", high); so are two villagers whose link the roll does not show
    (a mother and a son of different surnames) on one device: a pair. Three strangers of
    the line on one device are joint activity."""
    names = [
        "Мусин Улан Тимурович",
        "Мусина Жансая Габитовна",
        "Шарипова Камила Тимуровна",
        "Жумабаева Гаухар Тимуровна",
        "Токтаров Бауыржан Берикович",
        "Новиков Виктор Геннадьевич",
    ]

    def line(start: int, phone: str) -> list[dict[str, Any]]:
        return [
            _person(
                start + k,
                name,
                f"19{51 + 2 * k}-0{1 + k}-1{k}",
                phone=phone,
                organisation="Каражар ауылдық филиал",
                operator="",
                home_address="с. Каражар, ул. Центральная 5"
                if k < 2
                else f"с. Каражар, ул. Садовая {k}",
            )
            for k, name in enumerate(names)
        ]

    tablet = line(100, "+7 717 204 90 03")
    shared = line(200, "+7 717 204 90 04")
    pair = line(300, "+7 717 204 90 06")
    roll = write_csv(tmp_path / "roll.csv", HEADER, tablet + shared + pair)
    day = dt.datetime(2024, 3, 5, 19, 0)
    events: list[Any] = []
    for k, v in enumerate(tablet):
        device, address = ("tab", "178.89.1.1") if k < 2 else (f"own-{k}", f"95.56.0.{k}")
        events += _signin(v, day + dt.timedelta(minutes=7 * k), device, address)
    for k, v in enumerate(shared):  # the last three, strangers, on one phone
        device, address = ("one", "178.89.2.2") if k >= 3 else (f"p-{k}", f"95.57.0.{k}")
        events += _signin(v, day + dt.timedelta(minutes=7 * k), device, address)
    for k, v in enumerate(pair):  # the last two on one phone
        device, address = ("two", "178.89.3.3") if k >= 4 else (f"q-{k}", f"95.58.0.{k}")
        events += _signin(v, day + dt.timedelta(minutes=7 * k), device, address)
    result = run_audit(roll, activity_file(events))
    assert {_severity(result, "contact.shared_phone", 2 + i) for i in range(6)} == {Severity.LOW}
    assert {_severity(result, "contact.shared_phone", 8 + i) for i in range(6)} == {Severity.HIGH}
    assert {_severity(result, "contact.shared_phone", 14 + i) for i in range(6)} == {Severity.LOW}


def test_the_owners_family_at_a_collecting_phone_is_not_collected(
    tmp_path: Path, activity_file: MakeFile
) -> None:
    """A brigade leader's family phone receives four workers' codes; he signs in on the
    device he votes for them on and is high with them; his wife, whose own number it is,
    votes on her own phone elsewhere: low (owner_family)."""
    phone = "+7 707 373 50 84"
    leader = _person(
        1, "Кузнецов Павел Олегович", "1970-03-03", phone=phone, home_address="г. Астана, Абая 1"
    )
    wife = _person(
        2,
        "Кузнецова Галина Сергеевна",
        "1972-05-05",
        phone=phone,
        home_address="г. Астана, Абая 1",
    )
    workers = [
        _person(10 + k, name, f"19{80 + k}-0{1 + k}-0{1 + k}", operator="")
        for k, name in enumerate(_STAFF[:4])
    ]
    roll = write_csv(tmp_path / "roll.csv", HEADER, [leader, wife, *workers])
    day = dt.datetime(2024, 3, 5, 20, 0)
    events = _signin(leader, day, "leader-phone", "178.90.0.1")
    for k, w in enumerate(workers):
        t = day + dt.timedelta(minutes=5 * (k + 1))
        vid = str(w["national_id"])
        events += [
            _event(t, "code-requested", vid, "leader-phone", "178.90.0.1", "+77073735084"),
            _event(t, "signed-in", vid, "leader-phone", "178.90.0.1"),
            _event(t, "ballot-cast", vid, "leader-phone", "178.90.0.1"),
        ]
    events += _signin(wife, dt.datetime(2024, 3, 6, 14, 0), "wife-phone", "2.133.0.7")
    result = run_audit(roll, activity_file(events))

    def graded(voter: dict[str, Any]) -> set[tuple[Severity, str]]:
        return {
            (f.severity, str(r["why"]))
            for f in result.findings
            if f.check == "code.shared_contact"
            for r in f.records
            if r["voter"] == voter["national_id"]
        }

    assert graded(wife) == {(Severity.LOW, "owner_family")}
    assert graded(leader) == {(Severity.HIGH, "collected_codes")}
    for w in workers:
        assert graded(w) == {(Severity.HIGH, "collected_codes")}


def test_an_id_on_no_roll_line_does_not_break_a_community(
    tmp_path: Path, activity_file: MakeFile
) -> None:
    """Codes of five villagers go to the akimat's fixed line they gave, and one for an ID
    on no roll line (a mistyped member: activity.unknown_voter's case). What the roll says
    of the five still makes them one village: low."""
    landline = "+7 717 204 90 05"
    village = [
        _person(
            100 + k,
            name,
            f"19{51 + 2 * k}-0{1 + k}-1{k}",
            phone=landline,
            organisation="Каражар ауылдық филиал",
            operator="",
            home_address=f"с. Каражар, ул. Садовая {k}",
        )
        for k, name in enumerate(_STAFF)
    ]
    roll = write_csv(tmp_path / "roll.csv", HEADER, village)
    day = dt.datetime(2024, 3, 5, 19, 0)
    events: list[Any] = []
    for k, v in enumerate(village):
        events += _signin(v, day + dt.timedelta(minutes=9 * k), f"own-{k}", f"95.56.0.{k}")
    stray = {"national_id": make_iin("1960-01-01", 999), "phone": landline}
    events += _signin(stray, day + dt.timedelta(hours=2), "own-x", "95.56.0.99")
    result = run_audit(roll, activity_file(events))
    graded = {
        str(r["voter"]): f.severity
        for f in result.findings
        if f.check == "code.shared_contact"
        for r in f.records
    }
    assert {graded[str(v["national_id"])] for v in village} == {Severity.LOW}
    assert any(f.check == "activity.unknown_voter" and f.count == 1 for f in result.findings)
