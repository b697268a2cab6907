"""What binds every proof to one election: the manifest hash and the base hash.

``manifest_hash`` is a domain-separated hash of every field of the manifest (in a
fixed order, as typed parts, not of any JSON text).  After the trustees' key
ceremony the *base hash* binds the manifest, the ceremony's outcome, the joint
public key and the keys that vouch for the board (board key, witnesses and their
quorum, organiser's key; and the service's designated-verifier key W:
:func:`honestballot.protocol.witnesses.board_keys_hash`)::

    base_hash = H("election/base", manifest_hash, election_key_hash, public_key,
                  board_keys_hash)

Every ballot proof, signature and decryption proof carries the base hash, so no
proof made for one election verifies in another; and since voters and observers
compare its first 16 hex digits (the election's fingerprint), a board re-signed under
another key is visibly another election.
"""

from __future__ import annotations

from dataclasses import dataclass

from honestballot.crypto.group import Point
from honestballot.crypto.hashing import Part, hash_bytes
from honestballot.protocol.manifest import Contest, Label, Manifest
from honestballot.protocol.schedule import Schedule
from honestballot.protocol.witnesses import BoardKeys, board_keys_hash


def _label(label: Label) -> tuple[Part, ...]:
    return (label.ru, label.kk, label.en)


def _count_parts(c: Contest) -> tuple[Part, ...]:
    if c.method is not None:
        return ("ranked", c.method)
    return (c.count,) if c.count != "sum" else ()


def manifest_hash(m: Manifest) -> bytes:
    contests: list[Part] = [
        (
            c.id,
            _label(c.title),
            c.min_selections,
            c.max_selections,
            int(c.against_all),
            tuple((o.id, _label(o.label), int(o.exclusive)) for o in c.options),
            # a seventh part only for a mixed contest, "mix", or "ranked" and its method for
            # a ranked one (docs/record-format.md §3)
            *_count_parts(c),
        )
        for c in m.contests
    ]
    units: list[Part] = [(u.id, _label(u.name)) for u in m.units]
    return hash_bytes(
        "manifest", m.election_id, _label(m.title), tuple(contests), tuple(units), m.min_unit_size
    )


def base_hash(
    manifest_digest: bytes, election_key_hash: bytes, public_key: Point, board_keys_digest: bytes
) -> bytes:
    return hash_bytes(
        "election/base", manifest_digest, election_key_hash, public_key, board_keys_digest
    )


@dataclass(frozen=True, slots=True)
class ElectionContext:
    """Everything a ballot is made and checked against."""

    manifest: Manifest
    public_key: Point
    base_hash: bytes
    #: the service's designated-verifier key W the setup names (bound by the base hash;
    #: docs/coercion.md §7): what the device's designated-verifier proofs are made for
    verifier_key: Point
    #: the batch schedule, for an election with re-voting protection (docs/coercion.md
    #: §4: its presence in the setup marks one); None for one without
    schedule: Schedule | None = None

    @property
    def revoting(self) -> bool:
        """Whether the election has re-voting protection (its setup names a schedule):
        it takes registrations and ballots version 2 only, published in batches."""
        return self.schedule is not None

    @classmethod
    def create(
        cls,
        manifest: Manifest,
        public_key: Point,
        election_key_hash: bytes,
        board_keys: BoardKeys,
    ) -> ElectionContext:
        if public_key.is_identity():
            raise ValueError("the election public key cannot be the identity")
        digest = base_hash(
            manifest_hash(manifest), election_key_hash, public_key, board_keys_hash(board_keys)
        )
        return cls(manifest, public_key, digest, board_keys.verifier_key, board_keys.schedule)
