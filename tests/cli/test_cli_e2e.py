"""Whole elections through the ``honestballot`` command, each command a new process.

(a) ``honestballot demo`` (an election with re-voting protection) and ``honestballot
verify`` on its record (and on a tampered copy); (b) every role by hand: the trustees'
ceremony, the organiser, a voter who audits one ballot and casts another, threshold
decryption with one trustee absent, export, independent verification and a log
consistency check.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from honestballot.cli.demo_election import expected_counts, plan_voters
from honestballot.record.codec import canonical_bytes
from honestballot.record.manifest import load_manifest

pytestmark = pytest.mark.slow

ELECTION = "cli-city-2026"


def honestballot(
    *args: str | Path, cwd: Path, expect: int | None = 0, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m honestballot ARGS``; check the exit code unless ``expect`` is None."""
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1"}
    env.pop("HONESTBALLOT_DATABASE", None)
    proc = subprocess.run(
        [sys.executable, "-m", "honestballot", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if expect is not None:
        assert proc.returncode == expect, (
            f"honestballot {' '.join(map(str, args))} exited {proc.returncode}, "
            f"expected {expect}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
        )
    return proc


# -- (a) the demo ----------------------------------------------------------------------


def test_demo_then_verify_then_a_tampered_copy(tmp_path: Path) -> None:
    """``honestballot demo`` runs an election with re-voting protection: its record
    verifies, its board shows no re-vote, and its result is the voters' last choices."""
    demo = honestballot("demo", "--dir", tmp_path / "demo", "--voters", 20, cwd=tmp_path)
    out = " ".join(demo.stdout.split())
    assert "VERIFIED: every check passed" in out
    assert "NOT VERIFIED" not in out
    assert out.count("refused") == 2  # the over-vote and the copied ballot
    record = tmp_path / "demo" / "record.jsonl"
    events = [json.loads(raw) for raw in record.read_bytes().splitlines()]
    kinds = {e.get("kind") for e in events}
    assert {"registration", "cast-row", "batch", "padding", "close-step"} <= kinds
    # nothing on the board marks a re-vote or a replaced credential (version 1's marks)
    assert "superseded" not in record.read_text() and "replaces" not in record.read_text()
    assert not kinds & {"ballot", "credential", "superseded"}
    plans = plan_voters(20, 2026)
    voted = [p for p in plans if p.first is not None]
    again = [p for p in voted if p.again is not None]
    assert {p.new_credential for p in again} == {True, False}
    assert sum(p.audits for p in voted) >= 2
    assert f"included' ({len(voted) + len(again)} of {len(voted) + len(again)})" in out
    # the count is each voter's last choice, which differs from their first choices'
    (result,) = (e["body"] for e in events if e.get("kind") == "result")
    counted = {c["id"]: c["count"] for c in result["counts"] if "@" not in c["id"]}
    last = expected_counts(plans)
    assert counted == {i: last[i] for i in counted}
    assert last != expected_counts([replace(p, again=None) for p in plans])
    assert sum(u["ballots"] for u in result["counted_per_unit"]) == len(voted)
    assert result["close"]["revoked"] >= sum(p.new_credential for p in again)
    assert "The count equals the voters' last choices, unit by unit" in out

    ok = honestballot("verify", record, cwd=tmp_path)
    assert "VERIFIED: every check passed" in ok.stdout
    assert "FAIL" not in ok.stdout

    lines = record.read_bytes().splitlines()
    index = next(i for i, raw in enumerate(lines) if json.loads(raw).get("kind") == "result")
    event = json.loads(lines[index])
    event["body"]["counts"][0]["count"] += 1
    lines[index] = canonical_bytes(event)
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_bytes(b"\n".join(lines) + b"\n")
    bad = honestballot("verify", tampered, cwd=tmp_path, expect=1)
    assert "NOT VERIFIED" in bad.stdout
    assert "FAIL result.counts" in bad.stdout
    assert "FAIL log.tree-heads" in bad.stdout
    summary = next(line for line in bad.stdout.splitlines() if "NOT VERIFIED" in line)
    assert "result.counts" in summary


# -- (b) every role by hand --------------------------------------------------------------


def _label(ru: str, kk: str, en: str) -> dict[str, str]:
    return {"ru": ru, "kk": kk, "en": en}


MANIFEST = {
    "type": "manifest",
    "version": 1,
    "election_id": ELECTION,
    "title": _label("Выборы в городе 2026", "Қала сайлауы 2026", "City election 2026"),
    "contests": [
        {
            "id": "mayor",
            "title": _label("Мэр", "Әкім", "Mayor"),
            "min_selections": 1,
            "max_selections": 1,
            "against_all": True,
            "options": [
                {"id": "aigerim", "label": _label("Айгерим", "Әйгерім", "Aigerim")},
                {"id": "boris", "label": _label("Борис", "Борис", "Boris")},
                {"id": "dana", "label": _label("Дана", "Дана", "Dana")},
            ],
        },
        {
            "id": "council",
            "title": _label("Городской совет", "Қалалық кеңес", "City council"),
            "min_selections": 0,
            "max_selections": 2,
            "against_all": False,
            "options": [
                {"id": "green", "label": _label("Зелёные", "Жасылдар", "Greens")},
                {"id": "river", "label": _label("Речная партия", "Өзен партиясы", "River party")},
                {"id": "hill", "label": _label("Холм", "Төбе", "Hill")},
            ],
        },
    ],
    "units": [
        {"id": "north", "name": _label("Северный участок", "Солтүстік учаске", "North")},
        {"id": "south", "name": _label("Южный участок", "Оңтүстік учаске", "South")},
    ],
    "min_unit_size": 1,
}

TRUSTEES = (1, 2, 3)
VOTES = {  # voter -> (unit, choices)
    "anna": ("north", ("mayor=aigerim", "council=green,river")),
    "bolat": ("south", ("mayor=against-all", "council=blank")),
}


def test_every_role_through_the_command_line(tmp_path: Path) -> None:
    def hb(*args: str | Path, expect: int | None = 0) -> subprocess.CompletedProcess[str]:
        return honestballot(*args, cwd=tmp_path, expect=expect)

    db = ("--database", f"sqlite:///{tmp_path / 'board.sqlite'}")
    problems: list[str] = []  # failures that must not stop the rest of the election

    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(MANIFEST, ensure_ascii=False, indent=1), encoding="utf-8")
    load_manifest(manifest.read_bytes())  # the hand-written manifest is well-formed

    # the organiser publishes the ceremony for this manifest
    mhash = hb("election", "manifest-hash", manifest).stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{64}", mhash)
    ceremony = tmp_path / "ceremony.json"
    out = hb("trustee", "ceremony", "--election-id", ELECTION, "--manifest-hash", mhash,
             "--trustees", "3", "--threshold", "2", "--out", ceremony)  # fmt: skip
    assert "ceremony hash" in out.stdout

    # the trustees: init, deal, check, finalize, accept-key
    secret = {i: tmp_path / f"trustee-{i}.secret.json" for i in TRUSTEES}
    public = {i: tmp_path / f"trustee-{i}.public.json" for i in TRUSTEES}
    deal = {i: tmp_path / f"deal-{i}.json" for i in TRUSTEES}
    complaints = {i: tmp_path / f"complaints-{i}.json" for i in TRUSTEES}
    for i in TRUSTEES:
        hb("trustee", "init", "--ceremony", ceremony, "--index", str(i), "--name",
           f"Trustee {i}", "--secret", secret[i], "--public-out", public[i])  # fmt: skip
        assert oct(secret[i].stat().st_mode & 0o777) == "0o600"
    for i in TRUSTEES:
        hb("trustee", "deal", "--secret", secret[i], "--publics", *public.values(),
           "--out", deal[i])  # fmt: skip
    for i in TRUSTEES:
        out = hb("trustee", "check", "--secret", secret[i], "--publics", *public.values(),
                 "--deals", *deal.values(), "--out", complaints[i])  # fmt: skip
        assert "all shares check out" in out.stdout
    key = tmp_path / "election-key.json"
    out = hb("trustee", "finalize", "--ceremony", ceremony, "--publics", *public.values(),
             "--deals", *deal.values(), "--complaints", *complaints.values(),
             "--out", key)  # fmt: skip
    assert "qualified dealers [1, 2, 3]" in out.stdout
    for i in TRUSTEES:
        out = hb("trustee", "accept-key", "--secret", secret[i], "--election-key", key,
                 "--deals", *deal.values())  # fmt: skip
        assert f"trustee {i}: key share accepted" in out.stdout

    # the organiser creates the election and publishes its setup
    out = hb(
        "election", "create", "--no-revoting", "--manifest", manifest, "--election-key", key, *db
    )  # fmt: skip
    assert f"created election {ELECTION}" in out.stdout
    setup = tmp_path / "setup.json"
    hb("election", "info", ELECTION, "--out", setup, *db)
    assert json.loads(setup.read_text())["manifest"]["election_id"] == ELECTION
    out = hb("election", "info", ELECTION, *db)
    assert "phase setup" in out.stdout

    # voters make credentials on their own devices; the organiser registers the public part
    creds: dict[str, Path] = {}
    for voter, (unit, _) in VOTES.items():
        creds[voter] = tmp_path / f"{voter}.credential.json"
        out = hb("voter", "credential", "--out", creds[voter])
        public_credential = re.search(r"organiser\): ([0-9a-f]{64})", out.stdout)
        assert public_credential, out.stdout
        assert oct(creds[voter].stat().st_mode & 0o777) == "0o600"
        assert "registered" in hb(
            "election", "register", ELECTION, "--credential", public_credential[1],
            "--unit", unit, *db,
        ).stdout  # fmt: skip
    hb("election", "register", ELECTION, "--credential", "00" * 32, "--unit", "north", *db,
       expect=2)  # fmt: skip
    assert f"election {ELECTION} is open" in hb("election", "open", ELECTION, *db).stdout

    # an observer saves the signed tree head published when the election opened
    old_head = tmp_path / "head-at-open.json"
    hb("log", "head", ELECTION, "--out", old_head, *db)

    # anna audits one ballot (Benaloh challenge), then encrypts a fresh one and casts it
    ballot_a, opening_a = tmp_path / "anna-1.ballot.json", tmp_path / "anna-1.opening.json"
    anna_choices = [f"--choice={c}" for c in VOTES["anna"][1]]
    out = hb("voter", "encrypt", "--setup", setup, "--credential", creds["anna"], *anna_choices,
             "--out", ballot_a, "--opening-out", opening_a)  # fmt: skip
    assert "tracking code" in out.stdout
    out = hb("voter", "audit", ELECTION, "--ballot", ballot_a, "--opening", opening_a, *db)
    assert "goes on the board when voting closes" in out.stdout
    assert "it will never be counted" in out.stdout
    audited = json.loads(out.stdout[: out.stdout.rindex("}") + 1])
    assert audited == {"council": ["green", "river"], "mayor": ["aigerim"]}
    out = hb("voter", "check-audit", "--setup", setup, "--ballot", ballot_a, "--opening", opening_a)
    assert json.loads(out.stdout[: out.stdout.rindex("}") + 1]) == audited
    audited_code = out.stdout.split("tracking code ")[1].strip()
    refused = hb("voter", "cast", ELECTION, "--ballot", ballot_a, *db, expect=2)
    assert "BallotRejected" in refused.stderr
    held = hb("voter", "check", ELECTION, "--tracking", audited_code, *db, expect=1)
    assert "audits go on the board when voting closes" in held.stderr

    receipts: dict[str, dict[str, object]] = {}
    for voter, (_, choices) in VOTES.items():
        ballot, opening = tmp_path / f"{voter}.ballot.json", tmp_path / f"{voter}.opening.json"
        hb("voter", "encrypt", "--setup", setup, "--credential", creds[voter],
           *[f"--choice={c}" for c in choices], "--out", ballot,
           "--opening-out", opening)  # fmt: skip
        receipts[voter] = json.loads(hb("voter", "cast", ELECTION, "--ballot", ballot, *db).stdout)
        assert receipts[voter]["election_id"] == ELECTION
        assert receipts[voter]["superseded"] is None
    # a retry of the same submission gives the same receipt
    again = json.loads(hb("voter", "cast", ELECTION, "--ballot", tmp_path / "bolat.ballot.json",
                          *db).stdout)  # fmt: skip
    assert again == receipts["bolat"]

    # anna checks her tracking code on the board right after casting
    code = str(receipts["anna"]["tracking_code"])
    check = hb("voter", "check", ELECTION, "--tracking", code, *db, expect=None)
    if check.returncode != 0 or "the one that counts" not in check.stdout:
        problems.append(
            f"'voter check' right after 'voter cast' exited {check.returncode}: "
            f"{check.stdout.strip()} {check.stderr.strip()}"
        )

    assert f"election {ELECTION} is closed" in hb("election", "close", ELECTION, *db).stdout
    late = hb("voter", "cast", ELECTION, "--ballot", tmp_path / "anna.ballot.json", *db, expect=2)
    assert "ProtocolError" in late.stderr or "BallotRejected" in late.stderr
    check = hb("voter", "check", ELECTION, "--tracking", code, *db)
    assert f"entry {receipts['anna']['seq']} of the board (ballot)" in check.stdout
    assert "the one that counts" in check.stdout
    assert "inclusion proof of" in check.stdout

    # tally, threshold decryption by trustees 1 and 3 (trustee 2 is absent), result
    tally = tmp_path / "tally.json"
    out = hb("election", "tally", ELECTION, "--out", tally, *db)
    assert "encrypted tally published with" in out.stdout
    tallied = tmp_path / "record-tallied.jsonl"
    hb("election", "export", ELECTION, "--out", tallied, *db)
    shares = {i: tmp_path / f"share-{i}.json" for i in (1, 3)}
    for i, share in shares.items():
        out = hb("trustee", "decrypt", "--secret", secret[i], "--record", tallied,
                 "--tally", tally, "--workers", "1", "--out", share)  # fmt: skip
        assert "every check passed" in out.stdout
        out = hb("election", "add-share", ELECTION, share, *db)
        assert f"decryption share of trustee {i} verified and published" in out.stdout
    hb("election", "add-share", ELECTION, shares[1], *db, expect=2)  # the same share twice
    counts = json.loads(hb("election", "result", ELECTION, *db).stdout)
    expected = {
        "mayor/aigerim": 1, "mayor/boris": 0, "mayor/dana": 0, "mayor/against-all": 1,
        "council/green": 1, "council/river": 1, "council/hill": 0, "council/blank": 1,
    }  # fmt: skip
    assert {k: v for k, v in counts.items() if "@" not in k} == expected
    assert counts["mayor/aigerim@north"] == 1
    assert counts["mayor/against-all@south"] == 1
    assert counts["council/blank@north"] == 0

    # anyone can combine the published shares offline as well
    combined = tmp_path / "decrypted.json"
    hb("trustee", "combine", "--election-key", key, "--tally", tally, "--shares",
       *shares.values(), "--max-count", "10", "--out", combined)  # fmt: skip
    decrypted = json.loads(combined.read_text())
    assert decrypted["trustees_used"] == [1, 3]
    assert {e["id"]: e["count"] for e in decrypted["entries"]} == counts

    # export, verify independently, and check the log only grew since the election opened
    record = tmp_path / "record.jsonl"
    out = hb("election", "export", ELECTION, "--out", record, *db)
    assert re.search(r"wrote \d+ events", out.stdout)
    verified = hb("verify", record, "--workers", "1")
    assert "VERIFIED: every check passed" in verified.stdout
    assert "ballots cast 2" in verified.stdout
    assert "ballots audited 1" in verified.stdout
    # anna's audit, as the board shows it (no credential), opens to what she saw
    [audit] = [e["body"] for e in map(json.loads, record.read_bytes().splitlines()[1:])
               if e.get("kind") == "audit"]  # fmt: skip
    assert "credential" not in audit["spoiled"]
    spoiled, spoiled_opening = tmp_path / "spoiled.json", tmp_path / "spoiled-opening.json"
    spoiled.write_text(json.dumps(audit["spoiled"]))
    spoiled_opening.write_text(json.dumps(audit["opening"]))
    out = hb("voter", "check-audit", "--setup", setup, "--ballot", spoiled,
             "--opening", spoiled_opening)  # fmt: skip
    assert json.loads(out.stdout[: out.stdout.rindex("}") + 1]) == audited
    assert f"tracking code {audited_code}" in out.stdout
    consistent = hb("log", "consistency", "--record", record, "--old-head", old_head)
    assert "consistent: the log of size" in consistent.stdout

    forged = json.loads(old_head.read_text())
    forged["root"] = ("0" if forged["root"][0] != "0" else "1") + forged["root"][1:]
    forged_head = tmp_path / "forged-head.json"
    forged_head.write_text(json.dumps(forged))
    not_consistent = hb("log", "consistency", "--record", record, "--old-head", forged_head,
                        expect=None)  # fmt: skip
    assert not_consistent.returncode != 0
    # the forged head is refused before any proof: the board key never signed it
    assert "does not verify" in not_consistent.stderr + not_consistent.stdout

    assert not problems, "\n".join(problems)
