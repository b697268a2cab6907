"""A decryption share of a tally with mixed contests, published in parts
(protocol/share_parts.py, docs/record-format.md §7 "Decryption shares in parts"): the parts
and the share that names them add up to the whole share; a part that is not its trustee's,
not for this tally, out of the rows, or with one proof wrong is refused, and a share that
names its parts wrongly is refused, each with a reason."""

from __future__ import annotations

from dataclasses import replace

import pytest

from honestballot.crypto.elgamal import encrypt
from honestballot.crypto.group import Scalar, base_mul
from honestballot.crypto.randomness import SeededRandomness, random_scalar
from honestballot.errors import HonestBallotError, InvalidShare, ProtocolError
from honestballot.protocol.decryption import (
    EncryptedTally,
    MixedRows,
    TallyEntry,
    combine_valid_shares,
    create_decryption_share,
    verify_decryption_share,
)
from honestballot.protocol.mix_parts import sign_digest
from honestballot.protocol.share_parts import (
    SharePart,
    assemble,
    check_part,
    part_digest,
    part_rows,
    publish_share,
)
from honestballot.record.share_parts import (
    encoded_share_part_from_json,
    share_head_from_json,
    share_head_to_json,
    share_part_from_json,
    share_part_to_json,
)
from tests.protocol.test_decryption import ceremony

BASE = b"\xab" * 32
KEY, SECRETS = ceremony(3, 2, "share parts")
RNG = SeededRandomness("share parts tests")
#: the plaintexts of the mixed rows: 5 rows of 3, and 2 rows of 2
LEADER = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]]
RANKS = [[2, 1], [1, 0]]


def _rows(values: list[list[int]]) -> tuple[tuple[object, ...], ...]:
    return tuple(
        tuple(encrypt(KEY.public_key, v, random_scalar(RNG)) for v in row) for row in values
    )


TALLY = EncryptedTally(
    BASE,
    (TallyEntry("council/m1", encrypt(KEY.public_key, 4, random_scalar(RNG))),),
    (
        MixedRows("leader", b"\x01" * 32, ("a", "b", "c"), _rows(LEADER)),
        MixedRows("board", b"\x02" * 32, ("rank-1", "rank-2"), _rows(RANKS)),
    ),
)


def _publish(trustee: int, rows_per_part: int | None = 2) -> tuple[list[SharePart], object]:
    secret = SECRETS[trustee - 1]
    assert secret.key_share is not None
    share = create_decryption_share(secret, TALLY, RNG)
    return publish_share(BASE, TALLY, share, secret.key_share, RNG, rows_per_part=rows_per_part)


def _resign(part: SharePart, trustee: int) -> SharePart:
    key_share = SECRETS[trustee - 1].key_share
    assert key_share is not None
    return replace(part, signature=sign_digest(BASE, part_digest(BASE, part), key_share, RNG))


def test_the_tally_lists_the_sums_and_names_the_mixes() -> None:
    obj = TALLY.to_object()
    assert [e["id"] for e in obj["entries"]] == ["council/m1"]
    assert obj["mixes"] == [
        {"contest": "leader", "mix": "01" * 32, "rows": 5},
        {"contest": "board", "mix": "02" * 32, "rows": 2},
    ]
    ids = [e.id for e in TALLY.all_entries]
    assert ids[:4] == ["council/m1", "leader#0/a", "leader#0/b", "leader#0/c"]
    assert ids[-2:] == ["board#1/rank-1", "board#1/rank-2"]
    assert len(ids) == 1 + 5 * 3 + 2 * 2


def test_parts_and_head_add_up_to_the_share_and_decrypt() -> None:
    shares = []
    for trustee in (1, 3):
        parts, head = _publish(trustee)
        # 5 rows in parts of 2, 2, 1; then 2 rows in one part
        assert [(p.contest, p.offset, len(p.rows)) for p in parts] == [
            ("leader", 0, 2),
            ("leader", 2, 2),
            ("leader", 4, 1),
            ("board", 0, 2),
        ]
        by_digest = {check_part(BASE, KEY, TALLY, p): p for p in parts}
        again = share_head_from_json(share_head_to_json(head))
        assert again == head
        share = assemble(TALLY, again, by_digest)
        verify_decryption_share(KEY, TALLY, share)
        shares.append(share)
        for p in parts:  # the record form reads back to the same part and digest
            obj = share_part_to_json(p)
            assert share_part_from_json(obj, "part") == p
            assert encoded_share_part_from_json(obj, "part").digest(BASE) == part_digest(BASE, p)
    decrypted = combine_valid_shares(KEY, TALLY, shares, parts_checked=True)
    values = {e.id: e.plaintext for e in decrypted.entries}
    assert values["council/m1"] == base_mul(Scalar(4))
    for i, row in enumerate(LEADER):
        for slot, v in zip("abc", row, strict=True):
            assert values[f"leader#{i}/{slot}"] == base_mul(Scalar(v))


def test_a_tally_without_mixes_has_no_parts() -> None:
    plain = EncryptedTally(BASE, TALLY.entries)
    secret = SECRETS[0]
    assert secret.key_share is not None
    share = create_decryption_share(secret, plain, RNG)
    parts, head = publish_share(BASE, plain, share, secret.key_share, RNG)
    assert parts == [] and head.parts is None
    assert "parts" not in share_head_to_json(head)
    assert "mixes" not in plain.to_object()
    assert assemble(plain, head, {}) == share
    with pytest.raises(InvalidShare, match="does not name the parts"):
        assemble(TALLY, replace(head, tally_hash=TALLY.hash), {})


def test_a_part_is_refused_unless_it_is_its_trustees_for_this_tally() -> None:
    parts, _ = _publish(1)
    part = parts[1]
    d, proof = part.rows[0][0]
    changed = ((d + base_mul(Scalar(1)), proof), *part.rows[0][1:])
    cases: list[tuple[SharePart, type[HonestBallotError], str]] = [
        # another trustee cannot sign in trustee 1's name
        (_resign(part, 2), HonestBallotError, "Schnorr proof does not verify"),
        # a changed share, even re-signed by its trustee, fails its proof (named)
        (
            _resign(replace(part, rows=(changed, *part.rows[1:])), 1),
            InvalidShare,
            "entry 'leader#2/a'",
        ),
        # the same shares moved to other rows fail their proofs (the entry id is bound)
        (_resign(replace(part, offset=0), 1), InvalidShare, "entry 'leader#0/a'"),
        (_resign(replace(part, tally_hash=b"\x05" * 32), 1), ProtocolError, "another tally"),
        (_resign(replace(part, contest="council"), 1), ProtocolError, "not a mixed contest"),
        (_resign(replace(part, offset=4), 1), ProtocolError, "rows 4 to 5 are not all rows"),
        (_resign(replace(part, trustee=4), 1), ProtocolError, "trustee 4 is not a trustee"),
        (
            _resign(replace(part, rows=(part.rows[0][:2], part.rows[1])), 1),
            HonestBallotError,
            "holds 3 shares",
        ),
    ]
    for bad, error, text in cases:
        with pytest.raises(error, match=text):
            check_part(BASE, KEY, TALLY, bad)
    check_part(BASE, KEY, TALLY, part)


def test_a_share_must_name_its_parts_in_order() -> None:
    parts, head = _publish(1)
    other_parts, _ = _publish(3)
    by_digest = {part_digest(BASE, p): p for p in [*parts, *other_parts]}
    names = list(head.parts or ())
    swapped = [names[1], names[0], *names[2:]]
    cases = [
        (names[:-1], "its parts end at row 0 of contest 'board'"),
        (names[:2] + names[3:], "part 2 is part 3"),
        (swapped, "part 0 is part 1"),
        ([*names, names[0]], "names 1 parts too many"),
        ([part_digest(BASE, other_parts[0]), *names[1:]], "part 0 is part 0 of trustee 3"),
        ([b"\x09" * 32, *names[1:]], "is not on the board"),
    ]
    for named, text in cases:
        with pytest.raises(InvalidShare, match=text):
            assemble(TALLY, replace(head, parts=tuple(named)), by_digest)
    with pytest.raises(InvalidShare, match="is event 7, which is not a valid part"):
        assemble(TALLY, head, {}, {names[0]: 7})


def test_a_part_holds_at_most_its_cells() -> None:
    assert part_rows(1) == 131072 and part_rows(5) == 26214 and part_rows(10) == 13107
    parts, _ = _publish(1, rows_per_part=10**6)  # as many as a part may hold
    assert [len(p.rows) for p in parts] == [5, 2]
    cell = parts[0].rows[0][0]
    huge = _resign(replace(parts[0], rows=((cell, cell, cell),) * (part_rows(3) + 1)), 1)
    with pytest.raises(HonestBallotError, match="at most 43690 rows"):
        check_part(BASE, KEY, TALLY, huge)
