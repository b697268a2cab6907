"""The proof of shuffle against provers that know the protocol and cheat.

The first helpers re-derive the proof from docs/shuffle.md alone (the seed, the vector
challenges, a prover for an arbitrary committed matrix, and the verifier's recomputed
commitments), and the first tests check that the library follows that text.  With them:

* a cheater commits to a matrix whose rows sum to one but which is no permutation, and
  makes the outputs the matching linear combinations of the inputs (so the plaintext sum
  is kept while the plaintexts change): every equation holds except the product one;
* the Haines--Lewis--Pereira--Teague forgeries: with challenges that hash only the
  permutation commitment, one proof verifies for a false statement; rows changed after
  the vector challenges were known pass if the rows are not hashed.  The library hashes
  the whole statement, and rejects both.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import pytest

import honestballot.crypto.shuffle as shuffle_module
from honestballot.crypto.elgamal import Ciphertext, reencrypt
from honestballot.crypto.group import GENERATOR, IDENTITY, Point, Scalar, base_mul, sum_points
from honestballot.crypto.hashing import Part, hash_bytes, hash_to_scalar
from honestballot.crypto.pedersen import derive_commitment_key
from honestballot.crypto.randomness import Randomness, SeededRandomness, random_scalar
from honestballot.crypto.shuffle import (
    VECTOR_CHALLENGE_TAG,
    Rows,
    ShuffleProof,
    prove_shuffle,
    verify_shuffle,
)
from tests.crypto.test_shuffle import (
    CONTEXT,
    PUBLIC,
    WIDTHS,
    Case,
    case,
    decrypt_rows,
    make_rows,
    rejects,
    replace_row,
)

# --- docs/shuffle.md, re-derived -------------------------------------------------------


def ssum(xs: Sequence[Scalar]) -> Scalar:
    return functools.reduce(lambda a, b: a + b, xs, Scalar(0))


def sprod(xs: Sequence[Scalar]) -> Scalar:
    return functools.reduce(lambda a, b: a * b, xs, Scalar(1))


def enc0(r: Scalar) -> Ciphertext:
    return Ciphertext(base_mul(r), PUBLIC * r)


def rows_part(rows: Sequence[Sequence[Ciphertext]]) -> list[Part]:
    return [[[ct.alpha, ct.beta] for ct in row] for row in rows]


def doc_seed(
    context: Sequence[Part],
    inputs: Sequence[Sequence[Ciphertext]],
    outputs: Sequence[Sequence[Ciphertext]],
    commitment: Sequence[Point],
) -> bytes:
    n = len(inputs)
    key = derive_commitment_key(context, n)
    return hash_bytes(
        "shuffle/statement",
        list(context),
        n,
        len(inputs[0]),
        key.chain_base,
        list(key.bases),
        PUBLIC,
        rows_part(inputs),
        rows_part(outputs),
        list(commitment),
    )


def doc_challenge(seed: bytes, chain: Sequence[Point], t: dict[str, Any]) -> Scalar:
    return hash_to_scalar(
        "shuffle/challenge",
        seed,
        list(chain),
        t["t1"],
        t["t2"],
        t["t3"],
        [[ct.alpha, ct.beta] for ct in t["t4"]],
        list(t["t_hat"]),
    )


def library_seed(
    context: Sequence[Part],
    inputs: Sequence[Sequence[Ciphertext]],
    outputs: Sequence[Sequence[Ciphertext]],
    commitment: Sequence[Point],
) -> bytes:
    key = derive_commitment_key(context, len(inputs))
    return shuffle_module._statement_seed(context, key, PUBLIC, inputs, outputs, commitment)


def library_challenge(seed: bytes, chain: Sequence[Point], t: dict[str, Any]) -> Scalar:
    return shuffle_module._final_challenge(
        seed, chain, t["t1"], t["t2"], t["t3"], t["t4"], t["t_hat"]
    )


def doc_recompute(
    inputs: Sequence[Sequence[Ciphertext]],
    outputs: Sequence[Sequence[Ciphertext]],
    p: ShuffleProof,
    *,
    seed_of: Callable[..., bytes] = doc_seed,
) -> dict[str, Any]:
    """The verifier's commitments, straight from the equations of docs/shuffle.md §5."""
    n, w = len(inputs), len(inputs[0])
    key = derive_commitment_key(CONTEXT, n)
    seed = seed_of(CONTEXT, inputs, outputs, p.permutation_commitment)
    u = [hash_to_scalar("shuffle/vector-challenge", seed, j) for j in range(n)]
    c = p.challenge
    c_bar = sum_points(list(p.permutation_commitment)) - sum_points(list(key.bases))
    c_hat = p.chain[-1] - key.chain_base * sprod(u)
    c_tilde = sum_points([cj * uj for cj, uj in zip(p.permutation_commitment, u, strict=True)])
    t4 = []
    for k in range(w):
        a = Ciphertext(IDENTITY, IDENTITY)
        for j in range(n):
            a = a + inputs[j][k].scale(u[j])
        out = Ciphertext(IDENTITY, IDENTITY)
        for i in range(n):
            out = out + outputs[i][k].scale(p.s_prime[i])
        t4.append(out - enc0(p.s4[k]) - a.scale(c))
    previous = [key.chain_base, *p.chain[:-1]]
    return {
        "seed": seed,
        "t1": base_mul(p.s1) - c_bar * c,
        "t2": base_mul(p.s2) - c_hat * c,
        "t3": base_mul(p.s3)
        + sum_points([h * s for h, s in zip(key.bases, p.s_prime, strict=True)])
        - c_tilde * c,
        "t4": t4,
        "t_hat": [
            base_mul(p.s_hat[i]) + previous[i] * p.s_prime[i] - p.chain[i] * c for i in range(n)
        ],
    }


def prove_with_matrix(
    inputs: Rows,
    outputs: Rows,
    matrix: Sequence[Sequence[int | Scalar]],
    randomness: Sequence[Sequence[Scalar]],
    rng: Randomness,
    *,
    seed_of: Callable[..., bytes] = library_seed,
    challenge_of: Callable[..., Scalar] = library_challenge,
) -> tuple[ShuffleProof, dict[str, Any]]:
    """docs/shuffle.md §4 for the committed 0/1 -- or any -- matrix ``M`` (``M[i][j] = 1``
    iff output i comes from input j): ``u~ = M u``, and ``s4`` from ``randomness``.  The
    hashes are the library's unless ``seed_of`` / ``challenge_of`` say otherwise."""
    n, w = len(inputs), len(inputs[0])
    key = derive_commitment_key(CONTEXT, n)
    m = [[x if isinstance(x, Scalar) else Scalar.of(x) for x in row] for row in matrix]
    rho = [random_scalar(rng) for _ in range(n)]
    com = tuple(
        sum_points([base_mul(rho[j])] + [key.bases[i] * m[i][j] for i in range(n)])
        for j in range(n)
    )
    seed = seed_of(CONTEXT, inputs, outputs, com)
    u = [hash_to_scalar(VECTOR_CHALLENGE_TAG, seed, j) for j in range(n)]
    ut = [ssum([m[i][j] * u[j] for j in range(n)]) for i in range(n)]
    r_hat = [random_scalar(rng) for _ in range(n)]
    chain = []
    previous = key.chain_base
    for i in range(n):
        previous = base_mul(r_hat[i]) + previous * ut[i]
        chain.append(previous)
    om1, om2, om3 = random_scalar(rng), random_scalar(rng), random_scalar(rng)
    om4 = [random_scalar(rng) for _ in range(w)]
    om_hat = [random_scalar(rng) for _ in range(n)]
    om_prime = [random_scalar(rng) for _ in range(n)]
    anchors = [key.chain_base, *chain[:-1]]
    t4 = []
    for k in range(w):
        acc = enc0(om4[k]).scale(Scalar.of(-1))
        for i in range(n):
            acc = acc + outputs[i][k].scale(om_prime[i])
        t4.append(acc)
    t = {
        "t1": base_mul(om1),
        "t2": base_mul(om2),
        "t3": base_mul(om3) + sum_points([h * s for h, s in zip(key.bases, om_prime, strict=True)]),
        "t4": t4,
        "t_hat": [base_mul(om_hat[i]) + anchors[i] * om_prime[i] for i in range(n)],
    }
    c = challenge_of(seed, chain, t)
    chain_secret = Scalar(0)
    for i in range(n):
        chain_secret = r_hat[i] + ut[i] * chain_secret
    proof = ShuffleProof(
        permutation_commitment=com,
        chain=tuple(chain),
        challenge=c,
        s1=om1 + c * ssum(rho),
        s2=om2 + c * chain_secret,
        s3=om3 + c * ssum([rho[j] * u[j] for j in range(n)]),
        s4=tuple(om4[k] + c * ssum([ut[i] * randomness[i][k] for i in range(n)]) for k in range(w)),
        s_hat=tuple(om_hat[i] + c * r_hat[i] for i in range(n)),
        s_prime=tuple(om_prime[i] + c * ut[i] for i in range(n)),
    )
    return proof, t


# --- the library follows the documentation ----------------------------------------------


@pytest.mark.parametrize("w", WIDTHS)
def test_library_proofs_satisfy_the_documented_equations(w: int) -> None:
    c = case(5, w)
    key = derive_commitment_key(CONTEXT, 5)
    t = doc_recompute(c.inputs, c.outputs, c.proof)
    assert t["seed"] == shuffle_module._statement_seed(
        CONTEXT, key, PUBLIC, c.inputs, c.outputs, c.proof.permutation_commitment
    )
    assert doc_challenge(t["seed"], c.proof.chain, t) == c.proof.challenge


@pytest.mark.parametrize("w", WIDTHS)
def test_a_proof_made_from_the_documentation_verifies(w: int) -> None:
    c = case(5, w)
    perm = c.witness.permutation
    matrix = [[int(perm[i] == j) for j in range(5)] for i in range(5)]
    proof, t = prove_with_matrix(
        c.inputs,
        c.outputs,
        matrix,
        c.witness.randomness,
        SeededRandomness("doc"),
        seed_of=doc_seed,
        challenge_of=doc_challenge,
    )
    verify_shuffle(CONTEXT, PUBLIC, c.inputs, c.outputs, proof)
    assert {k: v for k, v in doc_recompute(c.inputs, c.outputs, proof).items() if k != "seed"} == t


@pytest.mark.parametrize("w", WIDTHS)
def test_a_matrix_that_is_no_permutation_fails_only_the_product_equation(w: int) -> None:
    """Rows 0 and 1 of ``M`` are (2, -1) and (-1, 2): every row sums to 1 (so the sum
    check passes) and ``M^T out = in`` for ``out_0 = (2*in_0 + in_1)/3`` and ``out_1 =
    (in_0 + 2*in_1)/3`` (so the re-encryption equation passes), but the plaintexts change
    (their sum does not).  Only ``prod (M u)_i != prod u_j`` gives it away."""
    n = 4
    inputs = make_rows(n, w)
    third = Scalar(3).inverse()
    rng = SeededRandomness(f"matrix-{w}")
    randomness = [[random_scalar(rng) for _ in range(w)] for _ in range(n)]
    mixed = [
        [(inputs[0][k].scale(Scalar(2)) + inputs[1][k]).scale(third) for k in range(w)],
        [(inputs[0][k] + inputs[1][k].scale(Scalar(2))).scale(third) for k in range(w)],
        list(inputs[2]),
        list(inputs[3]),
    ]
    outputs = tuple(
        tuple(reencrypt(PUBLIC, ct, r) for ct, r in zip(mixed[i], randomness[i], strict=True))
        for i in range(n)
    )
    assert decrypt_rows(outputs) != decrypt_rows(inputs)
    matrix = [[2, -1, 0, 0], [-1, 2, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
    proof, t = prove_with_matrix(inputs, outputs, matrix, randomness, rng)
    again = doc_recompute(inputs, outputs, proof, seed_of=library_seed)
    for name in ("t1", "t3", "t4", "t_hat"):
        assert again[name] == t[name], name
    assert again["t2"] != t["t2"]
    rejects(inputs, outputs, proof)


@pytest.mark.parametrize("w", WIDTHS)
def test_a_matrix_chosen_after_the_vector_challenges_is_rejected(
    w: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outputs ``out_0 = in_0/2``, ``out_1 = 2*in_1`` (re-encrypted) change both plaintexts
    but keep ``prod u~ = prod u`` for ``u~ = (2*u_0, u_1/2)``.  A matrix ``M`` with rows
    summing to 1 and ``M u = u~`` exists for each single ``u``; a cheater who could pick
    it after seeing ``u`` would pass every equation.  Hashing the permutation commitment
    into ``u`` forbids that: with a seed that leaves it out, the forgery verifies."""
    inputs = make_rows(2, w)
    d = [Scalar(2).inverse(), Scalar(2)]  # out_i = d_i * in_i, so u~_i = u_i / d_i
    rng = SeededRandomness(f"late-matrix-{w}")
    randomness = [[random_scalar(rng) for _ in range(w)] for _ in range(2)]
    outputs = tuple(
        tuple(reencrypt(PUBLIC, inputs[i][k].scale(d[i]), randomness[i][k]) for k in range(w))
        for i in range(2)
    )
    assert decrypt_rows(outputs) != decrypt_rows(inputs)

    def cheat(seed_without_commitment: bytes) -> ShuffleProof:
        u = [hash_to_scalar(VECTOR_CHALLENGE_TAG, seed_without_commitment, j) for j in range(2)]
        ut = [u[0] * d[0].inverse(), u[1] * d[1].inverse()]
        gap = (u[0] - u[1]).inverse()
        matrix = []
        for i in range(2):  # m_i0*u_0 + m_i1*u_1 = u~_i and m_i0 + m_i1 = 1
            m0 = (ut[i] - u[1]) * gap
            matrix.append([m0, Scalar(1) - m0])
        proof, _ = prove_with_matrix(inputs, outputs, matrix, randomness, rng)
        return proof

    def weak_seed(context: Any, key: Any, pk: Any, ins: Any, outs: Any, com: Any) -> bytes:
        return hash_bytes("test/no-commitment", list(context), pk, rows_part(ins), rows_part(outs))

    with monkeypatch.context() as m:
        m.setattr(shuffle_module, "_statement_seed", weak_seed)
        forged = cheat(weak_seed(CONTEXT, None, PUBLIC, inputs, outputs, None))
        verify_shuffle(CONTEXT, PUBLIC, inputs, outputs, forged)  # fooled
    # the real seed: whatever u the cheater aims at, committing changes it
    aimed_at = library_seed(CONTEXT, inputs, outputs, [GENERATOR, GENERATOR])
    rejects(inputs, outputs, cheat(aimed_at))


# --- weak Fiat--Shamir (Haines, Lewis, Pereira, Teague) -------------------------------


def _forge(inputs: Rows, outputs: Rows, proof: ShuffleProof, u0: Scalar) -> tuple[Rows, Rows]:
    """Change input 0's first ciphertext by ``delta`` (an encryption of 1 with no
    randomness) and output 1's by ``(c*u_0/s'_1)*delta``: every verification equation
    that depends on the rows is unchanged if ``u_0`` and ``c`` are."""
    delta = Ciphertext(IDENTITY, GENERATOR)
    factor = proof.challenge * u0 * proof.s_prime[1].inverse()
    forged_in = replace_row(inputs, 0, (inputs[0][0] + delta, *inputs[0][1:]))
    forged_out = replace_row(outputs, 1, (outputs[1][0] + delta.scale(factor), *outputs[1][1:]))
    return forged_in, forged_out


def test_weak_fiat_shamir_forgery_works_only_against_the_weak_hash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    c = case(5, 3)

    def weak_seed(context: Any, key: Any, pk: Any, ins: Any, outs: Any, com: Any) -> bytes:
        return hash_bytes("test/weak-seed", tuple(com))  # the commitment only

    with monkeypatch.context() as m:
        m.setattr(shuffle_module, "_statement_seed", weak_seed)
        proof = prove_shuffle(
            CONTEXT, PUBLIC, c.inputs, c.outputs, c.witness, SeededRandomness("weak")
        )
        weak = weak_seed(None, None, None, None, None, proof.permutation_commitment)
        u0 = hash_to_scalar(VECTOR_CHALLENGE_TAG, weak, 0)
        forged_in, forged_out = _forge(c.inputs, c.outputs, proof, u0)
        verify_shuffle(CONTEXT, PUBLIC, forged_in, forged_out, proof)  # fooled...
        assert decrypt_rows(forged_out) != decrypt_rows(forged_in)  # ...by a false statement
        verify_shuffle(CONTEXT, PUBLIC, c.inputs, c.outputs, proof)  # and the true one

    # the real hashing: the statement is in the seed, so changing it changes u and c
    seed = library_seed(CONTEXT, c.inputs, c.outputs, c.proof.permutation_commitment)
    u0 = hash_to_scalar(VECTOR_CHALLENGE_TAG, seed, 0)
    forged_in, forged_out = _forge(c.inputs, c.outputs, c.proof, u0)
    rejects(forged_in, forged_out, c.proof)


def _vector_challenges(c: Case, proof: ShuffleProof) -> list[Scalar]:
    seed = library_seed(CONTEXT, c.inputs, c.outputs, proof.permutation_commitment)
    return [hash_to_scalar(VECTOR_CHALLENGE_TAG, seed, j) for j in range(proof.rows)]


@pytest.mark.parametrize("w", WIDTHS)
def test_rows_chosen_after_the_vector_challenges_are_rejected(w: int) -> None:
    """The adaptive attack: with ``u`` known, two input rows (or two output rows) are
    changed so that ``sum_j u_j*input_j`` (or ``sum_i u~_i*output_i``) stays the same
    while the plaintexts change.  The honest prover, run again on the changed rows with
    the same randomness, would pass if the rows were not hashed; they are, so ``u``
    changes with them and the proof fails."""
    c = case(5, w)
    seed = f"adaptive-{w}"
    proof = prove_shuffle(CONTEXT, PUBLIC, c.inputs, c.outputs, c.witness, SeededRandomness(seed))
    u = _vector_challenges(c, proof)
    delta = Ciphertext(IDENTITY, GENERATOR)  # an encryption of 1 with no randomness

    def moved(rows: Rows, a: int, b: int, ua: Scalar, ub: Scalar) -> Rows:
        rows = replace_row(rows, a, (rows[a][0] + delta, *rows[a][1:]))
        return replace_row(rows, b, (rows[b][0] - delta.scale(ua * ub.inverse()), *rows[b][1:]))

    forged_in = moved(c.inputs, 0, 1, u[0], u[1])
    assert decrypt_rows(forged_in) != decrypt_rows(c.inputs)
    again = prove_shuffle(CONTEXT, PUBLIC, forged_in, c.outputs, c.witness, SeededRandomness(seed))
    assert again.permutation_commitment == proof.permutation_commitment
    rejects(forged_in, c.outputs, again)

    u_tilde = [u[j] for j in c.witness.permutation]
    forged_out = moved(c.outputs, 2, 3, u_tilde[2], u_tilde[3])
    assert decrypt_rows(forged_out) != decrypt_rows(c.inputs)
    again = prove_shuffle(CONTEXT, PUBLIC, c.inputs, forged_out, c.witness, SeededRandomness(seed))
    rejects(c.inputs, forged_out, again)
