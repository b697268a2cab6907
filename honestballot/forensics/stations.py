"""Per-station results as NumPy arrays, and the rows that could not be read.

Every method reads one :class:`Stations`: one entry per polling station (or, for an
honestballot election, per unit), with the protocol's counts the methods need:

- ``voters``: registered voters;
- ``given``: ballots issued (early + at the station + outside it);
- ``received``: ballots found valid or invalid (valid + invalid), the denominator of a
  share in Kobak, Shpilkin and Pshenichnikov's papers;
- ``votes``: one column per candidate or party.

``voters`` is 0 for every station when the input has no registered-voter count (an
honestballot result without its turnout file): the methods that need turnout say so and
are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from honestballot.errors import HonestBallotError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class ForensicsInputError(HonestBallotError):
    """A results or exit-poll file that cannot be read at all (named in the message)."""


@dataclass(frozen=True)
class BadRow:
    """A row left out of the analysis, with its physical line number and the reason.

    ``reason`` is a catalogue key (``bad.*``); ``detail`` the value or column it is about.
    """

    line: int
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class Stations:
    regions: list[str]  # the distinct regions, in order of first appearance
    region: IntArray  # index into ``regions`` per station
    station: list[str]  # the station's identifier (territorial commission / station)
    line: IntArray  # the station's line in the input file
    voters: IntArray
    given: IntArray
    received: IntArray
    valid: IntArray
    votes: IntArray  # shape (stations, candidates)
    candidates: list[str]
    leader: int  # the column of the candidate with the most votes in all
    has_turnout: bool
    bad_rows: list[BadRow] = field(default_factory=list)
    source: str = ""

    def __post_init__(self) -> None:
        n = len(self.station)
        for name in ("region", "line", "voters", "given", "received", "valid"):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"{name} has the wrong shape")
        if self.votes.shape != (n, len(self.candidates)):
            raise ValueError("votes has the wrong shape")

    @property
    def size(self) -> int:
        return len(self.station)

    @property
    def leader_votes(self) -> IntArray:
        return self.votes[:, self.leader]

    def subset(self, mask: BoolArray) -> Stations:
        """The stations where ``mask`` holds (the leader stays the election's leader)."""
        idx = np.flatnonzero(mask)
        return Stations(
            regions=self.regions,
            region=self.region[idx],
            station=[self.station[i] for i in idx],
            line=self.line[idx],
            voters=self.voters[idx],
            given=self.given[idx],
            received=self.received[idx],
            valid=self.valid[idx],
            votes=self.votes[idx],
            candidates=self.candidates,
            leader=self.leader,
            has_turnout=self.has_turnout,
            bad_rows=[],
            source=self.source,
        )


def build(
    regions: list[str],
    region: list[int],
    station: list[str],
    line: list[int],
    counts: list[tuple[int, int, int, int]],
    votes: list[list[int]],
    candidates: list[str],
    *,
    has_turnout: bool,
    bad_rows: list[BadRow],
    source: str,
) -> Stations:
    """Stations from checked rows: ``counts`` holds (voters, given, received, valid)."""
    if not station:
        raise ForensicsInputError(f"{source}: no station could be read")
    c = np.asarray(counts, dtype=np.int64).reshape(-1, 4)
    v = np.asarray(votes, dtype=np.int64).reshape(len(station), len(candidates))
    totals = v.sum(axis=0)
    return Stations(
        regions=regions,
        region=np.asarray(region, dtype=np.int64),
        station=station,
        line=np.asarray(line, dtype=np.int64),
        voters=c[:, 0],
        given=c[:, 1],
        received=c[:, 2],
        valid=c[:, 3],
        votes=v,
        candidates=candidates,
        leader=int(np.argmax(totals)),
        has_turnout=has_turnout,
        bad_rows=bad_rows,
        source=source,
    )
