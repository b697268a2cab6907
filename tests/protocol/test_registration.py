"""Registrations of re-voting protection (docs/coercion.md §2.4): the service's
commitment to what is revoked, the device's registration and its public proofs, and the
designated-verifier proofs the service checks privately.  Each failure is named."""

from __future__ import annotations

from dataclasses import replace

import pytest

from honestballot.crypto.elgamal import decrypt_to_point
from honestballot.crypto.group import IDENTITY, Point, Scalar, base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.crypto.tagging import none_point
from honestballot.errors import InvalidProof
from honestballot.protocol.credential_seed import CredentialSeed, generate_seed
from honestballot.protocol.letters import LetterSecret, draw_letter
from honestballot.protocol.registration import (
    Commitment,
    Registration,
    RegistrationPrivate,
    WrongLetter,
    check_private,
    make_commitment,
    make_registration,
    revoked_point,
    verify_commitment,
    verify_registration,
)

BASE = bytes(range(32))
RNG = SeededRandomness("registration tests")
SECRET = random_nonzero_scalar(RNG)
H = base_mul(SECRET)
W_SECRET = random_nonzero_scalar(RNG)
W = base_mul(W_SECRET)


Made = tuple[Registration, RegistrationPrivate, CredentialSeed, LetterSecret, Commitment]


def _register(name: str, letter: LetterSecret | None = None, revoked: Point | None = None) -> Made:
    rng = SeededRandomness(name)
    letter = letter or draw_letter(rng, BASE)
    seed = generate_seed(rng, BASE)
    commitment = make_commitment(
        BASE, H, revoked or revoked_point(BASE, letter.handle(BASE), None), rng
    )
    reg, private = make_registration(BASE, H, W, commitment, seed, letter, rng)
    return reg, private, seed, letter, commitment


@pytest.fixture(scope="module")
def made() -> Made:
    return _register("first")


def test_a_registration_encrypts_what_it_says_and_verifies(made: Made) -> None:
    reg, private, seed, letter, commitment = made
    verify_registration(BASE, H, reg)
    assert decrypt_to_point(SECRET, reg.credential) == seed.voting_point(BASE)
    assert decrypt_to_point(SECRET, reg.tag) == seed.tag_point(BASE)
    assert decrypt_to_point(SECRET, reg.handle) == letter.handle(BASE)
    assert decrypt_to_point(SECRET, reg.activation) == letter.activation_point(BASE)
    # a first registration revokes the voter's none point
    assert decrypt_to_point(SECRET, reg.commitment.revokes) == none_point(BASE, letter.handle(BASE))
    tau = check_private(
        BASE, H, W, reg, private, commitment, letter.handle(BASE), letter.activation_point(BASE)
    )
    assert tau == seed.tag_point(BASE)
    assert private.voting_point == seed.voting_point(BASE)
    code = reg.tracking_code(H)
    assert len(code) == 19 and code == reg.tracking_code(H)


def test_a_replacement_revokes_the_current_tag_point(made: Made) -> None:
    _, _, seed, letter, _ = made
    current = seed.tag_point(BASE)
    assert revoked_point(BASE, letter.handle(BASE), current) == current
    reg, *_ = _register("second", letter, revoked_point(BASE, letter.handle(BASE), current))
    verify_registration(BASE, H, reg)
    assert decrypt_to_point(SECRET, reg.commitment.revokes) == current


def test_a_tampered_registration_fails_by_name(made: Made) -> None:
    reg = made[0]
    one = base_mul(Scalar(1))
    # a ciphertext changed, or two swapped: the statement hash changes, so the first proof
    # checked after the service's (the credential proof) fails
    for tampered in (
        replace(reg, tag=replace(reg.tag, beta=reg.tag.beta + one)),
        replace(reg, handle=replace(reg.handle, beta=reg.handle.beta + one)),
        replace(reg, activation=replace(reg.activation, beta=reg.activation.beta + one)),
        replace(reg, credential=reg.tag, tag=reg.credential),
    ):
        with pytest.raises(InvalidProof, match="registration, credential: credential proof"):
            verify_registration(BASE, H, tampered)
    # a proof changed fails itself
    for field, named in (
        ("tag_proof", "registration, tag: proof of randomness"),
        ("handle_proof", "registration, handle: proof of randomness"),
    ):
        bad = replace(getattr(reg, field), response=Scalar(3))
        with pytest.raises(InvalidProof, match=named):
            verify_registration(BASE, H, replace(reg, **{field: bad}))
    bad_a = replace(reg.activation_proof, response_credential=Scalar(3))
    with pytest.raises(InvalidProof, match="registration, activation: activation proof"):
        verify_registration(BASE, H, replace(reg, activation_proof=bad_a))
    with pytest.raises(InvalidProof, match="another election"):
        verify_registration(BASE, H, replace(reg, election_hash=bytes(32)))
    # the tracking hash covers every proof scalar
    assert replace(reg, activation_proof=bad_a).tracking_hash(H) != reg.tracking_hash(H)


def test_a_swapped_revokes_fails(made: Made) -> None:
    reg = made[0]
    other = make_commitment(BASE, H, base_mul(Scalar(9)), SeededRandomness("other"))
    # another commitment, with its own valid proof: the statement hash changes
    with pytest.raises(InvalidProof, match="registration, credential: credential proof"):
        verify_registration(BASE, H, replace(reg, commitment=other))
    # Enc(R) swapped but the service's proof kept: the service's proof fails first
    swapped = replace(reg.commitment, revokes=other.revokes)
    with pytest.raises(InvalidProof, match="registration, revokes: proof of randomness"):
        verify_registration(BASE, H, replace(reg, commitment=swapped))
    with pytest.raises(InvalidProof, match="revokes"):
        verify_commitment(BASE, H, replace(reg.commitment, nonce=bytes(32)), "x")


def test_a_proof_lifted_from_another_registration_fails(made: Made) -> None:
    reg = made[0]
    other, *_ = _register("lifted from")
    for field, named in (
        ("credential_proof", "credential proof"),
        ("tag_proof", "tag: proof of randomness"),
        ("handle_proof", "handle: proof of randomness"),
        ("activation_proof", "activation proof"),
    ):
        lifted = replace(reg, **{field: getattr(other, field)})
        with pytest.raises(InvalidProof, match=named):
            verify_registration(BASE, H, lifted)
    # the other registration's ciphertexts with this one's proofs: every statement differs
    with pytest.raises(InvalidProof, match="credential proof"):
        verify_registration(BASE, H, replace(other, credential_proof=reg.credential_proof))


def test_the_service_checks_the_letter_and_the_credential_privately(made: Made) -> None:
    reg, private, seed, letter, commitment = made
    v, a = letter.handle(BASE), letter.activation_point(BASE)
    someone = draw_letter(SeededRandomness("someone else"), BASE)
    # the signed-in voter's letter is another one: wrong handle, wrong activation
    with pytest.raises(WrongLetter, match="not the one on your letter") as info:
        check_private(BASE, H, W, reg, private, commitment, someone.handle(BASE), a)
    assert info.value.purpose == "registration/handle"
    with pytest.raises(WrongLetter, match="not the one on your letter") as info:
        check_private(BASE, H, W, reg, private, commitment, v, someone.activation_point(BASE))
    assert info.value.purpose == "registration/activation"
    # a registration made with a wrong letter fails the voter's activation check
    typo, p2, _, _, c2 = _register("typed another code")
    with pytest.raises(WrongLetter) as info:
        check_private(BASE, H, W, typo, p2, c2, v, a)
    assert info.value.purpose == "registration/handle"
    # t and sigma of another credential than the one encrypted
    other = generate_seed(SeededRandomness("another seed"), BASE)
    with pytest.raises(InvalidProof, match="registration/tag"):
        check_private(
            BASE, H, W, reg, replace(private, tag_secret=other.tag_secret()), commitment, v, a
        )
    with pytest.raises(InvalidProof, match="registration/credential"):
        check_private(
            BASE, H, W, reg, replace(private, voting_point=other.voting_point(BASE)),
            commitment, v, a,
        )  # fmt: skip
    # a voting point of signing scalar 0, which anyone could prove, is refused
    with pytest.raises(InvalidProof, match="voting point is the identity"):
        check_private(BASE, H, W, reg, replace(private, voting_point=IDENTITY), commitment, v, a)
    # a proof moved to another field
    with pytest.raises(InvalidProof, match="registration/tag"):
        check_private(
            BASE, H, W, reg, replace(private, tag_proof=private.handle_proof), commitment, v, a
        )
    # the commitment must be the one issued for this nonce
    reissued = make_commitment(BASE, H, none_point(BASE, v), SeededRandomness("reissued"))
    with pytest.raises(InvalidProof, match="not the commitment issued"):
        check_private(BASE, H, W, reg, private, reissued, v, a)
    # another service's key: the proofs convince only the service they were made for
    with pytest.raises(InvalidProof, match="registration/tag"):
        check_private(BASE, H, base_mul(Scalar(7)), reg, private, commitment, v, a)
    assert seed.tag_secret() == private.tag_secret and "tag_secret" not in repr(private)


def test_the_private_proofs_are_bound_to_the_whole_registration(made: Made) -> None:
    """The designated-verifier proofs' nonce is the statement hash, not only ``rho``: a
    registration sharing this one's nonce and Enc(tau) but not its other ciphertexts
    takes none of its private proofs."""
    reg, private, _, letter, commitment = made
    v, a = letter.handle(BASE), letter.activation_point(BASE)
    other, *_ = _register("same nonce, another credential")
    mixed = replace(reg, credential=other.credential)
    assert mixed.commitment.nonce == reg.commitment.nonce and mixed.tag == reg.tag
    with pytest.raises(InvalidProof, match="registration/tag"):
        check_private(BASE, H, W, mixed, private, commitment, v, a)


def test_the_device_refuses_a_commitment_whose_proof_fails() -> None:
    rng = SeededRandomness("bad commitment")
    letter, seed = draw_letter(rng, BASE), generate_seed(rng, BASE)
    good = make_commitment(BASE, H, letter.none_point(BASE), rng)
    bad = replace(good, proof=replace(good.proof, response=Scalar(5)))
    with pytest.raises(InvalidProof, match="the service's commitment, revokes"):
        make_registration(BASE, H, W, bad, seed, letter, rng)
