"""The sender an operator configures with one string (``--sender`` or
``$HONESTBALLOT_SENDER``), read by :func:`sender_from_url`::

    console                                         print (development only)
    file:/var/lib/honestballot/outbox               append JSON lines (tests, load generator)
    smtp://user:pass@mail.example:587?from=noreply@example.org   e-mail, STARTTLS
    smtps://user:pass@mail.example?from=noreply@example.org      e-mail, TLS from the start
    https://gateway.example/sms?token=T&from=Vote   SMS through an HTTP gateway
    route:sms=<spec>;email=<spec>                   one sender per channel

An SMS gateway's ``http://`` is accepted only to the loopback (a local relay): the
token and the codes would otherwise cross a network in clear.  An error never repeats
the spec, which may hold a password or token.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

from honestballot.service.messages.senders import (
    ConsoleSender,
    FileSender,
    RoutingSender,
    Secret,
    Sender,
)
from honestballot.service.messages.senders_net import HttpSmsSender, SmtpSender

SENDER_ENV_VAR = "HONESTBALLOT_SENDER"


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
