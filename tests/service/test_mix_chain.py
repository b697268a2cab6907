"""The mix chain on the election service: a contest counted by mixing is shuffled by at
least k distinct trustees, each mix's proof and signature checked, the tally decrypts
the last mix's rows, and the record verifies; wrong mixes are refused and named."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from honestballot.crypto.elgamal import Ciphertext
from honestballot.crypto.randomness import SeededRandomness
from honestballot.errors import HonestBallotError, InvalidInput, InvalidProof, ProtocolError
from honestballot.protocol import mix_parts
from honestballot.protocol.ballot import encrypt_ballot
from honestballot.protocol.credential import generate_credential
from honestballot.protocol.decryption import create_decryption_share
from honestballot.protocol.manifest import Contest, Manifest, Option, Unit
from honestballot.protocol.mix import Mix, make_mix
from honestballot.protocol.mix_parts import MixHead, MixPart, publish_mix
from honestballot.protocol.share_parts import ShareHead, SharePart, meta_of, publish_share
from honestballot.protocol.share_parts import part_digest as share_part_digest
from honestballot.record.ballot import ballot_to_json
from honestballot.record.codec import canonical_bytes
from honestballot.record.mix import mix_head_to_json, mix_part_to_json
from honestballot.record.share_parts import share_head_to_json, share_part_to_json
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
    submit_share,
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
        self.ctx = self.service.create(ceremony.manifest, ceremony.key, unprotected=True)
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
            self.rng,
        )

    def _share(self, trustee: int):  # type: ignore[no-untyped-def]
        share = self.ceremony.secrets[trustee - 1].key_share
        assert share is not None
        return share

    def publish(
        self, mix: Mix, signer: int | None = None, rows_per_part: int | None = None
    ) -> tuple[list[MixPart], MixHead]:
        """The mix's parts and head, signed by ``signer`` (default: its trustee)."""
        share = self._share(mix.trustee if signer is None else signer)
        return publish_mix(self.ctx.base_hash, mix, share, self.rng, rows_per_part=rows_per_part)

    def submit_parts(self, parts: list[MixPart]) -> list[bool]:
        return [self.service.submit_mix_part(MIXED, mix_part_to_json(p))[1] for p in parts]

    def submit_head(self, head: MixHead) -> Mix:
        mix, stored = self.service.submit_mix(MIXED, mix_head_to_json(head))
        assert stored and isinstance(mix, Mix)
        return mix

    def submit(self, mix: Mix, signer: int | None = None, rows_per_part: int | None = None) -> None:
        parts, head = self.publish(mix, signer, rows_per_part)
        self.submit_parts(parts)
        self.submit_head(head)

    def decrypt(self) -> dict[str, int]:
        tally = self.service.tally(MIXED)
        for t in (1, 3):
            secret = self.ceremony.secrets[t - 1]
            submit_share(self.service, MIXED, secret, tally, self.rng, rows_per_part=3)
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
    rows = sorted(tuple(counts[f"leader#{i}/{o}"] for o in "abc") for i in range(len(CHOICES)))
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
    # an honest mix signed by the wrong trustee's key: its first part is refused
    with pytest.raises(InvalidProof, match="part 0 of mix 1 of contest 'leader' by trustee 1"):
        board.submit(board.mix(1), signer=2)
    with pytest.raises(ProtocolError, match="position 1, not 2"):
        board.submit(board.mix(1, position=2))
    assert board.service.mixes(MIXED) == {}
    board.submit(first)
    with pytest.raises(ProtocolError, match="trustee 1 has already mixed"):
        board.submit(board.mix(1))
    with pytest.raises(ProtocolError, match="not counted by mixing"):
        make_mix(
            board.ctx.manifest, board.ctx.base_hash, board.ctx.public_key, "council", 2, 2,
            board.service.mix_input(MIXED, "leader"), board.rng,
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
    i = next(n for n, raw in enumerate(lines) if json.loads(raw).get("kind") == "mix-part")
    event = json.loads(lines[i])
    rows = event["body"]["rows"]
    rows[0], rows[1] = rows[1], rows[0]  # two output rows swapped after proving
    lines[i] = canonical_bytes(event)
    report = _verify(resign(lines, MIXED, secret))
    assert {"mix.proofs", "tally.aggregation"} <= failed(report), describe(report)
    # the part's signature fails, so the mix that names it names a part not on the board
    assert "part 0 of mix 1 of contest 'leader' by trustee 1" in describe(report)
    detail = next(c.detail for c in report.checks if c.name == "mix.proofs")
    assert "is not on the board" in detail, detail
    # a part whose signature alone is changed keeps its digest: the mix names it, and the
    # report says that it is on the board but not valid
    lines = board.record()
    event = json.loads(lines[i])
    event["body"]["signature"]["s"] = event["body"]["signature"]["c"]
    lines[i] = canonical_bytes(event)
    report = _verify(resign(lines, MIXED, secret))
    detail = next(c.detail for c in report.checks if c.name == "mix.proofs")
    assert f"is event {event['seq']}, which is not a valid part" in detail, detail

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


def test_a_mix_in_several_parts_is_assembled_checked_and_verified(
    ceremony: DemoCeremony, tmp_path: Path
) -> None:
    """Five rows in parts of two: three signed parts, each stored once, and a mix that
    names them in order; the record verifies."""
    board = Board(ceremony, tmp_path)
    first = board.mix(1)
    parts, head = board.publish(first, rows_per_part=2)
    assert [(p.index, p.offset, len(p.rows)) for p in parts] == [(0, 0, 2), (1, 2, 2), (2, 4, 1)]
    # the mix cannot come before its parts
    with pytest.raises(ProtocolError, match=r"part 0 \(.*\) is not on the board"):
        board.submit_head(head)
    assert board.submit_parts(parts) == [True, True, True]
    assert board.submit_parts(parts[:1]) == [False]  # sent again: stored once
    # a head naming the parts in another order, or a part of another mix, is refused
    # (each re-signed by its trustee, so only the order or the part is wrong)
    swapped = replace(head, parts=(head.parts[1], head.parts[0], head.parts[2]))
    swapped = publish_resigned(board, swapped)
    with pytest.raises(ProtocolError, match="part 0 is part 1 from row 2"):
        board.submit_head(swapped)
    assert board.submit_head(head).rows == first.rows
    second = board.mix(3)
    other_parts, other_head = board.publish(second, rows_per_part=5)
    board.submit_parts(other_parts)
    foreign = publish_resigned(board, replace(other_head, parts=(head.parts[0],)))
    with pytest.raises(ProtocolError, match="belongs to mix 1 of contest 'leader' by trustee 1"):
        board.submit_head(foreign)
    board.submit_head(other_head)
    board.decrypt()
    lines = board.record()
    kinds = [json.loads(raw).get("kind") for raw in lines]
    assert kinds.count("mix-part") == 4 and kinds.count("mix") == 2
    report = _verify(lines)
    assert report.passed, describe(report)


def publish_resigned(board: Board, head: MixHead) -> MixHead:
    """``head`` signed anew by its trustee (so that only what was changed is wrong)."""
    from honestballot.crypto.group import base_mul
    from honestballot.crypto.schnorr import sign

    share = board._share(head.trustee)
    digest = mix_parts.head_digest(board.ctx.base_hash, head)
    signature = sign(
        mix_parts.MIX_SIGNATURE_TAG,
        (board.ctx.base_hash, base_mul(share)),
        digest,
        share,
        board.rng,
    )
    return replace(head, signature=signature)


def test_a_part_out_of_place_or_too_large_is_refused(
    ceremony: DemoCeremony, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    board = Board(ceremony, tmp_path)
    parts, _ = board.publish(board.mix(1, position=2))
    with pytest.raises(ProtocolError, match="position 1, not 2"):
        board.submit_parts(parts)
    parts, _ = board.publish(board.mix(1), rows_per_part=5)
    monkeypatch.setattr(mix_parts, "MAX_PART_CELLS", 10)  # 2 rows of 3 ciphertexts
    with pytest.raises(InvalidInput, match="holds at most 2 rows"):
        board.submit_parts(parts)
    assert not [ln for ln in board.record() if b'"mix-part"' in ln]


def test_what_anyone_but_the_trustee_sends_is_refused_before_any_row_is_decoded(
    ceremony: DemoCeremony, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No sign-in guards the mix upload: the place and the trustee's signature are
    checked on the small head, and on a part's encodings, before any part or earlier
    row is decoded."""
    from honestballot.service.board import election as service_module

    board = Board(ceremony, tmp_path)
    board.submit(board.mix(1), rows_per_part=1)  # five parts on the board
    parts, head = board.publish(board.mix(2), rows_per_part=1)
    decoded: list[int] = []
    real = service_module.mix_part_from_json

    def counting(value: Any, path: str) -> MixPart:
        decoded.append(1)
        return real(value, path)

    monkeypatch.setattr(service_module, "mix_part_from_json", counting)
    forged = replace(head, signature=parts[0].signature)
    with pytest.raises(InvalidProof, match="mix 2 of contest 'leader' by trustee 2"):
        board.submit_head(forged)
    with pytest.raises(ProtocolError, match="position 2, not 7"):
        board.submit_head(replace(head, position=7))
    with pytest.raises(InvalidProof, match="part 0 of mix 2"):
        board.submit_parts([replace(parts[0], signature=head.signature)])
    assert decoded == []
    # the trustee's own parts and mix: only its parts and the previous mix's are read
    assert board.submit_parts(parts) == [True] * 5
    decoded.clear()
    board.submit_head(head)
    assert len(decoded) == 10
    # a part sent again (by anyone: it is on the board) is answered without decoding it
    decoded.clear()
    assert board.submit_parts(parts[:1]) == [False]
    assert decoded == []


def test_a_file_sent_again_stores_nothing_twice(ceremony: DemoCeremony, tmp_path: Path) -> None:
    board = Board(ceremony, tmp_path)
    parts, head = board.publish(board.mix(1), rows_per_part=2)
    board.submit_parts(parts)
    board.submit_head(head)
    # after the mix is on the board, its parts and its head are answered as stored before
    assert board.submit_parts(parts) == [False, False, False]
    item, stored = board.service.submit_mix(MIXED, mix_head_to_json(head))
    assert (item, stored) == (head, False)
    kinds = [json.loads(raw).get("kind") for raw in board.record()]
    assert (kinds.count("mix-part"), kinds.count("mix")) == (3, 1)


def test_a_tally_raced_by_a_mix_is_refused(
    ceremony: DemoCeremony, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mix appended while the tally is computed would stand before it in the record, and
    the tally would not be the one its last mix gives: the tally is refused."""
    from honestballot.service.board import election as service_module

    board = Board(ceremony, tmp_path)
    board.submit(board.mix(1))
    board.submit(board.mix(2))
    late = board.mix(3)
    real = service_module.compute_tally

    def racing(*args: Any, **kwargs: Any) -> Any:
        board.submit(late)  # another server's upload, meanwhile
        return real(*args, **kwargs)

    monkeypatch.setattr(service_module, "compute_tally", racing)
    with pytest.raises(ProtocolError, match="a mix was published meanwhile"):
        board.service.tally(MIXED)
    monkeypatch.setattr(service_module, "compute_tally", real)
    assert board.service.phase(MIXED) == "closed"
    board.decrypt()
    report = _verify(board.record())
    assert report.passed, describe(report)


def test_a_tally_too_large_for_the_record_is_refused_while_the_election_is_closed(
    ceremony: DemoCeremony, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tally no trustee could read would leave the election stuck: it is refused, and
    the election stays closed."""
    from honestballot.service.board import election as service_module

    board = Board(ceremony, tmp_path)
    board.submit(board.mix(1))
    board.submit(board.mix(2))
    # the sums: 3 options x (total + 2 units); the mixed rows are named, not listed
    monkeypatch.setattr(service_module, "MAX_ENTRIES", 8)
    with pytest.raises(ProtocolError, match="would list 9 sums, more than the 8"):
        board.service.tally(MIXED)
    assert board.service.phase(MIXED) == "closed"
    assert not [raw for raw in board.record() if b'"kind":"tally"' in raw]
    monkeypatch.setattr(service_module, "MAX_ENTRIES", 100_000)
    board.service.max_line_bytes = 1024
    with pytest.raises(ProtocolError, match="tally event would be a record line of"):
        board.service.tally(MIXED)
    assert board.service.phase(MIXED) == "closed"


def _share_line(part: SharePart | ShareHead) -> str:
    if isinstance(part, ShareHead):
        return json.dumps({"kind": "decryption-share", "body": {"share": share_head_to_json(part)}})
    return json.dumps({"kind": "share-part", "body": share_part_to_json(part)})


def test_a_trustees_share_parts_follow_on_and_a_stopped_upload_resumes(
    ceremony: DemoCeremony, tmp_path: Path
) -> None:
    """Board rule 7: each part of a trustee's share follows on from its parts before it,
    so no trustee can add parts that cover rows again (each would cost every verifier its
    proofs); an upload that stopped half-way continues from the parts on the board."""
    board = Board(ceremony, tmp_path)
    board.submit(board.mix(2))
    board.submit(board.mix(3))
    tally = board.service.tally(MIXED)
    secret = ceremony.secrets[0]
    assert secret.key_share is not None
    base = board.ctx.base_hash

    def cut(rows: int, **kw: Any) -> tuple[list[SharePart], ShareHead]:
        share = create_decryption_share(secret, tally, board.rng)
        return publish_share(
            base, tally, share, secret.key_share, board.rng, rows_per_part=rows, **kw
        )

    parts, _ = cut(2)  # rows 0-1, 2-3, 4 of the 5 mixed rows
    for part in parts[:2]:
        assert board.service.submit_decryption_share(MIXED, _share_line(part))[1]
    # the same share made again, cut otherwise: its parts 0 and 1 are taken, and its
    # part 2 would start at row 2, which part 1 covers
    again, _ = cut(1)
    for part, shown in ((again[0], "part 0, from row 0"), (again[2], "part 2, from row 2")):
        with pytest.raises(ProtocolError, match=f"next decryption share part is part 2.*{shown}"):
            board.service.submit_decryption_share(MIXED, _share_line(part))
    # a part the board holds, sent again, is answered as stored before
    assert not board.service.submit_decryption_share(MIXED, _share_line(parts[1]))[1]
    # the upload stopped here; the trustee makes its share again from the record
    earlier = [(share_part_digest(base, p), meta_of(p)) for p in parts[:2]]
    rest, head = cut(2, earlier=earlier)
    assert [(p.index, p.offset, len(p.rows)) for p in rest] == [(2, 4, 1)]
    assert head.parts is not None and head.parts[:2] == tuple(d for d, _ in earlier)
    for item in (*rest, head):
        board.service.submit_decryption_share(MIXED, _share_line(item))
    submit_share(board.service, MIXED, ceremony.secrets[2], tally, board.rng, rows_per_part=3)
    counts = board.service.publish_result(MIXED)
    assert counts["council/m1"] == 3
    report = _verify(board.record())
    assert report.passed, describe(report)
    # and the verifier holds a record to the same rule: trustee 1's part 1 again after it
    lines = board.record()
    seen = [i for i, raw in enumerate(lines) if json.loads(raw).get("kind") == "share-part"]
    doubled = renumber([*lines[: seen[1] + 1], lines[seen[1]], *lines[seen[1] + 1 :]])
    failures = {c.name: c.detail for c in _verify(doubled).failures}
    assert "next decryption share part is part 2" in failures["board.rules"]


def test_a_trustees_mix_parts_follow_on_and_its_runs_are_bounded(
    ceremony: DemoCeremony, tmp_path: Path
) -> None:
    """Board rule 9 for parts: at one place a trustee's parts follow on, part 0 from row
    0 beginning a run, at most three runs, and no part reaches past the mixed rows, so
    nobody can make verifiers check parts without end; a trustee whose upload stopped
    with its file lost shuffles again and its new run is taken."""
    board = Board(ceremony, tmp_path)
    runs = [board.publish(board.mix(1), rows_per_part=2) for _ in range(4)]
    parts, _ = runs[0]  # rows 0-1, 2-3, 4 of the 5 counted ballots
    with pytest.raises(
        ProtocolError, match="is part 0 from row 0; this is part 1 of mix 1 from row 2"
    ):
        board.submit_parts([parts[1]])
    assert board.submit_parts(parts[:1]) == [True]
    with pytest.raises(ProtocolError, match="is part 1 of mix 1 from row 2, or part 0 from row 0"):
        board.submit_parts([parts[2]])
    # a part signed by its trustee that reaches past the five rows
    beyond = replace(parts[1], offset=4)
    digest = mix_parts.part_digest(board.ctx.base_hash, beyond)
    signature = mix_parts.sign_digest(board.ctx.base_hash, digest, board._share(1), board.rng)
    beyond = replace(beyond, signature=signature)
    with pytest.raises(InvalidInput, match="holds rows 4 to 5, but the mix has 5 rows"):
        board.submit_parts([beyond])
    # the upload stopped and the file is lost: two new shuffles begin two more runs
    for again, _ in runs[1:3]:
        assert board.submit_parts(again[:1]) == [True]
    with pytest.raises(ProtocolError, match="its 3 runs are used"):
        board.submit_parts(runs[3][0][:1])
    # the third run goes on to its end and its mix stands; the runs left behind change
    # nothing, and the record verifies
    third_parts, third_head = runs[2]
    assert board.submit_parts(third_parts[1:]) == [True, True]
    board.submit_head(third_head)
    board.submit(board.mix(3))
    board.decrypt()
    lines = board.record()
    report = _verify(lines)
    assert report.passed, describe(report)
    # the verifier holds a record to the same rule: the third run's part 1 twice
    seen = [i for i, raw in enumerate(lines) if json.loads(raw).get("kind") == "mix-part"]
    second = seen[3]  # runs 1-2 hold one part each, then the third run's parts 0, 1, 2
    doubled = renumber([*lines[: second + 1], lines[second], *lines[second + 1 :]])
    failures = {c.name: c.detail for c in _verify(doubled).failures}
    assert "this is part 1 of mix 1 from row 2" in failures["board.rules"]
