"""RFC 9162 Merkle tree: known-answer vectors, property tests and tamper tests.

The known-answer vectors are the standard RFC 6962 / RFC 9162 test data used by
Certificate Transparency implementations, copied (data only) from
github.com/transparency-dev/merkle: ``testonly/constants.go`` (leaf inputs, node hashes,
root hashes), ``testonly/reference_test.go`` and ``proof/verify_test.go`` (inclusion and
consistency proofs).
"""

from __future__ import annotations

import hashlib
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honestballot.crypto.merkle import (
    EMPTY_ROOT,
    TREE_HEAD_TAG,
    MerkleTree,
    TreeHead,
    leaf_hash,
    node_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from honestballot.errors import LogError

# --- Known-answer vectors (transparency-dev/merkle testonly + proof tests) -----------------

LEAF_INPUTS = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]

# NodeHashes()[0]: the leaf hashes of LEAF_INPUTS.
LEAF_HASHES = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
]

# NodeHashes()[1..3]: complete subtrees of 2, 4 and 8 leaves.
LEVEL_HASHES = {
    1: [
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    2: [
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    3: ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
}

# RootHashes(): index = tree size.
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]

# (leaf index (0-based), tree size, PATH).
INCLUSION_VECTORS = [
    (0, 1, []),
    (0, 2, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"]),
    (1, 2, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]

# (old size, new size, PROOF).
CONSISTENCY_VECTORS = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]


def _hexes(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


@pytest.fixture(scope="module")
def kat_tree() -> MerkleTree:
    return MerkleTree.from_entries(LEAF_INPUTS)


def test_empty_root_is_sha256_of_nothing() -> None:
    assert bytes.fromhex(ROOTS[0]) == EMPTY_ROOT
    assert MerkleTree().root() == EMPTY_ROOT
    assert root_hash([]) == EMPTY_ROOT


def test_leaf_hash_vectors() -> None:
    assert [leaf_hash(d).hex() for d in LEAF_INPUTS] == LEAF_HASHES


def test_complete_subtree_vectors(kat_tree: MerkleTree) -> None:
    for height, hashes in LEVEL_HASHES.items():
        width = 1 << height
        for position, expected in enumerate(hashes):
            leaves = [
                bytes.fromhex(h) for h in LEAF_HASHES[position * width : (position + 1) * width]
            ]
            assert root_hash(leaves).hex() == expected
    first_pair = node_hash(bytes.fromhex(LEAF_HASHES[0]), bytes.fromhex(LEAF_HASHES[1]))
    assert first_pair.hex() == LEVEL_HASHES[1][0]


@pytest.mark.parametrize("size", range(9))
def test_root_vectors(kat_tree: MerkleTree, size: int) -> None:
    assert kat_tree.root(size).hex() == ROOTS[size]
    assert MerkleTree.from_entries(LEAF_INPUTS[:size]).root().hex() == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION_VECTORS)
def test_inclusion_vectors(kat_tree: MerkleTree, index: int, size: int, path: list[str]) -> None:
    assert [p.hex() for p in kat_tree.inclusion_proof(index, size)] == path
    root = bytes.fromhex(ROOTS[size])
    verify_inclusion(leaf_hash(LEAF_INPUTS[index]), index, size, _hexes(path), root)


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY_VECTORS)
def test_consistency_vectors(kat_tree: MerkleTree, old: int, new: int, path: list[str]) -> None:
    assert [p.hex() for p in kat_tree.consistency_proof(old, new)] == path
    verify_consistency(old, new, bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new]), _hexes(path))


@pytest.mark.parametrize(("old", "new", "path"), [v for v in CONSISTENCY_VECTORS if v[2]])
def test_consistency_vector_tampering(old: int, new: int, path: list[str]) -> None:
    root1, root2, proof = bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new]), _hexes(path)
    some_hash = hashlib.sha256(b"some other hash").digest()
    probes = [
        (old - 1, new, root1, root2, proof),
        (old + 1, new, root1, root2, proof),
        (old ^ 2, new, root1, root2, proof),
        (old, new * 2, root1, root2, proof),
        (old, new // 2, root1, root2, proof),
        (old, new, some_hash, root2, proof),
        (old, new, root1, some_hash, proof),
        (old, new, root2, root1, proof),
        (old, new, root1, root2, []),
        (old, new, root1, root2, [*proof, root1]),
        (old, new, root1, root2, [*proof, root2]),
        (old, new, root1, root2, [root1, *proof]),
        (old, new, root1, root2, [proof[0], *proof]),
        (old, new, root1, root2, proof[:-1]),
    ]
    for a, b, r1, r2, p in probes:
        with pytest.raises(LogError):
            verify_consistency(a, b, r1, r2, p)


# --- Reference implementation straight from the RFC definitions --------------------------


def _reference_mth(leaves: list[bytes]) -> bytes:
    """MTH by the RFC 9162 section 2.1.1 recursion over raw entries."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(
        b"\x01" + _reference_mth(leaves[:k]) + _reference_mth(leaves[k:])
    ).digest()


def _entries(salt: bytes, count: int) -> list[bytes]:
    """Distinct entries, so that no two leaves (or subtrees) share a hash."""
    return [salt + i.to_bytes(4, "big") for i in range(count)]


def _flip(value: bytes, bit: int = 0) -> bytes:
    return bytes([value[0] ^ (1 << bit)]) + value[1:]


salts = st.binary(max_size=8)
tree_sizes = st.integers(min_value=1, max_value=300)


@settings(max_examples=60, deadline=None)
@given(salt=salts, size=st.integers(min_value=0, max_value=300))
def test_root_matches_reference(salt: bytes, size: int) -> None:
    entries = _entries(salt, size)
    tree = MerkleTree.from_entries(entries)
    assert tree.root() == _reference_mth(entries)
    assert root_hash([leaf_hash(e) for e in entries]) == tree.root()
    for n in {n for n in (0, 1, size // 2, size - 1, size) if 0 <= n <= size}:
        assert tree.root(n) == _reference_mth(entries[:n])


@settings(max_examples=40, deadline=None)
@given(salt=salts, size=tree_sizes)
def test_every_inclusion_proof_verifies(salt: bytes, size: int) -> None:
    tree = MerkleTree.from_entries(_entries(salt, size))
    root = tree.root()
    for index in range(size):
        proof = tree.inclusion_proof(index, size)
        assert len(proof) <= math.ceil(math.log2(size))
        verify_inclusion(tree.leaf(index), index, size, proof, root)


@settings(max_examples=100, deadline=None)
@given(salt=salts, data=st.data())
def test_inclusion_tampering_is_caught(salt: bytes, data: st.DataObject) -> None:
    tree = MerkleTree.from_entries(_entries(salt, 310))
    size = data.draw(tree_sizes, label="size")
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    leaf, root = tree.leaf(index), tree.root(size)
    proof = tree.inclusion_proof(index, size)
    verify_inclusion(leaf, index, size, proof, root)

    def rejects(i: int, n: int, p: list[bytes], r: bytes, lf: bytes = leaf) -> None:
        with pytest.raises(LogError):
            verify_inclusion(lf, i, n, p, r)

    # Each proof element, every bit position checked somewhere across examples.
    bit = data.draw(st.integers(min_value=0, max_value=7), label="bit")
    for k in range(len(proof)):
        rejects(index, size, [*proof[:k], _flip(proof[k], bit), *proof[k + 1 :]], root)
    if proof:
        rejects(index, size, proof[:-1], root)
    rejects(index, size, [*proof, root], root)
    rejects(index, size, [root, *proof], root)
    # Any other index in this tree.
    for other in range(size):
        if other != index:
            rejects(other, size, proof, root)
    rejects(index, size, proof, root, lf=_flip(leaf))
    # The size: doubling or halving it always breaks the path's shape.
    rejects(index, size * 2, proof, root)
    rejects(index, size // 2, proof, root)
    # Another size with that size's real root (a log lying about which tree holds the leaf).
    other_size = data.draw(st.integers(min_value=index + 1, max_value=310), label="other size")
    if tree.inclusion_proof(index, other_size) != proof:
        rejects(index, other_size, proof, tree.root(other_size))
    # The root.
    rejects(index, size, proof, _flip(root))
    for n in (size - 1, size + 1):
        if n > 0:
            rejects(index, size, proof, tree.root(n))


@settings(max_examples=100, deadline=None)
@given(salt=salts, data=st.data())
def test_consistency_proofs_verify_and_tampering_is_caught(
    salt: bytes, data: st.DataObject
) -> None:
    tree = MerkleTree.from_entries(_entries(salt, 310))
    new = data.draw(tree_sizes, label="new")
    old = data.draw(st.integers(min_value=1, max_value=new), label="old")
    old_root, new_root = tree.root(old), tree.root(new)
    proof = tree.consistency_proof(old, new)
    verify_consistency(old, new, old_root, new_root, proof)
    if old == new:
        assert proof == []
        return

    def rejects(m: int, n: int, r1: bytes, r2: bytes, p: list[bytes]) -> None:
        with pytest.raises(LogError):
            verify_consistency(m, n, r1, r2, p)

    bit = data.draw(st.integers(min_value=0, max_value=7), label="bit")
    for k in range(len(proof)):
        rejects(old, new, old_root, new_root, [*proof[:k], _flip(proof[k], bit), *proof[k + 1 :]])
    rejects(old, new, old_root, new_root, [])
    rejects(old, new, old_root, new_root, proof[:-1])
    rejects(old, new, old_root, new_root, [*proof, new_root])
    rejects(old, new, old_root, new_root, [old_root, *proof])
    rejects(old, new, _flip(old_root), new_root, proof)
    rejects(old, new, old_root, _flip(new_root), proof)
    rejects(old, new, new_root, old_root, proof)
    # Any other old size (same roots): always caught.
    for other in range(new + 2):
        if other != old:
            rejects(other, new, old_root, new_root, proof)
    # Doubling or halving the new size.
    rejects(old, new * 2, old_root, new_root, proof)
    rejects(old, new // 2, old_root, new_root, proof)
    # Other sizes with their real roots.
    other_old = data.draw(st.integers(min_value=1, max_value=new), label="other old")
    if other_old != old and tree.consistency_proof(other_old, new) != proof:
        rejects(other_old, new, tree.root(other_old), new_root, proof)
    other_new = data.draw(st.integers(min_value=old, max_value=310), label="other new")
    if other_new != new and tree.consistency_proof(old, other_new) != proof:
        rejects(old, other_new, old_root, tree.root(other_new), proof)


@settings(max_examples=30, deadline=None)
@given(salt=salts, size=st.integers(min_value=0, max_value=70))
def test_appending_keeps_every_earlier_tree(salt: bytes, size: int) -> None:
    entries = _entries(salt, size)
    tree = MerkleTree()
    heads = []
    for i, e in enumerate(entries):
        assert tree.append(e) == i
        heads.append(tree.root())
    for n, head in enumerate(heads, start=1):
        assert tree.root(n) == head == _reference_mth(entries[:n])
        verify_consistency(n, size, head, tree.root(), tree.consistency_proof(n, size))


# --- Edge cases and argument validation -------------------------------------------------


def test_argument_validation(kat_tree: MerkleTree) -> None:
    with pytest.raises(LogError):
        kat_tree.inclusion_proof(8, 8)
    with pytest.raises(LogError):
        kat_tree.inclusion_proof(0, 0)
    with pytest.raises(LogError):
        kat_tree.inclusion_proof(-1, 8)
    with pytest.raises(LogError):
        kat_tree.root(9)
    with pytest.raises(LogError):
        kat_tree.consistency_proof(5, 4)
    with pytest.raises(LogError):
        kat_tree.consistency_proof(0, 4)
    with pytest.raises(LogError):
        kat_tree.consistency_proof(1, 9)
    with pytest.raises(LogError):
        kat_tree.append_hash(b"short")
    assert kat_tree.consistency_proof(0, 0) == []
    assert kat_tree.consistency_proof(4, 4) == []


def test_verify_edge_cases() -> None:
    h = leaf_hash(b"data")
    verify_inclusion(h, 0, 1, [], h)
    with pytest.raises(LogError):
        verify_inclusion(h, 0, 0, [], h)
    with pytest.raises(LogError):
        verify_inclusion(h, 1, 1, [], h)
    with pytest.raises(LogError):
        verify_inclusion(h, 0, 1, [], EMPTY_ROOT)
    with pytest.raises(LogError):
        verify_inclusion(b"", 0, 1, [], h)
    with pytest.raises(LogError):
        verify_inclusion(h, 0, 2, [b"short"], h)
    # Equal sizes: empty proof, equal roots.
    verify_consistency(1, 1, h, h, [])
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    with pytest.raises(LogError):
        verify_consistency(1, 1, h, EMPTY_ROOT, [])
    with pytest.raises(LogError):
        verify_consistency(1, 1, h, h, [h])
    with pytest.raises(LogError):
        verify_consistency(0, 0, h, h, [])
    # From the empty tree: not provable.
    with pytest.raises(LogError):
        verify_consistency(0, 1, EMPTY_ROOT, h, [])
    # Time travel.
    with pytest.raises(LogError):
        verify_consistency(2, 1, h, h, [h])
    with pytest.raises(LogError):
        verify_consistency(1, 2, h, h, [])


# --- Large logs ----------------------------------------------------------------------------


def test_large_tree_proofs_are_logarithmic() -> None:
    size = 100_000
    tree = MerkleTree()
    for i in range(size):
        tree.append(i.to_bytes(4, "big"))
    assert len(tree) == size
    bound = math.ceil(math.log2(size)) + 1
    root = tree.root()
    for index in (0, 1, 54_321, 65_535, 65_536, size - 1):
        proof = tree.inclusion_proof(index, size)
        assert len(proof) <= bound
        verify_inclusion(leaf_hash(index.to_bytes(4, "big")), index, size, proof, root)
    for old in (1, 3, 65_536, 77_777, size - 1):
        proof = tree.consistency_proof(old, size)
        assert len(proof) <= bound
        verify_consistency(old, size, tree.root(old), root, proof)
    middle = tree.inclusion_proof(12_345, 77_777)
    verify_inclusion(tree.leaf(12_345), 12_345, 77_777, middle, tree.root(77_777))


# --- Tree heads ------------------------------------------------------------------------------


def test_tree_head_signing_bytes(kat_tree: MerkleTree) -> None:
    head = kat_tree.tree_head(8, timestamp_ms=1_700_000_000_000)
    assert head == TreeHead(size=8, root=bytes.fromhex(ROOTS[8]), timestamp_ms=1_700_000_000_000)
    msg = head.signing_bytes(b"log-1")
    assert msg.startswith(bytes([len(TREE_HEAD_TAG)]) + b"honestballot/v1/tree-head")
    assert msg.endswith(head.root)
    assert len(msg) == 1 + len(TREE_HEAD_TAG) + 2 + 5 + 8 + 8 + 32
    others = {
        TreeHead(7, kat_tree.root(7), head.timestamp_ms).signing_bytes(b"log-1"),
        TreeHead(8, head.root, head.timestamp_ms + 1).signing_bytes(b"log-1"),
        head.signing_bytes(b"log-2"),
    }
    assert msg not in others and len(others) == 3
    with pytest.raises(AttributeError):
        head.size = 9  # type: ignore[misc]


def test_tree_head_validation() -> None:
    root = bytes(32)
    with pytest.raises(LogError):
        TreeHead(size=-1, root=root, timestamp_ms=0)
    with pytest.raises(LogError):
        TreeHead(size=1, root=b"short", timestamp_ms=0)
    with pytest.raises(LogError):
        TreeHead(size=1, root=root, timestamp_ms=-5)
    with pytest.raises(LogError):
        TreeHead(size=0, root=root, timestamp_ms=0)
    with pytest.raises(LogError):
        TreeHead(size=1, root=root, timestamp_ms=0).signing_bytes(b"")
    TreeHead(size=0, root=EMPTY_ROOT, timestamp_ms=0)
