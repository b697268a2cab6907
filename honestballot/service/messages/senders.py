"""Senders: how one-time sign-in codes and cast notices reach a voter's phone or mailbox.

A :class:`Message` names its channel (``sms`` or ``email``), its destination and its text;
a :class:`Sender` delivers it or raises :class:`~honestballot.errors.DeliveryFailed` with a
reason that names the carrier and the status, never the body (which may hold a code).

Here: the protocol, the development and test senders (:class:`ConsoleSender`,
:class:`FileSender` and the outbox it writes), and :class:`RoutingSender`.  The senders
that reach a real carrier (SMTP, an HTTP SMS gateway) are in :mod:`senders_net`; the
operator's one-string choice of sender is read by :func:`senders_url.sender_from_url`.

Passwords and tokens are held in :class:`Secret`, whose repr never shows them, and no
sender's repr shows them either.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, Protocol, TextIO, final

from honestballot.errors import DeliveryFailed
from honestballot.service.clock import now_ms

if sys.platform != "win32":
    import fcntl

Channel = Literal["sms", "email"]

OUTBOX_NAME = "outbox.jsonl"

#: a control character: none may appear in a destination, subject, address or token
CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")
_CODE = re.compile(r"(?<![0-9])[0-9]{6}(?![0-9])")
#: what may not appear in an e-mail destination: a list separator, a display name, a
#: comment, a quote, a route or group, whitespace (any Unicode space) or a control
#: character — each of them could make a header name a second recipient
_NOT_IN_ADDRESS: Final = re.compile(r"""[,;<>()"\\\[\]:\s\x00-\x1f\x7f]""")

#: the time a sender that states no ``max_send_s`` is assumed to take at most per message
UNDECLARED_MAX_SEND_S: Final = 0.0


def email_address_problem(address: str) -> str | None:
    """Why ``address`` is not exactly one plain e-mail address, or ``None`` if it is.

    A plain address is ``local@domain``: exactly one ``@``, a non-empty local part and a
    domain that is a host name (``localhost``) or has dots (``mail.example``) with no
    empty label, and nowhere a ``,``, ``;``, ``<``, ``>``, ``(``, ``)``, ``"``, ``\\``,
    ``[``, ``]``, ``:``, whitespace or control character: a header holding it then names
    one recipient and no other.
    """
    if _NOT_IN_ADDRESS.search(address):
        return "an e-mail address has no spaces, quotes, brackets, ',', ';' or ':'"
    if "@" not in address:
        return "an e-mail address needs an '@'"
    if address.count("@") > 1:
        return "an e-mail address has exactly one '@'"
    local, _, domain = address.partition("@")
    if not local or not domain:
        return "an e-mail address is local@domain, both non-empty"
    labels = domain.removesuffix(".").split(".")
    if not all(labels):
        return "an e-mail address's domain has no empty part"
    return None


def max_send_seconds(sender: object) -> float:
    """The longest one ``send`` of ``sender`` can take, from its ``max_send_s``.

    Every sender here states it; another sender (a test's fake) that does not is taken
    at :data:`UNDECLARED_MAX_SEND_S`.
    """
    value = getattr(sender, "max_send_s", UNDECLARED_MAX_SEND_S)
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ValueError("a sender's max_send_s is a number of seconds, at least 0")
    return float(value)


@final
class Secret:
    """A password or API token.  Its repr and str never show the value; ``reveal()`` does."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__


def mask_destination(destination: str) -> str:
    """Hide most of a phone number or e-mail address: ``+7******1234``, ``a***@example.org``."""
    if "@" in destination:
        local, _, domain = destination.rpartition("@")
        return f"{local[:1]}***@{domain}"
    if len(destination) >= 10:
        return destination[:2] + "*" * (len(destination) - 6) + destination[-4:]
    if len(destination) >= 5:
        return "*" * (len(destination) - 2) + destination[-2:]
    return "*" * len(destination)


@dataclass(frozen=True, slots=True)
class Message:
    """One SMS or e-mail to a voter.  ``secret`` marks a message that carries a one-time code.

    The repr masks the destination and, for a secret message, leaves out the body.
    """

    channel: Channel
    destination: str
    subject: str
    body: str
    secret: bool

    def __post_init__(self) -> None:
        if self.channel not in ("sms", "email"):
            raise ValueError(f"a message's channel is 'sms' or 'email', not {self.channel!r}")
        if not self.destination or CONTROL.search(self.destination):
            raise ValueError("a message's destination must be non-empty, on one line")
        if self.channel == "email":
            problem = email_address_problem(self.destination)
            if problem is not None:
                raise ValueError(f"{problem}: an e-mail destination is one plain address")
        if CONTROL.search(self.subject):
            raise ValueError("a message's subject must be on one line")

    def __repr__(self) -> str:
        body = "<hidden: one-time code>" if self.secret else repr(self.body)
        return (
            f"Message(channel={self.channel!r}, destination={mask_destination(self.destination)!r}"
            f", subject={self.subject!r}, body={body}, secret={self.secret})"
        )


class Sender(Protocol):
    """Delivers a message or raises :class:`DeliveryFailed` (whose reason holds no body).

    A sender should also state ``max_send_s``, the longest one ``send`` can take (all
    timeouts on its way included): the notice outbox sends a notice only while its lease
    has that much left (see :func:`max_send_seconds`).
    """

    def send(self, message: Message) -> None: ...


class ConsoleSender:
    """Prints messages, codes included: for development only, and it says so on every message.

    ``stream`` defaults to ``sys.stderr`` as it is when the message is sent.
    """

    #: printing a message: the longest one send takes (a stalled terminal aside)
    max_send_s: float = 5.0

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def send(self, message: Message) -> None:
        stream = self._stream if self._stream is not None else sys.stderr
        kind = "one-time code" if message.secret else "notice"
        text = (
            "--- honestballot DEVELOPMENT SENDER: nothing was delivered, the message is "
            "printed here ---\n"
            f"{message.channel.upper()} to {message.destination} ({kind})\n"
            f"Subject: {message.subject}\n"
            f"{message.body}\n"
            "--- end of message ---\n"
        )
        try:
            stream.write(text)
            stream.flush()
        except (OSError, ValueError) as exc:
            raise DeliveryFailed(f"the development sender could not print: {exc}") from None

    def __repr__(self) -> str:
        return "ConsoleSender(development sender)"


class FileSender:
    """Appends one JSON line per message to ``directory/outbox.jsonl``.

    Each line is written by one ``os.write`` on a descriptor opened with ``O_APPEND``, under
    an exclusive ``flock``, so several processes can share one outbox without interleaving.
    The file is created readable by its owner only: it holds one-time codes.
    """

    #: appending one line (waiting for another process's lock included)
    max_send_s: float = 5.0

    def __init__(
        self,
        directory: str | os.PathLike[str],
        clock_ms: Callable[[], int] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self._clock_ms = clock_ms if clock_ms is not None else now_ms

    @property
    def path(self) -> Path:
        return self.directory / OUTBOX_NAME

    def send(self, message: Message) -> None:
        record = {
            "time_ms": self._clock_ms(),
            "channel": message.channel,
            "destination": message.destination,
            "subject": message.subject,
            "body": message.body,
            "secret": message.secret,
        }
        line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
            fd = os.open(self.path, flags, 0o600)
            try:
                _lock(fd, exclusive=True)
                written = os.write(fd, line)
                while written < len(line):  # only on a full disk or a signal; lock still held
                    written += os.write(fd, line[written:])
            finally:
                os.close(fd)  # also releases the lock
        except OSError as exc:
            raise DeliveryFailed(
                f"could not append to the outbox {self.path}: {exc.strerror or exc}"
            ) from None

    def __repr__(self) -> str:
        return f"FileSender(directory={str(self.directory)!r})"


def read_outbox(directory: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every message a :class:`FileSender` appended to ``directory``, oldest first."""
    path = Path(directory) / OUTBOX_NAME
    try:
        with path.open("rb") as handle:
            _lock(handle.fileno(), exclusive=False)
            data = handle.read()
    except FileNotFoundError:
        return []
    lines = data.split(b"\n")
    # A last line without its newline is a writer that died mid-write: not a message.
    records: list[dict[str, Any]] = []
    for number, line in enumerate(lines[:-1], start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise ValueError(f"{path}: line {number} is not JSON") from None
        if not isinstance(record, dict):
            raise ValueError(f"{path}: line {number} is not a JSON object")
        records.append(record)
    return records


def latest_code_for(directory: str | os.PathLike[str], destination: str) -> str | None:
    """The 6-digit code in the newest secret message to ``destination``, or ``None``."""
    for record in reversed(read_outbox(directory)):
        if record.get("destination") == destination and record.get("secret") is True:
            match = _CODE.search(str(record.get("body", "")))
            return match.group() if match else None
    return None


class RoutingSender:
    """Sends SMS through one sender and e-mail through another."""

    def __init__(self, sms: Sender, email: Sender) -> None:
        self.sms = sms
        self.email = email

    @property
    def max_send_s(self) -> float:
        return max(max_send_seconds(self.sms), max_send_seconds(self.email))

    def send(self, message: Message) -> None:
        (self.sms if message.channel == "sms" else self.email).send(message)

    def __repr__(self) -> str:
        return f"RoutingSender(sms={self.sms!r}, email={self.email!r})"


def _lock(fd: int, *, exclusive: bool) -> None:
    if sys.platform != "win32":
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
