"""A verifiable re-encryption shuffle: Terelius--Wikström's commitment-consistent proof.

docs/shuffle.md is the full specification (bases, hashing, equations, JSON form); this
docstring is its summary.  Notation: ``G`` the generator, ``H`` the election public key,
``c`` the Fiat--Shamir challenge, ``E(r) = (r*G, r*H)`` an encryption of zero.

**Statement.**  ``N >= 1`` input rows and ``N`` output rows, each of ``w >= 1``
ciphertexts (every row the same width).  There is a permutation ``pi`` of ``0 .. N-1``
and scalars ``r_{i,k}`` with::

    output[i][k] = input[pi(i)][k] + E(r_{i,k})          i = 0 .. N-1, k = 0 .. w-1

so output row ``i`` is input row ``pi(i)`` re-encrypted, with fresh randomness for each
ciphertext and one permutation for the whole row.

**Proof** (CHVote's / Haenni et al.'s presentation of Terelius--Wikström, in compact
(challenge, response) form, extended to rows as in Haines et al.'s parallel variant).
With the bases of :mod:`honestballot.crypto.pedersen` (``h``, ``h_0 .. h_{N-1}``):

1. permutation commitment ``c_{pi(i)} = rho_{pi(i)}*G + h_i``;
2. ``seed = hash_bytes("shuffle/statement", [context], N, w, h, [h_i], H, inputs,
   outputs, [c_j])``; vector challenges ``u_j = hash_to_scalar("shuffle/vector-challenge",
   seed, j)``; ``u~_i = u_{pi(i)}``;
3. commitment chain ``c^_{-1} = h``, ``c^_i = r^_i*G + u~_i*c^_{i-1}``;
4. with random ``o_1, o_2, o_3, o_4[k], o^_i, o'_i`` (the omegas of docs/shuffle.md)::

       t_1 = o_1*G                 t_2 = o_2*G            t_3 = o_3*G + sum_i o'_i*h_i
       t_4[k] = sum_i o'_i*output[i][k] - E(o_4[k])       t^_i = o^_i*G + o'_i*c^_{i-1}

5. ``c = hash_to_scalar("shuffle/challenge", seed, [c^_i], t_1, t_2, t_3, [t_4[k]], [t^_i])``;
6. responses ``s_1 = o_1 + c*sum_j rho_j``, ``s_2 = o_2 + c*R`` (``R`` the G-part of
   ``c^_{N-1}``), ``s_3 = o_3 + c*sum_j rho_j*u_j``, ``s_4[k] = o_4[k] + c*sum_i
   u~_i*r_{i,k}``, ``s^_i = o^_i + c*r^_i``, ``s'_i = o'_i + c*u~_i``.

The verifier recomputes every ``t`` from the responses and checks the hash::

    t_1 = s_1*G - c*(sum_j c_j - sum_i h_i)
    t_2 = s_2*G - c*(c^_{N-1} - (prod_j u_j)*h)
    t_3 = s_3*G + sum_i s'_i*h_i - c*sum_j u_j*c_j
    t_4[k] = sum_i s'_i*output[i][k] - E(s_4[k]) - c*sum_j u_j*input[j][k]
    t^_i = s^_i*G + s'_i*c^_{i-1} - c*c^_i

Every challenge absorbs the whole statement (context, bases, key, all rows, the
permutation commitment): a proof that hashed only its own commitments would verify for
other statements too (Haines, Lewis, Pereira, Teague, IEEE S&P 2020).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from honestballot.crypto.elgamal import Ciphertext, reencrypt
from honestballot.crypto.group import (
    IDENTITY,
    Point,
    Scalar,
    _unpickle_point,
    base_mul,
    sum_points,
)
from honestballot.crypto.hashing import Part, hash_bytes, hash_to_scalar
from honestballot.crypto.pedersen import (
    CommitmentKey,
    commit,
    commit_permutation,
    derive_commitment_key,
)
from honestballot.crypto.randomness import Randomness, random_permutation, random_scalar
from honestballot.errors import EncodingError, InvalidProof

STATEMENT_TAG = "shuffle/statement"
VECTOR_CHALLENGE_TAG = "shuffle/vector-challenge"
CHALLENGE_TAG = "shuffle/challenge"

Rows = tuple[tuple[Ciphertext, ...], ...]
RowsLike = Sequence[Sequence[Ciphertext]]


@dataclass(frozen=True, slots=True, repr=False)
class ShuffleWitness:
    """What the mixer keeps secret: ``output[i][k] = input[permutation[i]][k] +
    E(randomness[i][k])``.  Its repr shows the shape only."""

    permutation: tuple[int, ...]
    randomness: tuple[tuple[Scalar, ...], ...]

    def __post_init__(self) -> None:
        n = len(self.permutation)
        if n < 1 or sorted(self.permutation) != list(range(n)):
            raise ValueError("the witness's permutation is not a permutation of 0..N-1")
        if len(self.randomness) != n or len({len(r) for r in self.randomness}) != 1:
            raise ValueError("the witness needs N rows of randomness, all of one width")
        if not self.randomness[0]:
            raise ValueError("the witness's rows of randomness are empty")

    @property
    def rows(self) -> int:
        return len(self.permutation)

    @property
    def width(self) -> int:
        return len(self.randomness[0])

    def __repr__(self) -> str:
        return f"ShuffleWitness(rows={self.rows}, width={self.width}, <secret>)"


@dataclass(frozen=True, slots=True)
class ShuffleProof:
    """A proof of shuffle for ``N`` rows of width ``w``.

    ``permutation_commitment[j]`` is ``c_j`` (indexed like the input rows), ``chain[i]``
    is ``c^_i``; ``s4`` has one response per column, ``s_hat`` and ``s_prime`` one per row.
    """

    permutation_commitment: tuple[Point, ...]
    chain: tuple[Point, ...]
    challenge: Scalar
    s1: Scalar
    s2: Scalar
    s3: Scalar
    s4: tuple[Scalar, ...]
    s_hat: tuple[Scalar, ...]
    s_prime: tuple[Scalar, ...]

    def __post_init__(self) -> None:
        n = len(self.permutation_commitment)
        if n < 1:
            raise EncodingError("a shuffle proof covers at least one row")
        for name, items in (
            ("chain", self.chain),
            ("s_hat", self.s_hat),
            ("s_prime", self.s_prime),
        ):
            if len(items) != n:
                raise EncodingError(f"shuffle proof: {len(items)} {name} items for {n} rows")
        if not self.s4:
            raise EncodingError("shuffle proof: no s4 response (width 0)")
        for name, points in (
            ("permutation_commitment", self.permutation_commitment),
            ("chain", self.chain),
        ):
            if any(p.is_identity() for p in points):
                raise EncodingError(f"shuffle proof: an element of {name} is the identity")

    @property
    def rows(self) -> int:
        return len(self.permutation_commitment)

    @property
    def width(self) -> int:
        return len(self.s4)


# -- the statement and its hashes ------------------------------------------------------


def _shape(rows: RowsLike, what: str) -> tuple[int, int]:
    if len(rows) == 0:
        raise ValueError(f"the {what} list has no rows (a shuffle needs at least one)")
    width = len(rows[0])
    if width == 0:
        raise ValueError(f"{what} row 0 is empty (rows hold at least one ciphertext)")
    for i, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(f"{what} row {i} has {len(row)} ciphertexts, row 0 has {width}")
    return len(rows), width


def _check_statement(public_key: Point, inputs: RowsLike, outputs: RowsLike) -> tuple[int, int]:
    """``(N, w)`` of a well-formed statement; ``ValueError`` naming what is wrong."""
    if public_key.is_identity():
        raise ValueError("the public key is the identity")
    n, w = _shape(inputs, "input")
    n_out, w_out = _shape(outputs, "output")
    if n_out != n:
        raise ValueError(f"{n} input rows but {n_out} output rows")
    if w_out != w:
        raise ValueError(f"input rows have {w} ciphertexts, output rows {w_out}")
    return n, w


def _rows_part(rows: RowsLike) -> Part:
    return tuple(tuple((ct.alpha, ct.beta) for ct in row) for row in rows)


def _statement_seed(
    context: Sequence[Part],
    key: CommitmentKey,
    public_key: Point,
    inputs: RowsLike,
    outputs: RowsLike,
    permutation_commitment: Sequence[Point],
) -> bytes:
    return hash_bytes(
        STATEMENT_TAG,
        tuple(context),
        len(inputs),
        len(inputs[0]),
        key.chain_base,
        key.bases,
        public_key,
        _rows_part(inputs),
        _rows_part(outputs),
        tuple(permutation_commitment),
    )


def _vector_challenge(seed: bytes, j: int) -> Scalar:
    return hash_to_scalar(VECTOR_CHALLENGE_TAG, seed, j)


def _vector_challenges(seed: bytes, n: int) -> list[Scalar]:
    return [_vector_challenge(seed, j) for j in range(n)]


def _final_challenge(
    seed: bytes,
    chain: Sequence[Point],
    t1: Point,
    t2: Point,
    t3: Point,
    t4: Sequence[Ciphertext],
    t_hat: Sequence[Point],
) -> Scalar:
    return hash_to_scalar(
        CHALLENGE_TAG,
        seed,
        tuple(chain),
        t1,
        t2,
        t3,
        tuple((ct.alpha, ct.beta) for ct in t4),
        tuple(t_hat),
    )


def _weighted_sum(points: Sequence[Point], scalars: Sequence[Scalar]) -> Point:
    """``sum_i scalars[i]*points[i]`` (one multiplication per term: no multi-scalar
    multiplication in libsodium)."""
    return sum_points([p * s for p, s in zip(points, scalars, strict=True)])


def _column_sum(rows: RowsLike, k: int, scalars: Sequence[Scalar]) -> Ciphertext:
    """``sum_i scalars[i]*rows[i][k]``, component-wise."""
    return Ciphertext(
        _weighted_sum([row[k].alpha for row in rows], scalars),
        _weighted_sum([row[k].beta for row in rows], scalars),
    )


# -- shuffling, proving, verifying -----------------------------------------------------


def shuffle(public_key: Point, rows: RowsLike, rng: Randomness) -> tuple[Rows, ShuffleWitness]:
    """Permute ``rows`` uniformly at random and re-encrypt every ciphertext:
    ``output[i][k] = rows[pi(i)][k] + E(r_{i,k})``."""
    if public_key.is_identity():
        raise ValueError("the public key is the identity")
    n, w = _shape(rows, "input")
    permutation = random_permutation(rng, n)
    randomness = tuple(tuple(random_scalar(rng) for _ in range(w)) for _ in range(n))
    output = tuple(
        tuple(
            reencrypt(public_key, ct, r)
            for ct, r in zip(rows[permutation[i]], randomness[i], strict=True)
        )
        for i in range(n)
    )
    return output, ShuffleWitness(permutation, randomness)


def prove_shuffle(
    context: Sequence[Part],
    public_key: Point,
    input_rows: RowsLike,
    output_rows: RowsLike,
    witness: ShuffleWitness,
    rng: Randomness,
) -> ShuffleProof:
    """Prove that ``output_rows`` is a re-encrypting shuffle of ``input_rows`` under
    ``public_key``.  ``context`` (the election's base hash, the mixer's position...) binds
    the proof and derives its bases.  A witness that does not match the rows yields a
    proof that does not verify (the prover does not re-check it: that would cost as
    much as the shuffle)."""
    n, w = _check_statement(public_key, input_rows, output_rows)
    if (witness.rows, witness.width) != (n, w):
        raise ValueError(
            f"the witness is for {witness.rows} rows of {witness.width}, the statement "
            f"has {n} rows of {w}"
        )
    key = derive_commitment_key(context, n)
    perm = witness.permutation

    rho = [random_scalar(rng) for _ in range(n)]
    commitment = commit_permutation(key, perm, rho)
    seed = _statement_seed(context, key, public_key, input_rows, output_rows, commitment)
    u = _vector_challenges(seed, n)
    u_tilde = [u[perm[i]] for i in range(n)]

    r_hat = [random_scalar(rng) for _ in range(n)]
    chain: list[Point] = []
    previous = key.chain_base
    for i in range(n):
        previous = base_mul(r_hat[i]) + previous * u_tilde[i]
        chain.append(previous)

    om1, om2, om3 = random_scalar(rng), random_scalar(rng), random_scalar(rng)
    om4 = [random_scalar(rng) for _ in range(w)]
    om_hat = [random_scalar(rng) for _ in range(n)]
    om_prime = [random_scalar(rng) for _ in range(n)]
    t1 = base_mul(om1)
    t2 = base_mul(om2)
    t3 = commit(key, om_prime, om3)
    t4 = [
        _column_sum(output_rows, k, om_prime) - Ciphertext(base_mul(om4[k]), public_key * om4[k])
        for k in range(w)
    ]
    anchors = [key.chain_base, *chain[:-1]]
    t_hat = [base_mul(om_hat[i]) + anchors[i] * om_prime[i] for i in range(n)]
    c = _final_challenge(seed, chain, t1, t2, t3, t4, t_hat)

    chain_secret = Scalar(0)  # R with c^_{N-1} = R*G + (prod u~)*h
    for i in range(n):
        chain_secret = r_hat[i] + u_tilde[i] * chain_secret
    rho_sum = Scalar(0)
    rho_u = Scalar(0)
    for j in range(n):
        rho_sum = rho_sum + rho[j]
        rho_u = rho_u + rho[j] * u[j]
    s4 = []
    for k in range(w):
        r_k = Scalar(0)
        for i in range(n):
            r_k = r_k + u_tilde[i] * witness.randomness[i][k]
        s4.append(om4[k] + c * r_k)
    return ShuffleProof(
        permutation_commitment=commitment,
        chain=tuple(chain),
        challenge=c,
        s1=om1 + c * rho_sum,
        s2=om2 + c * chain_secret,
        s3=om3 + c * rho_u,
        s4=tuple(s4),
        s_hat=tuple(om_hat[i] + c * r_hat[i] for i in range(n)),
        s_prime=tuple(om_prime[i] + c * u_tilde[i] for i in range(n)),
    )


def verify_shuffle(
    context: Sequence[Part],
    public_key: Point,
    input_rows: RowsLike,
    output_rows: RowsLike,
    proof: ShuffleProof,
) -> None:
    """Raise :class:`InvalidProof` unless ``proof`` shows ``output_rows`` is a
    re-encrypting shuffle of ``input_rows`` under ``public_key`` for ``context``.

    The three steps below, with every row in one range; a parallel verifier runs
    :func:`partial_sums` on ranges of rows elsewhere and gives :func:`finish` their
    results."""
    statement = shuffle_statement(context, public_key, input_rows, output_rows, proof)
    finish(statement, [partial_sums(statement.challenges, statement.rows())])


# -- verification in parts: serial, per range of rows, serial -------------------------
#
# Every term of the verifier's equations (docs/shuffle.md section 5) but the fixed-base
# ones is a sum over the rows, and each row's terms need only that row of the statement
# and the proof, the seed and ``c``: ``t^_i`` needs ``c^_{i-1}``, which the proof holds.
# So the verification splits into
#
# 1. :func:`shuffle_statement`: the checks of the statement's shape, the bases ``h, h_i``
#    and the seed, which hashes the whole statement -- every ``h_i`` included, so the
#    bases are derived here, before any ``u_j`` exists;
# 2. :func:`partial_sums` over any ranges of rows: ``u_j`` for the range, its part of
#    every sum, and its ``t^_i``;
# 3. :func:`finish`: the sums of the parts, the fixed-base terms, ``t_2`` (which needs
#    the product of every ``u_j``) and the hash that must equal ``c``.


@dataclass(frozen=True, slots=True)
class RowChallenges:
    """What each row's part of the verification needs besides the row: the seed (its
    ``u_j``), the proof's challenge ``c`` and the width."""

    seed: bytes
    challenge: Scalar
    width: int


@dataclass(frozen=True, slots=True)
class ShuffleRow:
    """Row ``index`` of a statement and of its proof: the input row ``in_i`` and output
    row ``out_i``, the base ``h_i``, ``c_i``, ``c^_{i-1}`` (``h`` for row 0), ``c^_i``,
    ``s^_i`` and ``s'_i``."""

    index: int
    input: tuple[Ciphertext, ...]
    output: tuple[Ciphertext, ...]
    base: Point
    commitment: Point
    previous: Point
    chain: Point
    s_hat: Scalar
    s_prime: Scalar

    def __reduce__(self) -> tuple[Callable[[int, int, bytes], ShuffleRow], tuple[int, int, bytes]]:
        """Pickled as one string of the 32-byte encodings of its ``4w + 4`` points and
        then its 2 scalars (832 bytes for ``w = 5``; the points pickled one by one would
        take about 1,150): the parallel verifier ships the rows to its workers this way.
        The points are not validated again when unpickled, as for :class:`Point`'s own
        pickling."""
        points = [self.base, self.commitment, self.previous, self.chain]
        for ct in (*self.input, *self.output):
            points += (ct.alpha, ct.beta)
        blob = b"".join([*(p.encode() for p in points), self.s_hat.encode(), self.s_prime.encode()])
        return (_unpickle_row, (self.index, len(self.input), blob))


def _unpickle_row(index: int, width: int, blob: bytes) -> ShuffleRow:
    count = 4 + 4 * width
    if len(blob) != 32 * (count + 2):
        raise ValueError(f"a pickled row of width {width} is {32 * (count + 2)} bytes")
    p = [_unpickle_point(blob[32 * i : 32 * i + 32]) for i in range(count)]
    cts = [Ciphertext(p[i], p[i + 1]) for i in range(4, count, 2)]
    return ShuffleRow(
        index,
        tuple(cts[:width]),
        tuple(cts[width:]),
        p[0],
        p[1],
        p[2],
        p[3],
        Scalar.decode(blob[-64:-32]),
        Scalar.decode(blob[-32:]),
    )


@dataclass(frozen=True, slots=True)
class PartialSums:
    """The verifier's sums over rows ``start .. stop-1`` (with ``u_j``, the weights
    ``-c*u_j``)::

        u_product  = prod_j u_j
        c_bar      = sum_j c_j - sum_i h_i
        t3         = sum_i s'_i*h_i + sum_j (-c*u_j)*c_j
        t4[k]      = sum_i s'_i*out_i[k] + sum_j (-c*u_j)*in_j[k]
        t_hat[i]   = s^_i*G + s'_i*c^_{i-1} - c*c^_i       (i = start .. stop-1)
    """

    start: int
    stop: int
    u_product: Scalar
    c_bar: Point
    t3: Point
    t4: tuple[Ciphertext, ...]
    t_hat: tuple[Point, ...]


@dataclass(frozen=True, slots=True, repr=False)
class ShuffleStatement:
    """A well-formed statement, its proof, the bases and the seed (step 1)."""

    public_key: Point
    input_rows: RowsLike
    output_rows: RowsLike
    proof: ShuffleProof
    key: CommitmentKey
    seed: bytes

    @property
    def size(self) -> int:
        return self.proof.rows

    @property
    def width(self) -> int:
        return self.proof.width

    @property
    def challenges(self) -> RowChallenges:
        return RowChallenges(self.seed, self.proof.challenge, self.width)

    def rows(self, start: int = 0, stop: int | None = None) -> list[ShuffleRow]:
        """Rows ``start .. stop-1`` (all by default) for :func:`partial_sums`."""
        stop = self.size if stop is None else stop
        if not 0 <= start <= stop <= self.size:
            raise ValueError(f"rows {start}..{stop} of a statement of {self.size} rows")
        p = self.proof
        return [
            ShuffleRow(
                i,
                tuple(self.input_rows[i]),
                tuple(self.output_rows[i]),
                self.key.bases[i],
                p.permutation_commitment[i],
                p.chain[i - 1] if i else self.key.chain_base,
                p.chain[i],
                p.s_hat[i],
                p.s_prime[i],
            )
            for i in range(start, stop)
        ]

    def __repr__(self) -> str:
        return f"ShuffleStatement(rows={self.size}, width={self.width}, seed={self.seed.hex()})"


def shuffle_statement(
    context: Sequence[Part],
    public_key: Point,
    input_rows: RowsLike,
    output_rows: RowsLike,
    proof: ShuffleProof,
) -> ShuffleStatement:
    """Step 1: check the statement and the proof's shape (:class:`InvalidProof` naming
    what is wrong), derive the bases and hash the statement into the seed."""
    try:
        n, w = _check_statement(public_key, input_rows, output_rows)
    except ValueError as exc:
        raise InvalidProof(f"shuffle: malformed statement: {exc}") from None
    if (proof.rows, proof.width) != (n, w):
        raise InvalidProof(
            f"shuffle: the proof is for {proof.rows} rows of {proof.width}, the statement "
            f"has {n} rows of {w}"
        )
    key = derive_commitment_key(context, n)
    seed = _statement_seed(
        context, key, public_key, input_rows, output_rows, proof.permutation_commitment
    )
    return ShuffleStatement(public_key, input_rows, output_rows, proof, key, seed)


def partial_sums(challenges: RowChallenges, rows: Sequence[ShuffleRow]) -> PartialSums:
    """Step 2, over consecutive rows (any number, none included)."""
    first = rows[0].index if rows else 0
    w = challenges.width
    neg_c = -challenges.challenge
    u_product = Scalar(1)
    c_bar = t3 = IDENTITY
    alphas = [IDENTITY] * w
    betas = [IDENTITY] * w
    t_hat = []
    for offset, row in enumerate(rows):
        if row.index != first + offset:
            raise ValueError(f"rows {first}.. are not consecutive at row {row.index}")
        if len(row.input) != w or len(row.output) != w:
            raise ValueError(f"row {row.index} is not {w} ciphertexts wide")
        u = _vector_challenge(challenges.seed, row.index)
        u_product = u_product * u
        neg_cu = neg_c * u  # -c folded into the weight: no extra multiplication
        c_bar = c_bar + row.commitment - row.base
        t3 = t3 + row.base * row.s_prime + row.commitment * neg_cu
        for k in range(w):
            out, inp = row.output[k], row.input[k]
            alphas[k] = alphas[k] + out.alpha * row.s_prime + inp.alpha * neg_cu
            betas[k] = betas[k] + out.beta * row.s_prime + inp.beta * neg_cu
        t_hat.append(base_mul(row.s_hat) + row.previous * row.s_prime + row.chain * neg_c)
    return PartialSums(
        first,
        first + len(rows),
        u_product,
        c_bar,
        t3,
        tuple(Ciphertext(a, b) for a, b in zip(alphas, betas, strict=True)),
        tuple(t_hat),
    )


def finish(statement: ShuffleStatement, partials: Sequence[PartialSums]) -> None:
    """Step 3: add up the parts, which must cover rows ``0 .. N-1`` once each, recompute
    ``t_1 .. t_4`` and the ``t^_i``, and raise :class:`InvalidProof` unless they hash to
    the proof's challenge.  (Parts that do not cover the rows are a caller's error, a
    ``ValueError``.)"""
    n, w, proof = statement.size, statement.width, statement.proof
    parts = sorted((p for p in partials if p.stop > p.start), key=lambda p: p.start)
    covered = 0
    for part in parts:
        if part.start != covered or len(part.t_hat) != part.stop - part.start:
            raise ValueError(f"the partial sums do not cover rows 0..{n - 1} once each")
        if len(part.t4) != w:
            raise ValueError(f"partial sums of rows {part.start}.. are not {w} wide")
        covered = part.stop
    if covered != n:
        raise ValueError(f"the partial sums cover {covered} of {n} rows")
    c = proof.challenge
    neg_c = -c
    u_product = Scalar(1)
    c_bar = t3 = IDENTITY
    alphas = [IDENTITY] * w
    betas = [IDENTITY] * w
    for part in parts:
        u_product = u_product * part.u_product
        c_bar = c_bar + part.c_bar
        t3 = t3 + part.t3
        for k in range(w):
            alphas[k] = alphas[k] + part.t4[k].alpha
            betas[k] = betas[k] + part.t4[k].beta
    c_hat = proof.chain[-1] - statement.key.chain_base * u_product
    t1 = base_mul(proof.s1) + c_bar * neg_c
    t2 = base_mul(proof.s2) + c_hat * neg_c
    t3 = base_mul(proof.s3) + t3
    t4 = [
        Ciphertext(alphas[k], betas[k])
        - Ciphertext(base_mul(proof.s4[k]), statement.public_key * proof.s4[k])
        for k in range(w)
    ]
    t_hat = [t for part in parts for t in part.t_hat]
    if _final_challenge(statement.seed, proof.chain, t1, t2, t3, t4, t_hat) != c:
        raise InvalidProof(
            f"shuffle: the proof of shuffle ({n} rows of {w}) does not verify for this "
            "context, key, input and output"
        )
