"""Proofs of shuffle checked on the verifier's engine: a local process pool or a Dask
cluster (:mod:`honestballot.verify.parallel`), with the verdict of
:func:`~honestballot.crypto.shuffle.verify_shuffle`.

The crypto core splits the verification in three (crypto/shuffle.py, "verification in
parts"), and ``verify_shuffle`` is those three in a row; here the middle one runs on the
engine:

1. here, :func:`~honestballot.crypto.shuffle.shuffle_statement`: the statement's shape,
   the bases and the seed (a hash of the whole statement);
2. on the workers, :func:`~honestballot.crypto.shuffle.partial_sums` over each chunk of
   consecutive rows: the engine's items are the rows
   (:class:`~honestballot.crypto.shuffle.ShuffleRow`: the input and output row, ``h_i``,
   ``c_i``, ``c^_{i-1}``, ``c^_i``, ``s^_i``, ``s'_i``, pickled as ``4w + 6`` encodings of
   32 bytes), and what every chunk needs besides them, the seed, ``c`` and the width,
   goes to each worker once;
3. here, :func:`~honestballot.crypto.shuffle.finish`: the chunks' sums added up, the
   final equations and the hash.

A chunk's result is a few points, and one point ``t^_i`` per row.  One mix at a time is
spread over every worker (each mix's input is the previous mix's output, which is read,
not recomputed, so the mixes could go side by side; one mix already fills the workers).
"""

from __future__ import annotations

from collections.abc import Sequence

from honestballot.crypto.group import Point, Scalar
from honestballot.crypto.hashing import Part
from honestballot.crypto.shuffle import (
    PartialSums,
    RowChallenges,
    RowsLike,
    ShuffleProof,
    ShuffleRow,
    finish,
    partial_sums,
    shuffle_statement,
)
from honestballot.verify.parallel import Engine, Shared


def _challenges_bytes(challenges: RowChallenges) -> bytes:
    return challenges.seed + challenges.challenge.encode() + challenges.width.to_bytes(8, "big")


def _load_challenges(data: bytes) -> RowChallenges:
    """The seed, ``c`` and the width in a worker (from :func:`_challenges_bytes`)."""
    return RowChallenges(data[:-40], Scalar.decode(data[-40:-8]), int.from_bytes(data[-8:], "big"))


def _partial_sums(challenges: RowChallenges, rows: list[ShuffleRow]) -> list[PartialSums]:
    """One chunk of consecutive rows, in a worker: their part of every sum."""
    return [partial_sums(challenges, rows)]


def verify_shuffle_on(
    engine: Engine,
    context: Sequence[Part],
    public_key: Point,
    input_rows: RowsLike,
    output_rows: RowsLike,
    proof: ShuffleProof,
) -> None:
    """:func:`~honestballot.crypto.shuffle.verify_shuffle`, the rows' part on
    ``engine``: the same :class:`~honestballot.errors.InvalidProof` with the same
    message, or none."""
    statement = shuffle_statement(context, public_key, input_rows, output_rows, proof)
    challenges = statement.challenges
    shared = Shared(_challenges_bytes(challenges), _load_challenges, challenges)
    finish(statement, engine.map_chunks(_partial_sums, statement.rows(), shared))


__all__ = ["verify_shuffle_on"]
