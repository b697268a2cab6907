"""``honestballot serve --demo`` sets up an open election a person can vote in."""

from __future__ import annotations

import stat
from pathlib import Path

from honestballot.service.board.election import ElectionService
from honestballot.service.security.organisers import Organisers
from honestballot.service.voters.roll import Roll
from honestballot.service.web_demo import SAMPLE_VOTERS, WEB_DEMO_ELECTION, setup_web_demo
from honestballot.store.sql import SqlStore


def test_the_web_demo_opens_an_election_with_a_roll_and_trustee_secrets(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    try:
        elections, roll = ElectionService(store), Roll(store)
        made = setup_web_demo(elections, roll, tmp_path / "trustees")
        assert made is not None
        assert elections.phase(WEB_DEMO_ELECTION) == "open"
        assert roll.count(WEB_DEMO_ELECTION) == len(SAMPLE_VOTERS)
        kinds = [ev.kind for ev in store.iter_events(WEB_DEMO_ELECTION)]
        assert kinds == ["setup", "roll", "open"]
        assert Organisers(store).check(made.organiser_token).label == "demo organiser"
        for i in (1, 2, 3):
            mode = (tmp_path / "trustees" / f"secret-{i}.json").stat().st_mode
            assert stat.S_IMODE(mode) == 0o600
        assert roll.voter_by_national_id(WEB_DEMO_ELECTION, made.sample_ids[0]) is not None
        # a second start on the same store leaves the election as it is
        assert setup_web_demo(elections, roll, tmp_path / "trustees") is None
    finally:
        store.close()
