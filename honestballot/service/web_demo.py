"""An open demo election with re-voting protection for the web service (``honestballot
serve --demo``; docs/coercion.md).

It runs the trustees' key ceremony (secrets written to mode-0600 files, for the trustees'
close with ``honestballot trustee close-round``), creates the election from the demo
manifest with a batch schedule and an organiser's key drawn for it, imports a roll of
sample voters (their one-time codes go to whatever sender the server uses: the console by
default), makes the organiser's encrypted roll and the voters' activation letters as
``honestballot organiser make-roll`` does (the organiser's key is then dropped: the demo
publishes no polling station), opens it and makes an organiser token.  The sample voters'
activation codes are returned, for the console: a real election's go by letter.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path

from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import random_nonzero_scalar
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.protocol.schedule import Cover, Schedule
from honestballot.record.roll import upload_to_json
from honestballot.record.trustee import encode_trustee_secret
from honestballot.service.board.election import ElectionService
from honestballot.service.demo import demo_manifest, run_key_ceremony
from honestballot.service.encrypted_roll import Voter, build_roll_upload, keep_encrypted_roll
from honestballot.service.security.organisers import Organisers
from honestballot.service.voters.roll import Roll

WEB_DEMO_ELECTION = "demo-web"
#: a batch every 2 minutes with room for 3 ballots and 4 registrations (each filled with
#: cover: the board grows by 7 items every 2 minutes, and the trustees' close with it);
#: 2 cover replacements without noise (epsilon 100), as the command-line demo: a real
#: election's schedule comes from its expected voters and hours, with about 300 cover
#: replacements and noise (docs/coercion.md §4)
WEB_DEMO_SCHEDULE = Schedule(120, ((3, 4),), cover=Cover(2, 100_000))
#: results for units of 5 voters or more (the sample roll's units hold 5, and 2)
WEB_DEMO_MIN_UNIT_SIZE = 5

#: national ID, name, phone, e-mail, unit of invented sample voters
SAMPLE_VOTERS = [
    (f"9001013{i:05d}", f"Sample Voter {i}", f"+7 701 555 {i:04d}", f"voter{i}@example.org", unit)
    for i, unit in enumerate(
        ["station-1", "station-2", "station-3", "station-4"] * 5 + ["station-small"] * 2, start=1
    )
]


@dataclass(frozen=True)
class WebDemo:
    election_id: str
    organiser_token: str
    trustee_dir: Path
    sample_ids: list[str]
    #: the sample voters' activation codes, by national ID
    activation_codes: dict[str, str]


def _write_secret(path: Path, obj: object) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(obj, f)


def setup_web_demo(elections: ElectionService, roll: Roll, directory: Path) -> WebDemo | None:
    """Create and open the demo election; None if it already exists in this store."""
    eid = WEB_DEMO_ELECTION
    if eid in elections.store.list_elections():
        return None
    directory.mkdir(parents=True, exist_ok=True)
    manifest = replace(demo_manifest(eid), min_unit_size=WEB_DEMO_MIN_UNIT_SIZE)
    key, secrets = run_key_ceremony(manifest, directory, SYSTEM_RANDOMNESS)
    for i, secret in enumerate(secrets, start=1):
        _write_secret(directory / f"secret-{i}.json", encode_trustee_secret(secret))
    organiser = random_nonzero_scalar(SYSTEM_RANDOMNESS)
    ctx = elections.create(
        manifest, key, organiser_key=base_mul(organiser), schedule=WEB_DEMO_SCHEDULE
    )
    lines = ["national_id,name,phone,email,unit"] + [",".join(v) for v in SAMPLE_VOTERS]
    roll.import_csv(eid, ("\n".join(lines) + "\n").encode())
    voters = [Voter(nid, name, unit) for nid, name, _, _, unit in SAMPLE_VOTERS]
    made = build_roll_upload(eid, ctx, roll.summary_body(eid), voters, organiser, SYSTEM_RANDOMNESS)
    keep_encrypted_roll(elections, roll, eid, upload_to_json(made.upload))
    elections.open(eid, roll=lambda c: roll.summary_body(eid, c))
    token = str(Organisers(elections.store).create_token("demo organiser"))
    samples = [v[0] for v in SAMPLE_VOTERS[:3]]
    codes = {nid: code for nid, _, _, code in made.letters if nid in samples}
    return WebDemo(eid, token, directory, samples, codes)
