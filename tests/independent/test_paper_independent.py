"""Paper results in a record made by honestballot's election service, checked by hbcheck.py
(standard library only, written from docs/record-format.md §6, "Paper results", board
rule 12 and §8): the commission's signature with its station's key, the protocol's
arithmetic and every listed voter's proof at its place; and hbcheck fails the same
tampered bodies the verifier fails, by the same check's name.

``honestballot`` is imported only to *make* the election and its paper results.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from honestballot.crypto.elgamal import decrypt_to_point
from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.close_a import ListMix
from honestballot.protocol.close_b import B_ROLL
from honestballot.record.events import EventLine
from honestballot.record.paper import upload_digest, upload_from_json, upload_to_json
from honestballot.verify.paper import check_paper as verify_paper
from tests.databases import fresh_database
from tests.factories import REVOTING_ELECTION, WEB_ELECTION, DemoCeremonies, open_web_app
from tests.independent import hbcheck
from tests.paper_helpers import (
    commission_secret,
    make_upload,
    paper_election,
    post_paper,
    resigned,
    upload_of,
)
from tests.protocol.test_close_a import X
from tests.protocol.test_close_paper import oracle_probes, p_tags, unusable_rows, wrong_lists

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "paper-v3.json"
Record = tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]], Any, Path]


@pytest.fixture(scope="module")
def record(
    demo_ceremony: DemoCeremonies, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Record]:
    """(manifest JSON, setup body, the record's events, the election, its directory) of
    an election whose station-1 sent its paper results twice."""
    directory = tmp_path_factory.mktemp("paper-independent")
    with (
        fresh_database("sqlite", directory / "db") as url,
        open_web_app(demo_ceremony(WEB_ELECTION), directory, url) as web,
    ):
        election = paper_election(web, demo_ceremony(REVOTING_ELECTION), directory)
        for voted in ("1\n2\n", "2\n"):
            answer = post_paper(election, "station-1", make_upload(election, directory, voted))
            assert answer.status_code == 201, answer.text
        lines = [
            hbcheck.strict_loads(line) for line in web.services.elections.record_lines(election.id)
        ]
        events = [obj for obj in lines if isinstance(obj, dict) and obj.get("type") == "event"]
        setup = events[0]["body"]
        yield setup["manifest"], setup, events, election, directory


def _check(record: Record, events: list[dict[str, Any]] | None = None) -> dict[str, list[str]]:
    manifest, setup, stored, _, _ = record
    base = hbcheck.setup_base_hash(setup)
    h = hbcheck.decode_point(setup["election_key"]["public_key"], False)
    return hbcheck.check_paper(manifest, setup, base, h, events or stored)


def test_hbcheck_accepts_the_paper_results(record: Record) -> None:
    assert _check(record) == {
        "board.rules": [], "paper.signatures": [], "paper.protocol": [], "paper.voters": [],
        "paper.missing": [],
    }  # fmt: skip
    papers = [ev for ev in record[2] if ev["kind"] == "paper"]
    assert [len(ev["body"]["voters"]) for ev in papers] == [2, 1]


def _tampered(record: Record, change: Any) -> dict[str, list[str]]:
    """The checks failing once ``change`` is applied to the first ``paper`` event's body,
    its correction left out (a changed digest would break the correction's ``previous``)."""
    events = copy.deepcopy(record[2])
    i = next(n for n, ev in enumerate(events) if ev["kind"] == "paper")
    events = [ev for n, ev in enumerate(events) if n <= i or ev["kind"] != "paper"]
    events[i]["body"] = change(events[i]["body"])
    return {name: found for name, found in _check(record, events).items() if found}


def test_hbcheck_names_the_failing_check_of_each_tampered_body(record: Record) -> None:
    _, _, _, election, directory = record
    secret = commission_secret(directory, "station-1")

    def count(body: Any) -> Any:
        body["protocol"]["contests"][0]["counts"][0]["count"] -= 1
        body["protocol"]["contests"][0]["counts"][1]["count"] += 1
        return body

    assert set(_tampered(record, count)) == {"board.rules", "paper.signatures"}

    def arithmetic(body: Any) -> Any:
        upload = upload_from_json(body)
        bad = replace(upload.protocol, spoiled=upload.protocol.spoiled + 1)
        return upload_to_json(resigned(election, replace(upload, protocol=bad), secret))

    found = _tampered(record, arithmetic)
    assert set(found) == {"paper.protocol"}
    assert "received != issued + spoiled + unused" in found["paper.protocol"][0]

    def moved(body: Any) -> Any:
        upload = upload_from_json(body)
        voters = tuple(reversed(upload.voters))
        return upload_to_json(resigned(election, replace(upload, voters=voters), secret))

    found = _tampered(record, moved)
    assert set(found) == {"paper.voters"}
    assert "listed voter 0's proof" in found["paper.voters"][0]


def test_hbcheck_and_verify_refuse_a_replayed_upload_and_repeated_alphas(record: Record) -> None:
    _, _, _, election, directory = record
    secret = commission_secret(directory, "station-1")
    events = copy.deepcopy(record[2])
    first, second = (n for n, ev in enumerate(events) if ev["kind"] == "paper")
    assert [events[first]["body"]["sequence"], events[second]["body"]["sequence"]] == [1, 2]
    # the service appending station-1's first upload again in place of its correction
    events[second]["body"] = copy.deepcopy(events[first]["body"])
    found = {name: f for name, f in _check(record, events).items() if f}
    assert set(found) == {"board.rules"}
    assert "sequence 1 out of turn" in found["board.rules"][0]

    # the correction re-signed naming another upload than the board's first
    events = copy.deepcopy(record[2])
    body = upload_from_json(events[second]["body"])
    other = upload_to_json(resigned(election, replace(body, previous=bytes(32)), secret))
    events[second]["body"] = other
    found = {name: f for name, f in _check(record, events).items() if f}
    assert set(found) == {"board.rules"}
    assert "previous 0000000000000000 is not its unit's last upload" in found["board.rules"][0]
    # the first upload tampered (re-signed): its correction no longer names it
    events = copy.deepcopy(record[2])
    upload = upload_from_json(events[first]["body"])
    changed = replace(upload, voters=tuple(reversed(upload.voters)))
    events[first]["body"] = upload_to_json(resigned(election, changed, secret))
    found = {name: f for name, f in _check(record, events).items() if f}
    assert set(found) == {"board.rules", "paper.voters"}
    assert f"event {events[second]['seq']}" in found["board.rules"][0]
    # a first upload naming a previous one
    events = copy.deepcopy(record[2])
    named = replace(upload, previous=bytes(32))
    events[first]["body"] = upload_to_json(resigned(election, named, secret))
    found = {name: f for name, f in _check(record, events).items() if f}
    assert f"event {events[first]['seq']}" in found["board.rules"][0]

    def alphas(body: Any) -> Any:
        upload = upload_from_json(body)
        voters = (upload.voters[0], upload.voters[0])
        return upload_to_json(resigned(election, replace(upload, voters=voters), secret))

    found = _tampered(record, alphas)
    assert set(found) == {"paper.voters"}
    assert "listed voter 1's proof" in found["paper.voters"][0]

    def per_option(body: Any) -> Any:
        # council (up to 3 marks): 2 valid ballots, member-1 with 3 votes; the total (3)
        # is within 1·2 … 3·2, the option is not
        upload = upload_from_json(body)
        council = upload.protocol.contests[1]
        counts = tuple((o, 3 if i == 0 else 0) for i, (o, _) in enumerate(council.counts))
        contests = (upload.protocol.contests[0], replace(council, counts=counts))
        bad = replace(upload.protocol, contests=contests)
        return upload_to_json(resigned(election, replace(upload, protocol=bad), secret))

    found = _tampered(record, per_option)
    assert set(found) == {"paper.protocol"}
    assert "an option counts more than the valid ballots" in found["paper.protocol"][0]


def _closing(
    record: Record, after_ms: int, events: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The record's events (or ``events``), then a close and a trustee's close-part
    ``after_ms`` later (in the record, station-1's results are not final, and station-4
    votes on paper and sent no results)."""
    events = copy.deepcopy(record[2] if events is None else events)
    last = events[-1]
    close = {"type": "event", "seq": last["seq"] + 1, "time_ms": last["time_ms"] + 1000,
             "kind": "close", "body": {}}  # fmt: skip
    part = {"type": "event", "seq": last["seq"] + 2, "kind": "close-part",
            "time_ms": close["time_ms"] + after_ms, "body": {"trustee": 1}}  # fmt: skip
    return [*events, close, part]


def test_paper_missing_when_the_close_begins_before_the_deadline(record: Record) -> None:
    hour = 3_600_000
    early, late = _closing(record, hour), _closing(record, 24 * hour)
    found = {name: f for name, f in _check(record, early).items() if f}
    assert set(found) == {"board.rules", "paper.missing"}
    # station-1 sent results, not final: the close waits for it as for station-4
    assert "['station-1', 'station-4']" in found["paper.missing"][0]
    assert not any(_check(record, late).values())
    # verify's check of the same events
    passed, text = _verify(record, early)["paper.missing"]
    assert not passed
    assert "before the paper stations of station-1, station-4 declared their results final" in (
        text
    )
    checks = _verify(record, late)
    assert checks["paper.missing"] == (
        True,
        "the close began after the 24 hours; the paper stations of station-4 sent no results "
        "(their paper ballots are not counted, their voters' e-votes not cancelled); the "
        "paper stations of station-1 count with their last results, not declared final",
    )
    assert all(ok for ok, _ in checks.values()), checks


def _verify(record: Record, events: list[dict[str, Any]]) -> dict[str, tuple[bool, str]]:
    lines = [EventLine(ev["seq"], ev["time_ms"], ev["kind"], ev["body"]) for ev in events]
    checks = verify_paper(lines, record[3].ctx)
    assert checks is not None
    return checks


def _paper_event(events: list[dict[str, Any]], body: dict[str, Any]) -> list[dict[str, Any]]:
    last = events[-1]
    ev = {"type": "event", "seq": last["seq"] + 1, "time_ms": last["time_ms"] + 1000,
          "kind": "paper", "body": body}  # fmt: skip
    return [*events, ev]


def test_the_close_begins_early_only_once_every_paper_station_is_final(record: Record) -> None:
    """station-1's correction declared final (re-signed): an early close still fails for
    station-4 alone; with station-4's results final too, it passes in hbcheck and verify;
    an upload after a unit's final one breaks board rule 12."""
    _, _, stored, election, directory = record
    secret = commission_secret(directory, "station-1")
    events = copy.deepcopy(stored)
    second = [n for n, ev in enumerate(events) if ev["kind"] == "paper"][-1]
    correction = upload_from_json(events[second]["body"])
    final = resigned(election, replace(correction, final=True), secret)
    events[second]["body"] = upload_to_json(final)
    assert not any(_check(record, events).values())
    hour = 3_600_000
    found = {name: f for name, f in _check(record, _closing(record, hour, events)).items() if f}
    assert set(found) == {"board.rules", "paper.missing"}
    assert "['station-4']" in found["paper.missing"][0]
    passed, text = _verify(record, _closing(record, hour, events))["paper.missing"]
    assert not passed and "before the paper stations of station-4 declared" in text
    # station-4's commission declares its results (no paper ballot issued) final
    ctx = election.ctx
    four = upload_of(
        ctx.base_hash, ctx.public_key, ctx.manifest, "station-4", [],
        commission_secret(directory, "station-4"), SeededRandomness("station-4"), final=True,
    )  # fmt: skip
    honest = _closing(record, hour, _paper_event(events, upload_to_json(four)))
    assert not any(_check(record, honest).values())
    checks = _verify(record, honest)
    assert checks["paper.missing"] == (
        True,
        "every paper station's results were declared final when the close began",
    )
    assert all(ok for ok, _ in checks.values()), checks
    # station-1's correction of its final results: refused by the board's rule
    after = replace(
        correction, sequence=3, previous=upload_digest(ctx.base_hash, final), final=False
    )
    late = _paper_event(events, upload_to_json(resigned(election, after, secret)))
    found = {name: f for name, f in _check(record, late).items() if f}
    assert set(found) == {"board.rules"}
    assert "after its unit's final upload" in found["board.rules"][0]


def test_hbcheck_verifies_the_paper_vector() -> None:
    """tests/vectors/paper-v3.json: the place id, every challenge and the digest from
    their pre-images, the signature, the proofs and the arithmetic, from the spec."""
    vectors = json.loads(VECTORS.read_text("utf-8"))
    data = json.loads((VECTORS.parent / "record-v3.json").read_text("utf-8"))
    setup = next(json.loads(line) for line in data["record"] if '"kind":"setup"' in line)
    manifest = setup["body"]["manifest"]
    base = hbcheck.setup_base_hash(setup["body"])
    assert base.hex() == vectors["base_hash"]
    h = hbcheck.decode_point(vectors["public_key"], False)
    body = vectors["body"]
    for name in ("place_id", "digest"):
        pre = bytes.fromhex(vectors[name]["preimage"])
        assert hashlib.sha256(pre).hexdigest() == vectors[name]["value"]
    assert (
        hbcheck.hash_bytes("paper/place", hbcheck.By(base), hbcheck.Tx(body["unit"])).hex()
        == vectors["place_id"]["value"]
    )
    assert hbcheck.paper_digest(base, body).hex() == vectors["digest"]["value"]
    assert (
        hbcheck.canonical({k: v for k, v in body.items() if k != "signature"}).decode()
        == vectors["unsigned"]
    )
    assert hbcheck.paper_signature_ok(base, vectors["commission_key"], body)
    hbcheck.paper_arithmetic(manifest, body)
    assert hbcheck.paper_voters_ok(base, h, body) is None
    for item, found in zip(body["voters"], vectors["challenges"], strict=True):
        assert item["proof"]["c"] == found["value"]
    moved = {**body, "unit": "south"}
    assert hbcheck.paper_voters_ok(base, h, moved) == 0
    # the correction names the first upload's digest; hbcheck's board rule takes the two
    correction = vectors["correction"]
    assert correction["previous"] == vectors["digest"]["value"]
    assert hbcheck.paper_signature_ok(base, vectors["commission_key"], correction)
    hbcheck.paper_arithmetic(manifest, correction)
    assert hbcheck.paper_voters_ok(base, h, correction) is None
    # the first upload is not final, its correction is: the signature covers "final"
    assert (body["final"], correction["final"]) == (False, True)
    key = vectors["commission_key"]
    assert not hbcheck.paper_signature_ok(base, key, {**correction, "final": False})


# -- the paper path's remedies: hbcheck's joins and application against the close's ------


@pytest.mark.parametrize(
    "build", [wrong_lists, oracle_probes, unusable_rows], ids=["wrong", "oracle", "unusable"]
)
def test_hbcheck_applies_the_paper_lists_as_the_close_does(build: Callable[[], Any]) -> None:
    """tests/protocol/test_close_paper.py's wrong lists (another unit's voter, a point on
    no roll row, one voter twice, by two stations), its probes (2·V, a held τ, a none
    point) and the organiser's unusable rows (two rows with one handle, a row of no
    reporting unit: excused, not the station's): hbcheck's paper_joins and paper_apply,
    given the decrypted ``P.tags`` and ``P.units`` (recomputed with the test's secret
    key), name the same (check, party) pairs as the close and cancel the same rows."""
    close, items, _, b = build()
    roll = [i for i in items if isinstance(i, ListMix) and i.list == B_ROLL][-1].rows
    tags = [hbcheck.decode_point(t.encode()) for t in p_tags(items)]
    stations = [p.station for p in b.paper for _ in p.handles]
    joins = hbcheck.paper_joins(len(roll), tags, stations)
    units = {
        r: hbcheck.discrete_log(
            hbcheck.decode_point(decrypt_to_point(X, roll[r][1]).encode()), len(b.units) - 1
        )
        for r in joins["joined"]
    }
    applied = hbcheck.paper_apply(
        joins, units, [(p.station, p.unit) for p in b.paper for _ in p.handles],
        [(p.station, len(p.handles)) for p in b.paper], [u for u, _ in b.units],
    )  # fmt: skip
    found = [(c, party) for c, party, _ in joins["failures"] + applied["failures"]]
    paper = [(f.check, f.party) for f in close.failures if f.check == "close.paper"]
    assert sorted(found) == sorted(paper)
    assert [(s, applied["valid"][s], found.count(("close.paper", hbcheck.commission(s))))
            for s, _ in applied["valid"].items()] == list(close.paper_stations)  # fmt: skip
    per_unit = [0] * len(b.units)
    for r in applied["cancelled"]:
        per_unit[units[r]] += 1
    assert list(zip([u for u, _ in b.units], per_unit, strict=True)) == list(close.paper_rows)
