"""The service keeps no randomness of a board ciphertext (docs/coercion.md §2.6, "What the
service keeps"): after registrations, a replacement, casts and an audit made with a
seeded service randomness that records every draw, no scalar the service drew (the
randomness of each ``Enc(R)`` and counter, and the nonces of their proofs) appears in
any stored value of any table, in any spelling; no column is meant for one; and no such
scalar is still held by the service's process once the requests are answered.  The same
holds for what the batches and the close draw: cover rows and registrations, and the
order of each batch (service/board/batches.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any, Final

import pytest
from sqlalchemy import select

from honestballot.crypto.group import Scalar
from honestballot.crypto.randomness import SeededRandomness
from honestballot.store.schema import metadata
from tests.factories import (
    REVOTING_ELECTION,
    DemoCeremonies,
    RevotingElection,
    WebElection,
    open_revoting_election,
)


class RecordingRandomness:
    """A seeded stream that remembers every draw (what the service drew, to look for)."""

    def __init__(self, seed: str) -> None:
        self.inner = SeededRandomness(seed)
        self.draws: list[bytes] = []

    def random_bytes(self, n: int) -> bytes:
        out = self.inner.random_bytes(n)
        self.draws.append(out)
        return out

    def scalars(self) -> list[Scalar]:
        """The scalars made of 64-byte draws (random_scalar): ciphertexts' randomness and
        proofs' nonces; 32-byte draws are the registration nonces, which are kept."""
        return [Scalar.from_uniform_bytes(d) for d in self.draws if len(d) == 64]


#: every column the service keeps for re-voting protection (a new one must be added here,
#: after asking whether it could hold randomness)
REVOTING_COLUMNS = {
    "registration_nonces": {
        "nonce_id", "election_id", "nonce", "voter_id", "session", "revokes_point",
        "revokes", "revokes_proof", "used", "created_ms",
    },
    "revoting_credentials": {
        "election_id", "tag_point", "tag_secret", "voting_point", "voter_id",
        "counter_start", "ballots", "created_ms", "audits",
    },
    "board_queue": {
        "item_id", "election_id", "kind", "tracking_hash", "body", "created_ms", "posted_seq",
    },
    "revoting_alphas": {"election_id", "alpha", "tracking_hash", "audited"},
    "revoting_batches": {
        "election_id", "batch_index", "seq", "time_ms", "real_rows", "real_registrations",
        "cover_rows", "cover_registrations", "longest_wait_ms",
    },
    # the secret a cover replacement's made-up voter and credentials derive from (not a
    # ciphertext's randomness: a letter and two seeds, kept until the close)
    "cover_replacements": {
        "election_id", "cover_id", "secret", "first_batch", "second_batch", "first_seq",
        "ballots", "ballots_posted", "counter_start", "second_seq",
    },
}  # fmt: skip


@pytest.fixture
def election(web: WebElection, demo_ceremony: DemoCeremonies) -> Iterator[RevotingElection]:
    ceremony = demo_ceremony(REVOTING_ELECTION)
    yield open_revoting_election(web, ceremony, SeededRandomness("revoting election"))


def _needles(scalars: list[Scalar], draws: list[bytes]) -> tuple[set[bytes], set[str], set[int]]:
    raw = {s.encode() for s in scalars} | {d for d in draws if len(d) == 64}
    raw |= {s.value.to_bytes(32, "big") for s in scalars}
    texts = {b.hex() for b in raw} | {str(s.value) for s in scalars}
    return raw, texts, {s.value for s in scalars}


def _found(value: Any, raw: set[bytes], texts: set[str], ints: set[int]) -> bool:
    if isinstance(value, bytes | bytearray | memoryview):
        # every raw needle's hex is among the texts: a search of the value's hex finds
        # both spellings (and a hex text at an odd place, which is stricter)
        return _search(texts, bytes(value).hex())
    if isinstance(value, str):
        return _search(texts, value.lower())
    if isinstance(value, int) and not isinstance(value, bool):
        return value in ints
    return False


_GRAM: Final = 16
_GRAMS: dict[frozenset[str], dict[str, set[str]]] = {}


def _search(texts: set[str], haystack: str) -> bool:
    """Whether any of ``texts`` is in ``haystack``.  Every text is at least ``2·16 − 1``
    characters long, so an occurrence covers a whole 16-character window starting at a
    multiple of 16: the haystack's windows there are looked up among every text's
    16-character pieces, and a text holding the piece is then searched for in full."""
    key = frozenset(texts)
    if key not in _GRAMS:
        assert min(map(len, texts)) >= 2 * _GRAM - 1
        grams: dict[str, set[str]] = {}
        for t in texts:
            for o in range(len(t) - _GRAM + 1):
                grams.setdefault(t[o : o + _GRAM], set()).add(t)
        _GRAMS[key] = grams
    grams = _GRAMS[key]
    for j in range(0, len(haystack) - _GRAM + 1, _GRAM):
        found = grams.get(haystack[j : j + _GRAM])
        if found is not None and any(t in haystack for t in found):
            return True
    return False


def test_no_randomness_of_a_board_ciphertext_is_stored_or_kept(
    election: RevotingElection,
) -> None:
    services = election.web.services
    recorder = RecordingRandomness("the service's randomness")
    services.revoting.rng = recorder
    voters = [election.device(nid, f"device {nid}") for nid in ("900101300001", "900101300002")]
    for voter in voters:
        seed, answer = voter.register()
        assert answer.status_code == 201, answer.text
        for _ in range(2):
            assert voter.cast(*voter.ballot(seed)[::2]).status_code == 201
        ballot, opening, private = voter.ballot(seed)
        assert voter.audit(ballot, opening, private).status_code == 200
    replaced, answer = voters[0].register()  # a replacement
    assert answer.status_code == 201
    assert voters[0].cast(*voters[0].ballot(replaced)[::2]).status_code == 201
    voters[1].start()  # a nonce issued and never used
    # a batch with cover, then the close with its block (service/board/batches.py), made
    # with a recorded randomness of their own
    poster = RecordingRandomness("the batches' randomness")
    services.batches.rng = poster
    open_ms = services.batches.open_ms(election.id)
    assert open_ms is not None
    now = [open_ms + 60_000]
    services.elections.clock = lambda: now[0]
    assert services.batches.post_due(election.id) == 1
    assert voters[1].cast(*voters[1].ballot(seed)[::2]).status_code == 201
    now[0] += 1
    services.elections.close(election.id)

    scalars = recorder.scalars()
    # 4 starts (Enc(R)'s randomness, its proof's nonce) and 6 casts (the counter's, its
    # proof's): the audits and the registrations themselves draw nothing
    assert len(scalars) == 2 * 4 + 2 * 6
    # cover rows and registrations for two batches: ciphertexts' randomness, proofs'
    # nonces, the cover voters' activation scalars
    assert len(poster.scalars()) > 100
    scalars += poster.scalars()
    raw, texts, ints = _needles(scalars, recorder.draws + poster.draws)
    stored = 0
    with services.store.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                for column, value in zip(table.columns, row, strict=True):
                    stored += 1
                    assert not _found(value, raw, texts, ints), (table.name, column.name)
    assert stored > 500  # the dump saw the board, the roll and the re-voting tables

    # no column is meant for randomness
    for table in metadata.sorted_tables:
        for column in table.columns:
            assert "random" not in column.name, (table.name, column.name)
    for name, columns in REVOTING_COLUMNS.items():
        assert {c.name for c in metadata.tables[name].columns} == columns
    assert "revocation_point" in metadata.tables["voters"].columns

    # the process holds no drawn scalar once the answers are given (the test's own list
    # of them let go first)
    values = {s.value for s in scalars}
    del scalars
    gc.collect()
    held = [o for o in gc.get_objects() if isinstance(o, Scalar) and o.value in values]
    assert held == []


def test_the_check_finds_a_stored_scalar(election: RevotingElection) -> None:
    """The search above can fail: a scalar written into a stored value is found."""
    scalar = Scalar.from_uniform_bytes(bytes(range(64)))
    raw, texts, ints = _needles([scalar], [])
    assert _found(b"xx" + scalar.encode() + b"yy", raw, texts, ints)
    assert _found('{"r": "' + scalar.hex() + '"}', raw, texts, ints)
    assert not _found(bytes(32), raw, texts, ints)
    kept = [Scalar.of(scalar.value)]  # a scalar some object still holds is found
    gc.collect()
    assert [o for o in gc.get_objects() if isinstance(o, Scalar) and o.value == scalar.value]
    del kept
