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
