"""The service's designated-verifier key W (docs/coercion.md §7): made fresh for each
election, named in its setup with a proof of knowledge of ``w``, exposed to service code as
``ElectionContext.verifier_key``; ``w`` is kept beside the board's secret and never on the
board."""

from __future__ import annotations

from honestballot.crypto.group import Scalar, base_mul
from honestballot.crypto.randomness import SeededRandomness
from honestballot.record.setup import context_from_setup
from honestballot.service.board.election import ElectionService
from tests.factories import DemoCeremony, RevotingElection, open_revoting_election


def _secrets(service: ElectionService, election_id: str) -> tuple[Scalar, Scalar]:
    with service.store.connect() as conn:
        row = service.store.election_row(conn, election_id)
    assert row is not None
    return (
        Scalar.decode(bytes.fromhex(row["board_secret"])),
        Scalar.decode(bytes.fromhex(row["verifier_secret"])),
    )


def test_every_election_names_a_fresh_w_the_service_knows(
    protected: RevotingElection, other_ceremony: DemoCeremony
) -> None:
    service, election = protected.web.services.elections, protected
    board_secret, w = _secrets(service, election.id)
    ctx = service.context(election.id)
    assert ctx.verifier_key == election.ctx.verifier_key == base_mul(w)
    assert w != board_secret
    setup = service.setup_body(election.id)
    assert setup["verifier_key"] == base_mul(w).hex()
    assert set(setup["verifier_key_proof"]) == {"c", "s"}
    parsed, _, keys = context_from_setup(setup)  # the proof verifies for this base hash
    assert parsed.verifier_key == keys.verifier_key == ctx.verifier_key
    # w appears on no line of the record, nor in the ballot page's context
    record = b"".join(service.record_lines(election.id))
    assert w.hex().encode() not in record
    assert board_secret.hex().encode() not in record
    page = election.web.client.get(f"/api/e/{election.id}/context")
    assert page.status_code == 200 and w.hex() not in page.text
    # another election of the same service gets another W
    other = open_revoting_election(election.web, other_ceremony, SeededRandomness("other"))
    assert other.ctx.verifier_key != ctx.verifier_key
    assert _secrets(service, other.id)[1] != w
