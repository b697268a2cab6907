"""Write an independently made roll, activity log and ground truth for ``honestballot audit``.

    python benchmarks/audit_independent/generate.py OUT_DIR --rows 20000 --seed 7

Writes OUT_DIR/roll.csv, OUT_DIR/activity.csv (local time, UTC+5, as a hand-made file
may) and OUT_DIR/truth.json (per check: the true cases and the excused ones, the
closed window and the reference day to give the audit). The same arguments give the
same files. See README.md: this generator was written apart from the audit's checks.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path

from activity import (
    Log,
    brigade_leaders,
    burner_phone,
    honest_voting,
    organiser_pcs,
    shared_session,
    unknown_voters,
    workplace_waves,
)
from population import (
    AS_OF,
    CLOSED,
    Line,
    Population,
    build_households,
    build_orgs,
    build_places,
    departmental_mailboxes,
    honest_rally,
    operator_days,
    random_enrol_time,
)
from roll_fraud import (
    closed_window_entries,
    id_mistakes,
    mail_farms,
    operator_bursts,
    phone_farms,
    styled_phone,
)
from truth import log_truth, roll_truth

ROLL_COLUMNS = (
    "national_id",
    "id_kind",
    "name",
    "birth_date",
    "phone",
    "email",
    "unit",
    "organisation",
    "operator",
    "home_address",
    "enrolled_at",
    "confirmed",
)
LOG_COLUMNS = ("time", "event", "voter", "address", "device", "user_agent", "contact", "session")


def build(rows: int, seed: int) -> tuple[Population, Log, list[list[Line]]]:
    rng = random.Random(seed)
    pop = Population(rng, rows)
    villages = build_places(pop)
    build_orgs(pop)
    pop.orgs.extend(villages)
    registrars = [
        f"reg-{unit.split(',')[0][:3].lower()}-{k:02d}"
        for units in pop.units.values()
        for unit in units
        for k in range(max(1, rows // 6000))
    ]
    registrars += [
        f"reg-{v.locality[3:8].lower()}-01" for v in villages[:: max(1, len(villages) // 8)]
    ]
    honest_target = int(rows * 0.985)
    build_households(pop, honest_target, villages)
    departmental_mailboxes(pop)
    farms = phone_farms(pop)
    mail_farms(pop)
    operator_bursts(pop, registrars)
    closed_window_entries(pop, registrars)
    id_mistakes(pop)
    # everyone else: self-enrolled, or by a registrar on working days; a rally or two
    rest = [ln for ln in pop.lines if ln.enrolled_at is None]
    rng.shuffle(rest)
    for _ in range(pop.count(1)):
        crowd, rest = rest[:150], rest[150:]
        honest_rally(pop, rng.choice(registrars), crowd)
    by_operator: dict[str, list[Line]] = {r: [] for r in registrars}
    for line in rest:
        if rng.random() < 0.5:
            line.enrolled_at = random_enrol_time(rng, workday=False)
        else:
            by_operator[rng.choice(registrars)].append(line)
    for operator, lines in by_operator.items():
        operator_days(pop, operator, lines)
    for line in pop.lines:
        if line.enrolled_at is not None and line.enrolled_at.date() >= AS_OF:
            line.enrolled_at = random_enrol_time(rng, workday=False)
    rng.shuffle(pop.lines)
    for org in pop.orgs:
        org.members.clear()
    for i, line in enumerate(pop.lines):
        if line.org is not None:
            line.org.members.append(i)
    log = Log(pop)
    taken: set[int] = set()
    middling = next(f for f in farms if 8 <= len(f) <= 20)
    organiser_pcs(log, middling, taken)  # a middling farm votes from the office
    for _ in range(pop.count(3)):
        brigade_leaders(log, taken, spread_out=False)
    for _ in range(pop.count(1)):
        brigade_leaders(log, taken, spread_out=True)
    for _ in range(pop.count(1)):
        burner_phone(log, taken)
    for _ in range(pop.count(2)):
        shared_session(log, taken)
    for _ in range(pop.count(2)):
        workplace_waves(log, taken, "hourly")
    for _ in range(pop.count(1)):
        workplace_waves(log, taken, "batch")
    for _ in range(pop.count(1)):
        workplace_waves(log, taken, "lunch")
    honest_voting(log, taken)
    unknown_voters(log)
    return pop, log, farms


def write_roll(pop: Population, path: Path) -> list[str]:
    """The roll as a membership office would export it; returns the birth dates written."""
    rng = pop.rng
    births: list[str] = []
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(ROLL_COLUMNS)
        for line in pop.lines:
            p = line.person
            birth = line.birth_text or (
                p.birth.strftime("%d.%m.%Y") if rng.random() < 0.2 else p.birth.isoformat()
            )
            births.append(birth)
            nid = line.id_text or line.iin
            if not line.id_text and rng.random() < 0.05:
                nid = f"{nid[:6]} {nid[6:]}"
            email = line.email_text or (p.email.capitalize() if rng.random() < 0.05 else p.email)
            out.writerow(
                (
                    nid,
                    "iin" if rng.random() < 0.6 else "",
                    p.full_name,
                    birth,
                    styled_phone(rng, p.phone),
                    email,
                    line.unit,
                    line.org.name if line.org else "",
                    line.operator,
                    p.address,
                    line.enrolled_at.strftime("%Y-%m-%d %H:%M:%S") if line.enrolled_at else "",
                    rng.choice(("yes", "yes", "true", "1")) if line.confirmed else "no",
                )
            )
    return births


def write_log(log: Log, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(LOG_COLUMNS)
        for t, event, voter, address, device, agent, contact, session in sorted(log.events):
            out.writerow(
                (
                    t.strftime("%Y-%m-%d %H:%M:%S"),
                    event,
                    voter,
                    address,
                    device,
                    agent,
                    contact,
                    session,
                )
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, required=True)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    pop, log, _ = build(args.rows, args.seed)
    births = write_roll(pop, args.out / "roll.csv")
    write_log(log, args.out / "activity.csv")
    truth = {**roll_truth(pop.lines, births), **log_truth(log, pop.lines)}
    meta = {
        "generator": "benchmarks/audit_independent",
        "rows": len(pop.lines),
        "seed": args.seed,
        "as_of": AS_OF.isoformat(),
        "closed_windows": [f"{CLOSED[0]:%Y-%m-%dT%H:%M}/{CLOSED[1]:%Y-%m-%dT%H:%M}"],
        "case_keys": {
            "roll": "line",
            "voter": "voter",
            "organisation": "organisation",
        },
        "checks": truth,
        # what honest scene (or fraud scenario) a case came from, to explain false flags
        "scenes": {
            "lines": {
                str(n + 2): " ".join(sorted(ln.person.tags | {ln.person.kind}))
                for n, ln in enumerate(pop.lines)
                if ln.person.tags or ln.person.kind != "honest"
            },
            "voters": {**log.scene, **log.scenario},
        },
    }
    (args.out / "truth.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), "utf-8")
    print(f"{len(pop.lines)} roll rows, {len(log.events)} events -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
