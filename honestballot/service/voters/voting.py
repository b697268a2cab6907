"""What every signed-in voter's request knows: who is at the other end (:class:`Client`)
and the voter's row on the roll (:class:`VotingDesk`).  Registration, casting and audits
are re-voting protection's (:mod:`revoting`)."""

from __future__ import annotations

from dataclasses import dataclass

from honestballot.errors import Forbidden, Text
from honestballot.service.voters.roll import Roll, VoterRow


@dataclass(frozen=True, slots=True)
class Client:
    """Who is at the other end of a request, as far as the server can tell (for the
    activity log; a signal, never an identity)."""

    address: str
    device: str
    device_description: str
    user_agent: str
    language: str
    session: str


NOT_ON_ROLL = Text("voter.not_on_roll", "this voter is no longer on the roll")


class VotingDesk:
    def __init__(self, roll: Roll) -> None:
        self.roll = roll

    def voter(self, election_id: str, voter_id: int) -> VoterRow:
        row = self.roll.voter(election_id, voter_id)
        if row is None:
            raise Forbidden(NOT_ON_ROLL)
        return row
