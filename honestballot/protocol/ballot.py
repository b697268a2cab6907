"""Encrypted ballots: encryption on the voter's device, proofs, signature, checks.

A ballot holds, for each contest, one exponential-ElGamal ciphertext per option
(see :attr:`Contest.options`), a disjunctive proof per option that it encrypts 0
or 1, and one disjunctive proof that ``T = S + max*e`` lies in the contest's
admissible range (see :mod:`honestballot.protocol.manifest`).  Every challenge
binds the election's base hash, the voter's public credential, the contest and
option ids.  The ballot is signed with the credential key over its content hash.

The tracking hash binds the whole signed ballot in two halves: the hash of its
ciphertexts, and its *seal* (a hash of everything else: credential, proofs and
signature).  The tracking code, its short form, is what the voter writes down and
looks up on the board.  The two halves let the board publish an audited ballot
as a :class:`SpoiledBallot`: its ciphertexts and seal, enough to check that its
opening belongs to the tracking code the voter saw, but without the credential
(nor the proofs and signature, which bind it), so an audit names no voter.

A **ranked** contest (docs/ranked.md) holds instead one ciphertext per rank position, of
the number of the choice ranked there (0 for none), each with a disjunctive proof that it
is one of ``1 … c`` at position 1 and ``0 … c`` elsewhere (tag ``ballot/rank``), and no
selection proof.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from honestballot.crypto import elgamal
from honestballot.crypto.chaum_pedersen import (
    DisjunctiveProof,
    prove_encrypts_one_of,
    verify_encrypts_one_of,
)
from honestballot.crypto.elgamal import Ciphertext
from honestballot.crypto.group import Point, Scalar
from honestballot.crypto.hashing import Part, hash_bytes
from honestballot.crypto.randomness import Randomness, random_scalar
from honestballot.crypto.schnorr import SchnorrProof, sign, verify_signature
from honestballot.errors import InvalidBallot, InvalidProof, Text
from honestballot.protocol.credential import VoterCredential
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.manifest import Contest
from honestballot.protocol.ranked import encode_ranking, read_ranking

OPTION_TAG = "ballot/option"
CIPHERTEXTS_TAG = "ballot/ciphertexts"
SEAL_TAG = "ballot/seal"
TRACKING_TAG = "ballot/tracking"
SELECTION_TAG = "ballot/selection"
SIGNATURE_TAG = "ballot/signature"
RANK_TAG = "ballot/rank"

OTHER_ELECTION = Text(
    "ballot.other_election", "the ballot was made for another election (base hash differs)"
)


@dataclass(frozen=True, slots=True)
class EncryptedContest:
    contest_id: str
    ciphertexts: tuple[Ciphertext, ...]
    #: one per option, or one per rank position of a ranked contest
    option_proofs: tuple[DisjunctiveProof, ...]
    #: ``None`` for a ranked contest, which has none
    selection_proof: DisjunctiveProof | None


@dataclass(frozen=True, slots=True)
class EncryptedBallot:
    election_hash: bytes
    credential: Point
    contests: tuple[EncryptedContest, ...]
    signature: SchnorrProof
    #: the two hashes below, once computed (the ballot is immutable, and the service asks
    #: for its tracking hash several times per cast)
    _hashes: dict[str, bytes] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def content_hash(self) -> bytes:
        found = self._hashes.get("content")
        if found is None:
            found = ballot_content_hash(self.election_hash, self.credential, self.contests)
            self._hashes["content"] = found
        return found

    def seal(self) -> bytes:
        """The hash of what the board leaves out of an audited ballot."""
        sig = self.signature
        return hash_bytes(SEAL_TAG, self.content_hash(), sig.challenge, sig.response)

    def tracking_hash(self) -> bytes:
        found = self._hashes.get("tracking")
        if found is None:
            found = _tracking_hash(self.election_hash, self.contests, self.seal())
            self._hashes["tracking"] = found
        return found

    def tracking_code(self) -> str:
        return tracking_code(self.tracking_hash())

    def spoiled(self) -> SpoiledBallot:
        """What the board publishes of this ballot once it is audited."""
        return SpoiledBallot(
            self.election_hash,
            tuple(SpoiledContest(ec.contest_id, ec.ciphertexts) for ec in self.contests),
            self.seal(),
        )


@dataclass(frozen=True, slots=True)
class SpoiledContest:
    contest_id: str
    ciphertexts: tuple[Ciphertext, ...]


@dataclass(frozen=True, slots=True)
class SpoiledBallot:
    """An audited ballot as the board shows it: the ciphertexts, and the seal standing for
    the credential, proofs and signature.  Its tracking hash is the ballot's."""

    election_hash: bytes
    contests: tuple[SpoiledContest, ...]
    seal: bytes

    def tracking_hash(self) -> bytes:
        return _tracking_hash(self.election_hash, self.contests, self.seal)

    def tracking_code(self) -> str:
        return tracking_code(self.tracking_hash())


def _tracking_hash(
    election_hash: bytes, contests: Sequence[EncryptedContest | SpoiledContest], seal: bytes
) -> bytes:
    ciphertexts = tuple(
        (c.contest_id, tuple((ct.alpha, ct.beta) for ct in c.ciphertexts)) for c in contests
    )
    return hash_bytes(TRACKING_TAG, hash_bytes(CIPHERTEXTS_TAG, election_hash, ciphertexts), seal)


def alphas(ballot: EncryptedBallot | SpoiledBallot) -> frozenset[bytes]:
    """The ``alpha = r·B`` of every ciphertext of a ballot, as bytes: two ciphertexts share
    one only if they were made with the same randomness, so an audited ballot's alphas
    (whose randomness its opening made public) must appear in no ballot cast on the board."""
    return frozenset(ct.alpha.data for c in ballot.contests for ct in c.ciphertexts)


def tracking_code(tracking_hash: bytes) -> str:
    """A short, readable form of a tracking hash: 16 base32 characters (80 bits)."""
    text = base64.b32encode(tracking_hash[:10]).decode()
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


def _proof_parts(p: DisjunctiveProof) -> tuple[Part, ...]:
    return (tuple(p.challenges), tuple(p.responses))


def ballot_content_hash(
    election_hash: bytes, credential: Point, contests: Sequence[EncryptedContest]
) -> bytes:
    parts: list[Part] = []
    for ec in contests:
        parts.append(
            (
                ec.contest_id,
                tuple((ct.alpha, ct.beta) for ct in ec.ciphertexts),
                tuple(_proof_parts(p) for p in ec.option_proofs),
                # a ranked contest's item has three parts: it has no selection proof
                *((_proof_parts(ec.selection_proof),) if ec.selection_proof is not None else ()),
            )
        )
    return hash_bytes("ballot/content", election_hash, credential, tuple(parts))


@dataclass(frozen=True, slots=True)
class ContestOpening:
    """The plaintexts and randomness of one contest (revealed only by a Benaloh audit)."""

    contest_id: str
    plaintexts: tuple[int, ...]
    randomness: tuple[Scalar, ...] = field(repr=False)


@dataclass(frozen=True, slots=True)
class BallotOpening:
    contests: tuple[ContestOpening, ...] = field(repr=False)

    def __repr__(self) -> str:
        return "BallotOpening(<hidden>)"


def _selection_ciphertext(contest: Contest, cts: Sequence[Ciphertext]) -> Ciphertext:
    """``T = S + max*e`` computed homomorphically from the option ciphertexts."""
    plain = elgamal.aggregate(
        ct for ct, o in zip(cts, contest.options, strict=True) if not o.exclusive
    )
    excl = [ct for ct, o in zip(cts, contest.options, strict=True) if o.exclusive]
    if not excl:
        return plain
    e = elgamal.aggregate(excl)
    weight = contest.max_selections
    if weight <= 3:
        scaled = e
        for _ in range(weight - 1):
            scaled = scaled + e
    else:
        scaled = e.scale(Scalar(weight))
    return plain + scaled


def rank_values(contest: Contest, position: int) -> tuple[int, ...]:
    """What a ranked contest's ciphertext at ``position`` (from 1) may encrypt: a choice
    number, or at positions after the first also 0 (nobody)."""
    return tuple(range(1 if position == 1 else 0, len(contest.options) + 1))


def check_selections(
    ctx: ElectionContext,
    selections: Mapping[str, frozenset[str] | set[str] | tuple[str, ...] | list[str]],
) -> None:
    """Raise :class:`InvalidBallot` unless ``selections`` gives every contest a valid
    choice (nothing is encrypted before this passes)."""
    manifest = ctx.manifest
    unknown = set(selections) - {c.id for c in manifest.contests}
    if unknown:
        raise InvalidBallot(  # English only: the voter's own device, before it encrypts
            f"unknown contest(s) {sorted(unknown)}"
        )
    for contest in manifest.contests:
        if contest.id not in selections:
            raise InvalidBallot(  # English only: the voter's own device, before it encrypts
                f"no choice given for contest {contest.id}"
            )
        chosen = selections[contest.id]
        if contest.ranked:
            if not isinstance(chosen, (tuple, list)):
                raise InvalidBallot(  # English only: the voter's own device, before it encrypts
                    f"contest {contest.id} is ranked: give its ranking in order"
                )
            encode_ranking(contest, chosen)
        else:
            contest.check_selection(frozenset(chosen))


def contest_plaintexts(
    contest: Contest, chosen: frozenset[str] | set[str] | tuple[str, ...] | list[str]
) -> tuple[int, ...]:
    """What a contest's ciphertexts encrypt: 0 or 1 per option, or a ranked contest's
    choice number per rank position (the choice checked by :func:`check_selections`)."""
    if contest.ranked:
        assert isinstance(chosen, (tuple, list))  # checked by check_selections
        return encode_ranking(contest, chosen)
    return tuple(1 if o.id in chosen else 0 for o in contest.options)


def prove_contest(
    ctx: ElectionContext,
    binding: Part,
    contest: Contest,
    cts: Sequence[Ciphertext],
    plaintexts: Sequence[int],
    rs: Sequence[Scalar],
    rng: Randomness,
) -> EncryptedContest:
    """A contest's proofs over its ciphertexts: per option (or rank position) that it
    encrypts an admissible value, then the selection proof.  ``binding`` is the part every
    challenge names after the base hash: a version 1 ballot's credential, a version 2
    ballot's statement hash (protocol/ballot_v2.py)."""
    if contest.ranked:
        rank_proofs = tuple(
            prove_encrypts_one_of(
                RANK_TAG,
                (ctx.base_hash, binding, contest.id, position),
                ctx.public_key,
                ct,
                rank_values(contest, position),
                m,
                r,
                rng,
            )
            for position, ct, m, r in zip(range(1, len(cts) + 1), cts, plaintexts, rs, strict=True)
        )
        return EncryptedContest(contest.id, tuple(cts), rank_proofs, None)
    option_proofs = tuple(
        prove_encrypts_one_of(
            OPTION_TAG,
            (ctx.base_hash, binding, contest.id, option.id),
            ctx.public_key,
            ct,
            (0, 1),
            m,
            r,
            rng,
        )
        for option, ct, m, r in zip(contest.options, cts, plaintexts, rs, strict=True)
    )
    total_plain = 0
    total_r = Scalar(0)
    for option, m, r in zip(contest.options, plaintexts, rs, strict=True):
        w = contest.exclusive_weight(option)
        total_plain += w * m
        total_r = total_r + Scalar(w) * r
    selection_proof = prove_encrypts_one_of(
        SELECTION_TAG,
        (ctx.base_hash, binding, contest.id),
        ctx.public_key,
        _selection_ciphertext(contest, cts),
        contest.selection_range,
        total_plain,
        total_r,
        rng,
    )
    return EncryptedContest(contest.id, tuple(cts), option_proofs, selection_proof)


def encrypt_contest(
    ctx: ElectionContext, plaintexts: Sequence[int], rng: Randomness
) -> tuple[tuple[Ciphertext, ...], tuple[Scalar, ...]]:
    """The ciphertexts of one contest's plaintexts and their randomness (drawn first)."""
    rs = tuple(random_scalar(rng) for _ in plaintexts)
    cts = tuple(elgamal.encrypt(ctx.public_key, m, r) for m, r in zip(plaintexts, rs, strict=True))
    return cts, rs


def encrypt_ballot(
    ctx: ElectionContext,
    credential: VoterCredential,
    selections: Mapping[str, frozenset[str] | set[str] | tuple[str, ...] | list[str]],
    rng: Randomness,
) -> tuple[EncryptedBallot, BallotOpening]:
    """Encrypt a voter's choices.  ``selections`` maps every contest id to its chosen
    option ids (a set), or for a ranked contest to its ranking (a tuple or list, best
    first); an invalid choice raises before anything is encrypted."""
    check_selections(ctx, selections)
    enc_contests: list[EncryptedContest] = []
    openings: list[ContestOpening] = []
    for contest in ctx.manifest.contests:
        plaintexts = contest_plaintexts(contest, selections[contest.id])
        cts, rs = encrypt_contest(ctx, plaintexts, rng)
        enc_contests.append(
            prove_contest(ctx, credential.public, contest, cts, plaintexts, rs, rng)
        )
        openings.append(ContestOpening(contest.id, plaintexts, rs))

    content = ballot_content_hash(ctx.base_hash, credential.public, enc_contests)
    signature = sign(
        SIGNATURE_TAG, (ctx.base_hash, credential.public), content, credential.secret, rng
    )
    ballot = EncryptedBallot(ctx.base_hash, credential.public, tuple(enc_contests), signature)
    return ballot, BallotOpening(tuple(openings))


def verify_ballot(ctx: ElectionContext, ballot: EncryptedBallot) -> None:
    """Check a ballot completely; raise :class:`InvalidBallot` naming what is wrong."""
    if ballot.election_hash != ctx.base_hash:
        raise InvalidBallot(OTHER_ELECTION)
    if ballot.credential.is_identity():
        raise InvalidBallot(
            Text("ballot.credential_identity", "the ballot's credential is the identity")
        )
    contests = ctx.manifest.contests
    if [c.contest_id for c in ballot.contests] != [c.id for c in contests]:
        message = (
            "the ballot's contests do not match the manifest: "
            f"got {[c.contest_id for c in ballot.contests]}, expected {[c.id for c in contests]}"
        )
        raise InvalidBallot(Text("ballot.contests", message))
    try:
        verify_signature(
            SIGNATURE_TAG,
            (ctx.base_hash, ballot.credential),
            ballot.content_hash(),
            ballot.credential,
            ballot.signature,
            "ballot signature",
        )
        for contest, ec in zip(contests, ballot.contests, strict=True):
            verify_contest(ctx, ballot.credential, contest, ec)
    except InvalidProof as exc:
        # which proof failed is for a specialist; the voter is told what to do
        raise InvalidBallot(Text("ballot.proof", str(exc))) from None


def _verify_ranked(
    ctx: ElectionContext, binding: Part, contest: Contest, ec: EncryptedContest
) -> None:
    r = contest.max_selections
    if len(ec.ciphertexts) != r or len(ec.option_proofs) != r or ec.selection_proof is not None:
        message = (
            f"contest {contest.id}: a ranked contest has one ciphertext and one proof per rank "
            f"position ({r}) and no selection proof"
        )
        raise InvalidBallot(Text("ballot.shape", message, contest=contest.id))
    for position, ct, proof in zip(range(1, r + 1), ec.ciphertexts, ec.option_proofs, strict=True):
        if ct.alpha.is_identity():
            message = f"contest {contest.id}, position {position}: alpha is the identity"
            raise InvalidBallot(Text("ballot.shape", message, contest=contest.id))
        verify_encrypts_one_of(
            RANK_TAG,
            (ctx.base_hash, binding, contest.id, position),
            ctx.public_key,
            ct,
            rank_values(contest, position),
            proof,
            f"contest {contest.id}, position {position}: not an encryption of a choice number",
        )


def verify_contest(
    ctx: ElectionContext, binding: Part, contest: Contest, ec: EncryptedContest
) -> None:
    """One contest's shape and proofs, every challenge naming ``binding`` (see
    :func:`prove_contest`); raises :class:`InvalidBallot` for a wrong shape and
    :class:`InvalidProof` for a proof that fails."""
    if contest.ranked:
        _verify_ranked(ctx, binding, contest, ec)
        return
    if ec.selection_proof is None:
        message = f"contest {contest.id}: the selection proof is missing"
        raise InvalidBallot(Text("ballot.shape", message, contest=contest.id))
    n = len(contest.options)
    if len(ec.ciphertexts) != n or len(ec.option_proofs) != n:
        message = (
            f"contest {contest.id}: {len(ec.ciphertexts)} ciphertexts and "
            f"{len(ec.option_proofs)} proofs for {n} options"
        )
        raise InvalidBallot(Text("ballot.shape", message, contest=contest.id))
    for option, ct, proof in zip(contest.options, ec.ciphertexts, ec.option_proofs, strict=True):
        if ct.alpha.is_identity():
            message = f"contest {contest.id}, option {option.id}: alpha is the identity"
            raise InvalidBallot(Text("ballot.shape", message, contest=contest.id))
        verify_encrypts_one_of(
            OPTION_TAG,
            (ctx.base_hash, binding, contest.id, option.id),
            ctx.public_key,
            ct,
            (0, 1),
            proof,
            f"contest {contest.id}, option {option.id}: not an encryption of 0 or 1",
        )
    verify_encrypts_one_of(
        SELECTION_TAG,
        (ctx.base_hash, binding, contest.id),
        ctx.public_key,
        _selection_ciphertext(contest, ec.ciphertexts),
        contest.selection_range,
        ec.selection_proof,
        f"contest {contest.id}: number of selections outside "
        f"[{contest.min_selections}, {contest.max_selections}] or exclusive option combined",
    )


class OpenableBallot(Protocol):
    """What a Benaloh audit opens: a ballot of either version, or an audited one as the
    board shows it (only its contests' ciphertexts are opened)."""

    @property
    def election_hash(self) -> bytes: ...

    @property
    def contests(self) -> Sequence[EncryptedContest] | Sequence[SpoiledContest]: ...


def check_opening(
    ctx: ElectionContext, ballot: OpenableBallot, opening: BallotOpening
) -> dict[str, frozenset[str]]:
    """Benaloh audit: check that ``opening`` explains every ciphertext of ``ballot``
    and return the choices it encrypts.  Raises :class:`InvalidBallot` otherwise.  A
    version 2 ballot's credential and tag ciphertexts are not opened (their randomness
    never leaves the device)."""
    if ballot.election_hash != ctx.base_hash:
        raise InvalidBallot(OTHER_ELECTION)
    manifest_ids = [c.id for c in ctx.manifest.contests]
    encrypted: Sequence[EncryptedContest | SpoiledContest] = ballot.contests
    if [c.contest_id for c in encrypted] != manifest_ids:
        raise InvalidBallot(
            Text("ballot.contests", "the ballot's contests do not match the manifest")
        )
    if [o.contest_id for o in opening.contests] != manifest_ids:
        message = "the audit opening does not cover the ballot's contests"
        raise InvalidBallot(Text("ballot.opening_contests", message))
    choices: dict[str, frozenset[str]] = {}
    for contest, ec, op in zip(ctx.manifest.contests, encrypted, opening.contests, strict=True):
        if contest.ranked:
            choices[contest.id] = _check_ranked_opening(ctx, contest, ec.ciphertexts, op)
            continue
        n = len(contest.options)
        if len(ec.ciphertexts) != n:
            message = f"contest {contest.id}: {len(ec.ciphertexts)} ciphertexts for {n} options"
            raise InvalidBallot(Text("ballot.shape", message, contest=contest.id))
        if len(op.plaintexts) != n or len(op.randomness) != n:
            message = f"contest {contest.id}: the opening has the wrong length"
            raise InvalidBallot(Text("ballot.opening_length", message, contest=contest.id))
        for option, ct, m, r in zip(
            contest.options, ec.ciphertexts, op.plaintexts, op.randomness, strict=True
        ):
            if m not in (0, 1) or elgamal.encrypt(ctx.public_key, m, r) != ct:
                message = (
                    f"contest {contest.id}, option {option.id}: "
                    "the opening does not match the ciphertext"
                )
                raise InvalidBallot(Text("ballot.opening_mismatch", message, contest=contest.id))
        choices[contest.id] = frozenset(
            o.id for o, m in zip(contest.options, op.plaintexts, strict=True) if m == 1
        )
    return choices


def _check_ranked_opening(
    ctx: ElectionContext, contest: Contest, cts: Sequence[Ciphertext], op: ContestOpening
) -> frozenset[str]:
    """A ranked contest's opening: a choice number per position; the choices it ranks
    (read as the count reads them: :func:`honestballot.protocol.ranked.read_ranking`)."""
    r = contest.max_selections
    if len(cts) != r or len(op.plaintexts) != r or len(op.randomness) != r:
        message = f"contest {contest.id}: the opening has the wrong length"
        raise InvalidBallot(Text("ballot.opening_length", message, contest=contest.id))
    for position, ct, m, rand in zip(
        range(1, r + 1), cts, op.plaintexts, op.randomness, strict=True
    ):
        if (
            m not in rank_values(contest, position)
            or elgamal.encrypt(ctx.public_key, m, rand) != ct
        ):
            message = (
                f"contest {contest.id}, position {position}: "
                "the opening does not match the ciphertext"
            )
            raise InvalidBallot(Text("ballot.opening_mismatch", message, contest=contest.id))
    reading = read_ranking(contest, op.plaintexts)
    return frozenset((reading.exclusive,) if reading.exclusive is not None else reading.ranking)
