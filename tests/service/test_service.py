"""ElectionService on a SQLite store: casting, re-voting, refusals, decryption, durability.

Every refused input must leave the board exactly as it was: the helper
:func:`assert_refused` counts the events before and after.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from honestballot.crypto.merkle import verify_inclusion
from honestballot.crypto.randomness import SeededRandomness
from honestballot.errors import (
    BallotRejected,
    HonestBallotError,
    InvalidBallot,
    InvalidShare,
    ProtocolError,
    RecordFormatError,
)
from honestballot.protocol.ballot import EncryptedBallot, encrypt_ballot
from honestballot.protocol.credential import VoterCredential, generate_credential
from honestballot.protocol.decryption import create_decryption_share
from honestballot.protocol.dkg import TrusteeSecret
from honestballot.protocol.dkg_verify import ElectionKey
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.manifest import Manifest
from honestballot.record.ballot import MAX_BALLOT_BYTES, ballot_to_json
from honestballot.record.trustee import encode_decryption_share
from honestballot.service.demo import copy_ballot, demo_manifest, forge_overvote, run_key_ceremony
from honestballot.service.election import ElectionService, Receipt
from honestballot.store.sql import SqlStore
from honestballot.verify.verifier import verify_record
from tests.helpers import statements_on

ELECTION = "service-test"
OTHER = "other-election"
CHOICE = {"chair": {"cand-1"}, "council": {"member-1", "member-2"}}
OTHER_CHOICE = {"chair": {"cand-2"}, "council": {"blank"}}


@dataclass(frozen=True)
class Ceremony:
    manifest: Manifest
    key: ElectionKey
    secrets: list[TrusteeSecret]


def _ceremony(election_id: str, directory: Path) -> Ceremony:
    manifest = demo_manifest(election_id)
    key, secrets = run_key_ceremony(manifest, directory, SeededRandomness(election_id))
    return Ceremony(manifest, key, secrets)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def ceremonies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Ceremony]:
    """The trustees' key ceremonies are independent of the store: run them once."""
    return {eid: _ceremony(eid, tmp_path_factory.mktemp(eid)) for eid in (ELECTION, OTHER)}


@dataclass
class Election:
    service: ElectionService
    url: str
    ctx: ElectionContext
    voters: list[VoterCredential]
    ceremony: Ceremony
    rng: SeededRandomness

    @property
    def id(self) -> str:
        return self.ctx.manifest.election_id

    def events(self) -> int:
        return sum(1 for _ in self.service.store.iter_events(self.id))

    def kinds(self) -> list[str]:
        return [ev.kind for ev in self.service.store.iter_events(self.id)]

    def ballot(self, voter: int, choice: dict[str, set[str]] | None = None) -> EncryptedBallot:
        return encrypt_ballot(self.ctx, self.voters[voter], choice or CHOICE, self.rng)[0]

    def cast(self, ballot: EncryptedBallot) -> Receipt:
        return self.service.cast(self.id, json.dumps(ballot_to_json(ballot)))

    def decrypt_and_publish(self, trustees: tuple[int, ...] = (1, 3)) -> dict[str, int]:
        tally = self.service.tally(self.id)
        for t in trustees:
            share = create_decryption_share(self.ceremony.secrets[t - 1], tally, self.rng)
            self.service.submit_decryption_share(
                self.id, json.dumps(encode_decryption_share(share))
            )
        return self.service.publish_result(self.id)


def _election(
    ceremony: Ceremony,
    directory: Path,
    seed: str,
    *,
    voters: int = 4,
    open_: bool = True,
    url: str | None = None,
) -> Election:
    directory.mkdir(parents=True, exist_ok=True)
    url = url or f"sqlite:///{directory / 'store.sqlite'}"
    rng = SeededRandomness(seed)
    service = ElectionService(SqlStore(url), rng)
    ctx = service.create(ceremony.manifest, ceremony.key)
    creds = [generate_credential(rng) for _ in range(voters)]
    for i, cred in enumerate(creds):
        service.register_credential(ctx.manifest.election_id, cred.public, f"station-{i % 4 + 1}")
    if open_:
        service.open(ctx.manifest.election_id)
    return Election(service, url, ctx, creds, ceremony, rng)


@pytest.fixture
def election(
    ceremonies: dict[str, Ceremony], tmp_path: Path, database_url: str
) -> Iterator[Election]:
    e = _election(ceremonies[ELECTION], tmp_path, "service", url=database_url)
    yield e
    e.service.store.close()


def assert_refused(
    e: Election, payload: bytes | str, error: type[BaseException] | tuple[type[BaseException], ...]
) -> BaseException:
    """Cast ``payload``; it must raise ``error`` and append nothing to the board."""
    before = e.events()
    heads = e.service.store.tree_head_lines(e.id)
    with pytest.raises(error) as info:
        e.service.cast(e.id, payload)
    assert e.events() == before, "a refused ballot changed the board"
    assert e.service.store.tree_head_lines(e.id) == heads
    return info.value


def as_json(ballot: EncryptedBallot) -> str:
    return json.dumps(ballot_to_json(ballot))


# -- casting ---------------------------------------------------------------------------


def test_cast_returns_a_receipt_for_the_committed_ballot(election: Election) -> None:
    ballot = election.ballot(0)
    before = election.events()
    receipt = election.cast(ballot)
    assert receipt.election_id == election.id
    assert receipt.tracking_hash == ballot.tracking_hash().hex()
    assert receipt.tracking_code == ballot.tracking_code()
    assert receipt.superseded is None
    assert receipt.seq == before
    # another connection (another process, a restarted server) sees the ballot
    other = SqlStore(election.url)
    try:
        stored = list(other.iter_events(election.id))
        assert len(stored) == before + 1
        assert stored[-1].seq == receipt.seq
        assert stored[-1].kind == "ballot"
        assert stored[-1].tracking_hash == ballot.tracking_hash()
        assert other.is_latest(election.id, ballot.tracking_hash())
    finally:
        other.close()


def test_an_identical_retry_returns_the_same_receipt_and_appends_nothing(
    election: Election,
) -> None:
    payload = as_json(election.ballot(0))
    first = election.service.cast(election.id, payload)
    events = election.events()
    again = election.service.cast(election.id, payload)
    assert again == first
    assert election.events() == events


def test_a_revote_is_recorded_and_only_the_last_ballot_counts(election: Election) -> None:
    first = election.ballot(0, CHOICE)
    second = election.ballot(0, OTHER_CHOICE)
    r1 = election.cast(first)
    r2 = election.cast(second)
    assert r2.superseded == r1.tracking_hash
    assert election.kinds()[-3:] == ["ballot", "ballot", "superseded"]
    superseded = json.loads(list(election.service.store.iter_events(election.id))[-1].line)
    assert superseded["body"] == {"old": r1.tracking_hash, "new": r2.tracking_hash}
    election.service.close(election.id)
    counts = election.decrypt_and_publish()
    assert counts["chair/cand-1"] == 0
    assert counts["chair/cand-2"] == 1
    assert counts["council/blank"] == 1
    assert counts["council/member-1"] == 0


def test_a_retry_of_a_revote_returns_the_same_receipt(election: Election) -> None:
    """The voter whose connection dropped after a re-vote retries: the receipt must be the
    one the first attempt produced, including what it superseded."""
    election.cast(election.ballot(0, CHOICE))
    latest = election.ballot(0, OTHER_CHOICE)
    receipt = election.cast(latest)
    events = election.events()
    again = election.cast(latest)
    assert election.events() == events
    assert (again.seq, again.tracking_hash) == (receipt.seq, receipt.tracking_hash)
    assert again == receipt


def test_replaying_an_older_superseded_ballot_is_refused(election: Election) -> None:
    old = election.ballot(0, CHOICE)
    election.cast(old)
    new = election.ballot(0, OTHER_CHOICE)
    election.cast(new)
    error = assert_refused(election, as_json(old), BallotRejected)
    assert "replaced" in str(error)
    # the newer ballot still counts
    assert election.service.store.is_latest(election.id, new.tracking_hash())
    assert not election.service.store.is_latest(election.id, old.tracking_hash())


def test_casting_an_audited_ballot_is_refused(election: Election) -> None:
    ballot, opening = encrypt_ballot(election.ctx, election.voters[1], CHOICE, election.rng)
    choices = election.service.audit(election.id, ballot, opening)
    assert choices == {k: frozenset(v) for k, v in CHOICE.items()}
    error = assert_refused(election, as_json(ballot), BallotRejected)
    assert "audited" in str(error)


def test_auditing_a_cast_ballot_is_refused(election: Election) -> None:
    ballot, opening = encrypt_ballot(election.ctx, election.voters[1], CHOICE, election.rng)
    election.cast(ballot)
    before = election.events()
    with pytest.raises(BallotRejected):
        election.service.audit(election.id, ballot, opening)
    assert election.events() == before


def test_an_unregistered_credential_is_refused(election: Election) -> None:
    stranger = generate_credential(election.rng)
    ballot = encrypt_ballot(election.ctx, stranger, CHOICE, election.rng)[0]
    error = assert_refused(election, as_json(ballot), BallotRejected)
    assert "not registered" in str(error)


def test_an_overvote_is_refused(election: Election) -> None:
    bad = forge_overvote(election.ctx, election.voters[1], election.rng)
    assert_refused(election, as_json(bad), InvalidBallot)


def test_a_ballot_copied_under_another_credential_is_refused(election: Election) -> None:
    original = election.ballot(0)
    election.cast(original)
    stolen = copy_ballot(original, election.voters[2], election.rng)
    assert_refused(election, as_json(stolen), InvalidBallot)


def test_a_ballot_for_another_election_is_refused(
    election: Election, ceremonies: dict[str, Ceremony], tmp_path: Path
) -> None:
    other = _election(ceremonies[OTHER], tmp_path / "other", "other")
    try:
        # the same voter key registered in both elections
        election.service.register_credential(election.id, other.voters[0].public, "station-1")
        foreign = other.ballot(0)
        error = assert_refused(election, as_json(foreign), InvalidBallot)
        assert "another election" in str(error)
    finally:
        other.service.store.close()


def test_casting_before_the_election_opens_is_refused(
    ceremonies: dict[str, Ceremony], tmp_path: Path
) -> None:
    e = _election(ceremonies[ELECTION], tmp_path, "setup-phase", open_=False)
    try:
        error = assert_refused(e, as_json(e.ballot(0)), ProtocolError)
        assert "phase setup" in str(error)
    finally:
        e.service.store.close()


def test_casting_after_the_election_closes_is_refused(election: Election) -> None:
    ballot = election.ballot(0)
    election.service.close(election.id)
    error = assert_refused(election, as_json(ballot), ProtocolError)
    assert "phase closed" in str(error)


def test_an_unknown_election_is_refused(election: Election) -> None:
    with pytest.raises(ProtocolError):
        election.service.cast("no-such-election", as_json(election.ballot(0)))


# -- malformed input -------------------------------------------------------------------


def _mutate(e: Election, change: Any) -> str:
    obj = ballot_to_json(e.ballot(0))
    change(obj)
    return json.dumps(obj)


def _set_in(path: list[Any], value: Any) -> Any:
    def change(obj: dict[str, Any]) -> None:
        target: Any = obj
        for p in path[:-1]:
            target = target[p]
        target[path[-1]] = value

    return change


NOT_CANONICAL_POINT = "ff" * 32  # above the field prime: no ristretto255 encoding
NEGATIVE_POINT = "01" + "00" * 31  # low bit set: a "negative" field element is not canonical
IDENTITY = "00" * 32
BIG_SCALAR = "ff" * 32  # not reduced modulo the group order

MALFORMED: dict[str, Any] = {
    "not JSON": "this is not a ballot",
    "truncated JSON": lambda e: as_json(e.ballot(0))[:-10],
    "a JSON list": "[]",
    "a JSON number": "42",
    "empty": "",
    "invalid UTF-8": b'{"type": "ballot\xff"}',
    "a float": lambda e: _mutate(e, _set_in(["version"], 1.0)),
    "a duplicate key": lambda e: as_json(e.ballot(0))[:-1] + ', "version": 1}',
    "oversized": lambda e: as_json(e.ballot(0)) + " " * (MAX_BALLOT_BYTES + 1),
    "wrong version": lambda e: _mutate(e, _set_in(["version"], 2)),
    "wrong type": lambda e: _mutate(e, _set_in(["type"], "ballot-opening")),
    "a missing field": lambda e: _mutate(e, lambda o: o.pop("signature")),
    "an extra field": lambda e: _mutate(e, _set_in(["comment"], "hello")),
    "unknown contest": lambda e: _mutate(e, _set_in(["contests", 1, "id"], "treasurer")),
    "contests swapped": lambda e: _mutate(e, lambda o: o["contests"].reverse()),
    "a contest missing": lambda e: _mutate(e, lambda o: o["contests"].pop()),
    "a ciphertext missing": lambda e: _mutate(e, lambda o: o["contests"][0]["ciphertexts"].pop()),
    "an extra ciphertext": lambda e: _mutate(
        e, lambda o: o["contests"][0]["ciphertexts"].append(o["contests"][0]["ciphertexts"][0])
    ),
    "credential not a point": lambda e: _mutate(e, _set_in(["credential"], NOT_CANONICAL_POINT)),
    "credential not canonical": lambda e: _mutate(e, _set_in(["credential"], NEGATIVE_POINT)),
    "credential the identity": lambda e: _mutate(e, _set_in(["credential"], IDENTITY)),
    "credential in upper case": lambda e: _mutate(
        e, lambda o: o.update(credential=o["credential"].upper())
    ),
    "credential too short": lambda e: _mutate(
        e, lambda o: o.update(credential=o["credential"][:62])
    ),
    "alpha not a point": lambda e: _mutate(
        e, _set_in(["contests", 0, "ciphertexts", 0, "alpha"], NOT_CANONICAL_POINT)
    ),
    "alpha the identity": lambda e: _mutate(
        e, _set_in(["contests", 0, "ciphertexts", 0, "alpha"], IDENTITY)
    ),
    "beta not canonical": lambda e: _mutate(
        e, _set_in(["contests", 1, "ciphertexts", 2, "beta"], NEGATIVE_POINT)
    ),
    "a proof scalar not reduced": lambda e: _mutate(
        e, _set_in(["contests", 0, "option_proofs", 0, "s", 0], BIG_SCALAR)
    ),
    "a signature scalar not reduced": lambda e: _mutate(e, _set_in(["signature", "c"], BIG_SCALAR)),
    "a proof with one challenge less": lambda e: _mutate(
        e, lambda o: o["contests"][1]["selection_proof"]["c"].pop()
    ),
    "election hash too short": lambda e: _mutate(e, lambda o: o.update(election=o["election"][2:])),
    "a hex string with spaces": lambda e: _mutate(
        e, lambda o: o.update(election=o["election"][:2] + " " + o["election"][3:])
    ),
    "a contest id of the wrong type": lambda e: _mutate(e, _set_in(["contests", 0, "id"], 7)),
    "a signature that does not verify": lambda e: _mutate(
        e, lambda o: o["signature"].update(c=o["contests"][0]["option_proofs"][0]["c"][0])
    ),
    "deeply nested": "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_input_is_refused_and_stores_nothing(election: Election, case: str) -> None:
    payload = MALFORMED[case]
    if callable(payload):
        payload = payload(election)
    assert_refused(election, payload, (RecordFormatError, InvalidBallot))


def test_an_oversized_ballot_is_refused_before_parsing(election: Election) -> None:
    error = assert_refused(election, b"{" + b" " * MAX_BALLOT_BYTES + b"}", RecordFormatError)
    assert "limit" in str(error)


def test_a_failure_inside_the_transaction_rolls_everything_back(
    election: Election, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ballot row is appended before the credential's latest ballot is set: if that
    second write fails, the ballot must not stay on the board."""
    first = election.ballot(0, CHOICE)
    election.cast(first)

    def broken(*_args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(election.service.store, "set_latest_many", broken)
    assert_refused(election, as_json(election.ballot(0, OTHER_CHOICE)), RuntimeError)
    monkeypatch.undo()
    assert election.service.store.is_latest(election.id, first.tracking_hash())


# -- decryption and result -------------------------------------------------------------


def _closed_and_tallied(e: Election) -> Any:
    for i in range(len(e.voters)):
        e.cast(e.ballot(i))
    e.service.close(e.id)
    return e.service.tally(e.id)


def test_a_decryption_share_with_a_bad_proof_is_refused_and_named(election: Election) -> None:
    tally = _closed_and_tallied(election)
    share = encode_decryption_share(
        create_decryption_share(election.ceremony.secrets[2], tally, election.rng)
    )
    corrupted = json.loads(json.dumps(share))
    corrupted["entries"][0]["share"] = share["entries"][1]["share"]
    before = election.events()
    with pytest.raises(InvalidShare) as info:
        election.service.submit_decryption_share(election.id, json.dumps(corrupted))
    assert "trustee 3" in str(info.value)
    assert corrupted["entries"][0]["id"] in str(info.value)
    assert election.events() == before
    # the honest share of the same trustee is then accepted
    election.service.submit_decryption_share(election.id, json.dumps(share))
    assert election.events() == before + 1


def test_a_second_share_of_the_same_trustee_is_refused(election: Election) -> None:
    tally = _closed_and_tallied(election)
    secret = election.ceremony.secrets[0]
    for attempt in range(2):
        share = create_decryption_share(secret, tally, election.rng)
        payload = json.dumps(encode_decryption_share(share))
        if attempt == 0:
            election.service.submit_decryption_share(election.id, payload)
            before = election.events()
        else:
            with pytest.raises(InvalidShare, match="trustee 1"):
                election.service.submit_decryption_share(election.id, payload)
    assert election.events() == before


def test_a_share_for_another_tally_is_refused(
    election: Election, ceremonies: dict[str, Ceremony], tmp_path: Path
) -> None:
    _closed_and_tallied(election)
    other = _election(ceremonies[ELECTION], tmp_path / "other", "other tally", voters=2)
    try:
        other_tally = _closed_and_tallied(other)
        share = create_decryption_share(election.ceremony.secrets[0], other_tally, other.rng)
        before = election.events()
        with pytest.raises(InvalidShare, match="another tally"):
            election.service.submit_decryption_share(
                election.id, json.dumps(encode_decryption_share(share))
            )
        assert election.events() == before
    finally:
        other.service.store.close()


def test_the_result_with_one_trustee_absent(election: Election, tmp_path: Path) -> None:
    choices = [
        {"chair": {"cand-1"}, "council": {"member-1"}},
        {"chair": {"cand-1"}, "council": {"member-1", "member-3"}},
        {"chair": {"against-all"}, "council": {"blank"}},
        {"chair": {"cand-5"}, "council": {"member-2", "member-3", "member-6"}},
    ]
    for i, choice in enumerate(choices):
        election.cast(election.ballot(i, choice))
    election.service.close(election.id)
    counts = election.decrypt_and_publish(trustees=(1, 3))  # trustee 2 is absent
    assert counts["chair/cand-1"] == 2
    assert counts["chair/against-all"] == 1
    assert counts["chair/cand-5"] == 1
    assert counts["council/member-1"] == 2
    assert counts["council/member-3"] == 2
    assert counts["council/blank"] == 1
    assert sum(v for k, v in counts.items() if k.startswith("chair/") and "@" not in k) == 4
    assert election.service.phase(election.id) == "done"
    path = tmp_path / "record.jsonl"
    election.service.export_record(election.id, str(path))
    report = verify_record(path.read_bytes().splitlines(keepends=True), workers=1)
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    assert report.counts == counts


def test_the_result_needs_the_threshold(election: Election) -> None:
    tally = _closed_and_tallied(election)
    share = create_decryption_share(election.ceremony.secrets[1], tally, election.rng)
    election.service.submit_decryption_share(
        election.id, json.dumps(encode_decryption_share(share))
    )
    before = election.events()
    with pytest.raises(ProtocolError, match="threshold"):
        election.service.publish_result(election.id)
    assert election.events() == before
    assert election.service.phase(election.id) == "tallied"


def test_the_tally_is_only_computed_after_close(election: Election) -> None:
    with pytest.raises(ProtocolError):
        election.service.tally(election.id)


# -- durability ------------------------------------------------------------------------

_CAST_AND_HANG = textwrap.dedent(
    """
    import json, sys, time
    from honestballot.service.election import ElectionService
    from honestballot.store.sql import SqlStore

    url, election_id, ballot_path = sys.argv[1:4]
    service = ElectionService(SqlStore(url))
    receipt = service.cast(election_id, open(ballot_path, "rb").read())
    print(json.dumps(receipt.to_json()), flush=True)
    time.sleep(120)
    """
)


def test_a_receipted_ballot_survives_the_process_being_killed(
    election: Election, tmp_path: Path
) -> None:
    ballot = election.ballot(2)
    ballot_path = tmp_path / "ballot.json"
    ballot_path.write_text(as_json(ballot))
    before = election.events()
    election.service.store.close()
    child = subprocess.Popen(
        [sys.executable, "-c", _CAST_AND_HANG, election.url, election.id, str(ballot_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        _, err = child.communicate(timeout=30)
    assert line, f"the child printed no receipt: {err}"
    assert child.returncode == -signal.SIGKILL
    receipt = json.loads(line)
    assert receipt["tracking_hash"] == ballot.tracking_hash().hex()

    reopened = SqlStore(election.url)
    try:
        events = list(reopened.iter_events(election.id))
        assert len(events) == before + 1
        stored = events[receipt["seq"]]
        assert stored.kind == "ballot"
        assert stored.tracking_hash == ballot.tracking_hash()
        assert reopened.is_latest(election.id, ballot.tracking_hash())
        # the service on the reopened store treats a retry as the same ballot
        again = ElectionService(reopened).cast(election.id, as_json(ballot))
        assert again.seq == receipt["seq"]
    finally:
        reopened.close()


def test_every_service_error_is_an_honestballot_error() -> None:
    for error in (BallotRejected, InvalidBallot, InvalidShare, ProtocolError, RecordFormatError):
        assert issubclass(error, HonestBallotError)


# -- credential replacement and the roll summary ---------------------------------------


def _record_report(election: Election, tmp_path: Path) -> Any:
    path = tmp_path / "record.jsonl"
    election.service.export_record(election.id, str(path))
    return verify_record(path.read_bytes().splitlines(keepends=True), workers=1)


def test_a_replaced_credential_stops_counting_and_cannot_cast(
    election: Election, tmp_path: Path
) -> None:
    old = election.voters[0]
    election.cast(election.ballot(0, {"chair": {"cand-1"}, "council": {"member-1"}}))
    new = generate_credential(election.rng)
    election.service.register_credential(election.id, new.public, "station-1", replaces=old.public)
    assert_refused(election, as_json(election.ballot(0)), BallotRejected)
    election.voters[0] = new
    election.cast(election.ballot(0, {"chair": {"cand-2"}, "council": {"member-2"}}))
    election.service.close(election.id)
    counts = election.decrypt_and_publish()
    assert counts["chair/cand-1"] == 0
    assert counts["chair/cand-2"] == 1
    report = _record_report(election, tmp_path)
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    assert report.stats["credentials_replaced"] == 1
    assert report.stats["ballots_counted"] == 1


@pytest.mark.parametrize("case", ["unregistered", "other-unit", "twice"])
def test_a_replacement_must_name_an_active_credential_of_the_same_unit(
    election: Election, case: str
) -> None:
    old = election.voters[0].public
    if case == "unregistered":
        old = generate_credential(election.rng).public
    if case == "twice":
        first = generate_credential(election.rng).public
        election.service.register_credential(election.id, first, "station-1", replaces=old)
    unit = "station-2" if case == "other-unit" else "station-1"
    before = election.events()
    with pytest.raises(ProtocolError):
        election.service.register_credential(
            election.id, generate_credential(election.rng).public, unit, replaces=old
        )
    assert election.events() == before


def test_the_roll_summary_is_posted_before_opening_and_verified(
    ceremonies: dict[str, Ceremony], tmp_path: Path, database_url: str
) -> None:
    e = _election(ceremonies[ELECTION], tmp_path, "roll", open_=False, url=database_url)
    try:
        units = [u for u in e.ctx.manifest.unit_ids() if u != "station-small"]
        body = {
            "voters_per_unit": [
                {"unit": u, "voters": 0 if u == "station-small" else 2}
                for u in [*units, "station-small"]
            ],
            "contact_exceptions": 3,
        }
        e.service.open(e.id, roll=lambda _conn: body)
        assert e.kinds()[-2:] == ["roll", "open"]
        e.cast(e.ballot(1))
        report = _record_report(e, tmp_path)
        assert report.passed, [(c.name, c.detail) for c in report.failures]
        rules = next(c for c in report.checks if c.name == "board.rules")
        assert "3 shared-contact exceptions" in rules.detail
    finally:
        e.service.store.close()


def test_an_inclusion_proof_waits_for_the_next_head_instead_of_signing_too_often(
    election: Election,
) -> None:
    receipt = election.cast(election.ballot(0))
    heads = len(election.service.store.tree_head_lines(election.id))
    # the latest head is fresh and does not cover the ballot: no new head, come back later
    assert election.service.inclusion_proof(election.id, receipt.seq, sign_after_ms=None) is None
    assert (
        election.service.inclusion_proof(election.id, receipt.seq, sign_after_ms=3_600_000) is None
    )
    assert len(election.service.store.tree_head_lines(election.id)) == heads
    # the periodic signer's head covers it
    election.service.publish_tree_head(election.id)
    found = election.service.inclusion_proof(election.id, receipt.seq, sign_after_ms=None)
    assert found is not None
    sth, proof = found
    assert sth.head.size == receipt.seq + 1
    leaf = election.service.store.leaf_hashes(election.id, start=receipt.seq)[0]
    verify_inclusion(leaf, receipt.seq, sth.head.size, proof, sth.head.root)


# -- group commit ------------------------------------------------------------------------


def _outcomes(futures: list[Any]) -> list[Any]:
    """Each future's result, or the exception it raised."""
    outcomes: list[Any] = []
    for f in futures:
        try:
            outcomes.append(f.result())
        except BaseException as exc:
            outcomes.append(exc)
    return outcomes


def test_a_batch_commits_good_ballots_and_refuses_bad_ones_alone(election: Election) -> None:
    first = election.ballot(0)
    stranger = encrypt_ballot(
        election.ctx, generate_credential(election.rng), CHOICE, election.rng
    )[0]
    second = election.ballot(1)
    revote = election.ballot(1, {"chair": {"cand-2"}, "council": {"member-2"}})
    results = election.service.cast_batch(
        election.id,
        [(first, None), (stranger, None), (second, None), (first, None), (revote, None)],
    )
    assert isinstance(results[1], BallotRejected)
    receipts = [r for r in results if isinstance(r, Receipt)]
    assert len(receipts) == 4
    assert results[3] == results[0]  # the same ballot twice in one batch: one entry
    assert isinstance(results[0], Receipt) and results[0].new
    assert isinstance(results[3], Receipt) and not results[3].new
    assert isinstance(results[4], Receipt) and results[4].superseded == second.tracking_hash().hex()
    assert election.kinds()[-4:] == ["ballot", "ballot", "ballot", "superseded"]
    assert election.service.store.is_latest(election.id, revote.tracking_hash())


def test_a_queue_of_concurrent_casts_shares_commits_and_answers_each(election: Election) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from honestballot.service.cast_queue import BatchQueue

    queue = BatchQueue(election.service.cast_batch)
    ballots = [election.ballot(i % 4, CHOICE) for i in range(24)]
    ballots.append(ballots[0])  # an identical retry
    try:
        with ThreadPoolExecutor(12) as pool:
            futures = [pool.submit(queue.cast, election.id, (b, None)) for b in ballots]
            outcomes = _outcomes(futures)
    finally:
        queue.stop()
    receipts = [o for o in outcomes if isinstance(o, Receipt)]
    # every ballot has its own answer; a ballot queued after its own later re-vote is a replay
    assert len(receipts) + sum(isinstance(o, BallotRejected) for o in outcomes) == len(ballots)
    assert queue.ballots == len(ballots) and queue.batches <= len(ballots)
    on_board = {ev.tracking_hash for ev in election.service.store.iter_events(election.id)}
    assert all(bytes.fromhex(r.tracking_hash) in on_board for r in receipts)


def test_a_batch_in_the_wrong_phase_is_refused_whole(election: Election) -> None:
    election.service.close(election.id)
    before = election.events()
    with pytest.raises(ProtocolError):
        election.service.cast_batch(election.id, [(election.ballot(0), None)])
    assert election.events() == before


def test_a_refusal_from_within_drops_only_that_ballots_rows(election: Election) -> None:
    """``within`` adds rows to the batch; one that raises half-way leaves none of its rows
    and no event, and the other ballots of the batch keep theirs."""
    from sqlalchemy import func, select

    from honestballot.service.notices import notice_row
    from honestballot.store.schema import notices

    def notify(rows: Any, _ballot: EncryptedBallot, receipt: Receipt) -> None:
        rows.add(
            notices, notice_row(election.id, "sms", "+77010000001", "", receipt.tracking_code, 1)
        )

    def half_way(rows: Any, ballot: EncryptedBallot, receipt: Receipt) -> None:
        notify(rows, ballot, receipt)
        raise BallotRejected("refused by the caller")

    good, refused, also_good = election.ballot(0), election.ballot(1), election.ballot(2)
    before = election.events()
    results = election.service.cast_batch(
        election.id, [(good, notify), (refused, half_way), (also_good, notify)]
    )
    assert isinstance(results[1], BallotRejected)
    assert isinstance(results[0], Receipt) and isinstance(results[2], Receipt)
    assert election.events() == before + 2
    on_board = {ev.tracking_hash for ev in election.service.store.iter_events(election.id)}
    assert refused.tracking_hash() not in on_board
    with election.service.store.engine.connect() as conn:
        bodies = set(conn.execute(select(notices.c.body)).scalars())
        assert conn.execute(select(func.count()).select_from(notices)).scalar_one() == 2
    assert bodies == {results[0].tracking_code, results[2].tracking_code}


def test_a_batch_costs_a_fixed_number_of_statements(election: Election) -> None:
    """Group commit only pays if a batch's statements do not grow with its size."""
    counts = []
    with statements_on(election.service.store.engine) as statements:
        for voters in ((0,), (1, 2, 3)):
            statements.clear()
            results = election.service.cast_batch(
                election.id, [(election.ballot(i), None) for i in voters]
            )
            assert all(isinstance(r, Receipt) for r in results)
            counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 10, statements


def test_a_failed_batch_is_retried_one_by_one_so_one_bad_item_sinks_only_itself(
    election: Election,
) -> None:
    """If a batch's transaction fails (a database error, not a refusal), the queue tries
    each item alone: the good ones are committed, the bad one gets the error."""
    from concurrent.futures import ThreadPoolExecutor

    from honestballot.service.cast_queue import BatchQueue

    poisoned = election.ballot(1)
    calls: list[int] = []
    entered = threading.Event()

    def append(election_id: str, items: Any) -> list[Receipt | Any]:
        if not calls:  # hold the first batch until the other three casts have queued up
            entered.set()
            deadline = time.monotonic() + 10
            while queue._queue.qsize() < 3 and time.monotonic() < deadline:
                time.sleep(0.01)
        calls.append(len(items))
        if any(ballot is poisoned for ballot, _ in items):
            raise RuntimeError("disk full")
        return election.service.cast_batch(election_id, items)

    queue = BatchQueue(append)
    ballots = [election.ballot(0), poisoned, election.ballot(2), election.ballot(3)]
    try:
        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(queue.cast, election.id, (ballots[0], None))]
            assert entered.wait(10)
            futures += [pool.submit(queue.cast, election.id, (b, None)) for b in ballots[1:]]
            outcomes = _outcomes(futures)
    finally:
        queue.stop()
    assert calls == [1, 3, 1, 1, 1], calls  # the batch of three failed, then one by one
    assert isinstance(outcomes[1], RuntimeError)
    assert all(isinstance(o, Receipt) for i, o in enumerate(outcomes) if i != 1)
    store = election.service.store
    assert poisoned.tracking_hash() not in {
        ev.tracking_hash for ev in store.iter_events(election.id)
    }
    for b in (ballots[0], ballots[2], ballots[3]):
        assert store.is_latest(election.id, b.tracking_hash())


def test_the_appender_waits_for_announced_ballots_and_only_for_them(election: Election) -> None:
    """A batch waits (up to ``linger_s``) for ballots whose verification was announced,
    so they share its commit; with nothing announced it commits at once."""
    from honestballot.service.cast_queue import BatchQueue

    sizes: list[int] = []

    def append(election_id: str, items: Any) -> Any:
        sizes.append(len(items))
        return election.service.cast_batch(election_id, items)

    queue = BatchQueue(append, linger_s=5.0)
    try:
        started = time.monotonic()
        assert isinstance(queue.cast(election.id, (election.ballot(0), None)), Receipt)
        assert time.monotonic() - started < 2.0, "an unannounced cast waited for the linger"
        assert sizes == [1]

        second_verified = threading.Event()
        with queue.announce() as first, queue.announce() as second:
            done = queue.submit(election.id, (election.ballot(1), None), first)

            def verify_then_cast() -> None:
                time.sleep(0.3)  # the second ballot is still being verified meanwhile
                queue.submit(election.id, (election.ballot(2), None), second)
                second_verified.set()

            worker = threading.Thread(target=verify_then_cast)
            worker.start()
            assert isinstance(done.result(timeout=10), Receipt)
            worker.join()
        assert second_verified.is_set()
        assert sizes == [1, 2], sizes  # the first ballot waited for the second

        # an announced ballot that fails verification is no longer waited for
        with queue.announce():
            pass
        started = time.monotonic()
        queue.cast(election.id, (election.ballot(3), None))
        assert time.monotonic() - started < 2.0
    finally:
        queue.stop()


def test_a_credential_batch_checks_each_item_against_the_board_and_the_batch(
    election: Election, tmp_path: Path
) -> None:
    """One transaction for many registrations: each item is refused or accepted on its
    own, as if registered one after the other, and the record still verifies."""
    from honestballot.errors import InvalidInput

    def refuse(_conn: Any) -> None:
        raise InvalidInput("the caller's own check failed")

    fresh = [generate_credential(election.rng).public for _ in range(5)]
    old = election.voters[0].public  # station-1
    before = election.events()
    results = election.service.register_credential_batch(
        election.id,
        [
            (fresh[0], "station-1", None, None),  # accepted
            (fresh[0], "station-2", None, None),  # the same credential again in the batch
            (election.voters[1].public, "station-2", None, None),  # already registered
            (fresh[1], "station-1", old, None),  # replaces voter 0's credential
            (fresh[2], "station-1", old, None),  # ... which is no longer active
            (fresh[3], "station-3", election.voters[1].public, None),  # from another unit
            (fresh[4], "station-1", None, refuse),  # refused by the caller
            (generate_credential(election.rng).public, "nowhere", None, None),  # no such unit
        ],
    )
    assert results[0] is None and results[3] is None, results
    assert all(
        isinstance(r, (ProtocolError, InvalidInput))
        for i, r in enumerate(results)
        if i not in (0, 3)
    ), results
    assert isinstance(results[6], InvalidInput)
    assert election.events() == before + 2
    store = election.service.store
    with store.engine.connect() as conn:
        assert store.credential_row(conn, election.id, old.data)["revoked"]
        assert not store.credential_row(conn, election.id, fresh[1].data)["revoked"]
        for refused in (fresh[2], fresh[3], fresh[4]):
            assert store.credential_row(conn, election.id, refused.data) is None
    report = _record_report(election, tmp_path)
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    assert report.stats["credentials_replaced"] == 1


def test_a_credential_registered_and_replaced_in_one_batch_ends_revoked(
    election: Election, tmp_path: Path
) -> None:
    """The batch inserts its new credentials before it revokes the replaced ones, so one
    replaced within its own batch is revoked in the store as on the board."""
    first, second = (generate_credential(election.rng).public for _ in range(2))
    results = election.service.register_credential_batch(
        election.id, [(first, "station-1", None, None), (second, "station-1", first, None)]
    )
    assert results == [None, None]
    store = election.service.store
    with store.engine.connect() as conn:
        first_row = store.credential_row(conn, election.id, first.data)
        second_row = store.credential_row(conn, election.id, second.data)
    assert first_row is not None and first_row["revoked"]
    assert second_row is not None and not second_row["revoked"]
    report = _record_report(election, tmp_path)
    assert report.passed, [(c.name, c.detail) for c in report.failures]


def test_concurrent_credential_registrations_share_commits(election: Election) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from honestballot.service.cast_queue import BatchQueue

    queue: BatchQueue[Any, None] = BatchQueue(election.service.register_credential_batch)
    fresh = [generate_credential(election.rng).public for _ in range(30)]
    try:
        with ThreadPoolExecutor(10) as pool:
            futures = [
                pool.submit(queue.cast, election.id, (c, "station-2", None, None)) for c in fresh
            ]
            assert [f.result() for f in futures] == [None] * len(fresh)
    finally:
        queue.stop()
    assert queue.ballots == len(fresh) and queue.batches < len(fresh)
    store = election.service.store
    with store.engine.connect() as conn:
        assert all(store.credential_row(conn, election.id, c.data) is not None for c in fresh)


def test_a_cast_given_up_before_its_batch_is_dropped_and_the_queue_goes_on(
    election: Election,
) -> None:
    """A request whose client went away cancels its future; the appender must neither
    append that ballot nor fail on the cancelled future, and later casts still work."""
    from honestballot.service.cast_queue import BatchQueue

    release = threading.Event()
    calls: list[int] = []

    def append(election_id: str, items: Any) -> Any:
        calls.append(len(items))
        release.wait(10)
        return election.service.cast_batch(election_id, items)

    queue = BatchQueue(append)
    try:
        first = queue.submit(election.id, (election.ballot(0), None))
        time.sleep(0.2)  # the appender is now inside the first batch, held by ``release``
        gone = election.ballot(1)
        abandoned = queue.submit(election.id, (gone, None))
        assert abandoned.cancel()  # still queued: it can be cancelled
        release.set()
        assert isinstance(first.result(timeout=10), Receipt)
        assert isinstance(queue.cast(election.id, (election.ballot(2), None)), Receipt)
    finally:
        queue.stop()
    assert calls == [1, 1]
    on_board = {ev.tracking_hash for ev in election.service.store.iter_events(election.id)}
    assert gone.tracking_hash() not in on_board


def test_latest_ballots_are_recorded_on_sqlite_without_update_from(
    election: Election, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite before 3.33 has no UPDATE … FROM: the store falls back to one UPDATE per
    credential, with the same outcome (on PostgreSQL the patch changes nothing)."""
    import sqlite3

    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
    first, other = election.ballot(0), election.ballot(1)
    revote = election.ballot(0, OTHER_CHOICE)
    results = election.service.cast_batch(
        election.id, [(first, None), (other, None), (revote, None)]
    )
    assert all(isinstance(r, Receipt) for r in results)
    store = election.service.store
    assert store.is_latest(election.id, revote.tracking_hash())
    assert store.is_latest(election.id, other.tracking_hash())
    assert not store.is_latest(election.id, first.tracking_hash())


def test_a_lost_connection_raises_its_own_error_out_of_a_transaction(election: Election) -> None:
    """When the connection is lost inside ``transaction(election_id)``, the caller (and the
    log) sees the error that happened, not SQLAlchemy's complaint about the dead
    connection's pending rollback."""
    store = election.service.store
    real = pytest.raises(RuntimeError, match="the real error")
    with real, store.transaction(election.id) as conn:
        conn.invalidate()
        raise RuntimeError("the real error")
    with store.engine.connect() as conn:  # the pool goes on working
        assert store.election_row(conn, election.id) is not None


def test_two_organisers_creating_the_same_election_at_once_get_one_election_and_a_409(
    ceremonies: dict[str, Ceremony],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each organiser has a store of their own; exactly one creation succeeds, the other
    is told the election already exists (never a database error), on both databases."""
    ceremony = ceremonies[ELECTION]
    stores = [SqlStore(database_url) for _ in range(2)]
    start = threading.Barrier(2)
    if not stores[0].is_sqlite:
        # On PostgreSQL the existence check takes no lock: make both organisers pass it
        # before either inserts, so the loser meets the unique key, not the check.
        checked = threading.Barrier(2)
        for store in stores:
            first_call = [True]

            def after_check(
                conn: Any, election_id: str, real: Any = store.election_row, first: Any = first_call
            ) -> Any:
                row = real(conn, election_id)
                if first[0]:
                    first[0] = False
                    checked.wait(timeout=60)
                return row

            monkeypatch.setattr(store, "election_row", after_check)
    outcomes: list[Any] = [None, None]

    def create(i: int) -> None:
        service = ElectionService(stores[i], SeededRandomness(f"organiser-{i}"))
        start.wait(timeout=60)
        try:
            outcomes[i] = service.create(ceremony.manifest, ceremony.key)
        except Exception as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=create, args=(i,)) for i in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads)
        created = [o for o in outcomes if isinstance(o, ElectionContext)]
        refused = [o for o in outcomes if not isinstance(o, ElectionContext)]
        assert len(created) == 1 and len(refused) == 1, outcomes
        assert isinstance(refused[0], ProtocolError), repr(refused[0])
        assert str(refused[0]) == f"election {ELECTION!r} already exists"
        assert [ev.kind for ev in stores[0].iter_events(ELECTION)] == ["setup"]
        assert stores[0].list_elections() == [ELECTION]
    finally:
        for store in stores:
            store.close()


def test_a_database_error_does_not_carry_the_statements_values(database_url: str) -> None:
    """The engine hides SQL parameters (and PostgreSQL's DETAIL, which repeats them), so
    that voters' data never reaches a log or a traceback through a database error."""
    import traceback

    from sqlalchemy.exc import IntegrityError

    store = SqlStore(database_url)
    values = ("dup-election-4711", "manifest-900101300099", "context-Anna", "secret-z@x.org")
    try:
        with store.transaction() as conn:
            store.insert_election(conn, *values)
        with pytest.raises(IntegrityError) as info, store.transaction() as conn:
            store.insert_election(conn, *values)
        text = "".join(traceback.format_exception(info.value))
        assert "hidden due to hide_parameters" in str(info.value)
        for value in values:
            assert value not in str(info.value)
            assert value not in text
        with store.engine.connect() as conn:  # the store goes on working
            assert store.election_row(conn, values[0]) is not None
    finally:
        store.close()


def test_an_audit_from_a_replaced_credential_is_refused(election: Election, tmp_path: Path) -> None:
    """The board refuses every ballot of a replaced credential, audits included; so must
    the service, or the record it publishes fails verification."""
    old = election.voters[0]
    new = generate_credential(election.rng)
    election.service.register_credential(election.id, new.public, "station-1", replaces=old.public)
    ballot, opening = encrypt_ballot(election.ctx, old, CHOICE, election.rng)
    before = election.events()
    with pytest.raises(BallotRejected, match="replaced"):
        election.service.audit(election.id, ballot, opening)
    assert election.events() == before
    report = _record_report(election, tmp_path)
    assert report.passed, [(c.name, c.detail) for c in report.failures]


def test_the_service_keeps_the_roll_limit_as_the_verifier_does(
    ceremonies: dict[str, Ceremony], tmp_path: Path, database_url: str
) -> None:
    """Once the roll is posted no unit may hold more active credentials than voters on it:
    the service refuses what the verifier would (one credential per unit is registered
    in setup by the fixture)."""
    e = _election(ceremonies[ELECTION], tmp_path, "roll-limit", open_=False, url=database_url)
    try:
        units = e.ctx.manifest.unit_ids()

        def roll(station_1: int) -> dict[str, Any]:
            counts = [{"unit": u, "voters": station_1 if u == "station-1" else 1} for u in units]
            return {"voters_per_unit": counts, "contact_exceptions": 0}

        before = e.events()
        with pytest.raises(ProtocolError, match="active credentials but only 0 voters"):
            e.service.open(e.id, roll=lambda _conn: roll(0))
        assert e.events() == before and e.service.phase(e.id) == "setup"
        e.service.open(e.id, roll=lambda _conn: roll(2))
        second = generate_credential(e.rng).public
        e.service.register_credential(e.id, second, "station-1")  # 2 of 2
        before = e.events()
        with pytest.raises(ProtocolError, match="as many active credentials"):
            e.service.register_credential(e.id, generate_credential(e.rng).public, "station-1")
        assert e.events() == before
        # a replacement keeps the count, so it is still allowed
        e.service.register_credential(
            e.id, generate_credential(e.rng).public, "station-1", replaces=second
        )
        report = _record_report(e, tmp_path)
        assert report.passed, [(c.name, c.detail) for c in report.failures]
    finally:
        e.service.store.close()


def test_tree_heads_never_go_back_whatever_two_signers_do(
    election: Election, tmp_path: Path, database_url: str
) -> None:
    """Two services on one database (two processes): one signs with a view of the board
    that is out of date, or with a clock behind the other's; the stored heads still grow
    in size and time, and the record verifies."""
    from honestballot.crypto.merkle import MerkleTree

    eid = election.id
    other = ElectionService(SqlStore(database_url), SeededRandomness("other"))
    try:
        election.cast(election.ballot(0))  # an entry no head covers yet
        stale = MerkleTree()
        for leaf in election.service.store.leaf_hashes(eid, start=0):
            stale.append_hash(leaf)
        election.cast(election.ballot(2))
        newer = other.publish_tree_head(eid)  # the other process signs the larger tree
        assert newer.head.size == stale.size + 1
        # this process signs with its old view: it gets the newer head, stores nothing
        election.service.tree = lambda _eid: stale  # type: ignore[method-assign]
        assert election.service.publish_tree_head(eid) == newer
        del election.service.tree
        # and a clock behind the other's never takes a head back in time
        election.cast(election.ballot(1))
        election.service.clock = lambda: 1
        later = election.service.publish_tree_head(eid)
        assert later.head.size > newer.head.size
        assert later.head.timestamp_ms >= newer.head.timestamp_ms
    finally:
        other.store.close()
    heads = [json.loads(line) for _, line in election.service.store.tree_head_lines(eid)]
    times = [h["timestamp_ms"] for h in heads]
    assert times == sorted(times)
    report = _record_report(election, tmp_path)
    assert report.passed, [(c.name, c.detail) for c in report.failures]


def test_the_same_audit_sent_again_gets_the_same_answer(election: Election) -> None:
    """A retry whose first answer was lost (the server died after its commit) is answered
    again, not refused; a different opening of the same ballot is still refused."""
    ballot, opening = encrypt_ballot(election.ctx, election.voters[1], CHOICE, election.rng)
    first = election.service.audit(election.id, ballot, opening)
    before = election.events()
    assert election.service.audit(election.id, ballot, opening) == first
    assert election.events() == before
    _, other_opening = encrypt_ballot(election.ctx, election.voters[1], CHOICE, election.rng)
    with pytest.raises(InvalidBallot, match="opening does not match"):
        election.service.audit(election.id, ballot, other_opening)
    # and a cast ballot still cannot be audited
    cast_ballot, cast_opening = encrypt_ballot(
        election.ctx, election.voters[3], CHOICE, election.rng
    )
    election.cast(cast_ballot)
    with pytest.raises(BallotRejected, match="already on the board"):
        election.service.audit(election.id, cast_ballot, cast_opening)


def test_each_units_count_of_active_credentials_is_kept_exactly(election: Election) -> None:
    """The roll rule reads a count per unit kept with every registration and replacement;
    it must always equal the credentials registered and not replaced."""
    store, eid = election.service.store, election.id
    rng = SeededRandomness("counts")
    fresh = [generate_credential(rng) for _ in range(5)]
    election.service.register_credential(eid, fresh[0].public, "station-1")
    election.service.register_credential(eid, fresh[1].public, "station-2")
    # a replacement keeps its unit's count; a batch may register and replace at once
    election.service.register_credential(
        eid, fresh[2].public, "station-1", replaces=election.voters[0].public
    )
    results = election.service.register_credential_batch(
        eid,
        [
            (fresh[3].public, "station-3", None, None),
            (fresh[4].public, "station-3", fresh[3].public, None),
            (fresh[0].public, "station-1", None, None),  # already registered: refused
        ],
    )
    assert [r is None for r in results] == [True, True, False]
    with store.engine.connect() as conn:
        counted = dict(
            conn.execute(
                text(
                    "SELECT unit, COUNT(*) FROM credentials "
                    "WHERE election_id = :e AND NOT revoked GROUP BY unit"
                ),
                {"e": eid},
            ).all()
        )
    with store.transaction() as conn:
        kept = store.active_credentials_per_unit(conn, eid)
    assert kept == counted
    assert kept == {"station-1": 2, "station-2": 2, "station-3": 2, "station-4": 1}
