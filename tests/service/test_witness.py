"""Witnessed tree heads: witnesses co-sign only heads that extend what they co-signed, the
board publishes and relies on the quorum's heads, and a split view is caught."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from honestballot.cli.main import _register, cli
from honestballot.crypto.group import Scalar, base_mul
from honestballot.crypto.merkle import TreeHead
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.errors import InvalidProof, ProtocolError
from honestballot.protocol.election import ElectionContext, base_hash, manifest_hash
from honestballot.protocol.stations import prove_commission_key
from honestballot.protocol.verifier_key import prove_verifier_key
from honestballot.protocol.witnesses import Witness as NamedWitness
from honestballot.protocol.witnesses import board_keys_hash
from honestballot.record.codec import canonical_bytes
from honestballot.record.events import sign_tree_head
from honestballot.record.setup import election_key_hash
from honestballot.record.stations import commission_key_to_json
from honestballot.record.witness import signature_to_json
from honestballot.service.board.election import ElectionService
from honestballot.service.witness import Refused, SplitView, Witness
from honestballot.store.sql import SqlStore
from honestballot.verify.verifier import Report, verify_record
from tests.factories import (
    SMALL_SCHEDULE,
    DemoCeremonies,
    RevotingElection,
    board_secret_of,
    protected_election,
    publish_signed_station,
    renumber,
    resign,
    verifier_secret_of,
)
from tests.helpers import describe, failed
from tests.independent import hbcheck


class ServiceSource:
    """The board as one service shows it (a witness's view, without HTTP)."""

    def __init__(self, service: ElectionService, election_id: str) -> None:
        self.service = service
        self.election_id = election_id

    def record(self) -> Iterable[bytes]:
        return [
            line.rstrip(b"\n") for line in self.service.record_lines(self.election_id, fresh=False)
        ]

    def latest_head(self) -> Any:
        self.service.publish_tree_head(self.election_id)
        return self.service.latest_tree_head(self.election_id)

    def consistency(self, old_size: int, new_size: int) -> list[bytes]:
        return self.service.consistency_proof(self.election_id, old_size, new_size)

    def publish(self, cosignature: dict[str, Any]) -> None:
        try:
            self.service.add_cosignature(self.election_id, cosignature)
        except (ProtocolError, InvalidProof) as exc:  # the board's answer: refused
            raise Refused(str(exc)) from None


def _secret(name: str) -> Scalar:
    return random_nonzero_scalar(SeededRandomness(f"witness {name}"))


WITNESSES = {"Observers' union": _secret("a"), "Candidate B's team": _secret("b")}


#: the station whose corrections grow the witnessed boards (after the open, a station
#: keeps its key and paper voting, and its details may change)
STATION: dict[str, Any] = {
    "unit": "station-1",
    "address": {"ru": "школа", "kk": "мектеп", "en": "school"},
    "hours": "08:00-20:00",
    "paper": False,
    "members": [{"name": "A. Chair", "role": "chair", "nominated_by": ""}],
}


@dataclass
class Witnessed:
    """A witnessed election with re-voting protection, open, on an app of its own; its
    board grows by corrections of ``station-1``'s details, signed by the organiser."""

    election: RevotingElection
    commission: Any
    rng: SeededRandomness
    corrections: int = 0

    @property
    def id(self) -> str:
        return self.election.id

    @property
    def ctx(self) -> ElectionContext:
        return self.election.ctx

    @property
    def url(self) -> str:
        return self.election.web.database_url

    @property
    def service(self) -> ElectionService:
        return self.election.web.services.elections

    def add(self, service: ElectionService | None = None) -> None:
        """One entry more: a correction of the station's hours, on this board or, given
        ``service``, on that copy of it (another correction: another entry).  No head is
        signed for it here (the service signs one after a station): the next head is the
        periodic signer's, or the one a witness's poll asks for, as for a ballot."""
        self.corrections += 1
        on = "" if service is None else " (the copy)"
        details = {**STATION, "hours": f"08:00-20:00, correction {self.corrections}{on}"}
        e, target = self.election, service or self.service
        target.publish_tree_head = lambda election_id: None  # type: ignore[assignment,method-assign,return-value]
        try:
            publish_signed_station(target, e.id, e.organiser, details, self.commission, self.rng)
        finally:
            del target.publish_tree_head


#: the exits of each test's apps (_close_apps)
_APPS: list[ExitStack] = []


@pytest.fixture(autouse=True)
def _close_apps() -> Iterator[None]:
    with ExitStack() as stack:
        _APPS.append(stack)
        try:
            yield
        finally:
            _APPS.pop()


def _witnessed_election(
    demo_ceremony: DemoCeremonies,
    directory: Path,
    *,
    seed: str = "witnessed",
    witnesses: dict[str, Scalar] = WITNESSES,
) -> Witnessed:
    named = [NamedWitness(name, base_mul(s)) for name, s in witnesses.items()]
    ceremony = demo_ceremony("witnessed")
    e = _APPS[-1].enter_context(
        protected_election(
            ceremony,
            directory,
            seed,
            open_=False,
            schedule=SMALL_SCHEDULE,
            witnesses=named,
            quorum=2,
        )
    )
    rng = SeededRandomness(f"{seed}: the commission")
    secret = random_nonzero_scalar(rng)
    digest = manifest_hash(e.ctx.manifest)
    proof = prove_commission_key(digest, "station-1", secret, base_mul(secret), rng)
    commission = commission_key_to_json("station-1", digest, base_mul(secret), proof)
    publish_signed_station(e.web.services.elections, e.id, e.organiser, STATION, commission, rng)
    e.open()
    return Witnessed(e, commission, rng)


def _witness(
    election: Witnessed,
    name: str,
    directory: Path,
    source: Any = None,
    clock: Callable[[], int] | None = None,
) -> Witness:
    """The witness ``name``, whose clock is the board's unless ``clock`` says otherwise
    (the board's times must agree with the witnesses', docs/record-format.md §6)."""
    return Witness(
        election.id,
        election.ctx.base_hash.hex()[:16],
        WITNESSES[name],
        directory / f"{name[:5]}.state.json",
        source or ServiceSource(election.service, election.id),
        SeededRandomness(name),
        clock or election.service.clock,
    )


def _record(election: Witnessed) -> list[bytes]:
    return [line.rstrip(b"\n") for line in election.service.record_lines(election.id, fresh=False)]


def _verify(lines: list[bytes], **kw: Any) -> Report:
    return verify_record([line + b"\n" for line in lines], workers=1, **kw)


def test_witnesses_cosign_each_new_head_and_the_record_ends_at_the_witnessed_one(
    demo_ceremony: DemoCeremonies, tmp_path: Path
) -> None:
    election = _witnessed_election(demo_ceremony, tmp_path / "board")
    a, b = (_witness(election, name, tmp_path) for name in WITNESSES)
    assert a.step().startswith("co-signed")
    assert election.service.witnessed_head(election.id) is None  # one of a quorum of two
    assert b.step().startswith("co-signed")
    witnessed = election.service.witnessed_head(election.id)
    assert witnessed is not None and len(witnessed.cosignatures) == 2

    election.add()
    # a head covering the ballot is signed, but until the quorum co-signs it no inclusion
    # proof is given and the record stops before the ballot
    size_before = witnessed.head.head.size
    assert election.service.inclusion_proof(election.id, size_before) is None
    assert b"".join(_record(election)).count(b'"kind":"station"') == 1  # before the open
    assert a.step().startswith("co-signed")
    assert b.step().startswith("co-signed")
    included = election.service.inclusion_proof(election.id, size_before)
    assert included is not None
    assert len(included.witnessed.cosignatures) == 2
    assert b.step() == f"no new entries (size {included.witnessed.head.head.size})"

    lines = _record(election)
    assert sum(json.loads(raw)["type"] == "cosignature" for raw in lines) == 4
    report = _verify(lines, fingerprint=election.ctx.base_hash.hex()[:16])
    assert report.passed, [c for c in report.checks if not c.passed]
    assert "co-signed by 2 of 2 witnesses (quorum 2)" in next(
        c.detail for c in report.checks if c.name == "log.witnesses"
    )


def test_verify_requires_the_quorum_on_the_final_head_and_valid_cosignatures(
    demo_ceremony: DemoCeremonies, tmp_path: Path
) -> None:
    election = _witnessed_election(demo_ceremony, tmp_path / "board")
    for name in WITNESSES:
        _witness(election, name, tmp_path).step()
    lines = _record(election)
    cosigs = [i for i, raw in enumerate(lines) if json.loads(raw)["type"] == "cosignature"]
    assert len(cosigs) == 2
    one_short = [raw for i, raw in enumerate(lines) if i != cosigs[-1]]
    assert failed(_verify(one_short)) == {"log.witnesses"}
    assert "co-signed by 1 of the witnesses, the setup asks for 2" in str(_verify(one_short).checks)
    forged = json.loads(lines[cosigs[0]])
    forged["witnessed_ms"] += 1
    changed = [*lines[: cosigs[0]], json.dumps(forged).encode(), *lines[cosigs[0] + 1 :]]
    assert failed(_verify(changed)) == {"log.witnesses"}
    twice = [*lines, lines[cosigs[0]]]
    assert "log.witnesses" in failed(_verify(twice))


def test_a_wrong_fingerprint_is_reported(demo_ceremony: DemoCeremonies, tmp_path: Path) -> None:
    election = _witnessed_election(demo_ceremony, tmp_path / "board")
    for name in WITNESSES:
        _witness(election, name, tmp_path).step()
    lines = _record(election)
    wrong = "0" * 16 if not election.ctx.base_hash.hex().startswith("0" * 16) else "f" * 16
    assert failed(_verify(lines, fingerprint=wrong)) == {"setup.fingerprint"}
    assert failed(_verify(lines, fingerprint="abc")) == {"setup.fingerprint"}


def test_the_board_refuses_cosignatures_it_cannot_rely_on(
    demo_ceremony: DemoCeremonies, tmp_path: Path
) -> None:
    election = _witnessed_election(demo_ceremony, tmp_path / "board")
    captured: list[dict[str, Any]] = []

    class Capture(ServiceSource):
        def publish(self, cosignature: dict[str, Any]) -> None:
            captured.append(cosignature)

    _witness(election, "Observers' union", tmp_path, Capture(election.service, election.id)).step()
    good = captured[0]
    service = election.service

    def refused(change: dict[str, Any], error: type[Exception], match: str) -> None:
        with pytest.raises(error, match=match):
            service.add_cosignature(election.id, {**good, **change})
        assert service.cosignatures(election.id) == []

    refused({"witness": base_mul(_secret("c")).hex()}, ProtocolError, "not the key of a witness")
    refused({"size": good["size"] + 5}, ProtocolError, "no tree head of size")
    refused({"root": "00" * 32}, ProtocolError, "co-signed another head")
    refused({"witnessed_ms": good["witnessed_ms"] + 1}, InvalidProof, "does not verify")
    assert service.add_cosignature(election.id, good) is True
    assert service.add_cosignature(election.id, good) is False  # the same, again


def _fork(election: Witnessed, directory: Path) -> ElectionService:
    """What a dishonest operator can do: copy the board (with its key) and go on with
    another history on the copy, showing each copy to different people."""
    directory.mkdir()
    src = Path(election.url.removeprefix("sqlite:///"))
    election.service.store.close()
    shutil.copy(src, directory / "store.sqlite")
    election.service.store = SqlStore(election.url)  # the app's service goes on
    return ElectionService(
        SqlStore(f"sqlite:///{directory / 'store.sqlite'}"), SeededRandomness("fork")
    )


def test_a_witness_refuses_a_forked_board_and_keeps_the_evidence(
    demo_ceremony: DemoCeremonies, tmp_path: Path
) -> None:
    election = _witnessed_election(demo_ceremony, tmp_path / "board")
    a = _witness(election, "Observers' union", tmp_path)
    a.step()
    fork = _fork(election, tmp_path / "fork")
    election.add()
    a.step()  # co-signs the honest board's new head
    # the fork shows the same voter casting another ballot: same size, another root
    election.add(fork)
    a.source = ServiceSource(fork, election.id)
    with pytest.raises(SplitView, match="two different roots for one size"):
        a.step()
    evidence = json.loads(a.evidence_path.read_text())
    assert evidence["cosigned_head"]["size"] == evidence["conflicting_head"]["size"]
    assert evidence["cosigned_head"]["root"] != evidence["conflicting_head"]["root"]
    with pytest.raises(SplitView, match="stopped co-signing"):
        a.step()


def test_a_witness_refuses_a_history_that_drops_entries(
    demo_ceremony: DemoCeremonies, tmp_path: Path
) -> None:
    election = _witnessed_election(demo_ceremony, tmp_path / "board")
    a = _witness(election, "Observers' union", tmp_path)
    a.step()
    fork = _fork(election, tmp_path / "fork")
    election.add()
    a.step()
    election.add(fork)
    election.add(fork)
    honest = a.source
    a.source = ServiceSource(fork, election.id)
    before = fork.cosignatures(election.id)
    said = a.step()
    assert said.startswith("NOT CO-SIGNED") and "does not check out" in said
    assert fork.cosignatures(election.id) == before
    # a consistency proof proves nothing by itself: the witness is not halted, and goes on
    # co-signing the board that does extend what it co-signed
    a.source = honest
    election.add()
    assert a.step().startswith("co-signed")


def test_a_garbled_consistency_proof_co_signs_nothing_and_halts_nothing(
    demo_ceremony: DemoCeremonies, tmp_path: Path
) -> None:
    election = _witnessed_election(demo_ceremony, tmp_path / "board")
    a = _witness(election, "Observers' union", tmp_path)
    a.step()
    election.add()

    class Garbled(ServiceSource):
        def consistency(self, old_size: int, new_size: int) -> list[bytes]:
            return [bytes(32) for _ in super().consistency(old_size, new_size)]

    a.source = Garbled(election.service, election.id)
    assert a.step().startswith("NOT CO-SIGNED")
    assert not a.evidence_path.exists()
    a.source = ServiceSource(election.service, election.id)
    assert a.step().startswith("co-signed")


class ForgedLatest(ServiceSource):
    """A board that shows, as its latest head, one it signs with its key for the purpose."""

    def __init__(self, election: Witnessed, head: TreeHead) -> None:
        super().__init__(election.service, election.id)
        secret = board_secret_of(election.url, election.id)
        rng = SeededRandomness("forger")
        self.head = sign_tree_head(head, election.id, secret, base_mul(secret), rng)

    def latest_head(self) -> Any:
        return self.head.to_json()


@pytest.mark.parametrize("which", ["same size", "later size, earlier time"])
def test_first_contact_halts_on_a_latest_head_the_record_contradicts(
    demo_ceremony: DemoCeremonies, tmp_path: Path, which: str
) -> None:
    """The board's latest head contradicts, by the board's own signatures, its record's
    final head: split-view evidence on first contact, kept, and nothing co-signed."""
    election = _witnessed_election(demo_ceremony, tmp_path / "board")
    election.service.publish_tree_head(election.id)
    final = json.loads(_record(election)[-1])
    size, stamped = final["size"], final["timestamp_ms"]
    forged = (
        TreeHead(size, bytes(32), stamped)
        if which == "same size"
        else TreeHead(size + 1, bytes(32), stamped - 1)
    )
    a = _witness(election, "Observers' union", tmp_path, ForgedLatest(election, forged))
    with pytest.raises(SplitView, match="the board signed"):
        a.step()
    evidence = json.loads(a.evidence_path.read_text())
    assert evidence["record_head"] == final
    assert evidence["conflicting_head"]["root"] == "00" * 32
    assert election.service.cosignatures(election.id) == []
    a.source = ServiceSource(election.service, election.id)
    with pytest.raises(SplitView, match="stopped co-signing"):
        a.step()  # for good, even shown the honest board
    assert election.service.cosignatures(election.id) == []


@pytest.mark.parametrize("how", ["garbled", "unreachable"])
def test_first_contact_co_signs_nothing_on_a_proof_it_cannot_check(
    demo_ceremony: DemoCeremonies, tmp_path: Path, how: str
) -> None:
    """The board's latest head is larger than its record's final head, and the proof that
    it extends it does not check out or does not come: nothing co-signed (not the old
    head either), nothing halted, and the next poll co-signs the latest head."""
    election = _witnessed_election(demo_ceremony, tmp_path / "board")
    election.service.publish_tree_head(election.id)
    election.add()

    class Broken(ServiceSource):
        def consistency(self, old_size: int, new_size: int) -> list[bytes]:
            if how == "unreachable":
                raise ProtocolError("HTTP 502: bad gateway")
            return [bytes(32) for _ in super().consistency(old_size, new_size)]

    a = _witness(election, "Observers' union", tmp_path, Broken(election.service, election.id))
    said = a.step()
    assert said.startswith("NOT CO-SIGNED") and "does not check out" in said, said
    assert ("502" in said) == (how == "unreachable")
    assert election.service.cosignatures(election.id) == []
    assert a.load() is None and not a.evidence_path.exists()
    a.source = ServiceSource(election.service, election.id)
    assert a.step().startswith("co-signed")
    [cosig] = election.service.cosignatures(election.id)
    assert cosig.head.size == election.service.tree(election.id).size  # the latest, with the ballot


def test_a_co_signature_lost_on_the_way_is_posted_again(
    demo_ceremony: DemoCeremonies, tmp_path: Path
) -> None:
    election = _witnessed_election(demo_ceremony, tmp_path / "board")
    lost: list[dict[str, Any]] = []

    class Lossy(ServiceSource):
        def publish(self, cosignature: dict[str, Any]) -> None:
            lost.append(cosignature)
            raise ProtocolError("HTTP 503: storage_unavailable")

    a = _witness(election, "Observers' union", tmp_path, Lossy(election.service, election.id))
    with pytest.raises(ProtocolError, match="503"):
        a.step()  # the state is written, the co-signature never arrived
    assert lost and election.service.cosignatures(election.id) == []
    a.source = ServiceSource(election.service, election.id)
    assert a.step().startswith("no new entries")
    assert [c.to_json() for c in election.service.cosignatures(election.id)] == lost


def test_a_state_file_of_another_election_with_the_same_id_is_refused(
    demo_ceremony: DemoCeremonies, tmp_path: Path
) -> None:
    """A rehearsal under the same election id leaves a state file behind: reused for the
    real election (another fingerprint) it is refused, instead of the witness failing on
    every poll."""
    rehearsal = _witnessed_election(demo_ceremony, tmp_path / "rehearsal", seed="rehearsal")
    _witness(rehearsal, "Observers' union", tmp_path).step()
    real = _witnessed_election(demo_ceremony, tmp_path / "real")
    assert real.ctx.base_hash != rehearsal.ctx.base_hash  # another board key
    with pytest.raises(ProtocolError, match="each rehearsal"):
        _witness(real, "Observers' union", tmp_path).step()


def _cosign_all(election: Witnessed, directory: Path) -> None:
    election.service.publish_tree_head(election.id)
    for name in WITNESSES:
        _witness(election, name, directory).step()


def test_dropping_a_station_correction_breaks_the_witnessed_head(
    demo_ceremony: DemoCeremonies, tmp_path: Path
) -> None:
    """An operator removes the last correction of a station's details, an entry the
    witnesses co-signed, and re-signs every head with the board key: the witnesses'
    co-signatures no longer fit, and a record without them lacks the quorum."""
    election = _witnessed_election(demo_ceremony, tmp_path / "board")
    _cosign_all(election, tmp_path)
    election.add()
    election.add()
    _cosign_all(election, tmp_path)
    lines = _record(election)
    assert _verify(lines).passed
    events = [json.loads(raw) for raw in lines]
    last = max(i for i, ev in enumerate(events) if ev.get("kind") == "station")
    assert events[last]["body"]["sequence"] == 3  # the station, then two corrections
    dropped = renumber([raw for i, raw in enumerate(lines) if i != last])
    secret = board_secret_of(election.url, election.id)
    forged = resign(dropped, election.id, secret)
    report = _verify(forged)
    assert failed(report) == {"log.witnesses"}, describe(report)
    assert "the witness saw another board" in describe(report)
    without = [raw for raw in forged if json.loads(raw)["type"] != "cosignature"]
    assert failed(_verify(without)) == {"log.witnesses"}


def test_a_record_re_signed_under_another_board_key_is_another_election(
    demo_ceremony: DemoCeremonies, tmp_path: Path
) -> None:
    """The operator swaps the board key in the setup, proves its verifier key W again for
    the new base hash (it holds w) and re-signs every head with the new key: the base hash
    (the fingerprint) changes, so the pinned fingerprint, every signature of the organiser
    (made on the base hash: the roll's, the stations') and the witnesses' co-signatures
    fail, and so do the proofs made on it: the encrypted roll's, and the voters' in their
    registrations and cast rows."""
    election = _witnessed_election(demo_ceremony, tmp_path / "board")
    _cosign_all(election, tmp_path)
    election.add()
    device = election.election.device("900101300002", "a device")
    seed, answer = device.register()
    assert answer.status_code == 201, answer.text
    ballot, _, private = device.ballot(seed)
    assert device.cast(ballot, private).status_code == 201
    election.election.post_batch()
    _cosign_all(election, tmp_path)
    lines = _record(election)
    kinds = [json.loads(raw).get("kind") for raw in lines]
    assert {"registration", "cast-row"} <= set(kinds)
    assert _verify(lines, fingerprint=election.ctx.base_hash.hex()[:16]).passed
    new_secret = random_nonzero_scalar(SeededRandomness("another board key"))
    setup = json.loads(lines[1])
    setup["body"]["board_key"] = base_mul(new_secret).hex()
    keys = replace(election.service.board_keys(election.id), board_key=base_mul(new_secret))
    new_base = base_hash(
        manifest_hash(election.ctx.manifest),
        election_key_hash(election.service.election_key(election.id)),
        election.ctx.public_key,
        board_keys_hash(keys),
    )
    w = verifier_secret_of(election.url, election.id)
    proof = prove_verifier_key(new_base, w, SeededRandomness("operator re-proves W"))
    setup["body"]["verifier_key_proof"] = signature_to_json(proof)
    swapped = resign([lines[0], canonical_bytes(setup), *lines[2:]], election.id, new_secret)
    report = _verify(swapped, fingerprint=election.ctx.base_hash.hex()[:16])
    expected = {
        "setup.fingerprint", "log.witnesses", "roll.signature", "stations.signature",
        "roll.encrypted", "registrations.proofs", "rows.proofs",
    }  # fmt: skip
    assert expected <= failed(report), describe(report)


def test_one_witness_in_both_views_is_named_by_log_compare(
    demo_ceremony: DemoCeremonies, tmp_path: Path
) -> None:
    """Three witnesses, quorum 2: two quorums share one witness, so one dishonest witness
    lets the operator show two views, each co-signed by a quorum, at sizes the other never
    signs. Each record verifies; `log compare` given both records still finds the split
    (a head of one view is not a prefix of the other's record) and names the witness."""
    names = ["Observers' union", "Team B", "Team C"]
    secrets = {n: _secret(n) for n in names}
    election = _witnessed_election(
        demo_ceremony, tmp_path / "board", seed="three", witnesses=secrets
    )

    def witness(name: str, state: str, service: ElectionService) -> Witness:
        return Witness(
            election.id, election.ctx.base_hash.hex()[:16], secrets[name], tmp_path / state,
            ServiceSource(service, election.id), SeededRandomness(state), service.clock,
        )  # fmt: skip

    for n in names:
        witness(n, f"{n}.state", election.service).step()
    fork = _fork(election, tmp_path / "fork")
    shutil.copy(tmp_path / "Team B.state", tmp_path / "Team B.fork-state")
    election.add()  # view 1
    election.add(fork)
    election.add(fork)  # view 2: one entry longer
    witness("Observers' union", "Observers' union.state", election.service).step()
    witness("Team B", "Team B.state", election.service).step()  # the liar, in view 1
    witness("Team C", "Team C.state", fork).step()
    witness("Team B", "Team B.fork-state", fork).step()  # and in view 2
    one = [ln.rstrip(b"\n") for ln in election.service.record_lines(election.id, fresh=False)]
    two = [ln.rstrip(b"\n") for ln in fork.record_lines(election.id, fresh=False)]
    for lines in (one, two):
        assert _verify(lines, fingerprint=election.ctx.base_hash.hex()[:16]).passed
    (tmp_path / "one.jsonl").write_bytes(b"\n".join(one) + b"\n")
    (tmp_path / "two.jsonl").write_bytes(b"\n".join(two) + b"\n")
    _register()
    result = CliRunner().invoke(
        cli,
        ["log", "compare", "--election", election.id, str(tmp_path / "one.jsonl"),
         str(tmp_path / "two.jsonl")],
    )  # fmt: skip
    assert result.exit_code == 3, result.output
    assert "is not a prefix of the record" in result.output
    assert f"co-signed both views: {base_mul(secrets['Team B']).hex()}" in result.output


def test_when_witnesses_stop_the_whole_board_can_still_be_checked_and_says_so(
    demo_ceremony: DemoCeremonies, tmp_path: Path
) -> None:
    """Liveness: with one of two witnesses gone (quorum 2), the record stops at the last
    witnessed head; the record to the latest head is there for trustees and observers,
    and verifies only when the quorum is explicitly not required, which the report says."""
    election = _witnessed_election(demo_ceremony, tmp_path / "board")
    _cosign_all(election, tmp_path)
    election.add()
    election.service.close(election.id)
    _witness(election, "Observers' union", tmp_path).step()  # the other one stopped
    witnessed = _record(election)
    assert not any(json.loads(raw).get("kind") == "close" for raw in witnessed)
    whole = [
        ln.rstrip(b"\n")
        for ln in election.service.record_lines(election.id, fresh=False, witnessed_only=False)
    ]
    assert any(json.loads(raw).get("kind") == "close" for raw in whole)
    assert failed(_verify(whole)) == {"log.witnesses"}
    report = _verify(whole, require_quorum=False)
    assert report.passed, describe(report)
    assert "NOT REQUIRED" in describe_all(report)


def describe_all(report: Report) -> str:
    return "; ".join(f"{c.name}: {c.detail}" for c in report.checks)


# -- the board's times against the witnesses' clocks (docs/record-format.md §6) ---------------

HOUR_MS = 3_600_000


def _whole_record(election: Witnessed) -> list[bytes]:
    return [
        ln.rstrip(b"\n")
        for ln in election.service.record_lines(election.id, fresh=False, witnessed_only=False)
    ]


def _times_agree(lines: list[bytes], report: Report) -> list[tuple[str, int, str, int]]:
    """hbcheck's ``log.witness-times`` on the same record: it finds a contradiction exactly
    when verify does, and every event verify names is among those it finds."""
    parsed = [hbcheck.strict_loads(raw) for raw in lines]
    found = hbcheck.check_witness_times(parsed[1].get("body", {}), parsed)
    detail = next(c.detail for c in report.checks if c.name == "log.witness-times")
    assert ("log.witness-times" in failed(report)) == bool(found), detail
    named = re.findall(r"witness (.+?) saw the head of size (\d+) at \d+ ms, but event (\d+)",
                       detail)  # fmt: skip
    found_named = {(repr(w), n, kind, at) for w, n, kind, at in found}
    assert {(w, int(n), "event", int(seq)) for w, n, seq in named} <= found_named
    return found


def test_verify_fails_an_event_stamped_after_a_witness_saw_it(
    demo_ceremony: DemoCeremonies, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service stamps a station's correction 24 hours ahead (as it would stamp the
    close to end the paper uploads early) but signs the head with its true time: the
    witnesses, who see only heads, co-sign it, and verify names the event from their
    co-signatures."""
    election = _witnessed_election(demo_ceremony, tmp_path / "board")
    _cosign_all(election, tmp_path)
    election.add()
    _cosign_all(election, tmp_path)
    honest = _record(election)
    report = _verify(honest)
    assert report.passed, describe(report)
    assert _times_agree(honest, report) == []

    ahead = election.service.clock() + 24 * HOUR_MS
    # such a service also stores the co-signatures it would refuse (receipt_problem)
    monkeypatch.setattr(election.service, "receipt_problem", lambda *args: "")
    true_clock = election.service.clock
    election.service.clock = lambda: ahead  # the event's stamp
    election.add()
    election.service.clock = true_clock
    _cosign_all(election, tmp_path)
    lines = _record(election)
    close = [json.loads(raw) for raw in lines if json.loads(raw).get("kind") == "station"][-1][
        "seq"
    ]
    report = _verify(lines)
    assert failed(report) == {"log.witness-times"}, describe(report)
    detail = next(c.detail for c in report.checks if c.name == "log.witness-times")
    for name in WITNESSES:
        assert f"witness {name!r} saw the head of size {close + 1} at " in detail
    assert f"event {close} (station), on the board then, is stamped {ahead} ms" in detail
    found = _times_agree(lines, report)
    assert {(name, "event", close) for name, _, kind, close in found} == {
        (name, "event", close) for name in WITNESSES
    }


def test_verify_fails_an_event_back_dated_before_a_witness_saw_the_head(
    demo_ceremony: DemoCeremonies, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A witness saw the head an hour after the board's clock says it appended what
    follows it: the ballot after that head is back-dated, and verify names it (the
    co-signatures stored by a service that does not refuse them on receipt)."""
    election = _witnessed_election(demo_ceremony, tmp_path / "board")
    monkeypatch.setattr(election.service, "receipt_problem", lambda *args: "")
    ahead = election.service.clock() + HOUR_MS
    for name in WITNESSES:
        _witness(election, name, tmp_path, clock=lambda: ahead).step()
    size = election.service.cosignatures(election.id)[0].head.size
    election.add()
    election.service.publish_tree_head(election.id)
    lines = _whole_record(election)
    report = _verify(lines, require_quorum=False)
    assert failed(report) == {"log.witness-times"}, describe(report)
    assert f"size {size} at {ahead} ms, but event {size} (station), appended after it" in (
        describe(report)
    )
    assert _times_agree(lines, report)


def test_a_witness_co_signs_no_head_whose_time_contradicts_its_clock(
    demo_ceremony: DemoCeremonies, tmp_path: Path
) -> None:
    """A head stamped in the witness's future, or well before its last co-signature, is
    not co-signed (nor is the witness halted: a clock is wrong, which proves no split
    view); once the clocks agree again, it co-signs."""
    election = _witnessed_election(demo_ceremony, tmp_path / "board")
    start = election.service.clock()
    # first contact co-signs no head stamped in the witness's future
    behind = _witness(election, "Candidate B's team", tmp_path, clock=lambda: start - HOUR_MS)
    said = behind.step()
    assert said.startswith("NOT CO-SIGNED") and "ahead of this witness's clock" in said, said
    assert not (tmp_path / "Candi.state.json").exists()
    mine = [start]
    a = _witness(election, "Observers' union", tmp_path, clock=lambda: mine[0])
    assert a.step().startswith("co-signed")
    election.service.clock = lambda: start + HOUR_MS
    election.add()
    said = a.step()
    assert said.startswith("NOT CO-SIGNED") and "ahead of this witness's clock" in said, said
    assert len(election.service.cosignatures(election.id)) == 1
    assert not a.evidence_path.exists()
    mine[0] = start + 3 * HOUR_MS
    # two hours old for the witness, within reason, so it co-signs; but its time is two
    # hours ahead of the board's clock, which refuses it (and the witness says so)
    said = a.step()
    assert said.startswith("NOT ACCEPTED by the board") and "ahead of the board's clock" in said
    assert "check this machine's clock against NTP" in said
    assert len(election.service.cosignatures(election.id)) == 1
    # the board's clock catches up: the co-signature posted again is accepted
    election.service.clock = lambda: mine[0]
    assert a.step().startswith("no new entries")
    assert len(election.service.cosignatures(election.id)) == 2
    # the board's clock goes back two hours: its next head is stamped well before the
    # witness co-signed the last one
    election.service.clock = lambda: start + HOUR_MS
    election.add()
    said = a.step()
    assert said.startswith("NOT CO-SIGNED") and "co-signed the last head at" in said, said
    election.service.clock = lambda: mine[0]
    election.add()
    assert a.step().startswith("co-signed")


def test_a_witness_back_after_losing_its_state_co_signs_the_latest_head(
    demo_ceremony: DemoCeremonies, tmp_path: Path
) -> None:
    """The record ends at the last head the quorum co-signed, which is an hour old when one
    of two witnesses comes back without its state: it co-signs the board's latest head
    (which extends it), not that old head, whose co-signature now would contradict the
    time of the ballot after it."""
    election = _witnessed_election(demo_ceremony, tmp_path / "board")
    now = [election.service.clock()]
    election.service.clock = lambda: now[0]
    _cosign_all(election, tmp_path)
    old = election.service.witnessed_head(election.id)
    assert old is not None
    election.add()
    assert _witness(election, "Observers' union", tmp_path).step().startswith("co-signed")
    assert election.service.witnessed_head(election.id) == old  # one of a quorum of two
    now[0] += HOUR_MS
    (tmp_path / "Candi.state.json").unlink()
    assert _witness(election, "Candidate B's team", tmp_path).step().startswith("co-signed")
    witnessed = election.service.witnessed_head(election.id)
    assert witnessed is not None and witnessed.head.head.size > old.head.head.size
    report = _verify(_record(election))
    assert report.passed, describe(report)
