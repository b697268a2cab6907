"""Every error honestballot raises on purpose: a short, flat hierarchy.

A check that fails raises one of these with a message naming what failed; no
verification function returns a bare ``False``.
"""

from __future__ import annotations


class HonestBallotError(Exception):
    """Base class: every deliberate failure in honestballot."""


class EncodingError(HonestBallotError):
    """Bytes or JSON that do not decode to a valid value (bad point, scalar, field)."""


class RecordFormatError(EncodingError):
    """A record object whose structure, version or size is wrong."""


class InvalidProof(HonestBallotError):
    """A zero-knowledge proof or signature that does not verify."""


class InvalidBallot(HonestBallotError):
    """A ballot that breaks the manifest's rules or whose proofs fail."""


class BallotRejected(HonestBallotError):
    """A well-formed ballot refused by the election's state (closed, unknown voter, replay)."""


class InvalidShare(HonestBallotError):
    """A trustee's key share, deal or decryption share that does not check out."""


class ProtocolError(HonestBallotError):
    """An operation attempted in the wrong phase, or with inconsistent inputs."""


class LogError(HonestBallotError):
    """A transparency-log proof, tree head or entry that does not check out."""


class VerificationFailed(HonestBallotError):
    """The election record failed one or more checks; ``failures`` names them."""

    def __init__(self, failures: list[str]) -> None:
        self.failures = list(failures)
        super().__init__(f"{len(failures)} check(s) failed: " + "; ".join(failures[:5]))
