"""The encrypted tally: homomorphic sums of the counted ballots.

Ballots are summed per unit first; the election-wide total of each option is the
sum of its unit sums (units partition the counted ballots), so the whole tally
costs one pass of point additions.  A unit's sums are published -- and so ever
decrypted -- only when at least ``min_unit_size`` ballots are counted in it;
smaller units appear only inside the totals.  Since the totals minus the units broken
out give the units held back, the units held back must together hold no ballot or at
least ``min_unit_size``; when they hold fewer, the smallest unit that would be broken out
is held back too (complementary suppression, :func:`units_broken_out`).

Entry ids: ``contest/option`` for totals, ``contest/option@unit`` per unit, and for a
contest counted by mixing (protocol/mix.py) ``contest#row/option`` for every ciphertext of
the last mix's rows, which replace that contest's sums: the tally names that mix by its
digest (:class:`~honestballot.protocol.decryption.MixedRows`) rather than list them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from honestballot.crypto.elgamal import ZERO_CIPHERTEXT, Ciphertext
from honestballot.errors import ProtocolError
from honestballot.protocol.ballot import EncryptedBallot
from honestballot.protocol.decryption import EncryptedTally, MixedRows, TallyEntry
from honestballot.protocol.manifest import Manifest
from honestballot.protocol.mix import Mix, mixed_contests


@dataclass(frozen=True, slots=True)
class CountedTally:
    tally: EncryptedTally
    #: (unit id, number of counted ballots) for every unit of the manifest, in order
    counted_per_unit: tuple[tuple[str, int], ...]

    @property
    def ballots_counted(self) -> int:
        return sum(n for _, n in self.counted_per_unit)


def entry_id(contest_id: str, option_id: str, unit: str | None = None) -> str:
    return f"{contest_id}/{option_id}" + (f"@{unit}" if unit is not None else "")


def units_broken_out(counted_per_unit: Sequence[tuple[str, int]], min_unit_size: int) -> set[str]:
    """The units whose sums are published, given ``(unit, counted ballots)`` in manifest
    order: those with at least ``min_unit_size`` ballots, less the smallest of them (the
    first in manifest order among equals) when the rest hold together between 1 and
    ``min_unit_size - 1`` ballots, which the totals would otherwise give away."""
    big = [(n, i, u) for i, (u, n) in enumerate(counted_per_unit) if n >= min_unit_size]
    held = sum(n for _, n in counted_per_unit) - sum(n for n, _, _ in big)
    if 0 < held < min_unit_size and big:
        big.remove(min(big))  # it holds min_unit_size or more: together they are enough
    return {u for _, _, u in big}


def summed_entries(
    manifest: Manifest,
    unit_ids: Sequence[str],
    counted: Iterable[tuple[int, Sequence[Ciphertext]]],
) -> tuple[list[TallyEntry], tuple[tuple[str, int], ...]]:
    """The entries of the contests counted by sum (record-format §7: the totals, then each
    unit broken out) and ``(unit id, counted ballots)`` per unit, from the counted
    ballots given as ``(unit index into unit_ids, every contest ciphertext in manifest
    order)``.  The units are the manifest's, or the reporting units of an election with
    re-voting protection (docs/coercion.md §5.4, B6)."""
    slots = [(c.id, s) for c in manifest.contests for s in c.slot_ids]
    per_unit = [[ZERO_CIPHERTEXT] * len(slots) for _ in unit_ids]
    counts = [0] * len(unit_ids)
    for index, cts in counted:
        acc = per_unit[index]
        for i, ct in enumerate(cts):
            acc[i] = acc[i] + ct
        counts[index] += 1
    totals = [ZERO_CIPHERTEXT] * len(slots)
    for sums in per_unit:
        totals = [t + s for t, s in zip(totals, sums, strict=True)]
    summed = {c.id for c in manifest.contests if c.count == "sum"}
    entries = [
        TallyEntry(entry_id(c, o), ct)
        for (c, o), ct in zip(slots, totals, strict=True)
        if c in summed
    ]
    counted_per_unit = tuple(zip(unit_ids, counts, strict=True))
    broken_out = units_broken_out(counted_per_unit, manifest.min_unit_size)
    for unit, sums in zip(unit_ids, per_unit, strict=True):
        if unit in broken_out:
            entries += [
                TallyEntry(entry_id(c, o, unit), ct)
                for (c, o), ct in zip(slots, sums, strict=True)
                if c in summed
            ]
    return entries, counted_per_unit


def compute_tally(
    manifest: Manifest,
    election_hash: bytes,
    counted: Iterable[tuple[str, EncryptedBallot]],
    mixed: Mapping[str, Mix] | None = None,
) -> CountedTally:
    """Sum the counted ballots, given as ``(unit id, ballot)`` pairs; a contest counted by
    mixing gets, instead of sums, the last mix's rows (``mixed``: contest id -> its last
    mix, published: the tally names it by its digest)."""
    unit_ids = [u.id for u in manifest.units]
    index = {u: i for i, u in enumerate(unit_ids)}
    shape = [len(c.slot_ids) for c in manifest.contests]

    def flat(unit: str, ballot: EncryptedBallot) -> tuple[int, list[Ciphertext]]:
        if [len(ec.ciphertexts) for ec in ballot.contests] != shape:
            raise ProtocolError("a counted ballot does not have the manifest's shape")
        return index[unit], [ct for ec in ballot.contests for ct in ec.ciphertexts]

    entries, counted_per_unit = summed_entries(
        manifest, unit_ids, (flat(unit, ballot) for unit, ballot in counted)
    )
    ballots = sum(n for _, n in counted_per_unit)
    named: list[MixedRows] = []
    for contest in mixed_contests(manifest):
        mix = (mixed or {}).get(contest.id)
        if mix is None:
            raise ProtocolError(f"contest {contest.id!r} is counted by mixing: it needs its mixes")
        if len(mix.rows) != ballots:
            raise ProtocolError(
                f"contest {contest.id!r}: the mixes hold {len(mix.rows)} rows for "
                f"{ballots} counted ballots"
            )
        named.append(MixedRows(contest.id, mix.digest, contest.slot_ids, mix.rows))
    tally = EncryptedTally(election_hash, tuple(entries), tuple(named))
    return CountedTally(tally, counted_per_unit)
