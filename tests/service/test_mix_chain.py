"""The mix chain on the election service: a contest counted by mixing is shuffled by at
least k distinct trustees, each mix's proof and signature checked, the tally decrypts
the last mix's rows, and the record verifies; wrong mixes are refused and named."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from honestballot.crypto.elgamal import Ciphertext
from honestballot.crypto.randomness import SeededRandomness
from honestballot.errors import HonestBallotError, InvalidProof, ProtocolError
from honestballot.protocol.ballot import encrypt_ballot
from honestballot.protocol.credential import generate_credential
from honestballot.protocol.decryption import create_decryption_share
from honestballot.protocol.manifest import Contest, Manifest, Option, Unit
from honestballot.protocol.mix import Mix, make_mix
from honestballot.record.ballot import ballot_to_json
from honestballot.record.codec import canonical_bytes
from honestballot.record.mix import mix_to_json
from honestballot.record.trustee import encode_decryption_share
from honestballot.service.board.election import ElectionService
from honestballot.store.sql import SqlStore
from honestballot.verify.verifier import Report, verify_record
from tests.factories import (
    DemoCeremony,
    board_secret_of,
    key_ceremony,
    label,
    renumber,
    resign,
)
from tests.helpers import describe, failed

MIXED = "mixed-primary"
CHOICES = [
    {"leader": {"a"}, "council": {"m1", "m2"}},
    {"leader": {"b"}, "council": {"m3"}},
    {"leader": {"a"}, "council": {"m1"}},
    {"leader": {"c"}, "council": {"m2", "m3"}},
    {"leader": {"a"}, "council": {"m1", "m3"}},
]


def mixed_manifest() -> Manifest:
    """One contest counted by mixing (vote for one of three) and one summed per unit."""
    leader = Contest(
        "leader",
        label("Leader"),
        tuple(Option(x, label(x.upper())) for x in "abc"),
        1,
        1,
        False,
        count="mix",
    )
    council = Contest(
        "council",
        label("Council"),
        tuple(Option(f"m{i}", label(f"M{i}")) for i in (1, 2, 3)),
        1,
        2,
        False,
    )
    units = (Unit("north", label("North")), Unit("south", label("South")))
    return Manifest(MIXED, label("Mixed"), (leader, council), units, 1)


@pytest.fixture(scope="module")
def ceremony(tmp_path_factory: pytest.TempPathFactory) -> DemoCeremony:
    return key_ceremony(mixed_manifest(), tmp_path_factory.mktemp("mixed-ceremony"), "mixed")


class Board:
    def __init__(self, ceremony: DemoCeremony, directory: Path) -> None:
        self.url = f"sqlite:///{directory / 'store.sqlite'}"
        self.rng = SeededRandomness("mixed board")
        self.service = ElectionService(SqlStore(self.url), self.rng)
        self.ceremony = ceremony
        self.ctx = self.service.create(ceremony.manifest, ceremony.key)
        voters = [generate_credential(self.rng) for _ in CHOICES]
        for i, voter in enumerate(voters):
            self.service.register_credential(MIXED, voter.public, ("north", "south")[i % 2])
        self.service.open(MIXED)
        for voter, choice in zip(voters, CHOICES, strict=True):
            ballot, _ = encrypt_ballot(self.ctx, voter, choice, self.rng)
            self.service.cast(MIXED, json.dumps(ballot_to_json(ballot)))
        self.service.close(MIXED)

    def mix(self, trustee: int, position: int | None = None) -> Mix:
        chain = self.service.mixes(MIXED).get("leader", [])
        return make_mix(
            self.ctx.manifest,
            self.ctx.base_hash,
            self.ctx.public_key,
            "leader",
            len(chain) + 1 if position is None else position,
            trustee,
            self.service.mix_input(MIXED, "leader"),
            self._share(trustee),
            self.rng,
        )

    def _share(self, trustee: int):  # type: ignore[no-untyped-def]
        share = self.ceremony.secrets[trustee - 1].key_share
        assert share is not None
        return share

    def submit(self, mix: Mix) -> None:
        self.service.submit_mix(MIXED, json.dumps(mix_to_json(mix)))

    def decrypt(self) -> dict[str, int]:
        tally = self.service.tally(MIXED)
        for t in (1, 3):
            share = create_decryption_share(self.ceremony.secrets[t - 1], tally, self.rng)
            self.service.submit_decryption_share(
                MIXED, json.dumps(encode_decryption_share(share))
            )
        return self.service.publish_result(MIXED)

    def record(self) -> list[bytes]:
        return [line.rstrip(b"\n") for line in self.service.record_lines(MIXED)]


def _verify(lines: list[bytes]) -> Report:
    return verify_record([line + b"\n" for line in lines], workers=1)


def test_two_trustees_mix_and_the_decrypted_rows_give_the_count(
    ceremony: DemoCeremony, tmp_path: Path
) -> None:
    board = Board(ceremony, tmp_path)
    with pytest.raises(ProtocolError, match="mixed by 0 trustee"):
        board.service.tally(MIXED)
    board.submit(board.mix(2))
    with pytest.raises(ProtocolError, match=r"mixed by 1 trustee.*at least 2"):
        board.service.tally(MIXED)
    board.submit(board.mix(3))
    counts = board.decrypt()
    # the leader contest: only per-row entries, no sums; the council: sums as before
    assert not any(i.startswith("leader/") for i in counts)
    assert sum(1 for i in counts if i.startswith("leader#")) == 3 * len(CHOICES)
    assert counts["council/m1"] == 3
    lines = board.record()
    result = next(json.loads(raw) for raw in lines if json.loads(raw).get("kind") == "result")
    assert result["body"]["mixed"] == [
        {
            "contest": "leader",
            "counts": [
                {"id": "leader/a", "count": 3},
                {"id": "leader/b", "count": 1},
                {"id": "leader/c", "count": 1},
            ],
        }
    ]
    # the mixed rows are the ballots' selections, in another order
    rows = sorted(
        tuple(counts[f"leader#{i}/{o}"] for o in "abc") for i in range(len(CHOICES))
    )
    assert rows == sorted(tuple(int(o in c["leader"]) for o in "abc") for c in CHOICES)
    report = _verify(lines)
    assert report.passed, describe(report)
    assert "2 mixes by trustees [2, 3]" in next(
        c.detail for c in report.checks if c.name == "mix.proofs"
    )


def test_wrong_mixes_are_refused_and_named(ceremony: DemoCeremony, tmp_path: Path) -> None:
    board = Board(ceremony, tmp_path)
    first = board.mix(1)
    # a row swapped for a re-encryption of another row: a ballot dropped, one duplicated
    dup = replace(first, rows=(first.rows[0], *first.rows[:-1]))
    with pytest.raises(InvalidProof):
        board.submit(dup)
    # an honest mix signed by the wrong trustee's key
    forged = make_mix(
        board.ctx.manifest, board.ctx.base_hash, board.ctx.public_key, "leader", 1, 1,
        board.service.mix_input(MIXED, "leader"), board._share(2), board.rng,
    )  # fmt: skip
    with pytest.raises(InvalidProof, match="by trustee 1"):
        board.submit(forged)
    with pytest.raises(ProtocolError, match="position 1, not 2"):
        board.submit(board.mix(1, position=2))
    assert board.service.mixes(MIXED) == {}
    board.submit(first)
    with pytest.raises(ProtocolError, match="trustee 1 has already mixed"):
        board.submit(board.mix(1))
    with pytest.raises(ProtocolError, match="not counted by mixing"):
        make_mix(
            board.ctx.manifest, board.ctx.base_hash, board.ctx.public_key, "council", 2, 2,
            board.service.mix_input(MIXED, "leader"), board._share(2), board.rng,
        )  # fmt: skip
    # the proof is bound to its statement: replayed at another position it fails
    second = board.mix(2)
    with pytest.raises(HonestBallotError):
        board.submit(replace(second, trustee=3))
    board.submit(second)
    assert [m.trustee for m in board.service.mixes(MIXED)["leader"]] == [1, 2]


def test_a_tampered_mix_in_the_record_fails_verification(
    ceremony: DemoCeremony, tmp_path: Path
) -> None:
    board = Board(ceremony, tmp_path)
    board.submit(board.mix(1))
    board.submit(board.mix(2))
    board.decrypt()
    lines = board.record()
    secret = board_secret_of(board.url, MIXED)
    i = next(n for n, raw in enumerate(lines) if json.loads(raw).get("kind") == "mix")
    event = json.loads(lines[i])
    rows = event["body"]["rows"]
    rows[0], rows[1] = rows[1], rows[0]  # two output rows swapped after proving
    lines[i] = canonical_bytes(event)
    report = _verify(resign(lines, MIXED, secret))
    assert {"mix.proofs", "tally.aggregation"} <= failed(report), describe(report)

    # a chain of one mix (fewer than k = 2 trustees) is not enough for the tally
    lines = board.record()
    second = [n for n, raw in enumerate(lines) if json.loads(raw).get("kind") == "mix"][1]
    dropped = [raw for n, raw in enumerate(lines) if n != second]
    report = _verify(resign(renumber(dropped), MIXED, secret))
    assert "tally.aggregation" in failed(report), describe(report)
    assert "mixed by 1 trustee" in describe(report)


def test_a_ciphertext_from_another_election_cannot_enter_the_chain(
    ceremony: DemoCeremony, tmp_path: Path
) -> None:
    board = Board(ceremony, tmp_path)
    honest = board.mix(1)
    stranger = Ciphertext(honest.rows[0][0].beta, honest.rows[0][0].alpha)
    swapped = replace(honest, rows=((stranger, *honest.rows[0][1:]), *honest.rows[1:]))
    with pytest.raises(InvalidProof):
        board.submit(swapped)


def test_a_mix_too_long_for_a_record_line_is_refused(
    ceremony: DemoCeremony, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record line holds at most MAX_LINE_BYTES, which the verifier enforces: a mix that
    would be a longer line is refused before it makes the record unverifiable."""
    from honestballot.errors import InvalidInput
    from honestballot.service.board import election as service_module

    board = Board(ceremony, tmp_path)
    mix = board.mix(1)
    monkeypatch.setattr(service_module, "MAX_LINE_BYTES", 4096)
    with pytest.raises(InvalidInput, match="at most 4096"):
        board.submit(mix)
    assert board.service.mixes(MIXED) == {}
