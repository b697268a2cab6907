"""The public board's Merkle tree: RFC 9162 (Certificate Transparency v2) section 2.1.

Hashing (RFC 9162 section 2.1.1), with SHA-256::

    MTH({})        = SHA-256()                                   (the empty tree)
    MTH({d(0)})    = SHA-256(0x00 || d(0))                       (a leaf)
    MTH(D[n])      = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])) (k: largest power of 2 < n)

The 0x00 / 0x01 prefixes separate leaves from interior nodes; they are the RFC's own
domain separation, so these hashes deliberately do *not* go through
:mod:`honestballot.crypto.hashing` -- any RFC 9162 verifier must be able to check them.

:class:`MerkleTree` keeps every complete power-of-two subtree hash (one array per level),
so appending is amortised O(1) and ``root(n)``, ``inclusion_proof(i, n)`` and
``consistency_proof(m, n)`` cost O(log n) hashes for any earlier size ``n``.

Verification (:func:`verify_inclusion`, :func:`verify_consistency`) follows the RFC 9162
sections 2.1.3.2 and 2.1.4.2 algorithms step by step; it returns ``None`` or raises
:class:`~honestballot.errors.LogError` naming what failed.

Edge cases, as decided here:

* ``inclusion_proof(i, n)`` needs ``0 <= i < n``; for ``n == 1`` the proof is empty.
* ``consistency_proof(m, m)`` is the empty proof, and verifying it checks that the two
  roots are equal (RFC 9162 defines proofs only for ``m < n``).
* A consistency proof from the empty tree (``old_size == 0``) does not exist: every tree
  extends the empty tree, so there is nothing to prove.  ``consistency_proof(0, 0)`` is
  the empty proof (both roots must be the empty root); ``(0, n)`` with ``n > 0`` raises.

A :class:`TreeHead` is what the log signs; :meth:`TreeHead.signing_bytes` is the exact
message, and it binds size, root, timestamp and log identity together -- the size is
what gives a root its meaning, since the RFC verification algorithms use the size only
to decide the shape of a path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from honestballot.crypto.hashing import PROTOCOL_PREFIX
from honestballot.errors import LogError

HASH_LEN: Final = 32

#: MTH({}) -- the hash of the empty tree: SHA-256 of the empty string.
EMPTY_ROOT: Final = hashlib.sha256(b"").digest()

_LEAF_PREFIX: Final = b"\x00"
_NODE_PREFIX: Final = b"\x01"

#: Domain tag at the start of every tree-head signing message.
TREE_HEAD_TAG: Final = PROTOCOL_PREFIX + b"/tree-head"

_U64_LIMIT: Final = 2**64


def leaf_hash(data: bytes) -> bytes:
    """The hash of one log entry: SHA-256(0x00 || data) (RFC 9162 section 2.1.1)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: SHA-256(0x01 || left || right) (RFC 9162 section 2.1.1)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two strictly below ``size`` (needs ``size >= 2``)."""
    return 1 << ((size - 1).bit_length() - 1)


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over a list of leaf hashes (RFC 9162 section 2.1.1); O(n) hashes, no caching."""
    if not leaf_hashes:
        return EMPTY_ROOT
    if len(leaf_hashes) == 1:
        return leaf_hashes[0]
    k = _split(len(leaf_hashes))
    return node_hash(root_hash(leaf_hashes[:k]), root_hash(leaf_hashes[k:]))


def _check_hash(value: object, what: str) -> bytes:
    if not isinstance(value, bytes) or len(value) != HASH_LEN:
        raise LogError(f"{what} must be {HASH_LEN} bytes")
    return value


def _check_size(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise LogError(f"{what} must be an integer")
    if not 0 <= value < _U64_LIMIT:
        raise LogError(f"{what} out of range [0, 2^64): {value}")
    return value


class MerkleTree:
    """An append-only RFC 9162 Merkle tree over leaf hashes.

    ``_levels[h]`` holds, packed 32 bytes apiece, the hashes of the complete subtrees of
    ``2**h`` leaves, left to right; level 0 is the leaf hashes.  A subtree hash is added
    as soon as its last leaf arrives, so every earlier tree size is still answerable.
    """

    __slots__ = ("_levels",)

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[bytearray] = [bytearray()]
        for h in leaf_hashes:
            self.append_hash(h)

    @classmethod
    def from_entries(cls, entries: Iterable[bytes]) -> MerkleTree:
        """A tree whose leaves are ``leaf_hash(entry)`` for each entry, in order."""
        return cls(leaf_hash(e) for e in entries)

    def __len__(self) -> int:
        return len(self._levels[0]) // HASH_LEN

    @property
    def size(self) -> int:
        """The number of leaves."""
        return len(self)

    def append(self, entry: bytes) -> int:
        """Append ``leaf_hash(entry)``; return the new leaf's index."""
        return self.append_hash(leaf_hash(entry))

    def append_hash(self, leaf: bytes) -> int:
        """Append an already computed leaf hash; return its index.  Amortised O(1)."""
        _check_hash(leaf, "leaf hash")
        index = len(self)
        self._levels[0] += leaf
        height, count = 0, index + 1
        # A node completes at every level where the count of nodes becomes even.
        while count % 2 == 0:
            level = self._levels[height]
            parent = node_hash(bytes(level[-2 * HASH_LEN : -HASH_LEN]), bytes(level[-HASH_LEN:]))
            if height + 1 == len(self._levels):
                self._levels.append(bytearray())
            self._levels[height + 1] += parent
            height, count = height + 1, count // 2
        return index

    def leaf(self, index: int) -> bytes:
        """The leaf hash at ``index``."""
        if not 0 <= index < len(self):
            raise LogError(f"leaf index {index} out of range for a tree of {len(self)}")
        return self._node(0, index)

    def _node(self, height: int, position: int) -> bytes:
        offset = position * HASH_LEN
        return bytes(self._levels[height][offset : offset + HASH_LEN])

    def _subtree(self, start: int, size: int) -> bytes:
        """MTH(D[start:start+size]) for a subtree of the RFC decomposition (``size >= 1``)."""
        if size & (size - 1) == 0 and start % size == 0:
            return self._node(size.bit_length() - 1, start // size)
        k = _split(size)
        return node_hash(self._subtree(start, k), self._subtree(start + k, size - k))

    def _check_tree_size(self, size: int | None) -> int:
        if size is None:
            return len(self)
        _check_size(size, "tree size")
        if size > len(self):
            raise LogError(f"tree size {size} exceeds the {len(self)} leaves held")
        return size

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first ``size`` leaves (default: all); O(log size) hashes."""
        n = self._check_tree_size(size)
        return EMPTY_ROOT if n == 0 else self._subtree(0, n)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[size]) of RFC 9162 section 2.1.3.1, deepest sibling first."""
        n = self._check_tree_size(size)
        _check_size(index, "leaf index")
        if index >= n:
            raise LogError(f"leaf index {index} is not in a tree of size {n}")
        siblings: list[bytes] = []
        start = 0
        while n > 1:
            k = _split(n)
            if index < k:
                siblings.append(self._subtree(start + k, n - k))
                n = k
            else:
                siblings.append(self._subtree(start, k))
                start, index, n = start + k, index - k, n - k
        siblings.reverse()
        return siblings

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """PROOF(old_size, D[new_size]) of RFC 9162 section 2.1.4.1 (SUBPROOF with b = true).

        ``old_size == new_size`` gives the empty proof; ``old_size == 0`` is only accepted
        together with ``new_size == 0`` (see the module docstring).
        """
        n = self._check_tree_size(new_size)
        m = _check_size(old_size, "old tree size")
        if m > n:
            raise LogError(f"old tree size {m} is larger than new tree size {n}")
        if m == 0 and n > 0:
            raise LogError("no consistency proof from the empty tree: every tree extends it")
        proof: list[bytes] = []
        start, whole_old_tree = 0, True
        while m != n:
            k = _split(n)
            if m <= k:
                proof.append(self._subtree(start + k, n - k))
                n = k
            else:
                proof.append(self._subtree(start, k))
                start, m, n = start + k, m - k, n - k
                whole_old_tree = False
        if not whole_old_tree:
            proof.append(self._subtree(start, n))
        proof.reverse()
        return proof

    def tree_head(self, size: int, timestamp_ms: int) -> TreeHead:
        """The (unsigned) tree head for the first ``size`` leaves at a given time."""
        return TreeHead(size=size, root=self.root(size), timestamp_ms=timestamp_ms)


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check an inclusion proof: RFC 9162 section 2.1.3.2, step for step.

    Raises :class:`LogError` unless ``leaf`` is the leaf hash at ``index`` of the tree
    of ``size`` leaves whose root is ``root``.
    """
    _check_hash(leaf, "leaf hash")
    _check_hash(root, "root hash")
    _check_size(index, "leaf index")
    _check_size(size, "tree size")
    for i, p in enumerate(proof):
        _check_hash(p, f"inclusion proof element {i}")
    # 1. leaf_index must be below tree_size.
    if index >= size:
        raise LogError(f"leaf index {index} is not in a tree of size {size}")
    # 2-3.
    fn, sn, r = index, size - 1, leaf
    # 4.
    for p in proof:
        if sn == 0:
            raise LogError("inclusion proof is longer than the path for this index and size")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn != 0 and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    # 5.
    if sn != 0:
        raise LogError("inclusion proof is shorter than the path for this index and size")
    if r != root:
        raise LogError(f"inclusion proof for leaf {index} does not lead to the tree root")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``new_size`` extends the tree of ``old_size``.

    For ``0 < old_size < new_size`` this is RFC 9162 section 2.1.4.2, step for step.
    ``old_size == new_size`` needs an empty proof and equal roots; ``old_size == 0`` is
    only accepted as ``(0, 0)`` with both roots equal to :data:`EMPTY_ROOT`.
    Raises :class:`LogError` naming the first thing that fails.
    """
    m = _check_size(old_size, "old tree size")
    n = _check_size(new_size, "new tree size")
    _check_hash(old_root, "old root hash")
    _check_hash(new_root, "new root hash")
    for i, c in enumerate(proof):
        _check_hash(c, f"consistency proof element {i}")
    if m > n:
        raise LogError(f"old tree size {m} is larger than new tree size {n}")
    if m == 0:
        if n > 0:
            raise LogError("no consistency proof from the empty tree: every tree extends it")
        if old_root != EMPTY_ROOT or new_root != EMPTY_ROOT:
            raise LogError("a tree of size 0 must have the empty root")
    if m == n:
        if proof:
            raise LogError("a consistency proof between equal sizes must be empty")
        if old_root != new_root:
            raise LogError(f"two different roots for the same tree size {m}")
        return
    # 1.
    if not proof:
        raise LogError("empty consistency proof between different tree sizes")
    path = list(proof)
    # 2. An old tree of power-of-two size is itself a node of the new tree.
    if m & (m - 1) == 0:
        path.insert(0, old_root)
    # 3-4.
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    # 5.
    fr = sr = path[0]
    # 6.
    for c in path[1:]:
        if sn == 0:
            raise LogError("consistency proof is longer than needed for these sizes")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn != 0 and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    # 7.
    if sn != 0:
        raise LogError("consistency proof is shorter than needed for these sizes")
    if fr != old_root:
        raise LogError(f"consistency proof does not reproduce the old root (size {m})")
    if sr != new_root:
        raise LogError(f"consistency proof does not reproduce the new root (size {n})")


@dataclass(frozen=True, slots=True)
class TreeHead:
    """A tree size, its root and the time the log claims it, as signed by the log.

    The timestamp is milliseconds since the Unix epoch, supplied by the caller (this
    module never reads a clock).  The signature itself is made elsewhere over
    :meth:`signing_bytes`.
    """

    size: int
    root: bytes
    timestamp_ms: int

    def __post_init__(self) -> None:
        _check_size(self.size, "tree head size")
        _check_hash(self.root, "tree head root")
        _check_size(self.timestamp_ms, "tree head timestamp")
        if self.size == 0 and self.root != EMPTY_ROOT:
            raise LogError("a tree head of size 0 must carry the empty root")

    def signing_bytes(self, log_id: bytes) -> bytes:
        """The exact message a tree-head signature covers.

        Layout (all integers big-endian)::

            u8 len(TREE_HEAD_TAG) || TREE_HEAD_TAG        ("honestballot/v1/tree-head")
            u16 len(log_id)       || log_id               (1..65535 bytes)
            u64 size || u64 timestamp_ms || root (32 bytes)

        Every field has a fixed width or a length prefix, so distinct tree heads (or logs)
        never share a message.
        """
        if not isinstance(log_id, bytes) or not 1 <= len(log_id) <= 0xFFFF:
            raise LogError("log id must be 1 to 65535 bytes")
        return b"".join(
            (
                len(TREE_HEAD_TAG).to_bytes(1, "big"),
                TREE_HEAD_TAG,
                len(log_id).to_bytes(2, "big"),
                log_id,
                self.size.to_bytes(8, "big"),
                self.timestamp_ms.to_bytes(8, "big"),
                self.root,
            )
        )
