"""People of an independently made roll: names, national IDs, birth dates, homes.

Written apart from the audit's checks and from the project's own generators (see
README.md): nothing here is derived from their thresholds. A person is a plain value;
the roll writer (``generate.py``) decides how it is written down, mistakes included.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

KAZAKH_MEN = [
    "Ерлан",
    "Нурлан",
    "Серик",
    "Бауыржан",
    "Асхат",
    "Дамир",
    "Арман",
    "Ержан",
    "Марат",
    "Кайрат",
    "Айдос",
    "Даурен",
    "Жандос",
    "Руслан",
    "Талгат",
    "Азамат",
    "Бахыт",
    "Габит",
    "Ермек",
    "Канат",
    "Мурат",
    "Нуржан",
    "Олжас",
    "Самат",
    "Тимур",
    "Улан",
    "Болат",
    "Данияр",
    "Асет",
    "Берик",
]
KAZAKH_WOMEN = [
    "Динара",
    "Айгуль",
    "Гульнара",
    "Алия",
    "Жанар",
    "Сауле",
    "Асель",
    "Мадина",
    "Айжан",
    "Гульмира",
    "Камила",
    "Жансая",
    "Назерке",
    "Дана",
    "Айнур",
    "Ботагоз",
    "Гаухар",
    "Жулдыз",
    "Карлыгаш",
    "Меруерт",
    "Салтанат",
    "Томирис",
]
KAZAKH_SURNAMES = [
    "Ахметов",
    "Серикбаев",
    "Нурпеисов",
    "Жумабаев",
    "Кенжебаев",
    "Сулейменов",
    "Омаров",
    "Абдрахманов",
    "Искаков",
    "Тулегенов",
    "Бекмуханов",
    "Касымов",
    "Мухамеджанов",
    "Садыков",
    "Есенов",
    "Байжанов",
    "Утегенов",
    "Сатпаев",
    "Ермеков",
    "Калиев",
    "Мусин",
    "Абенов",
    "Жаксылыков",
    "Турсунов",
    "Ибраев",
    "Оспанов",
    "Смагулов",
    "Токтаров",
    "Шайхин",
    "Аубакиров",
    "Бейсенов",
    "Дюсенов",
    "Жакупов",
    "Карабаев",
    "Кусаинов",
    "Мамыров",
    "Нургалиев",
    "Рахимов",
    "Сарсенбаев",
    "Тажибаев",
    "Уразов",
    "Хамитов",
    "Шарипов",
    "Ыскаков",
    "Алиев",
    "Байтурсынов",
]
RUSSIAN_MEN = [
    "Александр",
    "Сергей",
    "Андрей",
    "Дмитрий",
    "Владимир",
    "Николай",
    "Игорь",
    "Алексей",
    "Михаил",
    "Виктор",
    "Евгений",
    "Олег",
    "Павел",
    "Юрий",
    "Иван",
    "Роман",
    "Константин",
    "Геннадий",
]
RUSSIAN_WOMEN = [
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Ирина",
    "Светлана",
    "Анна",
    "Мария",
    "Галина",
    "Людмила",
    "Екатерина",
    "Юлия",
    "Валентина",
    "Оксана",
    "Марина",
    "Лариса",
]
RUSSIAN_SURNAMES = [
    "Иванов",
    "Петров",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Белов",
    "Тарасов",
    "Белоусов",
    "Ким",
    "Пак",
    "Шевченко",
    "Бондаренко",
    "Кравченко",
    "Ткаченко",
    "Цой",
    "Герман",
    "Шульц",
]
_PATRONYMIC_SPECIAL = {
    "Юрий": "Юрьев",
    "Михаил": "Михайлов",
    "Павел": "Павлов",
    "Евгений": "Евгеньев",
    "Геннадий": "Геннадьев",
}

CITIES = ("г. Алматы", "г. Астана", "г. Шымкент", "г. Караганда", "г. Павлодар", "г. Актобе")
STREETS = (
    "ул. Абая",
    "ул. Гагарина",
    "пр. Республики",
    "ул. Сатпаева",
    "ул. Толе би",
    "мкр. Самал-2",
    "ул. Жамбыла",
    "ул. Ленина",
    "ул. Байтурсынова",
    "пр. Назарбаева",
    "ул. Пушкина",
    "ул. Кенесары",
)
VILLAGE_STREETS = ("ул. Школьная", "ул. Центральная", "ул. Мира", "ул. Байтерек", "ул. Садовая")


def feminine(surname: str) -> str:
    """The woman's form of a surname (Ахметов -> Ахметова; Ким, Шевченко unchanged)."""
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    if surname.endswith("ий"):
        return surname[:-2] + "ая"
    return surname


def patronymic(father: str, female: bool, kazakh_form: bool = False) -> str:
    """Patronymic from the father's given name, Russian-style or Kazakh (-ұлы / -қызы)."""
    if kazakh_form:
        return father + ("қызы" if female else "ұлы")
    if father in _PATRONYMIC_SPECIAL:
        stem = _PATRONYMIC_SPECIAL[father]
    elif father.endswith(("й", "ь")):
        stem = father[:-1] + "ев"  # Сергей -> Сергеевич, Игорь -> Игоревич
    else:
        stem = father + "ов"
    return stem + ("на" if female else "ич")


@dataclass
class Person:
    """One adult member of the party (the roll's unit of truth)."""

    surname: str
    given: str
    patronymic: str
    female: bool
    birth: date
    address: str  # "locality, street house[, flat]" or "" when not given
    locality: str
    phone: str = ""  # national digits 7XXXXXXXXXX, "" for none
    email: str = ""
    household: int = -1
    kind: str = "honest"  # what made this person: honest, or the fraud scenario's name
    tags: set[str] = field(default_factory=set)

    @property
    def full_name(self) -> str:
        return f"{self.surname} {self.given} {self.patronymic}".strip()


def iin_control(first11: str) -> int | None:
    """IIN control digit (docs/audit.md's rule, written here from its statement);
    None when the number cannot be issued (both weightings give 10)."""
    digits = [int(c) for c in first11]
    s = sum(d * (i + 1) for i, d in enumerate(digits)) % 11
    if s == 10:
        weights = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
        s = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if s == 10:
            return None
    return s


def iin_is_valid(iin: str) -> bool:
    """Our own reading of the documented IIN rule (used for the truth of id.check_digit)."""
    if len(iin) != 12 or not iin.isdigit() or iin[6] not in "123456":
        return False
    century = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}[iin[6]]
    try:
        date(century + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        return False
    return iin_control(iin[:11]) == int(iin[11])


def iin_birth(iin: str) -> date:
    century = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}[iin[6]]
    return date(century + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))


def make_iin(rng: random.Random, birth: date, female: bool, used: set[str]) -> str:
    """A valid, unused IIN for this birth date and sex."""
    century = (birth.year // 100) * 100
    digit7 = {1800: 1, 1900: 3, 2000: 5}[century] + (1 if female else 0)
    head = f"{birth:%y%m%d}{digit7}"
    while True:
        first11 = head + f"{rng.randrange(10000):04d}"
        control = iin_control(first11)
        if control is None:
            continue
        iin = first11 + str(control)
        if iin not in used:
            used.add(iin)
            return iin


def random_birth(rng: random.Random, as_of: date, low: int, high: int) -> date:
    """A birthday between ``low`` and ``high`` years of age on ``as_of``."""
    days = rng.randint(low * 365 + 1, high * 365 - 1)
    return as_of - timedelta(days=days)


def member_age(rng: random.Random) -> int:
    """Age of an adult party member: few under 25, most 30-65, a tail of pensioners."""
    return max(18, min(88, int(rng.triangular(18, 86, 45))))


def new_phone(rng: random.Random, used: set[str]) -> str:
    """A Kazakh mobile number (Beeline 705/777, Kcell 701/702, Tele2/Altel 707/747/708)."""
    while True:
        code = rng.choice(("701", "702", "705", "777", "707", "747", "708", "700"))
        phone = f"7{code}{rng.randrange(10**7):07d}"
        if phone not in used:
            used.add(phone)
            return phone


def new_landline(rng: random.Random, used: set[str]) -> str:
    """A fixed line with a regional code (7172 Astana, 727 Almaty, 7212 Karaganda...)."""
    while True:
        code = rng.choice(("7172", "7273", "7212", "7182", "7132", "7252"))
        phone = f"7{code}{rng.randrange(10**6):06d}"
        if phone not in used:
            used.add(phone)
            return phone


_MAIL_DOMAINS = ("mail.ru", "gmail.com", "inbox.kz", "yandex.kz", "list.ru", "bk.ru")
_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "sch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
            "a",
            "g",
            "k",
            "n",
            "o",
            "u",
            "u",
            "h",
            "i",
        ],
        strict=False,
    )
)


def latin(text: str) -> str:
    return "".join(_TRANSLIT.get(c, c) for c in text.lower() if c.isalpha())


def new_email(rng: random.Random, person: Person, used: set[str]) -> str:
    base = f"{latin(person.given)[:1]}{latin(person.surname)}"
    while True:
        mail = f"{base}{rng.randrange(10, 9999)}@{rng.choice(_MAIL_DOMAINS)}"
        if mail not in used:
            used.add(mail)
            return mail


def city_address(rng: random.Random, city: str) -> str:
    house = rng.randint(1, 180)
    if rng.random() < 0.75:  # flats: most townspeople live in blocks
        return f"{city}, {rng.choice(STREETS)} {house}, кв. {rng.randint(1, 240)}"
    return f"{city}, {rng.choice(STREETS)} {house}"


def village_address(rng: random.Random, village: str) -> str:
    return f"{village}, {rng.choice(VILLAGE_STREETS)} {rng.randint(1, 90)}"


def random_name(rng: random.Random, female: bool) -> tuple[str, str, str]:
    """Surname, given name, patronymic of someone from nobody's family in particular."""
    if rng.random() < 0.68:  # Kazakh share of the population (2021 census, ~70 %)
        surname = rng.choice(KAZAKH_SURNAMES)
        given = rng.choice(KAZAKH_WOMEN if female else KAZAKH_MEN)
        father = rng.choice(KAZAKH_MEN)
        pat = patronymic(father, female, kazakh_form=rng.random() < 0.12)
    else:
        surname = rng.choice(RUSSIAN_SURNAMES)
        given = rng.choice(RUSSIAN_WOMEN if female else RUSSIAN_MEN)
        pat = patronymic(rng.choice(RUSSIAN_MEN), female)
    return (feminine(surname) if female else surname), given, pat
