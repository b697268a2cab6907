"""Re-voting protection's flow through the voter's API (docs/coercion.md §2.4–§2.6, §3;
docs/api.md, "Re-voting protection"), on SQLite and PostgreSQL: registration on the
service's commitment, ballots version 2, audits, retries and receipts, and every
refusal, each leaving the service's state as it was."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from sqlalchemy import func, select

from honestballot.crypto.group import Point
from honestballot.crypto.randomness import SeededRandomness
from honestballot.crypto.tagging import none_point
from honestballot.errors import ProtocolError
from honestballot.protocol.ballot_v2 import AUDIT_CAP, CAP
from honestballot.protocol.credential_seed import CredentialSeed, generate_seed
from honestballot.protocol.registration import make_commitment
from honestballot.record.revoting import (
    registration_private_to_json,
    registration_to_json,
)
from honestballot.store.schema import (
    activity,
    board_queue,
    notices,
    registration_nonces,
    revoting_credentials,
    voters,
)
from honestballot.web.i18n import STRINGS
from tests.factories import (
    REVOTING_ELECTION,
    DemoCeremonies,
    RevotingDevice,
    RevotingElection,
    WebElection,
    audit_body,
    cast_body,
    open_revoting_election,
)

ROLL = ["900101300001", "900101300002", "900101300003"]


@pytest.fixture
def election(web: WebElection, demo_ceremony: DemoCeremonies) -> Iterator[RevotingElection]:
    ceremony = demo_ceremony(REVOTING_ELECTION)
    yield open_revoting_election(web, ceremony, SeededRandomness("revoting election"))


@dataclass(frozen=True, slots=True)
class MixedSeed(CredentialSeed):
    """A device that registers the voting point of one seed with the tag of another."""

    tags: CredentialSeed = field(repr=False, default=CredentialSeed(bytes(32)))

    def tag_secret(self) -> bytes:
        return self.tags.tag_secret()

    def tag_point(self, base_hash: bytes) -> Point:
        return self.tags.tag_point(base_hash)


def _state(election: RevotingElection) -> dict[str, Any]:
    """What a refused request must leave as it was: the queue for the board, the
    credentials, the nonces (used or not) and the voters' revocation points."""
    store = election.web.services.store
    with store.connect() as conn:
        creds = conn.execute(
            select(revoting_credentials).order_by(revoting_credentials.c.tag_point)
        ).all()
        nonces = conn.execute(
            select(registration_nonces.c.nonce, registration_nonces.c.used).order_by(
                registration_nonces.c.nonce
            )
        ).all()
        points = {
            nid: store.revoting_voter(conn, election.id, _voter_id(election, nid)) for nid in ROLL
        }
    return {
        "queue": list(store.queued_for_board(election.id)),
        "credentials": [tuple(r) for r in creds],
        "nonces": [tuple(r) for r in nonces],
        "points": points,
    }


def _voter_id(election: RevotingElection, national_id: str) -> int:
    row = election.web.services.store.voter_by_national_id(election.id, national_id)
    assert row is not None
    return int(row["voter_id"])


def _refused(answer: Any, status: int, code: str, key: str | None = None) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    error: dict[str, Any] = answer.json()["error"]
    assert error["code"] == code, error
    if key is not None:
        assert error["message"] == str(_texts()[key]), error
    return error


def _texts() -> dict[str, str]:
    from honestballot.protocol import ballot_v2, registration
    from honestballot.service.voters import revoting

    return {
        "nonce": revoting.NONCE,
        "taken": revoting.TAKEN,
        "not_registered": revoting.NOT_REGISTERED,
        "audited": revoting.AUDITED,
        "cast": revoting.CAST,
        "not_open": revoting.NOT_OPEN,
        "wrong_letter": registration.WRONG_LETTER,
        "cap": ballot_v2.CAP_REACHED,
        "audit_cap": ballot_v2.AUDIT_CAP_REACHED,
        "ciphertext_reused": revoting.REUSED,
    }


def test_a_voter_registers_casts_audits_and_checks_receipts(election: RevotingElection) -> None:
    voter = election.device(ROLL[0], "device 1")
    seed, answer = voter.register()
    assert answer.status_code == 201, answer.text
    registered = answer.json()
    assert set(registered) == {"tracking_code", "tracking_hash"}
    ballot, _, private = voter.ballot(seed)
    cast = voter.cast(ballot, private)
    assert cast.status_code == 201, cast.text
    receipt = cast.json()
    assert receipt["status"] == "recorded"
    assert receipt["tracking_hash"] == ballot.tracking_hash(election.ctx.public_key).hex()
    looked = voter.receipt(receipt["tracking_hash"])
    assert looked.status_code == 200, looked.text
    assert looked.json() == {k: receipt[k] for k in ("tracking_code", "tracking_hash", "status")}
    b2, o2, p2 = voter.ballot(seed, {"chair": {"cand-2"}, "council": {"blank"}})
    audited = voter.audit(b2, o2, p2)
    assert audited.status_code == 200, audited.text
    assert audited.json()["choices"] == {"chair": ["cand-2"], "council": ["blank"]}
    assert voter.receipt(audited.json()["tracking_hash"]).json()["status"] == "audited"
    # the registration, the cast row and the audit wait for the board, first in first out
    queue = list(election.web.services.store.queued_for_board(election.id))
    assert [kind for kind, _, _ in queue] == ["registration", "cast-row", "audit"]
    row = json.loads(queue[1][2])
    assert row["type"] == "cast-row" and row["flag"]["alpha"] == "00" * 32
    audit = json.loads(queue[2][2])
    assert set(audit) == {"ballot", "opening"}
    # the voter's revocation point is the new credential's tau
    with election.web.services.store.connect() as conn:
        held = election.web.services.store.revoting_voter(
            conn, election.id, _voter_id(election, ROLL[0])
        )
    assert held is not None and held[2] == seed.tag_point(election.ctx.base_hash).data
    # an unknown tracking hash: 404
    assert voter.receipt("ab" * 32).status_code == 404
    # no notice, and no activity row for a registration or audit (§3, §9): the sign-in's
    # and the voter's first ballot's; a second ballot adds none
    assert voter.cast(*voter.ballot(seed)[::2]).status_code == 201
    events = _rows(election, activity.c.event, activity.c.voter)
    assert {str(e) for e, _ in events} <= {"code-requested", "signed-in", "ballot-cast"}
    assert [v for e, v in events if e == "ballot-cast"] == [ROLL[0]]
    assert _rows(election, notices.c.notice_id) == []


def test_each_registration_refusal_leaves_everything_as_it_was(election: RevotingElection) -> None:
    voter = election.device(ROLL[0], "device 1")
    other = election.device(ROLL[1], "device 2")
    ctx = election.ctx
    base = ctx.base_hash

    def refused(
        reg_private: tuple[Any, Any], status: int, code: str, key: str | None, who: RevotingDevice
    ) -> dict[str, Any]:
        before = _state(election)
        answer = who.send_registration(*reg_private)
        error = _refused(answer, status, code, key)
        assert _state(election) == before
        return error

    # a nonce the service never issued
    letter = election.letters[ROLL[0]]
    forged = make_commitment(
        base, ctx.public_key, none_point(base, letter.handle(base)), SeededRandomness("forged")
    )
    seed = generate_seed(voter.rng, base)
    refused(voter.registration(seed, commitment=forged), 400, "invalid_input", "nonce", voter)
    # a nonce issued to another session of the same voter
    same_voter = election.device(ROLL[0], "device 1, second window")
    issued = voter.commitment(voter.start())
    made = same_voter.registration(seed, commitment=issued)
    refused(made, 400, "invalid_input", "nonce", same_voter)
    # a nonce issued to another voter's session, sent with that voter's registration
    theirs = other.commitment(other.start())
    refused(other.registration(seed, commitment=theirs), 400, "invalid_input", "nonce", voter)
    # a bad public proof
    reg, private = voter.registration(seed)
    bad = replace(reg, tag_proof=replace(reg.tag_proof, response=reg.handle_proof.response))
    refused((bad, private), 422, "invalid_proof", None, voter)
    # another voter's letter
    error = refused(
        voter.registration(seed, letter=election.letters[ROLL[1]]),
        422,
        "invalid_proof",
        "wrong_letter",
        voter,
    )
    # said in the reader's language, from the catalogue
    ru, kk, en = STRINGS["msg.registration.wrong_letter"]
    assert error["text"] == ru  # the default language
    wrong = voter.registration(seed, letter=election.letters[ROLL[2]])
    body = json.dumps(
        {
            "registration": registration_to_json(wrong[0]),
            "private": registration_private_to_json(wrong[1]),
        }
    )
    for lang, text in (("kk", kk), ("en", en)):
        answer = voter.client.post(
            f"{voter.path}/registrations?lang={lang}",
            content=body,
            headers={"x-csrf-token": election.web.csrf(voter.client)},
        )
        assert _refused(answer, 422, "invalid_proof", "wrong_letter")["text"] == text
    # a sigma that is the identity: refused when read (a point of the record is never it)
    reg, private = voter.registration(seed)
    identity = {
        "registration": registration_to_json(reg),
        "private": {**registration_private_to_json(private), "voting_point": "00" * 32},
    }
    before = _state(election)
    _refused(voter.post("registrations", identity), 400, "malformed_input")
    assert _state(election) == before

    # the seed is registered by the voter; its nonce is now used
    commitment = voter.commitment(voter.start())
    reg, private = voter.registration(seed, commitment=commitment)
    assert voter.send_registration(reg, private).status_code == 201
    fresh = generate_seed(voter.rng, base)
    refused(voter.registration(fresh, commitment=commitment), 400, "invalid_input", "nonce", voter)
    # tau and sigma already registered (by another voter, or by the same one)
    refused(other.registration(seed), 400, "invalid_input", "taken", other)
    refused(voter.registration(seed), 400, "invalid_input", "taken", voter)
    # sigma alone, or tau alone, already registered
    sigma_reused = MixedSeed(seed.seed, tags=generate_seed(other.rng, base))
    refused(other.registration(sigma_reused), 400, "invalid_input", "taken", other)
    tau_reused = MixedSeed(generate_seed(other.rng, base).seed, tags=seed)
    refused(other.registration(tau_reused), 400, "invalid_input", "taken", other)


def test_a_registration_sent_again_gets_the_same_answer_and_changes_nothing(
    election: RevotingElection,
) -> None:
    voter = election.device(ROLL[0], "device 1")
    seed = generate_seed(voter.rng, election.ctx.base_hash)
    reg, private = voter.registration(seed)
    first = voter.send_registration(reg, private)
    assert first.status_code == 201, first.text
    state = _state(election)
    again = voter.send_registration(reg, private)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert _state(election) == state
    # a replacement: the second credential is current (the voter's revocation point is
    # its tau), and the first's row is as it was (a registration writes no earlier row)
    with election.web.services.store.connect() as conn:
        before = conn.execute(select(revoting_credentials)).mappings().all()
    second, answer = voter.register()
    assert answer.status_code == 201, answer.text
    base = election.ctx.base_hash
    with election.web.services.store.connect() as conn:
        rows = conn.execute(select(revoting_credentials)).mappings().all()
        points = conn.execute(select(voters.c.revocation_point)).scalars().all()
    assert [dict(r) for r in rows if r["tag_point"] == seed.tag_point(base).data] == [
        dict(r) for r in before
    ]
    assert {bytes(r["tag_point"]) for r in rows} == {
        seed.tag_point(base).data,
        second.tag_point(base).data,
    }
    assert second.tag_point(base).data in {bytes(p) for p in points if p is not None}
    assert seed.tag_point(base).data not in {bytes(p) for p in points if p is not None}


def test_each_cast_refusal_is_not_registered_or_a_named_rule(election: RevotingElection) -> None:
    voter = election.device(ROLL[0], "device 1")
    other = election.device(ROLL[1], "device 2")
    first, _ = voter.register()
    second, _ = voter.register()  # the first is now revoked
    theirs, _ = other.register()
    base = election.ctx.base_hash

    def refused(who: RevotingDevice, ballot: Any, private: Any, key: str) -> None:
        before = _state(election)
        code = "not_registered" if key == "not_registered" else "ballot_rejected"
        _refused(who.cast(ballot, private), 409, code, key)
        assert _state(election) == before

    # a credential no registration has
    refused(voter, *_cast_parts(voter, generate_seed(voter.rng, base)), "not_registered")
    # another voter's credential, current for that voter
    refused(voter, *_cast_parts(voter, theirs), "not_registered")
    # the tag secret of one of the voter's credentials with the voting point of the other
    ballot, private = _cast_parts(voter, first)
    mixed = replace(private, voting_point=second.voting_point(base))
    refused(voter, ballot, mixed, "not_registered")
    # a bad public proof
    ballot, private = _cast_parts(voter, second)
    bad = replace(ballot, tag_proof=replace(ballot.tag_proof, challenge=ballot.tag_proof.response))
    before = _state(election)
    _refused(voter.cast(bad, private), 422, "invalid_ballot")
    assert _state(election) == before
    # audited, then cast; cast, then audited
    ballot, opening, private = voter.ballot(first)
    assert voter.audit(ballot, opening, private).status_code == 200
    refused(voter, ballot, private, "audited")
    ballot, opening, private = voter.ballot(second)
    assert voter.cast(ballot, private).status_code == 201
    before = _state(election)
    _refused(voter.audit(ballot, opening, private), 409, "ballot_rejected", "cast")
    assert _state(election) == before


def test_not_registered_has_its_own_code_in_every_language(election: RevotingElection) -> None:
    """A cast or an audit under a credential of no registration of the voter is refused
    with the stable code ``not_registered`` (the page matches on it, never on the words),
    in ru, kk and en alike, the text from the catalogue; the other refusals of a ballot
    keep ``ballot_rejected``, and current and revoked credentials meet neither."""
    voter = election.device(ROLL[0], "device 1")
    first, _ = voter.register()
    second, _ = voter.register()  # the first is now revoked
    stranger = generate_seed(voter.rng, election.ctx.base_hash)
    ballot, opening, private = voter.ballot(stranger)
    headers = {"x-csrf-token": election.web.csrf(voter.client)}
    cast = json.dumps(cast_body(ballot, private))
    audit = json.dumps(audit_body(ballot, opening, private))
    before = _state(election)
    for lang, text in zip(("ru", "kk", "en"), STRINGS["msg.ballot.not_registered"], strict=True):
        for what, body in (("ballots", cast), ("audits", audit)):
            answer = voter.client.post(
                f"{voter.path}/{what}?lang={lang}", content=body, headers=headers
            )
            error = _refused(answer, 409, "not_registered", "not_registered")
            assert (error["lang"], error["text"]) == (lang, text), (what, error)
    assert len(set(STRINGS["msg.ballot.not_registered"])) == 3
    assert _state(election) == before
    # the credentials the voter registered, revoked or current, are never "not registered"
    for seed in (first, second):
        made, _, secret = voter.ballot(seed)
        assert voter.cast(made, secret).status_code == 201
    # and a ballot refused for another rule keeps the code every such refusal has
    made, made_opening, secret = voter.ballot(second)
    assert voter.audit(made, made_opening, secret).status_code == 200
    _refused(voter.cast(made, secret), 409, "ballot_rejected", "audited")


def _cast_parts(voter: RevotingDevice, seed: CredentialSeed) -> tuple[Any, Any]:
    ballot, _, private = voter.ballot(seed)
    return ballot, private


def test_a_ballot_sent_again_gets_its_receipt_and_appends_nothing(
    election: RevotingElection,
) -> None:
    voter = election.device(ROLL[0], "device 1")
    seed, _ = voter.register()
    first = _cast_parts(voter, seed)
    answer = voter.cast(*first)
    assert answer.status_code == 201, answer.text
    state = _state(election)
    again = voter.cast(*first)
    assert again.status_code == 200, again.text
    assert again.json() == answer.json()
    assert _state(election) == state
    # an earlier ballot sent again after a later one (and after a replacement): the same
    assert voter.cast(*_cast_parts(voter, seed)).status_code == 201
    voter.register()
    state = _state(election)
    late = voter.cast(*first)
    assert (late.status_code, late.json()) == (200, answer.json())
    assert _state(election) == state
    ballots = {
        bytes(t): int(n)
        for t, n in _rows(
            election, revoting_credentials.c.tag_point, revoting_credentials.c.ballots
        )
    }
    assert ballots[seed.tag_point(election.ctx.base_hash).data] == 2


def _rows(election: RevotingElection, *columns: Any) -> list[Any]:
    with election.web.services.store.connect() as conn:
        return list(conn.execute(select(*columns)).all())


def test_the_cap_refuses_the_same_for_a_current_and_a_revoked_credential(
    election: RevotingElection,
) -> None:
    voter = election.device(ROLL[0], "device 1")
    first, _ = voter.register()
    for _ in range(CAP):
        assert voter.cast(*_cast_parts(voter, first)).status_code == 201
    over_current = voter.cast(*_cast_parts(voter, first))
    _refused(over_current, 409, "ballot_rejected", "cap")
    voter.register()  # the first credential is revoked now
    before = _state(election)
    over_revoked = voter.cast(*_cast_parts(voter, first))
    _refused(over_revoked, 409, "ballot_rejected", "cap")
    assert over_revoked.json() == over_current.json()
    assert _state(election) == before
    counters = [n for (n,) in _rows(election, revoting_credentials.c.counter_start) if n]
    assert len(counters) == 1 and CAP <= counters[0] < 1 << 20
    with election.web.services.store.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(board_queue)).scalar_one()
    assert rows == 2 + CAP  # two registrations and CAP cast rows


def test_the_audit_cap_refuses_the_same_for_a_current_and_a_revoked_credential(
    election: RevotingElection,
) -> None:
    voter = election.device(ROLL[0], "device 1")
    first, _ = voter.register()
    kept = voter.ballot(first)
    assert voter.audit(*kept).status_code == 200
    for _ in range(AUDIT_CAP - 1):
        assert voter.audit(*voter.ballot(first)).status_code == 200
    over_current = voter.audit(*voter.ballot(first))
    _refused(over_current, 409, "ballot_rejected", "audit_cap")
    second, _ = voter.register()  # the first credential is revoked now
    before = _state(election)
    over_revoked = voter.audit(*voter.ballot(first))
    _refused(over_revoked, 409, "ballot_rejected", "audit_cap")
    assert over_revoked.json() == over_current.json()
    assert _state(election) == before
    # an audit sent again is answered as before, not refused; the new credential has
    # audits of its own, and casting is not limited by audits
    assert voter.audit(*kept).status_code == 200
    assert voter.audit(*voter.ballot(second)).status_code == 200
    assert voter.cast(*_cast_parts(voter, first)).status_code == 201


def test_version_1s_routes_are_gone_and_a_closed_election_takes_nothing(
    web: WebElection, election: RevotingElection
) -> None:
    voter = election.device(ROLL[0], "device 1")
    headers = {"x-csrf-token": web.csrf(voter.client)}
    for path, body in (
        ("credential", {"credential": "11" * 32}),
        ("ballots", {}),
        ("audits", {"ballot": {}, "opening": {}}),
    ):
        answer = voter.client.post(f"/api/e/{election.id}/{path}", json=body, headers=headers)
        assert answer.status_code == 404, (path, answer.text)
        assert answer.json()["error"]["code"] == "not_found"
    # closed: nothing more, not even the resend of a registration queued before
    seed = generate_seed(voter.rng, election.ctx.base_hash)
    registration = voter.registration(seed)
    assert voter.send_registration(*registration).status_code == 201
    ballot, private = _cast_parts(voter, seed)
    web.services.elections.close(election.id)
    _refused(voter.cast(ballot, private), 409, "not_allowed_now", "not_open")
    _refused(voter.start(), 409, "not_allowed_now", "not_open")
    _refused(voter.send_registration(*registration), 409, "not_allowed_now", "not_open")


def test_a_schedule_without_an_encrypted_roll_does_not_open(
    web: WebElection, demo_ceremony: DemoCeremonies
) -> None:
    """The setup's schedule marks re-voting protection, and such an election cannot open
    without its encrypted roll (so no voter ever meets it without a letter)."""
    ceremony = demo_ceremony(REVOTING_ELECTION)
    rng = SeededRandomness("no roll")
    election = open_revoting_election(web, ceremony, rng, open_=False, keep_roll=False)
    assert election.ctx.revoting
    assert web.services.elections.takes_revoting(election.id)
    with pytest.raises(ProtocolError, match="opens with the organiser's encrypted roll"):
        web.services.elections.open(
            election.id, roll=lambda conn: web.services.roll.summary_body(election.id, conn)
        )
    assert web.services.elections.phase(election.id) == "setup"


class _Stuck:
    """A device whose random source is stuck: every scalar it draws is the same."""

    def random_bytes(self, n: int) -> bytes:
        return b"\x07" * n


def test_reused_randomness_is_refused_within_and_across_objects(
    election: RevotingElection,
) -> None:
    """docs/coercion.md §3, rule 3: no two ciphertexts of one registration or ballot, and
    no two objects, share an ``alpha`` (reused randomness links what holds it); each such
    request is refused and leaves everything as it was."""
    voter = election.device(ROLL[2], "device 3")
    base = election.ctx.base_hash
    seed = generate_seed(voter.rng, base)
    voter.rng = _Stuck()
    stuck = voter.registration(seed)
    before = _state(election)
    error = _refused(voter.send_registration(*stuck), 422, "invalid_ballot")
    assert "share their randomness" in error["message"]
    assert _state(election) == before
    # a registration made well; then a ballot whose first two draws are the registration's
    # (its Enc(sigma) and Enc(tau) carry the registration's alphas): refused as reused
    voter.rng = SeededRandomness("the same draws")
    seed, answer = voter.register(seed)
    assert answer.status_code == 201, answer.text
    voter.rng = SeededRandomness("the same draws")
    ballot, _, private = voter.ballot(seed)
    before = _state(election)
    _refused(voter.cast(ballot, private), 409, "ballot_rejected", "ciphertext_reused")
    assert _state(election) == before
    # a ballot whose own ciphertexts share their randomness
    voter.rng = _Stuck()
    ballot, _, private = voter.ballot(seed)
    error = _refused(voter.cast(ballot, private), 422, "invalid_ballot")
    assert "share their randomness" in error["message"]
    assert _state(election) == before
    # and the voter's honest ballot goes through
    voter.rng = SeededRandomness("fresh draws")
    assert voter.cast(*voter.ballot(seed)[::2]).status_code == 201
