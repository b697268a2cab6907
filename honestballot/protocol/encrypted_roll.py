"""The encrypted roll of an election with re-voting protection, and its reporting units
(docs/coercion.md §2.3).

**Reporting units.**  From the public per-unit voter counts of the roll summary: every
manifest unit with at least ``min_unit_size`` voters is its own reporting unit; all the
others are merged into one reporting unit, ``pool``; if ``pool`` then has fewer than
``min_unit_size`` voters (and is not empty), the smallest unit that is its own reporting
unit (the first in manifest order among equals) joins it.  The reporting units are listed
in manifest order of the units that are their own, then ``pool`` (if not empty); a
voter's reporting-unit **index** ``u`` is its place in that list.  No result is ever
published for anything finer (docs/coercion.md §8).

**Roll rows.**  One per voter, made by the organiser's tool and put on the board in an
order it draws uniformly at random::

    row i = (Enc(V), Enc(u), Enc(A))
      Enc(V): point ElGamal of the voter's handle, proof of randomness at the place
              ("roll", 32 zero bytes, "handle", i)
      Enc(u): exponential ElGamal of the reporting-unit index, proof of randomness at
              ("roll", 32 zero bytes, "unit", i)
      Enc(A): point ElGamal of the activation point a*P_act, proof of representation
              PoK(s, a : (s*G, s*H + a*P_act)) under tag "activation-proof", context
              (base hash, "roll", i)

(the challenges' layouts: docs/coercion.md §5.8).  The proofs make every row's
ciphertexts plaintext-aware: whoever made them knows what they encrypt, so no row can be
built from another election's or another voter's ciphertexts.

**On the board** (docs/record-format.md §6, "The encrypted roll"): the rows go in
``roll-part`` events of at most :data:`ROLL_PART_ROWS` rows each, in row order, and the
``roll`` event then names every part by its digest, lists the reporting units, and
carries the organiser's signature over all of it with the summary's counts.  The checks
``roll.units`` (:func:`check_reporting_units`) and ``roll.encrypted`` (the rows' proofs,
each at its own index, and the parts the ``roll`` names) are the verifier's and the
service's alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import comb
from typing import Final

from honestballot.crypto.elgamal import Ciphertext, encrypt_point
from honestballot.crypto.group import IDENTITY, Point, Scalar, base_mul
from honestballot.crypto.plaintext_awareness import (
    RandomnessProof,
    prove_randomness,
    verify_randomness,
)
from honestballot.crypto.randomness import Randomness, random_nonzero_scalar, random_permutation
from honestballot.crypto.representation import (
    RepresentationProof,
    prove_ciphertext_representation,
    verify_ciphertext_representation,
)
from honestballot.errors import ProtocolError, Text
from honestballot.protocol.letters import LetterSecret, activation_base, draw_letter
from honestballot.protocol.manifest import Contest, Manifest

POOL: Final = "pool"
#: the most rows a ``roll-part`` event holds (about 1.1 KB of JSON each: 5.5 MB a part)
ROLL_PART_ROWS: Final = 5000
ACTIVATION_PROOF_TAG: Final = "activation-proof"
ROLL_PLACE: Final = "roll"
NO_PLACE_ID: Final = bytes(32)


@dataclass(frozen=True, slots=True)
class ReportingUnits:
    """The reporting units, in order, and which one each manifest unit belongs to."""

    ids: tuple[str, ...]
    of_unit: dict[str, str]

    def index(self, unit: str) -> int:
        return self.ids.index(self.of_unit[unit])

    def listing(self, unit_order: Sequence[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Each reporting unit with its manifest units in manifest order (``unit_order``):
        what the ``roll`` event lists."""
        return tuple(
            (rid, tuple(u for u in unit_order if self.of_unit[u] == rid)) for rid in self.ids
        )


def reporting_units(
    voters_per_unit: Sequence[tuple[str, int]], min_unit_size: int
) -> ReportingUnits:
    """The rule above, over the units in manifest order with their voters on the roll."""
    units = list(voters_per_unit)
    if len({u for u, _ in units}) != len(units) or POOL in {u for u, _ in units}:
        raise ProtocolError(f"units must be distinct, and none may be called {POOL!r}")
    own = [u for u, n in units if n >= min_unit_size]
    small = [u for u, n in units if n < min_unit_size]
    voters = dict(units)
    pooled = sum(voters[u] for u in small)
    if small and pooled < min_unit_size and own:
        smallest = min(own, key=lambda u: (voters[u], own.index(u)))
        own.remove(smallest)
        small.append(smallest)
    of_unit = {u: u for u in own} | {u: POOL for u in small}
    ids = tuple(u for u, _ in units if u in own) + ((POOL,) if small else ())
    return ReportingUnits(ids, of_unit)


#: with re-voting protection, a contest counted by mixing may admit at most one row per
#: this many voters on the roll (docs/coercion.md §8.3, marker ballots)
VOTERS_PER_ROW: Final = 100


def admissible_rows(contest: Contest) -> int:
    """How many different rows a counted ballot's ciphertexts of ``contest`` can decrypt
    to, as its proofs allow them: one exclusive option alone, or ``max(min_selections, 1)``
    to ``max_selections`` candidates; for a ranked contest, every position any choice
    number or none, ``(options + 1) ** positions`` (a bound)."""
    if contest.ranked:
        return int((len(contest.options) + 1) ** contest.max_selections)
    exclusive = sum(1 for o in contest.options if o.exclusive)
    c = len(contest.candidates)
    lower = max(contest.min_selections, 1)
    return exclusive + sum(comb(c, k) for k in range(lower, contest.max_selections + 1))


def voters_needed(contest: Contest) -> int:
    """The fewest voters on the roll :func:`check_mixed_contests` accepts for ``contest``
    counted by mixing: :data:`VOTERS_PER_ROW` per admissible row."""
    return admissible_rows(contest) * VOTERS_PER_ROW


def check_mixed_contests(manifest: Manifest, voters: int) -> None:
    """With re-voting protection, every decrypted row of a contest counted by mixing is
    published, so a coercer could mark a ballot with a rare row and look for it
    (docs/coercion.md §8.3): :class:`ProtocolError` unless each such contest admits at most
    one row per :data:`VOTERS_PER_ROW` voters on the roll.
    A ranked contest, always counted by mixing, is refused with its own advice (fewer
    positions or candidates), naming the roll it would need."""
    for contest in manifest.contests:
        rows = admissible_rows(contest)
        needed = voters_needed(contest)
        if contest.count == "mix" and needed > voters:
            advice = "count it by sum, or give it fewer choices"
            if contest.ranked:
                advice = f"rank fewer places or list fewer candidates: {needed:,} voters needed"
            message = (
                f"contest {contest.id!r} is counted by mixing and admits {rows:,} different "
                f"ballots, more than one per {VOTERS_PER_ROW} of the roll's {voters:,} voters: "
                f"with re-voting protection a rare ballot could mark a voter; {advice}"
            )
            key = "encrypted_roll.markers_ranked" if contest.ranked else "encrypted_roll.markers"
            raise ProtocolError(
                Text(
                    key, message, contest=contest.id, rows=rows, voters=voters,
                    per=VOTERS_PER_ROW, needed=needed,
                )
            )  # fmt: skip


def roll_needs(manifest: Manifest, expected_voters: int | None) -> tuple[Text, ...]:
    """Before there is a roll: what the organiser is warned of the contests counted by
    mixing that :func:`check_mixed_contests` will hold to the roll, one text per such
    contest.  Each names the contest, its admissible rows and the voters needed on the
    roll, and the ways out: a ranked contest fewer candidates or fewer places, any other
    counting by sum or fewer choices, either a larger roll.  ``expected_voters`` (the
    turnout expected, usually fewer than the roll) only phrases it: fewer than the
    contest needs are named beside what it needs; nothing is refused here."""
    said: list[Text] = []
    for contest in manifest.contests:
        if contest.count != "mix":
            continue
        needed = voters_needed(contest)
        rows = admissible_rows(contest)
        advice = "count it by sum or give it fewer choices"
        if contest.ranked:
            advice = "list fewer candidates or rank fewer places"
        fewer = expected_voters is not None and expected_voters < needed
        known = f"; {expected_voters:,} voters are expected" if fewer else ""
        message = (
            f"contest {contest.id!r} is counted by mixing and admits {rows:,} different "
            f"ballots; with re-voting protection the roll needs {VOTERS_PER_ROW} voters per "
            f"admissible ballot, {needed:,} voters on the roll{known}; with fewer on the "
            f"roll the encrypted roll is refused: {advice}, or plan a larger roll"
        )
        key = "roll_needs." + ("expected" if fewer else "needed")
        said.append(
            Text(
                key + ("_ranked" if contest.ranked else ""), message, contest=contest.id,
                rows=rows, needed=needed, per=VOTERS_PER_ROW, voters=expected_voters or 0,
            )
        )  # fmt: skip
    return tuple(said)


def check_reporting_units(
    voters_per_unit: Sequence[tuple[str, int]],
    unit_order: Sequence[str],
    min_unit_size: int,
    stated: Sequence[tuple[str, Sequence[str]]],
) -> ReportingUnits:
    """``roll.units``: the reporting units ``stated`` are exactly those the rule gives from
    the summary's counts (taken in manifest order, ``unit_order``); :class:`ProtocolError`
    says how they differ."""
    counts = dict(voters_per_unit)
    if sorted(counts) != sorted(unit_order):
        raise ProtocolError("the roll summary does not list every unit of the manifest once")
    units = reporting_units([(u, counts[u]) for u in unit_order], min_unit_size)
    given = tuple((rid, tuple(members)) for rid, members in stated)
    if given != units.listing(unit_order):
        listing = units.listing(unit_order)
        expected = "; ".join(f"{rid}: {', '.join(m)}" for rid, m in listing)
        raise ProtocolError(
            f"the roll's reporting units are not those the rule gives from its counts "
            f"(expected {expected})"
        )
    return units


@dataclass(frozen=True, slots=True)
class RollRow:
    handle: Ciphertext
    handle_proof: RandomnessProof
    unit: Ciphertext
    unit_proof: RandomnessProof
    activation: Ciphertext
    activation_proof: RepresentationProof


def _place(base_hash: bytes, field: str, row: int) -> tuple[bytes, str, bytes, str, int]:
    return (base_hash, ROLL_PLACE, NO_PLACE_ID, field, row)


def make_row(
    base_hash: bytes,
    public_key: Point,
    row: int,
    letter: LetterSecret,
    unit_index: int,
    rng: Randomness,
) -> RollRow:
    """Row ``row`` of the roll for the voter holding ``letter``, in reporting unit
    ``unit_index``."""
    r_v, r_u, r_a = (random_nonzero_scalar(rng) for _ in range(3))
    handle = encrypt_point(public_key, letter.handle(base_hash), r_v)
    unit = encrypt_point(public_key, base_mul(Scalar(unit_index)) if unit_index else IDENTITY, r_u)
    a = letter.activation_scalar(base_hash)
    activation = encrypt_point(public_key, activation_base(base_hash) * a, r_a)
    return RollRow(
        handle,
        prove_randomness(_place(base_hash, "handle", row), public_key, handle, r_v, rng),
        unit,
        prove_randomness(_place(base_hash, "unit", row), public_key, unit, r_u, rng),
        activation,
        prove_ciphertext_representation(
            ACTIVATION_PROOF_TAG,
            (base_hash, ROLL_PLACE, row),
            public_key,
            activation_base(base_hash),
            activation,
            r_a,
            a,
            rng,
        ),
    )


def verify_row(base_hash: bytes, public_key: Point, row: int, item: RollRow) -> None:
    """Raise :class:`InvalidProof` naming the row and the ciphertext unless its three
    proofs verify."""
    what = f"roll row {row}"
    verify_randomness(
        _place(base_hash, "handle", row), public_key, item.handle, item.handle_proof,
        f"{what}, handle",
    )  # fmt: skip
    verify_randomness(
        _place(base_hash, "unit", row), public_key, item.unit, item.unit_proof, f"{what}, unit"
    )
    base = activation_base(base_hash)
    verify_ciphertext_representation(
        ACTIVATION_PROOF_TAG, (base_hash, ROLL_PLACE, row), public_key, base,
        item.activation, item.activation_proof, f"{what}, activation", "activation proof",
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class VoterEntry:
    """What the service is given for one voter (never the letter's secret)."""

    handle: Point
    activation_point: Point
    reporting_unit: str


@dataclass(frozen=True, slots=True)
class MadeRoll:
    """The organiser's tool's output: the letters to print (in the voters' order), what
    the service gets per voter (same order), and the rows for the board (shuffled)."""

    letters: tuple[LetterSecret, ...]
    entries: tuple[VoterEntry, ...]
    rows: tuple[RollRow, ...]
    units: ReportingUnits


def make_roll(
    base_hash: bytes,
    public_key: Point,
    voter_units: Sequence[str],
    unit_order: Sequence[str],
    min_unit_size: int,
    rng: Randomness,
) -> MadeRoll:
    """Letters and rows for voters whose manifest units are ``voter_units`` (the units of
    the manifest in order: ``unit_order``); the rows in an order drawn at random."""
    counts = {u: 0 for u in unit_order}
    for unit in voter_units:
        if unit not in counts:
            raise ProtocolError(f"unit {unit!r} is not a unit of the election")
        counts[unit] += 1
    units = reporting_units([(u, counts[u]) for u in unit_order], min_unit_size)
    letters = tuple(draw_letter(rng, base_hash) for _ in voter_units)
    entries = tuple(
        VoterEntry(
            letter.handle(base_hash), letter.activation_point(base_hash), units.of_unit[unit]
        )
        for letter, unit in zip(letters, voter_units, strict=True)
    )
    order = random_permutation(rng, len(voter_units)) if voter_units else ()
    rows = tuple(
        make_row(base_hash, public_key, i, letters[v], units.index(voter_units[v]), rng)
        for i, v in enumerate(order)
    )
    return MadeRoll(letters, entries, rows, units)


def verify_rows(
    base_hash: bytes, public_key: Point, rows: Sequence[RollRow], first: int = 0
) -> None:
    """Every row's proofs (``roll.encrypted``'s proof part), row ``i`` of ``rows`` at the
    roll's index ``first + i``; :class:`InvalidProof` names the first row that fails."""
    for i, item in enumerate(rows):
        verify_row(base_hash, public_key, first + i, item)


def parts_of(rows: Sequence[RollRow]) -> list[tuple[int, Sequence[RollRow]]]:
    """The rows cut into ``roll-part`` events: (offset, rows) of at most
    :data:`ROLL_PART_ROWS` each, in order."""
    return [(i, rows[i : i + ROLL_PART_ROWS]) for i in range(0, len(rows), ROLL_PART_ROWS)]
