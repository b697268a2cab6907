"""``honestballot election create``: every election has re-voting protection; the batch
schedule proposed from the expected voters, the opening hour, the hours and the batch
interval is printed (alone with ``--dry-run``) and becomes the setup's schedule; bad
figures are one line each and create nothing, a missing organiser's key or expected
voters is a usage error before the database is touched, and so is ``--no-revoting``,
which an earlier version took."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from honestballot.cli.common import open_service
from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.protocol.schedule import Cover
from honestballot.protocol.schedule_plan import Plan, hour_runs, slots
from honestballot.record.manifest import manifest_to_json
from honestballot.record.trustee import encode_election_key
from tests.factories import DemoCeremonies, key_ceremony, ranked_manifest
from tests.helpers import one_line_error, run_cli

ELECTION = "cli-revoting"
ORGANISER_KEY = base_mul(random_nonzero_scalar(SeededRandomness("cli organiser"))).hex()
FIGURES = ["--expected-voters", "5000", "--opens-at", "20", "--hours", "30"]


@pytest.fixture
def files(demo_ceremony: DemoCeremonies, tmp_path: Path) -> list[str]:
    made = demo_ceremony(ELECTION)
    manifest, key = tmp_path / "manifest.json", tmp_path / "election-key.json"
    manifest.write_text(json.dumps(manifest_to_json(made.manifest)))
    key.write_text(json.dumps(encode_election_key(made.key)))
    url = f"sqlite:///{tmp_path / 'hb.sqlite'}"
    return ["--manifest", str(manifest), "--election-key", str(key), "--database", url]


def _database(files: list[str]) -> str:
    return files[files.index("--database") + 1]


def test_the_proposed_schedule_is_printed_and_created(files: list[str], tmp_path: Path) -> None:
    plan = Plan(voters=5000, opens_at=20, hours=30, interval=60)
    schedule = plan.schedule()
    total = slots(schedule)

    dry = run_cli("election", "create", *FIGURES, "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert (
        f"{total.batches} batches with room for {total.rows} rows (votes) and "
        f"{total.registrations} registrations" in dry.stdout
    )
    table = [line.split() for line in dry.stdout.splitlines() if line[:4].strip().isdigit()]
    runs = hour_runs(plan, schedule)
    assert [(int(day), clock, int(e), int(r), int(g)) for day, clock, e, r, g in table] == [
        (
            (20 + run.first) // 24 + 1,
            f"{(20 + run.first) % 24:02d}:00-{(20 + run.last + 1) % 24:02d}:00",
            run.expected,
            run.rows,
            run.registrations,
        )
        for run in runs
    ]
    assert "created" not in dry.stdout
    assert not (tmp_path / "hb.sqlite").exists()  # a dry run opens no database

    made = run_cli(
        "election", "create", *files, *FIGURES, "--organiser-key", ORGANISER_KEY, cwd=tmp_path
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "warning" not in made.stderr
    assert dry.stdout in made.stdout  # the same schedule printed before creating
    assert f"created election {ELECTION}" in made.stdout
    assert "honestballot organiser make-roll" in made.stdout
    service = open_service(_database(files))
    assert service.board_keys(ELECTION).schedule == schedule
    assert service.context(ELECTION).revoting


def test_bad_figures_and_a_missing_key_create_nothing(files: list[str], tmp_path: Path) -> None:
    # refused up front: no schedule printed, no database file made or migrated
    keyless = run_cli("election", "create", *files, *FIGURES, cwd=tmp_path)
    assert keyless.returncode == 2, keyless.stderr
    assert "re-voting protection needs --organiser-key" in keyless.stderr
    assert keyless.stdout == ""
    assert not (tmp_path / "hb.sqlite").exists()
    bad = run_cli(
        "election", "create", *files, *FIGURES, "--batch-interval", "70",
        "--organiser-key", ORGANISER_KEY, cwd=tmp_path,
    )  # fmt: skip
    one_line_error(bad, "a batch interval is 10 to 3600 seconds", "70 s does not")
    too_big = run_cli(
        "election", "create", *files, "--expected-voters", "40000000",
        "--hours", "1", "--batch-interval", "3600", "--organiser-key", ORGANISER_KEY,
        cwd=tmp_path,
    )  # fmt: skip
    # twice the voters, and two registrations for each of K0 + ln(10^6)/ε = 439 replacements
    one_line_error(too_big, "a batch would hold 80000878 items")
    # nothing said of the expected voters: refused, nothing made
    no_voters = run_cli("election", "create", *files, cwd=tmp_path)
    assert no_voters.returncode == 2, no_voters.stderr
    assert "an election has re-voting protection: give --expected-voters" in no_voters.stderr
    # an election without protection is no longer made
    for asked in ([], FIGURES):
        plain = run_cli("election", "create", *files, "--no-revoting", *asked, cwd=tmp_path)
        assert plain.returncode == 2, plain.stderr
        assert "No such option '--no-revoting'" in plain.stderr
    assert not (tmp_path / "hb.sqlite").exists()
    service = open_service(_database(files))
    with service.store.connect() as conn:
        assert service.store.election_row(conn, ELECTION) is None



def test_k0_and_epsilon_are_chosen_for_the_setup(files: list[str], tmp_path: Path) -> None:
    """--cover-k0 and --cover-epsilon become the setup's schedule's cover (epsilon in
    thousandths); bad ones create nothing."""
    cover = ["--cover-k0", "40", "--cover-epsilon", "0.25"]
    too_many = run_cli(
        "election", "create", *files, *FIGURES, "--cover-k0", "100001",
        "--organiser-key", ORGANISER_KEY, cwd=tmp_path,
    )  # fmt: skip
    one_line_error(too_many, "K0 (cover replacements) is 0 to 100000, not 100001")
    fine = run_cli(
        "election", "create", *files, *FIGURES, "--cover-epsilon", "0.0001",
        "--organiser-key", ORGANISER_KEY, cwd=tmp_path,
    )  # fmt: skip
    one_line_error(fine, "epsilon: enter a number such as 0.1")
    # above 1 the close's counts would say how many voters replaced a credential
    exposed = run_cli(
        "election", "create", *files, *FIGURES, "--cover-epsilon", "1.5",
        "--organiser-key", ORGANISER_KEY, cwd=tmp_path,
    )  # fmt: skip
    one_line_error(exposed, "epsilon is 0.01 to 1 (above it the counts say how many voters")
    service = open_service(_database(files))
    with service.store.connect() as conn:
        assert service.store.election_row(conn, ELECTION) is None

    made = run_cli(
        "election", "create", *files, *FIGURES, *cover,
        "--organiser-key", ORGANISER_KEY, cwd=tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "cover replacements K0 = 40, epsilon = 0.25 (any one replacement" in made.stdout
    assert "at most e^epsilon = 1.284 times more or less likely" in made.stdout
    plan = Plan(voters=5000, opens_at=20, hours=30, interval=60, k0=40, epsilon_milli=250)
    schedule = open_service(_database(files)).board_keys(ELECTION).schedule
    assert schedule == plan.schedule() and schedule.cover == Cover(40, 250)


def test_too_few_expected_voters_for_a_ranked_contest_are_a_warning(tmp_path: Path) -> None:
    """A contest counted by mixing needs 100 voters on the roll per row its ballots admit
    (docs/ranked.md); the roll, usually larger than the voters expected, is held to it
    later: the election is created, and a warning line names the contest, its rows, the
    voters needed on the roll, the voters expected when fewer, and the ways out."""
    manifest = ranked_manifest()
    key_ceremony(manifest, tmp_path, "cli-ranked-roll")
    manifest_file = tmp_path / "manifest.json"
    manifest_file.write_text(json.dumps(manifest_to_json(manifest), ensure_ascii=False))
    common = [
        "election", "create", "--manifest", str(manifest_file), "--election-key",
        str(tmp_path / "election-key.json"), "--organiser-key", ORGANISER_KEY,
    ]  # fmt: skip
    # leader admits 216 rows, 21,600 voters on the roll; board 125, 12,500
    for expected in (40, 20_000, 21_600):
        url = f"sqlite:///{tmp_path / f'hb-{expected}.sqlite'}"
        made = run_cli(*common, "--expected-voters", str(expected), "--database", url,
                       cwd=tmp_path)  # fmt: skip
        assert made.returncode == 0, made.stderr
        assert f"created election {manifest.election_id}" in made.stdout
        assert open_service(url).phase(manifest.election_id) == "setup"
        warnings = [line for line in made.stdout.splitlines() if line.startswith("warning:")]
        assert [w.split(" is counted")[0] for w in warnings] == [
            "warning: contest 'leader'", "warning: contest 'board'"
        ], made.stdout
        for line, rows in zip(warnings, (216, 125), strict=True):
            needed = rows * 100
            assert f"admits {rows} different ballots" in line
            assert f"{needed:,} voters on the roll" in line
            fewer = f"{expected:,} voters are expected" in line
            assert fewer == (expected < needed), line
            assert line.endswith("rank fewer places, or plan a larger roll"), line
