"""The result of an election with re-voting protection, read from its close
(docs/coercion.md §5.4, B6; docs/record-format.md §7, "The result of an election with
re-voting protection").

The close's last round decrypts ``B.tally`` (the counted ballots' sums per reporting unit
and in total) and each mixed contest's column; this module turns those plaintexts into
the ``result`` body the service posts right after the close's last step and ``verify``
recomputes: the counts, the ballots counted per reporting unit, the mixed and ranked
contests' counts, and the close's public aggregates (docs/coercion.md §8.1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from honestballot.crypto.dlog import DiscreteLogTable
from honestballot.crypto.hashing import canonical_json
from honestballot.errors import ProtocolError
from honestballot.protocol.close_a import StageAInputs
from honestballot.protocol.close_b import Close
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.mix import mixed_result
from honestballot.protocol.ranked import plaintext_bound, ranked_result


def close_aggregates(inputs: StageAInputs, close: Close) -> dict[str, int]:
    """What the close publishes in numbers (docs/coercion.md §8.1), for the results page:
    the voters' cast rows, the cover rows stage A found, the padding rows, the
    registrations, the credentials whose last ballot stage A selected, the winners
    revoked, and those left."""
    return {
        "cast_rows": inputs.cast_rows - close.a.cover,
        "cover_rows": close.a.cover,
        "padding_rows": len(inputs.rows) - inputs.cast_rows,
        "registrations": len(inputs.registrations),
        "selected": len(close.a.winners),
        "revoked": close.revoked,
        "survivors": close.survivors,
    }


def close_result(ctx: ElectionContext, inputs: StageAInputs, close: Close) -> dict[str, Any]:
    """The ``result`` body of a close that is done; :class:`ProtocolError` if a decrypted
    value is out of range or a mixed row is not an admissible selection (no result can be
    computed: the proofs of every counted ballot rule it out)."""
    tally = close.tally
    if tally is None:
        raise ProtocolError(  # English only: the service posts the result only when done
            f"the close is not done (round {close.round}): it has no result yet"
        )
    manifest = ctx.manifest
    ballots = tally.ballots
    table = DiscreteLogTable(plaintext_bound(manifest, ballots))
    counts = {entry: table.solve(point) for entry, point in tally.plaintexts}
    return {
        "counted_per_unit": [{"unit": u, "ballots": n} for u, n in tally.counted_per_unit],
        "counts": [{"id": e.id, "count": counts[e.id]} for e in tally.entries],
        **mixed_result(manifest, ballots, counts),
        **ranked_result(manifest, ctx.base_hash, ballots, counts),
        "trustees": list(tally.trustees),
        "close": close_aggregates(inputs, close),
    }


def differing_members(published: Mapping[str, Any], expected: Mapping[str, Any]) -> list[str]:
    """The members of a published ``result`` that are not the expected one's, compared by
    their canonical JSON (so ``true`` is not ``1``), missing and extra members included."""

    def canonical(body: Mapping[str, Any], key: str) -> bytes:
        return canonical_json({"value": body.get(key)})

    members = set(published) | set(expected)
    return sorted(k for k in members if canonical(published, k) != canonical(expected, k))
