"""Counter offsets and the order of decrypted counters (docs/coercion.md §5, step 6).

Each group's counters get the sum of the participating trustees' offsets; decrypted by
``k`` trustees, they give points ``(n_i + Delta_g)*G`` whose walk by ``G`` is the order of
the group's counters, with its highest (the winner) last and without a discrete logarithm.
Non-consecutive counters fail; every altered field of an offset, and an offset moved to
another group, trustee or context, fail; an offset its trustee cannot open does not
verify.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace

import pytest

from honestballot.crypto.elgamal import Ciphertext, decrypt_to_point, encrypt
from honestballot.crypto.group import GENERATOR, IDENTITY, L, Point, Scalar, base_mul
from honestballot.crypto.hashing import Part, hash_bytes
from honestballot.crypto.offsets import (
    GroupOffset,
    OffsetShare,
    apply_offsets,
    combine_offsets,
    consecutive_order,
    create_offset_share,
    encrypt_offset,
    prove_offset,
    verify_offset,
    verify_offset_share,
)
from honestballot.crypto.partial_decryption import (
    combine_partial_decryptions,
    create_partial_decryption,
    verify_partial_decryption_list,
)
from honestballot.crypto.polynomial import evaluate, random_polynomial
from honestballot.crypto.randomness import (
    SeededRandomness,
    random_below,
    random_nonzero_scalar,
    random_permutation,
)
from honestballot.crypto.representation import RepresentationProof, verify_representation
from honestballot.errors import InvalidProof, ProtocolError

ONE = Scalar(1)
ZERO = Scalar(0)
N, K = 4, 3
TRUSTEES = tuple(range(1, N + 1))
BASE_HASH = hash_bytes("test/election", b"election-1")
OTHER_BASE_HASH = hash_bytes("test/election", b"election-2")
CAP = 32


def rng(seed: str = "proof") -> SeededRandomness:
    return SeededRandomness(seed)


def scalar(seed: str) -> Scalar:
    return random_nonzero_scalar(rng(seed))


X_POLY = random_polynomial(K - 1, rng("election-key"))
X = X_POLY[0]
H = base_mul(X)
X_SHARES = {j: evaluate(X_POLY, j) for j in TRUSTEES}
X_KEYS = {j: base_mul(x) for j, x in X_SHARES.items()}


def group_counters(seed: str, ballots: int, padded: int) -> list[int]:
    """A credential's counters as the service makes them (docs/coercion.md §3, §5 step 1):
    ballots ``n0 + 1 ..`` and padding ``n0, n0 - 1, ..``, in a random (mixed) order."""
    n0 = CAP + random_below(rng(seed), 2**20 - CAP)
    values = [n0 + 1 + i for i in range(ballots)] + [n0 - i for i in range(padded - ballots)]
    return [values[i] for i in random_permutation(rng(seed + "/mix"), len(values))]


COUNTERS = (
    group_counters("g0", 3, 4),
    group_counters("g1", 1, 1),
    group_counters("g2", 7, 8),
)
ROWS = tuple(
    tuple(encrypt(H, n, scalar(f"row/{g}/{i}")) for i, n in enumerate(ns))
    for g, ns in enumerate(COUNTERS)
)
GROUPS = len(ROWS)
CONTEXT: tuple[Part, ...] = (BASE_HASH, "close.counters", hash_bytes("test/list", b"groups"))
SHARES = {j: create_offset_share(CONTEXT, j, H, GROUPS, rng(f"offset/{j}")) for j in TRUSTEES}


def decrypt(cts: Sequence[Ciphertext], decryptors: Sequence[int] = (1, 2, 3)) -> tuple[Point, ...]:
    context: tuple[Part, ...] = (BASE_HASH, "close.counters/decrypt")
    factors = []
    for j in decryptors:
        f = create_partial_decryption(context, j, X_SHARES[j], cts, rng(f"dec/{j}"))
        verify_partial_decryption_list(context, X_KEYS[j], cts, f)
        factors.append(f)
    return combine_partial_decryptions(cts, factors, K, N)


def decrypt_groups(groups: Sequence[Sequence[Ciphertext]]) -> list[tuple[Point, ...]]:
    flat = [ct for group in groups for ct in group]
    points = iter(decrypt(flat))
    return [tuple(next(points) for _ in group) for group in groups]


def rejects(
    share: OffsetShare,
    *,
    context: tuple[Part, ...] = CONTEXT,
    public: Point = H,
    groups: int = GROUPS,
    match: str = "offset proof does not verify",
) -> None:
    with pytest.raises(InvalidProof, match=f"offsets of trustee {share.trustee}.*{match}"):
        verify_offset_share(context, public, groups, share)


def with_offset(share: OffsetShare, group: int, offset: GroupOffset) -> OffsetShare:
    offsets = list(share.offsets)
    offsets[group] = offset
    return replace(share, offsets=tuple(offsets))


# --- completeness: the walk gives the order, and only the order ---------------------------


def test_every_trustees_offsets_verify_and_open() -> None:
    for j in TRUSTEES:
        verify_offset_share(CONTEXT, H, GROUPS, SHARES[j])
    delta, r = scalar("delta"), scalar("r")
    offset = prove_offset(CONTEXT, 2, 1, H, delta, r, rng())
    assert (
        offset.ciphertext
        == encrypt_offset(H, delta, r)
        == Ciphertext(base_mul(r), H * r + base_mul(delta))
    )
    assert decrypt_to_point(X, offset.ciphertext) == base_mul(delta)
    verify_offset(CONTEXT, 2, 1, H, offset, "offset")


@pytest.mark.parametrize("offsetters", [(1, 2, 3), (2, 3, 4), (1, 2, 3, 4)], ids=str)
def test_offset_counters_give_each_groups_order_and_winner(offsetters: tuple[int, ...]) -> None:
    shares = [SHARES[j] for j in offsetters]
    offsets = combine_offsets(shares, K, N)
    points = decrypt_groups(apply_offsets(ROWS, offsets))
    for ns, ws in zip(COUNTERS, points, strict=True):
        order = consecutive_order(ws)
        assert [ns[i] for i in order] == sorted(ns)
        assert order[-1] == ns.index(max(ns))  # the winner: the highest counter
        assert not set(ws) & {base_mul(Scalar(n)) for n in ns}  # no counter in the clear


def test_every_row_of_a_group_gets_the_sum_of_the_offsets() -> None:
    deltas = {(g, j): scalar(f"delta/{g}/{j}") for g in range(GROUPS) for j in (1, 3, 4)}
    shares = [
        OffsetShare(
            j,
            tuple(
                prove_offset(CONTEXT, j, g, H, deltas[g, j], scalar(f"r/{g}/{j}"), rng())
                for g in range(GROUPS)
            ),
        )
        for j in (1, 3, 4)
    ]
    for s in shares:
        verify_offset_share(CONTEXT, H, GROUPS, s)
    points = decrypt_groups(apply_offsets(ROWS, combine_offsets(shares, K, N)))
    for g, (ns, ws) in enumerate(zip(COUNTERS, points, strict=True)):
        total = deltas[g, 1] + deltas[g, 3] + deltas[g, 4]  # a sum, not a Lagrange combination
        assert ws == tuple(base_mul(Scalar(n) + total) for n in ns)


def test_other_offsets_give_other_points_and_the_same_order() -> None:
    a = decrypt_groups(apply_offsets(ROWS, combine_offsets([SHARES[j] for j in (1, 2, 3)], K, N)))
    b = decrypt_groups(apply_offsets(ROWS, combine_offsets([SHARES[j] for j in (2, 3, 4)], K, N)))
    for wa, wb in zip(a, b, strict=True):
        assert not set(wa) & set(wb)
        assert consecutive_order(wa) == consecutive_order(wb)


# --- the walk ------------------------------------------------------------------------------


def points(values: Sequence[int], offset: Scalar = ZERO) -> list[Point]:
    return [base_mul(Scalar.of(v) + offset) for v in values]


def test_consecutive_order() -> None:
    d = scalar("an offset")
    assert consecutive_order(points([7], d)) == (0,)
    assert consecutive_order(points([12, 10, 13, 11], d)) == (1, 3, 0, 2)
    for perm in itertools.permutations(range(4)):
        assert consecutive_order(points([100 + i for i in perm], d)) == tuple(
            perm.index(i) for i in range(4)
        )
    # n + Delta wraps around L: still one run, in the right order, the identity included
    wrap = points([0, 1, 2, 3], Scalar(L - 2))
    assert IDENTITY in wrap
    assert consecutive_order(list(reversed(wrap))) == (3, 2, 1, 0)


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ([5, 7], "2 runs in a group of 2"),
        ([1, 2, 4, 5], "2 runs in a group of 4"),
        ([1, 2, 3, 10**9], "2 runs"),
        ([4, 4, 5], "rows 0 and 1 have the same counter"),
        ([3, 5, 4, 4], "rows 2 and 3 have the same counter"),
    ],
)
def test_counters_that_are_not_consecutive_fail(values: list[int], match: str) -> None:
    with pytest.raises(ProtocolError, match=match):
        consecutive_order(points(values, scalar("an offset")))


def test_empty_group_and_random_points_fail() -> None:
    with pytest.raises(ProtocolError, match="a group without counters"):
        consecutive_order([])
    # counters that are no small integers at all (say, random scalars): no run of 3
    with pytest.raises(ProtocolError, match="3 runs in a group of 3"):
        consecutive_order([base_mul(scalar(f"random/{i}")) for i in range(3)])


def test_a_group_with_a_gap_fails_after_the_offsets() -> None:
    rows = (tuple(encrypt(H, n, scalar(f"gap/{n}")) for n in (900, 902, 901, 904)),)
    shares = [create_offset_share(CONTEXT, j, H, 1, rng(f"gap/{j}")) for j in (1, 2, 3)]
    (ws,) = decrypt_groups(apply_offsets(rows, combine_offsets(shares, K, N)))
    with pytest.raises(ProtocolError, match="not consecutive"):
        consecutive_order(ws)


# --- every field altered; the place bound ----------------------------------------------------


def test_every_offset_field_is_checked() -> None:
    g = GENERATOR
    offset = SHARES[2].offsets[1]
    ct, p = offset.ciphertext, offset.proof
    altered = [
        replace(offset, ciphertext=Ciphertext(ct.alpha + g, ct.beta)),
        replace(offset, ciphertext=Ciphertext(ct.alpha, ct.beta + g)),  # delta + 1
        replace(offset, ciphertext=Ciphertext(ct.beta, ct.alpha)),
        replace(offset, ciphertext=Ciphertext(-ct.alpha, -ct.beta)),  # negated copy
        replace(offset, ciphertext=SHARES[3].offsets[1].ciphertext),
        replace(offset, proof=replace(p, challenge=p.challenge + ONE)),
        replace(offset, proof=replace(p, response_randomness=p.response_randomness + ONE)),
        replace(offset, proof=replace(p, response_credential=p.response_credential + ONE)),
        replace(offset, proof=RepresentationProof(Scalar(0), Scalar(0), Scalar(0))),
        SHARES[2].offsets[0],  # another group's offset
        SHARES[3].offsets[1],  # another trustee's offset for this group
    ]
    for o in altered:
        rejects(with_offset(SHARES[2], 1, o), match="group 1: offset proof does not verify")


def test_groups_trustee_key_and_context_are_bound() -> None:
    share = SHARES[1]
    o = share.offsets
    rejects(replace(share, offsets=(o[1], o[0], o[2])), match="group 0")
    rejects(replace(share, offsets=o[:2]), match="2 offsets for 3 groups")
    rejects(share, groups=4, match="3 offsets for 4 groups")
    rejects(replace(share, trustee=2))
    rejects(replace(share, trustee=0), match="not positive")
    rejects(share, public=base_mul(scalar("another key")))
    for context in ((OTHER_BASE_HASH, *CONTEXT[1:]), CONTEXT[:-1], (*CONTEXT, 0), ()):
        rejects(share, context=context)
    # the offset proof is not a credential proof with the base G (its own tag)
    with pytest.raises(InvalidProof, match="credential proof does not verify"):
        verify_representation((*CONTEXT, 0, 1), H, GENERATOR, o[0].ciphertext, o[0].proof, "c")


def test_randomness_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="non-zero randomness"):
        prove_offset(CONTEXT, 1, 0, H, scalar("d"), Scalar(0), rng())
    clear = GroupOffset(Ciphertext(IDENTITY, base_mul(scalar("d"))), SHARES[1].offsets[0].proof)
    rejects(with_offset(SHARES[1], 0, clear), match="group 0: the ciphertext has randomness zero")


def test_a_trustee_cannot_cancel_the_others_offsets() -> None:
    """The last trustee sees the others' offsets and posts ``Enc(c) - (their sum)``, so
    that the total is ``Enc(c)`` for a ``c`` it knows.  It knows the randomness and
    plaintext of ``Enc(c)`` only, and no proof it can make verifies.  Unchecked, the
    decrypted counters would be ``(n + c)*G``: the counters themselves."""
    others = combine_offsets([SHARES[1], SHARES[2]], 2, N)
    c, r = scalar("chosen"), scalar("its randomness")
    forged_cts = [encrypt_offset(H, c, r) - o for o in others]
    forged = OffsetShare(
        3,
        tuple(
            GroupOffset(ct, prove_offset(CONTEXT, 3, g, H, c, r, rng()).proof)
            for g, ct in enumerate(forged_cts)
        ),
    )
    rejects(forged, match="group 0: offset proof")
    total = combine_offsets([SHARES[1], SHARES[2], forged], K, N)
    assert total[0] == encrypt_offset(H, c, r)
    (ws,) = decrypt_groups(apply_offsets(ROWS[:1], total[:1]))
    assert ws == tuple(base_mul(Scalar(n) + c) for n in COUNTERS[0])


def test_reusing_an_offset_for_two_groups() -> None:
    """If every trustee reused its ``delta`` for two groups, the difference of their
    decrypted counters would be the difference of the counters (the documented leak);
    one fresh offset keeps the groups apart."""

    def share(j: int, deltas: Sequence[Scalar]) -> OffsetShare:
        return OffsetShare(
            j,
            tuple(
                prove_offset(CONTEXT, j, g, H, d, scalar(f"reuse-r/{j}/{g}"), rng())
                for g, d in enumerate(deltas)
            ),
        )

    d = {j: scalar(f"reused/{j}") for j in (1, 2, 3)}
    all_reuse = [share(j, [d[j], d[j], scalar(f"x/{j}")]) for j in (1, 2, 3)]
    w0, w1, _ = decrypt_groups(apply_offsets(ROWS, combine_offsets(all_reuse, K, N)))
    assert w0[0] - w1[0] == base_mul(Scalar.of(COUNTERS[0][0] - COUNTERS[1][0]))
    one_fresh = [*all_reuse[:2], share(3, [d[3], scalar("fresh"), scalar("x/3")])]
    w0, w1, _ = decrypt_groups(apply_offsets(ROWS, combine_offsets(one_fresh, K, N)))
    assert w0[0] - w1[0] != base_mul(Scalar.of(COUNTERS[0][0] - COUNTERS[1][0]))


# --- refusals ----------------------------------------------------------------------------------


def test_fewer_than_k_offsets_and_bad_combinations_are_refused() -> None:
    for subset in itertools.combinations(TRUSTEES, K - 1):
        with pytest.raises(ProtocolError, match=r"2 offset share\(s\) given, the threshold is 3"):
            combine_offsets([SHARES[j] for j in subset], K, N)
    with pytest.raises(ProtocolError, match="appears twice"):
        combine_offsets([SHARES[1], SHARES[1], SHARES[2]], K, N)
    with pytest.raises(ProtocolError, match="above the number of trustees"):
        combine_offsets([SHARES[1], SHARES[2], replace(SHARES[3], trustee=5)], K, N)
    short = replace(SHARES[3], offsets=SHARES[3].offsets[:2])
    with pytest.raises(ProtocolError, match="different lengths"):
        combine_offsets([SHARES[1], SHARES[2], short], K, N)
    with pytest.raises(ProtocolError, match="threshold must be at least 1"):
        combine_offsets([SHARES[1]], 0, N)
    with pytest.raises(ProtocolError, match="2 offsets for 3 groups"):
        apply_offsets(ROWS, combine_offsets([SHARES[1], SHARES[2], SHARES[3]], K, N)[:2])
    with pytest.raises(ProtocolError, match="not positive"):
        create_offset_share(CONTEXT, 0, H, GROUPS, rng())
    with pytest.raises(ProtocolError, match="not negative"):
        create_offset_share(CONTEXT, 1, H, -1, rng())


# --- the cost ------------------------------------------------------------------------------------


def test_multiplications_per_group_and_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """6 to make a group's offset (3 for ``Enc(delta)``, 3 for the proof), 5 to verify it;
    none to combine, to add to the rows or to walk the decrypted counters."""
    calls = [0]
    original = Point.__mul__

    def counting(self: Point, s: Scalar) -> Point:
        calls[0] += 1
        return original(self, s)

    offsets = combine_offsets([SHARES[1], SHARES[2], SHARES[3]], K, N)
    ws = decrypt_groups(apply_offsets(ROWS, offsets))
    monkeypatch.setattr(Point, "__mul__", counting)
    share = create_offset_share(CONTEXT, 1, H, GROUPS, rng())
    assert calls == [6 * GROUPS]
    calls[0] = 0
    verify_offset_share(CONTEXT, H, GROUPS, share)
    assert calls == [5 * GROUPS]
    calls[0] = 0
    combine_offsets([share, SHARES[2], SHARES[3]], K, N)
    apply_offsets(ROWS, offsets)
    for w in ws:
        consecutive_order(w)
    assert calls == [0]
