"""A polling station's paper results end to end, on SQLite and PostgreSQL: the organiser
exports the station's paper roll (``honestballot election paper-roll``), the commission
makes its signed upload (``honestballot commission paper``) and posts it to
``/api/e/ID/stations/UNIT/paper``; ``GET /api/e/ID/stations`` shows the protocol, the
listed voters and the reconciliation; an upload with broken arithmetic, another station's
signature, proofs made for another unit, for a station without paper voting, or after a
trustee's first object of the close is refused with its message (in the request's
language) and nothing is appended; ``verify`` passes the record and names the failing
check of a hand-tampered one."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from honestballot.cli import commission as cli_commission
from honestballot.cli.main import cli
from honestballot.crypto.randomness import SeededRandomness
from honestballot.errors import ProtocolError
from honestballot.protocol.board import PAPER_DEADLINE_MS
from honestballot.protocol.close_a import act
from honestballot.record.close import publish
from honestballot.record.codec import canonical_bytes
from honestballot.record.paper import (
    protocol_from_json,
    upload_digest,
    upload_from_json,
    upload_to_json,
)
from honestballot.service.paper import check_close_may_begin
from honestballot.verify.verifier import Report, verify_record
from honestballot.web.paper_pages import MAX_PAPER_BYTES
from honestballot.web.security import limit_for
from tests.factories import (
    REVOTING_ELECTION,
    WEB_ROLL,
    DemoCeremonies,
    DemoCeremony,
    RevotingElection,
    WebElection,
    board_secret_of,
    resign,
)
from tests.helpers import describe, failed
from tests.paper_helpers import (
    SCHEDULE,
    commission_secret,
    last_digest_of,
    make_upload,
    paper_election,
    paper_events,
    post_paper,
    protocol_json,
    resigned,
    run_cli,
    upload_of,
)
from tests.web.close_helpers import post_close, send_close, trustee_keys


@pytest.fixture
def ceremony(demo_ceremony: DemoCeremonies) -> DemoCeremony:
    return demo_ceremony(REVOTING_ELECTION)


@pytest.fixture
def election(web: WebElection, ceremony: DemoCeremony, tmp_path: Path) -> RevotingElection:
    return paper_election(web, ceremony, tmp_path)


def _verify(election: RevotingElection, lines: list[bytes] | None = None) -> Report:
    services = election.web.services
    lines = lines or list(services.elections.record_lines(election.id))
    return verify_record(lines, workers=1, now_ms=services.elections.clock())


def test_a_commission_uploads_its_signed_results_and_the_stations_show_them(
    election: RevotingElection, tmp_path: Path
) -> None:
    # the paper roll: station-1's voters of the roll, in the roll's order, with handles
    body = make_upload(election, tmp_path, "2\n\n1\n")
    rows = list(csv.reader(io.StringIO((tmp_path / "roll.csv").read_text())))
    station_1 = [nid for nid, _, _, _, unit in WEB_ROLL if unit == "station-1"]
    assert rows[0] == ["line", "national_id", "handle"]
    assert [r[:2] for r in rows[1:]] == [["1", station_1[0]], ["2", station_1[1]]]
    assert all(len(r[2]) == 64 for r in rows[1:])
    assert (tmp_path / "roll.csv").stat().st_mode & 0o077 == 0  # personal data

    answer = post_paper(election, "station-1", body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["voters"] == 2
    stations = election.web.client.get(f"/api/e/{election.id}/stations").json()["stations"]
    shown = {s["unit"]: s for s in stations}
    paper = shown["station-1"]["paper_results"]
    assert paper["voters"] == 2 and paper["paper_events"] == 1 and paper["final"] is False
    first_digest = upload_digest(election.ctx.base_hash, upload_from_json(body)).hex()
    assert paper["last_digest"] == first_digest
    assert paper["protocol"]["issued"] == 2 and paper["protocol"]["received"] == 7
    assert paper["reconciliation"] == {
        "received": True, "in_box": True, "taken_away": 0, "issued_listed": True,
    }  # fmt: skip
    assert shown["station-2"]["paper_results"] is None  # no paper voting
    assert shown["station-4"]["paper_results"] is None  # nothing sent yet

    # a corrected protocol replaces it: the last one counts; it names the one it corrects
    # and is declared final (commission paper --final)
    corrected = make_upload(election, tmp_path, "1\n", final=True)
    assert corrected["previous"] == first_digest and corrected["final"] is True
    assert post_paper(election, "station-1", corrected).status_code == 201
    paper = {
        s["unit"]: s
        for s in election.web.client.get(f"/api/e/{election.id}/stations").json()["stations"]
    }["station-1"]["paper_results"]
    assert (paper["voters"], paper["paper_events"], paper["final"]) == (1, 2, True)
    assert paper["last_digest"] == (
        upload_digest(election.ctx.base_hash, upload_from_json(corrected)).hex()
    )
    # final: no upload of station-1 is taken after it, in the commission's language
    after = make_upload(election, tmp_path, "2\n")
    for lang, message in (
        ("en", "the commission of unit 'station-1' has declared its paper results final"),
        ("ru", "комиссия участка station-1 объявила бумажные итоги окончательными"),
    ):
        answer = post_paper(election, "station-1", after, lang=lang)
        assert answer.status_code == 409, answer.text
        assert message in answer.text, answer.text
    assert paper_events(election) == 2

    report = _verify(election)
    assert report.passed, describe(report)
    names = {c.name: c.detail for c in report.checks}
    assert "2 paper events of 1 units" in names["paper.signatures"]
    assert "3 listed voters" in names["paper.voters"]


def test_each_bad_upload_is_refused_with_its_message_and_nothing_is_appended(
    election: RevotingElection, tmp_path: Path
) -> None:
    good = upload_from_json(make_upload(election, tmp_path, "1\n2\n"))
    one, two, four = (
        commission_secret(tmp_path, u) for u in ("station-1", "station-2", "station-4")
    )
    bad_arithmetic = resigned(
        election,
        replace(good, protocol=protocol_from_json(
            protocol_json(election.ctx.manifest, 2, received=9)
        )),
        one,
    )  # fmt: skip
    refusals = [
        ("station-1", bad_arithmetic, r"ballots received (9) must equal issued (2)"),
        ("station-1", resigned(election, good, two), "not signed with the key of the unit's"),
        (
            # station-4 has one voter on the roll: 2 ballots issued cannot be (the proofs,
            # made at station-1's place, would fail next: tests/protocol/test_paper.py)
            "station-4",
            resigned(election, replace(good, unit="station-4"), four),
            "ballots issued (2) cannot be more than the unit's voters on the roll (1)",
        ),
        (
            "station-1",
            resigned(election, replace(good, sequence=2), one),
            "numbered 2: the board takes number 1 next",
        ),
        (
            # the first upload names none it corrects
            "station-1",
            resigned(election, replace(good, previous=bytes(32)), one),
            "numbered 1 are the unit's first: they correct no earlier upload",
        ),
        (
            "station-2",
            resigned(election, replace(good, unit="station-2"), two),
            "unit 'station-2' has no polling station with paper voting",
        ),
        ("station-4", good, "these paper results are of unit 'station-1', not of 'station-4'"),
    ]
    for unit, upload, message in refusals:
        answer = post_paper(election, unit, upload_to_json(upload))
        assert answer.status_code in (400, 409, 422), answer.text
        assert message in answer.text, (message, answer.text)
    # in the commission's language
    answer = post_paper(election, "station-1", upload_to_json(bad_arithmetic), lang="ru")
    assert "получено бюллетеней (9)" in answer.text, answer.text
    answer = post_paper(election, "station-1", upload_to_json(resigned(election, good, two)), "kk")
    assert "комиссиясының кілтімен қол қойылмаған" in answer.text, answer.text
    assert paper_events(election) == 0
    assert post_paper(election, "station-1", upload_to_json(good)).status_code == 201
    assert paper_events(election) == 1
    # a correction naming another upload than the board's last (say the commission's
    # other first upload, which the service answered with an error and did not keep)
    base = election.ctx.base_hash
    not_kept = replace(good, voters=good.voters[::-1])
    wrong = resigned(
        election, replace(good, sequence=2, previous=upload_digest(base, not_kept)), one
    )
    answer = post_paper(election, "station-1", upload_to_json(wrong), lang="ru")
    assert answer.status_code == 409, answer.text
    assert "не указывают загрузку 1 этого участка" in answer.text, answer.text
    assert paper_events(election) == 1
    right = resigned(election, replace(good, sequence=2, previous=upload_digest(base, good)), one)
    assert post_paper(election, "station-1", upload_to_json(right)).status_code == 201
    assert paper_events(election) == 2


def test_a_large_upload_reaches_the_service(election: RevotingElection) -> None:
    """A station of thousands of paper voters sends megabytes (about 300 bytes a listed
    voter): the body limit of the paper routes is the upload's own, not the 64 KiB of other
    requests; a body over it is refused before it is read."""
    assert limit_for(f"/api/e/{election.id}/stations/station-1/paper") > MAX_PAPER_BYTES
    assert limit_for(f"/e/{election.id}/stations/station-1/paper") > MAX_PAPER_BYTES
    big = {"unit": "station-1", "padding": "x" * (1 << 20)}
    answer = post_paper(election, "station-1", big)
    assert answer.status_code == 400, answer.text  # read, and refused for what it says
    assert "missing field" in answer.text
    too_big = {"unit": "station-1", "padding": "x" * (MAX_PAPER_BYTES + (2 << 20))}
    assert post_paper(election, "station-1", too_big).status_code == 413
    assert paper_events(election) == 0


@pytest.mark.slow
def test_paper_results_are_taken_after_the_close_until_a_trustee_acts(
    election: RevotingElection, ceremony: DemoCeremony, tmp_path: Path
) -> None:
    body = make_upload(election, tmp_path, "1\n")
    services = election.web.services
    open_ms = services.batches.open_ms(election.id)
    assert open_ms is not None
    services.elections.clock = lambda: open_ms + SCHEDULE.interval * 1000 + 10
    services.elections.close(election.id)
    # closed, the padding and the first round on the board: the stations count now
    answer = post_paper(election, "station-1", body)
    assert answer.status_code == 201, answer.text
    # the paper deadline: station-1's results are not final and station-4 has not sent
    # its results, so the close's service refuses a trustee's object until both are final
    # or 24 hours after the close
    closed_ms = open_ms + SCHEDULE.interval * 1000 + 10
    step = services.close.stage(election.id).next[0]
    keys = trustee_keys(ceremony)[2]
    services.elections.clock = lambda: closed_ms + 1000
    rng = SeededRandomness("trustee, early")
    parts, _ = publish(election.ctx.base_hash, act(election.ctx, step, keys, rng), keys.x, rng)
    early = post_close(election, "close-part", parts[0])
    assert early.status_code == 409, early.text
    assert "still waiting for station-1, station-4" in early.text
    assert services.close.stage(election.id).next[0] == step  # nothing taken
    services.elections.clock = lambda: closed_ms + PAPER_DEADLINE_MS
    sent = send_close(election, keys, step, SeededRandomness("trustee"))
    assert sent.status_code == 201, sent.text
    answer = post_paper(election, "station-1", body)
    assert answer.status_code == 409, answer.text
    assert "the close has begun: paper results can no longer be changed" in answer.text
    assert paper_events(election) == 1


def test_the_close_may_begin_early_only_once_every_paper_station_is_final(
    election: RevotingElection, tmp_path: Path
) -> None:
    """The service's paper deadline (check_close_may_begin, which the close's service calls
    before a trustee's object): results not declared final keep the close waiting as no
    results do, until every paper station's last results are final or 24 hours passed."""
    services = election.web.services
    open_ms = services.batches.open_ms(election.id)
    assert open_ms is not None
    closed_ms = open_ms + SCHEDULE.interval * 1000 + 10
    services.elections.clock = lambda: closed_ms
    services.elections.close(election.id)

    def may_begin(at_ms: int) -> None:
        with services.store.transaction(election.id) as conn:
            check_close_may_begin(services.elections, conn, election.id, at_ms)

    soon = closed_ms + 60_000
    with pytest.raises(ProtocolError, match=r"still waiting for station-1, station-4$"):
        may_begin(soon)
    first = make_upload(election, tmp_path, "1\n")
    assert post_paper(election, "station-1", first).status_code == 201
    with pytest.raises(ProtocolError, match=r"still waiting for station-1, station-4$"):
        may_begin(soon)
    # station-4's commission issued no paper ballot, and declares that final
    ctx = election.ctx
    four = upload_of(
        ctx.base_hash, ctx.public_key, ctx.manifest, "station-4", [],
        commission_secret(tmp_path, "station-4"), SeededRandomness("station-4"), final=True,
    )  # fmt: skip
    assert post_paper(election, "station-4", upload_to_json(four)).status_code == 201
    with pytest.raises(ProtocolError, match=r"still waiting for station-1$"):
        may_begin(soon)
    with pytest.raises(ProtocolError, match=r"still waiting for station-1$"):
        may_begin(closed_ms + PAPER_DEADLINE_MS - 1)
    may_begin(closed_ms + PAPER_DEADLINE_MS)  # station-1 then counts with its last results
    final = make_upload(election, tmp_path, "1\n", final=True)
    assert post_paper(election, "station-1", final).status_code == 201
    may_begin(soon)


def test_verify_names_the_failing_check_of_a_tampered_record(
    election: RevotingElection, tmp_path: Path
) -> None:
    body = make_upload(election, tmp_path, "1\n2\n")
    assert post_paper(election, "station-1", body).status_code == 201
    lines = [raw.rstrip(b"\n") for raw in election.web.services.elections.record_lines(election.id)]
    secret = board_secret_of(election.web.database_url, election.id)
    i = next(n for n, raw in enumerate(lines) if json.loads(raw).get("kind") == "paper")

    def tampered(change: Any) -> Report:
        event = json.loads(lines[i])
        event["body"] = change(event["body"])
        changed = [*lines[:i], canonical_bytes(event), *lines[i + 1 :]]
        return _verify(election, [raw + b"\n" for raw in resign(changed, election.id, secret)])

    # arithmetic broken but signed by the commission: paper.protocol alone
    def arithmetic(b: Any) -> Any:
        upload = upload_from_json(b)
        bad = protocol_from_json(protocol_json(election.ctx.manifest, 2, in_box=1))
        signed = resigned(
            election, replace(upload, protocol=bad), commission_secret(tmp_path, "station-1")
        )
        return upload_to_json(signed)

    report = tampered(arithmetic)
    assert failed(report) == {"paper.protocol"}, describe(report)
    assert "event" in describe(report) and "(unit station-1)" in describe(report)
    assert "contest 'chair'" in describe(report)

    # a count changed by the service: the commission's signature breaks
    def count(b: Any) -> Any:
        b["protocol"]["contests"][0]["counts"][0]["count"] = 1
        b["protocol"]["contests"][0]["counts"][1]["count"] = 1
        return b

    report = tampered(count)
    assert {"paper.signatures", "board.rules"} <= failed(report), describe(report)
    assert "paper.protocol" not in failed(report)

    # a proof swapped between two listed voters (signed again): paper.voters
    def proofs(b: Any) -> Any:
        upload = upload_from_json(b)
        v = upload.voters
        swapped = (replace(v[0], proof=v[1].proof), replace(v[1], proof=v[0].proof))
        signed = resigned(
            election, replace(upload, voters=swapped), commission_secret(tmp_path, "station-1")
        )
        return upload_to_json(signed)

    report = tampered(proofs)
    assert failed(report) == {"paper.voters"}, describe(report)

    # the first upload naming a previous one (signed by the commission): board rule 12
    def named(b: Any) -> Any:
        upload = upload_from_json(b)
        signed = resigned(
            election, replace(upload, previous=bytes(32)), commission_secret(tmp_path, "station-1")
        )
        return upload_to_json(signed)

    report = tampered(named)
    assert failed(report) == {"board.rules"}, describe(report)
    assert "numbered 1 are the unit's first" in describe(report)


def test_the_commission_fetches_the_election_and_posts_with_the_command_line(
    election: RevotingElection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``commission paper --server --election --post`` (the server's public context, the
    upload posted), then ``commission upload`` of the same file once more."""
    client = election.web.client
    srv = ("--fingerprint", election.ctx.base_hash.hex()[:16], "--server", "http://board.test")

    def fetch(url: str, body: bytes | None, *, timeout: float = 60) -> bytes:
        path = url.removeprefix("http://board.test")
        # as urllib_fetch sends it: a body as application/json
        headers = {"content-type": "application/json"}
        answer = (
            client.get(path) if body is None else client.post(path, content=body, headers=headers)
        )
        if answer.status_code not in (200, 201):
            raise ProtocolError(answer.json()["error"]["message"])
        return answer.content

    monkeypatch.setattr(cli_commission, "urllib_fetch", fetch)
    make_upload(election, tmp_path, "1\n")  # the paper roll, voted.txt and protocol.json
    (tmp_path / "upload.json").unlink()
    (tmp_path / "opening.json").unlink()
    result = run_cli(
        "commission", "paper", "--key", str(tmp_path / "station-1.key"), "--unit", "station-1",
        "--roll", str(tmp_path / "roll.csv"), "--voted", str(tmp_path / "voted.txt"),
        "--protocol", str(tmp_path / "protocol.json"), *srv,
        "--election", election.id, "--out", str(tmp_path / "upload.json"),
        "--opening", str(tmp_path / "opening.json"), "--post",
    )  # fmt: skip
    assert f"fingerprint {election.ctx.base_hash.hex()[:16]}" in result.output
    assert "are on the board (event" in result.output and "1 voters listed" in result.output
    assert "upload 1 (not final)," in result.output
    assert json.loads((tmp_path / "upload.json").read_text())["final"] is False
    # its receipt: no witnesses here, and the output says what the proof then rests on
    assert (tmp_path / "upload.receipt.json").exists()
    assert "names no witnesses (quorum 0)" in result.output
    # the receipt file is not overwritten
    again = CliRunner().invoke(
        cli, ["commission", "upload", *srv, "--election", election.id,
              str(tmp_path / "upload.json")],
    )  # fmt: skip
    assert "upload.receipt.json exists: refusing to overwrite it" in str(again.exception)
    # the same file sent again (a replay): refused, the board keeps one
    again = CliRunner().invoke(
        cli, ["commission", "upload", *srv, "--election", election.id,
              "--receipt", str(tmp_path / "again.json"), str(tmp_path / "upload.json")],
    )  # fmt: skip
    assert again.exit_code != 0
    assert "numbered 1: if it was sent before" in str(again.exception)
    assert "'honestballot commission receipt'" in str(again.exception)
    assert paper_events(election) == 1
    # the sealed opening opens the upload to paper roll line 1
    opening = [
        "commission", "check-opening", "--roll", str(tmp_path / "roll.csv"),
        "--opening", str(tmp_path / "opening.json"), "--upload", str(tmp_path / "upload.json"),
        *srv, "--election", election.id,
    ]  # fmt: skip
    assert "lists the 1 voters of paper roll lines 1" in run_cli(*opening).output
    sealed = json.loads((tmp_path / "opening.json").read_text())
    sealed["rows"][0]["line"] = 2  # another voter of the roll
    (tmp_path / "opening.json").write_text(json.dumps(sealed))
    wrong = CliRunner().invoke(cli, opening)
    assert "row 0 does not encrypt the handle its opening names" in str(wrong.exception)
    # a correction: numbered 2 from the board
    for name in ("upload.json", "opening.json"):
        (tmp_path / name).unlink()
    paper = [
        "commission", "paper", "--unit", "station-1",
        "--roll", str(tmp_path / "roll.csv"), "--voted", str(tmp_path / "voted.txt"),
        "--protocol", str(tmp_path / "protocol.json"), *srv,
        "--election", election.id, "--out", str(tmp_path / "upload.json"),
        "--opening", str(tmp_path / "opening.json"),
    ]  # fmt: skip
    # a --previous other than the board's last: refused before signing
    stale = CliRunner().invoke(
        cli, [*paper, "--key", str(tmp_path / "station-1.key"), "--previous", "00" * 32]
    )
    assert "the board's last paper upload of unit 'station-1' has the digest" in str(
        stale.exception
    )
    assert not (tmp_path / "upload.json").exists()
    made = run_cli(*paper, "--key", str(tmp_path / "station-1.key"), "--final").output
    assert "upload 2 (final: no correction can follow)," in made
    # it names the board's last upload, read from the board, and the board takes it
    last = last_digest_of(election, "station-1")
    assert last is not None
    corrected = json.loads((tmp_path / "upload.json").read_text())
    assert (corrected["previous"], corrected["final"]) == (last, True)
    run_cli("commission", "upload", *srv, "--election", election.id,
            "--receipt", str(tmp_path / "2.json"), str(tmp_path / "upload.json"))  # fmt: skip
    assert paper_events(election) == 2
    # without the board, a correction needs --previous
    for name in ("upload.json", "opening.json"):
        (tmp_path / name).unlink()
    offline = CliRunner().invoke(
        cli, [*paper[:-8], "--setup", str(tmp_path / "setup.json"), "--sequence", "3",
              "--key", str(tmp_path / "station-1.key"), *paper[-4:]],
    )  # fmt: skip
    assert offline.exit_code == 2
    assert "give --previous" in offline.output
    # another station's commission key: refused before signing
    other = CliRunner().invoke(cli, [*paper, "--key", str(tmp_path / "station-4.key")])
    assert "not this commission's" in str(other.exception)
    assert not (tmp_path / "upload.json").exists()
