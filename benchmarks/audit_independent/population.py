"""The honest population: organisations, households, contacts and enrolment history.

Rates are stated where they are drawn, with their source in README.md. Nothing here
knows the audit's thresholds; the shapes come from how people live, not from what a
check looks for.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from people import (
    CITIES,
    KAZAKH_MEN,
    KAZAKH_SURNAMES,
    KAZAKH_WOMEN,
    RUSSIAN_MEN,
    RUSSIAN_SURNAMES,
    RUSSIAN_WOMEN,
    Person,
    city_address,
    feminine,
    member_age,
    new_email,
    new_landline,
    new_phone,
    patronymic,
    random_birth,
    random_name,
    village_address,
)

AS_OF = date(2026, 3, 13)  # first voting day; --as-of for the audit
ROLL_START = datetime(2024, 1, 10)
ROLL_END = datetime(2026, 2, 20)
CLOSED = (datetime(2025, 10, 1), datetime(2025, 11, 1))  # enrolment suspended


@dataclass
class Org:
    """An employer or branch (the roll's ``organisation``)."""

    name: str
    kind: str  # office, school, hospital, factory, depot, university, village, shop
    unit: str
    locality: str
    office_ip: str
    members: list[int] = field(default_factory=list)  # indexes into Population.lines
    wifi_ip: str = ""


@dataclass
class Line:
    """One roll line as it will be written, and what we know about it."""

    person: Person
    iin: str
    org: Org | None
    unit: str
    operator: str = ""
    enrolled_at: datetime | None = None
    confirmed: bool = True
    id_text: str = ""  # as written (formatting, typos); empty = the IIN bare
    birth_text: str = ""  # as written; empty = ISO from person.birth
    phone_text: str = ""  # as written
    email_text: str = ""
    truth: dict[str, str] = field(default_factory=dict)  # check -> "true" | "excused"


@dataclass
class Population:
    rng: random.Random
    rows: int
    lines: list[Line] = field(default_factory=list)
    orgs: list[Org] = field(default_factory=list)
    operators: dict[str, list[str]] = field(default_factory=dict)  # unit -> operator ids
    used_ids: set[str] = field(default_factory=set)
    used_phones: set[str] = field(default_factory=set)
    used_mails: set[str] = field(default_factory=set)
    households: int = 0
    village_landline: dict[str, str] = field(default_factory=dict)
    units: dict[str, list[str]] = field(default_factory=dict)  # locality -> party units

    @property
    def scale(self) -> float:
        return self.rows / 20_000

    def count(self, per_20k: float) -> int:
        """How many of something that happens ``per_20k`` times in 20,000 rows."""
        expected = per_20k * self.scale
        whole = int(expected)
        return max(1, whole + (1 if self.rng.random() < expected - whole else 0))

    def ip(self, prefix: str) -> str:
        r = self.rng
        return f"{prefix}.{r.randrange(256)}.{r.randrange(1, 255)}"


ORG_KINDS = (
    # kind, share of organisations, name patterns
    ("office", 0.22, ("Акимат {} района", "Департамент {}", "Управление {}", "ЦОН {}")),
    ("school", 0.2, ("Школа-гимназия №{}", "СОШ №{}", "Детский сад №{}")),
    ("hospital", 0.1, ("Городская поликлиника №{}", "Больница №{}")),
    ("factory", 0.12, ("ТОО Завод {}", "АО Комбинат {}", "ТОО Стройсервис {}")),
    ("shop", 0.2, ("ИП {}", "ТОО Торговый дом {}", "Кафе {}")),
    ("depot", 0.04, ("Локомотивное депо {}", "Автопарк №{}")),
    ("university", 0.02, ("Университет {}", "Колледж {}")),
)


def build_orgs(pop: Population) -> None:
    """Organisations of the cities, with heavy-tailed sizes; villages are added apart."""
    rng = pop.rng
    n = max(8, int(pop.rows / 55))
    for i in range(n):
        kind, _, patterns = rng.choices(ORG_KINDS, weights=[k[1] for k in ORG_KINDS])[0]
        city = rng.choice(CITIES)
        unit = rng.choice(pop.units[city])
        name = rng.choice(patterns).format(f"{city[3:]}-{i}")
        org = Org(name, kind, unit, city, office_ip=pop.ip(f"31.{rng.randrange(40, 60)}"))
        if kind in ("university", "depot", "factory"):
            org.wifi_ip = pop.ip(f"46.{rng.randrange(30, 40)}")
        pop.orgs.append(org)


def org_weight(org: Org) -> float:
    return {"university": 14.0, "depot": 4.0, "factory": 3.0, "office": 1.6, "hospital": 2.0}.get(
        org.kind, 1.0
    )


def household_sizes(rng: random.Random) -> int:
    """Members of one household who are on the roll. Party membership is personal, so
    most households have one member on it; spouses and grown children join together
    often enough that two to four from one home are common (README: sources)."""
    return rng.choices((1, 2, 3, 4, 5), weights=(64, 22, 9, 4, 1))[0]


def _family(rng: random.Random, size: int) -> list[tuple[str, str, str, bool, int]]:
    """(surname, given, patronymic, female, age) for one family of ``size`` adults."""
    kazakh = rng.random() < 0.68
    surnames = KAZAKH_SURNAMES if kazakh else RUSSIAN_SURNAMES
    men = KAZAKH_MEN if kazakh else RUSSIAN_MEN
    women = KAZAKH_WOMEN if kazakh else RUSSIAN_WOMEN
    surname = rng.choice(surnames)
    grandfather = rng.choice(men)
    father_age = rng.randint(45, 78) if size >= 3 else rng.randint(24, 80)
    father = rng.choice(men)
    out = [(surname, father, patronymic(grandfather, False), False, father_age)]
    # many Kazakh wives keep their own surname; Russian wives mostly take the husband's
    keeps = rng.random() < (0.3 if kazakh else 0.08)
    wife_surname = feminine(rng.choice(surnames) if keeps else surname)
    wife_pat = patronymic(rng.choice(men), True)
    out.append((wife_surname, rng.choice(women), wife_pat, True, father_age - rng.randint(-3, 6)))
    for _ in range(size - 2):
        female = rng.random() < 0.5
        age = max(18, father_age - rng.randint(22, 34))
        given = rng.choice(women if female else men)
        out.append(
            (
                feminine(surname) if female else surname,
                given,
                patronymic(father, female, kazakh_form=kazakh and rng.random() < 0.1),
                female,
                age,
            )
        )
    if size == 2 and rng.random() < 0.3:
        # a grown son or daughter with one parent (widowed mother), not a couple
        mother = out[1]
        female = rng.random() < 0.5
        child_age = max(18, mother[4] - rng.randint(22, 34))
        given = rng.choice(women if female else men)
        out = [
            mother,
            (
                feminine(surname) if female else surname,
                given,
                patronymic(father, female),
                female,
                child_age,
            ),
        ]
    return out


def add_person(
    pop: Population,
    person: Person,
    org: Org | None,
    unit: str,
) -> Line:
    from people import make_iin

    line = Line(person, make_iin(pop.rng, person.birth, person.female, pop.used_ids), org, unit)
    pop.lines.append(line)
    if org is not None:
        org.members.append(len(pop.lines) - 1)
    return line


def build_households(pop: Population, target: int, villages: list[Org]) -> None:
    """Honest households until the roll has ``target`` lines."""
    rng = pop.rng
    city_orgs = pop.orgs[:]
    # heavy-tailed employers: a few large ones, many small
    weights = [org_weight(o) * rng.lognormvariate(0, 0.8) for o in city_orgs]
    cumulative = list(itertools.accumulate(weights))
    while len(pop.lines) < target:
        size = min(household_sizes(rng), target - len(pop.lines))
        rural = rng.random() < 0.2
        if rural:
            village = rng.choice(villages)
            locality, unit = village.locality, village.unit
            address = village_address(rng, locality)
        else:
            village = None
            locality = rng.choice(CITIES)
            unit = ""
            address = city_address(rng, locality)
        hh = pop.households
        pop.households += 1
        if size > 1:
            family = _family(rng, size)
        else:
            female = rng.random() < 0.55
            family = [(*random_name(rng, female), female, member_age(rng))]
        members: list[Line] = []
        for surname, given, pat, female, age in family:
            age = max(18, min(88, age))
            birth = random_birth(rng, AS_OF, age, age + 1)
            person = Person(surname, given, pat, female, birth, address, locality, household=hh)
            org: Org | None
            if village is not None:
                org = village
            elif age >= 66 and rng.random() < 0.7:
                org = None  # pensioners: no employer
            else:
                org = rng.choices(city_orgs, cum_weights=cumulative)[0]
            # the party unit is the branch where one lives; the organisation, one's employer
            unit_here = unit or rng.choice(pop.units[locality])
            members.append(add_person(pop, person, org, unit_here))
        give_contacts(pop, members, village)
        if rng.random() < 0.1:  # address not given on the form
            for m in members:
                m.person.address = ""
        elif size > 1 and rng.random() < 0.12:
            # one grown child moved out but kept the family's number
            m = members[-1]
            m.person.address = city_address(rng, rng.choice(CITIES))
            m.person.tags.add("moved-out")


def give_contacts(pop: Population, members: list[Line], village: Org | None) -> None:
    """Phones and e-mails of one household, shared the way families share them."""
    rng = pop.rng
    elderly = [m for m in members if AS_OF.year - m.person.birth.year >= 65]
    family_phone = ""
    if len(members) > 1 and rng.random() < (0.35 if len(elderly) >= 2 else 0.12):
        family_phone = (
            new_landline(rng, pop.used_phones)
            if rng.random() < 0.4
            else new_phone(rng, pop.used_phones)
        )
    for m in members:
        old = m in elderly
        if family_phone and (old or rng.random() < 0.6):
            m.person.phone = family_phone
            m.person.tags.add("family-phone")
        elif rng.random() < (0.72 if old else 0.96):
            m.person.phone = new_phone(rng, pop.used_phones)
        elif village is not None:
            # no phone of one's own: the village office's landline, as the form asked for one
            m.person.phone = pop.village_landline.setdefault(
                village.locality, new_landline(rng, pop.used_phones)
            )
            m.person.tags.add("village-landline")
        elif len(members) > 1:
            m.person.phone = next((o.person.phone for o in members if o.person.phone), "")
            m.person.tags.add("relative-phone")
    if not any(m.person.phone for m in members) and len(members) > 1:
        members[0].person.phone = new_phone(rng, pop.used_phones)
    family_mail = ""
    if len(members) > 1 and rng.random() < 0.2:
        family_mail = new_email(rng, members[0].person, pop.used_mails)  # one parent's box
    for m in members:
        if family_mail and rng.random() < 0.85:
            m.person.email = family_mail
            m.person.tags.add("family-mail")
        elif rng.random() < 0.55:
            m.person.email = new_email(rng, m.person, pop.used_mails)


def departmental_mailboxes(pop: Population) -> None:
    """A school's or clinic's office mailbox given by a few colleagues (honest)."""
    rng = pop.rng
    for org in pop.orgs:
        if org.kind in ("school", "hospital") and len(org.members) >= 15 and rng.random() < 0.3:
            box = f"kanc.{rng.randrange(100, 999)}@edu-{rng.randrange(10, 99)}.kz"
            for idx in rng.sample(org.members, rng.randint(2, 5)):
                pop.lines[idx].person.email = box
                pop.lines[idx].person.tags.add("office-mailbox")


def random_enrol_time(rng: random.Random, workday: bool) -> datetime:
    """A time in the enrolment period outside the closed window."""
    span = int((ROLL_END - ROLL_START).total_seconds())
    while True:
        t = ROLL_START + timedelta(seconds=rng.randrange(span))
        if CLOSED[0] <= t < CLOSED[1]:
            continue
        if workday:
            if t.weekday() >= 5:
                continue
            t = t.replace(
                hour=rng.randint(9, 17), minute=rng.randrange(60), second=rng.randrange(60)
            )
        else:
            hour = rng.choices(
                range(24),
                weights=[1, 1, 0, 0, 0, 0, 1, 2, 4, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 8, 8, 7, 5, 3],
            )[0]
            t = t.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
        return t


def operator_days(pop: Population, operator: str, lines: list[Line]) -> None:
    """An honest registrar's history: a few members on most working days, now and then a
    queue, at irregular intervals during office hours."""
    rng = pop.rng
    rest = lines[:]
    rng.shuffle(rest)
    while rest:
        busy = rng.random() < 0.08
        k = min(len(rest), rng.randint(12, 30) if busy else 1 + int(rng.expovariate(1 / 4)))
        day = random_enrol_time(rng, workday=True)
        t = day.replace(hour=rng.randint(9, 15), minute=rng.randrange(60))
        for _ in range(k):
            line = rest.pop()
            line.operator, line.enrolled_at = operator, t
            gap = rng.uniform(120, 420) if busy else rng.lognormvariate(6.3, 0.8)
            t += timedelta(seconds=gap)


def honest_rally(pop: Population, operator: str, lines: list[Line]) -> None:
    """An honest registrar enrolling a crowd at a Saturday rally: about 150 people in
    four hours, as the queue comes (irregular gaps, a lull at lunch)."""
    rng = pop.rng
    day = random_enrol_time(rng, workday=False)
    day -= timedelta(days=(day.weekday() - 5) % 7)
    if CLOSED[0] <= day < CLOSED[1]:
        day -= timedelta(days=42)
    t = day.replace(hour=11, minute=rng.randrange(0, 30), second=0)
    for i, line in enumerate(lines):
        line.operator, line.enrolled_at = operator, t
        line.person.tags.add("rally")
        t += timedelta(seconds=15 + rng.expovariate(1 / 80))
        if i == len(lines) // 2:
            t += timedelta(minutes=rng.randint(10, 25))


VILLAGE_NAMES = [
    "Жаналык",
    "Акжар",
    "Коктобе",
    "Карасу",
    "Талдыбулак",
    "Акмешит",
    "Кызылту",
    "Шолаккорган",
    "Бирлик",
    "Енбек",
    "Жетыген",
    "Каражар",
    "Сарыозек",
    "Узынагаш",
    "Шамалган",
    "Байсерке",
    "Косшы",
    "Акколь",
    "Есик",
    "Тургень",
]


def build_places(pop: Population) -> list[Org]:
    """Party units of the cities and the villages (each village one branch)."""
    rng = pop.rng
    for city in CITIES:
        pop.units[city] = [f"{city[3:]}, районный филиал №{i}" for i in range(1, rng.randint(4, 7))]
    villages: list[Org] = []
    for i in range(max(3, int(pop.rows * 0.2 / 100))):
        name = f"с. {VILLAGE_NAMES[i % len(VILLAGE_NAMES)]}" + (
            f"-{i // len(VILLAGE_NAMES)}" if i >= len(VILLAGE_NAMES) else ""
        )
        district = f"{VILLAGE_NAMES[(i * 7) % len(VILLAGE_NAMES)]}ский аудандық филиал"
        villages.append(Org(f"{name[3:]} ауылдық филиал", "village", district, name, ""))
    return villages
