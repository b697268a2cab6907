"""The demo's pieces: its manifest, the trustees' key ceremony exchanging public files,
and cheating clients' ballots (an over-vote, a ballot copied from the board) of both
versions, which ``honestballot demo`` (cli/demo_election.py) and tests use.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path

from honestballot.crypto import elgamal
from honestballot.crypto.chaum_pedersen import prove_encrypts_one_of
from honestballot.crypto.elgamal import encrypt_point
from honestballot.crypto.group import Scalar
from honestballot.crypto.hashing import Part
from honestballot.crypto.randomness import Randomness, random_nonzero_scalar, random_scalar
from honestballot.crypto.schnorr import sign
from honestballot.protocol.ballot import (
    OPTION_TAG,
    SELECTION_TAG,
    SIGNATURE_TAG,
    EncryptedBallot,
    EncryptedContest,
    ballot_content_hash,
    prove_contest,
)
from honestballot.protocol.ballot_v2 import (
    BallotPrivate,
    BallotV2,
    credential_proofs,
    encrypt_under,
    prove_private,
)
from honestballot.protocol.credential import VoterCredential
from honestballot.protocol.credential_seed import CredentialSeed
from honestballot.protocol.dkg import (
    Ceremony,
    Deal,
    TrusteeSecret,
    check_deals,
    create_deal,
    create_trustee,
)
from honestballot.protocol.dkg_verify import ElectionKey, accept_election_key, verify_ceremony
from honestballot.protocol.election import ElectionContext, manifest_hash
from honestballot.protocol.manifest import Contest, Label, Manifest, Option, Unit
from honestballot.record.trustee import (
    encode_deal,
    encode_election_key,
    encode_trustee_public,
)


def demo_manifest(election_id: str = "demo-primary") -> Manifest:
    def lab(ru: str, kk: str, en: str) -> Label:
        return Label(ru, kk, en)

    chair = Contest(
        "chair",
        lab("Председатель", "Төраға", "Chair"),
        tuple(
            Option(f"cand-{i}", lab(f"Кандидат {i}", f"Үміткер {i}", f"Candidate {i}"))
            for i in range(1, 6)
        ),
        1,
        1,
        True,
    )
    council = Contest(
        "council",
        lab("Совет", "Кеңес", "Council"),
        tuple(
            Option(f"member-{i}", lab(f"Член {i}", f"Мүше {i}", f"Member {i}")) for i in range(1, 7)
        ),
        0,
        3,
        False,
    )
    units = (
        *(
            Unit(f"station-{i}", lab(f"Участок {i}", f"Учаске {i}", f"Station {i}"))
            for i in range(1, 5)
        ),
        Unit("station-small", lab("Малый участок", "Шағын учаске", "Small station")),
    )
    return Manifest(
        election_id,
        lab("Демонстрационные праймериз", "Демонстрациялық праймериз", "Demo primary"),
        (chair, council),
        units,
        50,
    )


def run_key_ceremony(
    manifest: Manifest, directory: Path, rng: Randomness, n: int = 3, k: int = 2
) -> tuple[ElectionKey, list[TrusteeSecret]]:
    """The trustees' ceremony, each step writing the public file it would publish."""
    ceremony = Ceremony(manifest.election_id, manifest_hash(manifest), n, k)
    trustees = [create_trustee(ceremony, i, f"Trustee {i}", rng) for i in range(1, n + 1)]
    publics = [p for _, p in trustees]
    secrets_ = [s for s, _ in trustees]
    deals: list[Deal] = []
    for i, secret in enumerate(secrets_):
        secrets_[i], deal = create_deal(secret, publics, rng)
        deals += deal
        (directory / f"trustee-{i + 1}.public.json").write_text(
            json.dumps(encode_trustee_public(publics[i]))
        )
        (directory / f"deal-{i + 1}.json").write_text(json.dumps(encode_deal(deal)))
    complaints = [c for s in secrets_ for c in check_deals(s, deals, rng)]
    # every trustee checked, so every trustee's complaints file (maybe empty) is embedded
    key = verify_ceremony(ceremony, publics, deals, complaints, [s.index for s in secrets_])
    (directory / "election-key.json").write_text(json.dumps(encode_election_key(key)))
    accepted = [accept_election_key(s, key) for s in secrets_]
    return key, accepted


def overvote(manifest: Manifest) -> dict[str, set[str]]:
    """A cheating client's choice: two candidates for chair (vote for one), one for every
    other contest."""
    return {
        c.id: {o.id for o in c.candidates[: 2 if c.id == "chair" else 1]} for c in manifest.contests
    }


def forge_contest(
    ctx: ElectionContext,
    binding: Part,
    contest: Contest,
    cts: Sequence[elgamal.Ciphertext],
    plaintexts: Sequence[int],
    rs: Sequence[Scalar],
    rng: Randomness,
) -> EncryptedContest:
    """A cheating client's contest proofs (protocol/ballot.prove_contest's signature): the
    honest ones where the count of selections is in range (or the contest ranked); else
    a valid 0/1 proof per option and a selection proof made for a *different* ciphertext
    (no honest proof exists for a count out of range)."""
    weighted = zip(contest.options, plaintexts, strict=True)
    if contest.ranked or sum(contest.exclusive_weight(o) * m for o, m in weighted) in (
        contest.selection_range
    ):
        return prove_contest(ctx, binding, contest, cts, plaintexts, rs, rng)
    proofs = tuple(
        prove_encrypts_one_of(
            OPTION_TAG,
            (ctx.base_hash, binding, contest.id, o.id),
            ctx.public_key,
            ct,
            (0, 1),
            m,
            r,
            rng,
        )
        for o, ct, m, r in zip(contest.options, cts, plaintexts, rs, strict=True)
    )
    decoy_r = random_scalar(rng)
    decoy = elgamal.encrypt(ctx.public_key, contest.selection_range[0], decoy_r)
    sel = prove_encrypts_one_of(
        SELECTION_TAG,
        (ctx.base_hash, binding, contest.id),
        ctx.public_key,
        decoy,
        contest.selection_range,
        contest.selection_range[0],
        decoy_r,
        rng,
    )
    return EncryptedContest(contest.id, tuple(cts), proofs, sel)



def forge_overvote_v2(
    ctx: ElectionContext, seed: CredentialSeed, rng: Randomness
) -> tuple[BallotV2, BallotPrivate]:
    """A cheating device's ballot version 2 under the voter's own credential ``seed``:
    :func:`overvote`, proved by :func:`forge_contest`, with its private part."""
    base = ctx.base_hash
    ballot, _, randomness = encrypt_under(
        ctx, seed.signing_scalar(base), seed.voting_point(base), seed.tag_point(base),
        overvote(ctx.manifest), rng, prove=forge_contest,
    )  # fmt: skip
    return ballot, prove_private(ctx, seed, ctx.verifier_key, ballot, randomness, rng)


def copy_ballot(
    original: EncryptedBallot, thief: VoterCredential, rng: Randomness
) -> EncryptedBallot:
    """Someone copies a ballot from the board and re-signs it with their own credential."""
    content = ballot_content_hash(original.election_hash, thief.public, original.contests)
    sig = sign(SIGNATURE_TAG, (original.election_hash, thief.public), content, thief.secret, rng)
    return EncryptedBallot(original.election_hash, thief.public, original.contests, sig)


def copy_ballot_v2(
    ctx: ElectionContext, original: BallotV2, thief: CredentialSeed, rng: Randomness
) -> tuple[BallotV2, BallotPrivate]:
    """Someone copies a ballot version 2 from the board (a cast row's) and casts its
    contests under their own credential ``thief``: a fresh ``Enc(sigma)`` and
    ``Enc(tau)`` with their proofs over the copied ciphertexts, and the private part."""
    base, h = ctx.base_hash, ctx.public_key
    randomness = (random_nonzero_scalar(rng), random_nonzero_scalar(rng))
    credential = encrypt_point(h, thief.voting_point(base), randomness[0])
    tag = encrypt_point(h, thief.tag_point(base), randomness[1])
    proofs = credential_proofs(
        ctx, thief.signing_scalar(base), credential, tag, original.contests, randomness, rng
    )
    ballot = BallotV2(base, credential, tag, original.contests, *proofs)
    return ballot, prove_private(ctx, thief, ctx.verifier_key, ballot, randomness, rng)


def random_choice(manifest: Manifest, pick: random.Random) -> dict[str, set[str]]:
    """A simulated voter's choice: now and then an exclusive option, else candidates
    weighted 1, 1/2, 1/3, ... (so that the result has a winner)."""
    choice: dict[str, set[str]] = {}
    for contest in manifest.contests:
        roll = pick.random()
        exclusive = [o.id for o in contest.options if o.exclusive]
        if exclusive and roll < 0.06:
            choice[contest.id] = {pick.choice(exclusive)}
            continue
        weights = [1.0 / (i + 1) for i in range(len(contest.candidates))]
        n = pick.randint(max(contest.min_selections, 1), contest.max_selections)
        chosen: set[str] = set()
        while len(chosen) < n:
            chosen.add(pick.choices([o.id for o in contest.candidates], weights)[0])
        choice[contest.id] = chosen
    return choice


__all__ = ["demo_manifest", "run_key_ceremony"]
