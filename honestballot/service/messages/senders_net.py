"""Senders that reach a real carrier: e-mail through SMTP (:class:`SmtpSender`) and SMS
through a generic HTTP gateway (:class:`HttpSmsSender`).

A failure raises :class:`~honestballot.errors.DeliveryFailed` with a reason that names
the carrier, the status and the masked destination, never the body (which may hold a
code) nor the password or token, which are held in
:class:`~honestballot.service.messages.senders.Secret`.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import re
import smtplib
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from honestballot.errors import DeliveryFailed
from honestballot.service.messages.senders import CONTROL, Message, Secret, mask_destination

#: the exchanges of one SMTP delivery that can each wait up to the timeout: connect,
#: greeting, EHLO, STARTTLS, the TLS handshake, EHLO again, AUTH (up to 3 for LOGIN),
#: MAIL, RCPT, DATA, the message and its end, QUIT; one more for good measure
SMTP_STEPS = 15
#: the waits of one HTTP request: connect, the TLS handshake, the answer
HTTP_STEPS = 3
#: what urllib refuses in a URL (and reports with the whole URL, token and all)
_NOT_IN_URL = re.compile(r"[\x00-\x20\x7f]")


class SmtpSender:
    """E-mail through an SMTP server: STARTTLS on a plain port, TLS from the start on 465.

    ``starttls=False`` (a local relay or a test server) is refused together with a login to a
    host that is not the loopback, so the password never crosses a network in clear.

    The username and password are ASCII (``smtplib`` sends them as ASCII); the e-mail goes
    to its destination only (``RCPT TO`` names it, not the headers).  ``timeout`` bounds
    each exchange with the server, so one send takes at most :attr:`max_send_s`.
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
        if not sender_address or "@" not in sender_address or CONTROL.search(sender_address):
            raise ValueError("an SMTP sender needs a one-line From address with an '@'")
        if bool(username) != (password is not None):
            raise ValueError("an SMTP login needs both a username and a password, or neither")
        if not 0 < timeout <= 300:
            raise ValueError("an SMTP sender's timeout is between 0 and 300 seconds")
        if username and not username.isascii():
            raise ValueError("an SMTP username must be ASCII (it is sent as ASCII)")
        secret = password.reveal() if isinstance(password, Secret) else password
        if secret is not None and not secret.isascii():
            # Never quote it: the message may end up in a log.
            raise ValueError("an SMTP password must be ASCII (it is sent as ASCII)")
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

    @property
    def max_send_s(self) -> float:
        """The longest one :meth:`send` can take: every exchange waiting its full timeout."""
        return SMTP_STEPS * self.timeout

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
                # The recipient is named here, not read from the headers: one address.
                smtp.send_message(email, to_addrs=[message.destination])
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
        except (ValueError, UnicodeError) as exc:
            # By type only: an encoding error's text and .object may hold the password.
            reason = f"e-mail to {to} through {where} failed: {type(exc).__name__}"
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

    The URL is ASCII (percent-encode anything else) and ``https://``; plain ``http://`` is
    accepted only to the loopback (a local relay), since the token and the codes would
    otherwise cross a network in clear.  One send takes at most :attr:`max_send_s`.
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
        if not url.isascii() or _NOT_IN_URL.search(url):
            # Not quoted: the URL's query may hold a key of the gateway's.
            raise ValueError(
                "an SMS gateway URL is ASCII without spaces; percent-encode other characters"
            )
        if parts.scheme == "http" and not _is_loopback(parts.hostname or ""):
            raise ValueError(
                "refusing to send the SMS gateway token and codes in clear to a host that is "
                "not the loopback; use https://"
            )
        if not 0 < timeout <= 300:
            raise ValueError("an SMS gateway sender's timeout is between 0 and 300 seconds")
        self.url = url
        self.token = token if isinstance(token, Secret) else Secret(token)
        if not self.token.reveal() or CONTROL.search(self.token.reveal()):
            raise ValueError("an SMS gateway token must be non-empty, on one line")
        if not self.token.reveal().isascii():
            raise ValueError("an SMS gateway token must be ASCII (it is sent in a header)")
        self.timeout = timeout
        self.sender_id = sender_id
        self._opener = urllib.request.build_opener(_NoRedirect())

    @property
    def max_send_s(self) -> float:
        """The longest one :meth:`send` can take: connect, handshake and answer each
        waiting their full timeout."""
        return HTTP_STEPS * self.timeout

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
        except (OSError, http.client.HTTPException, ValueError) as exc:
            # By type only: a ValueError from urllib may quote the URL or a header.
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


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
