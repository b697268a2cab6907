"""Organiser tokens: how a commission or party office signs in to the organiser API and pages.

A token is ``"hbo_"`` followed by 32 URL-safe characters (24 random bytes).  It is shown
once, when it is created; the database keeps only its MAC under the server key
``organiser-token``, so a copy of the database does not let anyone sign in.  Several
tokens may share a label (to rotate one without a gap); revoking a label revokes all of
them.

A token is either scoped to one election (its holder manages that election only, and
may create it if it does not exist yet) or, without a scope, operator-wide: it manages
every election on the server.  One server hosts several organisations' elections, so
each organiser gets a scoped token; operator-wide ones are for the operator.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from honestballot.errors import InvalidInput, NotSignedIn, Text
from honestballot.service.clock import now_ms
from honestballot.service.security.keys import SecretStr, mac, server_key
from honestballot.store.sql import SqlStore

TOKEN_PREFIX: Final = "hbo_"
KEY_NAME: Final = "organiser-token"
MAX_LABEL: Final = 128
_TOKEN = re.compile(r"^hbo_[A-Za-z0-9_-]{32}\Z")
_DOMAIN: Final = "honestballot/organiser-token/v1"
#: an election id, as a manifest's (honestballot.protocol.manifest)
_ELECTION_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


@dataclass(frozen=True)
class Organiser:
    """Who a valid token signs in: its label (what the log names) and the one election it
    may manage, or ``None`` for an operator-wide token that manages every election."""

    label: str
    election_id: str | None = None

    def may_manage(self, election_id: str) -> bool:
        return self.election_id is None or self.election_id == election_id


class Organisers:
    """Creates, checks and revokes organiser tokens."""

    def __init__(self, store: SqlStore, clock: Callable[[], int] = now_ms) -> None:
        self.store = store
        self.clock = clock

    def create_token(self, label: str, election_id: str | None = None) -> SecretStr:
        """A new token for ``label`` (who holds it); returned once, never stored.

        With ``election_id`` the token manages that election only (which need not exist
        yet: its holder may create it); without, every election on the server."""
        label = label.strip()
        if not label or len(label) > MAX_LABEL or not label.isprintable():
            raise InvalidInput(f"an organiser's label is 1 to {MAX_LABEL} printable characters")
        if election_id is not None and not _ELECTION_ID.fullmatch(election_id):
            raise InvalidInput(
                f"election id {election_id[:80]!r}: ids are 1-64 characters of a-z, 0-9, "
                "'-' and '_'"
            )
        token = SecretStr(TOKEN_PREFIX + secrets.token_urlsafe(24))
        token_mac = self._mac(token)  # before the write transaction: it may create the key
        self.store.insert_organiser_token(token_mac, label, election_id, self.clock())
        return token

    def check(self, token: str) -> Organiser:
        """Who a valid token signs in; NotSignedIn for anything else."""
        if not _TOKEN.match(token):
            raise NotSignedIn(
                Text(
                    "organiser.token_malformed",
                    "not signed in as an organiser: the token is malformed",
                )
            )
        found = self.store.organiser_token(self._mac(token))
        if found is None:
            raise NotSignedIn(
                Text(
                    "organiser.token_unknown",
                    "not signed in as an organiser: the token is unknown or revoked",
                )
            )

        label, scope = found
        return Organiser(label, scope)

    def revoke(self, label: str) -> int:
        """Revoke every token with ``label``; returns how many there were."""
        return self.store.delete_organiser_tokens(label.strip())

    def labels(self) -> list[str]:
        """The labels that hold at least one token, sorted."""
        return sorted(self.store.organiser_labels())

    def _mac(self, token: str) -> bytes:
        # Looked up by this MAC: an attacker cannot choose MACs, so the index lookup's timing
        # tells nothing about a valid token.
        return mac(server_key(self.store, KEY_NAME), _DOMAIN, token)
