"""A contest counted by mixing, checked by hbcheck.py (standard library only, written
from docs/record-format.md and docs/shuffle.md): the manifest hash with its mixed contest,
on the setup of an election with re-voting protection (created, not opened:
``protected_setup``), and the rows such a contest admits.  The close's mixed column is
replayed in test_close_paths_independent.py.

``honestballot`` is imported only to *make* the election (and, where said, to compare
with its own values).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.protocol.election import manifest_hash
from honestballot.protocol.manifest import Contest, Label, Manifest, Option, Unit
from honestballot.service.board.election import ElectionService
from honestballot.store.sql import SqlStore
from tests.factories import SMALL_SCHEDULE, key_ceremony

from . import hbcheck as hb

ELECTION = "mixed-independent"


def lab(en: str) -> Label:
    return Label(f"{en} (рус)", f"{en} (қаз)", en)


def mixed_manifest() -> Manifest:
    """A summed contest (with against-all), and a mixed one with both exclusive options
    (five ciphertexts a row), over two units broken out."""
    mayor = Contest(
        "mayor", lab("Mayor"), tuple(Option(f"m{i}", lab(f"M{i}")) for i in (1, 2, 3)), 1, 1, True
    )
    leader = Contest(
        "leader",
        lab("Leader"),
        tuple(Option(x, lab(x.upper())) for x in "abc"),
        0,
        2,
        True,
        count="mix",
    )
    units = (Unit("north", lab("North")), Unit("south", lab("South")))
    return Manifest(ELECTION, lab("Mixed"), (mayor, leader), units, 2)


@pytest.fixture(scope="module")
def protected_setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], bytes]:
    """The setup event's body of the mixed manifest's election with re-voting protection
    (an organiser's key and a batch schedule), as the service created it, and the base
    hash honestballot gives it."""
    directory = tmp_path_factory.mktemp("mixed-protected")
    ceremony = key_ceremony(mixed_manifest(), directory, f"{ELECTION} protected")
    rng = SeededRandomness("mixed-independent protected")
    service = ElectionService(SqlStore(f"sqlite:///{directory}/store.sqlite"), rng)
    try:
        ctx = service.create(
            ceremony.manifest, ceremony.key,
            organiser_key=base_mul(random_nonzero_scalar(rng)), schedule=SMALL_SCHEDULE,
        )  # fmt: skip
        setup = service.setup_body(ELECTION)
    finally:
        service.store.close()
    return setup, ctx.base_hash


def test_manifest_hash_with_a_mixed_contest(
    protected_setup: tuple[dict[str, Any], bytes],
) -> None:
    setup, base = protected_setup
    assert "schedule" in setup  # an election with re-voting protection
    manifest = setup["manifest"]
    # only the mixed contest says how it is counted
    assert [c.get("count") for c in manifest["contests"]] == [None, "mix"]
    assert hb.manifest_hash(manifest) == manifest_hash(mixed_manifest())
    # the base hash the ballots (and the close) are bound to, as honestballot has it
    assert hb.setup_base_hash(setup) == base
    # the mixed contest's tuple has a seventh part, T "mix"; without it the hash differs
    leader = hb.manifest_parts(manifest)[2].data
    assert leader.endswith(b"T" + hb.u64(3) + b"mix")
    summed = copy.deepcopy(manifest)
    del summed["contests"][1]["count"]
    assert hb.manifest_hash(summed) != hb.manifest_hash(manifest)
    explicit = copy.deepcopy(summed)
    explicit["contests"][1]["count"] = "sum"  # "sum" hashes as the key's absence
    assert hb.manifest_hash(explicit) == hb.manifest_hash(summed)
    explicit["contests"][1]["count"] = "shuffle"
    with pytest.raises(ValueError, match="count"):
        hb.manifest_hash(explicit)


def test_admissible_rows() -> None:
    leader = {
        "min_selections": 0,
        "max_selections": 2,
        "against_all": True,
        "options": [{"id": x, "label": {}} for x in "abc"],
    }
    for row, ok in [
        ((1, 1, 0, 0, 0), True),
        ((0, 0, 1, 0, 0), True),
        ((0, 0, 0, 1, 0), True),
        ((0, 0, 0, 0, 1), True),
        ((1, 1, 1, 0, 0), False),  # over-vote
        ((0, 0, 0, 0, 0), False),  # with an explicit blank, no empty ballot
        ((1, 0, 0, 0, 1), False),  # an exclusive option with another
        ((0, 0, 0, 1, 1), False),
        ((2, 0, 0, 0, 0), False),
        ((1, 0, 0, 0), False),  # a row of the wrong width
    ]:
        assert hb.admissible(leader, row) is ok, row
