"""Paper results for the tests: a counting protocol of the demo manifest that adds up, an
upload of it (protocol/paper.py), and a re-voting election on the web app with paper
stations, whose commission makes and posts its upload with the command line."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from honestballot.cli.main import _register, cli
from honestballot.crypto.group import Point, Scalar, base_mul
from honestballot.crypto.randomness import Randomness, SeededRandomness
from honestballot.crypto.schnorr import sign
from honestballot.protocol.manifest import Manifest
from honestballot.protocol.paper import (
    SIGNATURE_TAG,
    PaperProtocol,
    PaperUpload,
    make_paper_upload,
    paper_digest,
)
from honestballot.protocol.schedule import Cover, Schedule
from honestballot.protocol.witnesses import Witness
from honestballot.record.codec import canonical_bytes, decode_scalar
from honestballot.record.manifest import manifest_to_json
from honestballot.record.paper import body_digest, protocol_from_json, unsigned_body
from tests.factories import (
    WEB_ROLL,
    DemoCeremony,
    RevotingElection,
    WebElection,
    open_revoting_election,
    publish_signed_station,
)


def protocol_json(manifest: Manifest, issued: int, **over: Any) -> dict[str, Any]:
    """A protocol of ``issued`` ballots, all in the box and valid, each marking the first
    option of every contest (``over`` replaces members)."""
    body: dict[str, Any] = {
        "received": issued + 5,
        "issued": issued,
        "spoiled": 2,
        "unused": 3,
        "in_box": issued,
        "contests": [
            {
                "id": c.id,
                "invalid": 0,
                "counts": [
                    {"option": o.id, "count": issued if i == 0 else 0}
                    for i, o in enumerate(c.options)
                ],
            }
            for c in manifest.contests
        ],
    }
    return {**body, **over}


def protocol_of(manifest: Manifest, issued: int, **over: Any) -> PaperProtocol:
    return protocol_from_json(protocol_json(manifest, issued, **over))


def upload_of(
    base_hash: bytes,
    election_key: Point,
    manifest: Manifest,
    unit: str,
    handles: Sequence[Point],
    secret: Scalar,
    rng: Randomness,
    protocol: PaperProtocol | None = None,
    sequence: int = 1,
    previous: bytes | None = None,
    final: bool = False,
) -> PaperUpload:
    """A commission's upload number ``sequence`` listing ``handles``, correcting the upload
    whose digest is ``previous``, declared ``final`` or not, signed with ``secret``."""
    upload, _ = make_paper_upload(
        base_hash,
        election_key,
        manifest,
        unit,
        sequence,
        protocol or protocol_of(manifest, len(handles)),
        handles,
        secret,
        unsigned_body,
        rng,
        previous=previous,
        final=final,
    )
    return upload


# -- an election with paper stations on the web app --------------------------------------

SCHEDULE = Schedule(60, ((8, 4),), cover=Cover(0, 100_000))
#: station-1 and station-4 vote on paper, station-2 does not
PAPER = {"station-1": True, "station-2": False, "station-4": True}


def run_cli(*args: str) -> Any:
    _register()
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def station_details(unit: str, paper: Mapping[str, bool] = PAPER) -> dict[str, Any]:
    return {
        "unit": unit,
        "address": {"ru": f"{unit}, школа", "kk": f"{unit}, мектеп", "en": f"{unit}, school"},
        "hours": "08:00-20:00",
        "paper": paper[unit],
        "members": [{"name": "A. Chair", "role": "chair", "nominated_by": ""}],
    }


def paper_election(
    web: WebElection, ceremony: DemoCeremony, tmp_path: Path,
    paper: Mapping[str, bool] = PAPER, seed: str = "paper results",
    witnesses: Sequence[Witness] = (),
    roll: Sequence[tuple[str, str, str, str, str]] = WEB_ROLL,
    before_open: Callable[[RevotingElection], None] | None = None,
) -> RevotingElection:  # fmt: skip
    """The re-voting election on ``web`` with the web roll's rows ``roll``, open, with the
    stations of ``paper`` (unit -> paper voting) published before (their commissions' keys
    made with ``commission keygen`` in ``tmp_path``), its tree heads co-signed by all of
    ``witnesses``; ``before_open`` is called just before it opens (to publish more
    stations)."""
    made = open_revoting_election(
        web, ceremony, SeededRandomness(seed), open_=False, schedule=SCHEDULE,
        witnesses=witnesses, quorum=len(witnesses) or None, roll=roll,
    )  # fmt: skip
    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(canonical_bytes(manifest_to_json(made.ctx.manifest)))
    for unit in paper:
        run_cli(
            "commission", "keygen", "--manifest", str(manifest), "--unit", unit,
            "--out", str(tmp_path / f"{unit}.key"), "--public", str(tmp_path / f"{unit}.json"),
        )  # fmt: skip
        key_file = json.loads((tmp_path / f"{unit}.json").read_bytes())
        details = station_details(unit, paper)
        publish_signed_station(web.services.elections, made.id, made.organiser, details, key_file)
    if before_open is not None:
        before_open(made)
    services = web.services
    services.elections.open(made.id, roll=lambda conn: services.roll.summary_body(made.id, conn))
    return made


def commission_secret(tmp_path: Path, unit: str) -> Scalar:
    return decode_scalar(json.loads((tmp_path / f"{unit}.key").read_text())["secret"], "key")


def resigned(election: RevotingElection, upload: PaperUpload, secret: Scalar) -> PaperUpload:
    """``upload`` signed again by ``secret`` (what a commission's key can sign)."""
    base = election.ctx.base_hash
    digest = paper_digest(base, unsigned_body(upload))
    key = base_mul(secret)
    return replace(
        upload, signature=sign(SIGNATURE_TAG, (base, key), digest, secret, SeededRandomness("x"))
    )


def post_paper(election: RevotingElection, unit: str, body: Any, lang: str = "en") -> Any:
    return election.web.client.post(
        f"/api/e/{election.id}/stations/{unit}/paper",
        content=canonical_bytes(body),
        headers={"content-type": "application/json", "accept-language": lang},
    )


def paper_events(election: RevotingElection) -> int:
    return sum(1 for _ in election.web.services.store.iter_events(election.id, kinds=("paper",)))


def paper_events_of(election: RevotingElection, unit: str) -> int:
    return sum(
        1
        for ev in election.web.services.store.iter_events(election.id, kinds=("paper",))
        if json.loads(ev.line)["body"]["unit"] == unit
    )


def last_digest_of(election: RevotingElection, unit: str) -> str | None:
    """The hex digest of ``unit``'s last ``paper`` event on the board (None if none)."""
    last = None
    for ev in election.web.services.store.iter_events(election.id, kinds=("paper",)):
        body = json.loads(ev.line)["body"]
        if body["unit"] == unit:
            last = body_digest(election.ctx.base_hash, body).hex()
    return last


def make_upload(
    election: RevotingElection, tmp_path: Path, voted: str, final: bool = False
) -> dict[str, Any]:
    """The organiser's paper roll of station-1, then the commission's upload listing the
    roll lines ``voted`` (with ``--final`` if ``final``)."""
    url = election.web.database_url
    roll, setup = tmp_path / "roll.csv", tmp_path / "setup.json"
    for path in (roll, setup, tmp_path / "upload.json", tmp_path / "opening.json"):
        path.unlink(missing_ok=True)
    run_cli("election", "paper-roll", "--election", election.id, "--unit", "station-1",
         "--out", str(roll), "--database", url)  # fmt: skip
    run_cli("election", "info", election.id, "--out", str(setup), "--database", url)
    (tmp_path / "voted.txt").write_text(voted)
    last = last_digest_of(election, "station-1")
    previous = () if last is None else ("--previous", last)
    issued = len(voted.split())
    (tmp_path / "protocol.json").write_text(
        json.dumps(protocol_json(election.ctx.manifest, issued))
    )
    run_cli(
        "commission", "paper", "--key", str(tmp_path / "station-1.key"), "--unit", "station-1",
        "--roll", str(roll), "--voted", str(tmp_path / "voted.txt"),
        "--protocol", str(tmp_path / "protocol.json"), "--setup", str(setup),
        "--out", str(tmp_path / "upload.json"), "--opening", str(tmp_path / "opening.json"),
        "--sequence", str(paper_events_of(election, "station-1") + 1),
        *previous, *(("--final",) if final else ()),
    )  # fmt: skip
    body: dict[str, Any] = json.loads((tmp_path / "upload.json").read_bytes())
    return body
