"""Ground truth per check, in docs/audit.md's cases: a roll line, a voter, an organisation.

Rule checks (IDs, dates, windows, confirmation, unknown voters) get their truth from the
values as written, read by our own implementation of the documented rule. Judgement
checks get theirs from the scenario labels: a case is true when it was made by a
scenario of the kind the check is for, and the scenario left the check's signature
(three ballots from one device in 15 minutes, six from one address...).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from activity import Log, voter_id
from people import iin_birth, iin_is_valid
from population import AS_OF, CLOSED, Line

Truth = dict[str, dict[str, list[str | int]]]  # check -> {"true": [...], "excused": [...]}


def parse_birth(text: str) -> date | None:
    try:
        if "." in text:
            d, m, y = text.split(".")
            return date(int(y), int(m), int(d))
        y, m, d = text.split("-")
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def roll_truth(lines: list[Line], birth_texts: list[str]) -> Truth:
    out: Truth = defaultdict(lambda: {"true": [], "excused": []})
    ids = [(ln.id_text or ln.iin).replace(" ", "").replace("-", "") for ln in lines]
    seen: dict[str, int] = defaultdict(int)
    for i in ids:
        seen[i] += 1
    for n, (line, nid, btext) in enumerate(zip(lines, ids, birth_texts, strict=True)):
        row = n + 2  # header is line 1
        for check, verdict in line.truth.items():
            out[check][verdict].append(row)
        valid = iin_is_valid(nid)
        if not valid:
            out["id.check_digit"]["true"].append(row)
        if seen[nid] > 1:
            out["id.duplicate"]["true"].append(row)
        birth = parse_birth(btext) if btext else None
        if btext and birth is None:
            out["roll.impossible_birth_date"]["true"].append(row)
        elif birth is not None and birth > AS_OF:
            out["roll.impossible_birth_date"]["true"].append(row)
            out["roll.implausible_age"]["excused"].append(row)
        elif birth is not None and not 16 <= age_on(birth, AS_OF) <= 120:
            out["roll.implausible_age"]["true"].append(row)
        if valid and birth is not None and iin_birth(nid) != birth:
            out["id.birth_date_mismatch"]["true"].append(row)
        if line.enrolled_at is not None and CLOSED[0] <= line.enrolled_at < CLOSED[1]:
            out["enrol.closed_window"]["true"].append(row)
        if not line.confirmed:
            out["enrol.unconfirmed"]["true"].append(row)
    return dict(out)


def _windows(casts: list[tuple[datetime, str]], least: int) -> set[str]:
    """Voters whose time falls in some 15-minute window holding ``least`` distinct voters."""
    casts.sort()
    hit: set[str] = set()
    for i, (t, _) in enumerate(casts):
        window = [v for u, v in casts[i:] if u - t <= timedelta(minutes=15)]
        if len(set(window)) >= least:
            hit.update(window)
    return hit


def farmed_codes(log: Log, lines: list[Line], on_roll: set[str]) -> set[str]:
    """Members of a phone farm or a mailbox farm whose code went to the farm's contact,
    where that contact received the codes of two or more voters.

    The farm's number or inbox is the collector's, written on strangers' lines
    (``roll_fraud.phone_farms``, ``mail_farms``); it is none of theirs. Whatever scenario
    makes such a member vote (the organiser's PCs, a workplace wave, a help desk), the
    code is delivered to the collector, who passes it on or uses it: code collection.
    A farm member with a phone of their own (some mailbox farms) gets the code there.
    """
    farm_contact: dict[str, str] = {}
    for ln in lines:
        person = ln.person
        if person.kind == "phone-farm" and person.phone:
            farm_contact[voter_id(ln)] = person.phone
        elif person.kind == "mail-farm" and person.email:
            farm_contact[voter_id(ln)] = person.email.lower()
    received: dict[str, set[str]] = defaultdict(set)
    for _, event, voter, _, _, _, contact, _ in log.events:
        if event == "code-requested" and voter in on_roll:
            received[contact].add(voter)
    return {
        voter
        for voter, contact in farm_contact.items()
        if voter in received[contact] and len(received[contact]) >= 2
    }


def log_truth(log: Log, lines: list[Line]) -> Truth:
    out: Truth = defaultdict(lambda: {"true": [], "excused": []})
    on_roll = {voter_id(ln) for ln in lines}
    org_of = {voter_id(ln): (ln.org.name if ln.org else "") for ln in lines}
    first_cast: dict[str, tuple[datetime, str, str]] = {}
    signed_on: dict[str, set[str]] = defaultdict(set)
    for t, event, voter, address, device, _, _, _ in sorted(log.events):
        if event == "ballot-cast" and voter not in first_cast:
            first_cast[voter] = (t, device, address)
        if event == "signed-in":
            signed_on[device].add(voter)
    unknown = {v for _, _, v, *_ in log.events} - on_roll
    out["activity.unknown_voter"]["true"] = sorted(unknown)
    fraud = set(log.scenario) - unknown
    by_device: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    by_address: dict[tuple[str, str], list[tuple[datetime, str]]] = defaultdict(list)
    for voter, (t, device, address) in first_cast.items():
        if device in log.fraud_devices:
            by_device[device].append((t, voter))
        if address in log.fraud_addresses and voter in fraud:
            by_address[(address, org_of.get(voter, ""))].append((t, voter))
    burst: set[str] = set()
    for casts in by_device.values():
        burst |= _windows(casts, 3)
    crowd: set[str] = set()
    for casts in by_address.values():
        crowd |= _windows(casts, 6)
    many = {v for d in log.fraud_devices for v in signed_on.get(d, set()) if len(signed_on[d]) > 1}
    shared_code = {v for v, c in log.collector.items() if c} | farmed_codes(log, lines, on_roll)
    foreign = {v for v, s in log.scenario.items() if s in ("brigade", "brigade-spread", "burner")}
    sets = {
        "cast.device_burst": burst,
        "cast.address_burst": crowd,
        "device.many_voters": many,
        "session.many_voters": set(log.session_voters),
        "code.shared_contact": shared_code,
        "code.foreign_contact": foreign,
        "cast.organisation_burst": set(log.wave_voters),
    }
    for check, voters in sets.items():
        excused = log.excused.get(check, set())
        if check.startswith("code."):
            # a ballot under an ID on no roll line is activity.unknown_voter's case; where
            # its code went (a member's number) is neither a hit nor a false flag here
            excused = excused | unknown
        out[check]["true"] = sorted(voters - excused)
        out[check]["excused"] = sorted(excused)
    out["turnout.abnormal_curve"]["true"] = sorted(log.wave_orgs)
    return dict(out)
