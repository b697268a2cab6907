"""Registrations of an election with re-voting protection (docs/coercion.md §2.4).

**The service's commitment.**  Before the device draws a credential, the service draws
a fresh 32-byte nonce ``rho`` and encrypts what the registration will revoke: the tag
point of the voter's current credential, or the voter's **none point** ``R0 =
hash_to_point("none", B base hash, P V)``.  It proves knowledge of the randomness of
``Enc(R)`` at the place ``("registration-nonce", rho, "revokes", 0)`` and erases the
randomness (:func:`make_commitment`).

**The registration** the device then makes (:func:`make_registration`)::

    Enc(sigma), Enc(tau), Enc(V), Enc(A)        fresh non-zero randomness each
    Enc(R) and the service's proof              as the service sent them
    credential proof  PoK(s, c : Enc(sigma) = (s*G, s*H + c*P))
                      tag "credential-proof", context (base, "registration", statement hash)
    randomness proofs of Enc(tau), Enc(V)
                      at ("registration", statement hash, "tag" / "handle", 0)
    activation proof  PoK(s, a : Enc(A) = (s*G, s*H + a*P_act))
                      tag "activation-proof", context (base, "registration", statement hash)

The **statement hash** ``registration/statement`` (SHA-256) covers the base hash, ``H``,
``P``, ``P_act``, ``rho``, the five ciphertexts and the service's proof, so no proof can
be lifted into another registration and ``Enc(R)`` cannot be swapped.  The **tracking
hash** ``registration/tracking`` (SHA-256) covers the statement hash and every scalar of
the device's four proofs (the layouts: docs/coercion.md §5.8, docs/record-format.md
§2.1).

**What the device proves privately** (:class:`RegistrationPrivate`): ``t`` and ``sigma``
in the clear, and four designated-verifier proofs (crypto/designated_verifier.py), nonce
the statement hash (as a ballot's), that ``Enc(tau)`` encrypts ``hash_to_point("tag-point",
base, t)`` (``"registration/tag"``), ``Enc(sigma)`` encrypts ``sigma`` (``"registration/
credential"``), ``Enc(V)`` the voter's handle (``"registration/handle"``) and ``Enc(A)``
the voter's activation point (``"registration/activation"``).  The service checks them
against its own ``V``, ``A`` and the commitment it issued (:func:`check_private`).

The device's draws, in order (the browser bundle replays them): the randomness of
``Enc(sigma)``, ``Enc(tau)``, ``Enc(V)``, ``Enc(A)`` (non-zero); the credential proof's
two nonces; the tag proof's; the handle proof's; the activation proof's two; then each
designated-verifier proof's three (tag, credential, handle, activation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from honestballot.crypto.designated_verifier import (
    DesignatedProof,
    prove_designated_plaintext,
    verify_designated_plaintext,
)
from honestballot.crypto.elgamal import Ciphertext, encrypt_point
from honestballot.crypto.group import Point, Scalar
from honestballot.crypto.hashing import Part, hash_bytes
from honestballot.crypto.plaintext_awareness import (
    RandomnessProof,
    prove_randomness,
    verify_randomness,
)
from honestballot.crypto.randomness import Randomness, random_nonzero_scalar
from honestballot.crypto.representation import (
    RepresentationProof,
    credential_base,
    prove_ciphertext_representation,
    prove_representation,
    verify_ciphertext_representation,
    verify_representation,
)
from honestballot.crypto.tagging import none_point, tag_point
from honestballot.errors import InvalidBallot, InvalidProof, Text
from honestballot.protocol.ballot import tracking_code
from honestballot.protocol.credential_seed import CredentialSeed
from honestballot.protocol.encrypted_roll import ACTIVATION_PROOF_TAG
from honestballot.protocol.letters import LetterSecret, activation_base

STATEMENT_TAG: Final = "registration/statement"
TRACKING_TAG: Final = "registration/tracking"
NONCE_PLACE: Final = "registration-nonce"
PLACE: Final = "registration"
NONCE_BYTES: Final = 32
PURPOSES: Final = (
    "registration/tag",
    "registration/credential",
    "registration/handle",
    "registration/activation",
)


class WrongLetter(InvalidProof):
    """The registration's handle or activation ciphertext does not encrypt the signed-in
    voter's own ``V`` or ``A``: the activation code typed is not the one on the voter's
    letter (a typo that passed the checksum, or someone else's letter).  ``purpose``
    names the designated-verifier proof that failed (``registration/handle`` or
    ``registration/activation``)."""

    def __init__(self, purpose: str) -> None:
        super().__init__(WRONG_LETTER)
        self.purpose = purpose


WRONG_LETTER: Final = Text(
    "registration.wrong_letter", "this activation code is not the one on your letter"
)
LETTER_PURPOSES: Final = frozenset({"registration/handle", "registration/activation"})


def revoked_point(base_hash: bytes, handle: Point, current: Point | None) -> Point:
    """What a registration of the voter with ``handle`` revokes: the tag point of the
    voter's ``current`` credential, or, with none, the voter's none point ``R0``."""
    return none_point(base_hash, handle) if current is None else current


def ct_part(ct: Ciphertext) -> tuple[Point, Point]:
    """``ct(E) = L(P alpha, P beta)``: a ciphertext as one hash part."""
    return (ct.alpha, ct.beta)


@dataclass(frozen=True, slots=True)
class Commitment:
    """The service's commitment to what one registration revokes."""

    nonce: bytes
    revokes: Ciphertext
    proof: RandomnessProof


def _nonce_place(base_hash: bytes, nonce: bytes) -> tuple[Part, ...]:
    return (base_hash, NONCE_PLACE, nonce, "revokes", 0)


def make_commitment(
    base_hash: bytes, public_key: Point, revoked: Point, rng: Randomness
) -> Commitment:
    """A fresh nonce and ``Enc(revoked)`` with its proof; the randomness is dropped here
    (the service never keeps it)."""
    nonce = rng.random_bytes(NONCE_BYTES)
    r = random_nonzero_scalar(rng)
    revokes = encrypt_point(public_key, revoked, r)
    proof = prove_randomness(_nonce_place(base_hash, nonce), public_key, revokes, r, rng)
    return Commitment(nonce, revokes, proof)


def verify_commitment(base_hash: bytes, public_key: Point, c: Commitment, what: str) -> None:
    """:class:`InvalidProof` naming ``what``'s revokes unless its proof verifies."""
    if len(c.nonce) != NONCE_BYTES:
        raise InvalidProof(f"{what}, revokes: the nonce is not {NONCE_BYTES} bytes")
    verify_randomness(
        _nonce_place(base_hash, c.nonce), public_key, c.revokes, c.proof, f"{what}, revokes"
    )


@dataclass(frozen=True, slots=True)
class Registration:
    election_hash: bytes
    commitment: Commitment
    credential: Ciphertext
    tag: Ciphertext
    handle: Ciphertext
    activation: Ciphertext
    credential_proof: RepresentationProof
    tag_proof: RandomnessProof
    handle_proof: RandomnessProof
    activation_proof: RepresentationProof

    def statement_hash(self, public_key: Point) -> bytes:
        return statement_hash(
            self.election_hash, public_key, self.commitment, self.credential, self.tag,
            self.handle, self.activation,
        )  # fmt: skip

    def proof_scalars(self) -> tuple[Scalar, ...]:
        """Every scalar of the device's proofs, in the order of the JSON's keys."""
        cp, ap = self.credential_proof, self.activation_proof
        return (
            cp.challenge, cp.response_randomness, cp.response_credential,
            self.tag_proof.challenge, self.tag_proof.response,
            self.handle_proof.challenge, self.handle_proof.response,
            ap.challenge, ap.response_randomness, ap.response_credential,
        )  # fmt: skip

    def tracking_hash(self, public_key: Point) -> bytes:
        return hash_bytes(TRACKING_TAG, self.statement_hash(public_key), self.proof_scalars())

    def tracking_code(self, public_key: Point) -> str:
        return tracking_code(self.tracking_hash(public_key))


def statement_hash(
    base_hash: bytes,
    public_key: Point,
    commitment: Commitment,
    credential: Ciphertext,
    tag: Ciphertext,
    handle: Ciphertext,
    activation: Ciphertext,
) -> bytes:
    """``registration/statement``: B base; P H; P P; P P_act; B rho; ct(credential);
    ct(tag); ct(handle); ct(activation); ct(revokes); L(S e, S z) of the service's proof."""
    return hash_bytes(
        STATEMENT_TAG,
        base_hash,
        public_key,
        credential_base(base_hash),
        activation_base(base_hash),
        commitment.nonce,
        ct_part(credential),
        ct_part(tag),
        ct_part(handle),
        ct_part(activation),
        ct_part(commitment.revokes),
        (commitment.proof.challenge, commitment.proof.response),
    )


def _place(base_hash: bytes, statement: bytes, what: str) -> tuple[Part, ...]:
    return (base_hash, PLACE, statement, what, 0)


@dataclass(frozen=True, slots=True)
class RegistrationPrivate:
    """What the device sends the service beside the registration, never posted: ``t``,
    ``sigma`` and the four designated-verifier proofs (in :data:`PURPOSES` order)."""

    tag_secret: bytes = field(repr=False)
    voting_point: Point
    tag_proof: DesignatedProof
    credential_proof: DesignatedProof
    handle_proof: DesignatedProof
    activation_proof: DesignatedProof

    def proofs(self) -> tuple[DesignatedProof, ...]:
        return (self.tag_proof, self.credential_proof, self.handle_proof, self.activation_proof)


def make_registration(
    base_hash: bytes,
    public_key: Point,
    verifier_key: Point,
    commitment: Commitment,
    seed: CredentialSeed,
    letter: LetterSecret,
    rng: Randomness,
) -> tuple[Registration, RegistrationPrivate]:
    """The device's registration of the credential ``seed`` with the voter's ``letter``,
    on the service's ``commitment`` (whose proof it checks first), and what it proves to
    the service (designated verifier ``verifier_key``) privately."""
    verify_commitment(base_hash, public_key, commitment, "the service's commitment")
    sigma, tau = seed.voting_point(base_hash), seed.tag_point(base_hash)
    v, a = letter.handle(base_hash), letter.activation_scalar(base_hash)
    big_a = activation_base(base_hash) * a
    registration, randomness = register(
        base_hash, public_key, commitment, seed.signing_scalar(base_hash), sigma, tau, v,
        (a, big_a), rng,
    )  # fmt: skip
    st = registration.statement_hash(public_key)
    proofs = [
        prove_designated_plaintext(base_hash, purpose, st, public_key, verifier_key, m, ct, r, rng)
        for purpose, m, ct, r in zip(
            PURPOSES,
            (tau, sigma, v, big_a),
            (registration.tag, registration.credential, registration.handle,
             registration.activation),
            randomness,
            strict=True,
        )
    ]  # fmt: skip
    return registration, RegistrationPrivate(seed.tag_secret(), sigma, *proofs)


def register(
    base_hash: bytes,
    public_key: Point,
    commitment: Commitment,
    signing_scalar: Scalar,
    voting_point: Point,
    tag: Point,
    handle: Point,
    activation: tuple[Scalar, Point],
    rng: Randomness,
) -> tuple[Registration, tuple[Scalar, Scalar, Scalar, Scalar]]:
    """The public registration of the credential with ``signing_scalar`` ``c`` (and
    its ``voting_point`` ``c*P``) and tag point ``tag``, for the handle ``handle`` and the
    activation scalar ``a`` with its point ``A = a*P_act`` (``activation``), on
    ``commitment``; with the randomness of ``Enc(tau)``, ``Enc(sigma)``, ``Enc(V)``,
    ``Enc(A)`` (in :data:`PURPOSES` order) for the private proofs.  The device's
    registration and the service's cover registrations (protocol/cover.py) are both made
    here, with the same draws in the same order."""
    activation_scalar, big_a = activation
    r_sigma, r_tau, r_v, r_a = (random_nonzero_scalar(rng) for _ in range(4))
    credential = encrypt_point(public_key, voting_point, r_sigma)
    tag_ct = encrypt_point(public_key, tag, r_tau)
    handle_ct = encrypt_point(public_key, handle, r_v)
    activation_ct = encrypt_point(public_key, big_a, r_a)
    st = statement_hash(
        base_hash, public_key, commitment, credential, tag_ct, handle_ct, activation_ct
    )
    context = (base_hash, PLACE, st)
    registration = Registration(
        base_hash,
        commitment,
        credential,
        tag_ct,
        handle_ct,
        activation_ct,
        prove_representation(
            context, public_key, credential_base(base_hash), credential, r_sigma,
            signing_scalar, rng,
        ),
        prove_randomness(_place(base_hash, st, "tag"), public_key, tag_ct, r_tau, rng),
        prove_randomness(_place(base_hash, st, "handle"), public_key, handle_ct, r_v, rng),
        prove_ciphertext_representation(
            ACTIVATION_PROOF_TAG, context, public_key, activation_base(base_hash),
            activation_ct, r_a, activation_scalar, rng,
        ),
    )  # fmt: skip
    return registration, (r_tau, r_sigma, r_v, r_a)


def distinct_alphas(cts: Sequence[Ciphertext], what: str) -> frozenset[bytes]:
    """The ``alpha`` of each of ``cts``, which must all differ (docs/coercion.md §3, rule 3:
    a repeated ``alpha`` is reused randomness, which links the ciphertexts holding it);
    :class:`InvalidBallot` naming ``what`` (a ballot or a registration) otherwise."""
    alphas = frozenset(ct.alpha.data for ct in cts)
    if len(alphas) != len(cts):
        raise InvalidBallot(
            Text(
                "ballot.alpha_repeated",
                f"two ciphertexts of this {what} share their randomness: make it again",
                what=what,
            )
        )
    return alphas


def registration_alphas(reg: Registration) -> frozenset[bytes]:
    """The ``alpha`` of each of the four ciphertexts the device made (``credential``,
    ``tag``, ``handle``, ``activation``), which must differ from one another and from the
    service's ``revokes`` (docs/coercion.md §3, rule 3), and from every other object's.
    ``revokes`` is the service's, one per nonce, and a nonce is used once: a registration
    sent again on a used nonce is refused for its nonce, not for this."""
    cts = (reg.credential, reg.tag, reg.handle, reg.activation)
    distinct_alphas((*cts, reg.commitment.revokes), "registration")
    return frozenset(ct.alpha.data for ct in cts)


def verify_registration(
    base_hash: bytes, public_key: Point, reg: Registration, what: str = "registration"
) -> None:
    """``registrations.proofs`` for one registration: raise :class:`InvalidProof` naming
    ``what`` and the proof that fails (the service's proof of ``Enc(R)``, the credential,
    tag, handle or activation proof)."""
    if reg.election_hash != base_hash:
        raise InvalidProof(f"{what}: made for another election (base hash differs)")
    verify_commitment(base_hash, public_key, reg.commitment, what)
    st = reg.statement_hash(public_key)
    context = (base_hash, PLACE, st)
    verify_representation(
        context, public_key, credential_base(base_hash), reg.credential, reg.credential_proof,
        f"{what}, credential",
    )  # fmt: skip
    verify_randomness(
        _place(base_hash, st, "tag"), public_key, reg.tag, reg.tag_proof, f"{what}, tag"
    )
    verify_randomness(
        _place(base_hash, st, "handle"), public_key, reg.handle, reg.handle_proof,
        f"{what}, handle",
    )  # fmt: skip
    verify_ciphertext_representation(
        ACTIVATION_PROOF_TAG, context, public_key, activation_base(base_hash), reg.activation,
        reg.activation_proof, f"{what}, activation", "activation proof",
    )  # fmt: skip


def check_private(
    base_hash: bytes,
    public_key: Point,
    verifier_key: Point,
    reg: Registration,
    private: RegistrationPrivate,
    issued: Commitment,
    voter_handle: Point,
    voter_activation: Point,
) -> Point:
    """The service's check of a registration beyond its public proofs: that it carries
    the commitment the service ``issued`` for this session, and that the four
    designated-verifier proofs show ``Enc(tau)``, ``Enc(sigma)``, ``Enc(V)``, ``Enc(A)``
    to encrypt the tag point of ``private.tag_secret``, ``private.voting_point`` and the
    signed-in voter's handle and activation point.  Returns ``tau``; raises
    :class:`InvalidProof` naming the first that fails, :class:`WrongLetter` when it is
    the handle's or the activation point's (another letter than the voter's)."""
    if reg.commitment != issued:
        raise InvalidProof("registration: revokes is not the commitment issued for its nonce")
    if len(private.tag_secret) != 32:
        raise InvalidProof("registration: the tag secret is not 32 bytes")
    if private.voting_point.is_identity():
        # c = 0: anyone could prove knowledge of it, and so cast under this credential
        raise InvalidProof("registration: the voting point is the identity")
    tau = tag_point(base_hash, private.tag_secret)
    st = reg.statement_hash(public_key)
    for purpose, m, ct, proof in zip(
        PURPOSES,
        (tau, private.voting_point, voter_handle, voter_activation),
        (reg.tag, reg.credential, reg.handle, reg.activation),
        private.proofs(),
        strict=True,
    ):
        try:
            verify_designated_plaintext(
                base_hash, purpose, st, public_key, verifier_key, m, ct, proof
            )
        except InvalidProof:
            if purpose in LETTER_PURPOSES:
                raise WrongLetter(purpose) from None
            raise
    return tau
