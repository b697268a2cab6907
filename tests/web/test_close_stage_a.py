"""Stage A of the close through the service (docs/coercion.md §5.3; service/board/close.py,
record/close.py, verify/close.py), on SQLite and PostgreSQL: voters register, vote, vote
again and replace a credential; the election closes with its padding; the trustees send
their signed objects round by round to ``/api/e/ID/close``; the service takes only what
stage A accepts; ``verify`` replays it from the record and finds each credential's last
ballot."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from honestballot.cli import trustee as cli_trustee
from honestballot.cli.trustee import trustee_group
from honestballot.crypto.elgamal import decrypt_to_point
from honestballot.crypto.group import GENERATOR, Point
from honestballot.crypto.randomness import SeededRandomness
from honestballot.errors import ProtocolError
from honestballot.protocol.close_a import A_ROWS, ListMix, act
from honestballot.protocol.manifest import BLANK
from honestballot.protocol.schedule import Cover, Schedule
from honestballot.record.close import publish
from honestballot.record.trustee import encode_trustee_secret
from honestballot.verify.verifier import Report, verify_record
from tests.factories import (
    REVOTING_ELECTION,
    DemoCeremonies,
    DemoCeremony,
    RevotingElection,
    WebElection,
    election_secret,
    open_revoting_election,
)
from tests.web.close_helpers import post_close, send_close, trustee_keys

ROLL = ["900101300001", "900101300002", "900101300003"]
SCHEDULE = Schedule(60, ((8, 4),), cover=Cover(0, 100_000))
INTERVAL_MS = SCHEDULE.interval * 1000


@pytest.fixture
def ceremony(demo_ceremony: DemoCeremonies) -> DemoCeremony:
    return demo_ceremony(REVOTING_ELECTION)


@pytest.fixture
def election(web: WebElection, ceremony: DemoCeremony) -> Iterator[RevotingElection]:
    # small batches: the close's lists are a few dozen rows
    yield open_revoting_election(
        web, ceremony, SeededRandomness("close stage A"), schedule=SCHEDULE
    )


def _verify(election: RevotingElection, now_ms: int | None = None) -> Report:
    lines = list(election.web.services.elections.record_lines(election.id))
    return verify_record(lines, workers=1, now_ms=now_ms or election.web.services.elections.clock())


def _vote_and_close(election: RevotingElection) -> dict[Point, list[dict[str, set[str]]]]:
    """Three voters: one votes once; one votes, then votes again; one votes, replaces its
    credential with its letter on another device, and votes under the new one.  Then the
    close.  What each credential (by tag point) cast, in order."""
    services = election.web.services
    open_ms = services.batches.open_ms(election.id)
    assert open_ms is not None
    cast: dict[Point, list[dict[str, set[str]]]] = {}
    base = election.ctx.base_hash

    def vote(device: Any, seed: Any, choice: dict[str, set[str]]) -> None:
        ballot, _, private = device.ballot(seed, choice)
        answer = device.cast(ballot, private)
        assert answer.status_code == 201, answer.text
        cast.setdefault(seed.tag_point(base), []).append(choice)

    once, twice, replacing = (election.device(nid, f"device {nid}") for nid in ROLL)
    seeds = []
    for device in (once, twice, replacing):
        seed, answer = device.register()
        assert answer.status_code == 201, answer.text
        seeds.append(seed)
    vote(once, seeds[0], {"chair": {"cand-1"}, "council": {"member-1"}})
    vote(twice, seeds[1], {"chair": {"cand-1"}, "council": {BLANK}})
    vote(replacing, seeds[2], {"chair": {"cand-2"}, "council": {"member-2"}})
    vote(twice, seeds[1], {"chair": {"cand-2"}, "council": {"member-1", "member-2"}})
    other = election.device(ROLL[2], "another device")
    new_seed, answer = other.register()
    assert answer.status_code == 201, answer.text
    vote(other, new_seed, {"chair": {"cand-1"}, "council": {BLANK}})
    services.elections.clock = lambda: open_ms + INTERVAL_MS + 10
    services.elections.close(election.id)
    return cast


@pytest.mark.slow
def test_the_trustees_run_stage_a_through_the_service_and_verify_replays_it(
    election: RevotingElection, ceremony: DemoCeremony
) -> None:
    cast = _vote_and_close(election)
    replaced = list(cast)[2]  # the third credential that cast: the one replaced
    trustees = trustee_keys(ceremony)
    rng = SeededRandomness("trustees of stage A")
    ctx = election.ctx
    report = _verify(election)
    assert report.passed, report.failures
    assert report.close is not None and report.close.round == "A-mix"  # nothing yet
    # the service takes nothing before the padding's close has begun... and then each
    # round's steps, each object by a trustee not acted yet; it refuses a second
    rounds = []
    while True:
        state = election.web.services.close.stage(election.id)
        if state.done:
            break
        rounds.append(state.round)
        for step in state.next:
            last = step
            for j in (2, 3):  # any k of the n trustees
                answer = send_close(election, trustees[j], step, rng)
                assert answer.status_code == 201, answer.text
                if step.kind == "mix" and j == 2:  # the next mixer shuffles this output
                    step = next(
                        s
                        for s in election.web.services.close.stage(election.id).next
                        if (s.kind, s.list) == (step.kind, step.list)
                    )
    assert rounds[:1] == ["A-mix"] and rounds[-1] == "B-tally" and "B-revoke" in rounds
    report = _verify(election)
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    names = {c.name for c in report.checks}
    assert {"close.signatures", "close.steps", "close.stage-a", "close.stage-b"} <= names
    assert {"tally", "result.counts"} <= names
    assert report.named == []
    close = report.close
    assert close is not None and close.done
    stage = close.a
    # stage A: every credential that cast has its last ballot (the replaced one too)
    secret = election_secret(ceremony)
    assert len(stage.winners) == len(cast)
    manifest = election.ctx.manifest

    def choices(row: Any, i: int) -> dict[str, set[str]]:
        contests = {}
        for contest in manifest.contests:
            chosen = set()
            for option in contest.slot_ids:
                if decrypt_to_point(secret, row[i]) == GENERATOR:
                    chosen.add(option)
                i += 1
            contests[contest.id] = chosen
        return contests

    for w in stage.winners:
        tag = decrypt_to_point(secret, stage.registrations[w.registration][0])
        assert choices(stage.rows[w.row], 4) == cast[tag][-1]
    # stage B: one ballot per voter, the replaced credential's revoked
    current = [v for k, v in cast.items() if k != replaced]
    counted = [choices(close.winners[c.row], 3) for c in close.counted]
    assert sorted(map(repr, counted)) == sorted(repr(v[-1]) for v in current)
    # B6: the result, posted with the close's last step, counts each voter's last ballot
    store = election.web.services.store
    (result,) = store.iter_events(election.id, kinds=("result",))
    body = json.loads(result.line)["body"]
    chosen = [f"{c}/{o}" for v in current for c, options in v[-1].items() for o in options]
    totals = {c["id"]: c["count"] for c in body["counts"] if "@" not in c["id"]}
    assert totals == {
        f"{c.id}/{o}": chosen.count(f"{c.id}/{o}") for c in manifest.contests for o in c.slot_ids
    }
    assert sum(u["ballots"] for u in body["counted_per_unit"]) == len(current)
    assert body["close"]["revoked"] == 1 and body["close"]["survivors"] == len(current)
    assert report.counts == {c["id"]: c["count"] for c in body["counts"]}
    assert election.web.services.elections.phase(election.id) == "done"
    # the published result: min_unit_size 50 puts every unit in pool, which with its
    # three counted ballots is held back (tests/web/test_revoting_results.py has units
    # broken out)
    summary = election.web.client.get(f"/api/e/{election.id}/results").json()
    units = [u.id for u in manifest.units]
    assert summary["reporting_units"] == [{"id": "pool", "units": units}]
    assert summary["counted_per_unit"] == [{"unit": "pool", "ballots": len(current)}]
    assert summary["per_unit"] == [] and summary["units_not_broken_out"] == ["pool"]
    assert summary["close"] == body["close"]
    page = election.web.client.get(f"/e/{election.id}/results?lang=en").text
    pooled = ", ".join(u.name.en for u in manifest.units)
    assert f"totals: Other units together: {pooled}.</p>" in page
    # an object after the close is over is refused, and no step is added
    steps = len(list(store.iter_events(election.id, kinds=("close-step",))))
    parts, head = publish(ctx.base_hash, act(ctx, last, trustees[1], rng), trustees[1].x, rng)
    answer = post_close(election, "close-part", parts[0])
    assert answer.status_code == 409 and "not allowed in phase done" in answer.text
    answer = post_close(election, "close-step", head)
    assert answer.status_code == 409 and "not allowed in phase done" in answer.text
    assert len(list(store.iter_events(election.id, kinds=("close-step",)))) == steps


def test_the_service_refuses_objects_that_would_break_the_record(
    election: RevotingElection, ceremony: DemoCeremony
) -> None:
    _vote_and_close(election)
    trustees = trustee_keys(ceremony)
    rng = SeededRandomness("refused objects")
    close = election.web.services.close
    step = close.stage(election.id).next[0]
    assert (step.kind, step.list) == ("mix", A_ROWS)
    ctx = election.ctx
    item = act(ctx, step, trustees[1], rng)
    # signed with another trustee's key: refused before anything is stored
    parts, head = publish(ctx.base_hash, item, trustees[2].x, rng)
    answer = post_close(election, "close-part", parts[0])
    assert answer.status_code == 400 and "does not verify" in answer.text
    # a step whose parts are not on the board
    parts, head = publish(ctx.base_hash, item, trustees[1].x, rng)
    answer = post_close(election, "close-step", head)
    assert answer.status_code == 400 and "not on the board" in answer.text
    # a tampered mix: its parts stored, the step refused by its proof
    assert isinstance(item, ListMix)
    swapped = replace(item, rows=(item.rows[1], item.rows[0], *item.rows[2:]))
    parts, head = publish(ctx.base_hash, swapped, trustees[1].x, rng)
    for part in parts:
        assert post_close(election, "close-part", part).status_code == 201
    answer = post_close(election, "close-step", head)
    assert answer.status_code == 400 and "mix.proofs" in answer.text
    assert close.stage(election.id).next[0].done_by == ()
    # the honest mix is taken; the same trustee's second mix of the list is refused
    honest = act(ctx, step, trustees[1], rng)
    first_parts, first_head = publish(ctx.base_hash, honest, trustees[1].x, rng)
    for part in first_parts:
        assert post_close(election, "close-part", part).status_code == 201
    assert post_close(election, "close-step", first_head).status_code == 201
    second = act(ctx, step, trustees[1], rng)  # its second, on the first's input
    parts2, head2 = publish(ctx.base_hash, second, trustees[1].x, rng)
    answer = post_close(election, "close-part", parts2[0])  # no part of it is stored
    assert answer.status_code == 409 and "by trustee 1" in answer.text
    answer = post_close(election, "close-step", head2)
    assert answer.status_code == 400 and "not on the board" in answer.text
    # a step already on the board, sent again, is answered as stored before
    answer = post_close(election, "close-step", first_head)
    assert answer.status_code == 200 and answer.json()["stored"] is False
    # the record still verifies, with the one mix taken
    report = _verify(election)
    assert report.passed, report.failures
    assert report.close is not None and report.close.round == "A-mix"
    # the part sent again is not stored twice
    answer = post_close(election, "close-part", parts[0])
    assert answer.status_code == 200 and answer.json()["stored"] is False
    # a step in trustee 3's name that trustee 2 signed, put on the board by a dishonest
    # service: not taken, and verify names the service
    step = close.stage(election.id).next[0]
    forged = act(ctx, step, trustees[3], rng)
    parts, head = publish(ctx.base_hash, forged, trustees[2].x, rng)
    services = election.web.services
    with services.store.transaction(election.id) as conn:
        for part in parts:
            services.elections._append(conn, election.id, "close-part", part)
        services.elections._append(conn, election.id, "close-step", head)
    report = _verify(election)
    assert report.passed, report.failures
    assert [c.name for c in report.named] == ["close.signatures"] * (len(parts) + 1)
    assert "names the service" in report.named[0].detail
    assert report.close is not None and report.close.next[0].done_by == (1,)


def test_trustees_take_part_with_the_command_line(
    election: RevotingElection, ceremony: DemoCeremony, tmp_path: Path, monkeypatch: Any
) -> None:
    """'trustee close-round' makes a trustee's objects for the open steps from the verified
    record; 'upload-close' sends them; 'close-status' says where the close is."""
    _vote_and_close(election)
    services = election.web.services
    record = tmp_path / "record.jsonl"

    def export() -> None:
        services.elections.export_record(election.id, str(record))

    def fetch(url: str, body: bytes | None, timeout: float = 60) -> bytes:
        r = election.web.client.post(url.removeprefix("https://board.example"), content=body)
        if r.status_code >= 400:
            raise ProtocolError(f"{url}: HTTP {r.status_code}: {r.text}")
        return bytes(r.content)

    monkeypatch.setattr(cli_trustee, "urllib_fetch", fetch)
    runner = CliRunner()
    export()
    status = runner.invoke(
        trustee_group, ["close-status", "--record", str(record), "--workers", "1"]
    )
    assert status.exit_code == 0, (status.output, status.exception)
    assert "round A-mix" in status.output
    assert "mix of A.rows: done by trustees none" in status.output
    for trustee in (1, 3):
        secret = tmp_path / f"trustee-{trustee}.secret.json"
        secret.write_text(json.dumps(encode_trustee_secret(ceremony.secrets[trustee - 1])))
        out = tmp_path / f"close-{trustee}.jsonl"
        export()
        made = runner.invoke(
            trustee_group,
            ["close-round", "--secret", str(secret), "--record", str(record), "--workers", "1",
             "--out", str(out)],
        )  # fmt: skip
        assert made.exit_code == 0, (made.output, made.exception)
        assert f"round A-mix: mix of A.rows by trustee {trustee}" in made.output
        assert f"round A-mix: mix of A.registrations by trustee {trustee}" in made.output
        sent = runner.invoke(
            trustee_group,
            ["upload-close", "--url", "https://board.example/", "--election", election.id,
             "--close", str(out)],
        )  # fmt: skip
        assert sent.exit_code == 0, (sent.output, sent.exception)
        assert f"mix of A.rows by trustee {trustee}: verified and published" in sent.output
        # the same file again (an upload cut off): everything is on the board already
        again = runner.invoke(
            trustee_group,
            ["upload-close", "--url", "https://board.example/", "--election", election.id,
             "--close", str(out)],
        )  # fmt: skip
        assert again.exit_code == 0, (again.output, again.exception)
        assert f"mix of A.rows by trustee {trustee}: already on the board" in again.output
    export()
    status = runner.invoke(
        trustee_group, ["close-status", "--record", str(record), "--workers", "1"]
    )
    assert status.exit_code == 0, (status.output, status.exception)
    assert "round A-tag" in status.output
    assert "tag of A.tags: done by trustees none" in status.output


def test_a_step_that_raced_another_is_refused_and_deadlines_are_announced(
    election: RevotingElection, ceremony: DemoCeremony, monkeypatch: Any
) -> None:
    """Two trustees send a first mix of A.rows at once: the one whose check ran while the
    other's step was stored is refused ("came in meanwhile") and nothing of it is taken.
    Each round the close opens is announced with its deadline; past it, verify names the
    stalled round."""
    services = election.web.services
    services.elections.close_deadline_ms = 60_000
    _vote_and_close(election)
    trustees = trustee_keys(ceremony)
    rng = SeededRandomness("a race")
    close, ctx = services.close, election.ctx
    step = close.stage(election.id).next[0]
    mine, theirs = (act(ctx, step, trustees[j], rng) for j in (2, 3))
    my_parts, my_head = publish(ctx.base_hash, mine, trustees[2].x, rng)
    their_parts, their_head = publish(ctx.base_hash, theirs, trustees[3].x, rng)
    for part in (*my_parts, *their_parts):
        assert post_close(election, "close-part", part).status_code == 201
    checking = close._state

    def meanwhile(election_id: str, extra: Any = None) -> Any:
        out = checking(election_id, extra)
        if extra is not None and extra.trustee == 2:  # trustee 3's step is stored now
            monkeypatch.setattr(close, "_state", checking)
            assert post_close(election, "close-step", their_head).status_code == 201
        return out

    monkeypatch.setattr(close, "_state", meanwhile)
    answer = post_close(election, "close-step", my_head)
    assert answer.status_code == 409 and "came in meanwhile" in answer.text
    # sent again, it is checked against the board as it now is: position 1 is taken
    answer = post_close(election, "close-step", my_head)
    assert answer.status_code == 400 and "position 1, expected 2" in answer.text
    report = _verify(election)
    assert report.passed, report.failures
    assert report.named == [] and report.close is not None
    assert report.close.next[0].done_by == (3,)
    rounds = [e for e in services.store.iter_events(election.id, kinds=("close-round",))]
    assert len(rounds) == 1  # A-mix, announced right after the padding
    # the round's deadline passes with A-mix not done: verify names it, and still passes
    report = _verify(election, services.elections.clock() + 61_000)
    assert report.passed, report.failures
    [stalled] = report.named
    assert stalled.name == "close.stalled" and "round A-mix" in stalled.detail
    assert "mix of A.rows done by [3]" in stalled.detail
