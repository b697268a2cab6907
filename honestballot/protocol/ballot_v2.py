"""Ballots version 2 and cast rows, for elections with re-voting protection
(docs/coercion.md §3).  Version 1 (protocol/ballot.py) stays for elections without it.

**The ballot** carries its credential encrypted and no unit::

    Enc(sigma), Enc(tau)      fresh non-zero randomness each
    contests                  as version 1: one ciphertext per option (or rank position),
                              option and selection (or rank) proofs
    credential proof          PoK(s, c : Enc(sigma) = (s*G, s*H + c*P)), tag
                              "credential-proof", context (base, "ballot", statement hash)
    tag proof                 randomness of Enc(tau) at ("ballot", statement hash, "tag", 0)

Every challenge hashes the ballot's **statement hash** (``ballot/statement``, SHA-256:
base, ``H``, ``P``, both credential ciphertexts and every contest ciphertext); the
contest proofs name it where version 1 names the credential.  The credential proof,
which binds the statement, is the ballot's signature.  The **tracking hash**
(``ballot/tracking``, SHA-256) covers the statement hash and every proof scalar in the
order of the JSON (docs/coercion.md §5.8; docs/record-format.md §2.1, §5.2).

**Privately** the device sends ``sigma``, ``t`` and two designated-verifier proofs,
nonce the statement hash: ``"ballot/credential"`` (``Enc(sigma)`` encrypts ``sigma``) and
``"ballot/tag"`` (``Enc(tau)`` encrypts the tag point of ``t``).  The service checks them
and that ``sigma`` is the voting point registered with ``t`` (:func:`check_private`).

A **Benaloh audit** opens only the contests (protocol/ballot.check_opening): the
randomness of ``Enc(sigma)`` and ``Enc(tau)`` never leaves the device.

**The cast row** the service makes of a ballot: ``Enc(n)``, the credential's counter
(exponential ElGamal), with a proof of randomness at ``("cast-row", tracking hash,
"counter", 0)``, and the dummy flag ``E0 = (O, O)``, the trivial encryption of 0 (both
points the identity), which carries no proof and is checked by equality.  The row's
columns, in order: ``Enc(tau), Enc(sigma), Enc(n), E0``, the contest ciphertexts.

The device's draws, in order (the browser bundle replays them): the randomness of
``Enc(sigma)`` and ``Enc(tau)`` (non-zero); each contest's ciphertexts' randomness, in
manifest order; the credential proof's two nonces; the tag proof's; each contest's proofs
(as version 1 draws them); then the two designated-verifier proofs' three each
(credential, then tag).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from honestballot.crypto.designated_verifier import (
    DesignatedProof,
    prove_designated_plaintext,
    verify_designated_plaintext,
)
from honestballot.crypto.elgamal import Ciphertext, encrypt, encrypt_point
from honestballot.crypto.group import IDENTITY, Point, Scalar
from honestballot.crypto.hashing import Part, hash_bytes
from honestballot.crypto.plaintext_awareness import (
    RandomnessProof,
    prove_randomness,
    verify_randomness,
)
from honestballot.crypto.randomness import Randomness, random_below, random_nonzero_scalar
from honestballot.crypto.representation import (
    RepresentationProof,
    credential_base,
    prove_representation,
    verify_representation,
)
from honestballot.crypto.tagging import tag_point
from honestballot.errors import BallotRejected, InvalidBallot, InvalidProof, Text
from honestballot.protocol.ballot import (
    OTHER_ELECTION,
    TRACKING_TAG,
    BallotOpening,
    ContestOpening,
    EncryptedContest,
    check_selections,
    contest_plaintexts,
    encrypt_contest,
    prove_contest,
    tracking_code,
    verify_contest,
)
from honestballot.protocol.credential_seed import CredentialSeed
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.manifest import Contest
from honestballot.protocol.registration import ct_part, distinct_alphas

STATEMENT_TAG: Final = "ballot/statement"
PLACE: Final = "ballot"
CAST_ROW_PLACE: Final = "cast-row"
PURPOSES: Final = ("ballot/credential", "ballot/tag")
#: the most ballots one credential casts (docs/coercion.md §3)
CAP: Final = 32
#: a credential's counter starts uniformly in [CAP, COUNTER_BOUND)
COUNTER_BOUND: Final = 1 << 20
#: the range of a ballot's counter: n0 + 1 ... n0 + CAP for a start n0 in [CAP, COUNTER_BOUND)
COUNTER_MIN: Final = CAP + 1
COUNTER_MAX: Final = COUNTER_BOUND + CAP - 1
#: the dummy flag of a cast row: the trivial encryption of 0
E0: Final = Ciphertext(IDENTITY, IDENTITY)


@dataclass(frozen=True, slots=True)
class BallotV2:
    election_hash: bytes
    credential: Ciphertext
    tag: Ciphertext
    contests: tuple[EncryptedContest, ...]
    credential_proof: RepresentationProof
    tag_proof: RandomnessProof
    _hashes: dict[str, bytes] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def statement_hash(self, public_key: Point) -> bytes:
        key = f"statement/{public_key.data.hex()}"
        found = self._hashes.get(key)
        if found is None:
            found = statement_hash(
                self.election_hash, public_key, self.credential, self.tag, self.contests
            )
            self._hashes[key] = found
        return found

    def proof_scalars(self) -> tuple[Scalar, ...]:
        """Every proof scalar in the order of the JSON: per contest, each option (or rank)
        proof's challenges then responses, then the selection proof's; then the credential
        proof's ``c``, ``s_randomness``, ``s_credential``; then the tag proof's ``c``, ``s``."""
        out: list[Scalar] = []
        for ec in self.contests:
            proofs = (
                *ec.option_proofs,
                *(() if ec.selection_proof is None else (ec.selection_proof,)),
            )
            for p in proofs:
                out += (*p.challenges, *p.responses)
        cp = self.credential_proof
        out += (cp.challenge, cp.response_randomness, cp.response_credential)
        out += (self.tag_proof.challenge, self.tag_proof.response)
        return tuple(out)

    def tracking_hash(self, public_key: Point) -> bytes:
        return hash_bytes(TRACKING_TAG, self.statement_hash(public_key), self.proof_scalars())

    def tracking_code(self, public_key: Point) -> str:
        return tracking_code(self.tracking_hash(public_key))


def statement_hash(
    base_hash: bytes,
    public_key: Point,
    credential: Ciphertext,
    tag: Ciphertext,
    contests: Sequence[EncryptedContest],
) -> bytes:
    """``ballot/statement``: B base; P H; P P; ct(credential); ct(tag);
    L(L(T contest id, L(ct, ... per ciphertext)), ... per contest)."""
    return hash_bytes(
        STATEMENT_TAG,
        base_hash,
        public_key,
        credential_base(base_hash),
        ct_part(credential),
        ct_part(tag),
        tuple((ec.contest_id, tuple(ct_part(ct) for ct in ec.ciphertexts)) for ec in contests),
    )


def _tag_place(base_hash: bytes, statement: bytes) -> tuple[Part, ...]:
    return (base_hash, PLACE, statement, "tag", 0)


@dataclass(frozen=True, slots=True)
class BallotPrivate:
    """What the device sends the service beside a version 2 ballot, never posted."""

    tag_secret: bytes = field(repr=False)
    voting_point: Point
    credential_proof: DesignatedProof
    tag_proof: DesignatedProof


def encrypt_ballot_v2(
    ctx: ElectionContext,
    seed: CredentialSeed,
    verifier_key: Point,
    selections: Mapping[str, frozenset[str] | set[str] | tuple[str, ...] | list[str]],
    rng: Randomness,
) -> tuple[BallotV2, BallotOpening, BallotPrivate]:
    """Encrypt a voter's choices under the credential ``seed``: the ballot, its Benaloh
    opening (the contests only) and what the device proves privately to the holder of
    ``verifier_key``.  An invalid choice raises before anything is encrypted."""
    check_selections(ctx, selections)
    base = ctx.base_hash
    sigma, tau = seed.voting_point(base), seed.tag_point(base)
    ballot, opening, randomness = encrypt_under(
        ctx, seed.signing_scalar(base), sigma, tau, selections, rng
    )
    return ballot, opening, prove_private(ctx, seed, verifier_key, ballot, randomness, rng)


def prove_private(
    ctx: ElectionContext,
    seed: CredentialSeed,
    verifier_key: Point,
    ballot: BallotV2,
    randomness: tuple[Scalar, Scalar],
    rng: Randomness,
) -> BallotPrivate:
    """The private part of ``ballot`` under the credential ``seed``, given the randomness
    of its ``Enc(sigma)`` and ``Enc(tau)``: ``t``, ``sigma`` and the two
    designated-verifier proofs (credential, then tag), for the holder of ``verifier_key``."""
    base, h = ctx.base_hash, ctx.public_key
    sigma, tau = seed.voting_point(base), seed.tag_point(base)
    st = ballot.statement_hash(h)
    dv = [
        prove_designated_plaintext(base, purpose, st, h, verifier_key, m, ct, r, rng)
        for purpose, m, ct, r in zip(
            PURPOSES, (sigma, tau), (ballot.credential, ballot.tag), randomness, strict=True
        )
    ]
    return BallotPrivate(seed.tag_secret(), sigma, dv[0], dv[1])


#: what proves a contest's ciphertexts (protocol/ballot.prove_contest's signature)
ContestProver = Callable[
    [ElectionContext, Part, Contest, Sequence[Ciphertext], Sequence[int], Sequence[Scalar],
     Randomness],
    EncryptedContest,
]  # fmt: skip


def encrypt_under(
    ctx: ElectionContext,
    signing_scalar: Scalar,
    voting_point: Point,
    tag: Point,
    selections: Mapping[str, frozenset[str] | set[str] | tuple[str, ...] | list[str]],
    rng: Randomness,
    prove: ContestProver = prove_contest,
) -> tuple[BallotV2, BallotOpening, tuple[Scalar, Scalar]]:
    """The ballot of valid ``selections`` under the credential with ``signing_scalar``
    (and its ``voting_point``) and the tag point ``tag``, its opening, and the randomness
    of ``Enc(sigma)`` and ``Enc(tau)``.  The device's ballots and the service's cover rows
    (protocol/cover.py) are both made here, with the same draws in the same order.
    ``prove`` makes each contest's proofs (a cheating device's in the demo's refused
    over-vote, service/demo.py)."""
    base, h = ctx.base_hash, ctx.public_key
    r_sigma, r_tau = random_nonzero_scalar(rng), random_nonzero_scalar(rng)
    credential = encrypt_point(h, voting_point, r_sigma)
    tag_ct = encrypt_point(h, tag, r_tau)
    plain: list[tuple[int, ...]] = []
    encrypted: list[tuple[tuple[Ciphertext, ...], tuple[Scalar, ...]]] = []
    for contest in ctx.manifest.contests:
        plain.append(contest_plaintexts(contest, selections[contest.id]))
        encrypted.append(encrypt_contest(ctx, plain[-1], rng))
    bare = [
        EncryptedContest(k.id, cts, (), None)
        for k, (cts, _) in zip(ctx.manifest.contests, encrypted, strict=True)
    ]
    credential_proof, tag_proof = credential_proofs(
        ctx, signing_scalar, credential, tag_ct, bare, (r_sigma, r_tau), rng
    )
    st = statement_hash(base, h, credential, tag_ct, bare)
    contests = tuple(
        prove(ctx, st, contest, cts, m, rs, rng)
        for contest, m, (cts, rs) in zip(ctx.manifest.contests, plain, encrypted, strict=True)
    )
    ballot = BallotV2(base, credential, tag_ct, contests, credential_proof, tag_proof)
    opening = BallotOpening(
        tuple(
            ContestOpening(k.id, m, rs)
            for k, m, (_, rs) in zip(ctx.manifest.contests, plain, encrypted, strict=True)
        )
    )
    return ballot, opening, (r_sigma, r_tau)


def credential_proofs(
    ctx: ElectionContext,
    signing_scalar: Scalar,
    credential: Ciphertext,
    tag: Ciphertext,
    contests: Sequence[EncryptedContest],
    randomness: tuple[Scalar, Scalar],
    rng: Randomness,
) -> tuple[RepresentationProof, RandomnessProof]:
    """The credential proof (the ballot's signature) and the tag proof of a ballot whose
    ``Enc(sigma)`` and ``Enc(tau)`` are ``credential`` and ``tag`` (made with
    ``randomness``), over the statement of ``contests``' ciphertexts."""
    base, h = ctx.base_hash, ctx.public_key
    st = statement_hash(base, h, credential, tag, contests)
    r_sigma, r_tau = randomness
    credential_proof = prove_representation(
        (base, PLACE, st), h, credential_base(base), credential, r_sigma, signing_scalar, rng
    )
    return credential_proof, prove_randomness(_tag_place(base, st), h, tag, r_tau, rng)


def verify_ballot_v2(ctx: ElectionContext, ballot: BallotV2) -> None:
    """``ballots.proofs`` for one version 2 ballot: raise :class:`InvalidBallot` whose text
    names what fails (the credential proof, the tag proof, a contest's proof or shape)."""
    if ballot.election_hash != ctx.base_hash:
        raise InvalidBallot(OTHER_ELECTION)
    contests = ctx.manifest.contests
    if [c.contest_id for c in ballot.contests] != [c.id for c in contests]:
        message = (
            "the ballot's contests do not match the manifest: "
            f"got {[c.contest_id for c in ballot.contests]}, expected {[c.id for c in contests]}"
        )
        raise InvalidBallot(Text("ballot.contests", message))
    base, h = ctx.base_hash, ctx.public_key
    st = ballot.statement_hash(h)
    try:
        verify_representation(
            (base, PLACE, st), h, credential_base(base), ballot.credential,
            ballot.credential_proof, "ballot, credential",
        )  # fmt: skip
        verify_randomness(_tag_place(base, st), h, ballot.tag, ballot.tag_proof, "ballot, tag")
        for contest, ec in zip(contests, ballot.contests, strict=True):
            verify_contest(ctx, st, contest, ec)
    except InvalidProof as exc:
        raise InvalidBallot(Text("ballot.proof", str(exc))) from None


def check_private(
    ctx: ElectionContext,
    verifier_key: Point,
    ballot: BallotV2,
    private: BallotPrivate,
    registered_voting_point: Point,
) -> Point:
    """The service's check beyond the public proofs: the two designated-verifier proofs
    show ``Enc(sigma)`` to encrypt ``private.voting_point`` and ``Enc(tau)`` the tag point
    of ``private.tag_secret``, and that voting point is ``registered_voting_point``, the
    one registered with that tag secret (so ``sigma`` and ``tau`` are one credential's).
    Returns ``tau``; raises :class:`InvalidProof` naming what fails."""
    if len(private.tag_secret) != 32:
        raise InvalidProof("ballot: the tag secret is not 32 bytes")
    if private.voting_point != registered_voting_point:
        raise InvalidProof(
            "ballot: the voting point is not the one registered with this tag secret"
        )
    tau = tag_point(ctx.base_hash, private.tag_secret)
    st = ballot.statement_hash(ctx.public_key)
    for purpose, m, ct, proof in zip(
        PURPOSES,
        (private.voting_point, tau),
        (ballot.credential, ballot.tag),
        (private.credential_proof, private.tag_proof),
        strict=True,
    ):
        verify_designated_plaintext(
            ctx.base_hash, purpose, st, ctx.public_key, verifier_key, m, ct, proof
        )
    return tau


# -- the cast row ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CastRow:
    ballot: BallotV2
    counter: Ciphertext
    counter_proof: RandomnessProof
    flag: Ciphertext

    def columns(self) -> tuple[Ciphertext, ...]:
        """``Enc(tau), Enc(sigma), Enc(n), flag``, then every contest ciphertext in order:
        the row of ``A.rows`` (docs/coercion.md §5.3)."""
        b = self.ballot
        return (
            b.tag, b.credential, self.counter, self.flag,
            *(ct for ec in b.contests for ct in ec.ciphertexts),
        )  # fmt: skip


CAP_REACHED: Final = Text(
    "ballot.cap",
    f"this credential has cast {CAP} ballots, the most one credential may cast",
    most=CAP,
)


#: the most ballots one credential may audit (each audit goes on the board at the close,
#: and costs every verifier a ballot's check): the same refusal for every credential,
#: current or revoked (docs/coercion.md §3)
AUDIT_CAP: Final = 16

AUDIT_CAP_REACHED: Final = Text(
    "audit.cap",
    f"this credential has audited {AUDIT_CAP} ballots, the most one credential may audit",
    most=AUDIT_CAP,
)


def check_audit_count(audits: int) -> None:
    """:class:`BallotRejected` once a credential has audited :data:`AUDIT_CAP` ballots."""
    if audits >= AUDIT_CAP:
        raise BallotRejected(AUDIT_CAP_REACHED)


def next_counter(start: int, ballots: int) -> int:
    """The counter of a credential's next ballot, ``n0 + ballots + 1`` for its start ``n0``
    and the ``ballots`` it has cast (every one, whether the credential is current or
    revoked); :class:`BallotRejected` once it has cast :data:`CAP`, the same refusal for
    every credential (docs/coercion.md §2.6, §3)."""
    if ballots >= CAP:
        raise BallotRejected(CAP_REACHED)
    return start + ballots + 1


def ballot_alphas(ballot: BallotV2) -> frozenset[bytes]:
    """The ``alpha`` of every ciphertext of a ballot version 2 (credential, tag, contests):
    no cast ballot may share one with an audited ballot, whose audit made its randomness
    public (docs/coercion.md §3, board rule 1), nor with any other object (rule 3); and
    no two of its own ciphertexts share one (:func:`distinct_alphas`)."""
    return distinct_alphas(
        (ballot.credential, ballot.tag, *(ct for ec in ballot.contests for ct in ec.ciphertexts)),
        "ballot",
    )


def cast_row_alphas(row: CastRow) -> frozenset[bytes]:
    """The ``alpha`` of every ciphertext of a cast row but its flag (whose ``alpha`` is
    the identity in every real row): its ballot's and its counter's, all distinct."""
    b = row.ballot
    return distinct_alphas(
        (b.credential, b.tag, *(ct for ec in b.contests for ct in ec.ciphertexts), row.counter),
        "cast row",
    )


def counter_start(rng: Randomness) -> int:
    """A credential's counter start ``n0``, uniform in ``[CAP, 2^20)``; its ballots get
    ``n0 + 1``, ``n0 + 2``, ..."""
    return CAP + random_below(rng, COUNTER_BOUND - CAP)


def _counter_place(base_hash: bytes, tracking: bytes) -> tuple[Part, ...]:
    return (base_hash, CAST_ROW_PLACE, tracking, "counter", 0)


def make_cast_row(ctx: ElectionContext, ballot: BallotV2, counter: int, rng: Randomness) -> CastRow:
    """The service's row of ``ballot`` with the counter value ``counter``; the counter's
    randomness is dropped here.  A ballot's counter is in ``[CAP + 1, 2^20 + CAP - 1]``
    (a start in ``[CAP, 2^20)``, at most ``CAP`` ballots), which keeps the padding's
    counters below a credential's first ballot positive."""
    if not COUNTER_MIN <= counter <= COUNTER_MAX:
        raise ValueError(f"a ballot's counter is in [{COUNTER_MIN}, {COUNTER_MAX}]")
    r = random_nonzero_scalar(rng)
    ct = encrypt(ctx.public_key, counter, r)
    place = _counter_place(ctx.base_hash, ballot.tracking_hash(ctx.public_key))
    return CastRow(ballot, ct, prove_randomness(place, ctx.public_key, ct, r, rng), E0)


def verify_cast_row(ctx: ElectionContext, row: CastRow) -> None:
    """The ballot's proofs (:func:`verify_ballot_v2`, :class:`InvalidBallot`), then the
    counter's proof of randomness at its place and the flag ``E0`` (:class:`InvalidProof`
    naming the cast row's field: the service made them)."""
    verify_ballot_v2(ctx, row.ballot)
    if row.flag != E0:
        raise InvalidProof("cast row, flag: the dummy flag of a cast row is not E0")
    place = _counter_place(ctx.base_hash, row.ballot.tracking_hash(ctx.public_key))
    verify_randomness(place, ctx.public_key, row.counter, row.counter_proof, "cast row, counter")
