"""Voter sign-in: a one-time code to the registered phone or e-mail, then a session token.

A voter types a national ID; :meth:`SignIn.request_code` sends a 6-digit code to the
phone registered for it (or the e-mail when there is no phone), and
:meth:`SignIn.verify_code` turns the right code into a :class:`VoterSession`.

Every code belongs to one *sign-in request*: a random id (:func:`new_request_id`) that
the browser which asked keeps (the web layer holds it in a signed cookie) and sends back
with the code.  What is stored, per (election, voter, request): the MAC of the request
id, the code's MAC under the server key ``signin-code`` (bound to the election, the
voter and the request), its expiry and that request's wrong attempts so far, in
``signin_codes``.  The code itself is never stored, logged, put in an exception or
shown by a repr.  A stranger who knows a voter's national ID makes requests of their
own: they neither replace the voter's code nor count against it, and their wrong
guesses use up only their own request's code (``max_attempts`` per request).

The roll cannot be probed through sign-in.  For a national ID that is not on the roll
(or whose voter has no phone or e-mail), ``request_code`` applies the same rate limits,
sends nothing and stores a *decoy* row under a negative voter id derived from the ID,
whose MAC belongs to no code anybody was sent; ``verify_code`` then answers exactly as it
does for a voter on the roll ("the code is wrong, 4 attempts left", "expired"), and never
signs anyone in.  The caller must show one neutral message whatever ``request_code``
returns, e.g. "if this national ID is on the roll, a code is on its way to the phone or
e-mail registered for it".  The masked destination it returns is for the activity log
or a page shown after sign-in: shown on that neutral page it would tell anyone who
knows a national ID that it is on the roll, and part of its phone number.  Two residual
signals remain for the web layer to blunt: a failed delivery (``DeliveryFailed``) happens
only for IDs on the roll, and sending takes time that an unknown ID does not.

Rate limits bind to what a client controls, never to the victim's ID alone: per client
address (``per_address``) and per national ID *and requesting network*
(``per_network_id``; an IPv4 /24 or IPv6 /48, :func:`~honestballot.service.security.
ratelimit.network_of`), whose refusal (429) is shown; and a cap per phone or e-mail
*and requesting network* (``per_contact``, against flooding somebody's phone from one
network) that is *silent*: over it, nothing is sent and nothing stored, and the answer
is the neutral one, as for an ID not on the roll.  Strangers elsewhere cannot spend the
voter's own network's share.  A shown per-contact limit would let anybody probe the
roll: asking three times for one ID and once for another would be refused only when both
are on the roll with the same phone.  An ID not on the roll is counted against a contact
bucket of its own, so both kinds of ID take the same steps.

The one limit on the national ID alone never refuses anything: the first
``short_codes`` requests for an ID in a day get a 6-digit code, later ones a 12-digit
code (:data:`LONG_CODE_DIGITS`).  A voter under a flood still signs in at once, with a
longer code, while the guesses an attacker gets against 6-digit codes stay bounded
(docs/threat-model.md gives the budget).

Each step is one transaction: the phase check, the voter's row, the code, the step's row
of the activity log and, last, the rate-limit hits, committed together before the code is
sent or the answer given.  When a limit is exceeded the step is rolled back and its hits
alone are committed, so a refused request still counts and changes nothing else (it
cannot replace or use up another voter's code).

Sessions are signed tokens (:mod:`~honestballot.service.security.tokens`) under the
server key ``voter-session`` whose JSON payload names the election, the voter, the expiry
and a random session id, so a token of one election is refused by every other one.  The
one piece of server state a session has is its end: signing out (:meth:`SignIn.end_session`)
stores the session id until the token's expiry, and a token whose session has ended is
refused like an expired one, so a cookie kept after sign-out (a shared computer, a copied
cookie) no longer works: at once on the server process that signed it out, within
:data:`SESSION_END_SEEN_WITHIN_S` on the others (each remembers for that long which
sessions it saw not ended, or made itself, rather than asking the store on every request).
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Literal, TypeVar

from honestballot.errors import (
    DeliveryFailed,
    InvalidInput,
    InvalidToken,
    NotSignedIn,
    RateLimited,
    SignInFailed,
    Text,
)
from honestballot.protocol.manifest import Label
from honestballot.record.manifest import label_from_json
from honestballot.service.activity import activity_row, record_activity
from honestballot.service.clock import now_ms
from honestballot.service.messages.senders import Message, Sender, mask_destination
from honestballot.service.security import tokens
from honestballot.service.security.keys import SecretStr, mac, server_key
from honestballot.service.security.ratelimit import (
    Limit,
    RateLimiter,
    host_of,
    network_of,
    refusal,
)
from honestballot.service.voters.roll import Roll, VoterRow
from honestballot.service.voters.roll_csv import normalize_national_id
from honestballot.service.voters.voting import Client
from honestballot.store.sql import SqlStore, Tx

CODE_KEY_NAME: Final = "signin-code"
SESSION_KEY_NAME: Final = "voter-session"
CODE_DIGITS: Final = 6
#: the length of the codes an ID gets once its day's 6-digit codes are used up
LONG_CODE_DIGITS: Final = 12
MAX_NATIONAL_ID: Final = 64
_CODE_DOMAIN: Final = "honestballot/signin-code/v2"  # v2: bound to the request
_REQUEST_DOMAIN: Final = "honestballot/signin-request/v1"
_REQUEST_ID: Final = re.compile(r"[A-Za-z0-9_-]{22,64}")
_DECOY_DOMAIN: Final = "honestballot/signin-decoy/v1"
_SESSION_DOMAIN: Final = "honestballot/voter-session/v2"  # v2: the one signed-token format
_SESSION_FIELDS: Final = frozenset({"v", "election", "voter", "expires_ms", "session"})
T = TypeVar("T")

_SUBJECTS: Final = Label(
    ru="Код для входа в honestballot",
    kk="honestballot жүйесіне кіру коды",
    en="Your honestballot sign-in code",
)
#: the first words of the message to a member of a shared contact: the organiser's label
#: for the member, never a name or an ID (the gateway reads the message)
_FOR: Final = Label(ru="Для: {label}. ", kk="Кімге: {label}. ", en="For: {label}. ")
_BODIES: Final = Label(
    ru=(
        "Ваш код honestballot для «{title}»: {code}. Он истечёт через {minutes} мин. "
        "Никто от имени выборов никогда не попросит его у вас."
    ),
    kk=(
        "«{title}» үшін honestballot кодыңыз: {code}. Ол {minutes} минуттан кейін "
        "жарамсыз болады. Сайлау атынан ешкім оны сізден ешқашан сұрамайды."
    ),
    en=(
        "Your honestballot code for {title}: {code}. It expires in {minutes} minutes. "
        "Nobody from the election will ever ask you for it."
    ),
)


def normalise_national_id(national_id: str) -> str:
    """The national ID as the roll stores it (no spaces or dashes, upper case).

    InvalidInput when nothing sensible is left.
    """
    normal = normalize_national_id(national_id)
    if not normal or len(normal) > MAX_NATIONAL_ID or not normal.isprintable():
        raise InvalidInput(
            Text(
                "signin.id_length",
                f"a national ID is 1 to {MAX_NATIONAL_ID} characters",
                most=MAX_NATIONAL_ID,
            )
        )
    return normal


def new_request_id() -> str:
    """A fresh sign-in request id (128 random bits) for the browser that asks for a code."""
    return secrets.token_urlsafe(16)


def _check_request_id(request_id: str) -> None:
    if not _REQUEST_ID.fullmatch(request_id):
        message = "a sign-in request id is 22 to 64 URL-safe characters"
        raise InvalidInput(Text("signin.request_id", message))


def _new_code(digits: int) -> SecretStr:
    return SecretStr(f"{secrets.randbelow(10**digits):0{digits}d}")


def _shown_code(code: str) -> str:
    """The code as the message shows it: a long code in groups of four digits."""
    if len(code) <= CODE_DIGITS:
        return code
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


@dataclass(frozen=True, slots=True)
class VoterSession:
    """A signed-in voter of one election until ``expires_ms``; holds no secret itself."""

    election_id: str
    voter_id: int
    expires_ms: int
    session_id: str

    def token(self, key: bytes) -> SecretStr:
        """The bearer token for this session (use the server key ``voter-session``)."""
        payload = json.dumps(
            {
                "v": 1,
                "election": self.election_id,
                "voter": self.voter_id,
                "expires_ms": self.expires_ms,
                "session": self.session_id,
            },
            sort_keys=True,
            separators=(",", ":"),
        ).encode("utf-8")
        return SecretStr(tokens.sign(key, _SESSION_DOMAIN, payload))


def session_from_token(key: bytes, token: str, election_id: str, now_ms: int) -> VoterSession:
    """The session in ``token`` if its MAC checks, it is for ``election_id`` and unexpired."""
    try:
        payload = tokens.verify(key, _SESSION_DOMAIN, token)
    except InvalidToken as exc:
        raise NotSignedIn(Text("session.invalid", f"not signed in: {exc}")) from None
    fields = json.loads(payload)
    if not isinstance(fields, dict) or set(fields) != _SESSION_FIELDS or fields["v"] != 1:
        raise NotSignedIn(
            Text("session.invalid", "not signed in: the session token has an unknown format")
        )
    session = VoterSession(
        election_id=str(fields["election"]),
        voter_id=int(fields["voter"]),
        expires_ms=int(fields["expires_ms"]),
        session_id=str(fields["session"]),
    )
    if session.election_id != election_id:
        raise NotSignedIn(
            Text(
                "session.other_election",
                "not signed in to this election: the session is for another one",
            )
        )
    if now_ms >= session.expires_ms:
        raise NotSignedIn(Text("session.expired", "the session has expired; sign in again"))
    return session


Outcome = Literal["signed-in", "no-code", "expired", "wrong", "used-up"]


#: how long a session seen not ended is taken as still not ended, per process, before the
#: store is asked again: a sign-out through another server process is refused here at
#: most this late (docs/threat-model.md)
SESSION_END_SEEN_WITHIN_S: Final = 5.0
#: sessions remembered as not ended, per process, at most (past it, the store is asked)
_MOST_LIVE_SESSIONS: Final = 200_000


class SignIn:
    """One-time codes and voter sessions; every piece of state is in the database (a
    process keeps, for a few seconds, which sessions it saw not ended)."""

    def __init__(
        self,
        store: SqlStore,
        sender: Sender,
        clock: Callable[[], int] = now_ms,
        *,
        code_ttl_s: int = 600,
        max_attempts: int = 5,
        per_network_id: tuple[int, int] = (3, 300),
        short_codes: tuple[int, int] = (30, 86400),
        per_contact: tuple[int, int] = (10, 900),
        per_address: tuple[int, int] = (30, 900),
        verify_per_address: tuple[int, int] = (60, 900),
        session_ttl_s: int = 1800,
        session_end_seen_within_s: float = SESSION_END_SEEN_WITHIN_S,
    ) -> None:
        if code_ttl_s <= 0 or session_ttl_s <= 0 or max_attempts <= 0:
            raise InvalidInput(  # English only: the operator's configuration, at start-up
                "code and session lifetimes and max_attempts must be positive"
            )
        self.store = store
        self.sender = sender
        self.clock = clock
        self.code_ttl_s = code_ttl_s
        self.max_attempts = max_attempts
        self.per_network_id = per_network_id
        self.short_codes = short_codes
        self.per_contact = per_contact
        self.per_address = per_address
        self.verify_per_address = verify_per_address
        self.session_ttl_s = session_ttl_s
        self.session_end_seen_within_ms = int(session_end_seen_within_s * 1000)
        #: session id → when the store last said that session had not ended
        self._live_sessions: dict[str, int] = {}
        #: sign-outs through this process so far (a request that asked the store before
        #: one does not remember its session as live)
        self._sign_outs = 0
        self._live_lock = threading.Lock()
        self.limiter = RateLimiter(store, clock)
        self.roll = Roll(store, clock)
        self._titles: dict[str, Label] = {}  # manifests never change once stored

    # -- codes -----------------------------------------------------------------------------

    def request_code(
        self, election_id: str, national_id: str, client: Client, request_id: str
    ) -> str | None:
        """Send a code for the sign-in request ``request_id`` (see :func:`new_request_id`)
        to the voter; the masked destination, or None for an unknown ID.

        Show the same neutral message in both cases (see the module's docstring).  A
        request id asked for again gets a new code, replacing only that request's.  The
        code, the ``code-requested`` row of the activity log and the rate-limit hits are
        one transaction, committed before the code is sent.
        Raises InvalidInput (election not open), RateLimited, DeliveryFailed.
        """
        nid = normalise_national_id(national_id)
        _check_request_id(request_id)
        network = network_of(client.address)

        def work(conn: Tx) -> tuple[tuple[str, VoterRow | None, SecretStr], list[Limit]]:
            label, voter = self._open_election(conn, election_id, nid)
            title = label.get(client.language)
            contact = _contact(voter)
            if voter is None or contact is None:
                voter_id = self._decoy_id(election_id, nid)
                reach = f"national-id:{election_id}:{nid}"  # a bucket of its own
            else:
                voter_id, reach = voter.voter_id, f"{contact[0]}:{contact[1].lower()}"
            bucket = self.limiter.bucket
            # the ID's day of 6-digit codes: never refused, only longer codes after it
            short = Limit(bucket("code:short", f"{election_id}:{nid}"), *self.short_codes)
            long_code = bool(self.limiter.count(conn, [short]))
            code = _new_code(LONG_CODE_DIGITS if long_code else CODE_DIGITS)
            self._store_code(conn, election_id, voter_id, request_id, code)
            self._log(conn, election_id, "code-requested", national_id, client, voter)
            return (title, voter, code), [
                Limit(bucket("code:address", host_of(client.address)), *self.per_address),
                Limit(
                    bucket("code:id-network", f"{election_id}:{nid}|{network}"),
                    *self.per_network_id,
                ),
                Limit(bucket("code:contact", f"{reach}|{network}"), *self.per_contact, silent=True),
            ]

        # over the silent cap: as for an unknown ID
        unsent: tuple[str, VoterRow | None, SecretStr] = ("", None, SecretStr(""))
        title, voter, code = self._limited(work, silently=unsent)
        contact = _contact(voter)
        if contact is None:
            return None
        channel, destination = contact
        label = voter.label if voter is not None else None
        minutes = -(-self.code_ttl_s // 60)
        try:
            message = Message(
                channel=channel,
                destination=destination,
                subject=_SUBJECTS.get(client.language),
                body=(_FOR.get(client.language).format(label=label) if label else "")
                + _BODIES.get(client.language).format(
                    title=title, code=_shown_code(code), minutes=minutes
                ),
                secret=True,
            )
        except ValueError:
            raise DeliveryFailed(
                Text("signin.undeliverable", "the voter's registered contact cannot take a message")
            ) from None
        self.sender.send(message)
        return mask_destination(destination)

    def verify_code(
        self, election_id: str, national_id: str, code: str, client: Client, request_id: str
    ) -> tuple[VoterSession, VoterRow]:
        """A session for the voter whose code this is for the sign-in request
        ``request_id``, and the voter's row; SignInFailed otherwise (a wrong code uses up
        one of that request's attempts, and no other request's).

        The check, its ``signed-in`` or ``sign-in-failed`` row of the activity log and the
        rate-limit hit are one transaction, committed before anything is raised.
        """
        nid = normalise_national_id(national_id)
        candidate = SecretStr(re.sub(r"\s", "", code))  # hidden from tracebacks' locals
        lengths = (CODE_DIGITS, LONG_CODE_DIGITS)
        if len(candidate) not in lengths or not candidate.isascii() or not candidate.isdigit():
            raise InvalidInput(
                Text(
                    "signin.code_format",
                    f"the code has {CODE_DIGITS} or {LONG_CODE_DIGITS} digits",
                    short=CODE_DIGITS,
                    long=LONG_CODE_DIGITS,
                )
            )
        _check_request_id(request_id)

        Signed = tuple[VoterSession, VoterRow] | None

        def work(conn: Tx) -> tuple[tuple[Outcome, int, Signed], list[Limit]]:
            _title, voter = self._open_election(conn, election_id, nid)
            if voter is not None and _contact(voter) is not None:
                voter_id = voter.voter_id
            else:
                voter_id = self._decoy_id(election_id, nid)
            outcome, left = self._check_code(conn, election_id, voter_id, request_id, candidate)
            signed: Signed = None
            if outcome == "signed-in" and voter is not None:
                session = VoterSession(
                    election_id=election_id,
                    voter_id=voter.voter_id,
                    expires_ms=self.clock() + self.session_ttl_s * 1000,
                    session_id=secrets.token_hex(8),
                )
                signed = session, voter
                self._log(conn, election_id, "signed-in", voter.national_id, client, voter, session)
            else:
                self._log(conn, election_id, "sign-in-failed", national_id, client)
            limit = Limit(
                self.limiter.bucket("verify:address", host_of(client.address)),
                *self.verify_per_address,
            )
            return (outcome, left, signed), [limit]

        outcome, left, signed = self._limited(work)
        if signed is not None:
            # a session this process has just made cannot have ended: the next requests
            # through this process need not ask the store (they come within seconds)
            self._remember_live(signed[0].session_id, self.clock())
            return signed
        if outcome == "no-code":
            raise SignInFailed(
                Text(
                    "signin.no_code",
                    "no code is waiting for this national ID from this browser; request a new one",
                )
            )
        if outcome == "expired":
            raise SignInFailed(
                Text("signin.code_expired", "the code has expired; request a new one")
            )
        if outcome != "wrong":
            raise SignInFailed(
                Text(
                    "signin.code_used_up",
                    "the code is wrong and no attempts are left; request a new one",
                )
            )
        raise SignInFailed(
            Text("signin.code_wrong", f"the code is wrong; {left} attempt(s) left", left=left)
        )

    def purge(self, older_than_ms: int) -> int:
        """Delete codes (and decoys), and ended sessions, that expired before
        ``older_than_ms``; how many rows."""
        codes = self.store.purge_signin_codes(older_than_ms)
        return codes + self.store.purge_ended_sessions(older_than_ms)

    # -- sessions --------------------------------------------------------------------------

    def session_key(self) -> bytes:
        return server_key(self.store, SESSION_KEY_NAME)

    def session_token(self, session: VoterSession) -> SecretStr:
        return session.token(self.session_key())

    def session_from_token(self, token: str, *, election_id: str) -> VoterSession:
        """The session of a valid, unexpired token for ``election_id`` that was not ended
        by signing out; NotSignedIn otherwise."""
        now = self.clock()
        session = session_from_token(self.session_key(), token, election_id, now)
        if self._ended(session.session_id, now):
            raise NotSignedIn(
                Text("session.ended", "the session has ended (signed out); sign in again")
            )
        return session

    def _ended(self, session_id: str, now: int) -> bool:
        """Whether the session has ended: asked of the store at most once every
        ``session_end_seen_within_s`` per session and process (every signed-in request
        asked it, a query each, 11 % of the service's CPU on primary day).  A sign-out
        through this process takes effect here at once; through another, here within
        that time (docs/threat-model.md)."""
        with self._live_lock:
            seen = self._live_sessions.get(session_id)
            generation = self._sign_outs
        # a clock set back never stretches the window
        if seen is not None and 0 <= now - seen < self.session_end_seen_within_ms:
            return False
        if self.store.session_ended(session_id):
            with self._live_lock:
                self._live_sessions.pop(session_id, None)
            return True
        self._remember_live(session_id, now, generation)
        return False

    def _remember_live(self, session_id: str, now: int, generation: int | None = None) -> None:
        """Remember the session as not ended at ``now``, unless this process signed a
        session out since ``generation`` (it may be this one's)."""
        with self._live_lock:
            if generation is not None and self._sign_outs != generation:
                # a sign-out through this process since the store was asked: it may be
                # this session's, which must not be remembered as live
                return
            if len(self._live_sessions) >= _MOST_LIVE_SESSIONS:
                stale = now - self.session_end_seen_within_ms
                self._live_sessions = {k: t for k, t in self._live_sessions.items() if t > stale}
            if len(self._live_sessions) < _MOST_LIVE_SESSIONS:
                self._live_sessions[session_id] = now

    def end_session(self, token: str, *, election_id: str) -> None:
        """Sign out: the session of ``token`` is refused from now on.  A token that is no
        longer valid (expired, ended, of another election, forged) needs nothing done."""
        try:
            session = self.session_from_token(token, election_id=election_id)
        except NotSignedIn:
            return
        self.store.end_session(session.session_id, session.expires_ms)
        with self._live_lock:
            self._live_sessions.pop(session.session_id, None)
            self._sign_outs += 1

    # -- internals -------------------------------------------------------------------------

    def _limited(
        self, work: Callable[[Tx], tuple[T, Sequence[Limit]]], silently: T | None = None
    ) -> T:
        """Run ``work`` in one transaction whose last statement counts the rate-limit hits
        it asks for.  When a limit is exceeded, the work is rolled back, the hits alone are
        committed (a hit over the limit still counts) and RateLimited is raised; when no
        shown limit is exceeded (only silent ones), ``silently`` is returned instead.

        The hits come last so that a busy bucket (many voters behind one carrier's
        address) is locked only for the commit, not for the whole step.
        """
        # creating a server key takes a write transaction of its own, which SQLite cannot
        # begin while the step's is open: make sure both exist first
        self._code_key()
        self.limiter.key()
        try:
            with self.store.transaction() as conn:
                result, limits = work(conn)
                if self.limiter.count(conn, limits):
                    raise _Over(limits)
            return result
        except _Over as over:
            with self.store.transaction() as conn:
                exceeded = self.limiter.count(conn, over.limits)
        shown = refusal(exceeded)
        if shown is not None:
            raise shown from None
        if silently is not None:
            return silently
        # a window ended in between: the step was still refused
        raise RateLimited(
            Text("rate.try_again", "too many requests; try again in 1 seconds", seconds=1),
            retry_after=1,
        ) from None

    def _open_election(self, conn: Tx, election_id: str, nid: str) -> tuple[Label, VoterRow | None]:
        """The election's title and the voter with the national ID ``nid`` (None: not on
        the roll), with one query; InvalidInput unless the election exists and is open."""
        phase, voter = self.roll.phase_and_voter(conn, election_id, nid)
        if phase is None:
            raise InvalidInput(
                Text(
                    "election.unknown",
                    f"there is no election {election_id!r}",
                    election=election_id[:64],
                )
            )
        if phase != "open":
            raise InvalidInput(
                Text(
                    "signin.not_open",
                    f"sign-in codes are given only while the election is open; it is {phase!r}",
                    phase=Text(f"phase.{phase}", phase),
                )
            )

        title = self._titles.get(election_id)
        if title is None:
            manifest = self.store.election_manifest(conn, election_id)
            title = label_from_json(json.loads(manifest)["title"], "manifest.title")
            self._titles[election_id] = title
        return title, voter

    def _log(
        self,
        conn: Tx,
        election_id: str,
        event: str,
        national_id: str,
        client: Client,
        voter: VoterRow | None = None,
        session: VoterSession | None = None,
    ) -> None:
        """The step's row of the activity log, in the step's transaction."""
        contact = _contact(voter)
        row = activity_row(
            election_id,
            time_ms=self.clock(),
            event=event,
            voter=national_id,
            address=client.address,
            device=client.device,
            user_agent=client.user_agent,
            contact=contact[1] if contact is not None else None,
            session=session.session_id if session is not None else None,
        )
        record_activity(conn, row)

    def _decoy_id(self, election_id: str, nid: str) -> int:
        digest = mac(self._code_key(), _DECOY_DOMAIN, election_id, nid)
        return -1 - (int.from_bytes(digest[:4], "big") >> 2)  # never a real (>= 0) voter id

    def _code_key(self) -> bytes:
        return server_key(self.store, CODE_KEY_NAME)

    def _request_mac(self, election_id: str, request_id: str) -> bytes:
        return mac(self._code_key(), _REQUEST_DOMAIN, election_id, request_id)

    def _code_mac(self, election_id: str, voter_id: int, request_id: str, code: str) -> bytes:
        return mac(self._code_key(), _CODE_DOMAIN, election_id, str(voter_id), request_id, code)

    def _store_code(
        self, conn: Tx, election_id: str, voter_id: int, request_id: str, code: str
    ) -> None:
        self.store.put_signin_code(
            conn,
            election_id,
            voter_id,
            self._request_mac(election_id, request_id),
            self._code_mac(election_id, voter_id, request_id, code),
            self.clock() + self.code_ttl_s * 1000,
        )

    def _check_code(
        self, conn: Tx, election_id: str, voter_id: int, request_id: str, candidate: str
    ) -> tuple[Outcome, int]:
        """Check the request's code under its row's lock, in the caller's transaction."""
        candidate_mac = self._code_mac(election_id, voter_id, request_id, candidate)
        request = self._request_mac(election_id, request_id)
        row = self.store.lock_signin_code(conn, election_id, voter_id, request)
        if row is None:
            return "no-code", 0
        code_mac, expires_ms, attempts = row
        if self.clock() >= expires_ms:
            self.store.delete_signin_code(conn, election_id, voter_id, request)
            return "expired", 0
        if hmac.compare_digest(candidate_mac, code_mac) and voter_id >= 0:
            self.store.delete_signin_code(conn, election_id, voter_id, request)  # works once
            return "signed-in", 0
        attempts += 1
        if attempts >= self.max_attempts:
            self.store.delete_signin_code(conn, election_id, voter_id, request)
            return "used-up", 0
        self.store.set_signin_code_attempts(conn, election_id, voter_id, request, attempts)
        return "wrong", self.max_attempts - attempts


class _Over(Exception):
    """Rolls a sign-in step back when one of its rate limits is exceeded."""

    def __init__(self, limits: Sequence[Limit]) -> None:
        super().__init__("rate limit exceeded")
        self.limits = limits


def _contact(voter: VoterRow | None) -> tuple[Literal["sms", "email"], str] | None:
    """Where the voter's codes go: the phone, else the e-mail; None without either."""
    if voter is None:
        return None
    if voter.phone:
        return "sms", voter.phone
    if voter.email:
        return "email", voter.email
    return None
