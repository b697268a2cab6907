"""The proofs of the decryption shares in parts (docs/record-format.md §7, "Decryption
shares in parts"), checked on the verifier's engine: a local process pool or a Dask
cluster (:mod:`honestballot.verify.parallel`).

A mixed contest of 100,000 ballots of five options has 500,000 shares per trustee, each
with a Chaum--Pedersen proof of some four scalar multiplications: minutes in one process.
Each part's place, shape and signature are checked here first
(protocol/share_parts.check_part without its proofs); then every share of every such part
is one item for the engine, with its entry id, ``alpha``, ``D`` and proof as encodings,
and what each needs besides, the election, the tally hash and the trustees' verification
keys, goes to each worker once.  The verdict is the one
:func:`~honestballot.protocol.decryption.verify_share_entries` gives, with the same
message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from honestballot.crypto.chaum_pedersen import EqualityProof, verify_equality
from honestballot.crypto.group import Point, Scalar
from honestballot.errors import InvalidProof
from honestballot.protocol.decryption import TAG_DECRYPTION_SHARE, EncryptedTally
from honestballot.protocol.share_parts import SharePart, part_cells
from honestballot.verify.parallel import Engine, Shared

#: one share to check: (trustee, entry id, alpha, D, c, s), the last four as encodings
Cell = tuple[int, str, bytes, bytes, bytes, bytes]


@dataclass(frozen=True, slots=True)
class _Context:
    election: bytes
    tally_hash: bytes
    keys: tuple[Point, ...]


def _context_bytes(ctx: _Context) -> bytes:
    return ctx.election + ctx.tally_hash + b"".join(k.data for k in ctx.keys)


def _load_context(data: bytes) -> _Context:
    keys = tuple(Point.decode(data[i : i + 32]) for i in range(64, len(data), 32))
    return _Context(data[:32], data[32:64], keys)


def _check_cells(ctx: _Context, cells: list[Cell]) -> list[str | None]:
    """One chunk of shares, in a worker: None for each that verifies, else the reason."""
    out: list[str | None] = []
    for trustee, entry, alpha, d, c, s in cells:
        what = f"decryption share of trustee {trustee}, entry {entry!r}"
        try:
            verify_equality(
                TAG_DECRYPTION_SHARE,
                (ctx.election, ctx.tally_hash, trustee, entry),
                ctx.keys[trustee - 1],
                Point.decode(alpha, allow_identity=True),
                Point.decode(d, allow_identity=True),
                EqualityProof(Scalar.decode(c), Scalar.decode(s)),
                what,
            )
            out.append(None)
        except InvalidProof as exc:
            out.append(str(exc))
    return out


def check_part_proofs(
    engine: Engine, keys: Sequence[Point], tally: EncryptedTally, parts: Sequence[SharePart]
) -> list[str | None]:
    """For each part (its place, shape and signature already checked), None if every
    share's proof in it verifies, else the first failure's reason."""
    cells: list[Cell] = []
    owner: list[int] = []
    for n, part in enumerate(parts):
        for entry, ct in part_cells(tally, part):
            cells.append(
                (
                    part.trustee,
                    entry.id,
                    ct.alpha.data,
                    entry.share.data,
                    entry.proof.challenge.encode(),
                    entry.proof.response.encode(),
                )
            )
            owner.append(n)
    verdicts: list[str | None] = [None] * len(parts)
    if not cells:
        return verdicts
    ctx = _Context(tally.election, tally.hash, tuple(keys))
    shared = Shared(_context_bytes(ctx), _load_context, ctx)
    for n, why in zip(owner, engine.map_chunks(_check_cells, cells, shared), strict=True):
        if why is not None and verdicts[n] is None:
            verdicts[n] = why
    return verdicts


__all__ = ["check_part_proofs"]
