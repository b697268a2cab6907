"""The trustees' side of the close of an election with re-voting protection, for the web
tests: each trustee's keys from the ceremony, an object of the close signed and sent
line by line to ``/api/e/ID/close``, and the whole close run round by round."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from honestballot.crypto.randomness import SeededRandomness
from honestballot.protocol.close_a import TrusteeKeys, act
from honestballot.record.close import publish
from honestballot.record.codec import canonical_bytes
from tests.factories import DemoCeremony, RevotingElection


def post_close(election: RevotingElection, kind: str, body: Any) -> Any:
    """One line of a close file sent to the service."""
    line = canonical_bytes({"kind": kind, "body": body})
    return election.web.client.post(f"/api/e/{election.id}/close", content=line)


def send_close(
    election: RevotingElection, trustee: TrusteeKeys, step: Any, rng: SeededRandomness
) -> Any:
    """The trustee's object for ``step``: its parts (each must be stored), then its step
    (the answer is returned)."""
    ctx = election.ctx
    parts, head = publish(ctx.base_hash, act(ctx, step, trustee, rng), trustee.x, rng)
    for part in parts:
        answer = post_close(election, "close-part", part)
        assert answer.status_code == 201, answer.text
    return post_close(election, "close-step", head)


def trustee_keys(ceremony: DemoCeremony) -> dict[int, TrusteeKeys]:
    """Each trustee's key shares, by index."""
    out = {}
    for s in ceremony.secrets:
        assert s.key_share is not None and s.tag_key_shares is not None
        out[s.index] = TrusteeKeys(s.index, s.key_share, *s.tag_key_shares)
    return out


def run_close(
    election: RevotingElection,
    ceremony: DemoCeremony,
    rng: SeededRandomness,
    each_round: Callable[[str], None] = lambda _: None,
) -> list[str]:
    """Trustees 2 and 3 send their objects for every open step until the close is done
    (its result posted with the last step); the rounds it went through.  ``each_round``
    is called with each round as it opens, before anything is sent in it."""
    trustees = trustee_keys(ceremony)
    close = election.web.services.close
    rounds = []
    while not (state := close.stage(election.id)).done:
        rounds.append(state.round)
        each_round(state.round)
        for step in state.next:
            for j in (2, 3):
                answer = send_close(election, trustees[j], step, rng)
                assert answer.status_code == 201, answer.text
                if step.kind == "mix" and j == 2:  # the next mixer shuffles this output
                    step = next(
                        s
                        for s in close.stage(election.id).next
                        if (s.kind, s.list) == (step.kind, step.list)
                    )
    return rounds
