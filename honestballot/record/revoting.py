"""JSON of re-voting protection's objects (docs/record-format.md §1.1, §6 "Registrations,
ballots version 2 and cast rows"): registrations, ballots version 2, cast rows, and what
the device sends the service privately beside a registration or a ballot.

::

    registration = {"type": "registration", "version": 1, "election": hex, "nonce": hex,
        "credential": ct, "tag": ct, "handle": ct, "activation": ct,
        "revokes": ct, "revokes_proof": {"c", "s"},
        "credential_proof": {"c", "s_randomness", "s_credential"},
        "tag_proof": {"c", "s"}, "handle_proof": {"c", "s"},
        "activation_proof": {"c", "s_randomness", "s_activation"}}
    ballot v2 = {"type": "ballot", "version": 2, "election": hex, "credential": ct,
        "tag": ct, "contests": [as version 1],
        "credential_proof": {"c", "s_randomness", "s_credential"}, "tag_proof": {"c", "s"}}
    cast row = {"type": "cast-row", "version": 1, "ballot": ballot v2,
        "counter": ct, "counter_proof": {"c", "s"}, "flag": ct}
    padding = {"type": "padding", "version": 1, "election": hex, "salt": hex,
        "cover_rows": int, "rows": [{"tag": ct, "tag_proof": {"c", "s"},
        "credential": ct, "credential_proof": {"c", "s"}, "counter": ct,
        "counter_proof": {"c", "s"}, "flag": ct}, ...]}

Parsing is strict (exactly these keys; points canonical; no ``alpha`` the identity but
the flag's); the errors name the field's path.  A document sent to the service is read
with a size limit first (the ``load_*`` functions): a registration at most
:data:`MAX_REGISTRATION_BYTES`, a private part at most :data:`MAX_PRIVATE_BYTES`, a ballot
version 2 at most ``MAX_BALLOT_BYTES``, as version 1.
"""

from __future__ import annotations

from typing import Any, Final

from honestballot.crypto.designated_verifier import DesignatedProof
from honestballot.crypto.elgamal import Ciphertext
from honestballot.crypto.plaintext_awareness import RandomnessProof
from honestballot.crypto.representation import RepresentationProof
from honestballot.protocol.ballot_v2 import BallotPrivate, BallotV2, CastRow
from honestballot.protocol.manifest import MAX_CONTESTS
from honestballot.protocol.padding import SALT_BYTES, Padding, PaddingRow
from honestballot.protocol.registration import Commitment, Registration, RegistrationPrivate
from honestballot.record.ballot import (
    MAX_BALLOT_BYTES,
    ciphertext_from_json,
    ciphertext_to_json,
    contest_from_json,
    contest_to_json,
)
from honestballot.record.codec import JsonObject, Reader, parse_json, read_version

REGISTRATION_VERSION: Final = 1
BALLOT_V2_VERSION: Final = 2
CAST_ROW_VERSION: Final = 1
PADDING_VERSION: Final = 1
#: a credential has at most 31 padding rows; a padding's rows are bounded by the board's
#: credentials, so the reader's bound is generous and only stops absurd input
MAX_PADDING_ROWS: Final = 1 << 26
#: a registration is about 2 KB canonical; the limit leaves room for white space
MAX_REGISTRATION_BYTES: Final = 8 * 1024
#: a private part is at most about 1.4 KB canonical
MAX_PRIVATE_BYTES: Final = 4 * 1024


def randomness_to_json(p: RandomnessProof) -> JsonObject:
    return {"c": p.challenge.hex(), "s": p.response.hex()}


def randomness_from_json(value: Any, path: str) -> RandomnessProof:
    r = Reader(value, path)
    proof = RandomnessProof(r.scalar("c"), r.scalar("s"))
    r.done()
    return proof


def representation_to_json(p: RepresentationProof, second: str) -> JsonObject:
    """``{"c", "s_randomness", "s_<second>"}`` (``credential`` or ``activation``)."""
    return {
        "c": p.challenge.hex(),
        "s_randomness": p.response_randomness.hex(),
        f"s_{second}": p.response_credential.hex(),
    }


def representation_from_json(value: Any, path: str, second: str) -> RepresentationProof:
    r = Reader(value, path)
    proof = RepresentationProof(r.scalar("c"), r.scalar("s_randomness"), r.scalar(f"s_{second}"))
    r.done()
    return proof


def _ct(r: Reader, key: str) -> Ciphertext:
    return ciphertext_from_json(r.raw(key), f"{r.path}.{key}")


def registration_to_json(reg: Registration) -> JsonObject:
    return {
        "type": "registration",
        "version": REGISTRATION_VERSION,
        "election": reg.election_hash.hex(),
        "nonce": reg.commitment.nonce.hex(),
        "credential": ciphertext_to_json(reg.credential),
        "tag": ciphertext_to_json(reg.tag),
        "handle": ciphertext_to_json(reg.handle),
        "activation": ciphertext_to_json(reg.activation),
        "revokes": ciphertext_to_json(reg.commitment.revokes),
        "revokes_proof": randomness_to_json(reg.commitment.proof),
        "credential_proof": representation_to_json(reg.credential_proof, "credential"),
        "tag_proof": randomness_to_json(reg.tag_proof),
        "handle_proof": randomness_to_json(reg.handle_proof),
        "activation_proof": representation_to_json(reg.activation_proof, "activation"),
    }


def registration_from_json(value: Any, path: str = "registration") -> Registration:
    r = Reader(value, path)
    read_version(r, "registration", REGISTRATION_VERSION)
    election = r.hexbytes("election", 32)
    nonce = r.hexbytes("nonce", 32)
    reg = Registration(
        election_hash=election,
        commitment=Commitment(
            nonce,
            _ct(r, "revokes"),
            randomness_from_json(r.raw("revokes_proof"), f"{path}.revokes_proof"),
        ),
        credential=_ct(r, "credential"),
        tag=_ct(r, "tag"),
        handle=_ct(r, "handle"),
        activation=_ct(r, "activation"),
        credential_proof=representation_from_json(
            r.raw("credential_proof"), f"{path}.credential_proof", "credential"
        ),
        tag_proof=randomness_from_json(r.raw("tag_proof"), f"{path}.tag_proof"),
        handle_proof=randomness_from_json(r.raw("handle_proof"), f"{path}.handle_proof"),
        activation_proof=representation_from_json(
            r.raw("activation_proof"), f"{path}.activation_proof", "activation"
        ),
    )
    r.done()
    return reg


def load_registration(data: bytes | str) -> Registration:
    """A registration as sent to the service, at most :data:`MAX_REGISTRATION_BYTES`."""
    return registration_from_json(
        parse_json(data, limit=MAX_REGISTRATION_BYTES, what="registration")
    )


def ballot_v2_to_json(b: BallotV2) -> JsonObject:
    return {
        "type": "ballot",
        "version": BALLOT_V2_VERSION,
        "election": b.election_hash.hex(),
        "credential": ciphertext_to_json(b.credential),
        "tag": ciphertext_to_json(b.tag),
        "contests": [contest_to_json(ec) for ec in b.contests],
        "credential_proof": representation_to_json(b.credential_proof, "credential"),
        "tag_proof": randomness_to_json(b.tag_proof),
    }


def ballot_v2_from_json(value: Any, path: str = "ballot") -> BallotV2:
    r = Reader(value, path)
    read_version(r, "ballot", BALLOT_V2_VERSION)
    b = BallotV2(
        election_hash=r.hexbytes("election", 32),
        credential=_ct(r, "credential"),
        tag=_ct(r, "tag"),
        contests=tuple(r.items("contests", contest_from_json, max_items=MAX_CONTESTS)),
        credential_proof=representation_from_json(
            r.raw("credential_proof"), f"{path}.credential_proof", "credential"
        ),
        tag_proof=randomness_from_json(r.raw("tag_proof"), f"{path}.tag_proof"),
    )
    r.done()
    return b


def load_ballot_v2(data: bytes | str) -> BallotV2:
    """A ballot version 2 as sent to the service, at most ``MAX_BALLOT_BYTES``."""
    return ballot_v2_from_json(parse_json(data, limit=MAX_BALLOT_BYTES, what="ballot"))


def cast_row_to_json(row: CastRow) -> JsonObject:
    return {
        "type": "cast-row",
        "version": CAST_ROW_VERSION,
        "ballot": ballot_v2_to_json(row.ballot),
        "counter": ciphertext_to_json(row.counter),
        "counter_proof": randomness_to_json(row.counter_proof),
        "flag": ciphertext_to_json(row.flag),
    }


def cast_row_from_json(value: Any, path: str = "cast row") -> CastRow:
    """A cast row; its ``flag`` may have the identity as ``alpha`` (it must be ``E0``,
    which :func:`honestballot.protocol.ballot_v2.verify_cast_row` checks)."""
    r = Reader(value, path)
    read_version(r, "cast-row", CAST_ROW_VERSION)
    row = CastRow(
        ballot=ballot_v2_from_json(r.raw("ballot"), f"{path}.ballot"),
        counter=_ct(r, "counter"),
        counter_proof=randomness_from_json(r.raw("counter_proof"), f"{path}.counter_proof"),
        flag=ciphertext_from_json(r.raw("flag"), f"{path}.flag", allow_identity_alpha=True),
    )
    r.done()
    return row


def padding_row_to_json(row: PaddingRow) -> JsonObject:
    return {
        "tag": ciphertext_to_json(row.tag),
        "tag_proof": randomness_to_json(row.tag_proof),
        "credential": ciphertext_to_json(row.credential),
        "credential_proof": randomness_to_json(row.credential_proof),
        "counter": ciphertext_to_json(row.counter),
        "counter_proof": randomness_to_json(row.counter_proof),
        "flag": ciphertext_to_json(row.flag),
    }


def padding_row_from_json(value: Any, path: str) -> PaddingRow:
    """A padding row; its ``flag`` may have the identity as ``alpha`` (it must be ``E1``,
    which :func:`honestballot.protocol.padding.verify_padding_row` checks)."""
    r = Reader(value, path)
    row = PaddingRow(
        tag=_ct(r, "tag"),
        tag_proof=randomness_from_json(r.raw("tag_proof"), f"{path}.tag_proof"),
        credential=_ct(r, "credential"),
        credential_proof=randomness_from_json(
            r.raw("credential_proof"), f"{path}.credential_proof"
        ),
        counter=_ct(r, "counter"),
        counter_proof=randomness_from_json(r.raw("counter_proof"), f"{path}.counter_proof"),
        flag=ciphertext_from_json(r.raw("flag"), f"{path}.flag", allow_identity_alpha=True),
    )
    r.done()
    return row


def padding_to_json(base_hash: bytes, padding: Padding) -> JsonObject:
    return {
        "type": "padding",
        "version": PADDING_VERSION,
        "election": base_hash.hex(),
        "salt": padding.salt.hex(),
        "cover_rows": padding.cover_rows,
        "rows": [padding_row_to_json(row) for row in padding.rows],
    }


def padding_from_json(value: Any, path: str = "padding") -> tuple[bytes, Padding]:
    """The base hash a padding names, and the padding."""
    r = Reader(value, path)
    read_version(r, "padding", PADDING_VERSION)
    base = r.hexbytes("election", 32)
    padding = Padding(
        salt=r.hexbytes("salt", SALT_BYTES),
        cover_rows=r.integer("cover_rows", minimum=0),
        rows=tuple(r.items("rows", padding_row_from_json, max_items=MAX_PADDING_ROWS)),
    )
    r.done()
    return base, padding


# -- what the device sends the service privately (never on the board) ----------------------


def designated_to_json(p: DesignatedProof) -> JsonObject:
    return {"e1": p.e1.hex(), "e2": p.e2.hex(), "z1": p.z1.hex(), "z2": p.z2.hex()}


def designated_from_json(value: Any, path: str) -> DesignatedProof:
    r = Reader(value, path)
    proof = DesignatedProof(r.scalar("e1"), r.scalar("e2"), r.scalar("z1"), r.scalar("z2"))
    r.done()
    return proof


def registration_private_to_json(p: RegistrationPrivate) -> JsonObject:
    return {
        "tag_secret": p.tag_secret.hex(),
        "voting_point": p.voting_point.hex(),
        "proofs": {
            "tag": designated_to_json(p.tag_proof),
            "credential": designated_to_json(p.credential_proof),
            "handle": designated_to_json(p.handle_proof),
            "activation": designated_to_json(p.activation_proof),
        },
    }


def _proofs(r: Reader, names: tuple[str, ...]) -> list[DesignatedProof]:
    p = r.child("proofs")
    out = [designated_from_json(p.raw(n), f"{p.path}.{n}") for n in names]
    p.done()
    return out


def registration_private_from_json(value: Any, path: str = "private") -> RegistrationPrivate:
    r = Reader(value, path)
    t, sigma = r.hexbytes("tag_secret", 32), r.point("voting_point")
    tag, credential, handle, activation = _proofs(r, ("tag", "credential", "handle", "activation"))
    r.done()
    return RegistrationPrivate(t, sigma, tag, credential, handle, activation)


def ballot_private_to_json(p: BallotPrivate) -> JsonObject:
    return {
        "tag_secret": p.tag_secret.hex(),
        "voting_point": p.voting_point.hex(),
        "proofs": {
            "credential": designated_to_json(p.credential_proof),
            "tag": designated_to_json(p.tag_proof),
        },
    }


def ballot_private_from_json(value: Any, path: str = "private") -> BallotPrivate:
    r = Reader(value, path)
    t, sigma = r.hexbytes("tag_secret", 32), r.point("voting_point")
    credential, tag = _proofs(r, ("credential", "tag"))
    r.done()
    return BallotPrivate(t, sigma, credential, tag)


def load_registration_private(data: bytes | str) -> RegistrationPrivate:
    """A registration's private part, at most :data:`MAX_PRIVATE_BYTES`."""
    return registration_private_from_json(
        parse_json(data, limit=MAX_PRIVATE_BYTES, what="private part")
    )


def load_ballot_private(data: bytes | str) -> BallotPrivate:
    """A ballot's private part, at most :data:`MAX_PRIVATE_BYTES`."""
    return ballot_private_from_json(parse_json(data, limit=MAX_PRIVATE_BYTES, what="private part"))
