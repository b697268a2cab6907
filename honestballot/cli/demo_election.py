"""``honestballot demo``: a whole election with re-voting protection (docs/coercion.md) on
the embedded store, the simulated voters' devices speaking to the service as the browser
does.

Three trustees run the key ceremony (threshold 2: an election key and two tag keys); the
organiser makes the encrypted roll and the activation letters on their own machine; the
election opens.  In the first minute half the voters register a credential made on their
device with their letter and vote (a few audit a ballot first, Benaloh, then cast
another); the board publishes the minute's registrations and cast rows as one batch,
filled to its fixed size with cover.  A cheating device's over-vote and a ballot copied
from that batch under another voter's credential are refused.  In the second minute the
other half vote: the second batch.  Then some voters vote again: some under the same
credential, some under a new one registered with their letter, which revokes the old one
without the board showing it; and the election closes: the close's block of batches (at
least one) takes what waits.  Some voters never vote.  At the close the service pads every
credential's ballots, and trustees 1 and 3 (2 is absent) run the close round by round: it
keeps each voter's last ballot and counts it in the reporting unit of the voter's roll
row.  The record is exported (the CLI verifies it).

Who does what is drawn from the seed beforehand (:func:`plan_voters`), so that the result
can be compared with the voters' last choices.  The demo's randomness is seeded; a real
election draws it from the system.  To stay small the demo makes 2 cover replacements
without noise (a real election about 300, with noise: docs/coercion.md §4) and reports
units of 5 voters or more (a real election's minimum unit size is larger).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from honestballot.cli.demo_revoting import (
    DEMO_COVER,
    INTERVAL_S,
    OPEN_MS,
    Device,
    Progress,
    ServiceParts,
    close_by_trustees,
    demo_parts,
    result_of,
    set_up,
    voters_of,
)
from honestballot.crypto.randomness import SeededRandomness
from honestballot.errors import HonestBallotError
from honestballot.protocol.credential_seed import CredentialSeed
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.schedule import Schedule
from honestballot.record.codec import parse_json
from honestballot.record.revoting import cast_row_from_json
from honestballot.service.demo import (
    copy_ballot_v2,
    demo_manifest,
    forge_overvote_v2,
    random_choice,
)

ELECTION = "demo-primary"
#: the demo's bounds on its voters, and their default: at the default the whole demo,
#: its verification included, takes about 30 s of CPU (the trustees' close most of it),
#: 1 to 2 minutes on a 2-core machine that other jobs keep busy (docs/performance.md)
MIN_VOTERS, DEFAULT_VOTERS, MAX_VOTERS = 10, 50, 200
#: a voter's choice: the options chosen per contest
Choice = dict[str, set[str]]


@dataclass(frozen=True)
class VoterPlan:
    """What one simulated voter does (:func:`plan_voters`)."""

    national_id: str
    unit: str
    #: the first ballot's choice; None: the voter never votes
    first: Choice | None = None
    #: audits a ballot (Benaloh) before casting the first
    audits: bool = False
    #: the choice of a later ballot, if the voter votes again
    again: Choice | None = None
    #: votes again under a new credential, registered with the letter (which revokes the
    #: first), not under the same
    new_credential: bool = False

    @property
    def last(self) -> Choice | None:
        """The choice that must count: the last ballot's."""
        return self.first if self.again is None else self.again


def plan_voters(voters: int, seed: int) -> list[VoterPlan]:
    """Who votes what, drawn from ``seed`` alone: about 1 voter in 12 never votes; of
    the others, 1 in 20 (at least 2) audits a ballot first, 1 in 8 (at least 3) votes
    again, a third of those (at least 1) under a new credential."""
    pick = random.Random(f"demo {seed}: the voters' plan")
    manifest = demo_manifest(ELECTION)
    plans = [VoterPlan(nid, unit) for nid, _, _, _, unit in voters_of(voters)]
    voting = [i for i in range(voters) if pick.random() >= 1 / 12]
    for i in voting:
        plans[i] = replace(plans[i], first=random_choice(manifest, pick))
    for i in pick.sample(voting, max(2, len(voting) // 20)):
        plans[i] = replace(plans[i], audits=True)
    again = pick.sample(voting, max(3, len(voting) // 8))
    for j, i in enumerate(again):
        choice = random_choice(manifest, pick)
        plans[i] = replace(plans[i], again=choice, new_credential=j < max(1, len(again) // 3))
    return plans


def expected_counts(plans: list[VoterPlan]) -> Counter[str]:
    """The counts per ``contest/option`` of the voters' last choices."""
    return Counter(
        f"{contest}/{option}"
        for plan in plans
        if plan.last is not None
        for contest, options in plan.last.items()
        for option in options
    )


@dataclass
class DemoElection:
    plans: list[VoterPlan]
    record_path: Path
    #: the result body the service published
    result: dict[str, Any]
    #: every cast ballot's tracking hash, the ones that do not count too
    cast: list[bytes] = field(default_factory=list)
    audited: int = 0
    #: each refused attack: what it was, and the service's answer
    refused: list[tuple[str, str]] = field(default_factory=list)
    #: the receipt statuses of the cast ballots after the close, counted
    receipts: Counter[str] = field(default_factory=Counter)
    #: the board's events by kind
    board: Counter[str] = field(default_factory=Counter)

    def counted(self) -> dict[str, int]:
        """The result's counts per ``contest/option``, election-wide."""
        return {c["id"]: c["count"] for c in self.result["counts"] if "@" not in c["id"]}

    def counted_per_unit(self) -> dict[str, int]:
        """The ballots counted per reporting unit, as the result gives them."""
        return {u["unit"]: u["ballots"] for u in self.result["counted_per_unit"]}

    def voted_per_unit(self) -> dict[str, int]:
        """The voters who voted, per reporting unit of the result (the units merged into
        ``pool`` counted there)."""
        units = set(self.counted_per_unit())
        return dict(Counter(p.unit if p.unit in units else "pool" for p in self.plans if p.first))

    @property
    def revotes(self) -> tuple[int, int]:
        """The voters who voted again under the same credential, and under a new one."""
        again = [p for p in self.plans if p.again is not None]
        new = sum(p.new_credential for p in again)
        return len(again) - new, new


def run_demo_election(
    directory: Path, *, voters: int = DEFAULT_VOTERS, seed: int = 2026,
    progress: Progress = lambda _stage, _done, _total: None,
) -> DemoElection:  # fmt: skip
    """The election of the module's docstring in ``directory``: its record exported to
    ``record.jsonl`` there."""
    plans = plan_voters(voters, seed)
    voting = [p for p in plans if p.first is not None]
    first_wave = (len(voting) + 1) // 2
    revoters = sum(p.again is not None for p in plans)
    # a batch a minute, each with room for a wave (the first voters, the others, the
    # re-votes in the close's block): its ballots and registrations, and the 2 cover
    # replacements (a cast row and two registrations each)
    rows = max(first_wave, len(voting) - first_wave, revoters) + 2
    # the voters of a wave come one after another, all within its minute
    step_ms = min(1_000, INTERVAL_S * 1000 // (rows + 1))
    schedule = Schedule(INTERVAL_S, ((rows, rows + 4),), cover=DEMO_COVER)
    manifest = replace(demo_manifest(ELECTION), min_unit_size=5)
    with demo_parts(directory) as parts:
        setup = set_up(parts, directory, manifest, voters_of(voters), schedule, seed, progress)
        demo = DemoElection(plans, directory / "record.jsonl", {})
        setup.open()
        now, eid = parts.now, ELECTION
        devices: dict[str, tuple[Device, CredentialSeed]] = {}

        def first_ballot(plan: VoterPlan, done: int) -> None:
            assert plan.first is not None
            now[0] += step_ms
            device = setup.device(plan.national_id, f"{plan.national_id}'s phone")
            seed_ = device.register()
            if plan.audits:
                assert device.audit(seed_, plan.first) == {
                    c: sorted(o) for c, o in plan.first.items()
                }
                demo.audited += 1
            demo.cast.append(device.vote(seed_, plan.first))
            devices[plan.national_id] = device, seed_
            progress("voters register a credential with their letter and vote", done, len(voting))

        for done, plan in enumerate(voting[:first_wave], 1):
            first_ballot(plan, done)
        progress("the board publishes the minute's batch", 0, 1)
        now[0] = OPEN_MS + INTERVAL_S * 1000
        parts.batches.post_due(eid)
        progress("the board publishes the minute's batch", 1, 1)
        _attacks(demo, setup.ctx, parts, devices, seed)
        for done, plan in enumerate(voting[first_wave:], first_wave + 1):
            first_ballot(plan, done)
        progress("the second batch", 0, 1)
        now[0] = OPEN_MS + 2 * INTERVAL_S * 1000
        parts.batches.post_due(eid)
        progress("the second batch", 1, 1)
        for done, plan in enumerate((p for p in plans if p.again is not None), 1):
            now[0] += step_ms
            device, seed_ = devices[plan.national_id]
            if plan.new_credential:  # on another device, with the letter
                device = setup.device(plan.national_id, f"{plan.national_id}'s laptop")
                seed_ = device.register()
            assert plan.again is not None
            demo.cast.append(device.vote(seed_, plan.again))
            progress("some voters vote again (some with a new credential)", done, revoters)
        progress("the close: its block of batches, the audits, the padding", 0, 1)
        now[0] += step_ms
        parts.elections.close(eid)
        progress("the close: its block of batches, the audits, the padding", 1, 1)
        close_by_trustees(parts.close, setup.ctx, setup.secrets, seed, progress, now)
        demo.result = result_of(parts.elections, eid)
        demo.receipts = Counter(str(parts.desk.receipt(eid, t)["status"]) for t in demo.cast)
        demo.board = Counter(ev.kind for ev in parts.elections.store.iter_events(eid))
        parts.elections.export_record(eid, str(demo.record_path))
    return demo


def _attacks(
    demo: DemoElection, ctx: ElectionContext, parts: ServiceParts,
    devices: dict[str, tuple[Device, CredentialSeed]], seed: int,
) -> None:  # fmt: skip
    """A cheating device's over-vote under its voter's own credential, and a cast row's
    ballot copied from the board under another voter's credential: both refused."""
    rng = SeededRandomness(f"demo {seed}: the cheats")
    (cheat, cheat_seed), (thief, thief_seed) = list(devices.values())[:2]
    ev = next(iter(parts.elections.store.iter_events(ELECTION, kinds=("cast-row",))))
    original = cast_row_from_json(parse_json(ev.line)["body"]["row"]).ballot
    attacks = [
        ("over-vote (two candidates for chair)", cheat, forge_overvote_v2(ctx, cheat_seed, rng)),
        (
            "a ballot copied from the board, cast under another voter's credential",
            thief,
            copy_ballot_v2(ctx, original, thief_seed, rng),
        ),
    ]
    for what, device, (ballot, private) in attacks:
        try:
            device.cast(ballot, private)
        except HonestBallotError as exc:
            demo.refused.append((what, str(exc)))
        else:
            raise AssertionError(f"{what} was accepted")


__all__ = [
    "DEFAULT_VOTERS",
    "MAX_VOTERS",
    "MIN_VOTERS",
    "DemoElection",
    "VoterPlan",
    "expected_counts",
    "plan_voters",
    "run_demo_election",
]
