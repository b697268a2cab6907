"""Ranked contests: the reading of a decrypted ranking, and its count by instant-runoff
or Schulze (docs/ranked.md, docs/record-format.md §7).

A ranked contest's ballot holds one ciphertext per rank position, of the number of the
choice placed there (:func:`choice_numbers`; 0 for none).  After the mix chain the
trustees decrypt the rows, and :func:`read_ranking` turns each into an exclusive choice
or a ranking of candidates: positions up to the first empty one, a repeated choice only
at its first position, ``against-all``/``blank`` at position 1 the ballot's only choice
and later the end of the ranking.  :func:`count_irv` and :func:`count_schulze` then count
the rankings, with every tie decided by the documented rules, ending in lots drawn from
the election's base hash (:func:`lot_key`).  Pure functions: the service publishes what
:func:`ranked_result` returns and the verifier recomputes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from honestballot.crypto.hashing import hash_bytes
from honestballot.errors import ProtocolError
from honestballot.protocol.manifest import Contest, InvalidSelection, Manifest

LOT_TAG: Final = "ranked/lot"
DRAW_TAG: Final = "ranked/draw"


def choice_numbers(contest: Contest) -> dict[str, int]:
    """The number of every choice of a ranked contest: the candidates from 1 in manifest
    order, then ``against-all``, then ``blank`` (as they stand in ``contest.options``)."""
    return {o.id: i for i, o in enumerate(contest.options, start=1)}


def encode_ranking(contest: Contest, ranking: Sequence[str]) -> tuple[int, ...]:
    """The plaintexts of a voter's ranking, one per rank position.  The ballot page (and
    this function) never makes what the reading rule would have to repair: an empty
    ranking, a repeat, more choices than positions, or an exclusive choice that is not
    alone."""
    numbers = choice_numbers(contest)
    ranking = list(ranking)
    unknown = [c for c in ranking if c not in numbers]
    if unknown:
        raise InvalidSelection(f"contest {contest.id}: unknown choice(s) {unknown}")
    if not ranking:
        hint = " (choose 'blank' to abstain)" if contest.min_selections == 0 else ""
        raise InvalidSelection(f"contest {contest.id}: rank at least one choice{hint}")
    if len(set(ranking)) != len(ranking):
        raise InvalidSelection(f"contest {contest.id}: a choice is ranked twice")
    if len(ranking) > contest.max_selections:
        raise InvalidSelection(
            f"contest {contest.id}: {len(ranking)} choices ranked, at most "
            f"{contest.max_selections} allowed"
        )
    exclusive = {o.id for o in contest.options if o.exclusive}
    if any(c in exclusive for c in ranking) and len(ranking) > 1:
        raise InvalidSelection(
            f"contest {contest.id}: 'against all' or 'blank' cannot be combined with a ranking"
        )
    plain = [numbers[c] for c in ranking]
    return tuple(plain + [0] * (contest.max_selections - len(plain)))


@dataclass(frozen=True, slots=True)
class Reading:
    """A decrypted row as counted: an exclusive choice, or a ranking of candidates."""

    exclusive: str | None
    ranking: tuple[str, ...]


def read_ranking(contest: Contest, row: Sequence[int]) -> Reading:
    """Read a decrypted row by the rule of docs/record-format.md §7; raise if a value is
    not a choice number, or position 1 is empty (which the ballot proofs exclude)."""
    options = contest.options
    if len(row) != contest.max_selections:
        raise ProtocolError(f"contest {contest.id}: a row of {len(row)} positions")
    if any(not 0 <= v <= len(options) for v in row):
        raise ProtocolError(f"contest {contest.id}: a row holds a value that is no choice")
    if row[0] == 0:
        raise ProtocolError(f"contest {contest.id}: a row ranks nothing at position 1")
    first = options[row[0] - 1]
    if first.exclusive:
        return Reading(first.id, ())
    ranking: list[str] = []
    for v in row:
        if v == 0 or options[v - 1].exclusive:
            break
        if options[v - 1].id not in ranking:
            ranking.append(options[v - 1].id)
    return Reading(None, tuple(ranking))


def read_in_order(contest: Contest, row: Sequence[int]) -> list[str]:
    """What a row (a decrypted one, or an audit opening's plaintexts) ranks, in order, as
    the count reads it: the exclusive choice alone, or the ranking."""
    reading = read_ranking(contest, row)
    return [reading.exclusive] if reading.exclusive is not None else list(reading.ranking)


def lot_key(base_hash: bytes, contest_id: str, candidate_id: str) -> bytes:
    return hash_bytes(LOT_TAG, base_hash, contest_id, candidate_id)


def lot_order(base_hash: bytes, contest: Contest) -> list[str]:
    """The candidates by increasing lot key: the first loses a lot."""
    return sorted(
        (o.id for o in contest.candidates), key=lambda c: lot_key(base_hash, contest.id, c)
    )


# -- instant-runoff ---------------------------------------------------------------------


def count_irv(
    candidates: Sequence[str], rankings: Sequence[Sequence[str]], lot: Sequence[str]
) -> dict[str, Any]:
    """Instant-runoff rounds (docs/ranked.md): each round's votes per continuing candidate
    (in ``candidates`` order), the exhausted rankings, and who is eliminated and why;
    then the winner (``None`` when no ranking names a candidate)."""
    continuing = list(candidates)
    history: list[dict[str, int]] = []
    rounds: list[dict[str, Any]] = []
    if not rankings:
        return {"rounds": [], "winner": None}
    while True:
        votes = dict.fromkeys(continuing, 0)
        exhausted = 0
        for ranking in rankings:
            top = next((c for c in ranking if c in votes), None)
            if top is None:
                exhausted += 1
            else:
                votes[top] += 1
        history.append(votes)
        this: dict[str, Any] = {
            "counts": [{"id": c, "count": n} for c, n in votes.items()],
            "exhausted": exhausted,
        }
        rounds.append(this)
        active = len(rankings) - exhausted
        leader = max(continuing, key=lambda c: votes[c])
        if len(continuing) == 1 or 2 * votes[leader] > active:  # a majority, or the last
            this["eliminated"] = None
            return {"rounds": rounds, "winner": leader}
        out, rule = _irv_loser(continuing, history, lot)
        this["eliminated"] = out
        this["tie_break"] = rule
        continuing.remove(out)


def _irv_loser(
    continuing: Sequence[str], history: Sequence[Mapping[str, int]], lot: Sequence[str]
) -> tuple[str, str]:
    now = history[-1]
    fewest = min(now[c] for c in continuing)
    tied = [c for c in continuing if now[c] == fewest]
    if len(tied) == 1:
        return tied[0], "fewest"
    for earlier in reversed(history[:-1]):
        low = min(earlier[c] for c in tied)
        tied = [c for c in tied if earlier[c] == low]
        if len(tied) == 1:
            return tied[0], "previous-rounds"
    return min(tied, key=lot.index), "lot"


# -- Schulze -------------------------------------------------------------------------------


def pairwise(candidates: Sequence[str], rankings: Sequence[Sequence[str]]) -> list[list[int]]:
    """``d[a][b]``: the rankings that prefer ``a`` to ``b`` (ranked above it, or ranked
    while ``b`` is not)."""
    index = {c: i for i, c in enumerate(candidates)}
    n = len(candidates)
    d = [[0] * n for _ in range(n)]
    for ranking in rankings:
        ranked = [index[c] for c in ranking]
        seen = frozenset(ranked)
        rest = [i for i in range(n) if i not in seen]
        for pos, a in enumerate(ranked):
            row = d[a]
            for b in ranked[pos + 1 :]:
                row[b] += 1
            for b in rest:
                row[b] += 1
    return d


def strongest_paths(d: Sequence[Sequence[int]]) -> list[list[int]]:
    """Schulze's ``p``: links by winning votes, then widest paths (Floyd–Warshall)."""
    n = len(d)
    p = [[d[a][b] if a != b and d[a][b] > d[b][a] else 0 for b in range(n)] for a in range(n)]
    for k in range(n):
        for a in range(n):
            if a == k:
                continue
            for b in range(n):
                if b != a and b != k:
                    p[a][b] = max(p[a][b], min(p[a][k], p[k][b]))
    return p


def tie_breaking_ranking(
    candidates: Sequence[str],
    rankings: Sequence[Sequence[str]],
    draw: Sequence[int],
    lot: Sequence[str],
) -> list[str]:
    """The paper's TBRC: pairs ordered by rankings drawn in the order ``draw`` (indices
    into ``rankings``), closed under transitivity, the rest by the lot order (the later in
    it above).  Returned best first."""
    index = {c: i for i, c in enumerate(candidates)}
    n = len(candidates)
    above = [[False] * n for _ in range(n)]  # above[a][b]: a is ordered above b
    unordered = n * (n - 1) // 2
    #: how many candidates each one is not yet ordered against: a drawn ranking whose
    #: candidates are all ordered against everyone is skipped at once (candidates no one
    #: ranks may stay unordered among themselves through every draw)
    open_pairs = [n - 1] * n

    def add(a: int, b: int) -> int:
        if a == b or above[a][b] or above[b][a]:
            return 0
        ups = [x for x in range(n) if x == a or above[x][a]]
        downs = [y for y in range(n) if y == b or above[b][y]]
        added = 0
        for x in ups:
            for y in downs:
                if not above[x][y]:
                    above[x][y] = True
                    open_pairs[x] -= 1
                    open_pairs[y] -= 1
                    added += 1
        return added

    for k in draw:
        if unordered == 0:
            break
        ranked = [index[c] for c in rankings[k]]
        if all(open_pairs[a] == 0 for a in ranked):
            continue
        seen = frozenset(ranked)
        rest = [i for i in range(n) if i not in seen]
        for pos, a in enumerate(ranked):
            if open_pairs[a] == 0:
                continue
            for b in ranked[pos + 1 :] + rest:
                unordered -= add(a, b)
    for later, earlier in _pairs_by_lot([index[c] for c in lot]):
        unordered -= add(later, earlier)
    order = sorted(range(n), key=lambda a: -sum(above[a]))
    return [candidates[i] for i in order]


def _pairs_by_lot(order: Sequence[int]) -> list[tuple[int, int]]:
    return [(order[j], order[i]) for j in range(len(order)) for i in range(j)]


def draw_order(base_hash: bytes, contest_id: str, m: int) -> list[int]:
    """Rankings ``0 … m−1`` in the order the lot draws them, without replacement."""
    pool = list(range(m))
    out = []
    for k in range(m):
        j = int.from_bytes(hash_bytes(DRAW_TAG, base_hash, contest_id, k), "big") % len(pool)
        out.append(pool[j])
        pool[j] = pool[-1]
        pool.pop()
    return out


def count_schulze(
    candidates: Sequence[str],
    rankings: Sequence[Sequence[str]],
    base_hash: bytes,
    contest_id: str,
    lot: Sequence[str],
) -> dict[str, Any]:
    """Schulze's ``d``, ``p``, winners and full ranking; the TBRC when a tie needs it."""
    d = pairwise(candidates, rankings)
    p = strongest_paths(d)
    n = len(candidates)

    def unbeaten(among: Sequence[int]) -> list[int]:
        return [a for a in among if all(p[a][b] >= p[b][a] for b in among if b != a)]

    winners = unbeaten(range(n))
    tbrc: list[str] | None = None
    remaining = list(range(n))
    ranking: list[str] = []
    while remaining:
        top = unbeaten(remaining)
        chosen = top[0]
        if len(top) > 1:
            if tbrc is None:
                draw = draw_order(base_hash, contest_id, len(rankings))
                tbrc = tie_breaking_ranking(candidates, rankings, draw, lot)
            place = {c: i for i, c in enumerate(tbrc)}
            chosen = min(top, key=lambda a: place[candidates[a]])
        ranking.append(candidates[chosen])
        remaining.remove(chosen)
    return {
        "d": d,
        "p": p,
        "winners": [candidates[a] for a in winners],
        "ranking": ranking,
        "tie_breaking": tbrc,
        "winner": ranking[0] if rankings else None,
    }


# -- the result ----------------------------------------------------------------------------


def row_entry_id(contest_id: str, row: int, slot_id: str) -> str:
    return f"{contest_id}#{row}/{slot_id}"


def count_contest(
    contest: Contest, base_hash: bytes, rows: Sequence[Sequence[int]]
) -> dict[str, Any]:
    """One ranked contest's item of the result's ``ranked`` member."""
    readings = [read_ranking(contest, row) for row in rows]
    exclusive = {o.id: 0 for o in contest.options if o.exclusive}
    rankings: list[tuple[str, ...]] = []
    for r in readings:
        if r.exclusive is not None:
            exclusive[r.exclusive] += 1
        else:
            rankings.append(r.ranking)
    candidates = [o.id for o in contest.candidates]
    lot = lot_order(base_hash, contest)
    item: dict[str, Any] = {
        "contest": contest.id,
        "method": contest.method,
        "rankings": len(rankings),
        "exclusive": [{"id": k, "count": v} for k, v in exclusive.items()],
    }
    if contest.method == "irv":
        item.update(count_irv(candidates, rankings, lot))
    else:
        item.update(count_schulze(candidates, rankings, base_hash, contest.id, lot))
    return item


def ranked_result(
    manifest: Manifest, base_hash: bytes, rows: int, plaintexts: Mapping[str, int]
) -> dict[str, Any]:
    """The result's ``ranked`` member, from the decrypted tally entries (none: an empty
    object, so a result without ranked contests is as before)."""
    items = []
    for contest in manifest.contests:
        if contest.method is None:
            continue
        decoded = [
            [plaintexts[row_entry_id(contest.id, i, s)] for s in contest.slot_ids]
            for i in range(rows)
        ]
        items.append(count_contest(contest, base_hash, decoded))
    return {"ranked": items} if items else {}


def plaintext_bound(manifest: Manifest, ballots: int) -> int:
    """The largest plaintext a tally entry may hold: the number of counted ballots (at
    least 1), or a ranked contest's number of choices if that is larger."""
    choices = [len(c.options) for c in manifest.contests if c.method is not None]
    return max([1, ballots, *choices])
