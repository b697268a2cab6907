"""JSON form of encrypted ballots (``type: ballot``), audited ballots as the board shows
them (``type: spoiled-ballot``) and audit openings."""

from __future__ import annotations

from typing import Any

from honestballot.crypto.chaum_pedersen import DisjunctiveProof
from honestballot.crypto.elgamal import Ciphertext
from honestballot.crypto.schnorr import SchnorrProof
from honestballot.errors import RecordFormatError
from honestballot.protocol.ballot import (
    BallotOpening,
    ContestOpening,
    EncryptedBallot,
    EncryptedContest,
    SpoiledBallot,
    SpoiledContest,
)
from honestballot.protocol.manifest import MAX_CONTESTS, MAX_OPTIONS
from honestballot.record.codec import (
    JsonObject,
    Reader,
    decode_scalar,
    parse_json,
    read_version,
)

BALLOT_VERSION = 1
#: A ballot document larger than this is refused before parsing.
MAX_BALLOT_BYTES = 512 * 1024


def ciphertext_to_json(ct: Ciphertext) -> JsonObject:
    return {"alpha": ct.alpha.hex(), "beta": ct.beta.hex()}


def ciphertext_from_json(
    value: Any, path: str, *, allow_identity_alpha: bool = False
) -> Ciphertext:
    r = Reader(value, path)
    ct = Ciphertext(
        r.point("alpha", allow_identity=allow_identity_alpha), r.point("beta", allow_identity=True)
    )
    r.done()
    return ct


def schnorr_to_json(p: SchnorrProof) -> JsonObject:
    return {"c": p.challenge.hex(), "s": p.response.hex()}


def schnorr_from_json(value: Any, path: str) -> SchnorrProof:
    r = Reader(value, path)
    p = SchnorrProof(r.scalar("c"), r.scalar("s"))
    r.done()
    return p


def disjunctive_to_json(p: DisjunctiveProof) -> JsonObject:
    return {"c": [c.hex() for c in p.challenges], "s": [s.hex() for s in p.responses]}


def disjunctive_from_json(value: Any, path: str) -> DisjunctiveProof:
    r = Reader(value, path)
    cs = r.items("c", decode_scalar, max_items=MAX_OPTIONS + 1)
    ss = r.items("s", decode_scalar, max_items=MAX_OPTIONS + 1)
    r.done()
    if len(cs) != len(ss):
        raise RecordFormatError(f"{path}: {len(cs)} challenges but {len(ss)} responses")
    return DisjunctiveProof(tuple(cs), tuple(ss))


def contest_to_json(ec: EncryptedContest) -> JsonObject:
    """One contest of a ballot (version 1 or 2)."""
    return {
        "id": ec.contest_id,
        "ciphertexts": [ciphertext_to_json(ct) for ct in ec.ciphertexts],
        "option_proofs": [disjunctive_to_json(p) for p in ec.option_proofs],
        # a ranked contest has none (docs/record-format.md §5)
        **(
            {"selection_proof": disjunctive_to_json(ec.selection_proof)}
            if ec.selection_proof is not None
            else {}
        ),
    }


def ballot_to_json(b: EncryptedBallot) -> JsonObject:
    return {
        "type": "ballot",
        "version": BALLOT_VERSION,
        "election": b.election_hash.hex(),
        "credential": b.credential.hex(),
        "contests": [contest_to_json(ec) for ec in b.contests],
        "signature": schnorr_to_json(b.signature),
    }


def contest_from_json(value: Any, path: str) -> EncryptedContest:
    r = Reader(value, path)
    ec = EncryptedContest(
        contest_id=r.text("id", max_len=64),
        ciphertexts=tuple(r.items("ciphertexts", ciphertext_from_json, max_items=MAX_OPTIONS + 2)),
        option_proofs=tuple(
            r.items("option_proofs", disjunctive_from_json, max_items=MAX_OPTIONS + 2)
        ),
        selection_proof=(
            disjunctive_from_json(r.raw("selection_proof"), f"{path}.selection_proof")
            if r.has("selection_proof")
            else None
        ),
    )
    r.done()
    return ec


def ballot_from_json(value: Any, path: str = "ballot") -> EncryptedBallot:
    r = Reader(value, path)
    read_version(r, "ballot", BALLOT_VERSION)
    b = EncryptedBallot(
        election_hash=r.hexbytes("election", 32),
        credential=r.point("credential"),
        contests=tuple(r.items("contests", contest_from_json, max_items=MAX_CONTESTS)),
        signature=schnorr_from_json(r.raw("signature"), f"{path}.signature"),
    )
    r.done()
    return b


def spoiled_to_json(b: SpoiledBallot) -> JsonObject:
    return {
        "type": "spoiled-ballot",
        "version": BALLOT_VERSION,
        "election": b.election_hash.hex(),
        "contests": [
            {"id": c.contest_id, "ciphertexts": [ciphertext_to_json(ct) for ct in c.ciphertexts]}
            for c in b.contests
        ],
        "seal": b.seal.hex(),
    }


def _spoiled_contest(value: Any, path: str) -> SpoiledContest:
    r = Reader(value, path)
    c = SpoiledContest(
        r.text("id", max_len=64),
        tuple(r.items("ciphertexts", ciphertext_from_json, max_items=MAX_OPTIONS + 2)),
    )
    r.done()
    return c


def spoiled_from_json(value: Any, path: str = "spoiled") -> SpoiledBallot:
    r = Reader(value, path)
    read_version(r, "spoiled-ballot", BALLOT_VERSION)
    b = SpoiledBallot(
        election_hash=r.hexbytes("election", 32),
        contests=tuple(r.items("contests", _spoiled_contest, max_items=MAX_CONTESTS)),
        seal=r.hexbytes("seal", 32),
    )
    r.done()
    return b


def load_ballot(data: bytes | str) -> EncryptedBallot:
    return ballot_from_json(parse_json(data, limit=MAX_BALLOT_BYTES, what="ballot"))


def opening_to_json(o: BallotOpening) -> JsonObject:
    return {
        "type": "ballot-opening",
        "version": BALLOT_VERSION,
        "contests": [
            {
                "id": c.contest_id,
                "plaintexts": list(c.plaintexts),
                "randomness": [r.hex() for r in c.randomness],
            }
            for c in o.contests
        ],
    }


def _contest_opening(value: Any, path: str) -> ContestOpening:
    r = Reader(value, path)
    cid = r.text("id", max_len=64)
    plain = r.array("plaintexts", max_items=MAX_OPTIONS + 2)
    for i, m in enumerate(plain):
        # 0 or 1 for an option; a ranked contest's positions hold choice numbers, which
        # check_opening holds to the contest
        if not isinstance(m, int) or isinstance(m, bool) or not 0 <= m <= MAX_OPTIONS + 2:
            raise RecordFormatError(f"{path}.plaintexts[{i}]: must be an integer from 0")
    rand = r.items("randomness", decode_scalar, max_items=MAX_OPTIONS + 2)
    r.done()
    return ContestOpening(cid, tuple(plain), tuple(rand))


def opening_from_json(value: Any, path: str = "opening") -> BallotOpening:
    r = Reader(value, path)
    read_version(r, "ballot-opening", BALLOT_VERSION)
    o = BallotOpening(tuple(r.items("contests", _contest_opening, max_items=MAX_CONTESTS)))
    r.done()
    return o
