"""A whole record of a small election with re-voting protection, run through the service
to its result (tests/web/close_helpers.run_close), checked by the independent checker
(tests/independent/hbcheck.py) from the documents alone: the close's objects, stage A,
stage B, B6 and the result.  A close object or the result altered (the log re-signed) is
caught by name.  The record is built with honestballot; hbcheck does not import it."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.manifest import BLANK
from honestballot.protocol.schedule import Schedule
from honestballot.service.demo import demo_manifest
from tests.databases import fresh_database
from tests.factories import (
    WEB_ELECTION,
    DemoCeremonies,
    board_secret_of,
    key_ceremony,
    open_revoting_election,
    open_web_election,
    resign,
)
from tests.independent import hbcheck
from tests.web.close_helpers import run_close

ELECTION = "independent-close"
SCHEDULE = Schedule(60, ((8, 4),))
#: (national ID, the choices it casts in order); the third replaces its credential before
#: its second ballot (so one winner is revoked at B3)
VOTERS = [
    # five ballots: its group is padded to six (one padding row)
    (
        "900101300001",
        [{"chair": {"cand-2"}, "council": {BLANK}}] * 4
        + [{"chair": {"cand-1"}, "council": {"member-1"}}],
    ),
    (
        "900101300002",
        [
            {"chair": {"cand-1"}, "council": {BLANK}},
            {"chair": {"cand-2"}, "council": {"member-1", "member-2"}},
        ],
    ),
    (
        "900101300003",
        [
            {"chair": {"cand-2"}, "council": {"member-2"}},
            {"chair": {"cand-1"}, "council": {BLANK}},
        ],
    ),
]


@dataclass
class Record:
    lines: list[bytes]
    election: str
    #: what the board key signs with (the tests' dishonest server re-signs the log)
    board_secret: Any
    #: trustee index -> its election key share x_t (to re-sign a changed object)
    x: dict[int, int]


@pytest.fixture(scope="module")
def record(
    demo_ceremony: DemoCeremonies, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Record]:
    """The record's lines, the close run to its result (min_unit_size 2: station-1 is a
    reporting unit of its own)."""
    tmp: Path = tmp_path_factory.mktemp("independent-close")
    web_dir = tmp / "web"
    web_dir.mkdir()
    ceremony = key_ceremony(replace(demo_manifest(ELECTION), min_unit_size=2), tmp, ELECTION)
    with (
        fresh_database("sqlite", tmp / "db") as url,
        open_web_election(demo_ceremony(WEB_ELECTION), web_dir, url, open_=True) as web,
    ):
        election = open_revoting_election(
            web, ceremony, SeededRandomness("independent close"), schedule=SCHEDULE
        )
        services = web.services
        open_ms = services.batches.open_ms(election.id)
        assert open_ms is not None
        for national_id, choices in VOTERS:
            device = election.device(national_id, f"device {national_id}")
            seed, answer = device.register()
            assert answer.status_code == 201, answer.text
            for i, choice in enumerate(choices):
                if i and national_id == "900101300003":  # a new credential, another device
                    device = election.device(national_id, "another device")
                    seed, answer = device.register()
                    assert answer.status_code == 201, answer.text
                ballot, _, private = device.ballot(seed, choice)
                answer = device.cast(ballot, private)
                assert answer.status_code == 201, answer.text
        services.elections.clock = lambda: open_ms + SCHEDULE.interval * 1000 + 10
        services.elections.close(election.id)
        run_close(election, ceremony, SeededRandomness("independent trustees"))
        lines = [bytes(x).rstrip(b"\n") for x in services.elections.record_lines(election.id)]
        x = {s.index: s.key_share.value for s in ceremony.secrets if s.key_share is not None}
        yield Record(lines, election.id, board_secret_of(url, election.id), x)


def hb(lines: list[bytes]) -> str | None:
    """hbcheck's verdict: None if it passes, else the name of the check it fails."""
    parsed = [json.loads(x) for x in lines]
    events = [e for e in parsed if e.get("type") == "event"]
    heads = [e["size"] for e in parsed if e.get("type") == "tree-head"]
    try:
        hbcheck.check_revoting(events, heads)
    except ValueError as exc:
        return str(exc).split(":", 1)[0]
    return None


def changed(
    record: Record, kind: str, pick: Callable[[dict[str, Any]], bool],
    change: Callable[[dict[str, Any]], None],
) -> tuple[list[bytes], dict[str, Any]]:  # fmt: skip
    """The record with the first event of ``kind`` that ``pick`` picks changed in place,
    and the log re-signed (what a server holding the board key can do).  Returns (the
    lines, the changed event)."""
    out, found = [], None
    for raw in record.lines:
        obj = json.loads(raw)
        if found is None and obj.get("kind") == kind and pick(obj["body"]):
            change(obj["body"])
            found = obj
            raw = hbcheck.canonical(obj)
        out.append(raw)
    assert found is not None
    return resign(out, record.election, record.board_secret), found


def sign_close(base: bytes, kind: str, body: dict[str, Any], x: int) -> str:
    """``body`` signed again by the trustee whose key share is ``x`` (record-format §6: a
    Schnorr signature, tag close/signature, context (B base, P X_t), on the digest);
    returns the new digest."""
    key = hbcheck.B * x
    unsigned = hbcheck.canonical({k: v for k, v in body.items() if k != "signature"})
    digest = hbcheck.hash_bytes(f"close/{kind}", hbcheck.By(base), hbcheck.By(unsigned))
    r = secrets.randbelow(hbcheck.L - 1) + 1
    big_r = hbcheck.B * r
    parts = [hbcheck.By(base), hbcheck.Pt(key), hbcheck.By(digest), hbcheck.Pt(key)]
    c = hbcheck.hash_to_scalar("close/signature", *parts, hbcheck.Pt(big_r))
    body["signature"] = {"c": hbcheck.scalar_hex(c), "s": hbcheck.scalar_hex(r + c * x)}
    return digest.hex()


@pytest.mark.slow
def test_the_whole_close_and_its_result_pass(record: Record) -> None:
    parsed = [json.loads(x) for x in record.lines]
    events = [e for e in parsed if e.get("type") == "event"]
    heads = [e["size"] for e in parsed if e.get("type") == "tree-head"]
    board = hbcheck.check_revoting(events, heads)
    assert board is not None
    close = board["close"]
    assert close["done"] and close["rounds"][0] == "A-mix" and close["rounds"][-1] == "B-tally"
    assert "B-revoke" in close["rounds"] and "A-fallback" not in close["rounds"]
    (result,) = [e["body"] for e in events if e["kind"] == "result"]
    assert close["result"] == result
    # the voters' last ballots, one revoked credential, one padding row
    totals = {c["id"]: c["count"] for c in result["counts"] if "@" not in c["id"]}
    assert totals["chair/cand-1"] == 2 and totals["chair/cand-2"] == 1
    assert totals["council/member-1"] == 2 and totals["council/blank"] == 1
    assert result["close"]["revoked"] == 1 and result["close"]["survivors"] == 3
    assert result["close"]["padding_rows"] == 1
