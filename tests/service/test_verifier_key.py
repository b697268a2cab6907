"""The service's designated-verifier key W (docs/coercion.md §7): made fresh for each
election, named in its setup with a proof of knowledge of ``w``, exposed to service code as
``ElectionContext.verifier_key``; ``w`` is kept beside the board's secret and never on the
board."""

from __future__ import annotations

from pathlib import Path

from honestballot.crypto.group import Scalar, base_mul
from honestballot.record.setup import context_from_setup
from tests.factories import DemoCeremony, Election, make_election


def _secrets(election: Election) -> tuple[Scalar, Scalar]:
    with election.service.store.connect() as conn:
        row = election.service.store.election_row(conn, election.id)
    assert row is not None
    return (
        Scalar.decode(bytes.fromhex(row["board_secret"])),
        Scalar.decode(bytes.fromhex(row["verifier_secret"])),
    )


def test_every_election_names_a_fresh_w_the_service_knows(
    election: Election, other_ceremony: DemoCeremony, tmp_path: Path
) -> None:
    board_secret, w = _secrets(election)
    ctx = election.service.context(election.id)
    assert ctx.verifier_key == election.ctx.verifier_key == base_mul(w)
    assert w != board_secret
    setup = election.service.setup_body(election.id)
    assert setup["verifier_key"] == base_mul(w).hex()
    assert set(setup["verifier_key_proof"]) == {"c", "s"}
    parsed, _, keys = context_from_setup(setup)  # the proof verifies for this base hash
    assert parsed.verifier_key == keys.verifier_key == ctx.verifier_key
    # w appears on no line of the record, nor in the ballot page's context
    record = b"".join(election.service.record_lines(election.id))
    assert w.hex().encode() not in record
    assert board_secret.hex().encode() not in record
    # another election of the same service gets another W
    other = make_election(other_ceremony, tmp_path / "other", "other", url=election.url)
    try:
        assert other.ctx.verifier_key != ctx.verifier_key
        assert _secrets(other)[1] != w
    finally:
        other.service.store.close()
