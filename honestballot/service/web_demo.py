"""An open demo election for the web service (``honestballot serve --demo``).

It runs the trustees' key ceremony (secrets written to mode-0600 files so the tally
can later be decrypted with ``honestballot trustee decrypt``), creates the election
from the demo manifest, imports a roll of sample voters (their one-time codes go to
whatever sender the server uses: the console by default), opens it and makes an
organiser token.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.record.trustee import encode_trustee_secret
from honestballot.service.board.election import ElectionService
from honestballot.service.demo import demo_manifest, run_key_ceremony
from honestballot.service.security.organisers import Organisers
from honestballot.service.voters.roll import Roll

WEB_DEMO_ELECTION = "demo-web"

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


def _write_secret(path: Path, obj: object) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(obj, f)


def setup_web_demo(elections: ElectionService, roll: Roll, directory: Path) -> WebDemo | None:
    """Create and open the demo election; None if it already exists in this store."""
    if WEB_DEMO_ELECTION in elections.store.list_elections():
        return None
    directory.mkdir(parents=True, exist_ok=True)
    manifest = demo_manifest(WEB_DEMO_ELECTION)
    key, secrets = run_key_ceremony(manifest, directory, SYSTEM_RANDOMNESS)
    for i, secret in enumerate(secrets, start=1):
        _write_secret(directory / f"secret-{i}.json", encode_trustee_secret(secret))
    elections.create(manifest, key)
    lines = ["national_id,name,phone,email,unit"] + [",".join(v) for v in SAMPLE_VOTERS]
    roll.import_csv(WEB_DEMO_ELECTION, ("\n".join(lines) + "\n").encode())
    elections.open(WEB_DEMO_ELECTION, roll=lambda c: roll.summary_body(WEB_DEMO_ELECTION, c))
    token = str(Organisers(elections.store).create_token("demo organiser"))
    return WebDemo(WEB_DEMO_ELECTION, token, directory, [v[0] for v in SAMPLE_VOTERS[:3]])
