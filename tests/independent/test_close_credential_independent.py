"""The fallback round's credential check (`close.credential`, docs/coercion.md §5.3, A6) in
a whole record made by the service and read by the independent checker
(tests/independent/hbcheck.py) beside ``honestballot verify``.

A winner whose ``Enc(sigma)`` does not test equal to its registration's can only come from
the service: the rows and registrations the close compares are bound by their proofs from
the board on (the ballots' credential proofs, the padding's proofs of randomness, every
mix's proof of shuffle, every trustee's equivalence share and decryption factor), so no
change to a finished record reaches this check without failing one of those first.  The
record is therefore made by a deviating service, in two ways, in one election:

* as test_close_paths_independent.py makes its fallback round: two voters cast five
  ballots each, and the service pads both with a padding row *above* their ballots (each
  padding row wins its group, its flag 1: `close.dummy`).  One of the two padding rows is
  honest about the voting point; the other encrypts the voter's voting point plus the
  base point, so its winner also fails the equivalence test (`close.credential`);
* a third voter casts three ballots, the last one under their own tag but another
  credential's voting point (a ballot whose public proofs hold, whose voting point the
  service does not compare with the registered one): that winner is a real ballot row,
  its flag 0, and fails the equivalence test alone.  The fallback round must take this
  group (a failing test of either kind) and must pick the highest row that passes
  *both* tests, the voter's second ballot, not the last ballot, whose flag is 0 too.

Both checkers name `close.credential` for exactly the lying padding's group and the third
voter's, `close.dummy` for the two padded groups, the record still verifies, and the
fallback round counts each padded voter's last ballot and the third voter's second."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from honestballot.cli.observer import verify_command
from honestballot.crypto.group import GENERATOR, Point
from honestballot.crypto.randomness import SeededRandomness
from honestballot.crypto.tagging import tag_point
from honestballot.protocol.ballot_v2 import BallotPrivate, encrypt_under, prove_private
from honestballot.protocol.credential_seed import CredentialSeed, generate_seed
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.padding import PaddedCredential
from honestballot.protocol.schedule import Cover, Schedule
from honestballot.service.board import batches as batches_module
from honestballot.service.voters.revoting import RevotingDesk
from tests.databases import fresh_database
from tests.factories import (
    REVOTING_ELECTION,
    WEB_ELECTION,
    DemoCeremonies,
    open_revoting_election,
    open_web_app,
)
from tests.independent.test_close_paths_independent import hb, named, parsed, verify
from tests.web.close_helpers import run_close

#: one batch holds the thirteen cast rows and the three registrations (no cover rows)
SCHEDULE = Schedule(60, ((13, 3),), cover=Cover(0, 100_000))
#: (national ID, the choices it casts in order): five ballots each for the padded voters,
#: the last one differs; three for the voter whose last ballot has another voting point
HONEST, LYING, OTHER_POINT = "900101300001", "900101300002", "900101300003"
VOTERS = {
    HONEST: [{"chair": {"cand-2"}, "council": {"blank"}}] * 4
    + [{"chair": {"cand-1"}, "council": {"member-1"}}],
    LYING: [{"chair": {"cand-4"}, "council": {"blank"}}] * 4
    + [{"chair": {"cand-3"}, "council": {"member-1"}}],
    OTHER_POINT: [{"chair": {"cand-1"}, "council": {"blank"}}] * 2
    + [{"chair": {"cand-2"}, "council": {"member-1"}}],
}
#: each test reads a whole election's record (the module builds it once)
pytestmark = pytest.mark.slow


@dataclass
class Record:
    lines: list[bytes]
    #: the close's rounds, as the trustees went through them
    rounds: list[str]


def padding_above(make_padding: Callable[..., Any], lying: list[Point]) -> Callable[..., Any]:
    """The service's padding, but a credential of five ballots gets its padding row's
    counter right above its last ballot (n0 + 6), and the credential whose voting point
    is ``lying[0]`` a padding row that encrypts that point plus the base point."""

    def made(ctx: Any, credentials: Sequence[PaddedCredential], *args: Any) -> Any:
        shifted = [
            replace(
                c,
                counter_start=c.counter_start + 6,
                voting_point=c.voting_point + GENERATOR
                if c.voting_point == lying[0]
                else c.voting_point,
            )
            if c.ballots == 5
            else c
            for c in credentials
        ]
        assert sum(c.ballots == 5 for c in credentials) == 2
        assert sum(c.voting_point == lying[0] for c in credentials) == 1
        return make_padding(ctx, shifted, *args)

    return made


def lenient_credential(
    self: RevotingDesk, ctx: ElectionContext, voter_id: int, ballot: Any, private: BallotPrivate
) -> Point:
    """The deviating service's check of a ballot's credential: the tag secret's point,
    with no look at the voting point (the honest desk refuses a ballot whose voting point
    is not the one registered with its tag, and checks the private proofs)."""
    return tag_point(ctx.base_hash, private.tag_secret)


def other_point_ballot(
    ctx: ElectionContext, seed: CredentialSeed, choice: dict[str, set[str]], device: Any
) -> tuple[Any, BallotPrivate]:
    """A ballot under ``seed``'s tag but a fresh credential's voting point: its public
    proofs hold (the credential proof is the fresh credential's), its private part names
    ``seed``'s tag secret."""
    base = ctx.base_hash
    other = generate_seed(device.rng, base)
    ballot, _, randomness = encrypt_under(
        ctx, other.signing_scalar(base), other.voting_point(base), seed.tag_point(base),
        choice, device.rng,
    )  # fmt: skip
    private = prove_private(ctx, other, ctx.verifier_key, ballot, randomness, device.rng)
    return ballot, replace(private, tag_secret=seed.tag_secret())


@pytest.fixture(scope="module")
def record(
    demo_ceremony: DemoCeremonies, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Record]:
    tmp = tmp_path_factory.mktemp("independent-close-credential")
    (tmp / "web").mkdir()
    ceremony = demo_ceremony(REVOTING_ELECTION)
    lying: list[Point] = []
    with (
        pytest.MonkeyPatch.context() as mp,
        fresh_database("sqlite", tmp / "db") as url,
        open_web_app(demo_ceremony(WEB_ELECTION), tmp / "web", url) as web,
    ):
        mp.setattr(
            batches_module, "make_padding", padding_above(batches_module.make_padding, lying)
        )
        mp.setattr(RevotingDesk, "_credential", lenient_credential)
        election = open_revoting_election(
            web, ceremony, SeededRandomness("independent close credential"), schedule=SCHEDULE
        )
        services = web.services
        open_ms = services.batches.open_ms(election.id)
        assert open_ms is not None
        for national_id, choices in VOTERS.items():
            device = election.device(national_id, f"device {national_id}")
            seed, answer = device.register()
            assert answer.status_code == 201, answer.text
            if national_id == LYING:
                lying.append(seed.voting_point(election.ctx.base_hash))
            for k, choice in enumerate(choices):
                ballot, _, private = device.ballot(seed, choice)
                if national_id == OTHER_POINT and k == len(choices) - 1:
                    ballot, private = other_point_ballot(election.ctx, seed, choice, device)
                answer = device.cast(ballot, private)
                assert answer.status_code == 201, answer.text
        services.elections.clock = lambda: open_ms + SCHEDULE.interval * 1000 + 10
        services.elections.close(election.id)
        rounds = run_close(election, ceremony, SeededRandomness("credential trustees"))
        lines = [bytes(x).rstrip(b"\n") for x in services.elections.record_lines(election.id)]
        yield Record(lines, rounds)


def groups(failures: Sequence[tuple[str, str, str]], check: str) -> list[str]:
    """The groups (their tag, hex) that ``failures`` (check, party, detail) name by ``check``."""
    return sorted(d.split("group ", 1)[1].split(":", 1)[0] for c, _, d in failures if c == check)


def test_a_winner_of_another_voting_point_is_named_by_both(record: Record) -> None:
    """The fallback round runs for the three groups; `close.credential` names the lying
    padding's group and the third voter's (their winners' equivalence tests fail),
    `close.dummy` the two padded groups; hbcheck and verify name the same checks, party and
    groups, and recompute the same result: each padded voter's last ballot (neither padding
    row nor an earlier ballot), and the third voter's second ballot, the highest row of the
    group passing both tests (its last ballot's flag is 0, its voting point another's)."""
    assert record.rounds[6:9] == ["A-check-dec", "A-fallback", "A-fallback-dec"]
    report = verify(record.lines)
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    assert named(report) == [
        ("close.credential", "service"), ("close.credential", "service"),
        ("close.dummy", "service"), ("close.dummy", "service"),
    ]  # fmt: skip
    close = hb(record.lines)
    assert isinstance(close, dict), close
    assert close["done"] and close["rounds"] == record.rounds
    found = [(f.check, f.party, f.detail) for f in report.close.failures]  # type: ignore[union-attr]
    hb_found = [tuple(f) for f in close["failures"]]
    assert sorted((c, p) for c, p, _ in hb_found) == named(report)
    for check in ("close.credential", "close.dummy"):
        assert groups(hb_found, check) == groups(found, check)  # type: ignore[arg-type]
    credential, dummy = set(groups(found, "close.credential")), set(groups(found, "close.dummy"))
    assert len(credential) == len(dummy) == 2
    assert len(credential & dummy) == 1  # the lying row is a padding row too
    assert len(credential - dummy) == 1  # the other point's winner is a ballot row, flag 0
    events, _, _ = parsed(record.lines)
    (result,) = [e["body"] for e in events if e["kind"] == "result"]
    assert close["result"] == result
    totals = {c["id"]: c["count"] for c in result["counts"]}
    # HONEST's last ballot, LYING's last, OTHER_POINT's second (not its last: cand-2)
    assert (totals["chair/cand-1"], totals["chair/cand-3"]) == (2, 1)
    assert (totals["chair/cand-2"], totals["chair/cand-4"]) == (0, 0)
    assert (totals["council/member-1"], totals["council/blank"]) == (2, 1)
    assert result["close"]["selected"] == result["close"]["survivors"] == 3


def test_honestballot_verify_names_close_credential(record: Record, tmp_path: Path) -> None:
    """``honestballot verify`` on the record file: VERIFIED, with `close.credential` named
    (the service) twice and `close.dummy` twice, every other check passed."""
    path = tmp_path / "record.jsonl"
    path.write_bytes(b"\n".join(record.lines) + b"\n")
    out = CliRunner().invoke(verify_command, [str(path), "--workers", "1"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert "VERIFIED: every check passed; 4 failure(s) with a remedy named a party" in text
    summary = text.rsplit("named a party: ", 1)[1].split(", ")
    assert sorted(summary) == [
        "close.credential", "close.credential", "close.dummy", "close.dummy",
    ]  # fmt: skip
    assert "NAMED close.credential: names the service: group" in text
    assert "FAIL" not in out.output
