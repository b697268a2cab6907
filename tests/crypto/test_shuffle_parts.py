"""The proof of shuffle verified in parts: :func:`shuffle_statement`, then
:func:`partial_sums` over ranges of rows, then :func:`finish` -- the split a parallel
verifier runs (verify/mixes.py) -- gives :func:`verify_shuffle`'s verdict, word for word.

The proofs and statements are those of test_shuffle.py and test_shuffle_soundness.py:
their tests are run again with ``verify_shuffle`` replaced by a function that verifies
both ways, in one piece and in parts, and requires the same outcome (no error, or the
same error with the same message), so every statement they accept is accepted in parts
and every altered proof element, row or key they reject is rejected in parts.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

import tests.crypto.test_shuffle as plain
import tests.crypto.test_shuffle_soundness as soundness
from honestballot.crypto.elgamal import Ciphertext
from honestballot.crypto.group import GENERATOR, IDENTITY, Point, Scalar
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
    verify_shuffle,
)
from honestballot.errors import InvalidProof
from tests.crypto.test_shuffle import CONTEXT, PUBLIC, case

Verify = Callable[[Sequence[Part], Point, RowsLike, RowsLike, ShuffleProof], None]

#: every test of the two modules that verifies a proof, with its parameters
VERIFYING_TESTS: list[tuple[Callable[..., None], dict[str, Any]]] = [
    *(
        (plain.test_honest_shuffle_verifies_and_keeps_the_plaintexts, {"n": n, "w": w})
        for n in plain.SIZES
        for w in plain.WIDTHS
    ),
    (plain.test_proofs_of_the_same_shuffle_differ_with_the_randomness_but_both_verify, {}),
    (plain.test_a_shuffle_of_a_shuffle_verifies_link_by_link, {}),
    (plain.test_property_complete_and_bound_to_the_output, {}),
    *(
        (test, {"w": w})
        for test in (
            plain.test_dropping_a_row_and_duplicating_another_is_rejected,
            plain.test_a_cheating_map_that_is_no_permutation_is_caught,
            plain.test_a_row_encrypting_another_plaintext_is_rejected,
            plain.test_rows_swapped_after_proving_are_rejected,
            soundness.test_a_proof_made_from_the_documentation_verifies,
            soundness.test_a_matrix_that_is_no_permutation_fails_only_the_product_equation,
            soundness.test_a_matrix_chosen_after_the_vector_challenges_is_rejected,
            soundness.test_rows_chosen_after_the_vector_challenges_are_rejected,
        )
        for w in plain.WIDTHS
    ),
    (plain.test_another_key_context_or_input_list_is_rejected, {}),
    *(
        (plain.test_every_altered_proof_element_is_rejected, {"n": n, "w": w})
        for n in (1, 5)
        for w in plain.WIDTHS
    ),
    (plain.test_a_permutation_commitment_from_another_proof_is_rejected, {}),
    (plain.test_malformed_statements_are_rejected, {}),
    (soundness.test_weak_fiat_shamir_forgery_works_only_against_the_weak_hash, {}),
]


def outcome(verify: Verify, *args: Any) -> tuple[str, str] | None:
    try:
        verify(*args)
    except Exception as exc:
        return type(exc).__name__, str(exc)
    return None


@contextmanager
def verified_both_ways(in_parts: Verify) -> Iterator[list[tuple[str, str] | None]]:
    """``verify_shuffle`` in the two test modules replaced by a check that ``in_parts``
    gives the same outcome as ``verify_shuffle``; yields the outcomes seen."""
    seen: list[tuple[str, str] | None] = []

    def both(*args: Any) -> None:
        expected = outcome(verify_shuffle, *args)
        got = outcome(in_parts, *args)
        assert got == expected, f"in parts: {got}; in one piece: {expected}"
        seen.append(got)
        verify_shuffle(*args)  # raises as it did

    with pytest.MonkeyPatch.context() as m:
        m.setattr(plain, "verify_shuffle", both)
        m.setattr(soundness, "verify_shuffle", both)
        yield seen


def run_verifying_tests(in_parts: Verify) -> list[tuple[str, str] | None]:
    """Every test of :data:`VERIFYING_TESTS`, each proof verified both ways."""
    with verified_both_ways(in_parts) as seen:
        for test, kwargs in VERIFYING_TESTS:
            if "monkeypatch" in test.__code__.co_varnames[: test.__code__.co_argcount]:
                with pytest.MonkeyPatch.context() as m:
                    test(monkeypatch=m, **kwargs)
            else:
                test(**kwargs)
    return seen


def _round_trip(value: Any) -> Any:
    return pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def cut(n: int) -> list[tuple[int, int]]:
    """Ranges of 1, 2, 3, 1, 2, 3... rows, and an empty one, covering ``0 .. n-1``."""
    ranges = [(0, 0)]
    start, size = 0, 1
    while start < n:
        ranges.append((start, min(n, start + size)))
        start, size = start + size, size % 3 + 1
    return ranges


def verify_in_parts(
    context: Sequence[Part],
    public_key: Point,
    input_rows: RowsLike,
    output_rows: RowsLike,
    proof: ShuffleProof,
) -> None:
    """The three steps, with the rows in ranges of 1 to 3 that travel pickled (rows, the
    challenges and the partial sums), and the parts given to ``finish`` last first."""
    statement = shuffle_statement(context, public_key, input_rows, output_rows, proof)
    challenges = _round_trip(statement.challenges)
    parts = [
        _round_trip(partial_sums(challenges, _round_trip(statement.rows(a, b))))
        for a, b in cut(statement.size)
    ]
    finish(statement, parts[::-1])


def test_the_parts_give_verify_shuffles_verdict_on_every_test_proof() -> None:
    seen = run_verifying_tests(verify_in_parts)
    accepted = sum(1 for s in seen if s is None)
    rejected = [s for s in seen if s is not None]
    assert accepted >= 20 and len(rejected) >= 60, (accepted, len(rejected))
    assert {kind for kind, _ in rejected} == {"InvalidProof"}
    assert sum("does not verify" in message for _, message in rejected) >= 50


def test_parts_in_one_piece_or_row_by_row_add_up_to_the_same_sums() -> None:
    c = case(17, 3)
    statement = shuffle_statement(CONTEXT, PUBLIC, c.inputs, c.outputs, c.proof)
    whole = partial_sums(statement.challenges, statement.rows())
    rows = [partial_sums(statement.challenges, statement.rows(i, i + 1)) for i in range(17)]
    assert (whole.start, whole.stop) == (0, 17)
    assert [(p.start, p.stop) for p in rows] == [(i, i + 1) for i in range(17)]
    product = Scalar(1)
    c_bar = t3 = IDENTITY
    t4 = [Ciphertext(IDENTITY, IDENTITY)] * 3
    for p in rows:
        product = product * p.u_product
        c_bar, t3 = c_bar + p.c_bar, t3 + p.t3
        t4 = [a + b for a, b in zip(t4, p.t4, strict=True)]
    assert (product, c_bar, t3, tuple(t4)) == (whole.u_product, whole.c_bar, whole.t3, whole.t4)
    assert tuple(t for p in rows for t in p.t_hat) == whole.t_hat
    finish(statement, rows)
    finish(statement, [whole, partial_sums(statement.challenges, [])])


def test_parts_that_do_not_cover_the_rows_once_are_refused() -> None:
    c = case(5, 1)
    statement = shuffle_statement(CONTEXT, PUBLIC, c.inputs, c.outputs, c.proof)
    ch = statement.challenges

    def part(a: int, b: int) -> PartialSums:
        return partial_sums(ch, statement.rows(a, b))

    finish(statement, [part(2, 5), part(0, 2)])
    for parts in (
        [],
        [part(0, 2)],  # rows 2..4 missing
        [part(0, 2), part(3, 5)],  # row 2 missing
        [part(0, 3), part(2, 5)],  # row 2 twice
        [part(0, 5), part(0, 5)],  # every row twice
        [part(0, 2), part(2, 5), part(4, 5)],  # row 4 twice
    ):
        with pytest.raises(ValueError, match="cover"):
            finish(statement, parts)
    w3 = case(5, 3)
    wide = shuffle_statement(CONTEXT, PUBLIC, w3.inputs, w3.outputs, w3.proof)
    with pytest.raises(ValueError, match="not 3 wide"):
        finish(wide, [part(0, 5)])
    rows = statement.rows()
    with pytest.raises(ValueError, match="not consecutive at row 3"):
        partial_sums(ch, [rows[0], rows[1], rows[3]])
    with pytest.raises(ValueError, match="not 3 ciphertexts wide"):
        partial_sums(RowChallenges(ch.seed, ch.challenge, 3), rows)
    with pytest.raises(ValueError, match=r"rows 4\.\.6 of a statement of 5 rows"):
        statement.rows(4, 6)


def test_a_malformed_statement_is_refused_before_any_row_is_looked_at() -> None:
    c = case(5, 3)
    with pytest.raises(InvalidProof, match="4 output rows"):
        shuffle_statement(CONTEXT, PUBLIC, c.inputs, c.outputs[:4], c.proof)
    with pytest.raises(InvalidProof, match="5 rows of 3, the statement has 4 rows of 3"):
        shuffle_statement(CONTEXT, PUBLIC, c.inputs[:4], c.outputs[:4], c.proof)


@pytest.mark.parametrize("w", [1, 3])
def test_a_row_pickles_as_its_encodings(w: int) -> None:
    """What the parallel verifier ships per row: ``4w + 6`` encodings of 32 bytes and a
    little framing; the row comes back equal, identity points (a ciphertext's alpha may
    be one) and the generator included."""
    c = case(5, w)
    statement = shuffle_statement(CONTEXT, PUBLIC, c.inputs, c.outputs, c.proof)
    rows = statement.rows()
    odd = ShuffleRow(
        7,
        (Ciphertext(IDENTITY, GENERATOR), *rows[1].input[1:]),
        rows[1].output,
        rows[1].base,
        rows[1].commitment,
        GENERATOR,
        rows[1].chain,
        Scalar(0),
        rows[1].s_prime,
    )
    for row in (*rows, odd):
        blob = pickle.dumps(row, protocol=pickle.HIGHEST_PROTOCOL)
        assert 32 * (4 * w + 6) < len(blob) < 32 * (4 * w + 6) + 100
        back = pickle.loads(blob)
        assert back == row
    assert pickle.loads(pickle.dumps(odd)).previous is GENERATOR
    unpickle, (index, width, blob) = rows[0].__reduce__()
    assert unpickle(index, width, blob) == rows[0]
    with pytest.raises(ValueError, match="a pickled row of width"):
        unpickle(index, width, blob[:-32])


def test_the_statement_repr_is_short() -> None:
    c = case(17, 3)
    statement = shuffle_statement(CONTEXT, PUBLIC, c.inputs, c.outputs, c.proof)
    assert repr(statement) == f"ShuffleStatement(rows=17, width=3, seed={statement.seed.hex()})"


def test_the_comparison_would_catch_a_verifier_that_differs() -> None:
    """The check above is not vacuous: a verifier that accepts everything, or one that
    leaves out the last row, is caught at the first proof it disagrees on."""

    def lenient(*args: Any) -> None:
        pass

    def last_row_left_out(
        context: Sequence[Part], key: Point, ins: RowsLike, outs: RowsLike, proof: ShuffleProof
    ) -> None:
        statement = shuffle_statement(context, key, ins, outs, proof)
        finish(
            statement, [partial_sums(statement.challenges, statement.rows(0, statement.size - 1))]
        )

    for wrong in (lenient, last_row_left_out):
        with pytest.raises(AssertionError, match="in parts"):
            run_verifying_tests(wrong)
