"""Polling stations and their commissions, published before the vote.

For each unit the organiser publishes, before ``open``, its **station**: the address (in
ru, kk and en), the opening hours, whether voters may vote there on paper, and the
**commission** that runs it -- its members (name, role, who nominated them) and the
commission's signing key, with which it will sign what it uploads (the station's
protocol, the list of those who voted there on paper).

What must be checkable goes on the append-only board, in a ``station`` event: the unit,
the paper flag, the commission's key with the commission's proof that it holds the key
(a Schnorr proof under tag ``station/commission-key`` bound to the manifest hash and the
unit, made by ``honestballot commission keygen`` on the commission's own machine), and
:func:`details_hash`, a hash of the details.  The details themselves -- people's names --
are shown on the observer pages, where they can be corrected: a name cannot be removed
from an append-only log, and the hash carries a random **salt** that is published and
deleted with its details, so once a list is corrected nobody can confirm a guess of the
old one from its hash.

When the setup names the **organiser's key** (an election with re-voting protection
always does), every ``station`` event also carries the organiser's signature
(:func:`sign_station`, tag ``station/organiser``) over the rest of its body, made on the
organiser's machine (``honestballot organiser sign-station``, which also draws the salt):
the key a commission signs paper results with is then the organiser's word, not only the
service's (:func:`check_station_signature`; without an organiser's key no station is
signed).

Each ``station`` event carries its unit's **sequence** number (1 for the unit's first,
n + 1 for its n-th correction), inside what the organiser signs: a signed station can
then stand on the board only at its own place in its unit's history, so the service
cannot post an older signed station again (the commission key or paper voting the
organiser replaced, or details it corrected).

Rules (:func:`check_station`, protocol/board.py): stations are published in the setup
phase, and changed in the setup or open phase by a new event for the same unit, each
numbered one more than the unit's station events before it; once the election is open, a
station keeps its commission key and its paper flag (the key that signs the paper results
must be the one on the board before voting began), and no station is added.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from honestballot.crypto.group import Point, Scalar
from honestballot.crypto.hashing import Part, hash_bytes
from honestballot.crypto.randomness import Randomness
from honestballot.crypto.schnorr import SchnorrProof, prove_dlog, verify_dlog
from honestballot.errors import InvalidInput, InvalidProof, ProtocolError, Text
from honestballot.protocol.manifest import Label
from honestballot.protocol.witnesses import organiser_sign, verify_organiser_signature

COMMISSION_KEY_TAG: Final = "station/commission-key"
DETAILS_TAG: Final = "station/details"
ORGANISER_SIGNATURE_TAG: Final = "station/organiser"
#: a commission's roles, in the order the pages list members
ROLES: Final = ("chair", "deputy", "secretary", "member")
MAX_MEMBERS: Final = 50
MAX_TEXT: Final = 200
SALT_BYTES: Final = 32


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    role: str
    nominated_by: str


@dataclass(frozen=True, slots=True)
class StationDetails:
    """What the observer pages show of a station; only its hash is on the board."""

    unit: str
    address: Label
    hours: str
    paper: bool
    members: tuple[Member, ...]
    salt: bytes

    def __post_init__(self) -> None:
        for lang in ("ru", "kk", "en"):
            if not _fits(self.address.get(lang)):
                raise InvalidInput(
                    Text(
                        "station.address",
                        f"the address ({lang}) must be 1 to {MAX_TEXT} characters, without "
                        "spaces around",
                        lang=lang,
                        most=MAX_TEXT,
                    )
                )
        if not _fits(self.hours):
            message = f"the opening hours must be 1 to {MAX_TEXT} characters"
            raise InvalidInput(Text("station.hours", message, most=MAX_TEXT))
        if not 1 <= len(self.members) <= MAX_MEMBERS:
            message = f"a commission has 1 to {MAX_MEMBERS} members"
            raise InvalidInput(Text("station.members", message, most=MAX_MEMBERS))
        for i, m in enumerate(self.members, 1):
            if not _fits(m.name):
                message = f"member {i}'s name must be 1 to {MAX_TEXT} characters"
                raise InvalidInput(Text("station.member_name", message, member=i, most=MAX_TEXT))
            if m.role not in ROLES:
                message = f"member {i}'s role must be one of {', '.join(ROLES)}"
                raise InvalidInput(Text("station.member_role", message, member=i))
            if not _fits(m.nominated_by, empty=True):
                message = f"member {i}: who nominated them is at most {MAX_TEXT} characters"
                raise InvalidInput(
                    Text("station.member_nominated", message, member=i, most=MAX_TEXT)
                )
        chairs = sum(m.role == "chair" for m in self.members)
        if chairs != 1:
            message = f"a commission has exactly one chair, not {chairs}"
            raise InvalidInput(Text("station.chairs", message, chairs=chairs))
        if len(self.salt) != SALT_BYTES:
            raise InvalidInput(f"a station's salt is {SALT_BYTES} bytes")


def _fits(value: str, *, empty: bool = False) -> bool:
    """1 to MAX_TEXT characters (or none, with ``empty``), without spaces around."""
    return (bool(value) or empty) and len(value) <= MAX_TEXT and value == value.strip()


def details_hash(base_hash: bytes, details: StationDetails) -> bytes:
    """The hash of a station's details that its ``station`` event carries."""
    members: list[Part] = [(m.name, m.role, m.nominated_by) for m in details.members]
    return hash_bytes(
        DETAILS_TAG,
        base_hash,
        details.unit,
        (details.address.ru, details.address.kk, details.address.en),
        details.hours,
        int(details.paper),
        members,
        details.salt,
    )


@dataclass(frozen=True, slots=True)
class Station:
    """A ``station`` event's content."""

    unit: str
    paper: bool
    commission_key: Point
    commission_proof: SchnorrProof
    details_hash: bytes
    #: 1 for the unit's first ``station`` event, one more than its station events before
    #: it for a correction (board rule 10; signed with the rest of the body)
    sequence: int
    #: the organiser's signature over the rest of the body (:func:`sign_station`), when
    #: the setup names the organiser's key; None when it names none
    organiser_signature: SchnorrProof | None = None


def prove_commission_key(
    manifest_hash: bytes, unit: str, secret: Scalar, public: Point, rng: Randomness
) -> SchnorrProof:
    """The commission's proof that it holds the secret of its key, for this unit of this
    election (so that nobody can name a key as a commission's without its consent)."""
    return prove_dlog(COMMISSION_KEY_TAG, (manifest_hash, unit), secret, public, rng)


def verify_commission_key(manifest_hash: bytes, unit: str, key: Point, proof: SchnorrProof) -> None:
    verify_dlog(
        COMMISSION_KEY_TAG,
        (manifest_hash, unit),
        key,
        proof,
        f"the commission key of unit {unit!r}",
    )


def sign_station(base_hash: bytes, message: bytes, secret: Scalar, rng: Randomness) -> SchnorrProof:
    """The organiser's signature on a station: ``message`` is the canonical bytes of the
    ``station`` event's body without its ``organiser_signature`` member
    (docs/record-format.md §6, "Polling stations")."""
    return organiser_sign(ORGANISER_SIGNATURE_TAG, base_hash, message, secret, rng)


def check_station_signature(
    organiser_key: Point | None,
    base_hash: bytes,
    unit: str,
    message: bytes,
    signature: SchnorrProof | None,
) -> None:
    """The rule for a ``station`` event, for the service before it appends one and for the
    verifier: when the setup names an organiser's key, the station carries a valid
    signature by that key over ``message`` (the body without the signature); when it
    names none, the station carries no signature."""
    if organiser_key is None:
        if signature is not None:
            message_ = (
                f"the station of unit {unit!r} is signed, but the election names no "
                "organiser's key: publish it unsigned"
            )
            raise ProtocolError(Text("station.signature_unexpected", message_, unit=unit))
        return
    if signature is None:
        message_ = (
            f"the station of unit {unit!r} carries no signature of the organiser's key: "
            "sign it with 'honestballot organiser sign-station'"
        )
        raise ProtocolError(Text("station.signature_missing", message_, unit=unit))
    try:
        verify_organiser_signature(
            ORGANISER_SIGNATURE_TAG,
            base_hash,
            message,
            organiser_key,
            signature,
            f"the organiser's signature on the station of unit {unit!r}",
        )
    except InvalidProof:
        message_ = (
            f"the organiser's signature on the station of unit {unit!r} does not verify: "
            "it is not the election's organiser key's, or it was made for other details "
            "or another commission"
        )
        raise InvalidProof(Text("station.signature_invalid", message_, unit=unit)) from None
