"""What goes wrong on a roll: fraud in less textbook shapes, and plain mistakes.

Each scenario marks the lines it made in ``Line.truth`` under the check meant to
catch it ("true"), or "excused" where a line is part of the scene but not itself the
wrong (a fraudster's own family on his phone). Plain mistakes (typos in IDs and dates)
are made here; their truth is computed later from the written values (``truth.py``).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from people import Person, city_address, member_age, new_phone, random_birth, random_name
from population import AS_OF, CLOSED, Line, Org, Population, add_person, random_enrol_time

PHONE_STYLES = (
    "+7 {0} {1} {2} {3}",
    "8{0}{1}{2}{3}",
    "8 ({0}) {1}-{2}-{3}",
    "{0}{1}{2}{3}",
    "+7{0}{1}{2}{3}",
    "8-{0}-{1}-{2}{3}",
)


def styled_phone(rng: random.Random, phone: str) -> str:
    """A national number 7XXXXXXXXXX as people write it on forms."""
    if not phone:
        return ""
    d = phone[1:]
    style = rng.choices(PHONE_STYLES, weights=(30, 30, 15, 8, 12, 5))[0]
    return style.format(d[:3], d[3:6], d[6:8], d[8:])


def stranger(pop: Population, unit: str, kind: str, orgs: list[Org]) -> Line:
    """A person from nobody's household, put on the roll by a scenario."""
    rng = pop.rng
    female = rng.random() < 0.5
    surname, given, pat = random_name(rng, female)
    age = member_age(rng)
    city = rng.choice(list(pop.units))
    address = "" if rng.random() < 0.45 else city_address(rng, city)
    person = Person(
        surname, given, pat, female, random_birth(rng, AS_OF, age, age + 1), address, city
    )
    person.kind = kind
    person.household = pop.households
    pop.households += 1
    org = rng.choice(orgs) if orgs and rng.random() < 0.85 else None
    return add_person(pop, person, org, unit)


def _some_family(pop: Population) -> list[Line]:
    """Up to three lines of one honest household of two or more."""
    rng = pop.rng
    while True:
        start = rng.randrange(len(pop.lines) - 1)
        hh = pop.lines[start].person.household
        family = [ln for ln in pop.lines[start : start + 5] if ln.person.household == hh]
        if len(family) >= 2 and not any(ln.truth for ln in family):
            return family[:3]


def phone_farms(pop: Population) -> list[list[Line]]:
    """Unrelated people under one phone: one large farm, several middling and small ones
    (spread so that no single number is famous), numbers written in every style."""
    rng = pop.rng
    city_orgs = [o for o in pop.orgs if o.kind != "village"]
    farms: list[list[Line]] = []
    sizes = [rng.randint(40, 110) for _ in range(pop.count(1))]
    sizes += [rng.randint(8, 20) for _ in range(pop.count(3))]
    sizes += [rng.randint(4, 6) for _ in range(pop.count(4))]
    for size in sizes:
        unit = rng.choice(rng.choice(list(pop.units.values())))
        phone = new_phone(rng, pop.used_phones)
        # the one who collects: several organisations of one district, not one employer
        orgs = rng.sample(city_orgs, min(len(city_orgs), rng.randint(1, 4)))
        farm = [stranger(pop, unit, "phone-farm", orgs) for _ in range(size)]
        for line in farm:
            line.person.phone = phone
            line.truth["contact.shared_phone"] = "true"
        farms.append(farm)
    # a fraudster's own family on his number, and strangers added to it
    for _ in range(pop.count(1)):
        unit = rng.choice(rng.choice(list(pop.units.values())))
        phone = new_phone(rng, pop.used_phones)
        family = _some_family(pop)
        for line in family:
            line.person.phone = phone
            line.truth["contact.shared_phone"] = "excused"
        added = [stranger(pop, unit, "phone-farm", city_orgs[:]) for _ in range(rng.randint(5, 8))]
        for line in added:
            line.person.phone = phone
            line.truth["contact.shared_phone"] = "true"
        farms.append(added)
    return farms


def mail_farms(pop: Population) -> None:
    """An administrator's mailbox given for many members, written with +tags, in
    capitals, with a trailing dot: one inbox, several spellings."""
    rng = pop.rng
    city_orgs = [o for o in pop.orgs if o.kind != "village"]
    sizes = [rng.randint(15, 50) for _ in range(pop.count(1))]
    sizes += [rng.randint(5, 10) for _ in range(pop.count(2))]
    for size in sizes:
        unit = rng.choice(rng.choice(list(pop.units.values())))
        local = rng.choice(("org.otdel", "partiya.reg", "admin.filial", "kadry"))
        box = f"{local}{rng.randrange(10, 99)}@{rng.choice(('mail.ru', 'gmail.com', 'inbox.kz'))}"
        orgs = rng.sample(city_orgs, min(len(city_orgs), rng.randint(1, 3)))
        for i in range(size):
            line = stranger(pop, unit, "mail-farm", orgs)
            line.person.phone = new_phone(rng, pop.used_phones) if rng.random() < 0.7 else ""
            line.person.email = box
            spelling = rng.random()
            if spelling < 0.25:
                line.email_text = box.replace("@", f"+{i}@")
            elif spelling < 0.4:
                line.email_text = box.upper()
            elif spelling < 0.5:
                line.email_text = box + "."
            line.truth["contact.shared_email"] = "true"


def _regular(
    pop: Population, operator: str, start: datetime, n: int, gap: float, jitter: float
) -> list[Line]:
    """``n`` members entered by ``operator`` one every ``gap`` ± ``jitter`` seconds."""
    rng = pop.rng
    unit = rng.choice(rng.choice(list(pop.units.values())))
    city_orgs = [o for o in pop.orgs if o.kind != "village"]
    made = []
    t = start
    for _ in range(n):
        line = stranger(pop, unit, "operator-burst", city_orgs)
        line.operator, line.enrolled_at = operator, t
        line.confirmed = rng.random() < 0.5
        line.truth["enrol.operator_burst"] = "true"
        made.append(line)
        t += timedelta(seconds=max(5.0, rng.gauss(gap, jitter)))
    return made


def _day(pop: Population, weekday: int, hour: int, minute: int) -> datetime:
    t = random_enrol_time(pop.rng, workday=False)
    t -= timedelta(days=(t.weekday() - weekday) % 7)
    if CLOSED[0] - timedelta(days=1) <= t < CLOSED[1]:
        t -= timedelta(days=49)
    return t.replace(hour=hour, minute=minute, second=pop.rng.randrange(60))


def operator_bursts(pop: Population, registrars: list[str]) -> None:
    """Bulk entry by registrars who also have an honest history: 40 at one every 45 s late
    on a Saturday; 90 in 75 minutes on a weekday evening; 60 at night under two names
    (one's own and a colleague's); 120 at a steady 90 s on a Sunday evening."""
    rng = pop.rng
    for _ in range(pop.count(1)):
        _regular(pop, rng.choice(registrars), _day(pop, 5, 22, 40), 40, 45, 6)
    for _ in range(pop.count(1)):
        _regular(pop, rng.choice(registrars), _day(pop, rng.randint(0, 4), 19, 30), 90, 50, 12)
    for _ in range(pop.count(1)):
        a, b = rng.sample(registrars, 2)
        start = _day(pop, rng.randint(0, 6), 2, 0)
        first = _regular(pop, a, start, 30, 60, 20)
        last = first[-1].enrolled_at or start
        _regular(pop, b, last + timedelta(seconds=70), 30, 60, 20)
    for _ in range(pop.count(1)):
        _regular(pop, rng.choice(registrars), _day(pop, 6, 19, 0), 120, 90, 8)


def closed_window_entries(pop: Population, registrars: list[str]) -> None:
    """Members entered while enrolment was suspended, a few a day over the month
    (not one block), most never confirmed."""
    rng = pop.rng
    span = int((CLOSED[1] - CLOSED[0]).total_seconds())
    lines = rng.sample(pop.lines, min(len(pop.lines), pop.count(110)))
    for line in lines:
        if line.truth:
            continue
        t = CLOSED[0] + timedelta(seconds=rng.randrange(span))
        line.enrolled_at = t.replace(hour=rng.randint(9, 19))
        line.operator = rng.choice(registrars)
        line.confirmed = rng.random() < 0.25


def id_mistakes(pop: Population) -> None:
    """Typos in IDs and birth dates, one person enrolled twice, an ID reused for another
    name, impossible dates and ages nobody has: truth comes from the written values."""
    rng = pop.rng
    plain = [ln for ln in pop.lines if not ln.truth]
    for line in rng.sample(plain, pop.count(20)):
        d = list(line.iin)
        i = rng.randrange(11)
        if rng.random() < 0.5 and d[i] != d[i + 1]:
            d[i], d[i + 1] = d[i + 1], d[i]
        else:
            d[i] = str((int(d[i]) + rng.randint(1, 9)) % 10)
        line.id_text = "".join(d)
    for line in rng.sample(plain, pop.count(15)):
        b = line.person.birth
        if b.day <= 12 and b.day != b.month:
            line.birth_text = f"{b.year:04d}-{b.day:02d}-{b.month:02d}"
        else:
            line.birth_text = f"{b.year + rng.choice((-1, 1)):04d}-{b.month:02d}-{b.day:02d}"
    for line in rng.sample(plain, pop.count(3)):
        line.birth_text = rng.choice(("2001-02-30", "31.04.1987", "1979-06-31"))
    for line in rng.sample(plain, pop.count(2)):
        line.birth_text = (AS_OF + timedelta(days=rng.randint(30, 900))).isoformat()
    # too young or long dead, with IDs that agree with the dates (a made-up member)
    for young in [True] * pop.count(2) + [False] * pop.count(2):
        birth = random_birth(rng, AS_OF, 13, 15) if young else date(rng.randint(1899, 1904), 5, 9)
        female = rng.random() < 0.5
        surname, given, pat = random_name(rng, female)
        person = Person(surname, given, pat, female, birth, "", rng.choice(list(pop.units)))
        person.kind = "dead-or-young"
        person.household = pop.households
        pop.households += 1
        add_person(pop, person, None, rng.choice(rng.choice(list(pop.units.values()))))
    for _ in range(pop.count(8)):  # enrolled twice, by two registrars months apart
        src = rng.choice(plain)
        twin = Line(src.person, src.iin, src.org, src.unit)
        twin.id_text = src.iin[:6] + " " + src.iin[6:]
        pop.lines.append(twin)
        for line in (src, twin):  # one person twice is not two people on one contact
            line.truth["contact.shared_phone"] = "excused"
            line.truth["contact.shared_email"] = "excused"
    for _ in range(pop.count(2)):  # someone's ID written for a different person
        src = rng.choice(plain)
        female = rng.random() < 0.5
        surname, given, pat = random_name(rng, female)
        other = Person(surname, given, pat, female, src.person.birth, "", src.person.locality)
        other.household = pop.households
        pop.households += 1
        pop.lines.append(Line(other, src.iin, None, src.unit))
    for line in rng.sample(plain, pop.count(300)):
        line.confirmed = False  # awaiting confirmation: honest, but a rule's case
