"""Every error honestballot raises on purpose: a short, flat hierarchy.

A check that fails raises one of these with a message naming what failed; no
verification function returns a bare ``False``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any


class Text(str):
    """An English message that also names its entry in the pages' catalogue and the values
    it mentions, so that the web layer can say it in the reader's language.

    It *is* the English string (logs, the CLI and ``str(exc)`` see no difference);
    ``key`` names the catalogue entry (``honestballot/web/strings_errors.py``) and
    ``params`` the values its ``{name}`` fields take.  A value may itself be a ``Text``
    (it is translated too).  Build the English with an f-string, then wrap it::

        raise InvalidInput(Text("roll.unit_unknown", f"unit {u!r} is not a unit", unit=u))
    """

    key: str
    params: Mapping[str, Any]

    def __new__(cls, key: str, english: str, **params: Any) -> Text:
        text = super().__new__(cls, english)
        text.key = key
        text.params = MappingProxyType(dict(params))
        return text

    def __reduce__(self) -> Any:
        return (_text, (self.key, str(self), dict(self.params)))


def _text(key: str, english: str, params: dict[str, Any]) -> Text:
    return Text(key, english, **params)


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


class NotRegistered(BallotRejected):
    """A ballot or audit of an election with re-voting protection under a credential that
    no registration of this voter has: the one credential error there (docs/coercion.md
    §2.6), with a code of its own so that a client can tell it from the other refusals
    without reading the message.  Current and revoked credentials never meet it."""


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


# -- the voting service ---------------------------------------------------------------------


class InvalidInput(HonestBallotError):
    """A request to the service that is malformed or breaks a rule (named in the message)."""


class RollRejected(InvalidInput):
    """A voter-roll import with problems; nothing of it was stored."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "; ".join(problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__(f"the roll was not imported: {shown}{more}")


class RateLimited(HonestBallotError):
    """Too many requests for one contact or address; retry after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class SignInFailed(HonestBallotError):
    """A one-time code that is wrong, expired or used up."""


class NotSignedIn(HonestBallotError):
    """A request that needs a signed-in voter or organiser and has none (or an expired one)."""


class Forbidden(HonestBallotError):
    """A signed-in party asking for something its role may not do."""


class InvalidToken(HonestBallotError):
    """A signed token (session, sign-in form, CSRF) that is malformed, or whose tag does
    not match its key and purpose; the caller turns it into NotSignedIn or Forbidden."""


class DeliveryFailed(HonestBallotError):
    """A message (one-time code, cast notice) could not be handed to its channel."""


class NotFound(HonestBallotError):
    """Something asked for by name that does not exist, or that the asker may not see
    (answered exactly as one that does not exist)."""


class AuditFailed(HonestBallotError):
    """The integrity audit could not read the service's own exports (a fault of the
    server, not of the request)."""


class StorageUnavailable(HonestBallotError):
    """The database cannot be opened or reached; ``kind`` names the driver's error type
    only (its text may carry statement parameters)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(f"the database cannot be used ({kind})")

    def __reduce__(self) -> tuple[type[StorageUnavailable], tuple[str]]:
        # made again from its kind when it crosses processes (pickled)
        return (type(self), (self.kind,))
