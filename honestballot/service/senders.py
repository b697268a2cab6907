"""Senders: how one-time sign-in codes and cast notices reach a voter's phone or mailbox.

A :class:`Message` names its channel (``sms`` or ``email``), its destination and its text;
a :class:`Sender` delivers it or raises :class:`~honestballot.errors.DeliveryFailed` with a
reason that names the carrier and the status, never the body (which may hold a code).

Operators choose a sender with one string (``--sender`` or ``$HONESTBALLOT_SENDER``), read by
:func:`sender_from_url`::

    console                                         print (development only)
    file:/var/lib/honestballot/outbox               append JSON lines (tests, load generator)
    smtp://user:pass@mail.example:587?from=noreply@example.org   e-mail, STARTTLS
    smtps://user:pass@mail.example?from=noreply@example.org      e-mail, TLS from the start
    https://gateway.example/sms?token=T&from=Vote   SMS through an HTTP gateway
    route:sms=<spec>;email=<spec>                   one sender per channel

Passwords and tokens are held in :class:`Secret`, whose repr never shows them, and no
sender's repr shows them either.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import re
import smtplib
import ssl
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Literal, Protocol, TextIO, final
from urllib.parse import unquote, urlsplit, urlunsplit

from honestballot.errors import DeliveryFailed

if sys.platform != "win32":
    import fcntl

Channel = Literal["sms", "email"]

SENDER_ENV_VAR = "HONESTBALLOT_SENDER"
OUTBOX_NAME = "outbox.jsonl"

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CODE = re.compile(r"(?<![0-9])[0-9]{6}(?![0-9])")


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
        if not self.destination or _CONTROL.search(self.destination):
            raise ValueError("a message's destination must be non-empty, on one line")
        if self.channel == "email" and "@" not in self.destination:
            raise ValueError("an e-mail destination needs an '@'")
        if _CONTROL.search(self.subject):
            raise ValueError("a message's subject must be on one line")

    def __repr__(self) -> str:
        body = "<hidden: one-time code>" if self.secret else repr(self.body)
        return (
            f"Message(channel={self.channel!r}, destination={mask_destination(self.destination)!r}"
            f", subject={self.subject!r}, body={body}, secret={self.secret})"
        )


class Sender(Protocol):
    """Delivers a message or raises :class:`DeliveryFailed` (whose reason holds no body)."""

    def send(self, message: Message) -> None: ...


class ConsoleSender:
    """Prints messages, codes included: for development only, and it says so on every message.

    ``stream`` defaults to ``sys.stderr`` as it is when the message is sent.
    """

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

    def __init__(
        self,
        directory: str | os.PathLike[str],
        clock_ms: Callable[[], int] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self._clock_ms = clock_ms if clock_ms is not None else _wall_clock_ms

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


class SmtpSender:
    """E-mail through an SMTP server: STARTTLS on a plain port, TLS from the start on 465.

    ``starttls=False`` (a local relay or a test server) is refused together with a login to a
    host that is not the loopback, so the password never crosses a network in clear.
    """

    def __init__(
        self,
        host: str,
        port: int,
        username: str | None,
        password: str | Secret | None,
        sender_address: str,
        starttls: bool = True,
        timeout: float = 10,
        *,
        implicit_tls: bool | None = None,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        if not host:
            raise ValueError("an SMTP sender needs a host")
        if not sender_address or "@" not in sender_address or _CONTROL.search(sender_address):
            raise ValueError("an SMTP sender needs a one-line From address with an '@'")
        if bool(username) != (password is not None):
            raise ValueError("an SMTP login needs both a username and a password, or neither")
        self.host = host
        self.port = port
        self.username = username or None
        self.password = Secret(password) if isinstance(password, str) else password
        self.sender_address = sender_address
        self.implicit_tls = port == 465 if implicit_tls is None else implicit_tls
        self.starttls = starttls and not self.implicit_tls
        self.timeout = timeout
        self._ssl_context = ssl_context
        self._local_hostname = local_hostname
        if self.username and not (self.implicit_tls or self.starttls) and not _is_loopback(host):
            raise ValueError(
                "refusing to send an SMTP password in clear to a host that is not the loopback; "
                "use STARTTLS or smtps://"
            )

    def send(self, message: Message) -> None:
        if message.channel != "email":
            raise DeliveryFailed("this sender delivers e-mail only")
        email = EmailMessage()
        email["From"] = self.sender_address
        email["To"] = message.destination
        email["Subject"] = message.subject
        email["Date"] = formatdate()
        email["Message-ID"] = make_msgid(domain=self.sender_address.rpartition("@")[2])
        email.set_content(message.body)
        where = f"{self.host}:{self.port}"
        to = mask_destination(message.destination)
        try:
            with self._connect() as smtp:
                if self.starttls:
                    smtp.starttls(context=self._context())
                if self.username and self.password is not None:
                    smtp.login(self.username, self.password.reveal())
                smtp.send_message(email)
        except smtplib.SMTPAuthenticationError as exc:
            reason = f"the SMTP server {where} refused the login (code {exc.smtp_code})"
            raise DeliveryFailed(reason) from None
        except smtplib.SMTPResponseException as exc:
            reason = f"the SMTP server {where} refused the e-mail to {to} (code {exc.smtp_code})"
            raise DeliveryFailed(reason) from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = ", ".join(str(code) for code, _ in exc.recipients.values())
            reason = f"the SMTP server {where} refused the recipient {to} (code {codes})"
            raise DeliveryFailed(reason) from None
        except smtplib.SMTPNotSupportedError:
            reason = f"the SMTP server {where} does not offer STARTTLS (or a needed extension)"
            raise DeliveryFailed(reason) from None
        except smtplib.SMTPException as exc:
            reason = f"e-mail to {to} through {where} failed: {type(exc).__name__}"
            raise DeliveryFailed(reason) from None
        except OSError as exc:
            reason = f"could not reach the SMTP server {where}: {exc.strerror or exc}"
            raise DeliveryFailed(reason) from None

    def _context(self) -> ssl.SSLContext:
        return self._ssl_context if self._ssl_context is not None else ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            return smtplib.SMTP_SSL(
                self.host,
                self.port,
                local_hostname=self._local_hostname,
                timeout=self.timeout,
                context=self._context(),
            )
        return smtplib.SMTP(
            self.host, self.port, local_hostname=self._local_hostname, timeout=self.timeout
        )

    def __repr__(self) -> str:
        tls = "implicit" if self.implicit_tls else "starttls" if self.starttls else "none"
        return (
            f"SmtpSender(host={self.host!r}, port={self.port}, username={self.username!r}, "
            f"password={'<hidden>' if self.password is not None else None}, "
            f"sender_address={self.sender_address!r}, tls={tls!r})"
        )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a failure: following it would carry the token to another address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HttpSmsSender:
    """SMS through a generic HTTP gateway.

    Posts ``{"to": destination, "text": body, "from": sender_id}`` (``from`` only when set) as
    JSON with ``Authorization: Bearer <token>``.  Any 2xx answer is a delivery; anything else,
    a redirect included, or a network error raises :class:`DeliveryFailed` with the status.
    """

    def __init__(
        self,
        url: str,
        token: str | Secret,
        timeout: float = 10,
        sender_id: str | None = None,
    ) -> None:
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 (raises ValueError on a malformed port)
        except ValueError:
            raise ValueError("an SMS gateway URL has a malformed host or port") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("an SMS gateway URL is http:// or https:// with a host")
        if "@" in parts.netloc:
            raise ValueError("an SMS gateway URL carries no credentials; pass the token")
        self.url = url
        self.token = token if isinstance(token, Secret) else Secret(token)
        if not self.token.reveal() or _CONTROL.search(self.token.reveal()):
            raise ValueError("an SMS gateway token must be non-empty, on one line")
        self.timeout = timeout
        self.sender_id = sender_id
        self._opener = urllib.request.build_opener(_NoRedirect())

    def send(self, message: Message) -> None:
        if message.channel != "sms":
            raise DeliveryFailed("this sender delivers SMS only")
        payload = {"to": message.destination, "text": message.body}
        if self.sender_id is not None:
            payload["from"] = self.sender_id
        request = urllib.request.Request(
            self.url,
            data=json.dumps(payload).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {self.token.reveal()}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": "honestballot",
            },
        )
        to = mask_destination(message.destination)
        where = self._shown_url()
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            exc.close()
            reason = f"the SMS gateway {where} answered HTTP {exc.code} for {to}"
            raise DeliveryFailed(reason) from None
        except urllib.error.URLError as exc:
            cause = exc.reason
            if isinstance(cause, OSError) and cause.strerror:
                cause = cause.strerror
            reason = f"could not reach the SMS gateway {where}: {cause}"
            raise DeliveryFailed(reason) from None
        except (OSError, http.client.HTTPException) as exc:
            reason = f"the SMS gateway {where} failed for {to}: {type(exc).__name__}"
            raise DeliveryFailed(reason) from None
        if not 200 <= status < 300:
            reason = f"the SMS gateway {where} answered HTTP {status} for {to}"
            raise DeliveryFailed(reason)

    def _shown_url(self) -> str:
        parts = urlsplit(self.url)
        shown = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        return shown + ("?…" if parts.query else "")

    def __repr__(self) -> str:
        return (
            f"HttpSmsSender(url={self._shown_url()!r}, token=<hidden>, "
            f"sender_id={self.sender_id!r}, timeout={self.timeout})"
        )


class RoutingSender:
    """Sends SMS through one sender and e-mail through another."""

    def __init__(self, sms: Sender, email: Sender) -> None:
        self.sms = sms
        self.email = email

    def send(self, message: Message) -> None:
        (self.sms if message.channel == "sms" else self.email).send(message)

    def __repr__(self) -> str:
        return f"RoutingSender(sms={self.sms!r}, email={self.email!r})"


def sender_from_url(spec: str) -> Sender:
    """The sender an operator configured with one string (see the module's docstring).

    Raises ``ValueError`` for a spec it cannot read; the message never repeats the spec,
    which may hold a password or token.
    """
    text = spec.strip()
    if text.lower() == "console":
        return ConsoleSender()
    scheme, colon, rest = text.partition(":")
    kind = scheme.lower()
    if colon and kind == "file":
        return FileSender(_file_directory(rest))
    if colon and kind in ("smtp", "smtps"):
        return _smtp_from_url(text, implicit_tls=kind == "smtps")
    if colon and kind in ("http", "https"):
        return _sms_gateway_from_url(text)
    if colon and kind == "route":
        return _routing_from_spec(rest)
    # Name the scheme only when it looks like one: a mistyped spec may start with a password.
    looks_like_scheme = colon and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]{0,15}", scheme)
    shown = f"scheme {scheme!r}" if looks_like_scheme else "spec"
    raise ValueError(
        f"unknown sender {shown}: expected 'console', 'file:DIR', 'smtp://…', 'smtps://…', "
        "'https://…' (or 'http://…'), or 'route:sms=SPEC;email=SPEC'"
    )


def _file_directory(rest: str) -> str:
    if rest.startswith("//"):
        authority, slash, path = rest[2:].partition("/")
        if authority not in ("", "localhost") or not slash:
            raise ValueError("a file: sender names a local directory: file:/path or file:///path")
        rest = "/" + path
    if not rest:
        raise ValueError("a file: sender needs a directory: file:/path/to/dir")
    return rest


def _smtp_from_url(url: str, *, implicit_tls: bool) -> SmtpSender:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValueError("an smtp:// sender has a malformed host or port") from None
    if not parts.hostname:
        raise ValueError("an smtp:// sender needs a host: smtp://user:pass@host:587?from=ADDR")
    if parts.path not in ("", "/"):
        raise ValueError("an smtp:// sender takes no path")
    allowed = {"from", "timeout"} if implicit_tls else {"from", "timeout", "starttls"}
    params = _query_params(parts.query, allowed, "an smtp:// sender")
    sender_address = params.get("from")
    if not sender_address:
        raise ValueError("an smtp:// sender needs ?from=ADDRESS (the From of its e-mails)")
    starttls = _flag(params.get("starttls", "yes"), "starttls")
    return SmtpSender(
        parts.hostname,
        port if port is not None else 465 if implicit_tls else 587,
        unquote(parts.username) if parts.username else None,
        Secret(unquote(parts.password)) if parts.password is not None else None,
        sender_address,
        starttls=starttls,
        timeout=_timeout(params.get("timeout")),
        implicit_tls=True if implicit_tls else None,  # smtp:// on port 465 is TLS too
    )


def _sms_gateway_from_url(url: str) -> HttpSmsSender:
    parts = urlsplit(url)
    token: str | None = None
    sender_id: str | None = None
    timeout: float = 10
    kept: list[str] = []
    for item in parts.query.split("&"):
        key, _, value = item.partition("=")
        name = unquote(key)
        if name == "token":
            token = unquote(value)
        elif name == "from":
            sender_id = unquote(value)
        elif name == "timeout":
            timeout = _timeout(unquote(value))
        elif item:
            kept.append(item)  # the gateway's own parameters travel on unchanged
    if not token:
        raise ValueError("an SMS gateway sender needs ?token=… (sent as a Bearer header)")
    gateway = urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(kept), ""))
    return HttpSmsSender(gateway, Secret(token), timeout=timeout, sender_id=sender_id or None)


def _routing_from_spec(rest: str) -> RoutingSender:
    routes: dict[str, Sender] = {}
    for part in re.split(r";(?=\s*(?:sms|email)=)", rest):
        channel, equals, inner = part.strip().partition("=")
        if not equals or channel not in ("sms", "email"):
            raise ValueError("a route: sender reads route:sms=SPEC;email=SPEC")
        if channel in routes:
            raise ValueError(f"a route: sender names the {channel} channel twice")
        if inner.strip().lower().startswith("route:"):
            raise ValueError("a route: sender cannot contain another route:")
        routes[channel] = sender_from_url(inner)
    if set(routes) != {"sms", "email"}:
        raise ValueError("a route: sender needs both sms= and email=")
    return RoutingSender(sms=routes["sms"], email=routes["email"])


def _query_params(query: str, allowed: set[str], what: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in query.split("&"):
        if not item:
            continue
        key, _, value = item.partition("=")
        name = unquote(key)
        if name not in allowed:
            expected = ", ".join(sorted(allowed))
            raise ValueError(f"{what} has an unknown parameter {name!r} (expected {expected})")
        if name in params:
            raise ValueError(f"{what} has the parameter {name!r} twice")
        params[name] = unquote(value)  # not unquote_plus: a '+' in a token stays a '+'
    return params


def _flag(value: str, name: str) -> bool:
    lowered = value.lower()
    if lowered in ("1", "yes", "true", "on"):
        return True
    if lowered in ("0", "no", "false", "off"):
        return False
    raise ValueError(f"{name} is yes or no, not {value!r}")


def _timeout(value: str | None) -> float:
    if value is None:
        return 10
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"timeout is a number of seconds, not {value!r}") from None
    if not 0 < seconds <= 300:
        raise ValueError("timeout is between 0 and 300 seconds")
    return seconds


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _lock(fd: int, *, exclusive: bool) -> None:
    if sys.platform != "win32":
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)


def _wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000
