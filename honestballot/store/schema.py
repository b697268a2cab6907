"""The tables of the service's database (SQLAlchemy Core).

Board tables (``elections``, ``events``, ``tree_heads``, ``cosignatures``, ``credentials``, and
``held_audits`` until the close) hold what becomes the public record, and
``station_details`` what the observer pages show of the polling stations.  The others
are the service's private state: the roll (``voters``, ``contact_exceptions``),
sign-in (``signin_codes``, ``ended_sessions``, ``rate_limits``),
the notice outbox, anonymous reports, the operator's activity log and settings.
Nothing here is kept in a process's memory, so several server processes can
share one PostgreSQL database.

The schema is created and changed only by the Alembic migrations in
``honestballot/store/migrations``; a test checks that they produce exactly these
tables.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    false,
)

metadata = MetaData()

# -- the board ---------------------------------------------------------------------------

elections = Table(
    "elections",
    metadata,
    Column("election_id", String(64), primary_key=True),
    Column("phase", String(16), nullable=False),
    Column("manifest", Text, nullable=False),
    Column("context", Text, nullable=False),
    Column("board_secret", String(64), nullable=False),
    #: w of the service's designated-verifier key W (docs/coercion.md §7), kept like the
    #: board's secret; null only for an election created before migration 0010, whose
    #: setup names no W (a draft of record version 3 that no longer verifies)
    Column("verifier_secret", String(64), nullable=True),
    Column("next_seq", Integer, nullable=False),
    #: the time of the last event: every process appends at the later of its own clock and
    #: this, so event times never go backwards even when the servers' clocks differ
    Column("last_time_ms", BigInteger, nullable=False, server_default="0"),
)

events = Table(
    "events",
    metadata,
    Column("election_id", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(32), nullable=False),
    Column("time_ms", BigInteger, nullable=False),
    Column("line", LargeBinary, nullable=False),
    Column("leaf_hash", LargeBinary(32), nullable=False),
    Column("tracking_hash", LargeBinary(32), nullable=True),
    Index("events_tracking", "election_id", "tracking_hash", unique=True),
    #: the events of one kind in order (``GET /api/e/{id}/events?kind=``): migration 0013
    Index("events_kind", "election_id", "kind", "seq"),
)

tree_heads = Table(
    "tree_heads",
    metadata,
    Column("election_id", String(64), primary_key=True),
    Column("size", Integer, primary_key=True, autoincrement=False),
    Column("line", Text, nullable=False),
)

#: The witnesses' co-signatures of tree heads (one per witness and head size).
cosignatures = Table(
    "cosignatures",
    metadata,
    Column("election_id", String(64), primary_key=True),
    Column("size", Integer, primary_key=True, autoincrement=False),
    Column("witness", LargeBinary(32), primary_key=True),
    Column("line", Text, nullable=False),
)

#: Each unit's polling station as the observer pages show it (its hash is on the board; the
#: row is replaced when the organiser corrects it, so a removed name is gone).
station_details = Table(
    "station_details",
    metadata,
    Column("election_id", String(64), primary_key=True),
    Column("unit", String(64), primary_key=True),
    Column("details", Text, nullable=False),
)

#: the organiser's encrypted roll (its roll-part bodies, then the roll body), kept until
#: ``open`` posts it (migration 0009)
encrypted_roll = Table(
    "encrypted_roll",
    metadata,
    Column("election_id", String(64), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),
    Column("body", Text, nullable=False),
)

credentials = Table(
    "credentials",
    metadata,
    Column("election_id", String(64), primary_key=True),
    Column("credential", LargeBinary(32), primary_key=True),
    Column("unit", String(64), nullable=False),
    Column("latest_tracking", LargeBinary(32), nullable=True),
    Column("revoked", Boolean, nullable=False, server_default="0"),
)

#: Active (registered, not replaced) credentials per unit, kept with every registration and
#: replacement: the roll rule checks it at each registration, which must not count a unit
#: of a million voters row by row under the election's lock.
unit_credentials = Table(
    "unit_credentials",
    metadata,
    Column("election_id", String(64), primary_key=True),
    Column("unit", String(64), primary_key=True),
    Column("active", Integer, nullable=False),
)

#: Audits made while voting is open, held off the board until it closes, when they are
#: appended together in the order of their tracking hashes: an audit on the board at the
#: time it was made would sit next to the ballot its voter cast a moment later, and its
#: choices would be linked, by time, to that ballot's credential.
held_audits = Table(
    "held_audits",
    metadata,
    Column("election_id", String(64), primary_key=True),
    Column("tracking_hash", LargeBinary(32), primary_key=True),
    #: the audit event's body, canonical JSON
    Column("body", LargeBinary, nullable=False),
    Column("time_ms", BigInteger, nullable=False),
)

#: The ciphertexts' ``alpha`` of every held audit: its randomness is public, so no ballot
#: cast while voting is open may reuse any of them (``r·B`` is the same only for the same
#: randomness), nor may another audit.
held_audit_alphas = Table(
    "held_audit_alphas",
    metadata,
    Column("election_id", String(64), primary_key=True),
    Column("alpha", LargeBinary(32), primary_key=True),
    Column("tracking_hash", LargeBinary(32), nullable=False),
)

#: The ciphertexts' ``alpha`` of every ballot cast (while voting is open): an audit reusing
#: one would publish that ballot's randomness and so its choices, and the board's rules
#: (docs/record-format.md §6) refuse it.  Two ballots may share one (a device that re-signs
#: its own ciphertexts), hence the tracking hash in the key.
ballot_alphas = Table(
    "ballot_alphas",
    metadata,
    Column("election_id", String(64), primary_key=True),
    Column("alpha", LargeBinary(32), primary_key=True),
    Column("tracking_hash", LargeBinary(32), primary_key=True),
)

# -- the roll ----------------------------------------------------------------------------

voters = Table(
    "voters",
    metadata,
    Column("election_id", String(64), primary_key=True),
    Column("voter_id", Integer, primary_key=True, autoincrement=False),
    Column("national_id", String(64), nullable=False),
    Column("name", String(256), nullable=False),
    Column("phone", String(32), nullable=True),
    Column("email", String(256), nullable=True),
    Column("unit", String(64), nullable=False),
    #: the voter's current public credential (registered from the voter's device)
    Column("credential", LargeBinary(32), nullable=True),
    #: the organiser's short label for a member of a shared contact (migration 0007)
    Column("label", String(32), nullable=True),
    #: from the voter's activation letter, with re-voting protection (migration 0009):
    #: the handle V, the activation point A and the reporting unit (never the secret)
    Column("handle", LargeBinary(32), nullable=True),
    Column("activation", LargeBinary(32), nullable=True),
    Column("reporting_unit", String(64), nullable=True),
    #: with re-voting protection (migration 0011): the tag point of the voter's current
    #: credential, or the voter's none point before any (docs/coercion.md §2.4)
    Column("revocation_point", LargeBinary(32), nullable=True),
    Index("voters_national_id", "election_id", "national_id", unique=True),
    Index("voters_phone", "election_id", "phone"),
    Index("voters_email", "election_id", "email"),
    Index("voters_credential", "election_id", "credential"),
)

# -- re-voting protection (docs/coercion.md §2.4, §2.6, §3; migration 0011) ----------------
# No column here holds the randomness of a board ciphertext: the service draws it, makes
# the ciphertext and its proof, and drops it (tests/service/test_revoting_state.py).

#: the nonces issued to sessions at a registration's start, with the commitment ``Enc(R)``
#: and its proof as made (what the registration must carry) and the point ``R`` it encrypts
registration_nonces = Table(
    "registration_nonces",
    metadata,
    Column("nonce_id", Integer, primary_key=True, autoincrement=True),
    Column("election_id", String(64), nullable=False),
    Column("nonce", LargeBinary(32), nullable=False),
    Column("voter_id", Integer, nullable=False),
    Column("session", String(64), nullable=False),
    Column("revokes_point", LargeBinary(32), nullable=False),
    #: ``Enc(R)`` as alpha || beta, its proof of randomness as c || s
    Column("revokes", LargeBinary(64), nullable=False),
    Column("revokes_proof", LargeBinary(64), nullable=False),
    Column("used", Boolean, nullable=False, server_default=false()),
    Column("created_ms", BigInteger, nullable=False),
    Index("registration_nonces_nonce", "election_id", "nonce", unique=True),
    Index("registration_nonces_session", "election_id", "session"),
)

#: every registered credential: ``tau`` (its tag point), ``t``, ``sigma``, whose, its
#: counter start (drawn at its first ballot) and its ballot count.  Which one is the
#: voter's current one is the voter's revocation point (``voters.revocation_point`` is the
#: current credential's ``tau``): a registration writes no earlier credential's row
#: (migration 0015 dropped the column ``current``)
revoting_credentials = Table(
    "revoting_credentials",
    metadata,
    Column("election_id", String(64), primary_key=True),
    Column("tag_point", LargeBinary(32), primary_key=True),
    Column("tag_secret", LargeBinary(32), nullable=False),
    Column("voting_point", LargeBinary(32), nullable=False),
    Column("voter_id", Integer, nullable=False),
    Column("counter_start", Integer, nullable=True),
    Column("ballots", Integer, nullable=False, server_default="0"),
    Column("created_ms", BigInteger, nullable=False),
    #: ballots this credential audited (migration 0012)
    Column("audits", Integer, nullable=False, server_default="0"),
    Index("revoting_credentials_sigma", "election_id", "voting_point", unique=True),
    Index("revoting_credentials_voter", "election_id", "voter_id"),
)

#: registrations, cast rows and audited ballots version 2 (with their opening) waiting
#: for the board's batches (increment 4), as their record JSON; one per tracking hash
board_queue = Table(
    "board_queue",
    metadata,
    Column("item_id", Integer, primary_key=True, autoincrement=True),
    Column("election_id", String(64), nullable=False),
    #: registration | cast-row | audit
    Column("kind", String(16), nullable=False),
    Column("tracking_hash", LargeBinary(32), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    #: the sequence number of the event that put it on the board (migration 0012)
    Column("posted_seq", BigInteger, nullable=True),
    Index("board_queue_tracking", "election_id", "tracking_hash", unique=True),
    Index("board_queue_waiting", "election_id", "kind", "posted_seq", "item_id"),
)

#: the batches posted (docs/coercion.md §4; migration 0012): real and cover items in each,
#: and the longest wait of a real item in it (a public figure after the close)
revoting_batches = Table(
    "revoting_batches",
    metadata,
    Column("election_id", String(64), primary_key=True),
    Column("batch_index", Integer, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("time_ms", BigInteger, nullable=False),
    Column("real_rows", Integer, nullable=False),
    Column("real_registrations", Integer, nullable=False),
    Column("cover_rows", Integer, nullable=False),
    Column("cover_registrations", Integer, nullable=False),
    Column("longest_wait_ms", BigInteger, nullable=False),
)

#: the cover replacements of an election (docs/coercion.md §4; migration 0012), until the
#: close's padding (then they are deleted, and their number K with them): the
#: secret its made-up voter and both credentials derive from, the batches planned for
#: its first registration (C1) and its second (C2, which revokes C1), the event of C1,
#: C1's ballots (how many, how many posted, its counter start) and the event of C2
cover_replacements = Table(
    "cover_replacements",
    metadata,
    Column("election_id", String(64), primary_key=True),
    Column("cover_id", Integer, primary_key=True),
    Column("secret", LargeBinary(32), nullable=False),
    Column("first_batch", Integer, nullable=False),
    Column("second_batch", Integer, nullable=False),
    Column("first_seq", BigInteger, nullable=True),
    Column("ballots", Integer, nullable=True),
    Column("ballots_posted", Integer, nullable=False, server_default="0"),
    Column("counter_start", Integer, nullable=True),
    Column("second_seq", BigInteger, nullable=True),
)

#: the alphas of every ciphertext of registrations, cast and audited ballots version 2:
#: no cast ballot may share one with an audited ballot (whose randomness the audit made
#: public), and no object with another; each alpha once (migration 0014), so that two
#: requests running together cannot both record one
revoting_alphas = Table(
    "revoting_alphas",
    metadata,
    Column("election_id", String(64), primary_key=True),
    Column("alpha", LargeBinary(32), primary_key=True),
    Column("tracking_hash", LargeBinary(32), primary_key=True),
    Column("audited", Boolean, nullable=False),
    Index("revoting_alphas_alpha", "election_id", "alpha", unique=True),
)

contact_exceptions = Table(
    "contact_exceptions",
    metadata,
    Column("election_id", String(64), primary_key=True),
    Column("contact", String(256), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
)

# -- sign-in -----------------------------------------------------------------------------

signin_codes = Table(
    "signin_codes",
    metadata,
    Column("election_id", String(64), primary_key=True),
    Column("voter_id", Integer, primary_key=True, autoincrement=False),
    #: HMAC of the sign-in request's id (held by the browser that asked): one code per
    #: request, so a stranger's request neither replaces nor uses up the voter's code
    Column("request_mac", LargeBinary(32), primary_key=True),
    #: HMAC of the code under the server secret: the code itself is never stored
    Column("code_mac", LargeBinary(32), nullable=False),
    Column("expires_ms", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False),
)

#: sessions a voter ended by signing out, until their token would have expired anyway
#: (a session token is otherwise stateless: this is what makes sign-out end it)
ended_sessions = Table(
    "ended_sessions",
    metadata,
    Column("session_id", String(32), primary_key=True),
    Column("expires_ms", BigInteger, nullable=False),
    Index("ended_sessions_expires", "expires_ms"),
)

rate_limits = Table(
    "rate_limits",
    metadata,
    Column("bucket", String(128), primary_key=True),
    Column("window_start", BigInteger, primary_key=True, autoincrement=False),
    Column("count", Integer, nullable=False),
)

settings = Table(
    "settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

organiser_tokens = Table(
    "organiser_tokens",
    metadata,
    Column("token_mac", LargeBinary(32), primary_key=True),
    Column("label", String(128), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    # the one election the token manages; NULL: every election (an operator's token)
    Column("election_id", String(64), nullable=True),
)

# -- notices, reports, activity ------------------------------------------------------------

notices = Table(
    "notices",
    metadata,
    Column("notice_id", Integer, primary_key=True, autoincrement=True),
    Column("election_id", String(64), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("destination", String(256), nullable=False),
    Column("subject", String(256), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("sent_ms", BigInteger, nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("claimed_until_ms", BigInteger, nullable=False, server_default="0"),
    Index("notices_pending", "sent_ms", "claimed_until_ms"),
)

reports = Table(
    "reports",
    metadata,
    Column("report_id", Integer, primary_key=True, autoincrement=True),
    Column("election_id", String(64), nullable=False),
    Column("what", Text, nullable=False),
    Column("place", Text, nullable=False),
    Column("happened", Text, nullable=False),
    Column("attachment", LargeBinary, nullable=True),
    Column("attachment_type", String(64), nullable=True),
    Column("created_ms", BigInteger, nullable=False),
    #: pending -> published | rejected (by the organiser, after removing personal data)
    Column("status", String(16), nullable=False),
    Column("published_text", Text, nullable=True),
    Column("attachment_public", Boolean, nullable=False, server_default="0"),
    Column("published_ms", BigInteger, nullable=True),
    Index("reports_status", "election_id", "status"),
)

activity = Table(
    "activity",
    metadata,
    Column("activity_id", Integer, primary_key=True, autoincrement=True),
    Column("election_id", String(64), nullable=False),
    Column("time_ms", BigInteger, nullable=False),
    #: code-requested | signed-in | sign-in-failed | ballot-cast (docs/audit.md)
    Column("event", String(32), nullable=False),
    Column("voter", String(64), nullable=False),
    Column("address", String(64), nullable=False),
    Column("device", String(64), nullable=False),
    Column("user_agent", String(512), nullable=False),
    Column("contact", String(256), nullable=True),
    Column("session", String(64), nullable=True),
    Index("activity_election_time", "election_id", "time_ms"),
    #: whether a voter's first ballot is logged already (re-voting protection, migration 0016)
    Index("activity_election_voter", "election_id", "voter", "event"),
)
