"""What binds every proof to one election: the manifest hash and the base hash.

``manifest_hash`` is a domain-separated hash of every field of the manifest (in a
fixed order, as typed parts, not of any JSON text).  After the trustees' key
ceremony the *base hash* binds the manifest, the ceremony's outcome and the joint
public key::

    base_hash = H("election/base", manifest_hash, election_key_hash, public_key)

Every ballot proof, signature and decryption proof carries the base hash, so no
proof made for one election verifies in another.
"""

from __future__ import annotations

from dataclasses import dataclass

from honestballot.crypto.group import Point
from honestballot.crypto.hashing import Part, hash_bytes
from honestballot.protocol.manifest import Label, Manifest


def _label(label: Label) -> tuple[Part, ...]:
    return (label.ru, label.kk, label.en)


def manifest_hash(m: Manifest) -> bytes:
    contests: list[Part] = [
        (
            c.id,
            _label(c.title),
            c.min_selections,
            c.max_selections,
            int(c.against_all),
            tuple((o.id, _label(o.label), int(o.exclusive)) for o in c.options),
        )
        for c in m.contests
    ]
    units: list[Part] = [(u.id, _label(u.name)) for u in m.units]
    return hash_bytes(
        "manifest", m.election_id, _label(m.title), tuple(contests), tuple(units), m.min_unit_size
    )


def base_hash(manifest_digest: bytes, election_key_hash: bytes, public_key: Point) -> bytes:
    return hash_bytes("election/base", manifest_digest, election_key_hash, public_key)


@dataclass(frozen=True, slots=True)
class ElectionContext:
    """Everything a ballot is made and checked against."""

    manifest: Manifest
    public_key: Point
    base_hash: bytes

    @classmethod
    def create(
        cls, manifest: Manifest, public_key: Point, election_key_hash: bytes
    ) -> ElectionContext:
        if public_key.is_identity():
            raise ValueError("the election public key cannot be the identity")
        return cls(
            manifest, public_key, base_hash(manifest_hash(manifest), election_key_hash, public_key)
        )
