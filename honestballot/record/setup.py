"""The setup event's body: manifest, election key (ceremony transcript), board keys, and
the service's designated-verifier key ``W`` (among the board keys) with its proof of
knowledge ``verifier_key_proof`` (docs/record-format.md §3).

This is also the file a voter's device encrypts against (``election info --out``):
from it the device recomputes the base hash itself instead of trusting a server.
"""

from __future__ import annotations

from typing import Any

from honestballot.crypto.hashing import hash_bytes
from honestballot.errors import ProtocolError, Text
from honestballot.protocol.dkg_verify import ElectionKey, verify_election_key
from honestballot.protocol.election import ElectionContext, manifest_hash
from honestballot.protocol.verifier_key import verify_verifier_key
from honestballot.protocol.witnesses import BoardKeys
from honestballot.record.ballot import schnorr_from_json
from honestballot.record.codec import Reader, canonical_bytes
from honestballot.record.manifest import manifest_from_json
from honestballot.record.trustee import decode_election_key, encode_election_key
from honestballot.record.witness import board_keys_from_setup

CEREMONY_OTHER_MANIFEST = Text(
    "ceremony.other_manifest", "the key ceremony was run for another manifest"
)
CEREMONY_OTHER_ELECTION = Text(
    "ceremony.other_election", "the key ceremony was run for another election id"
)


def election_key_hash(key: ElectionKey) -> bytes:
    return hash_bytes("election-key", canonical_bytes(encode_election_key(key)))


def context_from_setup(
    body: Any, *, check_ceremony: bool = True
) -> tuple[ElectionContext, ElectionKey, BoardKeys]:
    """Parse a setup body and derive the election context from it.

    With ``check_ceremony`` the trustees' whole key ceremony is re-verified and
    must have been run for this very manifest.  The service's proof of knowledge of
    ``w`` for its designated-verifier key ``W`` is always checked (two multiplications):
    whoever reads a setup takes ``W`` only from one that carries a valid proof."""
    r = Reader(body, "setup")
    manifest = manifest_from_json(r.raw("manifest"), "setup.manifest")
    key = decode_election_key(r.raw("election_key"), "setup.election_key")
    board_keys = board_keys_from_setup(r)
    verifier_key_proof = schnorr_from_json(r.raw("verifier_key_proof"), "setup.verifier_key_proof")
    r.done()
    if check_ceremony:
        verify_election_key(key)
        if key.ceremony.manifest_hash != manifest_hash(manifest):
            raise ProtocolError(CEREMONY_OTHER_MANIFEST)
        if key.ceremony.election_id != manifest.election_id:
            raise ProtocolError(CEREMONY_OTHER_ELECTION)
    ctx = ElectionContext.create(manifest, key.public_key, election_key_hash(key), board_keys)
    verify_verifier_key(ctx.base_hash, board_keys.verifier_key, verifier_key_proof)
    return ctx, key, board_keys
