"""The client's address, found once per request at the edge.

``scope["client"]`` arrives as the socket peer (``honestballot serve`` turns uvicorn's
own ``X-Forwarded-For`` handling off) and leaves as the client the operator's trusted
proxies vouch for (:class:`~honestballot.service.security.proxies.TrustedProxies`), so
everything after this, ``request.client`` in the rate limits and the activity log and
uvicorn's access log, sees the same one address.  From a trusted proxy,
``X-Forwarded-Proto`` also sets the scheme (the page that shows the service's own URL).
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import State
from starlette.types import ASGIApp, Receive, Scope, Send

from honestballot.service.security.proxies import TrustedProxies, parse_address

_SCHEMES = {"http": ("http", "ws"), "https": ("https", "wss")}


class ClientAddress:
    def __init__(self, app: ASGIApp, trusted: TrustedProxies) -> None:
        self.app = app
        self.trusted = trusted

    @property
    def state(self) -> State:
        """The inner application's state (so ``wrapped.app.state`` keeps working)."""
        inner: Any = self.app
        found: State = inner.state
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            peer = scope.get("client")
            host, port = (peer[0], peer[1]) if peer else (None, 0)
            forwarded: list[str] = []
            proto = ""
            for name, value in scope.get("headers", ()):
                if name == b"x-forwarded-for":
                    forwarded.append(value.decode("latin-1"))
                elif name == b"x-forwarded-proto":
                    proto = value.decode("latin-1")
            client = self.trusted.client_address(host, forwarded)
            scope["client"] = (client, port if client == host else 0)
            peer_address = parse_address(host) if host else None
            if peer_address is not None and self.trusted.trusts(peer_address):
                # the nearest proxy's word: the last line, its rightmost entry
                scheme = _SCHEMES.get(proto.rsplit(",", 1)[-1].strip().lower())
                if scheme is not None:
                    scope["scheme"] = scheme[0] if scope["type"] == "http" else scheme[1]
        await self.app(scope, receive, send)
