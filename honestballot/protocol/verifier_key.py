"""The service's designated-verifier key ``W`` and its proof of knowledge of ``w``.

docs/coercion.md §7.  The voter's device proves its plaintexts to the service by
designated-verifier proofs (:mod:`honestballot.crypto.designated_verifier`), which are no
receipt only because whoever holds ``w = log_G W`` could have made them for any point.  So
the ``setup`` body names ``W`` (made fresh per election by the service, used for nothing
else; the base hash binds it as the last part of ``election/board-keys``) and carries a
Schnorr proof that the service knows ``w``, bound to the base hash::

    prover:   k random nonzero, R = k*G, e = hash_to_scalar("verifier-key", B base hash,
              P W, P R), s = k + e*w
    verifier: R = s*G - e*W, accept iff e equals the hash (and W is not the identity)

A ``W`` nobody knows the logarithm of (one made with ``hash_to_point``, another party's
key) would turn the designated-verifier proofs into ordinary, transferable ones; the
identity (``w = 0``, known to all) would make them convince not even the service.
"""

from __future__ import annotations

from typing import Final

from honestballot.crypto.group import Point, Scalar, base_mul
from honestballot.crypto.randomness import Randomness
from honestballot.crypto.schnorr import SchnorrProof, prove_dlog, verify_dlog
from honestballot.errors import InvalidProof

VERIFIER_KEY_TAG: Final = "verifier-key"


def prove_verifier_key(base_hash: bytes, secret: Scalar, rng: Randomness) -> SchnorrProof:
    """The service's proof that it knows ``secret`` = ``w`` for ``W = w*G``."""
    return prove_dlog(VERIFIER_KEY_TAG, (base_hash,), secret, base_mul(secret), rng)


def verify_verifier_key(base_hash: bytes, verifier_key: Point, proof: SchnorrProof) -> None:
    """Raise :class:`InvalidProof` unless ``proof`` shows knowledge of ``log_G W`` for
    this election, and ``W`` is not the identity."""
    what = "the service's designated-verifier key W"
    if verifier_key.is_identity():
        raise InvalidProof(f"{what} is the identity")
    verify_dlog(
        VERIFIER_KEY_TAG, (base_hash,), verifier_key, proof, f"{what}: its proof of knowledge of w"
    )
