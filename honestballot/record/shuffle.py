"""JSON form of a proof of shuffle (:class:`~honestballot.crypto.shuffle.ShuffleProof`).

An object with exactly these keys (docs/shuffle.md section 6)::

    {"permutation_commitment": [point, ...N], "chain": [point, ...N], "c": scalar,
     "s1": scalar, "s2": scalar, "s3": scalar, "s4": [scalar, ...w],
     "s_hat": [scalar, ...N], "s_prime": [scalar, ...N]}

Points and scalars are the lowercase hex of their canonical 32-byte encodings; no point
of a proof may be the identity.  It carries no ``type``/``version``: it is meant to sit
inside a record object that names the statement (context, key, input and output rows).
"""

from __future__ import annotations

from typing import Any, Final

from honestballot.crypto.shuffle import ShuffleProof
from honestballot.errors import EncodingError, RecordFormatError
from honestballot.record.codec import JsonObject, Reader, decode_point, decode_scalar

#: Defaults for the largest proof parsed: rows (ciphertext rows shuffled) and width.
MAX_SHUFFLE_ROWS: Final = 1_000_000
MAX_SHUFFLE_WIDTH: Final = 10_000


def shuffle_proof_to_json(p: ShuffleProof) -> JsonObject:
    return {
        "permutation_commitment": [x.hex() for x in p.permutation_commitment],
        "chain": [x.hex() for x in p.chain],
        "c": p.challenge.hex(),
        "s1": p.s1.hex(),
        "s2": p.s2.hex(),
        "s3": p.s3.hex(),
        "s4": [s.hex() for s in p.s4],
        "s_hat": [s.hex() for s in p.s_hat],
        "s_prime": [s.hex() for s in p.s_prime],
    }


def shuffle_proof_from_json(
    value: Any,
    path: str,
    *,
    max_rows: int = MAX_SHUFFLE_ROWS,
    max_width: int = MAX_SHUFFLE_WIDTH,
) -> ShuffleProof:
    """Parse strictly: exact keys, canonical non-identity points, canonical scalars, and
    list lengths that agree (N for the per-row lists, at least 1 for ``s4``); anything
    else is a :class:`RecordFormatError` naming the path."""
    r = Reader(value, path)
    commitment = r.items("permutation_commitment", decode_point, max_items=max_rows)
    chain = r.items("chain", decode_point, max_items=max_rows)
    challenge = r.scalar("c")
    s1, s2, s3 = r.scalar("s1"), r.scalar("s2"), r.scalar("s3")
    s4 = r.items("s4", decode_scalar, max_items=max_width)
    s_hat = r.items("s_hat", decode_scalar, max_items=max_rows)
    s_prime = r.items("s_prime", decode_scalar, max_items=max_rows)
    r.done()
    try:
        return ShuffleProof(
            permutation_commitment=tuple(commitment),
            chain=tuple(chain),
            challenge=challenge,
            s1=s1,
            s2=s2,
            s3=s3,
            s4=tuple(s4),
            s_hat=tuple(s_hat),
            s_prime=tuple(s_prime),
        )
    except EncodingError as exc:
        raise RecordFormatError(f"{path}: {exc}") from None
