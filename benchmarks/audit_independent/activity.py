"""Three days of online voting: who signs in, when, from which device and address.

The honest background: phones behind carriers' NAT pools, home Wi-Fi, office networks,
a campus network, family tablets, a village voting after its evening meeting, depot
shift workers at 06:00, re-votes (which the audit must never show). The fraud: code
collection, organisers' PCs, shared sessions, workplace waves. Every fraudulent event
is labelled with its scenario; ``truth.py`` reads the labels.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from population import Line, Org, Population

VOTE_START = datetime(2026, 3, 13, 0, 0)  # Friday, local time (UTC+5) throughout
VOTE_END = datetime(2026, 3, 15, 20, 0)
HOUR_WEIGHTS = (1, 0.5, 0.3, 0.3, 0.4, 0.8, 2, 4, 5, 5, 5, 5, 6, 6, 5, 5, 5, 6, 7, 8, 8, 6, 4, 2)
PHONE_AGENTS = (
    "Mozilla/5.0 (Linux; Android 13; SM-A245F) AppleWebKit/537.36 Chrome/122.0 Mobile",
    "Mozilla/5.0 (Linux; Android 12; Redmi Note 11) AppleWebKit/537.36 Chrome/121.0 Mobile",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 11; HUAWEI Y6p) AppleWebKit/537.36 YaBrowser/23.11 Mobile",
)
DESK_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/122.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 YaBrowser/24.1 Safari/537.36",
)
TABLET_AGENT = (
    "Mozilla/5.0 (Linux; Android 12; SM-T225) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
)

Event = tuple[datetime, str, str, str, str, str, str, str]  # time..session


@dataclass
class Log:
    """The activity log being written, with each fraudulent voter's scenario."""

    pop: Population
    events: list[Event] = field(default_factory=list)
    scenario: dict[str, str] = field(default_factory=dict)  # voter -> scenario
    collector: dict[str, str] = field(default_factory=dict)  # voter -> collecting contact
    fraud_devices: set[str] = field(default_factory=set)
    fraud_addresses: set[str] = field(default_factory=set)
    excused: dict[str, set[str]] = field(default_factory=dict)  # check -> voters
    wave_orgs: set[str] = field(default_factory=set)
    wave_voters: set[str] = field(default_factory=set)
    session_voters: set[str] = field(default_factory=set)
    voted: set[str] = field(default_factory=set)
    pools: dict[str, list[str]] = field(default_factory=dict)
    home_ip: dict[int, str] = field(default_factory=dict)
    device_of: dict[str, tuple[str, str]] = field(default_factory=dict)
    sessions: int = 0
    scene: dict[str, str] = field(default_factory=dict)  # honest voter -> how they voted

    def new_device(self, desk: bool = False) -> tuple[str, str]:
        r = self.pop.rng
        agent = r.choice(DESK_AGENTS if desk else PHONE_AGENTS)
        return f"fp-{r.getrandbits(48):012x}", agent

    def own_device(self, voter: str) -> tuple[str, str]:
        if voter not in self.device_of:
            self.device_of[voter] = self.new_device(self.pop.rng.random() < 0.15)
        return self.device_of[voter]

    def mobile_ip(self, phone: str) -> str:
        """A carrier's NAT address: each sign-in may leave by another of the pool's."""
        carrier = {
            "701": "kcell",
            "702": "kcell",
            "775": "kcell",
            "705": "beeline",
            "777": "beeline",
            "707": "tele2",
            "747": "tele2",
            "708": "altel",
        }
        name = carrier.get(phone[1:4], "beeline")
        if name not in self.pools:
            r = self.pop.rng
            size = max(6, self.pop.rows // 2500)
            prefix = {"kcell": "37.150", "beeline": "95.56", "tele2": "2.133", "altel": "5.76"}
            self.pools[name] = [
                f"{prefix[name]}.{r.randrange(256)}.{r.randrange(1, 255)}" for _ in range(size)
            ]
        return self.pop.rng.choice(self.pools[name])

    def home(self, line: Line) -> str:
        hh = line.person.household
        if hh not in self.home_ip:
            r = self.pop.rng
            self.home_ip[hh] = f"178.{r.randrange(88, 92)}.{r.randrange(256)}.{r.randrange(1, 255)}"
        return self.home_ip[hh]

    def vote(
        self,
        voter: str,
        t: datetime,
        contact: str,
        device: tuple[str, str],
        address: str,
        session: str = "",
    ) -> datetime:
        """One sign-in and cast, as the service logs it; returns the cast's time."""
        r = self.pop.rng
        if not session:
            self.sessions += 1
            session = f"s{self.sessions:08d}"
        fp, agent = device
        ev = self.events
        ev.append((t, "code-requested", voter, address, fp, agent, contact, session))
        if r.random() < 0.05:
            t += timedelta(seconds=r.randint(40, 150))
            ev.append((t, "sign-in-failed", voter, address, fp, agent, "", session))
            t += timedelta(seconds=r.randint(10, 40))
            ev.append((t, "code-requested", voter, address, fp, agent, contact, session))
        t += timedelta(seconds=r.randint(25, 120))
        ev.append((t, "signed-in", voter, address, fp, agent, "", session))
        t += timedelta(seconds=r.randint(50, 360))
        ev.append((t, "ballot-cast", voter, address, fp, agent, "", session))
        self.voted.add(voter)
        return t


def voter_id(line: Line) -> str:
    return (line.id_text or line.iin).replace(" ", "").replace("-", "")


def contact_of(line: Line) -> str:
    return line.person.phone or line.person.email.lower()


def random_time(rng: random.Random) -> datetime:
    while True:
        day = rng.choices((0, 1, 2), weights=(35, 35, 30))[0]
        hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        t = VOTE_START + timedelta(days=day, hours=hour, seconds=rng.randrange(3600))
        if t < VOTE_END:
            return t


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return VOTE_START + timedelta(days=day, hours=hour, minutes=minute)


def spread(rng: random.Random, start: datetime, minutes: float) -> datetime:
    return start + timedelta(seconds=rng.uniform(0, minutes * 60))


def honest_time_and_place(log: Log, line: Line) -> tuple[datetime, str, str]:
    """When and from where an honest voter votes: (time, address, what the scene was)."""
    rng = log.pop.rng
    org = line.org
    phone = line.person.phone or "7705"
    kind = org.kind if org else ""
    if kind == "village" and rng.random() < 0.65:
        # the village meeting ends at 19:00; most vote on their phones on the way home
        return spread(rng, at(0, 19, 20), 120), log.mobile_ip(phone), "village-evening"
    if kind == "depot" and rng.random() < 0.6:
        return (
            spread(rng, at(rng.randint(0, 2), 5, 50), 45),
            (org.wifi_ip if org and rng.random() < 0.2 else log.mobile_ip(phone)),
            "depot-shift",
        )
    if kind == "university" and org and rng.random() < 0.7:
        if rng.random() < 0.4:  # between lectures
            brk = rng.choice(((10, 20), (11, 55), (13, 30), (15, 5)))
            t = spread(rng, at(0, brk[0], brk[1]), 15)
        else:
            t = spread(rng, at(0, 9), 8 * 60)
        return t, org.wifi_ip, "campus"
    t = random_time(rng)
    if kind in ("office", "school", "hospital", "factory") and org and rng.random() < 0.35:
        return spread(rng, at(0, 9), 9 * 60), org.office_ip, "office-network"
    if rng.random() < 0.25:
        return t, log.home(line), "home"
    return t, log.mobile_ip(phone), "mobile"


def honest_voting(log: Log, skip: set[int]) -> None:
    """Every honest member's choice to vote, and how."""
    pop = log.pop
    rng = pop.rng
    seen: set[str] = set()
    households: dict[int, list[Line]] = {}
    for i, line in enumerate(pop.lines):
        voter = voter_id(line)
        if i in skip or voter in seen or not contact_of(line):
            continue
        if line.person.kind != "honest":
            continue  # made-up or unconsented members do not vote of their own accord
        seen.add(voter)
        p = 0.3 if "village-landline" in line.person.tags else 0.58
        if rng.random() < p:
            households.setdefault(line.person.household, []).append(line)
    for members in households.values():
        if len(members) >= 2 and rng.random() < 0.25:
            # the family tablet after dinner, one after another
            tablet = (f"fp-{rng.getrandbits(48):012x}", TABLET_AGENT)
            t = spread(rng, at(rng.randint(0, 1), 19, 30), 150)
            for line in members:
                log.scene[voter_id(line)] = f"family-tablet of {len(members)}"
                t = log.vote(voter_id(line), t, contact_of(line), tablet, log.home(line))
                t += timedelta(seconds=rng.randint(20, 300))
            continue
        for line in members:
            voter = voter_id(line)
            t, address, scene = honest_time_and_place(log, line)
            if scene not in ("mobile", "home"):
                log.scene[voter] = scene
            device = log.own_device(voter)
            contact = contact_of(line)
            if rng.random() < 0.003:
                contact = f"7700{rng.randrange(10**7):07d}"  # a new number since enrolment
                log.scene[voter] = "new-number"
            log.vote(voter, t, contact, device, address)
            if rng.random() < 0.04 and t < VOTE_END - timedelta(hours=3):  # votes again
                later = t + timedelta(hours=rng.uniform(1, 30))
                if later < VOTE_END:
                    log.vote(voter, later, contact, device, address)


def org_members(pop: Population, org: Org, taken: set[int]) -> list[int]:
    return [i for i in org.members if i not in taken and contact_of(pop.lines[i])]


def brigade_leaders(log: Log, taken: set[int], spread_out: bool) -> None:
    """A brigade leader receives his workers' codes on his phone and votes for them: in
    one evening from home, or (``spread_out``) over two days on two devices."""
    pop = log.pop
    rng = pop.rng
    orgs = [o for o in pop.orgs if o.kind in ("factory", "depot", "office", "shop")]
    rng.shuffle(orgs)
    for org in orgs:
        free = org_members(pop, org, taken)
        if len(free) < 10:
            continue
        leader = pop.lines[free[0]]
        # workers from other homes: a relative on the leader's own number is not collected
        workers_i = [
            i
            for i in free[1:]
            if pop.lines[i].person.household != leader.person.household
            and pop.lines[i].person.phone != leader.person.phone
        ][: 7 if not spread_out else 8]
        taken.update([free[0], *workers_i])
        lid = voter_id(leader)
        phone = leader.person.phone or contact_of(leader)
        device = log.own_device(lid)
        tablet = (f"fp-{rng.getrandbits(48):012x}", TABLET_AGENT)
        log.fraud_devices.update({device[0], tablet[0]})
        home = log.home(leader)
        log.fraud_addresses.add(home)
        t = at(1, 20, rng.randrange(30))
        t = log.vote(lid, t, contact_of(leader), device, home)
        for k, wi in enumerate(workers_i):
            w = voter_id(pop.lines[wi])
            log.scenario[w] = "brigade-spread" if spread_out else "brigade"
            log.collector[w] = phone
            if spread_out:
                dev = device if k < len(workers_i) // 2 else tablet
                day = 0 if dev is device else 1
                t = spread(rng, at(day, 14 if day else 20), 180)
                log.vote(w, t, phone, dev, log.mobile_ip(phone))
            else:
                t = log.vote(w, t + timedelta(seconds=rng.randint(30, 150)), phone, device, home)
        for check in (
            "device.many_voters",
            "code.shared_contact",
            "cast.device_burst",
            "cast.address_burst",
        ):
            log.excused.setdefault(check, set()).add(lid)
        return


def burner_phone(log: Log, taken: set[int]) -> None:
    """Codes of ten members sent to a number on no roll line; each signed in from a fresh
    browser fingerprint, one flat's address, over one evening."""
    pop = log.pop
    rng = pop.rng
    unit = rng.choice([ln.unit for ln in pop.lines[:200]])
    pool = [
        i
        for i, ln in enumerate(pop.lines)
        if ln.unit == unit and i not in taken and contact_of(ln) and not ln.truth
    ][:400]
    chosen = rng.sample(pool, min(10, len(pool)))
    taken.update(chosen)
    burner = f"7747{rng.randrange(10**7):07d}"
    flat = f"178.91.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    log.fraud_addresses.add(flat)
    t = at(1, 18)
    for i in chosen:
        w = voter_id(pop.lines[i])
        log.scenario[w] = "burner"
        log.collector[w] = burner
        dev = log.new_device(desk=True)
        log.fraud_devices.add(dev[0])
        t = log.vote(w, t + timedelta(minutes=rng.uniform(12, 28)), burner, dev, flat)


def organiser_pcs(log: Log, farm: list[Line], taken: set[int]) -> None:
    """A shared-phone cluster whose members all vote from the organiser's two PCs at the
    party office, in runs of a few at a time through Friday."""
    pop = log.pop
    rng = pop.rng
    pcs = [log.new_device(desk=True), log.new_device(desk=True)]
    office = f"31.{rng.randrange(60, 64)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    log.fraud_devices.update(pc[0] for pc in pcs)
    log.fraud_addresses.add(office)
    index = {id(ln): i for i, ln in enumerate(pop.lines)}
    t = at(0, 10)
    for n, line in enumerate(farm):
        taken.add(index[id(line)])
        w = voter_id(line)
        log.scenario[w] = "organiser-pc"
        log.collector[w] = line.person.phone
        if n % rng.randint(3, 5) == 0:
            t += timedelta(minutes=rng.uniform(20, 60))
        t = log.vote(w, t, line.person.phone, pcs[n % 2], office)


def shared_session(log: Log, taken: set[int]) -> None:
    """A help desk signs five voters in within one browser session, one after another."""
    pop = log.pop
    rng = pop.rng
    org = rng.choice([o for o in pop.orgs if len(o.members) >= 8])
    chosen = org_members(pop, org, taken)[:5]
    taken.update(chosen)
    desk = log.new_device(desk=True)
    log.fraud_devices.add(desk[0])
    log.sessions += 1
    session = f"s{log.sessions:08d}"
    t = at(0, 15, rng.randrange(30))
    for i in chosen:
        w = voter_id(pop.lines[i])
        log.scenario[w] = "shared-session"
        log.session_voters.add(w)
        t = log.vote(
            w,
            t + timedelta(minutes=rng.uniform(4, 20)),
            contact_of(pop.lines[i]),
            desk,
            org.office_ip,
            session,
        )


def workplace_waves(log: Log, taken: set[int], shape: str) -> None:
    """Employees made to vote at work. ``hourly``: a district office in waves of 12-18
    each hour from 08:30, from the office network or their own phones; ``batch``: a
    factory's 40 at 09:00 from its network; ``lunch``: a school's teachers in one lunch
    break, on their own phones."""
    pop = log.pop
    rng = pop.rng
    want = {
        "hourly": ("office", "hospital"),
        "batch": ("factory", "depot"),
        "lunch": ("school",),
    }[shape]
    need = {"hourly": 50, "batch": 45, "lunch": 25}[shape]
    orgs = [o for o in pop.orgs if o.kind in want and o.name not in log.wave_orgs]
    rng.shuffle(orgs)
    for org in orgs:
        free = org_members(pop, org, taken)
        if len(free) < need:
            continue
        log.wave_orgs.add(org.name)
        share = {"hourly": 0.75, "batch": 0.0, "lunch": 0.8}[shape]
        n = 40 if shape == "batch" else int(len(free) * share)
        chosen = rng.sample(free, n)
        taken.update(chosen)
        if shape != "lunch":
            log.fraud_addresses.add(org.office_ip)
        start = at(0, 8, 30) if shape == "hourly" else at(0, 9) if shape == "batch" else at(0, 13)
        wave, left = 0, rng.randint(12, 18)
        for i in chosen:
            line = pop.lines[i]
            w = voter_id(line)
            log.scenario[w] = f"waves-{shape}"
            log.wave_voters.add(w)
            if shape == "hourly":
                if left == 0:
                    wave, left = wave + 1, rng.randint(12, 18)
                left -= 1
                t = spread(rng, start + timedelta(hours=wave), 10)
                office = rng.random() < 0.6
            else:
                t = spread(rng, start, 12 if shape == "batch" else 40)
                office = shape == "batch"
            phone = line.person.phone or "7705"
            address = org.office_ip if office else log.mobile_ip(phone)
            log.vote(w, t, contact_of(line), log.own_device(w), address)
        return


def unknown_voters(log: Log) -> None:
    """Ballots under IDs that are on no roll line (a mistyped or removed member)."""
    pop = log.pop
    rng = pop.rng
    for _ in range(pop.count(5)):
        src = rng.choice(pop.lines)
        fake = src.iin[:7] + f"{rng.randrange(10000):04d}" + src.iin[11]
        log.scenario[fake] = "unknown"
        log.vote(fake, random_time(rng), contact_of(src), log.new_device(), log.mobile_ip("7705"))
