"""The mix chain: trustees shuffle a contest's ballots in turn, and the tally decrypts
the last shuffle's rows instead of a homomorphic sum.

A contest whose manifest says ``"count": "mix"`` is counted this way.  After the close,
its **input** is one row per counted ballot -- the ballot's ciphertexts for that contest,
one per option in ballot order -- with the rows in increasing order of the ballots'
tracking hashes (:func:`contest_rows`).  Trustee ``t`` mixes at position ``p`` (1, 2, ...):
it shuffles the previous position's output (the input for ``p = 1``) with
:func:`honestballot.crypto.shuffle.shuffle`, proves it under the context
``(base_hash, contest id, p, t)``, and publishes it in parts signed with its verification
key ``X_t`` (:mod:`honestballot.protocol.mix_parts`), so that nobody else -- the operator
included -- can post a mix in a trustee's name.  Each trustee mixes a contest at most
once.

**At least ``k`` distinct trustees must mix each such contest, or the tally stops**
(:func:`check_chain_complete`): one honest mixer is what unlinks ballots from their
voters, and ``k`` of ``n`` is the trust the election already places in its trustees.
The tally then holds, instead of the contest's sums, one entry per ciphertext of the
last output (protocol/decryption.MixedRows names that mix); the trustees decrypt them
with the same threshold decryption as any tally entry, and each decrypted row must be an
admissible selection (:func:`count_rows`), which every ballot's proofs guarantee for
honest rows.  A mixed contest is counted for the whole election only: mixing removes the
units.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from honestballot.crypto.group import Point
from honestballot.crypto.hashing import Part
from honestballot.crypto.randomness import Randomness
from honestballot.crypto.shuffle import RowsLike, ShuffleProof, prove_shuffle, shuffle
from honestballot.errors import ProtocolError
from honestballot.protocol.ballot import EncryptedBallot
from honestballot.protocol.decryption import Rows as Rows  # what a mix's rows are
from honestballot.protocol.manifest import Contest, InvalidSelection, Manifest
from honestballot.protocol.ranked import row_entry_id

#: :func:`~honestballot.crypto.shuffle.verify_shuffle`, or what computes the same verdict
#: elsewhere (the verifier's, on its process pool or cluster: verify/mixes.py)
ShuffleVerifier = Callable[[Sequence[Part], Point, RowsLike, RowsLike, ShuffleProof], None]


@dataclass(frozen=True, slots=True)
class Mix:
    """One trustee's shuffle of one contest's rows: what its signed parts and head on the
    board add up to (protocol/mix_parts.assemble)."""

    contest: str
    position: int
    trustee: int
    rows: Rows
    proof: ShuffleProof
    #: the digest its trustee signed (protocol/mix_parts.head_digest) once it is on the
    #: board: what the tally names it by; empty for a mix not yet published
    digest: bytes = b""


def contest_rows(manifest: Manifest, contest_id: str, counted: Iterable[EncryptedBallot]) -> Rows:
    """The mix chain's input for a contest: the contest's ciphertexts of each counted
    ballot, ``counted`` being given in increasing order of tracking hash."""
    contest = manifest.contest(contest_id)  # an unknown contest is named
    index = manifest.contests.index(contest)
    return tuple(tuple(ballot.contests[index].ciphertexts) for ballot in counted)


def next_input(
    manifest: Manifest, contest_id: str, counted: Sequence[EncryptedBallot], chain: Sequence[Mix]
) -> Rows:
    """The rows the next mix of a contest shuffles: the output of the last mix in
    ``chain`` (the contest's mixes so far, by position), or for the first mix the counted
    ballots' ciphertexts (:func:`contest_rows`, ``counted`` by increasing tracking hash)."""
    return chain[-1].rows if chain else contest_rows(manifest, contest_id, counted)


def mix_context(base_hash: bytes, contest_id: str, position: int, trustee: int) -> tuple[Part, ...]:
    """What a mix's proof of shuffle is bound to (its bases are derived from it too)."""
    return (base_hash, "mix", contest_id, position, trustee)


def make_mix(
    manifest: Manifest,
    base_hash: bytes,
    public_key: Point,
    contest_id: str,
    position: int,
    trustee: int,
    previous: Rows,
    rng: Randomness,
) -> Mix:
    """A trustee's mix: shuffle ``previous`` and prove it under :func:`mix_context`.  It
    is published in signed parts (:func:`honestballot.protocol.mix_parts.publish_mix`)."""
    if manifest.contest(contest_id).count != "mix":
        raise ProtocolError(f"contest {contest_id!r} is not counted by mixing")
    if not previous:
        raise ProtocolError(f"contest {contest_id!r}: there are no counted ballots to mix")
    rows, witness = shuffle(public_key, previous, rng)
    context = mix_context(base_hash, contest_id, position, trustee)
    proof = prove_shuffle(context, public_key, previous, rows, witness, rng)
    return Mix(contest_id, position, trustee, rows, proof)


def mixed_contests(manifest: Manifest) -> tuple[Contest, ...]:
    return tuple(c for c in manifest.contests if c.count == "mix")


def check_chain_complete(
    manifest: Manifest, threshold: int, chains: Mapping[str, Sequence[Mix]]
) -> None:
    """The tally may go ahead only when every mixed contest was mixed by at least
    ``threshold`` distinct trustees."""
    for contest in mixed_contests(manifest):
        mixers = {m.trustee for m in chains.get(contest.id, ())}
        if len(mixers) < threshold:
            raise ProtocolError(
                f"contest {contest.id!r} was mixed by {len(mixers)} trustee(s); at least "
                f"{threshold} must mix it before the tally"
            )


def count_rows(
    contest: Contest, rows: int, plaintexts: Mapping[str, int]
) -> tuple[dict[str, int], list[list[int]]]:
    """The contest's counts per option and its decrypted rows, from the decrypted tally
    entries; raise if a row is not an admissible selection (which a sound chain of
    shuffles of proven ballots never yields)."""
    counts = dict.fromkeys((o.id for o in contest.options), 0)
    decoded: list[list[int]] = []
    for i in range(rows):
        row = [plaintexts[row_entry_id(contest.id, i, o.id)] for o in contest.options]
        if any(v not in (0, 1) for v in row):
            raise ProtocolError(f"contest {contest.id!r}: mixed row {i} is not 0/1 selections")
        chosen = frozenset(o.id for o, v in zip(contest.options, row, strict=True) if v)
        try:
            contest.check_selection(chosen)
        except InvalidSelection as exc:
            raise ProtocolError(f"mixed row {i}: {exc}") from None
        for option_id in chosen:
            counts[option_id] += 1
        decoded.append(row)
    return counts, decoded


def mixed_result(manifest: Manifest, rows: int, plaintexts: Mapping[str, int]) -> dict[str, Any]:
    """The result's ``mixed`` member: each plural mixed contest's counts per option, from
    the decrypted rows (none: an empty object, so a result without plural mixed contests
    is as before; ranked contests are in ``ranked``, protocol/ranked.py)."""
    mixed = []
    for contest in mixed_contests(manifest):
        if contest.ranked:  # counted by its method: protocol/ranked.py
            continue
        counts, _ = count_rows(contest, rows, plaintexts)
        mixed.append(
            {
                "contest": contest.id,
                "counts": [{"id": f"{contest.id}/{o}", "count": n} for o, n in counts.items()],
            }
        )
    return {"mixed": mixed} if mixed else {}


def named_rows(
    manifest: Manifest, chains: Mapping[str, Sequence[Mix]]
) -> dict[str, tuple[bytes, tuple[str, ...], Rows]]:
    """contest -> the digest, slot ids and rows of the last mix of its chain (of valid,
    published mixes): what :meth:`~honestballot.protocol.decryption.PublishedTally.resolve`
    reads a published tally's mixed rows from."""
    return {
        contest: (chain[-1].digest, manifest.contest(contest).slot_ids, chain[-1].rows)
        for contest, chain in chains.items()
        if chain
    }
