"""``honestballot serve --demo`` sets up an open election with re-voting protection a
person can vote in: the sample voters' activation codes register their credentials."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from honestballot.cli.demo_revoting import Device
from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.letters import LetterSecret
from honestballot.protocol.registration import WrongLetter
from honestballot.service.board.election import ElectionService
from honestballot.service.security.organisers import Organisers
from honestballot.service.voters.revoting import RevotingDesk
from honestballot.service.voters.roll import Roll
from honestballot.service.web_demo import SAMPLE_VOTERS, WEB_DEMO_ELECTION, setup_web_demo
from honestballot.store.sql import SqlStore


def test_the_web_demo_opens_a_protected_election_with_letters_and_trustee_secrets(
    tmp_path: Path,
) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    try:
        elections, roll = ElectionService(store), Roll(store)
        made = setup_web_demo(elections, roll, tmp_path / "trustees")
        assert made is not None
        assert elections.phase(WEB_DEMO_ELECTION) == "open"
        assert elections.takes_revoting(WEB_DEMO_ELECTION)
        assert roll.count(WEB_DEMO_ELECTION) == len(SAMPLE_VOTERS)
        kinds = [ev.kind for ev in store.iter_events(WEB_DEMO_ELECTION)]
        assert kinds == ["setup", "roll-part", "roll", "open"]
        assert Organisers(store).check(made.organiser_token).label == "demo organiser"
        for i in (1, 2, 3):
            mode = (tmp_path / "trustees" / f"secret-{i}.json").stat().st_mode
            assert stat.S_IMODE(mode) == 0o600
        # each sample voter registers a credential with the printed activation code, and
        # votes; a code that is not the voter's letter is refused
        assert set(made.activation_codes) == set(made.sample_ids)
        desk = RevotingDesk(elections, elections.clock)
        ctx = desk.context(WEB_DEMO_ELECTION)
        first, second = made.sample_ids[:2]

        def device(nid: str, code: str) -> Device:
            voter = roll.voter_by_national_id(WEB_DEMO_ELECTION, nid)
            assert voter is not None
            letter = LetterSecret.from_code(code)
            return Device(desk, ctx, voter.voter_id, letter, SeededRandomness(nid), nid)

        own = device(first, made.activation_codes[first])
        assert desk.receipt(WEB_DEMO_ELECTION, own.vote(own.register(), CHOICE))["status"] == (
            "recorded"
        )
        wrong = device(second, made.activation_codes[first])
        with pytest.raises(WrongLetter, match="not the one on your letter"):
            wrong.register()
        # a second start on the same store leaves the election as it is
        assert setup_web_demo(elections, roll, tmp_path / "trustees") is None
    finally:
        store.close()


CHOICE = {"chair": {"cand-1"}, "council": {"member-2"}}
